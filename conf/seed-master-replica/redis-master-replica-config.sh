#!/bin/bash
# Lays out the walk-through's primary/replica trio for docker-compose.yml
# beside this script: redis-<port>.conf becomes ./redis-<port>/conf/redis.conf
# (mounted as /usr/local/etc/redis) next to an empty ./redis-<port>/data
# (mounted as /data). 6090 is the primary; 6091 and 6092 replicate it.
# Works in the folder of this script, so it can be run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"

for port in 6090 6091 6092; do
    mkdir -p "./redis-${port}/conf" "./redis-${port}/data"
    cp "./redis-${port}.conf" "./redis-${port}/conf/redis.conf"
    # Readable and writable by the server's user inside the container.
    chmod 666 "./redis-${port}/conf/redis.conf"
done
