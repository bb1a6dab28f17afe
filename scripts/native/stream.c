/* ipckit-native: pipe / unix / tcp — byte streams carrying IpcKit frames ([u32 LE length][payload]). */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUFFER (64 * 1024)

struct stream_chan {
    struct channel ch;
    int rfd, wfd;
    uint8_t *sendbuf;           /* header + payload for messages up to COALESCE_LIMIT: one write() */
    uint8_t *rbuf;              /* read buffer: frames are parsed out of it and handed out in place */
    size_t rcap;                /* READ_BUFFER + the largest frame: a large frame always fits behind one read */
    size_t rstart, rend;
    size_t max_msg;
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            set_error("write: %s", strerror(errno));
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_some(int fd, uint8_t *p, size_t n, size_t *got)
{
    for (;;) {
        ssize_t r = read(fd, p, n);
        if (r > 0) {
            *got = (size_t)r;
            return 0;
        }
        if (r == 0) {
            set_error("unexpected end of stream");
            return -1;
        }
        if (errno != EINTR) {
            set_error("read: %s", strerror(errno));
            return -1;
        }
    }
}

static int stream_send(struct channel *ch, const uint8_t *payload, size_t len)
{
    struct stream_chan *s = ch->impl;
    if (len <= COALESCE_LIMIT) {
        put_u32le(s->sendbuf, (uint32_t)len);
        memcpy(s->sendbuf + FRAME_HEADER, payload, len);
        return write_all(s->wfd, s->sendbuf, FRAME_HEADER + len);
    }
    uint8_t header[FRAME_HEADER];
    put_u32le(header, (uint32_t)len);
    if (write_all(s->wfd, header, sizeof header) != 0) return -1;
    return write_all(s->wfd, payload, len);
}

/* Frames of at least LARGE_FRAME bytes are read only up to their end, and a read of unknown extent takes at most
 * READ_BUFFER bytes: so a large frame is copied once, by the kernel, and never moved in user space (IpcKit's
 * ReceiveBuffer follows the same rule). Small frames are read in bulk; a partial one at the end of the buffer is
 * moved to its front. */
#define LARGE_FRAME (16 * 1024)

static int stream_recv(struct channel *ch, const uint8_t **payload, size_t *len)
{
    struct stream_chan *s = ch->impl;
    if (s->rstart == s->rend) s->rstart = s->rend = 0;
    for (;;) {
        size_t avail = s->rend - s->rstart;
        size_t got, want;
        size_t free_tail = s->rcap - s->rend;
        want = free_tail < READ_BUFFER ? free_tail : READ_BUFFER;
        if (avail >= FRAME_HEADER) {
            size_t n = get_u32le(s->rbuf + s->rstart);
            if (n > s->max_msg) {
                set_error("frame of %zu bytes exceeds the %zu-byte limit", n, s->max_msg);
                return -1;
            }
            if (avail >= FRAME_HEADER + n) {
                *payload = s->rbuf + s->rstart + FRAME_HEADER;
                *len = n;
                s->rstart += FRAME_HEADER + n;
                return 0;
            }
            if (s->rstart + FRAME_HEADER + n > s->rcap || (n < LARGE_FRAME && s->rcap - s->rend < 4096)) {
                memmove(s->rbuf, s->rbuf + s->rstart, avail);
                s->rstart = 0;
                s->rend = avail;
                free_tail = s->rcap - s->rend;
                want = free_tail < READ_BUFFER ? free_tail : READ_BUFFER;
            }
            if (n >= LARGE_FRAME) want = FRAME_HEADER + n - avail;
        } else if (s->rcap - s->rstart < FRAME_HEADER || want == 0) {
            memmove(s->rbuf, s->rbuf + s->rstart, avail);
            s->rstart = 0;
            s->rend = avail;
            want = READ_BUFFER;
        }
        if (read_some(s->rfd, s->rbuf + s->rend, want, &got) != 0) return -1;
        s->rend += got;
    }
}

static void stream_init(struct stream_chan *s, int rfd, int wfd, const struct options *o)
{
    memset(s, 0, sizeof *s);
    s->ch.send = stream_send;
    s->ch.recv = stream_recv;
    s->ch.impl = s;
    s->rfd = rfd;
    s->wfd = wfd;
    s->max_msg = o->size < 8 ? 8 : o->size;
    s->sendbuf = malloc(FRAME_HEADER + COALESCE_LIMIT);
    s->rcap = READ_BUFFER + FRAME_HEADER + s->max_msg;
    s->rbuf = malloc(s->rcap);
    if (s->sendbuf == NULL || s->rbuf == NULL) fail_runtime("out of memory");
}

static void set_nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        fail_runtime("setsockopt(TCP_NODELAY): %s", strerror(errno));
}

int run_stream(const struct options *o)
{
    int prd = -1, pwr = -1, crd = -1, cwr = -1; /* parent read/write, child read/write */
    int listener = -1;
    struct sockaddr_in addr;
    const char *m = o->mechanism;

    if (strcmp(m, "pipe") == 0) {
        int down[2], up[2];
        if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0) fail_runtime("pipe2: %s", strerror(errno));
        /* --pipe-size: as IpcKit's anon-pipe does (best effort, like it: the kernel may refuse past its limits). */
        if (o->pipe_size > 0) {
            fcntl(down[1], F_SETPIPE_SZ, (int)o->pipe_size);
            fcntl(up[1], F_SETPIPE_SZ, (int)o->pipe_size);
        }
        crd = down[0]; pwr = down[1];
        prd = up[0]; cwr = up[1];
    } else if (strcmp(m, "unix") == 0) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) fail_runtime("socketpair: %s", strerror(errno));
        prd = pwr = sv[0];
        crd = cwr = sv[1];
    } else {
        listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener < 0) fail_runtime("socket: %s", strerror(errno));
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t alen = sizeof addr;
        if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0 ||
            getsockname(listener, (struct sockaddr *)&addr, &alen) != 0)
            fail_runtime("tcp listen on 127.0.0.1: %s", strerror(errno));
    }

    pid_t child = spawn_child(o);
    struct stream_chan s;
    if (child == 0) {
        if (listener >= 0) {
            close(listener);
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) fail_runtime("socket: %s", strerror(errno));
            if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) fail_runtime("connect: %s", strerror(errno));
            set_nodelay(fd);
            crd = cwr = fd;
        } else {
            close(prd);
            if (pwr != prd) close(pwr);
        }
        stream_init(&s, crd, cwr, o);
        child_channel_workload(&s.ch, o);
    }

    if (listener >= 0) {
        struct pollfd pfd = { listener, POLLIN, 0 };
        int pr;
        do pr = poll(&pfd, 1, 10000); while (pr < 0 && errno == EINTR);
        if (pr <= 0) fail_runtime("tcp accept: %s", pr == 0 ? "child did not connect within 10 s" : strerror(errno));
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) fail_runtime("accept: %s", strerror(errno));
        close(listener);
        set_nodelay(fd);
        prd = pwr = fd;
    } else {
        close(crd);
        if (cwr != crd) close(cwr);
    }
    stream_init(&s, prd, pwr, o);
    struct result r;
    if (run_channel_workload(&s.ch, o, child, &r) != 0) fail_runtime("%s: %s", m, last_error());
    close(prd);
    if (pwr != prd) close(pwr);
    free(s.sendbuf);
    free(s.rbuf);
    return complete_run(o, child, &r);
}
