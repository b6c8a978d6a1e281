//! The host's POSIX timer calls behind `crate::sys::timer` (kernel/time/posix-timers.c): timer
//! ids are numbers, the sigevent and the new setting are locals of the host's layout, and what
//! the host writes goes to a local or to guest memory in place ([`InPlace`], refused when shorter
//! than the struct). rustix has no POSIX timer calls.

use super::inplace::InPlace;
use super::sched::at_least;
use crate::abi::signal::SigeventHead;
use crate::{host, Errno};
use libc::{c_int, clockid_t, itimerspec, timespec};
use std::ptr::{null, null_mut};

/// The host's `struct sigevent` (x86-64: an 8-byte `sigval`, then signo, notify and the union).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct HostSigevent {
    pub(crate) sigev_value: u64,
    pub(crate) sigev_signo: i32,
    pub(crate) sigev_notify: i32,
    sigev_notify_thread_id: i32,
    pad: [i32; 11],
}
const _: () = assert!(size_of::<HostSigevent>() == 64);

impl SigeventHead {
    /// get_compat_sigevent(): the rest is zero, `sival_int` is the guest's value.
    pub fn to_host(self) -> HostSigevent {
        HostSigevent {
            sigev_value: self.sigev_value.get().into(),
            sigev_signo: self.sigev_signo.get(),
            sigev_notify: self.sigev_notify.get(),
            sigev_notify_thread_id: self.sigev_notify_thread_id.get(),
            pad: [0; 11],
        }
    }
}

const ZERO_TS: timespec = timespec { tv_sec: 0, tv_nsec: 0 };
/// An all-zero itimerspec, for the host to overwrite.
pub const ZERO_ITIMERSPEC: itimerspec = itimerspec { it_interval: ZERO_TS, it_value: ZERO_TS };

/// timer_create(2): the host stores the new timer's id (an int) in place, in guest memory. The
/// host reads no pointer in the sigevent (it refuses SIGEV_THREAD, glibc's business).
pub fn timer_create(clock: clockid_t, event: Option<&HostSigevent>, id: InPlace) -> Result<i64, Errno> {
    let event = event.map_or(null(), |e| e as *const HostSigevent);
    let id = at_least(id, size_of::<c_int>());
    // SAFETY: `event` is NULL or a local the host reads; `id` is NULL, 4 bytes of guest memory or
    // an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_timer_create, clock, event, id) })
}

/// timer_settime(2) with the old setting returned when `want_old` (the host is given NULL for it
/// otherwise).
pub fn timer_settime(id: c_int, flags: c_int, new: &itimerspec, want_old: bool) -> Result<itimerspec, Errno> {
    let mut old = ZERO_ITIMERSPEC;
    let old_ptr = if want_old { &mut old as *mut itimerspec } else { null_mut() };
    // SAFETY: `new` is a live itimerspec the host reads, `old_ptr` NULL or a local it writes.
    host(unsafe { libc::syscall(libc::SYS_timer_settime, id, flags, new as *const itimerspec, old_ptr) })?;
    Ok(old)
}

/// timer_settime(2) with the host writing the old setting in place, in guest memory laid out as
/// the host's itimerspec (a time64 `struct __kernel_itimerspec`).
pub fn timer_settime_in_place(id: c_int, flags: c_int, new: &itimerspec, old: InPlace) -> Result<i64, Errno> {
    let old = at_least(old, size_of::<itimerspec>());
    // SAFETY: `new` is a live itimerspec the host reads; `old` is NULL, guest memory of the
    // struct's size or an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_timer_settime, id, flags, new as *const itimerspec, old) })
}

/// timer_gettime(2).
pub fn timer_gettime(id: c_int) -> Result<itimerspec, Errno> {
    let mut cur = ZERO_ITIMERSPEC;
    // SAFETY: `cur` is a local itimerspec the host writes.
    host(unsafe { libc::syscall(libc::SYS_timer_gettime, id, &mut cur as *mut itimerspec) })?;
    Ok(cur)
}

/// timer_gettime(2) with the host writing in place, as [`timer_settime_in_place`] does.
pub fn timer_gettime_in_place(id: c_int, cur: InPlace) -> Result<i64, Errno> {
    let cur = at_least(cur, size_of::<itimerspec>());
    // SAFETY: `cur` is NULL, guest memory of the struct's size or an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_timer_gettime, id, cur) })
}

/// timer_getoverrun(2): the overrun count.
pub fn timer_getoverrun(id: c_int) -> Result<i64, Errno> {
    // SAFETY: a number only.
    host(unsafe { libc::syscall(libc::SYS_timer_getoverrun, id) })
}

/// timer_delete(2).
pub fn timer_delete(id: c_int) -> Result<i64, Errno> {
    // SAFETY: a number only.
    host(unsafe { libc::syscall(libc::SYS_timer_delete, id) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::little_endian::{I32, U32};

    #[test]
    fn sigevent_value_is_zero_extended_and_the_rest_kept() {
        let head = SigeventHead {
            sigev_value: U32::new(0xdead_beef),
            sigev_signo: I32::new(14),
            sigev_notify: I32::new(4),
            sigev_notify_thread_id: I32::new(1234),
        };
        let host = head.to_host();
        assert_eq!(host.sigev_value, 0xdead_beef);
        assert_eq!((host.sigev_signo, host.sigev_notify, host.sigev_notify_thread_id), (14, 4, 1234));
        assert_eq!(host.pad, [0; 11]);
    }
}
