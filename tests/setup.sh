#!/usr/bin/env bash
# Install what emu386 needs on Debian 12 (run as root), build it, and build the bundled fixtures'
# first program. Idempotent: re-running skips what is there.
#   gcc-multilib      i386 fixtures (gcc -m32 -static) and their native runs
#   cmake libclang-dev  building Unicorn (unicorn-engine-sys with our patches: emu/unicorn/prepare.sh)
#   qemu-user time wrk  the benchmark (tests/bench/run.sh): qemu-i386 to compare with, a load generator
#   strace gdb        the diff engine's and strace snapshots' reference, the gdb stub test
#   busybox-static:i386 real programs for the busybox tests (tests/fetch-busybox.sh)
#   target/sysroot    Debian's i386 wget, python3.11-minimal, openssh-client, lighttpd and libraries
#                     (tests/fetch-sysroot.sh) for the tests of real dynamic programs
#   target/servers    Debian's i386 vsftpd, tftpd-hpa and dnsmasq and their libraries (the same
#                     script), servers for the busybox clients in tests/private_net.rs
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need=()
for pkg in gcc-multilib cmake libclang-dev qemu-user time wrk curl ca-certificates strace gdb; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    # A mirror that is mid-sync makes `apt-get update` report errors for one index; the packages we
    # need still resolve, so carry on and let apt-get install decide.
    apt-get update || true
    apt-get install -y "${need[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
fi

bash tests/fetch-busybox.sh
bash tests/fetch-sysroot.sh
EMU386_SYSROOT_DIR=target/servers bash tests/fetch-sysroot.sh vsftpd tftpd-hpa dnsmasq-base
bash emu/unicorn/prepare.sh
cargo build --release
mkdir -p target/fixtures
gcc -m32 -static -O1 -o target/fixtures/hello fixtures/hello.c
gcc -m32 -O1 -o target/fixtures/hello-dyn fixtures/hello.c
echo "setup done: target/release/emu386 is built"
