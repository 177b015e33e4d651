#ifndef SERVER_SERVER_H
#define SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/list.h"
#include "commands/command.h"

/* The server: owns the event loop, listeners, clients, keyspace, command
 * registry and statistics, and runs the periodic cron. main() creates one,
 * runs it and frees it; nothing else is global. */

struct ev_loop;
struct config;
struct keyspace;
struct client;
struct prop_batch;
struct evict_pool;
struct slowlog;
struct latency_monitor;
struct htable;
struct busy_poll;

typedef struct server_stats {
    uint64_t connections_received;
    uint64_t commands_processed;
    uint64_t rejected_connections;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t error_replies;
    uint64_t unexpected_error_replies;
    uint64_t dirty; /* changes since start (later: since last save) */
    uint64_t client_qbuf_limit_disconnections;
    uint64_t client_outbuf_limit_disconnections;
    uint64_t evicted_clients;
    uint64_t io_reads;
    uint64_t io_writes;
    int64_t peak_memory;
    int64_t peak_memory_time;
    int64_t last_reset_ms;
} server_stats;

/* Instantaneous metrics: a ring of samples taken by the cron. */
#define SERVER_METRIC_SAMPLES 16
enum server_metric { METRIC_COMMANDS, METRIC_NET_INPUT, METRIC_NET_OUTPUT, METRIC_COUNT };

typedef struct server_metric_ring {
    int64_t last_time_ms;
    uint64_t last_value;
    uint64_t samples[SERVER_METRIC_SAMPLES];
    int idx;
} server_metric_ring;

#define SERVER_MAX_LISTENERS 16

typedef struct server server;

/* Creates a server from a loaded configuration (takes ownership of cfg).
 * argv/argc are kept for INFO (executable). */
server *server_new(struct config *cfg, int argc, char **argv);
void server_free(server *s);

/* Binds the listeners; returns 0 or -errno (and logs why). */
int server_listen(server *s);
/* Runs the loop until shutdown. Returns the process exit status. */
int server_run(server *s);

/* ---- used by the connection, dispatch and server-command modules ---- */

struct ev_loop *server_loop(server *s);
struct config *server_config(server *s);
struct keyspace *server_keyspace(server *s);
command_registry *server_commands(server *s);
const cmd_options *server_cmd_options(server *s);
server_stats *server_stats_of(server *s);
const struct busy_poll *server_busy_poll(server *s);
struct slowlog *server_slowlog(server *s);
struct latency_monitor *server_latency(server *s);

uint64_t server_next_client_id(server *s);
void server_client_added(server *s, struct client *c);
void server_client_removed(server *s, struct client *c);
/* Queues a client whose output must be written before the loop sleeps. */
void server_queue_write(server *s, struct client *c);
/* Queues a client to be freed before the loop sleeps. */
void server_queue_close(server *s, struct client *c);
list_node *server_clients(server *s); /* list of struct client (node) */
size_t server_client_count(const server *s);
list_node *server_monitors(server *s);

/* Whether a password is required (requirepass set). */
bool server_auth_required(const server *s);
/* Checks a password against requirepass in constant time. */
bool server_check_password(const server *s, const char *pass, size_t len);

/* Counts an error reply in the error statistics (prefix = error code). */
void server_count_error(server *s, const char *msg, size_t len);
/* Iterates error statistics: fn(code, count). */
void server_foreach_errorstat(server *s, void (*fn)(void *ctx, const char *code, uint64_t count),
                              void *ctx);
void server_reset_stats(server *s);

/* Instantaneous metric (per second) averaged over recent samples. */
double server_instant_metric(const server *s, enum server_metric m);

/* Requests a shutdown: flags from enum server_shutdown. Returns 0 if the
 * server will stop, or < 0 with a reason in err. */
enum server_shutdown { SHUTDOWN_DEFAULT = 0, SHUTDOWN_SAVE = 1, SHUTDOWN_NOSAVE = 2, SHUTDOWN_NOW = 4, SHUTDOWN_FORCE = 8 };
int server_request_shutdown(server *s, int flags, const char **err);

/* Run information for INFO. */
const char *server_run_id(const server *s);
/* Bytes in use when the server finished starting (INFO used_memory_startup). */
size_t server_startup_memory(const server *s);
/* Records used memory now as the start-up baseline. */
void server_mark_startup_memory(server *s);
int64_t server_start_time_ms(const server *s);
const char *server_executable(const server *s);
int server_tcp_port(const server *s);
uint64_t server_cron_hz(const server *s);
int64_t server_last_save_time(const server *s);
uint64_t server_changes_since_save(const server *s);
bool server_is_loading(const server *s);
/* While loading, clients get LOADING and commands replay (cmd_options
 * replaying). */
void server_set_loading(server *s, bool on);
/* Progress hook for loaders (ctx: the server): now and then serves clients,
 * who get LOADING. */
void server_loading_progress(void *ctx);
/* Whether a child process (BGSAVE, AOF rewrite) runs: one at a time. */
bool server_child_running(const server *s);
struct appendonly;
struct appendonly *server_appendonly(server *s);
struct replication;
struct replication *server_replication(server *s);
/* Holds a client whose next request must wait for the end of a write
 * pause; server_unpause_clients() lets them all go on. */
void server_pause_client(server *s, struct client *c);
void server_unpause_clients(server *s);
/* Cluster mode: the bus (NULL on a standalone node). */
struct cluster_bus *server_cluster_bus(server *s);
/* Loads nodes.conf and starts the bus; < 0 after logging when start-up
 * must stop. */
int server_init_cluster(server *s);
/* What an expired key means now (keyspace expire mode): the role decides,
 * and loading ignores expiry. */
void server_refresh_expire_mode(server *s);
/* WAIT: blocks c until `replicas` replicas acknowledged offset, or the
 * timeout (ms, 0 = none); then replies how many did. */
void server_block_wait(server *s, struct client *c, int64_t offset, int replicas,
                       int64_t timeout_ms);
/* A replica acknowledged a new offset: wakes WAIT clients that are done. */
void server_acks_changed(server *s);

struct snapshot;
struct snapshot *server_snapshot(server *s);

/* Debug switches. */
void server_set_active_expire(server *s, bool on);
bool server_active_expire(const server *s);

/* Output size from which a client's output-buffer limits can be exceeded
 * (the smallest configured limit), so small replies skip the check. */
size_t server_output_check_bytes(const server *s);

/* Re-reads every cached configuration value (after CONFIG SET). */
void server_refresh_options(server *s);
/* Runs eviction now if over maxmemory; returns true if still over and
 * nothing more can be evicted. */
bool server_perform_evictions(server *s);

/* Whether an EXEC is running its queue. BGSAVE and BGREWRITEAOF are then
 * scheduled instead of started, so a snapshot never holds half a
 * transaction. */
void server_set_in_exec(server *s, bool on);
bool server_in_exec(const server *s);

/* The write stream (see commands/propagate.h): the batch commands add to,
 * or NULL when nothing consumes it. */
struct prop_batch *server_prop_batch(server *s);
/* Re-reads whether anything consumes the stream (the append-only file
 * was switched on or off). */
void server_update_prop_wanted(server *s);
/* Hands the batch of the unit that just ended to the consumers and clears
 * it; wrap: a unit of several operations replays as MULTI ... EXEC. */
void server_propagate(server *s, bool wrap);

#endif
