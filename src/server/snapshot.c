/* snapshot: when and how RDB files are written and read.
 *
 * BGSAVE forks: the child walks its copy-on-write image of the keyspace and
 * writes the file while the parent goes on serving; an ev_child watcher
 * tells the parent when it is done. Changes made while the child runs stay
 * counted as unsaved (the counter is reduced only by what the child saw).
 *
 * Save points follow Redis: after `seconds` with at least `changes`
 * changes, and after a failed attempt not more often than every 5 seconds. */
#include "server/snapshot.h"

#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/htable.h"
#include "base/log.h"
#include "base/mem.h"
#include "data/keyspace.h"
#include "persist/rdb.h"
#include "server/child_info.h"
#include "server/config.h"
#include "server/replication.h"
#include "server/server.h"

#define BGSAVE_RETRY_DELAY_S 5

struct snapshot {
    struct server *srv;
    snapshot_stats st;
    pid_t child;
    ev_child child_watcher;
    uint64_t dirty_at_fork;
    int64_t last_bgsave_try_s;
    bool scheduled; /* BGSAVE SCHEDULE waiting for another child */
    child_info ci;
};

static const config_values *cfgv(snapshot *sn) {
    return config_get_values(server_config(sn->srv));
}

static const char *rdb_path(snapshot *sn) {
    const char *f = cfgv(sn)->dbfilename;
    return f && f[0] ? f : "dump.rdb";
}

snapshot *snapshot_new(struct server *srv) {
    snapshot *sn = mem_calloc(1, sizeof(*sn));
    sn->srv = srv;
    sn->st.last_bgsave_ok = true;
    sn->st.last_bgsave_time_s = -1;
    sn->st.last_save_s = clock_wall_ms() / 1000;
    sn->ci.rfd = sn->ci.wfd = -1;
    return sn;
}

void snapshot_free(snapshot *sn) {
    if (sn == NULL) return;
    if (sn->child > 0) ev_child_stop(server_loop(sn->srv), &sn->child_watcher);
    mem_free(sn);
}

const snapshot_stats *snapshot_get_stats(const snapshot *sn) {
    return &sn->st;
}

void snapshot_fill_save_opts(snapshot *sn, rdb_save_opts *o) {
    memset(o, 0, sizeof(*o));
    o->compress = cfgv(sn)->rdbcompression;
    o->checksum = cfgv(sn)->rdbchecksum;
    int p = cfgv(sn)->maxmemory_policy;
    o->save_lru = p == CFG_EVICT_ALLKEYS_LRU || p == CFG_EVICT_VOLATILE_LRU;
    o->save_lfu = p == CFG_EVICT_ALLKEYS_LFU || p == CFG_EVICT_VOLATILE_LFU;
    o->used_mem = mem_used_bytes();
    o->now_ms = clock_wall_ms();
    o->repl_id = repl_save_info(server_replication(sn->srv), &o->repl_offset, &o->repl_stream_db);
}

int snapshot_load_at_start(snapshot *sn) {
    keyspace *ks = server_keyspace(sn->srv);
    rdb_load_opts o = {.skip_expired = true,
                       .verify_checksum = cfgv(sn)->rdbchecksum,
                       .now_ms = clock_wall_ms()};
    keyspace_set_now(ks, o.now_ms);
    o.progress = server_loading_progress;
    o.progress_ctx = sn->srv;
    rdb_load_info info;
    buf err;
    buf_init(&err);
    int64_t start = clock_mono_us();
    server_set_loading(sn->srv, true);
    int rc = rdb_load_file(ks, rdb_path(sn), &o, &info, &err);
    server_set_loading(sn->srv, false);
    if (rc == -ENOENT) {
        buf_fini(&err);
        return 0;
    }
    if (rc < 0) {
        log_warning("Fatal error loading the DB: %s. Exiting.", err.data ? err.data : "unknown");
        buf_fini(&err);
        return rc;
    }
    buf_fini(&err);
    log_notice("Loading RDB produced by version %s", info.redis_ver[0] ? info.redis_ver : "unknown");
    if (info.ctime) log_notice("RDB age %lld seconds", (long long)(o.now_ms / 1000 - info.ctime));
    log_notice("RDB memory usage when created %.2f Mb", (double)info.used_mem / (1024 * 1024));
    log_notice("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
               (unsigned long long)info.keys_loaded, (unsigned long long)info.keys_expired);
    log_notice("DB loaded from disk: %.3f seconds", (double)(clock_mono_us() - start) / 1e6);
    sn->st.last_load_keys_loaded = info.keys_loaded;
    sn->st.last_load_keys_expired = info.keys_expired;
    /* A replica resumes from where its snapshot was taken, when the file
     * says (a partial resync instead of a full one). */
    if (info.has_repl && info.repl_offset >= 0 && info.repl_stream_db >= 0)
        repl_restore_history(server_replication(sn->srv), info.repl_id, info.repl_offset,
                             info.repl_stream_db);
    return 0;
}

static void saved(snapshot *sn, uint64_t changes_covered) {
    server_stats *st = server_stats_of(sn->srv);
    st->dirty = st->dirty > changes_covered ? st->dirty - changes_covered : 0;
    sn->st.last_save_s = clock_wall_ms() / 1000;
    sn->st.saves++;
}

int snapshot_save(snapshot *sn, buf *err) {
    if (sn->child > 0) {
        buf_append_str(err, "ERR Background save already in progress");
        return -1;
    }
    rdb_save_opts o;
    snapshot_fill_save_opts(sn, &o);
    uint64_t dirty = server_stats_of(sn->srv)->dirty;
    buf why;
    buf_init(&why);
    int rc = rdb_save_file(server_keyspace(sn->srv), rdb_path(sn), &o, &why);
    if (rc < 0) {
        log_warning("%s", why.data ? why.data : "Error saving DB on disk");
        buf_append_str(err, "ERR");
        buf_fini(&why);
        return rc;
    }
    buf_fini(&why);
    log_notice("DB saved on disk");
    saved(sn, dirty);
    return 0;
}

static void on_child_exit(struct ev_loop *loop, ev_child *w, int revents) {
    (void)revents;
    snapshot *sn = w->data;
    ev_child_stop(loop, w);
    snapshot_note_cow(sn, child_info_receive(&sn->ci));
    int status = w->rstatus;
    int64_t now = clock_wall_ms();
    sn->st.last_bgsave_time_s = (now - sn->st.current_bgsave_start_ms) / 1000;
    sn->st.bgsave_in_progress = false;
    sn->child = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        log_notice("Background saving terminated with success");
        saved(sn, sn->dirty_at_fork);
        sn->st.last_bgsave_ok = true;
    } else if (WIFSIGNALED(status)) {
        log_warning("Background saving terminated by signal %d", WTERMSIG(status));
        sn->st.last_bgsave_ok = WTERMSIG(status) == SIGUSR1; /* our own kill is not an error */
    } else {
        log_warning("Background saving error");
        sn->st.last_bgsave_ok = false;
    }
}

int snapshot_bgsave(snapshot *sn, bool schedule, bool *scheduled, buf *err) {
    if (scheduled) *scheduled = false;
    if (sn->child > 0) {
        buf_append_str(err, "ERR Background save already in progress");
        return -1;
    }
    if (server_child_running(sn->srv) || server_in_exec(sn->srv)) {
        /* Redis compat: one child at a time; the other one is the AOF
         * rewrite. Inside EXEC the snapshot waits for the transaction to
         * end, so it never holds half of it. */
        if (!schedule && !server_in_exec(sn->srv)) {
            buf_append_str(err, "ERR Another child process is active (AOF?): can't BGSAVE right "
                                "now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
                                "possible.");
            return -1;
        }
        sn->scheduled = true;
        if (scheduled) *scheduled = true;
        return 0;
    }
    sn->scheduled = false;
    rdb_save_opts o;
    snapshot_fill_save_opts(sn, &o);
    sn->dirty_at_fork = server_stats_of(sn->srv)->dirty;
    sn->last_bgsave_try_s = clock_wall_ms() / 1000;
    int64_t start = clock_mono_us();
    child_info_open(&sn->ci);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        child_info_close(&sn->ci);
        sn->st.last_bgsave_ok = false;
        log_warning("Can't save in background: fork: %s", strerror(e));
        buf_printf(err, "ERR Background save failed: fork: %s", strerror(e));
        return -e;
    }
    if (pid == 0) {
        log_set_role('C');
        buf why;
        buf_init(&why);
        int rc = rdb_save_file(server_keyspace(sn->srv), rdb_path(sn), &o, &why);
        if (rc == 0)
            log_notice("DB saved on disk");
        else
            log_warning("%s", why.data ? why.data : "Error saving DB on disk");
        child_info_send(&sn->ci);
        _exit(rc == 0 ? 0 : 1);
    }
    child_info_parent(&sn->ci);
    snapshot_count_fork(sn, clock_mono_us() - start);
    sn->child = pid;
    sn->st.bgsave_in_progress = true;
    sn->st.current_bgsave_start_ms = clock_wall_ms();
    ev_child_init(&sn->child_watcher, on_child_exit, pid, 0);
    sn->child_watcher.data = sn;
    ev_child_start(server_loop(sn->srv), &sn->child_watcher);
    log_notice("Background saving started by pid %d", (int)pid);
    return 0;
}

void snapshot_cron(snapshot *sn) {
    if (sn->child > 0 || server_child_running(sn->srv)) return;
    if (sn->scheduled) {
        buf err;
        buf_init(&err);
        if (snapshot_bgsave(sn, false, NULL, &err) < 0) sn->st.last_bgsave_ok = false;
        buf_fini(&err);
        return;
    }
    const config_values *cv = cfgv(sn);
    int64_t now = clock_wall_ms() / 1000;
    uint64_t dirty = server_stats_of(sn->srv)->dirty;
    for (int i = 0; i < cv->save_count; i++) {
        const config_save_point *sp = &cv->save[i];
        if (dirty < (uint64_t)sp->changes || now - sn->st.last_save_s < sp->seconds) continue;
        if (!sn->st.last_bgsave_ok && now - sn->last_bgsave_try_s <= BGSAVE_RETRY_DELAY_S) continue;
        log_notice("%lld changes in %lld seconds. Saving...", (long long)sp->changes,
                   (long long)sp->seconds);
        buf err;
        buf_init(&err);
        if (snapshot_bgsave(sn, false, NULL, &err) < 0) sn->st.last_bgsave_ok = false;
        buf_fini(&err);
        break;
    }
}

void snapshot_kill_child(snapshot *sn) {
    if (sn->child <= 0) return;
    log_warning("There is a child saving an .rdb. Killing it!");
    kill(sn->child, SIGUSR1);
    int status;
    waitpid(sn->child, &status, 0);
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)sn->child);
    unlink(tmp);
    ev_child_stop(server_loop(sn->srv), &sn->child_watcher);
    child_info_close(&sn->ci);
    sn->child = 0;
    sn->st.bgsave_in_progress = false;
}

int snapshot_reload(snapshot *sn, bool save, bool flush, buf *err) {
    if (save && snapshot_save(sn, err) < 0) return -1;
    keyspace *ks = server_keyspace(sn->srv);
    if (flush)
        for (int i = 0; i < keyspace_db_count(ks); i++) db_flush(keyspace_db(ks, i), false);
    rdb_load_opts o = {.skip_expired = true,
                       .verify_checksum = cfgv(sn)->rdbchecksum,
                       .now_ms = clock_wall_ms()};
    rdb_load_info info;
    buf why;
    buf_init(&why);
    int rc = rdb_load_file(ks, rdb_path(sn), &o, &info, &why);
    if (rc < 0) {
        log_warning("%s", why.data ? why.data : "Error loading the RDB file");
        buf_append_str(err, "ERR Error trying to load the RDB dump, check server logs.");
        buf_fini(&why);
        return rc;
    }
    buf_fini(&why);
    log_notice("DB reloaded by DEBUG RELOAD");
    return 0;
}

bool snapshot_child_running(const snapshot *sn) {
    return sn->child > 0;
}

void snapshot_note_cow(snapshot *sn, size_t bytes) {
    sn->st.rdb_last_cow_size = bytes;
    if (bytes > 0)
        log_notice("Fork CoW for RDB: %zu MB of memory used by copy-on-write", bytes >> 20);
}

void snapshot_count_fork(snapshot *sn, int64_t fork_us) {
    sn->st.last_fork_us = fork_us;
    sn->st.forks++;
    /* Every fork passes here: from now on until the cron sees the child
     * gone, hash tables avoid resizing (copy-on-write). */
    htable_avoid_resize(true);
}

bool snapshot_writes_denied(const snapshot *sn) {
    if (sn->st.last_bgsave_ok) return false;
    const config_values *cv = config_get_values(server_config(sn->srv));
    return cv->save_count > 0 && cv->stop_writes_on_bgsave_error;
}
