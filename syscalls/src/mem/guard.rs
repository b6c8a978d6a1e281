//! The guard after the guest space: the host reservation of guest memory runs [`GUARD`] bytes
//! past 4 GiB and never maps them (emu/src/mem.rs, which asserts that its guard is at least this
//! long), so a host call that writes an array starting in guest memory faults there, not in the
//! emulator's memory, for as long as the array ends inside the guard.

use super::{GuestMemory, HostRange};

/// Bytes after 4 GiB that the reservation keeps inaccessible.
pub const GUARD: u64 = 1 << 20;

/// The host pages of guest `[addr, addr+len)`, mapped or not and whatever their protection, where
/// the range may run past 4 GiB into the guard; `None` when it runs past the guard or guest memory
/// is not host memory (unit tests' flat memory).
pub fn host_pages_to_guard(mem: &dyn GuestMemory, addr: u32, len: usize) -> Option<HostRange> {
    if u64::from(addr) + len as u64 > (1 << 32) + GUARD {
        return None;
    }
    let ptr = mem.host_addr(addr)?;
    Some(HostRange { ptr, len })
}
