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
//! system calls too and must report them the same ([`Case::check_diff`]); [`Case::diff_only`] adds
//! steps that only agree with replay (current dates, temporary names). The network applets of
//! busybox_net.rs are not diffed: `ip`'s netlink port id and `ping`'s echo id are the pid, inside
//! raw bytes, which `emu386 diff` neither normalises nor replays.

mod common;

use std::fmt::Write as _;

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long one busybox invocation may run.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The mtime every created entry gets unless a case says otherwise: 2001-02-03 04:05:06 UTC.
const FIXED_MTIME: i64 = 981_173_106;

/// The busybox binary under test; fails the test with instructions when it is missing.
fn busybox() -> PathBuf {
    let path = match std::env::var_os("EMU386_BUSYBOX") {
        Some(p) => PathBuf::from(p),
        None => common::workspace().join("target/busybox/bin/busybox"),
    };
    assert!(
        path.is_file(),
        "busybox not found at {}: run tests/fetch-busybox.sh (fetches Debian's busybox-static:i386 into \
         target/busybox/) or set EMU386_BUSYBOX to an i386 static busybox binary",
        path.display()
    );
    path.canonicalize().unwrap_or(path)
}

/// The emulator under test: emu386 unless `EMU386_BUSYBOX_EMULATOR` names another.
fn emulator() -> std::ffi::OsString {
    std::env::var_os("EMU386_BUSYBOX_EMULATOR").unwrap_or_else(|| common::EMU386.into())
}

enum Entry {
    File { data: Vec<u8>, mode: u32, mtime: i64 },
    Dir { mtime: i64 },
    Symlink(String),
}

enum Input {
    Bytes(Vec<u8>),
    /// The previous step's stdout (on the same side).
    Previous,
}

struct Step {
    args: Vec<String>,
    stdin: Input,
    /// Compared only under `emu386 diff`, where the native run's random bytes and clock reads
    /// are replayed: its output depends on them.
    diff_only: bool,
}

/// One busybox scenario: inputs, then invocations, then optionally the resulting tree. A case
/// built and never checked is a test that cannot fail: the type is `#[must_use]`.
#[derive(Default)]
#[must_use = "a busybox case does nothing until it is checked"]
struct Case {
    entries: Vec<(String, Entry)>,
    steps: Vec<Step>,
    tree: bool,
}

fn case() -> Case {
    Case::default()
}

impl Case {
    fn file(self, path: &str, data: impl AsRef<[u8]>) -> Self {
        self.file_with(path, data, 0o644, FIXED_MTIME)
    }

    fn file_with(mut self, path: &str, data: impl AsRef<[u8]>, mode: u32, mtime: i64) -> Self {
        self.entries.push((path.into(), Entry::File { data: data.as_ref().to_vec(), mode, mtime }));
        self
    }

    fn dir(mut self, path: &str) -> Self {
        self.entries.push((path.into(), Entry::Dir { mtime: FIXED_MTIME }));
        self
    }

    fn symlink(mut self, path: &str, target: &str) -> Self {
        self.entries.push((path.into(), Entry::Symlink(target.into())));
        self
    }

    /// `busybox ARGS…` with empty stdin.
    fn run(self, args: &[&str]) -> Self {
        self.run_with(args, b"")
    }

    /// `busybox ARGS…` with `stdin`.
    fn run_with(mut self, args: &[&str], stdin: impl AsRef<[u8]>) -> Self {
        let args = args.iter().map(|s| s.to_string()).collect();
        self.steps.push(Step { args, stdin: Input::Bytes(stdin.as_ref().to_vec()), diff_only: false });
        self
    }

    /// `busybox ARGS…` with empty stdin, compared only by `emu386 diff` (see [`Step::diff_only`]).
    fn diff_only(mut self, args: &[&str]) -> Self {
        let args = args.iter().map(|s| s.to_string()).collect();
        self.steps.push(Step { args, stdin: Input::Bytes(Vec::new()), diff_only: true });
        self
    }

    /// `busybox ARGS…` reading the previous step's stdout, like `prev | busybox ARGS…`.
    fn pipe(mut self, args: &[&str]) -> Self {
        let args = args.iter().map(|s| s.to_string()).collect();
        self.steps.push(Step { args, stdin: Input::Previous, diff_only: false });
        self
    }

    /// Also compare the directory tree (types, modes, sizes, contents, link targets) at the end.
    fn tree(mut self) -> Self {
        self.tree = true;
        self
    }

    /// Run natively and under emu386; panic with both sides of every difference.
    fn check(self) {
        let bb = busybox();
        let native = self.execute(&bb, false, false);
        let emulated = self.execute(&bb, true, false);
        let mut report = String::new();
        for (i, (n, e)) in native.runs.iter().zip(&emulated.runs).enumerate() {
            if n != e && !self.steps[i].diff_only {
                let _ = writeln!(report, "=== step {}: busybox {}", i + 1, self.steps[i].args.join(" "));
                report += &describe_difference(n, e);
            }
        }
        if self.tree && native.tree != emulated.tree {
            report += "=== directory tree afterwards differs\n";
            report += &side_by_side("tree", native.tree.as_bytes(), emulated.tree.as_bytes());
        }
        if !report.is_empty() {
            let warned = self.execute(&bb, true, true).warnings;
            if !warned.is_empty() {
                report += "=== emu386 warnings (RUST_LOG=warn):\n";
                for w in warned {
                    let _ = writeln!(report, "  {w}");
                }
            }
            panic!("busybox under emu386 disagrees with the kernel:\n{report}");
        }
        if std::env::var_os("EMU386_BUSYBOX_EMULATOR").is_none() {
            self.check_diff(&bb);
        }
    }

    /// Every step under `emu386 diff` (replay on), which must report "same": output, status and
    /// system calls. The tool runs both sides one after the other in the same directory and
    /// removes only the new top-level entries of the native run in between, so a step that changes
    /// what was there (rm, mv, chmod, touch, an archive extracted into a subdirectory) cannot be
    /// compared that way: each step runs natively first in a copy of the directory, and is diffed
    /// (in another copy of the state before it) when that left the old entries as they were.
    /// Later steps start from the native run's state, as in [`Case::check`].
    fn check_diff(&self, bb: &Path) {
        let root = tempfile::tempdir().expect("temp dir");
        let state = root.path().join("w");
        std::fs::create_dir(&state).unwrap();
        self.populate(&state);
        let mut previous = Vec::new();
        let mut report = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            let stdin = match &step.stdin {
                Input::Bytes(b) => b.clone(),
                Input::Previous => previous.clone(),
            };
            // The state before the step, for the diff.
            let before = root.path().join(format!("diff{i}"));
            let copied = Command::new("cp").arg("-a").arg(&state).arg(&before).status().expect("run cp");
            assert!(copied.success(), "cp -a {}", state.display());
            let old_entries: Vec<_> =
                std::fs::read_dir(&state).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
            let tree_before = describe_tree(&state);
            let mut cmd = common::command(bb, &state);
            cmd.args(&step.args);
            let native = run(cmd, &stdin);
            previous = native.stdout.clone();
            // The tree without the new top-level entries.
            let scratch = root.path().join("scratch");
            let _ = std::fs::remove_dir_all(&scratch);
            std::fs::create_dir(&scratch).unwrap();
            let mut kept = true;
            for name in &old_entries {
                let from = state.join(name);
                kept &= from.symlink_metadata().is_ok()
                    && Command::new("cp").arg("-a").arg(from).arg(&scratch).status().expect("run cp").success();
            }
            if !kept || describe_tree(&scratch) != tree_before {
                continue;
            }
            let Ok(ignore) = diff_exception(&step.args) else { continue };
            let mut cmd = common::command(common::EMU386, &before);
            cmd.arg("diff").args(ignore).arg(bb).args(&step.args);
            let out = run(cmd, &stdin);
            if out.status != "exit status 0" {
                let _ = writeln!(report, "=== step {}: emu386 diff busybox {}", i + 1, step.args.join(" "));
                let _ = writeln!(
                    report,
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let _ = std::fs::remove_dir_all(&before);
        }
        assert!(report.is_empty(), "emu386 diff reports busybox's runs as diverging:\n{report}");
    }

    fn execute(&self, bb: &Path, emulated: bool, log: bool) -> Execution {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("w");
        std::fs::create_dir(&dir).unwrap();
        self.populate(&dir);
        // `..` of the work directory is shown by `ls -a -l`: fix its mtime too.
        set_mtime(root.path(), FIXED_MTIME);
        let dir_text = dir.to_string_lossy().into_owned();
        let mut runs: Vec<Run> = Vec::new();
        let mut warnings = Vec::new();
        for step in &self.steps {
            let mut cmd = if emulated {
                let mut c = common::command(emulator(), &dir);
                c.arg(bb);
                c
            } else {
                common::command(bb, &dir)
            };
            cmd.args(&step.args);
            if log {
                cmd.env("RUST_LOG", "warn");
            }
            let stdin = match &step.stdin {
                Input::Bytes(b) => b.clone(),
                Input::Previous => runs.last().map(|r| r.stdout.clone()).unwrap_or_default(),
            };
            let mut r = run(cmd, &stdin);
            if log {
                for line in String::from_utf8_lossy(&r.stderr).lines() {
                    if line.contains("WARN") && !warnings.iter().any(|w: &String| w == line) {
                        warnings.push(line.to_owned());
                    }
                }
            }
            r.stdout = replace(&r.stdout, dir_text.as_bytes(), b"<dir>");
            r.stderr = replace(&r.stderr, dir_text.as_bytes(), b"<dir>");
            runs.push(r);
        }
        let tree = if self.tree { describe_tree(&dir) } else { String::new() };
        Execution { runs, tree, warnings }
    }

    fn populate(&self, dir: &Path) {
        let mut times = Vec::new();
        for (path, entry) in &self.entries {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            match entry {
                Entry::File { data, mode, mtime } => {
                    std::fs::write(&p, data).unwrap();
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
                    times.push((p, *mtime));
                }
                Entry::Dir { mtime } => {
                    std::fs::create_dir_all(&p).unwrap();
                    times.push((p, *mtime));
                }
                Entry::Symlink(target) => {
                    std::os::unix::fs::symlink(target, &p).unwrap();
                    times.push((p, FIXED_MTIME));
                }
            }
        }
        // Directories get the fixed time unless given one: after all their entries exist.
        let mut dirs: Vec<PathBuf> = walk(dir).into_iter().filter(|p| p.is_dir() && !p.is_symlink()).collect();
        dirs.push(dir.to_path_buf());
        for (p, t) in times {
            set_mtime(&p, t);
        }
        for d in dirs.into_iter().rev() {
            if !self.entries.iter().any(|(path, e)| matches!(e, Entry::Dir { .. }) && dir.join(path) == d) {
                set_mtime(&d, FIXED_MTIME);
            }
        }
    }
}

struct Execution {
    runs: Vec<Run>,
    tree: String,
    warnings: Vec<String>,
}

/// What one run showed.
type Run = common::Outcome;

/// What [`Case::check_diff`] does differently for a step, for differences `emu386 diff` reports
/// rightly that are not the emulator's to remove: options for the tool, or (`Err`) why the step is
/// not diffed.
fn diff_exception(args: &[String]) -> Result<&'static [&'static str], &'static str> {
    match args.first().map(String::as_str) {
        // Which process of a pipeline a shell reaps first (wait4(-1)) is up to the scheduler.
        Some("sh") if args.iter().any(|a| a.contains('|')) => Err("pipeline: the reaping order is scheduling"),
        // sort grows its buffer with mremap: natively the vDSO is mapped right above the first
        // mapping, so it moves; emu386 maps no vDSO and grows it in place.
        Some("sort") => Ok(&["--ignore", "mremap"]),
        _ => Ok(&[]),
    }
}

fn set_mtime(path: &Path, secs: i64) {
    use rustix::fs::{AtFlags, Timespec, Timestamps, CWD};
    let t = Timespec { tv_sec: secs, tv_nsec: 0 };
    rustix::fs::utimensat(CWD, path, &Timestamps { last_access: t, last_modification: t }, AtFlags::SYMLINK_NOFOLLOW)
        .unwrap_or_else(|e| panic!("utimensat {}: {e}", path.display()));
}

/// Every path under `dir` (not `dir` itself), sorted, not following symlinks.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A listing of the tree: type, permission bits, size and a content digest (or link target).
fn describe_tree(dir: &Path) -> String {
    let mut out = String::new();
    for p in walk(dir) {
        let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let mode = m.mode() & 0o7777;
        if m.file_type().is_symlink() {
            let target = std::fs::read_link(&p).map(|t| t.display().to_string()).unwrap_or_default();
            let _ = writeln!(out, "{rel} -> {target}");
        } else if m.is_dir() {
            let _ = writeln!(out, "{rel}/ {mode:o}");
        } else {
            let data = std::fs::read(&p).unwrap_or_default();
            let _ = writeln!(out, "{rel} {mode:o} {} bytes, fnv {:016x}", data.len(), fnv1a(&data));
        }
    }
    out
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if !from.is_empty() && haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Run `cmd` feeding it `stdin`, killed after [`TIMEOUT`].
fn run(cmd: Command, stdin: &[u8]) -> Run {
    common::run_for(cmd, stdin, TIMEOUT)
}

fn describe_difference(n: &Run, e: &Run) -> String {
    let mut out = String::new();
    if n.status != e.status {
        let _ = writeln!(out, "status: native {}, emu386 {}", n.status, e.status);
    }
    out += &side_by_side("stdout", &n.stdout, &e.stdout);
    out += &side_by_side("stderr", &n.stderr, &e.stderr);
    out
}

/// Both sides in full (bounded), then the first differing line.
fn side_by_side(what: &str, native: &[u8], emulated: &[u8]) -> String {
    if native == emulated {
        return String::new();
    }
    const LIMIT: usize = 3000;
    let show = |b: &[u8]| {
        let s: String =
            String::from_utf8_lossy(&b[..b.len().min(LIMIT)])
                .chars()
                .map(|c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
        if b.len() > LIMIT {
            format!("{s}\n… ({} bytes in all)", b.len())
        } else {
            s
        }
    };
    let mut out = format!("--- {what}, native ({} bytes):\n{}\n", native.len(), show(native));
    let _ = writeln!(out, "--- {what}, emu386 ({} bytes):\n{}", emulated.len(), show(emulated));
    let (n, e) = (String::from_utf8_lossy(native), String::from_utf8_lossy(emulated));
    if let Some((i, (a, b))) = n.lines().zip(e.lines()).enumerate().find(|(_, (a, b))| a != b) {
        let _ = writeln!(out, "--- first difference, line {}:\n  native: {a}\n  emu386: {b}", i + 1);
    }
    out
}

/// `len` bytes of deterministic pseudo-random data (xorshift32).
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Text lines that compress well but not trivially.
fn text(lines: usize) -> String {
    let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"];
    let r = noise(lines * 4, 7);
    (0..lines)
        .map(|i| {
            let w = |k: usize| words[r[i * 4 + k] as usize % words.len()];
            format!("{} {} {} {}\n", i, w(0), w(1), r[i * 4 + 3])
        })
        .collect()
}

const MIB: usize = 1 << 20;
const NUMBERS: &str = "10\n2\n33\n-4\n2\n100\n7\n";
const TABLE: &str = "carol 35 paris\nalice 30 oslo\nbob 25 rome\nalice 30 oslo\ndave 41 lima\n";

// ---- echo, printf, test, expr, seq ----

#[test]
fn echo_plain_and_n() {
    case().run(&["echo", "hello", "world"]).run(&["echo", "-n", "no newline"]).check();
}

#[test]
fn echo_e_escapes() {
    case().run(&["echo", "-e", r"tab\there\nnl \x41\0102 back\\slash \c not shown"]).check();
}

#[test]
fn printf_formats() {
    case().run(&["printf", r"%s=%d|%5.2f|%x|%o|%-4s|%c\n", "a", "42", "3.14159", "255", "8", "ab", "z"]).check();
}

#[test]
fn test_exit_status() {
    case()
        .file("f", "x")
        .dir("d")
        .run(&["test", "-f", "f"])
        .run(&["test", "-d", "f"])
        .run(&["test", "-d", "d"])
        .run(&["test", "-e", "missing"])
        .run(&["test", "3", "-lt", "10"])
        .run(&["test", "abc", "=", "abd"])
        .run(&["[", "-s", "f", "]"])
        .check();
}

#[test]
fn expr_arithmetic() {
    case()
        .run(&["expr", "6", "*", "7"])
        .run(&["expr", "length", "hello"])
        .run(&["expr", "10", "/", "0"])
        .run(&["expr", "abc123", ":", "[a-z]*"])
        .run(&["expr", "0", "+", "0"])
        .check();
}

#[test]
fn seq_ranges() {
    case().run(&["seq", "5"]).run(&["seq", "-s", ",", "2", "3", "20"]).run(&["seq", "-w", "8", "11"]).check();
}

// ---- cat, head, tail, cut, tr, uniq, wc ----

#[test]
fn cat_files_and_stdin() {
    case()
        .file("a", "first\n")
        .file("b", "second\n")
        .run(&["cat", "a", "b"])
        .run_with(&["cat", "-", "a"], "from stdin\n")
        .check();
}

#[test]
fn cat_missing_file() {
    case().file("a", "there\n").run(&["cat", "a", "nosuch", "a"]).check();
}

#[test]
fn cat_large_stdin() {
    case().run_with(&["cat"], noise(MIB, 3)).check();
}

#[test]
fn head_and_tail() {
    let t = text(100);
    case()
        .file("t", &t)
        .run(&["head", "-n", "3", "t"])
        .run(&["head", "-c", "10", "t"])
        .run(&["tail", "-n", "2", "t"])
        .run(&["tail", "-c", "7", "t"])
        .run(&["tail", "-n", "+98", "t"])
        .run_with(&["tail", "-n", "1"], t)
        .check();
}

#[test]
fn cut_fields_and_chars() {
    case().file("t", TABLE).run(&["cut", "-d", " ", "-f", "1,3", "t"]).run(&["cut", "-c", "2-4", "t"]).check();
}

#[test]
fn tr_translate_delete_squeeze() {
    case()
        .run_with(&["tr", "a-z", "A-Z"], "Hello, World\n")
        .run_with(&["tr", "-d", "lo"], "Hello, World\n")
        .run_with(&["tr", "-s", " "], "a   b    c\n")
        .check();
}

#[test]
fn uniq_counts() {
    case().run_with(&["uniq", "-c"], "a\na\nb\nc\nc\nc\na\n").run_with(&["uniq", "-d"], "a\na\nb\n").check();
}

#[test]
fn wc_counts() {
    let t = text(1000);
    case()
        .file("t", &t)
        .file("u", "one two\nthree\n")
        .run(&["wc", "-l", "-w", "-c", "t", "u"])
        .run_with(&["wc"], t)
        .check();
}

// ---- sort ----

#[test]
fn sort_numeric_reverse_unique_key() {
    case()
        .file("n", NUMBERS)
        .file("t", TABLE)
        .run(&["sort", "n"])
        .run(&["sort", "-n", "n"])
        .run(&["sort", "-r", "-n", "n"])
        .run(&["sort", "-u", "t"])
        .run(&["sort", "-k", "2,2n", "t"])
        .run(&["sort", "-t", " ", "-k", "3", "t"])
        .check();
}

#[test]
fn sort_large_input() {
    case().file("t", text(20000)).run(&["sort", "-k", "2", "t"]).check();
}

// ---- checksums ----

#[test]
fn sha256sum_1mib() {
    case().file("big", noise(MIB, 11)).run(&["sha256sum", "big"]).pipe(&["sha256sum", "-c"]).check();
}

#[test]
fn md5sum_and_sha1sum() {
    case()
        .file("big", noise(MIB, 12))
        .file("small", "abc")
        .run(&["md5sum", "big", "small"])
        .run(&["sha1sum", "big"])
        .run(&["sha512sum", "small"])
        .run_with(&["md5sum"], "stdin data")
        .check();
}

// ---- ls, stat, find, du ----

fn some_tree() -> Case {
    case()
        .file_with("b.txt", "bbbb\n", 0o600, 1_000_000_000)
        .file_with("a.txt", "a\n", 0o644, 1_100_000_000)
        .file_with("run.sh", "#!/bin/sh\necho hi\n", 0o755, 1_200_000_000)
        .file(".hidden", "secret\n")
        .file_with("sub/deep/x.c", "int x;\n", 0o640, 900_000_000)
        .file("sub/y", noise(5000, 5))
        .dir("empty")
        .symlink("link", "a.txt")
}

#[test]
fn ls_long() {
    some_tree().run(&["ls", "-l"]).run(&["ls", "-l", "-t"]).run(&["ls", "-l", "--full-time", "sub"]).check();
}

#[test]
fn ls_all_and_recursive() {
    some_tree().run(&["ls", "-a"]).run(&["ls", "-a", "-l", "-n"]).run(&["ls", "-R"]).run(&["ls", "-1", "-F"]).check();
}

#[test]
fn ls_missing() {
    some_tree().run(&["ls", "-l", "a.txt", "nosuch"]).check();
}

#[test]
fn stat_format() {
    some_tree()
        .run(&["stat", "-c", "%n %s %a %A %F %Y %U %G", "a.txt", "b.txt", "run.sh", "sub", "link"])
        .run(&["stat", "-L", "-c", "%n %F %s", "link"])
        .run(&["stat", "-c", "%n", "nosuch"])
        .check();
}

#[test]
fn find_name_type_size() {
    some_tree()
        .run(&["find", ".", "-name", "*.txt"])
        .run(&["find", ".", "-type", "d"])
        .run(&["find", ".", "-type", "l"])
        .run(&["find", ".", "-size", "+2k"])
        .run(&["find", "sub", "-type", "f", "-newer", "sub/deep/x.c"])
        .run(&["find", "nosuch"])
        .check();
}

#[test]
fn du_sizes() {
    // Block counts come from the file system; both sides create the same files the same way.
    some_tree().run(&["du", "-a", "-k", "sub"]).run(&["du", "-s", "sub"]).check();
}

// ---- archives and compression ----

#[test]
fn tar_create_list_extract() {
    some_tree()
        .run(&["tar", "-cf", "../out.tar", "."])
        .run(&["tar", "-tvf", "../out.tar"])
        .run(&["mkdir", "x"])
        .run(&["tar", "-xf", "../out.tar", "-C", "x"])
        .tree()
        .check();
}

#[test]
fn tar_gzip_filter() {
    some_tree().run(&["tar", "-czf", "../out.tgz", "sub"]).run(&["tar", "-tzf", "../out.tgz"]).check();
}

#[test]
fn gzip_gunzip_round_trip() {
    case()
        .file("t", text(5000))
        .run(&["gzip", "-9", "t"])
        .run(&["ls", "-l", "t.gz"])
        .run(&["gunzip", "t.gz"])
        .run(&["sha256sum", "t"])
        .tree()
        .check();
}

#[test]
fn gzip_stdout_sha256() {
    case().file("big", text(30000)).run(&["gzip", "-c", "big"]).pipe(&["sha256sum"]).check();
}

#[test]
fn gunzip_corrupt() {
    case().file("bad.gz", b"\x1f\x8b\x08\x00garbage").run(&["gunzip", "-c", "bad.gz"]).check();
}

#[test]
fn bzip2_and_xz() {
    case()
        .file("t", text(3000))
        .run(&["bzip2", "-k", "t"])
        .run(&["bzcat", "t.bz2"])
        .pipe(&["md5sum"])
        .run(&["xz", "-k", "t"])
        .run(&["xzcat", "t.xz"])
        .pipe(&["md5sum"])
        .tree()
        .check();
}

// ---- sed, awk, grep ----

#[test]
fn sed_substitute_and_print() {
    case()
        .file("t", TABLE)
        .run(&["sed", "s/o/0/g", "t"])
        .run(&["sed", "-n", "2,3p", "t"])
        .run(&["sed", "-n", "/alice/p", "t"])
        .run(&["sed", "-e", "1d", "-e", "s/^\\([a-z]*\\) \\([0-9]*\\)/\\2:\\1/", "t"])
        .check();
}

#[test]
fn sed_in_place() {
    case()
        .file("t", TABLE)
        .file("u", "x\n")
        .run(&["sed", "-i", "s/alice/ALICE/", "t", "u"])
        .run(&["cat", "t"])
        .tree()
        .check();
}

#[test]
fn awk_sums_printf_begin_end() {
    case()
        .file("t", TABLE)
        .run(&["awk", "{ s += $2 } END { print s, NR }", "t"])
        .run(&["awk", "BEGIN { printf \"%-6s|%5.1f|%03d\\n\", \"x\", 2.25, 7 } { printf \"%s:%s\\n\", NR, $1 } END { print \"end\" }", "t"])
        .run(&["awk", "-F", " ", "$2 > 30 { print toupper($1), length($3) }", "t"])
        .run(&["awk", "BEGIN { print sin(0), int(7/2), 2^10, substr(\"hello\", 2, 3) }"])
        .check();
}

#[test]
fn grep_variants() {
    case()
        .file("t", TABLE)
        .file("sub/u", "Alice\nnobody\n")
        .run(&["grep", "alice", "t"])
        .run(&["grep", "-i", "-c", "ALICE", "t"])
        .run(&["grep", "-v", "-n", "o", "t"])
        .run(&["grep", "-E", "^(bob|dave) ", "t"])
        .run(&["grep", "-r", "-i", "alice", "."])
        .run(&["grep", "zzz", "t"])
        .run(&["grep", "x", "nosuch"])
        .check();
}

// ---- file operations ----

#[test]
fn cp_recursive() {
    some_tree()
        .run(&["cp", "-r", "sub", "copy"])
        .run(&["cp", "a.txt", "copy/a2"])
        .run(&["cp", "nosuch", "z"])
        .tree()
        .check();
}

#[test]
fn mv_files() {
    some_tree()
        .run(&["mv", "a.txt", "moved.txt"])
        .run(&["mv", "b.txt", "sub"])
        .run(&["mv", "nosuch", "z"])
        .tree()
        .check();
}

#[test]
fn rm_recursive() {
    some_tree()
        .run(&["rm", "-r", "sub"])
        .run(&["rm", "link", "a.txt"])
        .run(&["rm", "nosuch"])
        .run(&["rm", "empty"])
        .tree()
        .check();
}

#[test]
fn mkdir_parents() {
    case()
        .file("f", "")
        .run(&["mkdir", "-p", "a/b/c"])
        .run(&["mkdir", "a"])
        .run(&["mkdir", "-m", "700", "m"])
        .run(&["mkdir", "f/x"])
        .run(&["rmdir", "a/b/c", "a/b"])
        .tree()
        .check();
}

#[test]
fn ln_and_readlink() {
    case()
        .file("target", "t\n")
        .run(&["ln", "-s", "target", "sym"])
        .run(&["ln", "-s", "dangling", "dang"])
        .run(&["ln", "target", "hard"])
        .run(&["readlink", "sym"])
        .run(&["readlink", "-f", "sym"])
        .run(&["readlink", "target"])
        .run(&["realpath", "sym"])
        .run(&["ln", "-s", "target", "sym"])
        .run(&["cat", "dang"])
        .tree()
        .check();
}

#[test]
fn touch_and_chmod() {
    case()
        .file("f", "x")
        .run(&["touch", "-d", "2010-06-01 12:00:00", "f", "new"])
        .run(&["stat", "-c", "%n %Y %s", "f", "new"])
        .run(&["chmod", "640", "f"])
        .run(&["chmod", "u+x,o-r", "new"])
        .run(&["truncate", "-s", "1000", "f"])
        .run(&["ls", "-l", "f", "new"])
        .tree()
        .check();
}

// ---- names, dates, misc ----

#[test]
fn basename_dirname() {
    case()
        .run(&["basename", "/usr/lib/libc.so.6"])
        .run(&["basename", "/a/b/file.txt", ".txt"])
        .run(&["dirname", "/usr/lib/libc.so.6"])
        .run(&["dirname", "file"])
        .run(&["dirname", "/"])
        .check();
}

#[test]
fn date_fixed() {
    case()
        .run(&["date", "-u", "-d", "@0"])
        .run(&["date", "-u", "-d", "@1234567890", "+%Y-%m-%d %H:%M:%S %j %a"])
        .run(&["date", "-u", "-d", "2020-02-29 13:14:15", "+%s"])
        .check();
}

/// The current time and temporary names: they agree only when the emulated run gets the native
/// run's clock reads and random bytes, which `emu386 diff` replays.
#[test]
fn date_now_and_mktemp_under_diff() {
    case()
        .diff_only(&["date"])
        .diff_only(&["date", "+%s %N"])
        .diff_only(&["mktemp", "-p", "."])
        .diff_only(&["mktemp", "-d", "-p", "."])
        .check();
}

#[test]
fn od_and_hexdump() {
    case()
        .file("b", noise(100, 9))
        .run(&["od", "-A", "x", "-t", "x1", "b"])
        .run(&["hexdump", "-C", "b"])
        .run(&["xxd", "-l", "32", "b"])
        .check();
}

#[test]
fn base64_round_trip() {
    case().file("b", noise(3000, 4)).run(&["base64", "b"]).pipe(&["base64", "-d"]).pipe(&["md5sum"]).check();
}

#[test]
fn diff_and_cmp() {
    case()
        .file("a", "one\ntwo\nthree\n")
        .file("b", "one\n2\nthree\nfour\n")
        .run(&["diff", "a", "a"])
        .run(&["diff", "-u", "a", "b"])
        .run(&["cmp", "a", "b"])
        .run(&["cmp", "-l", "a", "b"])
        .check();
}

#[test]
fn tac_rev_paste_nl() {
    case()
        .file("a", "1\n2\n3\n")
        .file("b", "x\ny\n")
        .run(&["tac", "a"])
        .run(&["rev", "b"])
        .run(&["paste", "a", "b"])
        .run(&["nl", "a"])
        .run_with(&["fold", "-w", "3"], "abcdefgh\n")
        .check();
}

#[test]
fn env_and_ids() {
    // The environment the emulator hands to the guest must be exactly its own.
    case().run(&["env"]).run(&["id"]).run(&["whoami"]).run(&["pwd"]).run(&["uname", "-a"]).run(&["nproc"]).check();
}

#[test]
fn true_false_sleep() {
    case().run(&["true"]).run(&["false"]).run(&["sleep", "0.05"]).run(&["sleep", "x"]).check();
}

#[test]
fn unknown_applet_and_options() {
    case().run(&["nosuchapplet"]).run(&["ls", "--nosuchoption"]).run(&["sort", "-k"]).check();
}

#[test]
fn sh_builtins() {
    case().run(&["sh", "-c", "i=0; while [ $i -lt 5 ]; do i=$((i+1)); echo n$i; done; exit 3"]).check();
}

#[test]
fn sh_pipeline_and_redirect() {
    // fork, execve of busybox itself, pipes, dup2, wait4.
    case()
        .file("t", TABLE)
        .run(&["sh", "-c", "sort t | uniq -c | sort -n > out; cat out; echo $(wc -l < out) lines; false || echo ok"])
        .tree()
        .check();
}

#[test]
fn xargs_and_find_exec() {
    case()
        .file("a", "1\n")
        .file("b", "22\n")
        .run_with(&["xargs", "wc", "-c"], "a b\n")
        .run(&["find", ".", "-type", "f", "-exec", "cat", "{}", ";"])
        .check();
}

/// `-L DIR`: an absolute path the program uses resolves under DIR when the file exists there (as
/// qemu-i386's -L), and on the host otherwise; a guest execve carries the option over.
#[test]
fn sysroot_paths_resolve_under_dash_l_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("emu386-sysroot-test")).unwrap();
    std::fs::write(root.join("emu386-sysroot-test/only-here"), "inside the sysroot\n").unwrap();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "on the host\n").unwrap();
    let run_with = |args: &[&std::ffi::OsStr]| {
        let mut cmd = common::command(emulator(), dir.path());
        cmd.args(args);
        common::run(cmd, b"")
    };
    let bb = busybox();
    // The shell's own open (a redirection), an applet run through a guest execve, a host file.
    let script = format!(
        "read line < /emu386-sysroot-test/only-here; echo \"$line\"; {bb} cat {out} /emu386-sysroot-test/only-here",
        bb = bb.display(),
        out = outside.display()
    );
    let out =
        run_with(&["-L".as_ref(), root.as_os_str(), bb.as_os_str(), "sh".as_ref(), "-c".as_ref(), script.as_ref()]);
    assert_eq!(out.status, "exit status 0", "{}", out.stderr_str());
    assert_eq!(out.stdout_str(), "inside the sysroot\non the host\ninside the sysroot\n");
    // Without -L the path is the host's, where it does not exist.
    let out = run_with(&[bb.as_os_str(), "cat".as_ref(), "/emu386-sysroot-test/only-here".as_ref()]);
    assert_eq!(out.status, "exit status 1");
}
