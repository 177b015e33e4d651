#ifndef PROTOCOL_RESP_PARSER_H
#define PROTOCOL_RESP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Incremental request parser for RESP2 multibulk ("*2\r\n$3\r\nGET\r\n...")
 * and inline ("GET key\r\n") requests. It does no I/O: the caller passes the
 * unread bytes of its input buffer, the parser either returns a complete
 * request whose arguments point into those bytes, or remembers how far it got
 * so the next call resumes without rescanning. Between calls the caller may
 * move its buffer (compact or reallocate) as long as the unread bytes stay in
 * order: the parser keeps offsets, not pointers.
 *
 * Inline arguments are unescaped in place, so the input must be writable. */

typedef struct resp_arg {
    const char *ptr;
    size_t len;
} resp_arg;

enum resp_status {
    RESP_REQUEST = 0, /* a request is ready (argc may be 0: nothing to run) */
    RESP_NEED_MORE,   /* the bytes so far are a valid prefix */
    RESP_ERROR,       /* protocol violation: reply with the error and close */
};

enum resp_error {
    RESP_ERR_NONE = 0,
    RESP_ERR_MBULK_LEN,         /* invalid multibulk length */
    RESP_ERR_MBULK_LINE_TOO_BIG, /* too big mbulk count string */
    RESP_ERR_EXPECTED_DOLLAR,   /* expected '$', got '%c' */
    RESP_ERR_BULK_LEN,          /* invalid bulk length */
    RESP_ERR_BULK_LINE_TOO_BIG, /* too big bulk count string */
    RESP_ERR_INLINE_TOO_BIG,    /* too big inline request */
    RESP_ERR_UNBALANCED_QUOTES, /* unbalanced quotes in request */
    RESP_ERR_UNAUTH_MBULK,      /* unauthenticated multibulk length */
    RESP_ERR_UNAUTH_BULK,       /* unauthenticated bulk length */
};

/* Longest count line or inline request kept waiting for its newline. */
#define RESP_INLINE_MAX 65536
/* Limits applied while the connection is not authenticated. */
#define RESP_UNAUTH_MAX_ARGS 10
#define RESP_UNAUTH_MAX_BULK 16384

typedef struct resp_parser {
    /* Limits; the owner may change them between requests. */
    int64_t max_bulk_len;
    bool authenticated;

    /* Outcome of the last call. */
    int argc;
    resp_arg *argv;
    enum resp_error error;
    char bad_char; /* for RESP_ERR_EXPECTED_DOLLAR */
    bool inline_request;

    /* Progress through the current request (offsets from its first byte). */
    int kind; /* 0 none yet, '*' multibulk, 'i' inline */
    int64_t want_args;
    int64_t bulk_len; /* -1 while waiting for the "$<n>" line */
    size_t pos;
    size_t *offsets; /* per parsed argument, while incomplete */
    int cap;
} resp_parser;

void resp_parser_init(resp_parser *p, int64_t max_bulk_len);
void resp_parser_fini(resp_parser *p);

/* Parses the next request from data[0..len). On RESP_REQUEST, *consumed is
 * the request's size and p->argc/p->argv describe it (valid until the next
 * call or until data changes). On RESP_NEED_MORE nothing is consumed: call
 * again with the same bytes plus more. On RESP_ERROR see p->error. */
enum resp_status resp_parse(resp_parser *p, char *data, size_t len, size_t *consumed);

/* Bytes still missing to complete the bulk argument being read (0 if the
 * parser is not in the middle of a bulk): lets the reader size its reads. */
size_t resp_parser_bulk_remaining(const resp_parser *p, size_t have);

/* The error text without the leading "-": "ERR Protocol error: ...". */
void resp_error_text(const resp_parser *p, char *dst, size_t cap);

/* Splits one line the way inline requests and config files are split:
 * whitespace separates, "..." understands \n \r \t \b \a \\ \" \xHH, '...'
 * understands \'. Unescapes in place into line and stores the slices in
 * *argv, growing it (and *cap) with mem_realloc as needed. Returns the
 * argument count, or -1 for unbalanced quotes. A NUL byte ends the line. */
int resp_split_line(char *line, size_t len, resp_arg **argv, int *cap);

#endif
