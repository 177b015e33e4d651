#!/usr/bin/env bash
# run.sh [seconds] [target...]: runs each libFuzzer target for a while.
#
# Every target starts from its committed seeds (tests/fuzz/corpus/<target>,
# read only) plus what earlier runs found (build/fuzz/corpus/<target>, where
# new inputs go), uses tests/fuzz/<target>.dict when there is one, and writes
# crash, leak, timeout and out-of-memory reproducers to
# build/fuzz/artifacts/<target>/. libFuzzer stops a target at its first
# failure; with FUZZ_KEEP_GOING=1 it is restarted until the time is up, so
# one run can report several. Targets run side by side, FUZZ_JOBS at a time
# (default: the number of CPUs).
#
# Prints "<target>: <execs> runs, <crashes> crashes" per target and exits 1
# when any target failed. Build first with tests/fuzz/build.sh (make fuzz).
# Replay a reproducer: build/fuzz/<target> <file> (FUZZ_TRACE=1 makes
# fuzz_commands print the commands it runs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
SECONDS_PER_TARGET=${1:-60}
shift || true
OUT=${FUZZ_OUT:-build/fuzz}
JOBS=${FUZZ_JOBS:-$(nproc)}
KEEP_GOING=${FUZZ_KEEP_GOING:-0}

[[ $SECONDS_PER_TARGET =~ ^[1-9][0-9]*$ ]] || {
    echo "usage: $0 [seconds] [target...]" >&2
    exit 2
}
if (($#)); then
    targets=("$@")
else
    targets=()
    for src in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi
for t in "${targets[@]}"; do
    [[ -x $OUT/$t ]] || {
        echo "fuzz: $OUT/$t is missing; run tests/fuzz/build.sh first" >&2
        exit 2
    }
done

# Runs one target; writes "<execs> <crashes>" to $OUT/logs/<target>.result.
run_target() {
    local t=$1 left=$SECONDS_PER_TARGET execs=0 crashes start now n
    local corpus="$OUT/corpus/$t" art="$OUT/artifacts/$t/" log="$OUT/logs/$t.log"
    mkdir -p "$corpus" "$art" "$OUT/logs"
    local args=(-max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$art")
    [[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
    local seeds=()
    [[ -d tests/fuzz/corpus/$t ]] && seeds=("tests/fuzz/corpus/$t")
    : >"$log"
    : >"$OUT/logs/$t.artifacts"
    start=$(date +%s)
    while ((left > 0)); do
        find "$art" -type f | sort >"$OUT/logs/$t.before"
        args[0]=-max_total_time=$left
        "$OUT/$t" "${args[@]}" "$corpus" "${seeds[@]}" >>"$log" 2>&1 || true
        n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n 1 |
            grep -o '[0-9]*$' || echo 0)
        execs=$((execs + ${n:-0}))
        # This round's reproducers are the files that were not there before.
        find "$art" -type f | sort | comm -13 "$OUT/logs/$t.before" - >>"$OUT/logs/$t.artifacts"
        # Rename the stats line so the next round's is not mistaken for it.
        sed -i 's/stat::number_of_executed_units/stat::counted_executed_units/' "$log"
        now=$(date +%s)
        left=$((SECONDS_PER_TARGET - (now - start)))
        [[ $KEEP_GOING == 1 ]] || break
    done
    crashes=$(wc -l <"$OUT/logs/$t.artifacts")
    echo "$execs $crashes" >"$OUT/logs/$t.result"
}

running=0
for t in "${targets[@]}"; do
    run_target "$t" &
    running=$((running + 1))
    if ((running >= JOBS)); then
        wait -n || true
        running=$((running - 1))
    fi
done
wait

status=0
for t in "${targets[@]}"; do
    read -r execs crashes <"$OUT/logs/$t.result"
    echo "$t: $execs runs, $crashes crashes"
    if ((crashes > 0)); then
        status=1
        sed 's/^/    /' "$OUT/logs/$t.artifacts"
        echo "    log: $OUT/logs/$t.log"
    fi
done
exit "$status"
