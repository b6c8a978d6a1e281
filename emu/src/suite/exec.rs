//! Running one program for the suite: a clean environment, its own process group, a time limit.
//!
//! The program is the leader of a new process group. When it exits, or when the time limit
//! passes, the whole group is killed with SIGKILL, so nothing a case started outlives it. The
//! leader is not reaped until the group has been killed (`waitid(WNOWAIT)`), so the group id cannot
//! have been reused by then.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

/// What one run showed.
#[derive(Debug)]
pub struct Outcome {
    pub status: Status,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why a run has no outcome.
#[derive(Debug)]
pub enum RunError {
    /// The time limit passed; the process group was killed.
    TimedOut,
    /// The program exited but something outside its process group kept its output open.
    OutputHeld,
    Spawn(std::io::Error),
}

/// One program to run.
pub struct Invocation<'a> {
    pub program: &'a OsStr,
    pub args: Vec<OsString>,
    /// The whole environment.
    pub env: &'a BTreeMap<String, String>,
    /// `None`: /dev/null.
    pub stdin: Option<&'a [u8]>,
    pub cwd: &'a Path,
    pub timeout: Duration,
}

/// How long the output pipes may stay open once the process group is dead.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// Kill process group `pgid`; an already empty group (ESRCH) is fine.
fn kill_group(pgid: i32) {
    // SAFETY: a plain syscall; `pgid` is our unreaped child's pid, so the group is ours.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
}

/// Wait for child `pid` to end without reaping it.
fn wait_unreaped(pid: i32) {
    let Ok(id) = libc::id_t::try_from(pid) else { return };
    loop {
        // SAFETY: waitid writes only into `info`, which lives across the call.
        let r = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// A thread reading `source` to its end, answering on the returned channel.
fn collect(mut source: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = source.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Run `inv` to its end or its time limit.
pub fn run(inv: &Invocation<'_>) -> Result<Outcome, RunError> {
    let mut cmd = Command::new(inv.program);
    cmd.args(&inv.args)
        .env_clear()
        .envs(inv.env)
        .current_dir(inv.cwd)
        .stdin(if inv.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
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
    let mut child = cmd.spawn().map_err(RunError::Spawn)?;
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    if let (Some(mut input), Some(bytes)) = (child.stdin.take(), inv.stdin) {
        // Not joined: a program that never reads its stdin must not hold up the suite; the thread
        // ends with EPIPE when the group is killed.
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        });
    }
    let stdout = child.stdout.take().map(collect);
    let stderr = child.stderr.take().map(collect);

    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        wait_unreaped(pid);
        let _ = done_tx.send(());
    });
    let remaining = inv.timeout.saturating_sub(start.elapsed());
    let timed_out = match done_rx.recv_timeout(remaining) {
        Err(mpsc::RecvTimeoutError::Timeout) => {
            kill_group(pid);
            let _ = done_rx.recv();
            true
        }
        _ => false,
    };
    // Whatever the program left running in its group goes with it.
    kill_group(pid);
    let status = child.wait().map_err(RunError::Spawn)?;
    if timed_out {
        return Err(RunError::TimedOut);
    }
    let status = match (status.code(), status.signal()) {
        (Some(code), _) => Status::Exited(code),
        (None, Some(sig)) => Status::Signaled(sig),
        (None, None) => Status::Exited(-1),
    };
    let output = |rx: Option<mpsc::Receiver<Vec<u8>>>| rx.map_or(Ok(Vec::new()), |rx| rx.recv_timeout(OUTPUT_GRACE));
    let stdout = output(stdout).map_err(|_| RunError::OutputHeld)?;
    let stderr = output(stderr).map_err(|_| RunError::OutputHeld)?;
    Ok(Outcome { status, stdout, stderr })
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

    fn sh(script: &str, timeout: Duration) -> Result<Outcome, RunError> {
        let env = BTreeMap::from([("PATH".to_owned(), "/usr/bin:/bin".to_owned())]);
        let inv = Invocation {
            program: OsStr::new("/bin/sh"),
            args: vec!["-c".into(), script.into()],
            env: &env,
            stdin: Some(b"in\n"),
            cwd: Path::new("/"),
            timeout,
        };
        run(&inv)
    }

    #[test]
    fn output_status_and_time_limit() {
        let out = sh("cat; echo err >&2; exit 7", Duration::from_secs(10)).unwrap();
        assert_eq!((out.status, &out.stdout[..], &out.stderr[..]), (Status::Exited(7), &b"in\n"[..], &b"err\n"[..]));
        let out = sh("kill -SEGV $$", Duration::from_secs(10)).unwrap();
        assert_eq!(out.status, Status::Signaled(11));
        let start = Instant::now();
        assert!(matches!(sh("sleep 30", Duration::from_millis(200)), Err(RunError::TimedOut)));
        // A background child holding stdout dies with the group.
        let out = sh("sleep 30 & echo started", Duration::from_secs(10)).unwrap();
        assert_eq!(out.stdout, b"started\n");
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
