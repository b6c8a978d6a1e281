//! The host's futexes: futex(2), futex_waitv(2) and the futex2 calls (kernel/futex/). A guest
//! futex word is host memory, so each call is the host's own on the word's host address
//! (sys/futex.rs). The words reach the host only as a [`Word`]: the host address of guest memory,
//! or one the host refuses; never memory Rust owns.

use crate::abi::futex::*;
use crate::mem::GuestMemory;
use crate::{errno_of, Errno};
use libc::c_int;
use zerocopy::IntoBytes;

/// The futex2 calls' x86-64 numbers (libc has no names for them yet).
const SYS_FUTEX_WAKE: libc::c_long = 454;
const SYS_FUTEX_WAIT: libc::c_long = 455;
const SYS_FUTEX_REQUEUE: libc::c_long = 456;

/// An address above the host's user half: EFAULT for the host, page-aligned.
const BAD_FUTEX: u64 = u64::MAX - 0xfff;

/// A futex word's address as the host sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word(u64);

impl Word {
    /// The word at guest `addr`: its host address (unmapped guest pages are inaccessible host
    /// pages, so the host faults where the kernel would); `None` without host memory.
    pub fn guest(mem: &dyn GuestMemory, addr: u32) -> Option<Word> {
        mem.host_addr(addr).map(|p| Word(p as u64))
    }

    /// An address the host refuses with EFAULT, with the low bits of `addr` (a misaligned one
    /// is still EINVAL: get_futex_key() checks the alignment first).
    pub const fn refused(addr: u64) -> Word {
        Word(BAD_FUTEX | (addr & 3))
    }
}

/// The host's answer: the value, or its errno.
fn answer(r: libc::c_long) -> Result<u32, Errno> {
    if r < 0 {
        return Err(errno_of(&std::io::Error::last_os_error()));
    }
    Ok(r as u32)
}

/// Commands whose fourth argument is a timeout (futex_cmd_has_timeout()); the others take a
/// count (`val2`) there.
pub fn has_timeout(cmd: u32) -> bool {
    matches!(cmd, FUTEX_WAIT | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI)
}

/// Commands whose fifth argument is a second futex word.
pub fn has_uaddr2(cmd: u32) -> bool {
    matches!(cmd, FUTEX_REQUEUE | FUTEX_CMP_REQUEUE | FUTEX_WAKE_OP | FUTEX_CMP_REQUEUE_PI | FUTEX_WAIT_REQUEUE_PI)
}

/// futex(2): `timeout` for the commands that take one, `val2` for the others; `uaddr2` for the
/// commands that take a second word (the others get 0 there, which they ignore).
pub fn futex(
    uaddr: Word,
    op: u32,
    val: u32,
    timeout: Option<&libc::timespec>,
    val2: u32,
    uaddr2: Word,
    val3: u32,
) -> Result<u32, Errno> {
    let cmd = op & FUTEX_CMD_MASK;
    let fourth =
        if has_timeout(cmd) { timeout.map_or(0, |t| t as *const libc::timespec as usize) } else { val2 as usize };
    let second = if has_uaddr2(cmd) { uaddr2.0 } else { 0 };
    // SAFETY: both words are host addresses of guest memory or refused by the host (Word), the
    // fourth argument is a number or a timespec that outlives the call, as the command says.
    answer(unsafe { libc::syscall(libc::SYS_futex, uaddr.0, op as c_int, val as c_int, fourth, second, val3 as c_int) })
}

/// futex_wake(2).
pub fn wake(uaddr: Word, mask: u32, nr: i32, flags: u32) -> Result<u32, Errno> {
    // SAFETY: the word is guest memory or refused (Word); integer arguments.
    answer(unsafe { libc::syscall(SYS_FUTEX_WAKE, uaddr.0, u64::from(mask), nr, flags) })
}

/// A futex wake of one waiter on a shared key (what mm_release() and handle_futex_death() do).
pub fn wake_one(uaddr: Word) {
    // SAFETY: the word is guest memory or refused (Word); integer arguments.
    unsafe { libc::syscall(libc::SYS_futex, uaddr.0, FUTEX_WAKE as c_int, 1, 0usize, 0usize, 0) };
}

/// What a timeout argument is: none, a time, or an address the host refuses (a guest timeout
/// that could not be read, for the host to fail in its own order).
pub enum Timeout<'a> {
    None,
    At(&'a libc::timespec),
    Refused,
}

impl Timeout<'_> {
    fn ptr(&self) -> *const libc::timespec {
        match self {
            Timeout::None => std::ptr::null(),
            Timeout::At(t) => *t,
            Timeout::Refused => BAD_FUTEX as *const libc::timespec,
        }
    }
}

/// futex_wait(2).
pub fn wait(uaddr: Word, val: u32, mask: u32, flags: u32, timeout: Timeout, clockid: c_int) -> Result<u32, Errno> {
    // SAFETY: the word is guest memory or refused (Word), the timeout a local, NULL or refused.
    answer(unsafe {
        libc::syscall(SYS_FUTEX_WAIT, uaddr.0, u64::from(val), u64::from(mask), flags, timeout.ptr(), clockid)
    })
}

/// One host `struct futex_waitv` (linux/futex.h), its word a [`Word`].
#[derive(Debug, Clone, Copy, zerocopy::FromBytes, IntoBytes, zerocopy::Immutable, zerocopy::KnownLayout)]
#[repr(C)]
pub struct Waitv {
    val: u64,
    uaddr: u64,
    flags: u32,
    reserved: u32,
}
const _: () = assert!(size_of::<Waitv>() == 24);

impl Waitv {
    pub fn new(val: u64, uaddr: Word, flags: u32, reserved: u32) -> Waitv {
        Waitv { val, uaddr: uaddr.0, flags, reserved }
    }
}

/// The entries of a guest array for the host: all of them, or, when entry `list.len()` could
/// not be read (`faulted`), those before it followed by an inaccessible page, so that the host
/// checks each as the kernel checks the guest's (futex_parse_waitv() stops at the first bad one),
/// then faults where the guest's kernel would.
enum Entries<'a> {
    All(&'a [Waitv]),
    Faulting(FaultingArray),
}

impl<'a> Entries<'a> {
    fn new(list: &'a [Waitv], faulted: bool) -> Result<Entries<'a>, Errno> {
        Ok(if faulted { Entries::Faulting(FaultingArray::new(list)?) } else { Entries::All(list) })
    }
    fn ptr(&self) -> *const Waitv {
        match self {
            Entries::All(list) => list.as_ptr(),
            Entries::Faulting(f) => f.start,
        }
    }
}

/// Host memory holding entries followed by an inaccessible page.
struct FaultingArray {
    map: *mut libc::c_void,
    start: *const Waitv,
}

impl FaultingArray {
    const PAGE: usize = 4096;

    fn new(entries: &[Waitv]) -> Result<FaultingArray, Errno> {
        let bytes = entries.as_bytes();
        // At most FUTEX_WAITV_MAX - 1 entries before the one that faults.
        if bytes.len() > Self::PAGE {
            return Err(Errno::FAULT);
        }
        // SAFETY: a fresh anonymous mapping of two pages, owned by the returned value.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                2 * Self::PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(Errno::NOMEM);
        }
        let mut array = FaultingArray { map, start: std::ptr::null() };
        // SAFETY: the second page of the mapping made above.
        if unsafe { libc::mprotect(map.cast::<u8>().add(Self::PAGE).cast(), Self::PAGE, libc::PROT_NONE) } != 0 {
            return Err(Errno::NOMEM);
        }
        // SAFETY: `bytes.len()` <= PAGE bytes at the end of the first, writable page.
        unsafe {
            let start = map.cast::<u8>().add(Self::PAGE - bytes.len());
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), start, bytes.len());
            array.start = start.cast();
        }
        Ok(array)
    }
}

impl Drop for FaultingArray {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.map, 2 * Self::PAGE) };
    }
}

/// futex_waitv(2) on `list` (see [`Entries`] for `faulted`): `nr` entries.
pub fn waitv(
    list: &[Waitv],
    faulted: bool,
    nr: u32,
    timeout: Option<&libc::timespec>,
    clockid: c_int,
) -> Result<u32, Errno> {
    let entries = Entries::new(list, faulted)?;
    let nr = if faulted { nr } else { nr.min(list.len() as u32) };
    let ts = timeout.map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `nr` entries of host memory, or those before a faulting one followed by an
    // inaccessible page; each word is guest memory or refused (Word); the timeout outlives the call.
    answer(unsafe { libc::syscall(libc::SYS_futex_waitv, entries.ptr(), nr, 0u32, ts, clockid) })
}

/// futex_requeue(2) on two entries (see [`Entries`] for `faulted`).
pub fn requeue(list: &[Waitv], faulted: bool, flags: u32, nr_wake: i32, nr_requeue: i32) -> Result<u32, Errno> {
    if !faulted && list.len() < 2 {
        return Err(Errno::FAULT);
    }
    let entries = Entries::new(list, faulted)?;
    // SAFETY: two entries of host memory, or those before a faulting one followed by an
    // inaccessible page; each word is guest memory or refused (Word).
    answer(unsafe { libc::syscall(SYS_FUTEX_REQUEUE, entries.ptr(), flags, nr_wake, nr_requeue) })
}
