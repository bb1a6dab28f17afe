/* ipckit-native: errors, pinning, the child process, results and JSON output. */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_is_child;
static pid_t g_parent_pid;
static volatile pid_t g_child_pid;
static int g_child_reaped;
static int g_child_status;
static struct child_report *g_report;
static char g_error[320];

static void vreport(const char *kind, const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (g_is_child && g_report != NULL && !g_report->failed) {
        g_report->failed = 1;
        snprintf(g_report->error, sizeof g_report->error, "%s", msg);
    }
    fprintf(stderr, "ipckit-native: %s%s%s\n", g_is_child ? "child: " : "", kind, msg);
}

void fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
    fprintf(stderr, "usage: ipckit-native MECHANISM --workload latency|throughput --size BYTES --iterations N\n"
                    "         [--warmup N] [--pin none|same|split] [--cpus A,B] [--capacity BYTES] [--spin N]\n"
                    "         [--timeout SECONDS] [--pool BYTES] [--idle-threads N]\n"
                    "       MECHANISM: pipe unix tcp shm-spin shm-flag shm-slot futex memcpy\n");
    exit(EXIT_USAGE);
}

void fail_runtime(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("error: ", fmt, ap);
    va_end(ap);
    if (g_is_child) _exit(EXIT_RUNTIME);
    abort_child();
    exit(EXIT_RUNTIME);
}

void set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_error, sizeof g_error, fmt, ap);
    va_end(ap);
}

const char *last_error(void) { return g_error[0] ? g_error : "unknown failure"; }

void *map_shared(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fail_runtime("mmap(%zu bytes): %s", bytes, strerror(errno));
    return p;
}

int pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        set_error("sched_setaffinity(cpu %d): %s", cpu, strerror(errno));
        return -1;
    }
    return 0;
}

void apply_parent_pin(const struct options *o)
{
    if (o->pin != PIN_NONE && pin_self(o->cpu_a) != 0) fail_runtime("%s", last_error());
}

struct child_report *child_report(void) { return g_report; }

static void *idle_thread(void *arg)
{
    (void)arg;
    for (;;) pause();
    return NULL;
}

/* --idle-threads: a managed runtime's process always has threads besides the one doing the work (GC, JIT, timers),
 * and sharing its descriptor table with them makes every read and write pay for file reference counting that a
 * single-threaded process skips. Threads that only ever block let the twin show that cost on its own. */
static unsigned g_idle_started;

static void start_idle_threads(const struct options *o)
{
    if (g_idle_started >= o->idle_threads) return;
    /* Created with every signal blocked (they inherit the mask), so the watchdog's alarm still reaches the main thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (; g_idle_started < o->idle_threads; g_idle_started++) {
        pthread_t t;
        int err = pthread_create(&t, NULL, idle_thread, NULL);
        if (err != 0) fail_runtime("pthread_create: %s", strerror(err));
        pthread_detach(t);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

pid_t spawn_child(const struct options *o)
{
    if (g_report == NULL) g_report = map_shared(sizeof *g_report);
    memset(g_report, 0, sizeof *g_report);
    g_parent_pid = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) fail_runtime("fork: %s", strerror(errno));
    if (pid == 0) {
        g_is_child = 1;
        /* Never outlive the parent; the getppid() check closes the race with a parent that died before prctl. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_runtime("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
        if (getppid() != g_parent_pid) _exit(EXIT_RUNTIME);
        if (o->pin == PIN_SPLIT && pin_self(o->cpu_b) != 0) fail_runtime("%s", last_error());
        if (o->pin == PIN_SAME && pin_self(o->cpu_a) != 0) fail_runtime("%s", last_error());
        g_idle_started = 0; /* fork copies none of the parent's threads */
        start_idle_threads(o);
        return 0;
    }
    start_idle_threads(o);
    g_child_pid = pid;
    g_child_reaped = 0;
    return pid;
}

void child_exit(int ok)
{
    fflush(NULL);
    _exit(ok ? 0 : EXIT_RUNTIME);
}

/* In the parent: is the child still running? In the child: is the parent? */
int peer_alive(void)
{
    if (g_is_child) return getppid() == g_parent_pid;
    if (g_child_pid <= 0 || g_child_reaped) return 0;
    int st;
    pid_t r = waitpid(g_child_pid, &st, WNOHANG);
    if (r == g_child_pid) {
        g_child_reaped = 1;
        g_child_status = st;
        return 0;
    }
    return 1;
}

int spin_pause(unsigned long *spins)
{
    cpu_relax();
    unsigned long n = ++*spins;
    if ((n & YIELD_SPINS) == 0) sched_yield();
    if ((n & LIVENESS_SPINS) == 0 && !peer_alive()) return 0;
    return 1;
}

static int describe_child_exit(int st)
{
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && !g_report->failed) return 0;
    if (g_report->failed) set_error("child failed: %s", g_report->error);
    else if (WIFSIGNALED(st)) set_error("child killed by signal %d", WTERMSIG(st));
    else set_error("child exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return -1;
}

/* Waits (bounded) for the child to exit; kills it when the time is up. 0 when it exited cleanly. */
int finish_child(pid_t pid, unsigned timeout_ms)
{
    if (pid <= 0) return 0;
    if (!g_child_reaped) {
        int st = 0;
        for (unsigned waited = 0;; waited++) {
            pid_t r = waitpid(pid, &st, WNOHANG);
            if (r == pid) break;
            if (r < 0 && errno != EINTR) {
                set_error("waitpid: %s", strerror(errno));
                return -1;
            }
            if (waited >= timeout_ms) {
                kill(pid, SIGKILL);
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR) { }
                g_child_reaped = 1;
                g_child_pid = 0;
                set_error("child did not exit within %u ms; killed", timeout_ms);
                return -1;
            }
            struct timespec ms = { 0, 1000000 };
            nanosleep(&ms, NULL);
        }
        g_child_reaped = 1;
        g_child_status = st;
    }
    g_child_pid = 0;
    return describe_child_exit(g_child_status);
}

void abort_child(void)
{
    pid_t pid = g_child_pid;
    if (g_is_child || pid <= 0) return;
    if (!g_child_reaped) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) { }
        g_child_reaped = 1;
    }
    g_child_pid = 0;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "ipckit-native: error: watchdog timeout; run aborted\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    pid_t pid = g_child_pid;
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    _exit(EXIT_RUNTIME);
}

void install_watchdog(unsigned seconds)
{
    if (seconds == 0) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);   /* alarms are not inherited by fork()ed children */
}

void fill_pattern(uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i * 31u + 7u);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array: the smallest sample with at least p of the samples at or below it. */
static uint64_t percentile(const uint64_t *sorted, uint64_t n, uint64_t num, uint64_t den)
{
    uint64_t rank = (n * num + den - 1) / den;
    if (rank == 0) rank = 1;
    return sorted[rank - 1];
}

void result_from_samples(struct result *r, uint64_t *samples, uint64_t n, size_t size)
{
    r->operations = n;
    if (n == 0) return;
    qsort(samples, n, sizeof *samples, cmp_u64);
    long double sum = 0;
    for (uint64_t i = 0; i < n; i++) sum += samples[i];
    r->p50 = percentile(samples, n, 50, 100);
    r->p90 = percentile(samples, n, 90, 100);
    r->p99 = percentile(samples, n, 99, 100);
    r->p999 = percentile(samples, n, 999, 1000);
    r->max = samples[n - 1];
    r->mean_ns = (double)(sum / n);
    r->msgs_per_s = r->mean_ns > 0 ? 1e9 / r->mean_ns : 0;
    r->bytes_per_s = 2.0 * (double)size * r->msgs_per_s;
}

void result_from_elapsed(struct result *r, uint64_t elapsed_ns, uint64_t n, size_t size)
{
    r->operations = n;
    if (n == 0) return;
    double per = (double)elapsed_ns / (double)n;
    uint64_t per_i = (uint64_t)(per + 0.5);
    r->p50 = r->p90 = r->p99 = r->p999 = r->max = per_i;
    r->mean_ns = per;
    r->msgs_per_s = elapsed_ns > 0 ? (double)n * 1e9 / (double)elapsed_ns : 0;
    r->bytes_per_s = r->msgs_per_s * (double)size;
}

static const char *pin_name(enum pin_mode p)
{
    return p == PIN_SAME ? "same" : p == PIN_SPLIT ? "split" : "none";
}

void print_result(const struct options *o, const struct result *r)
{
    char cpus[32] = "";
    if (o->pin == PIN_SAME) snprintf(cpus, sizeof cpus, "%d", o->cpu_a);
    else if (o->pin == PIN_SPLIT) snprintf(cpus, sizeof cpus, "%d,%d", o->cpu_a, o->cpu_b);
    /* No setlocale() call anywhere: printf stays in the "C" locale, so numbers use '.' and no grouping. */
    printf("{\"tool\":\"ipckit-native\",\"mechanism\":\"%s\",\"workload\":\"%s\",\"messageSize\":%zu,"
           "\"operations\":%llu,\"pin\":\"%s\",\"p50Ns\":%llu,\"p90Ns\":%llu,\"p99Ns\":%llu,\"p999Ns\":%llu,"
           "\"maxNs\":%llu,\"meanNs\":%.1f,\"messagesPerSecond\":%.1f,\"bytesPerSecond\":%.1f,"
           "\"sent\":%llu,\"received\":%llu,\"lost\":%llu,\"corrupted\":%llu,\"warmup\":%llu,\"cpus\":\"%s\"",
           o->mechanism, o->workload == WL_LATENCY ? "latency" : "throughput", o->size,
           (unsigned long long)r->operations, pin_name(o->pin), (unsigned long long)r->p50,
           (unsigned long long)r->p90, (unsigned long long)r->p99, (unsigned long long)r->p999,
           (unsigned long long)r->max, r->mean_ns, r->msgs_per_s, r->bytes_per_s, (unsigned long long)r->sent,
           (unsigned long long)r->received, (unsigned long long)r->lost, (unsigned long long)r->corrupted,
           (unsigned long long)o->warmup, cpus);
    if (o->zero_copy) printf(",\"zeroCopy\":true");
    if (r->batches > 0) {
        printf(",\"settleBatches\":%u,\"settled\":%s,\"batchMessagesPerSecond\":[", r->settle_batches,
               r->settled ? "true" : "false");
        for (unsigned i = 0; i < r->batches; i++) printf("%s%.1f", i ? "," : "", r->batch_mps[i]);
        printf("]");
    }
    printf("}\n");
    fflush(stdout);
}
