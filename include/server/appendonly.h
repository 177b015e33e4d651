#ifndef SERVER_APPENDONLY_H
#define SERVER_APPENDONLY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"

/* The append-only file as the server runs it: every write of the stream
 * (commands/propagate.h) is appended to the current incr file before the
 * replies that acknowledge it go out; appendfsync decides when the data is
 * forced to disk (always: before those replies; everysec: by a background
 * thread once a second; no: left to the kernel). BGREWRITEAOF forks a
 * child that writes the dataset as a new base file while the parent goes
 * on appending to a fresh incr file, so nothing written during a rewrite
 * needs copying afterwards. The files and their manifest are persist/aof's
 * business. */

struct server;
struct prop_batch;
typedef struct appendonly appendonly;

typedef struct appendonly_info {
    bool enabled;
    bool rewrite_in_progress;
    bool rewrite_scheduled;
    int64_t last_rewrite_time_s; /* -1 when none */
    int64_t current_rewrite_time_s;
    bool last_bgrewrite_ok;
    uint64_t rewrites;
    uint64_t rewrites_consecutive_failures;
    bool last_write_ok;
    int64_t current_size; /* base + incr files */
    int64_t base_size;
    uint64_t buffer_length;
    bool pending_bio_fsync;
    uint64_t delayed_fsync;
    size_t last_cow_size; /* private dirty bytes of the last rewrite child */
} appendonly_info;

appendonly *appendonly_new(struct server *srv);
void appendonly_free(appendonly *a);

/* At start-up with appendonly yes: loads the files named by the manifest
 * (upgrading an old single appendonly.aof first), or, when there are none,
 * the RDB snapshot so that switching appendonly on in the config loses
 * nothing; then opens the incr file for appending. Returns < 0 (after
 * logging why) when the server must not start. */
int appendonly_start(appendonly *a);
bool appendonly_enabled(const appendonly *a);

/* Appends a unit of the write stream; wrap: as MULTI ... EXEC. */
void appendonly_feed(appendonly *a, const struct prop_batch *b, bool wrap);
/* Before the loop sleeps (and before replies are written): writes what was
 * fed, and with appendfsync always also syncs it. */
void appendonly_flush(appendonly *a);
/* Once per cron tick: the everysec sync, retrying a failed write, starting
 * scheduled and automatic rewrites. */
void appendonly_cron(appendonly *a);
/* Final write and sync at shutdown. */
void appendonly_shutdown(appendonly *a);
/* Writes are refused while appending fails (appendfsync everysec/no keeps
 * the data and retries). Returns the reason text, or NULL. */
const char *appendonly_write_error(const appendonly *a);

/* BGREWRITEAOF. Returns 0 with *scheduled telling whether it started now
 * or waits for another child to finish; < 0 with err set. */
int appendonly_rewrite(appendonly *a, bool *scheduled, buf *err);
/* CONFIG SET appendonly yes|no. */
int appendonly_set_enabled(appendonly *a, bool on, buf *err);
/* Stops a running rewrite child (shutdown, FLUSHALL is not one of them). */
void appendonly_kill_child(appendonly *a);
bool appendonly_child_running(const appendonly *a);

void appendonly_get_info(appendonly *a, appendonly_info *out);

#endif
