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
enum config_supervised { CFG_SUPERVISED_NO, CFG_SUPERVISED_UPSTART, CFG_SUPERVISED_SYSTEMD,
                         CFG_SUPERVISED_AUTO };

/* shutdown-on-sigint / shutdown-on-sigterm flags (0 means "default"). */
#define CFG_SHUTDOWN_SAVE (1 << 0)
#define CFG_SHUTDOWN_NOSAVE (1 << 1)
#define CFG_SHUTDOWN_NOW (1 << 2)
#define CFG_SHUTDOWN_FORCE (1 << 3)

/* notify-keyspace-events classes, one bit per letter of the option value. */
#define CFG_NOTIFY_KEYSPACE (1 << 0)  /* K */
#define CFG_NOTIFY_KEYEVENT (1 << 1)  /* E */
#define CFG_NOTIFY_GENERIC (1 << 2)   /* g */
#define CFG_NOTIFY_STRING (1 << 3)    /* $ */
#define CFG_NOTIFY_LIST (1 << 4)      /* l */
#define CFG_NOTIFY_SET (1 << 5)       /* s */
#define CFG_NOTIFY_HASH (1 << 6)      /* h */
#define CFG_NOTIFY_ZSET (1 << 7)      /* z */
#define CFG_NOTIFY_EXPIRED (1 << 8)   /* x */
#define CFG_NOTIFY_EVICTED (1 << 9)   /* e */
#define CFG_NOTIFY_STREAM (1 << 10)   /* t */
#define CFG_NOTIFY_KEY_MISS (1 << 11) /* m, not part of A */
#define CFG_NOTIFY_MODULE (1 << 13)   /* d */
#define CFG_NOTIFY_NEW (1 << 14)      /* n, not part of A */
#define CFG_NOTIFY_ALL                                                                             \
    (CFG_NOTIFY_GENERIC | CFG_NOTIFY_STRING | CFG_NOTIFY_LIST | CFG_NOTIFY_SET | CFG_NOTIFY_HASH | \
     CFG_NOTIFY_ZSET | CFG_NOTIFY_EXPIRED | CFG_NOTIFY_EVICTED | CFG_NOTIFY_STREAM |               \
     CFG_NOTIFY_MODULE)

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
    int shutdown_on_sigint;  /* CFG_SHUTDOWN_* flags */
    int shutdown_on_sigterm; /* CFG_SHUTDOWN_* flags */
    int shutdown_timeout_s;
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
    int hz; /* already clamped to 1..500 */
    bool dynamic_hz;
    int busy_poll_us; /* poll this long after replying before the loop sleeps; 0: never */
    int supervised; /* enum config_supervised */
    bool set_proc_title;
    char *proc_title_template;
    bool always_show_logo;
    bool crash_log_enabled;
    /* memory */
    int64_t maxmemory; /* 0 = no limit; values above INT64_MAX read as INT64_MAX */
    int64_t maxmemory_clients; /* bytes, or minus a percentage of maxmemory */
    int maxmemory_eviction_tenacity;
    int maxmemory_policy; /* enum config_evict */
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time;
    bool lazyfree_lazy_user_flush;
    bool lazyfree_lazy_user_del;
    bool lazyfree_lazy_expire;
    bool lazyfree_lazy_eviction;
    bool lazyfree_lazy_server_del;
    bool activerehashing;
    int active_expire_effort;
    /* protocol and clients */
    int64_t proto_max_bulk_len;
    int64_t client_query_buffer_limit;
    config_obuf_limit obuf[CFG_OBUF_CLASSES];
    int64_t busy_reply_threshold_ms; /* alias lua-time-limit */
    int notify_keyspace_events;      /* CFG_NOTIFY_* flags */
    int64_t tracking_table_max_keys;
    /* value encodings */
    int64_t hash_max_listpack_entries;
    int64_t hash_max_listpack_value;
    int list_max_listpack_size; /* > 0 entries, -1..-5 node size class */
    int list_compress_depth;
    int64_t set_max_intset_entries;
    int64_t zset_max_listpack_entries;
    int64_t zset_max_listpack_value;
    int64_t hll_sparse_max_bytes;
    int64_t stream_node_max_bytes;
    int64_t stream_node_max_entries;
    /* diagnostics */
    int64_t slowlog_log_slower_than;
    int64_t slowlog_max_len;
    int64_t latency_monitor_threshold;
    bool latency_tracking;
    /* persistence */
    config_save_point save[CONFIG_MAX_SAVE_POINTS];
    int save_count;
    bool stop_writes_on_bgsave_error;
    bool rdbcompression;
    bool rdbchecksum;
    bool appendonly;
    int appendfsync; /* enum config_fsync */
    char *dbfilename;
    char *appendfilename;
    char *appenddirname;
    bool aof_load_truncated;
    bool aof_use_rdb_preamble;
    bool aof_disable_auto_gc;
    int auto_aof_rewrite_percentage;
    int64_t auto_aof_rewrite_min_size;
    /* replication */
    char *replicaof_host; /* NULL: not a replica */
    int replicaof_port;
    char *masterauth;
    char *masteruser;
    bool replica_read_only;
    bool replica_serve_stale_data;
    bool repl_diskless_sync;
    int repl_diskless_sync_delay;
    int repl_diskless_sync_max_replicas;
    int64_t repl_backlog_ttl;
    int64_t repl_backlog_size;
    int repl_timeout;
    int repl_ping_replica_period;
    int min_replicas_to_write;
    int min_replicas_max_lag;
    int replica_priority;
    char *replica_announce_ip;
    int replica_announce_port;
    /* cluster */
    bool cluster_enabled;
    char *cluster_config_file;
    int64_t cluster_node_timeout;
    bool cluster_require_full_coverage;
    bool cluster_replica_no_failover;
    bool cluster_allow_reads_when_down;
    bool cluster_allow_replica_migration;
    char *cluster_announce_ip;
    char *cluster_announce_hostname;
    int cluster_preferred_endpoint_type; /* 0 ip, 1 hostname, 2 unknown-endpoint */
    int cluster_replica_validity_factor;
    int cluster_migration_barrier;
    int cluster_port;
    int cluster_announce_bus_port;
    int cluster_announce_port;
    int64_t cluster_link_sendbuf_limit; /* 0: no limit */
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
    CFG_APPLY_APPENDONLY,
    CFG_APPLY_REPL_BACKLOG,
    CFG_APPLY_CLUSTER, /* options the cluster bus reads */
};

typedef struct config config;

/* REPLICAOF at run time: records the primary (host NULL: none) so that
 * CONFIG GET and CONFIG REWRITE show it. */
void config_set_replicaof(config *c, const char *host, int port);

/* Called once per changed option class during CONFIG SET (after every
 * value was validated and stored). Return 0, or fill err and return < 0 to
 * make CONFIG SET restore the previous values and fail. */
typedef int (*config_apply_fn)(void *ctx, enum config_apply what, buf *err);

/* A configuration holding every default (Tessera's defaults are Redis
 * 7.0.15's, except enable-debug-command "local"); dir is the current
 * working directory. */
config *config_new(void);
/* Frees c and every string it owns (config_free(NULL) is a no-op). */
void config_free(config *c);

/* The typed values; the pointer stays valid for the config's lifetime. */
const config_values *config_get_values(const config *c);

/* Loads a redis.conf-style file (handles `include`, relative to the current
 * directory like Redis; `dir` lines change the process's working directory
 * as they are read). Records the file's absolute path as the config file
 * (see config_file_path). The apply hook is not called: loading happens
 * before the server starts. On error returns < 0 and fills err with a
 * multi-line message (no trailing newline) in Redis's FATAL CONFIG FILE
 * ERROR layout that names the file, the line number, the line and the
 * reason. Lines before the bad one stay applied. */
MUST_USE int config_load_file(config *c, const char *path, buf *err);
/* Same for config text given on the command line ("port 7000\nsave \"\"").
 * origin names the source in errors: "Reading the configuration from
 * <origin>, at line <n>"; NULL means "the command line". */
MUST_USE int config_load_text(config *c, const char *text, const char *origin, buf *err);
/* Turns redis-server style argv ("--port" "7000" "--save" "") into config
 * text, one directive per line, the way redis-server does: values are
 * quoted, "--save" without a value becomes save "". argv holds only the
 * options (no program name, no config file). A lone "-" (Redis: read the
 * config from stdin) is left out; callers that support it look for it. */
void config_argv_to_text(int argc, char **argv, buf *out);

/* The file the configuration came from (NULL if none), absolute. */
const char *config_file_path(const config *c);
void config_set_file_path(config *c, const char *path);

void config_set_apply_hook(config *c, config_apply_fn fn, void *ctx);

/* CONFIG GET: calls fn(name, value) for every option (and alias) whose name
 * matches one of the glob patterns, once per option, nocase. A pattern
 * without glob characters is an exact (nocase) lookup that also finds
 * hidden options and reports the name as it was given. */
void config_get_matching(config *c, int npatterns, const char *const *patterns, const size_t *lens,
                         void (*fn)(void *ctx, const char *name, const char *value), void *ctx);
/* The current value of one option as CONFIG GET would show it (caller frees
 * with mem_free), or NULL if there is no such option. */
char *config_get_value(config *c, const char *name);

/* CONFIG SET name value [name value ...]: all or nothing. On failure
 * returns < 0 with err set to the full error text (without "-"), e.g.
 * "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".
 * Same as config_set_ex(c, 0, ...): the caller is not a local client and
 * no dataset is loading. */
MUST_USE int config_set(config *c, int npairs, const char *const *names, const size_t *name_lens,
                        const char *const *values, const size_t *value_lens, buf *err);

/* Facts about the CONFIG SET caller that some options depend on. */
enum config_set_flags {
    CFG_SET_LOCAL_CLIENT = 1 << 0, /* allowed by enable-protected-configs "local" */
    CFG_SET_LOADING = 1 << 1,      /* a dataset is loading: some options refuse */
};
MUST_USE int config_set_ex(config *c, unsigned flags, int npairs, const char *const *names,
                           const size_t *name_lens, const char *const *values,
                           const size_t *value_lens, buf *err);

/* True if the option's value must not show up in logs, SLOWLOG or MONITOR
 * (requirepass, masterauth, masteruser). */
bool config_is_sensitive(const config *c, const char *name, size_t len);

/* CONFIG REWRITE: rewrites the config file in place, keeping comments and
 * unknown lines, updating changed options and appending new ones. On
 * failure err holds the reply text, e.g. "ERR The server is running
 * without a config file" or "ERR Rewriting config file: <reason>". */
MUST_USE int config_rewrite(config *c, buf *err);

#endif
