#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <stdbool.h>

#include "base/check.h"

/* Leveled log lines in the Redis layout:
 *     <pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <mark> <message>
 * with marks '.' debug, '-' verbose, '*' notice, '#' warning. The log is a
 * process-wide sink configured once at start-up (and again on CONFIG SET). */

enum log_level { LOG_DEBUG = 0, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING, LOG_NOTHING };

/* Where to write: path NULL or "" means stdout. Returns 0 or -errno. */
MUST_USE int log_open(const char *path);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Role letter: 'M' master, 'S' replica, 'C' child process. */
void log_set_role(char role);

void log_write(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Writes a line without the prefix (used for the start-up banner). */
void log_raw(enum log_level level, const char *msg);

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_write(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_write(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_write(LOG_WARNING, __VA_ARGS__)

#endif
