//! Scheduling and process attributes: the POSIX timers timer_create(2), timer_settime(2) and
//! timer_gettime(2) (each in its 32-bit-time and time64 form), timer_getoverrun(2),
//! timer_delete(2); getpriority(2), setpriority(2), nice(2); sched_setparam(2),
//! sched_getparam(2), sched_setscheduler(2), sched_getscheduler(2), sched_get_priority_max(2),
//! sched_get_priority_min(2), sched_rr_get_interval(2) (both time forms), sched_setattr(2),
//! sched_getattr(2); ioprio_get(2), ioprio_set(2); capget(2), capset(2); get_robust_list(2);
//! sethostname(2), setdomainname(2), chroot(2); getcpu(2).
//!
//! A guest process is a host process and a guest tid is a host tid, so each of these is the host's
//! own call on the emulator: the host keeps the timers (their ids are the process's, as the guest's
//! kernel numbers them), the nice values, policies, I/O priorities and capabilities, and answers
//! ESRCH and EPERM for other pids exactly as the guest's kernel would. What is done here is what
//! differs between i386 and x86-64:
//!
//! - `struct sigevent` and the 32-bit `struct itimerspec` are converted (get_compat_sigevent(),
//!   get/put_old_itimerspec32()), and a time64 itimerspec the guest passes in has the upper half
//!   of its nanoseconds ignored (get_timespec64() for a compat caller).
//! - Structs laid out the same on both (`struct sched_param`, `struct sched_attr`, the timer id,
//!   a time64 itimerspec the kernel writes) go to the host as the guest's memory itself
//!   ([`host_ptr`]), so the host faults where and when the guest's kernel would, and size-versioned
//!   `struct sched_attr` gets the host's E2BIG rules unchanged.
//! - nice(2) has no x86-64 counterpart: it is sys_nice() over getpriority/setpriority.
//! - capget/capset validate the header version here (the write-back of the preferred version
//!   must land in guest memory) and hand the host a copy of the data.
//! - get_robust_list answers the i386 list set_robust_list(2) recorded for the calling thread.
//!
//! A timer's signal is a host signal like any other: the host handler records its siginfo
//! (SI_TIMER, timer id, overrun, value) and sys/signal.rs (`siginfo_from_host`) lays it out for
//! the guest. The 4-byte `sigev_value` goes to the host zero-extended, so its low half is the
//! guest's value; a NULL sigevent is passed on as NULL, for which the host uses SIGALRM with the
//! timer id as the value, as the guest's kernel does. Timers end with the process, and at exec
//! (the emulator's execve is a host execve).

use crate::abi::nr;
use crate::abi::signal::SigeventHead;
use crate::abi::time::{
    GuestItimerspec, Itimerspec32, KernelItimerspec, KernelTimespec, Timespec32, CLOCK_NAMES, TIMER_ABSTIME,
    TIMER_FLAGS,
};
use crate::entry;
use crate::mem::{GuestAddr, GuestMemoryExt, Prot, PAGE_SIZE};
use crate::replay::DeadlineClock;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use std::ffi::CString;
use std::ptr::{null, null_mut};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::timer_create, timer_create, [Enum(CLOCK_NAMES), Sigevent, Out(&IntPtr)]),
    entry!(nr::timer_settime, timer_settime, [Int, Flags(TIMER_FLAGS), Itimerspec, Out(&Itimerspec)]),
    entry!(nr::timer_settime64, timer_settime64, [Int, Flags(TIMER_FLAGS), Itimerspec64, Out(&Itimerspec64)]),
    entry!(nr::timer_gettime, timer_gettime, [Int, Out(&Itimerspec)]),
    entry!(nr::timer_gettime64, timer_gettime64, [Int, Out(&Itimerspec64)]),
    entry!(nr::timer_getoverrun, timer_getoverrun, [Int]),
    entry!(nr::timer_delete, timer_delete, [Int]),
    entry!(nr::getpriority, getpriority, [Enum(PRIO_NAMES), Int]),
    entry!(nr::setpriority, setpriority, [Enum(PRIO_NAMES), Int, Int]),
    entry!(nr::nice, nice, [Int]),
    entry!(nr::sched_setparam, sched_setparam, [Int, Ptr]),
    entry!(nr::sched_getparam, sched_getparam, [Int, Ptr]),
    entry!(nr::sched_setscheduler, sched_setscheduler, [Int, Enum(SCHED_POLICY_NAMES), Ptr]),
    entry!(nr::sched_getscheduler, sched_getscheduler, [Int]),
    entry!(nr::sched_get_priority_max, sched_get_priority_max, [Enum(SCHED_POLICY_NAMES)]),
    entry!(nr::sched_get_priority_min, sched_get_priority_min, [Enum(SCHED_POLICY_NAMES)]),
    entry!(nr::sched_rr_get_interval, sched_rr_get_interval, [Int, Out(&Timespec)]),
    entry!(nr::sched_rr_get_interval_time64, sched_rr_get_interval_time64, [Int, Out(&Timespec64)]),
    entry!(nr::getcpu, getcpu, [Out(&IntPtr), Out(&IntPtr), Ptr]),
    entry!(nr::sched_setattr, sched_setattr, [Int, Ptr, Uint]),
    entry!(nr::sched_getattr, sched_getattr, [Int, Ptr, Uint, Uint]),
    entry!(nr::ioprio_get, ioprio_get, [Enum(IOPRIO_WHO_NAMES), Int]),
    entry!(nr::ioprio_set, ioprio_set, [Enum(IOPRIO_WHO_NAMES), Int, Hex]),
    entry!(nr::capget, capget, [Ptr, Ptr]),
    entry!(nr::capset, capset, [Ptr, Ptr]),
    entry!(nr::get_robust_list, get_robust_list, [Int, Ptr, Ptr]),
    entry!(nr::sethostname, sethostname, [InBuf(1), Uint]),
    entry!(nr::setdomainname, setdomainname, [InBuf(1), Uint]),
    entry!(nr::chroot, chroot, [Str]),
];

// ---------------------------------------------------------------------------------------------
// Names and i386 layouts (the itimerspec layouts are abi/time.rs's, shared with sys/eventfd.rs).

/// `PRIO_*` (linux/resource.h): the `which` of getpriority(2) and setpriority(2).
pub const PRIO_NAMES: &[(u32, &str)] = &[(0, "PRIO_PROCESS"), (1, "PRIO_PGRP"), (2, "PRIO_USER")];

/// `SCHED_*` policies (linux/sched.h).
pub const SCHED_POLICY_NAMES: &[(u32, &str)] = &[
    (0, "SCHED_OTHER"),
    (1, "SCHED_FIFO"),
    (2, "SCHED_RR"),
    (3, "SCHED_BATCH"),
    (4, "SCHED_ISO"),
    (5, "SCHED_IDLE"),
    (6, "SCHED_DEADLINE"),
    (7, "SCHED_EXT"),
    (0x4000_0000, "SCHED_OTHER|SCHED_RESET_ON_FORK"),
    (0x4000_0001, "SCHED_FIFO|SCHED_RESET_ON_FORK"),
    (0x4000_0002, "SCHED_RR|SCHED_RESET_ON_FORK"),
    (0x4000_0003, "SCHED_BATCH|SCHED_RESET_ON_FORK"),
    (0x4000_0005, "SCHED_IDLE|SCHED_RESET_ON_FORK"),
];

/// `IOPRIO_WHO_*` (linux/ioprio.h).
pub const IOPRIO_WHO_NAMES: &[(u32, &str)] =
    &[(1, "IOPRIO_WHO_PROCESS"), (2, "IOPRIO_WHO_PGRP"), (3, "IOPRIO_WHO_USER")];

/// The host's `struct sigevent` (x86-64: an 8-byte `sigval`, then signo, notify and the union).
#[repr(C)]
pub(crate) struct HostSigevent {
    pub(crate) sigev_value: u64,
    pub(crate) sigev_signo: i32,
    pub(crate) sigev_notify: i32,
    sigev_notify_thread_id: i32,
    pad: [i32; 11],
}
const _: () = assert!(size_of::<HostSigevent>() == 64);

impl SigeventHead {
    /// get_compat_sigevent(): the rest is zero, `sival_int` is the guest's value.
    pub(crate) fn to_host(self) -> HostSigevent {
        HostSigevent {
            sigev_value: self.sigev_value.get().into(),
            sigev_signo: self.sigev_signo.get(),
            sigev_notify: self.sigev_notify.get(),
            sigev_notify_thread_id: self.sigev_notify_thread_id.get(),
            pad: [0; 11],
        }
    }
}

/// The capability versions (linux/capability.h) and how many `struct __user_cap_data_struct`
/// (three u32s on every ABI) each one copies.
const CAP_VERSION_1: u32 = 0x1998_0330;
const CAP_VERSION_2: u32 = 0x2007_1026;
const CAP_VERSION_3: u32 = 0x2008_0522;
const CAP_DATA_SIZE: usize = 12;

/// `struct __user_cap_header_struct`: the same two 32-bit fields on every ABI.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

/// `sizeof(struct compat_robust_list_head)`: what get_robust_list(2) stores as the length.
const ROBUST_LIST_HEAD_SIZE: u32 = 12;

/// `__NEW_UTS_LEN`: the longest host or domain name.
const NEW_UTS_LEN: u32 = 64;

// ---------------------------------------------------------------------------------------------
// Host calls.

/// An address the host kernel rejects with EFAULT without touching anything (above the user half
/// of the address space, so access_ok() fails).
const HOST_FAULT: usize = usize::MAX - 0xfff;

/// Guest memory `[addr, addr+len)` as a host pointer argument: NULL stays NULL (the host then
/// answers what the guest's kernel answers for NULL), memory the guest may access in the `access`
/// way is itself (unmapped pages inside the range fault on the host as on the guest), and
/// anything else becomes [`HOST_FAULT`], so that the host answers every error it checks before
/// touching the memory first and then EFAULT, in the guest kernel's order.
pub(crate) fn host_ptr<H>(ctx: &Ctx<H>, addr: u32, len: usize, access: Prot) -> usize {
    if addr == 0 {
        return 0;
    }
    ctx.mem.host_range(addr, len, access).map_or(HOST_FAULT, |p| p as usize)
}

/// The host thread id of the caller, which is the guest's.
fn gettid() -> i32 {
    rustix::thread::gettid().as_raw_nonzero().get()
}

// ---------------------------------------------------------------------------------------------
// POSIX timers.

/// Implements timer_create(2) (compat_sys_timer_create): the i386 sigevent is read first (EFAULT
/// before a bad clock), then the host creates the timer and stores its id in guest memory, where
/// a fault deletes the timer again, as do_timer_create() does.
fn timer_create(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [clock, evp, idp, ..] = *a;
    let event = if evp == 0 { None } else { Some(ctx.mem.read_obj::<SigeventHead>(evp)?.to_host()) };
    let event_ptr = event.as_ref().map_or(null(), |e| e as *const HostSigevent);
    let id_ptr = host_ptr(ctx, idp, 4, Prot::WRITE);
    sys!(libc::SYS_timer_create, clock as i32, event_ptr, id_ptr)?;
    Ok(0)
}

/// Implements timer_settime(2) with 32-bit itimerspecs (sys_timer_settime32): NULL is EINVAL and
/// a bad new value EFAULT before the timer is looked up; a bad `old` is EFAULT after the timer
/// was set.
fn timer_settime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [id, flags, new, old, ..] = *a;
    if new == 0 {
        return Err(Errno::INVAL.into());
    }
    let mut new = ctx.mem.read_obj::<Itimerspec32>(new)?.to_host();
    crate::replay::deadline(DeadlineClock::Timer(id as i32), flags & TIMER_ABSTIME != 0, &mut new.it_value);
    let mut out = ZERO_ITIMERSPEC;
    let out_ptr = if old != 0 { &mut out as *mut libc::itimerspec } else { null_mut() };
    sys!(libc::SYS_timer_settime, id as i32, flags as i32, &new as *const libc::itimerspec, out_ptr)?;
    if old != 0 {
        ctx.mem.write_obj(old, &Itimerspec32::from_host(&out))?;
    }
    Ok(0)
}

/// Implements timer_settime64(2): as timer_settime, with the kernel writing `old` itself.
fn timer_settime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [id, flags, new, old, ..] = *a;
    if new == 0 {
        return Err(Errno::INVAL.into());
    }
    let mut new = ctx.mem.read_obj::<KernelItimerspec>(new)?.to_host();
    crate::replay::deadline(DeadlineClock::Timer(id as i32), flags & TIMER_ABSTIME != 0, &mut new.it_value);
    let old_ptr = host_ptr(ctx, old, size_of::<KernelItimerspec>(), Prot::WRITE);
    sys!(libc::SYS_timer_settime, id as i32, flags as i32, &new as *const libc::itimerspec, old_ptr)?;
    Ok(0)
}

const ZERO_ITIMERSPEC: libc::itimerspec = libc::itimerspec {
    it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
    it_value: libc::timespec { tv_sec: 0, tv_nsec: 0 },
};

/// Implements timer_gettime(2) with a 32-bit itimerspec: EINVAL for a bad timer before EFAULT.
fn timer_gettime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut out = ZERO_ITIMERSPEC;
    sys!(libc::SYS_timer_gettime, a[0] as i32, &mut out as *mut libc::itimerspec)?;
    ctx.mem.write_obj(a[1], &Itimerspec32::from_host(&out))?;
    Ok(0)
}

/// Implements timer_gettime64(2).
fn timer_gettime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ptr = host_ptr(ctx, a[1], size_of::<KernelItimerspec>(), Prot::WRITE);
    // The host's NULL check is the guest kernel's too (copy_to_user(NULL) is EFAULT).
    sys!(libc::SYS_timer_gettime, a[0] as i32, ptr)?;
    Ok(0)
}

/// Implements timer_getoverrun(2).
fn timer_getoverrun(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(sys!(libc::SYS_timer_getoverrun, a[0] as i32)? as u32)
}

/// Implements timer_delete(2).
fn timer_delete(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_timer_delete, a[0] as i32)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Priorities.

/// Implements getpriority(2): the raw result is `20 - nice` (1..40); glibc converts it.
fn getpriority(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(sys!(libc::SYS_getpriority, a[0] as i32, a[1] as i32)? as u32)
}

/// Implements setpriority(2).
fn setpriority(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_setpriority, a[0] as i32, a[1] as i32, a[2] as i32)?;
    Ok(0)
}

const MIN_NICE: i32 = -20;
const MAX_NICE: i32 = 19;
const NICE_WIDTH: i32 = MAX_NICE - MIN_NICE + 1;
const CAP_SYS_NICE: u32 = 23;

/// can_nice(): may the caller run at `nice` (RLIMIT_NICE allows `20 - nice`, or CAP_SYS_NICE)?
fn can_nice(nice: i32) -> bool {
    // An infinite limit (RLIM_INFINITY) allows every value.
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nice).current.unwrap_or(u64::MAX);
    let limit_ok = (20 - nice) as u64 <= limit;
    let header = CapHeader { version: CAP_VERSION_3, pid: 0 };
    let mut data = [0u32; 6];
    let caps = sys!(libc::SYS_capget, &header as *const CapHeader, data.as_mut_ptr());
    limit_ok || (caps.is_ok() && data[0] & (1 << CAP_SYS_NICE) != 0)
}

/// Implements nice(2), which x86-64 does not have, as sys_nice() does it: the increment is
/// clamped to ±40 and the result to -20..19; lowering the nice value needs can_nice() (EPERM,
/// where setpriority would answer EACCES). The calling thread's value, as on the guest.
fn nice(_: &mut Ctx, a: &Args) -> SysResult {
    let increment = (a[0] as i32).clamp(-NICE_WIDTH, NICE_WIDTH);
    let current = 20 - sys!(libc::SYS_getpriority, libc::PRIO_PROCESS, 0)? as i32;
    let nice = (current + increment).clamp(MIN_NICE, MAX_NICE);
    if increment < 0 && !can_nice(nice) {
        return Err(Errno::PERM.into());
    }
    match sys!(libc::SYS_setpriority, libc::PRIO_PROCESS, 0, nice) {
        Err(Errno::ACCESS) => Err(Errno::PERM.into()),
        r => r.map(|_| 0).map_err(Into::into),
    }
}

// ---------------------------------------------------------------------------------------------
// Scheduling: `struct sched_param` is one int and `struct sched_attr` has fixed-size fields, so
// the host reads and writes them in guest memory.

/// `sizeof(struct sched_param)`.
const SCHED_PARAM_SIZE: usize = 4;
/// SCHED_ATTR_SIZE_VER0: what a `size` of 0 in `struct sched_attr` stands for.
const SCHED_ATTR_SIZE_VER0: u32 = 48;

/// Implements sched_setparam(2).
fn sched_setparam(ctx: &mut Ctx, a: &Args) -> SysResult {
    let param = host_ptr(ctx, a[1], SCHED_PARAM_SIZE, Prot::READ);
    sys!(libc::SYS_sched_setparam, a[0] as i32, param)?;
    Ok(0)
}

/// Implements sched_getparam(2).
fn sched_getparam(ctx: &mut Ctx, a: &Args) -> SysResult {
    let param = host_ptr(ctx, a[1], SCHED_PARAM_SIZE, Prot::WRITE);
    sys!(libc::SYS_sched_getparam, a[0] as i32, param)?;
    Ok(0)
}

/// Implements sched_setscheduler(2).
fn sched_setscheduler(ctx: &mut Ctx, a: &Args) -> SysResult {
    let param = host_ptr(ctx, a[2], SCHED_PARAM_SIZE, Prot::READ);
    sys!(libc::SYS_sched_setscheduler, a[0] as i32, a[1] as i32, param)?;
    Ok(0)
}

/// Implements sched_getscheduler(2): the policy, with SCHED_RESET_ON_FORK when it is set.
fn sched_getscheduler(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(sys!(libc::SYS_sched_getscheduler, a[0] as i32)? as u32)
}

/// Implements sched_get_priority_max(2).
fn sched_get_priority_max(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(sys!(libc::SYS_sched_get_priority_max, a[0] as i32)? as u32)
}

/// Implements sched_get_priority_min(2).
fn sched_get_priority_min(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(sys!(libc::SYS_sched_get_priority_min, a[0] as i32)? as u32)
}

/// The host's round-robin quantum of `pid` (EINVAL for a negative pid, ESRCH before EFAULT).
fn rr_interval(pid: u32) -> Result<libc::timespec, Errno> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    sys!(libc::SYS_sched_rr_get_interval, pid as i32, &mut ts as *mut libc::timespec)?;
    Ok(ts)
}

/// Implements sched_rr_get_interval(2) with a 32-bit timespec.
fn sched_rr_get_interval(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = rr_interval(a[0])?;
    ctx.mem.write_obj(a[1], &Timespec32::from_host(&ts))?;
    Ok(0)
}

/// Implements sched_rr_get_interval_time64(2).
fn sched_rr_get_interval_time64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = rr_interval(a[0])?;
    ctx.mem.write_obj(a[1], &KernelTimespec::from_host(&ts))?;
    Ok(0)
}

/// Implements sched_setattr(2). The host reads the guest's struct itself, so its size rules
/// (sched_copy_attr(): 0 is VER0, smaller or above a page is E2BIG, bytes past the kernel's struct
/// must be zero) are the guest kernel's. The one difference: on E2BIG the kernel stores its size
/// in `attr->size`, which the host does even where the guest mapped the page read-only (the
/// kernel ignores that fault, so only the stored value differs).
fn sched_setattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [pid, attr, flags, ..] = *a;
    let len = match ctx.mem.read_u32(attr) {
        Ok(0) => SCHED_ATTR_SIZE_VER0,
        Ok(size) => size.min(PAGE_SIZE),
        Err(_) => 4,
    };
    let attr = host_ptr(ctx, attr, len as usize, Prot::READ);
    sys!(libc::SYS_sched_setattr, pid as i32, attr, flags)?;
    Ok(0)
}

/// Implements sched_getattr(2): the host fills at most `size` bytes (EINVAL for a size below
/// VER0 or above a page) of the guest's struct.
fn sched_getattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [pid, attr, size, flags, ..] = *a;
    let attr = host_ptr(ctx, attr, size.min(PAGE_SIZE) as usize, Prot::WRITE);
    sys!(libc::SYS_sched_getattr, pid as i32, attr, size, flags)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// I/O priorities, capabilities, the robust list, names, chroot.

/// Implements ioprio_get(2).
fn ioprio_get(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(sys!(libc::SYS_ioprio_get, a[0] as i32, a[1] as i32)? as u32)
}

/// Implements ioprio_set(2).
fn ioprio_set(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_ioprio_set, a[0] as i32, a[1] as i32, a[2] as i32)?;
    Ok(0)
}

/// cap_validate_magic(): how many data structs the header's version copies; an unknown version
/// is EINVAL after the preferred one is stored in the guest's header (EFAULT if it cannot be).
fn cap_version(ctx: &mut Ctx, header: u32) -> Result<(u32, usize), Errno> {
    let version = ctx.mem.read_u32(header)?;
    match version {
        CAP_VERSION_1 => Ok((version, 1)),
        CAP_VERSION_2 | CAP_VERSION_3 => Ok((version, 2)),
        _ => {
            ctx.mem.write_u32(header, CAP_VERSION_3)?;
            Err(Errno::INVAL)
        }
    }
}

/// Implements capget(2): with a NULL data pointer, the version check alone (an unknown version
/// answers 0 once the preferred one is stored: how libcap asks for it).
fn capget(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [header, data, ..] = *a;
    let (version, count) = match cap_version(ctx, header) {
        Ok(_) | Err(Errno::INVAL) if data == 0 => return Ok(0),
        Ok(v) => v,
        Err(e) => return Err(e.into()),
    };
    let pid = ctx.mem.read_u32(GuestAddr::new(header).offset(4)?)? as i32;
    if pid < 0 {
        return Err(Errno::INVAL.into());
    }
    let header = CapHeader { version, pid };
    let mut caps = [0u8; 2 * CAP_DATA_SIZE];
    sys!(libc::SYS_capget, &header as *const CapHeader, caps.as_mut_ptr())?;
    ctx.mem.write(data, &caps[..count * CAP_DATA_SIZE])?;
    Ok(0)
}

/// Implements capset(2): the version, then the pid (only the caller's thread: EPERM), then the
/// data (EFAULT); the host checks and applies the new sets to this thread.
fn capset(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [header, data, ..] = *a;
    let (version, count) = cap_version(ctx, header)?;
    let pid = ctx.mem.read_u32(GuestAddr::new(header).offset(4)?)? as i32;
    if pid != 0 && pid != gettid() {
        return Err(Errno::PERM.into());
    }
    let mut caps = [0u8; 2 * CAP_DATA_SIZE];
    ctx.mem.read(data, &mut caps[..count * CAP_DATA_SIZE])?;
    let header = CapHeader { version, pid };
    sys!(libc::SYS_capset, &header as *const CapHeader, caps.as_ptr())?;
    Ok(0)
}

/// Implements get_robust_list(2): the length, then the head, are stored (EFAULT each). For the
/// calling thread (pid 0 or its own tid) the head is what set_robust_list(2) recorded. Another
/// task is looked up and checked by the host (ESRCH, EPERM under ptrace_may_access()); its i386
/// list is not known to this thread's emulator, so its head reads as NULL, which is what the
/// guest's kernel answers for a task that never registered an i386 list (any 64-bit process).
fn get_robust_list(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [pid, head_ptr, len_ptr, ..] = *a;
    let head = if pid == 0 || pid as i32 == gettid() {
        ctx.task.robust_list.0
    } else {
        let (mut head, mut len) = (0usize, 0usize);
        sys!(libc::SYS_get_robust_list, pid as i32, &mut head as *mut usize, &mut len as *mut usize)?;
        0
    };
    ctx.mem.write_u32(len_ptr, ROBUST_LIST_HEAD_SIZE)?;
    ctx.mem.write_u32(head_ptr, head)?;
    Ok(0)
}

/// The name argument of sethostname/setdomainname for the host: EPERM (no CAP_SYS_ADMIN) and
/// EINVAL (`len` outside 0..=64) are the host's to answer first, then EFAULT.
fn uts_name(ctx: &Ctx, name: u32, len: u32) -> usize {
    let len = if len <= NEW_UTS_LEN { len } else { 0 };
    host_ptr(ctx, name, len as usize, Prot::READ)
}

/// Implements sethostname(2). It changes the host's name: the guest is the emulator process.
fn sethostname(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_sethostname, uts_name(ctx, a[0], a[1]), a[1] as i32)?;
    Ok(0)
}

/// Implements setdomainname(2).
fn setdomainname(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_setdomainname, uts_name(ctx, a[0], a[1]), a[1] as i32)?;
    Ok(0)
}

/// Implements chroot(2): the path is read as getname() reads it (EFAULT, ENAMETOOLONG, ENOENT
/// for an empty one, before anything else), with the guest's own `/proc` entries rewritten as
/// for every path; the host does the rest.
fn chroot(ctx: &mut Ctx, a: &Args) -> SysResult {
    let path = ctx.mem.read_path(a[0])?;
    let path = crate::sys::procfs::rewrite(&ctx.task.exe, &path, true).unwrap_or(path);
    // read_path stops at the first NUL, so there is none inside.
    let path = CString::new(path).map_err(|_| Errno::FAULT)?;
    sys!(libc::SYS_chroot, path.as_ptr())?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// getcpu

/// Implements getcpu(2): each pointer is optional, both are written even when the first faults,
/// and either fault is EFAULT (kernel/sys.c). The third argument is unused.
fn getcpu(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (cpu, node) = crate::hostcall::info::getcpu()?;
    let mut fault = false;
    for (ptr, v) in [(a[0], cpu), (a[1], node)] {
        if ptr != 0 {
            fault |= ctx.mem.write_u32(ptr, v).is_err();
        }
    }
    if fault {
        return Err(Errno::FAULT.into());
    }
    Ok(0)
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
