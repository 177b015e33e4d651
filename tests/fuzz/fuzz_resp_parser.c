/* fuzz_resp_parser: the request parser against arbitrary client bytes.
 *
 * The first three input bytes choose the limits (bulk length cap, whether the
 * connection is authenticated, whether that changes after the first request)
 * and how the stream is cut into reads; the rest is what a client sends. The
 * stream is parsed twice: once handed over whole, once in reads of random
 * sizes through a buffer that is reallocated and compacted between calls, as
 * a connection's input buffer is. Each pass records every request (argc, kind
 * and argument bytes) and how it ended (error code, or bytes left waiting).
 * The parser must not depend on how the bytes arrive, so both records must be
 * equal. Per call: consumed <= len, NEED_MORE consumes nothing, a request
 * consumes at least one byte and its argv slices lie inside those bytes.
 * After a protocol error the same parser must still parse a fresh request.
 * ASan, UBSan and LeakSanitizer catch the rest. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "protocol/resp_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_resp_parser: check failed at line %d: %s\n", __LINE__, #cond);    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const int64_t bulk_limits[8] = {
    0, 1, 3, 16, 1024, RESP_UNAUTH_MAX_BULK + 1, 512LL * 1024 * 1024, INT64_MAX,
};

/* What a pass saw, as a flat byte log (a buf). */
static void record_u64(buf *r, uint64_t v) {
    buf_append(r, &v, sizeof(v));
}

typedef struct settings {
    unsigned char mode;  /* header byte 0 */
    uint32_t rng;        /* chunking PRNG state */
    size_t max_chunk;    /* largest read */
} settings;

/* Limits for the k-th request: the owner may change them between requests. */
static void apply_limits(resp_parser *p, const settings *s, uint64_t k) {
    unsigned idx = s->mode & 7u;
    if (s->mode & 0x20) idx = (unsigned)(idx + k * 3) & 7u;
    p->max_bulk_len = bulk_limits[idx];
    bool auth = (s->mode & 0x08) != 0;
    if ((s->mode & 0x10) && k > 0) auth = !auth; /* AUTH succeeded (or the reverse) */
    p->authenticated = auth;
}

static void check_request(const resp_parser *p, const char *bytes, size_t len, size_t consumed) {
    FUZZ_CHECK(consumed > 0);
    FUZZ_CHECK(consumed <= len);
    FUZZ_CHECK(p->argc >= 0);
    FUZZ_CHECK(p->argc == 0 || p->argv != NULL);
    for (int i = 0; i < p->argc; i++) {
        const resp_arg *a = &p->argv[i];
        FUZZ_CHECK(a->ptr >= bytes);
        FUZZ_CHECK(a->len <= consumed);
        FUZZ_CHECK((size_t)(a->ptr - bytes) <= consumed - a->len);
        if (!p->inline_request) {
            /* Bulk payloads are followed by two bytes inside the request. */
            FUZZ_CHECK((size_t)(a->ptr - bytes) + a->len + 2 <= consumed);
            FUZZ_CHECK(a->len <= (uint64_t)p->max_bulk_len);
            FUZZ_CHECK(p->authenticated || a->len <= RESP_UNAUTH_MAX_BULK);
        }
    }
    if (!p->inline_request) FUZZ_CHECK(p->authenticated || p->argc <= RESP_UNAUTH_MAX_ARGS);
}

static void record_request(buf *r, const resp_parser *p) {
    buf_append(r, "R", 1);
    record_u64(r, (uint64_t)p->argc);
    buf_append(r, p->inline_request ? "i" : "*", 1);
    for (int i = 0; i < p->argc; i++) {
        record_u64(r, p->argv[i].len);
        buf_append(r, p->argv[i].ptr, p->argv[i].len);
    }
}

static void record_error(buf *r, const resp_parser *p) {
    char text[128];
    resp_error_text(p, text, sizeof(text));
    FUZZ_CHECK(strncmp(text, "ERR Protocol error: ", 20) == 0);
    FUZZ_CHECK(p->error != RESP_ERR_NONE);
    buf_append(r, "E", 1);
    record_u64(r, (uint64_t)p->error);
    if (p->error == RESP_ERR_EXPECTED_DOLLAR) buf_append(r, &p->bad_char, 1);
}

/* Parses every complete request in bytes[*pos..len); returns false on error. */
static bool drain(resp_parser *p, const settings *s, char *bytes, size_t len, size_t *pos,
                  uint64_t *requests, buf *r) {
    for (;;) {
        apply_limits(p, s, *requests);
        size_t consumed = 12345;
        size_t have = len - *pos;
        enum resp_status st = resp_parse(p, bytes + *pos, have, &consumed);
        FUZZ_CHECK(consumed <= have);
        if (st == RESP_NEED_MORE) {
            FUZZ_CHECK(consumed == 0);
            size_t more = resp_parser_bulk_remaining(p, have);
            FUZZ_CHECK(more <= (uint64_t)p->max_bulk_len + 2);
            return true;
        }
        if (st == RESP_ERROR) {
            FUZZ_CHECK(consumed == 0);
            record_error(r, p);
            return false;
        }
        FUZZ_CHECK(st == RESP_REQUEST);
        check_request(p, bytes + *pos, have, consumed);
        record_request(r, p);
        *pos += consumed;
        (*requests)++;
    }
}

/* The stream handed over in one piece. */
static void pass_whole(const settings *s, const uint8_t *stream, size_t len, buf *r) {
    resp_parser p;
    resp_parser_init(&p, 0);
    char *bytes = mem_alloc(len ? len : 1);
    if (len) memcpy(bytes, stream, len);
    size_t pos = 0;
    uint64_t requests = 0;
    if (drain(&p, s, bytes, len, &pos, &requests, r)) {
        buf_append(r, "N", 1);
        record_u64(r, len - pos);
    }
    mem_free(bytes);
    resp_parser_fini(&p);
}

static uint32_t next_rand(uint32_t *state) {
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* A fresh request after an error: the parser must have reset its state and
 * kept its tables consistent. Twenty arguments, so the argument table grows
 * past whatever the failed request left behind. */
static void check_reuse_after_error(resp_parser *p) {
    char req[512];
    size_t n = (size_t)snprintf(req, sizeof(req), "*20\r\n");
    for (int i = 0; i < 20; i++) {
        int w = i % 7 + 1;
        n += (size_t)snprintf(req + n, sizeof(req) - n, "$%d\r\n%.*s\r\n", w, w, "abcdefg");
    }
    char *bytes = mem_dup(req, n);
    p->authenticated = true;
    p->max_bulk_len = 1024;
    size_t consumed = 0;
    FUZZ_CHECK(resp_parse(p, bytes, n, &consumed) == RESP_REQUEST);
    FUZZ_CHECK(consumed == n && p->argc == 20 && !p->inline_request);
    for (int i = 0; i < 20; i++) {
        size_t w = (size_t)(i % 7 + 1);
        FUZZ_CHECK(p->argv[i].len == w && memcmp(p->argv[i].ptr, "abcdefg", w) == 0);
    }
    mem_free(bytes);
}

/* The stream in random reads. The unread bytes always sit in an allocation
 * of exactly their size (so a read past the end is caught), and that
 * allocation is replaced after every read and every consumed request (so a
 * pointer kept across calls is caught as a use after free). */
static void pass_chunked(settings *s, const uint8_t *stream, size_t len, buf *r) {
    resp_parser p;
    resp_parser_init(&p, 0);
    char *bytes = NULL;
    size_t have = 0, fed = 0;
    uint64_t requests = 0;
    bool ok = true;
    while (ok && fed < len) {
        size_t chunk = 1 + next_rand(&s->rng) % s->max_chunk;
        if (chunk > len - fed) chunk = len - fed;
        char *nbuf = mem_alloc(have + chunk);
        if (have) memcpy(nbuf, bytes, have);
        memcpy(nbuf + have, stream + fed, chunk);
        mem_free(bytes);
        bytes = nbuf;
        have += chunk;
        fed += chunk;
        size_t pos = 0;
        ok = drain(&p, s, bytes, have, &pos, &requests, r);
        if (ok && pos > 0) {
            /* Compact: keep only the unread bytes. */
            char *rest = mem_alloc(have - pos ? have - pos : 1);
            memcpy(rest, bytes + pos, have - pos);
            mem_free(bytes);
            bytes = rest;
            have -= pos;
        }
    }
    if (ok) {
        buf_append(r, "N", 1);
        record_u64(r, have);
    } else {
        check_reuse_after_error(&p);
    }
    mem_free(bytes);
    resp_parser_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    settings s = {.mode = data[0], .rng = (uint32_t)data[1] | (uint32_t)data[2] << 8};
    static const size_t chunk_caps[4] = {1, 7, 64, 4096};
    s.max_chunk = chunk_caps[(data[0] >> 6) & 3];
    const uint8_t *stream = data + 3;
    size_t len = size - 3;

    buf whole, chunked;
    buf_init(&whole);
    buf_init(&chunked);
    pass_whole(&s, stream, len, &whole);
    pass_chunked(&s, stream, len, &chunked);
    /* The line-length limits (RESP_INLINE_MAX) legitimately depend on how
     * much is buffered while a newline is missing; below that size the
     * outcome must not depend on the reads at all. */
    if (len <= RESP_INLINE_MAX) {
        if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0) {
            fprintf(stderr, "fuzz_resp_parser: whole and chunked parses differ (%zu vs %zu "
                            "record bytes)\n", whole.len, chunked.len);
            abort();
        }
    }
    buf_fini(&whole);
    buf_fini(&chunked);
    return 0;
}
