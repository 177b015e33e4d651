/* Unit tests for hash: keyed SipHash-1-3 and the sampling PRNG.
 *
 * Known-answer values were computed with an independent implementation of
 * SipHash-c-d written from the paper (checked against the paper's own
 * SipHash-2-4 vector), run with c=1, d=3. They pin the exact function, so a
 * change to it shows up here rather than as a different SCAN order. The
 * nocase variant must equal hashing the ASCII-lowercased bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/hash.h"

static const uint8_t reference_key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static int use_reference_key(void **state) {
    (void)state;
    hash_set_seed(reference_key);
    return 0;
}

static void siphash13_known_answers(void **state) {
    (void)state;
    uint8_t seq[64];
    for (int i = 0; i < 64; i++) seq[i] = (uint8_t)i;
    assert_true(hash_bytes("", 0) == 0xabac0158050fc4dcULL);
    assert_true(hash_bytes("a", 1) == 0x1c2697ab786a6237ULL);
    assert_true(hash_bytes("abc", 3) == 0x6fce24e8af8146ebULL);
    assert_true(hash_bytes("hello world", 11) == 0xab492b52ffa74d7bULL);
    assert_true(hash_bytes(seq, 15) == 0xd320d86d2a519956ULL);
    assert_true(hash_bytes(seq, 64) == 0xf17997ec4b4a6065ULL);
    assert_true(hash_bytes("Hello, World! 123", 17) == 0x432e7f9cb5008d1dULL);
}

static void seed_changes_every_hash(void **state) {
    (void)state;
    const uint8_t other[16] = "tessera-hash-key";
    hash_set_seed(other);
    assert_true(hash_bytes("", 0) == 0x07fd15b7c2406e7aULL);
    assert_true(hash_bytes("foo", 3) == 0x93cff62fe39d326bULL);
    assert_true(hash_bytes("key:000000000001", 16) == 0x0870c472bfe26b68ULL);
    uint64_t a = hash_bytes("foo", 3);
    hash_set_seed(reference_key);
    assert_true(hash_bytes("foo", 3) != a);
    /* Same seed, same input: same hash. */
    assert_true(hash_bytes("foo", 3) == hash_bytes("foo", 3));
}

static void nocase_equals_hash_of_lowercased_bytes(void **state) {
    (void)state;
    const char *inputs[] = {"", "GET", "get", "GeT", "CLIENT|SETNAME", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                            "Mixed_Case-123 @[`{", "\xc3\x89T\xc3\xa9"};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        const char *s = inputs[i];
        size_t n = strlen(s);
        char lower[64];
        for (size_t j = 0; j < n; j++)
            lower[j] = (s[j] >= 'A' && s[j] <= 'Z') ? (char)(s[j] + 32) : s[j];
        assert_true(hash_bytes_nocase(s, n) == hash_bytes(lower, n));
    }
    assert_true(hash_bytes_nocase("SET", 3) == hash_bytes_nocase("set", 3));
    /* Only ASCII letters fold: '@' (0x40) and '[' (0x5b) stay themselves. */
    assert_true(hash_bytes_nocase("@", 1) == hash_bytes("@", 1));
    assert_true(hash_bytes_nocase("[", 1) != hash_bytes("{", 1));
}

static void every_input_byte_matters(void **state) {
    (void)state;
    char buf[40];
    memset(buf, 'x', sizeof(buf));
    uint64_t base = hash_bytes(buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] ^= 1;
        assert_true(hash_bytes(buf, sizeof(buf)) != base);
        buf[i] ^= 1;
    }
    /* Length is part of the hash: trailing NULs are not ignored. */
    assert_true(hash_bytes("a\0", 2) != hash_bytes("a", 1));
}

static void low_bits_spread_evenly(void **state) {
    (void)state;
    /* Hash tables index with the low bits: sequential keys must fill 64
     * buckets evenly (each gets about 1000 of 64000). */
    unsigned counts[64] = {0};
    char key[32];
    for (int i = 0; i < 64000; i++) {
        int n = 0;
        for (int v = i; n == 0 || v > 0; v /= 10) key[n++] = (char)('0' + v % 10);
        counts[hash_bytes(key, (size_t)n) & 63]++;
    }
    for (int b = 0; b < 64; b++) assert_true(counts[b] > 800 && counts[b] < 1200);
}

static void random_below_stays_in_range_and_covers_it(void **state) {
    (void)state;
    assert_true(random_below(0) == 0);
    assert_true(random_below(1) == 0);
    unsigned counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t r = random_below(10);
        assert_true(r < 10);
        counts[r]++;
    }
    for (int b = 0; b < 10; b++) assert_true(counts[b] > 9000 && counts[b] < 11000);
    /* Both halves of the 64-bit output are used. */
    bool high = false, low = false;
    for (int i = 0; i < 64; i++) {
        uint64_t r = random_u64();
        if (r >> 63) high = true;
        if ((r & 1) == 0) low = true;
    }
    assert_true(high && low);
}

static void random_bytes_fills_the_whole_buffer(void **state) {
    (void)state;
    uint8_t buf[4096];
    memset(buf, 0, sizeof(buf));
    random_bytes(buf, sizeof(buf));
    /* 4096 random bytes: each value appears; all-zero tails would not. */
    unsigned zeros = 0;
    for (size_t i = 0; i < sizeof(buf); i++) zeros += buf[i] == 0;
    assert_true(zeros < 64);
    /* The tail was written too (a short read would leave zeros there). */
    unsigned tail_zeros = 0;
    for (size_t i = sizeof(buf) - 8; i < sizeof(buf); i++) tail_zeros += buf[i] == 0;
    assert_true(tail_zeros < 4);
}

static void random_seed_changes_the_hash(void **state) {
    (void)state;
    hash_set_seed(reference_key);
    uint64_t fixed = hash_bytes("foo", 3);
    hash_seed_random();
    uint64_t seeded = hash_bytes("foo", 3);
    hash_seed_random();
    /* Two random 128-bit keys, or one and the fixed key, colliding on the
     * same input would be a 2^-64 event. */
    assert_true(seeded != fixed);
    assert_true(hash_bytes("foo", 3) != seeded);
    hash_set_seed(reference_key);
    assert_true(hash_bytes("foo", 3) == fixed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(siphash13_known_answers, use_reference_key),
        cmocka_unit_test_setup(seed_changes_every_hash, use_reference_key),
        cmocka_unit_test_setup(nocase_equals_hash_of_lowercased_bytes, use_reference_key),
        cmocka_unit_test_setup(every_input_byte_matters, use_reference_key),
        cmocka_unit_test_setup(low_bits_spread_evenly, use_reference_key),
        cmocka_unit_test(random_below_stays_in_range_and_covers_it),
        cmocka_unit_test(random_bytes_fills_the_whole_buffer),
        cmocka_unit_test(random_seed_changes_the_hash),
    };
    return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
