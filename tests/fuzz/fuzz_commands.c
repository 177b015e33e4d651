/* fuzz_commands: sequences of data commands on one keyspace.
 *
 * The input is decoded into a program (see run_program for the byte codes):
 * commands whose names come from the registry (whatever the string and key
 * groups define today, plus a few names no group knows), with arguments
 * drawn from a dictionary of edge-case values, a small set of colliding key
 * names, or raw input bytes; between them, steps that move the clock, select
 * another database, switch RESP2/3, toggle LFU, lazy flushing, shared
 * integers and cluster mode, or run the expiry, rehash and reclaim steps the
 * server cron would run. Commands go through the unit-test command harness,
 * so handlers see what dispatch would give them.
 *
 * After every command the reply must be exactly one well-formed RESP value
 * of the protocol in use (errors start with an uppercase code, RESP3 nulls
 * are "_"). Every few commands the selected database must be consistent:
 * its key count equals the distinct keys a full db_scan walk returns and the
 * entries db_foreach visits, every entry is found again under its own key,
 * and the expiry index counts exactly the entries that carry an expiry. At
 * the end (and on request) every database is checked that way, and through
 * the commands themselves when they exist: a full SCAN terminates and, since
 * it deletes the expired keys it meets, DBSIZE then equals the number of
 * distinct keys it returned. Finally all memory handed out through mem_*
 * must have been given back. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/keyslot.h"
#include "base/mem.h"
#include "base/number.h"
#include "support/cmd_harness.h"
#include "commands/command.h"
#include "data/keyspace.h"
#include "data/kv.h"
#include "persist/rdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_commands: check failed at line %d: %s\n", __LINE__, #cond);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_ARGS 16
#define MAX_COMMANDS 64
#define DB_COUNT 16
#define START_MS 1700000000000LL

/* ---- the dictionary ---- */

typedef struct value {
    const char *bytes;
    size_t len;
} value;

#define V(lit) {lit, sizeof(lit) - 1}

static const value values[] = {
    /* integers and their edges */
    V(""), V("0"), V("1"), V("-1"), V("2"), V("3"), V("7"), V("10"), V("100"), V("-100"),
    V("1000"), V("65535"), V("2147483647"), V("-2147483648"), V("4294967296"),
    V("9223372036854775807"), V("-9223372036854775808"), V("9223372036854775806"),
    V("9223372036854775808"), V("-9223372036854775809"), V("9223372036854775"),
    V("9223372036854776"), V("4611686018427387904"), V("536870911"), V("536870912"),
    V("1048575"), V("1048576"), V("00"), V("01"), V("-0"), V("+1"), V(" 1"), V("1 "), V("0x10"),
    V("1a"),
    /* floats */
    V("1.5"), V("-1.5"), V("0.1"), V("3.0e3"), V("1e10"), V("1e308"), V("1e400"), V("-1e400"),
    V("5e-324"), V("inf"), V("-inf"), V("+inf"), V("nan"), V("1.7976931348623157e308"),
    /* options */
    V("nx"), V("xx"), V("gt"), V("lt"), V("ex"), V("px"), V("exat"), V("pxat"), V("keepttl"),
    V("get"), V("persist"), V("count"), V("match"), V("type"), V("replace"), V("db"), V("len"),
    V("idx"), V("minmatchlen"), V("withmatchlen"), V("async"), V("sync"), V("encoding"),
    V("freq"), V("refcount"), V("idletime"), V("help"), V("string"), V("list"), V("none"),
    V("NX"), V("Ex"),
    /* patterns */
    V("*"), V("k*"), V("?"), V("k?"), V("[a-z]*"), V("k[0-3]"), V("\\*"), V("*k*k*k*"),
    V("{t}*"), V("["),
    /* plain strings, with a NUL byte and CRLF too */
    V("abc"), V("hello world"), V("x"), V("\r\n"), V("\x00\xff"),
};

/* Values at the embedded-string boundary and beyond, built at start-up. */
static char str44[45], str45[46], str300[301];

#define KEY_NAMES 12
static const char *const keys[KEY_NAMES] = {
    "k0", "k1", "k2", "k3", "k4", "k5", "{t}a", "{t}b", "{t}c", "", "K0", "k0 ",
};

/* Names no data group defines (server commands, nonsense), and two known
 * names in mixed case, which must work like the lowercase ones. */
static const char *const extra_names[] = {"nosuchcmd", "select", "ping", "GeT", "DeL"};

static const int64_t time_steps_ms[8] = {1, 999, 1000, 1001, 10000, 3600000, 86400000, 0};

/* ---- the command list, from the registry ---- */

typedef struct cmd_entry {
    const char *name;
    const char *sub; /* subcommand of a container, or NULL */
    int arity;       /* of the (sub)command */
} cmd_entry;

/* Room for every (sub)command with a wide margin; extra ones would be left
 * out of the list, not overflow it. */
static cmd_entry commands[MAX_COMMANDS * 4];
static size_t command_total;  /* entries, the extra names included */
static size_t registry_total; /* entries the registry knows */

static void add_entry(const char *name, const char *sub, int arity) {
    if (command_total < ARRAY_LEN(commands))
        commands[command_total++] = (cmd_entry){name, sub, arity};
}

static void collect_sub(command *c, void *ctx) {
    const char *parent = ctx;
    add_entry(parent, c->def->name, c->def->arity);
}

static void collect(command *c, void *ctx) {
    (void)ctx;
    if (c->subs != NULL)
        command_foreach_sub(c, collect_sub, (void *)(uintptr_t)c->def->name);
    else
        add_entry(c->def->name, NULL, c->def->arity);
}

static int entry_cmp(const void *a, const void *b) {
    const cmd_entry *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    if (r) return r;
    return strcmp(x->sub ? x->sub : "", y->sub ? y->sub : "");
}

/* Sorted, so the same input means the same program on every run. */
static void build_command_list(harness *h) {
    command_total = 0;
    command_foreach(h->registry, collect, NULL);
    qsort(commands, command_total, sizeof(cmd_entry), entry_cmp);
    registry_total = command_total;
    for (size_t i = 0; i < ARRAY_LEN(extra_names); i++) add_entry(extra_names[i], NULL, -1);
}

/* ---- input reader ---- */

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static bool read_byte(reader *r, uint8_t *out) {
    if (r->left == 0) return false;
    *out = *r->p++;
    r->left--;
    return true;
}

/* ---- RESP reply validation ---- */

/* Index of the CR of the line starting at p (no bare CR or LF inside), or
 * -1 when the line is not properly terminated. */
static long line_end(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') return -1;
        if (p[i] == '\r') return (i + 1 < n && p[i + 1] == '\n') ? (long)i : -1;
    }
    return -1;
}

static bool line_i64(const char *p, long len, int64_t *v) {
    return len > 0 && number_parse_i64(p, (size_t)len, v);
}

/* Size of the one RESP value at p, or -1 when it is malformed. */
static long resp_value_size(const char *p, size_t n, int proto, int depth) {
    if (n < 3 || depth > 64) return -1;
    long le = line_end(p + 1, n - 1);
    if (le < 0) return -1;
    const char *body = p + 1;
    long head = le + 3; /* type byte, line, CRLF */
    int64_t v;
    switch (p[0]) {
    case '+': return head;
    case '-':
        /* Error replies start with their code: ERR, WRONGTYPE, ... */
        return (le > 0 && body[0] >= 'A' && body[0] <= 'Z') ? head : -1;
    case ':': return line_i64(body, le, &v) ? head : -1;
    case '$':
    case '=':
        if (!line_i64(body, le, &v)) return -1;
        if (v == -1 && p[0] == '$') return proto == 2 ? head : -1; /* RESP3 has "_" */
        if (v < 0 || (uint64_t)v > n - (size_t)head || n - (size_t)head - (size_t)v < 2) return -1;
        if (p[0] == '=' && (proto != 3 || v < 4 || p[head + 3] != ':')) return -1;
        if (p[head + v] != '\r' || p[head + v + 1] != '\n') return -1;
        return head + (long)v + 2;
    case '*':
    case '%':
    case '~':
    case '>': {
        if (!line_i64(body, le, &v)) return -1;
        if (v == -1 && p[0] == '*') return proto == 2 ? head : -1;
        if (p[0] != '*' && proto != 3) return -1;
        if (v < 0 || v > (int64_t)n) return -1;
        uint64_t elems = p[0] == '%' ? 2 * (uint64_t)v : (uint64_t)v;
        size_t at = (size_t)head;
        for (uint64_t i = 0; i < elems; i++) {
            long s = resp_value_size(p + at, n - at, proto, depth + 1);
            if (s < 0) return -1;
            at += (size_t)s;
        }
        return (long)at;
    }
    case '_': return (proto == 3 && le == 0) ? head : -1;
    case '#': return (proto == 3 && le == 1 && (body[0] == 't' || body[0] == 'f')) ? head : -1;
    case ',':
    case '(': return (proto == 3 && le > 0) ? head : -1;
    default: return -1;
    }
}

static void check_reply(const harness *h, const char *cmd) {
    long s = resp_value_size(h->last, h->last_len, h->sess.proto, 0);
    if (s < 0 || (size_t)s != h->last_len) {
        fprintf(stderr, "fuzz_commands: malformed reply to %s (RESP%d): %.*s\n", cmd,
                h->sess.proto, (int)(h->last_len > 300 ? 300 : h->last_len), h->last);
        abort();
    }
}

/* ---- key sets ---- */

typedef struct key_item {
    char *bytes;
    size_t len;
} key_item;

typedef struct key_set {
    key_item *items;
    size_t count, cap;
} key_set;

static void key_set_add(key_set *s, const char *key, size_t len) {
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->items = mem_realloc(s->items, s->cap * sizeof(key_item));
    }
    s->items[s->count].bytes = mem_dup(key, len);
    s->items[s->count].len = len;
    s->count++;
}

static int key_cmp(const void *a, const void *b) {
    const key_item *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = n ? memcmp(x->bytes, y->bytes, n) : 0;
    if (r) return r;
    return (x->len > y->len) - (x->len < y->len);
}

/* Sorts and returns the number of distinct keys. */
static size_t key_set_distinct(key_set *s) {
    if (s->count == 0) return 0;
    qsort(s->items, s->count, sizeof(key_item), key_cmp);
    size_t distinct = 1;
    for (size_t i = 1; i < s->count; i++)
        if (key_cmp(&s->items[i - 1], &s->items[i]) != 0) distinct++;
    return distinct;
}

static void key_set_free(key_set *s) {
    for (size_t i = 0; i < s->count; i++) mem_free(s->items[i].bytes);
    mem_free(s->items);
    s->items = NULL;
    s->count = s->cap = 0;
}

/* ---- keyspace consistency, through the data layer ---- */

static void scan_collect(kv *e, void *ctx) {
    size_t len;
    const char *key = kv_key(e, &len);
    key_set_add(ctx, key, len);
}

typedef struct walk_state {
    db *d;
    size_t entries, with_expire;
} walk_state;

static bool walk_entry(kv *e, void *ctx) {
    walk_state *w = ctx;
    size_t len;
    const char *key = kv_key(e, &len);
    FUZZ_CHECK(db_find(w->d, key, len) == e);
    FUZZ_CHECK(db_slot_count(w->d, keyslot(key, len)) > 0);
    w->entries++;
    if (kv_has_expire(e)) w->with_expire++;
    return true;
}

static void check_db(db *d) {
    key_set seen = {0};
    uint64_t cursor = 0;
    size_t calls = 0;
    do {
        cursor = db_scan(d, cursor, scan_collect, &seen);
        FUZZ_CHECK(++calls <= KEYSLOT_COUNT + 4 * db_size(d) + 64);
    } while (cursor != 0);
    FUZZ_CHECK(key_set_distinct(&seen) == db_size(d));
    key_set_free(&seen);

    walk_state w = {d, 0, 0};
    db_foreach(d, walk_entry, &w);
    FUZZ_CHECK(w.entries == db_size(d));
    FUZZ_CHECK(w.with_expire == db_volatile_count(d));
}

/* After every command: the totals agree, and each of the usual key names
 * that is present is found under its own name in its own slot. */
static void check_cheap(harness *h) {
    size_t total = 0;
    for (int i = 0; i < DB_COUNT; i++) total += db_size(keyspace_db(h->ks, i));
    FUZZ_CHECK(total == keyspace_total_keys(h->ks));
    db *d = keyspace_db(h->ks, h->sess.db);
    for (int i = 0; i < KEY_NAMES; i++) {
        size_t len = strlen(keys[i]), got;
        kv *e = db_find(d, keys[i], len);
        if (e == NULL) continue;
        const char *k = kv_key(e, &got);
        FUZZ_CHECK(got == len && memcmp(k, keys[i], len) == 0);
        FUZZ_CHECK(db_slot_count(d, keyslot(keys[i], len)) > 0);
    }
}

static void check_all_dbs(harness *h) {
    size_t total = 0;
    for (int i = 0; i < DB_COUNT; i++) {
        db *d = keyspace_db(h->ks, i);
        check_db(d);
        total += db_size(d);
    }
    FUZZ_CHECK(total == keyspace_total_keys(h->ks));
}

/* ---- keyspace consistency, through SCAN and DBSIZE ---- */

/* Reads "$<n>\r\n<bytes>\r\n" at *p; returns false if it is not there. */
static bool take_bulk(const char **p, const char *end, const char **s, size_t *len) {
    int64_t n;
    long le = line_end(*p + 1, (size_t)(end - *p - 1));
    if (**p != '$' || le < 0 || !line_i64(*p + 1, le, &n) || n < 0) return false;
    *s = *p + 1 + le + 2;
    *len = (size_t)n;
    *p = *s + n + 2;
    return *p <= end;
}

static bool has_command(const char *name) {
    for (size_t i = 0; i < registry_total; i++)
        if (strcmp(commands[i].name, name) == 0) return true;
    return false;
}

static void check_db_by_commands(harness *h) {
    if (!has_command("scan") || !has_command("dbsize")) return;
    key_set seen = {0};
    char cursor[32] = "0";
    size_t calls = 0;
    do {
        harness_run(h, "scan", cursor, "count", "7", NULL);
        check_reply(h, "scan");
        const char *p = h->last, *end = h->last + h->last_len, *s;
        size_t len;
        FUZZ_CHECK(strncmp(p, "*2\r\n", 4) == 0);
        p += 4;
        FUZZ_CHECK(take_bulk(&p, end, &s, &len) && len < sizeof(cursor));
        memcpy(cursor, s, len);
        cursor[len] = '\0';
        int64_t count;
        long le = line_end(p + 1, (size_t)(end - p - 1));
        FUZZ_CHECK(*p == '*' && le >= 0 && line_i64(p + 1, le, &count));
        p += le + 3;
        for (int64_t i = 0; i < count; i++) {
            FUZZ_CHECK(take_bulk(&p, end, &s, &len));
            key_set_add(&seen, s, len);
        }
        FUZZ_CHECK(++calls <= 100000);
    } while (strcmp(cursor, "0") != 0);
    size_t distinct = key_set_distinct(&seen);
    key_set_free(&seen);

    harness_run(h, "dbsize", NULL);
    char want[40];
    snprintf(want, sizeof(want), ":%zu\r\n", distinct);
    if (strcmp(h->last, want) != 0) {
        fprintf(stderr, "fuzz_commands: db %d: SCAN returned %zu distinct keys, DBSIZE says %s\n",
                h->sess.db, distinct, h->last);
        abort();
    }
}

/* ---- the snapshot sees the same keyspace ---- */

typedef struct compare_state {
    db *other;
    size_t seen;
} compare_state;

static bool compare_entry(kv *e, void *ctx) {
    compare_state *cs = ctx;
    size_t klen, alen, blen;
    const char *key = kv_key(e, &klen);
    kv *copy = db_find(cs->other, key, klen);
    FUZZ_CHECK(copy != NULL);
    FUZZ_CHECK(kv_expire(copy) == kv_expire(e));
    char ta[KV_INT_BUF], tb[KV_INT_BUF];
    const char *a = kv_str_value(e, ta, &alen);
    const char *b = kv_str_value(copy, tb, &blen);
    FUZZ_CHECK(alen == blen && memcmp(a, b, alen) == 0);
    cs->seen++;
    return true;
}

/* Saving the keyspace as an RDB snapshot and loading it into a fresh one
 * gives back every key exactly once (the loader refuses a duplicate), with
 * its value and expiry. */
static void check_snapshot_round_trip(harness *h) {
    int fd = memfd_create("fuzz-rdb", 0);
    FUZZ_CHECK(fd >= 0);
    rdb_save_opts so = {.compress = true, .checksum = true, .now_ms = keyspace_now(h->ks)};
    buf err;
    buf_init(&err);
    FUZZ_CHECK(rdb_save_fd(h->ks, fd, &so, &err) == 0);
    off_t size = lseek(fd, 0, SEEK_END);
    FUZZ_CHECK(size > 0);
    char *file = mem_alloc((size_t)size);
    FUZZ_CHECK(pread(fd, file, (size_t)size, 0) == size);
    close(fd);
    keyspace *copy = keyspace_new(DB_COUNT);
    rdb_load_opts lo = {.skip_expired = false, .verify_checksum = true,
                        .now_ms = keyspace_now(h->ks)};
    rdb_load_info info;
    int rc = rdb_load_buffer(copy, file, (size_t)size, "fuzz snapshot", &lo, &info, &err);
    if (rc != 0) fprintf(stderr, "fuzz_commands: snapshot does not load: %s\n", err.data);
    FUZZ_CHECK(rc == 0);
    for (int i = 0; i < DB_COUNT; i++) {
        db *d = keyspace_db(h->ks, i);
        compare_state cs = {keyspace_db(copy, i), 0};
        FUZZ_CHECK(db_size(cs.other) == db_size(d));
        db_foreach(d, compare_entry, &cs);
        FUZZ_CHECK(cs.seen == db_size(d));
    }
    keyspace_free(copy);
    mem_free(file);
    buf_fini(&err);
}

static void check_everything(harness *h) {
    check_all_dbs(h);
    check_snapshot_round_trip(h);
    int db_was = h->sess.db;
    for (int i = 0; i < DB_COUNT; i++) {
        h->sess.db = i;
        check_db_by_commands(h);
    }
    h->sess.db = db_was;
    check_all_dbs(h);
}

/* ---- running one command ---- */

static const char *arg_from(reader *r, uint8_t b, size_t *len) {
    if (b < 0x80) {
        size_t i = b % (ARRAY_LEN(values) + 3);
        if (i < ARRAY_LEN(values)) {
            *len = values[i].len;
            return values[i].bytes;
        }
        static const size_t long_lens[3] = {44, 45, 300};
        const char *const long_values[3] = {str44, str45, str300};
        *len = long_lens[i - ARRAY_LEN(values)];
        return long_values[i - ARRAY_LEN(values)];
    }
    if (b < 0xc0) {
        const char *k = keys[b % KEY_NAMES];
        *len = strlen(k);
        return k;
    }
    /* Raw bytes straight from the input. */
    size_t n = b & 0x3f;
    if (n > r->left) n = r->left;
    const char *v = (const char *)r->p;
    r->p += n;
    r->left -= n;
    *len = n;
    return v;
}

/* FUZZ_TRACE=1 in the environment prints every step (to read a reproducer). */
static bool trace;
static uint64_t commands_run;

static void print_escaped(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
}

static void trace_command(const harness *h, int argc, const char **argv, const size_t *lens) {
    fprintf(stderr, "[db%d t=%lld] ", h->sess.db, (long long)(keyspace_now(h->ks) - START_MS));
    for (int i = 0; i < argc; i++) {
        fputc('"', stderr);
        print_escaped(argv[i], lens[i]);
        fputs(i + 1 < argc ? "\" " : "\"", stderr);
    }
    fputs(" -> ", stderr);
    print_escaped(h->last, h->last_len > 200 ? 200 : h->last_len);
    fputc('\n', stderr);
}

/* A command named in the input (seeds use this form, so they keep their
 * meaning when groups gain commands): a length byte, then "name" or
 * "container|sub". Unknown names run too; they must get an error reply. */
static bool named_entry(reader *r, cmd_entry *out, char *name, size_t cap) {
    uint8_t n;
    if (!read_byte(r, &n) || n == 0 || n >= cap || n > r->left) return false;
    memcpy(name, r->p, n);
    name[n] = '\0';
    r->p += n;
    r->left -= n;
    char *bar = strchr(name, '|');
    if (bar) *bar = '\0';
    *out = (cmd_entry){name, bar ? bar + 1 : NULL, -1};
    for (size_t i = 0; i < registry_total; i++) {
        const cmd_entry *c = &commands[i];
        if (strcmp(c->name, out->name) == 0 && (c->sub == NULL) == (out->sub == NULL) &&
            (c->sub == NULL || strcmp(c->sub, out->sub) == 0))
            out->arity = c->arity;
    }
    return true;
}

static void run_command(harness *h, reader *r, uint8_t op) {
    cmd_entry named;
    char name[64];
    const cmd_entry *c = &commands[op % command_total];
    if (op == 0xf1) {
        if (!named_entry(r, &named, name, sizeof(name))) return;
        c = &named;
    }
    uint8_t shape = 0;
    if (!read_byte(r, &shape)) shape = 0x80;
    const char *argv[MAX_ARGS];
    size_t lens[MAX_ARGS];
    int argc = 0;
    argv[argc] = c->name;
    lens[argc++] = strlen(c->name);
    int fixed = c->sub ? 2 : 1;
    if (c->sub) {
        argv[argc] = c->sub;
        lens[argc++] = strlen(c->sub);
    }
    /* Mostly argument counts the arity accepts, sometimes any count. */
    int want;
    if (shape & 0x80)
        want = c->arity > 0 ? c->arity : -c->arity + (shape & 7);
    else
        want = fixed + (shape & 7);
    if (want > MAX_ARGS) want = MAX_ARGS;
    while (argc < want) {
        uint8_t b;
        if (!read_byte(r, &b)) b = 0x80; /* out of input: a key name */
        argv[argc] = arg_from(r, b, &lens[argc]);
        argc++;
    }
    harness_runv(h, argc, argv, lens);
    if (trace) trace_command(h, argc, argv, lens);
    check_reply(h, c->name);
    check_cheap(h);
    /* A full walk visits all 16384 slot tables: every few commands only. */
    if (++commands_run % 8 == 0) check_db(keyspace_db(h->ks, h->sess.db));
}

/* ---- the program ---- */

/* Program bytes:
 *   00-df, f3-ff  command number op (mod the list), then a shape byte: bit 7
 *                 set = as many arguments as the arity wants (+ bits 0-2 for
 *                 variadic ones), clear = bits 0-2 extra arguments; then one
 *                 byte per argument: 00-7f dictionary value, 80-bf key name,
 *                 c0-ff that many (& 0x3f) raw bytes from the input
 *   f1            named command: length byte, name, then as above
 *   e0-e7         advance the clock (time_steps_ms)
 *   e8 n          select database n % 16
 *   e9            switch RESP2 / RESP3
 *   ea eb ec      active expiry cycle, rehash step, reclaim step
 *   ed            check every database now
 *   ee ef f0 f2   toggle LFU, lazyfree-lazy-user-flush, shared integers,
 *                 cluster mode (the commands that refuse to run there) */
static void run_program(harness *h, reader *r) {
    uint8_t op;
    while (read_byte(r, &op)) {
        if (op < 0xe0) {
            run_command(h, r, op);
            continue;
        }
        uint8_t arg = 0;
        if (trace) fprintf(stderr, "[step 0x%02x]\n", op);
        if (op <= 0xe7) {
            harness_set_time(h, keyspace_now(h->ks) + time_steps_ms[op & 7]);
            continue;
        }
        switch (op) {
        case 0xe8:
            if (read_byte(r, &arg)) h->sess.db = arg % DB_COUNT; /* SELECT */
            break;
        case 0xe9: h->sess.proto = h->sess.proto == 2 ? 3 : 2; break;
        case 0xea: keyspace_expire_cycle(h->ks, 1000000); break;
        case 0xeb: keyspace_rehash_step(h->ks, 1000000); break;
        case 0xec: keyspace_reclaim_step(h->ks, 1000000); break;
        case 0xed: check_everything(h); break;
        case 0xee: keyspace_set_lfu(h->ks, !keyspace_is_lfu(h->ks), 10, 1); break;
        case 0xef: h->opts.lazyfree_user_flush = !h->opts.lazyfree_user_flush; break;
        case 0xf0: h->opts.shared_integers = !h->opts.shared_integers; break;
        case 0xf2: h->opts.cluster_enabled = !h->opts.cluster_enabled; break;
        default: run_command(h, r, op); break;
        }
    }
}

static void init_values(void) {
    if (str44[0]) return;
    trace = getenv("FUZZ_TRACE") != NULL;
    memset(str44, 'a', 44);
    memset(str45, 'b', 45);
    memset(str300, 'c', 300);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_values();
    size_t mem_before = mem_used_bytes();
    harness *h = harness_new();
    /* Keeps SETRANGE/APPEND growth and LCS tables small enough to fuzz. */
    h->opts.proto_max_bulk_len = 1 << 20;
    harness_set_time(h, START_MS);
    build_command_list(h);

    reader r = {data, size};
    run_program(h, &r);
    check_everything(h);

    harness_free(h);
    FUZZ_CHECK(mem_used_bytes() == mem_before);
    return 0;
}
