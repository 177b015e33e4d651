/* number: strict text <-> number conversions.
 *
 * Integer parsing is hand-written because strtoll accepts too much (spaces,
 * '+', leading zeros) and Redis users rely on those being errors. Floating
 * point goes through strtod/strtold, then we reject what Redis rejects. */
#include "base/number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_magnitude(const char *p, size_t len, uint64_t *out) {
    if (len == 0 || p[0] < '1' || p[0] > '9') return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9) return false;
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool number_parse_i64(const char *s, size_t len, int64_t *out) {
    if (len == 0 || len >= NUMBER_I64_MAX_CHARS) return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    bool negative = s[0] == '-';
    uint64_t mag;
    if (!parse_magnitude(s + negative, len - negative, &mag)) return false;
    if (negative) {
        if (mag > (uint64_t)INT64_MAX + 1) return false;
        *out = (int64_t)(0 - mag);
    } else {
        if (mag > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)mag;
    }
    return true;
}

bool number_parse_u64(const char *s, size_t len, uint64_t *out) {
    if (len == 0 || len >= NUMBER_I64_MAX_CHARS) return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    return parse_magnitude(s, len, out);
}

bool number_parse_double(const char *s, size_t len, double *out) {
    char tmp[NUMBER_LD_MAX_CHARS];
    if (len == 0 || len >= sizeof(tmp)) return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (isspace((unsigned char)tmp[0])) return false;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if ((size_t)(end - tmp) != len) return false;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
        return false;
    if (isnan(v)) return false;
    *out = v;
    return true;
}

bool number_parse_long_double(const char *s, size_t len, long double *out) {
    char tmp[NUMBER_LD_MAX_CHARS];
    if (len == 0 || len >= sizeof(tmp)) return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (isspace((unsigned char)tmp[0])) return false;
    char *end;
    errno = 0;
    long double v = strtold(tmp, &end);
    if ((size_t)(end - tmp) != len || *end != '\0') return false;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO))
        return false;
    if (errno == EINVAL || isnan(v)) return false;
    *out = v;
    return true;
}

unsigned number_digits_u64(uint64_t v) {
    unsigned n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

size_t number_format_u64(char *dst, uint64_t v) {
    char tmp[NUMBER_I64_MAX_CHARS];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) dst[i] = tmp[n - 1 - i];
    dst[n] = '\0';
    return n;
}

size_t number_format_i64(char *dst, int64_t v) {
    if (v < 0) {
        dst[0] = '-';
        return 1 + number_format_u64(dst + 1, (uint64_t)0 - (uint64_t)v);
    }
    return number_format_u64(dst, (uint64_t)v);
}

size_t number_format_double(char *dst, size_t cap, double v) {
    int n;
    if (isinf(v))
        n = snprintf(dst, cap, "%s", v > 0 ? "inf" : "-inf");
    else
        n = snprintf(dst, cap, "%.17g", v);
    if (n < 0 || (size_t)n >= cap) return 0;
    return (size_t)n;
}

size_t number_format_long_double(char *dst, size_t cap, long double v) {
    if (isinf(v)) {
        int n = snprintf(dst, cap, "%s", v > 0 ? "inf" : "-inf");
        return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
    }
    int n = snprintf(dst, cap, "%.17Lf", v);
    if (n < 0 || (size_t)n >= cap) return 0;
    size_t len = (size_t)n;
    if (memchr(dst, '.', len) != NULL) {
        while (dst[len - 1] == '0') len--;
        if (dst[len - 1] == '.') len--;
    }
    if (len == 2 && dst[0] == '-' && dst[1] == '0') {
        dst[0] = '0';
        len = 1;
    }
    dst[len] = '\0';
    return len;
}
