#!/usr/bin/env bash
# callgrind.sh: instructions per request, Tessera against redis-server.
#
# Wall-clock throughput on a shared or virtual machine moves by tens of
# percent from one run to the next; the number of instructions a server
# executes for the same requests barely moves at all. Each server runs under
# valgrind --tool=callgrind; for every workload the counters are zeroed,
# redis-benchmark sends a fixed number of requests, the counters are dumped,
# and the total instruction count (Ir, user space of every thread of the
# server, kernel time not included) is divided by the number of requests.
# Connection set-up of the benchmark clients is inside the window, so a few
# hundred requests' worth of accept/close are spread over the whole run.
# Tessera runs with --busy-poll-us 0: the instructions of polls that wait
# for the next request are waiting, not work done for a request, and under
# valgrind's slowdown their number says nothing about a real run.
#
# Environment:
#   TESSERA_BIN, REDIS_SERVER_BIN, REDIS_BENCHMARK_BIN, REDIS_CLI_BIN  (as bench.sh)
#   CALLGRIND_TESTS     workloads, in order  (default "set get incr")
#   CALLGRIND_REQUESTS  requests per workload (default 200000)
#   CALLGRIND_PIPELINE  -P                    (default 16)
#   CALLGRIND_CLIENTS   -c                    (default 50)
#   CALLGRIND_TOP       also print the N functions with the most instructions (default 0)
#   CALLGRIND_PORT      port                  (default 22710)
#   CALLGRIND_KEEP      directory to keep the callgrind.out files in (default: discard)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESSERA_BIN=${TESSERA_BIN:-$ROOT/build/tessera-server}
REDIS_SERVER_BIN=${REDIS_SERVER_BIN:-redis-server}
REDIS_BENCHMARK_BIN=${REDIS_BENCHMARK_BIN:-redis-benchmark}
REDIS_CLI_BIN=${REDIS_CLI_BIN:-redis-cli}
CALLGRIND_TESTS=${CALLGRIND_TESTS:-"set get incr"}
CALLGRIND_REQUESTS=${CALLGRIND_REQUESTS:-200000}
CALLGRIND_PIPELINE=${CALLGRIND_PIPELINE:-16}
CALLGRIND_CLIENTS=${CALLGRIND_CLIENTS:-50}
CALLGRIND_TOP=${CALLGRIND_TOP:-0}
CALLGRIND_PORT=${CALLGRIND_PORT:-22710}
CALLGRIND_KEEP=${CALLGRIND_KEEP:-}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-callgrind.XXXXXX")
PID=""

BENCH_NAME=callgrind
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for tool in "$TESSERA_BIN" "$REDIS_SERVER_BIN" "$REDIS_BENCHMARK_BIN" "$REDIS_CLI_BIN" valgrind \
    callgrind_control; do
    need "$tool"
done

cleanup() {
    stop_pid "$PID"
    if [[ -n $CALLGRIND_KEEP ]]; then
        mkdir -p "$CALLGRIND_KEEP"
        cp "$WORK"/*.cg* "$CALLGRIND_KEEP"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

probe_reply() { # test -> the server's reply to one such command
    case $1 in
    set) cli "$CALLGRIND_PORT" set __cg_probe__ 1 2>&1 ;;
    get) cli "$CALLGRIND_PORT" get __cg_probe__ 2>&1 ;;
    incr) cli "$CALLGRIND_PORT" incr __cg_probe__ 2>&1 ;;
    mset) cli "$CALLGRIND_PORT" mset __cg_probe__ 1 2>&1 ;;
    *) cli "$CALLGRIND_PORT" "$1" 2>&1 ;;
    esac
}

# Runs every workload against one server under callgrind; writes
# "test ir_per_request" lines (or "test unsupported") to $WORK/<name>.res.
# Runs in the main shell (not in $(...)) so the EXIT trap sees PID.
profile() { # name bin [extra args...]
    local name=$1 bin=$2 out="$WORK/$1.cg" res="$WORK/$1.res" i dumps=0
    shift 2
    : >"$res"
    if cli "$CALLGRIND_PORT" ping >/dev/null 2>&1; then
        die "port $CALLGRIND_PORT is already in use (set CALLGRIND_PORT)"
    fi
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$bin" --port "$CALLGRIND_PORT" --save "" --appendonly no "$@" >"$WORK/$name.log" 2>&1 &
    PID=$!
    for ((i = 0; i < 300; i++)); do
        kill -0 "$PID" 2>/dev/null || {
            tail -n 20 "$WORK/$name.log" >&2
            die "$name exited during start-up under valgrind"
        }
        [[ $(cli "$CALLGRIND_PORT" ping 2>/dev/null) == PONG ]] && break
        sleep 0.1
    done
    ((i < 300)) || die "$name did not answer PING within 30 s under valgrind"

    for test in $CALLGRIND_TESTS; do
        if [[ $(probe_reply "$test") == *"unknown command"* ]]; then
            echo "$test unsupported" >>"$res"
            continue
        fi
        callgrind_control -z "$PID" >/dev/null 2>&1
        "$REDIS_BENCHMARK_BIN" -h 127.0.0.1 -p "$CALLGRIND_PORT" -c "$CALLGRIND_CLIENTS" \
            -P "$CALLGRIND_PIPELINE" -n "$CALLGRIND_REQUESTS" -t "$test" --csv \
            >"$WORK/bench.out" 2>"$WORK/bench.err" || {
            cat "$WORK/bench.err" >&2
            die "redis-benchmark failed against $name (-t $test)"
        }
        callgrind_control -d "$test" "$PID" >/dev/null 2>&1
        dumps=$((dumps + 1))
        local file="$out.$dumps" ir=""
        for ((i = 0; i < 100; i++)); do
            ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$file" 2>/dev/null || true)
            [[ -n $ir ]] && break
            sleep 0.1
        done
        [[ -n $ir ]] || die "no callgrind dump for $name/$test"
        awk -v ir="$ir" -v n="$CALLGRIND_REQUESTS" -v t="$test" \
            'BEGIN { printf "%s %.0f\n", t, ir / n }' >>"$res"
        if ((CALLGRIND_TOP > 0)) && command -v callgrind_annotate >/dev/null; then
            {
                echo "--- $name, $test: top $CALLGRIND_TOP functions (Ir) ---"
                # Frames that were on the stack when the counters were zeroed
                # (main, the loop) show up with the whole total: skip them.
                callgrind_annotate --inclusive=no --threshold=100 "$file" 2>/dev/null |
                    awk -v n="$CALLGRIND_TOP" '/^-+$/ { sep++; next }
                        sep >= 3 && NF && !/^ *Ir|PROGRAM TOTALS|\(100\.0%\)/ && k++ < n' || true
            } >>"$WORK/top.txt"
        fi
    done
    stop_pid "$PID"
    PID=""
}

echo "== instructions per request under callgrind (fewer is better) =="
echo "tessera:  $("$TESSERA_BIN" --version 2>&1 | head -n 1)"
echo "redis:    $("$REDIS_SERVER_BIN" --version 2>&1 | head -n 1)"
echo "valgrind: $(valgrind --version)"
echo "workload: redis-benchmark -c $CALLGRIND_CLIENTS -P $CALLGRIND_PIPELINE -n $CALLGRIND_REQUESTS" \
    "-t <test>, tests in order: $CALLGRIND_TESTS"
echo

declare -A T R
profile tessera "$TESSERA_BIN" --busy-poll-us 0
profile redis "$REDIS_SERVER_BIN"
while read -r test v; do T[$test]=$v; done <"$WORK/tessera.res"
while read -r test v; do R[$test]=$v; done <"$WORK/redis.res"

missing=0
printf '%-6s %14s %14s %7s\n' test "tessera Ir/req" "redis Ir/req" ratio
for test in $CALLGRIND_TESTS; do
    t=${T[$test]:-} r=${R[$test]:-}
    [[ -n $t && -n $r ]] || die "no result for $test"
    if [[ $t == unsupported || $r == unsupported ]]; then
        printf '%-6s %14s %14s %7s\n' "$test" "$t" "$r" -
        missing=1
        continue
    fi
    printf '%-6s %14s %14s %7s\n' "$test" "$t" "$r" \
        "$(awk -v a="$t" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"
done
echo "(ratio = tessera/redis: below 1 means Tessera executes fewer instructions per request)"
if [[ -s $WORK/top.txt ]]; then
    echo
    cat "$WORK/top.txt"
fi
exit "$missing"
