//! How a difference between the native and the emulated run is shown.

use std::fmt::Write as _;

use crate::case::Run;

/// The status, stdout and stderr of two runs where they differ.
pub(crate) fn describe_difference(n: &Run, e: &Run) -> String {
    let mut out = String::new();
    if n.status != e.status {
        let _ = writeln!(out, "status: native {}, emu386 {}", n.status, e.status);
    }
    out += &side_by_side("stdout", &n.stdout, &e.stdout);
    out += &side_by_side("stderr", &n.stderr, &e.stderr);
    out
}

/// Both sides in full (bounded), then the first differing line.
pub(crate) fn side_by_side(what: &str, native: &[u8], emulated: &[u8]) -> String {
    if native == emulated {
        return String::new();
    }
    const LIMIT: usize = 3000;
    let show = |b: &[u8]| {
        let s: String =
            String::from_utf8_lossy(&b[..b.len().min(LIMIT)])
                .chars()
                .map(|c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
        if b.len() > LIMIT {
            format!("{s}\n… ({} bytes in all)", b.len())
        } else {
            s
        }
    };
    let mut out = format!("--- {what}, native ({} bytes):\n{}\n", native.len(), show(native));
    let _ = writeln!(out, "--- {what}, emu386 ({} bytes):\n{}", emulated.len(), show(emulated));
    let (n, e) = (String::from_utf8_lossy(native), String::from_utf8_lossy(emulated));
    if let Some((i, (a, b))) = n.lines().zip(e.lines()).enumerate().find(|(_, (a, b))| a != b) {
        let _ = writeln!(out, "--- first difference, line {}:\n  native: {a}\n  emu386: {b}", i + 1);
    }
    out
}
