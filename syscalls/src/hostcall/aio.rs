//! The host's native AIO contexts (fs/aio.c) for sys/aio.rs: io_setup with the ring moved into
//! guest memory, io_destroy, io_submit, io_cancel and io_getevents/io_pgetevents. A new
//! context's ring is a [`NewRing`], which only [`io_setup`] makes, so the one mremap here moves
//! the host's ring and nothing else.
//!
//! io_submit's iocbs are the guest's own, in place ([`Iocbs`]: each a [`HostRange`] of guest
//! memory), and the host does the transfers they name. This module's contract, which sys/aio.rs
//! keeps when it lends an iocb: the buffer of each (`aio_buf` and `aio_nbytes`) is guest memory,
//! the fault region, or an iovec array [`Iocbs::keep`] holds until the call returns, and its fds
//! are guest fds.

use super::iovec::HostIovecs;
use crate::mem::HostRange;
use crate::{host, last_errno, Errno};
use libc::{c_long, c_ulong};
use std::ptr::null;

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

/// sizeof(struct iocb) (the same on i386 and x86-64).
pub const IOCB_LEN: usize = 64;
/// sizeof(struct io_event).
pub const EVENT_LEN: usize = 32;

/// The guest's iocbs for one io_submit(2), lent in place (see the module's contract), and the
/// host iovec arrays their vectored requests name, kept alive until the call.
#[derive(Debug, Default)]
pub struct Iocbs {
    ptrs: Vec<usize>,
    vecs: Vec<HostIovecs>,
}

impl Iocbs {
    /// The guest iocb `iocb` ([`IOCB_LEN`] bytes of guest memory) is the next one submitted; a
    /// range of another length is refused (EFAULT).
    pub fn push(&mut self, iocb: HostRange) -> Result<(), Errno> {
        if iocb.len() != IOCB_LEN {
            return Err(Errno::FAULT);
        }
        self.ptrs.push(iocb.as_ptr() as usize);
        Ok(())
    }

    /// Keep `v` until the call, for an iocb's `aio_buf` and `aio_nbytes`: its address and count.
    pub fn keep(&mut self, v: HostIovecs) -> (u64, u64) {
        let at = (v.as_slice().as_ptr() as u64, v.len() as u64);
        self.vecs.push(v);
        at
    }

    pub fn len(&self) -> usize {
        self.ptrs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ptrs.is_empty()
    }
}

/// io_submit(2) of `iocbs` on the host's context `id`: how many were submitted.
pub fn io_submit(id: c_ulong, iocbs: &Iocbs) -> Result<i64, Errno> {
    // SAFETY: the iocbs are guest memory, and the buffers they name are guest memory, the fault
    // region or arrays `iocbs` holds (this module's contract); the pointer array is a local.
    host(unsafe { libc::syscall(libc::SYS_io_submit, id, iocbs.ptrs.len() as c_long, iocbs.ptrs.as_ptr()) })
}

/// io_pgetevents on x86-64 (the libc crate has no name for it).
const SYS_IO_PGETEVENTS: c_long = 333;

/// io_getevents(2), or io_pgetevents(2) under `mask` (8 bytes, the kernel's sigset_t), on the
/// host's context `id`: up to `nr` events written to `events` (guest memory that may run into
/// the guard past 4 GiB; `None`: NULL), which must hold them (EFAULT otherwise).
pub fn io_getevents(
    id: c_ulong,
    min_nr: c_long,
    nr: c_long,
    events: Option<HostRange>,
    timeout: Option<&libc::timespec>,
    mask: Option<&[u8; 8]>,
) -> Result<i64, Errno> {
    let room = events.map_or(0, |r| r.len() / EVENT_LEN);
    if usize::try_from(nr).is_ok_and(|n| n > room) && events.is_some() {
        return Err(Errno::FAULT);
    }
    let at = events.map_or(std::ptr::null_mut(), |r| r.as_ptr());
    let ts = timeout.map_or(null(), |t| t as *const libc::timespec);
    match mask {
        // SAFETY: the host writes at most `nr` events to `events` (guest memory, checked above
        // to hold them, or NULL); `ts` is a timespec or NULL.
        None => host(unsafe { libc::syscall(libc::SYS_io_getevents, id, min_nr, nr, at, ts) }),
        Some(m) => {
            // struct __aio_sigset { const sigset_t *sigmask; size_t sigsetsize; }.
            let sigset: [usize; 2] = [m.as_ptr() as usize, m.len()];
            // SAFETY: as above; `sigset` is `struct __aio_sigset` over the 8-byte mask.
            host(unsafe { libc::syscall(SYS_IO_PGETEVENTS, id, min_nr, nr, at, ts, sigset.as_ptr()) })
        }
    }
}
