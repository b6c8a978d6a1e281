//! The host calls behind the private network's shared state (`private::shared`): a
//! `MAP_SHARED` mapping of a memfd that fork and vfork children keep.

use std::os::fd::{BorrowedFd, OwnedFd};

/// A new close-on-exec memfd named `name` (None when the host refuses it).
pub fn memfd(name: &std::ffi::CStr) -> Option<OwnedFd> {
    rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::CLOEXEC).ok()
}

/// `fd` sized to `len` bytes and mapped shared, readable and writable: the mapping's address,
/// or None when the host refuses the size or the mapping. The mapping is never unmapped.
pub fn map_shared(fd: BorrowedFd, len: usize) -> Option<usize> {
    use rustix::mm::{MapFlags, ProtFlags};
    rustix::fs::ftruncate(fd, len as u64).ok()?;
    // SAFETY: a new mapping at an address the kernel picks, over no existing memory.
    let base = unsafe {
        rustix::mm::mmap(std::ptr::null_mut(), len, ProtFlags::READ | ProtFlags::WRITE, MapFlags::SHARED, fd, 0)
    }
    .ok()?;
    Some(base as usize)
}
