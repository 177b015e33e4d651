/* Unit tests for number: strict integer and floating-point conversions.
 *
 * The accepted and rejected spellings are the ones Redis 7.0 users meet in
 * INCR, EXPIRE, INCRBYFLOAT and friends: integers without '+', without
 * leading zeros, without "-0", at most 20 characters; floats as strtod
 * reads them but never NaN, never with leading space or trailing bytes,
 * never overflowing. Formatting is checked byte for byte against what Redis
 * replies ("%.17g" for doubles, the trimmed "%.17Lf" for INCRBYFLOAT). */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/number.h"

static bool parse_i64(const char *s, int64_t *out) {
    return number_parse_i64(s, strlen(s), out);
}

static void i64_accepts_canonical_integers(void **state) {
    (void)state;
    int64_t v = 42;
    assert_true(parse_i64("0", &v));
    assert_int_equal(v, 0);
    assert_true(parse_i64("1", &v));
    assert_int_equal(v, 1);
    assert_true(parse_i64("-1", &v));
    assert_int_equal(v, -1);
    assert_true(parse_i64("1234567890", &v));
    assert_int_equal(v, 1234567890);
    assert_true(parse_i64("9223372036854775807", &v));
    assert_true(v == INT64_MAX);
    /* 20 characters: the longest accepted spelling. */
    assert_true(parse_i64("-9223372036854775808", &v));
    assert_true(v == INT64_MIN);
}

static void i64_rejects_what_redis_rejects(void **state) {
    (void)state;
    const char *bad[] = {
        "",      "+1",   "01",   "-01",  "00",   "-0",    "-",     " 1",  "1 ",  "1a",
        "a1",    "0x10", "1.0",  "1e3",  "--1",  "- 1",   "\t1",   "1\n", "\xd9\xa1",
        "9223372036854775808",  /* INT64_MAX + 1 */
        "-9223372036854775809", /* INT64_MIN - 1 */
        "99999999999999999999", /* 20 digits, overflows */
        "123456789012345678901", /* 21 characters */
        "-00000000000000000001",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 77;
        if (parse_i64(bad[i], &v)) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
        assert_int_equal(v, 77); /* untouched on failure */
    }
}

static void i64_is_length_bounded_not_nul_terminated(void **state) {
    (void)state;
    int64_t v = 0;
    assert_true(number_parse_i64("123456", 3, &v));
    assert_int_equal(v, 123);
    assert_false(number_parse_i64("12\0", 3, &v));
    assert_false(number_parse_i64("0", 0, &v));
}

static void u64_accepts_the_full_unsigned_range(void **state) {
    (void)state;
    uint64_t v = 0;
    assert_true(number_parse_u64("18446744073709551615", 20, &v));
    assert_true(v == UINT64_MAX);
    assert_true(number_parse_u64("0", 1, &v));
    assert_true(v == 0);
    assert_false(number_parse_u64("18446744073709551616", 20, &v));
    assert_false(number_parse_u64("-1", 2, &v));
    assert_false(number_parse_u64("+1", 2, &v));
    assert_false(number_parse_u64("01", 2, &v));
    assert_false(number_parse_u64("", 0, &v));
}

static void double_parsing_follows_strtod_minus_nan_and_spaces(void **state) {
    (void)state;
    double d = 0;
    assert_true(number_parse_double("1.5", 3, &d));
    assert_true(d == 1.5);
    assert_true(number_parse_double("-0.25", 5, &d));
    assert_true(d == -0.25);
    assert_true(number_parse_double("1e3", 3, &d));
    assert_true(d == 1000.0);
    assert_true(number_parse_double(".5", 2, &d));
    assert_true(d == 0.5);
    assert_true(number_parse_double("10", 2, &d));
    assert_true(d == 10.0);
    assert_true(number_parse_double("1e308", 5, &d));
    assert_true(number_parse_double("inf", 3, &d));
    assert_true(isinf(d) && d > 0);
    assert_true(number_parse_double("-inf", 4, &d));
    assert_true(isinf(d) && d < 0);
    assert_true(number_parse_double("+inf", 4, &d));
    assert_true(number_parse_double("-0", 2, &d));
    assert_true(d == 0.0 && signbit(d));

    const char *bad[] = {"",    " 1.5", "1.5 ", "nan", "NaN",   "-nan",  "1e309", "-1e309",
                         "1e-400", "abc", "1.5x", "1e",  "--1",  "1.5\n", "."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = 77;
        if (number_parse_double(bad[i], strlen(bad[i]), &d)) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
        assert_true(d == 77);
    }
    /* An embedded NUL is a trailing byte, not an end. */
    assert_false(number_parse_double("1.5\0", 4, &d));
}

static void long_double_parsing_has_the_same_rules(void **state) {
    (void)state;
    long double v = 0;
    assert_true(number_parse_long_double("10.50", 5, &v));
    assert_true(v == 10.5L);
    assert_true(number_parse_long_double("5.0e3", 5, &v));
    assert_true(v == 5000.0L);
    assert_true(number_parse_long_double("-inf", 4, &v));
    assert_true(isinf(v) && v < 0);
    const char *bad[] = {"", " 1", "1 ", "nan", "1e99999", "-1e99999", "1e-99999", "x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 77;
        if (number_parse_long_double(bad[i], strlen(bad[i]), &v)) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
        assert_true(v == 77);
    }
}

static void integers_format_in_decimal(void **state) {
    (void)state;
    char buf[NUMBER_I64_MAX_CHARS];
    assert_int_equal(number_format_i64(buf, 0), 1);
    assert_string_equal(buf, "0");
    assert_int_equal(number_format_i64(buf, -1), 2);
    assert_string_equal(buf, "-1");
    assert_int_equal(number_format_i64(buf, INT64_MAX), 19);
    assert_string_equal(buf, "9223372036854775807");
    assert_int_equal(number_format_i64(buf, INT64_MIN), 20);
    assert_string_equal(buf, "-9223372036854775808");
    assert_int_equal(number_format_u64(buf, UINT64_MAX), 20);
    assert_string_equal(buf, "18446744073709551615");
    assert_int_equal(number_format_u64(buf, 1000), 4);
    assert_string_equal(buf, "1000");
}

static void formatted_integers_parse_back(void **state) {
    (void)state;
    char buf[NUMBER_I64_MAX_CHARS];
    int64_t samples[] = {0, 1, -1, 9, 10, -10, 99, 100, 12345, -987654321, INT64_MAX, INT64_MIN,
                         INT64_MAX - 1, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        size_t n = number_format_i64(buf, samples[i]);
        int64_t back = 0;
        assert_true(number_parse_i64(buf, n, &back));
        assert_true(back == samples[i]);
    }
}

static void digit_counts(void **state) {
    (void)state;
    assert_int_equal(number_digits_u64(0), 1);
    assert_int_equal(number_digits_u64(9), 1);
    assert_int_equal(number_digits_u64(10), 2);
    assert_int_equal(number_digits_u64(99), 2);
    assert_int_equal(number_digits_u64(100), 3);
    assert_int_equal(number_digits_u64(UINT64_MAX), 20);
}

static void doubles_format_like_percent_17g(void **state) {
    (void)state;
    char buf[64];
    struct {
        double v;
        const char *text;
    } cases[] = {
        {1.5, "1.5"},
        {3.0, "3"},
        {0.1, "0.10000000000000001"},
        {1.0 / 3.0, "0.33333333333333331"},
        {1e20, "1e+20"},
        {-2.5e-5, "-2.5000000000000001e-05"},
        {-0.0, "-0"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = number_format_double(buf, sizeof(buf), cases[i].v);
        assert_int_equal(n, strlen(cases[i].text));
        assert_string_equal(buf, cases[i].text);
    }
    /* No room: 0, never a truncated number. */
    assert_int_equal(number_format_double(buf, 4, 0.1), 0);
    assert_int_equal(number_format_double(buf, 4, -INFINITY), 0);
}

static void long_doubles_format_in_human_form(void **state) {
    (void)state;
    char buf[NUMBER_LD_MAX_CHARS];
    struct {
        long double v;
        const char *text;
    } cases[] = {
        {3.0L, "3"},
        {10.5L, "10.5"},
        {10.5L + 0.1L, "10.6"},     /* INCRBYFLOAT mykey 0.1 on 10.50 */
        {5.0e3L + 2.0e2L, "5200"},  /* INCRBYFLOAT mykey 2.0e2 on 5.0e3 */
        {0.1L, "0.1"},
        {-1.25L, "-1.25"},
        {5000.0L, "5000"},          /* zeros before the point stay */
        {1e20L, "100000000000000000000"},
        {1.0L / 3.0L, "0.33333333333333333"},
        {-0.0L, "0"},
        {-1e-20L, "0"},             /* rounds to "-0.000..." and becomes "0" */
        {1e-20L, "0"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = number_format_long_double(buf, sizeof(buf), cases[i].v);
        if (n != strlen(cases[i].text) || strcmp(buf, cases[i].text) != 0) {
            print_error("case %zu: expected \"%s\" got \"%s\"\n", i, cases[i].text, buf);
            fail();
        }
    }
    /* The largest finite long double still fits the documented buffer. */
    assert_true(number_format_long_double(buf, sizeof(buf), LDBL_MAX) > 4900);
    assert_int_equal(number_format_long_double(buf, 5, 10.5L), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(i64_accepts_canonical_integers),
        cmocka_unit_test(i64_rejects_what_redis_rejects),
        cmocka_unit_test(i64_is_length_bounded_not_nul_terminated),
        cmocka_unit_test(u64_accepts_the_full_unsigned_range),
        cmocka_unit_test(double_parsing_follows_strtod_minus_nan_and_spaces),
        cmocka_unit_test(long_double_parsing_has_the_same_rules),
        cmocka_unit_test(integers_format_in_decimal),
        cmocka_unit_test(formatted_integers_parse_back),
        cmocka_unit_test(digit_counts),
        cmocka_unit_test(doubles_format_like_percent_17g),
        cmocka_unit_test(long_doubles_format_in_human_form),
    };
    return cmocka_run_group_tests_name("number", tests, NULL, NULL);
}
