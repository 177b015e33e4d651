/* cmd_util: argument parsing and lookup helpers shared by handlers. */
#include "commands/cmd_util.h"

#include "base/number.h"
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
