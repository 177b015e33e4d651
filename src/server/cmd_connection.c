/* cmd_connection: commands about the connection itself — PING, ECHO,
 * SELECT, QUIT, RESET, HELLO, AUTH, CLIENT, and the cluster-only READONLY /
 * READWRITE / ASKING, which a standalone node refuses with Redis's text.
 *
 * They live in the server layer because several need the client registry
 * (CLIENT LIST/KILL) or the connection behind the session (QUIT). The
 * connection is found from the session, which is embedded in it. */
#include <stdio.h>
#include <string.h>

#include "base/list.h"
#include "base/mem.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "commands/session.h"
#include "data/keyspace.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"
#include "server/client.h"
#include "server/multi.h"
#include "server/server.h"
#include "server/server_commands.h"

/* ---- PING ECHO SELECT QUIT ---- */

static void cmd_ping(cmd_ctx *ctx) {
    if (ctx->argc > 2) {
        reply_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", ctx->cmd->fullname);
        return;
    }
    if (ctx->argc == 1)
        reply_simple(ctx->out, "PONG", 4);
    else
        reply_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

static void cmd_echo(cmd_ctx *ctx) {
    reply_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

static void cmd_select(cmd_ctx *ctx) {
    int64_t id;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[1], &id, NULL)) return;
    if (id < INT32_MIN || id > INT32_MAX) {
        reply_error(ctx->out, ERRMSG_INT_RANGE);
        return;
    }
    if (ctx->opts->cluster_enabled && id != 0) {
        reply_error(ctx->out, ERRMSG_SELECT_CLUSTER);
        return;
    }
    if (id < 0 || id >= keyspace_db_count(ctx->ks)) {
        reply_error(ctx->out, ERRMSG_DB_RANGE);
        return;
    }
    ctx->sess->db = (int)id;
    ctx->db = keyspace_db(ctx->ks, (int)id);
    reply_ok(ctx->out);
}

static void cmd_quit(cmd_ctx *ctx) {
    reply_ok(ctx->out);
    ctx_client(ctx)->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* ---- authentication ---- */

/* Returns true if user/pass authenticate the default user. */
static bool authenticate(cmd_ctx *ctx, const resp_arg *user, const resp_arg *pass) {
    if (user && !arg_eq(user, "default")) return false;
    if (!server_auth_required(ctx->server)) return true; /* nopass: any password works */
    return server_check_password(ctx->server, pass->ptr, pass->len);
}

static void cmd_auth(cmd_ctx *ctx) {
    if (ctx->argc > 3) {
        reply_error(ctx->out, ERRMSG_SYNTAX);
        return;
    }
    /* Redis compat: the first argument is hidden even when it is a user
     * name. */
    cmd_redact_arg(ctx, 1);
    if (ctx->argc == 3) cmd_redact_arg(ctx, 2);
    const resp_arg *user = NULL, *pass = &ctx->argv[1];
    if (ctx->argc == 2) {
        if (!server_auth_required(ctx->server)) {
            reply_error(ctx->out, ERRMSG_AUTH_NOPASS);
            return;
        }
    } else {
        user = &ctx->argv[1];
        pass = &ctx->argv[2];
    }
    if (authenticate(ctx, user, pass)) {
        ctx->sess->authenticated = true;
        reply_ok(ctx->out);
    } else {
        reply_error(ctx->out, ERRMSG_WRONGPASS);
    }
}

static bool valid_name_bytes(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i] < '!' || p[i] > '~') return false;
    return true;
}

static bool set_name_or_reply(cmd_ctx *ctx, const resp_arg *name) {
    if (!valid_name_bytes(name->ptr, name->len)) {
        reply_error(ctx->out,
                    "ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    session_set_string(&ctx->sess->name, name->ptr, name->len);
    return true;
}

static void reply_hello_info(cmd_ctx *ctx) {
    reply *out = ctx->out;
    reply_map(out, 7);
    reply_bulk_cstr(out, "server");
    reply_bulk_cstr(out, "redis");
    reply_bulk_cstr(out, "version");
    reply_bulk_cstr(out, "7.0.15");
    reply_bulk_cstr(out, "proto");
    reply_int(out, ctx->sess->proto);
    reply_bulk_cstr(out, "id");
    reply_int(out, (int64_t)ctx->sess->id);
    reply_bulk_cstr(out, "mode");
    reply_bulk_cstr(out, ctx->opts->cluster_enabled ? "cluster" : "standalone");
    reply_bulk_cstr(out, "role");
    reply_bulk_cstr(out, "master");
    reply_bulk_cstr(out, "modules");
    reply_empty_array(out);
}

static void cmd_hello(cmd_ctx *ctx) {
    int64_t ver = 0;
    int next = 1;
    if (ctx->argc >= 2) {
        if (!cmd_i64_or_reply(ctx, &ctx->argv[next++], &ver,
                              "ERR Protocol version is not an integer or out of range"))
            return;
        if (ver < 2 || ver > 3) {
            reply_error(ctx->out, ERRMSG_NOPROTO);
            return;
        }
    }
    for (int j = next; j < ctx->argc; j++) {
        int more = ctx->argc - 1 - j;
        const resp_arg *opt = &ctx->argv[j];
        if (arg_eq(opt, "auth") && more >= 2) {
            cmd_redact_arg(ctx, j + 1);
            cmd_redact_arg(ctx, j + 2);
            if (!authenticate(ctx, &ctx->argv[j + 1], &ctx->argv[j + 2])) {
                reply_error(ctx->out, ERRMSG_WRONGPASS);
                return;
            }
            ctx->sess->authenticated = true;
            j += 2;
        } else if (arg_eq(opt, "setname") && more >= 1) {
            if (!set_name_or_reply(ctx, &ctx->argv[j + 1])) return;
            j++;
        } else {
            reply_errorf(ctx->out, "ERR Syntax error in HELLO option '%.*s'", (int)opt->len, opt->ptr);
            return;
        }
    }
    if (!ctx->sess->authenticated && server_auth_required(ctx->server)) {
        reply_error(ctx->out, ERRMSG_HELLO_NOAUTH);
        return;
    }
    if (ver) {
        ctx->sess->proto = (int)ver;
        ctx->out->proto = (int)ver;
    }
    reply_hello_info(ctx);
}

static void cmd_reset(cmd_ctx *ctx) {
    client *c = ctx_client(ctx);
    session *s = ctx->sess;
    s->db = 0;
    s->proto = 2;
    ctx->out->proto = 2;
    s->flags &= ~(SESSION_ASKING | SESSION_READONLY | SESSION_REPLY_OFF | SESSION_REPLY_SKIP |
                  SESSION_REPLY_SKIP_NEXT | SESSION_NO_EVICT | SESSION_NO_TOUCH);
    session_set_string(&s->name, NULL, 0);
    s->authenticated = !server_auth_required(ctx->server);
    if (c->flags & CLIENT_MONITOR) {
        c->flags &= ~CLIENT_MONITOR;
        list_unlink(&c->monitor);
    }
    multi_discard(c);
    reply_simple(ctx->out, "RESET", 5);
}

static bool cluster_only(cmd_ctx *ctx) {
    if (ctx->opts->cluster_enabled) return true;
    reply_error(ctx->out, ERRMSG_CLUSTER_DISABLED);
    return false;
}

/* READONLY: this connection may read a replica's copy of its master's
 * slots; READWRITE ends that. ASKING lets the next command reach a slot
 * this node is importing. */
static void cmd_readonly(cmd_ctx *ctx) {
    if (!cluster_only(ctx)) return;
    ctx->sess->flags |= SESSION_READONLY;
    reply_ok(ctx->out);
}

static void cmd_readwrite(cmd_ctx *ctx) {
    if (!cluster_only(ctx)) return;
    ctx->sess->flags &= ~(unsigned)SESSION_READONLY;
    reply_ok(ctx->out);
}

static void cmd_asking(cmd_ctx *ctx) {
    if (!cluster_only(ctx)) return;
    ctx->sess->flags |= SESSION_ASKING;
    reply_ok(ctx->out);
}

/* ---- CLIENT ---- */

static void cmd_client_id(cmd_ctx *ctx) {
    reply_int(ctx->out, (int64_t)ctx->sess->id);
}

static void cmd_client_setname(cmd_ctx *ctx) {
    if (set_name_or_reply(ctx, &ctx->argv[2])) reply_ok(ctx->out);
}

static void cmd_client_getname(cmd_ctx *ctx) {
    if (ctx->sess->name)
        reply_bulk_cstr(ctx->out, ctx->sess->name);
    else
        reply_null(ctx->out);
}

static void cmd_client_info(cmd_ctx *ctx) {
    buf b;
    buf_init(&b);
    client_describe(ctx_client(ctx), &b);
    reply_verbatim(ctx->out, b.data, b.len, "txt");
    buf_fini(&b);
}

/* Client types by name; -1 if unknown. Pub/sub clients do not exist yet,
 * but the name is understood. */
static int client_type_of(const client *c) {
    if (c->flags & CLIENT_REPLICA) return 1;
    if (c->flags & CLIENT_PRIMARY) return 3;
    return 0;
}

static int client_type_by_name(const resp_arg *a) {
    if (arg_eq(a, "normal")) return 0;
    if (arg_eq(a, "slave") || arg_eq(a, "replica")) return 1;
    if (arg_eq(a, "pubsub")) return 2;
    if (arg_eq(a, "master")) return 3;
    return -1;
}

static void cmd_client_list(cmd_ctx *ctx) {
    buf b;
    buf_init(&b);
    list_node *pos;
    if (ctx->argc == 4 && cmd_arg_is(ctx, 2, "type")) {
        int type = client_type_by_name(&ctx->argv[3]);
        if (type < 0) {
            reply_errorf(ctx->out, "ERR Unknown client type '%.*s'", (int)ctx->argv[3].len,
                         ctx->argv[3].ptr);
            buf_fini(&b);
            return;
        }
        list_foreach(pos, server_clients(ctx->server)) {
            client *c = container_of(pos, client, node);
            if (client_type_of(c) == type) client_describe(c, &b);
        }
    } else if (ctx->argc > 3 && cmd_arg_is(ctx, 2, "id")) {
        for (int j = 3; j < ctx->argc; j++) {
            int64_t id;
            if (!cmd_i64_or_reply(ctx, &ctx->argv[j], &id, "ERR Invalid client ID")) {
                buf_fini(&b);
                return;
            }
            list_foreach(pos, server_clients(ctx->server)) {
                client *c = container_of(pos, client, node);
                if ((int64_t)c->sess.id == id) client_describe(c, &b);
            }
        }
    } else if (ctx->argc != 2) {
        reply_error(ctx->out, ERRMSG_SYNTAX);
        buf_fini(&b);
        return;
    } else {
        list_foreach(pos, server_clients(ctx->server))
            client_describe(container_of(pos, client, node), &b);
    }
    reply_verbatim(ctx->out, b.data ? b.data : "", b.len, "txt");
    buf_fini(&b);
}

typedef struct kill_filter {
    const resp_arg *addr, *laddr;
    int type;
    uint64_t id;
    bool skipme;
} kill_filter;

static bool parse_kill_filter(cmd_ctx *ctx, kill_filter *f) {
    for (int i = 2; i < ctx->argc; i += 2) {
        const resp_arg *opt = &ctx->argv[i];
        bool more = i + 1 < ctx->argc;
        const resp_arg *val = more ? &ctx->argv[i + 1] : NULL;
        if (more && arg_eq(opt, "id")) {
            int64_t id;
            if (!cmd_i64_range_or_reply(ctx, val, 1, INT64_MAX, &id,
                                        "ERR client-id should be greater than 0"))
                return false;
            f->id = (uint64_t)id;
        } else if (more && arg_eq(opt, "type")) {
            f->type = client_type_by_name(val);
            if (f->type < 0) {
                reply_errorf(ctx->out, "ERR Unknown client type '%.*s'", (int)val->len, val->ptr);
                return false;
            }
        } else if (more && arg_eq(opt, "addr")) {
            f->addr = val;
        } else if (more && arg_eq(opt, "laddr")) {
            f->laddr = val;
        } else if (more && arg_eq(opt, "user")) {
            if (!arg_eq(val, "default")) {
                reply_errorf(ctx->out, "ERR No such user '%.*s'", (int)val->len, val->ptr);
                return false;
            }
        } else if (more && arg_eq(opt, "skipme")) {
            if (arg_eq(val, "yes"))
                f->skipme = true;
            else if (arg_eq(val, "no"))
                f->skipme = false;
            else {
                reply_error(ctx->out, ERRMSG_SYNTAX);
                return false;
            }
        } else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return false;
        }
    }
    return true;
}

static bool text_eq(const resp_arg *a, const char *s) {
    return a->len == strlen(s) && memcmp(a->ptr, s, a->len) == 0;
}

static void cmd_client_kill(cmd_ctx *ctx) {
    kill_filter f = {NULL, NULL, -1, 0, true};
    bool old_form = ctx->argc == 3;
    if (old_form) {
        f.addr = &ctx->argv[2];
        f.skipme = false;
    } else if (!parse_kill_filter(ctx, &f)) {
        return;
    }
    client *self = ctx_client(ctx);
    int64_t killed = 0;
    bool close_self = false;
    list_node *pos;
    list_foreach(pos, server_clients(ctx->server)) {
        client *c = container_of(pos, client, node);
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (f.addr && !text_eq(f.addr, c->addr)) continue;
        if (f.laddr && !text_eq(f.laddr, c->laddr)) continue;
        if (f.type >= 0 && client_type_of(c) != f.type) continue;
        if (f.id && c->sess.id != f.id) continue;
        if (c == self && f.skipme) continue;
        if (c == self)
            close_self = true;
        else
            client_close_asap(c);
        killed++;
    }
    if (old_form) {
        if (killed == 0)
            reply_error(ctx->out, "ERR No such client");
        else
            reply_ok(ctx->out);
    } else {
        reply_int(ctx->out, killed);
    }
    if (close_self) self->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void cmd_client_reply(cmd_ctx *ctx) {
    session *s = ctx->sess;
    if (cmd_arg_is(ctx, 2, "on")) {
        s->flags &= ~(SESSION_REPLY_OFF | SESSION_REPLY_SKIP | SESSION_REPLY_SKIP_NEXT);
        reply_ok(ctx->out);
    } else if (cmd_arg_is(ctx, 2, "off")) {
        s->flags |= SESSION_REPLY_OFF;
    } else if (cmd_arg_is(ctx, 2, "skip")) {
        if (!(s->flags & SESSION_REPLY_OFF)) s->flags |= SESSION_REPLY_SKIP_NEXT;
    } else {
        reply_error(ctx->out, ERRMSG_SYNTAX);
    }
}

static void set_session_flag(cmd_ctx *ctx, unsigned flag) {
    if (cmd_arg_is(ctx, 2, "on")) {
        ctx->sess->flags |= flag;
        reply_ok(ctx->out);
    } else if (cmd_arg_is(ctx, 2, "off")) {
        ctx->sess->flags &= ~flag;
        reply_ok(ctx->out);
    } else {
        reply_error(ctx->out, ERRMSG_SYNTAX);
    }
}

static void cmd_client_no_evict(cmd_ctx *ctx) {
    set_session_flag(ctx, SESSION_NO_EVICT);
}

static void cmd_client_no_touch(cmd_ctx *ctx) {
    set_session_flag(ctx, SESSION_NO_TOUCH);
}

static void cmd_client_setinfo(cmd_ctx *ctx) {
    const resp_arg *attr = &ctx->argv[2], *val = &ctx->argv[3];
    char **field;
    if (arg_eq(attr, "lib-name"))
        field = &ctx->sess->lib_name;
    else if (arg_eq(attr, "lib-ver"))
        field = &ctx->sess->lib_ver;
    else {
        reply_errorf(ctx->out, "ERR Unrecognized option '%.*s'", (int)attr->len, attr->ptr);
        return;
    }
    if (!valid_name_bytes(val->ptr, val->len)) {
        reply_errorf(ctx->out, "ERR %.*s cannot contain spaces, newlines or special characters.",
                     (int)attr->len, attr->ptr);
        return;
    }
    session_set_string(field, val->ptr, val->len);
    reply_ok(ctx->out);
}

static void cmd_client_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "CACHING and TRACKING are not available on this server.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing the current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of the specified type.",
        "    * ID <client-id> [<client-id> ...]",
        "      Return clients of the specified IDs.",
        "NO-EVICT (ON|OFF)",
        "    Protect the current connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Do not update the access time of keys this connection reads.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Record the client library name or version of the current connection.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

#define CONN_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const command_def client_subcommands[] = {
    {.name = "id", .handler = cmd_client_id, .arity = 2, .flags = CONN_FLAGS,
     .acl = "@connection", .group = "connection", .since = "5.0.0",
     .summary = "Returns the unique ID of the connection.", .complexity = "O(1)"},
    {.name = "setname", .handler = cmd_client_setname, .arity = 3, .flags = CONN_FLAGS,
     .acl = "@connection", .group = "connection", .since = "2.6.9",
     .summary = "Names the connection.", .complexity = "O(1)"},
    {.name = "getname", .handler = cmd_client_getname, .arity = 2, .flags = CONN_FLAGS,
     .acl = "@connection", .group = "connection", .since = "2.6.9",
     .summary = "Returns the name of the connection.", .complexity = "O(1)"},
    {.name = "info", .handler = cmd_client_info, .arity = 2, .flags = CONN_FLAGS,
     .acl = "@connection", .tips = "nondeterministic_output", .group = "connection",
     .since = "6.2.0", .summary = "Describes the current connection.", .complexity = "O(1)"},
    {.name = "list", .handler = cmd_client_list, .arity = -2, .flags = CMD_ADMIN | CONN_FLAGS,
     .acl = "@connection", .tips = "nondeterministic_output", .group = "connection",
     .since = "2.4.0", .summary = "Describes every open connection.",
     .complexity = "O(N) in the number of connections"},
    {.name = "kill", .handler = cmd_client_kill, .arity = -3, .flags = CMD_ADMIN | CONN_FLAGS,
     .acl = "@connection", .group = "connection", .since = "2.4.0",
     .summary = "Closes the connections that match the filters.",
     .complexity = "O(N) in the number of connections"},
    {.name = "reply", .handler = cmd_client_reply, .arity = 3, .flags = CONN_FLAGS,
     .acl = "@connection", .group = "connection", .since = "3.2.0",
     .summary = "Turns the replies to this connection on, off, or off for one command.",
     .complexity = "O(1)"},
    {.name = "no-evict", .handler = cmd_client_no_evict, .arity = 3,
     .flags = CMD_ADMIN | CONN_FLAGS, .acl = "@connection", .group = "connection",
     .since = "7.0.0", .summary = "Exempts the connection from client eviction.",
     .complexity = "O(1)"},
    {.name = "no-touch", .handler = cmd_client_no_touch, .arity = 3, .flags = CONN_FLAGS,
     .acl = "@connection", .group = "connection", .since = "7.2.0",
     .summary = "Stops this connection's reads from changing keys' access times.",
     .complexity = "O(1)"},
    {.name = "setinfo", .handler = cmd_client_setinfo, .arity = 4, .flags = CONN_FLAGS,
     .acl = "@connection", .tips = "request_policy:all_nodes response_policy:all_succeeded",
     .group = "connection", .since = "7.2.0",
     .summary = "Records the client library's name or version.", .complexity = "O(1)"},
    {.name = "help", .handler = cmd_client_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = "@connection", .group = "connection", .since = "5.0.0",
     .summary = "Lists the CLIENT subcommands.", .complexity = "O(1)"},
    {0},
};

const command_def cmd_connection_defs[] = {
    {.name = "ping", .handler = cmd_ping, .arity = -1, .flags = CMD_FAST | CMD_SENTINEL,
     .acl = "@connection", .tips = "request_policy:all_shards response_policy:all_succeeded",
     .group = "connection", .since = "1.0.0", .summary = "Checks that the server answers.",
     .complexity = "O(1)"},
    {.name = "echo", .handler = cmd_echo, .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = "@connection",
     .group = "connection", .since = "1.0.0", .summary = "Returns its argument.",
     .complexity = "O(1)"},
    {.name = "select", .handler = cmd_select, .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = "@connection", .group = "connection", .since = "1.0.0",
     .summary = "Changes the database of the connection.", .complexity = "O(1)"},
    {.name = "quit", .handler = cmd_quit, .arity = -1,
     .flags = CMD_ALLOW_BUSY | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH,
     .acl = "@connection", .group = "connection", .since = "1.0.0",
     .summary = "Closes the connection.", .complexity = "O(1)"},
    {.name = "reset", .handler = cmd_reset, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY,
     .acl = "@connection", .group = "connection", .since = "6.2.0",
     .summary = "Returns the connection to its initial state.", .complexity = "O(1)"},
    {.name = "hello", .handler = cmd_hello, .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_SENTINEL |
              CMD_ALLOW_BUSY,
     .acl = "@connection", .group = "connection", .since = "6.0.0",
     .summary = "Handshake: picks the protocol version, optionally authenticates and names the "
                "connection.",
     .complexity = "O(1)"},
    {.name = "auth", .handler = cmd_auth, .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_SENTINEL |
              CMD_ALLOW_BUSY,
     .acl = "@connection", .group = "connection", .since = "1.0.0",
     .summary = "Authenticates the connection.", .complexity = "O(N) in the password length"},
    {.name = "client", .arity = -2, .flags = CMD_SENTINEL, .group = "connection",
     .since = "2.4.0", .summary = "Commands about client connections.",
     .complexity = "Depends on subcommand.", .subcommands = client_subcommands},
    {.name = "readonly", .handler = cmd_readonly, .arity = 1,
     .flags = CMD_FAST | CMD_LOADING | CMD_STALE, .acl = "@connection", .group = "cluster",
     .since = "3.0.0", .summary = "Allows reads from a replica in cluster mode.",
     .complexity = "O(1)"},
    {.name = "readwrite", .handler = cmd_readwrite, .arity = 1,
     .flags = CMD_FAST | CMD_LOADING | CMD_STALE, .acl = "@connection", .group = "cluster",
     .since = "3.0.0", .summary = "Ends READONLY mode in cluster mode.", .complexity = "O(1)"},
    {.name = "asking", .handler = cmd_asking, .arity = 1, .flags = CMD_FAST,
     .acl = "@connection", .group = "cluster", .since = "3.0.0",
     .summary = "Lets the next command reach a slot being imported.", .complexity = "O(1)"},
    {0},
};
