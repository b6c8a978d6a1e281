//! Guest memory a host call reads or writes in place, as the host will see it: NULL, the guest's
//! bytes (a [`HostRange`], which only the memory layer hands out, so the host touches guest
//! memory and nothing of the emulator's), or an address the host refuses with EFAULT where, and
//! only where, it touches it (after its own earlier checks, as the guest's kernel would).

use super::strings::BAD_PTR;
use crate::mem::{GuestMemory, GuestMemoryExt, HostRange, Prot};
use libc::c_void;
use std::ptr::null_mut;

/// A guest buffer for a host call.
#[derive(Clone, Copy, Debug)]
pub enum InPlace {
    Null,
    Guest(HostRange),
    Refused,
}

impl InPlace {
    /// `len` bytes at `addr` accessed with `access`: NULL stays NULL, a range the guest may not
    /// access that way is refused.
    pub fn new(mem: &dyn GuestMemory, addr: u32, len: usize, access: Prot) -> InPlace {
        if addr == 0 {
            return InPlace::Null;
        }
        mem.host_buf(addr, len.max(1), access).map_or(InPlace::Refused, InPlace::Guest)
    }

    /// The pointer the host gets.
    pub fn ptr(self) -> *mut c_void {
        match self {
            InPlace::Null => null_mut(),
            InPlace::Guest(r) => r.as_ptr().cast(),
            InPlace::Refused => BAD_PTR as *mut c_void,
        }
    }
}
