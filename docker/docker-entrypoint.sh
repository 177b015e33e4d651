#!/bin/sh
# Entry point of the Tessera image. It keeps the conventions users of the
# official Redis image rely on, so that their Compose files work unchanged:
#
# - `docker run tessera --port 7000` or `... /path/redis.conf` runs the
#   server with those arguments.
# - The container starts as root only long enough to give the data
#   directory (the working directory, /data) to the redis user: bind mounts
#   made by `mkdir -p` on the host belong to the host's user, and the server
#   must write nodes.conf, dump.rdb and the append-only files there. The
#   server itself then runs as redis (uid 999). Started with --user, the
#   container skips that step and runs as the given user.
# - Protected mode is off unless the config file given says otherwise: a
#   container's port is reachable only where it is published, and clients
#   on other containers or on the host never come from the loopback
#   interface, so protected mode would refuse every one of them.
# - Files the server creates are private to its user (umask 0077) unless
#   the container was started with another umask than Docker's 0022.
set -e

data_uid=999
data_gid=999

case "$1" in
    -*|*.conf) set -- redis-server "$@" ;;
esac

is_server() {
    case "$1" in
        redis-server|tessera-server|*/redis-server|*/tessera-server) return 0 ;;
    esac
    return 1
}

if is_server "$1" && [ "$(id -u)" = 0 ]; then
    # "/" as the working directory would hand the whole image to redis.
    if [ "$(pwd)" != / ]; then
        find . \( \! -user "$data_uid" -o \! -group "$data_gid" \) \
            -exec chown -h "$data_uid:$data_gid" {} +
    fi
    # A path, not a name: busybox sh would run its own, lesser setpriv.
    exec /usr/bin/setpriv --reuid="$data_uid" --regid="$data_gid" --clear-groups -- "$0" "$@"
fi

if is_server "$1"; then
    server="$1"
    shift
    case "${1:-}" in
        -v|--version|-h|--help) exec "$server" "$@" ;;
    esac
    # The config file, if any, is the first argument that is not an option.
    config=""
    if [ $# -gt 0 ] && { [ "$1" = - ] || [ "${1#-}" = "$1" ]; }; then
        config="$1"
        shift
    fi
    # Options after the file override it, so "--protected-mode no" goes
    # right after the file: the user's own options still win.
    if ! { [ -f "$config" ] && grep -qE '^[[:space:]]*protected-mode[[:space:]]' "$config"; }; then
        set -- --protected-mode no "$@"
    fi
    if [ -n "$config" ]; then
        set -- "$config" "$@"
    fi
    set -- "$server" "$@"
    if [ "$(umask)" = 0022 ]; then
        umask 0077
    fi
fi

exec "$@"
