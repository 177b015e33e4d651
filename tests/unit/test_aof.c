/* Unit tests for persist/aof: the multi-part manifest (parse, format, the
 * edits a rewrite makes, persisting, upgrading an old single file) and the
 * command reader (clean ends, torn tails at every byte, corruption, huge
 * announced lengths, unfinished transactions).
 *
 * Fixtures under tests/unit/fixtures/ were written by a real Redis 7.0.15:
 *   aof-redis7/          redis-server --appendonly yes --dir <tmp>; SET, INCR,
 *                        RPUSH; BGREWRITEAOF; SET, DEL, EXPIRE, MULTI/EXEC,
 *                        SET in db 2, a binary value; SHUTDOWN
 *   aof-redis7-history/  the same with --aof-disable-auto-gc yes
 *                        --aof-use-rdb-preamble no --appendfilename "my aof"
 *                        and two rewrites, so history entries and quoted
 *                        names are on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/status.h"
#include "persist/aof.h"
#include "support/files.h"

#define FIXTURES TEST_FIXTURES

static char *read_all(const char *path, size_t *len) {
    char *data = test_read_file(path, len);
    assert_non_null(data);
    return data;
}

static void write_all(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* A fresh temporary "dir" with its own cleanup. */
typedef struct tmpdir {
    char path[64];
} tmpdir;

static void tmpdir_make(tmpdir *t) {
    strcpy(t->path, "/tmp/tessera-aof-XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

static void tmpdir_remove(tmpdir *t) {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
    assert_int_equal(system(cmd), 0);
}

/* ---- manifest ---- */

static void assert_round_trip(const aof_manifest *m) {
    buf text, err;
    buf_init(&text);
    buf_init(&err);
    aof_manifest_format(m, &text);
    aof_manifest back;
    aof_manifest_error e;
    int rc = aof_manifest_parse(&back, text.data, text.len, &e, &err);
    if (rc != 0) fail_msg("reparse failed: %s\n%s", err.data, text.data);
    assert_true(aof_manifest_equal(m, &back));
    /* And the text is stable. */
    buf again;
    buf_init(&again);
    aof_manifest_format(&back, &again);
    assert_int_equal(again.len, text.len);
    assert_memory_equal(again.data, text.data, text.len);
    aof_manifest_fini(&back);
    buf_fini(&again);
    buf_fini(&text);
    buf_fini(&err);
}

static void manifest_round_trips_through_text(void **state) {
    (void)state;
    static const char *names[] = {
        "appendonly.aof", "my aof", "quote\"d", "tab\there", "new\nline",
        "ctl\x01\x7f", "utf8-\xc3\xa9", "single'quote", "'", "#hash", "semi;colon",
    };
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        aof_manifest m;
        aof_manifest_init(&m);
        buf none;
        buf_init(&none);
        aof_manifest_format(&m, &none);
        assert_int_equal(none.len, 0); /* and an empty manifest is refused on load */
        buf_fini(&none);
        aof_manifest_new_base(&m, names[i], true);
        aof_manifest_new_incr(&m, names[i]);
        assert_round_trip(&m);
        aof_manifest_new_incr(&m, names[i]);
        aof_manifest_rewrite_done(&m, names[i], false);
        aof_manifest_new_incr(&m, names[i]);
        assert_round_trip(&m);
        aof_manifest_fini(&m);
    }
}

static void check_fixture_manifest(const char *dir, const char *filename, const char *base,
                                   size_t history, const char *last_incr) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s.manifest", dir, filename);
    size_t len;
    char *text = read_all(path, &len);
    aof_manifest m;
    buf err, out;
    buf_init(&err);
    buf_init(&out);
    assert_int_equal(aof_manifest_parse(&m, text, len, NULL, &err), 0);
    assert_non_null(m.base);
    assert_string_equal(m.base->name, base);
    assert_int_equal(m.history_len, history);
    assert_true(m.incr_len >= 1);
    assert_string_equal(m.incr[m.incr_len - 1].name, last_incr);
    /* What we write is what Redis wrote. */
    aof_manifest_format(&m, &out);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, text, len);
    aof_manifest_fini(&m);
    buf_fini(&err);
    buf_fini(&out);
    mem_free(text);
}

static void manifest_written_by_redis_parses_and_formats_identically(void **state) {
    (void)state;
    check_fixture_manifest(FIXTURES "/aof-redis7", "appendonly.aof", "appendonly.aof.2.base.rdb", 0,
                           "appendonly.aof.2.incr.aof");
    check_fixture_manifest(FIXTURES "/aof-redis7-history", "my aof", "my aof.3.base.aof", 4,
                           "my aof.3.incr.aof");
}

/* The edits Redis made on the way to the history fixture, replayed. */
static void rewrite_steps_reproduce_redis_manifest(void **state) {
    (void)state;
    aof_manifest m;
    aof_manifest_init(&m);
    /* Start with an empty dataset: a base is created, then the first incr. */
    assert_string_equal(aof_manifest_new_base(&m, "my aof", false), "my aof.1.base.aof");
    bool created = false;
    assert_string_equal(aof_manifest_last_incr(&m, "my aof", &created), "my aof.1.incr.aof");
    assert_true(created);
    assert_string_equal(aof_manifest_last_incr(&m, "my aof", &created), "my aof.1.incr.aof");
    assert_false(created);
    for (int round = 2; round <= 3; round++) {
        char want[64];
        snprintf(want, sizeof(want), "my aof.%d.incr.aof", round);
        assert_string_equal(aof_manifest_new_incr(&m, "my aof"), want);
        snprintf(want, sizeof(want), "my aof.%d.base.aof", round);
        assert_string_equal(aof_manifest_rewrite_done(&m, "my aof", false), want);
    }
    assert_true(m.dirty);
    assert_int_equal(m.base_seq, 3);
    assert_int_equal(m.incr_seq, 3);

    size_t len;
    char *text = read_all(FIXTURES "/aof-redis7-history/my aof.manifest", &len);
    buf out;
    buf_init(&out);
    aof_manifest_format(&m, &out);
    assert_string_equal(out.data, text);

    /* With AOF off every incr file goes to history. */
    aof_manifest_new_incr(&m, "my aof");
    aof_manifest_new_base(&m, "my aof", true);
    aof_manifest_incr_to_history(&m, false);
    assert_int_equal(m.incr_len, 0);
    assert_int_equal(m.history_len, 7);
    assert_string_equal(m.history[0].name, "my aof.3.incr.aof");
    assert_string_equal(m.history[1].name, "my aof.4.incr.aof");
    assert_string_equal(m.history[2].name, "my aof.3.base.aof");
    assert_string_equal(m.base->name, "my aof.4.base.rdb");
    for (size_t i = 0; i < m.history_len; i++) assert_int_equal(m.history[i].type, 'h');
    /* A new incr after that continues the sequence. */
    assert_string_equal(aof_manifest_last_incr(&m, "my aof", &created), "my aof.5.incr.aof");
    aof_manifest_clear_history(&m);
    assert_int_equal(m.history_len, 0);
    assert_round_trip(&m);

    aof_manifest copy;
    aof_manifest_copy(&copy, &m);
    assert_true(aof_manifest_equal(&copy, &m));
    aof_manifest_new_incr(&copy, "my aof");
    assert_false(aof_manifest_equal(&copy, &m));
    aof_manifest_fini(&copy);

    aof_manifest_fini(&m);
    buf_fini(&out);
    mem_free(text);
}

typedef struct bad_manifest {
    const char *text;
    size_t len; /* 0: strlen */
    int line;
    const char *reason;
} bad_manifest;

static const char FMT[] = "Invalid AOF manifest file format";
static const char LONG[] = "The AOF manifest file contains too long line";

static void malformed_manifests_are_refused_with_line_and_reason(void **state) {
    (void)state;
    static const bad_manifest cases[] = {
        {"", 0, 0, "Found an empty AOF manifest"},
        {"file a seq 1 type b\nfile b seq 2 type b\n", 0, 2,
         "Found duplicate base file information"},
        {"file a seq 1 type x\n", 0, 1, "Unknown AOF file type"},
        {"file a seq 1 type base\n", 0, 1, "Unknown AOF file type"},
        {"file a seq 1 type \"\"\n", 0, 1, FMT},
        {"file a type i foo bar\n", 0, 1, FMT},     /* no seq */
        {"file a seq 1 type\n", 0, 1, FMT},         /* odd count */
        {"file a seq 1\n", 0, 1, FMT},              /* too few */
        {"file a seq x1 type i\n", 0, 1, FMT},      /* bad number */
        {"file a seq 0 type i\n", 0, 1, FMT},       /* zero */
        {"file a seq -3 type b\n", 0, 1, FMT},      /* negative */
        {"file a seq 01 type b\n", 0, 1, FMT},      /* leading zero */
        {"file a seq 99999999999999999999 type b\n", 0, 1, FMT},
        {"file \"\" seq 1 type b\n", 0, 1, FMT},    /* empty name */
        {"file \"a\\x00b\" seq 1 type b\n", 0, 1, FMT},
        {"file dir/a seq 1 type b\n", 0, 1, "File can't be a path, just a filename"},
        {"file a\\b seq 1 type b\n", 0, 1, "File can't be a path, just a filename"},
        {"file .. seq 1 type b\n", 0, 1, "File can't be a path, just a filename"},
        {"file \"a seq 1 type b\n", 0, 1, FMT},     /* unbalanced quotes */
        {"file \"a\"x seq 1 type b\n", 0, 1, FMT},  /* text after a closing quote */
        {"file a seq 1 type b\n\nfile b seq 1 type i\n", 0, 2, FMT}, /* blank line */
        {"file a seq 1 type b\n  \t\r\n", 0, 2, FMT},
        {" # indented comment is not one\n", 0, 1, FMT},
        {"file a seq 1 type b", 0, 1, LONG}, /* last line without newline */
        {"file a seq 1 type b\nfile b seq 1 type i", 0, 2, LONG},
        {"file a seq 1 type b\0\n", 21, 1, LONG}, /* NUL before the newline */
        {"file a seq 2 type i\nfile b seq 2 type i\n", 0, 2,
         "Found a non-monotonic sequence number"},
        {"file a seq 3 type i\nfile b seq 1 type i\n", 0, 2,
         "Found a non-monotonic sequence number"},
        {"# only\nfile a seq 1 type i\nfile b seq 1 type q\n", 0, 3, "Unknown AOF file type"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const bad_manifest *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        aof_manifest m;
        aof_manifest_error e;
        buf err;
        buf_init(&err);
        int rc = aof_manifest_parse(&m, c->text, len, &e, &err);
        if (rc != ERR_SYNTAX || e.line != c->line || strcmp(e.reason, c->reason) != 0)
            fail_msg("case %zu: rc %d line %d reason '%s' (%s)", i, rc, e.line,
                     e.reason ? e.reason : "(none)", err.data ? err.data : "");
        assert_non_null(strstr(err.data, c->reason));
        if (c->line > 0) {
            char where[32];
            snprintf(where, sizeof(where), "line %d", c->line);
            assert_non_null(strstr(err.data, where));
        }
        assert_null(m.base);
        assert_int_equal(m.incr_len + m.history_len, 0);
        buf_fini(&err);
    }
}

static void long_lines_comments_and_unknown_keys(void **state) {
    (void)state;
    buf text, err;
    buf_init(&text);
    buf_init(&err);
    aof_manifest m;
    aof_manifest_error e;

    /* A line of exactly 1024 bytes with its newline is fine; 1025 is not. */
    buf_append_str(&text, "file a seq 1 type b");
    buf_append_str(&text, " k ");
    while (text.len < AOF_MANIFEST_MAX_LINE - 1) buf_append_char(&text, 'v');
    buf_append_char(&text, '\n');
    assert_int_equal(text.len, AOF_MANIFEST_MAX_LINE);
    assert_int_equal(aof_manifest_parse(&m, text.data, text.len, &e, &err), 0);
    assert_string_equal(m.base->name, "a");
    aof_manifest_fini(&m);
    text.len--;
    buf_append_str(&text, "v\n");
    assert_int_equal(aof_manifest_parse(&m, text.data, text.len, &e, &err), ERR_SYNTAX);
    assert_int_equal(e.line, 1);
    assert_string_equal(e.reason, LONG);

    /* Comments, unknown keys (kept for forward compatibility), keys in any
     * case and order, later duplicates winning, CRLF line ends. */
    buf_clear(&text);
    buf_append_str(&text, "# written by hand\n"
                          "TYPE b Seq 4 FILE base.rdb future-key x\r\n"
                          "file h1 seq 2 type h\n"
                          "#\n"
                          "file i1 seq 5 type i file i2\n"
                          "  file 'i 3' seq 7 type i  \n");
    assert_int_equal(aof_manifest_parse(&m, text.data, text.len, &e, &err), 0);
    assert_string_equal(m.base->name, "base.rdb");
    assert_int_equal(m.base_seq, 4);
    assert_int_equal(m.history_len, 1);
    assert_int_equal(m.incr_len, 2);
    assert_string_equal(m.incr[0].name, "i2");
    assert_string_equal(m.incr[1].name, "i 3");
    assert_int_equal(m.incr_seq, 7);
    assert_false(m.dirty);
    aof_manifest_fini(&m);

    /* A comment longer than a line: its tail is read as the next line, as
     * Redis's fgets() does, and that is not a valid entry. */
    buf_clear(&text);
    buf_append_char(&text, '#');
    while (text.len < AOF_MANIFEST_MAX_LINE + 10) buf_append_char(&text, 'c');
    buf_append_char(&text, '\n');
    assert_int_equal(aof_manifest_parse(&m, text.data, text.len, &e, &err), ERR_SYNTAX);
    assert_int_equal(e.line, 2);
    assert_string_equal(e.reason, FMT);

    /* Only comments: not empty, just no files. */
    assert_int_equal(aof_manifest_parse(&m, "# nothing\n", 10, &e, &err), 0);
    assert_null(m.base);
    aof_manifest_fini(&m);
    buf_fini(&text);
    buf_fini(&err);
}

static void persist_and_load_in_a_directory(void **state) {
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    aof_paths p = {.dir = t.path, .dirname = "appendonlydir", .filename = "appendonly.aof"};
    aof_manifest m, back;
    aof_manifest_error e;
    buf err, path;
    buf_init(&err);
    buf_init(&path);

    assert_int_equal(aof_manifest_load(&p, &back, &e, &err), -ENOENT); /* no dir */
    assert_int_equal(aof_dir_create(&p, &err), 0);
    assert_int_equal(aof_dir_create(&p, &err), 0); /* idempotent */
    assert_int_equal(aof_manifest_load(&p, &back, &e, &err), -ENOENT); /* no manifest */

    aof_manifest_init(&m);
    aof_manifest_new_base(&m, p.filename, true);
    aof_manifest_last_incr(&m, p.filename, NULL);
    assert_int_equal(aof_manifest_persist(&m, &p, &err), 0);
    assert_false(m.dirty);
    aof_path(&p, "appendonly.aof.manifest", &path);
    assert_true(exists(path.data));
    aof_path(&p, "temp-appendonly.aof.manifest", &path);
    assert_false(exists(path.data));

    assert_int_equal(aof_manifest_load(&p, &back, &e, &err), 0);
    assert_true(aof_manifest_equal(&m, &back));
    aof_manifest_fini(&back);

    /* Not dirty: nothing is written (the file we spoil stays spoiled). */
    aof_path(&p, "appendonly.aof.manifest", &path);
    write_all(path.data, "garbage\n", 8);
    assert_int_equal(aof_manifest_persist(&m, &p, &err), 0);
    assert_int_equal(aof_manifest_load(&p, &back, &e, &err), ERR_SYNTAX);
    assert_int_equal(e.line, 1);
    m.dirty = true;
    assert_int_equal(aof_manifest_persist(&m, &p, &err), 0);
    assert_int_equal(aof_manifest_load(&p, &back, &e, &err), 0);
    aof_manifest_fini(&back);

    /* Sizes need every base and incr file on disk. */
    int64_t total = -1;
    assert_int_equal(aof_files_size(&p, &m, &total, &err), -ENOENT);
    assert_non_null(strstr(err.data, "appendonly.aof.1.base.rdb"));
    aof_path(&p, m.base->name, &path);
    write_all(path.data, "REDIS0010", 9);
    aof_path(&p, m.incr[0].name, &path);
    write_all(path.data, "*1\r\n$4\r\nPING\r\n", 14);
    assert_int_equal(aof_files_size(&p, &m, &total, &err), 0);
    assert_int_equal(total, 23);

    /* A rewrite: old files become history, then are deleted. */
    aof_manifest_new_incr(&m, p.filename);
    aof_manifest_rewrite_done(&m, p.filename, true);
    assert_int_equal(m.history_len, 2);
    char old_base[64];
    snprintf(old_base, sizeof(old_base), "%s", m.history[0].name);
    assert_int_equal(aof_delete_history(&p, &m, &err), 0);
    assert_int_equal(m.history_len, 0);
    aof_path(&p, old_base, &path);
    assert_false(exists(path.data));
    assert_int_equal(aof_manifest_persist(&m, &p, &err), 0);
    assert_int_equal(aof_manifest_load(&p, &back, &e, &err), 0);
    assert_true(aof_manifest_equal(&m, &back));
    aof_manifest_fini(&back);

    /* A directory we cannot create. */
    aof_paths bad = {.dir = "/nonexistent-tessera", .dirname = "d", .filename = "f"};
    assert_true(aof_dir_create(&bad, &err) < 0);
    assert_non_null(strstr(err.data, "Can't open or create append-only dir d"));
    m.dirty = true;
    assert_true(aof_manifest_persist(&m, &bad, &err) < 0);
    assert_non_null(strstr(err.data, "Can't open the AOF manifest file temp-f.manifest"));

    aof_manifest_fini(&m);
    buf_fini(&err);
    buf_fini(&path);
    tmpdir_remove(&t);
}

static void old_single_file_is_upgraded(void **state) {
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    aof_paths p = {.dir = t.path, .dirname = "appendonlydir", .filename = "appendonly.aof"};
    aof_manifest m;
    aof_manifest_error e;
    buf err, path;
    buf_init(&err);
    buf_init(&path);
    bool needed = true;

    aof_manifest_init(&m);
    assert_int_equal(aof_upgrade_needed(&p, &m, &needed), 0);
    assert_false(needed); /* nothing to upgrade */

    buf_printf(&path, "%s/appendonly.aof", t.path);
    write_all(path.data, "*1\r\n$4\r\nPING\r\n", 14);
    assert_int_equal(aof_upgrade_needed(&p, &m, &needed), 0);
    assert_true(needed);
    assert_int_equal(aof_upgrade(&p, &m, &err), 0);
    assert_false(exists(path.data));
    aof_path(&p, "appendonly.aof", &path);
    assert_true(exists(path.data));
    aof_manifest_fini(&m);
    assert_int_equal(aof_manifest_load(&p, &m, &e, &err), 0);
    assert_string_equal(m.base->name, "appendonly.aof");
    assert_int_equal(m.base->seq, 1);
    assert_int_equal(m.incr_len, 0);

    /* An upgrade interrupted after the manifest, before the move. */
    buf_clear(&path);
    buf_printf(&path, "%s/appendonlydir/appendonly.aof", t.path);
    buf dst;
    buf_init(&dst);
    buf_printf(&dst, "%s/appendonly.aof", t.path);
    assert_int_equal(rename(path.data, dst.data), 0);
    assert_int_equal(aof_upgrade_needed(&p, &m, &needed), 0);
    assert_true(needed);
    /* After the move, with an incr file: a stray old file is left alone. */
    assert_int_equal(aof_upgrade(&p, &m, &err), 0);
    aof_manifest_last_incr(&m, p.filename, NULL);
    write_all(dst.data, "x", 1);
    assert_int_equal(aof_upgrade_needed(&p, &m, &needed), 0);
    assert_false(needed);

    aof_manifest_fini(&m);
    buf_fini(&dst);
    buf_fini(&err);
    buf_fini(&path);
    tmpdir_remove(&t);
}

/* ---- reader ---- */

/* Joins commands into RESP; records each command's start offset. */
static size_t build_stream(buf *out, const char *const *cmds, size_t n, size_t *starts) {
    for (size_t i = 0; i < n; i++) {
        starts[i] = out->len;
        const char *argv[8];
        int argc = 0;
        char line[256];
        snprintf(line, sizeof(line), "%s", cmds[i]);
        for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) argv[argc++] = tok;
        buf_printf(out, "*%d\r\n", argc);
        for (int a = 0; a < argc; a++) buf_printf(out, "$%zu\r\n%s\r\n", strlen(argv[a]), argv[a]);
    }
    starts[n] = out->len;
    return n;
}

static void reader_returns_commands_with_offsets(void **state) {
    (void)state;
    static const char *const cmds[] = {"SELECT 0", "SET k v", "DEL k", "INCR counter"};
    size_t starts[5];
    buf s;
    buf_init(&s);
    build_stream(&s, cmds, 4, starts);
    aof_reader r;
    aof_reader_init_mem(&r, s.data, s.len);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
        assert_int_equal(r.offset, (int64_t)starts[i]);
        assert_int_equal(r.end, (int64_t)starts[i + 1]);
    }
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    assert_int_equal(aof_reader_next(&r), AOF_READ_END); /* sticky */
    assert_int_equal(r.commands, 4);
    assert_int_equal(r.valid_up_to, (int64_t)s.len);
    aof_reader_fini(&r);

    /* argv contents, with binary bytes and an empty argument. */
    static const char bin[] = "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\na\0\r\n\r\n";
    aof_reader_init_mem(&r, bin, sizeof(bin) - 1);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(r.argc, 3);
    assert_int_equal(r.argv[1].len, 0);
    assert_int_equal(r.argv[2].len, 4);
    assert_memory_equal(r.argv[2].ptr, "a\0\r\n", 4);
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    aof_reader_fini(&r);

    /* Empty input is a clean end with nothing in it. */
    aof_reader_init_mem(&r, "", 0);
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    assert_int_equal(r.commands, 0);
    aof_reader_fini(&r);
    buf_fini(&s);
}

/* Every prefix of a stream: whole commands are returned, then either a clean
 * end (cut on a boundary) or a torn tail at the last boundary. Three read
 * sizes, so the window's compaction and growth are crossed at every spot. */
static void every_cut_of_a_stream_is_a_torn_tail_at_the_right_offset(void **state) {
    (void)state;
    static const char *const cmds[] = {
        "SELECT 0", "SET key value", "MULTI", "SET a 1", "INCR b", "EXEC", "DEL key", "PING",
    };
    enum { N = 8, MULTI_AT = 2, EXEC_AT = 5 };
    size_t starts[N + 1];
    buf s;
    buf_init(&s);
    build_stream(&s, cmds, N, starts);
    static const size_t chunks[] = {1, 3, 5, AOF_READ_CHUNK};
    for (size_t c = 0; c < ARRAY_LEN(chunks); c++) {
        for (size_t cut = 0; cut <= s.len; cut++) {
            aof_reader r;
            aof_reader_init_mem(&r, s.data, cut);
            aof_reader_set_chunk(&r, chunks[c]);
            size_t whole = 0;
            while (whole < N && starts[whole + 1] <= cut) whole++;
            enum aof_read_status st;
            for (size_t i = 0; i < whole; i++) {
                st = aof_reader_next(&r);
                if (st != AOF_READ_COMMAND)
                    fail_msg("chunk %zu cut %zu: command %zu gave %d", chunks[c], cut, i, st);
                assert_int_equal(r.offset, (int64_t)starts[i]);
            }
            st = aof_reader_next(&r);
            bool boundary = starts[whole] == cut;
            bool open_tx = whole > MULTI_AT && whole <= EXEC_AT;
            if (boundary && !open_tx) {
                assert_int_equal(st, AOF_READ_END);
            } else {
                if (st != AOF_READ_TRUNCATED)
                    fail_msg("chunk %zu cut %zu: got %d, want truncated", chunks[c], cut, st);
                assert_int_equal(r.valid_up_to, (int64_t)starts[whole]);
                int64_t want_cut = open_tx ? (int64_t)starts[MULTI_AT] : (int64_t)starts[whole];
                assert_int_equal(aof_reader_cut_offset(&r), want_cut);
                assert_int_equal(r.in_multi, open_tx);
                if (!boundary) assert_int_equal(r.error_offset, (int64_t)starts[whole]);
            }
            assert_int_equal(r.commands, whole);
            aof_reader_fini(&r);
        }
    }
    buf_fini(&s);
}

typedef struct bad_stream {
    const char *text;
    size_t len; /* 0: strlen */
    int commands_before;
    int64_t offset;
    enum aof_read_status status;
} bad_stream;

static void corruption_is_reported_where_it_starts(void **state) {
    (void)state;
    /* "*1\r\n$4\r\nPING\r\n" is 14 bytes. */
#define P "*1\r\n$4\r\nPING\r\n"
    static const bad_stream cases[] = {
        {P "GARBAGE\r\n" P, 0, 1, 14, AOF_READ_CORRUPT},
        {P P "*1\r\n%4\r\nPING\r\n" P, 0, 2, 28, AOF_READ_CORRUPT},
        {P "*0\r\n" P, 0, 1, 14, AOF_READ_CORRUPT},
        {P "*-1\r\n" P, 0, 1, 14, AOF_READ_CORRUPT},
        {P "*x\r\n" P, 0, 1, 14, AOF_READ_CORRUPT},
        {P "*1\r\n$-4\r\nPING\r\n", 0, 1, 14, AOF_READ_CORRUPT},
        {P "*1\r\n$4x\r\nPING\r\n", 0, 1, 14, AOF_READ_CORRUPT},
        {P "*99999999999\r\n", 0, 1, 14, AOF_READ_CORRUPT},
        {P "\r\n" P, 0, 1, 14, AOF_READ_CORRUPT},
        {"\0" P, 15, 0, 0, AOF_READ_CORRUPT},
        /* Partial last lines Redis already sees as not RESP. */
        {P "XY", 0, 1, 14, AOF_READ_CORRUPT},
        {P "*2\r\n$1\r\na\r\nX", 0, 1, 14, AOF_READ_CORRUPT},
        {P "*a", 0, 1, 14, AOF_READ_CORRUPT},
        /* ...and partial lines that may still become RESP. */
        {P "*", 0, 1, 14, AOF_READ_TRUNCATED},
        {P "*12\r", 0, 1, 14, AOF_READ_TRUNCATED},
        {P "*2\r\n$1\r\na\r\n$", 0, 1, 14, AOF_READ_TRUNCATED},
        {P "*2\r\n$1\r\na\r\n$10", 0, 1, 14, AOF_READ_TRUNCATED},
        /* Annotations: skipped, unless torn or too long. */
        {"#TS:1700000000\r\n" P "#TS:1\n" P, 0, 2, 50, AOF_READ_END},
        {P "#TS:17000", 0, 1, 14, AOF_READ_TRUNCATED},
    };
#undef P
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const bad_stream *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        for (size_t chunk = 1; chunk <= 16; chunk *= 4) {
            aof_reader r;
            aof_reader_init_mem(&r, c->text, len);
            aof_reader_set_chunk(&r, chunk);
            int n = 0;
            enum aof_read_status st;
            while ((st = aof_reader_next(&r)) == AOF_READ_COMMAND) n++;
            if (st != c->status || n != c->commands_before ||
                (st != AOF_READ_END && r.error_offset != c->offset))
                fail_msg("case %zu chunk %zu: status %d commands %d offset %lld (%s)", i, chunk,
                         st, n, (long long)r.error_offset, r.err.data ? r.err.data : "");
            if (st == AOF_READ_CORRUPT) {
                buf text;
                buf_init(&text);
                aof_reader_failure_text(&r, st, "appendonly.aof.1.incr.aof", &text);
                assert_non_null(strstr(text.data, "Bad file format reading the append only file "
                                                  "appendonly.aof.1.incr.aof"));
                assert_non_null(strstr(text.data, "redis-check-aof --fix"));
                buf_fini(&text);
            }
            assert_int_equal(aof_reader_next(&r), st);
            aof_reader_fini(&r);
        }
    }

    /* An annotation that does not fit Redis's line buffer. */
    buf s;
    buf_init(&s);
    buf_append_str(&s, "*1\r\n$4\r\nPING\r\n#");
    for (int i = 0; i < 2000; i++) buf_append_char(&s, 'x');
    buf_append_str(&s, "\r\n");
    aof_reader r;
    aof_reader_init_mem(&r, s.data, s.len);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(aof_reader_next(&r), AOF_READ_CORRUPT);
    assert_int_equal(r.error_offset, 14);
    aof_reader_fini(&r);
    buf_fini(&s);
}

static void huge_announced_lengths_cost_nothing(void **state) {
    (void)state;
    static const char *const inputs[] = {
        "*1\r\n$9223372036854775000\r\nabc",
        "*2147483647\r\n$1\r\na\r\n$1\r\nb\r\n",
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000000\r\nxyz",
    };
    for (size_t i = 0; i < ARRAY_LEN(inputs); i++) {
        size_t before = mem_used_bytes();
        aof_reader r;
        aof_reader_init_mem(&r, inputs[i], strlen(inputs[i]));
        assert_int_equal(aof_reader_next(&r), AOF_READ_TRUNCATED);
        assert_int_equal(r.error_offset, 0);
        assert_true(r.win_cap <= AOF_READ_CHUNK);
        assert_true(mem_used_bytes() - before < 64 * 1024);
        aof_reader_fini(&r);
    }

    /* A real 1 MiB argument read 7 bytes at a time: the window grows to hold
     * it, and not much beyond. */
    size_t big = 1024 * 1024;
    buf s;
    buf_init(&s);
    buf_printf(&s, "*2\r\n$3\r\nSET\r\n$%zu\r\n", big);
    size_t payload = s.len;
    for (size_t i = 0; i < big; i++) buf_append_char(&s, (char)('a' + i % 26));
    buf_append_str(&s, "\r\n*1\r\n$4\r\nPING\r\n");
    aof_reader r;
    aof_reader_init_mem(&r, s.data, s.len);
    aof_reader_set_chunk(&r, 4096 + 7);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(r.argv[1].len, big);
    assert_memory_equal(r.argv[1].ptr, s.data + payload, big);
    assert_true(r.win_cap <= 4 * big);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(r.offset, (int64_t)(payload + big + 2));
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    aof_reader_fini(&r);
    buf_fini(&s);
}

static void unfinished_transaction_at_the_tail(void **state) {
    (void)state;
    static const char *const cmds[] = {"SET a 1", "MULTI", "SET b 2", "INCR c"};
    size_t starts[5];
    buf s;
    buf_init(&s);
    build_stream(&s, cmds, 4, starts);
    aof_reader r;
    aof_reader_init_mem(&r, s.data, s.len);
    for (int i = 0; i < 4; i++) assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_true(r.in_multi);
    assert_int_equal(r.multi_offset, (int64_t)starts[1]);
    assert_int_equal(aof_reader_next(&r), AOF_READ_TRUNCATED);
    assert_int_equal(r.valid_up_to, (int64_t)s.len);
    assert_int_equal(aof_reader_cut_offset(&r), (int64_t)starts[1]);
    assert_non_null(strstr(r.err.data, "MULTI/EXEC"));
    buf text;
    buf_init(&text);
    aof_reader_failure_text(&r, AOF_READ_TRUNCATED, "x.aof", &text);
    assert_non_null(strstr(text.data, "Unexpected end of file reading the append only file x.aof"));
    assert_non_null(strstr(text.data, "'aof-load-truncated'"));
    buf_fini(&text);
    aof_reader_fini(&r);

    /* With its EXEC (any case) the same stream ends cleanly; a second MULTI
     * inside the first does not move the cut point. */
    static const char *const closed[] = {"multi", "SET b 2", "MULTI", "exec", "SET z 1"};
    size_t cstarts[6];
    buf_clear(&s);
    build_stream(&s, closed, 5, cstarts);
    aof_reader_init_mem(&r, s.data, s.len);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(r.multi_offset, 0);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_false(r.in_multi);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    aof_reader_fini(&r);
    buf_fini(&s);
}

static void reads_every_command_of_redis_files(void **state) {
    (void)state;
    bool rdb = false;
    buf err;
    buf_init(&err);
    assert_int_equal(
        aof_file_has_rdb_preamble(FIXTURES "/aof-redis7/appendonly.aof.2.base.rdb", &rdb, &err), 0);
    assert_true(rdb);
    assert_int_equal(
        aof_file_has_rdb_preamble(FIXTURES "/aof-redis7/appendonly.aof.2.incr.aof", &rdb, &err), 0);
    assert_false(rdb);
    assert_int_equal(
        aof_file_has_rdb_preamble(FIXTURES "/aof-redis7-history/my aof.1.base.aof", &rdb, &err), 0);
    assert_false(rdb); /* empty */
    assert_true(aof_file_has_rdb_preamble(FIXTURES "/nope", &rdb, &err) == -ENOENT);

    /* The manifest names the incr file; the reader gets all of it. */
    aof_paths p = {.dir = FIXTURES, .dirname = "aof-redis7", .filename = "appendonly.aof"};
    aof_manifest m;
    aof_manifest_error e;
    assert_int_equal(aof_manifest_load(&p, &m, &e, &err), 0);
    int64_t total = 0;
    assert_int_equal(aof_files_size(&p, &m, &total, &err), 0);
    assert_int_equal(total, 163 + 314);
    buf path;
    buf_init(&path);
    aof_path(&p, m.incr[0].name, &path);
    int fd = open(path.data, O_RDONLY);
    assert_true(fd >= 0);
    static const char *const want[] = {"SELECT", "set",   "del",  "PEXPIREAT", "MULTI", "SET",
                                       "INCR",   "EXEC",  "SELECT", "set",     "SELECT", "set"};
    static const int want_argc[] = {2, 3, 2, 3, 1, 3, 2, 1, 2, 3, 2, 3};
    aof_reader r;
    aof_reader_init_fd(&r, fd, 0);
    aof_reader_set_chunk(&r, 17);
    int64_t second = 0;
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
        assert_int_equal(r.argc, want_argc[i]);
        assert_int_equal(r.argv[0].len, strlen(want[i]));
        assert_memory_equal(r.argv[0].ptr, want[i], strlen(want[i]));
        if (i == 1) second = r.offset;
    }
    assert_int_equal(r.argv[2].len, 3);
    assert_memory_equal(r.argv[2].ptr, "a\x01" "b", 3);
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    assert_int_equal(r.valid_up_to, 314);
    aof_reader_fini(&r);

    /* Starting mid-file (after a preamble, say) reports file offsets. */
    aof_reader_init_fd(&r, fd, second);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(r.offset, second);
    assert_memory_equal(r.argv[1].ptr, "k2", 2);
    aof_reader_fini(&r);
    close(fd);
    aof_manifest_fini(&m);

    /* The history fixture: every listed file is there and readable. */
    aof_paths h = {.dir = FIXTURES, .dirname = "aof-redis7-history", .filename = "my aof"};
    assert_int_equal(aof_manifest_load(&h, &m, &e, &err), 0);
    assert_int_equal(m.history_len, 4);
    for (size_t i = 0; i < m.history_len; i++) {
        aof_path(&h, m.history[i].name, &path);
        assert_true(exists(path.data));
    }
    aof_path(&h, m.base->name, &path);
    fd = open(path.data, O_RDONLY);
    assert_true(fd >= 0);
    aof_reader_init_fd(&r, fd, 0);
    int n = 0;
    while (aof_reader_next(&r) == AOF_READ_COMMAND) n++;
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    assert_int_equal(n, 3); /* SELECT 0, SET a 1, SET b 2 */
    aof_reader_fini(&r);
    close(fd);
    aof_manifest_fini(&m);
    buf_fini(&path);
    buf_fini(&err);
}

static void torn_file_is_cut_to_its_last_whole_command(void **state) {
    (void)state;
    tmpdir t;
    tmpdir_make(&t);
    buf path, err;
    buf_init(&path);
    buf_init(&err);
    buf_printf(&path, "%s/torn.aof", t.path);
    static const char data[] = "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$2\r\nk";
    write_all(path.data, data, sizeof(data) - 1);

    int fd = open(path.data, O_RDONLY);
    aof_reader r;
    aof_reader_init_fd(&r, fd, 0);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(aof_reader_next(&r), AOF_READ_TRUNCATED);
    int64_t cut = aof_reader_cut_offset(&r);
    assert_int_equal(cut, 14);
    aof_reader_fini(&r);
    close(fd);

    assert_int_equal(aof_truncate(path.data, cut, &err), 0);
    struct stat st;
    assert_int_equal(stat(path.data, &st), 0);
    assert_int_equal(st.st_size, 14);
    fd = open(path.data, O_RDONLY);
    aof_reader_init_fd(&r, fd, 0);
    assert_int_equal(aof_reader_next(&r), AOF_READ_COMMAND);
    assert_int_equal(aof_reader_next(&r), AOF_READ_END);
    aof_reader_fini(&r);
    close(fd);

    buf_clear(&path);
    buf_printf(&path, "%s/missing.aof", t.path);
    assert_int_equal(aof_truncate(path.data, 0, &err), -ENOENT);
    assert_non_null(strstr(err.data, "Error truncating the AOF file"));

    /* A read error is its own verdict. */
    aof_reader_init_fd(&r, 987654, 0);
    assert_int_equal(aof_reader_next(&r), AOF_READ_IO_ERROR);
    aof_reader_fini(&r);

    buf_fini(&path);
    buf_fini(&err);
    tmpdir_remove(&t);
}

static void names_and_paths(void **state) {
    (void)state;
    buf b;
    buf_init(&b);
    aof_paths p = {.dir = ".", .dirname = "appendonlydir", .filename = "appendonly.aof"};
    aof_path(&p, "x", &b);
    assert_string_equal(b.data, "./appendonlydir/x");
    aof_manifest_name("appendonly.aof", &b);
    assert_string_equal(b.data, "appendonly.aof.manifest");
    aof_temp_manifest_name("appendonly.aof", &b);
    assert_string_equal(b.data, "temp-appendonly.aof.manifest");
    aof_temp_incr_name("appendonly.aof", &b);
    assert_string_equal(b.data, "temp-appendonly.aof.incr");
    assert_true(aof_name_is_plain("appendonly.aof"));
    assert_false(aof_name_is_plain(""));
    assert_false(aof_name_is_plain("a/b"));
    assert_false(aof_name_is_plain("a\\b"));
    assert_false(aof_name_is_plain("."));
    assert_true(aof_has_rdb_preamble("REDIS0010", 9));
    assert_false(aof_has_rdb_preamble("REDI", 4));
    assert_false(aof_has_rdb_preamble("*1\r\n", 4));
    buf_fini(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manifest_round_trips_through_text),
        cmocka_unit_test(manifest_written_by_redis_parses_and_formats_identically),
        cmocka_unit_test(rewrite_steps_reproduce_redis_manifest),
        cmocka_unit_test(malformed_manifests_are_refused_with_line_and_reason),
        cmocka_unit_test(long_lines_comments_and_unknown_keys),
        cmocka_unit_test(persist_and_load_in_a_directory),
        cmocka_unit_test(old_single_file_is_upgraded),
        cmocka_unit_test(reader_returns_commands_with_offsets),
        cmocka_unit_test(every_cut_of_a_stream_is_a_torn_tail_at_the_right_offset),
        cmocka_unit_test(corruption_is_reported_where_it_starts),
        cmocka_unit_test(huge_announced_lengths_cost_nothing),
        cmocka_unit_test(unfinished_transaction_at_the_tail),
        cmocka_unit_test(reads_every_command_of_redis_files),
        cmocka_unit_test(torn_file_is_cut_to_its_last_whole_command),
        cmocka_unit_test(names_and_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
