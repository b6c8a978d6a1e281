//! The transfers: read(2)/write(2), their vector and positioned forms, and the guest buffers
//! they move data through (see [`super`] on why buffers are not checked up front).

use super::*;

// ---------------------------------------------------------------------------------------------
// Guest buffers

pub(crate) use crate::hostcall::iovec::fault_page;
pub(in crate::sys) use crate::hostcall::iovec::Dir;
use crate::hostcall::iovec::{self as hostio, GuestIovecs, HostBuf, HostIovecs, Plain, Vector, MAX_RW_COUNT};

/// The guest's `struct iovec` array as host iovecs that fault where the guest's kernel copy
/// would ([`GuestIovecs`]), for the calls that hand them to the host with other arguments.
pub(in crate::sys) fn import_iovec(
    mem: &mut dyn GuestMemory,
    vec: u32,
    vlen: u32,
    dir: Dir,
) -> Result<Vec<libc::iovec>, Errno> {
    Ok(GuestIovecs::read(mem, vec, vlen)?.faulting(mem, dir).into_vec())
}

// ---------------------------------------------------------------------------------------------
// read, write and their vector and positioned forms

/// The plain and positioned transfers: a buffer the guest can access in full goes to the plain
/// call (`op`) as one; otherwise the host gets the vector form (`vector`) with the fault region
/// after the good part, so a fault part-way is the host's to judge, as the kernel's copy loop
/// judges it.
fn transfer<H>(ctx: &mut Ctx<H>, a: &Args, dir: Dir, op: Plain, vector: Vector) -> SysResult {
    let fd = host_fd(a[0]);
    let iov = GuestIovecs::single(a[1], a[2]).faulting(ctx.mem, dir);
    if let Some(one) = iov.single() {
        return Ok(hostio::plain(fd, op, one)? as u32);
    }
    // A buffer whose bad pages are unmapped (inaccessible on the host too) goes to the plain call
    // as it is: the host faults where the guest's kernel would, also for files that take a
    // transfer whole (an eventfd's 8 bytes: EFAULT, where the vector form would hand it a short
    // first segment: EINVAL).
    let n = u64::from(a[2]).min(MAX_RW_COUNT) as usize;
    match ctx.mem.host_buf(a[1], n, dir.access()) {
        Ok(r) => Ok(hostio::plain(fd, op, HostBuf::from(r))? as u32),
        Err(_) => Ok(hostio::vector(fd, vector, &iov)? as u32),
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
        ctx.mem.host_buf(a[1], n, dir.access()).map(|r| vec![libc::iovec { iov_base: r.as_ptr().cast(), iov_len: n }])
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
    transfer(ctx, a, Dir::ToGuest, Plain::Read, Vector::Readv)
}

/// Implements write(2): straight from guest memory.
pub(super) fn write(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::FromGuest, false) {
        return r;
    }
    transfer(ctx, a, Dir::FromGuest, Plain::Write, Vector::Writev)
}

/// Implements pread64(2): the offset comes in two registers, low word first.
pub(super) fn pread64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    transfer(ctx, a, Dir::ToGuest, Plain::Pread(pos), Vector::Preadv(pos))
}

/// Implements pwrite64(2).
pub(super) fn pwrite64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    transfer(ctx, a, Dir::FromGuest, Plain::Pwrite(pos), Vector::Pwritev(pos))
}

/// The vector calls. The host call is made twice: first with no segments, which runs every check
/// the kernel makes before it reads the iovec array (offset, fd, mode, seekability), then with the
/// translated array.
fn vector<H>(ctx: &mut Ctx<H>, a: &Args, dir: Dir, op: Vector) -> SysResult {
    let fd = host_fd(a[0]);
    hostio::vector(fd, op, &HostIovecs::default())?;
    let iov = GuestIovecs::read(ctx.mem, a[1], a[2])?.faulting(ctx.mem, dir);
    if iov.is_empty() {
        return Ok(0);
    }
    Ok(hostio::vector(fd, op, &iov)? as u32)
}

/// Implements readv(2).
pub(super) fn readv(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::ToGuest, true) {
        return r;
    }
    vector(ctx, a, Dir::ToGuest, Vector::Readv)
}

/// Implements writev(2).
pub(super) fn writev(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::FromGuest, true) {
        return r;
    }
    vector(ctx, a, Dir::FromGuest, Vector::Writev)
}

/// Implements preadv(2): `(fd, iov, iovcnt, pos_low, pos_high)`.
pub(super) fn preadv(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    vector(ctx, a, Dir::ToGuest, Vector::Preadv(lohi(a[3], a[4])))
}

/// Implements pwritev(2).
pub(super) fn pwritev(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    vector(ctx, a, Dir::FromGuest, Vector::Pwritev(lohi(a[3], a[4])))
}

/// Implements preadv2(2): offset -1 means the file position; `RWF_*` flags go to the host.
pub(super) fn preadv2(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    vector(ctx, a, Dir::ToGuest, Vector::Preadv2(lohi(a[3], a[4]), a[5] as libc::c_int))
}

/// Implements pwritev2(2).
pub(super) fn pwritev2(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    vector(ctx, a, Dir::FromGuest, Vector::Pwritev2(lohi(a[3], a[4]), a[5] as libc::c_int))
}
