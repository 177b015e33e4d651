#ifndef BASE_RESOLVER_H
#define BASE_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Host name lookups that never block the caller: the first call for a
 * name starts a lookup in the background (getaddrinfo_a), later calls
 * collect its answer. Meant to be polled from a timer. */

typedef struct resolver resolver;

resolver *resolver_new(void);
/* Cancels what is still running and frees everything. */
void resolver_free(resolver *r);

/* The address of host as text ("10.0.0.3", "fd00::3") when a lookup of
 * host has finished with one; that answer is consumed, so the next call
 * starts a new lookup. false while the lookup runs, when it failed (the
 * next call retries) and when none could be started. `now` is in ms and
 * only ages out answers nobody collected. */
bool resolver_lookup(resolver *r, const char *host, char *ip, size_t cap, int64_t now);

/* Lookups started and not yet collected; for tests. */
int resolver_pending(const resolver *r);

#endif
