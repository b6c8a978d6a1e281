//! Namespaces: unshare(2) and setns(2).
//!
//! A guest process is a host process, so its namespaces are the host's: both calls go to the host,
//! which decides on privilege and answers its errno in its order (check_unshare_flags(), then the
//! per-namespace checks). What the emulator keeps in step:
//!
//! - The kernel refuses `unshare(CLONE_NEWUSER)` and `setns` into a user or mount namespace in a
//!   multi-threaded process. The emulator's own helper thread (the preemption thread of
//!   emu/src/lock.rs, which outlives the guest's threads) must not make a single-threaded guest
//!   look multi-threaded: the machine ends it first ([`crate::task::Machine::quiesce`]).
//! - After `CLONE_NEWPID` (or a setns into a PID namespace) new children live in another PID
//!   namespace and the kernel refuses `CLONE_THREAD` (copy_process()): the machine's threads are
//!   host threads, which the host would refuse with a different errno, so clone checks it first
//!   ([`pid_ns_changed`]). getpid and gettid are the host's, so a child in a new PID namespace sees
//!   itself as pid 1 with nothing to translate.
//! - Time namespaces need nothing: the emulator has no vDSO, so every clock call is a host
//!   syscall, to which the kernel applies the namespace's offsets.

use crate::abi::nr;
use crate::abi::sched::*;
use crate::entry;
use crate::hostcall::numbers;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// The time-namespace flag, which only unshare(2) and setns(2) take (it is a CSIGNAL bit).
pub const CLONE_NEWTIME: u32 = 0x80;

/// Names for the tracer: the namespace flags (and the sharing flags unshare takes).
pub static UNSHARE_NAMES: &[(u32, &str)] = &[
    (CLONE_NEWTIME, "CLONE_NEWTIME"),
    (CLONE_VM, "CLONE_VM"),
    (CLONE_FS, "CLONE_FS"),
    (CLONE_FILES, "CLONE_FILES"),
    (CLONE_SIGHAND, "CLONE_SIGHAND"),
    (CLONE_THREAD, "CLONE_THREAD"),
    (CLONE_NEWNS, "CLONE_NEWNS"),
    (CLONE_SYSVSEM, "CLONE_SYSVSEM"),
    (CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
    (CLONE_NEWUTS, "CLONE_NEWUTS"),
    (CLONE_NEWIPC, "CLONE_NEWIPC"),
    (CLONE_NEWUSER, "CLONE_NEWUSER"),
    (CLONE_NEWPID, "CLONE_NEWPID"),
    (CLONE_NEWNET, "CLONE_NEWNET"),
];

pub static ENTRIES: &[Entry] =
    &[entry!(nr::unshare, unshare, [Flags(UNSHARE_NAMES)]), entry!(nr::setns, setns, [Fd, Flags(UNSHARE_NAMES)])];

static PID_NS_CHANGED: AtomicBool = AtomicBool::new(false);

/// Whether this process may have moved its children into another PID namespace.
pub fn pid_ns_changed() -> bool {
    PID_NS_CHANGED.load(Relaxed)
}

/// copy_process()'s check for `CLONE_THREAD`: the PID namespace for children must still be the
/// caller's own (EINVAL otherwise).
pub fn thread_allowed() -> bool {
    if !pid_ns_changed() {
        return true;
    }
    let ino = |p: &str| rustix::fs::stat(p).map(|s| (s.st_dev, s.st_ino)).ok();
    ino("/proc/thread-self/ns/pid") == ino("/proc/thread-self/ns/pid_for_children")
}

/// Implements unshare(2): ksys_unshare() on the host.
fn unshare(ctx: &mut Ctx, a: &Args) -> SysResult {
    let flags = a[0];
    if flags & CLONE_NEWUSER != 0 {
        ctx.machine.quiesce();
    }
    // The host changes this thread's (and, for namespaces, its children's) contexts; the guest's
    // view of them is the host's.
    let r = numbers(libc::SYS_unshare, &[(flags as libc::c_int).into()]);
    if flags & CLONE_NEWPID != 0 {
        PID_NS_CHANGED.store(true, Relaxed);
    }
    Ok(r? as u32)
}

/// Implements setns(2): the fd is a guest fd, which is a host fd (a namespace file or a pidfd).
fn setns(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.machine.quiesce();
    let r = numbers(libc::SYS_setns, &[(a[0] as libc::c_int).into(), (a[1] as libc::c_int).into()]);
    if r.is_ok() {
        PID_NS_CHANGED.store(true, Relaxed);
    }
    Ok(r? as u32)
}
