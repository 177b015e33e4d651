/* Unit tests for reply: RESP2/RESP3 encoding and the chunked output queue.
 *
 * Every encoder is checked byte for byte in both protocol versions, since
 * clients parse these bytes and some (go-redis) reject the smallest
 * deviation. The output side is driven the way a connection drives it:
 * reply_iov() and reply_consume() with a write that stops at every possible
 * offset, new replies appended between partial writes, and the invariant
 * that what leaves the queue is exactly what was encoded, in order, with
 * all memory returned at the end (mem_used_bytes back to its baseline). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/mem.h"
#include "protocol/reply.h"

static void check_bytes(const reply *r, const char *expected, size_t len, int line) {
    size_t got_len = 0;
    char *got = reply_flatten(r, &got_len);
    if (got_len != len || memcmp(got, expected, len) != 0) {
        print_error("line %d: expected %zu bytes \"%.*s\", got %zu bytes \"%.*s\"\n", line, len,
                    (int)len, expected, got_len, (int)got_len, got);
        mem_free(got);
        fail();
    }
    assert_int_equal(r->pending, len);
    mem_free(got);
}

/* Compares the queue with a literal (which may contain NUL bytes). */
#define assert_reply(r, lit) check_bytes((r), (lit), sizeof(lit) - 1, __LINE__)

/* Starts over with an empty queue speaking the given protocol. */
static void reset(reply *r, int proto) {
    reply_fini(r);
    reply_init(r);
    r->proto = proto;
}

/* ---- encoders ---- */

static void simple_strings_and_integers(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    assert_int_equal(r.proto, 2);
    for (int proto = 2; proto <= 3; proto++) {
        reset(&r, proto);
        reply_ok(&r);
        assert_reply(&r, "+OK\r\n");
        reset(&r, proto);
        reply_simple_cstr(&r, "PONG");
        reply_simple(&r, "QUEUEDxx", 6);
        assert_reply(&r, "+PONG\r\n+QUEUED\r\n");
        reset(&r, proto);
        reply_int(&r, 0);
        reply_int(&r, 1);
        reply_int(&r, -1);
        reply_int(&r, 1000);
        reply_int(&r, INT64_MAX);
        reply_int(&r, INT64_MIN);
        assert_reply(&r, ":0\r\n:1\r\n:-1\r\n:1000\r\n:9223372036854775807\r\n"
                         ":-9223372036854775808\r\n");
    }
    reply_fini(&r);
}

static void bulk_strings(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_bulk(&r, "hello", 5);
    reply_bulk(&r, "", 0);
    reply_bulk(&r, "a\r\n\0b", 5);
    reply_bulk_cstr(&r, "xyz");
    reply_bulk_i64(&r, -42);
    assert_reply(&r, "$5\r\nhello\r\n$0\r\n\r\n$5\r\na\r\n\0b\r\n$3\r\nxyz\r\n$3\r\n-42\r\n");
    reply_fini(&r);
}

static void nulls_in_both_protocols(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_null(&r);
    reply_null_array(&r);
    reply_bulk_cstr(&r, NULL);
    assert_reply(&r, "$-1\r\n*-1\r\n$-1\r\n");
    reset(&r, 3);
    reply_null(&r);
    reply_null_array(&r);
    reply_bulk_cstr(&r, NULL);
    assert_reply(&r, "_\r\n_\r\n_\r\n");
    reply_fini(&r);
}

static void aggregates_in_both_protocols(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_array(&r, 3);
    reply_map(&r, 2);
    reply_set(&r, 5);
    reply_push(&r, 3);
    reply_empty_array(&r);
    reply_array(&r, 0);
    assert_reply(&r, "*3\r\n*4\r\n*5\r\n*3\r\n*0\r\n*0\r\n");
    reset(&r, 3);
    reply_array(&r, 3);
    reply_map(&r, 2);
    reply_set(&r, 5);
    reply_push(&r, 3);
    reply_empty_array(&r);
    reply_map(&r, 0);
    assert_reply(&r, "*3\r\n%2\r\n~5\r\n>3\r\n*0\r\n%0\r\n");
    reply_fini(&r);
}

static void doubles(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_double(&r, 1.5);
    reply_double(&r, 0.1);
    reply_double(&r, 3.0);
    reply_double(&r, INFINITY);
    reply_double(&r, -INFINITY);
    reply_double(&r, 1e20);
    assert_reply(&r, "$3\r\n1.5\r\n$19\r\n0.10000000000000001\r\n$1\r\n3\r\n$3\r\ninf\r\n"
                     "$4\r\n-inf\r\n$5\r\n1e+20\r\n");
    reset(&r, 3);
    reply_double(&r, 1.5);
    reply_double(&r, 0.1);
    reply_double(&r, INFINITY);
    reply_double(&r, -INFINITY);
    reply_double(&r, NAN);
    reply_double(&r, -0.0);
    assert_reply(&r, ",1.5\r\n,0.10000000000000001\r\n,inf\r\n,-inf\r\n,nan\r\n,-0\r\n");
    reply_fini(&r);
}

static void long_doubles_in_human_form(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_long_double(&r, 10.5L);
    reply_long_double(&r, 10.5L + 0.1L);
    reply_long_double(&r, 5200.0L);
    reply_long_double(&r, -0.0L);
    reply_long_double(&r, INFINITY);
    reply_long_double(&r, -INFINITY);
    assert_reply(&r, "$4\r\n10.5\r\n$4\r\n10.6\r\n$4\r\n5200\r\n$1\r\n0\r\n$3\r\ninf\r\n"
                     "$4\r\n-inf\r\n");
    reset(&r, 3);
    reply_long_double(&r, 10.5L);
    reply_long_double(&r, 1.0L / 3.0L);
    reply_long_double(&r, -INFINITY);
    assert_reply(&r, ",10.5\r\n,0.33333333333333333\r\n,-inf\r\n");
    reply_fini(&r);
}

static void booleans(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_bool(&r, true);
    reply_bool(&r, false);
    assert_reply(&r, ":1\r\n:0\r\n");
    reset(&r, 3);
    reply_bool(&r, true);
    reply_bool(&r, false);
    assert_reply(&r, "#t\r\n#f\r\n");
    reply_fini(&r);
}

static void verbatim_strings(void **state) {
    (void)state;
    const char info[] = "# Cluster\r\ncluster_enabled:1\r\n";
    reply r;
    reply_init(&r);
    reply_verbatim(&r, info, sizeof(info) - 1, "txt");
    assert_reply(&r, "$30\r\n# Cluster\r\ncluster_enabled:1\r\n\r\n");
    reset(&r, 3);
    /* Observed from Redis 7.0 for CLUSTER INFO-like output. */
    reply_verbatim(&r, info, sizeof(info) - 1, "txt");
    assert_reply(&r, "=34\r\ntxt:# Cluster\r\ncluster_enabled:1\r\n\r\n");
    reset(&r, 3);
    reply_verbatim(&r, "", 0, "mkd");
    assert_reply(&r, "=4\r\nmkd:\r\n");
    reply_fini(&r);
}

static void bignums(void **state) {
    (void)state;
    const char digits[] = "3492890328409238509324850943850943825024385";
    reply r;
    reply_init(&r);
    reply_bignum(&r, digits, sizeof(digits) - 1);
    assert_reply(&r, "$43\r\n3492890328409238509324850943850943825024385\r\n");
    reset(&r, 3);
    reply_bignum(&r, digits, sizeof(digits) - 1);
    assert_reply(&r, "(3492890328409238509324850943850943825024385\r\n");
    reply_fini(&r);
}

static void raw_bytes_pass_through(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_raw(&r, "*1\r\n", 4);
    reply_raw(&r, "", 0);
    reply_raw(&r, "$1\r\nx\r\n", 7);
    assert_reply(&r, "*1\r\n$1\r\nx\r\n");
    reply_fini(&r);
}

/* ---- errors ---- */

typedef struct error_log {
    int calls;
    char last[256];
    size_t last_len;
} error_log;

static void record_error(void *ctx, const char *msg, size_t len) {
    error_log *log = ctx;
    log->calls++;
    assert_true(len < sizeof(log->last));
    memcpy(log->last, msg, len);
    log->last_len = len;
}

static void errors_are_one_line(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_error(&r, "ERR syntax error");
    reply_error(&r, "ERR bad\r\nthing\n");
    reply_error(&r, "\r");
    reply_error_len(&r, "WRONGTYPE xyz", 9);
    reply_errorf(&r, "ERR unknown command '%s', with args beginning with: ", "foo");
    assert_reply(&r, "-ERR syntax error\r\n"
                     "-ERR bad  thing \r\n"
                     "- \r\n"
                     "-WRONGTYPE\r\n"
                     "-ERR unknown command 'foo', with args beginning with: \r\n");
    assert_int_equal(r.error_count, 5);
    /* Identical in RESP3: blob errors are not used for replies. */
    reset(&r, 3);
    reply_error(&r, "ERR x\ny");
    assert_reply(&r, "-ERR x y\r\n");
    reply_fini(&r);
}

static void errorf_truncates_long_messages(void **state) {
    (void)state;
    char longarg[3000];
    memset(longarg, 'q', sizeof(longarg) - 1);
    longarg[sizeof(longarg) - 1] = '\0';
    reply r;
    reply_init(&r);
    reply_errorf(&r, "ERR %s", longarg);
    size_t len = 0;
    char *out = reply_flatten(&r, &len);
    assert_true(len > 1000 && len < 1100);
    assert_memory_equal(out, "-ERR qqq", 8);
    assert_memory_equal(out + len - 3, "q\r\n", 3);
    mem_free(out);
    reply_fini(&r);
}

static void error_hook_sees_every_error(void **state) {
    (void)state;
    error_log log = {0};
    reply r;
    reply_init(&r);
    r.on_error = record_error;
    r.on_error_ctx = &log;
    reply_ok(&r);
    reply_error(&r, "ERR first");
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.last_len, 9);
    assert_memory_equal(log.last, "ERR first", 9);
    reply_errorf(&r, "ERR n=%d", 5);
    assert_int_equal(log.calls, 2);
    assert_memory_equal(log.last, "ERR n=5", 7);
    /* The hook gets the text as given; only the wire copy is sanitised. */
    reply_error(&r, "ERR a\r\nb");
    assert_int_equal(log.calls, 3);
    assert_memory_equal(log.last, "ERR a\r\nb", 8);
    assert_int_equal(r.error_count, 3);
    reply_fini(&r);
}

/* ---- deferred lengths ---- */

static void deferred_array_length_lands_before_its_elements(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_ok(&r);
    reply_deferred d = reply_defer(&r);
    reply_bulk(&r, "a", 1);
    reply_bulk(&r, "b", 1);
    reply_set_array_len(&r, d, 2);
    reply_int(&r, 9);
    assert_reply(&r, "+OK\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n:9\r\n");
    reply_fini(&r);
}

static void deferred_map_and_set_lengths(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_deferred m = reply_defer(&r);
    reply_deferred s = reply_defer(&r); /* nested, back to back */
    reply_int(&r, 1);
    reply_set_set_len(&r, s, 1);
    reply_int(&r, 2);
    reply_set_map_len(&r, m, 1);
    assert_reply(&r, "*2\r\n*1\r\n:1\r\n:2\r\n");
    reset(&r, 3);
    m = reply_defer(&r);
    s = reply_defer(&r);
    reply_int(&r, 1);
    reply_set_set_len(&r, s, 1);
    reply_int(&r, 2);
    reply_set_map_len(&r, m, 1);
    assert_reply(&r, "%1\r\n~1\r\n:1\r\n:2\r\n");
    reset(&r, 2);
    /* The widest count still fits the placeholder. */
    reply_deferred big = reply_defer(&r);
    reply_set_array_len(&r, big, INT64_MIN);
    assert_reply(&r, "*-9223372036854775808\r\n");
    reply_fini(&r);
}

static void deferred_with_no_elements(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_deferred d = reply_defer(&r);
    reply_set_array_len(&r, d, 0);
    assert_reply(&r, "*0\r\n");
    reply_fini(&r);
}

/* ---- the output queue ---- */

/* Writes up to limit bytes the way writev would, returns how many. */
static size_t drain(reply *r, size_t limit, buf *out, int max_iov) {
    struct iovec iov[16];
    if (max_iov > 16) max_iov = 16;
    int n = reply_iov(r, iov, max_iov);
    size_t written = 0;
    for (int i = 0; i < n && written < limit; i++) {
        assert_true(iov[i].iov_len > 0);
        size_t take = iov[i].iov_len;
        if (take > limit - written) take = limit - written;
        buf_append(out, iov[i].iov_base, take);
        written += take;
    }
    reply_consume(r, written);
    return written;
}

static void drain_all(reply *r, buf *out, int max_iov) {
    while (r->pending > 0) {
        size_t before = r->pending;
        drain(r, SIZE_MAX, out, max_iov);
        assert_true(r->pending < before);
    }
}

static char big_payload[40000];

static int fill_big_payload(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(big_payload); i++) big_payload[i] = (char)('A' + i % 23);
    return 0;
}

/* A reply sequence with every kind of chunk: shared, deferred, and an
 * exact-size chunk for a large payload. */
static void build_sample(reply *r) {
    reply_array(r, 3);
    reply_bulk(r, "hello", 5);
    reply_deferred d = reply_defer(r);
    reply_int(r, 7);
    reply_int(r, 8);
    reply_set_array_len(r, d, 2);
    reply_bulk(r, big_payload, 20000);
    reply_error(r, "ERR x");
    reply_map(r, 1);
    reply_simple_cstr(r, "k");
    reply_double(r, 2.5);
}

static void partial_writes_at_every_offset(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    reply ref;
    reply_init(&ref);
    build_sample(&ref);
    size_t total = 0;
    char *expected = reply_flatten(&ref, &total);
    reply_fini(&ref);
    const char tail[] = "+OK\r\n:5\r\n";

    buf out;
    buf_init(&out);
    for (size_t k = 0; k <= total; k++) {
        reply r;
        reply_init(&r);
        build_sample(&r);
        buf_clear(&out);
        assert_int_equal(drain(&r, k, &out, 16), k);
        assert_int_equal(r.pending, total - k);
        /* The connection keeps producing while the socket is full. */
        reply_ok(&r);
        reply_int(&r, 5);
        drain_all(&r, &out, k % 3 == 0 ? 1 : 16);
        assert_int_equal(out.len, total + sizeof(tail) - 1);
        assert_memory_equal(out.data, expected, total);
        assert_memory_equal(out.data + total, tail, sizeof(tail) - 1);
        assert_int_equal(r.pending, 0);
        reply_fini(&r);
    }
    buf_fini(&out);
    mem_free(expected);
    assert_int_equal(mem_used_bytes(), base);
}

static void writes_of_every_small_size(void **state) {
    (void)state;
    reply ref;
    reply_init(&ref);
    build_sample(&ref);
    size_t total = 0;
    char *expected = reply_flatten(&ref, &total);
    reply_fini(&ref);
    buf out;
    buf_init(&out);
    for (size_t step = 1; step <= 64; step++) {
        reply r;
        reply_init(&r);
        build_sample(&r);
        buf_clear(&out);
        while (r.pending > 0) drain(&r, step, &out, (int)(step % 4) + 1);
        assert_int_equal(out.len, total);
        assert_memory_equal(out.data, expected, total);
        reply_fini(&r);
    }
    buf_fini(&out);
    mem_free(expected);
}

static void large_payload_gets_its_own_chunk(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_ok(&r);
    reply_bulk(&r, big_payload, 20000);
    reply_ok(&r);
    struct iovec iov[8];
    int n = reply_iov(&r, iov, 8);
    assert_true(n >= 2);
    assert_int_equal(iov[0].iov_len, 13);
    assert_memory_equal(iov[0].iov_base, "+OK\r\n$20000\r\n", 13);
    /* The payload starts its chunk: it was copied once, in one piece. */
    assert_ptr_not_equal(iov[1].iov_base, (char *)iov[0].iov_base + 13);
    assert_true(iov[1].iov_len >= 20000);
    assert_memory_equal(iov[1].iov_base, big_payload, 20000);
    reset(&r, 2);
    /* Exactly 16 KiB is "large" too. */
    reply_bulk(&r, big_payload, 16384);
    n = reply_iov(&r, iov, 8);
    assert_true(n >= 2);
    assert_int_equal(iov[0].iov_len, 8);
    assert_memory_equal(iov[0].iov_base, "$16384\r\n", 8);
    assert_true(iov[1].iov_len >= 16384);
    assert_memory_equal(iov[1].iov_base, big_payload, 16384);
    reply_fini(&r);
}

static void small_replies_share_a_chunk(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    for (int i = 0; i < 100; i++) reply_int(&r, i);
    struct iovec iov[4];
    assert_int_equal(reply_iov(&r, iov, 4), 1);
    reply_fini(&r);
}

static void written_queue_keeps_one_chunk_for_reuse(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    reply r;
    reply_init(&r);
    buf out;
    buf_init(&out);
    buf_reserve(&out, 1 << 16); /* so the sink does not reallocate below */
    reply_ok(&r);
    drain_all(&r, &out, 4);
    size_t kept = reply_memory(&r);
    assert_true(kept > 0);
    size_t steady = mem_used_bytes() - base;
    /* A request/response loop does not allocate per reply. */
    for (int i = 0; i < 1000; i++) {
        reply_int(&r, i);
        drain_all(&r, &out, 4);
        assert_int_equal(mem_used_bytes() - base, steady);
        assert_int_equal(reply_memory(&r), kept);
    }
    /* A large payload's chunk is not the one kept. */
    reply_bulk(&r, big_payload, sizeof(big_payload));
    drain_all(&r, &out, 4);
    assert_true(reply_memory(&r) <= kept);
    reply_int(&r, 1);
    assert_reply(&r, ":1\r\n");
    reply_fini(&r);
    assert_int_equal(reply_memory(&r), 0);
    buf_fini(&out);
    assert_int_equal(mem_used_bytes(), base);
}

static void deferred_chunks_are_released_once_written(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    reply r;
    reply_init(&r);
    buf out;
    buf_init(&out);
    for (int round = 0; round < 50; round++) {
        reply_deferred d = reply_defer(&r);
        reply_int(&r, round);
        reply_set_array_len(&r, d, 1);
        drain_all(&r, &out, 16);
    }
    assert_int_equal(r.pending, 0);
    /* At most the one kept shared chunk remains. */
    assert_true(reply_memory(&r) <= 64 * 1024);
    assert_int_equal(out.len, 50 * 4 + 10 * 4 + 40 * 5);
    reply_fini(&r);
    buf_fini(&out);
    assert_int_equal(mem_used_bytes(), base);
}

/* ---- mark / rollback ---- */

static void rollback_to_an_empty_queue(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    reply r;
    reply_init(&r);
    reply_mark m;
    reply_mark_get(&r, &m);
    reply_ok(&r);
    reply_bulk(&r, big_payload, 30000);
    reply_defer(&r);
    reply_rollback(&r, &m);
    assert_int_equal(r.pending, 0);
    assert_null(r.head);
    assert_int_equal(mem_used_bytes(), base);
    reply_int(&r, 3);
    assert_reply(&r, ":3\r\n");
    reply_fini(&r);
}

static void rollback_keeps_what_came_before_the_mark(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    reply_ok(&r);
    reply_int(&r, 1);
    size_t mem_before = reply_memory(&r);
    reply_mark m;
    reply_mark_get(&r, &m);
    for (int i = 0; i < 3000; i++) reply_bulk(&r, "some text", 9);
    reply_bulk(&r, big_payload, 25000);
    reply_deferred d = reply_defer(&r);
    reply_set_array_len(&r, d, 0);
    reply_rollback(&r, &m);
    assert_reply(&r, "+OK\r\n:1\r\n");
    assert_int_equal(reply_memory(&r), mem_before);
    /* Appending continues right after the kept bytes. */
    reply_int(&r, 2);
    assert_reply(&r, "+OK\r\n:1\r\n:2\r\n");
    /* Rolling back to where we are changes nothing. */
    reply_mark_get(&r, &m);
    reply_rollback(&r, &m);
    assert_reply(&r, "+OK\r\n:1\r\n:2\r\n");
    reply_fini(&r);
}

static void rollback_after_a_partial_write(void **state) {
    (void)state;
    reply r;
    reply_init(&r);
    buf out;
    buf_init(&out);
    reply_bulk(&r, "abcdef", 6);
    drain(&r, 5, &out, 4);
    reply_mark m;
    reply_mark_get(&r, &m);
    reply_int(&r, 77);
    reply_rollback(&r, &m);
    assert_int_equal(r.pending, 7);
    reply_int(&r, 1);
    drain_all(&r, &out, 4);
    assert_int_equal(out.len, 16);
    assert_memory_equal(out.data, "$6\r\nabcdef\r\n:1\r\n", 16);
    buf_fini(&out);
    reply_fini(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_strings_and_integers),
        cmocka_unit_test(bulk_strings),
        cmocka_unit_test(nulls_in_both_protocols),
        cmocka_unit_test(aggregates_in_both_protocols),
        cmocka_unit_test(doubles),
        cmocka_unit_test(long_doubles_in_human_form),
        cmocka_unit_test(booleans),
        cmocka_unit_test(verbatim_strings),
        cmocka_unit_test(bignums),
        cmocka_unit_test(raw_bytes_pass_through),
        cmocka_unit_test(errors_are_one_line),
        cmocka_unit_test(errorf_truncates_long_messages),
        cmocka_unit_test(error_hook_sees_every_error),
        cmocka_unit_test(deferred_array_length_lands_before_its_elements),
        cmocka_unit_test(deferred_map_and_set_lengths),
        cmocka_unit_test(deferred_with_no_elements),
        cmocka_unit_test(partial_writes_at_every_offset),
        cmocka_unit_test(writes_of_every_small_size),
        cmocka_unit_test(large_payload_gets_its_own_chunk),
        cmocka_unit_test(small_replies_share_a_chunk),
        cmocka_unit_test(written_queue_keeps_one_chunk_for_reuse),
        cmocka_unit_test(deferred_chunks_are_released_once_written),
        cmocka_unit_test(rollback_to_an_empty_queue),
        cmocka_unit_test(rollback_keeps_what_came_before_the_mark),
        cmocka_unit_test(rollback_after_a_partial_write),
    };
    return cmocka_run_group_tests_name("reply", tests, fill_big_payload, NULL);
}
