//! Waiting for children on the host: wait4(2) and waitid(2) (kernel/exit.c).

use crate::{host, Errno};
use libc::c_int;
use std::ptr::null_mut;

/// wait4(2): the pid (0: none ready under WNOHANG), the status, and the child's resource usage
/// when `rusage` asks for it.
pub fn wait4(pid: c_int, options: c_int, rusage: bool) -> Result<(i64, c_int, Option<libc::rusage>), Errno> {
    let mut status: c_int = 0;
    // SAFETY: plain data; all zeroes is a value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ru_arg = if rusage { &mut ru as *mut libc::rusage } else { null_mut() };
    // SAFETY: `status` and `ru` (or NULL) are writable and outlive the call.
    let r = host(unsafe { libc::syscall(libc::SYS_wait4, pid, &mut status, options, ru_arg) })?;
    Ok((r, status, rusage.then_some(ru)))
}

/// What waitid(2) says of a child: si_signo (0: no child), si_code, si_pid, si_uid, si_status.
#[derive(Debug, Clone, Copy)]
pub struct Waited {
    pub signo: i32,
    pub code: i32,
    pub pid: i32,
    pub uid: u32,
    pub status: i32,
}

/// waitid(2), and the child's resource usage when `rusage` asks for it.
pub fn waitid(which: c_int, id: c_int, options: c_int, rusage: bool) -> Result<(Waited, Option<libc::rusage>), Errno> {
    // SAFETY: plain data; all zeroes is a value (si_signo 0: no child).
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let ru_arg = if rusage { &mut ru as *mut libc::rusage } else { null_mut() };
    // SAFETY: `info` and `ru` (or NULL) are writable and outlive the call.
    host(unsafe { libc::syscall(libc::SYS_waitid, which, id, &mut info, options, ru_arg) })?;
    // SAFETY: the host filled a SIGCHLD siginfo (or left it zero); these are its fields.
    let (pid, uid, status) = unsafe { (info.si_pid(), info.si_uid(), info.si_status()) };
    Ok((Waited { signo: info.si_signo, code: info.si_code, pid, uid, status }, rusage.then_some(ru)))
}
