#ifndef BASE_HTABLE_H
#define BASE_HTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Chained hash table with intrusive nodes and incremental rehashing.
 *
 * Elements embed an htable_node (usually as their first member), so a key in
 * the keyspace costs one allocation and one pointer of chaining. The table
 * never allocates per element and never frees elements on its own: removal
 * hands the node back to the caller, htable_clear() calls a callback.
 *
 * Sizes are powers of two. The table grows when it holds as many elements as
 * buckets and shrinks below 1/8 fill. A resize allocates the new bucket array
 * and then moves buckets a few at a time on every lookup/insert/remove (and
 * from htable_rehash_for(), driven by the server's cron), so no single call
 * pays for the whole move. While rehashing, lookups probe both arrays and
 * inserts go to the new one. */

typedef struct htable_node {
    struct htable_node *next;
} htable_node;

typedef struct htable_type {
    /* Hash of the key stored in node (must equal hash_key of that key). */
    uint64_t (*node_hash)(const htable_node *node);
    uint64_t (*hash_key)(const void *key, size_t len);
    bool (*key_equals)(const htable_node *node, const void *key, size_t len);
} htable_type;

typedef struct htable {
    const htable_type *type;
    htable_node **buckets[2];
    size_t used[2];
    int8_t exp[2];       /* log2 of bucket count, -1 when the array is absent */
    int64_t rehash_idx;  /* next bucket of buckets[0] to move, -1 when idle */
    int16_t pause_rehash; /* >0 while a safe iteration is running */
} htable;

void htable_init(htable *ht, const htable_type *type);
/* Frees the bucket arrays; nodes are the caller's (see htable_clear). */
void htable_fini(htable *ht);

size_t htable_count(const htable *ht);
/* Buckets currently allocated (both arrays while rehashing). */
size_t htable_bucket_count(const htable *ht);
bool htable_is_rehashing(const htable *ht);

/* Returns the node with this key or NULL. hash = type->hash_key(key, len). */
htable_node *htable_find(htable *ht, const void *key, size_t len, uint64_t hash);
/* Returns the link that points at the node with this key, or NULL. The link
 * stays valid until the table is next modified (or a lookup rehashes). Use it
 * with htable_replace_at() to swap a node for a reallocated copy. */
htable_node **htable_find_link(htable *ht, const void *key, size_t len, uint64_t hash);
/* Puts newnode where *link's node was; the old node is the caller's. */
void htable_replace_at(htable_node **link, htable_node *newnode);
/* Inserts a node whose key is not yet present. */
void htable_insert(htable *ht, htable_node *node, uint64_t hash);
/* Unlinks and returns the node with this key, or NULL. */
htable_node *htable_remove(htable *ht, const void *key, size_t len, uint64_t hash);
/* Unlinks a node known to be in the table (identity, not key, comparison). */
bool htable_remove_node(htable *ht, htable_node *node);

/* Calls free_node on every element and empties the table. */
void htable_clear(htable *ht, void (*free_node)(htable_node *node, void *ctx), void *ctx);

/* Moves up to n buckets (visiting at most 10*n empty ones). Returns true if
 * more rehashing remains. */
bool htable_rehash_steps(htable *ht, int n);
/* Process-wide: while true (a forked child is writing a snapshot), tables
 * grow only when much fuller than usual and never shrink, so that the
 * child's copy-on-write pages stay few. */
void htable_avoid_resize(bool avoid);

/* Rehashes for about budget_us microseconds; returns true if work remains. */
bool htable_rehash_for(htable *ht, int64_t budget_us);

/* Visits every element. The callback must not add or remove elements;
 * rehashing is paused meanwhile. Returns false as soon as fn does. */
bool htable_foreach(htable *ht, bool (*fn)(htable_node *node, void *ctx), void *ctx);
/* Like htable_foreach for a callback that changes nothing in the table:
 * it writes nothing itself either, so walking a forked child's copy (a
 * snapshot) does not make the kernel copy the table's pages. */
bool htable_walk(const htable *ht, bool (*fn)(htable_node *node, void *ctx), void *ctx);

/* One step of a stateless scan. Start with cursor 0; the returned cursor is 0
 * when the scan is complete. Every element present for the whole scan is
 * visited at least once, even if the table grows or shrinks between calls
 * (reverse-binary cursor increments). fn must not modify the table. */
uint64_t htable_scan(htable *ht, uint64_t cursor, void (*fn)(htable_node *node, void *ctx),
                     void *ctx);

/* A random element (NULL if empty): a random non-empty bucket, then a random
 * element of its chain. */
htable_node *htable_random(htable *ht);
/* Up to count elements taken from consecutive buckets starting at a random
 * position; faster than count calls to htable_random, less uniform. */
size_t htable_sample(htable *ht, htable_node **out, size_t count);

/* Bytes used by the bucket arrays (not the elements). */
size_t htable_overhead_bytes(const htable *ht);

#endif
