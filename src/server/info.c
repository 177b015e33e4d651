/* info: the INFO text, section by section.
 *
 * Field names and order follow Redis 7.0, because tools parse them
 * (redis-cli reads cluster_enabled and looks for "db0:", monitoring agents
 * scrape the rest). Fields about features this server does not have yet
 * (replicas, persistence, scripting) report the true value for this server,
 * which is zero or "ok", rather than being left out, so parsers do not trip.
 * Every line ends with CRLF. */
#include "server/info.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/busy_poll.h"
#include "base/clock.h"
#include "base/mem.h"
#include "commands/command.h"
#include "data/keyspace.h"
#include "server/client.h"
#include "server/appendonly.h"
#include "server/config.h"
#include "server/replication.h"
#include "server/server.h"
#include "server/snapshot.h"

static const char *const default_sections[] = {"server",      "clients",     "memory",
                                               "persistence", "stats",       "replication",
                                               "cpu",         "module_list", "errorstats",
                                               "cluster",     "keyspace",    NULL};

typedef struct section_set {
    bool all;
    bool everything;
    int n;
    const char *names[64];
    size_t lens[64];
} section_set;

static void add_name(section_set *set, const char *name, size_t len) {
    if (set->n < 64) {
        set->names[set->n] = name;
        set->lens[set->n] = len;
        set->n++;
    }
}

static bool wanted(const section_set *set, const char *name) {
    if (set->all) return true;
    size_t n = strlen(name);
    for (int i = 0; i < set->n; i++)
        if (set->lens[i] == n && strncasecmp(set->names[i], name, n) == 0) return true;
    return false;
}

static void human_bytes(char *dst, size_t cap, unsigned long long n) {
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(dst, cap, "%lluB", n);
        return;
    }
    double d = (double)n;
    int u = -1;
    while (d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    snprintf(dst, cap, "%.2f%c", d, units[u]);
}

static bool begin_section(buf *out, int *count, const char *title) {
    if ((*count)++) buf_append(out, "\r\n", 2);
    buf_printf(out, "# %s\r\n", title);
    return true;
}

static void section_server(server *s, buf *out) {
    struct utsname u;
    uname(&u);
    int64_t now_us = clock_wall_us();
    int64_t uptime = (now_us / 1000 - server_start_time_ms(s)) / 1000;
    const config_values *cv = config_get_values(server_config(s));
    const char *cfgfile = config_file_path(server_config(s));
    buf_printf(out,
               "redis_version:7.0.15\r\n"
               "tessera_version:%s\r\n"
               "redis_git_sha1:%s\r\n"
               "redis_git_dirty:0\r\n"
               "redis_build_id:%s\r\n"
               "redis_mode:%s\r\n"
               "os:%s %s %s\r\n"
               "arch_bits:%d\r\n"
               "monotonic_clock:POSIX clock_gettime\r\n"
               "multiplexing_api:libev\r\n"
               "atomicvar_api:none\r\n"
               "gcc_version:%d.%d.%d\r\n"
               "process_id:%ld\r\n"
               "process_supervised:no\r\n"
               "run_id:%s\r\n"
               "tcp_port:%d\r\n"
               "server_time_usec:%lld\r\n"
               "uptime_in_seconds:%lld\r\n"
               "uptime_in_days:%lld\r\n"
               "hz:%llu\r\n"
               "configured_hz:%d\r\n"
               "lru_clock:%u\r\n"
               "executable:%s\r\n"
               "config_file:%s\r\n"
               "io_threads_active:0\r\n",
               TESSERA_VERSION, TESSERA_GIT_SHA, TESSERA_GIT_SHA,
               cv->cluster_enabled ? "cluster" : "standalone", u.sysname, u.release, u.machine,
               (int)(sizeof(void *) * 8),
#ifdef __GNUC__
               __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
               0, 0, 0,
#endif
               (long)getpid(), server_run_id(s), cv->port, (long long)now_us, (long long)uptime,
               (long long)(uptime / 86400), (unsigned long long)server_cron_hz(s), cv->hz,
               keyspace_lru_clock(server_keyspace(s)), server_executable(s), cfgfile ? cfgfile : "");
}

static void section_clients(server *s, buf *out) {
    const config_values *cv = config_get_values(server_config(s));
    size_t max_in = 0, max_out = 0;
    list_node *pos;
    list_foreach(pos, server_clients(s)) {
        client *c = container_of(pos, client, node);
        if (c->query.cap > max_in) max_in = c->query.cap;
        size_t o = reply_memory(&c->out);
        if (o > max_out) max_out = o;
    }
    buf_printf(out,
               "connected_clients:%zu\r\n"
               "cluster_connections:0\r\n"
               "maxclients:%lld\r\n"
               "client_recent_max_input_buffer:%zu\r\n"
               "client_recent_max_output_buffer:%zu\r\n"
               "blocked_clients:0\r\n"
               "tracking_clients:0\r\n"
               "clients_in_timeout_table:0\r\n",
               server_client_count(s), (long long)cv->maxclients, max_in, max_out);
}

static const char *policy_name(int p) {
    static const char *const names[] = {"volatile-lru",   "volatile-lfu", "volatile-random",
                                        "volatile-ttl",   "allkeys-lru",  "allkeys-lfu",
                                        "allkeys-random", "noeviction"};
    return p >= 0 && p < 8 ? names[p] : "noeviction";
}

static size_t clients_memory(server *s) {
    size_t total = 0;
    list_node *pos;
    list_foreach(pos, server_clients(s)) total += client_memory(container_of(pos, client, node));
    return total;
}

static void section_memory(server *s, buf *out) {
    const config_values *cv = config_get_values(server_config(s));
    server_stats *st = server_stats_of(s);
    keyspace *ks = server_keyspace(s);
    size_t used = mem_used_bytes(), rss = mem_rss_bytes();
    size_t peak = (size_t)st->peak_memory > used ? (size_t)st->peak_memory : used;
    size_t startup = server_startup_memory(s);
    size_t clients = clients_memory(s);
    size_t overhead = startup + clients + keyspace_overhead_bytes(ks);
    size_t dataset = used > overhead ? used - overhead : 0;
    size_t net = used > startup ? used - startup : 0;
    mem_stats ms;
    mem_get_stats(&ms);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    unsigned long long sysmem = pages > 0 && page > 0 ? (unsigned long long)pages * (unsigned long long)page : 0;
    char h_used[32], h_rss[32], h_peak[32], h_sys[32], h_max[32];
    human_bytes(h_used, sizeof(h_used), used);
    human_bytes(h_rss, sizeof(h_rss), rss);
    human_bytes(h_peak, sizeof(h_peak), peak);
    human_bytes(h_sys, sizeof(h_sys), sysmem);
    human_bytes(h_max, sizeof(h_max), (unsigned long long)cv->maxmemory);
    double frag = used ? (double)rss / (double)used : 0;
    double afrag = ms.allocated ? (double)ms.active / (double)ms.allocated : 0;
    double arss = ms.active ? (double)ms.resident / (double)ms.active : 0;
    double rss_over = ms.resident ? (double)rss / (double)ms.resident : 0;
    buf_printf(out,
               "used_memory:%zu\r\n"
               "used_memory_human:%s\r\n"
               "used_memory_rss:%zu\r\n"
               "used_memory_rss_human:%s\r\n"
               "used_memory_peak:%zu\r\n"
               "used_memory_peak_human:%s\r\n"
               "used_memory_peak_perc:%.2f%%\r\n"
               "used_memory_overhead:%zu\r\n"
               "used_memory_startup:%zu\r\n"
               "used_memory_dataset:%zu\r\n"
               "used_memory_dataset_perc:%.2f%%\r\n"
               "allocator_allocated:%zu\r\n"
               "allocator_active:%zu\r\n"
               "allocator_resident:%zu\r\n"
               "total_system_memory:%llu\r\n"
               "total_system_memory_human:%s\r\n"
               "used_memory_lua:0\r\n"
               "used_memory_vm_eval:0\r\n"
               "used_memory_lua_human:0B\r\n"
               "used_memory_scripts_eval:0\r\n"
               "number_of_cached_scripts:0\r\n"
               "number_of_functions:0\r\n"
               "number_of_libraries:0\r\n"
               "used_memory_vm_functions:0\r\n"
               "used_memory_vm_total:0\r\n"
               "used_memory_vm_total_human:0B\r\n"
               "used_memory_functions:0\r\n"
               "used_memory_scripts:0\r\n"
               "used_memory_scripts_human:0B\r\n"
               "maxmemory:%lld\r\n"
               "maxmemory_human:%s\r\n"
               "maxmemory_policy:%s\r\n"
               "allocator_frag_ratio:%.2f\r\n"
               "allocator_frag_bytes:%lld\r\n"
               "allocator_rss_ratio:%.2f\r\n"
               "allocator_rss_bytes:%lld\r\n"
               "rss_overhead_ratio:%.2f\r\n"
               "rss_overhead_bytes:%lld\r\n"
               "mem_fragmentation_ratio:%.2f\r\n"
               "mem_fragmentation_bytes:%lld\r\n"
               "mem_not_counted_for_evict:0\r\n"
               "mem_replication_backlog:0\r\n"
               "mem_total_replication_buffers:0\r\n"
               "mem_clients_slaves:0\r\n"
               "mem_clients_normal:%zu\r\n"
               "mem_cluster_links:0\r\n"
               "mem_aof_buffer:0\r\n"
               "mem_allocator:%s\r\n"
               "active_defrag_running:0\r\n"
               "lazyfree_pending_objects:%zu\r\n"
               "lazyfreed_objects:0\r\n",
               used, h_used, rss, h_rss, peak, h_peak, peak ? (double)used * 100 / (double)peak : 0,
               overhead, startup, dataset, net ? (double)dataset * 100 / (double)net : 0,
               ms.allocated, ms.active, ms.resident, sysmem, h_sys, (long long)cv->maxmemory, h_max,
               policy_name(cv->maxmemory_policy), afrag,
               (long long)ms.active - (long long)ms.allocated, arss,
               (long long)ms.resident - (long long)ms.active, rss_over,
               (long long)rss - (long long)ms.resident, frag, (long long)rss - (long long)used,
               clients, mem_allocator_name(), keyspace_reclaim_remaining(ks));
}

static void section_persistence(server *s, buf *out) {
    const snapshot_stats *sn = snapshot_get_stats(server_snapshot(s));
    appendonly_info ai;
    appendonly_get_info(server_appendonly(s), &ai);
    int64_t now_ms = clock_wall_ms();
    buf_printf(out,
               "loading:%d\r\n"
               "async_loading:0\r\n"
               "current_cow_peak:0\r\n"
               "current_cow_size:0\r\n"
               "current_cow_size_age:0\r\n"
               "current_fork_perc:0.00\r\n"
               "current_save_keys_processed:0\r\n"
               "current_save_keys_total:0\r\n"
               "rdb_changes_since_last_save:%llu\r\n"
               "rdb_bgsave_in_progress:%d\r\n"
               "rdb_last_save_time:%lld\r\n"
               "rdb_last_bgsave_status:%s\r\n"
               "rdb_last_bgsave_time_sec:%lld\r\n"
               "rdb_current_bgsave_time_sec:%lld\r\n"
               "rdb_saves:%llu\r\n"
               "rdb_last_cow_size:%zu\r\n"
               "rdb_last_load_keys_expired:%llu\r\n"
               "rdb_last_load_keys_loaded:%llu\r\n"
               "aof_enabled:%d\r\n"
               "aof_rewrite_in_progress:%d\r\n"
               "aof_rewrite_scheduled:%d\r\n"
               "aof_last_rewrite_time_sec:%lld\r\n"
               "aof_current_rewrite_time_sec:%lld\r\n"
               "aof_last_bgrewrite_status:%s\r\n"
               "aof_rewrites:%llu\r\n"
               "aof_rewrites_consecutive_failures:%llu\r\n"
               "aof_last_write_status:%s\r\n"
               "aof_last_cow_size:%zu\r\n"
               "module_fork_in_progress:0\r\n"
               "module_fork_last_cow_size:0\r\n",
               server_is_loading(s) ? 1 : 0, (unsigned long long)server_changes_since_save(s),
               sn->bgsave_in_progress ? 1 : 0,
               (long long)sn->last_save_s, sn->last_bgsave_ok ? "ok" : "err",
               (long long)sn->last_bgsave_time_s,
               sn->bgsave_in_progress ? (long long)((now_ms - sn->current_bgsave_start_ms) / 1000) : -1LL,
               (unsigned long long)sn->saves, sn->rdb_last_cow_size,
               (unsigned long long)sn->last_load_keys_expired,
               (unsigned long long)sn->last_load_keys_loaded, ai.enabled ? 1 : 0,
               ai.rewrite_in_progress ? 1 : 0, ai.rewrite_scheduled ? 1 : 0,
               (long long)ai.last_rewrite_time_s, (long long)ai.current_rewrite_time_s,
               ai.last_bgrewrite_ok ? "ok" : "err", (unsigned long long)ai.rewrites,
               (unsigned long long)ai.rewrites_consecutive_failures,
               ai.last_write_ok ? "ok" : "err", ai.last_cow_size);
    if (ai.enabled)
        buf_printf(out,
                   "aof_current_size:%lld\r\n"
                   "aof_base_size:%lld\r\n"
                   "aof_pending_rewrite:%d\r\n"
                   "aof_buffer_length:%llu\r\n"
                   "aof_pending_bio_fsync:%d\r\n"
                   "aof_delayed_fsync:%llu\r\n",
                   (long long)ai.current_size, (long long)ai.base_size,
                   ai.rewrite_scheduled ? 1 : 0, (unsigned long long)ai.buffer_length,
                   ai.pending_bio_fsync ? 1 : 0, (unsigned long long)ai.delayed_fsync);
}

static void section_stats(server *s, buf *out) {
    server_stats *st = server_stats_of(s);
    uint64_t sync_full, sync_ok, sync_err;
    repl_sync_stats(server_replication(s), &sync_full, &sync_ok, &sync_err);
    keyspace_stats *ks = keyspace_stats_of(server_keyspace(s));
    buf_printf(out,
               "total_connections_received:%llu\r\n"
               "total_commands_processed:%llu\r\n"
               "instantaneous_ops_per_sec:%lld\r\n"
               "total_net_input_bytes:%llu\r\n"
               "total_net_output_bytes:%llu\r\n"
               "total_net_repl_input_bytes:0\r\n"
               "total_net_repl_output_bytes:0\r\n"
               "instantaneous_input_kbps:%.2f\r\n"
               "instantaneous_output_kbps:%.2f\r\n"
               "instantaneous_input_repl_kbps:0.00\r\n"
               "instantaneous_output_repl_kbps:0.00\r\n"
               "rejected_connections:%llu\r\n"
               "sync_full:%llu\r\n"
               "sync_partial_ok:%llu\r\n"
               "sync_partial_err:%llu\r\n"
               "expired_keys:%llu\r\n"
               "expired_stale_perc:%.2f\r\n"
               "expired_time_cap_reached_count:%llu\r\n"
               "expire_cycle_cpu_milliseconds:%llu\r\n"
               "evicted_keys:%llu\r\n"
               "evicted_clients:%llu\r\n"
               "total_eviction_exceeded_time:0\r\n"
               "current_eviction_exceeded_time:0\r\n"
               "keyspace_hits:%llu\r\n"
               "keyspace_misses:%llu\r\n"
               "pubsub_channels:0\r\n"
               "pubsub_patterns:0\r\n"
               "pubsubshard_channels:0\r\n"
               "latest_fork_usec:%lld\r\n"
               "total_forks:%llu\r\n"
               "migrate_cached_sockets:0\r\n"
               "slave_expires_tracked_keys:0\r\n"
               "active_defrag_hits:0\r\n"
               "active_defrag_misses:0\r\n"
               "active_defrag_key_hits:0\r\n"
               "active_defrag_key_misses:0\r\n"
               "total_active_defrag_time:0\r\n"
               "current_active_defrag_time:0\r\n"
               "tracking_total_keys:0\r\n"
               "tracking_total_items:0\r\n"
               "tracking_total_prefixes:0\r\n"
               "unexpected_error_replies:%llu\r\n"
               "total_error_replies:%llu\r\n"
               "dump_payload_sanitizations:0\r\n"
               "total_reads_processed:%llu\r\n"
               "total_writes_processed:%llu\r\n"
               "io_threaded_reads_processed:0\r\n"
               "io_threaded_writes_processed:0\r\n"
               "reply_buffer_shrinks:0\r\n"
               "reply_buffer_expands:0\r\n"
               "busy_poll_hits:%llu\r\n"
               "busy_poll_misses:%llu\r\n",
               (unsigned long long)st->connections_received,
               (unsigned long long)st->commands_processed,
               (long long)llround(server_instant_metric(s, METRIC_COMMANDS)),
               (unsigned long long)st->net_input_bytes, (unsigned long long)st->net_output_bytes,
               server_instant_metric(s, METRIC_NET_INPUT) / 1024,
               server_instant_metric(s, METRIC_NET_OUTPUT) / 1024,
               (unsigned long long)st->rejected_connections, (unsigned long long)sync_full,
               (unsigned long long)sync_ok, (unsigned long long)sync_err,
               (unsigned long long)ks->expired_keys,
               ks->expired_stale_perc * 100, (unsigned long long)ks->expire_cycle_time_cap_reached,
               (unsigned long long)(ks->expire_cycle_cpu_us / 1000),
               (unsigned long long)ks->evicted_keys, (unsigned long long)st->evicted_clients,
               (unsigned long long)ks->hits,
               (unsigned long long)ks->misses, (long long)snapshot_get_stats(server_snapshot(s))->last_fork_us,
               (unsigned long long)snapshot_get_stats(server_snapshot(s))->forks,
               (unsigned long long)st->unexpected_error_replies,
               (unsigned long long)st->error_replies, (unsigned long long)st->io_reads,
               (unsigned long long)st->io_writes, (unsigned long long)server_busy_poll(s)->hits,
               (unsigned long long)server_busy_poll(s)->misses);
}

static void section_replication(server *s, buf *out) {
    repl_info(server_replication(s), out);
}

static void section_cpu(buf *out) {
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    struct rusage thread = self;
#ifdef RUSAGE_THREAD
    getrusage(RUSAGE_THREAD, &thread);
#endif
#define TV(t) ((double)(t).tv_sec + (double)(t).tv_usec / 1000000.0)
    buf_printf(out,
               "used_cpu_sys:%.6f\r\n"
               "used_cpu_user:%.6f\r\n"
               "used_cpu_sys_children:%.6f\r\n"
               "used_cpu_user_children:%.6f\r\n"
               "used_cpu_sys_main_thread:%.6f\r\n"
               "used_cpu_user_main_thread:%.6f\r\n",
               TV(self.ru_stime), TV(self.ru_utime), TV(children.ru_stime), TV(children.ru_utime),
               TV(thread.ru_stime), TV(thread.ru_utime));
#undef TV
}

static void cmdstat_line(command *c, void *ctx) {
    buf *out = ctx;
    if (c->calls || c->rejected_calls || c->failed_calls) {
        buf_printf(out,
                   "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                   "failed_calls=%llu\r\n",
                   c->fullname, (unsigned long long)c->calls, (unsigned long long)c->usec,
                   c->calls ? (double)c->usec / (double)c->calls : 0,
                   (unsigned long long)c->rejected_calls, (unsigned long long)c->failed_calls);
    }
    command_foreach_sub(c, cmdstat_line, ctx);
}

static void errorstat_line(void *ctx, const char *code, uint64_t count) {
    buf_printf((buf *)ctx, "errorstat_%s:count=%llu\r\n", code, (unsigned long long)count);
}

static void section_keyspace(server *s, buf *out) {
    keyspace *ks = server_keyspace(s);
    for (int i = 0; i < keyspace_db_count(ks); i++) {
        db *d = keyspace_db(ks, i);
        if (db_size(d) == 0) continue;
        buf_printf(out, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, db_size(d),
                   db_volatile_count(d), (long long)db_avg_ttl(d));
    }
}

void info_generate(server *s, int argc, const resp_arg *argv, buf *out) {
    section_set set = {0};
    if (argc == 0) {
        for (int i = 0; default_sections[i]; i++)
            add_name(&set, default_sections[i], strlen(default_sections[i]));
    }
    for (int i = 0; i < argc; i++) {
        if (arg_eq(&argv[i], "default")) {
            for (int j = 0; default_sections[j]; j++)
                add_name(&set, default_sections[j], strlen(default_sections[j]));
        } else if (arg_eq(&argv[i], "all")) {
            set.all = true;
        } else if (arg_eq(&argv[i], "everything")) {
            set.all = set.everything = true;
        } else {
            add_name(&set, argv[i].ptr, argv[i].len);
        }
    }
    int count = 0;
    if (wanted(&set, "server") && begin_section(out, &count, "Server")) section_server(s, out);
    if (wanted(&set, "clients") && begin_section(out, &count, "Clients")) section_clients(s, out);
    if (wanted(&set, "memory") && begin_section(out, &count, "Memory")) section_memory(s, out);
    if (wanted(&set, "persistence") && begin_section(out, &count, "Persistence"))
        section_persistence(s, out);
    if (wanted(&set, "stats") && begin_section(out, &count, "Stats")) section_stats(s, out);
    if (wanted(&set, "replication") && begin_section(out, &count, "Replication"))
        section_replication(s, out);
    if (wanted(&set, "cpu") && begin_section(out, &count, "CPU")) section_cpu(out);
    if (wanted(&set, "module_list") || wanted(&set, "modules")) begin_section(out, &count, "Modules");
    if (wanted(&set, "commandstats") && begin_section(out, &count, "Commandstats"))
        command_foreach(server_commands(s), cmdstat_line, out);
    if (wanted(&set, "errorstats") && begin_section(out, &count, "Errorstats"))
        server_foreach_errorstat(s, errorstat_line, out);
    if (wanted(&set, "cluster") && begin_section(out, &count, "Cluster"))
        buf_printf(out, "cluster_enabled:%d\r\n",
                   config_get_values(server_config(s))->cluster_enabled ? 1 : 0);
    if (wanted(&set, "keyspace") && begin_section(out, &count, "Keyspace")) section_keyspace(s, out);
}
