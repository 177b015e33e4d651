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
