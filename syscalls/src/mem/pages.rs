//! Guest pages as host pages, whatever the guest may do with them, for the host calls that act
//! on pages rather than bytes (madvise, msync, mlock, mincore, mremap): a [`HostRange`] over
//! guest memory and nothing else. Unmapped guest pages are inaccessible host pages of the
//! reservation, so such a call answers for them as the host's kernel would for its own.

use super::{GuestMemory, HostRange};

/// The host pages of guest `[addr, addr+len)`, mapped or not and whatever their protection;
/// `None` when guest memory is not host memory (unit tests' flat memory) or the range goes past
/// 4 GiB.
pub fn host_pages(mem: &dyn GuestMemory, addr: u32, len: usize) -> Option<HostRange> {
    if u64::from(addr) + len as u64 > 1 << 32 {
        return None;
    }
    let ptr = mem.host_addr(addr)?;
    Some(HostRange { ptr, len })
}
