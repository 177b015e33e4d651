/* multi: transactions (see include/server/multi.h for how they fit in
 * dispatch, and data/watch.h for WATCH).
 *
 * Redis compat, observed on 7.0.15 and kept here:
 * - errors of MULTI inside MULTI and WATCH inside MULTI do not fail the
 *   transaction (they are the commands' own replies, not refusals);
 * - a transaction already doomed (failed, or a watched key changed) stops
 *   storing what is queued, though each command still gets +QUEUED, and
 *   CLIENT LIST's multi= count stops growing;
 * - EXEC refused by a check answers "EXECABORT Transaction discarded
 *   because of: <the error without its ERR prefix>";
 * - during EXEC the connection still shows flags=x, its queue length and
 *   cmd=exec. */
#include "server/multi.h"

#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "data/keyspace.h"
#include "data/watch.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/client.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "server/server_commands.h"

static void cmd_exec(cmd_ctx *ctx);

void multi_init(client *c) {
    memset(&c->multi, 0, sizeof(c->multi));
    watcher_init(&c->watch);
}

static void free_queue(multi_state *m) {
    for (int i = 0; i < m->count; i++) mem_free(m->cmds[i].argv);
    mem_free(m->cmds);
    memset(m, 0, sizeof(*m));
}

void multi_fini(client *c) {
    free_queue(&c->multi);
    watcher_clear(&c->watch);
}

void multi_discard(client *c) {
    free_queue(&c->multi);
    c->flags &= ~(CLIENT_MULTI | CLIENT_MULTI_FAILED);
    watcher_clear(&c->watch);
    c->watch.dirty = false;
}

bool multi_is_exec(const command *cmd) {
    return cmd->def->handler == cmd_exec;
}

static bool named(const command *cmd, const char *name) {
    return cmd->parent == NULL && strcmp(cmd->def->name, name) == 0;
}

bool multi_queues(const client *c, const command *cmd) {
    if (!(c->flags & CLIENT_MULTI)) return false;
    return !multi_is_exec(cmd) && !named(cmd, "discard") && !named(cmd, "multi") &&
           !named(cmd, "watch") && !named(cmd, "quit") && !named(cmd, "reset");
}

bool multi_refused_when_oom(const client *c, const command *cmd) {
    if (!(c->flags & CLIENT_MULTI)) return false;
    return !multi_is_exec(cmd) && !named(cmd, "discard") && !named(cmd, "quit") &&
           !named(cmd, "reset");
}

uint64_t multi_effective_flags(const client *c, const command *cmd) {
    uint64_t f = cmd->def->flags;
    if (!(c->flags & CLIENT_MULTI) || !multi_is_exec(cmd)) return f;
    const multi_state *m = &c->multi;
    f |= m->flags & (CMD_WRITE | CMD_READONLY | CMD_DENYOOM | CMD_MAY_REPLICATE |
                     CMD_NO_ASYNC_LOADING);
    f &= ~(m->missing_flags & (CMD_STALE | CMD_LOADING));
    return f;
}

void multi_flag_failed(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_MULTI_FAILED;
}

void multi_queue(client *c, command *cmd, int argc, const resp_arg *argv) {
    reply_simple(&c->out, "QUEUED", 6);
    c->last_cmd = cmd;
    /* Nothing of a doomed transaction will run: do not grow its queue. */
    if ((c->flags & CLIENT_MULTI_FAILED) || c->watch.dirty) return;
    multi_state *m = &c->multi;
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 2;
        m->cmds = mem_realloc(m->cmds, sizeof(multi_cmd) * (size_t)m->cap);
    }
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += argv[i].len + 1;
    resp_arg *copy = mem_alloc(sizeof(resp_arg) * (size_t)argc + bytes);
    char *p = (char *)(copy + argc);
    size_t arg_bytes = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i].len) memcpy(p, argv[i].ptr, argv[i].len);
        p[argv[i].len] = '\0';
        copy[i] = (resp_arg){.ptr = p, .len = argv[i].len};
        p += argv[i].len + 1;
        arg_bytes += argv[i].len;
    }
    m->cmds[m->count++] = (multi_cmd){.cmd = cmd, .argc = argc, .argv = copy};
    m->flags |= cmd->def->flags;
    m->missing_flags |= ~cmd->def->flags;
    /* Redis compat (CLIENT LIST multi-mem): argument bytes plus one
     * pointer per argument. */
    m->args_mem += arg_bytes + sizeof(void *) * (size_t)argc;
}

void multi_abort_exec(client *c, const char *why, size_t len) {
    multi_discard(c);
    /* Redis compat: the reason reads as it would inside Redis, where
     * generic errors have no code yet. */
    if (len >= 4 && memcmp(why, "ERR ", 4) == 0) {
        why += 4;
        len -= 4;
    }
    char msg[512];
    int n = snprintf(msg, sizeof(msg), "EXECABORT Transaction discarded because of: %.*s",
                     (int)(len > 400 ? 400 : len), why);
    reply_error_len(&c->out, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

int multi_queued(const client *c) {
    return (c->flags & CLIENT_MULTI) ? c->multi.count : -1;
}

size_t multi_memory(const client *c) {
    const multi_state *m = &c->multi;
    return m->args_mem + sizeof(multi_cmd) * (size_t)m->cap + watcher_memory(&c->watch);
}

/* ---- commands ---- */

static void cmd_multi(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    if (c->flags & CLIENT_MULTI) {
        reply_error(ctx->out, "ERR MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    reply_ok(ctx->out);
}

static void cmd_discard(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(ctx->out, "ERR DISCARD without MULTI");
        return;
    }
    multi_discard(c);
    reply_ok(ctx->out);
}

static void run_queue(cmd_ctx *ctx, client *c) {
    multi_state *m = &c->multi;
    const command *exec = c->last_cmd;
    reply_array(ctx->out, m->count);
    server_set_in_exec(ctx->server, true);
    c->flags |= CLIENT_IN_EXEC;
    bool wrote = false;
    for (int i = 0; i < m->count; i++)
        wrote |= dispatch_call(c, m->cmds[i].cmd, m->cmds[i].argc, m->cmds[i].argv);
    c->flags &= ~CLIENT_IN_EXEC;
    server_set_in_exec(ctx->server, false);
    c->last_cmd = exec;
    /* What the queue wrote leaves as one unit when EXEC's own call ends;
     * WAIT then counts from after it. */
    if (wrote) ctx->propagated = true;
}

static void cmd_exec(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(ctx->out, "ERR EXEC without MULTI");
        return;
    }
    /* Redis 7.0: a key watched while live that has expired since counts as
     * changed, even if nothing removed it yet. */
    if (!c->watch.dirty && watcher_expired_since(&c->watch)) c->watch.dirty = true;
    if (c->flags & CLIENT_MULTI_FAILED) {
        reply_error(ctx->out, ERRMSG_EXECABORT);
    } else if (c->watch.dirty) {
        reply_null_array(ctx->out);
    } else {
        /* Nothing the queue does can change the outcome now. */
        watcher_clear(&c->watch);
        run_queue(ctx, c);
    }
    multi_discard(c);
}

static void cmd_watch(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    if (c->flags & CLIENT_MULTI) {
        reply_error(ctx->out, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* Already doomed: more keys would change nothing. */
    if (!c->watch.dirty) {
        for (int i = 1; i < ctx->argc; i++)
            db_watch(ctx->db, &c->watch, ctx->argv[i].ptr, ctx->argv[i].len);
    }
    reply_ok(ctx->out);
}

static void cmd_unwatch(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    watcher_clear(&c->watch);
    c->watch.dirty = false;
    reply_ok(ctx->out);
}

#define TXN_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY)

const command_def cmd_multi_defs[] = {
    {.name = "multi", .handler = cmd_multi, .arity = 1, .flags = TXN_FLAGS,
     .acl = "@transaction", .group = "transactions", .since = "1.2.0",
     .summary = "Opens a transaction: the commands that follow are queued until EXEC.",
     .complexity = "O(1)"},
    {.name = "exec", .handler = cmd_exec, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG, .acl = "@transaction",
     .group = "transactions", .since = "1.2.0",
     .summary = "Runs the queued commands of the transaction, unless a watched key changed.",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .handler = cmd_discard, .arity = 1, .flags = TXN_FLAGS,
     .acl = "@transaction", .group = "transactions", .since = "2.0.0",
     .summary = "Drops the queued commands of the transaction and the watched keys.",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .handler = cmd_watch, .arity = -2, .flags = TXN_FLAGS, .first_key = 1,
     .last_key = -1, .key_step = 1, .acl = "@transaction", .key_flags = "RO",
     .group = "transactions", .since = "2.2.0",
     .summary = "Makes the next EXEC fail if any of the keys changes before it.",
     .complexity = "O(1) for every key."},
    {.name = "unwatch", .handler = cmd_unwatch, .arity = 1, .flags = TXN_FLAGS,
     .acl = "@transaction", .group = "transactions", .since = "2.2.0",
     .summary = "Forgets every watched key of the connection.", .complexity = "O(1)"},
    {0},
};
