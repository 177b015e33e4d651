/* cmd_migrate: MIGRATE, which moves keys to another instance by sending it
 * RESTORE commands, byte for byte what Redis 7.0.15 sends, so Tessera and
 * Redis can migrate to each other.
 *
 * One MIGRATE writes a single pipeline (AUTH if asked for, SELECT unless the
 * cached connection already has the database selected, one RESTORE per key
 * with the remaining TTL) and then reads one reply line per command. Keys
 * the target acknowledged are deleted here unless COPY was given, and the
 * command replays as DEL of exactly those keys. The exchange blocks the
 * event loop, bounded by the timeout argument, as in Redis.
 *
 * Redis compat: a connection that turns out to be broken before any RESTORE
 * reply arrived (typically a cached one the target closed) is reopened and
 * the whole exchange tried once more, unless the failure was a timeout. */
#include <errno.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/mem.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "commands/propagate.h"
#include "data/keyspace.h"
#include "data/kv.h"
#include "persist/rdb.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/migrate_conn.h"
#include "server/server_commands.h"

typedef struct migrate_args {
    bool copy;
    bool replace;
    const resp_arg *username; /* AUTH2 only */
    const resp_arg *password; /* NULL: no AUTH sent */
    int first_key;
    int num_keys;
    int64_t timeout_ms;
    int64_t dbid;
} migrate_args;

typedef struct migrate_item {
    const resp_arg *key;
    const kv *e;
} migrate_item;

/* Options from argv[6], then the timeout and the database. Redis compat:
 * options are checked before the numbers, the timeout before the database,
 * and a timeout <= 0 means one second. */
static bool parse_migrate_or_reply(cmd_ctx *ctx, migrate_args *a) {
    *a = (migrate_args){.first_key = 3, .num_keys = 1};
    for (int i = 6; i < ctx->argc; i++) {
        int more = ctx->argc - 1 - i;
        if (cmd_arg_is(ctx, i, "copy")) {
            a->copy = true;
        } else if (cmd_arg_is(ctx, i, "replace")) {
            a->replace = true;
        } else if (cmd_arg_is(ctx, i, "auth") && more >= 1) {
            cmd_redact_arg(ctx, i + 1);
            a->password = &ctx->argv[++i];
        } else if (cmd_arg_is(ctx, i, "auth2") && more >= 2) {
            cmd_redact_arg(ctx, i + 1);
            cmd_redact_arg(ctx, i + 2);
            a->username = &ctx->argv[++i];
            a->password = &ctx->argv[++i];
        } else if (cmd_arg_is(ctx, i, "keys")) {
            if (ctx->argv[3].len != 0) {
                reply_error(ctx->out, ERRMSG_MIGRATE_KEYS);
                return false;
            }
            a->first_key = i + 1;
            a->num_keys = ctx->argc - i - 1;
            break; /* everything after KEYS is a key */
        } else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return false;
        }
    }
    if (!cmd_i64_or_reply(ctx, &ctx->argv[5], &a->timeout_ms, NULL)) return false;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[4], &a->dbid, NULL)) return false;
    if (a->timeout_ms <= 0) a->timeout_ms = 1000;
    return true;
}

static resp_arg int_arg(char *dst, size_t cap, int64_t v) {
    int n = snprintf(dst, cap, "%lld", (long long)v);
    return (resp_arg){.ptr = dst, .len = (size_t)n};
}

/* Encodes the pipeline into req. Keys whose TTL ran out since they were
 * looked up are left out (items is compacted); returns how many remain. */
static int build_requests(cmd_ctx *ctx, const migrate_args *a, migrate_item *items, int n,
                          bool select, buf *req) {
    if (a->password) {
        resp_arg argv[3];
        int argc = 0;
        argv[argc++] = PROP_ARG("AUTH");
        if (a->username) argv[argc++] = *a->username;
        argv[argc++] = *a->password;
        prop_encode(req, argc, argv);
    }
    if (select) {
        char dbtext[24];
        resp_arg argv[2] = {PROP_ARG("SELECT"), int_arg(dbtext, sizeof(dbtext), a->dbid)};
        prop_encode(req, 2, argv);
    }
    int64_t now = keyspace_now(ctx->ks);
    buf payload;
    buf_init(&payload);
    int kept = 0;
    for (int j = 0; j < n; j++) {
        migrate_item it = items[j];
        /* The TTL travels relative: the target adds its own clock. */
        int64_t ttl = 0, when = kv_expire(it.e);
        if (when != -1) {
            ttl = when - now;
            if (ttl < 0) continue;
            if (ttl < 1) ttl = 1; /* 0 would mean "no expiry" */
        }
        items[kept++] = it;
        buf_clear(&payload);
        rdb_dump_payload(it.e, ctx->opts->rdb_compression, &payload);
        char ttl_text[24];
        /* In cluster mode the target may still be importing the slot; the
         * ASKING variant lets it accept the key anyway. */
        resp_arg argv[5] = {
            ctx->opts->cluster_enabled ? PROP_ARG("RESTORE-ASKING") : PROP_ARG("RESTORE"),
            *it.key,
            int_arg(ttl_text, sizeof(ttl_text), ttl),
            {.ptr = payload.data, .len = payload.len},
            PROP_ARG("REPLACE"),
        };
        prop_encode(req, a->replace ? 5 : 4, argv);
    }
    buf_fini(&payload);
    return kept;
}

/* An I/O failure: the connection is dropped (a retry reconnects). Returns
 * false when the caller should try once more, true once the error reply is
 * queued. */
static bool io_failed(cmd_ctx *ctx, migrate_cache *cache, migrate_conn *conn, int rc, bool writing,
                      bool *may_retry) {
    if (conn) migrate_cache_drop(cache, conn);
    if (rc != -ETIMEDOUT && *may_retry) {
        *may_retry = false;
        return false;
    }
    reply_error(ctx->out, writing ? ERRMSG_MIGRATE_WRITE : ERRMSG_MIGRATE_READ);
    return true;
}

static void reply_target_error(cmd_ctx *ctx, const char *line) {
    buf msg;
    buf_init(&msg);
    buf_append_str(&msg, ERRMSG_MIGRATE_TARGET_PREFIX);
    buf_append_str(&msg, line + 1); /* without the '-' */
    reply_error_len(ctx->out, msg.data, msg.len);
    buf_fini(&msg);
}

static void delete_key(cmd_ctx *ctx, const resp_arg *key) {
    kv_ref ref;
    if (cmd_lookup_write(ctx, key, &ref) != NULL) kv_free(db_unlink(ctx->db, &ref));
}

/* Reads the target's replies and applies them: acknowledged keys are
 * deleted (without COPY) and collected for the DEL that replays the
 * command. Returns false for a retry (see io_failed). */
static bool read_replies(cmd_ctx *ctx, const migrate_args *a, migrate_cache *cache,
                         migrate_conn *conn, const migrate_item *items, int n, bool select,
                         bool *may_retry) {
    char auth_line[MIGRATE_LINE_MAX] = "", select_line[MIGRATE_LINE_MAX] = "";
    char line[MIGRATE_LINE_MAX];
    int rc;
    if (a->password && (rc = migrate_conn_read_line(conn, auth_line, sizeof(auth_line),
                                                    a->timeout_ms)) <= 0)
        return io_failed(ctx, cache, conn, rc, false, may_retry);
    if (select && (rc = migrate_conn_read_line(conn, select_line, sizeof(select_line),
                                               a->timeout_ms)) <= 0)
        return io_failed(ctx, cache, conn, rc, false, may_retry);
    /* A refused AUTH or SELECT fails every key, whatever RESTORE said. */
    const char *setup_error = auth_line[0] == '-'     ? auth_line
                              : select_line[0] == '-' ? select_line
                                                      : NULL;

    resp_arg *dels = a->copy ? NULL : mem_alloc((size_t)(n + 1) * sizeof(*dels));
    int ndel = 1, j;
    bool error_from_target = false, socket_error = false;
    rc = 0;
    for (j = 0; j < n; j++) {
        if ((rc = migrate_conn_read_line(conn, line, sizeof(line), a->timeout_ms)) <= 0) {
            socket_error = true;
            break;
        }
        const char *err = setup_error ? setup_error : line[0] == '-' ? line : NULL;
        if (err != NULL) {
            /* The first error is the reply; the target's database is no
             * longer known. */
            if (!error_from_target) {
                conn->last_dbid = -1;
                reply_target_error(ctx, err);
                error_from_target = true;
            }
        } else if (!a->copy) {
            delete_key(ctx, items[j].key);
            ctx->dirty++;
            dels[ndel++] = *items[j].key;
        }
    }
    if (socket_error && !error_from_target && j == 0 && *may_retry && rc != -ETIMEDOUT) {
        mem_free(dels);
        return io_failed(ctx, cache, conn, rc, false, may_retry);
    }
    if (socket_error) migrate_cache_drop(cache, conn);
    if (ndel > 1) {
        dels[0] = PROP_ARG("DEL");
        cmd_propagate(ctx, ndel, dels);
    }
    mem_free(dels);
    if (error_from_target) return true;
    if (socket_error) {
        reply_error(ctx->out, ERRMSG_MIGRATE_READ);
        return true;
    }
    conn->last_dbid = a->dbid;
    reply_ok(ctx->out);
    return true;
}

/* One exchange with the target. Returns false when it should be retried on
 * a fresh connection; otherwise the reply is queued. *n may shrink (keys
 * that expired meanwhile). */
static bool migrate_once(cmd_ctx *ctx, const migrate_args *a, migrate_cache *cache,
                         migrate_item *items, int *n, bool *may_retry) {
    const resp_arg *host = &ctx->argv[1], *port = &ctx->argv[2];
    migrate_conn *conn = migrate_cache_get(cache, host->ptr, host->len, port->ptr, port->len,
                                           a->timeout_ms, keyspace_now(ctx->ks));
    if (conn == NULL) {
        reply_error(ctx->out, ERRMSG_MIGRATE_CONNECT);
        return true;
    }
    bool select = conn->last_dbid != a->dbid;
    buf req;
    buf_init(&req);
    *n = build_requests(ctx, a, items, *n, select, &req);
    int rc = migrate_conn_write(conn, req.data, req.len, a->timeout_ms);
    buf_fini(&req);
    if (rc < 0) return io_failed(ctx, cache, conn, rc, true, may_retry);
    return read_replies(ctx, a, cache, conn, items, *n, select, may_retry);
}

static void cmd_migrate(cmd_ctx *ctx) {
    migrate_args a;
    if (!parse_migrate_or_reply(ctx, &a)) return;
    /* Missing keys are skipped; none at all is not an error (they may just
     * have expired), hence the plain NOKEY status. */
    migrate_item *items = mem_alloc((size_t)(a.num_keys + 1) * sizeof(*items));
    int n = 0;
    for (int j = 0; j < a.num_keys; j++) {
        const resp_arg *key = &ctx->argv[a.first_key + j];
        const kv *e = cmd_lookup_read(ctx, key);
        if (e != NULL) items[n++] = (migrate_item){.key = key, .e = e};
    }
    if (n == 0) {
        reply_simple_cstr(ctx->out, "NOKEY");
        mem_free(items);
        return;
    }
    migrate_cache *cache = migrate_cache_shared();
    bool may_retry = true;
    while (!migrate_once(ctx, &a, cache, items, &n, &may_retry)) {
    }
    mem_free(items);
}

/* COMMAND GETKEYS, as Redis finds MIGRATE's keys: its first key spec gives
 * argv[3]; when the second (a KEYS keyword searched backwards from the
 * second-to-last argument) matches, that spec is incomplete and Redis asks
 * its own option scan instead, which skips AUTH and AUTH2 values and gives
 * no key at all when KEYS comes with a non-empty key argument. */
static int migrate_get_keys(int argc, const resp_arg *argv, int *out, int max) {
    bool keyword = false;
    for (int i = argc - 2; i > 1 && !keyword; i--) keyword = arg_eq(&argv[i], "keys");
    int first = 3, num = 1;
    for (int i = 6; keyword && i < argc; i++) {
        if (arg_eq(&argv[i], "keys")) {
            first = i + 1;
            num = argv[3].len > 0 ? 0 : argc - first;
            break;
        }
        if (arg_eq(&argv[i], "auth"))
            i += 1;
        else if (arg_eq(&argv[i], "auth2"))
            i += 2;
    }
    for (int k = 0; k < num && k < max; k++) out[k] = first + k;
    return num;
}

const command_def cmd_migrate_defs[] = {
    {.name = "migrate",
     .handler = cmd_migrate,
     .arity = -6,
     .flags = CMD_WRITE | CMD_MOVABLE_KEYS,
     .first_key = 3, .last_key = 3, .key_step = 1,
     .acl = "@keyspace @dangerous",
     .key_flags = "RW ACCESS DELETE|RW ACCESS DELETE INCOMPLETE",
     .key_keyword = "KEYS",
     .key_keyword_from = -2,
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "2.6.0",
     .summary = "Moves keys to another instance, which receives them with RESTORE.",
     .complexity = "A DUMP and a DEL of each key here plus its RESTORE on the target, and the "
                   "transfer of the serialised values",
     .get_keys = migrate_get_keys},
    {0},
};
