//! Host memory the emulator shares with its children.

use std::sync::atomic::AtomicU32;

/// A `MAP_SHARED` anonymous mapping of `n` zeroed 32-bit words: a child forked afterwards shares
/// it (it is inherited across fork), and it is never unmapped.
pub fn shared_words(n: usize) -> Option<&'static [AtomicU32]> {
    use rustix::mm::{mmap_anonymous, MapFlags, ProtFlags};
    let len = n.checked_mul(size_of::<AtomicU32>())?;
    // SAFETY: a fresh anonymous mapping at an address the kernel picks; nothing else refers to it.
    let ptr =
        unsafe { mmap_anonymous(std::ptr::null_mut(), len, ProtFlags::READ | ProtFlags::WRITE, MapFlags::SHARED) };
    // SAFETY: `len` bytes, page-aligned, zero-filled (valid AtomicU32s), mapped for the rest of
    // the process and only ever reached through atomics.
    ptr.ok().map(|p| unsafe { std::slice::from_raw_parts(p.cast::<AtomicU32>(), n) })
}
