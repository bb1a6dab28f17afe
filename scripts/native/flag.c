/* ipckit-native: shm-flag (the shared-memory latency floor), shm-slot (the floor of a round trip that carries the
 * message's bytes) and memcpy (single-process copy bandwidth). */
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

/* The child of a ping-pong: publishes its sequence check to the parent and exits. */
static void child_finish(const struct seq_check *chk) __attribute__((noreturn));
static void child_finish(const struct seq_check *chk)
{
    struct child_report *rep = child_report();
    rep->lost = chk->lost;
    rep->corrupted = chk->corrupted;
    child_exit(1);
}

/* The parent of a ping-pong: the result from its round-trip samples (which it frees), then the child's outcome. */
static int parent_finish(const struct options *o, pid_t child, uint64_t *samples, const struct seq_check *chk)
{
    struct result r;
    memset(&r, 0, sizeof r);
    result_from_samples(&r, samples, o->iterations, o->size);
    r.sent = r.received = o->iterations;
    r.lost = chk->lost;
    r.corrupted = chk->corrupted;
    free(samples);
    return complete_run(o, child, &r);
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
        child_finish(&chk);
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
    int code = parent_finish(o, child, samples, &chk);
    munmap(f, sizeof *f);
    return code;
}

/* shm-slot: the least a round trip through shared memory can cost when it carries SIZE bytes, not just a flag.
 * One mailbox slot per direction: [u64 ready][payload]. The sender copies the message into the slot, then
 * release-stores ready (the round's number, never 0); the receiver spins on ready (spin_pause, as shm-flag), copies
 * the payload out of the slot (the echo copies it straight into its reply slot; the parent into a private buffer)
 * and checks the sequence number in the payload's first 8 bytes. One message in flight per direction, so the slot
 * needs no ring, no head or tail, no length and no wrap: everything a real transport adds to this is overhead.
 *
 * Why no transport can do less: it cannot take bits of the payload for its signal, so a message of SIZE bytes plus
 * the "it is here" word is SIZE + 8 bytes, and every 64-byte line of it must move from the writer's cache to the
 * reader's. Here the ready word shares the slot's first line with the payload's first 56 bytes, so the line the
 * reader spins on brings those bytes with it: ceil((8 + SIZE) / 64) lines, one for up to 56 bytes and two for 64
 * (shm-flag moves one). The slot starts on a 128-byte boundary and the two directions' slots are CACHE_SPACING
 * apart, so the adjacent-line prefetcher never pairs a line of one direction with one of the other. The sender
 * writes the payload's later lines first and the first line (its payload bytes, then ready) last, so the line the
 * reader spins on is taken from the writer once, complete. (Tried at 64 B, --pin split: ready after the payload,
 * an in-order copy, the slot 64 bytes off the 128-byte boundary; all within the noise of this layout.) */
#define SLOT_HEADER 8
#define CACHE_LINE 64

struct slot {
    _Atomic uint64_t ready;
    uint8_t payload[];
};

static size_t slot_stride(size_t size)
{
    return (SLOT_HEADER + size + CACHE_SPACING - 1) / CACHE_SPACING * CACHE_SPACING;
}

/* Writes len bytes into the slot, the first line last, then publishes them as round n. */
static void slot_publish(struct slot *s, const uint8_t *bytes, size_t len, uint64_t n)
{
    size_t head = len < CACHE_LINE - SLOT_HEADER ? len : CACHE_LINE - SLOT_HEADER;
    if (len > head) memcpy(s->payload + head, bytes + head, len - head);
    memcpy(s->payload, bytes, head);
    atomic_store_explicit(&s->ready, n, memory_order_release);
}

int run_slot(const struct options *o)
{
    size_t stride = slot_stride(o->size);
    size_t bytes = 2 * stride;
    uint8_t *region = map_shared(bytes);   /* page-aligned, zeroed: both ready words start at 0 */
    struct slot *ping = (struct slot *)region, *pong = (struct slot *)(region + stride);
    uint64_t total = o->warmup + o->iterations;

    pid_t child = spawn_child(o);
    if (child == 0) {
        struct child_report *rep = child_report();
        struct seq_check chk = { 0, 0, 0 };
        uint64_t last = 0;
        for (uint64_t i = 0; i < total; i++) {
            uint64_t n = spin_change(&ping->ready, last);
            if (n == 0) fail_runtime("parent process is gone");
            /* The echo reads every byte of the request by copying it into its reply. */
            slot_publish(pong, ping->payload, o->size, n);
            seq_verify(&chk, pong->payload, o->size, o->size);
            last = n;
            if (i >= o->warmup) rep->received++, rep->sent++;
        }
        child_finish(&chk);
    }

    uint8_t *out = malloc(o->size + 8), *in = malloc(o->size + 8);
    uint64_t *samples = malloc(o->iterations * sizeof *samples);
    if (out == NULL || in == NULL || samples == NULL) fail_runtime("out of memory (%llu samples)", (unsigned long long)o->iterations);
    fill_pattern(out, o->size);
    struct seq_check chk = { 0, 0, 0 };
    uint64_t last = 0;
    for (uint64_t i = 0; i < total; i++) {
        if (o->size >= 8) put_u64le(out, i);
        uint64_t t0 = now_ns();
        slot_publish(ping, out, o->size, i + 1);
        uint64_t n = spin_change(&pong->ready, last);
        if (n == 0) fail_runtime("shm-slot: child process is gone");
        memcpy(in, pong->payload, o->size);
        __asm__ __volatile__("" : : "r"(in) : "memory");   /* every byte copied out, none elided */
        uint64_t t1 = now_ns();
        if (n != i + 1) chk.corrupted++;
        seq_verify(&chk, in, o->size, o->size);
        last = n;
        if (i >= o->warmup) samples[i - o->warmup] = t1 - t0;
    }
    free(in);
    free(out);
    int code = parent_finish(o, child, samples, &chk);
    munmap(region, bytes);
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
