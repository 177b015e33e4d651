/* config_table: every option Tessera accepts, and the options that need
 * their own parsing (save, bind, dir, client-output-buffer-limit, ...).
 *
 * The table is data: one row per option with its type, default, bounds,
 * flags and where its value is mirrored in config_values. Names, defaults,
 * bounds, enum spellings and mutability follow Redis 7.0.15 option by option
 * so stock redis.conf files load and CONFIG GET '*' lists the same values.
 * The one deliberate difference is enable-debug-command, which defaults to
 * "local". Options naming features this server lacks (TLS, unix sockets,
 * syslog, ACL files, replication) accept only their "off" values: any other
 * value fails with a reason instead of being stored and ignored.
 *
 * Invariant: rows never move at run time; slot i of a config belongs to
 * row i. */
#include "config_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/number.h"

/* ------------------------------------------------------------------------
 * Enum spellings (Redis order: CONFIG GET shows the first name of a value)
 * ---------------------------------------------------------------------- */

static const cfg_enum_item evict_items[] = {
    {"volatile-lru", CFG_EVICT_VOLATILE_LRU},     {"volatile-lfu", CFG_EVICT_VOLATILE_LFU},
    {"volatile-random", CFG_EVICT_VOLATILE_RANDOM}, {"volatile-ttl", CFG_EVICT_VOLATILE_TTL},
    {"allkeys-lru", CFG_EVICT_ALLKEYS_LRU},       {"allkeys-lfu", CFG_EVICT_ALLKEYS_LFU},
    {"allkeys-random", CFG_EVICT_ALLKEYS_RANDOM}, {"noeviction", CFG_EVICT_NOEVICTION},
    {NULL, 0},
};

/* Values are indexes; nothing here talks to syslog. */
static const cfg_enum_item syslog_facility_items[] = {
    {"user", 0},   {"local0", 1}, {"local1", 2}, {"local2", 3}, {"local3", 4},
    {"local4", 5}, {"local5", 6}, {"local6", 7}, {"local7", 8}, {NULL, 0},
};
#define FACILITY_LOCAL0 1

static const cfg_enum_item loglevel_items[] = {
    {"debug", CFG_LOG_DEBUG},     {"verbose", CFG_LOG_VERBOSE},
    {"notice", CFG_LOG_NOTICE},   {"warning", CFG_LOG_WARNING},
    {NULL, 0},
};

static const cfg_enum_item supervised_items[] = {
    {"upstart", CFG_SUPERVISED_UPSTART}, {"systemd", CFG_SUPERVISED_SYSTEMD},
    {"auto", CFG_SUPERVISED_AUTO},       {"no", CFG_SUPERVISED_NO},
    {NULL, 0},
};

static const cfg_enum_item fsync_items[] = {
    {"everysec", CFG_FSYNC_EVERYSEC}, {"always", CFG_FSYNC_ALWAYS}, {"no", CFG_FSYNC_NO}, {NULL, 0},
};

static const cfg_enum_item shutdown_items[] = {
    {"default", 0},
    {"save", CFG_SHUTDOWN_SAVE},
    {"nosave", CFG_SHUTDOWN_NOSAVE},
    {"now", CFG_SHUTDOWN_NOW},
    {"force", CFG_SHUTDOWN_FORCE},
    {NULL, 0},
};

static const cfg_enum_item diskless_load_items[] = {
    {"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}, {NULL, 0},
};

static const cfg_enum_item tls_auth_items[] = {
    {"no", 0}, {"yes", 1}, {"optional", 2}, {NULL, 0},
};

/* Redis compat: "yes" and "relative" mean the same, so CONFIG GET answers
 * "yes" after `CONFIG SET oom-score-adj relative`. */
static const cfg_enum_item oom_adj_items[] = {
    {"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}, {NULL, 0},
};

static const cfg_enum_item pubsub_default_items[] = {
    {"allchannels", 1}, {"resetchannels", 0}, {NULL, 0},
};

static const cfg_enum_item sanitize_items[] = {
    {"no", 0}, {"yes", 1}, {"clients", 2}, {NULL, 0},
};

static const cfg_enum_item protected_items[] = {
    {"no", CFG_PROTECTED_NO}, {"yes", CFG_PROTECTED_YES}, {"local", CFG_PROTECTED_LOCAL}, {NULL, 0},
};

static const cfg_enum_item endpoint_items[] = {
    {"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}, {NULL, 0},
};

static const cfg_enum_item propagation_items[] = {
    {"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}, {NULL, 0},
};

void cfg_enum_format(const cfg_option *o, int64_t value, buf *out) {
    const cfg_enum_item *it;
    for (it = o->items; it->name != NULL; it++) {
        if (it->value == value) {
            buf_append_str(out, it->name);
            return;
        }
    }
    if (o->bitflags) {
        /* Combination of flags: name each one that is fully present. */
        int64_t left = value;
        size_t start = out->len;
        for (it = o->items; it->name != NULL; it++) {
            if (it->value != 0 && (left & it->value) == it->value) {
                if (out->len > start) buf_append_char(out, ' ');
                buf_append_str(out, it->name);
                left &= ~(int64_t)it->value;
            }
        }
        if (left == 0 && out->len > start) return;
        out->len = start;
        out->data[start] = '\0';
    }
    buf_append_str(out, "unknown");
}

/* ------------------------------------------------------------------------
 * Small parsers shared with config.c
 * ---------------------------------------------------------------------- */

bool cfg_parse_memory(const char *s, uint64_t *out) {
    if (s[0] == '-') return false;
    const char *u = s;
    while (*u >= '0' && *u <= '9') u++;
    uint64_t mul;
    if (*u == '\0' || !strcasecmp(u, "b")) mul = 1;
    else if (!strcasecmp(u, "k")) mul = 1000;
    else if (!strcasecmp(u, "kb")) mul = 1024;
    else if (!strcasecmp(u, "m")) mul = 1000 * 1000;
    else if (!strcasecmp(u, "mb")) mul = 1024 * 1024;
    else if (!strcasecmp(u, "g")) mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb")) mul = 1024ULL * 1024 * 1024;
    else return false;
    /* Redis compat: no digits at all ("", "mb") reads as 0, too many digits
     * saturate, and the unit multiplication wraps; stock servers accept
     * all of these, so configs relying on them keep loading. */
    uint64_t v = 0;
    for (const char *p = s; p < u; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            v = UINT64_MAX;
            break;
        }
        v = v * 10 + d;
    }
    *out = v * mul;
    return true;
}

static const struct {
    char letter;
    int flag;
} notify_letters[] = {
    {'g', CFG_NOTIFY_GENERIC}, {'$', CFG_NOTIFY_STRING},  {'l', CFG_NOTIFY_LIST},
    {'s', CFG_NOTIFY_SET},     {'h', CFG_NOTIFY_HASH},    {'z', CFG_NOTIFY_ZSET},
    {'x', CFG_NOTIFY_EXPIRED}, {'e', CFG_NOTIFY_EVICTED}, {'t', CFG_NOTIFY_STREAM},
    {'d', CFG_NOTIFY_MODULE},  {'n', CFG_NOTIFY_NEW},     {'K', CFG_NOTIFY_KEYSPACE},
    {'E', CFG_NOTIFY_KEYEVENT}, {'m', CFG_NOTIFY_KEY_MISS}, {'A', CFG_NOTIFY_ALL},
};

int cfg_notify_parse(const char *s) {
    int flags = 0;
    for (; *s; s++) {
        size_t i;
        for (i = 0; i < ARRAY_LEN(notify_letters); i++) {
            if (notify_letters[i].letter == *s) break;
        }
        if (i == ARRAY_LEN(notify_letters)) return -1;
        flags |= notify_letters[i].flag;
    }
    return flags;
}

void cfg_notify_format(int flags, buf *out) {
    /* Type classes first ('A' when all of them), then K, E and m. */
    if ((flags & CFG_NOTIFY_ALL) == CFG_NOTIFY_ALL) {
        buf_append_char(out, 'A');
    } else {
        for (size_t i = 0; i < 11; i++) {
            if (flags & notify_letters[i].flag) buf_append_char(out, notify_letters[i].letter);
        }
    }
    if (flags & CFG_NOTIFY_KEYSPACE) buf_append_char(out, 'K');
    if (flags & CFG_NOTIFY_KEYEVENT) buf_append_char(out, 'E');
    if (flags & CFG_NOTIFY_KEY_MISS) buf_append_char(out, 'm');
}

/* ------------------------------------------------------------------------
 * Extra validation of single values
 * ---------------------------------------------------------------------- */

static int fail(buf *err, const char *msg) {
    buf_append_str(err, msg);
    return -1;
}

static bool is_base_name(const char *s) {
    return strchr(s, '/') == NULL && strchr(s, '\\') == NULL;
}

static int check_dbfilename(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)num;
    if (!is_base_name(s)) return fail(err, "dbfilename can't be a path, just a filename");
    return 0;
}

static int check_appendfilename(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)num;
    if (s[0] == '\0') return fail(err, "appendfilename can't be empty");
    if (!is_base_name(s)) return fail(err, "appendfilename can't be a path, just a filename");
    return 0;
}

static int check_appenddirname(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)num;
    if (s[0] == '\0') return fail(err, "appenddirname can't be empty");
    if (!is_base_name(s)) return fail(err, "appenddirname can't be a path, just a dirname");
    return 0;
}

static int check_hostname(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)num;
    if (strlen(s) >= 256) return fail(err, "Hostnames must be less than 256 characters");
    for (; *s; s++) {
        char ch = *s;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '.';
        if (!ok) return fail(err, "Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    return 0;
}

static int check_shutdown_flags(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)s;
    if ((num & CFG_SHUTDOWN_SAVE) && (num & CFG_SHUTDOWN_NOSAVE))
        return fail(err, "shutdown options SAVE and NOSAVE can't be used simultaneously");
    return 0;
}

static int check_activedefrag(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)s;
    /* Redis compat: the text a Redis built without its bundled jemalloc
     * gives; we have no defragmenter either. */
    if (num)
        return fail(err, "Active defragmentation cannot be enabled: it requires a Redis server "
                         "compiled with a modified Jemalloc like the one shipped by default with "
                         "the Redis source distribution");
    return 0;
}

static int check_no_tls(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)s;
    if (num) return fail(err, "TLS is not supported by this server");
    return 0;
}

static int check_no_unixsocket(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)num;
    if (s[0]) return fail(err, "unix sockets are not supported by this server");
    return 0;
}

static int check_no_aclfile(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)num;
    if (s[0]) return fail(err, "aclfile is not supported by this server (no ACL users)");
    return 0;
}

static int check_no_syslog(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)s;
    if (num) return fail(err, "syslog is not supported by this server");
    return 0;
}

static int check_no_watchdog(const config *c, int64_t num, const char *s, buf *err) {
    (void)c, (void)s;
    if (num) return fail(err, "watchdog-period is not supported by this server");
    return 0;
}

/* A proc-title template may use {title}, {listen-addr}, {server-mode},
 * {config-file}, {port}, {tls-port} and {unixsocket}; "{{" is a literal
 * brace. It is refused when a variable is unknown or unterminated, or when
 * it would expand to nothing but spaces with an empty title. */
static int check_proc_title(const config *c, int64_t num, const char *s, buf *err) {
    (void)num;
    static const char *const msg = "template format is invalid or contains unknown variables";
    bool visible = false;
    const char *p = s;
    while (*p) {
        const char *open = strchr(p, '{');
        const char *stop = open ? open : p + strlen(p);
        for (const char *q = p; q < stop; q++) {
            if (*q != ' ') visible = true;
        }
        if (!open) break;
        if (open[1] == '\0') return fail(err, msg);
        if (open[1] == '{') {
            visible = true;
            p = open + 2;
            continue;
        }
        const char *close = strchr(open + 1, '}');
        if (!close) return fail(err, msg);
        size_t n = (size_t)(close - open - 1);
        const char *var = open + 1;
#define VAR_IS(lit) (n == sizeof(lit) - 1 && memcmp(var, lit, n) == 0)
        if (VAR_IS("title")) {
            /* empty while validating */
        } else if (VAR_IS("server-mode")) {
            if (c->v.cluster_enabled) visible = true;
        } else if (VAR_IS("unixsocket")) {
            /* unix sockets are refused, so this is always empty */
        } else if (VAR_IS("listen-addr") || VAR_IS("config-file") || VAR_IS("port") ||
                   VAR_IS("tls-port")) {
            visible = true;
        } else {
            return fail(err, msg);
        }
#undef VAR_IS
        p = close + 1;
    }
    if (!visible) return fail(err, msg);
    return 0;
}

/* ------------------------------------------------------------------------
 * Special options
 * ---------------------------------------------------------------------- */

const config_obuf_limit cfg_obuf_defaults[CFG_OBUF_CLASSES] = {
    {0, 0, 0},
    {256LL * 1024 * 1024, 64LL * 1024 * 1024, 60},
    {32LL * 1024 * 1024, 8LL * 1024 * 1024, 60},
};
const int cfg_oom_defaults[CFG_OOM_CLASSES] = {0, 200, 800};

static const config_save_point save_defaults[] = {{3600, 1}, {300, 100}, {60, 10000}};
static const char *const bind_defaults[] = {"*", "-::*"};
static const double pct_defaults[] = {50, 99, 99.9};

const char *cfg_obuf_class_name(int cls, bool for_rewrite) {
    switch (cls) {
    case CFG_OBUF_NORMAL: return "normal";
    case CFG_OBUF_REPLICA: return for_rewrite ? "replica" : "slave";
    case CFG_OBUF_PUBSUB: return "pubsub";
    default: UNREACHABLE();
    }
}

/* --- dir ------------------------------------------------------------- */

static int set_dir(config *c, int argc, char **argv, buf *err) {
    if (argc != 1) return fail(err, "wrong number of arguments");
    if (chdir(argv[0]) == -1) return fail(err, strerror(errno));
    char cwd[PATH_MAX];
    const char *abs = getcwd(cwd, sizeof(cwd)) ? cwd : argv[0];
    mem_free(c->sp.dir);
    c->sp.dir = mem_strdup(abs);
    return 0;
}

static void get_dir(const config *c, buf *out) {
    buf_append_str(out, c->sp.dir);
}

static void rewrite_dir(const config *c, cfg_rewrite_state *rw, int opt) {
    buf line;
    buf_init(&line);
    buf_append_str(&line, "dir ");
    buf_append_quoted(&line, c->sp.dir, strlen(c->sp.dir));
    cfg_rewrite_line(rw, opt, &line, true);
}

/* --- save ------------------------------------------------------------ */

static int set_save(config *c, int argc, char **argv, buf *err) {
    bool reset = false;
    /* A single "" means "no save points". */
    if (argc == 1 && argv[0][0] == '\0') {
        reset = true;
        argc = 0;
    }
    if (argc % 2) return fail(err, "Invalid save parameters");
    for (int j = 0; j < argc; j++) {
        char *end;
        long long v = strtoll(argv[j], &end, 10);
        if (*end != '\0' || (j % 2 == 0 && v < 1) || (j % 2 == 1 && v < 0))
            return fail(err, "Invalid save parameters");
    }
    /* Outside a file every value replaces the list; inside one, the first
     * save line replaces the defaults and later lines add to it. */
    if (!c->in_load) {
        reset = true;
    } else if (!c->save_loaded) {
        c->save_loaded = true;
        reset = true;
    }
    int have = reset ? 0 : c->sp.save_count;
    if (have + argc / 2 > CONFIG_MAX_SAVE_POINTS)
        return fail(err, "Too many save points (this server supports at most 16)");
    c->sp.save_count = have;
    for (int j = 0; j < argc; j += 2) {
        config_save_point *sp = &c->sp.save[c->sp.save_count++];
        sp->seconds = strtoll(argv[j], NULL, 10);
        /* Redis compat: the change count is a C int there. */
        sp->changes = (int)strtoll(argv[j + 1], NULL, 10);
    }
    return 0;
}

static void get_save(const config *c, buf *out) {
    for (int j = 0; j < c->sp.save_count; j++) {
        if (j) buf_append_char(out, ' ');
        buf_printf(out, "%lld %lld", (long long)c->sp.save[j].seconds,
                   (long long)c->sp.save[j].changes);
    }
}

static void rewrite_save(const config *c, cfg_rewrite_state *rw, int opt) {
    buf line;
    if (c->sp.save_count == 0) {
        /* An explicit empty line, or a restart would bring the defaults back. */
        buf_init(&line);
        buf_append_str(&line, "save \"\"");
        cfg_rewrite_line(rw, opt, &line, true);
    }
    for (int j = 0; j < c->sp.save_count; j++) {
        buf_init(&line);
        buf_printf(&line, "save %lld %lld", (long long)c->sp.save[j].seconds,
                   (long long)c->sp.save[j].changes);
        cfg_rewrite_line(rw, opt, &line, true);
    }
    cfg_rewrite_mark(rw, opt);
}

/* --- client-output-buffer-limit -------------------------------------- */

static int obuf_class(const char *name) {
    if (!strcasecmp(name, "normal")) return CFG_OBUF_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return CFG_OBUF_REPLICA;
    if (!strcasecmp(name, "pubsub")) return CFG_OBUF_PUBSUB;
    return -1; /* "master" is a known class that has no limits */
}

static int set_obuf(config *c, int argc, char **argv, buf *err) {
    if (argc % 4) return fail(err, "Wrong number of arguments in buffer limit configuration.");
    config_obuf_limit values[CFG_OBUF_CLASSES];
    bool seen[CFG_OBUF_CLASSES] = {false};
    /* Check every group first so that one bad group rejects the whole value. */
    for (int j = 0; j < argc; j += 4) {
        int cls = obuf_class(argv[j]);
        if (cls < 0)
            return fail(err, "Invalid client class specified in buffer limit configuration.");
        uint64_t hard, soft;
        char *end;
        /* Redis compat: the seconds are read into a C int. */
        int secs = (int)strtoll(argv[j + 3], &end, 10);
        if (!cfg_parse_memory(argv[j + 1], &hard) || !cfg_parse_memory(argv[j + 2], &soft) ||
            secs < 0 || *end != '\0')
            return fail(err, "Error in hard, soft or soft_seconds setting in buffer limit "
                             "configuration.");
        values[cls].hard_bytes = (int64_t)hard;
        values[cls].soft_bytes = (int64_t)soft;
        values[cls].soft_seconds = secs;
        seen[cls] = true;
    }
    for (int k = 0; k < CFG_OBUF_CLASSES; k++) {
        if (seen[k]) c->sp.obuf[k] = values[k];
    }
    return 0;
}

static void get_obuf(const config *c, buf *out) {
    for (int k = 0; k < CFG_OBUF_CLASSES; k++) {
        const config_obuf_limit *l = &c->sp.obuf[k];
        if (k) buf_append_char(out, ' ');
        buf_printf(out, "%s %llu %llu %lld", cfg_obuf_class_name(k, false),
                   (unsigned long long)l->hard_bytes, (unsigned long long)l->soft_bytes,
                   (long long)l->soft_seconds);
    }
}

/* True if an old client-output-buffer-limit line starts with class cls. */
static bool obuf_line_has_class(const char *old_line, int cls) {
    const char *p = old_line + strcspn(old_line, " \t");
    p += strspn(p, " \t");
    size_t n = strcspn(p, " \t");
    char name[16];
    if (n == 0 || n >= sizeof(name)) return false;
    memcpy(name, p, n);
    name[n] = '\0';
    return obuf_class(name) == cls;
}

/* Unlike Redis, which hands the old lines out in file order whatever their
 * class (so a file with only a pubsub line gains a shifted line on every
 * rewrite), each class reuses only a line of its own class. */
static void rewrite_obuf(const config *c, cfg_rewrite_state *rw, int opt) {
    for (int k = 0; k < CFG_OBUF_CLASSES; k++) {
        const config_obuf_limit *l = &c->sp.obuf[k];
        const config_obuf_limit *d = &cfg_obuf_defaults[k];
        bool force = l->hard_bytes != d->hard_bytes || l->soft_bytes != d->soft_bytes ||
                     l->soft_seconds != d->soft_seconds;
        buf line;
        buf_init(&line);
        buf_printf(&line, "client-output-buffer-limit %s ", cfg_obuf_class_name(k, true));
        cfg_append_memory(&line, (uint64_t)l->hard_bytes);
        buf_append_char(&line, ' ');
        cfg_append_memory(&line, (uint64_t)l->soft_bytes);
        buf_printf(&line, " %lld", (long long)l->soft_seconds);
        cfg_rewrite_line_where(rw, opt, &line, force, obuf_line_has_class, k);
    }
}

/* --- oom-score-adj-values -------------------------------------------- */

static int set_oom_values(config *c, int argc, char **argv, buf *err) {
    if (argc != CFG_OOM_CLASSES) return fail(err, "wrong number of arguments");
    int values[CFG_OOM_CLASSES];
    for (int j = 0; j < CFG_OOM_CLASSES; j++) {
        char *end;
        long long v = strtoll(argv[j], &end, 10);
        if (*end != '\0' || v < -2000 || v > 2000)
            return fail(err, "Invalid oom-score-adj-values, elements must be between -2000 and "
                             "2000.");
        values[j] = (int)v;
    }
    memcpy(c->sp.oom, values, sizeof(values));
    return 0;
}

static void get_oom_values(const config *c, buf *out) {
    buf_printf(out, "%d %d %d", c->sp.oom[0], c->sp.oom[1], c->sp.oom[2]);
}

static void rewrite_oom_values(const config *c, cfg_rewrite_state *rw, int opt) {
    bool force = memcmp(c->sp.oom, cfg_oom_defaults, sizeof(c->sp.oom)) != 0;
    buf line;
    buf_init(&line);
    buf_append_str(&line, "oom-score-adj-values ");
    get_oom_values(c, &line);
    cfg_rewrite_line(rw, opt, &line, force);
}

/* --- notify-keyspace-events ------------------------------------------ */

static int set_notify(config *c, int argc, char **argv, buf *err) {
    if (argc != 1) return fail(err, "wrong number of arguments");
    int flags = cfg_notify_parse(argv[0]);
    if (flags < 0) return fail(err, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    c->sp.notify = flags;
    return 0;
}

static void get_notify(const config *c, buf *out) {
    cfg_notify_format(c->sp.notify, out);
}

static void rewrite_notify(const config *c, cfg_rewrite_state *rw, int opt) {
    buf flags, line;
    buf_init(&flags);
    buf_init(&line);
    cfg_notify_format(c->sp.notify, &flags);
    buf_append_str(&line, "notify-keyspace-events ");
    buf_append_quoted(&line, flags.data ? flags.data : "", flags.len);
    buf_fini(&flags);
    cfg_rewrite_line(rw, opt, &line, c->sp.notify != 0);
}

/* --- bind ------------------------------------------------------------ */

static int set_bind(config *c, int argc, char **argv, buf *err) {
    if (argc > CONFIG_MAX_BIND) return fail(err, "Too many bind addresses specified.");
    /* A single "" means "no addresses". */
    if (argc == 1 && argv[0][0] == '\0') argc = 0;
    for (int j = 0; j < c->sp.bind_count; j++) mem_free(c->sp.bind[j]);
    for (int j = 0; j < argc; j++) c->sp.bind[j] = mem_strdup(argv[j]);
    c->sp.bind_count = argc;
    return 0;
}

static void get_bind(const config *c, buf *out) {
    for (int j = 0; j < c->sp.bind_count; j++) {
        if (j) buf_append_char(out, ' ');
        buf_append_str(out, c->sp.bind[j]);
    }
}

static void rewrite_bind(const config *c, cfg_rewrite_state *rw, int opt) {
    bool is_default = c->sp.bind_count == (int)ARRAY_LEN(bind_defaults);
    for (int j = 0; is_default && j < c->sp.bind_count; j++) {
        if (strcmp(c->sp.bind[j], bind_defaults[j]) != 0) is_default = false;
    }
    if (is_default) {
        cfg_rewrite_mark(rw, opt);
        return;
    }
    buf line;
    buf_init(&line);
    buf_append_str(&line, "bind ");
    if (c->sp.bind_count == 0) buf_append_str(&line, "\"\"");
    else get_bind(c, &line);
    cfg_rewrite_line(rw, opt, &line, true);
}

/* --- replicaof ------------------------------------------------------- */

/* The primary to follow; "no one" clears it. The server starts following
 * at start-up; REPLICAOF changes it at run time (and CONFIG REWRITE keeps
 * the new value). */
static int set_replicaof(config *c, int argc, char **argv, buf *err) {
    if (argc != 2) return fail(err, "wrong number of arguments");
    if (!strcasecmp(argv[0], "no") && !strcasecmp(argv[1], "one")) {
        mem_free(c->sp.replicaof_host);
        c->sp.replicaof_host = NULL;
        c->sp.replicaof_port = 0;
        return 0;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (port < 0 || port > 65535 || *end != '\0' || argv[1][0] == '\0')
        return fail(err, "Invalid master port");
    mem_free(c->sp.replicaof_host);
    c->sp.replicaof_host = mem_strdup(argv[0]);
    c->sp.replicaof_port = (int)port;
    return 0;
}

static void get_replicaof(const config *c, buf *out) {
    if (c->sp.replicaof_host) buf_printf(out, "%s %d", c->sp.replicaof_host, c->sp.replicaof_port);
}

static void rewrite_replicaof(const config *c, cfg_rewrite_state *rw, int opt) {
    if (c->sp.replicaof_host == NULL) {
        cfg_rewrite_mark(rw, opt);
        return;
    }
    buf line;
    buf_init(&line);
    buf_printf(&line, "replicaof %s %d", c->sp.replicaof_host, c->sp.replicaof_port);
    cfg_rewrite_line(rw, opt, &line, true);
}

/* --- latency-tracking-info-percentiles ------------------------------- */

static int set_percentiles(config *c, int argc, char **argv, buf *err) {
    if (argc == 1 && argv[0][0] == '\0') argc = 0;
    double *vals = argc ? mem_alloc(sizeof(double) * (size_t)argc) : NULL;
    for (int j = 0; j < argc; j++) {
        double d;
        if (!number_parse_double(argv[j], strlen(argv[j]), &d)) {
            mem_free(vals);
            return fail(err, "Invalid latency-tracking-info-percentiles parameters");
        }
        if (d > 100.0 || d < 0.0) {
            mem_free(vals);
            return fail(err, "latency-tracking-info-percentiles parameters should sit between "
                             "[0.0,100.0]");
        }
        vals[j] = d;
    }
    mem_free(c->sp.pct);
    c->sp.pct = vals;
    c->sp.pct_count = argc;
    return 0;
}

/* "%f" without trailing zeros (and without the dot if nothing follows). */
static void append_percentile(buf *out, double d) {
    char tmp[512];
    int n = snprintf(tmp, sizeof(tmp), "%f", d);
    if (n < 0 || (size_t)n >= sizeof(tmp)) n = (int)strlen(tmp);
    if (memchr(tmp, '.', (size_t)n)) {
        while (n > 0 && tmp[n - 1] == '0') n--;
        if (n > 0 && tmp[n - 1] == '.') n--;
    }
    buf_append(out, tmp, (size_t)n);
}

static void get_percentiles(const config *c, buf *out) {
    for (int j = 0; j < c->sp.pct_count; j++) {
        if (j) buf_append_char(out, ' ');
        append_percentile(out, c->sp.pct[j]);
    }
}

static void rewrite_percentiles(const config *c, cfg_rewrite_state *rw, int opt) {
    buf line;
    buf_init(&line);
    buf_append_str(&line, "latency-tracking-info-percentiles");
    if (c->sp.pct_count == 0) buf_append_str(&line, " \"\"");
    for (int j = 0; j < c->sp.pct_count; j++) {
        buf_append_char(&line, ' ');
        append_percentile(&line, c->sp.pct[j]);
    }
    /* Redis compat: always written, even at the default. */
    cfg_rewrite_line(rw, opt, &line, true);
}

static const cfg_special_ops dir_ops = {set_dir, get_dir, rewrite_dir};
static const cfg_special_ops save_ops = {set_save, get_save, rewrite_save};
static const cfg_special_ops obuf_ops = {set_obuf, get_obuf, rewrite_obuf};
static const cfg_special_ops oom_values_ops = {set_oom_values, get_oom_values, rewrite_oom_values};
static const cfg_special_ops notify_ops = {set_notify, get_notify, rewrite_notify};
static const cfg_special_ops bind_ops = {set_bind, get_bind, rewrite_bind};
static const cfg_special_ops replicaof_ops = {set_replicaof, get_replicaof, rewrite_replicaof};
static const cfg_special_ops pct_ops = {set_percentiles, get_percentiles, rewrite_percentiles};

/* ------------------------------------------------------------------------
 * The table
 * ---------------------------------------------------------------------- */

#define IMM CFG_F_IMMUTABLE
#define SENS CFG_F_SENSITIVE
#define MULTI CFG_F_MULTI_ARG
#define HIDDEN CFG_F_HIDDEN
#define PROT CFG_F_PROTECTED
#define NOLOAD CFG_F_DENY_LOADING
#define NUL CFG_F_EMPTY_NULL
#define MEM CFG_N_MEMORY
#define UNS CFG_N_UNSIGNED

#define BOOL(n, a, f, d) .name = (n), .alias = (a), .type = CFG_T_BOOL, .flags = (f), .dflt = (d)
#define STR(n, a, f, d) .name = (n), .alias = (a), .type = CFG_T_STR, .flags = (f), .dflt_str = (d)
#define ENUM(n, a, f, it, d)                                                                       \
    .name = (n), .alias = (a), .type = CFG_T_ENUM, .flags = (f), .items = (it), .dflt = (d)
#define NUM(n, a, f, l, h, d, nf)                                                                  \
    .name = (n), .alias = (a), .type = CFG_T_NUM, .flags = (f), .lo = (l), .hi = (h),              \
    .dflt = (d), .num_flags = (nf)
#define SPECIAL(n, a, f, ops) .name = (n), .alias = (a), .type = CFG_T_SPECIAL, .flags = (f), .special = (ops)

#define MIRROR(kind, field) .mirror = (kind), .mirror_off = offsetof(config_values, field)
#define MB(field) MIRROR(CFG_M_BOOL, field)
#define MI(field) MIRROR(CFG_M_INT, field)
#define ML(field) MIRROR(CFG_M_I64, field)
#define MS(field) MIRROR(CFG_M_STR, field)

#define MB_ (1024LL * 1024)
#define LONG_MAX_ ((int64_t)LONG_MAX)
#define LLONG_MAX_ ((int64_t)INT64_MAX)
#define UINT_MAX_ ((int64_t)UINT_MAX)
#define ULLONG_MAX_ ((int64_t)-1) /* compared as unsigned: UINT64_MAX */

const cfg_option cfg_options[] = {
    /* yes/no */
    {BOOL("rdbchecksum", NULL, IMM, 1), MB(rdbchecksum)},
    {BOOL("daemonize", NULL, IMM, 0), MB(daemonize)},
    {BOOL("io-threads-do-reads", NULL, IMM, 0)},
    {BOOL("always-show-logo", NULL, IMM, 0), MB(always_show_logo)},
    {BOOL("protected-mode", NULL, 0, 1), MB(protected_mode)},
    {BOOL("rdbcompression", NULL, 0, 1), MB(rdbcompression)},
    {BOOL("rdb-del-sync-files", NULL, 0, 0)},
    {BOOL("activerehashing", NULL, 0, 1), MB(activerehashing)},
    {BOOL("stop-writes-on-bgsave-error", NULL, 0, 1), MB(stop_writes_on_bgsave_error)},
    {BOOL("set-proc-title", NULL, IMM, 1), MB(set_proc_title)},
    {BOOL("dynamic-hz", NULL, 0, 1), MB(dynamic_hz), .apply = CFG_APPLY_HZ},
    {BOOL("lazyfree-lazy-eviction", NULL, 0, 0), MB(lazyfree_lazy_eviction)},
    {BOOL("lazyfree-lazy-expire", NULL, 0, 0), MB(lazyfree_lazy_expire)},
    {BOOL("lazyfree-lazy-server-del", NULL, 0, 0), MB(lazyfree_lazy_server_del)},
    {BOOL("lazyfree-lazy-user-del", NULL, 0, 0), MB(lazyfree_lazy_user_del)},
    {BOOL("lazyfree-lazy-user-flush", NULL, 0, 0), MB(lazyfree_lazy_user_flush)},
    {BOOL("repl-disable-tcp-nodelay", NULL, 0, 0)},
    {BOOL("repl-diskless-sync", NULL, 0, 1), MB(repl_diskless_sync)},
    {BOOL("aof-rewrite-incremental-fsync", NULL, 0, 1)},
    {BOOL("no-appendfsync-on-rewrite", NULL, 0, 0)},
    {BOOL("cluster-require-full-coverage", NULL, 0, 1), MB(cluster_require_full_coverage), .apply = CFG_APPLY_CLUSTER},
    {BOOL("rdb-save-incremental-fsync", NULL, 0, 1)},
    {BOOL("aof-load-truncated", NULL, 0, 1), MB(aof_load_truncated)},
    {BOOL("aof-use-rdb-preamble", NULL, 0, 1), MB(aof_use_rdb_preamble)},
    {BOOL("aof-timestamp-enabled", NULL, 0, 0)},
    {BOOL("cluster-replica-no-failover", "cluster-slave-no-failover", 0, 0), MB(cluster_replica_no_failover), .apply = CFG_APPLY_CLUSTER},
    {BOOL("replica-lazy-flush", "slave-lazy-flush", 0, 0)},
    {BOOL("replica-serve-stale-data", "slave-serve-stale-data", 0, 1), MB(replica_serve_stale_data)},
    {BOOL("replica-read-only", "slave-read-only", 0, 1), MB(replica_read_only)},
    {BOOL("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, 1)},
    {BOOL("jemalloc-bg-thread", NULL, 0, 1)},
    {BOOL("activedefrag", NULL, 0, 0), .check = check_activedefrag},
    {BOOL("syslog-enabled", NULL, IMM, 0), .check = check_no_syslog},
    {BOOL("cluster-enabled", NULL, IMM, 0), MB(cluster_enabled)},
    {BOOL("appendonly", NULL, NOLOAD, 0), MB(appendonly), .apply = CFG_APPLY_APPENDONLY},
    {BOOL("cluster-allow-reads-when-down", NULL, 0, 0), MB(cluster_allow_reads_when_down), .apply = CFG_APPLY_CLUSTER},
    {BOOL("cluster-allow-pubsubshard-when-down", NULL, 0, 1)},
    {BOOL("crash-log-enabled", NULL, 0, 1), MB(crash_log_enabled)},
    {BOOL("crash-memcheck-enabled", NULL, 0, 1)},
    {BOOL("use-exit-on-panic", NULL, HIDDEN, 0)},
    {BOOL("disable-thp", NULL, IMM, 1)},
    {BOOL("cluster-allow-replica-migration", NULL, 0, 1), MB(cluster_allow_replica_migration), .apply = CFG_APPLY_CLUSTER},
    {BOOL("replica-announced", NULL, 0, 1)},
    {BOOL("latency-tracking", NULL, 0, 1), MB(latency_tracking)},
    {BOOL("aof-disable-auto-gc", NULL, 0, 0), MB(aof_disable_auto_gc)},
    {BOOL("replica-ignore-disk-write-errors", NULL, 0, 0)},
    {BOOL("lua-enable-deprecated-api", NULL, IMM | HIDDEN, 0)},
    {BOOL("tls-cluster", NULL, 0, 0), .check = check_no_tls},
    {BOOL("tls-replication", NULL, 0, 0), .check = check_no_tls},
    {BOOL("tls-prefer-server-ciphers", NULL, 0, 0)},
    {BOOL("tls-session-caching", NULL, 0, 1)},

    /* strings */
    {STR("aclfile", NULL, IMM, ""), .check = check_no_aclfile},
    {STR("unixsocket", NULL, IMM | NUL, NULL), .check = check_no_unixsocket},
    {STR("pidfile", NULL, IMM | NUL, NULL), MS(pidfile)},
    {STR("replica-announce-ip", "slave-announce-ip", NUL, NULL), MS(replica_announce_ip)},
    {STR("masteruser", NULL, SENS | NUL, NULL), MS(masteruser)},
    {STR("cluster-announce-ip", NULL, NUL, NULL), MS(cluster_announce_ip), .apply = CFG_APPLY_CLUSTER},
    {STR("cluster-config-file", NULL, IMM, "nodes.conf"), MS(cluster_config_file)},
    {STR("cluster-announce-hostname", NULL, NUL, NULL), .check = check_hostname, MS(cluster_announce_hostname), .apply = CFG_APPLY_CLUSTER},
    {STR("syslog-ident", NULL, IMM, "redis")},
    {STR("dbfilename", NULL, PROT, "dump.rdb"), MS(dbfilename), .check = check_dbfilename},
    {STR("appendfilename", NULL, IMM, "appendonly.aof"), MS(appendfilename),
     .check = check_appendfilename},
    {STR("appenddirname", NULL, IMM, "appendonlydir"), MS(appenddirname),
     .check = check_appenddirname},
    {STR("server_cpulist", NULL, IMM | NUL, NULL)},
    {STR("bio_cpulist", NULL, IMM | NUL, NULL)},
    {STR("aof_rewrite_cpulist", NULL, IMM | NUL, NULL)},
    {STR("bgsave_cpulist", NULL, IMM | NUL, NULL)},
    {STR("ignore-warnings", NULL, 0, "")},
    {STR("proc-title-template", NULL, 0, "{title} {listen-addr} {server-mode}"),
     MS(proc_title_template), .check = check_proc_title},
    {STR("bind-source-addr", NULL, NUL, NULL)},
    {STR("logfile", NULL, IMM, ""), MS(logfile), .apply = CFG_APPLY_LOGFILE},
    {STR("masterauth", NULL, SENS | NUL, NULL), MS(masterauth)},
    {STR("requirepass", NULL, SENS | NUL, NULL), MS(requirepass), .apply = CFG_APPLY_REQUIREPASS},
    {STR("tls-cert-file", NULL, NUL, NULL)},
    {STR("tls-key-file", NULL, NUL, NULL)},
    {STR("tls-key-file-pass", NULL, NUL, NULL)},
    {STR("tls-client-cert-file", NULL, NUL, NULL)},
    {STR("tls-client-key-file", NULL, NUL, NULL)},
    {STR("tls-client-key-file-pass", NULL, NUL, NULL)},
    {STR("tls-dh-params-file", NULL, NUL, NULL)},
    {STR("tls-ca-cert-file", NULL, NUL, NULL)},
    {STR("tls-ca-cert-dir", NULL, NUL, NULL)},
    {STR("tls-protocols", NULL, NUL, NULL)},
    {STR("tls-ciphers", NULL, NUL, NULL)},
    {STR("tls-ciphersuites", NULL, NUL, NULL)},

    /* enums */
    {ENUM("supervised", NULL, IMM, supervised_items, CFG_SUPERVISED_NO), MI(supervised)},
    {ENUM("syslog-facility", NULL, IMM, syslog_facility_items, FACILITY_LOCAL0)},
    {ENUM("repl-diskless-load", NULL, NOLOAD, diskless_load_items, 0)},
    {ENUM("loglevel", NULL, 0, loglevel_items, CFG_LOG_NOTICE), MI(loglevel),
     .apply = CFG_APPLY_LOGLEVEL},
    {ENUM("maxmemory-policy", NULL, 0, evict_items, CFG_EVICT_NOEVICTION), MI(maxmemory_policy),
     .apply = CFG_APPLY_EVICTION_POLICY},
    {ENUM("appendfsync", NULL, 0, fsync_items, CFG_FSYNC_EVERYSEC), MI(appendfsync)},
    {ENUM("oom-score-adj", NULL, 0, oom_adj_items, 0)},
    {ENUM("acl-pubsub-default", NULL, 0, pubsub_default_items, 0)},
    {ENUM("sanitize-dump-payload", NULL, 0, sanitize_items, 0)},
    {ENUM("enable-protected-configs", NULL, IMM, protected_items, CFG_PROTECTED_NO)},
    /* Tessera: "local" rather than Redis's "no", so DEBUG works from the same host. */
    {ENUM("enable-debug-command", NULL, IMM, protected_items, CFG_PROTECTED_LOCAL),
     MI(enable_debug_command)},
    {ENUM("enable-module-command", NULL, IMM, protected_items, CFG_PROTECTED_NO)},
    {ENUM("cluster-preferred-endpoint-type", NULL, 0, endpoint_items, 0), MI(cluster_preferred_endpoint_type), .apply = CFG_APPLY_CLUSTER},
    {ENUM("propagation-error-behavior", NULL, 0, propagation_items, 0)},
    {ENUM("shutdown-on-sigint", NULL, MULTI, shutdown_items, 0), .bitflags = true,
     MI(shutdown_on_sigint), .check = check_shutdown_flags},
    {ENUM("shutdown-on-sigterm", NULL, MULTI, shutdown_items, 0), .bitflags = true,
     MI(shutdown_on_sigterm), .check = check_shutdown_flags},
    {ENUM("tls-auth-clients", NULL, 0, tls_auth_items, 1)},

    /* integers (Redis int) */
    {NUM("databases", NULL, IMM, 1, INT_MAX, 16, 0), MI(databases)},
    {NUM("port", NULL, 0, 0, 65535, 6379, 0), MI(port), .apply = CFG_APPLY_PORT},
    {NUM("io-threads", NULL, IMM, 1, 128, 1, 0)},
    {NUM("auto-aof-rewrite-percentage", NULL, 0, 0, INT_MAX, 100, 0), MI(auto_aof_rewrite_percentage)},
    {NUM("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, INT_MAX, 10, 0), MI(cluster_replica_validity_factor), .apply = CFG_APPLY_CLUSTER},
    {NUM("list-max-listpack-size", "list-max-ziplist-size", 0, INT_MIN, INT_MAX, -2, 0),
     MI(list_max_listpack_size)},
    {NUM("tcp-keepalive", NULL, 0, 0, INT_MAX, 300, 0), MI(tcp_keepalive_s)},
    {NUM("cluster-migration-barrier", NULL, 0, 0, INT_MAX, 1, 0), MI(cluster_migration_barrier), .apply = CFG_APPLY_CLUSTER},
    {NUM("active-defrag-cycle-min", NULL, 0, 1, 99, 1, 0)},
    {NUM("active-defrag-cycle-max", NULL, 0, 1, 99, 25, 0)},
    {NUM("active-defrag-threshold-lower", NULL, 0, 0, 1000, 10, 0)},
    {NUM("active-defrag-threshold-upper", NULL, 0, 0, 1000, 100, 0)},
    {NUM("lfu-log-factor", NULL, 0, 0, INT_MAX, 10, 0), MI(lfu_log_factor),
     .apply = CFG_APPLY_EVICTION_POLICY},
    {NUM("lfu-decay-time", NULL, 0, 0, INT_MAX, 1, 0), MI(lfu_decay_time),
     .apply = CFG_APPLY_EVICTION_POLICY},
    {NUM("replica-priority", "slave-priority", 0, 0, INT_MAX, 100, 0), MI(replica_priority)},
    {NUM("repl-diskless-sync-delay", NULL, 0, 0, INT_MAX, 5, 0), MI(repl_diskless_sync_delay)},
    {NUM("maxmemory-samples", NULL, 0, 1, INT_MAX, 5, 0), MI(maxmemory_samples)},
    {NUM("maxmemory-eviction-tenacity", NULL, 0, 0, 100, 10, 0), MI(maxmemory_eviction_tenacity)},
    {NUM("timeout", NULL, 0, 0, INT_MAX, 0, 0), MI(timeout_s)},
    {NUM("replica-announce-port", "slave-announce-port", 0, 0, 65535, 0, 0), MI(replica_announce_port)},
    {NUM("tcp-backlog", NULL, IMM, 0, INT_MAX, 511, 0), MI(tcp_backlog)},
    {NUM("cluster-port", NULL, IMM, 0, 65535, 0, 0), MI(cluster_port)},
    {NUM("cluster-announce-bus-port", NULL, 0, 0, 65535, 0, 0), MI(cluster_announce_bus_port), .apply = CFG_APPLY_CLUSTER},
    {NUM("cluster-announce-port", NULL, 0, 0, 65535, 0, 0), MI(cluster_announce_port), .apply = CFG_APPLY_CLUSTER},
    {NUM("cluster-announce-tls-port", NULL, 0, 0, 65535, 0, 0)},
    {NUM("repl-timeout", NULL, 0, 1, INT_MAX, 60, 0), MI(repl_timeout)},
    {NUM("repl-ping-replica-period", "repl-ping-slave-period", 0, 1, INT_MAX, 10, 0), MI(repl_ping_replica_period)},
    {NUM("list-compress-depth", NULL, 0, 0, INT_MAX, 0, 0), MI(list_compress_depth)},
    {NUM("rdb-key-save-delay", NULL, HIDDEN, INT_MIN, INT_MAX, 0, 0)},
    {NUM("key-load-delay", NULL, HIDDEN, INT_MIN, INT_MAX, 0, 0)},
    {NUM("active-expire-effort", NULL, 0, 1, 10, 1, 0), MI(active_expire_effort)},
    {NUM("hz", NULL, 0, 0, INT_MAX, 10, CFG_N_CLAMP_HZ), MI(hz), .apply = CFG_APPLY_HZ},
    /* Tessera's own: see base/busy_poll.h. */
    {NUM("busy-poll-us", NULL, 0, 0, 10000, 100, 0), MI(busy_poll_us)},
    {NUM("min-replicas-to-write", "min-slaves-to-write", 0, 0, INT_MAX, 0, 0), MI(min_replicas_to_write)},
    {NUM("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, INT_MAX, 10, 0), MI(min_replicas_max_lag)},
    {NUM("watchdog-period", NULL, HIDDEN, 0, INT_MAX, 0, 0), .check = check_no_watchdog},
    {NUM("shutdown-timeout", NULL, 0, 0, INT_MAX, 10, 0), MI(shutdown_timeout_s)},
    {NUM("repl-diskless-sync-max-replicas", NULL, 0, 0, INT_MAX, 0, 0),
     MI(repl_diskless_sync_max_replicas)},
    {NUM("tls-port", NULL, 0, 0, 65535, 0, 0), .check = check_no_tls},
    {NUM("tls-session-cache-size", NULL, 0, 0, INT_MAX, 20 * 1024, 0)},
    {NUM("tls-session-cache-timeout", NULL, 0, 0, INT_MAX, 300, 0)},

    /* unsigned int */
    {NUM("maxclients", NULL, 0, 1, UINT_MAX_, 10000, UNS), ML(maxclients),
     .apply = CFG_APPLY_MAXCLIENTS},
    {NUM("unixsocketperm", NULL, IMM, 0, 0777, 0, UNS | CFG_N_OCTAL)},
    {NUM("socket-mark-id", NULL, IMM, 0, UINT_MAX_, 0, UNS)},

    /* unsigned long (Redis checks these bounds as signed) */
    {NUM("active-defrag-max-scan-fields", NULL, 0, 1, LONG_MAX_, 1000, 0)},
    {NUM("slowlog-max-len", NULL, 0, 0, LONG_MAX_, 128, 0), ML(slowlog_max_len),
     .apply = CFG_APPLY_SLOWLOG},
    {NUM("acllog-max-len", NULL, 0, 0, LONG_MAX_, 128, 0)},

    /* long long */
    {NUM("busy-reply-threshold", "lua-time-limit", 0, 0, LONG_MAX_, 5000, 0),
     ML(busy_reply_threshold_ms)},
    {NUM("cluster-node-timeout", NULL, 0, 0, LLONG_MAX_, 15000, 0), ML(cluster_node_timeout), .apply = CFG_APPLY_CLUSTER},
    {NUM("slowlog-log-slower-than", NULL, 0, -1, LLONG_MAX_, 10000, 0),
     ML(slowlog_log_slower_than), .apply = CFG_APPLY_SLOWLOG},
    {NUM("latency-monitor-threshold", NULL, 0, 0, LLONG_MAX_, 0, 0), ML(latency_monitor_threshold)},
    {NUM("proto-max-bulk-len", NULL, 0, MB_, LONG_MAX_, 512 * MB_, MEM), ML(proto_max_bulk_len),
     .apply = CFG_APPLY_PROTO_LIMITS},
    {NUM("stream-node-max-entries", NULL, 0, 0, LLONG_MAX_, 100, 0), ML(stream_node_max_entries)},
    {NUM("repl-backlog-size", NULL, 0, 1, LLONG_MAX_, MB_, MEM), ML(repl_backlog_size),
     .apply = CFG_APPLY_REPL_BACKLOG},

    /* unsigned long long */
    {NUM("maxmemory", NULL, 0, 0, ULLONG_MAX_, 0, MEM | UNS), ML(maxmemory),
     .apply = CFG_APPLY_MAXMEMORY},
    {NUM("cluster-link-sendbuf-limit", NULL, 0, 0, ULLONG_MAX_, 0, MEM | UNS), ML(cluster_link_sendbuf_limit)},

    /* size_t */
    {NUM("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, 0, LONG_MAX_, 512, UNS),
     ML(hash_max_listpack_entries)},
    {NUM("set-max-intset-entries", NULL, 0, 0, LONG_MAX_, 512, UNS), ML(set_max_intset_entries)},
    {NUM("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, 0, LONG_MAX_, 128, UNS),
     ML(zset_max_listpack_entries)},
    {NUM("active-defrag-ignore-bytes", NULL, 0, 1, LLONG_MAX_, 100 * MB_, MEM | UNS)},
    {NUM("hash-max-listpack-value", "hash-max-ziplist-value", 0, 0, LONG_MAX_, 64, MEM | UNS),
     ML(hash_max_listpack_value)},
    {NUM("stream-node-max-bytes", NULL, 0, 0, LONG_MAX_, 4096, MEM | UNS),
     ML(stream_node_max_bytes)},
    {NUM("zset-max-listpack-value", "zset-max-ziplist-value", 0, 0, LONG_MAX_, 64, MEM | UNS),
     ML(zset_max_listpack_value)},
    {NUM("hll-sparse-max-bytes", NULL, 0, 0, LONG_MAX_, 3000, MEM | UNS), ML(hll_sparse_max_bytes)},
    {NUM("tracking-table-max-keys", NULL, 0, 0, LONG_MAX_, 1000000, UNS),
     ML(tracking_table_max_keys)},
    {NUM("client-query-buffer-limit", NULL, 0, MB_, LONG_MAX_, 1024 * MB_, MEM | UNS),
     ML(client_query_buffer_limit), .apply = CFG_APPLY_PROTO_LIMITS},

    /* ssize_t, time_t, off_t */
    {NUM("maxmemory-clients", NULL, 0, -100, LLONG_MAX_, 0, MEM | CFG_N_PERCENT),
     ML(maxmemory_clients)},
    {NUM("repl-backlog-ttl", NULL, 0, 0, LONG_MAX_, 3600, 0), ML(repl_backlog_ttl)},
    {NUM("auto-aof-rewrite-min-size", NULL, 0, 0, LLONG_MAX_, 64 * MB_, MEM),
     ML(auto_aof_rewrite_min_size)},
    {NUM("loading-process-events-interval-bytes", NULL, HIDDEN, 1024, INT_MAX, 2 * MB_, 0)},

    /* options with their own syntax */
    {SPECIAL("dir", NULL, PROT | NOLOAD, &dir_ops), .apply = CFG_APPLY_DIR},
    {SPECIAL("save", NULL, MULTI, &save_ops)},
    {SPECIAL("client-output-buffer-limit", NULL, MULTI, &obuf_ops)},
    {SPECIAL("oom-score-adj-values", NULL, MULTI, &oom_values_ops)},
    {SPECIAL("notify-keyspace-events", NULL, 0, &notify_ops)},
    {SPECIAL("bind", NULL, MULTI, &bind_ops), .apply = CFG_APPLY_BIND},
    {SPECIAL("replicaof", "slaveof", IMM | MULTI, &replicaof_ops)},
    {SPECIAL("latency-tracking-info-percentiles", NULL, MULTI, &pct_ops)},
};

const int cfg_option_count = (int)ARRAY_LEN(cfg_options);

/* ------------------------------------------------------------------------
 * Defaults and copies
 * ---------------------------------------------------------------------- */

void cfg_table_defaults(config *c) {
    for (int i = 0; i < cfg_option_count; i++) {
        const cfg_option *o = &cfg_options[i];
        c->slots[i].num = o->dflt;
        c->slots[i].str = o->dflt_str ? mem_strdup(o->dflt_str) : NULL;
    }
    cfg_special_state *sp = &c->sp;
    sp->save_count = (int)ARRAY_LEN(save_defaults);
    memcpy(sp->save, save_defaults, sizeof(save_defaults));
    sp->bind_count = (int)ARRAY_LEN(bind_defaults);
    for (int j = 0; j < sp->bind_count; j++) sp->bind[j] = mem_strdup(bind_defaults[j]);
    memcpy(sp->obuf, cfg_obuf_defaults, sizeof(sp->obuf));
    memcpy(sp->oom, cfg_oom_defaults, sizeof(sp->oom));
    sp->notify = 0;
    sp->pct_count = (int)ARRAY_LEN(pct_defaults);
    sp->pct = mem_alloc(sizeof(pct_defaults));
    memcpy(sp->pct, pct_defaults, sizeof(pct_defaults));
    char cwd[PATH_MAX];
    sp->dir = mem_strdup(getcwd(cwd, sizeof(cwd)) ? cwd : ".");
}

void cfg_special_fini(cfg_special_state *sp) {
    for (int j = 0; j < sp->bind_count; j++) mem_free(sp->bind[j]);
    sp->bind_count = 0;
    mem_free(sp->pct);
    sp->pct = NULL;
    sp->pct_count = 0;
    mem_free(sp->dir);
    sp->dir = NULL;
    mem_free(sp->replicaof_host);
    sp->replicaof_host = NULL;
}

void cfg_special_copy(cfg_special_state *dst, const cfg_special_state *src) {
    *dst = *src;
    for (int j = 0; j < src->bind_count; j++) dst->bind[j] = mem_strdup(src->bind[j]);
    dst->pct = src->pct_count ? mem_dup(src->pct, sizeof(double) * (size_t)src->pct_count) : NULL;
    dst->dir = src->dir ? mem_strdup(src->dir) : NULL;
    dst->replicaof_host = src->replicaof_host ? mem_strdup(src->replicaof_host) : NULL;
}
