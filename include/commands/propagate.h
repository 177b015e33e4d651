#ifndef COMMANDS_PROPAGATE_H
#define COMMANDS_PROPAGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "protocol/resp_parser.h"

/* The write stream: what a command changed, expressed as commands that
 * replay the change elsewhere (the append-only file, replicas).
 *
 * A batch collects the operations of one execution unit (one client
 * command, one active-expire step, one eviction) in the order they
 * happened, each tagged with the database it applies to. Operations are
 * stored encoded as RESP multibulk requests, ready to be written; the
 * consumers add SELECT where the database changes and MULTI/EXEC around
 * units of more than one operation. */

typedef struct prop_op {
    int dbid;
    size_t off; /* into prop_batch.bytes */
    size_t len;
} prop_op;

typedef struct prop_batch {
    buf bytes;
    prop_op *ops;
    size_t count;
    size_t cap;
} prop_batch;

void prop_batch_init(prop_batch *b);
void prop_batch_fini(prop_batch *b);
/* Forgets the operations, keeping the memory for the next unit. */
void prop_batch_clear(prop_batch *b);

/* Appends one operation given as arguments. */
void prop_batch_add(prop_batch *b, int dbid, int argc, const resp_arg *argv);

/* Appends the batch to out as one stream consumer sees it: SELECT before
 * an operation whose database differs from *selected_db (updated), and
 * with wrap MULTI ... EXEC around the operations (after the first SELECT,
 * so the transaction holds only the unit's own commands). */
void prop_batch_encode(const prop_batch *b, bool wrap, int *selected_db, buf *out);

/* Encodes one command as a RESP multibulk request into out. */
void prop_encode(buf *out, int argc, const resp_arg *argv);

/* A literal argument: PROP_ARG("DEL"). */
#define PROP_ARG(s) ((resp_arg){.ptr = (s), .len = sizeof(s) - 1})

#endif
