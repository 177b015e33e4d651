/* child_info: a forked child's copy-on-write cost, reported to its parent. */
#include "server/child_info.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void child_info_open(child_info *ci) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        ci->rfd = ci->wfd = -1;
        return;
    }
    ci->rfd = fds[0];
    ci->wfd = fds[1];
}

void child_info_parent(child_info *ci) {
    if (ci->wfd >= 0) close(ci->wfd);
    ci->wfd = -1;
}

/* Private_Dirty of the whole process, in bytes (smaps_rollup sums every
 * mapping). */
static uint64_t private_dirty_bytes(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f == NULL) return 0;
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long v;
        if (sscanf(line, "Private_Dirty: %llu kB", &v) == 1) {
            kb = v;
            break;
        }
    }
    fclose(f);
    return kb * 1024;
}

void child_info_send(child_info *ci) {
    if (ci->wfd < 0) return;
    uint64_t v = private_dirty_bytes();
    /* Eight bytes fit the pipe's buffer: the write cannot block or split. */
    if (write(ci->wfd, &v, sizeof(v)) != (ssize_t)sizeof(v)) return;
}

size_t child_info_receive(child_info *ci) {
    uint64_t v = 0;
    if (ci->rfd >= 0 && read(ci->rfd, &v, sizeof(v)) != (ssize_t)sizeof(v)) v = 0;
    child_info_close(ci);
    return (size_t)v;
}

void child_info_close(child_info *ci) {
    if (ci->rfd >= 0) close(ci->rfd);
    if (ci->wfd >= 0) close(ci->wfd);
    ci->rfd = ci->wfd = -1;
}
