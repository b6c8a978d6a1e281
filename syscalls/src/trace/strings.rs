//! String arguments: paths (shown whole), names (cut at 32 bytes), buffers of bytes in hex, and
//! execve's argument vector and environment.

use super::{array_len, pointer, quoted, quoted_upto, read_exact, string_array, Shown, TraceMemory, STRSIZE};
use std::fmt::Write as _;

/// The longest string argument read (a path: PATH_MAX less its NUL); longer shows as an address.
const STR_MAX: usize = 4096;

/// A path: strace shows it whole, not cut at 32 bytes.
pub(super) fn path<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) {
    let bytes = a.mem.read_prefix(a.v(), STR_MAX + 1);
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => quoted_upto(text, &bytes[..end], end, STR_MAX),
        None => pointer(text, a.v()),
    }
}

/// A string that is not a path; strace's printstr() reads one byte more than it shows, to know
/// whether to add `...`.
pub(super) fn name<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) {
    let bytes = a.mem.read_prefix(a.v(), STRSIZE + 1);
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => quoted(text, &bytes[..end], end),
        None if bytes.len() > STRSIZE => quoted(text, &bytes, bytes.len()),
        None => pointer(text, a.v()),
    }
}

/// Bytes the call wrote, each as `\xNN` (getrandom); the result is their number.
pub(super) fn hex_buffer<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) {
    let v = a.v();
    let Some(n) = a.succeeded() else { return pointer(text, v) };
    let Some(bytes) = read_exact(a.mem, v, (n as usize).min(STRSIZE)) else { return pointer(text, v) };
    text.push('"');
    for b in bytes.iter() {
        let _ = write!(text, "\\x{b:02x}");
    }
    text.push('"');
    if n as usize > STRSIZE {
        text.push_str("...");
    }
}

/// execve(2)'s argument vector: `["ls", "-l"]`.
pub(super) fn argv<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) {
    let Some((strings, more)) = string_array(a.mem, a.v()) else { return pointer(text, a.v()) };
    text.push('[');
    for (k, bytes) in strings.iter().enumerate() {
        if k > 0 {
            text.push_str(", ");
        }
        match bytes {
            Some((b, full)) => quoted(text, b, *full),
            None => text.push_str("???"),
        }
    }
    if more {
        text.push_str(if strings.is_empty() { "..." } else { ", ..." });
    }
    text.push(']');
}

/// execve(2)'s environment: its address and how many strings (`0x… /* 35 vars */`).
pub(super) fn envp<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) {
    pointer(text, a.v());
    if let Some(n) = array_len(a.mem, a.v()) {
        let _ = write!(text, " /* {n} var{} */", if n == 1 { "" } else { "s" });
    }
}
