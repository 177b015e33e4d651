#!/usr/bin/env bash
# Compiles every public header on its own, twice in a row, so that a header
# which leans on an include it does not make, or lacks its include guard,
# fails here instead of in whichever file happens to include it first.
#
#   CC=clang tests/scripts/check_headers.sh
set -u
cd "$(dirname "$0")/../.." || exit 2
CC=${CC:-cc}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bad=0
count=0
while IFS= read -r h; do
    rel=${h#include/}
    count=$((count + 1))
    # The trailing declaration keeps a macro-only header from leaving an
    # empty translation unit, which -Wpedantic rejects.
    printf '#include "%s"\n#include "%s"\ntypedef int check_headers_nonempty;\n' \
        "$rel" "$rel" > "$tmp/one.c"
    if ! out=$($CC -std=c11 -D_GNU_SOURCE -Iinclude -Wall -Wextra -Wpedantic -Werror \
            -fsyntax-only "$tmp/one.c" 2>&1); then
        echo "$h does not compile on its own:"
        printf '%s\n' "$out"
        bad=$((bad + 1))
    fi
done < <(find include -name '*.h' | sort)

if [ "$count" -eq 0 ]; then
    echo "check_headers: no headers found under include/"
    exit 2
fi
if [ "$bad" -ne 0 ]; then
    echo "check_headers: $bad of $count headers failed"
    exit 1
fi
echo "check_headers: $count headers compile on their own"
