//! process_vm_readv(2) and process_vm_writev(2) (mm/process_vm_access.c) for
//! `crate::sys::process_vm`. The local side is always guest memory ([`HostIovecs`]); the remote
//! side is guest memory too when the target is this process, and otherwise addresses in the
//! target's address space, which the host resolves there (and refuses there: EFAULT, ESRCH,
//! EPERM), never in this one's.

use super::iovec::HostIovecs;
use crate::{host, Errno};
use libc::{c_int, c_long, c_ulong};

/// The remote side of a transfer.
#[derive(Debug)]
pub enum Remote {
    /// The target is this process: its buffers are guest memory.
    Own(HostIovecs),
    /// Addresses in another process's space. By this module's contract the target is not this
    /// process (the caller routes this process's pid to [`Remote::Own`]), so the host never reads
    /// or writes this process's memory through them.
    Other(Vec<libc::iovec>),
}

impl Remote {
    fn as_slice(&self) -> &[libc::iovec] {
        match self {
            Remote::Own(v) => v.as_slice(),
            Remote::Other(v) => v,
        }
    }
}

/// process_vm_writev(2) (`write`) or process_vm_readv(2) between the guest buffers `local` and
/// `remote` of process `pid`, flags 0: the bytes moved.
pub fn transfer(pid: c_int, write: bool, local: &HostIovecs, remote: &Remote) -> Result<i64, Errno> {
    let call = if write { libc::SYS_process_vm_writev } else { libc::SYS_process_vm_readv };
    let (local, remote) = (local.as_slice(), remote.as_slice());
    // SAFETY: the local iovecs are guest memory or the fault region (HostIovecs); the remote
    // ones are too, or addresses in another process, which the host checks there.
    host(unsafe {
        libc::syscall(
            call,
            c_long::from(pid),
            local.as_ptr(),
            local.len() as c_ulong,
            remote.as_ptr(),
            remote.len() as c_ulong,
            0 as c_ulong,
        )
    })
}
