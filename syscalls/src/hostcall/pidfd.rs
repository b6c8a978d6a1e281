//! pidfd_send_signal(2) on the host.

use super::strings::BAD_PTR;
use crate::{host, Errno};
use libc::{c_int, c_uint};

/// The siginfo pidfd_send_signal(2) reads.
pub enum Info<'a> {
    /// NULL: the kernel makes one up.
    Null,
    /// A host `siginfo_t`, 128 bytes.
    Host(&'a [u8; 128]),
    /// The guest's could not be read: an address the host refuses.
    Fault,
}

/// pidfd_send_signal(2).
pub fn pidfd_send_signal(fd: c_int, sig: c_int, info: Info<'_>, flags: c_uint) -> Result<i64, Errno> {
    let p = match info {
        Info::Null => std::ptr::null(),
        Info::Host(raw) => raw.as_ptr(),
        Info::Fault => BAD_PTR as *const u8,
    };
    // SAFETY: the info is NULL, a live 128-byte siginfo, or an address the host refuses.
    host(unsafe { libc::syscall(libc::SYS_pidfd_send_signal, fd, sig, p, flags) })
}
