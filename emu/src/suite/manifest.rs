//! The suite manifest: a TOML file of `[[case]]` tables. It is checked whole before anything runs:
//! a syntax error, an unknown key, a missing or repeated name or a value of the wrong type is an
//! error naming the line and the case, and no case runs.

use super::exec::{signal_number, Status};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The keys a `[[case]]` table may have.
const KNOWN_KEYS: &[&str] = &[
    "name",
    "program",
    "args",
    "stdin",
    "env",
    "cwd",
    "timeout",
    "expect_stdout",
    "expect_stderr",
    "expect_exit",
    "expect_signal",
    "diff",
    "skip",
    "net",
];

/// How long a case may run when the manifest does not say.
const DEFAULT_TIMEOUT: f64 = 10.0;

/// One case, its paths made absolute.
#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    /// `None`: stdin is /dev/null.
    pub stdin: Option<String>,
    /// Added to PATH and LANG=C (and replacing them when named).
    pub env: BTreeMap<String, String>,
    /// `None`: a fresh empty temporary directory for each run.
    pub cwd: Option<PathBuf>,
    pub timeout: Timeout,
    pub check: Check,
    /// `Some(reason)`: not run, reported as skipped.
    pub skip: Option<String>,
    /// `net = "private"` (true) or `"host"` (false); `None`: as `emu386 suite --net` says.
    pub private_net: Option<bool>,
}

/// A case's time limit, kept as written for messages ("timed out after 0.5s").
#[derive(Debug, Clone, Copy)]
pub struct Timeout(pub f64);

impl Timeout {
    pub fn duration(self) -> Duration {
        Duration::from_secs_f64(self.0)
    }
}

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}s", self.0)
    }
}

/// What a case is judged by.
#[derive(Debug)]
pub enum Check {
    /// The emulated run against the manifest's expectations.
    Expect(Expected),
    /// The emulated run against a native run of the same program (`diff = true`).
    Native,
}

#[derive(Debug)]
pub struct Expected {
    pub status: Status,
    /// `None`: not checked.
    pub stdout: Option<String>,
    pub stderr: Option<String>,
}

/// The keys of a `[[case]]` table, typed; presence and unknown keys are checked before this.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    program: String,
    #[serde(default)]
    args: Vec<String>,
    stdin: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    cwd: Option<String>,
    timeout: Option<f64>,
    expect_stdout: Option<String>,
    expect_stderr: Option<String>,
    expect_exit: Option<i64>,
    expect_signal: Option<toml::Value>,
    #[serde(default)]
    diff: bool,
    skip: Option<String>,
    net: Option<String>,
}

/// The whole file: only `[[case]]` tables, each kept with its place for messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    case: Vec<toml::Spanned<toml::Table>>,
}

/// Line (1-based) of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|&&b| b == b'\n').count() + 1
}

/// "LINE:COLUMN: message" for a TOML error.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => {
            let line = line_of(text, span.start);
            let line_start = text.get(..span.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
            let column = text.get(line_start..span.start).map_or(0, |t| t.chars().count()) + 1;
            format!("{line}:{column}: {message}")
        }
        None => message.to_owned(),
    }
}

/// Read and check the manifest at `path`. The error is one line: "PATH:LINE: what is wrong".
pub fn load(path: &Path) -> Result<Vec<Case>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let base = std::path::absolute(path).map_err(|e| format!("{shown}: {e}"))?;
    let base = base.parent().unwrap_or(Path::new("/"));
    parse(&text, base).map_err(|e| match e.as_bytes().first() {
        Some(b'0'..=b'9') => format!("{shown}:{e}"),
        _ => format!("{shown}: {e}"),
    })
}

/// Check a manifest's text; relative paths in it are relative to `base`. The error starts with
/// "LINE: " or "LINE:COLUMN: " when it has a place.
pub fn parse(text: &str, base: &Path) -> Result<Vec<Case>, String> {
    let raw: RawManifest = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    if raw.case.is_empty() {
        return Err("no [[case]] tables".to_owned());
    }
    let mut names = HashSet::new();
    let mut cases = Vec::with_capacity(raw.case.len());
    for (i, spanned) in raw.case.into_iter().enumerate() {
        let line = line_of(text, spanned.span().start);
        let table = spanned.into_inner();
        let case = check_case(table, base, i + 1).map_err(|e| format!("{line}: {e}"))?;
        if !names.insert(case.name.clone()) {
            return Err(format!("{line}: case {:?}: the name is already used by an earlier case", case.name));
        }
        cases.push(case);
    }
    Ok(cases)
}

/// One `[[case]]` table (the `number`th) into a [`Case`].
fn check_case(table: toml::Table, base: &Path, number: usize) -> Result<Case, String> {
    let who = match table.get("name") {
        Some(toml::Value::String(name)) => format!("case {name:?}"),
        _ => format!("case #{number}"),
    };
    if let Some(key) = table.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        return Err(format!("{who}: unknown key {key:?} (known keys: {})", KNOWN_KEYS.join(", ")));
    }
    for required in ["name", "program"] {
        if !table.contains_key(required) {
            return Err(format!("{who}: missing {required:?}"));
        }
    }
    let raw: RawCase = table.try_into().map_err(|e: toml::de::Error| format!("{who}: {}", e.message().trim_end()))?;
    let bad = |what: String| Err(format!("{who}: {what}"));

    if raw.name.is_empty() || raw.name.chars().any(char::is_control) {
        return bad("\"name\" must be non-empty, without control characters".to_owned());
    }
    if raw.program.is_empty() {
        return bad("\"program\" is empty".to_owned());
    }
    for key in raw.env.keys() {
        if key.is_empty() || key.contains('=') || key.contains('\0') {
            return bad(format!("env: {key:?} is not a variable name"));
        }
    }
    let timeout = raw.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if !(timeout > 0.0 && timeout <= 1e6) {
        return bad(format!("\"timeout\" must be a number of seconds above 0, not {timeout}"));
    }
    let private_net = match raw.net.as_deref() {
        None => None,
        Some("host") => Some(false),
        Some("private") => Some(true),
        Some(other) => return bad(format!("\"net\" must be \"host\" or \"private\", not {other:?}")),
    };
    let check = if raw.diff {
        let set = [
            ("expect_stdout", raw.expect_stdout.is_some()),
            ("expect_stderr", raw.expect_stderr.is_some()),
            ("expect_exit", raw.expect_exit.is_some()),
            ("expect_signal", raw.expect_signal.is_some()),
        ];
        if let Some((key, _)) = set.iter().find(|(_, present)| *present) {
            return bad(format!("{key:?} cannot be used with diff = true (the native run is the expectation)"));
        }
        Check::Native
    } else {
        let status = match (raw.expect_exit, &raw.expect_signal) {
            (Some(_), Some(_)) => return bad("\"expect_exit\" and \"expect_signal\" exclude each other".to_owned()),
            (Some(code), None) => match u8::try_from(code) {
                Ok(code) => Status::Exited(i32::from(code)),
                Err(_) => return bad(format!("\"expect_exit\" must be 0 to 255, not {code}")),
            },
            (None, Some(signal)) => match signal_value(signal) {
                Some(sig) => Status::Signaled(sig),
                None => return bad(format!("\"expect_signal\": {signal} is not a signal (a number 1-64 or a name)")),
            },
            (None, None) => Status::Exited(0),
        };
        Check::Expect(Expected { status, stdout: raw.expect_stdout, stderr: raw.expect_stderr })
    };
    Ok(Case {
        name: raw.name,
        program: base.join(raw.program),
        args: raw.args,
        stdin: raw.stdin,
        env: raw.env,
        cwd: raw.cwd.map(|c| base.join(c)),
        timeout: Timeout(timeout),
        check,
        skip: raw.skip,
        private_net,
    })
}

/// `expect_signal`: a number or a name ("SIGSEGV", "SEGV", any case).
fn signal_value(value: &toml::Value) -> Option<i32> {
    match value {
        toml::Value::Integer(n) => i32::try_from(*n).ok().filter(|n| (1..=64).contains(n)),
        toml::Value::String(name) => signal_number(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        parse(text, Path::new("/base")).unwrap_err()
    }

    #[test]
    fn a_full_case() {
        let cases = parse(
            "[[case]]\nname = \"a\"\nprogram = \"bin/x\"\nargs = [\"1\"]\nenv = { K = \"v\" }\ntimeout = 2\n\
             expect_signal = \"SIGSEGV\"\ncwd = \"/abs\"\n",
            Path::new("/base"),
        )
        .unwrap();
        let case = &cases[0];
        assert_eq!(case.program, Path::new("/base/bin/x"));
        assert_eq!(case.cwd.as_deref(), Some(Path::new("/abs")));
        assert_eq!(case.timeout.to_string(), "2s");
        assert!(matches!(&case.check, Check::Expect(e) if e.status == Status::Signaled(11) && e.stdout.is_none()));
    }

    #[test]
    fn errors_name_the_line_the_case_and_the_key() {
        let e = parse_err(
            "[[case]]\nname = \"a\"\nprogram = \"x\"\n\n[[case]]\nname = \"b\"\nprogram = \"x\"\nstdout = \"\"\n",
        );
        assert_eq!(e.split(" (known").next().unwrap(), "5: case \"b\": unknown key \"stdout\"");
        assert_eq!(parse_err("[[case]]\nprogram = \"x\"\n"), "1: case #1: missing \"name\"");
        assert!(parse_err("[[case]]\nname = \"a\"\nprogram = \"x\"\n[[case]]\nname = \"a\"\nprogram = \"y\"\n")
            .starts_with("4: case \"a\": the name is already used"));
        assert!(parse_err("[[case]]\nname = \"a\"\nprogram = = \"x\"\n").starts_with("3:11: "));
        assert!(parse_err("[[cases]]\nname = \"a\"\n").contains("unknown field `cases`"));
        assert!(
            parse_err("[[case]]\nname = \"a\"\nprogram = \"x\"\nexpect_exit = \"1\"\n").starts_with("1: case \"a\": ")
        );
        assert!(parse_err("[[case]]\nname = \"a\"\nprogram = \"x\"\ndiff = true\nexpect_exit = 1\n")
            .contains("\"expect_exit\" cannot be used with diff = true"));
        assert!(parse_err("[[case]]\nname = \"a\"\nprogram = \"x\"\nexpect_signal = \"SIGNOPE\"\n")
            .contains("is not a signal"));
        assert!(parse_err("[[case]]\nname = \"a\"\nprogram = \"x\"\ntimeout = 0\n").contains("above 0"));
        assert_eq!(parse_err(""), "no [[case]] tables");
    }
}
