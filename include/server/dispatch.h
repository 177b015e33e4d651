#ifndef SERVER_DISPATCH_H
#define SERVER_DISPATCH_H

#include <stdbool.h>

#include "base/buf.h"
#include "commands/session.h"
#include "protocol/resp_parser.h"

struct client;
struct server;

/* Runs one parsed request for a client: lookup, the Redis-order checks,
 * the handler, then statistics, slow log, latency and MONITOR feeds. The
 * reply lands in the client's output queue. argv is valid only during the
 * call. */
void dispatch_command(struct client *c, int argc, const resp_arg *argv);

/* Must this request wait (client writes are paused for a manual
 * failover)? */
bool dispatch_must_pause(struct client *c, int argc, const resp_arg *argv);

/* Runs a command of a write stream being replayed (the append-only file
 * at start-up) in the session's database: no client, no reply, no
 * statistics beyond the change counter. Returns 0, or < 0 with the reason
 * in err for a command a stream cannot hold (unknown, wrong arity, not a
 * write) or a SELECT that failed. */
int dispatch_replay(struct server *srv, session *sess, int argc, const resp_arg *argv, buf *err);

#endif
