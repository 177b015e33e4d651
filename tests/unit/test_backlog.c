/* Tests of the replication backlog ring: offsets, wrap-around, what a
 * partial resync may ask for, and resizing. Checked against a plain copy of
 * the whole stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/backlog.h"

typedef struct collected {
    char data[4096];
    size_t len;
    int pieces;
} collected;

static void collect(void *ctx, const char *data, size_t len) {
    collected *c = ctx;
    memcpy(c->data + c->len, data, len);
    c->len += len;
    c->pieces++;
}

static void offsets_follow_redis(void **state) {
    (void)state;
    backlog *b = backlog_new(16, 100);
    assert_int_equal(backlog_first_offset(b), 101);
    assert_true(backlog_covers(b, 101)); /* up to date: nothing to send */
    assert_false(backlog_covers(b, 100));
    backlog_append(b, "abcdef", 6);
    assert_int_equal(b->offset, 106);
    assert_int_equal(backlog_first_offset(b), 101);
    assert_true(backlog_covers(b, 101));
    assert_true(backlog_covers(b, 107));
    assert_false(backlog_covers(b, 108));
    collected c = {0};
    assert_int_equal(backlog_read_from(b, 103, collect, &c), 4);
    assert_memory_equal(c.data, "cdef", 4);
    backlog_free(b);
}

/* Random appends against a reference copy: every covered offset reads the
 * same bytes as the reference, every older one is refused. */
static void matches_a_plain_copy_through_wraps(void **state) {
    (void)state;
    srand(7);
    for (size_t size = 1; size <= 40; size += 3) {
        backlog *b = backlog_new(size, 0);
        char all[4096];
        size_t total = 0;
        while (total < 2000) {
            size_t n = (size_t)(rand() % 30);
            char piece[32];
            for (size_t i = 0; i < n; i++) piece[i] = (char)('a' + rand() % 26);
            backlog_append(b, piece, n);
            memcpy(all + total, piece, n);
            total += n;
            assert_int_equal(b->offset, (int64_t)total);
            for (int64_t from = 1; from <= (int64_t)total + 1; from++) {
                bool held = (int64_t)total - from + 1 <= (int64_t)size;
                assert_int_equal(backlog_covers(b, from), held);
                if (!held) continue;
                collected c = {0};
                size_t got = backlog_read_from(b, from, collect, &c);
                assert_int_equal(got, total - (size_t)from + 1);
                assert_memory_equal(c.data, all + from - 1, got);
                assert_true(c.pieces <= 2);
            }
        }
        backlog_free(b);
    }
}

static void an_append_larger_than_the_ring_keeps_its_tail(void **state) {
    (void)state;
    backlog *b = backlog_new(4, 0);
    backlog_append(b, "0123456789", 10);
    assert_int_equal(b->offset, 10);
    assert_int_equal(backlog_first_offset(b), 7);
    collected c = {0};
    backlog_read_from(b, 7, collect, &c);
    assert_int_equal(c.len, 4);
    assert_memory_equal(c.data, "6789", 4);
    backlog_free(b);
}

static void resize_keeps_the_newest_bytes(void **state) {
    (void)state;
    backlog *b = backlog_new(8, 0);
    backlog_append(b, "abcdefghij", 10); /* holds cdefghij, wrapped */
    backlog_resize(b, 5);
    assert_int_equal(backlog_first_offset(b), 6);
    collected c = {0};
    backlog_read_from(b, 6, collect, &c);
    assert_memory_equal(c.data, "fghij", 5);
    backlog_resize(b, 32);
    backlog_append(b, "KL", 2);
    collected d = {0};
    backlog_read_from(b, 6, collect, &d);
    assert_int_equal(d.len, 7);
    assert_memory_equal(d.data, "fghijKL", 7);
    backlog_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offsets_follow_redis),
        cmocka_unit_test(matches_a_plain_copy_through_wraps),
        cmocka_unit_test(an_append_larger_than_the_ring_keeps_its_tail),
        cmocka_unit_test(resize_keeps_the_newest_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
