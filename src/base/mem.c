/* mem: the single allocator entry point.
 *
 * Release builds link jemalloc (unprefixed, as Debian ships it); the sanitize
 * build uses libc malloc so that AddressSanitizer sees every allocation. Both
 * expose malloc_usable_size(), which is what we add to and subtract from the
 * used-memory counter. Counting usable sizes rather than requested sizes makes
 * used_memory honest about internal fragmentation, the same way Redis counts.
 *
 * The counter is the one mutable global of this module; the server is single
 * threaded, so a plain size_t is enough. */
#include "base/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

static size_t used_bytes;

static void oom(size_t size) {
    fprintf(stderr, "tessera: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}

void *mem_alloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (p == NULL) oom(size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_calloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL) oom(count * size);
    used_bytes += malloc_usable_size(p);
    return p;
}

void *mem_realloc(void *ptr, size_t size) {
    if (ptr == NULL) return mem_alloc(size);
    if (size == 0) {
        mem_free(ptr);
        return NULL;
    }
    size_t old = malloc_usable_size(ptr);
    void *p = realloc(ptr, size);
    if (p == NULL) oom(size);
    used_bytes = used_bytes - old + malloc_usable_size(p);
    return p;
}

void mem_free(void *ptr) {
    if (ptr == NULL) return;
    used_bytes -= malloc_usable_size(ptr);
    free(ptr);
}

size_t mem_usable_size(const void *ptr) {
    return ptr ? malloc_usable_size((void *)(uintptr_t)ptr) : 0;
}

size_t mem_size_class(size_t size) {
#ifdef USE_JEMALLOC
    return size ? nallocx(size, 0) : 0;
#else
    return size;
#endif
}

void *mem_dup(const void *src, size_t len) {
    void *p = mem_alloc(len);
    if (len) memcpy(p, src, len);
    return p;
}

char *mem_strndup(const char *src, size_t len) {
    char *p = mem_alloc(len + 1);
    if (len) memcpy(p, src, len);
    p[len] = '\0';
    return p;
}

char *mem_strdup(const char *src) {
    return mem_strndup(src, strlen(src));
}

size_t mem_used_bytes(void) {
    return used_bytes;
}

size_t mem_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    if (n != 2) return 0;
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

const char *mem_allocator_name(void) {
#ifdef USE_JEMALLOC
    static char name[64];
    if (name[0] == '\0') {
        const char *v = NULL;
        size_t sz = sizeof(v);
        if (mallctl("version", &v, &sz, NULL, 0) == 0 && v != NULL) {
            /* jemalloc reports "5.3.0-0-g54eaed1..."; keep the release part. */
            size_t n = strcspn(v, "-");
            snprintf(name, sizeof(name), "jemalloc-%.*s", (int)n, v);
        } else {
            snprintf(name, sizeof(name), "jemalloc");
        }
    }
    return name;
#else
    return "libc";
#endif
}

void mem_get_stats(mem_stats *out) {
    memset(out, 0, sizeof(*out));
#ifdef USE_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    sz = sizeof(size_t);
    mallctl("stats.allocated", &out->allocated, &sz, NULL, 0);
    sz = sizeof(size_t);
    mallctl("stats.active", &out->active, &sz, NULL, 0);
    sz = sizeof(size_t);
    mallctl("stats.resident", &out->resident, &sz, NULL, 0);
#endif
}

int mem_purge(void) {
#ifdef USE_JEMALLOC
    char cmd[64];
    unsigned narenas = 0;
    size_t sz = sizeof(narenas);
    if (mallctl("arenas.narenas", &narenas, &sz, NULL, 0) != 0) return -1;
    snprintf(cmd, sizeof(cmd), "arena.%u.purge", narenas); /* narenas = all arenas */
    return mallctl(cmd, NULL, NULL, NULL, 0) == 0 ? 0 : -1;
#else
    return 0;
#endif
}

#ifdef USE_JEMALLOC
typedef struct report_ctx {
    void (*write)(void *ctx, const char *text);
    void *ctx;
} report_ctx;

static void report_line(void *opaque, const char *text) {
    report_ctx *r = opaque;
    r->write(r->ctx, text);
}
#endif

void mem_stats_report(void (*write)(void *ctx, const char *text), void *ctx) {
#ifdef USE_JEMALLOC
    report_ctx r = {write, ctx};
    malloc_stats_print(report_line, &r, NULL);
#else
    write(ctx, "Stats not supported for the current allocator");
#endif
}

void *mem_ev_realloc(void *ptr, long size) {
    if (size <= 0) {
        mem_free(ptr);
        return NULL;
    }
    return mem_realloc(ptr, (size_t)size);
}
