/* Unit tests for resp_parser: the request parser every client byte goes
 * through.
 *
 * The central property is that TCP may split a pipelined stream anywhere:
 * a reference stream (multibulk and inline requests mixed, with empty
 * requests and binary payloads) is fed in two and in three pieces at every
 * possible offset, and each time the parser must hand out exactly the
 * expected requests. The feeder moves the unread bytes to a fresh
 * allocation on every read, as a compacting input buffer would, so a parser
 * that kept pointers instead of offsets would read freed memory under ASan.
 * Then every protocol error of Redis 7.0 is checked by its exact text, plus
 * the inline quoting rules and the promise that nothing is allocated in
 * proportion to a size the client only announced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/mem.h"
#include "protocol/resp_parser.h"

#define DEFAULT_MAX_BULK 536870912 /* proto-max-bulk-len default */

/* ---- a simulated connection: input buffer + parser + request log ---- */

typedef struct feeder {
    resp_parser p;
    char *data; /* unread bytes, moved to a new allocation on every feed */
    size_t len;
    buf log; /* every request, serialised by log_request() */
    int requests;
    bool failed;
    char error[128];
} feeder;

static void feeder_init(feeder *f, bool authenticated, int64_t max_bulk) {
    memset(f, 0, sizeof(*f));
    resp_parser_init(&f->p, max_bulk);
    f->p.authenticated = authenticated;
    buf_init(&f->log);
}

static void feeder_fini(feeder *f) {
    resp_parser_fini(&f->p);
    mem_free(f->data);
    buf_fini(&f->log);
}

/* "<argc>[len:bytes]...;" keeps arguments with any byte apart. */
static void log_request(buf *log, const resp_parser *p) {
    buf_printf(log, "%d", p->argc);
    for (int i = 0; i < p->argc; i++) {
        buf_printf(log, "[%zu:", p->argv[i].len);
        buf_append(log, p->argv[i].ptr, p->argv[i].len);
        buf_append_char(log, ']');
    }
    buf_append_char(log, ';');
}

static void check_argv_points_into(const resp_parser *p, const char *data, size_t len) {
    for (int i = 0; i < p->argc; i++) {
        assert_true(p->argv[i].ptr >= data);
        assert_true(p->argv[i].ptr + p->argv[i].len <= data + len);
    }
}

/* Appends bytes as one read() would, then parses all complete requests. */
static void feed(feeder *f, const char *chunk, size_t n) {
    if (f->failed) return;
    char *moved = mem_alloc(f->len + n + 1);
    if (f->len) memcpy(moved, f->data, f->len);
    if (n) memcpy(moved + f->len, chunk, n);
    mem_free(f->data);
    f->data = moved;
    f->len += n;
    for (;;) {
        size_t consumed = 12345;
        enum resp_status st = resp_parse(&f->p, f->data, f->len, &consumed);
        if (st == RESP_NEED_MORE) {
            assert_int_equal(consumed, 0);
            return;
        }
        if (st == RESP_ERROR) {
            assert_int_not_equal(f->p.error, RESP_ERR_NONE);
            resp_error_text(&f->p, f->error, sizeof(f->error));
            f->failed = true;
            return;
        }
        assert_int_equal(st, RESP_REQUEST);
        assert_true(consumed > 0 && consumed <= f->len);
        check_argv_points_into(&f->p, f->data, f->len);
        log_request(&f->log, &f->p);
        f->requests++;
        memmove(f->data, f->data + consumed, f->len - consumed);
        f->len -= consumed;
    }
}

static void feed_str(feeder *f, const char *s) {
    feed(f, s, strlen(s));
}

static void assert_log(const feeder *f, const char *expected, size_t expected_len) {
    if (f->log.len != expected_len || memcmp(f->log.data, expected, expected_len) != 0) {
        print_error("expected log: %.*s\n     got log: %.*s\n", (int)expected_len, expected,
                    (int)f->log.len, f->log.data ? f->log.data : "");
        fail();
    }
}

/* ---- the reference pipelined stream ---- */

static const char stream[] =
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    "PING\r\n"
    "*0\r\n"
    "ECHO \"a b\" 'c d'\r\n"
    "*-1\r\n"
    "\r\n"
    "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
    "GET k\n"
    "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\0c\r\n"
    "  SET   a\t b  \r\n"
    "*1\r\n$11\r\n*3\r\n$3\r\nfoo\r\n"
    "\n"
    "*1\r\n$4\r\nQUIT\r\n";

static const char stream_log[] = "3[3:SET][3:key][5:value];"
                                 "1[4:PING];"
                                 "0;"
                                 "3[4:ECHO][3:a b][3:c d];"
                                 "0;"
                                 "0;"
                                 "2[4:ECHO][0:];"
                                 "2[3:GET][1:k];"
                                 "2[4:ECHO][6:a\r\nb\0c];"
                                 "3[3:SET][1:a][1:b];"
                                 "1[11:*3\r\n$3\r\nfoo];"
                                 "0;"
                                 "1[4:QUIT];";

#define STREAM_LEN (sizeof(stream) - 1)
#define STREAM_LOG_LEN (sizeof(stream_log) - 1)

static void whole_stream_yields_every_request_in_order(void **state) {
    (void)state;
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed(&f, stream, STREAM_LEN);
    assert_false(f.failed);
    assert_int_equal(f.len, 0);
    assert_int_equal(f.requests, 13);
    assert_log(&f, stream_log, STREAM_LOG_LEN);
    feeder_fini(&f);
}

static void stream_split_in_two_at_every_offset(void **state) {
    (void)state;
    for (size_t i = 0; i <= STREAM_LEN; i++) {
        feeder f;
        feeder_init(&f, true, DEFAULT_MAX_BULK);
        feed(&f, stream, i);
        feed(&f, stream + i, STREAM_LEN - i);
        assert_false(f.failed);
        assert_int_equal(f.len, 0);
        assert_log(&f, stream_log, STREAM_LOG_LEN);
        feeder_fini(&f);
    }
}

static void stream_split_in_three_at_every_pair_of_offsets(void **state) {
    (void)state;
    /* One parser and feeder for all splits: the log is cleared in between,
     * which also checks that the parser is fully reset after a request. */
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    for (size_t i = 0; i <= STREAM_LEN; i++) {
        for (size_t j = i; j <= STREAM_LEN; j++) {
            buf_clear(&f.log);
            feed(&f, stream, i);
            feed(&f, stream + i, j - i);
            feed(&f, stream + j, STREAM_LEN - j);
            assert_false(f.failed);
            assert_int_equal(f.len, 0);
            assert_log(&f, stream_log, STREAM_LOG_LEN);
        }
    }
    feeder_fini(&f);
}

static void stream_fed_one_byte_at_a_time(void **state) {
    (void)state;
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    for (size_t i = 0; i < STREAM_LEN; i++) feed(&f, stream + i, 1);
    assert_false(f.failed);
    assert_log(&f, stream_log, STREAM_LOG_LEN);
    feeder_fini(&f);
}

/* ---- single requests ---- */

static void multibulk_arguments_point_into_the_input(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    p.authenticated = true;
    char in[] = "*2\r\n$3\r\nGET\r\n$5\r\nmykey\r\n*1\r\n$4\r\nPING\r\n";
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, in, sizeof(in) - 1, &consumed), RESP_REQUEST);
    assert_int_equal(consumed, 24);
    assert_false(p.inline_request);
    assert_int_equal(p.argc, 2);
    assert_ptr_equal(p.argv[0].ptr, in + 8);
    assert_int_equal(p.argv[0].len, 3);
    assert_ptr_equal(p.argv[1].ptr, in + 17);
    assert_memory_equal(p.argv[1].ptr, "mykey", 5);
    /* The next request starts where the first one ended. */
    assert_int_equal(resp_parse(&p, in + consumed, sizeof(in) - 1 - consumed, &consumed),
                     RESP_REQUEST);
    assert_int_equal(p.argc, 1);
    assert_memory_equal(p.argv[0].ptr, "PING", 4);
    resp_parser_fini(&p);
}

static void empty_input_needs_more(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    size_t consumed = 1;
    assert_int_equal(resp_parse(&p, NULL, 0, &consumed), RESP_NEED_MORE);
    assert_int_equal(consumed, 0);
    resp_parser_fini(&p);
}

static void zero_and_negative_multibulk_counts_are_skipped(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    char in[] = "*0\r\n*-1\r\n*-5\r\n";
    size_t off = 0, consumed = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(resp_parse(&p, in + off, sizeof(in) - 1 - off, &consumed), RESP_REQUEST);
        assert_int_equal(p.argc, 0);
        off += consumed;
    }
    assert_int_equal(off, sizeof(in) - 1);
    resp_parser_fini(&p);
}

static void bytes_after_a_bulk_payload_are_not_checked(void **state) {
    (void)state;
    /* Redis compat: 7.0 answers "*1\r\n$4\r\nPINGxx" with +PONG. */
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed_str(&f, "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n");
    assert_false(f.failed);
    assert_log(&f, "1[4:PING];1[4:PING];", 20);
    feeder_fini(&f);
}

static void binary_payloads_are_taken_verbatim(void **state) {
    (void)state;
    char payload[256];
    for (int i = 0; i < 256; i++) payload[i] = (char)i;
    buf in;
    buf_init(&in);
    buf_append_str(&in, "*2\r\n$3\r\nSET\r\n$256\r\n");
    buf_append(&in, payload, sizeof(payload));
    buf_append_str(&in, "\r\n");
    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, in.data, in.len, &consumed), RESP_REQUEST);
    assert_int_equal(consumed, in.len);
    assert_int_equal(p.argv[1].len, 256);
    assert_memory_equal(p.argv[1].ptr, payload, 256);
    resp_parser_fini(&p);
    buf_fini(&in);
}

/* ---- protocol errors, by their exact text ---- */

static void expect_error_fed(const char *in, size_t len, size_t step, bool authenticated,
                             int64_t max_bulk, int requests_before, const char *text) {
    feeder f;
    feeder_init(&f, authenticated, max_bulk);
    for (size_t off = 0; off < len && !f.failed; off += step)
        feed(&f, in + off, len - off < step ? len - off : step);
    if (!f.failed) {
        print_error("no error for input of %zu bytes fed %zu at a time\n", len, step);
        fail();
    }
    assert_string_equal(f.error, text);
    assert_int_equal(f.requests, requests_before);
    feeder_fini(&f);
}

/* The same error whether the input arrives at once or a byte at a time. */
static void expect_error(const char *in, bool authenticated, int64_t max_bulk, const char *text) {
    size_t len = strlen(in);
    expect_error_fed(in, len, len, authenticated, max_bulk, 0, text);
    expect_error_fed(in, len, 1, authenticated, max_bulk, 0, text);
}

static void invalid_multibulk_lengths_are_rejected(void **state) {
    (void)state;
    const char *msg = "ERR Protocol error: invalid multibulk length";
    expect_error("*abc\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*3000000000\r\n", true, DEFAULT_MAX_BULK, msg); /* > INT_MAX */
    expect_error("*2147483648\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*+1\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*01\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*1 \r\n", true, DEFAULT_MAX_BULK, msg);
}

static void missing_dollar_names_the_byte_found(void **state) {
    (void)state;
    expect_error("*2\r\nfoo\r\n", true, DEFAULT_MAX_BULK,
                 "ERR Protocol error: expected '$', got 'f'");
    expect_error("*1\r\n:1\r\n", true, DEFAULT_MAX_BULK,
                 "ERR Protocol error: expected '$', got ':'");
    expect_error("*2\r\n$1\r\na\r\n*1\r\n", true, DEFAULT_MAX_BULK,
                 "ERR Protocol error: expected '$', got '*'");
}

static void invalid_bulk_lengths_are_rejected(void **state) {
    (void)state;
    const char *msg = "ERR Protocol error: invalid bulk length";
    expect_error("*1\r\n$-5\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*1\r\n$-1\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*1\r\n$999999999999\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*1\r\n$abc\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*1\r\n$\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*1\r\n$536870913\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("*1\r\n$1001\r\n", true, 1000, msg);
}

static void bulk_of_exactly_the_maximum_is_accepted(void **state) {
    (void)state;
    feeder f;
    feeder_init(&f, true, 4);
    feed_str(&f, "*1\r\n$4\r\nPING\r\n");
    assert_false(f.failed);
    assert_int_equal(f.requests, 1);
    feeder_fini(&f);
    /* A length the default limit allows does not fail before the payload. */
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed_str(&f, "*1\r\n$536870912\r\n");
    assert_false(f.failed);
    assert_int_equal(f.requests, 0);
    feeder_fini(&f);
}

static char *repeat(char c, size_t n, const char *prefix) {
    size_t plen = strlen(prefix);
    char *s = mem_alloc(plen + n + 1);
    memcpy(s, prefix, plen);
    memset(s + plen, c, n);
    s[plen + n] = '\0';
    return s;
}

static void overlong_lines_without_newline_are_rejected(void **state) {
    (void)state;
    char *in = repeat('A', 70000, "");
    expect_error_fed(in, 70000, 70000, true, DEFAULT_MAX_BULK, 0,
                     "ERR Protocol error: too big inline request");
    expect_error_fed(in, 70000, 4096, true, DEFAULT_MAX_BULK, 0,
                     "ERR Protocol error: too big inline request");
    mem_free(in);

    in = repeat('1', 70000, "*");
    expect_error_fed(in, 70001, 70001, true, DEFAULT_MAX_BULK, 0,
                     "ERR Protocol error: too big mbulk count string");
    expect_error_fed(in, 70001, 4096, true, DEFAULT_MAX_BULK, 0,
                     "ERR Protocol error: too big mbulk count string");
    mem_free(in);

    in = repeat('1', 70000, "*1\r\n$");
    expect_error_fed(in, 70005, 70005, true, DEFAULT_MAX_BULK, 0,
                     "ERR Protocol error: too big bulk count string");
    expect_error_fed(in, 70005, 4096, true, DEFAULT_MAX_BULK, 0,
                     "ERR Protocol error: too big bulk count string");
    mem_free(in);

    /* 64 KiB is the limit: a line of exactly that size still waits. */
    in = repeat('A', 65536, "");
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed(&f, in, 65536);
    assert_false(f.failed);
    feed(&f, "\r\n", 2);
    assert_false(f.failed);
    assert_int_equal(f.requests, 1);
    feeder_fini(&f);
    mem_free(in);
}

static void unauthenticated_clients_get_tighter_limits(void **state) {
    (void)state;
    expect_error("*11\r\n", false, DEFAULT_MAX_BULK,
                 "ERR Protocol error: unauthenticated multibulk length");
    expect_error("*1\r\n$16385\r\n", false, DEFAULT_MAX_BULK,
                 "ERR Protocol error: unauthenticated bulk length");
    /* At the limits themselves nothing fails. */
    feeder f;
    feeder_init(&f, false, DEFAULT_MAX_BULK);
    feed_str(&f, "*10\r\n$16384\r\n");
    assert_false(f.failed);
    feeder_fini(&f);
    /* The generic checks come first. */
    expect_error("*1\r\n$-2\r\n", false, DEFAULT_MAX_BULK,
                 "ERR Protocol error: invalid bulk length");
    /* Once authenticated the same sizes pass. */
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed_str(&f, "*11\r\n$16385\r\n");
    assert_false(f.failed);
    feeder_fini(&f);
}

static void unbalanced_quotes_are_rejected(void **state) {
    (void)state;
    const char *msg = "ERR Protocol error: unbalanced quotes in request";
    expect_error("SET \"a b\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("SET 'a b\r\n", true, DEFAULT_MAX_BULK, msg);
    /* A closing quote must be followed by a space or the end. */
    expect_error("SET \"a\"b c\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("SET 'a'b c\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("ECHO \"abc\\\"\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("ECHO a\"b\r\n", true, DEFAULT_MAX_BULK, msg);
    expect_error("ECHO a\"b c\"d\r\n", true, DEFAULT_MAX_BULK, msg);
}

static void earlier_requests_survive_a_later_error(void **state) {
    (void)state;
    const char in[] = "PING\r\n*1\r\n$4\r\nECHO\r\n*abc\r\n";
    expect_error_fed(in, sizeof(in) - 1, sizeof(in) - 1, true, DEFAULT_MAX_BULK, 2,
                     "ERR Protocol error: invalid multibulk length");
    expect_error_fed(in, sizeof(in) - 1, 1, true, DEFAULT_MAX_BULK, 2,
                     "ERR Protocol error: invalid multibulk length");
}

static void error_text_for_no_error(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    char text[64];
    resp_error_text(&p, text, sizeof(text));
    assert_string_equal(text, "ERR Protocol error: no error");
    /* A small destination truncates instead of overflowing. */
    p.error = RESP_ERR_MBULK_LEN;
    resp_error_text(&p, text, 8);
    assert_string_equal(text, "ERR Pro");
    resp_parser_fini(&p);
}

/* ---- inline requests ---- */

/* The expected log may hold NUL bytes: take its size, not its strlen. */
#define inline_request(line, log) inline_request_len(line, log, sizeof(log) - 1)

static void inline_request_len(const char *line, const char *expected_log, size_t log_len) {
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed_str(&f, line);
    assert_false(f.failed);
    assert_log(&f, expected_log, log_len);
    assert_true(f.p.inline_request || f.p.argc == 0);
    feeder_fini(&f);
}

static void inline_double_quotes_understand_escapes(void **state) {
    (void)state;
    /* Observed on Redis 7.0: ECHO "\x41\n" answers "A\n". */
    inline_request("ECHO \"\\x41\\n\"\r\n", "2[4:ECHO][2:A\n];");
    inline_request("ECHO \"\\r\\t\\b\\a\\\\\\\"\"\r\n", "2[4:ECHO][6:\r\t\b\a\\\"];");
    inline_request("ECHO \"\\x4a\\x4B\"\r\n", "2[4:ECHO][2:JK];");
    /* Not a hex escape: the backslash is dropped, the rest kept. */
    inline_request("ECHO \"\\xZZ\"\r\n", "2[4:ECHO][3:xZZ];");
    inline_request("ECHO \"\\q\"\r\n", "2[4:ECHO][1:q];");
    inline_request("ECHO \"\\x00\"\r\n", "2[4:ECHO][1:\0];");
    inline_request("SET k \"\"\r\n", "3[3:SET][1:k][0:];");
    inline_request("ECHO \"it's\"\r\n", "2[4:ECHO][4:it's];");
}

static void inline_single_quotes_only_unescape_quotes(void **state) {
    (void)state;
    inline_request("SET 'a b' 'it\\'s'\r\n", "3[3:SET][3:a b][4:it's];");
    inline_request("ECHO '\\n\\x41'\r\n", "2[4:ECHO][6:\\n\\x41];");
    inline_request("ECHO '\"'\r\n", "2[4:ECHO][1:\"];");
    inline_request("ECHO ''\r\n", "2[4:ECHO][0:];");
}

static void inline_unquoted_text_is_literal(void **state) {
    (void)state;
    inline_request("ECHO \\x20\r\n", "2[4:ECHO][4:\\x20];");
    /* A quote inside a word opens a quoted part of that word. */
    inline_request("ECHO a\"b\"\r\n", "2[4:ECHO][2:ab];");
    inline_request("ECHO a\"b c\" d\r\n", "3[4:ECHO][4:ab c][1:d];");
    inline_request("ECHO a'b c'\r\n", "2[4:ECHO][4:ab c];");
}

static void inline_whitespace_and_line_endings(void **state) {
    (void)state;
    inline_request("PING\n", "1[4:PING];");
    inline_request("PING\r\n", "1[4:PING];");
    inline_request("\r\n\r\nPING\r\n", "0;0;1[4:PING];");
    inline_request("\n", "0;");
    inline_request("   \t  \r\n", "0;");
    inline_request("  SET\ta  \t b \r\n", "3[3:SET][1:a][1:b];");
    /* Only one CR before the LF is a line ending. */
    inline_request("PING\r\r\n", "1[4:PING];");
    inline_request("ECHO a\rb\r\n", "3[4:ECHO][1:a][1:b];");
    /* A NUL ends the line's arguments (the line is still consumed). */
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed(&f, "ECHO a\0b\r\nPING\r\n", 16);
    assert_log(&f, "2[4:ECHO][1:a];1[4:PING];", 25);
    feeder_fini(&f);
}

static void inline_requests_with_many_arguments(void **state) {
    (void)state;
    buf line, expected;
    buf_init(&line);
    buf_init(&expected);
    buf_append_str(&line, "MSET");
    buf_printf(&expected, "%d[4:MSET]", 201);
    for (int i = 0; i < 200; i++) {
        buf_printf(&line, " k%d", i);
        buf_printf(&expected, "[%d:k%d]", i < 10 ? 2 : i < 100 ? 3 : 4, i);
    }
    buf_append_str(&line, "\r\n");
    buf_append_char(&expected, ';');
    inline_request_len(line.data, expected.data, expected.len);
    buf_fini(&line);
    buf_fini(&expected);
}

static void split_line_is_usable_on_its_own(void **state) {
    (void)state;
    char line[] = "bind 127.0.0.1 \"::1\" 'x y'";
    resp_arg *argv = NULL;
    int cap = 0;
    int argc = resp_split_line(line, strlen(line), &argv, &cap);
    assert_int_equal(argc, 4);
    assert_true(cap >= 4);
    assert_memory_equal(argv[0].ptr, "bind", 4);
    assert_int_equal(argv[2].len, 3);
    assert_memory_equal(argv[2].ptr, "::1", 3);
    assert_memory_equal(argv[3].ptr, "x y", 3);
    char bad[] = "a \"b";
    assert_int_equal(resp_split_line(bad, strlen(bad), &argv, &cap), -1);
    char empty[] = "";
    assert_int_equal(resp_split_line(empty, 0, &argv, &cap), 0);
    mem_free(argv);
}

/* ---- memory: nothing in proportion to announced sizes ---- */

static void announced_sizes_do_not_allocate(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    resp_parser p;
    resp_parser_init(&p, INT64_MAX);
    p.authenticated = true;
    char in[] = "*2147483647\r\n$3\r\nfoo\r\n$3\r\nbar\r\n$3\r\nbaz\r\n$4000000000\r\nxy";
    size_t consumed = 0;
    for (size_t len = 1; len <= sizeof(in) - 1; len++) {
        assert_int_equal(resp_parse(&p, in, len, &consumed), RESP_NEED_MORE);
        /* A few argument slots at most: not 2^31 of them, not 4 GB. */
        assert_true(mem_used_bytes() - base < 4096);
    }
    assert_int_equal(resp_parser_bulk_remaining(&p, sizeof(in) - 1), 4000000000ULL + 2 - 2);
    resp_parser_fini(&p);
    assert_int_equal(mem_used_bytes(), base);
}

static void argument_table_grows_with_arguments_that_arrive(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    buf in;
    buf_init(&in);
    buf_append_str(&in, "*1000000\r\n");
    for (int i = 0; i < 1000; i++) buf_append_str(&in, "$1\r\nx\r\n");
    size_t buf_bytes = mem_used_bytes() - base;
    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    p.authenticated = true;
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, in.data, in.len, &consumed), RESP_NEED_MORE);
    /* 1000 arguments arrived: room for them (doubling), far from 10^6. */
    size_t used = mem_used_bytes() - base - buf_bytes;
    assert_true(used >= 1000 * sizeof(resp_arg));
    assert_true(used < 2048 * (sizeof(resp_arg) + 2 * sizeof(size_t)) + 1024);
    resp_parser_fini(&p);
    buf_fini(&in);
    assert_int_equal(mem_used_bytes(), base);
}

static void huge_bulk_arriving_byte_by_byte(void **state) {
    (void)state;
    enum { PAYLOAD = 100000 };
    const char head[] = "*2\r\n$3\r\nSET\r\n$100000\r\n";
    size_t head_len = sizeof(head) - 1;
    size_t total = head_len + PAYLOAD + 2;
    char *in = mem_alloc(total);
    memcpy(in, head, head_len);
    for (size_t i = 0; i < PAYLOAD; i++) in[head_len + i] = (char)('a' + i % 26);
    memcpy(in + head_len + PAYLOAD, "\r\n", 2);

    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    p.authenticated = true;
    size_t consumed = 0;
    assert_int_equal(resp_parser_bulk_remaining(&p, 0), 0);
    for (size_t have = 1; have < total; have++) {
        assert_int_equal(resp_parse(&p, in, have, &consumed), RESP_NEED_MORE);
        /* Inside a payload the parser knows exactly what is missing; while
         * a count line is incomplete it knows nothing. */
        size_t expected = 0;
        if (have >= head_len)
            expected = total - have;
        else if (have >= 8 && have < 13)
            expected = 13 - have; /* "SET" and its CRLF */
        assert_int_equal(resp_parser_bulk_remaining(&p, have), expected);
    }
    assert_int_equal(resp_parse(&p, in, total, &consumed), RESP_REQUEST);
    assert_int_equal(consumed, total);
    assert_int_equal(p.argc, 2);
    assert_int_equal(p.argv[1].len, PAYLOAD);
    assert_ptr_equal(p.argv[1].ptr, in + head_len);
    assert_int_equal(resp_parser_bulk_remaining(&p, total), 0);
    resp_parser_fini(&p);
    mem_free(in);
}

/* ---- reuse ---- */

static void parser_is_reusable_after_an_error(void **state) {
    (void)state;
    /* An inline line with many arguments and an unbalanced quote grows the
     * argument table before it fails; the next multibulk request with as
     * many arguments must still find room for them. */
    resp_parser p;
    resp_parser_init(&p, DEFAULT_MAX_BULK);
    p.authenticated = true;
    char bad[] = "a b c d e f g h i j k l m n o p q \"r\r\n";
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, bad, sizeof(bad) - 1, &consumed), RESP_ERROR);
    assert_int_equal(p.error, RESP_ERR_UNBALANCED_QUOTES);

    buf in;
    buf_init(&in);
    buf_append_str(&in, "*20\r\n");
    for (int i = 0; i < 20; i++) buf_printf(&in, "$2\r\n%02d\r\n", i);
    assert_int_equal(resp_parse(&p, in.data, in.len, &consumed), RESP_REQUEST);
    assert_int_equal(p.error, RESP_ERR_NONE);
    assert_int_equal(p.argc, 20);
    assert_memory_equal(p.argv[19].ptr, "19", 2);
    buf_fini(&in);
    resp_parser_fini(&p);
}

static void inline_then_multibulk_with_more_arguments(void **state) {
    (void)state;
    feeder f;
    feeder_init(&f, true, DEFAULT_MAX_BULK);
    feed_str(&f, "a b c d e f g h i\r\n");
    buf in;
    buf_init(&in);
    buf_append_str(&in, "*40\r\n");
    for (int i = 0; i < 40; i++) buf_append_str(&in, "$1\r\nz\r\n");
    feed(&f, in.data, in.len);
    assert_false(f.failed);
    assert_int_equal(f.requests, 2);
    /* The second request holds all 40 arguments. */
    assert_true(f.log.len > 40 * 5);
    assert_memory_equal(f.log.data + f.log.len - 11, "[1:z][1:z];", 11);
    buf_fini(&in);
    feeder_fini(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_stream_yields_every_request_in_order),
        cmocka_unit_test(stream_split_in_two_at_every_offset),
        cmocka_unit_test(stream_split_in_three_at_every_pair_of_offsets),
        cmocka_unit_test(stream_fed_one_byte_at_a_time),
        cmocka_unit_test(multibulk_arguments_point_into_the_input),
        cmocka_unit_test(empty_input_needs_more),
        cmocka_unit_test(zero_and_negative_multibulk_counts_are_skipped),
        cmocka_unit_test(bytes_after_a_bulk_payload_are_not_checked),
        cmocka_unit_test(binary_payloads_are_taken_verbatim),
        cmocka_unit_test(invalid_multibulk_lengths_are_rejected),
        cmocka_unit_test(missing_dollar_names_the_byte_found),
        cmocka_unit_test(invalid_bulk_lengths_are_rejected),
        cmocka_unit_test(bulk_of_exactly_the_maximum_is_accepted),
        cmocka_unit_test(overlong_lines_without_newline_are_rejected),
        cmocka_unit_test(unauthenticated_clients_get_tighter_limits),
        cmocka_unit_test(unbalanced_quotes_are_rejected),
        cmocka_unit_test(earlier_requests_survive_a_later_error),
        cmocka_unit_test(error_text_for_no_error),
        cmocka_unit_test(inline_double_quotes_understand_escapes),
        cmocka_unit_test(inline_single_quotes_only_unescape_quotes),
        cmocka_unit_test(inline_unquoted_text_is_literal),
        cmocka_unit_test(inline_whitespace_and_line_endings),
        cmocka_unit_test(inline_requests_with_many_arguments),
        cmocka_unit_test(split_line_is_usable_on_its_own),
        cmocka_unit_test(announced_sizes_do_not_allocate),
        cmocka_unit_test(argument_table_grows_with_arguments_that_arrive),
        cmocka_unit_test(huge_bulk_arriving_byte_by_byte),
        cmocka_unit_test(parser_is_reusable_after_an_error),
        cmocka_unit_test(inline_then_multibulk_with_more_arguments),
    };
    return cmocka_run_group_tests_name("resp_parser", tests, NULL, NULL);
}
