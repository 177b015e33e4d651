/* evict: maxmemory enforcement by sampled eviction.
 *
 * Exact LRU would need a list ordered by access, two pointers per key; we
 * keep a 24-bit clock per key instead and approximate. Every round samples
 * `samples` keys from each database, scores them (idle time, inverse LFU
 * count, or nearness of expiry) and merges them into a 16-entry pool kept
 * across rounds, so good candidates found earlier are not forgotten. The pool
 * stores key copies, not entry pointers: entries may have moved or been
 * deleted since they were sampled, so a candidate is looked up again before
 * it is evicted. */
#include "data/evict.h"

#include <string.h>

#include "base/clock.h"
#include "base/hash.h"
#include "base/mem.h"

#define POOL_SIZE 16
#define POOL_KEY_INLINE 255

typedef struct pool_entry {
    uint64_t score; /* higher = better candidate */
    int dbid;
    size_t klen;
    char *key; /* points at inline or a heap copy */
    char inline_key[POOL_KEY_INLINE];
} pool_entry;

struct evict_pool {
    int count;
    pool_entry entries[POOL_SIZE]; /* ascending score */
};

evict_pool *evict_pool_new(void) {
    return mem_calloc(1, sizeof(evict_pool));
}

static void entry_clear(pool_entry *e) {
    if (e->key && e->key != e->inline_key) mem_free(e->key);
    e->key = NULL;
    e->klen = 0;
}

void evict_pool_free(evict_pool *pool) {
    if (pool == NULL) return;
    for (int i = 0; i < pool->count; i++) entry_clear(&pool->entries[i]);
    mem_free(pool);
}

int evict_over_limit(const evict_params *p, size_t *over_bytes) {
    if (p->maxmemory == 0) return 0;
    size_t used = mem_used_bytes();
    used = used > p->not_counted ? used - p->not_counted : 0;
    if (used <= p->maxmemory) return 0;
    if (over_bytes) *over_bytes = used - p->maxmemory;
    return 1;
}

static bool policy_volatile(enum evict_policy p) {
    return p == EVICT_VOLATILE_LRU || p == EVICT_VOLATILE_LFU || p == EVICT_VOLATILE_RANDOM ||
           p == EVICT_VOLATILE_TTL;
}

static uint64_t score_of(keyspace *ks, enum evict_policy policy, const kv *e) {
    switch (policy) {
    case EVICT_ALLKEYS_LRU:
    case EVICT_VOLATILE_LRU: return (uint64_t)keyspace_idle_ms(ks, e);
    case EVICT_ALLKEYS_LFU:
    case EVICT_VOLATILE_LFU: return 255 - keyspace_lfu_count(ks, e);
    case EVICT_VOLATILE_TTL: return UINT64_MAX - (uint64_t)kv_expire(e);
    default: return 0;
    }
}

static bool pool_has(const evict_pool *pool, int dbid, const char *key, size_t klen) {
    for (int i = 0; i < pool->count; i++) {
        const pool_entry *e = &pool->entries[i];
        if (e->dbid == dbid && e->klen == klen && memcmp(e->key, key, klen) == 0) return true;
    }
    return false;
}

static void pool_insert(evict_pool *pool, int dbid, const kv *e, uint64_t score) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    if (pool_has(pool, dbid, key, klen)) return;
    int pos = 0;
    while (pos < pool->count && pool->entries[pos].score < score) pos++;
    if (pool->count == POOL_SIZE) {
        if (pos == 0) return; /* worse than everything we hold */
        /* Drop the worst (index 0) to make room. */
        entry_clear(&pool->entries[0]);
        memmove(&pool->entries[0], &pool->entries[1], sizeof(pool_entry) * (size_t)(pos - 1));
        pos--;
    } else {
        memmove(&pool->entries[pos + 1], &pool->entries[pos],
                sizeof(pool_entry) * (size_t)(pool->count - pos));
        pool->count++;
    }
    pool_entry *slot = &pool->entries[pos];
    slot->score = score;
    slot->dbid = dbid;
    slot->klen = klen;
    slot->key = klen <= POOL_KEY_INLINE ? slot->inline_key : mem_alloc(klen);
    memcpy(slot->key, key, klen);
    /* Entries were moved by memmove: fix inline pointers. */
    for (int i = 0; i < pool->count; i++) {
        pool_entry *p = &pool->entries[i];
        if (p->klen <= POOL_KEY_INLINE && p->key != NULL) p->key = p->inline_key;
    }
}

static void pool_fill(keyspace *ks, evict_pool *pool, const evict_params *p) {
    bool vol = policy_volatile(p->policy);
    kv *sample[64];
    int want = p->samples > 0 && p->samples <= 64 ? p->samples : 5;
    for (int i = 0; i < keyspace_db_count(ks); i++) {
        db *d = keyspace_db(ks, i);
        if ((vol ? db_volatile_count(d) : db_size(d)) == 0) continue;
        size_t n = db_sample(d, vol, sample, (size_t)want);
        for (size_t j = 0; j < n; j++) pool_insert(pool, i, sample[j], score_of(ks, p->policy, sample[j]));
    }
}

/* Picks and deletes one key; false when nothing could be evicted. */
static bool evict_one(keyspace *ks, evict_pool *pool, const evict_params *p) {
    if (p->policy == EVICT_ALLKEYS_RANDOM || p->policy == EVICT_VOLATILE_RANDOM) {
        bool vol = p->policy == EVICT_VOLATILE_RANDOM;
        int n = keyspace_db_count(ks);
        int start = (int)random_below((uint64_t)n);
        for (int i = 0; i < n; i++) {
            db *d = keyspace_db(ks, (start + i) % n);
            kv *e = NULL;
            if (vol) {
                /* db_sample probes a bounded run of buckets from a random
                 * start, so a sparse expiry index (down to 1/8 full before
                 * it shrinks) can come back empty although it holds keys;
                 * giving up then would report a failure with volatile keys
                 * left. Each call starts afresh, so retry a few times. */
                size_t got = 0;
                for (int tries = 0; got == 0 && tries < 64 && db_volatile_count(d) > 0; tries++)
                    got = db_sample(d, true, &e, 1);
                if (got == 0) continue;
            } else {
                if (db_size(d) == 0 || (e = db_random_key(d)) == NULL) continue;
            }
            size_t klen;
            const char *key = kv_key(e, &klen);
            if (p->on_evict) p->on_evict(p->ctx, db_id(d), key, klen);
            db_delete(d, key, klen);
            return true;
        }
        return false;
    }
    for (int attempts = 0; attempts < 16; attempts++) {
        pool_fill(ks, pool, p);
        while (pool->count > 0) {
            pool_entry *best = &pool->entries[pool->count - 1];
            db *d = keyspace_db(ks, best->dbid);
            kv *e = db_find(d, best->key, best->klen);
            bool ok = e != NULL && (!policy_volatile(p->policy) || kv_has_expire(e));
            if (ok) {
                if (p->on_evict) p->on_evict(p->ctx, best->dbid, best->key, best->klen);
                db_delete(d, best->key, best->klen);
            }
            entry_clear(best);
            pool->count--;
            if (ok) return true;
        }
        if (keyspace_total_keys(ks) == 0) break;
    }
    return false;
}

enum evict_result evict_run(keyspace *ks, evict_pool *pool, const evict_params *p,
                            int64_t budget_us, size_t *evicted) {
    size_t n = 0;
    if (evicted) *evicted = 0;
    if (!evict_over_limit(p, NULL)) return EVICT_OK;
    if (p->policy == EVICT_NOEVICTION) return EVICT_FAIL;
    int64_t start = clock_mono_us();
    while (evict_over_limit(p, NULL)) {
        if (!evict_one(ks, pool, p)) {
            if (evicted) *evicted = n;
            return EVICT_FAIL;
        }
        n++;
        keyspace_stats_of(ks)->evicted_keys++;
        if ((n & 15) == 0 && clock_mono_us() - start > budget_us) {
            if (evicted) *evicted = n;
            return EVICT_RUNNING;
        }
    }
    if (evicted) *evicted = n;
    return EVICT_OK;
}
