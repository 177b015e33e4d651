/* client: one connection's I/O.
 *
 * Input: read up to 16 KiB at a time (more while a large bulk argument is
 * arriving, but never more than it still needs), then parse and dispatch
 * every complete request. The parser keeps offsets, so the buffer may be
 * compacted between reads; argv slices point into it and live only for the
 * duration of the handler.
 *
 * Output: handlers append to the reply queue; the server flushes queues
 * before the loop sleeps (ev_prepare), so a pipeline of N requests costs one
 * write. The write watcher is armed only when the socket refuses part of the
 * data, and stopped as soon as the queue drains. */
#include "server/client.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "commands/command.h"
#include "server/config.h"
#include "server/dispatch.h"
#include "server/multi.h"
#include "server/replication.h"
#include "server/server.h"

#define READ_CHUNK (16 * 1024)
#define BIG_READ_MAX (1024 * 1024)
#define IOV_BATCH 64

static void on_readable(struct ev_loop *loop, ev_io *w, int revents);
static void on_writable(struct ev_loop *loop, ev_io *w, int revents);

static void on_reply_error(void *ctx, const char *msg, size_t len) {
    client *c = ctx;
    server_count_error(c->srv, msg, len);
}

client *client_new(struct server *srv, int fd, const char *ip, int port) {
    client *c = mem_calloc(1, sizeof(*c));
    list_init(&c->node);
    list_init(&c->pending);
    list_init(&c->monitor);
    list_init(&c->blocked);
    c->srv = srv;
    c->fd = fd;
    buf_init(&c->query);
    const config_values *cv = config_get_values(server_config(srv));
    resp_parser_init(&c->parser, cv->proto_max_bulk_len);
    reply_init(&c->out);
    c->out.on_error = on_reply_error;
    c->out.on_error_ctx = c;
    session_init(&c->sess, server_next_client_id(srv));
    c->sess.authenticated = !server_auth_required(srv);
    multi_init(c);
    buf_init(&c->repl_held);
    net_format_addr(c->addr, sizeof(c->addr), ip, port);
    char lip[NET_IP_STR_LEN];
    int lport = 0;
    if (net_local_addr(fd, lip, sizeof(lip), &lport) == 0)
        net_format_addr(c->laddr, sizeof(c->laddr), lip, lport);
    if (net_is_loopback(ip)) c->flags |= CLIENT_LOCAL;
    c->ctime_ms = c->last_active_ms = clock_wall_ms();
    net_set_nodelay(fd, true);
    if (cv->tcp_keepalive_s > 0) net_set_keepalive(fd, cv->tcp_keepalive_s);
    ev_io_init(&c->rio, on_readable, fd, EV_READ);
    ev_io_init(&c->wio, on_writable, fd, EV_WRITE);
    ev_io_start(server_loop(srv), &c->rio);
    server_client_added(srv, c);
    return c;
}

void client_free(client *c) {
    if (c == NULL) return;
    struct ev_loop *loop = server_loop(c->srv);
    ev_io_stop(loop, &c->rio);
    ev_io_stop(loop, &c->wio);
    repl_client_gone(server_replication(c->srv), c);
    list_unlink(&c->blocked);
    server_client_removed(c->srv, c);
    if (c->fd >= 0) close(c->fd);
    multi_fini(c);
    buf_fini(&c->repl_held);
    buf_fini(&c->query);
    resp_parser_fini(&c->parser);
    reply_fini(&c->out);
    session_fini(&c->sess);
    mem_free(c);
}

void client_close_asap(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    ev_io_stop(server_loop(c->srv), &c->rio);
    server_queue_close(c->srv, c);
}

const char *client_type_name(const client *c) {
    if (c->flags & CLIENT_REPLICA) return "slave";
    if (c->flags & CLIENT_PRIMARY) return "master";
    return "normal";
}

size_t client_memory(const client *c) {
    return mem_usable_size(c) + c->query.cap + reply_memory(&c->out) +
           (size_t)c->parser.cap * (sizeof(resp_arg) + 2 * sizeof(size_t)) + multi_memory(c) +
           c->repl_held.cap;
}

bool client_check_output_limits(client *c) {
    const config_values *cv = config_get_values(server_config(c->srv));
    /* The primary's link is never closed for what it receives back. */
    if (c->flags & CLIENT_PRIMARY) return true;
    const config_obuf_limit *lim =
        &cv->obuf[(c->flags & CLIENT_REPLICA) ? CFG_OBUF_REPLICA : CFG_OBUF_NORMAL];
    size_t used = reply_memory(&c->out);
    bool hard = lim->hard_bytes > 0 && used >= (size_t)lim->hard_bytes;
    bool soft = false;
    if (lim->soft_bytes > 0 && used >= (size_t)lim->soft_bytes) {
        int64_t now = clock_wall_ms();
        if (c->obuf_soft_since_ms == 0)
            c->obuf_soft_since_ms = now;
        else if (now - c->obuf_soft_since_ms > lim->soft_seconds * 1000)
            soft = true;
    } else {
        c->obuf_soft_since_ms = 0;
    }
    if (!hard && !soft) return true;
    buf info;
    buf_init(&info);
    client_describe(c, &info);
    if (info.len) info.data[info.len - 1] = '\0';
    log_warning("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
                info.data ? info.data : c->addr);
    buf_fini(&info);
    server_stats_of(c->srv)->client_outbuf_limit_disconnections++;
    /* The queued output is useless now: drop it so memory is freed at once. */
    reply_fini(&c->out);
    client_close_asap(c);
    return false;
}

bool client_flush(client *c) {
    struct ev_loop *loop = server_loop(c->srv);
    while (c->out.pending > 0) {
        struct iovec iov[IOV_BATCH];
        int n = reply_iov(&c->out, iov, IOV_BATCH);
        /* One buffer (the usual case) goes out with plain write(). */
        ssize_t w = n == 1 ? write(c->fd, iov[0].iov_base, iov[0].iov_len) : writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            log_verbose("Error writing to client: %s", strerror(errno));
            client_close_asap(c);
            return false;
        }
        reply_consume(&c->out, (size_t)w);
        server_stats_of(c->srv)->net_output_bytes += (uint64_t)w;
        server_stats_of(c->srv)->io_writes++;
    }
    if (c->out.pending > 0) {
        if (!ev_is_active(&c->wio)) ev_io_start(loop, &c->wio);
        return true;
    }
    if (ev_is_active(&c->wio)) ev_io_stop(loop, &c->wio);
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
        client_close_asap(c);
        return false;
    }
    return true;
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    client *c = container_of(w, client, wio);
    client_flush(c);
}

static void protocol_error(client *c) {
    char msg[128];
    resp_error_text(&c->parser, msg, sizeof(msg));
    if (log_get_level() <= LOG_VERBOSE) {
        /* Show what the client sent, as printable text. */
        char sample[64];
        size_t avail = c->query.len - c->qpos, n = avail < sizeof(sample) - 1 ? avail : sizeof(sample) - 1;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)c->query.data[c->qpos + i];
            sample[i] = (ch >= 32 && ch < 127) ? (char)ch : '.';
        }
        sample[n] = '\0';
        log_verbose("Protocol error (%s) from client: id=%llu addr=%s. Query buffer during protocol "
                    "error: '%s'",
                    msg + strlen("ERR Protocol error: "), (unsigned long long)c->sess.id, c->addr,
                    sample);
    }
    reply_error(&c->out, msg);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    ev_io_stop(server_loop(c->srv), &c->rio);
}

/* Bytes of the primary's stream we applied go on to our replicas and
 * backlog, whose offset is the one we acknowledge and resume from. A
 * transaction is held back until its EXEC (or DISCARD) has run: if the link
 * drops in the middle, the queue is lost with it, and resuming from before
 * the MULTI replays the whole transaction. */
static void pass_on_primary_stream(client *c, const char *data, size_t len) {
    replication *r = server_replication(c->srv);
    if (c->flags & CLIENT_MULTI) {
        buf_append(&c->repl_held, data, len);
        return;
    }
    if (c->repl_held.len > 0) {
        repl_applied_from_primary(r, c->repl_held.data, c->repl_held.len);
        buf_clear(&c->repl_held);
    }
    repl_applied_from_primary(r, data, len);
}

static void process_input(client *c) {
    bool auth_required = server_auth_required(c->srv);
    while (!(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED))) {
        c->parser.authenticated = c->sess.authenticated || !auth_required;
        size_t consumed = 0;
        enum resp_status st =
            resp_parse(&c->parser, c->query.data + c->qpos, c->query.len - c->qpos, &consumed);
        if (st == RESP_NEED_MORE) break;
        if (st == RESP_ERROR) {
            protocol_error(c);
            break;
        }
        /* Writes held for a manual failover: leave the request in the
         * buffer and parse it again when the pause ends. */
        if (c->parser.argc > 0 && dispatch_must_pause(c, c->parser.argc, c->parser.argv)) {
            server_pause_client(c->srv, c);
            break;
        }
        if (c->parser.argc > 0) dispatch_command(c, c->parser.argc, c->parser.argv);
        /* The primary's stream passes on to our own replicas and backlog
         * exactly as it came, command by command. */
        if ((c->flags & CLIENT_PRIMARY) && !(c->flags & CLIENT_CLOSE_ASAP))
            pass_on_primary_stream(c, c->query.data + c->qpos, consumed);
        c->qpos += consumed;
        auth_required = server_auth_required(c->srv);
    }
    if (c->qpos == c->query.len) {
        c->query.len = 0;
        c->qpos = 0;
        /* Give back a buffer a big request made large. */
        if (c->query.cap > 4 * READ_CHUNK) buf_fini(&c->query);
    }
}

void client_feed_input(client *c, const char *data, size_t len) {
    if (c->qpos > 0) {
        buf_consume(&c->query, c->qpos);
        c->qpos = 0;
    }
    buf_append(&c->query, data, len);
    process_input(c);
    if (c->out.pending > 0) server_queue_write(c->srv, c);
}

void client_resume(client *c) {
    process_input(c);
    if (c->out.pending > 0) server_queue_write(c->srv, c);
}

static size_t read_size(client *c) {
    size_t unread = c->query.len - c->qpos;
    size_t want = resp_parser_bulk_remaining(&c->parser, unread);
    if (want < READ_CHUNK) return READ_CHUNK;
    return want < BIG_READ_MAX ? want : BIG_READ_MAX;
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    client *c = container_of(w, client, rio);
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) return;
    /* Drop bytes already processed before growing the buffer. */
    if (c->qpos > 0) {
        buf_consume(&c->query, c->qpos);
        c->qpos = 0;
    }
    size_t want = read_size(c);
    buf_reserve(&c->query, want);
    ssize_t n = read(c->fd, c->query.data + c->query.len, want);
    if (n == 0) {
        log_verbose("Client closed connection id=%llu addr=%s", (unsigned long long)c->sess.id,
                    c->addr);
        client_close_asap(c);
        return;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        log_verbose("Reading from client: %s", strerror(errno));
        client_close_asap(c);
        return;
    }
    c->query.len += (size_t)n;
    c->query.data[c->query.len] = '\0';
    server_stats *st = server_stats_of(c->srv);
    st->net_input_bytes += (uint64_t)n;
    st->io_reads++;
    if (c->query.len > c->query_peak) c->query_peak = c->query.len;

    const config_values *cv = config_get_values(server_config(c->srv));
    process_input(c);
    if (c->query.len - c->qpos > (size_t)cv->client_query_buffer_limit &&
        !(c->flags & CLIENT_PRIMARY)) {
        log_warning("Closing client that reached max query buffer length: id=%llu addr=%s "
                    "(qbuf initial bytes: ...)",
                    (unsigned long long)c->sess.id, c->addr);
        st->client_qbuf_limit_disconnections++;
        client_close_asap(c);
        return;
    }
    if (c->out.pending > 0) server_queue_write(c->srv, c);
}

void client_describe(client *c, buf *out) {
    int64_t now = clock_wall_ms();
    char flags[16];
    int nf = 0;
    if (c->flags & CLIENT_MONITOR) flags[nf++] = 'O';
    if (c->flags & CLIENT_REPLICA) flags[nf++] = 'S';
    if (c->flags & CLIENT_PRIMARY) flags[nf++] = 'M';
    if (c->flags & CLIENT_MULTI) flags[nf++] = 'x';
    if (c->flags & CLIENT_BLOCKED) flags[nf++] = 'b';
    if (c->watch.dirty) flags[nf++] = 'd';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) flags[nf++] = 'c';
    if (c->flags & CLIENT_CLOSE_ASAP) flags[nf++] = 'A';
    if (c->sess.flags & SESSION_READONLY) flags[nf++] = 'r';
    if (c->sess.flags & SESSION_NO_EVICT) flags[nf++] = 'e';
    if (c->sess.flags & SESSION_NO_TOUCH) flags[nf++] = 'T';
    if (nf == 0) flags[nf++] = 'N';
    flags[nf] = '\0';
    char events[3];
    int ne = 0;
    if (ev_is_active(&c->rio)) events[ne++] = 'r';
    if (ev_is_active(&c->wio)) events[ne++] = 'w';
    events[ne] = '\0';
    size_t argv_mem = 0;
    for (int i = 0; i < c->parser.argc; i++) argv_mem += c->parser.argv ? c->parser.argv[i].len : 0;
    size_t nchunks = 0;
    for (reply_chunk *ch = c->out.head; ch; ch = ch->next) nchunks++;
    size_t obl = c->out.head ? c->out.head->len : 0;
    size_t omem = reply_memory(&c->out);
    size_t rbs = c->out.head ? c->out.head->cap : 0;
    buf_printf(out,
               "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=0 "
               "psub=0 ssub=0 multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu "
               "rbp=%zu obl=%zu oll=%zu omem=%zu tot-mem=%zu events=%s cmd=%s user=default "
               "redir=-1 resp=%d lib-name=%s lib-ver=%s\n",
               (unsigned long long)c->sess.id, c->addr, c->laddr, c->fd,
               c->sess.name ? c->sess.name : "", (long long)((now - c->ctime_ms) / 1000),
               (long long)((now - c->last_active_ms) / 1000), flags, c->sess.db, multi_queued(c),
               c->query.len - c->qpos, c->query.cap > c->query.len ? c->query.cap - c->query.len : 0,
               argv_mem, c->multi.args_mem, rbs, rbs, obl, nchunks > 1 ? nchunks - 1 : 0, omem, client_memory(c),
               events, c->last_cmd ? c->last_cmd->fullname : "NULL", c->sess.proto,
               c->sess.lib_name ? c->sess.lib_name : "", c->sess.lib_ver ? c->sess.lib_ver : "");
}
