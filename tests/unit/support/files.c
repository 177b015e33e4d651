/* files: small file helpers for unit tests. */
#include "files.h"

#include <stdio.h>

#include "base/mem.h"

char *test_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *data = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = mem_alloc((size_t)size + 1);
        if (fread(data, 1, (size_t)size, f) != (size_t)size) {
            mem_free(data);
            data = NULL;
        } else {
            data[size] = '\0';
            *len = (size_t)size;
        }
    }
    fclose(f);
    return data;
}
