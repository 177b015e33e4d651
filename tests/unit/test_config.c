/* Unit tests for the config module: defaults, parsing of every value type,
 * loading files (includes, errors with line numbers), CONFIG GET patterns,
 * CONFIG SET atomicity, CONFIG REWRITE round trips, and loading the shipped
 * conf/tessera.conf and the system's stock redis.conf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "server/config.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static char start_cwd[PATH_MAX];

/* Loading `dir` changes the working directory: every test starts from the
 * same one. */
static int reset_cwd(void **state) {
    (void)state;
    assert_int_equal(chdir(start_cwd), 0);
    return 0;
}

static config *load_ok(const char *text) {
    config *c = config_new();
    buf err;
    buf_init(&err);
    int rc = config_load_text(c, text, "the test", &err);
    if (rc != 0) fail_msg("unexpected load error:\n%s", err.data);
    buf_fini(&err);
    return c;
}

/* Loads text into a fresh config and returns the error text (owned). */
static char *load_err(const char *text) {
    config *c = config_new();
    buf err;
    buf_init(&err);
    int rc = config_load_text(c, text, "the test", &err);
    assert_true(rc < 0);
    char *s = mem_strdup(err.data);
    buf_fini(&err);
    config_free(c);
    return s;
}

/* The reason line of a load error (its last line). */
static char *load_reason(const char *text) {
    char *e = load_err(text);
    char *nl = strrchr(e, '\n');
    char *r = mem_strdup(nl ? nl + 1 : e);
    mem_free(e);
    return r;
}

static void assert_reason(const char *text, const char *expected) {
    char *r = load_reason(text);
    assert_string_equal(r, expected);
    mem_free(r);
}

static void assert_get(config *c, const char *name, const char *expected) {
    char *v = config_get_value(c, name);
    if (v == NULL) fail_msg("no option %s", name);
    if (strcmp(v, expected) != 0) fail_msg("%s: got '%s', want '%s'", name, v, expected);
    mem_free(v);
}

static void assert_loaded_value(const char *text, const char *name, const char *expected) {
    config *c = load_ok(text);
    assert_get(c, name, expected);
    config_free(c);
}

/* CONFIG SET with C strings: set(c, &err, "name", "value", ..., NULL). */
static int set_pairs(config *c, unsigned flags, buf *err, ...) {
    const char *names[16], *values[16];
    size_t nlens[16], vlens[16];
    int n = 0;
    va_list ap;
    va_start(ap, err);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (name == NULL) break;
        names[n] = name;
        values[n] = va_arg(ap, const char *);
        nlens[n] = strlen(names[n]);
        vlens[n] = strlen(values[n]);
        n++;
    }
    va_end(ap);
    buf_clear(err);
    return config_set_ex(c, flags, n, names, nlens, values, vlens, err);
}

#define SET(c, err, ...) set_pairs((c), 0, (err), __VA_ARGS__, NULL)

static void assert_set_error(config *c, const char *name, const char *value, const char *expected) {
    buf err;
    buf_init(&err);
    assert_true(SET(c, &err, name, value) < 0);
    assert_string_equal(err.data, expected);
    buf_fini(&err);
}

static void assert_set_ok(config *c, const char *name, const char *value) {
    buf err;
    buf_init(&err);
    if (SET(c, &err, name, value) != 0) fail_msg("CONFIG SET %s %s: %s", name, value, err.data);
    buf_fini(&err);
}

static char *make_tmpdir(void) {
    char tmpl[] = "/tmp/tessera-config-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return mem_strdup(d);
}

static char *path_in(const char *dir, const char *name) {
    buf b;
    buf_init(&b);
    buf_printf(&b, "%s/%s", dir, name);
    char *s = mem_strdup(b.data);
    buf_fini(&b);
    return s;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    buf b;
    buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    char *s = mem_strndup(b.data ? b.data : "", b.len);
    buf_fini(&b);
    return s;
}

static void remove_tree(const char *dir) {
    buf cmd;
    buf_init(&cmd);
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_fini(&cmd);
}

/* Collects CONFIG GET output as "name=value\n" lines. */
static void collect(void *ctx, const char *name, const char *value) {
    buf_printf((buf *)ctx, "%s=%s\n", name, value);
}

static char *get_matching(config *c, int n, const char **pats) {
    size_t lens[8];
    for (int i = 0; i < n; i++) lens[i] = strlen(pats[i]);
    buf out;
    buf_init(&out);
    config_get_matching(c, n, pats, lens, collect, &out);
    char *s = mem_strndup(out.data ? out.data : "", out.len);
    buf_fini(&out);
    return s;
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* ------------------------------------------------------------------------
 * Defaults
 * ---------------------------------------------------------------------- */

/* CONFIG GET '*' of a stock redis-server 7.0.15 (defaults; the working
 * directory shown as <cwd>), except enable-debug-command, which Tessera
 * defaults to "local", plus Tessera's own options (marked below). */
static const struct {
    const char *name;
    const char *value;
} redis_defaults[] = {
    {"busy-poll-us", "100"}, /* Tessera only */
    {"acl-pubsub-default", "resetchannels"},
    {"aclfile", ""},
    {"acllog-max-len", "128"},
    {"active-defrag-cycle-max", "25"},
    {"active-defrag-cycle-min", "1"},
    {"active-defrag-ignore-bytes", "104857600"},
    {"active-defrag-max-scan-fields", "1000"},
    {"active-defrag-threshold-lower", "10"},
    {"active-defrag-threshold-upper", "100"},
    {"active-expire-effort", "1"},
    {"activedefrag", "no"},
    {"activerehashing", "yes"},
    {"always-show-logo", "no"},
    {"aof-disable-auto-gc", "no"},
    {"aof-load-truncated", "yes"},
    {"aof-rewrite-incremental-fsync", "yes"},
    {"aof-timestamp-enabled", "no"},
    {"aof-use-rdb-preamble", "yes"},
    {"aof_rewrite_cpulist", ""},
    {"appenddirname", "appendonlydir"},
    {"appendfilename", "appendonly.aof"},
    {"appendfsync", "everysec"},
    {"appendonly", "no"},
    {"auto-aof-rewrite-min-size", "67108864"},
    {"auto-aof-rewrite-percentage", "100"},
    {"bgsave_cpulist", ""},
    {"bind", "* -::*"},
    {"bind-source-addr", ""},
    {"bio_cpulist", ""},
    {"busy-reply-threshold", "5000"},
    {"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
    {"client-query-buffer-limit", "1073741824"},
    {"cluster-allow-pubsubshard-when-down", "yes"},
    {"cluster-allow-reads-when-down", "no"},
    {"cluster-allow-replica-migration", "yes"},
    {"cluster-announce-bus-port", "0"},
    {"cluster-announce-hostname", ""},
    {"cluster-announce-ip", ""},
    {"cluster-announce-port", "0"},
    {"cluster-announce-tls-port", "0"},
    {"cluster-config-file", "nodes.conf"},
    {"cluster-enabled", "no"},
    {"cluster-link-sendbuf-limit", "0"},
    {"cluster-migration-barrier", "1"},
    {"cluster-node-timeout", "15000"},
    {"cluster-port", "0"},
    {"cluster-preferred-endpoint-type", "ip"},
    {"cluster-replica-no-failover", "no"},
    {"cluster-replica-validity-factor", "10"},
    {"cluster-require-full-coverage", "yes"},
    {"cluster-slave-no-failover", "no"},
    {"cluster-slave-validity-factor", "10"},
    {"crash-log-enabled", "yes"},
    {"crash-memcheck-enabled", "yes"},
    {"daemonize", "no"},
    {"databases", "16"},
    {"dbfilename", "dump.rdb"},
    {"dir", "<cwd>"},
    {"disable-thp", "yes"},
    {"dynamic-hz", "yes"},
    {"enable-debug-command", "local"},
    {"enable-module-command", "no"},
    {"enable-protected-configs", "no"},
    {"hash-max-listpack-entries", "512"},
    {"hash-max-listpack-value", "64"},
    {"hash-max-ziplist-entries", "512"},
    {"hash-max-ziplist-value", "64"},
    {"hll-sparse-max-bytes", "3000"},
    {"hz", "10"},
    {"ignore-warnings", ""},
    {"io-threads", "1"},
    {"io-threads-do-reads", "no"},
    {"jemalloc-bg-thread", "yes"},
    {"latency-monitor-threshold", "0"},
    {"latency-tracking", "yes"},
    {"latency-tracking-info-percentiles", "50 99 99.9"},
    {"lazyfree-lazy-eviction", "no"},
    {"lazyfree-lazy-expire", "no"},
    {"lazyfree-lazy-server-del", "no"},
    {"lazyfree-lazy-user-del", "no"},
    {"lazyfree-lazy-user-flush", "no"},
    {"lfu-decay-time", "1"},
    {"lfu-log-factor", "10"},
    {"list-compress-depth", "0"},
    {"list-max-listpack-size", "-2"},
    {"list-max-ziplist-size", "-2"},
    {"logfile", ""},
    {"loglevel", "notice"},
    {"lua-time-limit", "5000"},
    {"masterauth", ""},
    {"masteruser", ""},
    {"maxclients", "10000"},
    {"maxmemory", "0"},
    {"maxmemory-clients", "0"},
    {"maxmemory-eviction-tenacity", "10"},
    {"maxmemory-policy", "noeviction"},
    {"maxmemory-samples", "5"},
    {"min-replicas-max-lag", "10"},
    {"min-replicas-to-write", "0"},
    {"min-slaves-max-lag", "10"},
    {"min-slaves-to-write", "0"},
    {"no-appendfsync-on-rewrite", "no"},
    {"notify-keyspace-events", ""},
    {"oom-score-adj", "no"},
    {"oom-score-adj-values", "0 200 800"},
    {"pidfile", ""},
    {"port", "6379"},
    {"proc-title-template", "{title} {listen-addr} {server-mode}"},
    {"propagation-error-behavior", "ignore"},
    {"protected-mode", "yes"},
    {"proto-max-bulk-len", "536870912"},
    {"rdb-del-sync-files", "no"},
    {"rdb-save-incremental-fsync", "yes"},
    {"rdbchecksum", "yes"},
    {"rdbcompression", "yes"},
    {"repl-backlog-size", "1048576"},
    {"repl-backlog-ttl", "3600"},
    {"repl-disable-tcp-nodelay", "no"},
    {"repl-diskless-load", "disabled"},
    {"repl-diskless-sync", "yes"},
    {"repl-diskless-sync-delay", "5"},
    {"repl-diskless-sync-max-replicas", "0"},
    {"repl-ping-replica-period", "10"},
    {"repl-ping-slave-period", "10"},
    {"repl-timeout", "60"},
    {"replica-announce-ip", ""},
    {"replica-announce-port", "0"},
    {"replica-announced", "yes"},
    {"replica-ignore-disk-write-errors", "no"},
    {"replica-ignore-maxmemory", "yes"},
    {"replica-lazy-flush", "no"},
    {"replica-priority", "100"},
    {"replica-read-only", "yes"},
    {"replica-serve-stale-data", "yes"},
    {"replicaof", ""},
    {"requirepass", ""},
    {"sanitize-dump-payload", "no"},
    {"save", "3600 1 300 100 60 10000"},
    {"server_cpulist", ""},
    {"set-max-intset-entries", "512"},
    {"set-proc-title", "yes"},
    {"shutdown-on-sigint", "default"},
    {"shutdown-on-sigterm", "default"},
    {"shutdown-timeout", "10"},
    {"slave-announce-ip", ""},
    {"slave-announce-port", "0"},
    {"slave-ignore-maxmemory", "yes"},
    {"slave-lazy-flush", "no"},
    {"slave-priority", "100"},
    {"slave-read-only", "yes"},
    {"slave-serve-stale-data", "yes"},
    {"slaveof", ""},
    {"slowlog-log-slower-than", "10000"},
    {"slowlog-max-len", "128"},
    {"socket-mark-id", "0"},
    {"stop-writes-on-bgsave-error", "yes"},
    {"stream-node-max-bytes", "4096"},
    {"stream-node-max-entries", "100"},
    {"supervised", "no"},
    {"syslog-enabled", "no"},
    {"syslog-facility", "local0"},
    {"syslog-ident", "redis"},
    {"tcp-backlog", "511"},
    {"tcp-keepalive", "300"},
    {"timeout", "0"},
    {"tls-auth-clients", "yes"},
    {"tls-ca-cert-dir", ""},
    {"tls-ca-cert-file", ""},
    {"tls-cert-file", ""},
    {"tls-ciphers", ""},
    {"tls-ciphersuites", ""},
    {"tls-client-cert-file", ""},
    {"tls-client-key-file", ""},
    {"tls-client-key-file-pass", ""},
    {"tls-cluster", "no"},
    {"tls-dh-params-file", ""},
    {"tls-key-file", ""},
    {"tls-key-file-pass", ""},
    {"tls-port", "0"},
    {"tls-prefer-server-ciphers", "no"},
    {"tls-protocols", ""},
    {"tls-replication", "no"},
    {"tls-session-cache-size", "20480"},
    {"tls-session-cache-timeout", "300"},
    {"tls-session-caching", "yes"},
    {"tracking-table-max-keys", "1000000"},
    {"unixsocket", ""},
    {"unixsocketperm", "0"},
    {"zset-max-listpack-entries", "128"},
    {"zset-max-listpack-value", "64"},
    {"zset-max-ziplist-entries", "128"},
    {"zset-max-ziplist-value", "64"},
};

static void lists_every_redis_option_with_its_default(void **state) {
    (void)state;
    config *c = config_new();
    const char *star[] = {"*"};
    char *all = get_matching(c, 1, star);
    assert_int_equal(count_lines(all), (int)(sizeof(redis_defaults) / sizeof(redis_defaults[0])));
    for (size_t i = 0; i < sizeof(redis_defaults) / sizeof(redis_defaults[0]); i++) {
        buf want;
        buf_init(&want);
        const char *v = redis_defaults[i].value;
        buf_printf(&want, "\n%s=%s\n", redis_defaults[i].name,
                   strcmp(v, "<cwd>") == 0 ? start_cwd : v);
        buf hay;
        buf_init(&hay);
        buf_printf(&hay, "\n%s", all);
        if (strstr(hay.data, want.data) == NULL)
            fail_msg("missing or different: %s = '%s'", redis_defaults[i].name, v);
        buf_fini(&want);
        buf_fini(&hay);
    }
    mem_free(all);
    config_free(c);
}

static void typed_values_hold_the_defaults(void **state) {
    (void)state;
    config *c = config_new();
    const config_values *v = config_get_values(c);
    assert_int_equal(v->port, 6379);
    assert_int_equal(v->bind_count, 2);
    assert_string_equal(v->bind[0], "*");
    assert_string_equal(v->bind[1], "-::*");
    assert_true(v->protected_mode);
    assert_int_equal(v->tcp_backlog, 511);
    assert_int_equal(v->timeout_s, 0);
    assert_int_equal(v->tcp_keepalive_s, 300);
    assert_int_equal(v->maxclients, 10000);
    assert_null(v->requirepass);
    assert_int_equal(v->enable_debug_command, CFG_PROTECTED_LOCAL);
    assert_false(v->daemonize);
    assert_null(v->pidfile);
    assert_string_equal(v->logfile, "");
    assert_int_equal(v->loglevel, CFG_LOG_NOTICE);
    assert_string_equal(v->dir, start_cwd);
    assert_int_equal(v->databases, 16);
    assert_int_equal(v->hz, 10);
    assert_true(v->dynamic_hz);
    assert_int_equal(v->maxmemory, 0);
    assert_int_equal(v->maxmemory_policy, CFG_EVICT_NOEVICTION);
    assert_int_equal(v->maxmemory_samples, 5);
    assert_int_equal(v->lfu_log_factor, 10);
    assert_int_equal(v->lfu_decay_time, 1);
    assert_true(v->activerehashing);
    assert_int_equal(v->active_expire_effort, 1);
    assert_int_equal(v->proto_max_bulk_len, 512 * 1024 * 1024);
    assert_int_equal(v->client_query_buffer_limit, 1024 * 1024 * 1024);
    assert_int_equal(v->obuf[CFG_OBUF_NORMAL].hard_bytes, 0);
    assert_int_equal(v->obuf[CFG_OBUF_REPLICA].hard_bytes, 256 * 1024 * 1024);
    assert_int_equal(v->obuf[CFG_OBUF_REPLICA].soft_bytes, 64 * 1024 * 1024);
    assert_int_equal(v->obuf[CFG_OBUF_PUBSUB].soft_seconds, 60);
    assert_int_equal(v->slowlog_log_slower_than, 10000);
    assert_int_equal(v->slowlog_max_len, 128);
    assert_int_equal(v->save_count, 3);
    assert_int_equal(v->save[0].seconds, 3600);
    assert_int_equal(v->save[2].changes, 10000);
    assert_false(v->appendonly);
    assert_int_equal(v->appendfsync, CFG_FSYNC_EVERYSEC);
    assert_string_equal(v->dbfilename, "dump.rdb");
    assert_string_equal(v->appendfilename, "appendonly.aof");
    assert_string_equal(v->appenddirname, "appendonlydir");
    assert_false(v->cluster_enabled);
    assert_string_equal(v->cluster_config_file, "nodes.conf");
    assert_int_equal(v->cluster_node_timeout, 15000);
    assert_int_equal(v->list_max_listpack_size, -2);
    assert_int_equal(v->hash_max_listpack_entries, 512);
    assert_int_equal(v->notify_keyspace_events, 0);
    assert_int_equal(v->supervised, CFG_SUPERVISED_NO);
    assert_null(config_file_path(c));
    config_free(c);
}

/* ------------------------------------------------------------------------
 * Value types
 * ---------------------------------------------------------------------- */

static void parses_yes_no(void **state) {
    (void)state;
    assert_loaded_value("protected-mode no", "protected-mode", "no");
    assert_loaded_value("protected-mode YES", "protected-mode", "yes");
    assert_loaded_value("appendonly Yes", "appendonly", "yes");
    assert_reason("protected-mode maybe", "argument must be 'yes' or 'no'");
    assert_reason("protected-mode 1", "argument must be 'yes' or 'no'");
    assert_reason("protected-mode", "wrong number of arguments");
    assert_reason("protected-mode yes no", "wrong number of arguments");
}

static void parses_integers_with_bounds(void **state) {
    (void)state;
    assert_loaded_value("port 7000", "port", "7000");
    assert_loaded_value("port 0", "port", "0");
    assert_loaded_value("port 65535", "port", "65535");
    assert_loaded_value("list-max-listpack-size -5", "list-max-listpack-size", "-5");
    assert_loaded_value("slowlog-log-slower-than -1", "slowlog-log-slower-than", "-1");
    assert_reason("port 65536", "argument must be between 0 and 65535 inclusive");
    assert_reason("port -1", "argument must be between 0 and 65535 inclusive");
    assert_reason("port abc", "argument couldn't be parsed into an integer");
    assert_reason("port 007", "argument couldn't be parsed into an integer");
    assert_reason("port +7", "argument couldn't be parsed into an integer");
    assert_reason("port 1.5", "argument couldn't be parsed into an integer");
    assert_reason("port \"\"", "argument couldn't be parsed into an integer");
    assert_reason("databases 0", "argument must be between 1 and 2147483647 inclusive");
    assert_reason("slowlog-log-slower-than -2",
                  "argument must be between -1 and 9223372036854775807 inclusive");
    assert_reason("active-expire-effort 11", "argument must be between 1 and 10 inclusive");
    /* unsigned fields compare as unsigned, so -1 is a huge number */
    assert_reason("maxclients 0", "argument must be between 1 and 4294967295 inclusive");
    assert_reason("hash-max-listpack-entries -1",
                  "argument must be between 0 and 9223372036854775807 inclusive");
    assert_reason("port 99999999999999999999", "argument couldn't be parsed into an integer");
}

static void parses_memory_units(void **state) {
    (void)state;
    assert_loaded_value("maxmemory 100", "maxmemory", "100");
    assert_loaded_value("maxmemory 100b", "maxmemory", "100");
    assert_loaded_value("maxmemory 1k", "maxmemory", "1000");
    assert_loaded_value("maxmemory 1kb", "maxmemory", "1024");
    assert_loaded_value("maxmemory 2m", "maxmemory", "2000000");
    assert_loaded_value("maxmemory 2MB", "maxmemory", "2097152");
    assert_loaded_value("maxmemory 3g", "maxmemory", "3000000000");
    assert_loaded_value("maxmemory 3Gb", "maxmemory", "3221225472");
    /* Redis compat: no digits reads as 0, overlong saturates */
    assert_loaded_value("maxmemory \"\"", "maxmemory", "0");
    assert_loaded_value("maxmemory mb", "maxmemory", "0");
    assert_loaded_value("maxmemory 99999999999999999999", "maxmemory", "18446744073709551615");
    assert_reason("maxmemory -1", "argument must be a memory value");
    assert_reason("maxmemory 1tb", "argument must be a memory value");
    assert_reason("maxmemory 1.5gb", "argument must be a memory value");
    assert_reason("proto-max-bulk-len 1k",
                  "argument must be between 1048576 and 9223372036854775807 inclusive");
    assert_loaded_value("client-query-buffer-limit 2gb", "client-query-buffer-limit",
                        "2147483648");

    config *c = load_ok("maxmemory 99999999999999999999");
    /* The typed value of an unsigned option past INT64_MAX is INT64_MAX. */
    assert_int_equal(config_get_values(c)->maxmemory, INT64_MAX);
    config_free(c);
}

static void parses_percent_and_octal(void **state) {
    (void)state;
    assert_loaded_value("maxmemory-clients 10%", "maxmemory-clients", "10%");
    assert_loaded_value("maxmemory-clients 0%", "maxmemory-clients", "0");
    assert_loaded_value("maxmemory-clients 1mb", "maxmemory-clients", "1048576");
    assert_reason("maxmemory-clients 101%", "percentage argument must be less or equal to 100");
    assert_reason("maxmemory-clients -5", "argument must be a memory or percent value");
    assert_reason("maxmemory-clients abc", "argument must be a memory or percent value");
    config *c = load_ok("maxmemory-clients 10%");
    assert_int_equal(config_get_values(c)->maxmemory_clients, -10);
    config_free(c);

    assert_loaded_value("unixsocketperm 700", "unixsocketperm", "700");
    assert_loaded_value("unixsocketperm 0777", "unixsocketperm", "777");
    assert_reason("unixsocketperm 778", "argument couldn't be parsed as an octal number");
    assert_reason("unixsocketperm 1000", "argument must be between 0 and 777 inclusive");
}

static void parses_enums(void **state) {
    (void)state;
    assert_loaded_value("loglevel WARNING", "loglevel", "warning");
    assert_loaded_value("maxmemory-policy allkeys-lfu", "maxmemory-policy", "allkeys-lfu");
    assert_loaded_value("appendfsync always", "appendfsync", "always");
    assert_reason("loglevel loud",
                  "argument(s) must be one of the following: debug, verbose, notice, warning");
    assert_reason("loglevel notice warning", "wrong number of arguments");
    assert_reason("maxmemory-policy lru",
                  "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                  "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                  "noeviction");
    /* Redis compat: "relative" is the same value as "yes" */
    assert_loaded_value("oom-score-adj relative", "oom-score-adj", "yes");
    /* several flags, given as words or as one quoted argument */
    assert_loaded_value("shutdown-on-sigint save now", "shutdown-on-sigint", "save now");
    assert_loaded_value("shutdown-on-sigint \"now save\"", "shutdown-on-sigint", "save now");
    assert_loaded_value("shutdown-on-sigterm default", "shutdown-on-sigterm", "default");
    assert_loaded_value("shutdown-on-sigterm force nosave", "shutdown-on-sigterm", "nosave force");
    assert_reason("shutdown-on-sigint save nosave",
                  "shutdown options SAVE and NOSAVE can't be used simultaneously");
    assert_reason("shutdown-on-sigint save later",
                  "argument(s) must be one of the following: default, save, nosave, now, force");

    config *c = load_ok("loglevel debug\nmaxmemory-policy volatile-ttl\nappendfsync no\n"
                        "shutdown-on-sigterm save now\nsupervised systemd");
    const config_values *v = config_get_values(c);
    assert_int_equal(v->loglevel, CFG_LOG_DEBUG);
    assert_int_equal(v->maxmemory_policy, CFG_EVICT_VOLATILE_TTL);
    assert_int_equal(v->appendfsync, CFG_FSYNC_NO);
    assert_int_equal(v->shutdown_on_sigterm, CFG_SHUTDOWN_SAVE | CFG_SHUTDOWN_NOW);
    assert_int_equal(v->supervised, CFG_SUPERVISED_SYSTEMD);
    config_free(c);
}

static void parses_strings(void **state) {
    (void)state;
    assert_loaded_value("requirepass \"a b\\\"c\"", "requirepass", "a b\"c");
    assert_loaded_value("requirepass 'it\\'s'", "requirepass", "it's");
    assert_reason("requirepass 'it''s'", "Unbalanced quotes in configuration line");
    config *c = load_ok("requirepass secret\nrequirepass \"\"\npidfile /tmp/x.pid");
    assert_null(config_get_values(c)->requirepass); /* "" means unset */
    assert_string_equal(config_get_values(c)->pidfile, "/tmp/x.pid");
    config_free(c);
    assert_reason("dbfilename a/b.rdb", "dbfilename can't be a path, just a filename");
    assert_reason("appendfilename \"\"", "appendfilename can't be empty");
    assert_reason("appenddirname x/y", "appenddirname can't be a path, just a dirname");
    assert_reason("cluster-announce-hostname a_b",
                  "Hostnames may only contain alphanumeric characters, hyphens or dots");
    assert_reason("proc-title-template \"{title}\"",
                  "template format is invalid or contains unknown variables");
    assert_reason("proc-title-template \"{nope}\"",
                  "template format is invalid or contains unknown variables");
    assert_loaded_value("proc-title-template \"{title} {port}\"", "proc-title-template",
                        "{title} {port}");
}

static void parses_special_options(void **state) {
    (void)state;
    assert_loaded_value("bind 127.0.0.1 -::1", "bind", "127.0.0.1 -::1");
    assert_loaded_value("bind \"\"", "bind", "");
    assert_reason("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
                  "Too many bind addresses specified.");
    assert_loaded_value("client-output-buffer-limit replica 1mb 2kb 3", "client-output-buffer-limit",
                        "normal 0 0 0 slave 1048576 2048 3 pubsub 33554432 8388608 60");
    assert_loaded_value("client-output-buffer-limit \"pubsub 1 2 3 normal 4 5 6\"",
                        "client-output-buffer-limit",
                        "normal 4 5 6 slave 268435456 67108864 60 pubsub 1 2 3");
    assert_reason("client-output-buffer-limit normal 1 2",
                  "Wrong number of arguments in buffer limit configuration.");
    assert_reason("client-output-buffer-limit master 1 2 3",
                  "Invalid client class specified in buffer limit configuration.");
    assert_reason("client-output-buffer-limit normal 1 2 -3",
                  "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    assert_loaded_value("oom-score-adj-values -100 0 2000", "oom-score-adj-values", "-100 0 2000");
    assert_reason("oom-score-adj-values 1 2", "wrong number of arguments");
    assert_reason("oom-score-adj-values 1 2 2001",
                  "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    assert_loaded_value("notify-keyspace-events KEA", "notify-keyspace-events", "AKE");
    assert_loaded_value("notify-keyspace-events Kxm", "notify-keyspace-events", "xKm");
    assert_loaded_value("notify-keyspace-events \"\"", "notify-keyspace-events", "");
    assert_reason("notify-keyspace-events Q",
                  "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    assert_loaded_value("latency-tracking-info-percentiles 99.123456789 1e1 0",
                        "latency-tracking-info-percentiles", "99.123457 10 0");
    assert_loaded_value("latency-tracking-info-percentiles \"\"",
                        "latency-tracking-info-percentiles", "");
    assert_reason("latency-tracking-info-percentiles abc",
                  "Invalid latency-tracking-info-percentiles parameters");
    assert_reason("latency-tracking-info-percentiles 100.5",
                  "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
    assert_loaded_value("replicaof no one", "replicaof", "");
    assert_reason("replicaof 10.0.0.1", "wrong number of arguments");
    assert_reason("replicaof 10.0.0.1 99999", "Invalid master port");
    assert_loaded_value("slaveof 10.0.0.1 6379", "replicaof", "10.0.0.1 6379");
    assert_loaded_value("replicaof 10.0.0.1 6379\nreplicaof no one", "replicaof", "");

    config *c = load_ok("notify-keyspace-events Ex");
    assert_int_equal(config_get_values(c)->notify_keyspace_events,
                     CFG_NOTIFY_EXPIRED | CFG_NOTIFY_KEYEVENT);
    config_free(c);
}

static void save_lines_replace_defaults_then_accumulate(void **state) {
    (void)state;
    assert_loaded_value("save 900 1", "save", "900 1");
    assert_loaded_value("save 900 1\nsave 300 10", "save", "900 1 300 10");
    assert_loaded_value("save \"900 1 300 10\"", "save", "900 1 300 10");
    assert_loaded_value("save 900 1\nsave \"\"", "save", "");
    assert_loaded_value("save \"\"\nsave 60 5", "save", "60 5");
    assert_reason("save 900", "Invalid save parameters");
    assert_reason("save 0 1", "Invalid save parameters");
    assert_reason("save 10 -1", "Invalid save parameters");
    assert_reason("save 10 x", "Invalid save parameters");

    /* a command line after the file keeps adding, as redis-server does */
    config *c = load_ok("save 900 1");
    buf err;
    buf_init(&err);
    assert_int_equal(config_load_text(c, "save 60 10", NULL, &err), 0);
    assert_get(c, "save", "900 1 60 10");
    assert_int_equal(config_get_values(c)->save_count, 2);
    /* CONFIG SET replaces */
    assert_set_ok(c, "save", "10 1");
    assert_get(c, "save", "10 1");
    assert_set_ok(c, "save", "");
    assert_get(c, "save", "");
    assert_int_equal(config_get_values(c)->save_count, 0);
    buf_fini(&err);
    config_free(c);
}

static void hz_is_clamped(void **state) {
    (void)state;
    assert_loaded_value("hz 1000", "hz", "500");
    assert_loaded_value("hz 0", "hz", "1");
    config *c = config_new();
    assert_set_ok(c, "hz", "9999");
    assert_int_equal(config_get_values(c)->hz, 500);
    config_free(c);
}

static void aliases_reach_the_same_option(void **state) {
    (void)state;
    config *c = load_ok("slave-priority 7\nhash-max-ziplist-entries 99\nlua-time-limit 100\n"
                        "list-max-ziplist-size 8\nslaveof no one");
    assert_get(c, "replica-priority", "7");
    assert_get(c, "slave-priority", "7");
    assert_get(c, "hash-max-listpack-entries", "99");
    assert_get(c, "busy-reply-threshold", "100");
    assert_int_equal(config_get_values(c)->busy_reply_threshold_ms, 100);
    assert_int_equal(config_get_values(c)->list_max_listpack_size, 8);
    const char *pat[] = {"slave-pri*"};
    char *got = get_matching(c, 1, pat);
    assert_string_equal(got, "slave-priority=7\n");
    mem_free(got);
    config_free(c);
}

static void directive_names_ignore_case(void **state) {
    (void)state;
    assert_loaded_value("PORT 7001", "port", "7001");
    assert_loaded_value("MaxMemory 1mb", "maxmemory", "1048576");
}

static void skips_comments_blank_lines_and_deprecated_directives(void **state) {
    (void)state;
    config *c = load_ok("# comment\n\n   \t\n  # indented comment\nport 7002   \r\n"
                        "list-max-ziplist-entries 512\nlua-replicate-commands yes\n");
    assert_get(c, "port", "7002");
    config_free(c);
    assert_reason("list-max-ziplist-entries", "Bad directive or wrong number of arguments");
}

static void rejects_unsupported_directives_with_a_reason(void **state) {
    (void)state;
    assert_reason("loadmodule /usr/lib/x.so", "loadmodule is not supported by this server");
    assert_reason("rename-command CONFIG \"\"", "rename-command is not supported by this server");
    assert_reason("user alice on >pw ~* +@all",
                  "user is not supported by this server: only the default user exists (use "
                  "requirepass)");
    assert_reason("sentinel monitor m 127.0.0.1 6379 2",
                  "sentinel mode is not supported by this server");
    assert_reason("mymodule.option 5", "module configuration is not supported by this server");
    assert_reason("mymodule.option", "Module config specified without value");
    assert_reason("tls-port 6380", "TLS is not supported by this server");
    assert_reason("tls-replication yes", "TLS is not supported by this server");
    assert_reason("unixsocket /tmp/t.sock", "unix sockets are not supported by this server");
    assert_reason("syslog-enabled yes", "syslog is not supported by this server");
    assert_reason("aclfile /etc/users.acl", "aclfile is not supported by this server (no ACL users)");
    assert_reason("activedefrag yes",
                  "Active defragmentation cannot be enabled: it requires a Redis server compiled "
                  "with a modified Jemalloc like the one shipped by default with the Redis source "
                  "distribution");
    assert_reason("no-such-option 1", "Bad directive or wrong number of arguments");
    /* the "off" forms a stock file uses are fine */
    config *c = load_ok("user default on nopass ~* &* +@all\ntls-port 0\nunixsocket \"\"\n"
                        "syslog-enabled no\naclfile \"\"\ntls-cert-file /x.crt\n");
    assert_get(c, "tls-cert-file", "/x.crt");
    config_free(c);
}

/* ------------------------------------------------------------------------
 * Errors, files and includes
 * ---------------------------------------------------------------------- */

static void error_names_source_line_and_reason(void **state) {
    (void)state;
    char *e = load_err("port 7000\n\n# c\n  maxmemory   lots  \nport 1");
    assert_string_equal(e, "*** FATAL CONFIG FILE ERROR (Tessera " TESSERA_VERSION ") ***\n"
                           "Reading the configuration from the test, at line 4\n"
                           ">>> 'maxmemory   lots'\n"
                           "argument must be a memory value");
    mem_free(e);
    e = load_err("port \"7000");
    assert_string_equal(e, "*** FATAL CONFIG FILE ERROR (Tessera " TESSERA_VERSION ") ***\n"
                           "Reading the configuration from the test, at line 1\n"
                           ">>> 'port \"7000'\n"
                           "Unbalanced quotes in configuration line");
    mem_free(e);

    config *c = config_new();
    buf err;
    buf_init(&err);
    assert_true(config_load_text(c, "bogus", NULL, &err) < 0);
    assert_non_null(strstr(err.data, "Reading the configuration from the command line, at line 1"));
    buf_fini(&err);
    config_free(c);
}

static void loads_files_and_reports_their_name(void **state) {
    (void)state;
    char *dir = make_tmpdir();
    char *main_conf = path_in(dir, "main.conf");
    write_file(main_conf, "port 7100\nmaxclients 0\n");
    config *c = config_new();
    buf err;
    buf_init(&err);
    assert_true(config_load_file(c, main_conf, &err) < 0);
    buf want;
    buf_init(&want);
    buf_printf(&want, "*** FATAL CONFIG FILE ERROR (Tessera %s) ***\n"
                      "Reading the configuration file '%s', at line 2\n"
                      ">>> 'maxclients 0'\n"
                      "argument must be between 1 and 4294967295 inclusive",
               TESSERA_VERSION, main_conf);
    assert_string_equal(err.data, want.data);
    assert_string_equal(config_file_path(c), main_conf);
    config_free(c);

    c = config_new();
    char *missing = path_in(dir, "missing.conf");
    assert_true(config_load_file(c, missing, &err) < 0);
    buf_clear(&want);
    buf_printf(&want, "Fatal error, can't open config file '%s': No such file or directory",
               missing);
    assert_string_equal(err.data, want.data);
    config_free(c);

    buf_fini(&want);
    buf_fini(&err);
    mem_free(missing);
    mem_free(main_conf);
    remove_tree(dir);
    mem_free(dir);
}

static void includes_files_relative_to_the_working_directory(void **state) {
    (void)state;
    char *dir = make_tmpdir();
    char *sub = path_in(dir, "conf.d");
    assert_int_equal(mkdir(sub, 0700), 0);
    char *a = path_in(dir, "conf.d/a.conf");
    char *b = path_in(dir, "conf.d/b.conf");
    char *extra = path_in(dir, "extra.conf");
    char *main_conf = path_in(dir, "main.conf");
    write_file(a, "maxmemory 1mb\n");
    write_file(b, "timeout 5\n");
    write_file(extra, "port 7200\n");
    buf text;
    buf_init(&text);
    /* dir first, so the relative names below resolve inside the temp dir */
    buf_printf(&text, "dir %s\ninclude extra.conf\ninclude conf.d/*.conf\ninclude nothing/*.conf\n"
                      "tcp-keepalive 1\n",
               dir);
    write_file(main_conf, text.data);
    config *c = config_new();
    buf err;
    buf_init(&err);
    assert_int_equal(chdir("/"), 0);
    if (config_load_file(c, main_conf, &err) != 0) fail_msg("%s", err.data);
    assert_get(c, "port", "7200");
    assert_get(c, "maxmemory", "1048576");
    assert_get(c, "timeout", "5");
    assert_get(c, "tcp-keepalive", "1");
    assert_get(c, "dir", dir);
    config_free(c);

    /* an error inside an include names the included file and its line */
    write_file(b, "\ntimeout never\n");
    c = config_new();
    assert_true(config_load_file(c, main_conf, &err) < 0);
    buf want;
    buf_init(&want);
    /* (named as the pattern matched it, relative to the working directory) */
    buf_printf(&want, "Reading the configuration file 'conf.d/b.conf', at line 2\n"
                      ">>> 'timeout never'");
    assert_non_null(strstr(err.data, want.data));
    config_free(c);

    /* a missing include is reported at the include line */
    buf_clear(&text);
    buf_printf(&text, "port 1\ninclude %s/none.conf\n", dir);
    write_file(main_conf, text.data);
    c = config_new();
    assert_true(config_load_file(c, main_conf, &err) < 0);
    buf_clear(&want);
    buf_printf(&want, "at line 2\n>>> 'include %s/none.conf'\nFatal error, can't open config "
                      "file '%s/none.conf': No such file or directory",
               dir, dir);
    assert_non_null(strstr(err.data, want.data));
    config_free(c);

    /* a file including itself stops at the depth guard */
    buf_clear(&text);
    buf_printf(&text, "include %s\n", main_conf);
    write_file(main_conf, text.data);
    c = config_new();
    assert_true(config_load_file(c, main_conf, &err) < 0);
    assert_non_null(strstr(err.data, "include files are nested more than 16 levels deep"));
    config_free(c);

    buf_fini(&want);
    buf_fini(&err);
    buf_fini(&text);
    mem_free(a);
    mem_free(b);
    mem_free(extra);
    mem_free(main_conf);
    mem_free(sub);
    remove_tree(dir);
    mem_free(dir);
}

static void dir_changes_the_working_directory(void **state) {
    (void)state;
    char *d = make_tmpdir();
    char *sub = path_in(d, "data");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(chdir(d), 0);
    config *c = load_ok("dir data");
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_string_equal(cwd, sub);
    assert_get(c, "dir", sub);
    assert_string_equal(config_get_values(c)->dir, sub);
    config_free(c);
    assert_reason("dir /no/such/dir", "No such file or directory");
    assert_reason("dir a b", "wrong number of arguments");
    mem_free(sub);
    remove_tree(d);
    mem_free(d);
}

static void checks_that_the_log_file_can_be_opened(void **state) {
    (void)state;
    char *e = load_err("logfile /no/such/dir/t.log");
    assert_string_equal(e, "*** FATAL CONFIG FILE ERROR (Tessera " TESSERA_VERSION ") ***\n"
                           "Can't open the log file: No such file or directory");
    mem_free(e);
    char *d = make_tmpdir();
    char *log = path_in(d, "t.log");
    buf text;
    buf_init(&text);
    buf_printf(&text, "logfile %s", log);
    config *c = load_ok(text.data);
    assert_string_equal(config_get_values(c)->logfile, log);
    assert_int_equal(access(log, F_OK), -1); /* checked, not created */
    config_free(c);
    buf_fini(&text);
    mem_free(log);
    remove_tree(d);
    mem_free(d);
}

/* ------------------------------------------------------------------------
 * Command line
 * ---------------------------------------------------------------------- */

static void assert_argv_text(int argc, const char **argv, const char *expected) {
    buf out;
    buf_init(&out);
    config_argv_to_text(argc, (char **)(uintptr_t)argv, &out);
    assert_string_equal(out.data, expected);
    buf_fini(&out);
}

static void turns_argv_into_config_text(void **state) {
    (void)state;
    const char *a1[] = {"--port", "7000", "--save", ""};
    assert_argv_text(4, a1, "port \"7000\" \nsave \"\" ");
    const char *a2[] = {"--save", "--port", "7000"};
    assert_argv_text(3, a2, "save \"\"\nport \"7000\" ");
    const char *a3[] = {"--port", "7000", "--save"};
    assert_argv_text(3, a3, "port \"7000\" \nsave \"\"");
    const char *a4[] = {"--replicaof", "10.0.0.1", "6379", "--requirepass", "a \"b\"\n"};
    assert_argv_text(5, a4, "replicaof \"10.0.0.1\" \"6379\" \nrequirepass \"a \\\"b\\\"\\n\" ");
    const char *a5[] = {"--port 7000", "--maxmemory", "--weird"};
    assert_argv_text(3, a5, "port 7000 \nmaxmemory \"--weird\" ");
    const char *a6[] = {"-", "--port", "1"};
    assert_argv_text(3, a6, "port \"1\" ");
    assert_argv_text(0, a6, "");

    /* and the text loads */
    const char *a7[] = {"--port", "7300", "--save", "--bind", "127.0.0.1", "::1",
                        "--shutdown-on-sigint", "save now"};
    buf out, err;
    buf_init(&out);
    buf_init(&err);
    config_argv_to_text(8, (char **)(uintptr_t)a7, &out);
    config *c = config_new();
    if (config_load_text(c, out.data, NULL, &err) != 0) fail_msg("%s", err.data);
    assert_get(c, "port", "7300");
    assert_get(c, "save", "");
    assert_get(c, "bind", "127.0.0.1 ::1");
    assert_get(c, "shutdown-on-sigint", "save now");
    config_free(c);
    buf_fini(&out);
    buf_fini(&err);
}

/* ------------------------------------------------------------------------
 * CONFIG GET
 * ---------------------------------------------------------------------- */

static void get_matches_patterns_once_per_option(void **state) {
    (void)state;
    config *c = config_new();
    const char *p1[] = {"maxmemory*", "MAXMEMORY", "*policy"};
    char *got = get_matching(c, 3, p1);
    assert_string_equal(got, "maxmemory-policy=noeviction\nmaxmemory-samples=5\n"
                             "maxmemory-eviction-tenacity=10\nmaxmemory=0\nmaxmemory-clients=0\n");
    mem_free(got);

    /* an exact name is echoed as spelled and may name a hidden option */
    const char *p2[] = {"PORT", "port", "use-exit-on-panic", "nosuch"};
    got = get_matching(c, 4, p2);
    assert_string_equal(got, "PORT=6379\nuse-exit-on-panic=no\n");
    mem_free(got);
    const char *p3[] = {"use-exit*"};
    got = get_matching(c, 1, p3);
    assert_string_equal(got, "");
    mem_free(got);

    const char *p4[] = {"b?nd", "client-output-*", "s[a]ve", "oom-score-adj-values"};
    got = get_matching(c, 4, p4);
    assert_string_equal(got, "bind=* -::*\n"
                             "client-output-buffer-limit=normal 0 0 0 slave 268435456 67108864 60 "
                             "pubsub 33554432 8388608 60\n"
                             "save=3600 1 300 100 60 10000\n"
                             "oom-score-adj-values=0 200 800\n");
    mem_free(got);

    char *v = config_get_value(c, "nosuch");
    assert_null(v);
    v = config_get_value(c, "Slave-Read-Only");
    assert_string_equal(v, "yes");
    mem_free(v);
    assert_true(config_is_sensitive(c, "requirepass", 11));
    assert_true(config_is_sensitive(c, "MASTERAUTH", 10));
    assert_false(config_is_sensitive(c, "port", 4));
    config_free(c);
}

/* ------------------------------------------------------------------------
 * CONFIG SET
 * ---------------------------------------------------------------------- */

static void set_changes_values_and_mirrors(void **state) {
    (void)state;
    config *c = config_new();
    buf err;
    buf_init(&err);
    assert_int_equal(SET(c, &err, "maxmemory", "1gb", "loglevel", "debug", "requirepass", "pw",
                         "bind", "127.0.0.1 ::1", "client-output-buffer-limit",
                         "normal 1mb 2mb 3"),
                     0);
    const config_values *v = config_get_values(c);
    assert_int_equal(v->maxmemory, 1024LL * 1024 * 1024);
    assert_int_equal(v->loglevel, CFG_LOG_DEBUG);
    assert_string_equal(v->requirepass, "pw");
    assert_int_equal(v->bind_count, 2);
    assert_string_equal(v->bind[1], "::1");
    assert_int_equal(v->obuf[CFG_OBUF_NORMAL].soft_bytes, 2 * 1024 * 1024);
    assert_int_equal(SET(c, &err, "requirepass", ""), 0);
    assert_null(v->requirepass);
    /* multi-argument values split on single spaces */
    assert_set_error(c, "save", "10  1",
                     "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
                     "parameters");
    assert_int_equal(SET(c, &err, "bind", ""), 0);
    assert_int_equal(v->bind_count, 0);
    buf_fini(&err);
    config_free(c);
}

static void set_reports_errors_like_redis(void **state) {
    (void)state;
    config *c = config_new();
    buf err;
    buf_init(&err);
    assert_set_error(c, "foo", "bar",
                     "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    assert_set_error(c, "daemonize", "yes",
                     "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't "
                     "set immutable config");
    assert_set_error(c, "port", "abc",
                     "ERR CONFIG SET failed (possibly related to argument 'port') - argument "
                     "couldn't be parsed into an integer");
    assert_set_error(c, "SLAVE-PRIORITY", "x",
                     "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - "
                     "argument couldn't be parsed into an integer");
    assert_set_error(c, "dir", "/tmp",
                     "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set "
                     "protected config");
    assert_set_error(c, "dbfilename", "x.rdb",
                     "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't "
                     "set protected config");
    assert_set_error(c, "slaveof", "a b",
                     "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set "
                     "immutable config");
    assert_set_error(c, "maxmemory-clients", "101%",
                     "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - "
                     "percentage argument must be less or equal to 100");
    assert_set_error(c, "shutdown-on-sigint", "",
                     "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - "
                     "argument(s) must be one of the following: default, save, nosave, now, force");
    /* the first problem in argument order wins */
    assert_true(SET(c, &err, "daemonize", "yes", "foo", "bar") < 0);
    assert_string_equal(err.data, "ERR CONFIG SET failed (possibly related to argument "
                                  "'daemonize') - can't set immutable config");
    assert_true(SET(c, &err, "foo", "bar", "daemonize", "yes") < 0);
    assert_string_equal(err.data, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    assert_true(SET(c, &err, "maxmemory", "1", "MAXMEMORY", "2") < 0);
    assert_string_equal(err.data, "ERR CONFIG SET failed (possibly related to argument "
                                  "'MAXMEMORY') - duplicate parameter");
    /* Redis compat: an option and its alias are not duplicates; the last wins */
    assert_int_equal(SET(c, &err, "hash-max-ziplist-entries", "7", "hash-max-listpack-entries", "9"),
                     0);
    assert_get(c, "hash-max-ziplist-entries", "9");
    /* while loading, some options refuse */
    assert_true(set_pairs(c, CFG_SET_LOADING, &err, "appendonly", "yes", NULL) < 0);
    assert_string_equal(err.data, "LOADING Redis is loading the dataset in memory");
    assert_int_equal(set_pairs(c, CFG_SET_LOADING, &err, "maxmemory", "5", NULL), 0);
    buf_fini(&err);
    config_free(c);
}

static void set_protected_options_follow_enable_protected_configs(void **state) {
    (void)state;
    char *d = make_tmpdir();
    buf err;
    buf_init(&err);
    config *c = load_ok("enable-protected-configs local");
    assert_true(set_pairs(c, 0, &err, "dir", d, NULL) < 0);
    assert_int_equal(set_pairs(c, CFG_SET_LOCAL_CLIENT, &err, "dir", d, NULL), 0);
    assert_get(c, "dir", d);
    config_free(c);
    c = load_ok("enable-protected-configs yes");
    assert_int_equal(SET(c, &err, "dbfilename", "x.rdb"), 0);
    assert_set_error(c, "dbfilename", "a/x.rdb",
                     "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - "
                     "dbfilename can't be a path, just a filename");
    config_free(c);
    buf_fini(&err);
    remove_tree(d);
    mem_free(d);
}

static void set_is_all_or_nothing(void **state) {
    (void)state;
    char *d = make_tmpdir();
    config *c = load_ok("enable-protected-configs yes");
    buf err;
    buf_init(&err);
    /* the bad value comes last: nothing before it may stick, not even dir */
    assert_true(SET(c, &err, "port", "7000", "dir", d, "save", "1 1", "maxmemory", "lots") < 0);
    assert_string_equal(err.data, "ERR CONFIG SET failed (possibly related to argument "
                                  "'maxmemory') - argument must be a memory value");
    assert_get(c, "port", "6379");
    assert_get(c, "dir", start_cwd);
    assert_get(c, "save", "3600 1 300 100 60 10000");
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_string_equal(cwd, start_cwd);
    assert_int_equal(config_get_values(c)->port, 6379);
    buf_fini(&err);
    config_free(c);
    remove_tree(d);
    mem_free(d);
}

typedef struct hook_log {
    int calls[32];
    int ncalls;
    int fail_on; /* class that fails the first time, or -1 */
    int seen_port_when_failing;
    const config *c;
} hook_log;

static int record_hook(void *ctx, enum config_apply what, buf *err) {
    hook_log *h = ctx;
    h->calls[h->ncalls++] = (int)what;
    if ((int)what == h->fail_on) {
        h->fail_on = -1;
        h->seen_port_when_failing = config_get_values(h->c)->port;
        buf_append_str(err, "Unable to listen on this port. Check server logs.");
        return -1;
    }
    return 0;
}

static void set_calls_the_hook_once_per_class(void **state) {
    (void)state;
    config *c = config_new();
    hook_log h = {.fail_on = -1, .c = c};
    config_set_apply_hook(c, record_hook, &h);
    buf err;
    buf_init(&err);
    assert_int_equal(SET(c, &err, "maxmemory-policy", "allkeys-lru", "lfu-log-factor", "5", "port",
                         "7001", "lfu-decay-time", "3", "timeout", "9"),
                     0);
    assert_int_equal(h.ncalls, 2);
    assert_int_equal(h.calls[0], CFG_APPLY_EVICTION_POLICY);
    assert_int_equal(h.calls[1], CFG_APPLY_PORT);
    /* unchanged values do not call the hook */
    h.ncalls = 0;
    assert_int_equal(SET(c, &err, "port", "7001", "maxmemory", "0"), 0);
    assert_int_equal(h.ncalls, 0);
    buf_fini(&err);
    config_free(c);
}

static void set_restores_everything_when_the_hook_fails(void **state) {
    (void)state;
    config *c = config_new();
    hook_log h = {.fail_on = CFG_APPLY_PORT, .c = c};
    config_set_apply_hook(c, record_hook, &h);
    buf err;
    buf_init(&err);
    assert_true(SET(c, &err, "maxmemory", "10mb", "requirepass", "pw", "port", "7002",
                    "hash-max-listpack-entries", "3") < 0);
    assert_string_equal(err.data, "ERR CONFIG SET failed (possibly related to argument 'port') - "
                                  "Unable to listen on this port. Check server logs.");
    /* the hook saw the new value, then everything went back */
    assert_int_equal(h.seen_port_when_failing, 7002);
    const config_values *v = config_get_values(c);
    assert_int_equal(v->port, 6379);
    assert_int_equal(v->maxmemory, 0);
    assert_null(v->requirepass);
    assert_int_equal(v->hash_max_listpack_entries, 512);
    assert_get(c, "requirepass", "");
    /* first pass: MAXMEMORY, REQUIREPASS, PORT (fails); then all three again */
    assert_int_equal(h.ncalls, 6);
    assert_int_equal(h.calls[0], CFG_APPLY_MAXMEMORY);
    assert_int_equal(h.calls[1], CFG_APPLY_REQUIREPASS);
    assert_int_equal(h.calls[2], CFG_APPLY_PORT);
    assert_int_equal(h.calls[3], CFG_APPLY_MAXMEMORY);
    assert_int_equal(h.calls[4], CFG_APPLY_REQUIREPASS);
    assert_int_equal(h.calls[5], CFG_APPLY_PORT);
    buf_fini(&err);
    config_free(c);
}

/* ------------------------------------------------------------------------
 * CONFIG REWRITE
 * ---------------------------------------------------------------------- */

static void rewrite_needs_a_file(void **state) {
    (void)state;
    config *c = config_new();
    buf err;
    buf_init(&err);
    assert_true(config_rewrite(c, &err) < 0);
    assert_string_equal(err.data, "ERR The server is running without a config file");
    buf_fini(&err);
    config_free(c);
}

static void rewrite_keeps_the_file_and_updates_in_place(void **state) {
    (void)state;
    char *d = make_tmpdir();
    char *file = path_in(d, "node.conf");
    buf text;
    buf_init(&text);
    buf_printf(&text, "# top comment\n"
                      "port 7400\n"
                      "bind 127.0.0.1\n"
                      "save 900 1\n"
                      "save 300 10\n"
                      "maxmemory 100mb\n"
                      "maxmemory 200mb\n"
                      "slave-priority 50\n"
                      "   hash-max-ziplist-entries 100   \n"
                      "notify-keyspace-events \"\"\n"
                      "list-max-ziplist-entries 512\n"
                      "\n\n\n"
                      "dir %s\n"
                      "bind * -::*\n"
                      "slaveof no one\n",
               d);
    write_file(file, text.data);
    config *c = config_new();
    buf err;
    buf_init(&err);
    if (config_load_file(c, file, &err) != 0) fail_msg("%s", err.data);
    assert_int_equal(SET(c, &err, "timeout", "9", "maxmemory-policy", "allkeys-lru",
                         "client-output-buffer-limit", "pubsub 1mb 2 3", "save", "100 5",
                         "maxmemory-clients", "10%", "requirepass", "a b\"c", "replica-priority",
                         "60", "notify-keyspace-events", "Ex"),
                     0);
    assert_int_equal(config_rewrite(c, &err), 0);
    char *got = read_file(file);
    buf want;
    buf_init(&want);
    buf_printf(&want, "# top comment\n"
                      "port 7400\n"
                      "\n"
                      "save 100 5\n"
                      "\n"
                      "maxmemory 200mb\n"
                      "\n"
                      "replica-priority 60\n"
                      "hash-max-listpack-entries 100\n"
                      "notify-keyspace-events \"xE\"\n"
                      "# ??? list-max-ziplist-entries 512\n"
                      "\n"
                      "dir \"%s\"\n"
                      "\n"
                      "# Generated by CONFIG REWRITE\n"
                      "requirepass \"a b\\\"c\"\n"
                      "maxmemory-policy allkeys-lru\n"
                      "timeout 9\n"
                      "maxmemory-clients 10%%\n"
                      "client-output-buffer-limit pubsub 1mb 2 3\n"
                      "latency-tracking-info-percentiles 50 99 99.9\n",
               d);
    assert_string_equal(got, want.data);
    mem_free(got);

    /* rewriting again changes nothing */
    assert_int_equal(config_rewrite(c, &err), 0);
    got = read_file(file);
    assert_string_equal(got, want.data);
    mem_free(got);

    /* and the file loads back to the same values */
    config *again = config_new();
    if (config_load_file(again, file, &err) != 0) fail_msg("%s", err.data);
    const char *star[] = {"*"};
    char *before = get_matching(c, 1, star);
    char *after = get_matching(again, 1, star);
    assert_string_equal(before, after);
    mem_free(before);
    mem_free(after);
    config_free(again);

    /* no temp files are left behind */
    buf cmd;
    buf_init(&cmd);
    buf_printf(&cmd, "test $(ls '%s' | wc -l) -eq 1", d);
    assert_int_equal(system(cmd.data), 0);
    buf_fini(&cmd);

    buf_fini(&want);
    buf_fini(&err);
    buf_fini(&text);
    config_free(c);
    mem_free(file);
    remove_tree(d);
    mem_free(d);
}

static void rewrite_writes_a_missing_file_with_non_defaults(void **state) {
    (void)state;
    char *d = make_tmpdir();
    char *file = path_in(d, "new.conf");
    config *c = config_new();
    config_set_file_path(c, file);
    buf err;
    buf_init(&err);
    assert_int_equal(SET(c, &err, "save", "", "bind", "127.0.0.1", "oom-score-adj-values", "1 2 3",
                         "maxmemory", "3gb", "latency-tracking-info-percentiles", ""),
                     0);
    assert_int_equal(config_rewrite(c, &err), 0);
    char *got = read_file(file);
    buf want;
    buf_init(&want);
    buf_printf(&want, "# Generated by CONFIG REWRITE\n"
                      "maxmemory 3gb\n"
                      "dir \"%s\"\n"
                      "save \"\"\n"
                      "oom-score-adj-values 1 2 3\n"
                      "bind 127.0.0.1\n"
                      "latency-tracking-info-percentiles \"\"\n",
               start_cwd);
    assert_string_equal(got, want.data);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    mode_t um = umask(0);
    umask(um);
    assert_int_equal(st.st_mode & 0777, 0644 & ~um);
    config *again = config_new();
    if (config_load_file(again, file, &err) != 0) fail_msg("%s", err.data);
    assert_get(again, "save", "");
    assert_get(again, "bind", "127.0.0.1");
    assert_get(again, "latency-tracking-info-percentiles", "");
    config_free(again);
    mem_free(got);
    buf_fini(&want);
    buf_fini(&err);
    config_free(c);
    mem_free(file);
    remove_tree(d);
    mem_free(d);
}

static void rewrite_round_trips_every_option(void **state) {
    (void)state;
    /* Change every mutable value we can, rewrite, reload, compare. */
    char *d = make_tmpdir();
    char *file = path_in(d, "all.conf");
    write_file(file, "# empty\n");
    config *c = config_new();
    buf err;
    buf_init(&err);
    assert_int_equal(config_load_file(c, file, &err), 0);
    assert_int_equal(SET(c, &err, "maxmemory", "12345", "proto-max-bulk-len", "2mb",
                         "maxmemory-clients", "5%", "list-max-listpack-size", "-3",
                         "shutdown-on-sigint", "nosave now", "appendfsync", "no",
                         "cluster-announce-hostname", "node-1.example", "requirepass",
                         "x\ty\\z\x01", "notify-keyspace-events", "KA", "protected-mode", "no"),
                     0);
    assert_int_equal(SET(c, &err, "client-output-buffer-limit", "normal 1 2 3 replica 4 5 6",
                         "save", "5 5 10 10", "hz", "77", "slowlog-log-slower-than", "-1",
                         "latency-tracking-info-percentiles", "1.5 2", "ignore-warnings",
                         "ARM64-COW-BUG", "oom-score-adj", "absolute"),
                     0);
    assert_int_equal(config_rewrite(c, &err), 0);
    config *again = config_new();
    if (config_load_file(again, file, &err) != 0) fail_msg("%s", err.data);
    const char *star[] = {"*"};
    char *before = get_matching(c, 1, star);
    char *after = get_matching(again, 1, star);
    assert_string_equal(before, after);
    assert_get(again, "requirepass", "x\ty\\z\x01");
    mem_free(before);
    mem_free(after);
    config_free(again);
    buf_fini(&err);
    config_free(c);
    mem_free(file);
    remove_tree(d);
    mem_free(d);
}

static void rewrite_reports_write_errors(void **state) {
    (void)state;
    config *c = config_new();
    config_set_file_path(c, "/no/such/dir/x.conf");
    buf err;
    buf_init(&err);
    assert_true(config_rewrite(c, &err) < 0);
    assert_string_equal(err.data, "ERR Rewriting config file: No such file or directory");
    buf_fini(&err);
    config_free(c);
}

/* ------------------------------------------------------------------------
 * Shipped and stock files
 * ---------------------------------------------------------------------- */

/* conf/tessera.conf, found from this source file's path (tests run from the
 * repository root; TESSERA_SRC_DIR overrides). */
static char *tessera_conf_path(void) {
    buf p;
    buf_init(&p);
    const char *root = getenv("TESSERA_SRC_DIR");
    if (root) {
        buf_printf(&p, "%s/conf/tessera.conf", root);
    } else {
        const char *me = __FILE__;
        const char *cut = strstr(me, "tests/unit/test_config.c");
        buf_append(&p, me, cut ? (size_t)(cut - me) : 0);
        if (p.len && p.data[0] != '/') {
            buf abs;
            buf_init(&abs);
            buf_printf(&abs, "%s/%s", start_cwd, p.data);
            buf_fini(&p);
            p = abs;
        } else if (p.len == 0) {
            buf_printf(&p, "%s/", start_cwd);
        }
        buf_append_str(&p, "conf/tessera.conf");
    }
    char *s = mem_strdup(p.data);
    buf_fini(&p);
    return s;
}

static bool is_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/* True if name occurs in text as a whole word. */
static bool mentions_word(const char *text, const char *name) {
    size_t n = strlen(name);
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
        bool left = p == text || !is_name_char(p[-1]);
        if (left && !is_name_char(p[n])) return true;
    }
    return false;
}

static void loads_the_shipped_config(void **state) {
    (void)state;
    char *path = tessera_conf_path();
    config *c = config_new();
    buf err;
    buf_init(&err);
    if (config_load_file(c, path, &err) != 0) fail_msg("%s", err.data);
    const config_values *v = config_get_values(c);
    assert_int_equal(v->port, 6379);
    assert_int_equal(v->bind_count, 2);
    assert_string_equal(v->bind[0], "127.0.0.1");
    assert_string_equal(v->bind[1], "-::1");
    assert_true(v->protected_mode);
    assert_false(v->daemonize);
    assert_string_equal(v->logfile, "");
    assert_int_equal(v->enable_debug_command, CFG_PROTECTED_LOCAL);
    /* every other value it sets is the default */
    config *dflt = config_new();
    const char *star[] = {"*"};
    char *a = get_matching(c, 1, star);
    char *b = get_matching(dflt, 1, star);
    int differing = 0;
    for (char *la = a, *lb = b; *la && *lb;) {
        char *ea = strchr(la, '\n'), *eb = strchr(lb, '\n');
        size_t na = (size_t)(ea - la), nb = (size_t)(eb - lb);
        if (na != nb || memcmp(la, lb, na) != 0) {
            differing++;
            bool expected = !strncmp(la, "bind=", 5) || !strncmp(la, "dir=", 4);
            if (!expected) fail_msg("unexpected non-default: %.*s", (int)na, la);
        }
        la = ea + 1;
        lb = eb + 1;
    }
    assert_true(differing <= 2);
    mem_free(a);
    mem_free(b);
    config_free(dflt);

    /* and it documents every directive: all Redis lists, the hidden ones
     * and the directives that are not options */
    char *text = read_file(path);
    static const char *const others[] = {"use-exit-on-panic", "lua-enable-deprecated-api",
                                         "rdb-key-save-delay", "key-load-delay",
                                         "loading-process-events-interval-bytes",
                                         "watchdog-period", "include", "user", "loadmodule",
                                         "rename-command", "sentinel"};
    size_t nref = sizeof(redis_defaults) / sizeof(redis_defaults[0]);
    for (size_t i = 0; i < nref + sizeof(others) / sizeof(others[0]); i++) {
        const char *name = i < nref ? redis_defaults[i].name : others[i - nref];
        if (!mentions_word(text, name)) fail_msg("conf/tessera.conf does not mention %s", name);
    }
    mem_free(text);
    buf_fini(&err);
    config_free(c);
    mem_free(path);
}

static void loads_the_stock_redis_conf(void **state) {
    (void)state;
    const char *path = "/etc/redis/redis.conf";
    if (access(path, R_OK) != 0) {
        print_message("skipped: %s is absent or unreadable (%s)\n", path, strerror(errno));
        skip();
    }
    config *c = config_new();
    buf err;
    buf_init(&err);
    if (config_load_file(c, path, &err) != 0) {
        /* The stock file names /var/lib/redis and /var/log/redis; without
         * permission for them this is the system's business, not ours. */
        if (strstr(err.data, "Permission denied")) {
            print_message("skipped: %s\n", err.data);
            buf_fini(&err);
            config_free(c);
            skip();
        }
        fail_msg("%s", err.data);
    }
    assert_int_equal(config_get_values(c)->port, 6379);
    assert_get(c, "bind", "127.0.0.1 -::1");
    buf_fini(&err);
    config_free(c);
}

int main(void) {
    if (getcwd(start_cwd, sizeof(start_cwd)) == NULL) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(lists_every_redis_option_with_its_default, reset_cwd),
        cmocka_unit_test_setup(typed_values_hold_the_defaults, reset_cwd),
        cmocka_unit_test_setup(parses_yes_no, reset_cwd),
        cmocka_unit_test_setup(parses_integers_with_bounds, reset_cwd),
        cmocka_unit_test_setup(parses_memory_units, reset_cwd),
        cmocka_unit_test_setup(parses_percent_and_octal, reset_cwd),
        cmocka_unit_test_setup(parses_enums, reset_cwd),
        cmocka_unit_test_setup(parses_strings, reset_cwd),
        cmocka_unit_test_setup(parses_special_options, reset_cwd),
        cmocka_unit_test_setup(save_lines_replace_defaults_then_accumulate, reset_cwd),
        cmocka_unit_test_setup(hz_is_clamped, reset_cwd),
        cmocka_unit_test_setup(aliases_reach_the_same_option, reset_cwd),
        cmocka_unit_test_setup(directive_names_ignore_case, reset_cwd),
        cmocka_unit_test_setup(skips_comments_blank_lines_and_deprecated_directives, reset_cwd),
        cmocka_unit_test_setup(rejects_unsupported_directives_with_a_reason, reset_cwd),
        cmocka_unit_test_setup(error_names_source_line_and_reason, reset_cwd),
        cmocka_unit_test_setup(loads_files_and_reports_their_name, reset_cwd),
        cmocka_unit_test_setup(includes_files_relative_to_the_working_directory, reset_cwd),
        cmocka_unit_test_setup(dir_changes_the_working_directory, reset_cwd),
        cmocka_unit_test_setup(checks_that_the_log_file_can_be_opened, reset_cwd),
        cmocka_unit_test_setup(turns_argv_into_config_text, reset_cwd),
        cmocka_unit_test_setup(get_matches_patterns_once_per_option, reset_cwd),
        cmocka_unit_test_setup(set_changes_values_and_mirrors, reset_cwd),
        cmocka_unit_test_setup(set_reports_errors_like_redis, reset_cwd),
        cmocka_unit_test_setup(set_protected_options_follow_enable_protected_configs, reset_cwd),
        cmocka_unit_test_setup(set_is_all_or_nothing, reset_cwd),
        cmocka_unit_test_setup(set_calls_the_hook_once_per_class, reset_cwd),
        cmocka_unit_test_setup(set_restores_everything_when_the_hook_fails, reset_cwd),
        cmocka_unit_test_setup(rewrite_needs_a_file, reset_cwd),
        cmocka_unit_test_setup(rewrite_keeps_the_file_and_updates_in_place, reset_cwd),
        cmocka_unit_test_setup(rewrite_writes_a_missing_file_with_non_defaults, reset_cwd),
        cmocka_unit_test_setup(rewrite_round_trips_every_option, reset_cwd),
        cmocka_unit_test_setup(rewrite_reports_write_errors, reset_cwd),
        cmocka_unit_test_setup(loads_the_shipped_config, reset_cwd),
        cmocka_unit_test_setup(loads_the_stock_redis_conf, reset_cwd),
    };
    int failed = cmocka_run_group_tests(tests, NULL, reset_cwd);
    if (chdir(start_cwd) != 0) return 1;
    return failed;
}
