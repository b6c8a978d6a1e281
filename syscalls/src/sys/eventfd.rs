//! Fds that deliver events: eventfd(2) and eventfd2(2) (a counter), timerfd_create(2),
//! timerfd_settime(2) and timerfd_gettime(2) in their 32-bit-time and time64 forms (a timer), and
//! signalfd(2) and signalfd4(2) (signals).
//!
//! Each is a host fd of the same kind, and what is read from it is the same on every architecture
//! (a `u64` count from an eventfd or a timerfd, `struct signalfd_siginfo` of 128 bytes), so read(2),
//! poll(2) and epoll need nothing here. What is translated: `struct old_itimerspec32` and
//! `struct __kernel_itimerspec`, and the guest's signal set; checks happen in the kernel's order.

use super::fd::host_fd;
use super::fd::new_guest_fd;
use super::hostarg::{int, uint};
use crate::abi::nr;
use crate::abi::time::{GuestItimerspec, Itimerspec32, KernelItimerspec, CLOCK_NAMES};
use crate::entry;
use crate::hostcall::time as hosttime;
use crate::mem::GuestMemoryExt;
use crate::replay::DeadlineClock;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use zerocopy::little_endian::U64;

const O_NONBLOCK: u32 = 0o4000;
const O_CLOEXEC: u32 = 0o2000000;

const EFD_FLAGS: &[(u32, &str)] = &[(1, "EFD_SEMAPHORE"), (O_CLOEXEC, "EFD_CLOEXEC"), (O_NONBLOCK, "EFD_NONBLOCK")];
/// strace names timerfd_create's and timerfd_settime's flags from one set.
const TFD_FLAGS: &[(u32, &str)] = &[
    (1, "TFD_TIMER_ABSTIME"),
    (2, "TFD_TIMER_CANCEL_ON_SET"),
    (O_CLOEXEC, "TFD_CLOEXEC"),
    (O_NONBLOCK, "TFD_NONBLOCK"),
];
const SFD_FLAGS: &[(u32, &str)] = &[(O_CLOEXEC, "SFD_CLOEXEC"), (O_NONBLOCK, "SFD_NONBLOCK")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::eventfd, eventfd, [Uint]),
    entry!(nr::eventfd2, eventfd2, [Uint, Flags(EFD_FLAGS)]),
    entry!(nr::timerfd_create, timerfd_create, [Enum(CLOCK_NAMES), Flags(TFD_FLAGS)]),
    entry!(nr::timerfd_settime, timerfd_settime, [Fd, Flags(TFD_FLAGS), Itimerspec, Out(&Itimerspec)]),
    entry!(nr::timerfd_gettime, timerfd_gettime, [Fd, Out(&Itimerspec)]),
    entry!(nr::timerfd_settime64, timerfd_settime64, [Fd, Flags(TFD_FLAGS), Itimerspec64, Out(&Itimerspec64)]),
    entry!(nr::timerfd_gettime64, timerfd_gettime64, [Fd, Out(&Itimerspec64)]),
    entry!(nr::signalfd, signalfd, [Fd, Sigset(2), Uint]),
    entry!(nr::signalfd4, signalfd4, [Fd, Sigset(2), Uint, Flags(SFD_FLAGS)]),
];

// ---------------------------------------------------------------------------------------------
// eventfd

/// Implements eventfd(2): eventfd2 with no flags.
fn eventfd(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(new_guest_fd(hosttime::eventfd2(uint(a[0]), 0)? as i32)?)
}

/// Implements eventfd2(2); the host answers EINVAL for a flag outside `EFD_FLAGS_SET`.
fn eventfd2(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(new_guest_fd(hosttime::eventfd2(uint(a[0]), int(a[1]))? as i32)?)
}

// ---------------------------------------------------------------------------------------------
// timerfd

/// Implements timerfd_create(2): clock and flags are the host's to check.
fn timerfd_create(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(new_guest_fd(hosttime::timerfd_create(int(a[0]), int(a[1]))? as i32)?)
}

/// timerfd_settime for either layout, in the order of fs/timerfd.c: the new value is read first
/// (EFAULT, NULL included), then do_timerfd_settime() checks flags, value and fd, and the old
/// value is written last (EFAULT after the timer was set).
fn settime<T: GuestItimerspec>(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, flags, new, old, ..] = *a;
    let mut new = ctx.mem.read_obj::<T>(new)?.to_host();
    // TFD_TIMER_ABSTIME.
    crate::replay::deadline(DeadlineClock::Timerfd(host_fd(fd)), flags & 1 != 0, &mut new.it_value);
    let prev = hosttime::timerfd_settime(host_fd(fd), int(flags), &new)?;
    if old != 0 {
        ctx.mem.write_obj(old, &T::from_host(&prev))?;
    }
    Ok(0)
}

/// timerfd_gettime for either layout: the fd is checked before the pointer.
fn gettime<T: GuestItimerspec>(ctx: &mut Ctx, a: &Args) -> SysResult {
    let cur = hosttime::timerfd_gettime(host_fd(a[0]))?;
    ctx.mem.write_obj(a[1], &T::from_host(&cur))?;
    Ok(0)
}

/// Implements timerfd_settime(2) with `struct old_itimerspec32`.
fn timerfd_settime(ctx: &mut Ctx, a: &Args) -> SysResult {
    settime::<Itimerspec32>(ctx, a)
}

/// Implements timerfd_gettime(2) with `struct old_itimerspec32`.
fn timerfd_gettime(ctx: &mut Ctx, a: &Args) -> SysResult {
    gettime::<Itimerspec32>(ctx, a)
}

/// Implements timerfd_settime64(2) with `struct __kernel_itimerspec`.
fn timerfd_settime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    settime::<KernelItimerspec>(ctx, a)
}

/// Implements timerfd_gettime64(2) with `struct __kernel_itimerspec`.
fn timerfd_gettime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    gettime::<KernelItimerspec>(ctx, a)
}

// ---------------------------------------------------------------------------------------------
// signalfd

/// `sizeof(compat_sigset_t)`: the only size signalfd accepts.
const SIGSET_SIZE: u32 = 8;

/// do_compat_signalfd4(): the size is checked, then the set is read (EFAULT), then the host checks
/// flags and fd. Guest signal numbers are host signal numbers (the guest's mask is mirrored on the
/// host unchanged, see [`super::signal`]), so the set passes as it is; the kernel drops SIGKILL and
/// SIGSTOP from it itself.
fn do_signalfd4(ctx: &mut Ctx, ufd: u32, set: u32, size: u32, flags: u32) -> SysResult {
    if size != SIGSET_SIZE {
        return Err(Errno::INVAL.into());
    }
    let set: U64 = ctx.mem.read_obj(set)?;
    let set = set.get();
    // -1 asks for a new fd; any other fd that is not the guest's is closed as far as the guest
    // knows, and -2 is EBADF for the host too (after its flags check).
    let fd = match ufd as i32 {
        -1 => -1,
        _ => match host_fd(ufd) {
            -1 => -2,
            fd => fd,
        },
    };
    let r = hosttime::signalfd4(fd, set, int(flags))?;
    Ok(new_guest_fd(r as i32)?)
}

/// Implements signalfd(2): signalfd4 with no flags.
fn signalfd(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_signalfd4(ctx, a[0], a[1], a[2], 0)
}

/// Implements signalfd4(2).
fn signalfd4(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_signalfd4(ctx, a[0], a[1], a[2], a[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::time::Timespec32;

    #[test]
    fn itimerspec32_sign_extends_and_truncates() {
        let guest = Itimerspec32 {
            it_interval: Timespec32 { tv_sec: (-1).into(), tv_nsec: 5.into() },
            it_value: Timespec32 { tv_sec: 7.into(), tv_nsec: 0.into() },
        };
        let host = guest.to_host();
        assert_eq!((host.it_interval.tv_sec, host.it_interval.tv_nsec), (-1, 5));
        let back = Itimerspec32::from_host(&libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 1 << 32 | 3, tv_nsec: 1 },
            it_value: host.it_value,
        });
        assert_eq!((back.it_interval.tv_sec.get(), back.it_value.tv_sec.get()), (3, 7));
    }
}
