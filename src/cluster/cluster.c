/* cluster: message handling, timers, failure detection and elections.
 *
 * The order of the rules follows Redis 7.0's cluster bus, because other
 * nodes (real Redis ones included) observe it: which node learns what from
 * which message, when a node is PFAIL or FAIL, who may vote and when. */
#include "cluster/cluster.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/number.h"
#include "protocol/errmsg.h"

enum {
    CANT_FAILOVER_NONE,
    CANT_FAILOVER_DATA_AGE,
    CANT_FAILOVER_WAITING_DELAY,
    CANT_FAILOVER_EXPIRED,
    CANT_FAILOVER_WAITING_VOTES,
};

#define FAIL_REPORT_VALIDITY_MULT 2
#define FAIL_UNDO_TIME_MULT 2
#define WRITABLE_DELAY 2000
#define MF_TIMEOUT 5000
#define MF_PAUSE_MULT 2
#define BLACKLIST_TTL 60000
#define ELECTION_DELAY 100
#define ELECTION_JITTER 100
#define RANK_DELAY 500
#define PING_INTERVAL_MAX 1000
#define RESOLVE_INTERVAL 1000

static void mark(cluster *cl, int todo) { cl->todo |= todo; }

static cnode *my_master(const cluster *cl) {
    cnode *me = cl->st->myself;
    return (me->flags & CNODE_SLAVE) && me->master ? me->master : me;
}

bool cluster_myself_is_replica(const cluster *cl) { return (cl->st->myself->flags & CNODE_SLAVE) != 0; }

cluster *cluster_new(cluster_state *st, const cluster_env *env, const cluster_config *cfg, int64_t now) {
    cluster *cl = mem_calloc(1, sizeof(*cl));
    cl->st = st;
    cl->env = *env;
    cl->cfg = *cfg;
    cl->start_time = now;
    cl->mf_primary_offset = -1;
    st->size = cluster_state_size(st);
    return cl;
}

void cluster_free(cluster *cl) {
    if (cl == NULL) return;
    mem_free(cl);
}

/* ---- links ---- */

static void free_link(cluster *cl, cluster_link *l) {
    cluster_link_gone(cl, l);
    cl->env.free_link(cl->env.ctx, l);
}

void cluster_link_gone(cluster *cl, cluster_link *l) {
    cnode *n = l->node;
    if (n) {
        if (n->link == l) n->link = NULL;
        if (n->inbound_link == l) n->inbound_link = NULL;
    }
    (void)cl;
    l->node = NULL;
}

static void drop_node_links(cluster *cl, cnode *n) {
    if (n->link) free_link(cl, n->link);
    if (n->inbound_link) free_link(cl, n->inbound_link);
}

static void del_node(cluster *cl, cnode *n) {
    drop_node_links(cl, n);
    if (cl->mf_replica == n) cl->mf_replica = NULL;
    cluster_state_del(cl->st, n);
}

static void connect_node(cluster *cl, cnode *n, int64_t now) {
    cluster_link *l = cl->env.connect(cl->env.ctx, n, now);
    if (l == NULL) return;
    l->node = n;
    n->link = l;
}

/* ---- sending ---- */

static void build_header(cluster *cl, cmsg *m, int type) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    cnode *master = my_master(cl);
    memset(m, 0, sizeof(*m));
    m->type = (uint16_t)type;
    memcpy(m->sender, me->name, CLUSTER_NAMELEN);
    snprintf(m->myip, sizeof(m->myip), "%s", cl->cfg.announce_ip);
    m->port = (uint16_t)cl->cfg.port;
    m->pport = (uint16_t)cl->cfg.pport;
    m->cport = (uint16_t)cl->cfg.cport;
    m->flags = (uint16_t)me->flags;
    m->state = (uint8_t)st->state;
    memcpy(m->slots, master->slots, sizeof(m->slots));
    if ((me->flags & CNODE_SLAVE) && me->master) {
        memcpy(m->slaveof, me->master->name, CLUSTER_NAMELEN);
        m->has_slaveof = true;
    }
    m->current_epoch = st->current_epoch;
    m->config_epoch = master->config_epoch;
    m->offset = (uint64_t)cl->env.repl_offset(cl->env.ctx);
    if (cnode_is_master(me) && cl->mf_end) m->mflags[0] |= CMSG_MF_PAUSED;
}

static void send_msg(cluster *cl, cluster_link *l, cmsg *m) {
    buf out;
    buf_init(&out);
    cmsg_encode(&out, m);
    cl->env.send(cl->env.ctx, l, out.data, out.len);
    buf_fini(&out);
    if (m->type < CMSG_TYPE_COUNT) cl->st->stats_sent[m->type]++;
}

static void fill_gossip(cmsg_gossip *g, const cnode *n) {
    memcpy(g->name, n->name, CLUSTER_NAMELEN);
    g->ping_sent = (uint32_t)(n->ping_sent / 1000);
    g->pong_received = (uint32_t)(n->pong_received / 1000);
    snprintf(g->ip, sizeof(g->ip), "%s", n->ip);
    g->port = (uint16_t)n->port;
    g->cport = (uint16_t)n->cport;
    g->pport = (uint16_t)n->pport;
    g->flags = (uint16_t)n->flags;
}

static bool in_gossip(const cmsg *m, const cnode *n) {
    for (int i = 0; i < m->gossip_count; i++)
        if (memcmp(m->gossip[i].name, n->name, CLUSTER_NAMELEN) == 0) return true;
    return false;
}

static void send_ping(cluster *cl, cluster_link *l, int type, int64_t now) {
    cluster_state *st = cl->st;
    cmsg m;
    build_header(cl, &m, type);
    int freshnodes = st->num_nodes - 2;
    int wanted = st->num_nodes / 10;
    if (wanted < 3) wanted = 3;
    if (wanted > freshnodes) wanted = freshnodes;
    int pfail = 0;
    for (int i = 0; i < st->num_nodes; i++)
        if (st->nodes[i]->flags & CNODE_PFAIL) pfail++;
    m.gossip = mem_calloc((size_t)(wanted > 0 ? wanted : 0) + (size_t)pfail + 1, sizeof(cmsg_gossip));
    if (l->node && type == CMSG_PING) l->node->ping_sent = now;
    int tries = wanted * 3;
    while (freshnodes > 0 && m.gossip_count < wanted && tries-- > 0) {
        cnode *n = st->nodes[random_below((uint64_t)st->num_nodes)];
        if (n == st->myself || (n->flags & (CNODE_PFAIL | CNODE_HANDSHAKE | CNODE_NOADDR))) continue;
        if (n->link == NULL && n->num_slots == 0) continue;
        if (in_gossip(&m, n)) continue;
        fill_gossip(&m.gossip[m.gossip_count++], n);
        freshnodes--;
    }
    /* Every node we suspect goes out, so reports reach a quorum fast;
     * also one without an address (its entry says so, and receivers take
     * no address from it), or it could never be marked failing. */
    for (int i = 0; i < st->num_nodes && pfail > 0; i++) {
        cnode *n = st->nodes[i];
        if (!(n->flags & CNODE_PFAIL) || (n->flags & CNODE_HANDSHAKE)) continue;
        fill_gossip(&m.gossip[m.gossip_count++], n);
        pfail--;
    }
    if (cl->cfg.hostname[0]) m.hostname = cl->cfg.hostname;
    send_msg(cl, l, &m);
    mem_free(m.gossip);
}

static void broadcast(cluster *cl, cmsg *m) {
    cluster_state *st = cl->st;
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (n->link == NULL || (n->flags & (CNODE_MYSELF | CNODE_HANDSHAKE))) continue;
        send_msg(cl, n->link, m);
    }
}

void cluster_broadcast_pong(cluster *cl, int64_t now) {
    cluster_state *st = cl->st;
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (n->link == NULL || (n->flags & (CNODE_MYSELF | CNODE_HANDSHAKE))) continue;
        send_ping(cl, n->link, CMSG_PONG, now);
    }
}

/* PONG to the other replicas of my master, so they learn my offset. */
static void broadcast_pong_siblings(cluster *cl, int64_t now) {
    cnode *me = cl->st->myself;
    if (me->master == NULL) return;
    for (int i = 0; i < me->master->num_replicas; i++) {
        cnode *n = me->master->replicas[i];
        if (n == me || n->link == NULL) continue;
        send_ping(cl, n->link, CMSG_PONG, now);
    }
}

static void send_fail(cluster *cl, const cnode *failing) {
    cmsg m;
    build_header(cl, &m, CMSG_FAIL);
    memcpy(m.fail_name, failing->name, CLUSTER_NAMELEN);
    broadcast(cl, &m);
}

static void send_update(cluster *cl, cluster_link *l, const cnode *owner) {
    if (l == NULL) return;
    cmsg m;
    build_header(cl, &m, CMSG_UPDATE);
    memcpy(m.update_name, owner->name, CLUSTER_NAMELEN);
    m.update_epoch = owner->config_epoch;
    /* Slots the owner stopped claiming are not its to announce. */
    for (size_t i = 0; i < sizeof(m.update_slots); i++)
        m.update_slots[i] = (uint8_t)(owner->slots[i] & ~cl->st->unclaimed[i]);
    send_msg(cl, l, &m);
}

/* ---- roles and slots ---- */

static void reset_manual_failover(cluster *cl) {
    if (cl->mf_end && cl->env.pause_writes) cl->env.pause_writes(cl->env.ctx, 0);
    cl->mf_end = 0;
    cl->mf_can_start = false;
    cl->mf_replica = NULL;
    cl->mf_primary_offset = -1;
}

static void set_node_as_master(cluster *cl, cnode *n) {
    if (cnode_is_master(n)) return;
    if (n->master) {
        cnode_set_master(n, NULL);
        if (n != cl->st->myself) n->flags |= CNODE_MIGRATE_TO;
    }
    n->flags &= ~(uint32_t)CNODE_SLAVE;
    n->flags |= CNODE_MASTER;
    mark(cl, (n == cl->st->myself ? CLUSTER_TODO_SAVE : CLUSTER_TODO_SAVE_LAZY) | CLUSTER_TODO_UPDATE_STATE);
}

/* Makes myself a replica of n. */
static void set_my_master(cluster *cl, cnode *n) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    if (cnode_is_master(me)) {
        me->flags &= ~(uint32_t)(CNODE_MASTER | CNODE_MIGRATE_TO);
        me->flags |= CNODE_SLAVE;
        cluster_state_del_node_slots(st, me);
        memset(st->migrating_to, 0, sizeof(st->migrating_to));
        memset(st->importing_from, 0, sizeof(st->importing_from));
    }
    cnode_set_master(me, n);
    cl->env.follow(cl->env.ctx, n->ip, n->port);
    reset_manual_failover(cl);
    mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC | CLUSTER_TODO_UPDATE_STATE);
}

static void update_slots_with(cluster *cl, cnode *sender, uint64_t epoch, const uint8_t *slots) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    if (sender == me) return;
    cnode *curmaster = my_master(cl);
    cnode *new_primary = NULL;
    int migrated_ours = 0, sender_slots = 0;
    int *dirty = NULL, ndirty = 0;
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (!cmsg_slot_get(slots, s)) {
            /* Bound to the sender, which no longer claims it: unbinding
             * would fail the cluster until someone takes it, so it stays
             * bound, marked as up for grabs. */
            if (st->slots[s] == sender) cmsg_slot_set(st->unclaimed, s);
            continue;
        }
        sender_slots++;
        if (st->slots[s] == sender) {
            cmsg_slot_clear(st->unclaimed, s);
            continue;
        }
        /* Importing here: the migration decides, not gossip. */
        if (st->importing_from[s]) continue;
        cnode *owner = st->slots[s];
        if (owner != NULL && !cmsg_slot_get(st->unclaimed, s) && owner->config_epoch >= epoch) continue;
        if (owner == me && cl->env.slot_keys(cl->env.ctx, s) > 0) {
            if (dirty == NULL) dirty = mem_alloc(sizeof(int) * CLUSTER_SLOTS);
            dirty[ndirty++] = s;
        }
        if (owner == curmaster) {
            new_primary = sender;
            migrated_ours++;
        }
        /* Losing a slot to a newer claim needs no sync: were it lost in
         * a crash, the newer claim would win again. It is saved before
         * the next reply when it is ours, with the next tick otherwise. */
        mark(cl, CLUSTER_TODO_UPDATE_STATE |
                     (owner == me || owner == curmaster ? CLUSTER_TODO_SAVE : CLUSTER_TODO_SAVE_LAZY));
        cluster_state_del_slot(st, s);
        cluster_state_add_slot(st, sender, s);
    }
    if (new_primary && curmaster->num_slots == 0 &&
        (cl->cfg.allow_replica_migration || sender_slots == migrated_ours)) {
        log_notice("Configuration change detected. Reconfiguring myself as a replica of %.40s",
                   sender->name);
        set_my_master(cl, sender);
    } else if ((me->flags & CNODE_SLAVE) && me->master && me->master->master &&
               me->master->master != me) {
        /* My master became a replica: follow the one it follows. */
        log_notice("I'm a sub-replica! Reconfiguring myself as a replica of %.40s",
                   me->master->master->name);
        set_my_master(cl, me->master->master);
    } else {
        for (int i = 0; i < ndirty; i++) cl->env.drop_slot(cl->env.ctx, dirty[i]);
    }
    mem_free(dirty);
}

/* ---- failure detection ---- */

static int quorum(const cluster *cl) { return cl->st->size / 2 + 1; }

static void mark_failing_if_needed(cluster *cl, cnode *n, int64_t now) {
    if (!(n->flags & CNODE_PFAIL) || (n->flags & CNODE_FAIL)) return;
    int failures = cnode_count_reports(n, now, cl->cfg.node_timeout * FAIL_REPORT_VALIDITY_MULT);
    if (cnode_is_master(cl->st->myself)) failures++;
    if (failures < quorum(cl)) return;
    log_notice("Marking node %.40s as failing (quorum reached).", n->name);
    n->flags &= ~(uint32_t)CNODE_PFAIL;
    n->flags |= CNODE_FAIL;
    n->fail_time = now;
    /* Replicas broadcast too: the quorum came from masters' reports, and a
     * replica that is about to ask for votes needs every master to have
     * the FAIL flag before its request arrives, or the votes are refused
     * and the election waits for its retry window. */
    send_fail(cl, n);
    mark(cl, CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_LAZY);
}

static void clear_failure_if_needed(cluster *cl, cnode *n, int64_t now) {
    if (!(n->flags & CNODE_FAIL)) return;
    bool clear = !cnode_is_master(n) || n->num_slots == 0 ||
                 now - n->fail_time > cl->cfg.node_timeout * FAIL_UNDO_TIME_MULT;
    if (!clear) return;
    log_notice("Clear FAIL state for node %.40s: %s", n->name,
               cnode_is_master(n) && n->num_slots ? "is reachable again and nobody is serving its slots after some time."
                                                  : "replica is reachable again.");
    n->flags &= ~(uint32_t)CNODE_FAIL;
    mark(cl, CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_LAZY);
}

/* ---- message handling ---- */

static void peer_address(const cluster_link *l, const cmsg *m, char *out, size_t cap) {
    snprintf(out, cap, "%s", m->myip[0] ? m->myip : l->peer_ip);
}

static bool update_address_if_needed(cluster *cl, cnode *n, cluster_link *l, const cmsg *m) {
    if (l == n->link) return false;
    char ip[CMSG_IPLEN + 1];
    peer_address(l, m, ip, sizeof(ip));
    if (n->port == m->port && n->cport == m->cport && n->pport == m->pport && strcmp(ip, n->ip) == 0)
        return false;
    snprintf(n->ip, sizeof(n->ip), "%s", ip);
    n->port = m->port;
    n->cport = m->cport;
    n->pport = m->pport;
    if (n->link) free_link(cl, n->link);
    n->flags &= ~(uint32_t)CNODE_NOADDR;
    n->foreign_ip[0] = '\0';
    log_notice("Address updated for node %.40s, now %s:%d", n->name, n->ip, n->port);
    if (cl->st->myself->master == n) cl->env.follow(cl->env.ctx, n->ip, n->port);
    return true;
}

static void process_gossip(cluster *cl, const cmsg *m, cnode *sender, int64_t now) {
    cluster_state *st = cl->st;
    for (int i = 0; i < m->gossip_count; i++) {
        const cmsg_gossip *g = &m->gossip[i];
        cnode *n = cluster_state_find(st, g->name, CLUSTER_NAMELEN);
        if (n) {
            if (sender && cnode_is_master(sender) && n != st->myself) {
                if (g->flags & (CNODE_FAIL | CNODE_PFAIL)) {
                    if (cnode_add_report(n, sender, now))
                        log_verbose("Node %.40s reported node %.40s as not reachable.", sender->name,
                                    n->name);
                    mark_failing_if_needed(cl, n, now);
                } else if (cnode_del_report(n, sender)) {
                    log_verbose("Node %.40s reported node %.40s is back online.", sender->name, n->name);
                }
            }
            if (!(g->flags & (CNODE_FAIL | CNODE_PFAIL)) && n->ping_sent == 0 && n->num_reports == 0) {
                int64_t pongtime = (int64_t)g->pong_received * 1000;
                if (pongtime <= now + 500 && pongtime > n->pong_received) n->pong_received = pongtime;
            }
            /* Someone reaches it at another address: try that one. */
            if ((n->flags & (CNODE_FAIL | CNODE_PFAIL)) && !(g->flags & CNODE_NOADDR) &&
                !(g->flags & (CNODE_FAIL | CNODE_PFAIL)) &&
                (strcmp(n->ip, g->ip) != 0 || n->port != g->port || n->cport != g->cport)) {
                if (n->link) free_link(cl, n->link);
                snprintf(n->ip, sizeof(n->ip), "%s", g->ip);
                n->port = g->port;
                n->pport = g->pport;
                n->cport = g->cport;
                n->flags &= ~(uint32_t)CNODE_NOADDR;
            }
        } else if (sender && !(g->flags & CNODE_NOADDR) && cluster_name_valid(g->name, CLUSTER_NAMELEN) &&
                   !cluster_state_blacklisted(st, g->name, now)) {
            cnode *nn = cnode_new(g->name, g->flags & (CNODE_MASTER | CNODE_SLAVE | CNODE_NOFAILOVER), now);
            snprintf(nn->ip, sizeof(nn->ip), "%s", g->ip);
            nn->port = g->port;
            nn->pport = g->pport;
            nn->cport = g->cport;
            cluster_state_add(st, nn);
            mark(cl, CLUSTER_TODO_SAVE_LAZY);
        }
    }
}

static void handle_epoch_collision(cluster *cl, cnode *sender) {
    cnode *me = cl->st->myself;
    if (sender->config_epoch != me->config_epoch || !cnode_is_master(sender) || !cnode_is_master(me))
        return;
    /* The node with the smaller id yields. */
    if (memcmp(sender->name, me->name, CLUSTER_NAMELEN) <= 0) return;
    cl->st->current_epoch++;
    me->config_epoch = cl->st->current_epoch;
    mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC);
    log_verbose("WARNING: configEpoch collision with node %.40s. configEpoch set to %llu", sender->name,
                (unsigned long long)me->config_epoch);
}

static void deny_vote(const cnode *node, const char *why) {
    log_notice("Failover auth denied to %.40s: %s", node->name, why);
}

static void maybe_vote(cluster *cl, cnode *node, const cmsg *m, int64_t now) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    cnode *master = node->master;
    bool force = (m->mflags[0] & CMSG_MF_FORCEACK) != 0;
    if (!cnode_is_master(me) || me->num_slots == 0) return;
    if (m->current_epoch < st->current_epoch) {
        deny_vote(node, "reqEpoch < curEpoch");
        return;
    }
    if (st->last_vote_epoch == st->current_epoch) {
        deny_vote(node, "already voted for epoch");
        return;
    }
    if (cnode_is_master(node) || master == NULL) {
        deny_vote(node, master == NULL ? "I don't know its master" : "it is a master node");
        return;
    }
    /* The request may arrive just before the reports that make its master
     * failing here: count them now rather than refuse. */
    if (master->flags & CNODE_PFAIL) mark_failing_if_needed(cl, master, now);
    if (!(master->flags & CNODE_FAIL) && !force) {
        deny_vote(node, "its master is up");
        return;
    }
    if (now - master->voted_time < cl->cfg.node_timeout * 2) {
        deny_vote(node, "can't vote about this master before the vote timeout");
        return;
    }
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (!cmsg_slot_get(m->slots, s) || st->slots[s] == NULL || cmsg_slot_get(st->unclaimed, s)) continue;
        if (st->slots[s]->config_epoch <= m->config_epoch) continue;
        deny_vote(node, "it claims a slot served by a node with a greater configEpoch");
        return;
    }
    st->last_vote_epoch = st->current_epoch;
    master->voted_time = now;
    mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC);
    if (node->link) {
        cmsg ack;
        build_header(cl, &ack, CMSG_AUTH_ACK);
        send_msg(cl, node->link, &ack);
    }
    log_notice("Failover auth granted to %.40s for epoch %llu", node->name,
               (unsigned long long)st->current_epoch);
}

/* Handshake replies and a renamed peer. Returns false when the link is
 * gone and processing must stop. */
static bool handle_outbound_identity(cluster *cl, cluster_link *l, cnode *sender, const cmsg *m, int64_t now) {
    cluster_state *st = cl->st;
    cnode *n = l->node;
    if (n->flags & CNODE_HANDSHAKE) {
        if (sender) {
            /* Already known under its real id: the handshake node was a
             * duplicate. */
            update_address_if_needed(cl, sender, l, m);
            del_node(cl, n);
            mark(cl, CLUSTER_TODO_SAVE_LAZY);
            return false;
        }
        if (!cluster_name_valid(m->sender, CLUSTER_NAMELEN)) {
            free_link(cl, l);
            return false;
        }
        cluster_state_rename(st, n, m->sender);
        n->flags &= ~(uint32_t)CNODE_HANDSHAKE;
        n->flags |= m->has_slaveof ? CNODE_SLAVE : CNODE_MASTER;
        log_verbose("Handshake with node %.40s completed.", n->name);
        mark(cl, CLUSTER_TODO_SAVE_LAZY);
        return true;
    }
    if (memcmp(n->name, m->sender, CLUSTER_NAMELEN) != 0) {
        log_verbose("PONG contains mismatching sender ID. About node %.40s added %d ms ago, having flags %u",
                    n->name, (int)(now - n->ctime), n->flags);
        /* The ports stay: a node found again by its host name listens
         * where it did. */
        n->flags |= CNODE_NOADDR;
        snprintf(n->foreign_ip, sizeof(n->foreign_ip), "%s", n->ip);
        n->ip[0] = '\0';
        free_link(cl, l);
        mark(cl, CLUSTER_TODO_SAVE_LAZY);
        return false;
    }
    return true;
}

static void handle_role(cluster *cl, cnode *sender, const cmsg *m) {
    cluster_state *st = cl->st;
    if (!m->has_slaveof) {
        set_node_as_master(cl, sender);
        return;
    }
    cnode *master = cluster_state_find(st, m->slaveof, CLUSTER_NAMELEN);
    if (cnode_is_master(sender)) {
        log_verbose("Node %.40s is now a replica of %.40s", sender->name, m->slaveof);
        cluster_state_del_node_slots(st, sender);
        sender->flags &= ~(uint32_t)(CNODE_MASTER | CNODE_MIGRATE_TO);
        sender->flags |= CNODE_SLAVE;
        mark(cl, CLUSTER_TODO_SAVE_LAZY | CLUSTER_TODO_UPDATE_STATE);
    }
    if (master && sender->master != master && master != sender) {
        cnode_set_master(sender, master);
        mark(cl, CLUSTER_TODO_SAVE_LAZY);
    }
}

static void handle_slots(cluster *cl, cnode *sender, const cmsg *m) {
    cluster_state *st = cl->st;
    cnode *sender_master = cnode_is_master(sender) ? sender : sender->master;
    if (sender_master == NULL) return;
    bool dirty = memcmp(sender_master->slots, m->slots, sizeof(m->slots)) != 0;
    if (!dirty) return;
    if (cnode_is_master(sender)) update_slots_with(cl, sender, m->config_epoch, m->slots);
    /* It claims slots a newer owner serves: tell it. */
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (!cmsg_slot_get(m->slots, s)) continue;
        cnode *owner = st->slots[s];
        if (owner == NULL || owner == sender || cmsg_slot_get(st->unclaimed, s)) continue;
        if (owner->config_epoch > m->config_epoch) {
            log_verbose("Node %.40s has an old slots configuration, sending an UPDATE message about %.40s",
                        sender->name, owner->name);
            send_update(cl, sender->link, owner);
            break;
        }
    }
}

/* Without an announced address, myself's is the local address of a link
 * a peer opened: learned from a MEET, or from the first PING since start,
 * since the address nodes.conf remembered may be gone (a container that
 * came back with a new one). Later PINGs leave it alone: a node with
 * several interfaces would otherwise flip between them. */
static void learn_my_ip(cluster *cl, cluster_link *l, int type) {
    cnode *me = cl->st->myself;
    if (cl->cfg.announce_ip[0] || l->local_ip[0] == '\0') return;
    bool confirmed = cl->my_ip_confirmed;
    cl->my_ip_confirmed = true;
    if (type != CMSG_MEET && me->ip[0] && confirmed) return;
    if (strcmp(me->ip, l->local_ip) == 0) return;
    snprintf(me->ip, sizeof(me->ip), "%s", l->local_ip);
    log_notice("IP address for this node updated to %s", me->ip);
    mark(cl, CLUSTER_TODO_SAVE_LAZY);
}

static void on_ping_meet_pong(cluster *cl, cluster_link *l, cnode *sender, const cmsg *m, int64_t now) {
    cluster_state *st = cl->st;
    int type = m->type;
    if (type == CMSG_PING || type == CMSG_MEET) {
        learn_my_ip(cl, l, type);
        if (sender == NULL && type == CMSG_MEET) {
            cnode *n = cnode_new(NULL, CNODE_HANDSHAKE, now);
            peer_address(l, m, n->ip, sizeof(n->ip));
            n->port = m->port;
            n->pport = m->pport;
            n->cport = m->cport;
            cluster_state_add(st, n);
            mark(cl, CLUSTER_TODO_SAVE_LAZY);
            /* Call back now rather than at the next timer tick: the
             * handshake then completes in a round trip or two. */
            connect_node(cl, n, now);
            /* A MEET is trusted: its gossip introduces the others. */
            process_gossip(cl, m, NULL, now);
        }
        /* Attach a known sender to its inbound link. */
        if (sender && l->inbound && l->node == NULL) {
            if (sender->inbound_link && sender->inbound_link != l) free_link(cl, sender->inbound_link);
            l->node = sender;
            sender->inbound_link = l;
        }
        send_ping(cl, l, CMSG_PONG, now);
    }

    if (!l->inbound && l->node) {
        if (!handle_outbound_identity(cl, l, sender, m, now)) return;
        if (sender == NULL) sender = cluster_state_find(st, m->sender, CLUSTER_NAMELEN);
    }
    if (sender) {
        sender->flags &= ~(uint32_t)CNODE_NOFAILOVER;
        sender->flags |= m->flags & CNODE_NOFAILOVER;
    }
    if (sender && type == CMSG_PING && !(sender->flags & CNODE_HANDSHAKE) &&
        update_address_if_needed(cl, sender, l, m))
        mark(cl, CLUSTER_TODO_SAVE_LAZY | CLUSTER_TODO_UPDATE_STATE);

    if (!l->inbound && l->node && type == CMSG_PONG) {
        cnode *n = l->node;
        n->pong_received = now;
        n->ping_sent = 0;
        if (n->flags & CNODE_PFAIL) {
            n->flags &= ~(uint32_t)CNODE_PFAIL;
            mark(cl, CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_LAZY);
        } else if (n->flags & CNODE_FAIL) {
            clear_failure_if_needed(cl, n, now);
        }
    }
    if (sender == NULL || (sender->flags & CNODE_HANDSHAKE)) return;
    handle_role(cl, sender, m);
    handle_slots(cl, sender, m);
    if (cnode_is_master(sender) && cnode_is_master(st->myself)) handle_epoch_collision(cl, sender);
    process_gossip(cl, m, sender, now);
    /* The sender's announced hostname rides on every PING/PONG/MEET; a
     * message without it means it announces none. */
    cnode_set_hostname(sender, m->hostname);
}

void cluster_on_message(cluster *cl, cluster_link *l, const cmsg *m, int64_t now) {
    cluster_state *st = cl->st;
    int type = m->type;
    if (type < CMSG_TYPE_COUNT) st->stats_received[type]++;
    cnode *sender = NULL;
    if (l->node && !(l->node->flags & CNODE_HANDSHAKE))
        sender = l->node;
    else
        sender = cluster_state_find(st, m->sender, CLUSTER_NAMELEN);
    /* The name in the header must be the link's node once known. */
    if (sender && memcmp(sender->name, m->sender, CLUSTER_NAMELEN) != 0 && l->inbound) sender = NULL;
    if (sender) sender->data_received = now;
    if (sender && !(sender->flags & CNODE_HANDSHAKE)) {
        if (m->current_epoch > st->current_epoch) {
            st->current_epoch = m->current_epoch;
            mark(cl, CLUSTER_TODO_SAVE_LAZY);
        }
        if (!m->has_slaveof && m->config_epoch > sender->config_epoch) {
            sender->config_epoch = m->config_epoch;
            mark(cl, CLUSTER_TODO_SAVE_LAZY);
        }
        sender->repl_offset = (int64_t)m->offset;
        sender->repl_offset_time = now;
        cnode *me = st->myself;
        if ((me->flags & CNODE_SLAVE) && cl->mf_end && me->master == sender &&
            (m->mflags[0] & CMSG_MF_PAUSED) && cl->mf_primary_offset == -1) {
            cl->mf_primary_offset = (int64_t)m->offset;
            mark(cl, CLUSTER_TODO_FAILOVER);
            log_notice("Received replication offset for paused master manual failover: %lld",
                       (long long)cl->mf_primary_offset);
        }
    }

    switch (type) {
    case CMSG_PING:
    case CMSG_PONG:
    case CMSG_MEET:
        on_ping_meet_pong(cl, l, sender, m, now);
        break;
    case CMSG_FAIL: {
        if (sender == NULL) break;
        cnode *failing = cluster_state_find(st, m->fail_name, CLUSTER_NAMELEN);
        if (failing && !(failing->flags & (CNODE_FAIL | CNODE_MYSELF))) {
            log_notice("FAIL message received from %.40s about %.40s", sender->name, failing->name);
            failing->flags |= CNODE_FAIL;
            failing->fail_time = now;
            failing->flags &= ~(uint32_t)CNODE_PFAIL;
            mark(cl, CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_LAZY);
        }
        break;
    }
    case CMSG_UPDATE: {
        if (sender == NULL) break;
        cnode *n = cluster_state_find(st, m->update_name, CLUSTER_NAMELEN);
        if (n == NULL || n->config_epoch >= m->update_epoch) break;
        if (!cnode_is_master(n)) set_node_as_master(cl, n);
        n->config_epoch = m->update_epoch;
        mark(cl, CLUSTER_TODO_SAVE_LAZY);
        update_slots_with(cl, n, m->update_epoch, m->update_slots);
        break;
    }
    case CMSG_AUTH_REQUEST:
        if (sender) maybe_vote(cl, sender, m, now);
        break;
    case CMSG_AUTH_ACK:
        if (sender && cnode_is_master(sender) && sender->num_slots > 0 &&
            m->current_epoch >= cl->failover_auth_epoch) {
            cl->failover_auth_count++;
            mark(cl, CLUSTER_TODO_FAILOVER);
        }
        break;
    case CMSG_MFSTART:
        if (sender == NULL || sender->master != st->myself) break;
        reset_manual_failover(cl);
        cl->mf_end = now + MF_TIMEOUT;
        cl->mf_replica = sender;
        if (cl->env.pause_writes) cl->env.pause_writes(cl->env.ctx, now + MF_TIMEOUT * MF_PAUSE_MULT);
        log_notice("Manual failover requested by replica %.40s.", sender->name);
        if (sender->link) send_ping(cl, sender->link, CMSG_PING, now);
        break;
    default:
        break; /* PUBLISH and MODULE carry nothing this server uses */
    }
}

void cluster_on_connect(cluster *cl, cluster_link *l, int64_t now) {
    l->established = true;
    cnode *n = l->node;
    if (n == NULL) return;
    int64_t old_ping_sent = n->ping_sent;
    send_ping(cl, l, (n->flags & CNODE_MEET) ? CMSG_MEET : CMSG_PING, now);
    if (old_ping_sent) n->ping_sent = old_ping_sent;
    n->flags &= ~(uint32_t)CNODE_MEET;
}

/* ---- elections ---- */

static int my_rank(const cluster *cl) {
    cnode *me = cl->st->myself;
    cnode *master = me->master;
    if (master == NULL) return 0;
    int64_t mine = cl->env.repl_offset(cl->env.ctx);
    int rank = 0;
    for (int i = 0; i < master->num_replicas; i++) {
        cnode *r = master->replicas[i];
        if (r == me || (r->flags & CNODE_NOFAILOVER)) continue;
        if (r->repl_offset > mine) rank++;
    }
    return rank;
}

/* Is my copy of the data too old to take over? Redis measures the time
 * since the replica last heard from its primary. That punishes a replica
 * whose primary simply went silent (DEBUG SLEEP, SIGSTOP): it had every
 * byte the primary wrote, yet the silence counts as age. Here age is how
 * far behind the primary's last sign of life our last data is: the
 * primary's last PONG on the bus is when it was last alive, and what it
 * wrote before that reached us if our link kept delivering until then. */
static bool data_too_old(cluster *cl, int64_t now) {
    if (cl->cfg.replica_validity_factor == 0) return false;
    cnode *master = cl->st->myself->master;
    int64_t last_io = cl->env.primary_last_io(cl->env.ctx);
    int64_t alive = master->pong_received > master->data_received ? master->pong_received : master->data_received;
    if (alive > now) alive = now;
    int64_t age = last_io > 0 ? alive - last_io : now;
    if (age < 0) age = 0;
    int64_t limit = cl->cfg.repl_ping_period_ms + cl->cfg.node_timeout * cl->cfg.replica_validity_factor;
    return age > limit;
}

static void log_cant_failover(cluster *cl, int reason, int64_t now) {
    if (reason == cl->cant_failover_reason && now - cl->cant_failover_logged < 10000) return;
    cl->cant_failover_reason = reason;
    cl->cant_failover_logged = now;
    /* Stay quiet while the master is only suspected, as Redis does. */
    cnode *master = cl->st->myself->master;
    if (master && !(master->flags & CNODE_FAIL) && reason != CANT_FAILOVER_DATA_AGE) return;
    const char *msg = "unknown reason";
    switch (reason) {
    case CANT_FAILOVER_DATA_AGE: msg = "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option."; break;
    case CANT_FAILOVER_WAITING_DELAY: msg = "Waiting the delay before I can start a new failover."; break;
    case CANT_FAILOVER_EXPIRED: msg = "Failover attempt expired."; break;
    case CANT_FAILOVER_WAITING_VOTES: msg = "Waiting for votes, but majority still not reached."; break;
    default: break;
    }
    log_notice("Currently unable to failover: %s", msg);
}

static void replace_my_master(cluster *cl, int64_t now) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    cnode *old = me->master;
    if (cnode_is_master(me) || old == NULL) return;
    set_node_as_master(cl, me);
    cl->env.follow(cl->env.ctx, NULL, 0);
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (st->slots[s] != old) continue;
        cluster_state_del_slot(st, s);
        cluster_state_add_slot(st, me, s);
    }
    cluster_update_state(cl, now);
    mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC);
    cluster_broadcast_pong(cl, now);
    reset_manual_failover(cl);
}

static void handle_replica_failover(cluster *cl, int64_t now) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    cnode *master = me->master;
    bool manual = cl->mf_end != 0 && cl->mf_can_start;
    int64_t auth_timeout = cl->cfg.node_timeout * 2;
    if (auth_timeout < 2000) auth_timeout = 2000;
    int64_t retry = auth_timeout * 2;
    cl->todo &= ~CLUSTER_TODO_FAILOVER;
    if (cnode_is_master(me) || master == NULL || (!(master->flags & CNODE_FAIL) && !manual) ||
        (cl->cfg.replica_no_failover && !manual) || master->num_slots == 0) {
        cl->cant_failover_reason = CANT_FAILOVER_NONE;
        return;
    }
    if (!manual && data_too_old(cl, now)) {
        log_cant_failover(cl, CANT_FAILOVER_DATA_AGE, now);
        return;
    }
    if (now - cl->failover_auth_time > retry) {
        /* The delay lets the FAIL broadcast reach every master before
         * votes are asked for; on the links a cluster runs on that takes
         * milliseconds, so Redis's 500-999 ms is mostly waiting. Ranks stay
         * far enough apart that the best replica asks first. */
        cl->failover_auth_time = now + ELECTION_DELAY + (int64_t)random_below(ELECTION_JITTER);
        cl->failover_auth_count = 0;
        cl->failover_auth_sent = false;
        cl->failover_auth_rank = my_rank(cl);
        cl->failover_auth_time += cl->failover_auth_rank * RANK_DELAY;
        if (manual) {
            cl->failover_auth_time = now;
            cl->failover_auth_rank = 0;
            mark(cl, CLUSTER_TODO_FAILOVER);
        }
        log_notice("Start of election delayed for %lld milliseconds (rank #%d, offset %lld).",
                   (long long)(cl->failover_auth_time - now), cl->failover_auth_rank,
                   (long long)cl->env.repl_offset(cl->env.ctx));
        broadcast_pong_siblings(cl, now);
        return;
    }
    if (!cl->failover_auth_sent && !manual) {
        int rank = my_rank(cl);
        if (rank > cl->failover_auth_rank) {
            int64_t added = (rank - cl->failover_auth_rank) * RANK_DELAY;
            cl->failover_auth_time += added;
            cl->failover_auth_rank = rank;
            log_notice("Replica rank updated to #%d, added %lld milliseconds of delay.", rank, (long long)added);
        }
    }
    if (now < cl->failover_auth_time) {
        log_cant_failover(cl, CANT_FAILOVER_WAITING_DELAY, now);
        return;
    }
    if (now - cl->failover_auth_time > auth_timeout) {
        log_cant_failover(cl, CANT_FAILOVER_EXPIRED, now);
        return;
    }
    if (!cl->failover_auth_sent) {
        st->current_epoch++;
        cl->failover_auth_epoch = st->current_epoch;
        log_notice("Starting a failover election for epoch %llu.", (unsigned long long)st->current_epoch);
        cmsg m;
        build_header(cl, &m, CMSG_AUTH_REQUEST);
        if (manual) m.mflags[0] |= CMSG_MF_FORCEACK;
        broadcast(cl, &m);
        cl->failover_auth_sent = true;
        mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_FSYNC);
        return;
    }
    if (cl->failover_auth_count >= quorum(cl)) {
        log_notice("Failover election won: I'm the new master.");
        if (me->config_epoch < cl->failover_auth_epoch) {
            me->config_epoch = cl->failover_auth_epoch;
            log_notice("configEpoch set to %llu after successful failover",
                       (unsigned long long)me->config_epoch);
        }
        replace_my_master(cl, now);
    } else {
        log_cant_failover(cl, CANT_FAILOVER_WAITING_VOTES, now);
    }
}

static void handle_manual_failover(cluster *cl) {
    if (cl->mf_end == 0 || cl->mf_can_start || cl->mf_primary_offset == -1) return;
    if (cl->mf_primary_offset == cl->env.repl_offset(cl->env.ctx)) {
        cl->mf_can_start = true;
        log_notice("All master replication stream processed, manual failover can start.");
        mark(cl, CLUSTER_TODO_FAILOVER);
    }
}

/* A replica of a well-covered master moves to a master left without any. */
static void handle_replica_migration(cluster *cl, int max_replicas, int64_t now) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    cnode *mymaster = me->master;
    if (st->state != CLUSTER_OK || mymaster == NULL) return;
    int ok = cnode_count_ok_replicas(mymaster);
    if (ok <= cl->cfg.migration_barrier) return;
    cnode *target = NULL;
    cnode *candidate = me;
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (!cnode_is_master(n) || cnode_failed(n) || (n->flags & CNODE_NOFAILOVER)) continue;
        int okr = cnode_count_ok_replicas(n);
        if (okr == 0 && n->num_slots > 0 && (n->flags & CNODE_MIGRATE_TO)) target = n;
        if (okr == max_replicas) {
            for (int j = 0; j < n->num_replicas; j++)
                if (memcmp(n->replicas[j]->name, candidate->name, CLUSTER_NAMELEN) < 0)
                    candidate = n->replicas[j];
        }
    }
    if (target == NULL || candidate != me) {
        cl->orphaned_since = 0;
        return;
    }
    if (cl->orphaned_since == 0) cl->orphaned_since = now;
    if (now - cl->orphaned_since > 5000 && cl->cfg.allow_replica_migration) {
        log_notice("Migrating to orphaned master %.40s", target->name);
        cl->orphaned_since = 0;
        set_my_master(cl, target);
    }
}

/* ---- timers ---- */

static void ping_oldest_sample(cluster *cl, int64_t now) {
    cluster_state *st = cl->st;
    cnode *min = NULL;
    for (int j = 0; j < 5 && st->num_nodes > 0; j++) {
        cnode *n = st->nodes[random_below((uint64_t)st->num_nodes)];
        if (n->link == NULL || n->ping_sent != 0) continue;
        if (n->flags & (CNODE_MYSELF | CNODE_PFAIL | CNODE_HANDSHAKE)) continue;
        if (min == NULL || n->pong_received < min->pong_received) min = n;
    }
    if (min) send_ping(cl, min->link, CMSG_PING, now);
}

/* A node that announces a host name and cannot be reached at its address
 * is looked up again by name, at most once a second: containers that come
 * back with new addresses (a Compose stack restarted) find each other,
 * where Redis keeps dialling the old addresses forever. Our extension; it
 * changes nothing for nodes without a host name. */
static void reresolve(cluster *cl, cnode *n, int64_t now) {
    if (cl->env.resolve == NULL || n->hostname == NULL) return;
    bool unreachable = n->link == NULL || !n->link->established || (n->flags & (CNODE_NOADDR | CNODE_PFAIL | CNODE_FAIL));
    if (!unreachable || now - n->resolve_time < RESOLVE_INTERVAL) return;
    n->resolve_time = now;
    char ip[CMSG_IPLEN + 1];
    if (!cl->env.resolve(cl->env.ctx, n->hostname, ip, sizeof(ip))) return;
    if (strcmp(ip, n->ip) == 0 && !(n->flags & CNODE_NOADDR)) return;
    /* Another node lives there now (a container recreated with an empty
     * volume): redialling it every second would only repeat that. */
    if (strcmp(ip, n->foreign_ip) == 0) return;
    log_notice("Node %.40s (%s) resolves to %s now, was %s", n->name, n->hostname, ip, n->ip[0] ? n->ip : "?");
    snprintf(n->ip, sizeof(n->ip), "%s", ip);
    n->flags &= ~(uint32_t)CNODE_NOADDR;
    if (n->link) free_link(cl, n->link);
    if (cl->st->myself->master == n) cl->env.follow(cl->env.ctx, n->ip, n->port);
    mark(cl, CLUSTER_TODO_SAVE_LAZY);
}

/* A PING to every linked node, keeping pending pings' start times so that
 * failure detection of slow nodes is not reset. */
static void ping_everyone(cluster *cl, int64_t now) {
    cluster_state *st = cl->st;
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (n->link == NULL || (n->flags & (CNODE_MYSELF | CNODE_HANDSHAKE | CNODE_PFAIL | CNODE_FAIL))) continue;
        int64_t pending = n->ping_sent;
        send_ping(cl, n->link, CMSG_PING, now);
        if (pending) n->ping_sent = pending;
    }
}

/* A master cut off from the majority keeps taking writes under Redis's
 * rules until it marks the others failing, a whole node timeout after the
 * cut, and every one of those writes is lost when the majority promotes
 * its replica. The majority cannot do that before the node timeout has
 * passed, so a master that has heard nothing from a majority of the
 * masters for half of it stops taking writes already (reads go on, and
 * cluster_state stays ok): it gives up the writes of the second half,
 * which a partition would have cost, against refusing writes for a while
 * when it is merely slow to hear from the others. The wait is at least
 * two ping intervals, so that ordinary gossip always resets it. */
static void update_write_fence(cluster *cl, int64_t now, int64_t ping_interval) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    bool fenced = false;
    if (cnode_is_master(me) && me->num_slots > 0) {
        int64_t quiet = cl->cfg.node_timeout / 2;
        if (quiet < 2 * ping_interval) quiet = 2 * ping_interval;
        int size = 0, heard = 0;
        for (int i = 0; i < st->num_nodes; i++) {
            cnode *n = st->nodes[i];
            if (!cnode_is_master(n) || n->num_slots == 0) continue;
            size++;
            if (n == me || (n->data_received && now - n->data_received <= quiet)) heard++;
        }
        fenced = heard < size / 2 + 1;
    }
    if (fenced == st->writes_fenced) return;
    st->writes_fenced = fenced;
    if (fenced)
        log_warning("Writes refused: no word from a majority of the masters for half the node timeout");
    else
        log_notice("Writes accepted again: a majority of the masters is in touch");
}

void cluster_cron(cluster *cl, int64_t now) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    int64_t timeout = cl->cfg.node_timeout;
    int64_t handshake_timeout = timeout < 1000 ? 1000 : timeout;
    cl->iteration++;
    bool update = false, new_suspects = false;
    int64_t ping_interval = timeout / 2 < PING_INTERVAL_MAX ? timeout / 2 : PING_INTERVAL_MAX;

    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (n->flags & CNODE_MYSELF) continue;
        if (!(n->flags & CNODE_HANDSHAKE)) reresolve(cl, n, now);
        if (n->flags & CNODE_NOADDR) continue;
        if ((n->flags & CNODE_HANDSHAKE) && now - n->ctime > handshake_timeout) {
            del_node(cl, n);
            i--;
            continue;
        }
        if (n->link == NULL) connect_node(cl, n, now);
    }

    if (cl->iteration % 10 == 0) ping_oldest_sample(cl, now);

    int orphaned = 0, max_replicas = 0, my_replicas = 0;
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (n->flags & (CNODE_MYSELF | CNODE_HANDSHAKE)) continue;
        /* A node without an address (another node answered where it used
         * to be) is not pinged, but silence still makes it suspect, so its
         * replica can take over; Redis leaves such a master in place. The
         * clock starts no earlier than our own start. */
        if (n->flags & CNODE_NOADDR) {
            int64_t heard = n->data_received > cl->start_time ? n->data_received : cl->start_time;
            if (now - heard > timeout && !(n->flags & (CNODE_PFAIL | CNODE_FAIL))) {
                log_verbose("*** NODE %.40s possibly failing (no address)", n->name);
                n->flags |= CNODE_PFAIL;
                update = true;
                new_suspects = true;
                mark_failing_if_needed(cl, n, now);
            }
            continue;
        }
        if ((me->flags & CNODE_SLAVE) && cnode_is_master(n) && !cnode_failed(n)) {
            int ok = cnode_count_ok_replicas(n);
            if (ok == 0 && n->num_slots > 0 && (n->flags & CNODE_MIGRATE_TO)) orphaned++;
            if (ok > max_replicas) max_replicas = ok;
            if (me->master == n) my_replicas = ok;
        }
        /* A link that gets no answer is torn down and redialled. */
        if (n->link && now - n->link->ctime > timeout && n->ping_sent && now - n->ping_sent > timeout / 2 &&
            now - n->data_received > timeout / 2) {
            free_link(cl, n->link);
        }
        /* Redis pings a node every timeout/2; the time to notice a dead
         * node is that interval plus the timeout. Pinging at least every
         * second bounds the extra at one second for long timeouts. */
        if (n->link && n->ping_sent == 0 && now - n->pong_received > ping_interval) {
            send_ping(cl, n->link, CMSG_PING, now);
            continue;
        }
        if (cl->mf_end && cnode_is_master(me) && cl->mf_replica == n && n->link) {
            send_ping(cl, n->link, CMSG_PING, now);
            continue;
        }
        if (n->ping_sent == 0) continue;
        /* A node is suspect once it left a ping unanswered, and sent
         * nothing else, for a whole node timeout. */
        int64_t ping_delay = now - n->ping_sent;
        int64_t data_delay = now - n->data_received;
        int64_t delay = ping_delay < data_delay ? ping_delay : data_delay;
        if (delay > timeout && !(n->flags & (CNODE_PFAIL | CNODE_FAIL))) {
            log_verbose("*** NODE %.40s possibly failing", n->name);
            n->flags |= CNODE_PFAIL;
            update = true;
            new_suspects = true;
            /* Other masters may have reported it already. */
            mark_failing_if_needed(cl, n, now);
        }
    }
    /* Tell everyone at once: the other masters' reports reach a quorum in
     * one round trip instead of waiting for the next scheduled pings. */
    if (new_suspects) ping_everyone(cl, now);

    /* A replica whose primary changed address, or that lost its link. */
    if ((me->flags & CNODE_SLAVE) && me->master && !(me->master->flags & CNODE_NOADDR) && me->master->port) {
        /* follow() is idempotent: the core ignores an unchanged primary. */
        cl->env.follow(cl->env.ctx, me->master->ip, me->master->port);
    }

    if (cl->mf_end && cl->mf_end < now) {
        log_warning("Manual failover timed out.");
        reset_manual_failover(cl);
    }
    if (me->flags & CNODE_SLAVE) {
        handle_manual_failover(cl);
        handle_replica_failover(cl, now);
        if (orphaned && max_replicas >= 2 && my_replicas == max_replicas)
            handle_replica_migration(cl, max_replicas, now);
    }
    if (update || st->state == CLUSTER_FAIL) cluster_update_state(cl, now);
    update_write_fence(cl, now, ping_interval);
    /* What gossip taught us reaches nodes.conf at most once per tick. */
    if (cl->todo & CLUSTER_TODO_SAVE_LAZY) mark(cl, CLUSTER_TODO_SAVE);
}

void cluster_update_state(cluster *cl, int64_t now) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    cl->todo &= ~CLUSTER_TODO_UPDATE_STATE;
    if (cnode_is_master(me) && st->state == CLUSTER_FAIL && now - cl->start_time < WRITABLE_DELAY) return;
    int new_state = CLUSTER_OK;
    if (cl->cfg.require_full_coverage) {
        for (int s = 0; s < CLUSTER_SLOTS; s++) {
            if (st->slots[s] == NULL || (st->slots[s]->flags & CNODE_FAIL)) {
                new_state = CLUSTER_FAIL;
                break;
            }
        }
    }
    int size = 0, reachable = 0;
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if (!cnode_is_master(n) || n->num_slots == 0) continue;
        size++;
        if (!cnode_failed(n)) reachable++;
    }
    st->size = size;
    if (reachable < size / 2 + 1) {
        new_state = CLUSTER_FAIL;
        cl->among_minority_time = now;
    }
    if (new_state == st->state) return;
    int64_t rejoin = cl->cfg.node_timeout;
    if (rejoin > 5000) rejoin = 5000;
    if (rejoin < 500) rejoin = 500;
    if (new_state == CLUSTER_OK && cnode_is_master(me) && now - cl->among_minority_time < rejoin) return;
    log_notice("Cluster state changed: %s", new_state == CLUSTER_OK ? "ok" : "fail");
    st->state = new_state;
}

void cluster_before_sleep(cluster *cl, int64_t now) {
    if (cl->todo & CLUSTER_TODO_FAILOVER) {
        if (cl->st->myself->flags & CNODE_SLAVE) {
            handle_manual_failover(cl);
            handle_replica_failover(cl, now);
        }
        cl->todo &= ~CLUSTER_TODO_FAILOVER;
    }
    if (cl->todo & CLUSTER_TODO_UPDATE_STATE) cluster_update_state(cl, now);
    if (cl->todo & CLUSTER_TODO_SAVE) {
        buf text;
        buf_init(&text);
        cluster_conf_text(cl->st, &text);
        if (cl->env.save(cl->env.ctx, &text, (cl->todo & CLUSTER_TODO_FSYNC) != 0) < 0)
            log_warning("Could not save the cluster configuration");
        buf_fini(&text);
        cl->todo = 0;
    }
    cl->todo &= CLUSTER_TODO_SAVE_LAZY;
}

/* ---- commands ---- */

int cluster_meet(cluster *cl, const char *ip, int port, int cport, int64_t now, buf *err) {
    unsigned char addr[16];
    char norm[CMSG_IPLEN + 1];
    if (inet_pton(AF_INET, ip, addr) == 1) {
        inet_ntop(AF_INET, addr, norm, sizeof(norm));
    } else if (inet_pton(AF_INET6, ip, addr) == 1) {
        inet_ntop(AF_INET6, addr, norm, sizeof(norm));
    } else {
        buf_printf(err, "ERR Invalid node address specified: %s:%d", ip, port);
        return -1;
    }
    if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
        buf_printf(err, "ERR Invalid node address specified: %s:%d", ip, port);
        return -1;
    }
    cluster_state *st = cl->st;
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *n = st->nodes[i];
        if ((n->flags & CNODE_HANDSHAKE) && strcmp(n->ip, norm) == 0 && n->port == port && n->cport == cport)
            return 0; /* already under way */
    }
    cnode *n = cnode_new(NULL, CNODE_HANDSHAKE | CNODE_MEET, now);
    snprintf(n->ip, sizeof(n->ip), "%s", norm);
    n->port = port;
    n->cport = cport;
    cluster_state_add(st, n);
    connect_node(cl, n, now);
    return 0;
}

int cluster_forget(cluster *cl, const char *name, size_t len, int64_t now, buf *err) {
    cluster_state *st = cl->st;
    cnode *n = cluster_state_find(st, name, len);
    if (n == NULL) {
        buf_printf(err, "ERR Unknown node %.*s", (int)len, name);
        return -1;
    }
    if (n == st->myself) {
        buf_append_str(err, "ERR I tried hard but I can't forget myself...");
        return -1;
    }
    if ((st->myself->flags & CNODE_SLAVE) && st->myself->master == n) {
        buf_append_str(err, "ERR Can't forget my master!");
        return -1;
    }
    cluster_state_blacklist_add(st, n->name, now, BLACKLIST_TTL);
    del_node(cl, n);
    mark(cl, CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE);
    return 0;
}

int cluster_replicate(cluster *cl, const char *name, size_t len, buf *err) {
    cluster_state *st = cl->st;
    cnode *n = cluster_state_find(st, name, len);
    if (n == NULL) {
        buf_printf(err, "ERR Unknown node %.*s", (int)len, name);
        return -1;
    }
    if (n == st->myself) {
        buf_append_str(err, "ERR Can't replicate myself");
        return -1;
    }
    if (!cnode_is_master(n)) {
        buf_append_str(err, "ERR I can only replicate a master, not a replica.");
        return -1;
    }
    if (cnode_is_master(st->myself)) {
        bool has_keys = false;
        for (int s = 0; s < CLUSTER_SLOTS && !has_keys; s++)
            if (cl->env.slot_keys(cl->env.ctx, s) > 0) has_keys = true;
        if (st->myself->num_slots != 0 || has_keys) {
            buf_append_str(err, "ERR To set a master the node must be empty and without assigned slots.");
            return -1;
        }
    }
    set_my_master(cl, n);
    mark(cl, CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE);
    return 0;
}

int cluster_reset(cluster *cl, bool hard, buf *err) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    if (cnode_is_master(me)) {
        for (int s = 0; s < CLUSTER_SLOTS; s++) {
            if (cl->env.slot_keys(cl->env.ctx, s) > 0) {
                buf_append_str(err, "ERR CLUSTER RESET can't be called with master nodes containing keys");
                return -1;
            }
        }
    }
    if (me->flags & CNODE_SLAVE) {
        set_node_as_master(cl, me);
        cl->env.follow(cl->env.ctx, NULL, 0);
        for (int s = 0; s < CLUSTER_SLOTS; s++) cl->env.drop_slot(cl->env.ctx, s);
    }
    reset_manual_failover(cl);
    for (int s = 0; s < CLUSTER_SLOTS; s++) cluster_state_del_slot(st, s);
    memset(st->migrating_to, 0, sizeof(st->migrating_to));
    memset(st->importing_from, 0, sizeof(st->importing_from));
    for (int i = st->num_nodes - 1; i >= 0; i--) {
        cnode *n = st->nodes[i];
        if (n != me) del_node(cl, n);
    }
    if (hard) {
        st->current_epoch = 0;
        st->last_vote_epoch = 0;
        me->config_epoch = 0;
        char name[CLUSTER_NAMELEN];
        cluster_random_name(name);
        cluster_state_rename(st, me, name);
        log_notice("Node hard reset, now I'm %.40s", me->name);
    }
    mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_FSYNC);
    return 0;
}

bool cluster_bump_epoch(cluster *cl) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    uint64_t max = cluster_state_max_epoch(st);
    if (me->config_epoch == 0 || me->config_epoch != max) {
        st->current_epoch++;
        me->config_epoch = st->current_epoch;
        mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC);
        log_notice("New configEpoch set to %llu", (unsigned long long)me->config_epoch);
        return true;
    }
    return false;
}

int cluster_failover(cluster *cl, enum cluster_failover_mode mode, int64_t now, buf *err) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    if (cnode_is_master(me)) {
        buf_append_str(err, "ERR You should send CLUSTER FAILOVER to a replica");
        return -1;
    }
    if (me->master == NULL) {
        buf_append_str(err, "ERR I'm a replica but my master is unknown to me");
        return -1;
    }
    if (mode == CLUSTER_FAILOVER_DEFAULT && (cnode_failed(me->master) || me->master->link == NULL)) {
        buf_append_str(err, "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
        return -1;
    }
    reset_manual_failover(cl);
    cl->mf_end = now + MF_TIMEOUT;
    if (mode == CLUSTER_FAILOVER_TAKEOVER) {
        log_notice("Taking over the master (user request).");
        cluster_bump_epoch(cl);
        replace_my_master(cl, now);
    } else if (mode == CLUSTER_FAILOVER_FORCE) {
        log_notice("Forced failover user request accepted.");
        cl->mf_can_start = true;
        cl->mf_primary_offset = 0;
        mark(cl, CLUSTER_TODO_FAILOVER);
    } else {
        log_notice("Manual failover user request accepted.");
        cmsg m;
        build_header(cl, &m, CMSG_MFSTART);
        send_msg(cl, me->master->link, &m);
    }
    return 0;
}

int cluster_set_config_epoch(cluster *cl, const char *arg, buf *err) {
    cluster_state *st = cl->st;
    /* Parsed as Redis parses any integer argument: text that is not one
     * gets the generic error, a negative number the specific one. */
    int64_t v;
    if (!number_parse_i64(arg, strlen(arg), &v)) {
        buf_append_str(err, ERRMSG_NOT_INTEGER);
        return -1;
    }
    if (v < 0) {
        buf_printf(err, "ERR Invalid config epoch specified: %lld", (long long)v);
        return -1;
    }
    if (st->num_nodes > 1) {
        buf_append_str(err, "ERR The user can assign a config epoch only when the node does not know any other node.");
        return -1;
    }
    if (st->myself->config_epoch != 0) {
        buf_append_str(err, "ERR Node config epoch is already non-zero");
        return -1;
    }
    st->myself->config_epoch = (uint64_t)v;
    log_notice("configEpoch set to %llu via CLUSTER SET-CONFIG-EPOCH", (unsigned long long)v);
    if (st->current_epoch < (uint64_t)v) st->current_epoch = (uint64_t)v;
    mark(cl, CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC);
    return 0;
}

int cluster_setslot_node(cluster *cl, int slot, cnode *n, buf *err) {
    cluster_state *st = cl->st;
    cnode *me = st->myself;
    if (st->slots[slot] == me && n != me && cl->env.slot_keys(cl->env.ctx, slot) > 0) {
        buf_printf(err, "ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot);
        return -1;
    }
    /* Nothing to change (a node that already learned the new owner from
     * gossip, as every master does during a reshard): nothing to save. */
    if (st->slots[slot] == n && !st->migrating_to[slot] && !st->importing_from[slot]) return 0;
    /* Migration done: no keys left here means the slot is closed. */
    if (st->migrating_to[slot] && cl->env.slot_keys(cl->env.ctx, slot) == 0) st->migrating_to[slot] = NULL;
    int my_slots_before = me->num_slots;
    cluster_state_del_slot(st, slot);
    cluster_state_add_slot(st, n, slot);
    if (my_slots_before > 0 && me->num_slots == 0 && n != me && cl->cfg.allow_replica_migration &&
        cnode_is_master(me)) {
        log_notice("Configuration change detected. Reconfiguring myself as a replica of %.40s", n->name);
        set_my_master(cl, n);
        mark(cl, CLUSTER_TODO_FSYNC);
    }
    /* Importing finished: take the slot with a new epoch, no vote needed. */
    if (n == me && st->importing_from[slot]) {
        st->importing_from[slot] = NULL;
        if (cluster_bump_epoch(cl)) log_notice("configEpoch updated after importing slot %d", slot);
        cluster_broadcast_pong(cl, 0);
    }
    mark(cl, CLUSTER_TODO_SAVE | CLUSTER_TODO_UPDATE_STATE);
    return 0;
}

const char *cluster_preferred_endpoint(const cluster *cl, const cnode *n) {
    (void)cl;
    return n->ip;
}
