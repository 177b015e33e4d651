/* CLUSTER and its subcommands: what redis-cli --cluster, clients and
 * operators use to inspect and change the cluster (compat.md §3.3–3.7).
 * The rules live in cluster/cluster.c; these handlers parse, check and
 * reply. */
#include <stdio.h>
#include <string.h>

#include "base/keyslot.h"
#include "base/mem.h"
#include "base/number.h"
#include "cluster/cluster.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "data/keyspace.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/client.h"
#include "server/cluster_bus.h"
#include "server/config.h"
#include "server/replication.h"
#include "server/server.h"
#include "server/server_commands.h"
#include "base/clock.h"

static bool cmd_i64_parse(const resp_arg *a, int64_t *out) { return number_parse_i64(a->ptr, a->len, out); }

static cluster_bus *bus_or_reply(cmd_ctx *ctx) {
    cluster_bus *b = ctx->server ? server_cluster_bus(ctx->server) : NULL;
    if (b == NULL) reply_error(ctx->out, ERRMSG_CLUSTER_DISABLED);
    return b;
}

#define CLUSTER_OR_RETURN(cl)                                                                      \
    cluster_bus *bus_ = bus_or_reply(ctx);                                                         \
    if (bus_ == NULL) return;                                                                      \
    cluster *cl = cluster_bus_engine(bus_)

static void reply_err_buf(cmd_ctx *ctx, buf *err) {
    reply_error_len(ctx->out, err->data, err->len);
    buf_fini(err);
}

static void reply_status(cmd_ctx *ctx, int rc, buf *err) {
    if (rc < 0)
        reply_err_buf(ctx, err);
    else {
        buf_fini(err);
        reply_ok(ctx->out);
    }
}

/* A slot number argument, or -1 after replying Redis's error. */
static int slot_arg(cmd_ctx *ctx, const resp_arg *a) {
    int64_t v;
    if (!cmd_i64_parse(a, &v) || v < 0 || v >= CLUSTER_SLOTS) {
        reply_errorf(ctx->out, "ERR Invalid or out of range slot");
        return -1;
    }
    return (int)v;
}

static cnode *node_arg(cluster *cl, const resp_arg *a) {
    return cluster_state_find(cl->st, a->ptr, a->len);
}

static db *db0(cmd_ctx *ctx) { return keyspace_db(server_keyspace(ctx->server), 0); }

/* ---- introspection ---- */

static void cmd_cluster_info(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    (void)cl;
    buf out;
    buf_init(&out);
    cluster_bus_info(bus_, &out);
    reply_verbatim(ctx->out, out.data, out.len, "txt");
    buf_fini(&out);
}

static void cmd_cluster_nodes(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    buf out;
    buf_init(&out);
    cluster_nodes_text(cl->st, false, &out);
    reply_verbatim(ctx->out, out.data ? out.data : "", out.len, "txt");
    buf_fini(&out);
}

static void cmd_cluster_myid(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    reply_bulk(ctx->out, cl->st->myself->name, CLUSTER_NAMELEN);
}

static void cmd_cluster_keyslot(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    (void)cl;
    reply_int(ctx->out, keyslot(ctx->argv[2].ptr, ctx->argv[2].len));
}

static void cmd_cluster_countkeysinslot(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    (void)cl;
    int64_t s;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &s, NULL)) return;
    if (s < 0 || s >= CLUSTER_SLOTS) {
        reply_error(ctx->out, "ERR Invalid slot");
        return;
    }
    reply_int(ctx->out, (int64_t)db_slot_count(db0(ctx), (unsigned)s));
}

static void cmd_cluster_getkeysinslot(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    (void)cl;
    int64_t s, n;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &s, NULL) || !cmd_i64_or_reply(ctx, &ctx->argv[3], &n, NULL))
        return;
    if (s < 0 || s >= CLUSTER_SLOTS || n < 0) {
        reply_error(ctx->out, "ERR Invalid slot or number of keys");
        return;
    }
    db *d = db0(ctx);
    size_t have = db_slot_count(d, (unsigned)s);
    size_t want = (uint64_t)n < have ? (size_t)n : have;
    kv **entries = mem_alloc(sizeof(kv *) * (want ? want : 1));
    size_t got = db_slot_keys(d, (unsigned)s, entries, want);
    reply_array(ctx->out, (int64_t)got);
    for (size_t i = 0; i < got; i++) {
        size_t len;
        const char *k = kv_key(entries[i], &len);
        reply_bulk(ctx->out, k, len);
    }
    mem_free(entries);
}

static void cmd_cluster_count_failure_reports(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    cnode *n = node_arg(cl, &ctx->argv[2]);
    if (n == NULL) {
        reply_errorf(ctx->out, "ERR Unknown node %.*s", (int)ctx->argv[2].len, ctx->argv[2].ptr);
        return;
    }
    reply_int(ctx->out, cnode_count_reports(n, clock_wall_ms(), cl->cfg.node_timeout * 2));
}

/* The endpoint clients should use for n, as cluster-preferred-endpoint-type
 * says: NULL means "unknown" ('?' in redirections, null in SLOTS). */
static const char *endpoint_of(cmd_ctx *ctx, const cnode *n) {
    int type = config_get_values(server_config(ctx->server))->cluster_preferred_endpoint_type;
    if (type == 1) return n->hostname ? n->hostname : "?";
    if (type == 2) return NULL;
    return n->ip;
}

static void slots_node(cmd_ctx *ctx, const cnode *n) {
    int type = config_get_values(server_config(ctx->server))->cluster_preferred_endpoint_type;
    const char *ep = endpoint_of(ctx, n);
    int meta = 0;
    if (type != 0 && n->ip[0]) meta++;
    if (type != 1 && n->hostname) meta++;
    reply_array(ctx->out, 4);
    if (ep)
        reply_bulk_cstr(ctx->out, ep);
    else
        reply_null(ctx->out);
    reply_int(ctx->out, n->port);
    reply_bulk(ctx->out, n->name, CLUSTER_NAMELEN);
    reply_map(ctx->out, meta);
    if (type != 0 && n->ip[0]) {
        reply_bulk_cstr(ctx->out, "ip");
        reply_bulk_cstr(ctx->out, n->ip);
    }
    if (type != 1 && n->hostname) {
        reply_bulk_cstr(ctx->out, "hostname");
        reply_bulk_cstr(ctx->out, n->hostname);
    }
}

/* A node's replication offset as CLUSTER SLOTS/SHARDS show it. Peers report
 * theirs in every ping; our own never goes through the node table, so it
 * comes from the replication state. */
static int64_t node_offset(cmd_ctx *ctx, const cluster *cl, const cnode *n) {
    return n == cl->st->myself ? repl_offset(server_replication(ctx->server)) : n->repl_offset;
}

/* CLUSTER SLOTS leaves out failed replicas and those with nothing replicated. */
static bool listed_replica(cmd_ctx *ctx, const cluster *cl, const cnode *r) {
    return !(r->flags & CNODE_FAIL) && node_offset(ctx, cl, r) != 0;
}

static void cmd_cluster_slots(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    cluster_state *st = cl->st;
    reply_deferred d = reply_defer(ctx->out);
    int ranges = 0;
    for (int s = 0; s < CLUSTER_SLOTS;) {
        cnode *n = st->slots[s];
        if (n == NULL) {
            s++;
            continue;
        }
        int start = s;
        while (s < CLUSTER_SLOTS && st->slots[s] == n) s++;
        int replicas = 0;
        for (int i = 0; i < n->num_replicas; i++)
            if (listed_replica(ctx, cl, n->replicas[i])) replicas++;
        reply_array(ctx->out, 3 + replicas);
        reply_int(ctx->out, start);
        reply_int(ctx->out, s - 1);
        slots_node(ctx, n);
        for (int i = 0; i < n->num_replicas; i++)
            if (listed_replica(ctx, cl, n->replicas[i])) slots_node(ctx, n->replicas[i]);
        ranges++;
    }
    reply_set_array_len(ctx->out, d, ranges);
}

static void shard_node(cmd_ctx *ctx, cluster *cl, const cnode *n) {
    const char *ep = endpoint_of(ctx, n);
    reply_map(ctx->out, n->hostname ? 8 : 7);
    reply_bulk_cstr(ctx->out, "id");
    reply_bulk(ctx->out, n->name, CLUSTER_NAMELEN);
    reply_bulk_cstr(ctx->out, "port");
    reply_int(ctx->out, n->port);
    reply_bulk_cstr(ctx->out, "ip");
    reply_bulk_cstr(ctx->out, n->ip);
    reply_bulk_cstr(ctx->out, "endpoint");
    reply_bulk_cstr(ctx->out, ep ? ep : "?");
    if (n->hostname) {
        reply_bulk_cstr(ctx->out, "hostname");
        reply_bulk_cstr(ctx->out, n->hostname);
    }
    reply_bulk_cstr(ctx->out, "role");
    reply_bulk_cstr(ctx->out, cnode_is_master(n) ? "master" : "replica");
    int64_t offset = node_offset(ctx, cl, n);
    reply_bulk_cstr(ctx->out, "replication-offset");
    reply_int(ctx->out, offset);
    reply_bulk_cstr(ctx->out, "health");
    const char *health = "online";
    if (n->flags & CNODE_FAIL)
        health = "fail";
    else if (!cnode_is_master(n) && offset == 0)
        health = "loading";
    reply_bulk_cstr(ctx->out, health);
}

static void cmd_cluster_shards(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    cluster_state *st = cl->st;
    int masters = 0;
    for (int i = 0; i < st->num_nodes; i++)
        if (cnode_is_master(st->nodes[i]) && !(st->nodes[i]->flags & CNODE_HANDSHAKE)) masters++;
    reply_array(ctx->out, masters);
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (!cnode_is_master(n) || (n->flags & CNODE_HANDSHAKE)) continue;
        reply_map(ctx->out, 2);
        reply_bulk_cstr(ctx->out, "slots");
        reply_deferred d = reply_defer(ctx->out);
        int items = 0;
        for (int s = 0; s < CLUSTER_SLOTS;) {
            if (!cnode_has_slot(n, s)) {
                s++;
                continue;
            }
            int start = s;
            while (s < CLUSTER_SLOTS && cnode_has_slot(n, s)) s++;
            reply_int(ctx->out, start);
            reply_int(ctx->out, s - 1);
            items += 2;
        }
        reply_set_array_len(ctx->out, d, items);
        reply_bulk_cstr(ctx->out, "nodes");
        reply_array(ctx->out, 1 + n->num_replicas);
        shard_node(ctx, cl, n);
        for (int j = 0; j < n->num_replicas; j++) shard_node(ctx, cl, n->replicas[j]);
    }
}

static void cmd_cluster_replicas(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    cnode *n = node_arg(cl, &ctx->argv[2]);
    if (n == NULL) {
        reply_errorf(ctx->out, "ERR Unknown node %.*s", (int)ctx->argv[2].len, ctx->argv[2].ptr);
        return;
    }
    if (!cnode_is_master(n)) {
        reply_error(ctx->out, "ERR The specified node is not a master");
        return;
    }
    reply_array(ctx->out, n->num_replicas);
    for (int i = 0; i < n->num_replicas; i++) {
        buf line;
        buf_init(&line);
        cluster_node_line(cl->st, n->replicas[i], &line);
        reply_bulk(ctx->out, line.data, line.len);
        buf_fini(&line);
    }
}

static void cmd_cluster_links(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    (void)cl;
    cluster_bus_links_reply(bus_, ctx->out);
}

/* ---- slots ---- */

/* ADDSLOTS / DELSLOTS (ranges: pairs of bounds). All or nothing. */
static void change_slots(cmd_ctx *ctx, bool add, bool ranges) {
    CLUSTER_OR_RETURN(cl);
    cluster_state *st = cl->st;
    if (ranges && (ctx->argc - 2) % 2 != 0) {
        reply_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", ctx->cmd->fullname);
        return;
    }
    uint8_t *seen = mem_calloc(1, CLUSTER_SLOTS);
    bool ok = true;
    for (int i = 2; i < ctx->argc && ok; i += ranges ? 2 : 1) {
        int a = slot_arg(ctx, &ctx->argv[i]);
        if (a < 0) {
            ok = false;
            break;
        }
        int z = a;
        if (ranges) {
            z = slot_arg(ctx, &ctx->argv[i + 1]);
            if (z < 0) {
                ok = false;
                break;
            }
            if (a > z) {
                reply_errorf(ctx->out, "ERR start slot number %d is greater than end slot number %d", a, z);
                ok = false;
                break;
            }
        }
        for (int s = a; s <= z; s++) {
            if (add && st->slots[s]) {
                reply_errorf(ctx->out, "ERR Slot %d is already busy", s);
                ok = false;
                break;
            }
            if (!add && st->slots[s] == NULL) {
                reply_errorf(ctx->out, "ERR Slot %d is already unassigned", s);
                ok = false;
                break;
            }
            if (seen[s]++) {
                reply_errorf(ctx->out, "ERR Slot %d specified multiple times", s);
                ok = false;
                break;
            }
        }
    }
    if (ok) {
        for (int s = 0; s < CLUSTER_SLOTS; s++) {
            if (!seen[s]) continue;
            if (add) {
                /* The slot is ours now: any import of it is over. */
                st->importing_from[s] = NULL;
                cluster_state_add_slot(st, st->myself, s);
            } else {
                cluster_state_del_slot(st, s);
            }
        }
        cl->todo |= CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE;
        reply_ok(ctx->out);
    }
    mem_free(seen);
}

static void cmd_cluster_addslots(cmd_ctx *ctx) { change_slots(ctx, true, false); }
static void cmd_cluster_delslots(cmd_ctx *ctx) { change_slots(ctx, false, false); }
static void cmd_cluster_addslotsrange(cmd_ctx *ctx) { change_slots(ctx, true, true); }
static void cmd_cluster_delslotsrange(cmd_ctx *ctx) { change_slots(ctx, false, true); }

static void cmd_cluster_flushslots(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    if (db_size(db0(ctx)) != 0) {
        reply_error(ctx->out, "ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
        return;
    }
    cluster_state_del_node_slots(cl->st, cl->st->myself);
    cl->todo |= CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE;
    reply_ok(ctx->out);
}

static void cmd_cluster_setslot(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    if (!cnode_is_master(me)) {
        reply_error(ctx->out, "ERR Please use SETSLOT only with masters.");
        return;
    }
    int slot = slot_arg(ctx, &ctx->argv[2]);
    if (slot < 0) return;
    const resp_arg *action = &ctx->argv[3];
    bool stable = arg_eq(action, "stable") && ctx->argc == 4;
    bool with_node = (arg_eq(action, "migrating") || arg_eq(action, "importing") || arg_eq(action, "node")) &&
                     ctx->argc == 5;
    if (!stable && !with_node) {
        reply_error(ctx->out, "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
        return;
    }
    if (stable) {
        if (st->migrating_to[slot] || st->importing_from[slot]) cl->todo |= CLUSTER_TODO_SAVE;
        st->migrating_to[slot] = NULL;
        st->importing_from[slot] = NULL;
        reply_ok(ctx->out);
        return;
    }
    cnode *n = node_arg(cl, &ctx->argv[4]);
    bool migrating = arg_eq(action, "migrating");
    if (migrating || arg_eq(action, "importing")) {
        /* Redis's checks, in its order: ownership, then the node. */
        if (migrating && st->slots[slot] != me) {
            reply_errorf(ctx->out, "ERR I'm not the owner of hash slot %d", slot);
            return;
        }
        if (!migrating && st->slots[slot] == me) {
            reply_errorf(ctx->out, "ERR I'm already the owner of hash slot %d", slot);
            return;
        }
        if (n == NULL) {
            reply_errorf(ctx->out, "ERR I don't know about node %.*s", (int)ctx->argv[4].len, ctx->argv[4].ptr);
            return;
        }
        if (!cnode_is_master(n)) {
            reply_error(ctx->out, "ERR Target node is not a master");
            return;
        }
        cnode **open = migrating ? &st->migrating_to[slot] : &st->importing_from[slot];
        if (*open != n) cl->todo |= CLUSTER_TODO_SAVE;
        *open = n;
    } else {
        if (n == NULL) {
            reply_errorf(ctx->out, "ERR Unknown node %.*s", (int)ctx->argv[4].len, ctx->argv[4].ptr);
            return;
        }
        if (!cnode_is_master(n)) {
            reply_error(ctx->out, "ERR Target node is not a master");
            return;
        }
        buf err;
        buf_init(&err);
        if (cluster_setslot_node(cl, slot, n, &err) < 0) {
            reply_err_buf(ctx, &err);
            return;
        }
        buf_fini(&err);
    }
    reply_ok(ctx->out);
}

/* ---- membership and roles ---- */

static void cmd_cluster_meet(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    if (ctx->argc > 5) {
        reply_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", ctx->cmd->fullname);
        return;
    }
    int64_t port, cport;
    if (!cmd_i64_parse(&ctx->argv[3], &port)) {
        reply_errorf(ctx->out, "ERR Invalid TCP base port specified: %.*s", (int)ctx->argv[3].len, ctx->argv[3].ptr);
        return;
    }
    if (ctx->argc == 5) {
        if (!cmd_i64_parse(&ctx->argv[4], &cport)) {
            reply_errorf(ctx->out, "ERR Invalid TCP bus port specified: %.*s", (int)ctx->argv[4].len,
                         ctx->argv[4].ptr);
            return;
        }
    } else {
        cport = port + 10000;
    }
    char ip[64];
    snprintf(ip, sizeof(ip), "%.*s", (int)(ctx->argv[2].len < 63 ? ctx->argv[2].len : 63), ctx->argv[2].ptr);
    buf err;
    buf_init(&err);
    if (port < 0 || port > 65535 || cport < 0 || cport > 65535) {
        buf_printf(&err, "ERR Invalid node address specified: %s:%lld", ip, (long long)port);
        reply_err_buf(ctx, &err);
        return;
    }
    reply_status(ctx, cluster_meet(cl, ip, (int)port, (int)cport, clock_wall_ms(), &err), &err);
}

static void cmd_cluster_forget(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    buf err;
    buf_init(&err);
    reply_status(ctx, cluster_forget(cl, ctx->argv[2].ptr, ctx->argv[2].len, clock_wall_ms(), &err), &err);
}

static void cmd_cluster_replicate(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    buf err;
    buf_init(&err);
    reply_status(ctx, cluster_replicate(cl, ctx->argv[2].ptr, ctx->argv[2].len, &err), &err);
}

/* The one optional keyword of RESET and FAILOVER: its index in names plus
 * one, 0 when absent, or -1 after a syntax error reply. */
static int optional_keyword(cmd_ctx *ctx, const char *const *names) {
    if (ctx->argc == 2) return 0;
    if (ctx->argc == 3) {
        for (int i = 0; names[i]; i++)
            if (arg_eq(&ctx->argv[2], names[i])) return i + 1;
    }
    reply_error(ctx->out, ERRMSG_SYNTAX);
    return -1;
}

static void cmd_cluster_reset(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    static const char *const names[] = {"soft", "hard", NULL};
    int which = optional_keyword(ctx, names);
    if (which < 0) return;
    buf err;
    buf_init(&err);
    reply_status(ctx, cluster_reset(cl, which == 2, &err), &err);
}

static void cmd_cluster_failover(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    static const char *const names[] = {"force", "takeover", NULL};
    int which = optional_keyword(ctx, names);
    if (which < 0) return;
    enum cluster_failover_mode mode = which == 1   ? CLUSTER_FAILOVER_FORCE
                                      : which == 2 ? CLUSTER_FAILOVER_TAKEOVER
                                                   : CLUSTER_FAILOVER_DEFAULT;
    buf err;
    buf_init(&err);
    reply_status(ctx, cluster_failover(cl, mode, clock_wall_ms(), &err), &err);
}

static void cmd_cluster_bumpepoch(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    bool bumped = cluster_bump_epoch(cl);
    char msg[64];
    int n = snprintf(msg, sizeof(msg), "%s %llu", bumped ? "BUMPED" : "STILL",
                     (unsigned long long)cl->st->myself->config_epoch);
    reply_simple(ctx->out, msg, (size_t)n);
}

static void cmd_cluster_set_config_epoch(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    char arg[32];
    snprintf(arg, sizeof(arg), "%.*s", (int)(ctx->argv[2].len < 31 ? ctx->argv[2].len : 31), ctx->argv[2].ptr);
    buf err;
    buf_init(&err);
    reply_status(ctx, cluster_set_config_epoch(cl, arg, &err), &err);
}

static void cmd_cluster_saveconfig(cmd_ctx *ctx) {
    CLUSTER_OR_RETURN(cl);
    (void)cl;
    if (cluster_bus_save(bus_) < 0) {
        reply_errorf(ctx->out, "ERR error saving the cluster node config: %s", "could not write the file");
        return;
    }
    reply_ok(ctx->out);
}

static void cmd_cluster_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "ADDSLOTS <slot> [<slot> ...]",
        "    Assign slots to current node.",
        "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Assign slots which are between <start-slot> and <end-slot> to current node.",
        "BUMPEPOCH",
        "    Advance the cluster config epoch.",
        "COUNT-FAILURE-REPORTS <node-id>",
        "    Return number of failure reports for <node-id>.",
        "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.",
        "DELSLOTS <slot> [<slot> ...]",
        "    Delete slots information from current node.",
        "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
        "FAILOVER [FORCE|TAKEOVER]",
        "    Promote current replica node to being a master.",
        "FORGET <node-id>",
        "    Remove a node from the cluster.",
        "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.",
        "FLUSHSLOTS",
        "    Delete current node own slots information.",
        "INFO",
        "    Return information about the cluster.",
        "KEYSLOT <key>",
        "    Return the hash slot for <key>.",
        "LINKS",
        "    Return information about all network links between this node and its peers.",
        "MEET <ip> <port> [<bus-port>]",
        "    Connect nodes into a working cluster.",
        "MYID",
        "    Return the node id.",
        "NODES",
        "    Return cluster configuration seen by node.",
        "REPLICATE <node-id>",
        "    Configure current node as replica to <node-id>.",
        "RESET [HARD|SOFT]",
        "    Reset current node (default: soft).",
        "SET-CONFIG-EPOCH <epoch>",
        "    Set config epoch of current node.",
        "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
        "    Set slot state.",
        "REPLICAS <node-id>",
        "    Return <node-id> replicas.",
        "SAVECONFIG",
        "    Force saving cluster configuration on disk.",
        "SLOTS",
        "    Return information about slots range mappings.",
        "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

#define ADM (CMD_ADMIN | CMD_STALE)
#define ND "nondeterministic_output"

static const command_def cluster_subcommands[] = {
    {.name = "addslots", .handler = cmd_cluster_addslots, .arity = -3, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Assigns new hash slots to a node.",
     .complexity = "O(N) where N is the total number of hash slot arguments"},
    {.name = "addslotsrange", .handler = cmd_cluster_addslotsrange, .arity = -4,
     .flags = ADM | CMD_NO_ASYNC_LOADING, .group = "cluster", .since = "7.0.0",
     .summary = "Assigns new hash slot ranges to a node.",
     .complexity = "O(N) where N is the total number of the slots between the start slot and end slot arguments."},
    {.name = "bumpepoch", .handler = cmd_cluster_bumpepoch, .arity = 2, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .tips = ND, .group = "cluster", .since = "3.0.0", .summary = "Advances the cluster config epoch.",
     .complexity = "O(1)"},
    {.name = "count-failure-reports", .handler = cmd_cluster_count_failure_reports, .arity = 3, .flags = ADM,
     .tips = ND, .group = "cluster", .since = "3.0.0",
     .summary = "Returns the number of active failure reports active for a node.",
     .complexity = "O(N) where N is the number of failure reports"},
    {.name = "countkeysinslot", .handler = cmd_cluster_countkeysinslot, .arity = 3, .flags = CMD_STALE,
     .group = "cluster", .since = "3.0.0", .summary = "Returns the number of keys in a hash slot.",
     .complexity = "O(1)"},
    {.name = "delslots", .handler = cmd_cluster_delslots, .arity = -3, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Sets hash slots as unbound for a node.",
     .complexity = "O(N) where N is the total number of hash slot arguments"},
    {.name = "delslotsrange", .handler = cmd_cluster_delslotsrange, .arity = -4,
     .flags = ADM | CMD_NO_ASYNC_LOADING, .group = "cluster", .since = "7.0.0",
     .summary = "Sets hash slot ranges as unbound for a node.",
     .complexity = "O(N) where N is the total number of the slots between the start slot and end slot arguments."},
    {.name = "failover", .handler = cmd_cluster_failover, .arity = -2, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0",
     .summary = "Forces a replica to perform a manual failover of its master.", .complexity = "O(1)"},
    {.name = "flushslots", .handler = cmd_cluster_flushslots, .arity = 2, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Deletes all slots information from a node.",
     .complexity = "O(1)"},
    {.name = "forget", .handler = cmd_cluster_forget, .arity = 3, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Removes a node from the nodes table.",
     .complexity = "O(1)"},
    {.name = "getkeysinslot", .handler = cmd_cluster_getkeysinslot, .arity = 4, .flags = CMD_STALE, .tips = ND,
     .group = "cluster", .since = "3.0.0", .summary = "Returns the key names in a hash slot.",
     .complexity = "O(N) where N is the number of requested keys"},
    {.name = "help", .handler = cmd_cluster_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .group = "cluster", .since = "5.0.0", .summary = "Returns helpful text about the different subcommands.",
     .complexity = "O(1)"},
    {.name = "info", .handler = cmd_cluster_info, .arity = 2, .flags = CMD_STALE, .tips = ND, .group = "cluster",
     .since = "3.0.0", .summary = "Returns information about the state of a node.", .complexity = "O(1)"},
    {.name = "keyslot", .handler = cmd_cluster_keyslot, .arity = 3, .flags = CMD_STALE, .group = "cluster",
     .since = "3.0.0", .summary = "Returns the hash slot for a key.",
     .complexity = "O(N) where N is the number of bytes in the key"},
    {.name = "links", .handler = cmd_cluster_links, .arity = 2, .flags = CMD_STALE, .tips = ND,
     .group = "cluster", .since = "7.0.0", .summary = "Returns a list of all TCP links to and from peer nodes.",
     .complexity = "O(N) where N is the total number of Cluster nodes"},
    {.name = "meet", .handler = cmd_cluster_meet, .arity = -4, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Forces a node to handshake with another node.",
     .complexity = "O(1)"},
    {.name = "myid", .handler = cmd_cluster_myid, .arity = 2, .flags = CMD_STALE, .group = "cluster",
     .since = "3.0.0", .summary = "Returns the ID of a node.", .complexity = "O(1)"},
    {.name = "nodes", .handler = cmd_cluster_nodes, .arity = 2, .flags = CMD_STALE, .tips = ND,
     .group = "cluster", .since = "3.0.0", .summary = "Returns the cluster configuration for a node.",
     .complexity = "O(N) where N is the total number of Cluster nodes"},
    {.name = "replicas", .handler = cmd_cluster_replicas, .arity = 3, .flags = ADM, .tips = ND,
     .group = "cluster", .since = "5.0.0", .summary = "Lists the replica nodes of a master node.",
     .complexity = "O(1)"},
    {.name = "replicate", .handler = cmd_cluster_replicate, .arity = 3, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Configure a node as replica of a master node.",
     .complexity = "O(1)"},
    {.name = "reset", .handler = cmd_cluster_reset, .arity = -2, .flags = ADM | CMD_NOSCRIPT, .group = "cluster",
     .since = "3.0.0", .summary = "Resets a node.",
     .complexity = "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect."},
    {.name = "saveconfig", .handler = cmd_cluster_saveconfig, .arity = 2, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Forces a node to save the cluster configuration to disk.",
     .complexity = "O(1)"},
    {.name = "set-config-epoch", .handler = cmd_cluster_set_config_epoch, .arity = 3,
     .flags = ADM | CMD_NO_ASYNC_LOADING, .group = "cluster", .since = "3.0.0",
     .summary = "Sets the configuration epoch for a new node.", .complexity = "O(1)"},
    {.name = "setslot", .handler = cmd_cluster_setslot, .arity = -4, .flags = ADM | CMD_NO_ASYNC_LOADING,
     .group = "cluster", .since = "3.0.0", .summary = "Binds a hash slot to a node.", .complexity = "O(1)"},
    {.name = "shards", .handler = cmd_cluster_shards, .arity = 2, .flags = CMD_STALE, .tips = ND,
     .group = "cluster", .since = "7.0.0", .summary = "Returns the mapping of cluster slots to shards.",
     .complexity = "O(N) where N is the total number of cluster nodes"},
    {.name = "slaves", .handler = cmd_cluster_replicas, .arity = 3, .flags = ADM, .tips = ND,
     .group = "cluster", .since = "3.0.0", .summary = "Lists the replica nodes of a master node.",
     .complexity = "O(1)"},
    {.name = "slots", .handler = cmd_cluster_slots, .arity = 2, .flags = CMD_STALE, .tips = ND,
     .group = "cluster", .since = "3.0.0", .summary = "Returns the mapping of cluster slots to nodes.",
     .complexity = "O(N) where N is the total number of Cluster nodes"},
    {0},
};

const command_def cmd_cluster_defs[] = {
    {.name = "cluster", .arity = -2, .group = "cluster", .since = "3.0.0",
     .summary = "A container for Redis Cluster commands.", .complexity = "Depends on subcommand.",
     .subcommands = cluster_subcommands},
    {0},
};
