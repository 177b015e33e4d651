#ifndef BASE_CHECK_H
#define BASE_CHECK_H

/* Invariant checks that stay compiled in release builds. A failed check is a
 * bug in Tessera, never a reaction to bad input: input errors are replies. */

#if defined(__GNUC__)
#define NORETURN __attribute__((noreturn))
#define MUST_USE __attribute__((warn_unused_result))
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define NORETURN
#define MUST_USE
#define PRINTF_LIKE(fmt, args)
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

NORETURN void check_fail(const char *file, int line, const char *expr, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        if (UNLIKELY(!(cond))) check_fail(__FILE__, __LINE__, #cond, NULL);                        \
    } while (0)

#define PANIC(...) check_fail(__FILE__, __LINE__, NULL, __VA_ARGS__)
#define UNREACHABLE() check_fail(__FILE__, __LINE__, NULL, "unreachable code reached")

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
