/* fuzz_rdb_load: arbitrary bytes given to the RDB snapshot loader.
 *
 * Byte 0 bit 0 turns the checksum check on (most inputs then fail at the
 * end, which still exercises every record on the way); bit 1 drops keys
 * that are already expired, as a primary does. The rest is the file. Checked
 * on every input: a failed load leaves every database empty and says why;
 * a successful one reports as many keys as the databases hold, and saving
 * them and loading the result gives the same number of keys per database.
 * Nothing handed out through mem_* may be left over once the keyspace is
 * flushed. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "data/keyspace.h"
#include "persist/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DBS 16
#define NOW 1800000000000LL

static void fail(const char *what) {
    fprintf(stderr, "fuzz_rdb_load: %s\n", what);
    abort();
}

static size_t count_keys(keyspace *ks, size_t per_db[DBS]) {
    size_t total = 0;
    for (int i = 0; i < DBS; i++) {
        per_db[i] = db_size(keyspace_db(ks, i));
        total += per_db[i];
    }
    return total;
}

/* Saves ks to a temporary file and loads that into a second
 * keyspace: the key counts must match. */
static void check_save_and_reload(keyspace *ks) {
    FILE *f = tmpfile();
    if (f == NULL) fail("tmpfile");
    rdb_save_opts so = {.compress = true, .checksum = true, .now_ms = NOW};
    buf err;
    buf_init(&err);
    if (rdb_save_fd(ks, fileno(f), &so, &err) != 0) fail("save failed");
    off_t size = lseek(fileno(f), 0, SEEK_END);
    if (size < 0) fail("size of the saved file");
    char *saved = mem_alloc((size_t)size + 1);
    if (pread(fileno(f), saved, (size_t)size, 0) != size) fail("read back");
    fclose(f);
    keyspace *back = keyspace_new(DBS);
    keyspace_set_now(back, NOW);
    rdb_load_opts lo = {.verify_checksum = true, .now_ms = NOW};
    rdb_load_info info;
    if (rdb_load_buffer(back, saved, (size_t)size, "saved", &lo, &info, &err) != 0) {
        fprintf(stderr, "%s\n", err.data);
        fail("our own snapshot does not load");
    }
    size_t a[DBS], b[DBS];
    count_keys(ks, a);
    count_keys(back, b);
    if (memcmp(a, b, sizeof(a)) != 0) fail("key counts changed on save and reload");
    keyspace_free(back);
    mem_free(saved);
    buf_fini(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t before = mem_used_bytes();
    keyspace *ks = keyspace_new(DBS);
    keyspace_set_now(ks, NOW);
    rdb_load_opts o = {
        .verify_checksum = (data[0] & 1) != 0,
        .skip_expired = (data[0] & 2) != 0,
        .now_ms = NOW,
    };
    char *file = mem_dup(data + 1, size - 1);
    rdb_load_info info;
    buf err;
    buf_init(&err);
    size_t per_db[DBS];
    int rc = rdb_load_buffer(ks, file, size - 1, "fuzz", &o, &info, &err);
    size_t total = count_keys(ks, per_db);
    if (rc != 0) {
        if (total != 0) fail("a failed load kept keys");
        if (err.len == 0) fail("a failed load gave no reason");
    } else {
        if (total != info.keys_loaded) fail("keys_loaded differs from the databases");
        check_save_and_reload(ks);
    }
    buf_fini(&err);
    mem_free(file);
    keyspace_free(ks);
    if (mem_used_bytes() != before) fail("memory left over");
    return 0;
}
