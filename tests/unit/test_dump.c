/* Unit tests for DUMP payloads (persist/rdb): our payloads read back to the
 * same value and encoding, payloads written by a real Redis 7.0.15
 * (tests/unit/fixtures/redis-7.0.15-dump-*.bin) load and are byte for byte
 * what we write for the same value, and every kind of damage gets the error
 * class RESTORE turns into Redis's reply, without crashing (the sanitize
 * build runs these too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/crc64.h"
#include "base/mem.h"
#include "base/status.h"
#include "data/kv.h"
#include "persist/rdb.h"
#include "support/files.h"

static char *read_fixture(const char *name, size_t *len) {
    char path[256];
    snprintf(path, sizeof(path), TEST_FIXTURES "/redis-7.0.15-dump-%s.bin", name);
    char *data = test_read_file(path, len);
    assert_non_null(data);
    return data;
}

static kv *entry(const char *val, size_t len, enum kv_str_mode mode) {
    return kv_new_string("key", 3, val, len, -1, mode);
}

/* Loads a payload with the checksum checked; returns the status, and the
 * entry through *out (NULL on failure). */
static int load(const void *p, size_t len, kv **out) {
    buf why;
    buf_init(&why);
    int rc = rdb_load_payload(p, len, true, "key", 3, out, &why);
    if (rc == 0) {
        assert_null(why.data);
        assert_non_null(*out);
    } else {
        assert_null(*out);
        assert_non_null(why.data); /* a reason is always given */
    }
    buf_fini(&why);
    return rc;
}

static void assert_entry(const kv *e, const void *val, size_t len, enum kv_enc enc) {
    assert_non_null(e);
    size_t klen, vlen;
    assert_memory_equal(kv_key(e, &klen), "key", 3);
    assert_int_equal(klen, 3);
    char tmp[KV_INT_BUF];
    const char *v = kv_str_value(e, tmp, &vlen);
    assert_int_equal(vlen, len);
    if (len) assert_memory_equal(v, val, len);
    assert_int_equal(kv_enc_of(e), enc);
    assert_false(kv_has_expire(e));
}

/* Appends a footer (version, CRC-64) to body: a well-formed payload. */
static void seal(buf *b, const void *body, size_t len, unsigned version) {
    buf_clear(b);
    buf_append(b, body, len);
    unsigned char v[2] = {(unsigned char)(version & 0xff), (unsigned char)(version >> 8)};
    buf_append(b, v, 2);
    uint64_t crc = crc64(0, b->data, b->len);
    unsigned char c[8];
    for (int i = 0; i < 8; i++) c[i] = (unsigned char)(crc >> (8 * i));
    buf_append(b, c, 8);
}

static int load_sealed(const void *body, size_t len, kv **out) {
    buf b;
    buf_init(&b);
    seal(&b, body, len, RDB_VERSION);
    int rc = load(b.data, b.len, out);
    buf_fini(&b);
    return rc;
}

static void round_trip(const char *val, size_t len, enum kv_str_mode mode, bool compress,
                       enum kv_enc want_enc, size_t *payload_len) {
    kv *e = entry(val, len, mode);
    buf p;
    buf_init(&p);
    rdb_dump_payload(e, compress, &p);
    assert_true(p.len >= RDB_PAYLOAD_FOOTER + 2);
    assert_int_equal(p.data[0], 0); /* string type */
    assert_int_equal(rdb_verify_payload(p.data, p.len, true), 0);
    kv *back;
    assert_int_equal(load(p.data, p.len, &back), 0);
    assert_entry(back, val, len, want_enc);
    if (payload_len) *payload_len = p.len;
    kv_free(back);
    kv_free(e);
    buf_fini(&p);
}

static void payloads_round_trip_every_encoding(void **state) {
    (void)state;
    size_t n;
    /* Integers take 1, 2 or 4 bytes after the encoding byte. */
    round_trip("7", 1, KV_STR_AUTO, true, KV_ENC_INT, &n);
    assert_int_equal(n, 1 + 2 + RDB_PAYLOAD_FOOTER);
    round_trip("-3000", 5, KV_STR_AUTO, true, KV_ENC_INT, &n);
    assert_int_equal(n, 1 + 3 + RDB_PAYLOAD_FOOTER);
    round_trip("-2147483648", 11, KV_STR_AUTO, true, KV_ENC_INT, &n);
    assert_int_equal(n, 1 + 5 + RDB_PAYLOAD_FOOTER);
    /* Beyond 32 bits an integer is written as its digits but still loads
     * as an integer. */
    round_trip("-9223372036854775808", 20, KV_STR_AUTO, true, KV_ENC_INT, &n);
    assert_int_equal(n, 1 + 1 + 20 + RDB_PAYLOAD_FOOTER);
    /* A digit string that is not canonical stays a string. */
    round_trip("007", 3, KV_STR_AUTO, true, KV_ENC_EMBSTR, NULL);
    round_trip("", 0, KV_STR_AUTO, true, KV_ENC_EMBSTR, &n);
    assert_int_equal(n, 1 + 1 + RDB_PAYLOAD_FOOTER);
    round_trip("hello world", 11, KV_STR_AUTO, true, KV_ENC_EMBSTR, NULL);
    /* A RAW entry with a short value loads as embstr, as Redis re-encodes. */
    round_trip("short", 5, KV_STR_RAW, true, KV_ENC_EMBSTR, NULL);
    char big[3000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)('a' + i % 13);
    size_t plain, packed;
    round_trip(big, sizeof(big), KV_STR_AUTO, false, KV_ENC_RAW, &plain);
    assert_int_equal(plain, 1 + 2 + sizeof(big) + RDB_PAYLOAD_FOOTER);
    round_trip(big, sizeof(big), KV_STR_AUTO, true, KV_ENC_RAW, &packed);
    assert_true(packed < plain / 10); /* LZF-compressed */
    /* Bytes that do not compress are stored as they are. */
    unsigned char noise[64];
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < sizeof(noise); i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        noise[i] = (unsigned char)x;
    }
    round_trip((const char *)noise, sizeof(noise), KV_STR_AUTO, true, KV_ENC_RAW, &n);
    assert_int_equal(n, 1 + 2 + sizeof(noise) + RDB_PAYLOAD_FOOTER);
}

static void payload_bytes_are_exact(void **state) {
    (void)state;
    /* Observed from Redis 7.0.15: DUMP of "val:300". */
    kv *e = entry("val:300", 7, KV_STR_AUTO);
    buf p;
    buf_init(&p);
    buf_append(&p, "prefix", 6); /* the payload is appended */
    rdb_dump_payload(e, true, &p);
    assert_int_equal(p.len, 6 + 1 + 1 + 7 + RDB_PAYLOAD_FOOTER);
    assert_memory_equal(p.data, "prefix\x00\x07val:300\x0a\x00", 6 + 11);
    uint64_t crc = crc64(0, p.data + 6, 11), got = 0;
    for (int i = 7; i >= 0; i--) got = (got << 8) | (unsigned char)p.data[6 + 11 + i];
    assert_true(got == crc);
    buf_fini(&p);
    kv_free(e);
}

/* The fixture restores to val, and our DUMP of val is the same bytes. */
static void check_fixture(const char *name, const char *val, size_t len, enum kv_enc enc,
                          bool compress) {
    size_t flen;
    char *fx = read_fixture(name, &flen);
    kv *e;
    assert_int_equal(load(fx, flen, &e), 0);
    assert_entry(e, val, len, enc);
    buf p;
    buf_init(&p);
    rdb_dump_payload(e, compress, &p);
    assert_int_equal(p.len, flen);
    assert_memory_equal(p.data, fx, flen);
    buf_fini(&p);
    kv_free(e);
    mem_free(fx);
}

static void redis_payloads_load_and_match_ours(void **state) {
    (void)state;
    check_fixture("int8", "-7", 2, KV_ENC_INT, true);
    check_fixture("int16", "1234", 4, KV_ENC_INT, true);
    check_fixture("int32", "-2000000000", 11, KV_ENC_INT, true);
    check_fixture("bigint", "12345678901", 11, KV_ENC_INT, true);
    check_fixture("empty", "", 0, KV_ENC_EMBSTR, true);
    check_fixture("embstr", "hello world", 11, KV_ENC_EMBSTR, true);
    char raw[60];
    for (int i = 0; i < 60; i++) raw[i] = (char)(33 + i);
    check_fixture("raw", raw, sizeof(raw), KV_ENC_RAW, true);
    char text[129];
    for (int i = 0; i < 16; i++) memcpy(text + 8 * i, "tessera ", 8);
    check_fixture("lzf", text, 128, KV_ENC_RAW, true);
    /* Written with rdbcompression no. */
    check_fixture("uncompressed", text, 128, KV_ENC_RAW, false);
}

static void other_value_types_are_refused(void **state) {
    (void)state;
    /* A list (quicklist, type 18) DUMPed by Redis: valid, but not a type we
     * store. */
    size_t len;
    char *fx = read_fixture("list", &len);
    kv *e;
    assert_int_equal(load(fx, len, &e), ERR_TYPE);
    mem_free(fx);
    for (unsigned t = 1; t <= 19; t++) {
        unsigned char body[] = {(unsigned char)t, 0x01, 'x'};
        int want = t == 8 ? ERR_SYNTAX : ERR_TYPE; /* 8 is no Redis type */
        assert_int_equal(load_sealed(body, sizeof(body), &e), want);
    }
    /* Type bytes Redis 7.0.15 does not know at all. */
    static const unsigned char unknown[] = {8, 20, 21, 100, 245, 255};
    for (size_t i = 0; i < sizeof(unknown); i++) {
        unsigned char body[] = {unknown[i], 0x01, 'x'};
        assert_int_equal(load_sealed(body, sizeof(body), &e), ERR_SYNTAX);
    }
}

static void damaged_footers_are_refused(void **state) {
    (void)state;
    kv *src = entry("hello world", 11, KV_STR_AUTO), *e;
    buf p, b;
    buf_init(&p);
    buf_init(&b);
    rdb_dump_payload(src, true, &p);
    /* Anything shorter than the footer. */
    for (size_t n = 0; n < RDB_PAYLOAD_FOOTER; n++) assert_int_equal(load(p.data, n, &e), ERR_IO);
    /* A footer alone passes the footer check; its first byte (the version,
     * 10) is then read as the type: a list encoding. */
    seal(&b, "", 0, RDB_VERSION);
    assert_int_equal(b.len, RDB_PAYLOAD_FOOTER);
    assert_int_equal(load(b.data, b.len, &e), ERR_TYPE);
    /* Every bit of the body and of the footer is covered. */
    for (size_t i = 0; i < p.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            p.data[i] ^= (char)(1 << bit);
            assert_int_equal(load(p.data, p.len, &e), ERR_IO);
            p.data[i] ^= (char)(1 << bit);
        }
    }
    assert_int_equal(load(p.data, p.len, &e), 0);
    kv_free(e);
    /* Older versions load; newer ones, even with a right CRC, do not. */
    static const unsigned versions[] = {0, 1, 9, 10, 11, 0x100, 0xffff};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        seal(&b, "\x00\x02hi", 4, versions[i]);
        int rc = load(b.data, b.len, &e);
        assert_int_equal(rc, versions[i] <= RDB_VERSION ? 0 : ERR_IO);
        assert_int_equal(rdb_verify_payload(b.data, b.len, false), rc);
        kv_free(e);
    }
    /* With the checksum check off (DEBUG SET-SKIP-CHECKSUM-VALIDATION in
     * Redis) a wrong CRC passes, a wrong version still does not. */
    p.data[p.len - 1] ^= 1;
    assert_int_equal(rdb_verify_payload(p.data, p.len, false), 0);
    assert_int_equal(rdb_verify_payload(p.data, p.len, true), ERR_IO);
    p.data[p.len - 10] = 11;
    assert_int_equal(rdb_verify_payload(p.data, p.len, false), ERR_IO);
    buf_fini(&p);
    buf_fini(&b);
    kv_free(src);
}

static void malformed_values_are_bad_data(void **state) {
    (void)state;
    kv *e;
    /* Type byte only; string lengths beyond what the payload holds (the
     * footer counts, see below); unknown length and string encodings. */
    assert_int_equal(load_sealed("\x00", 1, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\x20hello", 7, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\x7f\xff", 3, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\x80\x00\x01\x00\x00", 6, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\x81", 2, &e), ERR_SYNTAX); /* 8 footer bytes */
    assert_int_equal(load_sealed("\x00\x82", 2, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\xbf", 2, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\xc4", 2, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\xff", 2, &e), ERR_SYNTAX);
    /* LZF: more compressed bytes than there are, an uncompressed length
     * that does not match the data, data that is not LZF. */
    assert_int_equal(load_sealed("\x00\xc3\x30\x05" "abc", 7, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\xc3\x04\x09\x02" "abc", 8, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\xc3\x03\x05\xe0\x00\x00", 7, &e), ERR_SYNTAX);
    assert_int_equal(load_sealed("\x00\xc3\x03\x40\x40\x00\x00\x00", 8, &e), ERR_SYNTAX);
    /* A 32-bit length in an integer slot is just a length. */
    assert_int_equal(load_sealed("\x00\x80\x00\x00\x00\x02hi", 8, &e), 0);
    assert_entry(e, "hi", 2, KV_ENC_EMBSTR);
    kv_free(e);
}

static void redis_reading_quirks_are_kept(void **state) {
    (void)state;
    kv *e;
    /* Redis compat: the value is read from the whole payload, so bytes
     * after it are ignored and a length may run into the footer. */
    assert_int_equal(load_sealed("\x00\x02hiTRAILING", 12, &e), 0);
    assert_entry(e, "hi", 2, KV_ENC_EMBSTR);
    kv_free(e);
    buf b;
    buf_init(&b);
    seal(&b, "\x00\x04hi", 4, RDB_VERSION);
    assert_int_equal(load(b.data, b.len, &e), 0);
    assert_entry(e, "hi\x0a\x00", 4, KV_ENC_EMBSTR);
    kv_free(e);
    buf_fini(&b);
    /* Redis compat: LZF lengths are read without their encoding bits, and
     * an empty LZF string is accepted whatever its compressed bytes. */
    assert_int_equal(load_sealed("\x00\xc3\x06\x06\x02" "abc\x20\x02", 10, &e), 0);
    assert_entry(e, "abcabc", 6, KV_ENC_EMBSTR);
    kv_free(e);
    assert_int_equal(load_sealed("\x00\xc3\xc6\xc6\x02" "abc\x20\x02", 10, &e), 0);
    assert_entry(e, "abcabc", 6, KV_ENC_EMBSTR);
    kv_free(e);
    assert_int_equal(load_sealed("\x00\xc3\x03\x00xyz", 7, &e), 0);
    assert_entry(e, "", 0, KV_ENC_EMBSTR);
    kv_free(e);
}

/* Every truncation and every single-bit change of valid payloads, sealed
 * again so the body is what gets read: never a crash, only 0 or a
 * "Bad data format" class. */
static void damaged_bodies_never_crash(void **state) {
    (void)state;
    char big[400];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)("abcab"[i % 5] + (i % 50 == 0));
    static const char *const vals[] = {"7", "-3000", "100000", "12345678901", "hello"};
    buf p, b;
    buf_init(&p);
    buf_init(&b);
    for (size_t v = 0; v <= sizeof(vals) / sizeof(vals[0]); v++) {
        const char *val = v < 5 ? vals[v] : big;
        size_t vlen = v < 5 ? strlen(val) : sizeof(big);
        kv *src = entry(val, vlen, KV_STR_AUTO);
        buf_clear(&p);
        rdb_dump_payload(src, true, &p);
        kv_free(src);
        size_t body = p.len - RDB_PAYLOAD_FOOTER;
        for (size_t cut = 0; cut <= body; cut++) {
            kv *e;
            seal(&b, p.data, cut, RDB_VERSION);
            int rc = load(b.data, b.len, &e);
            assert_true(rc == 0 || rc == ERR_SYNTAX || rc == ERR_TYPE);
            if (cut == body) assert_int_equal(rc, 0);
            kv_free(e);
        }
        char *copy = mem_dup(p.data, body);
        for (size_t i = 0; i < body; i++) {
            for (int bit = 0; bit < 8; bit++) {
                kv *e;
                copy[i] ^= (char)(1 << bit);
                seal(&b, copy, body, RDB_VERSION);
                int rc = load(b.data, b.len, &e);
                assert_true(rc == 0 || rc == ERR_SYNTAX || rc == ERR_TYPE);
                kv_free(e);
                copy[i] ^= (char)(1 << bit);
            }
        }
        mem_free(copy);
    }
    buf_fini(&p);
    buf_fini(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(payloads_round_trip_every_encoding),
        cmocka_unit_test(payload_bytes_are_exact),
        cmocka_unit_test(redis_payloads_load_and_match_ours),
        cmocka_unit_test(other_value_types_are_refused),
        cmocka_unit_test(damaged_footers_are_refused),
        cmocka_unit_test(malformed_values_are_bad_data),
        cmocka_unit_test(redis_reading_quirks_are_kept),
        cmocka_unit_test(damaged_bodies_never_crash),
    };
    return cmocka_run_group_tests_name("dump", tests, NULL, NULL);
}
