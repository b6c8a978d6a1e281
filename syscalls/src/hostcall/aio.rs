//! The host's native AIO contexts (fs/aio.c) for sys/aio.rs: io_setup with the ring moved into
//! guest memory, io_destroy and io_cancel. A new context's ring is a [`NewRing`], which only
//! [`io_setup`] makes, so the one mremap here moves the host's ring and nothing else.

use crate::mem::HostRange;
use crate::{host, last_errno, Errno};
use libc::c_ulong;

/// A context the host just made, its ring still where the host mapped it.
pub struct NewRing {
    id: c_ulong,
    len: usize,
}

impl NewRing {
    /// The ring's length in bytes (below 4 GiB, [`io_setup`] checked).
    pub fn ring_len(&self) -> u32 {
        self.len as u32
    }

    /// Destroy the context (its ring goes with it).
    pub fn destroy(self) {
        let _ = io_destroy(self.id);
    }

    /// Move the ring to guest pages `to` (as long as the ring), which it replaces; the kernel's
    /// aio_ring_mremap() makes the new address the context's id. The context is destroyed when
    /// the host refuses.
    pub fn move_to(self, to: HostRange) -> Result<(), Errno> {
        if to.len() != self.len {
            self.destroy();
            return Err(Errno::INVAL);
        }
        let flags = libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED;
        // SAFETY: the source is the host's ring of this new context (no Rust reference to it);
        // the target is guest pages.
        let moved = unsafe { libc::mremap(self.id as *mut libc::c_void, self.len, self.len, flags, to.as_ptr()) };
        if moved == libc::MAP_FAILED {
            let e = last_errno();
            self.destroy();
            return Err(e);
        }
        Ok(())
    }
}

/// io_setup(2) for `nr_events`: the new context, ENOMEM (the context destroyed again) when the
/// host's ring cannot be found in /proc/self/maps or is 4 GiB or longer.
pub fn io_setup(nr_events: u32) -> Result<NewRing, Errno> {
    let mut id: c_ulong = 0;
    // SAFETY: the host writes the new context's id to `id`, a local.
    host(unsafe { libc::syscall(libc::SYS_io_setup, nr_events as libc::c_uint, &mut id as *mut c_ulong) })?;
    match mapping_len(id as usize).filter(|&l| u32::try_from(l).is_ok()) {
        Some(len) => Ok(NewRing { id, len }),
        None => {
            let _ = io_destroy(id);
            Err(Errno::NOMEM)
        }
    }
}

/// The length of the host mapping that starts at `at` (/proc/self/maps).
fn mapping_len(at: usize) -> Option<usize> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let prefix = format!("{at:x}-");
    let line = maps.lines().find(|l| l.starts_with(&prefix))?;
    let end = line[prefix.len()..].split(' ').next()?;
    usize::from_str_radix(end, 16).ok()?.checked_sub(at)
}

/// io_destroy(2) of the host's context `id` (EINVAL for none of this process's).
pub fn io_destroy(id: c_ulong) -> Result<u32, Errno> {
    // SAFETY: a number; the host unmaps only the ring of a context of this process, which is
    // guest memory once moved (a ring never moved is the host's own).
    host(unsafe { libc::syscall(libc::SYS_io_destroy, id) }).map(|r| r as u32)
}

/// io_cancel(2) of the iocb at host address `iocb` (the host reads its aio_key and looks the
/// request up by the address); the host writes nothing through the result argument, "no longer
/// used" (fs/aio.c), which is NULL here.
pub fn io_cancel(id: c_ulong, iocb: usize) -> Result<u32, Errno> {
    // SAFETY: the host only reads through `iocb` (or faults there) and writes through nothing.
    host(unsafe { libc::syscall(libc::SYS_io_cancel, id, iocb, 0usize) }).map(|r| r as u32)
}
