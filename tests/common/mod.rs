//! Shared by the integration tests: building fixtures and running programs natively and under
//! emu386 with the same inputs, bounded in time.

#![allow(dead_code)]

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The emulator under test.
pub const EMU386: &str = env!("CARGO_BIN_EXE_emu386");

/// How long any one program may run.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What a run showed the outside world.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// "exit status N" or "killed by signal N".
    pub status: String,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Outcome {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => format!("{status:?}"),
    }
}

/// Run `cmd` with `stdin` bytes, capturing output, killing it after [`TIMEOUT`].
pub fn run(cmd: Command, stdin: &[u8]) -> Outcome {
    run_for(cmd, stdin, TIMEOUT)
}

/// Run `cmd` with `stdin` bytes, capturing output, killing it after `timeout`.
pub fn run_for(mut cmd: Command, stdin: &[u8], timeout: Duration) -> Outcome {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = std::io::Write::write_all(&mut input, &stdin);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break describe(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break format!("timed out after {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    Outcome { status, stdout: out_reader.join().unwrap(), stderr: err_reader.join().unwrap() }
}

/// The environment variable that turns direct guest addressing off (emu/src/direct.rs).
pub const DIRECT: &str = "EMU386_DIRECT";

/// A command with a fixed, small environment in `dir`. `EMU386_DIRECT` passes through when the
/// tests run with it (`EMU386_DIRECT=0 cargo test` runs every test with the soft MMU), to native
/// and emulated runs alike, so that both show the program the same environment.
pub fn command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir).env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin").env("LANG", "C").env("TZ", "UTC");
    if let Some(mode) = std::env::var_os(DIRECT) {
        cmd.env(DIRECT, mode);
    }
    cmd
}

/// A fixture's directives: `// cflags: …` and `// args: …` comment lines.
fn directive(source: &str, key: &str) -> Vec<String> {
    let prefix = format!("// {key}:");
    source
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&prefix))
        .flat_map(|rest| rest.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// How a fixture is linked: statically (static-pie where its `// cflags:` say so), or as a plain
/// `gcc -m32` build links, dynamically against the host's i386 glibc (a PIE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linking {
    Static,
    Dynamic,
}

/// Build `fixtures/NAME.c` statically (when the source or common.h is newer than the binary).
pub fn build_fixture(name: &str) -> (PathBuf, Vec<String>) {
    build_fixture_as(name, Linking::Static)
}

/// Build `fixtures/NAME.c` linked as `linking` says (when the source or a header in fixtures/ is
/// newer).
pub fn build_fixture_as(name: &str, linking: Linking) -> (PathBuf, Vec<String>) {
    let src = workspace().join("fixtures").join(format!("{name}.c"));
    let source = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures");
    std::fs::create_dir_all(&out_dir).unwrap();
    let bin = out_dir.join(match linking {
        Linking::Static => name.to_owned(),
        Linking::Dynamic => format!("{name}.dyn"),
    });
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let headers: Vec<PathBuf> = std::fs::read_dir(workspace().join("fixtures"))
        .map(|dir| {
            dir.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "h")).collect()
        })
        .unwrap_or_default();
    let fresh = mtime(&bin).is_some_and(|b| Some(b) > mtime(&src) && headers.iter().all(|h| Some(b) > mtime(h)));
    if !fresh {
        // Tests run in parallel threads: each build gets its own temporary name; the rename is atomic.
        static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = out_dir.join(format!("{name}.tmp{}.{n}", std::process::id()));
        let cflags = directive(&source, "cflags");
        // -static-pie replaces -static (the two together do not link); a dynamic build has neither.
        let link = match linking {
            Linking::Dynamic => "-pie",
            Linking::Static if cflags.iter().any(|f| f == "-static-pie") => "-static-pie",
            Linking::Static => "-static",
        };
        let status = Command::new("gcc")
            .args(["-m32", link, "-O1", "-Wall", "-o"])
            .arg(&tmp)
            .arg(&src)
            .args(cflags.iter().filter(|f| *f != "-static-pie"))
            .status()
            .expect("gcc (install gcc-multilib)");
        assert!(status.success(), "gcc failed for {name}");
        std::fs::rename(&tmp, &bin).unwrap();
    }
    (bin, directive(&source, "args"))
}

fn show_diff(what: &str, native: &[u8], emulated: &[u8]) -> String {
    if native == emulated {
        return String::new();
    }
    let n = String::from_utf8_lossy(native);
    let e = String::from_utf8_lossy(emulated);
    let mut out = format!("--- {what} differs (native | emu386) ---\n");
    let (nl, el): (Vec<_>, Vec<_>) = (n.lines().collect(), e.lines().collect());
    let mut shown = 0;
    for i in 0..nl.len().max(el.len()) {
        let (a, b) = (nl.get(i).copied(), el.get(i).copied());
        if a != b && shown < 40 {
            out +=
                &format!("line {}:\n  native: {}\n  emu386: {}\n", i + 1, a.unwrap_or("<none>"), b.unwrap_or("<none>"));
            shown += 1;
        }
    }
    out
}

/// Run `program args` natively and under emu386, each in a fresh directory, and fail the test
/// with the differences unless status, stdout and stderr agree; a native run that times out fails
/// the test by itself.
pub fn check_same(program: &Path, args: &[String], stdin: &[u8]) -> Outcome {
    check_same_with(program, args, stdin, &[])
}

/// [`check_same`] with `env` added to both runs' environments (emu386 passes its environment on
/// to the program, so both see the same).
pub fn check_same_with(program: &Path, args: &[String], stdin: &[u8], env: &[(&str, &str)]) -> Outcome {
    let native_dir = tempfile::tempdir().unwrap();
    let emu_dir = tempfile::tempdir().unwrap();
    let mut native = command(program, native_dir.path());
    native.args(args).envs(env.iter().copied());
    let mut emulated = command(EMU386, emu_dir.path());
    emulated.arg(program).args(args).envs(env.iter().copied());
    check_commands(&format!("{} {args:?}", program.display()), native, emulated, stdin)
}

/// Run the `native` and `emulated` commands (each with `stdin`) and fail the test with the
/// differences unless status, stdout and stderr agree; a native run that times out fails the test
/// by itself. `label` names the program in messages.
pub fn check_commands(label: &str, native: Command, emulated: Command, stdin: &[u8]) -> Outcome {
    let n = run(native, stdin);
    // A program that hangs natively is a broken test, not a behaviour to agree with: both runs
    // timing out would otherwise compare equal.
    assert!(!n.status.starts_with("timed out"), "{label} {} natively: fix the test", n.status);
    let e = run(emulated, stdin);
    let mut report = String::new();
    if n.status != e.status {
        report += &format!("--- status differs: native {}, emu386 {}\n", n.status, e.status);
    }
    report += &show_diff("stdout", &n.stdout, &e.stdout);
    report += &show_diff("stderr", &n.stderr, &e.stderr);
    assert!(report.is_empty(), "{label} disagrees with the kernel:\n{report}");
    n
}

/// Build fixture NAME and check it against the kernel.
pub fn check_fixture(name: &str, linking: Linking) {
    let (bin, args) = build_fixture_as(name, linking);
    check_same(&bin, &args, b"");
}

/// Build fixture NAME statically and check it against the kernel with direct guest addressing
/// off (`EMU386_DIRECT=0`: every guest access through the engine's soft MMU), whatever the
/// tests' own environment says.
pub fn check_fixture_soft_mmu(name: &str) {
    let (bin, args) = build_fixture_as(name, Linking::Static);
    check_same_with(&bin, &args, b"", &[(DIRECT, "0")]);
}
