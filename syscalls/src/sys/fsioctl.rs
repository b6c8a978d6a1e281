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

use crate::mem::{GuestMemory, GuestMemoryExt};
use crate::task::Ctx;
use crate::{Errno, SysResult};

/// How a request's argument crosses to the host.
#[derive(Clone, Copy)]
enum Arg {
    /// An integer, or nothing.
    Value,
    /// An fd of the guest's.
    Fd,
    /// A pointer to this many bytes the call reads.
    In(usize),
    /// A pointer to this many bytes the call writes.
    Out(usize),
    /// A pointer to this many bytes in the i386 layout, which the host's compat ioctl reads
    /// (`true`: and writes).
    Compat(usize, bool),
}

/// `struct fsxattr` (linux/fs.h): 28 bytes on both.
const FSXATTR: usize = 28;
/// `struct loop_info64` (linux/loop.h): 232 bytes on both.
const LOOP_INFO64: usize = 232;
/// `struct loop_config`: fd, block size, `loop_info64`, 64 reserved bytes.
const LOOP_CONFIG: usize = 4 + 4 + LOOP_INFO64 + 64;
/// `struct loop_info` on i386 (`compat_loop_info`): 140 bytes.
const LOOP_INFO_32: usize = 140;

/// (i386 request, host request, argument).
const REQUESTS: &[(u32, u32, Arg)] = &[
    (0x8004_6601, 0x8008_6601, Arg::Out(4)), // FS_IOC32_GETFLAGS -> FS_IOC_GETFLAGS
    (0x4004_6602, 0x4008_6602, Arg::In(4)),  // FS_IOC32_SETFLAGS -> FS_IOC_SETFLAGS
    (0x8004_7601, 0x8008_7601, Arg::Out(4)), // FS_IOC32_GETVERSION -> FS_IOC_GETVERSION
    (0x4004_7602, 0x4008_7602, Arg::In(4)),  // FS_IOC32_SETVERSION -> FS_IOC_SETVERSION
    // compat_ioctl() hands the 64-bit numbers to do_vfs_ioctl() as they are.
    (0x8008_6601, 0x8008_6601, Arg::Out(4)),            // FS_IOC_GETFLAGS
    (0x4008_6602, 0x4008_6602, Arg::In(4)),             // FS_IOC_SETFLAGS
    (0x801c_581f, 0x801c_581f, Arg::Out(FSXATTR)),      // FS_IOC_FSGETXATTR
    (0x401c_5820, 0x401c_5820, Arg::In(FSXATTR)),       // FS_IOC_FSSETXATTR
    (0x4c00, 0x4c00, Arg::Fd),                          // LOOP_SET_FD
    (0x4c01, 0x4c01, Arg::Value),                       // LOOP_CLR_FD
    (0x4c02, 0x4c02, Arg::Compat(LOOP_INFO_32, false)), // LOOP_SET_STATUS
    (0x4c03, 0x4c03, Arg::Compat(LOOP_INFO_32, true)),  // LOOP_GET_STATUS
    (0x4c04, 0x4c04, Arg::In(LOOP_INFO64)),             // LOOP_SET_STATUS64
    (0x4c05, 0x4c05, Arg::Out(LOOP_INFO64)),            // LOOP_GET_STATUS64
    (0x4c06, 0x4c06, Arg::Fd),                          // LOOP_CHANGE_FD
    (0x4c07, 0x4c07, Arg::Value),                       // LOOP_SET_CAPACITY
    (0x4c08, 0x4c08, Arg::Value),                       // LOOP_SET_DIRECT_IO
    (0x4c09, 0x4c09, Arg::Value),                       // LOOP_SET_BLOCK_SIZE
    (0x4c0a, 0x4c0a, Arg::In(LOOP_CONFIG)),             // LOOP_CONFIGURE (its fd: below)
    (0x4c80, 0x4c80, Arg::Value),                       // LOOP_CTL_ADD
    (0x4c81, 0x4c81, Arg::Value),                       // LOOP_CTL_REMOVE
    (0x4c82, 0x4c82, Arg::Value),                       // LOOP_CTL_GET_FREE
];

const LOOP_CONFIGURE: u32 = 0x4c0a;

/// A host ioctl.
fn host_ioctl(fd: i32, req: u32, arg: libc::c_ulong) -> Result<i64, Errno> {
    // SAFETY: `arg` is an integer or points to a local buffer of the request's size (or the fault
    // page), as the table says.
    crate::host(unsafe { libc::syscall(libc::SYS_ioctl, fd, libc::c_ulong::from(req), arg) })
}

/// The requests of this module: `None` for any other (ioctl(2) in [`super::fd`] answers).
pub fn ioctl(ctx: &mut Ctx, fd: i32, req: u32, arg: u32) -> Option<SysResult> {
    let &(_, host_req, how) = REQUESTS.iter().find(|(r, _, _)| *r == req)?;
    Some(run(ctx, fd, host_req, arg, how))
}

fn run(ctx: &mut Ctx, fd: i32, req: u32, arg: u32, how: Arg) -> SysResult {
    let fault = super::fd::fault_page;
    match how {
        Arg::Value => Ok(host_ioctl(fd, req, arg.into())? as u32),
        // A number that is not a guest fd is -1 on the host: EBADF, as fget() says.
        Arg::Fd => Ok(host_ioctl(fd, req, super::fd::host_fd(arg) as libc::c_ulong)? as u32),
        Arg::In(n) => {
            let mut buf = vec![0u8; n];
            let p = match ctx.mem.read(arg, &mut buf) {
                Ok(()) => {
                    if req == LOOP_CONFIGURE {
                        // loop_config.fd is the guest's.
                        let guest = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
                        buf[..4].copy_from_slice(&super::fd::host_fd(guest).to_le_bytes());
                    }
                    buf.as_mut_ptr().cast()
                }
                Err(_) => fault(),
            };
            Ok(host_ioctl(fd, req, p as libc::c_ulong)? as u32)
        }
        Arg::Out(n) => {
            let mut buf = vec![0u8; n];
            let writable = ctx.mem.slice_mut(arg, n).is_ok();
            let p = if writable { buf.as_mut_ptr().cast() } else { fault() };
            let r = host_ioctl(fd, req, p as libc::c_ulong)?;
            if writable {
                ctx.mem.write(arg, &buf)?;
            }
            Ok(r as u32)
        }
        Arg::Compat(n, out) => compat(ctx.mem, fd, req, arg, n, out),
    }
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
