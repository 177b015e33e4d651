/* cluster_bus: links, nodes.conf and the callbacks of the cluster rules. */
#include "server/cluster_bus.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/list.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/net.h"
#include "base/resolver.h"
#include "cluster/cluster.h"
#include "commands/propagate.h"
#include "data/keyspace.h"
#include "protocol/reply.h"
#include "server/config.h"
#include "server/replication.h"
#include "server/server.h"

#define BUS_CRON_MS 100
#define BUS_MAX_LISTENERS 16
#define BUS_READ_CHUNK (16 * 1024)

typedef struct bus_link {
    cluster_link l; /* first: the rules see this part */
    cluster_bus *b;
    int fd;
    bool connecting;
    bool dead;
    ev_io rio, wio;
    buf in, out;
    list_node node;
} bus_link;

typedef struct bus_listener {
    int fd;
    ev_io io;
    cluster_bus *b;
} bus_listener;

struct cluster_bus {
    server *srv;
    cluster *cl;
    cluster_state *st;
    char *conf_path;
    int conf_fd;  /* nodes.conf, locked */
    int spare_fd; /* its previous version, locked, overwritten next */
    bus_listener listeners[BUS_MAX_LISTENERS];
    int nlisteners;
    ev_timer cron;
    list_node links;
    list_node dead_links;
    int64_t pause_until;
    uint64_t links_buffer_limit_exceeded;
    resolver *resolver; /* peers' host names */
};

static server *the_server(cluster_bus *b) { return b->srv; }

/* ---- links ---- */

static void link_on_read(struct ev_loop *loop, ev_io *w, int revents);
static void link_on_write(struct ev_loop *loop, ev_io *w, int revents);

static bus_link *link_new(cluster_bus *b, int fd, bool inbound, int64_t now) {
    bus_link *bl = mem_calloc(1, sizeof(*bl));
    bl->b = b;
    bl->fd = fd;
    bl->l.inbound = inbound;
    bl->l.established = inbound;
    bl->l.ctime = now;
    bl->l.io = bl;
    buf_init(&bl->in);
    buf_init(&bl->out);
    ev_io_init(&bl->rio, link_on_read, fd, EV_READ);
    bl->rio.data = bl;
    ev_io_init(&bl->wio, link_on_write, fd, EV_WRITE);
    bl->wio.data = bl;
    list_push_back(&b->links, &bl->node);
    int port;
    if (net_local_addr(fd, bl->l.local_ip, sizeof(bl->l.local_ip), &port) < 0) bl->l.local_ip[0] = '\0';
    return bl;
}

/* Closing is immediate for the socket, deferred for the memory: the rules
 * may still hold the link in the middle of handling a message. */
static void link_kill(bus_link *bl) {
    if (bl->dead) return;
    cluster_bus *b = bl->b;
    struct ev_loop *loop = server_loop(the_server(b));
    ev_io_stop(loop, &bl->rio);
    ev_io_stop(loop, &bl->wio);
    close(bl->fd);
    bl->fd = -1;
    bl->dead = true;
    list_unlink(&bl->node);
    list_push_back(&b->dead_links, &bl->node);
}

static void reap_links(cluster_bus *b) {
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &b->dead_links) {
        bus_link *bl = container_of(pos, bus_link, node);
        list_unlink(pos);
        buf_fini(&bl->in);
        buf_fini(&bl->out);
        mem_free(bl);
    }
}

/* The link failed on its own: tell the rules, then close. */
static void link_fail(bus_link *bl) {
    if (bl->dead) return;
    cluster_link_gone(bl->b->cl, &bl->l);
    link_kill(bl);
}

static void link_flush(bus_link *bl) {
    if (bl->dead || bl->connecting) return;
    while (bl->out.len > 0) {
        ssize_t n = write(bl->fd, bl->out.data, bl->out.len);
        if (n > 0) {
            buf_consume(&bl->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ev_io_start(server_loop(the_server(bl->b)), &bl->wio);
            return;
        }
        log_debug("I/O error writing to node link: %s", n < 0 ? strerror(errno) : "closed");
        link_fail(bl);
        return;
    }
    ev_io_stop(server_loop(the_server(bl->b)), &bl->wio);
}

static void link_on_write(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    bus_link *bl = w->data;
    if (bl->connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(bl->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        if (err) {
            log_verbose("Connection with Node %.40s at %s:%d failed: %s",
                        bl->l.node ? bl->l.node->name : "?", bl->l.node ? bl->l.node->ip : "",
                        bl->l.node ? bl->l.node->cport : 0, strerror(err));
            link_fail(bl);
            return;
        }
        bl->connecting = false;
        int port;
        if (net_local_addr(bl->fd, bl->l.local_ip, sizeof(bl->l.local_ip), &port) < 0)
            bl->l.local_ip[0] = '\0';
        if (net_peer_addr(bl->fd, bl->l.peer_ip, sizeof(bl->l.peer_ip), &port) < 0) bl->l.peer_ip[0] = '\0';
        ev_io_start(server_loop(the_server(bl->b)), &bl->rio);
        cluster_on_connect(bl->b->cl, &bl->l, clock_wall_ms());
    }
    link_flush(bl);
}

static void handle_frame(bus_link *bl, const uint8_t *p, size_t len) {
    cmsg m;
    buf err;
    buf_init(&err);
    if (cmsg_decode(p, len, &m, &err) < 0) {
        log_verbose("Dropping a cluster bus message: %s", err.data ? err.data : "invalid");
        buf_fini(&err);
        return;
    }
    buf_fini(&err);
    cluster_on_message(bl->b->cl, &bl->l, &m, clock_wall_ms());
    cmsg_release(&m);
}

static void link_on_read(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    bus_link *bl = w->data;
    for (;;) {
        buf_reserve(&bl->in, BUS_READ_CHUNK);
        ssize_t n = read(bl->fd, bl->in.data + bl->in.len, BUS_READ_CHUNK);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            link_fail(bl);
            return;
        }
        if (n < 0) break;
        bl->in.len += (size_t)n;
        size_t off = 0;
        while (!bl->dead) {
            uint32_t totlen = 0;
            int rc = cmsg_frame((const uint8_t *)bl->in.data + off, bl->in.len - off, &totlen);
            if (rc < 0) {
                log_verbose("Dropping a cluster bus link: bad frame header");
                link_fail(bl);
                return;
            }
            if (rc == 0 || bl->in.len - off < totlen) break;
            handle_frame(bl, (const uint8_t *)bl->in.data + off, totlen);
            off += totlen;
        }
        if (bl->dead) return;
        buf_consume(&bl->in, off);
        if ((size_t)n < BUS_READ_CHUNK) break;
    }
}

/* ---- the rules' callbacks ---- */

static void env_send(void *ctx, cluster_link *l, const void *data, size_t len) {
    cluster_bus *b = ctx;
    bus_link *bl = l->io;
    if (bl->dead) return;
    buf_append(&bl->out, data, len);
    link_flush(bl);
    /* A peer that does not read must not make us buffer without bound:
     * the link is dropped and dialled again by the timer. */
    int64_t limit = config_get_values(server_config(the_server(b)))->cluster_link_sendbuf_limit;
    if (!bl->dead && limit > 0 && (int64_t)bl->out.len > limit) {
        b->links_buffer_limit_exceeded++;
        log_warning("Freeing cluster link to node %.40s: its send buffer is over the limit",
                    l->node ? l->node->name : "(unknown)");
        link_fail(bl);
    }
}

static cluster_link *env_connect(void *ctx, cnode *n, int64_t now) {
    cluster_bus *b = ctx;
    int fd;
    int rc = net_connect_tcp(n->ip, n->cport, &fd);
    if (rc < 0) {
        log_debug("Unable to connect to node %.40s at %s:%d: %s", n->name, n->ip, n->cport, strerror(-rc));
        return NULL;
    }
    net_set_nodelay(fd, true);
    bus_link *bl = link_new(b, fd, false, now);
    bl->connecting = true;
    ev_io_start(server_loop(the_server(b)), &bl->wio);
    return &bl->l;
}

static void env_free_link(void *ctx, cluster_link *l) {
    (void)ctx;
    link_kill(l->io);
}

static int64_t env_repl_offset(void *ctx) {
    cluster_bus *b = ctx;
    return repl_offset(server_replication(the_server(b)));
}

static void env_follow(void *ctx, const char *ip, int port) {
    cluster_bus *b = ctx;
    replication *r = server_replication(the_server(b));
    bool already = false;
    buf err;
    buf_init(&err);
    if (ip == NULL && !repl_is_replica(r)) {
        buf_fini(&err);
        return;
    }
    /* The engine set myself's primary before asking to follow it. */
    const cnode *m = b->st->myself->master;
    char id[CLUSTER_NAMELEN + 1] = "";
    if (ip && m) memcpy(id, m->name, CLUSTER_NAMELEN);
    repl_set_primary_id(r, id[0] ? id : NULL);
    if (repl_set_primary(r, ip, port, &already, &err) < 0)
        log_warning("Can't follow %s:%d: %s", ip ? ip : "-", port, err.data ? err.data : "");
    buf_fini(&err);
}

static int64_t env_primary_last_io(void *ctx) {
    cluster_bus *b = ctx;
    return repl_primary_last_io(server_replication(the_server(b)));
}

static size_t env_slot_keys(void *ctx, int slot) {
    cluster_bus *b = ctx;
    return db_slot_count(keyspace_db(server_keyspace(the_server(b)), 0), (unsigned)slot);
}

/* The keys of a slot this node lost: deleted, and the deletions reach the
 * append-only file and replicas so they agree. */
static void env_drop_slot(void *ctx, int slot) {
    cluster_bus *b = ctx;
    server *srv = the_server(b);
    db *d = keyspace_db(server_keyspace(srv), 0);
    size_t count = db_slot_count(d, (unsigned)slot);
    if (count == 0) return;
    prop_batch *pb = server_prop_batch(srv);
    kv **entries = mem_alloc(sizeof(kv *) * count);
    size_t got = db_slot_keys(d, (unsigned)slot, entries, count);
    char **names = mem_alloc(sizeof(char *) * got);
    size_t *lens = mem_alloc(sizeof(size_t) * got);
    for (size_t i = 0; i < got; i++) {
        const char *k = kv_key(entries[i], &lens[i]);
        names[i] = mem_dup(k, lens[i]);
    }
    for (size_t i = 0; i < got; i++) {
        db_delete(d, names[i], lens[i]);
        if (pb) {
            resp_arg argv[2] = {PROP_ARG("DEL"), {.ptr = names[i], .len = lens[i]}};
            prop_batch_add(pb, 0, 2, argv);
            server_propagate(srv, false);
        }
        mem_free(names[i]);
    }
    mem_free(names);
    mem_free(lens);
    mem_free(entries);
}

/* Lookups run in the background: a peer's name server may be slow or
 * unreachable (a container cut off from its network), and the event loop
 * must keep serving meanwhile. The engine asks again a second later. */
static bool env_resolve(void *ctx, const char *hostname, char *ip, size_t cap) {
    cluster_bus *b = ctx;
    return resolver_lookup(b->resolver, hostname, ip, cap, clock_mono_ms());
}

static void env_pause_writes(void *ctx, int64_t until) {
    cluster_bus *b = ctx;
    b->pause_until = until;
    if (until == 0) server_unpause_clients(the_server(b));
}

static int fsync_dir_of(const char *path) {
    char *copy = mem_strdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    mem_free(copy);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int write_all_at0(int fd, const buf *text) {
    size_t off = 0;
    while (off < text->len) {
        ssize_t n = pwrite(fd, text->data + off, text->len - off, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        off += (size_t)n;
    }
    return ftruncate(fd, (off_t)text->len);
}

/* The spare file: the previous version of nodes.conf, written over by the
 * next save and then swapped with nodes.conf. */
static char *spare_path(const cluster_bus *b) {
    size_t len = strlen(b->conf_path) + 8;
    char *p = mem_alloc(len);
    snprintf(p, len, "%s.prev", b->conf_path);
    return p;
}

/* nodes.conf is never edited in place: the new text goes to a second
 * file, which then trades names with nodes.conf in one atomic rename
 * (RENAME_EXCHANGE). A crash at any moment leaves the old text or the new
 * one under the name, never a torn file. Swapping two files instead of
 * replacing one also frees no disk blocks, which on a disk mounted with
 * discard costs milliseconds per save in the middle of the event loop.
 * Changes that must survive a power loss (epochs, votes, roles) are synced,
 * the file before the exchange and the directory after; others are written
 * without waiting for the disk, as Redis does. Both files stay locked. */
static int env_save(void *ctx, const buf *text, bool do_fsync) {
    cluster_bus *b = ctx;
    char *spare = spare_path(b);
    int rc = -1;
    if (b->spare_fd < 0) {
        b->spare_fd = open(spare, O_RDWR | O_CREAT, 0644);
        if (b->spare_fd < 0) {
            log_warning("Could not open %s for writing: %s", spare, strerror(errno));
            goto out;
        }
        flock(b->spare_fd, LOCK_EX | LOCK_NB);
    }
    if (write_all_at0(b->spare_fd, text) < 0 || (do_fsync && fsync(b->spare_fd) < 0)) {
        log_warning("Could not write %s: %s", spare, strerror(errno));
        goto out;
    }
    if (renameat2(AT_FDCWD, spare, AT_FDCWD, b->conf_path, RENAME_EXCHANGE) < 0) {
        if (errno != EINVAL && errno != ENOSYS) {
            log_warning("Could not replace %s: %s", b->conf_path, strerror(errno));
            goto out;
        }
        /* A file system without exchange: replace by rename. */
        if (rename(spare, b->conf_path) < 0) {
            log_warning("Could not rename %s to %s: %s", spare, b->conf_path, strerror(errno));
            goto out;
        }
        if (b->conf_fd >= 0) close(b->conf_fd);
        b->conf_fd = b->spare_fd;
        b->spare_fd = -1;
    } else {
        int t = b->conf_fd;
        b->conf_fd = b->spare_fd;
        b->spare_fd = t;
    }
    if (do_fsync) fsync_dir_of(b->conf_path);
    rc = 0;
out:
    mem_free(spare);
    return rc;
}

/* ---- listening ---- */

static void on_bus_accept(struct ev_loop *loop, ev_io *w, int revents) {
    (void)revents;
    bus_listener *li = w->data;
    cluster_bus *b = li->b;
    for (int i = 0; i < 1000; i++) {
        char ip[NET_IP_STR_LEN];
        int port, fd;
        int rc = net_accept(li->fd, &fd, ip, sizeof(ip), &port);
        if (rc == -EAGAIN) return;
        if (rc < 0) {
            log_verbose("Error accepting cluster node: %s", strerror(-rc));
            return;
        }
        net_set_nodelay(fd, true);
        log_verbose("Accepting cluster node connection from %s:%d", ip, port);
        bus_link *bl = link_new(b, fd, true, clock_wall_ms());
        snprintf(bl->l.peer_ip, sizeof(bl->l.peer_ip), "%s", ip);
        ev_io_start(loop, &bl->rio);
    }
}

static int bus_port(const config_values *cv) { return cv->cluster_port ? cv->cluster_port : cv->port + 10000; }

int cluster_bus_listen(cluster_bus *b) {
    const config_values *cv = config_get_values(server_config(the_server(b)));
    int port = bus_port(cv);
    if (port > 65535) {
        log_warning("Redis port number too high. Cluster communication port is 10,000 port numbers "
                    "higher than your Redis port. Your Redis port number must be 55535 or less.");
        return -1;
    }
    for (int i = 0; i < cv->bind_count && b->nlisteners < BUS_MAX_LISTENERS; i++) {
        const char *addr = cv->bind[i];
        bool optional = addr[0] == '-';
        if (optional) addr++;
        int fd;
        int rc = net_listen_tcp(addr, port, cv->tcp_backlog, &fd);
        if (rc < 0) {
            if (optional) continue;
            log_warning("Could not create the cluster bus listening socket %s:%d: %s", addr, port, strerror(-rc));
            return -1;
        }
        bus_listener *li = &b->listeners[b->nlisteners++];
        li->fd = fd;
        li->b = b;
        ev_io_init(&li->io, on_bus_accept, fd, EV_READ);
        li->io.data = li;
        ev_io_start(server_loop(the_server(b)), &li->io);
    }
    if (b->nlisteners == 0) {
        log_warning("Failed listening on the cluster bus port %d, aborting.", port);
        return -1;
    }
    return 0;
}

/* ---- timers ---- */

static void on_bus_cron(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    cluster_bus *b = w->data;
    int64_t now = clock_wall_ms();
    /* A connect that hangs longer than the node timeout is retried. */
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &b->links) {
        bus_link *bl = container_of(pos, bus_link, node);
        if (bl->connecting && now - bl->l.ctime > b->cl->cfg.node_timeout) link_fail(bl);
    }
    if (b->pause_until && now >= b->pause_until) env_pause_writes(b, 0);
    cluster_cron(b->cl, now);
    reap_links(b);
}

void cluster_bus_before_sleep(cluster_bus *b) {
    cluster_before_sleep(b->cl, clock_wall_ms());
    reap_links(b);
}

/* ---- configuration ---- */

static void fill_config(cluster_bus *b, cluster_config *cc) {
    const config_values *cv = config_get_values(server_config(the_server(b)));
    memset(cc, 0, sizeof(*cc));
    cc->node_timeout = cv->cluster_node_timeout;
    cc->port = cv->cluster_announce_port ? cv->cluster_announce_port : cv->port;
    cc->cport = cv->cluster_announce_bus_port ? cv->cluster_announce_bus_port : bus_port(cv);
    cc->pport = 0;
    if (cv->cluster_announce_ip) snprintf(cc->announce_ip, sizeof(cc->announce_ip), "%s", cv->cluster_announce_ip);
    if (cv->cluster_announce_hostname)
        snprintf(cc->hostname, sizeof(cc->hostname), "%s", cv->cluster_announce_hostname);
    cc->require_full_coverage = cv->cluster_require_full_coverage;
    cc->allow_reads_when_down = cv->cluster_allow_reads_when_down;
    cc->allow_replica_migration = cv->cluster_allow_replica_migration;
    cc->replica_no_failover = cv->cluster_replica_no_failover;
    cc->migration_barrier = cv->cluster_migration_barrier;
    cc->replica_validity_factor = cv->cluster_replica_validity_factor;
    cc->repl_ping_period_ms = (int64_t)cv->repl_ping_replica_period * 1000;
}

/* What myself announces follows the configuration. */
static void refresh_myself(cluster_bus *b) {
    cluster_state *st = b->st;
    cnode *me = st->myself;
    const cluster_config *cc = &b->cl->cfg;
    bool changed = me->port != cc->port || me->cport != cc->cport || me->pport != cc->pport;
    me->port = cc->port;
    me->cport = cc->cport;
    me->pport = cc->pport;
    if (cc->announce_ip[0] && strcmp(me->ip, cc->announce_ip) != 0) {
        snprintf(me->ip, sizeof(me->ip), "%s", cc->announce_ip);
        changed = true;
    }
    cnode_set_hostname(me, cc->hostname[0] ? cc->hostname : NULL);
    if (me->flags & CNODE_NOFAILOVER) {
        if (!cc->replica_no_failover) me->flags &= ~(uint32_t)CNODE_NOFAILOVER, changed = true;
    } else if (cc->replica_no_failover) {
        me->flags |= CNODE_NOFAILOVER;
        changed = true;
    }
    if (changed) b->cl->todo |= CLUSTER_TODO_SAVE;
}

void cluster_bus_refresh_config(cluster_bus *b) {
    fill_config(b, &b->cl->cfg);
    refresh_myself(b);
}

/* ---- life cycle ---- */

static cluster_state *load_conf(cluster_bus *b, bool *fresh) {
    const config_values *cv = config_get_values(server_config(the_server(b)));
    *fresh = false;
    int fd = open(b->conf_path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        log_warning("Can't open %s in order to acquire a lock: %s", b->conf_path, strerror(errno));
        return NULL;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            log_warning("Sorry, the cluster configuration file %s is already used by a different Redis "
                        "Cluster node. Please make sure that different nodes use different cluster "
                        "configuration files.",
                        cv->cluster_config_file);
        else
            log_warning("Impossible to lock %s: %s", b->conf_path, strerror(errno));
        close(fd);
        return NULL;
    }
    b->conf_fd = fd;
    buf text;
    buf_init(&text);
    char chunk[8192];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0) buf_append(&text, chunk, (size_t)n);
    if (n < 0) {
        log_warning("Can't read %s: %s", b->conf_path, strerror(errno));
        buf_fini(&text);
        return NULL;
    }
    int64_t now = clock_wall_ms();
    cluster_state *st;
    if (text.len == 0) {
        st = cluster_state_new(NULL, now);
        *fresh = true;
        log_notice("No cluster configuration found, I'm %.40s", st->myself->name);
    } else {
        buf err;
        buf_init(&err);
        st = cluster_state_load(text.data, text.len, now, &err);
        if (st == NULL)
            log_warning("Unrecoverable error: corrupted cluster config file \"%s\": %s.", cv->cluster_config_file,
                        err.data ? err.data : "invalid");
        buf_fini(&err);
    }
    buf_fini(&text);
    return st;
}

cluster_bus *cluster_bus_new(server *srv) {
    const config_values *cv = config_get_values(server_config(srv));
    cluster_bus *b = mem_calloc(1, sizeof(*b));
    b->srv = srv;
    b->conf_fd = -1;
    b->spare_fd = -1;
    b->conf_path = mem_strdup(cv->cluster_config_file);
    list_init(&b->links);
    list_init(&b->dead_links);
    bool fresh;
    b->st = load_conf(b, &fresh);
    if (b->st == NULL) {
        if (b->conf_fd >= 0) close(b->conf_fd);
        mem_free(b->conf_path);
        mem_free(b);
        return NULL;
    }
    b->resolver = resolver_new();
    cluster_env env = {
        .ctx = b,
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
    cluster_config cc;
    fill_config(b, &cc);
    b->cl = cluster_new(b->st, &env, &cc, clock_wall_ms());
    refresh_myself(b);
    b->cl->todo |= CLUSTER_TODO_SAVE | CLUSTER_TODO_FSYNC | CLUSTER_TODO_UPDATE_STATE;
    if (!fresh) log_notice("Node configuration loaded, I'm %.40s", b->st->myself->name);
    ev_init(&b->cron, on_bus_cron);
    b->cron.data = b;
    ev_timer_set(&b->cron, BUS_CRON_MS / 1000.0, BUS_CRON_MS / 1000.0);
    ev_timer_start(server_loop(srv), &b->cron);
    /* Save right away: the file exists (and is valid) from the first start. */
    cluster_before_sleep(b->cl, clock_wall_ms());
    return b;
}

void cluster_bus_free(cluster_bus *b) {
    if (b == NULL) return;
    struct ev_loop *loop = server_loop(b->srv);
    ev_timer_stop(loop, &b->cron);
    list_node *pos, *tmp;
    list_foreach_safe(pos, tmp, &b->links) link_fail(container_of(pos, bus_link, node));
    reap_links(b);
    for (int i = 0; i < b->nlisteners; i++) {
        ev_io_stop(loop, &b->listeners[i].io);
        close(b->listeners[i].fd);
    }
    cluster_free(b->cl);
    cluster_state_free(b->st);
    resolver_free(b->resolver);
    if (b->conf_fd >= 0) close(b->conf_fd);
    if (b->spare_fd >= 0) close(b->spare_fd);
    mem_free(b->conf_path);
    mem_free(b);
}

struct cluster *cluster_bus_engine(cluster_bus *b) { return b->cl; }

int cluster_bus_save(cluster_bus *b) {
    buf text;
    buf_init(&text);
    cluster_conf_text(b->st, &text);
    int rc = env_save(b, &text, true);
    buf_fini(&text);
    return rc;
}

bool cluster_bus_writes_paused(const cluster_bus *b) {
    return b->pause_until && clock_wall_ms() < b->pause_until;
}

/* ---- introspection ---- */

void cluster_bus_info(cluster_bus *b, buf *out) {
    cluster_state *st = b->st;
    int assigned = 0, ok = 0, pfail = 0, fail = 0;
    for (int s = 0; s < CLUSTER_SLOTS; s++) {
        cnode *n = st->slots[s];
        if (n == NULL) continue;
        assigned++;
        if (n->flags & CNODE_FAIL)
            fail++;
        else if (n->flags & CNODE_PFAIL)
            pfail++;
        else
            ok++;
    }
    cnode *me = st->myself;
    uint64_t my_epoch = (me->flags & CNODE_SLAVE) && me->master ? me->master->config_epoch : me->config_epoch;
    buf_printf(out,
               "cluster_state:%s\r\ncluster_slots_assigned:%d\r\ncluster_slots_ok:%d\r\n"
               "cluster_slots_pfail:%d\r\ncluster_slots_fail:%d\r\ncluster_known_nodes:%d\r\n"
               "cluster_size:%d\r\ncluster_current_epoch:%llu\r\ncluster_my_epoch:%llu\r\n",
               st->state == CLUSTER_OK ? "ok" : "fail", assigned, ok, pfail, fail, st->num_nodes, st->size,
               (unsigned long long)st->current_epoch, (unsigned long long)my_epoch);
    uint64_t sent = 0, received = 0;
    for (int t = 0; t < CMSG_TYPE_COUNT; t++) {
        if (st->stats_sent[t] == 0) continue;
        buf_printf(out, "cluster_stats_messages_%s_sent:%llu\r\n", cmsg_type_name(t),
                   (unsigned long long)st->stats_sent[t]);
        sent += st->stats_sent[t];
    }
    buf_printf(out, "cluster_stats_messages_sent:%llu\r\n", (unsigned long long)sent);
    for (int t = 0; t < CMSG_TYPE_COUNT; t++) {
        if (st->stats_received[t] == 0) continue;
        buf_printf(out, "cluster_stats_messages_%s_received:%llu\r\n", cmsg_type_name(t),
                   (unsigned long long)st->stats_received[t]);
        received += st->stats_received[t];
    }
    buf_printf(out, "cluster_stats_messages_received:%llu\r\n", (unsigned long long)received);
    buf_printf(out, "total_cluster_links_buffer_limit_exceeded:%llu\r\n",
               (unsigned long long)b->links_buffer_limit_exceeded);
}

static void link_reply(reply *out, bus_link *bl) {
    reply_map(out, 6);
    reply_bulk_cstr(out, "direction");
    reply_bulk_cstr(out, bl->l.inbound ? "from" : "to");
    reply_bulk_cstr(out, "node");
    reply_bulk(out, bl->l.node->name, CLUSTER_NAMELEN);
    reply_bulk_cstr(out, "create-time");
    reply_int(out, bl->l.ctime);
    reply_bulk_cstr(out, "events");
    reply_bulk_cstr(out, bl->out.len ? "rw" : "r");
    reply_bulk_cstr(out, "send-buffer-allocated");
    reply_int(out, (int64_t)bl->out.cap);
    reply_bulk_cstr(out, "send-buffer-used");
    reply_int(out, (int64_t)bl->out.len);
}

void cluster_bus_links_reply(cluster_bus *b, reply *out) {
    int count = 0;
    list_node *pos;
    list_foreach(pos, &b->links) {
        bus_link *bl = container_of(pos, bus_link, node);
        if (bl->l.node && !(bl->l.node->flags & CNODE_HANDSHAKE)) count++;
    }
    reply_array(out, count);
    list_foreach(pos, &b->links) {
        bus_link *bl = container_of(pos, bus_link, node);
        if (bl->l.node && !(bl->l.node->flags & CNODE_HANDSHAKE)) link_reply(out, bl);
    }
}
