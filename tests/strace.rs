//! `emu386 --strace` as strace shows the same calls: snapshots of whole traces (insta, under
//! tests/snapshots/), and a comparison with a native `strace -f` of the same i386 program for the
//! calls both make.
//!
//! What differs between runs is normalised away: addresses (`0x…` of five hex digits or more, and
//! the `sival_int` of a `sigval` holding one) become `ADDR`, the program's pid `PID` (its parent's
//! `PPID`, a signal sender's uid `UID`), ports `PORT`, times `N` (unless a fixture fixes them),
//! random bytes and the program's own path.

mod common;

use common::{build_fixture, command, run, EMU386};
use regex::Regex;
use std::sync::LazyLock;

/// The trace of a fixture run under `emu386 --strace-file`, in a fresh directory, stdin empty.
fn emu_trace(name: &str) -> String {
    let (bin, args) = build_fixture(name);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.txt");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut cmd = command(EMU386, &work);
    cmd.arg("--strace-file").arg(&file).arg(&bin).args(&args);
    let out = run(cmd, b"");
    assert!(!out.status.starts_with("timed out"), "{name}: {}", out.status);
    std::fs::read_to_string(&file).unwrap()
}

/// A native `strace -f` of the same program. Tests that need it are ignored where strace cannot
/// trace (emu/build.rs probes it), so here a failure is the test's failure.
fn native_trace(name: &str) -> String {
    let (bin, args) = build_fixture(name);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.txt");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut cmd = command("strace", &work);
    cmd.args(["-f", "-o"]).arg(&file).arg(&bin).args(&args);
    let out = run(cmd, b"");
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(text.contains("execve("), "strace -f {name}: {}\n{}", out.status, out.stderr_str());
    text
}

static ADDR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"0x[0-9a-f]{5,}").unwrap());
static PORT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"htons\(\d+\)").unwrap());
/// The pty number the kernel hands out (`/dev/pts/2`, TIOCGPTN's `[2]`) depends on which other
/// ptys are open on the machine at that moment (other tests run at the same time).
static PTY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(/dev/pts/|TIOCGPTN, \[)\d+").unwrap());
static TIME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(tv_sec|tv_nsec|tv_usec)=-?\d+").unwrap());
static RANDOM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"getrandom\("[^"]*"(\.\.\.)?"#).unwrap());
static EXE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"readlink\("/proc/self/exe", "[^"]*"(\.\.\.)?, (\d+)\) = \d+"#).unwrap());
static PID_PREFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[pid +\d+\] ").unwrap());
static NATIVE_PID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d+ +").unwrap());
/// strace pads the result to a column: `write(1, "x", 1)    = 1`.
static PADDING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\) +(= [^=]*)$").unwrap());
static TID_ADDRESS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"set_tid_address\([^)]*\) += (\d+)").unwrap());
static PARENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"getppid\(\) += (\d+)").unwrap());
/// A `sigval` holding an address: its `int` is the same address, in decimal.
static SIVAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"sival_int=-?\d+(, sival_ptr=ADDR)").unwrap());
/// The uid in a `siginfo_t`: the user running the tests.
static UID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bsi_uid=\d+").unwrap());

/// Whether times in a trace are made equal: they are unless a fixture fixes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Times {
    Replaced,
    Kept,
}

/// One trace line with what differs between runs replaced.
fn normalise_line(line: &str, pid: Option<&str>) -> String {
    normalise_line_with(line, pid, Times::Replaced)
}

/// [`normalise_line`], with the times replaced or not.
fn normalise_line_with(line: &str, pid: Option<&str>, times: Times) -> String {
    let line = PID_PREFIX.replace(line, "");
    let line = NATIVE_PID.replace(&line, "");
    let line = PADDING.replace(&line, ") $1");
    let line = ADDR.replace_all(&line, "ADDR");
    let line = SIVAL.replace_all(&line, "sival_int=ADDR$1");
    let line = PORT.replace_all(&line, "htons(PORT)");
    let line = PTY.replace_all(&line, "${1}N");
    let line = match times {
        Times::Replaced => TIME.replace_all(&line, "$1=N"),
        Times::Kept => line,
    };
    let line = RANDOM.replace_all(&line, "getrandom(RANDOM");
    let line = EXE.replace_all(&line, r#"readlink("/proc/self/exe", EXE, $2) = LEN"#);
    let line = UID.replace_all(&line, "si_uid=UID");
    match pid {
        Some(pid) => Regex::new(&format!(r"\b{pid}\b")).unwrap().replace_all(&line, "PID").into_owned(),
        None => line.into_owned(),
    }
}

/// A whole trace, normalised.
fn normalise(trace: &str) -> Vec<String> {
    normalise_with(trace, Times::Replaced)
}

/// [`normalise`], with the times replaced or not.
fn normalise_with(trace: &str, times: Times) -> Vec<String> {
    let pid = TID_ADDRESS.captures(trace).and_then(|c| c.get(1)).map(|m| m.as_str().to_string());
    let parent = PARENT.captures(trace).map(|c| Regex::new(&format!(r"\b{}\b", &c[1])).unwrap());
    trace
        .lines()
        .map(|l| normalise_line_with(l, pid.as_deref(), times))
        .map(|l| match &parent {
            Some(parent) => parent.replace_all(&l, "PPID").into_owned(),
            None => l,
        })
        .collect()
}

fn snapshot(name: &str) -> String {
    normalise(&emu_trace(name)).join("\n") + "\n"
}

#[test]
fn hello_trace() {
    let trace = snapshot("hello");
    assert!(trace.contains("write(1, \"hello from i386\\n\", 16) = 16\n"), "{trace}");
    insta::assert_snapshot!("hello", trace);
}

#[test]
fn file_io_trace() {
    insta::assert_snapshot!("fd_readwrite", snapshot("fd_readwrite"));
}

#[test]
fn socket_trace() {
    insta::assert_snapshot!("net_tcp_basic", snapshot("net_tcp_basic"));
}

#[test]
fn poll_trace() {
    // The number of clock reads around a timed poll depends on timing: leave them out.
    let trace: Vec<String> =
        snapshot("poll_basic").lines().filter(|l| !l.starts_with("clock_gettime")).map(String::from).collect();
    insta::assert_snapshot!("poll_basic", trace.join("\n") + "\n");
}

/// Calls whose lines legitimately differ between the host and the emulator: the start-up that
/// depends on the loader (execve, brk), the clock (a vDSO
/// call natively), and what strace reads before the call that the emulator's tracer, reading after
/// it, cannot see (`[4 => 16]`).
const ENVIRONMENT: &[&str] = &["execve(", "brk(", "getrandom(", "clock_gettime", "+++", "---"];

/// Stands for a native line showing what strace read before the call (`[4 => 16]`): the emulator's
/// line there is not compared.
const BEFORE_AND_AFTER: &str = "(read before and after the call)";

fn comparable(trace: &str) -> Vec<String> {
    normalise(trace)
        .into_iter()
        .filter(|l| !ENVIRONMENT.iter().any(|p| l.starts_with(p)))
        .filter(|l| !l.contains("unfinished") && !l.contains("resumed"))
        .map(|l| if l.contains(" => ") { BEFORE_AND_AFTER.to_string() } else { l })
        .collect()
}

/// The name of the call a line shows.
fn call_name(line: &str) -> &str {
    line.split('(').next().unwrap_or(line)
}

fn compare_with_native(name: &str) {
    let native = native_trace(name);
    let native = comparable(&native);
    let emulated = comparable(&emu_trace(name));
    // Only the calls both make: the emulator makes some the host answers in the vDSO, and the
    // reverse.
    let names =
        |lines: &[String]| lines.iter().map(|l| call_name(l).to_string()).collect::<std::collections::HashSet<_>>();
    let (native_names, emulated_names) = (names(&native), names(&emulated));
    let both = |l: &String| {
        l == BEFORE_AND_AFTER || native_names.contains(call_name(l)) && emulated_names.contains(call_name(l))
    };
    let native: Vec<&String> = native.iter().filter(|l| both(l)).collect();
    let emulated: Vec<&String> = emulated.iter().filter(|l| both(l)).collect();
    let mut report = String::new();
    for (i, pair) in native.iter().zip(emulated.iter()).enumerate() {
        if pair.0 != pair.1 && *pair.0 != BEFORE_AND_AFTER {
            report.push_str(&format!("line {i}:\n  strace: {}\n  emu386: {}\n", pair.0, pair.1));
        }
    }
    if native.len() != emulated.len() {
        report.push_str(&format!("{} lines natively, {} emulated\n", native.len(), emulated.len()));
    }
    assert!(report.is_empty(), "{name}: emu386 --strace differs from strace -f:\n{report}");
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn lines_match_native_strace_for_file_calls() {
    compare_with_native("fd_fcntl");
    compare_with_native("fd_ioctl");
    compare_with_native("fs_stat");
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn lines_match_native_strace_for_poll_signals_and_sockets() {
    compare_with_native("poll_basic");
    compare_with_native("sig_mask");
    compare_with_native("sig_altstack");
    compare_with_native("net_tcp_basic");
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn lines_match_native_strace_for_tls_and_sigreturn() {
    // set_thread_area's descriptor as it was before the call, get_thread_area's as it is after.
    compare_with_native("cpu_tls");
    // The mask and %eax the signal frame restores: sigreturn for handlers without SA_SIGINFO
    // (rt_sigreturn is compared in sig_altstack).
    compare_with_native("sig_mask");
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn lines_match_native_strace_for_epoll() {
    compare_with_native("epoll_basic");
    compare_with_native("epoll_pwait");
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn futex_calls_match_native_strace() {
    compare_calls_with_native("thread_futex", &["futex", "futex_time64"]);
}

/// strace -f's `call(args <unfinished ...>` and `<... call resumed>rest` of one thread joined into
/// one line, as the emulator's tracer shows the call.
fn join_resumed(trace: &str) -> String {
    static RESUMED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d+) +<\.\.\. \S+ resumed>(.*)$").unwrap());
    let mut started: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for line in trace.lines() {
        if let Some(start) = line.strip_suffix(" <unfinished ...>") {
            let pid = NATIVE_PID.find(line).map_or("", |m| m.as_str().trim()).to_string();
            started.insert(pid, start.to_string());
        } else if let Some(c) = RESUMED.captures(line) {
            if let Some(start) = started.remove(&c[1]) {
                out.push(format!("{start}{}", &c[2]));
            }
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

/// Each thread's id (a `clone` result) as `TID`.
fn tids_replaced(lines: Vec<String>) -> Vec<String> {
    static CLONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^clone3?\(.*\) = (\d+)$").unwrap());
    let tids: Vec<Regex> = lines
        .iter()
        .filter_map(|l| CLONE.captures(l))
        .map(|c| Regex::new(&format!(r"\b{}\b", &c[1])).unwrap())
        .collect();
    lines.into_iter().map(|l| tids.iter().fold(l, |l, tid| tid.replace_all(&l, "TID").into_owned())).collect()
}

/// For threaded fixtures, whose order of lines and wake-up counts depend on scheduling: the
/// distinct calls of the named syscalls, as shown before the result, must be the same natively
/// and under emu386.
fn compare_calls_with_native(name: &str, calls: &[&str]) {
    let native = native_trace(name);
    let shown = |trace: &str| -> std::collections::BTreeSet<String> {
        tids_replaced(normalise(trace))
            .into_iter()
            .filter(|l| calls.contains(&call_name(l)))
            // pthread_join waits on the thread's id only if the thread has not ended yet.
            .filter(|l| !l.contains("TID"))
            .map(|l| l[..l.rfind(") = ").map_or(l.len(), |at| at + 1)].to_string())
            .collect()
    };
    let native = shown(&join_resumed(&native));
    let emulated = shown(&emu_trace(name));
    let only = |a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>| {
        a.difference(b).cloned().collect::<Vec<_>>().join("\n  ")
    };
    assert!(
        native == emulated,
        "{name}: calls only strace shows:\n  {}\ncalls only emu386 shows:\n  {}",
        only(&native, &emulated),
        only(&emulated, &native)
    );
}

#[test]
fn normalising_removes_what_differs_between_runs() {
    let line = normalise_line(
        "[pid 1234] connect(3, {sa_family=AF_INET, sin_port=htons(41925), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
        Some("1234"),
    );
    assert_eq!(
        line,
        "connect(3, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
    );
    assert_eq!(normalise_line("1234  write(1, \"x\", 1)    = 1", None), "write(1, \"x\", 1) = 1");
    assert_eq!(normalise_line("kill(1234, SIGUSR1) = 0", Some("1234")), "kill(PID, SIGUSR1) = 0");
    assert_eq!(
        normalise_line(
            "rt_sigqueueinfo(1234, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1234, si_uid=1000}) = 0",
            Some("1234")
        ),
        "rt_sigqueueinfo(PID, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_USER, si_pid=PID, si_uid=UID}) = 0"
    );
    assert_eq!(
        normalise_line(
            "mq_notify(3, {sigev_value={sival_int=-5004988, sival_ptr=0xffb3a144}, sigev_signo=SIGFPE}) = 0",
            None
        ),
        "mq_notify(3, {sigev_value={sival_int=ADDR, sival_ptr=ADDR}, sigev_signo=SIGFPE}) = 0"
    );
    assert_eq!(
        normalise("set_tid_address(0x12345) = 7\ngetppid() = 5\nkill(5, SIGTERM) = 0\n"),
        ["set_tid_address(ADDR) = PID", "getppid() = PPID", "kill(PPID, SIGTERM) = 0"].map(String::from)
    );
}

/// A successful execve is shown as strace shows it (the argument vector, the environment's
/// address and size), written just before the exec: the same lines as strace's for the execs the
/// program makes (strace also shows the one that started it, which is the emulator's own).
#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn execve_lines_match_native_strace() {
    let name = "proc_exec_name";
    let native = native_trace(name);
    let execs = |trace: &str| normalise(trace).into_iter().filter(|l| call_name(l) == "execve").collect::<Vec<_>>();
    let native = execs(&join_resumed(&native));
    let emulated = execs(&emu_trace(name));
    assert!(native.len() > 1, "{native:?}");
    assert_eq!(native[1..], emulated[..]);
}

/// The lines of the named calls, in the order the program made them, must be the same natively
/// and under emu386, with strace's unfinished and resumed halves joined and child pids as `TID`.
/// `part` is what of each line is compared.
fn compare_call_lines_with_native(name: &str, calls: &[&str], part: fn(&str) -> String) {
    compare_call_lines_with_native_with(name, calls, part, Times::Replaced);
}

/// [`compare_call_lines_with_native`], with the times made equal or not.
fn compare_call_lines_with_native_with(name: &str, calls: &[&str], part: fn(&str) -> String, times: Times) {
    let native = native_trace(name);
    let lines = |trace: &str| -> Vec<String> {
        tids_replaced(normalise_with(trace, times))
            .into_iter()
            .filter(|l| calls.contains(&call_name(l)))
            .map(|l| part(&l))
            .collect()
    };
    let native = lines(&join_resumed(&native));
    let emulated = lines(&emu_trace(name));
    assert!(!native.is_empty(), "{name}: strace shows none of {calls:?}");
    let mut report = String::new();
    for (i, pair) in native.iter().zip(emulated.iter()).enumerate() {
        if pair.0 != pair.1 {
            report.push_str(&format!("line {i}:\n  strace: {}\n  emu386: {}\n", pair.0, pair.1));
        }
    }
    if native.len() != emulated.len() {
        report.push_str(&format!("{} lines natively, {} emulated\n", native.len(), emulated.len()));
    }
    assert!(report.is_empty(), "{name}: emu386 --strace differs from strace -f:\n{report}");
}

/// The whole line.
fn whole(line: &str) -> String {
    line.to_string()
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn itimerspec_arguments_match_native_strace() {
    // The 32-bit and the time64 structs, NULL, unreadable ones, and old values written or not.
    let timerfd = ["timerfd_settime", "timerfd_gettime", "timerfd_settime64", "timerfd_gettime64"];
    compare_call_lines_with_native("fd_timerfd", &timerfd, whole);
    let timer = ["timer_settime", "timer_gettime", "timer_settime64", "timer_gettime64"];
    compare_call_lines_with_native("sig_posix_timer", &timer, whole);
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn a_timers_new_value_is_shown_as_read_before_the_call() {
    // One struct for the new and the old value: strace shows the new value it read as the call
    // started, the old one the kernel wrote over it. The fixture's times are fixed: compared too.
    let calls = ["setitimer", "timer_settime", "timer_settime64", "timerfd_settime", "timerfd_settime64"];
    compare_call_lines_with_native_with("time_itimer_alias", &calls, whole, Times::Kept);
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn sigevent_arguments_match_native_strace() {
    // SIGEV_SIGNAL with and without a value, SIGEV_THREAD_ID (glibc's SIGEV_THREAD timers too),
    // SIGEV_NONE, unknown notifications and signals, NULL, unreadable and short structs.
    compare_call_lines_with_native("sig_posix_timer", &["timer_create"], whole);
    // SIGEV_THREAD by hand and through glibc, with its function and attributes.
    compare_call_lines_with_native("ipc_mqueue", &["mq_notify"], whole);
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn siginfo_arguments_match_native_strace() {
    // SI_TKILL and SI_QUEUE from sigtimedwait; rt_sigqueueinfo's struct as read, failed or not.
    let signals = ["rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo"];
    compare_call_lines_with_native("sig_timedwait", &signals, whole);
    // CLD_EXITED and CLD_KILLED, `{}` for WNOHANG with no child ready, and the rusage.
    compare_call_lines_with_native("proc_waitid", &["waitid"], whole);
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn memfd_names_and_flags_match_native_strace() {
    // Names cut at 32 bytes, flags strace 6.1 does not know (MFD_NOEXEC_SEAL, MFD_EXEC) and huge
    // page sizes (`MFD_HUGETLB|21<<MFD_HUGE_SHIFT`).
    compare_call_lines_with_native("fd_memfd", &["memfd_create"], whole);
}

#[test]
#[cfg_attr(emu386_no_strace, ignore = "strace cannot trace here (not installed, or ptrace not allowed)")]
fn mq_open_shows_mode_and_attributes_only_with_o_creat() {
    compare_call_lines_with_native("ipc_mqueue", &["mq_open", "mq_getsetattr"], whole);
}
