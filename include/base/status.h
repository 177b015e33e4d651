#ifndef BASE_STATUS_H
#define BASE_STATUS_H

/* Status codes for expected failures. Functions return 0 on success, a
 * negative errno from a syscall, or one of these codes, which sit below the
 * errno range so the two never collide. */
enum {
    ERR_BASE = -10000,
    ERR_SYNTAX = ERR_BASE,  /* malformed input */
    ERR_RANGE,              /* value out of range */
    ERR_NOT_FOUND,          /* no such item */
    ERR_EXISTS,             /* item already present */
    ERR_TYPE,               /* wrong kind of value */
    ERR_OVERFLOW,           /* arithmetic overflow */
    ERR_LIMIT,              /* a configured limit was hit */
    ERR_IO,                 /* I/O failure that has no errno */
    ERR_STATE,              /* operation not allowed in the current state */
    ERR_LAST
};

/* A short description for logs: strerror() for negative errnos. */
const char *status_str(int status);

#endif
