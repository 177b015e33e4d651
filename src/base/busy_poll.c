/* busy_poll: the decision to poll or to sleep; see busy_poll.h. */
#include "base/busy_poll.h"

void busy_poll_init(busy_poll *bp, int64_t budget_us) {
    *bp = (busy_poll){0};
    busy_poll_set_budget(bp, budget_us);
}

void busy_poll_set_budget(busy_poll *bp, int64_t budget_us) {
    bp->budget_us = budget_us > 0 ? budget_us : 0;
    if (bp->budget_us == 0) bp->polling = false;
}

bool busy_poll_after_work(busy_poll *bp, int64_t now_us) {
    if (bp->polling) {
        /* Work arrived while polling: the poll paid off. */
        bp->hits++;
        bp->cooldown_us = 0;
        bp->paid_off = true;
    }
    bp->last_work_us = now_us;
    bp->polling = bp->budget_us > 0 && now_us >= bp->resume_us;
    return bp->polling;
}

bool busy_poll_on_idle(busy_poll *bp, int64_t now_us) {
    if (!bp->polling) return false;
    if (now_us - bp->last_work_us <= bp->budget_us) return true;
    bp->polling = false;
    bp->misses++;
    /* The end of a run of useful polls (the client paused, or was not
     * scheduled) is no reason to stop polling: only a poll that found
     * nothing at all since the last miss starts or doubles a cooldown. */
    if (bp->paid_off) {
        bp->paid_off = false;
        return false;
    }
    if (bp->cooldown_us == 0)
        bp->cooldown_us = BUSY_POLL_MIN_COOLDOWN_US;
    else if (bp->cooldown_us < BUSY_POLL_MAX_COOLDOWN_US)
        bp->cooldown_us *= 2;
    bp->resume_us = now_us + bp->cooldown_us;
    return false;
}
