/* cmd_dump: DUMP and RESTORE, a key's value serialised the way Redis 7.0
 * does it, so payloads move between Tessera and Redis in both directions.
 *
 * The payload format belongs to persist/rdb (it is the RDB value encoding
 * with a footer), which the commands layer may not include; the handlers
 * therefore live here, in the server layer, and only compose rdb and
 * keyspace calls. RESTORE checks its arguments in Redis's order (options,
 * then the target key, then the TTL, then the payload) because clients see
 * which error comes first. */
#include <stdio.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/status.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "commands/propagate.h"
#include "data/keyspace.h"
#include "data/kv.h"
#include "persist/rdb.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/server_commands.h"

static void cmd_dump(cmd_ctx *ctx) {
    kv *e = cmd_lookup_read(ctx, &ctx->argv[1]);
    if (e == NULL) {
        reply_null(ctx->out);
        return;
    }
    buf payload;
    buf_init(&payload);
    rdb_dump_payload(e, ctx->opts->rdb_compression, &payload);
    reply_bulk(ctx->out, payload.data, payload.len);
    buf_fini(&payload);
}

typedef struct restore_opts {
    bool replace;
    bool absttl;
    int64_t idle_s; /* -1: not given */
    int freq;       /* -1: not given */
} restore_opts;

/* Parses REPLACE, ABSTTL, IDLETIME s and FREQ f from argv[4]. Redis compat:
 * IDLETIME and FREQ together, or either without its value, is a plain
 * syntax error. */
static bool parse_restore_opts_or_reply(cmd_ctx *ctx, restore_opts *o) {
    *o = (restore_opts){.idle_s = -1, .freq = -1};
    for (int i = 4; i < ctx->argc; i++) {
        bool has_value = i + 1 < ctx->argc;
        int64_t v;
        if (cmd_arg_is(ctx, i, "replace")) {
            o->replace = true;
        } else if (cmd_arg_is(ctx, i, "absttl")) {
            o->absttl = true;
        } else if (cmd_arg_is(ctx, i, "idletime") && has_value && o->freq < 0) {
            if (!cmd_i64_or_reply(ctx, &ctx->argv[++i], &v, NULL)) return false;
            if (v < 0) {
                reply_error(ctx->out, ERRMSG_RESTORE_IDLETIME);
                return false;
            }
            o->idle_s = v;
        } else if (cmd_arg_is(ctx, i, "freq") && has_value && o->idle_s < 0) {
            if (!cmd_i64_or_reply(ctx, &ctx->argv[++i], &v, NULL)) return false;
            if (v < 0 || v > 255) {
                reply_error(ctx->out, ERRMSG_RESTORE_FREQ);
                return false;
            }
            o->freq = (int)v;
        } else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Removes key if present (an expired one is dropped by the lookup);
 * returns whether a live key was deleted. */
static bool delete_key(cmd_ctx *ctx, const resp_arg *key) {
    kv_ref ref;
    if (cmd_lookup_write(ctx, key, &ref) == NULL) return false;
    kv_free(db_unlink(ctx->db, &ref));
    return true;
}

/* A relative TTL replays as the absolute expiry it gave: the request with
 * the TTL replaced and ABSTTL appended, so the key expires at the same
 * instant wherever and whenever the stream is applied (as Redis does). */
static void propagate_absttl(cmd_ctx *ctx, int64_t when_ms) {
    if (ctx->prop == NULL) return; /* nobody listens: skip the formatting */
    char ms[24];
    int n = snprintf(ms, sizeof(ms), "%lld", (long long)when_ms);
    resp_arg *argv = mem_alloc((size_t)(ctx->argc + 1) * sizeof(*argv));
    for (int j = 0; j < ctx->argc; j++) argv[j] = ctx->argv[j];
    argv[2] = (resp_arg){.ptr = ms, .len = (size_t)n};
    argv[ctx->argc] = PROP_ARG("ABSTTL");
    cmd_propagate(ctx, ctx->argc + 1, argv);
    mem_free(argv);
}

static void cmd_restore(cmd_ctx *ctx) {
    const resp_arg *key = &ctx->argv[1], *payload = &ctx->argv[3];
    restore_opts o;
    if (!parse_restore_opts_or_reply(ctx, &o)) return;
    kv_ref ref;
    if (!o.replace && cmd_lookup_write(ctx, key, &ref) != NULL) {
        reply_error(ctx->out, ERRMSG_BUSYKEY);
        return;
    }
    int64_t ttl;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &ttl, NULL)) return;
    if (ttl < 0) {
        reply_error(ctx->out, ERRMSG_RESTORE_TTL);
        return;
    }
    kv *e;
    buf why;
    buf_init(&why);
    int rc = rdb_load_payload(payload->ptr, payload->len, true, key->ptr, key->len, &e, &why);
    buf_fini(&why);
    if (rc != 0) {
        reply_error(ctx->out, rc == ERR_IO ? ERRMSG_DUMP_PAYLOAD : ERRMSG_BAD_DATA_FORMAT);
        return;
    }
    bool deleted = o.replace && delete_key(ctx, key);
    /* Redis compat: a relative TTL is added to the clock with wrap-around, so
     * a huge one lands in the past and the key is dropped as expired. */
    if (ttl != 0 && !o.absttl) ttl = (int64_t)((uint64_t)ttl + (uint64_t)keyspace_now(ctx->ks));
    if (ttl != 0 && ttl <= keyspace_now(ctx->ks) && !ctx->opts->replaying) {
        /* Already expired: the key ends up absent (a replaced one deleted,
         * which replays as DEL), and the reply is still OK. */
        kv_free(e);
        if (deleted) {
            ctx->dirty++;
            cmd_propagate_del(ctx, key, false);
        }
        reply_ok(ctx->out);
        return;
    }
    if (ttl != 0) e = kv_with_expire(e, ttl);
    db_insert(ctx->db, NULL, e);
    keyspace_restore_access(ctx->ks, e, o.freq, o.idle_s);
    ctx->dirty++;
    if (ttl != 0 && !o.absttl) propagate_absttl(ctx, ttl);
    reply_ok(ctx->out);
}

const command_def cmd_dump_defs[] = {
    {.name = "dump",
     .handler = cmd_dump,
     .arity = 2,
     .flags = CMD_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO ACCESS",
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "2.6.0",
     .summary = "Serialises a key's value in the format RESTORE reads.",
     .complexity = "O(1) to find the key, plus O(N) in the size of the value"},
    {.name = "restore",
     .handler = cmd_restore,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace @dangerous",
     .key_flags = "OW UPDATE",
     .group = "generic",
     .since = "2.6.0",
     .summary = "Creates a key from a value serialised by DUMP.",
     .complexity = "O(1) to create the key, plus O(N) in the size of the value"},
    /* What MIGRATE sends in cluster mode: RESTORE that a node importing the
     * key's slot accepts without a prior ASKING. */
    {.name = "restore-asking",
     .handler = cmd_restore,
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_ASKING,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace @dangerous",
     .key_flags = "OW UPDATE",
     .group = "server",
     .since = "3.0.0",
     .summary = "RESTORE as sent by MIGRATE between cluster nodes.",
     .complexity = "O(1) to create the key, plus O(N) in the size of the value"},
    {0},
};
