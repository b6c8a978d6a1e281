#!/usr/bin/env bash
# Build an i386 sysroot from Debian's packages for the tests of real dynamically linked programs
# (tests/sysroot.rs): each package named below with its i386 dependencies (Depends and
# Pre-Depends, recursively, without Recommends), fetched with `apt-get download` and unpacked
# with `dpkg -x` into target/sysroot. This is also how a user makes a sysroot for `emu386 -L`.
#
# Usage: tests/fetch-sysroot.sh [PACKAGE...]   (default: the programs the tests run)
#        EMU386_SYSROOT_DIR=DIR tests/fetch-sysroot.sh PACKAGE...   (another sysroot at DIR, relative to
#        the workspace; its .debs beside it: target/servers holds the servers of tests/private_net.rs)
#
# Idempotent: does nothing when target/sysroot/.packages lists the same packages. Needs dpkg and
# apt-get (Debian) and the i386 architecture (added when missing, which needs root).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sysroot=${EMU386_SYSROOT_DIR:-$root/target/sysroot}
case $sysroot in /*) ;; *) sysroot=$root/$sysroot ;; esac
debs=$root/target/debs/sysroot
[ "$sysroot" = "$root/target/sysroot" ] || debs=$sysroot.debs
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(wget python3.11-minimal openssh-client lighttpd)

want=$(printf '%s\n' "${packages[@]}" | sort)
if [ -f "$sysroot/.packages" ] && [ "$(cat "$sysroot/.packages")" = "$want" ]; then
    echo "sysroot already at $sysroot"
    exit 0
fi
for tool in dpkg dpkg-deb apt-get apt-cache; do
    command -v "$tool" >/dev/null || { echo "fetch-sysroot: $tool not found (a Debian host is needed)" >&2; exit 1; }
done
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    dpkg --add-architecture i386
fi
if ! apt-cache show "${packages[0]}:i386" >/dev/null 2>&1; then
    apt-get update || echo "fetch-sysroot: apt-get update reported errors; trying anyway" >&2
fi

# The i386 closure: what apt-cache lists as i386 (":i386"), plus architecture-independent
# packages the programs need at run time (their data, e.g. Python's standard library modules).
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${packages[@]/%/:i386}" | grep -E '^[a-z0-9][^ ]*:i386$' | sort -u)
mkdir -p "$debs"
(cd "$debs" && apt-get download $closure) || { echo "fetch-sysroot: apt-get download failed" >&2; exit 1; }

rm -rf "$sysroot.new"
mkdir -p "$sysroot.new"
for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$sysroot.new"
done
echo "$want" >"$sysroot.new/.packages"
rm -rf "$sysroot"
mv "$sysroot.new" "$sysroot"
echo "sysroot at $sysroot: $(echo "$closure" | wc -l) packages for ${packages[*]}"
