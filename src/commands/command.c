/* command: the registry of command definitions.
 *
 * Definitions are static tables owned by each command group; the registry
 * wraps every row in a `command` that carries its full name, derived ACL
 * categories and call statistics, and indexes them by lowercase name in a
 * hash table. Containers get a second table for their subcommands.
 *
 * Lookup is on the hot path of every request, so names are hashed without
 * copying or lowercasing the argument (case-insensitive SipHash). */
#include "commands/command.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/check.h"
#include "base/hash.h"
#include "base/htable.h"
#include "base/mem.h"

typedef struct registry_entry {
    htable_node node;
    command cmd;
} registry_entry;

struct registry_table {
    htable ht;
};

struct command_registry {
    struct registry_table top;
};

static const char *const acl_names[] = {
    "keyspace", "read",  "write",  "set",       "sortedset", "list",       "hash",
    "string",   "bitmap", "hyperloglog", "geo", "stream",    "pubsub",     "admin",
    "fast",     "slow",  "blocking", "dangerous", "connection", "transaction", "scripting",
};

enum {
    ACL_KEYSPACE,
    ACL_READ,
    ACL_WRITE,
    ACL_SET,
    ACL_SORTEDSET,
    ACL_LIST,
    ACL_HASH,
    ACL_STRING,
    ACL_BITMAP,
    ACL_HLL,
    ACL_GEO,
    ACL_STREAM,
    ACL_PUBSUB,
    ACL_ADMIN,
    ACL_FAST,
    ACL_SLOW,
    ACL_BLOCKING,
    ACL_DANGEROUS,
    ACL_CONNECTION,
    ACL_TRANSACTION,
    ACL_SCRIPTING,
};

static const char *const flag_names[] = {
    "write",    "readonly", "denyoom",      "module",       "admin",   "pubsub",
    "noscript", "blocking", "loading",      "stale",        "skip_monitor", "skip_slowlog",
    "asking",   "fast",     "no_auth",      NULL /* may_replicate: not shown */,
    NULL /* sentinel */, NULL /* only_sentinel */, "no_mandatory_keys",
    NULL /* protected */, NULL, NULL, "no_async_loading", "no_multi", "movablekeys",
    "allow_busy",
};

const char *command_acl_name(int bit) {
    return bit >= 0 && bit < (int)ARRAY_LEN(acl_names) ? acl_names[bit] : NULL;
}

int command_acl_count(void) {
    return (int)ARRAY_LEN(acl_names);
}

const char *command_flag_name(int bit) {
    return bit >= 0 && bit < (int)ARRAY_LEN(flag_names) ? flag_names[bit] : NULL;
}

static uint64_t entry_hash(const htable_node *n) {
    const registry_entry *e = (const registry_entry *)n;
    const char *name = e->cmd.def->name;
    return hash_bytes_nocase(name, strlen(name));
}

static uint64_t name_hash(const void *key, size_t len) {
    return hash_bytes_nocase(key, len);
}

static bool entry_eq(const htable_node *n, const void *key, size_t len) {
    const registry_entry *e = (const registry_entry *)n;
    const char *name = e->cmd.def->name;
    return strlen(name) == len && strncasecmp(name, key, len) == 0;
}

static const htable_type registry_type = {entry_hash, name_hash, entry_eq};

static uint64_t acl_bits_for(const command_def *def) {
    uint64_t bits = 0;
    const char *p = def->acl ? def->acl : "";
    while (*p) {
        while (*p == ' ' || *p == '@') p++;
        size_t n = strcspn(p, " ");
        if (n == 0) break;
        int found = -1;
        for (int i = 0; i < (int)ARRAY_LEN(acl_names); i++) {
            if (strlen(acl_names[i]) == n && strncmp(acl_names[i], p, n) == 0) found = i;
        }
        if (found < 0) PANIC("command %s: unknown ACL category '%.*s'", def->name, (int)n, p);
        bits |= 1ULL << found;
        p += n;
    }
    /* Redis compat: categories implied by flags. */
    if (def->flags & CMD_WRITE) bits |= 1ULL << ACL_WRITE;
    /* Redis compat: read-only scripting commands stay out of @read
     * (EVAL_RO and FCALL_RO are only @slow @scripting). */
    if ((def->flags & CMD_READONLY) && !(bits & (1ULL << ACL_SCRIPTING)))
        bits |= 1ULL << ACL_READ;
    if (def->flags & CMD_ADMIN) bits |= (1ULL << ACL_ADMIN) | (1ULL << ACL_DANGEROUS);
    if (def->flags & CMD_PUBSUB) bits |= 1ULL << ACL_PUBSUB;
    if (def->flags & CMD_FAST) bits |= 1ULL << ACL_FAST;
    if (def->flags & CMD_BLOCKING) bits |= 1ULL << ACL_BLOCKING;
    if (!(bits & (1ULL << ACL_FAST))) bits |= 1ULL << ACL_SLOW;
    return bits;
}

static void table_add(struct registry_table *t, const command_def *def, command *parent) {
    registry_entry *e = mem_calloc(1, sizeof(*e));
    e->cmd.def = def;
    e->cmd.parent = parent;
    if (parent)
        snprintf(e->cmd.fullname, sizeof(e->cmd.fullname), "%s|%s", parent->def->name, def->name);
    else
        snprintf(e->cmd.fullname, sizeof(e->cmd.fullname), "%s", def->name);
    e->cmd.acl_bits = acl_bits_for(def);
    size_t len = strlen(def->name);
    if (htable_find(&t->ht, def->name, len, name_hash(def->name, len)) != NULL)
        PANIC("command '%s' defined twice", e->cmd.fullname);
    htable_insert(&t->ht, &e->node, name_hash(def->name, len));
    if (def->subcommands) {
        e->cmd.subs = mem_alloc(sizeof(struct registry_table));
        htable_init(&e->cmd.subs->ht, &registry_type);
        for (const command_def *s = def->subcommands; s->name; s++) table_add(e->cmd.subs, s, &e->cmd);
    }
}

command_registry *command_registry_new(const command_def *const *groups) {
    command_registry *r = mem_alloc(sizeof(*r));
    htable_init(&r->top.ht, &registry_type);
    for (; *groups; groups++) {
        for (const command_def *d = *groups; d->name; d++) table_add(&r->top, d, NULL);
    }
    return r;
}

static void free_entry(htable_node *n, void *ctx) {
    (void)ctx;
    registry_entry *e = (registry_entry *)n;
    if (e->cmd.subs) {
        htable_clear(&e->cmd.subs->ht, free_entry, NULL);
        mem_free(e->cmd.subs);
    }
    mem_free(e);
}

void command_registry_free(command_registry *r) {
    if (r == NULL) return;
    htable_clear(&r->top.ht, free_entry, NULL);
    mem_free(r);
}

static command *table_find(struct registry_table *t, const char *name, size_t len) {
    registry_entry *e = (registry_entry *)htable_find(&t->ht, name, len, name_hash(name, len));
    return e ? &e->cmd : NULL;
}

command *command_lookup(command_registry *r, int argc, const resp_arg *argv, bool *is_container) {
    *is_container = false;
    command *c = table_find(&r->top, argv[0].ptr, argv[0].len);
    if (c == NULL || c->subs == NULL || argc < 2) return c;
    command *sub = table_find(c->subs, argv[1].ptr, argv[1].len);
    if (sub == NULL) *is_container = true;
    return sub;
}

command *command_find(command_registry *r, const char *name, size_t len) {
    const char *bar = memchr(name, '|', len);
    if (bar == NULL) return table_find(&r->top, name, len);
    command *c = table_find(&r->top, name, (size_t)(bar - name));
    if (c == NULL || c->subs == NULL) return NULL;
    return table_find(c->subs, bar + 1, len - (size_t)(bar - name) - 1);
}

size_t command_count(const command_registry *r) {
    return htable_count(&r->top.ht);
}

size_t command_sub_count(const command *c) {
    return c->subs ? htable_count(&c->subs->ht) : 0;
}

typedef struct visit_ctx {
    void (*fn)(command *c, void *ctx);
    void *ctx;
} visit_ctx;

static bool visit(htable_node *n, void *ctx) {
    visit_ctx *v = ctx;
    v->fn(&((registry_entry *)n)->cmd, v->ctx);
    return true;
}

void command_foreach(command_registry *r, void (*fn)(command *c, void *ctx), void *ctx) {
    visit_ctx v = {fn, ctx};
    htable_foreach(&r->top.ht, visit, &v);
}

void command_foreach_sub(command *c, void (*fn)(command *c, void *ctx), void *ctx) {
    if (c->subs == NULL) return;
    visit_ctx v = {fn, ctx};
    htable_foreach(&c->subs->ht, visit, &v);
}

bool command_has_keys(const command *c) {
    return c->def->first_key > 0 || c->def->get_keys != NULL;
}

int command_get_keys(const command *c, int argc, const resp_arg *argv, int *out, int max) {
    const command_def *d = c->def;
    if (d->get_keys) return d->get_keys(argc, argv, out, max);
    if (d->first_key <= 0) return 0;
    int last = d->last_key < 0 ? argc + d->last_key : d->last_key;
    int step = d->key_step > 0 ? d->key_step : 1;
    int n = 0;
    for (int i = d->first_key; i <= last && i < argc; i += step) {
        if (n < max) out[n] = i;
        n++;
    }
    return n;
}

