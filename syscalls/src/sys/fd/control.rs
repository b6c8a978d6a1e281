//! fcntl(2) and ioctl(2) on guest fds (the host calls: [`crate::hostcall::fdctl`] and
//! [`crate::hostcall::ioctl`], which knows each forwarded request's argument).

use super::*;
use crate::hostcall::fdctl::{self, FcntlArg};
use crate::hostcall::ioctl::{self, Buf, Request, Shape};

// ---------------------------------------------------------------------------------------------
// fcntl

/// `F_OWNER_PGRP` of `struct f_owner_ex`.
const F_OWNER_PGRP: i32 = 2;

/// A host fcntl with an integer argument.
fn host_fcntl(fd: i32, cmd: libc::c_int, arg: libc::c_long) -> Result<i64, Errno> {
    fdctl::fcntl(fd, cmd, FcntlArg::Int(arg))
}

/// `fdget_raw` and the O_PATH rule of `check_fcntl_cmd`, for commands that read guest memory:
/// those come after both checks.
fn fcntl_fd_check(fd: i32) -> Result<(), Errno> {
    let flags = host_fcntl(fd, libc::F_GETFL, 0)?;
    if flags & i64::from(libc::O_PATH) != 0 {
        return Err(Errno::BADF);
    }
    Ok(())
}

/// Implements fcntl(2). On the 64-bit kernels this targets, i386's fcntl is fcntl64: the 64-bit
/// and OFD lock commands work through it too (checked against the host kernel).
pub(super) fn fcntl(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    fcntl64(ctx, a)
}

/// Implements fcntl64(2) (`do_compat_fcntl64`): F_GETLK/F_SETLK* take the 16-byte i386 `struct
/// flock`, F_*LK64 and F_OFD_* the 24-byte `struct flock64`.
pub(super) fn fcntl64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (fd, cmd, arg) = (host_fd(a[0]), a[1], a[2]);
    let int_arg = libc::c_long::from(arg as i32);
    match cmd {
        F_GETLK => {
            fcntl_fd_check(fd)?;
            let mut lock = ctx.mem.read_obj::<Flock32>(arg)?.to_host();
            fdctl::fcntl(fd, libc::F_GETLK, FcntlArg::Lock(&mut lock))?;
            // fixup_compat_flock(): a start a 32-bit off_t cannot hold is EOVERFLOW.
            let out = Flock32::from_host(&lock).ok_or(Errno::OVERFLOW)?;
            ctx.mem.write_obj(arg, &out)?;
            Ok(0)
        }
        F_SETLK | F_SETLKW => {
            fcntl_fd_check(fd)?;
            let mut lock = ctx.mem.read_obj::<Flock32>(arg)?.to_host();
            let host_cmd = if cmd == F_SETLK { libc::F_SETLK } else { libc::F_SETLKW };
            fdctl::fcntl(fd, host_cmd, FcntlArg::Lock(&mut lock))?;
            Ok(0)
        }
        F_GETLK64 | F_OFD_GETLK => {
            fcntl_fd_check(fd)?;
            let mut lock = ctx.mem.read_obj::<Flock64>(arg)?.to_host();
            let host_cmd = if cmd == F_GETLK64 { libc::F_GETLK } else { libc::F_OFD_GETLK };
            fdctl::fcntl(fd, host_cmd, FcntlArg::Lock(&mut lock))?;
            ctx.mem.write_obj(arg, &Flock64::from_host(&lock))?;
            Ok(0)
        }
        F_SETLK64 | F_SETLKW64 | F_OFD_SETLK | F_OFD_SETLKW => {
            fcntl_fd_check(fd)?;
            let mut lock = ctx.mem.read_obj::<Flock64>(arg)?.to_host();
            let host_cmd = match cmd {
                F_SETLK64 => libc::F_SETLK,
                F_SETLKW64 => libc::F_SETLKW,
                F_OFD_SETLK => libc::F_OFD_SETLK,
                _ => libc::F_OFD_SETLKW,
            };
            fdctl::fcntl(fd, host_cmd, FcntlArg::Lock(&mut lock))?;
            Ok(0)
        }
        // `struct f_owner_ex` is two ints on both sides; a u64 rw hint is a u64.
        F_SETOWN_EX | F_SET_RW_HINT => {
            fcntl_fd_check(fd)?;
            let mut val: [u8; 8] = ctx.mem.read_obj(arg)?;
            fdctl::fcntl(fd, cmd as libc::c_int, FcntlArg::Word(&mut val))?;
            Ok(0)
        }
        F_GETOWN_EX | F_GET_RW_HINT | F_GETOWNER_UIDS => {
            fcntl_fd_check(fd)?;
            let mut val = [0u8; 8];
            fdctl::fcntl(fd, cmd as libc::c_int, FcntlArg::Word(&mut val))?;
            ctx.mem.write(arg, &val)?;
            Ok(0)
        }
        // f_getown(): a process group owner is reported negative. The host's F_GETOWN would make
        // that look like an error here, so ask with F_GETOWN_EX.
        F_GETOWN => {
            let mut owner = [0u8; 8];
            fdctl::fcntl(fd, F_GETOWN_EX as libc::c_int, FcntlArg::Word(&mut owner))?;
            let [kind, pid] =
                [0, 4].map(|at| i32::from_le_bytes([owner[at], owner[at + 1], owner[at + 2], owner[at + 3]]));
            Ok(if kind == F_OWNER_PGRP { pid.wrapping_neg() } else { pid } as u32)
        }
        // f_dupfd(): a start at or past the guest's limit is EINVAL (after the fd check).
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let from = if arg < fd_limit() as u32 { int_arg } else { -1 };
            let new = host_fcntl(fd, cmd as libc::c_int, from)?;
            Ok(new_guest_fd(new as i32)?)
        }
        F_DUPFD_QUERY => Ok(host_fcntl(fd, cmd as libc::c_int, host_fd(arg).into())? as u32),
        F_GETFD | F_SETFD | F_GETFL | F_SETFL | F_SETOWN | F_SETSIG | F_GETSIG | F_SETLEASE | F_GETLEASE | F_NOTIFY
        | F_CREATED_QUERY | F_CANCELLK | F_SETPIPE_SZ | F_GETPIPE_SZ | F_ADD_SEALS | F_GET_SEALS => {
            Ok(host_fcntl(fd, cmd as libc::c_int, int_arg)? as u32)
        }
        // do_fcntl()'s default; an O_PATH fd fails check_fcntl_cmd first.
        _ => {
            fcntl_fd_check(fd)?;
            Err(Errno::INVAL.into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ioctl

/// Implements ioctl(2) for the requests handed on as they are ([`ioctl::pass_through`]). The
/// guest's argument is copied through a local buffer; when the guest cannot access it, the host
/// gets the fault page, so a request the file does not support is still ENOTTY rather than
/// EFAULT. Other requests: EBADF for a bad fd, else ENOTTY, what most drivers answer for a
/// request they do not know.
pub(super) fn ioctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, req, arg) = (host_fd(a[0]), a[1], a[2]);
    if let Some(r) = crate::sys::netioctl::ioctl(ctx, a[0], req, arg) {
        return r;
    }
    if let Some(r) = crate::sys::fsioctl::ioctl(ctx, fd, req, arg) {
        return r;
    }
    if let Some(r) = crate::sys::userfaultfd::ioctl(ctx, fd, req, arg) {
        return r;
    }
    let Some(request) = ioctl::pass_through(req) else {
        // fdget(): an O_PATH fd is EBADF here too.
        fcntl_fd_check(fd)?;
        return Err(Errno::NOTTY.into());
    };
    forward_ioctl(ctx, fd, request, arg)
}

/// ioctl `request` on host fd `fd` with the guest's argument `arg`, as the request's shape says:
/// a number as it is, a guest fd as the host's, a struct through a local copy (the fault page
/// for the host when the guest cannot access it; the guest fd in a struct as the host's).
pub(crate) fn forward_ioctl(ctx: &mut Ctx, fd: i32, request: Request, arg: u32) -> SysResult {
    match request.shape() {
        Shape::Value => Ok(ioctl::with_number(fd, request, arg.into())? as u32),
        // A number that is not a guest fd is -1 on the host: EBADF, as fget() says.
        Shape::Fd => Ok(ioctl::with_number(fd, request, host_fd(arg) as libc::c_ulong)? as u32),
        Shape::NewFd => Ok(new_guest_fd(ioctl::with_number(fd, request, arg.into())? as i32)?),
        Shape::In(n) | Shape::InFd(n) => {
            let mut buf = vec![0u8; n];
            let buf = match ctx.mem.read(arg, &mut buf) {
                Ok(()) => {
                    if let (Shape::InFd(_), Some(head)) = (request.shape(), buf.first_chunk_mut::<4>()) {
                        *head = host_fd(u32::from_le_bytes(*head)).to_le_bytes();
                    }
                    Buf::Local(&mut buf)
                }
                Err(_) => Buf::Fault,
            };
            Ok(ioctl::with_buf(fd, request, buf)? as u32)
        }
        Shape::InOut(n) => {
            let mut buf = vec![0u8; n];
            let ok = ctx.mem.read(arg, &mut buf).is_ok() && ctx.mem.slice_mut(arg, n).is_ok();
            let r = ioctl::with_buf(fd, request, if ok { Buf::Local(&mut buf) } else { Buf::Fault });
            if ok {
                ctx.mem.write(arg, &buf)?;
            }
            Ok(r? as u32)
        }
        Shape::Out(n) => {
            let mut buf = vec![0u8; n];
            let writable = ctx.mem.slice_mut(arg, n).is_ok();
            let r = ioctl::with_buf(fd, request, if writable { Buf::Local(&mut buf) } else { Buf::Fault })?;
            if writable {
                ctx.mem.write(arg, &buf)?;
            }
            Ok(r as u32)
        }
    }
}
