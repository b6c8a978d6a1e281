//! Guest iovec arrays and the host transfers that move data through them.
//!
//! [`GuestIovecs`] reads an i386 `struct compat_iovec` array with the kernel's checks, in its
//! order (lib/iov_iter.c `__import_iovec`, `copy_compat_iovec_from_user`). It becomes host
//! iovecs ([`HostIovecs`]) that cover only guest memory or the fault region ([`fault_page`]), and
//! only this module makes those, so the transfers below ([`plain`], [`vector`]) are safe to call
//! with any fd and any of them: the host reads or writes guest memory and nothing of the
//! emulator's, or faults in the fault region where the guest's kernel would.

use crate::abi::net::IoVec;
use crate::mem::{GuestMemory, GuestMemoryExt, HostRange, Prot, PAGE_SIZE};
use crate::{host, Errno};
use libc::{c_int, c_long, c_void};
use std::sync::OnceLock;

/// `UIO_MAXIOV`: the most entries an iovec array may have.
pub const UIO_MAXIOV: u32 = 1024;
/// `MAX_RW_COUNT`: the most one read or write transfers (`INT_MAX & PAGE_MASK`).
pub const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// A host region that is never accessible, [`MAX_RW_COUNT`] bytes long: it stands for the part of a
/// guest buffer from its first bad byte on, so the host's copy faults exactly where the guest's
/// would, and the host decides what that means (a short count for a file, EFAULT for a pipe
/// chunk, 0 at end of file…). Null if it cannot be reserved (page 0 is never mapped either).
pub fn fault_page() -> *mut c_void {
    static PAGE: OnceLock<usize> = OnceLock::new();
    let addr = *PAGE.get_or_init(|| {
        // SAFETY: a fresh PROT_NONE reservation that nothing else refers to; it is never freed.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                MAX_RW_COUNT as usize,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            0
        } else {
            p as usize
        }
    });
    addr as *mut c_void
}

/// Which way a transfer moves data through guest memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// The host writes guest memory (read, readv, …).
    ToGuest,
    /// The host reads guest memory (write, writev, …).
    FromGuest,
}

impl Dir {
    /// The access the host makes to guest memory.
    pub fn access(self) -> Prot {
        match self {
            Dir::ToGuest => Prot::WRITE,
            Dir::FromGuest => Prot::READ,
        }
    }
}

/// A guest iovec array as the kernel imports it: the guest buffers `(address, length)`, lengths
/// capped at [`MAX_RW_COUNT`] in total (the last counted one shortened, the rest 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestIovecs {
    segs: Vec<(u32, usize)>,
}

impl GuestIovecs {
    /// The `count` entries at `vec`: more than [`UIO_MAXIOV`] is EINVAL; entries are read in
    /// order, an unreadable one is EFAULT and a negative length EINVAL.
    pub fn read(mem: &dyn GuestMemory, vec: u32, count: u32) -> Result<GuestIovecs, Errno> {
        if count > UIO_MAXIOV {
            return Err(Errno::INVAL);
        }
        let mut segs = Vec::with_capacity(count as usize);
        let mut total = 0u64;
        let mut lens = Vec::with_capacity(count as usize);
        for i in 0..count {
            let iov: IoVec = mem.read_obj(crate::mem::GuestAddr::new(vec).index::<IoVec>(i)?)?;
            if (iov.len as i32) < 0 {
                return Err(Errno::INVAL);
            }
            segs.push((iov.base, 0));
            lens.push(u64::from(iov.len));
        }
        for (seg, len) in segs.iter_mut().zip(lens) {
            let len = len.min(MAX_RW_COUNT - total);
            total += len;
            seg.1 = len as usize;
        }
        Ok(GuestIovecs { segs })
    }

    /// One guest buffer of `count` bytes, capped at [`MAX_RW_COUNT`] as `rw_verify_area` caps it.
    pub fn single(addr: u32, count: u32) -> GuestIovecs {
        GuestIovecs { segs: vec![(addr, u64::from(count).min(MAX_RW_COUNT) as usize)] }
    }

    /// Buffers already imported (and cut) by the caller, `(guest address, length)`.
    pub fn from_segments(segs: Vec<(u32, usize)>) -> GuestIovecs {
        GuestIovecs { segs }
    }

    /// The buffers, `(guest address, length)`.
    pub fn segments(&self) -> &[(u32, usize)] {
        &self.segs
    }

    pub fn len(&self) -> usize {
        self.segs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    /// Host iovecs that fault where the guest's kernel copy would: buffers the guest can access
    /// in full pass as they are; the first one it cannot becomes its accessible prefix followed
    /// by a stretch of the fault region as long as everything left, so the host transfer has the
    /// guest's total length and faults at the guest's first bad byte.
    pub fn faulting(&self, mem: &mut dyn GuestMemory, dir: Dir) -> HostIovecs {
        let segs = &self.segs;
        let mut iov = Vec::with_capacity(segs.len() + 1);
        for (i, &(base, len)) in segs.iter().enumerate() {
            let n = accessible_prefix(mem, base, len, dir);
            let p = host_ptr(mem, base, n, dir);
            if let Some(p) = p.filter(|_| n > 0 || len == 0) {
                iov.push(libc::iovec { iov_base: p, iov_len: n });
            }
            if n == len && p.is_some() {
                continue;
            }
            let rest = (len - n) + segs.iter().skip(i + 1).map(|s| s.1).sum::<usize>();
            // The host takes at most UIO_MAXIOV segments; past that the transfer just stops here.
            if iov.len() < UIO_MAXIOV as usize {
                iov.push(libc::iovec { iov_base: fault_page(), iov_len: rest.min(MAX_RW_COUNT as usize) });
            }
            break;
        }
        HostIovecs(iov)
    }

    /// Host iovecs straight over guest memory, each buffer checked as
    /// [`GuestMemory::host_range`] checks it (EFAULT for a page mapped without `access`); an
    /// empty buffer is NULL.
    pub fn in_place(&self, mem: &dyn GuestMemory, access: Prot) -> Result<HostIovecs, Errno> {
        let mut out = Vec::with_capacity(self.segs.len());
        for &(base, len) in &self.segs {
            let p = if len == 0 { std::ptr::null_mut() } else { mem.host_buf(base, len, access)?.as_ptr() };
            out.push(libc::iovec { iov_base: p.cast(), iov_len: len });
        }
        Ok(HostIovecs(out))
    }
}

/// How many bytes from the start of `[addr, addr+len)` the guest may access for `dir`: where a
/// kernel copy loop would stop with a fault.
fn accessible_prefix(mem: &mut dyn GuestMemory, addr: u32, len: usize, dir: Dir) -> usize {
    if dir == Dir::FromGuest {
        return mem.readable_prefix(addr, len).len();
    }
    if mem.slice_mut(addr, len).is_ok() {
        return len;
    }
    let mut done = 0usize;
    while done < len {
        let Some(at) = u32::try_from(done).ok().and_then(|d| addr.checked_add(d)) else {
            break;
        };
        let chunk = ((PAGE_SIZE - at % PAGE_SIZE) as usize).min(len - done);
        if mem.slice_mut(at, chunk).is_err() {
            break;
        }
        done += chunk;
    }
    done
}

/// The host address of `n` accessible guest bytes at `addr` (`n` from [`accessible_prefix`]).
fn host_ptr(mem: &mut dyn GuestMemory, addr: u32, n: usize, dir: Dir) -> Option<*mut c_void> {
    match dir {
        Dir::ToGuest => mem.slice_mut(addr, n).ok().map(|s| s.as_mut_ptr().cast()),
        Dir::FromGuest => GuestMemory::slice(mem, addr, n).ok().map(|s| s.as_ptr().cast_mut().cast()),
    }
}

/// Host iovecs over guest memory or the fault region, made only by [`GuestIovecs`]. The
/// pointers stay valid for the host call that follows: guest memory does not move.
#[derive(Debug, Default)]
pub struct HostIovecs(Vec<libc::iovec>);

impl HostIovecs {
    pub fn as_slice(&self) -> &[libc::iovec] {
        &self.0
    }

    pub fn as_mut_slice(&mut self) -> &mut [libc::iovec] {
        &mut self.0
    }

    /// The iovecs as a plain vector (for a host call that takes them with others, like
    /// io_submit's).
    pub fn into_vec(self) -> Vec<libc::iovec> {
        self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The one buffer, when there is exactly one and it is guest memory.
    pub fn single(&self) -> Option<HostBuf> {
        match self.0.as_slice() {
            [one] if one.iov_base != fault_page() => Some(HostBuf { ptr: one.iov_base, len: one.iov_len }),
            _ => None,
        }
    }

    /// The array for the host: NULL when empty.
    fn ptr(&self) -> *const libc::iovec {
        if self.0.is_empty() {
            std::ptr::null()
        } else {
            self.0.as_ptr()
        }
    }
}

/// One buffer of guest memory for a plain transfer: a [`HostRange`] or the one guest buffer of
/// [`HostIovecs`].
#[derive(Clone, Copy, Debug)]
pub struct HostBuf {
    ptr: *mut c_void,
    len: usize,
}

impl From<HostRange> for HostBuf {
    fn from(r: HostRange) -> Self {
        HostBuf { ptr: r.as_ptr().cast(), len: r.len() }
    }
}

/// A transfer through one buffer.
#[derive(Clone, Copy, Debug)]
pub enum Plain {
    Read,
    Write,
    /// pread64 at this offset.
    Pread(i64),
    /// pwrite64 at this offset.
    Pwrite(i64),
}

/// A transfer through an iovec array.
#[derive(Clone, Copy, Debug)]
pub enum Vector {
    Readv,
    Writev,
    /// preadv at this offset.
    Preadv(i64),
    /// pwritev at this offset.
    Pwritev(i64),
    /// preadv2 at this offset (-1: the file position) with these `RWF_*` flags.
    Preadv2(i64, c_int),
    /// pwritev2 at this offset with these `RWF_*` flags.
    Pwritev2(i64, c_int),
}

/// read(2), write(2), pread64(2) or pwrite64(2) on host fd `fd` through `buf`.
pub fn plain(fd: c_int, op: Plain, buf: HostBuf) -> Result<i64, Errno> {
    let (p, n) = (buf.ptr, buf.len);
    // SAFETY: `buf` is guest memory (a HostRange or a guest buffer of HostIovecs), which the
    // host may read or write; the emulator holds no Rust reference into it across the call.
    host(unsafe {
        match op {
            Plain::Read => libc::syscall(libc::SYS_read, fd, p, n),
            Plain::Write => libc::syscall(libc::SYS_write, fd, p, n),
            Plain::Pread(pos) => libc::syscall(libc::SYS_pread64, fd, p, n, pos),
            Plain::Pwrite(pos) => libc::syscall(libc::SYS_pwrite64, fd, p, n, pos),
        }
    })
}

/// readv(2), writev(2), preadv(2), pwritev(2), preadv2(2) or pwritev2(2) on host fd `fd` through
/// `iov` (an empty array: the host's checks before it reads the array, and nothing moves). The
/// x86-64 calls take the whole offset in their low-word argument.
pub fn vector(fd: c_int, op: Vector, iov: &HostIovecs) -> Result<i64, Errno> {
    let (v, n) = (iov.ptr(), iov.len());
    // SAFETY: the iovecs cover guest memory or the fault region only (HostIovecs), and the array
    // lives across the call.
    host(unsafe {
        match op {
            Vector::Readv => libc::syscall(libc::SYS_readv, fd, v, n),
            Vector::Writev => libc::syscall(libc::SYS_writev, fd, v, n),
            Vector::Preadv(pos) => libc::syscall(libc::SYS_preadv, fd, v, n, pos, 0 as c_long),
            Vector::Pwritev(pos) => libc::syscall(libc::SYS_pwritev, fd, v, n, pos, 0 as c_long),
            Vector::Preadv2(pos, f) => libc::syscall(libc::SYS_preadv2, fd, v, n, pos, 0 as c_long, f),
            Vector::Pwritev2(pos, f) => libc::syscall(libc::SYS_pwritev2, fd, v, n, pos, 0 as c_long, f),
        }
    })
}

/// vmsplice(2) on host fd `fd` through `iov`, with `SPLICE_F_*` `flags`.
pub fn vmsplice(fd: c_int, iov: &HostIovecs, flags: libc::c_uint) -> Result<i64, Errno> {
    // SAFETY: the iovecs cover guest memory or the fault region only (HostIovecs), and the array
    // lives across the call.
    host(unsafe { libc::syscall(libc::SYS_vmsplice, fd, iov.ptr(), iov.len(), flags) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::testing::FlatMemory;

    fn iovec_at(m: &mut FlatMemory, at: u32, segs: &[(u32, i32)]) {
        for (i, (base, len)) in segs.iter().enumerate() {
            let mut raw = [0u8; 8];
            raw[..4].copy_from_slice(&base.to_le_bytes());
            raw[4..].copy_from_slice(&len.to_le_bytes());
            m.write(at + 8 * i as u32, &raw).unwrap();
        }
    }

    fn import(m: &mut FlatMemory, vec: u32, count: u32, dir: Dir) -> Result<Vec<libc::iovec>, Errno> {
        Ok(GuestIovecs::read(m, vec, count)?.faulting(m, dir).into_vec())
    }

    #[test]
    fn iovec_checks_count_entries_and_lengths_in_order() {
        let mut m = FlatMemory::new(0x1000, 0x1000);
        assert_eq!(import(&mut m, 0x1000, UIO_MAXIOV + 1, Dir::ToGuest).unwrap_err(), Errno::INVAL);
        assert!(import(&mut m, 0x1000, 0, Dir::ToGuest).unwrap().is_empty());
        // Entry 1 runs off the end of memory: EFAULT; a negative length before it wins.
        iovec_at(&mut m, 0x1ff8, &[(0x1000, 4)]);
        assert_eq!(import(&mut m, 0x1ff8, 2, Dir::ToGuest).unwrap_err(), Errno::FAULT);
        iovec_at(&mut m, 0x1ff8, &[(0x1000, -1)]);
        assert_eq!(import(&mut m, 0x1ff8, 2, Dir::ToGuest).unwrap_err(), Errno::INVAL);
        // An array that wraps past 4 GiB is EFAULT, not the bottom of memory.
        assert_eq!(import(&mut m, 0xffff_fffc, 1, Dir::ToGuest).unwrap_err(), Errno::FAULT);
    }

    #[test]
    fn iovec_faults_where_the_guest_would_with_the_guest_total() {
        let mut m = FlatMemory::new(0x1000, 0x1000);
        let lens = |iov: &[libc::iovec]| iov.iter().map(|v| v.iov_len).collect::<Vec<_>>();
        iovec_at(&mut m, 0x1000, &[(0x1100, 16), (0x1ff0, 32), (0x1200, 8)]);
        let iov = import(&mut m, 0x1000, 3, Dir::ToGuest).unwrap();
        assert_eq!(lens(&iov), [16, 16, 24]);
        assert_eq!(iov[2].iov_base, fault_page());
        iovec_at(&mut m, 0x1000, &[(0x1100, 0), (0x9000, 32), (0x1200, 8)]);
        let iov = import(&mut m, 0x1000, 3, Dir::ToGuest).unwrap();
        assert_eq!(lens(&iov), [0, 40]);
        assert_eq!(iov[1].iov_base, fault_page());
        // Lengths are capped at MAX_RW_COUNT in total.
        iovec_at(&mut m, 0x1000, &[(0x1100, i32::MAX), (0x1100, i32::MAX)]);
        let iov = import(&mut m, 0x1000, 2, Dir::FromGuest).unwrap();
        assert_eq!(iov.iter().map(|v| v.iov_len as u64).sum::<u64>(), MAX_RW_COUNT);
    }

    #[test]
    fn in_place_iovecs_are_null_when_empty_and_refuse_bad_buffers() {
        let mut m = FlatMemory::new(0x1000, 0x1000);
        iovec_at(&mut m, 0x1000, &[(0x1100, 0), (0x1200, 8), (0x9000, 8)]);
        let g = GuestIovecs::read(&m, 0x1000, 2).unwrap();
        assert_eq!(g.segments(), [(0x1100, 0), (0x1200, 8)]);
        let iov = g.in_place(&m, Prot::READ).unwrap();
        assert!(iov.as_slice()[0].iov_base.is_null());
        assert!(!iov.as_slice()[1].iov_base.is_null());
        let g = GuestIovecs::read(&m, 0x1000, 3).unwrap();
        assert_eq!(g.in_place(&m, Prot::READ).unwrap_err(), Errno::FAULT);
    }
}
