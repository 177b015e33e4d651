#ifndef DATA_KEYSPACE_H
#define DATA_KEYSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/htable.h"
#include "base/keyslot.h"
#include "data/kv.h"

/* The keyspace: numbered databases, each split into 16384 hash tables, one
 * per cluster slot, plus an index of the keys that carry an expiry.
 *
 * Splitting by slot even in standalone mode makes "how many keys in slot s",
 * "list the keys of slot s" and "drop slot s" cost what the slot holds, not
 * what the node holds, which is what resharding needs. A Fenwick tree over
 * the per-slot counts picks a slot with probability proportional to its size
 * for RANDOMKEY and eviction sampling.
 *
 * Time is the keyspace's `now_ms`, set by the caller before each command, so
 * a command sees one consistent instant (as Redis's cached mstime does). */

typedef struct keyspace keyspace;
typedef struct db db;
struct watcher;

enum ks_lookup_flags {
    KS_LOOKUP_NOTOUCH = 1 << 0, /* leave LRU/LFU data alone */
    KS_LOOKUP_WRITE = 1 << 1,   /* a write path: no hit/miss statistics */
    KS_LOOKUP_NOSTATS = 1 << 2,
    KS_LOOKUP_NOEXPIRE = 1 << 3, /* do not delete an expired key (still hidden) */
};

/* Where a key is, or would go, in its slot table. Valid until the next
 * change to that database. */
typedef struct kv_ref {
    htable *table;
    htable_node **link; /* NULL when the key is absent */
    htable_node *next;  /* the found entry's chain successor */
    struct vnode *vol;  /* its node in the expiry index, if any */
    uint64_t hash;
    unsigned slot;
} kv_ref;

typedef struct keyspace_stats {
    uint64_t expired_keys;
    uint64_t evicted_keys;
    uint64_t hits;
    uint64_t misses;
    uint64_t expire_cycle_time_cap_reached;
    uint64_t expire_cycle_cpu_us;
    double expired_stale_perc;
} keyspace_stats;

/* Called for every key removed because it expired (replication and AOF
 * will propagate a DEL from here). */
typedef void (*keyspace_expired_fn)(void *ctx, int dbid, const char *key, size_t len);

/* What an expiry time in the past means. A primary deletes the key on
 * access or in the active cycle (and propagates the DEL). A replica hides
 * it from its clients but keeps it until the primary's DEL arrives, and
 * while applying the primary's stream (or replaying a file) the key is as
 * alive as the stream says. */
enum ks_expire_mode {
    KS_EXPIRE_DELETE = 0,
    KS_EXPIRE_HIDE,
    KS_EXPIRE_IGNORE,
};
void keyspace_set_expire_mode(keyspace *ks, enum ks_expire_mode mode);
enum ks_expire_mode keyspace_expire_mode(const keyspace *ks);

keyspace *keyspace_new(int db_count);
void keyspace_free(keyspace *ks);

int keyspace_db_count(const keyspace *ks);
db *keyspace_db(keyspace *ks, int id);
int db_id(const db *d);
keyspace *db_keyspace(db *d);

void keyspace_set_now(keyspace *ks, int64_t now_ms);
int64_t keyspace_now(const keyspace *ks);
void keyspace_set_expired_hook(keyspace *ks, keyspace_expired_fn fn, void *ctx);
/* LFU mode (maxmemory-policy *-lfu) changes what an access records. */
void keyspace_set_lfu(keyspace *ks, bool lfu, int log_factor, int decay_minutes);
bool keyspace_is_lfu(const keyspace *ks);
keyspace_stats *keyspace_stats_of(keyspace *ks);

/* Totals over all databases. */
size_t keyspace_total_keys(const keyspace *ks);

/* ---- lookups ---- */

/* Finds a live key. Expired keys are deleted (and reported) and NULL is
 * returned. Updates access data and statistics as flags allow. */
kv *db_lookup(db *d, const char *key, size_t len, int flags);
/* Same, and fills ref so the caller can replace, remove or insert at that
 * key without a second search. */
kv *db_lookup_ref(db *d, const char *key, size_t len, int flags, kv_ref *ref);
/* Raw find: no expiry check, no side effects. */
kv *db_find(db *d, const char *key, size_t len);
bool db_is_expired(const db *d, const kv *e);

/* ---- changes ---- */

/* Inserts e (takes ownership) at ref, which must describe an absent key
 * (from db_lookup_ref) or be NULL to compute it. */
void db_insert(db *d, kv_ref *ref, kv *e);
/* Puts new_entry where ref's entry was (takes ownership of new_entry; the
 * old entry is the caller's to free, or already gone). Keeps the expiry
 * index in step with new_entry's expiry. */
void db_replace(db *d, kv_ref *ref, kv *new_entry);
/* Sets a string key (insert or overwrite). keep_ttl keeps an existing
 * expiry; otherwise expire_ms applies (-1: none). Returns the new entry. */
kv *db_set_string(db *d, const char *key, size_t klen, const char *val, size_t vlen,
                  int64_t expire_ms, bool keep_ttl, enum kv_str_mode mode);
/* Deletes a key; returns true if it existed. */
bool db_delete(db *d, const char *key, size_t len);
/* Unlinks the entry at ref and returns it (caller frees or reinserts). */
kv *db_unlink(db *d, kv_ref *ref);
/* Changes a key's expiry (when_ms < 0 removes it); returns the entry's new
 * address. */
kv *db_set_expire(db *d, kv_ref *ref, kv *e, int64_t when_ms);

/* A value was edited in place (without db_replace): tells the watchers of
 * the key. Every other change above signals by itself. */
void db_signal_modified(db *d, const char *key, size_t len);

/* ---- WATCH (data/watch.h) ---- */

/* w watches key in d from now on. */
void db_watch(db *d, struct watcher *w, const char *key, size_t len);
/* Distinct keys watched in d. */
size_t db_watched_keys(const db *d);

/* ---- whole-database operations ---- */

size_t db_size(const db *d);
size_t db_volatile_count(const db *d);
/* Empties the database. Async flushing hands the tables to the background
 * reclaimer (keyspace_reclaim_step) so the call returns at once. Watchers
 * of keys that existed become dirty. */
void db_flush(db *d, bool async);
/* Exchanges the contents of two databases (SWAPDB). Watched keys stay with
 * the database number; their watchers become dirty when the key exists on
 * either side. */
void keyspace_swap(keyspace *ks, int a, int b);
/* Whether a background flush is still releasing memory. */
bool keyspace_reclaim_pending(const keyspace *ks);
/* Frees queued flushed entries for about budget_us; true if work remains. */
bool keyspace_reclaim_step(keyspace *ks, int64_t budget_us);
size_t keyspace_reclaim_remaining(const keyspace *ks);

/* A random live key of the database, chosen in proportion to slot sizes. */
kv *db_random_key(db *d);
/* Up to count entries sampled from the whole database (any slot) or only
 * from keys with an expiry. */
size_t db_sample(db *d, bool only_volatile, kv **out, size_t count);

/* Cursor-based iteration (SCAN): every key present for the whole iteration
 * is returned at least once. The cursor is opaque; 0 starts and ends. */
uint64_t db_scan(db *d, uint64_t cursor, void (*fn)(kv *e, void *ctx), void *ctx);
/* Visits every entry (fn must not change the database). */
void db_foreach(db *d, bool (*fn)(kv *e, void *ctx), void *ctx);

/* ---- slots ---- */

size_t db_slot_count(const db *d, unsigned slot);
/* Copies up to max entries of the slot into out; returns how many. */
size_t db_slot_keys(db *d, unsigned slot, kv **out, size_t max);
/* Deletes every key of the slot; returns how many were deleted. */
size_t db_drop_slot(db *d, unsigned slot);

/* ---- expiry ---- */

/* One active-expiry cycle over all databases for at most budget_us.
 * Returns the number of keys expired. */
size_t keyspace_expire_cycle(keyspace *ks, int64_t budget_us);
/* Incremental rehashing of slot tables for at most budget_us. */
void keyspace_rehash_step(keyspace *ks, int64_t budget_us);
/* Average TTL in ms of a database's volatile keys, estimated by sampling
 * during expiry cycles (0 when unknown). */
int64_t db_avg_ttl(const db *d);

/* ---- access data (LRU/LFU) ---- */

/* Current 24-bit LRU clock (seconds resolution). */
uint32_t keyspace_lru_clock(const keyspace *ks);
/* Idle time in ms estimated from an entry's LRU clock. */
int64_t keyspace_idle_ms(const keyspace *ks, const kv *e);
/* LFU counter of an entry after decay. */
unsigned keyspace_lfu_count(const keyspace *ks, const kv *e);
/* Records an access to e. */
void keyspace_touch(keyspace *ks, kv *e);
/* Gives e restored access data (RESTORE IDLETIME/FREQ, the RDB idle and
 * frequency records): in LFU mode the counter freq (0-255) if freq >= 0,
 * otherwise a last access idle_s seconds ago if idle_s >= 0. Returns
 * whether it set anything; the other mode's value is ignored, as in Redis.
 * Call it after inserting e, which would otherwise initialise the data. */
bool keyspace_restore_access(const keyspace *ks, kv *e, int freq, int64_t idle_s);

/* Memory the keyspace structures take beyond the entries (tables, indexes). */
size_t keyspace_overhead_bytes(const keyspace *ks);

#endif
