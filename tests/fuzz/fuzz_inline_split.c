/* fuzz_inline_split: resp_split_line against a reference splitter.
 *
 * resp_split_line unescapes in place and grows the caller's table; the
 * reference below is written for clarity instead: it reads a NUL-terminated
 * copy of the line one character at a time and builds every argument in a
 * separate buffer, following the rules redis-cli, inline requests and
 * config files share (whitespace separates; "..." knows \n \r \t \b \a, \xHH
 * and \<any>; '...' knows only \'; a closing quote must be followed by
 * whitespace or the end; a NUL byte ends the line). Both must return the
 * same arguments, or both refuse the line. The slices resp_split_line
 * returns must lie inside the line, in order and without overlapping. The
 * first input byte picks the initial table size so every growth step runs. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "protocol/resp_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_inline_split: check failed at line %d: %s\n", __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct ref_arg {
    char *bytes;
    size_t len;
} ref_arg;

typedef struct ref_result {
    ref_arg *args;
    int count;
    bool refused;
} ref_result;

static int hex_digit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int escape_of(int c) {
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
    }
}

static bool ends_argument(int c) {
    return c == '\0' || isspace(c);
}

/* s is NUL-terminated; arguments are collected into r. */
static void ref_split(const unsigned char *s, size_t len, ref_result *r) {
    size_t i = 0;
    r->count = 0;
    r->refused = false;
    r->args = mem_calloc(len + 1, sizeof(ref_arg));
    for (;;) {
        while (s[i] != '\0' && isspace(s[i])) i++;
        if (s[i] == '\0') return;
        char *out = mem_alloc(len + 1);
        size_t n = 0;
        enum { PLAIN, DOUBLE, SINGLE } state = PLAIN;
        for (;;) {
            int c = s[i];
            if (state == PLAIN) {
                if (c == '\0' || c == ' ' || c == '\n' || c == '\r' || c == '\t') break;
                if (c == '"') state = DOUBLE;
                else if (c == '\'') state = SINGLE;
                else out[n++] = (char)c;
                i++;
            } else if (c == '\0') {
                mem_free(out);
                r->refused = true;
                return;
            } else if (state == DOUBLE && c == '\\' && s[i + 1] == 'x' &&
                       hex_digit(s[i + 2]) >= 0 && hex_digit(s[i + 3]) >= 0) {
                out[n++] = (char)(hex_digit(s[i + 2]) * 16 + hex_digit(s[i + 3]));
                i += 4;
            } else if (state == DOUBLE && c == '\\' && s[i + 1] != '\0') {
                out[n++] = (char)escape_of(s[i + 1]);
                i += 2;
            } else if (state == SINGLE && c == '\\' && s[i + 1] == '\'') {
                out[n++] = '\'';
                i += 2;
            } else if ((state == DOUBLE && c == '"') || (state == SINGLE && c == '\'')) {
                if (!ends_argument(s[i + 1])) {
                    mem_free(out);
                    r->refused = true;
                    return;
                }
                i++; /* the whitespace after it is skipped with the next argument */
                break;
            } else {
                out[n++] = (char)c;
                i++;
            }
        }
        if (state == PLAIN && s[i] != '\0') i++; /* the separator */
        r->args[r->count].bytes = out;
        r->args[r->count].len = n;
        r->count++;
    }
}

static void ref_free(ref_result *r) {
    for (int i = 0; i < r->count; i++) mem_free(r->args[i].bytes);
    mem_free(r->args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int cap = data[0] % 4;
    const uint8_t *text = data + 1;
    size_t len = size - 1;

    /* The reference reads a NUL-terminated copy, as C string code would. */
    unsigned char *cstr = mem_alloc(len + 1);
    memcpy(cstr, text, len);
    cstr[len] = '\0';
    ref_result want;
    ref_split(cstr, len, &want);

    /* Exact-size copy: a read past len is caught. */
    char *line = mem_alloc(len ? len : 1);
    if (len) memcpy(line, text, len);
    resp_arg *argv = cap ? mem_calloc((size_t)cap, sizeof(resp_arg)) : NULL;
    int argc = resp_split_line(line, len, &argv, &cap);

    if (want.refused) {
        FUZZ_CHECK(argc == -1);
    } else {
        FUZZ_CHECK(argc == want.count);
        FUZZ_CHECK(argc <= cap);
        const char *prev_end = line;
        for (int i = 0; i < argc; i++) {
            FUZZ_CHECK(argv[i].ptr >= prev_end);
            FUZZ_CHECK(argv[i].len <= len && (size_t)(argv[i].ptr - line) <= len - argv[i].len);
            FUZZ_CHECK(argv[i].len == want.args[i].len);
            FUZZ_CHECK(memcmp(argv[i].ptr, want.args[i].bytes, argv[i].len) == 0);
            prev_end = argv[i].ptr + argv[i].len;
        }
    }
    mem_free(argv);
    mem_free(line);
    mem_free(cstr);
    ref_free(&want);
    return 0;
}
