//! How a guest's arguments become a host syscall's: `int` and `unsigned int` widened as the
//! kernel's compat entry points widen them, 64-bit values split over two registers, strings the
//! host must fail on as the kernel fails on the guest's (a stand-in kernel address for a fault, an
//! over-long string for ENAMETOOLONG), and the result handed back.

use crate::SysResult;
use libc::c_long;

/// A raw host syscall with up to three arguments, all numbers (no pointers), that answers a
/// number: the id calls, getpgid, getsid, personality.
pub(super) fn call(nr: c_long, args: [c_long; 3]) -> SysResult {
    Ok(crate::hostcall::numbers(nr, &args)? as u32)
}

/// A guest `int` argument for the host, sign-extended.
pub(super) fn int(v: u32) -> c_long {
    c_long::from(v as i32)
}

/// A guest `unsigned int` argument for the host, zero-extended.
pub(super) fn uint(v: u32) -> c_long {
    c_long::from(v)
}

/// A guest fd argument for the host (see [`super::fd::host_fd`]).
pub(super) fn fd(raw: u32) -> c_long {
    c_long::from(super::fd::host_fd(raw))
}

/// A guest dirfd argument for the host: AT_FDCWD, or the guest's fd.
pub(super) fn dirfd(raw: u32) -> c_long {
    if raw as i32 == libc::AT_FDCWD {
        c_long::from(libc::AT_FDCWD)
    } else {
        fd(raw)
    }
}

/// A 64-bit value passed in two registers, low word first.
pub(super) fn lohi(lo: u32, hi: u32) -> i64 {
    ((u64::from(hi) << 32) | u64::from(lo)) as i64
}

pub(super) use crate::hostcall::strings::{HostStr, BAD_PTR};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lohi_puts_the_low_word_first() {
        assert_eq!(lohi(0x1234_5678, 0x9), 0x9_1234_5678);
        assert_eq!(lohi(u32::MAX, u32::MAX), -1);
    }
}
