/* server: the event loop and everything that lives as long as the process.
 *
 * One libev loop drives listeners, client sockets, a periodic cron timer
 * (hz times a second: active expiry, incremental rehash, background reclaim,
 * client timeouts, metrics) and an ev_prepare watcher that runs just before
 * the loop sleeps: it writes every client's pending output and frees clients
 * queued for closing. Doing the writes there, not in each handler, is what
 * turns a pipeline of N requests into one write() per client.
 *
 * The server reads its configuration through config_get_values() on demand
 * and keeps only derived caches (cmd_options, eviction parameters), which
 * server_refresh_options() rebuilds after CONFIG SET. */
#include "server/server.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/busy_poll.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/htable.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/net.h"
#include "commands/session.h"
#include "commands/groups.h"
#include "commands/propagate.h"
#include "data/evict.h"
#include "data/keyspace.h"
#include "server/client.h"
#include "server/cluster_bus.h"
#include "server/config.h"
#include "server/latency.h"
#include "server/migrate_conn.h"
#include "server/server_commands.h"
#include "server/slowlog.h"
#include "server/snapshot.h"
#include "server/appendonly.h"
#include "server/replication.h"

#define MAX_ACCEPTS_PER_CALL 1000
#define RESERVED_FDS 32
#define ERRORSTATS_LIMIT 128

typedef struct listener {
    int fd;
    ev_io io;
    server *srv;
} listener;

typedef struct errorstat {
    htable_node node;
    uint64_t count;
    size_t len;
    char code[];
} errorstat;

struct server {
    struct ev_loop *loop;
    config *cfg;
    keyspace *ks;
    command_registry *commands;
    cmd_options cmd_opts;
    evict_params evict;
    size_t output_check_bytes;
    evict_pool *evict_pool;
    slowlog *slowlog;
    latency_monitor *latency;
    snapshot *snap;
    appendonly *aof;
    replication *repl;
    cluster_bus *cbus;
    list_node waiting; /* clients blocked in WAIT */
    list_node paused;  /* clients held by a write pause */
    bool want_acks;    /* a WAIT started: ask replicas before sleeping */
    bool loading;
    int64_t loading_tick_ms;
    /* The write stream of the current execution unit and whether anything
     * consumes it (the append-only file; replicas later). */
    prop_batch prop;
    bool prop_wanted;

    listener listeners[SERVER_MAX_LISTENERS];
    int nlisteners;
    int bound_port;

    list_node clients;
    size_t nclients;
    list_node pending_writes;
    list_node pending_close;
    list_node monitors;
    uint64_t next_client_id;

    ev_timer cron;
    ev_prepare before_sleep;
    ev_idle poll_again; /* active while busy polling: the loop does not sleep */
    busy_poll busy;
    ev_signal sigterm, sigint;
    uint64_t cron_loops;
    int cron_hz;

    server_stats stats;
    server_metric_ring metrics[METRIC_COUNT];
    htable errorstats;
    bool errorstats_full;

    char run_id[41];
    size_t startup_memory;
    int64_t start_ms;
    char *executable;
    bool active_expire;
    bool in_exec; /* an EXEC is running its queue: forks wait until it ends */
    bool shutdown_asap;
    int exit_status;
};

/* ---- small accessors ---- */

struct ev_loop *server_loop(server *s) {
    return s->loop;
}
struct config *server_config(server *s) {
    return s->cfg;
}
struct keyspace *server_keyspace(server *s) {
    return s->ks;
}
command_registry *server_commands(server *s) {
    return s->commands;
}
const cmd_options *server_cmd_options(server *s) {
    return &s->cmd_opts;
}
server_stats *server_stats_of(server *s) {
    return &s->stats;
}
const busy_poll *server_busy_poll(server *s) {
    return &s->busy;
}
struct slowlog *server_slowlog(server *s) {
    return s->slowlog;
}
struct latency_monitor *server_latency(server *s) {
    return s->latency;
}
uint64_t server_next_client_id(server *s) {
    return s->next_client_id++;
}
list_node *server_clients(server *s) {
    return &s->clients;
}
size_t server_client_count(const server *s) {
    return s->nclients;
}
list_node *server_monitors(server *s) {
    return &s->monitors;
}
const char *server_run_id(const server *s) {
    return s->run_id;
}
size_t server_startup_memory(const server *s) {
    return s->startup_memory;
}
void server_mark_startup_memory(server *s) {
    s->startup_memory = mem_used_bytes();
}
int64_t server_start_time_ms(const server *s) {
    return s->start_ms;
}
const char *server_executable(const server *s) {
    return s->executable ? s->executable : "";
}
int server_tcp_port(const server *s) {
    return config_get_values(s->cfg)->port;
}
uint64_t server_cron_hz(const server *s) {
    return (uint64_t)s->cron_hz;
}
int64_t server_last_save_time(const server *s) {
    return snapshot_get_stats(s->snap)->last_save_s;
}
struct snapshot *server_snapshot(server *s) {
    return s->snap;
}
uint64_t server_changes_since_save(const server *s) {
    return s->stats.dirty;
}
bool server_is_loading(const server *s) {
    return s->loading;
}
static void restart_cron(server *s);

void server_set_loading(server *s, bool on) {
    s->loading = on;
    s->cmd_opts.replaying = on;
    server_refresh_expire_mode(s);
    /* The cron (saves, rewrites, expiry) waits for the load to finish;
     * only client I/O is served meanwhile. */
    if (on) {
        ev_timer_stop(s->loop, &s->cron);
        s->loading_tick_ms = clock_mono_ms();
    } else {
        restart_cron(s);
    }
}

void server_loading_progress(void *ctx) {
    server *s = ctx;
    int64_t now = clock_mono_ms();
    if (now - s->loading_tick_ms < 50) return;
    s->loading_tick_ms = now;
    /* Accept and answer clients (LOADING) without waiting for events. */
    ev_run(s->loop, EVRUN_NOWAIT);
}
void server_refresh_expire_mode(server *s) {
    enum ks_expire_mode mode = KS_EXPIRE_DELETE;
    if (s->loading)
        mode = KS_EXPIRE_IGNORE;
    else if (repl_is_replica(s->repl))
        mode = KS_EXPIRE_HIDE;
    keyspace_set_expire_mode(s->ks, mode);
}
struct replication *server_replication(server *s) {
    return s->repl;
}
struct cluster_bus *server_cluster_bus(server *s) {
    return s->cbus;
}
int server_init_cluster(server *s) {
    if (!config_get_values(s->cfg)->cluster_enabled) return 0;
    s->cbus = cluster_bus_new(s);
    if (s->cbus == NULL) return -1;
    return cluster_bus_listen(s->cbus);
}
struct appendonly *server_appendonly(server *s) {
    return s->aof;
}
bool server_child_running(const server *s) {
    return snapshot_child_running(s->snap) || appendonly_child_running(s->aof) ||
           repl_child_running(s->repl);
}
void server_set_active_expire(server *s, bool on) {
    s->active_expire = on;
}
bool server_active_expire(const server *s) {
    return s->active_expire;
}

/* ---- clients ---- */

void server_client_added(server *s, client *c) {
    list_push_back(&s->clients, &c->node);
    s->nclients++;
    s->stats.connections_received++;
}

void server_client_removed(server *s, client *c) {
    if (list_linked(&c->node)) {
        list_unlink(&c->node);
        s->nclients--;
    }
    list_unlink(&c->pending);
    list_unlink(&c->monitor);
}

void server_queue_write(server *s, client *c) {
    if (c->flags & (CLIENT_PENDING_WRITE | CLIENT_CLOSE_ASAP)) return;
    c->flags |= CLIENT_PENDING_WRITE;
    list_push_back(&s->pending_writes, &c->pending);
}

void server_queue_close(server *s, client *c) {
    list_unlink(&c->pending);
    c->flags &= ~CLIENT_PENDING_WRITE;
    list_push_back(&s->pending_close, &c->pending);
}

bool server_auth_required(const server *s) {
    const char *pass = config_get_values(s->cfg)->requirepass;
    return pass != NULL && pass[0] != '\0';
}

bool server_check_password(const server *s, const char *pass, size_t len) {
    const char *want = config_get_values(s->cfg)->requirepass;
    if (want == NULL) return false;
    size_t wlen = strlen(want);
    /* Compare in time independent of where the first difference is. */
    unsigned char diff = (unsigned char)(wlen != len);
    for (size_t i = 0; i < len; i++) diff |= (unsigned char)(pass[i] ^ want[i % (wlen ? wlen : 1)]);
    return diff == 0;
}

/* ---- error statistics ---- */

static uint64_t errorstat_hash(const htable_node *n) {
    const errorstat *e = (const errorstat *)n;
    return hash_bytes(e->code, e->len);
}
static uint64_t errorstat_key_hash(const void *key, size_t len) {
    return hash_bytes(key, len);
}
static bool errorstat_eq(const htable_node *n, const void *key, size_t len) {
    const errorstat *e = (const errorstat *)n;
    return e->len == len && memcmp(e->code, key, len) == 0;
}
static const htable_type errorstat_type = {errorstat_hash, errorstat_key_hash, errorstat_eq};

void server_count_error(server *s, const char *msg, size_t len) {
    s->stats.error_replies++;
    size_t code_len = 0;
    while (code_len < len && msg[code_len] != ' ') code_len++;
    uint64_t h = hash_bytes(msg, code_len);
    errorstat *e = (errorstat *)htable_find(&s->errorstats, msg, code_len, h);
    if (e == NULL) {
        /* Redis compat: tracking stops at 128 distinct codes (a flood of
         * made-up error codes must not grow memory without bound). */
        if (htable_count(&s->errorstats) >= ERRORSTATS_LIMIT) {
            s->errorstats_full = true;
            return;
        }
        e = mem_alloc(sizeof(*e) + code_len + 1);
        e->count = 0;
        e->len = code_len;
        memcpy(e->code, msg, code_len);
        e->code[code_len] = '\0';
        htable_insert(&s->errorstats, &e->node, h);
    }
    e->count++;
}

typedef struct errorstat_visit {
    void (*fn)(void *ctx, const char *code, uint64_t count);
    void *ctx;
} errorstat_visit;

static bool visit_errorstat(htable_node *n, void *ctx) {
    errorstat_visit *v = ctx;
    errorstat *e = (errorstat *)n;
    v->fn(v->ctx, e->code, e->count);
    return true;
}

void server_foreach_errorstat(server *s, void (*fn)(void *ctx, const char *code, uint64_t count),
                              void *ctx) {
    errorstat_visit v = {fn, ctx};
    htable_foreach(&s->errorstats, visit_errorstat, &v);
}

static void free_errorstat(htable_node *n, void *ctx) {
    (void)ctx;
    mem_free(n);
}

void server_reset_stats(server *s) {
    int64_t peak = s->stats.peak_memory, peak_time = s->stats.peak_memory_time;
    uint64_t dirty = s->stats.dirty;
    memset(&s->stats, 0, sizeof(s->stats));
    s->stats.peak_memory = peak;
    s->stats.peak_memory_time = peak_time;
    s->stats.dirty = dirty;
    s->stats.last_reset_ms = clock_wall_ms();
    htable_clear(&s->errorstats, free_errorstat, NULL);
    htable_init(&s->errorstats, &errorstat_type);
    s->errorstats_full = false;
    keyspace_stats *ks = keyspace_stats_of(s->ks);
    memset(ks, 0, sizeof(*ks));
    memset(s->metrics, 0, sizeof(s->metrics));
}

/* ---- metrics ---- */

static void metric_sample(server *s, enum server_metric m, uint64_t value, int64_t now) {
    server_metric_ring *r = &s->metrics[m];
    if (r->last_time_ms) {
        int64_t dt = now - r->last_time_ms;
        uint64_t dv = value >= r->last_value ? value - r->last_value : 0;
        r->samples[r->idx] = dt > 0 ? dv * 1000 / (uint64_t)dt : 0;
        r->idx = (r->idx + 1) % SERVER_METRIC_SAMPLES;
    }
    r->last_time_ms = now;
    r->last_value = value;
}

double server_instant_metric(const server *s, enum server_metric m) {
    const server_metric_ring *r = &s->metrics[m];
    uint64_t sum = 0;
    for (int i = 0; i < SERVER_METRIC_SAMPLES; i++) sum += r->samples[i];
    return (double)sum / SERVER_METRIC_SAMPLES;
}

/* ---- options derived from configuration ---- */

static void on_key_evicted(void *ctx, int dbid, const char *key, size_t len);

static enum evict_policy evict_policy_of(int cfg_policy) {
    switch (cfg_policy) {
    case CFG_EVICT_VOLATILE_LRU: return EVICT_VOLATILE_LRU;
    case CFG_EVICT_VOLATILE_LFU: return EVICT_VOLATILE_LFU;
    case CFG_EVICT_VOLATILE_RANDOM: return EVICT_VOLATILE_RANDOM;
    case CFG_EVICT_VOLATILE_TTL: return EVICT_VOLATILE_TTL;
    case CFG_EVICT_ALLKEYS_LRU: return EVICT_ALLKEYS_LRU;
    case CFG_EVICT_ALLKEYS_LFU: return EVICT_ALLKEYS_LFU;
    case CFG_EVICT_ALLKEYS_RANDOM: return EVICT_ALLKEYS_RANDOM;
    default: return EVICT_NOEVICTION;
    }
}

void server_refresh_options(server *s) {
    const config_values *cv = config_get_values(s->cfg);
    s->cmd_opts.proto_max_bulk_len = cv->proto_max_bulk_len;
    s->cmd_opts.lazyfree_user_flush = cv->lazyfree_lazy_user_flush;
    s->cmd_opts.lazyfree_user_del = cv->lazyfree_lazy_user_del;
    s->cmd_opts.lazyfree_expire = cv->lazyfree_lazy_expire;
    s->cmd_opts.cluster_enabled = cv->cluster_enabled;
    s->cmd_opts.rdb_compression = cv->rdbcompression;
    busy_poll_set_budget(&s->busy, cv->busy_poll_us);
    int p = cv->maxmemory_policy;
    bool lru_lfu = p == CFG_EVICT_VOLATILE_LRU || p == CFG_EVICT_VOLATILE_LFU ||
                   p == CFG_EVICT_ALLKEYS_LRU || p == CFG_EVICT_ALLKEYS_LFU;
    s->cmd_opts.shared_integers = cv->maxmemory == 0 || !lru_lfu;
    bool lfu = p == CFG_EVICT_VOLATILE_LFU || p == CFG_EVICT_ALLKEYS_LFU;
    keyspace_set_lfu(s->ks, lfu, cv->lfu_log_factor, cv->lfu_decay_time);
    s->evict.policy = evict_policy_of(p);
    s->evict.maxmemory = (size_t)cv->maxmemory;
    s->evict.samples = cv->maxmemory_samples;
    s->evict.on_evict = on_key_evicted;
    s->evict.ctx = s;
    /* The normal class's limits are the ones client_check_output_limits
     * applies; a soft limit needs checking from its size on, to start its
     * timer. */
    size_t check = SIZE_MAX;
    const config_obuf_limit *lim = &cv->obuf[CFG_OBUF_NORMAL];
    if (lim->hard_bytes > 0 && (size_t)lim->hard_bytes < check) check = (size_t)lim->hard_bytes;
    if (lim->soft_bytes > 0 && (size_t)lim->soft_bytes < check) check = (size_t)lim->soft_bytes;
    /* Chunks are allocated whole: compare with less than the limit. */
    s->output_check_bytes = check == SIZE_MAX ? SIZE_MAX : check / 2;
}

size_t server_output_check_bytes(const server *s) {
    return s->output_check_bytes;
}

bool server_perform_evictions(server *s) {
    if (s->evict.maxmemory == 0) return false;
    size_t evicted = 0;
    enum evict_result r = evict_run(s->ks, s->evict_pool, &s->evict, 50000, &evicted);
    /* Each eviction is its own unit: never wrapped with the command that
     * triggered it. */
    server_propagate(s, false);
    return r == EVICT_FAIL;
}

void server_set_in_exec(server *s, bool on) {
    s->in_exec = on;
}

bool server_in_exec(const server *s) {
    return s->in_exec;
}

/* ---- the write stream ---- */

prop_batch *server_prop_batch(server *s) {
    return s->prop_wanted ? &s->prop : NULL;
}

void server_update_prop_wanted(server *s) {
    s->prop_wanted = appendonly_enabled(s->aof) || repl_wants_stream(s->repl);
    if (!s->prop_wanted) prop_batch_clear(&s->prop);
}

void server_propagate(server *s, bool wrap) {
    if (s->prop.count == 0) return;
    wrap = wrap && s->prop.count > 1;
    appendonly_feed(s->aof, &s->prop, wrap);
    repl_feed(s->repl, &s->prop, wrap);
    prop_batch_clear(&s->prop);
}

/* ---- WAIT ---- */

static void wait_done(server *s, client *c) {
    (void)s;
    list_unlink(&c->blocked);
    list_init(&c->blocked);
    c->flags &= ~CLIENT_BLOCKED;
    reply_int(&c->out, repl_count_acked(s->repl, c->wait_offset));
    server_queue_write(s, c);
    client_resume(c);
}

void server_block_wait(server *s, client *c, int64_t offset, int replicas, int64_t timeout_ms) {
    c->flags |= CLIENT_BLOCKED;
    c->wait_offset = offset;
    c->wait_replicas = replicas;
    c->wait_deadline_ms = timeout_ms > 0 ? clock_mono_ms() + timeout_ms : 0;
    list_push_back(&s->waiting, &c->blocked);
    s->want_acks = true;
}

void server_acks_changed(server *s) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &s->waiting) {
        client *c = container_of(pos, client, blocked);
        if (repl_count_acked(s->repl, c->wait_offset) >= c->wait_replicas) wait_done(s, c);
    }
}

void server_pause_client(server *s, client *c) {
    c->flags |= CLIENT_BLOCKED;
    list_push_back(&s->paused, &c->blocked);
}

void server_unpause_clients(server *s) {
    while (!list_empty(&s->paused)) {
        client *c = container_of(s->paused.next, client, blocked);
        list_unlink(&c->blocked);
        list_init(&c->blocked);
        c->flags &= ~CLIENT_BLOCKED;
        client_resume(c);
    }
}

static void check_wait_timeouts(server *s) {
    int64_t now = clock_mono_ms();
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &s->waiting) {
        client *c = container_of(pos, client, blocked);
        if (c->wait_deadline_ms && now >= c->wait_deadline_ms) wait_done(s, c);
    }
}

/* Keys the keyspace removes on its own (expired on access or by the active
 * cycle, evicted) reach the stream as deletions. */
static void propagate_removal(server *s, int dbid, const char *key, size_t len, bool lazy) {
    if (!s->prop_wanted) return;
    resp_arg argv[2] = {lazy ? PROP_ARG("UNLINK") : PROP_ARG("DEL"), {.ptr = key, .len = len}};
    prop_batch_add(&s->prop, dbid, 2, argv);
}

static void on_key_expired(void *ctx, int dbid, const char *key, size_t len) {
    server *s = ctx;
    propagate_removal(s, dbid, key, len, config_get_values(s->cfg)->lazyfree_lazy_expire);
}

static void on_key_evicted(void *ctx, int dbid, const char *key, size_t len) {
    server *s = ctx;
    propagate_removal(s, dbid, key, len, config_get_values(s->cfg)->lazyfree_lazy_eviction);
}

/* ---- listening ---- */

static void on_accept(struct ev_loop *loop, ev_io *w, int revents);

static void close_listeners(server *s) {
    for (int i = 0; i < s->nlisteners; i++) {
        ev_io_stop(s->loop, &s->listeners[i].io);
        close(s->listeners[i].fd);
    }
    s->nlisteners = 0;
}

/* Opens listeners for the configured bind addresses and port. */
static int open_listeners(server *s, listener *out, int *count) {
    const config_values *cv = config_get_values(s->cfg);
    int n = 0;
    for (int i = 0; i < cv->bind_count && n < SERVER_MAX_LISTENERS; i++) {
        const char *addr = cv->bind[i];
        bool optional = addr[0] == '-';
        if (optional) addr++;
        int fd;
        int rc = net_listen_tcp(addr, cv->port, cv->tcp_backlog, &fd);
        if (rc < 0) {
            if (optional && (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT || rc == -EPROTONOSUPPORT))
                continue;
            log_warning("Warning: Could not create server TCP listening socket %s:%d: %s", addr,
                        cv->port, strerror(-rc));
            for (int j = 0; j < n; j++) close(out[j].fd);
            return rc;
        }
        out[n].fd = fd;
        out[n].srv = s;
        n++;
    }
    if (n == 0 && cv->bind_count > 0) {
        log_warning("Failed listening on port %d (tcp), aborting.", cv->port);
        return -EADDRNOTAVAIL;
    }
    *count = n;
    return 0;
}

static void start_listeners(server *s) {
    for (int i = 0; i < s->nlisteners; i++) {
        listener *l = &s->listeners[i];
        ev_io_init(&l->io, on_accept, l->fd, EV_READ);
        l->io.data = l;
        ev_io_start(s->loop, &l->io);
    }
    s->bound_port = config_get_values(s->cfg)->port;
}

int server_listen(server *s) {
    int rc = open_listeners(s, s->listeners, &s->nlisteners);
    if (rc < 0) return rc;
    start_listeners(s);
    return 0;
}

static void reject_connection(int fd, const char *msg) {
    /* Best effort: the client may already be gone. */
    ssize_t w = write(fd, msg, strlen(msg));
    (void)w;
    close(fd);
}

#define DENIED_MSG                                                                                  \
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "        \
    "password is set for the default user. In this mode connections are only accepted from the "  \
    "loopback interface. If you want to connect from external computers to Redis you may adopt "  \
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG " \
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "    \
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "        \
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "  \
    "you can just disable the protected mode by editing the Redis configuration file, and "       \
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "       \
    "started the server manually just for testing, restart it with the '--protected-mode no' "    \
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to "  \
    "do one of the above things in order for the server to start accepting connections from the " \
    "outside.\r\n"

static void on_accept(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    listener *l = w->data;
    server *s = l->srv;
    const config_values *cv = config_get_values(s->cfg);
    for (int i = 0; i < MAX_ACCEPTS_PER_CALL; i++) {
        char ip[NET_IP_STR_LEN];
        int port, fd;
        int rc = net_accept(l->fd, &fd, ip, sizeof(ip), &port);
        if (rc == -EAGAIN) return;
        if (rc < 0) {
            log_warning("Accepting client connection: %s", strerror(-rc));
            return;
        }
        log_verbose("Accepted %s:%d", ip, port);
        if ((int64_t)s->nclients >= cv->maxclients) {
            /* Redis compat: the error is written raw, then the socket closed. */
            reject_connection(fd, "-ERR max number of clients reached\r\n");
            s->stats.rejected_connections++;
            continue;
        }
        if (cv->protected_mode && !server_auth_required(s) && !net_is_loopback(ip)) {
            reject_connection(fd, DENIED_MSG);
            s->stats.rejected_connections++;
            continue;
        }
        client_new(s, fd, ip, port);
    }
}

/* ---- loop hooks ---- */

static void flush_and_close(server *s) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &s->pending_writes) {
        client *c = container_of(pos, client, pending);
        list_unlink(pos);
        c->flags &= ~CLIENT_PENDING_WRITE;
        client_flush(c);
    }
    list_foreach_safe(pos, tmp, &s->pending_close) {
        client *c = container_of(pos, client, pending);
        list_unlink(pos);
        client_free(c);
    }
}

/* While this idle watcher is active, libev polls without sleeping and calls
 * it whenever a poll found nothing; see base/busy_poll.h for the policy.
 * sched_yield lets any other runnable process on this CPU go first, so
 * polling never takes a CPU that a client or another server could use. */
static void on_poll_again(struct ev_loop *loop, ev_idle *w, int revents) {
    (void)revents;
    server *s = w->data;
    if (busy_poll_on_idle(&s->busy, clock_mono_us()))
        sched_yield();
    else
        ev_idle_stop(loop, w);
}

static void on_before_sleep(struct ev_loop *loop, ev_prepare *w, int revents) {
    (void)revents;
    server *s = w->data;
    /* Replies about to go out: more requests are likely to follow soon. */
    if (!list_empty(&s->pending_writes) && busy_poll_enabled(&s->busy) &&
        busy_poll_after_work(&s->busy, clock_mono_us()))
        ev_idle_start(loop, &s->poll_again);
    /* The append-only file first: a reply must not acknowledge a write
     * the file does not have yet. */
    appendonly_flush(s->aof);
    if (!list_empty(&s->waiting)) {
        if (s->want_acks) repl_request_acks(s->repl);
        s->want_acks = false;
        check_wait_timeouts(s);
    }
    repl_before_sleep(s->repl);
    if (s->cbus) cluster_bus_before_sleep(s->cbus);
    flush_and_close(s);
    if (s->shutdown_asap) ev_break(loop, EVBREAK_ALL);
}

static void close_idle_clients(server *s, int64_t now) {
    const config_values *cv = config_get_values(s->cfg);
    if (cv->timeout_s <= 0) return;
    list_node *pos;
    list_foreach(pos, &s->clients) {
        client *c = container_of(pos, client, node);
        if (c->flags & (CLIENT_MONITOR | CLIENT_CLOSE_ASAP)) continue;
        if (now - c->last_active_ms > (int64_t)cv->timeout_s * 1000) {
            log_verbose("Closing idle client");
            client_close_asap(c);
        }
    }
}

/* maxmemory-clients: when connections together hold more than the limit,
 * close the biggest ones (never those that asked for CLIENT NO-EVICT). */
static void evict_clients(server *s) {
    const config_values *cv = config_get_values(s->cfg);
    int64_t limit = cv->maxmemory_clients;
    if (limit < 0) limit = cv->maxmemory > 0 ? cv->maxmemory / 100 * -limit : 0;
    if (limit <= 0) return;
    size_t total = 0;
    list_node *pos;
    list_foreach(pos, &s->clients) total += client_memory(container_of(pos, client, node));
    while (total > (size_t)limit) {
        client *victim = NULL;
        size_t biggest = 0;
        list_foreach(pos, &s->clients) {
            client *c = container_of(pos, client, node);
            if ((c->sess.flags & SESSION_NO_EVICT) || (c->flags & CLIENT_CLOSE_ASAP)) continue;
            size_t m = client_memory(c);
            if (m > biggest) {
                biggest = m;
                victim = c;
            }
        }
        if (victim == NULL) return;
        buf info;
        buf_init(&info);
        client_describe(victim, &info);
        if (info.len) info.data[info.len - 1] = '\0';
        log_verbose("Evicting client: %s", info.data ? info.data : victim->addr);
        buf_fini(&info);
        s->stats.evicted_clients++;
        total -= biggest;
        client_close_asap(victim);
    }
}

static void on_cron(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    server *s = w->data;
    const config_values *cv = config_get_values(s->cfg);
    int64_t now = clock_wall_ms();
    s->cron_loops++;
    keyspace_set_now(s->ks, now);

    size_t used = mem_used_bytes();
    if ((int64_t)used > s->stats.peak_memory) {
        s->stats.peak_memory = (int64_t)used;
        s->stats.peak_memory_time = now;
    }
    if (s->cron_loops % (uint64_t)(s->cron_hz / 10 > 0 ? s->cron_hz / 10 : 1) == 0) {
        metric_sample(s, METRIC_COMMANDS, s->stats.commands_processed, now);
        metric_sample(s, METRIC_NET_INPUT, s->stats.net_input_bytes, now);
        metric_sample(s, METRIC_NET_OUTPUT, s->stats.net_output_bytes, now);
    }

    /* A quarter of each cron period for active expiry, like Redis's slow
     * cycle; more effort means a bigger share. */
    int64_t period_us = 1000000 / s->cron_hz;
    if (s->active_expire) {
        int64_t budget = period_us * (25 + 2 * (cv->active_expire_effort - 1)) / 100;
        int64_t t0 = clock_mono_us();
        keyspace_expire_cycle(s->ks, budget);
        server_propagate(s, false);
        latency_record(s->latency, "expire-cycle", (clock_mono_us() - t0) / 1000,
                       cv->latency_monitor_threshold);
    }
    /* With a child writing a snapshot, moving entries between tables would
     * only make the kernel copy the pages they sit in. */
    bool child = server_child_running(s);
    htable_avoid_resize(child);
    if (cv->activerehashing && !child) keyspace_rehash_step(s->ks, 1000);
    if (keyspace_reclaim_pending(s->ks)) keyspace_reclaim_step(s->ks, period_us / 4);
    if (s->evict.maxmemory) server_perform_evictions(s);
    close_idle_clients(s, now);
    evict_clients(s);
    snapshot_cron(s->snap);
    appendonly_cron(s->aof);
    repl_cron(s->repl);
    migrate_cache_cron(now);
}

static void restart_cron(server *s) {
    const config_values *cv = config_get_values(s->cfg);
    s->cron_hz = cv->hz > 0 ? cv->hz : 10;
    double period = 1.0 / s->cron_hz;
    ev_timer_stop(s->loop, &s->cron);
    ev_timer_set(&s->cron, period, period);
    ev_timer_start(s->loop, &s->cron);
}

/* Everything that must happen before the process may exit: stop a
 * background save, write the final snapshot when one is due. Returns < 0
 * (with a client-facing message in *err) when exiting now would lose data. */
static int prepare_shutdown(server *s, int flags, const char **err) {
    const config_values *cv = config_get_values(s->cfg);
    snapshot_kill_child(s->snap);
    repl_kill_child(s->repl);
    if (appendonly_child_running(s->aof)) {
        log_warning("There is a child rewriting the AOF. Killing it!");
        appendonly_kill_child(s->aof);
    }
    if (appendonly_enabled(s->aof)) {
        log_notice("Calling fsync() on the AOF file.");
        appendonly_shutdown(s->aof);
    }
    bool want_save = (flags & SHUTDOWN_SAVE) || (!(flags & SHUTDOWN_NOSAVE) && cv->save_count > 0);
    if (want_save) {
        log_notice("Saving the final RDB snapshot before exiting.");
        buf why;
        buf_init(&why);
        int rc = snapshot_save(s->snap, &why);
        buf_fini(&why);
        if (rc < 0 && !(flags & SHUTDOWN_FORCE)) {
            log_warning("Error trying to save the DB, can't exit.");
            *err = "ERR Errors trying to SHUTDOWN. Check logs.";
            return -1;
        }
    }
    return 0;
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
    (void)loop;
    (void)revents;
    server *s = w->data;
    const char *name = w->signum == SIGINT ? "SIGINT" : "SIGTERM";
    if (s->shutdown_asap && w->signum == SIGINT) {
        log_warning("You insist... exiting now.");
        exit(1);
    }
    log_warning("Received %s scheduling shutdown...", name);
    log_warning("User requested shutdown...");
    const config_values *cv = config_get_values(s->cfg);
    int cfg = w->signum == SIGINT ? cv->shutdown_on_sigint : cv->shutdown_on_sigterm;
    int flags = ((cfg & CFG_SHUTDOWN_SAVE) ? SHUTDOWN_SAVE : 0) |
                ((cfg & CFG_SHUTDOWN_NOSAVE) ? SHUTDOWN_NOSAVE : 0) |
                ((cfg & CFG_SHUTDOWN_FORCE) ? SHUTDOWN_FORCE : 0);
    const char *err = NULL;
    if (prepare_shutdown(s, flags, &err) < 0) {
        log_warning("%s received but errors trying to shut down the server, check the logs for "
                    "more information",
                    name);
        return;
    }
    s->shutdown_asap = true;
    s->exit_status = 0;
    ev_break(s->loop, EVBREAK_ALL);
}

int server_request_shutdown(server *s, int flags, const char **err) {
    log_warning("User requested shutdown...");
    if (prepare_shutdown(s, flags, err) < 0) return -1;
    s->shutdown_asap = true;
    s->exit_status = 0;
    return 0;
}

/* ---- configuration changes at runtime ---- */

static int rebind(server *s, buf *err) {
    listener fresh[SERVER_MAX_LISTENERS];
    int n = 0;
    if (open_listeners(s, fresh, &n) < 0) {
        buf_append_str(err, "Unable to listen on this port. Check server logs.");
        return -1;
    }
    close_listeners(s);
    memcpy(s->listeners, fresh, sizeof(listener) * (size_t)n);
    s->nlisteners = n;
    start_listeners(s);
    return 0;
}

static void adjust_open_files(server *s) {
    const config_values *cv = config_get_values(s->cfg);
    rlim_t want = (rlim_t)cv->maxclients + RESERVED_FDS;
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) < 0 || lim.rlim_cur >= want) return;
    struct rlimit nl = {want, lim.rlim_max > want ? lim.rlim_max : want};
    if (setrlimit(RLIMIT_NOFILE, &nl) == 0) return;
    nl.rlim_max = lim.rlim_max;
    nl.rlim_cur = lim.rlim_max < want ? lim.rlim_max : want;
    if (setrlimit(RLIMIT_NOFILE, &nl) == 0 || nl.rlim_cur != lim.rlim_cur) {
        getrlimit(RLIMIT_NOFILE, &lim);
        if (lim.rlim_cur > RESERVED_FDS)
            log_warning("You requested maxclients of %lld requiring at least %llu max file "
                        "descriptors; the limit is %llu, so up to %llu clients can connect.",
                        (long long)cv->maxclients, (unsigned long long)want,
                        (unsigned long long)lim.rlim_cur,
                        (unsigned long long)(lim.rlim_cur - RESERVED_FDS));
    }
}

static int apply_config(void *ctx, enum config_apply what, buf *err) {
    server *s = ctx;
    const config_values *cv = config_get_values(s->cfg);
    switch (what) {
    case CFG_APPLY_PORT:
    case CFG_APPLY_BIND:
        if (s->nlisteners > 0 || s->bound_port != 0) return rebind(s, err);
        return 0;
    case CFG_APPLY_MAXCLIENTS: adjust_open_files(s); return 0;
    case CFG_APPLY_LOGLEVEL: log_set_level((enum log_level)cv->loglevel); return 0;
    case CFG_APPLY_APPENDONLY: return appendonly_set_enabled(s->aof, cv->appendonly, err);
    case CFG_APPLY_REPL_BACKLOG: repl_resize_backlog(s->repl); return 0;
    case CFG_APPLY_CLUSTER:
        if (s->cbus) cluster_bus_refresh_config(s->cbus);
        return 0;
    case CFG_APPLY_MAXMEMORY:
        server_refresh_options(s);
        if (cv->maxmemory > 0 && (size_t)cv->maxmemory < mem_used_bytes())
            log_warning("WARNING: the new maxmemory value set via CONFIG SET (%lld) is smaller "
                        "than the current memory usage (%zu). This will result in key eviction "
                        "and/or the inability to accept new write commands depending on the "
                        "maxmemory-policy.",
                        (long long)cv->maxmemory, mem_used_bytes());
        server_perform_evictions(s);
        return 0;
    case CFG_APPLY_HZ: restart_cron(s); return 0;
    case CFG_APPLY_PROTO_LIMITS: {
        list_node *pos;
        list_foreach(pos, &s->clients) {
            client *c = container_of(pos, client, node);
            c->parser.max_bulk_len = cv->proto_max_bulk_len;
        }
        server_refresh_options(s);
        return 0;
    }
    case CFG_APPLY_SLOWLOG: slowlog_trim(s->slowlog, cv->slowlog_max_len); return 0;
    default: server_refresh_options(s); return 0;
    }
}

/* ---- life cycle ---- */

server *server_new(config *cfg, int argc, char **argv) {
    server *s = mem_calloc(1, sizeof(*s));
    s->cfg = cfg;
    const config_values *cv = config_get_values(cfg);
    s->loop = ev_default_loop(EVFLAG_AUTO);
    s->ks = keyspace_new(cv->databases);
    static const command_def *const groups[] = {cmd_string_defs,     cmd_keys_defs,
                                                cmd_connection_defs, cmd_server_defs,
                                                cmd_command_defs,    cmd_dump_defs, cmd_replication_defs,
                                                cmd_migrate_defs,    cmd_cluster_defs, cmd_multi_defs, NULL};
    s->commands = command_registry_new(groups);
    s->slowlog = slowlog_new();
    s->latency = latency_new();
    s->evict_pool = evict_pool_new();
    htable_init(&s->errorstats, &errorstat_type);
    list_init(&s->clients);
    list_init(&s->pending_writes);
    list_init(&s->pending_close);
    list_init(&s->monitors);
    s->next_client_id = 1;
    s->active_expire = true;
    random_hex40(s->run_id);
    s->start_ms = clock_wall_ms();
    s->snap = snapshot_new(s);
    s->aof = appendonly_new(s);
    s->repl = repl_new(s);
    list_init(&s->waiting);
    list_init(&s->paused);
    prop_batch_init(&s->prop);
    keyspace_set_expired_hook(s->ks, on_key_expired, s);
    s->stats.last_reset_ms = s->start_ms;
    if (argc > 0) {
        char abs[PATH_MAX];
        s->executable = mem_strdup(realpath(argv[0], abs) ? abs : argv[0]);
    }
    server_refresh_options(s);
    config_set_apply_hook(cfg, apply_config, s);
    adjust_open_files(s);

    ev_init(&s->cron, on_cron);
    s->cron.data = s;
    restart_cron(s);
    ev_prepare_init(&s->before_sleep, on_before_sleep);
    s->before_sleep.data = s;
    ev_prepare_start(s->loop, &s->before_sleep);
    ev_idle_init(&s->poll_again, on_poll_again);
    s->poll_again.data = s;
    ev_signal_init(&s->sigterm, on_signal, SIGTERM);
    s->sigterm.data = s;
    ev_signal_start(s->loop, &s->sigterm);
    ev_signal_init(&s->sigint, on_signal, SIGINT);
    s->sigint.data = s;
    ev_signal_start(s->loop, &s->sigint);
    return s;
}

void server_free(server *s) {
    if (s == NULL) return;
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &s->clients) client_free(container_of(pos, client, node));
    close_listeners(s);
    cluster_bus_free(s->cbus);
    ev_timer_stop(s->loop, &s->cron);
    ev_prepare_stop(s->loop, &s->before_sleep);
    ev_idle_stop(s->loop, &s->poll_again);
    ev_signal_stop(s->loop, &s->sigterm);
    ev_signal_stop(s->loop, &s->sigint);
    htable_clear(&s->errorstats, free_errorstat, NULL);
    evict_pool_free(s->evict_pool);
    latency_free(s->latency);
    slowlog_free(s->slowlog);
    repl_free(s->repl);
    appendonly_free(s->aof);
    snapshot_free(s->snap);
    prop_batch_fini(&s->prop);
    command_registry_free(s->commands);
    keyspace_free(s->ks);
    config_free(s->cfg);
    mem_free(s->executable);
    ev_loop_destroy(s->loop);
    mem_free(s);
}

int server_run(server *s) {
    log_notice("Ready to accept connections");
    ev_run(s->loop, 0);
    /* Write what is queued (e.g. SHUTDOWN's callers get nothing, but other
     * clients' last replies should go out), the append-only file first. */
    appendonly_shutdown(s->aof);
    flush_and_close(s);
    const config_values *cv = config_get_values(s->cfg);
    if (cv->pidfile && cv->pidfile[0]) unlink(cv->pidfile);
    close_listeners(s);
    log_warning("Tessera is now ready to exit, bye bye...");
    return s->exit_status;
}
