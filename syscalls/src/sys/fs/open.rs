//! open(2), openat(2), creat(2) and openat2(2). The first three run as i386 calls on the host
//! (`int $0x80`, [`compat::open`]) because the kernel treats a 32-bit caller differently there:
//! O_LARGEFILE is not implied. The guest's own `/proc` entries are opened by [`procfs::open`].

use super::{compat, dirfd_arg, follow_unless, path, HostPath, AT_FDCWD, TOO_LONG};
use crate::abi::nr;
use crate::hostcall::fs as host;
use crate::hostcall::stat::fstat;
use crate::mem::GuestMemoryExt;
use crate::row::Args;
use crate::sys::{fd::new_guest_fd, procfs};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::c_int;

/// Implements open(2).
pub(super) fn open(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_open(ctx, nr::open, a, 0, (AT_FDCWD, a[1], a[2]))
}

/// Implements openat(2).
pub(super) fn openat(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_open(ctx, nr::openat, a, 1, (dirfd_arg(a[0]), a[2], a[3]))
}

/// Implements creat(2) (O_CREAT|O_WRONLY|O_TRUNC; sys_creat implies O_LARGEFILE on x86-64).
pub(super) fn creat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let flags = (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u32 | O_LARGEFILE;
    do_open(ctx, nr::creat, a, 0, (AT_FDCWD, flags, a[1]))
}

/// i386's O_LARGEFILE (the host's libc calls it 0: it is implied on x86-64).
const O_LARGEFILE: u32 = 0o100000;

/// The open calls run as i386 calls on the host (`int $0x80`, path staged below 4 GiB): the
/// compat open and openat do not add O_LARGEFILE, so a file over 2 GiB opened without it fails
/// with EOVERFLOW before O_TRUNC acts, F_GETFL shows the guest's flags, and writes past 2 GiB
/// fail with EFBIG, all as for a native 32-bit task. `a[at]` is the path; `(dfd, flags, mode)`
/// are for the 64-bit fallback.
fn do_open(ctx: &mut Ctx, call: u32, a: &Args, at: usize, (dfd, flags, mode): (c_int, u32, u32)) -> SysResult {
    let p = path(ctx, a[at], follow_unless(flags, libc::O_NOFOLLOW as u32));
    if let Some(bytes) = p.bytes() {
        if let Some(result) = procfs::open(ctx.task, ctx.held, bytes, flags) {
            return Ok(new_guest_fd(result? as i32)?);
        }
    }
    if !compat::available() {
        return open64(dfd, &p, flags, mode);
    }
    let mut args = [a[0], a[1], a[2], a[3]];
    if call == nr::openat {
        args[0] = dirfd_arg(a[0]) as u32;
    }
    let path = match &p {
        HostPath::Path(s) => Some(s.as_bytes_with_nul()),
        HostPath::TooLong => Some(&TOO_LONG[..]),
        HostPath::Null | HostPath::Fault => None,
    };
    debug_assert!(at == usize::from(call == nr::openat));
    let fd = compat::open(call, args, path)?;
    Ok(new_guest_fd(fd as i32)?)
}

/// open as a 64-bit call, with generic_file_open()'s EOVERFLOW check redone afterwards. Not
/// exact: O_TRUNC has already truncated, and F_GETFL shows O_LARGEFILE.
fn open64(dfd: c_int, p: &HostPath, flags: u32, mode: u32) -> SysResult {
    let fd = host::openat(dfd, p, flags as i32, mode)? as c_int;
    if flags & (O_LARGEFILE | libc::O_PATH as u32) == 0 {
        let big = |st: crate::hostcall::stat::HostStat| {
            st.st_mode & libc::S_IFMT == libc::S_IFREG && st.st_size > i64::from(i32::MAX)
        };
        if fstat(fd).is_ok_and(big) {
            crate::hostcall::fds::discard(fd);
            return Err(Errno::OVERFLOW.into());
        }
    }
    Ok(new_guest_fd(fd)?)
}

/// Implements openat2(2): `struct open_how` has one layout everywhere, so the host reads it in place.
pub(super) fn openat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let how = match ctx.mem.slice(a[2], a[3] as usize) {
        Ok(s) => host::OpenHow::Guest(s),
        Err(_) => host::OpenHow::Refused(a[3] as usize),
    };
    // RESOLVE_* and O_NOFOLLOW decide following; the guest's own /proc names are rewritten only
    // when the open is a plain following one.
    let flags = ctx.mem.read_obj::<[u8; 8]>(a[2]).map(u64::from_le_bytes).unwrap_or(0);
    let p = path(ctx, a[1], follow_unless(flags as u32, libc::O_NOFOLLOW as u32));
    let fd = host::openat2(dirfd_arg(a[0]), &p, how)?;
    Ok(new_guest_fd(fd as i32)?)
}
