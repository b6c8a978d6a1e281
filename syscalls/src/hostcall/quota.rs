//! The host's quotactl(2) and quotactl_fd(2) (see `crate::sys::quota`): the command's `addr`
//! as the host will use it.

use super::inplace::InPlace;
use super::strings::{HostPath, BAD_PTR};
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint, c_void};

const SYS_QUOTACTL_FD: c_long = 443;

/// The most any quota command reads or writes through `addr` (`struct fs_quota_statv`).
pub const LOCAL_MIN: usize = 160;

/// A quota command's `addr`.
pub enum QuotaAddr<'a> {
    /// Guest memory in place (sized for the command), NULL, or refused.
    Guest(InPlace),
    /// A path (Q_QUOTAON).
    Path(&'a HostPath),
    /// A local struct of the host's layout, read or written; at least [`LOCAL_MIN`] bytes.
    Local(&'a mut [u8]),
    /// A command that does not use `addr`: the host gets an address it refuses.
    Unused,
}

impl QuotaAddr<'_> {
    fn ptr(self) -> Result<*mut c_void, Errno> {
        Ok(match self {
            QuotaAddr::Guest(g) => g.ptr(),
            QuotaAddr::Path(p) => p.ptr().cast_mut().cast(),
            QuotaAddr::Local(b) if b.len() >= LOCAL_MIN => b.as_mut_ptr().cast(),
            QuotaAddr::Local(_) => return Err(Errno::INVAL),
            QuotaAddr::Unused => BAD_PTR as *mut c_void,
        })
    }
}

/// quotactl(2) on the file system of `special`.
pub fn quotactl(cmd: c_uint, special: &HostPath, id: c_int, addr: QuotaAddr<'_>) -> Result<i64, Errno> {
    let addr = addr.ptr()?;
    // SAFETY: a NUL-terminated live string, NULL or a refused address; `addr` is guest memory
    // sized for the command, a live string, a live local as large as any command uses, NULL,
    // or refused.
    host(unsafe { libc::syscall(libc::SYS_quotactl, cmd, special.ptr(), id, addr) })
}

/// quotactl_fd(2).
pub fn quotactl_fd(fd: c_int, cmd: c_uint, id: c_int, addr: QuotaAddr<'_>) -> Result<i64, Errno> {
    let addr = addr.ptr()?;
    // SAFETY: as in `quotactl`.
    host(unsafe { libc::syscall(SYS_QUOTACTL_FD, fd, cmd, id, addr) })
}
