//! inotify(7): inotify_init(2), inotify_init1(2), inotify_add_watch(2), inotify_rm_watch(2).
//! The fd is a host inotify fd; `struct inotify_event` is the same on every architecture, so
//! reading it needs nothing here. A path reaches the host as a [`HostStr`], so a fault or an
//! over-long path is answered where the kernel answers it.

use super::fd::host_fd;
use super::hostarg::{int, HostStr};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::numbers;
use crate::mem::PATH_MAX;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

const O_NONBLOCK: u32 = 0o4000;
const O_CLOEXEC: u32 = 0o2000000;

const IN_INIT_FLAGS: &[(u32, &str)] = &[(O_NONBLOCK, "IN_NONBLOCK"), (O_CLOEXEC, "IN_CLOEXEC")];
/// linux/inotify.h, in strace's order.
const IN_MASK: &[(u32, &str)] = &[
    (0x1, "IN_ACCESS"),
    (0x2, "IN_MODIFY"),
    (0x4, "IN_ATTRIB"),
    (0x8, "IN_CLOSE_WRITE"),
    (0x10, "IN_CLOSE_NOWRITE"),
    (0x20, "IN_OPEN"),
    (0x40, "IN_MOVED_FROM"),
    (0x80, "IN_MOVED_TO"),
    (0x100, "IN_CREATE"),
    (0x200, "IN_DELETE"),
    (0x400, "IN_DELETE_SELF"),
    (0x800, "IN_MOVE_SELF"),
    (0x2000, "IN_UNMOUNT"),
    (0x4000, "IN_Q_OVERFLOW"),
    (0x8000, "IN_IGNORED"),
    (0x0100_0000, "IN_ONLYDIR"),
    (0x0200_0000, "IN_DONT_FOLLOW"),
    (0x0400_0000, "IN_EXCL_UNLINK"),
    (0x1000_0000, "IN_MASK_CREATE"),
    (0x2000_0000, "IN_MASK_ADD"),
    (0x4000_0000, "IN_ISDIR"),
    (0x8000_0000, "IN_ONESHOT"),
];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::inotify_init, inotify_init, []),
    entry!(nr::inotify_init1, inotify_init1, [Flags(IN_INIT_FLAGS)]),
    entry!(nr::inotify_add_watch, inotify_add_watch, [Fd, Str, Flags(IN_MASK)]),
    entry!(nr::inotify_rm_watch, inotify_rm_watch, [Fd, Int]),
];

/// Implements inotify_init(2).
fn inotify_init(_: &mut Ctx, _: &Args) -> SysResult {
    Ok(super::fd::new_guest_fd(numbers(libc::SYS_inotify_init1, &[0])? as i32)?)
}

/// Implements inotify_init1(2); the host answers EINVAL for flags other than IN_CLOEXEC and
/// IN_NONBLOCK.
fn inotify_init1(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(super::fd::new_guest_fd(numbers(libc::SYS_inotify_init1, &[int(a[0])])? as i32)?)
}

/// Implements inotify_add_watch(2). The kernel checks the mask and the fd before it reads the path,
/// so the path reaches the host as a [`HostStr`].
fn inotify_add_watch(ctx: &mut Ctx, a: &Args) -> SysResult {
    let path = HostStr::read(ctx.mem, a[1], PATH_MAX - 1);
    Ok(crate::hostcall::files::inotify_add_watch(host_fd(a[0]), &path, a[2])? as u32)
}

/// Implements inotify_rm_watch(2).
fn inotify_rm_watch(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(numbers(libc::SYS_inotify_rm_watch, &[host_fd(a[0]).into(), int(a[1])])? as u32)
}
