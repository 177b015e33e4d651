#ifndef SERVER_MONITOR_H
#define SERVER_MONITOR_H

#include "protocol/resp_parser.h"

struct server;
struct client;

/* MONITOR: streams every executed command to monitoring clients as
 *     +<unix time with µs> [<db> <client address>] "arg" "arg" ...
 * with arguments quoted and escaped so the line is unambiguous. */
void monitor_feed(struct server *srv, struct client *from, int argc, const resp_arg *argv);
/* Appends a quoted, escaped form of data to dst (the "repr" used by MONITOR
 * and log lines). */
struct buf;
void monitor_repr(struct buf *dst, const char *data, size_t len);

#endif
