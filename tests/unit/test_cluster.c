/* Unit tests for the cluster bus rules, run as a simulated cluster.
 *
 * Every node is a real `cluster` engine with its own cluster_state. The
 * network is simulated in-process: the env's `connect` opens a link whose
 * far end appears on the target node once the simulated network lets the
 * connection through, `send` queues the encoded bytes on the link, and a
 * pump moves the bytes to the other end, where they are framed with
 * cmsg_frame, decoded with cmsg_decode and handed to the peer's
 * cluster_on_message on its own inbound (or outbound) link. So the codec
 * runs on every message, and links behave like TCP: bytes are held while
 * the network between two nodes is cut, and a close is seen by the other
 * end only when the network lets it through.
 *
 * Time is a fake clock advanced in 10 ms steps; each engine's cron runs
 * every 100 ms (staggered per node) and cluster_before_sleep runs after
 * every round of deliveries, as in the server's event loop. The core is
 * simulated as far as the rules can observe it: `follow` is recorded and
 * drives a replication model (a follower copies its primary's offset and
 * refreshes its last-I/O time while the network between them is up), key
 * counts per slot are plain numbers, and every saved nodes.conf is kept.
 *
 * "Puppets" are nodes without an engine: they answer PINGs with a PONG built
 * from a header template and record what they receive, so a test can send
 * one exact message (an AUTH_REQUEST, an UPDATE) and see the reply.
 *
 * Set CLUSTER_SIM_LOG=1 to see the engines' log lines, CLUSTER_SIM_RANDOM=1
 * to seed the engines' random choices from the system instead of the fixed
 * start that makes runs repeat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "cluster/cluster.h"
#include "cluster/cluster_msg.h"
#include "cluster/cluster_state.h"

#define SIM_MAX 10
#define SIM_T0 1795594900000LL
#define SIM_TICK 10
#define CRON_MS 100
#define NODE_TIMEOUT 2000

/* ---- the simulated network ------------------------------------------------------------ */

typedef struct sim sim;
typedef struct simlink simlink;

struct simlink {
    cluster_link l; /* first: what the engine sees */
    int owner;      /* node holding this end */
    int peer;       /* node at the other end, once connected */
    simlink *other; /* the other end; NULL once either side closed */
    bool connecting;
    bool closed; /* closed by its owner; memory goes at the end of the step */
    bool reset;  /* the other end closed; noticed when the network lets it through */
    char dst_ip[CMSG_IPLEN + 1];
    int dst_cport;
    buf out; /* sent by the owner, not yet delivered */
    buf in;  /* delivered, not yet framed */
};

typedef struct simnode {
    sim *s;
    int idx;
    char ip[CMSG_IPLEN + 1];
    int port, cport;
    /* engine nodes */
    cluster_state *st;
    cluster *cl;
    int64_t next_cron;
    /* the core, as the env callbacks see it */
    int64_t offset;
    int64_t primary_last_io;
    bool repl_frozen; /* the replication stream stopped (the bus may still work) */
    bool following;
    char follow_ip[CMSG_IPLEN + 1];
    int follow_port;
    int follow_changes; /* follow() calls that changed the primary */
    int unfollows;      /* follow(NULL) while following: promotion or reset */
    uint32_t *keys;     /* keys per slot */
    int drops;          /* drop_slot calls on slots with keys */
    int64_t pause_until, max_pause;
    int saves, fsyncs;
    int connects; /* outbound links the engine opened */
    buf saved;    /* the last nodes.conf text */
    /* puppets: no engine */
    bool puppet;
    char name[CLUSTER_NAMELEN];
    cmsg tmpl; /* header of what a puppet sends */
    int got[CMSG_TYPE_COUNT];
    cmsg last_update; /* header and UPDATE body only */
    char last_fail_name[CLUSTER_NAMELEN];
    uint64_t last_ack_epoch;
} simnode;

struct sim {
    simnode node[SIM_MAX];
    int n;
    int64_t now;
    simlink **links;
    int nlinks, caplinks;
    bool cut[SIM_MAX][SIM_MAX];
    int64_t last_delivered_from[SIM_MAX];
};

static void sim_fatal(const char *what) { fail_msg("simulation: %s", what); }

static simlink *link_new(sim *s, int owner, bool inbound) {
    simlink *L = mem_calloc(1, sizeof(*L));
    L->owner = owner;
    L->peer = -1;
    L->l.inbound = inbound;
    L->l.ctime = s->now;
    L->l.io = L;
    buf_init(&L->out);
    buf_init(&L->in);
    if (s->nlinks == s->caplinks) {
        s->caplinks = s->caplinks ? s->caplinks * 2 : 32;
        s->links = mem_realloc(s->links, sizeof(simlink *) * (size_t)s->caplinks);
    }
    s->links[s->nlinks++] = L;
    return L;
}

/* Closing: the other end learns it (when the network lets it through). */
static void link_close(simlink *L) {
    if (L->closed) return;
    L->closed = true;
    if (L->other) {
        L->other->other = NULL;
        L->other->reset = true;
        L->other = NULL;
    }
}

/* The link broke on its own: tell the owning engine, then close. */
static void link_fail(sim *s, simlink *L) {
    simnode *o = &s->node[L->owner];
    if (o->cl) cluster_link_gone(o->cl, &L->l);
    link_close(L);
}

static int find_by_bus(sim *s, const char *ip, int cport) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->node[i].ip, ip) == 0 && s->node[i].cport == cport) return i;
    return -1;
}

static int find_by_client(sim *s, const char *ip, int port) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->node[i].ip, ip) == 0 && s->node[i].port == port) return i;
    return -1;
}

static void link_establish(sim *s, simlink *L, int t) {
    simnode *o = &s->node[L->owner], *tn = &s->node[t];
    simlink *R = link_new(s, t, true);
    snprintf(R->l.peer_ip, sizeof(R->l.peer_ip), "%s", o->ip);
    snprintf(R->l.local_ip, sizeof(R->l.local_ip), "%s", tn->ip);
    snprintf(L->l.peer_ip, sizeof(L->l.peer_ip), "%s", tn->ip);
    snprintf(L->l.local_ip, sizeof(L->l.local_ip), "%s", o->ip);
    L->peer = t;
    R->peer = L->owner;
    L->other = R;
    R->other = L;
    L->connecting = false;
    if (o->cl) cluster_on_connect(o->cl, &L->l, s->now);
}

/* ---- puppets ---- */

/* What a puppet does with a message: count it, keep what tests look at,
 * answer PING and MEET with a PONG from its template. */
static void puppet_receive(simnode *p, simlink *R, const cmsg *m) {
    if (m->type < CMSG_TYPE_COUNT) p->got[m->type]++;
    if (m->type == CMSG_UPDATE) {
        memcpy(p->last_update.sender, m->sender, CLUSTER_NAMELEN);
        memcpy(p->last_update.update_name, m->update_name, CLUSTER_NAMELEN);
        p->last_update.update_epoch = m->update_epoch;
        memcpy(p->last_update.update_slots, m->update_slots, sizeof(m->update_slots));
    }
    if (m->type == CMSG_AUTH_ACK) p->last_ack_epoch = m->current_epoch;
    if (m->type == CMSG_FAIL) memcpy(p->last_fail_name, m->fail_name, CLUSTER_NAMELEN);
    if (m->type == CMSG_PING || m->type == CMSG_MEET) {
        cmsg pong = p->tmpl;
        pong.type = CMSG_PONG;
        cmsg_encode(&R->out, &pong);
    }
}

/* ---- delivery ---- */

static void deliver_frames(sim *s, simlink *R) {
    size_t off = 0;
    while (!R->closed) {
        uint32_t totlen = 0;
        const uint8_t *p = (const uint8_t *)R->in.data + off;
        int rc = cmsg_frame(p, R->in.len - off, &totlen);
        if (rc < 0) sim_fatal("a node sent a frame with a bad head");
        if (rc == 0 || R->in.len - off < totlen) break;
        cmsg m;
        buf err;
        buf_init(&err);
        if (cmsg_decode(p, totlen, &m, &err) < 0) fail_msg("simulation: undecodable frame: %s", err.data);
        buf_fini(&err);
        off += totlen;
        simnode *t = &s->node[R->owner];
        if (t->cl)
            cluster_on_message(t->cl, &R->l, &m, s->now);
        else
            puppet_receive(t, R, &m);
        cmsg_release(&m);
    }
    if (!R->closed) buf_consume(&R->in, off);
}

/* Would link_work do anything now? */
static bool link_ready(sim *s, simlink *L) {
    if (L->closed) return false;
    if (L->connecting) {
        int t = find_by_bus(s, L->dst_ip, L->dst_cport);
        return t < 0 || !s->cut[L->owner][t];
    }
    if (L->reset) return !s->cut[L->owner][L->peer];
    return L->out.len > 0 && L->other != NULL && !s->cut[L->owner][L->peer];
}

static bool link_work(sim *s, simlink *L) {
    if (!link_ready(s, L)) return false;
    if (L->connecting) {
        int t = find_by_bus(s, L->dst_ip, L->dst_cport);
        if (t < 0)
            link_fail(s, L); /* connection refused */
        else
            link_establish(s, L, t);
        return true;
    }
    if (L->reset) {
        link_fail(s, L);
        return true;
    }
    simlink *R = L->other;
    buf_append(&R->in, L->out.data, L->out.len);
    buf_clear(&L->out);
    s->last_delivered_from[L->owner] = s->now;
    deliver_frames(s, R);
    return true;
}

static void before_sleep_all(sim *s) {
    for (int i = 0; i < s->n; i++)
        if (s->node[i].cl) cluster_before_sleep(s->node[i].cl, s->now);
}

static void pump(sim *s) {
    for (int round = 0; round < 10000; round++) {
        bool moved = false;
        for (int k = 0; k < s->nlinks; k++) moved |= link_work(s, s->links[k]);
        before_sleep_all(s);
        bool ready = false;
        for (int k = 0; k < s->nlinks && !ready; k++) ready = link_ready(s, s->links[k]);
        if (!moved && !ready) return;
    }
    sim_fatal("the bus never went quiet");
}

static void reap(sim *s) {
    int k = 0;
    for (int i = 0; i < s->nlinks; i++) {
        simlink *L = s->links[i];
        if (L->closed) {
            buf_fini(&L->in);
            buf_fini(&L->out);
            mem_free(L);
        } else {
            s->links[k++] = L;
        }
    }
    s->nlinks = k;
}

/* The replication stream: a follower copies its primary's offset while the
 * network between them is up. */
static void replicate(sim *s) {
    for (int i = 0; i < s->n; i++) {
        simnode *r = &s->node[i];
        if (!r->following || r->repl_frozen) continue;
        int t = find_by_client(s, r->follow_ip, r->follow_port);
        if (t < 0 || s->cut[i][t]) continue;
        r->offset = s->node[t].offset;
        r->primary_last_io = s->now;
    }
}

static void cron_node(sim *s, simnode *n) {
    /* As the bus does: a connect that hangs longer than the node timeout
     * is given up. */
    for (int k = 0; k < s->nlinks; k++) {
        simlink *L = s->links[k];
        if (L->owner == n->idx && L->connecting && !L->closed && s->now - L->l.ctime > n->cl->cfg.node_timeout)
            link_fail(s, L);
    }
    cluster_cron(n->cl, s->now);
}

static void sim_step(sim *s) {
    s->now += SIM_TICK;
    clock_set_fake_us(s->now * 1000);
    for (int i = 0; i < s->n; i++) {
        simnode *n = &s->node[i];
        if (n->cl == NULL || s->now < n->next_cron) continue;
        n->next_cron += CRON_MS;
        cron_node(s, n);
    }
    replicate(s);
    pump(s);
    reap(s);
}

static void sim_run(sim *s, int64_t ms) {
    int64_t end = s->now + ms;
    while (s->now < end) sim_step(s);
}

/* Runs until cond holds (checked after every step) or max_ms passed; out
 * gets the time it took, or -1. */
#define SIM_UNTIL(s, max_ms, cond, out)                                                                     \
    do {                                                                                                    \
        int64_t t0_ = (s)->now;                                                                             \
        while (!(cond) && (s)->now - t0_ < (max_ms)) sim_step(s);                                           \
        (out) = (cond) ? (s)->now - t0_ : -1;                                                               \
    } while (0)

#define ASSERT_WITHIN(s, max_ms, cond)                                                                      \
    do {                                                                                                    \
        int64_t took_;                                                                                      \
        SIM_UNTIL(s, max_ms, cond, took_);                                                                  \
        if (took_ < 0) fail_msg("not within %d ms: %s", (int)(max_ms), #cond);                              \
    } while (0)

static void sim_cut(sim *s, int i, bool on) {
    for (int j = 0; j < s->n; j++) {
        if (j == i) continue;
        s->cut[i][j] = on;
        s->cut[j][i] = on;
    }
}

/* ---- env callbacks ---- */

static void env_send(void *ctx, cluster_link *l, const void *data, size_t len) {
    (void)ctx;
    simlink *L = l->io;
    if (L->closed) sim_fatal("an engine sent on a link it had freed");
    buf_append(&L->out, data, len);
}

static cluster_link *env_connect(void *ctx, cnode *n, int64_t now) {
    simnode *me = ctx;
    if (now != me->s->now) sim_fatal("connect with a time other than now");
    simlink *L = link_new(me->s, me->idx, false);
    me->connects++;
    L->connecting = true;
    snprintf(L->dst_ip, sizeof(L->dst_ip), "%s", n->ip);
    L->dst_cport = n->cport;
    return &L->l;
}

/* Host names resolve to the current address of the engine node that
 * announces them, as a container's name does on its Compose network; the
 * newest such node when several do (a container recreated). */
static bool env_resolve(void *ctx, const char *hostname, char *ip, size_t cap) {
    simnode *me = ctx;
    sim *s = me->s;
    for (int i = s->n - 1; i >= 0; i--) {
        simnode *n = &s->node[i];
        if (n->puppet || n->cl == NULL || strcmp(n->cl->cfg.hostname, hostname) != 0) continue;
        snprintf(ip, cap, "%s", n->ip);
        return true;
    }
    return false;
}

static void env_free_link(void *ctx, cluster_link *l) {
    (void)ctx;
    simlink *L = l->io;
    if (l->node && (l->node->link == l || l->node->inbound_link == l))
        sim_fatal("a link was freed while a node still pointed at it");
    link_close(L);
}

static int64_t env_repl_offset(void *ctx) { return ((simnode *)ctx)->offset; }

static void env_follow(void *ctx, const char *ip, int port) {
    simnode *n = ctx;
    if (ip == NULL) {
        if (n->following) n->unfollows++;
        n->following = false;
        return;
    }
    if (n->following && strcmp(n->follow_ip, ip) == 0 && n->follow_port == port) return;
    n->following = true;
    snprintf(n->follow_ip, sizeof(n->follow_ip), "%s", ip);
    n->follow_port = port;
    n->follow_changes++;
}

static int64_t env_primary_last_io(void *ctx) { return ((simnode *)ctx)->primary_last_io; }
static size_t env_slot_keys(void *ctx, int slot) { return ((simnode *)ctx)->keys[slot]; }

static void env_drop_slot(void *ctx, int slot) {
    simnode *n = ctx;
    if (n->keys[slot]) n->drops++;
    n->keys[slot] = 0;
}

static void env_pause_writes(void *ctx, int64_t until) {
    simnode *n = ctx;
    n->pause_until = until;
    if (until > n->max_pause) n->max_pause = until;
}

static int env_save(void *ctx, const buf *text, bool fsync) {
    simnode *n = ctx;
    n->saves++;
    if (fsync) n->fsyncs++;
    buf_clear(&n->saved);
    buf_append(&n->saved, text->data, text->len);
    return 0;
}

/* ---- building a simulation ---- */

static void default_cfg(cluster_config *c) {
    memset(c, 0, sizeof(*c));
    c->node_timeout = NODE_TIMEOUT;
    c->require_full_coverage = true;
    c->allow_replica_migration = true;
    c->migration_barrier = 1;
    c->replica_validity_factor = 10;
    c->repl_ping_period_ms = 10000;
}

static void sim_init(sim *s) {
    memset(s, 0, sizeof(*s));
    s->now = SIM_T0;
    clock_set_fake_us(s->now * 1000);
}

static simnode *slot_new(sim *s) {
    if (s->n == SIM_MAX) sim_fatal("too many nodes");
    simnode *n = &s->node[s->n];
    memset(n, 0, sizeof(*n));
    n->s = s;
    n->idx = s->n++;
    snprintf(n->ip, sizeof(n->ip), "10.0.0.%d", n->idx + 1);
    n->port = 30001 + n->idx;
    n->cport = 40001 + n->idx;
    buf_init(&n->saved);
    return n;
}

static void attach_engine(sim *s, simnode *n, cluster_state *st, const cluster_config *cfg) {
    cluster_config c;
    if (cfg)
        c = *cfg;
    else
        default_cfg(&c);
    c.port = n->port;
    c.cport = n->cport;
    n->st = st;
    n->keys = mem_calloc(CLUSTER_SLOTS, sizeof(uint32_t));
    cluster_env env = {
        .ctx = n,
        .send = env_send,
        .connect = env_connect,
        .free_link = env_free_link,
        .repl_offset = env_repl_offset,
        .follow = env_follow,
        .primary_last_io = env_primary_last_io,
        .slot_keys = env_slot_keys,
        .drop_slot = env_drop_slot,
        .pause_writes = env_pause_writes,
        .save = env_save,
        .resolve = env_resolve,
    };
    /* As the server does at start: myself announces the configured ports,
     * and the first save happens before the loop. */
    st->myself->port = c.port;
    st->myself->cport = c.cport;
    n->cl = cluster_new(st, &env, &c, s->now);
    n->cl->todo |= CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC | CLUSTER_TODO_UPDATE_STATE;
    cluster_before_sleep(n->cl, s->now);
    /* Staggered crons, as independent processes would have. */
    n->next_cron = s->now + (n->idx * 37) % CRON_MS;
}

/* A deterministic node id whose order is not the index order. */
static void sim_name(int idx, char out[CLUSTER_NAMELEN + 1]) {
    static const char hex[] = "0123456789abcdef";
    snprintf(out, CLUSTER_NAMELEN + 1, "%040x", idx + 1);
    out[0] = hex[(idx * 5 + 3) % 16];
}

/* A fresh engine node that knows only itself. */
static int sim_node(sim *s, const cluster_config *cfg) {
    simnode *n = slot_new(s);
    char name[CLUSTER_NAMELEN + 1];
    sim_name(n->idx, name);
    attach_engine(s, n, cluster_state_new(name, s->now), cfg);
    return n->idx;
}

static int sim_node_named(sim *s, const char *name, const cluster_config *cfg) {
    simnode *n = slot_new(s);
    attach_engine(s, n, cluster_state_new(name, s->now), cfg);
    return n->idx;
}

/* An engine node started from a nodes.conf text; its address is the one
 * its myself line has. */
static int sim_node_conf(sim *s, const char *conf, const cluster_config *cfg) {
    simnode *n = slot_new(s);
    buf err;
    buf_init(&err);
    cluster_state *st = cluster_state_load(conf, strlen(conf), s->now, &err);
    if (st == NULL) fail_msg("simulation: bad nodes.conf: %s", err.data);
    buf_fini(&err);
    snprintf(n->ip, sizeof(n->ip), "%s", st->myself->ip);
    n->port = st->myself->port;
    n->cport = st->myself->cport;
    attach_engine(s, n, st, cfg);
    return n->idx;
}

/* A node without an engine at ip:port@cport with the given id. */
static int sim_puppet(sim *s, const char *name, const char *ip, int port) {
    simnode *n = slot_new(s);
    n->puppet = true;
    snprintf(n->ip, sizeof(n->ip), "%s", ip);
    n->port = port;
    n->cport = port + 10000;
    memcpy(n->name, name, CLUSTER_NAMELEN);
    cmsg *t = &n->tmpl;
    memset(t, 0, sizeof(*t));
    memcpy(t->sender, name, CLUSTER_NAMELEN);
    snprintf(t->myip, sizeof(t->myip), "%s", ip);
    t->port = (uint16_t)port;
    t->cport = (uint16_t)(port + 10000);
    t->flags = CNODE_MASTER;
    return n->idx;
}

static void puppet_set_slots(simnode *p, int lo, int hi) {
    memset(p->tmpl.slots, 0, sizeof(p->tmpl.slots));
    for (int s = lo; s <= hi; s++) cmsg_slot_set(p->tmpl.slots, s);
}

static void puppet_set_replica_of(simnode *p, const char *master) {
    p->tmpl.flags = CNODE_SLAVE;
    memcpy(p->tmpl.slaveof, master, CLUSTER_NAMELEN);
    p->tmpl.has_slaveof = true;
}

/* Sends m from puppet p to node t over p's own link, opened on first use. */
static void puppet_to(sim *s, int p, int t, const cmsg *m) {
    simlink *L = NULL;
    for (int k = 0; k < s->nlinks; k++) {
        simlink *c = s->links[k];
        if (c->owner == p && c->peer == t && !c->l.inbound && !c->closed && c->other) L = c;
    }
    if (L == NULL) {
        L = link_new(s, p, false);
        link_establish(s, L, t);
    }
    cmsg_encode(&L->out, m);
    pump(s);
    reap(s);
}

static void sim_free(sim *s) {
    for (int i = 0; i < s->n; i++) {
        simnode *n = &s->node[i];
        cluster_free(n->cl);
        cluster_state_free(n->st);
        mem_free(n->keys);
        buf_fini(&n->saved);
    }
    for (int k = 0; k < s->nlinks; k++) {
        buf_fini(&s->links[k]->in);
        buf_fini(&s->links[k]->out);
        mem_free(s->links[k]);
    }
    mem_free(s->links);
    clock_set_fake_us(0);
}

/* ---- views ---- */

static const char *name_of(sim *s, int j) {
    simnode *n = &s->node[j];
    return n->cl ? n->st->myself->name : n->name;
}

/* Node j as node i sees it. */
static cnode *view(sim *s, int i, int j) { return cluster_state_find(s->node[i].st, name_of(s, j), CLUSTER_NAMELEN); }

static cluster *CL(sim *s, int i) { return s->node[i].cl; }
static cnode *ME(sim *s, int i) { return s->node[i].st->myself; }

/* i knows j by its real id at its real address. */
static bool knows(sim *s, int i, int j) {
    cnode *n = view(s, i, j);
    return n && !(n->flags & (CNODE_HANDSHAKE | CNODE_NOADDR)) && strcmp(n->ip, s->node[j].ip) == 0 &&
           n->port == s->node[j].port && n->cport == s->node[j].cport;
}

static bool all_know_all(sim *s, int count) {
    for (int i = 0; i < count; i++) {
        if (s->node[i].st->num_nodes != count) return false;
        for (int j = 0; j < count; j++)
            if (!knows(s, i, j)) return false;
    }
    return true;
}

static bool is_replica_of(sim *s, int viewer, int r, int m) {
    cnode *rn = view(s, viewer, r), *mn = view(s, viewer, m);
    return rn && mn && (rn->flags & CNODE_SLAVE) && !(rn->flags & CNODE_MASTER) && rn->master == mn;
}

/* Every node in [0, count) except `skip` sees slot s owned by node `owner`. */
static bool slots_owned(sim *s, int count, int skip, int lo, int hi, int owner) {
    for (int i = 0; i < count; i++) {
        if (i == skip) continue;
        cnode *o = view(s, i, owner);
        if (o == NULL) return false;
        for (int slot = lo; slot <= hi; slot++)
            if (s->node[i].st->slots[slot] != o) return false;
    }
    return true;
}

static bool all_ok(sim *s, int count, int skip) {
    for (int i = 0; i < count; i++)
        if (i != skip && s->node[i].st->state != CLUSTER_OK) return false;
    return true;
}

static bool any_flag(sim *s, int count, int target, uint32_t flag) {
    for (int i = 0; i < count; i++) {
        if (i == target) continue;
        cnode *n = view(s, i, target);
        if (n && (n->flags & flag)) return true;
    }
    return false;
}

static bool all_flag(sim *s, int count, int target, uint32_t flag) {
    for (int i = 0; i < count; i++) {
        if (i == target) continue;
        cnode *n = view(s, i, target);
        if (n == NULL || !(n->flags & flag)) return false;
    }
    return true;
}

static bool follows(sim *s, int r, int m) {
    simnode *n = &s->node[r];
    return n->following && strcmp(n->follow_ip, s->node[m].ip) == 0 && n->follow_port == s->node[m].port;
}

/* The last saved nodes.conf of node i loads and names the same myself.
 * What a node learned from peers reaches the file by its next timer tick,
 * so let one pass first. */
static void assert_saved_conf_loads(sim *s, int i) {
    sim_run(s, 2 * CRON_MS);
    simnode *n = &s->node[i];
    buf err;
    buf_init(&err);
    assert_true(n->saved.len > 0);
    cluster_state *st = cluster_state_load(n->saved.data, n->saved.len, s->now, &err);
    if (st == NULL) fail_msg("node %d saved a nodes.conf that does not load: %s\n%s", i, err.data, n->saved.data);
    assert_memory_equal(st->myself->name, n->st->myself->name, CLUSTER_NAMELEN);
    /* An epoch learned in the last few milliseconds may still be on its
     * way to the file; the file never runs ahead. */
    assert_true(st->current_epoch <= n->st->current_epoch);
    buf_fini(&err);
    cluster_state_free(st);
}

static void node_line(sim *s, int viewer, int j, buf *out) {
    buf_clear(out);
    cluster_node_line(s->node[viewer].st, view(s, viewer, j), out);
}

/* ---- building a cluster the way redis-cli --cluster create does ---- */

static int slot_lo(int i, int masters) { return (i * CLUSTER_SLOTS + masters / 2) / masters; }
static int slot_hi(int i, int masters) { return slot_lo(i + 1, masters) - 1; }

static void add_slots(sim *s, int i, int lo, int hi) {
    cluster *cl = CL(s, i);
    for (int slot = lo; slot <= hi; slot++) assert_int_equal(cluster_state_add_slot(cl->st, cl->st->myself, slot), 0);
    cl->todo |= CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE;
}

static void set_epoch(sim *s, int i, uint64_t epoch) {
    char arg[32];
    buf err;
    buf_init(&err);
    snprintf(arg, sizeof(arg), "%llu", (unsigned long long)epoch);
    if (cluster_set_config_epoch(CL(s, i), arg, &err) < 0) fail_msg("set-config-epoch: %s", err.data);
    buf_fini(&err);
}

static void meet(sim *s, int from, int to) {
    buf err;
    buf_init(&err);
    if (cluster_meet(CL(s, from), s->node[to].ip, s->node[to].port, s->node[to].cport, s->now, &err) < 0)
        fail_msg("meet: %s", err.data);
    buf_fini(&err);
}

static void replicate_cmd(sim *s, int r, int m) {
    buf err;
    buf_init(&err);
    if (cluster_replicate(CL(s, r), name_of(s, m), CLUSTER_NAMELEN, &err) < 0) fail_msg("replicate: %s", err.data);
    buf_fini(&err);
    before_sleep_all(s);
}

/* Nodes [0, masters) serve the slots, node masters + k*masters + m
 * replicates master m. Returns once every node agrees on everything and the
 * cluster is ok everywhere. */
static void build_cluster(sim *s, int masters, int per_master, const cluster_config *cfg) {
    int count = masters * (1 + per_master);
    for (int i = 0; i < count; i++) sim_node(s, cfg);
    for (int i = 0; i < count; i++) set_epoch(s, i, (uint64_t)i + 1);
    for (int m = 0; m < masters; m++) add_slots(s, m, slot_lo(m, masters), slot_hi(m, masters));
    for (int i = 1; i < count; i++) meet(s, 0, i);
    ASSERT_WITHIN(s, 10000, all_know_all(s, count));
    for (int i = masters; i < count; i++) replicate_cmd(s, i, (i - masters) % masters);
    for (int i = masters; i < count; i++) {
        int m = (i - masters) % masters;
        for (int v = 0; v < count; v++) ASSERT_WITHIN(s, 10000, is_replica_of(s, v, i, m));
    }
    for (int m = 0; m < masters; m++)
        ASSERT_WITHIN(s, 10000, slots_owned(s, count, -1, slot_lo(m, masters), slot_hi(m, masters), m));
    ASSERT_WITHIN(s, 10000, all_ok(s, count, -1));
}

/* ---- scenarios ------------------------------------------------------------------------------ */

/* The engines' random choices (gossip picks, election delays) come from a
 * generator with a fixed start, so runs repeat; CLUSTER_SIM_RANDOM=1 seeds
 * it from the system to explore other runs. */
static void seed_random(void) {
    if (getenv("CLUSTER_SIM_RANDOM")) hash_seed_random();
}

static void quiet_logs(void) {
    if (getenv("CLUSTER_SIM_LOG"))
        log_set_level(LOG_VERBOSE);
    else
        log_set_level(LOG_NOTHING);
}

static void meet_spreads_through_gossip(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    for (int i = 0; i < 6; i++) sim_node(&s, NULL);
    buf b, err;
    buf_init(&b);
    buf_init(&err);

    for (int i = 1; i < 6; i++) meet(&s, 0, i);
    meet(&s, 0, 3); /* a second MEET to an address already in handshake adds nothing */
    assert_int_equal(s.node[0].st->num_nodes, 6);
    /* Right after MEET: a handshake node with a temporary id, no link yet. */
    cnode *hs = s.node[0].st->nodes[1];
    assert_true(hs->flags & CNODE_HANDSHAKE);
    assert_memory_not_equal(hs->name, name_of(&s, 1), CLUSTER_NAMELEN);
    char tmpid[CLUSTER_NAMELEN];
    memcpy(tmpid, hs->name, CLUSTER_NAMELEN);
    cluster_node_line(s.node[0].st, hs, &b);
    assert_non_null(strstr(b.data, " 10.0.0.2:30002@40002 handshake - 0 0 0 disconnected"));
    /* Handshake nodes stay out of nodes.conf. */
    buf_clear(&b);
    cluster_conf_text(s.node[0].st, &b);
    assert_null(strstr(b.data, "handshake"));

    assert_int_equal(cluster_meet(CL(&s, 0), "10.0.0", 30002, 40002, s.now, &err), -1);
    assert_string_equal(err.data, "ERR Invalid node address specified: 10.0.0:30002");
    buf_clear(&err);
    assert_int_equal(cluster_meet(CL(&s, 0), "10.0.0.9", 0, 10000, s.now, &err), -1);
    assert_string_equal(err.data, "ERR Invalid node address specified: 10.0.0.9:0");

    int64_t took;
    SIM_UNTIL(&s, 10000, all_know_all(&s, 6), took);
    assert_true(took >= 0);
    print_message("    6 fresh nodes met through one node: everyone knows everyone after %lld ms\n",
                  (long long)took);

    /* The handshake node was renamed to the real id, not duplicated. */
    assert_null(cluster_state_find(s.node[0].st, tmpid, CLUSTER_NAMELEN));
    for (int i = 0; i < 6; i++) {
        /* Every node learned its own IP from the bus (no announce-ip). */
        assert_string_equal(ME(&s, i)->ip, s.node[i].ip);
        assert_int_equal(s.node[i].st->num_nodes, 6);
        for (int j = 0; j < 6; j++) {
            cnode *n = view(&s, i, j);
            assert_true(n->flags & CNODE_MASTER);
            assert_false(n->flags & (CNODE_HANDSHAKE | CNODE_PFAIL | CNODE_FAIL | CNODE_NOADDR | CNODE_MEET));
        }
        assert_saved_conf_loads(&s, i);
    }
    /* Nodes 1..5 learned each other only from gossip, never by MEET. */
    assert_true(s.node[0].st->stats_sent[CMSG_MEET] >= 5);
    for (int i = 1; i < 6; i++) {
        assert_true(s.node[i].st->stats_received[CMSG_MEET] >= 1);
        assert_int_equal(s.node[i].st->stats_sent[CMSG_MEET], 0);
    }

    /* Six masters all at epoch 0 collide; the rule leaves them distinct. */
    bool distinct = false;
    for (int t = 0; t < 3000 && !distinct; t++) {
        sim_step(&s);
        distinct = true;
        for (int i = 0; i < 6 && distinct; i++)
            for (int j = i + 1; j < 6; j++)
                if (ME(&s, i)->config_epoch == ME(&s, j)->config_epoch) distinct = false;
    }
    assert_true(distinct);
    sim_run(&s, 2000);
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 6; j++) {
            assert_int_equal(view(&s, i, j)->config_epoch, ME(&s, j)->config_epoch);
            /* Every node keeps an outbound link to every other. */
            if (i != j) assert_non_null(view(&s, i, j)->link);
        }
    }
    buf_fini(&b);
    buf_fini(&err);
    sim_free(&s);
}

static void epoch_collision_smaller_id_bumps(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    int big = sim_node_named(&s, "b000000000000000000000000000000000000000", NULL);
    int small = sim_node_named(&s, "a000000000000000000000000000000000000000", NULL);
    set_epoch(&s, big, 5);
    set_epoch(&s, small, 5);
    int fsyncs_before = s.node[small].fsyncs;
    meet(&s, big, small);
    ASSERT_WITHIN(&s, 5000, ME(&s, small)->config_epoch != ME(&s, big)->config_epoch);
    sim_run(&s, 3000);
    /* The node with the smaller id moved to currentEpoch + 1; the other
     * kept its epoch. */
    assert_int_equal(ME(&s, small)->config_epoch, 6);
    assert_int_equal(ME(&s, big)->config_epoch, 5);
    assert_int_equal(s.node[small].st->current_epoch, 6);
    assert_int_equal(s.node[big].st->current_epoch, 6);
    assert_int_equal(view(&s, big, small)->config_epoch, 6);
    assert_int_equal(view(&s, small, big)->config_epoch, 5);
    assert_true(s.node[small].fsyncs > fsyncs_before);
    sim_free(&s);
}

static void create_cluster_agrees_and_turns_ok(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    int64_t start = s.now;
    for (int i = 0; i < 6; i++) sim_node(&s, NULL);
    buf err, b;
    buf_init(&err);
    buf_init(&b);

    assert_int_equal(cluster_set_config_epoch(CL(&s, 0), "x1", &err), -1);
    assert_string_equal(err.data, "ERR value is not an integer or out of range");
    buf_clear(&err);
    assert_int_equal(cluster_set_config_epoch(CL(&s, 0), "99999999999999999999", &err), -1);
    assert_string_equal(err.data, "ERR value is not an integer or out of range");
    buf_clear(&err);
    assert_int_equal(cluster_set_config_epoch(CL(&s, 0), "-1", &err), -1);
    assert_string_equal(err.data, "ERR Invalid config epoch specified: -1");
    for (int i = 0; i < 6; i++) set_epoch(&s, i, (uint64_t)i + 1);
    buf_clear(&err);
    assert_int_equal(cluster_set_config_epoch(CL(&s, 0), "9", &err), -1);
    assert_string_equal(err.data, "ERR Node config epoch is already non-zero");
    for (int m = 0; m < 3; m++) add_slots(&s, m, slot_lo(m, 3), slot_hi(m, 3));
    assert_int_equal(slot_hi(0, 3), 5460);
    assert_int_equal(slot_hi(1, 3), 10922);
    for (int i = 1; i < 6; i++) meet(&s, 0, i);
    buf_clear(&err);
    assert_int_equal(cluster_set_config_epoch(CL(&s, 0), "0", &err), -1);
    assert_string_equal(err.data,
                        "ERR The user can assign a config epoch only when the node does not know any other node.");

    /* Masters stay FAIL for their first 2 s even when everything is known. */
    int64_t first_ok[6] = {0};
    while (s.now - start < 6000) {
        sim_step(&s);
        for (int i = 0; i < 6; i++)
            if (!first_ok[i] && s.node[i].st->state == CLUSTER_OK) first_ok[i] = s.now;
    }
    assert_true(all_know_all(&s, 6));
    for (int m = 0; m < 3; m++) assert_true(slots_owned(&s, 6, -1, slot_lo(m, 3), slot_hi(m, 3), m));
    for (int i = 0; i < 6; i++) {
        assert_true(first_ok[i] > 0);
        assert_true(first_ok[i] - start >= 2000);
        assert_int_equal(s.node[i].st->size, 3);
        assert_int_equal(cluster_state_count_slots_assigned(s.node[i].st), CLUSTER_SLOTS);
        /* set-config-epoch 1..6 leaves no collision to resolve. */
        assert_int_equal(ME(&s, i)->config_epoch, (uint64_t)i + 1);
        assert_int_equal(s.node[i].st->current_epoch, 6);
    }
    print_message("    3 masters with slots: cluster ok after %lld ms (writable delay 2000 ms)\n",
                  (long long)(first_ok[0] - start));

    /* REPLICATE: errors first. */
    buf_clear(&err);
    assert_int_equal(cluster_replicate(CL(&s, 3), name_of(&s, 3), CLUSTER_NAMELEN, &err), -1);
    assert_string_equal(err.data, "ERR Can't replicate myself");
    buf_clear(&err);
    assert_int_equal(cluster_replicate(CL(&s, 0), name_of(&s, 1), CLUSTER_NAMELEN, &err), -1);
    assert_string_equal(err.data, "ERR To set a master the node must be empty and without assigned slots.");
    buf_clear(&err);
    s.node[3].keys[77] = 1;
    assert_int_equal(cluster_replicate(CL(&s, 3), name_of(&s, 0), CLUSTER_NAMELEN, &err), -1);
    assert_string_equal(err.data, "ERR To set a master the node must be empty and without assigned slots.");
    s.node[3].keys[77] = 0;
    buf_clear(&err);
    assert_int_equal(cluster_replicate(CL(&s, 3), "ffffffffffffffffffffffffffffffffffffffff", CLUSTER_NAMELEN, &err),
                     -1);
    assert_string_equal(err.data, "ERR Unknown node ffffffffffffffffffffffffffffffffffffffff");

    for (int r = 3; r < 6; r++) {
        replicate_cmd(&s, r, r - 3);
        /* follow() got the master's address as this node knows it. */
        assert_true(follows(&s, r, r - 3));
        assert_int_equal(s.node[r].follow_changes, 1);
        assert_true(ME(&s, r)->flags & CNODE_SLAVE);
    }

    /* Gossip spreads the roles. */
    int64_t took;
    SIM_UNTIL(&s, 5000,
              is_replica_of(&s, 0, 3, 0) && is_replica_of(&s, 1, 3, 0) && is_replica_of(&s, 2, 3, 0) &&
                  is_replica_of(&s, 4, 3, 0) && is_replica_of(&s, 5, 3, 0) && is_replica_of(&s, 0, 4, 1) &&
                  is_replica_of(&s, 2, 4, 1) && is_replica_of(&s, 3, 4, 1) && is_replica_of(&s, 5, 4, 1) &&
                  is_replica_of(&s, 0, 5, 2) && is_replica_of(&s, 1, 5, 2) && is_replica_of(&s, 3, 5, 2) &&
                  is_replica_of(&s, 4, 5, 2),
              took);
    assert_true(took >= 0);
    print_message("    REPLICATE x3: every node saw the roles after %lld ms\n", (long long)took);
    buf_clear(&err);
    assert_int_equal(cluster_replicate(CL(&s, 0), name_of(&s, 4), CLUSTER_NAMELEN, &err), -1);
    assert_string_equal(err.data, "ERR I can only replicate a master, not a replica.");
    sim_run(&s, 1000);
    assert_true(all_ok(&s, 6, -1));
    for (int i = 0; i < 6; i++) {
        assert_int_equal(s.node[i].st->size, 3);
        assert_int_equal(view(&s, i, 0)->num_replicas, 1);
        assert_true(view(&s, i, 0)->flags & CNODE_MIGRATE_TO);
        assert_saved_conf_loads(&s, i);
    }
    /* A replica's line shows its master's id and epoch. */
    node_line(&s, 1, 4, &b);
    char want[256];
    snprintf(want, sizeof(want), "%.40s 10.0.0.5:30005@40005 slave %.40s 0 ", name_of(&s, 4), name_of(&s, 1));
    assert_memory_equal(b.data, want, strlen(want));
    assert_non_null(strstr(b.data, " 2 connected"));
    assert_int_equal(ME(&s, 4)->config_epoch, 5); /* its own, kept from set-config-epoch */
    /* The replicas caught up with their masters through the stream. */
    s.node[1].offset = 12345;
    sim_run(&s, 100);
    assert_int_equal(s.node[4].offset, 12345);
    buf_fini(&err);
    buf_fini(&b);
    sim_free(&s);
}

/* When each step of an automatic failover happened, in ms after the
 * master went silent; 0 for what did not happen. */
typedef struct timeline {
    int64_t last_heard; /* last delivery from the master (<= 0) */
    int64_t pfail;      /* first PFAIL flag on any node */
    int64_t fail;       /* first FAIL (a quorum of masters' reports) */
    int64_t heir_fail;  /* the replica learns FAIL */
    int64_t fail_all;   /* every node has FAIL */
    int64_t request;    /* the replica asks for votes */
    int64_t promo;      /* the replica is a master */
    int64_t adopt;      /* every node routes the slots to it */
    int64_t ok;         /* cluster ok everywhere but on the silent master */
    int64_t victim_down; /* the silent master sees its cluster fail */
} timeline;

static int64_t rel(int64_t t, int64_t t0) { return t ? t - t0 : 0; }

/* Cuts `victim` off the network (both directions, held like TCP would)
 * and runs until the failover of its slots [lo, hi] to `heir` is done
 * everywhere, or 30 s. */
static void run_failover(sim *s, int count, int victim, int heir, int lo, int hi, timeline *tl) {
    memset(tl, 0, sizeof(*tl));
    sim_cut(s, victim, true);
    int64_t t0 = s->now;
    int64_t t[10] = {0};
    enum { PF, FA, HF, FALL, RQ, PR, AD, OK, VD };
    while (s->now - t0 < 30000 && !(t[OK] && t[VD])) {
        sim_step(s);
        int64_t now = s->now;
        if (!t[PF] && any_flag(s, count, victim, CNODE_PFAIL | CNODE_FAIL)) t[PF] = now;
        if (!t[FA] && any_flag(s, count, victim, CNODE_FAIL)) t[FA] = now;
        if (!t[FALL] && all_flag(s, count, victim, CNODE_FAIL)) t[FALL] = now;
        if (!t[HF] && (view(s, heir, victim)->flags & CNODE_FAIL)) t[HF] = now;
        if (!t[RQ] && s->node[heir].st->stats_sent[CMSG_AUTH_REQUEST] > 0) t[RQ] = now;
        if (!t[PR] && cnode_is_master(ME(s, heir))) t[PR] = now;
        if (!t[AD] && t[PR] && slots_owned(s, count, victim, lo, hi, heir)) t[AD] = now;
        if (!t[VD] && s->node[victim].st->state == CLUSTER_FAIL) t[VD] = now;
        if (!t[OK] && t[AD] && all_ok(s, count, victim)) t[OK] = now;
    }
    tl->last_heard = s->last_delivered_from[victim] - t0;
    tl->pfail = rel(t[PF], t0);
    tl->fail = rel(t[FA], t0);
    tl->heir_fail = rel(t[HF], t0);
    tl->fail_all = rel(t[FALL], t0);
    tl->request = rel(t[RQ], t0);
    tl->promo = rel(t[PR], t0);
    tl->adopt = rel(t[AD], t0);
    tl->ok = rel(t[OK], t0);
    tl->victim_down = rel(t[VD], t0);
}

static void print_timeline(const timeline *tl) {
    print_message("timeline: heard %lld pfail %lld fail %lld heir_fail %lld fail_all %lld request %lld promo %lld "
                  "adopt %lld ok %lld victim_down %lld\n",
                  (long long)tl->last_heard, (long long)tl->pfail, (long long)tl->fail, (long long)tl->heir_fail,
                  (long long)tl->fail_all, (long long)tl->request, (long long)tl->promo, (long long)tl->adopt,
                  (long long)tl->ok, (long long)tl->victim_down);
}

#define TIMELINE_CHECK(tl, cond)                                                                            \
    do {                                                                                                    \
        if (!(cond)) {                                                                                      \
            print_timeline(tl);                                                                             \
            fail_msg("failover timing: %s", #cond);                                                         \
        }                                                                                                   \
    } while (0)

/* The timing rules of the contract, for one failover. */
static void assert_timeline(const timeline *tl, int64_t node_timeout) {
    TIMELINE_CHECK(tl, tl->pfail && tl->fail && tl->heir_fail && tl->fail_all && tl->request && tl->promo &&
                           tl->adopt && tl->ok && tl->victim_down);
    /* 7.6: PFAIL needs a ping pending for longer than node_timeout and
     * nothing heard for as long; pings go out once the last PONG is
     * min(node_timeout/2, 1 s) old, so it comes within that much more. */
    int64_t ping_every = node_timeout / 2 < 1000 ? node_timeout / 2 : 1000;
    TIMELINE_CHECK(tl, tl->pfail - tl->last_heard > node_timeout);
    TIMELINE_CHECK(tl, tl->pfail <= node_timeout + ping_every + 2 * CRON_MS);
    TIMELINE_CHECK(tl, tl->fail >= tl->pfail);
    /* 7.7: whoever reaches the quorum broadcasts FAIL at once. */
    TIMELINE_CHECK(tl, tl->fail_all - tl->fail <= SIM_TICK);
    /* 7.9, rank 0: the election is scheduled at the replica's first cron
     * after it learned of the FAIL, 100..199 ms later (Redis: 500..999),
     * and the request goes out at the first cron after that. */
    TIMELINE_CHECK(tl, tl->request - tl->heir_fail >= 100);
    TIMELINE_CHECK(tl, tl->request - tl->heir_fail < 200 + 2 * CRON_MS);
    TIMELINE_CHECK(tl, tl->promo >= tl->request);
    TIMELINE_CHECK(tl, tl->promo < 3 * node_timeout + 1000);
}

static void failover_after_master_silence(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, NULL);
    sim_run(&s, 3000);
    const int victim = 0, heir = 3;
    s.node[victim].keys[42] = 7;
    for (int t = 0; t < 10; t++) {
        s.node[victim].offset += 100;
        sim_run(&s, 100);
    }
    assert_int_equal(s.node[heir].offset, s.node[victim].offset);
    uint64_t epoch_before = cluster_state_max_epoch(s.node[1].st);

    timeline tl;
    run_failover(&s, 6, victim, heir, 0, 5460, &tl);
    print_message("    failover timeline, node_timeout %d ms (t=0: the master goes silent; last message from it "
                  "delivered at %lld ms):\n",
                  NODE_TIMEOUT, (long long)tl.last_heard);
    print_message("      first PFAIL flag on any node     %6lld ms\n", (long long)tl.pfail);
    print_message("      first FAIL (quorum of masters)   %6lld ms\n", (long long)tl.fail);
    print_message("      replica learns FAIL              %6lld ms\n", (long long)tl.heir_fail);
    print_message("      every node has FAIL              %6lld ms\n", (long long)tl.fail_all);
    print_message("      replica asks for votes           %6lld ms\n", (long long)tl.request);
    print_message("      replica promoted                 %6lld ms\n", (long long)tl.promo);
    print_message("      every node routes to the heir    %6lld ms\n", (long long)tl.adopt);
    print_message("      cluster ok everywhere            %6lld ms\n", (long long)tl.ok);
    print_message("      silent master sees cluster fail  %6lld ms\n", (long long)tl.victim_down);
    assert_timeline(&tl, NODE_TIMEOUT);
    /* Some node sent FAIL to the others. */
    uint64_t fails_sent = 0;
    for (int i = 1; i < 6; i++) fails_sent += s.node[i].st->stats_sent[CMSG_FAIL];
    assert_true(fails_sent > 0);

    /* The votes: both other masters granted this epoch. */
    cluster *heir_cl = CL(&s, heir);
    uint64_t election = heir_cl->failover_auth_epoch;
    assert_true(election > epoch_before);
    assert_int_equal(ME(&s, heir)->config_epoch, election);
    assert_true(heir_cl->failover_auth_count >= 2);
    assert_int_equal(s.node[1].st->last_vote_epoch, election);
    assert_int_equal(s.node[2].st->last_vote_epoch, election);
    assert_true(s.node[heir].unfollows >= 1);
    assert_false(s.node[heir].following);
    for (int i = 1; i < 6; i++) {
        assert_int_equal(view(&s, i, heir)->config_epoch, election);
        assert_true(cnode_is_master(view(&s, i, heir)));
        assert_true(s.node[i].st->current_epoch >= election);
    }
    /* The silent master knows nothing of it. */
    assert_true(cnode_is_master(ME(&s, victim)));
    assert_int_equal(ME(&s, victim)->num_slots, 5461);

    /* Delivery resumes: the old master turns into a replica of the heir. */
    int changes = s.node[victim].follow_changes;
    sim_cut(&s, victim, false);
    int64_t t_heal = s.now;
    int64_t took;
    SIM_UNTIL(&s, 10000, follows(&s, victim, heir) && is_replica_of(&s, 1, victim, heir), took);
    assert_true(took >= 0);
    print_message("      back after the heal: old master replicates the heir after %lld ms\n",
                  (long long)(s.now - t_heal));
    assert_true(ME(&s, victim)->flags & CNODE_SLAVE);
    assert_ptr_equal(ME(&s, victim)->master, view(&s, victim, heir));
    assert_int_equal(ME(&s, victim)->num_slots, 0);
    assert_int_equal(s.node[victim].follow_changes, changes + 1);
    /* It became a replica: its keys go with the resync, not by slot. */
    assert_int_equal(s.node[victim].drops, 0);
    for (int i = 0; i < 6; i++) ASSERT_WITHIN(&s, 5000, is_replica_of(&s, i, victim, heir));
    ASSERT_WITHIN(&s, 5000, !any_flag(&s, 6, victim, CNODE_FAIL | CNODE_PFAIL));
    ASSERT_WITHIN(&s, 10000, all_ok(&s, 6, -1));
    assert_true(slots_owned(&s, 6, -1, 0, 5460, heir));
    for (int i = 0; i < 6; i++) assert_saved_conf_loads(&s, i);
    sim_free(&s);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void print_spread(const char *what, int64_t *v, int n) {
    qsort(v, (size_t)n, sizeof(int64_t), cmp_i64);
    print_message("      %-28s %6lld / %6lld / %6lld\n", what, (long long)v[0], (long long)v[n / 2],
                  (long long)v[n - 1]);
}

/* The same failover many times: random election delays, gossip picks and
 * cron phases make each run different. Printed as feedback for tuning; each
 * run must still follow the contract's timing rules. */
static void failover_timing_spread(void **state) {
    (void)state;
    enum { RUNS = 15 };
    static const int64_t timeouts[] = {NODE_TIMEOUT, 6000};
    for (size_t k = 0; k < sizeof(timeouts) / sizeof(timeouts[0]); k++) {
        int64_t nt = timeouts[k];
        int64_t pfail[RUNS], fail[RUNS], request[RUNS], promo[RUNS], ok[RUNS];
        for (int run = 0; run < RUNS; run++) {
            cluster_config cfg;
            default_cfg(&cfg);
            cfg.node_timeout = nt;
            sim s;
            sim_init(&s);
            build_cluster(&s, 3, 1, &cfg);
            /* A different phase of the crons and pings for every run. */
            sim_run(&s, 1000 + (run * 137) % 1000);
            timeline tl;
            run_failover(&s, 6, 0, 3, 0, 5460, &tl);
            assert_timeline(&tl, nt);
            pfail[run] = tl.pfail;
            fail[run] = tl.fail;
            request[run] = tl.request;
            promo[run] = tl.promo;
            ok[run] = tl.ok;
            sim_free(&s);
        }
        print_message("    node_timeout %lld ms, %d failovers of a silent master, 3 masters + 3 replicas "
                      "(min / median / max ms after the silence):\n",
                      (long long)nt, RUNS);
        print_spread("first PFAIL", pfail, RUNS);
        print_spread("first FAIL", fail, RUNS);
        print_spread("replica asks for votes", request, RUNS);
        print_spread("replica promoted", promo, RUNS);
        print_spread("cluster ok again", ok, RUNS);
    }
}

static void replica_with_old_data_does_not_run(void **state) {
    (void)state;
    cluster_config cfg;
    default_cfg(&cfg);
    /* Data older than 1000 + 1 x 2000 ms is too old. */
    cfg.replica_validity_factor = 1;
    cfg.repl_ping_period_ms = 1000;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, &cfg);
    const int victim = 0, heir = 3;
    /* The replication stream stops while the master keeps talking on the
     * bus for longer than the limit. */
    s.node[heir].repl_frozen = true;
    sim_run(&s, 5000);
    sim_cut(&s, victim, true);
    ASSERT_WITHIN(&s, 10000, all_flag(&s, 6, victim, CNODE_FAIL));
    sim_run(&s, 8000);
    assert_int_equal(s.node[heir].st->stats_sent[CMSG_AUTH_REQUEST], 0);
    assert_true(ME(&s, heir)->flags & CNODE_SLAVE);
    assert_int_equal(s.node[1].st->last_vote_epoch, 0);
    /* Nobody serves the slots: the cluster is down. */
    assert_int_equal(s.node[1].st->state, CLUSTER_FAIL);
    assert_int_equal(s.node[2].st->state, CLUSTER_FAIL);

    /* It was the data age that held it back: with the check off it runs. */
    CL(&s, heir)->cfg.replica_validity_factor = 0;
    ASSERT_WITHIN(&s, 10000, cnode_is_master(ME(&s, heir)));
    ASSERT_WITHIN(&s, 10000, slots_owned(&s, 6, victim, 0, 5460, heir) && all_ok(&s, 6, victim));
    sim_free(&s);
}

/* A replica whose stream was current when the master went silent is not
 * too old, however long the failure detection takes. */
static void silence_alone_does_not_age_the_data(void **state) {
    (void)state;
    cluster_config cfg;
    default_cfg(&cfg);
    /* A limit of 1 x node_timeout (no ping period): failure detection plus
     * the election delay always take longer than that. */
    cfg.replica_validity_factor = 1;
    cfg.repl_ping_period_ms = 0;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, &cfg);
    sim_cut(&s, 0, true);
    ASSERT_WITHIN(&s, 15000, cnode_is_master(ME(&s, 3)));
    assert_true(s.now - s.node[3].primary_last_io > NODE_TIMEOUT);
    sim_free(&s);
}

/* Vote rules seen from one master; the requesters are puppets. */
#define VA "a000000000000000000000000000000000000000" /* failed master A */
#define VB "b000000000000000000000000000000000000000" /* failed master B */
#define VC "c000000000000000000000000000000000000000" /* healthy master without slots */
#define VM "d000000000000000000000000000000000000000" /* the voter */
#define VRA "aa00000000000000000000000000000000000000"
#define VRB "bb00000000000000000000000000000000000000"
#define VRC "cc00000000000000000000000000000000000000"

static void auth_request(sim *s, int from, int to, uint64_t epoch, uint64_t cfg_epoch, int lo, int hi, bool force) {
    simnode *p = &s->node[from];
    cmsg m = p->tmpl;
    m.type = CMSG_AUTH_REQUEST;
    m.current_epoch = epoch;
    m.config_epoch = cfg_epoch;
    memset(m.slots, 0, sizeof(m.slots));
    for (int slot = lo; slot <= hi; slot++) cmsg_slot_set(m.slots, slot);
    if (force) m.mflags[0] |= CMSG_MF_FORCEACK;
    puppet_to(s, from, to, &m);
}

static void master_votes_once_per_epoch(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    int m = sim_node_conf(&s,
                          VM " 10.0.0.1:30001@40001 myself,master - 0 0 3 connected 10923-16383\n"
                          VA " 10.0.0.2:30002@40002 master,fail - 0 0 1 connected 0-5460\n"
                          VB " 10.0.0.3:30003@40003 master,fail - 0 0 2 connected 5461-10922\n"
                          VRA " 10.0.0.4:30004@40004 slave " VA " 0 0 1 connected\n"
                          VRB " 10.0.0.5:30005@40005 slave " VB " 0 0 2 connected\n"
                          VC " 10.0.0.6:30006@40006 master - 0 0 0 connected\n"
                          VRC " 10.0.0.7:30007@40007 slave " VC " 0 0 0 connected\n"
                          "vars currentEpoch 3 lastVoteEpoch 0\n",
                          NULL);
    int ra = sim_puppet(&s, VRA, "10.0.0.4", 30004);
    int rb = sim_puppet(&s, VRB, "10.0.0.5", 30005);
    int c = sim_puppet(&s, VC, "10.0.0.6", 30006);
    int rc = sim_puppet(&s, VRC, "10.0.0.7", 30007);
    puppet_set_replica_of(&s.node[ra], VA);
    puppet_set_slots(&s.node[ra], 0, 5460);
    s.node[ra].tmpl.config_epoch = 1;
    puppet_set_replica_of(&s.node[rb], VB);
    puppet_set_slots(&s.node[rb], 5461, 10922);
    s.node[rb].tmpl.config_epoch = 2;
    puppet_set_replica_of(&s.node[rc], VC);
    (void)c;
    /* Links up, pings answered. */
    sim_run(&s, 500);
    assert_non_null(view(&s, m, ra)->link);
    cluster_state *st = s.node[m].st;

    /* A replica of a failed master, fresh epoch: granted. */
    auth_request(&s, ra, m, 4, 1, 0, 5460, false);
    assert_int_equal(s.node[ra].got[CMSG_AUTH_ACK], 1);
    assert_int_equal(s.node[ra].last_ack_epoch, 4);
    assert_int_equal(st->last_vote_epoch, 4);
    assert_int_equal(st->current_epoch, 4);
    /* The vote is saved with fsync before the next sleep. */
    assert_int_equal(s.node[m].saved.len > 0, 1);
    assert_non_null(strstr(s.node[m].saved.data, "vars currentEpoch 4 lastVoteEpoch 4"));

    /* Another candidate in the same epoch: no second vote. */
    auth_request(&s, rb, m, 4, 2, 5461, 10922, false);
    assert_int_equal(s.node[rb].got[CMSG_AUTH_ACK], 0);
    /* The next epoch: granted. */
    auth_request(&s, rb, m, 5, 2, 5461, 10922, false);
    assert_int_equal(s.node[rb].got[CMSG_AUTH_ACK], 1);
    assert_int_equal(st->last_vote_epoch, 5);

    /* A replica of A again, new epoch, but within 2 x node_timeout of the
     * vote for A's replica: refused. */
    sim_run(&s, NODE_TIMEOUT);
    auth_request(&s, ra, m, 6, 1, 0, 5460, false);
    assert_int_equal(s.node[ra].got[CMSG_AUTH_ACK], 1);
    sim_run(&s, NODE_TIMEOUT + 100);
    auth_request(&s, ra, m, 7, 1, 0, 5460, false);
    assert_int_equal(s.node[ra].got[CMSG_AUTH_ACK], 2);
    assert_int_equal(st->last_vote_epoch, 7);

    /* A request from an older epoch than ours: refused. */
    sim_run(&s, 2 * NODE_TIMEOUT + 100);
    auth_request(&s, rb, m, 6, 2, 5461, 10922, false);
    assert_int_equal(s.node[rb].got[CMSG_AUTH_ACK], 1);
    assert_int_equal(st->current_epoch, 7);

    /* Claiming a slot whose owner has a newer configEpoch: refused. */
    auth_request(&s, rb, m, 8, 2, 5461, 10923, false);
    assert_int_equal(s.node[rb].got[CMSG_AUTH_ACK], 1);
    assert_int_equal(st->last_vote_epoch, 7);
    auth_request(&s, rb, m, 9, 2, 5461, 10922, false);
    assert_int_equal(s.node[rb].got[CMSG_AUTH_ACK], 2);

    /* The master of the candidate is healthy: only FORCEACK gets a vote. */
    auth_request(&s, rc, m, 10, 0, 1, 0, false);
    assert_int_equal(s.node[rc].got[CMSG_AUTH_ACK], 0);
    auth_request(&s, rc, m, 11, 0, 1, 0, true);
    assert_int_equal(s.node[rc].got[CMSG_AUTH_ACK], 1);
    assert_int_equal(st->last_vote_epoch, 11);

    /* A master never votes, nor does an unknown sender get an answer. */
    sim_run(&s, 2 * NODE_TIMEOUT + 100);
    cmsg req = s.node[c].tmpl;
    req.type = CMSG_AUTH_REQUEST;
    req.current_epoch = 12;
    puppet_to(&s, c, m, &req);
    assert_int_equal(s.node[c].got[CMSG_AUTH_ACK], 0);
    int stranger = sim_puppet(&s, "eeee000000000000000000000000000000000000", "10.0.0.9", 30009);
    puppet_set_replica_of(&s.node[stranger], VA);
    auth_request(&s, stranger, m, 13, 1, 0, 5460, true);
    assert_int_equal(s.node[stranger].got[CMSG_AUTH_ACK], 0);
    assert_int_equal(st->last_vote_epoch, 11);
    sim_free(&s);
}

static void manual_failover_modes(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, NULL);
    sim_run(&s, 1000);
    buf err;
    buf_init(&err);

    assert_int_equal(cluster_failover(CL(&s, 0), CLUSTER_FAILOVER_DEFAULT, s.now, &err), -1);
    assert_string_equal(err.data, "ERR You should send CLUSTER FAILOVER to a replica");

    /* DEFAULT: the master pauses, the replica catches up to the paused
     * offset, then wins an election with FORCEACK, with no delay. */
    s.node[0].offset += 500;
    int64_t t0 = s.now;
    buf_clear(&err);
    assert_int_equal(cluster_failover(CL(&s, 3), CLUSTER_FAILOVER_DEFAULT, s.now, &err), 0);
    before_sleep_all(&s);
    int64_t took;
    SIM_UNTIL(&s, 5000, cnode_is_master(ME(&s, 3)), took);
    assert_true(took >= 0);
    print_message("    CLUSTER FAILOVER: replica promoted %lld ms after the command\n", (long long)(s.now - t0));
    assert_true(took < 1000);
    assert_true(s.node[0].max_pause >= t0 + 5000); /* writes held while the replica catches up */
    assert_int_equal(s.node[3].offset, s.node[0].offset);
    assert_true(s.node[3].st->stats_sent[CMSG_AUTH_REQUEST] >= 1);
    ASSERT_WITHIN(&s, 5000, follows(&s, 0, 3) && is_replica_of(&s, 0, 0, 3));
    ASSERT_WITHIN(&s, 5000, slots_owned(&s, 6, -1, 0, 5460, 3));
    /* The old master's pause ended when it turned replica. */
    assert_int_equal(s.node[0].pause_until, 0);

    /* FORCE: the master is unreachable, no waiting for its offset. */
    sim_cut(&s, 1, true);
    ASSERT_WITHIN(&s, 10000, view(&s, 4, 1)->link == NULL || cnode_failed(view(&s, 4, 1)));
    buf_clear(&err);
    assert_int_equal(cluster_failover(CL(&s, 4), CLUSTER_FAILOVER_DEFAULT, s.now, &err), -1);
    assert_string_equal(err.data, "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
    uint64_t votes_before = s.node[2].st->last_vote_epoch;
    t0 = s.now;
    buf_clear(&err);
    assert_int_equal(cluster_failover(CL(&s, 4), CLUSTER_FAILOVER_FORCE, s.now, &err), 0);
    before_sleep_all(&s);
    SIM_UNTIL(&s, 5000, cnode_is_master(ME(&s, 4)), took);
    assert_true(took >= 0);
    print_message("    CLUSTER FAILOVER FORCE: replica promoted %lld ms after the command\n", (long long)(s.now - t0));
    assert_true(took < 1000);
    assert_true(s.node[2].st->last_vote_epoch > votes_before);
    ASSERT_WITHIN(&s, 5000, slots_owned(&s, 6, 1, 5461, 10922, 4));

    /* TAKEOVER: no election at all; the epoch is bumped without consensus
     * and the slots are taken at once. */
    uint64_t requests = s.node[5].st->stats_sent[CMSG_AUTH_REQUEST];
    uint64_t max_epoch = 0;
    for (int i = 0; i < 6; i++)
        if (i != 1 && cluster_state_max_epoch(s.node[i].st) > max_epoch)
            max_epoch = cluster_state_max_epoch(s.node[i].st);
    uint64_t vote0 = s.node[0].st->last_vote_epoch, vote3 = s.node[3].st->last_vote_epoch;
    buf_clear(&err);
    assert_int_equal(cluster_failover(CL(&s, 5), CLUSTER_FAILOVER_TAKEOVER, s.now, &err), 0);
    assert_true(cnode_is_master(ME(&s, 5)));
    assert_int_equal(ME(&s, 5)->num_slots, CLUSTER_SLOTS - 10923);
    assert_int_equal(ME(&s, 5)->config_epoch, s.node[5].st->current_epoch);
    assert_true(ME(&s, 5)->config_epoch > vote3);
    assert_true(ME(&s, 5)->config_epoch >= max_epoch);
    assert_false(s.node[5].following);
    sim_run(&s, 2000);
    assert_int_equal(s.node[5].st->stats_sent[CMSG_AUTH_REQUEST], requests);
    assert_int_equal(s.node[0].st->last_vote_epoch, vote0);
    assert_int_equal(s.node[3].st->last_vote_epoch, vote3);
    ASSERT_WITHIN(&s, 5000, follows(&s, 2, 5) && slots_owned(&s, 6, 1, 10923, 16383, 5));

    /* The unreachable master comes back as a replica of its heir. */
    sim_cut(&s, 1, false);
    ASSERT_WITHIN(&s, 10000, follows(&s, 1, 4));
    for (int i = 0; i < 6; i++) {
        ASSERT_WITHIN(&s, 5000, is_replica_of(&s, i, 0, 3) && is_replica_of(&s, i, 1, 4) && is_replica_of(&s, i, 2, 5));
    }
    ASSERT_WITHIN(&s, 10000, all_ok(&s, 6, -1));
    buf_fini(&err);
    sim_free(&s);
}

static void manual_failover_times_out_without_catching_up(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, NULL);
    /* The replica never reaches the offset the master paused at. */
    s.node[3].repl_frozen = true;
    s.node[0].offset += 1000;
    buf err;
    buf_init(&err);
    assert_int_equal(cluster_failover(CL(&s, 3), CLUSTER_FAILOVER_DEFAULT, s.now, &err), 0);
    sim_run(&s, 3000);
    assert_true(s.node[0].pause_until > s.now);
    assert_true(CL(&s, 3)->mf_end != 0);
    sim_run(&s, 3000);
    /* After 5 s both sides give up; the master's writes are released. */
    assert_int_equal(CL(&s, 3)->mf_end, 0);
    assert_int_equal(CL(&s, 0)->mf_end, 0);
    assert_int_equal(s.node[0].pause_until, 0);
    assert_true(ME(&s, 3)->flags & CNODE_SLAVE);
    assert_int_equal(s.node[3].st->stats_sent[CMSG_AUTH_REQUEST], 0);
    buf_fini(&err);
    sim_free(&s);
}

static void forget_blacklists_for_a_minute(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, NULL);
    buf err;
    buf_init(&err);
    assert_int_equal(cluster_forget(CL(&s, 0), name_of(&s, 0), CLUSTER_NAMELEN, s.now, &err), -1);
    assert_string_equal(err.data, "ERR I tried hard but I can't forget myself...");
    buf_clear(&err);
    assert_int_equal(cluster_forget(CL(&s, 3), name_of(&s, 0), CLUSTER_NAMELEN, s.now, &err), -1);
    assert_string_equal(err.data, "ERR Can't forget my master!");
    buf_clear(&err);
    const char *unknown = "0123456789012345678901234567890123456789";
    assert_int_equal(cluster_forget(CL(&s, 0), unknown, CLUSTER_NAMELEN, s.now, &err), -1);
    assert_string_equal(err.data, "ERR Unknown node 0123456789012345678901234567890123456789");

    int64_t t_forget = s.now;
    buf_clear(&err);
    assert_int_equal(cluster_forget(CL(&s, 0), name_of(&s, 5), CLUSTER_NAMELEN, s.now, &err), 0);
    assert_null(view(&s, 0, 5));
    assert_int_equal(s.node[0].st->num_nodes, 5);
    assert_int_equal(view(&s, 0, 2)->num_replicas, 0);
    /* Everyone else still gossips about it; node 0 keeps it out. */
    while (s.now - t_forget < 59000) {
        sim_run(&s, 500);
        if (view(&s, 0, 5)) fail_msg("forgotten node re-learned after %lld ms", (long long)(s.now - t_forget));
    }
    assert_true(all_ok(&s, 6, -1));
    assert_true(view(&s, 1, 5) != NULL);
    int64_t took;
    SIM_UNTIL(&s, 20000, knows(&s, 0, 5), took);
    assert_true(took >= 0);
    print_message("    FORGET: re-learned from gossip %lld ms after the forget (blacklist 60000 ms)\n",
                  (long long)(s.now - t_forget));
    assert_true(s.now - t_forget > 60000);
    ASSERT_WITHIN(&s, 5000, is_replica_of(&s, 0, 5, 2));
    buf_fini(&err);
    sim_free(&s);
}

/* UPDATE messages, against one engine with puppet peers. */
#define UE "e000000000000000000000000000000000000000"
#define UX "f100000000000000000000000000000000000000"
#define UP "f200000000000000000000000000000000000000"

static void update_moves_slots_and_demotes(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    int e = sim_node_conf(&s,
                          UE " 10.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-99\n"
                          UX " 10.0.0.2:30002@40002 master - 0 0 2 connected 100-199\n"
                          UP " 10.0.0.3:30003@40003 master - 0 0 3 connected 200-299\n"
                          "vars currentEpoch 3 lastVoteEpoch 0\n",
                          NULL);
    int x = sim_puppet(&s, UX, "10.0.0.2", 30002);
    int p = sim_puppet(&s, UP, "10.0.0.3", 30003);
    puppet_set_slots(&s.node[x], 100, 199);
    s.node[x].tmpl.config_epoch = 2;
    puppet_set_slots(&s.node[p], 200, 299);
    s.node[p].tmpl.config_epoch = 3;
    sim_run(&s, 500);
    cluster_state *st = s.node[e].st;
    cnode *nx = view(&s, e, x);
    s.node[e].keys[10] = 3;
    s.node[e].keys[60] = 1;

    /* A peer claiming X's slots with an older epoch is told about X. */
    cmsg ping = s.node[p].tmpl;
    ping.type = CMSG_PING;
    for (int slot = 100; slot <= 110; slot++) cmsg_slot_set(ping.slots, slot);
    ping.config_epoch = 1;
    puppet_to(&s, p, e, &ping);
    assert_int_equal(s.node[p].got[CMSG_UPDATE], 1);
    assert_memory_equal(s.node[p].last_update.update_name, UX, CLUSTER_NAMELEN);
    assert_int_equal(s.node[p].last_update.update_epoch, 2);
    assert_true(cmsg_slot_get(s.node[p].last_update.update_slots, 150));
    assert_false(cmsg_slot_get(s.node[p].last_update.update_slots, 250));
    assert_ptr_equal(st->slots[105], nx);

    /* X stops claiming 190-199: they stay bound to X but are up for grabs,
     * and UPDATEs about X no longer announce them. */
    puppet_set_slots(&s.node[x], 100, 189);
    cmsg xping = s.node[x].tmpl;
    xping.type = CMSG_PING;
    puppet_to(&s, x, e, &xping);
    assert_ptr_equal(st->slots[195], nx);
    assert_true(cmsg_slot_get(st->unclaimed, 195));
    puppet_to(&s, p, e, &ping);
    assert_int_equal(s.node[p].got[CMSG_UPDATE], 2);
    assert_true(cmsg_slot_get(s.node[p].last_update.update_slots, 189));
    assert_false(cmsg_slot_get(s.node[p].last_update.update_slots, 190));
    /* P claims one of them with an epoch older than X's: granted. */
    cmsg_slot_set(ping.slots, 195);
    puppet_to(&s, p, e, &ping);
    assert_ptr_equal(st->slots[195], view(&s, e, p));
    assert_false(cmsg_slot_get(st->unclaimed, 195));
    assert_ptr_equal(st->slots[105], nx);

    cmsg up = s.node[p].tmpl;
    up.type = CMSG_UPDATE;
    memcpy(up.update_name, UX, CLUSTER_NAMELEN);
    /* Not newer than what we know of X: ignored. */
    up.update_epoch = 2;
    for (int slot = 0; slot <= 49; slot++) cmsg_slot_set(up.update_slots, slot);
    puppet_to(&s, p, e, &up);
    assert_ptr_equal(st->slots[0], st->myself);
    assert_int_equal(nx->config_epoch, 2);

    /* From an unknown sender: ignored. */
    int stranger = sim_puppet(&s, "0990000000000000000000000000000000000000", "10.0.0.8", 30008);
    cmsg up2 = up;
    memcpy(up2.sender, s.node[stranger].name, CLUSTER_NAMELEN);
    up2.update_epoch = 9;
    puppet_to(&s, stranger, e, &up2);
    assert_ptr_equal(st->slots[0], st->myself);
    assert_int_equal(nx->config_epoch, 2);

    /* Newer: X takes 0-49 (plus what it had). Slot 10 had keys here: they
     * are dropped; slot 60 stays ours. */
    up.update_epoch = 5;
    for (int slot = 100; slot <= 199; slot++) cmsg_slot_set(up.update_slots, slot);
    puppet_to(&s, p, e, &up);
    assert_int_equal(nx->config_epoch, 5);
    assert_ptr_equal(st->slots[0], nx);
    assert_ptr_equal(st->slots[49], nx);
    assert_ptr_equal(st->slots[50], st->myself);
    assert_int_equal(st->myself->num_slots, 50);
    assert_int_equal(nx->num_slots, 150);
    assert_int_equal(s.node[e].keys[10], 0);
    assert_int_equal(s.node[e].drops, 1);
    assert_int_equal(s.node[e].keys[60], 1);
    assert_true(cnode_is_master(st->myself));
    assert_false(s.node[e].following);

    /* Newer again, and it takes our last slots: we follow X. */
    up.update_epoch = 6;
    for (int slot = 50; slot <= 99; slot++) cmsg_slot_set(up.update_slots, slot);
    int fsyncs = s.node[e].fsyncs;
    puppet_to(&s, p, e, &up);
    assert_int_equal(st->myself->num_slots, 0);
    assert_true(st->myself->flags & CNODE_SLAVE);
    assert_ptr_equal(st->myself->master, nx);
    assert_true(follows(&s, e, x));
    /* Becoming a replica keeps the data for the resync to replace. */
    assert_int_equal(s.node[e].keys[60], 1);
    assert_int_equal(s.node[e].drops, 1);
    assert_true(s.node[e].fsyncs > fsyncs);
    buf b;
    buf_init(&b);
    cluster_node_line(st, st->myself, &b);
    assert_string_equal(b.data, UE " 10.0.0.1:30001@40001 myself,slave " UX " 0 0 6 connected");
    buf_fini(&b);
    sim_free(&s);
}

static void reset_soft_and_hard(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, NULL);
    buf err;
    buf_init(&err);

    s.node[0].keys[3] = 1;
    assert_int_equal(cluster_reset(CL(&s, 0), false, &err), -1);
    assert_string_equal(err.data, "ERR CLUSTER RESET can't be called with master nodes containing keys");
    assert_int_equal(s.node[0].st->num_nodes, 6);

    /* Soft reset of a replica: master, alone, data gone, same id and
     * epochs. */
    char name5[CLUSTER_NAMELEN];
    memcpy(name5, name_of(&s, 5), CLUSTER_NAMELEN);
    uint64_t cur5 = s.node[5].st->current_epoch, cfg5 = ME(&s, 5)->config_epoch;
    s.node[5].keys[12000] = 4;
    assert_int_equal(cluster_reset(CL(&s, 5), false, &err), 0);
    before_sleep_all(&s);
    assert_true(cnode_is_master(ME(&s, 5)));
    assert_false(ME(&s, 5)->flags & CNODE_SLAVE);
    assert_int_equal(s.node[5].st->num_nodes, 1);
    assert_false(s.node[5].following);
    assert_int_equal(s.node[5].unfollows, 1);
    assert_int_equal(s.node[5].keys[12000], 0);
    assert_int_equal(cluster_state_count_slots_assigned(s.node[5].st), 0);
    assert_memory_equal(name_of(&s, 5), name5, CLUSTER_NAMELEN);
    assert_int_equal(s.node[5].st->current_epoch, cur5);
    assert_int_equal(ME(&s, 5)->config_epoch, cfg5);
    /* The others, still pinging it, see an empty master; it does not learn
     * them back from PINGs (only MEET introduces). */
    for (int i = 0; i < 5; i++) ASSERT_WITHIN(&s, 5000, cnode_is_master(view(&s, i, 5)));
    sim_run(&s, 3000);
    assert_int_equal(s.node[5].st->num_nodes, 1);
    for (int i = 0; i < 5; i++) {
        cnode *n = view(&s, i, 5);
        assert_int_equal(n->num_slots, 0);
        assert_false(n->flags & (CNODE_PFAIL | CNODE_FAIL));
        assert_int_equal(view(&s, i, 2)->num_replicas, 0);
    }

    /* Hard reset of a replica: new id, epochs back to 0. The others reach
     * its address, get a PONG with an unknown id and mark the old id
     * noaddr. */
    char old4[CLUSTER_NAMELEN + 1];
    memcpy(old4, name_of(&s, 4), CLUSTER_NAMELEN);
    old4[CLUSTER_NAMELEN] = '\0';
    buf_clear(&err);
    assert_int_equal(cluster_reset(CL(&s, 4), true, &err), 0);
    before_sleep_all(&s);
    assert_memory_not_equal(name_of(&s, 4), old4, CLUSTER_NAMELEN);
    assert_int_equal(s.node[4].st->current_epoch, 0);
    assert_int_equal(s.node[4].st->last_vote_epoch, 0);
    assert_int_equal(ME(&s, 4)->config_epoch, 0);
    assert_int_equal(s.node[4].st->num_nodes, 1);
    assert_non_null(strstr(s.node[4].saved.data, "vars currentEpoch 0 lastVoteEpoch 0"));
    char new4[CLUSTER_NAMELEN + 1];
    memcpy(new4, name_of(&s, 4), CLUSTER_NAMELEN);
    new4[CLUSTER_NAMELEN] = '\0';
    assert_non_null(strstr(s.node[4].saved.data, new4));
    assert_null(strstr(s.node[4].saved.data, old4));
    cnode *old = NULL;
    ASSERT_WITHIN(&s, 5000,
                  (old = cluster_state_find(s.node[0].st, old4, CLUSTER_NAMELEN)) != NULL &&
                      (old->flags & CNODE_NOADDR));
    buf b;
    buf_init(&b);
    cluster_node_line(s.node[0].st, old, &b);
    char want[160];
    snprintf(want, sizeof(want), "%s :0@0 slave,noaddr %.40s ", old4, name_of(&s, 1));
    assert_memory_equal(b.data, want, strlen(want));
    assert_non_null(strstr(b.data, " disconnected"));
    assert_null(cluster_state_find(s.node[0].st, name_of(&s, 4), CLUSTER_NAMELEN));
    buf_fini(&b);
    buf_fini(&err);
    sim_free(&s);
}

static void replica_migrates_to_orphaned_master(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    /* Masters 0,1,2; replicas 3->0, 4->1, 5->2, 6->0. */
    build_cluster(&s, 3, 1, NULL);
    int extra = sim_node(&s, NULL);
    meet(&s, 0, extra);
    ASSERT_WITHIN(&s, 10000, all_know_all(&s, 7));
    replicate_cmd(&s, extra, 0);
    for (int i = 0; i < 7; i++) ASSERT_WITHIN(&s, 5000, is_replica_of(&s, i, extra, 0));
    ASSERT_WITHIN(&s, 5000, all_ok(&s, 7, -1));
    /* Master 1 loses its only replica for good. */
    sim_cut(&s, 4, true);
    int64_t t_cut = s.now;
    ASSERT_WITHIN(&s, 15000, all_flag(&s, 7, 4, CNODE_FAIL));
    /* Master 0 has two replicas; the one with the smaller id moves. */
    int mover = memcmp(name_of(&s, 3), name_of(&s, extra), CLUSTER_NAMELEN) < 0 ? 3 : extra;
    int stayer = mover == 3 ? extra : 3;
    int64_t t_fail = s.now;
    int64_t took;
    SIM_UNTIL(&s, 15000, follows(&s, mover, 1), took);
    assert_true(took >= 0);
    print_message("    replica migration: moved %lld ms after the replica of master 1 was FAIL\n",
                  (long long)(s.now - t_fail));
    /* Orphaned for more than 5 s, counted at the earliest from the cut. */
    assert_true(s.now - t_cut > 5000 + NODE_TIMEOUT);
    assert_true(follows(&s, stayer, 0));
    for (int i = 0; i < 7; i++) {
        if (i == 4) continue;
        ASSERT_WITHIN(&s, 5000, is_replica_of(&s, i, mover, 1));
    }
    sim_free(&s);
}


static void hostname_travels_with_pings(void **state) {
    (void)state;
    cluster_config named;
    default_cfg(&named);
    snprintf(named.hostname, sizeof(named.hostname), "host-b");
    sim s;
    sim_init(&s);
    sim_node(&s, NULL);
    int b = sim_node(&s, &named);
    sim_node(&s, NULL);
    cnode_set_hostname(ME(&s, b), "host-b"); /* as the server does from its config */
    meet(&s, 0, 1);
    meet(&s, 0, 2);
    ASSERT_WITHIN(&s, 5000, all_know_all(&s, 3));
    for (int i = 0; i < 3; i++) {
        if (i == b) continue;
        ASSERT_WITHIN(&s, 3000, view(&s, i, b)->hostname != NULL);
        assert_string_equal(view(&s, i, b)->hostname, "host-b");
        assert_null(view(&s, i, 2 - i)->hostname);
    }
    buf line;
    buf_init(&line);
    node_line(&s, 2, b, &line);
    assert_non_null(strstr(line.data, " 10.0.0.2:30002@40002,host-b master "));
    /* The hostname is part of nodes.conf. */
    buf_clear(&line);
    cluster_conf_text(s.node[2].st, &line);
    assert_non_null(strstr(line.data, "10.0.0.2:30002@40002,host-b "));
    /* Messages without the extension mean "no hostname". */
    CL(&s, b)->cfg.hostname[0] = '\0';
    cnode_set_hostname(ME(&s, b), NULL);
    ASSERT_WITHIN(&s, 3000, view(&s, 0, b)->hostname == NULL && view(&s, 2, b)->hostname == NULL);
    buf_fini(&line);
    sim_free(&s);
}

/* A whole stack restarted with every address changed: the nodes find each
 * other again by host name, and each learns its own new address. */
#define RA "a000000000000000000000000000000000000001"
#define RB "a000000000000000000000000000000000000002"
#define RC "a000000000000000000000000000000000000003"

static void restart_with_new_addresses(void **state) {
    (void)state;
    static const char *const conf[3] = {
        RA " 10.0.0.1:30001@40001,h1 myself,master - 0 0 1 connected 0-5460\n"
        RB " 10.0.0.2:30002@40002,h2 master - 0 0 2 connected 5461-10922\n"
        RC " 10.0.0.3:30003@40003,h3 master - 0 0 3 connected 10923-16383\n"
        "vars currentEpoch 3 lastVoteEpoch 0\n",
        RA " 10.0.0.1:30001@40001,h1 master - 0 0 1 connected 0-5460\n"
        RB " 10.0.0.2:30002@40002,h2 myself,master - 0 0 2 connected 5461-10922\n"
        RC " 10.0.0.3:30003@40003,h3 master - 0 0 3 connected 10923-16383\n"
        "vars currentEpoch 3 lastVoteEpoch 0\n",
        RA " 10.0.0.1:30001@40001,h1 master - 0 0 1 connected 0-5460\n"
        RB " 10.0.0.2:30002@40002,h2 master - 0 0 2 connected 5461-10922\n"
        RC " 10.0.0.3:30003@40003,h3 myself,master - 0 0 3 connected 10923-16383\n"
        "vars currentEpoch 3 lastVoteEpoch 0\n",
    };
    /* The new addresses are shuffled: node 0 comes back at node 2's old one. */
    static const char *const new_ip[3] = {"10.0.0.3", "10.0.0.7", "10.0.0.8"};
    sim s;
    sim_init(&s);
    for (int i = 0; i < 3; i++) {
        cluster_config c;
        default_cfg(&c);
        snprintf(c.hostname, sizeof(c.hostname), "h%d", i + 1);
        int k = sim_node_conf(&s, conf[i], &c);
        cnode_set_hostname(ME(&s, k), c.hostname);
        snprintf(s.node[k].ip, sizeof(s.node[k].ip), "%s", new_ip[i]);
    }
    /* knows() compares with the new addresses, myself's included. */
    ASSERT_WITHIN(&s, 10000, all_know_all(&s, 3) && all_ok(&s, 3, -1));
    for (int i = 0; i < 3; i++) {
        assert_string_equal(ME(&s, i)->ip, new_ip[i]);
        for (int j = 0; j < 3; j++)
            if (i != j) assert_false(view(&s, i, j)->flags & (CNODE_PFAIL | CNODE_FAIL | CNODE_NOADDR));
    }
    sim_free(&s);
}

/* A master cut off from the others stops taking writes after half the
 * node timeout, before the majority can promote its replica; the masters
 * of the majority never do, and the cut-off one rejoins as a replica. */
static void minority_master_fences_writes_early(void **state) {
    (void)state;
    const int timeout = 6000;
    cluster_config cfg;
    default_cfg(&cfg);
    cfg.node_timeout = timeout;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, &cfg);
    sim_run(&s, 3000);
    for (int i = 0; i < 6; i++) assert_false(s.node[i].st->writes_fenced);

    const int victim = 0, heir = 3;
    int64_t t0 = s.now;
    sim_cut(&s, victim, true);
    int64_t fenced_at = -1, down_at = -1, promoted_at = -1;
    while (s.now - t0 < 4 * timeout && (promoted_at < 0 || down_at < 0)) {
        sim_step(&s);
        for (int i = 1; i < 3; i++)
            if (s.node[i].st->writes_fenced) fail_msg("master %d of the majority fenced its writes", i);
        if (fenced_at < 0 && s.node[victim].st->writes_fenced) {
            fenced_at = s.now - t0;
            assert_int_equal(s.node[victim].st->state, CLUSTER_OK);
        }
        if (down_at < 0 && s.node[victim].st->state == CLUSTER_FAIL) down_at = s.now - t0;
        if (promoted_at < 0 && cnode_is_master(ME(&s, heir))) promoted_at = s.now - t0;
    }
    print_message("    cut at t=0 (node timeout %d ms): writes fenced %lld ms, cluster fail %lld ms, "
                  "replica promoted %lld ms\n",
                  timeout, (long long)fenced_at, (long long)down_at, (long long)promoted_at);
    /* Heard from last at most a ping interval (1 s) before the cut. */
    assert_true(fenced_at >= timeout / 2 - 1000 && fenced_at <= timeout / 2 + 2 * CRON_MS);
    assert_true(promoted_at > fenced_at && down_at > fenced_at);
    assert_true(s.node[victim].st->writes_fenced);

    sim_cut(&s, victim, false);
    ASSERT_WITHIN(&s, 3 * timeout, is_replica_of(&s, victim, victim, heir));
    ASSERT_WITHIN(&s, 3 * timeout, all_ok(&s, 6, -1));
    sim_run(&s, 2 * CRON_MS); /* the fence is recomputed by the timer */
    for (int i = 0; i < 6; i++) assert_false(s.node[i].st->writes_fenced);
    sim_free(&s);
}

/* The process of node `old` is gone for good, and a fresh engine node
 * that announces `hostname` starts at its address (a container recreated
 * with an empty volume). Returns the fresh node. */
static int sim_replace(sim *s, int old, const char *hostname) {
    sim_cut(s, old, true);
    char addr[CMSG_IPLEN + 1];
    snprintf(addr, sizeof(addr), "%s", s->node[old].ip);
    snprintf(s->node[old].ip, sizeof(s->node[old].ip), "10.9.9.9");
    cluster_config named;
    default_cfg(&named);
    snprintf(named.hostname, sizeof(named.hostname), "%s", hostname);
    int fresh = sim_node(s, &named);
    snprintf(s->node[fresh].ip, sizeof(s->node[fresh].ip), "%s", addr);
    s->node[fresh].port = s->node[old].port;
    s->node[fresh].cport = s->node[old].cport;
    ME(s, fresh)->port = CL(s, fresh)->cfg.port = s->node[old].port;
    ME(s, fresh)->cport = CL(s, fresh)->cfg.cport = s->node[old].cport;
    cnode_set_hostname(ME(s, fresh), hostname);
    return fresh;
}

/* A node replaced by a fresh one under the same host name and address
 * (a container recreated with an empty volume): the others mark the old
 * id without an address once and stop dialling it, rather than finding
 * the stranger there again every second. */
static void replaced_node_is_not_redialled(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 0, NULL);
    cluster_config named;
    default_cfg(&named);
    snprintf(named.hostname, sizeof(named.hostname), "h4");
    int old = sim_node(&s, &named);
    cnode_set_hostname(ME(&s, old), "h4");
    meet(&s, 0, old);
    ASSERT_WITHIN(&s, 5000, all_know_all(&s, 4));
    replicate_cmd(&s, old, 0);
    ASSERT_WITHIN(&s, 5000, is_replica_of(&s, 1, old, 0) && is_replica_of(&s, 2, old, 0));

    int fresh = sim_replace(&s, old, "h4");
    for (int i = 0; i < 3; i++) ASSERT_WITHIN(&s, 10000, view(&s, i, old)->flags & CNODE_NOADDR);
    int before[3];
    for (int i = 0; i < 3; i++) before[i] = s.node[i].connects;
    sim_run(&s, 20000);
    for (int i = 0; i < 3; i++) {
        assert_true(view(&s, i, old)->flags & CNODE_NOADDR);
        assert_null(view(&s, i, fresh)); /* nobody met it */
        if (s.node[i].connects - before[i] > 2)
            fail_msg("node %d dialled %d times in 20 s", i, s.node[i].connects - before[i]);
    }
    assert_true(all_ok(&s, 3, -1));
    sim_free(&s);
}

/* The same with a master: the others mark its former id failing although
 * they no longer know where to ping it, and its replica takes over. */
static void replaced_master_fails_over(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 1, NULL);
    const int victim = 0, heir = 3;
    snprintf(CL(&s, victim)->cfg.hostname, sizeof(CL(&s, victim)->cfg.hostname), "h0");
    cnode_set_hostname(ME(&s, victim), "h0");
    for (int i = 1; i < 6; i++) ASSERT_WITHIN(&s, 5000, view(&s, i, victim)->hostname != NULL);

    sim_replace(&s, victim, "h0");
    int64_t t0 = s.now;
    ASSERT_WITHIN(&s, 3 * NODE_TIMEOUT, cnode_is_master(ME(&s, heir)));
    print_message("    master replaced under its name and address: replica promoted after %lld ms\n",
                  (long long)(s.now - t0));
    for (int i = 1; i < 6; i++) {
        if (i == victim) continue;
        ASSERT_WITHIN(&s, 3000, view(&s, i, victim)->flags & CNODE_FAIL);
    }
    ASSERT_WITHIN(&s, 5000, all_ok(&s, 6, victim));
    sim_free(&s);
}

/* A replica that completes the quorum broadcasts FAIL like a master. */
#define FR "f000000000000000000000000000000000000001"
#define FM1 "f000000000000000000000000000000000000002"
#define FM2 "f000000000000000000000000000000000000003"
#define FM3 "f000000000000000000000000000000000000004"
#define FX "f000000000000000000000000000000000000005"

static void replica_broadcasts_fail(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    int r = sim_node_conf(&s,
                          FR " 10.0.0.1:30001@40001 myself,slave " FM1 " 0 0 1 connected\n"
                          FM1 " 10.0.0.2:30002@40002 master - 0 0 1 connected 0-4000\n"
                          FM2 " 10.0.0.3:30003@40003 master - 0 0 2 connected 4001-8000\n"
                          FM3 " 10.0.0.4:30004@40004 master - 0 0 3 connected 8001-12000\n"
                          FX " 10.0.0.5:30005@40005 master,fail? - 0 0 4 connected 12001-16383\n"
                          "vars currentEpoch 4 lastVoteEpoch 0\n",
                          NULL);
    int m1 = sim_puppet(&s, FM1, "10.0.0.2", 30002);
    int m2 = sim_puppet(&s, FM2, "10.0.0.3", 30003);
    int m3 = sim_puppet(&s, FM3, "10.0.0.4", 30004);
    puppet_set_slots(&s.node[m1], 0, 4000);
    puppet_set_slots(&s.node[m2], 4001, 8000);
    puppet_set_slots(&s.node[m3], 8001, 12000);
    s.node[m1].tmpl.config_epoch = 1;
    s.node[m2].tmpl.config_epoch = 2;
    s.node[m3].tmpl.config_epoch = 3;
    /* X (never reachable: nothing listens at its address) stays PFAIL. */
    sim_run(&s, 500);
    assert_non_null(view(&s, r, m3)->link);
    cnode *x = cluster_state_find(s.node[r].st, FX, CLUSTER_NAMELEN);
    assert_true(x->flags & CNODE_PFAIL);

    cmsg_gossip g;
    memset(&g, 0, sizeof(g));
    memcpy(g.name, FX, CLUSTER_NAMELEN);
    snprintf(g.ip, sizeof(g.ip), "10.0.0.5");
    g.port = 30005;
    g.cport = 40005;
    g.flags = CNODE_MASTER | CNODE_PFAIL;
    for (int k = 0; k < 2; k++) {
        int from = k == 0 ? m1 : m2;
        cmsg ping = s.node[from].tmpl;
        ping.type = CMSG_PING;
        ping.gossip = &g;
        ping.gossip_count = 1;
        puppet_to(&s, from, r, &ping);
    }
    /* Two of four masters with slots is not a majority... */
    assert_false(x->flags & CNODE_FAIL);
    assert_int_equal(x->num_reports, 2);
    cmsg ping = s.node[m3].tmpl;
    ping.type = CMSG_PING;
    ping.gossip = &g;
    ping.gossip_count = 1;
    puppet_to(&s, m3, r, &ping);
    /* ...three is: FAIL, and everybody is told. */
    assert_true(x->flags & CNODE_FAIL);
    for (int p = m1; p <= m3; p++) {
        assert_int_equal(s.node[p].got[CMSG_FAIL], 1);
        assert_memory_equal(s.node[p].last_fail_name, FX, CLUSTER_NAMELEN);
    }
    sim_free(&s);
}

/* Compat 7.8: a slot whose owner stopped claiming it stays bound to that
 * owner, but anyone may claim it, whatever its epoch. */
static void unclaimed_slot_goes_to_the_next_claimant(void **state) {
    (void)state;
    sim s;
    sim_init(&s);
    build_cluster(&s, 3, 0, NULL);
    sim_run(&s, 1000);
    /* Node 2 (epoch 3) lets slot 16000 go. */
    cluster *c2 = CL(&s, 2);
    assert_int_equal(cluster_state_del_slot(c2->st, 16000), 0);
    c2->todo |= CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE;
    sim_run(&s, 2000);
    for (int i = 0; i < 2; i++) {
        assert_ptr_equal(s.node[i].st->slots[16000], view(&s, i, 2));
        assert_int_equal(s.node[i].st->state, CLUSTER_OK);
    }
    assert_int_equal(s.node[2].st->state, CLUSTER_FAIL);

    /* Node 0 (epoch 1, older than node 2's) takes it. */
    buf err;
    buf_init(&err);
    assert_int_equal(cluster_setslot_node(CL(&s, 0), 16000, ME(&s, 0), &err), 0);
    before_sleep_all(&s);
    ASSERT_WITHIN(&s, 5000, slots_owned(&s, 3, -1, 16000, 16000, 0));
    sim_run(&s, 3000);
    assert_true(slots_owned(&s, 3, -1, 16000, 16000, 0));
    assert_true(slots_owned(&s, 3, -1, 10923, 15999, 2));
    assert_true(slots_owned(&s, 3, -1, 16001, 16383, 2));
    ASSERT_WITHIN(&s, 5000, all_ok(&s, 3, -1));
    assert_int_equal(ME(&s, 0)->config_epoch, 1);
    buf_fini(&err);
    sim_free(&s);
}

int main(void) {
    quiet_logs();
    seed_random();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(meet_spreads_through_gossip),
        cmocka_unit_test(epoch_collision_smaller_id_bumps),
        cmocka_unit_test(create_cluster_agrees_and_turns_ok),
        cmocka_unit_test(failover_after_master_silence),
        cmocka_unit_test(failover_timing_spread),
        cmocka_unit_test(replica_with_old_data_does_not_run),
        cmocka_unit_test(silence_alone_does_not_age_the_data),
        cmocka_unit_test(master_votes_once_per_epoch),
        cmocka_unit_test(manual_failover_modes),
        cmocka_unit_test(manual_failover_times_out_without_catching_up),
        cmocka_unit_test(forget_blacklists_for_a_minute),
        cmocka_unit_test(update_moves_slots_and_demotes),
        cmocka_unit_test(reset_soft_and_hard),
        cmocka_unit_test(replica_migrates_to_orphaned_master),
        cmocka_unit_test(hostname_travels_with_pings),
        cmocka_unit_test(restart_with_new_addresses),
        cmocka_unit_test(minority_master_fences_writes_early),
        cmocka_unit_test(replaced_node_is_not_redialled),
        cmocka_unit_test(replaced_master_fails_over),
        cmocka_unit_test(replica_broadcasts_fail),
        cmocka_unit_test(unclaimed_slot_goes_to_the_next_claimant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
