#ifndef TEST_FILES_H
#define TEST_FILES_H

#include <stddef.h>

#define TEST_FIXTURES "tests/unit/fixtures"

/* Reads a whole file into a NUL-terminated allocation (free with
 * mem_free); NULL if it cannot be read. */
char *test_read_file(const char *path, size_t *len);

#endif
