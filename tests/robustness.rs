//! The guest can never crash the emulator: every guest pointer, length, flag and struct is
//! untrusted. `tests/fuzz/syscall_fuzz.c` makes thousands of whitelisted system calls with nasty
//! arguments (bad pointers, buffers ending at a page end, random structs, its own fds); each seed
//! runs natively and under emu386, and emu386 must not panic, hang, or die of a signal the native
//! run did not die of, and must print "done" when the native run did.
//!
//! Replay one seed: `EMU386_FUZZ_SEED=N [EMU386_FUZZ_CALLS=M] cargo test --release --test robustness`,
//! then `emu386 syscall_fuzz N M v` prints each call on stderr before making it.

mod common;

use common::{command, run, workspace, Outcome, EMU386};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Build `tests/fuzz/NAME.c` into the target's test directory (when the source is newer).
fn build(name: &str) -> PathBuf {
    let src = workspace().join("tests/fuzz").join(format!("{name}.c"));
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz");
    std::fs::create_dir_all(&out_dir).unwrap();
    let bin = out_dir.join(name);
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if mtime(&bin).is_none_or(|b| Some(b) <= mtime(&src)) {
        let tmp = out_dir.join(format!("{name}.tmp{}", std::process::id()));
        let status = Command::new("gcc")
            .args(["-m32", "-static", "-O1", "-Wall", "-o"])
            .arg(&tmp)
            .arg(&src)
            .status()
            .expect("gcc (install gcc-multilib)");
        assert!(status.success(), "gcc failed for {}", src.display());
        std::fs::rename(&tmp, &bin).unwrap();
    }
    bin
}

/// Signals that mean the emulator itself crashed, unless the guest provoked them natively too.
const CRASH_SIGNALS: [i32; 5] = [libc::SIGABRT, libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

fn crashed(outcome: &Outcome) -> Option<i32> {
    CRASH_SIGNALS.into_iter().find(|s| outcome.status == format!("killed by signal {s}"))
}

fn timed_out(outcome: &Outcome) -> bool {
    outcome.status.starts_with("timed out")
}

/// Run `bin args` natively and under emu386 in fresh directories; the reasons emu386 failed.
fn check(bin: &Path, args: &[String]) -> Vec<String> {
    let native_dir = tempfile::tempdir().unwrap();
    let emu_dir = tempfile::tempdir().unwrap();
    let mut native = command(bin, native_dir.path());
    native.args(args);
    let mut emulated = command(EMU386, emu_dir.path());
    emulated.env("RUST_BACKTRACE", "1").arg(bin).args(args);
    let n = run(native, b"");
    let e = run(emulated, b"");
    let mut problems = Vec::new();
    let stderr = e.stderr_str();
    if stderr.contains("panicked") || e.status == "exit status 101" {
        problems.push(format!("emu386 panicked ({}):\n{stderr}", e.status));
    }
    if timed_out(&e) && !timed_out(&n) {
        problems.push(format!("emu386 hung (native: {})", n.status));
    }
    if let Some(sig) = crashed(&e) {
        if crashed(&n) != Some(sig) {
            problems.push(format!("emu386 was killed by signal {sig}; natively: {}", n.status));
        }
    }
    let done = |o: &Outcome| o.stdout_str().contains("done ");
    if done(&n) && !done(&e) && problems.is_empty() {
        problems.push(format!("no \"done\" under emu386 ({}), natively {}; stderr: {stderr}", e.status, n.status));
    }
    problems
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

#[test]
fn random_syscalls_never_crash_the_emulator() {
    let bin = build("syscall_fuzz");
    let calls = env_number("EMU386_FUZZ_CALLS").unwrap_or(3000);
    let seeds: Vec<u64> = match env_number("EMU386_FUZZ_SEED") {
        Some(seed) => vec![seed],
        None => (1..=16).collect(),
    };
    // Two at a time: this is a two-core machine, and each seed runs natively and emulated.
    let failures: Vec<String> = seeds
        .chunks(2)
        .flat_map(|pair| {
            let handles: Vec<_> = pair
                .iter()
                .map(|&seed| {
                    let bin = bin.clone();
                    std::thread::spawn(move || (seed, check(&bin, &[seed.to_string(), calls.to_string()])))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>()
        })
        .filter(|(_, problems)| !problems.is_empty())
        .map(|(seed, problems)| {
            format!(
                "seed {seed} (replay: EMU386_FUZZ_SEED={seed} EMU386_FUZZ_CALLS={calls}; \
                 `emu386 {} {seed} {calls} v` shows each call):\n  {}",
                bin.display(),
                problems.join("\n  ")
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Asynchronous signals (a 2 ms interval timer) while the guest copies with `rep movsl` and
/// compares with glibc's SSE4 memcmp: natively "bad 0". This used to die of SIGSEGV under emu386:
/// after EIP had been written in the interrupt hook (a handler frame, a sigreturn), Unicorn's next
/// asynchronous stop left EIP stale, so the frame resumed mid-function registers at a function's
/// entry or a return address (see `signal::set_eip`). bash-static met it reading a large command
/// substitution while SIGCHLD arrived.
#[test]
fn asynchronous_signals_during_string_copies() {
    let bin = build("async_rep");
    let problems = check(&bin, &[]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
