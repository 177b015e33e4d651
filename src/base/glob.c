/* glob: wildcard matching with single-star backtracking.
 *
 * Instead of recursing on every '*' (exponential on patterns like "*a*a*a*b"),
 * we remember the most recent star and the string position it matched up to;
 * on a mismatch we let that star swallow one more byte and retry. Going back
 * to the latest star is enough because any earlier star could only match a
 * prefix the later one can also absorb. */
#include "base/glob.h"

static inline unsigned char fold(unsigned char c, bool nocase) {
    return (nocase && c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Matches one byte against the class starting after '[' at p[*pi]; advances
 * *pi past the closing ']' (or to the end of an unterminated class). */
static bool match_class(const char *p, size_t plen, size_t *pi, unsigned char c, bool nocase) {
    size_t i = *pi;
    bool negate = false, hit = false;
    if (i < plen && p[i] == '^') {
        negate = true;
        i++;
    }
    unsigned char raw = c;
    c = fold(c, nocase);
    while (i < plen && p[i] != ']') {
        if (p[i] == '\\' && i + 1 < plen) {
            i++;
            if ((unsigned char)p[i] == raw) hit = true; /* Redis compat: escapes are exact */
            i++;
        } else if (i + 2 < plen && p[i + 1] == '-') {
            /* Redis compat: range ends and the byte compare as signed chars
             * (Redis on x86-64), so bytes >= 0x80 sort before ASCII and
             * "[a-\xff]" is the range \xff..a. A reversed range is swapped on
             * the raw bytes and only then case-folded, so with nocase "[Z-a]"
             * folds to the empty range z..a and matches nothing. */
            int lo = (signed char)p[i], hi = (signed char)p[i + 2];
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (lo >= 0) lo = fold((unsigned char)lo, nocase);
            if (hi >= 0) hi = fold((unsigned char)hi, nocase);
            int sc = (signed char)c;
            if (sc >= lo && sc <= hi) hit = true;
            i += 3;
        } else {
            if (fold((unsigned char)p[i], nocase) == c) hit = true;
            i++;
        }
    }
    if (i < plen) i++; /* skip ']' */
    *pi = i;
    return negate ? !hit : hit;
}

bool glob_match(const char *p, size_t plen, const char *s, size_t slen, bool nocase) {
    /* Redis compat: the empty string matches only the empty pattern, so even
     * "*" does not match it. KEYS and SCAN MATCH still list an empty key for
     * a lone "*" because they treat that pattern as "everything" before
     * matching at all; callers here must do the same. */
    if (slen == 0) return plen == 0;
    size_t pi = 0, si = 0;
    size_t star_p = (size_t)-1, star_s = 0;
    while (si < slen) {
        if (pi < plen) {
            char pc = p[pi];
            if (pc == '*') {
                while (pi < plen && p[pi] == '*') pi++;
                if (pi == plen) return true;
                star_p = pi;
                star_s = si;
                continue;
            }
            if (pc == '?') {
                pi++;
                si++;
                continue;
            }
            if (pc == '[') {
                size_t next = pi + 1;
                if (match_class(p, plen, &next, (unsigned char)s[si], nocase)) {
                    pi = next;
                    si++;
                    continue;
                }
            } else {
                size_t lit = pi;
                if (pc == '\\' && pi + 1 < plen) lit = pi + 1;
                if (fold((unsigned char)p[lit], nocase) == fold((unsigned char)s[si], nocase)) {
                    pi = lit + 1;
                    si++;
                    continue;
                }
            }
        }
        if (star_p == (size_t)-1) return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < plen && p[pi] == '*') pi++;
    return pi == plen;
}

bool glob_is_literal(const char *p, size_t plen) {
    for (size_t i = 0; i < plen; i++) {
        if (p[i] == '*' || p[i] == '?' || p[i] == '[' || p[i] == '\\') return false;
    }
    return true;
}
