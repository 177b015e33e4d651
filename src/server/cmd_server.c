/* cmd_server: server administration and introspection — INFO, CONFIG,
 * TIME, LASTSAVE, SHUTDOWN, MONITOR, ROLE, DEBUG, SLOWLOG, LATENCY, MEMORY.
 *
 * These handlers reach the server through ctx->server and its accessors;
 * the formatting of INFO lives in info.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/number.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "data/keyspace.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/client.h"
#include "server/appendonly.h"
#include "server/config.h"
#include "server/info.h"
#include "server/latency.h"
#include "server/replication.h"
#include "server/server.h"
#include "server/server_commands.h"
#include "server/slowlog.h"
#include "server/snapshot.h"

/* ---- INFO ---- */

static void cmd_info(cmd_ctx *ctx) {
    buf out;
    buf_init(&out);
    info_generate(ctx->server, ctx->argc - 1, ctx->argv + 1, &out);
    reply_verbatim(ctx->out, out.data ? out.data : "", out.len, "txt");
    buf_fini(&out);
}

/* ---- CONFIG ---- */

typedef struct config_get_ctx {
    reply *out;
    int count;
} config_get_ctx;

static void config_get_one(void *ctx, const char *name, const char *value) {
    config_get_ctx *g = ctx;
    reply_bulk_cstr(g->out, name);
    reply_bulk_cstr(g->out, value);
    g->count++;
}

static void cmd_config_get(cmd_ctx *ctx) {
    int n = ctx->argc - 2;
    const char *patterns[64];
    size_t lens[64];
    if (n > 64) n = 64;
    for (int i = 0; i < n; i++) {
        patterns[i] = ctx->argv[2 + i].ptr;
        lens[i] = ctx->argv[2 + i].len;
    }
    config_get_ctx g = {ctx->out, 0};
    reply_deferred d = reply_defer(ctx->out);
    config_get_matching(server_config(ctx->server), n, patterns, lens, config_get_one, &g);
    reply_set_map_len(ctx->out, d, g.count);
}

static void cmd_config_set(cmd_ctx *ctx) {
    if ((ctx->argc - 2) % 2 != 0) {
        reply_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", ctx->cmd->fullname);
        return;
    }
    int pairs = (ctx->argc - 2) / 2;
    const char **names = mem_alloc(sizeof(char *) * (size_t)pairs * 2);
    const char **values = names + pairs;
    size_t *lens = mem_alloc(sizeof(size_t) * (size_t)pairs * 2);
    size_t *vlens = lens + pairs;
    for (int i = 0; i < pairs; i++) {
        names[i] = ctx->argv[2 + 2 * i].ptr;
        lens[i] = ctx->argv[2 + 2 * i].len;
        values[i] = ctx->argv[3 + 2 * i].ptr;
        vlens[i] = ctx->argv[3 + 2 * i].len;
        /* Every secret is hidden, even when another pair is refused. */
        if (config_is_sensitive(server_config(ctx->server), names[i], lens[i]))
            cmd_redact_arg(ctx, 3 + 2 * i);
    }
    buf err;
    buf_init(&err);
    /* While a dataset loads, options like appendonly refuse to change. */
    unsigned flags = server_is_loading(ctx->server) ? CFG_SET_LOADING : 0;
    int rc = config_set_ex(server_config(ctx->server), flags, pairs, names, lens, values, vlens,
                           &err);
    if (rc == 0) {
        server_refresh_options(ctx->server);
        reply_ok(ctx->out);
    } else {
        reply_error_len(ctx->out, err.data ? err.data : "ERR CONFIG SET failed", err.len);
    }
    buf_fini(&err);
    mem_free(names);
    mem_free(lens);
}

static void reset_command_stats(command *c, void *ctx) {
    c->calls = c->usec = c->rejected_calls = c->failed_calls = 0;
    command_foreach_sub(c, reset_command_stats, ctx);
}

static void cmd_config_resetstat(cmd_ctx *ctx) {
    server_reset_stats(ctx->server);
    command_foreach(server_commands(ctx->server), reset_command_stats, NULL);
    reply_ok(ctx->out);
}

static void cmd_config_rewrite(cmd_ctx *ctx) {
    buf err;
    buf_init(&err);
    if (config_rewrite(server_config(ctx->server), &err) == 0) {
        log_notice("CONFIG REWRITE executed with success.");
        reply_ok(ctx->out);
    } else {
        log_warning("CONFIG REWRITE failed: %s", err.data ? err.data : "unknown error");
        reply_error_len(ctx->out, err.data ? err.data : "ERR Rewriting config file failed", err.len);
    }
    buf_fini(&err);
}

static void cmd_config_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

/* ---- TIME LASTSAVE ROLE MONITOR SHUTDOWN ---- */

static void cmd_time(cmd_ctx *ctx) {
    int64_t us = clock_wall_us();
    reply_array(ctx->out, 2);
    reply_bulk_i64(ctx->out, us / 1000000);
    reply_bulk_i64(ctx->out, us % 1000000);
}

static void cmd_lastsave(cmd_ctx *ctx) {
    reply_int(ctx->out, server_last_save_time(ctx->server));
}

static void cmd_role(cmd_ctx *ctx) {
    repl_role(server_replication(ctx->server), ctx->out);
}

static void cmd_monitor(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    /* Inside EXEC every command must answer once; a monitor never stops. */
    if (c->flags & CLIENT_IN_EXEC) {
        reply_error(ctx->out, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & CLIENT_MONITOR) return;
    c->flags |= CLIENT_MONITOR;
    list_push_back(server_monitors(ctx->server), &c->monitor);
    reply_ok(ctx->out);
}

static void cmd_shutdown(cmd_ctx *ctx) {
    int flags = SHUTDOWN_DEFAULT;
    bool abort_it = false;
    for (int i = 1; i < ctx->argc; i++) {
        if (cmd_arg_is(ctx, i, "nosave"))
            flags |= SHUTDOWN_NOSAVE;
        else if (cmd_arg_is(ctx, i, "save"))
            flags |= SHUTDOWN_SAVE;
        else if (cmd_arg_is(ctx, i, "now"))
            flags |= SHUTDOWN_NOW;
        else if (cmd_arg_is(ctx, i, "force"))
            flags |= SHUTDOWN_FORCE;
        else if (cmd_arg_is(ctx, i, "abort"))
            abort_it = true;
        else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return;
        }
    }
    if ((abort_it && flags != SHUTDOWN_DEFAULT) ||
        ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        reply_error(ctx->out, ERRMSG_SYNTAX);
        return;
    }
    if (abort_it) {
        /* Shutdowns here are immediate, so none is ever in progress. */
        reply_error(ctx->out, "ERR No shutdown in progress.");
        return;
    }
    const char *err = NULL;
    if (server_request_shutdown(ctx->server, flags, &err) < 0) reply_error(ctx->out, err);
    /* On success there is no reply: the connection closes with the server. */
}

/* ---- SAVE BGSAVE ---- */

static void cmd_save(cmd_ctx *ctx) {
    buf err;
    buf_init(&err);
    if (snapshot_save(server_snapshot(ctx->server), &err) == 0)
        reply_ok(ctx->out);
    else
        reply_error_len(ctx->out, err.data ? err.data : "ERR", err.len);
    buf_fini(&err);
}

static void cmd_bgsave(cmd_ctx *ctx) {
    if (ctx->argc > 2 || (ctx->argc == 2 && !cmd_arg_is(ctx, 1, "schedule"))) {
        reply_error(ctx->out, ERRMSG_SYNTAX);
        return;
    }
    buf err;
    buf_init(&err);
    bool scheduled;
    if (snapshot_bgsave(server_snapshot(ctx->server), ctx->argc == 2, &scheduled, &err) == 0)
        reply_simple_cstr(ctx->out, scheduled ? "Background saving scheduled"
                                              : "Background saving started");
    else
        reply_error_len(ctx->out, err.data ? err.data : "ERR", err.len);
    buf_fini(&err);
}

static void cmd_bgrewriteaof(cmd_ctx *ctx) {
    buf err;
    buf_init(&err);
    bool scheduled;
    if (appendonly_rewrite(server_appendonly(ctx->server), &scheduled, &err) == 0)
        reply_simple_cstr(ctx->out, scheduled ? "Background append only file rewriting scheduled"
                                              : "Background append only file rewriting started");
    else
        reply_error_len(ctx->out, err.data, err.len);
    buf_fini(&err);
}

/* ---- DEBUG ---- */

static void debug_reload(cmd_ctx *ctx) {
    bool save = true;
    for (int i = 2; i < ctx->argc; i++) {
        if (cmd_arg_is(ctx, i, "nosave")) {
            save = false;
        } else {
            /* MERGE and NOFLUSH need loading into a live dataset, which
             * this server does not do: refuse rather than half-work. */
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return;
        }
    }
    buf err;
    buf_init(&err);
    if (snapshot_reload(server_snapshot(ctx->server), save, true, &err) == 0)
        reply_ok(ctx->out);
    else
        reply_error_len(ctx->out, err.data ? err.data : "ERR", err.len);
    buf_fini(&err);
}

static void debug_sleep(cmd_ctx *ctx) {
    double secs = 0;
    if (ctx->argc >= 3 && !number_parse_double(ctx->argv[2].ptr, ctx->argv[2].len, &secs)) secs = 0;
    if (secs > 0) {
        struct timespec ts;
        ts.tv_sec = (time_t)secs;
        ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        }
    }
    reply_ok(ctx->out);
}

static void debug_object(cmd_ctx *ctx) {
    kv *e = db_lookup(ctx->db, ctx->argv[2].ptr, ctx->argv[2].len, KS_LOOKUP_NOTOUCH);
    if (e == NULL) {
        reply_error(ctx->out, ERRMSG_NO_SUCH_KEY);
        return;
    }
    static const char *const enc[] = {"embstr", "int", "raw"};
    size_t vlen = kv_str_len(e);
    /* Serialized length as an RDB string: length prefix plus bytes (or the
     * compact integer form). */
    size_t serialized;
    if (kv_enc_of(e) == KV_ENC_INT) {
        int64_t v = kv_int_value(e);
        serialized = (v >= -128 && v <= 127) ? 2 : (v >= -32768 && v <= 32767) ? 3
                     : (v >= INT32_MIN && v <= INT32_MAX)                        ? 5
                                                                                  : 1 + vlen;
    } else {
        serialized = (vlen < 64 ? 1 : vlen < 16384 ? 2 : 5) + vlen;
    }
    uint32_t clock = kv_clock_of(e);
    long long idle = keyspace_is_lfu(ctx->ks) ? 0 : (long long)(keyspace_idle_ms(ctx->ks, e) / 1000);
    char line[256];
    snprintf(line, sizeof(line),
             "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%lld",
             (void *)e, enc[kv_enc_of(e)], serialized, clock, idle);
    reply_simple_cstr(ctx->out, line);
}

/* DEBUG POPULATE count [prefix] [size]: creates "<prefix>:<n>" keys holding
 * "value:<n>" (padded with zero bytes, or cut, to size when given); keys
 * that exist are left alone. */
static void debug_populate(cmd_ctx *ctx) {
    static const char *range = "ERR value is out of range, value must between 0 and "
                               "9223372036854775807";
    int64_t count, size = 0;
    if (!cmd_i64_range_or_reply(ctx, &ctx->argv[2], 0, INT64_MAX, &count, range)) return;
    if (ctx->argc == 5 && !cmd_i64_range_or_reply(ctx, &ctx->argv[4], 0, INT64_MAX, &size, range))
        return;
    char prefix[128];
    if (ctx->argc >= 4)
        snprintf(prefix, sizeof(prefix), "%.*s", (int)strnlen(ctx->argv[3].ptr, ctx->argv[3].len),
                 ctx->argv[3].ptr);
    else
        snprintf(prefix, sizeof(prefix), "key");
    char *val = size > 0 ? mem_calloc(1, (size_t)size) : NULL;
    for (int64_t j = 0; j < count; j++) {
        char key[160], v[64];
        int klen = snprintf(key, sizeof(key), "%s:%lld", prefix, (long long)j);
        if (klen >= (int)sizeof(key)) klen = (int)sizeof(key) - 1;
        kv_ref ref;
        if (db_lookup_ref(ctx->db, key, (size_t)klen, KS_LOOKUP_WRITE, &ref) != NULL) continue;
        int vlen = snprintf(v, sizeof(v), "value:%lld", (long long)j);
        kv *e;
        if (size == 0) {
            e = kv_new_string(key, (size_t)klen, v, (size_t)vlen, -1, KV_STR_NO_INT);
        } else {
            memcpy(val, v, (size_t)(size < vlen ? size : vlen));
            e = kv_new_string(key, (size_t)klen, val, (size_t)size, -1, KV_STR_NO_INT);
        }
        db_insert(ctx->db, &ref, e);
        ctx->dirty++;
    }
    mem_free(val);
    reply_ok(ctx->out);
}

static void debug_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "OBJECT <key>",
        "    Show low level info about the <key> and its value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> keys named <prefix>:<n> (default prefix \"key\") holding \"value:<n>\",",
        "    made exactly <size> bytes long when <size> is given.",
        "RELOAD [NOSAVE]",
        "    Save the dataset to the RDB file (unless NOSAVE), empty it and load the file back.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Turn the active expiry cycle off or on.",
        "SLEEP <seconds>",
        "    Stop the whole server for <seconds> (may be fractional).",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

static void cmd_debug(cmd_ctx *ctx) {
    /* DEBUG is served while a dataset loads (like Redis), but the
     * subcommands that change the keyspace must wait: a key POPULATE adds
     * before the loader reaches it would make the loader refuse the file
     * as holding a duplicate and stop the server. */
    if (server_is_loading(ctx->server) &&
        (cmd_arg_is(ctx, 1, "populate") || cmd_arg_is(ctx, 1, "reload"))) {
        reply_error(ctx->out, ERRMSG_LOADING);
        return;
    }
    if (cmd_arg_is(ctx, 1, "help") && ctx->argc == 2) {
        debug_help(ctx);
    } else if (cmd_arg_is(ctx, 1, "sleep") && ctx->argc == 3) {
        debug_sleep(ctx);
    } else if (cmd_arg_is(ctx, 1, "set-active-expire") && ctx->argc == 3) {
        int64_t on = 0;
        number_parse_i64(ctx->argv[2].ptr, ctx->argv[2].len, &on);
        server_set_active_expire(ctx->server, on != 0);
        reply_ok(ctx->out);
    } else if (cmd_arg_is(ctx, 1, "object") && ctx->argc == 3) {
        debug_object(ctx);
    } else if (cmd_arg_is(ctx, 1, "populate") && ctx->argc >= 3 && ctx->argc <= 5) {
        debug_populate(ctx);
    } else if (cmd_arg_is(ctx, 1, "reload")) {
        debug_reload(ctx);
    } else {
        cmd_reply_subcommand_error(ctx);
    }
}

/* ---- SLOWLOG ---- */

static void cmd_slowlog_get(cmd_ctx *ctx) {
    int64_t count = 10;
    if (ctx->argc == 3) {
        if (!cmd_i64_range_or_reply(ctx, &ctx->argv[2], -1, INT64_MAX, &count,
                                    "ERR count should be greater than or equal to -1"))
            return;
    } else if (ctx->argc > 3) {
        cmd_reply_subcommand_error(ctx);
        return;
    }
    slowlog_reply(server_slowlog(ctx->server), ctx->out, count);
}

static void cmd_slowlog_len(cmd_ctx *ctx) {
    reply_int(ctx->out, (int64_t)slowlog_len(server_slowlog(ctx->server)));
}

static void cmd_slowlog_reset(cmd_ctx *ctx) {
    slowlog_reset(server_slowlog(ctx->server));
    reply_ok(ctx->out);
}

static void cmd_slowlog_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "GET [<count>]",
        "    Return the <count> newest entries of the slow log (default: 10, -1 for all).",
        "    Each entry holds: id, unix time, duration in microseconds, arguments,",
        "    client address and client name.",
        "LEN",
        "    Return the number of entries in the slow log.",
        "RESET",
        "    Empty the slow log.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

/* ---- LATENCY ---- */

static void cmd_latency_latest(cmd_ctx *ctx) {
    latency_reply_latest(server_latency(ctx->server), ctx->out);
}

static void cmd_latency_history(cmd_ctx *ctx) {
    latency_reply_history(server_latency(ctx->server), ctx->out, ctx->argv[2].ptr, ctx->argv[2].len);
}

static void cmd_latency_reset(cmd_ctx *ctx) {
    latency_monitor *lm = server_latency(ctx->server);
    int64_t n = 0;
    if (ctx->argc == 2)
        n = latency_reset(lm, NULL, 0);
    else
        for (int i = 2; i < ctx->argc; i++) n += latency_reset(lm, ctx->argv[i].ptr, ctx->argv[i].len);
    reply_int(ctx->out, n);
}

static void cmd_latency_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "HISTORY <event>",
        "    Return (unix time, latency in ms) samples of <event>.",
        "LATEST",
        "    Return the latest sample of every event: name, unix time, latency, maximum.",
        "RESET [<event> ...]",
        "    Forget the samples of the given events, or of all events.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

/* ---- MEMORY ---- */

static void cmd_memory_usage(cmd_ctx *ctx) {
    if (ctx->argc == 5 && cmd_arg_is(ctx, 3, "samples")) {
        int64_t samples;
        if (!cmd_i64_or_reply(ctx, &ctx->argv[4], &samples, NULL)) return;
        if (samples < 0) {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return;
        }
    } else if (ctx->argc != 3) {
        reply_error(ctx->out, ERRMSG_SYNTAX);
        return;
    }
    kv *e = db_lookup(ctx->db, ctx->argv[2].ptr, ctx->argv[2].len, KS_LOOKUP_NOTOUCH);
    if (e == NULL) {
        reply_null(ctx->out);
        return;
    }
    /* The entry (key and value together), plus its share of the bucket
     * array, plus the expiry-index node if it has a TTL. */
    size_t bytes = kv_memory(e) + sizeof(void *);
    if (kv_has_expire(e)) bytes += mem_size_class(2 * sizeof(void *)) + sizeof(void *);
    reply_int(ctx->out, (int64_t)bytes);
}

static void map_int(reply *out, const char *k, int64_t v) {
    reply_bulk_cstr(out, k);
    reply_int(out, v);
}

static void map_double(reply *out, const char *k, double v) {
    reply_bulk_cstr(out, k);
    reply_double(out, v);
}

static void cmd_memory_stats(cmd_ctx *ctx) {
    server *s = ctx->server;
    keyspace *ks = server_keyspace(s);
    reply *out = ctx->out;
    size_t used = mem_used_bytes(), rss = mem_rss_bytes();
    size_t startup = server_startup_memory(s);
    size_t clients = 0;
    list_node *pos;
    list_foreach(pos, server_clients(s)) clients += client_memory(container_of(pos, client, node));
    size_t ks_overhead = keyspace_overhead_bytes(ks);
    size_t overhead = startup + clients + ks_overhead;
    size_t keys = keyspace_total_keys(ks);
    size_t net = used > startup ? used - startup : 0;
    size_t dataset = used > overhead ? used - overhead : 0;
    int64_t peak = server_stats_of(s)->peak_memory;
    mem_stats ms;
    mem_get_stats(&ms);
    int dbs = 0;
    for (int i = 0; i < keyspace_db_count(ks); i++)
        if (db_size(keyspace_db(ks, i))) dbs++;
    reply_map(out, 27 + dbs);
    map_int(out, "peak.allocated", peak > (int64_t)used ? peak : (int64_t)used);
    map_int(out, "total.allocated", (int64_t)used);
    map_int(out, "startup.allocated", (int64_t)startup);
    map_int(out, "replication.backlog", 0);
    map_int(out, "clients.slaves", 0);
    map_int(out, "clients.normal", (int64_t)clients);
    map_int(out, "cluster.links", 0);
    map_int(out, "aof.buffer", 0);
    map_int(out, "lua.caches", 0);
    map_int(out, "functions.caches", 0);
    for (int i = 0; i < keyspace_db_count(ks); i++) {
        db *d = keyspace_db(ks, i);
        if (db_size(d) == 0) continue;
        char name[32];
        snprintf(name, sizeof(name), "db.%d", i);
        reply_bulk_cstr(out, name);
        reply_map(out, 2);
        /* Per-database split of the table overhead is not tracked; the
         * whole keyspace overhead is reported under the main tables. */
        map_int(out, "overhead.hashtable.main", (int64_t)ks_overhead);
        map_int(out, "overhead.hashtable.expires", 0);
    }
    map_int(out, "overhead.total", (int64_t)overhead);
    map_int(out, "keys.count", (int64_t)keys);
    map_int(out, "keys.bytes-per-key", keys ? (int64_t)(net / keys) : 0);
    map_int(out, "dataset.bytes", (int64_t)dataset);
    map_double(out, "dataset.percentage", net ? (double)dataset * 100 / (double)net : 0);
    map_double(out, "peak.percentage", peak ? (double)used * 100 / (double)peak : 0);
    map_int(out, "allocator.allocated", (int64_t)ms.allocated);
    map_int(out, "allocator.active", (int64_t)ms.active);
    map_int(out, "allocator.resident", (int64_t)ms.resident);
    map_double(out, "allocator-fragmentation.ratio", ms.allocated ? (double)ms.active / (double)ms.allocated : 0);
    map_int(out, "allocator-fragmentation.bytes", (int64_t)ms.active - (int64_t)ms.allocated);
    map_double(out, "allocator.rss-ratio", ms.active ? (double)ms.resident / (double)ms.active : 0);
    map_int(out, "allocator.rss-bytes", (int64_t)ms.resident - (int64_t)ms.active);
    map_double(out, "rss-overhead.ratio", ms.resident ? (double)rss / (double)ms.resident : 0);
    map_int(out, "rss-overhead.bytes", (int64_t)rss - (int64_t)ms.resident);
    map_double(out, "fragmentation", used ? (double)rss / (double)used : 0);
    map_int(out, "fragmentation.bytes", (int64_t)rss - (int64_t)used);
}

static void cmd_memory_purge(cmd_ctx *ctx) {
    if (mem_purge() == 0)
        reply_ok(ctx->out);
    else
        reply_error(ctx->out, "ERR Error purging dirty pages");
}

static void append_text(void *ctx, const char *text) {
    buf_append_str((buf *)ctx, text);
}

static void cmd_memory_malloc_stats(cmd_ctx *ctx) {
    buf b;
    buf_init(&b);
    mem_stats_report(append_text, &b);
    reply_verbatim(ctx->out, b.data ? b.data : "", b.len, "txt");
    buf_fini(&b);
}

static void cmd_memory_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "MALLOC-STATS",
        "    Return the allocator's own statistics report.",
        "PURGE",
        "    Ask the allocator to return unused pages to the system.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return the memory in bytes used by <key> and its value.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

#define ADM (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const command_def config_subcommands[] = {
    {.name = "get", .handler = cmd_config_get, .arity = -3, .flags = ADM, .group = "server",
     .since = "2.0.0", .summary = "Returns the values of configuration parameters.",
     .complexity = "O(N) in the number of parameters"},
    {.name = "set", .handler = cmd_config_set, .arity = -4, .flags = ADM,
     .tips = "request_policy:all_nodes response_policy:all_succeeded", .group = "server",
     .since = "2.0.0", .summary = "Sets configuration parameters, all or none.",
     .complexity = "O(N) in the number of parameters"},
    {.name = "resetstat", .handler = cmd_config_resetstat, .arity = 2, .flags = ADM,
     .group = "server", .since = "2.0.0", .summary = "Resets the server's statistics.",
     .complexity = "O(1)"},
    {.name = "rewrite", .handler = cmd_config_rewrite, .arity = 2, .flags = ADM, .group = "server",
     .since = "2.8.0", .summary = "Writes the running configuration back to the config file.",
     .complexity = "O(1)"},
    {.name = "help", .handler = cmd_config_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .group = "server", .since = "5.0.0", .summary = "Lists the CONFIG subcommands.",
     .complexity = "O(1)"},
    {0},
};

#define SLOW_FLAGS (CMD_ADMIN | CMD_LOADING | CMD_STALE)

static const command_def slowlog_subcommands[] = {
    {.name = "get", .handler = cmd_slowlog_get, .arity = -2, .flags = SLOW_FLAGS,
     .tips = "request_policy:all_nodes nondeterministic_output", .group = "server",
     .since = "2.2.12", .summary = "Returns the newest entries of the slow log.",
     .complexity = "O(N) in the number of entries returned"},
    {.name = "len", .handler = cmd_slowlog_len, .arity = 2, .flags = SLOW_FLAGS,
     .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
     .group = "server", .since = "2.2.12", .summary = "Returns the number of slow log entries.",
     .complexity = "O(1)"},
    {.name = "reset", .handler = cmd_slowlog_reset, .arity = 2, .flags = SLOW_FLAGS,
     .tips = "request_policy:all_nodes response_policy:all_succeeded", .group = "server",
     .since = "2.2.12", .summary = "Empties the slow log.",
     .complexity = "O(N) in the number of entries"},
    {.name = "help", .handler = cmd_slowlog_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .group = "server", .since = "6.2.0", .summary = "Lists the SLOWLOG subcommands.",
     .complexity = "O(1)"},
    {0},
};

static const command_def latency_subcommands[] = {
    {.name = "latest", .handler = cmd_latency_latest, .arity = 2, .flags = ADM,
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special",
     .group = "server", .since = "2.8.13", .summary = "Returns the latest sample of each event.",
     .complexity = "O(1)"},
    {.name = "history", .handler = cmd_latency_history, .arity = 3, .flags = ADM,
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special",
     .group = "server", .since = "2.8.13", .summary = "Returns the samples of an event.",
     .complexity = "O(1)"},
    {.name = "reset", .handler = cmd_latency_reset, .arity = -2, .flags = ADM,
     .tips = "request_policy:all_nodes response_policy:all_succeeded", .group = "server",
     .since = "2.8.13", .summary = "Forgets the samples of some or all events.",
     .complexity = "O(1)"},
    {.name = "help", .handler = cmd_latency_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .group = "server", .since = "2.8.13", .summary = "Lists the LATENCY subcommands.",
     .complexity = "O(1)"},
    {0},
};

static const command_def memory_subcommands[] = {
    {.name = "usage", .handler = cmd_memory_usage, .arity = -3, .flags = CMD_READONLY,
     .first_key = 2, .last_key = 2, .key_step = 1, .key_flags = "RO", .group = "server",
     .since = "4.0.0", .summary = "Returns the memory a key and its value take.",
     .complexity = "O(1) for strings"},
    {.name = "stats", .handler = cmd_memory_stats, .arity = 2,
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special",
     .group = "server", .since = "4.0.0", .summary = "Describes the server's memory use.",
     .complexity = "O(1)"},
    {.name = "purge", .handler = cmd_memory_purge, .arity = 2,
     .tips = "request_policy:all_shards response_policy:all_succeeded", .group = "server",
     .since = "4.0.0", .summary = "Returns unused allocator pages to the system.",
     .complexity = "Depends on how much memory the allocator holds"},
    {.name = "malloc-stats", .handler = cmd_memory_malloc_stats, .arity = 2,
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special",
     .group = "server", .since = "4.0.0", .summary = "Returns the allocator's statistics report.",
     .complexity = "Depends on how much memory the allocator holds"},
    {.name = "help", .handler = cmd_memory_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .group = "server", .since = "4.0.0", .summary = "Lists the MEMORY subcommands.",
     .complexity = "O(1)"},
    {0},
};

const command_def cmd_server_defs[] = {
    {.name = "info", .handler = cmd_info, .arity = -1,
     .flags = CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = "@dangerous",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special",
     .group = "server", .since = "1.0.0", .summary = "Returns information and statistics about the server.",
     .complexity = "O(1)"},
    {.name = "config", .arity = -2, .group = "server", .since = "2.0.0",
     .summary = "Commands about the server's configuration.", .complexity = "Depends on subcommand.",
     .subcommands = config_subcommands},
    {.name = "time", .handler = cmd_time, .arity = 1, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .tips = "nondeterministic_output", .group = "server", .since = "2.6.0",
     .summary = "Returns the server's time.", .complexity = "O(1)"},
    {.name = "lastsave", .handler = cmd_lastsave, .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .acl = "@admin @dangerous",
     .tips = "nondeterministic_output", .group = "server", .since = "1.0.0",
     .summary = "Returns the Unix time of the last successful save.", .complexity = "O(1)"},
    {.name = "shutdown", .handler = cmd_shutdown, .arity = -1,
     .flags = ADM | CMD_NO_MULTI | CMD_SENTINEL | CMD_ALLOW_BUSY, .group = "server",
     .since = "1.0.0", .summary = "Stops the server.", .complexity = "O(N) when saving"},
    {.name = "save", .handler = cmd_save, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI, .group = "server",
     .since = "1.0.0", .summary = "Writes the dataset to the RDB file and waits until done.",
     .complexity = "O(N) in the number of keys"},
    {.name = "bgrewriteaof", .handler = cmd_bgrewriteaof, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING, .group = "server",
     .since = "1.0.0", .summary = "Rewrites the append-only file in the background.",
     .complexity = "O(1) to start; the child does O(N)"},
    {.name = "bgsave", .handler = cmd_bgsave, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING, .group = "server",
     .since = "1.0.0", .summary = "Writes the dataset to the RDB file in the background.",
     .complexity = "O(1) to start; the child does O(N)"},
    {.name = "monitor", .handler = cmd_monitor, .arity = 1, .flags = ADM, .group = "server",
     .since = "1.0.0", .summary = "Streams every command the server runs.", .complexity = "O(1)"},
    {.name = "role", .handler = cmd_role, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_SENTINEL,
     .acl = "@admin @dangerous", .group = "server", .since = "2.8.12",
     .summary = "Returns the replication role of the server.", .complexity = "O(1)"},
    {.name = "debug", .handler = cmd_debug, .arity = -2, .flags = ADM | CMD_PROTECTED,
     .group = "server", .since = "1.0.0", .summary = "Debugging and testing helpers.",
     .complexity = "Depends on subcommand."},
    {.name = "slowlog", .arity = -2, .group = "server", .since = "2.2.12",
     .summary = "Commands about the slow log.", .complexity = "Depends on subcommand.",
     .subcommands = slowlog_subcommands},
    {.name = "latency", .arity = -2, .group = "server", .since = "2.8.13",
     .summary = "Commands about the latency monitor.", .complexity = "Depends on subcommand.",
     .subcommands = latency_subcommands},
    {.name = "memory", .arity = -2, .group = "server", .since = "4.0.0",
     .summary = "Commands about memory use.", .complexity = "Depends on subcommand.",
     .subcommands = memory_subcommands},
    {0},
};
