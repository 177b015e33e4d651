#ifndef SERVER_LATENCY_H
#define SERVER_LATENCY_H

#include <stddef.h>
#include <stdint.h>

struct reply;

/* Latency monitor: per named event ("command", "fast-command",
 * "expire-cycle", ...) a ring of the last 160 samples (one per second, the
 * worst of that second) and the all-time maximum. Samples are recorded only
 * when they reach latency-monitor-threshold milliseconds. */

typedef struct latency_monitor latency_monitor;

latency_monitor *latency_new(void);
void latency_free(latency_monitor *lm);
/* Records a sample of ms milliseconds for event if ms >= threshold_ms and
 * threshold_ms > 0. */
void latency_record(latency_monitor *lm, const char *event, int64_t ms, int64_t threshold_ms);
/* LATENCY LATEST reply. */
void latency_reply_latest(latency_monitor *lm, struct reply *out);
/* LATENCY HISTORY <event> reply. */
void latency_reply_history(latency_monitor *lm, struct reply *out, const char *event, size_t len);
/* Resets one event (or all when event is NULL); returns how many were reset. */
int latency_reset(latency_monitor *lm, const char *event, size_t len);

#endif
