#ifndef CLUSTER_CLUSTER_H
#define CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "cluster/cluster_msg.h"
#include "cluster/cluster_state.h"

/* cluster: the rules of the cluster bus, as code without sockets.
 *
 * It reacts to decoded bus messages and to a 100 ms timer: handshakes,
 * gossip, failure detection (PFAIL, then FAIL by a majority of masters),
 * slot ownership by config epoch, UPDATE messages, replica elections and
 * manual failovers. Everything it needs from the rest of the server goes
 * through cluster_env, a small table of callbacks: the bus sends bytes and
 * opens links; the core reports replication offsets, follows a primary,
 * counts and drops the keys of a slot and saves nodes.conf. Time is always
 * passed in (`now`, wall-clock milliseconds), so tests can run a whole
 * cluster of these in one process with a fake clock. */

typedef struct cluster_env {
    void *ctx;
    /* Queues one encoded message on a link. */
    void (*send)(void *ctx, cluster_link *l, const void *data, size_t len);
    /* Starts an outbound link to n; NULL when it cannot even start. */
    cluster_link *(*connect)(void *ctx, cnode *n, int64_t now);
    /* Closes the socket and frees the link (already detached from nodes). */
    void (*free_link)(void *ctx, cluster_link *l);
    /* Primary: its replication offset; replica: the offset it processed. */
    int64_t (*repl_offset)(void *ctx);
    /* Follow a primary at ip:port, or (ip NULL) stop following: promotion. */
    void (*follow)(void *ctx, const char *ip, int port);
    /* Wall-clock ms when the replica last received data from its primary
     * (0: never). */
    int64_t (*primary_last_io)(void *ctx);
    size_t (*slot_keys)(void *ctx, int slot);
    void (*drop_slot)(void *ctx, int slot);
    /* Manual failover: hold client writes until `until` (0: release). */
    void (*pause_writes)(void *ctx, int64_t until);
    /* Writes nodes.conf; returns < 0 on failure. */
    int (*save)(void *ctx, const buf *text, bool fsync);
    /* Looks a host name up (first address); false when it does not
     * resolve. May be NULL. */
    bool (*resolve)(void *ctx, const char *hostname, char *ip, size_t cap);
} cluster_env;

typedef struct cluster_config {
    int64_t node_timeout;
    int port, pport, cport; /* announced client, plaintext and bus ports */
    char announce_ip[CMSG_IPLEN + 1];
    char hostname[256];
    bool require_full_coverage;
    bool allow_reads_when_down;
    bool allow_replica_migration;
    bool replica_no_failover;
    int migration_barrier;
    int replica_validity_factor;
    int64_t repl_ping_period_ms;
} cluster_config;

enum cluster_todo {
    CLUSTER_TODO_SAVE = 1,
    CLUSTER_TODO_FSYNC = 2,
    CLUSTER_TODO_UPDATE_STATE = 4,
    CLUSTER_TODO_FAILOVER = 8,
    /* Learned from peers: lost in a crash, it is learned again, so it is
     * saved with the next timer tick instead of before the next reply. */
    CLUSTER_TODO_SAVE_LAZY = 16,
};

enum cluster_failover_mode { CLUSTER_FAILOVER_DEFAULT, CLUSTER_FAILOVER_FORCE, CLUSTER_FAILOVER_TAKEOVER };

typedef struct cluster {
    cluster_state *st;
    cluster_env env;
    cluster_config cfg;
    int todo;
    int64_t start_time;
    int64_t among_minority_time;
    uint64_t iteration;
    /* Whether myself's address was seen on a link since start: an address
     * read from nodes.conf may be stale (a container restarted elsewhere). */
    bool my_ip_confirmed;
    /* elections (replica side) */
    int64_t failover_auth_time;
    int failover_auth_count;
    bool failover_auth_sent;
    int failover_auth_rank;
    uint64_t failover_auth_epoch;
    int cant_failover_reason;
    int64_t cant_failover_logged;
    /* manual failover */
    int64_t mf_end;
    cnode *mf_replica;           /* primary side */
    int64_t mf_primary_offset;   /* replica side; -1 until the primary paused */
    bool mf_can_start;
    /* replica migration */
    int64_t orphaned_since;
} cluster;

cluster *cluster_new(cluster_state *st, const cluster_env *env, const cluster_config *cfg, int64_t now);
void cluster_free(cluster *cl);

/* The bus's events. */
void cluster_on_connect(cluster *cl, cluster_link *l, int64_t now); /* outbound connected */
void cluster_on_message(cluster *cl, cluster_link *l, const cmsg *m, int64_t now);
/* A link broke or was closed by the engine's decision: detach it. */
void cluster_link_gone(cluster *cl, cluster_link *l);
void cluster_cron(cluster *cl, int64_t now);
/* Runs what messages and commands asked for: state update, failover
 * step, save. */
void cluster_before_sleep(cluster *cl, int64_t now);

/* Commands. Functions returning int give 0 or -1 with err filled with the
 * Redis error text (without the leading '-'). */
int cluster_meet(cluster *cl, const char *ip, int port, int cport, int64_t now, buf *err);
int cluster_forget(cluster *cl, const char *name, size_t len, int64_t now, buf *err);
int cluster_replicate(cluster *cl, const char *name, size_t len, buf *err);
int cluster_reset(cluster *cl, bool hard, buf *err);
int cluster_failover(cluster *cl, enum cluster_failover_mode mode, int64_t now, buf *err);
/* BUMPEPOCH: true when the epoch changed. */
bool cluster_bump_epoch(cluster *cl);
int cluster_set_config_epoch(cluster *cl, const char *arg, buf *err);
/* SETSLOT NODE id: bind the slot, with Redis's side effects. */
int cluster_setslot_node(cluster *cl, int slot, cnode *n, buf *err);
/* Sends a PONG to every node (after a change others must learn now). */
void cluster_broadcast_pong(cluster *cl, int64_t now);
void cluster_update_state(cluster *cl, int64_t now);

/* The node that serves a slot for clients: its owner. */
static inline cnode *cluster_slot_owner(const cluster *cl, int slot) { return cl->st->slots[slot]; }
bool cluster_myself_is_replica(const cluster *cl);
/* Replicas of n, for CLUSTER SLOTS/SHARDS/REPLICAS. */
const char *cluster_preferred_endpoint(const cluster *cl, const cnode *n);

#endif
