/* Unit tests for MIGRATE (server/cmd_migrate.c) and its connections
 * (server/migrate_conn.c).
 *
 * The command runs through the command harness against a scripted fake
 * target: a thread listening on 127.0.0.1 (ports 21400-21499) that accepts,
 * reads whole RESP requests and answers each with a canned line, logging
 * what it received. That shows the exact pipeline MIGRATE sends (AUTH,
 * SELECT only when needed, RESTORE with the remaining TTL and REPLACE), how
 * replies are applied (acknowledged keys deleted and replayed as one DEL,
 * errors relayed with Redis's prefix), the retry on a stale cached
 * connection and the absence of a retry after a timeout. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/mem.h"
#include "commands/groups.h"
#include "server/migrate_conn.h"
#include "server/server_commands.h"
#include "support/cmd_harness.h"

#define T0 1700000000000LL

static harness *H;

static int setup(void **state) {
    (void)state;
    static const command_def *const groups[] = {cmd_string_defs, cmd_keys_defs, cmd_dump_defs,
                                                cmd_migrate_defs, NULL};
    H = harness_new_with(groups);
    harness_set_time(H, T0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    migrate_cache_clear(migrate_cache_shared());
    harness_free(H);
    H = NULL;
    return 0;
}

#define RUN(...) harness_run(H, __VA_ARGS__, NULL)

/* ---- the fake target ---- */

/* Fixed buffers: the target thread must not allocate through mem_*, whose
 * counter belongs to the main thread. */
typedef struct bytes {
    char data[65536];
    size_t len;
} bytes;

static void bytes_append(bytes *b, const void *p, size_t n) {
    if (b->len + n >= sizeof(b->data)) n = sizeof(b->data) - 1 - b->len; /* then tests fail */
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void bytes_append_str(bytes *b, const char *s) {
    bytes_append(b, s, strlen(s));
}

typedef struct target {
    int lfd;
    int port;
    char port_text[8];
    const char *const *script; /* NULL-terminated steps, see target_main */
    pthread_t thread;
    int fd;      /* current connection, -1 if none */
    bytes in;      /* unparsed input of the current connection */
    bytes log;     /* "#conn" per accepted connection, one line per request */
    bytes payload; /* the last argument longer than 40 bytes or not printable */
} target;

/* Binds the first free port of 21400-21499 on 127.0.0.1. */
static int listen_in_range(int *port) {
    for (int p = 21400; p < 21500; p++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 128) == 0) {
            *port = p;
            return fd;
        }
        close(fd);
    }
    fail_msg("no free port in 21400-21499");
    return -1;
}

/* Length of the complete request at the start of p, or 0 if incomplete. */
static size_t request_len(const char *p, size_t len, int *argc) {
    const char *end = p + len, *q = p;
    const char *nl = memchr(q, '\n', (size_t)(end - q));
    if (nl == NULL) return 0;
    *argc = atoi(q + 1);
    q = nl + 1;
    for (int i = 0; i < *argc; i++) {
        nl = memchr(q, '\n', (size_t)(end - q));
        if (nl == NULL) return 0;
        size_t n = (size_t)atol(q + 1);
        q = nl + 1;
        if ((size_t)(end - q) < n + 2) return 0;
        q += n + 2;
    }
    return (size_t)(q - p);
}

/* Appends the request to the log: arguments separated by spaces, a long
 * or binary one as <N bytes> (and kept in t->payload). */
static void log_request(target *t, const char *p, int argc) {
    p = strchr(p, '\n') + 1;
    for (int i = 0; i < argc; i++) {
        size_t n = (size_t)atol(p + 1);
        p = strchr(p, '\n') + 1;
        bool printable = n <= 40;
        for (size_t k = 0; k < n && printable; k++) printable = p[k] >= 32 && p[k] < 127;
        if (i) bytes_append_str(&t->log, " ");
        if (printable) {
            bytes_append(&t->log, p, n);
        } else {
            char size[32];
            snprintf(size, sizeof(size), "<%zu bytes>", n);
            bytes_append_str(&t->log, size);
            t->payload.len = 0;
            bytes_append(&t->payload, p, n);
        }
        p += n + 2;
    }
    bytes_append_str(&t->log, "\n");
}

/* Reads one whole request; false when the peer went away or 3 s passed. */
static bool read_request(target *t) {
    for (;;) {
        int argc = 0;
        size_t n = t->in.len ? request_len(t->in.data, t->in.len, &argc) : 0;
        if (n > 0) {
            log_request(t, t->in.data, argc);
            memmove(t->in.data, t->in.data + n, t->in.len - n);
            t->in.len -= n;
            return true;
        }
        struct pollfd p = {.fd = t->fd, .events = POLLIN};
        if (poll(&p, 1, 3000) <= 0) return false;
        char chunk[16384];
        ssize_t got = read(t->fd, chunk, sizeof(chunk));
        if (got <= 0) return false;
        bytes_append(&t->in, chunk, (size_t)got);
    }
}

/* Steps: "accept"; "close" (the current connection); "read" (a request,
 * left unanswered); anything else: read a request and send that text. */
static void *target_main(void *arg) {
    target *t = arg;
    for (const char *const *step = t->script; *step; step++) {
        if (strcmp(*step, "accept") == 0) {
            struct pollfd p = {.fd = t->lfd, .events = POLLIN};
            if (poll(&p, 1, 3000) <= 0) break;
            t->fd = accept(t->lfd, NULL, NULL);
            t->in.len = 0;
            bytes_append_str(&t->log, "#conn\n");
        } else if (strcmp(*step, "close") == 0) {
            close(t->fd);
            t->fd = -1;
        } else if (!read_request(t)) {
            bytes_append_str(&t->log, "(no request)\n");
            break;
        } else if (strcmp(*step, "read") != 0) {
            ssize_t n = write(t->fd, *step, strlen(*step));
            (void)n;
        }
    }
    return NULL;
}

static target *target_start(const char *const *script) {
    target *t = mem_calloc(1, sizeof(*t));
    t->lfd = listen_in_range(&t->port);
    snprintf(t->port_text, sizeof(t->port_text), "%d", t->port);
    t->fd = -1;
    t->script = script;
    assert_int_equal(pthread_create(&t->thread, NULL, target_main, t), 0);
    return t;
}

/* Waits for the script to end and returns the log (valid until stop). */
static const char *target_join(target *t) {
    pthread_join(t->thread, NULL);
    return t->log.data;
}

static void target_stop(target *t) {
    if (t->fd >= 0) close(t->fd);
    close(t->lfd);
    mem_free(t);
}

/* ---- argument handling, no target needed ---- */

static void migrate_checks_arguments_in_redis_order(void **state) {
    (void)state;
    RUN("SET", "k", "v");
    assert_string_equal(RUN("MIGRATE", "h", "1", "k", "0"),
                        "-ERR wrong number of arguments for 'migrate' command\r\n");
    /* Options first, then the timeout, then the database. */
    assert_string_equal(RUN("MIGRATE", "h", "1", "k", "x", "y", "BOGUS"), "-ERR syntax error\r\n");
    assert_string_equal(RUN("MIGRATE", "h", "1", "k", "0", "0", "AUTH"), "-ERR syntax error\r\n");
    assert_string_equal(RUN("MIGRATE", "h", "1", "k", "0", "0", "AUTH2", "u"),
                        "-ERR syntax error\r\n");
    assert_string_equal(RUN("MIGRATE", "h", "1", "k", "x", "y", "KEYS", "a"),
                        "-ERR When using MIGRATE KEYS option, the key argument must be set to "
                        "the empty string\r\n");
    assert_string_equal(RUN("MIGRATE", "h", "1", "k", "x", "1.5", "COPY"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(RUN("MIGRATE", "h", "1", "k", "x", "10", "REPLACE"),
                        "-ERR value is not an integer or out of range\r\n");
    /* Nothing to move: a status, not an error, before any connection. */
    assert_string_equal(RUN("MIGRATE", "h", "1", "missing", "0", "0"), "+NOKEY\r\n");
    assert_string_equal(RUN("MIGRATE", "h", "1", "", "0", "0", "KEYS"), "+NOKEY\r\n");
    assert_string_equal(RUN("MIGRATE", "h", "1", "", "0", "0", "AUTH", "keys", "KEYS", "m1", "m2"),
                        "+NOKEY\r\n");
    /* A connect that cannot even start (no such host). */
    assert_string_equal(RUN("MIGRATE", "", "1", "k", "0", "100"),
                        "-IOERR error or timeout connecting to the client\r\n");
    assert_string_equal(RUN("EXISTS", "k"), ":1\r\n");
    assert_string_equal(harness_propagated(H), "");
    assert_int_equal(migrate_cache_count(migrate_cache_shared()), 0);
}

static int getkeys(const char *const *argv, int argc, int *out) {
    resp_arg args[16];
    for (int i = 0; i < argc; i++) args[i] = (resp_arg){.ptr = argv[i], .len = strlen(argv[i])};
    command *c = command_find(H->registry, "migrate", 7);
    assert_non_null(c);
    return command_get_keys(c, argc, args, out, 16);
}

static void migrate_keys_are_found_as_redis_finds_them(void **state) {
    (void)state;
    int k[16];
    const char *plain[] = {"MIGRATE", "h", "p", "key", "0", "0", "COPY"};
    assert_int_equal(getkeys(plain, 7, k), 1);
    assert_int_equal(k[0], 3);
    const char *keys[] = {"MIGRATE", "h", "p", "", "0", "0", "AUTH2", "u", "p", "KEYS", "a", "b"};
    assert_int_equal(getkeys(keys, 12, k), 2);
    assert_int_equal(k[0], 10);
    assert_int_equal(k[1], 11);
    /* KEYS with a key argument: no keys (MIGRATE itself refuses it). */
    const char *bad[] = {"MIGRATE", "h", "p", "key", "0", "0", "KEYS", "a"};
    assert_int_equal(getkeys(bad, 8, k), 0);
    /* A trailing KEYS is not found by the keyword search: argv[3]. */
    const char *trailing[] = {"MIGRATE", "h", "p", "", "0", "0", "KEYS"};
    assert_int_equal(getkeys(trailing, 7, k), 1);
    assert_int_equal(k[0], 3);
    /* "keys" as AUTH's password is skipped by Redis's own scan. */
    const char *pw[] = {"MIGRATE", "h", "p", "", "0", "0", "AUTH", "keys", "a"};
    assert_int_equal(getkeys(pw, 9, k), 1);
    assert_int_equal(k[0], 3);
}

/* ---- exchanges with the fake target ---- */

static void migrate_pipelines_select_and_restores(void **state) {
    (void)state;
    static const char *const script[] = {"accept", "+OK\r\n", "+OK\r\n", "+OK\r\n",
                                         "+OK\r\n", NULL};
    target *t = target_start(script);
    RUN("SET", "a", "1");
    RUN("SET", "b", "val:300", "PX", "5000");
    RUN("SET", "c", "3");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "", "5", "1000", "KEYS", "a",
                            "nope", "b"),
                        "+OK\r\n");
    assert_string_equal(harness_propagated(H), "0 DEL a b\n");
    assert_string_equal(RUN("EXISTS", "a", "b", "c"), ":1\r\n");
    /* The same database on the cached connection: no SELECT. */
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "c", "5", "1000"), "+OK\r\n");
    assert_string_equal(harness_propagated(H), "0 DEL c\n");
    assert_string_equal(target_join(t), "#conn\n"
                                        "SELECT 5\n"
                                        "RESTORE a 0 <13 bytes>\n"
                                        "RESTORE b 5000 <19 bytes>\n"
                                        "RESTORE c 0 <13 bytes>\n");
    assert_int_equal(migrate_cache_count(migrate_cache_shared()), 1);
    target_stop(t);
}

static void migrate_payload_is_the_dump_payload(void **state) {
    (void)state;
    static const char *const script[] = {"accept", "+OK\r\n", "+OK\r\n", NULL};
    target *t = target_start(script);
    RUN("SET", "k", "val:300");
    const char *dump = RUN("DUMP", "k");
    buf want;
    buf_init(&want);
    buf_append(&want, dump + 5, 19); /* "$19\r\n" + payload */
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "k", "0", "1000"), "+OK\r\n");
    target_join(t);
    assert_int_equal(t->payload.len, 19);
    assert_memory_equal(t->payload.data, want.data, 19);
    buf_fini(&want);
    target_stop(t);
}

static void migrate_copy_replace_and_auth(void **state) {
    (void)state;
    static const char *const script[] = {"accept", "+OK\r\n", "+OK\r\n", "+OK\r\n",
                                         "+OK\r\n", "+OK\r\n", NULL};
    target *t = target_start(script);
    RUN("SET", "k", "v");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "k", "0", "1000", "COPY",
                            "REPLACE", "AUTH2", "user", "pw"),
                        "+OK\r\n");
    assert_string_equal(RUN("EXISTS", "k"), ":1\r\n");
    assert_string_equal(harness_propagated(H), "");
    assert_int_equal(H->dirty, 1); /* the SET only */
    /* AUTH goes with every MIGRATE, even on a cached connection. */
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "k", "0", "1000", "AUTH", "pw"),
                        "+OK\r\n");
    assert_string_equal(target_join(t), "#conn\n"
                                        "AUTH user pw\n"
                                        "SELECT 0\n"
                                        "RESTORE k 0 <13 bytes> REPLACE\n"
                                        "AUTH pw\n"
                                        "RESTORE k 0 <13 bytes>\n");
    assert_string_equal(RUN("EXISTS", "k"), ":0\r\n");
    target_stop(t);
}

static void migrate_relays_target_errors(void **state) {
    (void)state;
    static const char *const script[] = {
        "accept",
        "+OK\r\n",
        "-BUSYKEY Target key name already exists.\r\n",
        "+OK\r\n",
        /* After an error the database is selected again; AUTH refused
         * fails every key. */
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        "+OK\r\n",
        "+OK\r\n",
        NULL};
    target *t = target_start(script);
    RUN("SET", "a", "1");
    RUN("SET", "b", "2");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "", "0", "1000", "KEYS", "a",
                            "b"),
                        "-ERR Target instance replied with error: BUSYKEY Target key name already "
                        "exists.\r\n");
    assert_string_equal(harness_propagated(H), "0 DEL b\n");
    assert_string_equal(RUN("EXISTS", "a"), ":1\r\n");
    assert_string_equal(RUN("EXISTS", "b"), ":0\r\n");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "", "0", "1000", "AUTH", "bad",
                            "KEYS", "a"),
                        "-ERR Target instance replied with error: WRONGPASS invalid "
                        "username-password pair or user is disabled.\r\n");
    assert_string_equal(harness_propagated(H), "");
    assert_string_equal(RUN("EXISTS", "a"), ":1\r\n");
    assert_string_equal(target_join(t), "#conn\n"
                                        "SELECT 0\n"
                                        "RESTORE a 0 <13 bytes>\n"
                                        "RESTORE b 0 <13 bytes>\n"
                                        "AUTH bad\n"
                                        "SELECT 0\n"
                                        "RESTORE a 0 <13 bytes>\n");
    /* An error reply does not cost the connection. */
    assert_int_equal(migrate_cache_count(migrate_cache_shared()), 1);
    target_stop(t);
}

static void migrate_retries_once_on_a_stale_connection(void **state) {
    (void)state;
    static const char *const script[] = {"accept", "+OK\r\n", "+OK\r\n", "close", "accept",
                                         "+OK\r\n", "+OK\r\n", NULL};
    target *t = target_start(script);
    RUN("SET", "a", "1");
    RUN("SET", "b", "2");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "a", "0", "1000"), "+OK\r\n");
    /* The target closed the cached connection: reconnect, SELECT again. */
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "b", "0", "1000"), "+OK\r\n");
    assert_string_equal(target_join(t), "#conn\n"
                                        "SELECT 0\n"
                                        "RESTORE a 0 <13 bytes>\n"
                                        "#conn\n"
                                        "SELECT 0\n"
                                        "RESTORE b 0 <13 bytes>\n");
    assert_string_equal(RUN("DBSIZE"), ":0\r\n");
    target_stop(t);
}

static void migrate_does_not_retry_after_a_timeout(void **state) {
    (void)state;
    static const char *const script[] = {"accept", "read", "read", NULL};
    target *t = target_start(script);
    RUN("SET", "a", "1");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "a", "0", "50"),
                        "-IOERR error or timeout reading to target instance\r\n");
    assert_string_equal(target_join(t), "#conn\nSELECT 0\nRESTORE a 0 <13 bytes>\n");
    assert_int_equal(migrate_cache_count(migrate_cache_shared()), 0);
    assert_string_equal(RUN("EXISTS", "a"), ":1\r\n");
    assert_string_equal(harness_propagated(H), "");
    target_stop(t);
}

static void migrate_keeps_what_was_acknowledged_before_a_failure(void **state) {
    (void)state;
    static const char *const script[] = {"accept", "+OK\r\n", "+OK\r\n", "read", "close",
                                         NULL};
    target *t = target_start(script);
    RUN("SET", "a", "1");
    RUN("SET", "b", "2");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "", "0", "1000", "KEYS", "a",
                            "b"),
                        "-IOERR error or timeout reading to target instance\r\n");
    /* a was acknowledged: gone here and replayed as DEL; no retry. */
    assert_string_equal(harness_propagated(H), "0 DEL a\n");
    assert_string_equal(RUN("EXISTS", "a"), ":0\r\n");
    assert_string_equal(RUN("EXISTS", "b"), ":1\r\n");
    assert_string_equal(target_join(t),
                        "#conn\nSELECT 0\nRESTORE a 0 <13 bytes>\nRESTORE b 0 <13 bytes>\n");
    assert_int_equal(migrate_cache_count(migrate_cache_shared()), 0);
    target_stop(t);
}

static void migrate_to_a_closed_port_is_a_write_error(void **state) {
    (void)state;
    /* Redis compat: the refused connect surfaces at the first write, and
     * the retry meets the same refusal. */
    int port;
    int fd = listen_in_range(&port);
    close(fd);
    char text[8];
    snprintf(text, sizeof(text), "%d", port);
    RUN("SET", "a", "1");
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", text, "a", "0", "1000"),
                        "-IOERR error or timeout writing to target instance\r\n");
    assert_string_equal(RUN("EXISTS", "a"), ":1\r\n");
    assert_int_equal(migrate_cache_count(migrate_cache_shared()), 0);
}

static void migrate_sends_restore_asking_in_cluster_mode(void **state) {
    (void)state;
    static const char *const script[] = {"accept", "+OK\r\n", "+OK\r\n", NULL};
    target *t = target_start(script);
    RUN("SET", "a", "1");
    H->opts.cluster_enabled = true;
    assert_string_equal(RUN("MIGRATE", "127.0.0.1", t->port_text, "a", "0", "1000", "REPLACE"),
                        "+OK\r\n");
    H->opts.cluster_enabled = false;
    assert_string_equal(target_join(t), "#conn\nSELECT 0\nRESTORE-ASKING a 0 <13 bytes> REPLACE\n");
    target_stop(t);
    /* And RESTORE-ASKING is RESTORE under another name. */
    RUN("SET", "src", "val:300");
    const char *d = RUN("DUMP", "src");
    char payload[19];
    memcpy(payload, d + 5, sizeof(payload));
    const char *argv[4] = {"RESTORE-ASKING", "dst", "0", payload};
    size_t lens[4] = {14, 3, 1, sizeof(payload)};
    assert_string_equal(harness_runv(H, 4, argv, lens), "+OK\r\n");
    assert_string_equal(RUN("GET", "dst"), "$7\r\nval:300\r\n");
    assert_string_equal(harness_runv(H, 4, argv, lens),
                        "-BUSYKEY Target key name already exists.\r\n");
}

/* ---- the connection cache and line reads ---- */

static void cache_closes_idle_connections_and_makes_room(void **state) {
    (void)state;
    int port;
    int lfd = listen_in_range(&port);
    migrate_cache *mc = migrate_cache_new();
    /* Names are the text given: "021400" and "21400", or "127.1" and
     * "127.0.0.1", are different entries for the same address. */
    char text[40];
    migrate_conn *first = NULL;
    for (int i = 0; i < MIGRATE_CACHE_MAX; i++) {
        snprintf(text, sizeof(text), "%0*d", 5 + i % 20, port);
        static const char *const hosts[] = {"127.0.0.1", "127.1", "127.0.1", "2130706433"};
        const char *host = hosts[i / 20];
        migrate_conn *c = migrate_cache_get(mc, host, strlen(host), text, strlen(text), 1000,
                                            T0 + i);
        assert_non_null(c);
        assert_int_equal(c->connect_err, 0);
        if (i == 0) first = c;
    }
    assert_int_equal(migrate_cache_count(mc), MIGRATE_CACHE_MAX);
    /* Found again by name, and marked used. */
    snprintf(text, sizeof(text), "%05d", port);
    assert_ptr_equal(migrate_cache_get(mc, "127.0.0.1", 9, text, strlen(text), 1000, T0 + 100),
                     first);
    /* A new name evicts the least recently used (the second one). */
    migrate_cache_get(mc, "127.0.0.1", 9, "x", 1, 1000, T0 + 101);
    assert_int_equal(migrate_cache_count(mc), MIGRATE_CACHE_MAX);
    snprintf(text, sizeof(text), "%06d", port);
    migrate_conn *again = migrate_cache_get(mc, "127.0.0.1", 9, text, strlen(text), 1000, T0);
    assert_int_equal(again->last_dbid, -1);
    /* Idle means more than 10 whole seconds of the wall clock. */
    migrate_cache_clear(mc);
    migrate_cache_get(mc, "127.0.0.1", 9, text, strlen(text), 1000, 1000000);
    assert_int_equal(migrate_cache_close_idle(mc, 1010999), 0);
    assert_int_equal(migrate_cache_close_idle(mc, 1011000), 1);
    assert_int_equal(migrate_cache_count(mc), 0);
    migrate_cache_free(mc);
    close(lfd);
}

static void read_line_splits_like_redis(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    migrate_conn c = {.fd = sv[0], .last_dbid = -1};
    char line[MIGRATE_LINE_MAX];
    static const char feed[] = "+OK\r\n-ERR x\n\r\n\n";
    assert_int_equal(write(sv[1], feed, sizeof(feed) - 1), (ssize_t)sizeof(feed) - 1);
    /* Redis compat: the count includes the CR that was cut. */
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 100), 4);
    assert_string_equal(line, "+OK");
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 100), 6);
    assert_string_equal(line, "-ERR x");
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 100), 1); /* the CR */
    assert_string_equal(line, "");
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 100), 0);
    /* Longer than the buffer: returned in parts. */
    char big[1500];
    memset(big, 'x', sizeof(big));
    big[sizeof(big) - 1] = '\n';
    assert_int_equal(write(sv[1], big, sizeof(big)), (ssize_t)sizeof(big));
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 100), MIGRATE_LINE_MAX - 1);
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 100),
                     (int)sizeof(big) - MIGRATE_LINE_MAX);
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 20), -ETIMEDOUT);
    close(sv[1]);
    assert_int_equal(migrate_conn_read_line(&c, line, sizeof(line), 100), -ECONNRESET);
    close(sv[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrate_checks_arguments_in_redis_order, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_keys_are_found_as_redis_finds_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(migrate_pipelines_select_and_restores, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_payload_is_the_dump_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_copy_replace_and_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_relays_target_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_retries_once_on_a_stale_connection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(migrate_does_not_retry_after_a_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_keeps_what_was_acknowledged_before_a_failure,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(migrate_to_a_closed_port_is_a_write_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(migrate_sends_restore_asking_in_cluster_mode, setup,
                                        teardown),
        cmocka_unit_test(cache_closes_idle_connections_and_makes_room),
        cmocka_unit_test(read_line_splits_like_redis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
