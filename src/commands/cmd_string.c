/* cmd_string: string commands (GET, SET and friends, counters, ranges, LCS).
 *
 * Values are stored by kv in one of three encodings (INT, EMBSTR, RAW); the
 * handlers here choose the encoding the way Redis would report it in OBJECT
 * ENCODING, and otherwise treat every value as bytes. Whole-value writes
 * (SET, MSET, ...) build a fresh entry with KV_STR_AUTO; in-place edits
 * (APPEND, SETRANGE) first turn the value RAW, whose buffer grows greedily;
 * counters keep INT values in place.
 *
 * Every handler looks each key up once and then changes it through the
 * kv_ref that lookup filled in, so GET, SET, INCR and MSET cost one hash
 * probe per key and allocate nothing beyond the entry they store. An entry
 * that changes size may move: whoever replaces it relinks it at the same ref.
 * Expiry times are absolute Unix milliseconds against keyspace_now(). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/number.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "commands/groups.h"
#include "commands/propagate.h"
#include "commands/session.h"
#include "data/keyspace.h"
#include "protocol/errmsg.h"
#include "protocol/reply.h"

/* Lookup flags of a read access: a hit or miss is counted and the key is
 * touched, unless the client asked for no touching. Write commands that also
 * return the old value (SET GET, GETSET, GETDEL, GETEX) read this way. */
static int read_lookup_flags(const cmd_ctx *ctx) {
    return (ctx->sess && (ctx->sess->flags & SESSION_NO_TOUCH)) ? KS_LOOKUP_NOTOUCH : 0;
}

/* Stores e at ref: replaces (and frees) old, or inserts when old is NULL. */
static void store_entry(cmd_ctx *ctx, kv_ref *ref, kv *old, kv *e) {
    if (old) {
        db_replace(ctx->db, ref, e);
        kv_free(old);
    } else {
        db_insert(ctx->db, ref, e);
    }
}

/* Replies "string exceeds maximum allowed size" unless a string of
 * len + extra bytes is within proto-max-bulk-len. */
static bool string_size_ok_or_reply(cmd_ctx *ctx, uint64_t len, uint64_t extra) {
    uint64_t limit = (uint64_t)ctx->opts->proto_max_bulk_len;
    if (len > limit || extra > limit - len) {
        reply_error(ctx->out, ERRMSG_STRING_TOO_BIG);
        return false;
    }
    return true;
}

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

enum set_outcome { SET_STORED, SET_SKIPPED, SET_FAILED };

/* What a successful SET (or SETEX, PSETEX, GETSET) replays as: any expiry
 * option becomes SET key value PXAT <absolute ms>, so a replay later or
 * elsewhere ends at the same instant; GET options are dropped (a replay
 * has nobody to answer); GETSET becomes SET. Anything else as sent. */
static void propagate_set(cmd_ctx *ctx, unsigned flags, const resp_arg *key, const resp_arg *val,
                          int64_t at) {
    if (ctx->prop == NULL) return; /* nobody listens: skip the formatting */
    if (at >= 0) {
        char ms[24];
        int n = snprintf(ms, sizeof(ms), "%lld", (long long)at);
        resp_arg argv[5] = {PROP_ARG("SET"), *key, *val, PROP_ARG("PXAT"),
                            {.ptr = ms, .len = (size_t)n}};
        cmd_propagate(ctx, 5, argv);
    } else if (flags & SET_GET) {
        resp_arg *argv = mem_alloc((size_t)(ctx->argc + 1) * sizeof(*argv));
        int argc = 0;
        argv[argc++] = PROP_ARG("SET");
        argv[argc++] = *key;
        argv[argc++] = *val;
        /* GETSET has no options; SET's start after the value. */
        for (int j = arg_eq(&ctx->argv[0], "getset") ? ctx->argc : 3; j < ctx->argc; j++)
            if (!arg_eq(&ctx->argv[j], "get")) argv[argc++] = ctx->argv[j];
        cmd_propagate(ctx, argc, argv);
        mem_free(argv);
    }
}

/* The common core of SET, SETNX, SETEX, PSETEX and GETSET: validates the
 * expiry, replies the old value for SET_GET, honours NX/XX and stores val.
 * The caller writes the final reply unless SET_GET replied already or the
 * outcome is SET_FAILED (an error was sent). */
static enum set_outcome set_generic(cmd_ctx *ctx, unsigned flags, const resp_arg *key,
                                    const resp_arg *val, const resp_arg *expire) {
    int64_t at = -1;
    if (expire && !expire_at_or_reply(ctx, expire, flags, &at)) return SET_FAILED;
    kv_ref ref;
    int lookup = (flags & SET_GET) ? read_lookup_flags(ctx) : KS_LOOKUP_WRITE;
    kv *old = db_lookup_ref(ctx->db, key->ptr, key->len, lookup, &ref);
    if (flags & SET_GET) {
        if (!cmd_string_or_reply(ctx, old)) return SET_FAILED;
        if (old)
            cmd_reply_string_value(ctx, old);
        else
            reply_null(ctx->out);
    }
    if (((flags & SET_NX) && old) || ((flags & SET_XX) && !old)) return SET_SKIPPED;
    if ((flags & SET_KEEPTTL) && old) at = kv_expire(old);
    store_entry(ctx, &ref, old, kv_new_string(key->ptr, key->len, val->ptr, val->len, at,
                                              KV_STR_AUTO));
    ctx->dirty++;
    propagate_set(ctx, flags, key, val, expire ? at : -1);
    return SET_STORED;
}

static void cmd_set(cmd_ctx *ctx) {
    unsigned flags = 0;
    const resp_arg *expire = NULL;
    if (!parse_set_options(ctx, 3, true, &flags, &expire)) return;
    enum set_outcome r = set_generic(ctx, flags, &ctx->argv[1], &ctx->argv[2], expire);
    if (r == SET_FAILED || (flags & SET_GET)) return;
    if (r == SET_STORED)
        reply_ok(ctx->out);
    else
        reply_null(ctx->out);
}

static void cmd_setnx(cmd_ctx *ctx) {
    enum set_outcome r = set_generic(ctx, SET_NX, &ctx->argv[1], &ctx->argv[2], NULL);
    reply_int(ctx->out, r == SET_STORED ? 1 : 0);
}

static void cmd_setex(cmd_ctx *ctx) {
    if (set_generic(ctx, SET_EX, &ctx->argv[1], &ctx->argv[3], &ctx->argv[2]) == SET_STORED)
        reply_ok(ctx->out);
}

static void cmd_psetex(cmd_ctx *ctx) {
    if (set_generic(ctx, SET_PX, &ctx->argv[1], &ctx->argv[3], &ctx->argv[2]) == SET_STORED)
        reply_ok(ctx->out);
}

static void cmd_getset(cmd_ctx *ctx) {
    /* Redis compat: like SET GET, the new value carries no TTL. */
    set_generic(ctx, SET_GET, &ctx->argv[1], &ctx->argv[2], NULL);
}

static void cmd_getdel(cmd_ctx *ctx) {
    const resp_arg *key = &ctx->argv[1];
    kv_ref ref;
    kv *e = db_lookup_ref(ctx->db, key->ptr, key->len, read_lookup_flags(ctx), &ref);
    if (e == NULL) {
        reply_null(ctx->out);
        return;
    }
    if (!cmd_string_or_reply(ctx, e)) return;
    cmd_reply_string_value(ctx, e);
    kv_free(db_unlink(ctx->db, &ref));
    ctx->dirty++;
    cmd_propagate_del(ctx, key, ctx->opts->lazyfree_user_del);
}

static void cmd_getex(cmd_ctx *ctx) {
    unsigned flags = 0;
    const resp_arg *expire = NULL;
    if (!parse_set_options(ctx, 2, false, &flags, &expire)) return;
    const resp_arg *key = &ctx->argv[1];
    kv_ref ref;
    kv *e = db_lookup_ref(ctx->db, key->ptr, key->len, read_lookup_flags(ctx), &ref);
    if (e == NULL) {
        /* Redis compat: a missing key wins over an invalid expire time. */
        reply_null(ctx->out);
        return;
    }
    if (!cmd_string_or_reply(ctx, e)) return;
    int64_t at = -1;
    if (expire && !expire_at_or_reply(ctx, expire, flags, &at)) return;
    /* Reply first: the entry may move or go away below. */
    cmd_reply_string_value(ctx, e);
    /* GETEX itself never replays: it becomes DEL, PEXPIREAT or PERSIST. */
    if ((flags & (SET_EXAT | SET_PXAT)) && at <= keyspace_now(ctx->ks) && !ctx->opts->replaying) {
        /* An absolute time already past deletes the key at once. */
        kv_free(db_unlink(ctx->db, &ref));
        ctx->dirty++;
        cmd_propagate_del(ctx, key, ctx->opts->lazyfree_expire);
    } else if (expire) {
        db_set_expire(ctx->db, &ref, e, at);
        ctx->dirty++;
        char ms[24];
        int n = snprintf(ms, sizeof(ms), "%lld", (long long)at);
        resp_arg argv[3] = {PROP_ARG("PEXPIREAT"), *key, {.ptr = ms, .len = (size_t)n}};
        cmd_propagate(ctx, 3, argv);
    } else if ((flags & SET_PERSIST) && kv_has_expire(e)) {
        db_set_expire(ctx->db, &ref, e, -1);
        ctx->dirty++;
        resp_arg argv[2] = {PROP_ARG("PERSIST"), *key};
        cmd_propagate(ctx, 2, argv);
    }
}

static void cmd_mget(cmd_ctx *ctx) {
    reply_array(ctx->out, ctx->argc - 1);
    for (int i = 1; i < ctx->argc; i++) {
        kv *e = cmd_lookup_read(ctx, &ctx->argv[i]);
        /* Redis compat: a key of another type reads as missing, no error. */
        if (e == NULL || kv_type_of(e) != KV_STRING)
            reply_null(ctx->out);
        else
            cmd_reply_string_value(ctx, e);
    }
}

static bool mset_arity_or_reply(cmd_ctx *ctx) {
    if (ctx->argc % 2 == 1) return true;
    reply_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", ctx->cmd->fullname);
    return false;
}

static void cmd_mset(cmd_ctx *ctx) {
    if (!mset_arity_or_reply(ctx)) return;
    for (int i = 1; i < ctx->argc; i += 2) {
        const resp_arg *key = &ctx->argv[i], *val = &ctx->argv[i + 1];
        kv_ref ref;
        kv *old = cmd_lookup_write(ctx, key, &ref);
        store_entry(ctx, &ref, old,
                    kv_new_string(key->ptr, key->len, val->ptr, val->len, -1, KV_STR_AUTO));
    }
    ctx->dirty += (uint64_t)(ctx->argc - 1) / 2;
    reply_ok(ctx->out);
}

static void cmd_msetnx(cmd_ctx *ctx) {
    if (!mset_arity_or_reply(ctx)) return;
    for (int i = 1; i < ctx->argc; i += 2) {
        kv_ref ref;
        if (cmd_lookup_write(ctx, &ctx->argv[i], &ref) != NULL) {
            reply_int(ctx->out, 0);
            return;
        }
    }
    /* None of the keys is live now (expired ones were just removed), so a
     * plain set suffices; a key named twice takes its last value. */
    for (int i = 1; i < ctx->argc; i += 2) {
        const resp_arg *key = &ctx->argv[i], *val = &ctx->argv[i + 1];
        db_set_string(ctx->db, key->ptr, key->len, val->ptr, val->len, -1, false, KV_STR_AUTO);
    }
    ctx->dirty += (uint64_t)(ctx->argc - 1) / 2;
    reply_int(ctx->out, 1);
}

/* Makes e RAW with room for total bytes, relinking it if it moved, and
 * returns its buffer, which the caller then edits. Redis compat: editing a
 * value in place always leaves it "raw", even when the result is short or
 * numeric. */
static kv_str *make_raw(cmd_ctx *ctx, kv_ref *ref, kv *e, size_t total) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    db_signal_modified(ctx->db, key, klen);
    if (kv_enc_of(e) != KV_ENC_RAW) {
        /* An exact copy first; the reserve below then grows it the same
         * greedy way as a value that was RAW already. */
        kv *n = kv_to_raw(e, 0);
        db_replace(ctx->db, ref, n);
        e = n;
    }
    return kv_raw_reserve(e, total);
}

static void cmd_append(cmd_ctx *ctx) {
    const resp_arg *key = &ctx->argv[1], *val = &ctx->argv[2];
    kv_ref ref;
    kv *e = cmd_lookup_write(ctx, key, &ref);
    if (e == NULL) {
        /* A new key is stored as SET would store it (int, embstr or raw). */
        db_insert(ctx->db, &ref,
                  kv_new_string(key->ptr, key->len, val->ptr, val->len, -1, KV_STR_AUTO));
        ctx->dirty++;
        reply_int(ctx->out, (int64_t)val->len);
        return;
    }
    if (!cmd_string_or_reply(ctx, e)) return;
    size_t len = kv_str_len(e);
    if (!string_size_ok_or_reply(ctx, len, val->len)) return;
    size_t total = len + val->len;
    kv_str *s = make_raw(ctx, &ref, e, total);
    if (val->len) memcpy(s->data + len, val->ptr, val->len);
    s->len = total;
    s->data[total] = '\0';
    ctx->dirty++;
    reply_int(ctx->out, (int64_t)total);
}

static void cmd_setrange(cmd_ctx *ctx) {
    const resp_arg *key = &ctx->argv[1], *val = &ctx->argv[3];
    int64_t offset;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &offset, NULL)) return;
    if (offset < 0) {
        reply_error(ctx->out, ERRMSG_OFFSET_RANGE);
        return;
    }
    kv_ref ref;
    kv *e = cmd_lookup_write(ctx, key, &ref);
    if (!cmd_string_or_reply(ctx, e)) return;
    /* Writing nothing changes nothing, whatever the offset. */
    if (val->len == 0) {
        reply_int(ctx->out, e ? (int64_t)kv_str_len(e) : 0);
        return;
    }
    if (!string_size_ok_or_reply(ctx, (uint64_t)offset, val->len)) return;
    size_t end = (size_t)offset + val->len;
    size_t len = 0;
    kv_str *s;
    if (e == NULL) {
        /* Redis compat: a key created by SETRANGE is "raw" and sized exactly,
         * so build it from an empty value rather than let it grow. */
        e = kv_to_raw(kv_new_string(key->ptr, key->len, "", 0, -1, KV_STR_NO_INT), end);
        db_insert(ctx->db, &ref, e);
        s = kv_raw(e);
    } else {
        len = kv_str_len(e);
        s = make_raw(ctx, &ref, e, end > len ? end : len);
    }
    if ((size_t)offset > len) memset(s->data + len, 0, (size_t)offset - len);
    memcpy(s->data + offset, val->ptr, val->len);
    if (end > len) {
        s->len = end;
        s->data[end] = '\0';
    }
    ctx->dirty++;
    reply_int(ctx->out, (int64_t)s->len);
}

static void cmd_getrange(cmd_ctx *ctx) {
    int64_t start, end;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &start, NULL)) return;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[3], &end, NULL)) return;
    kv *e = cmd_lookup_read(ctx, &ctx->argv[1]);
    if (e == NULL) {
        reply_bulk(ctx->out, "", 0);
        return;
    }
    if (!cmd_string_or_reply(ctx, e)) return;
    char tmp[KV_INT_BUF];
    size_t len;
    const char *v = kv_str_value(e, tmp, &len);
    /* Redis compat: two negative indexes in the wrong order give an empty
     * string before any clamping. */
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(ctx->out, "", 0);
        return;
    }
    int64_t n = (int64_t)len;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= n) end = n - 1;
    if (n == 0 || start > end) {
        reply_bulk(ctx->out, "", 0);
        return;
    }
    reply_bulk(ctx->out, v + start, (size_t)(end - start + 1));
}

static void cmd_strlen(cmd_ctx *ctx) {
    kv *e = cmd_lookup_read(ctx, &ctx->argv[1]);
    if (!cmd_string_or_reply(ctx, e)) return;
    reply_int(ctx->out, e ? (int64_t)kv_str_len(e) : 0);
}

/* INCR, DECR, INCRBY and DECRBY. The result is always INT-encoded; an INT
 * value is updated in place, anything else is replaced (TTL kept). */
static void incr_by(cmd_ctx *ctx, int64_t by) {
    const resp_arg *key = &ctx->argv[1];
    kv_ref ref;
    kv *e = cmd_lookup_write(ctx, key, &ref);
    if (!cmd_string_or_reply(ctx, e)) return;
    int64_t v = 0;
    if (e && kv_enc_of(e) == KV_ENC_INT) {
        v = kv_int_value(e);
    } else if (e) {
        char tmp[KV_INT_BUF];
        size_t len;
        const char *s = kv_str_value(e, tmp, &len);
        if (!number_parse_i64(s, len, &v)) {
            reply_error(ctx->out, ERRMSG_NOT_INTEGER);
            return;
        }
    }
    if ((by < 0 && v < 0 && by < INT64_MIN - v) || (by > 0 && v > 0 && by > INT64_MAX - v)) {
        reply_error(ctx->out, ERRMSG_OVERFLOW);
        return;
    }
    v += by;
    if (e && kv_enc_of(e) == KV_ENC_INT) {
        kv_set_int_value(e, v);
        db_signal_modified(ctx->db, key->ptr, key->len);
    } else {
        store_entry(ctx, &ref, e, kv_new_int(key->ptr, key->len, v, e ? kv_expire(e) : -1));
    }
    ctx->dirty++;
    reply_int(ctx->out, v);
}

static void cmd_incr(cmd_ctx *ctx) {
    incr_by(ctx, 1);
}

static void cmd_decr(cmd_ctx *ctx) {
    incr_by(ctx, -1);
}

static void cmd_incrby(cmd_ctx *ctx) {
    int64_t by;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &by, NULL)) return;
    incr_by(ctx, by);
}

static void cmd_decrby(cmd_ctx *ctx) {
    int64_t by;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &by, NULL)) return;
    if (by == INT64_MIN) {
        reply_error(ctx->out, ERRMSG_DECR_OVERFLOW);
        return;
    }
    incr_by(ctx, -by);
}

static void cmd_incrbyfloat(cmd_ctx *ctx) {
    const resp_arg *key = &ctx->argv[1];
    kv_ref ref;
    kv *e = cmd_lookup_write(ctx, key, &ref);
    if (!cmd_string_or_reply(ctx, e)) return;
    long double v = 0, by;
    if (e && kv_enc_of(e) == KV_ENC_INT) {
        v = (long double)kv_int_value(e);
    } else if (e) {
        char tmp[KV_INT_BUF];
        size_t len;
        const char *s = kv_str_value(e, tmp, &len);
        if (!number_parse_long_double(s, len, &v)) {
            reply_error(ctx->out, ERRMSG_NOT_FLOAT);
            return;
        }
    }
    if (!cmd_long_double_or_reply(ctx, &ctx->argv[2], &by, NULL)) return;
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(ctx->out, ERRMSG_NAN_INF);
        return;
    }
    char text[NUMBER_LD_MAX_CHARS];
    size_t len = number_format_long_double(text, sizeof(text), v);
    ASSERT(len > 0); /* every finite long double fits */
    /* Redis compat: the result is text even when it looks like an integer
     * ("embstr", not "int"), and the reply is a bulk string in RESP3 too. */
    store_entry(ctx, &ref, e,
                kv_new_string(key->ptr, key->len, text, len, e ? kv_expire(e) : -1,
                              KV_STR_NO_INT));
    ctx->dirty++;
    /* Replays as the resulting value: float formatting must not differ
     * between the two ends. */
    resp_arg argv[4] = {PROP_ARG("SET"), *key, {.ptr = text, .len = len}, PROP_ARG("KEEPTTL")};
    cmd_propagate(ctx, 4, argv);
    reply_bulk(ctx->out, text, len);
}

/* ---- LCS ---- */

typedef struct lcs_opts {
    bool len_only;
    bool idx;
    bool with_match_len;
    int64_t min_match_len;
} lcs_opts;

static bool parse_lcs_options(cmd_ctx *ctx, lcs_opts *o) {
    for (int j = 3; j < ctx->argc; j++) {
        const resp_arg *opt = &ctx->argv[j];
        if (arg_eq(opt, "idx")) {
            o->idx = true;
        } else if (arg_eq(opt, "len")) {
            o->len_only = true;
        } else if (arg_eq(opt, "withmatchlen")) {
            o->with_match_len = true;
        } else if (arg_eq(opt, "minmatchlen") && j + 1 < ctx->argc) {
            if (!cmd_i64_or_reply(ctx, &ctx->argv[++j], &o->min_match_len, NULL)) return false;
            if (o->min_match_len < 0) o->min_match_len = 0;
        } else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return false;
        }
    }
    if (o->len_only && o->idx) {
        reply_error(ctx->out, "ERR If you want both the length and indexes, please just use IDX.");
        return false;
    }
    return true;
}

/* One matching run found while walking the table back: a[a0..a1] equals
 * b[b0..b1]. */
typedef struct lcs_range {
    uint32_t a0, a1, b0, b1;
} lcs_range;

static void reply_lcs_range(cmd_ctx *ctx, const lcs_opts *o, const lcs_range *r) {
    reply_array(ctx->out, o->with_match_len ? 3 : 2);
    reply_array(ctx->out, 2);
    reply_int(ctx->out, r->a0);
    reply_int(ctx->out, r->a1);
    reply_array(ctx->out, 2);
    reply_int(ctx->out, r->b0);
    reply_int(ctx->out, r->b1);
    if (o->with_match_len) reply_int(ctx->out, (int64_t)(r->a1 - r->a0) + 1);
}

/* Walks the length table t (rows of bn + 1 cells) back from the end,
 * writing the common subsequence into out (when not NULL) and replying the
 * matching runs (when o->idx), last run first. Returns how many runs were
 * replied. Redis compat: on a tie the walk drops a byte of b, which decides
 * which of several equally long answers is returned. */
static int64_t lcs_walk(cmd_ctx *ctx, const lcs_opts *o, const uint32_t *t, const char *a,
                        uint32_t an, const char *b, uint32_t bn, char *out) {
    size_t w = (size_t)bn + 1;
    uint32_t i = an, j = bn, k = t[(size_t)an * w + bn];
    int64_t runs = 0;
    bool open = false;
    lcs_range r = {0, 0, 0, 0};
    while (i > 0 && j > 0) {
        bool close;
        if (a[i - 1] == b[j - 1]) {
            if (out) out[--k] = a[i - 1];
            if (!open) {
                open = true;
                r.a1 = i - 1;
                r.b1 = j - 1;
            }
            r.a0 = --i;
            r.b0 = --j;
            close = i == 0 || j == 0;
        } else {
            if (t[(size_t)(i - 1) * w + j] > t[(size_t)i * w + j - 1])
                i--;
            else
                j--;
            close = open;
        }
        if (close) {
            if (o->idx && (int64_t)(r.a1 - r.a0) + 1 >= o->min_match_len) {
                reply_lcs_range(ctx, o, &r);
                runs++;
            }
            open = false;
        }
    }
    return runs;
}

/* Builds the table of LCS lengths: cell (i, j), at i * (bn + 1) + j, holds
 * the length for the first i bytes of a and the first j bytes of b. The
 * caller frees it. */
static uint32_t *lcs_table(const char *a, uint32_t an, const char *b, uint32_t bn) {
    size_t w = (size_t)bn + 1;
    uint32_t *t = mem_alloc(((size_t)an + 1) * w * sizeof(uint32_t));
    for (size_t j = 0; j < w; j++) t[j] = 0;
    for (uint32_t i = 1; i <= an; i++) {
        uint32_t *row = t + (size_t)i * w, *up = row - w;
        row[0] = 0;
        for (uint32_t j = 1; j <= bn; j++) {
            if (a[i - 1] == b[j - 1])
                row[j] = up[j - 1] + 1;
            else
                row[j] = up[j] > row[j - 1] ? up[j] : row[j - 1];
        }
    }
    return t;
}

static void cmd_lcs(cmd_ctx *ctx) {
    kv *ea = cmd_lookup_read(ctx, &ctx->argv[1]);
    kv *eb = cmd_lookup_read(ctx, &ctx->argv[2]);
    if ((ea && kv_type_of(ea) != KV_STRING) || (eb && kv_type_of(eb) != KV_STRING)) {
        reply_error(ctx->out, "ERR The specified keys must contain string values");
        return;
    }
    lcs_opts o = {0};
    if (!parse_lcs_options(ctx, &o)) return;
    char tmpa[KV_INT_BUF], tmpb[KV_INT_BUF];
    size_t alen = 0, blen = 0;
    const char *a = ea ? kv_str_value(ea, tmpa, &alen) : "";
    const char *b = eb ? kv_str_value(eb, tmpb, &blen) : "";
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        reply_error(ctx->out, "ERR String too long for LCS");
        return;
    }
    /* The table holds the LCS length of every pair of prefixes; its size is
     * bounded like any other transient string. */
    uint64_t cells = (uint64_t)(alen + 1) * (blen + 1);
    if (cells > SIZE_MAX / sizeof(uint32_t)) {
        reply_error(ctx->out,
                    "ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
    if (cells * sizeof(uint32_t) > (uint64_t)ctx->opts->proto_max_bulk_len) {
        reply_error(ctx->out,
                    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    uint32_t an = (uint32_t)alen, bn = (uint32_t)blen;
    uint32_t *t = lcs_table(a, an, b, bn);
    uint32_t total = t[(size_t)an * ((size_t)bn + 1) + bn];
    if (o.idx) {
        reply_map(ctx->out, 2);
        reply_bulk_cstr(ctx->out, "matches");
        reply_deferred d = reply_defer(ctx->out);
        int64_t runs = lcs_walk(ctx, &o, t, a, an, b, bn, NULL);
        reply_set_array_len(ctx->out, d, runs);
        reply_bulk_cstr(ctx->out, "len");
        reply_int(ctx->out, total);
    } else if (o.len_only) {
        reply_int(ctx->out, total);
    } else {
        char *out = mem_alloc(total + 1);
        lcs_walk(ctx, &o, t, a, an, b, bn, out);
        reply_bulk(ctx->out, out, total);
        mem_free(out);
    }
    mem_free(t);
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
     .key_notes = "Read and written: with GET the old value is returned.",
     .group = "string",
     .since = "1.0.0",
     .summary = "Sets the string value of a key, with optional expiry and conditions.",
     .complexity = "O(1)"},
    {.name = "setnx",
     .handler = cmd_setnx,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "OW INSERT",
     .group = "string",
     .since = "1.0.0",
     .summary = "Sets a key to a string value only if the key does not exist yet.",
     .complexity = "O(1)"},
    {.name = "setex",
     .handler = cmd_setex,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "OW UPDATE",
     .group = "string",
     .since = "2.0.0",
     .summary = "Sets a string value together with a time to live in seconds.",
     .complexity = "O(1)"},
    {.name = "psetex",
     .handler = cmd_psetex,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "OW UPDATE",
     .group = "string",
     .since = "2.6.0",
     .summary = "Sets a string value together with a time to live in milliseconds.",
     .complexity = "O(1)"},
    {.name = "getset",
     .handler = cmd_getset,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE",
     .group = "string",
     .since = "1.0.0",
     .summary = "Replaces the string value of a key and returns the value it had before "
         "(deprecated: use SET with GET).",
     .complexity = "O(1)"},
    {.name = "getdel",
     .handler = cmd_getdel,
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS DELETE",
     .group = "string",
     .since = "6.2.0",
     .summary = "Returns the string value of a key and deletes the key.",
     .complexity = "O(1)"},
    {.name = "getex",
     .handler = cmd_getex,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE",
     .key_notes = "Written as well as read: the expiry may change.",
     .group = "string",
     .since = "6.2.0",
     .summary = "Returns the string value of a key and optionally changes or removes its expiry.",
     .complexity = "O(1)"},
    {.name = "mget",
     .handler = cmd_mget,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RO ACCESS",
     .tips = "request_policy:multi_shard",
     .group = "string",
     .since = "1.0.0",
     .summary = "Returns the string values of several keys at once.",
     .complexity = "O(N), N being how many keys are read."},
    {.name = "mset",
     .handler = cmd_mset,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = -1, .key_step = 2,
     .acl = "@string",
     .key_flags = "OW UPDATE",
     .tips = "request_policy:multi_shard response_policy:all_succeeded",
     .group = "string",
     .since = "1.0.1",
     .summary = "Sets the string values of several keys at once.",
     .complexity = "O(N), N being how many keys are written."},
    {.name = "msetnx",
     .handler = cmd_msetnx,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = -1, .key_step = 2,
     .acl = "@string",
     .key_flags = "OW INSERT",
     .tips = "request_policy:multi_shard response_policy:agg_min",
     .group = "string",
     .since = "1.0.1",
     .summary = "Sets several keys at once, but only if none of them exists yet.",
     .complexity = "O(N), N being how many keys are written."},
    {.name = "append",
     .handler = cmd_append,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW INSERT",
     .group = "string",
     .since = "2.0.0",
     .summary = "Appends bytes to the string value of a key, creating the key if needed.",
     .complexity = "O(1) amortized: the value's buffer grows geometrically, so appending small "
         "pieces costs constant time on average."},
    {.name = "strlen",
     .handler = cmd_strlen,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RO",
     .group = "string",
     .since = "2.2.0",
     .summary = "Returns the length in bytes of the string value of a key.",
     .complexity = "O(1)"},
    {.name = "incr",
     .handler = cmd_incr,
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE",
     .group = "string",
     .since = "1.0.0",
     .summary = "Adds one to the integer value of a key (a missing key counts as 0).",
     .complexity = "O(1)"},
    {.name = "decr",
     .handler = cmd_decr,
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE",
     .group = "string",
     .since = "1.0.0",
     .summary = "Subtracts one from the integer value of a key (a missing key counts as 0).",
     .complexity = "O(1)"},
    {.name = "incrby",
     .handler = cmd_incrby,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE",
     .group = "string",
     .since = "1.0.0",
     .summary = "Adds an integer to the integer value of a key (a missing key counts as 0).",
     .complexity = "O(1)"},
    {.name = "decrby",
     .handler = cmd_decrby,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE",
     .group = "string",
     .since = "1.0.0",
     .summary = "Subtracts an integer from the integer value of a key (a missing key counts as 0).",
     .complexity = "O(1)"},
    {.name = "incrbyfloat",
     .handler = cmd_incrbyfloat,
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW ACCESS UPDATE",
     .group = "string",
     .since = "2.6.0",
     .summary = "Adds a floating-point number to the numeric value of a key (a missing key "
         "counts as 0).",
     .complexity = "O(1)"},
    {.name = "getrange",
     .handler = cmd_getrange,
     .arity = 4,
     .flags = CMD_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RO ACCESS",
     .group = "string",
     .since = "2.4.0",
     .summary = "Returns the bytes of a string value between two offsets, both included.",
     .complexity = "O(N), N being the length of the returned part; effectively O(1) for short "
         "results."},
    {.name = "setrange",
     .handler = cmd_setrange,
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RW UPDATE",
     .group = "string",
     .since = "2.2.0",
     .summary = "Overwrites part of a string value from an offset, padding with zero bytes when "
         "needed.",
     .complexity = "O(1) plus O(M) to copy the M bytes written, and to pad when the value must "
         "grow."},
    {.name = "substr",
     .handler = cmd_getrange,
     .arity = 4,
     .flags = CMD_READONLY,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@string",
     .key_flags = "RO ACCESS",
     .group = "string",
     .since = "1.0.0",
     .summary = "Returns the bytes of a string value between two offsets (deprecated: use "
         "GETRANGE).",
     .complexity = "O(N), N being the length of the returned part; effectively O(1) for short "
         "results."},
    {.name = "lcs",
     .handler = cmd_lcs,
     .arity = -3,
     .flags = CMD_READONLY,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .acl = "@string",
     .key_flags = "RO ACCESS",
     .group = "string",
     .since = "7.0.0",
     .summary = "Finds the longest common subsequence of the string values of two keys.",
     .complexity = "O(N*M), N and M being the lengths of the two strings."},
    {0},
};
