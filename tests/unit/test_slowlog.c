/* Unit tests for slowlog: what gets logged, how arguments are trimmed and
 * the exact bytes of SLOWLOG GET.
 *
 * The wall clock is fake (clock_set_fake_us) so entry timestamps, and with
 * them whole replies, are known in advance. The trimming rules are Redis's:
 * at most 32 arguments, the 32nd replaced by "... (N more arguments)" when
 * there are more; arguments over 128 bytes cut to 128 followed by
 * "... (N more bytes)". Every test ends by freeing the log and checking
 * that mem_used_bytes is back where it started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/mem.h"
#include "protocol/reply.h"
#include "server/slowlog.h"

#define NOW_S 1700000000LL

typedef struct fixture {
    size_t baseline;
    slowlog *sl;
    reply out;
    int proto;
} fixture;

static int setup(void **state) {
    fixture *f = mem_calloc(1, sizeof(*f));
    f->baseline = mem_used_bytes();
    f->sl = slowlog_new();
    reply_init(&f->out);
    clock_set_fake_us(NOW_S * 1000000);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    clock_set_fake_us(0);
    reply_fini(&f->out);
    slowlog_free(f->sl);
    size_t now = mem_used_bytes();
    size_t baseline = f->baseline;
    mem_free(f);
    assert_int_equal(now, baseline);
    return 0;
}

/* Records a request given as C strings (NULL-terminated list). */
static void record(fixture *f, int64_t duration_us, int64_t threshold_us, int64_t max_len,
                   const char *peer, const char *name, ...) {
    resp_arg argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, name);
    for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *)) {
        argv[argc].ptr = a;
        argv[argc].len = strlen(a);
        argc++;
    }
    va_end(ap);
    slowlog_record(f->sl, argc, argv, duration_us, threshold_us, max_len, peer, name);
}

#define LOG(f, dur, ...) record((f), (dur), 0, 128, "127.0.0.1:5000", NULL, __VA_ARGS__, NULL)

/* SLOWLOG GET count into a fresh reply; returns it flattened (static). */
static const char *get(fixture *f, int64_t count, size_t *len) {
    static char copy[65536];
    reply_fini(&f->out);
    reply_init(&f->out);
    if (f->proto) f->out.proto = f->proto;
    slowlog_reply(f->sl, &f->out, count);
    size_t n;
    char *flat = reply_flatten(&f->out, &n);
    assert_true(n < sizeof(copy));
    memcpy(copy, flat, n);
    copy[n] = '\0';
    mem_free(flat);
    if (len) *len = n;
    return copy;
}

static void assert_get(fixture *f, int64_t count, const char *want) {
    size_t len;
    const char *got = get(f, count, &len);
    if (len != strlen(want) || memcmp(got, want, len) != 0) {
        print_error("SLOWLOG GET %lld:\n  want \"%s\"\n  got  \"%.*s\"\n", (long long)count, want,
                    (int)len, got);
        fail();
    }
}

/* ---- what gets logged ---- */

static void threshold_decides_what_is_logged(void **state) {
    fixture *f = *state;
    /* A negative threshold turns the log off, however slow the command. */
    record(f, 1000000000, -1, 128, "p", NULL, "debug", "sleep", "1", NULL);
    assert_int_equal(slowlog_len(f->sl), 0);
    /* Faster than the threshold: not logged; as slow as it: logged. */
    record(f, 9999, 10000, 128, "p", NULL, "get", "k", NULL);
    assert_int_equal(slowlog_len(f->sl), 0);
    record(f, 10000, 10000, 128, "p", NULL, "get", "k", NULL);
    assert_int_equal(slowlog_len(f->sl), 1);
    record(f, 10001, 10000, 128, "p", NULL, "get", "k", NULL);
    assert_int_equal(slowlog_len(f->sl), 2);
    /* Threshold 0 logs every command, even one that took no time. */
    record(f, 0, 0, 128, "p", NULL, "ping", NULL);
    assert_int_equal(slowlog_len(f->sl), 3);
}

static void entries_are_newest_first_with_increasing_ids(void **state) {
    fixture *f = *state;
    LOG(f, 11, "set", "a", "1");
    clock_set_fake_us((NOW_S + 5) * 1000000 + 999999); /* seconds are truncated */
    record(f, 22, 0, 128, "10.0.0.2:6000", "worker", "get", "a", NULL);
    assert_get(f, -1,
               "*2\r\n"
               "*6\r\n:1\r\n:1700000005\r\n:22\r\n*2\r\n$3\r\nget\r\n$1\r\na\r\n"
               "$13\r\n10.0.0.2:6000\r\n$6\r\nworker\r\n"
               "*6\r\n:0\r\n:1700000000\r\n:11\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"
               "$14\r\n127.0.0.1:5000\r\n$0\r\n\r\n");
    /* RESP3 uses the same shapes, so the same bytes. */
    size_t len2, len3;
    char resp2[512];
    const char *r = get(f, -1, &len2);
    assert_true(len2 < sizeof(resp2));
    memcpy(resp2, r, len2);
    f->proto = 3;
    r = get(f, -1, &len3);
    assert_int_equal(len3, len2);
    assert_memory_equal(r, resp2, len2);
}

static void get_count_limits_the_reply(void **state) {
    fixture *f = *state;
    LOG(f, 1, "a");
    LOG(f, 2, "b");
    LOG(f, 3, "c");
    assert_get(f, 0, "*0\r\n");
    assert_get(f, 1,
               "*1\r\n*6\r\n:2\r\n:1700000000\r\n:3\r\n*1\r\n$1\r\nc\r\n"
               "$14\r\n127.0.0.1:5000\r\n$0\r\n\r\n");
    size_t len2, len_all, len_more;
    const char *two = get(f, 2, &len2);
    assert_memory_equal(two, "*2\r\n*6\r\n:2\r\n", 12);
    assert_non_null(strstr(two, "*6\r\n:1\r\n"));
    assert_null(strstr(two, "*6\r\n:0\r\n"));
    get(f, -1, &len_all);
    const char *more = get(f, 100, &len_more);
    assert_memory_equal(more, "*3\r\n", 4);
    assert_int_equal(len_more, len_all);
    assert_true(len2 < len_all);
    /* Reading does not consume. */
    assert_int_equal(slowlog_len(f->sl), 3);
    slowlog_reset(f->sl);
    assert_get(f, -1, "*0\r\n");
    assert_get(f, 10, "*0\r\n");
}

static void reset_empties_the_log_but_ids_keep_counting(void **state) {
    fixture *f = *state;
    for (int i = 0; i < 5; i++) LOG(f, 100, "incr", "counter");
    assert_int_equal(slowlog_len(f->sl), 5);
    slowlog_reset(f->sl);
    assert_int_equal(slowlog_len(f->sl), 0);
    LOG(f, 7, "ping");
    assert_get(f, -1,
               "*1\r\n*6\r\n:5\r\n:1700000000\r\n:7\r\n*1\r\n$4\r\nping\r\n"
               "$14\r\n127.0.0.1:5000\r\n$0\r\n\r\n");
}

static void log_keeps_only_the_newest_max_len_entries(void **state) {
    fixture *f = *state;
    char val[16];
    for (int i = 0; i < 10; i++) {
        snprintf(val, sizeof(val), "%d", i);
        record(f, 50, 0, 3, "p", NULL, "set", "k", val, NULL);
        assert_int_equal(slowlog_len(f->sl), i < 3 ? (size_t)i + 1 : 3);
    }
    const char *all = get(f, -1, NULL);
    assert_memory_equal(all, "*3\r\n*6\r\n:9\r\n", 12);
    assert_non_null(strstr(all, "$1\r\n9\r\n"));
    assert_non_null(strstr(all, "$1\r\n8\r\n"));
    assert_non_null(strstr(all, "$1\r\n7\r\n"));
    assert_null(strstr(all, "$1\r\n6\r\n"));
    /* Lowering the limit drops the oldest. */
    slowlog_trim(f->sl, 1);
    assert_int_equal(slowlog_len(f->sl), 1);
    assert_memory_equal(get(f, -1, NULL), "*1\r\n*6\r\n:9\r\n", 12);
    /* A log of length 0 keeps nothing, but the id is used up. */
    record(f, 50, 0, 0, "p", NULL, "ping", NULL);
    assert_int_equal(slowlog_len(f->sl), 0);
    record(f, 50, 0, 5, "p", NULL, "ping", NULL);
    assert_memory_equal(get(f, -1, NULL), "*1\r\n*6\r\n:11\r\n", 13);
    slowlog_trim(f->sl, 0);
    assert_int_equal(slowlog_len(f->sl), 0);
}

/* ---- trimming arguments ---- */

static void at_most_32_arguments_are_kept(void **state) {
    fixture *f = *state;
    resp_arg argv[40];
    char names[40][16];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "a%d", i);
        argv[i].ptr = names[i];
        argv[i].len = strlen(names[i]);
    }
    /* Exactly 32: all kept, no marker. */
    slowlog_record(f->sl, 32, argv, 5, 0, 128, "p", "n");
    const char *r = get(f, 1, NULL);
    assert_non_null(strstr(r, "*32\r\n$2\r\na0\r\n"));
    assert_non_null(strstr(r, "$3\r\na31\r\n$1\r\np\r\n"));
    assert_null(strstr(r, "more"));
    /* 33: the 32nd slot says how many were left out, counting itself. */
    slowlog_record(f->sl, 33, argv, 5, 0, 128, "p", "n");
    r = get(f, 1, NULL);
    assert_non_null(strstr(r, "*32\r\n$2\r\na0\r\n"));
    assert_non_null(strstr(r, "$3\r\na30\r\n$22\r\n... (2 more arguments)\r\n$1\r\np\r\n"));
    assert_null(strstr(r, "a31"));
    /* 40 */
    slowlog_record(f->sl, 40, argv, 5, 0, 128, "p", "n");
    r = get(f, 1, NULL);
    assert_non_null(strstr(r, "$3\r\na30\r\n$22\r\n... (9 more arguments)\r\n$1\r\np\r\n"));
}

static void long_arguments_are_cut_to_128_bytes(void **state) {
    fixture *f = *state;
    char big[1000];
    memset(big, 'x', sizeof(big));
    for (int i = 0; i < (int)sizeof(big); i++) big[i] = (char)('a' + i % 26);
    resp_arg argv[4] = {{"set", 3}, {big, 128}, {big, 129}, {big, 1000}};
    slowlog_record(f->sl, 4, argv, 5, 0, 128, "p", "");
    size_t len;
    const char *r = get(f, 1, &len);
    char want[2048];
    int n = snprintf(want, sizeof(want),
                     "*1\r\n*6\r\n:0\r\n:1700000000\r\n:5\r\n*4\r\n$3\r\nset\r\n"
                     "$128\r\n%.128s\r\n"
                     "$146\r\n%.128s... (1 more bytes)\r\n"
                     "$148\r\n%.128s... (872 more bytes)\r\n"
                     "$1\r\np\r\n$0\r\n\r\n",
                     big, big, big);
    assert_int_equal(len, (size_t)n);
    assert_memory_equal(r, want, len);
}

static void arguments_are_copied_binary_safe(void **state) {
    fixture *f = *state;
    char buf[16];
    memcpy(buf, "a\0b\r\nc", 6);
    resp_arg argv[2] = {{"set", 3}, {buf, 6}};
    slowlog_record(f->sl, 2, argv, 5, 0, 128, "p", NULL);
    /* The caller's buffer is reused as soon as the command returns. */
    memset(buf, 'Z', sizeof(buf));
    size_t len;
    const char *r = get(f, 1, &len);
    static const char want[] = "*1\r\n*6\r\n:0\r\n:1700000000\r\n:5\r\n*2\r\n$3\r\nset\r\n"
                               "$6\r\na\0b\r\nc\r\n$1\r\np\r\n$0\r\n\r\n";
    assert_int_equal(len, sizeof(want) - 1);
    assert_memory_equal(r, want, len);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(threshold_decides_what_is_logged, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_are_newest_first_with_increasing_ids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(get_count_limits_the_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_empties_the_log_but_ids_keep_counting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(log_keeps_only_the_newest_max_len_entries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(at_most_32_arguments_are_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(long_arguments_are_cut_to_128_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(arguments_are_copied_binary_safe, setup, teardown),
    };
    return cmocka_run_group_tests_name("slowlog", tests, NULL, NULL);
}
