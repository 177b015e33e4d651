/* keyspace: databases of slot-partitioned hash tables.
 *
 * Each database owns a lazily allocated array of 16384 slot tables (a slot
 * with no keys costs one NULL pointer), a Fenwick tree of per-slot counts and
 * an index of volatile keys. The volatile index holds small nodes pointing at
 * entries; since an entry can move when its value or expiry changes, every
 * change goes through db_replace(), which repoints the index node.
 *
 * We rejected a single table per database plus a slot->keys side list (what
 * Redis 7.0 does in cluster mode): it costs two extra pointers per key and
 * makes SCAN and slot deletion walk linked lists.
 *
 * Lazy expiry happens in lookups; active expiry walks the volatile index
 * with a persistent cursor under a time budget (keyspace_expire_cycle). */
#include "data/keyspace.h"

#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/mem.h"
#include "data/watch.h"

#define LFU_INIT_VAL 5
#define EXPIRE_SAMPLES 20
#define EXPIRE_ACCEPTABLE_STALE 10 /* percent */
#define REHASH_WINDOW 1024          /* slots visited per rehash sweep call */

typedef struct vnode {
    htable_node node;
    kv *entry;
} vnode;

/* A flushed database waiting to be freed in the background. */
typedef struct reclaim_job {
    struct reclaim_job *next;
    htable **slots;
    unsigned next_slot;
    size_t remaining;
} reclaim_job;

struct db {
    keyspace *ks;
    int id;
    size_t keys;
    htable **slots;     /* [KEYSLOT_COUNT] or NULL while empty */
    uint64_t *fenwick;  /* [KEYSLOT_COUNT + 1], 1-based */
    htable volatile_ix; /* vnode per key with an expiry */
    uint64_t expire_cursor;
    int64_t avg_ttl;
    unsigned rehash_slot;
    /* Keys clients WATCH in this database number. It stays with the
     * number when SWAPDB exchanges the contents, as the clients do. */
    watch_table watch;
};

struct keyspace {
    int db_count;
    db *dbs;
    int64_t now_ms;
    enum ks_expire_mode expire_mode;
    bool lfu;
    int lfu_log_factor;
    int lfu_decay_minutes;
    int expire_db_cursor;
    keyspace_stats stats;
    keyspace_expired_fn on_expired;
    void *on_expired_ctx;
    reclaim_job *reclaim;
};

/* ---- hash table types ---- */

static uint64_t entry_hash(const htable_node *n) {
    size_t len;
    const char *key = kv_key((const kv *)n, &len);
    return hash_bytes(key, len);
}

static uint64_t key_hash(const void *key, size_t len) {
    return hash_bytes(key, len);
}

static bool entry_key_eq(const htable_node *n, const void *key, size_t len) {
    size_t klen;
    const char *k = kv_key((const kv *)n, &klen);
    return klen == len && memcmp(k, key, len) == 0;
}

static const htable_type entry_type = {entry_hash, key_hash, entry_key_eq};

static uint64_t vnode_hash(const htable_node *n) {
    return entry_hash(&((const vnode *)n)->entry->node);
}

static bool vnode_key_eq(const htable_node *n, const void *key, size_t len) {
    return entry_key_eq(&((const vnode *)n)->entry->node, key, len);
}

static const htable_type vnode_type = {vnode_hash, key_hash, vnode_key_eq};

/* ---- Fenwick tree over slot counts ---- */

static void fenwick_add(db *d, unsigned slot, int64_t delta) {
    if (d->fenwick == NULL) d->fenwick = mem_calloc(KEYSLOT_COUNT + 1, sizeof(uint64_t));
    for (unsigned i = slot + 1; i <= KEYSLOT_COUNT; i += i & (0u - i))
        d->fenwick[i] = (uint64_t)((int64_t)d->fenwick[i] + delta);
}

/* The slot holding the target-th key (0-based) in slot order. */
static unsigned fenwick_find(const db *d, uint64_t target) {
    unsigned pos = 0;
    for (unsigned step = KEYSLOT_COUNT; step > 0; step >>= 1) {
        if (pos + step <= KEYSLOT_COUNT && d->fenwick[pos + step] <= target) {
            pos += step;
            target -= d->fenwick[pos];
        }
    }
    return pos; /* 0-based slot */
}

/* ---- construction ---- */

static watch_key_state watch_probe(void *ctx, const char *key, size_t len);

static void db_init(db *d, keyspace *ks, int id) {
    memset(d, 0, sizeof(*d));
    d->ks = ks;
    d->id = id;
    htable_init(&d->volatile_ix, &vnode_type);
    watch_table_init(&d->watch, watch_probe, d);
}

keyspace *keyspace_new(int db_count) {
    ASSERT(db_count > 0);
    keyspace *ks = mem_calloc(1, sizeof(*ks));
    ks->db_count = db_count;
    ks->dbs = mem_calloc((size_t)db_count, sizeof(db));
    for (int i = 0; i < db_count; i++) db_init(&ks->dbs[i], ks, i);
    ks->lfu_log_factor = 10;
    ks->lfu_decay_minutes = 1;
    ks->now_ms = clock_wall_ms();
    return ks;
}

void keyspace_free(keyspace *ks) {
    if (ks == NULL) return;
    for (int i = 0; i < ks->db_count; i++) {
        db_flush(&ks->dbs[i], false);
        htable_fini(&ks->dbs[i].volatile_ix);
        watch_table_fini(&ks->dbs[i].watch);
    }
    while (keyspace_reclaim_step(ks, INT64_MAX)) {
    }
    mem_free(ks->dbs);
    mem_free(ks);
}

int keyspace_db_count(const keyspace *ks) {
    return ks->db_count;
}

db *keyspace_db(keyspace *ks, int id) {
    ASSERT(id >= 0 && id < ks->db_count);
    return &ks->dbs[id];
}

int db_id(const db *d) {
    return d->id;
}

keyspace *db_keyspace(db *d) {
    return d->ks;
}

void keyspace_set_now(keyspace *ks, int64_t now_ms) {
    ks->now_ms = now_ms;
}

int64_t keyspace_now(const keyspace *ks) {
    return ks->now_ms;
}

void keyspace_set_expired_hook(keyspace *ks, keyspace_expired_fn fn, void *ctx) {
    ks->on_expired = fn;
    ks->on_expired_ctx = ctx;
}

void keyspace_set_lfu(keyspace *ks, bool lfu, int log_factor, int decay_minutes) {
    ks->lfu = lfu;
    ks->lfu_log_factor = log_factor;
    ks->lfu_decay_minutes = decay_minutes;
}

bool keyspace_is_lfu(const keyspace *ks) {
    return ks->lfu;
}

keyspace_stats *keyspace_stats_of(keyspace *ks) {
    return &ks->stats;
}

size_t keyspace_total_keys(const keyspace *ks) {
    size_t total = 0;
    for (int i = 0; i < ks->db_count; i++) total += ks->dbs[i].keys;
    return total;
}

/* ---- access data ---- */

uint32_t keyspace_lru_clock(const keyspace *ks) {
    return (uint32_t)((ks->now_ms / 1000) & 0xFFFFFF);
}

int64_t keyspace_idle_ms(const keyspace *ks, const kv *e) {
    uint32_t now = keyspace_lru_clock(ks), then = kv_clock_of(e);
    if (now >= then) return (int64_t)(now - then) * 1000;
    return (int64_t)(now + (0xFFFFFF - then)) * 1000;
}

static uint32_t lfu_minutes(const keyspace *ks) {
    return (uint32_t)((ks->now_ms / 60000) & 0xFFFF);
}

unsigned keyspace_lfu_count(const keyspace *ks, const kv *e) {
    uint32_t clock = kv_clock_of(e);
    uint32_t then = clock >> 8, now = lfu_minutes(ks);
    unsigned counter = clock & 0xff;
    uint32_t elapsed = now >= then ? now - then : 65535 - then + now;
    uint32_t periods = ks->lfu_decay_minutes ? elapsed / (uint32_t)ks->lfu_decay_minutes : 0;
    return periods >= counter ? 0 : counter - periods;
}

void keyspace_touch(keyspace *ks, kv *e) {
    if (!ks->lfu) {
        kv_set_clock(e, keyspace_lru_clock(ks));
        return;
    }
    unsigned counter = keyspace_lfu_count(ks, e);
    if (counter < 255) {
        double r = (double)(random_u64() >> 11) / (double)(1ULL << 53);
        double base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0;
        if (r < 1.0 / (base * ks->lfu_log_factor + 1)) counter++;
    }
    kv_set_clock(e, (lfu_minutes(ks) << 8) | counter);
}

bool keyspace_restore_access(const keyspace *ks, kv *e, int freq, int64_t idle_s) {
    if (ks->lfu) {
        if (freq < 0) return false;
        ASSERT(freq <= 255);
        kv_set_clock(e, (lfu_minutes(ks) << 8) | (uint32_t)freq);
        return true;
    }
    if (idle_s < 0) return false;
    /* Redis compat: an access time before the clock wrapped is moved up by
     * 2^24 - 1 (LRU_CLOCK_MAX, not the clock's period), and only the low 24
     * bits of the result are kept. */
    int64_t at = (int64_t)keyspace_lru_clock(ks) - idle_s;
    if (at < 0) at += 0xFFFFFF;
    kv_set_clock(e, (uint32_t)((uint64_t)at & 0xFFFFFF));
    return true;
}

static void init_access(keyspace *ks, kv *e) {
    if (ks->lfu)
        kv_set_clock(e, (lfu_minutes(ks) << 8) | LFU_INIT_VAL);
    else
        kv_set_clock(e, keyspace_lru_clock(ks));
}

/* ---- lookups ---- */

static htable *slot_table(const db *d, unsigned slot) {
    return d->slots ? d->slots[slot] : NULL;
}

bool db_is_expired(const db *d, const kv *e) {
    return kv_has_expire(e) && kv_expire(e) <= d->ks->now_ms &&
           d->ks->expire_mode != KS_EXPIRE_IGNORE;
}

void keyspace_set_expire_mode(keyspace *ks, enum ks_expire_mode mode) {
    ks->expire_mode = mode;
}

enum ks_expire_mode keyspace_expire_mode(const keyspace *ks) {
    return ks->expire_mode;
}

static vnode *find_vnode(db *d, const char *key, size_t len, uint64_t hash) {
    return (vnode *)htable_find(&d->volatile_ix, key, len, hash);
}

static kv *find_ref(db *d, const char *key, size_t len, kv_ref *ref) {
    ref->slot = keyslot(key, len);
    ref->hash = hash_bytes(key, len);
    ref->table = slot_table(d, ref->slot);
    ref->link = NULL;
    ref->next = NULL;
    ref->vol = NULL;
    if (ref->table == NULL) return NULL;
    ref->link = htable_find_link(ref->table, key, len, ref->hash);
    if (ref->link == NULL) return NULL;
    kv *e = (kv *)*ref->link;
    ref->next = e->node.next;
    if (kv_has_expire(e)) ref->vol = find_vnode(d, key, len, ref->hash);
    return e;
}

kv *db_find(db *d, const char *key, size_t len) {
    htable *t = slot_table(d, keyslot(key, len));
    if (t == NULL) return NULL;
    return (kv *)htable_find(t, key, len, hash_bytes(key, len));
}

static void expire_now(db *d, kv_ref *ref, kv *e) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    d->ks->stats.expired_keys++;
    if (d->ks->on_expired) d->ks->on_expired(d->ks->on_expired_ctx, d->id, key, klen);
    kv_free(db_unlink(d, ref));
}

kv *db_lookup_ref(db *d, const char *key, size_t len, int flags, kv_ref *ref) {
    kv *e = find_ref(d, key, len, ref);
    if (e && db_is_expired(d, e)) {
        if (!(flags & KS_LOOKUP_NOEXPIRE) && d->ks->expire_mode == KS_EXPIRE_DELETE) {
            expire_now(d, ref, e);
            /* The key is gone: leave ref ready for an insert. Do not search
             * again, `key` may point into the entry just freed. */
            ref->table = slot_table(d, ref->slot);
            ref->link = NULL;
            ref->next = NULL;
            ref->vol = NULL;
        }
        e = NULL;
    }
    if (!(flags & (KS_LOOKUP_WRITE | KS_LOOKUP_NOSTATS))) {
        if (e)
            d->ks->stats.hits++;
        else
            d->ks->stats.misses++;
    }
    if (e && !(flags & KS_LOOKUP_NOTOUCH)) keyspace_touch(d->ks, e);
    return e;
}

kv *db_lookup(db *d, const char *key, size_t len, int flags) {
    kv_ref ref;
    return db_lookup_ref(d, key, len, flags, &ref);
}

/* ---- watched keys ---- */

static watch_key_state watch_probe(void *ctx, const char *key, size_t len) {
    db *d = ctx;
    kv *e = db_find(d, key, len);
    if (e == NULL) return WATCH_KEY_ABSENT;
    return db_is_expired(d, e) ? WATCH_KEY_EXPIRED : WATCH_KEY_LIVE;
}

/* Every change to a key ends here. The emptiness test is all a database
 * without watched keys pays. */
static inline void signal_key(db *d, const char *key, size_t len, bool present) {
    if (!watch_table_empty(&d->watch)) watch_table_touch(&d->watch, key, len, present);
}

static inline void signal_entry(db *d, const kv *e) {
    if (watch_table_empty(&d->watch)) return;
    size_t klen;
    const char *key = kv_key(e, &klen);
    watch_table_touch(&d->watch, key, klen, true);
}

void db_signal_modified(db *d, const char *key, size_t len) {
    signal_key(d, key, len, true);
}

void db_watch(db *d, watcher *w, const char *key, size_t len) {
    watch_table_add(&d->watch, w, key, len, watch_probe(d, key, len) == WATCH_KEY_EXPIRED);
}

size_t db_watched_keys(const db *d) {
    return watch_table_count(&d->watch);
}

/* ---- changes ---- */

static vnode *vol_add(db *d, kv *e, uint64_t hash) {
    vnode *v = mem_alloc(sizeof(*v));
    v->entry = e;
    htable_insert(&d->volatile_ix, &v->node, hash);
    return v;
}

static void vol_remove(db *d, vnode *v) {
    bool removed = htable_remove_node(&d->volatile_ix, &v->node);
    ASSERT(removed);
    mem_free(v);
}

void db_insert(db *d, kv_ref *ref, kv *e) {
    kv_ref local;
    size_t klen;
    const char *key = kv_key(e, &klen);
    if (ref == NULL) {
        ref = &local;
        ref->slot = keyslot(key, klen);
        ref->hash = hash_bytes(key, klen);
    }
    if (d->slots == NULL) d->slots = mem_calloc(KEYSLOT_COUNT, sizeof(htable *));
    htable *t = d->slots[ref->slot];
    if (t == NULL) {
        t = mem_alloc(sizeof(*t));
        htable_init(t, &entry_type);
        d->slots[ref->slot] = t;
    }
    if (kv_clock_of(e) == 0) init_access(d->ks, e);
    htable_insert(t, &e->node, ref->hash);
    if (kv_has_expire(e)) vol_add(d, e, ref->hash);
    d->keys++;
    fenwick_add(d, ref->slot, 1);
    ref->table = NULL; /* the ref is spent */
    ref->link = NULL;
    signal_key(d, key, klen, true);
}

void db_replace(db *d, kv_ref *ref, kv *new_entry) {
    ASSERT(ref->link != NULL);
    if (kv_clock_of(new_entry) == 0) {
        /* Redis compat: overwriting a key keeps its LFU data (OBJECT FREQ
         * after SET on a busy key is not reset to the initial 5). */
        if (d->ks->lfu)
            kv_set_clock(new_entry, kv_clock_of((const kv *)*ref->link));
        else
            init_access(d->ks, new_entry);
    }
    new_entry->node.next = ref->next;
    *ref->link = &new_entry->node;
    if (ref->vol) {
        ref->vol->entry = new_entry;
        if (!kv_has_expire(new_entry)) {
            vol_remove(d, ref->vol);
            ref->vol = NULL;
        }
    } else if (kv_has_expire(new_entry)) {
        /* This touches the expiry index only, so ref->link stays valid. */
        ref->vol = vol_add(d, new_entry, ref->hash);
    }
    signal_entry(d, new_entry);
}

static void drop_slot_table_if_empty(db *d, unsigned slot) {
    htable *t = d->slots[slot];
    if (t && htable_count(t) == 0) {
        htable_fini(t);
        mem_free(t);
        d->slots[slot] = NULL;
    }
}

kv *db_unlink(db *d, kv_ref *ref) {
    ASSERT(ref->link != NULL);
    kv *e = (kv *)*ref->link;
    if (ref->vol) vol_remove(d, ref->vol);
    size_t klen;
    const char *key = kv_key(e, &klen);
    htable_node *n = htable_remove(ref->table, key, klen, ref->hash);
    ASSERT(n == &e->node);
    d->keys--;
    fenwick_add(d, ref->slot, -1);
    drop_slot_table_if_empty(d, ref->slot);
    if (d->keys == 0) {
        /* An empty database gives back its slot array and counts too. */
        mem_free(d->slots);
        d->slots = NULL;
        mem_free(d->fenwick);
        d->fenwick = NULL;
    }
    ref->link = NULL;
    ref->vol = NULL;
    ref->table = NULL;
    signal_key(d, key, klen, false);
    return e;
}

bool db_delete(db *d, const char *key, size_t len) {
    kv_ref ref;
    kv *e = find_ref(d, key, len, &ref);
    if (e == NULL) return false;
    kv_free(db_unlink(d, &ref));
    return true;
}

kv *db_set_string(db *d, const char *key, size_t klen, const char *val, size_t vlen,
                  int64_t expire_ms, bool keep_ttl, enum kv_str_mode mode) {
    kv_ref ref;
    kv *old = find_ref(d, key, klen, &ref);
    if (old && keep_ttl) expire_ms = kv_expire(old);
    kv *e = kv_new_string(key, klen, val, vlen, expire_ms, mode);
    if (old == NULL) {
        db_insert(d, &ref, e);
        return e;
    }
    db_replace(d, &ref, e);
    kv_free(old);
    return e;
}

kv *db_set_expire(db *d, kv_ref *ref, kv *e, int64_t when_ms) {
    if (when_ms >= 0 && kv_has_expire(e)) {
        kv_update_expire(e, when_ms);
        signal_entry(d, e);
        return e;
    }
    kv *n = kv_with_expire(e, when_ms);
    if (n != e) db_replace(d, ref, n);
    return n;
}

/* ---- whole database ---- */

size_t db_size(const db *d) {
    return d->keys;
}

size_t db_volatile_count(const db *d) {
    return htable_count(&d->volatile_ix);
}

static void free_entry_node(htable_node *n, void *ctx) {
    (void)ctx;
    kv_free((kv *)n);
}

static void free_vnode(htable_node *n, void *ctx) {
    (void)ctx;
    mem_free(n);
}

static void free_slot_array(htable **slots) {
    for (unsigned s = 0; s < KEYSLOT_COUNT; s++) {
        if (slots[s]) {
            htable_clear(slots[s], free_entry_node, NULL);
            mem_free(slots[s]);
        }
    }
    mem_free(slots);
}

void db_flush(db *d, bool async) {
    /* While the keys are still there to tell which watched ones exist. */
    watch_table_touch_all(&d->watch, NULL);
    htable_clear(&d->volatile_ix, free_vnode, NULL);
    htable_init(&d->volatile_ix, &vnode_type);
    if (d->slots) {
        if (async && d->keys > 0) {
            reclaim_job *job = mem_alloc(sizeof(*job));
            job->slots = d->slots;
            job->next_slot = 0;
            job->remaining = d->keys;
            job->next = d->ks->reclaim;
            d->ks->reclaim = job;
        } else {
            free_slot_array(d->slots);
        }
    }
    d->slots = NULL;
    mem_free(d->fenwick);
    d->fenwick = NULL;
    d->keys = 0;
    d->expire_cursor = 0;
    d->avg_ttl = 0;
    d->rehash_slot = 0;
}

bool keyspace_reclaim_pending(const keyspace *ks) {
    return ks->reclaim != NULL;
}

size_t keyspace_reclaim_remaining(const keyspace *ks) {
    size_t total = 0;
    for (reclaim_job *j = ks->reclaim; j; j = j->next) total += j->remaining;
    return total;
}

bool keyspace_reclaim_step(keyspace *ks, int64_t budget_us) {
    int64_t start = clock_mono_us();
    while (ks->reclaim) {
        reclaim_job *job = ks->reclaim;
        while (job->next_slot < KEYSLOT_COUNT) {
            htable *t = job->slots[job->next_slot];
            if (t) {
                job->remaining -= htable_count(t);
                htable_clear(t, free_entry_node, NULL);
                mem_free(t);
                job->slots[job->next_slot] = NULL;
            }
            job->next_slot++;
            if ((job->next_slot & 63) == 0 && clock_mono_us() - start >= budget_us) return true;
        }
        ks->reclaim = job->next;
        mem_free(job->slots);
        mem_free(job);
    }
    return false;
}

void keyspace_swap(keyspace *ks, int a, int b) {
    db *x = keyspace_db(ks, a), *y = keyspace_db(ks, b);
    watch_table_touch_all(&x->watch, &y->watch);
    watch_table_touch_all(&y->watch, &x->watch);
    db tmp = *x;
    *x = *y;
    *y = tmp;
    x->id = a;
    y->id = b;
    /* Watches stay with the database number (a table holds no pointer
     * into itself, so moving it back and forth by value is safe). */
    watch_table wt = x->watch;
    x->watch = y->watch;
    y->watch = wt;
}

kv *db_random_key(db *d) {
    for (int tries = 0; tries < 100 && d->keys > 0; tries++) {
        unsigned slot = fenwick_find(d, random_below(d->keys));
        kv *e = (kv *)htable_random(d->slots[slot]);
        if (e == NULL) continue;
        if (!db_is_expired(d, e)) return e;
        /* Redis compat: an expired key found this way is deleted. */
        kv_ref ref;
        size_t klen;
        const char *key = kv_key(e, &klen);
        find_ref(d, key, klen, &ref);
        expire_now(d, &ref, e);
    }
    return NULL;
}

size_t db_sample(db *d, bool only_volatile, kv **out, size_t count) {
    if (only_volatile) {
        htable_node *nodes[64];
        if (count > 64) count = 64;
        size_t n = htable_sample(&d->volatile_ix, nodes, count);
        for (size_t i = 0; i < n; i++) out[i] = ((vnode *)nodes[i])->entry;
        return n;
    }
    if (d->keys == 0) return 0;
    /* A slot rarely holds as many keys as eviction asks for (a few keys per
     * slot is typical), so one slot's sample would leave eviction comparing
     * one or two candidates. Keep drawing slots, each in proportion to its
     * size, until count entries are gathered or draws stop adding any. */
    size_t got = 0;
    for (size_t draws = 0; got < count && draws < count * 4; draws++) {
        unsigned slot = fenwick_find(d, random_below(d->keys));
        got += htable_sample(d->slots[slot], (htable_node **)out + got, count - got);
    }
    return got;
}

typedef struct scan_adapter {
    void (*fn)(kv *e, void *ctx);
    void *ctx;
} scan_adapter;

static void scan_visit(htable_node *n, void *ctx) {
    scan_adapter *a = ctx;
    a->fn((kv *)n, a->ctx);
}

uint64_t db_scan(db *d, uint64_t cursor, void (*fn)(kv *e, void *ctx), void *ctx) {
    if (d->slots == NULL) return 0;
    unsigned slot = (unsigned)(cursor & (KEYSLOT_COUNT - 1));
    uint64_t tc = cursor >> 14;
    while (slot < KEYSLOT_COUNT && d->slots[slot] == NULL) {
        slot++;
        tc = 0;
    }
    if (slot >= KEYSLOT_COUNT) return 0;
    scan_adapter a = {fn, ctx};
    tc = htable_scan(d->slots[slot], tc, scan_visit, &a);
    if (tc != 0) return (tc << 14) | slot;
    do {
        slot++;
    } while (slot < KEYSLOT_COUNT && d->slots[slot] == NULL);
    return slot >= KEYSLOT_COUNT ? 0 : slot;
}

typedef struct foreach_adapter {
    bool (*fn)(kv *e, void *ctx);
    void *ctx;
} foreach_adapter;

static bool foreach_visit(htable_node *n, void *ctx) {
    foreach_adapter *a = ctx;
    return a->fn((kv *)n, a->ctx);
}

void db_foreach(db *d, bool (*fn)(kv *e, void *ctx), void *ctx) {
    if (d->slots == NULL) return;
    foreach_adapter a = {fn, ctx};
    for (unsigned s = 0; s < KEYSLOT_COUNT; s++) {
        if (d->slots[s] && !htable_walk(d->slots[s], foreach_visit, &a)) return;
    }
}

/* ---- slots ---- */

size_t db_slot_count(const db *d, unsigned slot) {
    htable *t = slot_table(d, slot);
    return t ? htable_count(t) : 0;
}

typedef struct collect_ctx {
    kv **out;
    size_t n, max;
} collect_ctx;

static bool collect_visit(htable_node *n, void *ctx) {
    collect_ctx *c = ctx;
    if (c->n >= c->max) return false;
    c->out[c->n++] = (kv *)n;
    return true;
}

size_t db_slot_keys(db *d, unsigned slot, kv **out, size_t max) {
    htable *t = slot_table(d, slot);
    if (t == NULL || max == 0) return 0;
    collect_ctx c = {out, 0, max};
    htable_foreach(t, collect_visit, &c);
    return c.n;
}

size_t db_drop_slot(db *d, unsigned slot) {
    htable *t = slot_table(d, slot);
    if (t == NULL) return 0;
    size_t dropped = 0;
    kv *batch[128];
    size_t n;
    while ((n = db_slot_keys(d, slot, batch, ARRAY_LEN(batch))) > 0) {
        for (size_t i = 0; i < n; i++) {
            size_t klen;
            const char *key = kv_key(batch[i], &klen);
            if (db_delete(d, key, klen)) dropped++;
        }
        if (slot_table(d, slot) == NULL) break;
    }
    return dropped;
}

/* ---- active expiry ---- */

typedef struct expire_sample {
    vnode *nodes[EXPIRE_SAMPLES * 4];
    size_t n;
} expire_sample;

static void sample_visit(htable_node *n, void *ctx) {
    expire_sample *s = ctx;
    if (s->n < ARRAY_LEN(s->nodes)) s->nodes[s->n++] = (vnode *)n;
}

/* One sampling round on a database; returns keys expired, sets *sampled. */
static size_t expire_round(db *d, size_t *sampled) {
    expire_sample s;
    s.n = 0;
    int buckets = 0;
    do {
        d->expire_cursor = htable_scan(&d->volatile_ix, d->expire_cursor, sample_visit, &s);
        buckets++;
    } while (d->expire_cursor != 0 && s.n < EXPIRE_SAMPLES && buckets < EXPIRE_SAMPLES * 10);
    size_t expired = 0;
    int64_t ttl_sum = 0, ttl_n = 0;
    /* Collect keys first: deleting changes the index being sampled. */
    for (size_t i = 0; i < s.n; i++) {
        kv *e = s.nodes[i]->entry;
        int64_t ttl = kv_expire(e) - d->ks->now_ms;
        if (ttl > 0) {
            ttl_sum += ttl;
            ttl_n++;
            s.nodes[i] = NULL;
        }
    }
    for (size_t i = 0; i < s.n; i++) {
        if (s.nodes[i] == NULL) continue;
        kv *e = s.nodes[i]->entry;
        size_t klen;
        const char *key = kv_key(e, &klen);
        kv_ref ref;
        kv *found = find_ref(d, key, klen, &ref);
        ASSERT(found == e);
        expire_now(d, &ref, e);
        expired++;
    }
    if (ttl_n > 0) {
        int64_t avg = ttl_sum / ttl_n;
        /* Running average, weighted towards the history like Redis does. */
        d->avg_ttl = d->avg_ttl ? (d->avg_ttl / 50) * 49 + avg / 50 : avg;
    }
    *sampled = s.n;
    return expired;
}

size_t keyspace_expire_cycle(keyspace *ks, int64_t budget_us) {
    if (ks->expire_mode != KS_EXPIRE_DELETE) return 0; /* the primary decides */
    int64_t start = clock_mono_us();
    size_t total = 0, total_sampled = 0, total_expired = 0;
    for (int i = 0; i < ks->db_count; i++) {
        db *d = &ks->dbs[(ks->expire_db_cursor + i) % ks->db_count];
        if (htable_count(&d->volatile_ix) == 0) {
            d->avg_ttl = 0; /* Redis compat: no volatile keys, no average */
            continue;
        }
        for (;;) {
            size_t sampled = 0;
            size_t expired = expire_round(d, &sampled);
            total += expired;
            total_sampled += sampled;
            total_expired += expired;
            if (clock_mono_us() - start >= budget_us) {
                ks->stats.expire_cycle_time_cap_reached++;
                ks->expire_db_cursor = (ks->expire_db_cursor + i) % ks->db_count;
                goto done;
            }
            /* Keep going on this database only while a good share of what
             * we sample is stale. */
            if (sampled == 0 || expired * 100 <= sampled * EXPIRE_ACCEPTABLE_STALE) break;
        }
    }
    ks->expire_db_cursor = (ks->expire_db_cursor + 1) % ks->db_count;
done:;
    double perc = total_sampled ? (double)total_expired / (double)total_sampled : 0;
    ks->stats.expired_stale_perc = perc * 0.05 + ks->stats.expired_stale_perc * 0.95;
    ks->stats.expire_cycle_cpu_us += (uint64_t)(clock_mono_us() - start);
    return total;
}

int64_t db_avg_ttl(const db *d) {
    return d->avg_ttl;
}

void keyspace_rehash_step(keyspace *ks, int64_t budget_us) {
    int64_t start = clock_mono_us();
    for (int i = 0; i < ks->db_count; i++) {
        db *d = &ks->dbs[i];
        if (htable_is_rehashing(&d->volatile_ix)) htable_rehash_for(&d->volatile_ix, budget_us / 4);
        if (d->slots == NULL) continue;
        /* Lookups and inserts already rehash busy tables step by step; this
         * sweep is for tables nobody touches. Visiting a window of slots per
         * call keeps each call cheap, and the window rotates. */
        for (unsigned n = 0; n < REHASH_WINDOW; n++) {
            unsigned s = d->rehash_slot;
            d->rehash_slot = (d->rehash_slot + 1) % KEYSLOT_COUNT;
            htable *t = d->slots[s];
            if (t && htable_is_rehashing(t)) {
                int64_t left = budget_us - (clock_mono_us() - start);
                if (left <= 0 || htable_rehash_for(t, left)) {
                    d->rehash_slot = s;
                    return;
                }
            }
        }
    }
}

size_t keyspace_overhead_bytes(const keyspace *ks) {
    size_t total = mem_usable_size(ks) + mem_usable_size(ks->dbs);
    for (int i = 0; i < ks->db_count; i++) {
        const db *d = &ks->dbs[i];
        total += mem_usable_size(d->fenwick) + htable_overhead_bytes(&d->volatile_ix);
        total += htable_count(&d->volatile_ix) * mem_size_class(sizeof(vnode));
        if (d->slots == NULL) continue;
        total += mem_usable_size(d->slots);
        for (unsigned s = 0; s < KEYSLOT_COUNT; s++) {
            if (d->slots[s])
                total += mem_usable_size(d->slots[s]) + htable_overhead_bytes(d->slots[s]);
        }
    }
    return total;
}
