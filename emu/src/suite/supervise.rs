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

use crate::host;
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
    if let Err(e) = host::process::become_subreaper() {
        lines.push(format!("warning cannot become a subreaper: {e}"));
    }
    supervise(program, rest, timeout, &mut lines);
    let written = std::fs::File::create(report).and_then(|mut f| f.write_all((lines.join("\n") + "\n").as_bytes()));
    ExitCode::from(if written.is_ok() { 0 } else { 2 })
}

fn supervise(program: &OsString, args: &[OsString], timeout: Duration, lines: &mut Vec<String>) {
    let mut cmd = Command::new(program);
    cmd.args(args).process_group(0);
    // No core files land in the case's directory (emu386 itself dies of a guest's signal
    // without one).
    host::process::child_without_core(&mut cmd);
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
    let Ok(fd) = host::process::pidfd_open(pid, 0) else { return true };
    let deadline = Instant::now() + limit;
    let exited = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // Whole milliseconds, as poll(2) takes them.
        let ms = i64::try_from(left.as_millis()).unwrap_or(i64::MAX);
        let timeout = rustix::time::Timespec { tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000 };
        let mut pfd = [rustix::event::PollFd::new(&fd, rustix::event::PollFlags::IN)];
        match rustix::event::poll(&mut pfd, Some(&timeout)) {
            Ok(n) if n > 0 => break true,
            Ok(_) if left.is_zero() => break false,
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(_) => break true,
        }
    };
    // The pidfd closes here.
    drop(fd);
    exited
}

fn kill(pid: i32, sig: i32) {
    // The pids are our own children or their group; one already gone is no error here.
    let _ = host::process::kill(pid, sig);
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
            match host::process::reap_any_nohang().map_err(|e| e.raw_os_error()) {
                Ok(true) => continue,
                Err(Some(libc::ECHILD)) => return found,
                Err(Some(libc::EINTR)) => continue,
                _ => break,
            }
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
