#ifndef COMMANDS_COMMAND_H
#define COMMANDS_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/resp_parser.h"

/* Command definitions, the registry that looks them up, and the context a
 * handler runs in.
 *
 * Each group of commands (cmd_string.c, cmd_keys.c, ...) exports a table of
 * command_def rows that sit next to the handlers they name. The registry
 * loads every group at start-up into a case-insensitive hash table; a row
 * with `subcommands` is a container (CONFIG, CLIENT, OBJECT, ...), looked up
 * by its first argument.
 *
 * Handlers see a cmd_ctx: the arguments, the keyspace and selected
 * database, the connection's session state and the reply queue. They never
 * see sockets. Handlers that need the server (INFO, CONFIG, CLIENT, ...) live
 * in the server layer and reach it through ctx->server. */

struct reply;
struct keyspace;
struct db;
struct session;
struct server;
struct prop_batch;

/* Flags, in the order COMMAND prints them. */
enum cmd_flag {
    CMD_WRITE = 1ULL << 0,
    CMD_READONLY = 1ULL << 1,
    CMD_DENYOOM = 1ULL << 2,
    CMD_MODULE = 1ULL << 3,
    CMD_ADMIN = 1ULL << 4,
    CMD_PUBSUB = 1ULL << 5,
    CMD_NOSCRIPT = 1ULL << 6,
    CMD_BLOCKING = 1ULL << 7,
    CMD_LOADING = 1ULL << 8,
    CMD_STALE = 1ULL << 9,
    CMD_SKIP_MONITOR = 1ULL << 10,
    CMD_SKIP_SLOWLOG = 1ULL << 11,
    CMD_ASKING = 1ULL << 12,
    CMD_FAST = 1ULL << 13,
    CMD_NO_AUTH = 1ULL << 14,
    CMD_MAY_REPLICATE = 1ULL << 15,
    CMD_SENTINEL = 1ULL << 16,
    CMD_ONLY_SENTINEL = 1ULL << 17,
    CMD_NO_MANDATORY_KEYS = 1ULL << 18,
    CMD_PROTECTED = 1ULL << 19,
    CMD_MODULE_GETKEYS = 1ULL << 20,
    CMD_MODULE_NO_CLUSTER = 1ULL << 21,
    CMD_NO_ASYNC_LOADING = 1ULL << 22,
    CMD_NO_MULTI = 1ULL << 23,
    CMD_MOVABLE_KEYS = 1ULL << 24,
    CMD_ALLOW_BUSY = 1ULL << 25,
};

/* Options handlers need from configuration (filled by the server). */
typedef struct cmd_options {
    int64_t proto_max_bulk_len;
    bool lazyfree_user_flush;
    bool lazyfree_user_del;
    bool cluster_enabled;
    /* Redis compat: small integers are shared objects (OBJECT REFCOUNT
     * reports 2147483647) unless an LRU/LFU maxmemory policy is active. */
    bool shared_integers;
    /* lazyfree-lazy-expire: keys removed for an expiry time in the past
     * propagate as UNLINK instead of DEL. */
    bool lazyfree_expire;
    /* While replaying a write stream (loading an append-only file), an
     * expiry time already in the past is stored like any other instead of
     * deleting the key: the stream that follows decides. */
    bool replaying;
    /* rdbcompression: DUMP compresses strings longer than 20 bytes. */
    bool rdb_compression;
} cmd_options;

typedef struct cmd_ctx {
    int argc;
    const resp_arg *argv;
    const struct command *cmd;
    struct session *sess;
    struct keyspace *ks;
    struct db *db;
    struct reply *out;
    const cmd_options *opts;
    struct server *server; /* NULL in unit tests of data commands */
    /* Set by the handler: how many keys it changed (feeds dirty counters). */
    uint64_t dirty;
    /* The write stream of this execution unit, or NULL when nothing
     * consumes it (no append-only file, no replicas). */
    struct prop_batch *prop;
    /* Set once the handler chose what to propagate (cmd_propagate);
     * otherwise a command with dirty > 0 propagates as it was sent. */
    bool propagated;
    /* Arguments holding secrets (bit i: argv[i]; bit 63 also covers every
     * later one): SLOWLOG and MONITOR show "(redacted)" instead. */
    uint64_t redacted;
} cmd_ctx;

typedef void (*cmd_handler)(cmd_ctx *ctx);
/* For commands whose keys are not at fixed positions: appends the indexes
 * of key arguments to out (at most max); returns how many there are. */
typedef int (*cmd_keys_fn)(int argc, const resp_arg *argv, int *out, int max);

typedef struct command_def {
    const char *name;
    cmd_handler handler;
    int arity; /* > 0 exact argc, < 0 at least -arity */
    uint64_t flags;
    int first_key, last_key, key_step; /* last < 0 counts from the end */
    const char *acl;     /* explicit ACL categories, e.g. "@string" */
    /* Key-spec flags for COMMAND INFO, uppercase tokens from RO RW OW RM
     * ACCESS UPDATE INSERT DELETE NOT_KEY INCOMPLETE VARIABLE_FLAGS. One
     * spec covers the whole first/last/step range; several specs separated
     * by '|' describe successive keys (first_key + i * key_step) one each,
     * e.g. RENAME: "RW ACCESS DELETE|OW UPDATE". */
    const char *key_flags;
    /* Optional remark on the first key spec (COMMAND INFO "notes"). */
    const char *key_notes;
    const char *tips;    /* e.g. "request_policy:all_shards" */
    const char *group;
    const char *since;
    const char *summary;
    const char *complexity;
    const struct command_def *subcommands; /* container: rows ending with {0} */
    cmd_keys_fn get_keys;
    /* A last key spec that begins after a keyword instead of at a fixed
     * index (MIGRATE ... KEYS k1 k2): the keyword, and the argument the
     * search starts from (negative: from the end, searching backwards).
     * Its flags are the last '|' part of key_flags and its keys run to the
     * last argument. */
    const char *key_keyword;
    int key_keyword_from;
} command_def;

/* Runtime view of a command, with statistics. */
typedef struct command {
    const command_def *def;
    struct command *parent;
    char fullname[64]; /* "get", "config|get" */
    uint64_t acl_bits;
    struct registry_table *subs; /* NULL unless a container */
    uint64_t calls;
    uint64_t usec;
    uint64_t rejected_calls;
    uint64_t failed_calls;
} command;

typedef struct command_registry command_registry;

/* Builds the registry from tables of rows, each ending with an all-zero
 * row; the list of tables ends with NULL. */
command_registry *command_registry_new(const command_def *const *groups);
void command_registry_free(command_registry *r);

/* Finds the command for a request: argv[0], and argv[1] for containers.
 * Returns NULL if unknown; *is_container tells whether argv[0] alone named a
 * container (the subcommand was unknown). */
command *command_lookup(command_registry *r, int argc, const resp_arg *argv, bool *is_container);
/* Looks a name up ("get", "config|get"). */
command *command_find(command_registry *r, const char *name, size_t len);

size_t command_count(const command_registry *r);
/* Visits top-level commands (in no particular order). */
void command_foreach(command_registry *r, void (*fn)(command *c, void *ctx), void *ctx);
/* Visits the subcommands of a container. */
void command_foreach_sub(command *c, void (*fn)(command *c, void *ctx), void *ctx);
size_t command_sub_count(const command *c);

/* Key positions of a request (argc must satisfy the arity). Returns the
 * count; writes up to max indexes. */
int command_get_keys(const command *c, int argc, const resp_arg *argv, int *out, int max);
bool command_has_keys(const command *c);

/* ACL categories in the order COMMAND prints them. */
const char *command_acl_name(int bit);
int command_acl_count(void);
const char *command_flag_name(int bit);

/* Helpers every handler uses. */
/* Case-insensitive comparison of an argument with an ASCII literal. Inline
 * so the literal's length folds to a constant and most mismatches cost one
 * comparison. */
static inline bool arg_eq(const resp_arg *a, const char *lit) {
    size_t n = __builtin_strlen(lit);
    if (a->len != n) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a->ptr[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        unsigned char l = (unsigned char)lit[i];
        if (l >= 'A' && l <= 'Z') l = (unsigned char)(l + 32);
        if (c != l) return false;
    }
    return true;
}

static inline bool cmd_arg_is(const cmd_ctx *ctx, int i, const char *lit) {
    return i < ctx->argc && arg_eq(&ctx->argv[i], lit);
}

#endif
