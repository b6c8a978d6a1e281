#!/usr/bin/env bash
# Run the tests. Needs tests/setup.sh to have run once.
#
#   bash tests/run.sh          the full tier (what CI runs): unit tests, the differential fixture
#                              tests (each fixture natively and under emu386, static and dynamic,
#                              and static again with direct guest addressing off), the CLI, ELF
#                              parity, diff, suite, strace and gdb tools, busybox applets and
#                              servers (static and Debian's dynamic busybox; the applets once more
#                              with direct guest addressing off), and real programs in the sysroot
#   bash tests/run.sh --fast   the fast tier, for the edit-build-test loop (a few minutes): the unit
#                              tests of every crate and the fixture tests (all three runs of each)
#
# Direct guest addressing (emu/src/direct.rs) is on by default; `EMU386_DIRECT=0` turns it off
# and every guest access goes through the engine's soft MMU, as under the gdb stub. The tests
# pass `EMU386_DIRECT` on to the programs they run, so `EMU386_DIRECT=0 bash tests/run.sh` runs
# the whole tier in that mode.
#
# Tests that need what this machine cannot give (strace, gdb, private namespaces) are reported
# as ignored with the reason (emu/build.rs probes for them); any other test that cannot run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash emu/unicorn/prepare.sh
cargo build --release
if [ "${1:-}" = "--fast" ]; then
    cargo test --release --workspace --lib --bins --no-fail-fast
    cargo test --release --test fixtures --no-fail-fast
    exit 0
fi
cargo test --release --workspace --no-fail-fast
# The busybox applet tests again with Debian's dynamically linked busybox (tests/fetch-busybox.sh),
# loaded through the host's i386 ld-linux.so.2 and glibc, natively and under emu386. (Its telnetd
# and other network applets are built differently: tests/busybox_net.rs keeps the static one.)
EMU386_BUSYBOX="$PWD/target/busybox-dynamic/bin/busybox" cargo test --release --test busybox
# And the static busybox's applets with direct guest addressing off (the fixtures' soft_mmu::
# tests do the same for every fixture), so that the soft MMU, which the gdb stub needs, stays right.
EMU386_DIRECT=0 cargo test --release --test busybox
