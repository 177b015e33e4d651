#ifndef SERVER_DISPATCH_H
#define SERVER_DISPATCH_H

#include "protocol/resp_parser.h"

struct client;

/* Runs one parsed request for a client: lookup, the Redis-order checks,
 * the handler, then statistics, slow log, latency and MONITOR feeds. The
 * reply lands in the client's output queue. argv is valid only during the
 * call. */
void dispatch_command(struct client *c, int argc, const resp_arg *argv);

#endif
