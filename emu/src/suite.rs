//! `emu386 suite MANIFEST.toml`: run a suite of i386 programs under this emu386 and check each
//! one's exit status and output against the manifest's expectations, or against a native run.
//!
//! The manifest is checked whole before any case runs (`manifest`); each run gets a clean
//! environment, its own process group and a time limit (`exec`); the verdicts are printed one line
//! per case in manifest order, and optionally written as JUnit XML (`junit`). Exit status: 0 when
//! every case run passed, 1 when one failed, 2 for a usage or manifest error.

mod compare;
mod exec;
mod junit;
mod manifest;
mod supervise;

use clap::Parser;
use exec::{Invocation, Outcome, RunError};
use manifest::{Case, Check, Expected};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const MANIFEST_HELP: &str = "\
MANIFEST: a TOML file of [[case]] tables; unknown keys are an error.

  [[case]]
  name = \"hello\"             # required, unique
  program = \"bin/hello\"      # required; relative to the manifest's directory, or absolute
  args = [\"a\", \"b\"]          # arguments; argv[0] is the program's path
  stdin = \"input\\n\"          # default: /dev/null
  env = { TZ = \"UTC\" }       # the environment is exactly PATH (emu386 suite's own), LANG=C and these
  cwd = \"data\"               # relative like program; default: a fresh empty temporary directory
  timeout = 2.5              # seconds, default 10; then the process group is killed and the case fails
  expect_stdout = \"hello\\n\"  # compared byte for byte; not checked when absent
  expect_stderr = \"\"         # the same for stderr
  expect_exit = 3            # default 0
  expect_signal = \"SIGSEGV\"  # or a number: the program must be killed by this signal
  diff = true                # instead of expect_*: also run it natively, compare status, stdout, stderr
  skip = \"reason\"            # not run; reported as SKIP
  net = \"private\"           # a private network of the case's own (emu386 --net=private); or \"host\"

Each case runs under this emu386, in its own process group; when the program exits, whatever it
left running is killed: its process group, and processes that left the group (daemons that called
setsid()), which are named in the case's line (`; killed 1 process it left behind: PID CMDLINE`).
Output goes to temporary files and is compared from there, so a case may print any amount.
Cases run in parallel (--jobs); the output stays in manifest order: `PASS name (0.12 s)`,
`FAIL name: reason` (the status mismatch, or the stream and its first differing line),
`SKIP name: reason`, then `N passed, M failed` (`, K skipped`).
--shard and --filter select cases; the others are not reported.
Exit status: 0 when every case run passed, 1 when one failed, 2 for a usage or manifest error
(or a JUnit file that cannot be written).";

/// Run a suite of i386 programs under emu386 and check their exit status and output.
#[derive(Parser, Debug)]
#[command(name = "emu386 suite", after_long_help = MANIFEST_HELP)]
#[command(after_help = "See --help for the manifest format.")]
struct SuiteCli {
    /// Run up to N cases at once (default: the number of CPUs).
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,

    /// Also write the results to FILE as JUnit XML.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,

    /// Run only shard I of N (1-based): the cases whose 0-based index in the manifest is I-1 modulo N.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<Shard>,

    /// Run only the cases whose name contains SUBSTRING.
    #[arg(long, value_name = "SUBSTRING")]
    filter: Option<String>,

    /// The network of the cases whose manifest entry has no `net`: host (the default) or private
    /// (each case on a private network of its own: emu386 --net=private).
    #[arg(long, value_name = "MODE", value_parser = ["host", "private"])]
    net: Option<String>,

    /// The suite's manifest (TOML).
    manifest: PathBuf,
}

/// `--shard I/N`: shard `index` (0-based here) of `count`.
#[derive(Debug, Clone, Copy)]
struct Shard {
    index: usize,
    count: usize,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (i, n) = text.split_once('/').ok_or("expected I/N, e.g. 1/4")?;
    let i: usize = i.trim().parse().map_err(|_| format!("{i:?} is not a shard number"))?;
    let n: usize = n.trim().parse().map_err(|_| format!("{n:?} is not a shard count"))?;
    if n == 0 {
        return Err("the shard count must be at least 1".to_owned());
    }
    if i == 0 || i > n {
        return Err(format!("the shard number must be 1 to {n}"));
    }
    Ok(Shard { index: i - 1, count: n })
}

/// How a case ended.
enum Verdict {
    Pass,
    Fail(String),
    Skip(String),
}

struct Report {
    verdict: Verdict,
    elapsed: Duration,
    /// Processes the case left behind outside its process group, which were killed.
    left_behind: Vec<String>,
    /// For the JUnit file: the reason and the emulated run's output.
    details: String,
}

/// What every case shares.
struct Context {
    /// This emu386.
    emulator: PathBuf,
    /// The runner's PATH, passed on to every case.
    path: String,
    /// `emu386 suite --net=private`.
    private_net: bool,
}

pub fn main(args: &[OsString]) -> ExitCode {
    if args.first().is_some_and(|a| a == "__case") {
        return supervise::main(&args[1..]);
    }
    let words = std::iter::once(OsString::from("emu386 suite")).chain(args.iter().cloned());
    let cli = match SuiteCli::try_parse_from(words) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let cases = match manifest::load(&cli.manifest) {
        Ok(cases) => cases,
        Err(e) => {
            eprintln!("emu386 suite: {e}");
            return ExitCode::from(2);
        }
    };
    let emulator = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("emu386 suite: cannot find the emu386 binary: {e}");
            return ExitCode::from(2);
        }
    };
    let context = Context {
        emulator,
        path: std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_owned()),
        private_net: cli.net.as_deref() == Some("private"),
    };
    let selected: Vec<&Case> = cases
        .iter()
        .enumerate()
        .filter(|(i, _)| cli.shard.is_none_or(|s| i % s.count == s.index))
        .map(|(_, case)| case)
        .filter(|case| cli.filter.as_ref().is_none_or(|f| case.name.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        eprintln!("emu386 suite: no case selected");
    }
    let jobs = cli.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);

    let start = Instant::now();
    let reports = run_all(&selected, &context, jobs);
    let total = start.elapsed();

    let count = |f: fn(&Verdict) -> bool| reports.iter().filter(|r| f(&r.verdict)).count();
    let passed = count(|v| matches!(v, Verdict::Pass));
    let failed = count(|v| matches!(v, Verdict::Fail(_)));
    let skipped = count(|v| matches!(v, Verdict::Skip(_)));
    if skipped > 0 {
        println!("{passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("{passed} passed, {failed} failed");
    }

    if let Some(file) = &cli.junit {
        let classname = cli.manifest.file_stem().map_or_else(|| "suite".into(), |s| s.to_string_lossy());
        let xml = junit::render(&classname, &junit_cases(&selected, &reports), total);
        if let Err(e) = std::fs::write(file, xml) {
            eprintln!("emu386 suite: cannot write {}: {e}", file.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::from(if failed > 0 { 1 } else { 0 })
}

fn junit_cases<'a>(cases: &[&'a Case], reports: &'a [Report]) -> Vec<junit::TestCase<'a>> {
    cases
        .iter()
        .zip(reports)
        .map(|(case, report)| junit::TestCase {
            name: &case.name,
            time: report.elapsed,
            result: match &report.verdict {
                Verdict::Pass => junit::Result::Passed,
                Verdict::Fail(reason) => junit::Result::Failed { message: reason, details: &report.details },
                Verdict::Skip(reason) => junit::Result::Skipped { message: reason },
            },
        })
        .collect()
}

/// Run `cases` on `jobs` threads, printing each verdict as soon as every case before it has one.
/// The reports come back in the order of `cases`.
fn run_all(cases: &[&Case], context: &Context, jobs: usize) -> Vec<Report> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    let mut done: BTreeMap<usize, Report> = BTreeMap::new();
    let mut reports = Vec::with_capacity(cases.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(cases.len()) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                if tx.send((i, run_case(case, context))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, report) in rx {
            done.insert(i, report);
            while let Some(report) = done.remove(&reports.len()) {
                if let Some(case) = cases.get(reports.len()) {
                    print_verdict(case, &report);
                }
                reports.push(report);
            }
        }
    });
    reports
}

fn print_verdict(case: &Case, report: &Report) {
    match &report.verdict {
        Verdict::Pass => println!(
            "PASS {} ({:.2} s{})",
            case.name,
            report.elapsed.as_secs_f64(),
            describe_left_behind(&report.left_behind)
        ),
        Verdict::Fail(reason) => println!("FAIL {}: {reason}{}", case.name, describe_left_behind(&report.left_behind)),
        Verdict::Skip(reason) => println!("SKIP {}: {reason}", case.name),
    }
}

/// Run one case and judge it.
fn run_case(case: &Case, context: &Context) -> Report {
    let start = Instant::now();
    if let Some(reason) = &case.skip {
        return Report {
            verdict: Verdict::Skip(reason.clone()),
            elapsed: Duration::ZERO,
            left_behind: Vec::new(),
            details: String::new(),
        };
    }
    let mut left_behind = Vec::new();
    let (verdict, output) = match judge_case(case, context, &mut left_behind) {
        Ok(()) => (Verdict::Pass, None),
        Err((reason, output)) => (Verdict::Fail(reason), output),
    };
    let details = match (&verdict, output) {
        (Verdict::Fail(reason), Some(out)) => format!(
            "{reason}{}\n\nstdout:\n{}\nstderr:\n{}",
            describe_left_behind(&left_behind),
            excerpt(&out.stdout),
            excerpt(&out.stderr)
        ),
        (Verdict::Fail(reason), None) => format!("{reason}{}", describe_left_behind(&left_behind)),
        _ => String::new(),
    };
    Report { verdict, elapsed: start.elapsed(), left_behind, details }
}

/// "; killed 2 processes it left behind: 4242 sleep 30, 4243 sh -c x", or nothing.
fn describe_left_behind(left_behind: &[String]) -> String {
    match left_behind.len() {
        0 => String::new(),
        1 => format!("; killed 1 process it left behind: {}", left_behind.join(", ")),
        n => format!("; killed {n} processes it left behind: {}", left_behind.join(", ")),
    }
}

/// Ok, or the reason the case failed and the emulated run's output when there was one.
/// Processes the runs left behind are added to `left_behind`.
fn judge_case(case: &Case, context: &Context, left_behind: &mut Vec<String>) -> Result<(), (String, Option<Outcome>)> {
    if let Err(e) = std::fs::metadata(&case.program) {
        return Err((format!("program {}: {e}", case.program.display()), None));
    }
    if let Some(cwd) = &case.cwd {
        if !cwd.is_dir() {
            return Err((format!("cwd {}: not a directory", cwd.display()), None));
        }
    }
    match &case.check {
        Check::Expect(expected) => {
            let emulated = run_once(case, context, true, left_behind).map_err(|reason| (reason, None))?;
            match check_expected(expected, &emulated) {
                Ok(()) => Ok(()),
                Err(reason) => Err((reason, Some(emulated))),
            }
        }
        Check::Native => {
            let native = run_once(case, context, false, left_behind)
                .map_err(|reason| (format!("native run: {reason}"), None))?;
            let emulated = run_once(case, context, true, left_behind).map_err(|reason| (reason, None))?;
            match compare_with_native(&native, &emulated) {
                Ok(()) => Ok(()),
                Err(reason) => Err((reason, Some(emulated))),
            }
        }
    }
}

/// Run the case's program once, under emu386 (`emulated`) or natively; what it left behind is added
/// to `left_behind` (marked "native" for a native run).
fn run_once(case: &Case, context: &Context, emulated: bool, left_behind: &mut Vec<String>) -> Result<Outcome, String> {
    let scratch;
    let cwd = match &case.cwd {
        Some(cwd) => cwd.as_path(),
        None => {
            scratch = tempfile::Builder::new()
                .prefix("emu386-suite.")
                .tempdir()
                .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
            scratch.path()
        }
    };
    let mut env = BTreeMap::from([("PATH".to_owned(), context.path.clone()), ("LANG".to_owned(), "C".to_owned())]);
    env.extend(case.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let args = case.args.iter().map(OsString::from);
    let (program, args): (&Path, Vec<OsString>) = if emulated {
        // `--` ends emu386's options: the program and its arguments follow whatever they look like.
        let private = case.private_net.unwrap_or(context.private_net);
        let net = private.then(|| OsString::from("--net=private"));
        let head = [OsString::from("--"), case.program.clone().into_os_string()];
        (&context.emulator, net.into_iter().chain(head).chain(args).collect())
    } else {
        (&case.program, args.collect())
    };
    let inv = Invocation {
        supervisor: &context.emulator,
        program: program.as_os_str(),
        args,
        env: &env,
        stdin: case.stdin.as_deref().map(str::as_bytes),
        cwd,
        timeout: case.timeout.duration(),
    };
    let mut note = |processes: Vec<String>| {
        let side = if emulated { "" } else { "native: " };
        left_behind.extend(processes.into_iter().map(|p| format!("{side}{p}")));
    };
    match exec::run(&inv) {
        Ok(mut outcome) => {
            note(std::mem::take(&mut outcome.left_behind));
            Ok(outcome)
        }
        Err(RunError::TimedOut { left_behind }) => {
            note(left_behind);
            Err(format!("timed out after {}", case.timeout))
        }
        Err(RunError::Spawn(e)) => Err(format!("cannot run {}: {e}", program.display())),
    }
}

/// Check an emulated run against the manifest's expectations; the reason names every mismatch.
fn check_expected(expected: &Expected, got: &Outcome) -> Result<(), String> {
    let mut problems = Vec::new();
    if got.status != expected.status {
        problems.push(format!("expected {}, got {}", expected.status, got.status));
    }
    for (stream, want, got) in [("stdout", &expected.stdout, &got.stdout), ("stderr", &expected.stderr, &got.stderr)] {
        if let Some(want) = want {
            match got.reader().and_then(|got| compare::first_difference(want.as_bytes(), got)) {
                Ok(None) => {}
                Ok(Some(difference)) => problems.push(difference.describe(stream, "expected", "got")),
                Err(e) => problems.push(format!("cannot read {stream}: {e}")),
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The comparison `diff = true` makes: status, then stdout, then stderr; the reason names every
/// difference. (The `emu386 diff` engine will take this over.)
fn compare_with_native(native: &Outcome, emulated: &Outcome) -> Result<(), String> {
    let mut problems = Vec::new();
    if native.status != emulated.status {
        problems.push(format!("status differs: native {}, emu386 {}", native.status, emulated.status));
    }
    for (stream, a, b) in [("stdout", &native.stdout, &emulated.stdout), ("stderr", &native.stderr, &emulated.stderr)] {
        match a.reader().and_then(|a| b.reader().and_then(|b| compare::first_difference(a, b))) {
            Ok(None) => {}
            Ok(Some(difference)) => problems.push(difference.describe(stream, "native", "emu386")),
            Err(e) => problems.push(format!("cannot read {stream}: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Output for the JUnit details: its end when it is long.
fn excerpt(output: &exec::Captured) -> String {
    const MAX: u64 = 16 << 10;
    match output.tail(MAX) {
        Ok((0, bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Ok((before, bytes)) => {
            // Start at a character boundary: skip UTF-8 continuation bytes.
            let start = bytes.iter().position(|&b| b & 0xc0 != 0x80).unwrap_or(0);
            let before = before + u64::try_from(start).unwrap_or(0);
            format!("[{before} bytes before this]\n{}", String::from_utf8_lossy(bytes.get(start..).unwrap_or_default()))
        }
        Err(e) => format!("[cannot read it: {e}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards() {
        assert!(matches!(parse_shard("2/3"), Ok(Shard { index: 1, count: 3 })));
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
        assert!(parse_shard("1/0").is_err());
        assert!(parse_shard("1").is_err());
        assert!(parse_shard("a/b").is_err());
    }
}
