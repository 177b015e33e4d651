#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stddef.h>

#include "base/check.h"

/* A growable byte buffer: data[0..len) is content, cap is what is allocated.
 * The content is always followed by a NUL byte (not counted in len) so text
 * built in a buf can be handed to C string functions. */
typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf;

void buf_init(buf *b);
void buf_fini(buf *b);
/* Makes room for at least extra more bytes after len. */
void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t len);
void buf_append_str(buf *b, const char *s);
void buf_append_char(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Appends s[0..len) double-quoted with the escapes redis.conf-style
 * splitters read back (\\ \" \n \r \t \a \b \xHH). */
void buf_append_quoted(buf *b, const char *s, size_t len);
/* Drops the first n bytes. */
void buf_consume(buf *b, size_t n);
void buf_clear(buf *b);
/* Releases spare capacity beyond len (keeps at least min_cap). */
void buf_shrink(buf *b, size_t min_cap);

#endif
