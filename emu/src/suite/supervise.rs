//! The case supervisor: `emu386 suite __case REPORT TIMEOUT_MS PROGRAM [ARGS...]`, started by the
//! runner ([`super::exec`]) once per run, never by a user.
//!
//! A case's program may leave processes behind that its process group cannot find: a daemon that
//! called setsid(), or a double fork into another group. The supervisor is a child subreaper
//! (PR_SET_CHILD_SUBREAPER), so every process the program orphans is re-parented to it rather than
//! to init. It runs the program in a process group of its own, with the case's standard streams,
//! environment and working directory (inherited), waits for it or for the time limit, kills the
//! program's group, and then kills and reaps every descendant still alive until it has no child
//! left. REPORT receives what happened, one fact a line:
//!
//! ```text
//! exited 3            or  signaled 11   or  timed-out   or  spawn-error No such file or directory
//! left 4242 sleep 30  one line per process found alive after the group was killed: pid, command line
//! ```

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// `args`: REPORT TIMEOUT_MS PROGRAM [ARGS...].
pub fn main(args: &[OsString]) -> ExitCode {
    let [report, timeout, program, rest @ ..] = args else {
        eprintln!("emu386 suite __case: internal use only");
        return ExitCode::from(2);
    };
    let Some(timeout) = timeout.to_str().and_then(|t| t.parse::<u64>().ok()).map(Duration::from_millis) else {
        eprintln!("emu386 suite __case: bad time limit");
        return ExitCode::from(2);
    };
    let mut lines = Vec::new();
    // SAFETY: a plain prctl on this process.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        lines.push(format!("warning cannot become a subreaper: {}", std::io::Error::last_os_error()));
    }
    supervise(program, rest, timeout, &mut lines);
    let written = std::fs::File::create(report).and_then(|mut f| f.write_all((lines.join("\n") + "\n").as_bytes()));
    ExitCode::from(if written.is_ok() { 0 } else { 2 })
}

fn supervise(program: &OsString, args: &[OsString], timeout: Duration, lines: &mut Vec<String>) {
    let mut cmd = Command::new(program);
    cmd.args(args).process_group(0);
    // SAFETY: setrlimit is async-signal-safe and touches only the child. No core files land in the
    // case's directory (emu386 itself dies of a guest's signal without one).
    unsafe {
        cmd.pre_exec(|| {
            let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            lines.push(format!("spawn-error {e}"));
            return;
        }
    };
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    let timed_out = !wait_exit(pid, timeout.saturating_sub(start.elapsed()));
    // Whatever the program left running in its group goes with it.
    kill(-pid, libc::SIGKILL);
    match child.wait() {
        _ if timed_out => lines.push("timed-out".to_owned()),
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => lines.push(format!("exited {code}")),
            (None, Some(sig)) => lines.push(format!("signaled {sig}")),
            (None, None) => lines.push("exited -1".to_owned()),
        },
        Err(e) => lines.push(format!("spawn-error {e}")),
    }
    for (pid, cmdline) in kill_descendants() {
        lines.push(format!("left {pid} {cmdline}"));
    }
}

/// Wait up to `limit` for child `pid` to exit, without reaping it (its pid, and so its process
/// group id, stays ours until the group is killed). False when the time ran out.
fn wait_exit(pid: i32, limit: Duration) -> bool {
    // SAFETY: pidfd_open takes no pointers; the fd it returns is closed below.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let Ok(fd) = i32::try_from(fd) else { return true };
    let deadline = Instant::now() + limit;
    let exited = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
        let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: `pfd` is one valid pollfd that lives across the call.
        let r = unsafe { libc::poll(&mut pfd, 1, ms) };
        if r > 0 {
            break true;
        }
        if r == 0 && left.is_zero() {
            break false;
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            break true;
        }
    };
    // SAFETY: `fd` is the pidfd opened above and not used again.
    unsafe { libc::close(fd) };
    exited
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: a plain syscall; the pids are our own children or their group.
    unsafe { libc::kill(pid, sig) };
}

/// Kill and reap every descendant: each child found is killed, its own children come to us as
/// orphans (we are a subreaper), and so on until nothing is left. Returns the processes found,
/// with their command lines, in the order they were found.
fn kill_descendants() -> Vec<(i32, String)> {
    let mut found = Vec::new();
    loop {
        let children = children();
        for &pid in &children {
            if !found.iter().any(|&(p, _)| p == pid) {
                found.push((pid, cmdline(pid)));
            }
            kill(pid, libc::SIGKILL);
        }
        // Reap what died; ECHILD means no child is left at all. Never block: a process re-parented
        // to us after `children()` was read is found on the next round.
        loop {
            let mut status = 0;
            // SAFETY: waitpid writes only `status`.
            let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if r > 0 {
                continue;
            }
            let errno = std::io::Error::last_os_error().raw_os_error();
            if r < 0 && errno == Some(libc::ECHILD) {
                return found;
            }
            if r < 0 && errno == Some(libc::EINTR) {
                continue;
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// This process's live children (/proc/self/task/TID/children, for its one thread).
fn children() -> Vec<i32> {
    let path = format!("/proc/self/task/{}/children", std::process::id());
    std::fs::read_to_string(path).unwrap_or_default().split_whitespace().filter_map(|p| p.parse().ok()).collect()
}

/// A process's command line with spaces between the words, or its name in brackets.
fn cmdline(pid: i32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let words: Vec<String> =
        raw.split(|&b| b == 0).filter(|w| !w.is_empty()).map(|w| String::from_utf8_lossy(w).into_owned()).collect();
    if words.is_empty() {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        format!("[{}]", comm.trim_end())
    } else {
        words.join(" ")
    }
}
