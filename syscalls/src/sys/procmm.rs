//! Calls on a process's memory through a pidfd: process_madvise(2) and process_mrelease(2).
//!
//! The pidfd is the guest's (a host pidfd), and the process it names is a host process. For
//! process_madvise the ranges are guest addresses, translated to host addresses with this
//! emulator's guest base, which is the target's own when the target is this process or a process
//! it forked (a fork keeps the reservation where it is). Another emulated program may have its
//! guest memory elsewhere, and a native one has no guest memory at all; the advice (MADV_COLD,
//! MADV_PAGEOUT, MADV_WILLNEED, MADV_COLLAPSE) then lands on whatever the target has at the
//! translated address, which changes no contents, only where pages live. Not exact: a range the
//! guest has not mapped is reserved host memory, which the host advises without the ENOMEM the
//! kernel answers for a hole.

use super::hostarg::fd;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::fdcalls;
use crate::mem::GuestMemoryExt;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};

/// `UIO_MAXIOV`.
const UIO_MAXIOV: u32 = 1024;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::process_madvise, process_madvise, [Fd, Ptr, Uint, Int, Hex]),
    entry!(nr::process_mrelease, process_mrelease, [Fd, Hex]),
];

/// Implements process_madvise(2) in mm/madvise.c's order: flags (EINVAL), the i386 iovec array
/// (import_iovec(): EINVAL past UIO_MAXIOV, EFAULT, a negative length EINVAL), then the host's
/// pidfd, privilege and advice checks on the translated ranges.
fn process_madvise(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[4] != 0 {
        return Err(Errno::INVAL.into());
    }
    if a[2] > UIO_MAXIOV {
        return Err(Errno::INVAL.into());
    }
    let mut iov = Vec::with_capacity(a[2] as usize);
    for i in 0..a[2] {
        let at = a[1].checked_add(i * 8).ok_or(Errno::FAULT)?;
        let [base, len]: [u32; 2] = ctx.mem.read_obj(at)?;
        if (len as i32) < 0 {
            return Err(Errno::INVAL.into());
        }
        let host = ctx.mem.host_addr(base).ok_or(Errno::NOSYS)?;
        iov.push(libc::iovec { iov_base: host.cast(), iov_len: len as usize });
    }
    Ok(fdcalls::process_madvise(fd(a[0]) as i32, &iov, a[3] as i32)? as u32)
}

/// Implements process_mrelease(2): the host's.
fn process_mrelease(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(fdcalls::process_mrelease(fd(a[0]) as i32, a[1])? as u32)
}
