#include "base/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/mem.h"

/* An answer nobody asked for again within this time is dropped. */
#define RESOLVER_STALE_MS 60000

typedef struct lookup {
    struct lookup *next;
    char *host;
    struct addrinfo hints;
    struct gaicb cb; /* glibc's worker thread writes here until done */
    int64_t started;
} lookup;

struct resolver {
    lookup *head;
    int count;
};

resolver *resolver_new(void) { return mem_calloc(1, sizeof(resolver)); }

static void lookup_free(lookup *q) {
    if (q->cb.ar_result) freeaddrinfo(q->cb.ar_result);
    mem_free(q->host);
    mem_free(q);
}

/* Waits for a lookup that could not be cancelled: its memory is glibc's
 * until it finishes. Name lookups give up by themselves within seconds. */
static void lookup_finish(lookup *q) {
    if (gai_cancel(&q->cb) == EAI_CANCELED) return;
    struct gaicb *list[1] = {&q->cb};
    while (gai_error(&q->cb) == EAI_INPROGRESS) {
        struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
        gai_suspend((const struct gaicb *const *)list, 1, &ts);
    }
}

void resolver_free(resolver *r) {
    if (r == NULL) return;
    lookup *q = r->head;
    while (q) {
        lookup *next = q->next;
        lookup_finish(q);
        lookup_free(q);
        q = next;
    }
    mem_free(r);
}

static void unlink_lookup(resolver *r, lookup *q) {
    for (lookup **p = &r->head; *p; p = &(*p)->next) {
        if (*p == q) {
            *p = q->next;
            r->count--;
            return;
        }
    }
}

static bool start(resolver *r, const char *host, int64_t now) {
    lookup *q = mem_calloc(1, sizeof(*q));
    q->host = mem_strdup(host);
    q->started = now;
    q->hints.ai_family = AF_UNSPEC;
    q->hints.ai_socktype = SOCK_STREAM;
    q->cb.ar_name = q->host;
    q->cb.ar_request = &q->hints;
    struct gaicb *list[1] = {&q->cb};
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    if (getaddrinfo_a(GAI_NOWAIT, list, 1, &none) != 0) {
        lookup_free(q);
        return false;
    }
    q->next = r->head;
    r->head = q;
    r->count++;
    return true;
}

static bool answer(const struct addrinfo *ai, char *ip, size_t cap) {
    for (; ai; ai = ai->ai_next) {
        const void *addr;
        if (ai->ai_family == AF_INET)
            addr = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
        else if (ai->ai_family == AF_INET6)
            addr = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
        else
            continue;
        if (inet_ntop(ai->ai_family, addr, ip, (socklen_t)cap) != NULL) return true;
    }
    return false;
}

bool resolver_lookup(resolver *r, const char *host, char *ip, size_t cap, int64_t now) {
    lookup *found = NULL;
    lookup *q = r->head;
    while (q) {
        lookup *next = q->next;
        bool running = gai_error(&q->cb) == EAI_INPROGRESS;
        if (strcmp(q->host, host) == 0) {
            found = q;
        } else if (!running && now - q->started > RESOLVER_STALE_MS) {
            unlink_lookup(r, q);
            lookup_free(q);
        }
        q = next;
    }
    if (found == NULL) {
        start(r, host, now);
        return false;
    }
    int rc = gai_error(&found->cb);
    if (rc == EAI_INPROGRESS) return false;
    bool ok = rc == 0 && answer(found->cb.ar_result, ip, cap);
    unlink_lookup(r, found);
    lookup_free(found);
    return ok;
}

int resolver_pending(const resolver *r) { return r->count; }
