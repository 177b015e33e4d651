/* session: per-connection command state. */
#include "commands/session.h"

#include <string.h>

#include "base/mem.h"

void session_init(session *s, uint64_t id) {
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->proto = 2;
}

void session_fini(session *s) {
    mem_free(s->name);
    mem_free(s->lib_name);
    mem_free(s->lib_ver);
    s->name = s->lib_name = s->lib_ver = NULL;
}

void session_set_string(char **field, const char *value, size_t len) {
    /* Copy before freeing: value may point into the old string. */
    char *copy = (value && len) ? mem_strndup(value, len) : NULL;
    mem_free(*field);
    *field = copy;
}
