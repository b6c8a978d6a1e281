//! kcmp(2) and membarrier(2): calls about the calling process and its relatives that the host
//! answers as it is. Guest pids and fds are the host's, and a guest process's memory, files,
//! filesystem and signal handlers are its host process's (threads and `CLONE_VM` processes are
//! host threads and `CLONE_VM` processes), so the host's comparisons and barriers are the
//! guest's.

use super::fd::host_fd;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::process::{self, KcmpIdx};
use crate::mem::Prot;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

const KCMP_FILE: u32 = 0;
/// KCMP_EPOLL_TFD: the last argument points to `struct kcmp_epoll_slot` (three `__u32`).
const KCMP_EPOLL_TFD: u32 = 7;

const KCMP_TYPES: &[(u32, &str)] = &[
    (KCMP_FILE, "KCMP_FILE"),
    (1, "KCMP_VM"),
    (2, "KCMP_FILES"),
    (3, "KCMP_FS"),
    (4, "KCMP_SIGHAND"),
    (5, "KCMP_IO"),
    (6, "KCMP_SYSVSEM"),
    (KCMP_EPOLL_TFD, "KCMP_EPOLL_TFD"),
];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::kcmp, kcmp, [Int, Int, Enum(KCMP_TYPES), Hex, Hex]),
    entry!(nr::membarrier, membarrier, [Int, Hex, Int]),
];

/// Implements kcmp(2): the host's (its ptrace-access checks included); KCMP_EPOLL_TFD's slot is
/// read by the host from the guest's memory in place.
fn kcmp(ctx: &mut Ctx, a: &Args) -> SysResult {
    // A guest fd number the emulator keeps for itself is no fd of the guest's.
    let fd = |v: u32| host_fd(v) as u32 as libc::c_ulong;
    let (idx1, idx2) = match a[2] {
        KCMP_FILE => (fd(a[3]), KcmpIdx::Number(fd(a[4]))),
        KCMP_EPOLL_TFD => (fd(a[3]), KcmpIdx::Slot(InPlace::new(ctx.mem, a[4], 12, Prot::READ))),
        _ => (a[3].into(), KcmpIdx::Number(a[4].into())),
    };
    Ok(process::kcmp(a[0] as i32, a[1] as i32, a[2] as i32, idx1, idx2)? as u32)
}

/// Implements membarrier(2): the host's, on the process whose threads are the guest's.
fn membarrier(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(process::membarrier(a[0] as i32, a[1], a[2] as i32)? as u32)
}
