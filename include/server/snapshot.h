#ifndef SERVER_SNAPSHOT_H
#define SERVER_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"

/* RDB snapshots driven by the server: SAVE in the foreground, BGSAVE in a
 * forked child (copy-on-write: the parent keeps serving), automatic saves
 * from the `save` points, the load at start-up and the final save at
 * shutdown. The file format itself is persist/rdb. */

struct server;
typedef struct snapshot snapshot;

typedef struct snapshot_stats {
    bool bgsave_in_progress;
    bool last_bgsave_ok;
    int64_t last_save_s;       /* Unix time of the last successful save */
    int64_t last_bgsave_time_s; /* duration of the last BGSAVE, -1 if none */
    int64_t current_bgsave_start_ms;
    uint64_t saves;
    uint64_t last_load_keys_loaded;
    uint64_t last_load_keys_expired;
    uint64_t forks;
    int64_t last_fork_us;
    size_t rdb_last_cow_size; /* private dirty bytes of the last RDB child */
} snapshot_stats;

snapshot *snapshot_new(struct server *srv);
void snapshot_free(snapshot *sn);
const snapshot_stats *snapshot_get_stats(const snapshot *sn);

/* Loads dir/dbfilename if it exists. Returns < 0 (after logging why) when
 * the file exists but cannot be loaded: the server must not start. */
int snapshot_load_at_start(snapshot *sn);
/* Foreground save; 0 or < 0 with err set. */
int snapshot_save(snapshot *sn, buf *err);
/* Starts a background save; 0 or < 0 with err set (e.g. one is running).
 * While another child (an AOF rewrite) runs: an error, or with schedule
 * the save starts once it is done (*scheduled set). */
int snapshot_bgsave(snapshot *sn, bool schedule, bool *scheduled, buf *err);
bool snapshot_child_running(const snapshot *sn);
/* The options every RDB writer uses (compression, checksum, LRU/LFU). */
struct rdb_save_opts;
void snapshot_fill_save_opts(snapshot *sn, struct rdb_save_opts *o);
/* Copy-on-write cost reported by the last RDB child (BGSAVE or replica
 * sync), for INFO rdb_last_cow_size. */
void snapshot_note_cow(snapshot *sn, size_t bytes);
/* Fork statistics (INFO total_forks, latest_fork_usec) for every child. */
void snapshot_count_fork(snapshot *sn, int64_t fork_us);
/* Called by the cron: starts a BGSAVE when a save point is reached. */
void snapshot_cron(snapshot *sn);
/* Stops a running background save and removes its temporary file. */
void snapshot_kill_child(snapshot *sn);
/* Saves and reloads the dataset (DEBUG RELOAD). */
int snapshot_reload(snapshot *sn, bool save, bool flush, buf *err);
/* Whether writes must be refused because the last background save failed
 * (stop-writes-on-bgsave-error with save points configured). */
bool snapshot_writes_denied(const snapshot *sn);

#endif
