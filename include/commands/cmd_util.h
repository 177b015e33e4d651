#ifndef COMMANDS_CMD_UTIL_H
#define COMMANDS_CMD_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "commands/command.h"
#include "data/keyspace.h"

/* Small helpers shared by command handlers. Functions ending in _or_reply
 * write the error reply themselves when they return false. */

/* Parses an integer argument; on failure replies msg (default: "value is
 * not an integer or out of range"). */
bool cmd_i64_or_reply(cmd_ctx *ctx, const resp_arg *arg, int64_t *out, const char *msg);
/* Same, also enforcing [min, max] (msg on failure too). */
bool cmd_i64_range_or_reply(cmd_ctx *ctx, const resp_arg *arg, int64_t min, int64_t max,
                            int64_t *out, const char *msg);
bool cmd_double_or_reply(cmd_ctx *ctx, const resp_arg *arg, double *out, const char *msg);
bool cmd_long_double_or_reply(cmd_ctx *ctx, const resp_arg *arg, long double *out,
                              const char *msg);

/* Read lookup in the selected database (honours CLIENT NO-TOUCH). */
kv *cmd_lookup_read(cmd_ctx *ctx, const resp_arg *key);
/* Write lookup; fills ref for a following change at that key. */
kv *cmd_lookup_write(cmd_ctx *ctx, const resp_arg *key, kv_ref *ref);
/* Replies WRONGTYPE and returns false unless e is NULL or a string. */
bool cmd_string_or_reply(cmd_ctx *ctx, const kv *e);
/* Replies with the string value of e as a bulk string. */
void cmd_reply_string_value(cmd_ctx *ctx, const kv *e);

/* Propagates argv (in the selected database) instead of the request:
 * for changes that must replay differently, e.g. a relative TTL made
 * absolute. May be called more than once; each call adds one operation. */
void cmd_propagate(cmd_ctx *ctx, int argc, const resp_arg *argv);
/* Propagates the request as sent even if it changed nothing (FLUSHALL on
 * empty databases must still reach replicas). */
void cmd_propagate_as_sent(cmd_ctx *ctx);
/* Propagates the removal of key as DEL, or UNLINK when lazy. */
void cmd_propagate_del(cmd_ctx *ctx, const resp_arg *key, bool lazy);
/* After the handler: a command that changed something and did not choose
 * its own form propagates as sent. */
void cmd_propagate_finish(cmd_ctx *ctx);

/* Marks argv[i] as a secret (a password): logs and MONITOR hide it. */
void cmd_redact_arg(cmd_ctx *ctx, int i);
/* Whether argv[i] was marked by cmd_redact_arg. */
bool cmd_arg_redacted(const cmd_ctx *ctx, int i);

/* Copies name upper-cased into dst (NUL-terminated, truncated to cap-1
 * bytes); returns the length. */
size_t cmd_upper_name(const char *name, size_t len, char *dst, size_t cap);
/* The HELP reply layout: "<CMD> <subcommand> [<arg> [value] [opt] ...].
 * Subcommands are:", the given lines (NULL-terminated), then "HELP" and
 * "    Prints this help.". */
void cmd_reply_help(cmd_ctx *ctx, const char *const *lines);
/* "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try
 * <CMD> HELP." */
void cmd_reply_subcommand_error(cmd_ctx *ctx);

#endif
