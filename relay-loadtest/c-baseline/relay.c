/*
 * The floor baseline: a minimal WebSocket relay in C on epoll, doing what the Node.js baseline
 * (node-baseline/relay.js) does and nothing more: every binary message from any client goes to every other
 * open client, as is. Each message is framed once (server frames are unmasked, so one framed copy serves every
 * client) and written with one send() per client; only what a client's socket does not take is queued for it
 * (without bound, like the Node baseline) and written, several messages at a time, when it can take more.
 * Bench only: built by relay-loadtest/run.sh with the system compiler, never by Maven.
 *
 * Usage: relay --port N [--host 127.0.0.1]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_EVENTS 1024
#define MAX_IOV 64
#define MAX_MESSAGE (16u << 20)

/* One framed message, shared by every client's queue; freed when the last one has written it. */
typedef struct msg {
    size_t len;
    int refs;
    unsigned char data[];
} msg;

typedef struct out {
    msg *m;
    size_t off;
    struct out *next;
} out;

typedef struct client {
    int fd;
    int open;                 /* handshake done */
    unsigned char *in;        /* bytes read, not yet parsed */
    size_t in_len, in_cap;
    unsigned char *frag;      /* a message in fragments */
    size_t frag_len;
    int frag_binary;
    out *head, *tail;         /* what the socket did not take yet */
    int want_out;
    struct client *prev, *next;
} client;

static int ep;
static client *clients; /* open (upgraded) clients */

/* ---- SHA-1 and base64, for Sec-WebSocket-Accept ------------------------------------------------- */

static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static void sha1(const unsigned char *data, size_t len, unsigned char out20[20]) {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t total = ((len + 8) / 64 + 1) * 64;
    unsigned char *buf = calloc(total, 1);
    memcpy(buf, data, len);
    buf[len] = 0x80;
    uint64_t bits = (uint64_t) len * 8;
    for (int i = 0; i < 8; i++) buf[total - 1 - i] = (unsigned char) (bits >> (8 * i));
    for (size_t c = 0; c < total; c += 64) {
        uint32_t w[80];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t) buf[c + 4 * i] << 24 | (uint32_t) buf[c + 4 * i + 1] << 16
                   | (uint32_t) buf[c + 4 * i + 2] << 8 | buf[c + 4 * i + 3];
        for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = h[0], b = h[1], cc = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) { f = (b & cc) | (~b & d); k = 0x5A827999; }
            else if (i < 40) { f = b ^ cc ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (b & cc) | (b & d) | (cc & d); k = 0x8F1BBCDC; }
            else { f = b ^ cc ^ d; k = 0xCA62C1D6; }
            uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d; d = cc; cc = rol(b, 30); b = a; a = t;
        }
        h[0] += a; h[1] += b; h[2] += cc; h[3] += d; h[4] += e;
    }
    free(buf);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++) out20[4 * i + j] = (unsigned char) (h[i] >> (24 - 8 * j));
}

static void base64(const unsigned char *in, size_t len, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t) in[i] << 16 | (i + 1 < len ? (uint32_t) in[i + 1] << 8 : 0)
                     | (i + 2 < len ? in[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < len ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? t[v & 63] : '=';
    }
    out[o] = 0;
}

/* ---- clients ------------------------------------------------------------------------------------ */

static void drop(client *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->open) {
        if (c->prev) c->prev->next = c->next; else clients = c->next;
        if (c->next) c->next->prev = c->prev;
    }
    for (out *o = c->head; o;) {
        out *n = o->next;
        if (--o->m->refs == 0) free(o->m);
        free(o);
        o = n;
    }
    free(c->in);
    free(c->frag);
    free(c);
}

static void want_out(client *c, int on) {
    if (c->want_out == on) return;
    c->want_out = on;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is queued for c, several messages per writev. Returns -1 when c is gone. */
static int flush(client *c) {
    while (c->head) {
        struct iovec iov[MAX_IOV];
        int n = 0;
        for (out *o = c->head; o && n < MAX_IOV; o = o->next, n++) {
            iov[n].iov_base = o->m->data + o->off;
            iov[n].iov_len = o->m->len - o->off;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            drop(c);
            return -1;
        }
        while (w > 0 && c->head) {
            out *o = c->head;
            size_t left = o->m->len - o->off;
            if ((size_t) w < left) { o->off += (size_t) w; w = 0; break; }
            w -= (ssize_t) left;
            c->head = o->next;
            if (!c->head) c->tail = NULL;
            if (--o->m->refs == 0) free(o->m);
            free(o);
        }
    }
    want_out(c, c->head != NULL);
    return 0;
}

static void enqueue(client *c, msg *m, size_t off) {
    out *o = malloc(sizeof *o);
    o->m = m;
    o->off = off;
    o->next = NULL;
    m->refs++;
    if (c->tail) c->tail->next = o; else c->head = o;
    c->tail = o;
}

/* One framing, then one send() per other client; the rest waits in that client's queue. */
static void relay(client *from, const unsigned char *payload, size_t len) {
    size_t hl = len <= 125 ? 2 : len <= 0xFFFF ? 4 : 10;
    msg *m = malloc(sizeof *m + hl + len);
    m->len = hl + len;
    m->refs = 1;
    m->data[0] = 0x82;
    if (len <= 125) m->data[1] = (unsigned char) len;
    else if (len <= 0xFFFF) { m->data[1] = 126; m->data[2] = (unsigned char) (len >> 8); m->data[3] = (unsigned char) len; }
    else { m->data[1] = 127; for (int i = 0; i < 8; i++) m->data[2 + i] = (unsigned char) ((uint64_t) len >> (56 - 8 * i)); }
    memcpy(m->data + hl, payload, len);
    client *next;
    for (client *c = clients; c; c = next) {
        next = c->next;
        if (c == from) continue;
        if (c->head) { enqueue(c, m, 0); continue; }
        ssize_t w = send(c->fd, m->data, m->len, MSG_NOSIGNAL);
        if (w == (ssize_t) m->len) continue;
        /* A broken client is dropped by its own event (EPOLLHUP/EPOLLERR), not here: freeing it here would
           leave a dangling pointer in this epoll_wait batch. */
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) continue;
        enqueue(c, m, w < 0 ? 0 : (size_t) w);
        want_out(c, 1);
    }
    if (--m->refs == 0) free(m);
}

/* Parses whole frames from c->in. Returns -1 when c is gone. */
static int frames(client *c) {
    size_t p = 0;
    for (;;) {
        if (c->in_len - p < 2) break;
        unsigned char *b = c->in + p;
        int fin = b[0] & 0x80, op = b[0] & 0x0F, masked = b[1] & 0x80;
        uint64_t len = b[1] & 0x7F;
        size_t h = 2;
        if (len == 126) { if (c->in_len - p < 4) break; len = (uint64_t) b[2] << 8 | b[3]; h = 4; }
        else if (len == 127) {
            if (c->in_len - p < 10) break;
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | b[2 + i];
            h = 10;
        }
        if (len > MAX_MESSAGE) { drop(c); return -1; }
        size_t mh = masked ? 4 : 0;
        if (c->in_len - p < h + mh + len) break;
        unsigned char *pl = b + h + mh;
        if (masked) for (uint64_t i = 0; i < len; i++) pl[i] ^= b[h + (i & 3)];
        p += h + mh + len;
        if (op == 0x8) { drop(c); return -1; }
        if (op == 0x9 || op == 0xA) continue; /* pings: the load tool sends none */
        if (op == 0x1 || op == 0x2) { c->frag_len = 0; c->frag_binary = op == 0x2; }
        if (fin && c->frag_len == 0) {
            if (op == 0x2) relay(c, pl, len);
            continue;
        }
        c->frag = realloc(c->frag, c->frag_len + len);
        memcpy(c->frag + c->frag_len, pl, len);
        c->frag_len += len;
        if (fin) {
            if (c->frag_binary) relay(c, c->frag, c->frag_len);
            c->frag_len = 0;
        }
    }
    memmove(c->in, c->in + p, c->in_len - p);
    c->in_len -= p;
    return 0;
}

static int handshake(client *c) {
    c->in[c->in_len] = 0;
    char *end = strstr((char *) c->in, "\r\n\r\n");
    if (!end) return c->in_len > 8192 ? -1 : 0;
    char *k = strcasestr((char *) c->in, "\r\nSec-WebSocket-Key:");
    if (!k || k > end) return -1;
    k += 20;
    while (*k == ' ') k++;
    char key[128];
    size_t n = strcspn(k, "\r\n ");
    if (n > 60) return -1;
    snprintf(key, sizeof key, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int) n, k);
    unsigned char digest[20];
    char accept[32];
    sha1((unsigned char *) key, strlen(key), digest);
    base64(digest, 20, accept);
    char resp[256];
    int len = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    if (send(c->fd, resp, (size_t) len, MSG_NOSIGNAL) != len) return -1;
    size_t used = (size_t) (end + 4 - (char *) c->in);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    c->open = 1;
    c->next = clients;
    if (clients) clients->prev = c;
    clients = c;
    return 1;
}

static void readable(client *c) {
    for (;;) {
        if (c->in_cap - c->in_len < 65536 + 1) {
            c->in_cap = c->in_cap * 2 + 65536 + 1;
            c->in = realloc(c->in, c->in_cap);
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1, 0);
        if (r == 0) { drop(c); return; }
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR) continue;
            drop(c);
            return;
        }
        c->in_len += (size_t) r;
        if (!c->open) {
            int h = handshake(c);
            if (h < 0) { drop(c); return; }
            if (h == 0) continue;
        }
        if (frames(c) < 0) return;
    }
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 3000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--host")) host = argv[i + 1];
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || bind(ls, (struct sockaddr *) &a, sizeof a) < 0
        || listen(ls, 4096) < 0) {
        perror("listen");
        return 1;
    }
    ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    printf("c epoll relay listening on %s:%d\n", host, port);
    fflush(stdout);
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            client *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    client *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            if (events[i].events & (EPOLLERR | EPOLLHUP)) { drop(c); continue; }
            if (events[i].events & EPOLLOUT) { if (flush(c) < 0) continue; }
            if (events[i].events & EPOLLIN) readable(c);
        }
    }
}
