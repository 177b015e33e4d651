/* propagate: the batch of operations one execution unit sends to the
 * write stream (see include/commands/propagate.h). */
#include "commands/propagate.h"

#include <stdio.h>

#include "base/mem.h"

void prop_batch_init(prop_batch *b) {
    buf_init(&b->bytes);
    b->ops = NULL;
    b->count = 0;
    b->cap = 0;
}

void prop_batch_fini(prop_batch *b) {
    buf_fini(&b->bytes);
    mem_free(b->ops);
    b->ops = NULL;
    b->count = b->cap = 0;
}

void prop_batch_clear(prop_batch *b) {
    /* A large unit (FLUSHALL of a big MSET, a long eviction run) should not
     * pin its buffer forever. */
    if (b->bytes.cap > 64 * 1024) buf_shrink(&b->bytes, 1024);
    buf_clear(&b->bytes);
    b->count = 0;
}

/* "*<n>\r\n" or "$<n>\r\n" */
static void encode_header(buf *out, char kind, size_t n) {
    char tmp[32];
    int len = snprintf(tmp, sizeof(tmp), "%c%zu\r\n", kind, n);
    buf_append(out, tmp, (size_t)len);
}

void prop_encode(buf *out, int argc, const resp_arg *argv) {
    size_t total = 16;
    for (int i = 0; i < argc; i++) total += argv[i].len + 24;
    buf_reserve(out, total);
    encode_header(out, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        encode_header(out, '$', argv[i].len);
        buf_append(out, argv[i].ptr, argv[i].len);
        buf_append(out, "\r\n", 2);
    }
}

void prop_batch_add(prop_batch *b, int dbid, int argc, const resp_arg *argv) {
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->ops = mem_realloc(b->ops, b->cap * sizeof(*b->ops));
    }
    size_t off = b->bytes.len;
    prop_encode(&b->bytes, argc, argv);
    b->ops[b->count++] = (prop_op){.dbid = dbid, .off = off, .len = b->bytes.len - off};
}

static void encode_select(buf *out, int dbid, int *selected_db) {
    if (dbid == *selected_db) return;
    char num[16];
    int n = snprintf(num, sizeof(num), "%d", dbid);
    resp_arg argv[2] = {PROP_ARG("SELECT"), {.ptr = num, .len = (size_t)n}};
    prop_encode(out, 2, argv);
    *selected_db = dbid;
}

void prop_batch_encode(const prop_batch *b, bool wrap, int *selected_db, buf *out) {
    if (b->count == 0) return;
    encode_select(out, b->ops[0].dbid, selected_db);
    if (wrap) prop_encode(out, 1, &PROP_ARG("MULTI"));
    for (size_t i = 0; i < b->count; i++) {
        encode_select(out, b->ops[i].dbid, selected_db);
        buf_append(out, b->bytes.data + b->ops[i].off, b->ops[i].len);
    }
    if (wrap) prop_encode(out, 1, &PROP_ARG("EXEC"));
}
