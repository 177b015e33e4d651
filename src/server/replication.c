/* replication: the stream and its backlog, the primary's side (replicas,
 * full and partial synchronisation, WAIT's acknowledgements), role changes
 * and INFO/ROLE. The replica's link to its primary is replica_link.c. See
 * include/server/replication.h for the protocol in short. */
#include "server/replication.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/hash.h"
#include "base/list.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/net.h"
#include "commands/propagate.h"
#include "data/keyspace.h"
#include "persist/rdb.h"
#include "protocol/reply.h"
#include "server/appendonly.h"
#include "server/backlog.h"
#include "server/child_info.h"
#include "server/client.h"
#include "server/config.h"
#include "replication_internal.h"
#include "server/server.h"
#include "server/snapshot.h"


static const config_values *cfgv(const replication *r) {
    return repl_cfg(r);
}


replication *repl_new(struct server *srv) {
    replication *r = mem_calloc(1, sizeof(*r));
    r->srv = srv;
    random_hex40(r->replid);
    memset(r->replid2, '0', 40);
    r->second_replid_offset = -1;
    r->seldb = -1;
    r->fd = -1;
    r->tmp_fd = -1;
    r->pipe_fd = -1;
    r->ci.rfd = r->ci.wfd = -1;
    list_init(&r->peers);
    buf_init(&r->rx);
    return r;
}


void repl_free(replication *r) {
    if (r == NULL) return;
    if (r->child > 0) ev_child_stop(server_loop(r->srv), &r->child_watcher);
    if (r->pipe_fd >= 0) {
        ev_io_stop(server_loop(r->srv), &r->pipe_io);
        close(r->pipe_fd);
    }
    link_close(r);
    backlog_free(r->bl);
    buf_fini(&r->rx);
    mem_free(r->primary_host);
    mem_free(r);
}

bool repl_child_running(const replication *r) {
    return r->child > 0;
}

static void fail_waiting_peers(replication *r);

void repl_kill_child(replication *r) {
    if (r->child <= 0) return;
    log_warning("There is a child saving an .rdb for replicas. Killing it!");
    kill(r->child, SIGUSR1);
    waitpid(r->child, NULL, 0);
    ev_child_stop(server_loop(r->srv), &r->child_watcher);
    child_info_close(&r->ci);
    r->child = 0;
    if (r->pipe_fd >= 0) {
        ev_io_stop(server_loop(r->srv), &r->pipe_io);
        close(r->pipe_fd);
        r->pipe_fd = -1;
    }
    fail_waiting_peers(r);
}

bool repl_is_replica(const replication *r) {
    return r->primary_host != NULL;
}

bool repl_link_up(const replication *r) {
    return r->link == LINK_CONNECTED;
}

const char *repl_replid(const replication *r) {
    return r->replid;
}

int64_t repl_offset(const replication *r) {
    return r->offset;
}

/* ---- the stream ---- */

void repl_create_backlog(replication *r) {
    size_t size = (size_t)cfgv(r)->repl_backlog_size;
    r->bl = backlog_new(size, r->offset);
}

static void peer_send(repl_peer *p, const char *data, size_t len) {
    reply_raw(&p->c->out, data, len);
    server_queue_write(p->c->srv, p->c);
}

/* Appends bytes to the stream: backlog, online replicas, and the held
 * back part of replicas still receiving their snapshot. */
void repl_stream_append(replication *r, const char *data, size_t len) {
    if (r->bl == NULL) repl_create_backlog(r);
    backlog_append(r->bl, data, len);
    r->offset = r->bl->offset;
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state == PEER_ONLINE) {
            peer_send(p, data, len);
            client_check_output_limits(p->c);
        } else if (p->state == PEER_WAIT_END || p->state == PEER_SEND_BULK ||
                   p->state == PEER_WAIT_ACK) {
            buf_append(&p->pending, data, len);
        }
    }
}

const char *repl_save_info(const replication *r, int64_t *offset, int *stream_db) {
    /* What a later start can continue from: a replica's history (when it
     * has one), or a primary's while replicas follow it. */
    if (r->bl == NULL) return NULL;
    *offset = r->offset;
    if (repl_is_replica(r))
        *stream_db = r->primary ? r->primary->sess.db : r->stream_db;
    else
        *stream_db = r->seldb < 0 ? 0 : r->seldb;
    return r->replid;
}

void repl_restore_history(replication *r, const char *replid, int64_t offset, int stream_db) {
    const config_values *cv = cfgv(r);
    if (cv->replicaof_host == NULL) return; /* a primary starts a history of its own */
    memcpy(r->replid, replid, 40);
    r->replid[40] = '\0';
    r->offset = offset;
    r->stream_db = stream_db;
    backlog_free(r->bl);
    repl_create_backlog(r);
    log_notice("Replication history restored from the snapshot: %s:%lld (db %d)", r->replid,
               (long long)offset, stream_db);
}

void repl_resize_backlog(replication *r) {
    if (r->bl) backlog_resize(r->bl, (size_t)cfgv(r)->repl_backlog_size);
}

bool repl_wants_stream(const replication *r) {
    return r->bl != NULL && !repl_is_replica(r);
}

void repl_feed(replication *r, const prop_batch *b, bool wrap) {
    if (!repl_wants_stream(r) || b->count == 0) return;
    buf out;
    buf_init(&out);
    prop_batch_encode(b, wrap, &r->seldb, &out);
    repl_stream_append(r, out.data, out.len);
    buf_fini(&out);
}

void repl_applied_from_primary(replication *r, const char *data, size_t len) {
    /* Passed on byte for byte: sub-replicas and our backlog share the
     * primary's offsets. */
    repl_stream_append(r, data, len);
}

/* ---- replicas: full and partial synchronisation ---- */

static repl_peer *peer_of(replication *r, struct client *c) {
    list_node *pos;
    list_foreach(pos, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->c == c) return p;
    }
    return NULL;
}

static void peer_free(replication *r, repl_peer *p) {
    (void)r;
    list_unlink(&p->node);
    if (p->file_fd >= 0) close(p->file_fd);
    buf_fini(&p->pending);
    if (p->c) p->c->flags &= ~CLIENT_REPLICA;
    mem_free(p);
}

static const char *peer_state_name(const repl_peer *p) {
    switch (p->state) {
    case PEER_WAIT_START: return "wait_bgsave";
    case PEER_WAIT_END: return "wait_bgsave";
    case PEER_SEND_BULK: return "send_bulk";
    case PEER_WAIT_ACK: return "send_bulk";
    default: return "online";
    }
}

static void peer_ip(const repl_peer *p, char *out, size_t cap) {
    if (p->announced_ip[0]) {
        snprintf(out, cap, "%s", p->announced_ip);
        return;
    }
    int port;
    if (net_peer_addr(p->c->fd, out, cap, &port) < 0) snprintf(out, cap, "?");
}

static void peer_online(replication *r, repl_peer *p) {
    (void)r;
    if (p->rdb_only) {
        /* It asked for the snapshot alone (redis-cli --rdb). */
        p->c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        server_queue_write(p->c->srv, p->c);
        p->state = PEER_ONLINE;
        return;
    }
    p->state = PEER_ONLINE;
    p->ack_time_ms = clock_mono_ms();
    if (p->pending.len) peer_send(p, p->pending.data, p->pending.len);
    buf_fini(&p->pending);
    char ip[NET_IP_STR_LEN];
    peer_ip(p, ip, sizeof(ip));
    log_notice("Synchronization with replica %s:%d succeeded", ip, p->listening_port);
}

static void on_sync_child_exit(struct ev_loop *loop, ev_child *w, int revents);
static void on_pipe_readable(struct ev_loop *loop, ev_io *w, int revents);

static bool any_peer_in(replication *r, enum peer_state st) {
    list_node *pos;
    list_foreach(pos, &r->peers) {
        if (container_of(pos, repl_peer, node)->state == st) return true;
    }
    return false;
}

/* Starts the snapshot for every replica waiting for one: each gets
 * +FULLRESYNC with the offset the snapshot is taken at. */
static void start_full_sync(replication *r) {
    if (server_child_running(r->srv)) return;
    /* Diskless needs every waiting replica to understand $EOF framing. */
    bool diskless = cfgv(r)->repl_diskless_sync;
    list_node *it;
    list_foreach(it, &r->peers) {
        repl_peer *w = container_of(it, repl_peer, node);
        if (w->state == PEER_WAIT_START && !w->capa_eof) diskless = false;
    }
    int pipefd[2] = {-1, -1};
    if (diskless && pipe2(pipefd, O_CLOEXEC) < 0) {
        log_warning("Can't create a pipe for a diskless sync: %s", strerror(errno));
        diskless = false;
    }
    rdb_save_opts o;
    snapshot_fill_save_opts(server_snapshot(r->srv), &o);
    const char *path = cfgv(r)->dbfilename && cfgv(r)->dbfilename[0] ? cfgv(r)->dbfilename
                                                                      : "dump.rdb";
    int64_t t0 = clock_mono_us();
    child_info_open(&r->ci);
    pid_t pid = fork();
    if (pid < 0) {
        child_info_close(&r->ci);
        log_warning("Can't fork for a replica sync: %s", strerror(errno));
        if (pipefd[0] >= 0) {
            close(pipefd[0]);
            close(pipefd[1]);
        }
        return;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        buf err;
        buf_init(&err);
        int rc;
        if (diskless) {
            close(pipefd[0]);
            rc = rdb_save_fd(server_keyspace(r->srv), pipefd[1], &o, &err);
        } else {
            rc = rdb_save_file(server_keyspace(r->srv), path, &o, &err);
        }
        if (rc < 0) log_warning("Replica sync snapshot failed: %s", err.data ? err.data : "?");
        child_info_send(&r->ci);
        _exit(rc < 0 ? 1 : 0);
    }
    child_info_parent(&r->ci);
    snapshot_count_fork(server_snapshot(r->srv), clock_mono_us() - t0);
    r->child = pid;
    r->child_diskless = diskless;
    ev_child_init(&r->child_watcher, on_sync_child_exit, pid, 0);
    r->child_watcher.data = r;
    ev_child_start(server_loop(r->srv), &r->child_watcher);
    if (diskless) {
        close(pipefd[1]);
        r->pipe_fd = pipefd[0];
        if (net_set_nonblock(r->pipe_fd, true) < 0)
            log_warning("Can't make the sync pipe non-blocking: %s", strerror(errno));
        random_hex40(r->eof_mark);
        ev_io_init(&r->pipe_io, on_pipe_readable, r->pipe_fd, EV_READ);
        r->pipe_io.data = r;
        ev_io_start(server_loop(r->srv), &r->pipe_io);
        r->pipe_paused = false;
    }
    log_notice("Starting BGSAVE for SYNC with target: %s (pid %d)",
               diskless ? "replicas sockets" : "disk", (int)pid);
    /* The snapshot holds everything up to here: the stream goes on from
     * this offset. A SELECT must open what each replica receives next. */
    r->seldb = -1;
    char line[128];
    int n = snprintf(line, sizeof(line), "+FULLRESYNC %s %lld\r\n", r->replid, (long long)r->offset);
    list_node *pos;
    list_foreach(pos, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state != PEER_WAIT_START) continue;
        if (!p->pre_psync) peer_send(p, line, (size_t)n);
        p->state = diskless ? PEER_SEND_BULK : PEER_WAIT_END;
        if (diskless) {
            char head[64];
            int hn = snprintf(head, sizeof(head), "$EOF:%s\r\n", r->eof_mark);
            peer_send(p, head, (size_t)hn);
        }
    }
}

/* Diskless: relays the child's snapshot to the replicas being fed. */
static void on_pipe_readable(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    replication *r = w->data;
    char chunk[PUMP_CHUNK];
    ssize_t n = read(r->pipe_fd, chunk, sizeof(chunk));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    list_node *pos;
    if (n > 0) {
        bool full = false;
        list_foreach(pos, &r->peers) {
            repl_peer *p = container_of(pos, repl_peer, node);
            if (p->state != PEER_SEND_BULK) continue;
            peer_send(p, chunk, (size_t)n);
            if (p->c->out.pending > PUMP_HIGH_WATER) full = true;
        }
        if (full) {
            ev_io_stop(server_loop(r->srv), &r->pipe_io);
            r->pipe_paused = true;
        }
        return;
    }
    /* End of the snapshot (or a broken pipe): the child's exit status says
     * which; the mark goes out when it is known. */
    ev_io_stop(server_loop(r->srv), &r->pipe_io);
    close(r->pipe_fd);
    r->pipe_fd = -1;
}

static void fail_waiting_peers(replication *r) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state == PEER_WAIT_END || p->state == PEER_SEND_BULK) {
            log_warning("SYNC failed. BGSAVE child returned an error");
            client_close_asap(p->c);
        }
    }
}

static void on_sync_child_exit(struct ev_loop *loop, ev_child *w, int revents) {
    (void)revents;
    replication *r = w->data;
    ev_child_stop(loop, w);
    snapshot_note_cow(server_snapshot(r->srv), child_info_receive(&r->ci));
    r->child = 0;
    bool ok = WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == 0;
    if (r->child_diskless) {
        /* Drain what the pipe still holds before the mark. */
        while (r->pipe_fd >= 0) on_pipe_readable(loop, &r->pipe_io, 0);
        if (!ok) {
            fail_waiting_peers(r);
            return;
        }
        log_notice("Diskless rdb transfer done");
        list_node *pos;
        list_foreach(pos, &r->peers) {
            repl_peer *p = container_of(pos, repl_peer, node);
            if (p->state != PEER_SEND_BULK) continue;
            peer_send(p, r->eof_mark, EOF_MARK_LEN);
            /* A replica finds the end of the payload by its last bytes:
             * nothing may follow until it says it has loaded (its first
             * ACK), as Redis does. */
            if (p->rdb_only)
                peer_online(r, p);
            else
                p->state = PEER_WAIT_ACK;
        }
        return;
    }
    if (!ok) {
        fail_waiting_peers(r);
        return;
    }
    log_notice("Background RDB transfer terminated with success");
    const char *path = cfgv(r)->dbfilename && cfgv(r)->dbfilename[0] ? cfgv(r)->dbfilename
                                                                      : "dump.rdb";
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state != PEER_WAIT_END) continue;
        struct stat st;
        p->file_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (p->file_fd < 0 || fstat(p->file_fd, &st) < 0) {
            log_warning("SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(errno));
            client_close_asap(p->c);
            continue;
        }
        char head[64];
        int n = snprintf(head, sizeof(head), "$%lld\r\n", (long long)st.st_size);
        peer_send(p, head, (size_t)n);
        p->file_left = st.st_size;
        p->state = PEER_SEND_BULK;
    }
}

/* Disk transfer: feeds the snapshot file into the replica's output as the
 * socket takes it. */
static void pump_files(replication *r) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state != PEER_SEND_BULK || p->file_fd < 0) continue;
        while (p->file_left > 0 && p->c->out.pending < PUMP_HIGH_WATER) {
            char chunk[PUMP_CHUNK];
            size_t want = p->file_left < PUMP_CHUNK ? (size_t)p->file_left : PUMP_CHUNK;
            ssize_t n = read(p->file_fd, chunk, want);
            if (n <= 0) {
                log_warning("Read error sending DB to replica: %s", n < 0 ? strerror(errno) : "EOF");
                client_close_asap(p->c);
                break;
            }
            peer_send(p, chunk, (size_t)n);
            p->file_left -= n;
        }
        if (p->file_left == 0 && !(p->c->flags & CLIENT_CLOSE_ASAP)) {
            close(p->file_fd);
            p->file_fd = -1;
            peer_online(r, p);
        }
    }
}

static void collect_bytes(void *ctx, const char *data, size_t len) {
    buf_append(ctx, data, len);
}

void repl_psync(replication *r, struct client *c, const char *replid, int64_t offset, bool sync) {
    if (repl_is_replica(r) && r->link != LINK_CONNECTED) {
        reply_error(&c->out, "NOMASTERLINK Can't SYNC while not connected with my master");
        return;
    }
    if (c->out.pending > 0) {
        reply_error(&c->out, "ERR SYNC and PSYNC are invalid with pending output");
        return;
    }
    repl_peer *p = peer_of(r, c);
    if (p == NULL) {
        p = mem_calloc(1, sizeof(*p));
        p->c = c;
        p->file_fd = -1;
        buf_init(&p->pending);
        list_push_back(&r->peers, &p->node);
    }
    c->flags |= CLIENT_REPLICA;
    p->pre_psync = sync;
    char ip[NET_IP_STR_LEN];
    peer_ip(p, ip, sizeof(ip));

    /* Partial: the same history (our id, or the one we had before a
     * promotion, up to where it ended) and the backlog still has it all. */
    bool same_history = !sync && (strcasecmp(replid, r->replid) == 0 ||
                                  (strcasecmp(replid, r->replid2) == 0 &&
                                   offset <= r->second_replid_offset));
    if (same_history && r->bl && backlog_covers(r->bl, offset)) {
        char line[96];
        int n = p->capa_psync2 ? snprintf(line, sizeof(line), "+CONTINUE %s\r\n", r->replid)
                               : snprintf(line, sizeof(line), "+CONTINUE\r\n");
        peer_send(p, line, (size_t)n);
        buf missing;
        buf_init(&missing);
        backlog_read_from(r->bl, offset, collect_bytes, &missing);
        if (missing.len) peer_send(p, missing.data, missing.len);
        log_notice("Partial resynchronization request from %s:%d accepted. Sending %zu bytes of "
                   "backlog starting from offset %lld.",
                   ip, p->listening_port, missing.len, (long long)offset);
        buf_fini(&missing);
        p->state = PEER_ONLINE;
        p->ack_time_ms = clock_mono_ms();
        r->sync_partial_ok++;
        return;
    }
    if (!sync && strcmp(replid, "?") != 0) {
        r->sync_partial_err++;
        log_notice("Partial resynchronization not accepted: Replication ID mismatch or offset out of "
                   "range (Replica asked for '%s', my replication IDs are '%s' and '%s')",
                   replid, r->replid, r->replid2);
    } else {
        log_notice("Full resync requested by replica %s:%d", ip, p->listening_port);
    }
    r->sync_full++;
    if (r->bl == NULL) {
        /* The first replica: a new history starts here. */
        random_hex40(r->replid);
        memset(r->replid2, '0', 40);
        r->second_replid_offset = -1;
        repl_create_backlog(r);
        server_update_prop_wanted(r->srv);
    }
    p->state = PEER_WAIT_START;
    p->wait_since_ms = clock_mono_ms();
    /* Diskless syncs wait a little for more replicas to share the child. */
    if (!cfgv(r)->repl_diskless_sync || cfgv(r)->repl_diskless_sync_delay == 0)
        start_full_sync(r);
}

bool repl_replconf(replication *r, struct client *c, int argc, const char *const *names,
                   const char *const *values, bool *reply_ok) {
    repl_peer *p = peer_of(r, c);
    if (p == NULL) p = c->repl_pre;
    *reply_ok = true;
    for (int i = 0; i < argc; i++) {
        const char *n = names[i], *v = values[i];
        bool setting = strcasecmp(n, "ack") != 0 && strcasecmp(n, "getack") != 0;
        if (setting && p == NULL) {
            /* Not a replica until PSYNC: the options wait on the client. */
            p = mem_calloc(1, sizeof(*p));
            p->c = c;
            p->file_fd = -1;
            p->state = PEER_WAIT_START;
            buf_init(&p->pending);
            list_init(&p->node);
            c->repl_pre = p;
        }
        if (!strcasecmp(n, "listening-port")) {
            char *end;
            long port = strtol(v, &end, 10);
            if (*end || end == v) {
                reply_error(&c->out, "ERR value is not an integer or out of range");
                return false;
            }
            p->listening_port = (int)port;
        } else if (!strcasecmp(n, "ip-address")) {
            if (strlen(v) >= NET_IP_STR_LEN) {
                reply_errorf(&c->out,
                             "ERR REPLCONF ip-address provided by replica instance is too long: "
                             "%zu bytes",
                             strlen(v));
                return false;
            }
            snprintf(p->announced_ip, sizeof(p->announced_ip), "%s", v);
        } else if (!strcasecmp(n, "capa")) {
            if (!strcasecmp(v, "eof")) p->capa_eof = true;
            if (!strcasecmp(v, "psync2")) p->capa_psync2 = true;
        } else if (!strcasecmp(n, "ack")) {
            *reply_ok = false; /* never answered */
            if (p == NULL || !(c->flags & CLIENT_REPLICA)) return true;
            char *end;
            long long off = strtoll(v, &end, 10);
            if (*end || end == v) return true;
            if (off > p->ack_off) p->ack_off = off;
            p->ack_time_ms = clock_mono_ms();
            if (p->state == PEER_WAIT_ACK) peer_online(r, p);
            server_acks_changed(r->srv);
            return true;
        } else if (!strcasecmp(n, "getack")) {
            *reply_ok = false;
            if (r->primary && c == r->primary) c->flags |= CLIENT_SEND_ACK;
            return true;
        } else if (!strcasecmp(n, "rdb-only")) {
            if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
                reply_error(&c->out, "ERR value is out of range, must be between 0 and 1");
                return false;
            }
            p->rdb_only = v[0] == '1';
        } else if (!strcasecmp(n, "rdb-filter-only")) {
            /* Only functions can be asked for; there are none to send, so
             * the snapshot is the same either way. */
            char copy[256];
            snprintf(copy, sizeof(copy), "%s", v);
            for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
                if (strcasecmp(tok, "functions") != 0) {
                    reply_errorf(&c->out, "ERR Unsupported rdb-filter-only option: %s", tok);
                    return false;
                }
            }
        } else {
            reply_errorf(&c->out, "ERR Unrecognized REPLCONF option: %s", n);
            return false;
        }
    }
    return true;
}

/* Options given before PSYNC live on the client until it becomes a
 * replica. */
void repl_adopt_pre(replication *r, struct client *c) {
    repl_peer *p = c->repl_pre;
    if (p == NULL) return;
    c->repl_pre = NULL;
    list_push_back(&r->peers, &p->node);
}

void repl_client_gone(replication *r, struct client *c) {
    if (c->repl_pre) {
        repl_peer *p = c->repl_pre;
        c->repl_pre = NULL;
        buf_fini(&p->pending);
        mem_free(p);
    }
    repl_peer *p = peer_of(r, c);
    if (p) {
        char ip[NET_IP_STR_LEN];
        peer_ip(p, ip, sizeof(ip));
        if (p->state == PEER_ONLINE) log_notice("Connection with replica %s:%d lost.", ip, p->listening_port);
        peer_free(r, p);
    }
    if (c == r->primary) {
        log_warning("Connection with master lost.");
        /* A partial resync continues the stream where it was, with no
         * SELECT: the next link must start in the same database. */
        r->stream_db = c->sess.db;
        r->primary = NULL;
        r->link = LINK_CONNECT;
        r->fd = -1; /* the client owned and closed it */
        r->down_since_ms = clock_wall_ms();
        server_refresh_expire_mode(r->srv);
    }
}

void repl_sync_stats(const replication *r, uint64_t *full, uint64_t *partial_ok,
                     uint64_t *partial_err) {
    *full = r->sync_full;
    *partial_ok = r->sync_partial_ok;
    *partial_err = r->sync_partial_err;
}

int repl_count_acked(const replication *r, int64_t offset) {
    int n = 0;
    list_node *pos;
    list_foreach(pos, &r->peers) {
        const repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state == PEER_ONLINE && p->ack_off >= offset) n++;
    }
    return n;
}

void repl_request_acks(replication *r) {
    if (list_empty(&r->peers)) return;
    static const char getack[] = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
    repl_stream_append(r, getack, sizeof(getack) - 1);
}

int repl_good_replicas(const replication *r) {
    int n = 0;
    int64_t now = clock_mono_ms();
    list_node *pos;
    list_foreach(pos, &r->peers) {
        const repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state == PEER_ONLINE &&
            now - p->ack_time_ms <= (int64_t)cfgv(r)->min_replicas_max_lag * 1000)
            n++;
    }
    return n;
}

/* ---- role changes ---- */

static void disconnect_peers(replication *r) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        client_close_asap(p->c);
    }
}

void repl_set_primary_id(replication *r, const char *id) {
    char want[41] = "";
    if (id) snprintf(want, sizeof(want), "%.40s", id);
    if (strcmp(want, r->primary_id) == 0) return;
    memcpy(r->primary_id, want, sizeof(want));
    r->stranger_logged[0] = '\0';
    /* A link made under another expectation is checked again. */
    if (want[0] && r->link != LINK_NONE && r->link != LINK_CONNECT) {
        link_close(r);
        r->link = LINK_CONNECT;
    }
}

int repl_set_primary(replication *r, const char *host, int port, bool *already, buf *err) {
    (void)err;
    *already = false;
    if (host == NULL) {
        if (!repl_is_replica(r)) return 0;
        link_close(r);
        r->link = LINK_NONE;
        mem_free(r->primary_host);
        r->primary_host = NULL;
        /* A new history starts, continuing the old one: replicas that
         * followed the same primary can go on with a partial resync. */
        memcpy(r->replid2, r->replid, 41);
        r->second_replid_offset = r->offset + 1;
        random_hex40(r->replid);
        r->seldb = -1;
        disconnect_peers(r);
        server_refresh_expire_mode(r->srv);
        server_update_prop_wanted(r->srv);
        log_set_role('M');
        log_notice("MASTER MODE enabled");
        return 0;
    }
    if (r->primary_host && strcasecmp(r->primary_host, host) == 0 && r->primary_port == port) {
        *already = true;
        return 0;
    }
    link_close(r);
    mem_free(r->primary_host);
    r->primary_host = mem_strdup(host);
    r->primary_port = port;
    r->link = LINK_CONNECT;
    r->down_since_ms = clock_wall_ms();
    r->seldb = -1;
    log_set_role('S');
    disconnect_peers(r);
    server_refresh_expire_mode(r->srv);
    server_update_prop_wanted(r->srv);
    link_connect(r);
    return 0;
}

void repl_start(replication *r) {
    const config_values *cv = cfgv(r);
    if (cv->replicaof_host == NULL) return;
    bool already;
    buf err;
    buf_init(&err);
    if (repl_set_primary(r, cv->replicaof_host, cv->replicaof_port, &already, &err) < 0)
        log_warning("Can't follow %s:%d: %s", cv->replicaof_host, cv->replicaof_port, err.data);
    buf_fini(&err);
}

int64_t repl_primary_last_io(const replication *r) {
    if (!repl_is_replica(r) || r->last_io_ms == 0) return 0;
    return clock_wall_ms() - (clock_mono_ms() - r->last_io_ms);
}

/* ---- timers ---- */

void repl_before_sleep(replication *r) {
    pump_files(r);
    if (r->pipe_paused && r->pipe_fd >= 0) {
        bool full = false;
        list_node *pos;
        list_foreach(pos, &r->peers) {
            repl_peer *p = container_of(pos, repl_peer, node);
            if (p->state == PEER_SEND_BULK && p->c->out.pending > PUMP_HIGH_WATER / 2) full = true;
        }
        if (!full) {
            ev_io_start(server_loop(r->srv), &r->pipe_io);
            r->pipe_paused = false;
        }
    }
}

void repl_cron(replication *r) {
    int64_t now = clock_mono_ms();
    const config_values *cv = cfgv(r);
    int64_t timeout_ms = (int64_t)cv->repl_timeout * 1000;

    /* Replica side. */
    if (r->link == LINK_CONNECT) {
        if (now >= r->retry_at_ms) link_connect(r);
    } else if ((r->link == LINK_CONNECTING || r->link == LINK_HANDSHAKE ||
                r->link == LINK_TRANSFER) &&
               now - r->last_io_ms > timeout_ms) {
        link_fail(r, "Timeout connecting to the MASTER...");
    } else if (r->link == LINK_CONNECTED) {
        /* last_active_ms is wall-clock time of the last command applied. */
        if (r->primary && clock_wall_ms() - r->primary->last_active_ms > timeout_ms) {
            log_warning("MASTER timeout: no data nor PING received...");
            client_close_asap(r->primary);
        } else {
            link_send_ack(r);
        }
    }

    /* Primary side: PING now and then, so replicas notice a dead link. */
    if (!repl_is_replica(r) && !list_empty(&r->peers) &&
        now - r->last_ping_ms >= (int64_t)cv->repl_ping_replica_period * 1000) {
        r->last_ping_ms = now;
        static const char ping[] = "*1\r\n$4\r\nPING\r\n";
        repl_stream_append(r, ping, sizeof(ping) - 1);
    }
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state == PEER_WAIT_START || p->state == PEER_WAIT_END) {
            /* Keep-alive while the snapshot is being made. */
            peer_send(p, "\n", 1);
        } else if (p->state == PEER_ONLINE && now - p->ack_time_ms > timeout_ms) {
            char ip[NET_IP_STR_LEN];
            peer_ip(p, ip, sizeof(ip));
            log_warning("Disconnecting timedout replica (streaming sync): %s:%d", ip,
                        p->listening_port);
            client_close_asap(p->c);
        }
    }
    /* Diskless syncs start once the first waiting replica waited enough,
     * or enough replicas are waiting. */
    if (r->child == 0 && any_peer_in(r, PEER_WAIT_START)) {
        int64_t oldest = now;
        int waiting = 0;
        list_foreach(pos, &r->peers) {
            repl_peer *p = container_of(pos, repl_peer, node);
            if (p->state != PEER_WAIT_START) continue;
            waiting++;
            if (p->wait_since_ms < oldest) oldest = p->wait_since_ms;
        }
        int max = cv->repl_diskless_sync_max_replicas;
        if (!cv->repl_diskless_sync || now - oldest >= (int64_t)cv->repl_diskless_sync_delay * 1000 ||
            (max > 0 && waiting >= max))
            start_full_sync(r);
    }
    /* A primary without replicas frees its backlog after repl-backlog-ttl. */
    if (!repl_is_replica(r) && r->bl && cv->repl_backlog_ttl > 0) {
        if (!list_empty(&r->peers)) {
            r->no_replicas_since_ms = 0;
        } else if (r->no_replicas_since_ms == 0) {
            r->no_replicas_since_ms = now;
        } else if (now - r->no_replicas_since_ms > cv->repl_backlog_ttl * 1000) {
            log_notice("Replication backlog freed after %lld seconds without connected replicas.",
                       (long long)cv->repl_backlog_ttl);
            backlog_free(r->bl);
            r->bl = NULL;
            r->no_replicas_since_ms = 0;
            server_update_prop_wanted(r->srv);
        }
    }
}

/* ---- INFO and ROLE ---- */

const char *link_state_name(const replication *r) {
    switch (r->link) {
    case LINK_CONNECT: return "connect";
    case LINK_CONNECTING: return "connecting";
    case LINK_HANDSHAKE: return "handshake";
    case LINK_TRANSFER: return "sync";
    case LINK_CONNECTED: return "connected";
    default: return "none";
    }
}

void repl_info(replication *r, buf *out) {
    const config_values *cv = cfgv(r);
    int64_t now = clock_mono_ms();
    if (!repl_is_replica(r)) {
        buf_append_str(out, "role:master\r\n");
    } else {
        int64_t last_io = r->primary ? (clock_wall_ms() - r->primary->last_active_ms) / 1000
                                     : (now - r->last_io_ms) / 1000;
        buf_printf(out,
                   "role:slave\r\n"
                   "master_host:%s\r\n"
                   "master_port:%d\r\n"
                   "master_link_status:%s\r\n"
                   "master_last_io_seconds_ago:%lld\r\n"
                   "master_sync_in_progress:%d\r\n"
                   "slave_read_repl_offset:%lld\r\n"
                   "slave_repl_offset:%lld\r\n",
                   r->primary_host, r->primary_port, r->link == LINK_CONNECTED ? "up" : "down",
                   r->link == LINK_CONNECTED ? (long long)last_io : -1LL,
                   r->sync_in_progress ? 1 : 0, (long long)r->offset, (long long)r->offset);
        if (r->link == LINK_TRANSFER)
            buf_printf(out,
                       "master_sync_total_bytes:%lld\r\n"
                       "master_sync_read_bytes:%lld\r\n"
                       "master_sync_left_bytes:%lld\r\n"
                       "master_sync_perc:%.2f\r\n"
                       "master_sync_last_io_seconds_ago:%lld\r\n",
                       r->eof_mode ? -1LL : (long long)(r->transfer_read + r->transfer_left),
                       (long long)r->transfer_read,
                       r->eof_mode ? -1LL : (long long)r->transfer_left, 0.0,
                       (long long)((now - r->last_io_ms) / 1000));
        if (r->link != LINK_CONNECTED)
            buf_printf(out, "master_link_down_since_seconds:%lld\r\n",
                       (long long)((clock_wall_ms() - r->down_since_ms) / 1000));
        buf_printf(out,
                   "slave_priority:%d\r\n"
                   "slave_read_only:%d\r\n"
                   "replica_announced:1\r\n",
                   cv->replica_priority, cv->replica_read_only ? 1 : 0);
    }
    int count = 0;
    list_node *pos;
    list_foreach(pos, &r->peers) count++;
    buf_printf(out, "connected_slaves:%d\r\n", count);
    if (!repl_is_replica(r) && cv->min_replicas_to_write > 0)
        buf_printf(out, "min_slaves_good_slaves:%d\r\n", repl_good_replicas(r));
    int i = 0;
    list_foreach(pos, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        char ip[NET_IP_STR_LEN];
        peer_ip(p, ip, sizeof(ip));
        buf_printf(out, "slave%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%lld\r\n", i++, ip,
                   p->listening_port, peer_state_name(p), (long long)p->ack_off,
                   (long long)((now - p->ack_time_ms) / 1000));
    }
    buf_printf(out,
               "master_failover_state:no-failover\r\n"
               "master_replid:%s\r\n"
               "master_replid2:%s\r\n"
               "master_repl_offset:%lld\r\n"
               "second_repl_offset:%lld\r\n"
               "repl_backlog_active:%d\r\n"
               "repl_backlog_size:%lld\r\n"
               "repl_backlog_first_byte_offset:%lld\r\n"
               "repl_backlog_histlen:%lld\r\n",
               r->replid, r->replid2, (long long)r->offset, (long long)r->second_replid_offset,
               r->bl ? 1 : 0, (long long)cv->repl_backlog_size,
               r->bl ? (long long)backlog_first_offset(r->bl) : 0LL,
               r->bl ? (long long)r->bl->histlen : 0LL);
}

void repl_role(replication *r, struct reply *out) {
    if (repl_is_replica(r)) {
        reply_array(out, 5);
        reply_bulk_cstr(out, "slave");
        reply_bulk_cstr(out, r->primary_host);
        reply_int(out, r->primary_port);
        reply_bulk_cstr(out, link_state_name(r));
        reply_int(out, r->link == LINK_CONNECTED ? r->offset : -1);
        return;
    }
    reply_array(out, 3);
    reply_bulk_cstr(out, "master");
    reply_int(out, r->offset);
    int count = 0;
    list_node *pos;
    list_foreach(pos, &r->peers) {
        if (container_of(pos, repl_peer, node)->state == PEER_ONLINE) count++;
    }
    reply_array(out, count);
    list_foreach(pos, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        if (p->state != PEER_ONLINE) continue;
        char ip[NET_IP_STR_LEN], port[16], off[24];
        peer_ip(p, ip, sizeof(ip));
        snprintf(port, sizeof(port), "%d", p->listening_port);
        snprintf(off, sizeof(off), "%lld", (long long)p->ack_off);
        reply_array(out, 3);
        reply_bulk_cstr(out, ip);
        reply_bulk_cstr(out, port);
        reply_bulk_cstr(out, off);
    }
}
