#ifndef SERVER_BACKLOG_H
#define SERVER_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The replication backlog: the last `size` bytes of the replication stream
 * in a ring, addressed by stream offset. A replica that lost its link asks
 * to continue from an offset; if the ring still holds every byte from
 * there on, it gets them (a partial resync) instead of a full copy.
 *
 * Offsets follow Redis: `offset` is how many bytes the stream has carried
 * in total (master_repl_offset), and a replica asking for offset+1 is up
 * to date. */

typedef struct backlog {
    char *ring;
    size_t size;
    size_t next;    /* where the next byte goes */
    size_t histlen; /* valid bytes in the ring (<= size) */
    int64_t offset; /* stream offset of the last byte written */
} backlog;

/* offset: the stream offset the backlog starts after (0 for a new stream,
 * the primary's offset when a replica creates its own). */
backlog *backlog_new(size_t size, int64_t offset);
void backlog_free(backlog *b);
void backlog_append(backlog *b, const void *data, size_t len);
/* Changes the capacity, keeping the newest bytes that fit. */
void backlog_resize(backlog *b, size_t size);
/* Offset of the oldest byte held (offset + 1 when empty). */
int64_t backlog_first_offset(const backlog *b);
/* Whether a replica can continue from `from` (the first byte it lacks). */
bool backlog_covers(const backlog *b, int64_t from);
/* Calls emit for the bytes from `from` to the end, in at most two pieces.
 * Returns how many bytes were emitted. `from` must be covered. */
size_t backlog_read_from(const backlog *b, int64_t from,
                         void (*emit)(void *ctx, const char *data, size_t len), void *ctx);

#endif
