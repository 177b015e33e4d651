#ifndef SERVER_INFO_H
#define SERVER_INFO_H

#include "base/buf.h"
#include "protocol/resp_parser.h"

struct server;

/* Appends the INFO text for the requested sections (none: the default
 * set; "all", "everything", "default" and section names as in Redis). */
void info_generate(struct server *s, int argc, const resp_arg *argv, buf *out);

#endif
