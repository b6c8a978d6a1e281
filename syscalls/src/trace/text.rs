//! How values are written: pointers, hex, flag sets as strace's printflags() writes them, strings
//! quoted with strace's escapes, and the first bytes of buffers.

use super::{decode, read_exact, TraceMemory, STRSIZE};
use std::fmt::Write as _;

/// Flags by name, as strace's printflags() shows them: `EPOLL_CLOEXEC|0x1`, and the set named
/// only when no flag was known: `0x1 /* EPOLL_??? */`.
pub(super) fn named_flags(text: &mut String, v: u32, names: &[(u32, &str)]) {
    let known = names.iter().fold(0, |acc, (bit, _)| acc | bit);
    if v & known != 0 || v == 0 {
        flags(text, v & known, names);
    }
    if v & known != 0 && v & !known != 0 {
        let _ = write!(text, "|{:#x}", v & !known);
    } else {
        unknown_bits(text, v & !known, false, names);
    }
}

/// memfd_create(2)'s flags as strace's SYS_FUNC(memfd_create) shows them: the flags below the
/// huge page size by name (left out when only a size is set), then the size as a shift
/// (`MFD_HUGETLB|21<<MFD_HUGE_SHIFT`, uapi/linux/memfd.h).
pub(super) fn memfd_flags(text: &mut String, v: u32, names: &[(u32, &str)]) {
    const MFD_HUGE_SHIFT: u32 = 26;
    let (size, rest) = (v >> MFD_HUGE_SHIFT, v & ((1 << MFD_HUGE_SHIFT) - 1));
    if rest != 0 || size == 0 {
        named_flags(text, rest, names);
    }
    if size != 0 {
        if rest != 0 {
            text.push('|');
        }
        let _ = write!(text, "{size}<<MFD_HUGE_SHIFT");
    }
}

/// `%#x`: `0` for zero, `0x1a` otherwise.
pub(super) fn hex(text: &mut String, v: u32) {
    if v == 0 {
        text.push('0');
    } else {
        let _ = write!(text, "{v:#x}");
    }
}

/// Bits of a flags argument that no name in `names` covers: `|0x100 /* SOCK_??? */`.
pub(super) fn unknown_bits(text: &mut String, rest: u32, after: bool, names: &[(u32, &str)]) {
    if rest == 0 {
        return;
    }
    if after {
        text.push('|');
    }
    let _ = write!(text, "{rest:#x}");
    if let Some(prefix) = decode::set_prefix(names) {
        let _ = write!(text, " /* {prefix}??? */");
    }
}

pub(super) fn pointer(text: &mut String, v: u32) {
    if v == 0 {
        text.push_str("NULL");
    } else {
        let _ = write!(text, "{v:#x}");
    }
}

pub(super) fn buffer<M: TraceMemory + ?Sized>(mem: &M, text: &mut String, addr: u32, len: usize) {
    let shown = len.min(STRSIZE);
    match read_exact(mem, addr, shown) {
        Some(bytes) => quoted(text, &bytes, len),
        None => pointer(text, addr),
    }
}

/// How many elements strace shows of an array (its default `-e abbrev`).
const ARRAY_MAX: usize = 32;

/// The entries of a NULL-terminated array of string pointers at `addr`, at most [`ARRAY_MAX`]:
/// each string's first bytes and full length (`None` when unreadable), and whether more follow.
/// `None` when the array itself is unreadable (NULL included).
#[allow(clippy::type_complexity)]
pub(super) fn string_array<M: TraceMemory + ?Sized>(
    mem: &M,
    addr: u32,
) -> Option<(Vec<Option<(Vec<u8>, usize)>>, bool)> {
    if addr == 0 {
        return None;
    }
    let mut out = Vec::new();
    for k in 0..=ARRAY_MAX {
        let p = read_exact(mem, addr.wrapping_add(4 * k as u32), 4)?;
        let p = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        if p == 0 {
            return Some((out, false));
        }
        if k == ARRAY_MAX {
            return Some((out, true));
        }
        let bytes = mem.read_prefix(p, 4096);
        out.push(bytes.iter().position(|&b| b == 0).map(|end| (bytes[..end.min(STRSIZE)].to_vec(), end)));
    }
    Some((out, false))
}

/// The number of entries of a NULL-terminated pointer array at `addr` (`None` if unreadable).
pub(super) fn array_len<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<usize> {
    if addr == 0 {
        return None;
    }
    // ARG_MAX worth of pointers at the most.
    (0..1 << 18).find_map(|k: u32| match read_exact(mem, addr.wrapping_add(4 * k), 4) {
        Some(p) if p[..] == [0, 0, 0, 0] => Some(Some(k as usize)),
        Some(_) => None,
        None => Some(None),
    })?
}

/// Quote bytes as strace does: C escapes, octal for the rest, `...` when cut.
pub(super) fn quoted(text: &mut String, bytes: &[u8], full_len: usize) {
    quoted_upto(text, bytes, full_len, STRSIZE);
}

/// [`quoted`], showing at most `limit` bytes.
pub(super) fn quoted_upto(text: &mut String, bytes: &[u8], full_len: usize, limit: usize) {
    let shown = &bytes[..bytes.len().min(limit)];
    text.push('"');
    for (i, &b) in shown.iter().enumerate() {
        match b {
            b'"' => text.push_str("\\\""),
            b'\\' => text.push_str("\\\\"),
            b'\n' => text.push_str("\\n"),
            b'\t' => text.push_str("\\t"),
            b'\r' => text.push_str("\\r"),
            0x0b => text.push_str("\\v"),
            0x0c => text.push_str("\\f"),
            0x20..=0x7e => text.push(b as char),
            _ => {
                // The shortest octal escape, unless a digit follows and would be read into it.
                let next_is_digit = shown.get(i + 1).is_some_and(u8::is_ascii_digit);
                if next_is_digit {
                    let _ = write!(text, "\\{b:03o}");
                } else {
                    let _ = write!(text, "\\{b:o}");
                }
            }
        }
    }
    text.push('"');
    if full_len > shown.len() {
        text.push_str("...");
    }
}

pub(super) fn flags(text: &mut String, v: u32, names: &[(u32, &str)]) {
    if v == 0 {
        // strace shows an empty set as the name of 0 when there is one (PROT_NONE), else 0.
        text.push_str(names.iter().find(|(bit, _)| *bit == 0).map_or("0", |(_, name)| name));
        return;
    }
    let mut rest = v;
    let mut parts = Vec::new();
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            parts.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 || parts.is_empty() {
        parts.push(format!("{rest:#x}"));
    }
    text.push_str(&parts.join("|"));
}

pub(crate) fn open_flags(text: &mut String, v: u32) {
    const ACCESS: [&str; 4] = ["O_RDONLY", "O_WRONLY", "O_RDWR", "0x3"];
    // Names covering several bits (O_TMPFILE includes O_DIRECTORY, O_SYNC includes O_DSYNC) come
    // first, so that they are not taken apart.
    const NAMES: &[(u32, &str)] = &[
        (0o20200000, "O_TMPFILE"),
        (0o4010000, "O_SYNC"),
        (0o100, "O_CREAT"),
        (0o200, "O_EXCL"),
        (0o400, "O_NOCTTY"),
        (0o1000, "O_TRUNC"),
        (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"),
        (0o10000, "O_DSYNC"),
        (0o20000, "O_ASYNC"),
        (0o40000, "O_DIRECT"),
        (0o100000, "O_LARGEFILE"),
        (0o200000, "O_DIRECTORY"),
        (0o400000, "O_NOFOLLOW"),
        (0o1000000, "O_NOATIME"),
        (0o2000000, "O_CLOEXEC"),
        (0o10000000, "O_PATH"),
    ];
    text.push_str(ACCESS[(v & 3) as usize]);
    let rest = v & !3;
    if rest != 0 {
        text.push('|');
        flags(text, rest, NAMES);
    }
}
