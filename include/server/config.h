#ifndef SERVER_CONFIG_H
#define SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/check.h"

/* Server configuration: the option table, redis.conf parsing, CONFIG GET /
 * SET / REWRITE.
 *
 * Every option Redis 7.0 accepts in redis.conf is accepted here, so stock
 * config files keep working. Options Tessera acts on are mirrored into the
 * typed fields of `config_values` (always current); the rest are validated
 * by type and kept so CONFIG GET shows them. */

enum config_loglevel { CFG_LOG_DEBUG, CFG_LOG_VERBOSE, CFG_LOG_NOTICE, CFG_LOG_WARNING, CFG_LOG_NOTHING };
enum config_protected { CFG_PROTECTED_NO, CFG_PROTECTED_YES, CFG_PROTECTED_LOCAL };
enum config_fsync { CFG_FSYNC_NO, CFG_FSYNC_ALWAYS, CFG_FSYNC_EVERYSEC };
enum config_evict {
    CFG_EVICT_VOLATILE_LRU,
    CFG_EVICT_VOLATILE_LFU,
    CFG_EVICT_VOLATILE_RANDOM,
    CFG_EVICT_VOLATILE_TTL,
    CFG_EVICT_ALLKEYS_LRU,
    CFG_EVICT_ALLKEYS_LFU,
    CFG_EVICT_ALLKEYS_RANDOM,
    CFG_EVICT_NOEVICTION,
};
enum config_obuf_class { CFG_OBUF_NORMAL, CFG_OBUF_REPLICA, CFG_OBUF_PUBSUB, CFG_OBUF_CLASSES };

typedef struct config_obuf_limit {
    int64_t hard_bytes;
    int64_t soft_bytes;
    int64_t soft_seconds;
} config_obuf_limit;

typedef struct config_save_point {
    int64_t seconds;
    int64_t changes;
} config_save_point;

#define CONFIG_MAX_BIND 16
#define CONFIG_MAX_SAVE_POINTS 16

typedef struct config_values {
    /* network */
    int port;
    char *bind[CONFIG_MAX_BIND];
    int bind_count;
    bool protected_mode;
    int tcp_backlog;
    int timeout_s;
    int tcp_keepalive_s;
    int64_t maxclients;
    /* security */
    char *requirepass; /* NULL when unset */
    int enable_debug_command; /* enum config_protected */
    /* process */
    bool daemonize;
    char *pidfile;
    char *logfile;
    int loglevel; /* enum config_loglevel */
    char *dir;    /* absolute, as CONFIG GET shows it */
    int databases;
    int hz;
    bool dynamic_hz;
    /* memory */
    int64_t maxmemory;
    int maxmemory_policy; /* enum config_evict */
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time;
    bool lazyfree_lazy_user_flush;
    bool lazyfree_lazy_user_del;
    bool lazyfree_lazy_expire;
    bool lazyfree_lazy_eviction;
    bool activerehashing;
    int active_expire_effort;
    /* protocol and clients */
    int64_t proto_max_bulk_len;
    int64_t client_query_buffer_limit;
    config_obuf_limit obuf[CFG_OBUF_CLASSES];
    /* diagnostics */
    int64_t slowlog_log_slower_than;
    int64_t slowlog_max_len;
    int64_t latency_monitor_threshold;
    /* persistence (acted on by a later release; stored now) */
    config_save_point save[CONFIG_MAX_SAVE_POINTS];
    int save_count;
    bool appendonly;
    int appendfsync; /* enum config_fsync */
    char *dbfilename;
    char *appendfilename;
    char *appenddirname;
    /* cluster (stored now) */
    bool cluster_enabled;
    char *cluster_config_file;
    int64_t cluster_node_timeout;
} config_values;

/* Options whose runtime change the server must act on. */
enum config_apply {
    CFG_APPLY_NONE = 0,
    CFG_APPLY_PORT,
    CFG_APPLY_BIND,
    CFG_APPLY_MAXCLIENTS,
    CFG_APPLY_LOGLEVEL,
    CFG_APPLY_LOGFILE,
    CFG_APPLY_DIR,
    CFG_APPLY_MAXMEMORY,
    CFG_APPLY_EVICTION_POLICY, /* maxmemory-policy, lfu-log-factor, lfu-decay-time */
    CFG_APPLY_REQUIREPASS,
    CFG_APPLY_HZ,
    CFG_APPLY_PROTO_LIMITS, /* proto-max-bulk-len, client-query-buffer-limit */
    CFG_APPLY_SLOWLOG,
};

typedef struct config config;

/* Called once per changed option class during CONFIG SET (after every
 * value was validated and stored). Return 0, or fill err and return < 0 to
 * make CONFIG SET restore the previous values and fail. */
typedef int (*config_apply_fn)(void *ctx, enum config_apply what, buf *err);

config *config_new(void);
void config_free(config *c);

/* The typed values; the pointer stays valid for the config's lifetime. */
const config_values *config_get_values(const config *c);

/* Loads a redis.conf-style file (handles `include`). On error returns < 0
 * and fills err with a multi-line message in Redis's FATAL CONFIG FILE ERROR
 * layout that names the file, the line number, the line and the reason. */
MUST_USE int config_load_file(config *c, const char *path, buf *err);
/* Same for config text given on the command line ("port 7000\nsave \"\""). */
MUST_USE int config_load_text(config *c, const char *text, const char *origin, buf *err);
/* Turns redis-server style argv ("--port" "7000" "--save" "") into config
 * text, one directive per line. */
void config_argv_to_text(int argc, char **argv, buf *out);

/* The file the configuration came from (NULL if none), absolute. */
const char *config_file_path(const config *c);
void config_set_file_path(config *c, const char *path);

void config_set_apply_hook(config *c, config_apply_fn fn, void *ctx);

/* CONFIG GET: calls fn(name, value) for every option (and alias) whose name
 * matches one of the glob patterns, once per option, nocase. */
void config_get_matching(config *c, int npatterns, const char *const *patterns, const size_t *lens,
                         void (*fn)(void *ctx, const char *name, const char *value), void *ctx);
/* The current value of one option as CONFIG GET would show it (caller frees
 * with mem_free), or NULL if there is no such option. */
char *config_get_value(config *c, const char *name);

/* CONFIG SET name value [name value ...]: all or nothing. On failure
 * returns < 0 with err set to the full error text (without "-"), e.g.
 * "ERR Unknown option or number of arguments for CONFIG SET - 'foo'". */
MUST_USE int config_set(config *c, int npairs, const char *const *names, const size_t *name_lens,
                        const char *const *values, const size_t *value_lens, buf *err);

/* CONFIG REWRITE: rewrites the config file in place, keeping comments and
 * unknown lines, updating changed options and appending new ones. */
MUST_USE int config_rewrite(config *c, buf *err);

#endif
