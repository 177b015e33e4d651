/* migrate_conn: blocking, time-bounded connections for MIGRATE, cached by
 * "host:port".
 *
 * Sockets stay non-blocking; each operation tries first and waits with
 * poll() only when the kernel has nothing to give or take, so a deadline is
 * a poll timeout rather than a socket option. The cache is a small array:
 * it never holds more than 64 connections and is searched only once per
 * MIGRATE. */
#include "server/migrate_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/net.h"

#define WRITE_PIECE (64 * 1024)

struct migrate_cache {
    migrate_conn *conns[MIGRATE_CACHE_MAX];
    size_t count;
};

static migrate_cache *shared_cache;

migrate_cache *migrate_cache_new(void) {
    return mem_calloc(1, sizeof(migrate_cache));
}

void migrate_cache_free(migrate_cache *mc) {
    if (mc == NULL) return;
    migrate_cache_clear(mc);
    mem_free(mc);
}

migrate_cache *migrate_cache_shared(void) {
    if (shared_cache == NULL) shared_cache = migrate_cache_new();
    return shared_cache;
}

void migrate_cache_cron(int64_t now_ms) {
    if (shared_cache) migrate_cache_close_idle(shared_cache, now_ms);
}

size_t migrate_cache_count(const migrate_cache *mc) {
    return mc->count;
}

static void conn_free(migrate_conn *c) {
    if (c->fd >= 0) close(c->fd);
    mem_free(c->name);
    mem_free(c);
}

/* Removes slot i, keeping the others in place order-insensitively. */
static void remove_at(migrate_cache *mc, size_t i) {
    conn_free(mc->conns[i]);
    mc->conns[i] = mc->conns[--mc->count];
    mc->conns[mc->count] = NULL;
}

void migrate_cache_drop(migrate_cache *mc, migrate_conn *c) {
    for (size_t i = 0; i < mc->count; i++) {
        if (mc->conns[i] == c) {
            remove_at(mc, i);
            return;
        }
    }
}

size_t migrate_cache_close_idle(migrate_cache *mc, int64_t now_ms) {
    size_t closed = 0;
    for (size_t i = 0; i < mc->count;) {
        if (now_ms / 1000 - mc->conns[i]->last_use_ms / 1000 > MIGRATE_IDLE_S) {
            remove_at(mc, i);
            closed++;
        } else {
            i++;
        }
    }
    return closed;
}

void migrate_cache_clear(migrate_cache *mc) {
    while (mc->count > 0) remove_at(mc, mc->count - 1);
}

/* Waits until fd is ready for events or ms pass; returns poll's result. */
static int wait_fd(int fd, short events, int64_t ms) {
    struct pollfd p = {.fd = fd, .events = events};
    if (ms < 1) ms = 1;
    if (ms > 1000000000) ms = 1000000000;
    int rc;
    do {
        rc = poll(&p, 1, (int)ms);
    } while (rc < 0 && errno == EINTR);
    return rc;
}

/* Redis compat: the port is read like atoi() would read it, so text that is
 * not a number ends up as port 0 and fails at connect time. */
static int port_number(const char *port, size_t len) {
    char text[32];
    if (len >= sizeof(text)) len = sizeof(text) - 1;
    memcpy(text, port, len);
    text[len] = '\0';
    long v = strtol(text, NULL, 10);
    return (int)(unsigned int)v;
}

/* Opens a connection, waiting up to timeout_ms for the handshake. A refused
 * or unanswered handshake still yields a connection, marked with the error
 * its first write reports. */
static migrate_conn *conn_open(const char *host, size_t host_len, int port, int64_t timeout_ms) {
    char *h = mem_strndup(host, host_len);
    int fd = -1;
    int rc = net_connect_tcp(h, port, &fd);
    mem_free(h);
    if (rc < 0) return NULL;
    migrate_conn *c = mem_calloc(1, sizeof(*c));
    c->fd = fd;
    c->last_dbid = -1;
    if (wait_fd(fd, POLLOUT, timeout_ms) <= 0) {
        c->connect_err = ETIMEDOUT;
    } else {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        c->connect_err = err;
    }
    if (c->connect_err == 0) (void)net_set_nodelay(fd, true);
    return c;
}

static migrate_conn *cache_find(migrate_cache *mc, const char *name, size_t len) {
    for (size_t i = 0; i < mc->count; i++) {
        migrate_conn *c = mc->conns[i];
        if (c->name_len == len && memcmp(c->name, name, len) == 0) return c;
    }
    return NULL;
}

/* Makes room by closing the least recently used connection. */
static void evict_one(migrate_cache *mc) {
    size_t oldest = 0;
    for (size_t i = 1; i < mc->count; i++)
        if (mc->conns[i]->last_use_ms < mc->conns[oldest]->last_use_ms) oldest = i;
    remove_at(mc, oldest);
}

migrate_conn *migrate_cache_get(migrate_cache *mc, const char *host, size_t host_len,
                                const char *port, size_t port_len, int64_t timeout_ms,
                                int64_t now_ms) {
    size_t len = host_len + 1 + port_len;
    char *name = mem_alloc(len + 1);
    memcpy(name, host, host_len);
    name[host_len] = ':';
    memcpy(name + host_len + 1, port, port_len);
    name[len] = '\0';
    migrate_conn *c = cache_find(mc, name, len);
    if (c != NULL) {
        mem_free(name);
        c->last_use_ms = now_ms;
        return c;
    }
    if (mc->count == MIGRATE_CACHE_MAX) evict_one(mc);
    c = conn_open(host, host_len, port_number(port, port_len), timeout_ms);
    if (c == NULL) {
        mem_free(name);
        return NULL;
    }
    c->name = name;
    c->name_len = len;
    c->last_use_ms = now_ms;
    mc->conns[mc->count++] = c;
    return c;
}

/* Writes one piece within timeout_ms. */
static int write_piece(int fd, const char *p, size_t len, int64_t timeout_ms) {
    int64_t start = clock_mono_ms();
    for (;;) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -errno;
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        }
        if (len == 0) return 0;
        int64_t left = timeout_ms - (clock_mono_ms() - start);
        if (left <= 0) return -ETIMEDOUT;
        wait_fd(fd, POLLOUT, left);
        if (clock_mono_ms() - start >= timeout_ms) return -ETIMEDOUT;
    }
}

int migrate_conn_write(migrate_conn *c, const char *data, size_t len, int64_t timeout_ms) {
    if (c->connect_err) return -c->connect_err;
    while (len > 0) {
        size_t piece = len > WRITE_PIECE ? WRITE_PIECE : len;
        int rc = write_piece(c->fd, data, piece, timeout_ms);
        if (rc < 0) return rc;
        data += piece;
        len -= piece;
    }
    return 0;
}

/* Refills the read-ahead buffer, waiting up to timeout_ms. */
static int fill(migrate_conn *c, int64_t timeout_ms) {
    int64_t start = clock_mono_ms();
    for (;;) {
        ssize_t n = read(c->fd, c->rbuf, sizeof(c->rbuf));
        if (n > 0) {
            c->rpos = 0;
            c->rlen = (size_t)n;
            return 0;
        }
        if (n == 0) return -ECONNRESET;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -errno;
        int64_t left = timeout_ms - (clock_mono_ms() - start);
        if (left <= 0) return -ETIMEDOUT;
        wait_fd(c->fd, POLLIN, left);
        if (clock_mono_ms() - start >= timeout_ms) {
            /* Data may have arrived just as time ran out: take it. */
            n = read(c->fd, c->rbuf, sizeof(c->rbuf));
            if (n > 0) {
                c->rpos = 0;
                c->rlen = (size_t)n;
                return 0;
            }
            return -ETIMEDOUT;
        }
    }
}

int migrate_conn_read_line(migrate_conn *c, char *dst, size_t cap, int64_t timeout_ms) {
    size_t n = 0;
    dst[0] = '\0';
    while (n + 1 < cap) {
        if (c->rpos == c->rlen) {
            int rc = fill(c, timeout_ms);
            if (rc < 0) return rc;
        }
        char ch = c->rbuf[c->rpos++];
        if (ch == '\n') {
            if (n > 0 && dst[n - 1] == '\r') dst[n - 1] = '\0';
            return (int)n;
        }
        dst[n++] = ch;
        dst[n] = '\0';
    }
    return (int)n;
}
