//! POSIX message queues: mq_open(2), mq_unlink(2), mq_timedsend(2) and mq_timedreceive(2) (each
//! in its 32-bit-time and time64 form), mq_notify(2), mq_getsetattr(2).
//!
//! A queue is the host's (the guest's `/dev/mqueue` is the host's, a queue descriptor is a host fd
//! handed out by [`new_guest_fd`]), so the host keeps the messages, the limits, the permissions
//! and the readiness poll/select see, and answers in its kernel's order of checks. What is done
//! here is what ipc/mqueue.c's compat entry points do for an i386 caller:
//!
//! - `struct compat_mq_attr` (four 4-byte longs and four reserved) is converted both ways,
//!   sign-extending in and truncating out (get/put_compat_mq_attr()); mq_open reads it only with
//!   `O_CREAT`, and before the name.
//! - Timeouts are read and converted first (EFAULT, then EINVAL from the host's validity check,
//!   before anything about the queue), as compat_prepare_timeout()/prepare_timeout() do.
//! - The i386 `struct sigevent` of mq_notify is timer_create's; for `SIGEV_THREAD` its value points at
//!   the 32-byte cookie the kernel queues on the netlink socket named by `sigev_signo` (glibc's
//!   helper thread reads it back). Netlink route sockets are host sockets, so the host gets the
//!   guest's cookie memory and the guest's fd, and the cookie comes back to the guest verbatim.
//! - Message buffers are the guest's memory itself ([`InPlace`]), so the host faults where the
//!   guest's kernel would. A receive buffer the host cannot be handed whole (a page mapped
//!   read-only past the message, or a length running past 4 GiB) goes through a local buffer the
//!   size of the queue's messages, then the priority and the message are stored, EFAULT for either
//!   after the message was taken, as do_mq_timedreceive() does.

use crate::abi::nr;
use crate::abi::signal::SigeventHead;
use crate::abi::time::{KernelTimespec, Timespec32};
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::mqueue::{self as host, HostMqAttr, NOTIFY_COOKIE_LEN, SIGEV_THREAD};
use crate::mem::{GuestMemoryExt, Prot};
use crate::replay::DeadlineClock;
use crate::row::{Arg::*, Args, Entry};
use crate::sys::fd::{host_fd, new_guest_fd};
use crate::task::{BlockingCtx, Ctx};
use crate::{Errno, SysResult};
use std::ffi::CString;
use zerocopy::little_endian::I32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::mq_open, mq_open, [Str, OpenFlags, MqCreate, Skip]),
    entry!(nr::mq_unlink, mq_unlink, [Str]),
    entry!(nr::mq_timedsend, may_block mq_timedsend, [Fd, InBuf(2), Uint, Uint, Timespec]).blocks().restarts(),
    entry!(nr::mq_timedreceive, may_block mq_timedreceive, [Fd, OutBuf, Uint, Out(&IntPtr), Timespec])
        .blocks()
        .restarts(),
    entry!(nr::mq_timedsend_time64, may_block mq_timedsend_time64, [Fd, InBuf(2), Uint, Uint, Timespec64])
        .blocks()
        .restarts(),
    entry!(nr::mq_timedreceive_time64, may_block mq_timedreceive_time64, [Fd, OutBuf, Uint, Out(&IntPtr), Timespec64])
        .blocks()
        .restarts(),
    entry!(nr::mq_notify, mq_notify, [Fd, Sigevent]),
    entry!(nr::mq_getsetattr, mq_getsetattr, [Fd, MqAttr, Out(&MqAttr)]),
];

// ---------------------------------------------------------------------------------------------
// i386 layouts.

/// `struct compat_mq_attr` (linux/compat.h): `struct mq_attr` with 4-byte longs.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct MqAttr32 {
    mq_flags: I32,
    mq_maxmsg: I32,
    mq_msgsize: I32,
    mq_curmsgs: I32,
    reserved: [I32; 4],
}
const _: () = assert!(size_of::<MqAttr32>() == 32);

impl MqAttr32 {
    /// get_compat_mq_attr(): each long sign-extended, the reserved words dropped.
    fn to_host(self) -> HostMqAttr {
        HostMqAttr {
            mq_flags: self.mq_flags.get().into(),
            mq_maxmsg: self.mq_maxmsg.get().into(),
            mq_msgsize: self.mq_msgsize.get().into(),
            mq_curmsgs: self.mq_curmsgs.get().into(),
            reserved: [0; 4],
        }
    }

    /// put_compat_mq_attr(): each long truncated, the reserved words zero.
    fn from_host(a: &HostMqAttr) -> Self {
        MqAttr32 {
            mq_flags: I32::new(a.mq_flags as i32),
            mq_maxmsg: I32::new(a.mq_maxmsg as i32),
            mq_msgsize: I32::new(a.mq_msgsize as i32),
            mq_curmsgs: I32::new(a.mq_curmsgs as i32),
            reserved: [I32::ZERO; 4],
        }
    }
}

/// `O_CREAT` (the same on i386 and x86-64).
const O_CREAT: u32 = 0o100;

// ---------------------------------------------------------------------------------------------
// Arguments.

/// A queue name as getname() reads it (EFAULT, ENAMETOOLONG, ENOENT when empty); the host looks
/// it up in its mqueue mount.
fn queue_name(ctx: &Ctx, addr: u32) -> Result<CString, Errno> {
    let name = ctx.mem.read_path(addr)?;
    // read_path stops at the first NUL, so there is none inside.
    CString::new(name).map_err(|_| Errno::FAULT)
}

/// A guest timeout as the host's timespec: NULL is none, an unreadable one EFAULT. Its validity
/// is the host's to check, which it does first, as the guest's kernel does.
fn timeout<T: FromBytes, H>(
    ctx: &Ctx<H>,
    addr: u32,
    to_host: fn(T) -> libc::timespec,
) -> Result<Option<libc::timespec>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let mut ts = to_host(ctx.mem.read_obj::<T>(addr)?);
    // An absolute CLOCK_REALTIME deadline (do_mq_timedsend()): under `emu386 diff`, computed from
    // a replayed clock reading.
    crate::replay::deadline(DeadlineClock::Clock(libc::CLOCK_REALTIME as u32), true, &mut ts);
    Ok(Some(ts))
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// Implements mq_open(2) (compat_sys_mq_open): the attributes (only with `O_CREAT`), then the
/// name, are read; the host checks the attributes against its limits (EINVAL), the name (EACCES
/// for a `/` inside, ENAMETOOLONG), the flags and permissions (EEXIST, ENOENT, EACCES).
fn mq_open(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [name, flags, mode, attr, ..] = *a;
    let attr =
        if attr != 0 && flags & O_CREAT != 0 { Some(ctx.mem.read_obj::<MqAttr32>(attr)?.to_host()) } else { None };
    let name = queue_name(ctx, name)?;
    let fd = host::mq_open(&name, flags as i32, mode, attr.as_ref())?;
    Ok(new_guest_fd(fd as i32)?)
}

/// Implements mq_unlink(2).
fn mq_unlink(ctx: &mut Ctx, a: &Args) -> SysResult {
    let name = queue_name(ctx, a[0])?;
    host::mq_unlink(&name)?;
    Ok(0)
}

/// do_mq_timedsend(): the host checks the priority (EINVAL), the fd (EBADF unless a queue open
/// for writing), the length (EMSGSIZE), then copies the whole message from guest memory (EFAULT)
/// and waits for room unless `O_NONBLOCK` (EAGAIN) or the timeout passes (ETIMEDOUT).
fn send<H>(ctx: &Ctx<H>, a: &Args, ts: Option<libc::timespec>) -> SysResult {
    let [fd, msg, len, prio, ..] = *a;
    let msg = InPlace::new(ctx.mem, msg, len as usize, Prot::READ);
    host::mq_timedsend(host_fd(fd), msg, len as usize, prio, ts.as_ref())?;
    Ok(0)
}

/// do_mq_timedreceive(): the host checks the fd (EBADF unless a queue open for reading) and the
/// length (EMSGSIZE below the queue's message size), waits as send() does, then takes the highest
/// priority message and stores its priority (when asked) and bytes; the message length is the
/// result.
fn receive<H>(ctx: &mut Ctx<H>, a: &Args, ts: Option<libc::timespec>) -> SysResult {
    let [fd, msg, len, prio, ..] = *a;
    let fd = host_fd(fd);
    if let Ok(buf) = ctx.mem.host_buf(msg, len as usize, Prot::WRITE) {
        let prio = InPlace::new(ctx.mem, prio, 4, Prot::WRITE);
        return Ok(host::mq_timedreceive(fd, buf, prio, ts.as_ref())? as u32);
    }
    // The host writes at most the queue's message size, which it says (or EBADF, the answer the
    // receive itself would give first); told that size (or `len` when smaller), it makes the
    // same EMSGSIZE check as for `len`.
    let mut attr = HostMqAttr::default();
    host::mq_getsetattr(fd, None, Some(&mut attr))?;
    let size = usize::try_from(attr.mq_msgsize).unwrap_or(0).min(len as usize);
    let mut buf = vec![0u8; size];
    let (n, got_prio) = host::mq_timedreceive_into(fd, &mut buf, ts.as_ref())?;
    if prio != 0 {
        ctx.mem.write_u32(prio, got_prio)?;
    }
    ctx.mem.write(msg, buf.get(..n).ok_or(Errno::FAULT)?)?;
    Ok(n as u32)
}

/// Implements mq_timedsend(2) with a 32-bit timespec.
fn mq_timedsend(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let ts = timeout(ctx, a[4], Timespec32::to_host)?;
    send(ctx, a, ts)
}

/// Implements mq_timedsend_time64(2).
fn mq_timedsend_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let ts = timeout(ctx, a[4], KernelTimespec::to_host)?;
    send(ctx, a, ts)
}

/// Implements mq_timedreceive(2) with a 32-bit timespec.
fn mq_timedreceive(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let ts = timeout(ctx, a[4], Timespec32::to_host)?;
    receive(ctx, a, ts)
}

/// Implements mq_timedreceive_time64(2).
fn mq_timedreceive_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let ts = timeout(ctx, a[4], KernelTimespec::to_host)?;
    receive(ctx, a, ts)
}

/// Implements mq_notify(2) (compat_sys_mq_notify): the i386 sigevent is read (EFAULT), then the
/// host checks the notification type and signal (EINVAL), for SIGEV_THREAD copies the cookie
/// (EFAULT) and finds the netlink socket (EBADF, ENOTSOCK, EINVAL), then the queue (EBADF) and
/// whether another process registered (EBUSY). NULL unregisters.
fn mq_notify(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, event, ..] = *a;
    let (event, cookie) = if event == 0 {
        (None, InPlace::Null)
    } else {
        let mut event = ctx.mem.read_obj::<SigeventHead>(event)?.to_host();
        let mut cookie = InPlace::Null;
        if event.sigev_notify == SIGEV_THREAD {
            cookie = InPlace::new(ctx.mem, event.sigev_value as u32, NOTIFY_COOKIE_LEN, Prot::READ);
            event.sigev_signo = host_fd(event.sigev_signo as u32);
        }
        (Some(event), cookie)
    };
    host::mq_notify(host_fd(fd), event.as_ref(), cookie)?;
    Ok(0)
}

/// Implements mq_getsetattr(2) (compat_sys_mq_getsetattr): the new attributes are read (EFAULT),
/// the host checks their flags (EINVAL for anything but `O_NONBLOCK`) and the fd (EBADF), sets
/// them and answers the old ones, which are stored last (EFAULT after the change took effect).
fn mq_getsetattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, new, old, ..] = *a;
    let new = if new == 0 { None } else { Some(ctx.mem.read_obj::<MqAttr32>(new)?.to_host()) };
    let mut out = HostMqAttr::default();
    host::mq_getsetattr(host_fd(fd), new.as_ref(), (old != 0).then_some(&mut out))?;
    if old != 0 {
        ctx.mem.write_obj(old, &MqAttr32::from_host(&out))?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_longs_are_sign_extended_in_and_truncated_out() {
        let guest = MqAttr32 {
            mq_flags: I32::new(0o4000),
            mq_maxmsg: I32::new(-1),
            mq_msgsize: I32::new(i32::MIN),
            mq_curmsgs: I32::new(3),
            reserved: [I32::new(7); 4],
        };
        let host = guest.to_host();
        assert_eq!((host.mq_flags, host.mq_maxmsg, host.mq_msgsize, host.mq_curmsgs), (0o4000, -1, -(1 << 31), 3));
        assert_eq!(host.reserved, [0; 4]);
        let wide = HostMqAttr { mq_maxmsg: 0x1_0000_0005, ..host };
        let back = MqAttr32::from_host(&wide);
        assert_eq!((back.mq_maxmsg.get(), back.mq_curmsgs.get()), (5, 3));
        assert!(back.reserved.iter().all(|r| r.get() == 0));
    }
}
