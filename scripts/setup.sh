#!/usr/bin/env bash
# Installs what building and testing Tessera needs on Debian 12 (or a
# derivative): the build libraries, the reference Redis tools the tests and
# the benchmark compare against, clang for sanitizers and fuzzing, and what
# the Docker image and its tests use (busybox and redis-cli go into the
# image; envsubst renders the walk-through's configs; the `docker compose`
# plugin, built from source by scripts/install-compose.sh when the Docker
# CLI lacks it). The Docker engine itself is the machine's: not installed here.
# Safe to run again: packages already present are left alone. The
# reference redis-server is installed but never left running as a service.
set -euo pipefail

packages=(
    build-essential pkg-config
    libev-dev libjemalloc-dev libcmocka-dev liblzf-dev
    redis-tools redis-server
    clang libclang-rt-14-dev
    valgrind procps iproute2 netcat-openbsd
    gettext-base
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The image needs a busybox; either Debian package will do, and they
# conflict, so one already there is kept.
if ! dpkg-query -W -f='${Status}' busybox 2>/dev/null | grep -q "install ok installed" &&
    ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed"; then
    missing+=(busybox-static)
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    # Keep Debian from starting the reference server when its package is
    # installed; the tests start their own instances on throwaway ports.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod +x "$policy"
        created_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || true
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    if [ "$created_policy" = 1 ]; then $sudo rm -f "$policy"; fi
fi

# If a service manager started the stock server anyway, stop and disable it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    $sudo systemctl disable --now redis-server >/dev/null 2>&1 || true
fi

if [ ! -x /usr/local/go/bin/go ] && ! command -v go >/dev/null 2>&1; then
    echo "note: Go is not installed; the integration tests (tests/integration) need it." >&2
elif command -v docker >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
    # Not fatal: the Docker tests fall back to docker-compose v1.
    "$(dirname "$0")/install-compose.sh" ||
        echo "note: \`docker compose\` could not be installed; see scripts/install-compose.sh." >&2
fi
echo "Dependencies are in place."
