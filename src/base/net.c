/* net: the socket syscalls the server needs, with errors as -errno. */
#include "base/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int net_set_nonblock(int fd, bool on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -errno;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (fcntl(fd, F_SETFL, flags) < 0) return -errno;
    return 0;
}

int net_set_nodelay(int fd, bool on) {
    int v = on;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) < 0) return -errno;
    return 0;
}

int net_set_keepalive(int fd, int interval_s) {
    int yes = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) < 0) return -errno;
    if (interval_s <= 0) return 0;
    /* First probe after interval_s idle, then every third of it, three times:
     * a dead peer is noticed after about twice the interval. */
    int idle = interval_s, intvl = interval_s / 3 ? interval_s / 3 : 1, cnt = 3;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0) return -errno;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) < 0) return -errno;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) < 0) return -errno;
    return 0;
}

int net_listen_tcp(const char *addr, int port, int backlog, int *fd_out) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    const char *host = addr;
    if (strcmp(addr, "*") == 0) {
        hints.ai_family = AF_INET;
        host = NULL;
    } else if (strcmp(addr, "::*") == 0) {
        hints.ai_family = AF_INET6;
        host = NULL;
    } else {
        hints.ai_family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    }
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) return rc == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
    int err = -EADDRNOTAVAIL, fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = -errno;
            continue;
        }
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
            err = -errno;
            close(fd);
            fd = -1;
            continue;
        }
        err = net_set_nonblock(fd, true);
        if (err == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return err;
    *fd_out = fd;
    return 0;
}

static void sockaddr_to_text(const struct sockaddr_storage *sa, char *ip, size_t ip_len, int *port) {
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        if (ip) inet_ntop(AF_INET, &s->sin_addr, ip, (socklen_t)ip_len);
        if (port) *port = ntohs(s->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        if (ip) inet_ntop(AF_INET6, &s->sin6_addr, ip, (socklen_t)ip_len);
        if (port) *port = ntohs(s->sin6_port);
    } else {
        if (ip && ip_len) snprintf(ip, ip_len, "?");
        if (port) *port = 0;
    }
}

int net_accept(int listen_fd, int *fd_out, char *ip, size_t ip_len, int *port) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    int fd;
    do {
        fd = accept4(listen_fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    sockaddr_to_text(&sa, ip, ip_len, port);
    *fd_out = fd;
    return 0;
}

int net_connect_tcp(const char *host, int port, int *fd_out) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) return rc == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
    int err = -EHOSTUNREACH, fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = -errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
            err = 0;
            break;
        }
        err = -errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return err;
    *fd_out = fd;
    return 0;
}

int net_peer_addr(int fd, char *ip, size_t ip_len, int *port) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    if (getpeername(fd, (struct sockaddr *)&sa, &len) < 0) return -errno;
    sockaddr_to_text(&sa, ip, ip_len, port);
    return 0;
}

int net_local_addr(int fd, char *ip, size_t ip_len, int *port) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return -errno;
    sockaddr_to_text(&sa, ip, ip_len, port);
    return 0;
}

void net_format_addr(char *dst, size_t cap, const char *ip, int port) {
    snprintf(dst, cap, "%s:%d", ip, port);
}

bool net_is_loopback(const char *ip) {
    /* Redis compat: only these two addresses count as local (protected
     * mode, enable-debug-command local), not all of 127.0.0.0/8. */
    return strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0;
}
