/* cmd_keys: commands on keys whatever their type (DEL, EXISTS, EXPIRE, ...)
 * and on whole databases (DBSIZE, FLUSHDB, SWAPDB, ...).
 *
 * Handlers only compose keyspace calls: look a key up once with a kv_ref,
 * then replace, insert or unlink at that ref. A ref is spent by any change
 * to its database, so a handler that touches two keys of one database looks
 * the second key up last and re-finds the first by name afterwards.
 *
 * Expired keys are invisible: single-key lookups delete them on the way, and
 * the walks (KEYS, SCAN, RANDOMKEY) skip or delete them before replying.
 * Entries hold their value inline, so RENAME and COPY build a copy under the
 * new name (kv_dup_with_key keeps the encoding and the expiry), while MOVE
 * hands the very same entry to the other database. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/glob.h"
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

/* Redis compat: how an argument that must fit a C int is refused. */

/* Values in [0, OBJ_SHARED_INTEGERS) are shared objects in Redis, and
 * OBJECT REFCOUNT reports INT_MAX for them. */
#define SHARED_INTEGERS 10000
#define SHARED_REFCOUNT INT_MAX

/* ---- small helpers ---- */

static bool same_bytes(const resp_arg *a, const resp_arg *b) {
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Parses an argument that must fit a C int (database numbers). */
static bool int_or_reply(cmd_ctx *ctx, const resp_arg *arg, int *out) {
    int64_t v;
    if (!cmd_i64_or_reply(ctx, arg, &v, NULL)) return false;
    if (v < INT_MIN || v > INT_MAX) {
        reply_error(ctx->out, ERRMSG_INT_RANGE);
        return false;
    }
    *out = (int)v;
    return true;
}

/* Parses a database number and checks it names one of ours. */
static bool db_index_or_reply(cmd_ctx *ctx, const resp_arg *arg, int *out) {
    if (!int_or_reply(ctx, arg, out)) return false;
    if (*out < 0 || *out >= keyspace_db_count(ctx->ks)) {
        reply_error(ctx->out, ERRMSG_DB_RANGE);
        return false;
    }
    return true;
}

static const char *type_name(const kv *e) {
    if (e == NULL) return "none";
    switch (kv_type_of(e)) {
    case KV_STRING: return "string";
    case KV_LIST: return "list";
    case KV_SET: return "set";
    case KV_ZSET: return "zset";
    case KV_HASH: return "hash";
    case KV_STREAM: return "stream";
    }
    return "unknown";
}

static const char *encoding_name(const kv *e) {
    switch (kv_enc_of(e)) {
    case KV_ENC_INT: return "int";
    case KV_ENC_EMBSTR: return "embstr";
    case KV_ENC_RAW: return "raw";
    }
    return "unknown";
}

/* ---- existence and deletion ---- */

/* Also serves UNLINK: freeing an entry is O(1) here (one allocation, plus
 * one for a long string), so there is nothing worth handing to the
 * background and both commands free at once. */
static void cmd_del(cmd_ctx *ctx) {
    int64_t deleted = 0;
    for (int i = 1; i < ctx->argc; i++) {
        const resp_arg *key = &ctx->argv[i];
        kv_ref ref;
        /* A lookup first, so an expired key counts as already gone. */
        if (cmd_lookup_write(ctx, key, &ref) == NULL) continue;
        kv_free(db_unlink(ctx->db, &ref));
        deleted++;
    }
    ctx->dirty += (uint64_t)deleted;
    reply_int(ctx->out, deleted);
}

static void cmd_exists(cmd_ctx *ctx) {
    int64_t count = 0;
    for (int i = 1; i < ctx->argc; i++) {
        if (db_lookup(ctx->db, ctx->argv[i].ptr, ctx->argv[i].len, KS_LOOKUP_NOTOUCH)) count++;
    }
    reply_int(ctx->out, count);
}

static void cmd_type(cmd_ctx *ctx) {
    const resp_arg *key = &ctx->argv[1];
    kv *e = db_lookup(ctx->db, key->ptr, key->len, KS_LOOKUP_NOTOUCH);
    reply_simple_cstr(ctx->out, type_name(e));
}

/* Recording an access is the point of TOUCH, so it ignores CLIENT NO-TOUCH. */
static void cmd_touch(cmd_ctx *ctx) {
    int64_t count = 0;
    for (int i = 1; i < ctx->argc; i++) {
        if (db_lookup(ctx->db, ctx->argv[i].ptr, ctx->argv[i].len, 0)) count++;
    }
    reply_int(ctx->out, count);
}

/* ---- walking the keyspace ---- */

typedef struct keys_walk {
    db *d;
    reply *out;
    const resp_arg *pattern;
    bool all;
    int64_t count;
} keys_walk;

static bool keys_visit(kv *e, void *arg) {
    keys_walk *w = arg;
    /* Redis compat: KEYS hides expired keys but leaves deleting them to
     * lookups and the expiry cycle. */
    if (db_is_expired(w->d, e)) return true;
    size_t len;
    const char *key = kv_key(e, &len);
    if (!w->all && !glob_match(w->pattern->ptr, w->pattern->len, key, len, false)) return true;
    reply_bulk(w->out, key, len);
    w->count++;
    return true;
}

static void cmd_keys(cmd_ctx *ctx) {
    const resp_arg *pattern = &ctx->argv[1];
    if (glob_is_literal(pattern->ptr, pattern->len)) {
        /* A pattern without wildcards names one key: no need to walk. */
        kv *e = db_find(ctx->db, pattern->ptr, pattern->len);
        if (e == NULL || db_is_expired(ctx->db, e)) {
            reply_empty_array(ctx->out);
        } else {
            reply_array(ctx->out, 1);
            reply_bulk(ctx->out, pattern->ptr, pattern->len);
        }
        return;
    }
    keys_walk w = {ctx->db, ctx->out, pattern, pattern->len == 1 && pattern->ptr[0] == '*', 0};
    reply_deferred len = reply_defer(ctx->out);
    db_foreach(ctx->db, keys_visit, &w);
    reply_set_array_len(ctx->out, len, w.count);
}

/* Redis compat: the cursor is read the way strtoul() reads a C string, so
 * "" is 0, a leading '+' or '-' is allowed ("-1" wraps around), and a
 * leading space or an out-of-range value is refused. */
static bool parse_scan_cursor(const resp_arg *arg, uint64_t *out) {
    const char *s = arg->ptr;
    size_t n = strnlen(s, arg->len), i = 0;
    if (n > 0 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))) return false;
    bool negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i == n || s[i] < '0' || s[i] > '9') {
        /* Nothing converted: only the empty string ends right there. */
        *out = 0;
        return n == 0;
    }
    uint64_t v = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    if (i != n) return false;
    *out = negative ? 0 - v : v;
    return true;
}

typedef struct scan_walk {
    const resp_arg *pattern; /* NULL: every key */
    buf keys;                /* copies of matching names: size_t length, then bytes */
    size_t visited;
} scan_walk;

static void scan_visit(kv *e, void *arg) {
    scan_walk *w = arg;
    size_t len;
    const char *key = kv_key(e, &len);
    w->visited++;
    if (w->pattern && !glob_match(w->pattern->ptr, w->pattern->len, key, len, false)) return;
    /* Copies, because checking the keys afterwards may delete entries. */
    buf_append(&w->keys, &len, sizeof(len));
    buf_append(&w->keys, key, len);
}

/* Parses SCAN's options from argv[2]; replies and returns false on error. */
static bool parse_scan_options(cmd_ctx *ctx, int64_t *count, const resp_arg **pattern,
                               const resp_arg **type) {
    for (int i = 2; i < ctx->argc; i += 2) {
        const resp_arg *opt = &ctx->argv[i];
        bool has_value = i + 1 < ctx->argc;
        if (has_value && arg_eq(opt, "count")) {
            if (!cmd_i64_or_reply(ctx, &ctx->argv[i + 1], count, NULL)) return false;
            if (*count < 1) {
                reply_error(ctx->out, ERRMSG_SYNTAX);
                return false;
            }
        } else if (has_value && arg_eq(opt, "match")) {
            const resp_arg *p = &ctx->argv[i + 1];
            /* "*" matches everything: the same as no pattern. */
            *pattern = (p->len == 1 && p->ptr[0] == '*') ? NULL : p;
        } else if (has_value && arg_eq(opt, "type")) {
            *type = &ctx->argv[i + 1];
        } else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return false;
        }
    }
    return true;
}

static void cmd_scan(cmd_ctx *ctx) {
    uint64_t cursor;
    if (!parse_scan_cursor(&ctx->argv[1], &cursor)) {
        reply_error(ctx->out, ERRMSG_INVALID_CURSOR);
        return;
    }
    int64_t count = 10;
    const resp_arg *type = NULL;
    scan_walk w = {.pattern = NULL, .visited = 0};
    if (!parse_scan_options(ctx, &count, &w.pattern, &type)) return;

    /* COUNT is a hint about work per call: stop after count keys, or after
     * 10 * count steps so a sparse table cannot stall the server. */
    int64_t steps = count > INT64_MAX / 10 ? INT64_MAX : count * 10;
    buf_init(&w.keys);
    do {
        cursor = db_scan(ctx->db, cursor, scan_visit, &w);
    } while (cursor != 0 && steps-- > 0 && w.visited < (uint64_t)count);

    /* Second pass: drop expired keys (deleting them, as a lookup does) and
     * keys of another type, then reply. */
    size_t kept = 0, pos = 0;
    buf out;
    buf_init(&out);
    while (pos < w.keys.len) {
        size_t len;
        memcpy(&len, w.keys.data + pos, sizeof(len));
        const char *key = w.keys.data + pos + sizeof(len);
        pos += sizeof(len) + len;
        int flags = KS_LOOKUP_NOTOUCH | (type ? 0 : KS_LOOKUP_NOSTATS);
        kv *e = db_lookup(ctx->db, key, len, flags);
        if (e == NULL) continue;
        size_t tlen = type ? type->len : 0;
        const char *tname = type_name(e);
        if (type && (strlen(tname) != tlen || strncasecmp(tname, type->ptr, tlen) != 0)) continue;
        buf_append(&out, &len, sizeof(len));
        buf_append(&out, key, len);
        kept++;
    }
    buf_fini(&w.keys);

    char num[NUMBER_I64_MAX_CHARS];
    reply_array(ctx->out, 2);
    reply_bulk(ctx->out, num, number_format_u64(num, cursor));
    reply_array(ctx->out, (int64_t)kept);
    for (pos = 0; pos < out.len;) {
        size_t len;
        memcpy(&len, out.data + pos, sizeof(len));
        reply_bulk(ctx->out, out.data + pos + sizeof(len), len);
        pos += sizeof(len) + len;
    }
    buf_fini(&out);
}

static void cmd_randomkey(cmd_ctx *ctx) {
    kv *e = NULL;
    /* db_random_key gives up after a run of expired keys (deleting each
     * one); keep asking while keys remain, as Redis does. */
    while (e == NULL && db_size(ctx->db) > 0) e = db_random_key(ctx->db);
    if (e == NULL) {
        reply_null(ctx->out);
        return;
    }
    size_t len;
    const char *key = kv_key(e, &len);
    reply_bulk(ctx->out, key, len);
}

static void cmd_dbsize(cmd_ctx *ctx) {
    reply_int(ctx->out, (int64_t)db_size(ctx->db));
}

/* ---- renaming, copying, moving ---- */

static void rename_generic(cmd_ctx *ctx, bool nx) {
    const resp_arg *src = &ctx->argv[1], *dst = &ctx->argv[2];
    kv_ref src_ref;
    kv *e = cmd_lookup_write(ctx, src, &src_ref);
    if (e == NULL) {
        reply_error(ctx->out, ERRMSG_NO_SUCH_KEY);
        return;
    }
    /* Redis compat: renaming a key to itself succeeds without a change
     * (RENAMENX answers 0: the destination exists). */
    if (same_bytes(src, dst)) {
        if (nx)
            reply_int(ctx->out, 0);
        else
            reply_ok(ctx->out);
        return;
    }
    kv_ref dst_ref;
    kv *old = cmd_lookup_write(ctx, dst, &dst_ref);
    if (old && nx) {
        reply_int(ctx->out, 0);
        return;
    }
    /* Both refs may be stale now (each lookup can move buckets of a table
     * being rehashed): take the source out by name, give its value the new
     * name without copying it, then place it at the destination. */
    (void)e;
    kv_ref ref;
    kv *taken = db_lookup_ref(ctx->db, src->ptr, src->len, KS_LOOKUP_WRITE | KS_LOOKUP_NOEXPIRE, &ref);
    ASSERT(taken != NULL);
    kv *moved = kv_rekey(db_unlink(ctx->db, &ref), dst->ptr, dst->len);
    old = db_lookup_ref(ctx->db, dst->ptr, dst->len, KS_LOOKUP_WRITE | KS_LOOKUP_NOEXPIRE, &dst_ref);
    if (old) {
        db_replace(ctx->db, &dst_ref, moved);
        kv_free(old);
    } else {
        db_insert(ctx->db, &dst_ref, moved);
    }
    ctx->dirty++;
    if (nx)
        reply_int(ctx->out, 1);
    else
        reply_ok(ctx->out);
}

static void cmd_rename(cmd_ctx *ctx) {
    rename_generic(ctx, false);
}

static void cmd_renamenx(cmd_ctx *ctx) {
    rename_generic(ctx, true);
}

static void cmd_copy(cmd_ctx *ctx) {
    int src_id = db_id(ctx->db), dst_id = src_id;
    bool replace = false;
    for (int i = 3; i < ctx->argc; i++) {
        if (arg_eq(&ctx->argv[i], "replace")) {
            replace = true;
        } else if (arg_eq(&ctx->argv[i], "db") && i + 1 < ctx->argc) {
            if (!db_index_or_reply(ctx, &ctx->argv[++i], &dst_id)) return;
        } else {
            reply_error(ctx->out, ERRMSG_SYNTAX);
            return;
        }
    }
    if (ctx->opts->cluster_enabled && (src_id != 0 || dst_id != 0)) {
        reply_error(ctx->out, ERRMSG_COPY_CLUSTER);
        return;
    }
    const resp_arg *key = &ctx->argv[1], *newkey = &ctx->argv[2];
    if (src_id == dst_id && same_bytes(key, newkey)) {
        reply_error(ctx->out, ERRMSG_SAME_OBJECT);
        return;
    }
    kv *e = cmd_lookup_read(ctx, key);
    if (e == NULL) {
        reply_int(ctx->out, 0);
        return;
    }
    db *dst = keyspace_db(ctx->ks, dst_id);
    kv_ref ref;
    kv *old = db_lookup_ref(dst, newkey->ptr, newkey->len, KS_LOOKUP_WRITE, &ref);
    if (old && !replace) {
        reply_int(ctx->out, 0);
        return;
    }
    kv *copy = kv_dup_with_key(e, newkey->ptr, newkey->len);
    /* Redis compat: the copy is a new object with fresh access data (a
     * zero clock makes the keyspace initialise it). */
    kv_set_clock(copy, 0);
    if (old) {
        db_replace(dst, &ref, copy);
        kv_free(old);
    } else {
        db_insert(dst, &ref, copy);
    }
    ctx->dirty++;
    reply_int(ctx->out, 1);
}

static void cmd_move(cmd_ctx *ctx) {
    if (ctx->opts->cluster_enabled) {
        reply_error(ctx->out, ERRMSG_MOVE_CLUSTER);
        return;
    }
    int dst_id;
    if (!db_index_or_reply(ctx, &ctx->argv[2], &dst_id)) return;
    if (dst_id == db_id(ctx->db)) {
        reply_error(ctx->out, ERRMSG_SAME_OBJECT);
        return;
    }
    const resp_arg *key = &ctx->argv[1];
    kv_ref src_ref, dst_ref;
    if (cmd_lookup_write(ctx, key, &src_ref) == NULL) {
        reply_int(ctx->out, 0);
        return;
    }
    db *dst = keyspace_db(ctx->ks, dst_id);
    if (db_lookup_ref(dst, key->ptr, key->len, KS_LOOKUP_WRITE, &dst_ref) != NULL) {
        reply_int(ctx->out, 0);
        return;
    }
    /* src_ref survives the lookup in the other database; the entry moves
     * as is, expiry and access data included. */
    db_insert(dst, &dst_ref, db_unlink(ctx->db, &src_ref));
    ctx->dirty++;
    reply_int(ctx->out, 1);
}

/* ---- expiry ---- */

enum expire_flags {
    EXPIRE_NX = 1 << 0,
    EXPIRE_XX = 1 << 1,
    EXPIRE_GT = 1 << 2,
    EXPIRE_LT = 1 << 3,
};

static bool parse_expire_flags(cmd_ctx *ctx, unsigned *flags) {
    *flags = 0;
    for (int i = 3; i < ctx->argc; i++) {
        const resp_arg *opt = &ctx->argv[i];
        if (arg_eq(opt, "nx")) {
            *flags |= EXPIRE_NX;
        } else if (arg_eq(opt, "xx")) {
            *flags |= EXPIRE_XX;
        } else if (arg_eq(opt, "gt")) {
            *flags |= EXPIRE_GT;
        } else if (arg_eq(opt, "lt")) {
            *flags |= EXPIRE_LT;
        } else {
            /* Redis compat: the option is echoed as a C string. */
            reply_errorf(ctx->out, "ERR Unsupported option %.*s", (int)strnlen(opt->ptr, opt->len),
                         opt->ptr);
            return false;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        reply_error(ctx->out, ERRMSG_NX_XX_GT_LT);
        return false;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        reply_error(ctx->out, ERRMSG_GT_LT);
        return false;
    }
    return true;
}

/* Whether the conditions allow replacing expiry cur (-1: none) by when. A
 * key without expiry counts as expiring at infinity for GT and LT. */
static bool expire_allowed(unsigned flags, int64_t cur, int64_t when) {
    if ((flags & EXPIRE_NX) && cur != -1) return false;
    if ((flags & EXPIRE_XX) && cur == -1) return false;
    if ((flags & EXPIRE_GT) && (cur == -1 || when <= cur)) return false;
    if ((flags & EXPIRE_LT) && cur != -1 && when >= cur) return false;
    return true;
}

/* Every form of EXPIRE replays as PEXPIREAT key <absolute ms> with the
 * request's NX/XX/GT/LT options, so the key expires at the same instant
 * wherever and whenever the stream is applied. */
static void propagate_pexpireat(cmd_ctx *ctx, int64_t when) {
    if (ctx->prop == NULL) return; /* nobody listens: skip the formatting */
    char ms[24];
    int n = snprintf(ms, sizeof(ms), "%lld", (long long)when);
    resp_arg *argv = mem_alloc((size_t)ctx->argc * sizeof(*argv));
    argv[0] = PROP_ARG("PEXPIREAT");
    argv[1] = ctx->argv[1];
    argv[2] = (resp_arg){.ptr = ms, .len = (size_t)n};
    for (int j = 3; j < ctx->argc; j++) argv[j] = ctx->argv[j];
    cmd_propagate(ctx, ctx->argc, argv);
    mem_free(argv);
}

/* EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: base_ms is now for the relative
 * forms, 0 for the absolute ones. */
static void expire_generic(cmd_ctx *ctx, int64_t base_ms, bool seconds) {
    unsigned flags;
    if (!parse_expire_flags(ctx, &flags)) return;
    int64_t when;
    if (!cmd_i64_or_reply(ctx, &ctx->argv[2], &when, NULL)) return;
    /* Negative values are allowed (they delete the key); only overflow of
     * the unit conversion or of the addition is an error. */
    if (seconds) {
        if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) goto invalid;
        when *= 1000;
    }
    if (when > INT64_MAX - base_ms) goto invalid;
    when += base_ms;

    kv_ref ref;
    kv *e = cmd_lookup_write(ctx, &ctx->argv[1], &ref);
    if (e == NULL || !expire_allowed(flags, kv_expire(e), when)) {
        reply_int(ctx->out, 0);
        return;
    }
    if (when <= keyspace_now(ctx->ks) && !ctx->opts->replaying) {
        /* Redis compat: an expiry in the past deletes the key now. */
        kv_free(db_unlink(ctx->db, &ref));
        cmd_propagate_del(ctx, &ctx->argv[1], ctx->opts->lazyfree_expire);
    } else {
        db_set_expire(ctx->db, &ref, e, when);
        propagate_pexpireat(ctx, when);
    }
    ctx->dirty++;
    reply_int(ctx->out, 1);
    return;
invalid:
    reply_errorf(ctx->out, "ERR invalid expire time in '%s' command", ctx->cmd->fullname);
}

static void cmd_expire(cmd_ctx *ctx) {
    expire_generic(ctx, keyspace_now(ctx->ks), true);
}

static void cmd_pexpire(cmd_ctx *ctx) {
    expire_generic(ctx, keyspace_now(ctx->ks), false);
}

static void cmd_expireat(cmd_ctx *ctx) {
    expire_generic(ctx, 0, true);
}

static void cmd_pexpireat(cmd_ctx *ctx) {
    expire_generic(ctx, 0, false);
}

/* TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 without
 * expiry, else the remaining time or the deadline. */
static void ttl_generic(cmd_ctx *ctx, bool in_ms, bool absolute) {
    const resp_arg *key = &ctx->argv[1];
    kv *e = db_lookup(ctx->db, key->ptr, key->len, KS_LOOKUP_NOTOUCH);
    if (e == NULL) {
        reply_int(ctx->out, -2);
        return;
    }
    int64_t when = kv_expire(e);
    if (when == -1) {
        reply_int(ctx->out, -1);
        return;
    }
    int64_t v = absolute ? when : when - keyspace_now(ctx->ks);
    if (v < 0) v = 0;
    /* Seconds are rounded to nearest, as Redis does. */
    reply_int(ctx->out, in_ms ? v : (v + 500) / 1000);
}

static void cmd_ttl(cmd_ctx *ctx) {
    ttl_generic(ctx, false, false);
}

static void cmd_pttl(cmd_ctx *ctx) {
    ttl_generic(ctx, true, false);
}

static void cmd_expiretime(cmd_ctx *ctx) {
    ttl_generic(ctx, false, true);
}

static void cmd_pexpiretime(cmd_ctx *ctx) {
    ttl_generic(ctx, true, true);
}

static void cmd_persist(cmd_ctx *ctx) {
    kv_ref ref;
    kv *e = cmd_lookup_write(ctx, &ctx->argv[1], &ref);
    if (e == NULL || !kv_has_expire(e)) {
        reply_int(ctx->out, 0);
        return;
    }
    db_set_expire(ctx->db, &ref, e, -1);
    ctx->dirty++;
    reply_int(ctx->out, 1);
}

/* ---- OBJECT ---- */

/* Looks the key of an OBJECT subcommand up without recording an access;
 * replies null when it is missing. */
static kv *object_lookup_or_reply(cmd_ctx *ctx) {
    const resp_arg *key = &ctx->argv[2];
    kv *e = db_lookup(ctx->db, key->ptr, key->len, KS_LOOKUP_NOTOUCH);
    if (e == NULL) reply_null(ctx->out);
    return e;
}

static void cmd_object_encoding(cmd_ctx *ctx) {
    kv *e = object_lookup_or_reply(ctx);
    if (e) reply_bulk_cstr(ctx->out, encoding_name(e));
}

static void cmd_object_refcount(cmd_ctx *ctx) {
    kv *e = object_lookup_or_reply(ctx);
    if (e == NULL) return;
    bool shared = ctx->opts->shared_integers && kv_enc_of(e) == KV_ENC_INT &&
                  kv_int_value(e) >= 0 && kv_int_value(e) < SHARED_INTEGERS;
    reply_int(ctx->out, shared ? SHARED_REFCOUNT : 1);
}

static void cmd_object_idletime(cmd_ctx *ctx) {
    kv *e = object_lookup_or_reply(ctx);
    if (e == NULL) return;
    /* Under LFU the clock field holds a counter, not a time. */
    if (keyspace_is_lfu(ctx->ks)) {
        reply_error(ctx->out, ERRMSG_LFU_SELECTED);
        return;
    }
    reply_int(ctx->out, keyspace_idle_ms(ctx->ks, e) / 1000);
}

static void cmd_object_freq(cmd_ctx *ctx) {
    kv *e = object_lookup_or_reply(ctx);
    if (e == NULL) return;
    if (!keyspace_is_lfu(ctx->ks)) {
        reply_error(ctx->out, ERRMSG_LFU_NOT_SELECTED);
        return;
    }
    reply_int(ctx->out, keyspace_lfu_count(ctx->ks, e));
}

static void cmd_object_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "ENCODING <key>",
        "    Name the internal representation of the value stored at <key>.",
        "FREQ <key>",
        "    Report the logarithmic access counter of <key> (LFU eviction policies only).",
        "IDLETIME <key>",
        "    Report the seconds since <key> was last accessed (not under LFU policies).",
        "REFCOUNT <key>",
        "    Report how many references the value stored at <key> has.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

/* ---- whole databases ---- */

/* FLUSHDB and FLUSHALL take an optional SYNC or ASYNC; without one,
 * lazyfree-lazy-user-flush decides. */
static bool flush_mode_or_reply(cmd_ctx *ctx, bool *async) {
    if (ctx->argc == 1) {
        *async = ctx->opts->lazyfree_user_flush;
    } else if (ctx->argc == 2 && arg_eq(&ctx->argv[1], "sync")) {
        *async = false;
    } else if (ctx->argc == 2 && arg_eq(&ctx->argv[1], "async")) {
        *async = true;
    } else {
        reply_error(ctx->out, ERRMSG_SYNTAX);
        return false;
    }
    return true;
}

static void cmd_flushdb(cmd_ctx *ctx) {
    bool async;
    if (!flush_mode_or_reply(ctx, &async)) return;
    ctx->dirty += db_size(ctx->db);
    db_flush(ctx->db, async);
    cmd_propagate_as_sent(ctx);
    reply_ok(ctx->out);
}

static void cmd_flushall(cmd_ctx *ctx) {
    bool async;
    if (!flush_mode_or_reply(ctx, &async)) return;
    for (int i = 0; i < keyspace_db_count(ctx->ks); i++) {
        db *d = keyspace_db(ctx->ks, i);
        ctx->dirty += db_size(d);
        db_flush(d, async);
    }
    cmd_propagate_as_sent(ctx);
    reply_ok(ctx->out);
}

/* Parses one SWAPDB index; every parse failure has its own message. */
static bool swapdb_index_or_reply(cmd_ctx *ctx, const resp_arg *arg, const char *msg, int *out) {
    int64_t v;
    if (!number_parse_i64(arg->ptr, arg->len, &v) || v < INT_MIN || v > INT_MAX) {
        reply_error(ctx->out, msg);
        return false;
    }
    *out = (int)v;
    return true;
}

static void cmd_swapdb(cmd_ctx *ctx) {
    if (ctx->opts->cluster_enabled) {
        reply_error(ctx->out, ERRMSG_SWAPDB_CLUSTER);
        return;
    }
    int a, b;
    if (!swapdb_index_or_reply(ctx, &ctx->argv[1], "ERR invalid first DB index", &a)) return;
    if (!swapdb_index_or_reply(ctx, &ctx->argv[2], "ERR invalid second DB index", &b)) return;
    int n = keyspace_db_count(ctx->ks);
    if (a < 0 || a >= n || b < 0 || b >= n) {
        reply_error(ctx->out, ERRMSG_DB_RANGE);
        return;
    }
    if (a != b) keyspace_swap(ctx->ks, a, b);
    /* Redis compat: counted as a change even when both indexes are equal. */
    ctx->dirty++;
    reply_ok(ctx->out);
}

/* ---- command table ---- */

static const command_def object_subcommands[] = {
    {.name = "encoding",
     .handler = cmd_object_encoding,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2, .last_key = 2, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "2.2.3",
     .summary = "Names the internal encoding of a key's value.",
     .complexity = "O(1)"},
    {.name = "freq",
     .handler = cmd_object_freq,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2, .last_key = 2, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "4.0.0",
     .summary = "Reports the logarithmic access-frequency counter of a key (LFU policies).",
     .complexity = "O(1)"},
    {.name = "help",
     .handler = cmd_object_help,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .acl = "@keyspace",
     .group = "generic",
     .since = "6.2.0",
     .summary = "Lists the OBJECT subcommands and what they do.",
     .complexity = "O(1)"},
    {.name = "idletime",
     .handler = cmd_object_idletime,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2, .last_key = 2, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "2.2.3",
     .summary = "Reports how many seconds have passed since a key was last accessed.",
     .complexity = "O(1)"},
    {.name = "refcount",
     .handler = cmd_object_refcount,
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2, .last_key = 2, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "2.2.3",
     .summary = "Reports how many references a key's value has.",
     .complexity = "O(1)"},
    {0},
};

const command_def cmd_keys_defs[] = {
    {.name = "del",
     .handler = cmd_del,
     .arity = -2,
     .flags = CMD_WRITE,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RM DELETE",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Deletes one or more keys.",
     .complexity = "O(N) where N is the number of keys to delete"},
    {.name = "unlink",
     .handler = cmd_del,
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RM DELETE",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .group = "generic",
     .since = "4.0.0",
     .summary = "Deletes one or more keys without blocking on large values.",
     .complexity = "O(1) per key removed"},
    {.name = "exists",
     .handler = cmd_exists,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Counts how many of the given keys exist.",
     .complexity = "O(N) where N is the number of keys to check"},
    {.name = "type",
     .handler = cmd_type,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Names the type of the value stored at a key.",
     .complexity = "O(1)"},
    {.name = "touch",
     .handler = cmd_touch,
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = -1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO",
     .tips = "request_policy:multi_shard response_policy:agg_sum",
     .group = "generic",
     .since = "3.2.1",
     .summary = "Records an access to each given key and counts those that exist.",
     .complexity = "O(N) where N is the number of keys given"},
    {.name = "keys",
     .handler = cmd_keys,
     .arity = 2,
     .flags = CMD_READONLY,
     .acl = "@keyspace @dangerous",
     .tips = "request_policy:all_shards nondeterministic_output_order",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Lists every key whose name matches a glob-style pattern.",
     .complexity = "O(N) in the number of keys of the database"},
    {.name = "scan",
     .handler = cmd_scan,
     .arity = -2,
     .flags = CMD_READONLY,
     .acl = "@keyspace",
     .tips = "nondeterministic_output request_policy:special",
     .group = "generic",
     .since = "2.8.0",
     .summary = "Walks the keys of the database a few at a time with a cursor.",
     .complexity = "O(1) per call; O(N) for a whole walk, N being the number of keys"},
    {.name = "randomkey",
     .handler = cmd_randomkey,
     .arity = 1,
     .flags = CMD_READONLY,
     .acl = "@keyspace",
     .tips = "request_policy:all_shards nondeterministic_output",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Returns the name of a key picked at random.",
     .complexity = "O(1)"},
    {.name = "dbsize",
     .handler = cmd_dbsize,
     .arity = 1,
     .flags = CMD_READONLY | CMD_FAST,
     .acl = "@keyspace",
     .tips = "request_policy:all_shards response_policy:agg_sum",
     .group = "server",
     .since = "1.0.0",
     .summary = "Counts the keys of the selected database.",
     .complexity = "O(1)"},
    {.name = "rename",
     .handler = cmd_rename,
     .arity = 3,
     .flags = CMD_WRITE,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW ACCESS DELETE|OW UPDATE",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Gives a key a new name, replacing any key already called that.",
     .complexity = "O(1) for the key; the value is copied under its new name"},
    {.name = "renamenx",
     .handler = cmd_renamenx,
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW ACCESS DELETE|OW INSERT",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Gives a key a new name, only if no key is called that yet.",
     .complexity = "O(1) for the key; the value is copied under its new name"},
    {.name = "copy",
     .handler = cmd_copy,
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = 2, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO ACCESS|OW UPDATE",
     .group = "generic",
     .since = "6.2.0",
     .summary = "Duplicates a key's value under another name, optionally in another database.",
     .complexity = "O(N) where N is the size of the value copied"},
    {.name = "move",
     .handler = cmd_move,
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW ACCESS UPDATE",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Transfers a key to another database unless it exists there.",
     .complexity = "O(1)"},
    {.name = "expire",
     .handler = cmd_expire,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW UPDATE",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Makes a key expire after a number of seconds.",
     .complexity = "O(1)"},
    {.name = "pexpire",
     .handler = cmd_pexpire,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW UPDATE",
     .group = "generic",
     .since = "2.6.0",
     .summary = "Makes a key expire after a number of milliseconds.",
     .complexity = "O(1)"},
    {.name = "expireat",
     .handler = cmd_expireat,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW UPDATE",
     .group = "generic",
     .since = "1.2.0",
     .summary = "Makes a key expire at a Unix time given in seconds.",
     .complexity = "O(1)"},
    {.name = "pexpireat",
     .handler = cmd_pexpireat,
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW UPDATE",
     .group = "generic",
     .since = "2.6.0",
     .summary = "Makes a key expire at a Unix time given in milliseconds.",
     .complexity = "O(1)"},
    {.name = "ttl",
     .handler = cmd_ttl,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO ACCESS",
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "1.0.0",
     .summary = "Reports the seconds a key has left to live.",
     .complexity = "O(1)"},
    {.name = "pttl",
     .handler = cmd_pttl,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO ACCESS",
     .tips = "nondeterministic_output",
     .group = "generic",
     .since = "2.6.0",
     .summary = "Reports the milliseconds a key has left to live.",
     .complexity = "O(1)"},
    {.name = "expiretime",
     .handler = cmd_expiretime,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO ACCESS",
     .group = "generic",
     .since = "7.0.0",
     .summary = "Reports the Unix time in seconds at which a key expires.",
     .complexity = "O(1)"},
    {.name = "pexpiretime",
     .handler = cmd_pexpiretime,
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RO ACCESS",
     .group = "generic",
     .since = "7.0.0",
     .summary = "Reports the Unix time in milliseconds at which a key expires.",
     .complexity = "O(1)"},
    {.name = "persist",
     .handler = cmd_persist,
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1,
     .acl = "@keyspace",
     .key_flags = "RW UPDATE",
     .group = "generic",
     .since = "2.2.0",
     .summary = "Removes a key's expiry so that it lives until deleted.",
     .complexity = "O(1)"},
    {.name = "object",
     .arity = -2,
     .group = "generic",
     .since = "2.2.3",
     .summary = "Groups the subcommands that inspect how a key's value is stored.",
     .complexity = "Depends on the subcommand.",
     .subcommands = object_subcommands},
    {.name = "flushdb",
     .handler = cmd_flushdb,
     .arity = -1,
     .flags = CMD_WRITE,
     .acl = "@keyspace @dangerous",
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .group = "server",
     .since = "1.0.0",
     .summary = "Deletes every key of the selected database.",
     .complexity = "O(N) in the number of keys of the database (O(1) with ASYNC)"},
    {.name = "flushall",
     .handler = cmd_flushall,
     .arity = -1,
     .flags = CMD_WRITE,
     .acl = "@keyspace @dangerous",
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .group = "server",
     .since = "1.0.0",
     .summary = "Deletes every key of every database.",
     .complexity = "O(N) in the total number of keys (O(1) with ASYNC)"},
    {.name = "swapdb",
     .handler = cmd_swapdb,
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .acl = "@keyspace @dangerous",
     .group = "server",
     .since = "4.0.0",
     .summary = "Exchanges the contents of two databases for every client at once.",
     .complexity = "O(N) where N is the number of clients watching or blocked on keys"},
    {0},
};
