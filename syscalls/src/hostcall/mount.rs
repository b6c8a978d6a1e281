//! The host's mount calls: mount(2), umount2(2), pivot_root(2) and the new mount API (fsopen(2),
//! fsconfig(2), fsmount(2), move_mount(2), open_tree(2), fspick(2), mount_setattr(2)). Paths and
//! strings come as [`HostPath`]; the data the calls copy in as [`Bytes`].

use super::strings::{HostPath, BAD_PTR};
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint};
use std::ptr::null;

/// Bytes a call copies in.
pub enum Bytes<'a> {
    /// NULL.
    Null,
    /// A local copy, as long as the call reads.
    Local(&'a [u8]),
    /// An address the host refuses.
    Refused,
}

impl Bytes<'_> {
    fn ptr(&self) -> *const u8 {
        match self {
            Bytes::Null => null(),
            Bytes::Local(b) => b.as_ptr(),
            Bytes::Refused => BAD_PTR as *const u8,
        }
    }
}

/// The most mount(2) copies of its data (copy_mount_options(): one page).
const MOUNT_DATA: usize = 4096;

/// mount(2); a local `data` is at least a page, what copy_mount_options() reads.
pub fn mount(
    source: &HostPath,
    target: &HostPath,
    fstype: &HostPath,
    flags: c_uint,
    data: Bytes<'_>,
) -> Result<i64, Errno> {
    if matches!(data, Bytes::Local(b) if b.len() < MOUNT_DATA) {
        return Err(Errno::INVAL);
    }
    // SAFETY: the strings are NULL, NUL-terminated and live, or refused; the data is NULL, a
    // live page, or refused.
    host(unsafe { libc::syscall(libc::SYS_mount, source.ptr(), target.ptr(), fstype.ptr(), flags, data.ptr()) })
}

/// umount2(2).
pub fn umount2(target: &HostPath, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `mount`.
    host(unsafe { libc::syscall(libc::SYS_umount2, target.ptr(), flags) })
}

/// pivot_root(2).
pub fn pivot_root(new_root: &HostPath, put_old: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `mount`.
    host(unsafe { libc::syscall(libc::SYS_pivot_root, new_root.ptr(), put_old.ptr()) })
}

/// fsopen(2).
pub fn fsopen(fsname: &HostPath, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `mount`.
    host(unsafe { libc::syscall(libc::SYS_fsopen, fsname.ptr(), flags) })
}

/// fsconfig(2) commands (linux/mount.h) whose value is a string.
const FSCONFIG_SET_STRING: c_uint = 1;
const FSCONFIG_SET_BINARY: c_uint = 2;
const FSCONFIG_SET_PATH: c_uint = 3;
const FSCONFIG_SET_PATH_EMPTY: c_uint = 4;

/// fsconfig(2)'s value.
pub enum FsValue<'a> {
    /// A string or a path (FSCONFIG_SET_STRING, _PATH, _PATH_EMPTY).
    Str(&'a HostPath),
    /// A blob (FSCONFIG_SET_BINARY): the host is told its length.
    Blob(&'a [u8]),
    /// NULL.
    Null,
    /// An address the host refuses.
    Refused,
}

/// fsconfig(2). A value of another kind than the command takes is refused (an address the host
/// fails on), and a blob's length is `aux`.
pub fn fsconfig(fd: c_long, cmd: c_uint, key: &HostPath, value: FsValue<'_>, aux: c_long) -> Result<i64, Errno> {
    let string_cmd = matches!(cmd, FSCONFIG_SET_STRING | FSCONFIG_SET_PATH | FSCONFIG_SET_PATH_EMPTY);
    let (p, aux) = match value {
        FsValue::Str(s) if string_cmd => (s.ptr().cast::<u8>(), aux),
        FsValue::Blob(b) if cmd == FSCONFIG_SET_BINARY => (b.as_ptr(), b.len() as c_long),
        FsValue::Null => (null(), aux),
        _ => (BAD_PTR as *const u8, aux),
    };
    // SAFETY: the key as in `mount`; the value is NULL, refused, a live string for a command that
    // reads one, or a live blob of `aux` bytes for the one that reads a blob.
    host(unsafe { libc::syscall(libc::SYS_fsconfig, fd, cmd, key.ptr(), p, aux) })
}

/// fsmount(2).
pub fn fsmount(fd: c_int, flags: c_uint, attr_flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: no pointer is passed.
    host(unsafe { libc::syscall(libc::SYS_fsmount, fd, flags, attr_flags) })
}

/// move_mount(2).
pub fn move_mount(
    from_dfd: c_long,
    from: &HostPath,
    to_dfd: c_long,
    to: &HostPath,
    flags: c_uint,
) -> Result<i64, Errno> {
    // SAFETY: as in `mount`.
    host(unsafe { libc::syscall(libc::SYS_move_mount, from_dfd, from.ptr(), to_dfd, to.ptr(), flags) })
}

/// open_tree(2).
pub fn open_tree(dfd: c_long, path: &HostPath, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `mount`.
    host(unsafe { libc::syscall(libc::SYS_open_tree, dfd, path.ptr(), flags) })
}

/// fspick(2).
pub fn fspick(dfd: c_long, path: &HostPath, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `mount`.
    host(unsafe { libc::syscall(libc::SYS_fspick, dfd, path.ptr(), flags) })
}

/// The largest `struct mount_attr` the kernel copies (PAGE_SIZE; a larger size is E2BIG first).
const MOUNT_ATTR_MAX: usize = 4096;

/// mount_setattr(2) with `size` bytes of attributes: a local copy holds `size` bytes, or all the
/// host reads when `size` is more than it takes (E2BIG before it reads).
pub fn mount_setattr(dfd: c_long, path: &HostPath, flags: c_uint, attr: Bytes<'_>, size: usize) -> Result<i64, Errno> {
    if matches!(attr, Bytes::Local(b) if b.len() < size.min(MOUNT_ATTR_MAX)) {
        return Err(Errno::INVAL);
    }
    // SAFETY: as in `mount`; the attributes are NULL, refused, or a live copy of as many bytes as
    // the host reads.
    host(unsafe { libc::syscall(libc::SYS_mount_setattr, dfd, path.ptr(), flags, attr.ptr(), size) })
}
