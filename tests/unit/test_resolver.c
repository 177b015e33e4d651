/* Unit tests for resolver: background name lookups polled from a timer.
 * They use names every system resolves without a network: "localhost"
 * (from /etc/hosts) and numeric addresses, plus a name under the reserved
 * ".invalid" domain, which never resolves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/resolver.h"

/* Polls like a timer would, every 5 ms, for at most ~40 s (a resolver that cannot reach its DNS server gives up within about 10 s). */
static bool poll_until_answer(resolver *r, const char *host, char *ip, size_t cap, int *polls) {
    *polls = 0;
    for (int i = 0; i < 8000; i++) {
        (*polls)++;
        if (resolver_lookup(r, host, ip, cap, i * 5)) return true;
        if (i > 0 && resolver_pending(r) == 0) return false; /* finished without an answer */
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void first_call_starts_and_a_later_one_collects(void **state) {
    (void)state;
    resolver *r = resolver_new();
    char ip[64] = "";
    int polls;
    assert_false(resolver_lookup(r, "localhost", ip, sizeof(ip), 0)); /* never answers at once */
    assert_int_equal(resolver_pending(r), 1);
    assert_true(poll_until_answer(r, "localhost", ip, sizeof(ip), &polls));
    assert_true(strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0);
    /* The answer was consumed: the next call starts again. */
    assert_int_equal(resolver_pending(r), 0);
    assert_false(resolver_lookup(r, "localhost", ip, sizeof(ip), 0));
    assert_int_equal(resolver_pending(r), 1);
    resolver_free(r);
}

static void numeric_addresses_come_back_as_text(void **state) {
    (void)state;
    resolver *r = resolver_new();
    char ip[64];
    int polls;
    assert_true(poll_until_answer(r, "10.1.2.3", ip, sizeof(ip), &polls));
    assert_string_equal(ip, "10.1.2.3");
    assert_true(poll_until_answer(r, "fd00::7", ip, sizeof(ip), &polls));
    assert_string_equal(ip, "fd00::7");
    resolver_free(r);
}

static void unknown_name_fails_then_retries(void **state) {
    (void)state;
    resolver *r = resolver_new();
    char ip[64] = "unchanged";
    int polls;
    assert_false(poll_until_answer(r, "no-such-host.invalid", ip, sizeof(ip), &polls));
    assert_int_equal(resolver_pending(r), 0);
    assert_false(resolver_lookup(r, "no-such-host.invalid", ip, sizeof(ip), 0));
    assert_int_equal(resolver_pending(r), 1); /* a new attempt */
    resolver_free(r);                         /* cancels or waits for it */
}

static void names_are_independent_and_stale_answers_age_out(void **state) {
    (void)state;
    resolver *r = resolver_new();
    char ip[64];
    int polls;
    assert_false(resolver_lookup(r, "10.0.0.1", ip, sizeof(ip), 0));
    assert_false(resolver_lookup(r, "10.0.0.2", ip, sizeof(ip), 0));
    assert_int_equal(resolver_pending(r), 2);
    assert_true(poll_until_answer(r, "10.0.0.2", ip, sizeof(ip), &polls));
    assert_string_equal(ip, "10.0.0.2");
    assert_int_equal(resolver_pending(r), 1);
    /* Nobody asks for 10.0.0.1 again; a minute later its answer is dropped. */
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_false(resolver_lookup(r, "10.0.0.9", ip, sizeof(ip), 120000));
    assert_int_equal(resolver_pending(r), 1); /* only 10.0.0.9's */
    resolver_free(r);
}

static void small_buffer_gets_no_partial_address(void **state) {
    (void)state;
    resolver *r = resolver_new();
    char ip[4] = "xyz";
    int polls;
    assert_false(poll_until_answer(r, "10.11.12.13", ip, sizeof(ip), &polls));
    resolver_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_call_starts_and_a_later_one_collects),
        cmocka_unit_test(numeric_addresses_come_back_as_text),
        cmocka_unit_test(unknown_name_fails_then_retries),
        cmocka_unit_test(names_are_independent_and_stale_answers_age_out),
        cmocka_unit_test(small_buffer_gets_no_partial_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
