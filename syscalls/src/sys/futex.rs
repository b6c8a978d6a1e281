//! Fast user-space locking: futex(2), futex_time64(2) and futex_waitv(2).
//!
//! A guest futex word is host memory (guest memory is host memory, one host process for all guest
//! threads), so every operation is the host's own futex on the word's host address: waiting,
//! waking, requeueing, the atomic operation of FUTEX_WAKE_OP, priority inheritance (the word holds
//! tids, and guest tids are host tids) and both clocks all behave as the kernel's, across guest
//! threads and, for shared futexes, across guest processes. What is done here is what differs
//! between the guest and the host call: the i386 `struct timespec` (32-bit, or 64-bit for
//! futex_time64) is read first, as sys_futex() reads it, and becomes the host's; addresses become
//! host addresses; and a word the kernel would write (FUTEX_WAKE_OP's second word, the PI words)
//! on a page the guest mapped without `PROT_WRITE` is EFAULT (the host page of a private mapping
//! stays writable). The run loop lets other guest threads run while a call waits
//! (emu/src/lock.rs).
//!
//! futex_waitv(2) takes an array of `struct futex_waitv`, each holding a 64-bit user pointer: the
//! array is copied with each `uaddr` made a host address, and the host waits on the lot
//! ([`futex_waitv`]).
//!
//! The robust list set_robust_list(2) records (an i386 list the host kernel cannot walk) is walked
//! here when a thread ends ([`exit_robust_list`]); when a process ends, only the list of the thread
//! that ended it is walked.

use crate::abi::futex::*;
use crate::abi::nr;
use crate::abi::time::{KernelTimespec, Timespec32};
use crate::entry;
use crate::hostcall::futex::{self as host, has_timeout, has_uaddr2, Timeout, Waitv, Word};
use crate::mem::{GuestAddr, GuestMemoryExt, Prot};
use crate::replay::DeadlineClock;
use crate::row::{Arg::*, Args, Entry, When};
use crate::task::{BlockingCtx, Ctx};
use crate::{Errno, SysResult};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::futex, may_block futex, [Ptr, Futex { time64: false }, Skip, Skip, Skip, Skip])
        .blocks_if(When::If(may_block))
        .restarts_if(When::If(restarts)),
    entry!(nr::futex_time64, may_block futex_time64, [Ptr, Futex { time64: true }, Skip, Skip, Skip, Skip])
        .blocks_if(When::If(may_block))
        .restarts_if(When::If(restarts)),
    // futex_wait_multiple() answers -ERESTARTSYS when a signal comes; the timeout is absolute.
    entry!(nr::futex_waitv, may_block futex_waitv, [Ptr, Uint, Hex, Timespec64, Int]).blocks().restarts(),
    entry!(nr::futex_wake, futex_wake, [Ptr, Hex, Int, Hex]),
    entry!(nr::futex_wait, may_block futex_wait, [Ptr, Uint, Hex, Hex, Timespec64, Int]).blocks().restarts(),
    entry!(nr::futex_requeue, futex_requeue, [Ptr, Hex, Int, Int]),
];

/// FUTEX2_SIZE_MASK and FUTEX2_SIZE_U64: futex_flags_valid() refuses 64-bit words to a compat
/// task (whatever a 64-bit caller, the emulator, may be allowed).
const FUTEX2_SIZE_MASK: u32 = 3;
const FUTEX2_SIZE_U64: u32 = 3;

/// Implements futex_wake(2): the host's, on the word's host address (a private wake touches no
/// memory: an unmapped word has no waiters, as natively; the alignment is the host's to check).
/// The mask is an `unsigned long`, 32 bits on i386 (zero-extended).
fn futex_wake(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[3] & FUTEX2_SIZE_MASK == FUTEX2_SIZE_U64 {
        return Err(Errno::INVAL.into());
    }
    let uaddr = Word::guest(ctx.mem, a[0]).unwrap_or(Word::refused(0));
    Ok(host::wake(uaddr, a[1], a[2] as i32, a[3])?)
}

/// Implements futex_wait(2): the host's, in sys_futex_wait()'s order (its flag and value checks,
/// then the clock and the absolute timeout, read as get_timespec64() reads a compat task's, then
/// the word, which the host reads at its host address: one the guest cannot read is refused).
fn futex_wait(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let [uaddr, val, mask, flags, timeout, clockid] = *a;
    if flags & FUTEX2_SIZE_MASK == FUTEX2_SIZE_U64 {
        return Err(Errno::INVAL.into());
    }
    let word = waitv_word(ctx, u64::from(uaddr));
    let ts = (timeout != 0).then(|| ctx.mem.read_obj::<KernelTimespec>(timeout).map(|t| t.to_host()));
    let timeout = match &ts {
        None => Timeout::None,
        Some(Ok(t)) => Timeout::At(t),
        Some(Err(_)) => Timeout::Refused,
    };
    Ok(host::wait(word, val, mask, flags, timeout, clockid as libc::c_int)?)
}

/// Implements futex_requeue(2): the two `struct futex_waitv` entries copied with their words made
/// host addresses (as futex_waitv's), then the host's call.
fn futex_requeue(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [waiters, flags, nr_wake, nr_requeue, ..] = *a;
    let mut list = Vec::with_capacity(2);
    for i in 0..2u32 {
        let at = waiters.checked_add(i * size_of::<FutexWaitv>() as u32).ok_or(Errno::FAULT);
        match at.and_then(|at| ctx.mem.read_obj::<FutexWaitv>(at)) {
            Ok(w) => list.push(w.for_host(ctx)),
            Err(_) => break,
        }
    }
    let faulted = list.len() < 2;
    Ok(host::requeue(&list, faulted, flags, nr_wake as i32, nr_requeue as i32)?)
}

/// The clock a command's absolute timeout is on (futex_init_timeout(), kernel/futex/syscalls.c):
/// FUTEX_LOCK_PI always CLOCK_REALTIME, the others CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME.
/// Only FUTEX_WAIT's timeout is relative.
fn deadline_clock(op: u32) -> u32 {
    if op & FUTEX_CMD_MASK == FUTEX_LOCK_PI || op & FUTEX_CLOCK_REALTIME != 0 {
        libc::CLOCK_REALTIME as u32
    } else {
        libc::CLOCK_MONOTONIC as u32
    }
}

/// Whether the call may sleep (the run loop lets other threads run meanwhile).
fn may_block(args: &Args) -> bool {
    matches!(
        args[1] & FUTEX_CMD_MASK,
        FUTEX_WAIT | FUTEX_WAIT_BITSET | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_WAIT_REQUEUE_PI
    )
}

/// Whether an interrupted futex call restarts under SA_RESTART: a wait without a timeout
/// (futex_wait() answers -ERESTARTSYS then; with a timeout it uses a restart block, EINTR under a
/// handler).
fn restarts(args: &Args) -> bool {
    matches!(args[1] & FUTEX_CMD_MASK, FUTEX_WAIT | FUTEX_WAIT_BITSET) && args[3] == 0
}

/// The words the kernel writes for `cmd`: (first, second).
fn writes(cmd: u32) -> (bool, bool) {
    match cmd {
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_TRYLOCK_PI | FUTEX_UNLOCK_PI => (true, false),
        FUTEX_WAKE_OP | FUTEX_CMP_REQUEUE_PI | FUTEX_WAIT_REQUEUE_PI => (false, true),
        _ => (false, false),
    }
}

/// Implements futex(2) with a 32-bit `struct timespec`.
fn futex(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    do_futex(ctx, a, false)
}

/// Implements futex_time64(2).
fn futex_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    do_futex(ctx, a, true)
}

/// The host address of the futex word at `addr`. A word the kernel would write on a page the guest
/// mapped without write permission is EFAULT; a misaligned word is left for the host to refuse
/// (EINVAL, which get_futex_key() checks first).
fn word<H>(ctx: &Ctx<H>, addr: u32, written: bool) -> Result<Word, Errno> {
    if written && addr & 3 == 0 {
        ctx.mem.host_range(addr, 4, Prot::WRITE)?;
    }
    Word::guest(ctx.mem, addr).ok_or(Errno::FAULT)
}

fn do_futex<H>(ctx: &mut Ctx<H>, a: &Args, time64: bool) -> SysResult {
    let [uaddr, op, val, utime, uaddr2, val3] = *a;
    let cmd = op & FUTEX_CMD_MASK;
    // sys_futex(): the timeout is read before anything else is looked at.
    let mut timeout = if has_timeout(cmd) && utime != 0 {
        Some(if time64 {
            ctx.mem.read_obj::<KernelTimespec>(utime)?.to_host()
        } else {
            ctx.mem.read_obj::<Timespec32>(utime)?.to_host()
        })
    } else {
        None
    };
    if let Some(ts) = &mut timeout {
        // Under `emu386 diff`, a deadline computed from a replayed clock reading.
        crate::replay::deadline(DeadlineClock::Clock(deadline_clock(op)), cmd != FUTEX_WAIT, ts);
    }
    let (writes1, writes2) = writes(cmd);
    let host1 = word(ctx, uaddr, writes1)?;
    let host2 = if has_uaddr2(cmd) { word(ctx, uaddr2, writes2)? } else { Word::refused(0) };
    // The fourth argument: the timeout, or val2 as the compat entry passes it (the low 32 bits).
    Ok(host::futex(host1, op, val, timeout.as_ref(), utime, host2, val3)?)
}

/// `struct futex_waitv` (linux/futex.h) as the guest lays it out: the same 24 bytes on i386 and
/// x86-64, `uaddr` a 64-bit user pointer.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct FutexWaitv {
    val: u64,
    uaddr: u64,
    flags: u32,
    reserved: u32,
}
const _: () = assert!(size_of::<FutexWaitv>() == 24);

impl FutexWaitv {
    /// The entry for the host, its word made a host address ([`waitv_word`]).
    fn for_host<H>(self, ctx: &Ctx<H>) -> Waitv {
        Waitv::new(self.val, waitv_word(ctx, self.uaddr), self.flags, self.reserved)
    }
}

/// FUTEX_WAITV_MAX: the most entries one call takes.
const FUTEX_WAITV_MAX: u32 = 128;

/// A guest futex address of a `struct futex_waitv` as the host will see it: the host address of
/// the word, or, for a word the guest cannot read (a PROT_NONE page is readable on the host) or an
/// address a 32-bit task cannot have (high half set), one the host refuses with EFAULT, its low
/// bits kept so that a misaligned one is still EINVAL (get_futex_key() checks the alignment
/// first).
fn waitv_word<H>(ctx: &Ctx<H>, uaddr: u64) -> Word {
    let bad = Word::refused(uaddr);
    let Ok(addr) = u32::try_from(uaddr) else { return bad };
    if addr & 3 == 0 && ctx.mem.host_range(addr, 4, Prot::READ).is_err() {
        return bad;
    }
    Word::guest(ctx.mem, addr).unwrap_or(bad)
}

/// Implements futex_waitv(2) in the order of sys_futex_waitv(): the flags, the count and the array
/// pointer; the clock and the timeout (futex2_setup_timeout(), `tv_nsec` cut to 32 bits as
/// get_timespec64() does for a compat task; its range is the host's to check); then the entries,
/// each copied with its `uaddr` made a host address, and the host checks each entry and waits on
/// them all.
fn futex_waitv(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let [waiters, nr, flags, timeout, clockid, _] = *a;
    if flags != 0 || nr == 0 || nr > FUTEX_WAITV_MAX || waiters == 0 {
        return Err(Errno::INVAL.into());
    }
    let ts = if timeout != 0 {
        if clockid as i32 != libc::CLOCK_REALTIME && clockid as i32 != libc::CLOCK_MONOTONIC {
            return Err(Errno::INVAL.into());
        }
        Some(ctx.mem.read_obj::<KernelTimespec>(timeout)?.to_host())
    } else {
        None
    };
    let mut list = Vec::with_capacity(nr as usize);
    let mut faulted = false;
    for i in 0..nr {
        match GuestAddr::new(waiters).index::<FutexWaitv>(i).and_then(|at| ctx.mem.read_obj::<FutexWaitv>(at)) {
            Ok(w) => list.push(w.for_host(ctx)),
            Err(_) => {
                faulted = true;
                break;
            }
        }
    }
    Ok(host::waitv(&list, faulted, nr, ts.as_ref(), clockid as libc::c_int)?)
}

/// `struct robust_list_head` with i386 pointers.
#[derive(Debug, Clone, Copy, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
struct RobustListHead {
    next: u32,
    futex_offset: i32,
    list_op_pending: u32,
}
const _: () = assert!(size_of::<RobustListHead>() == 12);

/// FUTEX_WAITERS, FUTEX_OWNER_DIED, FUTEX_TID_MASK (linux/futex.h).
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// ROBUST_LIST_LIMIT: how many entries the kernel walks at most.
const ROBUST_LIST_LIMIT: u32 = 2048;

/// The kernel's walk of a dying thread's robust list (compat_exit_robust_list()): each robust
/// futex the thread `tid` still owns is marked FUTEX_OWNER_DIED and one waiter is woken, so that
/// the next locker gets EOWNERDEAD. Any fault ends the walk, as it does in the kernel.
pub fn exit_robust_list(ctx: &mut Ctx, tid: u32) {
    let (head_addr, len) = ctx.task.robust_list;
    if head_addr == 0 || len == 0 {
        return;
    }
    let Ok(head) = ctx.mem.read_obj::<RobustListHead>(head_addr) else {
        return;
    };
    // The low bit of each pointer says the futex is a PI one.
    let target = |entry: u32| entry.wrapping_add_signed(head.futex_offset);
    let pending = head.list_op_pending & !1;
    let mut entry = head.next;
    for _ in 0..ROBUST_LIST_LIMIT {
        if entry & !1 == head_addr {
            break;
        }
        let Ok(next) = ctx.mem.read_u32(entry & !1) else {
            return;
        };
        if entry & !1 != pending && futex_death(ctx, target(entry & !1), tid, entry & 1 != 0, false).is_err() {
            return;
        }
        entry = next;
    }
    if pending != 0 {
        let _ = futex_death(ctx, target(pending), tid, head.list_op_pending & 1 != 0, true);
    }
}

/// handle_futex_death(): mark one futex word whose owner died.
fn futex_death(ctx: &mut Ctx, addr: u32, tid: u32, pi: bool, pending_op: bool) -> Result<(), Errno> {
    if addr & 3 != 0 {
        return Ok(());
    }
    // The word must be guest-writable; it is changed with a host atomic (threads blocked in the
    // host kernel may change it too).
    let host = Word::guest(ctx.mem, addr).ok_or(Errno::FAULT)?;
    let word = crate::mem::atomic_u32(ctx.mem, addr)?;
    let wake = host::wake_one;
    let mut uval = word.load(std::sync::atomic::Ordering::SeqCst);
    loop {
        // A lock being taken when the thread died, not yet owned: wake a waiter to retry.
        if pending_op && !pi && uval == 0 {
            wake(host);
            return Ok(());
        }
        if uval & FUTEX_TID_MASK != tid {
            return Ok(());
        }
        let mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        use std::sync::atomic::Ordering::SeqCst;
        match word.compare_exchange(uval, mval, SeqCst, SeqCst) {
            Ok(_) => break,
            Err(now) => uval = now,
        }
    }
    if !pi && uval & FUTEX_WAITERS != 0 {
        wake(host);
    }
    Ok(())
}

/// The kernel's wake on a thread's exit (mm_release()): store 0 in the `clear_child_tid` word and
/// wake one waiter; a word that cannot be written is skipped, as the kernel skips it.
pub fn clear_child_tid(ctx: &mut Ctx, addr: u32) {
    if addr == 0 || ctx.mem.write_u32(addr, 0).is_err() {
        return;
    }
    if let Some(host) = Word::guest(ctx.mem, addr) {
        host::wake_one(host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_belong_to_the_waiting_commands() {
        assert!(has_timeout(FUTEX_WAIT) && has_timeout(FUTEX_WAIT_BITSET) && has_timeout(FUTEX_LOCK_PI));
        assert!(!has_timeout(FUTEX_WAKE) && !has_timeout(FUTEX_CMP_REQUEUE) && !has_timeout(FUTEX_TRYLOCK_PI));
        assert!(may_block(&[0, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0]));
        assert!(!may_block(&[0, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0]));
    }
}
