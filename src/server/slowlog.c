/* slowlog: a bounded list of slow commands, newest first.
 *
 * Arguments are copied (trimmed) when the entry is made, because they point
 * into the client's input buffer, which is reused as soon as the handler
 * returns. */
#include "server/slowlog.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/list.h"
#include "base/mem.h"
#include "protocol/reply.h"

#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_STRING 128

typedef struct slow_entry {
    list_node node;
    uint64_t id;
    int64_t time_s;
    int64_t duration_us;
    int argc;
    char **argv;
    size_t *lens;
    char *peer;
    char *name;
} slow_entry;

struct slowlog {
    list_node entries; /* newest at the front */
    size_t count;
    uint64_t next_id;
};

slowlog *slowlog_new(void) {
    slowlog *sl = mem_calloc(1, sizeof(*sl));
    list_init(&sl->entries);
    return sl;
}

static void entry_free(slow_entry *e) {
    for (int i = 0; i < e->argc; i++) mem_free(e->argv[i]);
    mem_free(e->argv);
    mem_free(e->lens);
    mem_free(e->peer);
    mem_free(e->name);
    mem_free(e);
}

void slowlog_reset(slowlog *sl) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &sl->entries) {
        list_unlink(pos);
        entry_free(container_of(pos, slow_entry, node));
    }
    sl->count = 0;
}

void slowlog_free(slowlog *sl) {
    if (sl == NULL) return;
    slowlog_reset(sl);
    mem_free(sl);
}

void slowlog_trim(slowlog *sl, int64_t max_len) {
    while (sl->count > 0 && (int64_t)sl->count > (max_len < 0 ? 0 : max_len)) {
        list_node *last = sl->entries.prev;
        list_unlink(last);
        entry_free(container_of(last, slow_entry, node));
        sl->count--;
    }
}

void slowlog_record(slowlog *sl, int argc, const resp_arg *argv, int64_t duration_us,
                    int64_t threshold_us, int64_t max_len, const char *peer, const char *name) {
    if (threshold_us < 0 || duration_us < threshold_us) return;
    slow_entry *e = mem_calloc(1, sizeof(*e));
    int n = argc > SLOWLOG_MAX_ARGC ? SLOWLOG_MAX_ARGC : argc;
    e->argc = n;
    e->argv = mem_alloc(sizeof(char *) * (size_t)n);
    e->lens = mem_alloc(sizeof(size_t) * (size_t)n);
    for (int j = 0; j < n; j++) {
        char tmp[SLOWLOG_MAX_STRING + 64];
        if (n != argc && j == n - 1) {
            int len = snprintf(tmp, sizeof(tmp), "... (%d more arguments)", argc - n + 1);
            e->argv[j] = mem_dup(tmp, (size_t)len);
            e->lens[j] = (size_t)len;
        } else if (argv[j].len > SLOWLOG_MAX_STRING) {
            memcpy(tmp, argv[j].ptr, SLOWLOG_MAX_STRING);
            int len = snprintf(tmp + SLOWLOG_MAX_STRING, sizeof(tmp) - SLOWLOG_MAX_STRING,
                               "... (%zu more bytes)", argv[j].len - SLOWLOG_MAX_STRING);
            e->lens[j] = SLOWLOG_MAX_STRING + (size_t)len;
            e->argv[j] = mem_dup(tmp, e->lens[j]);
        } else {
            e->argv[j] = mem_dup(argv[j].ptr, argv[j].len);
            e->lens[j] = argv[j].len;
        }
    }
    e->id = sl->next_id++;
    e->time_s = clock_wall_ms() / 1000;
    e->duration_us = duration_us;
    e->peer = mem_strdup(peer ? peer : "");
    e->name = mem_strdup(name ? name : "");
    list_insert_after(&sl->entries, &e->node);
    sl->count++;
    slowlog_trim(sl, max_len);
}

size_t slowlog_len(const slowlog *sl) {
    return sl->count;
}

void slowlog_reply(slowlog *sl, struct reply *out, int64_t count) {
    if (count < 0 || (uint64_t)count > sl->count) count = (int64_t)sl->count;
    reply_array(out, count);
    list_node *pos;
    list_foreach(pos, &sl->entries) {
        if (count-- <= 0) break;
        slow_entry *e = container_of(pos, slow_entry, node);
        reply_array(out, 6);
        reply_int(out, (int64_t)e->id);
        reply_int(out, e->time_s);
        reply_int(out, e->duration_us);
        reply_array(out, e->argc);
        for (int j = 0; j < e->argc; j++) reply_bulk(out, e->argv[j], e->lens[j]);
        reply_bulk_cstr(out, e->peer);
        reply_bulk_cstr(out, e->name);
    }
}
