/* latency: the latency monitor's event table.
 *
 * A handful of event names exist, so a small array searched linearly is
 * simpler than a hash table and just as fast. */
#include "server/latency.h"

#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "protocol/reply.h"

#define LATENCY_SAMPLES 160
#define LATENCY_MAX_EVENTS 64

typedef struct latency_sample {
    int64_t time_s;
    int64_t ms;
} latency_sample;

typedef struct latency_series {
    char name[48];
    int idx; /* next slot to write */
    int64_t max_ms;
    latency_sample samples[LATENCY_SAMPLES];
} latency_series;

struct latency_monitor {
    int count;
    latency_series *series[LATENCY_MAX_EVENTS];
};

latency_monitor *latency_new(void) {
    return mem_calloc(1, sizeof(latency_monitor));
}

void latency_free(latency_monitor *lm) {
    if (lm == NULL) return;
    for (int i = 0; i < lm->count; i++) mem_free(lm->series[i]);
    mem_free(lm);
}

static latency_series *find(latency_monitor *lm, const char *event, size_t len) {
    for (int i = 0; i < lm->count; i++) {
        if (strlen(lm->series[i]->name) == len && memcmp(lm->series[i]->name, event, len) == 0)
            return lm->series[i];
    }
    return NULL;
}

void latency_record(latency_monitor *lm, const char *event, int64_t ms, int64_t threshold_ms) {
    if (threshold_ms <= 0 || ms < threshold_ms) return;
    latency_series *ts = find(lm, event, strlen(event));
    if (ts == NULL) {
        if (lm->count == LATENCY_MAX_EVENTS) return;
        ts = mem_calloc(1, sizeof(*ts));
        strncpy(ts->name, event, sizeof(ts->name) - 1);
        lm->series[lm->count++] = ts;
    }
    int64_t now = clock_wall_ms() / 1000;
    if (ms > ts->max_ms) ts->max_ms = ms;
    int prev = (ts->idx + LATENCY_SAMPLES - 1) % LATENCY_SAMPLES;
    if (ts->samples[prev].time_s == now) {
        if (ms > ts->samples[prev].ms) ts->samples[prev].ms = ms;
        return;
    }
    ts->samples[ts->idx].time_s = now;
    ts->samples[ts->idx].ms = ms;
    ts->idx = (ts->idx + 1) % LATENCY_SAMPLES;
}

void latency_reply_latest(latency_monitor *lm, struct reply *out) {
    reply_array(out, lm->count);
    for (int i = 0; i < lm->count; i++) {
        latency_series *ts = lm->series[i];
        int last = (ts->idx + LATENCY_SAMPLES - 1) % LATENCY_SAMPLES;
        reply_array(out, 4);
        reply_bulk_cstr(out, ts->name);
        reply_int(out, ts->samples[last].time_s);
        reply_int(out, ts->samples[last].ms);
        reply_int(out, ts->max_ms);
    }
}

void latency_reply_history(latency_monitor *lm, struct reply *out, const char *event, size_t len) {
    latency_series *ts = find(lm, event, len);
    if (ts == NULL) {
        reply_empty_array(out);
        return;
    }
    int n = 0;
    for (int j = 0; j < LATENCY_SAMPLES; j++)
        if (ts->samples[j].time_s) n++;
    reply_array(out, n);
    for (int j = 0; j < LATENCY_SAMPLES; j++) {
        const latency_sample *s = &ts->samples[(ts->idx + j) % LATENCY_SAMPLES];
        if (s->time_s == 0) continue;
        reply_array(out, 2);
        reply_int(out, s->time_s);
        reply_int(out, s->ms);
    }
}

int latency_reset(latency_monitor *lm, const char *event, size_t len) {
    int resets = 0;
    for (int i = 0; i < lm->count;) {
        if (event == NULL || (strlen(lm->series[i]->name) == len &&
                              memcmp(lm->series[i]->name, event, len) == 0)) {
            mem_free(lm->series[i]);
            lm->series[i] = lm->series[--lm->count];
            resets++;
        } else {
            i++;
        }
    }
    return resets;
}
