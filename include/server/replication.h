#ifndef SERVER_REPLICATION_H
#define SERVER_REPLICATION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"

/* Replication in Redis 7.0's protocol, both ends.
 *
 * As a primary: replicas connect as clients and send PSYNC. One that can
 * continue from the backlog gets +CONTINUE and the missing bytes; any
 * other gets +FULLRESYNC, an RDB snapshot (from a file written by a
 * background save, or streamed by a child through a pipe: "diskless") and
 * then the write stream from the offset the snapshot was taken at. Every
 * byte of the stream also goes to the backlog, and the stream offset is
 * what replicas acknowledge (REPLCONF ACK) and WAIT counts.
 *
 * As a replica: a link to the primary goes through Redis's handshake
 * (PING, AUTH, REPLCONF, PSYNC), receives the snapshot into a file and
 * loads it, then applies the stream through an ordinary client flagged as
 * the primary, passing the exact bytes on to its own backlog and replicas
 * (so chains and a later promotion continue with the same history). */

struct server;
struct client;
struct prop_batch;
struct reply;
typedef struct replication replication;

replication *repl_new(struct server *srv);
void repl_free(replication *r);

/* At start-up: follows the primary of the `replicaof` setting, if any. */
void repl_start(replication *r);

bool repl_is_replica(const replication *r);
bool repl_child_running(const replication *r);
/* Stops a snapshot child made for replicas (shutdown). */
void repl_kill_child(replication *r);
/* REPLCONF options given before PSYNC are kept with the client; PSYNC
 * adopts them. */
void repl_adopt_pre(replication *r, struct client *c);
/* Sends REPLCONF ACK if the primary asked for one during the command. */
void repl_send_ack_if_asked(replication *r, struct client *c);
/* A replica whose link to the primary is up. */
bool repl_link_up(const replication *r);

/* For snapshots: the replication id, offset and stream database to record
 * (NULL when there is no history to continue). */
const char *repl_save_info(const replication *r, int64_t *offset, int *stream_db);
/* At start-up, from a snapshot's aux fields: a replica continues that
 * history with PSYNC. */
void repl_restore_history(replication *r, const char *replid, int64_t offset, int stream_db);
/* CONFIG SET repl-backlog-size. */
void repl_resize_backlog(replication *r);
/* Whether the write stream of local commands goes to replicas (a primary
 * with a backlog). */
bool repl_wants_stream(const replication *r);
/* Appends a unit of the write stream; wrap: as MULTI ... EXEC. */
void repl_feed(replication *r, const struct prop_batch *b, bool wrap);
/* A replica applied `len` bytes of the primary's stream (one command). */
void repl_applied_from_primary(replication *r, const char *data, size_t len);

/* Every cron tick and before the loop sleeps. */
void repl_cron(replication *r);
void repl_before_sleep(replication *r);
/* A client is going away (a replica, or the primary's link). */
void repl_client_gone(replication *r, struct client *c);

/* REPLICAOF host port / REPLICAOF NO ONE (host NULL). Returns 0 with
 * *already set when nothing changed; < 0 with err. */
int repl_set_primary(replication *r, const char *host, int port, bool *already, buf *err);
/* Cluster mode: the node id the primary must answer to CLUSTER MYID before
 * a sync (NULL: no check). A node with another id at the primary's address
 * is refused, and asked again a second later. */
void repl_set_primary_id(replication *r, const char *id);
/* PSYNC / SYNC from a client: it becomes a replica (or gets an error). */
void repl_psync(replication *r, struct client *c, const char *replid, int64_t offset, bool sync);
/* REPLCONF option value pairs; false after replying an error. */
bool repl_replconf(replication *r, struct client *c, int argc, const char *const *names,
                   const char *const *values, bool *reply_ok);
/* Replica: wall-clock ms of the last data from the primary (0: never). */
int64_t repl_primary_last_io(const replication *r);
/* The stream offset a replica has acknowledged, for WAIT. */
int64_t repl_offset(const replication *r);
/* How many replicas acknowledged at least offset. */
int repl_count_acked(const replication *r, int64_t offset);
/* Asks every replica for an acknowledgement (REPLCONF GETACK). */
void repl_request_acks(replication *r);
/* Replicas whose last acknowledgement is at most min-replicas-max-lag old. */
int repl_good_replicas(const replication *r);

void repl_info(replication *r, buf *out);
/* INFO stats: full syncs served, partial resyncs accepted and refused. */
void repl_sync_stats(const replication *r, uint64_t *full, uint64_t *partial_ok,
                     uint64_t *partial_err);
void repl_role(replication *r, struct reply *out);
const char *repl_replid(const replication *r);

#endif
