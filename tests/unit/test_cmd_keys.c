/* Tests for the generic key and database commands (cmd_keys.c): exact
 * reply bytes in RESP2 and RESP3, expiry under a fake clock, the SCAN
 * guarantee across table resizes, and background flushing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "commands/command.h"
#include "data/keyspace.h"
#include "data/kv.h"
#include "support/cmd_harness.h"

#define T0 1700000000000LL /* a fixed "now" in Unix ms */

#define RUN(h, ...) harness_run((h), __VA_ARGS__, NULL)
#define EXPECT(h, want, ...) assert_string_equal(RUN((h), __VA_ARGS__), (want))

static int setup(void **state) {
    harness *h = harness_new();
    harness_set_time(h, T0);
    *state = h;
    return 0;
}

static int teardown(void **state) {
    harness_free(*state);
    return 0;
}

static db *db0(harness *h) {
    return keyspace_db(h->ks, 0);
}

static void set_str(harness *h, int dbid, const char *key, const char *val, int64_t expire_ms) {
    db_set_string(keyspace_db(h->ks, dbid), key, strlen(key), val, strlen(val), expire_ms, false,
                  KV_STR_AUTO);
}

/* ---- reading replies ---- */

static int64_t read_len(const char **p, char type) {
    assert_int_equal(**p, type);
    char *end;
    int64_t n = strtoll(*p + 1, &end, 10);
    assert_memory_equal(end, "\r\n", 2);
    *p = end + 2;
    return n;
}

static const char *read_bulk(const char **p, size_t *len) {
    int64_t n = read_len(p, '$');
    assert_true(n >= 0);
    const char *data = *p;
    *len = (size_t)n;
    assert_memory_equal(data + n, "\r\n", 2);
    *p = data + n + 2;
    return data;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Turns an array of bulk strings into "k1,k2,..." sorted by name, so replies
 * in hash order can be compared. Caller frees. */
static char *sorted_array(const char *resp) {
    const char *p = resp;
    int64_t n = read_len(&p, '*');
    char **items = mem_calloc((size_t)n + 1, sizeof(char *));
    size_t total = 1;
    for (int64_t i = 0; i < n; i++) {
        size_t len;
        const char *b = read_bulk(&p, &len);
        items[i] = mem_strndup(b, len);
        total += len + 1;
    }
    assert_string_equal(p, "");
    qsort(items, (size_t)n, sizeof(char *), cmp_str);
    char *out = mem_calloc(total, 1);
    for (int64_t i = 0; i < n; i++) {
        if (i) strcat(out, ",");
        strcat(out, items[i]);
        mem_free(items[i]);
    }
    mem_free(items);
    return out;
}

static size_t count_items(const char *list) {
    if (*list == '\0') return 0;
    size_t n = 1;
    for (const char *p = list; *p; p++) n += *p == ',';
    return n;
}

static void expect_sorted(const char *want, const char *resp) {
    char *got = sorted_array(resp);
    assert_string_equal(got, want);
    mem_free(got);
}

/* Full SCAN with the given options; returns the sorted key list. */
static char *scan_all(harness *h, const char *opt1, const char *opt2) {
    char cursor[32] = "0";
    int64_t calls = 0;
    /* Collect into one array reply so sorted_array can sort it. */
    char *body = mem_calloc(1, 1);
    size_t body_len = 0;
    int64_t items = 0;
    do {
        const char *argv[6] = {"SCAN", cursor, opt1, opt2, NULL, NULL};
        int argc = opt1 ? 4 : 2;
        const char *r = harness_runv(h, argc, argv, NULL);
        const char *p = r;
        assert_int_equal(read_len(&p, '*'), 2);
        size_t clen;
        const char *c = read_bulk(&p, &clen);
        memcpy(cursor, c, clen);
        cursor[clen] = '\0';
        int64_t n = read_len(&p, '*');
        const char *start = p;
        for (int64_t i = 0; i < n; i++) {
            size_t len;
            read_bulk(&p, &len);
        }
        assert_string_equal(p, "");
        size_t add = (size_t)(p - start);
        body = mem_realloc(body, body_len + add + 1);
        memcpy(body + body_len, start, add);
        body_len += add;
        body[body_len] = '\0';
        items += n;
        assert_true(++calls < 100000);
    } while (strcmp(cursor, "0") != 0);
    char head[32];
    int hl = snprintf(head, sizeof(head), "*%lld\r\n", (long long)items);
    char *whole = mem_alloc((size_t)hl + body_len + 1);
    memcpy(whole, head, (size_t)hl);
    memcpy(whole + hl, body, body_len + 1);
    mem_free(body);
    char *sorted = sorted_array(whole);
    mem_free(whole);
    return sorted;
}

/* ---- DEL, UNLINK, EXISTS, TYPE, TOUCH ---- */

static void del_counts_existing_keys(void **state) {
    harness *h = *state;
    EXPECT(h, "+OK\r\n", "SET", "a", "1");
    EXPECT(h, "+OK\r\n", "SET", "b", "2");
    uint64_t dirty = h->dirty;
    EXPECT(h, ":2\r\n", "DEL", "a", "b", "c", "a");
    assert_int_equal(h->dirty - dirty, 2);
    EXPECT(h, ":0\r\n", "EXISTS", "a", "b");
    EXPECT(h, ":0\r\n", "DEL", "a");
    EXPECT(h, "-ERR wrong number of arguments for 'del' command\r\n", "DEL");
}

static void del_treats_expired_key_as_missing(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", T0 + 100);
    harness_set_time(h, T0 + 100);
    uint64_t dirty = h->dirty;
    EXPECT(h, ":0\r\n", "DEL", "k");
    assert_int_equal(h->dirty, dirty);
    assert_int_equal(db_size(db0(h)), 0);
}

static void unlink_deletes_like_del(void **state) {
    harness *h = *state;
    set_str(h, 0, "a", "1", -1);
    set_str(h, 0, "b", "x", -1);
    EXPECT(h, ":2\r\n", "UNLINK", "a", "b", "zz");
    EXPECT(h, ":0\r\n", "EXISTS", "a");
    EXPECT(h, "-ERR wrong number of arguments for 'unlink' command\r\n", "UNLINK");
}

static void exists_counts_repeated_keys(void **state) {
    harness *h = *state;
    set_str(h, 0, "a", "1", -1);
    EXPECT(h, ":3\r\n", "EXISTS", "a", "a", "b", "a");
    set_str(h, 0, "gone", "1", T0 + 5);
    harness_set_time(h, T0 + 5);
    EXPECT(h, ":0\r\n", "EXISTS", "gone");
}

static void type_names_string_or_none(void **state) {
    harness *h = *state;
    set_str(h, 0, "s", "hello", -1);
    set_str(h, 0, "i", "42", -1);
    EXPECT(h, "+string\r\n", "TYPE", "s");
    EXPECT(h, "+string\r\n", "TYPE", "i");
    EXPECT(h, "+none\r\n", "TYPE", "nope");
    set_str(h, 0, "old", "v", T0 + 1);
    harness_set_time(h, T0 + 1);
    EXPECT(h, "+none\r\n", "TYPE", "old");
    h->sess.proto = 3;
    EXPECT(h, "+string\r\n", "TYPE", "s");
    EXPECT(h, "-ERR wrong number of arguments for 'type' command\r\n", "TYPE", "a", "b");
}

static void touch_counts_and_records_access(void **state) {
    harness *h = *state;
    set_str(h, 0, "a", "1", -1);
    set_str(h, 0, "b", "2", -1);
    harness_set_time(h, T0 + 10000);
    EXPECT(h, ":10\r\n", "OBJECT", "IDLETIME", "a");
    EXPECT(h, ":10\r\n", "OBJECT", "IDLETIME", "b");
    /* TYPE and EXISTS look without recording an access. */
    EXPECT(h, "+string\r\n", "TYPE", "a");
    EXPECT(h, ":1\r\n", "EXISTS", "a");
    EXPECT(h, ":10\r\n", "OBJECT", "IDLETIME", "a");
    EXPECT(h, ":2\r\n", "TOUCH", "a", "missing", "b");
    EXPECT(h, ":0\r\n", "OBJECT", "IDLETIME", "a");
    EXPECT(h, ":0\r\n", "OBJECT", "IDLETIME", "b");
    /* TOUCH records the access even for a NO-TOUCH client. */
    harness_set_time(h, T0 + 20000);
    h->sess.flags |= SESSION_NO_TOUCH;
    EXPECT(h, ":1\r\n", "TOUCH", "a");
    EXPECT(h, ":0\r\n", "OBJECT", "IDLETIME", "a");
    EXPECT(h, ":10\r\n", "OBJECT", "IDLETIME", "b");
    EXPECT(h, "-ERR wrong number of arguments for 'touch' command\r\n", "TOUCH");
}

/* ---- KEYS ---- */

static void keys_matches_glob_patterns(void **state) {
    harness *h = *state;
    const char *names[] = {"hello", "hallo", "hxllo", "hllo", "heeeello", "foo", "h*llo"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) set_str(h, 0, names[i], "v", -1);
    expect_sorted("h*llo,hallo,hello,hxllo", RUN(h, "KEYS", "h?llo"));
    expect_sorted("h*llo,hallo,heeeello,hello,hllo,hxllo", RUN(h, "KEYS", "h*llo"));
    expect_sorted("hallo,hello", RUN(h, "KEYS", "h[ae]llo"));
    expect_sorted("h*llo,hxllo", RUN(h, "KEYS", "h[^ae]*llo"));
    expect_sorted("foo,h*llo,hallo,heeeello,hello,hllo,hxllo", RUN(h, "KEYS", "*"));
    /* Literal patterns, including an escaped wildcard. */
    EXPECT(h, "*1\r\n$3\r\nfoo\r\n", "KEYS", "foo");
    EXPECT(h, "*0\r\n", "KEYS", "fo");
    EXPECT(h, "*1\r\n$5\r\nh*llo\r\n", "KEYS", "h\\*llo");
    EXPECT(h, "*0\r\n", "KEYS", "nomatch*");
    h->sess.proto = 3;
    EXPECT(h, "*1\r\n$3\r\nfoo\r\n", "KEYS", "f*");
    EXPECT(h, "-ERR wrong number of arguments for 'keys' command\r\n", "KEYS");
}

static void keys_hides_expired_keys(void **state) {
    harness *h = *state;
    set_str(h, 0, "live", "1", -1);
    set_str(h, 0, "later", "1", T0 + 1000);
    set_str(h, 0, "dead", "1", T0 + 10);
    harness_set_time(h, T0 + 10);
    expect_sorted("later,live", RUN(h, "KEYS", "*"));
    EXPECT(h, "*0\r\n", "KEYS", "dead");
    EXPECT(h, "*0\r\n", "KEYS", "d*");
}

static void keys_is_binary_safe(void **state) {
    harness *h = *state;
    db_set_string(db0(h), "a\0b", 3, "v", 1, -1, false, KV_STR_AUTO);
    const char *argv[] = {"KEYS", "a?b"};
    const char *r = harness_runv(h, 2, argv, NULL);
    assert_int_equal(h->last_len, 13);
    assert_memory_equal(r, "*1\r\n$3\r\na\0b\r\n", 13);
    size_t lens[] = {4, 3};
    const char *argv2[] = {"KEYS", "a\0b"};
    harness_runv(h, 2, argv2, lens);
    assert_memory_equal(h->last, "*1\r\n$3\r\na\0b\r\n", 13);
}

/* ---- SCAN ---- */

static void scan_walks_small_database(void **state) {
    harness *h = *state;
    EXPECT(h, "*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0");
    set_str(h, 0, "a", "1", -1);
    set_str(h, 0, "b", "1", -1);
    set_str(h, 0, "c", "1", -1);
    char *all = scan_all(h, NULL, NULL);
    assert_string_equal(all, "a,b,c");
    mem_free(all);
    all = scan_all(h, "COUNT", "1");
    assert_string_equal(all, "a,b,c");
    mem_free(all);
    h->sess.proto = 3;
    set_str(h, 1, "only", "1", -1);
    h->sess.db = 1;
    EXPECT(h, "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n", "SCAN", "0", "COUNT", "100");
}

static void scan_parses_cursor_like_redis(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", -1);
    /* An empty cursor is 0, as strtoul reads it. */
    EXPECT(h, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", "SCAN", "");
    EXPECT(h, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", "SCAN", "+0");
    EXPECT(h, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", "SCAN", "-0");
    assert_memory_equal(RUN(h, "SCAN", "-1"), "*2\r\n", 4);
    assert_memory_equal(RUN(h, "SCAN", "18446744073709551615"), "*2\r\n", 4);
    const char *bad[] = {"-", "+", " 1", "1 ", "\t1", "x", "1x", "0x10", "18446744073709551616",
                         "-18446744073709551616", "99999999999999999999999"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        EXPECT(h, "-ERR invalid cursor\r\n", "SCAN", bad[i]);
    /* Redis compat: the cursor is read as a C string, up to a NUL. */
    size_t lens[] = {4, 3};
    const char *argv[] = {"SCAN", "0\0x"};
    harness_runv(h, 2, argv, lens);
    assert_string_equal(h->last, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
}

static void scan_option_errors(void **state) {
    harness *h = *state;
    EXPECT(h, "-ERR syntax error\r\n", "SCAN", "0", "COUNT", "0");
    EXPECT(h, "-ERR syntax error\r\n", "SCAN", "0", "COUNT", "-5");
    EXPECT(h, "-ERR value is not an integer or out of range\r\n", "SCAN", "0", "COUNT", "x");
    EXPECT(h, "-ERR value is not an integer or out of range\r\n", "SCAN", "0", "COUNT",
           "99999999999999999999");
    EXPECT(h, "-ERR syntax error\r\n", "SCAN", "0", "COUNT");
    EXPECT(h, "-ERR syntax error\r\n", "SCAN", "0", "MATCH");
    EXPECT(h, "-ERR syntax error\r\n", "SCAN", "0", "TYPE");
    EXPECT(h, "-ERR syntax error\r\n", "SCAN", "0", "foo", "bar");
    EXPECT(h, "-ERR syntax error\r\n", "SCAN", "0", "MATCH", "*", "COUNT");
    EXPECT(h, "-ERR invalid cursor\r\n", "SCAN", "x", "COUNT", "0");
    EXPECT(h, "-ERR wrong number of arguments for 'scan' command\r\n", "SCAN");
    /* A huge COUNT is fine. */
    EXPECT(h, "*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "count", "9223372036854775807");
}

static void scan_filters_by_pattern_and_type(void **state) {
    harness *h = *state;
    for (int i = 0; i < 30; i++) {
        char key[32];
        snprintf(key, sizeof(key), "%s:%d", i % 2 ? "odd" : "even", i);
        set_str(h, 0, key, "v", -1);
    }
    char *r = scan_all(h, "MATCH", "odd:1*");
    assert_string_equal(r, "odd:1,odd:11,odd:13,odd:15,odd:17,odd:19");
    mem_free(r);
    r = scan_all(h, "TYPE", "STRING");
    assert_int_equal(count_items(r), 30);
    mem_free(r);
    r = scan_all(h, "TYPE", "hash");
    assert_string_equal(r, "");
    mem_free(r);
    r = scan_all(h, "TYPE", "nosuchtype");
    assert_string_equal(r, "");
    mem_free(r);
    /* MATCH * is no filter at all. */
    r = scan_all(h, "MATCH", "*");
    assert_int_equal(count_items(r), 30);
    mem_free(r);
    /* Options combine and repeat: the last one wins. */
    EXPECT(h, "*2\r\n$1\r\n0\r\n*1\r\n$5\r\nodd:3\r\n", "SCAN", "0", "MATCH", "x", "COUNT", "1000",
           "MATCH", "odd:3", "TYPE", "string");
}

static void scan_hides_and_deletes_expired_keys(void **state) {
    harness *h = *state;
    for (int i = 0; i < 50; i++) {
        char key[32];
        snprintf(key, sizeof(key), "k%02d", i);
        set_str(h, 0, key, "v", i < 20 ? T0 + 10 : -1);
    }
    harness_set_time(h, T0 + 10);
    assert_int_equal(db_size(db0(h)), 50);
    uint64_t expired = keyspace_stats_of(h->ks)->expired_keys;
    char *r = scan_all(h, NULL, NULL);
    assert_int_equal(count_items(r), 30);
    assert_null(strstr(r, "k19"));
    assert_non_null(strstr(r, "k20"));
    mem_free(r);
    /* The walk deleted what it found expired, as lookups do. */
    assert_int_equal(db_size(db0(h)), 30);
    assert_int_equal(keyspace_stats_of(h->ks)->expired_keys - expired, 20);
    /* Also with a TYPE filter (Redis 7.0 would let them through as "none"). */
    set_str(h, 0, "dying", "v", T0 + 20);
    harness_set_time(h, T0 + 20);
    r = scan_all(h, "TYPE", "none");
    assert_string_equal(r, "");
    mem_free(r);
}

/* The index of key "<prefix><number>", or -1. */
static int key_index(const char *key, size_t len, const char *prefix) {
    size_t plen = strlen(prefix);
    if (len <= plen || len - plen > 9 || memcmp(key, prefix, plen) != 0) return -1;
    int n = 0;
    for (size_t i = plen; i < len; i++) {
        if (key[i] < '0' || key[i] > '9') return -1;
        n = n * 10 + (key[i] - '0');
    }
    return n;
}

/* Walks the database with SCAN COUNT 3 while other keys come and go, and
 * checks that each of the n keys "<orig><i>" was returned. The walk starts
 * with grow_calls * batch extra keys; the next calls delete them `batch` at
 * a time (the tables shrink), then nothing happens for a while, then
 * grow_calls calls add them back (the tables grow). After two such waves
 * the extras are deleted for good, so the walk ends on shrunk tables. */
static void scan_under_churn(harness *h, const char *orig, int n, const char *extra, int batch,
                             int grow_calls) {
    char key[64];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%s%d", orig, i);
        set_str(h, 0, key, "v", -1);
    }
    size_t overhead_start = keyspace_overhead_bytes(h->ks);
    int live_extras = 0, first_extra = 0;
    for (; live_extras < batch * grow_calls; live_extras++) {
        snprintf(key, sizeof(key), "%s%d", extra, live_extras);
        set_str(h, 0, key, "e", -1);
    }
    db *d = db0(h);
    char *seen = mem_calloc((size_t)n, 1);
    size_t overhead_max = keyspace_overhead_bytes(h->ks), overhead_min = overhead_max;
    char cursor[32] = "0";
    int calls = 0;
    do {
        const char *argv[] = {"SCAN", cursor, "COUNT", "3"};
        const char *p = harness_runv(h, 4, argv, NULL);
        assert_int_equal(read_len(&p, '*'), 2);
        size_t clen;
        const char *c = read_bulk(&p, &clen);
        memcpy(cursor, c, clen);
        cursor[clen] = '\0';
        int64_t got = read_len(&p, '*');
        for (int64_t i = 0; i < got; i++) {
            size_t len;
            const char *k = read_bulk(&p, &len);
            int idx = key_index(k, len, orig);
            if (idx >= 0 && idx < n) seen[idx] = 1;
        }
        bool growing = calls < 6 * grow_calls && calls % (3 * grow_calls) >= 2 * grow_calls;
        for (int j = 0; j < batch; j++) {
            if (growing) {
                snprintf(key, sizeof(key), "%s%d", extra, first_extra + live_extras++);
                set_str(h, 0, key, "e", -1);
            } else if (live_extras > 0) {
                snprintf(key, sizeof(key), "%s%d", extra, first_extra++);
                live_extras--;
                assert_true(db_delete(d, key, strlen(key)));
            }
        }
        /* The server's rehash step runs between calls too. */
        if (calls % 5 == 0) keyspace_rehash_step(h->ks, 20);
        size_t overhead = keyspace_overhead_bytes(h->ks);
        if (overhead > overhead_max) overhead_max = overhead;
        if (overhead < overhead_min) overhead_min = overhead;
        calls++;
        assert_true(calls < 1000000);
    } while (strcmp(cursor, "0") != 0);
    /* The walk spanned several waves, and the tables really resized. */
    assert_true(calls > 3 * grow_calls);
    assert_true(overhead_max > overhead_start + 16 * 1024);
    assert_true(overhead_min < overhead_max - 16 * 1024);
    for (int i = 0; i < n; i++) {
        if (!seen[i]) fail_msg("key %d was never returned", i);
    }
    assert_int_equal(db_size(d), (size_t)(n + live_extras));
    mem_free(seen);
}

static void scan_returns_every_key_while_one_slot_resizes(void **state) {
    /* All keys in one slot table, so the walk is inside that table while
     * it grows from 512 to 4096 buckets and back, again and again. */
    scan_under_churn(*state, "{t}orig:", 400, "{t}x:", 100, 20);
}

static void scan_returns_every_key_while_slots_come_and_go(void **state) {
    /* Keys spread over slots: slot tables are created and dropped. */
    scan_under_churn(*state, "orig:", 600, "x:", 100, 20);
}

/* ---- RANDOMKEY, DBSIZE ---- */

static void randomkey_returns_live_key_or_null(void **state) {
    harness *h = *state;
    EXPECT(h, "$-1\r\n", "RANDOMKEY");
    h->sess.proto = 3;
    EXPECT(h, "_\r\n", "RANDOMKEY");
    h->sess.proto = 2;
    set_str(h, 0, "only", "v", -1);
    EXPECT(h, "$4\r\nonly\r\n", "RANDOMKEY");
    /* Many expired keys around one live one: the expired ones are never
     * returned, and they are deleted on the way. */
    char key[32];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "dead:%d", i);
        set_str(h, 0, key, "v", T0 + 1);
    }
    harness_set_time(h, T0 + 1);
    for (int i = 0; i < 5; i++) EXPECT(h, "$4\r\nonly\r\n", "RANDOMKEY");
    EXPECT(h, ":1\r\n", "DBSIZE");
    EXPECT(h, ":0\r\n", "DEL", "dead:1");
    /* All expired: null. */
    set_str(h, 0, "x", "v", T0 + 2);
    EXPECT(h, ":1\r\n", "DEL", "only");
    harness_set_time(h, T0 + 2);
    EXPECT(h, "$-1\r\n", "RANDOMKEY");
    EXPECT(h, ":0\r\n", "DBSIZE");
    EXPECT(h, "-ERR wrong number of arguments for 'randomkey' command\r\n", "RANDOMKEY", "x");
}

static void randomkey_covers_all_keys(void **state) {
    harness *h = *state;
    set_str(h, 0, "a", "v", -1);
    set_str(h, 0, "b", "v", -1);
    set_str(h, 0, "c", "v", -1);
    bool seen[3] = {false, false, false};
    for (int i = 0; i < 300; i++) {
        const char *r = RUN(h, "RANDOMKEY");
        assert_memory_equal(r, "$1\r\n", 4);
        seen[r[4] - 'a'] = true;
    }
    assert_true(seen[0] && seen[1] && seen[2]);
}

static void dbsize_counts_selected_database(void **state) {
    harness *h = *state;
    EXPECT(h, ":0\r\n", "DBSIZE");
    set_str(h, 0, "a", "v", -1);
    set_str(h, 0, "b", "v", -1);
    set_str(h, 3, "c", "v", -1);
    EXPECT(h, ":2\r\n", "DBSIZE");
    h->sess.db = 3;
    EXPECT(h, ":1\r\n", "DBSIZE");
    EXPECT(h, "-ERR wrong number of arguments for 'dbsize' command\r\n", "DBSIZE", "x");
}

/* ---- RENAME, RENAMENX ---- */

static void rename_moves_value_and_ttl(void **state) {
    harness *h = *state;
    set_str(h, 0, "src", "hello", T0 + 5000);
    uint64_t dirty = h->dirty;
    EXPECT(h, "+OK\r\n", "RENAME", "src", "dst");
    assert_int_equal(h->dirty - dirty, 1);
    EXPECT(h, ":0\r\n", "EXISTS", "src");
    EXPECT(h, "$5\r\nhello\r\n", "GET", "dst");
    EXPECT(h, ":5000\r\n", "PTTL", "dst");
    EXPECT(h, ":1\r\n", "DBSIZE");
    /* Overwriting a key with an expiry by one without. */
    set_str(h, 0, "plain", "p", -1);
    EXPECT(h, "+OK\r\n", "RENAME", "plain", "dst");
    EXPECT(h, ":-1\r\n", "TTL", "dst");
    EXPECT(h, "$1\r\np\r\n", "GET", "dst");
    assert_int_equal(db_volatile_count(db0(h)), 0);
    /* And the other way round. */
    set_str(h, 0, "vol", "w", T0 + 9000);
    EXPECT(h, "+OK\r\n", "RENAME", "vol", "dst");
    EXPECT(h, ":9\r\n", "TTL", "dst");
    assert_int_equal(db_volatile_count(db0(h)), 1);
    EXPECT(h, ":1\r\n", "DBSIZE");
    /* The expiry still works under the new name. */
    harness_set_time(h, T0 + 9000);
    EXPECT(h, ":0\r\n", "EXISTS", "dst");
    assert_int_equal(db_volatile_count(db0(h)), 0);
}

static void rename_keeps_encoding(void **state) {
    harness *h = *state;
    char big[100];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    set_str(h, 0, "i", "12345", -1);
    set_str(h, 0, "e", "short", -1);
    set_str(h, 0, "r", big, -1);
    EXPECT(h, "+OK\r\n", "RENAME", "i", "i2");
    EXPECT(h, "+OK\r\n", "RENAME", "e", "e2");
    EXPECT(h, "+OK\r\n", "RENAME", "r", "r2");
    EXPECT(h, "$3\r\nint\r\n", "OBJECT", "ENCODING", "i2");
    EXPECT(h, "$6\r\nembstr\r\n", "OBJECT", "ENCODING", "e2");
    EXPECT(h, "$3\r\nraw\r\n", "OBJECT", "ENCODING", "r2");
    assert_int_equal(kv_str_len(db_find(db0(h), "r2", 2)), 99);
    EXPECT(h, "$5\r\n12345\r\n", "GET", "i2");
}

static void rename_errors_and_same_key(void **state) {
    harness *h = *state;
    EXPECT(h, "-ERR no such key\r\n", "RENAME", "nokey", "x");
    EXPECT(h, "-ERR no such key\r\n", "RENAME", "nokey", "nokey");
    EXPECT(h, "-ERR no such key\r\n", "RENAMENX", "nokey", "x");
    set_str(h, 0, "k", "v", T0 + 3000);
    uint64_t dirty = h->dirty;
    EXPECT(h, "+OK\r\n", "RENAME", "k", "k");
    EXPECT(h, ":0\r\n", "RENAMENX", "k", "k");
    assert_int_equal(h->dirty, dirty);
    EXPECT(h, ":3000\r\n", "PTTL", "k");
    /* An expired source is missing. */
    harness_set_time(h, T0 + 3000);
    EXPECT(h, "-ERR no such key\r\n", "RENAME", "k", "z");
    EXPECT(h, "-ERR wrong number of arguments for 'rename' command\r\n", "RENAME", "a");
    EXPECT(h, "-ERR wrong number of arguments for 'renamenx' command\r\n", "RENAMENX", "a", "b",
           "c");
}

static void renamenx_only_to_missing_key(void **state) {
    harness *h = *state;
    set_str(h, 0, "a", "1", -1);
    set_str(h, 0, "b", "2", -1);
    EXPECT(h, ":0\r\n", "RENAMENX", "a", "b");
    EXPECT(h, "$1\r\n1\r\n", "GET", "a");
    EXPECT(h, "$1\r\n2\r\n", "GET", "b");
    uint64_t dirty = h->dirty;
    EXPECT(h, ":1\r\n", "RENAMENX", "a", "c");
    assert_int_equal(h->dirty - dirty, 1);
    EXPECT(h, ":0\r\n", "EXISTS", "a");
    EXPECT(h, "$1\r\n1\r\n", "GET", "c");
    /* An expired destination counts as missing. */
    set_str(h, 0, "old", "x", T0 + 1);
    harness_set_time(h, T0 + 1);
    EXPECT(h, ":1\r\n", "RENAMENX", "c", "old");
    EXPECT(h, "$1\r\n1\r\n", "GET", "old");
    EXPECT(h, ":-1\r\n", "TTL", "old");
}

static void rename_many_keys_in_one_slot(void **state) {
    harness *h = *state;
    /* Same slot for source and destination, while the table grows. */
    char a[32], b[32];
    for (int i = 0; i < 300; i++) {
        snprintf(a, sizeof(a), "{s}a%d", i);
        set_str(h, 0, a, a, i % 3 ? -1 : T0 + 100000);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(a, sizeof(a), "{s}a%d", i);
        snprintf(b, sizeof(b), "{s}b%d", i);
        EXPECT(h, "+OK\r\n", "RENAME", a, b);
    }
    EXPECT(h, ":300\r\n", "DBSIZE");
    assert_int_equal(db_volatile_count(db0(h)), 100);
    for (int i = 0; i < 300; i++) {
        snprintf(a, sizeof(a), "{s}a%d", i);
        snprintf(b, sizeof(b), "{s}b%d", i);
        kv *e = db_find(db0(h), b, strlen(b));
        assert_non_null(e);
        char tmp[KV_INT_BUF];
        size_t len;
        const char *v = kv_str_value(e, tmp, &len);
        assert_int_equal(len, strlen(a));
        assert_memory_equal(v, a, len);
        assert_int_equal(kv_expire(e), i % 3 ? -1 : T0 + 100000);
    }
}

/* ---- COPY ---- */

static void copy_within_and_across_databases(void **state) {
    harness *h = *state;
    set_str(h, 0, "src", "value", T0 + 7000);
    uint64_t dirty = h->dirty;
    EXPECT(h, ":1\r\n", "COPY", "src", "dst");
    assert_int_equal(h->dirty - dirty, 1);
    EXPECT(h, "$5\r\nvalue\r\n", "GET", "src");
    EXPECT(h, "$5\r\nvalue\r\n", "GET", "dst");
    EXPECT(h, ":7000\r\n", "PTTL", "dst");
    /* The copy is independent of the original. */
    EXPECT(h, ":1\r\n", "DEL", "src");
    EXPECT(h, "$5\r\nvalue\r\n", "GET", "dst");
    /* Existing destination. */
    set_str(h, 0, "other", "o", -1);
    EXPECT(h, ":0\r\n", "COPY", "dst", "other");
    EXPECT(h, "$1\r\no\r\n", "GET", "other");
    EXPECT(h, ":1\r\n", "COPY", "dst", "other", "REPLACE");
    EXPECT(h, "$5\r\nvalue\r\n", "GET", "other");
    EXPECT(h, ":7000\r\n", "PTTL", "other");
    /* Another database, same name allowed there. */
    EXPECT(h, ":1\r\n", "COPY", "dst", "dst", "DB", "5");
    EXPECT(h, ":1\r\n", "COPY", "dst", "dst", "db", "5", "replace");
    EXPECT(h, ":0\r\n", "COPY", "dst", "dst", "DB", "5");
    h->sess.db = 5;
    EXPECT(h, "$5\r\nvalue\r\n", "GET", "dst");
    EXPECT(h, ":7000\r\n", "PTTL", "dst");
    EXPECT(h, ":1\r\n", "DBSIZE");
    /* Missing source. */
    EXPECT(h, ":0\r\n", "COPY", "nokey", "x");
    EXPECT(h, ":0\r\n", "EXISTS", "x");
}

static void copy_keeps_encoding_and_resets_access(void **state) {
    harness *h = *state;
    char big[60];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    set_str(h, 0, "i", "77", -1);
    set_str(h, 0, "e", "emb", -1);
    set_str(h, 0, "r", big, -1);
    harness_set_time(h, T0 + 30000);
    EXPECT(h, ":1\r\n", "COPY", "i", "i2");
    EXPECT(h, ":1\r\n", "COPY", "e", "e2");
    EXPECT(h, ":1\r\n", "COPY", "r", "r2");
    EXPECT(h, "$3\r\nint\r\n", "OBJECT", "ENCODING", "i2");
    EXPECT(h, "$6\r\nembstr\r\n", "OBJECT", "ENCODING", "e2");
    EXPECT(h, "$3\r\nraw\r\n", "OBJECT", "ENCODING", "r2");
    /* The copy is new: its idle time starts now. */
    EXPECT(h, ":0\r\n", "OBJECT", "IDLETIME", "e2");
}

static void copy_errors(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, "-ERR source and destination objects are the same\r\n", "COPY", "k", "k");
    EXPECT(h, "-ERR source and destination objects are the same\r\n", "COPY", "k", "k", "DB",
           "0");
    EXPECT(h, "-ERR source and destination objects are the same\r\n", "COPY", "nokey", "nokey");
    EXPECT(h, "-ERR DB index is out of range\r\n", "COPY", "k", "x", "DB", "16");
    EXPECT(h, "-ERR DB index is out of range\r\n", "COPY", "k", "x", "DB", "-1");
    EXPECT(h, "-ERR value is not an integer or out of range\r\n", "COPY", "k", "x", "DB", "one");
    EXPECT(h,
           "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
           "COPY", "k", "x", "DB", "5000000000");
    EXPECT(h, "-ERR syntax error\r\n", "COPY", "k", "x", "foo");
    EXPECT(h, "-ERR syntax error\r\n", "COPY", "k", "x", "DB");
    EXPECT(h, "-ERR syntax error\r\n", "COPY", "k", "x", "REPLACE", "bar");
    /* Options are checked in order: the first problem is reported. */
    EXPECT(h, "-ERR DB index is out of range\r\n", "COPY", "k", "x", "DB", "99", "foo");
    EXPECT(h, "-ERR wrong number of arguments for 'copy' command\r\n", "COPY", "k");
    EXPECT(h, ":0\r\n", "EXISTS", "x");
}

static void copy_in_cluster_mode(void **state) {
    harness *h = *state;
    h->opts.cluster_enabled = true;
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, "-ERR Copying to another database is not allowed in cluster mode\r\n", "COPY", "k",
           "x", "DB", "1");
    EXPECT(h, ":1\r\n", "COPY", "k", "x", "DB", "0");
    EXPECT(h, ":1\r\n", "COPY", "k", "y");
}

/* ---- MOVE ---- */

static void move_transfers_key_with_ttl(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", T0 + 4000);
    set_str(h, 0, "n", "123", -1);
    uint64_t dirty = h->dirty;
    EXPECT(h, ":1\r\n", "MOVE", "k", "2");
    EXPECT(h, ":1\r\n", "MOVE", "n", "2");
    assert_int_equal(h->dirty - dirty, 2);
    EXPECT(h, ":0\r\n", "EXISTS", "k");
    assert_int_equal(db_volatile_count(db0(h)), 0);
    h->sess.db = 2;
    EXPECT(h, "$1\r\nv\r\n", "GET", "k");
    EXPECT(h, ":4000\r\n", "PTTL", "k");
    EXPECT(h, "$3\r\nint\r\n", "OBJECT", "ENCODING", "n");
    assert_int_equal(db_volatile_count(keyspace_db(h->ks, 2)), 1);
    harness_set_time(h, T0 + 4000);
    EXPECT(h, ":0\r\n", "EXISTS", "k");
}

static void move_refuses_existing_or_missing(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "here", -1);
    set_str(h, 1, "k", "there", -1);
    EXPECT(h, ":0\r\n", "MOVE", "k", "1");
    EXPECT(h, "$4\r\nhere\r\n", "GET", "k");
    EXPECT(h, ":0\r\n", "MOVE", "nokey", "1");
    /* An expired key in the target does not block. */
    set_str(h, 2, "k", "old", T0 + 1);
    harness_set_time(h, T0 + 1);
    EXPECT(h, ":1\r\n", "MOVE", "k", "2");
    h->sess.db = 2;
    EXPECT(h, "$4\r\nhere\r\n", "GET", "k");
}

static void move_errors(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, "-ERR source and destination objects are the same\r\n", "MOVE", "k", "0");
    EXPECT(h, "-ERR source and destination objects are the same\r\n", "MOVE", "nokey", "0");
    EXPECT(h, "-ERR DB index is out of range\r\n", "MOVE", "k", "16");
    EXPECT(h, "-ERR DB index is out of range\r\n", "MOVE", "k", "-1");
    EXPECT(h, "-ERR value is not an integer or out of range\r\n", "MOVE", "k", "x");
    EXPECT(h,
           "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
           "MOVE", "k", "5000000000");
    EXPECT(h, "-ERR wrong number of arguments for 'move' command\r\n", "MOVE", "k");
    h->opts.cluster_enabled = true;
    EXPECT(h, "-ERR MOVE is not allowed in cluster mode\r\n", "MOVE", "k", "1");
    EXPECT(h, "-ERR MOVE is not allowed in cluster mode\r\n", "MOVE", "k", "x");
    EXPECT(h, ":1\r\n", "EXISTS", "k");
}

/* ---- EXPIRE family ---- */

static void expire_sets_relative_and_absolute_times(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", -1);
    uint64_t dirty = h->dirty;
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "100");
    assert_int_equal(h->dirty - dirty, 1);
    EXPECT(h, ":100000\r\n", "PTTL", "k");
    EXPECT(h, ":1\r\n", "PEXPIRE", "k", "2500");
    EXPECT(h, ":2500\r\n", "PTTL", "k");
    EXPECT(h, ":1\r\n", "EXPIREAT", "k", "1700000100");
    EXPECT(h, ":1700000100000\r\n", "PEXPIRETIME", "k");
    EXPECT(h, ":1\r\n", "PEXPIREAT", "k", "1700000000123");
    EXPECT(h, ":123\r\n", "PTTL", "k");
    EXPECT(h, ":1700000000\r\n", "EXPIRETIME", "k");
    assert_int_equal(db_volatile_count(db0(h)), 1);
    EXPECT(h, ":0\r\n", "EXPIRE", "missing", "100");
    EXPECT(h, ":0\r\n", "PEXPIREAT", "missing", "1");
    /* The key goes away when the clock passes its deadline. */
    harness_set_time(h, T0 + 122);
    EXPECT(h, ":1\r\n", "EXISTS", "k");
    harness_set_time(h, T0 + 123);
    EXPECT(h, ":0\r\n", "EXISTS", "k");
    EXPECT(h, ":-2\r\n", "TTL", "k");
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "10");
}

static void expire_in_the_past_deletes(void **state) {
    harness *h = *state;
    const char *cmds[][3] = {
        {"EXPIRE", "0", NULL},           {"EXPIRE", "-10", NULL},
        {"PEXPIRE", "0", NULL},          {"PEXPIRE", "-1", NULL},
        {"EXPIREAT", "1", NULL},         {"PEXPIREAT", "1700000000000", NULL},
        {"EXPIREAT", "-9223372036854775", NULL}, {"PEXPIRE", "-9223372036854775808", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
        set_str(h, 0, "k", "v", i % 2 ? T0 + 100000 : -1);
        uint64_t dirty = h->dirty;
        EXPECT(h, ":1\r\n", cmds[i][0], "k", cmds[i][1]);
        assert_int_equal(h->dirty - dirty, 1);
        assert_int_equal(db_size(db0(h)), 0);
        assert_int_equal(db_volatile_count(db0(h)), 0);
    }
    /* One millisecond in the future is still the future. */
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, ":1\r\n", "PEXPIREAT", "k", "1700000000001");
    EXPECT(h, ":1\r\n", "PTTL", "k");
}

static void expire_conditions(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", -1);
    /* No expiry: XX and GT fail, NX and LT succeed. */
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "100", "XX");
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "100", "GT");
    EXPECT(h, ":-1\r\n", "TTL", "k");
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "100", "LT");
    EXPECT(h, ":100\r\n", "TTL", "k");
    EXPECT(h, ":1\r\n", "PERSIST", "k");
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "100", "nx");
    EXPECT(h, ":100\r\n", "TTL", "k");
    /* With an expiry of 100 s. */
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "50", "NX");
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "50", "XX");
    EXPECT(h, ":50\r\n", "TTL", "k");
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "50", "GT");
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "40", "GT");
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "60", "GT");
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "60", "LT");
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "70", "LT");
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "30", "LT");
    EXPECT(h, ":30\r\n", "TTL", "k");
    EXPECT(h, ":1\r\n", "PEXPIRE", "k", "40000", "XX", "GT");
    EXPECT(h, ":40000\r\n", "PTTL", "k");
    EXPECT(h, ":0\r\n", "PEXPIREAT", "k", "1700000040000", "XX", "LT");
    EXPECT(h, ":1\r\n", "PEXPIREAT", "k", "1700000039999", "XX", "LT");
    EXPECT(h, ":1\r\n", "EXPIREAT", "k", "1700000100", "xx", "gt");
    EXPECT(h, ":100\r\n", "TTL", "k");
    /* A condition that fails leaves the key alone even for a past time. */
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "-1", "GT");
    EXPECT(h, ":1\r\n", "EXISTS", "k");
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "-1", "LT");
    EXPECT(h, ":0\r\n", "EXISTS", "k");
    /* Missing key: 0 whatever the flags. */
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "10", "NX");
}

static void expire_option_errors(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, "-ERR Unsupported option foo\r\n", "EXPIRE", "k", "10", "foo");
    EXPECT(h, "-ERR Unsupported option bar\r\n", "PEXPIRE", "k", "10", "NX", "bar");
    /* Options are checked before the time. */
    EXPECT(h, "-ERR Unsupported option foo\r\n", "EXPIRE", "k", "x", "foo");
    const char *nx_combos[][2] = {{"NX", "XX"}, {"NX", "GT"}, {"LT", "NX"}};
    for (size_t i = 0; i < ARRAY_LEN(nx_combos); i++)
        EXPECT(h, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
               "EXPIRE", "k", "10", nx_combos[i][0], nx_combos[i][1]);
    EXPECT(h, "-ERR GT and LT options at the same time are not compatible\r\n", "EXPIRE", "k",
           "10", "GT", "LT");
    EXPECT(h, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
           "EXPIRE", "k", "10", "GT", "LT", "NX");
    /* XX with GT or LT is fine, repeated flags are fine. */
    EXPECT(h, ":0\r\n", "EXPIRE", "k", "10", "XX", "XX", "LT");
    EXPECT(h, "-ERR value is not an integer or out of range\r\n", "EXPIRE", "k", "ten");
    EXPECT(h, "-ERR value is not an integer or out of range\r\n", "PEXPIREAT", "k", "1.5");
    EXPECT(h, "-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "k",
           "9223372036854775");
    EXPECT(h, "-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "k",
           "-9223372036854776");
    EXPECT(h, "-ERR invalid expire time in 'expireat' command\r\n", "EXPIREAT", "k",
           "9223372036854776");
    EXPECT(h, "-ERR invalid expire time in 'pexpire' command\r\n", "PEXPIRE", "k",
           "9223372036854775807");
    /* Absolute times up to the limit are fine. */
    EXPECT(h, ":1\r\n", "EXPIREAT", "k", "9223372036854775");
    EXPECT(h, ":9223372036854775000\r\n", "PEXPIRETIME", "k");
    EXPECT(h, ":1\r\n", "PEXPIREAT", "k", "9223372036854775807");
    EXPECT(h, ":9223372036854775807\r\n", "PEXPIRETIME", "k");
    /* Errors come before the key lookup. */
    EXPECT(h, "-ERR invalid expire time in 'pexpire' command\r\n", "PEXPIRE", "missing",
           "9223372036854775807");
    EXPECT(h, "-ERR wrong number of arguments for 'expire' command\r\n", "EXPIRE", "k");
    EXPECT(h, "-ERR wrong number of arguments for 'pexpireat' command\r\n", "PEXPIREAT", "k");
}

static void ttl_family_replies(void **state) {
    harness *h = *state;
    EXPECT(h, ":-2\r\n", "TTL", "k");
    EXPECT(h, ":-2\r\n", "PTTL", "k");
    EXPECT(h, ":-2\r\n", "EXPIRETIME", "k");
    EXPECT(h, ":-2\r\n", "PEXPIRETIME", "k");
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, ":-1\r\n", "TTL", "k");
    EXPECT(h, ":-1\r\n", "PTTL", "k");
    EXPECT(h, ":-1\r\n", "EXPIRETIME", "k");
    EXPECT(h, ":-1\r\n", "PEXPIRETIME", "k");
    /* Seconds round to nearest. */
    EXPECT(h, ":1\r\n", "PEXPIRE", "k", "1499");
    EXPECT(h, ":1\r\n", "TTL", "k");
    EXPECT(h, ":1\r\n", "PEXPIRE", "k", "1500");
    EXPECT(h, ":2\r\n", "TTL", "k");
    EXPECT(h, ":1\r\n", "PEXPIRE", "k", "499");
    EXPECT(h, ":0\r\n", "TTL", "k");
    EXPECT(h, ":499\r\n", "PTTL", "k");
    EXPECT(h, ":1\r\n", "PEXPIREAT", "k", "1700000001499");
    EXPECT(h, ":1700000001\r\n", "EXPIRETIME", "k");
    EXPECT(h, ":1\r\n", "PEXPIREAT", "k", "1700000001500");
    EXPECT(h, ":1700000002\r\n", "EXPIRETIME", "k");
    EXPECT(h, ":1700000001500\r\n", "PEXPIRETIME", "k");
    harness_set_time(h, T0 + 1000);
    EXPECT(h, ":500\r\n", "PTTL", "k");
    EXPECT(h, ":1\r\n", "TTL", "k");
    EXPECT(h, ":1700000002\r\n", "EXPIRETIME", "k");
    harness_set_time(h, T0 + 1500);
    EXPECT(h, ":-2\r\n", "PTTL", "k");
    EXPECT(h, "-ERR wrong number of arguments for 'ttl' command\r\n", "TTL");
    EXPECT(h, "-ERR wrong number of arguments for 'pexpiretime' command\r\n", "PEXPIRETIME",
           "a", "b");
}

static void ttl_does_not_touch(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", T0 + 100000);
    harness_set_time(h, T0 + 5000);
    EXPECT(h, ":95\r\n", "TTL", "k");
    EXPECT(h, ":95000\r\n", "PTTL", "k");
    EXPECT(h, ":5\r\n", "OBJECT", "IDLETIME", "k");
}

static void persist_removes_expiry(void **state) {
    harness *h = *state;
    EXPECT(h, ":0\r\n", "PERSIST", "k");
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, ":0\r\n", "PERSIST", "k");
    EXPECT(h, ":1\r\n", "EXPIRE", "k", "10");
    assert_int_equal(db_volatile_count(db0(h)), 1);
    uint64_t dirty = h->dirty;
    EXPECT(h, ":1\r\n", "PERSIST", "k");
    assert_int_equal(h->dirty - dirty, 1);
    assert_int_equal(db_volatile_count(db0(h)), 0);
    EXPECT(h, ":-1\r\n", "TTL", "k");
    EXPECT(h, ":0\r\n", "PERSIST", "k");
    harness_set_time(h, T0 + 20000);
    EXPECT(h, "$1\r\nv\r\n", "GET", "k");
    /* An expired key cannot be saved. */
    set_str(h, 0, "e", "v", T0 + 20000);
    EXPECT(h, ":0\r\n", "PERSIST", "e");
    EXPECT(h, ":0\r\n", "EXISTS", "e");
    EXPECT(h, "-ERR wrong number of arguments for 'persist' command\r\n", "PERSIST");
}

static void expire_on_many_keys_keeps_index_consistent(void **state) {
    harness *h = *state;
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        set_str(h, 0, key, i % 2 ? "1234" : "some text", -1);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        char secs[16];
        snprintf(secs, sizeof(secs), "%d", 1 + i % 10);
        EXPECT(h, ":1\r\n", "EXPIRE", key, secs);
    }
    assert_int_equal(db_volatile_count(db0(h)), 1000);
    for (int i = 0; i < 1000; i += 4) {
        snprintf(key, sizeof(key), "k%d", i);
        EXPECT(h, ":1\r\n", "PERSIST", key);
    }
    assert_int_equal(db_volatile_count(db0(h)), 750);
    harness_set_time(h, T0 + 5000);
    /* Keys with 1..5 s are gone unless persisted. */
    int live = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        const char *r = RUN(h, "EXISTS", key);
        live += strcmp(r, ":1\r\n") == 0;
        bool want = i % 4 == 0 || 1 + i % 10 > 5;
        assert_string_equal(r, want ? ":1\r\n" : ":0\r\n");
    }
    assert_int_equal(db_size(db0(h)), (size_t)live);
}

/* ---- OBJECT ---- */

static void object_encoding_names(void **state) {
    harness *h = *state;
    char s44[45], s45[46];
    memset(s44, 'a', 44);
    s44[44] = '\0';
    memset(s45, 'a', 45);
    s45[45] = '\0';
    set_str(h, 0, "int", "-42", -1);
    set_str(h, 0, "emb", s44, -1);
    set_str(h, 0, "raw", s45, -1);
    set_str(h, 0, "lead0", "0123", -1);
    EXPECT(h, "$3\r\nint\r\n", "OBJECT", "ENCODING", "int");
    EXPECT(h, "$6\r\nembstr\r\n", "object", "encoding", "emb");
    EXPECT(h, "$3\r\nraw\r\n", "OBJECT", "ENCODING", "raw");
    EXPECT(h, "$6\r\nembstr\r\n", "OBJECT", "ENCODING", "lead0");
    EXPECT(h, "$-1\r\n", "OBJECT", "ENCODING", "missing");
    h->sess.proto = 3;
    EXPECT(h, "_\r\n", "OBJECT", "ENCODING", "missing");
    EXPECT(h, "_\r\n", "OBJECT", "REFCOUNT", "missing");
    EXPECT(h, "_\r\n", "OBJECT", "IDLETIME", "missing");
    EXPECT(h, "_\r\n", "OBJECT", "FREQ", "missing");
    EXPECT(h, "$3\r\nint\r\n", "OBJECT", "ENCODING", "int");
}

static void object_refcount_of_shared_integers(void **state) {
    harness *h = *state;
    set_str(h, 0, "zero", "0", -1);
    set_str(h, 0, "small", "9999", -1);
    set_str(h, 0, "big", "10000", -1);
    set_str(h, 0, "neg", "-1", -1);
    set_str(h, 0, "text", "abc", -1);
    EXPECT(h, ":2147483647\r\n", "OBJECT", "REFCOUNT", "zero");
    EXPECT(h, ":2147483647\r\n", "OBJECT", "REFCOUNT", "small");
    EXPECT(h, ":1\r\n", "OBJECT", "REFCOUNT", "big");
    EXPECT(h, ":1\r\n", "OBJECT", "REFCOUNT", "neg");
    EXPECT(h, ":1\r\n", "OBJECT", "REFCOUNT", "text");
    EXPECT(h, "$-1\r\n", "OBJECT", "REFCOUNT", "missing");
    h->opts.shared_integers = false;
    EXPECT(h, ":1\r\n", "OBJECT", "REFCOUNT", "zero");
    EXPECT(h, ":1\r\n", "OBJECT", "REFCOUNT", "small");
}

static void object_idletime_and_freq_follow_policy(void **state) {
    harness *h = *state;
    set_str(h, 0, "k", "v", -1);
    harness_set_time(h, T0 + 42000);
    EXPECT(h, ":42\r\n", "OBJECT", "IDLETIME", "k");
    /* OBJECT never records an access. */
    EXPECT(h, "$6\r\nembstr\r\n", "OBJECT", "ENCODING", "k");
    EXPECT(h, ":1\r\n", "OBJECT", "REFCOUNT", "k");
    EXPECT(h, ":42\r\n", "OBJECT", "IDLETIME", "k");
    EXPECT(h,
           "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
           "note that when switching between policies at runtime LRU and LFU data will take some "
           "time to adjust.\r\n",
           "OBJECT", "FREQ", "k");
    EXPECT(h, "$1\r\nv\r\n", "GET", "k");
    EXPECT(h, ":0\r\n", "OBJECT", "IDLETIME", "k");

    keyspace_set_lfu(h->ks, true, 10, 1);
    set_str(h, 0, "f", "v", -1);
    /* New keys start at 5; one access from there always counts. */
    EXPECT(h, ":5\r\n", "OBJECT", "FREQ", "f");
    EXPECT(h, ":5\r\n", "OBJECT", "FREQ", "f");
    EXPECT(h, "$1\r\nv\r\n", "GET", "f");
    EXPECT(h, ":6\r\n", "OBJECT", "FREQ", "f");
    EXPECT(h,
           "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
           "when switching between policies at runtime LRU and LFU data will take some time to "
           "adjust.\r\n",
           "OBJECT", "IDLETIME", "f");
    /* A missing key answers null before the policy is looked at. */
    EXPECT(h, "$-1\r\n", "OBJECT", "IDLETIME", "missing");
    /* The counter decays by one per minute idle. */
    harness_set_time(h, T0 + 42000 + 3 * 60000);
    EXPECT(h, ":3\r\n", "OBJECT", "FREQ", "f");
}

static void object_help_and_arity(void **state) {
    harness *h = *state;
    const char *r = RUN(h, "OBJECT", "HELP");
    const char *p = r;
    int64_t n = read_len(&p, '*');
    assert_int_equal(n, 11);
    const char *head = "+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n";
    assert_memory_equal(p, head, strlen(head));
    for (int64_t i = 0; i < n; i++) {
        assert_int_equal(*p, '+');
        p = strstr(p, "\r\n");
        assert_non_null(p);
        p += 2;
    }
    assert_string_equal(p, "");
    const char *tail = "+HELP\r\n+    Prints this help.\r\n";
    assert_string_equal(r + strlen(r) - strlen(tail), tail);
    const char *subs[] = {"+ENCODING <key>\r\n", "+FREQ <key>\r\n", "+IDLETIME <key>\r\n",
                          "+REFCOUNT <key>\r\n"};
    for (size_t i = 0; i < ARRAY_LEN(subs); i++) assert_non_null(strstr(r, subs[i]));
    char *resp2 = mem_strdup(r);
    h->sess.proto = 3;
    assert_string_equal(RUN(h, "object", "help"), resp2);
    mem_free(resp2);
    EXPECT(h, "-ERR wrong number of arguments for 'object|help' command\r\n", "OBJECT", "HELP",
           "x");
    EXPECT(h, "-ERR wrong number of arguments for 'object|encoding' command\r\n", "OBJECT",
           "ENCODING");
    EXPECT(h, "-ERR wrong number of arguments for 'object|freq' command\r\n", "OBJECT", "FREQ",
           "a", "b");
    EXPECT(h, "-ERR wrong number of arguments for 'object' command\r\n", "OBJECT");
}

/* ---- FLUSHDB, FLUSHALL, SWAPDB ---- */

static void fill(harness *h, int dbid, const char *prefix, int n, size_t vlen) {
    char key[64];
    char *val = mem_alloc(vlen + 1);
    memset(val, 'v', vlen);
    val[vlen] = '\0';
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%s:%d", prefix, i);
        set_str(h, dbid, key, val, i % 5 == 0 ? T0 + 1000000 : -1);
    }
    mem_free(val);
}

static void flushdb_empties_selected_database(void **state) {
    harness *h = *state;
    fill(h, 0, "a", 100, 10);
    fill(h, 1, "b", 10, 10);
    uint64_t dirty = h->dirty;
    EXPECT(h, "+OK\r\n", "FLUSHDB");
    assert_int_equal(h->dirty - dirty, 100);
    assert_false(keyspace_reclaim_pending(h->ks));
    EXPECT(h, ":0\r\n", "DBSIZE");
    assert_int_equal(db_volatile_count(db0(h)), 0);
    assert_int_equal(db_size(keyspace_db(h->ks, 1)), 10);
    EXPECT(h, "+OK\r\n", "FLUSHDB");
    EXPECT(h, "*0\r\n", "KEYS", "*");
    /* The database works normally afterwards. */
    EXPECT(h, "+OK\r\n", "SET", "x", "1");
    EXPECT(h, ":1\r\n", "EXPIRE", "x", "5");
    EXPECT(h, ":1\r\n", "DBSIZE");
    h->sess.db = 1;
    EXPECT(h, "+OK\r\n", "flushdb", "sync");
    EXPECT(h, ":0\r\n", "DBSIZE");
    EXPECT(h, "-ERR syntax error\r\n", "FLUSHDB", "foo");
    EXPECT(h, "-ERR syntax error\r\n", "FLUSHDB", "ASYNC", "SYNC");
    EXPECT(h, "-ERR syntax error\r\n", "FLUSHALL", "now");
}

static void flushall_empties_every_database(void **state) {
    harness *h = *state;
    fill(h, 0, "a", 50, 10);
    fill(h, 7, "b", 20, 10);
    fill(h, 15, "c", 5, 10);
    uint64_t dirty = h->dirty;
    EXPECT(h, "+OK\r\n", "FLUSHALL", "SYNC");
    assert_int_equal(h->dirty - dirty, 75);
    assert_int_equal(keyspace_total_keys(h->ks), 0);
    assert_false(keyspace_reclaim_pending(h->ks));
    fill(h, 3, "d", 20, 10);
    EXPECT(h, "+OK\r\n", "FLUSHALL", "async");
    assert_int_equal(keyspace_total_keys(h->ks), 0);
    assert_true(keyspace_reclaim_pending(h->ks));
    while (keyspace_reclaim_step(h->ks, 1000)) {
    }
    assert_false(keyspace_reclaim_pending(h->ks));
    EXPECT(h, "+OK\r\n", "FLUSHALL");
}

static void flush_async_releases_memory_in_background(void **state) {
    harness *h = *state;
    RUN(h, "DBSIZE");
    size_t base = mem_used_bytes();
    fill(h, 0, "k", 20000, 100);
    fill(h, 2, "j", 5000, 10);
    size_t full = mem_used_bytes();
    assert_true(full > base + 2 * 1024 * 1024);

    EXPECT(h, "+OK\r\n", "FLUSHDB", "ASYNC");
    EXPECT(h, ":0\r\n", "DBSIZE");
    assert_true(keyspace_reclaim_pending(h->ks));
    assert_int_equal(keyspace_reclaim_remaining(h->ks), 20000);
    /* Nothing freed yet: that is the background's job. */
    assert_true(mem_used_bytes() > base + 2 * 1024 * 1024);
    /* A small budget takes several steps. */
    int steps = 1;
    while (keyspace_reclaim_step(h->ks, 0)) steps++;
    assert_true(steps > 1);
    assert_false(keyspace_reclaim_pending(h->ks));
    assert_int_equal(keyspace_reclaim_remaining(h->ks), 0);
    assert_int_equal(db_size(keyspace_db(h->ks, 2)), 5000);

    h->sess.db = 2;
    EXPECT(h, "+OK\r\n", "FLUSHDB", "ASYNC");
    while (keyspace_reclaim_step(h->ks, 100)) {
    }
    RUN(h, "DBSIZE");
    /* Back to where we started (a reply buffer's worth of slack). */
    size_t after = mem_used_bytes();
    assert_true(after <= base + 1024);

    /* The flushed databases are usable again. */
    EXPECT(h, "+OK\r\n", "SET", "new", "1");
    EXPECT(h, ":1\r\n", "DEL", "new");
    h->sess.db = 0;
    EXPECT(h, "+OK\r\n", "SET", "new", "1");
    EXPECT(h, ":1\r\n", "DBSIZE");
}

static void flush_without_argument_follows_lazyfree_option(void **state) {
    harness *h = *state;
    fill(h, 0, "k", 100, 10);
    h->opts.lazyfree_user_flush = true;
    EXPECT(h, "+OK\r\n", "FLUSHDB");
    assert_true(keyspace_reclaim_pending(h->ks));
    while (keyspace_reclaim_step(h->ks, 1000)) {
    }
    fill(h, 0, "k", 100, 10);
    EXPECT(h, "+OK\r\n", "FLUSHDB", "SYNC");
    assert_false(keyspace_reclaim_pending(h->ks));
    fill(h, 0, "k", 100, 10);
    EXPECT(h, "+OK\r\n", "FLUSHALL");
    assert_true(keyspace_reclaim_pending(h->ks));
    while (keyspace_reclaim_step(h->ks, 1000)) {
    }
    h->opts.lazyfree_user_flush = false;
    fill(h, 0, "k", 100, 10);
    EXPECT(h, "+OK\r\n", "FLUSHDB");
    assert_false(keyspace_reclaim_pending(h->ks));
    fill(h, 0, "k", 100, 10);
    EXPECT(h, "+OK\r\n", "FLUSHDB", "ASYNC");
    assert_true(keyspace_reclaim_pending(h->ks));
}

static void swapdb_exchanges_contents(void **state) {
    harness *h = *state;
    set_str(h, 0, "a", "zero", T0 + 3000);
    set_str(h, 1, "b", "one", -1);
    set_str(h, 1, "c", "one", -1);
    uint64_t dirty = h->dirty;
    EXPECT(h, "+OK\r\n", "SWAPDB", "0", "1");
    assert_int_equal(h->dirty - dirty, 1);
    EXPECT(h, ":2\r\n", "DBSIZE");
    EXPECT(h, "$3\r\none\r\n", "GET", "b");
    EXPECT(h, ":0\r\n", "EXISTS", "a");
    h->sess.db = 1;
    EXPECT(h, "$4\r\nzero\r\n", "GET", "a");
    EXPECT(h, ":3000\r\n", "PTTL", "a");
    harness_set_time(h, T0 + 3000);
    EXPECT(h, ":0\r\n", "EXISTS", "a");
    EXPECT(h, "+OK\r\n", "SWAPDB", "1", "1");
    EXPECT(h, "+OK\r\n", "SWAPDB", "15", "0");
    assert_int_equal(db_size(keyspace_db(h->ks, 15)), 2);
    assert_int_equal(db_id(keyspace_db(h->ks, 15)), 15);
    EXPECT(h, "-ERR invalid first DB index\r\n", "SWAPDB", "x", "1");
    EXPECT(h, "-ERR invalid second DB index\r\n", "SWAPDB", "0", "y");
    EXPECT(h, "-ERR invalid second DB index\r\n", "SWAPDB", "0", "5000000000");
    EXPECT(h, "-ERR invalid first DB index\r\n", "SWAPDB", "x", "y");
    EXPECT(h, "-ERR DB index is out of range\r\n", "SWAPDB", "0", "16");
    EXPECT(h, "-ERR DB index is out of range\r\n", "SWAPDB", "-1", "0");
    EXPECT(h, "-ERR wrong number of arguments for 'swapdb' command\r\n", "SWAPDB", "0");
    h->opts.cluster_enabled = true;
    EXPECT(h, "-ERR SWAPDB is not allowed in cluster mode\r\n", "SWAPDB", "0", "1");
    EXPECT(h, "-ERR SWAPDB is not allowed in cluster mode\r\n", "SWAPDB", "x", "y");
}

/* ---- the command table ---- */

static void command_rows_are_complete(void **state) {
    harness *h = *state;
    const char *names[] = {"del",      "unlink",   "exists",     "type",        "touch",
                           "keys",     "scan",     "randomkey",  "dbsize",      "rename",
                           "renamenx", "copy",     "move",       "expire",      "pexpire",
                           "expireat", "pexpireat", "ttl",       "pttl",        "expiretime",
                           "pexpiretime", "persist", "flushdb",  "flushall",    "swapdb",
                           "object|encoding", "object|freq", "object|idletime",
                           "object|refcount", "object|help", "object"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        command *c = command_find(h->registry, names[i], strlen(names[i]));
        if (c == NULL) fail_msg("missing command %s", names[i]);
        const command_def *d = c->def;
        assert_non_null(d->summary);
        assert_non_null(d->complexity);
        assert_non_null(d->since);
        assert_non_null(d->group);
        if (d->subcommands == NULL) {
            assert_non_null(d->handler);
            assert_non_null(d->acl);
        }
        if (d->first_key > 0) assert_non_null(d->key_flags);
    }
    command *c = command_find(h->registry, "object", 6);
    assert_int_equal(command_sub_count(c), 5);
    c = command_find(h->registry, "object|encoding", 15);
    assert_int_equal(c->def->first_key, 2);
    assert_int_equal(c->def->arity, 3);
    assert_string_equal(c->fullname, "object|encoding");
    c = command_find(h->registry, "rename", 6);
    int keys[4];
    resp_arg argv[3] = {{"RENAME", 6}, {"a", 1}, {"b", 1}};
    assert_int_equal(command_get_keys(c, 3, argv, keys, 4), 2);
    assert_int_equal(keys[0], 1);
    assert_int_equal(keys[1], 2);
    c = command_find(h->registry, "keys", 4);
    assert_false(command_has_keys(c));
    assert_true(c->def->flags & CMD_READONLY);
    c = command_find(h->registry, "unlink", 6);
    assert_int_equal(c->def->flags, CMD_WRITE | CMD_FAST);
}

/* ---- RESP3 and mixed ---- */

static void resp3_shapes(void **state) {
    harness *h = *state;
    h->sess.proto = 3;
    set_str(h, 0, "k", "v", -1);
    EXPECT(h, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", "SCAN", "0");
    EXPECT(h, "*1\r\n$1\r\nk\r\n", "KEYS", "*");
    EXPECT(h, "$1\r\nk\r\n", "RANDOMKEY");
    EXPECT(h, ":-1\r\n", "TTL", "k");
    EXPECT(h, "+OK\r\n", "RENAME", "k", "j");
    EXPECT(h, ":1\r\n", "COPY", "j", "i");
    EXPECT(h, "+OK\r\n", "FLUSHDB");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(del_counts_existing_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(del_treats_expired_key_as_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(unlink_deletes_like_del, setup, teardown),
        cmocka_unit_test_setup_teardown(exists_counts_repeated_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(type_names_string_or_none, setup, teardown),
        cmocka_unit_test_setup_teardown(touch_counts_and_records_access, setup, teardown),
        cmocka_unit_test_setup_teardown(keys_matches_glob_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(keys_hides_expired_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(keys_is_binary_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_walks_small_database, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_parses_cursor_like_redis, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_option_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_filters_by_pattern_and_type, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_hides_and_deletes_expired_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_returns_every_key_while_one_slot_resizes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(scan_returns_every_key_while_slots_come_and_go, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(randomkey_returns_live_key_or_null, setup, teardown),
        cmocka_unit_test_setup_teardown(randomkey_covers_all_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(dbsize_counts_selected_database, setup, teardown),
        cmocka_unit_test_setup_teardown(rename_moves_value_and_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(rename_keeps_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(rename_errors_and_same_key, setup, teardown),
        cmocka_unit_test_setup_teardown(renamenx_only_to_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(rename_many_keys_in_one_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_within_and_across_databases, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_keeps_encoding_and_resets_access, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_in_cluster_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(move_transfers_key_with_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(move_refuses_existing_or_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(move_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(expire_sets_relative_and_absolute_times, setup, teardown),
        cmocka_unit_test_setup_teardown(expire_in_the_past_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(expire_conditions, setup, teardown),
        cmocka_unit_test_setup_teardown(expire_option_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(ttl_family_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(ttl_does_not_touch, setup, teardown),
        cmocka_unit_test_setup_teardown(persist_removes_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(expire_on_many_keys_keeps_index_consistent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(object_encoding_names, setup, teardown),
        cmocka_unit_test_setup_teardown(object_refcount_of_shared_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(object_idletime_and_freq_follow_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(object_help_and_arity, setup, teardown),
        cmocka_unit_test_setup_teardown(flushdb_empties_selected_database, setup, teardown),
        cmocka_unit_test_setup_teardown(flushall_empties_every_database, setup, teardown),
        cmocka_unit_test_setup_teardown(flush_async_releases_memory_in_background, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(flush_without_argument_follows_lazyfree_option, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(swapdb_exchanges_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(command_rows_are_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(resp3_shapes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
