//! `emu386 diff [EMULATOR OPTIONS] [--json] [--no-replay] [--ignore NAME,...] [--] PROGRAM [ARGS]...`: run an i386
//! program natively (under ptrace, see [`native`]) and under emulation, with the same argv,
//! environment, cwd and stdin bytes, and compare exit status, stdout, stderr and the syscall
//! streams (one per process), formatted by the same tracer and normalised ([`normalize`]).
//!
//! Exit status: 0 when everything agrees, 1 when something diverges (the first divergent call is
//! shown with context from both sides), 2 when the program cannot run natively here (not an i386
//! program, or ptrace not permitted) or the command line is wrong. Emulator options apply to the
//! emulated run only.
//!
//! Unless `--no-replay`, the native run's nondeterministic inputs (random bytes, clock reads, the
//! time stamp counter) are recorded by [`native`] and replayed into the emulated run
//! (`syscalls::replay`), which reports back what it replayed and where it stopped.

mod kernel_values;
mod line;
mod native;
mod normalize;
mod times;

use normalize::Process;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ffi::{CString, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use syscalls::replay::{self, Kind, Recording};

/// One process's trace lines, without the trailing newline.
pub type Stream = Vec<String>;

/// How a program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    Killed(i32),
}

impl Outcome {
    /// The closing line the emulator's tracer writes.
    pub fn trace_line(self) -> String {
        match self {
            Outcome::Exited(s) => format!("+++ exited with {s} +++"),
            Outcome::Killed(sig) => format!("+++ killed by {} +++", syscalls::trace::signal_name(sig)),
        }
    }

    fn describe(self) -> String {
        match self {
            Outcome::Exited(s) => format!("exited with {s}"),
            Outcome::Killed(sig) => format!("killed by {}", syscalls::trace::signal_name(sig)),
        }
    }

    fn to_json(self) -> serde_json::Value {
        match self {
            Outcome::Exited(s) => json!({ "exit_code": s, "signal": null, "text": self.describe() }),
            Outcome::Killed(sig) => json!({
                "exit_code": null,
                "signal": syscalls::trace::signal_name(sig),
                "text": self.describe(),
            }),
        }
    }
}

const USAGE: &str =
    "usage: emu386 diff [EMULATOR OPTIONS] [--json] [--no-replay] [--ignore NAME,...] [--] PROGRAM [ARGS]...";

const HELP: &str = "\
Run an i386 program natively (under ptrace) and under emu386 with the same argv, environment, cwd
and stdin, and compare exit status, stdout, stderr and the syscalls of each process.

Options:
  --json              print a machine-readable report
  --no-replay         run the two sides independently (see Replay)
  --ignore NAME,...   leave these syscalls out of the comparison (repeatable)
  -h, --help          this help
Emulator options (--kernel-release, -E, -U, -0/--argv0) apply to the emulated run only.

Replay (the default): what the native run received that a program cannot predict is recorded
and handed to the emulated run at the same points, per process (by its place in the creation
tree: the first process, the k-th process or thread each one created) and program: getrandom's
bytes, the 16 AT_RANDOM bytes, clock reads (clock_gettime and clock_gettime64 of the fixed
clocks, gettimeofday, time) and rdtsc/rdtscp values. Absolute deadlines the program computes from
a replayed clock (TIMER_ABSTIME sleeps and timers, futex and mq timeouts) are moved by that clock's
offset onto the emulated run's real clock, and the emulated run leaves the native vDSO's place
free, so that its mappings land at the same addresses. Natively the program then runs without a
vDSO (its clock reads are syscalls, compared exactly) and with rdtsc trapping to the tracer
(PR_SET_TSC). Where a process's calls of one kind stop matching the recording (another call,
another length or clock), that kind falls back to the emulated run's own values and the report
says where. Never replayed: pids, fds, addresses (the emulated run's own, normalised), bytes read
from /dev/urandom or /dev/random, the CPU-time clocks of other processes (their id holds a pid),
other time values (times, getrusage, sysinfo, what is left of a sleep; normalised), and the order
processes and threads are scheduled in and signals arrive.

Exit status: 0 all agree, 1 they diverge, 2 the program cannot run natively here.";

/// Emulator options that take a value (the next word, or `--opt=value` / `-Xvalue`).
const VALUED: &[&str] = &["-E", "-U", "--kernel-release", "-0", "--argv0", "-L"];
/// Emulator options `emu386 diff` sets itself.
const RESERVED: &[&str] =
    &["--strace", "--strace-file", "--strace-fd", "--strace-pids", "--execfn", "--replay", "--replay-place"];

/// The command line.
struct Options {
    json: bool,
    replay: bool,
    ignore: HashSet<String>,
    emulator: Vec<OsString>,
    program: PathBuf,
    args: Vec<OsString>,
}

fn parse(words: &[OsString]) -> Result<Option<Options>, String> {
    let mut json = false;
    let mut replay = true;
    let mut ignore = HashSet::new();
    let mut emulator = Vec::new();
    let mut rest = words.iter();
    let program = loop {
        let Some(word) = rest.next() else {
            return Err("no PROGRAM given".into());
        };
        let Some(text) = word.to_str() else {
            break word;
        };
        let (flag, inline) = match text.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (text, None),
        };
        match flag {
            "--" => break rest.next().ok_or("no PROGRAM given")?,
            "-h" | "--help" => return Ok(None),
            "--json" => json = true,
            "--no-replay" => replay = false,
            "--ignore" => {
                let list = match inline {
                    Some(v) => v.to_string(),
                    None => rest.next().and_then(|w| w.to_str()).ok_or("--ignore needs NAME,...")?.to_string(),
                };
                ignore.extend(list.split(',').filter(|n| !n.is_empty()).map(str::to_string));
            }
            _ if RESERVED.contains(&flag) => return Err(format!("{flag} is set by emu386 diff itself")),
            _ if VALUED.contains(&flag) => {
                emulator.push(word.clone());
                if inline.is_none() {
                    emulator.push(rest.next().ok_or(format!("{flag} needs a value"))?.clone());
                }
            }
            // -EVAR=VALUE, -UVAR, -0NAME.
            _ if VALUED.iter().any(|v| v.len() == 2 && flag.starts_with(v)) => emulator.push(word.clone()),
            _ if flag.starts_with('-') && flag.len() > 1 => return Err(format!("unknown option {flag}")),
            _ => break word,
        }
    };
    Ok(Some(Options { json, replay, ignore, emulator, program: PathBuf::from(program), args: rest.cloned().collect() }))
}

/// Whether `path` is an i386 ELF executable (32-bit, little-endian, EM_386).
fn check_i386(path: &Path) -> Result<(), String> {
    let mut head = [0u8; 20];
    File::open(path).and_then(|mut f| f.read_exact(&mut head)).map_err(|e| format!("{}: {e}", path.display()))?;
    if head[..4] != *b"\x7fELF" {
        return Err(format!("{}: not an ELF program", path.display()));
    }
    if head[4] != 1 || head[5] != 1 || u16::from_le_bytes([head[18], head[19]]) != 3 {
        return Err(format!("{}: not an i386 program", path.display()));
    }
    Ok(())
}

/// A scratch directory for the captured streams, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("emu386-diff-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)?;
        Ok(Scratch(dir))
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one side produced.
struct Side {
    outcome: Outcome,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    processes: Vec<Process>,
}

/// What replay did: per kind the inputs recorded natively and replayed in the emulated run, and
/// where replay stopped (stream, what happened).
#[derive(Default)]
struct Replayed {
    recorded: BTreeMap<Kind, usize>,
    replayed: BTreeMap<Kind, usize>,
    stops: Vec<(String, String)>,
}

/// The native run's inputs by stream (`PATH#GEN`): a process's PATH is its place in the creation
/// tree (`1`, then `P.k` for the k-th process or thread P created, in the order of its calls), which
/// the emulated run computes the same way (syscalls::replay).
fn recording(run: &native::NativeRun) -> Recording {
    let mut paths: HashMap<i32, String> = HashMap::new();
    let mut children: HashMap<i32, usize> = HashMap::new();
    for (pid, parent) in normalize::creation_order(&run.streams, run.root) {
        let path = match parent.and_then(|p| paths.get(&p).cloned().map(|path| (p, path))) {
            Some((parent, path)) => {
                let k = children.entry(parent).or_default();
                *k += 1;
                format!("{path}.{k}")
            }
            None if pid == run.root => "1".to_string(),
            None => continue,
        };
        paths.insert(pid, path);
    }
    let mut rec = Recording::default();
    for (pid, inputs) in &run.inputs {
        let Some(path) = paths.get(pid) else { continue };
        for (generation, event) in inputs {
            rec.streams.entry(replay::stream_name(path, *generation)).or_default().push(event.clone());
        }
    }
    rec
}

/// What the emulated processes reported (syscalls::replay::flush), against the recording: the
/// largest count reported per stream and kind (a stream may be reported again after a failed
/// execve), the stops once each.
fn replayed(rec: &Recording, report: &str) -> Replayed {
    let mut out = Replayed::default();
    for event in rec.streams.values().flatten() {
        *out.recorded.entry(event.kind).or_default() += 1;
    }
    let mut counts: BTreeMap<(String, Kind), usize> = BTreeMap::new();
    let mut stops = BTreeSet::new();
    for (stream, kind, used, stop) in report.lines().filter_map(replay::parse_report_line) {
        let count = counts.entry((stream.clone(), kind)).or_default();
        *count = (*count).max(used);
        if let Some(stop) = stop {
            stops.insert((stream, stop));
        }
    }
    for ((_, kind), used) in counts {
        *out.replayed.entry(kind).or_default() += used;
    }
    out.stops = stops.into_iter().collect();
    out
}

/// `getrandom 3/3, AT_RANDOM 1/1, …`: replayed of recorded, per kind.
fn replay_counts(r: &Replayed) -> String {
    Kind::ALL
        .iter()
        .map(|k| {
            let (done, of) = (r.replayed.get(k).copied().unwrap_or(0), r.recorded.get(k).copied().unwrap_or(0));
            format!("{} {done}/{of}", k.name())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first place the two call streams differ.
struct Divergence {
    process: usize,
    /// The host pids of that process on each side.
    pids: (Option<i32>, Option<i32>),
    call: usize,
    native: Option<String>,
    emulated: Option<String>,
    native_context: Vec<String>,
    emulated_context: Vec<String>,
}

/// Lines of context shown before and after a divergence.
const CONTEXT: usize = 3;

fn context(lines: &[String], at: usize) -> Vec<String> {
    let start = at.saturating_sub(CONTEXT);
    let end = (at + CONTEXT + 1).min(lines.len());
    lines.get(start..end).map(<[String]>::to_vec).unwrap_or_default()
}

fn first_divergence(native: &[Process], emulated: &[Process]) -> Option<Divergence> {
    let empty = Vec::new();
    for process in 0..native.len().max(emulated.len()) {
        let n = native.get(process).map_or(&empty, |p| &p.lines);
        let e = emulated.get(process).map_or(&empty, |p| &p.lines);
        let call = (0..n.len().max(e.len())).find(|&i| n.get(i) != e.get(i));
        // A process killed by a signal its last call let through (sigprocmask, kill): natively the
        // call's exit is traced before the signal is acted on, the emulator dies inside it.
        let killed = |p: Option<&Process>| p.is_some_and(Process::killed);
        let last_before_death = call.is_some_and(|c| {
            (c + 1 == n.len() && e.len() == c && killed(native.get(process)))
                || (c + 1 == e.len() && n.len() == c && killed(emulated.get(process)))
        });
        if last_before_death {
            continue;
        }
        if let Some(call) = call {
            return Some(Divergence {
                process,
                pids: (native.get(process).map(|p| p.pid), emulated.get(process).map(|p| p.pid)),
                call,
                native: n.get(call).cloned(),
                emulated: e.get(call).cloned(),
                native_context: context(n, call),
                emulated_context: context(e, call),
            });
        }
    }
    None
}

/// The names in the current directory.
fn cwd_entries() -> HashSet<OsString> {
    std::fs::read_dir(".").map(|d| d.filter_map(|e| e.ok().map(|e| e.file_name())).collect()).unwrap_or_default()
}

/// Remove what the native run created in the current directory (top-level entries that were not
/// there before), so that the emulated run starts from the same directory. Not in a sticky
/// world-writable directory such as /tmp, where other programs' new files would go too.
fn undo_new_entries(before: &HashSet<OsString>) {
    use std::os::unix::fs::PermissionsExt;
    let shared = std::fs::metadata(".").is_ok_and(|m| m.permissions().mode() & 0o1002 == 0o1002);
    if shared {
        return;
    }
    for name in cwd_entries().difference(before) {
        let path = Path::new(name);
        let _ = match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
            Ok(_) => std::fs::remove_file(path),
            Err(e) => Err(e),
        };
    }
}

/// The first quoted string of a trace line, unescaped (`quoted` in syscalls/src/trace.rs); `None`
/// when there is none or it was cut (`"…"...`).
fn first_string(line: &str) -> Option<Vec<u8>> {
    let start = line.find('"')? + 1;
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    loop {
        match *bytes.get(i)? {
            b'"' => break,
            b'\\' => {
                i += 1;
                let c = *bytes.get(i)?;
                let simple = match c {
                    b'n' => Some(b'\n'),
                    b't' => Some(b'\t'),
                    b'r' => Some(b'\r'),
                    b'v' => Some(0x0b),
                    b'f' => Some(0x0c),
                    b'"' | b'\\' => Some(c),
                    _ => None,
                };
                match simple {
                    Some(b) => out.push(b),
                    None => {
                        let digits = bytes[i..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d)).count();
                        let octal = std::str::from_utf8(&bytes[i..i + digits]).ok()?;
                        out.push(u8::from_str_radix(octal, 8).ok()?);
                        i += digits.max(1) - 1;
                    }
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    (!line[i + 1..].starts_with("...")).then_some(out)
}

/// What the native run created for itself at an absolute path (a file opened with
/// O_CREAT|O_EXCL, a directory it made), from its calls: the emulated run would find them there.
fn exclusive_creations(streams: &HashMap<i32, Stream>) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    for line in streams.values().flatten() {
        let call = normalize::name(line);
        let result = line.rsplit(" = ").next().and_then(|r| r.split(' ').next()).and_then(|r| r.parse::<i64>().ok());
        let dir = match call {
            "open" | "openat" if line.contains("O_CREAT") && line.contains("O_EXCL") => false,
            "mkdir" | "mkdirat" => true,
            _ => continue,
        };
        if result.is_none_or(|r| r < 0) {
            continue;
        }
        if let Some(path) = first_string(line).filter(|p| p.first() == Some(&b'/')) {
            out.push((PathBuf::from(OsString::from_vec(path)), dir));
        }
    }
    out
}

/// Remove what [`exclusive_creations`] found, newest first.
fn undo_exclusive_creations(created: &[(PathBuf, bool)]) {
    for (path, dir) in created.iter().rev() {
        let _ = match std::fs::symlink_metadata(path) {
            Ok(m) if *dir && m.is_dir() => std::fs::remove_dir_all(path),
            Ok(m) if !*dir && !m.is_dir() => std::fs::remove_file(path),
            _ => Ok(()),
        };
    }
}

fn run_native(
    opts: &Options,
    path: &Path,
    stdin: &Path,
    scratch: &Scratch,
) -> Result<(Side, Option<Recording>), String> {
    let cstring = |b: Vec<u8>| CString::new(b).map_err(|_| "an argument contains a NUL byte".to_string());
    let program = cstring(path.as_os_str().as_bytes().to_vec())?;
    let argv = std::iter::once(opts.program.clone().into_os_string())
        .chain(opts.args.iter().cloned())
        .map(|a| cstring(a.into_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    let envp = crate::host::process::raw_environment().into_iter().map(cstring).collect::<Result<Vec<_>, _>>()?;
    let io_err = |e: std::io::Error| e.to_string();
    let stdio = native::Stdio {
        stdin: File::open(stdin).map_err(io_err)?,
        stdout: File::create(scratch.file("native.out")).map_err(io_err)?,
        stderr: File::create(scratch.file("native.err")).map_err(io_err)?,
    };
    let before = cwd_entries();
    let run = native::run(&program, &argv, &envp, stdio, opts.replay).map_err(|e| e.to_string())?;
    undo_new_entries(&before);
    undo_exclusive_creations(&exclusive_creations(&run.streams));
    let ignore = opts.ignore.clone();
    let side = Side {
        outcome: run.outcome,
        stdout: std::fs::read(scratch.file("native.out")).unwrap_or_default(),
        stderr: std::fs::read(scratch.file("native.err")).unwrap_or_default(),
        processes: normalize::normalize(&run.streams, run.root, &ignore, opts.replay),
    };
    Ok((side, opts.replay.then(|| recording(&run))))
}

/// The emulated run; with a recording, replaying it (the hidden option `--replay FILE`, which a
/// guest execve carries over; the guest's argv and environment do not show it).
fn run_emulated(opts: &Options, stdin: &Path, scratch: &Scratch, recording: Option<&Path>) -> Result<Side, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find emu386 itself: {e}"))?;
    let trace = scratch.file("emulated.trace");
    let io_err = |e: std::io::Error| e.to_string();
    let mut command = Command::new(exe);
    if let Some(file) = recording {
        command.arg("--replay").arg(file);
        // As the native run (native::run): a program that asks personality(2) sees the same.
        crate::host::process::child_without_aslr(&mut command);
    }
    let mut child = command
        .args(&opts.emulator)
        .arg("--strace-pids")
        .arg("--strace-file")
        .arg(&trace)
        .arg("--")
        .arg(&opts.program)
        .args(&opts.args)
        .stdin(File::open(stdin).map_err(io_err)?)
        .stdout(File::create(scratch.file("emulated.out")).map_err(io_err)?)
        .stderr(File::create(scratch.file("emulated.err")).map_err(io_err)?)
        .spawn()
        .map_err(|e| format!("cannot run emu386: {e}"))?;
    let root = child.id() as i32;
    let status = child.wait().map_err(io_err)?;
    let outcome = match (status.code(), status.signal()) {
        (Some(code), _) => Outcome::Exited(code),
        (None, Some(sig)) => Outcome::Killed(sig),
        (None, None) => Outcome::Exited(-1),
    };
    let text = std::fs::read(&trace).unwrap_or_default();
    let mut streams: HashMap<i32, Stream> = HashMap::new();
    for line in String::from_utf8_lossy(&text).lines() {
        let Some((pid, call)) = line.strip_prefix("[pid ").and_then(|l| l.split_once("] ")) else {
            continue;
        };
        if let Ok(pid) = pid.parse::<i32>() {
            streams.entry(pid).or_default().push(call.to_string());
        }
    }
    Ok(Side {
        outcome,
        stdout: std::fs::read(scratch.file("emulated.out")).unwrap_or_default(),
        stderr: std::fs::read(scratch.file("emulated.err")).unwrap_or_default(),
        processes: normalize::normalize(&streams, root, &opts.ignore, opts.replay),
    })
}

fn calls(side: &Side) -> usize {
    side.processes.iter().map(|p| p.lines.len()).sum()
}

fn report_json(
    opts: &Options,
    native: &Side,
    emulated: &Side,
    divergence: Option<&Divergence>,
    agree: bool,
    replay: Option<&Replayed>,
) {
    let side = |s: &Side| {
        json!({
            "exit": s.outcome.to_json(),
            "processes": s.processes.len(),
            "calls": calls(s),
        })
    };
    let divergence = divergence.map(|d| {
        json!({
            "process": d.process + 1,
            "native_pid": d.pids.0,
            "emulated_pid": d.pids.1,
            "call": d.call + 1,
            "syscall": d.native.as_deref().or(d.emulated.as_deref()).map(normalize::name),
            "native": d.native,
            "emulated": d.emulated,
            "native_context": d.native_context,
            "emulated_context": d.emulated_context,
        })
    });
    let report = json!({
        "program": opts.program.to_string_lossy(),
        "agree": agree,
        "native": side(native),
        "emulated": side(emulated),
        "exit_status_matched": native.outcome == emulated.outcome,
        "stdout_matched": native.stdout == emulated.stdout,
        "stderr_matched": native.stderr == emulated.stderr,
        "replay": replay.map(|r| json!({
            "kinds": Kind::ALL.iter().map(|k| (k.name().to_string(), json!({
                "recorded": r.recorded.get(k).copied().unwrap_or(0),
                "replayed": r.replayed.get(k).copied().unwrap_or(0),
            }))).collect::<serde_json::Map<_, _>>(),
            "stopped": r.stops.iter().map(|(stream, why)| json!({ "stream": stream, "where": why })).collect::<Vec<_>>(),
        })),
        "ignored": {
            "always": normalize::always_ignored(opts.replay),
            "asked": opts.ignore.iter().collect::<Vec<_>>(),
        },
        "divergence": divergence,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
}

fn report_text(
    opts: &Options,
    native: &Side,
    emulated: &Side,
    divergence: Option<&Divergence>,
    agree: bool,
    replay: Option<&Replayed>,
) {
    let mut out = String::new();
    let program = opts.program.display();
    let same = |a: bool| if a { "same" } else { "DIFFERENT" };
    if agree {
        out.push_str(&format!(
            "emu386 diff: {program}: same ({} processes, {} calls, {})\n",
            native.processes.len(),
            calls(native),
            native.outcome.describe()
        ));
    } else {
        out.push_str(&format!("emu386 diff: {program}: diverges\n"));
        out.push_str(&format!(
            "  exit status: native {}, emulated {}\n",
            native.outcome.describe(),
            emulated.outcome.describe()
        ));
        out.push_str(&format!(
            "  stdout: {}; stderr: {}\n",
            same(native.stdout == emulated.stdout),
            same(native.stderr == emulated.stderr)
        ));
        match divergence {
            None => out.push_str("  syscalls: same\n"),
            Some(d) => {
                let what = d.native.as_deref().or(d.emulated.as_deref()).map_or("", normalize::name);
                out.push_str(&format!(
                    "  first divergent syscall: {what} (process {}, call {})\n",
                    d.process + 1,
                    d.call + 1
                ));
                // The window starts up to CONTEXT calls before the divergent one.
                let at = d.call.min(CONTEXT);
                for (label, lines, call) in
                    [("native", &d.native_context, &d.native), ("emulated", &d.emulated_context, &d.emulated)]
                {
                    out.push_str(&format!("  {label}:\n"));
                    for (i, line) in lines.iter().enumerate() {
                        out.push_str(&format!("    {} {line}\n", if i == at { ">" } else { " " }));
                    }
                    if call.is_none() {
                        out.push_str("    > (no more calls)\n");
                    }
                }
            }
        }
    }
    match replay {
        Some(r) => {
            out.push_str(&format!("  replayed: {}\n", replay_counts(r)));
            for (stream, why) in &r.stops {
                out.push_str(&format!("  replay stopped in {stream} {why}\n"));
            }
        }
        None => out.push_str("  replay: off\n"),
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
}

pub fn main(args: &[OsString]) -> ExitCode {
    let opts = match parse(args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}\n\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("emu386 diff: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let path = crate::resolve(&opts.program);
    if let Err(e) = check_i386(&path) {
        eprintln!("emu386 diff: {e}: cannot run it natively here");
        return ExitCode::from(2);
    }
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("emu386 diff: cannot read stdin: {e}");
        return ExitCode::from(2);
    }
    let scratch = match Scratch::new() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("emu386 diff: cannot make a scratch directory: {e}");
            return ExitCode::from(2);
        }
    };
    let stdin = scratch.file("stdin");
    if let Err(e) = std::fs::write(&stdin, &input) {
        eprintln!("emu386 diff: {e}");
        return ExitCode::from(2);
    }
    let (native, recorded) = match run_native(&opts, &path, &stdin, &scratch) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("emu386 diff: {}: {e}", opts.program.display());
            return ExitCode::from(2);
        }
    };
    let recording_file = scratch.file("replay");
    if let Some(rec) = &recorded {
        if let Err(e) = std::fs::write(&recording_file, rec.to_text()) {
            eprintln!("emu386 diff: {e}");
            return ExitCode::from(2);
        }
    }
    let emulated = match run_emulated(&opts, &stdin, &scratch, recorded.as_ref().map(|_| recording_file.as_path())) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("emu386 diff: {e}");
            return ExitCode::from(2);
        }
    };
    let divergence = first_divergence(&native.processes, &emulated.processes);
    let agree = divergence.is_none()
        && native.outcome == emulated.outcome
        && native.stdout == emulated.stdout
        && native.stderr == emulated.stderr;
    let replay = recorded.as_ref().map(|rec| {
        let report = std::fs::read_to_string(replay::report_file(&recording_file)).unwrap_or_default();
        replayed(rec, &report)
    });
    if opts.json {
        report_json(&opts, &native, &emulated, divergence.as_ref(), agree, replay.as_ref());
    } else {
        report_text(&opts, &native, &emulated, divergence.as_ref(), agree, replay.as_ref());
    }
    if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_creations_are_found_in_the_trace() {
        let lines = [
            r#"openat(AT_FDCWD, "/tmp/a\"b\303\251", O_RDWR|O_CREAT|O_EXCL, 0600) = 3"#,
            r#"openat(AT_FDCWD, "/tmp/x", O_RDWR|O_CREAT|O_EXCL, 0600) = -1 EEXIST (File exists)"#,
            r#"openat(AT_FDCWD, "/tmp/y", O_RDWR|O_CREAT, 0600) = 4"#,
            r#"openat(AT_FDCWD, "relative", O_RDWR|O_CREAT|O_EXCL, 0600) = 5"#,
            r#"mkdir("/tmp/d", 0700) = 0"#,
            r#"write(1, "/tmp/z", 6) = 6"#,
        ];
        let streams: HashMap<i32, Stream> = [(1, lines.iter().map(|l| l.to_string()).collect())].into();
        let found = exclusive_creations(&streams);
        assert_eq!(found, [(PathBuf::from("/tmp/a\"bé"), false), (PathBuf::from("/tmp/d"), true)]);
        assert_eq!(first_string(r#"open("/tmp/longer"..., O_RDONLY) = 3"#), None);
    }
}
