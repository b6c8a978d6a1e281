//! Clocks, sleeps, timers and their file descriptors on the host (kernel/time/, fs/timerfd.c,
//! fs/eventfd.c, fs/signalfd.c). Timezones are the guest's `struct timezone`, two ints on both.

use crate::abi::time::Timezone;
use crate::{host, Errno};
use libc::{c_int, c_long, clockid_t, itimerspec, timespec, timeval};
use std::ptr::{null, null_mut};

const ZERO_TS: timespec = timespec { tv_sec: 0, tv_nsec: 0 };
const ZERO_ITS: itimerspec = itimerspec { it_interval: ZERO_TS, it_value: ZERO_TS };

/// clock_gettime(2).
pub fn clock_gettime(clock: clockid_t) -> Result<timespec, Errno> {
    let mut ts = ZERO_TS;
    // SAFETY: `ts` is a writable timespec that outlives the call.
    host(unsafe { libc::syscall(libc::SYS_clock_gettime, clock, &mut ts) })?;
    Ok(ts)
}

/// clock_getres(2).
pub fn clock_getres(clock: clockid_t) -> Result<timespec, Errno> {
    let mut ts = ZERO_TS;
    // SAFETY: `ts` is a writable timespec that outlives the call.
    host(unsafe { libc::syscall(libc::SYS_clock_getres, clock, &mut ts) })?;
    Ok(ts)
}

/// clock_settime(2); `None` passes NULL.
pub fn clock_settime(clock: clockid_t, ts: Option<&timespec>) -> Result<i64, Errno> {
    let ts = ts.map_or(null(), |t| t as *const timespec);
    // SAFETY: `ts` is NULL or a timespec the host only reads.
    host(unsafe { libc::syscall(libc::SYS_clock_settime, clock, ts) })
}

/// clock_nanosleep(2) (the raw call: -1 and errno); the time left goes to `rem`.
pub fn clock_nanosleep(
    clock: clockid_t,
    flags: c_int,
    req: Option<&timespec>,
    rem: &mut timespec,
) -> Result<i64, Errno> {
    let req = req.map_or(null(), |t| t as *const timespec);
    // SAFETY: `req` is NULL or a timespec the host reads; `rem` is a writable timespec.
    host(unsafe { libc::syscall(libc::SYS_clock_nanosleep, clock, flags, req, rem as *mut timespec) })
}

/// gettimeofday(2), the raw call (glibc's wrapper zeroes the timezone): the time and the
/// kernel's `sys_tz`.
pub fn gettimeofday() -> Result<(timeval, Timezone), Errno> {
    let mut tv = timeval { tv_sec: 0, tv_usec: 0 };
    let mut tz = Timezone::default();
    // SAFETY: a writable timeval and a writable struct timezone (two ints) for the call.
    host(unsafe { libc::syscall(libc::SYS_gettimeofday, &mut tv, &mut tz) })?;
    Ok((tv, tz))
}

/// settimeofday(2); `None` passes NULL.
pub fn settimeofday(tv: Option<&timeval>, tz: Option<&Timezone>) -> Result<i64, Errno> {
    let tv = tv.map_or(null(), |t| t as *const timeval);
    let tz = tz.map_or(null(), |t| t as *const Timezone);
    // SAFETY: both are NULL or structs the host only reads.
    host(unsafe { libc::syscall(libc::SYS_settimeofday, tv, tz) })
}

/// time(2): the seconds of CLOCK_REALTIME.
pub fn time() -> i64 {
    // SAFETY: a NULL `tloc` asks only for the return value.
    unsafe { libc::time(null_mut()) }
}

/// times(2): the tick count (the raw value: it may look like -1 and still be a count) and the
/// times.
pub fn times() -> (c_long, libc::tms) {
    let mut tms = libc::tms { tms_utime: 0, tms_stime: 0, tms_cutime: 0, tms_cstime: 0 };
    // SAFETY: `tms` is writable for the call.
    let ticks = unsafe { libc::syscall(libc::SYS_times, &mut tms) };
    (ticks, tms)
}

/// getrusage(2).
pub fn getrusage(who: c_int) -> Result<libc::rusage, Errno> {
    // SAFETY: plain data; all zeroes is a value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is writable for the call.
    host(unsafe { libc::syscall(libc::SYS_getrusage, who, &mut ru) })?;
    Ok(ru)
}

/// eventfd2(2): the new host fd.
pub fn eventfd2(count: c_long, flags: c_long) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(libc::SYS_eventfd2, count, flags) })
}

/// timerfd_create(2): the new host fd.
pub fn timerfd_create(clock: c_long, flags: c_long) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(libc::SYS_timerfd_create, clock, flags) })
}

/// timerfd_settime(2): the previous setting.
pub fn timerfd_settime(fd: c_int, flags: c_long, new: &itimerspec) -> Result<itimerspec, Errno> {
    let mut prev = ZERO_ITS;
    // SAFETY: `new` is read, `prev` written, both live through the call.
    host(unsafe { libc::syscall(libc::SYS_timerfd_settime, fd, flags, new as *const itimerspec, &mut prev) })?;
    Ok(prev)
}

/// timerfd_gettime(2).
pub fn timerfd_gettime(fd: c_int) -> Result<itimerspec, Errno> {
    let mut cur = ZERO_ITS;
    // SAFETY: `cur` is writable for the call.
    host(unsafe { libc::syscall(libc::SYS_timerfd_gettime, fd, &mut cur) })?;
    Ok(cur)
}

/// signalfd4(2) with a 64-bit signal set: the fd (new, or `fd`).
pub fn signalfd4(fd: c_int, set: u64, flags: c_long) -> Result<i64, Errno> {
    // SAFETY: an 8-byte set, its size, that outlives the call.
    host(unsafe { libc::syscall(libc::SYS_signalfd4, fd, &set, size_of::<u64>(), flags) })
}
