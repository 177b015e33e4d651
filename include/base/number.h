#ifndef BASE_NUMBER_H
#define BASE_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict conversions between text and numbers with the edge cases Redis
 * users depend on: no sign '+', no leading zeros, no spaces, no partial
 * parses. Each parser returns true on success and leaves *out untouched on
 * failure. */

/* Longest text an int64 can take ("-9223372036854775808") plus NUL. */
#define NUMBER_I64_MAX_CHARS 21
/* Room for any long double printed in "human" form. */
#define NUMBER_LD_MAX_CHARS 5120

bool number_parse_i64(const char *s, size_t len, int64_t *out);
bool number_parse_u64(const char *s, size_t len, uint64_t *out);
/* Accepts what strtod accepts (including "inf"), refuses NaN, spaces and
 * trailing bytes, and values that overflow or underflow. */
bool number_parse_double(const char *s, size_t len, double *out);
bool number_parse_long_double(const char *s, size_t len, long double *out);

/* Writes the decimal form of v (no NUL needed by callers, but one is
 * written); returns the length. dst must hold NUMBER_I64_MAX_CHARS bytes. */
size_t number_format_i64(char *dst, int64_t v);
size_t number_format_u64(char *dst, uint64_t v);
/* "%.17g" with inf/-inf spelled out, the form Redis replies with. */
size_t number_format_double(char *dst, size_t cap, double v);
/* Shortest exact-looking decimal: "%.17Lf" with trailing zeros removed (the
 * INCRBYFLOAT form). Returns 0 if it does not fit in cap. */
size_t number_format_long_double(char *dst, size_t cap, long double v);
/* Number of decimal digits of v (1 for 0). */
unsigned number_digits_u64(uint64_t v);

#endif
