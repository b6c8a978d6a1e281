//! Safe wrappers of the host calls that rustix does not have, one per call (or per group of
//! commands of one call), each documenting why it is sound: the handlers in [`crate::sys`] call
//! these and hold no `unsafe` of their own. A wrapper is sound whatever its arguments: buffers
//! are sized for every command the call takes, commands that would write through an argument
//! of another shape are refused, and guest memory reaches the host only as a
//! [`HostRange`](crate::mem::HostRange), which only the memory layer hands out.

use crate::{host, Errno};
use libc::c_long;

pub mod admin;
pub mod aio;
pub mod compat;
pub mod cpu;
pub mod dirent;
pub mod exec;
pub mod fdcalls;
pub mod fdctl;
pub mod fds;
pub mod files;
pub mod fork;
pub mod fs;
pub mod futex;
pub mod ids;
pub mod info;
pub mod inplace;
pub mod ioctl;
pub mod iovec;
pub mod ipc;
pub mod kernel;
pub mod keys;
pub mod klog;
pub mod mm;
pub mod mount;
pub mod mqueue;
pub mod numa;
pub mod opentree;
pub mod perf;
pub mod pidfd;
pub mod poll;
pub mod process;
pub mod processvm;
pub mod procfs;
pub mod quota;
pub mod sched;
pub mod sighandler;
pub mod signal;
pub mod stat;
pub mod strings;
pub mod time;
pub mod timer;
pub mod timex;
pub mod uffd;
pub mod wait;
pub mod xattr;

/// The host calls whose arguments are all numbers (no pointer the host would follow), which
/// [`numbers`] makes: ids, process groups and sessions, personality, the fd-making calls that
/// take only flags, fallocate, sync_file_range, readahead, unshare and setns; lseek, dup (a new
/// fd, closing none), fsync, fdatasync, ftruncate, fadvise64 and flock.
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
    libc::SYS_setpgid,
    libc::SYS_setsid,
    libc::SYS_personality,
    libc::SYS_inotify_init1,
    libc::SYS_inotify_rm_watch,
    libc::SYS_epoll_create1,
    libc::SYS_pidfd_open,
    libc::SYS_pidfd_getfd,
    libc::SYS_fanotify_init,
    libc::SYS_userfaultfd,
    libc::SYS_fallocate,
    libc::SYS_sync_file_range,
    libc::SYS_readahead,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_lseek,
    libc::SYS_dup,
    libc::SYS_fsync,
    libc::SYS_fdatasync,
    libc::SYS_ftruncate,
    libc::SYS_fadvise64,
    libc::SYS_flock,
];

/// A host call whose arguments (up to six) are all numbers, from [`NUMBER_CALLS`]; any other
/// call is ENOSYS.
pub fn numbers(nr: c_long, args: &[c_long]) -> Result<i64, Errno> {
    if !NUMBER_CALLS.contains(&nr) {
        return Err(Errno::NOSYS);
    }
    let mut a = [0 as c_long; 6];
    for (slot, v) in a.iter_mut().zip(args) {
        *slot = *v;
    }
    // SAFETY: the calls above take numbers only; the arguments past theirs are ignored.
    host(unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]) })
}
