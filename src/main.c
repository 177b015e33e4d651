/* main: start-up and shut-down of a Tessera node.
 *
 * Command line, as redis-server takes it:
 *     tessera-server [config-file] [--directive value ...]
 * Directives given on the command line are applied after the file. The
 * order of initialisation is bottom-up (allocator hooks, hash seed, config,
 * log, server, listeners) and tear-down is the reverse. */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "server/config.h"
#include "server/server.h"
#include "server/appendonly.h"
#include "server/replication.h"
#include "server/snapshot.h"

static void print_version(void) {
    printf("Tessera server v=%s (Redis 7.0.15 compatible) sha=%s malloc=%s bits=%d\n",
           TESSERA_VERSION, TESSERA_GIT_SHA, mem_allocator_name(), (int)(sizeof(void *) * 8));
}

static void print_usage(void) {
    fprintf(stderr,
            "Usage: tessera-server [/path/to/tessera.conf] [options] [-]\n"
            "       tessera-server - (read config from stdin)\n"
            "       tessera-server -v or --version\n"
            "       tessera-server -h or --help\n\n"
            "Examples:\n"
            "       tessera-server (run with the default configuration)\n"
            "       tessera-server conf/tessera.conf\n"
            "       tessera-server --port 7777\n"
            "       tessera-server conf/tessera.conf --loglevel verbose\n");
}

static void daemonize(void) {
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "fork: %s\n", strerror(errno));
        exit(1);
    }
    if (pid > 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

static void write_pidfile(const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        log_warning("Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

/* Loads the configuration; exits with the loader's message on error. */
static config *load_config(int argc, char **argv) {
    config *cfg = config_new();
    const char *file = NULL;
    int first_opt = 1;
    if (argc >= 2 && (argv[1][0] != '-' || strcmp(argv[1], "-") == 0)) {
        file = argv[1];
        first_opt = 2;
    }
    buf err, text;
    buf_init(&err);
    buf_init(&text);
    bool from_stdin = file && strcmp(file, "-") == 0;
    for (int i = first_opt; i < argc; i++)
        if (strcmp(argv[i], "-") == 0) from_stdin = true;
    if (from_stdin) {
        /* Redis compat: "-" reads configuration text from standard input,
         * applied after the file and before the command-line options. */
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) buf_append(&text, chunk, n);
        buf_append_char(&text, '\n');
        if (file && strcmp(file, "-") == 0) file = NULL;
    }
    config_argv_to_text(argc - first_opt, argv + first_opt, &text);
    int rc = 0;
    if (file) rc = config_load_file(cfg, file, &err);
    if (rc == 0 && text.len) rc = config_load_text(cfg, text.data, NULL, &err);
    if (rc < 0) {
        fprintf(stderr, "\n%s\n", err.data ? err.data : "Bad configuration");
        exit(1);
    }
    buf_fini(&err);
    buf_fini(&text);
    return cfg;
}

static void log_banner(const config_values *cv, const char *file) {
    log_notice("oO0OoO0OoO0Oo Tessera is starting oO0OoO0OoO0Oo");
    log_notice("Tessera version=%s (Redis 7.0.15 compatible), bits=%d, commit=%s, pid=%d, just "
               "started",
               TESSERA_VERSION, (int)(sizeof(void *) * 8), TESSERA_GIT_SHA, (int)getpid());
    if (file)
        log_notice("Configuration loaded");
    else
        log_warning("Warning: no config file specified, using the default config. In order to "
                    "specify a config file use tessera-server /path/to/tessera.conf");
    log_notice("Running mode=%s, port=%d.", cv->cluster_enabled ? "cluster" : "standalone", cv->port);
}

int main(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
        print_version();
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        print_usage();
        return 0;
    }
    ev_set_allocator(mem_ev_realloc);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    hash_seed_random();

    config *cfg = load_config(argc, argv);
    const config_values *cv = config_get_values(cfg);
    if (cv->daemonize) daemonize();
    if (log_open(cv->logfile) < 0) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
        return 1;
    }
    log_set_level((enum log_level)cv->loglevel);
    log_banner(cv, config_file_path(cfg));

    server *srv = server_new(cfg, argc, argv);
    if (server_init_cluster(srv) < 0) {
        server_free(srv);
        return 1;
    }
    if (server_listen(srv) < 0) {
        server_free(srv);
        return 1;
    }
    if (cv->pidfile && cv->pidfile[0]) write_pidfile(cv->pidfile);
    log_notice("Server initialized");
    /* With appendonly yes the append-only file is the dataset of record
     * (it also loads dump.rdb when it has no files yet). */
    int loaded = cv->appendonly ? appendonly_start(server_appendonly(srv))
                                : snapshot_load_at_start(server_snapshot(srv));
    if (loaded < 0) {
        server_free(srv);
        return 1;
    }
    server_mark_startup_memory(srv);
    repl_start(server_replication(srv));
    int status = server_run(srv);
    server_free(srv);
    return status;
}
