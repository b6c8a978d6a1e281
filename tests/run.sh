#!/usr/bin/env bash
# Run every test: unit tests, the differential fixture tests (each fixture natively and under
# emu386), the CLI tests and the busybox applets. Needs tests/setup.sh to have run once.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash emu/unicorn/prepare.sh
cargo build --release
cargo test --release --workspace --no-fail-fast
# The busybox applet tests again with Debian's dynamically linked busybox (tests/fetch-busybox.sh),
# loaded through the host's i386 ld-linux.so.2 and glibc, natively and under emu386. (Its telnetd
# and other network applets are built differently: tests/busybox_net.rs keeps the static one.)
EMU386_BUSYBOX="$PWD/target/busybox-dynamic/bin/busybox" cargo test --release --test busybox
