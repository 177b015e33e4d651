#ifndef CLUSTER_CLUSTER_STATE_H
#define CLUSTER_CLUSTER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "cluster/cluster_msg.h"

/* cluster_state: what one node believes about the cluster.
 *
 * The table of known nodes (including myself), who owns each of the 16384
 * slots, which slots are being migrated or imported, the epochs, failure
 * reports and the blacklist of forgotten nodes. Pure data and rules: no
 * sockets, no clock (every function that needs the time takes `now`, in
 * milliseconds), no files. The bus (server layer) owns the links and keeps
 * an opaque pointer to them in each node.
 *
 * Also here: the text forms of the table, which are one format in Redis —
 * CLUSTER NODES lines and nodes.conf — and the loader of nodes.conf. */

typedef struct cnode cnode;

/* One TCP connection of the bus. The bus allocates it and owns the socket
 * (io); the engine decides which node it belongs to. */
typedef struct cluster_link {
    cnode *node;  /* outbound: the node we called; inbound: the sender, once known */
    bool inbound;
    bool established; /* outbound: the connect completed */
    int64_t ctime;
    char peer_ip[CMSG_IPLEN + 1];  /* remote address of the socket */
    char local_ip[CMSG_IPLEN + 1]; /* our own address on it */
    void *io;
} cluster_link;


typedef struct cnode_report {
    cnode *reporter;
    int64_t time;
} cnode_report;

struct cnode {
    char name[CLUSTER_NAMELEN];
    uint32_t flags;
    int64_t ctime;
    uint64_t config_epoch;
    uint8_t slots[CLUSTER_SLOTS / 8];
    int num_slots;
    cnode *master;
    cnode **replicas;
    int num_replicas, cap_replicas;
    int64_t ping_sent, pong_received, data_received;
    int64_t fail_time, voted_time, repl_offset_time, orphaned_time;
    int64_t repl_offset;
    int64_t resolve_time; /* last lookup of its hostname */
    char ip[CMSG_IPLEN + 1];
    /* Where another node answered in its place; its host name resolving
     * there again is no news. Cleared once it answers somewhere. */
    char foreign_ip[CMSG_IPLEN + 1];
    int port, pport, cport;
    char *hostname; /* NULL when none is announced */
    cnode_report *reports;
    int num_reports, cap_reports;
    /* Links of the bus: outbound (we connected) and inbound (it did). */
    struct cluster_link *link;
    struct cluster_link *inbound_link;
};

enum { CLUSTER_OK = 0, CLUSTER_FAIL = 1 };

typedef struct cluster_blacklisted {
    char name[CLUSTER_NAMELEN];
    int64_t expire;
} cluster_blacklisted;

typedef struct cluster_state {
    cnode *myself;
    uint64_t current_epoch;
    uint64_t last_vote_epoch;
    int state;
    /* Myself, a master with slots, has not heard from a majority of the
     * masters for a while and takes no writes (our rule, not Redis's; see
     * update_write_fence in cluster.c). */
    bool writes_fenced;
    int size; /* masters serving at least one slot */
    cnode **nodes;
    int num_nodes, cap_nodes;
    cnode *slots[CLUSTER_SLOTS];
    cnode *migrating_to[CLUSTER_SLOTS];
    cnode *importing_from[CLUSTER_SLOTS];
    /* Slots bound to an owner that stopped claiming them (kept bound). */
    uint8_t unclaimed[CLUSTER_SLOTS / 8];
    cluster_blacklisted *blacklist;
    int num_blacklist, cap_blacklist;
    uint64_t stats_sent[CMSG_TYPE_COUNT];
    uint64_t stats_received[CMSG_TYPE_COUNT];
} cluster_state;

/* ---- names ---- */
void cluster_random_name(char out[CLUSTER_NAMELEN]);
/* 40 lowercase hex digits (what Redis accepts as a node id). */
bool cluster_name_valid(const char *name, size_t len);

/* ---- nodes ---- */
/* A node with the given name (or a random one when name is NULL). */
cnode *cnode_new(const char *name, uint32_t flags, int64_t now);
void cnode_free(cnode *n);
bool cnode_is_master(const cnode *n);
bool cnode_failed(const cnode *n); /* PFAIL or FAIL */
void cnode_set_hostname(cnode *n, const char *hostname);
bool cnode_has_slot(const cnode *n, int slot);
/* Replica bookkeeping: n follows master (NULL: none). */
void cnode_set_master(cnode *n, cnode *master);
int cnode_count_ok_replicas(const cnode *n);

/* Failure reports: returns true when a new report was added. */
bool cnode_add_report(cnode *n, cnode *reporter, int64_t now);
bool cnode_del_report(cnode *n, cnode *reporter);
/* Drops reports older than max_age and returns how many remain. */
int cnode_count_reports(cnode *n, int64_t now, int64_t max_age);

/* ---- the table ---- */
/* A state whose myself is a fresh master (random name unless given). */
cluster_state *cluster_state_new(const char *myname, int64_t now);
void cluster_state_free(cluster_state *st);
void cluster_state_add(cluster_state *st, cnode *n);
/* Removes and frees n: its slots become unassigned, its open slots close,
 * its reports about others are dropped, replicas lose their master. The
 * caller must have closed its links. */
void cluster_state_del(cluster_state *st, cnode *n);
cnode *cluster_state_find(const cluster_state *st, const char *name, size_t len);
void cluster_state_rename(cluster_state *st, cnode *n, const char *name);

/* Slot ownership. add fails (-1) when the slot is already bound. */
int cluster_state_add_slot(cluster_state *st, cnode *n, int slot);
/* Unbinds a slot; -1 when it was unassigned. */
int cluster_state_del_slot(cluster_state *st, int slot);
/* Unbinds every slot of n; returns how many. */
int cluster_state_del_node_slots(cluster_state *st, cnode *n);
int cluster_state_count_slots_assigned(const cluster_state *st);
/* Masters that serve at least one slot. */
int cluster_state_size(const cluster_state *st);
uint64_t cluster_state_max_epoch(const cluster_state *st);
/* Is n's configEpoch shared with another master? */
bool cluster_state_epoch_collides(const cluster_state *st, const cnode *n);

/* Forgotten nodes are not re-learned from gossip for a while. */
void cluster_state_blacklist_add(cluster_state *st, const char *name, int64_t now, int64_t ttl);
bool cluster_state_blacklisted(cluster_state *st, const char *name, int64_t now);

/* ---- text forms ---- */
/* One CLUSTER NODES line, without the trailing LF. Open slots are listed
 * for myself only. */
void cluster_node_line(const cluster_state *st, const cnode *n, buf *out);
/* CLUSTER NODES: every node but handshake ones when for_config, each line
 * ending with LF. */
void cluster_nodes_text(const cluster_state *st, bool for_config, buf *out);
/* nodes.conf: the lines plus "vars currentEpoch N lastVoteEpoch M". */
void cluster_conf_text(const cluster_state *st, buf *out);
/* Slot ranges of a bitmap as "0-5460 5462" (appended with a leading space
 * before each range). */
void cluster_slot_ranges(const uint8_t *bitmap, buf *out);
/* Builds a state from nodes.conf text. Returns NULL with the reason in err
 * (line number included) when the text is not a valid configuration. */
cluster_state *cluster_state_load(const char *text, size_t len, int64_t now, buf *err);

#endif
