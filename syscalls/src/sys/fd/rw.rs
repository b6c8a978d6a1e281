//! The transfers: read(2)/write(2), their vector and positioned forms, and the guest buffers
//! they move data through (see [`super`] on why buffers are not checked up front).

use super::*;

// ---------------------------------------------------------------------------------------------
// Host calls and guest buffers

/// A host region that is never accessible, [`MAX_RW_COUNT`] bytes long: it stands for the part of a
/// guest buffer from its first bad byte on, so the host's copy faults exactly where the guest's
/// would, and the host decides what that means (a short count for a file, EFAULT for a pipe
/// chunk, 0 at end of file…). Null if it cannot be reserved (page 0 is never mapped either).
pub(crate) fn fault_page() -> *mut libc::c_void {
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
    addr as *mut libc::c_void
}

/// Which way a transfer moves data through guest memory.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(in crate::sys) enum Dir {
    /// The host writes guest memory (read, readv, …).
    ToGuest,
    /// The host reads guest memory (write, writev, …).
    FromGuest,
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
fn host_ptr(mem: &mut dyn GuestMemory, addr: u32, n: usize, dir: Dir) -> Option<*mut libc::c_void> {
    match dir {
        Dir::ToGuest => mem.slice_mut(addr, n).ok().map(|s| s.as_mut_ptr().cast()),
        Dir::FromGuest => GuestMemory::slice(mem, addr, n).ok().map(|s| s.as_ptr().cast_mut().cast()),
    }
}

/// Host iovecs for guest buffers `(addr, len)` (lengths already capped at MAX_RW_COUNT in
/// total): buffers the guest can access in full pass as they are; the first one it cannot becomes
/// its accessible prefix followed by a stretch of the fault region as long as everything left, so
/// the host transfer has the guest's total length and faults at the guest's first bad byte.
fn host_iovecs(mem: &mut dyn GuestMemory, segs: &[(u32, usize)], dir: Dir) -> Vec<libc::iovec> {
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
        // The host takes at most IOV_MAX segments; past that the transfer just stops here.
        if iov.len() < IOV_MAX as usize {
            iov.push(libc::iovec { iov_base: fault_page(), iov_len: rest.min(MAX_RW_COUNT as usize) });
        }
        break;
    }
    iov
}

/// `UIO_MAXIOV`.
const IOV_MAX: u32 = 1024;
/// `MAX_RW_COUNT`: the most one read or write transfers (`INT_MAX & PAGE_MASK`).
const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// The guest's `struct iovec` array (8 bytes each on i386) as host iovecs (lib/iov_iter.c
/// `__import_iovec`): more than IOV_MAX entries is EINVAL; entries are read in order, an unreadable
/// one is EFAULT and a negative length EINVAL; the total is capped at MAX_RW_COUNT. Buffers are
/// translated by [`host_iovecs`].
pub(in crate::sys) fn import_iovec(
    mem: &mut dyn GuestMemory,
    vec: u32,
    vlen: u32,
    dir: Dir,
) -> Result<Vec<libc::iovec>, Errno> {
    if vlen > IOV_MAX {
        return Err(Errno::INVAL);
    }
    let mut segs = Vec::with_capacity(vlen as usize);
    for i in 0..vlen {
        let at = vec.checked_add(i * 8).ok_or(Errno::FAULT)?;
        let raw: [u8; 8] = mem.read_obj(at)?;
        let base = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let len = i32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
        if len < 0 {
            return Err(Errno::INVAL);
        }
        segs.push((base, len as u64));
    }
    let mut total = 0u64;
    for seg in &mut segs {
        seg.1 = seg.1.min(MAX_RW_COUNT - total);
        total += seg.1;
    }
    let segs: Vec<(u32, usize)> = segs.into_iter().map(|(b, l)| (b, l as usize)).collect();
    Ok(host_iovecs(mem, &segs, dir))
}

// ---------------------------------------------------------------------------------------------
// read, write and their vector and positioned forms

/// One guest buffer as host iovecs (see [`host_iovecs`]); `count` is capped at MAX_RW_COUNT as
/// `rw_verify_area` caps it.
fn one_buf(mem: &mut dyn GuestMemory, addr: u32, count: u32, dir: Dir) -> Vec<libc::iovec> {
    host_iovecs(mem, &[(addr, (u64::from(count).min(MAX_RW_COUNT)) as usize)], dir)
}

/// The plain and positioned transfers: a buffer the guest can access in full goes to `plain` as
/// one; otherwise the host gets the vector form (`vector`) with the fault region after the good
/// part, so a fault part-way is the host's to judge, as the kernel's copy loop judges it.
fn transfer<H>(
    ctx: &mut Ctx<H>,
    a: &Args,
    dir: Dir,
    plain: impl Fn(i32, *mut libc::c_void, usize) -> libc::c_long,
    vector: impl Fn(i32, *const libc::iovec, usize) -> libc::c_long,
) -> SysResult {
    let fd = host_fd(a[0]);
    let iov = one_buf(ctx.mem, a[1], a[2], dir);
    match iov.as_slice() {
        [one] if one.iov_base != fault_page() => ret(plain(fd, one.iov_base, one.iov_len)),
        _ => {
            // A buffer whose bad pages are unmapped (inaccessible on the host too) goes to the
            // plain call as it is: the host faults where the guest's kernel would, also for files
            // that take a transfer whole (an eventfd's 8 bytes: EFAULT, where the vector form
            // would hand it a short first segment: EINVAL).
            let n = u64::from(a[2]).min(MAX_RW_COUNT) as usize;
            let access = if dir == Dir::ToGuest { Prot::WRITE } else { Prot::READ };
            match ctx.mem.host_range(a[1], n, access) {
                Ok(p) => ret(plain(fd, p.cast(), n)),
                Err(_) => ret(vector(fd, iov.as_ptr(), iov.len())),
            }
        }
    }
}

/// read(2), write(2), readv(2) or writev(2) (`vectored`) on a socket whose object the socket table
/// knows (not a plain host socket): sock_read_iter() and sock_write_iter(), through the object.
/// `None` for every other fd (one relaxed load while the table is empty).
fn socket_transfer<H>(ctx: &mut Ctx<H>, a: &Args, dir: Dir, vectored: bool) -> Option<SysResult> {
    let (fd, sock) = crate::sys::socket::known(a[0])?;
    let iov = if vectored {
        import_iovec(ctx.mem, a[1], a[2], dir)
    } else {
        let n = u64::from(a[2]).min(MAX_RW_COUNT) as usize;
        let access = if dir == Dir::ToGuest { Prot::WRITE } else { Prot::READ };
        ctx.mem.host_range(a[1], n, access).map(|p| vec![libc::iovec { iov_base: p.cast(), iov_len: n }])
    };
    let mut iov = match iov {
        Ok(iov) => iov,
        Err(e) => return Some(Err(e.into())),
    };
    let done = if dir == Dir::ToGuest { sock.read(fd, &mut iov) } else { sock.write(fd, &mut iov) };
    Some(done.map(|n| n as u32).map_err(Into::into))
}

/// Implements read(2): straight into guest memory.
pub(super) fn read(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::ToGuest, false) {
        return r;
    }
    // SAFETY: the buffers are guest memory the guest may write, or the fault region.
    transfer(
        ctx,
        a,
        Dir::ToGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_read, fd, p, n) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_readv, fd, iov, n) },
    )
}

/// Implements write(2): straight from guest memory.
pub(super) fn write(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::FromGuest, false) {
        return r;
    }
    // SAFETY: the buffers are guest memory the guest may read, or the fault region.
    transfer(
        ctx,
        a,
        Dir::FromGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_write, fd, p, n) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_writev, fd, iov, n) },
    )
}

/// Implements pread64(2): the offset comes in two registers, low word first.
pub(super) fn pread64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `read`. The x86-64 preadv takes the whole offset in its low-word argument.
    transfer(
        ctx,
        a,
        Dir::ToGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_pread64, fd, p, n, pos) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_preadv, fd, iov, n, pos, 0) },
    )
}

/// Implements pwrite64(2).
pub(super) fn pwrite64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `write`.
    transfer(
        ctx,
        a,
        Dir::FromGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_pwrite64, fd, p, n, pos) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_pwritev, fd, iov, n, pos, 0) },
    )
}

/// The vector calls. The host call is made twice: first with no segments, which runs every check
/// the kernel makes before it reads the iovec array (offset, fd, mode, seekability), then with the
/// translated array. `call(fd, iov, count)` is the host syscall.
fn vector<H>(
    ctx: &mut Ctx<H>,
    a: &Args,
    dir: Dir,
    call: impl Fn(i32, *const libc::iovec, usize) -> libc::c_long,
) -> SysResult {
    let fd = host_fd(a[0]);
    host(call(fd, std::ptr::null(), 0))?;
    let iov = import_iovec(ctx.mem, a[1], a[2], dir)?;
    if iov.is_empty() {
        return Ok(0);
    }
    ret(call(fd, iov.as_ptr(), iov.len()))
}

/// Implements readv(2).
pub(super) fn readv(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::ToGuest, true) {
        return r;
    }
    // SAFETY: the iovecs describe guest memory the guest may write, or the fault page.
    vector(ctx, a, Dir::ToGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_readv, fd, iov, n) })
}

/// Implements writev(2).
pub(super) fn writev(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::FromGuest, true) {
        return r;
    }
    // SAFETY: the iovecs describe guest memory the guest may read, or the fault page.
    vector(ctx, a, Dir::FromGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_writev, fd, iov, n) })
}

/// Implements preadv(2): `(fd, iov, iovcnt, pos_low, pos_high)`.
pub(super) fn preadv(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `readv`. The x86-64 call takes the whole offset in its low-word argument.
    vector(ctx, a, Dir::ToGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_preadv, fd, iov, n, pos, 0) })
}

/// Implements pwritev(2).
pub(super) fn pwritev(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `writev`.
    vector(ctx, a, Dir::FromGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_pwritev, fd, iov, n, pos, 0) })
}

/// Implements preadv2(2): offset -1 means the file position; `RWF_*` flags go to the host.
pub(super) fn preadv2(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (pos, flags) = (lohi(a[3], a[4]), a[5] as libc::c_int);
    // SAFETY: as in `readv`.
    vector(ctx, a, Dir::ToGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_preadv2, fd, iov, n, pos, 0, flags) })
}

/// Implements pwritev2(2).
pub(super) fn pwritev2(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (pos, flags) = (lohi(a[3], a[4]), a[5] as libc::c_int);
    // SAFETY: as in `writev`.
    vector(ctx, a, Dir::FromGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_pwritev2, fd, iov, n, pos, 0, flags) })
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

    #[test]
    fn iovec_checks_count_entries_and_lengths_in_order() {
        let mut m = FlatMemory::new(0x1000, 0x1000);
        assert_eq!(import_iovec(&mut m, 0x1000, IOV_MAX + 1, Dir::ToGuest).unwrap_err(), Errno::INVAL);
        assert!(import_iovec(&mut m, 0x1000, 0, Dir::ToGuest).unwrap().is_empty());
        // Entry 1 runs off the end of memory: EFAULT; a negative length before it wins.
        iovec_at(&mut m, 0x1ff8, &[(0x1000, 4)]);
        assert_eq!(import_iovec(&mut m, 0x1ff8, 2, Dir::ToGuest).unwrap_err(), Errno::FAULT);
        iovec_at(&mut m, 0x1ff8, &[(0x1000, -1)]);
        assert_eq!(import_iovec(&mut m, 0x1ff8, 2, Dir::ToGuest).unwrap_err(), Errno::INVAL);
    }

    #[test]
    fn iovec_faults_where_the_guest_would_with_the_guest_total() {
        let mut m = FlatMemory::new(0x1000, 0x1000);
        let lens = |iov: &[libc::iovec]| iov.iter().map(|v| v.iov_len).collect::<Vec<_>>();
        iovec_at(&mut m, 0x1000, &[(0x1100, 16), (0x1ff0, 32), (0x1200, 8)]);
        let iov = import_iovec(&mut m, 0x1000, 3, Dir::ToGuest).unwrap();
        assert_eq!(lens(&iov), [16, 16, 24]);
        assert_eq!(iov[2].iov_base, fault_page());
        iovec_at(&mut m, 0x1000, &[(0x1100, 0), (0x9000, 32), (0x1200, 8)]);
        let iov = import_iovec(&mut m, 0x1000, 3, Dir::ToGuest).unwrap();
        assert_eq!(lens(&iov), [0, 40]);
        assert_eq!(iov[1].iov_base, fault_page());
        // Lengths are capped at MAX_RW_COUNT in total.
        iovec_at(&mut m, 0x1000, &[(0x1100, i32::MAX), (0x1100, i32::MAX)]);
        let iov = import_iovec(&mut m, 0x1000, 2, Dir::FromGuest).unwrap();
        assert_eq!(iov.iter().map(|v| v.iov_len as u64).sum::<u64>(), MAX_RW_COUNT);
    }
}
