//! System and process information on the host: sysinfo, resource limits, CPU affinity, prctl
//! (kernel/sys.c, kernel/sched/core.c).

use crate::abi::info::pr;
use crate::{host, Errno};
use libc::c_long;
use std::ptr::{null, null_mut};

/// A host `struct sysinfo` of zeroes (to be filled by [`sysinfo`], or by a test).
pub fn zeroed_sysinfo() -> libc::sysinfo {
    // SAFETY: plain integers and padding; all zeroes is a value.
    unsafe { std::mem::zeroed() }
}

/// sysinfo(2).
pub fn sysinfo() -> Result<libc::sysinfo, Errno> {
    let mut s = zeroed_sysinfo();
    // SAFETY: `s` is a struct sysinfo that outlives the call.
    host(unsafe { libc::syscall(libc::SYS_sysinfo, &mut s) })?;
    Ok(s)
}

/// prlimit64(2): sets `new` if given, and fills `old` if given.
pub fn prlimit64(
    pid: c_long,
    resource: c_long,
    new: Option<&libc::rlimit64>,
    old: Option<&mut libc::rlimit64>,
) -> Result<i64, Errno> {
    let new = new.map_or(null(), |r| r as *const libc::rlimit64);
    let old = old.map_or(null_mut(), |r| r as *mut libc::rlimit64);
    // SAFETY: both are NULL or a live struct rlimit64 (the host reads `new`, writes `old`).
    host(unsafe { libc::syscall(libc::SYS_prlimit64, pid, resource, new, old) })
}

/// sched_getaffinity(2) into `mask`: how many bytes of it the host filled (`cpumask_size()`).
pub fn sched_getaffinity(pid: c_long, mask: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the host writes at most `mask.len()` bytes.
    let n = host(unsafe { libc::syscall(libc::SYS_sched_getaffinity, pid, mask.len(), mask.as_mut_ptr()) })?;
    Ok(n as usize)
}

/// sched_setaffinity(2) with `mask`.
pub fn sched_setaffinity(pid: c_long, mask: &[u8]) -> Result<i64, Errno> {
    // SAFETY: the host reads at most `mask.len()` bytes.
    host(unsafe { libc::syscall(libc::SYS_sched_setaffinity, pid, mask.len(), mask.as_ptr()) })
}

/// The prctl(2) options whose arguments are all numbers.
const PRCTL_NUMBERS: &[u32] = &[
    pr::SET_PDEATHSIG,
    pr::GET_DUMPABLE,
    pr::SET_DUMPABLE,
    pr::GET_KEEPCAPS,
    pr::SET_KEEPCAPS,
    pr::GET_TIMING,
    pr::SET_TIMING,
    pr::GET_SECCOMP,
    pr::CAPBSET_READ,
    pr::CAPBSET_DROP,
    pr::GET_SECUREBITS,
    pr::SET_SECUREBITS,
    pr::SET_TIMERSLACK,
    pr::GET_TIMERSLACK,
    pr::TASK_PERF_EVENTS_DISABLE,
    pr::TASK_PERF_EVENTS_ENABLE,
    pr::MCE_KILL,
    pr::MCE_KILL_GET,
    pr::SET_CHILD_SUBREAPER,
    pr::SET_NO_NEW_PRIVS,
    pr::GET_NO_NEW_PRIVS,
    pr::SET_THP_DISABLE,
    pr::GET_THP_DISABLE,
    pr::CAP_AMBIENT,
    pr::GET_SPECULATION_CTRL,
    pr::SET_SPECULATION_CTRL,
    pr::SET_IO_FLUSHER,
    pr::GET_IO_FLUSHER,
];

/// prctl(2) for an option whose arguments are all numbers; any other option is EINVAL (what the
/// kernel answers for one it does not know).
pub fn prctl_numbers(option: u32, args: [c_long; 4]) -> Result<i64, Errno> {
    if !PRCTL_NUMBERS.contains(&option) {
        return Err(Errno::INVAL);
    }
    let [a2, a3, a4, a5] = args;
    // SAFETY: these options take numbers only.
    host(unsafe { libc::syscall(libc::SYS_prctl, c_long::from(option), a2, a3, a4, a5) })
}

/// prctl(2) for an option that stores an `int` through its second argument (GET_PDEATHSIG,
/// GET_CHILD_SUBREAPER, GET_TSC): that `int`.
pub fn prctl_get_int(option: u32, args: [c_long; 3]) -> Result<i32, Errno> {
    if ![pr::GET_PDEATHSIG, pr::GET_CHILD_SUBREAPER, pr::GET_TSC].contains(&option) {
        return Err(Errno::INVAL);
    }
    let mut value: libc::c_int = 0;
    let [a3, a4, a5] = args;
    // SAFETY: these options write one int through the second argument, `value`.
    host(unsafe { libc::syscall(libc::SYS_prctl, c_long::from(option), &mut value, a3, a4, a5) })?;
    Ok(value)
}

/// prctl(2) PR_SET_NAME.
pub fn prctl_set_name(comm: &[u8; pr::TASK_COMM_LEN], args: [c_long; 3]) -> Result<i64, Errno> {
    let [a3, a4, a5] = args;
    // SAFETY: PR_SET_NAME reads TASK_COMM_LEN bytes, which `comm` holds.
    host(unsafe { libc::syscall(libc::SYS_prctl, c_long::from(pr::SET_NAME), comm.as_ptr(), a3, a4, a5) })
}

/// prctl(2) PR_GET_NAME: the name.
pub fn prctl_get_name(args: [c_long; 3]) -> Result<[u8; pr::TASK_COMM_LEN], Errno> {
    let mut comm = [0u8; pr::TASK_COMM_LEN];
    let [a3, a4, a5] = args;
    // SAFETY: PR_GET_NAME writes TASK_COMM_LEN bytes, which `comm` holds.
    host(unsafe { libc::syscall(libc::SYS_prctl, c_long::from(pr::GET_NAME), comm.as_mut_ptr(), a3, a4, a5) })?;
    Ok(comm)
}

/// getcpu(2): the CPU and the NUMA node the calling thread runs on.
pub fn getcpu() -> Result<(u32, u32), Errno> {
    let (mut cpu, mut node): (u32, u32) = (0, 0);
    // SAFETY: two writable locals; the cache argument is unused by the kernel.
    host(unsafe { libc::syscall(libc::SYS_getcpu, &mut cpu, &mut node, null_mut::<u8>()) })?;
    Ok((cpu, node))
}
