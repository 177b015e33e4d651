#!/usr/bin/env bash
# Runs the whole test suite from a clean checkout: installs dependencies,
# builds the release and the ASan+UBSan binaries, then runs
#   - the source checks (layering, self-contained headers, allocator use),
#   - the unit tests (cmocka) on both builds,
#   - the integration suites (real servers, redis-cli, redis-benchmark,
#     go-redis, a byte-for-byte comparison with redis-server) on both builds,
#   - a short run of every fuzz target.
# Prints each stage's result and ends with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
jobs="$(nproc 2>/dev/null || echo 2)"

./scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
log_dir="build/test-logs"
mkdir -p "$log_dir"

# Runs a stage; its output must end with "N passed, M failed" (a stage that
# prints no such line counts as one test, passed if it exits 0).
stage() {
    local name="$1"
    shift
    echo "=== $name"
    local log="$log_dir/$name.log"
    "$@" 2>&1 | tee "$log"
    local rc="${PIPESTATUS[0]}"
    local line
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)"
    if [ -n "$line" ]; then
        local p f
        p="$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')"
        f="$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')"
        passed=$((passed + p))
        failed=$((failed + f))
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
    elif [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    echo "--- $name: exit status $rc"
}

build() {
    make -j"$jobs" all && make -j"$jobs" MODE=sanitize all &&
        make -j"$jobs" build/release/libtessera.a $(ls tests/unit/test_*.c | sed 's|tests/unit/\(.*\)\.c|build/release/tests/\1|') &&
        make -j"$jobs" MODE=sanitize $(ls tests/unit/test_*.c | sed 's|tests/unit/\(.*\)\.c|build/sanitize/tests/\1|')
}

stage build build
if [ "$failed" -ne 0 ]; then
    echo "$passed passed, $failed failed"
    exit 1
fi
stage checks make -s check-layers check-headers check-malloc
stage unit make -s test
stage unit-sanitize make -s MODE=sanitize test
stage integration env TESSERA_BIN="$PWD/build/release/tessera-server" tests/integration/run.sh
stage integration-sanitize env TESSERA_BIN="$PWD/build/sanitize/tessera-server" \
    TESSERA_SANITIZE=1 tests/integration/run.sh
if command -v clang >/dev/null 2>&1; then
    stage fuzz-smoke sh -c 'tests/fuzz/build.sh && tests/fuzz/run.sh 20'
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
