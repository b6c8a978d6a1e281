//! Numbers and the arguments whose meaning the argument before them gives: signed and unsigned
//! decimals, directory fds, 64-bit offsets in two registers, modes that are there only with
//! `O_CREAT`, and small out-arguments (`[16]`, `[3, 4]`).

use super::{decode, pointer, read_exact, Shown, TraceMemory};
use std::fmt::Write as _;

pub(super) fn signed(text: &mut String, v: u32) {
    let _ = write!(text, "{}", v as i32);
}

pub(super) fn unsigned(text: &mut String, v: u32) {
    let _ = write!(text, "{v}");
}

/// A directory fd of an *at call: `AT_FDCWD` or the number.
pub(super) fn dirfd(text: &mut String, v: u32) {
    if v as i32 == -100 {
        text.push_str("AT_FDCWD");
    } else {
        signed(text, v);
    }
}

/// A 64-bit offset from its two halves.
pub(super) fn offset64(text: &mut String, low: u32, high: u32) {
    let _ = write!(text, "{}", (u64::from(low) | u64::from(high) << 32) as i64);
}

/// open's mode: shown only with O_CREAT, or O_TMPFILE (which includes O_DIRECTORY), in the flags.
pub(super) fn open_mode<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) -> bool {
    let flags = a.prev();
    if flags & 0o100 == 0 && flags & 0o20200000 != 0o20200000 {
        return false;
    }
    text.push_str(&decode::octal_mode(a.v()));
    true
}

/// mq_open(2)'s mode and attributes: it reads them only to create the queue (O_CREAT).
pub(super) fn mq_create<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) -> bool {
    if a.prev() & 0o100 == 0 {
        return false;
    }
    text.push_str(&decode::octal_mode(a.v()));
    text.push_str(", ");
    let attr = a.next();
    match decode::mq_attr(a.mem, attr) {
        Some(shown) => text.push_str(&shown),
        None => pointer(text, attr),
    }
    true
}

/// A 64-bit integer the argument points at: `[5]`.
pub(super) fn int64_at<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    let b = read_exact(mem, addr, 8)?;
    let n = u64::from(decode::u32_at(&b, 0)) | u64::from(decode::u32_at(&b, 4)) << 32;
    Some(format!("[{}]", n as i64))
}

/// The two fds pipe(2) and socketpair(2) write: `[3, 4]`.
pub(super) fn fd_pair<M: TraceMemory + ?Sized>(a: &Shown<'_, M>, text: &mut String) {
    match read_exact(a.mem, a.v(), 8) {
        Some(b) if !a.failed() => {
            let _ = write!(text, "[{}, {}]", decode::u32_at(&b, 0) as i32, decode::u32_at(&b, 4) as i32);
        }
        _ => pointer(text, a.v()),
    }
}

/// The flags of clone3(2)'s `struct clone_args` (its first, 64-bit field): `{flags=CLONE_VM|…}`.
pub(super) fn clone3_flags<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<String> {
    let b = read_exact(mem, addr, 8)?;
    let flags = u64::from(decode::u32_at(&b, 0)) | u64::from(decode::u32_at(&b, 4)) << 32;
    let names: Vec<&str> = super::names::CLONE_FLAGS
        .iter()
        .filter(|(bit, _)| flags & u64::from(*bit) != 0)
        .map(|(_, name)| *name)
        .collect();
    Some(format!("{{flags={}}}", names.join("|")))
}
