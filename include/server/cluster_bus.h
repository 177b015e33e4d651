#ifndef SERVER_CLUSTER_BUS_H
#define SERVER_CLUSTER_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"

/* cluster_bus: the sockets of cluster mode and the glue between the
 * cluster rules (cluster/cluster.h) and this server.
 *
 * It owns nodes.conf (locked for the life of the process, rewritten
 * atomically), the bus listener on the cluster port, one link per
 * connection with its buffers, and a 100 ms timer that drives the rules.
 * The rules reach the server only through the callbacks set up here:
 * replication (follow a primary, report offsets) and the keyspace (count
 * and drop the keys of a slot). */

struct server;
struct cluster;
struct reply;
typedef struct cluster_bus cluster_bus;

/* Loads or creates nodes.conf. Returns NULL after logging why start-up
 * must stop (a locked or corrupt file). */
cluster_bus *cluster_bus_new(struct server *srv);
/* Opens the bus listener; < 0 after logging on failure. */
int cluster_bus_listen(cluster_bus *b);
void cluster_bus_free(cluster_bus *b);
void cluster_bus_before_sleep(cluster_bus *b);
/* Re-reads the cluster options after CONFIG SET. */
void cluster_bus_refresh_config(cluster_bus *b);
struct cluster *cluster_bus_engine(cluster_bus *b);
/* Saves nodes.conf now (CLUSTER SAVECONFIG); < 0 on failure. */
int cluster_bus_save(cluster_bus *b);
/* CLUSTER INFO text (CRLF lines). */
void cluster_bus_info(cluster_bus *b, buf *out);
/* CLUSTER LINKS reply. */
void cluster_bus_links_reply(cluster_bus *b, struct reply *out);
/* Client writes are held during a manual failover. */
bool cluster_bus_writes_paused(const cluster_bus *b);

#endif
