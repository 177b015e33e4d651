/* cluster_state: the node table, slot ownership and their text forms. */
#include "cluster/cluster_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"

/* ---- names ---- */

void cluster_random_name(char out[CLUSTER_NAMELEN]) {
    char hex[CLUSTER_NAMELEN + 1];
    random_hex40(hex);
    memcpy(out, hex, CLUSTER_NAMELEN);
}

bool cluster_name_valid(const char *name, size_t len) {
    if (len != CLUSTER_NAMELEN) return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

/* ---- nodes ---- */

cnode *cnode_new(const char *name, uint32_t flags, int64_t now) {
    cnode *n = mem_calloc(1, sizeof(*n));
    if (name)
        memcpy(n->name, name, CLUSTER_NAMELEN);
    else
        cluster_random_name(n->name);
    n->flags = flags;
    n->ctime = now;
    n->repl_offset_time = now;
    return n;
}

void cnode_free(cnode *n) {
    if (n == NULL) return;
    mem_free(n->replicas);
    mem_free(n->reports);
    mem_free(n->hostname);
    mem_free(n);
}

bool cnode_is_master(const cnode *n) { return (n->flags & CNODE_MASTER) != 0; }
bool cnode_failed(const cnode *n) { return (n->flags & (CNODE_PFAIL | CNODE_FAIL)) != 0; }

void cnode_set_hostname(cnode *n, const char *hostname) {
    if (hostname && *hostname == '\0') hostname = NULL;
    if (hostname == NULL && n->hostname == NULL) return;
    if (hostname && n->hostname && strcmp(hostname, n->hostname) == 0) return;
    mem_free(n->hostname);
    n->hostname = hostname ? mem_strdup(hostname) : NULL;
}

bool cnode_has_slot(const cnode *n, int slot) { return cmsg_slot_get(n->slots, slot); }

static void replica_remove(cnode *master, cnode *r) {
    for (int i = 0; i < master->num_replicas; i++) {
        if (master->replicas[i] != r) continue;
        memmove(&master->replicas[i], &master->replicas[i + 1],
                sizeof(cnode *) * (size_t)(master->num_replicas - i - 1));
        master->num_replicas--;
        if (master->num_replicas == 0) master->flags &= ~(uint32_t)CNODE_MIGRATE_TO;
        return;
    }
}

static void replica_add(cnode *master, cnode *r) {
    for (int i = 0; i < master->num_replicas; i++)
        if (master->replicas[i] == r) return;
    if (master->num_replicas == master->cap_replicas) {
        master->cap_replicas = master->cap_replicas ? master->cap_replicas * 2 : 4;
        master->replicas =
            mem_realloc(master->replicas, sizeof(cnode *) * (size_t)master->cap_replicas);
    }
    master->replicas[master->num_replicas++] = r;
    /* A master that had replicas is a destination for replica migration. */
    master->flags |= CNODE_MIGRATE_TO;
}

void cnode_set_master(cnode *n, cnode *master) {
    if (n->master == master) return;
    if (n->master) replica_remove(n->master, n);
    n->master = master;
    if (master) replica_add(master, n);
}

int cnode_count_ok_replicas(const cnode *n) {
    int ok = 0;
    for (int i = 0; i < n->num_replicas; i++)
        if (!cnode_failed(n->replicas[i])) ok++;
    return ok;
}

bool cnode_add_report(cnode *n, cnode *reporter, int64_t now) {
    for (int i = 0; i < n->num_reports; i++) {
        if (n->reports[i].reporter == reporter) {
            n->reports[i].time = now;
            return false;
        }
    }
    if (n->num_reports == n->cap_reports) {
        n->cap_reports = n->cap_reports ? n->cap_reports * 2 : 4;
        n->reports = mem_realloc(n->reports, sizeof(cnode_report) * (size_t)n->cap_reports);
    }
    n->reports[n->num_reports++] = (cnode_report){reporter, now};
    return true;
}

bool cnode_del_report(cnode *n, cnode *reporter) {
    for (int i = 0; i < n->num_reports; i++) {
        if (n->reports[i].reporter != reporter) continue;
        n->reports[i] = n->reports[--n->num_reports];
        return true;
    }
    return false;
}

int cnode_count_reports(cnode *n, int64_t now, int64_t max_age) {
    int i = 0;
    while (i < n->num_reports) {
        if (now - n->reports[i].time > max_age)
            n->reports[i] = n->reports[--n->num_reports];
        else
            i++;
    }
    return n->num_reports;
}

/* ---- the table ---- */

cluster_state *cluster_state_new(const char *myname, int64_t now) {
    cluster_state *st = mem_calloc(1, sizeof(*st));
    st->state = CLUSTER_FAIL;
    st->myself = cnode_new(myname, CNODE_MYSELF | CNODE_MASTER, now);
    cluster_state_add(st, st->myself);
    return st;
}

void cluster_state_free(cluster_state *st) {
    if (st == NULL) return;
    for (int i = 0; i < st->num_nodes; i++) cnode_free(st->nodes[i]);
    mem_free(st->nodes);
    mem_free(st->blacklist);
    mem_free(st);
}

void cluster_state_add(cluster_state *st, cnode *n) {
    if (st->num_nodes == st->cap_nodes) {
        st->cap_nodes = st->cap_nodes ? st->cap_nodes * 2 : 16;
        st->nodes = mem_realloc(st->nodes, sizeof(cnode *) * (size_t)st->cap_nodes);
    }
    st->nodes[st->num_nodes++] = n;
}

void cluster_state_del(cluster_state *st, cnode *n) {
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (st->importing_from[s] == n) st->importing_from[s] = NULL;
        if (st->migrating_to[s] == n) st->migrating_to[s] = NULL;
        if (st->slots[s] == n) cluster_state_del_slot(st, s);
    }
    for (int i = 0; i < st->num_nodes; i++) {
        cnode *o = st->nodes[i];
        if (o == n) continue;
        cnode_del_report(o, n);
        if (o->master == n) cnode_set_master(o, NULL);
    }
    if (n->master) cnode_set_master(n, NULL);
    for (int i = 0; i < st->num_nodes; i++) {
        if (st->nodes[i] != n) continue;
        memmove(&st->nodes[i], &st->nodes[i + 1], sizeof(cnode *) * (size_t)(st->num_nodes - i - 1));
        st->num_nodes--;
        break;
    }
    cnode_free(n);
}

cnode *cluster_state_find(const cluster_state *st, const char *name, size_t len) {
    if (len != CLUSTER_NAMELEN) return NULL;
    for (int i = 0; i < st->num_nodes; i++)
        if (memcmp(st->nodes[i]->name, name, CLUSTER_NAMELEN) == 0) return st->nodes[i];
    return NULL;
}

void cluster_state_rename(cluster_state *st, cnode *n, const char *name) {
    (void)st;
    memcpy(n->name, name, CLUSTER_NAMELEN);
}

int cluster_state_add_slot(cluster_state *st, cnode *n, int slot) {
    if (st->slots[slot]) return -1;
    st->slots[slot] = n;
    cmsg_slot_set(n->slots, slot);
    n->num_slots++;
    cmsg_slot_clear(st->unclaimed, slot);
    return 0;
}

int cluster_state_del_slot(cluster_state *st, int slot) {
    cnode *n = st->slots[slot];
    if (n == NULL) return -1;
    if (cmsg_slot_get(n->slots, slot)) {
        cmsg_slot_clear(n->slots, slot);
        n->num_slots--;
    }
    st->slots[slot] = NULL;
    cmsg_slot_clear(st->unclaimed, slot);
    return 0;
}

int cluster_state_del_node_slots(cluster_state *st, cnode *n) {
    int deleted = 0;
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (st->slots[s] == n) {
            cluster_state_del_slot(st, s);
            deleted++;
        }
    }
    return deleted;
}

int cluster_state_count_slots_assigned(const cluster_state *st) {
    int n = 0;
    for (int s = 0; s < CLUSTER_SLOTS; s++)
        if (st->slots[s]) n++;
    return n;
}

int cluster_state_size(const cluster_state *st) {
    int size = 0;
    for (int i = 0; i < st->num_nodes; i++)
        if (cnode_is_master(st->nodes[i]) && st->nodes[i]->num_slots > 0) size++;
    return size;
}

uint64_t cluster_state_max_epoch(const cluster_state *st) {
    uint64_t max = st->current_epoch;
    for (int i = 0; i < st->num_nodes; i++)
        if (st->nodes[i]->config_epoch > max) max = st->nodes[i]->config_epoch;
    return max;
}

bool cluster_state_epoch_collides(const cluster_state *st, const cnode *n) {
    for (int i = 0; i < st->num_nodes; i++) {
        const cnode *o = st->nodes[i];
        if (o != n && cnode_is_master(o) && o->config_epoch == n->config_epoch) return true;
    }
    return false;
}

static void blacklist_expire(cluster_state *st, int64_t now) {
    int i = 0;
    while (i < st->num_blacklist) {
        if (st->blacklist[i].expire < now)
            st->blacklist[i] = st->blacklist[--st->num_blacklist];
        else
            i++;
    }
}

void cluster_state_blacklist_add(cluster_state *st, const char *name, int64_t now, int64_t ttl) {
    blacklist_expire(st, now);
    for (int i = 0; i < st->num_blacklist; i++) {
        if (memcmp(st->blacklist[i].name, name, CLUSTER_NAMELEN) == 0) {
            st->blacklist[i].expire = now + ttl;
            return;
        }
    }
    if (st->num_blacklist == st->cap_blacklist) {
        st->cap_blacklist = st->cap_blacklist ? st->cap_blacklist * 2 : 4;
        st->blacklist =
            mem_realloc(st->blacklist, sizeof(cluster_blacklisted) * (size_t)st->cap_blacklist);
    }
    cluster_blacklisted *b = &st->blacklist[st->num_blacklist++];
    memcpy(b->name, name, CLUSTER_NAMELEN);
    b->expire = now + ttl;
}

bool cluster_state_blacklisted(cluster_state *st, const char *name, int64_t now) {
    blacklist_expire(st, now);
    for (int i = 0; i < st->num_blacklist; i++)
        if (memcmp(st->blacklist[i].name, name, CLUSTER_NAMELEN) == 0) return true;
    return false;
}

/* ---- text forms ---- */

void cluster_slot_ranges(const uint8_t *bitmap, buf *out) {
    int start = -1;
    int s = 0;
    while (s <= CLUSTER_SLOTS) {
        /* Whole bytes that do not end or start a range are skipped. */
        if (s < CLUSTER_SLOTS && (s & 7) == 0) {
            uint8_t byte = bitmap[s >> 3];
            if ((byte == 0 && start < 0) || (byte == 0xff && start >= 0)) {
                s += 8;
                continue;
            }
        }
        bool set = s < CLUSTER_SLOTS && cmsg_slot_get(bitmap, s);
        if (set && start < 0) start = s;
        if (!set && start >= 0) {
            if (start == s - 1)
                buf_printf(out, " %d", start);
            else
                buf_printf(out, " %d-%d", start, s - 1);
            start = -1;
        }
        s++;
    }
}

static const struct {
    uint32_t flag;
    const char *name;
} flag_names[] = {
    {CNODE_MYSELF, "myself"},       {CNODE_MASTER, "master"},
    {CNODE_SLAVE, "slave"},         {CNODE_PFAIL, "fail?"},
    {CNODE_FAIL, "fail"},           {CNODE_HANDSHAKE, "handshake"},
    {CNODE_NOADDR, "noaddr"},       {CNODE_NOFAILOVER, "nofailover"},
};

static void append_flags(const cnode *n, buf *out) {
    bool any = false;
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        if (!(n->flags & flag_names[i].flag)) continue;
        if (any) buf_append_char(out, ',');
        buf_append_str(out, flag_names[i].name);
        any = true;
    }
    if (!any) buf_append_str(out, "noflags");
}

/* A node without an address shows ":0@0" to clients, as in Redis; the
 * file keeps its ports, so that finding it again by host name after a
 * restart reaches the right port. */
static void node_line(const cluster_state *st, const cnode *n, bool for_config, buf *out) {
    buf_append(out, n->name, CLUSTER_NAMELEN);
    bool hide = !for_config && (n->flags & CNODE_NOADDR);
    buf_printf(out, " %s:%d@%d", n->ip, hide ? 0 : n->port, hide ? 0 : n->cport);
    if (n->hostname) buf_printf(out, ",%s", n->hostname);
    buf_append_char(out, ' ');
    append_flags(n, out);
    buf_append_char(out, ' ');
    if (n->master)
        buf_append(out, n->master->name, CLUSTER_NAMELEN);
    else
        buf_append_char(out, '-');
    uint64_t epoch = (n->flags & CNODE_SLAVE) && n->master ? n->master->config_epoch : n->config_epoch;
    bool connected = (n->link != NULL && n->link->established) || (n->flags & CNODE_MYSELF);
    buf_printf(out, " %lld %lld %llu %s", (long long)n->ping_sent, (long long)n->pong_received,
               (unsigned long long)epoch, connected ? "connected" : "disconnected");
    cluster_slot_ranges(n->slots, out);
    if (n != st->myself) return;
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        if (st->migrating_to[s]) {
            buf_printf(out, " [%d->-", s);
            buf_append(out, st->migrating_to[s]->name, CLUSTER_NAMELEN);
            buf_append_char(out, ']');
        } else if (st->importing_from[s]) {
            buf_printf(out, " [%d-<-", s);
            buf_append(out, st->importing_from[s]->name, CLUSTER_NAMELEN);
            buf_append_char(out, ']');
        }
    }
}

void cluster_node_line(const cluster_state *st, const cnode *n, buf *out) { node_line(st, n, false, out); }

void cluster_nodes_text(const cluster_state *st, bool for_config, buf *out) {
    for (int i = 0; i < st->num_nodes; i++) {
        const cnode *n = st->nodes[i];
        if (for_config && (n->flags & CNODE_HANDSHAKE)) continue;
        node_line(st, n, for_config, out);
        buf_append_char(out, '\n');
    }
}

void cluster_conf_text(const cluster_state *st, buf *out) {
    cluster_nodes_text(st, true, out);
    buf_printf(out, "vars currentEpoch %llu lastVoteEpoch %llu\n",
               (unsigned long long)st->current_epoch, (unsigned long long)st->last_vote_epoch);
}

/* ---- loading nodes.conf ---- */

#define CONF_MAX_FIELDS (2 * CLUSTER_SLOTS + 16)

static bool parse_u64(const char *s, uint64_t *out) {
    if (*s == '\0' || *s == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool parse_int_range(const char *s, long lo, long hi, long *out) {
    if (*s == '\0') return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static cnode *find_or_create(cluster_state *st, const char *name, int64_t now) {
    cnode *n = cluster_state_find(st, name, strlen(name));
    if (n == NULL) {
        n = cnode_new(name, 0, now);
        cluster_state_add(st, n);
    }
    return n;
}

/* "ip:port@cport[,hostname]" or the older "ip:port". */
static bool parse_address(cnode *n, char *addr) {
    char *comma = strchr(addr, ',');
    if (comma) {
        *comma = '\0';
        cnode_set_hostname(n, comma + 1);
    }
    char *at = strrchr(addr, '@');
    if (at) *at = '\0';
    char *colon = strrchr(addr, ':');
    if (colon == NULL) return false;
    *colon = '\0';
    long port, cport;
    if (!parse_int_range(colon + 1, 0, 65535, &port)) return false;
    if (at) {
        if (!parse_int_range(at + 1, 0, 65535, &cport)) return false;
    } else {
        cport = port + 10000;
    }
    if (strlen(addr) > CMSG_IPLEN) return false;
    strcpy(n->ip, addr);
    n->port = (int)port;
    n->cport = (int)cport;
    return true;
}

static bool parse_flags(cluster_state *st, cnode *n, char *flags, int64_t now, const char **bad) {
    char *save = NULL;
    for (char *f = strtok_r(flags, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (strcmp(f, "myself") == 0) {
            if (st->myself && st->myself != n) {
                *bad = "more than one node is flagged myself";
                return false;
            }
            st->myself = n;
            n->flags |= CNODE_MYSELF;
        } else if (strcmp(f, "master") == 0) {
            n->flags |= CNODE_MASTER;
        } else if (strcmp(f, "slave") == 0) {
            n->flags |= CNODE_SLAVE;
        } else if (strcmp(f, "fail?") == 0) {
            n->flags |= CNODE_PFAIL;
        } else if (strcmp(f, "fail") == 0) {
            n->flags |= CNODE_FAIL;
            n->fail_time = now;
        } else if (strcmp(f, "handshake") == 0) {
            n->flags |= CNODE_HANDSHAKE;
        } else if (strcmp(f, "noaddr") == 0) {
            n->flags |= CNODE_NOADDR;
        } else if (strcmp(f, "nofailover") == 0) {
            n->flags |= CNODE_NOFAILOVER;
        } else if (strcmp(f, "noflags") != 0) {
            *bad = "unknown flag";
            return false;
        }
    }
    return true;
}

static bool parse_slot_field(cluster_state *st, cnode *n, char *f, int64_t now, const char **bad) {
    if (f[0] == '[') {
        /* [slot->-id] migrating, [slot-<-id] importing */
        char *dir = strchr(f, '-');
        size_t flen = strlen(f);
        if (dir == NULL || f[flen - 1] != ']' || dir[1] == '\0' || dir[2] != '-') {
            *bad = "invalid open slot";
            return false;
        }
        char kind = dir[1];
        *dir = '\0';
        f[flen - 1] = '\0';
        long slot;
        const char *id = dir + 3;
        if (!parse_int_range(f + 1, 0, CLUSTER_SLOTS - 1, &slot) || !cluster_name_valid(id, strlen(id)) ||
            (kind != '>' && kind != '<')) {
            *bad = "invalid open slot";
            return false;
        }
        cnode *peer = find_or_create(st, id, now);
        if (kind == '>')
            st->migrating_to[slot] = peer;
        else
            st->importing_from[slot] = peer;
        return true;
    }
    long start, stop;
    char *dash = strchr(f, '-');
    if (dash) {
        *dash = '\0';
        if (!parse_int_range(f, 0, CLUSTER_SLOTS - 1, &start) ||
            !parse_int_range(dash + 1, 0, CLUSTER_SLOTS - 1, &stop) || start > stop) {
            *bad = "invalid slot range";
            return false;
        }
    } else {
        if (!parse_int_range(f, 0, CLUSTER_SLOTS - 1, &start)) {
            *bad = "invalid slot";
            return false;
        }
        stop = start;
    }
    for (long s = start; s <= stop; s++) {
        if (st->slots[s] && st->slots[s] != n) {
            *bad = "slot claimed by two nodes";
            return false;
        }
        if (st->slots[s] == NULL) cluster_state_add_slot(st, n, (int)s);
    }
    return true;
}

static bool parse_vars(cluster_state *st, char **argv, int argc, const char **bad) {
    for (int j = 1; j + 1 < argc; j += 2) {
        uint64_t v;
        if (!parse_u64(argv[j + 1], &v)) {
            *bad = "invalid vars value";
            return false;
        }
        if (strcmp(argv[j], "currentEpoch") == 0)
            st->current_epoch = v;
        else if (strcmp(argv[j], "lastVoteEpoch") == 0)
            st->last_vote_epoch = v;
        /* Unknown variables are skipped, as newer files may add some. */
    }
    if (argc % 2 == 0) {
        *bad = "vars line has a name without a value";
        return false;
    }
    return true;
}

static bool parse_node_line(cluster_state *st, char **argv, int argc, int64_t now, const char **bad) {
    if (argc < 8) {
        *bad = "a node line needs at least 8 fields";
        return false;
    }
    if (!cluster_name_valid(argv[0], strlen(argv[0]))) {
        *bad = "invalid node id";
        return false;
    }
    cnode *n = cluster_state_find(st, argv[0], CLUSTER_NAMELEN);
    if (n && (n->flags & (CNODE_MASTER | CNODE_SLAVE | CNODE_MYSELF | CNODE_HANDSHAKE)) == 0 &&
        n->port == 0 && n->ip[0] == '\0') {
        /* created earlier as someone's master or open-slot peer: fill it in */
    } else if (n) {
        *bad = "duplicate node id";
        return false;
    } else {
        n = cnode_new(argv[0], 0, now);
        cluster_state_add(st, n);
    }
    if (!parse_address(n, argv[1])) {
        *bad = "invalid address";
        return false;
    }
    if (!parse_flags(st, n, argv[2], now, bad)) return false;
    if (strcmp(argv[3], "-") != 0) {
        if (!cluster_name_valid(argv[3], strlen(argv[3])) || strcmp(argv[3], argv[0]) == 0) {
            *bad = "invalid master id";
            return false;
        }
        cnode_set_master(n, find_or_create(st, argv[3], now));
    }
    uint64_t ping, pong, epoch;
    if (!parse_u64(argv[4], &ping) || !parse_u64(argv[5], &pong) || !parse_u64(argv[6], &epoch)) {
        *bad = "invalid ping, pong or epoch field";
        return false;
    }
    n->ping_sent = ping ? now : 0;
    n->pong_received = pong ? now : 0;
    /* A replica line shows its master's epoch; the replica itself has none.
     * A replica whose master is unknown ("-") shows its own epoch, so keep
     * it: the line must read back the way it was written. */
    n->config_epoch = (n->flags & CNODE_SLAVE) && n->master ? 0 : epoch;
    if (strcmp(argv[7], "connected") != 0 && strcmp(argv[7], "disconnected") != 0) {
        *bad = "invalid link state";
        return false;
    }
    for (int j = 8; j < argc; j++)
        if (!parse_slot_field(st, n, argv[j], now, bad)) return false;
    return true;
}

cluster_state *cluster_state_load(const char *text, size_t len, int64_t now, buf *err) {
    cluster_state *st = mem_calloc(1, sizeof(*st));
    st->state = CLUSTER_FAIL;
    char *copy = mem_strndup(text, len);
    char **argv = mem_alloc(sizeof(char *) * CONF_MAX_FIELDS);
    const char *bad = NULL;
    /* Lines are counted as the file has them, blank ones included, so the
     * number in an error points at the offending line. */
    int lineno = 0, bad_line = 0;
    char *next = copy;
    while (*next) {
        char *line = next;
        char *eol = strchr(line, '\n');
        if (eol) {
            *eol = '\0';
            next = eol + 1;
        } else {
            next = line + strlen(line);
        }
        lineno++;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r') line[--l] = '\0';
        int argc = 0;
        char *save = NULL;
        for (char *f = strtok_r(line, " ", &save); f && argc < CONF_MAX_FIELDS; f = strtok_r(NULL, " ", &save))
            argv[argc++] = f;
        if (argc == 0) continue;
        bool ok = strcmp(argv[0], "vars") == 0 ? parse_vars(st, argv, argc, &bad)
                                               : parse_node_line(st, argv, argc, now, &bad);
        if (!ok) {
            bad_line = lineno;
            break;
        }
    }
    if (bad == NULL && st->myself == NULL) bad = "no node is flagged myself";
    if (bad == NULL) {
        /* A hand-edited file may leave currentEpoch below some configEpoch;
         * an election from there would reuse an epoch a master owns. */
        st->current_epoch = cluster_state_max_epoch(st);
        /* A master or open-slot peer named but not listed has no address. */
        for (int i = 0; i < st->num_nodes; i++) {
            cnode *n = st->nodes[i];
            if ((n->flags & (CNODE_MASTER | CNODE_SLAVE | CNODE_HANDSHAKE | CNODE_MYSELF)) == 0 &&
                n->ip[0] == '\0' && n->port == 0)
                n->flags |= CNODE_NOADDR;
        }
    }
    mem_free(argv);
    mem_free(copy);
    if (bad) {
        if (bad_line > 0)
            buf_printf(err, "line %d: %s", bad_line, bad);
        else
            buf_append_str(err, bad);
        cluster_state_free(st);
        return NULL;
    }
    return st;
}
