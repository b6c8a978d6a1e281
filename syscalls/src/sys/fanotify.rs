//! fanotify(7): fanotify_init(2) and fanotify_mark(2).
//!
//! The fd is a host fanotify fd. What it reads and writes is laid out the same on i386 and x86-64
//! (`struct fanotify_event_metadata` keeps its `__aligned_u64 mask` at offset 8 and is 24 bytes on
//! both; the info records, file handles and `struct fanotify_response` have no pointers or longs),
//! and the fds the kernel opens for the events it hands out are opened in the reading process,
//! which is the guest's, so reading and answering events needs nothing here. The kernel makes
//! every decision (privilege included: CAP_SYS_ADMIN for most of it) as for a native task:
//! fanotify_init() forces O_LARGEFILE into the event fds' flags for a 32-bit task on a 64-bit
//! kernel too (force_o_largefile()). What is translated is fanotify_mark's 64-bit mask, split over
//! two registers on i386 (compat_sys_fanotify_mark(), low word first), and its path, read as every
//! path call reads it (`/proc/self` entries rewritten); NULL stays NULL (the dirfd is marked then).

use super::fd::host_fd;
use super::fs::{path, Follow};
use super::hostarg::{int, lohi, uint};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::numbers;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

/// fanotify_init(2)'s flags (linux/fanotify.h), as strace names them.
const FAN_INIT_FLAGS: &[(u32, &str)] = &[
    (0x1, "FAN_CLOEXEC"),
    (0x2, "FAN_NONBLOCK"),
    (0x4, "FAN_CLASS_CONTENT"),
    (0x8, "FAN_CLASS_PRE_CONTENT"),
    (0x10, "FAN_UNLIMITED_QUEUE"),
    (0x20, "FAN_UNLIMITED_MARKS"),
    (0x40, "FAN_ENABLE_AUDIT"),
    (0x80, "FAN_REPORT_PIDFD"),
    (0x100, "FAN_REPORT_TID"),
    (0x200, "FAN_REPORT_FID"),
    (0x400, "FAN_REPORT_DIR_FID"),
    (0x800, "FAN_REPORT_NAME"),
    (0x1000, "FAN_REPORT_TARGET_FID"),
    (0x2000, "FAN_REPORT_FD_ERROR"),
    (0x4000, "FAN_REPORT_MNT"),
];

/// fanotify_mark(2)'s flags.
const FAN_MARK_FLAGS: &[(u32, &str)] = &[
    (0x1, "FAN_MARK_ADD"),
    (0x2, "FAN_MARK_REMOVE"),
    (0x4, "FAN_MARK_DONTFOLLOW"),
    (0x8, "FAN_MARK_ONLYDIR"),
    (0x10, "FAN_MARK_MOUNT"),
    (0x20, "FAN_MARK_IGNORED_MASK"),
    (0x40, "FAN_MARK_IGNORED_SURV_MODIFY"),
    (0x80, "FAN_MARK_FLUSH"),
    (0x100, "FAN_MARK_FILESYSTEM"),
    (0x200, "FAN_MARK_EVICTABLE"),
    (0x400, "FAN_MARK_IGNORE"),
];

const FAN_MARK_DONTFOLLOW: u32 = 0x4;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::fanotify_init, fanotify_init, [Flags(FAN_INIT_FLAGS), OpenFlags]),
    entry!(nr::fanotify_mark, fanotify_mark, [Fd, Flags(FAN_MARK_FLAGS), Off64, Skip, DirFd, Str]),
];

/// Implements fanotify_init(2): the host's call (flags, then CAP_SYS_ADMIN for what needs it, then
/// event_f_flags, in fs/notify/fanotify/fanotify_user.c's order).
fn fanotify_init(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(super::fd::new_guest_fd(numbers(libc::SYS_fanotify_init, &[uint(a[0]), uint(a[1])])? as i32)?)
}

/// Implements fanotify_mark(2) as compat_sys_fanotify_mark() does: the mask from two registers,
/// then do_fanotify_mark() on the host (flags, mask, the fanotify fd, then the path), the path read
/// before the call (a fault reaches the host as an address it refuses).
fn fanotify_mark(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, flags, mask_lo, mask_hi, dfd, pathname] = *a;
    let follow = if flags & FAN_MARK_DONTFOLLOW != 0 { Follow::No } else { Follow::Yes };
    let path = path(ctx, pathname, follow);
    // AT_FDCWD is negative; any other dirfd is a guest fd.
    let dfd = if dfd as i32 == libc::AT_FDCWD { int(dfd) } else { libc::c_long::from(host_fd(dfd)) };
    let mask = lohi(mask_lo, mask_hi) as u64;
    Ok(crate::hostcall::files::fanotify_mark(host_fd(fd), flags, mask, dfd, &path)? as u32)
}
