#!/usr/bin/env bash
# Fails if code other than src/base/mem.c calls the C allocator directly.
#
# Every allocation must go through mem_* so that used memory is counted and
# out-of-memory is handled in one place. Comments are stripped first (by the
# compiler's preprocessor in "preprocessed" mode, which removes comments and
# expands nothing), so prose that mentions free() is not a hit; member calls
# such as type->free(...) are not the allocator either and are skipped.
set -u
cd "$(dirname "$0")/../.." || exit 2
CC=${CC:-cc}

funcs='malloc|calloc|realloc|reallocarray|free|strdup|strndup|aligned_alloc|posix_memalign|valloc|memalign'
bad=0
count=0
while IFS= read -r f; do
    [ "$f" = "src/base/mem.c" ] && continue
    count=$((count + 1))
    if ! code=$($CC -fpreprocessed -dD -E -x c "$f" 2>/dev/null); then
        echo "check_malloc: cannot read $f"
        bad=$((bad + 1))
        continue
    fi
    # Line markers ("# 12 \"file\"") keep the reported numbers those of $f.
    hits=$(printf '%s\n' "$code" |
           awk -v re="(^|[^A-Za-z0-9_.>])($funcs)[[:space:]]*[(]" '
               /^# [0-9]+ "/ { line = $2; next }
               { if ($0 ~ re) print line ": " $0; line++ }')
    if [ -n "$hits" ]; then
        echo "$f calls the allocator directly (use mem_* from base/mem.h):"
        printf '%s\n' "$hits" | sed 's/^/    /'
        bad=$((bad + 1))
    fi
done < <(find src include -name '*.[ch]' | sort)

if [ "$bad" -ne 0 ]; then
    echo "check_malloc: $bad file(s) bypass mem_*"
    exit 1
fi
echo "check_malloc: $count files, allocation only through mem_*"
