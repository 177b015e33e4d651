/* Unit tests for the DUMP and RESTORE handlers (server/cmd_dump.c), run
 * through the command harness: exact replies, Redis's order of checks, the
 * TTL and REPLACE semantics on a fake clock, and what RESTORE hands to the
 * write stream (a relative TTL replays as ABSTTL, an already expired
 * REPLACE as DEL). The payload format itself is tested in test_dump.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "commands/groups.h"
#include "commands/propagate.h"
#include "server/server_commands.h"
#include "support/cmd_harness.h"

#define T0 1700000000000LL

static harness *H;

static int setup(void **state) {
    (void)state;
    static const command_def *const groups[] = {cmd_string_defs, cmd_keys_defs, cmd_dump_defs,
                                                NULL};
    H = harness_new_with(groups);
    harness_set_time(H, T0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    harness_free(H);
    H = NULL;
    return 0;
}

#define RUN(...) harness_run(H, __VA_ARGS__, NULL)

/* "val:300" as Redis 7.0.15 DUMPs it. */
static const char VAL300[] = "\x00\x07val:300\x0a\x00\x37\xa2\xef\xf8\x52\x7b\x50\xe2";
#define VAL300_LEN (sizeof(VAL300) - 1)

static const char *restore(const char *key, const char *ttl, const char *opt1,
                           const char *opt2) {
    const char *argv[6] = {"RESTORE", key, ttl, VAL300, opt1, opt2};
    size_t lens[6] = {7, strlen(key), strlen(ttl), VAL300_LEN, opt1 ? strlen(opt1) : 0,
                      opt2 ? strlen(opt2) : 0};
    return harness_runv(H, 4 + (opt1 != NULL) + (opt2 != NULL), argv, lens);
}

static void dump_replies_the_payload_or_nil(void **state) {
    (void)state;
    assert_string_equal(RUN("DUMP", "missing"), "$-1\r\n");
    RUN("SET", "k", "val:300");
    const char *r = RUN("DUMP", "k");
    assert_int_equal(H->last_len, 5 + VAL300_LEN + 2);
    assert_memory_equal(r, "$19\r\n", 5);
    assert_memory_equal(r + 5, VAL300, VAL300_LEN);
    /* rdbcompression decides whether long strings are LZF-compressed. */
    char big[101];
    memset(big, 'a', 100);
    big[100] = '\0';
    RUN("SET", "big", big);
    RUN("DUMP", "big");
    size_t packed = H->last_len;
    H->opts.rdb_compression = false;
    RUN("DUMP", "big");
    assert_int_equal(H->last_len, 6 + 1 + 2 + 100 + 10 + 2); /* "$113\r\n" + payload */
    assert_true(packed < H->last_len);
    assert_string_equal(harness_propagated(H), "");
}

static void restore_checks_in_redis_order(void **state) {
    (void)state;
    RUN("SET", "busy", "x");
    /* Options first, then the key, then the TTL, then the payload. */
    assert_string_equal(restore("busy", "-1", "BOGUS", NULL), "-ERR syntax error\r\n");
    assert_string_equal(restore("busy", "-1", NULL, NULL),
                        "-BUSYKEY Target key name already exists.\r\n");
    assert_string_equal(restore("new", "-1", NULL, NULL),
                        "-ERR Invalid TTL value, must be >= 0\r\n");
    assert_string_equal(restore("new", "x", NULL, NULL),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN("RESTORE", "new", "0", "garbage"),
                        "-ERR DUMP payload version or checksum are wrong\r\n");
    assert_string_equal(restore("new", "0", "IDLETIME", "-1"),
                        "-ERR Invalid IDLETIME value, must be >= 0\r\n");
    assert_string_equal(restore("new", "0", "FREQ", "256"),
                        "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n");
    assert_string_equal(restore("new", "0", "IDLETIME", NULL), "-ERR syntax error\r\n");
    const char *both[8] = {"RESTORE", "new", "0", VAL300, "FREQ", "1", "IDLETIME", "1"};
    size_t lens[8] = {7, 3, 1, VAL300_LEN, 4, 1, 8, 1};
    assert_string_equal(harness_runv(H, 8, both, lens), "-ERR syntax error\r\n");
    assert_string_equal(RUN("EXISTS", "new"), ":0\r\n");
    assert_int_equal(H->dirty, 1); /* the SET */
    assert_string_equal(harness_propagated(H), "");
}

static void restore_creates_replaces_and_expires(void **state) {
    (void)state;
    assert_string_equal(restore("k", "0", NULL, NULL), "+OK\r\n");
    assert_string_equal(RUN("GET", "k"), "$7\r\nval:300\r\n");
    assert_string_equal(RUN("TTL", "k"), ":-1\r\n");
    RUN("SET", "old", "x", "EX", "100");
    assert_string_equal(restore("old", "0", "REPLACE", NULL), "+OK\r\n");
    assert_string_equal(RUN("GET", "old"), "$7\r\nval:300\r\n");
    assert_string_equal(RUN("TTL", "old"), ":-1\r\n");
    assert_string_equal(restore("t", "5000", NULL, NULL), "+OK\r\n");
    assert_string_equal(RUN("PEXPIRETIME", "t"), ":1700000005000\r\n");
    assert_string_equal(restore("a", "1800000000000", "ABSTTL", NULL), "+OK\r\n");
    assert_string_equal(RUN("PEXPIRETIME", "a"), ":1800000000000\r\n");
    /* An expiry already past: OK, and no key; with REPLACE the old key goes. */
    assert_string_equal(restore("gone", "1000", "ABSTTL", NULL), "+OK\r\n");
    assert_string_equal(RUN("EXISTS", "gone"), ":0\r\n");
    assert_string_equal(restore("k", "1000", "ABSTTL", "REPLACE"), "+OK\r\n");
    assert_string_equal(RUN("EXISTS", "k"), ":0\r\n");
    /* A relative TTL that overflows wraps into the past, as in Redis. */
    assert_string_equal(restore("huge", "9223372036854775807", NULL, NULL), "+OK\r\n");
    assert_string_equal(RUN("EXISTS", "huge"), ":0\r\n");
    /* While replaying a stream, a past expiry is stored as given. */
    H->opts.replaying = true;
    assert_string_equal(restore("replayed", "1000", "ABSTTL", NULL), "+OK\r\n");
    H->opts.replaying = false;
    assert_string_equal(RUN("DBSIZE"), ":4\r\n"); /* old, t, a, replayed */
}

/* The encoded form of one operation, as the write stream holds it. */
static void assert_propagated(int argc, const char *const *argv, const size_t *lens) {
    resp_arg args[8];
    for (int i = 0; i < argc; i++) args[i] = (resp_arg){.ptr = argv[i], .len = lens[i]};
    buf want;
    buf_init(&want);
    prop_encode(&want, argc, args);
    assert_int_equal(H->prop.count, 1);
    assert_int_equal(H->prop.bytes.len, want.len);
    assert_memory_equal(H->prop.bytes.data, want.data, want.len);
    buf_fini(&want);
}

static void restore_propagates_absolute_expiry_times(void **state) {
    (void)state;
    restore("k", "0", NULL, NULL);
    const char *plain[4] = {"RESTORE", "k", "0", VAL300};
    size_t plain_lens[4] = {7, 1, 1, VAL300_LEN};
    assert_propagated(4, plain, plain_lens);
    restore("t", "5000", "REPLACE", NULL);
    const char *rel[6] = {"RESTORE", "t", "1700000005000", VAL300, "REPLACE", "ABSTTL"};
    size_t rel_lens[6] = {7, 1, 13, VAL300_LEN, 7, 6};
    assert_propagated(6, rel, rel_lens);
    restore("a", "1800000000000", "ABSTTL", NULL);
    const char *abs[5] = {"RESTORE", "a", "1800000000000", VAL300, "ABSTTL"};
    size_t abs_lens[5] = {7, 1, 13, VAL300_LEN, 6};
    assert_propagated(5, abs, abs_lens);
    /* Expired on arrival: a replaced key replays as DEL, a new one as
     * nothing at all. */
    restore("k", "1", "ABSTTL", "REPLACE");
    assert_string_equal(harness_propagated(H), "0 DEL k\n");
    restore("nothing", "1", "ABSTTL", NULL);
    assert_string_equal(harness_propagated(H), "");
    restore("a", "0", NULL, NULL); /* BUSYKEY */
    assert_string_equal(harness_propagated(H), "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(dump_replies_the_payload_or_nil, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_checks_in_redis_order, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_creates_replaces_and_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_propagates_absolute_expiry_times, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("cmd_dump", tests, NULL, NULL);
}
