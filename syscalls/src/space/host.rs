//! Where the guest's memory lies in the host: the reservation's base, and what the host's own
//! tables say of a range (its /proc/self/maps line, mincore).

use super::VmaKind;
use crate::mem::PAGE_SIZE;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Host address of guest address 0, registered by the emulator's guest space. Page operations
/// that [`GuestMemory`] has no primitive for (moving pages for mremap, madvise, msync, mlock,
/// mincore) act on the host range directly; 0 (unit tests) means there is no host range.
/// No host signal handler needs it: what remains of its users (this file, mm.rs, procfs.rs) is
/// to ask guest memory instead ([`GuestMemory::host_addr`], which futex.rs and perf.rs use).
static HOST_BASE: AtomicUsize = AtomicUsize::new(0);

/// Register where guest address 0 lives in the host (guest memory is host memory).
pub fn set_host_base(base: *mut u8) {
    HOST_BASE.store(base as usize, Relaxed);
}

/// The host address of guest address `addr`, when guest memory is host memory.
pub fn host_addr(addr: u32) -> Option<*mut libc::c_void> {
    let base = HOST_BASE.load(Relaxed);
    (base != 0).then(|| (base + addr as usize) as *mut libc::c_void)
}

/// What the host's /proc/self/maps says of its mapping at host address `at`: offset, device,
/// inode and name.
pub(super) fn host_vma_kind(at: usize) -> Option<VmaKind> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let prefix = format!("{at:x}-");
    let line = maps.lines().find(|l| l.starts_with(&prefix))?;
    let mut f = line.splitn(6, ' ');
    let (_, _, offset, dev, ino) = (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
    let name = f.next().unwrap_or("").trim_start();
    let (major, minor) = dev.split_once(':')?;
    let hex = |s: &str| u64::from_str_radix(s, 16).ok();
    Some(VmaKind::File {
        path: name.into(),
        offset: hex(offset)?,
        dev: libc::makedev(hex(major)? as u32, hex(minor)? as u32),
        ino: ino.parse().ok()?,
    })
}

/// Whether any page of guest `[start, end)` is resident on the host (mincore(2)); false without a
/// host range.
pub fn any_resident(start: u32, end: u64) -> bool {
    let Some(host) = host_addr(start) else {
        return false;
    };
    let pages = ((end - u64::from(start)) / u64::from(PAGE_SIZE)) as usize;
    let mut vec = vec![0u8; pages];
    // SAFETY: the range is guest memory inside the reservation; `vec` has a byte per page.
    let r = unsafe { libc::mincore(host, pages * PAGE_SIZE as usize, vec.as_mut_ptr()) };
    r == 0 && vec.iter().any(|b| b & 1 != 0)
}
