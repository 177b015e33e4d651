/* Unit tests for htable: the hash table under every slot of the keyspace.
 *
 * Incremental rehashing means the table spends much of its life with two
 * bucket arrays, so the tests check the structural invariants (each node in
 * the bucket its hash names, moved buckets empty, counts right) and every
 * lookup after single rehash steps, through several grow and shrink cycles.
 * The SCAN test drives resizes in both directions between scan calls and
 * requires every element present for the whole scan to be reported; a scan
 * of a table that does not change must report each element exactly once.
 * The test reads the table's public fields (pause_rehash, rehash_idx, the
 * bucket arrays) to hold or inspect a rehash in a given state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/hash.h"
#include "base/htable.h"
#include "base/mem.h"

typedef struct item {
    htable_node node; /* first member: a node pointer is an item pointer */
    uint64_t key;
    int seen;   /* visits during a scan or foreach */
    bool in;    /* currently in the table */
} item;

static uint64_t hash_key64(uint64_t key) {
    return hash_bytes(&key, sizeof(key));
}

static uint64_t item_node_hash(const htable_node *n) {
    return hash_key64(((const item *)n)->key);
}

static uint64_t item_key_hash(const void *key, size_t len) {
    assert_int_equal(len, sizeof(uint64_t));
    uint64_t k;
    memcpy(&k, key, sizeof(k));
    return hash_key64(k);
}

static bool item_key_equals(const htable_node *n, const void *key, size_t len) {
    return len == sizeof(uint64_t) && memcmp(&((const item *)n)->key, key, len) == 0;
}

static const htable_type item_type = {item_node_hash, item_key_hash, item_key_equals};

/* A deliberately bad hash: four distinct values, so chains are long. */
static uint64_t weak_node_hash(const htable_node *n) {
    return ((const item *)n)->key % 4;
}

static uint64_t weak_key_hash(const void *key, size_t len) {
    (void)len;
    uint64_t k;
    memcpy(&k, key, sizeof(k));
    return k % 4;
}

static const htable_type weak_type = {weak_node_hash, weak_key_hash, item_key_equals};

static uint64_t node_hash_of(const htable *ht, const item *it) {
    return ht->type->node_hash(&it->node);
}

static item *find(htable *ht, uint64_t key) {
    return (item *)htable_find(ht, &key, sizeof(key), ht->type->hash_key(&key, sizeof(key)));
}

static void insert(htable *ht, item *it) {
    assert_null(find(ht, it->key));
    htable_insert(ht, &it->node, node_hash_of(ht, it));
    it->in = true;
}

static item *remove_key(htable *ht, uint64_t key) {
    item *it = (item *)htable_remove(ht, &key, sizeof(key), ht->type->hash_key(&key, sizeof(key)));
    if (it) it->in = false;
    return it;
}

/* Deterministic pseudo-random numbers so a failure can be replayed. */
static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void shuffle(item **v, size_t n) {
    for (size_t i = n; i > 1; i--) {
        size_t j = next_rand() % i;
        item *t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static item *make_items(size_t n, uint64_t first_key) {
    item *items = mem_calloc(n, sizeof(item));
    for (size_t i = 0; i < n; i++) items[i].key = first_key + i;
    return items;
}

static int set_seed(void **state) {
    (void)state;
    static const uint8_t seed[16] = "htable-test-seed";
    hash_set_seed(seed);
    rng = 0x2545F4914F6CDD1DULL;
    return 0;
}

/* Structural invariants, checked from the public fields. */
static void check_invariants(const htable *ht) {
    size_t total = 0;
    for (int t = 0; t < 2; t++) {
        assert_true((ht->buckets[t] == NULL) == (ht->exp[t] < 0));
        if (ht->buckets[t] == NULL) {
            assert_int_equal(ht->used[t], 0);
            continue;
        }
        size_t size = (size_t)1 << ht->exp[t];
        size_t count = 0;
        for (size_t i = 0; i < size; i++) {
            if (t == 0 && ht->rehash_idx >= 0 && i < (size_t)ht->rehash_idx)
                assert_null(ht->buckets[0][i]); /* already moved */
            for (htable_node *n = ht->buckets[t][i]; n; n = n->next) {
                assert_int_equal(ht->type->node_hash(n) & (size - 1), i);
                count++;
            }
        }
        assert_int_equal(count, ht->used[t]);
        total += count;
    }
    assert_true((ht->rehash_idx >= 0) == (ht->buckets[1] != NULL));
    assert_int_equal(total, htable_count(ht));
}

static void drain_rehash(htable *ht) {
    while (htable_rehash_steps(ht, 100)) {
    }
}

/* Inserts items[0..n) so that the last insert starts a grow to twice the
 * size (n - 1 must be a power of two, at least 4), and leaves the rehash
 * held there: the caller releases it with ht->pause_rehash--. */
static void build_growing(htable *ht, item *items, size_t n) {
    for (size_t i = 0; i + 1 < n; i++) insert(ht, &items[i]);
    drain_rehash(ht);
    assert_int_equal(htable_bucket_count(ht), n - 1);
    ht->pause_rehash++;
    insert(ht, &items[n - 1]);
    assert_true(htable_is_rehashing(ht));
    assert_int_equal(ht->exp[1], ht->exp[0] + 1);
}

/* Same, then shrinks: removes all but keep items with rehashing held (no
 * shrink can start), releases it for one more removal, which starts the
 * shrink, and holds the rehash again. */
static void build_shrinking(htable *ht, item *items, size_t n, size_t keep) {
    build_growing(ht, items, n);
    ht->pause_rehash--;
    drain_rehash(ht);
    ht->pause_rehash++;
    for (size_t i = 0; i + keep < n; i++) assert_non_null(remove_key(ht, items[i].key));
    assert_false(htable_is_rehashing(ht));
    ht->pause_rehash--;
    assert_non_null(remove_key(ht, items[n - keep].key));
    ht->pause_rehash++;
    assert_true(htable_is_rehashing(ht));
    assert_true(ht->exp[1] < ht->exp[0]);
}

static void empty_table_answers_without_allocating(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    htable ht;
    htable_init(&ht, &item_type);
    assert_int_equal(htable_count(&ht), 0);
    assert_int_equal(htable_bucket_count(&ht), 0);
    assert_false(htable_is_rehashing(&ht));
    assert_null(find(&ht, 1));
    assert_null(remove_key(&ht, 1));
    uint64_t k = 1;
    assert_null(htable_find_link(&ht, &k, sizeof(k), hash_key64(k)));
    assert_null(htable_random(&ht));
    htable_node *out[4];
    assert_int_equal(htable_sample(&ht, out, 4), 0);
    assert_false(htable_rehash_steps(&ht, 10));
    assert_int_equal(htable_scan(&ht, 0, NULL, NULL), 0);
    assert_int_equal(htable_overhead_bytes(&ht), 0);
    assert_int_equal(mem_used_bytes(), base);
    htable_fini(&ht);
}

static void grow_and_shrink_cycles_keep_every_element_findable(void **state) {
    (void)state;
    enum { N = 3000 };
    size_t base = mem_used_bytes();
    item *items = make_items(N, 1000);
    item *order[N];
    for (size_t i = 0; i < N; i++) order[i] = &items[i];
    htable ht;
    htable_init(&ht, &item_type);
    size_t rehashing_seen = 0, max_buckets = 0;
    for (int cycle = 0; cycle < 3; cycle++) {
        shuffle(order, N);
        for (size_t i = 0; i < N; i++) {
            insert(&ht, order[i]);
            assert_int_equal(htable_count(&ht), i + 1);
            if (htable_is_rehashing(&ht)) rehashing_seen++;
            if (htable_bucket_count(&ht) > max_buckets) max_buckets = htable_bucket_count(&ht);
            if (i % 7 == 0 || htable_is_rehashing(&ht)) check_invariants(&ht);
            assert_ptr_equal(find(&ht, order[i]->key), order[i]);
            assert_ptr_equal(find(&ht, order[i / 2]->key), order[i / 2]);
            assert_null(find(&ht, 999)); /* never inserted */
        }
        for (size_t i = 0; i < N; i++) assert_ptr_equal(find(&ht, items[i].key), &items[i]);
        /* Load never exceeds one element per bucket of the live array. */
        assert_true(htable_bucket_count(&ht) >= N);
        shuffle(order, N);
        for (size_t i = 0; i < N; i++) {
            assert_ptr_equal(remove_key(&ht, order[i]->key), order[i]);
            assert_null(remove_key(&ht, order[i]->key));
            assert_int_equal(htable_count(&ht), N - i - 1);
            if (htable_is_rehashing(&ht)) rehashing_seen++;
            if (i % 7 == 0 || htable_is_rehashing(&ht)) check_invariants(&ht);
            assert_null(find(&ht, order[i]->key));
            if (i + 1 < N) assert_ptr_equal(find(&ht, order[N - 1]->key), order[N - 1]);
        }
        drain_rehash(&ht);
        /* Empty again: shrunk back to the smallest array. */
        assert_true(htable_bucket_count(&ht) <= 8);
        check_invariants(&ht);
    }
    assert_true(rehashing_seen > 100);
    assert_true(max_buckets >= 4096);
    htable_fini(&ht);
    mem_free(items);
    assert_int_equal(mem_used_bytes(), base);
}

/* Lookups with rehashing held, after every single bucket move. */
static void verify_all_found_holding_rehash(htable *ht, item *items, size_t n) {
    ht->pause_rehash++;
    int64_t idx = ht->rehash_idx;
    for (size_t i = 0; i < n; i++) {
        if (items[i].in)
            assert_ptr_equal(find(ht, items[i].key), &items[i]);
        else
            assert_null(find(ht, items[i].key));
    }
    assert_int_equal(ht->rehash_idx, idx); /* the lookups moved nothing */
    ht->pause_rehash--;
}

static void lookups_succeed_after_every_rehash_step(void **state) {
    (void)state;
    enum { N = 1025 };
    item *items = make_items(N, 0);
    htable ht;
    htable_init(&ht, &item_type);
    build_growing(&ht, items, N);
    ht.pause_rehash--;
    size_t steps = 0;
    do {
        check_invariants(&ht);
        verify_all_found_holding_rehash(&ht, items, N);
        steps++;
    } while (htable_rehash_steps(&ht, 1));
    assert_true(steps > 100);
    check_invariants(&ht);
    verify_all_found_holding_rehash(&ht, items, N);

    /* Shrink: remove all but a few, then step through the move down. */
    htable_fini(&ht);
    for (size_t i = 0; i < N; i++) items[i].in = false;
    htable_init(&ht, &item_type);
    build_shrinking(&ht, items, N, 20);
    ht.pause_rehash--;
    steps = 0;
    do {
        check_invariants(&ht);
        verify_all_found_holding_rehash(&ht, items, N);
        steps++;
    } while (htable_rehash_steps(&ht, 1));
    assert_true(steps > 10);
    assert_int_equal(htable_count(&ht), 19);
    assert_int_equal(htable_bucket_count(&ht), 32);
    htable_fini(&ht);
    mem_free(items);
}

static void inserts_during_rehash_go_to_the_new_array(void **state) {
    (void)state;
    enum { N = 300 };
    item *items = make_items(N, 0);
    htable ht;
    htable_init(&ht, &item_type);
    build_growing(&ht, items, 257);
    assert_int_equal(ht.used[0], 256);
    for (size_t i = 257; i < N; i++) insert(&ht, &items[i]);
    assert_int_equal(ht.used[0], 256);
    assert_int_equal(ht.used[1], N - 256);
    ht.pause_rehash--;
    check_invariants(&ht);
    assert_false(htable_rehash_for(&ht, 1000000));
    assert_false(htable_is_rehashing(&ht));
    assert_int_equal(htable_count(&ht), N);
    check_invariants(&ht);
    htable_fini(&ht);
    mem_free(items);
}

static void find_link_and_replace_keep_the_chain(void **state) {
    (void)state;
    item *items = make_items(12, 0);
    item replacement = {.key = 5};
    htable ht;
    htable_init(&ht, &weak_type);
    for (size_t i = 0; i < 12; i++) insert(&ht, &items[i]);
    uint64_t k = 5;
    htable_node **link = htable_find_link(&ht, &k, sizeof(k), weak_key_hash(&k, sizeof(k)));
    assert_non_null(link);
    assert_ptr_equal(*link, &items[5].node);
    htable_replace_at(link, &replacement.node);
    assert_ptr_equal(find(&ht, 5), &replacement);
    /* Every other element, before and after it in the chain, is intact. */
    for (size_t i = 0; i < 12; i++)
        if (i != 5) assert_ptr_equal(find(&ht, i), &items[i]);
    assert_int_equal(htable_count(&ht), 12);
    check_invariants(&ht);
    k = 99;
    assert_null(htable_find_link(&ht, &k, sizeof(k), weak_key_hash(&k, sizeof(k))));
    assert_ptr_equal(remove_key(&ht, 5), &replacement);
    assert_null(find(&ht, 5));
    htable_fini(&ht);
    mem_free(items);
}

static void remove_node_goes_by_identity(void **state) {
    (void)state;
    item *items = make_items(40, 0);
    item stranger = {.key = 6}; /* same key as items[6], never inserted */
    htable ht;
    htable_init(&ht, &weak_type);
    for (size_t i = 0; i < 40; i++) insert(&ht, &items[i]);
    assert_false(htable_remove_node(&ht, &stranger.node));
    assert_int_equal(htable_count(&ht), 40);
    /* Middle, head and tail of a chain. */
    assert_true(htable_remove_node(&ht, &items[6].node));
    assert_false(htable_remove_node(&ht, &items[6].node));
    assert_true(htable_remove_node(&ht, &items[0].node));
    assert_true(htable_remove_node(&ht, &items[39].node));
    assert_int_equal(htable_count(&ht), 37);
    assert_null(find(&ht, 6));
    assert_ptr_equal(find(&ht, 10), &items[10]);
    check_invariants(&ht);
    htable_fini(&ht);

    /* While rehashing, a node can be in either array. */
    htable_init(&ht, &item_type);
    for (size_t i = 0; i < 40; i++) items[i].in = false;
    build_growing(&ht, items, 33);
    htable_rehash_steps(&ht, 8);
    assert_true(ht.used[0] > 0 && ht.used[1] > 0);
    for (size_t i = 0; i < 33; i++) assert_true(htable_remove_node(&ht, &items[i].node));
    ht.pause_rehash--;
    assert_int_equal(htable_count(&ht), 0);
    check_invariants(&ht);
    htable_fini(&ht);
    mem_free(items);
}

static bool is_member(const item *items, size_t n, const htable_node *node) {
    const item *it = (const item *)node;
    return it >= items && it < items + n && it->in;
}

static void random_and_sample_on_tiny_tables(void **state) {
    (void)state;
    item *items = make_items(3, 0);
    htable ht;
    htable_init(&ht, &item_type);
    insert(&ht, &items[0]);
    for (int i = 0; i < 50; i++) assert_ptr_equal(htable_random(&ht), &items[0].node);
    htable_node *out[8];
    assert_int_equal(htable_sample(&ht, out, 8), 1);
    assert_ptr_equal(out[0], &items[0].node);
    insert(&ht, &items[1]);
    insert(&ht, &items[2]);
    /* Asking for more than there are: all of them, each once. */
    assert_int_equal(htable_sample(&ht, out, 8), 3);
    bool got[3] = {false, false, false};
    for (int i = 0; i < 3; i++) {
        assert_true(is_member(items, 3, out[i]));
        size_t idx = (size_t)((item *)out[i] - items);
        assert_false(got[idx]);
        got[idx] = true;
    }
    assert_int_equal(htable_sample(&ht, out, 0), 0);
    htable_fini(&ht);
    mem_free(items);
}

static void random_reaches_both_arrays_while_rehashing(void **state) {
    (void)state;
    enum { N = 1000 };
    item *items = make_items(N, 0);
    htable ht;
    htable_init(&ht, &item_type);
    build_growing(&ht, items, 513);
    htable_rehash_steps(&ht, 100);
    for (size_t i = 513; i < N; i++) insert(&ht, &items[i]);
    assert_true(htable_is_rehashing(&ht));
    assert_true(ht.used[0] > 0 && ht.used[1] > 0);
    for (int draw = 0; draw < 200000; draw++) {
        htable_node *n = htable_random(&ht);
        assert_true(is_member(items, N, n));
        ((item *)n)->seen++;
    }
    for (size_t i = 0; i < N; i++) assert_true(items[i].seen > 0);
    htable_node *out[64];
    for (int round = 0; round < 200; round++) {
        size_t got = htable_sample(&ht, out, 64);
        assert_true(got > 0 && got <= 64);
        for (size_t i = 0; i < got; i++) assert_true(is_member(items, N, out[i]));
    }
    assert_true(htable_is_rehashing(&ht)); /* held all along */
    ht.pause_rehash--;
    /* Unheld, random and sample drive the rehash to its end. */
    for (int i = 0; i < 100000 && htable_is_rehashing(&ht); i++) htable_random(&ht);
    assert_false(htable_is_rehashing(&ht));
    htable_fini(&ht);
    mem_free(items);
}

static void sample_on_a_sparse_table_returns_members(void **state) {
    (void)state;
    enum { N = 4096 };
    item *items = make_items(N, 0);
    htable ht;
    htable_init(&ht, &item_type);
    for (size_t i = 0; i < N; i++) insert(&ht, &items[i]);
    /* Down to just above the shrink threshold: many empty buckets. */
    for (size_t i = 0; i < N - 1100; i++) remove_key(&ht, items[i].key);
    htable_node *out[16];
    size_t total = 0;
    for (int round = 0; round < 1000; round++) {
        size_t got = htable_sample(&ht, out, 16);
        assert_true(got <= 16);
        for (size_t i = 0; i < got; i++) assert_true(is_member(items, N, out[i]));
        total += got;
    }
    assert_true(total > 1000);
    htable_fini(&ht);
    mem_free(items);
}

/* ---- SCAN ---- */

static void mark_seen(htable_node *n, void *ctx) {
    (void)ctx;
    ((item *)n)->seen++;
}

static void full_scan_of_a_stable_table_reports_each_element_once(void **state) {
    (void)state;
    enum { N = 2000 };
    item *items = make_items(N, 0);
    htable ht;
    htable_init(&ht, &item_type);
    for (size_t i = 0; i < N; i++) insert(&ht, &items[i]);
    drain_rehash(&ht);
    size_t calls = 0;
    uint64_t cursor = 0;
    do {
        cursor = htable_scan(&ht, cursor, mark_seen, NULL);
        calls++;
    } while (cursor != 0);
    for (size_t i = 0; i < N; i++) assert_int_equal(items[i].seen, 1);
    assert_int_equal(calls, htable_bucket_count(&ht));
    htable_fini(&ht);
    mem_free(items);
}

static void scan_counts_in_a_table_held_mid_rehash(htable *ht, item *items, size_t n) {
    for (size_t i = 0; i < n; i++) items[i].seen = 0;
    uint64_t cursor = 0;
    do {
        cursor = htable_scan(ht, cursor, mark_seen, NULL);
    } while (cursor != 0);
    for (size_t i = 0; i < n; i++) assert_int_equal(items[i].seen, items[i].in ? 1 : 0);
}

static void full_scan_mid_rehash_reports_each_element_once(void **state) {
    (void)state;
    enum { N = 2000 };
    item *items = make_items(N, 0);
    htable ht;
    htable_init(&ht, &item_type);
    /* Growing: about half moved. */
    build_growing(&ht, items, 1025);
    htable_rehash_steps(&ht, 500);
    assert_true(htable_is_rehashing(&ht));
    scan_counts_in_a_table_held_mid_rehash(&ht, items, N);
    ht.pause_rehash--;
    htable_fini(&ht);
    /* Shrinking: a little moved. */
    for (size_t i = 0; i < N; i++) items[i].in = false;
    htable_init(&ht, &item_type);
    build_shrinking(&ht, items, 1025, 100);
    htable_rehash_steps(&ht, 3);
    assert_true(htable_is_rehashing(&ht));
    scan_counts_in_a_table_held_mid_rehash(&ht, items, N);
    ht.pause_rehash--;
    htable_fini(&ht);
    mem_free(items);
}

typedef struct scan_stats {
    size_t grows_seen, shrinks_seen, calls;
} scan_stats;

/* One scan of the stable items while the table is resized underneath it:
 * the transient items are added and removed in waves between scan calls,
 * and rehashing is advanced by a random number of steps. */
static void scan_while_resizing(htable *ht, item *stable, size_t n_stable, item *transient,
                                size_t n_transient, scan_stats *st) {
    for (size_t i = 0; i < n_stable; i++) stable[i].seen = 0;
    size_t next_in = 0;  /* transients are inserted in order... */
    size_t next_out = 0; /* ...and removed in the same order */
    bool growing = true;
    uint64_t cursor = 0;
    do {
        cursor = htable_scan(ht, cursor, mark_seen, NULL);
        st->calls++;
        if (htable_is_rehashing(ht)) {
            if (ht->exp[1] > ht->exp[0])
                st->grows_seen++;
            else
                st->shrinks_seen++;
        }
        /* Change the table between calls. */
        size_t burst = next_rand() % 200;
        for (size_t b = 0; b < burst; b++) {
            if (growing && next_in < n_transient) {
                insert(ht, &transient[next_in++]);
            } else if (next_out < next_in) {
                growing = false;
                remove_key(ht, transient[next_out++].key);
            } else {
                growing = true; /* wave over: start again */
                next_in = next_out = 0;
                break;
            }
        }
        if (next_in == n_transient) growing = false;
        htable_rehash_steps(ht, (int)(next_rand() % 4));
        if (st->calls % 16 == 0) check_invariants(ht);
    } while (cursor != 0);
    for (size_t i = 0; i < n_stable; i++) {
        if (stable[i].seen == 0) {
            print_error("stable element %llu was never reported\n",
                        (unsigned long long)stable[i].key);
            fail();
        }
    }
    while (next_out < next_in) remove_key(ht, transient[next_out++].key);
}

static void scan_reports_stable_elements_across_grow_and_shrink(void **state) {
    (void)state;
    enum { STABLE = 300, TRANSIENT = 6000 };
    size_t base = mem_used_bytes();
    item *stable = make_items(STABLE, 0);
    item *transient = make_items(TRANSIENT, 1000000);
    scan_stats st = {0, 0, 0};
    for (int round = 0; round < 30; round++) {
        htable ht;
        htable_init(&ht, &item_type);
        for (size_t i = 0; i < STABLE; i++) insert(&ht, &stable[i]);
        /* Start some rounds from a bigger table so shrinking starts early. */
        if (round % 3 == 1) {
            for (size_t i = 0; i < TRANSIENT; i++) insert(&ht, &transient[i]);
            for (size_t i = 0; i < TRANSIENT; i++) remove_key(&ht, transient[i].key);
        }
        scan_while_resizing(&ht, stable, STABLE, transient, TRANSIENT, &st);
        htable_fini(&ht);
    }
    /* The scans really ran across resizes in both directions. */
    assert_true(st.grows_seen > 10);
    assert_true(st.shrinks_seen > 10);
    print_message("scan calls %zu, held growing %zu, shrinking %zu\n", st.calls, st.grows_seen,
                  st.shrinks_seen);
    mem_free(stable);
    mem_free(transient);
    assert_int_equal(mem_used_bytes(), base);
}

static void scan_cursor_survives_a_completed_resize(void **state) {
    (void)state;
    /* Table A: small and stable. Scan halfway, then grow it a lot and
     * finish the rehash before resuming; then the same while shrinking. */
    enum { N = 64, EXTRA = 5000 };
    item *items = make_items(N, 0);
    item *extra = make_items(EXTRA, 100000);
    for (int direction = 0; direction < 2; direction++) {
        htable ht;
        htable_init(&ht, &item_type);
        for (size_t i = 0; i < N; i++) items[i].seen = 0;
        for (size_t i = 0; i < N; i++) insert(&ht, &items[i]);
        if (direction == 1) {
            for (size_t i = 0; i < EXTRA; i++) insert(&ht, &extra[i]);
            drain_rehash(&ht);
        }
        uint64_t cursor = 0;
        for (size_t call = 0; call < 3; call++)
            cursor = htable_scan(&ht, cursor, mark_seen, NULL);
        assert_true(cursor != 0);
        if (direction == 0) {
            for (size_t i = 0; i < EXTRA; i++) insert(&ht, &extra[i]);
        } else {
            for (size_t i = 0; i < EXTRA; i++) remove_key(&ht, extra[i].key);
        }
        drain_rehash(&ht);
        while (cursor != 0) cursor = htable_scan(&ht, cursor, mark_seen, NULL);
        for (size_t i = 0; i < N; i++) assert_true(items[i].seen >= 1);
        htable_fini(&ht);
        for (size_t i = 0; i < EXTRA; i++) extra[i].in = false;
    }
    mem_free(items);
    mem_free(extra);
}

/* ---- foreach and clear ---- */

typedef struct foreach_ctx {
    htable *ht;
    size_t visits;
    size_t stop_after;
    int64_t rehash_idx;
} foreach_ctx;

static bool visit_and_probe(htable_node *n, void *ctx) {
    foreach_ctx *c = ctx;
    ((item *)n)->seen++;
    c->visits++;
    /* A lookup inside the callback must not move buckets under it. */
    assert_ptr_equal(find(c->ht, ((item *)n)->key), (item *)n);
    assert_null(find(c->ht, 424242));
    assert_int_equal(c->ht->rehash_idx, c->rehash_idx);
    return c->visits < c->stop_after;
}

static void foreach_pauses_rehash_and_visits_each_element_once(void **state) {
    (void)state;
    enum { N = 1500 };
    item *items = make_items(N, 0);
    htable ht;
    htable_init(&ht, &item_type);
    build_growing(&ht, items, 1025);
    htable_rehash_steps(&ht, 300);
    ht.pause_rehash--;
    assert_true(htable_is_rehashing(&ht));
    foreach_ctx c = {&ht, 0, SIZE_MAX, ht.rehash_idx};
    assert_true(htable_foreach(&ht, visit_and_probe, &c));
    assert_int_equal(c.visits, 1025);
    for (size_t i = 0; i < 1025; i++) assert_int_equal(items[i].seen, 1);
    assert_int_equal(ht.pause_rehash, 0);
    /* Outside the iteration lookups move buckets again. */
    int64_t before = ht.rehash_idx;
    find(&ht, 1);
    assert_true(ht.rehash_idx != before || !htable_is_rehashing(&ht));
    /* Stopping early. */
    foreach_ctx stop = {&ht, 0, 10, ht.rehash_idx};
    assert_false(htable_foreach(&ht, visit_and_probe, &stop));
    assert_int_equal(stop.visits, 10);
    assert_int_equal(ht.pause_rehash, 0);
    htable_fini(&ht);
    mem_free(items);
}

static void count_freed(htable_node *n, void *ctx) {
    ((item *)n)->in = false;
    (*(size_t *)ctx)++;
}

static void clear_hands_every_element_to_the_callback(void **state) {
    (void)state;
    enum { N = 700 };
    size_t base = mem_used_bytes();
    item *items = make_items(N, 0);
    size_t items_bytes = mem_used_bytes() - base;
    htable ht;
    htable_init(&ht, &item_type);
    build_growing(&ht, items, 513);
    htable_rehash_steps(&ht, 50);
    for (size_t i = 513; i < N; i++) insert(&ht, &items[i]);
    ht.pause_rehash--;
    assert_true(ht.used[0] > 0 && ht.used[1] > 0); /* elements in both arrays */
    assert_true(htable_overhead_bytes(&ht) >= htable_bucket_count(&ht) * sizeof(htable_node *));
    size_t freed = 0;
    htable_clear(&ht, count_freed, &freed);
    assert_int_equal(freed, N);
    for (size_t i = 0; i < N; i++) assert_false(items[i].in);
    assert_int_equal(htable_count(&ht), 0);
    assert_false(htable_is_rehashing(&ht));
    assert_int_equal(htable_overhead_bytes(&ht), 0);
    assert_int_equal(mem_used_bytes() - base, items_bytes);
    /* The table is usable after clearing. */
    insert(&ht, &items[3]);
    assert_ptr_equal(find(&ht, 3), &items[3]);
    htable_fini(&ht);
    mem_free(items);
    assert_int_equal(mem_used_bytes(), base);
}

/* While a snapshot child runs, tables fill up to 5 per bucket before
 * growing and never shrink; afterwards the usual policy comes back. */
static void avoiding_resize_delays_growth_and_stops_shrinking(void **state) {
    (void)state;
    htable ht;
    htable_init(&ht, &item_type);
    enum { N = 4096 };
    static item items[N];
    for (size_t i = 0; i < N; i++) items[i] = (item){.key = i};
    for (size_t i = 0; i < 64; i++) insert(&ht, &items[i]);
    drain_rehash(&ht);
    size_t size = htable_bucket_count(&ht);
    assert_true(5 * size + 1 < N);
    htable_avoid_resize(true);
    for (size_t i = 64; i < 5 * size - 1; i++) insert(&ht, &items[i]);
    assert_false(htable_is_rehashing(&ht));
    assert_int_equal(htable_bucket_count(&ht), size);
    insert(&ht, &items[5 * size - 1]);
    insert(&ht, &items[5 * size]);
    assert_true(htable_is_rehashing(&ht) || htable_bucket_count(&ht) > size);
    drain_rehash(&ht);
    size_t big = htable_bucket_count(&ht);
    for (size_t i = 0; i < 5 * size + 1; i++) assert_non_null(remove_key(&ht, items[i].key));
    assert_int_equal(htable_bucket_count(&ht), big); /* no shrink while avoided */
    htable_avoid_resize(false);
    insert(&ht, &items[0]);
    assert_non_null(remove_key(&ht, items[0].key));
    drain_rehash(&ht);
    assert_true(htable_bucket_count(&ht) < big);
    htable_clear(&ht, NULL, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(avoiding_resize_delays_growth_and_stops_shrinking),
        cmocka_unit_test_setup(empty_table_answers_without_allocating, set_seed),
        cmocka_unit_test_setup(grow_and_shrink_cycles_keep_every_element_findable, set_seed),
        cmocka_unit_test_setup(lookups_succeed_after_every_rehash_step, set_seed),
        cmocka_unit_test_setup(inserts_during_rehash_go_to_the_new_array, set_seed),
        cmocka_unit_test_setup(find_link_and_replace_keep_the_chain, set_seed),
        cmocka_unit_test_setup(remove_node_goes_by_identity, set_seed),
        cmocka_unit_test_setup(random_and_sample_on_tiny_tables, set_seed),
        cmocka_unit_test_setup(random_reaches_both_arrays_while_rehashing, set_seed),
        cmocka_unit_test_setup(sample_on_a_sparse_table_returns_members, set_seed),
        cmocka_unit_test_setup(full_scan_of_a_stable_table_reports_each_element_once, set_seed),
        cmocka_unit_test_setup(full_scan_mid_rehash_reports_each_element_once, set_seed),
        cmocka_unit_test_setup(scan_reports_stable_elements_across_grow_and_shrink, set_seed),
        cmocka_unit_test_setup(scan_cursor_survives_a_completed_resize, set_seed),
        cmocka_unit_test_setup(foreach_pauses_rehash_and_visits_each_element_once, set_seed),
        cmocka_unit_test_setup(clear_hands_every_element_to_the_callback, set_seed),
    };
    return cmocka_run_group_tests_name("htable", tests, NULL, NULL);
}
