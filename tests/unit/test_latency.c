/* Unit tests for latency: the latency monitor's per-event sample rings.
 *
 * The wall clock is fake (clock_set_fake_us), so "the same second" and
 * "200 different seconds" are exact and the LATEST and HISTORY replies can
 * be compared byte for byte. The behaviour follows Redis: one sample per
 * event per second holding that second's worst value, a ring of the last
 * 160 samples listed oldest first, an all-time maximum that outlives the
 * ring, and nothing recorded while the threshold is 0 or not reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/mem.h"
#include "protocol/reply.h"
#include "server/latency.h"

#define NOW_S 1700000000LL

typedef struct fixture {
    size_t baseline;
    latency_monitor *lm;
    reply out;
    char *flat; /* last reply, owned */
    size_t flat_len;
} fixture;

static void at_second(int64_t s) {
    clock_set_fake_us(s * 1000000);
}

static int setup(void **state) {
    fixture *f = mem_calloc(1, sizeof(*f));
    f->baseline = mem_used_bytes();
    f->lm = latency_new();
    reply_init(&f->out);
    at_second(NOW_S);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    clock_set_fake_us(0);
    mem_free(f->flat);
    reply_fini(&f->out);
    latency_free(f->lm);
    size_t now = mem_used_bytes();
    size_t baseline = f->baseline;
    mem_free(f);
    assert_int_equal(now, baseline);
    return 0;
}

/* Takes what the last call wrote into f->out as f->flat and empties out. */
static const char *take(fixture *f) {
    mem_free(f->flat);
    f->flat = reply_flatten(&f->out, &f->flat_len);
    reply_fini(&f->out);
    reply_init(&f->out);
    return f->flat;
}

static void check(fixture *f, const char *want, int line) {
    if (f->flat_len != strlen(want) || memcmp(f->flat, want, f->flat_len) != 0) {
        print_error("line %d:\n  want \"%s\"\n  got  \"%.*s\"\n", line, want, (int)f->flat_len,
                    f->flat);
        fail();
    }
}

#define ASSERT_LATEST(f, want)                                                                     \
    do {                                                                                           \
        latency_reply_latest((f)->lm, &(f)->out);                                                  \
        take(f);                                                                                   \
        check((f), (want), __LINE__);                                                              \
    } while (0)

#define ASSERT_HISTORY(f, event, want)                                                             \
    do {                                                                                           \
        latency_reply_history((f)->lm, &(f)->out, (event), strlen(event));                         \
        take(f);                                                                                   \
        check((f), (want), __LINE__);                                                              \
    } while (0)

static void nothing_is_recorded_below_the_threshold_or_when_off(void **state) {
    fixture *f = *state;
    /* Threshold 0 turns the monitor off; negative ones too. */
    latency_record(f->lm, "command", 500, 0);
    latency_record(f->lm, "command", 500, -1);
    /* Below the threshold. */
    latency_record(f->lm, "command", 99, 100);
    latency_record(f->lm, "command", 0, 100);
    ASSERT_LATEST(f, "*0\r\n");
    ASSERT_HISTORY(f, "command", "*0\r\n");
    /* Reaching it is enough. */
    latency_record(f->lm, "command", 100, 100);
    ASSERT_LATEST(f, "*1\r\n*4\r\n$7\r\ncommand\r\n:1700000000\r\n:100\r\n:100\r\n");
}

static void one_sample_per_second_keeps_that_seconds_worst(void **state) {
    fixture *f = *state;
    latency_record(f->lm, "command", 5, 1);
    latency_record(f->lm, "command", 20, 1);
    latency_record(f->lm, "command", 10, 1);
    ASSERT_HISTORY(f, "command", "*1\r\n*2\r\n:1700000000\r\n:20\r\n");
    ASSERT_LATEST(f, "*1\r\n*4\r\n$7\r\ncommand\r\n:1700000000\r\n:20\r\n:20\r\n");
    /* Within the same second, only whole seconds count. */
    clock_set_fake_us(NOW_S * 1000000 + 999999);
    latency_record(f->lm, "command", 25, 1);
    /* A new second starts a new sample; the maximum stays. */
    at_second(NOW_S + 3);
    latency_record(f->lm, "command", 7, 1);
    latency_record(f->lm, "command", 6, 1);
    ASSERT_HISTORY(f, "command", "*2\r\n*2\r\n:1700000000\r\n:25\r\n*2\r\n:1700000003\r\n:7\r\n");
    ASSERT_LATEST(f, "*1\r\n*4\r\n$7\r\ncommand\r\n:1700000003\r\n:7\r\n:25\r\n");
}

static void events_are_kept_apart(void **state) {
    fixture *f = *state;
    latency_record(f->lm, "command", 12, 10);
    at_second(NOW_S + 1);
    latency_record(f->lm, "expire-cycle", 30, 10);
    ASSERT_HISTORY(f, "command", "*1\r\n*2\r\n:1700000000\r\n:12\r\n");
    ASSERT_HISTORY(f, "expire-cycle", "*1\r\n*2\r\n:1700000001\r\n:30\r\n");
    ASSERT_HISTORY(f, "fast-command", "*0\r\n");
    /* Names are matched exactly, by length too. */
    ASSERT_HISTORY(f, "comman", "*0\r\n");
    ASSERT_HISTORY(f, "commands", "*0\r\n");
    ASSERT_HISTORY(f, "COMMAND", "*0\r\n");
    latency_reply_history(f->lm, &f->out, "commandXYZ", 7);
    take(f);
    check(f, "*1\r\n*2\r\n:1700000000\r\n:12\r\n", __LINE__);
    /* LATEST lists both (in no particular order). */
    latency_reply_latest(f->lm, &f->out);
    const char *r = take(f);
    assert_memory_equal(r, "*2\r\n", 4);
    assert_non_null(strstr(r, "*4\r\n$7\r\ncommand\r\n:1700000000\r\n:12\r\n:12\r\n"));
    assert_non_null(strstr(r, "*4\r\n$12\r\nexpire-cycle\r\n:1700000001\r\n:30\r\n:30\r\n"));
    assert_int_equal(f->flat_len, 4 + 40 + 46);
}

static void ring_keeps_the_last_160_seconds_oldest_first(void **state) {
    fixture *f = *state;
    /* 200 seconds with a sample each; the worst one (second 10) falls out
     * of the ring but stays the maximum. */
    for (int s = 1; s <= 200; s++) {
        at_second(NOW_S + s);
        latency_record(f->lm, "command", s == 10 ? 5000 : 100 + s, 1);
    }
    char want[16384];
    size_t n = (size_t)snprintf(want, sizeof(want), "*160\r\n");
    for (int s = 41; s <= 200; s++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "*2\r\n:%lld\r\n:%d\r\n", NOW_S + s,
                              100 + s);
    assert_true(n < sizeof(want));
    ASSERT_HISTORY(f, "command", want);
    ASSERT_LATEST(f, "*1\r\n*4\r\n$7\r\ncommand\r\n:1700000200\r\n:300\r\n:5000\r\n");
    /* Exactly 160: the ring is full, nothing dropped yet. */
    latency_reset(f->lm, NULL, 0);
    for (int s = 1; s <= 160; s++) {
        at_second(NOW_S + s);
        latency_record(f->lm, "command", s, 1);
    }
    latency_reply_history(f->lm, &f->out, "command", 7);
    const char *r = take(f);
    static const char head[] = "*160\r\n*2\r\n:1700000001\r\n:1\r\n";
    assert_memory_equal(r, head, sizeof(head) - 1);
    assert_non_null(strstr(r, "*2\r\n:1700000160\r\n:160\r\n"));
}

static void reset_drops_named_events_or_all(void **state) {
    fixture *f = *state;
    latency_record(f->lm, "command", 50, 1);
    latency_record(f->lm, "fast-command", 60, 1);
    latency_record(f->lm, "expire-cycle", 70, 1);
    assert_int_equal(latency_reset(f->lm, "nosuch", 6), 0);
    assert_int_equal(latency_reset(f->lm, "fast-command", 12), 1);
    assert_int_equal(latency_reset(f->lm, "fast-command", 12), 0);
    ASSERT_HISTORY(f, "fast-command", "*0\r\n");
    ASSERT_HISTORY(f, "command", "*1\r\n*2\r\n:1700000000\r\n:50\r\n");
    ASSERT_HISTORY(f, "expire-cycle", "*1\r\n*2\r\n:1700000000\r\n:70\r\n");
    /* The length is what counts, as for HISTORY. */
    assert_int_equal(latency_reset(f->lm, "commandXYZ", 7), 1);
    ASSERT_LATEST(f, "*1\r\n*4\r\n$12\r\nexpire-cycle\r\n:1700000000\r\n:70\r\n:70\r\n");
    latency_record(f->lm, "command", 40, 1);
    assert_int_equal(latency_reset(f->lm, NULL, 0), 2);
    ASSERT_LATEST(f, "*0\r\n");
    assert_int_equal(latency_reset(f->lm, NULL, 0), 0);
    /* An event recorded again starts over: no old samples, no old max. */
    latency_record(f->lm, "expire-cycle", 3, 1);
    ASSERT_LATEST(f, "*1\r\n*4\r\n$12\r\nexpire-cycle\r\n:1700000000\r\n:3\r\n:3\r\n");
    ASSERT_HISTORY(f, "expire-cycle", "*1\r\n*2\r\n:1700000000\r\n:3\r\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nothing_is_recorded_below_the_threshold_or_when_off,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(one_sample_per_second_keeps_that_seconds_worst, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(events_are_kept_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(ring_keeps_the_last_160_seconds_oldest_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reset_drops_named_events_or_all, setup, teardown),
    };
    return cmocka_run_group_tests_name("latency", tests, NULL, NULL);
}
