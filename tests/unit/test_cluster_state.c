/* Unit tests for cluster_state: the node table, slot ownership, failure
 * reports, the blacklist, and the two text forms that are one format in
 * Redis (CLUSTER NODES lines and nodes.conf) plus the nodes.conf loader.
 *
 * Expected lines are written out in full from the contract's description of
 * the format (field order, flag order, `-` for masters, the master's epoch on
 * replica lines, canonical slot ranges, open slots on the myself line only),
 * never produced by the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/mem.h"
#include "cluster/cluster.h"
#include "cluster/cluster_msg.h"
#include "cluster/cluster_state.h"

#define NOW 1795594910517LL

/* ---- helpers ---------------------------------------------------------------- */

/* A valid node id that sorts by k: 40 hex digits, zero padded. */
static const char *id(unsigned k) {
    static char ring[8][CLUSTER_NAMELEN + 1];
    static int next;
    char *out = ring[next++ % 8];
    snprintf(out, CLUSTER_NAMELEN + 1, "%040x", k);
    return out;
}

static const char *text(const buf *b) { return b->data ? b->data : ""; }

static cnode *add_node(cluster_state *st, unsigned k, uint32_t flags, const char *ip, int port) {
    cnode *n = cnode_new(id(k), flags, NOW);
    snprintf(n->ip, sizeof(n->ip), "%s", ip);
    n->port = port;
    n->cport = port ? port + 10000 : 0;
    cluster_state_add(st, n);
    return n;
}

static void add_range(cluster_state *st, cnode *n, int lo, int hi) {
    for (int s = lo; s <= hi; s++) assert_int_equal(cluster_state_add_slot(st, n, s), 0);
}

static void assert_line(const cluster_state *st, const cnode *n, const char *want) {
    buf b;
    buf_init(&b);
    cluster_node_line(st, n, &b);
    assert_string_equal(text(&b), want);
    buf_fini(&b);
}

/* Replaces the ping-sent and pong-received fields (5th and 6th) of every
 * node line with "T" when non-zero, so texts that differ only in those
 * times compare equal. */
static char *mask_times(const char *in) {
    buf out;
    buf_init(&out);
    const char *p = in;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len >= 5 && strncmp(p, "vars ", 5) == 0) {
            buf_append(&out, p, len);
        } else {
            int field = 0;
            size_t i = 0;
            while (i < len) {
                size_t j = i;
                while (j < len && p[j] != ' ') j++;
                if ((field == 4 || field == 5) && !(j - i == 1 && p[i] == '0'))
                    buf_append_char(&out, 'T');
                else
                    buf_append(&out, p + i, j - i);
                if (j < len) buf_append_char(&out, ' ');
                i = j + 1;
                field++;
            }
        }
        if (eol) buf_append_char(&out, '\n');
        p += len + (eol ? 1 : 0);
    }
    char *s = mem_strndup(text(&out), out.len);
    buf_fini(&out);
    return s;
}

static cluster_state *load_ok(const char *conf) {
    buf err;
    buf_init(&err);
    cluster_state *st = cluster_state_load(conf, strlen(conf), NOW, &err);
    if (st == NULL) fail_msg("load failed: %s", text(&err));
    buf_fini(&err);
    return st;
}

static void assert_load_error(const char *conf, const char *want) {
    buf err;
    buf_init(&err);
    cluster_state *st = cluster_state_load(conf, strlen(conf), NOW, &err);
    if (st != NULL) {
        cluster_state_free(st);
        fail_msg("loaded a bad configuration; expected \"%s\"", want);
    }
    assert_string_equal(text(&err), want);
    buf_fini(&err);
}

/* ---- names ------------------------------------------------------------------- */

static void names_are_forty_lowercase_hex(void **state) {
    (void)state;
    assert_true(cluster_name_valid(id(7), CLUSTER_NAMELEN));
    assert_false(cluster_name_valid(id(7), CLUSTER_NAMELEN - 1));
    assert_false(cluster_name_valid("0123456789ABCDEF0123456789abcdef01234567", CLUSTER_NAMELEN));
    assert_false(cluster_name_valid("0123456789abcdef0123456789abcdef0123456g", CLUSTER_NAMELEN));
    for (int i = 0; i < 20; i++) {
        char name[CLUSTER_NAMELEN];
        cluster_random_name(name);
        assert_true(cluster_name_valid(name, CLUSTER_NAMELEN));
    }
    char a[CLUSTER_NAMELEN], b[CLUSTER_NAMELEN];
    cluster_random_name(a);
    cluster_random_name(b);
    assert_memory_not_equal(a, b, CLUSTER_NAMELEN);
}

/* ---- node lines (compat 3.3) ---------------------------------------------------- */

static void slot_ranges_are_canonical(void **state) {
    (void)state;
    uint8_t bm[CLUSTER_SLOTS / 8];
    buf b;
    buf_init(&b);

    memset(bm, 0, sizeof(bm));
    cluster_slot_ranges(bm, &b);
    assert_string_equal(text(&b), "");

    for (int s = 0; s <= 5460; s++) cmsg_slot_set(bm, s);
    cmsg_slot_set(bm, 5462);
    cluster_slot_ranges(bm, &b);
    assert_string_equal(text(&b), " 0-5460 5462");

    buf_clear(&b);
    memset(bm, 0, sizeof(bm));
    for (int s = 12288; s <= 15014; s++) cmsg_slot_set(bm, s);
    for (int s = 15016; s <= 16380; s++) cmsg_slot_set(bm, s);
    cmsg_slot_set(bm, 16382);
    cluster_slot_ranges(bm, &b);
    assert_string_equal(text(&b), " 12288-15014 15016-16380 16382");

    buf_clear(&b);
    memset(bm, 0xff, sizeof(bm));
    cluster_slot_ranges(bm, &b);
    assert_string_equal(text(&b), " 0-16383");

    buf_clear(&b);
    memset(bm, 0, sizeof(bm));
    cmsg_slot_set(bm, 0);
    cmsg_slot_set(bm, 2);
    cmsg_slot_set(bm, 3);
    cmsg_slot_set(bm, 16383);
    cluster_slot_ranges(bm, &b);
    assert_string_equal(text(&b), " 0 2-3 16383");
    buf_fini(&b);
}

static void fresh_myself_line(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    st->myself->port = 17000;
    st->myself->cport = 27000;
    /* Fresh node: no IP learned yet, no pong, epoch 0, always connected. */
    assert_line(st, st->myself,
                "0000000000000000000000000000000000000001 :17000@27000 myself,master - 0 0 0 connected");
    cluster_state_free(st);
}

static void master_and_replica_lines(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(0x7c), NOW);
    cnode *me = st->myself;
    snprintf(me->ip, sizeof(me->ip), "127.0.0.1");
    me->port = 17000;
    me->cport = 27000;
    me->config_epoch = 1;
    me->pong_received = 1795594910000;
    add_range(st, me, 0, 5460);

    cnode *m = add_node(st, 0x24, CNODE_MASTER, "127.0.0.1", 17001);
    m->config_epoch = 2;
    m->pong_received = 1795594910000;
    add_range(st, m, 5461, 10922);
    cluster_link fake_link = {.established = true};
    m->link = &fake_link;

    cnode *r = add_node(st, 0x95, CNODE_SLAVE, "127.0.0.1", 17005);
    r->config_epoch = 0; /* replicas have no epoch of their own */
    r->pong_received = 1795594910517;
    cnode_set_master(r, m);
    r->link = &fake_link;

    assert_line(st, me,
                "000000000000000000000000000000000000007c 127.0.0.1:17000@27000 myself,master - 0 1795594910000 1 "
                "connected 0-5460");
    assert_line(st, m,
                "0000000000000000000000000000000000000024 127.0.0.1:17001@27001 master - 0 1795594910000 2 "
                "connected 5461-10922");
    /* The replica shows its master's id and its master's epoch. */
    assert_line(st, r,
                "0000000000000000000000000000000000000095 127.0.0.1:17005@27005 slave "
                "0000000000000000000000000000000000000024 0 1795594910517 2 connected");
    m->config_epoch = 9;
    assert_line(st, r,
                "0000000000000000000000000000000000000095 127.0.0.1:17005@27005 slave "
                "0000000000000000000000000000000000000024 0 1795594910517 9 connected");

    /* Without an outbound link a peer is disconnected; myself never is. */
    r->link = NULL;
    r->ping_sent = 1795596088318;
    assert_line(st, r,
                "0000000000000000000000000000000000000095 127.0.0.1:17005@27005 slave "
                "0000000000000000000000000000000000000024 1795596088318 1795594910517 9 disconnected");
    m->link = NULL;
    cluster_state_free(st);
}

static void flags_print_in_fixed_order(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    cnode *n = add_node(st, 2, 0, "10.0.0.2", 7000);
    assert_line(st, n, "0000000000000000000000000000000000000002 10.0.0.2:7000@17000 noflags - 0 0 0 disconnected");

    /* Every printable flag at once, plus the internal MEET and MIGRATE_TO
     * bits, which never show. */
    n->flags = CNODE_NOFAILOVER | CNODE_NOADDR | CNODE_HANDSHAKE | CNODE_FAIL | CNODE_PFAIL | CNODE_SLAVE |
               CNODE_MASTER | CNODE_MEET | CNODE_MIGRATE_TO;
    /* A noaddr node shows no ports to clients (":0@0" once its address is
     * cleared, as in Redis). */
    assert_line(st, n,
                "0000000000000000000000000000000000000002 10.0.0.2:0@0 "
                "master,slave,fail?,fail,handshake,noaddr,nofailover - 0 0 0 disconnected");

    st->myself->flags |= CNODE_PFAIL | CNODE_NOFAILOVER | CNODE_SLAVE;
    st->myself->flags &= ~(uint32_t)CNODE_MASTER;
    assert_line(st, st->myself,
                "0000000000000000000000000000000000000001 :0@0 myself,slave,fail?,nofailover - 0 0 0 connected");

    n->flags = CNODE_MASTER | CNODE_MIGRATE_TO;
    assert_line(st, n, "0000000000000000000000000000000000000002 10.0.0.2:7000@17000 master - 0 0 0 disconnected");
    n->flags = CNODE_MEET;
    assert_line(st, n, "0000000000000000000000000000000000000002 10.0.0.2:7000@17000 noflags - 0 0 0 disconnected");
    cluster_state_free(st);
}

static void noaddr_and_hostname_addresses(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    cnode *m = add_node(st, 0xee, CNODE_MASTER, "127.0.0.1", 17003);
    m->config_epoch = 2;
    /* A node whose address was cleared prints ":0@0". */
    cnode *gone = add_node(st, 0xdb, CNODE_SLAVE | CNODE_NOADDR, "", 0);
    cnode_set_master(gone, m);
    gone->ping_sent = 1795595972942;
    gone->pong_received = 1795595972037;
    assert_line(st, gone,
                "00000000000000000000000000000000000000db :0@0 slave,noaddr 00000000000000000000000000000000000000ee "
                "1795595972942 1795595972037 2 disconnected");

    cnode *h = add_node(st, 0x13, CNODE_MASTER, "127.0.0.1", 17013);
    cnode_set_hostname(h, "host-17013");
    assert_line(st, h,
                "0000000000000000000000000000000000000013 127.0.0.1:17013@27013,host-17013 master - 0 0 0 "
                "disconnected");
    /* An empty hostname is no hostname. */
    cnode_set_hostname(h, "");
    assert_null(h->hostname);
    assert_line(st, h, "0000000000000000000000000000000000000013 127.0.0.1:17013@27013 master - 0 0 0 disconnected");
    cnode_set_hostname(h, "a");
    cnode_set_hostname(h, NULL);
    assert_null(h->hostname);
    cluster_state_free(st);
}

static void open_slots_show_on_myself_only(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(0x9a), NOW);
    cnode *me = st->myself;
    snprintf(me->ip, sizeof(me->ip), "127.0.0.1");
    me->port = 17002;
    me->cport = 27002;
    me->config_epoch = 3;
    add_range(st, me, 12288, 16383);
    cnode *dst = add_node(st, 0xbf, CNODE_MASTER, "127.0.0.1", 17006);
    dst->config_epoch = 8;
    add_range(st, dst, 0, 1364);
    cnode *src = add_node(st, 0x11, CNODE_MASTER, "127.0.0.1", 17007);

    st->migrating_to[15015] = dst;
    st->importing_from[100] = src;
    st->importing_from[20] = dst;
    /* Ascending slot order, migrating and importing interleaved, after the
     * ranges. */
    assert_line(st, me,
                "000000000000000000000000000000000000009a 127.0.0.1:17002@27002 myself,master - 0 0 3 connected "
                "12288-16383 [20-<-00000000000000000000000000000000000000bf] "
                "[100-<-0000000000000000000000000000000000000011] "
                "[15015->-00000000000000000000000000000000000000bf]");
    /* The peers' lines never carry the open slots of this node's table. */
    assert_line(st, dst,
                "00000000000000000000000000000000000000bf 127.0.0.1:17006@27006 master - 0 0 8 disconnected 0-1364");
    assert_line(st, src, "0000000000000000000000000000000000000011 127.0.0.1:17007@27007 master - 0 0 0 disconnected");
    cluster_state_free(st);
}

static void nodes_text_and_conf_text(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    st->myself->port = 7000;
    st->myself->cport = 17000;
    cnode *hs = add_node(st, 2, CNODE_HANDSHAKE | CNODE_MEET, "10.0.0.2", 7001);
    (void)hs;
    add_node(st, 3, CNODE_MASTER, "10.0.0.3", 7002);
    st->current_epoch = 6;
    st->last_vote_epoch = 4;

    buf b;
    buf_init(&b);
    cluster_nodes_text(st, false, &b);
    /* CLUSTER NODES: every node, LF after each line including the last. */
    assert_string_equal(text(&b),
                        "0000000000000000000000000000000000000001 :7000@17000 myself,master - 0 0 0 connected\n"
                        "0000000000000000000000000000000000000002 10.0.0.2:7001@17001 handshake - 0 0 0 disconnected\n"
                        "0000000000000000000000000000000000000003 10.0.0.3:7002@17002 master - 0 0 0 disconnected\n");
    buf_clear(&b);
    /* nodes.conf: no handshake nodes, then the vars line. */
    cluster_conf_text(st, &b);
    assert_string_equal(text(&b),
                        "0000000000000000000000000000000000000001 :7000@17000 myself,master - 0 0 0 connected\n"
                        "0000000000000000000000000000000000000003 10.0.0.3:7002@17002 master - 0 0 0 disconnected\n"
                        "vars currentEpoch 6 lastVoteEpoch 4\n");
    buf_fini(&b);
    cluster_state_free(st);
}

/* ---- nodes.conf round trip ------------------------------------------------------- */

/* A table with every kind of line: masters with ranges and single slots,
 * replicas (one nofailover), PFAIL and FAIL nodes, a noaddr node, a
 * hostname, open slots in both directions and a handshake node (which the
 * file leaves out). */
static cluster_state *rich_state(void) {
    cluster_state *st = cluster_state_new(id(0x50), NOW);
    cnode *me = st->myself;
    snprintf(me->ip, sizeof(me->ip), "127.0.0.1");
    me->port = 17000;
    me->cport = 27000;
    me->config_epoch = 4;
    me->pong_received = 0;
    add_range(st, me, 0, 5460);
    assert_int_equal(cluster_state_add_slot(st, me, 5462), 0);
    cnode_set_hostname(me, "host-a");

    cnode *m2 = add_node(st, 0x20, CNODE_MASTER, "127.0.0.1", 17001);
    m2->config_epoch = 2;
    m2->pong_received = NOW - 300;
    add_range(st, m2, 5463, 10922);
    assert_int_equal(cluster_state_add_slot(st, m2, 5461), 0);

    cnode *m3 = add_node(st, 0x30, CNODE_MASTER | CNODE_FAIL, "127.0.0.1", 17002);
    m3->config_epoch = 3;
    m3->ping_sent = NOW - 9000;
    m3->pong_received = NOW - 12000;
    add_range(st, m3, 10923, 16383);

    cnode *r1 = add_node(st, 0x41, CNODE_SLAVE, "127.0.0.1", 17003);
    cnode_set_master(r1, me);
    r1->pong_received = NOW - 100;
    cnode *r2 = add_node(st, 0x42, CNODE_SLAVE | CNODE_NOFAILOVER | CNODE_PFAIL, "::1", 17004);
    cnode_set_master(r2, m2);
    r2->ping_sent = NOW - 3000;
    cnode_set_hostname(r2, "replica-two.example");
    cnode *r3 = add_node(st, 0x43, CNODE_SLAVE | CNODE_NOADDR, "", 0);
    cnode_set_master(r3, m3);
    add_node(st, 0x99, CNODE_HANDSHAKE | CNODE_MEET, "127.0.0.1", 17009);

    st->migrating_to[5462] = m2;
    st->importing_from[16383] = m3;
    st->current_epoch = 7;
    st->last_vote_epoch = 5;
    return st;
}

static void conf_round_trip_is_identical(void **state) {
    (void)state;
    cluster_state *st = rich_state();
    buf first, second;
    buf_init(&first);
    buf_init(&second);
    cluster_conf_text(st, &first);

    cluster_state *back = load_ok(text(&first));
    cluster_conf_text(back, &second);
    /* Non-zero ping and pong times load as "now"; everything else must come
     * back byte for byte. */
    char *a = mask_times(text(&first));
    char *b = mask_times(text(&second));
    assert_string_equal(a, b);
    mem_free(a);
    mem_free(b);
    assert_int_equal(back->num_nodes, st->num_nodes - 1); /* handshake left out */

    /* The loaded table is the same table, not only the same text. */
    cnode *me = back->myself;
    assert_non_null(me);
    assert_memory_equal(me->name, id(0x50), CLUSTER_NAMELEN);
    assert_true(me->flags & CNODE_MYSELF);
    assert_int_equal(back->current_epoch, 7);
    assert_int_equal(back->last_vote_epoch, 5);
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (st->slots[s] == NULL) {
            assert_null(back->slots[s]);
            continue;
        }
        assert_non_null(back->slots[s]);
        assert_memory_equal(back->slots[s]->name, st->slots[s]->name, CLUSTER_NAMELEN);
    }
    assert_memory_equal(back->migrating_to[5462]->name, id(0x20), CLUSTER_NAMELEN);
    assert_memory_equal(back->importing_from[16383]->name, id(0x30), CLUSTER_NAMELEN);
    assert_int_equal(cluster_state_count_slots_assigned(back), CLUSTER_SLOTS);
    assert_int_equal(me->num_slots, 5462);

    cnode *m2 = cluster_state_find(back, id(0x20), CLUSTER_NAMELEN);
    cnode *m3 = cluster_state_find(back, id(0x30), CLUSTER_NAMELEN);
    cnode *r1 = cluster_state_find(back, id(0x41), CLUSTER_NAMELEN);
    cnode *r2 = cluster_state_find(back, id(0x42), CLUSTER_NAMELEN);
    cnode *r3 = cluster_state_find(back, id(0x43), CLUSTER_NAMELEN);
    assert_true(m2 && m3 && r1 && r2 && r3);
    assert_ptr_equal(r1->master, me);
    assert_ptr_equal(r2->master, m2);
    assert_ptr_equal(r3->master, m3);
    assert_int_equal(me->num_replicas, 1);
    assert_ptr_equal(me->replicas[0], r1);
    /* Replicas load without an epoch of their own (the line shows the
     * master's). */
    assert_int_equal(r1->config_epoch, 0);
    assert_int_equal(r2->config_epoch, 0);
    assert_int_equal(m3->config_epoch, 3);
    /* FAIL gets a fresh fail time; times load as now. */
    assert_int_equal(m3->fail_time, NOW);
    assert_int_equal(m3->ping_sent, NOW);
    assert_int_equal(m3->pong_received, NOW);
    assert_int_equal(me->pong_received, 0);
    assert_int_equal(m2->ping_sent, 0);
    assert_string_equal(r2->hostname, "replica-two.example");
    assert_string_equal(r2->ip, "::1");
    assert_int_equal(r2->cport, 27004);
    assert_true(r2->flags & CNODE_NOFAILOVER);
    assert_true(r2->flags & CNODE_PFAIL);
    assert_true(r3->flags & CNODE_NOADDR);
    assert_string_equal(me->hostname, "host-a");
    /* Links are not part of the file. */
    assert_null(m2->link);

    buf_fini(&first);
    buf_fini(&second);
    cluster_state_free(back);
    cluster_state_free(st);
}

static void observed_redis_conf_loads(void **state) {
    (void)state;
    /* Lines a 7.0 node wrote (compat 3.3 / 7.13), with the vars line
     * first: it may appear anywhere. */
    const char *conf =
        "vars currentEpoch 8 lastVoteEpoch 0\n"
        "24ddf3d58ff697a83548afb06283785626188b9e 127.0.0.1:17001@27001 master - 0 1795594910000 2 connected "
        "5461-10922\n"
        "95592ed7a8da57e8e74a109e0fd9f0b97a03d11d 127.0.0.1:17005@27005 slave "
        "24ddf3d58ff697a83548afb06283785626188b9e 0 1795594910517 2 connected\n"
        "9a188f9dacb0d21cf5056dddd3afaca01f686fcd 127.0.0.1:17002@27002 myself,master - 0 1795595051000 3 "
        "connected 12288-16383 [15015->-bfc2d65f8c9e18fa4b4d79ad95a5284ba725c273]\n"
        "bfc2d65f8c9e18fa4b4d79ad95a5284ba725c273 127.0.0.1:17006@27006 master - 0 1795595051000 8 connected "
        "0-1364 5461-6826\n";
    assert_load_error(conf, "line 5: slot claimed by two nodes");

    const char *ok =
        "24ddf3d58ff697a83548afb06283785626188b9e 127.0.0.1:17001@27001 master - 0 1795594910000 2 connected "
        "5461-10922\n"
        "vars currentEpoch 8 lastVoteEpoch 0\n"
        "95592ed7a8da57e8e74a109e0fd9f0b97a03d11d 127.0.0.1:17005@27005 slave "
        "24ddf3d58ff697a83548afb06283785626188b9e 0 1795594910517 2 connected\n"
        "9a188f9dacb0d21cf5056dddd3afaca01f686fcd 127.0.0.1:17002@27002 myself,master - 0 1795595051000 3 "
        "connected 12288-16383 [15015->-bfc2d65f8c9e18fa4b4d79ad95a5284ba725c273]\n"
        "bfc2d65f8c9e18fa4b4d79ad95a5284ba725c273 127.0.0.1:17006@27006 master - 0 1795595051000 8 connected "
        "0-1364\n";
    cluster_state *st = load_ok(ok);
    assert_int_equal(st->current_epoch, 8);
    assert_int_equal(st->num_nodes, 4);
    assert_memory_equal(st->myself->name, "9a188f9dacb0d21cf5056dddd3afaca01f686fcd", CLUSTER_NAMELEN);
    assert_memory_equal(st->migrating_to[15015]->name, "bfc2d65f8c9e18fa4b4d79ad95a5284ba725c273",
                        CLUSTER_NAMELEN);
    buf b;
    buf_init(&b);
    cluster_node_line(st, st->myself, &b);
    assert_string_equal(text(&b), "9a188f9dacb0d21cf5056dddd3afaca01f686fcd 127.0.0.1:17002@27002 myself,master - 0 "
                                  "1795594910517 3 connected 12288-16383 "
                                  "[15015->-bfc2d65f8c9e18fa4b4d79ad95a5284ba725c273]");
    buf_clear(&b);
    cnode *r = cluster_state_find(st, "95592ed7a8da57e8e74a109e0fd9f0b97a03d11d", CLUSTER_NAMELEN);
    cluster_node_line(st, r, &b);
    assert_string_equal(text(&b), "95592ed7a8da57e8e74a109e0fd9f0b97a03d11d 127.0.0.1:17005@27005 slave "
                                  "24ddf3d58ff697a83548afb06283785626188b9e 0 1795594910517 2 disconnected");
    buf_fini(&b);
    cluster_state_free(st);
}

/* ---- loader edge cases (compat 7.13) ---------------------------------------------- */

#define ME "0000000000000000000000000000000000000001"
#define N2 "0000000000000000000000000000000000000002"
#define N3 "0000000000000000000000000000000000000003"
#define MYLINE ME " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100\n"

static void vars_line_may_come_anywhere(void **state) {
    (void)state;
    const char *conf = N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected 200\n"
                          "vars lastVoteEpoch 3 currentEpoch 5\n" MYLINE;
    cluster_state *st = load_ok(conf);
    assert_int_equal(st->current_epoch, 5);
    assert_int_equal(st->last_vote_epoch, 3);
    cluster_state_free(st);

    /* Unknown variables are skipped; a name without a value is an error. */
    st = load_ok(MYLINE "vars currentEpoch 5 futureVar 9 lastVoteEpoch 1\n");
    assert_int_equal(st->current_epoch, 5);
    assert_int_equal(st->last_vote_epoch, 1);
    cluster_state_free(st);
    assert_load_error(MYLINE "vars currentEpoch\n", "line 2: vars line has a name without a value");
    assert_load_error("vars currentEpoch x\n" MYLINE, "line 1: invalid vars value");
}

static void current_epoch_is_at_least_the_max_config_epoch(void **state) {
    (void)state;
    /* A hand-edited file whose currentEpoch lags a configEpoch: the next
     * election would reuse an epoch some master already owns. */
    cluster_state *st = load_ok(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 9 connected 200\n"
                                          "vars currentEpoch 4 lastVoteEpoch 0\n");
    assert_int_equal(st->current_epoch, 9);
    cluster_state_free(st);
    st = load_ok(MYLINE);
    assert_int_equal(st->current_epoch, 1);
    cluster_state_free(st);
}

static void address_forms(void **state) {
    (void)state;
    /* Older files have no @cport: it is port + 10000. */
    cluster_state *st = load_ok(ME " 127.0.0.1:7000 myself,master - 0 0 1 connected\n" N2
                                   " 10.1.2.3:7001,node-two.example master - 0 0 2 connected\n" N3
                                   " ::1:7002@7777,h3 master - 0 0 3 connected\n");
    assert_int_equal(st->myself->port, 7000);
    assert_int_equal(st->myself->cport, 17000);
    assert_null(st->myself->hostname);
    cnode *n2 = cluster_state_find(st, N2, CLUSTER_NAMELEN);
    assert_string_equal(n2->ip, "10.1.2.3");
    assert_int_equal(n2->port, 7001);
    assert_int_equal(n2->cport, 17001);
    assert_string_equal(n2->hostname, "node-two.example");
    cnode *n3 = cluster_state_find(st, N3, CLUSTER_NAMELEN);
    assert_string_equal(n3->ip, "::1");
    assert_int_equal(n3->port, 7002);
    assert_int_equal(n3->cport, 7777);
    assert_string_equal(n3->hostname, "h3");
    buf b;
    buf_init(&b);
    cluster_node_line(st, n2, &b);
    assert_string_equal(text(&b), N2 " 10.1.2.3:7001@17001,node-two.example master - 0 0 2 disconnected");
    buf_fini(&b);
    cluster_state_free(st);

    assert_load_error(MYLINE N2 " 127.0.0.1 master - 0 0 2 connected\n", "line 2: invalid address");
    assert_load_error(MYLINE N2 " 127.0.0.1:70000@17001 master - 0 0 2 connected\n", "line 2: invalid address");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@x master - 0 0 2 connected\n", "line 2: invalid address");
}

static void open_slots_are_restored(void **state) {
    (void)state;
    cluster_state *st = load_ok(ME " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100 [5->-" N2
                                   "] [16383-<-" N3 "]\n" N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected\n");
    cnode *n2 = cluster_state_find(st, N2, CLUSTER_NAMELEN);
    cnode *n3 = cluster_state_find(st, N3, CLUSTER_NAMELEN);
    assert_ptr_equal(st->migrating_to[5], n2);
    assert_ptr_equal(st->importing_from[16383], n3);
    assert_null(st->migrating_to[16383]);
    assert_null(st->importing_from[5]);
    /* N3 is only named by the open slot: known, but without an address. */
    assert_non_null(n3);
    assert_true(n3->flags & CNODE_NOADDR);
    assert_false(n2->flags & CNODE_NOADDR);
    /* The open slot's own bit is only what the ranges say. */
    assert_ptr_equal(st->slots[5], st->myself);
    assert_null(st->slots[16383]);
    cluster_state_free(st);

    assert_load_error(ME " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected [16384->-" N2 "]\n",
                      "line 1: invalid open slot");
    assert_load_error(ME " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected [5->-" N2 "\n",
                      "line 1: invalid open slot");
    assert_load_error(ME " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected [5-=-" N2 "]\n",
                      "line 1: invalid open slot");
    assert_load_error(ME " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected [5->-00ff]\n",
                      "line 1: invalid open slot");
}

static void exactly_one_myself(void **state) {
    (void)state;
    assert_load_error(N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected\n", "no node is flagged myself");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 myself,master - 0 0 2 connected\n",
                      "line 2: more than one node is flagged myself");
}

static void unknown_flag_is_fatal_with_line_number(void **state) {
    (void)state;
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master,bogus - 0 0 2 connected\n", "line 2: unknown flag");
    /* The number is the line in the file, blank lines included, so an
     * operator can find it. */
    assert_load_error("\n" MYLINE "\n" N2 " 127.0.0.1:7001@17001 master,fail,x - 0 0 2 connected\n",
                      "line 4: unknown flag");
    /* noflags is a flag word, not an error. */
    cluster_state *st = load_ok(MYLINE N2 " 127.0.0.1:7001@17001 noflags - 0 0 0 connected\n");
    assert_int_equal(cluster_state_find(st, N2, CLUSTER_NAMELEN)->flags, 0);
    cluster_state_free(st);
}

static void too_few_fields_and_bad_ids(void **state) {
    (void)state;
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2\n",
                      "line 2: a node line needs at least 8 fields");
    assert_load_error("000000000000000000000000000000000000001 127.0.0.1:7000@17000 myself,master - 0 0 1 connected\n",
                      "line 1: invalid node id");
    assert_load_error("000000000000000000000000000000000000000G 127.0.0.1:7000@17000 myself,master - 0 0 1 "
                      "connected\n",
                      "line 1: invalid node id");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 slave 12345 0 0 2 connected\n", "line 2: invalid master id");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 slave " N2 " 0 0 2 connected\n", "line 2: invalid master id");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - x 0 2 connected\n",
                      "line 2: invalid ping, pong or epoch field");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 -2 connected\n",
                      "line 2: invalid ping, pong or epoch field");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 linked\n", "line 2: invalid link state");
}

static void bad_slot_ranges(void **state) {
    (void)state;
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected 300-200\n",
                      "line 2: invalid slot range");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected 200-16384\n",
                      "line 2: invalid slot range");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected a-b\n",
                      "line 2: invalid slot range");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected 16384\n", "line 2: invalid slot");
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected 7x\n", "line 2: invalid slot");
    /* MYLINE owns 0-100. */
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected 100-200\n",
                      "line 2: slot claimed by two nodes");
    /* Overlap with itself is harmless. */
    cluster_state *st = load_ok(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected 200-300 250 16383\n");
    cnode *n2 = cluster_state_find(st, N2, CLUSTER_NAMELEN);
    assert_int_equal(n2->num_slots, 102);
    assert_ptr_equal(st->slots[16383], n2);
    cluster_state_free(st);
}

static void duplicate_id_is_refused(void **state) {
    (void)state;
    assert_load_error(MYLINE N2 " 127.0.0.1:7001@17001 master - 0 0 2 connected\n" N2
                                " 127.0.0.1:7002@17002 master - 0 0 3 connected\n",
                      "line 3: duplicate node id");
    assert_load_error(MYLINE MYLINE, "line 2: duplicate node id");
}

static void master_named_before_its_line(void **state) {
    (void)state;
    /* A replica may come before its master: the master is created from the
     * reference and filled in by its own line. */
    cluster_state *st = load_ok(N3 " 127.0.0.1:7002@17002 slave " N2 " 0 0 2 connected\n" MYLINE N2
                                   " 127.0.0.1:7001@17001 master - 0 0 2 connected 200\n");
    cnode *n2 = cluster_state_find(st, N2, CLUSTER_NAMELEN);
    cnode *n3 = cluster_state_find(st, N3, CLUSTER_NAMELEN);
    assert_int_equal(st->num_nodes, 3);
    assert_ptr_equal(n3->master, n2);
    assert_int_equal(n2->num_replicas, 1);
    assert_int_equal(n2->flags, CNODE_MASTER | CNODE_MIGRATE_TO);
    assert_string_equal(n2->ip, "127.0.0.1");
    cluster_state_free(st);

    /* A master never listed stays known without an address. */
    st = load_ok(MYLINE N3 " 127.0.0.1:7002@17002 slave " N2 " 0 0 2 connected\n");
    n2 = cluster_state_find(st, N2, CLUSTER_NAMELEN);
    assert_non_null(n2);
    assert_true(n2->flags & CNODE_NOADDR);
    buf b;
    buf_init(&b);
    cluster_node_line(st, n2, &b);
    assert_string_equal(text(&b), N2 " :0@0 noaddr - 0 0 0 disconnected");
    buf_fini(&b);
    cluster_state_free(st);
}

static void replica_without_master_keeps_its_epoch(void **state) {
    (void)state;
    /* A replica line with "-" shows the node's own epoch, so that is what
     * must load back. */
    cluster_state *st = load_ok(MYLINE N2 " 127.0.0.1:7001@17001 slave - 0 0 5 connected\n");
    cnode *n2 = cluster_state_find(st, N2, CLUSTER_NAMELEN);
    assert_int_equal(n2->config_epoch, 5);
    buf b;
    buf_init(&b);
    cluster_node_line(st, n2, &b);
    assert_string_equal(text(&b), N2 " 127.0.0.1:7001@17001 slave - 0 0 5 disconnected");
    buf_fini(&b);
    cluster_state_free(st);
}

static void empty_and_blank_text(void **state) {
    (void)state;
    /* The caller treats a zero-length file as "no configuration" and never
     * calls the loader; text with no node line is a broken file. */
    assert_load_error("", "no node is flagged myself");
    assert_load_error("\n\n\r\n", "no node is flagged myself");
    assert_load_error("vars currentEpoch 0 lastVoteEpoch 0\n", "no node is flagged myself");
    /* CRLF line ends and blank lines are tolerated. */
    cluster_state *st = load_ok("\r\n" ME " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100\r\n\n");
    assert_int_equal(st->myself->num_slots, 101);
    cluster_state_free(st);
}

/* ---- failure reports -------------------------------------------------------------- */

static void failure_reports(void **state) {
    (void)state;
    cnode *n = cnode_new(id(1), CNODE_MASTER, NOW);
    cnode *a = cnode_new(id(2), CNODE_MASTER, NOW);
    cnode *b = cnode_new(id(3), CNODE_MASTER, NOW);
    cnode *c = cnode_new(id(4), CNODE_MASTER, NOW);

    assert_true(cnode_add_report(n, a, NOW));
    assert_true(cnode_add_report(n, b, NOW + 100));
    /* A second report from the same node refreshes its time. */
    assert_false(cnode_add_report(n, a, NOW + 500));
    assert_int_equal(n->num_reports, 2);
    assert_int_equal(cnode_count_reports(n, NOW + 500, 4000), 2);

    /* Expiry: strictly older than max_age goes. a was refreshed at +500. */
    assert_int_equal(cnode_count_reports(n, NOW + 4100, 4000), 2);
    assert_int_equal(cnode_count_reports(n, NOW + 4101, 4000), 1);
    assert_ptr_equal(n->reports[0].reporter, a);
    assert_int_equal(cnode_count_reports(n, NOW + 4500, 4000), 1);
    assert_int_equal(cnode_count_reports(n, NOW + 4501, 4000), 0);

    /* Delete: only an existing report. */
    assert_true(cnode_add_report(n, c, NOW));
    assert_true(cnode_add_report(n, a, NOW));
    assert_true(cnode_add_report(n, b, NOW));
    assert_false(cnode_del_report(n, n));
    assert_true(cnode_del_report(n, a));
    assert_false(cnode_del_report(n, a));
    assert_int_equal(n->num_reports, 2);
    assert_true(cnode_del_report(n, c));
    assert_ptr_equal(n->reports[0].reporter, b);
    /* Many reporters grow the array. */
    cnode *many[20];
    for (int i = 0; i < 20; i++) {
        many[i] = cnode_new(id(100u + (unsigned)i), CNODE_MASTER, NOW);
        assert_true(cnode_add_report(n, many[i], NOW + i));
    }
    assert_int_equal(cnode_count_reports(n, NOW + 19, 100), 21);
    assert_int_equal(cnode_count_reports(n, NOW + 110, 100), 10);
    for (int i = 0; i < 20; i++) cnode_free(many[i]);
    cnode_free(n);
    cnode_free(a);
    cnode_free(b);
    cnode_free(c);
}

/* ---- blacklist -------------------------------------------------------------------- */

static void blacklist_expires(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    cluster_state_blacklist_add(st, id(2), NOW, 60000);
    cluster_state_blacklist_add(st, id(3), NOW + 1000, 60000);
    assert_true(cluster_state_blacklisted(st, id(2), NOW + 1));
    assert_true(cluster_state_blacklisted(st, id(2), NOW + 60000));
    assert_false(cluster_state_blacklisted(st, id(4), NOW + 1));
    assert_false(cluster_state_blacklisted(st, id(2), NOW + 60001));
    assert_true(cluster_state_blacklisted(st, id(3), NOW + 60001));
    assert_int_equal(st->num_blacklist, 1);
    /* Adding again extends the entry. */
    cluster_state_blacklist_add(st, id(3), NOW + 30000, 60000);
    assert_int_equal(st->num_blacklist, 1);
    assert_true(cluster_state_blacklisted(st, id(3), NOW + 90000));
    assert_false(cluster_state_blacklisted(st, id(3), NOW + 90001));
    assert_int_equal(st->num_blacklist, 0);
    for (unsigned i = 0; i < 10; i++) cluster_state_blacklist_add(st, id(10 + i), NOW, 1000);
    assert_int_equal(st->num_blacklist, 10);
    assert_true(cluster_state_blacklisted(st, id(19), NOW + 1000));
    assert_false(cluster_state_blacklisted(st, id(19), NOW + 1001));
    assert_int_equal(st->num_blacklist, 0);
    cluster_state_free(st);
}

/* ---- replicas ---------------------------------------------------------------------- */

static void set_master_bookkeeping(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    cnode *a = add_node(st, 2, CNODE_MASTER, "10.0.0.2", 7001);
    cnode *b = add_node(st, 3, CNODE_MASTER, "10.0.0.3", 7002);
    cnode *r1 = add_node(st, 4, CNODE_SLAVE, "10.0.0.4", 7003);
    cnode *r2 = add_node(st, 5, CNODE_SLAVE, "10.0.0.5", 7004);

    assert_false(a->flags & CNODE_MIGRATE_TO);
    cnode_set_master(r1, a);
    cnode_set_master(r1, a); /* no duplicate */
    cnode_set_master(r2, a);
    assert_ptr_equal(r1->master, a);
    assert_int_equal(a->num_replicas, 2);
    /* A master that got a replica becomes a replica-migration target. */
    assert_true(a->flags & CNODE_MIGRATE_TO);
    assert_int_equal(cnode_count_ok_replicas(a), 2);
    r2->flags |= CNODE_PFAIL;
    assert_int_equal(cnode_count_ok_replicas(a), 1);
    r1->flags |= CNODE_FAIL;
    assert_int_equal(cnode_count_ok_replicas(a), 0);
    r1->flags &= ~(uint32_t)CNODE_FAIL;
    r2->flags &= ~(uint32_t)CNODE_PFAIL;

    cnode_set_master(r1, b);
    assert_int_equal(a->num_replicas, 1);
    assert_ptr_equal(a->replicas[0], r2);
    assert_int_equal(b->num_replicas, 1);
    assert_true(a->flags & CNODE_MIGRATE_TO);
    /* The last replica leaving clears the flag. */
    cnode_set_master(r2, NULL);
    assert_null(r2->master);
    assert_int_equal(a->num_replicas, 0);
    assert_false(a->flags & CNODE_MIGRATE_TO);

    /* Many replicas: the array grows and stays consistent. */
    cnode *rs[9];
    for (int i = 0; i < 9; i++) {
        rs[i] = add_node(st, 20u + (unsigned)i, CNODE_SLAVE, "10.0.1.1", 8000 + i);
        cnode_set_master(rs[i], b);
    }
    assert_int_equal(b->num_replicas, 10);
    cnode_set_master(rs[4], NULL);
    assert_int_equal(b->num_replicas, 9);
    for (int i = 0; i < b->num_replicas; i++) assert_ptr_not_equal(b->replicas[i], rs[4]);
    cluster_state_free(st);
}

/* ---- the table ---------------------------------------------------------------------- */

static void slots_and_table_queries(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    cnode *me = st->myself;
    cnode *a = add_node(st, 2, CNODE_MASTER, "10.0.0.2", 7001);
    cnode *r = add_node(st, 3, CNODE_SLAVE, "10.0.0.3", 7002);
    cnode_set_master(r, a);

    assert_int_equal(cluster_state_add_slot(st, me, 10), 0);
    assert_int_equal(cluster_state_add_slot(st, a, 10), -1);
    assert_ptr_equal(st->slots[10], me);
    assert_true(cnode_has_slot(me, 10));
    assert_false(cnode_has_slot(a, 10));
    assert_int_equal(cluster_state_del_slot(st, 11), -1);
    assert_int_equal(cluster_state_del_slot(st, 10), 0);
    assert_false(cnode_has_slot(me, 10));
    assert_int_equal(me->num_slots, 0);
    assert_int_equal(cluster_state_size(st), 0);

    add_range(st, me, 0, 99);
    add_range(st, a, 100, 199);
    assert_int_equal(cluster_state_count_slots_assigned(st), 200);
    assert_int_equal(cluster_state_size(st), 2);
    assert_int_equal(cluster_state_del_node_slots(st, a), 100);
    assert_int_equal(a->num_slots, 0);
    assert_int_equal(cluster_state_size(st), 1);
    assert_int_equal(cluster_state_count_slots_assigned(st), 100);

    me->config_epoch = 3;
    a->config_epoch = 3;
    r->config_epoch = 7; /* replicas do not count for collisions */
    st->current_epoch = 5;
    assert_true(cluster_state_epoch_collides(st, me));
    a->config_epoch = 4;
    assert_false(cluster_state_epoch_collides(st, me));
    assert_int_equal(cluster_state_max_epoch(st), 7);
    r->config_epoch = 0;
    assert_int_equal(cluster_state_max_epoch(st), 5);

    assert_ptr_equal(cluster_state_find(st, id(2), CLUSTER_NAMELEN), a);
    assert_null(cluster_state_find(st, id(2), CLUSTER_NAMELEN - 1));
    assert_null(cluster_state_find(st, id(9), CLUSTER_NAMELEN));
    cluster_state_rename(st, a, id(9));
    assert_ptr_equal(cluster_state_find(st, id(9), CLUSTER_NAMELEN), a);
    assert_null(cluster_state_find(st, id(2), CLUSTER_NAMELEN));
    cluster_state_free(st);
}

static void del_cleans_every_reference(void **state) {
    (void)state;
    cluster_state *st = cluster_state_new(id(1), NOW);
    cnode *me = st->myself;
    cnode *victim = add_node(st, 2, CNODE_MASTER, "10.0.0.2", 7001);
    cnode *other = add_node(st, 3, CNODE_MASTER, "10.0.0.3", 7002);
    cnode *r1 = add_node(st, 4, CNODE_SLAVE, "10.0.0.4", 7003);
    cnode *r2 = add_node(st, 5, CNODE_SLAVE, "10.0.0.5", 7004);
    add_range(st, victim, 0, 999);
    add_range(st, other, 1000, 1999);
    cnode_set_master(r1, victim);
    cnode_set_master(r2, victim);
    st->migrating_to[5] = victim;
    st->importing_from[6] = victim;
    st->importing_from[7] = other;
    /* Reports the victim made about others, and one about the victim. */
    cnode_add_report(other, victim, NOW);
    cnode_add_report(other, me, NOW);
    cnode_add_report(r1, victim, NOW);
    cnode_add_report(victim, other, NOW);

    cluster_state_del(st, victim);
    assert_int_equal(st->num_nodes, 4);
    assert_null(cluster_state_find(st, id(2), CLUSTER_NAMELEN));
    for (int s = 0; s < 1000; s++) assert_null(st->slots[s]);
    assert_ptr_equal(st->slots[1000], other);
    assert_int_equal(cluster_state_count_slots_assigned(st), 1000);
    assert_null(st->migrating_to[5]);
    assert_null(st->importing_from[6]);
    assert_ptr_equal(st->importing_from[7], other);
    assert_int_equal(other->num_reports, 1);
    assert_ptr_equal(other->reports[0].reporter, me);
    assert_int_equal(r1->num_reports, 0);
    assert_null(r1->master);
    assert_null(r2->master);

    /* A replica leaves its master's list when deleted. */
    cnode_set_master(r1, other);
    cnode_set_master(r2, other);
    cluster_state_del(st, r1);
    assert_int_equal(other->num_replicas, 1);
    assert_ptr_equal(other->replicas[0], r2);
    assert_int_equal(st->num_nodes, 3);

    /* The text no longer mentions the deleted nodes. */
    buf b;
    buf_init(&b);
    cluster_nodes_text(st, false, &b);
    assert_null(strstr(text(&b), id(2)));
    assert_null(strstr(text(&b), id(4)));
    buf_fini(&b);
    cluster_state_free(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_are_forty_lowercase_hex),
        cmocka_unit_test(slot_ranges_are_canonical),
        cmocka_unit_test(fresh_myself_line),
        cmocka_unit_test(master_and_replica_lines),
        cmocka_unit_test(flags_print_in_fixed_order),
        cmocka_unit_test(noaddr_and_hostname_addresses),
        cmocka_unit_test(open_slots_show_on_myself_only),
        cmocka_unit_test(nodes_text_and_conf_text),
        cmocka_unit_test(conf_round_trip_is_identical),
        cmocka_unit_test(observed_redis_conf_loads),
        cmocka_unit_test(vars_line_may_come_anywhere),
        cmocka_unit_test(current_epoch_is_at_least_the_max_config_epoch),
        cmocka_unit_test(address_forms),
        cmocka_unit_test(open_slots_are_restored),
        cmocka_unit_test(exactly_one_myself),
        cmocka_unit_test(unknown_flag_is_fatal_with_line_number),
        cmocka_unit_test(too_few_fields_and_bad_ids),
        cmocka_unit_test(bad_slot_ranges),
        cmocka_unit_test(duplicate_id_is_refused),
        cmocka_unit_test(master_named_before_its_line),
        cmocka_unit_test(replica_without_master_keeps_its_epoch),
        cmocka_unit_test(empty_and_blank_text),
        cmocka_unit_test(failure_reports),
        cmocka_unit_test(blacklist_expires),
        cmocka_unit_test(set_master_bookkeeping),
        cmocka_unit_test(slots_and_table_queries),
        cmocka_unit_test(del_cleans_every_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
