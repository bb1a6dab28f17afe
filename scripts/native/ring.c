/* ipckit-native: shm-spin and futex — one single-producer/single-consumer byte ring per direction in a shared
 * anonymous mapping created before fork().
 *
 * Ring: capacity C (power of two) bytes of data plus a control block with 64-bit ever-increasing counters,
 * each on its own 128-byte slot: head (bytes published by the writer), tail (bytes released by the reader),
 * and for futex the two "parked" flags. Records are [u32 0x80000000|length][payload] padded to 8 bytes. A
 * record of at most C/4 bytes is kept contiguous: when it does not fit before the end of the data area, the
 * writer puts a padding record (0xFFFFFFFF) there and starts over at offset 0. A larger message is streamed:
 * header, then the payload flows through the ring (wrapping as needed) in pieces the reader copies out as
 * they appear, tracked by the head counter.
 *
 * The reader finds a record by its header, the way IpcKit's ring does (RingLayout.cs): the header word at the
 * write position is always 0, because the writer zeroes the word where the next record starts before it
 * release-stores a record's header (the padding header last of all). A caught-up reader spins on that word,
 * on the cache line the record lands in, not on the head counter; head is still stored after each record.
 *
 * Waiting: shm-spin busy-spins with a pause instruction. futex spins --spin times, then announces itself in
 * its "parked" flag, re-checks, and sleeps in FUTEX_WAIT on the low 32 bits of the counter it waits on (a
 * reader waiting for a header reads head first, then the header, and sleeps on the head it read); the other
 * side calls FUTEX_WAKE only when it finds the flag set (Dekker-style: both sides store, full fence, then
 * load). Waits use a 100 ms timeout to notice a dead peer. */
#include "common.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAD_RECORD 0xFFFFFFFFu
#define HDR_VALID 0x80000000u
#define TERMINATOR 8          /* bytes kept free past each record for the zeroed header of the next */
#define CTRL_BYTES 4096

struct ring_ctrl {
    _Alignas(CACHE_SPACING) _Atomic uint64_t head;
    _Alignas(CACHE_SPACING) _Atomic uint64_t tail;
    _Alignas(CACHE_SPACING) _Atomic uint32_t reader_parked;
    _Alignas(CACHE_SPACING) _Atomic uint32_t writer_parked;
};

_Static_assert(sizeof(struct ring_ctrl) <= CTRL_BYTES, "control block fits in its page");

struct ring_end {
    struct ring_ctrl *c;
    uint8_t *data;
    uint64_t cap, mask, contig_max;
    uint64_t pos;               /* writer: its head; reader: its tail (the published value may lag) */
    uint64_t peer;              /* cached value of the other side's counter */
    int futex;
    unsigned spin;
    uint64_t claim_at;          /* writer: position of the claimed record's header; UINT64_MAX when staged */
    uint64_t claim_pad;         /* writer: position of the padding record before it; UINT64_MAX when none */
    int release_pending;        /* reader: a record read in place is given back at the next read */
};

struct ring_chan {
    struct channel ch;
    struct ring_end tx, rx;
    uint8_t *msgbuf;            /* receive: a streamed message is copied out here; zero-copy send: staging */
    uint8_t *stage;
    size_t max_msg;
    int in_place;               /* zero-copy: whole records are handed out in the ring, not copied out */
};

static inline uint32_t *low_word(_Atomic uint64_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (uint32_t *)(void *)p;
#else
    return (uint32_t *)(void *)p + 1;
#endif
}

static inline uint64_t align8(uint64_t v) { return (v + 7) & ~(uint64_t)7; }

/* Sleeps (at most 100 ms) while *ctr still holds seen, then clears this side's parked flag. 0 to go on
 * waiting, -1 when the wait failed or the peer is gone. */
static int sleep_on(_Atomic uint64_t *ctr, _Atomic uint32_t *parked, uint64_t seen)
{
    struct timespec timeout = { 0, 100 * 1000 * 1000 };
    long rc = syscall(SYS_futex, low_word(ctr), FUTEX_WAIT, (uint32_t)seen, &timeout, NULL, 0);
    int err = errno;
    atomic_store_explicit(parked, 0, memory_order_relaxed);
    if (rc != 0 && err != EAGAIN && err != EINTR && err != ETIMEDOUT) {
        set_error("futex wait: %s", strerror(err));
        return -1;
    }
    if (rc != 0 && err == ETIMEDOUT && !peer_alive()) {
        set_error("peer process is gone");
        return -1;
    }
    return 0;
}

/* Waits until *ctr >= target; stores the value seen in *seen. 0 on success, -1 when the peer is gone. */
static int wait_ge(struct ring_end *e, _Atomic uint64_t *ctr, _Atomic uint32_t *parked, uint64_t target, uint64_t *seen)
{
    unsigned long spins = 0;
    for (;;) {
        uint64_t v = atomic_load_explicit(ctr, memory_order_acquire);
        if (v >= target) {
            *seen = v;
            return 0;
        }
        if (!e->futex || spins < e->spin) {
            if (!spin_pause(&spins)) {
                set_error("peer process is gone");
                return -1;
            }
            continue;
        }
        atomic_store_explicit(parked, 1, memory_order_seq_cst);
        v = atomic_load_explicit(ctr, memory_order_seq_cst);
        if (v >= target) {
            atomic_store_explicit(parked, 0, memory_order_relaxed);
            *seen = v;
            return 0;
        }
        if (sleep_on(ctr, parked, v) != 0) return -1;
        spins = 0;
    }
}

static inline void publish(struct ring_end *e, _Atomic uint64_t *ctr, _Atomic uint32_t *parked, uint64_t v)
{
    if (!e->futex) {
        atomic_store_explicit(ctr, v, memory_order_release);
        return;
    }
    atomic_store_explicit(ctr, v, memory_order_seq_cst);
    if (atomic_load_explicit(parked, memory_order_seq_cst) && atomic_exchange_explicit(parked, 0, memory_order_seq_cst))
        syscall(SYS_futex, low_word(ctr), FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Writer: waits until the reader has released everything below end - capacity. */
static inline int wait_space(struct ring_end *w, uint64_t end)
{
    if (end - w->peer <= w->cap) return 0;
    return wait_ge(w, &w->c->tail, &w->c->writer_parked, end - w->cap, &w->peer);
}

/* Reader: waits until the writer has published at least up to end. */
static inline int wait_data(struct ring_end *r, uint64_t end)
{
    if (r->peer >= end) return 0;
    return wait_ge(r, &r->c->head, &r->c->reader_parked, end, &r->peer);
}

static inline _Atomic uint32_t *header_at(struct ring_end *e, uint64_t pos)
{
    return (_Atomic uint32_t *)(void *)(e->data + (pos & e->mask));
}

/* Reader: waits until the header word at pos is set; stores it in *h. 0 on success, -1 when the peer is gone. */
static int wait_header(struct ring_end *r, uint64_t pos, uint32_t *h)
{
    _Atomic uint32_t *word = header_at(r, pos);
    unsigned long spins = 0;
    for (;;) {
        uint32_t v = atomic_load_explicit(word, memory_order_acquire);
        if (v != 0) {
            *h = v;
            return 0;
        }
        if (!r->futex || spins < r->spin) {
            if (!spin_pause(&spins)) {
                set_error("peer process is gone");
                return -1;
            }
            continue;
        }
        atomic_store_explicit(&r->c->reader_parked, 1, memory_order_seq_cst);
        uint64_t head = atomic_load_explicit(&r->c->head, memory_order_seq_cst);
        v = atomic_load_explicit(word, memory_order_acquire);
        if (v != 0) {
            atomic_store_explicit(&r->c->reader_parked, 0, memory_order_relaxed);
            *h = v;
            return 0;
        }
        if (sleep_on(&r->c->head, &r->c->reader_parked, head) != 0) return -1;
        spins = 0;
    }
}

/* Writer: makes a whole record visible: zero the next header word, release-store the header, then the padding
 * header before it (if the record went to the start), then head. */
static inline void publish_record(struct ring_end *w, uint64_t at, uint64_t pad, size_t len)
{
    uint64_t end = at + align8(FRAME_HEADER + (uint64_t)len);
    atomic_store_explicit(header_at(w, end), 0, memory_order_relaxed);
    atomic_store_explicit(header_at(w, at), HDR_VALID | (uint32_t)len, memory_order_release);
    if (pad != UINT64_MAX) atomic_store_explicit(header_at(w, pad), PAD_RECORD, memory_order_release);
    w->pos = end;
    publish(w, &w->c->head, &w->c->reader_parked, end);
    /* Write ahead, as IpcKit's RingWriter.WriteAhead: own the line after the next record's first line before
     * the next record needs it (offset 60 is no header's place, and past the write position). */
    uint64_t line = (end + 64) & ~(uint64_t)63;
    if (line + 64 - w->peer <= w->cap)
        *(volatile uint32_t *)(void *)(w->data + (line & w->mask) + 60) = 0;
}

static int ring_write(struct ring_end *w, const uint8_t *msg, size_t len)
{
    uint64_t head = w->pos;
    uint64_t rec = align8(FRAME_HEADER + (uint64_t)len);
    if (rec <= w->contig_max) {
        uint64_t off = head & w->mask;
        uint64_t room = w->cap - off;
        uint64_t skip = rec > room ? room : 0;
        if (wait_space(w, head + skip + rec + TERMINATOR) != 0) return -1;
        memcpy(w->data + ((head + skip) & w->mask) + FRAME_HEADER, msg, len);
        publish_record(w, head + skip, skip ? head : UINT64_MAX, len);
        return 0;
    }

    /* Streamed: the header (head is 8-aligned, so it never straddles the end), then the payload in pieces,
     * which the reader follows by the head counter. */
    if (wait_space(w, head + 8) != 0) return -1;
    atomic_store_explicit(header_at(w, head), HDR_VALID | (uint32_t)len, memory_order_release);
    uint64_t pos = head + FRAME_HEADER;
    uint64_t piece_min = w->cap / 16;
    size_t left = len;
    while (left > 0) {
        uint64_t want = left < piece_min ? left : piece_min;
        if (wait_space(w, pos + want) != 0) return -1;
        uint64_t off = pos & w->mask;
        uint64_t n = w->cap - (pos - w->peer);
        if (n > w->cap - off) n = w->cap - off;
        if (n > left) n = left;
        memcpy(w->data + off, msg, n);
        msg += n;
        left -= n;
        pos += n;
        if (left > 0) publish(w, &w->c->head, &w->c->reader_parked, pos);
    }
    uint64_t end = align8(pos);
    if (wait_space(w, end + TERMINATOR) != 0) return -1;
    atomic_store_explicit(header_at(w, end), 0, memory_order_relaxed);
    w->pos = end;
    publish(w, &w->c->head, &w->c->reader_parked, end);
    return 0;
}

/* Reads one message: a whole record in place (*out points into the ring, given back at the next read) when
 * in_place, else copied to dst (*out = dst). */
static int ring_read(struct ring_end *r, uint8_t *dst, size_t max, int in_place, const uint8_t **out, size_t *out_len)
{
    if (r->release_pending) {
        r->release_pending = 0;
        publish(r, &r->c->tail, &r->c->writer_parked, r->pos);
    }
    *out = dst;
    for (;;) {
        uint64_t tail = r->pos;
        uint64_t off = tail & r->mask;
        uint32_t h;
        if (wait_header(r, tail, &h) != 0) return -1;
        if (h == PAD_RECORD) {
            r->pos = tail + (r->cap - off);     /* released together with the record that follows */
            continue;
        }
        uint32_t len = h & ~HDR_VALID;
        if (len > max) {
            set_error("ring record of %u bytes exceeds the %zu-byte limit", len, max);
            return -1;
        }
        uint64_t rec = align8(FRAME_HEADER + (uint64_t)len);
        if (rec <= r->contig_max) {
            r->pos = tail + rec;
            if (in_place) {
                *out = r->data + off + FRAME_HEADER;
                r->release_pending = 1;
            } else {
                memcpy(dst, r->data + off + FRAME_HEADER, len);
                publish(r, &r->c->tail, &r->c->writer_parked, r->pos);
            }
            *out_len = len;
            return 0;
        }
        uint64_t pos = tail + FRAME_HEADER;
        size_t left = len;
        while (left > 0) {
            if (wait_data(r, pos + 1) != 0) return -1;
            uint64_t o = pos & r->mask;
            uint64_t n = r->peer - pos;
            if (n > r->cap - o) n = r->cap - o;
            if (n > left) n = left;
            memcpy(dst, r->data + o, n);
            dst += n;
            left -= n;
            pos += n;
            if (left > 0) publish(r, &r->c->tail, &r->c->writer_parked, pos);
        }
        uint64_t end = align8(pos);
        if (wait_data(r, end) != 0) return -1;
        r->pos = end;
        publish(r, &r->c->tail, &r->c->writer_parked, end);
        *out_len = len;
        return 0;
    }
}

static int ring_send(struct channel *ch, const uint8_t *payload, size_t len)
{
    struct ring_chan *rc = ch->impl;
    return ring_write(&rc->tx, payload, len);
}

static int ring_recv(struct channel *ch, const uint8_t **payload, size_t *len)
{
    struct ring_chan *rc = ch->impl;
    return ring_read(&rc->rx, rc->msgbuf, rc->max_msg, rc->in_place, payload, len);
}

/* Zero-copy send: reserves a whole record where the next one goes (at the start, behind a padding record, when
 * it does not fit before the end) and returns where its payload goes; nothing is written before commit. A message
 * larger than a whole record is staged and streamed on commit, as ring_write does. */
static uint8_t *ring_claim(struct channel *ch, size_t len)
{
    struct ring_chan *rc = ch->impl;
    struct ring_end *w = &rc->tx;
    uint64_t rec = align8(FRAME_HEADER + (uint64_t)len);
    if (rec > w->contig_max) {
        w->claim_at = UINT64_MAX;
        return rc->stage;
    }
    uint64_t head = w->pos;
    uint64_t room = w->cap - (head & w->mask);
    uint64_t skip = rec > room ? room : 0;
    if (wait_space(w, head + skip + rec + TERMINATOR) != 0) return NULL;
    w->claim_at = head + skip;
    w->claim_pad = skip ? head : UINT64_MAX;
    return w->data + (w->claim_at & w->mask) + FRAME_HEADER;
}

static int ring_commit(struct channel *ch, size_t len)
{
    struct ring_chan *rc = ch->impl;
    struct ring_end *w = &rc->tx;
    if (w->claim_at == UINT64_MAX) return ring_write(w, rc->stage, len);
    publish_record(w, w->claim_at, w->claim_pad, len);
    return 0;
}

static void end_init(struct ring_end *e, uint8_t *base, const struct options *o, int futex)
{
    memset(e, 0, sizeof *e);
    e->c = (struct ring_ctrl *)(void *)base;
    e->data = base + CTRL_BYTES;
    e->cap = o->capacity;
    e->mask = o->capacity - 1;
    e->contig_max = o->capacity / 4 - TERMINATOR; /* as IpcKit's RingLayout.WholeLimit */
    e->futex = futex;
    e->spin = o->spin;
}

static void chan_init(struct ring_chan *rc, uint8_t *tx, uint8_t *rx, const struct options *o, int futex)
{
    memset(rc, 0, sizeof *rc);
    rc->ch.send = ring_send;
    rc->ch.recv = ring_recv;
    rc->ch.claim = o->zero_copy ? ring_claim : NULL;
    rc->ch.commit = o->zero_copy ? ring_commit : NULL;
    rc->ch.impl = rc;
    rc->in_place = o->zero_copy;
    end_init(&rc->tx, tx, o, futex);
    end_init(&rc->rx, rx, o, futex);
    rc->max_msg = o->size < 8 ? 8 : o->size;
    rc->msgbuf = malloc(rc->max_msg);
    rc->stage = o->zero_copy ? malloc(rc->max_msg) : NULL;
    if (rc->msgbuf == NULL || (o->zero_copy && rc->stage == NULL)) fail_runtime("out of memory");
}

int run_ring(const struct options *o)
{
    int futex = strcmp(o->mechanism, "futex") == 0;
    size_t one = CTRL_BYTES + o->capacity;
    uint8_t *region = map_shared(2 * one);
    memset(region, 0, 2 * one);                 /* fault the pages in before fork */
    uint8_t *down = region, *up = region + one; /* parent -> child, child -> parent */

    struct ring_chan rc;
    pid_t child = spawn_child(o);
    if (child == 0) {
        chan_init(&rc, up, down, o, futex);
        child_channel_workload(&rc.ch, o);
    }
    chan_init(&rc, down, up, o, futex);
    struct result r;
    if (run_channel_workload(&rc.ch, o, child, &r) != 0) fail_runtime("%s: %s", o->mechanism, last_error());
    free(rc.msgbuf);
    free(rc.stage);
    int code = complete_run(o, child, &r);
    munmap(region, 2 * one);
    return code;
}
