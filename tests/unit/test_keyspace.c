/* Unit tests for keyspace: databases of slot tables, expiry and access data.
 *
 * Time is fake throughout (keyspace_set_now), so expiry, LRU idle time and
 * LFU decay are exact. Each test starts from a fresh keyspace and checks
 * that freeing it returns mem_used_bytes to where it was, which is how a
 * leaked entry, volatile-index node or slot table shows up. The SCAN test
 * resizes slot tables between cursor calls; the distribution tests check
 * that RANDOMKEY-style picks follow slot sizes; the memory test prints the
 * bytes per key for a typical small key and value and bounds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h> /* atoi */
#include <string.h>

#include <cmocka.h>

#include "base/hash.h"
#include "base/keyslot.h"
#include "base/mem.h"
#include "data/keyspace.h"

#define T0 1700000000000LL /* a fixed "now" in Unix ms */

typedef struct fixture {
    size_t baseline;
    keyspace *ks;
    db *d;
    /* expired-hook record */
    int expired_calls;
    int expired_db;
    char expired_key[64];
} fixture;

static void on_expired(void *ctx, int dbid, const char *key, size_t len) {
    fixture *f = ctx;
    f->expired_calls++;
    f->expired_db = dbid;
    size_t n = len < sizeof(f->expired_key) - 1 ? len : sizeof(f->expired_key) - 1;
    memcpy(f->expired_key, key, n);
    f->expired_key[n] = '\0';
}

static int setup(void **state) {
    static const uint8_t seed[16] = "keyspace-tests!!";
    hash_set_seed(seed);
    fixture *f = mem_calloc(1, sizeof(*f));
    f->baseline = mem_used_bytes();
    f->ks = keyspace_new(16);
    keyspace_set_now(f->ks, T0);
    keyspace_set_expired_hook(f->ks, on_expired, f);
    f->d = keyspace_db(f->ks, 0);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    keyspace_free(f->ks);
    size_t now = mem_used_bytes();
    size_t baseline = f->baseline;
    mem_free(f);
    assert_int_equal(now, baseline);
    return 0;
}

static kv *set(db *d, const char *key, const char *val, int64_t expire_ms) {
    return db_set_string(d, key, strlen(key), val, strlen(val), expire_ms, false, KV_STR_AUTO);
}

static kv *get(db *d, const char *key) {
    return db_lookup(d, key, strlen(key), 0);
}

static kv *peek(db *d, const char *key) {
    return db_find(d, key, strlen(key));
}

static void assert_value(const kv *e, const char *val) {
    assert_non_null(e);
    char tmp[KV_INT_BUF];
    size_t len = 0;
    const char *v = kv_str_value(e, tmp, &len);
    assert_int_equal(len, strlen(val));
    assert_memory_equal(v, val, len);
}

static void insert_lookup_replace_and_delete(void **state) {
    fixture *f = *state;
    db *d = f->d;
    assert_int_equal(keyspace_db_count(f->ks), 16);
    assert_int_equal(db_id(d), 0);
    assert_ptr_equal(db_keyspace(d), f->ks);
    assert_null(get(d, "a"));
    set(d, "a", "1", -1);
    assert_value(get(d, "a"), "1");
    assert_int_equal(db_size(d), 1);
    set(d, "a", "hello", -1); /* overwrite */
    assert_value(get(d, "a"), "hello");
    assert_int_equal(db_size(d), 1);

    /* Insert at a ref obtained from a failed lookup. */
    kv_ref ref;
    assert_null(db_lookup_ref(d, "b", 1, 0, &ref));
    assert_null(ref.link);
    assert_int_equal(ref.slot, keyslot("b", 1));
    db_insert(d, &ref, kv_new_string("b", 1, "2", 1, -1, KV_STR_AUTO));
    assert_value(get(d, "b"), "2");
    db_insert(d, NULL, kv_new_string("c", 1, "3", 1, -1, KV_STR_AUTO));
    assert_int_equal(db_size(d), 3);
    assert_int_equal(keyspace_total_keys(f->ks), 3);

    /* Replace at a ref; the old entry is ours to free. */
    kv *old = db_lookup_ref(d, "a", 1, 0, &ref);
    assert_non_null(old);
    db_replace(d, &ref, kv_new_string("a", 1, "x", 1, -1, KV_STR_AUTO));
    kv_free(old);
    assert_value(get(d, "a"), "x");

    /* Unlink hands the entry back. */
    kv *b = db_lookup_ref(d, "b", 1, 0, &ref);
    assert_ptr_equal(db_unlink(d, &ref), b);
    kv_free(b);
    assert_null(get(d, "b"));
    assert_int_equal(db_size(d), 2);

    assert_true(db_delete(d, "a", 1));
    assert_false(db_delete(d, "a", 1));
    assert_true(db_delete(d, "c", 1));
    assert_int_equal(db_size(d), 0);
    assert_int_equal(keyspace_total_keys(f->ks), 0);
    /* Other databases are separate. */
    set(keyspace_db(f->ks, 5), "a", "five", -1);
    assert_null(get(d, "a"));
    assert_value(get(keyspace_db(f->ks, 5), "a"), "five");
}

static void hits_and_misses_follow_the_flags(void **state) {
    fixture *f = *state;
    keyspace_stats *st = keyspace_stats_of(f->ks);
    set(f->d, "k", "v", -1);
    get(f->d, "k");
    get(f->d, "nope");
    assert_int_equal(st->hits, 1);
    assert_int_equal(st->misses, 1);
    db_lookup(f->d, "k", 1, KS_LOOKUP_WRITE);
    db_lookup(f->d, "nope", 4, KS_LOOKUP_NOSTATS);
    assert_int_equal(st->hits, 1);
    assert_int_equal(st->misses, 1);
}

static void lookup_expires_lazily_and_reports_it(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 3);
    set(d, "k", "v", T0 + 100);
    set(d, "other", "v", -1);
    assert_int_equal(db_volatile_count(d), 1);
    assert_value(get(d, "k"), "v");
    keyspace_set_now(f->ks, T0 + 99);
    assert_value(get(d, "k"), "v");
    assert_false(db_is_expired(d, peek(d, "k")));
    keyspace_set_now(f->ks, T0 + 100); /* due at exactly its time */
    assert_true(db_is_expired(d, peek(d, "k")));
    /* NOEXPIRE hides it without deleting it. */
    assert_null(db_lookup(d, "k", 1, KS_LOOKUP_NOEXPIRE));
    assert_non_null(peek(d, "k"));
    assert_int_equal(f->expired_calls, 0);
    /* A normal lookup deletes it and tells the hook. */
    assert_null(get(d, "k"));
    assert_null(peek(d, "k"));
    assert_int_equal(f->expired_calls, 1);
    assert_int_equal(f->expired_db, 3);
    assert_string_equal(f->expired_key, "k");
    assert_int_equal(keyspace_stats_of(f->ks)->expired_keys, 1);
    assert_int_equal(db_size(d), 1);
    assert_int_equal(db_volatile_count(d), 0);
    /* The ref from an expiring lookup is good for inserting. */
    set(d, "k2", "v", T0 + 100);
    kv_ref ref;
    assert_null(db_lookup_ref(d, "k2", 2, 0, &ref));
    db_insert(d, &ref, kv_new_string("k2", 2, "new", 3, -1, KV_STR_AUTO));
    assert_value(get(d, "k2"), "new");
    assert_int_equal(db_volatile_count(d), 0);
}

static void expiry_changes_keep_the_volatile_index_in_step(void **state) {
    fixture *f = *state;
    db *d = f->d;
    set(d, "k", "v", -1);
    kv_ref ref;
    kv *e = db_lookup_ref(d, "k", 1, 0, &ref);
    kv *moved = db_set_expire(d, &ref, e, T0 + 5000); /* adding one moves the entry */
    assert_int_equal(kv_expire(moved), T0 + 5000);
    assert_ptr_equal(peek(d, "k"), moved);
    assert_int_equal(db_volatile_count(d), 1);

    e = db_lookup_ref(d, "k", 1, 0, &ref);
    kv *same = db_set_expire(d, &ref, e, T0 + 6000);
    assert_ptr_equal(same, e);
    assert_int_equal(kv_expire(peek(d, "k")), T0 + 6000);
    assert_int_equal(db_volatile_count(d), 1);

    /* SET ... KEEPTTL keeps it, a plain SET drops it. */
    db_set_string(d, "k", 1, "w", 1, -1, true, KV_STR_AUTO);
    assert_int_equal(kv_expire(peek(d, "k")), T0 + 6000);
    assert_value(peek(d, "k"), "w");
    assert_int_equal(db_volatile_count(d), 1);
    set(d, "k", "z", -1);
    assert_int_equal(kv_expire(peek(d, "k")), -1);
    assert_int_equal(db_volatile_count(d), 0);

    /* Replacing a persistent entry with a volatile one indexes it. */
    kv *old = db_lookup_ref(d, "k", 1, 0, &ref);
    db_replace(d, &ref, kv_new_string("k", 1, "y", 1, T0 + 10, KV_STR_AUTO));
    kv_free(old);
    assert_int_equal(db_volatile_count(d), 1);

    e = db_lookup_ref(d, "k", 1, 0, &ref);
    moved = db_set_expire(d, &ref, e, -1); /* PERSIST */
    assert_int_equal(kv_expire(moved), -1);
    assert_int_equal(db_volatile_count(d), 0);
    keyspace_set_now(f->ks, T0 + 100000);
    assert_value(get(d, "k"), "y");

    /* Deleting a volatile key removes its index node too. */
    set(d, "v", "1", T0 + 200000);
    assert_int_equal(db_volatile_count(d), 1);
    assert_true(db_delete(d, "v", 1));
    assert_int_equal(db_volatile_count(d), 0);
}

/* Sets keys "<prefix>0" .. "<prefix><count-1>". */
static void set_keys(db *d, const char *prefix, int count, int64_t expire_ms) {
    char key[64];
    for (int i = 0; i < count; i++) {
        snprintf(key, sizeof(key), "%s%d", prefix, i);
        set(d, key, "value", expire_ms);
    }
}

static size_t count_present(db *d, const char *prefix, int count) {
    char key[64];
    size_t n = 0;
    for (int i = 0; i < count; i++) {
        snprintf(key, sizeof(key), "%s%d", prefix, i);
        if (peek(d, key)) n++;
    }
    return n;
}

static void active_expiry_removes_expired_keys_only(void **state) {
    fixture *f = *state;
    db *d0 = f->d, *d3 = keyspace_db(f->ks, 3);
    set_keys(d0, "exp:", 1000, T0 + 100);
    set_keys(d0, "keep:", 1000, -1);
    set_keys(d0, "later:", 500, T0 + 10000000);
    set_keys(d3, "exp3:", 200, T0 + 50);
    /* Nothing is due yet. */
    assert_int_equal(keyspace_expire_cycle(f->ks, 1000000), 0);
    assert_int_equal(db_size(d0), 2500);

    keyspace_set_now(f->ks, T0 + 200);
    size_t expired = 0;
    int cycles = 0;
    while ((db_volatile_count(d0) > 500 || db_volatile_count(d3) > 0) && cycles < 10000) {
        expired += keyspace_expire_cycle(f->ks, 1000000);
        cycles++;
    }
    print_message("active expiry took %d cycles\n", cycles);
    assert_int_equal(expired, 1200);
    assert_int_equal(f->expired_calls, 1200);
    assert_int_equal(keyspace_stats_of(f->ks)->expired_keys, 1200);
    assert_int_equal(count_present(d0, "exp:", 1000), 0);
    assert_int_equal(count_present(d0, "keep:", 1000), 1000);
    assert_int_equal(count_present(d0, "later:", 500), 500);
    assert_int_equal(db_size(d3), 0);
    assert_int_equal(db_size(d0), 1500);
    /* Estimated from sampled live volatile keys: within their TTL range. */
    int64_t avg = db_avg_ttl(d0);
    assert_true(avg > 0 && avg <= 10000000);
    assert_int_equal(keyspace_expire_cycle(f->ks, 1000000), 0);
}

static void slot_counts_keys_and_drop(void **state) {
    fixture *f = *state;
    db *d = f->d;
    unsigned user = keyslot("user", 4);
    char key[64];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "{user}:%d", i);
        set(d, key, "v", i % 4 == 0 ? T0 + 1000 : -1);
    }
    set_keys(d, "other:", 300, -1);
    size_t others_in_user_slot = 0;
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof(key), "other:%d", i);
        if (keyslot(key, strlen(key)) == user) others_in_user_slot++;
    }
    assert_int_equal(db_slot_count(d, user), 100 + others_in_user_slot);
    assert_int_equal(db_volatile_count(d), 25);

    kv *out[1000];
    assert_int_equal(db_slot_keys(d, user, out, 30), 30);
    for (int i = 0; i < 30; i++) {
        size_t klen;
        const char *k = kv_key(out[i], &klen);
        assert_int_equal(keyslot(k, klen), user);
    }
    size_t n = db_slot_keys(d, user, out, 1000);
    assert_int_equal(n, 100 + others_in_user_slot);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) assert_ptr_not_equal(out[i], out[j]);
    assert_int_equal(db_slot_keys(d, user, out, 0), 0);

    size_t total = 0;
    for (unsigned s = 0; s < KEYSLOT_COUNT; s++) total += db_slot_count(d, s);
    assert_int_equal(total, 400);

    assert_int_equal(db_drop_slot(d, user), 100 + others_in_user_slot);
    assert_int_equal(db_slot_count(d, user), 0);
    assert_int_equal(db_size(d), 300 - others_in_user_slot);
    assert_int_equal(db_volatile_count(d), 0);
    assert_null(peek(d, "{user}:7"));
    assert_int_equal(db_drop_slot(d, user), 0);
    assert_int_equal(db_slot_keys(d, user, out, 10), 0);
}

static void random_key_follows_slot_sizes(void **state) {
    fixture *f = *state;
    db *d = f->d;
    assert_null(db_random_key(d));
    set_keys(d, "{a}", 1000, -1);
    set_keys(d, "{b}", 3000, -1);
    set(d, "{c}only", "v", -1);
    unsigned sa = keyslot("a", 1), sb = keyslot("b", 1), sc = keyslot("c", 1);
    assert_true(sa != sb && sb != sc && sa != sc);
    size_t hits_a = 0, hits_b = 0, hits_c = 0;
    for (int i = 0; i < 40000; i++) {
        kv *e = db_random_key(d);
        assert_non_null(e);
        size_t klen;
        const char *k = kv_key(e, &klen);
        assert_ptr_equal(db_find(d, k, klen), e);
        unsigned s = keyslot(k, klen);
        if (s == sa) hits_a++;
        if (s == sb) hits_b++;
        if (s == sc) hits_c++;
    }
    print_message("random picks: %zu from the 1000-key slot, %zu from the 3000-key slot, %zu "
                  "from the 1-key slot\n",
                  hits_a, hits_b, hits_c);
    /* Expected 9998 / 29993 / 10. */
    assert_true(hits_a > 9000 && hits_a < 11000);
    assert_true(hits_b > 28500 && hits_b < 31500);
    assert_true(hits_c < 40);
}

static void random_key_spreads_over_many_slots(void **state) {
    fixture *f = *state;
    db *d = f->d;
    set_keys(d, "spread:", 4096, -1);
    size_t *per_slot = mem_calloc(KEYSLOT_COUNT, sizeof(size_t));
    for (int i = 0; i < 100000; i++) {
        size_t klen;
        const char *k = kv_key(db_random_key(d), &klen);
        per_slot[keyslot(k, klen)]++;
    }
    /* Sum of (observed - expected)^2 / expected over the used slots. */
    double chi2 = 0;
    size_t used = 0;
    for (unsigned s = 0; s < KEYSLOT_COUNT; s++) {
        size_t keys = db_slot_count(d, s);
        if (keys == 0) {
            assert_int_equal(per_slot[s], 0);
            continue;
        }
        used++;
        double expected = 100000.0 * (double)keys / 4096.0;
        double diff = (double)per_slot[s] - expected;
        chi2 += diff * diff / expected;
    }
    mem_free(per_slot);
    print_message("chi-square %.0f over %zu slots\n", chi2, used);
    /* For a fair pick chi2 is about the number of slots (sd ~ sqrt(2n)). */
    assert_true(chi2 < (double)used * 1.3);
}

static void random_key_deletes_expired_picks(void **state) {
    fixture *f = *state;
    db *d = f->d;
    set_keys(d, "gone:", 50, T0 + 10);
    keyspace_set_now(f->ks, T0 + 20);
    /* Redis compat: every key is expired, so nothing is returned and the
     * expired keys met on the way are deleted. */
    assert_null(db_random_key(d));
    assert_true(f->expired_calls > 0);
    assert_int_equal(db_size(d), 50 - (size_t)f->expired_calls);
    set(d, "alive", "v", -1);
    kv *e = db_random_key(d);
    assert_non_null(e);
    assert_false(db_is_expired(d, e));
}

static void sample_returns_live_entries_from_the_whole_database(void **state) {
    fixture *f = *state;
    db *d = f->d;
    kv *out[64];
    assert_int_equal(db_sample(d, false, out, 16), 0);
    assert_int_equal(db_sample(d, true, out, 16), 0);
    set_keys(d, "plain:", 2000, -1);
    set_keys(d, "vol:", 300, T0 + 60000);
    size_t total = 0;
    for (int round = 0; round < 200; round++) {
        size_t n = db_sample(d, false, out, 16);
        assert_true(n <= 16);
        total += n;
        for (size_t i = 0; i < n; i++) {
            size_t klen;
            const char *k = kv_key(out[i], &klen);
            assert_ptr_equal(db_find(d, k, klen), out[i]);
        }
        n = db_sample(d, true, out, 16);
        assert_true(n > 0 && n <= 16);
        for (size_t i = 0; i < n; i++) assert_true(kv_has_expire(out[i]));
    }
    /* Slots hold one or two keys each here: a sample must gather keys
     * from many slots, or eviction would compare one candidate at a time. */
    print_message("sampled %zu of 3200 requested\n", total);
    assert_true(total >= 200 * 12);
}

/* ---- SCAN ---- */

typedef struct scan_seen {
    int *count; /* per stable key */
    size_t stable;
} scan_seen;

static void count_stable(kv *e, void *ctx) {
    scan_seen *s = ctx;
    size_t klen;
    const char *k = kv_key(e, &klen);
    if (klen > 7 && memcmp(k, "stable:", 7) == 0) {
        int idx = atoi(k + 7);
        assert_true(idx >= 0 && (size_t)idx < s->stable);
        s->count[idx]++;
    }
}

static void scan_of_a_stable_database_reports_each_key_once(void **state) {
    fixture *f = *state;
    db *d = f->d;
    assert_int_equal(db_scan(d, 0, count_stable, NULL), 0);
    enum { N = 5000 };
    set_keys(d, "stable:", N, -1);
    keyspace_rehash_step(f->ks, 1000000);
    scan_seen s = {mem_calloc(N, sizeof(int)), N};
    uint64_t cursor = 0;
    size_t calls = 0;
    do {
        cursor = db_scan(d, cursor, count_stable, &s);
        calls++;
    } while (cursor != 0);
    for (int i = 0; i < N; i++) assert_int_equal(s.count[i], 1);
    assert_true(calls > 1);
    mem_free(s.count);
}

static void scan_reports_stable_keys_while_slot_tables_resize(void **state) {
    fixture *f = *state;
    db *d = f->d;
    enum { N = 3000, WAVE = 20000, TAGS = 8 };
    char key[64];
    /* Hash tags put everything into eight slots, so each of those tables
     * grows and shrinks through several sizes during the scan. */
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "stable:%d:{tag%d}", i, i % TAGS);
        set(d, key, "s", -1);
    }
    scan_seen s = {mem_calloc(N, sizeof(int)), N};
    size_t next_in = 0, next_out = 0;
    bool growing = true;
    uint64_t cursor = 0;
    size_t calls = 0;
    unsigned r = 12345;
    do {
        cursor = db_scan(d, cursor, count_stable, &s);
        calls++;
        /* Grow every slot table several times over, then shrink them all
         * back, in bursts between cursor calls. */
        r = r * 1103515245u + 12345u;
        size_t burst = 10 + (r >> 16) % 60;
        for (size_t b = 0; b < burst; b++) {
            if (growing && next_in < WAVE) {
                snprintf(key, sizeof(key), "transient:%zu:{tag%zu}", next_in, next_in % TAGS);
                next_in++;
                set(d, key, "t", -1);
            } else if (next_out < next_in) {
                growing = false;
                snprintf(key, sizeof(key), "transient:%zu:{tag%zu}", next_out, next_out % TAGS);
                next_out++;
                assert_true(db_delete(d, key, strlen(key)));
            } else {
                growing = true;
                next_in = next_out = 0;
            }
        }
        if (next_in == WAVE) growing = false;
        if (calls % 3 == 0) keyspace_rehash_step(f->ks, 50);
    } while (cursor != 0);
    size_t missing = 0;
    for (int i = 0; i < N; i++) missing += s.count[i] == 0;
    print_message("scan took %zu calls, transient keys went up to %zu\n", calls, next_in);
    assert_int_equal(missing, 0);
    mem_free(s.count);
}

/* ---- whole-database operations ---- */

static void swap_exchanges_contents_not_ids(void **state) {
    fixture *f = *state;
    db *d0 = keyspace_db(f->ks, 0), *d1 = keyspace_db(f->ks, 1);
    set(d0, "a", "zero", -1);
    set(d1, "b", "one", T0 + 1000);
    set(d1, "c", "one", -1);
    keyspace_swap(f->ks, 0, 1);
    assert_ptr_equal(keyspace_db(f->ks, 0), d0);
    assert_int_equal(db_id(d0), 0);
    assert_int_equal(db_id(d1), 1);
    assert_int_equal(db_size(d0), 2);
    assert_int_equal(db_size(d1), 1);
    assert_value(get(d0, "b"), "one");
    assert_value(get(d1, "a"), "zero");
    assert_null(get(d0, "a"));
    assert_int_equal(db_volatile_count(d0), 1);
    assert_int_equal(db_volatile_count(d1), 0);
    /* Expiry in the swapped database reports its new id. */
    keyspace_set_now(f->ks, T0 + 1000);
    assert_null(get(d0, "b"));
    assert_int_equal(f->expired_db, 0);
    keyspace_swap(f->ks, 0, 1);
    assert_value(get(d0, "a"), "zero");
}

static void flush_sync_returns_all_memory(void **state) {
    fixture *f = *state;
    size_t before = mem_used_bytes();
    set_keys(f->d, "key:", 20000, -1);
    set_keys(f->d, "vol:", 2000, T0 + 100000);
    char big[100];
    memset(big, 'b', sizeof(big));
    db_set_string(f->d, "raw", 3, big, sizeof(big), -1, false, KV_STR_AUTO);
    assert_true(mem_used_bytes() > before + 22000 * 40);
    db_flush(f->d, false);
    assert_int_equal(db_size(f->d), 0);
    assert_int_equal(db_volatile_count(f->d), 0);
    assert_null(get(f->d, "key:1"));
    assert_int_equal(mem_used_bytes(), before);
    assert_false(keyspace_reclaim_pending(f->ks));
}

static void flush_async_frees_in_steps(void **state) {
    fixture *f = *state;
    size_t before = mem_used_bytes();
    set_keys(f->d, "key:", 20000, -1);
    set_keys(f->d, "vol:", 2000, T0 + 100000);
    set_keys(keyspace_db(f->ks, 2), "two:", 1000, -1);
    size_t filled = mem_used_bytes();
    db_flush(f->d, true);
    db_flush(keyspace_db(f->ks, 2), true);
    /* The databases are empty at once... */
    assert_int_equal(db_size(f->d), 0);
    assert_int_equal(db_volatile_count(f->d), 0);
    assert_null(get(f->d, "key:5"));
    assert_true(keyspace_reclaim_pending(f->ks));
    assert_int_equal(keyspace_reclaim_remaining(f->ks), 23000);
    /* ...and usable while the old entries are released. */
    set(f->d, "key:5", "new", -1);
    assert_value(get(f->d, "key:5"), "new");
    size_t steps = 0;
    size_t last = keyspace_reclaim_remaining(f->ks);
    while (keyspace_reclaim_step(f->ks, 0)) {
        size_t now = keyspace_reclaim_remaining(f->ks);
        assert_true(now <= last);
        last = now;
        steps++;
        assert_true(steps < 100000);
    }
    print_message("async flush released in %zu steps\n", steps);
    assert_true(steps > 10);
    assert_false(keyspace_reclaim_pending(f->ks));
    assert_int_equal(keyspace_reclaim_remaining(f->ks), 0);
    assert_true(mem_used_bytes() < filled);
    assert_value(get(f->d, "key:5"), "new");
    assert_true(db_delete(f->d, "key:5", 5));
    db_flush(f->d, false); /* drops the now-empty slot array */
    assert_int_equal(mem_used_bytes(), before);
    assert_false(keyspace_reclaim_step(f->ks, 0));
}

/* ---- access data ---- */

static void lru_idle_time_follows_the_clock(void **state) {
    fixture *f = *state;
    db *d = f->d;
    set(d, "k", "v", -1);
    assert_int_equal(keyspace_idle_ms(f->ks, peek(d, "k")), 0);
    keyspace_set_now(f->ks, T0 + 5000);
    assert_int_equal(keyspace_idle_ms(f->ks, peek(d, "k")), 5000);
    db_lookup(d, "k", 1, KS_LOOKUP_NOTOUCH);
    assert_int_equal(keyspace_idle_ms(f->ks, peek(d, "k")), 5000);
    get(d, "k");
    assert_int_equal(keyspace_idle_ms(f->ks, peek(d, "k")), 0);
    /* Second resolution, as in Redis. */
    keyspace_set_now(f->ks, T0 + 5000 + 1999);
    assert_int_equal(keyspace_idle_ms(f->ks, peek(d, "k")), 1000);
    /* The 24-bit clock wraps after about 194 days; idle time still counts
     * across the wrap. */
    int64_t wrap_ms = (int64_t)0x1000000 * 1000;
    int64_t before_wrap = (T0 / wrap_ms + 1) * wrap_ms - 3000;
    keyspace_set_now(f->ks, before_wrap);
    get(d, "k");
    keyspace_set_now(f->ks, before_wrap + 10000);
    int64_t idle = keyspace_idle_ms(f->ks, peek(d, "k"));
    assert_true(idle >= 9000 && idle <= 11000);
}

static void lfu_counter_grows_logarithmically_and_decays(void **state) {
    fixture *f = *state;
    db *d = f->d;
    keyspace_set_lfu(f->ks, true, 10, 1);
    assert_true(keyspace_is_lfu(f->ks));
    set(d, "k", "v", -1);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), 5);
    for (int i = 0; i < 1000; i++) get(d, "k");
    unsigned c = keyspace_lfu_count(f->ks, peek(d, "k"));
    print_message("LFU counter after 1000 hits: %u\n", c);
    /* Redis documents about 18 after 1K hits with lfu-log-factor 10. */
    assert_true(c >= 14 && c <= 22);
    db_lookup(d, "k", 1, KS_LOOKUP_NOTOUCH);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), c);
    /* One point per decay period (1 minute) without access. */
    keyspace_set_now(f->ks, T0 + 3 * 60000);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), c - 3);
    keyspace_set_now(f->ks, T0 + 10000LL * 60000);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), 0);
    /* lfu-log-factor 0: every access counts, up to 255. */
    keyspace_set_lfu(f->ks, true, 0, 1);
    set(d, "fast", "v", -1);
    for (int i = 0; i < 100; i++) get(d, "fast");
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "fast")), 105);
    for (int i = 0; i < 300; i++) get(d, "fast");
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "fast")), 255);
    /* decay time 0: no decay. */
    keyspace_set_lfu(f->ks, true, 0, 0);
    keyspace_set_now(f->ks, T0 + 20000LL * 60000);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "fast")), 255);
}

static void restored_access_data_follows_the_mode(void **state) {
    fixture *f = *state;
    db *d = f->d;
    set(d, "k", "v", -1);
    kv *e = peek(d, "k");
    /* LRU mode: an idle time is applied, a frequency ignored. */
    assert_false(keyspace_restore_access(f->ks, e, 100, -1));
    assert_true(keyspace_restore_access(f->ks, e, 100, 1000));
    assert_int_equal(keyspace_idle_ms(f->ks, e), 1000 * 1000);
    assert_true(keyspace_restore_access(f->ks, e, -1, 0));
    assert_int_equal(keyspace_idle_ms(f->ks, e), 0);
    /* Redis compat: an idle time reaching before the clock's start adds
     * 2^24 - 1 and keeps the low 24 bits, so 10^8 s reads back as
     * 10^8 mod (2^24 - 1) s, and an idle time of exactly the clock is 0. */
    uint32_t clock = keyspace_lru_clock(f->ks);
    assert_true(keyspace_restore_access(f->ks, e, -1, 100000000));
    int64_t at = (int64_t)clock - 100000000 + 0xFFFFFF;
    assert_int_equal(kv_clock_of(e), (uint32_t)((uint64_t)at & 0xFFFFFF));
    assert_true(keyspace_restore_access(f->ks, e, -1, clock));
    assert_int_equal(kv_clock_of(e), 0);
    /* LFU mode: a frequency is applied (no decay yet), an idle time
     * ignored. */
    keyspace_set_lfu(f->ks, true, 10, 1);
    assert_false(keyspace_restore_access(f->ks, e, -1, 50));
    assert_true(keyspace_restore_access(f->ks, e, 200, 50));
    assert_int_equal(keyspace_lfu_count(f->ks, e), 200);
    keyspace_set_now(f->ks, T0 + 2 * 60000);
    assert_int_equal(keyspace_lfu_count(f->ks, e), 198);
    assert_true(keyspace_restore_access(f->ks, e, 0, -1));
    assert_int_equal(keyspace_lfu_count(f->ks, e), 0);
}

static void lfu_counter_survives_an_overwrite(void **state) {
    fixture *f = *state;
    db *d = f->d;
    keyspace_set_lfu(f->ks, true, 0, 1);
    set(d, "k", "v", -1);
    for (int i = 0; i < 50; i++) get(d, "k");
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), 55);
    /* Redis compat: overwriting a key keeps its access frequency. */
    set(d, "k", "v2", -1);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), 55);
    kv_ref ref;
    kv *old = db_lookup_ref(d, "k", 1, KS_LOOKUP_NOTOUCH, &ref);
    db_replace(d, &ref, kv_new_string("k", 1, "v3", 2, -1, KV_STR_AUTO));
    kv_free(old);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), 55);
    /* A new key starts from the initial value. */
    assert_true(db_delete(d, "k", 1));
    set(d, "k", "v", -1);
    assert_int_equal(keyspace_lfu_count(f->ks, peek(d, "k")), 5);
}

/* ---- memory ---- */

static void memory_per_small_key(void **state) {
    fixture *f = *state;
    enum { N = 100000 };
    size_t before = mem_used_bytes();
    char key[32], val[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "key:%012d", i);
        snprintf(val, sizeof(val), "value-%010d", i);
        assert_int_equal(strlen(key), 16);
        assert_int_equal(strlen(val), 16);
        db_set_string(f->d, key, 16, val, 16, -1, false, KV_STR_AUTO);
    }
    keyspace_rehash_step(f->ks, 10000000);
    size_t used = mem_used_bytes() - before;
    double per_key = (double)used / N;
    print_message("%d keys of 16 bytes with 16-byte values: %zu bytes, %.1f bytes per key "
                  "(structures beyond entries: %zu bytes)\n",
                  N, used, per_key, keyspace_overhead_bytes(f->ks));
    assert_true(per_key < 80.0);
    assert_int_equal(db_size(f->d), N);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(insert_lookup_replace_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(hits_and_misses_follow_the_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(lookup_expires_lazily_and_reports_it, setup, teardown),
        cmocka_unit_test_setup_teardown(expiry_changes_keep_the_volatile_index_in_step, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(active_expiry_removes_expired_keys_only, setup, teardown),
        cmocka_unit_test_setup_teardown(slot_counts_keys_and_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(random_key_follows_slot_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(random_key_spreads_over_many_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(random_key_deletes_expired_picks, setup, teardown),
        cmocka_unit_test_setup_teardown(sample_returns_live_entries_from_the_whole_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(scan_of_a_stable_database_reports_each_key_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(scan_reports_stable_keys_while_slot_tables_resize, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(swap_exchanges_contents_not_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(flush_sync_returns_all_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(flush_async_frees_in_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(lru_idle_time_follows_the_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(lfu_counter_grows_logarithmically_and_decays, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(restored_access_data_follows_the_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(lfu_counter_survives_an_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_per_small_key, setup, teardown),
    };
    return cmocka_run_group_tests_name("keyspace", tests, NULL, NULL);
}
