/* Unit tests for persist/rdb: round trips through our writer and reader,
 * files written by a real Redis 7.0.15 (tests/unit/fixtures), and every
 * kind of damage a file can have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crc64.h"
#include "base/mem.h"
#include "data/keyspace.h"
#include "data/kv.h"
#include "persist/rdb.h"
#include "support/files.h"

#define NOW 1800000000000LL

static const rdb_save_opts save_opts = {.compress = true, .checksum = true, .now_ms = NOW};
static const rdb_load_opts load_opts = {.skip_expired = true, .verify_checksum = true, .now_ms = NOW};

/* Saves ks into a memory buffer (through a pipe-free temp file). */
static char *save_to_memory(keyspace *ks, const rdb_save_opts *o, size_t *len) {
    char path[] = "/tmp/tessera-rdb-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    buf err;
    buf_init(&err);
    assert_int_equal(rdb_save_fd(ks, fd, o, &err), 0);
    buf_fini(&err);
    off_t size = lseek(fd, 0, SEEK_END);
    char *data = mem_alloc((size_t)size + 1);
    assert_int_equal(pread(fd, data, (size_t)size, 0), size);
    close(fd);
    unlink(path);
    *len = (size_t)size;
    return data;
}

static char *read_fixture(const char *name, size_t *len) {
    char path[256];
    snprintf(path, sizeof(path), TEST_FIXTURES "/%s", name);
    char *data = test_read_file(path, len);
    assert_non_null(data);
    return data;
}

static void assert_value(db *d, const char *key, const char *want, size_t want_len) {
    kv *e = db_find(d, key, strlen(key));
    assert_non_null(e);
    char tmp[KV_INT_BUF];
    size_t len;
    const char *v = kv_str_value(e, tmp, &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(v, want, len);
}

static void round_trip_keeps_keys_values_and_expiry(void **state) {
    (void)state;
    keyspace *ks = keyspace_new(16);
    keyspace_set_now(ks, NOW);
    char big[5000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)('a' + i % 7);
    db *d0 = keyspace_db(ks, 0), *d7 = keyspace_db(ks, 7);
    db_set_string(d0, "small", 5, "7", 1, -1, false, KV_STR_AUTO);
    db_set_string(d0, "neg16", 5, "-3000", 5, -1, false, KV_STR_AUTO);
    db_set_string(d0, "i32", 3, "100000", 6, -1, false, KV_STR_AUTO);
    db_set_string(d0, "i64", 3, "-9223372036854775808", 20, -1, false, KV_STR_AUTO);
    db_set_string(d0, "zero-lead", 9, "007", 3, -1, false, KV_STR_AUTO);
    db_set_string(d0, "big", 3, big, sizeof(big), -1, false, KV_STR_AUTO);
    db_set_string(d0, "bin\0key", 7, "v\0\r\n", 4, NOW + 5000, false, KV_STR_AUTO);
    db_set_string(d0, "empty", 5, "", 0, -1, false, KV_STR_AUTO);
    db_set_string(d7, "other", 5, "db7", 3, NOW + 1, false, KV_STR_AUTO);
    size_t len;
    char *data = save_to_memory(ks, &save_opts, &len);
    assert_memory_equal(data, "REDIS0010", 9);
    /* The big value compresses: the file is much smaller than the value. */
    assert_true(len < sizeof(big) / 2);

    keyspace *back = keyspace_new(16);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_int_equal(rdb_load_buffer(back, data, len, "mem", &load_opts, &info, &err), 0);
    buf_fini(&err);
    assert_int_equal(info.keys_loaded, 9);
    assert_string_equal(info.redis_ver, "7.0.15");
    db *b0 = keyspace_db(back, 0);
    assert_value(b0, "small", "7", 1);
    assert_value(b0, "neg16", "-3000", 5);
    assert_value(b0, "i32", "100000", 6);
    assert_value(b0, "i64", "-9223372036854775808", 20);
    assert_value(b0, "zero-lead", "007", 3);
    assert_value(b0, "big", big, sizeof(big));
    assert_value(b0, "empty", "", 0);
    kv *e = db_find(b0, "bin\0key", 7);
    assert_non_null(e);
    assert_int_equal(kv_expire(e), NOW + 5000);
    assert_int_equal(db_volatile_count(b0), 1);
    assert_int_equal(kv_enc_of(db_find(b0, "i32", 3)), KV_ENC_INT);
    assert_int_equal(kv_enc_of(db_find(b0, "zero-lead", 9)), KV_ENC_EMBSTR);
    assert_int_equal(db_size(keyspace_db(back, 7)), 1);
    assert_int_equal(kv_expire(db_find(keyspace_db(back, 7), "other", 5)), NOW + 1);
    mem_free(data);
    keyspace_free(back);
    keyspace_free(ks);
}

static void expired_keys_are_skipped_on_load(void **state) {
    (void)state;
    keyspace *ks = keyspace_new(1);
    keyspace_set_now(ks, NOW);
    db_set_string(keyspace_db(ks, 0), "gone", 4, "x", 1, NOW - 1, false, KV_STR_AUTO);
    db_set_string(keyspace_db(ks, 0), "kept", 4, "y", 1, -1, false, KV_STR_AUTO);
    size_t len;
    char *data = save_to_memory(ks, &save_opts, &len);
    keyspace *back = keyspace_new(1);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_int_equal(rdb_load_buffer(back, data, len, "mem", &load_opts, &info, &err), 0);
    assert_int_equal(info.keys_loaded, 1);
    assert_int_equal(info.keys_expired, 1);
    assert_null(db_find(keyspace_db(back, 0), "gone", 4));
    buf_fini(&err);
    mem_free(data);
    keyspace_free(back);
    keyspace_free(ks);
}

static void loads_a_file_written_by_redis(void **state) {
    (void)state;
    size_t len;
    char *data = read_fixture("redis-7.0.15-strings.rdb", &len);
    keyspace *ks = keyspace_new(16);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    int rc = rdb_load_buffer(ks, data, len, "redis-7.0.15-strings.rdb", &load_opts, &info, &err);
    if (rc != 0) fail_msg("%s", err.data);
    db *d = keyspace_db(ks, 0);
    assert_value(d, "i8", "7", 1);
    assert_value(d, "i16", "-3000", 5);
    assert_value(d, "i32", "100000", 6);
    assert_value(d, "i64", "12345678901234", 14);
    assert_value(d, "s", "hello", 5);
    assert_value(d, "e", "", 0);
    char abc[120];
    for (int i = 0; i < 40; i++) memcpy(abc + 3 * i, "abc", 3);
    assert_value(d, "lzf", abc, sizeof(abc));
    assert_int_equal(kv_str_len(db_find(d, "big", 3)), 400);
    assert_int_equal(kv_expire(db_find(d, "s", 1)), 4102444800000LL);
    assert_int_equal(db_size(keyspace_db(ks, 5)), 1);
    assert_int_equal(info.keys_loaded, 9);
    buf_fini(&err);
    mem_free(data);
    keyspace_free(ks);
}

static void unsupported_type_stops_the_load_and_names_the_offset(void **state) {
    (void)state;
    size_t len;
    char *data = read_fixture("redis-7.0.15-list.rdb", &len);
    keyspace *ks = keyspace_new(16);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_true(rdb_load_buffer(ks, data, len, "list.rdb", &load_opts, &info, &err) < 0);
    assert_non_null(strstr(err.data, "list.rdb"));
    assert_non_null(strstr(err.data, "at offset "));
    assert_non_null(strstr(err.data, "(list) is not supported"));
    /* Nothing loaded before the failure is kept. */
    assert_int_equal(keyspace_total_keys(ks), 0);
    buf_fini(&err);
    mem_free(data);
    keyspace_free(ks);
}

static void every_truncation_is_an_error_without_partial_data(void **state) {
    (void)state;
    size_t len;
    char *data = read_fixture("redis-7.0.15-strings.rdb", &len);
    for (size_t cut = 0; cut < len; cut++) {
        keyspace *ks = keyspace_new(16);
        rdb_load_info info;
        buf err;
        buf_init(&err);
        int rc = rdb_load_buffer(ks, data, cut, "cut.rdb", &load_opts, &info, &err);
        assert_true(rc < 0);
        assert_non_null(err.data);
        assert_int_equal(keyspace_total_keys(ks), 0);
        buf_fini(&err);
        keyspace_free(ks);
    }
    mem_free(data);
}

static void bad_checksum_is_refused_unless_checking_is_off(void **state) {
    (void)state;
    size_t len;
    char *data = read_fixture("redis-7.0.15-strings.rdb", &len);
    data[len - 1] ^= 0x5a;
    keyspace *ks = keyspace_new(16);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_true(rdb_load_buffer(ks, data, len, "crc.rdb", &load_opts, &info, &err) < 0);
    assert_non_null(strstr(err.data, "checksum"));
    buf_clear(&err);
    rdb_load_opts lax = load_opts;
    lax.verify_checksum = false;
    assert_int_equal(rdb_load_buffer(ks, data, len, "crc.rdb", &lax, &info, &err), 0);
    buf_fini(&err);
    mem_free(data);
    keyspace_free(ks);
}

static void flipped_bytes_never_crash_the_loader(void **state) {
    (void)state;
    size_t len;
    char *orig = read_fixture("redis-7.0.15-strings.rdb", &len);
    char *data = mem_alloc(len);
    rdb_load_opts lax = load_opts;
    lax.verify_checksum = false; /* reach the decoder with the damage */
    for (size_t i = 9; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(data, orig, len);
            data[i] ^= (char)(1 << bit);
            keyspace *ks = keyspace_new(16);
            rdb_load_info info;
            buf err;
            buf_init(&err);
            int rc = rdb_load_buffer(ks, data, len, "flip.rdb", &lax, &info, &err);
            if (rc < 0) assert_int_equal(keyspace_total_keys(ks), 0);
            buf_fini(&err);
            keyspace_free(ks);
        }
    }
    mem_free(data);
    mem_free(orig);
}

static void wrong_signature_and_future_version_are_refused(void **state) {
    (void)state;
    keyspace *ks = keyspace_new(1);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_true(rdb_load_buffer(ks, "RDBIS0010\xff", 10, "sig", &load_opts, &info, &err) < 0);
    assert_non_null(strstr(err.data, "signature"));
    buf_clear(&err);
    assert_true(rdb_load_buffer(ks, "REDIS0011\xff", 10, "ver", &load_opts, &info, &err) < 0);
    assert_non_null(strstr(err.data, "version 11"));
    buf_fini(&err);
    keyspace_free(ks);
}

static void database_beyond_the_configured_count_is_refused(void **state) {
    (void)state;
    size_t len;
    char *data = read_fixture("redis-7.0.15-strings.rdb", &len);
    keyspace *ks = keyspace_new(4); /* the file uses db 5 */
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_true(rdb_load_buffer(ks, data, len, "dbs.rdb", &load_opts, &info, &err) < 0);
    assert_non_null(strstr(err.data, "databases"));
    assert_int_equal(keyspace_total_keys(ks), 0);
    buf_fini(&err);
    mem_free(data);
    keyspace_free(ks);
}

static void save_file_replaces_atomically(void **state) {
    (void)state;
    char dir[] = "/tmp/tessera-rdbdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/dump.rdb", dir);
    keyspace *ks = keyspace_new(1);
    db_set_string(keyspace_db(ks, 0), "k", 1, "v", 1, -1, false, KV_STR_AUTO);
    buf err;
    buf_init(&err);
    assert_int_equal(rdb_save_file(ks, path, &save_opts, &err), 0);
    keyspace *back = keyspace_new(1);
    rdb_load_info info;
    assert_int_equal(rdb_load_file(back, path, &load_opts, &info, &err), 0);
    assert_int_equal(info.keys_loaded, 1);
    /* No temporary file is left behind. */
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s/temp-%d.rdb", dir, (int)getpid());
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(rdb_load_file(back, "/nonexistent/dump.rdb", &load_opts, &info, &err), -2);
    unlink(path);
    rmdir(dir);
    buf_fini(&err);
    keyspace_free(back);
    keyspace_free(ks);
}

static void uncompressed_and_unchecksummed_files_load(void **state) {
    (void)state;
    keyspace *ks = keyspace_new(1);
    char big[100];
    memset(big, 'z', sizeof(big));
    db_set_string(keyspace_db(ks, 0), "big", 3, big, sizeof(big), -1, false, KV_STR_AUTO);
    rdb_save_opts o = save_opts;
    o.compress = false;
    o.checksum = false;
    size_t len;
    char *data = save_to_memory(ks, &o, &len);
    /* The trailer is all zeros when checksums are off. */
    for (size_t i = len - 8; i < len; i++) assert_int_equal(data[i], 0);
    keyspace *back = keyspace_new(1);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_int_equal(rdb_load_buffer(back, data, len, "mem", &load_opts, &info, &err), 0);
    assert_value(keyspace_db(back, 0), "big", big, sizeof(big));
    buf_fini(&err);
    mem_free(data);
    keyspace_free(back);
    keyspace_free(ks);
}

/* Saves one key "k" from ks with the given options and loads the file into
 * a fresh keyspace in LFU mode or not; returns it. */
static keyspace *reload_access(keyspace *ks, const rdb_save_opts *o, bool lfu) {
    size_t len;
    char *data = save_to_memory(ks, o, &len);
    keyspace *back = keyspace_new(1);
    keyspace_set_now(back, keyspace_now(ks));
    keyspace_set_lfu(back, lfu, 10, 1);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    assert_int_equal(rdb_load_buffer(back, data, len, "mem", &load_opts, &info, &err), 0);
    buf_fini(&err);
    mem_free(data);
    return back;
}

static void idle_and_frequency_records_restore_access_data(void **state) {
    (void)state;
    keyspace *ks = keyspace_new(1);
    keyspace_set_now(ks, NOW);
    db_set_string(keyspace_db(ks, 0), "k", 1, "v", 1, -1, false, KV_STR_AUTO);
    keyspace_set_now(ks, NOW + 100000);
    rdb_save_opts o = save_opts;
    o.save_lru = true;
    keyspace *back = reload_access(ks, &o, false);
    assert_int_equal(keyspace_idle_ms(back, db_find(keyspace_db(back, 0), "k", 1)), 100000);
    keyspace_free(back);
    /* An idle record means nothing to an LFU keyspace: the counter starts
     * at its initial value, as in Redis. */
    back = reload_access(ks, &o, true);
    assert_int_equal(keyspace_lfu_count(back, db_find(keyspace_db(back, 0), "k", 1)), 5);
    keyspace_free(back);
    /* A frequency record is the counter after decay. */
    keyspace_set_lfu(ks, true, 0, 0);
    assert_true(db_delete(keyspace_db(ks, 0), "k", 1));
    db_set_string(keyspace_db(ks, 0), "k", 1, "v", 1, -1, false, KV_STR_AUTO);
    for (int i = 0; i < 40; i++) db_lookup(keyspace_db(ks, 0), "k", 1, 0);
    o.save_lru = false;
    o.save_lfu = true;
    back = reload_access(ks, &o, true);
    assert_int_equal(keyspace_lfu_count(back, db_find(keyspace_db(back, 0), "k", 1)), 45);
    keyspace_free(back);
    keyspace_free(ks);
}

static void crc64_matches_the_reference_check_value(void **state) {
    (void)state;
    assert_true(crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    /* Chunked updates give the same result as one pass. */
    char data[1000];
    for (int i = 0; i < 1000; i++) data[i] = (char)(i * 31);
    uint64_t whole = crc64(0, data, sizeof(data)), parts = 0;
    for (size_t i = 0; i < sizeof(data); i += 7)
        parts = crc64(parts, data + i, sizeof(data) - i < 7 ? sizeof(data) - i : 7);
    assert_true(whole == parts);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_keeps_keys_values_and_expiry),
        cmocka_unit_test(expired_keys_are_skipped_on_load),
        cmocka_unit_test(loads_a_file_written_by_redis),
        cmocka_unit_test(unsupported_type_stops_the_load_and_names_the_offset),
        cmocka_unit_test(every_truncation_is_an_error_without_partial_data),
        cmocka_unit_test(bad_checksum_is_refused_unless_checking_is_off),
        cmocka_unit_test(flipped_bytes_never_crash_the_loader),
        cmocka_unit_test(wrong_signature_and_future_version_are_refused),
        cmocka_unit_test(database_beyond_the_configured_count_is_refused),
        cmocka_unit_test(save_file_replaces_atomically),
        cmocka_unit_test(uncompressed_and_unchecksummed_files_load),
        cmocka_unit_test(idle_and_frequency_records_restore_access_data),
        cmocka_unit_test(crc64_matches_the_reference_check_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
