//! Scheduling and task attributes: getpriority(2), setpriority(2), nice(2); sched_setparam(2),
//! sched_getparam(2), sched_setscheduler(2), sched_getscheduler(2), sched_get_priority_max(2),
//! sched_get_priority_min(2), sched_rr_get_interval(2) (both time forms), sched_setattr(2),
//! sched_getattr(2); ioprio_get(2), ioprio_set(2); getcpu(2); get_robust_list(2); chroot(2).
//!
//! A guest process is a host process and a guest tid is a host tid, so each of these is the host's
//! own call on the emulator: the host keeps the nice values, policies, I/O priorities and root
//! directory, and answers ESRCH and EPERM for other pids exactly as the guest's kernel would.
//! What is done here is what differs between i386 and x86-64:
//!
//! - Structs laid out the same on both (`struct sched_param`, `struct sched_attr`) go to the host
//!   as the guest's memory itself ([`InPlace`]), so the host faults where and when the guest's
//!   kernel would, and size-versioned `struct sched_attr` gets the host's E2BIG rules unchanged.
//! - nice(2) has no x86-64 counterpart: it is sys_nice() over getpriority/setpriority.
//! - get_robust_list answers the i386 list set_robust_list(2) recorded for the calling thread.
//!
//! The POSIX timers are sys/timer.rs's, capabilities sys/capability.rs's, the host and domain
//! names sys/uts.rs's.

use crate::abi::nr;
use crate::abi::time::{KernelTimespec, Timespec32};
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::sched::{self as host, SCHED_PARAM_SIZE};
use crate::mem::{GuestMemoryExt, Prot, PAGE_SIZE};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use std::ffi::CString;
use zerocopy::{Immutable, IntoBytes};

pub static ENTRIES: &[Entry] = &[
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
    entry!(nr::get_robust_list, get_robust_list, [Int, Ptr, Ptr]),
    entry!(nr::chroot, chroot, [Str]),
];

// ---------------------------------------------------------------------------------------------
// Names.

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

/// `sizeof(struct compat_robust_list_head)`: what get_robust_list(2) stores as the length.
const ROBUST_LIST_HEAD_SIZE: u32 = 12;

/// The host thread id of the caller, which is the guest's.
fn gettid() -> i32 {
    rustix::thread::gettid().as_raw_nonzero().get()
}

// ---------------------------------------------------------------------------------------------
// Priorities.

/// Implements getpriority(2): the raw result is `20 - nice` (1..40); glibc converts it.
fn getpriority(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(host::getpriority(a[0] as i32, a[1] as i32)? as u32)
}

/// Implements setpriority(2).
fn setpriority(_: &mut Ctx, a: &Args) -> SysResult {
    host::setpriority(a[0] as i32, a[1] as i32, a[2] as i32)?;
    Ok(0)
}

const MIN_NICE: i32 = -20;
const MAX_NICE: i32 = 19;
const NICE_WIDTH: i32 = MAX_NICE - MIN_NICE + 1;

/// can_nice(): may the caller run at `nice` (RLIMIT_NICE allows `20 - nice`, or CAP_SYS_NICE)?
fn can_nice(nice: i32) -> bool {
    // An infinite limit (RLIM_INFINITY) allows every value.
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nice).current.unwrap_or(u64::MAX);
    (20 - nice) as u64 <= limit || crate::sys::capability::has_sys_nice()
}

/// Implements nice(2), which x86-64 does not have, as sys_nice() does it: the increment is
/// clamped to ±40 and the result to -20..19; lowering the nice value needs can_nice() (EPERM,
/// where setpriority would answer EACCES). The calling thread's value, as on the guest.
fn nice(_: &mut Ctx, a: &Args) -> SysResult {
    let increment = (a[0] as i32).clamp(-NICE_WIDTH, NICE_WIDTH);
    let current = rustix::process::getpriority_process(None)?;
    let nice = (current + increment).clamp(MIN_NICE, MAX_NICE);
    if increment < 0 && !can_nice(nice) {
        return Err(Errno::PERM.into());
    }
    match rustix::process::setpriority_process(None, nice) {
        Err(Errno::ACCESS) => Err(Errno::PERM.into()),
        r => r.map(|()| 0).map_err(Into::into),
    }
}

// ---------------------------------------------------------------------------------------------
// Scheduling: `struct sched_param` is one int and `struct sched_attr` has fixed-size fields, so
// the host reads and writes them in guest memory.

/// SCHED_ATTR_SIZE_VER0: what a `size` of 0 in `struct sched_attr` stands for.
const SCHED_ATTR_SIZE_VER0: u32 = 48;

/// Implements sched_setparam(2).
fn sched_setparam(ctx: &mut Ctx, a: &Args) -> SysResult {
    let param = InPlace::new(ctx.mem, a[1], SCHED_PARAM_SIZE, Prot::READ);
    host::sched_setparam(a[0] as i32, param)?;
    Ok(0)
}

/// Implements sched_getparam(2).
fn sched_getparam(ctx: &mut Ctx, a: &Args) -> SysResult {
    let param = InPlace::new(ctx.mem, a[1], SCHED_PARAM_SIZE, Prot::WRITE);
    host::sched_getparam(a[0] as i32, param)?;
    Ok(0)
}

/// Implements sched_setscheduler(2).
fn sched_setscheduler(ctx: &mut Ctx, a: &Args) -> SysResult {
    let param = InPlace::new(ctx.mem, a[2], SCHED_PARAM_SIZE, Prot::READ);
    host::sched_setscheduler(a[0] as i32, a[1] as i32, param)?;
    Ok(0)
}

/// Implements sched_getscheduler(2): the policy, with SCHED_RESET_ON_FORK when it is set.
fn sched_getscheduler(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(host::sched_getscheduler(a[0] as i32)? as u32)
}

/// Implements sched_get_priority_max(2).
fn sched_get_priority_max(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(host::sched_get_priority_max(a[0] as i32)? as u32)
}

/// Implements sched_get_priority_min(2).
fn sched_get_priority_min(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(host::sched_get_priority_min(a[0] as i32)? as u32)
}

/// sched_rr_get_interval(2) storing the quantum as `T`: EINVAL for a negative pid, ESRCH, then
/// EFAULT.
fn rr_interval<T: IntoBytes + Immutable>(ctx: &mut Ctx, a: &Args, to_guest: fn(&libc::timespec) -> T) -> SysResult {
    let ts = host::sched_rr_get_interval(a[0] as i32)?;
    ctx.mem.write_obj(a[1], &to_guest(&ts))?;
    Ok(0)
}

/// Implements sched_rr_get_interval(2) with a 32-bit timespec.
fn sched_rr_get_interval(ctx: &mut Ctx, a: &Args) -> SysResult {
    rr_interval(ctx, a, Timespec32::from_host)
}

/// Implements sched_rr_get_interval_time64(2).
fn sched_rr_get_interval_time64(ctx: &mut Ctx, a: &Args) -> SysResult {
    rr_interval(ctx, a, KernelTimespec::from_host)
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
    let attr = InPlace::new(ctx.mem, attr, len as usize, Prot::READ);
    host::sched_setattr(pid as i32, attr, flags)?;
    Ok(0)
}

/// Implements sched_getattr(2): the host fills at most `size` bytes (EINVAL for a size below
/// VER0 or above a page) of the guest's struct.
fn sched_getattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [pid, attr, size, flags, ..] = *a;
    let attr = InPlace::new(ctx.mem, attr, size.min(PAGE_SIZE) as usize, Prot::WRITE);
    host::sched_getattr(pid as i32, attr, size, flags)?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// I/O priorities, the CPU, the robust list, the root.

/// Implements ioprio_get(2).
fn ioprio_get(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(host::ioprio_get(a[0] as i32, a[1] as i32)? as u32)
}

/// Implements ioprio_set(2).
fn ioprio_set(_: &mut Ctx, a: &Args) -> SysResult {
    host::ioprio_set(a[0] as i32, a[1] as i32, a[2] as i32)?;
    Ok(0)
}

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
        host::get_robust_list(pid as i32)?;
        0
    };
    ctx.mem.write_u32(len_ptr, ROBUST_LIST_HEAD_SIZE)?;
    ctx.mem.write_u32(head_ptr, head)?;
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
    rustix::process::chroot(path.as_c_str())?;
    Ok(0)
}
