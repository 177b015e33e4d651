/* htable: chained hash table, intrusive nodes, incremental rehash.
 *
 * The design follows the classic two-array incremental rehash: buckets[0] is
 * the live array, buckets[1] exists only while a resize is in progress, and
 * rehash_idx says which buckets of [0] have already been moved. We chose
 * intrusive chaining over open addressing because it keeps a stable cursor
 * order for SCAN across resizes (the reverse-binary cursor only works when
 * an element lives in the bucket its hash names) and lets the keyspace embed
 * the chain pointer in the entry itself.
 *
 * Invariants: exp[i] < 0 iff buckets[i] == NULL; rehash_idx >= 0 iff
 * buckets[1] != NULL; every node sits in bucket (hash & mask) of the array
 * that holds it. */
#include "base/htable.h"

#include <string.h>

#include "base/check.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/mem.h"

#define HT_MIN_EXP 2 /* 4 buckets */

static inline size_t ht_size(const htable *ht, int t) {
    return ht->exp[t] < 0 ? 0 : (size_t)1 << ht->exp[t];
}

static inline size_t ht_mask(const htable *ht, int t) {
    return ht->exp[t] < 0 ? 0 : ((size_t)1 << ht->exp[t]) - 1;
}

void htable_init(htable *ht, const htable_type *type) {
    memset(ht, 0, sizeof(*ht));
    ht->type = type;
    ht->exp[0] = ht->exp[1] = -1;
    ht->rehash_idx = -1;
}

void htable_fini(htable *ht) {
    mem_free(ht->buckets[0]);
    mem_free(ht->buckets[1]);
    htable_init(ht, ht->type);
}

size_t htable_count(const htable *ht) {
    return ht->used[0] + ht->used[1];
}

size_t htable_bucket_count(const htable *ht) {
    return ht_size(ht, 0) + ht_size(ht, 1);
}

bool htable_is_rehashing(const htable *ht) {
    return ht->rehash_idx >= 0;
}

size_t htable_overhead_bytes(const htable *ht) {
    return mem_usable_size(ht->buckets[0]) + mem_usable_size(ht->buckets[1]);
}

static int8_t exp_for(size_t count) {
    int8_t e = HT_MIN_EXP;
    while (((size_t)1 << e) < count && e < 62) e++;
    return e;
}

/* Starts a resize to 2^exp buckets (or installs the first array). */
static void resize_to(htable *ht, int8_t exp) {
    ASSERT(!htable_is_rehashing(ht));
    if (exp == ht->exp[0]) return;
    htable_node **arr = mem_calloc((size_t)1 << exp, sizeof(htable_node *));
    if (ht->buckets[0] == NULL) {
        ht->buckets[0] = arr;
        ht->exp[0] = exp;
        return;
    }
    ht->buckets[1] = arr;
    ht->exp[1] = exp;
    ht->used[1] = 0;
    ht->rehash_idx = 0;
}

static void finish_rehash_if_done(htable *ht) {
    if (ht->used[0] != 0) return;
    mem_free(ht->buckets[0]);
    ht->buckets[0] = ht->buckets[1];
    ht->exp[0] = ht->exp[1];
    ht->used[0] = ht->used[1];
    ht->buckets[1] = NULL;
    ht->exp[1] = -1;
    ht->used[1] = 0;
    ht->rehash_idx = -1;
}

bool htable_rehash_steps(htable *ht, int n) {
    if (!htable_is_rehashing(ht)) return false;
    int empty_budget = n * 10;
    size_t mask1 = ht_mask(ht, 1);
    size_t size0 = ht_size(ht, 0);
    while (n-- > 0 && ht->used[0] != 0) {
        ASSERT((size_t)ht->rehash_idx < size0);
        while (ht->buckets[0][ht->rehash_idx] == NULL) {
            ht->rehash_idx++;
            if (--empty_budget == 0) return true;
        }
        htable_node *node = ht->buckets[0][ht->rehash_idx];
        while (node) {
            htable_node *next = node->next;
            size_t idx = ht->type->node_hash(node) & mask1;
            node->next = ht->buckets[1][idx];
            ht->buckets[1][idx] = node;
            ht->used[0]--;
            ht->used[1]++;
            node = next;
        }
        ht->buckets[0][ht->rehash_idx] = NULL;
        ht->rehash_idx++;
    }
    finish_rehash_if_done(ht);
    return htable_is_rehashing(ht);
}

bool htable_rehash_for(htable *ht, int64_t budget_us) {
    int64_t start = clock_mono_us();
    while (htable_rehash_steps(ht, 100)) {
        if (clock_mono_us() - start >= budget_us) return true;
    }
    return false;
}

static inline void rehash_step_if_allowed(htable *ht) {
    if (ht->pause_rehash == 0 && htable_is_rehashing(ht)) htable_rehash_steps(ht, 1);
}

htable_node **htable_find_link(htable *ht, const void *key, size_t len, uint64_t hash) {
    if (htable_count(ht) == 0) return NULL;
    rehash_step_if_allowed(ht);
    for (int t = 0; t <= 1; t++) {
        if (ht->buckets[t] == NULL) break;
        size_t idx = hash & ht_mask(ht, t);
        /* Buckets of [0] below rehash_idx are already moved and empty. */
        htable_node **link = &ht->buckets[t][idx];
        while (*link) {
            if (ht->type->key_equals(*link, key, len)) return link;
            link = &(*link)->next;
        }
        if (!htable_is_rehashing(ht)) break;
    }
    return NULL;
}

htable_node *htable_find(htable *ht, const void *key, size_t len, uint64_t hash) {
    htable_node **link = htable_find_link(ht, key, len, hash);
    return link ? *link : NULL;
}

void htable_replace_at(htable_node **link, htable_node *newnode) {
    newnode->next = (*link)->next;
    *link = newnode;
}

/* While a forked child (a snapshot) shares the parent's memory, every page
 * a resize touches gets copied: tables then grow only when chains get long
 * (5 elements per bucket) and never shrink, as Redis does. */
static bool resize_avoided;

void htable_avoid_resize(bool avoid) {
    resize_avoided = avoid;
}

static void maybe_grow(htable *ht) {
    if (htable_is_rehashing(ht)) return;
    if (ht->buckets[0] == NULL) {
        resize_to(ht, HT_MIN_EXP);
        return;
    }
    size_t size = ht_size(ht, 0);
    if (ht->used[0] >= (resize_avoided ? 5 * size : size)) resize_to(ht, (int8_t)(ht->exp[0] + 1));
}

static void maybe_shrink(htable *ht) {
    if (htable_is_rehashing(ht) || ht->pause_rehash || resize_avoided) return;
    size_t size = ht_size(ht, 0);
    if (size <= ((size_t)1 << HT_MIN_EXP) || ht->used[0] * 8 >= size) return;
    resize_to(ht, exp_for(ht->used[0]));
}

void htable_insert(htable *ht, htable_node *node, uint64_t hash) {
    rehash_step_if_allowed(ht);
    maybe_grow(ht);
    int t = htable_is_rehashing(ht) ? 1 : 0;
    size_t idx = hash & ht_mask(ht, t);
    node->next = ht->buckets[t][idx];
    ht->buckets[t][idx] = node;
    ht->used[t]++;
}

static void account_removed(htable *ht, int t) {
    ht->used[t]--;
    if (htable_is_rehashing(ht))
        finish_rehash_if_done(ht);
    else
        maybe_shrink(ht);
}

htable_node *htable_remove(htable *ht, const void *key, size_t len, uint64_t hash) {
    if (htable_count(ht) == 0) return NULL;
    rehash_step_if_allowed(ht);
    for (int t = 0; t <= 1; t++) {
        if (ht->buckets[t] == NULL) break;
        htable_node **link = &ht->buckets[t][hash & ht_mask(ht, t)];
        while (*link) {
            if (ht->type->key_equals(*link, key, len)) {
                htable_node *node = *link;
                *link = node->next;
                node->next = NULL;
                account_removed(ht, t);
                return node;
            }
            link = &(*link)->next;
        }
        if (!htable_is_rehashing(ht)) break;
    }
    return NULL;
}

bool htable_remove_node(htable *ht, htable_node *node) {
    uint64_t hash = ht->type->node_hash(node);
    for (int t = 0; t <= 1; t++) {
        if (ht->buckets[t] == NULL) break;
        htable_node **link = &ht->buckets[t][hash & ht_mask(ht, t)];
        while (*link) {
            if (*link == node) {
                *link = node->next;
                node->next = NULL;
                account_removed(ht, t);
                return true;
            }
            link = &(*link)->next;
        }
    }
    return false;
}

void htable_clear(htable *ht, void (*free_node)(htable_node *node, void *ctx), void *ctx) {
    for (int t = 0; t <= 1; t++) {
        size_t size = ht_size(ht, t);
        for (size_t i = 0; i < size && ht->used[t] > 0; i++) {
            htable_node *node = ht->buckets[t][i];
            while (node) {
                htable_node *next = node->next;
                if (free_node) free_node(node, ctx);
                ht->used[t]--;
                node = next;
            }
        }
    }
    htable_fini(ht);
}

bool htable_walk(const htable *ht, bool (*fn)(htable_node *node, void *ctx), void *ctx) {
    bool go_on = true;
    for (int t = 0; t <= 1 && go_on; t++) {
        size_t size = ht_size(ht, t);
        for (size_t i = 0; i < size && go_on; i++) {
            htable_node *node = ht->buckets[t][i];
            while (node && go_on) {
                htable_node *next = node->next;
                go_on = fn(node, ctx);
                node = next;
            }
        }
    }
    return go_on;
}

bool htable_foreach(htable *ht, bool (*fn)(htable_node *node, void *ctx), void *ctx) {
    ht->pause_rehash++;
    bool go_on = htable_walk(ht, fn, ctx);
    ht->pause_rehash--;
    return go_on;
}

static inline uint64_t rev64(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
    return (v >> 32) | (v << 32);
}

/* Increments the high bits first: the cursor walks buckets in bit-reversed
 * order, so buckets visited in a small array correspond to whole groups of
 * buckets in a larger one, and vice versa. */
static inline uint64_t next_cursor(uint64_t v, uint64_t mask) {
    v |= ~mask;
    v = rev64(v);
    v++;
    return rev64(v);
}

static void visit_chain(htable_node *node, void (*fn)(htable_node *, void *), void *ctx) {
    while (node) {
        htable_node *next = node->next;
        fn(node, ctx);
        node = next;
    }
}

uint64_t htable_scan(htable *ht, uint64_t cursor, void (*fn)(htable_node *node, void *ctx),
                     void *ctx) {
    if (htable_count(ht) == 0) return 0;
    ht->pause_rehash++;
    if (!htable_is_rehashing(ht)) {
        uint64_t m0 = ht_mask(ht, 0);
        visit_chain(ht->buckets[0][cursor & m0], fn, ctx);
        cursor = next_cursor(cursor, m0);
    } else {
        int small = ht->exp[0] <= ht->exp[1] ? 0 : 1;
        int large = 1 - small;
        uint64_t m0 = ht_mask(ht, small), m1 = ht_mask(ht, large);
        visit_chain(ht->buckets[small][cursor & m0], fn, ctx);
        /* Visit every bucket of the larger array that expands from the
         * smaller array's bucket. */
        do {
            visit_chain(ht->buckets[large][cursor & m1], fn, ctx);
            cursor = next_cursor(cursor, m1);
        } while (cursor & (m0 ^ m1));
    }
    ht->pause_rehash--;
    return cursor;
}

htable_node *htable_random(htable *ht) {
    if (htable_count(ht) == 0) return NULL;
    rehash_step_if_allowed(ht);
    htable_node *head = NULL;
    if (htable_is_rehashing(ht)) {
        size_t s0 = ht_size(ht, 0), s1 = ht_size(ht, 1);
        do {
            /* Buckets of [0] below rehash_idx are empty: skip them. */
            size_t idx = (size_t)ht->rehash_idx + random_below(s0 + s1 - (size_t)ht->rehash_idx);
            head = idx >= s0 ? ht->buckets[1][idx - s0] : ht->buckets[0][idx];
        } while (head == NULL);
    } else {
        size_t mask = ht_mask(ht, 0);
        do {
            head = ht->buckets[0][random_u64() & mask];
        } while (head == NULL);
    }
    size_t len = 0;
    for (htable_node *n = head; n; n = n->next) len++;
    size_t pick = random_below(len);
    while (pick--) head = head->next;
    return head;
}

size_t htable_sample(htable *ht, htable_node **out, size_t count) {
    size_t total = htable_count(ht);
    if (total == 0 || count == 0) return 0;
    if (count > total) count = total;
    rehash_step_if_allowed(ht);
    int tables = htable_is_rehashing(ht) ? 2 : 1;
    size_t maxmask = ht_mask(ht, 0);
    if (tables == 2 && ht_mask(ht, 1) > maxmask) maxmask = ht_mask(ht, 1);
    size_t idx = random_u64() & maxmask;
    size_t got = 0, empty_run = 0, max_steps = count * 10;
    while (got < count && max_steps-- > 0) {
        for (int t = 0; t < tables; t++) {
            if (t == 0 && tables == 2 && idx < (size_t)ht->rehash_idx) continue;
            if (idx > ht_mask(ht, t)) continue;
            htable_node *node = ht->buckets[t][idx];
            if (node == NULL) {
                /* After a long empty run jump elsewhere, the table may be
                 * sparse around here. */
                if (++empty_run >= 5 && empty_run > count) {
                    idx = random_u64() & maxmask;
                    empty_run = 0;
                }
                continue;
            }
            empty_run = 0;
            while (node && got < count) {
                out[got++] = node;
                node = node->next;
            }
        }
        idx = (idx + 1) & maxmask;
    }
    return got;
}
