/* aof_reader: command-by-command reading of an AOF, with the verdicts the
 * loader needs at the end: clean, torn tail, or corrupt.
 *
 * Requests are cut by the protocol layer's resp_parser, which keeps offsets
 * rather than pointers and allocates nothing in proportion to an announced
 * length; this file only feeds it bytes through a window and adds what is
 * particular to AOF files. Those rules follow Redis 7.0's loader
 * (loadSingleAppendOnlyFile):
 *   - between commands, a line starting with '#' is an annotation (skipped);
 *     anything else that is not '*' is a format error;
 *   - "*0" or a negative count is a format error, not an empty request;
 *   - running out of bytes anywhere inside a command is a short read (a torn
 *     tail), except that a partial line which already cannot be a count line
 *     ("*" or "$" followed by digits) is a format error, as Redis sees it
 *     when fgets() returns that last partial line;
 *   - the two bytes after a payload are not checked (neither does Redis).
 * Where we part from Redis: an annotation torn by the end of the file counts
 * as a torn tail (Redis loads it and would glue the next appended command to
 * it), and an annotation line that does not fit Redis's 1024-byte line
 * buffer is a format error (Redis would read its remainder as a new line). */
#include "persist/aof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/status.h"

/* fgets(buf, 1024) in Redis: an annotation must fit in 1023 bytes. */
#define ANNOTATION_MAX (AOF_MANIFEST_MAX_LINE - 1)

static void reader_init(aof_reader *r) {
    memset(r, 0, sizeof(*r));
    resp_parser_init(&r->parser, INT64_MAX);
    r->parser.authenticated = true;
    buf_init(&r->err);
    r->multi_offset = -1;
    r->fd = -1;
    r->chunk = AOF_READ_CHUNK;
}

void aof_reader_init_fd(aof_reader *r, int fd, int64_t start_offset) {
    reader_init(r);
    r->fd = fd;
    r->src_pos = start_offset;
    r->win_base = start_offset;
}

void aof_reader_init_mem(aof_reader *r, const void *data, size_t len) {
    reader_init(r);
    r->mem = data;
    r->mem_len = len;
}

void aof_reader_set_chunk(aof_reader *r, size_t chunk) {
    r->chunk = chunk ? chunk : 1;
}

void aof_reader_fini(aof_reader *r) {
    resp_parser_fini(&r->parser);
    mem_free(r->win);
    buf_fini(&r->err);
    r->win = NULL;
    r->argv = NULL;
    r->argc = 0;
}

/* Reads more of the source into the window. Returns 1 with bytes added, 0
 * at the end of the source, -errno on a read error. The window is compacted
 * first when that frees enough room, and doubles only when the unread bytes
 * (one command in progress) fill it. */
static int fill(aof_reader *r) {
    if (r->eof) return 0;
    if (r->win_start > 0 && (r->win_len == r->win_cap || r->win_start >= r->win_cap / 2)) {
        memmove(r->win, r->win + r->win_start, r->win_len - r->win_start);
        r->win_base += (int64_t)r->win_start;
        r->win_len -= r->win_start;
        r->win_start = 0;
    }
    if (r->win_len == r->win_cap) {
        size_t cap = r->win_cap ? r->win_cap * 2 : r->chunk;
        r->win = mem_realloc(r->win, cap);
        r->win_cap = cap;
    }
    size_t want = r->win_cap - r->win_len;
    if (want > r->chunk) want = r->chunk;
    size_t got;
    if (r->fd < 0) {
        size_t left = r->mem_len - (size_t)r->src_pos;
        got = want < left ? want : left;
        if (got) memcpy(r->win + r->win_len, r->mem + r->src_pos, got);
    } else {
        ssize_t n;
        do {
            n = pread(r->fd, r->win + r->win_len, want, (off_t)r->src_pos);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return -errno;
        got = (size_t)n;
    }
    if (got == 0) {
        r->eof = true;
        return 0;
    }
    r->win_len += got;
    r->src_pos += (int64_t)got;
    return 1;
}

/* The unread part of the window (NULL before the first read). */
static char *unread(const aof_reader *r) {
    return r->win ? r->win + r->win_start : NULL;
}

static int64_t here(const aof_reader *r) {
    return r->win_base + (int64_t)r->win_start;
}

static enum aof_read_status finish(aof_reader *r, enum aof_read_status st, int64_t at,
                                   const char *fmt, ...) PRINTF_LIKE(4, 5);

static enum aof_read_status finish(aof_reader *r, enum aof_read_status st, int64_t at,
                                   const char *fmt, ...) {
    r->done = st;
    r->error_offset = at;
    r->argc = 0;
    r->argv = NULL;
    buf_clear(&r->err);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        char text[256];
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        buf_append_str(&r->err, text);
    }
    return st;
}

static bool arg_is(const resp_arg *a, const char *word) {
    return a->len == strlen(word) && strncasecmp(a->ptr, word, a->len) == 0;
}

static enum aof_read_status command_ready(aof_reader *r, size_t consumed) {
    r->argc = r->parser.argc;
    r->argv = r->parser.argv;
    r->offset = here(r);
    r->end = r->offset + (int64_t)consumed;
    r->win_start += consumed;
    r->valid_up_to = r->end;
    r->commands++;
    if (arg_is(&r->argv[0], "multi")) {
        /* A MULTI inside a MULTI does not move the cut point: everything
         * from the first one on is one unfinished transaction. */
        if (!r->in_multi) r->multi_offset = r->offset;
        r->in_multi = true;
    } else if (arg_is(&r->argv[0], "exec")) {
        r->in_multi = false;
        r->multi_offset = -1;
    }
    return AOF_READ_COMMAND;
}

/* True when s[0..n) can still grow into a "<marker><digits>\r\n" line. */
static bool partial_count_line(const char *s, size_t n, char marker) {
    if (n == 0) return true;
    if (s[0] != marker) return false;
    size_t i = 1;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    return i == n || (i + 1 == n && s[i] == '\r');
}

/* The source is exhausted with data[0..have) unparsed. */
static enum aof_read_status at_end(aof_reader *r, const char *data, size_t have) {
    int64_t at = here(r);
    if (have == 0) {
        if (r->in_multi)
            return finish(r, AOF_READ_TRUNCATED, r->multi_offset,
                          "the file ends inside a MULTI/EXEC transaction started at offset %lld",
                          (long long)r->multi_offset);
        return finish(r, AOF_READ_END, at, NULL);
    }
    if (data[0] == '#')
        return finish(r, AOF_READ_TRUNCATED, at, "the file ends inside an annotation line");
    const resp_parser *p = &r->parser;
    bool ok;
    if (p->kind == 0) {
        ok = partial_count_line(data, have, '*');
    } else if (p->bulk_len < 0) {
        ok = p->pos >= have || partial_count_line(data + p->pos, have - p->pos, '$');
    } else {
        ok = true; /* inside a payload */
    }
    if (!ok)
        return finish(r, AOF_READ_CORRUPT, at,
                      "the last command is cut off after bytes that are not RESP");
    return finish(r, AOF_READ_TRUNCATED, at, "the file ends inside a command (%zu bytes of it)",
                  have);
}

enum aof_read_status aof_reader_next(aof_reader *r) {
    if (r->done) return r->done;
    r->argc = 0;
    r->argv = NULL;
    for (;;) {
        char *data = unread(r);
        size_t have = r->win_len - r->win_start;
        if (have > 0 && r->parser.kind == 0 && data[0] == '#') {
            size_t look = have < ANNOTATION_MAX ? have : ANNOTATION_MAX;
            const char *nl = memchr(data, '\n', look);
            if (nl) {
                r->win_start += (size_t)(nl - data) + 1;
                continue;
            }
            if (have >= ANNOTATION_MAX)
                return finish(r, AOF_READ_CORRUPT, here(r),
                              "annotation line longer than %d bytes", ANNOTATION_MAX);
        } else if (have > 0) {
            if (r->parser.kind == 0 && data[0] != '*')
                return finish(r, AOF_READ_CORRUPT, here(r),
                              "expected '*' or '#' at the start of a command, got byte 0x%02x",
                              (unsigned char)data[0]);
            size_t consumed = 0;
            enum resp_status st = resp_parse(&r->parser, data, have, &consumed);
            if (st == RESP_REQUEST) {
                if (r->parser.argc < 1)
                    return finish(r, AOF_READ_CORRUPT, here(r),
                                  "a command must have at least one argument");
                return command_ready(r, consumed);
            }
            if (st == RESP_ERROR) {
                char text[128];
                resp_error_text(&r->parser, text, sizeof(text));
                const char *why = text;
                if (strncmp(why, "ERR Protocol error: ", 20) == 0) why += 20;
                return finish(r, AOF_READ_CORRUPT, here(r), "%s", why);
            }
        }
        int rc = fill(r);
        if (rc < 0)
            return finish(r, AOF_READ_IO_ERROR, r->src_pos, "%s", strerror(-rc));
        if (rc == 0) return at_end(r, unread(r), r->win_len - r->win_start);
    }
}

int64_t aof_reader_cut_offset(const aof_reader *r) {
    return r->in_multi ? r->multi_offset : r->valid_up_to;
}

void aof_reader_failure_text(const aof_reader *r, enum aof_read_status st, const char *name,
                             buf *out) {
    switch (st) {
    case AOF_READ_CORRUPT:
        buf_printf(out,
                   "Bad file format reading the append only file %s: make a backup of your AOF "
                   "file, then use ./redis-check-aof --fix <filename.manifest>",
                   name);
        break;
    case AOF_READ_TRUNCATED:
        buf_printf(out,
                   "Unexpected end of file reading the append only file %s. You can: 1) Make a "
                   "backup of your AOF file, then use ./redis-check-aof --fix "
                   "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
                   "configuration option to yes and restart the server.",
                   name);
        break;
    case AOF_READ_IO_ERROR:
        buf_printf(out, "Unrecoverable error reading the append only file %s: %s", name,
                   r->err.data ? r->err.data : "");
        return;
    default: return;
    }
    buf_printf(out, " (offset %lld: %s)", (long long)r->error_offset,
               r->err.data ? r->err.data : "");
}

/* ---- files ---- */

bool aof_has_rdb_preamble(const void *data, size_t len) {
    return len >= 5 && memcmp(data, "REDIS", 5) == 0;
}

int aof_file_has_rdb_preamble(const char *path, bool *yes, buf *err) {
    *yes = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int rc = -errno;
        buf_clear(err);
        buf_printf(err, "Can't open the append-only file %s: %s", path, strerror(-rc));
        return rc;
    }
    char sig[5];
    size_t got = 0;
    int rc = 0;
    while (got < sizeof(sig)) {
        ssize_t n = read(fd, sig + got, sizeof(sig) - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = -errno;
            buf_clear(err);
            buf_printf(err, "Unrecoverable error reading the append only file %s: %s", path,
                       strerror(-rc));
            break;
        }
        if (n == 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (rc == 0) *yes = aof_has_rdb_preamble(sig, got);
    return rc;
}

int aof_truncate(const char *path, int64_t offset, buf *err) {
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || offset < 0 || ftruncate(fd, (off_t)offset) < 0 || fsync(fd) < 0)
        rc = offset < 0 ? -EINVAL : -errno;
    if (fd >= 0) close(fd);
    if (rc != 0) {
        buf_clear(err);
        buf_printf(err, "Error truncating the AOF file %s: %s", path, strerror(-rc));
    }
    return rc;
}
