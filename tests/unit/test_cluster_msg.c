/* Unit tests for cluster_msg: the Redis 7.0 cluster bus wire format.
 *
 * Offsets are checked against the compatibility contract (header table and
 * gossip entry layout), not against our own constants, so a shifted field
 * fails here. The PONG test builds a frame byte by byte from a packet a real
 * 7.0 node sent, decodes it, and re-encodes it to the same bytes. Every
 * rejection path has its own frame, and truncated frames are decoded from
 * exact-size heap copies at every length so a sanitizer build catches any
 * read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/mem.h"
#include "cluster/cluster_msg.h"

/* ---- helpers ---------------------------------------------------------------- */

static uint16_t be16(const uint8_t *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p) {
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v) {
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* A 40-character hex node id derived from a seed. */
static void node_id(char out[CLUSTER_NAMELEN], unsigned seed) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < CLUSTER_NAMELEN; i++) out[i] = hex[(seed * 7u + (unsigned)i * 13u) % 16];
}

static bool all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

static int count_slots(const uint8_t *bm) {
    int n = 0;
    for (int s = 0; s < CLUSTER_SLOTS; s++) n += cmsg_slot_get(bm, s);
    return n;
}

/* Header fields with a distinct value in every field. */
static void fill_header(cmsg *m, uint16_t type) {
    memset(m, 0, sizeof(*m));
    m->type = type;
    m->port = 0x1234;
    m->pport = 0x2345;
    m->cport = 0x3456;
    m->flags = CNODE_SLAVE | CNODE_NOFAILOVER;
    m->current_epoch = 0x0102030405060708ull;
    m->config_epoch = 0x1112131415161718ull;
    m->offset = 0x2122232425262728ull;
    node_id(m->sender, 1);
    node_id(m->slaveof, 2);
    strcpy(m->myip, "10.0.0.42");
    m->state = 1;
    m->mflags[0] = CMSG_MF_PAUSED;
    m->mflags[1] = 0x5a;
    m->mflags[2] = 0xa5;
    for (int s = 0; s < CLUSTER_SLOTS; s += 97) cmsg_slot_set(m->slots, s);
}

static void fill_gossip(cmsg_gossip *g, unsigned seed) {
    memset(g, 0, sizeof(*g));
    node_id(g->name, seed + 10);
    g->ping_sent = 1700000000u + seed;
    g->pong_received = 1700000100u + seed;
    snprintf(g->ip, sizeof(g->ip), "192.168.%u.%u", seed, seed + 1);
    g->port = (uint16_t)(7000 + seed);
    g->cport = (uint16_t)(17000 + seed);
    g->flags = (uint16_t)(CNODE_MASTER | (seed & 1 ? CNODE_PFAIL : 0));
    g->pport = (uint16_t)seed;
}

/* Encodes m into a fresh buffer; returns an exact-size heap copy. */
static uint8_t *encode_copy(const cmsg *m, size_t *len) {
    buf b;
    buf_init(&b);
    *len = cmsg_encode(&b, m);
    assert_int_equal(*len, b.len);
    uint8_t *copy = mem_dup(b.data, b.len);
    buf_fini(&b);
    return copy;
}

/* Decodes p[0..len) from an exact-size copy and expects a rejection whose
 * reason contains `why` (when given). */
static void expect_reject(const uint8_t *p, size_t len, const char *why) {
    uint8_t *copy = mem_dup(p, len ? len : 1);
    buf err;
    buf_init(&err);
    cmsg m;
    memset(&m, 0x5c, sizeof(m));
    assert_int_equal(cmsg_decode(copy, len, &m, &err), -1);
    assert_true(err.len > 0);
    if (why && !strstr(err.data, why)) fail_msg("reason '%s' lacks '%s'", err.data, why);
    /* A failed decode leaves nothing to release. */
    assert_null(m.gossip);
    assert_null(m.hostname);
    assert_int_equal(m.gossip_count, 0);
    cmsg_release(&m);
    buf_fini(&err);
    mem_free(copy);
}

static void decode_ok(const uint8_t *p, size_t len, cmsg *m) {
    uint8_t *copy = mem_dup(p, len);
    buf err;
    buf_init(&err);
    if (cmsg_decode(copy, len, m, &err) != 0) fail_msg("decode failed: %s", err.data);
    buf_fini(&err);
    mem_free(copy);
}

static void assert_header_equal(const cmsg *a, const cmsg *b) {
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->port, b->port);
    assert_int_equal(a->pport, b->pport);
    assert_int_equal(a->cport, b->cport);
    assert_int_equal(a->flags, b->flags);
    assert_true(a->current_epoch == b->current_epoch);
    assert_true(a->config_epoch == b->config_epoch);
    assert_true(a->offset == b->offset);
    assert_memory_equal(a->sender, b->sender, CLUSTER_NAMELEN);
    assert_memory_equal(a->slots, b->slots, sizeof(a->slots));
    assert_memory_equal(a->slaveof, b->slaveof, CLUSTER_NAMELEN);
    assert_string_equal(a->myip, b->myip);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->mflags[0] & ~CMSG_MF_EXT_DATA, b->mflags[0] & ~CMSG_MF_EXT_DATA);
    assert_int_equal(a->mflags[1], b->mflags[1]);
    assert_int_equal(a->mflags[2], b->mflags[2]);
}

/* A PING with two gossip entries and the hostname "node-a.example". */
static uint8_t *sample_ping(size_t *len, cmsg_gossip g[2]) {
    cmsg m;
    fill_header(&m, CMSG_PING);
    fill_gossip(&g[0], 1);
    fill_gossip(&g[1], 2);
    m.gossip = g;
    m.gossip_count = 2;
    m.hostname = (char *)"node-a.example";
    return encode_copy(&m, len);
}

/* ---- names, slots, framing -------------------------------------------------- */

static void type_names_match_redis(void **state) {
    (void)state;
    static const char *const want[] = {"ping",     "pong",     "meet",    "fail",
                                       "publish",  "auth-req", "auth-ack", "update",
                                       "mfstart",  "module",   "publishshard"};
    for (int t = 0; t < CMSG_TYPE_COUNT; t++) assert_string_equal(cmsg_type_name(t), want[t]);
    assert_null(cmsg_type_name(-1));
    assert_null(cmsg_type_name(CMSG_TYPE_COUNT));
    assert_null(cmsg_type_name(1000));
}

static void slot_bits_are_lsb_first(void **state) {
    (void)state;
    uint8_t bm[CLUSTER_SLOTS / 8] = {0};
    cmsg_slot_set(bm, 0);
    assert_int_equal(bm[0], 0x01);
    cmsg_slot_set(bm, 7);
    assert_int_equal(bm[0], 0x81);
    cmsg_slot_set(bm, 9);
    assert_int_equal(bm[1], 0x02);
    cmsg_slot_set(bm, CLUSTER_SLOTS - 1);
    assert_int_equal(bm[CLUSTER_SLOTS / 8 - 1], 0x80);
    assert_true(cmsg_slot_get(bm, 7));
    assert_false(cmsg_slot_get(bm, 8));
    assert_int_equal(count_slots(bm), 4);
    cmsg_slot_clear(bm, 7);
    assert_int_equal(bm[0], 0x01);
    assert_int_equal(count_slots(bm), 3);
}

static void frame_needs_eight_bytes(void **state) {
    (void)state;
    uint8_t head[8] = {'R', 'C', 'm', 'b', 0, 0, 0x08, 0xd0}; /* totlen 2256 */
    uint32_t totlen = 0;
    for (size_t n = 0; n < 8; n++) {
        uint8_t *p = mem_dup(head, n ? n : 1);
        assert_int_equal(cmsg_frame(p, n, &totlen), 0);
        mem_free(p);
    }
    uint8_t *p = mem_dup(head, 8);
    assert_int_equal(cmsg_frame(p, 8, &totlen), 1);
    assert_int_equal(totlen, CMSG_HDR_LEN);
    mem_free(p);
}

static void frame_checks_signature_and_length(void **state) {
    (void)state;
    uint8_t head[8] = {'R', 'C', 'm', 'b', 0, 0, 0, 0};
    uint32_t totlen = 0;
    put32(head + 4, CMSG_HDR_LEN - 1);
    assert_int_equal(cmsg_frame(head, 8, &totlen), -1);
    put32(head + 4, 0);
    assert_int_equal(cmsg_frame(head, 8, &totlen), -1);
    put32(head + 4, 16); /* enough for 7.0's processing check, not for its reader */
    assert_int_equal(cmsg_frame(head, 8, &totlen), -1);
    put32(head + 4, CMSG_MAX_LEN);
    assert_int_equal(cmsg_frame(head, 8, &totlen), 1);
    assert_int_equal(totlen, CMSG_MAX_LEN);
    put32(head + 4, CMSG_MAX_LEN + 1);
    assert_int_equal(cmsg_frame(head, 8, &totlen), -1);
    put32(head + 4, UINT32_MAX);
    assert_int_equal(cmsg_frame(head, 8, &totlen), -1);
    put32(head + 4, 2568);
    head[3] = 'B';
    assert_int_equal(cmsg_frame(head, 8, &totlen), -1);
    memcpy(head, "GET ", 4);
    assert_int_equal(cmsg_frame(head, 8, &totlen), -1);
}

/* ---- layout ----------------------------------------------------------------- */

static void header_fields_sit_at_the_contract_offsets(void **state) {
    (void)state;
    cmsg m;
    fill_header(&m, CMSG_MFSTART);
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_int_equal(len, 2256);
    assert_memory_equal(p + 0, "RCmb", 4);
    assert_int_equal(be32(p + 4), 2256);
    assert_int_equal(be16(p + 8), 1);
    assert_int_equal(be16(p + 10), 0x1234);
    assert_int_equal(be16(p + 12), CMSG_MFSTART);
    assert_int_equal(be16(p + 14), 0);
    assert_true(be64(p + 16) == 0x0102030405060708ull);
    assert_true(be64(p + 24) == 0x1112131415161718ull);
    assert_true(be64(p + 32) == 0x2122232425262728ull);
    assert_memory_equal(p + 40, m.sender, 40);
    assert_memory_equal(p + 80, m.slots, 2048);
    assert_memory_equal(p + 2128, m.slaveof, 40);
    assert_memory_equal(p + 2168, "10.0.0.42", 9);
    assert_true(all_zero(p + 2168 + 9, 46 - 9));
    assert_int_equal(be16(p + 2214), 0);
    assert_true(all_zero(p + 2216, 30));
    assert_int_equal(be16(p + 2246), 0x2345);
    assert_int_equal(be16(p + 2248), 0x3456);
    assert_int_equal(be16(p + 2250), CNODE_SLAVE | CNODE_NOFAILOVER);
    assert_int_equal(p[2252], 1);
    assert_int_equal(p[2253], CMSG_MF_PAUSED);
    assert_int_equal(p[2254], 0x5a);
    assert_int_equal(p[2255], 0xa5);
    /* Slot 97 is byte 80 + 12, bit 1. */
    assert_int_equal(p[80 + 12] & 0x02, 0x02);
    mem_free(p);
}

static void gossip_entries_are_104_bytes(void **state) {
    (void)state;
    cmsg_gossip g[2];
    size_t len;
    uint8_t *p = sample_ping(&len, g);
    for (int i = 0; i < 2; i++) {
        const uint8_t *e = p + 2256 + 104 * i;
        assert_memory_equal(e + 0, g[i].name, 40);
        assert_int_equal(be32(e + 40), g[i].ping_sent);
        assert_int_equal(be32(e + 44), g[i].pong_received);
        assert_memory_equal(e + 48, g[i].ip, strlen(g[i].ip));
        assert_true(all_zero(e + 48 + strlen(g[i].ip), 46 - strlen(g[i].ip)));
        assert_int_equal(be16(e + 94), g[i].port);
        assert_int_equal(be16(e + 96), g[i].cport);
        assert_int_equal(be16(e + 98), g[i].flags);
        assert_int_equal(be16(e + 100), g[i].pport);
        assert_int_equal(be16(e + 102), 0);
    }
    assert_int_equal(be16(p + 14), 2);
    mem_free(p);
}

static void hostname_extension_is_padded_to_eight(void **state) {
    (void)state;
    cmsg_gossip g[2];
    size_t len;
    uint8_t *p = sample_ping(&len, g);
    /* "node-a.example" is 14 bytes; with its NUL 15, padded to 16, plus the
     * 8-byte record header. */
    assert_int_equal(len, 2256 + 2 * 104 + 24);
    assert_int_equal(be32(p + 4), len);
    assert_int_equal(p[2253], CMSG_MF_PAUSED | CMSG_MF_EXT_DATA);
    assert_int_equal(be16(p + 2214), 1);
    const uint8_t *ext = p + 2256 + 2 * 104;
    assert_int_equal(be32(ext), 24);
    assert_int_equal(be16(ext + 4), 0);
    assert_int_equal(be16(ext + 6), 0);
    assert_memory_equal(ext + 8, "node-a.example", 14);
    assert_true(all_zero(ext + 8 + 14, 2));
    mem_free(p);

    /* 7 characters + NUL fill exactly 8 bytes; 8 characters need 16. */
    struct {
        char name[16];
        size_t ext;
    } cases[] = {{"a", 16}, {"abcdefg", 16}, {"abcdefgh", 24}, {"abcdefghijklmno", 24}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cmsg m;
        fill_header(&m, CMSG_PONG);
        m.hostname = cases[i].name;
        p = encode_copy(&m, &len);
        assert_int_equal(len, 2256 + cases[i].ext);
        assert_int_equal(be32(p + 2256), cases[i].ext);
        assert_int_equal(p[len - 1], 0);
        mem_free(p);
    }
}

static void empty_hostname_sends_no_extension(void **state) {
    (void)state;
    /* 7.0 writes the extension only for an announced (non-empty) hostname. */
    char empty[1] = "";
    char *names[] = {NULL, empty};
    for (int i = 0; i < 2; i++) {
        cmsg m;
        fill_header(&m, CMSG_MEET);
        m.mflags[0] = CMSG_MF_EXT_DATA; /* the encoder owns this bit */
        m.hostname = names[i];
        size_t len;
        uint8_t *p = encode_copy(&m, &len);
        assert_int_equal(len, 2256);
        assert_int_equal(p[2253], 0);
        assert_int_equal(be16(p + 2214), 0);
        cmsg d;
        decode_ok(p, len, &d);
        assert_null(d.hostname);
        cmsg_release(&d);
        mem_free(p);
    }
}

static void non_ping_types_carry_no_count_or_extensions(void **state) {
    (void)state;
    cmsg_gossip g;
    fill_gossip(&g, 3);
    cmsg m;
    fill_header(&m, CMSG_FAIL);
    m.gossip = &g;
    m.gossip_count = 1;
    m.hostname = (char *)"ignored";
    m.mflags[0] = CMSG_MF_EXT_DATA | CMSG_MF_FORCEACK;
    node_id(m.fail_name, 9);
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_int_equal(len, 2296);
    assert_int_equal(be16(p + 14), 0);
    assert_int_equal(be16(p + 2214), 0);
    assert_int_equal(p[2253], CMSG_MF_FORCEACK);
    assert_memory_equal(p + 2256, m.fail_name, 40);
    mem_free(p);
}

/* ---- the real PONG from the contract ---------------------------------------- */

/* totlen 2568, port 17001, count 3, currentEpoch 8, configEpoch 2, offset
 * 15195, 4096 slots from 6827, no slaveof, no myip, no extensions, pport 0,
 * cport 27001, flags 0x111, state 0; built without the encoder. */
static uint8_t *real_pong(size_t *len) {
    *len = 2568;
    uint8_t *p = mem_calloc(1, *len);
    memcpy(p, "RCmb", 4);
    put32(p + 4, 2568);
    put16(p + 8, 1);
    put16(p + 10, 17001);
    put16(p + 12, 1);
    put16(p + 14, 3);
    put64(p + 16, 8);
    put64(p + 24, 2);
    put64(p + 32, 15195);
    memcpy(p + 40, "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca", 40);
    for (int s = 6827; s < 6827 + 4096; s++) p[80 + s / 8] |= (uint8_t)(1u << (s % 8));
    put16(p + 2248, 27001);
    put16(p + 2250, 0x111);
    static const char *const ids[3] = {"67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1",
                                       "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f",
                                       "824fe116063bc5fcf9f4ffd895bc17aee7731ac3"};
    for (int i = 0; i < 3; i++) {
        uint8_t *e = p + 2256 + 104 * i;
        memcpy(e, ids[i], 40);
        put32(e + 40, 0);
        put32(e + 44, 1795594872u + (uint32_t)i);
        memcpy(e + 48, "127.0.0.1", 9);
        put16(e + 94, (uint16_t)(17002 + i));
        put16(e + 96, (uint16_t)(27002 + i));
        put16(e + 98, i == 2 ? CNODE_SLAVE : CNODE_MASTER);
    }
    return p;
}

static void real_pong_decodes_and_reencodes_identically(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = real_pong(&len);
    uint32_t totlen;
    assert_int_equal(cmsg_frame(p, len, &totlen), 1);
    assert_int_equal(totlen, 2568);

    cmsg m;
    decode_ok(p, len, &m);
    assert_int_equal(m.type, CMSG_PONG);
    assert_int_equal(m.port, 17001);
    assert_int_equal(m.gossip_count, 3);
    assert_true(m.current_epoch == 8);
    assert_true(m.config_epoch == 2);
    assert_true(m.offset == 15195);
    assert_memory_equal(m.sender, "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca", 40);
    assert_int_equal(count_slots(m.slots), 4096);
    assert_false(cmsg_slot_get(m.slots, 6826));
    assert_true(cmsg_slot_get(m.slots, 6827));
    assert_true(cmsg_slot_get(m.slots, 10922));
    assert_false(cmsg_slot_get(m.slots, 10923));
    assert_false(m.has_slaveof);
    assert_string_equal(m.myip, "");
    assert_int_equal(m.pport, 0);
    assert_int_equal(m.cport, 27001);
    assert_int_equal(m.flags, CNODE_MASTER | CNODE_MYSELF | CNODE_MIGRATE_TO);
    assert_int_equal(m.state, 0);
    assert_null(m.hostname);
    assert_string_equal(m.gossip[2].ip, "127.0.0.1");
    assert_int_equal(m.gossip[2].port, 17004);
    assert_int_equal(m.gossip[2].cport, 27004);
    assert_int_equal(m.gossip[2].flags, CNODE_SLAVE);
    assert_int_equal(m.gossip[1].pong_received, 1795594873u);
    assert_memory_equal(m.gossip[0].name, "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1", 40);

    buf b;
    buf_init(&b);
    assert_int_equal(cmsg_encode(&b, &m), 2568);
    assert_memory_equal(b.data, p, len);
    buf_fini(&b);
    cmsg_release(&m);
    mem_free(p);
}

/* ---- round trips ------------------------------------------------------------ */

static void roundtrip_ping_pong_meet(void **state) {
    (void)state;
    const uint16_t types[] = {CMSG_PING, CMSG_PONG, CMSG_MEET};
    for (int t = 0; t < 3; t++) {
        cmsg_gossip g[5];
        for (unsigned i = 0; i < 5; i++) fill_gossip(&g[i], i + 1);
        cmsg m;
        fill_header(&m, types[t]);
        m.gossip = g;
        m.gossip_count = t == 2 ? 0 : 5;
        m.hostname = t == 1 ? NULL : (char *)"host.example.org";
        size_t len;
        uint8_t *p = encode_copy(&m, &len);
        cmsg d;
        decode_ok(p, len, &d);
        assert_header_equal(&m, &d);
        assert_true(d.has_slaveof);
        assert_int_equal(d.gossip_count, m.gossip_count);
        for (int i = 0; i < m.gossip_count; i++) {
            assert_memory_equal(d.gossip[i].name, g[i].name, 40);
            assert_int_equal(d.gossip[i].ping_sent, g[i].ping_sent);
            assert_int_equal(d.gossip[i].pong_received, g[i].pong_received);
            assert_string_equal(d.gossip[i].ip, g[i].ip);
            assert_int_equal(d.gossip[i].port, g[i].port);
            assert_int_equal(d.gossip[i].cport, g[i].cport);
            assert_int_equal(d.gossip[i].flags, g[i].flags);
            assert_int_equal(d.gossip[i].pport, g[i].pport);
        }
        if (m.gossip_count == 0) assert_null(d.gossip);
        if (m.hostname) {
            assert_string_equal(d.hostname, m.hostname);
            assert_int_equal(d.mflags[0] & CMSG_MF_EXT_DATA, CMSG_MF_EXT_DATA);
        } else {
            assert_null(d.hostname);
        }
        cmsg_release(&d);
        cmsg_release(&d); /* idempotent */
        mem_free(p);
    }
}

static void roundtrip_fail(void **state) {
    (void)state;
    cmsg m;
    fill_header(&m, CMSG_FAIL);
    node_id(m.fail_name, 77);
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_int_equal(len, 2296);
    cmsg d;
    decode_ok(p, len, &d);
    assert_header_equal(&m, &d);
    assert_memory_equal(d.fail_name, m.fail_name, 40);
    assert_int_equal(d.gossip_count, 0);
    cmsg_release(&d);
    mem_free(p);
}

static void roundtrip_publish_and_publishshard(void **state) {
    (void)state;
    const uint16_t types[] = {CMSG_PUBLISH, CMSG_PUBLISHSHARD};
    for (int t = 0; t < 2; t++) {
        cmsg m;
        fill_header(&m, types[t]);
        m.channel = (const uint8_t *)"news";
        m.channel_len = 4;
        m.message = (const uint8_t *)"hello\0world";
        m.message_len = 11;
        size_t len;
        uint8_t *p = encode_copy(&m, &len);
        assert_int_equal(len, 2256 + 8 + 4 + 11);
        assert_int_equal(be32(p + 2256), 4);
        assert_int_equal(be32(p + 2260), 11);
        assert_memory_equal(p + 2264, "news", 4);
        assert_memory_equal(p + 2268, "hello\0world", 11);
        cmsg d;
        assert_int_equal(cmsg_decode(p, len, &d, NULL), 0);
        assert_header_equal(&m, &d);
        assert_int_equal(d.channel_len, 4);
        assert_int_equal(d.message_len, 11);
        assert_ptr_equal(d.channel, p + 2264); /* points into the frame */
        assert_ptr_equal(d.message, p + 2268);
        cmsg_release(&d);
        mem_free(p);
    }
    /* Empty channel and message. */
    cmsg m;
    fill_header(&m, CMSG_PUBLISH);
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_int_equal(len, 2264);
    cmsg d;
    decode_ok(p, len, &d);
    assert_int_equal(d.channel_len, 0);
    assert_int_equal(d.message_len, 0);
    cmsg_release(&d);
    mem_free(p);
}

static void roundtrip_header_only_types(void **state) {
    (void)state;
    const uint16_t types[] = {CMSG_AUTH_REQUEST, CMSG_AUTH_ACK, CMSG_MFSTART};
    for (int t = 0; t < 3; t++) {
        cmsg m;
        fill_header(&m, types[t]);
        m.mflags[0] = CMSG_MF_FORCEACK;
        size_t len;
        uint8_t *p = encode_copy(&m, &len);
        assert_int_equal(len, 2256);
        cmsg d;
        decode_ok(p, len, &d);
        assert_header_equal(&m, &d);
        assert_int_equal(d.mflags[0], CMSG_MF_FORCEACK);
        cmsg_release(&d);
        mem_free(p);
    }
}

static void roundtrip_update(void **state) {
    (void)state;
    cmsg m;
    fill_header(&m, CMSG_UPDATE);
    m.update_epoch = 0xdeadbeefcafef00dull;
    node_id(m.update_name, 5);
    for (int s = 100; s < 200; s++) cmsg_slot_set(m.update_slots, s);
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_int_equal(len, 4352);
    assert_true(be64(p + 2256) == 0xdeadbeefcafef00dull);
    assert_memory_equal(p + 2264, m.update_name, 40);
    assert_memory_equal(p + 2304, m.update_slots, 2048);
    cmsg d;
    decode_ok(p, len, &d);
    assert_header_equal(&m, &d);
    assert_true(d.update_epoch == m.update_epoch);
    assert_memory_equal(d.update_name, m.update_name, 40);
    assert_memory_equal(d.update_slots, m.update_slots, 2048);
    assert_int_equal(count_slots(d.update_slots), 100);
    cmsg_release(&d);
    mem_free(p);
}

static void roundtrip_module(void **state) {
    (void)state;
    cmsg m;
    fill_header(&m, CMSG_MODULE);
    const uint8_t id_bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    memcpy(&m.module_id, id_bytes, 8);
    m.module_type = 200;
    m.module_data = (const uint8_t *)"payload";
    m.module_len = 7;
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_int_equal(len, 2256 + 13 + 7);
    assert_memory_equal(p + 2256, id_bytes, 8); /* raw, not byte-swapped */
    assert_int_equal(be32(p + 2264), 7);
    assert_int_equal(p[2268], 200);
    assert_memory_equal(p + 2269, "payload", 7);
    cmsg d;
    assert_int_equal(cmsg_decode(p, len, &d, NULL), 0);
    assert_header_equal(&m, &d);
    assert_true(d.module_id == m.module_id);
    assert_int_equal(d.module_type, 200);
    assert_int_equal(d.module_len, 7);
    assert_ptr_equal(d.module_data, p + 2269);
    cmsg_release(&d);
    mem_free(p);
}

static void unknown_type_decodes_header_only(void **state) {
    (void)state;
    cmsg m;
    fill_header(&m, 42);
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_int_equal(len, 2256);
    cmsg d;
    decode_ok(p, len, &d);
    assert_header_equal(&m, &d);
    cmsg_release(&d);
    mem_free(p);

    /* 7.0 takes any length for a type it does not know. */
    uint8_t *big = mem_calloc(1, 3000);
    memcpy(big, "RCmb", 4);
    put32(big + 4, 3000);
    put16(big + 8, 1);
    put16(big + 12, CMSG_TYPE_COUNT);
    put16(big + 14, 9); /* a count means nothing here */
    decode_ok(big, 3000, &d);
    assert_int_equal(d.type, CMSG_TYPE_COUNT);
    assert_int_equal(d.gossip_count, 0);
    assert_null(d.gossip);
    cmsg_release(&d);
    mem_free(big);
}

static void slaveof_presence_follows_the_bytes(void **state) {
    (void)state;
    cmsg m;
    fill_header(&m, CMSG_AUTH_ACK);
    memset(m.slaveof, 0, sizeof(m.slaveof));
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    assert_true(all_zero(p + 2128, 40));
    cmsg d;
    decode_ok(p, len, &d);
    assert_false(d.has_slaveof);
    p[2128 + 39] = 'x'; /* any non-zero byte makes it a replica's header */
    decode_ok(p, len, &d);
    assert_true(d.has_slaveof);
    cmsg_release(&d);
    mem_free(p);
}

static void ip_fields_are_cut_at_45_characters(void **state) {
    (void)state;
    cmsg_gossip g;
    fill_gossip(&g, 1);
    cmsg m;
    fill_header(&m, CMSG_PING);
    m.gossip = &g;
    m.gossip_count = 1;
    memset(m.myip, 'a', CMSG_IPLEN);
    m.myip[CMSG_IPLEN] = 0;
    memset(g.ip, 'b', CMSG_IPLEN);
    g.ip[CMSG_IPLEN] = 0;
    size_t len;
    uint8_t *p = encode_copy(&m, &len);
    /* The sender leaves the last byte of each field as a terminator. */
    assert_int_equal(p[2168 + 44], 'a');
    assert_int_equal(p[2168 + 45], 0);
    assert_int_equal(p[2256 + 48 + 44], 'b');
    assert_int_equal(p[2256 + 48 + 45], 0);
    /* A peer that fills all 46 bytes, with garbage after a NUL in gossip. */
    p[2168 + 45] = 'z';
    memcpy(p + 2256 + 48, "1.2.3.4\0garbage", 15);
    cmsg d;
    decode_ok(p, len, &d);
    assert_int_equal(strlen(d.myip), 45);
    assert_string_equal(d.gossip[0].ip, "1.2.3.4");
    assert_true(all_zero((const uint8_t *)d.gossip[0].ip + 7, sizeof(d.gossip[0].ip) - 7));
    cmsg_release(&d);
    mem_free(p);
}

static void frames_append_back_to_back(void **state) {
    (void)state;
    buf b;
    buf_init(&b);
    cmsg m;
    fill_header(&m, CMSG_FAIL);
    size_t a = cmsg_encode(&b, &m);
    fill_header(&m, CMSG_MFSTART);
    size_t c = cmsg_encode(&b, &m);
    assert_int_equal(b.len, a + c);
    uint32_t totlen;
    assert_int_equal(cmsg_frame((const uint8_t *)b.data, b.len, &totlen), 1);
    assert_int_equal(totlen, 2296);
    assert_int_equal(cmsg_frame((const uint8_t *)b.data + a, b.len - a, &totlen), 1);
    assert_int_equal(totlen, 2256);
    cmsg d;
    decode_ok((const uint8_t *)b.data + a, c, &d);
    assert_int_equal(d.type, CMSG_MFSTART);
    buf_fini(&b);
}

/* ---- extensions ------------------------------------------------------------- */

/* A PONG with `count` zeroed gossip entries and room for `ext` bytes of
 * extensions after them; EXT_DATA set and `records` announced. */
static uint8_t *ext_frame(size_t *len, unsigned count, size_t ext, uint16_t records) {
    *len = 2256 + count * 104 + ext;
    uint8_t *p = mem_calloc(1, *len);
    memcpy(p, "RCmb", 4);
    put32(p + 4, (uint32_t)*len);
    put16(p + 8, 1);
    put16(p + 12, CMSG_PONG);
    put16(p + 14, (uint16_t)count);
    put16(p + 2214, records);
    p[2253] = CMSG_MF_EXT_DATA;
    return p;
}

static uint8_t *put_ext(uint8_t *at, uint32_t len, uint16_t type, const char *data) {
    put32(at, len);
    put16(at + 4, type);
    if (data) memcpy(at + 8, data, strlen(data));
    return at + len;
}

static void unknown_extensions_are_skipped(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = ext_frame(&len, 1, 48 + 56 + 16, 3);
    uint8_t *e = p + 2256 + 104;
    e = put_ext(e, 48, CMSG_EXT_SHARDID, "0123456789012345678901234567890123456789");
    e = put_ext(e, 56, CMSG_EXT_FORGOTTEN_NODE, NULL);
    put_ext(e, 16, CMSG_EXT_HOSTNAME, "h1");
    cmsg d;
    decode_ok(p, len, &d);
    assert_int_equal(d.gossip_count, 1);
    assert_string_equal(d.hostname, "h1");
    cmsg_release(&d);
    mem_free(p);
}

static void last_hostname_wins(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = ext_frame(&len, 0, 32, 2);
    uint8_t *e = put_ext(p + 2256, 16, CMSG_EXT_HOSTNAME, "first");
    put_ext(e, 16, CMSG_EXT_HOSTNAME, "second");
    cmsg d;
    decode_ok(p, len, &d);
    assert_string_equal(d.hostname, "second");
    cmsg_release(&d);
    mem_free(p);
}

static void empty_hostname_extension_decodes_as_empty(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = ext_frame(&len, 0, 16, 1);
    put_ext(p + 2256, 16, CMSG_EXT_HOSTNAME, "");
    cmsg d;
    decode_ok(p, len, &d);
    assert_non_null(d.hostname);
    assert_string_equal(d.hostname, "");
    cmsg_release(&d);
    mem_free(p);
}

static void extensions_need_the_ext_data_flag(void **state) {
    (void)state;
    /* Without EXT_DATA the extension count is not looked at and the frame
     * must end after the gossip section. */
    size_t len;
    uint8_t *p = ext_frame(&len, 2, 0, 5);
    p[2253] = 0;
    cmsg d;
    decode_ok(p, len, &d);
    assert_null(d.hostname);
    assert_int_equal(d.gossip_count, 2);
    cmsg_release(&d);
    mem_free(p);

    p = ext_frame(&len, 0, 16, 1);
    put_ext(p + 2256, 16, CMSG_EXT_HOSTNAME, "h");
    p[2253] = 0;
    expect_reject(p, len, "needs 2256 bytes, got 2272");
    mem_free(p);

    /* EXT_DATA with no records is fine when nothing follows. */
    p = ext_frame(&len, 1, 0, 0);
    decode_ok(p, len, &d);
    assert_null(d.hostname);
    cmsg_release(&d);
    mem_free(p);
}

/* ---- rejections ------------------------------------------------------------- */

static void rejects_bad_signature(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = real_pong(&len);
    p[0] = 'X';
    expect_reject(p, len, "signature");
    mem_free(p);
}

static void rejects_short_frames_and_totlen_mismatch(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = real_pong(&len);
    expect_reject(p, 0, "shorter");
    expect_reject(p, 8, "shorter");
    expect_reject(p, 2255, "shorter");
    expect_reject(p, len - 1, "totlen 2568");
    put32(p + 4, 2569);
    expect_reject(p, len, "totlen 2569 does not match the 2568-byte frame");
    mem_free(p);
}

static void rejects_other_versions(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = real_pong(&len);
    put16(p + 8, 2);
    expect_reject(p, len, "version 2");
    put16(p + 8, 0);
    expect_reject(p, len, "version 0");
    mem_free(p);
}

static void rejects_gossip_count_overflow(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = real_pong(&len);
    /* The brief's example: 3 entries declared, 2500 bytes sent. */
    uint8_t *shorter = mem_dup(p, 2500);
    put32(shorter + 4, 2500);
    expect_reject(shorter, 2500, "PONG with 3 gossip entries needs 2568 bytes, got 2500");
    mem_free(shorter);
    put16(p + 14, 4);
    expect_reject(p, len, "PONG with 4 gossip entries needs 2672 bytes, got 2568");
    put16(p + 14, 65535);
    expect_reject(p, len, "65535 gossip entries");
    put16(p + 14, 2); /* too few: the extra bytes are not explained */
    expect_reject(p, len, "needs 2464 bytes, got 2568");
    mem_free(p);
}

static void rejects_bad_extension_lengths(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = ext_frame(&len, 1, 16, 1);
    uint8_t *e = p + 2256 + 104;
    const uint32_t bad[] = {4, 0, 7, 12, 9};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put_ext(e, bad[i], 7, NULL);
        expect_reject(p, len, "multiple of 8");
    }
    /* Longer than what is left of the frame. */
    put_ext(e, 24, 7, NULL);
    expect_reject(p, len, "overruns");
    put_ext(e, 0xfffffff8u, CMSG_EXT_HOSTNAME, NULL);
    expect_reject(p, len, "overruns");
    /* 7.0 reads the length as 16 bits; 0x10010 would pass there as 16. */
    put_ext(e, 0x10010, 7, NULL);
    expect_reject(p, len, "overruns");
    mem_free(p);
}

static void rejects_missing_or_extra_extension_records(void **state) {
    (void)state;
    size_t len;
    /* Two announced, one present: the second header lies past the end. */
    uint8_t *p = ext_frame(&len, 0, 16, 2);
    put_ext(p + 2256, 16, CMSG_EXT_HOSTNAME, "abc");
    expect_reject(p, len, "extension 2 of 2 starts at 2272");
    /* One announced, two present: bytes left over. */
    mem_free(p);
    p = ext_frame(&len, 0, 32, 1);
    uint8_t *e = put_ext(p + 2256, 16, CMSG_EXT_HOSTNAME, "abc");
    put_ext(e, 16, 9, NULL);
    expect_reject(p, len, "is 2272 bytes, got 2288");
    mem_free(p);
    /* A record header cut by the end of the frame. */
    p = ext_frame(&len, 0, 4, 1);
    expect_reject(p, len, "past the 2260-byte frame");
    mem_free(p);
}

static void rejects_hostname_without_nul(void **state) {
    (void)state;
    size_t len;
    uint8_t *p = ext_frame(&len, 0, 16, 1);
    put_ext(p + 2256, 16, CMSG_EXT_HOSTNAME, "12345678");
    expect_reject(p, len, "not NUL-terminated");
    mem_free(p);
    /* A header-only HOSTNAME record has no room for a terminator. */
    p = ext_frame(&len, 0, 8, 1);
    put_ext(p + 2256, 8, CMSG_EXT_HOSTNAME, NULL);
    expect_reject(p, len, "not NUL-terminated");
    mem_free(p);
    /* The same bytes under another type are only skipped. */
    p = ext_frame(&len, 0, 16, 1);
    put_ext(p + 2256, 16, 77, "12345678");
    cmsg d;
    decode_ok(p, len, &d);
    assert_null(d.hostname);
    cmsg_release(&d);
    mem_free(p);
}

/* A header-only frame of the given type and total length. */
static uint8_t *typed_frame(uint16_t type, size_t len) {
    uint8_t *p = mem_calloc(1, len);
    memcpy(p, "RCmb", 4);
    put32(p + 4, (uint32_t)len);
    put16(p + 8, 1);
    put16(p + 12, type);
    return p;
}

static void rejects_fixed_size_types_of_the_wrong_length(void **state) {
    (void)state;
    const struct {
        uint16_t type;
        size_t want;
    } cases[] = {{CMSG_FAIL, 2296},    {CMSG_AUTH_REQUEST, 2256}, {CMSG_AUTH_ACK, 2256},
                 {CMSG_MFSTART, 2256}, {CMSG_UPDATE, 4352}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const size_t lens[] = {2256, cases[i].want - 1, cases[i].want + 1, cases[i].want + 8};
        for (size_t j = 0; j < 4; j++) {
            if (lens[j] == cases[i].want || lens[j] < 2256) continue;
            uint8_t *p = typed_frame(cases[i].type, lens[j]);
            char why[64];
            snprintf(why, sizeof(why), "must be %zu bytes, got %zu", cases[i].want, lens[j]);
            expect_reject(p, lens[j], why);
            mem_free(p);
        }
        uint8_t *p = typed_frame(cases[i].type, cases[i].want);
        cmsg d;
        decode_ok(p, cases[i].want, &d);
        mem_free(p);
    }
}

static void rejects_publish_with_wrong_lengths(void **state) {
    (void)state;
    /* Too short to hold the two lengths. */
    for (size_t len = 2256; len < 2264; len++) {
        uint8_t *p = typed_frame(CMSG_PUBLISH, len);
        expect_reject(p, len, "PUBLISH must be 2264 bytes");
        mem_free(p);
    }
    uint8_t *p = typed_frame(CMSG_PUBLISHSHARD, 2264 + 10);
    put32(p + 2256, 4);
    put32(p + 2260, 5);
    expect_reject(p, 2274, "channel 4 and message 5 bytes needs 2273 bytes, got 2274");
    put32(p + 2260, 7);
    expect_reject(p, 2274, "needs 2275 bytes");
    /* Lengths whose 32-bit sum would wrap around to the right total. */
    put32(p + 2256, 0xffffffffu);
    put32(p + 2260, 11);
    expect_reject(p, 2274, "PUBLISHSHARD with channel 4294967295");
    put32(p + 2260, 6);
    put32(p + 2256, 4);
    cmsg d;
    decode_ok(p, 2274, &d);
    assert_int_equal(d.channel_len, 4);
    assert_int_equal(d.message_len, 6);
    mem_free(p);
}

static void rejects_module_with_wrong_lengths(void **state) {
    (void)state;
    for (size_t len = 2256; len < 2269; len++) {
        uint8_t *p = typed_frame(CMSG_MODULE, len);
        expect_reject(p, len, "MODULE must be 2269 bytes");
        mem_free(p);
    }
    uint8_t *p = typed_frame(CMSG_MODULE, 2269 + 3);
    put32(p + 2264, 4);
    expect_reject(p, 2272, "MODULE with a 4-byte payload needs 2273 bytes, got 2272");
    put32(p + 2264, 0xffffffffu);
    expect_reject(p, 2272, "payload needs");
    put32(p + 2264, 3);
    cmsg d;
    decode_ok(p, 2272, &d);
    assert_int_equal(d.module_len, 3);
    mem_free(p);
}

/* Every prefix of a valid frame, with totlen patched to the prefix length so
 * the type's own length rule has to catch it, from an exact-size copy. */
static void check_all_truncations(const uint8_t *p, size_t len) {
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = mem_dup(p, n ? n : 1);
        if (n >= 8) put32(copy + 4, (uint32_t)n);
        cmsg d;
        int rc = cmsg_decode(copy, n, &d, NULL);
        if (rc == 0) fail_msg("prefix of %zu of a %zu-byte frame decoded", n, len);
        assert_null(d.gossip);
        assert_null(d.hostname);
        mem_free(copy);
    }
    cmsg d;
    decode_ok(p, len, &d);
    cmsg_release(&d);
}

static void truncated_frames_never_decode(void **state) {
    (void)state;
    cmsg_gossip g[2];
    size_t len;
    uint8_t *p = sample_ping(&len, g);
    check_all_truncations(p, len);
    mem_free(p);

    const uint16_t types[] = {CMSG_FAIL, CMSG_UPDATE, CMSG_PUBLISH, CMSG_MODULE};
    for (int t = 0; t < 4; t++) {
        cmsg m;
        fill_header(&m, types[t]);
        m.channel = (const uint8_t *)"c";
        m.channel_len = 1;
        m.message = (const uint8_t *)"mmm";
        m.message_len = 3;
        m.module_data = (const uint8_t *)"xy";
        m.module_len = 2;
        p = encode_copy(&m, &len);
        check_all_truncations(p, len);
        mem_free(p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_names_match_redis),
        cmocka_unit_test(slot_bits_are_lsb_first),
        cmocka_unit_test(frame_needs_eight_bytes),
        cmocka_unit_test(frame_checks_signature_and_length),
        cmocka_unit_test(header_fields_sit_at_the_contract_offsets),
        cmocka_unit_test(gossip_entries_are_104_bytes),
        cmocka_unit_test(hostname_extension_is_padded_to_eight),
        cmocka_unit_test(empty_hostname_sends_no_extension),
        cmocka_unit_test(non_ping_types_carry_no_count_or_extensions),
        cmocka_unit_test(real_pong_decodes_and_reencodes_identically),
        cmocka_unit_test(roundtrip_ping_pong_meet),
        cmocka_unit_test(roundtrip_fail),
        cmocka_unit_test(roundtrip_publish_and_publishshard),
        cmocka_unit_test(roundtrip_header_only_types),
        cmocka_unit_test(roundtrip_update),
        cmocka_unit_test(roundtrip_module),
        cmocka_unit_test(unknown_type_decodes_header_only),
        cmocka_unit_test(slaveof_presence_follows_the_bytes),
        cmocka_unit_test(ip_fields_are_cut_at_45_characters),
        cmocka_unit_test(frames_append_back_to_back),
        cmocka_unit_test(unknown_extensions_are_skipped),
        cmocka_unit_test(last_hostname_wins),
        cmocka_unit_test(empty_hostname_extension_decodes_as_empty),
        cmocka_unit_test(extensions_need_the_ext_data_flag),
        cmocka_unit_test(rejects_bad_signature),
        cmocka_unit_test(rejects_short_frames_and_totlen_mismatch),
        cmocka_unit_test(rejects_other_versions),
        cmocka_unit_test(rejects_gossip_count_overflow),
        cmocka_unit_test(rejects_bad_extension_lengths),
        cmocka_unit_test(rejects_missing_or_extra_extension_records),
        cmocka_unit_test(rejects_hostname_without_nul),
        cmocka_unit_test(rejects_fixed_size_types_of_the_wrong_length),
        cmocka_unit_test(rejects_publish_with_wrong_lengths),
        cmocka_unit_test(rejects_module_with_wrong_lengths),
        cmocka_unit_test(truncated_frames_never_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
