#!/usr/bin/env bash
# Installs the Docker Compose v2 CLI plugin, so that `docker compose ...
# up --wait` works, on a machine where the Docker CLI has no compose plugin
# and no prebuilt binary can be downloaded. Compose v2 is a Go module: its
# source comes through the Go module proxy and is built here (about ten
# minutes on two cores the first time; later runs find it installed).
#
#   scripts/install-compose.sh            install if `docker compose` is missing
#   COMPOSE_VERSION=v2.40.3 scripts/install-compose.sh
#
# The plugin goes to /usr/local/lib/docker/cli-plugins/docker-compose, one
# of the folders the Docker CLI searches for every user. A machine without
# the Docker CLI, or with a working `docker compose`, is left alone.
# `go install module@version` cannot be used: compose's go.mod has exclude
# directives, which only apply when compose itself is the main module, so
# the source is built in a copy of its own module folder.
set -euo pipefail

version="${COMPOSE_VERSION:-v2.40.3}"
plugin_dir=/usr/local/lib/docker/cli-plugins

if ! command -v docker >/dev/null 2>&1; then
    echo "install-compose: no docker command; skipped"
    exit 0
fi
if docker compose version >/dev/null 2>&1; then
    echo "install-compose: $(docker compose version)"
    exit 0
fi

go=go
if ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then go=/usr/local/go/bin/go; else
        echo "install-compose: Go is not installed; \`docker compose\` stays unavailable" >&2
        exit 1
    fi
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

echo "install-compose: building docker compose $version from source (takes a while)"
src="$("$go" mod download -json "github.com/docker/compose/v2@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src" ] || { echo "install-compose: could not fetch github.com/docker/compose/v2@$version" >&2; exit 1; }

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$src" "$work/compose"
chmod -R u+w "$work/compose"
(
    cd "$work/compose"
    CGO_ENABLED=0 GOFLAGS=-mod=mod "$go" build -trimpath \
        -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
        -o "$work/docker-compose" ./cmd
)
$sudo mkdir -p "$plugin_dir"
$sudo install -m 0755 "$work/docker-compose" "$plugin_dir/docker-compose"
echo "install-compose: $(docker compose version)"
