//! `emu386 suite`, end to end: the manifest `tests/suite/cases.toml` (passing, failing, timed-out,
//! skipped and diff cases) run next to i386 builds of its programs; the per-case lines, the count
//! line, the exit status, sharding, the JUnit file, and manifests that must be refused.

mod common;

use common::{build_fixture, command, run, Outcome, EMU386};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Put `file` at `to` by rename: another test run may be executing the old one.
fn install(file: &Path, to: &Path) {
    let tmp = to.with_extension(format!("tmp{}", std::process::id()));
    std::fs::copy(file, &tmp).unwrap();
    std::fs::rename(&tmp, to).unwrap();
}

/// The suite directory: the manifests of tests/suite/ and the programs they name.
fn suite_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let src = common::workspace().join("tests/suite");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("suite");
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["hello", "exit_status", "args_env"] {
            install(&build_fixture(name).0, &dir.join(name));
        }
        let tool = dir.join(format!("tool.tmp{}", std::process::id()));
        let status = Command::new("gcc")
            .args(["-m32", "-static", "-O1", "-Wall", "-o"])
            .arg(&tool)
            .arg(src.join("tool.c"))
            .status()
            .expect("gcc (install gcc-multilib)");
        assert!(status.success(), "gcc failed for tests/suite/tool.c");
        std::fs::rename(&tool, dir.join("tool")).unwrap();
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                install(&path, &dir.join(path.file_name().unwrap()));
            }
        }
        dir
    })
}

/// `emu386 suite ARGS...` in the suite directory.
fn suite(args: &[&str]) -> Outcome {
    let mut cmd = command(EMU386, suite_dir());
    cmd.arg("suite").args(args);
    run(cmd, b"")
}

/// Every case of cases.toml in manifest order, with the start of its line.
const EXPECTED: &[(&str, &str)] = &[
    ("hello", "PASS hello ("),
    ("exit-200", "PASS exit-200 ("),
    ("args-env", "PASS args-env ("),
    ("stdin", "PASS stdin ("),
    ("stderr", "PASS stderr ("),
    ("cwd", "PASS cwd ("),
    ("segv", "PASS segv ("),
    (
        "wrong-stdout",
        r#"FAIL wrong-stdout: stdout differs at line 1: expected "hello from amd64\n", got "hello from i386\n""#,
    ),
    ("wrong-exit", "FAIL wrong-exit: expected exit status 0, got exit status 1"),
    ("timeout-sleep", "FAIL timeout-sleep: timed out after 0.5s"),
    ("timeout-spin", "FAIL timeout-spin: timed out after 0.5s"),
    ("diff-hello", "PASS diff-hello ("),
    ("diff-args-env", "PASS diff-args-env ("),
    ("diff-cwd", r#"FAIL diff-cwd: stdout differs at line 1: native "/tmp/"#),
    ("skipped", "SKIP skipped: not today"),
];

/// The case lines of a run's stdout (all but the count line).
fn case_lines(out: &Outcome) -> Vec<String> {
    let text = out.stdout_str();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.pop();
    lines
}

fn name_of(line: &str) -> &str {
    let rest = line.split_once(' ').map_or("", |(_, rest)| rest);
    rest.split([' ', ':']).next().unwrap_or_default()
}

#[test]
fn a_mixed_suite_reports_each_case_the_counts_and_fails() {
    let junit = Path::new(env!("CARGO_TARGET_TMPDIR")).join("suite-mixed.xml");
    let start = Instant::now();
    let out = suite(&["--jobs", "4", "--junit", junit.to_str().unwrap(), "cases.toml"]);
    // The timed-out programs were killed: nothing waited for `sleep(1000)`.
    assert!(start.elapsed() < Duration::from_secs(15), "took {:?}", start.elapsed());
    assert_eq!(out.status, "exit status 1", "stderr: {}", out.stderr_str());
    let text = out.stdout_str();
    assert_eq!(text.lines().last(), Some("9 passed, 5 failed, 1 skipped"), "{text}");
    let lines = case_lines(&out);
    assert_eq!(lines.len(), EXPECTED.len(), "{text}");
    for (line, (name, start)) in lines.iter().zip(EXPECTED) {
        assert!(line.starts_with(start), "{name}: expected a line starting {start:?}, got {line:?}");
        if line.starts_with("PASS") {
            assert!(line.ends_with(" s)"), "{line}");
        }
    }
    check_junit(&junit, &lines);
}

/// The JUnit file agrees with the printed lines: counts, names in order, each failure's reason.
fn check_junit(path: &Path, lines: &[String]) {
    let xml = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("bad XML ({e}):\n{xml}"));
    let suite = doc.root_element();
    assert_eq!(suite.tag_name().name(), "testsuite");
    assert_eq!(suite.attribute("name"), Some("emu386"));
    assert_eq!(suite.attribute("tests"), Some("15"));
    assert_eq!(suite.attribute("failures"), Some("5"));
    assert_eq!(suite.attribute("skipped"), Some("1"));
    assert!(suite.attribute("time").unwrap().parse::<f64>().unwrap() > 0.0);
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), lines.len());
    for (case, line) in cases.iter().zip(lines) {
        let name = case.attribute("name").unwrap();
        assert_eq!(name, name_of(line));
        assert_eq!(case.attribute("classname"), Some("cases"));
        assert!(case.attribute("time").unwrap().parse::<f64>().is_ok());
        let failure = case.children().find(|n| n.has_tag_name("failure"));
        let skipped = case.children().find(|n| n.has_tag_name("skipped"));
        match line.split_once(' ').unwrap().0 {
            "PASS" => assert!(failure.is_none() && skipped.is_none(), "{name}"),
            "FAIL" => {
                let failure = failure.unwrap_or_else(|| panic!("{name}: no <failure>"));
                let reason = line.split_once(": ").unwrap().1;
                assert_eq!(failure.attribute("message"), Some(reason), "{name}");
                assert!(failure.text().unwrap_or_default().starts_with(reason), "{name}");
            }
            "SKIP" => assert!(skipped.is_some() && failure.is_none(), "{name}"),
            other => panic!("{other}"),
        }
    }
    // The wrong-stdout failure carries the program's actual output.
    let wrong = cases.iter().find(|c| c.attribute("name") == Some("wrong-stdout")).unwrap();
    let details = wrong.children().find(|n| n.has_tag_name("failure")).unwrap().text().unwrap();
    assert!(details.contains("stdout:\nhello from i386\n"), "{details}");
}

#[test]
fn two_shards_cover_every_case_once() {
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = suite(&["--shard", shard, "cases.toml"]);
        let lines = case_lines(&out);
        let names: Vec<&str> = lines.iter().map(|l| name_of(l)).collect();
        // Shard I of 2 holds the cases at 0-based indexes I-1, I+1, ...
        let first = if shard == "1/2" { 0 } else { 1 };
        let want: Vec<&str> = EXPECTED.iter().skip(first).step_by(2).map(|(n, _)| *n).collect();
        assert_eq!(names, want, "shard {shard}: {}", out.stdout_str());
        let (passed, failed, skipped) = lines.iter().fold((0, 0, 0), |(p, f, s), l| match &l[..4] {
            "PASS" => (p + 1, f, s),
            "FAIL" => (p, f + 1, s),
            _ => (p, f, s + 1),
        });
        let mut count = format!("{passed} passed, {failed} failed");
        if skipped > 0 {
            count += &format!(", {skipped} skipped");
        }
        assert_eq!(out.stdout_str().lines().last(), Some(count.as_str()));
        seen.extend(names.into_iter().map(str::to_owned));
    }
    seen.sort();
    let mut all: Vec<String> = EXPECTED.iter().map(|(n, _)| n.to_string()).collect();
    all.sort();
    assert_eq!(seen, all);
}

#[test]
fn a_suite_whose_cases_pass_exits_0() {
    let out = suite(&["--filter", "diff-", "cases.toml"]);
    // diff-hello and diff-args-env match their native runs; diff-cwd cannot.
    assert_eq!(out.stdout_str().lines().last(), Some("2 passed, 1 failed"));
    assert_eq!(out.status, "exit status 1");
    let out = suite(&["--filter", "hello", "-j", "1", "cases.toml"]);
    let lines = case_lines(&out);
    assert_eq!(lines.iter().map(|l| name_of(l)).collect::<Vec<_>>(), ["hello", "diff-hello"]);
    assert_eq!(out.stdout_str().lines().last(), Some("2 passed, 0 failed"), "{}", out.stderr_str());
    assert_eq!(out.status, "exit status 0");
}

/// A refusal before any case runs: status 2, nothing on stdout, a message containing each of `want`.
fn assert_refused(args: &[&str], want: &[&str]) {
    let out = suite(args);
    assert_eq!(out.status, "exit status 2", "{args:?}: {}", out.stderr_str());
    assert_eq!(out.stdout_str(), "", "{args:?}");
    for w in want {
        assert!(out.stderr_str().contains(w), "{args:?}: expected {w:?} in {:?}", out.stderr_str());
    }
}

#[test]
fn malformed_manifests_are_refused_with_the_place() {
    assert_refused(&["bad_unknown_key.toml"], &["bad_unknown_key.toml:6:", "\"typo\"", "\"expect_stdut\""]);
    assert_refused(&["bad_missing_name.toml"], &["bad_missing_name.toml:5:", "case #2", "missing \"name\""]);
    assert_refused(&["bad_syntax.toml"], &["bad_syntax.toml:3:"]);
    assert_refused(&["no-such-manifest.toml"], &["no-such-manifest.toml", "No such file"]);
}

#[test]
fn bad_options_are_refused() {
    assert_refused(&["--shard", "0/2", "cases.toml"], &["--shard"]);
    assert_refused(&["--shard", "3/2", "cases.toml"], &["1 to 2"]);
    assert_refused(&["--shard", "1/0", "cases.toml"], &["at least 1"]);
    assert_refused(&["--shard", "1", "cases.toml"], &["I/N"]);
    assert_refused(&["--jobs", "0", "cases.toml"], &["--jobs"]);
    assert_refused(&[], &["MANIFEST"]);
}

#[test]
fn help_documents_the_manifest() {
    let out = suite(&["--help"]);
    assert_eq!(out.status, "exit status 0");
    for key in ["expect_stdout", "expect_signal", "diff = true", "skip", "--shard", "--junit", "LANG=C"] {
        assert!(out.stdout_str().contains(key), "--help does not mention {key}");
    }
}

/// Every live process whose command line contains `needle` (its pid and that command line).
fn processes_matching(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let line = String::from_utf8_lossy(&raw).replace('\0', " ");
        if line.contains(needle) && pid != std::process::id() {
            found.push(format!("{pid} {line}"));
        }
    }
    found
}

/// A program that leaves daemons behind (setsid, then a double fork): they are outside its process
/// group, so only the case supervisor, a child subreaper, can find them. They are killed when the
/// case ends and named in its line, natively too; a failing case names them after its reason.
#[test]
fn processes_left_behind_are_killed_and_reported() {
    let out = suite(&["--filter", "daemon", "leftovers.toml"]);
    let lines = case_lines(&out);
    assert_eq!(lines.len(), 3, "{}\n{}", out.stdout_str(), out.stderr_str());
    let tool = suite_dir().join("tool");
    let tool = tool.to_str().unwrap();
    // The processes named after "processes it left behind: ": is each one native?
    let natives = |line: &str| -> Vec<bool> {
        let (_, list) = line.split_once("processes it left behind: ").unwrap_or_else(|| panic!("{line}"));
        let list = list.strip_suffix(')').unwrap_or(list);
        list.split(", ")
            .map(|entry| {
                let (native, entry) = entry.strip_prefix("native: ").map_or((false, entry), |e| (true, e));
                let (pid, cmdline) = entry.split_once(' ').unwrap_or_else(|| panic!("{line}"));
                assert!(pid.parse::<u32>().is_ok(), "{line}");
                assert_eq!(cmdline, format!("{tool} daemon"), "{line}");
                native
            })
            .collect()
    };
    assert!(lines[0].starts_with("PASS daemon ("), "{}", lines[0]);
    assert!(lines[0].contains("; killed 2 processes"), "{}", lines[0]);
    assert_eq!(natives(&lines[0]), [false, false]);
    assert!(lines[1].starts_with("PASS daemon-diff ("), "{}", lines[1]);
    assert_eq!(natives(&lines[1]), [true, true, false, false], "{}", lines[1]);
    let fail = r#"FAIL daemon-fails: stdout differs at line 1: expected "never\n", got "parent done\n"; killed 2"#;
    assert!(lines[2].starts_with(fail), "{}", lines[2]);
    assert_eq!(natives(&lines[2]), [false, false]);
    assert_eq!(out.stdout_str().lines().last(), Some("2 passed, 1 failed"));
    assert_eq!(processes_matching(&format!("{tool} daemon")), Vec::<String>::new(), "daemons survived the suite");
}

/// The runner keeps no case's output in memory: a case printing 512 MiB, natively and emulated,
/// is compared from files, and the suite's peak resident size stays far below the output's size.
#[test]
fn large_outputs_are_compared_from_files() {
    let mut cmd = command("/usr/bin/time", suite_dir());
    cmd.args(["-f", "maxrss-kib %M", EMU386, "suite", "--filter", "spew", "leftovers.toml"]);
    let out = common::run_for(cmd, b"", Duration::from_secs(300));
    assert_eq!(out.stdout_str().lines().last(), Some("1 passed, 0 failed"), "{}", out.stderr_str());
    let kib: u64 = out
        .stderr_str()
        .lines()
        .find_map(|l| l.strip_prefix("maxrss-kib "))
        .and_then(|k| k.trim().parse().ok())
        .unwrap_or_else(|| panic!("no maxrss in {}", out.stderr_str()));
    assert!(kib < 128 << 10, "peak resident {kib} KiB for 512 MiB of output");
}
