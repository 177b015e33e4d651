/* Unit tests for the WATCH registry (data/watch.c) and for the keyspace
 * signals that feed it.
 *
 * The first group drives watch tables directly with a fake probe (a small
 * map of key -> state per "database"), covering the rules that decide
 * whether a watcher becomes dirty: single-key changes, keys that were
 * already expired when watched, flushes and swaps, and the expiry check
 * EXEC makes. A randomised test compares the registry with a naive model.
 *
 * The second group uses a real keyspace and the string/key command
 * handlers, to check that every kind of change reaches the watchers
 * (including values edited in place) and that reads and no-op writes do
 * not. Every test checks that memory returns to its baseline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/hash.h"
#include "base/mem.h"
#include "data/keyspace.h"
#include "data/watch.h"
#include "support/cmd_harness.h"

#define T0 1700000000000LL

/* ---- a fake database for the probe ---- */

#define FAKE_KEYS 16

typedef struct fake_db {
    char names[FAKE_KEYS][16];
    watch_key_state states[FAKE_KEYS];
    int n;
} fake_db;

static watch_key_state fake_probe(void *ctx, const char *key, size_t len) {
    fake_db *d = ctx;
    for (int i = 0; i < d->n; i++)
        if (strlen(d->names[i]) == len && memcmp(d->names[i], key, len) == 0) return d->states[i];
    return WATCH_KEY_ABSENT;
}

static void fake_set(fake_db *d, const char *key, watch_key_state st) {
    for (int i = 0; i < d->n; i++) {
        if (strcmp(d->names[i], key) == 0) {
            d->states[i] = st;
            return;
        }
    }
    assert_true(d->n < FAKE_KEYS);
    snprintf(d->names[d->n], sizeof(d->names[0]), "%s", key);
    d->states[d->n++] = st;
}

typedef struct fixture {
    size_t baseline;
    fake_db db[2];
    watch_table t[2];
    watcher w[4];
} fixture;

static int setup(void **state) {
    static const uint8_t seed[16] = "watch-tests-seed";
    hash_set_seed(seed);
    fixture *f = mem_calloc(1, sizeof(*f));
    f->baseline = mem_used_bytes();
    for (int i = 0; i < 2; i++) watch_table_init(&f->t[i], fake_probe, &f->db[i]);
    for (int i = 0; i < 4; i++) watcher_init(&f->w[i]);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    for (int i = 0; i < 4; i++) watcher_clear(&f->w[i]);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(watch_table_count(&f->t[i]), 0);
        watch_table_fini(&f->t[i]);
    }
    size_t now = mem_used_bytes();
    size_t baseline = f->baseline;
    mem_free(f);
    assert_int_equal(now, baseline);
    return 0;
}

static void add(watch_table *t, watcher *w, const char *key, bool expired) {
    watch_table_add(t, w, key, strlen(key), expired);
}

static void touch(watch_table *t, const char *key, bool present) {
    watch_table_touch(t, key, strlen(key), present);
}

static void a_change_marks_watchers_dirty_and_drops_their_watches(void **state) {
    fixture *f = *state;
    add(&f->t[0], &f->w[0], "a", false);
    add(&f->t[0], &f->w[0], "b", false);
    add(&f->t[1], &f->w[0], "a", false); /* same name, other database */
    add(&f->t[0], &f->w[1], "a", false);
    add(&f->t[0], &f->w[2], "c", false);
    assert_int_equal(watch_table_count(&f->t[0]), 3);
    assert_int_equal(f->w[0].count, 3);
    assert_true(watch_table_empty(&f->t[0]) == false);

    touch(&f->t[0], "zzz", true); /* nobody watches it */
    touch(&f->t[1], "b", true);   /* "b" is watched in the other table only */
    assert_false(f->w[0].dirty);

    touch(&f->t[0], "a", true);
    assert_true(f->w[0].dirty);
    assert_true(f->w[1].dirty);
    assert_false(f->w[2].dirty);
    /* Dirty watchers hold nothing any more, in either table. */
    assert_int_equal(f->w[0].count, 0);
    assert_int_equal(f->w[1].count, 0);
    assert_int_equal(watch_table_count(&f->t[0]), 1); /* only "c" */
    assert_true(watch_table_empty(&f->t[1]));

    touch(&f->t[0], "c", false); /* a deletion counts too */
    assert_true(f->w[2].dirty);
    assert_true(watch_table_empty(&f->t[0]));
}

static void watching_a_key_twice_keeps_one_watch(void **state) {
    fixture *f = *state;
    add(&f->t[0], &f->w[0], "k", false);
    add(&f->t[0], &f->w[0], "k", true);
    add(&f->t[0], &f->w[1], "k", false);
    assert_int_equal(f->w[0].count, 1);
    assert_int_equal(watch_table_count(&f->t[0]), 1);
    assert_int_equal(watcher_memory(&f->w[0]), watcher_memory(&f->w[1]));
    watcher_clear(&f->w[0]);
    assert_int_equal(watch_table_count(&f->t[0]), 1); /* w1 still watches it */
    watcher_clear(&f->w[1]);
    assert_true(watch_table_empty(&f->t[0]));
    assert_int_equal(watcher_memory(&f->w[1]), 0);
}

static void removing_a_key_that_was_already_expired_is_no_change(void **state) {
    fixture *f = *state;
    add(&f->t[0], &f->w[0], "k", true);  /* stored but expired when watched */
    add(&f->t[0], &f->w[1], "k", false); /* watched while live */
    touch(&f->t[0], "k", false);         /* removed by expiry */
    assert_false(f->w[0].dirty);
    assert_true(f->w[1].dirty);
    assert_int_equal(f->w[0].count, 1);
    /* From now on it is an absent key like any other: creating it is a
     * change. */
    touch(&f->t[0], "k", true);
    assert_true(f->w[0].dirty);
    assert_int_equal(f->w[0].count, 0);
}

static void overwriting_a_key_that_was_already_expired_is_a_change(void **state) {
    fixture *f = *state;
    add(&f->t[0], &f->w[0], "k", true);
    add(&f->t[0], &f->w[1], "k", true);
    touch(&f->t[0], "k", true);
    assert_true(f->w[0].dirty);
    assert_true(f->w[1].dirty);
}

static void flushing_dirties_watchers_of_existing_keys_only(void **state) {
    fixture *f = *state;
    fake_set(&f->db[0], "live", WATCH_KEY_LIVE);
    fake_set(&f->db[0], "old", WATCH_KEY_EXPIRED);
    add(&f->t[0], &f->w[0], "live", false);
    add(&f->t[0], &f->w[1], "missing", false);
    add(&f->t[0], &f->w[2], "old", true); /* expired when watched */
    add(&f->t[0], &f->w[3], "old", false);
    watch_table_touch_all(&f->t[0], NULL);
    assert_true(f->w[0].dirty);
    assert_false(f->w[1].dirty);
    assert_false(f->w[2].dirty);
    assert_true(f->w[3].dirty);
    /* A flush flags but keeps the entries. */
    assert_int_equal(f->w[0].count, 1);
    /* The expired key is gone now: recreating it is a change for w2. */
    fake_set(&f->db[0], "old", WATCH_KEY_ABSENT);
    touch(&f->t[0], "old", true);
    assert_true(f->w[2].dirty);
}

static void swapping_follows_what_each_side_holds(void **state) {
    fixture *f = *state;
    /* db0 is emptied by the swap and receives db1's contents. */
    fake_set(&f->db[1], "incoming", WATCH_KEY_LIVE);
    fake_set(&f->db[1], "stale", WATCH_KEY_EXPIRED);
    fake_set(&f->db[0], "both", WATCH_KEY_EXPIRED);
    fake_set(&f->db[1], "both", WATCH_KEY_EXPIRED);
    add(&f->t[0], &f->w[0], "incoming", false);
    add(&f->t[0], &f->w[1], "stale", false);
    add(&f->t[0], &f->w[2], "both", true);
    add(&f->t[0], &f->w[3], "nowhere", false);
    watch_table_touch_all(&f->t[0], &f->t[1]);
    assert_true(f->w[0].dirty);  /* a live key arrives */
    assert_false(f->w[1].dirty); /* only an expired one arrives */
    assert_false(f->w[2].dirty); /* expired before, expired after */
    assert_false(f->w[3].dirty);
    /* w1 now watches an expired key: its removal is no change... */
    fake_set(&f->db[0], "stale", WATCH_KEY_EXPIRED);
    touch(&f->t[0], "stale", false);
    assert_false(f->w[1].dirty);
    /* ...and an expired key swapped for a live one is. */
    fake_set(&f->db[1], "both", WATCH_KEY_LIVE);
    watch_table_touch_all(&f->t[0], &f->t[1]);
    assert_true(f->w[2].dirty);
}

static void exec_sees_keys_that_expired_since_they_were_watched(void **state) {
    fixture *f = *state;
    fake_set(&f->db[0], "k", WATCH_KEY_LIVE);
    fake_set(&f->db[1], "old", WATCH_KEY_EXPIRED);
    add(&f->t[0], &f->w[0], "k", false);
    add(&f->t[1], &f->w[0], "old", true);
    add(&f->t[1], &f->w[1], "old", true);
    assert_false(watcher_expired_since(&f->w[0]));
    assert_false(watcher_expired_since(&f->w[1]));
    fake_set(&f->db[0], "k", WATCH_KEY_EXPIRED);
    assert_true(watcher_expired_since(&f->w[0]));
    assert_false(watcher_expired_since(&f->w[1]));
    assert_false(watcher_expired_since(&f->w[2])); /* watches nothing */
}

static void fini_detaches_watchers_still_watching(void **state) {
    fixture *f = *state;
    watch_table extra;
    fake_db d = {0};
    watch_table_init(&extra, fake_probe, &d);
    add(&extra, &f->w[0], "a", false);
    add(&extra, &f->w[0], "b", false);
    add(&f->t[0], &f->w[0], "c", false);
    watch_table_fini(&extra);
    assert_int_equal(f->w[0].count, 1); /* only its watch in t[0] is left */
    watcher_clear(&f->w[0]);
    assert_true(watch_table_empty(&f->t[0]));
}

/* Random operations on both the registry and a model that records, per
 * watcher, the set of (table, key) it watches and whether it is dirty. */
#define RK 6
static void randomised_against_a_model(void **state) {
    fixture *f = *state;
    bool model_watch[4][2][RK];
    bool model_dirty[4];
    memset(model_watch, 0, sizeof(model_watch));
    memset(model_dirty, 0, sizeof(model_dirty));
    srand(12345);
    char key[8];
    for (int step = 0; step < 20000; step++) {
        int op = rand() % 10, w = rand() % 4, t = rand() % 2, k = rand() % RK;
        snprintf(key, sizeof(key), "k%d", k);
        if (op < 5) {
            add(&f->t[t], &f->w[w], key, false);
            model_watch[w][t][k] = true;
        } else if (op < 8) {
            touch(&f->t[t], key, rand() % 2);
            for (int i = 0; i < 4; i++) {
                if (!model_watch[i][t][k]) continue;
                model_dirty[i] = true;
                memset(model_watch[i], 0, sizeof(model_watch[i]));
            }
        } else if (op < 9) {
            watcher_clear(&f->w[w]);
            memset(model_watch[w], 0, sizeof(model_watch[w]));
        } else {
            f->w[w].dirty = false;
            model_dirty[w] = false;
        }
        for (int i = 0; i < 4; i++) {
            size_t n = 0;
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < RK; b++) n += model_watch[i][a][b];
            assert_int_equal(f->w[i].count, n);
            assert_int_equal(f->w[i].dirty, model_dirty[i]);
        }
        for (int a = 0; a < 2; a++) {
            size_t keys = 0;
            for (int b = 0; b < RK; b++) {
                bool any = false;
                for (int i = 0; i < 4; i++) any = any || model_watch[i][a][b];
                keys += any;
            }
            assert_int_equal(watch_table_count(&f->t[a]), keys);
        }
    }
}

/* ---- the keyspace and the commands feed the watchers ---- */

typedef struct ks_fixture {
    size_t baseline;
    harness *h;
    watcher w;
} ks_fixture;

static int ks_setup(void **state) {
    static const uint8_t seed[16] = "watch-tests-seed";
    hash_set_seed(seed);
    ks_fixture *f = mem_calloc(1, sizeof(*f));
    f->baseline = mem_used_bytes();
    f->h = harness_new();
    harness_set_time(f->h, T0);
    watcher_init(&f->w);
    *state = f;
    return 0;
}

static int ks_teardown(void **state) {
    ks_fixture *f = *state;
    watcher_clear(&f->w);
    harness_free(f->h);
    size_t now = mem_used_bytes();
    size_t baseline = f->baseline;
    mem_free(f);
    assert_int_equal(now, baseline);
    return 0;
}

static db *db_n(ks_fixture *f, int n) {
    return keyspace_db(f->h->ks, n);
}

/* Watches key in db 0 (afresh), runs the command, and tells whether the
 * watcher became dirty. */
static bool dirties(ks_fixture *f, const char *key, const char *arg0, ...) {
    watcher_clear(&f->w);
    f->w.dirty = false;
    db_watch(db_n(f, 0), &f->w, key, strlen(key));
    const char *argv[16];
    size_t lens[16];
    int argc = 0;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a; a = va_arg(ap, const char *)) {
        argv[argc] = a;
        lens[argc] = strlen(a);
        argc++;
    }
    va_end(ap);
    harness_runv(f->h, argc, argv, lens);
    return f->w.dirty;
}

static void writes_dirty_watchers_and_reads_do_not(void **state) {
    ks_fixture *f = *state;
    harness *h = f->h;
    harness_run(h, "SET", "k", "1", NULL);
    assert_false(dirties(f, "k", "GET", "k", NULL));
    assert_false(dirties(f, "k", "EXISTS", "k", NULL));
    assert_false(dirties(f, "k", "SET", "other", "1", NULL));
    assert_true(dirties(f, "k", "SET", "k", "2", NULL));
    assert_false(dirties(f, "k", "SET", "k", "3", "NX", NULL)); /* refused: no change */
    /* Values edited in place. */
    assert_true(dirties(f, "k", "INCR", "k", NULL));
    assert_true(dirties(f, "k", "INCRBY", "k", "5", NULL));
    assert_true(dirties(f, "k", "APPEND", "k", "x", NULL));
    assert_true(dirties(f, "k", "APPEND", "k", "y", NULL)); /* already raw */
    assert_true(dirties(f, "k", "SETRANGE", "k", "0", "z", NULL));
    assert_false(dirties(f, "k", "SETRANGE", "k", "0", "", NULL)); /* writes nothing */
    assert_false(dirties(f, "k", "INCR", "k", NULL));               /* not an integer */
    /* Expiry changes. */
    assert_true(dirties(f, "k", "EXPIRE", "k", "100", NULL));
    assert_true(dirties(f, "k", "EXPIRE", "k", "200", NULL)); /* updated in place */
    assert_false(dirties(f, "k", "EXPIRE", "k", "300", "NX", NULL));
    assert_true(dirties(f, "k", "PERSIST", "k", NULL));
    assert_false(dirties(f, "k", "PERSIST", "k", NULL)); /* nothing to remove */
    /* Deletions: only of the key itself, only if it exists. */
    assert_false(dirties(f, "k", "DEL", "nokey", NULL));
    assert_true(dirties(f, "k", "DEL", "nokey", "k", NULL));
    assert_false(dirties(f, "k", "DEL", "k", NULL));
    assert_true(dirties(f, "k", "MSET", "a", "1", "k", "2", NULL));
    assert_true(dirties(f, "k", "GETDEL", "k", NULL));
}

static void renames_moves_and_copies_dirty_what_they_change(void **state) {
    ks_fixture *f = *state;
    harness *h = f->h;
    harness_run(h, "SET", "src", "1", NULL);
    assert_true(dirties(f, "dst", "RENAME", "src", "dst", NULL));
    assert_true(dirties(f, "dst", "RENAME", "dst", "src", NULL)); /* the source goes */
    assert_false(dirties(f, "src", "COPY", "src", "dst", NULL));  /* only the target changes */
    assert_true(dirties(f, "dst", "COPY", "src", "dst", "REPLACE", NULL));
    assert_true(dirties(f, "src", "MOVE", "src", "1", NULL));
    /* A watch in database 1 sees the key arrive there. */
    watcher_clear(&f->w);
    f->w.dirty = false;
    db_watch(db_n(f, 1), &f->w, "dst", 3);
    harness_run(h, "MOVE", "dst", "1", NULL);
    assert_true(f->w.dirty);
}

static void expiry_follows_the_redis_7_0_rules(void **state) {
    ks_fixture *f = *state;
    harness *h = f->h;
    /* Live when watched, expired by EXEC time: EXEC fails, removed or not. */
    harness_run(h, "SET", "k", "v", "PX", "100", NULL);
    watcher_clear(&f->w);
    f->w.dirty = false;
    db_watch(db_n(f, 0), &f->w, "k", 1);
    assert_false(watcher_expired_since(&f->w));
    harness_set_time(h, T0 + 200);
    assert_true(watcher_expired_since(&f->w));
    harness_run(h, "GET", "k", NULL); /* the lookup removes it */
    assert_true(f->w.dirty);

    /* Already expired when watched: its removal changes nothing. */
    harness_run(h, "SET", "k", "v", "PX", "100", NULL);
    harness_set_time(h, T0 + 400);
    assert_false(dirties(f, "k", "GET", "k", NULL));
    assert_false(watcher_expired_since(&f->w));
    /* Creating it afterwards does. */
    harness_run(h, "SET", "k", "new", NULL);
    assert_true(f->w.dirty);
}

static void flush_and_swap_dirty_watchers_of_existing_keys(void **state) {
    ks_fixture *f = *state;
    harness *h = f->h;
    assert_false(dirties(f, "k", "FLUSHALL", NULL)); /* nothing existed */
    harness_run(h, "SET", "k", "1", NULL);
    assert_true(dirties(f, "k", "FLUSHDB", NULL));
    harness_run(h, "SET", "k", "1", NULL);
    assert_true(dirties(f, "k", "FLUSHALL", "ASYNC", NULL));

    /* SWAPDB: the watch stays with database 0. */
    assert_false(dirties(f, "k", "SWAPDB", "0", "1", NULL)); /* absent on both sides */
    db_set_string(db_n(f, 1), "k", 1, "1", 1, -1, false, KV_STR_AUTO);
    assert_true(dirties(f, "k", "SWAPDB", "0", "1", NULL)); /* arrives in db 0 */
    assert_int_equal(db_watched_keys(db_n(f, 0)), 1);
    assert_int_equal(db_watched_keys(db_n(f, 1)), 0);
    assert_true(dirties(f, "k", "SWAPDB", "1", "0", NULL)); /* leaves db 0 */
    assert_int_equal(db_watched_keys(db_n(f, 0)), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_change_marks_watchers_dirty_and_drops_their_watches,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(watching_a_key_twice_keeps_one_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(removing_a_key_that_was_already_expired_is_no_change,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(overwriting_a_key_that_was_already_expired_is_a_change,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(flushing_dirties_watchers_of_existing_keys_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(swapping_follows_what_each_side_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(exec_sees_keys_that_expired_since_they_were_watched,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(fini_detaches_watchers_still_watching, setup, teardown),
        cmocka_unit_test_setup_teardown(randomised_against_a_model, setup, teardown),
        cmocka_unit_test_setup_teardown(writes_dirty_watchers_and_reads_do_not, ks_setup,
                                        ks_teardown),
        cmocka_unit_test_setup_teardown(renames_moves_and_copies_dirty_what_they_change,
                                        ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(expiry_follows_the_redis_7_0_rules, ks_setup,
                                        ks_teardown),
        cmocka_unit_test_setup_teardown(flush_and_swap_dirty_watchers_of_existing_keys, ks_setup,
                                        ks_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
