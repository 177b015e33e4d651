/* Replication commands: REPLICAOF (and its old name SLAVEOF), the
 * replica's REPLCONF, PSYNC and SYNC, and WAIT. The protocol lives in
 * server/replication.c; these parse arguments and reply. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/number.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/client.h"
#include "server/config.h"
#include "server/replication.h"
#include "server/server.h"
#include "server/server_commands.h"

/* Copies an argument into a NUL-terminated buffer (truncating). */
static void arg_text(const resp_arg *a, char *out, size_t cap) {
    size_t n = a->len < cap - 1 ? a->len : cap - 1;
    memcpy(out, a->ptr, n);
    out[n] = '\0';
}

static void cmd_replicaof(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    if (ctx->opts->cluster_enabled) {
        reply_error(ctx->out, "ERR REPLICAOF not allowed in cluster mode.");
        return;
    }
    replication *r = server_replication(ctx->server);
    bool already = false;
    buf err;
    buf_init(&err);
    int rc;
    if (cmd_arg_is(ctx, 1, "no") && cmd_arg_is(ctx, 2, "one")) {
        rc = repl_set_primary(r, NULL, 0, &already, &err);
        if (rc == 0) config_set_replicaof(server_config(ctx->server), NULL, 0);
    } else {
        if (c->flags & CLIENT_REPLICA) {
            reply_error(ctx->out, "ERR Command is not valid when client is a replica.");
            buf_fini(&err);
            return;
        }
        int64_t port;
        if (!cmd_i64_range_or_reply(ctx, &ctx->argv[2], 0, 65535, &port,
                                    "ERR Invalid master port")) {
            buf_fini(&err);
            return;
        }
        char host[256];
        arg_text(&ctx->argv[1], host, sizeof(host));
        rc = repl_set_primary(r, host, (int)port, &already, &err);
        if (rc == 0 && !already) config_set_replicaof(server_config(ctx->server), host, (int)port);
        if (rc == 0 && !already)
            log_notice("REPLICAOF %s:%d enabled (user request from 'id=%llu addr=%s')", host,
                       (int)port, (unsigned long long)c->sess.id, c->addr);
    }
    if (rc < 0)
        reply_error_len(ctx->out, err.data, err.len);
    else if (already)
        reply_simple_cstr(ctx->out, "OK Already connected to specified master");
    else
        reply_ok(ctx->out);
    buf_fini(&err);
}

static void cmd_replconf(cmd_ctx *ctx) {
    if (ctx->argc % 2 == 0) {
        reply_error(ctx->out, ERRMSG_SYNTAX);
        return;
    }
    int pairs = (ctx->argc - 1) / 2;
    char **names = mem_alloc(sizeof(char *) * (size_t)(pairs ? pairs : 1));
    char **values = mem_alloc(sizeof(char *) * (size_t)(pairs ? pairs : 1));
    for (int i = 0; i < pairs; i++) {
        names[i] = mem_strndup(ctx->argv[1 + 2 * i].ptr, ctx->argv[1 + 2 * i].len);
        values[i] = mem_strndup(ctx->argv[2 + 2 * i].ptr, ctx->argv[2 + 2 * i].len);
    }
    bool reply_ok_now = true;
    if (repl_replconf(server_replication(ctx->server), ctx_client(ctx), pairs,
                      (const char *const *)names, (const char *const *)values, &reply_ok_now) &&
        reply_ok_now)
        reply_ok(ctx->out);
    for (int i = 0; i < pairs; i++) {
        mem_free(names[i]);
        mem_free(values[i]);
    }
    mem_free(names);
    mem_free(values);
}

static void psync_generic(cmd_ctx *ctx, bool sync) {
    client *c = ctx_client(ctx);
    if (c->flags & CLIENT_REPLICA) return; /* already one: ignore */
    char replid[64] = "?";
    int64_t offset = -1;
    if (!sync) {
        arg_text(&ctx->argv[1], replid, sizeof(replid));
        if (!number_parse_i64(ctx->argv[2].ptr, ctx->argv[2].len, &offset)) {
            reply_error(ctx->out, ERRMSG_NOT_INTEGER);
            return;
        }
    }
    replication *r = server_replication(ctx->server);
    repl_adopt_pre(r, c);
    repl_psync(r, c, replid, offset, sync);
}

static void cmd_psync(cmd_ctx *ctx) {
    psync_generic(ctx, false);
}

static void cmd_sync(cmd_ctx *ctx) {
    psync_generic(ctx, true);
}

static void cmd_wait(cmd_ctx *ctx) {
    replication *r = server_replication(ctx->server);
    if (repl_is_replica(r)) {
        reply_error(ctx->out,
                    "ERR WAIT cannot be used with replica instances. Please also note that since "
                    "Redis 4.0 if a replica is configured to be writable (which is not the default) "
                    "writes to replicas are just local and are not propagated.");
        return;
    }
    int64_t replicas, timeout;
    if (!cmd_i64_range_or_reply(ctx, &ctx->argv[1], INT_MIN, INT_MAX, &replicas, NULL) ||
        !cmd_i64_or_reply(ctx, &ctx->argv[2], &timeout, "ERR timeout is not an integer or out of range"))
        return;
    if (timeout < 0) {
        reply_error(ctx->out, "ERR timeout is negative");
        return;
    }
    client *c = ctx_client(ctx);
    int acked = repl_count_acked(r, c->woff);
    /* Redis compat: inside a transaction WAIT cannot block; it answers
     * how many replicas have acknowledged so far. */
    if (acked >= replicas || (c->flags & CLIENT_MULTI)) {
        reply_int(ctx->out, acked);
        return;
    }
    server_block_wait(ctx->server, c, c->woff, (int)replicas, timeout);
}

#define REPL_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING)

const command_def cmd_replication_defs[] = {
    {.name = "replicaof", .handler = cmd_replicaof, .arity = 3, .flags = REPL_FLAGS | CMD_STALE,
     .group = "server", .since = "5.0.0",
     .summary = "Makes the server a replica of another instance, or promotes it to a primary.",
     .complexity = "O(1)"},
    {.name = "slaveof", .handler = cmd_replicaof, .arity = 3, .flags = REPL_FLAGS | CMD_STALE,
     .group = "server", .since = "1.0.0",
     .summary = "Makes the server a replica of another instance (old name of REPLICAOF).",
     .complexity = "O(1)"},
    {.name = "replconf", .handler = cmd_replconf, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY,
     .group = "server", .since = "3.0.0",
     .summary = "Configures the replication stream (sent by replicas).", .complexity = "O(1)"},
    {.name = "psync", .handler = cmd_psync, .arity = -3, .flags = REPL_FLAGS | CMD_NO_MULTI,
     .group = "server", .since = "2.8.0",
     .summary = "Starts or continues replication (sent by replicas).", .complexity = "O(1)"},
    {.name = "sync", .handler = cmd_sync, .arity = 1, .flags = REPL_FLAGS | CMD_NO_MULTI,
     .group = "server", .since = "1.0.0",
     .summary = "Starts replication with a full copy (sent by old replicas).",
     .complexity = "O(1)"},
    {.name = "wait", .handler = cmd_wait, .arity = 3, .flags = CMD_NOSCRIPT,
     .acl = "@connection", .group = "generic", .since = "3.0.0",
     .summary = "Waits until the connection's writes reach a number of replicas.",
     .complexity = "O(1)"},
    {0},
};
