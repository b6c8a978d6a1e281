//! Time structs as the i386 guest lays them out: `struct old_timespec32`, `struct __kernel_timespec`,
//! `struct old_timeval32`, `struct timezone`, `struct compat_tms`, `struct compat_rusage`, and the
//! clock ids of linux/time.h.
//!
//! Conversions from host values truncate exactly as the kernel's compat copy-out helpers do
//! (`put_old_timespec32`, `put_compat_rusage`, `clock_t_to_compat_clock_t`): no EOVERFLOW.

use zerocopy::little_endian::{I32, I64, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct old_timespec32` (linux/time32.h): the `struct timespec` of 32-bit-time syscalls.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Timespec32 {
    pub tv_sec: I32,
    pub tv_nsec: I32,
}
const _: () = assert!(size_of::<Timespec32>() == 8);

impl Timespec32 {
    /// put_old_timespec32(): both fields are truncated to 32 bits.
    pub fn from_host(ts: &libc::timespec) -> Self {
        Timespec32 { tv_sec: I32::new(ts.tv_sec as i32), tv_nsec: I32::new(ts.tv_nsec as i32) }
    }

    /// get_old_timespec32(): both fields sign-extended.
    pub fn to_host(self) -> libc::timespec {
        libc::timespec { tv_sec: self.tv_sec.get().into(), tv_nsec: self.tv_nsec.get().into() }
    }
}

/// `struct __kernel_timespec` (linux/time_types.h): 64-bit seconds and nanoseconds.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct KernelTimespec {
    pub tv_sec: I64,
    pub tv_nsec: I64,
}
const _: () = assert!(size_of::<KernelTimespec>() == 16);

impl KernelTimespec {
    /// put_timespec64().
    pub fn from_host(ts: &libc::timespec) -> Self {
        KernelTimespec { tv_sec: I64::new(ts.tv_sec), tv_nsec: I64::new(ts.tv_nsec) }
    }

    /// get_timespec64() for a compat caller: the upper half of `tv_nsec` is padding and is ignored
    /// (the low half is taken as unsigned, so -1 there is 4294967295, not -1).
    pub fn to_host(self) -> libc::timespec {
        libc::timespec { tv_sec: self.tv_sec.get(), tv_nsec: self.tv_nsec.get() & 0xffff_ffff }
    }
}

/// `struct old_timeval32` (linux/time32.h).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Timeval32 {
    pub tv_sec: I32,
    pub tv_usec: I32,
}
const _: () = assert!(size_of::<Timeval32>() == 8);

impl Timeval32 {
    pub fn from_host(tv: &libc::timeval) -> Self {
        Timeval32 { tv_sec: I32::new(tv.tv_sec as i32), tv_usec: I32::new(tv.tv_usec as i32) }
    }
}

/// `struct timezone` (linux/time.h): two ints, the same on every ABI.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Timezone {
    pub tz_minuteswest: I32,
    pub tz_dsttime: I32,
}
const _: () = assert!(size_of::<Timezone>() == 8);

/// `struct compat_tms` (linux/compat.h): four `compat_clock_t`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Tms32 {
    pub tms_utime: I32,
    pub tms_stime: I32,
    pub tms_cutime: I32,
    pub tms_cstime: I32,
}
const _: () = assert!(size_of::<Tms32>() == 16);

impl Tms32 {
    pub fn from_host(t: &libc::tms) -> Self {
        Tms32 {
            tms_utime: I32::new(t.tms_utime as i32),
            tms_stime: I32::new(t.tms_stime as i32),
            tms_cutime: I32::new(t.tms_cutime as i32),
            tms_cstime: I32::new(t.tms_cstime as i32),
        }
    }
}

/// `struct compat_rusage` (linux/compat.h): two `old_timeval32` and fourteen `compat_long_t`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Rusage32 {
    pub ru_utime: Timeval32,
    pub ru_stime: Timeval32,
    /// ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap, ru_inblock,
    /// ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw.
    pub longs: [U32; 14],
}
const _: () = assert!(size_of::<Rusage32>() == 72);

impl Rusage32 {
    /// put_compat_rusage(): every long truncated to 32 bits.
    pub fn from_host(r: &libc::rusage) -> Self {
        let longs = [
            r.ru_maxrss,
            r.ru_ixrss,
            r.ru_idrss,
            r.ru_isrss,
            r.ru_minflt,
            r.ru_majflt,
            r.ru_nswap,
            r.ru_inblock,
            r.ru_oublock,
            r.ru_msgsnd,
            r.ru_msgrcv,
            r.ru_nsignals,
            r.ru_nvcsw,
            r.ru_nivcsw,
        ]
        .map(|v| U32::new(v as u32));
        Rusage32 { ru_utime: Timeval32::from_host(&r.ru_utime), ru_stime: Timeval32::from_host(&r.ru_stime), longs }
    }
}

/// Clock ids (linux/time.h), as the tracer names them. Negative ids are CPU-time clocks of a
/// given pid or tid (`MAKE_PROCESS_CPUCLOCK`), or dynamic clocks of an open fd (`FD_TO_CLOCKID`).
pub const CLOCK_NAMES: &[(u32, &str)] = &[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (11, "CLOCK_TAI"),
];

/// `TIMER_ABSTIME`, the one flag of clock_nanosleep(2).
pub const TIMER_ABSTIME: u32 = 1;
pub const TIMER_FLAGS: &[(u32, &str)] = &[(TIMER_ABSTIME, "TIMER_ABSTIME")];

/// `RUSAGE_*` (linux/resource.h): the `who` values getrusage(2) accepts.
pub const RUSAGE_SELF: i32 = 0;
pub const RUSAGE_CHILDREN: i32 = -1;
pub const RUSAGE_THREAD: i32 = 1;
pub const RUSAGE_NAMES: &[(u32, &str)] = &[(0, "RUSAGE_SELF"), (u32::MAX, "RUSAGE_CHILDREN"), (1, "RUSAGE_THREAD")];

/// `struct old_itimerspec32` (linux/time32.h): the `struct itimerspec` of timer_settime(2) and
/// timerfd_settime(2).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Itimerspec32 {
    pub it_interval: Timespec32,
    pub it_value: Timespec32,
}
const _: () = assert!(size_of::<Itimerspec32>() == 16);

/// `struct __kernel_itimerspec` (linux/time_types.h): the time64 form.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct KernelItimerspec {
    pub it_interval: KernelTimespec,
    pub it_value: KernelTimespec,
}
const _: () = assert!(size_of::<KernelItimerspec>() == 32);

/// An i386 itimerspec layout and its conversions (`get_old_itimerspec32`/`put_old_itimerspec32`,
/// `get_itimerspec64`/`put_itimerspec64`).
pub trait GuestItimerspec: FromBytes + IntoBytes + Immutable {
    fn to_host(&self) -> libc::itimerspec;
    fn from_host(its: &libc::itimerspec) -> Self;
}

impl GuestItimerspec for Itimerspec32 {
    fn to_host(&self) -> libc::itimerspec {
        libc::itimerspec { it_interval: self.it_interval.to_host(), it_value: self.it_value.to_host() }
    }
    fn from_host(its: &libc::itimerspec) -> Self {
        Itimerspec32 {
            it_interval: Timespec32::from_host(&its.it_interval),
            it_value: Timespec32::from_host(&its.it_value),
        }
    }
}

impl GuestItimerspec for KernelItimerspec {
    fn to_host(&self) -> libc::itimerspec {
        libc::itimerspec { it_interval: self.it_interval.to_host(), it_value: self.it_value.to_host() }
    }
    fn from_host(its: &libc::itimerspec) -> Self {
        KernelItimerspec {
            it_interval: KernelTimespec::from_host(&its.it_interval),
            it_value: KernelTimespec::from_host(&its.it_value),
        }
    }
}
