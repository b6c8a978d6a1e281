//! The [`Case`] builder: inputs, busybox invocations and the resulting tree, run natively and
//! under emu386 (and under `emu386 diff`) and compared.

use std::fmt::Write as _;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common;
use crate::report::{describe_difference, side_by_side};
use crate::tree::{describe_tree, set_mtime, walk};

/// How long one busybox invocation may run.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The mtime every created entry gets unless a case says otherwise: 2001-02-03 04:05:06 UTC.
pub(crate) const FIXED_MTIME: i64 = 981_173_106;

/// The busybox binary under test; fails the test with instructions when it is missing.
pub(crate) fn busybox() -> PathBuf {
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
pub(crate) fn emulator() -> std::ffi::OsString {
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
pub(crate) struct Case {
    entries: Vec<(String, Entry)>,
    steps: Vec<Step>,
    tree: bool,
}

pub(crate) fn case() -> Case {
    Case::default()
}

impl Case {
    pub(crate) fn file(self, path: &str, data: impl AsRef<[u8]>) -> Self {
        self.file_with(path, data, 0o644, FIXED_MTIME)
    }

    pub(crate) fn file_with(mut self, path: &str, data: impl AsRef<[u8]>, mode: u32, mtime: i64) -> Self {
        self.entries.push((path.into(), Entry::File { data: data.as_ref().to_vec(), mode, mtime }));
        self
    }

    pub(crate) fn dir(mut self, path: &str) -> Self {
        self.entries.push((path.into(), Entry::Dir { mtime: FIXED_MTIME }));
        self
    }

    pub(crate) fn symlink(mut self, path: &str, target: &str) -> Self {
        self.entries.push((path.into(), Entry::Symlink(target.into())));
        self
    }

    /// `busybox ARGS…` with empty stdin.
    pub(crate) fn run(self, args: &[&str]) -> Self {
        self.run_with(args, b"")
    }

    /// `busybox ARGS…` with `stdin`.
    pub(crate) fn run_with(mut self, args: &[&str], stdin: impl AsRef<[u8]>) -> Self {
        let args = args.iter().map(|s| s.to_string()).collect();
        self.steps.push(Step { args, stdin: Input::Bytes(stdin.as_ref().to_vec()), diff_only: false });
        self
    }

    /// `busybox ARGS…` with empty stdin, compared only by `emu386 diff` (see [`Step::diff_only`]).
    pub(crate) fn diff_only(mut self, args: &[&str]) -> Self {
        let args = args.iter().map(|s| s.to_string()).collect();
        self.steps.push(Step { args, stdin: Input::Bytes(Vec::new()), diff_only: true });
        self
    }

    /// `busybox ARGS…` reading the previous step's stdout, like `prev | busybox ARGS…`.
    pub(crate) fn pipe(mut self, args: &[&str]) -> Self {
        let args = args.iter().map(|s| s.to_string()).collect();
        self.steps.push(Step { args, stdin: Input::Previous, diff_only: false });
        self
    }

    /// Also compare the directory tree (types, modes, sizes, contents, link targets) at the end.
    pub(crate) fn tree(mut self) -> Self {
        self.tree = true;
        self
    }

    /// Run natively and under emu386; panic with both sides of every difference.
    pub(crate) fn check(self) {
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
pub(crate) type Run = common::Outcome;

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
