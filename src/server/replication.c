/* replication: the primary's side (replicas, backlog, full and partial
 * synchronisation) and the replica's side (the link to the primary).
 * See include/server/replication.h for the protocol in short. */
#include "server/replication.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
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
#include "server/client.h"
#include "server/config.h"
#include "server/server.h"
#include "server/snapshot.h"

#define EOF_MARK_LEN 40
#define PUMP_CHUNK (64 * 1024)
#define PUMP_HIGH_WATER (4 * 1024 * 1024) /* pause the snapshot feed above this */

/* ---- the primary's view of one replica ---- */

enum peer_state {
    PEER_WAIT_START, /* needs a snapshot that has not started yet */
    PEER_WAIT_END,   /* +FULLRESYNC sent; the snapshot is being made */
    PEER_SEND_BULK,  /* the snapshot is being sent */
    PEER_WAIT_ACK,   /* diskless: sent; the stream starts with its first ACK */
    PEER_ONLINE,     /* gets the stream */
};

typedef struct repl_peer {
    list_node node;
    struct client *c;
    enum peer_state state;
    int listening_port;
    char announced_ip[NET_IP_STR_LEN];
    bool capa_eof, capa_psync2;
    int64_t ack_off;
    int64_t ack_time_ms;
    int64_t wait_since_ms;
    buf pending; /* stream bytes held back until the snapshot is through */
    int file_fd; /* disk transfer: the snapshot file */
    int64_t file_left;
} repl_peer;

/* ---- the replica's link ---- */

enum link_state {
    LINK_NONE,       /* not a replica */
    LINK_CONNECT,    /* must (re)connect */
    LINK_CONNECTING, /* TCP connect in progress */
    LINK_HANDSHAKE,  /* PING ... PSYNC */
    LINK_TRANSFER,   /* receiving the snapshot */
    LINK_CONNECTED,  /* applying the stream */
};

enum handshake_step {
    HS_PING,
    HS_AUTH,
    HS_PORT,
    HS_IP,
    HS_CAPA,
    HS_PSYNC,
};

struct replication {
    struct server *srv;

    /* Identity and history of the stream. */
    char replid[41];
    char replid2[41];
    int64_t second_replid_offset; /* -1: none */
    int64_t offset;               /* master_repl_offset */
    backlog *bl;
    int seldb; /* database of the last SELECT in the stream */

    /* Primary side. */
    list_node peers;
    int64_t last_ping_ms;
    int64_t no_replicas_since_ms; /* for repl-backlog-ttl; 0: replicas present */
    pid_t child;
    ev_child child_watcher;
    bool child_diskless;
    int pipe_fd; /* diskless: the child's snapshot arrives here */
    ev_io pipe_io;
    bool pipe_paused;
    char eof_mark[EOF_MARK_LEN + 1];
    uint64_t sync_full, sync_partial_ok, sync_partial_err;

    /* Replica side. */
    char *primary_host;
    int primary_port;
    enum link_state link;
    enum handshake_step step;
    int fd;
    ev_io io;
    bool io_writing;
    buf rx;
    int64_t link_since_ms; /* last state change, for timeouts */
    int64_t last_io_ms;
    int64_t down_since_ms;
    struct client *primary; /* the applying client once connected */
    /* Transfer. */
    bool eof_mode;
    char transfer_mark[EOF_MARK_LEN];
    int64_t transfer_left; /* -1 in EOF mode */
    int64_t transfer_read;
    int tmp_fd;
    char tmp_name[64];
    char tail[EOF_MARK_LEN];
    size_t tail_len;
    char new_replid[41];
    int64_t new_offset;
    bool sync_in_progress;
};

static const config_values *cfgv(const replication *r) {
    return config_get_values(server_config(r->srv));
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
    list_init(&r->peers);
    buf_init(&r->rx);
    return r;
}

static void link_close(replication *r);

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

static void create_backlog(replication *r) {
    size_t size = (size_t)cfgv(r)->repl_backlog_size;
    r->bl = backlog_new(size, r->offset);
}

static void peer_send(repl_peer *p, const char *data, size_t len) {
    reply_raw(&p->c->out, data, len);
    server_queue_write(p->c->srv, p->c);
}

/* Appends bytes to the stream: backlog, online replicas, and the held
 * back part of replicas still receiving their snapshot. */
static void stream_append(replication *r, const char *data, size_t len) {
    if (r->bl == NULL) create_backlog(r);
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
    stream_append(r, out.data, out.len);
    buf_fini(&out);
}

void repl_applied_from_primary(replication *r, const char *data, size_t len) {
    /* Passed on byte for byte: sub-replicas and our backlog share the
     * primary's offsets. */
    stream_append(r, data, len);
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
    bool diskless = cfgv(r)->repl_diskless_sync;
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
    pid_t pid = fork();
    if (pid < 0) {
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
        _exit(rc < 0 ? 1 : 0);
    }
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
        peer_send(p, line, (size_t)n);
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
        create_backlog(r);
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
    *reply_ok = true;
    for (int i = 0; i < argc; i++) {
        const char *n = names[i], *v = values[i];
        if (!strcasecmp(n, "listening-port")) {
            char *end;
            long port = strtol(v, &end, 10);
            if (*end || end == v) {
                reply_error(&c->out, "ERR value is not an integer or out of range");
                return false;
            }
            if (p == NULL) {
                p = mem_calloc(1, sizeof(*p));
                p->c = c;
                p->file_fd = -1;
                p->state = PEER_WAIT_START;
                buf_init(&p->pending);
                /* Not a replica until PSYNC: keep it out of the list. */
                list_init(&p->node);
                c->repl_pre = p;
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
            if (p) snprintf(p->announced_ip, sizeof(p->announced_ip), "%s", v);
        } else if (!strcasecmp(n, "capa")) {
            if (p == NULL) continue;
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
        } else if (!strcasecmp(n, "rdb-only") || !strcasecmp(n, "rdb-filter-only")) {
            reply_errorf(&c->out, "ERR Unrecognized REPLCONF option: %s", n);
            return false;
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
    stream_append(r, getack, sizeof(getack) - 1);
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

/* ---- the replica's link ---- */

static void on_link_io(struct ev_loop *loop, ev_io *w, int revents);

static void link_watch(replication *r, int events) {
    struct ev_loop *loop = server_loop(r->srv);
    ev_io_stop(loop, &r->io);
    ev_io_set(&r->io, r->fd, events);
    ev_io_start(loop, &r->io);
}

static void link_close(replication *r) {
    struct ev_loop *loop = server_loop(r->srv);
    if (r->fd >= 0 && r->primary == NULL) {
        ev_io_stop(loop, &r->io);
        close(r->fd);
    }
    r->fd = -1;
    if (r->tmp_fd >= 0) {
        close(r->tmp_fd);
        unlink(r->tmp_name);
        r->tmp_fd = -1;
    }
    if (r->primary) {
        struct client *c = r->primary;
        r->primary = NULL;
        c->flags &= ~CLIENT_PRIMARY;
        client_close_asap(c);
    }
    buf_clear(&r->rx);
    r->sync_in_progress = false;
}

static void link_fail(replication *r, const char *why) {
    log_warning("%s", why);
    link_close(r);
    r->link = LINK_CONNECT;
    r->link_since_ms = clock_mono_ms();
}

static void link_send(replication *r, const char *data, size_t len) {
    /* Handshake commands are a few bytes: a non-blocking write takes them
     * whole, or the link is broken. */
    ssize_t n = write(r->fd, data, len);
    if (n != (ssize_t)len) link_fail(r, "Error writing to the master during the handshake");
}

static void link_send_cmd(replication *r, int argc, const char **argv) {
    resp_arg args[8];
    for (int i = 0; i < argc; i++) args[i] = (resp_arg){.ptr = argv[i], .len = strlen(argv[i])};
    buf out;
    buf_init(&out);
    prop_encode(&out, argc, args);
    link_send(r, out.data, out.len);
    buf_fini(&out);
}

static void link_connect(replication *r) {
    int fd;
    int rc = net_connect_tcp(r->primary_host, r->primary_port, &fd);
    if (rc < 0) {
        log_warning("Unable to connect to MASTER: %s", strerror(-rc));
        r->link = LINK_CONNECT;
        return;
    }
    r->fd = fd;
    r->link = LINK_CONNECTING;
    r->link_since_ms = r->last_io_ms = clock_mono_ms();
    ev_io_init(&r->io, on_link_io, fd, EV_WRITE);
    r->io.data = r;
    ev_io_start(server_loop(r->srv), &r->io);
    log_notice("Connecting to MASTER %s:%d", r->primary_host, r->primary_port);
    log_notice("MASTER <-> REPLICA sync started");
}

/* Sends the command of the current handshake step (skipping steps that
 * have nothing to say). */
static void handshake_send(replication *r) {
    const config_values *cv = cfgv(r);
    for (;;) {
        switch (r->step) {
        case HS_PING: {
            const char *a[] = {"PING"};
            link_send_cmd(r, 1, a);
            return;
        }
        case HS_AUTH:
            if (cv->masterauth == NULL || !cv->masterauth[0]) {
                r->step = HS_PORT;
                continue;
            }
            if (cv->masteruser && cv->masteruser[0]) {
                const char *a[] = {"AUTH", cv->masteruser, cv->masterauth};
                link_send_cmd(r, 3, a);
            } else {
                const char *a[] = {"AUTH", cv->masterauth};
                link_send_cmd(r, 2, a);
            }
            return;
        case HS_PORT: {
            char port[16];
            int p = cv->replica_announce_port ? cv->replica_announce_port : server_tcp_port(r->srv);
            snprintf(port, sizeof(port), "%d", p);
            const char *a[] = {"REPLCONF", "listening-port", port};
            link_send_cmd(r, 3, a);
            return;
        }
        case HS_IP:
            if (cv->replica_announce_ip == NULL || !cv->replica_announce_ip[0]) {
                r->step = HS_CAPA;
                continue;
            }
            {
                const char *a[] = {"REPLCONF", "ip-address", cv->replica_announce_ip};
                link_send_cmd(r, 3, a);
            }
            return;
        case HS_CAPA: {
            const char *a[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
            link_send_cmd(r, 5, a);
            return;
        }
        case HS_PSYNC: {
            /* Our own history (we were a primary, or followed one) lets
             * the primary continue where it is the same. */
            char off[24];
            if (r->bl) {
                snprintf(off, sizeof(off), "%lld", (long long)(r->offset + 1));
                const char *a[] = {"PSYNC", r->replid, off};
                link_send_cmd(r, 3, a);
            } else {
                const char *a[] = {"PSYNC", "?", "-1"};
                link_send_cmd(r, 3, a);
            }
            return;
        }
        }
    }
}

static void become_connected(replication *r, const char *rest, size_t rest_len);

/* A reply line of the handshake arrived. */
static void handshake_reply(replication *r, const char *line) {
    switch (r->step) {
    case HS_PING:
        /* -NOAUTH and friends are fine here: AUTH comes next. */
        if (line[0] == '-' && strncmp(line, "-NOAUTH", 7) != 0 && strncmp(line, "-NOPERM", 7) != 0 &&
            strncmp(line, "-ERR operation not permitted", 28) != 0) {
            char why[256];
            snprintf(why, sizeof(why), "Error reply to PING from master: '%.200s'", line);
            link_fail(r, why);
            return;
        }
        log_notice("Master replied to PING, replication can continue...");
        r->step = HS_AUTH;
        break;
    case HS_AUTH:
        if (line[0] == '-') {
            char why[256];
            snprintf(why, sizeof(why), "Unable to AUTH to MASTER: %.200s", line);
            link_fail(r, why);
            return;
        }
        r->step = HS_PORT;
        break;
    case HS_PORT:
        if (line[0] == '-')
            log_notice("(Non critical) Master does not understand REPLCONF listening-port: %s",
                       line);
        r->step = HS_IP;
        break;
    case HS_IP:
        if (line[0] == '-')
            log_notice("(Non critical) Master does not understand REPLCONF ip-address: %s", line);
        r->step = HS_CAPA;
        break;
    case HS_CAPA:
        if (line[0] == '-')
            log_notice("(Non critical) Master does not understand REPLCONF capa: %s", line);
        r->step = HS_PSYNC;
        break;
    case HS_PSYNC:
        if (strncmp(line, "+FULLRESYNC ", 12) == 0) {
            char id[41] = {0};
            long long off = -1;
            if (sscanf(line + 12, "%40s %lld", id, &off) != 2 || strlen(id) != 40) {
                link_fail(r, "Master replied with wrong +FULLRESYNC syntax.");
                return;
            }
            memcpy(r->new_replid, id, 41);
            r->new_offset = off;
            log_notice("Full resync from master: %s:%lld", id, off);
            r->link = LINK_TRANSFER;
            r->transfer_left = -2; /* header not read yet */
            r->sync_in_progress = true;
            r->link_since_ms = clock_mono_ms();
            return;
        }
        if (strncmp(line, "+CONTINUE", 9) == 0) {
            char id[41] = {0};
            if (sscanf(line + 9, " %40s", id) == 1 && strlen(id) == 40 &&
                strcmp(id, r->replid) != 0) {
                /* The primary's history went on under a new id (it was
                 * promoted): ours continues it. */
                memcpy(r->replid2, r->replid, 41);
                r->second_replid_offset = r->offset + 1;
                memcpy(r->replid, id, 41);
                log_notice("Master replication ID changed to %s", id);
            }
            log_notice("Successful partial resynchronization with master.");
            log_notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
            /* The bytes after the line are the first of the stream. */
            become_connected(r, NULL, 0);
            return;
        }
        {
            char why[256];
            snprintf(why, sizeof(why), "Unexpected reply to PSYNC from master: %.200s", line);
            link_fail(r, why);
        }
        return;
    }
    handshake_send(r);
}

/* The snapshot is in the temporary file: it replaces the dataset. */
static bool load_transfer(replication *r) {
    if (fsync(r->tmp_fd) < 0) log_warning("fsync of the received snapshot failed: %s", strerror(errno));
    close(r->tmp_fd);
    r->tmp_fd = -1;
    const char *path = cfgv(r)->dbfilename && cfgv(r)->dbfilename[0] ? cfgv(r)->dbfilename
                                                                      : "dump.rdb";
    if (rename(r->tmp_name, path) < 0) {
        log_warning("Failed trying to rename the temp DB into %s in MASTER <-> REPLICA "
                    "synchronization: %s",
                    path, strerror(errno));
        unlink(r->tmp_name);
        return false;
    }
    log_notice("MASTER <-> REPLICA sync: Flushing old data");
    keyspace *ks = server_keyspace(r->srv);
    for (int i = 0; i < keyspace_db_count(ks); i++) db_flush(keyspace_db(ks, i), false);
    log_notice("MASTER <-> REPLICA sync: Loading DB in memory");
    rdb_load_opts o = {.skip_expired = false,
                       .verify_checksum = cfgv(r)->rdbchecksum,
                       .now_ms = clock_wall_ms(),
                       .progress = server_loading_progress,
                       .progress_ctx = r->srv};
    /* Clients are served (LOADING) while it loads; the link waits. */
    ev_io_stop(server_loop(r->srv), &r->io);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    server_set_loading(r->srv, true);
    int rc = rdb_load_file(ks, path, &o, &info, &err);
    server_set_loading(r->srv, false);
    if (rc < 0) {
        log_warning("Failed trying to load the MASTER synchronization DB from disk: %s",
                    err.data ? err.data : "?");
        buf_fini(&err);
        return false;
    }
    buf_fini(&err);
    /* Our history is the primary's from here on. */
    memcpy(r->replid, r->new_replid, 41);
    memset(r->replid2, '0', 40);
    r->second_replid_offset = -1;
    r->offset = r->new_offset;
    backlog_free(r->bl);
    r->bl = NULL;
    create_backlog(r);
    r->seldb = -1;
    log_notice("MASTER <-> REPLICA sync: Finished with success");
    /* A fresh base for the append-only file: what it holds predates the
     * new dataset. */
    appendonly *aof = server_appendonly(r->srv);
    if (appendonly_enabled(aof)) {
        buf e2;
        buf_init(&e2);
        if (appendonly_set_enabled(aof, false, &e2) < 0 || appendonly_set_enabled(aof, true, &e2) < 0)
            log_warning("Can't restart the append only file after the sync: %s",
                        e2.data ? e2.data : "?");
        buf_fini(&e2);
    }
    return true;
}

static void send_ack(replication *r) {
    if (r->primary == NULL) return;
    char off[24];
    int n = snprintf(off, sizeof(off), "%lld", (long long)r->offset);
    char cmd[96];
    int m = snprintf(cmd, sizeof(cmd), "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%s\r\n", n, off);
    reply_raw(&r->primary->out, cmd, (size_t)m);
    server_queue_write(r->srv, r->primary);
}

void repl_send_ack_if_asked(replication *r, struct client *c) {
    if (!(c->flags & CLIENT_SEND_ACK)) return;
    c->flags &= ~CLIENT_SEND_ACK;
    send_ack(r);
}

/* The link becomes the client that applies the stream. */
static void become_connected(replication *r, const char *rest, size_t rest_len) {
    ev_io_stop(server_loop(r->srv), &r->io);
    char ip[NET_IP_STR_LEN];
    int port = r->primary_port;
    snprintf(ip, sizeof(ip), "%s", r->primary_host);
    struct client *c = client_new(r->srv, r->fd, ip, port);
    c->flags |= CLIENT_PRIMARY;
    c->sess.authenticated = true;
    r->primary = c;
    r->link = LINK_CONNECTED;
    r->sync_in_progress = false;
    r->last_io_ms = clock_mono_ms();
    server_refresh_expire_mode(r->srv);
    /* Whatever followed the handshake or the snapshot in our buffer. */
    size_t extra = r->rx.len;
    if (rest_len) client_feed_input(c, rest, rest_len);
    if (extra && rest == NULL) client_feed_input(c, r->rx.data, r->rx.len);
    buf_clear(&r->rx);
    send_ack(r);
}

/* Consumes received bytes while transferring the snapshot. Returns false
 * when the link failed. */
static bool transfer_input(replication *r) {
    if (r->transfer_left == -2) {
        /* Keep-alive newlines may come before the header. */
        size_t skip = 0;
        while (skip < r->rx.len && r->rx.data[skip] == '\n') skip++;
        buf_consume(&r->rx, skip);
        char *eol = memchr(r->rx.data ? r->rx.data : "", '\n', r->rx.len);
        if (eol == NULL) return true;
        *eol = '\0';
        if (eol > r->rx.data && eol[-1] == '\r') eol[-1] = '\0';
        const char *line = r->rx.data;
        if (line[0] == '-') {
            char why[256];
            snprintf(why, sizeof(why), "MASTER aborted replication with an error: %.200s", line + 1);
            link_fail(r, why);
            return false;
        }
        if (line[0] != '$') {
            char why[400];
            snprintf(why, sizeof(why),
                     "Bad protocol from MASTER, the first byte is not '$' (we received '%.200s'), "
                     "are you sure the host and port are right?",
                     line);
            link_fail(r, why);
            return false;
        }
        if (strncmp(line, "$EOF:", 5) == 0 && strlen(line + 5) >= EOF_MARK_LEN) {
            r->eof_mode = true;
            memcpy(r->transfer_mark, line + 5, EOF_MARK_LEN);
            r->transfer_left = -1;
            log_notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
        } else {
            r->eof_mode = false;
            r->transfer_left = strtoll(line + 1, NULL, 10);
            log_notice("MASTER <-> REPLICA sync: receiving %lld bytes from master to disk",
                       (long long)r->transfer_left);
        }
        buf_consume(&r->rx, (size_t)(eol - r->rx.data) + 1);
        snprintf(r->tmp_name, sizeof(r->tmp_name), "temp-%lld.%d.rdb",
                 (long long)(clock_wall_ms() / 1000), (int)getpid());
        r->tmp_fd = open(r->tmp_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (r->tmp_fd < 0) {
            link_fail(r, "Opening the temp file needed for MASTER <-> REPLICA synchronization failed");
            return false;
        }
        r->tail_len = 0;
        r->transfer_read = 0;
    }
    size_t take = r->rx.len;
    if (!r->eof_mode && (int64_t)take > r->transfer_left) take = (size_t)r->transfer_left;
    if (take > 0) {
        if (write(r->tmp_fd, r->rx.data, take) != (ssize_t)take) {
            link_fail(r, "Write error saving the DB on disk during MASTER <-> REPLICA sync");
            return false;
        }
        r->transfer_read += (int64_t)take;
        if (r->eof_mode) {
            /* Remember the last bytes: the mark ends the payload. */
            if (take >= EOF_MARK_LEN) {
                memcpy(r->tail, r->rx.data + take - EOF_MARK_LEN, EOF_MARK_LEN);
                r->tail_len = EOF_MARK_LEN;
            } else {
                size_t keep = r->tail_len + take > EOF_MARK_LEN ? EOF_MARK_LEN - take : r->tail_len;
                memmove(r->tail, r->tail + r->tail_len - keep, keep);
                memcpy(r->tail + keep, r->rx.data, take);
                r->tail_len = keep + take;
            }
        } else {
            r->transfer_left -= (int64_t)take;
        }
        buf_consume(&r->rx, take);
    }
    bool done = r->eof_mode ? (r->tail_len == EOF_MARK_LEN &&
                               memcmp(r->tail, r->transfer_mark, EOF_MARK_LEN) == 0)
                            : r->transfer_left == 0;
    if (!done) return true;
    if (r->eof_mode && ftruncate(r->tmp_fd, r->transfer_read - EOF_MARK_LEN) < 0) {
        link_fail(r, "Can't truncate the received snapshot");
        return false;
    }
    if (!load_transfer(r)) {
        link_fail(r, "Failed trying to load the MASTER synchronization DB");
        return false;
    }
    become_connected(r, NULL, 0);
    return false; /* the link is the primary's client now */
}

static void on_link_io(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    replication *r = w->data;
    if (r->link == LINK_CONNECTING && (revents & EV_WRITE)) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
            char why[160];
            snprintf(why, sizeof(why), "Error condition on socket for SYNC: %s",
                     strerror(err ? err : errno));
            link_fail(r, why);
            return;
        }
        log_notice("Non blocking connect for SYNC fired the event.");
        r->link = LINK_HANDSHAKE;
        r->step = HS_PING;
        link_watch(r, EV_READ);
        handshake_send(r);
        return;
    }
    if (!(revents & EV_READ)) return;
    char chunk[PUMP_CHUNK];
    ssize_t n = read(r->fd, chunk, sizeof(chunk));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        link_fail(r, n == 0 ? "Master closed the connection during the sync"
                            : "I/O error reading from the master during the sync");
        return;
    }
    if (n < 0) return;
    r->last_io_ms = clock_mono_ms();
    buf_append(&r->rx, chunk, (size_t)n);
    while (r->link == LINK_HANDSHAKE) {
        char *eol = memchr(r->rx.data, '\n', r->rx.len);
        if (eol == NULL) {
            if (r->rx.len > 4096) link_fail(r, "Handshake reply too long");
            return;
        }
        size_t line_len = (size_t)(eol - r->rx.data) + 1;
        char line[512];
        size_t copy = line_len - 1 < sizeof(line) - 1 ? line_len - 1 : sizeof(line) - 1;
        memcpy(line, r->rx.data, copy);
        line[copy] = '\0';
        if (copy && line[copy - 1] == '\r') line[copy - 1] = '\0';
        buf_consume(&r->rx, line_len);
        if (line[0] == '\0') continue; /* keep-alive newline */
        bool was_psync = r->step == HS_PSYNC;
        handshake_reply(r, line);
        if (was_psync && r->link == LINK_CONNECTED) return;
    }
    if (r->link == LINK_TRANSFER) transfer_input(r);
}

/* ---- role changes ---- */

static void disconnect_peers(replication *r) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &r->peers) {
        repl_peer *p = container_of(pos, repl_peer, node);
        client_close_asap(p->c);
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
    log_notice("Connecting to MASTER %s:%d", host, port);
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
        link_connect(r);
    } else if ((r->link == LINK_CONNECTING || r->link == LINK_HANDSHAKE ||
                r->link == LINK_TRANSFER) &&
               now - r->last_io_ms > timeout_ms) {
        link_fail(r, "Timeout connecting to the MASTER...");
    } else if (r->link == LINK_CONNECTED) {
        if (r->primary && now - r->primary->last_active_ms > timeout_ms &&
            clock_wall_ms() - r->primary->last_active_ms > timeout_ms) {
            log_warning("MASTER timeout: no data nor PING received...");
            client_close_asap(r->primary);
        } else {
            send_ack(r);
        }
    }

    /* Primary side: PING now and then, so replicas notice a dead link. */
    if (!repl_is_replica(r) && !list_empty(&r->peers) &&
        now - r->last_ping_ms >= (int64_t)cv->repl_ping_replica_period * 1000) {
        r->last_ping_ms = now;
        static const char ping[] = "*1\r\n$4\r\nPING\r\n";
        stream_append(r, ping, sizeof(ping) - 1);
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

static const char *link_state_name(const replication *r) {
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
