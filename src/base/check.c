/* check: report a broken invariant with its location and abort, so a core
 * dump or the sanitizer's report points at the bug. */
#include "base/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void check_fail(const char *file, int line, const char *expr, const char *fmt, ...) {
    fprintf(stderr, "\n=== TESSERA BUG REPORT ===\n%s:%d: ", file, line);
    if (expr) fprintf(stderr, "assertion failed: %s", expr);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}
