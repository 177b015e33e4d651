#ifndef SERVER_REPLICATION_INTERNAL_H
#define SERVER_REPLICATION_INTERNAL_H

/* Shared by the two halves of replication: replication.c (the primary's
 * side, the stream, role changes, INFO) and replica_link.c (the link a
 * replica keeps to its primary). Not for other modules. */

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/list.h"
#include "base/net.h"
#include "server/backlog.h"
#include "server/child_info.h"
#include "server/config.h"
#include "server/replication.h"
#include "server/server.h"

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
    bool pre_psync; /* came with SYNC: no +FULLRESYNC line */
    bool rdb_only;  /* REPLCONF rdb-only 1: the snapshot, then goodbye */
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
    HS_MYID, /* cluster mode: is it the node we follow? */
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
    child_info ci;
    uint64_t sync_full, sync_partial_ok, sync_partial_err;

    /* Replica side. */
    char *primary_host;
    int primary_port;
    /* Cluster mode: the node id the primary must have ("" when unchecked);
     * another node at its address (a container recreated empty) must not
     * wipe our data with a full sync. */
    char primary_id[41];
    bool myid_bulk;             /* the id line of CLUSTER MYID comes next */
    char stranger_logged[41];   /* last wrong id reported, against log floods */
    int64_t retry_at_ms;        /* no reconnect before (monotonic ms) */
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
    int stream_db; /* database the primary's stream is in (for a partial resync) */
    bool sync_in_progress;
};


static inline const config_values *repl_cfg(const replication *r) {
    return config_get_values(server_config(r->srv));
}

/* replication.c */
void repl_create_backlog(replication *r);
void repl_stream_append(replication *r, const char *data, size_t len);

/* replica_link.c */
void link_connect(replication *r);
void link_close(replication *r);
void link_fail(replication *r, const char *why);
void link_send_ack(replication *r);
const char *link_state_name(const replication *r);

#endif
