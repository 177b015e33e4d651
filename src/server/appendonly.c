/* appendonly: the server side of the append-only file.
 *
 * Writing. Each unit of the write stream is encoded into `pending` with a
 * SELECT wherever the database changes (and MULTI/EXEC around units of
 * several operations). Before the loop sleeps, pending is written to the
 * current incr file; with appendfsync always it is also fdatasync()ed
 * there, before any reply leaves, so an acknowledged write survives a
 * crash of the machine. With everysec a worker thread syncs once a second,
 * keeping the loop free of disk waits.
 *
 * A failed write keeps the data in pending. With appendfsync always the
 * server cannot keep its promise and exits (as Redis does); otherwise it
 * retries from the cron and refuses writes (MISCONF) until a write
 * succeeds.
 *
 * Rewriting. At fork time the parent switches appends to a new incr file
 * and records it in the manifest; the child writes the dataset as an RDB
 * file. When the child succeeds the parent renames that file to the new
 * base, moves the old base and the incr files it covers to history and
 * deletes them. A crash anywhere leaves a manifest that names files which
 * together hold every write.
 *
 * Loading. The base (RDB, or commands) then each incr file in order;
 * commands run through dispatch_replay. Commands between MULTI and EXEC
 * are queued and run at EXEC, so a transaction cut by a crash is never
 * half applied. A torn tail of the last file is cut off with a warning
 * when aof-load-truncated is on; anything else wrong stops start-up. */
#include "server/appendonly.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "commands/propagate.h"
#include "commands/session.h"
#include "data/keyspace.h"
#include "persist/aof.h"
#include "persist/rdb.h"
#include "server/child_info.h"
#include "server/config.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "server/snapshot.h"

/* ---- the fsync worker (appendfsync everysec) ---- */

typedef struct fsync_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int fd;    /* to sync next; -1 when nothing is queued */
    bool busy; /* a sync is running */
    bool stop;
    bool started;
} fsync_worker;

static void *fsync_main(void *arg) {
    fsync_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->fd < 0 && !w->stop) pthread_cond_wait(&w->cond, &w->lock);
        if (w->fd < 0) break; /* stop, and nothing left to sync */
        int fd = w->fd;
        w->fd = -1;
        w->busy = true;
        pthread_mutex_unlock(&w->lock);
        if (fdatasync(fd) < 0) log_warning("AOF fsync failed in the background: %s", strerror(errno));
        pthread_mutex_lock(&w->lock);
        w->busy = false;
        pthread_cond_broadcast(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void worker_start(fsync_worker *w) {
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->fd = -1;
    w->started = pthread_create(&w->thread, NULL, fsync_main, w) == 0;
    if (!w->started) log_warning("Can't start the AOF fsync thread: syncing in the foreground");
}

static void worker_stop(fsync_worker *w) {
    if (!w->started) return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    w->started = false;
}

/* Queues a sync of fd unless one is queued or running; false if the
 * worker is still busy with the previous one. */
static bool worker_request(fsync_worker *w, int fd) {
    if (!w->started) {
        (void)fdatasync(fd); /* no thread: sync in the foreground */
        return true;
    }
    pthread_mutex_lock(&w->lock);
    bool idle = !w->busy && w->fd < 0;
    if (idle) {
        w->fd = fd;
        pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
    return idle;
}

static bool worker_pending(fsync_worker *w) {
    if (!w->started) return false;
    pthread_mutex_lock(&w->lock);
    bool pending = w->busy || w->fd >= 0;
    pthread_mutex_unlock(&w->lock);
    return pending;
}

/* Waits until no sync is queued or running (before closing a file the
 * worker may be syncing). */
static void worker_drain(fsync_worker *w) {
    if (!w->started) return;
    pthread_mutex_lock(&w->lock);
    while (w->busy || w->fd >= 0) pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

/* ---- state ---- */

struct appendonly {
    struct server *srv;
    bool on;
    aof_manifest man;
    bool man_loaded;
    int fd; /* current incr file, -1 when off */
    buf pending;
    int selected_db; /* of the last SELECT written; -1 forces one */

    int64_t base_size;
    int64_t incr_size;         /* of every incr file in the manifest */
    int64_t rewrite_base_size; /* current_size after the last rewrite (auto rewrite) */
    int64_t last_fsync_ms;
    bool unsynced; /* written since the last sync */
    uint64_t delayed_fsync;
    fsync_worker worker;

    int last_write_errno; /* 0 when the last write succeeded */
    char write_error[160];

    pid_t child;
    ev_child child_watcher;
    int64_t rewrite_start_ms;
    bool rewrite_scheduled;
    bool child_for_enable; /* switching AOF on: the base is what makes it usable */
    int64_t last_rewrite_time_s;
    bool last_bgrewrite_ok;
    uint64_t rewrites;
    uint64_t consecutive_failures;
    int64_t last_failed_try_ms;
    child_info ci;
    size_t last_cow_size;
};

static const config_values *cfgv(const appendonly *a) {
    return config_get_values(server_config(a->srv));
}

static aof_paths paths_of(const appendonly *a) {
    /* The server runs inside `dir`. */
    return (aof_paths){.dir = ".", .dirname = cfgv(a)->appenddirname,
                       .filename = cfgv(a)->appendfilename};
}

appendonly *appendonly_new(struct server *srv) {
    appendonly *a = mem_calloc(1, sizeof(*a));
    a->srv = srv;
    a->fd = -1;
    a->selected_db = -1;
    a->last_rewrite_time_s = -1;
    a->last_bgrewrite_ok = true;
    a->ci.rfd = a->ci.wfd = -1;
    aof_manifest_init(&a->man);
    buf_init(&a->pending);
    return a;
}

static void close_incr(appendonly *a) {
    if (a->fd < 0) return;
    worker_drain(&a->worker);
    close(a->fd);
    a->fd = -1;
}

void appendonly_free(appendonly *a) {
    if (a == NULL) return;
    if (a->child > 0) ev_child_stop(server_loop(a->srv), &a->child_watcher);
    close_incr(a);
    worker_stop(&a->worker);
    aof_manifest_fini(&a->man);
    buf_fini(&a->pending);
    mem_free(a);
}

bool appendonly_enabled(const appendonly *a) {
    return a->on;
}

bool appendonly_child_running(const appendonly *a) {
    return a->child > 0;
}

const char *appendonly_write_error(const appendonly *a) {
    return a->last_write_errno ? a->write_error : NULL;
}

static int64_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* The manifest is read once, on first need: at start-up with appendonly
 * yes, or when a rewrite or CONFIG SET appendonly yes needs it. Returns
 * < 0 (after logging) for a manifest that exists but is bad. */
static int ensure_manifest(appendonly *a) {
    if (a->man_loaded) return 0;
    aof_paths p = paths_of(a);
    aof_manifest_error me;
    buf err;
    buf_init(&err);
    int rc = aof_manifest_load(&p, &a->man, &me, &err);
    if (rc < 0 && rc != -ENOENT)
        log_warning("Can't load the AOF manifest: %s", err.data ? err.data : "?");
    buf_fini(&err);
    if (rc < 0 && rc != -ENOENT) return -1;
    a->man_loaded = true;
    return 0;
}

/* Opens (creating) the manifest's last incr file for appending. */
static int open_incr(appendonly *a) {
    aof_paths p = paths_of(a);
    bool created = false;
    const char *name = aof_manifest_last_incr(&a->man, p.filename, &created);
    buf path, err;
    buf_init(&path);
    buf_init(&err);
    aof_path(&p, name, &path);
    int fd = open(path.data, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    int rc = 0;
    if (fd < 0) {
        rc = -errno;
        log_warning("Can't open the append-only file %s: %s", path.data, strerror(errno));
    } else if (aof_manifest_persist(&a->man, &p, &err) < 0) {
        rc = -1;
        log_warning("Can't persist the AOF manifest: %s", err.data);
        close(fd);
    } else {
        close_incr(a);
        a->fd = fd;
        a->selected_db = -1;
    }
    buf_fini(&path);
    buf_fini(&err);
    return rc;
}

/* Sizes of base and incr files, for INFO and automatic rewrites. */
static void measure(appendonly *a) {
    aof_paths p = paths_of(a);
    buf path;
    buf_init(&path);
    a->base_size = 0;
    if (a->man.base) {
        aof_path(&p, a->man.base->name, &path);
        a->base_size = file_size(path.data);
    }
    a->incr_size = 0;
    for (size_t i = 0; i < a->man.incr_len; i++) {
        aof_path(&p, a->man.incr[i].name, &path);
        a->incr_size += file_size(path.data);
    }
    buf_fini(&path);
}

/* ---- writing ---- */

void appendonly_feed(appendonly *a, const prop_batch *b, bool wrap) {
    if (!a->on) return;
    prop_batch_encode(b, wrap, &a->selected_db, &a->pending);
}

static void write_failed(appendonly *a, int e, const char *what) {
    bool first = a->last_write_errno == 0;
    a->last_write_errno = e;
    snprintf(a->write_error, sizeof(a->write_error), "%s", strerror(e));
    if (cfgv(a)->appendfsync == CFG_FSYNC_ALWAYS) {
        log_warning("Can't recover from AOF %s error when the AOF fsync policy is 'always' (%s). "
                    "Exiting...",
                    what, strerror(e));
        exit(1);
    }
    if (first)
        log_warning("Error writing to the AOF file: %s (writes are refused until it works again)",
                    strerror(e));
}

/* Writes pending; true when all of it reached the file. */
static bool write_pending(appendonly *a) {
    size_t done = 0;
    while (done < a->pending.len) {
        ssize_t n = write(a->fd, a->pending.data + done, a->pending.len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : ENOSPC;
            /* A partial command must not stay in the file: a later load
             * would read it as a torn tail, or worse, glue the next write
             * to it. Cut the file back to where this attempt began. */
            if (done > 0 && ftruncate(a->fd, (off_t)a->incr_size) == 0) done = 0;
            buf_consume(&a->pending, done);
            a->incr_size += (int64_t)done;
            write_failed(a, e, "write");
            return false;
        }
        done += (size_t)n;
    }
    a->incr_size += (int64_t)done;
    buf_clear(&a->pending);
    if (a->pending.cap > 1024 * 1024) buf_shrink(&a->pending, 16 * 1024);
    if (a->last_write_errno) {
        log_warning("AOF write error looks solved, Redis can write again.");
        a->last_write_errno = 0;
    }
    a->unsynced = true;
    return true;
}

static void sync_now(appendonly *a) {
    if (fdatasync(a->fd) < 0) {
        write_failed(a, errno, "fsync");
        return;
    }
    a->unsynced = false;
    a->last_fsync_ms = clock_mono_ms();
}

static void sync_everysec(appendonly *a) {
    if (!a->unsynced) return;
    int64_t now = clock_mono_ms();
    if (now - a->last_fsync_ms < 1000) return;
    if (worker_request(&a->worker, a->fd)) {
        a->unsynced = false;
        a->last_fsync_ms = now;
    } else {
        a->delayed_fsync++;
    }
}

void appendonly_flush(appendonly *a) {
    if (!a->on || a->fd < 0) return;
    if (a->pending.len > 0 && !write_pending(a)) return;
    switch (cfgv(a)->appendfsync) {
    case CFG_FSYNC_ALWAYS:
        if (a->unsynced) sync_now(a);
        break;
    case CFG_FSYNC_EVERYSEC: sync_everysec(a); break;
    default: break;
    }
}

void appendonly_shutdown(appendonly *a) {
    if (!a->on || a->fd < 0) return;
    if (a->pending.len > 0) write_pending(a);
    worker_drain(&a->worker);
    if (fdatasync(a->fd) < 0) log_warning("Error syncing the AOF at shutdown: %s", strerror(errno));
    a->unsynced = false;
}

/* ---- loading ---- */

/* Runs the commands of one file. A transaction is queued and run at its
 * EXEC. Returns 0, or < 0 after logging. */
typedef struct replay_txn {
    bool open;
    int count, cap;
    int *argc;
    resp_arg **argv;
} replay_txn;

static resp_arg *copy_args(int argc, const resp_arg *argv) {
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += argv[i].len;
    resp_arg *out = mem_alloc(sizeof(resp_arg) * (size_t)argc + bytes + 1);
    char *p = (char *)(out + argc);
    for (int i = 0; i < argc; i++) {
        memcpy(p, argv[i].ptr, argv[i].len);
        out[i] = (resp_arg){.ptr = p, .len = argv[i].len};
        p += argv[i].len;
    }
    return out;
}

static void txn_clear(replay_txn *t) {
    for (int i = 0; i < t->count; i++) mem_free(t->argv[i]);
    t->count = 0;
    t->open = false;
}

static void txn_free(replay_txn *t) {
    txn_clear(t);
    mem_free(t->argc);
    mem_free(t->argv);
}

static void txn_add(replay_txn *t, int argc, const resp_arg *argv) {
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->argc = mem_realloc(t->argc, sizeof(int) * (size_t)t->cap);
        t->argv = mem_realloc(t->argv, sizeof(resp_arg *) * (size_t)t->cap);
    }
    t->argc[t->count] = argc;
    t->argv[t->count] = copy_args(argc, argv);
    t->count++;
}

static int replay_one(appendonly *a, session *sess, replay_txn *txn, int argc,
                      const resp_arg *argv, const char *name, int64_t offset) {
    buf err;
    buf_init(&err);
    int rc = 0;
    if (argc == 1 && argv[0].len == 5 && strncasecmp(argv[0].ptr, "multi", 5) == 0) {
        if (txn->open) {
            buf_append_str(&err, "MULTI inside MULTI");
            rc = -1;
        }
        txn->open = true;
    } else if (argc == 1 && argv[0].len == 4 && strncasecmp(argv[0].ptr, "exec", 4) == 0) {
        if (!txn->open) {
            buf_append_str(&err, "EXEC without MULTI");
            rc = -1;
        }
        for (int i = 0; rc == 0 && i < txn->count; i++)
            rc = dispatch_replay(a->srv, sess, txn->argc[i], txn->argv[i], &err);
        txn_clear(txn);
    } else if (txn->open) {
        txn_add(txn, argc, argv);
    } else {
        rc = dispatch_replay(a->srv, sess, argc, argv, &err);
    }
    if (rc < 0)
        log_warning("Bad command in the append only file %s at offset %lld: %s", name,
                    (long long)offset, err.data ? err.data : "?");
    buf_fini(&err);
    return rc;
}

/* Replays the commands of path from start on. last: the newest file, the
 * only one whose tail may be torn. */
static int replay_file(appendonly *a, const char *path, const char *name, int64_t start, bool last,
                       uint64_t *commands) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_warning("Can't open the append-only file %s: %s", name, strerror(errno));
        return -1;
    }
    aof_reader r;
    aof_reader_init_fd(&r, fd, start);
    session sess;
    session_init(&sess, 0);
    sess.authenticated = true;
    replay_txn txn = {0};
    enum aof_read_status st;
    int rc = 0;
    while ((st = aof_reader_next(&r)) == AOF_READ_COMMAND) {
        if (replay_one(a, &sess, &txn, r.argc, r.argv, name, r.offset) < 0) {
            rc = -1;
            break;
        }
        if ((r.commands & 1023) == 0) server_loading_progress(a->srv);
    }
    if (rc == 0 && st == AOF_READ_TRUNCATED && last && cfgv(a)->aof_load_truncated) {
        int64_t cut = aof_reader_cut_offset(&r);
        buf err;
        buf_init(&err);
        log_warning("!!! Warning: short read while loading the AOF file %s!!!", name);
        if (aof_truncate(path, cut, &err) < 0) {
            log_warning("Can't truncate the append-only file %s: %s", name, err.data);
            rc = -1;
        } else {
            log_warning("AOF %s loaded anyway because aof-load-truncated is enabled "
                        "(cut at offset %lld, %s)",
                        name, (long long)cut, r.err.data ? r.err.data : "torn last command");
        }
        buf_fini(&err);
    } else if (rc == 0 && st != AOF_READ_END) {
        buf text;
        buf_init(&text);
        aof_reader_failure_text(&r, st, name, &text);
        log_warning("%s", text.data);
        buf_fini(&text);
        rc = -1;
    }
    *commands += r.commands;
    txn_free(&txn);
    session_fini(&sess);
    aof_reader_fini(&r);
    close(fd);
    return rc;
}

static int load_rdb_part(appendonly *a, const char *path, const char *name, int64_t *end) {
    rdb_load_opts o = {.skip_expired = true,
                       .verify_checksum = cfgv(a)->rdbchecksum,
                       .now_ms = clock_wall_ms(),
                       .progress = server_loading_progress,
                       .progress_ctx = a->srv};
    rdb_load_info info;
    buf err;
    buf_init(&err);
    int rc = rdb_load_file(server_keyspace(a->srv), path, &o, &info, &err);
    if (rc < 0)
        log_warning("Fatal error loading the AOF base %s: %s", name, err.data ? err.data : "?");
    else
        *end = (int64_t)info.end_offset;
    if (rc >= 0)
        log_notice("Reading RDB base file on AOF loading... (%s: %llu keys)", name,
                   (unsigned long long)info.keys_loaded);
    buf_fini(&err);
    return rc < 0 ? -1 : 0;
}

/* Loads every file the manifest names. */
static int load_files(appendonly *a) {
    aof_paths p = paths_of(a);
    buf path, err;
    buf_init(&path);
    buf_init(&err);
    int rc = 0;
    uint64_t commands = 0;
    int64_t t0 = clock_mono_us();
    server_set_loading(a->srv, true);
    size_t total = (a->man.base ? 1 : 0) + a->man.incr_len;
    for (size_t i = 0; rc == 0 && i < total; i++) {
        const aof_file_info *f = a->man.base ? (i == 0 ? a->man.base : &a->man.incr[i - 1])
                                             : &a->man.incr[i];
        aof_path(&p, f->name, &path);
        bool last = i + 1 == total;
        bool rdb = false;
        if (access(path.data, F_OK) != 0) {
            /* An empty incr file may be missing (created lazily by an
             * older writer); a base may not. */
            if (f->type == AOF_FILE_INCR && errno == ENOENT) continue;
            log_warning("The AOF file %s doesn't exist", f->name);
            rc = -1;
            break;
        }
        if (aof_file_has_rdb_preamble(path.data, &rdb, &err) < 0) {
            log_warning("Can't read %s: %s", f->name, err.data);
            rc = -1;
            break;
        }
        /* A base may be an RDB snapshot, commands, or (an old single file
         * upgraded) a snapshot followed by commands. */
        int64_t start = 0;
        if (rdb && f->type == AOF_FILE_BASE) rc = load_rdb_part(a, path.data, f->name, &start);
        if (rc == 0 && (start == 0 || start < file_size(path.data)))
            rc = replay_file(a, path.data, f->name, start, last, &commands);
    }
    server_set_loading(a->srv, false);
    if (rc == 0 && total > 0)
        log_notice("DB loaded from append only file: %.3f seconds (%llu commands)",
                   (double)(clock_mono_us() - t0) / 1e6, (unsigned long long)commands);
    buf_fini(&path);
    buf_fini(&err);
    return rc;
}

/* ---- rewriting ---- */

static void on_rewrite_done(struct ev_loop *loop, ev_child *w, int revents);

static void temp_rewrite_name(pid_t pid, char *out, size_t cap) {
    snprintf(out, cap, "temp-rewriteaof-bg-%d.aof", (int)pid);
}

/* While AOF is being switched on, writes go to a temporary incr file that
 * the manifest does not name: until the first base exists, the files on
 * disk must keep describing the old state (or nothing). */
static int open_temp_incr(appendonly *a, buf *err) {
    aof_paths p = paths_of(a);
    buf name, path;
    buf_init(&name);
    buf_init(&path);
    aof_temp_incr_name(p.filename, &name);
    aof_path(&p, name.data, &path);
    int fd = open(path.data, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) buf_printf(err, "open %s: %s", path.data, strerror(errno));
    buf_fini(&name);
    buf_fini(&path);
    if (fd < 0) return -1;
    close_incr(a);
    a->fd = fd;
    a->selected_db = -1;
    a->incr_size = 0;
    return 0;
}

static int start_rewrite(appendonly *a, buf *err) {
    aof_paths p = paths_of(a);
    if (ensure_manifest(a) < 0) {
        buf_append_str(err, "bad AOF manifest");
        return -1;
    }
    if (aof_dir_create(&p, err) < 0) return -1;
    if (a->on && a->child_for_enable) {
        if (a->fd < 0 && open_temp_incr(a, err) < 0) return -1;
    } else if (a->on) {
        /* Everything so far goes to the old incr file, which the child's
         * base will cover; new writes go to a new incr file. */
        appendonly_flush(a);
        if (a->fd >= 0) {
            worker_drain(&a->worker);
            if (fdatasync(a->fd) == 0) a->unsynced = false;
        }
        aof_manifest_new_incr(&a->man, p.filename);
        if (open_incr(a) < 0) {
            buf_append_str(err, "can't open a new incr file");
            return -1;
        }
    }
    int64_t start = clock_mono_us();
    child_info_open(&a->ci);
    pid_t pid = fork();
    if (pid < 0) {
        child_info_close(&a->ci);
        buf_printf(err, "fork: %s", strerror(errno));
        log_warning("Can't rewrite append only file in background: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        char tmp[64];
        temp_rewrite_name(getpid(), tmp, sizeof(tmp));
        rdb_save_opts o;
        snapshot_fill_save_opts(server_snapshot(a->srv), &o);
        buf cerr;
        buf_init(&cerr);
        int rc = rdb_save_file(server_keyspace(a->srv), tmp, &o, &cerr);
        if (rc < 0)
            log_warning("Write error writing the AOF base: %s", cerr.data ? cerr.data : "?");
        else
            log_notice("Successfully created the temporary AOF base file %s", tmp);
        child_info_send(&a->ci);
        _exit(rc < 0 ? 1 : 0);
    }
    child_info_parent(&a->ci);
    snapshot_count_fork(server_snapshot(a->srv), clock_mono_us() - start);
    log_notice("Background append only file rewriting started by pid %ld", (long)pid);
    a->child = pid;
    a->rewrite_start_ms = clock_mono_ms();
    a->rewrite_scheduled = false;
    ev_child_init(&a->child_watcher, on_rewrite_done, pid, 0);
    a->child_watcher.data = a;
    ev_child_start(server_loop(a->srv), &a->child_watcher);
    return 0;
}

static void rewrite_failed(appendonly *a, pid_t pid) {
    if (pid > 0) {
        char tmp[64];
        temp_rewrite_name(pid, tmp, sizeof(tmp));
        unlink(tmp);
    }
    a->last_bgrewrite_ok = false;
    a->consecutive_failures++;
    a->last_failed_try_ms = clock_mono_ms();
    /* Switching AOF on is not done until a base exists: keep trying. */
    if (a->child_for_enable) a->rewrite_scheduled = true;
}

/* Makes the RDB file tmp the new base, in a copy of the manifest that
 * replaces the live one only once it is on disk. keep_last: the newest
 * incr file is being appended to and is not covered by the base. When AOF
 * is being switched on, the temporary incr file joins the manifest as its
 * only incr file at the same moment. */
static int install_base(appendonly *a, const char *tmp, bool keep_last, buf *err) {
    aof_paths p = paths_of(a);
    aof_manifest next;
    aof_manifest_copy(&next, &a->man);
    const char *base = aof_manifest_new_base(&next, p.filename, true);
    buf path, from;
    buf_init(&path);
    buf_init(&from);
    aof_path(&p, base, &path);
    int rc = rename(tmp, path.data);
    if (rc < 0) buf_printf(err, "rename %s to %s: %s", tmp, path.data, strerror(errno));
    if (rc == 0 && a->child_for_enable) {
        buf tname;
        buf_init(&tname);
        aof_temp_incr_name(p.filename, &tname);
        aof_path(&p, tname.data, &from);
        buf_fini(&tname);
        aof_manifest_incr_to_history(&next, false);
        aof_path(&p, aof_manifest_new_incr(&next, p.filename), &path);
        rc = rename(from.data, path.data);
        if (rc < 0) buf_printf(err, "rename %s to %s: %s", from.data, path.data, strerror(errno));
    } else if (rc == 0) {
        aof_manifest_incr_to_history(&next, keep_last);
    }
    if (rc == 0) rc = aof_manifest_persist(&next, &p, err);
    buf_fini(&path);
    buf_fini(&from);
    if (rc < 0) {
        aof_manifest_fini(&next);
        return -1;
    }
    aof_manifest_fini(&a->man);
    a->man = next;
    a->child_for_enable = false;
    if (cfgv(a)->aof_disable_auto_gc) return 0; /* history files stay for the operator */
    buf derr;
    buf_init(&derr);
    if (aof_delete_history(&p, &a->man, &derr) < 0 || aof_manifest_persist(&a->man, &p, &derr) < 0)
        log_warning("Can't remove old AOF files: %s", derr.data ? derr.data : "?");
    buf_fini(&derr);
    return 0;
}

static void on_rewrite_done(struct ev_loop *loop, ev_child *w, int revents) {
    (void)revents;
    appendonly *a = w->data;
    ev_child_stop(loop, w);
    a->last_cow_size = child_info_receive(&a->ci);
    pid_t pid = a->child;
    a->child = 0;
    a->last_rewrite_time_s = (clock_mono_ms() - a->rewrite_start_ms) / 1000;
    bool ok = WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == 0;
    if (!ok) {
        if (WIFSIGNALED(w->rstatus))
            log_warning("Background AOF rewrite terminated by signal %d", WTERMSIG(w->rstatus));
        else
            log_warning("Background AOF rewrite terminated with error");
        rewrite_failed(a, pid);
        return;
    }
    buf err;
    buf_init(&err);
    char tmp[64];
    temp_rewrite_name(pid, tmp, sizeof(tmp));
    if (install_base(a, tmp, a->on, &err) < 0) {
        log_warning("Error installing the new AOF base: %s", err.data ? err.data : "?");
        rewrite_failed(a, pid);
    } else {
        a->last_bgrewrite_ok = true;
        a->consecutive_failures = 0;
        a->rewrites++;
        measure(a);
        a->rewrite_base_size = a->base_size + a->incr_size;
        log_notice("Background AOF rewrite finished successfully");
    }
    buf_fini(&err);
}

int appendonly_rewrite(appendonly *a, bool *scheduled, buf *err) {
    *scheduled = false;
    if (a->child > 0) {
        buf_append_str(err, "ERR Background append only file rewriting already in progress");
        return -1;
    }
    /* Inside EXEC too: the rewrite must not start in the middle of it. */
    if (server_child_running(a->srv) || server_in_exec(a->srv)) {
        a->rewrite_scheduled = true;
        a->consecutive_failures = 0;
        *scheduled = true;
        return 0;
    }
    buf why;
    buf_init(&why);
    int rc = start_rewrite(a, &why);
    buf_fini(&why);
    if (rc < 0) {
        buf_append_str(err, "ERR Can't execute an AOF background rewriting. Please check the "
                            "server logs for more information.");
        return -1;
    }
    return 0;
}

void appendonly_kill_child(appendonly *a) {
    if (a->child <= 0) return;
    pid_t pid = a->child;
    kill(pid, SIGUSR1);
    waitpid(pid, NULL, 0);
    ev_child_stop(server_loop(a->srv), &a->child_watcher);
    child_info_close(&a->ci);
    a->child = 0;
    char tmp[64];
    temp_rewrite_name(pid, tmp, sizeof(tmp));
    unlink(tmp);
}

void appendonly_cron(appendonly *a) {
    if (a->on && a->fd >= 0) {
        /* Retry a failed write; keep the everysec promise on idle loops. */
        if (a->pending.len > 0 || a->unsynced) appendonly_flush(a);
    }
    if (a->child > 0 || server_child_running(a->srv)) return;
    /* After a failure, wait a little before trying again (Redis: 5 s). */
    if (a->consecutive_failures && clock_mono_ms() - a->last_failed_try_ms < 5000) return;
    buf err;
    buf_init(&err);
    if (a->rewrite_scheduled) {
        if (start_rewrite(a, &err) < 0) rewrite_failed(a, 0);
    } else if (a->on && cfgv(a)->auto_aof_rewrite_percentage > 0) {
        int64_t size = a->base_size + a->incr_size;
        int64_t base = a->rewrite_base_size > 0 ? a->rewrite_base_size : 1;
        if (size >= cfgv(a)->auto_aof_rewrite_min_size &&
            (size - base) * 100 / base >= cfgv(a)->auto_aof_rewrite_percentage) {
            log_notice("Starting automatic rewriting of AOF on %lld%% growth",
                       (long long)((size - base) * 100 / base));
            if (start_rewrite(a, &err) < 0) rewrite_failed(a, 0);
        }
    }
    buf_fini(&err);
}

/* ---- switching on and off ---- */

static void go_on(appendonly *a) {
    a->on = true;
    a->selected_db = -1;
    if (!a->worker.started) worker_start(&a->worker);
    server_update_prop_wanted(a->srv);
}

/* Writes the dataset as the base in the foreground (start-up, before any
 * client is served): whatever was loaded is on disk under the manifest
 * before the first write is acknowledged. */
static int write_base_now(appendonly *a) {
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "temp-rewriteaof-%d.aof", (int)getpid());
    rdb_save_opts o;
    snapshot_fill_save_opts(server_snapshot(a->srv), &o);
    buf err;
    buf_init(&err);
    int rc = rdb_save_file(server_keyspace(a->srv), tmp, &o, &err);
    if (rc == 0) rc = install_base(a, tmp, false, &err);
    if (rc < 0) {
        log_warning("Can't create the AOF base file: %s", err.data ? err.data : "?");
        unlink(tmp);
    } else {
        log_notice("Created AOF base file %s", a->man.base->name);
    }
    buf_fini(&err);
    return rc < 0 ? -1 : 0;
}

int appendonly_start(appendonly *a) {
    aof_paths p = paths_of(a);
    if (ensure_manifest(a) < 0) return -1;
    buf err;
    buf_init(&err);
    bool upgrade = false;
    if (aof_upgrade_needed(&p, &a->man, &upgrade) == 0 && upgrade) {
        log_notice("Upgrading the old append only file %s to the multi part layout", p.filename);
        if (aof_upgrade(&p, &a->man, &err) < 0) {
            log_warning("Can't upgrade the old append only file: %s", err.data ? err.data : "?");
            buf_fini(&err);
            return -1;
        }
    }
    int rc;
    if (a->man.base || a->man.incr_len > 0) {
        rc = load_files(a);
    } else {
        /* Redis ignores dump.rdb here, which silently drops the dataset of
         * anyone who turns appendonly on in the config of a server that ran
         * without it. Load it: it becomes the first base below. */
        rc = snapshot_load_at_start(server_snapshot(a->srv));
    }
    if (rc == 0 && aof_dir_create(&p, &err) < 0) {
        log_warning("Can't open or create append-only dir %s: %s", p.dirname, err.data);
        rc = -1;
    }
    buf_fini(&err);
    if (rc < 0) return -1;
    if (!a->man.base && write_base_now(a) < 0) return -1;
    if (open_incr(a) < 0) return -1;
    measure(a);
    a->rewrite_base_size = a->base_size + a->incr_size;
    go_on(a);
    return 0;
}

int appendonly_set_enabled(appendonly *a, bool on, buf *err) {
    if (on == a->on) return 0;
    if (!on) {
        appendonly_shutdown(a);
        appendonly_kill_child(a);
        close_incr(a);
        a->on = false;
        a->child_for_enable = false;
        a->rewrite_scheduled = false;
        buf_clear(&a->pending);
        server_update_prop_wanted(a->srv);
        return 0;
    }
    if (ensure_manifest(a) < 0) {
        buf_append_str(err, "ERR the AOF manifest on disk is invalid, see the server log");
        return -1;
    }
    /* Appending starts now, to a temporary incr file; a child writes the
     * base, and only then do both join the manifest. */
    appendonly_kill_child(a);
    a->child_for_enable = true;
    go_on(a);
    buf why;
    buf_init(&why);
    aof_paths p = paths_of(a);
    int rc = aof_dir_create(&p, &why);
    if (rc == 0) rc = open_temp_incr(a, &why);
    if (rc == 0 && !server_child_running(a->srv))
        rc = start_rewrite(a, &why);
    else if (rc == 0)
        a->rewrite_scheduled = true; /* after the running BGSAVE */
    if (rc < 0) {
        log_warning("Can't enable the append only file: %s", why.data ? why.data : "?");
        buf_append_str(err, "ERR Can't enable the append only file: see the server log");
        a->on = false;
        a->child_for_enable = false;
        close_incr(a);
        server_update_prop_wanted(a->srv);
    }
    buf_fini(&why);
    return rc;
}

void appendonly_get_info(appendonly *a, appendonly_info *out) {
    memset(out, 0, sizeof(*out));
    out->enabled = a->on;
    out->rewrite_in_progress = a->child > 0;
    out->rewrite_scheduled = a->rewrite_scheduled;
    out->last_rewrite_time_s = a->last_rewrite_time_s;
    out->current_rewrite_time_s = a->child > 0 ? (clock_mono_ms() - a->rewrite_start_ms) / 1000 : -1;
    out->last_bgrewrite_ok = a->last_bgrewrite_ok;
    out->rewrites = a->rewrites;
    out->rewrites_consecutive_failures = a->consecutive_failures;
    out->last_write_ok = a->last_write_errno == 0;
    out->current_size = a->base_size + a->incr_size;
    out->base_size = a->base_size;
    out->buffer_length = a->pending.len;
    out->pending_bio_fsync = worker_pending(&a->worker);
    out->delayed_fsync = a->delayed_fsync;
    out->last_cow_size = a->last_cow_size;
}
