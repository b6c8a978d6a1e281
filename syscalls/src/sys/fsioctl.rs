//! File and block-device ioctls whose i386 request numbers or argument layouts differ from
//! x86-64's, or whose argument is an fd: the inode-flag requests (`FS_IOC32_*`, chattr/lsattr),
//! `FS_IOC_FSGETXATTR`/`FSSETXATTR`, and the loop-device requests (losetup).
//!
//! What the host kernel's compat ioctl path does for a native i386 task
//! (fs/ioctl.c `compat_ioctl`, drivers/block/loop.c `lo_compat_ioctl`) is done here: the
//! `FS_IOC32_*` numbers become the 64-bit ones (the data is an `int` either way), fd arguments
//! become host fds, and `struct loop_info` (which holds `long` and a 16-bit `dev_t` on i386) goes
//! through the host's own compat ioctl with `int $0x80`. `struct loop_info64` and
//! `struct loop_config` have one layout on both.

use crate::hostcall::ioctl::{fs::*, Request};
use crate::mem::{GuestMemory, GuestMemoryExt};
use crate::task::Ctx;
use crate::{Errno, SysResult};

/// How an i386 request reaches the host.
#[derive(Clone, Copy)]
enum How {
    /// As this x86-64 request (which knows its argument's shape).
    Host(Request),
    /// Through the host's compat ioctl with the same number, on a copy of this many bytes in
    /// the i386 layout (`true`: which the host writes back).
    Compat(usize, bool),
}
use How::*;

/// `struct loop_info` on i386 (`compat_loop_info`): 140 bytes.
const LOOP_INFO_32: usize = 140;

/// (i386 request, how it reaches the host).
const REQUESTS: &[(u32, How)] = &[
    (0x8004_6601, Host(FS_IOC_GETFLAGS)),   // FS_IOC32_GETFLAGS
    (0x4004_6602, Host(FS_IOC_SETFLAGS)),   // FS_IOC32_SETFLAGS
    (0x8004_7601, Host(FS_IOC_GETVERSION)), // FS_IOC32_GETVERSION
    (0x4004_7602, Host(FS_IOC_SETVERSION)), // FS_IOC32_SETVERSION
    // compat_ioctl() hands the 64-bit numbers to do_vfs_ioctl() as they are.
    (0x8008_6601, Host(FS_IOC_GETFLAGS)),
    (0x4008_6602, Host(FS_IOC_SETFLAGS)),
    (0x801c_581f, Host(FS_IOC_FSGETXATTR)),
    (0x401c_5820, Host(FS_IOC_FSSETXATTR)),
    (0x4c00, Host(LOOP_SET_FD)),
    (0x4c01, Host(LOOP_CLR_FD)),
    (0x4c02, Compat(LOOP_INFO_32, false)), // LOOP_SET_STATUS
    (0x4c03, Compat(LOOP_INFO_32, true)),  // LOOP_GET_STATUS
    (0x4c04, Host(LOOP_SET_STATUS64)),
    (0x4c05, Host(LOOP_GET_STATUS64)),
    (0x4c06, Host(LOOP_CHANGE_FD)),
    (0x4c07, Host(LOOP_SET_CAPACITY)),
    (0x4c08, Host(LOOP_SET_DIRECT_IO)),
    (0x4c09, Host(LOOP_SET_BLOCK_SIZE)),
    (0x4c0a, Host(LOOP_CONFIGURE)),
    (0x4c80, Host(LOOP_CTL_ADD)),
    (0x4c81, Host(LOOP_CTL_REMOVE)),
    (0x4c82, Host(LOOP_CTL_GET_FREE)),
];

/// The requests of this module: `None` for any other (ioctl(2) in [`super::fd`] answers).
pub fn ioctl(ctx: &mut Ctx, fd: i32, req: u32, arg: u32) -> Option<SysResult> {
    let &(_, how) = REQUESTS.iter().find(|(r, _)| *r == req)?;
    Some(match how {
        Host(request) => super::fd::forward_ioctl(ctx, fd, request, arg),
        Compat(n, out) => compat(ctx.mem, fd, req, arg, n, out),
    })
}

/// The request made by the host's compat ioctl on a copy of the i386 struct below 4 GiB.
fn compat(mem: &mut dyn GuestMemory, fd: i32, req: u32, arg: u32, n: usize, out: bool) -> SysResult {
    use super::fs::compat;
    if !compat::available() {
        // Without the 32-bit entry the layout cannot be translated.
        return Err(Errno::NOTTY.into());
    }
    let readable = !out && mem.readable_prefix(arg, n).len() == n;
    let writable = out && mem.slice_mut(arg, n).is_ok();
    let mut buf = vec![0u8; n];
    if readable {
        mem.read(arg, &mut buf)?;
    }
    // An inaccessible argument: a 32-bit address the host cannot read or write either (NULL
    // itself stays NULL, which some requests check for).
    let host_arg = match (readable || writable, arg) {
        (true, _) => compat::IoctlArg::Buf(&mut buf),
        (false, 0) => compat::IoctlArg::Null,
        (false, _) => compat::IoctlArg::Refused,
    };
    let r = compat::ioctl(fd, req, host_arg)?;
    if writable {
        mem.write(arg, &buf)?;
    }
    Ok(r)
}
