#ifndef PERSIST_RDB_H
#define PERSIST_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/check.h"

/* RDB snapshots in Redis 7.0's format (RDB version 10): a dump.rdb written
 * here loads into Redis 7.0 and the other way round, for the value types
 * Tessera has (strings). Every other value type, and function or module
 * sections, stop a load with a message naming the file and the offset, so
 * a file is never loaded halfway. */

struct keyspace;

#define RDB_VERSION 10

typedef struct rdb_save_opts {
    bool compress; /* rdbcompression: LZF for strings longer than 20 bytes */
    bool checksum; /* rdbchecksum: CRC-64 trailer (0 when off) */
    bool save_lru; /* write idle times (LRU maxmemory policies) */
    bool save_lfu; /* write access frequencies (LFU policies) */
    uint64_t used_mem;
    int64_t now_ms;
} rdb_save_opts;

typedef struct rdb_load_opts {
    bool skip_expired;    /* a primary drops keys already expired */
    bool verify_checksum; /* rdbchecksum */
    int64_t now_ms;
    /* Called now and then during a long load (the server answers clients
     * meanwhile); may be NULL. */
    void (*progress)(void *ctx);
    void *progress_ctx;
} rdb_load_opts;

typedef struct rdb_load_info {
    int rdb_version;
    char redis_ver[32];
    int64_t ctime;
    uint64_t used_mem;
    uint64_t keys_loaded;
    uint64_t keys_expired;
    /* Where the snapshot ended: an old-style append-only file goes on
     * with commands after it. */
    uint64_t end_offset;
} rdb_load_info;

/* Writes a complete snapshot of ks to fd. Returns 0 or -errno / ERR_*
 * with a reason in err. */
MUST_USE int rdb_save_fd(struct keyspace *ks, int fd, const rdb_save_opts *opts, buf *err);
/* Writes the snapshot to a temporary file next to path, fsyncs it and
 * renames it over path, so a crash leaves either the old or the new file. */
MUST_USE int rdb_save_file(struct keyspace *ks, const char *path, const rdb_save_opts *opts,
                           buf *err);
/* Loads path into ks (which should be empty). On failure nothing loaded so
 * far is kept: the keyspace is flushed, and err names the file, the byte
 * offset and the problem. A missing file is -ENOENT (no message). */
MUST_USE int rdb_load_file(struct keyspace *ks, const char *path, const rdb_load_opts *opts,
                           rdb_load_info *info, buf *err);
/* Same from memory (name is used in messages). */
MUST_USE int rdb_load_buffer(struct keyspace *ks, const void *data, size_t len, const char *name,
                             const rdb_load_opts *opts, rdb_load_info *info, buf *err);

/* ---- DUMP payloads ----
 *
 * DUMP/RESTORE serialise one value: its RDB type byte and RDB encoding (as
 * in a snapshot, without the key), the RDB version as 2 little-endian
 * bytes, then the little-endian CRC-64 of everything before it. */

#define RDB_PAYLOAD_FOOTER 10 /* version + CRC-64 */

struct kv;

/* Appends the DUMP payload of e's value to out. compress: LZF for strings
 * longer than 20 bytes (rdbcompression), exactly as snapshots encode. */
void rdb_dump_payload(const struct kv *e, bool compress, buf *out);
/* Checks a payload's footer: 0, or ERR_IO when it is shorter than the
 * footer, comes from a newer RDB version, or (if verify_checksum) its
 * CRC-64 does not match. */
MUST_USE int rdb_verify_payload(const void *data, size_t len, bool verify_checksum);
/* Verifies a payload and builds an entry for key (without expiry) holding
 * its value; *out is the caller's (kv_free) on success, NULL otherwise.
 * Returns 0; ERR_IO when the footer is wrong (rdb_verify_payload); ERR_TYPE
 * for a value type Redis has but this server does not; ERR_SYNTAX for
 * anything else that cannot be read (unknown type byte, truncated or
 * corrupt value). err gets a one-line reason on failure. */
MUST_USE int rdb_load_payload(const void *data, size_t len, bool verify_checksum, const char *key,
                              size_t klen, struct kv **out, buf *err);

#endif
