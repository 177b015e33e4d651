/* Unit tests for command: the registry of command definitions.
 *
 * The registry is built from small tables written here (two groups, two
 * containers with subcommands), not from the server's real tables, so each
 * expectation follows from a row in this file. Covered: case-insensitive
 * lookup of commands and subcommands, what lookup reports for unknown
 * names and unknown subcommands, "parent|sub" names, counts and visits,
 * the ACL categories Redis derives from flags, key positions from fixed
 * ranges and from a callback, the flag and category name tables, and the
 * argument comparison helpers. Building the registry twice must not
 * change anything, and freeing it must return all memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/check.h"
#include "base/hash.h"
#include "base/mem.h"
#include "commands/command.h"

/* ---- test tables ---- */

static void handler_a(cmd_ctx *ctx) {
    (void)ctx;
}

static void handler_b(cmd_ctx *ctx) {
    (void)ctx;
}

/* Keys are the arguments after "KEYS <n>", e.g. "k2 x KEYS 2 a b": 4, 5. */
static int keys_after_keyword(int argc, const resp_arg *argv, int *out, int max) {
    for (int i = 1; i + 1 < argc; i++) {
        if (!arg_eq(&argv[i], "keys")) continue;
        int n = 0;
        for (int j = i + 2; j < argc && n < 16; j++) {
            if (n < max) out[n] = j;
            n++;
        }
        return n;
    }
    return 0;
}

static const command_def strings_group[] = {
    {.name = "get", .handler = handler_a, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1, .last_key = 1, .key_step = 1, .acl = "@string"},
    {.name = "set", .handler = handler_b, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = 1, .key_step = 1, .acl = "@string"},
    {.name = "mset", .handler = handler_b, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1, .last_key = -1, .key_step = 2, .acl = "@string"},
    {.name = "del", .handler = handler_b, .arity = -2, .flags = CMD_WRITE, .first_key = 1,
     .last_key = -1, .key_step = 1, .acl = "@keyspace"},
    {.name = "trailing", .handler = handler_a, .arity = -3, .flags = CMD_READONLY,
     .first_key = 2, .last_key = -2, .key_step = 1},
    {.name = "upto3", .handler = handler_a, .arity = -2, .flags = CMD_READONLY, .first_key = 1,
     .last_key = 3, .key_step = 1},
    {.name = "kw", .handler = handler_a, .arity = -2, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .get_keys = keys_after_keyword},
    {0},
};

static const command_def config_subcommands[] = {
    {.name = "get", .handler = handler_a, .arity = -3, .flags = CMD_ADMIN | CMD_NOSCRIPT},
    {.name = "set", .handler = handler_b, .arity = -4, .flags = CMD_ADMIN | CMD_NOSCRIPT},
    {.name = "resetstat", .handler = handler_b, .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT},
    {0},
};

static const command_def object_subcommands[] = {
    {.name = "encoding", .handler = handler_a, .arity = 3, .flags = CMD_READONLY,
     .first_key = 2, .last_key = 2, .key_step = 1, .acl = "@keyspace"},
    {0},
};

static const command_def server_group[] = {
    {.name = "ping", .handler = handler_a, .arity = -1, .flags = CMD_FAST, .acl = "@connection"},
    {.name = "config", .arity = -2, .subcommands = config_subcommands},
    {.name = "object", .arity = -2, .subcommands = object_subcommands},
    {.name = "subscribe", .handler = handler_a, .arity = -2,
     .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE},
    {.name = "blpop", .handler = handler_b, .arity = -3, .flags = CMD_WRITE | CMD_BLOCKING,
     .first_key = 1, .last_key = -2, .key_step = 1, .acl = "@list"},
    {.name = "plain", .handler = handler_a, .arity = 1},
    {.name = "multi", .handler = handler_a, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = "@transaction"},
    {.name = "evalro", .handler = handler_a, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_READONLY | CMD_NO_MANDATORY_KEYS, .acl = "@scripting"},
    {0},
};

static const command_def *const groups[] = {strings_group, server_group, NULL};
#define TOP_LEVEL 15 /* rows of both groups */

/* ---- fixture and helpers ---- */

typedef struct fixture {
    size_t baseline;
    command_registry *r;
} fixture;

static int setup(void **state) {
    static const uint8_t seed[16] = "command-registry";
    hash_set_seed(seed);
    fixture *f = mem_calloc(1, sizeof(*f));
    f->baseline = mem_used_bytes();
    f->r = command_registry_new(groups);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    command_registry_free(f->r);
    size_t now = mem_used_bytes();
    size_t baseline = f->baseline;
    mem_free(f);
    assert_int_equal(now, baseline);
    return 0;
}

/* Splits a space-separated request into args pointing into buf. */
static int split(char *buf, resp_arg *argv, int max) {
    int argc = 0;
    for (char *tok = strtok(buf, " "); tok && argc < max; tok = strtok(NULL, " ")) {
        argv[argc].ptr = tok;
        argv[argc].len = strlen(tok);
        argc++;
    }
    return argc;
}

static command *lookup(fixture *f, const char *request, bool *is_container) {
    char buf[256];
    resp_arg argv[16];
    snprintf(buf, sizeof(buf), "%s", request);
    int argc = split(buf, argv, 16);
    *is_container = true; /* must be overwritten */
    return command_lookup(f->r, argc, argv, is_container);
}

static command *find(fixture *f, const char *name) {
    return command_find(f->r, name, strlen(name));
}

static command *must_find(fixture *f, const char *name) {
    command *c = find(f, name);
    if (c == NULL) {
        print_error("command '%s' not found\n", name);
        fail();
    }
    return c;
}

/* The command's ACL categories as "@a @b ...", in COMMAND's order. */
static const char *acl_text(const command *c) {
    static char out[256];
    out[0] = '\0';
    for (int bit = 0; bit < command_acl_count(); bit++) {
        if (!(c->acl_bits & (1ULL << bit))) continue;
        if (out[0]) strcat(out, " ");
        strcat(out, "@");
        strcat(out, command_acl_name(bit));
    }
    return out;
}

/* Key positions of a request as "1 3 5" (count and max checked apart). */
static const char *keys_text(fixture *f, const char *request) {
    static char out[128];
    char buf[256];
    resp_arg argv[16];
    snprintf(buf, sizeof(buf), "%s", request);
    int argc = split(buf, argv, 16);
    bool is_container;
    command *c = command_lookup(f->r, argc, argv, &is_container);
    assert_non_null(c);
    int keys[16];
    int n = command_get_keys(c, argc, argv, keys, 16);
    assert_true(n >= 0 && n <= 16);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof(out) - len, "%s%d", i ? " " : "", keys[i]);
    }
    return out;
}

/* ---- lookup ---- */

static void lookup_ignores_case_of_commands_and_subcommands(void **state) {
    fixture *f = *state;
    bool cont;
    command *get = lookup(f, "get k", &cont);
    assert_non_null(get);
    assert_false(cont);
    assert_string_equal(get->fullname, "get");
    assert_ptr_equal(get->def, &strings_group[0]);
    assert_null(get->parent);
    assert_ptr_equal(lookup(f, "GET k", &cont), get);
    assert_ptr_equal(lookup(f, "gEt k", &cont), get);

    command *cget = lookup(f, "CONFIG GET maxmemory", &cont);
    assert_non_null(cget);
    assert_false(cont);
    assert_ptr_equal(cget->def, &config_subcommands[0]);
    assert_string_equal(cget->fullname, "config|get");
    assert_non_null(cget->parent);
    assert_string_equal(cget->parent->fullname, "config");
    assert_ptr_equal(lookup(f, "config get x", &cont), cget);
    assert_ptr_equal(lookup(f, "Config Get x", &cont), cget);
    /* The same name under another container is another command. */
    command *cset = lookup(f, "config SET a b", &cont);
    assert_ptr_equal(cset->def, &config_subcommands[1]);
    assert_ptr_not_equal(cset, lookup(f, "set k v", &cont));
    assert_string_equal(lookup(f, "OBJECT encoding k", &cont)->fullname, "object|encoding");
}

static void unknown_names_are_not_found(void **state) {
    fixture *f = *state;
    bool cont;
    assert_null(lookup(f, "nosuch", &cont));
    assert_false(cont);
    assert_null(lookup(f, "nosuch arg", &cont));
    assert_false(cont);
    /* Prefixes and extensions of real names are other names. */
    assert_null(lookup(f, "ge k", &cont));
    assert_null(lookup(f, "gett k", &cont));
    assert_null(lookup(f, "config|get x", &cont));
    assert_false(cont);
    /* Binary names: a NUL byte is part of the name. */
    resp_arg nul = {"get\0", 4};
    assert_null(command_lookup(f->r, 1, &nul, &cont));
    assert_false(cont);
    resp_arg empty = {"", 0};
    assert_null(command_lookup(f->r, 1, &empty, &cont));
}

static void container_with_unknown_subcommand_says_so(void **state) {
    fixture *f = *state;
    bool cont = false;
    assert_null(lookup(f, "config nosuch", &cont));
    assert_true(cont);
    assert_null(lookup(f, "CONFIG getx a", &cont));
    assert_true(cont);
    /* A subcommand of another container is unknown here. */
    assert_null(lookup(f, "object get", &cont));
    assert_true(cont);
    /* A container alone is returned as itself (arity then rejects it). */
    command *config = lookup(f, "config", &cont);
    assert_non_null(config);
    assert_false(cont);
    assert_string_equal(config->fullname, "config");
    assert_int_equal(config->def->arity, -2);
    /* A plain command ignores what its first argument looks like. */
    command *get = lookup(f, "get nosuch", &cont);
    assert_non_null(get);
    assert_false(cont);
}

static void find_takes_pipe_separated_names(void **state) {
    fixture *f = *state;
    assert_string_equal(must_find(f, "get")->fullname, "get");
    assert_string_equal(must_find(f, "MSET")->fullname, "mset");
    assert_string_equal(must_find(f, "config|get")->fullname, "config|get");
    assert_string_equal(must_find(f, "CONFIG|ResetStat")->fullname, "config|resetstat");
    assert_string_equal(must_find(f, "config")->fullname, "config");
    assert_ptr_equal(must_find(f, "object|encoding")->parent, must_find(f, "object"));
    assert_null(find(f, "config|nosuch"));
    assert_null(find(f, "config|"));
    assert_null(find(f, "|get"));
    assert_null(find(f, "get|x"));   /* not a container */
    assert_null(find(f, "nosuch|get"));
    assert_null(find(f, "config|get|x"));
    assert_null(find(f, "object|get"));
    /* Only len bytes count. */
    assert_string_equal(command_find(f->r, "config|getxyz", 10)->fullname, "config|get");
    assert_string_equal(command_find(f->r, "getrange", 3)->fullname, "get");
}

/* ---- counts and visits ---- */

typedef struct visits {
    int n;
    const command *seen[32];
} visits;

static void record_visit(command *c, void *ctx) {
    visits *v = ctx;
    for (int i = 0; i < v->n; i++) assert_ptr_not_equal(v->seen[i], c);
    assert_true(v->n < 32);
    v->seen[v->n++] = c;
}

static bool visited(const visits *v, const command *c) {
    for (int i = 0; i < v->n; i++)
        if (v->seen[i] == c) return true;
    return false;
}

static void counts_and_visits_cover_every_row_once(void **state) {
    fixture *f = *state;
    assert_int_equal(command_count(f->r), TOP_LEVEL);
    visits v = {0};
    command_foreach(f->r, record_visit, &v);
    assert_int_equal(v.n, TOP_LEVEL);
    const command_def *const *g;
    for (g = groups; *g; g++) {
        for (const command_def *d = *g; d->name; d++) {
            command *c = must_find(f, d->name);
            assert_ptr_equal(c->def, d);
            assert_true(visited(&v, c));
            assert_null(c->parent);
        }
    }
    command *config = must_find(f, "config");
    assert_int_equal(command_sub_count(config), 3);
    assert_int_equal(command_sub_count(must_find(f, "object")), 1);
    assert_int_equal(command_sub_count(must_find(f, "get")), 0);
    visits sv = {0};
    command_foreach_sub(config, record_visit, &sv);
    assert_int_equal(sv.n, 3);
    for (const command_def *d = config_subcommands; d->name; d++) {
        char name[64];
        snprintf(name, sizeof(name), "config|%s", d->name);
        command *c = must_find(f, name);
        assert_true(visited(&sv, c));
        assert_ptr_equal(c->parent, config);
        assert_false(visited(&v, c)); /* subcommands are not top level */
    }
    visits none = {0};
    command_foreach_sub(must_find(f, "get"), record_visit, &none);
    assert_int_equal(none.n, 0);
    /* Statistics start at zero. */
    assert_int_equal(config->calls + config->usec + config->rejected_calls + config->failed_calls,
                     0);
}

static void registries_are_independent(void **state) {
    fixture *f = *state;
    static const command_def *const only_strings[] = {strings_group, NULL};
    command_registry *other = command_registry_new(only_strings);
    assert_int_equal(command_count(other), 7);
    assert_null(command_find(other, "config", 6));
    command *get = command_find(other, "get", 3);
    assert_non_null(get);
    assert_ptr_not_equal(get, must_find(f, "get"));
    get->calls = 5;
    assert_int_equal(must_find(f, "get")->calls, 0);
    command_registry_free(other);
    command_registry_free(NULL);
}

/* ---- ACL categories ---- */

static void acl_categories_follow_the_flags_as_in_redis(void **state) {
    fixture *f = *state;
    /* readonly -> @read, fast -> @fast and then not @slow */
    assert_string_equal(acl_text(must_find(f, "get")), "@read @string @fast");
    /* write -> @write; not fast -> @slow */
    assert_string_equal(acl_text(must_find(f, "set")), "@write @string @slow");
    assert_string_equal(acl_text(must_find(f, "del")), "@keyspace @write @slow");
    /* admin -> @admin and @dangerous, also for subcommands */
    assert_string_equal(acl_text(must_find(f, "config|get")), "@admin @slow @dangerous");
    assert_string_equal(acl_text(must_find(f, "object|encoding")), "@keyspace @read @slow");
    /* pubsub -> @pubsub, blocking -> @blocking */
    assert_string_equal(acl_text(must_find(f, "subscribe")), "@pubsub @slow");
    assert_string_equal(acl_text(must_find(f, "blpop")), "@write @list @slow @blocking");
    /* No flags and no categories: @slow only. */
    assert_string_equal(acl_text(must_find(f, "plain")), "@slow");
    assert_string_equal(acl_text(must_find(f, "config")), "@slow");
    assert_string_equal(acl_text(must_find(f, "ping")), "@fast @connection");
    assert_string_equal(acl_text(must_find(f, "multi")), "@fast @transaction");
    /* Redis compat: readonly does not add @read to @scripting commands
     * (EVAL_RO and FCALL_RO are @slow @scripting only). */
    assert_string_equal(acl_text(must_find(f, "evalro")), "@slow @scripting");
}

static void acl_and_flag_names_are_in_command_order(void **state) {
    (void)state;
    static const char *const acl[] = {
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
        "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
        "dangerous", "connection", "transaction", "scripting",
    };
    assert_int_equal(command_acl_count(), (int)ARRAY_LEN(acl));
    for (int i = 0; i < (int)ARRAY_LEN(acl); i++) assert_string_equal(command_acl_name(i), acl[i]);
    assert_null(command_acl_name(-1));
    assert_null(command_acl_name(command_acl_count()));

    /* Bit numbers are the enum's; hidden flags have no name. */
    static const struct {
        uint64_t flag;
        const char *name;
    } flags[] = {
        {CMD_WRITE, "write"},
        {CMD_READONLY, "readonly"},
        {CMD_DENYOOM, "denyoom"},
        {CMD_MODULE, "module"},
        {CMD_ADMIN, "admin"},
        {CMD_PUBSUB, "pubsub"},
        {CMD_NOSCRIPT, "noscript"},
        {CMD_BLOCKING, "blocking"},
        {CMD_LOADING, "loading"},
        {CMD_STALE, "stale"},
        {CMD_SKIP_MONITOR, "skip_monitor"},
        {CMD_SKIP_SLOWLOG, "skip_slowlog"},
        {CMD_ASKING, "asking"},
        {CMD_FAST, "fast"},
        {CMD_NO_AUTH, "no_auth"},
        {CMD_MAY_REPLICATE, NULL},
        {CMD_SENTINEL, NULL},
        {CMD_ONLY_SENTINEL, NULL},
        {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"},
        {CMD_PROTECTED, NULL},
        {CMD_MODULE_GETKEYS, NULL},
        {CMD_MODULE_NO_CLUSTER, NULL},
        {CMD_NO_ASYNC_LOADING, "no_async_loading"},
        {CMD_NO_MULTI, "no_multi"},
        {CMD_MOVABLE_KEYS, "movablekeys"},
        {CMD_ALLOW_BUSY, "allow_busy"},
    };
    for (size_t i = 0; i < ARRAY_LEN(flags); i++) {
        int bit = __builtin_ctzll(flags[i].flag);
        const char *name = command_flag_name(bit);
        if (flags[i].name == NULL)
            assert_null(name);
        else
            assert_string_equal(name, flags[i].name);
    }
    assert_null(command_flag_name(-1));
    assert_null(command_flag_name(26));
    assert_null(command_flag_name(63));
}

/* ---- key positions ---- */

static void fixed_key_ranges_count_from_either_end(void **state) {
    fixture *f = *state;
    assert_string_equal(keys_text(f, "get k"), "1");
    assert_string_equal(keys_text(f, "set k v EX 10"), "1");
    /* step 2 up to the last argument */
    assert_string_equal(keys_text(f, "mset a 1 b 2 c 3"), "1 3 5");
    assert_string_equal(keys_text(f, "mset a 1"), "1");
    assert_string_equal(keys_text(f, "del a b c d"), "1 2 3 4");
    /* last -2: all but the final argument (BLPOP's timeout) */
    assert_string_equal(keys_text(f, "blpop l1 l2 l3 0"), "1 2 3");
    assert_string_equal(keys_text(f, "blpop l1 0"), "1");
    assert_string_equal(keys_text(f, "trailing opt a b c tail"), "2 3 4");
    assert_string_equal(keys_text(f, "trailing opt tail"), "");
    /* A fixed last key beyond the request stops at its end. */
    assert_string_equal(keys_text(f, "upto3 a b c d e"), "1 2 3");
    assert_string_equal(keys_text(f, "upto3 a b"), "1 2");
    /* Subcommands have their own ranges. */
    assert_string_equal(keys_text(f, "object encoding k"), "2");
    assert_string_equal(keys_text(f, "config get k"), "");
    assert_string_equal(keys_text(f, "ping"), "");

    assert_true(command_has_keys(must_find(f, "get")));
    assert_true(command_has_keys(must_find(f, "object|encoding")));
    assert_false(command_has_keys(must_find(f, "ping")));
    assert_false(command_has_keys(must_find(f, "config")));
    assert_false(command_has_keys(must_find(f, "config|get")));
}

static void key_callback_decides_for_movable_keys(void **state) {
    fixture *f = *state;
    command *kw = must_find(f, "kw");
    assert_true(command_has_keys(kw));
    assert_string_equal(keys_text(f, "kw x KEYS 2 a b"), "4 5");
    assert_string_equal(keys_text(f, "kw x y z"), "");
    assert_string_equal(keys_text(f, "kw keys 3 a b c"), "3 4 5");
}

static void key_count_is_total_but_only_max_are_written(void **state) {
    fixture *f = *state;
    char buf[] = "del a b c d e";
    resp_arg argv[8];
    int argc = split(buf, argv, 8);
    int keys[6] = {-1, -1, -1, -1, -1, -1};
    assert_int_equal(command_get_keys(must_find(f, "del"), argc, argv, keys, 2), 5);
    assert_int_equal(keys[0], 1);
    assert_int_equal(keys[1], 2);
    assert_int_equal(keys[2], -1);
    assert_int_equal(command_get_keys(must_find(f, "del"), argc, argv, keys, 0), 5);
    char buf2[] = "kw KEYS 4 a b c d";
    argc = split(buf2, argv, 8);
    keys[0] = keys[1] = keys[2] = -1;
    assert_int_equal(command_get_keys(must_find(f, "kw"), argc, argv, keys, 1), 4);
    assert_int_equal(keys[0], 3);
    assert_int_equal(keys[1], -1);
}

/* ---- argument helpers ---- */

static void arguments_compare_ignoring_ascii_case_only(void **state) {
    (void)state;
    resp_arg a = {"NoSave", 6};
    assert_true(arg_eq(&a, "nosave"));
    assert_true(arg_eq(&a, "NOSAVE"));
    assert_false(arg_eq(&a, "nosav"));
    assert_false(arg_eq(&a, "nosaves"));
    assert_false(arg_eq(&a, "nosavf"));
    /* Only A-Z fold: '@' and '`' differ by 32 but are not letters. */
    resp_arg at = {"@x", 2};
    assert_false(arg_eq(&at, "`x"));
    assert_true(arg_eq(&at, "@X"));
    resp_arg br = {"[", 1}; /* '[' is 'Z' + 1 */
    assert_false(arg_eq(&br, "{"));
    /* Length counts, not a NUL: "ex\0" is not "ex". */
    resp_arg nul = {"ex\0", 3};
    assert_false(arg_eq(&nul, "ex"));
    resp_arg pre = {"exat", 2}; /* only the first len bytes are the argument */
    assert_true(arg_eq(&pre, "EX"));
    resp_arg empty = {"", 0};
    assert_true(arg_eq(&empty, ""));
    assert_false(arg_eq(&empty, "x"));
    /* Bytes above 127 are compared as they are. */
    resp_arg high = {"\xc3\x89t\xc3\xa9", 5};
    assert_true(arg_eq(&high, "\xc3\x89T\xc3\xa9"));
    assert_false(arg_eq(&high, "\xc3\xa9t\xc3\xa9"));

    resp_arg argv[3] = {{"set", 3}, {"k", 1}, {"NX", 2}};
    cmd_ctx ctx = {.argc = 3, .argv = argv};
    assert_true(cmd_arg_is(&ctx, 0, "SET"));
    assert_true(cmd_arg_is(&ctx, 2, "nx"));
    assert_false(cmd_arg_is(&ctx, 2, "xx"));
    /* Past the last argument is never a match (no read beyond argc). */
    assert_false(cmd_arg_is(&ctx, 3, "nx"));
    ctx.argc = 2;
    assert_false(cmd_arg_is(&ctx, 2, "nx"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lookup_ignores_case_of_commands_and_subcommands, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unknown_names_are_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(container_with_unknown_subcommand_says_so, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(find_takes_pipe_separated_names, setup, teardown),
        cmocka_unit_test_setup_teardown(counts_and_visits_cover_every_row_once, setup, teardown),
        cmocka_unit_test_setup_teardown(registries_are_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(acl_categories_follow_the_flags_as_in_redis, setup,
                                        teardown),
        cmocka_unit_test(acl_and_flag_names_are_in_command_order),
        cmocka_unit_test_setup_teardown(fixed_key_ranges_count_from_either_end, setup, teardown),
        cmocka_unit_test_setup_teardown(key_callback_decides_for_movable_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(key_count_is_total_but_only_max_are_written, setup,
                                        teardown),
        cmocka_unit_test(arguments_compare_ignoring_ascii_case_only),
    };
    return cmocka_run_group_tests_name("command", tests, NULL, NULL);
}
