#ifndef SERVER_CLIENT_H
#define SERVER_CLIENT_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/list.h"
#include "base/net.h"
#include "commands/command.h"
#include "commands/session.h"
#include "data/watch.h"
#include "protocol/reply.h"
#include "protocol/resp_parser.h"
#include "server/multi.h"

/* One client connection: socket and watchers, input buffer and parser,
 * output queue, session state.
 *
 * Reading parses and runs every complete request in the buffer before
 * returning to the loop; replies accumulate in the output queue, and the
 * server writes all pending queues just before the loop sleeps (one writev
 * per client per loop turn). A write watcher is armed only for what the
 * socket did not take. A client is never freed inside its own callback: it is
 * marked and queued, and the server frees it before sleeping. */

struct server;
struct command;

enum client_flags {
    CLIENT_CLOSE_ASAP = 1 << 0,        /* free before the loop sleeps */
    CLIENT_CLOSE_AFTER_REPLY = 1 << 1, /* stop reading; close once the output is written */
    CLIENT_PENDING_WRITE = 1 << 2,     /* queued in the server's pending-write list */
    CLIENT_LOCAL = 1 << 3,             /* connected from a loopback address */
    CLIENT_MONITOR = 1 << 4,
    CLIENT_IN_CALLBACK = 1 << 5,
    CLIENT_REPLICA = 1 << 6,  /* a replica of ours (after PSYNC/SYNC) */
    CLIENT_PRIMARY = 1 << 7,  /* our link to the primary, applying its stream */
    CLIENT_SEND_ACK = 1 << 8, /* the primary asked for REPLCONF ACK */
    CLIENT_BLOCKED = 1 << 9,  /* waiting (WAIT): input is not processed */
    CLIENT_MULTI = 1 << 10,        /* between MULTI and EXEC/DISCARD: commands are queued */
    CLIENT_MULTI_FAILED = 1 << 11, /* a command was refused while queueing: EXEC aborts */
    CLIENT_IN_EXEC = 1 << 12,      /* EXEC is running the queue */
};

struct repl_peer;

typedef struct client {
    list_node node;    /* server's client list */
    list_node pending; /* server's pending-write or close list */
    list_node monitor; /* server's monitor list */
    struct server *srv;
    int fd;
    ev_io rio, wio;
    unsigned flags;

    buf query;
    size_t qpos; /* first unparsed byte of query */
    resp_parser parser;
    reply out;
    session sess;

    char addr[NET_IP_STR_LEN + 8];
    char laddr[NET_IP_STR_LEN + 8];
    int64_t ctime_ms;       /* wall clock at accept */
    int64_t last_active_ms; /* wall clock of the last request */
    int64_t obuf_soft_since_ms; /* when the soft output limit was first exceeded, 0 if not */
    const struct command *last_cmd;
    uint64_t query_peak;
    struct repl_peer *repl_pre; /* REPLCONF options seen before PSYNC */
    /* WAIT: the offset to be acknowledged, how many replicas, until when. */
    list_node blocked;
    int64_t wait_offset;
    int wait_replicas;
    int64_t wait_deadline_ms; /* 0: no timeout */
    int64_t woff; /* stream offset after this client's last write */
    /* Transaction state (server/multi.h) and watched keys. */
    multi_state multi;
    watcher watch;
    /* Error replies already charged to some command's failed_calls, so
     * that EXEC is not charged with those of the commands it ran. */
    uint64_t errors_seen;
    /* Our primary's link: the stream bytes of a transaction still open,
     * passed on to our replicas and backlog only once it is complete. */
    buf repl_held;
} client;

/* Takes ownership of fd (already non-blocking) and starts reading. */
client *client_new(struct server *srv, int fd, const char *ip, int port);
/* Stops watchers, closes the socket and frees everything. */
void client_free(client *c);

/* The connection a server-layer command runs for (the handler's session
 * is the client's). */
static inline client *ctx_client(cmd_ctx *ctx) {
    return container_of(ctx->sess, client, sess);
}

/* Appends bytes to the client's input and runs the complete requests
 * (the primary's link takes over what the handshake already read). */
void client_feed_input(client *c, const char *data, size_t len);
/* Runs requests already buffered (after the client was unblocked). */
void client_resume(client *c);

/* Writes as much pending output as the socket takes; arms the write watcher
 * for the rest. Returns false if the client was scheduled to close. */
bool client_flush(client *c);
/* Marks the client to be freed before the loop sleeps. */
void client_close_asap(client *c);
/* Checks the output-buffer limits of the client's class; schedules a close
 * (and logs) if exceeded. Returns false in that case. */
bool client_check_output_limits(client *c);

/* Text for CLIENT LIST / CLIENT INFO: one line ending with '\n'. */
void client_describe(client *c, buf *out);
const char *client_type_name(const client *c);
/* Bytes of memory the client holds (buffers, parser). */
size_t client_memory(const client *c);

#endif
