//! POSIX timers: timer_create(2), timer_settime(2) and timer_gettime(2) (each in its 32-bit-time
//! and time64 form), timer_getoverrun(2), timer_delete(2).
//!
//! A guest process is a host process, so the host keeps the timers (their ids are the process's,
//! as the guest's kernel numbers them) and answers for them. What is done here is what differs
//! between i386 and x86-64: `struct sigevent` and the 32-bit `struct itimerspec` are converted
//! (get_compat_sigevent(), get/put_old_itimerspec32()), a time64 itimerspec the guest passes in
//! has the upper half of its nanoseconds ignored (get_timespec64() for a compat caller), and a
//! time64 itimerspec or timer id the kernel writes goes to the host as the guest's memory itself,
//! so the host faults where and when the guest's kernel would.
//!
//! A timer's signal is a host signal like any other: the host handler records its siginfo
//! (SI_TIMER, timer id, overrun, value) and sys/signal.rs (`siginfo_from_host`) lays it out for
//! the guest. The 4-byte `sigev_value` goes to the host zero-extended, so its low half is the
//! guest's value; a NULL sigevent is passed on as NULL, for which the host uses SIGALRM with the
//! timer id as the value, as the guest's kernel does. Timers end with the process, and at exec
//! (the emulator's execve is a host execve).

use crate::abi::nr;
use crate::abi::signal::SigeventHead;
use crate::abi::time::{GuestItimerspec, Itimerspec32, KernelItimerspec, CLOCK_NAMES, TIMER_ABSTIME, TIMER_FLAGS};
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::timer as host;
use crate::mem::{GuestMemoryExt, Prot};
use crate::replay::DeadlineClock;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::timer_create, timer_create, [Enum(CLOCK_NAMES), Sigevent, Out(&IntPtr)]),
    entry!(nr::timer_settime, timer_settime, [Int, Flags(TIMER_FLAGS), Itimerspec, Out(&Itimerspec)]),
    entry!(nr::timer_settime64, timer_settime64, [Int, Flags(TIMER_FLAGS), Itimerspec64, Out(&Itimerspec64)]),
    entry!(nr::timer_gettime, timer_gettime, [Int, Out(&Itimerspec)]),
    entry!(nr::timer_gettime64, timer_gettime64, [Int, Out(&Itimerspec64)]),
    entry!(nr::timer_getoverrun, timer_getoverrun, [Int]),
    entry!(nr::timer_delete, timer_delete, [Int]),
];

// The kernel writes a time64 itimerspec in the host's own layout.
const _: () = assert!(size_of::<KernelItimerspec>() == size_of::<libc::itimerspec>());

/// Implements timer_create(2) (compat_sys_timer_create): the i386 sigevent is read first (EFAULT
/// before a bad clock), then the host creates the timer and stores its id in guest memory, where
/// a fault deletes the timer again, as do_timer_create() does.
fn timer_create(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [clock, evp, idp, ..] = *a;
    let event = if evp == 0 { None } else { Some(ctx.mem.read_obj::<SigeventHead>(evp)?.to_host()) };
    let id = InPlace::new(ctx.mem, idp, 4, Prot::WRITE);
    host::timer_create(clock as i32, event.as_ref(), id)?;
    Ok(0)
}

/// The new setting of timer_settime(2) as the host's itimerspec (NULL is EINVAL, an unreadable
/// one EFAULT, both before the timer is looked up), an absolute deadline from a replayed clock
/// reading under `emu386 diff`.
fn new_setting<T: GuestItimerspec + zerocopy::FromBytes>(
    ctx: &Ctx,
    id: u32,
    flags: u32,
    new: u32,
) -> Result<libc::itimerspec, Errno> {
    if new == 0 {
        return Err(Errno::INVAL);
    }
    let mut new = ctx.mem.read_obj::<T>(new)?.to_host();
    crate::replay::deadline(DeadlineClock::Timer(id as i32), flags & TIMER_ABSTIME != 0, &mut new.it_value);
    Ok(new)
}

/// Implements timer_settime(2) with 32-bit itimerspecs (sys_timer_settime32): a bad `old` is
/// EFAULT after the timer was set.
fn timer_settime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [id, flags, new, old, ..] = *a;
    let new = new_setting::<Itimerspec32>(ctx, id, flags, new)?;
    let out = host::timer_settime(id as i32, flags as i32, &new, old != 0)?;
    if old != 0 {
        ctx.mem.write_obj(old, &Itimerspec32::from_host(&out))?;
    }
    Ok(0)
}

/// Implements timer_settime64(2): as timer_settime, with the kernel writing `old` itself.
fn timer_settime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [id, flags, new, old, ..] = *a;
    let new = new_setting::<KernelItimerspec>(ctx, id, flags, new)?;
    let old = InPlace::new(ctx.mem, old, size_of::<KernelItimerspec>(), Prot::WRITE);
    host::timer_settime_in_place(id as i32, flags as i32, &new, old)?;
    Ok(0)
}

/// Implements timer_gettime(2) with a 32-bit itimerspec: EINVAL for a bad timer before EFAULT.
fn timer_gettime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let cur = host::timer_gettime(a[0] as i32)?;
    ctx.mem.write_obj(a[1], &Itimerspec32::from_host(&cur))?;
    Ok(0)
}

/// Implements timer_gettime64(2).
fn timer_gettime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    // The host's NULL check is the guest kernel's too (copy_to_user(NULL) is EFAULT).
    let cur = InPlace::new(ctx.mem, a[1], size_of::<KernelItimerspec>(), Prot::WRITE);
    host::timer_gettime_in_place(a[0] as i32, cur)?;
    Ok(0)
}

/// Implements timer_getoverrun(2).
fn timer_getoverrun(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(host::timer_getoverrun(a[0] as i32)? as u32)
}

/// Implements timer_delete(2).
fn timer_delete(_: &mut Ctx, a: &Args) -> SysResult {
    host::timer_delete(a[0] as i32)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_itimerspec_round_trips() {
        let host = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 1, tv_nsec: 2 },
            it_value: libc::timespec { tv_sec: 3, tv_nsec: 4 },
        };
        let back = Itimerspec32::from_host(&host).to_host();
        assert_eq!((back.it_interval.tv_sec, back.it_interval.tv_nsec), (1, 2));
        assert_eq!((back.it_value.tv_sec, back.it_value.tv_nsec), (3, 4));
    }
}
