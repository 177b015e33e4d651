#ifndef DATA_KV_H
#define DATA_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/htable.h"

/* A keyspace entry: key, value, expiry and access metadata in one
 * allocation.
 *
 *   node      chain pointer of the slot's hash table      8 bytes
 *   meta      lru/lfu clock (24 bits), type (4), enc (4)   4 bytes
 *   flags     KV_HAS_EXPIRE                                1 byte
 *   [expire]  absolute Unix ms, only if KV_HAS_EXPIRE      8 bytes
 *   keylen    varint                                       1-5 bytes
 *   key bytes
 *   payload   by encoding:
 *               EMBSTR  varint length + bytes (strings up to 44 bytes)
 *               INT     8-byte int64
 *               RAW     pointer to a kv_str (longer or appended strings)
 *
 * A 16-byte key with a 16-byte value takes 47 bytes, a 48-byte size class.
 * Because the value may live inside the entry, changing its size or adding
 * an expiry may move the entry: every function that can do that returns the
 * new address and the keyspace relinks it. */

enum kv_type { KV_STRING = 0, KV_LIST = 1, KV_SET = 2, KV_ZSET = 3, KV_HASH = 4, KV_STREAM = 6 };
enum kv_enc { KV_ENC_EMBSTR = 0, KV_ENC_INT = 1, KV_ENC_RAW = 2 };

#define KV_HAS_EXPIRE 0x01

/* Strings up to this length are embedded (Redis compat: the "embstr" limit
 * OBJECT ENCODING reports). */
#define KV_EMBSTR_MAX 44

typedef struct kv {
    htable_node node;
    uint32_t meta;
    uint8_t flags;
    unsigned char data[];
} kv;

/* Growable heap string used by RAW values. */
typedef struct kv_str {
    size_t len;
    size_t cap;
    char data[];
} kv_str;

/* Room for formatting an INT-encoded value. */
#define KV_INT_BUF 24

static inline enum kv_type kv_type_of(const kv *e) {
    return (enum kv_type)((e->meta >> 4) & 0xf);
}
static inline enum kv_enc kv_enc_of(const kv *e) {
    return (enum kv_enc)(e->meta & 0xf);
}
static inline uint32_t kv_clock_of(const kv *e) {
    return e->meta >> 8;
}
static inline void kv_set_clock(kv *e, uint32_t clock24) {
    e->meta = (e->meta & 0xff) | (clock24 << 8);
}
static inline bool kv_has_expire(const kv *e) {
    return (e->flags & KV_HAS_EXPIRE) != 0;
}

/* How kv_new_string picks an encoding. */
enum kv_str_mode {
    KV_STR_AUTO = 0, /* INT for canonical integers, EMBSTR up to 44 bytes, else RAW */
    KV_STR_NO_INT,   /* as AUTO but never INT (values built from floats) */
    KV_STR_RAW,      /* always RAW (values that are about to grow) */
};

/* New string entry; expire_ms < 0 means no expiry. */
kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen, int64_t expire_ms,
                  enum kv_str_mode mode);
/* New INT-encoded string entry. */
kv *kv_new_int(const char *key, size_t klen, int64_t v, int64_t expire_ms);
void kv_free(kv *e);

const char *kv_key(const kv *e, size_t *len);
int64_t kv_expire(const kv *e); /* -1 when none */
/* Sets the expiry in place; only valid when the entry already has one. */
void kv_update_expire(kv *e, int64_t when_ms);
/* Returns a copy of e with the expiry added/changed (when_ms >= 0) or
 * removed (when_ms < 0); e is freed. The copy keeps clock and value. */
kv *kv_with_expire(kv *e, int64_t when_ms);

/* The string value: a pointer to its bytes (for INT, formatted into tmp). */
const char *kv_str_value(const kv *e, char tmp[KV_INT_BUF], size_t *len);
size_t kv_str_len(const kv *e);
/* For INT encoding: the integer. */
int64_t kv_int_value(const kv *e);
/* Replaces an INT value in place (entry does not move). */
void kv_set_int_value(kv *e, int64_t v);
/* For RAW encoding: the heap string (may be resized by the caller through
 * kv_raw_reserve). */
kv_str *kv_raw(const kv *e);
/* Ensures the RAW string has room for total bytes; returns it. */
kv_str *kv_raw_reserve(kv *e, size_t total);
/* Returns a RAW-encoded copy of e (e freed), for APPEND/SETRANGE. */
kv *kv_to_raw(kv *e, size_t min_cap);

/* Bytes of memory this entry accounts for (allocation sizes). */
size_t kv_memory(const kv *e);
/* A copy of e under a different key (COPY). */
kv *kv_dup_with_key(const kv *e, const char *key, size_t klen);
/* Moves e's value, expiry and access data to a new entry with another key
 * and frees e (RENAME): a heap value is handed over, not copied. */
kv *kv_rekey(kv *e, const char *key, size_t klen);

#endif
