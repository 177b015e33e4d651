/* Tests of the write stream: what each command hands to the append-only
 * file and to replicas. The forms follow Redis 7.0.15: relative expiry
 * times become absolute, GET options are dropped, GETSET/GETDEL/GETEX/
 * INCRBYFLOAT replay as the plain change they made, commands that change
 * nothing propagate nothing, and keys that expire on access propagate a
 * DEL first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "commands/propagate.h"
#include "support/cmd_harness.h"

#define T0 1700000000000LL /* the fake "now" of every test, in Unix ms */

static harness *H;

static int setup(void **state) {
    (void)state;
    H = harness_new();
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
#define PROPAGATED(want) assert_string_equal(harness_propagated(H), want)

static void plain_writes_propagate_as_sent(void **state) {
    (void)state;
    RUN("SET", "k", "v");
    PROPAGATED("0 SET k v\n");
    RUN("SET", "k", "v2", "XX", "KEEPTTL");
    PROPAGATED("0 SET k v2 XX KEEPTTL\n");
    RUN("APPEND", "k", "x");
    PROPAGATED("0 APPEND k x\n");
    RUN("INCR", "n");
    PROPAGATED("0 INCR n\n");
    RUN("MSET", "a", "1", "b", "2");
    PROPAGATED("0 MSET a 1 b 2\n");
    RUN("DEL", "a", "missing");
    PROPAGATED("0 DEL a missing\n");
}

static void reads_and_no_ops_propagate_nothing(void **state) {
    (void)state;
    RUN("SET", "k", "v");
    RUN("GET", "k");
    PROPAGATED("");
    RUN("SET", "k", "w", "NX");
    PROPAGATED("");
    RUN("DEL", "missing");
    PROPAGATED("");
    RUN("EXPIRE", "missing", "10");
    PROPAGATED("");
    RUN("PERSIST", "k");
    PROPAGATED("");
    RUN("MSETNX", "k", "1", "z", "2");
    PROPAGATED("");
    RUN("INCR", "k"); /* an error changes nothing */
    PROPAGATED("");
    RUN("GETEX", "k");
    PROPAGATED("");
}

static void expiry_options_become_pxat(void **state) {
    (void)state;
    RUN("SET", "k", "v", "EX", "10");
    PROPAGATED("0 SET k v PXAT 1700000010000\n");
    RUN("SET", "k", "v", "PX", "250", "GET");
    PROPAGATED("0 SET k v PXAT 1700000000250\n");
    RUN("SET", "k", "v", "EXAT", "1800000000");
    PROPAGATED("0 SET k v PXAT 1800000000000\n");
    RUN("SETEX", "k", "5", "v");
    PROPAGATED("0 SET k v PXAT 1700000005000\n");
    RUN("PSETEX", "k", "7", "v");
    PROPAGATED("0 SET k v PXAT 1700000000007\n");
}

static void get_options_are_dropped(void **state) {
    (void)state;
    RUN("SET", "k", "v", "GET", "NX", "get");
    PROPAGATED("0 SET k v NX\n");
    RUN("GETSET", "k", "w");
    PROPAGATED("0 SET k w\n");
    RUN("SET", "k", "x", "KEEPTTL", "GET");
    PROPAGATED("0 SET k x KEEPTTL\n");
}

static void getdel_getex_incrbyfloat_replay_their_effect(void **state) {
    (void)state;
    RUN("SET", "k", "v");
    RUN("GETEX", "k", "EX", "100");
    PROPAGATED("0 PEXPIREAT k 1700000100000\n");
    RUN("GETEX", "k", "PERSIST");
    PROPAGATED("0 PERSIST k\n");
    RUN("GETEX", "k", "PERSIST"); /* no TTL left: nothing changed */
    PROPAGATED("");
    RUN("GETEX", "k", "PXAT", "1");
    PROPAGATED("0 DEL k\n");
    RUN("SET", "k", "v");
    RUN("GETDEL", "k");
    PROPAGATED("0 DEL k\n");
    RUN("SET", "f", "1.5");
    RUN("INCRBYFLOAT", "f", "0.25");
    PROPAGATED("0 SET f 1.75 KEEPTTL\n");
}

static void lazy_flags_choose_unlink(void **state) {
    (void)state;
    H->opts.lazyfree_user_del = true;
    H->opts.lazyfree_expire = true;
    RUN("SET", "k", "v");
    RUN("GETDEL", "k");
    PROPAGATED("0 UNLINK k\n");
    RUN("SET", "k", "v");
    RUN("EXPIRE", "k", "-1");
    PROPAGATED("0 UNLINK k\n");
}

static void every_expire_form_becomes_pexpireat(void **state) {
    (void)state;
    RUN("SET", "k", "v");
    RUN("EXPIRE", "k", "100");
    PROPAGATED("0 PEXPIREAT k 1700000100000\n");
    RUN("PEXPIRE", "k", "1000", "LT");
    PROPAGATED("0 PEXPIREAT k 1700000001000 LT\n");
    RUN("EXPIREAT", "k", "1800000000", "XX");
    PROPAGATED("0 PEXPIREAT k 1800000000000 XX\n");
    RUN("PEXPIREAT", "k", "1800000000001");
    PROPAGATED("0 PEXPIREAT k 1800000000001\n");
    RUN("EXPIRE", "k", "0");
    PROPAGATED("0 DEL k\n");
}

static void replaying_keeps_past_expiry_times(void **state) {
    (void)state;
    H->opts.replaying = true;
    RUN("SET", "k", "v");
    assert_string_equal(RUN("PEXPIREAT", "k", "5"), ":1\r\n");
    PROPAGATED("0 PEXPIREAT k 5\n");
}

static void flushes_propagate_even_when_empty(void **state) {
    (void)state;
    RUN("FLUSHALL");
    PROPAGATED("0 FLUSHALL\n");
    RUN("FLUSHDB", "ASYNC");
    PROPAGATED("0 FLUSHDB ASYNC\n");
}

static void expired_keys_propagate_del_before_the_command(void **state) {
    (void)state;
    RUN("SET", "k", "old", "PX", "10");
    harness_set_time(H, T0 + 20);
    RUN("SET", "k", "new");
    PROPAGATED("0 DEL k\n0 SET k new\n");
    RUN("SET", "gone", "x", "PX", "10");
    harness_set_time(H, T0 + 40);
    RUN("GET", "gone");
    PROPAGATED("0 DEL gone\n");
}

static void operations_carry_their_database(void **state) {
    (void)state;
    H->sess.db = 3; /* SELECT lives in the server layer */
    RUN("SET", "k", "v");
    PROPAGATED("3 SET k v\n");
    RUN("MOVE", "k", "4");
    PROPAGATED("3 MOVE k 4\n");
}

static void batch_encoding_is_resp(void **state) {
    (void)state;
    prop_batch b;
    prop_batch_init(&b);
    resp_arg argv[3] = {PROP_ARG("SET"), PROP_ARG("key"), {.ptr = "a\0b", .len = 3}};
    prop_batch_add(&b, 2, 3, argv);
    prop_batch_add(&b, 0, 1, argv);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.ops[0].dbid, 2);
    assert_memory_equal(b.bytes.data + b.ops[0].off, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\na\0b\r\n",
                        b.ops[0].len);
    assert_int_equal(b.ops[0].len, 31);
    assert_memory_equal(b.bytes.data + b.ops[1].off, "*1\r\n$3\r\nSET\r\n", b.ops[1].len);
    prop_batch_clear(&b);
    assert_int_equal(b.count, 0);
    assert_int_equal(b.bytes.len, 0);
    prop_batch_fini(&b);
}

static void stream_encoding_adds_select_and_multi(void **state) {
    (void)state;
    prop_batch b;
    prop_batch_init(&b);
    resp_arg del[2] = {PROP_ARG("DEL"), PROP_ARG("k")};
    prop_batch_add(&b, 2, 2, del);
    prop_batch_add(&b, 3, 2, del);
    buf out;
    buf_init(&out);
    int seldb = -1;
    prop_batch_encode(&b, true, &seldb, &out);
    const char *want = "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*1\r\n$5\r\nMULTI\r\n"
                       "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"
                       "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*1\r\n$4\r\nEXEC\r\n";
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    assert_int_equal(seldb, 3);
    /* Same database again, no wrap: no SELECT, no MULTI. */
    buf_clear(&out);
    prop_batch_clear(&b);
    prop_batch_add(&b, 3, 2, del);
    prop_batch_encode(&b, false, &seldb, &out);
    assert_memory_equal(out.data, "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n", out.len);
    buf_fini(&out);
    prop_batch_fini(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plain_writes_propagate_as_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(reads_and_no_ops_propagate_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(expiry_options_become_pxat, setup, teardown),
        cmocka_unit_test_setup_teardown(get_options_are_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(getdel_getex_incrbyfloat_replay_their_effect, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lazy_flags_choose_unlink, setup, teardown),
        cmocka_unit_test_setup_teardown(every_expire_form_becomes_pexpireat, setup, teardown),
        cmocka_unit_test_setup_teardown(replaying_keeps_past_expiry_times, setup, teardown),
        cmocka_unit_test_setup_teardown(flushes_propagate_even_when_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_keys_propagate_del_before_the_command, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(operations_carry_their_database, setup, teardown),
        cmocka_unit_test(batch_encoding_is_resp),
        cmocka_unit_test(stream_encoding_adds_select_and_multi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
