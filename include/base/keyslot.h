#ifndef BASE_KEYSLOT_H
#define BASE_KEYSLOT_H

#include <stddef.h>
#include <stdint.h>

/* Cluster hash slots. A key maps to CRC16-XMODEM(key) mod 16384; if the key
 * holds a "{tag}" with at least one byte between the first '{' and the next
 * '}', only the tag is hashed, so related keys can share a slot. */

#define KEYSLOT_COUNT 16384

uint16_t crc16_xmodem(const void *data, size_t len);
unsigned keyslot(const char *key, size_t len);

#endif
