//! perf_event_open(2).
//!
//! `struct perf_event_attr` is the same on i386 and x86-64 (fixed-size fields, `__u64` for the
//! addresses), and the fd reads `__u64` counts, so the call is the host's on the guest's own
//! struct (guest memory is host memory: the kernel reads it, and writes the size back for E2BIG,
//! where the guest's kernel would). The counters count what the host thread does, which for a
//! guest thread is the emulator running it: the events exist and count, their values are not a
//! native run's. The fd's ioctls are in [`super::fd`]'s table.
//!
//! Hardware breakpoints (PERF_TYPE_BREAKPOINT) answer ENOENT, what a kernel without the breakpoint
//! PMU answers, after every check before it (the host makes them on a copy of the attr whose type
//! it does not know): the guest's `bp_addr` is a guest address, its code runs translated elsewhere
//! and its data is reached through the emulator, so a breakpoint at the host address would trap in
//! the emulator, never where the guest program is.

use super::fd::{host_fd, new_guest_fd};
use super::hostarg::int;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::perf::{self, Attr};
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

const PERF_FLAGS: &[(u32, &str)] = &[
    (1, "PERF_FLAG_FD_NO_GROUP"),
    (2, "PERF_FLAG_FD_OUTPUT"),
    (4, "PERF_FLAG_PID_CGROUP"),
    (8, "PERF_FLAG_FD_CLOEXEC"),
];

pub static ENTRIES: &[Entry] = &[entry!(nr::perf_event_open, perf_event_open, [Ptr, Int, Int, Fd, Flags(PERF_FLAGS)])];

/// `PERF_TYPE_BREAKPOINT`.
const PERF_TYPE_BREAKPOINT: u32 = 5;
/// `PERF_ATTR_SIZE_VER0`: the size a 0 in `attr.size` stands for, and the smallest.
const PERF_ATTR_SIZE_VER0: usize = 64;
/// A larger `attr.size` is E2BIG (the kernel's PAGE_SIZE).
const ATTR_SIZE_MAX: usize = 4096;

/// Implements perf_event_open(2): sys_perf_event_open() on the host (flags, then
/// perf_copy_attr(), then the checks of the attr, the fds and the pid, then the PMU), on the
/// guest's attr in place, or on a copy of it for a breakpoint (see the module comment).
fn perf_event_open(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [attr, pid, cpu, group_fd, flags, _] = *a;
    let mut copy: Vec<u8> = Vec::new();
    let head: Option<[u32; 2]> = ctx.mem.read_obj::<[u32; 2]>(attr).ok();
    let host_attr = match head {
        Some([kind, size]) if kind == PERF_TYPE_BREAKPOINT => {
            let size = if size == 0 { PERF_ATTR_SIZE_VER0 } else { size as usize };
            if (PERF_ATTR_SIZE_VER0..=ATTR_SIZE_MAX).contains(&size) {
                copy.resize(size, 0);
                if ctx.mem.read(attr, &mut copy).is_ok() {
                    // A type no PMU has: ENOENT from perf_init_event().
                    copy[..4].copy_from_slice(&u32::MAX.to_le_bytes());
                    Attr::Copy(&mut copy)
                } else {
                    Attr::Guest(InPlace::Refused)
                }
            } else {
                guest_attr(ctx.mem, attr, head)
            }
        }
        _ => guest_attr(ctx.mem, attr, head),
    };
    // PERF_FLAG_PID_CGROUP makes `pid` a cgroup fd (a guest fd is a host fd).
    let pid = if flags & 4 != 0 { libc::c_long::from(host_fd(pid)) } else { int(pid) };
    let fd = perf::perf_event_open(host_attr, pid, cpu as i32, host_fd(group_fd), libc::c_ulong::from(flags))?;
    Ok(new_guest_fd(fd as i32)?)
}

/// The guest's attr for the host, in place over the bytes the host reads of it (`head`: its type
/// and size, `None` when unreadable); NULL is refused (page 0 is never guest memory either, but
/// the host's page 0 is not the guest's).
fn guest_attr(mem: &dyn crate::mem::GuestMemory, attr: u32, head: Option<[u32; 2]>) -> Attr<'static> {
    if attr == 0 {
        return Attr::Guest(InPlace::Refused);
    }
    let len = match head.map(|[_, size]| size as usize) {
        Some(0) => PERF_ATTR_SIZE_VER0,
        Some(size) if (PERF_ATTR_SIZE_VER0..=ATTR_SIZE_MAX).contains(&size) => size,
        _ => 8,
    };
    Attr::Guest(InPlace::new(mem, attr, len, Prot::READ))
}
