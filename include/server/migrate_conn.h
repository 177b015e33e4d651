#ifndef SERVER_MIGRATE_CONN_H
#define SERVER_MIGRATE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* migrate_conn: the connections MIGRATE opens to target instances.
 *
 * MIGRATE is synchronous, as in Redis: the event loop waits while the
 * command connects, writes its requests and reads the replies, each step
 * bounded by the command's timeout. Connections are cached by the
 * "host:port" text the caller gave (at most 64; the least recently used one
 * makes room), so that moving many keys one MIGRATE at a time does not
 * reconnect each time; the server cron closes those idle for more than 10
 * seconds.
 *
 * Redis compat: only a connect that fails at once (an unknown host, for
 * instance) is a connect failure. A refused or unanswered connect shows up
 * at the first write, so MIGRATE reports it as a write error, as Redis
 * 7.0.15 does. */

#define MIGRATE_CACHE_MAX 64
#define MIGRATE_IDLE_S 10
#define MIGRATE_LINE_MAX 1024 /* reply lines longer than this come back in parts */

typedef struct migrate_conn {
    char *name; /* "host:port", owned */
    size_t name_len;
    int fd;
    /* Database the target has selected on this connection, or -1 when
     * unknown (a fresh connection, or after an error reply). */
    int64_t last_dbid;
    int64_t last_use_ms;
    /* Set when the connect was refused or timed out: the first write
     * fails with it (a positive errno). */
    int connect_err;
    /* Bytes read ahead of the line being returned. */
    char rbuf[4096];
    size_t rpos, rlen;
} migrate_conn;

typedef struct migrate_cache migrate_cache;

migrate_cache *migrate_cache_new(void);
void migrate_cache_free(migrate_cache *mc);
/* The cache MIGRATE uses: one per process, like the server (created on
 * first use). */
migrate_cache *migrate_cache_shared(void);
/* Server cron: closes the shared cache's connections idle for more than
 * MIGRATE_IDLE_S seconds (wall clock, whole seconds, like Redis). */
void migrate_cache_cron(int64_t now_ms);

/* The connection to host:port: the cached one, or a new one (connect
 * waits up to timeout_ms). Returns NULL when the connect cannot even be
 * started. now_ms marks the connection as used. */
migrate_conn *migrate_cache_get(migrate_cache *mc, const char *host, size_t host_len,
                                const char *port, size_t port_len, int64_t timeout_ms,
                                int64_t now_ms);
/* Closes and forgets one connection (after an I/O error). */
void migrate_cache_drop(migrate_cache *mc, migrate_conn *c);
/* Closes connections idle for more than MIGRATE_IDLE_S; returns how many. */
size_t migrate_cache_close_idle(migrate_cache *mc, int64_t now_ms);
/* Closes every connection. */
void migrate_cache_clear(migrate_cache *mc);
size_t migrate_cache_count(const migrate_cache *mc);

/* Writes all of data, in pieces of 64 KB each allowed timeout_ms. Returns 0
 * or -errno (-ETIMEDOUT when a piece did not go out in time). */
int migrate_conn_write(migrate_conn *c, const char *data, size_t len, int64_t timeout_ms);
/* Reads one line into dst (NUL-terminated, CRLF or LF removed), waiting up
 * to timeout_ms for each piece of it. Returns the number of bytes taken
 * before the LF (a CR counts), or -errno (-ETIMEDOUT, -ECONNRESET at end of
 * stream). Redis compat: a line of cap-1 bytes or more is returned in
 * parts, and an empty line (a bare LF) returns 0, which callers take as a
 * failure. */
int migrate_conn_read_line(migrate_conn *c, char *dst, size_t cap, int64_t timeout_ms);

#endif
