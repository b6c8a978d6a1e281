//! Clocks and sleeping: clock_gettime(2), clock_getres(2), clock_settime(2), clock_nanosleep(2)
//! (each in its 32-bit-time and time64 form), gettimeofday(2), settimeofday(2), time(2),
//! nanosleep(2), times(2), getrusage(2).
//!
//! Clock ids go to the host unchanged, so the host answers EINVAL for a bad one and the CPU-time
//! clocks measure this process: the guest's `CLOCK_PROCESS_CPUTIME_ID` includes the emulator's own
//! work. Values come back through the compat copy-out rules of kernel/time/time.c
//! (`put_old_timespec32` truncates, it never answers EOVERFLOW), and checks happen in the order of
//! kernel/time/posix-timers.c. Where a bad guest pointer must not hide an earlier error (a bad
//! clock is EINVAL even with a bad pointer), the host is asked the same question with a NULL
//! pointer, which it answers with that earlier error or with EFAULT.

use crate::abi::nr;
use crate::abi::time::{
    KernelTimespec, Rusage32, Timespec32, Timeval32, Timezone, Tms32, CLOCK_NAMES, RUSAGE_CHILDREN, RUSAGE_NAMES,
    RUSAGE_SELF, RUSAGE_THREAD, TIMER_ABSTIME, TIMER_FLAGS,
};
use crate::entry;
use crate::hostcall::time as hosttime;
use crate::mem::{GuestAddr, GuestMemoryExt};
use crate::replay::{DeadlineClock, Layout};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
use crate::{Errno, SysResult};
use zerocopy::little_endian::I32;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::clock_gettime, clock_gettime, [Enum(CLOCK_NAMES), Out(&Timespec)]),
    entry!(nr::clock_gettime64, clock_gettime64, [Enum(CLOCK_NAMES), Out(&Timespec64)]),
    entry!(nr::clock_getres, clock_getres, [Enum(CLOCK_NAMES), Out(&Timespec)]),
    entry!(nr::clock_getres_time64, clock_getres_time64, [Enum(CLOCK_NAMES), Out(&Timespec64)]),
    entry!(nr::clock_settime, clock_settime, [Enum(CLOCK_NAMES), Timespec]),
    entry!(nr::clock_settime64, clock_settime64, [Enum(CLOCK_NAMES), Timespec64]),
    entry!(nr::clock_nanosleep, may_block clock_nanosleep, [Enum(CLOCK_NAMES), Flags(TIMER_FLAGS), Timespec, Ptr])
        .blocks(),
    entry!(
        nr::clock_nanosleep_time64,
        may_block clock_nanosleep_time64,
        [Enum(CLOCK_NAMES), Flags(TIMER_FLAGS), Timespec64, Ptr]
    )
    .blocks(),
    entry!(nr::nanosleep, may_block nanosleep, [Timespec, Ptr]).blocks(),
    entry!(nr::gettimeofday, gettimeofday, [Out(&Timeval), Ptr]),
    entry!(nr::settimeofday, settimeofday, [Timeval, Ptr]),
    entry!(nr::time, time, [Ptr]),
    entry!(nr::times, times, [Ptr]),
    entry!(nr::getrusage, getrusage, [Enum(RUSAGE_NAMES), Out(&Rusage)]),
];

/// A clock id argument as the host's `clockid_t` (the same 32 bits).
fn clock(raw: u32) -> libc::clockid_t {
    raw as i32
}

const ZERO_TS: libc::timespec = libc::timespec { tv_sec: 0, tv_nsec: 0 };

/// The host's reading of clock `id`; EINVAL for an unknown or dead clock.
fn host_gettime(id: u32) -> Result<libc::timespec, Errno> {
    hosttime::clock_gettime(clock(id))
}

/// The host's resolution of clock `id`.
fn host_getres(id: u32) -> Result<libc::timespec, Errno> {
    hosttime::clock_getres(clock(id))
}

/// Under `emu386 diff`, the native run's clock reading for a call that succeeds (the native side
/// records only those): the bytes the guest gets at `out` (`len` of them), or time's result
/// ([`crate::replay`], which also remembers the clock's offset from `real`, the emulated run's own
/// reading, for the absolute deadlines the program derives from it). `key` is the syscall number,
/// then the clock id: only clocks named by a fixed id, as a CPU-time clock id names a pid.
fn replayed_clock(
    ctx: &mut Ctx,
    key: &[u32],
    out: u32,
    layout: Layout,
    real: &libc::timespec,
) -> Option<crate::replay::Event> {
    // Not under `emu386 diff`: nothing to probe (clock reads are a hot path).
    if !crate::replay::active() {
        return None;
    }
    let len = match layout {
        Layout::Timespec32 | Layout::Timeval32 => 8,
        Layout::Timespec64 => 16,
        Layout::Seconds => 4,
    };
    if key.get(1).is_some_and(|&id| (id as i32) < 0) || (out != 0 && ctx.mem.slice_mut(out, len).is_err()) {
        return None;
    }
    let clock = key.get(1).copied().unwrap_or(libc::CLOCK_REALTIME as u32);
    crate::replay::take_clock(key, clock, layout, real).filter(|e| e.data.len() == if out != 0 { len } else { 0 })
}

/// Implements clock_gettime(2) with a 32-bit `struct timespec` (posix_get_*: the clock is checked
/// first, then the copy-out faults).
fn clock_gettime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = host_gettime(a[0])?;
    match replayed_clock(ctx, &[nr::clock_gettime, a[0]], a[1], Layout::Timespec32, &ts) {
        Some(e) => ctx.mem.write(a[1], &e.data)?,
        None => ctx.mem.write_obj(a[1], &Timespec32::from_host(&ts))?,
    }
    Ok(0)
}

/// Implements clock_gettime64(2).
fn clock_gettime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = host_gettime(a[0])?;
    match replayed_clock(ctx, &[nr::clock_gettime64, a[0]], a[1], Layout::Timespec64, &ts) {
        Some(e) => ctx.mem.write(a[1], &e.data)?,
        None => ctx.mem.write_obj(a[1], &KernelTimespec::from_host(&ts))?,
    }
    Ok(0)
}

/// Implements clock_getres(2) with a 32-bit `struct timespec`; a NULL `res` only checks the clock.
fn clock_getres(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = host_getres(a[0])?;
    if a[1] != 0 {
        ctx.mem.write_obj(a[1], &Timespec32::from_host(&ts))?;
    }
    Ok(0)
}

/// Implements clock_getres_time64(2).
fn clock_getres_time64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = host_getres(a[0])?;
    if a[1] != 0 {
        ctx.mem.write_obj(a[1], &KernelTimespec::from_host(&ts))?;
    }
    Ok(0)
}

/// clock_settime on the host. `None` (the guest's pointer faulted) asks with NULL: the host
/// answers EINVAL for a clock that cannot be set, else EFAULT, as the guest's kernel would.
fn host_settime(id: u32, ts: Option<libc::timespec>) -> SysResult {
    hosttime::clock_settime(clock(id), ts.as_ref())?;
    Ok(0)
}

/// Implements clock_settime(2) with a 32-bit `struct timespec`. The host decides (EPERM without
/// CAP_SYS_TIME, EINVAL for clocks that cannot be set or a bad time).
fn clock_settime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = ctx.mem.read_obj::<Timespec32>(a[1]).ok().map(Timespec32::to_host);
    host_settime(a[0], ts)
}

/// Implements clock_settime64(2).
fn clock_settime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = ctx.mem.read_obj::<KernelTimespec>(a[1]).ok().map(KernelTimespec::to_host);
    host_settime(a[0], ts)
}

/// The remaining time of an interrupted sleep, in the layout of the guest's call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RemLayout {
    Old32,
    Time64,
}

/// Sleep on the host and write the remaining time to the guest's `rmtp` when the sleep was
/// interrupted (nanosleep_copyout(): only then, and a bad `rmtp` turns EINTR into EFAULT).
fn host_sleep<H>(
    ctx: &mut Ctx<H>,
    id: u32,
    flags: u32,
    req: Option<libc::timespec>,
    rmtp: u32,
    layout: RemLayout,
) -> SysResult {
    let mut rem = ZERO_TS;
    // clock_nanosleep returns the error number instead of setting errno only in glibc's wrapper;
    // the raw call follows the usual -1/errno convention.
    match hosttime::clock_nanosleep(clock(id), flags as libc::c_int, req.as_ref(), &mut rem) {
        Ok(_) => Ok(0),
        Err(Errno::INTR) if rmtp != 0 && flags & TIMER_ABSTIME == 0 => {
            match layout {
                RemLayout::Old32 => ctx.mem.write_obj(rmtp, &Timespec32::from_host(&rem))?,
                RemLayout::Time64 => ctx.mem.write_obj(rmtp, &KernelTimespec::from_host(&rem))?,
            }
            Err(Errno::INTR.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Implements nanosleep(2) with 32-bit `struct timespec`s: a relative CLOCK_MONOTONIC sleep.
/// The request is read first (EFAULT), then checked (EINVAL), as sys_nanosleep_time32 does.
fn nanosleep(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let req = ctx.mem.read_obj::<Timespec32>(a[0])?.to_host();
    host_sleep(ctx, libc::CLOCK_MONOTONIC as u32, 0, Some(req), a[1], RemLayout::Old32)
}

/// Implements clock_nanosleep(2) with 32-bit `struct timespec`s. Errors come back as `-errno`
/// (glibc's wrapper turns them into a positive return value).
fn clock_nanosleep(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let mut req = ctx.mem.read_obj::<Timespec32>(a[2]).ok().map(Timespec32::to_host);
    if let Some(req) = &mut req {
        crate::replay::deadline(DeadlineClock::Clock(a[0]), a[1] & TIMER_ABSTIME != 0, req);
    }
    host_sleep(ctx, a[0], a[1], req, a[3], RemLayout::Old32)
}

/// Implements clock_nanosleep_time64(2).
fn clock_nanosleep_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let mut req = ctx.mem.read_obj::<KernelTimespec>(a[2]).ok().map(KernelTimespec::to_host);
    if let Some(req) = &mut req {
        crate::replay::deadline(DeadlineClock::Clock(a[0]), a[1] & TIMER_ABSTIME != 0, req);
    }
    host_sleep(ctx, a[0], a[1], req, a[3], RemLayout::Time64)
}

/// Implements gettimeofday(2) with a 32-bit `struct timeval` (compat_sys_gettimeofday: seconds and
/// microseconds are stored one after the other, then the kernel's timezone).
fn gettimeofday(ctx: &mut Ctx, a: &Args) -> SysResult {
    // `struct timezone` is two ints on the host too.
    let (tv, tz) = hosttime::gettimeofday()?;
    if a[0] != 0 {
        let real = libc::timespec { tv_sec: tv.tv_sec, tv_nsec: tv.tv_usec * 1000 };
        let mut tv = Timeval32::from_host(&tv);
        // Replayed only when the whole call succeeds, as only then was it recorded: a `tz` that
        // faults fails it after `tv` was written.
        let tz_ok = crate::replay::active() && (a[1] == 0 || ctx.mem.slice_mut(a[1], size_of::<Timezone>()).is_ok());
        let replayed = tz_ok.then(|| replayed_clock(ctx, &[nr::gettimeofday], a[0], Layout::Timeval32, &real));
        if let Some(bytes) = replayed.flatten().and_then(|e| <[u8; 8]>::try_from(e.data).ok()) {
            let word = |i: usize| i32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
            (tv.tv_sec, tv.tv_usec) = (word(0).into(), word(4).into());
        }
        ctx.mem.write_obj(a[0], &tv.tv_sec)?;
        ctx.mem.write_obj(GuestAddr::new(a[0]).offset(4)?, &tv.tv_usec)?;
    }
    if a[1] != 0 {
        ctx.mem.write_obj(a[1], &tz)?;
    }
    Ok(0)
}

/// Implements settimeofday(2) with a 32-bit `struct timeval` (compat_sys_settimeofday): the guest's
/// values are read and the microseconds checked here, then the host decides (EPERM without
/// CAP_SYS_TIME).
fn settimeofday(ctx: &mut Ctx, a: &Args) -> SysResult {
    let tv = if a[0] != 0 {
        let sec = ctx.mem.read_obj::<I32>(a[0])?.get();
        let usec = ctx.mem.read_obj::<I32>(GuestAddr::new(a[0]).offset(4)?)?.get();
        if !(0..=1_000_000).contains(&usec) {
            return Err(Errno::INVAL.into());
        }
        Some(libc::timeval { tv_sec: sec.into(), tv_usec: usec.into() })
    } else {
        None
    };
    let tz = if a[1] != 0 { Some(ctx.mem.read_obj::<Timezone>(a[1])?) } else { None };
    hosttime::settimeofday(tv.as_ref(), tz.as_ref())?;
    Ok(0)
}

/// Implements time(2): the seconds of CLOCK_REALTIME (truncated to 32 bits, sys_time32), also
/// stored at `tloc` unless it is NULL; under `emu386 diff`, the native run's.
fn time(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut now = hosttime::time() as i32;
    let real = libc::timespec { tv_sec: now.into(), tv_nsec: 0 };
    if let Some(e) = replayed_clock(ctx, &[nr::time], a[0], Layout::Seconds, &real) {
        now = e.ret as i32;
    }
    if a[0] != 0 {
        ctx.mem.write_obj(a[0], &I32::new(now))?;
    }
    Ok(now as u32)
}

/// Implements times(2): compat_sys_times, clock ticks truncated to 32 bits; NULL `buf` allowed.
fn times(ctx: &mut Ctx, a: &Args) -> SysResult {
    // The raw call never fails with a valid buffer; its value is the tick count, which the caller
    // must not take for -1.
    let (ticks, tms) = hosttime::times();
    if a[0] != 0 {
        ctx.mem.write_obj(a[0], &Tms32::from_host(&tms))?;
    }
    Ok(ticks as u32)
}

/// Implements getrusage(2) with the i386 `struct rusage` (compat_sys_getrusage: `who` is checked
/// before anything else).
fn getrusage(ctx: &mut Ctx, a: &Args) -> SysResult {
    let who = a[0] as i32;
    if ![RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD].contains(&who) {
        return Err(Errno::INVAL.into());
    }
    let ru = hosttime::getrusage(who)?;
    ctx.mem.write_obj(a[1], &Rusage32::from_host(&ru))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compat_nanoseconds_ignore_the_upper_half() {
        let ts = KernelTimespec { tv_sec: 5.into(), tv_nsec: (-1i64).into() };
        assert_eq!(ts.to_host().tv_nsec, 0xffff_ffff);
        let ts = KernelTimespec { tv_sec: 5.into(), tv_nsec: (0x7_0000_0001i64).into() };
        assert_eq!(ts.to_host().tv_nsec, 1);
    }

    #[test]
    fn old_timespec_truncates_and_sign_extends() {
        let host = libc::timespec { tv_sec: 0x1_0000_0005, tv_nsec: 7 };
        let ts = Timespec32::from_host(&host);
        assert_eq!((ts.tv_sec.get(), ts.tv_nsec.get()), (5, 7));
        let ts = Timespec32 { tv_sec: (-1).into(), tv_nsec: (-2).into() };
        assert_eq!((ts.to_host().tv_sec, ts.to_host().tv_nsec), (-1, -2));
    }
}
