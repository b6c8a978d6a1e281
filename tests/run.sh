#!/usr/bin/env bash
# Run every test: unit tests, the differential fixture tests (each fixture natively and under
# emu386), the CLI tests and the busybox applets. Needs tests/setup.sh to have run once.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash emu/unicorn/prepare.sh
cargo build --release
cargo test --release --workspace --no-fail-fast
