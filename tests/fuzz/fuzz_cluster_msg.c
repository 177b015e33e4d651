/* fuzz_cluster_msg: cluster bus framing and decoding of arbitrary bytes, and
 * the decode -> encode -> decode round trip.
 *
 * Input: byte 0 = flags, then the frame. Flag bit 0 overwrites totlen with
 * the real length and bit 1 writes the signature and version 1, so the
 * fuzzer spends its time in the type rules instead of rediscovering the
 * frame head; with both clear the bytes are taken as they are.
 *
 * Checked for every input:
 *   - cmsg_frame and cmsg_decode read only the exact-size copy (ASan),
 *   - a frame that decodes is one that cmsg_frame accepts,
 *   - re-encoding a decoded message gives a frame that frames, decodes, and
 *     compares equal field by field (hostname NULL and "" are the same
 *     thing on the wire; EXT_DATA belongs to the encoder), and encoding that
 *     second struct gives the same bytes again. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "cluster/cluster_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FLAG_FIX_TOTLEN 1
#define FLAG_FIX_HEAD 2

static void die(const char *what) {
    fprintf(stderr, "fuzz_cluster_msg: %s\n", what);
    abort();
}

static bool is_ping(unsigned type) {
    return type == CMSG_PING || type == CMSG_PONG || type == CMSG_MEET;
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    return n == 0 || memcmp(a, b, n) == 0;
}

static bool same_gossip(const cmsg_gossip *a, const cmsg_gossip *b) {
    return memcmp(a->name, b->name, CLUSTER_NAMELEN) == 0 && a->ping_sent == b->ping_sent &&
           a->pong_received == b->pong_received && strcmp(a->ip, b->ip) == 0 &&
           a->port == b->port && a->cport == b->cport && a->flags == b->flags &&
           a->pport == b->pport;
}

static const char *host_or_empty(const cmsg *m) {
    return m->hostname ? m->hostname : "";
}

static void compare(const cmsg *a, const cmsg *b) {
    if (a->type != b->type || a->port != b->port || a->pport != b->pport ||
        a->cport != b->cport || a->flags != b->flags)
        die("header ports, type or flags differ");
    if (a->current_epoch != b->current_epoch || a->config_epoch != b->config_epoch ||
        a->offset != b->offset)
        die("header epochs or offset differ");
    if (memcmp(a->sender, b->sender, CLUSTER_NAMELEN) != 0 ||
        memcmp(a->slots, b->slots, sizeof(a->slots)) != 0 ||
        memcmp(a->slaveof, b->slaveof, CLUSTER_NAMELEN) != 0 || a->has_slaveof != b->has_slaveof)
        die("header sender, slots or slaveof differ");
    if (memcmp(a->myip, b->myip, sizeof(a->myip)) != 0) die("myip differs");
    int ext = CMSG_MF_EXT_DATA;
    if (a->state != b->state || (a->mflags[0] & ~ext) != (b->mflags[0] & ~ext) ||
        a->mflags[1] != b->mflags[1] || a->mflags[2] != b->mflags[2])
        die("state or mflags differ");
    if (a->gossip_count != b->gossip_count) die("gossip count differs");
    if (!is_ping(a->type) && a->gossip_count != 0) die("gossip outside PING/PONG/MEET");
    for (int i = 0; i < a->gossip_count; i++)
        if (!same_gossip(&a->gossip[i], &b->gossip[i])) die("gossip entry differs");
    if (strcmp(host_or_empty(a), host_or_empty(b)) != 0) die("hostname differs");
    if (memcmp(a->fail_name, b->fail_name, CLUSTER_NAMELEN) != 0) die("FAIL node differs");
    if (a->update_epoch != b->update_epoch ||
        memcmp(a->update_name, b->update_name, CLUSTER_NAMELEN) != 0 ||
        memcmp(a->update_slots, b->update_slots, sizeof(a->update_slots)) != 0)
        die("UPDATE body differs");
    if (a->channel_len != b->channel_len || a->message_len != b->message_len ||
        !same_bytes(a->channel, b->channel, a->channel_len) ||
        !same_bytes(a->message, b->message, a->message_len))
        die("PUBLISH body differs");
    if (a->module_id != b->module_id || a->module_type != b->module_type ||
        a->module_len != b->module_len ||
        !same_bytes(a->module_data, b->module_data, a->module_len))
        die("MODULE body differs");
}

/* Encodes m into an exact-size heap copy. */
static uint8_t *encode_exact(const cmsg *m, size_t *len) {
    buf b;
    buf_init(&b);
    *len = cmsg_encode(&b, m);
    if (*len != b.len || *len < CMSG_HDR_LEN) die("encoder length is wrong");
    uint8_t *copy = mem_dup(b.data, b.len);
    buf_fini(&b);
    return copy;
}

static void roundtrip(const cmsg *first) {
    size_t len;
    uint8_t *enc = encode_exact(first, &len);
    uint32_t totlen = 0;
    if (cmsg_frame(enc, len, &totlen) != 1 || totlen != len) die("encoded frame does not frame");

    buf err;
    buf_init(&err);
    cmsg second;
    if (cmsg_decode(enc, len, &second, &err) != 0) {
        fprintf(stderr, "fuzz_cluster_msg: re-encoded frame rejected: %s\n", err.data);
        abort();
    }
    compare(first, &second);

    size_t len2;
    uint8_t *enc2 = encode_exact(&second, &len2);
    if (len2 != len || memcmp(enc, enc2, len) != 0) die("encoding is not stable");

    mem_free(enc2);
    cmsg_release(&second);
    buf_fini(&err);
    mem_free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t flags = data[0];
    size_t len = size - 1;
    /* Exact-size copy so a read past the end is caught. */
    uint8_t *p = len ? mem_dup(data + 1, len) : mem_alloc(1);
    if (len >= 8 && (flags & FLAG_FIX_TOTLEN)) {
        uint32_t n = (uint32_t)len;
        p[4] = (uint8_t)(n >> 24);
        p[5] = (uint8_t)(n >> 16);
        p[6] = (uint8_t)(n >> 8);
        p[7] = (uint8_t)n;
    }
    if (len >= 10 && (flags & FLAG_FIX_HEAD)) {
        memcpy(p, "RCmb", 4);
        p[8] = 0;
        p[9] = 1;
    }

    uint32_t totlen = 0;
    int framed = cmsg_frame(p, len, &totlen);
    if (framed == 0 && len >= CMSG_MIN_LEN) die("frame wants more than 8 bytes");

    buf err;
    buf_init(&err);
    cmsg m;
    int rc = cmsg_decode(p, len, &m, &err);
    if (rc == 0) {
        if (framed != 1 || totlen != len) die("decoded a frame that framing refuses");
        roundtrip(&m);
        cmsg_release(&m);
    } else {
        if (err.len == 0) die("rejection without a reason");
        if (m.gossip || m.hostname || m.gossip_count) die("rejection left state behind");
    }
    buf_fini(&err);
    mem_free(p);
    return 0;
}
