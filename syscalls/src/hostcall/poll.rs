//! Waiting for fds on the host: ppoll, pselect6, epoll_ctl and epoll_pwait(2) (fs/select.c,
//! fs/eventpoll.c). Signal masks are the kernel's 8-byte sigsets.

use crate::abi::poll::EpollEvent;
use crate::mem::HostRange;
use crate::{host, Errno};
use libc::{c_int, timespec};
use std::ptr::{null, null_mut};
use zerocopy::IntoBytes;

/// A signal mask as the host's calls take it.
pub type Sigset = [u8; 8];

fn ts_ptr(ts: Option<&timespec>) -> *const timespec {
    ts.map_or(null(), |t| t as *const timespec)
}

fn mask_ptr(mask: Option<&Sigset>) -> *const u8 {
    mask.map_or(null(), |m| m.as_ptr())
}

/// ppoll(2) on `fds`, with a timeout (`None`: none) and a mask during the wait (`None`: none).
pub fn ppoll(fds: &mut [libc::pollfd], ts: Option<&timespec>, mask: Option<&Sigset>) -> Result<i64, Errno> {
    // SAFETY: `fds` is `fds.len()` pollfds; the timeout and the mask are NULL or live locals.
    host(unsafe { libc::syscall(libc::SYS_ppoll, fds.as_mut_ptr(), fds.len(), ts_ptr(ts), mask_ptr(mask), 8usize) })
}

/// pselect6(2) on the first `n` fds of each set (`None`: NULL) with a timeout and a mask.
/// EINVAL (before the host is asked) for a set shorter than `n` fds.
pub fn pselect6(
    n: usize,
    sets: [Option<&mut [u64]>; 3],
    ts: Option<&timespec>,
    mask: Option<&Sigset>,
) -> Result<i64, Errno> {
    let words = n.div_ceil(64);
    let mut ptrs = [null_mut::<u64>(); 3];
    for (p, set) in ptrs.iter_mut().zip(sets) {
        if let Some(set) = set {
            if set.len() < words {
                return Err(Errno::INVAL);
            }
            *p = set.as_mut_ptr();
        }
    }
    let pack = mask.map(|m| [m.as_ptr() as usize, m.len()]);
    let pack = pack.as_ref().map_or(null(), |p| p.as_ptr());
    // SAFETY: each set is NULL or DIV_ROUND_UP(n, 64) words; the timeout and the {sigset pointer,
    // size} pack are NULL or live locals.
    host(unsafe { libc::syscall(libc::SYS_pselect6, n, ptrs[0], ptrs[1], ptrs[2], ts_ptr(ts), pack) })
}

/// poll(2) with a zero timeout on `fds` (never waits).
pub fn poll_now(fds: &mut [libc::pollfd]) -> Result<i64, Errno> {
    // SAFETY: `fds` is `fds.len()` pollfds.
    host(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) }.into())
}

/// epoll_ctl(2) with an event (the host's layout is the guest's, 12 packed bytes) or none.
pub fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: Option<&EpollEvent>) -> Result<i64, Errno> {
    let p = event.map_or(null(), |e| e.as_bytes().as_ptr());
    // SAFETY: the event is NULL or a live 12-byte struct epoll_event.
    host(unsafe { libc::syscall(libc::SYS_epoll_ctl, epfd, op, fd, p) })
}

/// Where epoll_pwait stores the events.
pub enum EventsOut<'a> {
    /// Guest memory, written in place (the host faults where the guest's kernel would).
    Guest(HostRange),
    /// A local array.
    Local(&'a mut [EpollEvent]),
    /// Nowhere: a count the host refuses before it stores anything (EINVAL; a NULL buffer).
    Refused(c_int),
}

/// epoll_pwait(2), or epoll_pwait2(2) with a timeout as a timespec (`ts`); `timeout` in
/// milliseconds otherwise.
pub fn epoll_pwait(
    epfd: c_int,
    out: EventsOut<'_>,
    timeout: c_int,
    ts: Option<&timespec>,
    mask: Option<&Sigset>,
) -> Result<i64, Errno> {
    let (ptr, n) = match out {
        EventsOut::Guest(r) => (r.as_ptr(), (r.len() / size_of::<EpollEvent>()) as c_int),
        EventsOut::Local(v) => (v.as_mut_ptr().cast::<u8>(), v.len() as c_int),
        EventsOut::Refused(n) => (null_mut(), n),
    };
    let r = match ts {
        // SAFETY: `ptr` is guest memory or a local for `n` events, or NULL; the timeout and the
        // mask are NULL or live locals.
        Some(t) => unsafe {
            libc::syscall(libc::SYS_epoll_pwait2, epfd, ptr, n, t as *const timespec, mask_ptr(mask), 8usize)
        },
        // SAFETY: as above.
        None => unsafe { libc::syscall(libc::SYS_epoll_pwait, epfd, ptr, n, timeout, mask_ptr(mask), 8usize) },
    };
    host(r)
}
