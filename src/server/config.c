/* config: the option store, redis.conf loading, CONFIG GET and CONFIG SET.
 *
 * Every option's value has one home: a slot per row of the option table
 * (config_table.c), or the special state for options with their own syntax.
 * config_values is a read-only mirror of what the server acts on, refreshed
 * after every change, so readers never parse strings.
 *
 * CONFIG SET is all or nothing. Rather than undo each option by re-parsing
 * its old text (lossy for some values, as Redis does), it snapshots the
 * whole store (about two hundred small values), applies the new values in
 * order, and on any failure puts the snapshot back; `dir`'s chdir() is the
 * one outside effect, and a restore repeats it.
 *
 * Loading follows redis-server: trimmed lines, '#' comments, inline-command
 * quoting, case-insensitive names, and the first error stops loading. */
#include "server/config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/glob.h"
#include "base/mem.h"
#include "base/number.h"
#include "config_internal.h"
#include "protocol/errmsg.h"
#include "protocol/resp_parser.h"

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "unknown"
#endif

/* Deeper nesting than this is almost surely a file including itself. */
#define CFG_MAX_INCLUDE_DEPTH 16

/* ------------------------------------------------------------------------
 * Lookup and formatting
 * ---------------------------------------------------------------------- */

static bool name_is(const char *name, const char *s, size_t len) {
    return name != NULL && strlen(name) == len && strncasecmp(name, s, len) == 0;
}

int cfg_find(const char *name, size_t len, bool *is_alias) {
    for (int i = 0; i < cfg_option_count; i++) {
        const cfg_option *o = &cfg_options[i];
        bool alias = false;
        if (!name_is(o->name, name, len)) {
            if (!name_is(o->alias, name, len)) continue;
            alias = true;
        }
        if (is_alias) *is_alias = alias;
        return i;
    }
    return -1;
}

void cfg_append_memory(buf *out, uint64_t bytes) {
    const uint64_t gb = 1024ULL * 1024 * 1024, mb = 1024ULL * 1024, kb = 1024;
    if (bytes && bytes % gb == 0) buf_printf(out, "%llugb", (unsigned long long)(bytes / gb));
    else if (bytes && bytes % mb == 0) buf_printf(out, "%llumb", (unsigned long long)(bytes / mb));
    else if (bytes && bytes % kb == 0) buf_printf(out, "%llukb", (unsigned long long)(bytes / kb));
    else buf_printf(out, "%llu", (unsigned long long)bytes);
}

void cfg_format_value(const config *c, int i, buf *out) {
    const cfg_option *o = &cfg_options[i];
    const cfg_slot *s = &c->slots[i];
    switch (o->type) {
    case CFG_T_BOOL: buf_append_str(out, s->num ? "yes" : "no"); break;
    case CFG_T_STR:
        if (s->str) buf_append_str(out, s->str);
        break;
    case CFG_T_ENUM: cfg_enum_format(o, s->num, out); break;
    case CFG_T_SPECIAL: o->special->get(c, out); break;
    case CFG_T_NUM:
        if ((o->num_flags & CFG_N_PERCENT) && s->num < 0)
            buf_printf(out, "%lld%%", -(long long)s->num);
        else if (o->num_flags & CFG_N_MEMORY)
            buf_printf(out, "%llu", (unsigned long long)s->num);
        else if (o->num_flags & CFG_N_OCTAL)
            buf_printf(out, "%llo", (unsigned long long)s->num);
        else
            buf_printf(out, "%lld", (long long)s->num);
        break;
    default: UNREACHABLE();
    }
    buf_append(out, "", 0); /* callers read data as a C string */
}

/* ------------------------------------------------------------------------
 * Mirrors
 * ---------------------------------------------------------------------- */

static void mirror_option(config *c, int i) {
    const cfg_option *o = &cfg_options[i];
    char *field = (char *)&c->v + o->mirror_off;
    int64_t n = c->slots[i].num;
    switch (o->mirror) {
    case CFG_M_NONE: break;
    case CFG_M_BOOL: *(bool *)(void *)field = n != 0; break;
    case CFG_M_INT: *(int *)(void *)field = (int)n; break;
    case CFG_M_I64:
        /* Unsigned values past INT64_MAX (maxmemory) read as "no limit". */
        if ((o->num_flags & CFG_N_UNSIGNED) && n < 0) n = INT64_MAX;
        *(int64_t *)(void *)field = n;
        break;
    case CFG_M_STR: *(char **)(void *)field = c->slots[i].str; break;
    default: UNREACHABLE();
    }
}

static void mirror_all(config *c) {
    for (int i = 0; i < cfg_option_count; i++) mirror_option(c, i);
    const cfg_special_state *sp = &c->sp;
    memcpy(c->v.save, sp->save, sizeof(c->v.save));
    c->v.save_count = sp->save_count;
    memset(c->v.bind, 0, sizeof(c->v.bind));
    for (int j = 0; j < sp->bind_count; j++) c->v.bind[j] = sp->bind[j];
    c->v.bind_count = sp->bind_count;
    memcpy(c->v.obuf, sp->obuf, sizeof(c->v.obuf));
    c->v.notify_keyspace_events = sp->notify;
    c->v.dir = sp->dir;
    c->v.replicaof_host = sp->replicaof_host;
    c->v.replicaof_port = sp->replicaof_port;
}

/* ------------------------------------------------------------------------
 * Parsing one value
 * ---------------------------------------------------------------------- */

#define NUM_SYNTAX_FLAGS (CFG_N_MEMORY | CFG_N_PERCENT | CFG_N_OCTAL)

static int parse_number(const cfg_option *o, const char *s, int64_t *out, buf *err) {
    size_t len = strlen(s);
    if (o->num_flags & CFG_N_MEMORY) {
        uint64_t u;
        if (cfg_parse_memory(s, &u)) {
            *out = (int64_t)u;
            return 0;
        }
    }
    if ((o->num_flags & CFG_N_PERCENT) && len > 1 && s[len - 1] == '%') {
        int64_t p;
        if (number_parse_i64(s, len - 1, &p) && p >= 0) {
            *out = -p; /* percentages are stored negated */
            return 0;
        }
    }
    if (o->num_flags & CFG_N_OCTAL) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 8);
        if (errno == 0 && *end == '\0') {
            *out = v;
            return 0;
        }
    }
    if (!(o->num_flags & NUM_SYNTAX_FLAGS) && number_parse_i64(s, len, out)) return 0;

    if ((o->num_flags & CFG_N_MEMORY) && (o->num_flags & CFG_N_PERCENT))
        buf_append_str(err, "argument must be a memory or percent value");
    else if (o->num_flags & CFG_N_MEMORY)
        buf_append_str(err, "argument must be a memory value");
    else if (o->num_flags & CFG_N_OCTAL)
        buf_append_str(err, "argument couldn't be parsed as an octal number");
    else
        buf_append_str(err, "argument couldn't be parsed into an integer");
    return -1;
}

static int check_bounds(const cfg_option *o, int64_t v, buf *err) {
    if (o->num_flags & CFG_N_UNSIGNED) {
        uint64_t u = (uint64_t)v, lo = (uint64_t)o->lo, hi = (uint64_t)o->hi;
        if (u <= hi && u >= lo) return 0;
        if (o->num_flags & CFG_N_OCTAL)
            buf_printf(err, "argument must be between %llo and %llo inclusive",
                       (unsigned long long)lo, (unsigned long long)hi);
        else
            buf_printf(err, "argument must be between %llu and %llu inclusive",
                       (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    if ((o->num_flags & CFG_N_PERCENT) && v < 0) {
        if (v >= o->lo) return 0;
        buf_printf(err, "percentage argument must be less or equal to %lld", -(long long)o->lo);
        return -1;
    }
    if (v <= o->hi && v >= o->lo) return 0;
    buf_printf(err, "argument must be between %lld and %lld inclusive", (long long)o->lo,
               (long long)o->hi);
    return -1;
}

static int parse_enum(const cfg_option *o, int argc, char **argv, int64_t *out, buf *err) {
    int64_t value = 0;
    bool ok = argc > 0 && (o->bitflags || argc == 1);
    for (int j = 0; ok && j < argc; j++) {
        bool matched = false;
        for (const cfg_enum_item *it = o->items; it->name; it++) {
            if (!strcasecmp(argv[j], it->name)) {
                value |= it->value;
                matched = true;
            }
        }
        ok = matched;
    }
    if (ok) {
        *out = value;
        return 0;
    }
    buf_append_str(err, "argument(s) must be one of the following: ");
    for (const cfg_enum_item *it = o->items; it->name; it++) {
        if (it != o->items) buf_append_str(err, ", ");
        buf_append_str(err, it->name);
    }
    return -1;
}

/* Parses argv for option i and stores the value. *changed tells whether the
 * value differs from before (special options always count as changed). */
static int set_option(config *c, int i, int argc, char **argv, buf *err, bool *changed) {
    const cfg_option *o = &cfg_options[i];
    cfg_slot *slot = &c->slots[i];
    int64_t v = 0;
    *changed = true;
    switch (o->type) {
    case CFG_T_SPECIAL: return o->special->set(c, argc, argv, err);
    case CFG_T_STR: {
        if (o->check && o->check(c, 0, argv[0], err) < 0) return -1;
        const char *nv = ((o->flags & CFG_F_EMPTY_NULL) && argv[0][0] == '\0') ? NULL : argv[0];
        if (nv == NULL && slot->str == NULL) {
            *changed = false;
        } else if (nv != NULL && slot->str != NULL && strcmp(nv, slot->str) == 0) {
            *changed = false;
        } else {
            mem_free(slot->str);
            slot->str = nv ? mem_strdup(nv) : NULL;
        }
        mirror_option(c, i);
        return 0;
    }
    case CFG_T_BOOL:
        if (!strcasecmp(argv[0], "yes")) {
            v = 1;
        } else if (!strcasecmp(argv[0], "no")) {
            v = 0;
        } else {
            buf_append_str(err, "argument must be 'yes' or 'no'");
            return -1;
        }
        break;
    case CFG_T_ENUM:
        if (parse_enum(o, argc, argv, &v, err) < 0) return -1;
        break;
    case CFG_T_NUM:
        if (parse_number(o, argv[0], &v, err) < 0 || check_bounds(o, v, err) < 0) return -1;
        break;
    default: UNREACHABLE();
    }
    if (o->check && o->check(c, v, argv[0], err) < 0) return -1;
    /* Redis compat: hz is a hint; values out of 1..500 are accepted and clamped. */
    if (o->num_flags & CFG_N_CLAMP_HZ) v = v < 1 ? 1 : (v > 500 ? 500 : v);
    *changed = slot->num != v;
    slot->num = v;
    mirror_option(c, i);
    return 0;
}

/* After a special option changed, its mirrors need a refresh too. */
static int set_option_mirrored(config *c, int i, int argc, char **argv, buf *err, bool *changed) {
    int rc = set_option(c, i, argc, argv, err, changed);
    if (cfg_options[i].type == CFG_T_SPECIAL) mirror_all(c);
    return rc;
}

/* ------------------------------------------------------------------------
 * Loading
 * ---------------------------------------------------------------------- */

typedef struct load_ctx {
    const char *where; /* "the configuration file 'x'" / "the configuration from y" */
    int linenum;
    const char *line; /* trimmed, NUL-terminated */
} load_ctx;

static void fatal_header(buf *err) {
    buf_clear(err);
    buf_printf(err, "*** FATAL CONFIG FILE ERROR (Tessera %s) ***\n", TESSERA_VERSION);
}

/* Builds the full error for a bad line; reason is what set functions wrote. */
static int line_error(const load_ctx *lc, buf *err, const char *reason) {
    buf r;
    buf_init(&r);
    buf_append_str(&r, reason);
    fatal_header(err);
    buf_printf(err, "Reading %s, at line %d\n>>> '%s'\n%s", lc->where, lc->linenum, lc->line,
               r.data ? r.data : "");
    buf_fini(&r);
    return -1;
}

static int load_path(config *c, const char *path, buf *err);

/* Splits line (NUL-terminated, writable) into NUL-terminated arguments. */
static int split_args(char *line, resp_arg **args, int *cap, char ***argv, int *argv_cap) {
    int argc = resp_split_line(line, strlen(line), args, cap);
    if (argc < 0) return -1;
    if (argc > *argv_cap) {
        *argv = mem_realloc(*argv, sizeof(char *) * (size_t)argc);
        *argv_cap = argc;
    }
    for (int j = 0; j < argc; j++) {
        char *p = (char *)(uintptr_t)(*args)[j].ptr;
        /* The byte after an argument is a separator or quote already read. */
        p[(*args)[j].len] = '\0';
        (*argv)[j] = p;
    }
    return argc;
}

static bool is_default_user_line(int argc, char **argv) {
    static const char *const spec[] = {"user", "default", "on", "nopass", "~*", "&*", "+@all"};
    if (argc != (int)ARRAY_LEN(spec)) return false;
    for (int j = 0; j < argc; j++) {
        if (strcasecmp(argv[j], spec[j]) != 0) return false;
    }
    return true;
}

static int load_include(config *c, const load_ctx *lc, const char *path, buf *err) {
    if (c->include_depth >= CFG_MAX_INCLUDE_DEPTH) {
        buf_clear(err);
        buf_printf(err, "include files are nested more than %d levels deep (does a file include "
                        "itself?)", CFG_MAX_INCLUDE_DEPTH);
        char *reason = mem_strdup(err->data);
        line_error(lc, err, reason);
        mem_free(reason);
        return -1;
    }
    c->include_depth++;
    int rc = 0;
    if (strpbrk(path, "*?[")) {
        /* A pattern may match nothing: an empty conf.d is fine. */
        glob_t g;
        if (glob(path, 0, NULL, &g) == 0) {
            for (size_t k = 0; rc == 0 && k < g.gl_pathc; k++) rc = load_path(c, g.gl_pathv[k], err);
            globfree(&g);
        }
    } else {
        rc = load_path(c, path, err);
    }
    c->include_depth--;
    if (rc == -2) {
        /* The file could not be opened: report it at the include line. */
        char *reason = mem_strdup(err->data);
        line_error(lc, err, reason);
        mem_free(reason);
        rc = -1;
    }
    return rc < 0 ? -1 : 0;
}

/* Directives that are not options. Returns 1 if handled, 0 if unknown, -1
 * on error (reason in r). */
static int load_directive(config *c, const load_ctx *lc, int argc, char **argv, buf *r, buf *err,
                          bool *fatal_done) {
    const char *d = argv[0];
    if (!strcasecmp(d, "include") && argc == 2) {
        if (load_include(c, lc, argv[1], err) < 0) {
            *fatal_done = true;
            return -1;
        }
        return 1;
    }
    if (!strcasecmp(d, "rename-command") && argc == 3) {
        buf_append_str(r, "rename-command is not supported by this server");
        return -1;
    }
    if (!strcasecmp(d, "user") && argc >= 2) {
        /* The stock default user: exactly what exists without any line. */
        if (is_default_user_line(argc, argv)) return 1;
        buf_append_str(r, "user is not supported by this server: only the default user exists "
                          "(use requirepass)");
        return -1;
    }
    if (!strcasecmp(d, "loadmodule") && argc >= 2) {
        buf_append_str(r, "loadmodule is not supported by this server");
        return -1;
    }
    if (strchr(d, '.')) {
        buf_append_str(r, argc < 2 ? "Module config specified without value"
                                   : "module configuration is not supported by this server");
        return -1;
    }
    if (!strcasecmp(d, "sentinel")) {
        buf_append_str(r, "sentinel mode is not supported by this server");
        return -1;
    }
    return 0;
}

/* Redis compat: directives of removed options that are still silently
 * accepted with exactly one argument. */
static bool is_deprecated_directive(int argc, char **argv) {
    static const char *const names[] = {"list-max-ziplist-entries", "list-max-ziplist-value",
                                        "lua-replicate-commands"};
    if (argc != 2) return false;
    for (size_t k = 0; k < ARRAY_LEN(names); k++) {
        if (!strcasecmp(argv[0], names[k])) return true;
    }
    return false;
}

typedef struct split_bufs {
    resp_arg *args;
    int cap;
    char **argv;
    int argv_cap;
    resp_arg *sub_args;
    int sub_cap;
    char **sub_argv;
    int sub_argv_cap;
} split_bufs;

static void split_bufs_fini(split_bufs *sb) {
    mem_free(sb->args);
    mem_free(sb->argv);
    mem_free(sb->sub_args);
    mem_free(sb->sub_argv);
}

/* Applies one trimmed, non-comment line. */
static int load_line(config *c, load_ctx *lc, char *work, split_bufs *sb, buf *err) {
    int argc = split_args(work, &sb->args, &sb->cap, &sb->argv, &sb->argv_cap);
    if (argc < 0) return line_error(lc, err, "Unbalanced quotes in configuration line");
    if (argc == 0) return 0;
    char **argv = sb->argv;
    buf r;
    buf_init(&r);
    int rc = 0;
    bool changed;
    int i = cfg_find(argv[0], strlen(argv[0]), NULL);
    if (i >= 0) {
        const cfg_option *o = &cfg_options[i];
        if (!(o->flags & CFG_F_MULTI_ARG) && argc != 2) {
            buf_append_str(&r, "wrong number of arguments");
            rc = -1;
        } else if ((o->flags & CFG_F_MULTI_ARG) && argc == 2 && argv[1][0] != '\0') {
            /* One quoted argument holding several: `save "900 1 300 10"`. */
            int n = split_args(argv[1], &sb->sub_args, &sb->sub_cap, &sb->sub_argv,
                               &sb->sub_argv_cap);
            if (n < 0) {
                buf_append_str(&r, "Unbalanced quotes in configuration line");
                rc = -1;
            } else {
                rc = set_option_mirrored(c, i, n, sb->sub_argv, &r, &changed);
            }
        } else {
            rc = set_option_mirrored(c, i, argc - 1, argv + 1, &r, &changed);
        }
    } else if (!is_deprecated_directive(argc, argv)) {
        bool fatal_done = false;
        int h = load_directive(c, lc, argc, argv, &r, err, &fatal_done);
        if (h < 0 && fatal_done) {
            buf_fini(&r);
            return -1;
        }
        if (h == 0) buf_append_str(&r, "Bad directive or wrong number of arguments");
        rc = h <= 0 ? -1 : 0;
    }
    if (rc < 0) line_error(lc, err, r.data ? r.data : "");
    buf_fini(&r);
    return rc;
}

static bool is_trim_char(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int load_string(config *c, const char *text, size_t len, const char *where, buf *err) {
    load_ctx lc = {where, 0, NULL};
    split_bufs sb = {0};
    buf work;
    buf_init(&work);
    int rc = 0;
    size_t pos = 0;
    while (rc == 0 && pos <= len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t a = pos, b = end;
        lc.linenum++;
        pos = end + 1;
        while (a < b && is_trim_char(text[a])) a++;
        while (b > a && is_trim_char(text[b - 1])) b--;
        if (a == b || text[a] == '#') continue;
        buf_clear(&work);
        buf_append(&work, text + a, b - a);
        char *line = mem_strndup(text + a, b - a);
        lc.line = line;
        rc = load_line(c, &lc, work.data, &sb, err);
        mem_free(line);
    }
    buf_fini(&work);
    split_bufs_fini(&sb);
    return rc;
}

/* Returns 0, -1 on a config error (err complete) or -2 if the file cannot
 * be read (err holds the reason only). */
static int load_path(config *c, const char *path, buf *err) {
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        buf_clear(err);
        buf_printf(err, "Fatal error, can't open config file '%s': %s", path, strerror(errno));
        return -2;
    }
    buf text;
    buf_init(&text);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) buf_append(&text, chunk, n);
    bool failed = ferror(fp) != 0;
    int saved = errno;
    fclose(fp);
    if (failed) {
        buf_fini(&text);
        buf_clear(err);
        buf_printf(err, "Fatal error, can't read config file '%s': %s", path, strerror(saved));
        return -2;
    }
    buf where;
    buf_init(&where);
    buf_printf(&where, "the configuration file '%s'", path);
    int rc = load_string(c, text.data ? text.data : "", text.len, where.data, err);
    buf_fini(&where);
    buf_fini(&text);
    return rc;
}

/* Checks that the log file could be opened for appending, without creating
 * it (Redis creates it at this point; we leave that to the logger). */
static int check_logfile(const config *c, buf *err) {
    const char *path = c->v.logfile;
    if (path == NULL || path[0] == '\0') return 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    int e = 0;
    if (fd >= 0) {
        close(fd);
    } else if (errno != ENOENT) {
        e = errno;
    } else {
        char *dir = mem_strdup(path);
        char *slash = strrchr(dir, '/');
        const char *d = slash == NULL ? "." : (slash == dir ? "/" : dir);
        if (slash && slash != dir) *slash = '\0';
        if (access(d, W_OK | X_OK) != 0) e = errno;
        mem_free(dir);
    }
    if (e == 0) return 0;
    fatal_header(err);
    buf_printf(err, "Can't open the log file: %s", strerror(e));
    return -1;
}

static int load_top(config *c, const char *text, size_t len, const char *path, const char *where,
                    buf *err) {
    c->in_load = true;
    int rc = path ? load_path(c, path, err) : load_string(c, text, len, where, err);
    c->in_load = false;
    if (rc == -2) return -1; /* err is the "can't open" text */
    if (rc < 0) return -1;
    return check_logfile(c, err);
}

/* cwd + "/" + path with "." and ".." segments folded. */
static char *absolute_path(const char *path) {
    buf joined;
    buf_init(&joined);
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) != NULL) buf_append_str(&joined, cwd);
        buf_append_char(&joined, '/');
    }
    buf_append_str(&joined, path);
    char *out = mem_alloc(joined.len + 2);
    size_t o = 0;
    const char *p = joined.data;
    while (*p) {
        while (*p == '/') p++;
        const char *seg = p;
        while (*p && *p != '/') p++;
        size_t n = (size_t)(p - seg);
        if (n == 0 || (n == 1 && seg[0] == '.')) continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/') o--;
            if (o > 0) o--;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, seg, n);
        o += n;
    }
    if (o == 0) out[o++] = '/';
    out[o] = '\0';
    buf_fini(&joined);
    return out;
}

int config_load_file(config *c, const char *path, buf *err) {
    char *abs = absolute_path(path);
    mem_free(c->file);
    c->file = abs;
    return load_top(c, NULL, 0, path, NULL, err);
}

int config_load_text(config *c, const char *text, const char *origin, buf *err) {
    buf where;
    buf_init(&where);
    buf_printf(&where, "the configuration from %s", origin ? origin : "the command line");
    int rc = load_top(c, text, strlen(text), NULL, where.data, err);
    buf_fini(&where);
    return rc;
}

void config_argv_to_text(int argc, char **argv, buf *out) {
    /* Whether the last "--name" already got a value: a "--x" right after a
     * bare "--name" is that option's value, not a new option. */
    bool last_has_arg = true;
    bool any = false;
    for (int j = 0; j < argc; j++) {
        const char *a = argv[j];
        if (a[0] == '-' && a[1] == '\0' && (j == 0 || j == argc - 1)) continue; /* stdin */
        if (last_has_arg && a[0] == '-' && a[1] == '-') {
            if (any) buf_append_char(out, '\n');
            any = true;
            buf_append_str(out, a + 2);
            buf_append_char(out, ' ');
            /* "--port 6380" in one argument carries its own value. */
            resp_arg *args = NULL;
            int cap = 0;
            char *tmp = mem_strdup(a);
            int n = resp_split_line(tmp, strlen(tmp), &args, &cap);
            mem_free(tmp);
            mem_free(args);
            if (n == 1) {
                last_has_arg = false;
                bool next_is_opt = j != argc - 1 && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
                /* Redis compat: a bare --save means save "" (no snapshots). */
                if (!strcasecmp(a, "--save") && (next_is_opt || j == argc - 1)) {
                    buf_append_str(out, "\"\"");
                    last_has_arg = true;
                } else if (!strcasecmp(a, "--sentinel") && next_is_opt) {
                    last_has_arg = true;
                }
            } else {
                last_has_arg = true;
            }
        } else {
            buf_append_quoted(out, a, strlen(a));
            buf_append_char(out, ' ');
            last_has_arg = true;
        }
    }
    buf_append(out, "", 0); /* callers read data as a C string */
}

/* ------------------------------------------------------------------------
 * Life cycle and accessors
 * ---------------------------------------------------------------------- */

config *config_new(void) {
    config *c = mem_calloc(1, sizeof(*c));
    c->slots = mem_calloc((size_t)cfg_option_count, sizeof(cfg_slot));
    cfg_table_defaults(c);
    mirror_all(c);
    return c;
}

static void free_slots(cfg_slot *slots) {
    for (int i = 0; i < cfg_option_count; i++) mem_free(slots[i].str);
    mem_free(slots);
}

void config_free(config *c) {
    if (c == NULL) return;
    free_slots(c->slots);
    cfg_special_fini(&c->sp);
    mem_free(c->file);
    mem_free(c);
}

const config_values *config_get_values(const config *c) {
    return &c->v;
}

const char *config_file_path(const config *c) {
    return c->file;
}

void config_set_file_path(config *c, const char *path) {
    mem_free(c->file);
    c->file = path ? absolute_path(path) : NULL;
}

void config_set_apply_hook(config *c, config_apply_fn fn, void *ctx) {
    c->hook = fn;
    c->hook_ctx = ctx;
}

bool config_is_sensitive(const config *c, const char *name, size_t len) {
    (void)c;
    int i = cfg_find(name, len, NULL);
    return i >= 0 && (cfg_options[i].flags & CFG_F_SENSITIVE);
}

char *config_get_value(config *c, const char *name) {
    int i = cfg_find(name, strlen(name), NULL);
    if (i < 0) return NULL;
    buf out;
    buf_init(&out);
    cfg_format_value(c, i, &out);
    char *s = mem_strndup(out.data, out.len);
    buf_fini(&out);
    return s;
}

/* ------------------------------------------------------------------------
 * CONFIG GET
 * ---------------------------------------------------------------------- */

void config_get_matching(config *c, int npatterns, const char *const *patterns, const size_t *lens,
                         void (*fn)(void *ctx, const char *name, const char *value), void *ctx) {
    /* One flag per name: [2i] the option, [2i+1] its alias. */
    bool *seen = mem_calloc((size_t)cfg_option_count * 2, sizeof(bool));
    buf val;
    buf_init(&val);
    for (int p = 0; p < npatterns; p++) {
        const char *pat = patterns[p];
        size_t plen = lens[p];
        bool is_pattern = memchr(pat, '*', plen) || memchr(pat, '?', plen) || memchr(pat, '[', plen);
        if (!is_pattern) {
            bool alias;
            int i = cfg_find(pat, plen, &alias);
            if (i < 0 || seen[2 * i + alias]) continue;
            seen[2 * i + alias] = true;
            buf_clear(&val);
            cfg_format_value(c, i, &val);
            /* Redis compat: an exact name is echoed as the client spelled it. */
            char *name = mem_strndup(pat, plen);
            fn(ctx, name, val.data);
            mem_free(name);
            continue;
        }
        for (int i = 0; i < cfg_option_count; i++) {
            const cfg_option *o = &cfg_options[i];
            if (o->flags & CFG_F_HIDDEN) continue;
            for (int alias = 0; alias < 2; alias++) {
                const char *name = alias ? o->alias : o->name;
                if (name == NULL || seen[2 * i + alias]) continue;
                if (!glob_match(pat, plen, name, strlen(name), true)) continue;
                seen[2 * i + alias] = true;
                buf_clear(&val);
                cfg_format_value(c, i, &val);
                fn(ctx, name, val.data);
            }
        }
    }
    buf_fini(&val);
    mem_free(seen);
}

/* ------------------------------------------------------------------------
 * CONFIG SET
 * ---------------------------------------------------------------------- */

typedef struct snapshot {
    cfg_slot *slots;
    cfg_special_state sp;
} snapshot;

static void snapshot_take(const config *c, snapshot *s) {
    s->slots = mem_calloc((size_t)cfg_option_count, sizeof(cfg_slot));
    for (int i = 0; i < cfg_option_count; i++) {
        s->slots[i].num = c->slots[i].num;
        s->slots[i].str = c->slots[i].str ? mem_strdup(c->slots[i].str) : NULL;
    }
    cfg_special_copy(&s->sp, &c->sp);
}

/* Puts the snapshot back (consuming it). */
static void snapshot_restore(config *c, snapshot *s) {
    /* dir is the one value with an outside effect. If going back fails
     * there is nothing better to do than to keep the old value anyway. */
    if (strcmp(c->sp.dir, s->sp.dir) != 0) {
        int rc = chdir(s->sp.dir);
        (void)rc;
    }
    free_slots(c->slots);
    cfg_special_fini(&c->sp);
    c->slots = s->slots;
    c->sp = s->sp;
    s->slots = NULL;
    mirror_all(c);
}

static void snapshot_free(snapshot *s) {
    if (s->slots == NULL) return;
    free_slots(s->slots);
    cfg_special_fini(&s->sp);
    s->slots = NULL;
}

static const char *registered_name(int i, bool alias) {
    return alias ? cfg_options[i].alias : cfg_options[i].name;
}

/* Redis compat: CONFIG SET splits multi-argument values on single spaces,
 * so "a  b" has an empty middle argument and "" has none. */
static int split_spaces(char *value, char ***argv) {
    int n = 0;
    if (value[0] == '\0') {
        *argv = NULL;
        return 0;
    }
    for (const char *p = value; *p; p++) n += *p == ' ';
    n++;
    *argv = mem_alloc(sizeof(char *) * (size_t)n);
    int k = 0;
    char *start = value;
    for (char *p = value;; p++) {
        if (*p == ' ' || *p == '\0') {
            bool last = *p == '\0';
            *p = '\0';
            (*argv)[k++] = start;
            start = p + 1;
            if (last) break;
        }
    }
    return n;
}

static bool protected_allowed(const config *c, unsigned flags) {
    int i = cfg_find("enable-protected-configs", strlen("enable-protected-configs"), NULL);
    int64_t mode = c->slots[i].num;
    return mode == CFG_PROTECTED_YES || (mode == CFG_PROTECTED_LOCAL && (flags & CFG_SET_LOCAL_CLIENT));
}

typedef struct set_plan {
    int *opt;
    bool *alias;
    int *apply;       /* distinct classes in order of first change */
    int *apply_owner; /* pair index that brought the class in */
    int napply;
} set_plan;

/* First pass: every name must exist, be settable and appear once. */
static int set_check_names(const config *c, unsigned flags, int npairs, const char *const *names,
                           const size_t *name_lens, set_plan *plan, buf *err) {
    for (int k = 0; k < npairs; k++) {
        bool alias;
        int i = cfg_find(names[k], name_lens[k], &alias);
        const char *why = NULL;
        if (i < 0) {
            buf_clear(err);
            buf_append_str(err, "ERR Unknown option or number of arguments for CONFIG SET - '");
            buf_append(err, names[k], name_lens[k]);
            buf_append_char(err, '\'');
            return -1;
        }
        const cfg_option *o = &cfg_options[i];
        if (o->flags & CFG_F_IMMUTABLE) {
            why = "can't set immutable config";
        } else if ((o->flags & CFG_F_PROTECTED) && !protected_allowed(c, flags)) {
            why = "can't set protected config";
        } else if ((o->flags & CFG_F_DENY_LOADING) && (flags & CFG_SET_LOADING)) {
            buf_clear(err);
            buf_append_str(err, ERRMSG_LOADING);
            return -1;
        } else {
            for (int j = 0; j < k; j++) {
                /* Redis compat: an option and its alias do not count as duplicates. */
                if (plan->opt[j] == i && plan->alias[j] == alias) why = "duplicate parameter";
            }
        }
        if (why) {
            buf_clear(err);
            buf_append_str(err, "ERR CONFIG SET failed (possibly related to argument '");
            buf_append(err, names[k], name_lens[k]);
            buf_printf(err, "') - %s", why);
            return -1;
        }
        plan->opt[k] = i;
        plan->alias[k] = alias;
    }
    return 0;
}

static void set_error(buf *err, const char *name, const buf *reason) {
    buf_clear(err);
    buf_printf(err, "ERR CONFIG SET failed (possibly related to argument '%s')", name);
    if (reason->len) buf_printf(err, " - %s", reason->data);
}

/* Second pass: store every value in order. */
static int set_store_all(config *c, int npairs, const char *const *values, const size_t *value_lens,
                         set_plan *plan, buf *err) {
    buf reason;
    buf_init(&reason);
    int rc = 0;
    for (int k = 0; rc == 0 && k < npairs; k++) {
        int i = plan->opt[k];
        const cfg_option *o = &cfg_options[i];
        char *value = mem_strndup(values[k], value_lens[k]);
        char **argv = &value;
        int argc = 1;
        if (o->flags & CFG_F_MULTI_ARG) argc = split_spaces(value, &argv);
        bool changed;
        buf_clear(&reason);
        rc = set_option_mirrored(c, i, argc, argv, &reason, &changed);
        if (argv != &value) mem_free(argv);
        mem_free(value);
        if (rc < 0) {
            set_error(err, registered_name(i, plan->alias[k]), &reason);
        } else if (changed && o->apply != CFG_APPLY_NONE) {
            bool known = false;
            for (int a = 0; a < plan->napply; a++) known |= plan->apply[a] == o->apply;
            if (!known) {
                plan->apply[plan->napply] = o->apply;
                plan->apply_owner[plan->napply++] = k;
            }
        }
    }
    buf_fini(&reason);
    return rc;
}

/* Third pass: let the server act on the changes. */
static int set_apply_all(config *c, set_plan *plan, snapshot *snap, buf *err) {
    if (c->hook == NULL) return 0;
    buf reason;
    buf_init(&reason);
    for (int a = 0; a < plan->napply; a++) {
        buf_clear(&reason);
        if (c->hook(c->hook_ctx, (enum config_apply)plan->apply[a], &reason) >= 0) continue;
        int k = plan->apply_owner[a];
        snapshot_restore(c, snap);
        /* Re-apply the old values for every class the new ones touched. */
        buf ignored;
        buf_init(&ignored);
        for (int b = 0; b < plan->napply; b++) {
            buf_clear(&ignored);
            (void)c->hook(c->hook_ctx, (enum config_apply)plan->apply[b], &ignored);
        }
        buf_fini(&ignored);
        set_error(err, registered_name(plan->opt[k], plan->alias[k]), &reason);
        buf_fini(&reason);
        return -1;
    }
    buf_fini(&reason);
    return 0;
}

int config_set_ex(config *c, unsigned flags, int npairs, const char *const *names,
                  const size_t *name_lens, const char *const *values, const size_t *value_lens,
                  buf *err) {
    set_plan plan;
    size_t n = npairs > 0 ? (size_t)npairs : 1;
    plan.opt = mem_calloc(n, sizeof(int));
    plan.alias = mem_calloc(n, sizeof(bool));
    plan.apply = mem_calloc(n, sizeof(int));
    plan.apply_owner = mem_calloc(n, sizeof(int));
    plan.napply = 0;
    int rc = set_check_names(c, flags, npairs, names, name_lens, &plan, err);
    if (rc == 0) {
        snapshot snap;
        snapshot_take(c, &snap);
        rc = set_store_all(c, npairs, values, value_lens, &plan, err);
        if (rc < 0) snapshot_restore(c, &snap);
        else rc = set_apply_all(c, &plan, &snap, err);
        snapshot_free(&snap);
    }
    mem_free(plan.opt);
    mem_free(plan.alias);
    mem_free(plan.apply);
    mem_free(plan.apply_owner);
    return rc;
}

int config_set(config *c, int npairs, const char *const *names, const size_t *name_lens,
               const char *const *values, const size_t *value_lens, buf *err) {
    return config_set_ex(c, 0, npairs, names, name_lens, values, value_lens, err);
}

void config_set_replicaof(config *c, const char *host, int port) {
    mem_free(c->sp.replicaof_host);
    c->sp.replicaof_host = host ? mem_strdup(host) : NULL;
    c->sp.replicaof_port = host ? port : 0;
    mirror_all(c);
}
