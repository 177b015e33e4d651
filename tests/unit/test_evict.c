/* Unit tests for evict: maxmemory enforcement by sampled eviction.
 *
 * The limit is always derived from mem_used_bytes() at test time (the
 * current footprint minus the bytes of so many keys), never a constant, so
 * the suite means the same under jemalloc and under the sanitizer's libc
 * malloc. Time is fake (keyspace_set_now), which makes idle times, LFU
 * counters and TTLs exact. Eviction is approximate by design, so the
 * quality tests build two clearly separated populations (idle for ten
 * minutes vs touched just now, cold vs hot, expiring in an hour vs in four
 * days) and check that the worse candidates go far more often than the
 * better ones; a policy that ignored its score would evict both about
 * equally. Every test records each evicted key through on_evict, checks
 * in the callback that the key still exists, and checks afterwards that
 * each was reported exactly once and is gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/hash.h"
#include "base/mem.h"
#include "data/evict.h"
#include "data/keyspace.h"

/* A fixed "now" in Unix ms, on a minute boundary so LFU decay is exact. */
#define T0 1699999980000LL
#define MINUTE 60000LL
#define HOUR (60 * MINUTE)
#define N 2000 /* keys per population */
#define BUDGET 10000000 /* 10 s: never the limiting factor */
#define REC_MAX 8192
#define REC_KEY 320

typedef struct evicted_key {
    int db;
    size_t len;
    char key[REC_KEY];
} evicted_key;

typedef struct fixture {
    size_t baseline;
    keyspace *ks;
    evict_pool *pool;
    evict_params p;
    evicted_key *rec; /* preallocated: the callback must not allocate */
    int nrec;
    int64_t tick_us; /* > 0: every eviction advances the fake clock */
} fixture;

static void on_evict(void *ctx, int dbid, const char *key, size_t len) {
    fixture *f = ctx;
    /* The contract: called before the key is deleted. */
    assert_non_null(db_find(keyspace_db(f->ks, dbid), key, len));
    assert_true(f->nrec < REC_MAX);
    assert_true(len < REC_KEY);
    evicted_key *r = &f->rec[f->nrec++];
    r->db = dbid;
    r->len = len;
    memcpy(r->key, key, len);
    r->key[len] = '\0';
    if (f->tick_us > 0) clock_set_fake_us(clock_mono_us() + f->tick_us);
}

static int setup(void **state) {
    static const uint8_t seed[16] = "evict-tests-seed";
    hash_set_seed(seed);
    fixture *f = mem_calloc(1, sizeof(*f));
    f->baseline = mem_used_bytes();
    f->ks = keyspace_new(16);
    keyspace_set_now(f->ks, T0);
    f->pool = evict_pool_new();
    f->rec = mem_calloc(REC_MAX, sizeof(evicted_key));
    f->p.samples = 5;
    f->p.on_evict = on_evict;
    f->p.ctx = f;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    clock_set_fake_us(0);
    evict_pool_free(f->pool);
    keyspace_free(f->ks);
    mem_free(f->rec);
    size_t now = mem_used_bytes();
    size_t baseline = f->baseline;
    mem_free(f);
    assert_int_equal(now, baseline);
    return 0;
}

/* ---- helpers ---- */

/* Sets count keys "<prefix>:<i>" (expire_ms < 0: no expiry; otherwise key
 * i expires at expire_ms + i) and returns the average bytes one key took.
 * The first key into an empty database also allocates its slot array
 * (128 KiB, given back when the database empties again), so the average is
 * taken over the keys after the first. */
static size_t fill(db *d, const char *prefix, int count, int64_t expire_ms) {
    static const char val[] = "0123456789abcdef0123456789abcdef";
    assert_true(count >= 2);
    size_t before = 0;
    char key[64];
    for (int i = 0; i < count; i++) {
        if (i == 1) before = mem_used_bytes();
        int n = snprintf(key, sizeof(key), "%s:%d", prefix, i);
        db_set_string(d, key, (size_t)n, val, sizeof(val) - 1, expire_ms < 0 ? -1 : expire_ms + i,
                      false, KV_STR_AUTO);
    }
    return (mem_used_bytes() - before) / (size_t)(count - 1);
}

/* Records an access to each key of a population at the keyspace's now. */
static void touch(keyspace *ks, db *d, const char *prefix, int count, int times) {
    char key[64];
    for (int i = 0; i < count; i++) {
        int n = snprintf(key, sizeof(key), "%s:%d", prefix, i);
        kv *e = db_find(d, key, (size_t)n);
        assert_non_null(e);
        for (int t = 0; t < times; t++) keyspace_touch(ks, e);
    }
}

/* A limit that leaves `bytes` too many in use right now. */
static void limit_below_by(fixture *f, size_t bytes) {
    size_t used = mem_used_bytes();
    assert_true(bytes < used);
    f->p.maxmemory = used - bytes;
}

/* How many evicted keys of database dbid (any when < 0) start with
 * "<prefix>:". */
static int evicted_with(const fixture *f, int dbid, const char *prefix) {
    size_t plen = strlen(prefix);
    int n = 0;
    for (int i = 0; i < f->nrec; i++) {
        const evicted_key *r = &f->rec[i];
        if (dbid >= 0 && r->db != dbid) continue;
        if (r->len > plen && memcmp(r->key, prefix, plen) == 0 && r->key[plen] == ':') n++;
    }
    return n;
}

/* Every reported key was reported once and is gone; the keyspace shrank
 * by exactly the keys reported, which is what *evicted and the statistics
 * say too. */
static void check_reports(fixture *f, size_t keys_before, uint64_t stat_before, size_t evicted) {
    assert_int_equal(evicted, (size_t)f->nrec);
    assert_int_equal(keyspace_stats_of(f->ks)->evicted_keys - stat_before, evicted);
    assert_int_equal(keyspace_total_keys(f->ks), keys_before - evicted);
    for (int i = 0; i < f->nrec; i++) {
        const evicted_key *a = &f->rec[i];
        assert_null(db_find(keyspace_db(f->ks, a->db), a->key, a->len));
        for (int j = i + 1; j < f->nrec; j++) {
            const evicted_key *b = &f->rec[j];
            if (a->db == b->db && a->len == b->len && memcmp(a->key, b->key, a->len) == 0) {
                print_error("key %d:%s reported twice\n", a->db, a->key);
                fail();
            }
        }
    }
}

/* Runs one eviction with a generous budget; returns the keys evicted. */
static size_t run_expect(fixture *f, enum evict_result want) {
    size_t keys_before = keyspace_total_keys(f->ks);
    uint64_t stat_before = keyspace_stats_of(f->ks)->evicted_keys;
    size_t evicted = 12345;
    assert_int_equal(evict_run(f->ks, f->pool, &f->p, BUDGET, &evicted), want);
    check_reports(f, keys_before, stat_before, evicted);
    if (want == EVICT_OK) assert_false(evict_over_limit(&f->p, NULL));
    if (want == EVICT_FAIL) assert_true(evict_over_limit(&f->p, NULL));
    return evicted;
}

/* ---- the limit itself ---- */

static void over_limit_subtracts_not_counted_memory(void **state) {
    (void)state;
    void *held = mem_alloc(4096); /* so that something is in use */
    evict_params p = {.policy = EVICT_ALLKEYS_LRU};
    size_t over = 777;
    /* maxmemory 0 means no limit. */
    assert_false(evict_over_limit(&p, &over));
    size_t used = mem_used_bytes();
    p.maxmemory = used;
    assert_false(evict_over_limit(&p, &over)); /* at the limit is not over it */
    p.maxmemory = used - 100;
    assert_true(evict_over_limit(&p, &over));
    assert_int_equal(over, 100);
    assert_true(evict_over_limit(&p, NULL));
    p.not_counted = 100;
    assert_false(evict_over_limit(&p, &over));
    p.not_counted = 99;
    over = 0;
    assert_true(evict_over_limit(&p, &over));
    assert_int_equal(over, 1);
    /* More not counted than used at all: nothing counts. */
    p.maxmemory = 1;
    p.not_counted = used * 2;
    assert_false(evict_over_limit(&p, &over));
    mem_free(held);
}

static void nothing_is_evicted_under_the_limit_or_without_one(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    size_t per_key = fill(d, "k", N, T0 + HOUR);
    for (enum evict_policy pol = EVICT_NOEVICTION; pol <= EVICT_VOLATILE_TTL; pol++) {
        f->p.policy = pol;
        f->p.maxmemory = 0;
        f->p.not_counted = 0;
        assert_int_equal(run_expect(f, EVICT_OK), 0);
        f->p.maxmemory = mem_used_bytes() + 1;
        assert_int_equal(run_expect(f, EVICT_OK), 0);
        /* Over the limit only because of memory that does not count. */
        limit_below_by(f, 100 * per_key);
        f->p.not_counted = 100 * per_key;
        assert_int_equal(run_expect(f, EVICT_OK), 0);
    }
    assert_int_equal(db_size(d), N);
    assert_int_equal(keyspace_stats_of(f->ks)->evicted_keys, 0);
}

static void noeviction_fails_over_the_limit_and_deletes_nothing(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    size_t per_key = fill(d, "k", N, -1);
    fill(d, "v", N, T0 + HOUR);
    f->p.policy = EVICT_NOEVICTION;
    limit_below_by(f, 10 * per_key);
    assert_int_equal(run_expect(f, EVICT_FAIL), 0);
    assert_int_equal(keyspace_total_keys(f->ks), 2 * N);
}

static void every_policy_fails_when_the_keyspace_is_empty(void **state) {
    fixture *f = *state;
    /* Memory held outside the keyspace: nothing to evict can free it. */
    void *held = mem_alloc(64 * 1024);
    for (enum evict_policy pol = EVICT_NOEVICTION; pol <= EVICT_VOLATILE_TTL; pol++) {
        f->p.policy = pol;
        limit_below_by(f, 1024);
        assert_int_equal(run_expect(f, EVICT_FAIL), 0);
    }
    mem_free(held);
}

static void volatile_policies_fail_when_no_key_has_an_expiry(void **state) {
    fixture *f = *state;
    size_t per_key = fill(keyspace_db(f->ks, 0), "k", N, -1);
    fill(keyspace_db(f->ks, 5), "k", N / 4, -1);
    static const enum evict_policy vol[] = {EVICT_VOLATILE_LRU, EVICT_VOLATILE_LFU,
                                            EVICT_VOLATILE_RANDOM, EVICT_VOLATILE_TTL};
    for (size_t i = 0; i < sizeof(vol) / sizeof(vol[0]); i++) {
        f->p.policy = vol[i];
        limit_below_by(f, 10 * per_key);
        assert_int_equal(run_expect(f, EVICT_FAIL), 0);
    }
    assert_int_equal(keyspace_total_keys(f->ks), N + N / 4);
}

static void volatile_policies_evict_every_expiring_key_then_fail(void **state) {
    fixture *f = *state;
    static const enum evict_policy vol[] = {EVICT_VOLATILE_LRU, EVICT_VOLATILE_LFU,
                                            EVICT_VOLATILE_RANDOM, EVICT_VOLATILE_TTL};
    db *d = keyspace_db(f->ks, 0);
    db *d2 = keyspace_db(f->ks, 2);
    for (size_t i = 0; i < sizeof(vol) / sizeof(vol[0]); i++) {
        keyspace_set_lfu(f->ks, vol[i] == EVICT_VOLATILE_LFU, 10, 1);
        size_t per_key = fill(d, "perm", N / 2, -1);
        fill(d, "vol", 100, T0 + HOUR);
        fill(d2, "vol", 50, T0 + 2 * HOUR);
        fill(d2, "perm", 10, -1); /* an emptied database would give back its slot array */
        f->p.policy = vol[i];
        f->nrec = 0;
        /* More than all volatile keys together take. */
        limit_below_by(f, 400 * per_key);
        assert_int_equal(run_expect(f, EVICT_FAIL), 150);
        assert_int_equal(evicted_with(f, 0, "vol"), 100);
        assert_int_equal(evicted_with(f, 2, "vol"), 50);
        assert_int_equal(db_volatile_count(d) + db_volatile_count(d2), 0);
        assert_int_equal(db_size(d), N / 2);
        db_flush(d, false);
    }
}

/* ---- quality of the choice ---- */

static void allkeys_lru_evicts_idle_keys_far_more_than_recent_ones(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    size_t per_key = fill(d, "old", N, -1);
    fill(d, "new", N, -1);
    keyspace_set_now(f->ks, T0 + 10 * MINUTE);
    touch(f->ks, d, "new", N, 1);
    f->p.policy = EVICT_ALLKEYS_LRU;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int old = evicted_with(f, 0, "old"), fresh = evicted_with(f, 0, "new");
    print_message("allkeys-lru: %zu evicted, %d idle, %d recent\n", n, old, fresh);
    assert_true(n >= 100);
    assert_true(fresh * 10 <= old);
}

static void allkeys_lru_looks_at_every_database(void **state) {
    fixture *f = *state;
    /* The idle keys sit in database 3 under the same names as recent keys
     * in database 0: an eviction must delete the key of the database it
     * sampled. */
    size_t per_key = fill(keyspace_db(f->ks, 3), "k", N, -1);
    keyspace_set_now(f->ks, T0 + 10 * MINUTE);
    fill(keyspace_db(f->ks, 0), "k", N, -1);
    fill(keyspace_db(f->ks, 7), "k", N, -1);
    f->p.policy = EVICT_ALLKEYS_LRU;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int idle = evicted_with(f, 3, "k");
    int fresh = evicted_with(f, 0, "k") + evicted_with(f, 7, "k");
    print_message("allkeys-lru over 3 databases: %zu evicted, %d from db 3, %d elsewhere\n", n,
                  idle, fresh);
    assert_true(n >= 100);
    assert_true(fresh * 10 <= idle);
    for (int i = 0; i < f->nrec; i++) {
        if (f->rec[i].db != 3) continue;
        assert_non_null(db_find(keyspace_db(f->ks, 0), f->rec[i].key, f->rec[i].len));
        assert_non_null(db_find(keyspace_db(f->ks, 7), f->rec[i].key, f->rec[i].len));
    }
}

static void allkeys_lfu_evicts_rarely_used_keys_first(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    /* lfu-log-factor 0: every access counts, so counters are exact. */
    keyspace_set_lfu(f->ks, true, 0, 1);
    size_t per_key = fill(d, "cold", N, -1);
    fill(d, "hot", N, -1);
    touch(f->ks, d, "hot", N, 20);
    assert_int_equal(keyspace_lfu_count(f->ks, db_find(d, "hot:0", 5)), 25);
    assert_int_equal(keyspace_lfu_count(f->ks, db_find(d, "cold:0", 6)), 5);
    f->p.policy = EVICT_ALLKEYS_LFU;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int cold = evicted_with(f, 0, "cold"), hot = evicted_with(f, 0, "hot");
    print_message("allkeys-lfu: %zu evicted, %d cold, %d hot\n", n, cold, hot);
    assert_true(n >= 100);
    assert_true(hot * 10 <= cold);
}

static void allkeys_lfu_ranks_by_decayed_counters(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    keyspace_set_lfu(f->ks, true, 0, 1);
    /* "former" keys were hot long ago (raw counter 55, decayed to 5 after
     * 50 minutes); "warm" keys were touched moderately just now (25). */
    size_t per_key = fill(d, "former", N, -1);
    touch(f->ks, d, "former", N, 50);
    keyspace_set_now(f->ks, T0 + 50 * MINUTE);
    fill(d, "warm", N, -1);
    touch(f->ks, d, "warm", N, 20);
    assert_int_equal(keyspace_lfu_count(f->ks, db_find(d, "former:0", 8)), 5);
    f->p.policy = EVICT_ALLKEYS_LFU;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int former = evicted_with(f, 0, "former"), warm = evicted_with(f, 0, "warm");
    print_message("allkeys-lfu with decay: %zu evicted, %d formerly hot, %d warm\n", n, former,
                  warm);
    assert_true(n >= 100);
    assert_true(warm * 10 <= former);
}

static void volatile_lru_spares_keys_without_expiry(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    /* The keys without an expiry are the idlest of all. */
    fill(d, "perm", N, -1);
    keyspace_set_now(f->ks, T0 + 5 * MINUTE);
    size_t per_key = fill(d, "old", N, T0 + 24 * HOUR);
    keyspace_set_now(f->ks, T0 + 15 * MINUTE);
    fill(d, "new", N, T0 + 24 * HOUR);
    f->p.policy = EVICT_VOLATILE_LRU;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int old = evicted_with(f, 0, "old"), fresh = evicted_with(f, 0, "new");
    print_message("volatile-lru: %zu evicted, %d idle, %d recent\n", n, old, fresh);
    assert_int_equal(evicted_with(f, -1, "perm"), 0);
    assert_true(n >= 100);
    assert_true(fresh * 10 <= old);
}

static void volatile_lfu_spares_keys_without_expiry(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    keyspace_set_lfu(f->ks, true, 0, 1);
    /* The keys without an expiry have the lowest counters (decayed to 0). */
    fill(d, "perm", N, -1);
    keyspace_set_now(f->ks, T0 + 10 * MINUTE);
    size_t per_key = fill(d, "cold", N, T0 + 24 * HOUR);
    fill(d, "hot", N, T0 + 24 * HOUR);
    touch(f->ks, d, "hot", N, 20);
    assert_int_equal(keyspace_lfu_count(f->ks, db_find(d, "perm:0", 6)), 0);
    f->p.policy = EVICT_VOLATILE_LFU;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int cold = evicted_with(f, 0, "cold"), hot = evicted_with(f, 0, "hot");
    print_message("volatile-lfu: %zu evicted, %d cold, %d hot\n", n, cold, hot);
    assert_int_equal(evicted_with(f, -1, "perm"), 0);
    assert_true(n >= 100);
    assert_true(hot * 10 <= cold);
}

static void volatile_ttl_evicts_keys_expiring_soonest(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    /* Neither idle time nor the absence of an expiry may matter: the keys
     * expiring soonest were touched last, the keys without one are idlest. */
    fill(d, "perm", N, -1);
    keyspace_set_now(f->ks, T0 + 5 * MINUTE);
    size_t per_key = fill(d, "late", N, T0 + 96 * HOUR);
    keyspace_set_now(f->ks, T0 + 10 * MINUTE);
    fill(d, "soon", N, T0 + HOUR);
    f->p.policy = EVICT_VOLATILE_TTL;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int soon = evicted_with(f, 0, "soon"), late = evicted_with(f, 0, "late");
    print_message("volatile-ttl: %zu evicted, %d expiring soon, %d expiring late\n", n, soon,
                  late);
    assert_int_equal(evicted_with(f, -1, "perm"), 0);
    assert_true(n >= 100);
    assert_true(late * 10 <= soon);
}

static void allkeys_random_takes_from_every_population_and_database(void **state) {
    fixture *f = *state;
    /* Idle and recent keys in two databases: random eviction ignores both
     * idle time and database and still must reach every part. */
    size_t per_key = fill(keyspace_db(f->ks, 2), "old", N, -1);
    keyspace_set_now(f->ks, T0 + 10 * MINUTE);
    fill(keyspace_db(f->ks, 9), "new", N, T0 + HOUR);
    f->p.policy = EVICT_ALLKEYS_RANDOM;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int old = evicted_with(f, 2, "old"), fresh = evicted_with(f, 9, "new");
    print_message("allkeys-random: %zu evicted, %d from db 2, %d from db 9\n", n, old, fresh);
    assert_true(n >= 100);
    assert_int_equal(old + fresh, (int)n);
    assert_true(old >= (int)n / 5 && fresh >= (int)n / 5);
}

static void volatile_random_takes_only_keys_with_an_expiry(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    fill(d, "perm", N, -1);
    size_t per_key = fill(d, "vol", N, T0 + HOUR);
    fill(keyspace_db(f->ks, 4), "vol", N, T0 + HOUR);
    f->p.policy = EVICT_VOLATILE_RANDOM;
    limit_below_by(f, 300 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int d0 = evicted_with(f, 0, "vol"), d4 = evicted_with(f, 4, "vol");
    print_message("volatile-random: %zu evicted, %d from db 0, %d from db 4\n", n, d0, d4);
    assert_true(n >= 100);
    assert_int_equal(evicted_with(f, -1, "perm"), 0);
    assert_int_equal(d0 + d4, (int)n);
    assert_true(d0 > 0 && d4 > 0);
}

/* ---- the pool and the time budget ---- */

static void long_keys_are_evicted_and_their_copies_freed(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    /* Keys longer than a pool slot holds inline, idle and recent. */
    char key[300];
    memset(key, 'x', sizeof(key));
    size_t before = 0;
    for (int i = -1; i < 400; i++) {
        if (i == 0) before = mem_used_bytes(); /* after the slot array (see fill) */
        int n = snprintf(key, sizeof(key), "old:%d:", i);
        key[n] = 'x';
        db_set_string(d, key, sizeof(key), "v", 1, -1, false, KV_STR_AUTO);
    }
    size_t per_key = (mem_used_bytes() - before) / 400;
    keyspace_set_now(f->ks, T0 + MINUTE);
    for (int i = 0; i < 400; i++) {
        int n = snprintf(key, sizeof(key), "new:%d:", i);
        key[n] = 'x';
        db_set_string(d, key, sizeof(key), "v", 1, -1, false, KV_STR_AUTO);
    }
    f->p.policy = EVICT_ALLKEYS_LRU;
    limit_below_by(f, 60 * per_key);
    size_t n = run_expect(f, EVICT_OK);
    int old = evicted_with(f, 0, "old"), fresh = evicted_with(f, 0, "new");
    print_message("long keys: %zu evicted, %d idle, %d recent\n", n, old, fresh);
    assert_true(n >= 20);
    assert_true(fresh * 4 <= old);
    for (int i = 0; i < f->nrec; i++) assert_int_equal(f->rec[i].len, sizeof(key));
    /* teardown checks that the pool's heap copies were returned */
}

static void pool_candidates_deleted_meanwhile_are_skipped(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    size_t per_key = fill(d, "old", N, -1);
    keyspace_set_now(f->ks, T0 + 10 * MINUTE);
    fill(d, "new", N, -1);
    f->p.policy = EVICT_ALLKEYS_LRU;
    limit_below_by(f, 300 * per_key);
    /* A spent budget stops the run after one batch, leaving the pool full of
     * idle candidates. */
    size_t n = 0;
    assert_int_equal(evict_run(f->ks, f->pool, &f->p, -1, &n), EVICT_RUNNING);
    assert_int_equal(n, 16);
    assert_int_equal(f->nrec, 16);
    /* Then a client deletes every idle key and writes new ones. */
    char key[32];
    for (int i = 0; i < N; i++) {
        int len = snprintf(key, sizeof(key), "old:%d", i);
        db_delete(d, key, (size_t)len);
    }
    fill(d, "newer", N / 2, -1);
    f->nrec = 0;
    limit_below_by(f, 100 * per_key);
    n = run_expect(f, EVICT_OK); /* on_evict asserts each key still exists */
    assert_true(n >= 30);
    assert_int_equal(evicted_with(f, 0, "old"), 0);
    assert_int_equal(evicted_with(f, 0, "new") + evicted_with(f, 0, "newer"), (int)n);
}

static void a_run_stops_at_its_time_budget_and_resumes(void **state) {
    fixture *f = *state;
    db *d = keyspace_db(f->ks, 0);
    size_t per_key = fill(d, "k", N, -1);
    f->p.policy = EVICT_ALLKEYS_RANDOM;
    limit_below_by(f, 400 * per_key);
    /* Each eviction advances the fake clock by 100 us. The clock is looked
     * at every 16 evictions, so a 1 ms budget is found spent after 16 and a
     * 5 ms budget after 64. */
    clock_set_fake_us(1000000);
    f->tick_us = 100;
    uint64_t stat_before = keyspace_stats_of(f->ks)->evicted_keys;
    size_t n = 0;
    assert_int_equal(evict_run(f->ks, f->pool, &f->p, 1000, &n), EVICT_RUNNING);
    assert_int_equal(n, 16);
    assert_true(evict_over_limit(&f->p, NULL));
    assert_int_equal(evict_run(f->ks, f->pool, &f->p, 5000, &n), EVICT_RUNNING);
    assert_int_equal(n, 64);
    /* A frozen clock never runs out: the next run finishes the job. */
    f->tick_us = 0;
    assert_int_equal(evict_run(f->ks, f->pool, &f->p, 0, &n), EVICT_OK);
    assert_true(n > 0);
    assert_false(evict_over_limit(&f->p, NULL));
    size_t total = (size_t)f->nrec;
    assert_int_equal(total, 16 + 64 + n);
    check_reports(f, keyspace_total_keys(f->ks) + total, stat_before, total);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(over_limit_subtracts_not_counted_memory),
        cmocka_unit_test_setup_teardown(nothing_is_evicted_under_the_limit_or_without_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(noeviction_fails_over_the_limit_and_deletes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(every_policy_fails_when_the_keyspace_is_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(volatile_policies_fail_when_no_key_has_an_expiry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(volatile_policies_evict_every_expiring_key_then_fail,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(allkeys_lru_evicts_idle_keys_far_more_than_recent_ones,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(allkeys_lru_looks_at_every_database, setup, teardown),
        cmocka_unit_test_setup_teardown(allkeys_lfu_evicts_rarely_used_keys_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(allkeys_lfu_ranks_by_decayed_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(volatile_lru_spares_keys_without_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(volatile_lfu_spares_keys_without_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(volatile_ttl_evicts_keys_expiring_soonest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(allkeys_random_takes_from_every_population_and_database,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(volatile_random_takes_only_keys_with_an_expiry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(long_keys_are_evicted_and_their_copies_freed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pool_candidates_deleted_meanwhile_are_skipped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_run_stops_at_its_time_budget_and_resumes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("evict", tests, NULL, NULL);
}
