#ifndef SERVER_CHILD_INFO_H
#define SERVER_CHILD_INFO_H

#include <stddef.h>

/* What a forked child (BGSAVE, AOF rewrite, replica sync) tells its parent
 * before it exits: how much memory copy-on-write cost, i.e. its private
 * dirty pages (INFO rdb_last_cow_size / aof_last_cow_size). A pipe opened
 * before the fork carries one number; the parent reads it when the child
 * has exited. */

typedef struct child_info {
    int rfd, wfd;
} child_info;

/* Before fork(). On failure both ends are -1 and the rest does nothing. */
void child_info_open(child_info *ci);
/* In the parent right after fork(): keeps only the reading end. */
void child_info_parent(child_info *ci);
/* In the child, last thing before _exit(). */
void child_info_send(child_info *ci);
/* In the parent after the child exited: the bytes it reported (0 if none),
 * and closes the pipe. */
size_t child_info_receive(child_info *ci);
/* Closes whatever is open (the child was killed). */
void child_info_close(child_info *ci);

#endif
