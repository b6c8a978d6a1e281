//! Host calls that take a path or a name: inotify_add_watch(2), fanotify_mark(2) and
//! memfd_create(2). Strings come as [`HostPath`] or [`HostStr`] (see [`super::strings`]).

use super::strings::{HostPath, HostStr};
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint};

/// inotify_add_watch(2).
pub fn inotify_add_watch(fd: c_int, path: &HostStr, mask: c_uint) -> Result<i64, Errno> {
    // SAFETY: the path is NUL-terminated and live, or an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_inotify_add_watch, fd, path.ptr(), mask) })
}

/// fanotify_mark(2) on the host's 64-bit ABI (the mask in one register).
pub fn fanotify_mark(fd: c_int, flags: c_uint, mask: u64, dfd: c_long, path: &HostPath) -> Result<i64, Errno> {
    // SAFETY: the path is NULL, NUL-terminated and live, or an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_fanotify_mark, fd, flags, mask, dfd, path.ptr()) })
}

/// memfd_create(2).
pub fn memfd_create(name: &HostStr, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: the name is NUL-terminated and live, or an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_memfd_create, name.ptr(), flags) })
}
