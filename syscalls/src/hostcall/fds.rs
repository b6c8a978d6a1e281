//! The host calls that close, replace or borrow fds by number (see `crate::sys::fd`): guest fds
//! are host fds, so these take the raw numbers the handlers computed. Closing or replacing an fd
//! cannot break memory safety; what must hold is I/O safety, that no fd the emulator owns (an
//! `OwnedFd` somewhere) is closed or replaced behind its owner's back. The emulator keeps its own
//! fds at or above the guest's fd floor, and the handlers pass only numbers below it (anything
//! else becomes a negative number the host refuses with EBADF), which is the contract of every
//! function here.
//!
//! rustix has close, dup2 and dup3, but takes an `OwnedFd` for the target and returns nothing
//! from close; the guest needs the host's answer for any number it passes (EBADF for a closed
//! one, a negative target kept negative), so these are the raw calls.

use crate::{host, Errno};
use libc::{c_int, c_uint};
use std::os::fd::BorrowedFd;

/// close(2) of a guest fd number (or a negative one, EBADF).
pub fn close(fd: c_int) -> Result<i64, Errno> {
    // SAFETY: a number only; by this module's contract it is not one of the emulator's fds.
    host(unsafe { libc::syscall(libc::SYS_close, fd) })
}

/// Close an fd the caller just made and has not handed out (a host call's new fd the guest
/// cannot have); the host's answer is of no interest.
pub fn discard(fd: c_int) {
    // SAFETY: the fd was created by the caller's host call and nothing else knows it.
    unsafe { libc::close(fd) };
}

/// dup2(2) of guest fd numbers (a target past the guest's limit is passed negative: EBADF).
pub fn dup2(old: c_int, new: c_int) -> Result<i64, Errno> {
    // SAFETY: numbers only; by this module's contract `new` is not one of the emulator's fds.
    host(unsafe { libc::syscall(libc::SYS_dup2, old, new) })
}

/// dup3(2) of guest fd numbers.
pub fn dup3(old: c_int, new: c_int, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: numbers only; by this module's contract `new` is not one of the emulator's fds.
    host(unsafe { libc::syscall(libc::SYS_dup3, old, new, flags) })
}

/// close_range(2) over guest fd numbers (the caller cuts the range below the fd floor).
pub fn close_range(first: c_uint, last: c_uint, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: numbers only; by this module's contract the range holds no fd of the emulator's.
    host(unsafe { libc::syscall(libc::SYS_close_range, first, last, flags) })
}

/// pipe2(2): the two new fds, read end first.
pub fn pipe2(flags: c_int) -> Result<[c_int; 2], Errno> {
    let mut fds = [-1 as c_int; 2];
    // SAFETY: `fds` is a local array of the two ints the host writes.
    host(unsafe { libc::syscall(libc::SYS_pipe2, fds.as_mut_ptr(), flags) })?;
    Ok(fds)
}

/// A guest fd number (non-negative, below the fd floor) as a borrowed host fd for a rustix call.
/// The borrow is meant for the duration of that one call: the fd may be closed by the guest
/// afterwards, and if it is not open now the host answers EBADF, which is the guest's answer too.
pub fn borrow(fd: c_int) -> BorrowedFd<'static> {
    debug_assert!(fd >= 0);
    // SAFETY: the number is not -1 (the caller checked it is non-negative), and it is held only
    // for one host call on a guest fd the emulator never owns (this module's contract).
    unsafe { BorrowedFd::borrow_raw(fd) }
}
