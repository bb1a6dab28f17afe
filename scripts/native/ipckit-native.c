/* ipckit-native: minimal C reference programs for the OS mechanisms IpcKit's transports use.
 *
 *   ipckit-native MECHANISM --workload latency|throughput --size BYTES --iterations N
 *                 [--warmup N] [--pin none|same|split] [--cpus A,B]
 *                 [--capacity BYTES] [--spin N] [--timeout SECONDS] [--pool BYTES]
 *                 [--zero-copy] [--batches N] [--pipe-size BYTES] [--idle-threads N]
 *
 * Prints one line of JSON on stdout. Exit codes: 0 ok, 1 runtime failure, 2 bad arguments.
 * See README.md for what each mechanism measures. */
#include "common.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t parse_u64(const char *opt, const char *s, int allow_suffix)
{
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+') fail_usage("%s needs a non-negative integer", opt);
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s) fail_usage("%s: '%s' is not a number", opt, s);
    unsigned shift = 0;
    if (allow_suffix && *end != '\0') {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: fail_usage("%s: '%s' is not a number", opt, s);
        }
        end++;
        if (*end == 'i' || *end == 'I') end++;
        if (*end == 'b' || *end == 'B') end++;
    }
    if (*end != '\0') fail_usage("%s: '%s' is not a number", opt, s);
    if (shift && v > (~0ULL >> shift)) fail_usage("%s: '%s' is too large", opt, s);
    return (uint64_t)v << shift;
}

static int parse_cpu(const char *s, size_t n)
{
    char tmp[16];
    if (n == 0 || n >= sizeof tmp) fail_usage("--cpus expects A,B (CPU numbers)");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    uint64_t v = parse_u64("--cpus", tmp, 0);
    if (v >= CPU_SETSIZE) fail_usage("--cpus: CPU %s is out of range", tmp);
    return (int)v;
}

static int is_known(const char *m)
{
    static const char *const names[] = { "pipe", "unix", "tcp", "shm-spin", "shm-flag", "shm-slot", "futex", "memcpy" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(m, names[i]) == 0) return 1;
    return 0;
}

static void parse_args(int argc, char **argv, struct options *o)
{
    int have_workload = 0, have_size = 0, have_iter = 0, have_warmup = 0;
    memset(o, 0, sizeof *o);
    o->pin = PIN_NONE;
    o->cpu_a = 0;
    o->cpu_b = 1;
    o->capacity = 1u << 20;
    o->spin = 500;
    o->timeout_s = 600;
    o->pool = 512u << 20;
    o->batches = 5;

    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            if (o->mechanism != NULL) fail_usage("unexpected argument '%s'", arg);
            if (!is_known(arg)) fail_usage("unknown mechanism '%s'", arg);
            o->mechanism = arg;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) fail_usage("help requested");
        if (strcmp(arg, "--zero-copy") == 0) {
            o->zero_copy = 1;
            continue;
        }
        char *val;
        char *eq = strchr(arg, '=');
        if (eq != NULL) {
            *eq = '\0';
            val = eq + 1;
        } else {
            if (i + 1 >= argc) fail_usage("%s needs a value", arg);
            val = argv[++i];
        }
        if (strcmp(arg, "--workload") == 0) {
            if (strcmp(val, "latency") == 0) o->workload = WL_LATENCY;
            else if (strcmp(val, "throughput") == 0) o->workload = WL_THROUGHPUT;
            else fail_usage("--workload must be latency or throughput, not '%s'", val);
            have_workload = 1;
        } else if (strcmp(arg, "--size") == 0) {
            uint64_t v = parse_u64(arg, val, 1);
            if (v > (1u << 30)) fail_usage("--size: at most 1 GiB");
            o->size = (size_t)v;
            have_size = 1;
        } else if (strcmp(arg, "--iterations") == 0) {
            o->iterations = parse_u64(arg, val, 1);
            if (o->iterations == 0 || o->iterations > 1000000000ULL) fail_usage("--iterations: 1 .. 1e9");
            have_iter = 1;
        } else if (strcmp(arg, "--warmup") == 0) {
            o->warmup = parse_u64(arg, val, 1);
            if (o->warmup > 1000000000ULL) fail_usage("--warmup: at most 1e9");
            have_warmup = 1;
        } else if (strcmp(arg, "--pin") == 0) {
            if (strcmp(val, "none") == 0) o->pin = PIN_NONE;
            else if (strcmp(val, "same") == 0) o->pin = PIN_SAME;
            else if (strcmp(val, "split") == 0) o->pin = PIN_SPLIT;
            else fail_usage("--pin must be none, same or split, not '%s'", val);
        } else if (strcmp(arg, "--cpus") == 0) {
            const char *comma = strchr(val, ',');
            if (comma == NULL) {
                o->cpu_a = o->cpu_b = parse_cpu(val, strlen(val));
            } else {
                o->cpu_a = parse_cpu(val, (size_t)(comma - val));
                o->cpu_b = parse_cpu(comma + 1, strlen(comma + 1));
            }
        } else if (strcmp(arg, "--capacity") == 0) {
            uint64_t v = parse_u64(arg, val, 1);
            if (v < 4096 || v > (1u << 30) || (v & (v - 1)) != 0)
                fail_usage("--capacity must be a power of two between 4 KiB and 1 GiB");
            o->capacity = (size_t)v;
        } else if (strcmp(arg, "--spin") == 0) {
            uint64_t v = parse_u64(arg, val, 0);
            if (v > 100000000) fail_usage("--spin: at most 1e8");
            o->spin = (unsigned)v;
        } else if (strcmp(arg, "--timeout") == 0) {
            uint64_t v = parse_u64(arg, val, 0);
            if (v > 86400) fail_usage("--timeout: at most 86400 seconds (0 = none)");
            o->timeout_s = (unsigned)v;
        } else if (strcmp(arg, "--pipe-size") == 0) {
            uint64_t v = parse_u64(arg, val, 1);
            if (v > (1u << 30)) fail_usage("--pipe-size: at most 1 GiB (0 = the kernel's default)");
            o->pipe_size = (size_t)v;
        } else if (strcmp(arg, "--idle-threads") == 0) {
            uint64_t v = parse_u64(arg, val, 0);
            if (v > 64) fail_usage("--idle-threads: 0 .. 64");
            o->idle_threads = (unsigned)v;
        } else if (strcmp(arg, "--batches") == 0) {
            uint64_t v = parse_u64(arg, val, 0);
            if (v < 1 || v > MAX_BATCHES) fail_usage("--batches: 1 .. %d", MAX_BATCHES);
            o->batches = (unsigned)v;
        } else if (strcmp(arg, "--pool") == 0) {
            uint64_t v = parse_u64(arg, val, 1);
            if (v < 4096 || v > (8ULL << 30)) fail_usage("--pool: 4 KiB .. 8 GiB");
            o->pool = (size_t)v;
        } else {
            fail_usage("unknown option '%s'", arg);
        }
    }
    if (o->mechanism == NULL) fail_usage("missing MECHANISM");
    if (!have_workload) fail_usage("missing --workload");
    if (!have_size) fail_usage("missing --size");
    if (!have_iter) fail_usage("missing --iterations");
    /* A throughput warm-up batch is a tenth of the run, so that settling compares batches long enough to mean something. */
    if (!have_warmup)
        o->warmup = o->workload == WL_THROUGHPUT || o->iterations / 10 < 1000 ? o->iterations / 10 : 1000;
    if (o->zero_copy && strcmp(o->mechanism, "shm-spin") != 0 && strcmp(o->mechanism, "futex") != 0)
        fail_usage("--zero-copy applies to the rings (shm-spin, futex) only");
    if (strcmp(o->mechanism, "shm-flag") == 0 && o->workload != WL_LATENCY)
        fail_usage("shm-flag measures latency only (it carries no payload)");
    if (strcmp(o->mechanism, "shm-slot") == 0 && o->workload != WL_LATENCY)
        fail_usage("shm-slot measures latency only (one message in flight per direction: a round trip)");
    if (strcmp(o->mechanism, "shm-slot") == 0 && o->size > SLOT_MAX_SIZE)
        fail_usage("shm-slot: --size at most 64 KiB (its slot is a floor for small messages)");
}

static void settle_pinning(struct options *o)
{
    if (o->pin != PIN_SPLIT) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < 2) {
        fprintf(stderr, "ipckit-native: note: only one CPU is available; --pin split degrades to same (CPU %d)\n",
                o->cpu_a);
        o->pin = PIN_SAME;
    } else if (o->cpu_a == o->cpu_b) {
        fprintf(stderr, "ipckit-native: note: --pin split with A == B (%d) is the same as --pin same\n", o->cpu_a);
        o->pin = PIN_SAME;
    }
    if (strcmp(o->mechanism, "memcpy") == 0) o->pin = o->pin == PIN_NONE ? PIN_NONE : PIN_SAME;
}

int main(int argc, char **argv)
{
    struct options o;
    parse_args(argc, argv, &o);
    settle_pinning(&o);
    signal(SIGPIPE, SIG_IGN);
    install_watchdog(o.timeout_s);
    apply_parent_pin(&o);

    const char *m = o.mechanism;
    if (strcmp(m, "pipe") == 0 || strcmp(m, "unix") == 0 || strcmp(m, "tcp") == 0) return run_stream(&o);
    if (strcmp(m, "shm-spin") == 0 || strcmp(m, "futex") == 0) return run_ring(&o);
    if (strcmp(m, "shm-flag") == 0) return run_flag(&o);
    if (strcmp(m, "shm-slot") == 0) return run_slot(&o);
    return run_memcpy(&o);
}
