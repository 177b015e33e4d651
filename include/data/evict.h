#ifndef DATA_EVICT_H
#define DATA_EVICT_H

#include <stddef.h>
#include <stdint.h>

#include "data/keyspace.h"

/* Key eviction under maxmemory. Approximated LRU/LFU/TTL by sampling, as
 * Redis does: each round samples a few keys per database into a small pool
 * of the best candidates seen so far and evicts the best one. */

enum evict_policy {
    EVICT_NOEVICTION,
    EVICT_ALLKEYS_LRU,
    EVICT_ALLKEYS_LFU,
    EVICT_ALLKEYS_RANDOM,
    EVICT_VOLATILE_LRU,
    EVICT_VOLATILE_LFU,
    EVICT_VOLATILE_RANDOM,
    EVICT_VOLATILE_TTL,
};

typedef struct evict_params {
    enum evict_policy policy;
    size_t maxmemory;     /* 0: no limit */
    int samples;          /* maxmemory-samples */
    size_t not_counted;   /* bytes of used memory not to count (replication buffers) */
    /* Called for every evicted key before it is deleted (may be NULL). */
    void (*on_evict)(void *ctx, int dbid, const char *key, size_t len);
    void *ctx;
} evict_params;

enum evict_result {
    EVICT_OK,      /* under the limit (or no limit) */
    EVICT_RUNNING, /* freed memory but ran out of time while still over */
    EVICT_FAIL,    /* over the limit and nothing can be evicted */
};

typedef struct evict_pool evict_pool;

evict_pool *evict_pool_new(void);
void evict_pool_free(evict_pool *pool);

/* Evicts keys until used memory is under the limit or budget_us elapses.
 * *evicted (if not NULL) gets the number of keys evicted. */
enum evict_result evict_run(keyspace *ks, evict_pool *pool, const evict_params *p,
                            int64_t budget_us, size_t *evicted);
/* Whether memory is over the limit right now (after not_counted). */
int evict_over_limit(const evict_params *p, size_t *over_bytes);

#endif
