/* backlog: a byte ring addressed by replication stream offset. */
#include "server/backlog.h"

#include <string.h>

#include "base/check.h"
#include "base/mem.h"

backlog *backlog_new(size_t size, int64_t offset) {
    backlog *b = mem_calloc(1, sizeof(*b));
    b->size = size > 0 ? size : 1;
    b->ring = mem_alloc(b->size);
    b->offset = offset;
    return b;
}

void backlog_free(backlog *b) {
    if (b == NULL) return;
    mem_free(b->ring);
    mem_free(b);
}

void backlog_append(backlog *b, const void *data, size_t len) {
    const char *p = data;
    b->offset += (int64_t)len;
    /* Only the last `size` bytes can stay. */
    if (len > b->size) {
        p += len - b->size;
        len = b->size;
    }
    while (len > 0) {
        size_t room = b->size - b->next;
        size_t n = len < room ? len : room;
        memcpy(b->ring + b->next, p, n);
        b->next = (b->next + n) % b->size;
        p += n;
        len -= n;
        b->histlen += n;
    }
    if (b->histlen > b->size) b->histlen = b->size;
}

int64_t backlog_first_offset(const backlog *b) {
    return b->offset - (int64_t)b->histlen + 1;
}

bool backlog_covers(const backlog *b, int64_t from) {
    return from >= backlog_first_offset(b) && from <= b->offset + 1;
}

size_t backlog_read_from(const backlog *b, int64_t from,
                         void (*emit)(void *ctx, const char *data, size_t len), void *ctx) {
    ASSERT(backlog_covers(b, from));
    size_t want = (size_t)(b->offset + 1 - from);
    /* The byte at `from` sits `want` bytes before `next`. */
    size_t start = (b->next + b->size - want % b->size) % b->size;
    if (want == b->size) start = b->next;
    size_t done = 0;
    while (done < want) {
        size_t n = b->size - start;
        if (n > want - done) n = want - done;
        emit(ctx, b->ring + start, n);
        done += n;
        start = (start + n) % b->size;
    }
    return done;
}

void backlog_resize(backlog *b, size_t size) {
    if (size == 0) size = 1;
    if (size == b->size) return;
    size_t keep = b->histlen < size ? b->histlen : size;
    char *ring = mem_alloc(size);
    /* Copy the newest `keep` bytes to the start of the new ring. */
    size_t start = (b->next + b->size - keep % b->size) % b->size;
    if (keep == b->size) start = b->next;
    for (size_t i = 0; i < keep; i++) ring[i] = b->ring[(start + i) % b->size];
    mem_free(b->ring);
    b->ring = ring;
    b->size = size;
    b->histlen = keep;
    b->next = keep % size;
}
