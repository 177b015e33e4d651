#ifndef SERVER_MULTI_H
#define SERVER_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/resp_parser.h"

/* Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * After MULTI, dispatch runs every check a command would meet (existence,
 * arity, authentication, memory, disk, role, loading, and whatever comes
 * later) and then, instead of calling it, queues a copy with multi_queue()
 * ("+QUEUED"). A check that refuses a queued command goes through
 * dispatch_reject(), which answers the error and marks the transaction
 * failed, so that EXEC answers EXECABORT; a check that refuses EXEC itself
 * ends the transaction with the reason (multi_abort_exec).
 *
 * EXEC runs the queue through dispatch_call(), the path of every other
 * command (statistics, slow log, MONITOR, latency), and replies with the
 * array of their replies. What the queued commands send to the write
 * stream is held until EXEC ends and goes out as one unit, wrapped in
 * MULTI/EXEC when it holds more than one command.
 *
 * WATCH registers keys in the keyspace's watch tables (data/watch.h); a
 * change to any of them, by any connection, marks the watcher dirty and
 * EXEC then answers a null array.
 *
 * A few commands run at once even inside MULTI: EXEC, DISCARD, MULTI (to
 * say it cannot nest), WATCH (to say it is not allowed there), QUIT and
 * RESET. Commands flagged no-multi are refused there. */

struct client;
struct command;

typedef struct multi_cmd {
    struct command *cmd;
    int argc;
    resp_arg *argv; /* one allocation: the array, then the bytes */
} multi_cmd;

typedef struct multi_state {
    multi_cmd *cmds;
    int count;
    int cap;
    /* Union of the queued commands' flags, and of their complements ("some
     * queued command lacks this flag"): the checks EXEC meets use them. */
    uint64_t flags;
    uint64_t missing_flags;
    size_t args_mem; /* CLIENT LIST multi-mem */
} multi_state;

void multi_init(struct client *c);
/* Drops the transaction and the watched keys (disconnect). */
void multi_fini(struct client *c);

/* Whether dispatch should queue cmd instead of calling it. */
bool multi_queues(const struct client *c, const struct command *cmd);
/* Queues a copy of the request and replies +QUEUED. */
void multi_queue(struct client *c, struct command *cmd, int argc, const resp_arg *argv);
/* A command was refused while the transaction was open: EXEC will fail. */
void multi_flag_failed(struct client *c);
/* EXEC was refused by a check (why: the error it would have answered):
 * the transaction ends, answered EXECABORT with the reason. */
void multi_abort_exec(struct client *c, const char *why, size_t len);
/* Ends the transaction (if any) and forgets the watched keys: DISCARD,
 * after EXEC, RESET. */
void multi_discard(struct client *c);

bool multi_is_exec(const struct command *cmd);
/* The flags the pre-call checks see: a command's own, and for EXEC also
 * those of what it will run (any write makes EXEC a write, any command
 * that may not run while loading makes EXEC one too, ...). */
uint64_t multi_effective_flags(const struct client *c, const struct command *cmd);
/* Out of memory, an open transaction refuses everything but EXEC,
 * DISCARD, QUIT and RESET: the queue itself would keep growing. */
bool multi_refused_when_oom(const struct client *c, const struct command *cmd);

/* Queued commands (CLIENT LIST multi=, -1 outside MULTI). */
int multi_queued(const struct client *c);
/* Bytes the queue and the watched keys take. */
size_t multi_memory(const struct client *c);

#endif
