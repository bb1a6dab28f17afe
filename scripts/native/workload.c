/* ipckit-native: the latency (ping-pong) and throughput (one-way stream + ack) workloads over a channel. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>

#define ACK_SIZE 8

static uint8_t *message_buffer(size_t size)
{
    uint8_t *buf = malloc(size < 8 ? 8 : size);
    if (buf == NULL) fail_runtime("out of memory (%zu-byte message)", size);
    fill_pattern(buf, size < 8 ? 8 : size);
    return buf;
}

static int parent_latency(struct channel *ch, const struct options *o, struct result *r)
{
    uint8_t *buf = message_buffer(o->size);
    uint64_t *samples = malloc((o->iterations ? o->iterations : 1) * sizeof *samples);
    if (samples == NULL) fail_runtime("out of memory (%llu samples)", (unsigned long long)o->iterations);
    struct seq_check chk = { 0, 0, 0 };
    uint64_t total = o->warmup + o->iterations;
    const uint8_t *echo;
    size_t len;
    for (uint64_t i = 0; i < total; i++) {
        if (o->size >= 8) put_u64le(buf, i);
        uint64_t t0 = now_ns();
        if (ch->send(ch, buf, o->size) != 0 || ch->recv(ch, &echo, &len) != 0) {
            free(buf);
            free(samples);
            return -1;
        }
        uint64_t t1 = now_ns();
        seq_verify(&chk, echo, len, o->size);
        if (i >= o->warmup) samples[i - o->warmup] = t1 - t0;
    }
    result_from_samples(r, samples, o->iterations, o->size);
    r->sent = o->iterations;
    r->received = o->iterations;
    r->lost = chk.lost;
    r->corrupted = chk.corrupted;
    free(samples);
    free(buf);
    return 0;
}

/* Throughput batches end with a message whose sequence number carries BATCH_END (the child acknowledges it), the
 * last one also with RUN_END (the child acknowledges and exits). Messages shorter than a sequence number cannot
 * carry the marks: they run one warm-up phase and one measured batch, whose lengths the child knows. */
#define BATCH_END (1ULL << 63)
#define RUN_END (1ULL << 62)
#define SEQ_MASK (RUN_END - 1)

/* Warm-up batches run until two in a row agree within SETTLE_TOLERANCE, at most SETTLE_MAX of them. */
#define SETTLE_MAX 10
#define SETTLE_TOLERANCE 0.05

/* Sends one message: in place (claim, write, commit) when the channel and --zero-copy allow, else from buf. */
static int send_one(struct channel *ch, uint8_t *buf, size_t size, uint64_t mark)
{
    if (ch->claim != NULL) {
        uint8_t *p = ch->claim(ch, size);
        if (p == NULL) return -1;
        /* The message is written once, into the ring: the payload from the template, then its sequence number. */
        if (size > 8) memcpy(p + 8, buf + 8, size - 8);
        if (size >= 8) put_u64le(p, mark);
        else memcpy(p, buf, size);
        return ch->commit(ch, size);
    }
    if (size >= 8) put_u64le(buf, mark);
    return ch->send(ch, buf, size);
}

/* Sends count messages and waits for the ack; returns the receiver's count from the ack, or -1. */
static int64_t stream_phase(struct channel *ch, uint8_t *buf, size_t size, uint64_t *seq, uint64_t count, uint64_t end_mark,
                            struct seq_check *ack_chk)
{
    for (uint64_t k = 0; k < count; k++) {
        uint64_t mark = (*seq)++ | (k + 1 == count ? end_mark : 0);
        if (send_one(ch, buf, size, mark) != 0) return -1;
    }
    const uint8_t *ack;
    size_t len;
    if (ch->recv(ch, &ack, &len) != 0) return -1;
    if (len != ACK_SIZE) {
        ack_chk->corrupted++;
        return 0;
    }
    return (int64_t)get_u64le(ack);
}

/* Timed batches of a stream; adds each one's rate to r. Returns the messages acknowledged, or -1. */
static int64_t timed_batch(struct channel *ch, uint8_t *buf, size_t size, uint64_t *seq, uint64_t count, uint64_t end_mark,
                           struct seq_check *ack_chk, uint64_t *elapsed, double *rate)
{
    uint64_t t0 = now_ns();
    int64_t got = stream_phase(ch, buf, size, seq, count, end_mark, ack_chk);
    uint64_t t1 = now_ns();
    *elapsed = t1 - t0;
    *rate = t1 > t0 ? (double)count * 1e9 / (double)(t1 - t0) : 0;
    return got;
}

static int parent_throughput(struct channel *ch, const struct options *o, struct result *r)
{
    uint8_t *buf = message_buffer(o->size);
    struct seq_check ack_chk = { 0, 0, 0 };
    uint64_t seq = 0, elapsed = 0, t;
    int marked = o->size >= 8;
    int64_t got = 0, n;
    double rate, previous = -1;

    /* Warm-up: until two batches in a row agree (steady state), within a cap; unmarked: one phase. */
    for (unsigned k = 0; o->warmup > 0 && k < (marked ? SETTLE_MAX : 1); k++) {
        if (timed_batch(ch, buf, o->size, &seq, o->warmup, BATCH_END, &ack_chk, &t, &rate) < 0) goto failed;
        r->settle_batches = k + 1;
        if (previous > 0 && rate > 0 && (rate > previous ? rate - previous : previous - rate) <= SETTLE_TOLERANCE * (rate > previous ? rate : previous)) {
            r->settled = 1;
            break;
        }
        previous = rate;
    }

    unsigned batches = marked ? o->batches : 1;
    if (batches > o->iterations) batches = (unsigned)o->iterations;
    for (unsigned b = 0; b < batches; b++) {
        uint64_t count = o->iterations / batches + (b + 1 == batches ? o->iterations % batches : 0);
        n = timed_batch(ch, buf, o->size, &seq, count, BATCH_END | (b + 1 == batches ? RUN_END : 0), &ack_chk, &t, &rate);
        if (n < 0) goto failed;
        got += n;
        elapsed += t;
        r->batch_mps[r->batches++] = rate;
    }
    free(buf);
    result_from_elapsed(r, elapsed, o->iterations, o->size);
    r->sent = o->iterations;
    r->received = (uint64_t)got;
    r->lost = 0;
    r->corrupted = ack_chk.corrupted;
    return 0;

failed:
    free(buf);
    return -1;
}

/* The Fletcher-style sum IpcKit's stream sink checks on every message (MessageStamp.Fletcher in src/Protocol): a
 * running sum and a sum of sums over four lanes of 64-bit words, then the tail byte by byte. The twin's sink checks
 * every message's payload against it the same way, so both receivers read every byte and do the same work per
 * byte; with both processes on one CPU that work lies on the stream's critical path. Vectorized like .NET's
 * Vector256 (AVX2 where the CPU has it). */
typedef uint64_t lanes __attribute__((vector_size(32)));

__attribute__((target_clones("avx2", "default")))
static uint64_t fletcher(const uint8_t *p, size_t len)
{
    lanes a = { 0, 0, 0, 0 }, b = { 0, 0, 0, 0 }, w;
    size_t i = 0;
    for (; i + sizeof w <= len; i += sizeof w) {
        memcpy(&w, p + i, sizeof w);
        a += w;
        b += a;
    }
    uint64_t sa = a[0] + a[1] + a[2] + a[3];
    uint64_t sb = b[0] + b[1] + b[2] + b[3] + sa * 0x100000001B3ULL;
    for (; i < len; i++) {
        sa += p[i];
        sb += sa;
    }
    return sb ^ ((sa << 23) | (sa >> 41));
}

static void child_throughput(struct channel *ch, const struct options *o, struct seq_check *chk)
{
    struct child_report *rep = child_report();
    const uint8_t *p;
    size_t len;
    uint8_t ack[ACK_SIZE];
    uint64_t count = 0;
    if (o->size < 8) {
        for (int phase = o->warmup > 0 ? 0 : 1; phase < 2; phase++) {
            count = phase == 0 ? o->warmup : o->iterations;
            for (uint64_t k = 0; k < count; k++) {
                if (ch->recv(ch, &p, &len) != 0) fail_runtime("receive: %s", last_error());
                seq_verify(chk, p, len, o->size);
            }
            put_u64le(ack, count);
            if (ch->send(ch, ack, sizeof ack) != 0) fail_runtime("send ack: %s", last_error());
        }
        rep->received = o->iterations;
        rep->sent = 1;
        return;
    }
    /* Every message carries the same payload after its sequence number: the template's. */
    uint8_t *tmpl = malloc(o->size);
    if (tmpl == NULL) fail_runtime("out of memory");
    fill_pattern(tmpl, o->size);
    uint64_t payload_sum = fletcher(tmpl + 8, o->size - 8);
    free(tmpl);
    for (;;) {
        if (ch->recv(ch, &p, &len) != 0) fail_runtime("receive: %s", last_error());
        uint64_t mark = len >= 8 ? get_u64le(p) : 0;
        uint8_t copy[8];
        if (len >= 8) {
            /* Check the sequence number without the batch marks. */
            put_u64le(copy, mark & SEQ_MASK);
            seq_verify(chk, copy, len, o->size);
        } else {
            seq_verify(chk, p, len, o->size);
        }
        if (len >= 8 && fletcher(p + 8, len - 8) != payload_sum) chk->corrupted++;
        count++;
        if (mark & BATCH_END) {
            put_u64le(ack, count);
            if (ch->send(ch, ack, sizeof ack) != 0) fail_runtime("send ack: %s", last_error());
            rep->received = count;
            rep->sent = 1;
            count = 0;
            if (mark & RUN_END) break;
        }
    }
}

int run_channel_workload(struct channel *ch, const struct options *o, pid_t child, struct result *r)
{
    (void)child;
    memset(r, 0, sizeof *r);
    return o->workload == WL_LATENCY ? parent_latency(ch, o, r) : parent_throughput(ch, o, r);
}

void child_channel_workload(struct channel *ch, const struct options *o)
{
    struct child_report *rep = child_report();
    struct seq_check chk = { 0, 0, 0 };
    const uint8_t *p;
    size_t len;
    if (o->workload == WL_LATENCY) {
        uint64_t total = o->warmup + o->iterations;
        for (uint64_t i = 0; i < total; i++) {
            if (ch->recv(ch, &p, &len) != 0) fail_runtime("receive: %s", last_error());
            seq_verify(&chk, p, len, o->size);
            if (ch->send(ch, p, len) != 0) fail_runtime("send: %s", last_error());
            if (i >= o->warmup) {
                rep->received++;
                rep->sent++;
            }
        }
    } else {
        child_throughput(ch, o, &chk);
    }
    rep->lost = chk.lost;
    rep->corrupted = chk.corrupted;
    child_exit(1);
}

int complete_run(const struct options *o, pid_t child, struct result *r)
{
    if (finish_child(child, 5000) != 0) {
        fprintf(stderr, "ipckit-native: error: %s\n", last_error());
        return EXIT_RUNTIME;
    }
    struct child_report *rep = child_report();
    if (rep != NULL) {
        r->lost += rep->lost;
        r->corrupted += rep->corrupted;
    }
    print_result(o, r);
    return 0;
}
