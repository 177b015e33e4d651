#ifndef DATA_WATCH_H
#define DATA_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/htable.h"
#include "base/list.h"

/* WATCH bookkeeping: which connections watch which keys, and whether a
 * watched key changed since (the check-and-set half of MULTI/EXEC).
 *
 * Two views of the same watch entries. Each database owns a watch table
 * mapping a key name to the entries on it, in WATCH order. Each connection
 * owns a watcher: its entries over every database and a `dirty` flag that
 * EXEC reads (Redis's CLIENT_DIRTY_CAS).
 *
 * Cost on the write path. The keyspace signals every change through a few
 * primitives (insert, replace, unlink, expiry change, flush, swap) plus
 * db_signal_modified() for values edited in place. Each signal first checks
 * whether the database's table is empty: one load and a branch that is
 * always taken the same way while nobody watches, so a server without
 * WATCH pays nothing measurable. Only a database with watched keys looks
 * the changed key up in its table.
 *
 * A watcher marked dirty drops all its entries at once: EXEC will fail
 * whatever happens next, so keeping them would only cost memory and make
 * later changes to those keys search longer lists.
 *
 * Keys past their expiry time (Redis 7.0 rules). A key that is already
 * expired, though still stored, when it is watched counts as absent: its
 * removal later (by a lookup or the expiry cycle) is no change, and the
 * entry forgets the flag. Conversely a key that was live when watched and
 * has expired by EXEC time makes EXEC fail even if nothing removed it yet
 * (watcher_expired_since). Flushing and swapping databases follow the same
 * idea: only keys that exist on either side, and are not merely expired
 * on both, count as changed.
 *
 * The table knows nothing of the keyspace: it asks a probe callback how a
 * key stands, so this module is tested on its own. */

/* How a key stands in a database right now. */
typedef enum watch_key_state {
    WATCH_KEY_ABSENT = 0,
    WATCH_KEY_LIVE,
    WATCH_KEY_EXPIRED, /* stored, but past its expiry time */
} watch_key_state;

typedef watch_key_state (*watch_probe_fn)(void *ctx, const char *key, size_t len);

typedef struct watch_table {
    htable keys; /* watch_key by name */
    watch_probe_fn probe;
    void *probe_ctx;
} watch_table;

/* One connection's watches. Embedded in the connection. */
typedef struct watcher {
    list_node entries; /* watch_entry.by_watcher */
    size_t count;
    bool dirty; /* a watched key changed: EXEC must fail */
} watcher;

void watch_table_init(watch_table *t, watch_probe_fn probe, void *probe_ctx);
/* Drops every entry of the table (their watchers stay valid). */
void watch_table_fini(watch_table *t);

/* The hot-path test every change makes first. */
static inline bool watch_table_empty(const watch_table *t) {
    return htable_count(&t->keys) == 0;
}

/* Adds w's watch on key (nothing if w already watches it in this table).
 * expired: the key is stored but already past its expiry time. */
void watch_table_add(watch_table *t, watcher *w, const char *key, size_t len, bool expired);

/* key changed; present: whether it is stored after the change. Watchers of
 * it become dirty (and drop their entries), except those that watched it
 * already expired and now see it removed. */
void watch_table_touch(watch_table *t, const char *key, size_t len, bool present);

/* The table's database is being emptied (FLUSHDB, FLUSHALL, a full
 * resynchronisation), or, when replaced is not NULL, its contents are being
 * exchanged with replaced's database (SWAPDB): the probes of both tables
 * describe the contents before the change. Watchers of keys that exist on
 * either side become dirty, keeping their entries. */
void watch_table_touch_all(watch_table *t, const watch_table *replaced);

/* Number of distinct keys watched in the table. */
size_t watch_table_count(const watch_table *t);

void watcher_init(watcher *w);
/* Drops every entry of w (UNWATCH, EXEC, DISCARD, disconnect); leaves
 * dirty as it is. */
void watcher_clear(watcher *w);
/* Whether a key w watched while it was live is now past its expiry time
 * (EXEC then fails even though nothing has removed the key yet). */
bool watcher_expired_since(watcher *w);
/* Bytes the entries of w take (CLIENT LIST tot-mem). */
size_t watcher_memory(const watcher *w);

#endif
