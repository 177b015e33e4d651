/* crc64: table-driven reflected CRC-64/Jones, processing 8 bytes per step
 * ("slicing by 8") because RDB files are checksummed end to end and the
 * byte-at-a-time loop would dominate save and load time. The tables are
 * built on first use from the polynomial. */
#include "base/crc64.h"

#include <stdbool.h>
#include <string.h>

#define POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t table[8][256];
static bool table_ready;

static void build_tables(void) {
    for (int i = 0; i < 256; i++) {
        uint64_t c = (uint64_t)i;
        for (int j = 0; j < 8; j++) c = (c & 1) ? (c >> 1) ^ POLY_REFLECTED : c >> 1;
        table[0][i] = c;
    }
    for (int i = 0; i < 256; i++) {
        uint64_t c = table[0][i];
        for (int k = 1; k < 8; k++) {
            c = table[0][c & 0xff] ^ (c >> 8);
            table[k][i] = c;
        }
    }
    table_ready = true;
}

uint64_t crc64(uint64_t crc, const void *data, size_t len) {
    if (!table_ready) build_tables();
    const unsigned char *p = data;
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        word = __builtin_bswap64(word);
#endif
        crc ^= word;
        crc = table[7][crc & 0xff] ^ table[6][(crc >> 8) & 0xff] ^ table[5][(crc >> 16) & 0xff] ^
              table[4][(crc >> 24) & 0xff] ^ table[3][(crc >> 32) & 0xff] ^
              table[2][(crc >> 40) & 0xff] ^ table[1][(crc >> 48) & 0xff] ^ table[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}
