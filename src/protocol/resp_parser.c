/* resp_parser: resumable RESP2 request parser.
 *
 * State between calls is a handful of integers: which kind of request we are
 * in, how many arguments it announced, the length of the bulk being read and
 * the offset where parsing stopped. Completed arguments are kept as offsets
 * and turned into pointers only when the whole request is in, so the caller's
 * buffer may move in between. Nothing is allocated in proportion to what a
 * client announces: the argument table grows as arguments actually arrive,
 * which is what keeps "*2147483647\r\n" or "$4000000000" harmless.
 *
 * Error texts and limits follow Redis 7.0 byte for byte; see errmsg.h. */
#include "protocol/resp_parser.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/number.h"

void resp_parser_init(resp_parser *p, int64_t max_bulk_len) {
    memset(p, 0, sizeof(*p));
    p->max_bulk_len = max_bulk_len;
    p->bulk_len = -1;
}

void resp_parser_fini(resp_parser *p) {
    mem_free(p->argv);
    mem_free(p->offsets);
    p->argv = NULL;
    p->offsets = NULL;
    p->cap = 0;
}

static void reset_request(resp_parser *p) {
    p->kind = 0;
    p->want_args = 0;
    p->bulk_len = -1;
    p->pos = 0;
}

static void ensure_cap(resp_parser *p, int need) {
    if (need <= p->cap) return;
    int cap = p->cap ? p->cap : 8;
    while (cap < need) cap *= 2;
    p->argv = mem_realloc(p->argv, sizeof(resp_arg) * (size_t)cap);
    p->offsets = mem_realloc(p->offsets, sizeof(size_t) * 2 * (size_t)cap);
    p->cap = cap;
}

static enum resp_status fail(resp_parser *p, enum resp_error err) {
    p->error = err;
    reset_request(p);
    return RESP_ERROR;
}

static inline bool is_hex(char c) {
    return isxdigit((unsigned char)c) != 0;
}

static inline int hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    return (tolower((unsigned char)c) - 'a') + 10;
}

int resp_split_line(char *line, size_t len, resp_arg **argv, int *cap) {
    size_t i = 0;
    int argc = 0;
    for (;;) {
        while (i < len && line[i] != '\0' && isspace((unsigned char)line[i])) i++;
        if (i >= len || line[i] == '\0') return argc;
        bool in_dq = false, in_sq = false, done = false;
        char *out = line + i;
        char *start = out;
        while (!done) {
            char c = i < len ? line[i] : '\0';
            char next = i + 1 < len ? line[i + 1] : '\0';
            if (in_dq) {
                if (c == '\\' && next == 'x' && i + 3 < len && is_hex(line[i + 2]) &&
                    is_hex(line[i + 3])) {
                    *out++ = (char)(hex_val(line[i + 2]) * 16 + hex_val(line[i + 3]));
                    i += 3;
                } else if (c == '\\' && next != '\0') {
                    char e;
                    switch (next) {
                    case 'n': e = '\n'; break;
                    case 'r': e = '\r'; break;
                    case 't': e = '\t'; break;
                    case 'b': e = '\b'; break;
                    case 'a': e = '\a'; break;
                    default: e = next; break;
                    }
                    *out++ = e;
                    i++;
                } else if (c == '"') {
                    /* A closing quote must end the argument. */
                    if (next != '\0' && !isspace((unsigned char)next)) return -1;
                    done = true;
                } else if (c == '\0') {
                    return -1;
                } else {
                    *out++ = c;
                }
            } else if (in_sq) {
                if (c == '\\' && next == '\'') {
                    *out++ = '\'';
                    i++;
                } else if (c == '\'') {
                    if (next != '\0' && !isspace((unsigned char)next)) return -1;
                    done = true;
                } else if (c == '\0') {
                    return -1;
                } else {
                    *out++ = c;
                }
            } else {
                switch (c) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0': done = true; break;
                case '"': in_dq = true; break;
                case '\'': in_sq = true; break;
                default: *out++ = c; break;
                }
            }
            if (i < len && line[i] != '\0') i++;
        }
        if (argc >= *cap) {
            int ncap = *cap ? *cap * 2 : 8;
            *argv = mem_realloc(*argv, sizeof(resp_arg) * (size_t)ncap);
            *cap = ncap;
        }
        (*argv)[argc].ptr = start;
        (*argv)[argc].len = (size_t)(out - start);
        argc++;
    }
}

static enum resp_status parse_inline(resp_parser *p, char *data, size_t len, size_t *consumed) {
    char *nl = memchr(data, '\n', len);
    if (nl == NULL) {
        if (len > RESP_INLINE_MAX) return fail(p, RESP_ERR_INLINE_TOO_BIG);
        return RESP_NEED_MORE;
    }
    size_t line_len = (size_t)(nl - data);
    size_t used = line_len + 1;
    if (line_len && data[line_len - 1] == '\r') line_len--;
    /* The split stores slices in p->argv; offsets are not needed because the
     * request is complete. */
    int cap = p->cap;
    resp_arg *argv = p->argv;
    int argc = resp_split_line(data, line_len, &argv, &cap);
    if (cap > p->cap) {
        /* resp_split_line grew argv; keep offsets the same size. Compare
         * capacities, not argc: a line that fails on unbalanced quotes may
         * have grown argv before returning -1, and p->cap must never claim
         * room the offsets array does not have. */
        p->offsets = mem_realloc(p->offsets, sizeof(size_t) * 2 * (size_t)cap);
    }
    p->argv = argv;
    p->cap = cap > p->cap ? cap : p->cap;
    if (argc < 0) return fail(p, RESP_ERR_UNBALANCED_QUOTES);
    p->argc = argc;
    p->inline_request = true;
    *consumed = used;
    reset_request(p);
    return RESP_REQUEST;
}

/* The count in a "*<n>" or "$<n>" line. Plain short decimal numbers, the
 * usual case, are converted inline; anything else goes through the strict
 * general parser, so the accepted syntax is exactly number_parse_i64's. */
static inline bool parse_count(const char *p, size_t len, int64_t *out) {
    if (len >= 1 && len <= 18 && (p[0] != '0' || len == 1)) {
        int64_t v = 0;
        size_t i = 0;
        for (; i < len; i++) {
            unsigned d = (unsigned char)p[i] - '0';
            if (d > 9) break;
            v = v * 10 + d;
        }
        if (i == len) {
            *out = v;
            return true;
        }
    }
    return number_parse_i64(p, len, out);
}

/* Finds the "\r\n"-terminated line starting at data[from]; returns its length
 * (without CRLF) or -1 if the line is not complete yet. */
static int64_t find_line(const char *data, size_t len, size_t from) {
    const char *cr = memchr(data + from, '\r', len - from);
    if (cr == NULL) return -1;
    size_t at = (size_t)(cr - data);
    if (at + 1 >= len) return -1; /* the '\n' has not arrived */
    return (int64_t)(at - from);
}

static enum resp_status parse_multibulk(resp_parser *p, char *data, size_t len, size_t *consumed) {
    if (p->kind == 0) {
        int64_t line = find_line(data, len, 0);
        if (line < 0) {
            if (len > RESP_INLINE_MAX) return fail(p, RESP_ERR_MBULK_LINE_TOO_BIG);
            return RESP_NEED_MORE;
        }
        int64_t n;
        if (!parse_count(data + 1, (size_t)line - 1, &n) || n > INT_MAX)
            return fail(p, RESP_ERR_MBULK_LEN);
        if (n > RESP_UNAUTH_MAX_ARGS && !p->authenticated) return fail(p, RESP_ERR_UNAUTH_MBULK);
        p->pos = (size_t)line + 2;
        if (n <= 0) {
            /* "*0" and "*-1" are accepted and ignored. */
            *consumed = p->pos;
            p->argc = 0;
            reset_request(p);
            return RESP_REQUEST;
        }
        p->kind = '*';
        p->want_args = n;
        p->argc = 0;
        p->bulk_len = -1;
    }
    while (p->argc < p->want_args) {
        if (p->bulk_len < 0) {
            if (p->pos >= len) return RESP_NEED_MORE;
            int64_t line = find_line(data, len, p->pos);
            if (line < 0) {
                if (len - p->pos > RESP_INLINE_MAX) return fail(p, RESP_ERR_BULK_LINE_TOO_BIG);
                return RESP_NEED_MORE;
            }
            if (data[p->pos] != '$') {
                p->bad_char = data[p->pos];
                return fail(p, RESP_ERR_EXPECTED_DOLLAR);
            }
            int64_t n;
            if (!parse_count(data + p->pos + 1, (size_t)line - 1, &n) || n < 0 ||
                n > p->max_bulk_len)
                return fail(p, RESP_ERR_BULK_LEN);
            if (n > RESP_UNAUTH_MAX_BULK && !p->authenticated) return fail(p, RESP_ERR_UNAUTH_BULK);
            p->bulk_len = n;
            p->pos += (size_t)line + 2;
        }
        /* Redis compat: the two bytes after the payload are not checked. */
        if (len - p->pos < (size_t)p->bulk_len + 2) return RESP_NEED_MORE;
        ensure_cap(p, p->argc + 1);
        p->offsets[2 * p->argc] = p->pos;
        p->offsets[2 * p->argc + 1] = (size_t)p->bulk_len;
        p->argc++;
        p->pos += (size_t)p->bulk_len + 2;
        p->bulk_len = -1;
    }
    for (int i = 0; i < p->argc; i++) {
        p->argv[i].ptr = data + p->offsets[2 * i];
        p->argv[i].len = p->offsets[2 * i + 1];
    }
    p->inline_request = false;
    *consumed = p->pos;
    reset_request(p);
    return RESP_REQUEST;
}

enum resp_status resp_parse(resp_parser *p, char *data, size_t len, size_t *consumed) {
    *consumed = 0;
    p->error = RESP_ERR_NONE;
    if (p->kind == 0) {
        p->argc = 0;
        if (len == 0) return RESP_NEED_MORE;
        if (data[0] != '*') return parse_inline(p, data, len, consumed);
    }
    return parse_multibulk(p, data, len, consumed);
}

size_t resp_parser_bulk_remaining(const resp_parser *p, size_t have) {
    if (p->kind != '*' || p->bulk_len < 0) return 0;
    size_t need = p->pos + (size_t)p->bulk_len + 2;
    return need > have ? need - have : 0;
}

void resp_error_text(const resp_parser *p, char *dst, size_t cap) {
    const char *what = "unknown error";
    switch (p->error) {
    case RESP_ERR_NONE: what = "no error"; break;
    case RESP_ERR_MBULK_LEN: what = "invalid multibulk length"; break;
    case RESP_ERR_MBULK_LINE_TOO_BIG: what = "too big mbulk count string"; break;
    case RESP_ERR_EXPECTED_DOLLAR:
        snprintf(dst, cap, "ERR Protocol error: expected '$', got '%c'", p->bad_char);
        return;
    case RESP_ERR_BULK_LEN: what = "invalid bulk length"; break;
    case RESP_ERR_BULK_LINE_TOO_BIG: what = "too big bulk count string"; break;
    case RESP_ERR_INLINE_TOO_BIG: what = "too big inline request"; break;
    case RESP_ERR_UNBALANCED_QUOTES: what = "unbalanced quotes in request"; break;
    case RESP_ERR_UNAUTH_MBULK: what = "unauthenticated multibulk length"; break;
    case RESP_ERR_UNAUTH_BULK: what = "unauthenticated bulk length"; break;
    }
    snprintf(dst, cap, "ERR Protocol error: %s", what);
}
