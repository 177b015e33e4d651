#ifndef BASE_CRC64_H
#define BASE_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* CRC-64 with the Jones polynomial (0xad93d23594c935a9), reflected input
 * and output, initial value 0: the checksum of RDB files and DUMP payloads.
 * crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca. */
uint64_t crc64(uint64_t crc, const void *data, size_t len);

#endif
