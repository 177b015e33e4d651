/* Unit tests for glob: the pattern language of KEYS, SCAN MATCH and CONFIG
 * GET.
 *
 * The case table below states Redis 7.0's stringmatchlen() results, quirks
 * included (a reversed range is swapped before case folding, an escape in a
 * class ignores nocase, an unterminated class runs to the end of the
 * pattern, the empty string matches only the empty pattern). The matcher
 * itself is written differently (no recursion), so the table is what keeps
 * the two in step. Pathological patterns must stay linear-ish. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/glob.h"

typedef struct glob_case {
    const char *pattern;
    const char *string;
    bool nocase;
    bool match;
} glob_case;

static const glob_case glob_cases[] = {
    /* literals */
    {"hello", "hello", false, true},
    {"hello", "hell", false, false},
    {"hello", "hello!", false, false},
    {"hello", "HELLO", false, false},
    {"hello", "HELLO", true, true},
    {"HeLLo", "hEllO", true, true},
    /* ? */
    {"h?llo", "hello", false, true},
    {"h?llo", "hllo", false, false},
    {"???", "abc", false, true},
    {"???", "ab", false, false},
    /* * */
    {"*", "anything", false, true},
    {"h*o", "hello", false, true},
    {"h*o", "ho", false, true},
    {"h*o", "hellx", false, false},
    {"*llo", "hello", false, true},
    {"he*", "he", false, true},
    {"a*b*c", "aXbYc", false, true},
    {"a*b*c", "aXcYb", false, false},
    {"**a", "a", false, true},
    {"*a*", "bab", false, true},
    {"*a*", "bbb", false, false},
    {"a*", "a", false, true},
    {"*?", "a", false, true},
    {"*?*?", "a", false, false},
    /* the empty string matches only the empty pattern */
    {"", "", false, true},
    {"*", "", false, false},
    {"**", "", false, false},
    {"?", "", false, false},
    {"", "a", false, false},
    /* classes */
    {"h[ae]llo", "hallo", false, true},
    {"h[ae]llo", "hillo", false, false},
    {"h[^e]llo", "hallo", false, true},
    {"h[^e]llo", "hello", false, false},
    {"h[a-b]llo", "hbllo", false, true},
    {"h[a-b]llo", "hcllo", false, false},
    {"[a-cx-z]", "y", false, true},
    {"[a-cx-z]", "m", false, false},
    {"[^a-c]", "d", false, true},
    {"[^a-c]", "b", false, false},
    {"[*?]", "?", false, true},
    {"[*?]", "a", false, false},
    {"[]a]", "]a]", false, false},
    {"[a-]", "-", false, false},
    {"[a-]", "_", false, true},
    {"[-a]", "-", false, true},
    /* reversed ranges are swapped */
    {"[z-a]", "m", false, true},
    {"[9-0]", "5", false, true},
    {"[a-Z]", "_", false, true},
    {"[a-Z]", "m", false, false},
    /* nocase folds after the swap: [Z-a] becomes z..a and matches nothing */
    {"[A-C]", "b", true, true},
    {"[a-c]", "B", true, true},
    {"[Z-a]", "z", true, false},
    {"[Z-a]", "a", true, false},
    {"[Z-a]", "_", true, false},
    {"[Z-a]", "_", false, true},
    /* escapes */
    {"\\*", "*", false, true},
    {"\\*", "a", false, false},
    {"a\\?b", "a?b", false, true},
    {"a\\?b", "axb", false, false},
    {"\\[a]", "[a]", false, true},
    {"[\\]]", "]", false, true},
    {"[\\-]", "-", false, true},
    {"[a\\-z]", "-", false, true},
    {"[a\\-z]", "m", false, false},
    {"[\\^a]", "^", false, true},
    {"abc\\", "abc\\", false, true},
    {"\\A", "a", true, true},
    /* inside a class an escaped byte is compared exactly, even with nocase */
    {"[\\A]", "a", true, false},
    {"[\\A]", "A", true, true},
    /* an unterminated class takes the rest of the pattern */
    {"[abc", "b", false, true},
    {"[abc", "d", false, false},
    {"[abc", "bc", false, false},
    {"x[", "x[", false, false},
    {"[^", "a", false, true},
    {"*[", "ab", false, false},
    /* stars around classes and escapes */
    {"*[0-9]", "key:7", false, true},
    {"*[0-9]", "key:x", false, false},
    {"user:*:\\*", "user:42:*", false, true},
    {"user:*:\\*", "user:42:x", false, false},
};

static void table_of_redis_cases(void **state) {
    (void)state;
    int wrong = 0;
    for (size_t i = 0; i < sizeof(glob_cases) / sizeof(glob_cases[0]); i++) {
        const glob_case *c = &glob_cases[i];
        bool got = glob_match(c->pattern, strlen(c->pattern), c->string, strlen(c->string),
                              c->nocase);
        if (got != c->match) {
            print_error("pattern '%s' string '%s' nocase %d: expected %d got %d\n", c->pattern,
                        c->string, c->nocase, c->match, got);
            wrong++;
        }
    }
    assert_int_equal(wrong, 0);
}

static void matching_is_binary_safe(void **state) {
    (void)state;
    assert_true(glob_match("a?c", 3, "a\0c", 3, false));
    assert_true(glob_match("a\0*", 3, "a\0xyz", 5, false));
    assert_false(glob_match("a\0*", 3, "a", 1, false));
    assert_true(glob_match("[\0]", 3, "\0", 1, false));
    /* The lengths, not NUL bytes, end pattern and subject. */
    assert_true(glob_match("ab", 1, "a", 1, false));
    assert_true(glob_match("a*", 2, "ab\0", 1, false));
}

static void bytes_above_ascii_are_plain_bytes(void **state) {
    (void)state;
    assert_true(glob_match("caf\xc3\xa9", 5, "caf\xc3\xa9", 5, true));
    assert_true(glob_match("caf??", 5, "caf\xc3\xa9", 5, false));
    assert_false(glob_match("caf?", 4, "caf\xc3\xa9", 5, false));
    /* nocase folds ASCII letters only. */
    assert_false(glob_match("\xc3\xa9", 2, "\xc3\x89", 2, true));
}

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void pathological_patterns_finish_quickly(void **state) {
    (void)state;
    static char subject[100000];
    memset(subject, 'a', sizeof(subject));
    const char *patterns[] = {
        "a*a*a*a*a*a*a*a*b",
        "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
        "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*b",
        "*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*c",
    };
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        assert_false(glob_match(patterns[i], strlen(patterns[i]), subject, sizeof(subject), false));
        assert_false(glob_match(patterns[i], strlen(patterns[i]), subject, 64, true));
    }
    /* A backtracking matcher needs astronomically long here; a linear one a
     * few milliseconds. One second leaves room for slow sanitizer builds. */
    double elapsed = seconds_since(&t0);
    print_message("pathological patterns took %.3f s\n", elapsed);
    assert_true(elapsed < 1.0);
    subject[sizeof(subject) - 1] = 'b';
    assert_true(glob_match(patterns[0], strlen(patterns[0]), subject, sizeof(subject), false));
}

static void literal_patterns_are_recognised(void **state) {
    (void)state;
    assert_true(glob_is_literal("user:1000", 9));
    assert_true(glob_is_literal("", 0));
    assert_true(glob_is_literal("a-b]^", 5));
    assert_false(glob_is_literal("user:*", 6));
    assert_false(glob_is_literal("a?", 2));
    assert_false(glob_is_literal("[ab]", 4));
    /* An escape makes the pattern differ from its own text. */
    assert_false(glob_is_literal("a\\b", 3));
    /* The length bounds the check. */
    assert_true(glob_is_literal("ab*", 2));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_of_redis_cases),
        cmocka_unit_test(matching_is_binary_safe),
        cmocka_unit_test(bytes_above_ascii_are_plain_bytes),
        cmocka_unit_test(pathological_patterns_finish_quickly),
        cmocka_unit_test(literal_patterns_are_recognised),
    };
    return cmocka_run_group_tests_name("glob", tests, NULL, NULL);
}
