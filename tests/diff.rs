//! `emu386 diff`: programs from tests/diff/*.c, built with `gcc -m32 -static`, run natively and
//! emulated by the tool; its exit status and reports are checked.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

const EMU: &str = env!("CARGO_BIN_EXE_emu386");

/// Build tests/diff/NAME.c (`-m32` unless `m32` is false; statically unless `dynamic`) into the
/// test target directory.
fn build_linked(name: &str, m32: bool, dynamic: bool) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/diff").join(format!("{name}.c"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diff-{name}{}", if dynamic { "-dyn" } else { "" }));
    let mut cc = Command::new("gcc");
    if m32 {
        cc.arg("-m32");
    }
    if !dynamic {
        cc.arg("-static");
    }
    let status = cc.args(["-O1", "-Wall", "-pthread", "-o"]).arg(&out).arg(&src).status().expect("run gcc");
    assert!(status.success(), "gcc failed for {}", src.display());
    out
}

fn build(name: &str, m32: bool) -> PathBuf {
    build_linked(name, m32, false)
}

/// tests/diff/NAME.c built once per linking.
fn replay_program(name: &str, dynamic: bool) -> String {
    static BUILT: Mutex<Vec<(String, bool, String)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, _, path)) = built.iter().find(|(n, d, _)| n == name && *d == dynamic) {
        return path.clone();
    }
    let path = build_linked(name, true, dynamic).to_str().expect("utf-8 path").to_string();
    built.push((name.to_string(), dynamic, path.clone()));
    path
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
        // With replay (the native run has no vDSO, its clock reads are compared) and without.
        for mode in [None, Some("--no-replay")] {
            let out = diff(&mode.into_iter().chain([exe.to_str().unwrap()]).collect::<Vec<_>>(), b"");
            if out.status.code() != Some(0) {
                failures.push(format!("{name} {mode:?}: {}", text(&out)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The replay fixtures: with replay (the default) each agrees, and says what it replayed; with
/// `--no-replay` each diverges, in its output, since what it prints depends on the values.
fn replay_case(name: &str, dynamic: bool, kinds: &[&str]) {
    let program = replay_program(name, dynamic);
    // Whether pthread_join waits in futex depends on whether the thread has ended (scheduling).
    let out = diff(&["--json", "--ignore", "futex", &program], b"");
    assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["agree"], true, "{report}");
    let replay = &report["replay"];
    assert_eq!(replay["stopped"], serde_json::json!([]), "{report}");
    for kind in kinds {
        let k = &replay["kinds"][kind];
        assert!(k["recorded"].as_u64().is_some_and(|n| n > 0), "{name}: nothing recorded for {kind}: {report}");
        assert_eq!(k["recorded"], k["replayed"], "{name}: {kind}: {report}");
    }
    let out = diff(&["--no-replay", "--ignore", "futex", &program], b"");
    assert_eq!(out.status.code(), Some(1), "{name} --no-replay: {}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("stdout: DIFFERENT"), "{name} --no-replay: {}", text(&out));
    assert!(report.contains("replay: off"), "{name} --no-replay: {}", text(&out));
}

#[test]
fn replay_makes_temporary_names_agree() {
    // mkstemp and mkdtemp names come from the clock and a stack address; tmpfile uses O_TMPFILE.
    replay_case("replay_tmpfile", false, &["clock", "AT_RANDOM"]);
    replay_case("replay_tmpfile", true, &["clock", "rdtsc"]);
}

#[test]
fn temporary_files_left_elsewhere_are_removed_between_the_runs() {
    // The native run's mkstemp file and mkdtemp directory outside the current directory would be
    // there when the emulated run, replaying the same names, creates them (EEXIST).
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let program = replay_program("replay_tmpfile", false);
    let out = diff(&["--ignore", "futex", &program, elsewhere.path().to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The emulated run's are left, as the program left them.
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 2);
}

#[test]
fn replay_makes_a_random_hash_seed_agree() {
    replay_case("replay_hash", false, &["getrandom"]);
}

#[test]
fn replay_makes_at_random_agree() {
    replay_case("replay_auxv", false, &["AT_RANDOM"]);
}

#[test]
fn replay_makes_clock_and_tsc_readings_agree() {
    replay_case("replay_clock", false, &["clock", "rdtsc"]);
    replay_case("replay_clock", true, &["clock", "rdtsc"]);
    // With replay the time calls are compared, exactly.
    let out = diff(&["--json", &replay_program("replay_clock", false)], b"");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["ignored"]["always"], serde_json::json!([]), "{report}");
}

#[test]
fn replay_follows_children_threads_and_execve() {
    // Three children (one executes the program again), then a thread: each its own stream.
    replay_case("replay_fork", false, &["getrandom", "AT_RANDOM"]);
    replay_case("replay_fork", true, &["getrandom", "AT_RANDOM", "rdtsc"]);
    let out = diff(&["--ignore", "futex", &replay_program("replay_fork", false)], b"");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("same (5 processes"), "{}", text(&out));
    // Five processes' getrandom (two draw twice), glibc's own draw in both programs.
    assert!(report.contains("AT_RANDOM 2/2"), "{}", text(&out));
}

#[test]
fn replay_stops_where_the_runs_part_and_says_so() {
    // The emulated run alone draws 64 bytes where the native run drew 48: the first getrandom
    // calls are replayed, from that one on the emulated run uses its own bytes.
    let program = replay_program("replay_hash", false);
    let out = diff(&["-E", "REPLAY_LONGER=1", &program], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("replayed: getrandom 2/3, AT_RANDOM 1/1"), "{}", text(&out));
    assert!(
        report.contains("replay stopped in 1#0 at getrandom 3: native getrandom(48, 1), emulated getrandom(64, 1)"),
        "{}",
        text(&out)
    );
    let out = diff(&["--json", "-E", "REPLAY_LONGER=1", &program], b"");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["replay"]["kinds"]["getrandom"], serde_json::json!({"recorded": 3, "replayed": 2}), "{report}");
    assert_eq!(report["replay"]["stopped"][0]["stream"], "1#0", "{report}");
}

#[test]
fn replay_options_are_the_tools_own() {
    for reserved in ["--replay", "--replay-place"] {
        let out = diff(&[reserved, "x", &replay_program("replay_auxv", false)], b"");
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    }
}

/// Fixtures `emu386 diff` cannot call the same, each with why: what differs is neither an input
/// replay can hand over nor a value the normaliser may rename.
const DIFF_EXCEPTIONS: &[(&str, &str)] = &[
    // emu386 serves /proc/self/maps from a memfd (fstat shows mode 0777 and its size; the
    // kernel's file is 0444 with size 0) and maps no vDSO (no [vvar] and [vdso] lines).
    ("fs_proc_self", "reads /proc/self/maps: emu386's differs (no vDSO, a memfd's stat)"),
    ("ipc_sysv", "reads /proc/self/maps: emu386's differs (no vDSO, a memfd's stat)"),
    // kcmp's answer for two different objects is their order (1 or 2) by obfuscated kernel
    // address, which differs from run to run (the fixture prints only whether they differ).
    ("proc_kcmp_membarrier", "kcmp orders different kernel objects by address: 1 or 2 from run to run"),
    // Its children leave a bad critical-section descriptor armed: the kernel kills them at their
    // next preemption, which under ptrace is the next syscall stop; emu386 checks it where its
    // threads hand over and at signal delivery (the signal the children send themselves).
    ("sys_rseq", "children with a bad rseq descriptor die at their next preemption (natively: the next syscall)"),
    // The echo identifier and the payload nonce are computed from getpid() (pids are not
    // replayed: the program acts on them).
    ("net_raw_icmp_recv", "its ICMP id and nonce are derived from its pid"),
    // The parent passes the ephemeral ports the kernel picked to the program it executes, in its
    // argv (ports are not replayed).
    ("net_peer_exec", "passes kernel-chosen ports to an execve in argv"),
    // getsockname() of a netlink socket bound to port id 0 answers the id the kernel assigned:
    // the process's pid, inside a sockaddr.
    ("net_bind_rules", "a netlink socket's assigned port id is its pid"),
    ("net_sock_rw", "a netlink dump carries the socket's port id (its pid)"),
    // The normaliser learns which fds are raw IPv4 sockets from socket(2) calls: the program
    // the exec starts inherits its socket, so the IPv4 identification field of what it reads
    // (the kernel's counter) is not renamed there.
    ("net_raw_icmp_exec", "reads a raw socket inherited across execve (the IP id the kernel chose)"),
    ("proc_pgrp", "passes getpid() + 1000000 to setpgid (a number derived from a pid)"),
    // Which of two processes' SIGWINCH handlers reports first through the shared pipe.
    ("tty_winch", "two processes race to write to one pipe (scheduling)"),
    // Which thread creates the next one and which ends last (it then calls exit_group).
    ("thread_exit", "which thread ends last (scheduling)"),
    // Its ETH_P_ALL socket sees every packet on lo, other programs' too (the other diffs of this
    // test among them), in whatever order they come.
    ("net_packet", "an ETH_P_ALL socket receives other programs' loopback traffic"),
    // The SIGEV_THREAD notification thread writes to a pipe the main thread reads; the emulator
    // traces a call once it returned, so when the main thread ends the process first, the
    // thread's last calls are missing from the emulated trace (a tracer race in emu386, about
    // every other run under load).
    ("ipc_mqueue", "emu386's trace can lose a thread's last calls when another thread exits the process"),
    ("mm_proc_maps", "reads /proc/self/maps and smaps: emu386 serves them from a memfd"),
    // Its probes of the CPU's extensions run where the CPU advertises them: the host advertises
    // more (AVX …) than emu386's guest model, so the native run makes more of them (the output
    // shows only what both have).
    ("cpu_cpuid_features", "the host CPU advertises more extensions than the guest model: more probes natively"),
    // A child in a new PID namespace is pid 1, and the normaliser renames every number equal to a
    // pid (the struct fields that are 1 too).
    ("ns_unshare", "pid 1 in a new PID namespace collides with literal 1s in the normaliser"),
    // A CLONE_VM child spins on sched_yield until its parent's signal arrives: how many times is
    // scheduling.
    ("proc_clone_flags", "a child spins on sched_yield until a signal arrives (scheduling)"),
    // Under emu386 diff the emulated run traces, and a traced emulator keeps its own fds above an
    // emulated RLIMIT_NOFILE only with CAP_SYS_RESOURCE or room above the soft limit (README).
    ("fd_limit", "a traced emulator needs room above RLIMIT_NOFILE for its own fds"),
    ("mm_guard", "reads /proc/self/maps: emu386 serves it from a memfd"),
    ("mm_remap_file_pages", "reads /proc/self/maps: emu386 serves it from a memfd"),
    // Counter values measure the emulator thread, not the program (sys/perf.rs).
    ("sys_perf_userfaultfd", "perf counters count the emulator's work"),
    // fanotify_event_metadata holds the pid of the process that caused the event, in raw bytes.
    ("fs_fanotify", "its events carry a pid inside raw bytes"),
    // As ipc_mqueue: the SIGEV_THREAD thread's last calls (after the handler ran) may not happen
    // before the main thread ends the process (scheduling; about one run in three here).
    ("sig_posix_timer", "a notification thread's last calls race the process's exit"),
    // The kernel picks key serial numbers at random (key_alloc_serial()); add_key, request_key
    // and keyctl return them.
    ("sys_keys", "key serial numbers are random"),
    ("fs_proc_other", "reads other processes' /proc/PID/maps: emu386 serves them from a memfd"),
    ("sys_seccomp", "reads /proc/self/status: emu386 serves it from a memfd"),
    ("sys_aio", "reads /proc/self/maps: emu386 serves it from a memfd"),
    ("mm_mseal", "reads /proc/self/smaps: emu386 serves it from a memfd"),
];

/// `emu386 diff` with replay calls every fixture (statically linked, with its `// args:`) the
/// same, but for [`DIFF_EXCEPTIONS`]. The fixtures run in two threads, each diff bounded in time;
/// one that diverges there is diffed again on its own, and fails when it diverges again (the
/// threaded fixtures' timing under load, e.g. how many expirations a SIGEV_THREAD timer had
/// before its thread ran, can differ once; a real divergence repeats).
#[test]
fn every_fixture_agrees_under_diff() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".c").map(str::to_string))
        .filter(|n| !DIFF_EXCEPTIONS.iter().any(|(e, _)| e == n))
        .collect();
    names.sort();
    assert!(names.len() > 100, "fixtures not found in {}", dir.display());
    let queue = Mutex::new(names);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        // Two at a time: the machine's two cores, and the other tests of this file beside them.
        for _ in 0..2 {
            scope.spawn(|| loop {
                let Some(name) = queue.lock().unwrap().pop() else { break };
                let (bin, args) = common::build_fixture(&name);
                let mut words = vec![bin.to_str().expect("utf-8 path").to_string()];
                words.extend(args);
                let (status, report) = diff_bounded(&words, std::time::Duration::from_secs(60));
                if status != Some(0) {
                    failures.lock().unwrap().push((name, words, format!("status {status:?}\n{report}")));
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.retain(|(_, words, _)| diff_bounded(words, std::time::Duration::from_secs(60)).0 != Some(0));
    let failures: Vec<String> = failures.into_iter().map(|(name, _, report)| format!("{name}: {report}")).collect();
    assert!(failures.is_empty(), "{} fixtures diverge:\n{}", failures.len(), failures.join("\n"));
}

/// `emu386 diff WORDS...` in a fresh directory with empty stdin, killed after `limit`: its exit
/// status (None when killed) and report.
fn diff_bounded(words: &[String], limit: std::time::Duration) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report");
    let mut child = Command::new(EMU)
        .arg("diff")
        .args(words)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&report).expect("report file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("run emu386 diff");
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for emu386 diff") {
            Some(status) => break status.code(),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    };
    (status, std::fs::read_to_string(&report).unwrap_or_default())
}

/// Clock replay follows these fixtures to the end: gettimeofday calls that fail natively (a bad
/// timezone pointer) are not replayed emulated either, and absolute deadlines computed from
/// replayed readings (timerfd, clock_nanosleep) are moved onto the emulated run's clock, so that a
/// timer set for "now + 1 s" has not expired yet.
#[test]
fn clock_replay_runs_to_the_end_of_the_time_fixtures() {
    for name in ["time_gettimeofday", "fd_timerfd", "time_sleep"] {
        let (bin, _) = common::build_fixture(name);
        let out = diff(&["--json", bin.to_str().expect("utf-8 path")], b"");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
        assert_eq!(report["agree"], true, "{name}: {report}");
        assert_eq!(report["replay"]["stopped"], serde_json::json!([]), "{name}: {report}");
        let clock = &report["replay"]["kinds"]["clock"];
        assert!(clock["recorded"].as_u64().is_some_and(|n| n > 0), "{name}: {report}");
        assert_eq!(clock["recorded"], clock["replayed"], "{name}: {report}");
        assert_eq!(report["replay"]["kinds"]["vDSO"], serde_json::json!({"recorded": 1, "replayed": 1}), "{name}");
    }
}
