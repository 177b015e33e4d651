#ifndef BASE_MEM_H
#define BASE_MEM_H

#include <stddef.h>

/* The only door to the allocator. Every allocation of the process goes through
 * these functions so that mem_used_bytes() is the true heap footprint (the
 * allocator's usable size, not the requested size). Allocation failure aborts:
 * callers never check for NULL. */

void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
/* Like realloc(3); mem_realloc(NULL, n) allocates, mem_realloc(p, 0) frees and
 * returns NULL. */
void *mem_realloc(void *ptr, size_t size);
void mem_free(void *ptr);
/* Bytes actually reserved for ptr (>= the size asked for). */
size_t mem_usable_size(const void *ptr);
/* Bytes the allocator would reserve for a request of size bytes. */
size_t mem_size_class(size_t size);

void *mem_dup(const void *src, size_t len);
/* NUL-terminated copy of len bytes. */
char *mem_strndup(const char *src, size_t len);
char *mem_strdup(const char *src);

/* Sum of the usable sizes of all live allocations. */
size_t mem_used_bytes(void);
/* Resident set size of the process in bytes, from /proc (0 if unknown). */
size_t mem_rss_bytes(void);
/* Allocator name for INFO ("jemalloc-5.3.0", "libc"). */
const char *mem_allocator_name(void);
/* Allocator-level statistics (0 when the allocator does not report them). */
typedef struct mem_stats {
    size_t allocated;
    size_t active;
    size_t resident;
} mem_stats;
void mem_get_stats(mem_stats *out);

/* Returns unused dirty pages to the system; 0 or -1 if the allocator
 * cannot (MEMORY PURGE). */
int mem_purge(void);
/* Appends the allocator's own statistics report to a callback (MEMORY
 * MALLOC-STATS); writes a one-line note when the allocator has none. */
void mem_stats_report(void (*write)(void *ctx, const char *text), void *ctx);

/* Allocator hook with libev's signature: realloc semantics, frees on size 0. */
void *mem_ev_realloc(void *ptr, long size);

#endif
