//! perf_event_open(2) (kernel/events/core.c). The host reads the attr (perf_copy_attr(): its
//! `size` field, then that many bytes when it is between PERF_ATTR_SIZE_VER0 and PAGE_SIZE) and
//! writes only its `size` field back, for E2BIG. The attr is the guest's in place, as an
//! [`InPlace`] (guest memory, or an address the host refuses), or a local copy whose length
//! covers what the host reads.

use super::inplace::InPlace;
use crate::{host, Errno};
use libc::{c_int, c_long, c_ulong};

/// `PERF_ATTR_SIZE_VER0`: the size a 0 in `attr.size` stands for, and the smallest.
const PERF_ATTR_SIZE_VER0: usize = 64;
/// A larger `attr.size` is E2BIG (the kernel's PAGE_SIZE), after only its header was read.
const ATTR_SIZE_MAX: usize = 4096;

/// The attr a perf_event_open(2) gets.
#[derive(Debug)]
pub enum Attr<'a> {
    /// The guest's, in place.
    Guest(InPlace),
    /// A local copy (its `size` field is what the host reads of it).
    Copy(&'a mut [u8]),
}

/// How many bytes of an attr whose header is `head` the host reads.
fn read_len(head: &[u8]) -> Option<usize> {
    let size = head.get(4..8)?.try_into().ok().map(u32::from_le_bytes)? as usize;
    Some(match size {
        0 => PERF_ATTR_SIZE_VER0,
        s if (PERF_ATTR_SIZE_VER0..=ATTR_SIZE_MAX).contains(&s) => s,
        _ => 8,
    })
}

/// perf_event_open(2): the new fd. `pid` is a pid, or a cgroup fd with PERF_FLAG_PID_CGROUP. A
/// copy shorter than what the host would read of it is EFAULT, as a short guest attr is.
pub fn perf_event_open(attr: Attr, pid: c_long, cpu: c_int, group_fd: c_int, flags: c_ulong) -> Result<i64, Errno> {
    let ptr = match attr {
        Attr::Guest(g) => g.ptr(),
        Attr::Copy(c) => {
            if read_len(c).is_none_or(|n| n > c.len()) {
                return Err(Errno::FAULT);
            }
            c.as_mut_ptr().cast()
        }
    };
    // SAFETY: the host reads the attr and writes its 4-byte `size` field: guest memory, a
    // refused address, or a writable local copy at least as long as what the host reads (checked
    // above); the other arguments are numbers.
    host(unsafe {
        libc::syscall(libc::SYS_perf_event_open, ptr, pid, c_long::from(cpu), c_long::from(group_fd), flags)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_must_cover_what_the_host_reads() {
        let mut short = [0u8; 32];
        let attr = Attr::Copy(&mut short);
        assert_eq!(perf_event_open(attr, 0, -1, -1, 0), Err(Errno::FAULT));
        assert_eq!(read_len(&[0, 0, 0, 0, 0, 0, 0, 0]), Some(64));
        assert_eq!(read_len(&[0, 0, 0, 0, 0x10, 0x27, 0, 0]), Some(8));
        assert_eq!(read_len(&[0, 0, 0, 0, 0x80, 0, 0, 0]), Some(128));
        assert_eq!(read_len(&[0, 0]), None);
    }
}
