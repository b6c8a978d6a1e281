//! Process fds: pidfd_open(2), pidfd_send_signal(2), pidfd_getfd(2). Guest pids are host pids, so
//! the fd is the host's own pidfd.

use super::fd::host_fd;
use super::hostarg::{int, uint};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::numbers;
use crate::hostcall::pidfd::{self, Info};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

const O_NONBLOCK: u32 = 0o4000;
const PIDFD_FLAGS: &[(u32, &str)] = &[(O_NONBLOCK, "PIDFD_NONBLOCK"), (0o200, "PIDFD_THREAD")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::pidfd_open, pidfd_open, [Int, Flags(PIDFD_FLAGS)]),
    entry!(nr::pidfd_send_signal, pidfd_send_signal, [Fd, Int, Ptr, Hex]),
    entry!(nr::pidfd_getfd, pidfd_getfd, [Fd, Int, Hex]),
];

/// Implements pidfd_open(2): guest pids are host pids.
fn pidfd_open(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(super::fd::new_guest_fd(numbers(libc::SYS_pidfd_open, &[int(a[0]), uint(a[1])])? as i32)?)
}

/// Implements pidfd_send_signal(2): the siginfo is read in the i386 layout and given to the host
/// in its own (copy_siginfo_from_user_any()); an unreadable one is a pointer the host answers
/// EFAULT for, in its order of checks.
fn pidfd_send_signal(ctx: &mut Ctx, a: &Args) -> SysResult {
    use crate::mem::GuestMemoryExt;
    let info = if a[2] == 0 {
        None
    } else {
        Some(ctx.mem.read_obj::<crate::abi::signal::Siginfo>(a[2]).map(|si| super::signal::siginfo_to_host(&si)))
    };
    let info = match &info {
        None => Info::Null,
        Some(Ok(raw)) => Info::Host(raw),
        Some(Err(_)) => Info::Fault,
    };
    Ok(pidfd::pidfd_send_signal(host_fd(a[0]), a[1] as i32, info, a[3])? as u32)
}

/// Implements pidfd_getfd(2): the target's fd number is its own; the new fd is the guest's.
fn pidfd_getfd(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(super::fd::new_guest_fd(numbers(libc::SYS_pidfd_getfd, &[host_fd(a[0]).into(), int(a[1]), uint(a[2])])? as i32)?)
}
