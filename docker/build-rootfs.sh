#!/usr/bin/env bash
# Assembles the root filesystem of the Tessera image from files already on
# this machine, so that building the image needs no container registry:
# docker/Dockerfile starts FROM scratch and adds the tarball made here.
#
#   docker/build-rootfs.sh [OUTDIR]      (default OUTDIR: build/docker)
#
# OUTDIR/rootfs.tar becomes the image's only layer; OUTDIR is also the
# Docker build context (the Dockerfile is copied there). What goes in:
#
#   /usr/local/bin/tessera-server   build/tessera-server (run `make` first)
#   /usr/local/bin/redis-server     symlink to tessera-server (the server does
#                                   not look at the name it was started by)
#   /usr/local/bin/redis-cli        Debian's redis-tools package (Redis 7.0)
#   /usr/local/bin/docker-entrypoint.sh
#   /bin/sh and a few tools         Debian's busybox-static (or busybox), for the
#                                   entry point, CMD-SHELL health checks and
#                                   `docker exec ... sh`
#   /usr/bin/setpriv                Debian's util-linux, with which the entry
#                                   point drops root (busybox's lacks --reuid)
#   the shared libraries the binaries need, found with ldd, at the paths
#   the host has them (the dynamic loader's path is written in each binary)
#   /etc/passwd, /etc/group         root and redis (uid/gid 999, as in the
#                                   official Redis image)
#   /etc/nsswitch.conf              hosts: files then DNS, so container
#                                   names resolve (Docker supplies /etc/hosts
#                                   and /etc/resolv.conf at run time)
#   /data (owned by redis), /usr/local/etc/redis, /tmp (1777)
#   /usr/share/doc/<package>/copyright for every Debian package copied from
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="${1:-$repo/build/docker}"
server="$repo/build/tessera-server"
# REFERENCE_SERVER=/usr/bin/redis-server builds the reference image the
# Docker benchmark compares with: that binary becomes redis-server, and
# there is no tessera-server.
reference="${REFERENCE_SERVER:-}"
if [ -n "$reference" ]; then server="$reference"; fi
cli="${REDIS_CLI_SRC:-/usr/bin/redis-cli}"
busybox="${BUSYBOX_SRC:-/bin/busybox}"
setpriv="${SETPRIV_SRC:-/usr/bin/setpriv}"
uid=999
gid=999

die() { echo "build-rootfs: $*" >&2; exit 1; }

[ -x "$server" ] || die "$server not found: run make first"
[ -x "$cli" ] || die "$cli not found: install Debian's redis-tools (scripts/setup.sh does)"
[ -x "$setpriv" ] || die "$setpriv not found: it comes with Debian's util-linux"
[ -x "$busybox" ] || die "$busybox not found: install Debian's busybox-static (scripts/setup.sh does)"

stage="$out/rootfs"
rm -rf "$stage"
mkdir -p "$stage"/{bin,etc,data,tmp,root,usr/bin,usr/local/bin,usr/local/etc/redis,usr/share/doc}
chmod 1777 "$stage/tmp"
chmod 0700 "$stage/root"

packages=()
# Remembers the Debian package a host file came from, for its copyright file.
note_package() {
    local pkg
    pkg="$(dpkg-query -S "$1" 2>/dev/null | head -n1 | cut -d: -f1)" || true
    if [ -z "$pkg" ]; then
        # dpkg knows the pre-merged-/usr name of files under /lib.
        pkg="$(dpkg-query -S "${1#/usr}" 2>/dev/null | head -n1 | cut -d: -f1)" || true
    fi
    [ -n "$pkg" ] && packages+=("$pkg")
    return 0
}

# Recreates in the stage a host path's symlinked leading directory (e.g.
# /lib64 -> usr/lib64 on a merged-/usr system), so that a path written into
# a binary, such as its loader's, exists in the image as on the host.
copy_dir_links() {
    local path="$1" prefix=""
    local IFS=/
    for part in ${path#/}; do
        prefix="$prefix/$part"
        [ "$prefix" = "$path" ] && break
        if [ -L "$prefix" ] && [ ! -e "$stage$prefix" ] && [ ! -L "$stage$prefix" ]; then
            ln -s "$(readlink "$prefix")" "$stage$prefix"
        fi
    done
}

# Copies one shared library (the file a path resolves to) into the stage at
# the resolved directory under the name the binary asks for.
copy_lib() {
    local path="$1"
    local dir name
    dir="$(readlink -f "$(dirname "$path")")"
    name="$(basename "$path")"
    [ -e "$stage$dir/$name" ] && return 0
    copy_dir_links "$path"
    mkdir -p "$stage$dir"
    cp -L "$path" "$stage$dir/$name"
    note_package "$(readlink -f "$path")"
}

# Copies every library ldd lists for a binary, the loader included.
copy_libs_of() {
    local bin="$1" line lib
    while read -r line; do
        lib=""
        case "$line" in
            *"=> not found"*) die "$bin: a library is missing: $line" ;;
            *"=> /"*) lib="${line#*=> }"; lib="${lib%% (*}" ;;
            /*) lib="${line%% (*}" ;;
        esac
        [ -n "$lib" ] && copy_lib "$lib"
    done < <(ldd "$bin")
}

if [ -n "$reference" ]; then
    install -m 0755 "$(readlink -f "$server")" "$stage/usr/local/bin/redis-server"
    note_package "$(readlink -f "$server")"
    server_in_image="$stage/usr/local/bin/redis-server"
else
    install -m 0755 "$(readlink -f "$server")" "$stage/usr/local/bin/tessera-server"
    ln -s tessera-server "$stage/usr/local/bin/redis-server"
    server_in_image="$stage/usr/local/bin/tessera-server"
fi
install -m 0755 "$cli" "$stage/usr/local/bin/redis-cli"
note_package "$cli"
install -m 0755 "$here/docker-entrypoint.sh" "$stage/usr/local/bin/docker-entrypoint.sh"

install -m 0755 "$busybox" "$stage/bin/busybox"
note_package "$busybox"
install -m 0755 "$setpriv" "$stage/usr/bin/setpriv"
note_package "$setpriv"
# The entry point needs sh, id, pwd, find, chown and grep; the rest serve
# health checks and looking around in a running container.
applets=(sh ash '[' test cat chmod chown cp cut echo env false find grep head hostname id
    kill ln ls mkdir mv nc nslookup ps pwd rm sed sleep sort stat tail tee timeout touch
    tr true uniq wc which xargs)
have="$("$busybox" --list)"
for a in "${applets[@]}"; do
    grep -qxF -- "$a" <<<"$have" || die "busybox has no applet $a"
    ln -s busybox "$stage/bin/$a"
done

copy_libs_of "$server_in_image"
copy_libs_of "$stage/usr/local/bin/redis-cli"
copy_libs_of "$stage/usr/bin/setpriv"
# Debian's busybox package is linked dynamically, busybox-static is not.
if ldd "$busybox" >/dev/null 2>&1; then copy_libs_of "$stage/bin/busybox"; fi

cat > "$stage/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
redis:x:$uid:$gid:redis:/data:/bin/false
EOF
cat > "$stage/etc/group" <<EOF
root:x:0:
redis:x:$gid:
EOF
cat > "$stage/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files dns
EOF
chmod 0644 "$stage/etc/passwd" "$stage/etc/group" "$stage/etc/nsswitch.conf"

mkdir -p "$stage/usr/share/doc/tessera"
install -m 0644 "$repo/LICENSE" "$stage/usr/share/doc/tessera/LICENSE"
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
for pkg in "${packages[@]}"; do
    base="${pkg%%:*}"
    if [ -f "/usr/share/doc/$base/copyright" ]; then
        mkdir -p "$stage/usr/share/doc/$base"
        install -m 0644 "/usr/share/doc/$base/copyright" "$stage/usr/share/doc/$base/copyright"
    fi
done

# Same bytes for the same inputs: fixed order, owners and times.
mtime="$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)"
tar_opts=(--sort=name --numeric-owner --mtime="@$mtime" --format=gnu)
tar -C "$stage" "${tar_opts[@]}" --owner=0 --group=0 --exclude=./data -cf "$out/rootfs.tar" .
tar -C "$stage" "${tar_opts[@]}" --owner="$uid" --group="$gid" -rf "$out/rootfs.tar" ./data
cp "$here/Dockerfile" "$out/Dockerfile"

echo "build-rootfs: $out/rootfs.tar ($(du -k "$out/rootfs.tar" | cut -f1) KiB) from packages: ${packages[*]}"
