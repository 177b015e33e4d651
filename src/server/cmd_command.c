/* cmd_command: the COMMAND family, introspection of the command table.
 *
 * Replies are built from the command_def rows: flags and ACL categories in
 * Redis's printing order, key specs derived from first/last/step and the
 * key_flags text, and the docs (summary, since, group, complexity). Clients
 * depend on the shapes: go-redis rejects a COMMAND reply whose entries do
 * not have 10 elements, redis-cli asserts the types of COMMAND DOCS. */
#include <string.h>

#include "base/glob.h"
#include "commands/cmd_util.h"
#include "commands/command.h"
#include "commands/command_args.h"
#include "protocol/reply.h"
#include "server/server.h"
#include "server/server_commands.h"

static void reply_flags(reply *out, uint64_t flags) {
    int n = 0;
    for (int b = 0; b < 64; b++)
        if ((flags & (1ULL << b)) && command_flag_name(b)) n++;
    reply_set(out, n);
    for (int b = 0; b < 64; b++)
        if ((flags & (1ULL << b)) && command_flag_name(b)) reply_simple_cstr(out, command_flag_name(b));
}

static void reply_acl(reply *out, uint64_t bits) {
    int n = 0;
    for (int b = 0; b < command_acl_count(); b++)
        if (bits & (1ULL << b)) n++;
    reply_set(out, n);
    for (int b = 0; b < command_acl_count(); b++) {
        if (!(bits & (1ULL << b))) continue;
        char name[32];
        name[0] = '@';
        strncpy(name + 1, command_acl_name(b), sizeof(name) - 2);
        name[sizeof(name) - 1] = '\0';
        reply_simple_cstr(out, name);
    }
}

/* Counts space-separated words in s[0..len). */
static int count_words(const char *s, size_t len) {
    int n = 0;
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        bool sp = s[i] == ' ';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n;
}

static void reply_tips(reply *out, const char *tips) {
    if (tips == NULL) {
        reply_set(out, 0);
        return;
    }
    reply_set(out, count_words(tips, strlen(tips)));
    const char *p = tips;
    while (*p) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (n) reply_bulk(out, p, n);
        p += n;
    }
}

/* Key-spec flags are written uppercase in the tables; COMMAND prints the
 * access-type words in lowercase (RO RW OW RM stay uppercase). */
static void reply_key_flags(reply *out, const char *spec, size_t len) {
    reply_set(out, count_words(spec, len));
    size_t i = 0;
    while (i < len) {
        while (i < len && spec[i] == ' ') i++;
        size_t start = i;
        while (i < len && spec[i] != ' ') i++;
        size_t n = i - start;
        if (n == 0) continue;
        char word[32];
        if (n >= sizeof(word)) n = sizeof(word) - 1;
        bool keep_case = n == 2;
        for (size_t k = 0; k < n; k++) {
            char ch = spec[start + k];
            word[k] = (!keep_case && ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
        }
        word[n] = '\0';
        reply_simple_cstr(out, word);
    }
}

static void reply_find_range(reply *out, int lastkey, int step) {
    reply_bulk_cstr(out, "find_keys");
    reply_map(out, 2);
    reply_bulk_cstr(out, "type");
    reply_bulk_cstr(out, "range");
    reply_bulk_cstr(out, "spec");
    reply_map(out, 3);
    reply_bulk_cstr(out, "lastkey");
    reply_int(out, lastkey);
    reply_bulk_cstr(out, "keystep");
    reply_int(out, step);
    reply_bulk_cstr(out, "limit");
    reply_int(out, 0);
}

static void reply_one_spec(reply *out, const char *notes, const char *flags, size_t flen, int index,
                           int lastkey, int step) {
    reply_map(out, notes ? 4 : 3);
    if (notes) {
        reply_bulk_cstr(out, "notes");
        reply_bulk_cstr(out, notes);
    }
    reply_bulk_cstr(out, "flags");
    reply_key_flags(out, flags, flen);
    reply_bulk_cstr(out, "begin_search");
    reply_map(out, 2);
    reply_bulk_cstr(out, "type");
    reply_bulk_cstr(out, "index");
    reply_bulk_cstr(out, "spec");
    reply_map(out, 1);
    reply_bulk_cstr(out, "index");
    reply_int(out, index);
    reply_find_range(out, lastkey, step);
}

/* A spec whose keys follow a keyword and run to the last argument. */
static void reply_keyword_spec(reply *out, const char *flags, size_t flen, const char *keyword,
                               int startfrom) {
    reply_map(out, 3);
    reply_bulk_cstr(out, "flags");
    reply_key_flags(out, flags, flen);
    reply_bulk_cstr(out, "begin_search");
    reply_map(out, 2);
    reply_bulk_cstr(out, "type");
    reply_bulk_cstr(out, "keyword");
    reply_bulk_cstr(out, "spec");
    reply_map(out, 2);
    reply_bulk_cstr(out, "keyword");
    reply_bulk_cstr(out, keyword);
    reply_bulk_cstr(out, "startfrom");
    reply_int(out, startfrom);
    reply_find_range(out, -1, 1);
}

static void reply_key_specs(reply *out, const command_def *d) {
    if (d->first_key <= 0 || d->key_flags == NULL) {
        reply_set(out, 0);
        return;
    }
    const char *spec = d->key_flags;
    int parts = 1;
    for (const char *p = spec; *p; p++)
        if (*p == '|') parts++;
    reply_set(out, parts);
    int index_parts = parts - (d->key_keyword != NULL);
    for (int i = 0; i < index_parts; i++) {
        size_t n = strcspn(spec, "|");
        if (index_parts == 1) {
            int lastkey = d->last_key < 0 ? d->last_key : d->last_key - d->first_key;
            reply_one_spec(out, d->key_notes, spec, n, d->first_key, lastkey, d->key_step);
        } else {
            reply_one_spec(out, i == 0 ? d->key_notes : NULL, spec, n,
                           d->first_key + i * d->key_step, 0, 1);
        }
        spec += n + (spec[n] == '|');
    }
    if (d->key_keyword)
        reply_keyword_spec(out, spec, strlen(spec), d->key_keyword, d->key_keyword_from);
}

static void reply_info(reply *out, command *c);

static void reply_sub_infos(command *sub, void *ctx) {
    reply_info((reply *)ctx, sub);
}

static void reply_info(reply *out, command *c) {
    const command_def *d = c->def;
    reply_array(out, 10);
    reply_bulk_cstr(out, c->fullname);
    reply_int(out, d->arity);
    reply_flags(out, d->flags);
    reply_int(out, d->first_key);
    reply_int(out, d->last_key);
    reply_int(out, d->key_step);
    reply_acl(out, c->acl_bits);
    reply_tips(out, d->tips);
    reply_key_specs(out, d);
    if (c->subs) {
        reply_array(out, (int64_t)command_sub_count(c));
        command_foreach_sub(c, reply_sub_infos, out);
    } else {
        reply_set(out, 0);
    }
}

static void reply_docs(reply *out, command *c);

static void reply_args(reply *out, const cmd_arg *args, int n) {
    reply_array(out, n);
    for (int i = 0; i < n; i++) {
        const cmd_arg *a = &args[i];
        bool nested = a->type == CMD_ARG_ONEOF || a->type == CMD_ARG_BLOCK;
        int pairs = 2 + (a->key_spec_index >= 0) + (a->token != NULL) + (a->since != NULL) +
                    (a->deprecated_since != NULL) + (a->flags != 0) + nested;
        reply_map(out, pairs);
        reply_bulk_cstr(out, "name");
        reply_bulk_cstr(out, a->name);
        reply_bulk_cstr(out, "type");
        reply_bulk_cstr(out, command_arg_type_name(a->type));
        if (a->key_spec_index >= 0) {
            reply_bulk_cstr(out, "key_spec_index");
            reply_int(out, a->key_spec_index);
        }
        if (a->token) {
            reply_bulk_cstr(out, "token");
            reply_bulk_cstr(out, a->token);
        }
        if (a->since) {
            reply_bulk_cstr(out, "since");
            reply_bulk_cstr(out, a->since);
        }
        if (a->deprecated_since) {
            reply_bulk_cstr(out, "deprecated_since");
            reply_bulk_cstr(out, a->deprecated_since);
        }
        if (a->flags) {
            static const char *const names[] = {"optional", "multiple", "multiple_token"};
            int nf = 0;
            for (int b = 0; b < 3; b++) nf += (a->flags >> b) & 1;
            reply_bulk_cstr(out, "flags");
            reply_set(out, nf);
            for (int b = 0; b < 3; b++)
                if (a->flags & (1 << b)) reply_simple_cstr(out, names[b]);
        }
        if (nested) {
            reply_bulk_cstr(out, "arguments");
            reply_args(out, a->args, a->nargs);
        }
    }
}

static void reply_sub_docs(command *sub, void *ctx) {
    reply *out = ctx;
    reply_bulk_cstr(out, sub->fullname);
    reply_docs(out, sub);
}

static void reply_docs(reply *out, command *c) {
    const command_def *d = c->def;
    int nargs = 0;
    const cmd_arg *args = command_args_for(c->fullname, &nargs);
    int n = 1 + (d->summary != NULL) + (d->since != NULL) + (d->complexity != NULL) +
            (args != NULL) + (c->subs != NULL);
    reply_map(out, n);
    if (d->summary) {
        reply_bulk_cstr(out, "summary");
        reply_bulk_cstr(out, d->summary);
    }
    if (d->since) {
        reply_bulk_cstr(out, "since");
        reply_bulk_cstr(out, d->since);
    }
    reply_bulk_cstr(out, "group");
    reply_bulk_cstr(out, d->group ? d->group : "generic");
    if (d->complexity) {
        reply_bulk_cstr(out, "complexity");
        reply_bulk_cstr(out, d->complexity);
    }
    if (args) {
        reply_bulk_cstr(out, "arguments");
        reply_args(out, args, nargs);
    }
    if (c->subs) {
        reply_bulk_cstr(out, "subcommands");
        reply_map(out, (int64_t)command_sub_count(c));
        command_foreach_sub(c, reply_sub_docs, out);
    }
}

static void info_each(command *c, void *ctx) {
    reply_info((reply *)ctx, c);
}

static void cmd_command(cmd_ctx *ctx) {
    command_registry *r = server_commands(ctx->server);
    reply_array(ctx->out, (int64_t)command_count(r));
    command_foreach(r, info_each, ctx->out);
}

static void cmd_command_count(cmd_ctx *ctx) {
    reply_int(ctx->out, (int64_t)command_count(server_commands(ctx->server)));
}

static void cmd_command_info(cmd_ctx *ctx) {
    command_registry *r = server_commands(ctx->server);
    if (ctx->argc == 2) {
        cmd_command(ctx);
        return;
    }
    reply_array(ctx->out, ctx->argc - 2);
    for (int i = 2; i < ctx->argc; i++) {
        command *c = command_find(r, ctx->argv[i].ptr, ctx->argv[i].len);
        if (c)
            reply_info(ctx->out, c);
        else
            reply_null(ctx->out);
    }
}

static void docs_each(command *c, void *ctx) {
    reply_bulk_cstr((reply *)ctx, c->fullname);
    reply_docs((reply *)ctx, c);
}

static void cmd_command_docs(cmd_ctx *ctx) {
    command_registry *r = server_commands(ctx->server);
    if (ctx->argc == 2) {
        reply_map(ctx->out, (int64_t)command_count(r));
        command_foreach(r, docs_each, ctx->out);
        return;
    }
    reply_deferred d = reply_defer(ctx->out);
    int n = 0;
    for (int i = 2; i < ctx->argc; i++) {
        command *c = command_find(r, ctx->argv[i].ptr, ctx->argv[i].len);
        if (c == NULL) continue;
        docs_each(c, ctx->out);
        n++;
    }
    reply_set_map_len(ctx->out, d, n);
}

/* The key-spec flags that apply to the i-th key found: the i-th spec when
 * the command has one spec per key, else the single spec. Redis compat: a
 * command with a keyword spec (MIGRATE) reports every key with the flags of
 * its first spec, which its key-finding function uses too. */
static void key_flags_for(const command_def *d, int i, const char **spec, size_t *len) {
    const char *p = d->key_flags ? d->key_flags : "";
    if (strchr(p, '|') != NULL && d->key_keyword == NULL) {
        for (int k = 0; k < i && strchr(p, '|'); k++) p = strchr(p, '|') + 1;
    }
    *spec = p;
    *len = strcspn(p, "|");
}

static void getkeys(cmd_ctx *ctx, bool with_flags) {
    bool container;
    command *c = command_lookup(server_commands(ctx->server), ctx->argc - 2, ctx->argv + 2, &container);
    int argc = ctx->argc - 2;
    if (c == NULL) {
        reply_error(ctx->out, "ERR Invalid command specified");
        return;
    }
    if (!command_has_keys(c)) {
        reply_error(ctx->out, "ERR The command has no key arguments");
        return;
    }
    if ((c->def->arity > 0 && c->def->arity != argc) || argc < -c->def->arity) {
        reply_error(ctx->out, "ERR Invalid number of arguments specified for command");
        return;
    }
    int keys[256];
    int n = command_get_keys(c, argc, ctx->argv + 2, keys, 256);
    if (n == 0) {
        if (c->def->flags & CMD_NO_MANDATORY_KEYS)
            reply_empty_array(ctx->out);
        else
            reply_error(ctx->out, "ERR Invalid arguments specified for command");
        return;
    }
    if (n > 256) n = 256;
    reply_array(ctx->out, n);
    for (int i = 0; i < n; i++) {
        const resp_arg *key = &ctx->argv[2 + keys[i]];
        if (!with_flags) {
            reply_bulk(ctx->out, key->ptr, key->len);
            continue;
        }
        const char *spec;
        size_t len;
        key_flags_for(c->def, i, &spec, &len);
        reply_array(ctx->out, 2);
        reply_bulk(ctx->out, key->ptr, key->len);
        reply_key_flags(ctx->out, spec, len);
    }
}

static void cmd_command_getkeys(cmd_ctx *ctx) {
    getkeys(ctx, false);
}

static void cmd_command_getkeysandflags(cmd_ctx *ctx) {
    getkeys(ctx, true);
}

typedef struct list_filter {
    cmd_ctx *ctx;
    int kind; /* 0 none, 1 aclcat, 2 pattern, 3 module */
    const resp_arg *value;
    int count;
} list_filter;

static bool acl_matches(const command *c, const resp_arg *cat) {
    for (int b = 0; b < command_acl_count(); b++) {
        const char *name = command_acl_name(b);
        if ((c->acl_bits & (1ULL << b)) && arg_eq(cat, name)) return true;
    }
    return false;
}

static void list_each(command *c, void *ctx) {
    list_filter *f = ctx;
    bool keep = true;
    if (f->kind == 1) keep = acl_matches(c, f->value);
    if (f->kind == 2)
        keep = glob_match(f->value->ptr, f->value->len, c->fullname, strlen(c->fullname), true);
    if (f->kind == 3) keep = false; /* no modules */
    if (keep) {
        reply_bulk_cstr(f->ctx->out, c->fullname);
        f->count++;
    }
    command_foreach_sub(c, list_each, ctx);
}

static void cmd_command_list(cmd_ctx *ctx) {
    list_filter f = {ctx, 0, NULL, 0};
    if (ctx->argc == 5 && cmd_arg_is(ctx, 2, "filterby")) {
        if (cmd_arg_is(ctx, 3, "aclcat"))
            f.kind = 1;
        else if (cmd_arg_is(ctx, 3, "pattern"))
            f.kind = 2;
        else if (cmd_arg_is(ctx, 3, "module"))
            f.kind = 3;
        f.value = &ctx->argv[4];
    }
    if (ctx->argc != 2 && f.kind == 0) {
        reply_error(ctx->out, "ERR syntax error");
        return;
    }
    reply_deferred d = reply_defer(ctx->out);
    command_foreach(server_commands(ctx->server), list_each, &f);
    reply_set_array_len(ctx->out, d, f.count);
}

static void cmd_command_help(cmd_ctx *ctx) {
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands in this server.",
        "LIST",
        "    Return a list of all commands in this server.",
        "INFO [<command-name> ...]",
        "    Return details about the given commands, or all of them.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about the given commands, or all of them.",
        "GETKEYS <full-command>",
        "    Return the keys from a full command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full command.",
        NULL,
    };
    cmd_reply_help(ctx, lines);
}

#define INTRO_FLAGS (CMD_LOADING | CMD_STALE | CMD_SENTINEL)

static const command_def command_subcommands[] = {
    {.name = "count", .handler = cmd_command_count, .arity = 2, .flags = INTRO_FLAGS,
     .acl = "@connection", .group = "server", .since = "2.8.13",
     .summary = "Returns how many commands the server knows.", .complexity = "O(1)"},
    {.name = "info", .handler = cmd_command_info, .arity = -2, .flags = INTRO_FLAGS,
     .acl = "@connection", .tips = "nondeterministic_output_order", .group = "server",
     .since = "2.8.13", .summary = "Describes the given commands, or all of them.",
     .complexity = "O(N) in the number of commands described"},
    {.name = "docs", .handler = cmd_command_docs, .arity = -2, .flags = INTRO_FLAGS,
     .acl = "@connection", .tips = "nondeterministic_output_order", .group = "server",
     .since = "7.0.0", .summary = "Returns documentation of the given commands, or all of them.",
     .complexity = "O(N) in the number of commands described"},
    {.name = "getkeys", .handler = cmd_command_getkeys, .arity = -4, .flags = INTRO_FLAGS,
     .acl = "@connection", .group = "server", .since = "2.8.13",
     .summary = "Extracts the key names from a full command line.",
     .complexity = "O(N) in the number of arguments"},
    {.name = "getkeysandflags", .handler = cmd_command_getkeysandflags, .arity = -4,
     .flags = INTRO_FLAGS, .acl = "@connection", .group = "server", .since = "7.0.0",
     .summary = "Extracts the key names, with their access flags, from a full command line.",
     .complexity = "O(N) in the number of arguments"},
    {.name = "list", .handler = cmd_command_list, .arity = -2, .flags = INTRO_FLAGS,
     .acl = "@connection", .tips = "nondeterministic_output_order", .group = "server",
     .since = "7.0.0", .summary = "Lists command names, optionally filtered.",
     .complexity = "O(N) in the number of commands"},
    {.name = "help", .handler = cmd_command_help, .arity = 2, .flags = INTRO_FLAGS,
     .acl = "@connection", .group = "server", .since = "5.0.0",
     .summary = "Lists the COMMAND subcommands.", .complexity = "O(1)"},
    {0},
};

const command_def cmd_command_defs[] = {
    {.name = "command", .handler = cmd_command, .arity = -1, .flags = INTRO_FLAGS,
     .acl = "@connection", .tips = "nondeterministic_output_order", .group = "server",
     .since = "2.8.13", .summary = "Describes every command.",
     .complexity = "O(N) in the number of commands", .subcommands = command_subcommands},
    {0},
};
