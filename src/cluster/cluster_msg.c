/* cluster_msg: the Redis 7.0 cluster bus wire format (protocol version 1).
 *
 * The decoder reads fields at fixed offsets through small big-endian
 * readers and never lays a struct over the bytes, so alignment, padding and
 * host byte order play no part, and every read is preceded by a length check
 * against the frame. The encoder writes a zero-filled frame of the final size
 * first and then stores the fields, which leaves every unused or padding byte
 * zero, as Redis's senders (which calloc their buffers) leave them. */
#include "cluster/cluster_msg.h"

#include <string.h>

#include "base/check.h"
#include "base/mem.h"

/* Header field offsets (Redis 7.0 clusterMsg). */
enum {
    OFF_SIG = 0,
    OFF_TOTLEN = 4,
    OFF_VER = 8,
    OFF_PORT = 10,
    OFF_TYPE = 12,
    OFF_COUNT = 14,
    OFF_CURRENT_EPOCH = 16,
    OFF_CONFIG_EPOCH = 24,
    OFF_OFFSET = 32,
    OFF_SENDER = 40,
    OFF_SLOTS = 80,
    OFF_SLAVEOF = 2128,
    OFF_MYIP = 2168,
    OFF_EXTENSIONS = 2214,
    OFF_PPORT = 2246,
    OFF_CPORT = 2248,
    OFF_FLAGS = 2250,
    OFF_STATE = 2252,
    OFF_MFLAGS = 2253,
};

/* Gossip entry offsets, relative to the entry. */
enum {
    G_NAME = 0,
    G_PING_SENT = 40,
    G_PONG_RECEIVED = 44,
    G_IP = 48,
    G_PORT = 94,
    G_CPORT = 96,
    G_FLAGS = 98,
    G_PPORT = 100, /* then 2 unused bytes */
};

/* Body sizes before variable data. */
enum {
    PUBLISH_FIXED = 8, /* channel_len, message_len */
    MODULE_FIXED = 13, /* module id, len, type */
    IP_MAX_CHARS = CMSG_IPLEN - 1,
};

_Static_assert(OFF_MFLAGS + 3 == CMSG_HDR_LEN, "header must end where the body starts");
_Static_assert(G_PPORT + 4 == CMSG_GOSSIP_LEN, "gossip entry must be 104 bytes");
_Static_assert(OFF_EXTENSIONS - OFF_MYIP == CMSG_IPLEN, "myip must fill its field");

static const char SIGNATURE[4] = {'R', 'C', 'm', 'b'};

static const char *const TYPE_NAMES[CMSG_TYPE_COUNT] = {
    "ping",     "pong",   "meet",    "fail",   "publish",      "auth-req",
    "auth-ack", "update", "mfstart", "module", "publishshard",
};

const char *cmsg_type_name(int type) {
    if (type < 0 || type >= CMSG_TYPE_COUNT) return NULL;
    return TYPE_NAMES[type];
}

/* ---- big-endian access ---------------------------------------------------- */

static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t rd64(const uint8_t *p) {
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static void wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void wr64(uint8_t *p, uint64_t v) {
    wr32(p, (uint32_t)(v >> 32));
    wr32(p + 4, (uint32_t)v);
}

/* ---- framing -------------------------------------------------------------- */

int cmsg_frame(const uint8_t *p, size_t len, uint32_t *totlen) {
    if (len < CMSG_MIN_LEN) return 0;
    if (memcmp(p + OFF_SIG, SIGNATURE, sizeof(SIGNATURE)) != 0) return -1;
    uint32_t n = rd32(p + OFF_TOTLEN);
    if (n < CMSG_HDR_LEN || n > CMSG_MAX_LEN) return -1;
    *totlen = n;
    return 1;
}

/* ---- decoding ------------------------------------------------------------- */

static bool is_ping_type(unsigned type) {
    return type == CMSG_PING || type == CMSG_PONG || type == CMSG_MEET;
}

static const char *type_label(unsigned type) {
    static const char *const upper[CMSG_TYPE_COUNT] = {
        "PING",     "PONG",   "MEET",    "FAIL",   "PUBLISH",      "AUTH_REQUEST",
        "AUTH_ACK", "UPDATE", "MFSTART", "MODULE", "PUBLISHSHARD",
    };
    return type < CMSG_TYPE_COUNT ? upper[type] : "message";
}

static int fail_with(buf *err, const char *reason) {
    if (err) buf_append_str(err, reason);
    return -1;
}

/* Copies an IP field: the bytes before the first NUL, at most 45 of them;
 * the rest of dst is zeroed. */
static void read_ip(char dst[CMSG_IPLEN + 1], const uint8_t *src) {
    memset(dst, 0, CMSG_IPLEN + 1);
    for (size_t i = 0; i < IP_MAX_CHARS && src[i] != 0; i++) dst[i] = (char)src[i];
}

static bool all_zero(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0) return false;
    return true;
}

static void decode_header(const uint8_t *p, cmsg *m) {
    m->type = rd16(p + OFF_TYPE);
    m->port = rd16(p + OFF_PORT);
    m->pport = rd16(p + OFF_PPORT);
    m->cport = rd16(p + OFF_CPORT);
    m->flags = rd16(p + OFF_FLAGS);
    m->current_epoch = rd64(p + OFF_CURRENT_EPOCH);
    m->config_epoch = rd64(p + OFF_CONFIG_EPOCH);
    m->offset = rd64(p + OFF_OFFSET);
    memcpy(m->sender, p + OFF_SENDER, CLUSTER_NAMELEN);
    memcpy(m->slots, p + OFF_SLOTS, sizeof(m->slots));
    memcpy(m->slaveof, p + OFF_SLAVEOF, CLUSTER_NAMELEN);
    m->has_slaveof = !all_zero(m->slaveof, CLUSTER_NAMELEN);
    read_ip(m->myip, p + OFF_MYIP);
    m->state = p[OFF_STATE];
    memcpy(m->mflags, p + OFF_MFLAGS, sizeof(m->mflags));
}

static void decode_gossip(const uint8_t *e, cmsg_gossip *g) {
    memcpy(g->name, e + G_NAME, CLUSTER_NAMELEN);
    g->ping_sent = rd32(e + G_PING_SENT);
    g->pong_received = rd32(e + G_PONG_RECEIVED);
    read_ip(g->ip, e + G_IP);
    g->port = rd16(e + G_PORT);
    g->cport = rd16(e + G_CPORT);
    g->flags = rd16(e + G_FLAGS);
    g->pport = rd16(e + G_PPORT);
}

/* Walks the extension records in p[off..len): there must be exactly `count`
 * of them and they must fill the rest of the frame. The last HOSTNAME wins. */
static int decode_extensions(const uint8_t *p, size_t len, size_t off, unsigned count, cmsg *m,
                             buf *err) {
    const char *what = type_label(m->type);
    const uint8_t *hostname = NULL;
    for (unsigned i = 0; i < count; i++) {
        size_t left = len - off;
        if (left < CMSG_EXT_HDR_LEN) {
            if (err)
                buf_printf(err, "%s extension %u of %u starts at %zu, past the %zu-byte frame",
                           what, i + 1, count, off, len);
            return -1;
        }
        uint32_t extlen = rd32(p + off);
        uint16_t type = rd16(p + off + 4);
        if (extlen < CMSG_EXT_HDR_LEN || extlen % 8 != 0) {
            if (err)
                buf_printf(err, "%s extension %u has length %u (need >= 8, a multiple of 8)",
                           what, i + 1, extlen);
            return -1;
        }
        if (extlen > left) {
            if (err)
                buf_printf(err, "%s extension %u of %u bytes overruns the frame (%zu left)", what,
                           i + 1, extlen, left);
            return -1;
        }
        if (type == CMSG_EXT_HOSTNAME) {
            /* A legitimate sender pads with at least one NUL, so the record
             * has data and its last byte is 0. */
            if (extlen == CMSG_EXT_HDR_LEN || p[off + extlen - 1] != 0) {
                if (err) buf_printf(err, "%s HOSTNAME extension is not NUL-terminated", what);
                return -1;
            }
            hostname = p + off + CMSG_EXT_HDR_LEN;
        }
        off += extlen;
    }
    if (off != len) {
        if (err)
            buf_printf(err, "%s with %d gossip entries and %u extensions is %zu bytes, got %zu",
                       what, m->gossip_count, count, off, len);
        return -1;
    }
    if (hostname) m->hostname = mem_strdup((const char *)hostname);
    return 0;
}

static int decode_ping(const uint8_t *p, size_t len, cmsg *m, buf *err) {
    unsigned count = rd16(p + OFF_COUNT);
    size_t need = CMSG_HDR_LEN + (size_t)count * CMSG_GOSSIP_LEN;
    bool has_ext = m->mflags[0] & CMSG_MF_EXT_DATA;
    if (len < need || (!has_ext && len != need)) {
        if (err)
            buf_printf(err, "%s with %u gossip entries needs %zu bytes, got %zu",
                       type_label(m->type), count, need, len);
        return -1;
    }
    m->gossip_count = (int)count;
    if (has_ext && decode_extensions(p, len, need, rd16(p + OFF_EXTENSIONS), m, err) != 0)
        return -1;
    if (count > 0) {
        m->gossip = mem_alloc(count * sizeof(*m->gossip));
        for (unsigned i = 0; i < count; i++)
            decode_gossip(p + CMSG_HDR_LEN + (size_t)i * CMSG_GOSSIP_LEN, &m->gossip[i]);
    }
    return 0;
}

static int expect_len(const cmsg *m, size_t len, size_t want, buf *err) {
    if (len == want) return 0;
    if (err) buf_printf(err, "%s must be %zu bytes, got %zu", type_label(m->type), want, len);
    return -1;
}

static int decode_publish(const uint8_t *p, size_t len, cmsg *m, buf *err) {
    if (len < CMSG_HDR_LEN + PUBLISH_FIXED)
        return expect_len(m, len, CMSG_HDR_LEN + PUBLISH_FIXED, err);
    const uint8_t *body = p + CMSG_HDR_LEN;
    uint32_t clen = rd32(body), mlen = rd32(body + 4);
    /* 64-bit sum: two u32 lengths cannot wrap around to match totlen. */
    uint64_t want = (uint64_t)CMSG_HDR_LEN + PUBLISH_FIXED + clen + mlen;
    if (want != len) {
        if (err)
            buf_printf(err, "%s with channel %u and message %u bytes needs %llu bytes, got %zu",
                       type_label(m->type), clen, mlen, (unsigned long long)want, len);
        return -1;
    }
    m->channel_len = clen;
    m->message_len = mlen;
    m->channel = body + PUBLISH_FIXED;
    m->message = body + PUBLISH_FIXED + clen;
    return 0;
}

static int decode_module(const uint8_t *p, size_t len, cmsg *m, buf *err) {
    if (len < CMSG_HDR_LEN + MODULE_FIXED)
        return expect_len(m, len, CMSG_HDR_LEN + MODULE_FIXED, err);
    const uint8_t *body = p + CMSG_HDR_LEN;
    uint32_t plen = rd32(body + 8);
    uint64_t want = (uint64_t)CMSG_HDR_LEN + MODULE_FIXED + plen;
    if (want != len) {
        if (err)
            buf_printf(err, "MODULE with a %u-byte payload needs %llu bytes, got %zu", plen,
                       (unsigned long long)want, len);
        return -1;
    }
    memcpy(&m->module_id, body, sizeof(m->module_id));
    m->module_len = plen;
    m->module_type = body[12];
    m->module_data = body + MODULE_FIXED;
    return 0;
}

static int decode_update(const uint8_t *p, size_t len, cmsg *m, buf *err) {
    if (expect_len(m, len, CMSG_UPDATE_LEN, err) != 0) return -1;
    const uint8_t *body = p + CMSG_HDR_LEN;
    m->update_epoch = rd64(body);
    memcpy(m->update_name, body + 8, CLUSTER_NAMELEN);
    memcpy(m->update_slots, body + 8 + CLUSTER_NAMELEN, sizeof(m->update_slots));
    return 0;
}

static int decode_body(const uint8_t *p, size_t len, cmsg *m, buf *err) {
    switch (m->type) {
    case CMSG_PING:
    case CMSG_PONG:
    case CMSG_MEET:
        return decode_ping(p, len, m, err);
    case CMSG_FAIL:
        if (expect_len(m, len, CMSG_FAIL_LEN, err) != 0) return -1;
        memcpy(m->fail_name, p + CMSG_HDR_LEN, CLUSTER_NAMELEN);
        return 0;
    case CMSG_PUBLISH:
    case CMSG_PUBLISHSHARD:
        return decode_publish(p, len, m, err);
    case CMSG_AUTH_REQUEST:
    case CMSG_AUTH_ACK:
    case CMSG_MFSTART:
        return expect_len(m, len, CMSG_HDR_LEN, err);
    case CMSG_UPDATE:
        return decode_update(p, len, m, err);
    case CMSG_MODULE:
        return decode_module(p, len, m, err);
    default:
        return 0; /* unknown type: header only, any length (7.0 ignores it) */
    }
}

int cmsg_decode(const uint8_t *p, size_t len, cmsg *m, buf *err) {
    memset(m, 0, sizeof(*m));
    if (len < CMSG_HDR_LEN) {
        if (err) buf_printf(err, "frame of %zu bytes is shorter than the %d-byte header", len,
                            CMSG_HDR_LEN);
        return -1;
    }
    if (memcmp(p + OFF_SIG, SIGNATURE, sizeof(SIGNATURE)) != 0)
        return fail_with(err, "bad signature (want RCmb)");
    uint32_t totlen = rd32(p + OFF_TOTLEN);
    if (totlen != len) {
        if (err) buf_printf(err, "totlen %u does not match the %zu-byte frame", totlen, len);
        return -1;
    }
    uint16_t ver = rd16(p + OFF_VER);
    if (ver != CMSG_PROTO_VER) {
        if (err) buf_printf(err, "protocol version %u (want %d)", ver, CMSG_PROTO_VER);
        return -1;
    }
    decode_header(p, m);
    if (decode_body(p, len, m, err) != 0) {
        cmsg_release(m);
        memset(m, 0, sizeof(*m));
        return -1;
    }
    return 0;
}

void cmsg_release(cmsg *m) {
    mem_free(m->gossip);
    mem_free(m->hostname);
    m->gossip = NULL;
    m->hostname = NULL;
    m->gossip_count = 0;
}

/* ---- encoding ------------------------------------------------------------- */

static size_t hostname_ext_len(const cmsg *m) {
    if (!is_ping_type(m->type) || !m->hostname || m->hostname[0] == 0) return 0;
    size_t with_nul = strlen(m->hostname) + 1;
    return CMSG_EXT_HDR_LEN + (with_nul + 7) / 8 * 8;
}

/* Body size for m's type (extensions included). */
static size_t body_len(const cmsg *m) {
    switch (m->type) {
    case CMSG_PING:
    case CMSG_PONG:
    case CMSG_MEET:
        ASSERT(m->gossip_count >= 0 && m->gossip_count <= UINT16_MAX);
        return (size_t)m->gossip_count * CMSG_GOSSIP_LEN + hostname_ext_len(m);
    case CMSG_FAIL:
        return CLUSTER_NAMELEN;
    case CMSG_PUBLISH:
    case CMSG_PUBLISHSHARD:
        return PUBLISH_FIXED + (size_t)m->channel_len + m->message_len;
    case CMSG_UPDATE:
        return CMSG_UPDATE_LEN - CMSG_HDR_LEN;
    case CMSG_MODULE:
        return MODULE_FIXED + (size_t)m->module_len;
    default:
        return 0; /* AUTH_REQUEST, AUTH_ACK, MFSTART and unknown types */
    }
}

/* Writes an IP string into its 46-byte field: at most 45 characters, so a
 * NUL always follows, as Redis senders write it. The field is already zero. */
static void write_ip(uint8_t *dst, const char *ip) {
    memcpy(dst, ip, strnlen(ip, IP_MAX_CHARS));
}

static void encode_header(uint8_t *p, const cmsg *m, uint32_t totlen, uint16_t count,
                          uint16_t extensions) {
    memcpy(p + OFF_SIG, SIGNATURE, sizeof(SIGNATURE));
    wr32(p + OFF_TOTLEN, totlen);
    wr16(p + OFF_VER, CMSG_PROTO_VER);
    wr16(p + OFF_PORT, m->port);
    wr16(p + OFF_TYPE, m->type);
    wr16(p + OFF_COUNT, count);
    wr64(p + OFF_CURRENT_EPOCH, m->current_epoch);
    wr64(p + OFF_CONFIG_EPOCH, m->config_epoch);
    wr64(p + OFF_OFFSET, m->offset);
    memcpy(p + OFF_SENDER, m->sender, CLUSTER_NAMELEN);
    memcpy(p + OFF_SLOTS, m->slots, sizeof(m->slots));
    memcpy(p + OFF_SLAVEOF, m->slaveof, CLUSTER_NAMELEN);
    write_ip(p + OFF_MYIP, m->myip);
    wr16(p + OFF_EXTENSIONS, extensions);
    wr16(p + OFF_PPORT, m->pport);
    wr16(p + OFF_CPORT, m->cport);
    wr16(p + OFF_FLAGS, m->flags);
    p[OFF_STATE] = m->state;
    memcpy(p + OFF_MFLAGS, m->mflags, sizeof(m->mflags));
    p[OFF_MFLAGS] = (uint8_t)(p[OFF_MFLAGS] & ~CMSG_MF_EXT_DATA);
    if (extensions > 0) p[OFF_MFLAGS] |= CMSG_MF_EXT_DATA;
}

static void encode_gossip(uint8_t *e, const cmsg_gossip *g) {
    memcpy(e + G_NAME, g->name, CLUSTER_NAMELEN);
    wr32(e + G_PING_SENT, g->ping_sent);
    wr32(e + G_PONG_RECEIVED, g->pong_received);
    write_ip(e + G_IP, g->ip);
    wr16(e + G_PORT, g->port);
    wr16(e + G_CPORT, g->cport);
    wr16(e + G_FLAGS, g->flags);
    wr16(e + G_PPORT, g->pport);
}

static void encode_ping_body(uint8_t *body, const cmsg *m, size_t ext_len) {
    for (int i = 0; i < m->gossip_count; i++)
        encode_gossip(body + (size_t)i * CMSG_GOSSIP_LEN, &m->gossip[i]);
    if (ext_len == 0) return;
    uint8_t *ext = body + (size_t)m->gossip_count * CMSG_GOSSIP_LEN;
    wr32(ext, (uint32_t)ext_len);
    wr16(ext + 4, CMSG_EXT_HOSTNAME);
    memcpy(ext + CMSG_EXT_HDR_LEN, m->hostname, strlen(m->hostname)); /* NUL + pad are zero */
}

static void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n) {
    if (n > 0) memcpy(dst, src, n);
}

static void encode_body(uint8_t *body, const cmsg *m, size_t ext_len) {
    switch (m->type) {
    case CMSG_PING:
    case CMSG_PONG:
    case CMSG_MEET:
        encode_ping_body(body, m, ext_len);
        break;
    case CMSG_FAIL:
        memcpy(body, m->fail_name, CLUSTER_NAMELEN);
        break;
    case CMSG_PUBLISH:
    case CMSG_PUBLISHSHARD:
        wr32(body, m->channel_len);
        wr32(body + 4, m->message_len);
        copy_bytes(body + PUBLISH_FIXED, m->channel, m->channel_len);
        copy_bytes(body + PUBLISH_FIXED + m->channel_len, m->message, m->message_len);
        break;
    case CMSG_UPDATE:
        wr64(body, m->update_epoch);
        memcpy(body + 8, m->update_name, CLUSTER_NAMELEN);
        memcpy(body + 8 + CLUSTER_NAMELEN, m->update_slots, sizeof(m->update_slots));
        break;
    case CMSG_MODULE:
        memcpy(body, &m->module_id, sizeof(m->module_id));
        wr32(body + 8, m->module_len);
        body[12] = m->module_type;
        copy_bytes(body + MODULE_FIXED, m->module_data, m->module_len);
        break;
    default:
        break;
    }
}

size_t cmsg_encode(buf *out, const cmsg *m) {
    size_t ext_len = hostname_ext_len(m);
    size_t total = CMSG_HDR_LEN + body_len(m);
    ASSERT(total <= UINT32_MAX);
    bool ping = is_ping_type(m->type);

    buf_reserve(out, total);
    uint8_t *p = (uint8_t *)out->data + out->len;
    memset(p, 0, total);
    encode_header(p, m, (uint32_t)total, ping ? (uint16_t)m->gossip_count : 0,
                  ext_len > 0 ? 1 : 0);
    encode_body(p + CMSG_HDR_LEN, m, ext_len);
    out->len += total;
    out->data[out->len] = 0; /* buf keeps its content NUL-terminated */
    return total;
}
