#ifndef COMMANDS_SESSION_H
#define COMMANDS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per-connection protocol state that commands may read and change: the
 * selected database, protocol version, authentication and name. It has no
 * file descriptor: the connection (server/client.c) owns one of these. */

enum session_flags {
    SESSION_ASKING = 1 << 0,
    SESSION_READONLY = 1 << 1,
    SESSION_REPLY_OFF = 1 << 2,
    SESSION_REPLY_SKIP_NEXT = 1 << 3, /* CLIENT REPLY SKIP: skip the next reply */
    SESSION_REPLY_SKIP = 1 << 4,      /* skipping the current command's reply */
    SESSION_NO_EVICT = 1 << 5,
    SESSION_NO_TOUCH = 1 << 6,
    SESSION_CLOSE_AFTER_REPLY = 1 << 7,
    SESSION_MONITOR = 1 << 8,
};

#define SESSION_NAME_MAX 256

typedef struct session {
    uint64_t id;
    int db;
    int proto; /* 2 or 3 */
    bool authenticated;
    unsigned flags;
    char *name; /* NULL when unset; owned (mem_strdup) */
    char *lib_name;
    char *lib_ver;
} session;

void session_init(session *s, uint64_t id);
void session_fini(session *s);
/* Replaces one of the owned strings (NULL or "" clears it). */
void session_set_string(char **field, const char *value, size_t len);

#endif
