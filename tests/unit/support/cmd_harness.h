#ifndef TEST_CMD_HARNESS_H
#define TEST_CMD_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/command.h"
#include "commands/propagate.h"
#include "commands/session.h"
#include "data/keyspace.h"
#include "protocol/reply.h"

/* Runs data-command handlers on a fresh keyspace without a server: looks
 * the command up, checks arity the way dispatch does, calls the handler and
 * hands back the exact reply bytes. */

typedef struct harness {
    command_registry *registry;
    keyspace *ks;
    session sess;
    reply out;
    cmd_options opts;
    char *last;      /* last reply, NUL-terminated, owned */
    size_t last_len;
    uint64_t dirty;  /* sum of ctx.dirty over all commands */
    prop_batch prop; /* what the last command propagated */
    char *prop_text; /* prop rendered by harness_propagated, owned */
} harness;

harness *harness_new(void);
/* Same with other command tables (NULL-terminated list), e.g. server-layer
 * groups whose handlers do not need the server itself. */
harness *harness_new_with(const command_def *const *groups);
void harness_free(harness *h);
/* Sets the keyspace clock (Unix ms). */
void harness_set_time(harness *h, int64_t now_ms);
/* Runs one command given as NULL-terminated C strings; returns the reply
 * bytes (valid until the next call). */
const char *harness_run(harness *h, const char *arg0, ...);
/* Same with explicit binary-safe arguments. */
const char *harness_runv(harness *h, int argc, const char **argv, const size_t *lens);
/* What the last command propagated, one operation per line as
 * "<db> ARG ARG ...\n" (lazily expired keys included); "" for nothing. */
const char *harness_propagated(harness *h);

#endif
