//! Extended attributes on the host (fs/xattr.c): the path, fd and *at forms of set, get, list and
//! remove. Names and paths come as [`HostPath`] and [`HostStr`], values and lists as a [`Value`]
//! whose length is the size the host is told, so the host never touches more than it was given.

use super::strings::{HostPath, HostStr, BAD_PTR};
use crate::mem::HostRange;
use crate::{host, Errno};
use libc::{c_int, c_long, c_void};
use std::ptr::null_mut;

/// A value or name-list buffer, and with it the size the host is told.
pub enum Value<'a> {
    /// NULL, size 0 (only the length is asked for, or an empty value is set).
    Null,
    /// Guest memory, read or written in place (the host faults where the guest's kernel would).
    Guest(HostRange),
    /// A local buffer.
    Local(&'a mut [u8]),
    /// An address the host refuses, with the guest's size (which the host checks first).
    Refused(usize),
}

impl Value<'_> {
    fn raw(self) -> (*mut c_void, usize) {
        match self {
            Value::Null => (null_mut(), 0),
            Value::Guest(r) => (r.as_ptr().cast(), r.len()),
            Value::Local(b) => (b.as_mut_ptr().cast(), b.len()),
            Value::Refused(n) => (BAD_PTR as *mut c_void, n),
        }
    }
}

/// The guest's `struct xattr_args` for setxattrat(2) and getxattrat(2), as the host will read it.
pub enum XattrArgs<'a> {
    /// The guest's `usize` bytes, copied; the wrapper puts the value's address and size in.
    Copied(&'a mut [u8]),
    /// An address the host refuses (or never reads, for a `usize` it refuses first), with the
    /// guest's `usize`.
    Refused(usize),
}

/// setxattr(2), or lsetxattr(2) when not `follow`.
pub fn setxattr(follow: bool, path: &HostPath, name: &HostStr, value: Value<'_>, flags: c_int) -> Result<i64, Errno> {
    let call = if follow { libc::SYS_setxattr } else { libc::SYS_lsetxattr };
    let (p, n) = value.raw();
    // SAFETY: the strings are NULL, NUL-terminated and live, or refused (strings module); the value
    // is `n` bytes of guest memory or a live local, NULL with 0, or refused.
    host(unsafe { libc::syscall(call, path.ptr(), name.ptr(), p, n, flags) })
}

/// fsetxattr(2).
pub fn fsetxattr(fd: c_int, name: &HostStr, value: Value<'_>, flags: c_int) -> Result<i64, Errno> {
    let (p, n) = value.raw();
    // SAFETY: as in `setxattr`.
    host(unsafe { libc::syscall(libc::SYS_fsetxattr, fd, name.ptr(), p, n, flags) })
}

/// getxattr(2), or lgetxattr(2) when not `follow`.
pub fn getxattr(follow: bool, path: &HostPath, name: &HostStr, value: Value<'_>) -> Result<i64, Errno> {
    let call = if follow { libc::SYS_getxattr } else { libc::SYS_lgetxattr };
    let (p, n) = value.raw();
    // SAFETY: as in `setxattr`; the host writes at most `n` bytes.
    host(unsafe { libc::syscall(call, path.ptr(), name.ptr(), p, n) })
}

/// fgetxattr(2).
pub fn fgetxattr(fd: c_int, name: &HostStr, value: Value<'_>) -> Result<i64, Errno> {
    let (p, n) = value.raw();
    // SAFETY: as in `getxattr`.
    host(unsafe { libc::syscall(libc::SYS_fgetxattr, fd, name.ptr(), p, n) })
}

/// listxattr(2), or llistxattr(2) when not `follow`.
pub fn listxattr(follow: bool, path: &HostPath, list: Value<'_>) -> Result<i64, Errno> {
    let call = if follow { libc::SYS_listxattr } else { libc::SYS_llistxattr };
    let (p, n) = list.raw();
    // SAFETY: as in `getxattr`.
    host(unsafe { libc::syscall(call, path.ptr(), p, n) })
}

/// flistxattr(2).
pub fn flistxattr(fd: c_int, list: Value<'_>) -> Result<i64, Errno> {
    let (p, n) = list.raw();
    // SAFETY: as in `getxattr`.
    host(unsafe { libc::syscall(libc::SYS_flistxattr, fd, p, n) })
}

/// removexattr(2), or lremovexattr(2) when not `follow`.
pub fn removexattr(follow: bool, path: &HostPath, name: &HostStr) -> Result<i64, Errno> {
    let call = if follow { libc::SYS_removexattr } else { libc::SYS_lremovexattr };
    // SAFETY: as in `setxattr`.
    host(unsafe { libc::syscall(call, path.ptr(), name.ptr()) })
}

/// fremovexattr(2).
pub fn fremovexattr(fd: c_int, name: &HostStr) -> Result<i64, Errno> {
    // SAFETY: as in `setxattr`.
    host(unsafe { libc::syscall(libc::SYS_fremovexattr, fd, name.ptr()) })
}

// The host's numbers: since 424 every architecture but alpha shares the numbers, and libc does
// not name these yet.
const HOST_SETXATTRAT: c_long = crate::abi::nr::setxattrat as c_long;
const HOST_GETXATTRAT: c_long = crate::abi::nr::getxattrat as c_long;
const HOST_LISTXATTRAT: c_long = crate::abi::nr::listxattrat as c_long;
const HOST_REMOVEXATTRAT: c_long = crate::abi::nr::removexattrat as c_long;

/// `struct xattr_args` for the host: the copy with the value's address and size put in (the first
/// 16 bytes: a 64-bit `value`, then `size`), and its length.
fn xattr_args(args: XattrArgs<'_>, value: Value<'_>) -> (*const c_void, usize) {
    let (p, n) = value.raw();
    match args {
        XattrArgs::Copied(bytes) => {
            if let Some(head) = bytes.get_mut(..12) {
                head[..8].copy_from_slice(&(p as u64).to_le_bytes());
                head[8..].copy_from_slice(&(n as u32).to_le_bytes());
            }
            (bytes.as_ptr().cast(), bytes.len())
        }
        XattrArgs::Refused(usize) => (BAD_PTR as *const c_void, usize),
    }
}

/// setxattrat(2).
pub fn setxattrat(
    dfd: c_long,
    path: &HostPath,
    at_flags: u32,
    name: &HostStr,
    args: XattrArgs<'_>,
    value: Value<'_>,
) -> Result<i64, Errno> {
    let (uargs, usize) = xattr_args(args, value);
    // SAFETY: the strings as in `setxattr`; `uargs` is a live local of `usize` bytes whose value
    // and size are a `Value`'s (as in `setxattr`), or refused.
    host(unsafe { libc::syscall(HOST_SETXATTRAT, dfd, path.ptr(), at_flags, name.ptr(), uargs, usize) })
}

/// getxattrat(2).
pub fn getxattrat(
    dfd: c_long,
    path: &HostPath,
    at_flags: u32,
    name: &HostStr,
    args: XattrArgs<'_>,
    value: Value<'_>,
) -> Result<i64, Errno> {
    let (uargs, usize) = xattr_args(args, value);
    // SAFETY: as in `setxattrat`; the host writes at most the value's size.
    host(unsafe { libc::syscall(HOST_GETXATTRAT, dfd, path.ptr(), at_flags, name.ptr(), uargs, usize) })
}

/// listxattrat(2).
pub fn listxattrat(dfd: c_long, path: &HostPath, at_flags: u32, list: Value<'_>) -> Result<i64, Errno> {
    let (p, n) = list.raw();
    // SAFETY: as in `getxattr`.
    host(unsafe { libc::syscall(HOST_LISTXATTRAT, dfd, path.ptr(), at_flags, p, n) })
}

/// removexattrat(2).
pub fn removexattrat(dfd: c_long, path: &HostPath, at_flags: u32, name: &HostStr) -> Result<i64, Errno> {
    // SAFETY: as in `setxattr`.
    host(unsafe { libc::syscall(HOST_REMOVEXATTRAT, dfd, path.ptr(), at_flags, name.ptr()) })
}
