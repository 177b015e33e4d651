# Shared by the benchmark scripts (sourced, not run).

# Stops a server by its PID: SIGTERM, up to 10 s for it to exit (callgrind
# makes exits slow), then SIGKILL.
stop_pid() { # pid
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Prints "<script>: message" and exits 1 (BENCH_NAME names the script).
die() {
    echo "${BENCH_NAME:-bench}: $*" >&2
    exit 1
}

# Dies unless the command exists; the message names the variable to set.
need() { # command [variable]
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found (set ${2:-PATH})"
}

# redis-cli against 127.0.0.1 (REDIS_CLI_BIN).
cli() { # port args...
    local port=$1
    shift
    "$REDIS_CLI_BIN" -h 127.0.0.1 -p "$port" "$@"
}

# One field of an INFO section.
info_field() { # port section field
    cli "$1" info "$2" | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2; exit }'
}

# The median of numbers, printed with a printf format.
median_fmt() { # printf-format values...
    local fmt=$1
    shift
    printf '%s\n' "$@" | sort -g | awk -v f="$fmt" '{ v[NR] = $1 } END {
        if (NR % 2) printf f, v[(NR + 1) / 2];
        else printf f, (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# a / b with two decimals, "-" when b is 0.
ratio() { # a b
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'
}

# Waits up to 5 s for a just-started server to answer PING; prints its PID.
# On failure shows the end of its log and stops it with the given command.
await_ping() { # label pid port logfile stop-command
    local label=$1 pid=$2 port=$3 log=$4 stop=$5 i
    for ((i = 0; i < 100; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "${BENCH_NAME:-bench}: $label exited during start-up; its log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        if [[ $(cli "$port" ping 2>/dev/null) == PONG ]]; then
            echo "$pid"
            return 0
        fi
        sleep 0.05
    done
    echo "${BENCH_NAME:-bench}: $label did not answer PING on port $port within 5 s; its log:" >&2
    tail -n 20 "$log" >&2
    "$stop" "$pid"
    return 1
}
