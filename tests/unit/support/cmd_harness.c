/* cmd_harness: drive data-command handlers directly, for unit tests. */
#include "cmd_harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "commands/groups.h"

harness *harness_new(void) {
    static const command_def *const groups[] = {cmd_string_defs, cmd_keys_defs, NULL};
    harness *h = mem_calloc(1, sizeof(*h));
    h->registry = command_registry_new(groups);
    h->ks = keyspace_new(16);
    session_init(&h->sess, 1);
    h->sess.authenticated = true;
    reply_init(&h->out);
    h->opts.proto_max_bulk_len = 512 * 1024 * 1024;
    h->opts.shared_integers = true;
    return h;
}

void harness_free(harness *h) {
    mem_free(h->last);
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
        c->def->handler(&ctx);
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
