#!/bin/sh
# Forms the cluster of docker/compose.yml the first time the stack comes up:
# waits for the six nodes, and if none of them belongs to a cluster yet,
# runs `redis-cli --cluster create` with their addresses (CLUSTER MEET takes
# addresses, not names) and waits until every node reports cluster_state:ok.
# Later starts find the cluster formed (the nodes keep it in nodes.conf on
# their volumes) and only wait for it to be ok again.
set -eu

nodes=${CLUSTER_NODES:-"node1 node2 node3 node4 node5 node6"}
port=${CLUSTER_PORT:-6379}
replicas=${CLUSTER_REPLICAS:-1}
wait_seconds=${CLUSTER_WAIT_SECONDS:-120}

say() { echo "cluster-init: $*"; }

deadline=$(( $(date +%s) + wait_seconds ))
past_deadline() { [ "$(date +%s)" -ge "$deadline" ]; }

info_field() { # node field
    redis-cli -h "$1" -p "$port" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

for n in $nodes; do
    until [ "$(redis-cli -h "$n" -p "$port" ping 2>/dev/null)" = PONG ]; do
        if past_deadline; then say "$n does not answer on port $port"; exit 1; fi
        sleep 0.5
    done
done

formed=no
for n in $nodes; do
    known=$(info_field "$n" cluster_known_nodes)
    assigned=$(info_field "$n" cluster_slots_assigned)
    if [ "${known:-1}" != 1 ] || [ "${assigned:-0}" != 0 ]; then formed=yes; fi
done

if [ "$formed" = no ]; then
    addrs=""
    for n in $nodes; do
        # The last "Address:" line is the answer; the first is the resolver's.
        ip=$(nslookup "$n" 2>/dev/null | sed -n 's/^Address:[[:space:]]*\([0-9.]*\)$/\1/p' | tail -n 1)
        if [ -z "$ip" ]; then say "cannot resolve $n"; exit 1; fi
        addrs="$addrs $ip:$port"
    done
    say "creating the cluster of$addrs"
    # shellcheck disable=SC2086
    redis-cli --cluster create $addrs --cluster-replicas "$replicas" --cluster-yes
else
    say "the nodes already form a cluster; waiting for it to be ok"
fi

for n in $nodes; do
    until [ "$(info_field "$n" cluster_state)" = ok ]; do
        if past_deadline; then say "$n is not ok after ${wait_seconds}s"; redis-cli -h "$n" -p "$port" cluster nodes; exit 1; fi
        sleep 0.5
    done
done
say "cluster ok"
