#!/usr/bin/env bash
# Fetch Debian's busybox-static:i386, bash-static:i386 and busybox:i386 (dynamically linked) for
# the differential tests of real programs (tests/busybox/, tests/busybox_net.rs, tests/bash.rs).
#
# Usage: tests/fetch-busybox.sh
#
# Puts the binaries at target/busybox/bin/busybox and target/bash/bin/bash-static (relative to the
# workspace root), which is where the tests look (EMU386_BUSYBOX may name another busybox).
# Idempotent: does nothing for a working binary that is already there. Needs dpkg and apt-get
# (Debian); adding the i386 architecture and `apt-get update` need root. A failing `apt-get update`
# (e.g. one unreachable security mirror) is tolerated; a failing download is not. Exits non-zero on
# failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

# fetch PACKAGE MEMBER DEST: the file MEMBER of the i386 PACKAGE, installed as DEST.
fetch() {
    local package=$1 member=$2 bin=$3
    if [ -x "$bin" ] && "$bin" --help >/dev/null 2>&1; then
        echo "$package already at $bin"
        return 0
    fi
    for tool in dpkg dpkg-deb apt-get; do
        command -v "$tool" >/dev/null || { echo "fetch: $tool not found (a Debian host is needed)" >&2; exit 1; }
    done
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        dpkg --add-architecture i386 || { echo "fetch: cannot add the i386 architecture (run as root)" >&2; exit 1; }
    fi
    local debs=$root/target/debs
    mkdir -p "$debs"
    local deb
    deb=$(ls "$debs/${package}"_*_i386.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
        # `apt-get download` needs the i386 package lists; refresh them (partial failures are fine).
        if ! apt-cache show "$package:i386" >/dev/null 2>&1; then
            apt-get update || echo "fetch: apt-get update reported errors; trying the download anyway" >&2
        fi
        (cd "$debs" && apt-get download "$package:i386") || {
            apt-get update || true
            (cd "$debs" && apt-get download "$package:i386")
        } || { echo "fetch: apt-get download $package:i386 failed" >&2; exit 1; }
        deb=$(ls "$debs/${package}"_*_i386.deb | head -n 1)
    fi
    local tmp
    tmp=$(mktemp -d "$root/target/fetch.XXXXXX")
    dpkg-deb -x "$deb" "$tmp"
    [ -x "$tmp/$member" ] || { rm -rf "$tmp"; echo "fetch: $deb has no $member" >&2; exit 1; }
    mkdir -p "$(dirname "$bin")"
    mv "$tmp/$member" "$bin"
    rm -rf "$tmp"
    "$bin" --help >/dev/null 2>&1 || { echo "fetch: $bin does not run natively" >&2; exit 1; }
    echo "$package from $(basename "$deb") at $bin"
}

fetch busybox-static bin/busybox "$root/target/busybox/bin/busybox"
fetch bash-static bin/bash-static "$root/target/bash/bin/bash-static"
# The dynamically linked busybox (libc6:i386 only): run against the host's i386 glibc (libc6-i386).
fetch busybox bin/busybox "$root/target/busybox-dynamic/bin/busybox"
