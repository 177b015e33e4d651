/* replica_link: a replica's link to its primary. The handshake (PING,
 * AUTH, REPLCONF, PSYNC), receiving a snapshot into a file and loading it,
 * and then handing the socket to a client flagged as the primary, which
 * applies the stream (server/client.c, server/dispatch.c). */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/net.h"
#include "commands/propagate.h"
#include "data/keyspace.h"
#include "persist/rdb.h"
#include "protocol/reply.h"
#include "server/appendonly.h"
#include "server/client.h"
#include "replication_internal.h"
#include "server/server.h"

static const config_values *cfgv(const replication *r) {
    return repl_cfg(r);
}

/* ---- the replica's link ---- */

static void on_link_io(struct ev_loop *loop, ev_io *w, int revents);

static void link_watch(replication *r, int events) {
    struct ev_loop *loop = server_loop(r->srv);
    ev_io_stop(loop, &r->io);
    ev_io_set(&r->io, r->fd, events);
    ev_io_start(loop, &r->io);
}

void link_close(replication *r) {
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

void link_fail(replication *r, const char *why) {
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

void link_connect(replication *r) {
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
                r->step = HS_MYID;
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
        case HS_MYID:
            if (r->primary_id[0] == '\0') {
                r->step = HS_PORT;
                continue;
            }
            {
                const char *a[] = {"CLUSTER", "MYID"};
                r->myid_bulk = false;
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
        r->step = HS_MYID;
        break;
    case HS_MYID:
        if (line[0] == '$' && !r->myid_bulk) {
            r->myid_bulk = true; /* the id is on the next line */
            return;
        }
        if (line[0] == '-' || strcmp(line, r->primary_id) != 0) {
            if (strncmp(line, r->stranger_logged, 40) != 0) {
                log_warning("MASTER %s:%d is %.60s, not node %s that this replica follows: not syncing from it",
                            r->primary_host, r->primary_port, line, r->primary_id);
                snprintf(r->stranger_logged, sizeof(r->stranger_logged), "%.40s", line);
            }
            link_close(r);
            r->link = LINK_CONNECT;
            r->retry_at_ms = clock_mono_ms() + 1000;
            return;
        }
        r->stranger_logged[0] = '\0';
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
    r->stream_db = 0; /* the primary starts the stream with a SELECT */
    backlog_free(r->bl);
    r->bl = NULL;
    repl_create_backlog(r);
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

void link_send_ack(replication *r) {
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
    link_send_ack(r);
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
    c->sess.db = r->stream_db;
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
    link_send_ack(r);
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

