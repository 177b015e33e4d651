/* Unit tests for kv: the packed keyspace entry.
 *
 * An entry is a byte layout, so every operation that rebuilds it (adding,
 * changing or removing the expiry, converting to RAW, duplicating under a
 * new key) is checked for a full round trip of key, value, encoding, expiry
 * and access clock, including keys and values with NUL bytes and keys long
 * enough to need a multi-byte length. The memory promise of the layout (a
 * 16-byte key with a 16-byte value in a 48-byte allocation) is checked
 * against the allocator, and every test ends with mem_used_bytes back at
 * its starting point, which catches a leaked or double-owned RAW string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/mem.h"
#include "data/kv.h"

static size_t baseline;

static int remember_baseline(void **state) {
    (void)state;
    baseline = mem_used_bytes();
    return 0;
}

static int check_baseline(void **state) {
    (void)state;
    assert_int_equal(mem_used_bytes(), baseline);
    return 0;
}

static void assert_key(const kv *e, const char *key, size_t klen) {
    size_t len = 0;
    const char *k = kv_key(e, &len);
    assert_int_equal(len, klen);
    assert_memory_equal(k, key, klen);
}

static void assert_value(const kv *e, const char *val, size_t vlen) {
    char tmp[KV_INT_BUF];
    size_t len = 0;
    const char *v = kv_str_value(e, tmp, &len);
    assert_int_equal(len, vlen);
    assert_memory_equal(v, val, vlen);
    assert_int_equal(kv_str_len(e), vlen);
}

#define KEY(s) (s), (sizeof(s) - 1)

static void auto_mode_picks_int_embstr_or_raw(void **state) {
    (void)state;
    struct {
        const char *val;
        enum kv_enc enc;
    } cases[] = {
        {"123", KV_ENC_INT},
        {"-9223372036854775808", KV_ENC_INT},
        {"0", KV_ENC_INT},
        {"9223372036854775808", KV_ENC_EMBSTR}, /* out of range */
        {"-0", KV_ENC_EMBSTR},
        {"007", KV_ENC_EMBSTR},
        {"+5", KV_ENC_EMBSTR},
        {" 5", KV_ENC_EMBSTR},
        {"hello", KV_ENC_EMBSTR},
        {"", KV_ENC_EMBSTR},
        {"12345678901234567890123456789012345678901234", KV_ENC_EMBSTR},  /* 44 */
        {"123456789012345678901234567890123456789012345", KV_ENC_RAW},    /* 45 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t vlen = strlen(cases[i].val);
        kv *e = kv_new_string(KEY("k"), cases[i].val, vlen, -1, KV_STR_AUTO);
        assert_int_equal(kv_type_of(e), KV_STRING);
        if (kv_enc_of(e) != cases[i].enc) {
            print_error("value \"%s\": encoding %d, expected %d\n", cases[i].val, kv_enc_of(e),
                        cases[i].enc);
            fail();
        }
        assert_key(e, KEY("k"));
        assert_value(e, cases[i].val, vlen);
        assert_false(kv_has_expire(e));
        assert_int_equal(kv_expire(e), -1);
        assert_int_equal(kv_clock_of(e), 0);
        kv_free(e);
    }
}

static void modes_override_the_encoding(void **state) {
    (void)state;
    kv *e = kv_new_string(KEY("k"), KEY("123"), -1, KV_STR_NO_INT);
    assert_int_equal(kv_enc_of(e), KV_ENC_EMBSTR);
    assert_value(e, KEY("123"));
    kv_free(e);
    e = kv_new_string(KEY("k"), KEY("123"), -1, KV_STR_RAW);
    assert_int_equal(kv_enc_of(e), KV_ENC_RAW);
    assert_value(e, KEY("123"));
    assert_int_equal(kv_raw(e)->len, 3);
    assert_int_equal(kv_raw(e)->data[3], '\0');
    kv_free(e);
    e = kv_new_string(KEY("k"), KEY("abc"), -1, KV_STR_RAW);
    assert_int_equal(kv_enc_of(e), KV_ENC_RAW);
    kv_free(e);
}

static void int_entries_hold_the_integer(void **state) {
    (void)state;
    kv *e = kv_new_int(KEY("counter"), -42, 5000);
    assert_int_equal(kv_enc_of(e), KV_ENC_INT);
    assert_true(kv_int_value(e) == -42);
    assert_value(e, KEY("-42"));
    assert_int_equal(kv_expire(e), 5000);
    kv *before = e;
    kv_set_int_value(e, INT64_MAX);
    assert_ptr_equal(e, before); /* in place */
    assert_true(kv_int_value(e) == INT64_MAX);
    assert_value(e, KEY("9223372036854775807"));
    assert_key(e, KEY("counter"));
    assert_int_equal(kv_expire(e), 5000);
    kv_free(e);
}

static void nul_bytes_in_keys_and_values(void **state) {
    (void)state;
    const char key[] = "a\0b\0";
    const char val[] = "\0x\0y\0";
    kv *e = kv_new_string(key, 4, val, 5, -1, KV_STR_AUTO);
    assert_int_equal(kv_enc_of(e), KV_ENC_EMBSTR);
    assert_key(e, key, 4);
    assert_value(e, val, 5);
    kv *raw = kv_to_raw(e, 0);
    assert_key(raw, key, 4);
    assert_value(raw, val, 5);
    kv *dup = kv_dup_with_key(raw, "\0", 1);
    assert_key(dup, "\0", 1);
    assert_value(dup, val, 5);
    kv_free(raw);
    kv_free(dup);
}

static void long_keys_use_multibyte_lengths(void **state) {
    (void)state;
    size_t lens[] = {126, 127, 128, 129, 300, 16383, 16384, 70000};
    char *key = mem_alloc(70000);
    for (size_t i = 0; i < 70000; i++) key[i] = (char)(i * 7 + 3);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t klen = lens[i];
        kv *e = kv_new_string(key, klen, KEY("value"), -1, KV_STR_AUTO);
        assert_key(e, key, klen);
        assert_value(e, KEY("value"));
        e = kv_with_expire(e, 123456789);
        assert_key(e, key, klen);
        assert_value(e, KEY("value"));
        assert_int_equal(kv_expire(e), 123456789);
        kv *n = kv_new_int(key, klen, 7, 99);
        assert_key(n, key, klen);
        assert_true(kv_int_value(n) == 7);
        assert_int_equal(kv_expire(n), 99);
        kv_free(n);
        /* Long values too: the RAW pointer follows the long key. */
        kv *r = kv_new_string(key, klen, key, klen, -1, KV_STR_AUTO);
        assert_int_equal(kv_enc_of(r), klen > KV_EMBSTR_MAX ? KV_ENC_RAW : KV_ENC_EMBSTR);
        assert_value(r, key, klen);
        kv_free(r);
        kv_free(e);
    }
    mem_free(key);
}

static void embstr_values_up_to_the_limit(void **state) {
    (void)state;
    char val[KV_EMBSTR_MAX + 1];
    for (size_t n = 0; n <= KV_EMBSTR_MAX; n++) {
        memset(val, 'v', n);
        kv *e = kv_new_string(KEY("key"), val, n, -1, KV_STR_NO_INT);
        assert_int_equal(kv_enc_of(e), KV_ENC_EMBSTR);
        assert_value(e, val, n);
        e = kv_with_expire(e, (int64_t)n);
        assert_int_equal(kv_enc_of(e), KV_ENC_EMBSTR);
        assert_value(e, val, n);
        assert_int_equal(kv_expire(e), (int64_t)n);
        kv_free(e);
    }
}

/* The expiry round trip, for every encoding. */
static kv *entry_of(enum kv_enc enc) {
    switch (enc) {
    case KV_ENC_INT: return kv_new_int(KEY("mykey"), 1234, -1);
    case KV_ENC_EMBSTR: return kv_new_string(KEY("mykey"), KEY("1234"), -1, KV_STR_NO_INT);
    case KV_ENC_RAW: return kv_new_string(KEY("mykey"), KEY("1234"), -1, KV_STR_RAW);
    }
    return NULL;
}

static void expire_added_changed_and_removed(void **state) {
    (void)state;
    for (int enc = KV_ENC_EMBSTR; enc <= KV_ENC_RAW; enc++) {
        kv *e = entry_of((enum kv_enc)enc);
        kv_set_clock(e, 0xABCDEF);
        kv_str *raw = enc == KV_ENC_RAW ? kv_raw(e) : NULL;

        /* Removing an expiry that is not there changes nothing. */
        assert_ptr_equal(kv_with_expire(e, -1), e);

        e = kv_with_expire(e, 1700000000000);
        assert_true(kv_has_expire(e));
        assert_int_equal(kv_expire(e), 1700000000000);
        assert_int_equal(kv_enc_of(e), enc);
        assert_int_equal(kv_type_of(e), KV_STRING);
        assert_int_equal(kv_clock_of(e), 0xABCDEF);
        assert_key(e, KEY("mykey"));
        assert_value(e, KEY("1234"));
        /* The RAW string moves with the entry, it is not copied. */
        if (raw) assert_ptr_equal(kv_raw(e), raw);

        kv *same = kv_with_expire(e, 1800000000000);
        assert_ptr_equal(same, e); /* changing happens in place */
        assert_int_equal(kv_expire(e), 1800000000000);
        kv_update_expire(e, 0);
        assert_int_equal(kv_expire(e), 0);
        assert_true(kv_has_expire(e));

        e = kv_with_expire(e, -1);
        assert_false(kv_has_expire(e));
        assert_int_equal(kv_expire(e), -1);
        assert_int_equal(kv_enc_of(e), enc);
        assert_int_equal(kv_clock_of(e), 0xABCDEF);
        assert_key(e, KEY("mykey"));
        assert_value(e, KEY("1234"));
        if (raw) assert_ptr_equal(kv_raw(e), raw);
        kv_free(e);
    }
}

static void clock_bits_do_not_touch_type_or_encoding(void **state) {
    (void)state;
    kv *e = kv_new_string(KEY("k"), KEY("v"), -1, KV_STR_RAW);
    kv_set_clock(e, 0xFFFFFF);
    assert_int_equal(kv_clock_of(e), 0xFFFFFF);
    assert_int_equal(kv_enc_of(e), KV_ENC_RAW);
    assert_int_equal(kv_type_of(e), KV_STRING);
    kv_set_clock(e, 1);
    assert_int_equal(kv_clock_of(e), 1);
    assert_int_equal(kv_enc_of(e), KV_ENC_RAW);
    kv_free(e);
}

static void to_raw_keeps_everything_but_the_encoding(void **state) {
    (void)state;
    for (int enc = KV_ENC_EMBSTR; enc <= KV_ENC_RAW; enc++) {
        kv *e = entry_of((enum kv_enc)enc);
        e = kv_with_expire(e, 777);
        kv_set_clock(e, 4242);
        e = kv_to_raw(e, 100);
        assert_int_equal(kv_enc_of(e), KV_ENC_RAW);
        assert_int_equal(kv_type_of(e), KV_STRING);
        assert_int_equal(kv_clock_of(e), 4242);
        assert_int_equal(kv_expire(e), 777);
        assert_key(e, KEY("mykey"));
        assert_value(e, KEY("1234"));
        assert_true(kv_raw(e)->cap >= 100);
        assert_int_equal(kv_raw(e)->data[4], '\0');
        kv_free(e);
    }
}

static void raw_strings_grow_and_keep_their_bytes(void **state) {
    (void)state;
    kv *e = kv_new_string(KEY("log"), KEY("start"), -1, KV_STR_RAW);
    kv *before = e;
    size_t len = 5;
    /* APPEND in a loop: the entry itself never moves. */
    for (int i = 0; i < 2000; i++) {
        kv_str *s = kv_raw_reserve(e, len + 3);
        assert_true(s->cap >= len + 3);
        memcpy(s->data + len, "abc", 3);
        len += 3;
        s->len = len;
        s->data[len] = '\0';
        assert_ptr_equal(kv_raw(e), s);
    }
    assert_ptr_equal(e, before);
    assert_int_equal(kv_str_len(e), 5 + 2000 * 3);
    char tmp[KV_INT_BUF];
    size_t vlen = 0;
    const char *v = kv_str_value(e, tmp, &vlen);
    assert_memory_equal(v, "startabcabc", 11);
    assert_memory_equal(v + vlen - 3, "abc", 3);
    /* Greedy growth: few reallocations, so capacity runs ahead. */
    kv_str *s = kv_raw_reserve(e, vlen + 1);
    assert_true(s->cap >= vlen + 1);
    /* Asking for less than there is leaves the string alone. */
    assert_ptr_equal(kv_raw_reserve(e, 1), s);
    assert_true(kv_memory(e) >= mem_usable_size(e) + s->cap);
    kv_free(e);
}

static void dup_with_key_keeps_encoding_expiry_and_clock(void **state) {
    (void)state;
    for (int enc = KV_ENC_EMBSTR; enc <= KV_ENC_RAW; enc++) {
        for (int with_expire = 0; with_expire < 2; with_expire++) {
            kv *e = entry_of((enum kv_enc)enc);
            if (with_expire) e = kv_with_expire(e, 31337);
            kv_set_clock(e, 0x123456);
            kv *d = kv_dup_with_key(e, KEY("a much longer destination key name"));
            assert_int_equal(kv_enc_of(d), enc);
            assert_int_equal(kv_type_of(d), KV_STRING);
            assert_int_equal(kv_clock_of(d), 0x123456);
            assert_int_equal(kv_expire(d), with_expire ? 31337 : -1);
            assert_key(d, KEY("a much longer destination key name"));
            assert_value(d, KEY("1234"));
            if (enc == KV_ENC_RAW) assert_ptr_not_equal(kv_raw(d), kv_raw(e));
            /* The source is untouched and independent. */
            assert_key(e, KEY("mykey"));
            kv_free(e);
            assert_value(d, KEY("1234"));
            kv_free(d);
        }
    }
}

static void small_entry_fits_a_48_byte_allocation(void **state) {
    (void)state;
    const char key[] = "key:000000000001"; /* 16 bytes */
    const char val[] = "value-0123456789";  /* 16 bytes */
    size_t before = mem_used_bytes();
    kv *e = kv_new_string(key, 16, val, 16, -1, KV_STR_AUTO);
    assert_int_equal(kv_enc_of(e), KV_ENC_EMBSTR);
    assert_true(mem_usable_size(e) <= 48);
    assert_true(mem_usable_size(e) >= 47);
    assert_int_equal(kv_memory(e), mem_usable_size(e));
    assert_int_equal(mem_used_bytes() - before, mem_usable_size(e));
    kv_free(e);
    /* An integer value is no bigger. */
    e = kv_new_string(key, 16, KEY("1234567890123456"), -1, KV_STR_AUTO);
    assert_int_equal(kv_enc_of(e), KV_ENC_INT);
    assert_true(mem_usable_size(e) <= 48);
    kv_free(e);
}

static void raw_memory_counts_the_string(void **state) {
    (void)state;
    char val[1000];
    memset(val, 'r', sizeof(val));
    size_t before = mem_used_bytes();
    kv *e = kv_new_string(KEY("k"), val, sizeof(val), -1, KV_STR_AUTO);
    assert_int_equal(kv_enc_of(e), KV_ENC_RAW);
    assert_int_equal(kv_memory(e), mem_usable_size(e) + mem_usable_size(kv_raw(e)));
    assert_int_equal(mem_used_bytes() - before, kv_memory(e));
    assert_true(kv_memory(e) >= 1000);
    kv_free(e);
    kv_free(NULL);
}

/* Every test must give back all it allocated. */
#define KV_TEST(f) cmocka_unit_test_setup_teardown(f, remember_baseline, check_baseline)

int main(void) {
    const struct CMUnitTest tests[] = {
        KV_TEST(auto_mode_picks_int_embstr_or_raw),
        KV_TEST(modes_override_the_encoding),
        KV_TEST(int_entries_hold_the_integer),
        KV_TEST(nul_bytes_in_keys_and_values),
        KV_TEST(long_keys_use_multibyte_lengths),
        KV_TEST(embstr_values_up_to_the_limit),
        KV_TEST(expire_added_changed_and_removed),
        KV_TEST(clock_bits_do_not_touch_type_or_encoding),
        KV_TEST(to_raw_keeps_everything_but_the_encoding),
        KV_TEST(raw_strings_grow_and_keep_their_bytes),
        KV_TEST(dup_with_key_keeps_encoding_expiry_and_clock),
        KV_TEST(small_entry_fits_a_48_byte_allocation),
        KV_TEST(raw_memory_counts_the_string),
    };
    return cmocka_run_group_tests_name("kv", tests, NULL, NULL);
}
