/* ipckit-native: shared declarations (options, timing, results, process control, the channel interface). */
#ifndef IPCKIT_NATIVE_COMMON_H
#define IPCKIT_NATIVE_COMMON_H

#define _GNU_SOURCE
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* Exit codes shared with the C# coordinator. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

/* Two 64-byte lines: adjacent-line prefetchers pull pairs of lines, so shared words sit 128 bytes apart. */
#define CACHE_SPACING 128

/* Pure spinners yield the CPU every YIELD_SPINS pauses (~0.2 ms here) so that a run where both processes share
 * one CPU (--pin same, or an unlucky --pin none) still finishes; it never triggers when the peer is on another
 * CPU and responsive. Liveness of the peer is checked every LIVENESS_SPINS pauses. */
#define YIELD_SPINS 0x3FFFu
#define LIVENESS_SPINS 0xFFFFFu

/* shm-slot: the largest message its slot carries (a floor for small messages; the mapping stays bounded). */
#define SLOT_MAX_SIZE (64u * 1024)

/* Stream framing (IpcKit wire format): u32 little-endian payload length, then the payload. */
#define FRAME_HEADER 4
#define COALESCE_LIMIT (16 * 1024)

enum workload { WL_LATENCY, WL_THROUGHPUT };
enum pin_mode { PIN_NONE, PIN_SAME, PIN_SPLIT };

struct options {
    const char *mechanism;
    enum workload workload;
    size_t size;
    uint64_t iterations;
    uint64_t warmup;
    enum pin_mode pin;          /* effective pin mode (split may degrade to same) */
    int cpu_a, cpu_b;
    size_t capacity;            /* shm ring capacity per direction */
    unsigned spin;              /* futex: pause iterations before parking */
    unsigned timeout_s;         /* whole-run watchdog */
    size_t pool;                /* memcpy working set (src + dst) */
    int zero_copy;              /* rings: write each message in place (claim/commit) and read it in place */
    unsigned batches;           /* throughput: measured batches, each acknowledged (per-batch rates reported) */
    size_t pipe_size;           /* pipe: F_SETPIPE_SZ for both pipes; 0 keeps the kernel's default */
    unsigned idle_threads;      /* threads each process starts and leaves blocked, as a managed runtime has */
};

/* Counters the child publishes to the parent through a small shared mapping (outside the measured path). */
struct child_report {
    uint64_t received;          /* measured-phase messages the child received */
    uint64_t sent;              /* measured-phase messages the child sent (echoes / acks) */
    uint64_t lost;
    uint64_t corrupted;
    int failed;
    char error[256];
};

#define MAX_BATCHES 64

struct result {
    uint64_t operations;
    unsigned batches;                   /* throughput: measured batches; batch_mps holds each one's rate */
    double batch_mps[MAX_BATCHES];
    unsigned settle_batches;            /* throughput: warm-up batches run until two in a row agreed */
    int settled;                        /* 1 if they agreed within the cap, 0 if the cap ended the warm-up */
    uint64_t p50, p90, p99, p999, max;
    double mean_ns;
    double msgs_per_s, bytes_per_s;
    uint64_t sent, received, lost, corrupted;
};

/* Per-side sequence checking. */
struct seq_check {
    uint64_t expected;
    uint64_t lost;
    uint64_t corrupted;
};

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static inline void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* One pause in a spin loop; sched_yield and a peer liveness check now and then. Returns 0 if the peer is gone. */
int spin_pause(unsigned long *spins);

/* Checks one received message against the expected length and sequence number. */
static inline void seq_verify(struct seq_check *c, const uint8_t *payload, size_t len, size_t expected_len)
{
    if (len != expected_len) {
        c->corrupted++;
        c->expected++;
        return;
    }
    if (len >= 8) {
        uint64_t got = get_u64le(payload);
        if (got == c->expected) {
            c->expected++;
        } else if (got > c->expected) {
            c->lost += got - c->expected;
            c->expected = got + 1;
        } else {
            c->corrupted++;
        }
    } else {
        c->expected++;
    }
}

/* A bidirectional message channel between parent and child. recv hands back a payload that stays valid
 * until the next recv on the same channel. Both return 0 on success, -1 on failure (message already set). */
struct channel {
    int (*send)(struct channel *ch, const uint8_t *payload, size_t len);
    int (*recv)(struct channel *ch, const uint8_t **payload, size_t *len);
    /* Zero-copy send (rings only, NULL elsewhere): claim returns where len bytes go (in the ring when they fit
     * in one record, else a staging buffer) or NULL on failure; commit publishes them. */
    uint8_t *(*claim)(struct channel *ch, size_t len);
    int (*commit)(struct channel *ch, size_t len);
    void *impl;
};

/* common.c */
void fail_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void fail_runtime(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *last_error(void);
void *map_shared(size_t bytes);
int pin_self(int cpu);
void apply_parent_pin(const struct options *o);
pid_t spawn_child(const struct options *o);
int peer_alive(void);
int finish_child(pid_t pid, unsigned timeout_ms);
void abort_child(void);
void install_watchdog(unsigned seconds);
struct child_report *child_report(void);
void child_exit(int ok) __attribute__((noreturn));
void fill_pattern(uint8_t *buf, size_t len);
void result_from_samples(struct result *r, uint64_t *samples, uint64_t n, size_t size);
void result_from_elapsed(struct result *r, uint64_t elapsed_ns, uint64_t n, size_t size);
void print_result(const struct options *o, const struct result *r);

/* workload.c: the latency and throughput drivers over a channel. */
int run_channel_workload(struct channel *ch, const struct options *o, pid_t child, struct result *r);
void child_channel_workload(struct channel *ch, const struct options *o) __attribute__((noreturn));
/* Reaps the child, merges its counters into r, prints the JSON line. Returns the process exit code. */
int complete_run(const struct options *o, pid_t child, struct result *r);

/* Mechanisms. Each returns the process exit code. */
int run_stream(const struct options *o);   /* pipe, unix, tcp */
int run_ring(const struct options *o);     /* shm-spin, futex */
int run_flag(const struct options *o);     /* shm-flag */
int run_slot(const struct options *o);     /* shm-slot */
int run_memcpy(const struct options *o);   /* memcpy */

#endif
