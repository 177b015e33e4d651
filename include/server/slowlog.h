#ifndef SERVER_SLOWLOG_H
#define SERVER_SLOWLOG_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/resp_parser.h"

struct reply;

/* The slow log: the most recent commands that ran longer than
 * slowlog-log-slower-than microseconds, newest first. Entries keep at most
 * 32 arguments of at most 128 bytes each (Redis compat: the same limits and
 * the same "... (N more ...)" markers). */

typedef struct slowlog slowlog;

slowlog *slowlog_new(void);
void slowlog_free(slowlog *sl);
/* Records the command if duration_us >= threshold_us (threshold < 0 turns
 * logging off) and trims the log to max_len entries. */
void slowlog_record(slowlog *sl, int argc, const resp_arg *argv, int64_t duration_us,
                    int64_t threshold_us, int64_t max_len, const char *peer, const char *name);
void slowlog_trim(slowlog *sl, int64_t max_len);
size_t slowlog_len(const slowlog *sl);
void slowlog_reset(slowlog *sl);
/* Writes SLOWLOG GET's reply: up to count newest entries (count < 0: all). */
void slowlog_reply(slowlog *sl, struct reply *out, int64_t count);

#endif
