//! Syscall handlers, one file per family. Each family exports `ENTRIES`, its rows of the table.

pub mod fd;
pub mod fs;
pub mod info;
pub mod mm;
pub mod mm_space;
pub mod process;
pub mod time;

use crate::table::Entry;
use crate::Errno;
use std::os::fd::BorrowedFd;

/// Every family's rows; [`crate::table`] indexes them by number.
pub static FAMILIES: &[&[Entry]] =
    &[fd::ENTRIES, fs::ENTRIES, info::ENTRIES, mm::ENTRIES, process::ENTRIES, time::ENTRIES];

/// A guest fd argument as a host fd (guest fds are host fds). Negative: EBADF.
///
/// The host kernel answers EBADF for a number that is not open, as it would for the guest.
pub fn fd(raw: u32) -> Result<BorrowedFd<'static>, Errno> {
    let fd = raw as i32;
    if fd < 0 {
        return Err(Errno::BADF);
    }
    // SAFETY: the fd is only used for the duration of one host syscall; if it is not open the host
    // answers EBADF, which is the guest's answer too.
    Ok(unsafe { BorrowedFd::borrow_raw(fd) })
}
