/* ipckit-native: shm-flag (the shared-memory latency floor) and memcpy (single-process copy bandwidth). */
#include "common.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Two flags on separate 128-byte slots: the parent writes ping, the child writes pong. */
struct flags {
    _Alignas(CACHE_SPACING) _Atomic uint64_t ping;
    _Alignas(CACHE_SPACING) _Atomic uint64_t pong;
};

/* Spins until *flag differs from last; returns the new value, or 0 when the peer is gone. */
static uint64_t spin_change(_Atomic uint64_t *flag, uint64_t last)
{
    unsigned long spins = 0;
    uint64_t v;
    while ((v = atomic_load_explicit(flag, memory_order_acquire)) == last) {
        if (!spin_pause(&spins)) return 0;
    }
    return v;
}

static void check_value(struct seq_check *c, uint64_t got)
{
    if (got == c->expected) {
        c->expected++;
    } else if (got > c->expected) {
        c->lost += got - c->expected;
        c->expected = got + 1;
    } else {
        c->corrupted++;
    }
}

int run_flag(const struct options *o)
{
    struct flags *f = map_shared(sizeof *f);
    atomic_store(&f->ping, 0);
    atomic_store(&f->pong, 0);
    uint64_t total = o->warmup + o->iterations;

    pid_t child = spawn_child(o);
    if (child == 0) {
        struct child_report *rep = child_report();
        struct seq_check chk = { 1, 0, 0 };
        uint64_t last = 0;
        for (uint64_t i = 0; i < total; i++) {
            uint64_t v = spin_change(&f->ping, last);
            if (v == 0) fail_runtime("parent process is gone");
            check_value(&chk, v);
            atomic_store_explicit(&f->pong, v, memory_order_release);
            last = v;
            if (i >= o->warmup) rep->received++, rep->sent++;
        }
        rep->lost = chk.lost;
        rep->corrupted = chk.corrupted;
        child_exit(1);
    }

    uint64_t *samples = malloc(o->iterations * sizeof *samples);
    if (samples == NULL) fail_runtime("out of memory (%llu samples)", (unsigned long long)o->iterations);
    struct seq_check chk = { 1, 0, 0 };
    uint64_t last = 0;
    for (uint64_t i = 0; i < total; i++) {
        uint64_t seq = i + 1;
        uint64_t t0 = now_ns();
        atomic_store_explicit(&f->ping, seq, memory_order_release);
        uint64_t v = spin_change(&f->pong, last);
        uint64_t t1 = now_ns();
        if (v == 0) fail_runtime("shm-flag: child process is gone");
        check_value(&chk, v);
        last = v;
        if (i >= o->warmup) samples[i - o->warmup] = t1 - t0;
    }
    struct result r;
    memset(&r, 0, sizeof r);
    result_from_samples(&r, samples, o->iterations, o->size);
    r.sent = r.received = o->iterations;
    r.lost = chk.lost;
    r.corrupted = chk.corrupted;
    free(samples);
    int code = complete_run(o, child, &r);
    munmap(f, sizeof *f);
    return code;
}

/* memcpy: copies SIZE bytes from a source pool to a destination pool, moving through slots so that the working
 * set (--pool, default 512 MiB for both) is larger than the caches. Each copy carries a sequence number in its
 * first 8 bytes, checked after the copy. latency: every copy is timed; throughput: the loop is timed as a whole. */
int run_memcpy(const struct options *o)
{
    size_t unit = o->size > 0 ? o->size : 1;
    size_t half = o->pool / 2;
    if (half < unit) half = unit;
    size_t slots = half / unit;
    size_t bytes = slots * unit;
    uint8_t *src = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *dst = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (src == MAP_FAILED || dst == MAP_FAILED) fail_runtime("mmap(2 x %zu bytes) failed", bytes);
    fill_pattern(src, bytes);
    memset(dst, 0, bytes);

    struct seq_check chk = { 0, 0, 0 };
    uint64_t total = o->warmup + o->iterations;
    int timed_each = o->workload == WL_LATENCY;
    uint64_t *samples = NULL;
    if (timed_each) {
        samples = malloc(o->iterations * sizeof *samples);
        if (samples == NULL) fail_runtime("out of memory (%llu samples)", (unsigned long long)o->iterations);
    }
    uint64_t start = 0;
    size_t slot = 0;
    for (uint64_t i = 0; i < total; i++) {
        if (i == o->warmup) start = now_ns();
        uint8_t *s = src + slot * unit, *d = dst + slot * unit;
        if (++slot == slots) slot = 0;
        if (o->size >= 8) put_u64le(s, i);
        uint64_t t0 = timed_each ? now_ns() : 0;
        memcpy(d, s, o->size);
        __asm__ __volatile__("" ::: "memory");
        if (timed_each && i >= o->warmup) samples[i - o->warmup] = now_ns() - t0;
        if (o->size >= 8) {
            if (get_u64le(d) != i) chk.corrupted++;
        }
    }
    uint64_t elapsed = now_ns() - start;

    struct result r;
    memset(&r, 0, sizeof r);
    if (timed_each) {
        result_from_samples(&r, samples, o->iterations, o->size);
        r.bytes_per_s = r.msgs_per_s * (double)o->size;   /* one copy moves SIZE bytes once */
        free(samples);
    } else {
        result_from_elapsed(&r, elapsed, o->iterations, o->size);
    }
    r.sent = r.received = o->iterations;
    r.corrupted = chk.corrupted;
    munmap(src, bytes);
    munmap(dst, bytes);
    print_result(o, &r);
    return 0;
}
