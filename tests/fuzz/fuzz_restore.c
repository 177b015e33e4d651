/* fuzz_restore: arbitrary bytes given to the DUMP payload decoder.
 *
 * Byte 0 picks how the rest reaches rdb_load_payload: 0 as it is with the
 * checksum checked (almost always refused by the footer check), 1 as it is
 * with the checksum check off, 2 and up with a valid footer appended (RDB
 * version 10 - (byte0 - 2) % 11, so 0 to 10, and the right CRC-64), so the
 * value decoder sees every input. Checked on every input: the status
 * is one of the four documented ones, an entry comes back exactly on
 * success and carries the key and no expiry; a decoded value DUMPs again
 * (compressed and not) into payloads that decode to the same bytes, and
 * nothing handed out through mem_* is left over. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crc64.h"
#include "base/mem.h"
#include "base/status.h"
#include "data/kv.h"
#include "persist/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "fuzz:key"
#define KEY_LEN 8

static void fail(const char *what, int rc) {
    fprintf(stderr, "fuzz_restore: %s (status %d)\n", what, rc);
    abort();
}

static int decode(const void *p, size_t len, bool verify, kv **out) {
    buf why;
    buf_init(&why);
    int rc = rdb_load_payload(p, len, verify, KEY, KEY_LEN, out, &why);
    if (rc != 0 && rc != ERR_IO && rc != ERR_SYNTAX && rc != ERR_TYPE)
        fail("undocumented status", rc);
    if ((rc == 0) != (*out != NULL)) fail("entry and status disagree", rc);
    if (rc != 0 && why.len == 0) fail("failure without a reason", rc);
    buf_fini(&why);
    return rc;
}

/* A decoded entry must survive DUMP and decode unchanged. */
static void check_round_trip(const kv *e) {
    size_t klen, vlen;
    const char *key = kv_key(e, &klen);
    if (klen != KEY_LEN || memcmp(key, KEY, KEY_LEN) != 0) fail("wrong key", 0);
    if (kv_has_expire(e)) fail("payload entry has an expiry", 0);
    char tmp[KV_INT_BUF];
    const char *val = kv_str_value(e, tmp, &vlen);
    for (int compress = 0; compress <= 1; compress++) {
        buf p;
        buf_init(&p);
        rdb_dump_payload(e, compress, &p);
        kv *again = NULL;
        int rc = decode(p.data, p.len, true, &again);
        if (rc != 0) fail("our own payload does not decode", rc);
        size_t alen;
        char atmp[KV_INT_BUF];
        const char *aval = kv_str_value(again, atmp, &alen);
        if (alen != vlen || memcmp(aval, val, vlen) != 0) fail("value changed on round trip", 0);
        if (kv_enc_of(again) != kv_enc_of(e)) fail("encoding changed on round trip", 0);
        kv_free(again);
        buf_fini(&p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t before = mem_used_bytes();
    unsigned mode = data[0];
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    /* Exact-size copy so a read past the end is caught. */
    char *p;
    if (mode < 2) {
        p = mem_dup(body, len);
    } else {
        unsigned version = RDB_VERSION - (mode - 2) % (RDB_VERSION + 1);
        p = mem_alloc(len + RDB_PAYLOAD_FOOTER);
        memcpy(p, body, len);
        p[len] = (char)version;
        p[len + 1] = 0;
        uint64_t crc = crc64(0, p, len + 2);
        for (int i = 0; i < 8; i++) p[len + 2 + i] = (char)(crc >> (8 * i));
        len += RDB_PAYLOAD_FOOTER;
    }
    kv *e = NULL;
    if (decode(p, len, mode != 1, &e) == 0) {
        check_round_trip(e);
        kv_free(e);
    }
    mem_free(p);
    if (mem_used_bytes() != before) fail("memory left over", 0);
    return 0;
}
