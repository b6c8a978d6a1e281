//! The host calls behind the /proc entries the emulator serves (sys/procfs/): the read-only
//! reopen of a served entry as a 32-bit task's open makes it, another emulator process's
//! published address space read with process_vm_readv(2), and the host's shared zero page found
//! through a fresh page.

use super::compat;
use crate::abi::nr;
use crate::{Errno, SysError};
use std::os::fd::{FromRawFd, OwnedFd};

/// Open `link` O_RDONLY|O_CLOEXEC as a 32-bit task does (no O_LARGEFILE in F_GETFL, as for the
/// kernel's entry), through `int $0x80` where the host has it.
pub fn open_read_only_32(link: &str) -> Result<OwnedFd, Errno> {
    if compat::available() {
        let mut path = link.as_bytes().to_vec();
        path.push(0);
        let fd = compat::open(nr::open, [0, libc::O_CLOEXEC as u32, 0, 0], Some(&path)).map_err(|e| match e {
            SysError::Errno(e) => e,
            _ => Errno::IO,
        })?;
        // SAFETY: the fd was just opened and belongs to nothing else.
        return Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) });
    }
    rustix::fs::open(link, rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty())
}

/// Read `buf.len()` bytes at `addr` of process `pid` (process_vm_readv(2)): whether all came.
pub fn read_remote(pid: u32, addr: u64, buf: &mut [u8]) -> bool {
    let local = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    let remote = libc::iovec { iov_base: addr as usize as *mut libc::c_void, iov_len: buf.len() };
    // SAFETY: `local` is `buf`, writable for its length; the remote side is the other process's,
    // which the host checks.
    let n = unsafe { libc::process_vm_readv(pid as libc::pid_t, &local, 1, &remote, 1, 0) };
    n == buf.len() as isize
}

/// Map a fresh private anonymous page, read it once (which maps the shared zero page there),
/// hand its address to `f` and unmap it: `None` when no page could be mapped.
pub fn with_zero_page<R>(f: impl FnOnce(usize) -> R) -> Option<R> {
    // SAFETY: a fresh anonymous mapping, nothing of ours.
    let p = unsafe {
        libc::mmap(std::ptr::null_mut(), 4096, libc::PROT_READ, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0)
    };
    if p == libc::MAP_FAILED {
        return None;
    }
    // SAFETY: the readable page just mapped.
    unsafe { std::ptr::read_volatile(p.cast::<u8>()) };
    let r = f(p as usize);
    // SAFETY: the page mapped above, which nothing refers to any more.
    unsafe { libc::munmap(p, 4096) };
    Some(r)
}
