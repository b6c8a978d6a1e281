#!/usr/bin/env bash
# Fetch Debian's busybox-static:i386 for the busybox differential test (tests/busybox.rs).
#
# Usage: tests/fetch-busybox.sh
#
# Puts the binary at target/busybox/bin/busybox (relative to the workspace root), which is where
# `cargo test --release --test busybox` looks unless EMU386_BUSYBOX names another binary.
# Idempotent: does nothing when a working binary is already there. Needs dpkg and apt-get (Debian);
# adding the i386 architecture and `apt-get update` need root. A failing `apt-get update` (e.g. one
# unreachable security mirror) is tolerated; a failing download is not. Exits non-zero on failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/target/busybox
bin=$dest/bin/busybox

if [ -x "$bin" ] && "$bin" true 2>/dev/null; then
    echo "busybox already at $bin"
    exit 0
fi

for tool in dpkg dpkg-deb apt-get; do
    command -v "$tool" >/dev/null || { echo "fetch-busybox: $tool not found (a Debian host is needed)" >&2; exit 1; }
done

if ! dpkg --print-foreign-architectures | grep -qx i386; then
    dpkg --add-architecture i386 || { echo "fetch-busybox: cannot add the i386 architecture (run as root)" >&2; exit 1; }
fi

debs=$root/target/busybox-deb
mkdir -p "$debs"
deb=$(ls "$debs"/busybox-static_*_i386.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
    # `apt-get download` needs the i386 package lists; refresh them (partial failures are fine).
    if ! apt-cache show busybox-static:i386 >/dev/null 2>&1; then
        apt-get update || echo "fetch-busybox: apt-get update reported errors; trying the download anyway" >&2
    fi
    (cd "$debs" && apt-get download busybox-static:i386) || {
        apt-get update || true
        (cd "$debs" && apt-get download busybox-static:i386)
    } || { echo "fetch-busybox: apt-get download busybox-static:i386 failed" >&2; exit 1; }
    deb=$(ls "$debs"/busybox-static_*_i386.deb | head -n 1)
fi

tmp=$(mktemp -d "$root/target/busybox.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
[ -x "$tmp/bin/busybox" ] || { echo "fetch-busybox: $deb has no bin/busybox" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest/bin"
mv "$tmp/bin/busybox" "$bin"
"$bin" true || { echo "fetch-busybox: $bin does not run natively" >&2; exit 1; }
echo "busybox from $(basename "$deb") at $bin"
