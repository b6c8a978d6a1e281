//! User and group ids, groups, process groups and sessions on the host (kernel/sys.c,
//! kernel/groups.c), with the raw per-thread syscalls (the guest's libc broadcasts to its other
//! threads itself).

use crate::{host, Errno};
use libc::c_long;
use std::ptr::null;

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
