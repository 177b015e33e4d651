#!/usr/bin/env bash
# Installs what is missing, builds Tessera and starts a node on
# 127.0.0.1:6379 with conf/tessera.conf, in the foreground (Ctrl-C stops it
# cleanly). Extra arguments are passed to the server, e.g. --port 7000.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
make -j"$(nproc)"
exec ./build/tessera-server conf/tessera.conf "$@"
