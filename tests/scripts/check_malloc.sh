#!/usr/bin/env bash
# Fails if code other than src/base/mem.c calls the C allocator directly.
#
# Every allocation must go through mem_* so that used memory is counted and
# out-of-memory is handled in one place. Comments and string literals are
# blanked first (keeping line breaks, so line numbers stay right), so prose
# or a log message that mentions free() is not a hit; member calls such as
# type->free(...) are not the allocator either and are skipped.
set -u
cd "$(dirname "$0")/../.." || exit 2

# Perl is part of every Debian system; no compiler-specific flags needed.
read -r -d '' strip_code <<'PERL'
local $/;
my $s = <STDIN>;
$s =~ s{(/\*.*?\*/)|(//[^\n]*)|("(?:\\.|[^"\\\n])*")|('(?:\\.|[^'\\\n])*')}{
    defined $1 ? ($1 =~ s/[^\n]//gr) : defined $2 ? "" : defined $3 ? '""' : "' '"
}gse;
print $s;
PERL

funcs='malloc|calloc|realloc|reallocarray|free|strdup|strndup'
funcs+='|aligned_alloc|posix_memalign|valloc|memalign'
bad=0
count=0
while IFS= read -r f; do
    [ "$f" = "src/base/mem.c" ] && continue
    count=$((count + 1))
    if ! code=$(perl -e "$strip_code" < "$f"); then
        echo "check_malloc: cannot read $f"
        bad=$((bad + 1))
        continue
    fi
    hits=$(printf '%s\n' "$code" | grep -nE "(^|[^A-Za-z0-9_.>])($funcs)[[:space:]]*[(]" || true)
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
