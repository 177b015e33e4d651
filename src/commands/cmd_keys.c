/* cmd_keys: commands on keys whatever their type (DEL, EXISTS, EXPIRE, ...)
 * and on whole databases (DBSIZE, FLUSHDB, SWAPDB, ...). */
#include <string.h>

#include "commands/cmd_util.h"
#include "commands/command.h"
#include "commands/groups.h"
#include "commands/session.h"
#include "data/keyspace.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"

static void cmd_del(cmd_ctx *ctx) {
    int64_t deleted = 0;
    for (int i = 1; i < ctx->argc; i++) {
        const resp_arg *key = &ctx->argv[i];
        kv_ref ref;
        /* A lookup first, so an expired key counts as already gone. */
        if (cmd_lookup_write(ctx, key, &ref) == NULL) continue;
        kv_free(db_unlink(ctx->db, &ref));
        deleted++;
    }
    ctx->dirty += (uint64_t)deleted;
    reply_int(ctx->out, deleted);
}

static void cmd_exists(cmd_ctx *ctx) {
    int64_t count = 0;
    for (int i = 1; i < ctx->argc; i++) {
        if (db_lookup(ctx->db, ctx->argv[i].ptr, ctx->argv[i].len, KS_LOOKUP_NOTOUCH)) count++;
    }
    reply_int(ctx->out, count);
}

const command_def cmd_keys_defs[] = {
    {.name = "del",
     .handler = cmd_del,
     .arity = -2,
     .flags = CMD_WRITE,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RM DELETE",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Deletes one or more keys.",
     .complexity = "O(N) where N is the number of keys to delete"},
    {.name = "exists",
     .handler = cmd_exists,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Counts how many of the given keys exist.",
     .complexity = "O(N) where N is the number of keys to check"},
    {0},
};
