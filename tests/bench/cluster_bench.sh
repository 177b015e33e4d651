#!/usr/bin/env bash
# cluster_bench.sh: Tessera against the reference redis-server in cluster mode,
# same machine, same run.
#
# Every measurement runs on a fresh 6-node cluster of one server kind (3 masters,
# 3 replicas, built by `redis-cli --cluster create ... --cluster-replicas 1`),
# each node started from the same template: cluster-enabled yes, cluster-config-file
# nodes.conf, cluster-node-timeout T, appendonly yes, protected-mode no, its own dir.
# Rounds alternate which kind goes first (T R, R T, ...) so slow drifts of a
# shared machine land on both columns alike.
#
# Failover: the master that owns slot 0 is hit by one fault:
#   kill   kill -9 of its process
#   sleep  DEBUG SLEEP 30 sent to it (the process is alive but answers nothing)
#   stop   SIGSTOP of its process, SIGCONT once the probe is done
# From the moment of the fault, the clusterload probe (a Go program using go-redis)
# polls ROLE on that master's replica every 20 ms (promoted = it says master) and
# SETs a key of slot range 0.. through a go-redis ClusterClient every 20 ms
# (writable = the first OK; after each failed try the client reloads its slot map,
# so the column is what a client that reacts at once can see). Times are shown as
# "T + x s"; a round gives up CLUSTER_BENCH_DEADLINE s after the fault and then
# counts as "no promotion" (the replica's log is searched for the reason).
#
# Resharding: CLUSTER_BENCH_KEYS keys key:0.. (spread over all slots, loaded per
# master with redis-cli --pipe) and then the wall time of
#   redis-cli --cluster reshard --cluster-from all --cluster-to <slot-0 master>
#             --cluster-slots 4096 --cluster-yes
# Afterwards the masters must still hold all keys between them, and the target must
# own its old slots plus the moved ones.
#
# Counter: clusterload INCRs 1000 keys (CLUSTER_BENCH_COUNTER_KEYS) from 16 clients, each INCR sent once (no
# retries), while the slot-0 master is killed with kill -9 two seconds in and
# started again (same directory) once its replica has taken over; at the end every
# key is read back. "lost" counts acknowledged increments missing from the
# final values. Once plainly (acknowledged = INCR replied) and once with WAIT 1 100
# on the same connection behind every INCR (acknowledged = WAIT said >= 1 replica).
#
# Counter through a reshard: the same keys and 16 clients, but the clients
# follow MOVED (to the node it names, reloading the slot map in the background) and
# ASK (ASKING + INCR to the node it names), and retry TRYAGAIN on the same node up
# to 5 times, 20 ms apart; none of these replies means the INCR was applied, so
# following them cannot count an increment twice. Two seconds in,
#   redis-cli --cluster reshard --cluster-from all --cluster-to <slot-0 master>
#             --cluster-slots CLUSTER_BENCH_SLOTS --cluster-yes
# runs; two seconds after it ends the load stops and every key is read back.
# Besides lost, "regressed" counts keys whose final value is below the highest
# value an acknowledged INCR returned, and "keys moved" how many of the counter keys
# have another master at the end (with 4096 of 16384 slots, about a quarter).
# Plainly and with WAIT 1 100, as above.
#
# This is a measurement, not a test: it exits 0 whatever the numbers are, and
# non-zero only when something went wrong (a node did not start, a cluster could
# not be formed, a tool failed, keys went missing during resharding).
#
# Environment:
#   TESSERA_BIN        server under test        (default <repo>/build/tessera-server)
#   REDIS_SERVER_BIN   reference server         (default redis-server)
#   REDIS_CLI_BIN                               (default redis-cli)
#   GO_BIN             go toolchain, to build tests/bench/clusterload (default go,
#                      or /usr/local/go/bin/go)
#   CLUSTER_BENCH_ONLY       tessera or redis: run only that kind (default both)
#   CLUSTER_BENCH_PARTS      any of "failover reshard counter counter-reshard" (default all)
#   CLUSTER_BENCH_FAULTS     any of "kill sleep stop"       (default all three)
#   CLUSTER_BENCH_TIMEOUT    cluster-node-timeout, ms        (default 5000)
#   CLUSTER_BENCH_REPEAT     failover rounds per fault kind, fresh cluster each (default 3)
#   CLUSTER_BENCH_DEADLINE   seconds after a fault to give up (default T/1000 + 40)
#   CLUSTER_BENCH_SLEEP      DEBUG SLEEP seconds for the sleep fault (default 30)
#   CLUSTER_BENCH_KEYS       keys for resharding             (default 100000)
#   CLUSTER_BENCH_VALUE_SIZE bytes per value                 (default 32)
#   CLUSTER_BENCH_SLOTS      slots to move (reshard, counter-reshard) (default 4096)
#   CLUSTER_BENCH_RESHARD_REPEAT  resharding rounds         (default 1)
#   CLUSTER_BENCH_COUNTER_SECONDS  length of the counter load (default T/1000 + 15)
#   CLUSTER_BENCH_COUNTER_KEYS     counter keys (counter, counter-reshard; default 1000)
#   CLUSTER_BENCH_COUNTER_FILL     counter-reshard: filler keys stored in each counter's
#                            slot first, so moving it takes longer (default 0)
#   CLUSTER_BENCH_PORT       first port; a cluster uses 6 from here, the other kind
#                            the 6 from here + 10 (default 22500; bus ports are +10000)
#   CLUSTER_BENCH_KEEP       1 keeps the work directory (node logs) at the end
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESSERA_BIN=${TESSERA_BIN:-$ROOT/build/tessera-server}
REDIS_SERVER_BIN=${REDIS_SERVER_BIN:-redis-server}
REDIS_CLI_BIN=${REDIS_CLI_BIN:-redis-cli}
if [[ -z ${GO_BIN:-} ]]; then
    if command -v go >/dev/null 2>&1; then GO_BIN=go; else GO_BIN=/usr/local/go/bin/go; fi
fi
ONLY=${CLUSTER_BENCH_ONLY:-}
PARTS=${CLUSTER_BENCH_PARTS:-"failover reshard counter counter-reshard"}
FAULTS=${CLUSTER_BENCH_FAULTS:-"kill sleep stop"}
NODE_TIMEOUT=${CLUSTER_BENCH_TIMEOUT:-5000}
REPEAT=${CLUSTER_BENCH_REPEAT:-3}
SLEEP_S=${CLUSTER_BENCH_SLEEP:-30}
KEYS=${CLUSTER_BENCH_KEYS:-100000}
VSIZE=${CLUSTER_BENCH_VALUE_SIZE:-32}
MOVE_SLOTS=${CLUSTER_BENCH_SLOTS:-4096}
RESHARD_REPEAT=${CLUSTER_BENCH_RESHARD_REPEAT:-1}
COUNTER_KEYS=${CLUSTER_BENCH_COUNTER_KEYS:-1000}
COUNTER_FILL=${CLUSTER_BENCH_COUNTER_FILL:-0}
BASE_PORT=${CLUSTER_BENCH_PORT:-22500}
KEEP=${CLUSTER_BENCH_KEEP:-0}

BENCH_NAME=cluster_bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need "$TESSERA_BIN" TESSERA_BIN
need "$REDIS_SERVER_BIN" REDIS_SERVER_BIN
need "$REDIS_CLI_BIN" REDIS_CLI_BIN
need "$GO_BIN" GO_BIN
for v in NODE_TIMEOUT REPEAT SLEEP_S KEYS VSIZE MOVE_SLOTS RESHARD_REPEAT COUNTER_KEYS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v (CLUSTER_BENCH_...) must be a positive integer"
done
DEADLINE=${CLUSTER_BENCH_DEADLINE:-$((NODE_TIMEOUT / 1000 + 40))}
COUNTER_S=${CLUSTER_BENCH_COUNTER_SECONDS:-$((NODE_TIMEOUT / 1000 + 15))}
[[ $DEADLINE =~ ^[1-9][0-9]*$ ]] || die "CLUSTER_BENCH_DEADLINE must be a positive integer"
[[ $COUNTER_S =~ ^[1-9][0-9]*$ ]] || die "CLUSTER_BENCH_COUNTER_SECONDS must be a positive integer"
[[ $COUNTER_FILL =~ ^[0-9]+$ ]] || die "CLUSTER_BENCH_COUNTER_FILL must be a number"
((MOVE_SLOTS < 16384)) || die "CLUSTER_BENCH_SLOTS must be below 16384"
((BASE_PORT + 15 + 10000 < 32768)) || die "CLUSTER_BENCH_PORT too high: bus ports must stay below 32768"
case $ONLY in
"") KINDS="tessera redis" ;;
tessera | redis) KINDS=$ONLY ;;
*) die "CLUSTER_BENCH_ONLY must be tessera or redis" ;;
esac
for p in $PARTS; do
    [[ $p == failover || $p == reshard || $p == counter || $p == counter-reshard ]] ||
        die "CLUSTER_BENCH_PARTS takes failover, reshard, counter and/or counter-reshard"
done
for f in $FAULTS; do
    [[ $f == kill || $f == sleep || $f == stop ]] || die "CLUSTER_BENCH_FAULTS takes kill, sleep and/or stop"
done
# EPOCHREALTIME times without starting a process per reading.
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 (EPOCHREALTIME)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-cbench-XXXXXX")
NODE_PIDS=()   # every node of the running cluster
HELPER_PIDS=() # background clients (DEBUG SLEEP, the counter load)

# ---- process lifecycle -------------------------------------------------------

# Cluster nodes are disposable (fresh directories every round), so they are
# stopped with SIGKILL: SIGTERM would wait out a DEBUG SLEEP, and a stopped
# process must be continued before it can even die of it.
kill_now() { # pid
    local pid=$1
    [[ -n $pid ]] || return 0
    kill -CONT "$pid" 2>/dev/null || true
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

stop_cluster() {
    local pid
    for pid in "${NODE_PIDS[@]}"; do kill_now "$pid"; done
    NODE_PIDS=()
    for pid in "${HELPER_PIDS[@]}"; do stop_pid "$pid"; done
    HELPER_PIDS=()
}

cleanup() {
    stop_cluster
    if [[ $KEEP == 1 ]]; then
        echo "cluster_bench: work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Microseconds since the epoch into NOW, without starting a process.
tick() {
    NOW=${EPOCHREALTIME/[.,]/}
}

secs_since() { # start_us
    tick
    awk -v a="$1" -v b="$NOW" 'BEGIN { printf "%.2f", (b - a) / 1e6 }'
}

server_bin() { # kind
    if [[ $1 == tessera ]]; then echo "$TESSERA_BIN"; else echo "$REDIS_SERVER_BIN"; fi
}

# The six ports of a kind's clusters.
ports_of() { # kind
    local base=$BASE_PORT i
    [[ $1 == tessera ]] || base=$((BASE_PORT + 10))
    for ((i = 0; i < 6; i++)); do printf '%s ' $((base + i)); done
}

# Starts one node from the template config in <dir>/node.conf; prints its PID.
start_node() { # kind port dir
    local kind=$1 port=$2 dir=$3
    mkdir -p "$dir"
    if cli "$port" ping >/dev/null 2>&1; then
        echo "cluster_bench: port $port is already in use (set CLUSTER_BENCH_PORT)" >&2
        return 1
    fi
    cat >"$dir/node.conf" <<EOF
port $port
bind 127.0.0.1
dir $dir
protected-mode no
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout $NODE_TIMEOUT
appendonly yes
enable-debug-command yes
EOF
    (cd "$dir" && exec "$(server_bin "$kind")" "$dir/node.conf" >"$dir/log" 2>&1) &
    await_ping "$kind node $port" $! "$port" "$dir/log" kill_now
}

# Whether every node sees a healthy cluster: state ok, six nodes none of them
# flagged fail/pfail/handshake, and every replica's link to its master up.
cluster_settled() { # ports...
    local port nodes
    for port in "$@"; do
        [[ $(info_field_cluster "$port") == ok ]] || return 1
        nodes=$(cli "$port" cluster nodes 2>/dev/null | tr -d '\r') || return 1
        [[ $(grep -c . <<<"$nodes") == 6 ]] || return 1
        ! grep -Eq ' [^ ]*(fail|handshake|noaddr)[^ ]* ' <<<"$nodes" || return 1
        if [[ $(info_field "$port" replication role) == slave ]]; then
            [[ $(info_field "$port" replication master_link_status) == up ]] || return 1
        fi
    done
}

info_field_cluster() { # port
    cli "$1" cluster info 2>/dev/null | tr -d '\r' | awk -F: '$1 == "cluster_state" { print $2 }'
}

# Starts six nodes and joins them into 3 masters + 3 replicas. Sets CL_DIR,
# CL_PORTS, CL_PID[port], and for the master owning slot 0: M_PORT, M_PID, M_ID,
# M_SLOTS (its ranges, "0-5460") and R_PORT (its replica).
declare -A CL_PID
start_cluster() { # kind label
    local kind=$1 label=$2 port pid addrs=() t0 nodes
    CL_DIR="$WORK/$kind-$label"
    read -r -a CL_PORTS <<<"$(ports_of "$kind")"
    CL_PID=()
    for port in "${CL_PORTS[@]}"; do
        pid=$(start_node "$kind" "$port" "$CL_DIR/$port") || die "could not start a $kind node"
        NODE_PIDS+=("$pid")
        CL_PID[$port]=$pid
        addrs+=("127.0.0.1:$port")
    done
    if ! "$REDIS_CLI_BIN" --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes \
        >"$CL_DIR/create.log" 2>&1; then
        echo "cluster_bench: redis-cli --cluster create failed for $kind:" >&2
        tail -n 20 "$CL_DIR/create.log" >&2
        die "no $kind cluster"
    fi
    tick
    t0=$NOW
    until cluster_settled "${CL_PORTS[@]}"; do
        tick
        if ((NOW - t0 > 60000000)); then
            echo "cluster_bench: $kind cluster not settled 60 s after create; CLUSTER NODES of" \
                "${CL_PORTS[0]}:" >&2
            cli "${CL_PORTS[0]}" cluster nodes >&2 || true
            die "no $kind cluster"
        fi
        sleep 0.1
    done
    nodes=$(cli "${CL_PORTS[0]}" cluster nodes | tr -d '\r')
    # <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <state> <slots...>
    M_ID="" M_PORT="" M_SLOTS=""
    read -r M_ID M_PORT M_SLOTS < <(awk '$3 ~ /master/ {
        s = ""; own = 0
        for (i = 9; i <= NF; i++) { s = s (s == "" ? "" : ",") $i; if ($i ~ /^0(-|$)/) own = 1 }
        if (own) { split($2, a, "[:@]"); print $1, a[2], s } }' <<<"$nodes") || true
    R_PORT=$(awk -v m="$M_ID" '$4 == m { split($2, a, "[:@]"); print a[2]; exit }' <<<"$nodes")
    [[ -n ${M_PORT:-} && -n ${R_PORT:-} ]] || {
        printf '%s\n' "$nodes" >&2
        die "$kind: no master with slot 0 and a replica in CLUSTER NODES"
    }
    M_PID=${CL_PID[$M_PORT]}
}

finish_cluster() {
    stop_cluster
    [[ $KEEP == 1 ]] || rm -rf "$CL_DIR"
}

all_addrs() {
    local port out=""
    for port in "${CL_PORTS[@]}"; do out+="${out:+,}127.0.0.1:$port"; done
    echo "$out"
}

kv() { # key line: the value of key=value in a line of clusterload output
    tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2; exit }'
}

# ---- failover ----------------------------------------------------------------

# One fault on a fresh cluster; sets FO_PROMOTED and FO_WRITTEN (seconds after the
# fault, "-" for never) and FO_NOTE.
failover_round() { # kind fault round
    local kind=$1 fault=$2 round=$3 key t0 out sleeper reason
    start_cluster "$kind" "$fault-$round"
    key=$("$CLUSTERLOAD" keygen -slots "$M_SLOTS") || die "keygen for $M_SLOTS failed"
    cli "$M_PORT" set "$key" before-fault >/dev/null
    FO_NOTE=""
    tick
    t0=$NOW
    case $fault in
    kill) kill -9 "$M_PID" ;;
    sleep)
        cli "$M_PORT" debug sleep "$SLEEP_S" >/dev/null 2>&1 &
        sleeper=$!
        HELPER_PIDS+=("$sleeper")
        ;;
    stop) kill -STOP "$M_PID" ;;
    esac
    out=$("$CLUSTERLOAD" failover -addrs "$(all_addrs)" -replica "127.0.0.1:$R_PORT" -key "$key" \
        -t0 "$t0" -deadline "$DEADLINE") || die "$kind: the failover probe failed"
    [[ $fault != stop ]] || kill -CONT "$M_PID"
    FO_PROMOTED=$(kv promoted "$out")
    FO_WRITTEN=$(kv written "$out")
    if [[ $FO_PROMOTED == - ]]; then
        reason=$(grep -h -i "unable to failover" "$CL_DIR/$R_PORT/log" | tail -n 1 |
            sed 's/^[0-9]*:[A-Z] [0-9]* [A-Za-z]* [0-9]* [0-9:.]* . //') || true
        FO_NOTE="no promotion${reason:+: $reason}"
        echo "$kind $fault round $round: replica $R_PORT not promoted within $DEADLINE s." \
            "Its log ($CL_DIR/$R_PORT/log, kept with CLUSTER_BENCH_KEEP=1), last lines about" \
            "failover:" >&2
        grep -i -E "fail|elect|vote|promot" "$CL_DIR/$R_PORT/log" | tail -n 8 | sed 's/^/    /' >&2 || true
    fi
    if [[ $FO_WRITTEN != - && $(kv writer "$out") != "127.0.0.1:$R_PORT" ]]; then
        FO_NOTE+="${FO_NOTE:+; }write taken by $(kv writer "$out"), not the replica"
    fi
    echo "$kind $fault round $round: promoted ${FO_PROMOTED} s, writable ${FO_WRITTEN} s${FO_NOTE:+ ($FO_NOTE)}" \
        "(load avg $(cut -d' ' -f1 /proc/loadavg))" >&2
    finish_cluster
}

# "T + x.x s" from seconds after the fault; "-" prints the given words.
t_plus() { # seconds|- [never-words]
    if [[ $1 == - ]]; then
        echo "${2:-never}"
    else
        awk -v s="$1" -v t="$NODE_TIMEOUT" 'BEGIN { x = s - t / 1000;
            printf "T %s %.1f s", (x < 0 ? "-" : "+"), (x < 0 ? -x : x) }'
    fi
}

# Median of the rounds that got there, as "T + x s", with "(k/n never)" when some did not.
fo_median() { # never-words values...
    local words=$1 got=() v never=0
    shift
    for v in "$@"; do
        if [[ $v == - ]]; then never=$((never + 1)); else got+=("$v"); fi
    done
    if ((${#got[@]} == 0)); then
        echo "$words"
        return
    fi
    v=$(median_fmt "%.3f" "${got[@]}")
    echo "$(t_plus "$v")$( ((never == 0)) || echo " ($never/$# never)")"
}

# Median of (seconds - T) over the rounds that got there; 0 when none did (which
# makes the ratio "-").
fo_excess() { # values...
    local got=() v
    for v in "$@"; do
        [[ $v == - ]] || got+=("$(awk -v s="$v" -v t="$NODE_TIMEOUT" 'BEGIN { printf "%.3f", s - t / 1000 }')")
    done
    if ((${#got[@]} > 0)); then median_fmt "%.3f" "${got[@]}"; else echo 0; fi
}

declare -A FO_P FO_W FO_N
run_failover() {
    local fault round who order
    for fault in $FAULTS; do
        for ((round = 1; round <= REPEAT; round++)); do
            if ((round % 2)); then order=$KINDS; else order=$(printf '%s\n' $KINDS | tac | xargs); fi
            for who in $order; do
                failover_round "$who" "$fault" "$round"
                FO_P[$who:$fault]="${FO_P[$who:$fault]:-} $FO_PROMOTED"
                FO_W[$who:$fault]="${FO_W[$who:$fault]:-} $FO_WRITTEN"
                if [[ -n $FO_NOTE ]]; then FO_N[$who:$fault]="${FO_N[$who:$fault]:-}; r$round: $FO_NOTE"; fi
            done
        done
    done
}

print_failover() {
    local fault who
    local -A P W XP XW
    echo "failover of the slot-0 master, cluster-node-timeout T = $NODE_TIMEOUT ms" \
        "(median of $REPEAT rounds, fresh cluster each)"
    printf '%-7s %-22s %-22s %6s   %-22s %-22s %6s\n' fault "tessera promoted" "redis promoted" \
        ratio "tessera writable" "redis writable" ratio
    for fault in $FAULTS; do
        for who in tessera redis; do
            P[$who]=- W[$who]=- XP[$who]=0 XW[$who]=0
            [[ -n ${FO_P[$who:$fault]:-} ]] || continue
            # shellcheck disable=SC2086
            P[$who]=$(fo_median "no promotion" ${FO_P[$who:$fault]})
            # shellcheck disable=SC2086
            W[$who]=$(fo_median "never" ${FO_W[$who:$fault]})
            # shellcheck disable=SC2086
            XP[$who]=$(fo_excess ${FO_P[$who:$fault]})
            # shellcheck disable=SC2086
            XW[$who]=$(fo_excess ${FO_W[$who:$fault]})
        done
        printf '%-7s %-22s %-22s %6s   %-22s %-22s %6s\n' "$fault" "${P[tessera]}" "${P[redis]}" \
            "$(ratio "${XP[tessera]}" "${XP[redis]}")" "${W[tessera]}" "${W[redis]}" \
            "$(ratio "${XW[tessera]}" "${XW[redis]}")"
    done
    echo "rounds (seconds after the fault, promoted/writable; - = never):"
    for fault in $FAULTS; do
        for who in $KINDS; do
            local -a ps ws
            read -r -a ps <<<"${FO_P[$who:$fault]}"
            read -r -a ws <<<"${FO_W[$who:$fault]}"
            local i line=""
            for ((i = 0; i < ${#ps[@]}; i++)); do line+=" ${ps[i]}/${ws[i]}"; done
            printf '  %-6s %-8s%s\n' "$fault" "$who" "$line"
            [[ -z ${FO_N[$who:$fault]:-} ]] || printf '  %-6s %-8s  notes: %s\n' "" "" "${FO_N[$who:$fault]#; }"
        done
    done
    echo "(promoted = the replica's ROLE says master; writable = a SET in the failed master's" \
        "slots succeeds through a go-redis ClusterClient that reloads its slot map after each" \
        "failure; both polled every 20 ms. ratio = tessera/redis of the part after T, lower is" \
        "better for tessera. kill = kill -9, sleep = DEBUG SLEEP $SLEEP_S, stop = SIGSTOP)"
    echo
}

# ---- resharding --------------------------------------------------------------

masters_dbsize() { # prints the sum of DBSIZE over the masters
    local port sum=0 n
    for port in "${CL_PORTS[@]}"; do
        [[ $(info_field "$port" replication role) == master ]] || continue
        n=$(cli "$port" dbsize)
        sum=$((sum + n))
    done
    echo "$sum"
}

slots_of() { # node-id: how many slots CLUSTER NODES (of the first node) gives it
    cli "${CL_PORTS[0]}" cluster nodes | tr -d '\r' | awk -v id="$1" '$1 == id {
        n = 0
        for (i = 9; i <= NF; i++) {
            if ($i ~ /^\[/) continue
            k = split($i, r, "-"); n += (k == 2 ? r[2] - r[1] + 1 : 1)
        }
        print n }'
}

# Loads the keys, reshards, checks; sets RS_LOAD and RS_SECONDS.
reshard_round() { # kind round
    local kind=$1 round=$2 port f out before after t0 slots0 slots1 errors
    start_cluster "$kind" "reshard-$round"
    mkdir -p "$CL_DIR/load"
    "$CLUSTERLOAD" populate -addr "127.0.0.1:${CL_PORTS[0]}" -n "$KEYS" -size "$VSIZE" \
        -dir "$CL_DIR/load" >/dev/null || die "$kind: could not generate the key sets"
    tick
    t0=$NOW
    for f in "$CL_DIR"/load/*.resp; do
        port=$(basename "$f" .resp)
        out=$("$REDIS_CLI_BIN" -h 127.0.0.1 -p "$port" --pipe <"$f" 2>&1) ||
            die "$kind: redis-cli --pipe into $port failed: $out"
        grep -q '^errors: 0,' <<<"$out" || die "$kind: redis-cli --pipe into $port: $out"
    done
    RS_LOAD=$(secs_since "$t0")
    before=$(masters_dbsize)
    [[ $before == "$KEYS" ]] || die "$kind: the masters hold $before keys after loading $KEYS"
    slots0=$(slots_of "$M_ID")
    tick
    t0=$NOW
    if ! "$REDIS_CLI_BIN" --cluster reshard "127.0.0.1:${CL_PORTS[0]}" --cluster-from all \
        --cluster-to "$M_ID" --cluster-slots "$MOVE_SLOTS" --cluster-yes >"$CL_DIR/reshard.log" 2>&1; then
        RS_SECONDS=$(secs_since "$t0")
        echo "cluster_bench: $kind: redis-cli --cluster reshard failed after $RS_SECONDS s:" >&2
        tail -n 20 "$CL_DIR/reshard.log" >&2
        KEEP=1
        die "$kind resharding failed (logs kept in $WORK)"
    fi
    RS_SECONDS=$(secs_since "$t0")
    errors=$(grep -c -i -E '\[ERR\]|error' "$CL_DIR/reshard.log" || true)
    after=$(masters_dbsize)
    slots1=$(slots_of "$M_ID")
    RS_MOVED_KEYS=$(grep -c '^Moving slot' "$CL_DIR/reshard.log" || true)
    echo "$kind reshard round $round: load ${RS_LOAD} s, reshard ${RS_SECONDS} s, keys $before ->" \
        "$after, target slots $slots0 -> $slots1" >&2
    if [[ $after != "$KEYS" || $((slots1 - slots0)) != "$MOVE_SLOTS" || $errors != 0 ]]; then
        echo "cluster_bench: $kind: after resharding the masters hold $after keys (want $KEYS)," \
            "the target gained $((slots1 - slots0)) slots (want $MOVE_SLOTS), $errors error lines" \
            "in the reshard log:" >&2
        grep -i -E '\[ERR\]|error' "$CL_DIR/reshard.log" | head -n 10 >&2 || true
        KEEP=1
        die "$kind resharding lost keys or slots (logs kept in $WORK)"
    fi
    "$REDIS_CLI_BIN" --cluster check "127.0.0.1:${CL_PORTS[0]}" >"$CL_DIR/check.log" 2>&1 ||
        die "$kind: redis-cli --cluster check failed after resharding: $(tail -n 5 "$CL_DIR/check.log")"
    finish_cluster
}

declare -A RS_L RS_S
run_reshard() {
    local round who order
    for ((round = 1; round <= RESHARD_REPEAT; round++)); do
        if ((round % 2)); then order=$KINDS; else order=$(printf '%s\n' $KINDS | tac | xargs); fi
        for who in $order; do
            reshard_round "$who" "$round"
            RS_L[$who]="${RS_L[$who]:-} $RS_LOAD"
            RS_S[$who]="${RS_S[$who]:-} $RS_SECONDS"
        done
    done
}

print_reshard() {
    local tl rl ts rs
    # shellcheck disable=SC2086
    if [[ -n ${RS_S[tessera]:-} ]]; then tl=$(median_fmt %.2f ${RS_L[tessera]}); ts=$(median_fmt %.2f ${RS_S[tessera]}); else tl=-; ts=-; fi
    # shellcheck disable=SC2086
    if [[ -n ${RS_S[redis]:-} ]]; then rl=$(median_fmt %.2f ${RS_L[redis]}); rs=$(median_fmt %.2f ${RS_S[redis]}); else rl=-; rs=-; fi
    echo "resharding: $KEYS keys of $VSIZE bytes, $MOVE_SLOTS slots from all to the slot-0 master" \
        "(median of $RESHARD_REPEAT rounds)"
    printf '%-40s %9s %9s %7s\n' "" tessera redis ratio
    printf '%-40s %9s %9s %7s\n' "load (redis-cli --pipe per master), s" "$tl" "$rl" "$(ratio "$tl" "$rl")"
    printf '%-40s %9s %9s %7s\n' "redis-cli --cluster reshard, s" "$ts" "$rs" "$(ratio "$ts" "$rs")"
    echo "(ratio = tessera/redis time, lower is better for tessera; after each reshard the" \
        "masters held all $KEYS keys, the target owned $MOVE_SLOTS more slots and" \
        "redis-cli --cluster check passed)"
    echo
}

# ---- counter workload --------------------------------------------------------

# Waits until the port's ROLE says master; false after the deadline.
wait_master() { # port seconds
    local port=$1 t0
    tick
    t0=$NOW
    until [[ $(cli "$port" role 2>/dev/null | head -n 1) == master ]]; do
        tick
        ((NOW - t0 < $2 * 1000000)) || return 1
        sleep 0.02
    done
}

# The load runs COUNTER_S seconds; two seconds in, the slot-0 master is killed,
# and once its replica has taken over it is started again from its own directory
# (nodes.conf and append-only file), as an operator would, so it rejoins as a
# replica of the new master and WAIT can be satisfied again for its slots.
counter_round() { # kind mode(plain|wait)
    local kind=$1 mode=$2 pid out flag=() t0 rejoin role
    [[ $mode == plain ]] || flag=(-wait)
    start_cluster "$kind" "counter-$mode"
    "$CLUSTERLOAD" counter -addrs "$(all_addrs)" -keys "$COUNTER_KEYS" -workers 16 -duration "$COUNTER_S" \
        "${flag[@]}" >"$CL_DIR/counter.out" 2>"$CL_DIR/counter.err" &
    pid=$!
    HELPER_PIDS+=("$pid")
    sleep 2
    tick
    t0=$NOW
    kill -9 "$M_PID"
    if wait_master "$R_PORT" "$DEADLINE"; then
        rejoin=$(secs_since "$t0")
        M_PID=$(start_node "$kind" "$M_PORT" "$CL_DIR/$M_PORT") || die "could not restart $kind node $M_PORT"
        NODE_PIDS+=("$M_PID")
    else
        rejoin=-
        echo "$kind counter $mode: replica $R_PORT not promoted within $DEADLINE s" >&2
    fi
    wait "$pid" || die "$kind: the counter load failed: $(cat "$CL_DIR/counter.err")"
    HELPER_PIDS=()
    role=$(cli "$M_PORT" role 2>/dev/null | head -n 1) || role=down
    out="$(cat "$CL_DIR/counter.out") restarted=$rejoin old_master=${role:-down}"
    CT_LINE=$out
    echo "$kind counter $mode: $out" >&2
    finish_cluster
}

declare -A CT
run_counter() {
    local mode who
    for mode in plain wait; do
        for who in $KINDS; do
            counter_round "$who" "$mode"
            CT[$who:$mode]=$CT_LINE
        done
    done
}

print_counter() {
    local mode who f line
    echo "counter: $COUNTER_KEYS keys, 16 clients, ${COUNTER_S} s of INCR; kill -9 of the slot-0 master at 2 s," \
        "restarted once its replica is master"
    printf '%-6s %-8s %8s %7s %6s %11s %5s %9s %6s %8s %10s %-8s\n' mode server acked failed maybe \
        unconfirmed lost lost_keys extra "max gap" restarted "old master"
    for mode in plain wait; do
        for who in $KINDS; do
            line=${CT[$who:$mode]}
            printf '%-6s %-8s %8s %7s %6s %11s %5s %9s %6s %7ss %9ss %-8s\n' "$mode" "$who" \
                "$(kv acked "$line")" "$(kv failed "$line")" "$(kv maybe "$line")" \
                "$(kv unconfirmed "$line")" "$(kv lost "$line")" "$(kv lost_keys "$line")" \
                "$(kv extra "$line")" "$(kv max_gap "$line")" "$(kv restarted "$line")" \
                "$(kv old_master "$line")"
        done
    done
    echo "(acked = INCRs acknowledged (wait: INCR + WAIT 1 100 on the same connection, WAIT >= 1);" \
        "failed = refused or not sent; maybe = outcome unknown (timeouts); unconfirmed = applied" \
        "but WAIT saw no replica; lost = acknowledged increments missing from the final values;" \
        "extra = increments beyond acked + maybe + unconfirmed; max gap = the longest time one key" \
        "went without an acknowledged INCR (wait: until the restarted node had synced);" \
        "restarted = seconds after the kill; old master = its ROLE at the end)"
    echo
}

# ---- counter through a reshard ----------------------------------------------

# The load with redirections followed; two seconds in, the reshard; two seconds
# after it, the end of the load (SIGUSR1: the load then reads every key back).
counter_reshard_round() { # kind mode(plain|wait)
    local kind=$1 mode=$2 pid flag=() t0 slots0 slots1 check=ok status=ok
    [[ $mode == plain ]] || flag=(-wait)
    start_cluster "$kind" "creshard-$mode"
    "$CLUSTERLOAD" counter -addrs "$(all_addrs)" -keys "$COUNTER_KEYS" -workers 16 -duration 900 -follow \
        -fill "$COUNTER_FILL" -ready "$CL_DIR/ready" "${flag[@]}" >"$CL_DIR/counter.out" \
        2>"$CL_DIR/counter.err" &
    pid=$!
    HELPER_PIDS+=("$pid")
    until [[ -e $CL_DIR/ready ]]; do
        kill -0 "$pid" 2>/dev/null || die "$kind: the counter load failed: $(tail -n 5 "$CL_DIR/counter.err")"
        sleep 0.1
    done
    sleep 2
    slots0=$(slots_of "$M_ID")
    tick
    t0=$NOW
    if ! "$REDIS_CLI_BIN" --cluster reshard "127.0.0.1:${CL_PORTS[0]}" --cluster-from all \
        --cluster-to "$M_ID" --cluster-slots "$MOVE_SLOTS" --cluster-yes >"$CL_DIR/reshard.log" 2>&1; then
        status=failed
        echo "cluster_bench: $kind counter-reshard $mode: redis-cli --cluster reshard failed:" >&2
        tail -n 10 "$CL_DIR/reshard.log" >&2
    fi
    CR_SECONDS=$(secs_since "$t0")
    sleep 2
    kill -USR1 "$pid"
    wait "$pid" || die "$kind: the counter load failed: $(tail -n 5 "$CL_DIR/counter.err")"
    HELPER_PIDS=()
    slots1=$(slots_of "$M_ID")
    if ! "$REDIS_CLI_BIN" --cluster check "127.0.0.1:${CL_PORTS[0]}" >"$CL_DIR/check.log" 2>&1; then
        check=failed
        echo "cluster_bench: $kind counter-reshard $mode: redis-cli --cluster check failed:" >&2
        grep -E '\[(ERR|WARNING)\]' "$CL_DIR/check.log" | head -n 10 >&2 || true
    fi
    CT_LINE="$(cat "$CL_DIR/counter.out") reshard=$CR_SECONDS reshard_status=$status"
    CT_LINE+=" gained=$((slots1 - slots0)) check=$check"
    echo "$kind counter-reshard $mode: $CT_LINE" >&2
    if [[ -s $CL_DIR/counter.err ]]; then
        echo "$kind counter-reshard $mode: what the load reported ($CL_DIR/counter.err):" >&2
        head -n 20 "$CL_DIR/counter.err" | sed 's/^/    /' >&2
    fi
    # Whatever looks wrong keeps the node logs for a look.
    if [[ $status != ok || $check != ok || $(kv lost "$CT_LINE") != 0 ||
        $(kv regressed "$CT_LINE") != 0 || $(kv failed "$CT_LINE") != 0 ||
        $(kv replica_diff "$CT_LINE") != 0 ]]; then
        KEEP=1
        echo "$kind counter-reshard $mode: logs kept in $CL_DIR" >&2
        stop_cluster
    else
        finish_cluster
    fi
}

declare -A CR
run_counter_reshard() {
    local mode who
    for mode in plain wait; do
        for who in $KINDS; do
            counter_reshard_round "$who" "$mode"
            CR[$who:$mode]=$CT_LINE
        done
    done
}

print_counter_reshard() {
    local mode who line fill=""
    ((COUNTER_FILL == 0)) || fill=", $COUNTER_FILL filler keys beside each counter"
    echo "counter through a reshard: $COUNTER_KEYS keys, 16 clients of INCR following MOVED/ASK and retrying" \
        "TRYAGAIN$fill; redis-cli --cluster reshard of $MOVE_SLOTS slots from all to the slot-0 master" \
        "2 s in, the load stopped 2 s after it"
    printf '%-6s %-8s %8s %6s %5s %11s %5s %9s %9s %5s %6s %5s %8s %10s %9s %-5s %8s\n' mode server \
        acked failed maybe unconfirmed lost lost_keys regressed extra moved ask tryagain \
        "keys moved" reshard check replicas
    for mode in plain wait; do
        for who in $KINDS; do
            line=${CR[$who:$mode]}
            printf '%-6s %-8s %8s %6s %5s %11s %5s %9s %9s %5s %6s %5s %8s %10s %8ss %-5s %8s\n' "$mode" \
                "$who" "$(kv acked "$line")" "$(kv failed "$line")" "$(kv maybe "$line")" \
                "$(kv unconfirmed "$line")" "$(kv lost "$line")" "$(kv lost_keys "$line")" \
                "$(kv regressed "$line")" "$(kv extra "$line")" "$(kv moved "$line")" \
                "$(kv ask "$line")" "$(kv tryagain "$line")" "$(kv keys_moved "$line")" \
                "$(kv reshard "$line")" "$(kv check "$line")" \
                "$( [[ $(kv replica_diff "$line") == 0 ]] && echo same || echo "$(kv replica_diff "$line") differ")"
        done
    done
    for mode in plain wait; do
        for who in $KINDS; do
            line=${CR[$who:$mode]}
            [[ $(kv failed_by "$line") == - ]] ||
                echo "  $mode $who failed by kind: $(kv failed_by "$line")"
            [[ $(kv reshard_status "$line") == ok ]] || echo "  $mode $who: redis-cli --cluster reshard failed"
            [[ $(kv gained "$line") == "$MOVE_SLOTS" ]] ||
                echo "  $mode $who: the target gained $(kv gained "$line") slots, not $MOVE_SLOTS"
        done
    done
    echo "(acked, maybe, unconfirmed, lost, extra as in the counter table; failed = refusals the" \
        "client could not absorb (a TRYAGAIN after 5 retries, more than 5 redirections, any other" \
        "error) and failed dials; regressed = keys whose final value is below the highest value an" \
        "acknowledged INCR returned; moved, ask = redirections followed; tryagain = TRYAGAIN" \
        "retries; keys moved = counter keys whose slot changed master; reshard = wall time of" \
        "redis-cli --cluster reshard; check = redis-cli --cluster check afterwards; replicas = whether" \
        "every replica, given 5 s, has its master's DBSIZE and counter values)"
    echo
}

# ---- main --------------------------------------------------------------------

CLUSTERLOAD="$WORK/clusterload"
(cd "$ROOT/tests/bench/clusterload" && GOFLAGS=-mod=mod "$GO_BIN" build -o "$CLUSTERLOAD" .) ||
    die "could not build tests/bench/clusterload"

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "== Tessera vs Redis: cluster mode, same machine, same run =="
echo "machine:   nproc=$(nproc)  cpu=${cpu_model:-unknown}  kernel=$(uname -r)"
echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
echo "tessera:   $("$TESSERA_BIN" --version 2>&1 | head -n 1)"
echo "redis:     $("$REDIS_SERVER_BIN" --version 2>&1 | head -n 1)"
echo "cluster:   6 nodes on 127.0.0.1 (3 masters + 3 replicas), cluster-node-timeout" \
    "$NODE_TIMEOUT, appendonly yes, fresh nodes for every round"
echo

[[ " $PARTS " != *" failover "* ]] || run_failover
[[ " $PARTS " != *" reshard "* ]] || run_reshard
[[ " $PARTS " != *" counter "* ]] || run_counter
[[ " $PARTS " != *" counter-reshard "* ]] || run_counter_reshard

echo "== summary =="
[[ " $PARTS " != *" failover "* ]] || print_failover
[[ " $PARTS " != *" reshard "* ]] || print_reshard
[[ " $PARTS " != *" counter "* ]] || print_counter
[[ " $PARTS " != *" counter-reshard "* ]] || print_counter_reshard
echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (at end)"
exit 0
