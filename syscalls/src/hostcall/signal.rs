//! The host's signal calls (kernel/signal.c, kernel/time/itimer.c): dispositions, pending and
//! waiting, sending, and the interval timers. Sets are 8 bytes (the kernel's sigset_t on x86-64),
//! siginfo buffers 128 bytes.

use crate::{host, Errno};
use libc::c_int;
use std::ptr::{null, null_mut};

/// The host's disposition of `sig` (a query); `None` when the host refuses it.
pub fn disposition(sig: c_int) -> Option<libc::sigaction> {
    // SAFETY: sigaction is plain data; all-zero is a valid value.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a query (null new action) into a writable struct.
    (unsafe { libc::sigaction(sig, null(), &mut old) } == 0).then_some(old)
}

/// rt_sigpending(2).
pub fn pending() -> Result<u64, Errno> {
    let mut set: u64 = 0;
    // SAFETY: an 8-byte set, as the kernel's sigset_t.
    host(unsafe { libc::syscall(libc::SYS_rt_sigpending, &mut set, 8) })?;
    Ok(set)
}

/// rt_sigsuspend(2) under `mask` (the host restores its own mask on return); always EINTR.
pub fn suspend(mask: u64) {
    // SAFETY: an 8-byte set.
    unsafe { libc::syscall(libc::SYS_rt_sigsuspend, &mask, 8) };
}

/// pause(2); always EINTR.
pub fn pause() {
    // SAFETY: no arguments.
    unsafe { libc::pause() };
}

/// rt_sigtimedwait(2): the signal taken and its host siginfo.
pub fn timedwait(set: u64, timeout: Option<&libc::timespec>) -> Result<(i64, [u8; 128]), Errno> {
    let mut raw = [0u8; 128];
    let ts = timeout.map_or(null(), |t| t as *const libc::timespec);
    // SAFETY: an 8-byte set, a 128-byte siginfo buffer, a timespec or NULL.
    let r = host(unsafe { libc::syscall(libc::SYS_rt_sigtimedwait, &set, raw.as_mut_ptr(), ts, 8) })?;
    Ok((r, raw))
}

/// rt_sigqueueinfo(2) with a host siginfo.
pub fn queueinfo(pid: c_int, sig: c_int, info: &[u8; 128]) -> Result<i64, Errno> {
    // SAFETY: a 128-byte siginfo the host only reads.
    host(unsafe { libc::syscall(libc::SYS_rt_sigqueueinfo, pid, sig, info.as_ptr()) })
}

/// rt_tgsigqueueinfo(2) with a host siginfo.
pub fn tgqueueinfo(tgid: c_int, tid: c_int, sig: c_int, info: &[u8; 128]) -> Result<i64, Errno> {
    // SAFETY: a 128-byte siginfo the host only reads.
    host(unsafe { libc::syscall(libc::SYS_rt_tgsigqueueinfo, tgid, tid, sig, info.as_ptr()) })
}

/// kill(2).
pub fn kill(pid: c_int, sig: c_int) -> Result<i64, Errno> {
    // SAFETY: plain integers.
    host(unsafe { libc::kill(pid, sig) }.into())
}

/// tkill(2).
pub fn tkill(tid: c_int, sig: c_int) -> Result<i64, Errno> {
    // SAFETY: plain integers.
    host(unsafe { libc::syscall(libc::SYS_tkill, tid, sig) })
}

/// tgkill(2).
pub fn tgkill(tgid: c_int, tid: c_int, sig: c_int) -> Result<i64, Errno> {
    // SAFETY: plain integers.
    host(unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) })
}

/// alarm(2): the seconds left of the previous alarm.
pub fn alarm(seconds: u32) -> u32 {
    // SAFETY: a plain integer.
    unsafe { libc::alarm(seconds) }
}

const ZERO_ITIMER: libc::itimerval = libc::itimerval {
    it_interval: libc::timeval { tv_sec: 0, tv_usec: 0 },
    it_value: libc::timeval { tv_sec: 0, tv_usec: 0 },
};

/// setitimer(2): `new` (NULL for `None`, which disarms), and the old value when `want_old`.
pub fn setitimer(which: c_int, new: Option<&libc::itimerval>, want_old: bool) -> Result<libc::itimerval, Errno> {
    let mut out = ZERO_ITIMER;
    let new_ptr = new.map_or(null(), |v| v as *const libc::itimerval);
    let out_ptr = if want_old { &mut out as *mut libc::itimerval } else { null_mut() };
    // SAFETY: valid itimervals or NULL.
    host(unsafe { libc::syscall(libc::SYS_setitimer, which, new_ptr, out_ptr) })?;
    Ok(out)
}

/// getitimer(2).
pub fn getitimer(which: c_int) -> Result<libc::itimerval, Errno> {
    let mut out = ZERO_ITIMER;
    // SAFETY: a valid itimerval.
    host(unsafe { libc::syscall(libc::SYS_getitimer, which, &mut out) })?;
    Ok(out)
}
