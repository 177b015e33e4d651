/* Unit tests for buf: the growable byte buffer under the I/O paths.
 *
 * Besides content, the tests check the promises callers lean on: the byte
 * after the content is always NUL, capacity reported is capacity owned
 * (mem_usable_size), consuming keeps the remainder in order, and all memory
 * goes back on buf_fini (mem_used_bytes returns to where it started). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/mem.h"

static void new_buffer_is_empty_and_owns_nothing(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    buf b;
    buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    buf_clear(&b);
    buf_consume(&b, 0);
    buf_shrink(&b, 0);
    buf_fini(&b);
    assert_int_equal(mem_used_bytes(), base);
}

static void append_keeps_content_and_a_trailing_nul(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    buf b;
    buf_init(&b);
    buf_append(&b, "abc", 3);
    buf_append_char(&b, 'd');
    buf_append_str(&b, "ef");
    buf_append(&b, "", 0);
    assert_int_equal(b.len, 6);
    assert_string_equal(b.data, "abcdef");
    assert_true(b.cap >= b.len + 1);
    assert_int_equal(b.cap, mem_usable_size(b.data));
    /* Binary content: NUL bytes inside are kept and counted. */
    buf_append(&b, "\0x", 2);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "abcdef\0x", 9);
    buf_fini(&b);
    assert_int_equal(mem_used_bytes(), base);
}

static void growth_is_amortised_and_content_survives(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    buf b;
    buf_init(&b);
    int reallocs = 0;
    size_t last_cap = 0;
    for (int i = 0; i < 300000; i++) {
        buf_append_char(&b, (char)('a' + i % 26));
        if (b.cap != last_cap) {
            reallocs++;
            last_cap = b.cap;
        }
        assert_int_equal(b.data[b.len], '\0');
    }
    assert_int_equal(b.len, 300000);
    for (int i = 0; i < 300000; i += 997) assert_int_equal(b.data[i], 'a' + i % 26);
    /* Doubling: a few dozen reallocations, not thousands. */
    assert_true(reallocs < 40);
    buf_fini(&b);
    assert_int_equal(mem_used_bytes(), base);
}

static void growth_past_one_mebibyte_is_stepped(void **state) {
    (void)state;
    buf b;
    buf_init(&b);
    buf_reserve(&b, 3 * 1024 * 1024);
    /* Past 1 MiB the buffer grows in 1 MiB steps: at most one step more
     * than asked for (doubling would give 4 MiB from 2 MiB, then 8). */
    assert_true(b.cap >= 3 * 1024 * 1024 + 1);
    assert_true(b.cap <= 4 * 1024 * 1024 + 64 * 1024);
    buf_reserve(&b, 4 * 1024 * 1024 + 1);
    assert_true(b.cap >= 4 * 1024 * 1024 + 2);
    assert_true(b.cap <= 5 * 1024 * 1024 + 64 * 1024);
    size_t cap = b.cap;
    buf_reserve(&b, 1024);
    assert_int_equal(b.cap, cap); /* already room: no change */
    buf_fini(&b);
}

static void printf_appends_short_and_long_text(void **state) {
    (void)state;
    buf b;
    buf_init(&b);
    buf_printf(&b, "%s=%d", "x", 42);
    assert_string_equal(b.data, "x=42");
    char big[1000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    /* Longer than the function's stack buffer: takes the second path. */
    buf_printf(&b, "[%s]", big);
    assert_int_equal(b.len, 4 + 2 + 999);
    assert_int_equal(b.data[4], '[');
    assert_int_equal(b.data[5 + 999], ']');
    assert_int_equal(b.data[b.len], '\0');
    buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 1005);
    buf_fini(&b);
}

static void consume_drops_from_the_front(void **state) {
    (void)state;
    buf b;
    buf_init(&b);
    buf_append_str(&b, "hello world");
    buf_consume(&b, 6);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "world");
    buf_consume(&b, 0);
    assert_string_equal(b.data, "world");
    buf_consume(&b, 5);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_append_str(&b, "again");
    assert_string_equal(b.data, "again");
    buf_fini(&b);
}

static void clear_keeps_capacity(void **state) {
    (void)state;
    buf b;
    buf_init(&b);
    buf_append_str(&b, "some text");
    size_t cap = b.cap;
    buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.data, "");
    buf_fini(&b);
}

static void shrink_releases_spare_capacity(void **state) {
    (void)state;
    size_t base = mem_used_bytes();
    buf b;
    buf_init(&b);
    buf_reserve(&b, 100000);
    buf_append_str(&b, "tiny");
    size_t big = mem_used_bytes() - base;
    buf_shrink(&b, 0);
    assert_string_equal(b.data, "tiny");
    assert_true(b.cap >= 5);
    assert_true(b.cap < 100);
    assert_int_equal(b.cap, mem_usable_size(b.data));
    assert_true(mem_used_bytes() - base < big);
    /* min_cap is honoured. */
    buf_reserve(&b, 100000);
    buf_shrink(&b, 4096);
    assert_true(b.cap >= 4096 && b.cap < 8192);
    assert_string_equal(b.data, "tiny");
    buf_fini(&b);
    assert_int_equal(mem_used_bytes(), base);
}

static void quoted_escapes_what_splitters_unescape(void **state) {
    (void)state;
    buf b;
    buf_init(&b);
    buf_append_quoted(&b, "a \"b\"\\\n\r\t\a\b\x01\xff", 13);
    assert_string_equal(b.data, "\"a \\\"b\\\"\\\\\\n\\r\\t\\a\\b\\x01\\xff\"");
    buf_clear(&b);
    buf_append_quoted(&b, "", 0);
    assert_string_equal(b.data, "\"\"");
    buf_fini(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quoted_escapes_what_splitters_unescape),
        cmocka_unit_test(new_buffer_is_empty_and_owns_nothing),
        cmocka_unit_test(append_keeps_content_and_a_trailing_nul),
        cmocka_unit_test(growth_is_amortised_and_content_survives),
        cmocka_unit_test(growth_past_one_mebibyte_is_stepped),
        cmocka_unit_test(printf_appends_short_and_long_text),
        cmocka_unit_test(consume_drops_from_the_front),
        cmocka_unit_test(clear_keeps_capacity),
        cmocka_unit_test(shrink_releases_spare_capacity),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
