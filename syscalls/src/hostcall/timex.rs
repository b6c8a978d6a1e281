//! The host's adjtimex(2) and clock_adjtime(2) (see `crate::sys::timex`), on locals of the host's
//! `struct __kernel_timex` (x86-64's `struct timex`, 208 bytes).

use crate::{host, Errno};
use libc::c_int;

/// The host's `struct timex` size.
pub const TIMEX_SIZE: usize = 208;
const _: () = assert!(size_of::<libc::timex>() == TIMEX_SIZE);

/// A `struct timex` with every field 0.
pub fn zeroed() -> libc::timex {
    // SAFETY: `struct timex` is plain integers, for which all zero bytes are a valid value.
    unsafe { std::mem::zeroed() }
}

/// adjtimex(2): the host reads and writes `tx`.
pub fn adjtimex(tx: &mut libc::timex) -> Result<i64, Errno> {
    // SAFETY: a live local `struct timex`.
    host(unsafe { libc::syscall(libc::SYS_adjtimex, tx as *mut libc::timex) })
}

/// clock_adjtime(2) on a `struct timex`.
pub fn clock_adjtime(clock: c_int, tx: &mut libc::timex) -> Result<i64, Errno> {
    // SAFETY: a live local `struct timex`.
    host(unsafe { libc::syscall(libc::SYS_clock_adjtime, clock, tx as *mut libc::timex) })
}

/// clock_adjtime(2) on the bytes of a `struct timex` (copied in and out by the host, which needs
/// no alignment for that).
pub fn clock_adjtime_bytes(clock: c_int, tx: &mut [u8; TIMEX_SIZE]) -> Result<i64, Errno> {
    // SAFETY: a live local buffer of the struct's size.
    host(unsafe { libc::syscall(libc::SYS_clock_adjtime, clock, tx.as_mut_ptr()) })
}
