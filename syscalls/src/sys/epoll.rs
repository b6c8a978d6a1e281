//! epoll(7): epoll_create(2), epoll_create1(2), epoll_ctl(2) and the epoll_wait(2) family.
//!
//! An epoll instance is a host epoll fd watching host fds (guest fds are host fds), so interest
//! lists, edge triggering, EPOLLONESHOT, EPOLLEXCLUSIVE and the errors of epoll_ctl are the host
//! kernel's. `struct epoll_event` has the same 12 bytes on both ABIs, so the events buffer is handed
//! to the host as it is ([`crate::mem::GuestMemory::host_range`]): the host stores events until it
//! faults, as the kernel's `ep_send_events` does (EFAULT only if none was stored). The checks made
//! before the host is asked keep the kernel's order (fs/eventpoll.c): the timeout, the signal
//! mask, `maxevents`, then the fd.
//!
//! A socket whose object has readiness of its own (a private socket's pending error, which its
//! host fd does not show) is remembered when it is added ([`Interest`]): a wait that finds such
//! readiness does not wait, adds its bits to the socket's event or reports the event itself
//! (once for EPOLLET and EPOLLONESHOT, until EPOLL_CTL_MOD). Left out: an epoll fd that is dup'd
//! or passed to another process; a socket closed without EPOLL_CTL_DEL leaves its entry until
//! the epoll fd's number is reused (it is not reported once the fd is no longer the socket).

use super::poll::{masked, read_sigmask, read_timeout, Deadline, Sigmask, TimeAbi};
use crate::abi::poll::*;
use crate::entry;
use crate::hostcall::numbers;
use crate::hostcall::poll::{self as hostpoll, EventsOut};
use crate::mem::{GuestAddr, GuestMemoryExt, HostRange, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
use crate::{abi::nr, Errno, SysResult};
use net::Socket;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

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

/// A socket with an object of its own in an epoll's interest list.
#[derive(Clone)]
struct Interest {
    epfd: i32,
    fd: i32,
    sock: Arc<dyn Socket>,
    events: u32,
    data: u64,
    /// Reported by the object once, with EPOLLET or EPOLLONESHOT.
    spent: bool,
}

const EPOLLONESHOT: u32 = 1 << 30;
const EPOLLET: u32 = 1 << 31;
/// The poll bits of an event mask (the rest are epoll's flags).
const POLL_BITS: u32 = 0x3fff;

static INTERESTS: Mutex<Vec<Interest>> = Mutex::new(Vec::new());
/// Whether [`INTERESTS`] ever had an entry: until then a wait costs one relaxed load more.
static ANY_INTEREST: AtomicBool = AtomicBool::new(false);

fn interests<R>(f: impl FnOnce(&mut Vec<Interest>) -> R) -> R {
    f(&mut INTERESTS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A new host epoll fd as a guest fd (entries a closed epoll fd of that number left are gone).
fn create(flags: u32) -> SysResult {
    let fd = numbers(libc::SYS_epoll_create1, &[(flags as libc::c_int).into()])?;
    let fd = super::fd::new_guest_fd(fd as i32)?;
    if ANY_INTEREST.load(Relaxed) {
        interests(|v| v.retain(|i| i.epfd != fd as i32));
    }
    Ok(fd)
}

/// After a successful epoll_ctl: the interest of a socket whose object the socket table knows.
fn remember(epfd: i32, op: u32, fd: u32, event: Option<&EpollEvent>) {
    let known = if op == EPOLL_CTL_DEL { None } else { super::socket::known(fd) };
    if known.is_none() && !ANY_INTEREST.load(Relaxed) {
        return;
    }
    interests(|v| {
        v.retain(|i| (i.epfd, i.fd) != (epfd, fd as i32));
        if let (Some((_, sock)), Some(ev)) = (known, event) {
            let (events, data) = (ev.events.get(), ev.data.get());
            v.push(Interest { epfd, fd: fd as i32, sock, events, data, spent: false });
            ANY_INTEREST.store(true, Relaxed);
        }
    });
}

/// The events the objects of `epfd`'s sockets report of their own now: (data, bits, whether
/// the interest is spent by the report).
fn own_events(epfd: i32) -> Vec<(u64, u32, bool)> {
    if !ANY_INTEREST.load(Relaxed) {
        return Vec::new();
    }
    let mine: Vec<Interest> = interests(|v| v.iter().filter(|i| i.epfd == epfd && !i.spent).cloned().collect());
    let mut out = Vec::new();
    for Interest { fd, sock, events, data, .. } in mine {
        // Only while the fd is still that socket.
        let Some((bfd, now)) = super::socket::known(fd as u32) else { continue };
        if !Arc::ptr_eq(&now, &sock) {
            continue;
        }
        let bits = sock.poll(bfd, (events & POLL_BITS) as i16, 0) as u16 as u32;
        if bits != 0 {
            out.push((data, bits, events & (EPOLLET | EPOLLONESHOT) != 0));
        }
    }
    out
}

/// Mark the interests of `epfd` with `data` that were reported and are spent by it.
fn spend(epfd: i32, data: u64) {
    interests(|v| {
        for i in v.iter_mut().filter(|i| i.epfd == epfd && i.data == data && i.events & (EPOLLET | EPOLLONESHOT) != 0) {
            i.spent = true;
        }
    });
}

/// The host's `r` events in `got` with the objects' own readiness `own` merged in: bits added
/// to the event of the same data, or an event of its own while there is room; the new count.
fn merge(epfd: i32, got: &mut Vec<EpollEvent>, max: usize, own: Vec<(u64, u32, bool)>) -> usize {
    for (data, bits, once) in own {
        let len = got.len();
        match got.iter_mut().find(|e| e.data.get() == data) {
            Some(e) => e.events.set(e.events.get() | bits),
            None if len < max => got.push(EpollEvent { events: bits.into(), data: data.into() }),
            None => continue,
        }
        if once {
            spend(epfd, data);
        }
    }
    got.len()
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
    let r = hostpoll::epoll_ctl(epfd, op as libc::c_int, fd, event.as_ref())?;
    remember(epfd, op, a[2], event.as_ref());
    Ok(r as u32)
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
    let own = if matches!(buf, Events::Guest(None)) { Vec::new() } else { own_events(epfd) };
    let out = match &mut buf {
        Events::Guest(Some(range)) => EventsOut::Guest(*range),
        Events::Guest(None) => EventsOut::Refused(max as i32),
        Events::Local(v) => EventsOut::Local(v),
    };
    let (timeout, t) = match ts.map(|d| d.remaining()) {
        _ if !own.is_empty() => (0, ts.map(|_| libc::timespec { tv_sec: 0, tv_nsec: 0 })),
        t => (timeout, t),
    };
    let mut r = hostpoll::epoll_pwait(epfd, out, timeout, t.as_ref(), mask)?;
    if !own.is_empty() {
        let room = match &buf {
            Events::Local(v) => v.len(),
            _ => max as usize,
        };
        let mut got: Vec<EpollEvent> = match &buf {
            Events::Local(v) => v[..r as usize].to_vec(),
            _ => (0..r as u32)
                .map(|i| GuestAddr::new(events).index::<EpollEvent>(i).and_then(|at| ctx.mem.read_obj(at)))
                .collect::<Result<_, _>>()?,
        };
        r = merge(epfd, &mut got, room, own) as i64;
        match &mut buf {
            Events::Local(v) => v[..got.len()].copy_from_slice(&got),
            _ => {
                for (i, ev) in got.iter().enumerate() {
                    ctx.mem.write_obj(GuestAddr::new(events).index::<EpollEvent>(i as u32)?, ev)?;
                }
            }
        }
    }
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
