#!/usr/bin/env bash
# Runs cmocka unit-test binaries one after another, shows their output and
# ends with one summary line "N passed, M failed" counted in test cases.
#
#   tests/scripts/run_unit.sh build/release/tests/test_htable ...
#
# Test cases are counted from cmocka's own closing lines ("[  PASSED  ] n
# test(s)." and "[  FAILED  ] n test(s), listed below:") plus one per test
# whose setup or teardown failed ("[  ERROR   ] name"). A binary that dies
# before printing them (a crash, a sanitizer report, a failed setup) counts
# as one failed case, so a crash can never look like a pass. The exit status
# is non-zero when anything failed or when no binary was given. Each binary
# gets UNIT_TEST_TIMEOUT seconds (default 600).
set -u

if [ "$#" -eq 0 ]; then
    echo "run_unit.sh: no test binaries given"
    echo "0 passed, 1 failed"
    exit 1
fi

total_passed=0
total_failed=0
failed_bins=()

for bin in "$@"; do
    echo "=== $bin"
    if [ ! -x "$bin" ]; then
        echo "run_unit.sh: $bin is not an executable"
        total_failed=$((total_failed + 1))
        failed_bins+=("$bin")
        continue
    fi
    # A hung binary must not hang the whole run (timeout exits with 124).
    out=$(CMOCKA_MESSAGE_OUTPUT=stdout timeout "${UNIT_TEST_TIMEOUT:-600}" "$bin" 2>&1)
    status=$?
    if [ "$status" -eq 124 ]; then
        out+=$'\n'"run_unit.sh: $bin did not finish within ${UNIT_TEST_TIMEOUT:-600} s"
    fi
    printf '%s\n' "$out"

    passed=0
    failed=0
    # A binary may run several groups: add up every closing line.
    while read -r n; do
        passed=$((passed + n))
    done < <(printf '%s\n' "$out" | grep -oE '\[  PASSED  \] [0-9]+ test\(s\)\.' | tr -dc '0-9\n')
    while read -r n; do
        failed=$((failed + n))
    done < <(printf '%s\n' "$out" | grep -oE '\[  FAILED  \] [0-9]+ test\(s\), listed below' |
             tr -dc '0-9\n')

    # A failing setup or teardown is reported only as "[  ERROR   ] name"
    # (assertion details are "[  ERROR   ] --- ..."), outside those counts.
    errors=$(printf '%s\n' "$out" | grep -oE '\[  ERROR   \] [A-Za-z_]' | wc -l)
    failed=$((failed + errors))

    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        echo "run_unit.sh: $bin exited with status $status before reporting a failure"
        failed=1
    fi
    if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
        echo "run_unit.sh: $bin ran no test case"
        failed=1
    fi
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    if [ "$failed" -ne 0 ]; then failed_bins+=("$bin"); fi
done

if [ "${#failed_bins[@]}" -ne 0 ]; then
    echo "failing binaries: ${failed_bins[*]}"
fi
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
