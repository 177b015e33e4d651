#!/usr/bin/env bash
# docker_bench.sh: the Compose cluster of docker/compose.yml (3 masters, 3 replicas,
# node timeout 5000 ms, on a bridge network) put through container faults, once with
# the Tessera image and once with the same image around Debian's redis-server
# (`make docker-reference`), in the same run. `make bench-docker` builds both images
# and runs this.
#
# Each round runs, for each image (the order alternates between rounds), the kill,
# pause and partition steps of TestDockerComposeCluster
# (tests/integration/docker_compose_test.go), which log what they measured:
#
#   kill       docker kill of a master: time until its replica says it is master
#   pause      docker pause of a master: the same
#   partition  docker network disconnect of a master while redis-cli inside its
#              container sends INCR every 10 ms: when that client got its first
#              CLUSTERDOWN, when its master reported cluster_state:fail, when the
#              replica on the other side was promoted, and how many increments the
#              cut-off master acknowledged after the cut and then lost when it
#              rejoined as a replica
#   counter    a go-redis ClusterClient on the host INCRs 1000 keys from 8 workers
#              through each fault; acknowledged increments missing at the end
#
# Environment: DOCKER_BENCH_ROUNDS (default 1), GO (default: go on the PATH, then
# /usr/local/go/bin/go), DOCKER_BENCH_LOGS (folder for the raw test logs; default a
# temporary one, removed at the end).
set -euo pipefail

BENCH_NAME=docker_bench
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

rounds=${DOCKER_BENCH_ROUNDS:-1}
go_bin=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[[ -x $go_bin ]] || die "go not found (set GO)"
need docker
tessera_image=tessera:latest
redis_image=tessera-reference:redis
for img in "$tessera_image" "$redis_image"; do
    docker image inspect "$img" >/dev/null 2>&1 || die "image $img missing: run make docker-reference"
done

logs=${DOCKER_BENCH_LOGS:-}
if [[ -z $logs ]]; then
    logs=$(mktemp -d)
    trap 'rm -rf "$logs"' EXIT
fi
mkdir -p "$logs"

# Seconds in a Go duration as the test prints it: 850ms, 6.27s, 1m2.5s.
secs() {
    awk -v d="$1" 'BEGIN {
        if (d ~ /ms$/) { sub(/ms$/, "", d); printf "%.2f", d / 1000; exit }
        m = 0
        if (d ~ /m/) { split(d, p, "m"); m = p[1]; d = p[2] }
        sub(/s$/, "", d); printf "%.2f", m * 60 + d }'
}

# Pulls the numbers out of one test log into "name value" lines.
extract() { # log
    local log=$1 d
    d=$(sed -n 's/.*docker kill node[0-9]*: node[0-9]* promoted after \([0-9.a-z]*\) .*/\1/p' "$log" | head -n1)
    [[ -n $d ]] && echo "kill_promoted $(secs "$d")"
    d=$(sed -n 's/.*docker pause node[0-9]*: node[0-9]* promoted after \([0-9.a-z]*\) .*/\1/p' "$log" | head -n1)
    [[ -n $d ]] && echo "pause_promoted $(secs "$d")"
    # "partition of node3: first write refused 2.25s after the cut, cluster_state:fail after
    # 5.85s, node4 promoted after 6.34s"
    local re='.*first write refused \([^ ]*\) after the cut, cluster_state:fail after \([^,]*\), node[0-9]* promoted after \([^ ]*\)$'
    local f
    f=$(sed -n "s/$re/\1 \2 \3/p" "$log" | head -n1)
    if [[ -n $f ]]; then
        read -r a b c <<<"$f"
        echo "part_refused $(secs "$a")"
        echo "part_fail $(secs "$b")"
        echo "part_promoted $(secs "$c")"
    fi
    # "minority side: 209 increments acknowledged after the cut (the last 2.24s after it); 206
    # of them lost"
    re='.*minority side: \([0-9]*\) increments acknowledged after the cut (the last \([^ ]*\) after it); \([0-9-]*\) of them lost.*'
    f=$(sed -n "s/$re/\1 \2 \3/p" "$log" | head -n1)
    if [[ -n $f ]]; then
        read -r a b c <<<"$f"
        echo "part_acked $a"
        echo "part_last_ack $(secs "$b")"
        echo "part_lost $c"
    fi
    # The walk-through's program: its longest stretch without a success, per fault.
    local what
    for what in kill pause partition; do
        re=".*: \(docker \)\{0,1\}$what: SET foo bar \/ GET foo back to back, longest time without a success \([^ ]*\) .*"
        f=$(sed -n "s/$re/\2/p" "$log" | head -n1)
        [[ -n $f ]] && echo "seed_$what $(secs "$f")"
    done
    local lost=0 acked=0 n
    while read -r n; do acked=$((acked + n)); done < <(sed -n 's/.*counter workload through[^:]*: \([0-9]*\) increments acknowledged.*/\1/p' "$log")
    while read -r n; do lost=$((lost + n)); done < <(sed -n 's/.*increments acknowledged, [0-9]* failed, \([0-9]*\) acknowledged but lost.*/\1/p' "$log")
    echo "counter_acked $acked"
    echo "counter_lost $lost"
}

run_one() { # image round
    local img=$1 round=$2 log
    log="$logs/$(echo "$img" | tr ':/' '__')-$round.log"
    echo "round $round: $img ..." >&2
    (cd "$repo/tests/integration" && TESSERA_IMAGE=$img "$go_bin" test -count=1 -v -timeout 20m \
        -run 'TestDockerComposeCluster/(kill|pause|partition)$' . >"$log" 2>&1) ||
        echo "  (some checks failed for $img; see the numbers, and $log if kept)" >&2
    if grep -q -- '--- SKIP: TestDockerComposeCluster' "$log"; then
        grep -A2 -- '--- SKIP' "$log" >&2
        die "the test skipped"
    fi
    extract "$log" | sed "s/^/$round /" >>"$logs/$(echo "$img" | tr ':/' '__').values"
}

for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then
        run_one "$tessera_image" "$r"
        run_one "$redis_image" "$r"
    else
        run_one "$redis_image" "$r"
        run_one "$tessera_image" "$r"
    fi
done

values() { # image name
    awk -v n="$2" '$2 == n { print $3 }' "$logs/$(echo "$1" | tr ':/' '__').values"
}

cell() { # image name format
    local v
    v=$(values "$1" "$2")
    if [[ -z $v ]]; then printf -- "-"; else median_fmt "$3" $v; fi
}

row() { # label name format
    local t r
    t=$(cell "$tessera_image" "$2" "$3")
    r=$(cell "$redis_image" "$2" "$3")
    printf '%-58s %10s %10s %7s\n' "$1" "$t" "$r" "$(ratio "${t/-/0}" "${r/-/0}")"
}

echo
echo "Compose cluster faults, node timeout 5 s, medians of $rounds round(s); times in s after the fault"
printf '%-58s %10s %10s %7s\n' "" "Tessera" "Redis" "T/R"
row "docker kill: replica promoted" kill_promoted "%.2f"
row "docker pause: replica promoted" pause_promoted "%.2f"
row "partition: minority master's first CLUSTERDOWN" part_refused "%.2f"
row "partition: minority master cluster_state:fail" part_fail "%.2f"
row "partition: majority promotes the replica" part_promoted "%.2f"
row "partition: last write the minority master acknowledged" part_last_ack "%.2f"
row "partition: increments acknowledged by the cut-off master" part_acked "%.0f"
row "partition: of them lost after it rejoined" part_lost "%.0f"
row "walk-through program (SET/GET): longest outage, kill" seed_kill "%.2f"
row "walk-through program (SET/GET): longest outage, pause" seed_pause "%.2f"
row "walk-through program (SET/GET): longest outage, partition" seed_partition "%.2f"
row "host counter workload, 3 faults: acknowledged but lost" counter_lost "%.0f"
