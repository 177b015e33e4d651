/* dispatch: from a parsed request to a handler call.
 *
 * The checks run in Redis 7.0's order, because clients observe which error
 * wins: existence, arity, protected commands (DEBUG), authentication, then
 * memory. Each check is a small function; nothing here knows about any
 * particular command beyond its flags.
 *
 * Every check refuses through dispatch_reject(), which also decides what
 * the refusal means for a transaction (server/multi.h). Inside MULTI a
 * command that passes every check is queued instead of called; EXEC later
 * runs the queue through the same call().
 *
 * After the call: statistics, the slow log, the latency monitor and MONITOR
 * feeds. */
#include "server/dispatch.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "data/keyspace.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/client.h"
#include "server/cluster_bus.h"
#include "cluster/cluster.h"
#include "base/keyslot.h"
#include "server/appendonly.h"
#include "server/config.h"
#include "server/latency.h"
#include "server/monitor.h"
#include "server/multi.h"
#include "server/replication.h"
#include "server/server.h"
#include "server/slowlog.h"
#include "server/snapshot.h"

void dispatch_reject(client *c, const command *cmd, const char *msg, size_t len) {
    if (cmd && multi_is_exec(cmd)) {
        multi_abort_exec(c, msg, len);
        return;
    }
    reply_error_len(&c->out, msg, len);
    multi_flag_failed(c);
}

static void reject(client *c, const command *cmd, const char *msg) {
    dispatch_reject(c, cmd, msg, strlen(msg));
}

static void rejectf(client *c, const command *cmd, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void rejectf(client *c, const command *cmd, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    dispatch_reject(c, cmd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

/* "unknown command 'x', with args beginning with: 'a' 'b' " */
static void reject_unknown(client *c, int argc, const resp_arg *argv, bool is_container) {
    char msg[512];
    size_t n;
    if (is_container) {
        char upper[64];
        cmd_upper_name(argv[0].ptr, argv[0].len, upper, sizeof(upper));
        int len1 = argv[1].len > 128 ? 128 : (int)argv[1].len;
        n = (size_t)snprintf(msg, sizeof(msg), "ERR unknown subcommand '%.*s'. Try %s HELP.", len1,
                             argv[1].ptr, upper);
    } else {
        int len0 = argv[0].len > 128 ? 128 : (int)argv[0].len;
        n = (size_t)snprintf(msg, sizeof(msg), "ERR unknown command '%.*s', with args beginning with: ",
                             len0, argv[0].ptr);
        size_t args_len = 0;
        for (int i = 1; i < argc && args_len < 128 && n < sizeof(msg) - 4; i++) {
            int room = 128 - (int)args_len;
            int alen = (int)argv[i].len < room ? (int)argv[i].len : room;
            int w = snprintf(msg + n, sizeof(msg) - n, "'%.*s' ", alen, argv[i].ptr);
            if (w < 0) break;
            n += (size_t)w;
            args_len += (size_t)w;
        }
    }
    if (n >= sizeof(msg)) n = sizeof(msg) - 1;
    /* Redis compat: the message stops at a NUL byte in an argument. */
    dispatch_reject(c, NULL, msg, strnlen(msg, n));
}

static bool check_arity(client *c, const command *cmd, int argc) {
    int arity = cmd->def->arity;
    if ((arity > 0 && arity != argc) || argc < -arity) {
        rejectf(c, cmd, "ERR wrong number of arguments for '%s' command", cmd->fullname);
        return false;
    }
    return true;
}

static bool check_protected(client *c, const command *cmd, const config_values *cv) {
    if (!(cmd->def->flags & CMD_PROTECTED)) return true;
    int mode = cv->enable_debug_command;
    if (mode == CFG_PROTECTED_YES) return true;
    if (mode == CFG_PROTECTED_LOCAL && (c->flags & CLIENT_LOCAL)) return true;
    reject(c, cmd, ERRMSG_DEBUG_NOT_ALLOWED);
    return false;
}

static bool check_memory(client *c, const command *cmd, const config_values *cv) {
    if (cv->maxmemory <= 0) return true;
    bool out_of_memory = server_perform_evictions(c->srv);
    if (out_of_memory && ((multi_effective_flags(c, cmd) & CMD_DENYOOM) ||
                          multi_refused_when_oom(c, cmd))) {
        reject(c, cmd, ERRMSG_OOM);
        return false;
    }
    return true;
}

/* Writes are refused while the last background save failed (with
 * stop-writes-on-bgsave-error) or while appending to the AOF fails.
 * Redis compat: PING is refused too, so health checks notice. */
static bool check_disk_errors(client *c, const command *cmd) {
    if (!(multi_effective_flags(c, cmd) & CMD_WRITE) && strcmp(cmd->def->name, "ping") != 0)
        return true;
    server *srv = c->srv;
    if (snapshot_writes_denied(server_snapshot(srv))) {
        reject(c, cmd, ERRMSG_MISCONF);
        return false;
    }
    const char *aof_error = appendonly_write_error(server_appendonly(srv));
    if (aof_error) {
        rejectf(c, cmd, "MISCONF Errors writing to the AOF file: %s", aof_error);
        return false;
    }
    return true;
}

/* Redis's order: NOREPLICAS (a primary short of good replicas), READONLY
 * (a read-only replica), MASTERDOWN (a replica that serves no stale data
 * while its link is down). */
static bool check_replication(client *c, const command *cmd, const config_values *cv) {
    replication *r = server_replication(c->srv);
    uint64_t flags = multi_effective_flags(c, cmd);
    bool write = (flags & CMD_WRITE) != 0;
    if (write && !repl_is_replica(r) && cv->min_replicas_to_write > 0 &&
        repl_good_replicas(r) < cv->min_replicas_to_write) {
        reject(c, cmd, "NOREPLICAS Not enough good replicas to write.");
        return false;
    }
    if (write && repl_is_replica(r) && cv->replica_read_only) {
        reject(c, cmd, "READONLY You can't write against a read only replica.");
        return false;
    }
    if (repl_is_replica(r) && !repl_link_up(r) && !cv->replica_serve_stale_data &&
        !(flags & CMD_STALE)) {
        reject(c, cmd, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is "
                       "set to 'no'.");
        return false;
    }
    return true;
}

/* Cluster mode: does this node serve the keys of the command? The order of
 * the answers follows Redis (compat.md §3.2): CROSSSLOT, an unbound slot,
 * the cluster being down, then migration (ASK, TRYAGAIN), import (with
 * ASKING), replica reads (READONLY), and finally MOVED to the owner. EXEC
 * is routed by the keys of everything it queued. */
#define ROUTE_MAX_KEYS 256

typedef struct route {
    cluster_state *st;
    db *d;
    bool asking;
    int slot;
    cnode *n;
    const resp_arg *first; /* the first key seen */
    bool migrating, importing;
    bool asked;    /* the command of the first key came with ASKING */
    bool multiple; /* some key differs from the first (one key repeated is not) */
    int missing, existing;
    char error[96];
} route;

/* Adds the keys of one command; false with route->error set on CROSSSLOT
 * or an unbound slot. */
static bool route_add(route *r, const command *cmd, int argc, const resp_arg *argv) {
    if (!command_has_keys(cmd)) return true;
    int idx_stack[ROUTE_MAX_KEYS];
    int total = command_get_keys(cmd, argc, argv, idx_stack, ROUTE_MAX_KEYS);
    int *idx = idx_stack;
    if (total > ROUTE_MAX_KEYS) {
        idx = mem_alloc(sizeof(int) * (size_t)total);
        command_get_keys(cmd, argc, argv, idx, total);
    }
    bool ok = true;
    bool asking = r->asking || (cmd->def->flags & CMD_ASKING);
    for (int i = 0; i < total && ok; i++) {
        const resp_arg *k = &argv[idx[i]];
        int s = (int)keyslot(k->ptr, k->len);
        if (r->slot < 0) {
            r->slot = s;
            r->first = k;
            r->asked = asking;
            r->n = r->st->slots[s];
            if (r->n == NULL) {
                snprintf(r->error, sizeof(r->error), "CLUSTERDOWN Hash slot not served");
                ok = false;
                break;
            }
            /* Importing is noted with or without ASKING: MIGRATE is run
             * here either way while the slot is open. */
            if (r->n == r->st->myself && r->st->migrating_to[s])
                r->migrating = true;
            else if (r->st->importing_from[s])
                r->importing = true;
        } else if (k->len != r->first->len || memcmp(k->ptr, r->first->ptr, k->len) != 0) {
            if (s != r->slot) {
                snprintf(r->error, sizeof(r->error), "CROSSSLOT Keys in request don't hash to the same slot");
                ok = false;
                break;
            }
            r->multiple = true;
        }
        if (r->migrating || r->importing) {
            kv *e = db_find(r->d, k->ptr, k->len);
            if (e == NULL || db_is_expired(r->d, e))
                r->missing++;
            else
                r->existing++;
        }
    }
    if (idx != idx_stack) mem_free(idx);
    return ok;
}

static void redirect_text(route *r, client *c, const char *kind, const cnode *n) {
    int type = config_get_values(server_config(c->srv))->cluster_preferred_endpoint_type;
    const char *ep = n->ip;
    if (type == 1) ep = n->hostname ? n->hostname : "?";
    if (type == 2) ep = "?";
    snprintf(r->error, sizeof(r->error), "%s %d %s:%d", kind, r->slot, ep, n->port);
}

/* Decides; false with r->error set when the command must go elsewhere. */
static bool route_decide(route *r, client *c, const command *cmd, bool write) {
    cluster_state *st = r->st;
    if (r->n == NULL) return true; /* no keys after all */
    if (st->state != CLUSTER_OK) {
        const config_values *cv = config_get_values(server_config(c->srv));
        if (!cv->cluster_allow_reads_when_down) {
            snprintf(r->error, sizeof(r->error), "CLUSTERDOWN The cluster is down");
            return false;
        }
        if (write) {
            snprintf(r->error, sizeof(r->error), "CLUSTERDOWN The cluster is down and only accepts read commands");
            return false;
        }
    }
    if (write && st->writes_fenced && r->n == st->myself) {
        snprintf(r->error, sizeof(r->error), "CLUSTERDOWN The cluster is down");
        return false;
    }
    if ((r->migrating || r->importing) && strcmp(cmd->fullname, "migrate") == 0) return true;
    if (r->migrating && r->missing > 0) {
        if (r->existing > 0)
            snprintf(r->error, sizeof(r->error), "TRYAGAIN Multiple keys request during rehashing of slot");
        else
            redirect_text(r, c, "ASK", st->migrating_to[r->slot]);
        return false;
    }
    if (r->importing && r->asked) {
        /* Redis compat: one key named twice (MSET k 1 k 2, a transaction
         * that INCRs k twice) counts as one key here. */
        if (r->multiple && r->missing > 0) {
            snprintf(r->error, sizeof(r->error), "TRYAGAIN Multiple keys request during rehashing of slot");
            return false;
        }
        return true;
    }
    if (!write && (c->sess.flags & SESSION_READONLY) && (st->myself->flags & CNODE_SLAVE) &&
        st->myself->master == r->n)
        return true;
    if (r->n != st->myself) {
        redirect_text(r, c, "MOVED", r->n);
        return false;
    }
    return true;
}

static bool check_cluster(client *c, const command *cmd, int argc, const resp_arg *argv) {
    cluster_bus *bus = server_cluster_bus(c->srv);
    if (bus == NULL || (c->flags & CLIENT_PRIMARY)) return true;
    bool exec = multi_is_exec(cmd) && (c->flags & CLIENT_MULTI);
    if (!exec && !command_has_keys(cmd)) return true;
    route r = {.st = cluster_bus_engine(bus)->st,
               .d = keyspace_db(server_keyspace(c->srv), 0),
               .asking = (c->sess.flags & SESSION_ASKING) != 0,
               .slot = -1};
    bool ok = true;
    if (exec) {
        for (int i = 0; i < c->multi.count && ok; i++)
            ok = route_add(&r, c->multi.cmds[i].cmd, c->multi.cmds[i].argc, c->multi.cmds[i].argv);
    } else {
        ok = route_add(&r, cmd, argc, argv);
    }
    if (ok) ok = route_decide(&r, c, cmd, (multi_effective_flags(c, cmd) & CMD_WRITE) != 0);
    if (ok) return true;
    if (exec) {
        /* Redis compat: the transaction is dropped and EXEC itself gets the
         * redirection, not EXECABORT. */
        multi_discard(c);
        reply_error(&c->out, r.error);
    } else {
        reject(c, cmd, r.error);
    }
    return false;
}

static bool is_security_attack(const resp_arg *a0) {
    return arg_eq(a0, "host:") || arg_eq(a0, "post");
}

/* Returns whether the command changed data or sent anything to the write
 * stream. */
static bool call(client *c, command *cmd, int argc, const resp_arg *argv) {
    server *srv = c->srv;
    keyspace *ks = server_keyspace(srv);
    int64_t start = clock_mono_us();
    keyspace_set_now(ks, c->last_active_ms);
    /* Inside EXEC each queued command charges its own errors; EXEC is
     * charged only with those it answers itself. */
    c->errors_seen = c->out.error_count;
    bool nested = (c->flags & CLIENT_IN_EXEC) != 0;

    cmd_ctx ctx = {0};
    ctx.argc = argc;
    ctx.argv = argv;
    ctx.cmd = cmd;
    ctx.sess = &c->sess;
    ctx.ks = ks;
    ctx.db = keyspace_db(ks, c->sess.db);
    ctx.out = &c->out;
    ctx.opts = server_cmd_options(srv);
    ctx.server = srv;
    ctx.prop = server_prop_batch(srv);
    if (!nested) c->last_cmd = cmd;
    /* Applying the primary's stream: its keys live as long as it says. */
    bool primary = (c->flags & CLIENT_PRIMARY) != 0;
    if (primary) keyspace_set_expire_mode(ks, KS_EXPIRE_IGNORE);
    cmd->def->handler(&ctx);
    if (primary) server_refresh_expire_mode(srv);
    if (ctx.prop) {
        cmd_propagate_finish(&ctx);
        /* A queued command's writes wait for the end of EXEC: one unit. */
        if (!nested) server_propagate(srv, true);
    }
    /* WAIT counts replicas that acknowledged this client's last write. */
    bool wrote = ctx.dirty > 0 || ctx.propagated;
    if (wrote) c->woff = repl_offset(server_replication(srv));

    int64_t duration = clock_mono_us() - start;
    cmd->calls++;
    cmd->usec += (uint64_t)duration;
    if (c->out.error_count != c->errors_seen) cmd->failed_calls++;
    c->errors_seen = c->out.error_count;
    server_stats *st = server_stats_of(srv);
    st->commands_processed++;
    st->dirty += ctx.dirty;

    const config_values *cv = config_get_values(server_config(srv));
    /* Passwords never reach the slow log or MONITOR. */
    resp_arg *shown = NULL;
    if (ctx.redacted) {
        shown = mem_alloc(sizeof(resp_arg) * (size_t)argc);
        for (int i = 0; i < argc; i++)
            shown[i] = cmd_arg_redacted(&ctx, i) ? (resp_arg){.ptr = "(redacted)", .len = 10}
                                                 : argv[i];
        argv = shown;
    }
    if (cv->slowlog_log_slower_than >= 0 && duration >= cv->slowlog_log_slower_than &&
        !(cmd->def->flags & CMD_SKIP_SLOWLOG))
        slowlog_record(server_slowlog(srv), argc, argv, duration, cv->slowlog_log_slower_than,
                       cv->slowlog_max_len, c->addr, c->sess.name);
    if (cv->latency_monitor_threshold > 0)
        latency_record(server_latency(srv), (cmd->def->flags & CMD_FAST) ? "fast-command" : "command",
                       duration / 1000, cv->latency_monitor_threshold);
    if (!list_empty(server_monitors(srv)) && !(cmd->def->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        monitor_feed(srv, c, argc, argv);
    mem_free(shown);
    return wrote;
}

bool dispatch_call(client *c, command *cmd, int argc, const resp_arg *argv) {
    return call(c, cmd, argc, argv);
}

/* Pipelines usually repeat one command, so the connection's previous
 * top-level command is compared first; a hash lookup only on a miss. */
static command *lookup_cached(client *c, int argc, const resp_arg *argv, bool *is_container) {
    const command *last = c->last_cmd;
    if (last && last->parent == NULL && last->subs == NULL && arg_eq(&argv[0], last->def->name))
        return (command *)(uintptr_t)last;
    return command_lookup(server_commands(c->srv), argc, argv, is_container);
}

void dispatch_command(client *c, int argc, const resp_arg *argv) {
    server *srv = c->srv;
    c->last_active_ms = clock_wall_ms();

    /* CLIENT REPLY OFF / SKIP: remember where this command's reply starts so
     * it can be dropped afterwards. */
    bool skip_this = (c->sess.flags & SESSION_REPLY_SKIP) != 0;
    reply_mark mark;
    reply_mark_get(&c->out, &mark);

    if (is_security_attack(&argv[0])) {
        log_warning("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or "
                    "Host: commands to Redis. This is likely due to an attacker attempting to use "
                    "Cross Protocol Scripting to compromise your Redis instance. Connection from %s "
                    "aborted.",
                    c->addr);
        client_close_asap(c);
        return;
    }

    /* The primary's stream is obeyed: no memory, disk or role checks, and
     * no replies go back (only REPLCONF ACK when asked). */
    bool primary = (c->flags & CLIENT_PRIMARY) != 0;
    bool is_container = false;
    bool called = false;
    command *cmd = lookup_cached(c, argc, argv, &is_container);
    const config_values *cv = config_get_values(server_config(srv));
    if (cmd == NULL) {
        reject_unknown(c, argc, argv, is_container);
    } else if (!check_arity(c, cmd, argc) || !check_protected(c, cmd, cv)) {
        cmd->rejected_calls++;
    } else if (!c->sess.authenticated && server_auth_required(srv) &&
               !(cmd->def->flags & CMD_NO_AUTH)) {
        reject(c, cmd, ERRMSG_NOAUTH);
        cmd->rejected_calls++;
    } else if ((c->flags & CLIENT_MULTI) && (cmd->def->flags & CMD_NO_MULTI)) {
        reject(c, cmd, "ERR Command not allowed inside a transaction");
        cmd->rejected_calls++;
    } else if (!check_cluster(c, cmd, argc, argv)) {
        cmd->rejected_calls++;
    } else if (!primary && !check_memory(c, cmd, cv)) {
        cmd->rejected_calls++;
    } else if (!primary && !check_disk_errors(c, cmd)) {
        cmd->rejected_calls++;
    } else if (!primary && !check_replication(c, cmd, cv)) {
        cmd->rejected_calls++;
    } else if (server_is_loading(srv) && !(multi_effective_flags(c, cmd) & CMD_LOADING)) {
        reject(c, cmd, ERRMSG_LOADING);
        cmd->rejected_calls++;
    } else if (multi_queues(c, cmd)) {
        multi_queue(c, cmd, argc, argv);
    } else {
        call(c, cmd, argc, argv);
        called = true;
    }
    /* Redis compat: a refused EXEC, which ended its transaction, still
     * shows in MONITOR. */
    if (cmd && !called && multi_is_exec(cmd) && !list_empty(server_monitors(srv)))
        monitor_feed(srv, c, argc, argv);

    if (skip_this || (c->sess.flags & SESSION_REPLY_OFF) || primary) reply_rollback(&c->out, &mark);
    if (primary) repl_send_ack_if_asked(server_replication(srv), c);
    c->sess.flags &= ~SESSION_REPLY_SKIP;
    /* ASKING covers the next command, or a whole transaction. */
    if (!(c->flags & CLIENT_MULTI) && (cmd == NULL || strcmp(cmd->fullname, "asking") != 0))
        c->sess.flags &= ~(unsigned)SESSION_ASKING;
    if (c->sess.flags & SESSION_REPLY_SKIP_NEXT) {
        c->sess.flags &= ~SESSION_REPLY_SKIP_NEXT;
        c->sess.flags |= SESSION_REPLY_SKIP;
    }
    if (c->out.pending >= server_output_check_bytes(srv) && !(c->flags & CLIENT_CLOSE_ASAP))
        client_check_output_limits(c);
}

bool dispatch_must_pause(client *c, int argc, const resp_arg *argv) {
    cluster_bus *bus = server_cluster_bus(c->srv);
    if (bus == NULL || !cluster_bus_writes_paused(bus) || (c->flags & CLIENT_PRIMARY)) return false;
    bool is_container = false;
    command *cmd = command_lookup(server_commands(c->srv), argc, argv, &is_container);
    return cmd && (cmd->def->flags & (CMD_WRITE | CMD_MAY_REPLICATE));
}

int dispatch_replay(struct server *srv, session *sess, int argc, const resp_arg *argv, buf *err) {
    if (argc <= 0) {
        buf_append_str(err, "empty command");
        return -1;
    }
    bool is_container = false;
    command *cmd = command_lookup(server_commands(srv), argc, argv, &is_container);
    if (cmd == NULL) {
        buf_printf(err, "unknown command '%.*s'", argv[0].len > 64 ? 64 : (int)argv[0].len,
                   argv[0].ptr);
        return -1;
    }
    int arity = cmd->def->arity;
    if ((arity > 0 && arity != argc) || argc < -arity) {
        buf_printf(err, "wrong number of arguments for '%s'", cmd->fullname);
        return -1;
    }
    /* A stream holds writes and SELECT; reads change nothing and are
     * skipped. Anything else would need a connection to run against. */
    bool is_select = strcmp(cmd->fullname, "select") == 0;
    if (!(cmd->def->flags & CMD_WRITE) && !is_select) {
        if (cmd->def->flags & CMD_READONLY) return 0;
        buf_printf(err, "'%s' cannot be replayed", cmd->fullname);
        return -1;
    }
    keyspace *ks = server_keyspace(srv);
    keyspace_set_now(ks, clock_wall_ms());
    reply out;
    reply_init(&out);
    cmd_ctx ctx = {0};
    ctx.argc = argc;
    ctx.argv = argv;
    ctx.cmd = cmd;
    ctx.sess = sess;
    ctx.ks = ks;
    ctx.db = keyspace_db(ks, sess->db);
    ctx.out = &out;
    ctx.opts = server_cmd_options(srv);
    ctx.server = srv;
    cmd->def->handler(&ctx);
    server_stats_of(srv)->dirty += ctx.dirty;
    /* SELECT with a bad index must stop the load: what follows would land
     * in the wrong database. Other errors (a write refused by the data it
     * met) were refused the same way when first run. */
    int rc = 0;
    if (is_select && out.error_count > 0) {
        buf_append_str(err, "invalid database in SELECT");
        rc = -1;
    }
    reply_fini(&out);
    return rc;
}
