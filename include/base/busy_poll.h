#ifndef BASE_BUSY_POLL_H
#define BASE_BUSY_POLL_H

#include <stdbool.h>
#include <stdint.h>

/* busy_poll: when the event loop should poll instead of sleeping.
 *
 * A loop that has just answered requests is likely to get more within
 * microseconds. Sleeping in the kernel and being woken again costs both
 * sides of the connection: the client's write must wake the sleeping
 * server, and on a virtual machine an idle CPU halts and needs an
 * interrupt from the other CPU to resume. Polling for a short budget after
 * work avoids all of that while traffic is steady.
 *
 * Polling that finds nothing is wasted CPU, so the policy backs off. The
 * first budget that runs out after polls that paid off costs nothing more:
 * the loop sleeps and polls again after its next work. A budget that runs
 * out without any poll having paid off since the last one starts a
 * cooldown during which the loop sleeps as before, and every further
 * failure in a row doubles it (up to BUSY_POLL_MAX_COOLDOWN_US). A poll
 * that catches work resets it. So polling costs at most one budget per
 * burst of traffic, and next to nothing when requests come too far apart
 * for it to help.
 *
 * The policy knows nothing of the loop: times are monotonic microseconds
 * given by the caller. */

#define BUSY_POLL_MIN_COOLDOWN_US 1000
#define BUSY_POLL_MAX_COOLDOWN_US 128000

typedef struct busy_poll {
    int64_t budget_us;      /* 0: never poll */
    int64_t last_work_us;   /* when the loop last did work */
    int64_t cooldown_us;    /* length of the current or last cooldown, 0 after a catch */
    int64_t resume_us;      /* no polling before this time */
    bool polling;           /* a poll is in progress */
    bool paid_off;          /* a poll caught work since the last miss */
    uint64_t hits;   /* loop iterations whose work a poll found (INFO busy_poll_hits) */
    uint64_t misses; /* polls that ran out of budget (INFO busy_poll_misses) */
} busy_poll;

void busy_poll_init(busy_poll *bp, int64_t budget_us);
void busy_poll_set_budget(busy_poll *bp, int64_t budget_us);

/* False when the budget is 0: the caller may skip reading the clock. */
static inline bool busy_poll_enabled(const busy_poll *bp) {
    return bp->budget_us > 0;
}

/* The loop did work at now. True: poll before sleeping. */
bool busy_poll_after_work(busy_poll *bp, int64_t now_us);

/* A poll at now found nothing. True: poll again; false: sleep. */
bool busy_poll_on_idle(busy_poll *bp, int64_t now_us);

#endif
