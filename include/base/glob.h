#ifndef BASE_GLOB_H
#define BASE_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Glob-style matching as KEYS, SCAN MATCH and CONFIG GET understand it:
 * '*' any run, '?' any byte, '[abc]' '[^a]' '[a-z]' classes, '\x' literal x.
 * Binary safe. Runs in O(pattern * string) time at worst, never exponential.
 * Redis compat: an empty string matches only an empty pattern, not even "*";
 * KEYS and SCAN MATCH treat a lone "*" as match-all without calling this. */
bool glob_match(const char *pattern, size_t plen, const char *str, size_t slen, bool nocase);

/* True when the pattern has no special characters, i.e. matches only itself. */
bool glob_is_literal(const char *pattern, size_t plen);

#endif
