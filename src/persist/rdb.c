/* rdb: save and load RDB snapshots (format version 10, Redis 7.0).
 *
 * Saving streams through a 64 KiB buffer that keeps a running CRC-64, so the
 * whole dataset is never copied. Loading reads the file through a similar
 * buffered reader that tracks the byte offset for error messages, and
 * validates every length against what the file can still hold before
 * allocating for it: a corrupt length cannot make us allocate gigabytes.
 *
 * Layout written, per Redis 7.0: "REDIS0010", aux fields (redis-ver,
 * redis-bits, ctime, used-mem, aof-base), then per non-empty database
 * SELECTDB + RESIZEDB and the key/value pairs (EXPIRETIME_MS, IDLE/FREQ,
 * type, key, value), then EOF and the little-endian CRC-64 of everything
 * before it. */
#include "persist/rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <liblzf/lzf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crc64.h"
#include "base/mem.h"
#include "base/number.h"
#include "base/status.h"
#include "data/keyspace.h"
#include "data/kv.h"

enum {
    OP_FUNCTION2 = 245,
    OP_FUNCTION = 246,
    OP_MODULE_AUX = 247,
    OP_IDLE = 248,
    OP_FREQ = 249,
    OP_AUX = 250,
    OP_RESIZEDB = 251,
    OP_EXPIRETIME_MS = 252,
    OP_EXPIRETIME = 253,
    OP_SELECTDB = 254,
    OP_EOF = 255,
};

enum { ENC_INT8 = 0, ENC_INT16 = 1, ENC_INT32 = 2, ENC_LZF = 3 };

#define TYPE_STRING 0
#define IO_CHUNK (64 * 1024)

/* ---- writer ---- */

/* Writes go either to a file through a 64 KiB chunk (snapshots) or straight
 * into a caller's buf (DUMP payloads); both keep the running CRC-64. */
typedef struct writer {
    int fd;      /* -1 when writing to mem */
    buf *mem;
    char *chunk; /* IO_CHUNK bytes, file mode only */
    size_t len;
    uint64_t crc;
    int error; /* first -errno */
} writer;

static void w_flush(writer *w) {
    size_t off = 0;
    while (off < w->len && w->error == 0) {
        ssize_t n = write(w->fd, w->chunk + off, w->len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            w->error = -errno;
            break;
        }
        off += (size_t)n;
    }
    w->len = 0;
}

static void w_bytes(writer *w, const void *data, size_t len) {
    w->crc = crc64(w->crc, data, len);
    if (w->mem != NULL) {
        buf_append(w->mem, data, len);
        return;
    }
    const char *p = data;
    while (len > 0) {
        if (w->len == IO_CHUNK) w_flush(w);
        size_t n = IO_CHUNK - w->len;
        if (n > len) n = len;
        memcpy(w->chunk + w->len, p, n);
        w->len += n;
        p += n;
        len -= n;
    }
}

static void w_u8(writer *w, unsigned v) {
    unsigned char b = (unsigned char)v;
    w_bytes(w, &b, 1);
}

static void w_len(writer *w, uint64_t len) {
    unsigned char b[9];
    if (len < (1 << 6)) {
        b[0] = (unsigned char)len;
        w_bytes(w, b, 1);
    } else if (len < (1 << 14)) {
        b[0] = (unsigned char)(0x40 | (len >> 8));
        b[1] = (unsigned char)(len & 0xff);
        w_bytes(w, b, 2);
    } else if (len <= UINT32_MAX) {
        b[0] = 0x80;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        w_bytes(w, b, 5);
    } else {
        b[0] = 0x81;
        for (int i = 0; i < 8; i++) b[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        w_bytes(w, b, 9);
    }
}

static void w_le64(writer *w, int64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    w_bytes(w, b, 8);
}

/* Integer form of a string, if it is a canonical integer that fits 32 bits. */
static bool w_try_int(writer *w, const char *s, size_t len) {
    int64_t v;
    if (len > 11 || !number_parse_i64(s, len, &v)) return false;
    unsigned char b[5];
    if (v >= -128 && v <= 127) {
        b[0] = 0xC0 | ENC_INT8;
        b[1] = (unsigned char)(v & 0xff);
        w_bytes(w, b, 2);
    } else if (v >= -32768 && v <= 32767) {
        b[0] = 0xC0 | ENC_INT16;
        b[1] = (unsigned char)(v & 0xff);
        b[2] = (unsigned char)((v >> 8) & 0xff);
        w_bytes(w, b, 3);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        b[0] = 0xC0 | ENC_INT32;
        for (int i = 0; i < 4; i++) b[1 + i] = (unsigned char)(((uint32_t)v >> (8 * i)) & 0xff);
        w_bytes(w, b, 5);
    } else {
        return false;
    }
    return true;
}

static bool w_try_lzf(writer *w, const char *s, size_t len) {
    if (len <= 20 || len > UINT32_MAX) return false;
    size_t cap = len - 4;
    char *out = mem_alloc(cap + 1);
    unsigned int clen = lzf_compress(s, (unsigned int)len, out, (unsigned int)cap);
    if (clen == 0) {
        mem_free(out);
        return false;
    }
    w_u8(w, 0xC0 | ENC_LZF);
    w_len(w, clen);
    w_len(w, len);
    w_bytes(w, out, clen);
    mem_free(out);
    return true;
}

static void w_string(writer *w, const char *s, size_t len, bool compress) {
    if (w_try_int(w, s, len)) return;
    if (compress && w_try_lzf(w, s, len)) return;
    w_len(w, len);
    w_bytes(w, s, len);
}

static void w_aux(writer *w, const char *key, const char *val) {
    w_u8(w, OP_AUX);
    w_string(w, key, strlen(key), false);
    w_string(w, val, strlen(val), false);
}

/* The value part of an entry as RDB encodes it: the type byte, then the
 * value. Snapshots put the key between the two; DUMP payloads have none. */
static unsigned object_type(const kv *e) {
    ASSERT(kv_type_of(e) == KV_STRING);
    return TYPE_STRING;
}

static void w_object(writer *w, const kv *e, bool compress) {
    size_t len;
    char tmp[KV_INT_BUF];
    const char *val = kv_str_value(e, tmp, &len);
    w_string(w, val, len, compress);
}

typedef struct save_ctx {
    writer *w;
    const rdb_save_opts *o;
    keyspace *ks;
} save_ctx;

static bool save_entry(kv *e, void *arg) {
    save_ctx *c = arg;
    writer *w = c->w;
    if (kv_has_expire(e)) {
        w_u8(w, OP_EXPIRETIME_MS);
        w_le64(w, kv_expire(e));
    }
    if (c->o->save_lru) {
        w_u8(w, OP_IDLE);
        w_len(w, (uint64_t)(keyspace_idle_ms(c->ks, e) / 1000));
    } else if (c->o->save_lfu) {
        w_u8(w, OP_FREQ);
        w_u8(w, keyspace_lfu_count(c->ks, e));
    }
    w_u8(w, object_type(e));
    size_t klen;
    const char *key = kv_key(e, &klen);
    w_string(w, key, klen, c->o->compress);
    w_object(w, e, c->o->compress);
    return w->error == 0;
}

int rdb_save_fd(keyspace *ks, int fd, const rdb_save_opts *o, buf *err) {
    writer w = {.fd = fd};
    w.chunk = mem_alloc(IO_CHUNK);
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "REDIS%04d", RDB_VERSION);
    w_bytes(&w, tmp, 9);
    w_aux(&w, "redis-ver", "7.0.15");
    w_aux(&w, "redis-bits", sizeof(void *) == 8 ? "64" : "32");
    snprintf(tmp, sizeof(tmp), "%lld", (long long)(o->now_ms / 1000));
    w_aux(&w, "ctime", tmp);
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)o->used_mem);
    w_aux(&w, "used-mem", tmp);
    w_aux(&w, "aof-base", "0");
    save_ctx ctx = {&w, o, ks};
    for (int i = 0; i < keyspace_db_count(ks) && w.error == 0; i++) {
        db *d = keyspace_db(ks, i);
        if (db_size(d) == 0) continue;
        w_u8(&w, OP_SELECTDB);
        w_len(&w, (uint64_t)i);
        w_u8(&w, OP_RESIZEDB);
        w_len(&w, db_size(d));
        w_len(&w, db_volatile_count(d));
        db_foreach(d, save_entry, &ctx);
    }
    w_u8(&w, OP_EOF);
    uint64_t crc = o->checksum ? w.crc : 0;
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(crc >> (8 * i));
    w_bytes(&w, b, 8);
    w_flush(&w);
    mem_free(w.chunk);
    if (w.error < 0) buf_printf(err, "Write error saving DB on disk: %s", strerror(-w.error));
    return w.error;
}

void rdb_dump_payload(const kv *e, bool compress, buf *out) {
    writer w = {.fd = -1, .mem = out};
    w_u8(&w, object_type(e));
    w_object(&w, e, compress);
    unsigned char footer[10];
    footer[0] = RDB_VERSION & 0xff;
    footer[1] = (RDB_VERSION >> 8) & 0xff;
    w_bytes(&w, footer, 2);
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(w.crc >> (8 * i));
    buf_append(out, footer + 2, 8);
}

int rdb_save_file(keyspace *ks, const char *path, const rdb_save_opts *o, buf *err) {
    char tmp[4096];
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) : 0;
    snprintf(tmp, sizeof(tmp), "%.*s%stemp-%d.rdb", dirlen, path, slash ? "/" : "", (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        buf_printf(err, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
                   tmp, ".", strerror(e));
        return -e;
    }
    int rc = rdb_save_fd(ks, fd, o, err);
    if (rc == 0 && fsync(fd) < 0) {
        rc = -errno;
        buf_printf(err, "Failed to fsync %s: %s", tmp, strerror(errno));
    }
    if (close(fd) < 0 && rc == 0) rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -errno;
        buf_printf(err, "Error moving temp DB file %s on the final destination %s: %s", tmp, path,
                   strerror(errno));
    }
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    /* Make the rename durable too. */
    char dir[4096];
    snprintf(dir, sizeof(dir), "%.*s", slash ? dirlen : 1, slash ? path : ".");
    int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* ---- reader ---- */

typedef struct reader {
    const char *name;
    int fd;           /* -1 when reading from memory */
    const unsigned char *mem;
    size_t mem_len;
    unsigned char *chunk;
    size_t chunk_len, chunk_pos;
    uint64_t offset;  /* bytes consumed so far */
    uint64_t total;   /* file size */
    uint64_t crc;
    buf *err;
    bool failed;
} reader;

static bool r_fail(reader *r, uint64_t at, const char *what) {
    if (!r->failed)
        buf_printf(r->err, "Error loading %s at offset %llu: %s", r->name, (unsigned long long)at,
                   what);
    r->failed = true;
    return false;
}

static bool r_fill(reader *r) {
    if (r->fd < 0) return false;
    ssize_t n;
    do {
        n = read(r->fd, r->chunk, IO_CHUNK);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    r->chunk_len = (size_t)n;
    r->chunk_pos = 0;
    return true;
}

static bool r_bytes(reader *r, void *out, size_t len) {
    if (r->failed) return false;
    if (r->total - r->offset < len)
        return r_fail(r, r->offset, "unexpected end of file (the file is truncated)");
    unsigned char *dst = out;
    if (r->fd < 0) {
        memcpy(dst, r->mem + r->offset, len);
    } else {
        size_t done = 0;
        while (done < len) {
            if (r->chunk_pos == r->chunk_len && !r_fill(r))
                return r_fail(r, r->offset + done, "read error (the file is truncated)");
            size_t n = r->chunk_len - r->chunk_pos;
            if (n > len - done) n = len - done;
            memcpy(dst + done, r->chunk + r->chunk_pos, n);
            r->chunk_pos += n;
            done += n;
        }
    }
    r->crc = crc64(r->crc, dst, len);
    r->offset += len;
    return true;
}

static bool r_u8(reader *r, unsigned *v) {
    unsigned char b;
    if (!r_bytes(r, &b, 1)) return false;
    *v = b;
    return true;
}

/* Reads a length; *special is set (and *len holds the encoding) for the
 * 0b11xxxxxx forms. */
static bool r_len(reader *r, uint64_t *len, bool *special) {
    unsigned b0;
    *special = false;
    if (!r_u8(r, &b0)) return false;
    switch (b0 >> 6) {
    case 0: *len = b0 & 0x3f; return true;
    case 1: {
        unsigned b1;
        if (!r_u8(r, &b1)) return false;
        *len = ((uint64_t)(b0 & 0x3f) << 8) | b1;
        return true;
    }
    case 2: {
        unsigned char b[8];
        int n = b0 == 0x80 ? 4 : b0 == 0x81 ? 8 : 0;
        if (n == 0) return r_fail(r, r->offset - 1, "unknown length encoding");
        if (!r_bytes(r, b, (size_t)n)) return false;
        uint64_t v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | b[i];
        *len = v;
        return true;
    }
    default:
        *special = true;
        *len = b0 & 0x3f;
        return true;
    }
}

static bool r_plain_len(reader *r, uint64_t *len) {
    bool special;
    uint64_t at = r->offset;
    if (!r_len(r, len, &special)) return false;
    if (special) return r_fail(r, at, "unexpected encoded integer where a length belongs");
    return true;
}

/* The two lengths of an LZF string. Redis compat: Redis reads them without
 * asking for the encoding, so a 0b11 byte counts as a 6-bit length. */
static bool r_lzf_len(reader *r, uint64_t *len) {
    bool special;
    return r_len(r, len, &special);
}

/* Reads a string into a newly allocated buffer (mem_free it). */
static char *r_string(reader *r, size_t *out_len) {
    uint64_t at = r->offset, len;
    bool special;
    if (!r_len(r, &len, &special)) return NULL;
    if (special) {
        unsigned char b[4];
        int64_t v;
        switch (len) {
        case ENC_INT8:
            if (!r_bytes(r, b, 1)) return NULL;
            v = (int8_t)b[0];
            break;
        case ENC_INT16:
            if (!r_bytes(r, b, 2)) return NULL;
            v = (int16_t)(b[0] | (b[1] << 8));
            break;
        case ENC_INT32:
            if (!r_bytes(r, b, 4)) return NULL;
            v = (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
                          ((uint32_t)b[3] << 24));
            break;
        case ENC_LZF: {
            uint64_t clen, ulen;
            if (!r_lzf_len(r, &clen) || !r_lzf_len(r, &ulen)) return NULL;
            if (clen > r->total - r->offset) {
                r_fail(r, at, "compressed string longer than the rest of the file");
                return NULL;
            }
            /* LZF expands at most ~ (len/8 + 1) * 33 / 32: refuse lies. */
            if (ulen > UINT32_MAX || ulen > clen * 256 + 64) {
                r_fail(r, at, "invalid compressed string length");
                return NULL;
            }
            char *c = mem_alloc(clen + 1);
            char *u = mem_alloc(ulen + 1);
            /* Redis compat: Redis accepts the result when lzf_decompress
             * returns the expected length, and a failed call returns 0, so
             * an empty string is accepted whatever its compressed bytes. */
            bool ok = r_bytes(r, c, clen) &&
                      (ulen == 0 ||
                       lzf_decompress(c, (unsigned int)clen, u, (unsigned int)ulen) == ulen);
            mem_free(c);
            if (!ok) {
                mem_free(u);
                r_fail(r, at, "invalid LZF compressed string");
                return NULL;
            }
            *out_len = ulen;
            return u;
        }
        default: r_fail(r, at, "unknown string encoding"); return NULL;
        }
        char *s = mem_alloc(NUMBER_I64_MAX_CHARS);
        *out_len = number_format_i64(s, v);
        return s;
    }
    if (len > r->total - r->offset) {
        r_fail(r, at, "string longer than the rest of the file");
        return NULL;
    }
    char *s = mem_alloc(len + 1);
    if (!r_bytes(r, s, len)) {
        mem_free(s);
        return NULL;
    }
    *out_len = len;
    return s;
}

static const char *type_name(unsigned t) {
    switch (t) {
    case 1: case 10: case 14: case 18: return "list";
    case 2: case 11: case 20: return "set";
    case 3: case 5: case 12: case 17: return "zset";
    case 4: case 9: case 13: case 16: return "hash";
    case 6: case 7: return "module";
    case 15: case 19: case 21: return "stream";
    default: return "unknown";
    }
}

static bool read_aux(reader *r, rdb_load_info *info) {
    size_t klen, vlen;
    char *k = r_string(r, &klen);
    if (k == NULL) return false;
    char *v = r_string(r, &vlen);
    if (v == NULL) {
        mem_free(k);
        return false;
    }
    v[vlen] = '\0';
    if (klen == 9 && memcmp(k, "redis-ver", 9) == 0)
        snprintf(info->redis_ver, sizeof(info->redis_ver), "%s", v);
    else if (klen == 5 && memcmp(k, "ctime", 5) == 0)
        info->ctime = strtoll(v, NULL, 10);
    else if (klen == 8 && memcmp(k, "used-mem", 8) == 0)
        info->used_mem = strtoull(v, NULL, 10);
    mem_free(k);
    mem_free(v);
    return true;
}

typedef struct pending_meta {
    int64_t expire;
    int64_t idle_s;
    int freq;
} pending_meta;

/* Redis 7.0.15's value type bytes (rdbIsObjectType): 0-7 and 9-19. */
static bool is_redis_type(unsigned type) {
    return type <= 7 || (type >= 9 && type <= 19);
}

/* Checks that the type byte read at offset at is one this server stores. */
static bool r_value_type(reader *r, unsigned type, uint64_t at) {
    if (type == TYPE_STRING) return true;
    char msg[96];
    snprintf(msg, sizeof(msg), "value type %u (%s) is not supported by this server", type,
             type_name(type));
    return r_fail(r, at, msg);
}

/* Reads a value (of a type r_value_type accepted) and builds the entry for
 * key with it; NULL on failure. The encoding is chosen afresh, as Redis's
 * loader does (tryObjectEncoding), not taken from the file. */
static kv *r_object(reader *r, const char *key, size_t klen, int64_t expire_ms) {
    size_t vlen;
    char *val = r_string(r, &vlen);
    if (val == NULL) return NULL;
    kv *e = kv_new_string(key, klen, val, vlen, expire_ms, KV_STR_AUTO);
    mem_free(val);
    return e;
}

static bool read_pair(reader *r, keyspace *ks, db *d, unsigned type, pending_meta *m,
                      const rdb_load_opts *o, rdb_load_info *info) {
    uint64_t at = r->offset - 1;
    if (!r_value_type(r, type, at)) return false;
    size_t klen;
    char *key = r_string(r, &klen);
    if (key == NULL) return false;
    kv *e = r_object(r, key, klen, m->expire);
    if (e == NULL) {
        mem_free(key);
        return false;
    }
    bool ok = true;
    if (o->skip_expired && m->expire >= 0 && m->expire < o->now_ms) {
        info->keys_expired++;
        kv_free(e);
    } else if (db_find(d, key, klen) != NULL) {
        kv_free(e);
        ok = r_fail(r, at, "duplicate key");
    } else {
        db_insert(d, NULL, e);
        keyspace_restore_access(ks, e, m->freq, m->idle_s);
        info->keys_loaded++;
    }
    mem_free(key);
    m->expire = m->idle_s = m->freq = -1;
    return ok;
}

static int load(reader *r, keyspace *ks, const rdb_load_opts *o, rdb_load_info *info) {
    memset(info, 0, sizeof(*info));
    char magic[10] = {0};
    if (!r_bytes(r, magic, 9)) return ERR_SYNTAX;
    if (memcmp(magic, "REDIS", 5) != 0) {
        r_fail(r, 0, "wrong signature trying to load DB from file");
        return ERR_SYNTAX;
    }
    int version = atoi(magic + 5);
    if (version < 1 || version > RDB_VERSION) {
        char msg[64];
        snprintf(msg, sizeof(msg), "can't handle RDB format version %d", version);
        r_fail(r, 5, msg);
        return ERR_SYNTAX;
    }
    info->rdb_version = version;
    db *d = keyspace_db(ks, 0);
    pending_meta m = {-1, -1, -1};
    for (;;) {
        unsigned op;
        uint64_t at = r->offset;
        if (!r_u8(r, &op)) return ERR_SYNTAX;
        if (op == OP_EOF) break;
        switch (op) {
        case OP_EXPIRETIME_MS: {
            unsigned char b[8];
            if (!r_bytes(r, b, 8)) return ERR_SYNTAX;
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
            m.expire = (int64_t)v;
            break;
        }
        case OP_EXPIRETIME: {
            unsigned char b[4];
            if (!r_bytes(r, b, 4)) return ERR_SYNTAX;
            uint32_t v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
                         ((uint32_t)b[3] << 24);
            m.expire = (int64_t)v * 1000;
            break;
        }
        case OP_IDLE: {
            uint64_t idle;
            if (!r_plain_len(r, &idle)) return ERR_SYNTAX;
            m.idle_s = (int64_t)idle;
            break;
        }
        case OP_FREQ: {
            unsigned f;
            if (!r_u8(r, &f)) return ERR_SYNTAX;
            m.freq = (int)f;
            break;
        }
        case OP_SELECTDB: {
            uint64_t id;
            if (!r_plain_len(r, &id)) return ERR_SYNTAX;
            if (id >= (uint64_t)keyspace_db_count(ks)) {
                char msg[160];
                snprintf(msg, sizeof(msg),
                         "the file was created by a server configured with more than %d "
                         "databases (it selects db %llu)",
                         keyspace_db_count(ks), (unsigned long long)id);
                r_fail(r, at, msg);
                return ERR_RANGE;
            }
            d = keyspace_db(ks, (int)id);
            break;
        }
        case OP_RESIZEDB: {
            uint64_t a, b;
            if (!r_plain_len(r, &a) || !r_plain_len(r, &b)) return ERR_SYNTAX;
            break;
        }
        case OP_AUX:
            if (!read_aux(r, info)) return ERR_SYNTAX;
            break;
        case OP_MODULE_AUX:
            r_fail(r, at, "module data is not supported by this server");
            return ERR_TYPE;
        case OP_FUNCTION:
        case OP_FUNCTION2:
            r_fail(r, at, "function libraries are not supported by this server");
            return ERR_TYPE;
        default:
            if (!read_pair(r, ks, d, op, &m, o, info)) return ERR_SYNTAX;
            if (o->progress && (info->keys_loaded & 1023) == 0) o->progress(o->progress_ctx);
            break;
        }
    }
    if (version >= 5) {
        uint64_t expect = r->crc;
        unsigned char b[8];
        if (!r_bytes(r, b, 8)) return ERR_SYNTAX;
        uint64_t got = 0;
        for (int i = 7; i >= 0; i--) got = (got << 8) | b[i];
        if (o->verify_checksum && got != 0 && got != expect) {
            r_fail(r, r->offset - 8, "wrong RDB checksum (the file is corrupt)");
            return ERR_IO;
        }
    }
    return 0;
}

static int finish_load(reader *r, keyspace *ks, const rdb_load_opts *o, rdb_load_info *info) {
    int rc = load(r, ks, o, info);
    if (rc >= 0) info->end_offset = r->offset;
    if (rc < 0) {
        for (int i = 0; i < keyspace_db_count(ks); i++) db_flush(keyspace_db(ks, i), false);
        if (!r->failed) r_fail(r, r->offset, "unexpected error");
    }
    return rc;
}

static void reader_init_mem(reader *r, const void *data, size_t len, const char *name, buf *err) {
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->fd = -1;
    r->mem = data;
    r->mem_len = len;
    r->total = len;
    r->err = err;
}

int rdb_load_buffer(keyspace *ks, const void *data, size_t len, const char *name,
                    const rdb_load_opts *o, rdb_load_info *info, buf *err) {
    reader r;
    reader_init_mem(&r, data, len, name, err);
    return finish_load(&r, ks, o, info);
}

int rdb_load_file(keyspace *ks, const char *path, const rdb_load_opts *o, rdb_load_info *info,
                  buf *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e != ENOENT) buf_printf(err, "Error opening %s: %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        buf_printf(err, "Error reading %s: %s", path, strerror(e));
        return -e;
    }
    reader r = {0};
    r.name = path;
    r.fd = fd;
    r.total = (uint64_t)st.st_size;
    r.chunk = mem_alloc(IO_CHUNK);
    r.err = err;
    int rc = finish_load(&r, ks, o, info);
    mem_free(r.chunk);
    close(fd);
    return rc;
}

/* ---- DUMP payloads ---- */

int rdb_verify_payload(const void *data, size_t len, bool verify_checksum) {
    if (len < RDB_PAYLOAD_FOOTER) return ERR_IO;
    const unsigned char *footer = (const unsigned char *)data + len - RDB_PAYLOAD_FOOTER;
    unsigned version = footer[0] | ((unsigned)footer[1] << 8);
    if (version > RDB_VERSION) return ERR_IO;
    if (!verify_checksum) return 0;
    uint64_t want = crc64(0, data, len - 8), got = 0;
    for (int i = 7; i >= 0; i--) got = (got << 8) | footer[2 + i];
    return got == want ? 0 : ERR_IO;
}

int rdb_load_payload(const void *data, size_t len, bool verify_checksum, const char *key,
                     size_t klen, kv **out, buf *err) {
    *out = NULL;
    if (rdb_verify_payload(data, len, verify_checksum) != 0) {
        buf_printf(err, "DUMP payload version or checksum are wrong");
        return ERR_IO;
    }
    /* Redis compat: the value is read from the whole payload, footer
     * included, and whatever follows it is ignored, as Redis reads it. */
    reader r;
    reader_init_mem(&r, data, len, "DUMP payload", err);
    unsigned type;
    if (!r_u8(&r, &type)) return ERR_SYNTAX;
    if (!is_redis_type(type)) {
        r_fail(&r, 0, "unknown value type");
        return ERR_SYNTAX;
    }
    if (!r_value_type(&r, type, 0)) return ERR_TYPE;
    *out = r_object(&r, key, klen, -1);
    return *out != NULL ? 0 : ERR_SYNTAX;
}
