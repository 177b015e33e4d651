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
