/* log: one sink for the whole process.
 *
 * The file is reopened for every line, as Redis does, so that log rotation by
 * moving the file just works and there is no descriptor to keep track of. The
 * cost (an open per line) is fine for a log that is not on the request path.
 * When writing to stdout we keep the stream and flush per line. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
    char path[4096];
    enum log_level level;
    char role;
} log_cfg = {"", LOG_NOTICE, 'M'};

int log_open(const char *path) {
    if (path == NULL || path[0] == '\0') {
        log_cfg.path[0] = '\0';
        return 0;
    }
    if (strlen(path) >= sizeof(log_cfg.path)) return -ENAMETOOLONG;
    FILE *f = fopen(path, "a");
    if (f == NULL) return -errno;
    fclose(f);
    snprintf(log_cfg.path, sizeof(log_cfg.path), "%s", path);
    return 0;
}

void log_set_level(enum log_level level) {
    log_cfg.level = level;
}

enum log_level log_get_level(void) {
    return log_cfg.level;
}

void log_set_role(char role) {
    log_cfg.role = role;
}

static void emit(enum log_level level, const char *msg, bool raw) {
    if (level < log_cfg.level || level == LOG_NOTHING) return;
    FILE *f = log_cfg.path[0] ? fopen(log_cfg.path, "a") : stdout;
    if (f == NULL) return;
    if (raw) {
        fprintf(f, "%s", msg);
    } else {
        static const char marks[] = ".-*#";
        struct timeval tv;
        gettimeofday(&tv, NULL);
        struct tm tm;
        localtime_r(&tv.tv_sec, &tm);
        char stamp[64];
        size_t n = strftime(stamp, sizeof(stamp), "%d %b %Y %H:%M:%S.", &tm);
        snprintf(stamp + n, sizeof(stamp) - n, "%03d", (int)(tv.tv_usec / 1000));
        fprintf(f, "%d:%c %s %c %s\n", (int)getpid(), log_cfg.role, stamp, marks[level], msg);
    }
    fflush(f);
    if (f != stdout) fclose(f);
}

void log_write(enum log_level level, const char *fmt, ...) {
    if (level < log_cfg.level) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    emit(level, msg, false);
}

void log_raw(enum log_level level, const char *msg) {
    emit(level, msg, true);
}
