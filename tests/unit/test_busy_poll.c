/* Unit tests for busy_poll: when the event loop polls instead of sleeping,
 * and how it backs off when polling does not pay. Times are microseconds
 * chosen by the test, so every decision is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/busy_poll.h"

static void zero_budget_never_polls(void **state) {
    (void)state;
    busy_poll bp;
    busy_poll_init(&bp, 0);
    assert_false(busy_poll_after_work(&bp, 10));
    assert_false(busy_poll_on_idle(&bp, 11));
    busy_poll_init(&bp, -5);
    assert_int_equal(bp.budget_us, 0);
    assert_false(busy_poll_after_work(&bp, 10));
}

static void polls_for_the_budget_after_work(void **state) {
    (void)state;
    busy_poll bp;
    busy_poll_init(&bp, 100);
    assert_true(busy_poll_after_work(&bp, 1000));
    assert_true(busy_poll_on_idle(&bp, 1001));
    assert_true(busy_poll_on_idle(&bp, 1100));
    assert_false(busy_poll_on_idle(&bp, 1101));
    assert_int_equal(bp.misses, 1);
    assert_int_equal(bp.hits, 0);
    /* Asked again without new work: still asleep. */
    assert_false(busy_poll_on_idle(&bp, 1102));
    assert_int_equal(bp.misses, 1);
}

static void work_found_by_a_poll_counts_as_a_hit(void **state) {
    (void)state;
    busy_poll bp;
    busy_poll_init(&bp, 100);
    assert_true(busy_poll_after_work(&bp, 0));
    assert_true(busy_poll_on_idle(&bp, 40));
    assert_true(busy_poll_after_work(&bp, 60));
    assert_true(busy_poll_after_work(&bp, 70));
    assert_int_equal(bp.hits, 2);
    /* The budget runs from the latest work, not the first. */
    assert_true(busy_poll_on_idle(&bp, 160));
    assert_false(busy_poll_on_idle(&bp, 171));
}

static void a_miss_after_hits_does_not_start_a_cooldown(void **state) {
    (void)state;
    busy_poll bp;
    busy_poll_init(&bp, 100);
    assert_true(busy_poll_after_work(&bp, 0));
    assert_true(busy_poll_after_work(&bp, 50)); /* a hit */
    assert_false(busy_poll_on_idle(&bp, 151));  /* then the traffic pauses */
    assert_int_equal(bp.misses, 1);
    assert_int_equal(bp.cooldown_us, 0);
    /* The next request after the pause polls again at once. */
    assert_true(busy_poll_after_work(&bp, 152));
    /* But a second miss with no hit in between does start one. */
    assert_false(busy_poll_on_idle(&bp, 253));
    assert_int_equal(bp.cooldown_us, BUSY_POLL_MIN_COOLDOWN_US);
    assert_false(busy_poll_after_work(&bp, 254));
}

static void misses_in_a_row_double_the_cooldown_up_to_the_cap(void **state) {
    (void)state;
    busy_poll bp;
    busy_poll_init(&bp, 100);
    int64_t now = 0;
    int64_t expect = BUSY_POLL_MIN_COOLDOWN_US;
    for (int i = 0; i < 12; i++) {
        assert_true(busy_poll_after_work(&bp, now));
        now += 101;
        assert_false(busy_poll_on_idle(&bp, now));
        assert_int_equal(bp.cooldown_us, expect);
        /* Work during the cooldown is answered without polling. */
        assert_false(busy_poll_after_work(&bp, now + bp.cooldown_us - 1));
        assert_false(busy_poll_on_idle(&bp, now + bp.cooldown_us - 1));
        now += bp.cooldown_us;
        if (expect < BUSY_POLL_MAX_COOLDOWN_US) expect *= 2;
    }
    assert_int_equal(bp.cooldown_us, BUSY_POLL_MAX_COOLDOWN_US);
    assert_int_equal(bp.misses, 12);
    /* A hit resets the back-off. */
    assert_true(busy_poll_after_work(&bp, now));
    assert_true(busy_poll_after_work(&bp, now + 10));
    assert_int_equal(bp.cooldown_us, 0);
}

static void wasted_polling_stays_small_for_sparse_traffic(void **state) {
    (void)state;
    /* One request every 2 ms for ten seconds: polling never catches
     * anything, so its cost must fall to a sliver of the time. */
    busy_poll bp;
    busy_poll_init(&bp, 100);
    int64_t wasted = 0;
    for (int64_t now = 0; now < 10 * 1000 * 1000; now += 2000) {
        if (!busy_poll_after_work(&bp, now)) continue;
        wasted += 101;
        assert_false(busy_poll_on_idle(&bp, now + 101));
    }
    assert_int_equal(bp.hits, 0);
    assert_true(wasted < 10 * 1000 * 1000 / 500); /* under 0.2% */
}

static void turning_it_off_stops_a_poll_in_progress(void **state) {
    (void)state;
    busy_poll bp;
    busy_poll_init(&bp, 100);
    assert_true(busy_poll_after_work(&bp, 0));
    busy_poll_set_budget(&bp, 0);
    assert_false(busy_poll_on_idle(&bp, 1));
    assert_false(busy_poll_after_work(&bp, 2));
    busy_poll_set_budget(&bp, 50);
    assert_true(busy_poll_after_work(&bp, 3));
    assert_int_equal(bp.hits, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zero_budget_never_polls),
        cmocka_unit_test(polls_for_the_budget_after_work),
        cmocka_unit_test(work_found_by_a_poll_counts_as_a_hit),
        cmocka_unit_test(a_miss_after_hits_does_not_start_a_cooldown),
        cmocka_unit_test(misses_in_a_row_double_the_cooldown_up_to_the_cap),
        cmocka_unit_test(wasted_polling_stays_small_for_sparse_traffic),
        cmocka_unit_test(turning_it_off_stops_a_poll_in_progress),
    };
    return cmocka_run_group_tests_name("busy_poll", tests, NULL, NULL);
}
