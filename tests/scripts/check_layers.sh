#!/usr/bin/env bash
# Fails when a module includes a header of a higher layer.
#
# Reads the layer order from tests/scripts/layers.txt and checks every
# src/<layer>/*.c and include/<layer>/*.h: each project include
# ("<layer>/<module>.h") must name the file's own layer or a lower one.
# A quoted include without a known layer folder is reported too, since it
# escapes the check. System includes (<...>) are not project headers.
set -u
cd "$(dirname "$0")/../.." || exit 2

declare -A rank=()
r=0
while read -r line; do
    line=${line%%#*}
    [ -z "${line// /}" ] && continue
    for name in $line; do rank[$name]=$r; done
    r=$((r + 1))
done < tests/scripts/layers.txt

if [ "${#rank[@]}" -eq 0 ]; then
    echo "check_layers: no layers in tests/scripts/layers.txt"
    exit 2
fi

bad=0
checked=0
# A folder missing from layers.txt would escape the check entirely.
for dir in src/*/ include/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    if [ -z "${rank[$name]+x}" ]; then
        echo "$dir: folder is not a layer of tests/scripts/layers.txt"
        bad=$((bad + 1))
    fi
done
for layer in "${!rank[@]}"; do
    for f in src/"$layer"/*.c include/"$layer"/*.h; do
        [ -e "$f" ] || continue
        checked=$((checked + 1))
        while IFS=: read -r lineno inc; do
            target=${inc%%/*}
            # A multi-file module's private header sits next to its sources
            # (src/<layer>/<module>_internal.h): same layer by construction.
            if [ "$target" = "$inc" ] && [ -e "$(dirname "$f")/$inc" ] && [[ "$f" == src/* ]]; then
                continue
            fi
            if [ "$target" = "$inc" ] || [ -z "${rank[$target]+x}" ]; then
                echo "$f:$lineno: include \"$inc\" is not under a known layer folder"
                bad=$((bad + 1))
            elif [ "${rank[$target]}" -gt "${rank[$layer]}" ]; then
                echo "$f:$lineno: $layer must not include \"$inc\" ($target is a higher layer)"
                bad=$((bad + 1))
            fi
        done < <(awk 'match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/) {
                          s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
                          print FNR ":" s }' "$f")
    done
done

if [ "$bad" -ne 0 ]; then
    echo "check_layers: $bad bad include(s)"
    exit 1
fi
echo "check_layers: $checked files, layering respected"
