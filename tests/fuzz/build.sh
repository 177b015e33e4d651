#!/usr/bin/env bash
# build.sh: builds the libFuzzer targets into build/fuzz/.
#
# The library layers the targets exercise (base, protocol, data, commands,
# persist) are compiled once with coverage instrumentation and ASan + UBSan into
# build/fuzz/libtessera-fuzz.a; each tests/fuzz/fuzz_*.c is then linked
# against it with the libFuzzer driver. The server layer and main.c are left
# out: they need libev and sockets, and nothing here reaches them. The
# sanitize build uses libc malloc (no USE_JEMALLOC), as `make sanitize` does,
# so ASan sees every allocation and LeakSanitizer every leak.
#
# Environment: FUZZ_CC (default clang), FUZZ_OUT (default build/fuzz),
# FUZZ_CFLAGS (extra flags, e.g. "-fprofile-instr-generate -fcoverage-mapping"
# for a coverage report of a corpus), FUZZ_JOBS (parallel compiles, default
# nproc), FUZZ_WERROR=0 to keep going past warnings (clang may warn where the
# project's usual compiler does not).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
CC=${FUZZ_CC:-clang}
OUT=${FUZZ_OUT:-build/fuzz}
JOBS=${FUZZ_JOBS:-$(nproc)}

command -v "$CC" >/dev/null || {
    echo "fuzz: '$CC' not found; libFuzzer targets need clang (set FUZZ_CC)" >&2
    exit 1
}

WARN=(-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wold-style-definition -Wformat=2 -Wundef -Wcast-qual -Wpointer-arith -Wvla
    -Wimplicit-fallthrough)
[[ ${FUZZ_WERROR:-1} == 1 ]] && WARN+=(-Werror)
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all)
VERSION=$(cat VERSION)
GIT_SHA=$(git rev-parse --short=8 HEAD 2>/dev/null || echo 00000000)
# shellcheck disable=SC2206
CFLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Iinclude -Itests/unit
    "${WARN[@]}" "${SAN[@]}" -DTESSERA_VERSION="\"$VERSION\"" -DTESSERA_GIT_SHA="\"$GIT_SHA\""
    ${FUZZ_CFLAGS:-})

mkdir -p "$OUT/obj"
export CC OUT
lib_src=$(ls src/base/*.c src/protocol/*.c src/data/*.c src/commands/*.c src/persist/*.c src/cluster/*.c 2>/dev/null || true)

compile() { # source object flags...
    local src=$1 obj=$2
    shift 2
    mkdir -p "$(dirname "$obj")"
    "$CC" "$@" -c "$src" -o "$obj"
}
export -f compile

echo "  FUZZ    compiling library ($(echo "$lib_src" | wc -l) files, $CC)"
objs=()
for src in $lib_src tests/unit/support/cmd_harness.c; do
    objs+=("$OUT/obj/${src%.c}.o")
done
# The library gets coverage instrumentation without the libFuzzer main.
printf '%s\n' $lib_src tests/unit/support/cmd_harness.c |
    xargs -P "$JOBS" -I{} bash -c 'src={}; compile "$src" "$OUT/obj/${src%.c}.o" "$@"' _ \
        "${CFLAGS[@]}" -fsanitize=fuzzer-no-link

rm -f "$OUT/libtessera-fuzz.a"
ar rcs "$OUT/libtessera-fuzz.a" "${objs[@]}"

for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    echo "  FUZZ    $OUT/$name"
    "$CC" "${CFLAGS[@]}" -fsanitize=fuzzer "$src" "$OUT/libtessera-fuzz.a" -llzf -lm -o "$OUT/$name"
done
