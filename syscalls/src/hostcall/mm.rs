//! The host's page calls on guest pages: madvise, msync, mlock, mlock2, munlock, munlockall,
//! mincore, remap_file_pages and the mremap moves behind the guest's mremap (space/). Each takes
//! the pages as a [`HostRange`] from [`crate::mem::pages::host_pages`], so the host acts on guest
//! memory and never on the emulator's own; Rust holds no reference into guest memory across a
//! call (the handlers hold `ctx.mem` mutably), so a host that zaps, moves or remaps the pages
//! changes nothing Rust relies on.

use crate::mem::{HostRange, PAGE_SIZE};
use crate::{host, last_errno, Errno};
use libc::c_void;

/// Advice that would make the emulator's own accesses to guest memory fault or vanish in a
/// forked child (MADV_DONTFORK, MADV_HWPOISON, MADV_SOFT_OFFLINE, MADV_GUARD_INSTALL): refused
/// here, whatever the handler asks.
const REFUSED_ADVICE: &[i32] = &[10, 100, 101, 102];

fn ptr(r: HostRange) -> *mut c_void {
    r.as_ptr().cast()
}

fn zero(r: libc::c_int) -> Result<(), Errno> {
    if r != 0 {
        return Err(last_errno());
    }
    Ok(())
}

/// madvise(2) on guest pages; EINVAL for the advice in [`REFUSED_ADVICE`].
pub fn madvise(r: HostRange, advice: u32) -> Result<(), Errno> {
    let advice = advice as i32;
    if REFUSED_ADVICE.contains(&advice) {
        return Err(Errno::INVAL);
    }
    // SAFETY: guest pages (a HostRange); the advice left changes their contents at most, which no
    // Rust reference covers during the call.
    zero(unsafe { libc::madvise(ptr(r), r.len(), advice) })
}

/// msync(2) on guest pages (MS_SYNC, MS_ASYNC, MS_INVALIDATE only write back or check).
pub fn msync(r: HostRange, flags: i32) -> Result<(), Errno> {
    // SAFETY: guest pages; msync writes dirty pages back to their file or fails with EBUSY.
    zero(unsafe { libc::msync(ptr(r), r.len(), flags) })
}

/// mlock(2) on guest pages: pins (and populates) them.
pub fn mlock(r: HostRange) -> Result<(), Errno> {
    // SAFETY: guest pages; locking changes no contents.
    zero(unsafe { libc::mlock(ptr(r), r.len()) })
}

/// mlock2(2) on guest pages; `onfault` is MLOCK_ONFAULT.
pub fn mlock2(r: HostRange, onfault: bool) -> Result<(), Errno> {
    // SAFETY: guest pages; locking changes no contents.
    host(unsafe { libc::syscall(libc::SYS_mlock2, ptr(r), r.len(), libc::c_uint::from(onfault)) }).map(drop)
}

/// munlock(2) on guest pages.
pub fn munlock(r: HostRange) -> Result<(), Errno> {
    // SAFETY: guest pages; unlocking changes no contents.
    zero(unsafe { libc::munlock(ptr(r), r.len()) })
}

/// munlockall(2): the emulator locks nothing of its own, so this unlocks the guest's pages.
pub fn munlockall() -> Result<(), Errno> {
    rustix::mm::munlockall().map_err(|e| Errno::from_raw_os_error(e.raw_os_error()))
}

/// mincore(2) on guest pages into `out`, a byte per page; EINVAL when `out` is too short.
pub fn mincore(r: HostRange, out: &mut [u8]) -> Result<(), Errno> {
    mincore_at(r.as_ptr() as usize, r.len(), out)
}

/// mincore(2) at any host address (it only looks at the page tables, whoever's pages they are):
/// another reader of the guest's pages than its handlers (/proc's smaps) has no guest memory.
pub fn mincore_at(addr: usize, len: usize, out: &mut [u8]) -> Result<(), Errno> {
    if out.len() < len.div_ceil(PAGE_SIZE as usize) {
        return Err(Errno::INVAL);
    }
    // SAFETY: mincore reads no memory at `addr`; `out` holds a byte for each page of the range.
    zero(unsafe { libc::mincore(addr as *mut c_void, len, out.as_mut_ptr()) })
}

/// remap_file_pages(2) on guest pages (since Linux 4.0 a new shared mapping of the same file over
/// them, which the guest's mapping already is).
pub fn remap_file_pages(r: HostRange, pgoff: u32, flags: i32) -> Result<(), Errno> {
    // SAFETY: guest pages mapped shared from a file; the host maps the file there again.
    host(unsafe { libc::syscall(libc::SYS_remap_file_pages, ptr(r), r.len(), 0, pgoff as usize, flags) }).map(drop)
}

/// Grow the host mapping `old` in place over `tail`, the free guest pages right after it: the
/// tail's reservation is handed back to the host for the mremap. On failure the tail is left
/// unreserved and the caller reserves it again ([`crate::mem::GuestMemory::unmap`]).
pub fn grow_in_place(old: HostRange, tail: HostRange) -> Result<(), Errno> {
    if old.as_ptr().wrapping_add(old.len()) != tail.as_ptr() {
        return Err(Errno::INVAL);
    }
    // SAFETY: free guest pages of the reservation, which nothing in Rust refers to.
    zero(unsafe { libc::munmap(ptr(tail), tail.len()) })?;
    // SAFETY: guest pages grown over the guest pages just freed; without MREMAP_MAYMOVE the
    // mapping stays where it is.
    if unsafe { libc::mremap(ptr(old), old.len(), old.len() + tail.len(), 0) } == libc::MAP_FAILED {
        return Err(last_errno());
    }
    Ok(())
}

/// mremap(2) with MREMAP_MAYMOVE|MREMAP_FIXED (and MREMAP_DONTUNMAP when asked): the pages of
/// `from` move to `to` (`to.len()` the new length), replacing the guest pages there; the host
/// leaves a hole at `from` unless `dont_unmap`, which the caller reserves again.
pub fn move_pages(from: HostRange, to: HostRange, dont_unmap: bool) -> Result<(), Errno> {
    let mut flags = libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED;
    if dont_unmap {
        flags |= libc::MREMAP_DONTUNMAP;
    }
    // SAFETY: both ranges are guest pages; the move replaces guest pages only.
    if unsafe { libc::mremap(ptr(from), from.len(), to.len(), flags, ptr(to)) } == libc::MAP_FAILED {
        return Err(last_errno());
    }
    Ok(())
}
