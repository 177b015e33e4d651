/* cmd_string: string commands (GET, SET and friends).
 *
 * Values are stored by kv in one of three encodings (INT, EMBSTR, RAW); the
 * handlers here choose the encoding the way Redis would report it in OBJECT
 * ENCODING, and otherwise treat every value as bytes. */
#include <string.h>

#include "base/number.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "commands/groups.h"
#include "commands/session.h"
#include "data/keyspace.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"

static void cmd_get(cmd_ctx *ctx) {
    kv *e = cmd_lookup_read(ctx, &ctx->argv[1]);
    if (e == NULL) {
        reply_null(ctx->out);
        return;
    }
    if (!cmd_string_or_reply(ctx, e)) return;
    cmd_reply_string_value(ctx, e);
}

enum set_flags {
    SET_NX = 1 << 0,
    SET_XX = 1 << 1,
    SET_GET = 1 << 2,
    SET_KEEPTTL = 1 << 3,
    SET_EX = 1 << 4,
    SET_PX = 1 << 5,
    SET_EXAT = 1 << 6,
    SET_PXAT = 1 << 7,
    SET_PERSIST = 1 << 8, /* GETEX only */
};

#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* Parses SET/GETEX options from argv[first]. Returns false after replying
 * a syntax error. Redis compat: conflicting options are a syntax error. */
static bool parse_set_options(cmd_ctx *ctx, int first, bool is_set, unsigned *flags,
                              const resp_arg **expire) {
    for (int j = first; j < ctx->argc; j++) {
        const resp_arg *opt = &ctx->argv[j];
        bool has_next = j + 1 < ctx->argc;
        unsigned f = *flags;
        if (is_set && arg_eq(opt, "nx") && !(f & SET_XX)) {
            *flags |= SET_NX;
        } else if (is_set && arg_eq(opt, "xx") && !(f & SET_NX)) {
            *flags |= SET_XX;
        } else if (is_set && arg_eq(opt, "get")) {
            *flags |= SET_GET;
        } else if (is_set && arg_eq(opt, "keepttl") && !(f & (SET_PERSIST | SET_ANY_EXPIRE))) {
            *flags |= SET_KEEPTTL;
        } else if (!is_set && arg_eq(opt, "persist") && !(f & (SET_ANY_EXPIRE | SET_KEEPTTL))) {
            *flags |= SET_PERSIST;
        } else if (has_next && !(f & (SET_KEEPTTL | SET_PERSIST)) &&
                   ((arg_eq(opt, "ex") && !(f & (SET_ANY_EXPIRE & ~SET_EX))) ||
                    (arg_eq(opt, "px") && !(f & (SET_ANY_EXPIRE & ~SET_PX))) ||
                    (arg_eq(opt, "exat") && !(f & (SET_ANY_EXPIRE & ~SET_EXAT))) ||
                    (arg_eq(opt, "pxat") && !(f & (SET_ANY_EXPIRE & ~SET_PXAT))))) {
            if (arg_eq(opt, "ex")) *flags |= SET_EX;
            if (arg_eq(opt, "px")) *flags |= SET_PX;
            if (arg_eq(opt, "exat")) *flags |= SET_EXAT;
            if (arg_eq(opt, "pxat")) *flags |= SET_PXAT;
            *expire = &ctx->argv[++j];
        } else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Converts an EX/PX/EXAT/PXAT argument to an absolute Unix time in ms. */
static bool expire_at_or_reply(cmd_ctx *ctx, const resp_arg *arg, unsigned flags, int64_t *at) {
    int64_t v;
    if (!cmd_i64_or_reply(ctx, arg, &v, NULL)) return false;
    bool seconds = flags & (SET_EX | SET_EXAT);
    if (v <= 0 || (seconds && v > INT64_MAX / 1000)) goto bad;
    if (seconds) v *= 1000;
    if (flags & (SET_EX | SET_PX)) {
        int64_t now = keyspace_now(ctx->ks);
        if (v > INT64_MAX - now) goto bad;
        v += now;
    }
    *at = v;
    return true;
bad:
    reply_errorf(ctx->out, "ERR invalid expire time in '%s' command", ctx->cmd->fullname);
    return false;
}

static void cmd_set(cmd_ctx *ctx) {
    unsigned flags = 0;
    const resp_arg *expire = NULL;
    if (!parse_set_options(ctx, 3, true, &flags, &expire)) return;
    int64_t at = -1;
    if (expire && !expire_at_or_reply(ctx, expire, flags, &at)) return;
    const resp_arg *key = &ctx->argv[1], *val = &ctx->argv[2];
    kv_ref ref;
    kv *old = cmd_lookup_write(ctx, key, &ref);
    if (flags & SET_GET) {
        if (!cmd_string_or_reply(ctx, old)) return;
        if (old)
            cmd_reply_string_value(ctx, old);
        else
            reply_null(ctx->out);
    }
    if (((flags & SET_NX) && old) || ((flags & SET_XX) && !old)) {
        if (!(flags & SET_GET)) reply_null(ctx->out);
        return;
    }
    if ((flags & SET_KEEPTTL) && old) at = kv_expire(old);
    kv *e = kv_new_string(key->ptr, key->len, val->ptr, val->len, at, KV_STR_AUTO);
    if (old) {
        db_replace(ctx->db, &ref, e);
        kv_free(old);
    } else {
        db_insert(ctx->db, &ref, e);
    }
    ctx->dirty++;
    if (!(flags & SET_GET)) reply_ok(ctx->out);
}

const command_def cmd_string_defs[] = {
    {.name = "get",
     .handler = cmd_get,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RO ACCESS",
     .group = "string",
     .since = "1.0.0",
     .summary = "Returns the string value of a key.",
     .complexity = "O(1)"},
    {.name = "set",
     .handler = cmd_set,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE VARIABLE_FLAGS",
     .group = "string",
     .since = "1.0.0",
     .summary = "Sets the string value of a key, with optional expiry and conditions.",
     .complexity = "O(1)"},
    {0},
};
