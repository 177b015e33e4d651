#!/usr/bin/env bash
# Integration suite: real server processes driven by raw sockets, redis-cli, redis-benchmark
# and go-redis. Builds nothing itself (the Makefile builds the server first).
#
#   TESSERA_BIN          server under test (default: <repo>/build/tessera-server)
#   REDIS_SERVER_BIN     reference server for the differential test (default: redis-server)
#   REDIS_CLI_BIN        redis-cli (default: from PATH)
#   REDIS_BENCHMARK_BIN  redis-benchmark (default: from PATH)
#   INTEGRATION_RUN      optional `go test -run` pattern
#   TESSERA_IT_PORTS     optional port range lo-hi for the servers (default 21000-22700)
#
# Prints one line per test and ends with "N passed, M failed" (", K skipped" if any);
# the exit status is non-zero when anything failed.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

# A relative TESSERA_BIN is taken relative to the caller's directory.
export TESSERA_BIN="${TESSERA_BIN:-$repo/build/tessera-server}"
case "$TESSERA_BIN" in
    /*) ;;
    */*) TESSERA_BIN="$(pwd)/$TESSERA_BIN" ;;
esac
cd "$here"

if [ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null 2>&1; then
    PATH="$PATH:/usr/local/go/bin"
fi
if ! command -v go >/dev/null 2>&1; then
    echo "go toolchain not found" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

if [ ! -x "$TESSERA_BIN" ] && ! command -v "$TESSERA_BIN" >/dev/null 2>&1; then
    echo "server under test not found: $TESSERA_BIN (run make first or set TESSERA_BIN)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

mkdir -p .work
run_args=()
if [ -n "${INTEGRATION_RUN:-}" ]; then
    run_args=(-run "$INTEGRATION_RUN")
fi

# Build the summariser first so that its compilation does not mix with the test stream.
# Per-run names let two runs share the work tree.
summarize=".work/summarize.$$"
trap 'rm -f "$summarize"' EXIT
go build -o "$summarize" ./cmd/summarize || { echo "0 passed, 1 failed"; exit 1; }

# The raw event stream is kept in .work/test.json for inspection after the run. The Docker
# tests (about two minutes, run one after another) count against the package deadline too.
go test -json -count=1 -timeout 15m -parallel 4 "${run_args[@]}" . 2>&1 \
    | tee .work/test.json | "$summarize"
status=("${PIPESTATUS[@]}")
if [ "${status[0]}" -ne 0 ] || [ "${status[2]}" -ne 0 ]; then
    exit 1
fi
exit 0
