/* buf: growable byte buffer. Growth doubles up to 1 MiB and then grows by
 * 1 MiB steps, so appending n bytes costs O(n) amortised without reserving
 * gigabytes for a large string. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"

#define BUF_STEP_LIMIT (1024 * 1024)

void buf_init(buf *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_fini(buf *b) {
    mem_free(b->data);
    buf_init(b);
}

void buf_reserve(buf *b, size_t extra) {
    size_t need = b->len + extra + 1; /* + NUL */
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap < BUF_STEP_LIMIT ? cap * 2 : cap + BUF_STEP_LIMIT;
    b->data = mem_realloc(b->data, cap);
    b->cap = mem_usable_size(b->data);
}

void buf_append(buf *b, const void *data, size_t len) {
    buf_reserve(b, len);
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_append_str(buf *b, const char *s) {
    buf_append(b, s, strlen(s));
}

void buf_append_char(buf *b, char c) {
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_printf(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof(small)) {
        buf_append(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_consume(buf *b, size_t n) {
    ASSERT(n <= b->len);
    if (n == b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data) b->data[b->len] = '\0';
}

void buf_clear(buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void buf_shrink(buf *b, size_t min_cap) {
    size_t want = b->len + 1 > min_cap ? b->len + 1 : min_cap;
    if (b->data == NULL || b->cap <= want) return;
    b->data = mem_realloc(b->data, want);
    b->cap = mem_usable_size(b->data);
}

void buf_append_quoted(buf *b, const char *s, size_t len) {
    buf_append_char(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '\\': buf_append_str(b, "\\\\"); break;
        case '"': buf_append_str(b, "\\\""); break;
        case '\n': buf_append_str(b, "\\n"); break;
        case '\r': buf_append_str(b, "\\r"); break;
        case '\t': buf_append_str(b, "\\t"); break;
        case '\a': buf_append_str(b, "\\a"); break;
        case '\b': buf_append_str(b, "\\b"); break;
        default:
            if (ch >= 0x20 && ch < 0x7f)
                buf_append_char(b, (char)ch);
            else
                buf_printf(b, "\\x%02x", ch);
        }
    }
    buf_append_char(b, '"');
}
