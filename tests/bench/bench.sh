#!/usr/bin/env bash
# bench.sh: Tessera against the reference redis-server, same machine, same run.
#
# Both servers run side by side on loopback without persistence. Every row
# (command x pipeline depth) is measured BENCH_ROUNDS times, and each round
# runs the two servers back to back, swapping which goes first from one round
# to the next (T R, R T, T R, ...), so slow drifts of the machine (another job
# starting, thermal throttling) land on both columns alike. The table shows
# the median of the rounds, which one disturbed run cannot move.
#
# The memory row uses a fresh start of each server: used_memory before and
# after loading about BENCH_MEM_KEYS distinct keys with 16-byte values,
# divided by the key count INFO keyspace reports.
#
# This is a measurement, not a test: it exits 0 whatever the ratios are, and
# non-zero only when something went wrong (a server did not start, the
# benchmark client reported an error, a command is missing).
#
# Environment:
#   TESSERA_BIN        server under test        (default <repo>/build/tessera-server)
#   REDIS_SERVER_BIN   reference server         (default redis-server)
#   REDIS_BENCHMARK_BIN, REDIS_CLI_BIN          (default redis-benchmark, redis-cli)
#   BENCH_ROUNDS       rounds per row           (default 5)
#   BENCH_SECONDS      target length of one run (default 3); -n is calibrated from it
#   BENCH_REQUESTS     fixed -n for every row instead of calibrating
#   BENCH_TESTS        rows to run              (default "set get incr mset")
#   BENCH_PIPELINES    pipeline depths          (default "1 16")
#   BENCH_CLIENTS      connections              (default 50)
#   BENCH_MEM_KEYS     distinct keys for the memory row (default 1000000; 0 skips it)
#   BENCH_PORT         first of two ports       (default 22700)
#   BENCH_TESSERA_ARGS extra directives for Tessera, e.g. "--busy-poll-us 0"
#   BENCH_PIN          no|yes|auto|shared (default no).
#                      no: the scheduler places everything.
#                      yes: both servers on CPU 0, redis-benchmark on the other CPUs
#                      (auto: yes when there are 2 or more CPUs).
#                      shared: both servers and redis-benchmark on CPU 0, so ops/s is
#                      bounded by the whole CPU cost of a request (client plus server)
#                      rather than by the client alone.
#                      Why it matters: redis-benchmark is one thread. On a 2-vCPU machine
#                      it saturates its core before either server does (each server sat
#                      at 65-78% of a core in unpinned P1 runs), so unpinned ops/s mostly
#                      measure the client and both servers come out at parity. The
#                      "server us/op" columns (on-CPU time of the server process from
#                      /proc/PID/schedstat divided by requests) measure the server itself
#                      in every mode.
#   BENCH_CSV          also write every single run to this file (round,server,test,pipeline,
#                      requests,ops_per_sec,server_us_per_op)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESSERA_BIN=${TESSERA_BIN:-$ROOT/build/tessera-server}
REDIS_SERVER_BIN=${REDIS_SERVER_BIN:-redis-server}
REDIS_BENCHMARK_BIN=${REDIS_BENCHMARK_BIN:-redis-benchmark}
REDIS_CLI_BIN=${REDIS_CLI_BIN:-redis-cli}
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-3}
BENCH_REQUESTS=${BENCH_REQUESTS:-}
BENCH_TESTS=${BENCH_TESTS:-"set get incr mset"}
BENCH_PIPELINES=${BENCH_PIPELINES:-"1 16"}
BENCH_CLIENTS=${BENCH_CLIENTS:-50}
BENCH_MEM_KEYS=${BENCH_MEM_KEYS:-1000000}
BENCH_PORT=${BENCH_PORT:-22700}
BENCH_PIN=${BENCH_PIN:-no}
BENCH_TESSERA_ARGS=${BENCH_TESSERA_ARGS:-}
BENCH_CSV=${BENCH_CSV:-}

T_PORT=$BENCH_PORT
R_PORT=$((BENCH_PORT + 1))
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench.XXXXXX")
T_PID=""
R_PID=""

BENCH_NAME=bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need "$TESSERA_BIN" TESSERA_BIN
need "$REDIS_SERVER_BIN" REDIS_SERVER_BIN
need "$REDIS_BENCHMARK_BIN" REDIS_BENCHMARK_BIN
need "$REDIS_CLI_BIN" REDIS_CLI_BIN
[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"

# ---- CPU pinning -------------------------------------------------------------

NCPU=$(nproc)
SERVER_PIN=()
CLIENT_PIN=()
case $BENCH_PIN in
auto) if ((NCPU >= 2)) && command -v taskset >/dev/null; then BENCH_PIN=yes; else BENCH_PIN=no; fi ;;
yes | no | shared) ;;
*) die "BENCH_PIN must be auto, yes, no or shared" ;;
esac
[[ $BENCH_PIN == no ]] || need taskset BENCH_PIN=no
if [[ $BENCH_PIN == yes ]]; then
    ((NCPU >= 2)) || die "BENCH_PIN=yes needs at least 2 CPUs"
    # Both servers share CPU 0: only one of them is busy at any time. The
    # client gets every other CPU, so it never competes with the server.
    SERVER_PIN=(taskset -c 0)
    if ((NCPU == 2)); then CLIENT_PIN=(taskset -c 1); else CLIENT_PIN=(taskset -c "1-$((NCPU - 1))"); fi
elif [[ $BENCH_PIN == shared ]]; then
    SERVER_PIN=(taskset -c 0)
    CLIENT_PIN=(taskset -c 0)
fi

# ---- server lifecycle --------------------------------------------------------


cleanup() {
    stop_pid "$T_PID"
    stop_pid "$R_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() { # name bin port [extra args...] -> prints pid
    local name=$1 bin=$2 port=$3 dir="$WORK/$1" i
    shift 3
    mkdir -p "$dir"
    # Something already answering there would pass for our server below.
    if "$REDIS_CLI_BIN" -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
        echo "bench: port $port is already in use (set BENCH_PORT)" >&2
        return 1
    fi
    # No --bind: Tessera's current command line applies only a subset of
    # options, and both servers listen on loopback by default anyway (the
    # client connects to 127.0.0.1).
    (cd "$dir" && exec "${SERVER_PIN[@]}" "$bin" --port "$port" --save "" --appendonly no "$@" \
        >"$dir/log" 2>&1) &
    local pid=$!
    for ((i = 0; i < 100; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "bench: $name exited during start-up; its log:" >&2
            tail -n 20 "$dir/log" >&2
            return 1
        fi
        if [[ $("$REDIS_CLI_BIN" -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
            echo "$pid"
            return 0
        fi
        sleep 0.05
    done
    echo "bench: $name did not answer PING on port $port within 5 s; its log:" >&2
    tail -n 20 "$dir/log" >&2
    kill "$pid" 2>/dev/null || true
    return 1
}

start_both() {
    # shellcheck disable=SC2086 # BENCH_TESSERA_ARGS is a list of words
    T_PID=$(start_server tessera "$TESSERA_BIN" "$T_PORT" $BENCH_TESSERA_ARGS) || die "could not start Tessera"
    R_PID=$(start_server redis "$REDIS_SERVER_BIN" "$R_PORT") || die "could not start redis-server"
}

stop_both() {
    stop_pid "$T_PID"
    stop_pid "$R_PID"
    T_PID=""
    R_PID=""
}

# Keys of db0 from INFO keyspace ("db0:keys=N,expires=...").
info_keys() { # port
    cli "$1" info keyspace | tr -d '\r' | sed -n 's/^db0:keys=\([0-9]*\),.*/\1/p' | head -n 1
}

# ---- running the benchmark client --------------------------------------------

# One run; prints requests per second. --csv gives one clean line per test
# (plain output redraws a progress line with carriage returns).
run_bench() { # port test pipeline requests [extra args...]
    local port=$1 test=$2 pipeline=$3 requests=$4 out rps
    shift 4
    if ! out=$("${CLIENT_PIN[@]}" "$REDIS_BENCHMARK_BIN" -h 127.0.0.1 -p "$port" \
        -c "$BENCH_CLIENTS" -P "$pipeline" -n "$requests" -t "$test" --csv "$@" 2>"$WORK/bench.err"); then
        echo "bench: redis-benchmark failed (port $port, -t $test -P $pipeline):" >&2
        cat "$WORK/bench.err" >&2
        return 1
    fi
    rps=$(printf '%s\n' "$out" | awk -F'","' 'NF > 2 && $1 != "\"test" { print $2 }' | tail -n 1)
    [[ $rps =~ ^[0-9]+(\.[0-9]+)?$ ]] || {
        echo "bench: no result in redis-benchmark output:" >&2
        printf '%s\n' "$out" >&2
        return 1
    }
    echo "$rps"
}

# Nanoseconds the process has spent on a CPU so far (schedstat's first
# field; falls back to utime+stime ticks from stat where schedstat is absent).
cpu_ns() { # pid
    local pid=$1 run rest
    if read -r run rest <"/proc/$pid/schedstat" 2>/dev/null; then
        echo "$run"
    else
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz }' \
            "/proc/$pid/stat"
    fi
}

# One run against a server whose PID is known; prints "ops_per_sec us_per_op"
# where us_per_op is the server's CPU time divided by the requests made.
run_measured() { # pid port test pipeline requests
    local pid=$1 port=$2 test=$3 pipeline=$4 requests=$5 before after rps
    before=$(cpu_ns "$pid") || return 1
    rps=$(run_bench "$port" "$test" "$pipeline" "$requests") || return 1
    after=$(cpu_ns "$pid") || return 1
    awk -v r="$rps" -v a="$after" -v b="$before" -v n="$requests" \
        'BEGIN { printf "%s %.3f", r, (a - b) / 1000 / n }'
}

median() { # values...
    median_fmt "%.0f" "$@"
}

# Spread (max-min)/median in percent, to show how noisy a row was.
spread() { # values...
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
        if (m > 0) printf "%.0f%%", 100 * (v[NR] - v[1]) / m; else printf "-" }'
}

# The same round's runs form a pair (one right after the other, so they saw
# about the same machine): prints the median of the per-round ratios and how
# many rounds Tessera won, e.g. "1.12 6/7". Less moved by drift between
# rounds than the ratio of the two medians.
paired() { # "tessera values" "redis values"
    awk -v t="$1" -v r="$2" 'BEGIN {
        n = split(t, a, " "); split(r, b, " "); won = 0
        for (i = 1; i <= n; i++) { q[i] = b[i] > 0 ? a[i] / b[i] : 0; if (a[i] > b[i]) won++ }
        for (i = 2; i <= n; i++) for (j = i; j > 1 && q[j] < q[j - 1]; j--) { x = q[j]; q[j] = q[j - 1]; q[j - 1] = x }
        m = (n % 2) ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
        printf "%.2f %d/%d", m, won, n }'
}

# Whether the server knows the command a -t test sends.
supports() { # port test
    local port=$1 test=$2 reply
    case $test in
    set) reply=$(cli "$port" set __bench_probe__ 1 2>&1) ;;
    get) reply=$(cli "$port" get __bench_probe__ 2>&1) ;;
    incr) reply=$(cli "$port" incr __bench_probe__ 2>&1) ;;
    mset) reply=$(cli "$port" mset __bench_probe__ 1 2>&1) ;;
    *) reply=$(cli "$port" "$test" 2>&1) ;;
    esac
    cli "$port" del __bench_probe__ >/dev/null 2>&1 || true
    [[ $reply != *"unknown command"* ]]
}

# ---- header ------------------------------------------------------------------

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "== Tessera vs Redis: same machine, same run =="
echo "machine:   nproc=$NCPU  cpu=${cpu_model:-unknown}  kernel=$(uname -r)"
echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
echo "tessera:   $("$TESSERA_BIN" --version 2>&1 | head -n 1)"
echo "redis:     $("$REDIS_SERVER_BIN" --version 2>&1 | head -n 1)"
echo "client:    $("$REDIS_BENCHMARK_BIN" --version 2>&1 | head -n 1)"
if [[ $BENCH_PIN == yes ]]; then
    echo "pinning:   servers on CPU 0, redis-benchmark on CPU ${CLIENT_PIN[2]} (taskset)"
elif [[ $BENCH_PIN == shared ]]; then
    echo "pinning:   servers and redis-benchmark all on CPU 0 (taskset; BENCH_PIN=shared)"
else
    echo "pinning:   none"
fi
echo "setup:     loopback, --save \"\" --appendonly no, -c $BENCH_CLIENTS, $BENCH_ROUNDS rounds," \
    "order T R / R T alternating, median of rounds"
[[ -z $BENCH_TESSERA_ARGS ]] || echo "tessera args: $BENCH_TESSERA_ARGS"
echo

[[ -z $BENCH_CSV ]] || echo "round,server,test,pipeline,requests,ops_per_sec,server_us_per_op" >"$BENCH_CSV"
start_both
failed=0
missing=()

# ---- throughput rows ---------------------------------------------------------

declare -A REQ T_RES R_RES T_CPU R_CPU
rows=()
for test in $BENCH_TESTS; do
    if ! supports "$T_PORT" "$test"; then
        missing+=("$test")
        continue
    fi
    supports "$R_PORT" "$test" || die "redis-server does not know '$test'"
    for p in $BENCH_PIPELINES; do
        rows+=("$test:$p")
        if [[ -n $BENCH_REQUESTS ]]; then
            REQ[$test:$p]=$BENCH_REQUESTS
            continue
        fi
        # Calibrate -n from a short run on each server so one run lasts
        # about BENCH_SECONDS; both servers then do the same work.
        n=$((50000 * p))
        a=$(run_bench "$T_PORT" "$test" "$p" "$n") || exit 1
        b=$(run_bench "$R_PORT" "$test" "$p" "$n") || exit 1
        REQ[$test:$p]=$(awk -v a="$a" -v b="$b" -v s="$BENCH_SECONDS" 'BEGIN {
            n = (a + b) / 2 * s; n = int(n / 10000 + 0.5) * 10000; if (n < 10000) n = 10000;
            print n }')
    done
done

for ((round = 1; round <= BENCH_ROUNDS; round++)); do
    for row in "${rows[@]}"; do
        test=${row%:*}
        p=${row#*:}
        n=${REQ[$row]}
        if ((round % 2)); then order="T R"; else order="R T"; fi
        for who in $order; do
            if [[ $who == T ]]; then
                read -r v us <<<"$(run_measured "$T_PID" "$T_PORT" "$test" "$p" "$n")"
                [[ -n ${us:-} ]] || exit 1
                T_RES[$row]="${T_RES[$row]:-} $v"
                T_CPU[$row]="${T_CPU[$row]:-} $us"
                server=tessera
            else
                read -r v us <<<"$(run_measured "$R_PID" "$R_PORT" "$test" "$p" "$n")"
                [[ -n ${us:-} ]] || exit 1
                R_RES[$row]="${R_RES[$row]:-} $v"
                R_CPU[$row]="${R_CPU[$row]:-} $us"
                server=redis
            fi
            [[ -z $BENCH_CSV ]] || echo "$round,$server,$test,$p,$n,$v,$us" >>"$BENCH_CSV"
        done
    done
    echo "round $round/$BENCH_ROUNDS done (load avg $(cut -d' ' -f1 /proc/loadavg))" >&2
done

printf '%-6s %3s %9s %12s %12s %6s %6s %5s %7s %7s %9s %9s %6s\n' \
    test -P requests "tessera/s" "redis/s" ratio paired won "spr(T)" "spr(R)" "T us/op" "R us/op" "cpu"
for test in $BENCH_TESTS; do
    for p in $BENCH_PIPELINES; do
        row="$test:$p"
        if [[ -z ${REQ[$row]:-} ]]; then
            printf '%-6s %3s %9s %12s %12s %6s\n' "$test" "$p" - unsupported - -
            continue
        fi
        # shellcheck disable=SC2086
        tm=$(median ${T_RES[$row]})
        # shellcheck disable=SC2086
        rm_=$(median ${R_RES[$row]})
        # shellcheck disable=SC2086
        tc=$(median_fmt "%.3f" ${T_CPU[$row]})
        # shellcheck disable=SC2086
        rc=$(median_fmt "%.3f" ${R_CPU[$row]})
        # shellcheck disable=SC2086
        read -r pr won <<<"$(paired "${T_RES[$row]}" "${R_RES[$row]}")"
        printf '%-6s %3s %9s %12s %12s %6s %6s %5s %7s %7s %9s %9s %6s\n' "$test" "$p" "${REQ[$row]}" \
            "$tm" "$rm_" "$(ratio "$tm" "$rm_")" "$pr" "$won" "$(spread ${T_RES[$row]})" \
            "$(spread ${R_RES[$row]})" "$tc" "$rc" "$(ratio "$rc" "$tc")"
    done
done
echo "(medians of $BENCH_ROUNDS runs. ratio = tessera/redis ops/s; paired = median of the" \
    "per-round tessera/redis ratios, won = rounds where tessera was faster; cpu = redis/tessera" \
    "server CPU time per request; for all, higher is better for tessera. spr = (max-min)/median" \
    "of ops/s over the rounds)"

# ---- memory row --------------------------------------------------------------

if ((BENCH_MEM_KEYS > 0)); then
    stop_both
    start_both
    # With -r R every SET picks one of R keys at random, so N requests reach
    # R(1 - e^(-N/R)) distinct keys on average; solve that for N.
    range=100000000
    mem_n=$(awk -v k="$BENCH_MEM_KEYS" -v r="$range" 'BEGIN { printf "%d", -r * log(1 - k / r) + 0.5 }')

    # used_memory once it has stopped moving (a table may still be finishing
    # an incremental rehash right after the load).
    settled_used_memory() { # port
        local port=$1 prev cur i
        prev=$(info_field "$port" memory used_memory)
        for ((i = 0; i < 20; i++)); do
            sleep 0.5
            cur=$(info_field "$port" memory used_memory)
            [[ $cur == "$prev" ]] && break
            prev=$cur
        done
        echo "$cur"
    }

    mem_row() { # port -> "bytes_per_key keys rss_per_key"
        local port=$1 before after rss0 rss1 keys
        before=$(settled_used_memory "$port")
        rss0=$(info_field "$port" memory used_memory_rss)
        run_bench "$port" set 16 "$mem_n" -r "$range" -d 16 >/dev/null || return 1
        after=$(settled_used_memory "$port")
        rss1=$(info_field "$port" memory used_memory_rss)
        keys=$(info_keys "$port")
        [[ $keys =~ ^[1-9][0-9]*$ ]] || {
            echo "bench: no key count in INFO keyspace on port $port" >&2
            return 1
        }
        awk -v a="$after" -v b="$before" -v r1="$rss1" -v r0="$rss0" -v k="$keys" \
            'BEGIN { printf "%.1f %d %.1f", (a - b) / k, k, (r1 - r0) / k }'
    }

    read -r t_bpk t_keys t_rss <<<"$(mem_row "$T_PORT")" || exit 1
    read -r r_bpk r_keys r_rss <<<"$(mem_row "$R_PORT")" || exit 1
    [[ -n ${t_bpk:-} && -n ${r_bpk:-} ]] || exit 1
    echo
    printf '%-32s %12s %12s %7s\n' "memory (fresh servers)" tessera redis ratio
    printf '%-32s %12s %12s %7s\n' "keys (INFO keyspace)" "$t_keys" "$r_keys" "-"
    printf '%-32s %12s %12s %7s\n' "used_memory bytes/key" "$t_bpk" "$r_bpk" "$(ratio "$t_bpk" "$r_bpk")"
    printf '%-32s %12s %12s %7s\n' "rss bytes/key (indicative)" "$t_rss" "$r_rss" "$(ratio "$t_rss" "$r_rss")"
    echo "(SET with 16-byte values, -r $range -n $mem_n; lower is better for tessera)"
fi

echo
echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (at end)"
if ((${#missing[@]})); then
    echo "bench: Tessera does not implement: ${missing[*]} (rows marked unsupported)" >&2
    failed=1
fi
exit "$failed"
