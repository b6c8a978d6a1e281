//! epoll(7): epoll_create(2), epoll_create1(2), epoll_ctl(2) and the epoll_wait(2) family.
//!
//! An epoll instance is a host epoll fd watching host fds (guest fds are host fds), so interest
//! lists, edge triggering, EPOLLONESHOT, EPOLLEXCLUSIVE and the errors of epoll_ctl are the host
//! kernel's. `struct epoll_event` has the same 12 bytes on both ABIs, so the events buffer is handed
//! to the host as it is ([`crate::mem::GuestMemory::host_range`]): the host stores events until it
//! faults, as the kernel's `ep_send_events` does (EFAULT only if none was stored). The checks made
//! before the host is asked keep the kernel's order (fs/eventpoll.c): the timeout, the signal
//! mask, `maxevents`, then the fd.

use super::poll::{masked, read_sigmask, read_timeout, Deadline, Sigmask, TimeAbi};
use crate::abi::poll::*;
use crate::entry;
use crate::hostcall::numbers;
use crate::hostcall::poll::{self as hostpoll, EventsOut};
use crate::mem::{GuestAddr, GuestMemoryExt, HostRange, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
use crate::{abi::nr, Errno, SysResult};

const CREATE_FLAGS: &[(u32, &str)] = &[(0o2000000, "EPOLL_CLOEXEC")];
const CTL_OPS: &[(u32, &str)] =
    &[(EPOLL_CTL_ADD, "EPOLL_CTL_ADD"), (EPOLL_CTL_DEL, "EPOLL_CTL_DEL"), (EPOLL_CTL_MOD, "EPOLL_CTL_MOD")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::epoll_create, epoll_create, [Int]),
    entry!(nr::epoll_create1, epoll_create1, [Flags(CREATE_FLAGS)]),
    entry!(nr::epoll_ctl, epoll_ctl, [Fd, Enum(CTL_OPS), Fd, EpollCtlEvent]),
    entry!(nr::epoll_wait, may_block epoll_wait, [Fd, EpollEvents, Int, Int]).blocks(),
    // strace shows the mask and timeout once the call ended: an address if it failed.
    entry!(nr::epoll_pwait, may_block epoll_pwait, [Fd, EpollEvents, Int, Int, Out(&Sigset(5)), Uint]).blocks(),
    entry!(nr::epoll_pwait2, may_block epoll_pwait2, [Fd, EpollEvents, Int, Out(&Timespec64), Out(&Sigset(5)), Uint])
        .blocks(),
];

/// A new host epoll fd as a guest fd.
fn create(flags: u32) -> SysResult {
    let fd = numbers(libc::SYS_epoll_create1, &[(flags as libc::c_int).into()])?;
    Ok(super::fd::new_guest_fd(fd as i32)?)
}

/// Implements epoll_create(2): the size only has to be positive.
fn epoll_create(_: &mut Ctx, a: &Args) -> SysResult {
    if (a[0] as i32) <= 0 {
        return Err(Errno::INVAL.into());
    }
    create(0)
}

/// Implements epoll_create1(2): the host checks the flags (EPOLL_CLOEXEC only).
fn epoll_create1(_: &mut Ctx, a: &Args) -> SysResult {
    create(a[0])
}

/// Implements epoll_ctl(2): the event is copied in first (EFAULT) for every op but EPOLL_CTL_DEL,
/// then the host checks the fds and the op (EBADF, EINVAL, EPERM, EEXIST, ENOENT, ELOOP).
fn epoll_ctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (epfd, op, fd) = (super::fd::host_fd(a[0]), a[1], super::fd::host_fd(a[2]));
    let event: Option<EpollEvent> = if op == EPOLL_CTL_DEL { None } else { Some(ctx.mem.read_obj(a[3])?) };
    Ok(hostpoll::epoll_ctl(epfd, op as libc::c_int, fd, event.as_ref())? as u32)
}

/// What the host is given for the events buffer.
enum Events {
    /// The guest's buffer itself (`None`: a count the host refuses first).
    Guest(Option<HostRange>),
    /// A local buffer, for a guest buffer the host cannot be handed as it is (a page that is
    /// mapped but not writable): events are stored from it one by one.
    Local(Vec<EpollEvent>),
}

/// do_epoll_wait(): the host checks `maxevents` (EINVAL outside 1..=EP_MAX_EVENTS) and the fd
/// (EBADF, EINVAL for a non-epoll fd) in its kernel's order, waits, and stores the events.
fn do_wait<H>(
    ctx: &mut Ctx<H>,
    a: &Args,
    timeout: libc::c_int,
    ts: Option<Deadline>,
    mask: Option<Sigmask>,
) -> SysResult {
    masked(ctx, mask, |ctx, mask| wait(ctx, a, timeout, ts, mask))
}

fn wait<H>(
    ctx: &mut Ctx<H>,
    a: &Args,
    timeout: libc::c_int,
    ts: Option<Deadline>,
    mask: Option<&Sigmask>,
) -> SysResult {
    let (epfd, events, max) = (super::fd::host_fd(a[0]), a[1], a[2]);
    let len = max as usize * size_of::<EpollEvent>();
    let mut buf = if max as i32 <= 0 || max > EP_MAX_EVENTS {
        // The host answers EINVAL, or EBADF first where its kernel checks the fd first.
        Events::Guest(None)
    } else {
        match ctx.mem.host_buf(events, len, Prot::WRITE) {
            Ok(p) => Events::Guest(Some(p)),
            Err(_) => Events::Local(vec![EpollEvent::default(); (max as usize).min(1024)]),
        }
    };
    let out = match &mut buf {
        Events::Guest(Some(range)) => EventsOut::Guest(*range),
        Events::Guest(None) => EventsOut::Refused(max as i32),
        Events::Local(v) => EventsOut::Local(v),
    };
    let t = ts.map(|d| d.remaining());
    let r = hostpoll::epoll_pwait(epfd, out, timeout, t.as_ref(), mask)?;
    let Events::Local(local) = buf else {
        return Ok(r as u32);
    };
    // ep_send_events(): stop at the first event that cannot be stored; EFAULT if it is the first.
    for (i, ev) in local.iter().take(r as usize).enumerate() {
        let at = GuestAddr::new(events).index::<EpollEvent>(i as u32);
        if at.and_then(|at| ctx.mem.write_obj(at, ev)).is_err() {
            return if i == 0 { Err(Errno::FAULT.into()) } else { Ok(i as u32) };
        }
    }
    Ok(r as u32)
}

/// Implements epoll_wait(2).
fn epoll_wait(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    do_wait(ctx, a, a[3] as i32, None, None)
}

/// Implements epoll_pwait(2): the signal mask is checked before anything else.
fn epoll_pwait(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let mask = read_sigmask(ctx, a[4], a[5])?;
    do_wait(ctx, a, a[3] as i32, None, mask)
}

/// Implements epoll_pwait2(2): a `struct __kernel_timespec` timeout (EFAULT, EINVAL; NULL waits
/// for ever), then the mask; nothing is written back.
fn epoll_pwait2(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let deadline = if a[3] == 0 { None } else { Some(read_timeout(ctx, a[3], TimeAbi::Timespec64)?) };
    let mask = read_sigmask(ctx, a[4], a[5])?;
    match deadline {
        Some(d) => do_wait(ctx, a, 0, Some(d), mask),
        None => do_wait(ctx, a, -1, None, mask),
    }
}
