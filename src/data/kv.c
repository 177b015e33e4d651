/* kv: packed keyspace entries.
 *
 * One allocation per key, with the key and small values embedded, is what
 * gets us under Redis's per-key overhead (Redis 7.0 spends a dictEntry, an
 * sds key and a robj, three allocations, on every key). The cost is that an
 * entry is a byte layout rather than a struct: all offsets are computed here
 * and nowhere else. Lengths are LEB128 varints; integers are stored with
 * memcpy so no field needs alignment. */
#include "data/kv.h"

#include <string.h>

#include "base/check.h"
#include "base/mem.h"
#include "base/number.h"

#define HDR_SIZE (offsetof(kv, data))

static size_t varint_size(size_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t varint_put(unsigned char *p, size_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static size_t varint_get(const unsigned char *p, size_t *v) {
    size_t out = 0, n = 0;
    unsigned shift = 0;
    for (;;) {
        unsigned char b = p[n++];
        out |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
    }
    *v = out;
    return n;
}

/* Offset of the varint key length. */
static inline size_t key_off(const kv *e) {
    return kv_has_expire(e) ? 8 : 0;
}

/* Offset of the payload, and the key position/length on the way. */
static size_t payload_off(const kv *e, const unsigned char **key, size_t *klen) {
    size_t off = key_off(e);
    size_t len;
    off += varint_get(e->data + off, &len);
    if (key) *key = e->data + off;
    if (klen) *klen = len;
    return off + len;
}

static size_t payload_size(const kv *e, size_t off) {
    switch (kv_enc_of(e)) {
    case KV_ENC_INT: return 8;
    case KV_ENC_RAW: return sizeof(kv_str *);
    case KV_ENC_EMBSTR: {
        size_t vlen;
        size_t n = varint_get(e->data + off, &vlen);
        return n + vlen;
    }
    }
    UNREACHABLE();
}

static kv *alloc_entry(size_t body, enum kv_type type, enum kv_enc enc, bool has_expire) {
    kv *e = mem_alloc(HDR_SIZE + body);
    e->node.next = NULL;
    e->meta = ((uint32_t)type << 4) | (uint32_t)enc;
    e->flags = has_expire ? KV_HAS_EXPIRE : 0;
    return e;
}

/* Writes expire + key; returns the payload offset. */
static size_t put_head(kv *e, const char *key, size_t klen, int64_t expire_ms) {
    size_t off = 0;
    if (expire_ms >= 0) {
        memcpy(e->data, &expire_ms, 8);
        off = 8;
    }
    off += varint_put(e->data + off, klen);
    memcpy(e->data + off, key, klen);
    return off + klen;
}

static size_t head_size(size_t klen, int64_t expire_ms) {
    return (expire_ms >= 0 ? 8 : 0) + varint_size(klen) + klen;
}

static kv_str *str_new(const char *data, size_t len, size_t cap) {
    if (cap < len) cap = len;
    kv_str *s = mem_alloc(sizeof(kv_str) + cap + 1);
    s->cap = mem_usable_size(s) - sizeof(kv_str) - 1;
    s->len = len;
    if (len) memcpy(s->data, data, len);
    s->data[len] = '\0';
    return s;
}

kv *kv_new_int(const char *key, size_t klen, int64_t v, int64_t expire_ms) {
    kv *e = alloc_entry(head_size(klen, expire_ms) + 8, KV_STRING, KV_ENC_INT, expire_ms >= 0);
    size_t off = put_head(e, key, klen, expire_ms);
    memcpy(e->data + off, &v, 8);
    return e;
}

kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen, int64_t expire_ms,
                  enum kv_str_mode mode) {
    int64_t iv;
    if (mode == KV_STR_AUTO && vlen <= 20 && number_parse_i64(val, vlen, &iv))
        return kv_new_int(key, klen, iv, expire_ms);
    if (mode != KV_STR_RAW && vlen <= KV_EMBSTR_MAX) {
        size_t body = head_size(klen, expire_ms) + varint_size(vlen) + vlen;
        kv *e = alloc_entry(body, KV_STRING, KV_ENC_EMBSTR, expire_ms >= 0);
        size_t off = put_head(e, key, klen, expire_ms);
        off += varint_put(e->data + off, vlen);
        memcpy(e->data + off, val, vlen);
        return e;
    }
    kv *e = alloc_entry(head_size(klen, expire_ms) + sizeof(kv_str *), KV_STRING, KV_ENC_RAW,
                        expire_ms >= 0);
    size_t off = put_head(e, key, klen, expire_ms);
    kv_str *s = str_new(val, vlen, vlen);
    memcpy(e->data + off, &s, sizeof(s));
    return e;
}

kv_str *kv_raw(const kv *e) {
    ASSERT(kv_enc_of(e) == KV_ENC_RAW);
    kv_str *s;
    memcpy(&s, e->data + payload_off(e, NULL, NULL), sizeof(s));
    return s;
}

void kv_free(kv *e) {
    if (e == NULL) return;
    if (kv_enc_of(e) == KV_ENC_RAW) mem_free(kv_raw(e));
    mem_free(e);
}

const char *kv_key(const kv *e, size_t *len) {
    const unsigned char *key;
    payload_off(e, &key, len);
    return (const char *)key;
}

int64_t kv_expire(const kv *e) {
    if (!kv_has_expire(e)) return -1;
    int64_t when;
    memcpy(&when, e->data, 8);
    return when;
}

void kv_update_expire(kv *e, int64_t when_ms) {
    ASSERT(kv_has_expire(e) && when_ms >= 0);
    memcpy(e->data, &when_ms, 8);
}

kv *kv_with_expire(kv *e, int64_t when_ms) {
    if (when_ms >= 0 && kv_has_expire(e)) {
        kv_update_expire(e, when_ms);
        return e;
    }
    if (when_ms < 0 && !kv_has_expire(e)) return e;
    const unsigned char *key;
    size_t klen;
    size_t off = payload_off(e, &key, &klen);
    size_t psize = payload_size(e, off);
    kv *n = alloc_entry(head_size(klen, when_ms) + psize, kv_type_of(e), kv_enc_of(e), when_ms >= 0);
    n->meta = e->meta;
    size_t noff = put_head(n, (const char *)key, klen, when_ms);
    memcpy(n->data + noff, e->data + off, psize);
    mem_free(e); /* the payload (and any RAW pointer) now belongs to n */
    return n;
}

int64_t kv_int_value(const kv *e) {
    ASSERT(kv_enc_of(e) == KV_ENC_INT);
    int64_t v;
    memcpy(&v, e->data + payload_off(e, NULL, NULL), 8);
    return v;
}

void kv_set_int_value(kv *e, int64_t v) {
    ASSERT(kv_enc_of(e) == KV_ENC_INT);
    memcpy(e->data + payload_off(e, NULL, NULL), &v, 8);
}

const char *kv_str_value(const kv *e, char tmp[KV_INT_BUF], size_t *len) {
    size_t off = payload_off(e, NULL, NULL);
    switch (kv_enc_of(e)) {
    case KV_ENC_INT: {
        int64_t v;
        memcpy(&v, e->data + off, 8);
        *len = number_format_i64(tmp, v);
        return tmp;
    }
    case KV_ENC_EMBSTR: {
        size_t n = varint_get(e->data + off, len);
        return (const char *)e->data + off + n;
    }
    case KV_ENC_RAW: {
        kv_str *s;
        memcpy(&s, e->data + off, sizeof(s));
        *len = s->len;
        return s->data;
    }
    }
    UNREACHABLE();
}

size_t kv_str_len(const kv *e) {
    char tmp[KV_INT_BUF];
    size_t len;
    kv_str_value(e, tmp, &len);
    return len;
}

kv_str *kv_raw_reserve(kv *e, size_t total) {
    size_t off = payload_off(e, NULL, NULL);
    kv_str *s;
    memcpy(&s, e->data + off, sizeof(s));
    if (total <= s->cap) return s;
    /* Grow greedily, as APPEND in a loop is a common pattern. */
    size_t cap = total < 1024 * 1024 ? total * 2 : total + 1024 * 1024;
    s = mem_realloc(s, sizeof(kv_str) + cap + 1);
    s->cap = mem_usable_size(s) - sizeof(kv_str) - 1;
    memcpy(e->data + off, &s, sizeof(s));
    return s;
}

kv *kv_to_raw(kv *e, size_t min_cap) {
    if (kv_enc_of(e) == KV_ENC_RAW) {
        kv_raw_reserve(e, min_cap);
        return e;
    }
    char tmp[KV_INT_BUF];
    size_t vlen;
    const char *v = kv_str_value(e, tmp, &vlen);
    kv_str *s = str_new(v, vlen, min_cap);
    size_t klen;
    const char *key = kv_key(e, &klen);
    int64_t exp = kv_expire(e);
    kv *n = alloc_entry(head_size(klen, exp) + sizeof(kv_str *), KV_STRING, KV_ENC_RAW, exp >= 0);
    n->meta = (e->meta & ~0xfu) | KV_ENC_RAW;
    size_t off = put_head(n, key, klen, exp);
    memcpy(n->data + off, &s, sizeof(s));
    mem_free(e);
    return n;
}

size_t kv_memory(const kv *e) {
    size_t total = mem_usable_size(e);
    if (kv_enc_of(e) == KV_ENC_RAW) total += mem_usable_size(kv_raw(e));
    return total;
}

kv *kv_dup_with_key(const kv *e, const char *key, size_t klen) {
    char tmp[KV_INT_BUF];
    size_t vlen;
    const char *v = kv_str_value(e, tmp, &vlen);
    kv *n;
    switch (kv_enc_of(e)) {
    case KV_ENC_INT: n = kv_new_int(key, klen, kv_int_value(e), kv_expire(e)); break;
    case KV_ENC_RAW: n = kv_new_string(key, klen, v, vlen, kv_expire(e), KV_STR_RAW); break;
    default: n = kv_new_string(key, klen, v, vlen, kv_expire(e), KV_STR_NO_INT); break;
    }
    n->meta = (n->meta & 0xff) | (e->meta & ~0xffu);
    return n;
}

kv *kv_rekey(kv *e, const char *key, size_t klen) {
    size_t off = payload_off(e, NULL, NULL);
    size_t psize = payload_size(e, off);
    int64_t exp = kv_expire(e);
    kv *n = alloc_entry(head_size(klen, exp) + psize, kv_type_of(e), kv_enc_of(e), exp >= 0);
    n->meta = e->meta;
    size_t noff = put_head(n, key, klen, exp);
    memcpy(n->data + noff, e->data + off, psize);
    mem_free(e); /* the payload, heap pointer included, now belongs to n */
    return n;
}
