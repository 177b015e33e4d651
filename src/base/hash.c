/* hash: SipHash-1-3 and random numbers.
 *
 * SipHash (Aumasson & Bernstein) with one compression and three
 * finalisation rounds is the speed/safety trade-off Redis also picked for its
 * dictionaries: fast on short keys, and with a secret key it resists hash
 * flooding. The nocase variant lowercases ASCII on the fly for the command
 * table. */
#include "base/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static uint64_t sip_k0 = 0x0706050403020100ULL, sip_k1 = 0x0f0e0d0c0b0a0908ULL;
static uint64_t rng_state[2] = {0x9e3779b97f4a7c15ULL, 0xbf58476d1ce4e5b9ULL};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

static inline unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline uint64_t load_le64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* ASCII-lowercases the 8 bytes of a word at once: a byte gets 0x20 added
 * when it lies in 'A'..'Z' (bytes >= 0x80 are left alone). */
static inline uint64_t lower_word(uint64_t x) {
    uint64_t low7 = x & 0x7f7f7f7f7f7f7f7fULL;
    uint64_t above_z = low7 + 0x2525252525252525ULL;  /* high bit set when > 'Z' */
    uint64_t from_a = low7 + 0x3f3f3f3f3f3f3f3fULL;   /* high bit set when >= 'A' */
    uint64_t upper = ~x & (from_a ^ above_z) & 0x8080808080808080ULL;
    return x | (upper >> 2);
}

static inline uint64_t siphash13(const unsigned char *in, size_t len, int nocase) {
    uint64_t v0 = 0x736f6d6570736575ULL ^ sip_k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ sip_k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ sip_k0;
    uint64_t v3 = 0x7465646279746573ULL ^ sip_k1;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        if (nocase) m = lower_word(m);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++) {
        unsigned char c = nocase ? lower(in[full + i]) : in[full + i];
        b |= (uint64_t)c << (8 * i);
    }
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void hash_set_seed(const uint8_t seed[16]) {
    sip_k0 = load_le64(seed);
    sip_k1 = load_le64(seed + 8);
}

void hash_seed_random(void) {
    uint8_t seed[16];
    random_bytes(seed, sizeof(seed));
    hash_set_seed(seed);
    random_bytes(rng_state, sizeof(rng_state));
    if (rng_state[0] == 0 && rng_state[1] == 0) rng_state[0] = 1;
}

uint64_t hash_bytes(const void *data, size_t len) {
    return siphash13(data, len, 0);
}

uint64_t hash_bytes_nocase(const void *data, size_t len) {
    return siphash13(data, len, 1);
}

void random_bytes(void *buf, size_t len) {
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            /* No getrandom: fall back to the urandom device. */
            int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                n = read(fd, p, len);
                close(fd);
            }
            if (n <= 0) {
                for (size_t i = 0; i < len; i++) p[i] = (unsigned char)random_u64();
                return;
            }
        }
        p += n;
        len -= (size_t)n;
    }
}

/* xorshift128+: plenty for picking samples, not for secrets. */
uint64_t random_u64(void) {
    uint64_t s1 = rng_state[0];
    const uint64_t s0 = rng_state[1];
    rng_state[0] = s0;
    s1 ^= s1 << 23;
    rng_state[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5);
    return rng_state[1] + s0;
}

uint64_t random_below(uint64_t n) {
    return n ? random_u64() % n : 0;
}

void random_hex40(char out[41]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[20];
    random_bytes(raw, sizeof(raw));
    for (int i = 0; i < 20; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[40] = '\0';
}
