/* cmd_harness: drive data-command handlers directly, for unit tests. */
#include "cmd_harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "commands/cmd_util.h"
#include "commands/groups.h"

/* Keys removed on access because they expired propagate a DEL, as the
 * server does. */
static void on_expired(void *ctx, int dbid, const char *key, size_t len) {
    harness *h = ctx;
    resp_arg argv[2] = {PROP_ARG("DEL"), {.ptr = key, .len = len}};
    prop_batch_add(&h->prop, dbid, 2, argv);
}

harness *harness_new(void) {
    static const command_def *const groups[] = {cmd_string_defs, cmd_keys_defs, NULL};
    return harness_new_with(groups);
}

harness *harness_new_with(const command_def *const *groups) {
    harness *h = mem_calloc(1, sizeof(*h));
    h->registry = command_registry_new(groups);
    h->ks = keyspace_new(16);
    session_init(&h->sess, 1);
    h->sess.authenticated = true;
    reply_init(&h->out);
    h->opts.proto_max_bulk_len = 512 * 1024 * 1024;
    h->opts.shared_integers = true;
    h->opts.rdb_compression = true;
    prop_batch_init(&h->prop);
    keyspace_set_expired_hook(h->ks, on_expired, h);
    return h;
}

void harness_free(harness *h) {
    mem_free(h->last);
    mem_free(h->prop_text);
    prop_batch_fini(&h->prop);
    reply_fini(&h->out);
    session_fini(&h->sess);
    keyspace_free(h->ks);
    command_registry_free(h->registry);
    mem_free(h);
}

void harness_set_time(harness *h, int64_t now_ms) {
    keyspace_set_now(h->ks, now_ms);
}

const char *harness_runv(harness *h, int argc, const char **argv, const size_t *lens) {
    resp_arg *args = mem_alloc(sizeof(resp_arg) * (size_t)(argc > 0 ? argc : 1));
    for (int i = 0; i < argc; i++) {
        args[i].ptr = argv[i];
        args[i].len = lens ? lens[i] : strlen(argv[i]);
    }
    mem_free(h->last);
    h->last = NULL;
    reply_fini(&h->out);
    reply_init(&h->out);
    h->out.proto = h->sess.proto;
    prop_batch_clear(&h->prop);
    bool container = false;
    command *c = command_lookup(h->registry, argc, args, &container);
    if (c == NULL) {
        reply_errorf(&h->out, "ERR unknown command '%.*s'", (int)args[0].len, args[0].ptr);
    } else if ((c->def->arity > 0 && c->def->arity != argc) || argc < -c->def->arity) {
        reply_errorf(&h->out, "ERR wrong number of arguments for '%s' command", c->fullname);
    } else {
        cmd_ctx ctx = {0};
        ctx.argc = argc;
        ctx.argv = args;
        ctx.cmd = c;
        ctx.sess = &h->sess;
        ctx.ks = h->ks;
        ctx.db = keyspace_db(h->ks, h->sess.db);
        ctx.out = &h->out;
        ctx.opts = &h->opts;
        ctx.prop = &h->prop;
        c->def->handler(&ctx);
        cmd_propagate_finish(&ctx);
        h->dirty += ctx.dirty;
    }
    h->last = reply_flatten(&h->out, &h->last_len);
    mem_free(args);
    return h->last;
}

const char *harness_run(harness *h, const char *arg0, ...) {
    const char *argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a != NULL && argc < 64; a = va_arg(ap, const char *)) argv[argc++] = a;
    va_end(ap);
    return harness_runv(h, argc, argv, NULL);
}

/* Decodes the RESP requests of the batch back into words; the encoding is
 * ours, so a malformed one is a bug worth a loud failure. */
const char *harness_propagated(harness *h) {
    buf text;
    buf_init(&text);
    for (size_t i = 0; i < h->prop.count; i++) {
        const prop_op *op = &h->prop.ops[i];
        char *p = h->prop.bytes.data + op->off;
        const char *end = p + op->len;
        buf_printf(&text, "%d", op->dbid);
        long argc = strtol(p + 1, &p, 10);
        p += 2;
        for (long a = 0; a < argc && p < end; a++) {
            long n = strtol(p + 1, &p, 10);
            p += 2;
            buf_append_char(&text, ' ');
            buf_append(&text, p, (size_t)n);
            p += n + 2;
        }
        buf_append_char(&text, '\n');
    }
    mem_free(h->prop_text);
    h->prop_text = text.len ? mem_dup(text.data, text.len + 1) : mem_dup("", 1);
    buf_fini(&text);
    return h->prop_text;
}
