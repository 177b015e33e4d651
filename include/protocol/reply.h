#ifndef PROTOCOL_REPLY_H
#define PROTOCOL_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/check.h"

/* Reply encoder and output queue of one connection.
 *
 * Replies are encoded straight into a list of chunks: small replies share a
 * 16 KiB chunk, a large bulk payload gets a chunk of its own, and the
 * connection writes the whole list with one writev(). The encoder speaks
 * RESP2 or RESP3 depending on `proto`; callers describe the shape (map, set,
 * double, null) and the encoder picks the bytes. Nothing here knows about
 * sockets. */

typedef struct reply_chunk {
    struct reply_chunk *next;
    size_t len;
    size_t cap;
    bool sealed; /* a deferred-length placeholder: never append to it */
    char data[];
} reply_chunk;

typedef struct reply {
    reply_chunk *head, *tail;
    size_t pending;     /* bytes queued and not yet written */
    size_t head_sent;   /* bytes of head already written */
    int proto;          /* 2 or 3 */
    uint64_t error_count;
    /* Optional: called for every error reply with its text (no "-"). */
    void (*on_error)(void *ctx, const char *msg, size_t len);
    void *on_error_ctx;
} reply;

/* A saved position for reply_rollback() (CLIENT REPLY OFF/SKIP). */
typedef struct reply_mark {
    reply_chunk *tail;
    size_t tail_len;
    size_t pending;
} reply_mark;

typedef reply_chunk *reply_deferred;

void reply_init(reply *r);
void reply_fini(reply *r);

/* Raw protocol bytes, already encoded. */
void reply_raw(reply *r, const void *data, size_t len);

void reply_ok(reply *r);
void reply_simple(reply *r, const char *s, size_t len);
void reply_simple_cstr(reply *r, const char *s);
/* msg is the whole error text after the '-', e.g. "ERR syntax error".
 * CR and LF in it are replaced by spaces. */
void reply_error(reply *r, const char *msg);
void reply_error_len(reply *r, const char *msg, size_t len);
void reply_errorf(reply *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
void reply_int(reply *r, int64_t v);
void reply_bulk(reply *r, const void *data, size_t len);
void reply_bulk_cstr(reply *r, const char *s);
void reply_bulk_i64(reply *r, int64_t v);
void reply_null(reply *r);       /* $-1 / _ */
void reply_null_array(reply *r); /* *-1 / _ */
void reply_array(reply *r, int64_t count);
void reply_map(reply *r, int64_t pairs); /* RESP2: flat array of 2n */
void reply_set(reply *r, int64_t count); /* RESP2: array */
void reply_push(reply *r, int64_t count); /* RESP2: array */
void reply_double(reply *r, double v);
/* A long double in human form ("%.17Lf" without trailing zeros): a bulk
 * string in RESP2, a double in RESP3 (INCRBYFLOAT stays bulk in both). */
void reply_long_double(reply *r, long double v);
void reply_bool(reply *r, bool v);
/* RESP3 verbatim string ("=<n>\r\ntxt:..."); RESP2 plain bulk. */
void reply_verbatim(reply *r, const char *data, size_t len, const char *format3);
void reply_bignum(reply *r, const char *digits, size_t len);
/* Common canned shapes. */
void reply_empty_array(reply *r);

/* Deferred aggregate length: emit the elements, then fill the header. */
reply_deferred reply_defer(reply *r);
void reply_set_array_len(reply *r, reply_deferred d, int64_t count);
void reply_set_map_len(reply *r, reply_deferred d, int64_t pairs);
void reply_set_set_len(reply *r, reply_deferred d, int64_t count);

void reply_mark_get(const reply *r, reply_mark *m);
/* Drops everything queued after the mark. */
void reply_rollback(reply *r, const reply_mark *m);

/* Output side, for the connection: fills iov with pending data; returns the
 * number of entries used. iov must hold max entries of struct iovec. */
struct iovec;
int reply_iov(const reply *r, struct iovec *iov, int max);
/* Marks n bytes as written and frees finished chunks (one is kept). */
void reply_consume(reply *r, size_t n);
/* Bytes held by the queue's chunks (for output-buffer limits and INFO). */
size_t reply_memory(const reply *r);
/* Flattens the queue into a newly allocated string (tests, MULTI); caller
 * frees with mem_free. */
char *reply_flatten(const reply *r, size_t *len);

#endif
