#!/usr/bin/env bash
# Build a release of emu386 into target/dist/: the binary, its man page (emu386.1) and shell
# completions (bash, zsh, fish), the last two generated from the command-line definitions.
#
# Usage: emu/release.sh   (after tests/setup.sh, which prepares the patched CPU engine)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
bash emu/unicorn/prepare.sh
cargo build --release
dist=target/dist
mkdir -p "$dist/completions"
cp target/release/emu386 "$dist/"
target/release/emu386 manpage >"$dist/emu386.1"
target/release/emu386 completions bash >"$dist/completions/emu386.bash"
target/release/emu386 completions zsh >"$dist/completions/_emu386"
target/release/emu386 completions fish >"$dist/completions/emu386.fish"
echo "release in $dist: emu386, emu386.1, completions/ (bash, zsh, fish)"
echo "the binary links Unicorn (GPL-2.0): see the README's licence section before redistributing it"
