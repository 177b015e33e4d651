/* fuzz_glob: glob_match against a slow reference with Redis 7.0's rules.
 *
 * The reference states the matching rules as a recursion over (pattern
 * position, string position), memoised so that it stays polynomial:
 *   '*'   matches any run, '?' any byte, '\x' the byte x,
 *   '[...]' one byte from a class: '^' first negates, '\x' is x compared
 *         exactly, 'a-z' is a range (ends swapped if reversed), ']' closes;
 *         an unterminated class runs to the end of the pattern,
 *   with nocase, letters compare case-insensitively (ranges: after the swap).
 * Redis compat quirks the reference keeps on purpose, because KEYS, SCAN
 * MATCH and CONFIG GET must answer as Redis 7.0.15 (x86-64) does:
 *   - an empty string matches only the empty pattern ("*" does not match it),
 *   - range ends and the byte compare as signed chars, so bytes >= 0x80 sort
 *     before ASCII,
 *   - with nocase, a range is put in order before its ends are lowercased.
 * Not modelled: Redis gives up (no match) beyond 1000 nested stars; patterns
 * here are capped at 1000 bytes, which keeps them below that depth.
 * Input: byte 0 = flags (bit 0 nocase), bytes 1-2 = pattern length, then the
 * pattern and the string. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/glob.h"
#include "base/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GLOB_FUZZ_MAX 1000

typedef struct ref_ctx {
    const unsigned char *p;
    size_t plen;
    const unsigned char *s;
    size_t slen;
    bool nocase;
    signed char *memo; /* (plen + 1) x (slen + 1): -1 unknown, 0, 1 */
} ref_ctx;

static int lower_signed(int c) {
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static bool same_byte(const ref_ctx *r, unsigned char a, unsigned char b) {
    if (r->nocase) return lower_signed(a) == lower_signed(b);
    return a == b;
}

/* The pattern byte at i, or 0 past the end (the pattern is a C string in
 * Redis, so a look past the end sees its terminator). */
static unsigned char pat_at(const ref_ctx *r, size_t i) {
    return i < r->plen ? r->p[i] : 0;
}

/* Class starting after '[' at *pi; sets *pi to the index after the class. */
static bool ref_class(const ref_ctx *r, size_t *pi, unsigned char byte) {
    size_t j = *pi;
    bool negate = pat_at(r, j) == '^';
    if (negate) j++;
    bool hit = false;
    for (;;) {
        if (j < r->plen && r->p[j] == '\\' && r->plen - j >= 2) {
            j++;
            if (r->p[j] == byte) hit = true;
        } else if (j < r->plen && r->p[j] == ']') {
            break;
        } else if (j >= r->plen) {
            j = r->plen - 1; /* unterminated: the class ends with the pattern */
            break;
        } else if (r->plen - j >= 3 && r->p[j + 1] == '-') {
            int lo = (signed char)r->p[j], hi = (signed char)r->p[j + 2];
            int c = (signed char)byte;
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (r->nocase) {
                lo = lower_signed(lo);
                hi = lower_signed(hi);
                c = lower_signed(c);
            }
            if (c >= lo && c <= hi) hit = true;
            j += 2;
        } else if (same_byte(r, r->p[j], byte)) {
            hit = true;
        }
        j++;
    }
    *pi = j + 1;
    return negate ? !hit : hit;
}

static bool ref_at(ref_ctx *r, size_t pi, size_t si) {
    signed char *m = &r->memo[pi * (r->slen + 1) + si];
    if (*m >= 0) return *m;
    bool ok;
    if (pi == r->plen) {
        ok = si == r->slen;
    } else if (r->p[pi] == '*') {
        ok = ref_at(r, pi + 1, si) || (si < r->slen && ref_at(r, pi, si + 1));
    } else if (si == r->slen) {
        ok = false;
    } else if (r->p[pi] == '?') {
        ok = ref_at(r, pi + 1, si + 1);
    } else if (r->p[pi] == '[') {
        size_t next = pi + 1;
        ok = ref_class(r, &next, r->s[si]) && ref_at(r, next, si + 1);
    } else {
        size_t lit = pi;
        if (r->p[pi] == '\\' && r->plen - pi >= 2) lit = pi + 1;
        ok = same_byte(r, r->p[lit], r->s[si]) && ref_at(r, lit + 1, si + 1);
    }
    *m = ok;
    return ok;
}

static bool ref_match(const unsigned char *p, size_t plen, const unsigned char *s, size_t slen,
                      bool nocase) {
    /* Redis compat: matching starts only on a non-empty string. */
    if (slen == 0) return plen == 0;
    ref_ctx r = {p, plen, s, slen, nocase, NULL};
    size_t cells = (plen + 1) * (slen + 1);
    r.memo = mem_alloc(cells);
    memset(r.memo, -1, cells);
    bool ok = ref_at(&r, 0, 0);
    mem_free(r.memo);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    bool nocase = data[0] & 1;
    size_t rest = size - 3;
    size_t plen = ((size_t)data[1] | (size_t)data[2] << 8) % (rest + 1);
    size_t slen = rest - plen;
    if (plen > GLOB_FUZZ_MAX) plen = GLOB_FUZZ_MAX;
    if (slen > GLOB_FUZZ_MAX) slen = GLOB_FUZZ_MAX;
    /* Exact-size copies so a read past either end is caught. */
    char *pat = mem_dup(data + 3, plen);
    char *str = mem_dup(data + 3 + (size - 3 - slen), slen);

    bool got = glob_match(pat, plen, str, slen, nocase);
    bool want = ref_match((const unsigned char *)pat, plen, (const unsigned char *)str, slen,
                          nocase);
    if (got != want) {
        fprintf(stderr, "fuzz_glob: glob_match says %d, reference says %d (nocase=%d)\n", got,
                want, nocase);
        fprintf(stderr, "pattern (%zu): ", plen);
        for (size_t i = 0; i < plen; i++) fprintf(stderr, "%02x", (unsigned char)pat[i]);
        fprintf(stderr, "\nstring  (%zu): ", slen);
        for (size_t i = 0; i < slen; i++) fprintf(stderr, "%02x", (unsigned char)str[i]);
        fprintf(stderr, "\n");
        abort();
    }
    if (glob_is_literal(pat, plen) && !nocase) {
        bool equal = plen == slen && memcmp(pat, str, plen) == 0;
        if (got != equal) {
            fprintf(stderr, "fuzz_glob: literal pattern matched %d, equality says %d\n", got,
                    equal);
            abort();
        }
    }
    mem_free(pat);
    mem_free(str);
    return 0;
}
