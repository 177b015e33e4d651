/* watch: the WATCH registry (see include/data/watch.h for the design). */
#include "data/watch.h"

#include <string.h>

#include "base/check.h"
#include "base/hash.h"
#include "base/mem.h"

/* A key watched in one table by one or more watchers. */
typedef struct watch_key {
    htable_node node;
    watch_table *table;
    list_node entries; /* watch_entry.by_key, in WATCH order */
    bool busy;         /* being walked by watch_table_touch: not freed yet */
    size_t len;
    char name[];
} watch_key;

/* One watcher's watch on one key. */
typedef struct watch_entry {
    list_node by_key;
    list_node by_watcher;
    watch_key *wk;
    watcher *owner;
    bool expired; /* the key was stored but already expired when watched */
} watch_entry;

static uint64_t wk_node_hash(const htable_node *n) {
    const watch_key *wk = (const watch_key *)n;
    return hash_bytes(wk->name, wk->len);
}

static uint64_t wk_hash(const void *key, size_t len) {
    return hash_bytes(key, len);
}

static bool wk_equals(const htable_node *n, const void *key, size_t len) {
    const watch_key *wk = (const watch_key *)n;
    return wk->len == len && memcmp(wk->name, key, len) == 0;
}

static const htable_type watch_key_type = {wk_node_hash, wk_hash, wk_equals};

void watch_table_init(watch_table *t, watch_probe_fn probe, void *probe_ctx) {
    htable_init(&t->keys, &watch_key_type);
    t->probe = probe;
    t->probe_ctx = probe_ctx;
}

size_t watch_table_count(const watch_table *t) {
    return htable_count(&t->keys);
}

static watch_key *find_key(watch_table *t, const char *key, size_t len) {
    return (watch_key *)htable_find(&t->keys, key, len, hash_bytes(key, len));
}

static void free_key_if_unused(watch_key *wk) {
    if (!list_empty(&wk->entries) || wk->busy) return;
    bool removed = htable_remove_node(&wk->table->keys, &wk->node);
    ASSERT(removed);
    mem_free(wk);
}

static void entry_free(watch_entry *e) {
    list_unlink(&e->by_key);
    list_unlink(&e->by_watcher);
    e->owner->count--;
    watch_key *wk = e->wk;
    mem_free(e);
    free_key_if_unused(wk);
}

void watch_table_add(watch_table *t, watcher *w, const char *key, size_t len, bool expired) {
    uint64_t h = hash_bytes(key, len);
    watch_key *wk = (watch_key *)htable_find(&t->keys, key, len, h);
    if (wk) {
        list_node *pos;
        list_foreach(pos, &wk->entries) {
            if (container_of(pos, watch_entry, by_key)->owner == w) return;
        }
    } else {
        wk = mem_alloc(sizeof(*wk) + len);
        wk->table = t;
        list_init(&wk->entries);
        wk->busy = false;
        wk->len = len;
        if (len) memcpy(wk->name, key, len);
        htable_insert(&t->keys, &wk->node, h);
    }
    watch_entry *e = mem_alloc(sizeof(*e));
    e->wk = wk;
    e->owner = w;
    e->expired = expired;
    list_push_back(&wk->entries, &e->by_key);
    list_push_back(&w->entries, &e->by_watcher);
    w->count++;
}

void watch_table_touch(watch_table *t, const char *key, size_t len, bool present) {
    watch_key *wk = find_key(t, key, len);
    if (wk == NULL) return;
    /* Marking a watcher dirty drops all its entries, this key's included;
     * the key stays allocated until the walk is over. Each watcher has at
     * most one entry here, so the saved successor is never dropped. */
    wk->busy = true;
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &wk->entries) {
        watch_entry *e = container_of(pos, watch_entry, by_key);
        if (e->expired && !present) {
            /* It was logically gone already: removing it changes nothing.
             * From now on it is an absent key like any other. */
            e->expired = false;
            continue;
        }
        watcher *w = e->owner;
        w->dirty = true;
        watcher_clear(w);
    }
    wk->busy = false;
    free_key_if_unused(wk);
}

typedef struct touch_all_ctx {
    watch_table *emptied;
    const watch_table *replaced;
} touch_all_ctx;

static watch_key_state probe(const watch_table *t, const watch_key *wk) {
    return t->probe(t->probe_ctx, wk->name, wk->len);
}

/* One watched key of a database being flushed or swapped. Entries stay
 * where they are (the walk is over the table itself); only flags change. */
static bool touch_all_key(htable_node *n, void *arg) {
    touch_all_ctx *ctx = arg;
    watch_key *wk = (watch_key *)n;
    bool in_emptied = probe(ctx->emptied, wk) != WATCH_KEY_ABSENT;
    watch_key_state incoming = ctx->replaced ? probe(ctx->replaced, wk) : WATCH_KEY_ABSENT;
    if (!in_emptied && incoming == WATCH_KEY_ABSENT) return true;
    list_node *pos;
    list_foreach(pos, &wk->entries) {
        watch_entry *e = container_of(pos, watch_entry, by_key);
        if (e->expired) {
            if (incoming == WATCH_KEY_ABSENT) {
                /* An expired key removed: no change, as in a single delete. */
                e->expired = false;
                continue;
            }
            if (incoming == WATCH_KEY_EXPIRED) continue; /* still logically absent */
        } else if (!in_emptied && incoming == WATCH_KEY_EXPIRED) {
            /* Absent before and logically absent after: no change, but
             * the key is now an expired one. */
            e->expired = true;
            continue;
        }
        e->owner->dirty = true;
    }
    return true;
}

void watch_table_touch_all(watch_table *t, const watch_table *replaced) {
    if (watch_table_empty(t)) return;
    touch_all_ctx ctx = {t, replaced};
    htable_foreach(&t->keys, touch_all_key, &ctx);
}

static bool free_key_node(htable_node *n, void *arg) {
    (void)arg;
    watch_key *wk = (watch_key *)n;
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &wk->entries) {
        watch_entry *e = container_of(pos, watch_entry, by_key);
        list_unlink(&e->by_watcher);
        e->owner->count--;
        mem_free(e);
    }
    return true;
}

static void free_key_mem(htable_node *n, void *arg) {
    (void)arg;
    mem_free(n);
}

void watch_table_fini(watch_table *t) {
    htable_foreach(&t->keys, free_key_node, NULL);
    htable_clear(&t->keys, free_key_mem, NULL);
    htable_fini(&t->keys);
}

void watcher_init(watcher *w) {
    list_init(&w->entries);
    w->count = 0;
    w->dirty = false;
}

void watcher_clear(watcher *w) {
    while (!list_empty(&w->entries)) entry_free(container_of(w->entries.next, watch_entry, by_watcher));
}

bool watcher_expired_since(watcher *w) {
    list_node *pos;
    list_foreach(pos, &w->entries) {
        const watch_entry *e = container_of(pos, watch_entry, by_watcher);
        if (e->expired) continue; /* already expired when watched */
        if (probe(e->wk->table, e->wk) == WATCH_KEY_EXPIRED) return true;
    }
    return false;
}

size_t watcher_memory(const watcher *w) {
    return w->count * sizeof(watch_entry);
}
