//! Debian's static i386 busybox, run natively and under emu386: for every case the same inputs (files
//! created in a fresh directory, the same stdin) must give the same stdout, stderr and exit status on
//! both sides, step after step, and — where a case asks for it — the same directory tree afterwards.
//!
//! The binary comes from `tests/fetch-busybox.sh` (target/busybox/bin/busybox) or from the path in
//! `EMU386_BUSYBOX`. Outputs mention the case's directory as `<dir>`, so absolute paths compare too.
//! When a case disagrees, it is run once more under emu386 with `RUST_LOG=warn` and the emulator's
//! warnings (unsupported syscalls) are shown with the differences.
//!
//! `EMU386_BUSYBOX_EMULATOR` replaces emu386 by another runner: `qemu-i386` to see how qemu fares,
//! `env` to run both sides natively (a case that fails then is nondeterministic, not an emulator bug).
//!
//! With emu386 every case's steps also go through `emu386 diff` (replay on), which compares the
//! system calls too and must report them the same ([`case::Case::check_diff`]); [`case::Case::diff_only`] adds
//! steps that only agree with replay (current dates, temporary names). The network applets of
//! busybox_net.rs are not diffed: `ip`'s netlink port id and `ping`'s echo id are the pid, inside
//! raw bytes, which `emu386 diff` neither normalises nor replays.
//!
//! The harness is [`case`] (with [`tree`], [`report`] and the shared [`inputs`]); the cases are grouped
//! by what they exercise: [`text`], [`files`], [`archives`], [`system`] and [`shell`].

#[path = "../common/mod.rs"]
mod common;

mod case;
mod inputs;
mod report;
mod tree;

mod archives;
mod files;
mod shell;
mod system;
mod text;
