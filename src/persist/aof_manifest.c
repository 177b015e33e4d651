/* aof_manifest: the multi-part AOF's manifest and the directory it lives in.
 *
 * The parser reproduces how Redis 7.0 reads a manifest, because a manifest
 * Redis accepts must load here and one Redis refuses must be refused for the
 * same reason: Redis reads it with fgets() into a 1025-byte buffer, so a
 * "line" is at most 1024 bytes; a piece without its '\n' (a longer line, a
 * last line without newline, or a NUL byte ahead of the newline, where
 * strchr stops) is "too long"; a piece starting with '#' is a comment even
 * when it is the tail of a long line. The reason texts are Redis's own. Where
 * Redis reads garbage without noticing (atoll on the sequence, the first
 * letter of the type, an empty or NUL-cut name) we refuse instead.
 *
 * Edits follow Redis's list operations exactly (a new history entry goes to
 * the front), so the text we write after a rewrite is the text Redis would
 * write. */
#include "persist/aof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/number.h"
#include "base/status.h"

#define MANIFEST_MAX_BYTES (64 * 1024 * 1024)

static const char REASON_EMPTY[] = "Found an empty AOF manifest";
static const char REASON_READ[] = "Read AOF manifest failed";
static const char REASON_LONG[] = "The AOF manifest file contains too long line";
static const char REASON_FORMAT[] = "Invalid AOF manifest file format";
static const char REASON_PATH[] = "File can't be a path, just a filename";
static const char REASON_DUP_BASE[] = "Found duplicate base file information";
static const char REASON_SEQ[] = "Found a non-monotonic sequence number";
static const char REASON_TYPE[] = "Unknown AOF file type";

/* ---- paths and names ---- */

void aof_path(const aof_paths *p, const char *name, buf *out) {
    buf_clear(out);
    buf_printf(out, "%s/%s/%s", p->dir, p->dirname, name);
}

static void dir_path(const aof_paths *p, buf *out) {
    buf_clear(out);
    buf_printf(out, "%s/%s", p->dir, p->dirname);
}

void aof_manifest_name(const char *filename, buf *out) {
    buf_clear(out);
    buf_printf(out, "%s.manifest", filename);
}

void aof_temp_manifest_name(const char *filename, buf *out) {
    buf_clear(out);
    buf_printf(out, "temp-%s.manifest", filename);
}

void aof_temp_incr_name(const char *filename, buf *out) {
    buf_clear(out);
    buf_printf(out, "temp-%s.incr", filename);
}

bool aof_name_is_plain(const char *name) {
    return name[0] != '\0' && strchr(name, '/') == NULL && strchr(name, '\\') == NULL &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* ---- the manifest value ---- */

void aof_manifest_init(aof_manifest *m) {
    memset(m, 0, sizeof(*m));
}

static void info_fini(aof_file_info *ai) {
    mem_free(ai->name);
    ai->name = NULL;
}

void aof_manifest_fini(aof_manifest *m) {
    if (m->base) {
        info_fini(m->base);
        mem_free(m->base);
    }
    for (size_t i = 0; i < m->history_len; i++) info_fini(&m->history[i]);
    for (size_t i = 0; i < m->incr_len; i++) info_fini(&m->incr[i]);
    mem_free(m->history);
    mem_free(m->incr);
    aof_manifest_init(m);
}

static aof_file_info *list_copy(const aof_file_info *src, size_t len) {
    if (len == 0) return NULL;
    aof_file_info *dst = mem_alloc(sizeof(*dst) * len);
    for (size_t i = 0; i < len; i++) {
        dst[i] = src[i];
        dst[i].name = mem_strdup(src[i].name);
    }
    return dst;
}

void aof_manifest_copy(aof_manifest *dst, const aof_manifest *src) {
    *dst = *src;
    if (src->base) {
        dst->base = mem_alloc(sizeof(*dst->base));
        *dst->base = *src->base;
        dst->base->name = mem_strdup(src->base->name);
    }
    dst->history = list_copy(src->history, src->history_len);
    dst->history_cap = src->history_len;
    dst->incr = list_copy(src->incr, src->incr_len);
    dst->incr_cap = src->incr_len;
}

static bool info_equal(const aof_file_info *a, const aof_file_info *b) {
    return a->seq == b->seq && a->type == b->type && strcmp(a->name, b->name) == 0;
}

static bool list_equal(const aof_file_info *a, size_t alen, const aof_file_info *b, size_t blen) {
    if (alen != blen) return false;
    for (size_t i = 0; i < alen; i++)
        if (!info_equal(&a[i], &b[i])) return false;
    return true;
}

bool aof_manifest_equal(const aof_manifest *a, const aof_manifest *b) {
    if ((a->base == NULL) != (b->base == NULL)) return false;
    if (a->base && !info_equal(a->base, b->base)) return false;
    return a->base_seq == b->base_seq && a->incr_seq == b->incr_seq &&
           list_equal(a->history, a->history_len, b->history, b->history_len) &&
           list_equal(a->incr, a->incr_len, b->incr, b->incr_len);
}

/* Adds an entry at index at (0 = front) of a list, taking ownership of name. */
static aof_file_info *list_insert(aof_file_info **list, size_t *len, size_t *cap, size_t at,
                                  char *name, int64_t seq, char type) {
    if (*len == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *list = mem_realloc(*list, sizeof(**list) * *cap);
    }
    memmove(*list + at + 1, *list + at, sizeof(**list) * (*len - at));
    (*list)[at] = (aof_file_info){.name = name, .seq = seq, .type = type};
    (*len)++;
    return &(*list)[at];
}

/* ---- parsing ---- */

/* Redis writes a name in quotes when it has a byte sdscatrepr would escape
 * or a space. A single quote is not among them in Redis, but unquoted it
 * would open a quoted token on the way back in, so we quote it too. */
static bool name_needs_quotes(const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c > 0x7e || c == '\\' || c == '"' || c == '\'') return true;
    }
    return false;
}

static int parse_fail(aof_manifest *m, aof_manifest_error *e, buf *err, int line,
                      const char *text, size_t text_len, const char *reason) {
    aof_manifest_fini(m);
    if (e) {
        e->line = line;
        e->reason = reason;
    }
    if (err) {
        buf_clear(err);
        buf_append_str(err, reason);
        if (line > 0) {
            buf_printf(err, " (manifest line %d", line);
            if (text) {
                buf_append_str(err, ": ");
                buf_append_quoted(err, text, text_len);
            }
            buf_append_char(err, ')');
        }
    }
    return ERR_SYNTAX;
}

static bool key_is(const resp_arg *a, const char *key) {
    return a->len == strlen(key) && strncasecmp(a->ptr, key, a->len) == 0;
}

typedef struct line_fields {
    char *name;
    int64_t seq;
    char type;
    const char *reason; /* set when the line is refused */
} line_fields;

/* Reads the key/value pairs of one split line. Later pairs win over earlier
 * ones with the same key, as in Redis. */
static void read_fields(resp_arg *argv, int argc, line_fields *f) {
    for (int i = 0; i < argc && !f->reason; i += 2) {
        const resp_arg *val = &argv[i + 1];
        if (key_is(&argv[i], "file")) {
            mem_free(f->name);
            f->name = NULL;
            if (memchr(val->ptr, '\0', val->len)) {
                f->reason = REASON_FORMAT;
                break;
            }
            f->name = mem_strndup(val->ptr, val->len);
            if (val->len && !aof_name_is_plain(f->name)) f->reason = REASON_PATH;
        } else if (key_is(&argv[i], "seq")) {
            int64_t seq;
            f->seq = number_parse_i64(val->ptr, val->len, &seq) && seq > 0 ? seq : 0;
        } else if (key_is(&argv[i], "type")) {
            /* Redis takes the first letter; a longer word is not a type. */
            f->type = val->len == 0 ? 0 : val->len == 1 ? val->ptr[0] : '?';
        }
    }
    if (!f->reason && (f->name == NULL || f->name[0] == '\0' || f->seq == 0 || f->type == 0))
        f->reason = REASON_FORMAT;
}

/* Adds a parsed line to m; returns the reason when it cannot be added. */
static const char *add_entry(aof_manifest *m, line_fields *f) {
    switch (f->type) {
    case AOF_FILE_BASE:
        if (m->base) return REASON_DUP_BASE;
        m->base = mem_alloc(sizeof(*m->base));
        *m->base = (aof_file_info){.name = f->name, .seq = f->seq, .type = AOF_FILE_BASE};
        m->base_seq = f->seq;
        break;
    case AOF_FILE_HIST:
        list_insert(&m->history, &m->history_len, &m->history_cap, m->history_len, f->name, f->seq,
                    AOF_FILE_HIST);
        break;
    case AOF_FILE_INCR:
        /* m->incr_seq is the last incr's sequence, 0 before the first. */
        if (f->seq <= m->incr_seq) return REASON_SEQ;
        list_insert(&m->incr, &m->incr_len, &m->incr_cap, m->incr_len, f->name, f->seq,
                    AOF_FILE_INCR);
        m->incr_seq = f->seq;
        break;
    default: return REASON_TYPE;
    }
    f->name = NULL; /* now owned by m */
    return NULL;
}

static bool is_trim_char(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int aof_manifest_parse(aof_manifest *m, const char *data, size_t len, aof_manifest_error *e,
                       buf *err) {
    aof_manifest_init(m);
    if (e) {
        e->line = 0;
        e->reason = NULL;
    }
    resp_arg *argv = NULL;
    int argv_cap = 0;
    char *copy = NULL;
    size_t pos = 0;
    int linenum = 0;
    int rc = 0;
    while (pos < len) {
        /* One fgets() worth: up to and including '\n', at most MAX_LINE. */
        size_t room = len - pos < AOF_MANIFEST_MAX_LINE ? len - pos : AOF_MANIFEST_MAX_LINE;
        const char *start = data + pos;
        const char *nl = memchr(start, '\n', room);
        size_t piece = nl ? (size_t)(nl - start) + 1 : room;
        pos += piece;
        linenum++;
        if (start[0] == '#') continue;
        if (nl == NULL || memchr(start, '\0', piece) != NULL) {
            rc = parse_fail(m, e, err, linenum, NULL, 0, REASON_LONG);
            break;
        }
        size_t a = 0, b = piece;
        while (a < b && is_trim_char(start[a])) a++;
        while (b > a && is_trim_char(start[b - 1])) b--;
        const char *text = start + a;
        size_t text_len = b - a;
        if (text_len == 0) {
            rc = parse_fail(m, e, err, linenum, text, 0, REASON_FORMAT);
            break;
        }
        /* The splitter unescapes in place: work on a copy. */
        mem_free(copy);
        copy = mem_strndup(text, text_len);
        int argc = resp_split_line(copy, text_len, &argv, &argv_cap);
        if (argc < 6 || argc % 2 != 0) {
            rc = parse_fail(m, e, err, linenum, text, text_len, REASON_FORMAT);
            break;
        }
        line_fields f = {0};
        read_fields(argv, argc, &f);
        const char *reason = f.reason ? f.reason : add_entry(m, &f);
        mem_free(f.name);
        if (reason) {
            rc = parse_fail(m, e, err, linenum, text, text_len, reason);
            break;
        }
    }
    if (rc == 0 && linenum == 0) rc = parse_fail(m, e, err, 0, NULL, 0, REASON_EMPTY);
    mem_free(copy);
    mem_free(argv);
    if (rc == 0) m->dirty = false;
    return rc;
}

/* ---- formatting ---- */

static void format_info(const aof_file_info *ai, buf *out) {
    buf_append_str(out, "file ");
    if (name_needs_quotes(ai->name))
        buf_append_quoted(out, ai->name, strlen(ai->name));
    else
        buf_append_str(out, ai->name);
    buf_printf(out, " seq %lld type %c\n", (long long)ai->seq, ai->type);
}

void aof_manifest_format(const aof_manifest *m, buf *out) {
    if (m->base) format_info(m->base, out);
    for (size_t i = 0; i < m->history_len; i++) format_info(&m->history[i], out);
    for (size_t i = 0; i < m->incr_len; i++) format_info(&m->incr[i], out);
}

/* ---- edits ---- */

const char *aof_manifest_new_incr(aof_manifest *m, const char *filename) {
    buf name;
    buf_init(&name);
    int64_t seq = ++m->incr_seq;
    buf_printf(&name, "%s.%lld.incr.aof", filename, (long long)seq);
    aof_file_info *ai =
        list_insert(&m->incr, &m->incr_len, &m->incr_cap, m->incr_len, name.data, seq,
                    AOF_FILE_INCR);
    m->dirty = true;
    return ai->name;
}

const char *aof_manifest_last_incr(aof_manifest *m, const char *filename, bool *created) {
    if (created) *created = m->incr_len == 0;
    if (m->incr_len == 0) return aof_manifest_new_incr(m, filename);
    return m->incr[m->incr_len - 1].name;
}

const char *aof_manifest_new_base(aof_manifest *m, const char *filename, bool rdb) {
    if (m->base) {
        list_insert(&m->history, &m->history_len, &m->history_cap, 0, m->base->name, m->base->seq,
                    AOF_FILE_HIST);
        mem_free(m->base);
    }
    buf name;
    buf_init(&name);
    int64_t seq = ++m->base_seq;
    buf_printf(&name, "%s.%lld.base.%s", filename, (long long)seq, rdb ? "rdb" : "aof");
    m->base = mem_alloc(sizeof(*m->base));
    *m->base = (aof_file_info){.name = name.data, .seq = seq, .type = AOF_FILE_BASE};
    m->dirty = true;
    return m->base->name;
}

void aof_manifest_incr_to_history(aof_manifest *m, bool keep_last) {
    if (m->incr_len == 0) return;
    size_t keep = keep_last ? 1 : 0;
    size_t move = m->incr_len - keep;
    /* Redis walks the incr list from its tail and pushes each file to the
     * front of the history, so the oldest incr ends up first. */
    for (size_t i = move; i-- > 0;) {
        list_insert(&m->history, &m->history_len, &m->history_cap, 0, m->incr[i].name,
                    m->incr[i].seq, AOF_FILE_HIST);
    }
    memmove(m->incr, m->incr + move, sizeof(*m->incr) * keep);
    m->incr_len = keep;
    m->dirty = true;
}

const char *aof_manifest_rewrite_done(aof_manifest *m, const char *filename, bool rdb) {
    const char *name = aof_manifest_new_base(m, filename, rdb);
    aof_manifest_incr_to_history(m, true);
    return name;
}

void aof_manifest_clear_history(aof_manifest *m) {
    for (size_t i = 0; i < m->history_len; i++) info_fini(&m->history[i]);
    m->history_len = 0;
    m->dirty = true;
}

/* ---- disk ---- */

static int fsync_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = 0;
    /* Some file systems cannot sync a directory; that is not a failure. */
    if (fsync(fd) < 0 && errno != EINVAL && errno != EBADF) rc = -errno;
    close(fd);
    return rc;
}

static int write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int aof_dir_create(const aof_paths *p, buf *err) {
    buf path;
    buf_init(&path);
    dir_path(p, &path);
    int rc = 0;
    if (mkdir(path.data, 0755) < 0 && errno != EEXIST) rc = -errno;
    struct stat st;
    if (rc == 0 && (stat(path.data, &st) < 0 || !S_ISDIR(st.st_mode))) rc = -ENOTDIR;
    if (rc != 0) {
        buf_clear(err);
        buf_printf(err, "Can't open or create append-only dir %s: %s", p->dirname, strerror(-rc));
    }
    buf_fini(&path);
    return rc;
}

int aof_manifest_persist(aof_manifest *m, const aof_paths *p, buf *err) {
    if (!m->dirty) return 0;
    buf name, tmp_name, path, tmp_path, text;
    buf_init(&name);
    buf_init(&tmp_name);
    buf_init(&path);
    buf_init(&tmp_path);
    buf_init(&text);
    aof_manifest_name(p->filename, &name);
    aof_temp_manifest_name(p->filename, &tmp_name);
    aof_path(p, name.data, &path);
    aof_path(p, tmp_name.data, &tmp_path);
    aof_manifest_format(m, &text);

    int rc = 0;
    int fd = open(tmp_path.data, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
    buf_clear(err);
    if (fd < 0) {
        rc = -errno;
        buf_printf(err, "Can't open the AOF manifest file %s: %s", tmp_name.data, strerror(-rc));
    }
    if (rc == 0 && (rc = write_all(fd, text.data, text.len)) != 0)
        buf_printf(err, "Error trying to write the temporary AOF manifest file %s: %s",
                   tmp_name.data, strerror(-rc));
    if (rc == 0 && fsync(fd) < 0) {
        rc = -errno;
        buf_printf(err, "Fail to fsync the temp AOF file %s: %s.", tmp_name.data, strerror(-rc));
    }
    if (fd >= 0) close(fd);
    if (rc == 0 && rename(tmp_path.data, path.data) < 0) {
        rc = -errno;
        buf_printf(err, "Error trying to rename the temporary AOF manifest file %s into %s: %s",
                   tmp_name.data, name.data, strerror(-rc));
    }
    if (rc == 0) {
        /* The rename, and any file created since the last sync, must
         * survive a crash too. */
        dir_path(p, &tmp_path);
        if ((rc = fsync_dir(tmp_path.data)) != 0)
            buf_printf(err, "Fail to fsync AOF directory %s: %s.", path.data, strerror(-rc));
    } else if (fd >= 0) {
        unlink(tmp_path.data);
    }
    if (rc == 0) m->dirty = false;
    buf_fini(&name);
    buf_fini(&tmp_name);
    buf_fini(&path);
    buf_fini(&tmp_path);
    buf_fini(&text);
    return rc;
}

/* Reads a whole (small) file into out. */
static int read_file(const char *path, size_t limit, buf *out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = 0;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = -errno;
            break;
        }
        if (n == 0) break;
        if (out->len + (size_t)n > limit) {
            rc = ERR_LIMIT;
            break;
        }
        buf_append(out, chunk, (size_t)n);
    }
    close(fd);
    return rc;
}

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int aof_manifest_load(const aof_paths *p, aof_manifest *m, aof_manifest_error *e, buf *err) {
    aof_manifest_init(m);
    if (e) {
        e->line = 0;
        e->reason = NULL;
    }
    buf name, path, text;
    buf_init(&name);
    buf_init(&path);
    buf_init(&text);
    dir_path(p, &path);
    int rc = 0;
    if (!is_dir(path.data)) rc = -ENOENT;
    aof_manifest_name(p->filename, &name);
    aof_path(p, name.data, &path);
    if (rc == 0 && !is_file(path.data)) rc = -ENOENT;
    if (rc == 0) {
        rc = read_file(path.data, MANIFEST_MAX_BYTES, &text);
        buf_clear(err);
        if (rc == ERR_LIMIT) {
            buf_printf(err, "%s: %s is larger than %d bytes", REASON_READ, path.data,
                       MANIFEST_MAX_BYTES);
        } else if (rc != 0) {
            buf_printf(err, "Fatal error: can't open the AOF manifest file %s for reading: %s",
                       path.data, strerror(-rc));
        }
        if (rc != 0 && e) e->reason = REASON_READ;
    }
    if (rc == 0) rc = aof_manifest_parse(m, text.data ? text.data : "", text.len, e, err);
    buf_fini(&name);
    buf_fini(&path);
    buf_fini(&text);
    return rc;
}

int aof_delete_history(const aof_paths *p, aof_manifest *m, buf *err) {
    buf path;
    buf_init(&path);
    int rc = 0;
    for (size_t i = 0; i < m->history_len; i++) {
        aof_path(p, m->history[i].name, &path);
        if (unlink(path.data) < 0 && errno != ENOENT && rc == 0) {
            rc = -errno;
            buf_clear(err);
            buf_printf(err, "Can't remove the history file %s: %s", m->history[i].name,
                       strerror(-rc));
        }
    }
    /* As in Redis, a file that could not be removed is dropped from the
     * manifest all the same: it is garbage either way. */
    aof_manifest_clear_history(m);
    buf_fini(&path);
    return rc;
}

static int add_size(const aof_paths *p, const char *name, int64_t *total, buf *path, buf *err) {
    aof_path(p, name, path);
    struct stat st;
    if (stat(path->data, &st) < 0) {
        int rc = -errno;
        buf_clear(err);
        buf_printf(err, "Unable to obtain the AOF file %s length. stat: %s", name, strerror(-rc));
        return rc;
    }
    *total += (int64_t)st.st_size;
    return 0;
}

int aof_files_size(const aof_paths *p, const aof_manifest *m, int64_t *total, buf *err) {
    buf path;
    buf_init(&path);
    *total = 0;
    int rc = 0;
    if (m->base) rc = add_size(p, m->base->name, total, &path, err);
    for (size_t i = 0; rc == 0 && i < m->incr_len; i++)
        rc = add_size(p, m->incr[i].name, total, &path, err);
    buf_fini(&path);
    if (rc != 0) *total = 0;
    return rc;
}

/* ---- upgrade from a single appendonly.aof ---- */

int aof_upgrade_needed(const aof_paths *p, const aof_manifest *m, bool *needed) {
    buf path;
    buf_init(&path);
    *needed = false;
    buf_printf(&path, "%s/%s", p->dir, p->filename);
    if (is_file(path.data)) {
        dir_path(p, &path);
        bool have_dir = is_dir(path.data);
        aof_path(p, p->filename, &path);
        bool empty = m->base == NULL && m->incr_len == 0;
        bool half_done = m->base != NULL && m->incr_len == 0 &&
                         strcmp(m->base->name, p->filename) == 0 && !is_file(path.data);
        *needed = !have_dir || empty || half_done;
    }
    buf_fini(&path);
    return 0;
}

int aof_upgrade(const aof_paths *p, aof_manifest *m, buf *err) {
    int rc = aof_dir_create(p, err);
    if (rc != 0) return rc;
    if (m->base) {
        info_fini(m->base);
    } else {
        m->base = mem_alloc(sizeof(*m->base));
    }
    *m->base = (aof_file_info){.name = mem_strdup(p->filename), .seq = 1, .type = AOF_FILE_BASE};
    m->base_seq = 1;
    m->dirty = true;
    rc = aof_manifest_persist(m, p, err);
    if (rc != 0) return rc;

    buf from, to;
    buf_init(&from);
    buf_init(&to);
    buf_printf(&from, "%s/%s", p->dir, p->filename);
    aof_path(p, p->filename, &to);
    if (rename(from.data, to.data) < 0) {
        rc = -errno;
        buf_clear(err);
        buf_printf(err, "Error trying to move the old AOF file %s into dir %s: %s", p->filename,
                   p->dirname, strerror(-rc));
    } else {
        dir_path(p, &to);
        /* Both directories changed; a crash before these syncs is fine (the
         * upgrade is redone), so their failure is not reported. */
        (void)fsync_dir(to.data);
        (void)fsync_dir(p->dir);
    }
    buf_fini(&from);
    buf_fini(&to);
    return rc;
}
