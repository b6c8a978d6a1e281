//! `emu386 diff`: programs from tests/diff/*.c, built with `gcc -m32 -static`, run natively and
//! emulated by the tool; its exit status and reports are checked.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const EMU: &str = env!("CARGO_BIN_EXE_emu386");

/// Build tests/diff/NAME.c once (`-m32` unless `bits` says 64) into the test target directory.
fn build(name: &str, m32: bool) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/diff").join(format!("{name}.c"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diff-{name}"));
    let mut cc = Command::new("gcc");
    if m32 {
        cc.arg("-m32");
    }
    let status = cc.args(["-static", "-O1", "-Wall", "-o"]).arg(&out).arg(&src).status().expect("run gcc");
    assert!(status.success(), "gcc failed for {}", src.display());
    out
}

fn program(name: &str) -> &'static Path {
    static AGREE: OnceLock<PathBuf> = OnceLock::new();
    static UNAME: OnceLock<PathBuf> = OnceLock::new();
    static HELLO64: OnceLock<PathBuf> = OnceLock::new();
    match name {
        "agree" => AGREE.get_or_init(|| build("agree", true)),
        "uname" => UNAME.get_or_init(|| build("uname", true)),
        "hello64" => HELLO64.get_or_init(|| build("hello64", false)),
        _ => panic!("no program {name}"),
    }
}

/// `emu386 diff ARGS...` in a fresh directory, with `stdin` as its standard input.
fn diff(args: &[&str], stdin: &[u8]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(EMU)
        .arg("diff")
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run emu386 diff");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("wait for emu386 diff")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn path(name: &str) -> &'static str {
    program(name).to_str().expect("utf-8 path")
}

#[test]
fn an_agreeing_program_exits_0() {
    // File I/O, stdin (the same bytes for both runs), a socketpair and a fork.
    let out = diff(&[path("agree")], b"some input\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("same (2 processes"), "{}", text(&out));
}

#[test]
fn another_kernel_release_diverges_at_uname() {
    let out = diff(&["--kernel-release", "9.9.9", path("uname")], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("first divergent syscall: uname "), "{}", text(&out));
    assert!(report.contains("release=\"9.9.9\""), "{}", text(&out));
    assert!(report.contains("stdout: DIFFERENT"), "{}", text(&out));
}

#[test]
fn json_report_has_the_fields() {
    let out = diff(&["--json", "--kernel-release=9.9.9", path("uname")], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["agree"], false);
    assert_eq!(report["native"]["exit"]["exit_code"], 0);
    assert_eq!(report["emulated"]["exit"]["exit_code"], 0);
    assert_eq!(report["exit_status_matched"], true);
    assert_eq!(report["stdout_matched"], false);
    assert_eq!(report["stderr_matched"], true);
    let divergence = &report["divergence"];
    assert_eq!(divergence["syscall"], "uname");
    assert_eq!(divergence["process"], 1);
    assert!(divergence["native"].as_str().is_some_and(|l| l.starts_with("uname({sysname=\"Linux\"")), "{report}");
    assert!(divergence["emulated"].as_str().is_some_and(|l| l.contains("release=\"9.9.9\"")), "{report}");
    assert!(divergence["native_context"].as_array().is_some_and(|c| !c.is_empty()), "{report}");
    assert!(divergence["emulated_context"].as_array().is_some_and(|c| !c.is_empty()), "{report}");
}

#[test]
fn ignored_calls_are_not_compared() {
    // The same release on both sides: uname agrees, and with it ignored too.
    let out = diff(&["--ignore", "uname", path("uname")], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Another release with uname ignored: what the program writes still differs, so the first
    // divergence moves on to the write.
    let out = diff(&["--json", "--ignore", "uname,getpid", "--kernel-release", "9.9.9", path("uname")], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["divergence"]["syscall"], "write", "{report}");
    // Ignoring the calls that differ leaves only the output: still a divergence (exit 1), but no
    // divergent call.
    let out = diff(&["--json", "--ignore=uname,write", "--kernel-release", "9.9.9", path("uname")], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert!(report["divergence"].is_null(), "{report}");
    assert_eq!(report["stdout_matched"], false);
}

#[test]
fn a_64_bit_program_cannot_be_compared() {
    let out = diff(&[path("hello64")], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an i386 program"), "{}", text(&out));
}

#[test]
fn bad_command_lines_exit_2() {
    assert_eq!(diff(&[], b"").status.code(), Some(2));
    assert_eq!(diff(&["--strace", path("uname")], b"").status.code(), Some(2));
    assert_eq!(diff(&["--no-such-option", path("uname")], b"").status.code(), Some(2));
}

/// Fixtures whose syscall streams differ natively and emulated only in what the tool normalises:
/// times and clock readings (select's remaining timeout, rusage, absolute deadlines), stack
/// addresses in out-arguments of failed calls, send/recv through socketcall, a call restarted
/// after a stop signal, forks and pids. The tool must call them the same.
#[test]
fn fixtures_with_normalised_differences_agree() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-fixtures");
    std::fs::create_dir_all(&out_dir).unwrap();
    let names = ["fd_lseek", "time_clocks", "time_sleep", "poll_select", "net_tcp_basic", "proc_fork_wait", "tty_ctty"];
    let mut failures = Vec::new();
    for name in names {
        let exe = out_dir.join(name);
        let status = Command::new("gcc")
            .args(["-m32", "-static", "-O1", "-Wall", "-o"])
            .arg(&exe)
            .arg(fixtures.join(format!("{name}.c")))
            .status()
            .expect("run gcc");
        assert!(status.success(), "gcc failed for {name}");
        let out = diff(&[exe.to_str().unwrap()], b"");
        if out.status.code() != Some(0) {
            failures.push(format!("{name}: {}", text(&out)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
