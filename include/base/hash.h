#ifndef BASE_HASH_H
#define BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Keyed hashing for hash tables. SipHash-1-3 with a process-wide random
 * key, so an attacker who controls key names cannot force collisions. */

/* Sets the 16-byte key (call once at start-up; tests may use a fixed one). */
void hash_set_seed(const uint8_t seed[16]);
/* Fills the seed from the system's random source. */
void hash_seed_random(void);
uint64_t hash_bytes(const void *data, size_t len);
/* Same as hash_bytes over the ASCII-lowercased bytes. */
uint64_t hash_bytes_nocase(const void *data, size_t len);

/* Fills buf with len cryptographically random bytes (getrandom/urandom). */
void random_bytes(void *buf, size_t len);
/* Fast non-cryptographic PRNG (xoshiro-like) for sampling decisions. */
uint64_t random_u64(void);
/* Writes 40 random lowercase hex digits and a NUL (run and replication
 * ids). */
void random_hex40(char out[41]);
/* Uniform in [0, n) for n > 0. */
uint64_t random_below(uint64_t n);

#endif
