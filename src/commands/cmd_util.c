/* cmd_util: argument parsing and lookup helpers shared by handlers. */
#include "commands/cmd_util.h"

#include <stdio.h>
#include <string.h>

#include "base/number.h"
#include "commands/propagate.h"
#include "commands/session.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"

bool cmd_i64_or_reply(cmd_ctx *ctx, const resp_arg *arg, int64_t *out, const char *msg) {
    if (number_parse_i64(arg->ptr, arg->len, out)) return true;
    reply_error(ctx->out, msg ? msg : ERRMSG_NOT_INTEGER);
    return false;
}

bool cmd_i64_range_or_reply(cmd_ctx *ctx, const resp_arg *arg, int64_t min, int64_t max,
                            int64_t *out, const char *msg) {
    int64_t v;
    if (!number_parse_i64(arg->ptr, arg->len, &v) || v < min || v > max) {
        reply_error(ctx->out, msg ? msg : ERRMSG_NOT_INTEGER);
        return false;
    }
    *out = v;
    return true;
}

bool cmd_double_or_reply(cmd_ctx *ctx, const resp_arg *arg, double *out, const char *msg) {
    if (number_parse_double(arg->ptr, arg->len, out)) return true;
    reply_error(ctx->out, msg ? msg : ERRMSG_NOT_FLOAT);
    return false;
}

bool cmd_long_double_or_reply(cmd_ctx *ctx, const resp_arg *arg, long double *out,
                              const char *msg) {
    if (number_parse_long_double(arg->ptr, arg->len, out)) return true;
    reply_error(ctx->out, msg ? msg : ERRMSG_NOT_FLOAT);
    return false;
}

kv *cmd_lookup_read(cmd_ctx *ctx, const resp_arg *key) {
    int flags = (ctx->sess && (ctx->sess->flags & SESSION_NO_TOUCH)) ? KS_LOOKUP_NOTOUCH : 0;
    return db_lookup(ctx->db, key->ptr, key->len, flags);
}

kv *cmd_lookup_write(cmd_ctx *ctx, const resp_arg *key, kv_ref *ref) {
    return db_lookup_ref(ctx->db, key->ptr, key->len, KS_LOOKUP_WRITE, ref);
}

bool cmd_string_or_reply(cmd_ctx *ctx, const kv *e) {
    if (e == NULL || kv_type_of(e) == KV_STRING) return true;
    reply_error(ctx->out, ERRMSG_WRONGTYPE);
    return false;
}

void cmd_reply_string_value(cmd_ctx *ctx, const kv *e) {
    char tmp[KV_INT_BUF];
    size_t len;
    const char *v = kv_str_value(e, tmp, &len);
    reply_bulk(ctx->out, v, len);
}

size_t cmd_upper_name(const char *name, size_t len, char *dst, size_t cap) {
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        dst[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    dst[n] = '\0';
    return n;
}

void cmd_reply_help(cmd_ctx *ctx, const char *const *lines) {
    const command *root = ctx->cmd->parent ? ctx->cmd->parent : ctx->cmd;
    char head[128];
    size_t n = cmd_upper_name(root->def->name, strlen(root->def->name), head, 64);
    snprintf(head + n, sizeof(head) - n, " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    int count = 0;
    while (lines[count]) count++;
    reply_array(ctx->out, count + 3);
    reply_simple_cstr(ctx->out, head);
    for (int i = 0; i < count; i++) reply_simple_cstr(ctx->out, lines[i]);
    reply_simple_cstr(ctx->out, "HELP");
    reply_simple_cstr(ctx->out, "    Prints this help.");
}

void cmd_reply_subcommand_error(cmd_ctx *ctx) {
    const command *root = ctx->cmd->parent ? ctx->cmd->parent : ctx->cmd;
    char upper[64];
    cmd_upper_name(root->def->name, strlen(root->def->name), upper, sizeof(upper));
    const resp_arg *sub = &ctx->argv[1];
    reply_errorf(ctx->out,
                 "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                 (int)(sub->len > 128 ? 128 : sub->len), sub->ptr, upper);
}

void cmd_propagate(cmd_ctx *ctx, int argc, const resp_arg *argv) {
    ctx->propagated = true;
    if (ctx->prop) prop_batch_add(ctx->prop, db_id(ctx->db), argc, argv);
}

void cmd_propagate_as_sent(cmd_ctx *ctx) {
    cmd_propagate(ctx, ctx->argc, ctx->argv);
}

void cmd_propagate_del(cmd_ctx *ctx, const resp_arg *key, bool lazy) {
    resp_arg argv[2] = {lazy ? PROP_ARG("UNLINK") : PROP_ARG("DEL"), *key};
    cmd_propagate(ctx, 2, argv);
}

void cmd_propagate_finish(cmd_ctx *ctx) {
    if (!ctx->propagated && ctx->dirty > 0 && ctx->prop)
        prop_batch_add(ctx->prop, db_id(ctx->db), ctx->argc, ctx->argv);
}

void cmd_redact_arg(cmd_ctx *ctx, int i) {
    ctx->redacted |= 1ULL << (i < 63 ? i : 63);
}

bool cmd_arg_redacted(const cmd_ctx *ctx, int i) {
    return (ctx->redacted >> (i < 63 ? i : 63)) & 1;
}
