//! User and group ids, groups, process groups and sessions on the host (kernel/sys.c,
//! kernel/groups.c), with the raw per-thread syscalls (the guest's libc broadcasts to its other
//! threads itself).

use crate::{host, Errno};
use libc::c_long;
use std::ptr::null;

/// The host calls whose arguments are all numbers, for [`numbers`].
const NUMBER_CALLS: &[c_long] = &[
    libc::SYS_getuid,
    libc::SYS_geteuid,
    libc::SYS_getgid,
    libc::SYS_getegid,
    libc::SYS_setuid,
    libc::SYS_setgid,
    libc::SYS_setreuid,
    libc::SYS_setregid,
    libc::SYS_setresuid,
    libc::SYS_setresgid,
    libc::SYS_setfsuid,
    libc::SYS_setfsgid,
    libc::SYS_getpgid,
    libc::SYS_getsid,
    libc::SYS_personality,
];

/// A host call with up to three arguments, all numbers: the id calls, getpgid, getsid,
/// personality. Any other call is ENOSYS.
pub fn numbers(nr: c_long, args: [c_long; 3]) -> Result<i64, Errno> {
    if !NUMBER_CALLS.contains(&nr) {
        return Err(Errno::NOSYS);
    }
    // SAFETY: the calls above take numbers only.
    host(unsafe { libc::syscall(nr, args[0], args[1], args[2]) })
}

/// getresuid(2) (`group`: getresgid(2)): the real, effective and saved ids.
pub fn getres(group: bool) -> Result<[u32; 3], Errno> {
    let nr = if group { libc::SYS_getresgid } else { libc::SYS_getresuid };
    let mut ids = [0u32; 3];
    let [r, e, s] = &mut ids;
    // SAFETY: three writable u32 for the duration of the call.
    host(unsafe { libc::syscall(nr, r as *mut u32, e as *mut u32, s as *mut u32) })?;
    Ok(ids)
}

/// getgroups(2): the supplementary groups.
pub fn getgroups() -> Result<Vec<u32>, Errno> {
    // SAFETY: a zero size only asks for the count.
    let n = host(unsafe { libc::syscall(libc::SYS_getgroups, 0, null::<u32>()) })?;
    let mut groups = vec![0u32; n as usize];
    // SAFETY: `groups` has room for `n` ids.
    let n = host(unsafe { libc::syscall(libc::SYS_getgroups, groups.len(), groups.as_mut_ptr()) })?;
    groups.truncate(n as usize);
    Ok(groups)
}

/// setgroups(2) with `groups`; `None`: `size` and no list, for the host's checks that come
/// before it reads one (EPERM, EINVAL) and then EFAULT.
pub fn setgroups(size: c_long, groups: Option<&[u32]>) -> Result<i64, Errno> {
    let (size, list) = match groups {
        Some(g) => (g.len() as c_long, g.as_ptr()),
        None => (size, null()),
    };
    // SAFETY: `list` is NULL or `size` readable ids.
    host(unsafe { libc::syscall(libc::SYS_setgroups, size, list) })
}
