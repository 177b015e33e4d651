/* status: human-readable names for status codes, for log lines only. */
#include "base/status.h"

#include <string.h>

const char *status_str(int status) {
    switch (status) {
    case 0: return "ok";
    case ERR_SYNTAX: return "syntax error";
    case ERR_RANGE: return "value out of range";
    case ERR_NOT_FOUND: return "not found";
    case ERR_EXISTS: return "already exists";
    case ERR_TYPE: return "wrong type";
    case ERR_OVERFLOW: return "overflow";
    case ERR_LIMIT: return "limit reached";
    case ERR_IO: return "I/O error";
    case ERR_STATE: return "invalid state";
    default: break;
    }
    if (status < 0 && status > ERR_BASE) return strerror(-status);
    return "unknown error";
}
