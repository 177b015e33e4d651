#!/usr/bin/env bash
# persist_bench.sh: Tessera against the reference redis-server on the two costs
# of persistence that plain request benchmarks never see, same machine, same run.
#
# Full sync: a primary holding PERSIST_BENCH_KEYS keys (DEBUG POPULATE, values of
# PERSIST_BENCH_VALUE_SIZE bytes) started with --save "" --repl-diskless-sync-delay 0,
# once with --repl-diskless-sync yes and once with no. A replica of the same kind
# (Tessera->Tessera, Redis->Redis) is started with --replicaof and a fresh empty
# --dir, and the clock runs from its launch until its INFO replication shows
# master_link_status:up and a slave_repl_offset equal to the primary's
# master_repl_offset, i.e. the whole data set has arrived, been loaded and the
# stream has caught up. Every round times one replica of each server, swapping
# which goes first (T R, R T, ...) so drifts of a shared machine land on both;
# the table shows the median of BENCH_ROUNDS rounds.
#
# BGSAVE memory: a fresh server with the same data set; used_memory and the
# parent's RSS are taken first, then a client starts rewriting random existing
# keys ("key:N", the names DEBUG POPULATE uses, same value size) at a capped rate
# and BGSAVE runs. Every ~PERSIST_BENCH_SAMPLE_MS the parent's RSS and the
# child's private memory (Private_Clean + Private_Dirty of its smaps_rollup:
# the pages copy-on-write gave it plus its own buffers) are added up; the peak of
# that sum over the pre-save RSS is the memory a snapshot costs on top of the
# data set. The write rate is capped, not forced: right after the fork every
# write copies pages, the parent slows down, and the table shows how many SETs
# it actually processed during the save. Each of BENCH_ROUNDS rounds uses fresh
# servers, alternating which goes first; the table shows medians.
#
# This is a measurement, not a test: it exits 0 whatever the ratios are, and
# non-zero only when something went wrong (a server did not start, a sync or a
# save never finished, the data set is not the same on both servers).
#
# Environment:
#   TESSERA_BIN        server under test        (default <repo>/build/tessera-server)
#   REDIS_SERVER_BIN   reference server         (default redis-server)
#   REDIS_CLI_BIN                               (default redis-cli)
#   BENCH_ROUNDS       rounds per full-sync row and for BGSAVE (default 3)
#   PERSIST_BENCH_KEYS        keys in the data set            (default 1000000)
#   PERSIST_BENCH_VALUE_SIZE  bytes per value (DEBUG POPULATE's size argument and
#                             the size the writer uses)      (default 16)
#   PERSIST_BENCH_DISKLESS    full-sync rows, values of repl-diskless-sync (default "yes no")
#   PERSIST_BENCH_WRITE_RATE  at most this many SETs per second during BGSAVE (one
#                             redis-cli --pipe); 0 saves without writes
#                             (default 20000)
#   PERSIST_BENCH_SAMPLE_MS   memory sampling period during BGSAVE (default 20)
#   PERSIST_BENCH_TIMEOUT     seconds one sync or one save may take (default 300)
#   PERSIST_BENCH_PARTS       "sync bgsave", or either alone   (default both)
#   PERSIST_BENCH_PORT        first of four ports              (default 22710)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESSERA_BIN=${TESSERA_BIN:-$ROOT/build/tessera-server}
REDIS_SERVER_BIN=${REDIS_SERVER_BIN:-redis-server}
REDIS_CLI_BIN=${REDIS_CLI_BIN:-redis-cli}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
KEYS=${PERSIST_BENCH_KEYS:-1000000}
VSIZE=${PERSIST_BENCH_VALUE_SIZE:-16}
DISKLESS_MODES=${PERSIST_BENCH_DISKLESS:-"yes no"}
WRITE_RATE=${PERSIST_BENCH_WRITE_RATE:-20000}
SAMPLE_MS=${PERSIST_BENCH_SAMPLE_MS:-20}
TIMEOUT=${PERSIST_BENCH_TIMEOUT:-300}
PARTS=${PERSIST_BENCH_PARTS:-"sync bgsave"}
BASE_PORT=${PERSIST_BENCH_PORT:-22710}

T_PORT=$BASE_PORT # Tessera primary (and the BGSAVE server)
R_PORT=$((BASE_PORT + 1))
T_REPLICA_PORT=$((BASE_PORT + 2))
R_REPLICA_PORT=$((BASE_PORT + 3))
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-persist-bench.XXXXXX")
T_PID=""
R_PID=""
REPLICA_PID=""
WRITER_PID=""
PIPE_PID=""

BENCH_NAME=persist_bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need "$TESSERA_BIN" TESSERA_BIN
need "$REDIS_SERVER_BIN" REDIS_SERVER_BIN
need "$REDIS_CLI_BIN" REDIS_CLI_BIN
[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"
[[ $KEYS =~ ^[1-9][0-9]*$ ]] || die "PERSIST_BENCH_KEYS must be a positive integer"
[[ $VSIZE =~ ^[1-9][0-9]*$ ]] || die "PERSIST_BENCH_VALUE_SIZE must be a positive integer"
[[ $WRITE_RATE =~ ^[0-9]+$ ]] || die "PERSIST_BENCH_WRITE_RATE must be a non-negative integer"
[[ $SAMPLE_MS =~ ^[1-9][0-9]*$ ]] || die "PERSIST_BENCH_SAMPLE_MS must be a positive integer"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "PERSIST_BENCH_TIMEOUT must be a positive integer"
for m in $DISKLESS_MODES; do
    [[ $m == yes || $m == no ]] || die "PERSIST_BENCH_DISKLESS takes yes and/or no"
done
for p in $PARTS; do
    [[ $p == sync || $p == bgsave ]] || die "PERSIST_BENCH_PARTS takes sync and/or bgsave"
done
# EPOCHREALTIME times without starting a process per reading.
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 (EPOCHREALTIME)"

# ---- server lifecycle --------------------------------------------------------


cleanup() {
    stop_pid "$WRITER_PID"
    stop_pid "$PIPE_PID"
    stop_pid "$REPLICA_PID"
    stop_pid "$T_PID"
    stop_pid "$R_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Microseconds since the epoch into NOW, without starting a process.
tick() {
    NOW=${EPOCHREALTIME/[.,]/}
}

# Starts a server without waiting for it (a replica may take long to answer
# while it loads); prints its PID. Its log is <dir>/log.
launch() { # bin port dir args...
    local bin=$1 port=$2 dir=$3
    shift 3
    mkdir -p "$dir"
    # Something already answering there would pass for our server below.
    if cli "$port" ping >/dev/null 2>&1; then
        echo "persist_bench: port $port is already in use (set PERSIST_BENCH_PORT)" >&2
        return 1
    fi
    (cd "$dir" && exec "$bin" --port "$port" --dir "$dir" --save "" --appendonly no "$@" \
        >"$dir/log" 2>&1) &
    echo $!
}

# Starts a server and waits until it answers PING; prints its PID.
start_server() { # name bin port dir args...
    local name=$1 bin=$2 port=$3 dir=$4 pid
    shift 4
    pid=$(launch "$bin" "$port" "$dir" "$@") || return 1
    await_ping "$name" "$pid" "$port" "$dir/log" stop_pid
}

# Fills a server with DEBUG POPULATE and checks that what it holds is what the
# other server will hold: the key count and the value size.
populate() { # name port
    local name=$1 port=$2 reply keys len
    reply=$(cli "$port" debug populate "$KEYS" key "$VSIZE" 2>&1)
    [[ $reply == OK ]] || die "$name: DEBUG POPULATE failed: $reply"
    keys=$(cli "$port" dbsize)
    [[ $keys == "$KEYS" ]] || die "$name holds $keys keys after DEBUG POPULATE $KEYS"
    len=$(cli "$port" strlen "key:$((KEYS - 1))")
    [[ $len == "$VSIZE" ]] || die "$name: value of key:$((KEYS - 1)) has $len bytes, not $VSIZE"
}

mib() { # bytes
    awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'
}

# ---- full sync ---------------------------------------------------------------

# Launches a replica of the primary on `port` with a fresh directory and sets
# SYNC_SECONDS to the time until it has the whole data set and has caught up.
# Runs in the main shell (not in $(...)) so the clean-up trap knows the replica.
time_sync() { # name bin primary_port replica_port
    local name=$1 bin=$2 pport=$3 rport=$4 dir t0 t1 deadline link roff moff keys
    dir="$WORK/replica-$name"
    rm -rf "$dir"
    tick
    t0=$NOW
    REPLICA_PID=$(launch "$bin" "$rport" "$dir" --replicaof 127.0.0.1 "$pport") || return 1
    deadline=$((t0 + TIMEOUT * 1000000))
    while :; do
        if ! kill -0 "$REPLICA_PID" 2>/dev/null; then
            echo "persist_bench: $name replica exited during the sync; its log:" >&2
            tail -n 20 "$dir/log" >&2
            return 1
        fi
        read -r link roff < <(cli "$rport" info replication 2>/dev/null | tr -d '\r' |
            awk -F: '$1 == "master_link_status" { l = $2 } $1 == "slave_repl_offset" { o = $2 }
                     END { print (l == "" ? "-" : l), (o == "" ? "-" : o) }') || true
        if [[ $link == up && $roff =~ ^[0-9]+$ ]]; then
            moff=$(info_field "$pport" replication master_repl_offset)
            if [[ $roff == "$moff" ]]; then
                tick
                t1=$NOW
                break
            fi
        fi
        tick
        if ((NOW > deadline)); then
            echo "persist_bench: $name replica not in sync after ${TIMEOUT} s" \
                "(link ${link:-?}, offset ${roff:-?} of ${moff:-?}); its log:" >&2
            tail -n 20 "$dir/log" >&2
            stop_pid "$REPLICA_PID"
            return 1
        fi
        sleep 0.02
    done
    keys=$(cli "$rport" dbsize)
    [[ $keys == "$KEYS" ]] || {
        echo "persist_bench: $name replica holds $keys keys, not $KEYS" >&2
        stop_pid "$REPLICA_PID"
        return 1
    }
    stop_pid "$REPLICA_PID"
    REPLICA_PID=""
    rm -rf "$dir"
    SYNC_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')
}

declare -A SYNC_T SYNC_R
run_sync() {
    local mode round who order
    for mode in $DISKLESS_MODES; do
        local opts=(--enable-debug-command local --repl-diskless-sync "$mode"
            --repl-diskless-sync-delay 0)
        T_PID=$(start_server "tessera primary" "$TESSERA_BIN" "$T_PORT" "$WORK/primary-t" \
            "${opts[@]}") || die "could not start Tessera"
        R_PID=$(start_server "redis primary" "$REDIS_SERVER_BIN" "$R_PORT" "$WORK/primary-r" \
            "${opts[@]}") || die "could not start redis-server"
        populate tessera "$T_PORT"
        populate redis "$R_PORT"
        for ((round = 1; round <= BENCH_ROUNDS; round++)); do
            if ((round % 2)); then order="T R"; else order="R T"; fi
            for who in $order; do
                if [[ $who == T ]]; then
                    time_sync tessera "$TESSERA_BIN" "$T_PORT" "$T_REPLICA_PORT" ||
                        die "Tessera full sync failed (repl-diskless-sync $mode)"
                    SYNC_T[$mode]="${SYNC_T[$mode]:-} $SYNC_SECONDS"
                else
                    time_sync redis "$REDIS_SERVER_BIN" "$R_PORT" "$R_REPLICA_PORT" ||
                        die "Redis full sync failed (repl-diskless-sync $mode)"
                    SYNC_R[$mode]="${SYNC_R[$mode]:-} $SYNC_SECONDS"
                fi
            done
            echo "sync diskless=$mode round $round/$BENCH_ROUNDS done" \
                "(load avg $(cut -d' ' -f1 /proc/loadavg))" >&2
        done
        stop_pid "$T_PID"
        stop_pid "$R_PID"
        T_PID=""
        R_PID=""
        rm -rf "$WORK/primary-t" "$WORK/primary-r"
    done
}

# ---- BGSAVE memory -----------------------------------------------------------

# Pre-generated batches of "SET key:N <value>" in RESP for random N (the key
# names DEBUG POPULATE created, the same value size), so the writer only has to
# pace them. Each batch is what one period sends.
WRITE_PERIOD_MS=50
make_batches() {
    local per=$((WRITE_RATE * WRITE_PERIOD_MS / 1000)) i
    ((per > 0)) || per=1
    mkdir -p "$WORK/batches"
    for ((i = 0; i < 20; i++)); do
        awk -v n="$per" -v keys="$KEYS" -v size="$VSIZE" -v seed="$((i + 1))" 'BEGIN {
            srand(seed); v = sprintf("%*s", size, ""); gsub(/ /, "w", v);
            for (j = 0; j < n; j++) {
                k = "key:" int(rand() * keys);
                printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, v;
            } }' >"$WORK/batches/$i"
    done
}

# Writes one batch into the FIFO every WRITE_PERIOD_MS until killed. One
# long-lived redis-cli --pipe reads the FIFO: starting a client per batch
# costs more than a period on a busy machine and would cap the rate.
pace() { # fifo
    local next i=0 wait_us
    exec >"$1"
    tick
    next=$NOW
    while :; do
        cat "$WORK/batches/$((i % 20))"
        i=$((i + 1))
        next=$((next + WRITE_PERIOD_MS * 1000))
        tick
        wait_us=$((next - NOW))
        if ((wait_us > 0)); then
            sleep "$((wait_us / 1000000)).$(printf '%06d' $((wait_us % 1000000)))"
        else
            next=$NOW # behind: do not burst to catch up
        fi
    done
}

start_writer() { # port
    rm -f "$WORK/writer.fifo"
    mkfifo "$WORK/writer.fifo"
    "$REDIS_CLI_BIN" -h 127.0.0.1 -p "$1" --pipe <"$WORK/writer.fifo" >"$WORK/writer.out" 2>&1 &
    PIPE_PID=$!
    pace "$WORK/writer.fifo" &
    WRITER_PID=$!
}

# Stops the pacing; redis-cli then sees the end of its input, waits for the
# last replies and exits. Fails if the server refused any of the SETs.
stop_writer() {
    local i
    stop_pid "$WRITER_PID"
    WRITER_PID=""
    for ((i = 0; i < 600; i++)); do
        kill -0 "$PIPE_PID" 2>/dev/null || break
        sleep 0.05
    done
    stop_pid "$PIPE_PID"
    PIPE_PID=""
    grep -q '^errors: 0,' "$WORK/writer.out" || {
        echo "persist_bench: the writer failed:" >&2
        cat "$WORK/writer.out" >&2
        return 1
    }
}

# Kilobytes from "<Field>: <n> kB" lines of a /proc file, summing the fields
# given. Plain bash, so sampling does not start processes.
proc_kb() { # file fields...
    local file=$1 k v _ sum=0 f
    shift
    # A process that has just exited has no file or an empty one.
    while read -r k v _; do
        for f in "$@"; do
            if [[ $k == "$f:" ]]; then sum=$((sum + v)); fi
        done
    done 2>/dev/null <"$file" || return 1
    echo "$sum"
}

# The forked child of a server (its only child in this set-up).
child_of() { # pid
    local f c
    for f in /proc/"$1"/task/*/children; do
        c=""
        # The file has no trailing newline, so read reports EOF even when it got a PID.
        read -r c _ <"$f" 2>/dev/null || true
        if [[ -n $c ]]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

set_calls() { # port
    cli "$1" info commandstats | tr -d '\r' |
        awk -F'[=,]' '/^cmdstat_set:/ { print $2; found = 1 } END { if (!found) print 0 }'
}

# Runs one BGSAVE under writes on a fresh server and sets BGSAVE_ROW to
# "used_memory pre_rss peak_sum peak_parent peak_child save_s sets cow_peak last_cow"
# (bytes, seconds, SETs). Runs in the main shell so the clean-up trap knows
# the server and the writer.
bgsave_row() { # name bin port
    local name=$1 bin=$2 port=$3 dir pid used pre_rss reply child="" t0 t1 deadline
    local prss crss sum peak=0 peak_p=0 peak_c=0 n=0 cow cow_peak=0 last_cow sets0 sets1
    local status nap
    nap="$((SAMPLE_MS / 1000)).$(printf '%03d' $((SAMPLE_MS % 1000)))"
    dir="$WORK/bgsave-$name"
    pid=$(start_server "$name" "$bin" "$port" "$dir" --enable-debug-command local) ||
        die "could not start $name"
    if [[ $name == tessera ]]; then T_PID=$pid; else R_PID=$pid; fi
    populate "$name" "$port"
    # Let the allocator and any incremental rehashing settle before the baseline.
    sleep 1
    used=$(info_field "$port" memory used_memory)
    pre_rss=$(proc_kb "/proc/$pid/status" VmRSS) || die "$name exited"
    pre_rss=$((pre_rss * 1024))

    if ((WRITE_RATE > 0)); then
        start_writer "$port"
        sleep 0.3 # the writer is running before the fork
    fi
    sets0=$(set_calls "$port")
    tick
    t0=$NOW
    reply=$(cli "$port" bgsave)
    [[ $reply == *"started"* ]] || die "$name: BGSAVE: $reply"
    deadline=$((t0 + TIMEOUT * 1000000))
    while :; do
        [[ -n $child ]] || child=$(child_of "$pid") || child=""
        if [[ -n $child ]]; then
            crss=$(proc_kb "/proc/$child/smaps_rollup" Private_Clean Private_Dirty) || crss=0
            ((crss > 0)) || break # exited (a zombie until reaped has no mappings)
        elif [[ $(info_field "$port" persistence rdb_bgsave_in_progress) == 0 ]]; then
            break # finished before we saw the child
        else
            crss=0
        fi
        prss=$(proc_kb "/proc/$pid/status" VmRSS) || die "$name exited during BGSAVE"
        sum=$((prss + crss))
        if ((sum > peak)); then
            peak=$sum
            peak_p=$prss
            peak_c=$crss
        fi
        # Redis reports its own copy-on-write estimate while the child runs.
        if ((n++ % 10 == 0)); then
            cow=$(info_field "$port" persistence current_cow_peak)
            if [[ $cow =~ ^[0-9]+$ ]] && ((cow > cow_peak)); then cow_peak=$cow; fi
        fi
        tick
        ((NOW < deadline)) || die "$name: BGSAVE still running after ${TIMEOUT} s"
        sleep "$nap"
    done
    tick
    t1=$NOW
    sets1=$(set_calls "$port")
    while [[ $(info_field "$port" persistence rdb_bgsave_in_progress) != 0 ]]; do
        tick
        ((NOW < deadline)) || die "$name: BGSAVE still running after ${TIMEOUT} s"
        sleep 0.01
    done
    if ((WRITE_RATE > 0)); then stop_writer || die "$name: the SETs during BGSAVE failed"; fi
    status=$(info_field "$port" persistence rdb_last_bgsave_status)
    [[ $status == ok ]] || die "$name: BGSAVE finished with status '$status'; log: $dir/log"
    last_cow=$(info_field "$port" persistence rdb_last_cow_size)
    stop_pid "$pid"
    if [[ $name == tessera ]]; then T_PID=""; else R_PID=""; fi
    rm -rf "$dir"
    BGSAVE_ROW="$used $pre_rss $((peak * 1024)) $((peak_p * 1024)) $((peak_c * 1024))"
    BGSAVE_ROW+=" $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')"
    BGSAVE_ROW+=" $((sets1 - sets0)) ${cow_peak:-0} ${last_cow:-0}"
}

# ---- header ------------------------------------------------------------------

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "== Tessera vs Redis: full sync and BGSAVE memory, same machine, same run =="
echo "machine:   nproc=$(nproc)  cpu=${cpu_model:-unknown}  kernel=$(uname -r)"
echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
echo "tessera:   $("$TESSERA_BIN" --version 2>&1 | head -n 1)"
echo "redis:     $("$REDIS_SERVER_BIN" --version 2>&1 | head -n 1)"
echo "data set:  DEBUG POPULATE $KEYS key $VSIZE (keys key:0.., $VSIZE-byte values), db 0"
echo

if [[ " $PARTS " == *" sync "* ]]; then
    run_sync
    echo "full sync of $KEYS keys, replica launch -> link up and offsets equal (seconds," \
        "median of $BENCH_ROUNDS rounds, T R / R T alternating)"
    printf '%-9s %9s %9s %7s   %-24s %-24s\n' diskless tessera redis ratio "tessera rounds" \
        "redis rounds"
    for mode in $DISKLESS_MODES; do
        # shellcheck disable=SC2086
        tm=$(median_fmt "%.3f" ${SYNC_T[$mode]})
        # shellcheck disable=SC2086
        rm_=$(median_fmt "%.3f" ${SYNC_R[$mode]})
        # shellcheck disable=SC2086
        printf '%-9s %9s %9s %7s   %-24s %-24s\n' "$mode" "$tm" "$rm_" "$(ratio "$tm" "$rm_")" \
            "$(echo ${SYNC_T[$mode]})" "$(echo ${SYNC_R[$mode]})"
    done
    echo "(ratio = tessera/redis time, lower is better for tessera; primaries and replicas" \
        "--save \"\" --repl-diskless-sync-delay 0, replicas with default repl-diskless-load)"
    echo
fi

if [[ " $PARTS " == *" bgsave "* ]]; then
    make_batches
    # Every round starts a fresh server of each kind, swapping which goes first.
    declare -A BG
    fields="used pre peak pp pc secs sets cow last"
    for ((round = 1; round <= BENCH_ROUNDS; round++)); do
        if ((round % 2)); then order="T R"; else order="R T"; fi
        for who in $order; do
            if [[ $who == T ]]; then
                bgsave_row tessera "$TESSERA_BIN" "$T_PORT"
            else
                bgsave_row redis "$REDIS_SERVER_BIN" "$R_PORT"
            fi
            read -r -a vals <<<"$BGSAVE_ROW"
            i=0
            for f in $fields; do
                BG[$who:$f]="${BG[$who:$f]:-} ${vals[i]}"
                i=$((i + 1))
            done
            # Derived per round, so the median is of the ratio itself.
            BG[$who:x]="${BG[$who:x]:-} $(awk -v a="${vals[2]}" -v b="${vals[1]}" \
                'BEGIN { printf "%.3f", a / b }')"
            BG[$who:xu]="${BG[$who:xu]:-} $(awk -v a="${vals[2]}" -v b="${vals[0]}" \
                'BEGIN { printf "%.3f", a / b }')"
            BG[$who:rate]="${BG[$who:rate]:-} $(awk -v s="${vals[6]}" -v t="${vals[5]}" \
                'BEGIN { printf "%.0f", (t > 0 ? s / t : 0) }')"
        done
        echo "bgsave round $round/$BENCH_ROUNDS done (load avg $(cut -d' ' -f1 /proc/loadavg))" >&2
    done
    med() { # who field [format]
        # shellcheck disable=SC2086
        median_fmt "${3:-%.0f}" ${BG[$1:$2]}
    }
    row() { printf '%-44s %12s %12s %7s\n' "$@"; }
    mrow() { # label field: MiB medians and their ratio
        local t r
        t=$(med T "$2")
        r=$(med R "$2")
        row "$1" "$(mib "$t")" "$(mib "$r")" "${3:-$(ratio "$t" "$r")}"
    }
    echo "BGSAVE of $KEYS keys while a client rewrites random keys at up to $WRITE_RATE SET/s" \
        "(fresh servers, median of $BENCH_ROUNDS rounds)"
    row "" tessera redis ratio
    mrow "used_memory (data set), MiB" used
    mrow "parent RSS before BGSAVE, MiB" pre
    t=$(med T secs %.2f)
    r=$(med R secs %.2f)
    row "BGSAVE duration, s (sampled)" "$t" "$r" "$(ratio "$t" "$r")"
    row "SETs processed during the save" "$(med T sets)" "$(med R sets)" -
    row "  per second of the save" "$(med T rate)" "$(med R rate)" -
    mrow "peak parent RSS + child private, MiB" peak
    mrow "  parent RSS at that peak, MiB" pp -
    mrow "  child private at that peak, MiB" pc -
    t=$(med T x %.2f)
    r=$(med R x %.2f)
    row "peak / pre-save RSS" "$t" "$r" "$(ratio "$t" "$r")"
    # shellcheck disable=SC2086
    row "  rounds" "$(printf '%.2f ' ${BG[T:x]})" "$(printf '%.2f ' ${BG[R:x]})" -
    row "peak / used_memory" "$(med T xu %.2f)" "$(med R xu %.2f)" -
    mrow "INFO current_cow_peak (max seen), MiB" cow -
    mrow "INFO rdb_last_cow_size, MiB" last -
    echo "(peak sampled every ~${SAMPLE_MS} ms: VmRSS of the parent + Private_Clean+Private_Dirty" \
        "of the child's smaps_rollup; ratio = tessera/redis, lower is better for tessera; the" \
        "write rate is what the parent managed while its pages were being copied)"
    if [[ $(med T last) == 0 && $(med T cow) == 0 && $(med T pc) -gt 0 ]]; then
        echo "(Tessera's INFO shows copy-on-write 0 although its child held private pages: it" \
            "does not measure copy-on-write; the sampled columns are the comparison)"
    fi
    echo
fi

echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (at end)"
exit 0
