/* fuzz_aof: the AOF manifest parser and the AOF command reader against
 * arbitrary file contents.
 *
 * The first input byte chooses the target (low bit) and, for the reader, the
 * read size; the second seeds the read-size PRNG; the rest is the file.
 *
 * Manifest: a parse either fails with a line number inside the text and a
 * reason, leaving the manifest empty, or succeeds; then the formatted text
 * must parse back to an equal manifest and format to the same bytes (when
 * every formatted line fits the line limit: escaping can lengthen a name),
 * and so must the manifest after the edits a rewrite makes.
 *
 * Reader: the file is read twice, in one big read size and in small random
 * ones, and both passes must see the same commands (offsets, arguments) and
 * the same verdict: how bytes arrive must not matter. Each command's
 * arguments must be the input's bytes at the offsets reported, offsets must
 * increase, and the window must stay within twice the longest command (or
 * tail) plus one read. ASan, UBSan and LeakSanitizer catch the rest. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "persist/aof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_aof: check failed at line %d: %s\n", __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* ---- manifest ---- */

static bool lines_fit(const buf *text) {
    size_t start = 0;
    for (size_t i = 0; i < text->len; i++) {
        if (text->data[i] != '\n') continue;
        if (i + 1 - start > AOF_MANIFEST_MAX_LINE) return false;
        start = i + 1;
    }
    return true;
}

static void check_reparse(const aof_manifest *m) {
    buf text, again, err;
    buf_init(&text);
    buf_init(&again);
    buf_init(&err);
    aof_manifest_format(m, &text);
    if (text.len > 0 && lines_fit(&text)) {
        aof_manifest back;
        aof_manifest_error e;
        int rc = aof_manifest_parse(&back, text.data, text.len, &e, &err);
        if (rc != 0) {
            fprintf(stderr, "fuzz_aof: formatted manifest refused: %s\n%s", err.data, text.data);
            abort();
        }
        FUZZ_CHECK(aof_manifest_equal(m, &back));
        aof_manifest_format(&back, &again);
        FUZZ_CHECK(again.len == text.len && memcmp(again.data, text.data, text.len) == 0);
        aof_manifest_fini(&back);
    }
    buf_fini(&text);
    buf_fini(&again);
    buf_fini(&err);
}

static void fuzz_manifest(const uint8_t *data, size_t len) {
    aof_manifest m;
    aof_manifest_error e;
    buf err;
    buf_init(&err);
    int rc = aof_manifest_parse(&m, (const char *)data, len, &e, &err);
    if (rc != 0) {
        FUZZ_CHECK(e.reason != NULL && err.len > 0);
        FUZZ_CHECK(e.line >= 0 && (size_t)e.line <= len);
        FUZZ_CHECK(m.base == NULL && m.incr_len == 0 && m.history_len == 0);
        buf_fini(&err);
        return;
    }
    FUZZ_CHECK(!m.dirty);
    for (size_t i = 1; i < m.incr_len; i++) FUZZ_CHECK(m.incr[i - 1].seq < m.incr[i].seq);
    check_reparse(&m);
    /* A rewrite's edits keep the manifest loadable. */
    aof_manifest copy;
    aof_manifest_copy(&copy, &m);
    FUZZ_CHECK(aof_manifest_equal(&copy, &m));
    if (copy.base_seq < INT64_MAX - 2 && copy.incr_seq < INT64_MAX - 2) {
        aof_manifest_new_incr(&copy, "appendonly.aof");
        aof_manifest_rewrite_done(&copy, "appendonly.aof", true);
        FUZZ_CHECK(copy.incr_len == 1 && copy.base != NULL);
        check_reparse(&copy);
        aof_manifest_clear_history(&copy);
        check_reparse(&copy);
    }
    aof_manifest_fini(&copy);
    aof_manifest_fini(&m);
    buf_fini(&err);
}

/* ---- reader ---- */

/* What a pass saw, as a flat byte log. */
static void record_i64(buf *r, int64_t v) {
    buf_append(r, &v, sizeof(v));
}

static uint32_t next_rand(uint32_t *state) {
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static void read_pass(const uint8_t *data, size_t len, size_t chunk, uint32_t *rng, buf *out) {
    aof_reader r;
    aof_reader_init_mem(&r, data, len);
    aof_reader_set_chunk(&r, chunk);
    int64_t prev_end = 0;
    size_t longest = 0;
    enum aof_read_status st;
    for (;;) {
        if (rng) aof_reader_set_chunk(&r, 1 + next_rand(rng) % chunk);
        st = aof_reader_next(&r);
        if (st != AOF_READ_COMMAND) break;
        FUZZ_CHECK(r.offset >= prev_end && r.end > r.offset && r.end <= (int64_t)len);
        FUZZ_CHECK(r.argc >= 1 && r.valid_up_to == r.end);
        if ((size_t)(r.end - prev_end) > longest) longest = (size_t)(r.end - prev_end);
        /* The command's first byte in the window, from the reader's state. */
        const char *cmd = r.win + (size_t)(r.offset - r.win_base);
        buf_append(out, "C", 1);
        record_i64(out, r.offset);
        record_i64(out, r.argc);
        for (int i = 0; i < r.argc; i++) {
            const resp_arg *a = &r.argv[i];
            FUZZ_CHECK(a->ptr >= cmd);
            size_t rel = (size_t)(a->ptr - cmd);
            FUZZ_CHECK(rel + a->len <= (size_t)(r.end - r.offset));
            FUZZ_CHECK(memcmp(a->ptr, data + r.offset + rel, a->len) == 0);
            record_i64(out, (int64_t)rel);
            record_i64(out, (int64_t)a->len);
        }
        prev_end = r.end;
    }
    FUZZ_CHECK(aof_reader_next(&r) == st); /* the verdict is sticky */
    FUZZ_CHECK(st == AOF_READ_END || st == AOF_READ_TRUNCATED || st == AOF_READ_CORRUPT);
    int64_t cut = aof_reader_cut_offset(&r);
    FUZZ_CHECK(cut >= 0 && cut <= r.valid_up_to && r.valid_up_to <= (int64_t)len);
    if (st == AOF_READ_END) FUZZ_CHECK(!r.in_multi);
    if (st != AOF_READ_END) FUZZ_CHECK(r.err.len > 0);
    if (st != AOF_READ_END && !r.in_multi) FUZZ_CHECK(r.error_offset >= r.valid_up_to);
    if (len - (size_t)r.valid_up_to > longest) longest = len - (size_t)r.valid_up_to;
    if (longest < AOF_MANIFEST_MAX_LINE) longest = AOF_MANIFEST_MAX_LINE;
    FUZZ_CHECK(r.win_cap <= 2 * (longest + chunk));
    buf_append(out, "E", 1);
    record_i64(out, st);
    record_i64(out, r.valid_up_to);
    record_i64(out, st == AOF_READ_END ? -1 : r.error_offset);
    record_i64(out, cut);
    record_i64(out, r.in_multi);
    aof_reader_fini(&r);
}

static void fuzz_reader(unsigned char mode, uint32_t seed, const uint8_t *data, size_t len) {
    static const size_t small[4] = {1, 3, 16, 200};
    buf whole, pieces;
    buf_init(&whole);
    buf_init(&pieces);
    read_pass(data, len, AOF_READ_CHUNK, NULL, &whole);
    uint32_t rng = seed;
    read_pass(data, len, small[(mode >> 1) & 3], &rng, &pieces);
    if (whole.len != pieces.len || memcmp(whole.data, pieces.data, whole.len) != 0) {
        fprintf(stderr, "fuzz_aof: whole and piecewise reads differ\n");
        abort();
    }
    buf_fini(&whole);
    buf_fini(&pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    unsigned char mode = data[0];
    if (mode & 1)
        fuzz_manifest(data + 2, size - 2);
    else
        fuzz_reader(mode, (uint32_t)data[1] * 2654435761u, data + 2, size - 2);
    return 0;
}
