/* Tests of the string commands: exact reply bytes (RESP2 and RESP3 where
 * they differ), stored encodings, TTLs against a fake clock, dirty counts
 * and binary safety. Expected bytes were taken from Redis 7.0.15. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "support/cmd_harness.h"
#include "data/keyspace.h"
#include "data/kv.h"

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

/* Compares the last reply with want (len bytes), printing both on failure. */
static void escape(char *dst, size_t cap, const char *src, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 5 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c < 32 || c > 126)
            n += (size_t)snprintf(dst + n, cap - n, "\\x%02x", c);
        else
            dst[n++] = (char)c;
    }
    dst[n] = '\0';
}

static void check_reply(const char *want, size_t len, const char *file, int line) {
    if (H->last_len == len && memcmp(H->last, want, len) == 0) return;
    char got_s[1024], want_s[1024];
    escape(got_s, sizeof(got_s), H->last, H->last_len);
    escape(want_s, sizeof(want_s), want, len);
    print_error("reply mismatch\n  got:  %s\n  want: %s\n", got_s, want_s);
    _fail(file, line);
}

/* EXPECT("reply", "cmd", "arg", ...): runs the command, checks the reply. */
#define EXPECT(want, ...)                                                                          \
    do {                                                                                           \
        RUN(__VA_ARGS__);                                                                          \
        check_reply(want, sizeof(want) - 1, __FILE__, __LINE__);                                   \
    } while (0)

/* Binary-safe variant: arguments given with explicit lengths. */
/* Checks the last reply against a literal that may hold NUL bytes. */
#define CHECK(want) check_reply(want, sizeof(want) - 1, __FILE__, __LINE__)

#define EXPECTV(want, n, argv, lens)                                                               \
    do {                                                                                           \
        harness_runv(H, n, argv, lens);                                                            \
        check_reply(want, sizeof(want) - 1, __FILE__, __LINE__);                                   \
    } while (0)

static db *db0(void) {
    return keyspace_db(H->ks, 0);
}

static kv *find(const char *key) {
    return db_find(db0(), key, strlen(key));
}

/* Encoding of a stored key, -1 when absent. */
static int enc(const char *key) {
    kv *e = find(key);
    return e ? (int)kv_enc_of(e) : -1;
}

/* Absolute expiry of a stored key; -1 none, -2 absent. */
static int64_t expiry(const char *key) {
    kv *e = find(key);
    return e ? kv_expire(e) : -2;
}

static void use_resp3(void) {
    H->sess.proto = 3;
}

/* ---- GET ---- */

static void get_missing_key_is_null_in_both_protocols(void **state) {
    (void)state;
    EXPECT("$-1\r\n", "GET", "nokey");
    use_resp3();
    EXPECT("_\r\n", "GET", "nokey");
}

static void get_returns_each_encoding_as_bytes(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "i", "-12345");
    EXPECT("$6\r\n-12345\r\n", "GET", "i");
    EXPECT("+OK\r\n", "SET", "e", "hello");
    EXPECT("$5\r\nhello\r\n", "GET", "e");
    EXPECT("+OK\r\n", "SET", "r", "0123456789012345678901234567890123456789012345");
    EXPECT("$46\r\n0123456789012345678901234567890123456789012345\r\n", "GET", "r");
    EXPECT("-ERR wrong number of arguments for 'get' command\r\n", "GET");
    EXPECT("-ERR wrong number of arguments for 'get' command\r\n", "GET", "a", "b");
    assert_int_equal(H->dirty, 3);
}

static void get_does_not_see_expired_keys(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "v", "PX", "100");
    harness_set_time(H, T0 + 99);
    EXPECT("$1\r\nv\r\n", "GET", "k");
    harness_set_time(H, T0 + 100);
    EXPECT("$-1\r\n", "GET", "k");
    assert_null(find("k"));
    assert_int_equal(keyspace_stats_of(H->ks)->expired_keys, 1);
}

/* ---- SET ---- */

static void set_picks_the_encoding_redis_reports(void **state) {
    (void)state;
    static const struct {
        const char *val;
        int enc;
    } cases[] = {
        {"0", KV_ENC_INT},
        {"-1", KV_ENC_INT},
        {"9223372036854775807", KV_ENC_INT},
        {"-9223372036854775808", KV_ENC_INT},
        {"9223372036854775808", KV_ENC_EMBSTR}, /* out of int64 range */
        {"-0", KV_ENC_EMBSTR},
        {"007", KV_ENC_EMBSTR},
        {"+1", KV_ENC_EMBSTR},
        {" 1", KV_ENC_EMBSTR},
        {"1.5", KV_ENC_EMBSTR},
        {"", KV_ENC_EMBSTR},
        {"12345678901234567890123456789012345678901234", KV_ENC_EMBSTR}, /* 44 bytes */
        {"123456789012345678901234567890123456789012345", KV_ENC_RAW},   /* 45 bytes */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EXPECT("+OK\r\n", "SET", "k", cases[i].val);
        assert_int_equal(enc("k"), cases[i].enc);
        char want[128];
        snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(cases[i].val), cases[i].val);
        RUN("GET", "k");
        assert_string_equal(H->last, want);
    }
}

static void set_nx_and_xx(void **state) {
    (void)state;
    EXPECT("$-1\r\n", "SET", "k", "v", "XX");
    assert_null(find("k"));
    EXPECT("+OK\r\n", "SET", "k", "v", "nx");
    EXPECT("$-1\r\n", "SET", "k", "w", "NX");
    EXPECT("$1\r\nv\r\n", "GET", "k");
    EXPECT("+OK\r\n", "SET", "k", "w", "xx");
    EXPECT("$1\r\nw\r\n", "GET", "k");
    EXPECT("+OK\r\n", "SET", "k", "w", "xx", "xx");
    assert_int_equal(H->dirty, 3);
    use_resp3();
    EXPECT("_\r\n", "SET", "k", "z", "NX");
}

static void set_get_replies_the_old_value(void **state) {
    (void)state;
    EXPECT("$-1\r\n", "SET", "k", "v", "GET");
    EXPECT("$1\r\nv\r\n", "SET", "k", "w", "GET");
    EXPECT("$1\r\nw\r\n", "SET", "k", "x", "get", "GET");
    /* With a condition, the old value is replied whether or not we set. */
    EXPECT("$1\r\nx\r\n", "SET", "k", "y", "NX", "GET");
    EXPECT("$1\r\nx\r\n", "GET", "k");
    EXPECT("$-1\r\n", "SET", "n", "y", "XX", "GET");
    assert_null(find("n"));
    EXPECT("$1\r\nx\r\n", "SET", "k", "y", "XX", "GET");
    EXPECT("$1\r\ny\r\n", "GET", "k");
    use_resp3();
    EXPECT("_\r\n", "SET", "m", "1", "GET");
    /* SET GET reads like GET: it counts a keyspace hit or miss. */
    assert_int_equal(keyspace_stats_of(H->ks)->misses, 3);
}

static void set_expiry_options(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "a", "v", "EX", "10");
    assert_int_equal(expiry("a"), T0 + 10000);
    EXPECT("+OK\r\n", "SET", "b", "v", "px", "1500");
    assert_int_equal(expiry("b"), T0 + 1500);
    EXPECT("+OK\r\n", "SET", "c", "v", "EXAT", "1800000000");
    assert_int_equal(expiry("c"), 1800000000000LL);
    EXPECT("+OK\r\n", "SET", "d", "v", "PXAT", "1800000000123");
    assert_int_equal(expiry("d"), 1800000000123LL);
    /* The last of repeated options of the same kind wins. */
    EXPECT("+OK\r\n", "SET", "e", "v", "EX", "10", "EX", "20");
    assert_int_equal(expiry("e"), T0 + 20000);
    /* An absolute time in the past stores a key that is already gone. */
    EXPECT("+OK\r\n", "SET", "f", "v", "PXAT", "1");
    EXPECT("$-1\r\n", "GET", "f");
    /* The largest absolute time is accepted as is. */
    EXPECT("+OK\r\n", "SET", "g", "v", "PXAT", "9223372036854775807");
    assert_int_equal(expiry("g"), INT64_MAX);
}

static void set_keepttl_keeps_and_plain_set_drops_the_ttl(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "v", "EX", "100");
    EXPECT("+OK\r\n", "SET", "k", "w", "KEEPTTL");
    assert_int_equal(expiry("k"), T0 + 100000);
    EXPECT("$1\r\nw\r\n", "SET", "k", "x", "keepttl", "XX", "GET");
    assert_int_equal(expiry("k"), T0 + 100000);
    EXPECT("+OK\r\n", "SET", "k", "y");
    assert_int_equal(expiry("k"), -1);
    assert_int_equal(db_volatile_count(db0()), 0);
    /* KEEPTTL on a new key stores no TTL. */
    EXPECT("+OK\r\n", "SET", "n", "v", "KEEPTTL");
    assert_int_equal(expiry("n"), -1);
}

static void set_syntax_errors(void **state) {
    (void)state;
    static const char *const bad[][4] = {
        {"NX", "XX", NULL},     {"XX", "NX", NULL},      {"EX", NULL},
        {"PX", NULL},           {"EX", "10", "PX", "10"}, {"EXAT", "1", "PXAT", "1"},
        {"EX", "10", "KEEPTTL"}, {"KEEPTTL", "EX", "10"}, {"PERSIST", NULL},
        {"FOO", NULL},          {"NX", "EX", NULL},      {"GETX", NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *argv[7] = {"SET", "k", "v"};
        int argc = 3;
        for (int j = 0; j < 4 && bad[i][j]; j++) argv[argc++] = bad[i][j];
        harness_runv(H, argc, argv, NULL);
        CHECK("-ERR syntax error\r\n");
    }
    assert_null(find("k"));
    EXPECT("-ERR wrong number of arguments for 'set' command\r\n", "SET", "k");
    assert_int_equal(H->dirty, 0);
}

static void set_invalid_expire_times(void **state) {
    (void)state;
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX", "0");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "PX", "-1");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EXAT", "0");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "PXAT", "-5");
    /* Seconds that overflow once turned into ms, or once now is added. */
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX",
           "9223372036854776");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX",
           "9223372036854775");
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "PX",
           "9223372036854775807");
    EXPECT("-ERR value is not an integer or out of range\r\n", "SET", "k", "v", "EX", "1.5");
    EXPECT("-ERR value is not an integer or out of range\r\n", "SET", "k", "v", "PX", "x");
    /* The expire time is checked before GET replies anything. */
    EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "GET", "EX", "0");
    assert_null(find("k"));
    assert_int_equal(H->dirty, 0);
}

static void set_replaces_an_expired_key_under_nx(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "old", "PX", "10");
    harness_set_time(H, T0 + 10);
    EXPECT("+OK\r\n", "SET", "k", "new", "NX");
    EXPECT("$3\r\nnew\r\n", "GET", "k");
    assert_int_equal(expiry("k"), -1);
}

/* ---- SETNX, SETEX, PSETEX ---- */

static void setnx_replies_integers(void **state) {
    (void)state;
    EXPECT(":1\r\n", "SETNX", "k", "42");
    assert_int_equal(enc("k"), KV_ENC_INT);
    EXPECT(":0\r\n", "SETNX", "k", "43");
    EXPECT("$2\r\n42\r\n", "GET", "k");
    EXPECT("-ERR wrong number of arguments for 'setnx' command\r\n", "SETNX", "k");
    EXPECT("-ERR wrong number of arguments for 'setnx' command\r\n", "SETNX", "k", "v", "NX");
    assert_int_equal(H->dirty, 1);
}

static void setex_and_psetex(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SETEX", "k", "10", "value");
    assert_int_equal(expiry("k"), T0 + 10000);
    assert_int_equal(enc("k"), KV_ENC_EMBSTR);
    EXPECT("+OK\r\n", "PSETEX", "p", "2500", "12");
    assert_int_equal(expiry("p"), T0 + 2500);
    assert_int_equal(enc("p"), KV_ENC_INT);
    EXPECT("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "0", "v");
    EXPECT("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "-3", "v");
    EXPECT("-ERR invalid expire time in 'psetex' command\r\n", "PSETEX", "k", "0", "v");
    EXPECT("-ERR value is not an integer or out of range\r\n", "SETEX", "k", "x", "v");
    EXPECT("-ERR value is not an integer or out of range\r\n", "PSETEX", "k", "1.0", "v");
    EXPECT("-ERR wrong number of arguments for 'setex' command\r\n", "SETEX", "k", "10");
    EXPECT("-ERR wrong number of arguments for 'psetex' command\r\n", "PSETEX", "k", "10", "v",
           "x");
    EXPECT("$5\r\nvalue\r\n", "GET", "k");
    harness_set_time(H, T0 + 10000);
    EXPECT("$-1\r\n", "GET", "k");
    assert_int_equal(H->dirty, 2);
}

/* ---- GETSET, GETDEL ---- */

static void getset_returns_old_value_and_drops_ttl(void **state) {
    (void)state;
    EXPECT("$-1\r\n", "GETSET", "k", "1");
    assert_int_equal(enc("k"), KV_ENC_INT);
    EXPECT("+OK\r\n", "SET", "k", "v", "EX", "10");
    EXPECT("$1\r\nv\r\n", "GETSET", "k", "12345678901234567890123456789012345678901234567");
    assert_int_equal(expiry("k"), -1);
    assert_int_equal(enc("k"), KV_ENC_RAW);
    EXPECT("-ERR wrong number of arguments for 'getset' command\r\n", "GETSET", "k");
    use_resp3();
    EXPECT("_\r\n", "GETSET", "n", "x");
    assert_int_equal(H->dirty, 4);
}

static void getdel_returns_and_deletes(void **state) {
    (void)state;
    EXPECT("$-1\r\n", "GETDEL", "k");
    EXPECT("+OK\r\n", "SET", "k", "123", "EX", "5");
    EXPECT("$3\r\n123\r\n", "GETDEL", "k");
    assert_null(find("k"));
    assert_int_equal(db_size(db0()), 0);
    assert_int_equal(db_volatile_count(db0()), 0);
    EXPECT("$-1\r\n", "GETDEL", "k");
    EXPECT("-ERR wrong number of arguments for 'getdel' command\r\n", "GETDEL", "k", "x");
    assert_int_equal(H->dirty, 2);
    use_resp3();
    EXPECT("_\r\n", "GETDEL", "k");
}

/* ---- GETEX ---- */

static void getex_without_options_is_get(void **state) {
    (void)state;
    EXPECT("$-1\r\n", "GETEX", "k");
    EXPECT("+OK\r\n", "SET", "k", "v", "EX", "10");
    EXPECT("$1\r\nv\r\n", "GETEX", "k");
    assert_int_equal(expiry("k"), T0 + 10000);
    assert_int_equal(H->dirty, 1);
    use_resp3();
    EXPECT("_\r\n", "GETEX", "nokey", "PERSIST");
}

static void getex_sets_changes_and_removes_the_ttl(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "v");
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "EX", "10");
    assert_int_equal(expiry("k"), T0 + 10000);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "px", "20");
    assert_int_equal(expiry("k"), T0 + 20);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "EXAT", "1800000000");
    assert_int_equal(expiry("k"), 1800000000000LL);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "PXAT", "1800000000001");
    assert_int_equal(expiry("k"), 1800000000001LL);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "EX", "10", "EX", "30");
    assert_int_equal(expiry("k"), T0 + 30000);
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "PERSIST");
    assert_int_equal(expiry("k"), -1);
    assert_int_equal(db_volatile_count(db0()), 0);
    assert_int_equal(H->dirty, 1 + 6);
    /* PERSIST on a key without TTL changes nothing. */
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "persist");
    assert_int_equal(H->dirty, 7);
    /* The value survives the move to an entry with an expiry. */
    EXPECT("+OK\r\n", "SET", "big", "123456789012345678901234567890123456789012345678901234567890");
    EXPECT("$60\r\n123456789012345678901234567890123456789012345678901234567890\r\n", "GETEX",
           "big", "EX", "5");
    EXPECT("$60\r\n123456789012345678901234567890123456789012345678901234567890\r\n", "GET",
           "big");
    harness_set_time(H, T0 + 5000);
    EXPECT("$-1\r\n", "GET", "big");
}

static void getex_past_absolute_time_deletes_the_key(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "v", "EX", "100");
    EXPECT("$1\r\nv\r\n", "GETEX", "k", "PXAT", "1");
    assert_null(find("k"));
    EXPECT("+OK\r\n", "SET", "k", "w");
    char now_s[32];
    snprintf(now_s, sizeof(now_s), "%lld", (long long)(T0 / 1000));
    EXPECT("$1\r\nw\r\n", "GETEX", "k", "EXAT", now_s);
    assert_null(find("k"));
    assert_int_equal(db_size(db0()), 0);
    assert_int_equal(db_volatile_count(db0()), 0);
    assert_int_equal(H->dirty, 4);
}

static void getex_errors(void **state) {
    (void)state;
    static const char *const bad[][3] = {
        {"FOO", NULL},           {"KEEPTTL", NULL},     {"NX", NULL},         {"GET", NULL},
        {"EX", NULL},            {"PERSIST", "EX", "1"}, {"EX", "1", "PERSIST"}, {"EX", "1", "PX"},
    };
    EXPECT("+OK\r\n", "SET", "k", "v");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *argv[5] = {"GETEX", "k"};
        int argc = 2;
        for (int j = 0; j < 3 && bad[i][j]; j++) argv[argc++] = bad[i][j];
        harness_runv(H, argc, argv, NULL);
        CHECK("-ERR syntax error\r\n");
    }
    EXPECT("-ERR syntax error\r\n", "GETEX", "k", "EX", "1", "PX", "1");
    EXPECT("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "EX", "0");
    EXPECT("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "PXAT", "-1");
    EXPECT("-ERR value is not an integer or out of range\r\n", "GETEX", "k", "EX", "ten");
    /* Redis compat: on a missing key the expire time is never looked at. */
    EXPECT("$-1\r\n", "GETEX", "nokey", "EX", "0");
    EXPECT("$-1\r\n", "GETEX", "nokey", "EX", "ten");
    EXPECT("-ERR syntax error\r\n", "GETEX", "nokey", "FOO");
    EXPECT("-ERR wrong number of arguments for 'getex' command\r\n", "GETEX");
    assert_int_equal(expiry("k"), -1);
    assert_int_equal(H->dirty, 1);
}

/* ---- MGET, MSET, MSETNX ---- */

static void mget_mixes_values_and_nulls(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "MSET", "a", "1", "b", "two");
    EXPECT("*3\r\n$1\r\n1\r\n$-1\r\n$3\r\ntwo\r\n", "MGET", "a", "nokey", "b");
    use_resp3();
    EXPECT("*3\r\n$1\r\n1\r\n_\r\n$3\r\ntwo\r\n", "MGET", "a", "nokey", "b");
    EXPECT("-ERR wrong number of arguments for 'mget' command\r\n", "MGET");
}

static void mset_sets_all_drops_ttls_and_counts_keys(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "a", "old", "EX", "10");
    EXPECT("+OK\r\n", "MSET", "a", "1", "b", "hello", "c",
           "123456789012345678901234567890123456789012345");
    assert_int_equal(enc("a"), KV_ENC_INT);
    assert_int_equal(enc("b"), KV_ENC_EMBSTR);
    assert_int_equal(enc("c"), KV_ENC_RAW);
    assert_int_equal(expiry("a"), -1);
    assert_int_equal(H->dirty, 1 + 3);
    /* A key named twice ends with its last value. */
    EXPECT("+OK\r\n", "MSET", "d", "x", "d", "y");
    EXPECT("$1\r\ny\r\n", "GET", "d");
    assert_int_equal(H->dirty, 6);
    EXPECT("-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a", "1", "b");
    EXPECT("-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a");
    assert_int_equal(H->dirty, 6);
}

static void msetnx_is_all_or_nothing(void **state) {
    (void)state;
    EXPECT(":1\r\n", "MSETNX", "a", "1", "b", "2");
    assert_int_equal(enc("a"), KV_ENC_INT);
    EXPECT(":0\r\n", "MSETNX", "c", "3", "a", "x");
    assert_null(find("c"));
    EXPECT("$1\r\n1\r\n", "GET", "a");
    EXPECT(":1\r\n", "MSETNX", "c", "1", "d", "2", "c", "5");
    EXPECT("$1\r\n5\r\n", "GET", "c");
    assert_int_equal(H->dirty, 2 + 3);
    /* An expired key does not block it. */
    EXPECT("+OK\r\n", "SET", "e", "v", "PX", "5");
    harness_set_time(H, T0 + 5);
    EXPECT(":1\r\n", "MSETNX", "e", "w");
    assert_int_equal(expiry("e"), -1);
    EXPECT("-ERR wrong number of arguments for 'msetnx' command\r\n", "MSETNX", "a", "1", "b");
    EXPECT("-ERR wrong number of arguments for 'msetnx' command\r\n", "MSETNX", "a");
}

/* ---- APPEND, STRLEN ---- */

static void append_creates_then_extends(void **state) {
    (void)state;
    EXPECT(":3\r\n", "APPEND", "k", "123");
    assert_int_equal(enc("k"), KV_ENC_INT); /* a new key is stored as SET would */
    EXPECT(":6\r\n", "APPEND", "k", "456");
    assert_int_equal(enc("k"), KV_ENC_RAW);
    EXPECT("$6\r\n123456\r\n", "GET", "k");
    EXPECT(":0\r\n", "APPEND", "e", "");
    assert_int_equal(enc("e"), KV_ENC_EMBSTR);
    EXPECT("$0\r\n\r\n", "GET", "e");
    /* Even appending nothing turns the value raw. */
    EXPECT("+OK\r\n", "SET", "n", "99");
    EXPECT(":2\r\n", "APPEND", "n", "");
    assert_int_equal(enc("n"), KV_ENC_RAW);
    EXPECT("-ERR wrong number of arguments for 'append' command\r\n", "APPEND", "k");
    assert_int_equal(H->dirty, 5);
}

static void append_in_a_loop_keeps_ttl_and_content(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "x", "EX", "50");
    char want[2100];
    want[0] = 'x';
    for (int i = 1; i < 2000; i++) {
        RUN("APPEND", "k", (i % 2) ? "a" : "b");
        want[i] = (i % 2) ? 'a' : 'b';
        char r[16];
        snprintf(r, sizeof(r), ":%d\r\n", i + 1);
        assert_string_equal(H->last, r);
    }
    assert_int_equal(expiry("k"), T0 + 50000);
    assert_int_equal(db_volatile_count(db0()), 1);
    kv *e = find("k");
    assert_int_equal(kv_enc_of(e), KV_ENC_RAW);
    assert_true(kv_raw(e)->cap >= 2000);
    assert_int_equal(kv_str_len(e), 2000);
    assert_memory_equal(kv_raw(e)->data, want, 2000);
    harness_set_time(H, T0 + 50000);
    EXPECT("$-1\r\n", "GET", "k");
}

static void append_respects_proto_max_bulk_len(void **state) {
    (void)state;
    H->opts.proto_max_bulk_len = 8;
    EXPECT(":5\r\n", "APPEND", "k", "hello");
    EXPECT(":8\r\n", "APPEND", "k", "abc");
    EXPECT("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "APPEND", "k",
           "d");
    EXPECT("$8\r\nhelloabc\r\n", "GET", "k");
    assert_int_equal(H->dirty, 2);
}

static void strlen_of_each_encoding(void **state) {
    (void)state;
    EXPECT(":0\r\n", "STRLEN", "nokey");
    EXPECT("+OK\r\n", "SET", "i", "-123");
    EXPECT(":4\r\n", "STRLEN", "i");
    EXPECT("+OK\r\n", "SET", "e", "hello");
    EXPECT(":5\r\n", "STRLEN", "e");
    EXPECT("+OK\r\n", "SET", "r", "123456789012345678901234567890123456789012345678");
    EXPECT(":48\r\n", "STRLEN", "r");
    EXPECT("-ERR wrong number of arguments for 'strlen' command\r\n", "STRLEN");
}

/* ---- INCR family ---- */

static void incr_creates_and_updates_in_place(void **state) {
    (void)state;
    EXPECT(":1\r\n", "INCR", "k");
    assert_int_equal(enc("k"), KV_ENC_INT);
    kv *before = find("k");
    EXPECT(":2\r\n", "INCR", "k");
    EXPECT(":12\r\n", "INCRBY", "k", "10");
    EXPECT(":11\r\n", "DECR", "k");
    EXPECT(":-89\r\n", "DECRBY", "k", "100");
    /* An INT value is changed where it is: the entry does not move. */
    assert_ptr_equal(find("k"), before);
    EXPECT("$3\r\n-89\r\n", "GET", "k");
    EXPECT(":-1\r\n", "DECR", "d");
    EXPECT(":5\r\n", "INCRBY", "i", "5");
    EXPECT(":-5\r\n", "DECRBY", "j", "5");
    EXPECT(":-7\r\n", "INCRBY", "j", "-2");
    assert_int_equal(H->dirty, 9);
}

static void incr_keeps_the_ttl(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "k", "5", "EX", "10");
    EXPECT(":6\r\n", "INCR", "k");
    assert_int_equal(expiry("k"), T0 + 10000);
    /* Also when a text value becomes INT (the entry is replaced). */
    EXPECT("+OK\r\n", "SET", "t", "7", "EX", "10");
    EXPECT(":3\r\n", "APPEND", "t", "00");
    assert_int_equal(enc("t"), KV_ENC_RAW);
    EXPECT(":701\r\n", "INCR", "t");
    assert_int_equal(enc("t"), KV_ENC_INT);
    assert_int_equal(expiry("t"), T0 + 10000);
    assert_int_equal(db_volatile_count(db0()), 2);
    harness_set_time(H, T0 + 10000);
    EXPECT(":1\r\n", "INCR", "t");
    assert_int_equal(expiry("t"), -1);
}

static void incr_on_text_values(void **state) {
    (void)state;
    EXPECT("$2\r\n10\r\n", "INCRBYFLOAT", "f", "10");
    assert_int_equal(enc("f"), KV_ENC_EMBSTR);
    EXPECT(":11\r\n", "INCR", "f");
    assert_int_equal(enc("f"), KV_ENC_INT);
    static const char *const bad[] = {"abc", "1.0", "01", " 1", "1 ", "+1", "-0", "",
                                      "9223372036854775808"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        RUN("SET", "s", bad[i]);
        EXPECT("-ERR value is not an integer or out of range\r\n", "INCR", "s");
        RUN("GET", "s");
        char want[64];
        snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(bad[i]), bad[i]);
        assert_string_equal(H->last, want);
    }
}

static void incr_overflow_and_argument_errors(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "max", "9223372036854775807");
    EXPECT("-ERR increment or decrement would overflow\r\n", "INCR", "max");
    EXPECT("-ERR increment or decrement would overflow\r\n", "INCRBY", "max", "1");
    EXPECT(":-1\r\n", "INCRBY", "max", "-9223372036854775808");
    EXPECT("+OK\r\n", "SET", "min", "-9223372036854775808");
    EXPECT("-ERR increment or decrement would overflow\r\n", "DECR", "min");
    EXPECT("-ERR increment or decrement would overflow\r\n", "INCRBY", "min",
           "-9223372036854775808");
    EXPECT(":-1\r\n", "INCRBY", "min", "9223372036854775807");
    EXPECT("-ERR decrement would overflow\r\n", "DECRBY", "min", "-9223372036854775808");
    EXPECT(":9223372036854775806\r\n", "DECRBY", "min", "-9223372036854775807");
    EXPECT("-ERR value is not an integer or out of range\r\n", "INCRBY", "k", "x");
    EXPECT("-ERR value is not an integer or out of range\r\n", "DECRBY", "k", "1.5");
    EXPECT("-ERR value is not an integer or out of range\r\n", "INCRBY", "k",
           "9223372036854775808");
    assert_null(find("k"));
    EXPECT("-ERR wrong number of arguments for 'incr' command\r\n", "INCR");
    EXPECT("-ERR wrong number of arguments for 'decr' command\r\n", "DECR", "a", "b");
    EXPECT("-ERR wrong number of arguments for 'incrby' command\r\n", "INCRBY", "a");
    EXPECT("-ERR wrong number of arguments for 'decrby' command\r\n", "DECRBY", "a", "1", "2");
}

/* ---- INCRBYFLOAT ---- */

static void incrbyfloat_formats_like_redis(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "f", "10.50");
    EXPECT("$4\r\n10.6\r\n", "INCRBYFLOAT", "f", "0.1");
    EXPECT("$23\r\n-4989.39999999999999991\r\n", "INCRBYFLOAT", "f", "-5.0e3");
    EXPECT("+OK\r\n", "SET", "g", "5.0e3");
    EXPECT("$4\r\n5200\r\n", "INCRBYFLOAT", "g", "2.0e2");
    EXPECT("$3\r\n0.1\r\n", "INCRBYFLOAT", "j", "0.1");
    EXPECT("$3\r\n0.3\r\n", "INCRBYFLOAT", "j", "0.2");
    EXPECT("$1\r\n0\r\n", "INCRBYFLOAT", "z", "-0");
    EXPECT("$4\r\n-1.5\r\n", "INCRBYFLOAT", "m", "-1.5");
    EXPECT("$7\r\n0.00001\r\n", "INCRBYFLOAT", "s", "1e-5");
    EXPECT("$2\r\n16\r\n", "INCRBYFLOAT", "h", "0x10");
    EXPECT("$3\r\n0.5\r\n", "INCRBYFLOAT", "p", ".5");
    EXPECT("$1\r\n5\r\n", "INCRBYFLOAT", "q", "5.");
    EXPECT("+OK\r\n", "SET", "big", "9223372036854775807");
    EXPECT("$19\r\n9223372036854775808\r\n", "INCRBYFLOAT", "big", "1");
    EXPECT("+OK\r\n", "SET", "huge", "12345678901234567890123456789012345678901234567890");
    EXPECT("$50\r\n12345678901234567890019423336468287027557880037376\r\n", "INCRBYFLOAT",
           "huge", "1");
    assert_int_equal(enc("huge"), KV_ENC_RAW);
    /* RESP3 still gets a bulk string, not a double. */
    use_resp3();
    EXPECT("$3\r\n1.5\r\n", "INCRBYFLOAT", "r3", "1.5");
}

static void incrbyfloat_stores_text_and_keeps_ttl(void **state) {
    (void)state;
    EXPECT("$1\r\n5\r\n", "INCRBYFLOAT", "k", "5");
    assert_int_equal(enc("k"), KV_ENC_EMBSTR);
    EXPECT("+OK\r\n", "SET", "i", "3", "PX", "500");
    EXPECT("$3\r\n3.5\r\n", "INCRBYFLOAT", "i", "0.5");
    assert_int_equal(expiry("i"), T0 + 500);
    EXPECT("$3\r\n3.5\r\n", "GET", "i");
    assert_int_equal(H->dirty, 3);
}

static void incrbyfloat_errors(void **state) {
    (void)state;
    EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "k", "inf");
    EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "k", "-inf");
    EXPECT("+OK\r\n", "SET", "k", "1e4932");
    EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "k", "1e4932");
    EXPECT("$6\r\n1e4932\r\n", "GET", "k");
    /* Beyond the long double range is not a number at all. */
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "k", "1.2e4932");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "n", "nan");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "n", "abc");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "n", "1.5x");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "n", " 1");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "n", "");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "n", "1e");
    assert_null(find("n"));
    EXPECT("+OK\r\n", "SET", "s", "abc");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "s", "1");
    EXPECT("-ERR wrong number of arguments for 'incrbyfloat' command\r\n", "INCRBYFLOAT", "s");
    assert_int_equal(H->dirty, 2);
}

/* ---- GETRANGE, SUBSTR ---- */

static void getrange_index_rules(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "s", "Hello");
    EXPECT("$5\r\nHello\r\n", "GETRANGE", "s", "0", "-1");
    EXPECT("$3\r\nllo\r\n", "GETRANGE", "s", "-3", "-1");
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "-1", "-3");
    /* Both before the start: empty, although clamping alone would give "H". */
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "-10", "-20");
    EXPECT("$1\r\nH\r\n", "GETRANGE", "s", "-20", "-10");
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "10", "20");
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "2", "1");
    EXPECT("$5\r\nHello\r\n", "GETRANGE", "s", "-100", "100");
    EXPECT("$1\r\nH\r\n", "GETRANGE", "s", "0", "-100");
    EXPECT("$2\r\nlo\r\n", "GETRANGE", "s", "3", "9");
    EXPECT("$0\r\n\r\n", "GETRANGE", "s", "9223372036854775807", "-9223372036854775808");
    EXPECT("$5\r\nHello\r\n", "GETRANGE", "s", "-9223372036854775808", "9223372036854775807");
    EXPECT("+OK\r\n", "SET", "n", "12345");
    EXPECT("$2\r\n23\r\n", "GETRANGE", "n", "1", "2");
    EXPECT("+OK\r\n", "SET", "e", "");
    EXPECT("$0\r\n\r\n", "GETRANGE", "e", "0", "-1");
    EXPECT("$0\r\n\r\n", "GETRANGE", "e", "0", "0");
    EXPECT("$0\r\n\r\n", "GETRANGE", "nokey", "0", "1");
    use_resp3();
    EXPECT("$0\r\n\r\n", "GETRANGE", "nokey", "0", "1");
}

static void getrange_errors_and_substr(void **state) {
    (void)state;
    EXPECT("-ERR value is not an integer or out of range\r\n", "GETRANGE", "nokey", "a", "1");
    EXPECT("-ERR value is not an integer or out of range\r\n", "GETRANGE", "nokey", "1", "b");
    EXPECT("-ERR wrong number of arguments for 'getrange' command\r\n", "GETRANGE", "k", "1");
    EXPECT("+OK\r\n", "SET", "s", "Hello");
    EXPECT("$2\r\nel\r\n", "SUBSTR", "s", "1", "2");
    EXPECT("$3\r\nllo\r\n", "substr", "s", "-3", "-1");
    EXPECT("-ERR wrong number of arguments for 'substr' command\r\n", "SUBSTR", "s", "1");
    EXPECT("-ERR value is not an integer or out of range\r\n", "SUBSTR", "s", "x", "1");
}

/* ---- SETRANGE ---- */

static void setrange_overwrites_and_pads(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "SET", "s", "Hello", "EX", "10");
    EXPECT(":5\r\n", "SETRANGE", "s", "1", "ipp");
    EXPECT("$5\r\nHippo\r\n", "GET", "s");
    assert_int_equal(enc("s"), KV_ENC_RAW);
    EXPECT(":8\r\n", "SETRANGE", "s", "7", "X");
    RUN("GET", "s");
    CHECK("$8\r\nHippo\0\0X\r\n");
    assert_int_equal(expiry("s"), T0 + 10000);
    EXPECT(":5\r\n", "SETRANGE", "new", "3", "ab");
    RUN("GET", "new");
    CHECK("$5\r\n\0\0\0ab\r\n");
    assert_int_equal(enc("new"), KV_ENC_RAW);
    EXPECT(":2\r\n", "SETRANGE", "n0", "0", "12");
    assert_int_equal(enc("n0"), KV_ENC_RAW);
    EXPECT("+OK\r\n", "SET", "n", "12345");
    EXPECT(":5\r\n", "SETRANGE", "n", "0", "9");
    assert_int_equal(enc("n"), KV_ENC_RAW);
    EXPECT("$5\r\n92345\r\n", "GET", "n");
    EXPECT(":92346\r\n", "INCR", "n");
    assert_int_equal(H->dirty, 8);
}

static void setrange_with_empty_value_changes_nothing(void **state) {
    (void)state;
    EXPECT(":0\r\n", "SETRANGE", "nokey", "0", "");
    EXPECT(":0\r\n", "SETRANGE", "nokey", "9223372036854775807", "");
    assert_null(find("nokey"));
    EXPECT("+OK\r\n", "SET", "k", "12");
    EXPECT(":2\r\n", "SETRANGE", "k", "100", "");
    assert_int_equal(enc("k"), KV_ENC_INT);
    assert_int_equal(H->dirty, 1);
}

static void setrange_errors(void **state) {
    (void)state;
    H->opts.proto_max_bulk_len = 10;
    EXPECT("-ERR offset is out of range\r\n", "SETRANGE", "k", "-1", "x");
    EXPECT("-ERR value is not an integer or out of range\r\n", "SETRANGE", "k", "x", "x");
    EXPECT("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "SETRANGE", "k",
           "10", "x");
    EXPECT("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "SETRANGE", "k",
           "9223372036854775807", "x");
    assert_null(find("k"));
    EXPECT(":10\r\n", "SETRANGE", "k", "9", "x");
    EXPECT("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n", "SETRANGE", "k",
           "8", "abc");
    EXPECT(":10\r\n", "SETRANGE", "k", "100", "");
    EXPECT("-ERR wrong number of arguments for 'setrange' command\r\n", "SETRANGE", "k", "1");
    assert_int_equal(H->dirty, 1);
}

/* ---- LCS ---- */

static void lcs_string_and_len(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "MSET", "key1", "ohmytext", "key2", "mynewtext");
    EXPECT("$6\r\nmytext\r\n", "LCS", "key1", "key2");
    EXPECT(":6\r\n", "LCS", "key1", "key2", "LEN");
    EXPECT("$0\r\n\r\n", "LCS", "nokey", "key2");
    EXPECT(":0\r\n", "LCS", "nokey", "nokey2", "len");
    EXPECT("$8\r\nohmytext\r\n", "LCS", "key1", "key1");
    EXPECT("+OK\r\n", "MSET", "n1", "12345", "n2", "2x4");
    EXPECT("$2\r\n24\r\n", "LCS", "n1", "n2");
    assert_int_equal(H->dirty, 4);
}

static void lcs_idx_in_both_protocols(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "MSET", "key1", "ohmytext", "key2", "mynewtext");
    EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
           "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
           "LCS", "key1", "key2", "IDX");
    EXPECT("*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
           "$3\r\nlen\r\n:6\r\n",
           "LCS", "key1", "key2", "idx", "MINMATCHLEN", "4");
    EXPECT("*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
           "$3\r\nlen\r\n:6\r\n",
           "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN");
    /* A negative minimum means no minimum. */
    EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
           "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
           "LCS", "key1", "key2", "MINMATCHLEN", "-5", "IDX");
    EXPECT("*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", "LCS", "nokey", "key2", "IDX");
    use_resp3();
    EXPECT("%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
           "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n",
           "LCS", "key1", "key2", "IDX", "WITHMATCHLEN");
    EXPECT("%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", "LCS", "a", "b", "idx");
    EXPECT(":6\r\n", "LCS", "key1", "key2", "LEN");
}

static void lcs_errors(void **state) {
    (void)state;
    EXPECT("+OK\r\n", "MSET", "key1", "ohmytext", "key2", "mynewtext");
    EXPECT("-ERR If you want both the length and indexes, please just use IDX.\r\n", "LCS",
           "key1", "key2", "LEN", "IDX");
    EXPECT("-ERR syntax error\r\n", "LCS", "key1", "key2", "foo");
    EXPECT("-ERR syntax error\r\n", "LCS", "key1", "key2", "MINMATCHLEN");
    EXPECT("-ERR value is not an integer or out of range\r\n", "LCS", "key1", "key2",
           "MINMATCHLEN", "x");
    EXPECT("-ERR wrong number of arguments for 'lcs' command\r\n", "LCS", "key1");
    /* The transient table is bounded by proto-max-bulk-len: 9 * 10 cells of
     * 4 bytes for these two strings. */
    H->opts.proto_max_bulk_len = 359;
    EXPECT("-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n",
           "LCS", "key1", "key2");
    H->opts.proto_max_bulk_len = 360;
    EXPECT(":6\r\n", "LCS", "key1", "key2", "LEN");
}

/* ---- binary safety ---- */

static void values_and_keys_are_binary_safe(void **state) {
    (void)state;
    const char *set[] = {"SET", "k\0y", "a\0b\r\nc"};
    const size_t set_l[] = {3, 3, 6};
    EXPECTV("+OK\r\n", 3, set, set_l);
    const char *get[] = {"GET", "k\0y"};
    const size_t get_l[] = {3, 3};
    harness_runv(H, 2, get, get_l);
    CHECK("$6\r\na\0b\r\nc\r\n");
    EXPECT("$-1\r\n", "GET", "k");

    const char *app[] = {"APPEND", "k\0y", "\0\0"};
    const size_t app_l[] = {6, 3, 2};
    EXPECTV(":8\r\n", 3, app, app_l);
    const char *sr[] = {"SETRANGE", "k\0y", "1", "\0X"};
    const size_t sr_l[] = {8, 3, 1, 2};
    EXPECTV(":8\r\n", 4, sr, sr_l);
    harness_runv(H, 2, get, get_l);
    CHECK("$8\r\na\0X\r\nc\0\0\r\n");
    const char *gr[] = {"GETRANGE", "k\0y", "1", "3"};
    const size_t gr_l[] = {8, 3, 1, 1};
    harness_runv(H, 4, gr, gr_l);
    CHECK("$3\r\n\0X\r\r\n");
    const char *sl[] = {"STRLEN", "k\0y"};
    const size_t sl_l[] = {6, 3};
    EXPECTV(":8\r\n", 2, sl, sl_l);

    const char *ms[] = {"MSET", "a", "x\0z", "b", "\0yz"};
    const size_t ms_l[] = {4, 1, 3, 1, 3};
    EXPECTV("+OK\r\n", 5, ms, ms_l);
    RUN("LCS", "a", "b");
    CHECK("$2\r\n\0z\r\n");
    RUN("MGET", "a", "b");
    CHECK("*2\r\n$3\r\nx\0z\r\n$3\r\n\0yz\r\n");
    /* A value with a NUL is never taken for an integer. */
    const char *si[] = {"SET", "i", "12\0"};
    const size_t si_l[] = {3, 1, 3};
    EXPECTV("+OK\r\n", 3, si, si_l);
    assert_int_equal(enc("i"), KV_ENC_EMBSTR);
    EXPECT("-ERR value is not an integer or out of range\r\n", "INCR", "i");
    EXPECT("-ERR value is not a valid float\r\n", "INCRBYFLOAT", "i", "1");
    const char *ib[] = {"INCRBYFLOAT", "f", "1\0"};
    const size_t ib_l[] = {11, 1, 2};
    EXPECTV("-ERR value is not a valid float\r\n", 3, ib, ib_l);
}

/* ---- the command table ---- */

static void key_positions_match_redis(void **state) {
    (void)state;
    int keys[8];
    command *c = command_find(H->registry, "mset", 4);
    assert_non_null(c);
    resp_arg mset[5] = {{"MSET", 4}, {"a", 1}, {"1", 1}, {"b", 1}, {"2", 1}};
    assert_int_equal(command_get_keys(c, 5, mset, keys, 8), 2);
    assert_int_equal(keys[0], 1);
    assert_int_equal(keys[1], 3);
    c = command_find(H->registry, "lcs", 3);
    resp_arg lcs[5] = {{"LCS", 3}, {"a", 1}, {"b", 1}, {"IDX", 3}, {"LEN", 3}};
    assert_int_equal(command_get_keys(c, 5, lcs, keys, 8), 2);
    assert_int_equal(keys[1], 2);
    c = command_find(H->registry, "mget", 4);
    resp_arg mget[4] = {{"MGET", 4}, {"a", 1}, {"b", 1}, {"c", 1}};
    assert_int_equal(command_get_keys(c, 4, mget, keys, 8), 3);
    /* Every command of the group is registered, with the group's ACL
     * category and a fast/slow split as in Redis. */
    static const struct {
        const char *name;
        bool fast;
    } all[] = {
        {"get", true},     {"set", false},       {"setnx", true},    {"setex", false},
        {"psetex", false}, {"getset", true},     {"getdel", true},   {"getex", true},
        {"mget", true},    {"mset", false},      {"msetnx", false},  {"append", true},
        {"strlen", true},  {"incr", true},       {"decr", true},     {"incrby", true},
        {"decrby", true},  {"incrbyfloat", true}, {"getrange", false}, {"setrange", false},
        {"substr", false}, {"lcs", false},
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        c = command_find(H->registry, all[i].name, strlen(all[i].name));
        assert_non_null(c);
        assert_string_equal(c->def->group, "string");
        assert_true(c->acl_bits & (1ULL << 7)); /* @string */
        assert_int_equal((c->def->flags & CMD_FAST) != 0, all[i].fast);
        assert_non_null(c->def->summary);
        assert_non_null(c->def->complexity);
        assert_non_null(c->def->key_flags);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(get_missing_key_is_null_in_both_protocols, setup, teardown),
        cmocka_unit_test_setup_teardown(get_returns_each_encoding_as_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(get_does_not_see_expired_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(set_picks_the_encoding_redis_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(set_nx_and_xx, setup, teardown),
        cmocka_unit_test_setup_teardown(set_get_replies_the_old_value, setup, teardown),
        cmocka_unit_test_setup_teardown(set_expiry_options, setup, teardown),
        cmocka_unit_test_setup_teardown(set_keepttl_keeps_and_plain_set_drops_the_ttl, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(set_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(set_invalid_expire_times, setup, teardown),
        cmocka_unit_test_setup_teardown(set_replaces_an_expired_key_under_nx, setup, teardown),
        cmocka_unit_test_setup_teardown(setnx_replies_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(setex_and_psetex, setup, teardown),
        cmocka_unit_test_setup_teardown(getset_returns_old_value_and_drops_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(getdel_returns_and_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(getex_without_options_is_get, setup, teardown),
        cmocka_unit_test_setup_teardown(getex_sets_changes_and_removes_the_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(getex_past_absolute_time_deletes_the_key, setup, teardown),
        cmocka_unit_test_setup_teardown(getex_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(mget_mixes_values_and_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(mset_sets_all_drops_ttls_and_counts_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(msetnx_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(append_creates_then_extends, setup, teardown),
        cmocka_unit_test_setup_teardown(append_in_a_loop_keeps_ttl_and_content, setup, teardown),
        cmocka_unit_test_setup_teardown(append_respects_proto_max_bulk_len, setup, teardown),
        cmocka_unit_test_setup_teardown(strlen_of_each_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(incr_creates_and_updates_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(incr_keeps_the_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(incr_on_text_values, setup, teardown),
        cmocka_unit_test_setup_teardown(incr_overflow_and_argument_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(incrbyfloat_formats_like_redis, setup, teardown),
        cmocka_unit_test_setup_teardown(incrbyfloat_stores_text_and_keeps_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(incrbyfloat_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(getrange_index_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(getrange_errors_and_substr, setup, teardown),
        cmocka_unit_test_setup_teardown(setrange_overwrites_and_pads, setup, teardown),
        cmocka_unit_test_setup_teardown(setrange_with_empty_value_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(setrange_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(lcs_string_and_len, setup, teardown),
        cmocka_unit_test_setup_teardown(lcs_idx_in_both_protocols, setup, teardown),
        cmocka_unit_test_setup_teardown(lcs_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(values_and_keys_are_binary_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(key_positions_match_redis, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
