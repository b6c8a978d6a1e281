//! Running one program for the suite: a clean environment, its own process group, a time limit,
//! its output in files.
//!
//! A case supervisor (`emu386 suite __case`, [`super::supervise`]) runs the program as the leader
//! of a new process group. When the program exits, or when the time limit passes, the whole group
//! is killed with SIGKILL, and so is every process the program left behind outside it (the
//! supervisor is a child subreaper, so daemons that called setsid() are re-parented to it); those
//! are reported. Standard output and error go to unlinked temporary files, compared from there.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How a program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled(i32),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Status::Exited(code) => write!(f, "exit status {code}"),
            Status::Signaled(sig) => match signal_name(sig) {
                Some(name) => write!(f, "killed by {name}"),
                None => write!(f, "killed by signal {sig}"),
            },
        }
    }
}

/// The standard signals by number (index + 1), as on x86 Linux.
const SIGNALS: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

pub fn signal_name(sig: i32) -> Option<&'static str> {
    usize::try_from(sig).ok()?.checked_sub(1).and_then(|i| SIGNALS.get(i)).copied()
}

/// "SIGSEGV", "SEGV" or "sigsegv" to 11.
pub fn signal_number(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
    let index = SIGNALS.iter().position(|s| *s == full)?;
    i32::try_from(index).ok().map(|i| i + 1)
}

/// A run's standard output or error: an unlinked temporary file, so that memory stays flat
/// whatever the program prints.
#[derive(Debug)]
pub struct Captured(File);

impl Captured {
    fn new() -> std::io::Result<Self> {
        tempfile::tempfile().map(Captured)
    }

    /// The whole output from its start.
    pub fn reader(&self) -> std::io::Result<impl Read + '_> {
        let mut file = &self.0;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }

    /// The last `max` bytes (or fewer) and how many bytes came before them.
    pub fn tail(&self, max: u64) -> std::io::Result<(u64, Vec<u8>)> {
        let mut file = &self.0;
        let len = file.seek(SeekFrom::End(0))?;
        let skip = len.saturating_sub(max);
        file.seek(SeekFrom::Start(skip))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok((skip, bytes))
    }
}

/// What one run showed.
#[derive(Debug)]
pub struct Outcome {
    pub status: Status,
    pub stdout: Captured,
    pub stderr: Captured,
    /// Processes found alive after the program's process group was killed (a daemon that left the
    /// group with setsid(), say), each as "pid command line"; they were killed.
    pub left_behind: Vec<String>,
}

/// Why a run has no outcome.
#[derive(Debug)]
pub enum RunError {
    /// The time limit passed; the program's process group and everything it left were killed.
    TimedOut {
        left_behind: Vec<String>,
    },
    Spawn(std::io::Error),
}

/// One program to run.
pub struct Invocation<'a> {
    /// This emu386: the case supervisor ([`super::supervise`]) runs the program.
    pub supervisor: &'a Path,
    pub program: &'a OsStr,
    pub args: Vec<OsString>,
    /// The whole environment.
    pub env: &'a BTreeMap<String, String>,
    /// `None`: /dev/null.
    pub stdin: Option<&'a [u8]>,
    pub cwd: &'a Path,
    pub timeout: Duration,
}

/// How long the supervisor may take beyond the time limit to kill what the program left.
const SUPERVISOR_GRACE: Duration = Duration::from_secs(30);

/// Run `inv` to its end or its time limit, under a case supervisor that kills whatever the
/// program leaves behind.
pub fn run(inv: &Invocation<'_>) -> Result<Outcome, RunError> {
    let stdout = Captured::new().map_err(RunError::Spawn)?;
    let stderr = Captured::new().map_err(RunError::Spawn)?;
    let report = tempfile::NamedTempFile::new().map_err(RunError::Spawn)?;
    let millis = u64::try_from(inv.timeout.as_millis()).unwrap_or(u64::MAX);
    let mut cmd = Command::new(inv.supervisor);
    cmd.args(["suite", "__case"])
        .arg(report.path())
        .arg(millis.to_string())
        .arg(inv.program)
        .args(&inv.args)
        .env_clear()
        .envs(inv.env)
        .current_dir(inv.cwd)
        .stdin(if inv.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(stdout.0.try_clone().map_err(RunError::Spawn)?)
        .stderr(stderr.0.try_clone().map_err(RunError::Spawn)?)
        .process_group(0);
    let mut child = cmd.spawn().map_err(RunError::Spawn)?;
    if let (Some(mut input), Some(bytes)) = (child.stdin.take(), inv.stdin) {
        // Not joined: a program that never reads its stdin must not hold up the suite; the thread
        // ends with EPIPE when the program is killed.
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        });
    }
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    let (done_tx, done_rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = done_tx.send(());
        status
    });
    if done_rx.recv_timeout(inv.timeout + SUPERVISOR_GRACE).is_err() {
        // The supervisor itself is stuck: take its group down (what it supervised may escape).
        // `pid` is our unreaped child, so the group is ours.
        let _ = crate::host::process::kill(-pid, libc::SIGKILL);
    }
    let _ = waiter.join();
    let text = std::fs::read_to_string(report.path()).map_err(RunError::Spawn)?;
    let mut status = None;
    let mut timed_out = false;
    let mut left_behind = Vec::new();
    for line in text.lines() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "exited" => status = rest.parse().ok().map(Status::Exited),
            "signaled" => status = rest.parse().ok().map(Status::Signaled),
            "timed-out" => timed_out = true,
            "left" => left_behind.push(rest.to_owned()),
            "spawn-error" => return Err(RunError::Spawn(std::io::Error::other(rest.to_owned()))),
            _ => {}
        }
    }
    if timed_out {
        return Err(RunError::TimedOut { left_behind });
    }
    let status = status.ok_or_else(|| RunError::Spawn(std::io::Error::other("the case supervisor failed")))?;
    Ok(Outcome { status, stdout, stderr, left_behind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names() {
        assert_eq!(signal_number("SIGSEGV"), Some(11));
        assert_eq!(signal_number("segv"), Some(11));
        assert_eq!(signal_number("SIGSYS"), Some(31));
        assert_eq!(signal_number("SIGNOPE"), None);
        assert_eq!(signal_number(""), None);
        assert_eq!(Status::Signaled(6).to_string(), "killed by SIGABRT");
        assert_eq!(Status::Signaled(40).to_string(), "killed by signal 40");
        assert_eq!(Status::Exited(3).to_string(), "exit status 3");
    }
}
