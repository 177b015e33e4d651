#!/bin/bash
# Renders redis-cluster.tmpl once per node of the walk-through's six-node
# cluster (ports 7000-7005): ./redis-cluster/<port>/conf/redis.conf, plus an
# empty ./redis-cluster/<port>/data. docker-compose.yml beside this script
# mounts the two folders as /usr/local/etc/redis and /data of each node.
# Works in the folder of this script, so it can be run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"

for port in $(seq 7000 7005); do
    mkdir -p "./redis-cluster/${port}/conf"
    PORT=${port} envsubst < ./redis-cluster.tmpl > "./redis-cluster/${port}/conf/redis.conf"
    # Readable and writable by the server's user inside the container.
    chmod 666 "./redis-cluster/${port}/conf/redis.conf"
    mkdir -p "./redis-cluster/${port}/data"
done
