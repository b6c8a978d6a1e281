//! Process fds: pidfd_open(2). Guest pids are host pids, so the fd is the host's own pidfd.

use super::hostarg::{int, new_fd, uint};
use crate::abi::nr;
use crate::entry;
use crate::table::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

const O_NONBLOCK: u32 = 0o4000;
const PIDFD_FLAGS: &[(u32, &str)] = &[(O_NONBLOCK, "PIDFD_NONBLOCK"), (0o200, "PIDFD_THREAD")];

pub static ENTRIES: &[Entry] = &[entry!(nr::pidfd_open, pidfd_open, [Int, Flags(PIDFD_FLAGS)])];

/// Implements pidfd_open(2): guest pids are host pids.
fn pidfd_open(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: integer arguments.
    new_fd(unsafe { libc::syscall(libc::SYS_pidfd_open, int(a[0]), uint(a[1])) })
}
