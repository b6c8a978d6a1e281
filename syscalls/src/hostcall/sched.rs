//! The host's scheduling and task attribute calls behind `crate::sys::sched` and
//! `crate::sys::uts` (kernel/sched/syscalls.c, kernel/sys.c, block/ioprio.c,
//! kernel/futex/syscalls.c): priorities, policies and their parameters, I/O priorities, another
//! task's robust list, and the host and domain names. Pids, policies and flags are numbers the
//! host checks; `struct sched_param` and `struct sched_attr` (laid out the same on i386) and the
//! names are guest memory in place ([`InPlace`]), so the host faults where the guest's kernel
//! would. rustix's priority calls pick `which` by function and its sethostname takes bytes
//! already read, so these are the raw calls.

use super::inplace::InPlace;
use crate::{host, Errno};
use libc::{c_int, c_uint, c_void, timespec};

/// `p` for a host call that accesses `size` bytes through it: a guest range shorter than that is
/// refused (the host answers EFAULT where it touches it), so the host stays inside guest memory.
pub fn at_least(p: InPlace, size: usize) -> *mut c_void {
    match p {
        InPlace::Guest(r) if r.len() < size => InPlace::Refused.ptr(),
        p => p.ptr(),
    }
}

/// `sizeof(struct sched_param)`: one int.
pub const SCHED_PARAM_SIZE: usize = 4;

/// getpriority(2): the raw result, `20 - nice` (1..40).
pub fn getpriority(which: c_int, who: c_int) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(libc::SYS_getpriority, which, who) })
}

/// setpriority(2).
pub fn setpriority(which: c_int, who: c_int, nice: c_int) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(libc::SYS_setpriority, which, who, nice) })
}

/// sched_setparam(2) on the guest's `struct sched_param` in place.
pub fn sched_setparam(pid: c_int, param: InPlace) -> Result<i64, Errno> {
    let param = at_least(param, SCHED_PARAM_SIZE);
    // SAFETY: `param` is NULL, an int of guest memory or an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_sched_setparam, pid, param) })
}

/// sched_getparam(2) into the guest's `struct sched_param` in place.
pub fn sched_getparam(pid: c_int, param: InPlace) -> Result<i64, Errno> {
    let param = at_least(param, SCHED_PARAM_SIZE);
    // SAFETY: as in `sched_setparam`.
    host(unsafe { libc::syscall(libc::SYS_sched_getparam, pid, param) })
}

/// sched_setscheduler(2) with the guest's `struct sched_param` in place.
pub fn sched_setscheduler(pid: c_int, policy: c_int, param: InPlace) -> Result<i64, Errno> {
    let param = at_least(param, SCHED_PARAM_SIZE);
    // SAFETY: as in `sched_setparam`.
    host(unsafe { libc::syscall(libc::SYS_sched_setscheduler, pid, policy, param) })
}

/// sched_getscheduler(2): the policy, with SCHED_RESET_ON_FORK when it is set.
pub fn sched_getscheduler(pid: c_int) -> Result<i64, Errno> {
    // SAFETY: a number only.
    host(unsafe { libc::syscall(libc::SYS_sched_getscheduler, pid) })
}

/// sched_get_priority_max(2).
pub fn sched_get_priority_max(policy: c_int) -> Result<i64, Errno> {
    // SAFETY: a number only.
    host(unsafe { libc::syscall(libc::SYS_sched_get_priority_max, policy) })
}

/// sched_get_priority_min(2).
pub fn sched_get_priority_min(policy: c_int) -> Result<i64, Errno> {
    // SAFETY: a number only.
    host(unsafe { libc::syscall(libc::SYS_sched_get_priority_min, policy) })
}

/// sched_rr_get_interval(2): the round-robin quantum of `pid`.
pub fn sched_rr_get_interval(pid: c_int) -> Result<timespec, Errno> {
    let mut ts = timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a local timespec the host writes.
    host(unsafe { libc::syscall(libc::SYS_sched_rr_get_interval, pid, &mut ts as *mut timespec) })?;
    Ok(ts)
}

/// sched_setattr(2) on the guest's `struct sched_attr` in place: the host reads its `size`
/// field, then `size` bytes of it, and on E2BIG stores its own size in the field.
pub fn sched_setattr(pid: c_int, attr: InPlace, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: `attr` is NULL, guest memory or an address the host refuses. The host reads at most
    // a page from its start (sched_copy_attr(): E2BIG above) and writes only the 4-byte size
    // field; past the range lies more guest memory or the inaccessible guard after it, which
    // faults as the guest's kernel faults.
    host(unsafe { libc::syscall(libc::SYS_sched_setattr, pid, attr.ptr(), flags) })
}

/// sched_getattr(2) into the guest's `struct sched_attr` in place: the host writes at most
/// `size` bytes (a shorter range is refused; a size the host rejects is EINVAL first).
pub fn sched_getattr(pid: c_int, attr: InPlace, size: c_uint, flags: c_uint) -> Result<i64, Errno> {
    let ptr = at_least(attr, size as usize);
    // SAFETY: the host writes at most `size` bytes at `ptr`: NULL, guest memory that long, or an
    // address it refuses.
    host(unsafe { libc::syscall(libc::SYS_sched_getattr, pid, ptr, size, flags) })
}

/// ioprio_get(2).
pub fn ioprio_get(which: c_int, who: c_int) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(libc::SYS_ioprio_get, which, who) })
}

/// ioprio_set(2).
pub fn ioprio_set(which: c_int, who: c_int, ioprio: c_int) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(libc::SYS_ioprio_set, which, who, ioprio) })
}

/// get_robust_list(2) of another task, for its checks only (ESRCH, EPERM): the host's answer
/// (a 64-bit list) is of no use to an i386 guest and is dropped.
pub fn get_robust_list(pid: c_int) -> Result<(), Errno> {
    let (mut head, mut len) = (0usize, 0usize);
    // SAFETY: two local words the host writes.
    host(unsafe { libc::syscall(libc::SYS_get_robust_list, pid, &mut head as *mut usize, &mut len as *mut usize) })?;
    Ok(())
}

/// The name of sethostname(2)/setdomainname(2): `len` bytes the host reads (after its EPERM and
/// EINVAL checks) from guest memory in place; a range shorter than `len` is refused.
fn uts_name(name: InPlace, len: c_int) -> *mut c_void {
    at_least(name, usize::try_from(len).unwrap_or(0))
}

/// sethostname(2).
pub fn sethostname(name: InPlace, len: c_int) -> Result<i64, Errno> {
    // SAFETY: the host reads at most `len` bytes at the name: NULL, guest memory that long, or an
    // address it refuses.
    host(unsafe { libc::syscall(libc::SYS_sethostname, uts_name(name, len), len) })
}

/// setdomainname(2).
pub fn setdomainname(name: InPlace, len: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `sethostname`.
    host(unsafe { libc::syscall(libc::SYS_setdomainname, uts_name(name, len), len) })
}
