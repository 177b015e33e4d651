#ifndef BASE_NET_H
#define BASE_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/check.h"

/* Socket helpers. Every function returns 0 or -errno; none touches an event
 * loop. Addresses are text ("127.0.0.1", "::1"). */

#define NET_IP_STR_LEN 46 /* INET6_ADDRSTRLEN */

/* Listens on addr:port. addr "*" means every IPv4 address, "::*" every IPv6
 * address; a leading '-' (as in redis.conf "-::*") marks the address
 * optional, which the caller handles. The socket is non-blocking. */
MUST_USE int net_listen_tcp(const char *addr, int port, int backlog, int *fd_out);
/* Accepts one connection (non-blocking); -EAGAIN when none is pending. */
MUST_USE int net_accept(int listen_fd, int *fd_out, char *ip, size_t ip_len, int *port);
/* Starts a non-blocking connect; 0 if connected or in progress. */
MUST_USE int net_connect_tcp(const char *host, int port, int *fd_out);

MUST_USE int net_set_nonblock(int fd, bool on);
/* Best effort: callers may ignore the result of these two. */
int net_set_nodelay(int fd, bool on);
/* Enables TCP keepalive probing after interval_s idle seconds. */
int net_set_keepalive(int fd, int interval_s);

MUST_USE int net_peer_addr(int fd, char *ip, size_t ip_len, int *port);
MUST_USE int net_local_addr(int fd, char *ip, size_t ip_len, int *port);
/* "ip:port" as Redis prints client addresses (IPv6 without brackets). */
void net_format_addr(char *dst, size_t cap, const char *ip, int port);
bool net_is_loopback(const char *ip);

#endif
