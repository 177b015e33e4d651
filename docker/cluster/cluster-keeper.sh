#!/bin/sh
# Keeps the cluster of docker/compose.yml formed, for the life of the stack:
#
# - The first time, when all six nodes answer and none of them belongs to a
#   cluster, it runs `redis-cli --cluster create` with their addresses
#   (CLUSTER MEET takes addresses, not names).
# - Later, a node that answers but knows only itself (its volume was lost or
#   removed and its container recreated) is taken in again: the others forget
#   the id it had, and it joins as a replica of the master with the fewest
#   replicas. If that former id still serves slots, its replica has not taken
#   over yet; the keeper waits for that, since only then are the slots safe.
# - It marks itself healthy (/tmp/cluster-ok, its health check) once every
#   node answers and reports cluster_state:ok, so that `up --wait` returns
#   once the cluster serves every slot; it stays healthy through later
#   faults (the nodes' own health checks show those), or `up --wait` run
#   during a failover would give up at once on an unhealthy keeper.
#
# It only ever changes the cluster in those two cases, and logs what it does.
set -u

nodes=${CLUSTER_NODES:-"node1 node2 node3 node4 node5 node6"}
port=${CLUSTER_PORT:-6379}
replicas=${CLUSTER_REPLICAS:-1}
period=${CLUSTER_KEEPER_PERIOD:-1}
ok_flag=/tmp/cluster-ok

say() { echo "cluster-keeper: $*"; }

# At most 3 s per call: a paused container accepts connections but never
# answers, and one cut off from the network leaves a connection attempt
# hanging for minutes; the keeper must go on watching the others.
cli() { # node args...
    local host=$1
    shift
    timeout 3 redis-cli -h "$host" -p "$port" "$@" 2>/dev/null | tr -d '\r'
}

info_field() { # node field; empty when the node does not answer
    cli "$1" cluster info | sed -n "s/^$2://p"
}

resolve() { # name -> address
    # The last "Address:" line is the answer; the first is the resolver's.
    nslookup "$1" 2>/dev/null | sed -n 's/^Address:[[:space:]]*\([0-9.]*\)$/\1/p' | tail -n 1
}

is_number() { case "$1" in '' | *[!0-9]*) return 1 ;; esac; return 0; }

# ids that `table` (CLUSTER NODES text) lists under host name $1, other than $2
ids_named() {
    echo "$table" | awk -v h="$1" -v me="$2" '{ n = split($2, a, ","); if (n > 1 && a[2] == h && $1 != me) print $1 }'
}

# Takes fresh node $1 into the cluster known to member $2.
adopt() {
    local f=$1 anchor=$2 fresh_id table owners note ip anchor_ip id m
    fresh_id=$(cli "$f" cluster myid)
    table=$(cli "$anchor" cluster nodes)
    [ -n "$fresh_id" ] && [ -n "$table" ] || return 1
    # A node the cluster knows by its current id is a member, whatever it said a moment ago.
    if echo "$table" | awk -v id="$fresh_id" '$1 == id { found = 1 } END { exit !found }'; then return 0; fi
    owners=$(echo "$table" | awk -v h="$f" -v me="$fresh_id" '{ n = split($2, a, ","); if (n > 1 && a[2] == h && $1 != me && NF > 8) print $1 }')
    if [ -n "$owners" ]; then
        note="$f came back empty; its former id $owners still serves slots: waiting for its replica to take over (or for redis-cli --cluster fix)"
        [ "$note" != "${last_note:-}" ] && say "$note"
        last_note=$note
        return 1
    fi
    ip=$(resolve "$f")
    anchor_ip=$(resolve "$anchor")
    if [ -z "$ip" ] || [ -z "$anchor_ip" ]; then say "cannot resolve $f or $anchor"; return 1; fi
    for id in $(ids_named "$f" "$fresh_id"); do
        say "$f came back empty: the others forget its former id $id"
        for m in $members; do cli "$m" cluster forget "$id" >/dev/null; done
    done
    say "$f joins as a replica"
    redis-cli --cluster add-node "$ip:$port" "$anchor_ip:$port" --cluster-slave
}

create() {
    local addrs="" n ip
    for n in $nodes; do
        ip=$(resolve "$n")
        if [ -z "$ip" ]; then say "cannot resolve $n"; return 1; fi
        addrs="$addrs $ip:$port"
    done
    say "creating the cluster of$addrs"
    # shellcheck disable=SC2086
    redis-cli --cluster create $addrs --cluster-replicas "$replicas" --cluster-yes
}

rm -f "$ok_flag"
state=""
while :; do
    members=""
    fresh=""
    answering=0
    all_ok=yes
    for n in $nodes; do
        known=$(info_field "$n" cluster_known_nodes)
        assigned=$(info_field "$n" cluster_slots_assigned)
        if ! is_number "$known" || ! is_number "$assigned"; then
            all_ok=no # down, starting or loading: nothing to decide about it now
            continue
        fi
        answering=$((answering + 1))
        if [ "$known" = 1 ] && [ "$assigned" = 0 ]; then
            fresh="$fresh $n"
            all_ok=no
        else
            members="$members $n"
            [ "$(info_field "$n" cluster_state)" = ok ] || all_ok=no
        fi
    done
    total=$(echo $nodes | wc -w)

    if [ -z "$members" ] && [ "$answering" = "$total" ]; then
        create || sleep 1
        continue
    fi
    if [ -n "$members" ]; then
        anchor=${members# }
        anchor=${anchor%% *}
        for f in $fresh; do adopt "$f" "$anchor"; done
    fi

    if [ "$all_ok" = yes ]; then
        touch "$ok_flag"
        [ "$state" = ok ] || say "cluster ok"
        state=ok
    else
        [ "$state" != ok ] || say "cluster not ok: waiting"
        state=waiting
    fi
    sleep "$period"
done
