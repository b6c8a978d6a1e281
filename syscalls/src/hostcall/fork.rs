//! Copies of the host process: fork(2), clone(2) and clone3(2) without a shared address space
//! (kernel/fork.c). The child returns from the same call with 0, in a copy-on-write copy of
//! everything, so nothing of this process is shared with it that a Rust invariant could span.

use crate::{host, Errno};
use libc::c_int;

/// The flags a copy of the process may not take here: a shared address space or signal handlers,
/// a new thread, or anything that makes the host write through a pointer (a TLS descriptor, the
/// tid words).
const REFUSED: u64 = (libc::CLONE_VM
    | libc::CLONE_THREAD
    | libc::CLONE_SIGHAND
    | libc::CLONE_SETTLS
    | libc::CLONE_PARENT_SETTID
    | libc::CLONE_CHILD_SETTID
    | libc::CLONE_CHILD_CLEARTID) as u64;

/// The host's `struct clone_args` (the same layout, host pointers).
#[derive(Debug, Default)]
#[repr(C)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}
const _: () = assert!(std::mem::size_of::<CloneArgs>() == 88);

/// What clone3 adds to clone: the pids the child gets in each pid namespace, and the cgroup fd
/// it starts in (`CLONE_INTO_CGROUP`).
pub struct Clone3<'a> {
    pub set_tid: &'a [i32],
    pub cgroup: Option<u64>,
}

/// A copy of this process made with `flags` (the exit signal in the low byte): fork(2) for plain
/// `SIGCHLD`, clone3(2) when `clone3` says more, clone(2) otherwise. The pid (0 in the child) and
/// the pidfd `CLONE_PIDFD` made (-1 otherwise). EINVAL for the flags of [`REFUSED`].
pub fn copy_process(flags: u32, clone3: Option<Clone3>) -> Result<(i64, c_int), Errno> {
    if u64::from(flags) & REFUSED != 0 {
        return Err(Errno::INVAL);
    }
    const CSIGNAL: u32 = 0xff;
    const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
    let mut pidfd: c_int = -1;
    let pid = if let Some(extra) = clone3 {
        // The host's clone3 checks set_tid (EEXIST, EPERM, ESRCH...) and the cgroup itself.
        let mut args = CloneArgs {
            flags: u64::from(flags & !CSIGNAL) | extra.cgroup.map_or(0, |_| CLONE_INTO_CGROUP),
            pidfd: &mut pidfd as *mut c_int as u64,
            exit_signal: u64::from(flags & CSIGNAL),
            set_tid: if extra.set_tid.is_empty() { 0 } else { extra.set_tid.as_ptr() as u64 },
            set_tid_size: extra.set_tid.len() as u64,
            cgroup: extra.cgroup.unwrap_or(0),
            ..Default::default()
        };
        // SAFETY: no CLONE_VM and no new stack (REFUSED): the host child is a copy of this process
        // that returns here, as with fork. `args`, `pidfd` and the set_tid array outlive the call.
        host(unsafe { libc::syscall(libc::SYS_clone3, &mut args, std::mem::size_of::<CloneArgs>()) })?
    } else if flags == libc::SIGCHLD as u32 {
        // SAFETY: the child continues with a copy of everything.
        host(unsafe { libc::fork() }.into())?
    } else {
        // SAFETY: no CLONE_VM and no new stack (REFUSED): the host child is a copy-on-write copy of
        // this process that returns here, as with fork. `pidfd` outlives the call.
        host(unsafe { libc::syscall(libc::SYS_clone, libc::c_ulong::from(flags), 0usize, &mut pidfd, 0usize, 0usize) })?
    };
    Ok((pid, pidfd))
}
