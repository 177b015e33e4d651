#ifndef CLUSTER_CLUSTER_MSG_H
#define CLUSTER_CLUSTER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Cluster bus messages, byte-compatible with Redis 7.0 (bus protocol
 * version 1). This module only turns frames into structs and back; it owns no
 * sockets and no cluster state. All integers are big-endian on the wire,
 * except the MODULE message's module id, which Redis copies raw.
 *
 * Frame = 2256-byte header + a body chosen by the type:
 *   PING/PONG/MEET  count x 104-byte gossip entries, then (only when
 *                   mflags[0] has EXT_DATA) `extensions` extension records
 *   FAIL            40-byte node id                          (2296 bytes)
 *   PUBLISH(SHARD)  u32 channel_len, u32 message_len, channel, message
 *   AUTH_REQUEST, AUTH_ACK, MFSTART   nothing                (2256 bytes)
 *   UPDATE          u64 configEpoch, 40-byte id, slot bitmap (4352 bytes)
 *   MODULE          u64 module id (raw), u32 len, u8 type, payload
 * Header offsets: sig 0, totlen 4, ver 8, port 10, type 12, count 14,
 * currentEpoch 16, configEpoch 24, offset 32, sender 40, slots 80,
 * slaveof 2128, myip 2168, extensions 2214, zero 2216..2245, pport 2246,
 * cport 2248, flags 2250, state 2252, mflags 2253..2255.
 *
 * Choices where Redis 7.0 leaves room (all made so that a frame a 7.0 node
 * sends decodes, and a frame we send is what a 7.0 node would have sent):
 *   - Framing drops the link for a bad signature or a totlen below the
 *     header size, as 7.0's read handler does (it never processes a shorter
 *     frame of any type), and also above CMSG_MAX_LEN, which 7.0 lacks.
 *   - A message of a type we do not know is accepted with only its header
 *     decoded, whatever its length: 7.0 assumes such a frame is well formed
 *     and then ignores it. The caller sees the raw type and skips it.
 *   - Extensions are parsed only when mflags[0] has EXT_DATA, as 7.0's
 *     length check does; without the flag the extension count is ignored and
 *     the frame must end right after the gossip entries. Each record must
 *     be at least 8 bytes, a multiple of 8 and inside the frame (7.0 reads
 *     the length as 16 bits and accepts 0; we keep all 32 bits and refuse
 *     lengths below the record header). HOSTNAME must end with a NUL byte;
 *     when several are sent the last one wins. Other extension types (7.2
 *     adds some) are checked for length and skipped.
 *   - IP strings (header myip, gossip ip) hold at most 45 characters: 7.0
 *     senders write at most 45 plus a NUL and receivers cut byte 45. The
 *     decoder keeps the bytes before the first NUL (at most 45) and zeroes
 *     the rest, so a decoded struct is canonical.
 *   - Hostname: 7.0 sends the HOSTNAME extension only when a hostname is
 *     announced (non-empty) and a receiver clears the sender's hostname when
 *     a PING/PONG/MEET comes without one, so "no extension" and an empty
 *     hostname mean the same thing; the encoder sends none for NULL or "". */

#define CLUSTER_SLOTS 16384
#define CLUSTER_NAMELEN 40
#define CMSG_IPLEN 46 /* NET_IP_STR_LEN: the wire size of an IP field */
#define CMSG_HDR_LEN 2256
#define CMSG_GOSSIP_LEN 104
#define CMSG_MIN_LEN 8           /* signature + totlen, enough to frame */
#define CMSG_MAX_LEN (64u << 20) /* larger frames are refused */
#define CMSG_PROTO_VER 1
#define CMSG_FAIL_LEN (CMSG_HDR_LEN + CLUSTER_NAMELEN)
#define CMSG_UPDATE_LEN (CMSG_HDR_LEN + 8 + CLUSTER_NAMELEN + CLUSTER_SLOTS / 8)
#define CMSG_EXT_HDR_LEN 8 /* u32 length, u16 type, u16 unused */

enum cmsg_type {
    CMSG_PING = 0,
    CMSG_PONG = 1,
    CMSG_MEET = 2,
    CMSG_FAIL = 3,
    CMSG_PUBLISH = 4,
    CMSG_AUTH_REQUEST = 5,
    CMSG_AUTH_ACK = 6,
    CMSG_UPDATE = 7,
    CMSG_MFSTART = 8,
    CMSG_MODULE = 9,
    CMSG_PUBLISHSHARD = 10,
    CMSG_TYPE_COUNT = 11
};

/* Node flag bits, same values on the wire (header and gossip flags). */
enum {
    CNODE_MASTER = 1,
    CNODE_SLAVE = 2,
    CNODE_PFAIL = 4,
    CNODE_FAIL = 8,
    CNODE_MYSELF = 16,
    CNODE_HANDSHAKE = 32,
    CNODE_NOADDR = 64,
    CNODE_MEET = 128,
    CNODE_MIGRATE_TO = 256,
    CNODE_NOFAILOVER = 512
};

/* mflags[0] bits. EXT_DATA is owned by the encoder: it sets the bit exactly
 * when it writes an extension and clears it otherwise. */
enum { CMSG_MF_PAUSED = 1, CMSG_MF_FORCEACK = 2, CMSG_MF_EXT_DATA = 4 };

/* Ping extension types. 7.0 knows HOSTNAME only; the others are 7.2's and
 * are skipped like any unknown type. */
enum {
    CMSG_EXT_HOSTNAME = 0,
    CMSG_EXT_HUMAN_NODENAME = 1,
    CMSG_EXT_FORGOTTEN_NODE = 2,
    CMSG_EXT_SHARDID = 3
};

/* "ping" "pong" "meet" "fail" "publish" "auth-req" "auth-ack" "update"
 * "mfstart" "module" "publishshard"; NULL if out of range. */
const char *cmsg_type_name(int type);

typedef struct cmsg_gossip {
    char name[CLUSTER_NAMELEN];        /* not NUL-terminated */
    uint32_t ping_sent, pong_received; /* seconds */
    char ip[CMSG_IPLEN + 1];           /* NUL-terminated, at most 45 characters */
    uint16_t port, cport, flags, pport;
} cmsg_gossip;

typedef struct cmsg {
    /* header */
    uint16_t type, port, pport, cport, flags;
    uint64_t current_epoch, config_epoch, offset;
    char sender[CLUSTER_NAMELEN];
    uint8_t slots[CLUSTER_SLOTS / 8]; /* slot s = byte s/8, bit s%8 LSB first */
    char slaveof[CLUSTER_NAMELEN];    /* all '\0' when the sender is a master */
    bool has_slaveof;                 /* decoder: slaveof is not all zero bytes */
    char myip[CMSG_IPLEN + 1];        /* "" = use the socket's peer address */
    uint8_t state;                    /* 0 ok, 1 fail */
    uint8_t mflags[3];
    /* PING / PONG / MEET */
    int gossip_count;
    cmsg_gossip *gossip; /* decoder allocates (mem_alloc); encoder reads */
    char *hostname;      /* HOSTNAME extension (mem_strdup'd by decoder); NULL = none */
    /* FAIL */
    char fail_name[CLUSTER_NAMELEN];
    /* UPDATE */
    uint64_t update_epoch;
    char update_name[CLUSTER_NAMELEN];
    uint8_t update_slots[CLUSTER_SLOTS / 8];
    /* PUBLISH / PUBLISHSHARD: point into the decoded buffer (valid while it lives) */
    const uint8_t *channel, *message;
    uint32_t channel_len, message_len;
    /* MODULE: the id is the 8 wire bytes as a host-order integer (Redis copies
     * it without byte swapping); data points into the decoded buffer. */
    uint64_t module_id;
    uint8_t module_type;
    const uint8_t *module_data;
    uint32_t module_len;
} cmsg;

/* Framing. Returns 0 when fewer than CMSG_MIN_LEN bytes are available, 1 with
 * *totlen set when the frame head is acceptable, -1 when the link must be
 * dropped: the signature is not "RCmb", totlen < CMSG_HDR_LEN (7.0 drops the
 * link below its header size for every type) or totlen > CMSG_MAX_LEN. */
int cmsg_frame(const uint8_t *p, size_t len, uint32_t *totlen);

/* Strict, bounds-checked decode of one whole frame of exactly len bytes
 * (len == the header's totlen). Returns 0 and fills *m (the caller then calls
 * cmsg_release), or -1 with a short reason appended to err (when err is not
 * NULL) for a message to be ignored: a short or mis-signed frame, totlen not
 * len, ver != 1, a length that breaks the type's rule, bad extension records.
 * A type >= CMSG_TYPE_COUNT returns 0 with only the header decoded (7.0
 * ignores such messages). Channel, message and module data point into p.
 * Never reads past len; counts and lengths are checked before use. On
 * failure *m is left zeroed with nothing to release. */
int cmsg_decode(const uint8_t *p, size_t len, cmsg *m, buf *err);

/* Frees gossip and hostname and zeroes them; safe on a zeroed cmsg. */
void cmsg_release(cmsg *m);

/* Encodes m as one frame appended to out and returns the frame length.
 * m->type selects the body. The header gets signature, totlen, ver 1 and
 * every header field of m; count and the extension count are written only
 * for PING/PONG/MEET (0 otherwise, as Redis does). PING/PONG/MEET carry
 * gossip_count entries, then a HOSTNAME extension when hostname is non-NULL
 * and non-empty (NUL-terminated, zero-padded to a multiple of 8; mflags[0]
 * gets EXT_DATA). IP strings are cut at 45 characters. Unused and padding
 * bytes are zero, as Redis leaves them. A type >= CMSG_TYPE_COUNT gets the
 * header only. */
size_t cmsg_encode(buf *out, const cmsg *m);

/* Slot bitmap helpers: slot s lives in byte s/8, bit s%8 (LSB first). */
static inline bool cmsg_slot_get(const uint8_t *bm, int s) {
    return (bm[s >> 3] >> (s & 7)) & 1;
}

static inline void cmsg_slot_set(uint8_t *bm, int s) {
    bm[s >> 3] = (uint8_t)(bm[s >> 3] | (1u << (s & 7)));
}

static inline void cmsg_slot_clear(uint8_t *bm, int s) {
    bm[s >> 3] = (uint8_t)(bm[s >> 3] & ~(1u << (s & 7)));
}

#endif
