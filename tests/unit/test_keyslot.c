/* Unit tests for keyslot: CRC16-XMODEM and the {hashtag} rule.
 *
 * The expected slots were taken from a real Redis 7.0 node (CLUSTER KEYSLOT)
 * and from the compatibility contract; clients compute slots themselves, so
 * a single differing slot sends every request for that key to the wrong
 * node. Hash-tag edge cases are checked both as absolute slots and as "same
 * slot as the bytes that should be hashed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/keyslot.h"

static unsigned slot_of(const char *key) {
    return keyslot(key, strlen(key));
}

static void crc16_matches_the_xmodem_check_value(void **state) {
    (void)state;
    assert_int_equal(crc16_xmodem("123456789", 9), 0x31C3);
    assert_int_equal(crc16_xmodem("", 0), 0);
    /* A single byte equals its table entry: polynomial 0x1021 shifted. */
    assert_int_equal(crc16_xmodem("\x01", 1), 0x1021);
}

static void slots_match_redis_for_plain_keys(void **state) {
    (void)state;
    assert_int_equal(slot_of("foo"), 12182);
    assert_int_equal(slot_of("a"), 15495);
    assert_int_equal(slot_of("x"), 16287);
    assert_int_equal(slot_of("key:1"), 6657);
    assert_int_equal(slot_of("bar"), 5061);
}

static void hashtag_selects_the_bytes_between_the_first_braces(void **state) {
    (void)state;
    assert_int_equal(slot_of("{user1}x"), 8106);
    assert_int_equal(slot_of("{user1}x"), slot_of("user1"));
    assert_int_equal(slot_of("{user1}:profile"), slot_of("{user1}:cart"));
    assert_int_equal(slot_of("foo{bar}"), slot_of("bar"));
    assert_int_equal(slot_of("foo{bar}{zap}"), 5061);
    /* Only the first '{' and the first '}' after it count. */
    assert_int_equal(slot_of("{a}{b}"), slot_of("a"));
    assert_int_equal(slot_of("foo{{bar}}"), 4015);
    assert_int_equal(slot_of("foo{{bar}}"), slot_of("{bar"));
}

static void empty_or_unclosed_hashtag_hashes_the_whole_key(void **state) {
    (void)state;
    assert_int_equal(slot_of("{}"), 15257);
    assert_int_equal(slot_of("{}"), crc16_xmodem("{}", 2) & (KEYSLOT_COUNT - 1));
    assert_int_equal(slot_of("{"), 4092);
    assert_int_equal(slot_of("}{"), 12793);
    /* "{}" comes first, so the later "{bar}" is not a tag either. */
    assert_int_equal(slot_of("foo{}{bar}"), 8363);
    assert_int_equal(slot_of("foo{}{bar}"), crc16_xmodem("foo{}{bar}", 10) & (KEYSLOT_COUNT - 1));
}

static void empty_key_is_slot_zero(void **state) {
    (void)state;
    assert_int_equal(keyslot("", 0), 0);
}

static void keyslot_is_binary_safe(void **state) {
    (void)state;
    /* A NUL inside the key is hashed like any byte, also inside a tag. */
    assert_int_equal(keyslot("a\0b", 3), crc16_xmodem("a\0b", 3) & (KEYSLOT_COUNT - 1));
    assert_int_not_equal(keyslot("a\0b", 3), keyslot("a", 1));
    assert_int_equal(keyslot("x{\0}y", 5), keyslot("\0", 1));
    /* The length bounds the search: a '}' past len does not close a tag. */
    assert_int_equal(keyslot("{ab}", 3), crc16_xmodem("{ab", 3) & (KEYSLOT_COUNT - 1));
}

static void every_slot_is_in_range(void **state) {
    (void)state;
    char key[32];
    unsigned seen_high = 0;
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(key, sizeof(key), "key:%d", i);
        unsigned s = keyslot(key, (size_t)n);
        assert_true(s < KEYSLOT_COUNT);
        if (s >= KEYSLOT_COUNT / 2) seen_high++;
    }
    /* The high bit of the slot is used too (no accidental 13-bit mask). */
    assert_true(seen_high > 40000 && seen_high < 60000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc16_matches_the_xmodem_check_value),
        cmocka_unit_test(slots_match_redis_for_plain_keys),
        cmocka_unit_test(hashtag_selects_the_bytes_between_the_first_braces),
        cmocka_unit_test(empty_or_unclosed_hashtag_hashes_the_whole_key),
        cmocka_unit_test(empty_key_is_slot_zero),
        cmocka_unit_test(keyslot_is_binary_safe),
        cmocka_unit_test(every_slot_is_in_range),
    };
    return cmocka_run_group_tests_name("keyslot", tests, NULL, NULL);
}
