#!/usr/bin/env bash
# Build the source of emu386's CPU engine: the published unicorn-engine-sys crate with our patch
# series applied (see PATCHES.md beside this script).
#
# Usage: emu/unicorn/prepare.sh [--force]
#
# Gets unicorn-engine-sys =$VERSION through cargo from the package registry (a throw-away manifest
# under target/unicorn/fetch, so the workspace's own [patch.crates-io] entry, which points at the
# result, is not needed yet), unpacks the .crate archive into target/unicorn/unicorn-engine-sys, and
# applies each patch named in `series`, in order, with git: the directory becomes a git repository
# whose first commit is the crate as published and whose later commits are our patches, one each.
# To change a patch, edit that tree, commit, and export again with
#   git -C target/unicorn/unicorn-engine-sys format-patch --no-numbered --zero-commit -N --keep-subject -o /tmp/p upstream
# (then move the files over the ones here and keep their DEP-3 headers).
#
# Idempotent: a stamp file (target/unicorn/series.stamp) records a hash of the series, the patches
# and this script; when they are unchanged nothing is done, otherwise the tree is rebuilt from the
# archive. --force rebuilds.
# To move to a newer Unicorn: change VERSION, run with --force, fix what does not apply.
set -euo pipefail

VERSION=2.1.5
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/target/unicorn
tree=$work/unicorn-engine-sys
export PATH="$HOME/.cargo/bin:$PATH"

force=0
[ "${1:-}" = --force ] && force=1

stamp() {
    { echo "$VERSION"; cat "$here/prepare.sh" "$here/series"; while read -r p; do
        case $p in ''|'#'*) continue ;; esac
        cat "$here/$p"
    done <"$here/series"; } | sha256sum | cut -d' ' -f1
}
want=$(stamp)
if [ "$force" = 0 ] && [ -d "$tree" ] && [ -f "$work/series.stamp" ] && [ "$(cat "$work/series.stamp")" = "$want" ]; then
    exit 0
fi

# 1. The published crate, through cargo (it verifies the registry's checksum).
mkdir -p "$work/fetch/src"
cat >"$work/fetch/Cargo.toml" <<EOF
# Written by emu/unicorn/prepare.sh: only here to make cargo download unicorn-engine-sys =$VERSION.
[package]
name = "emu386-unicorn-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
unicorn-engine-sys = { version = "=$VERSION", default-features = false }

[workspace]
EOF
: >"$work/fetch/src/lib.rs"
cargo fetch --quiet --manifest-path "$work/fetch/Cargo.toml"
cargo_home=${CARGO_HOME:-$HOME/.cargo}
archive=$(ls "$cargo_home"/registry/cache/*/"unicorn-engine-sys-$VERSION.crate" 2>/dev/null | head -n 1 || true)
[ -n "$archive" ] || { echo "prepare.sh: cargo fetched no unicorn-engine-sys-$VERSION.crate" >&2; exit 1; }

# 2. Unpack it as the first commit of a fresh repository.
rm -rf "$tree" "$tree.new" "$work/series.stamp"
mkdir -p "$tree.new"
tar -xzf "$archive" -C "$tree.new" --strip-components=1
git_() { git -C "$tree.new" -c user.name=emu386 -c user.email=emu386@localhost -c commit.gpgsign=false "$@"; }
git_ init --quiet
git_ add --all --force
git_ commit --quiet --no-verify -m "unicorn-engine-sys $VERSION as published"
git_ tag upstream

# 3. The series, one commit per patch.
while read -r p; do
    case $p in ''|'#'*) continue ;; esac
    if ! git_ apply --whitespace=nowarn "$here/$p"; then
        echo "prepare.sh: $p does not apply to unicorn-engine-sys $VERSION" >&2
        exit 1
    fi
    git_ add --all --force
    git_ commit --quiet --no-verify -m "$p"
done <"$here/series"

# Every file newer than any earlier build's outputs: cargo and cmake then rebuild from this tree
# even where a patch was dropped and a file went back to the archive's older time.
find "$tree.new" -path "$tree.new/.git" -prune -o -type f -exec touch {} +
mv "$tree.new" "$tree"
echo "$want" >"$work/series.stamp"
echo "prepare.sh: unicorn-engine-sys $VERSION with $(grep -cvE '^(#|$)' "$here/series") patches at $tree"
