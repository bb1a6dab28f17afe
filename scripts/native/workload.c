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

/* Sends count messages and waits for the ack; returns the receiver's count from the ack, or -1. */
static int64_t stream_phase(struct channel *ch, uint8_t *buf, size_t size, uint64_t *seq, uint64_t count,
                            struct seq_check *ack_chk)
{
    for (uint64_t k = 0; k < count; k++) {
        if (size >= 8) put_u64le(buf, (*seq)++);
        if (ch->send(ch, buf, size) != 0) return -1;
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

static int parent_throughput(struct channel *ch, const struct options *o, struct result *r)
{
    uint8_t *buf = message_buffer(o->size);
    struct seq_check ack_chk = { 0, 0, 0 };
    uint64_t seq = 0;
    int64_t got;
    if (o->warmup > 0 && stream_phase(ch, buf, o->size, &seq, o->warmup, &ack_chk) < 0) {
        free(buf);
        return -1;
    }
    uint64_t t0 = now_ns();
    got = stream_phase(ch, buf, o->size, &seq, o->iterations, &ack_chk);
    uint64_t t1 = now_ns();
    free(buf);
    if (got < 0) return -1;
    result_from_elapsed(r, t1 - t0, o->iterations, o->size);
    r->sent = o->iterations;
    r->received = (uint64_t)got;
    r->lost = 0;
    r->corrupted = ack_chk.corrupted;
    return 0;
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
        for (int phase = o->warmup > 0 ? 0 : 1; phase < 2; phase++) {
            uint64_t count = phase == 0 ? o->warmup : o->iterations;
            for (uint64_t k = 0; k < count; k++) {
                if (ch->recv(ch, &p, &len) != 0) fail_runtime("receive: %s", last_error());
                seq_verify(&chk, p, len, o->size);
            }
            /* The ack carries how many messages this phase delivered. */
            uint8_t ack[ACK_SIZE];
            put_u64le(ack, count);
            if (phase == 1) rep->received = count;
            if (ch->send(ch, ack, sizeof ack) != 0) fail_runtime("send ack: %s", last_error());
            if (phase == 1) rep->sent = 1;
        }
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
