/* reply: RESP2/RESP3 encoding into a chunked output queue.
 *
 * Chunks are 16 KiB; a payload of that size or more gets an exact-size chunk
 * so it is copied once and written by writev with the rest. We considered
 * pointing at the stored value instead of copying, but a later command in
 * the same pipeline may modify or delete that value before the socket takes
 * it, and reference counting every value costs memory on every key.
 *
 * After a full write the first chunk is kept for reuse, so a connection in a
 * request/response loop does not allocate per reply. */
#include "protocol/reply.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "base/mem.h"
#include "base/number.h"

#define CHUNK_SIZE (16 * 1024)

static reply_chunk *chunk_new(size_t cap) {
    reply_chunk *c = mem_alloc(sizeof(reply_chunk) + cap);
    c->next = NULL;
    c->len = 0;
    c->cap = mem_usable_size(c) - sizeof(reply_chunk);
    c->sealed = false;
    return c;
}

static void link_chunk(reply *r, reply_chunk *c) {
    if (r->tail)
        r->tail->next = c;
    else
        r->head = c;
    r->tail = c;
}

void reply_init(reply *r) {
    memset(r, 0, sizeof(*r));
    r->proto = 2;
}

void reply_fini(reply *r) {
    reply_chunk *c = r->head;
    while (c) {
        reply_chunk *next = c->next;
        mem_free(c);
        c = next;
    }
    r->head = r->tail = NULL;
    r->pending = 0;
    r->head_sent = 0;
}

static void append_slow(reply *r, const char *data, size_t len) {
    if (len >= CHUNK_SIZE) {
        /* A large payload starts a chunk of its own, as promised above, even
         * when the tail has room left (the allocator rounds chunks up): it
         * stays contiguous, one iovec entry, instead of being split across
         * the tail and a new chunk. */
        reply_chunk *c = chunk_new(len);
        link_chunk(r, c);
        memcpy(c->data, data, len);
        c->len = len;
        r->pending += len;
        return;
    }
    while (len > 0) {
        reply_chunk *t = r->tail;
        if (t == NULL || t->sealed || t->len == t->cap) {
            t = chunk_new(len >= CHUNK_SIZE ? len : CHUNK_SIZE);
            link_chunk(r, t);
        }
        size_t n = t->cap - t->len;
        if (n > len) n = len;
        memcpy(t->data + t->len, data, n);
        t->len += n;
        r->pending += n;
        data += n;
        len -= n;
    }
}

static inline void append(reply *r, const void *data, size_t len) {
    reply_chunk *t = r->tail;
    if (LIKELY(len < CHUNK_SIZE && t != NULL && !t->sealed && t->cap - t->len >= len)) {
        memcpy(t->data + t->len, data, len);
        t->len += len;
        r->pending += len;
        return;
    }
    append_slow(r, data, len);
}

void reply_raw(reply *r, const void *data, size_t len) {
    append(r, data, len);
}

/* "<prefix><n>\r\n" */
static void append_header(reply *r, char prefix, int64_t n) {
    char tmp[32];
    tmp[0] = prefix;
    size_t len;
    if (n >= 0 && n < 100) {
        /* Most headers are short lengths and counts. */
        if (n < 10) {
            tmp[1] = (char)('0' + n);
            len = 2;
        } else {
            tmp[1] = (char)('0' + n / 10);
            tmp[2] = (char)('0' + n % 10);
            len = 3;
        }
    } else {
        len = 1 + number_format_i64(tmp + 1, n);
    }
    tmp[len++] = '\r';
    tmp[len++] = '\n';
    append(r, tmp, len);
}

void reply_ok(reply *r) {
    append(r, "+OK\r\n", 5);
}

void reply_simple(reply *r, const char *s, size_t len) {
    append(r, "+", 1);
    append(r, s, len);
    append(r, "\r\n", 2);
}

void reply_simple_cstr(reply *r, const char *s) {
    reply_simple(r, s, strlen(s));
}

void reply_error_len(reply *r, const char *msg, size_t len) {
    r->error_count++;
    if (r->on_error) r->on_error(r->on_error_ctx, msg, len);
    append(r, "-", 1);
    /* Keep the reply on one line whatever the message holds. */
    const char *p = msg;
    size_t left = len;
    while (left > 0) {
        size_t run = 0;
        while (run < left && p[run] != '\r' && p[run] != '\n') run++;
        append(r, p, run);
        if (run < left) {
            append(r, " ", 1);
            run++;
        }
        p += run;
        left -= run;
    }
    append(r, "\r\n", 2);
}

void reply_error(reply *r, const char *msg) {
    reply_error_len(r, msg, strlen(msg));
}

void reply_errorf(reply *r, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof(msg)) n = sizeof(msg) - 1;
    reply_error_len(r, msg, (size_t)n);
}

void reply_int(reply *r, int64_t v) {
    if (v == 0) {
        append(r, ":0\r\n", 4);
        return;
    }
    if (v == 1) {
        append(r, ":1\r\n", 4);
        return;
    }
    append_header(r, ':', v);
}

void reply_bulk(reply *r, const void *data, size_t len) {
    append_header(r, '$', (int64_t)len);
    append(r, data, len);
    append(r, "\r\n", 2);
}

void reply_bulk_cstr(reply *r, const char *s) {
    if (s == NULL) {
        reply_null(r);
        return;
    }
    reply_bulk(r, s, strlen(s));
}

void reply_bulk_i64(reply *r, int64_t v) {
    char tmp[NUMBER_I64_MAX_CHARS];
    size_t n = number_format_i64(tmp, v);
    reply_bulk(r, tmp, n);
}

void reply_null(reply *r) {
    if (r->proto >= 3)
        append(r, "_\r\n", 3);
    else
        append(r, "$-1\r\n", 5);
}

void reply_null_array(reply *r) {
    if (r->proto >= 3)
        append(r, "_\r\n", 3);
    else
        append(r, "*-1\r\n", 5);
}

void reply_array(reply *r, int64_t count) {
    append_header(r, '*', count);
}

void reply_empty_array(reply *r) {
    append(r, "*0\r\n", 4);
}

void reply_map(reply *r, int64_t pairs) {
    if (r->proto >= 3)
        append_header(r, '%', pairs);
    else
        append_header(r, '*', pairs * 2);
}

void reply_set(reply *r, int64_t count) {
    append_header(r, r->proto >= 3 ? '~' : '*', count);
}

void reply_push(reply *r, int64_t count) {
    append_header(r, r->proto >= 3 ? '>' : '*', count);
}

void reply_double(reply *r, double v) {
    char tmp[64];
    size_t n = number_format_double(tmp, sizeof(tmp), v);
    if (r->proto >= 3) {
        append(r, ",", 1);
        append(r, tmp, n);
        append(r, "\r\n", 2);
    } else {
        reply_bulk(r, tmp, n);
    }
}

void reply_long_double(reply *r, long double v) {
    char tmp[NUMBER_LD_MAX_CHARS];
    size_t n = number_format_long_double(tmp, sizeof(tmp), v);
    if (r->proto >= 3) {
        append(r, ",", 1);
        append(r, tmp, n);
        append(r, "\r\n", 2);
    } else {
        reply_bulk(r, tmp, n);
    }
}

void reply_bool(reply *r, bool v) {
    if (r->proto >= 3)
        append(r, v ? "#t\r\n" : "#f\r\n", 4);
    else
        append(r, v ? ":1\r\n" : ":0\r\n", 4);
}

void reply_verbatim(reply *r, const char *data, size_t len, const char *format3) {
    if (r->proto < 3) {
        reply_bulk(r, data, len);
        return;
    }
    append_header(r, '=', (int64_t)len + 4);
    append(r, format3, 3);
    append(r, ":", 1);
    append(r, data, len);
    append(r, "\r\n", 2);
}

void reply_bignum(reply *r, const char *digits, size_t len) {
    if (r->proto < 3) {
        reply_bulk(r, digits, len);
        return;
    }
    append(r, "(", 1);
    append(r, digits, len);
    append(r, "\r\n", 2);
}

reply_deferred reply_defer(reply *r) {
    reply_chunk *c = chunk_new(32);
    c->sealed = true;
    link_chunk(r, c);
    return c;
}

static void fill_deferred(reply *r, reply_deferred d, char prefix, int64_t n) {
    char tmp[32];
    tmp[0] = prefix;
    size_t len = 1 + number_format_i64(tmp + 1, n);
    tmp[len++] = '\r';
    tmp[len++] = '\n';
    ASSERT(d->len == 0 && len <= d->cap);
    memcpy(d->data, tmp, len);
    d->len = len;
    r->pending += len;
}

void reply_set_array_len(reply *r, reply_deferred d, int64_t count) {
    fill_deferred(r, d, '*', count);
}

void reply_set_map_len(reply *r, reply_deferred d, int64_t pairs) {
    if (r->proto >= 3)
        fill_deferred(r, d, '%', pairs);
    else
        fill_deferred(r, d, '*', pairs * 2);
}

void reply_set_set_len(reply *r, reply_deferred d, int64_t count) {
    fill_deferred(r, d, r->proto >= 3 ? '~' : '*', count);
}

void reply_mark_get(const reply *r, reply_mark *m) {
    m->tail = r->tail;
    m->tail_len = r->tail ? r->tail->len : 0;
    m->pending = r->pending;
}

void reply_rollback(reply *r, const reply_mark *m) {
    reply_chunk *c = m->tail ? m->tail->next : r->head;
    while (c) {
        reply_chunk *next = c->next;
        mem_free(c);
        c = next;
    }
    if (m->tail) {
        m->tail->next = NULL;
        m->tail->len = m->tail_len;
    } else {
        r->head = NULL;
        r->head_sent = 0;
    }
    r->tail = m->tail;
    r->pending = m->pending;
}

int reply_iov(const reply *r, struct iovec *iov, int max) {
    int n = 0;
    for (reply_chunk *c = r->head; c && n < max; c = c->next) {
        size_t off = c == r->head ? r->head_sent : 0;
        if (c->len <= off) continue;
        iov[n].iov_base = c->data + off;
        iov[n].iov_len = c->len - off;
        n++;
    }
    return n;
}

void reply_consume(reply *r, size_t n) {
    ASSERT(n <= r->pending);
    r->pending -= n;
    while (r->head) {
        reply_chunk *c = r->head;
        size_t avail = c->len - r->head_sent;
        if (n < avail || (c == r->tail && !c->sealed && n == avail)) {
            r->head_sent += n;
            break;
        }
        /* Whole chunk written (or a filled placeholder). */
        n -= avail;
        r->head = c->next;
        r->head_sent = 0;
        if (r->head == NULL) r->tail = NULL;
        mem_free(c);
    }
    /* Keep the last chunk if it is fully written: reuse it. Only chunks of
     * about the standard size are kept. Capacity is the allocator's usable
     * size, so even a standard chunk has more than CHUNK_SIZE (jemalloc
     * gives 20 KiB for 16 KiB plus the header): the bound is twice that. */
    if (r->head && r->head == r->tail && r->head_sent == r->head->len) {
        if (r->head->cap >= 2 * CHUNK_SIZE || r->head->sealed) {
            mem_free(r->head);
            r->head = r->tail = NULL;
        } else {
            r->head->len = 0;
        }
        r->head_sent = 0;
    }
}

size_t reply_memory(const reply *r) {
    size_t total = 0;
    for (reply_chunk *c = r->head; c; c = c->next) total += c->cap + sizeof(reply_chunk);
    return total;
}

char *reply_flatten(const reply *r, size_t *len) {
    char *out = mem_alloc(r->pending + 1);
    size_t at = 0;
    for (reply_chunk *c = r->head; c; c = c->next) {
        size_t off = c == r->head ? r->head_sent : 0;
        if (c->len > off) {
            memcpy(out + at, c->data + off, c->len - off);
            at += c->len - off;
        }
    }
    out[at] = '\0';
    *len = at;
    return out;
}
