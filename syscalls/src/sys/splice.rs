//! Data moved between fds without passing through guest memory: sendfile(2), sendfile64(2),
//! splice(2), tee(2), copy_file_range(2).
//!
//! The host does the moving; what the guest sees differently from a 64-bit caller is handled here:
//! offsets read from and written back to guest memory (EFAULT), and the 32-bit sendfile's limit
//! (`MAX_NON_LFS`: EOVERFLOW as `do_sendfile` gives it).

use crate::entry;
use crate::hostcall::iovec::{self as hostio, Dir, GuestIovecs};
use crate::mem::GuestMemoryExt;
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
use crate::{abi::nr, Errno, SysResult};
use rustix::fs::OFlags;
use rustix::pipe::SpliceFlags;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::sendfile, may_block sendfile, [Fd, Fd, Ptr, Uint]).blocks().restarts(),
    entry!(nr::sendfile64, may_block sendfile64, [Fd, Fd, Ptr, Uint]).blocks().restarts(),
    entry!(nr::splice, may_block splice, [Fd, Ptr, Fd, Ptr, Uint, Hex]).blocks().restarts(),
    entry!(nr::tee, may_block tee, [Fd, Fd, Uint, Hex]).blocks().restarts(),
    entry!(nr::vmsplice, may_block vmsplice, [Fd, Ptr, Uint, Hex]).blocks().restarts(),
    entry!(nr::copy_file_range, copy_file_range, [Fd, Ptr, Fd, Ptr, Uint, Hex]),
];

/// The largest offset a program without large-file support may reach.
const MAX_NON_LFS: u64 = 0x7fff_ffff;
/// MAX_RW_COUNT: the kernel caps a single transfer to INT_MAX rounded down to a page.
const MAX_RW_COUNT: u32 = 0x7fff_f000;

fn read_off64<H>(ctx: &Ctx<H>, ptr: u32) -> Result<Option<u64>, Errno> {
    if ptr == 0 {
        return Ok(None);
    }
    let off: [u8; 8] = ctx.mem.read_obj(ptr)?;
    Ok(Some(u64::from_le_bytes(off)))
}

/// The checks do_sendfile() makes on the fds before it looks at offsets and sizes.
fn check_sendfile_fds(out_fd: u32, in_fd: u32) -> Result<(), Errno> {
    let input = super::fd(in_fd)?;
    let in_mode = rustix::fs::fcntl_getfl(input)?;
    if in_mode & OFlags::ACCMODE == OFlags::WRONLY || in_mode.contains(OFlags::PATH) {
        return Err(Errno::BADF);
    }
    let output = super::fd(out_fd)?;
    let out_mode = rustix::fs::fcntl_getfl(output)?;
    if out_mode & OFlags::ACCMODE == OFlags::RDONLY || out_mode.contains(OFlags::PATH) {
        return Err(Errno::BADF);
    }
    Ok(())
}

/// Shared by both sendfile entry points: `off` is the guest's offset (if any), `max` the limit.
fn do_sendfile(a: &Args, mut off: Option<u64>, max: u64) -> Result<(u32, Option<u64>), Errno> {
    let mut count = a[3].min(MAX_RW_COUNT) as usize;
    if let Some(pos) = off {
        if pos > i64::MAX as u64 {
            return Err(Errno::INVAL);
        }
        if max == MAX_NON_LFS && pos + count as u64 > max {
            check_sendfile_fds(a[0], a[1])?;
            if pos >= max {
                return Err(Errno::OVERFLOW);
            }
            count = (max - pos) as usize;
        }
    }
    let n = rustix::fs::sendfile(super::fd(a[0])?, super::fd(a[1])?, off.as_mut(), count)?;
    Ok((n as u32, off))
}

/// Implements sendfile(2) with a 32-bit `off_t *offset`.
fn sendfile(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let off = if a[2] == 0 { None } else { Some(ctx.mem.read_u32(a[2])? as i32) };
    if off.is_some_and(|o| o < 0) {
        return Err(Errno::INVAL.into());
    }
    let (n, after) = do_sendfile(a, off.map(|o| o as u64), MAX_NON_LFS)?;
    if let Some(pos) = after {
        ctx.mem.write_u32(a[2], pos as u32)?;
    }
    Ok(n)
}

/// Implements sendfile64(2) with a `loff_t *offset`.
fn sendfile64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let off = read_off64(ctx, a[2])?;
    let (n, after) = do_sendfile(a, off, 0)?;
    if let Some(pos) = after {
        ctx.mem.write(a[2], &pos.to_le_bytes())?;
    }
    Ok(n)
}

/// Write back the offsets of splice and copy_file_range (arguments 1 and 3) that were given.
fn write_offsets<H>(ctx: &mut Ctx<H>, a: &Args, off_in: Option<u64>, off_out: Option<u64>) -> Result<(), Errno> {
    for (ptr, pos) in [(a[1], off_in), (a[3], off_out)] {
        if let Some(pos) = pos {
            ctx.mem.write(ptr, &pos.to_le_bytes())?;
        }
    }
    Ok(())
}

fn splice_flags(bits: u32) -> Result<SpliceFlags, Errno> {
    SpliceFlags::from_bits(bits).ok_or(Errno::INVAL)
}

/// Implements splice(2).
fn splice(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let flags = splice_flags(a[5])?;
    let mut off_in = read_off64(ctx, a[1])?;
    let mut off_out = read_off64(ctx, a[3])?;
    if super::procfs::generated(super::fd(a[0])?) {
        generated_to_pipe(super::fd(a[2])?, off_out, a[4])?;
    }
    let n = rustix::pipe::splice(
        super::fd(a[0])?,
        off_in.as_mut(),
        super::fd(a[2])?,
        off_out.as_mut(),
        a[4] as usize,
        flags,
    )
    // A socket spliced into a pipe answers through its object (sock_splice_read()).
    .map_err(|e| {
        let to_pipe = super::fd(a[2])
            .ok()
            .and_then(|out| rustix::fs::fstat(out).ok())
            .is_some_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo());
        match super::socket::known(a[0]) {
            Some((fd, sock)) if to_pipe => sock.splice_read_error(fd, e),
            _ => e,
        }
    })?;
    write_offsets(ctx, a, off_in, off_out)?;
    Ok(n as u32)
}

/// splice(2) from a generated `/proc` entry (procfs.rs), in do_splice()'s order: the output's
/// mode (EBADF), then a pipe output's offset (ESPIPE), an empty request (0), and the entry's
/// missing splice_read (EINVAL, do_splice_read()). Output that is not a pipe: the host answers.
fn generated_to_pipe(out: rustix::fd::BorrowedFd<'_>, off_out: Option<u64>, len: u32) -> Result<(), Errno> {
    let mode = rustix::fs::fcntl_getfl(out)?;
    if mode & OFlags::ACCMODE == OFlags::RDONLY || mode.contains(OFlags::PATH) {
        return Err(Errno::BADF);
    }
    if !rustix::fs::FileType::from_raw_mode(rustix::fs::fstat(out)?.st_mode).is_fifo() {
        return Ok(());
    }
    if off_out.is_some() {
        return Err(Errno::SPIPE);
    }
    if len == 0 {
        return Ok(());
    }
    Err(Errno::INVAL)
}

/// Implements vmsplice(2) in its order: flags (EINVAL), the fd and which way it goes (a pipe's
/// write end takes guest memory in, a read end copies out to it; EBADF otherwise), then the
/// iovec array at the i386 layout ([`GuestIovecs`]). The host moves the data between the
/// pipe and guest memory, which is host memory.
fn vmsplice(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let flags = splice_flags(a[3])?;
    let fd = super::fd(a[0])?;
    let mode = rustix::fs::fcntl_getfl(fd)?;
    if mode.contains(OFlags::PATH) {
        return Err(Errno::BADF.into());
    }
    let dir = if mode & OFlags::ACCMODE == OFlags::RDONLY { Dir::ToGuest } else { Dir::FromGuest };
    let iov = GuestIovecs::read(ctx.mem, a[1], a[2])?.faulting(ctx.mem, dir);
    let n = hostio::vmsplice(super::fd::host_fd(a[0]), &iov, flags.bits())?;
    Ok(n as u32)
}

/// Implements tee(2).
fn tee(_: &mut BlockingCtx, a: &Args) -> SysResult {
    let flags = splice_flags(a[3])?;
    Ok(rustix::pipe::tee(super::fd(a[0])?, super::fd(a[1])?, a[2] as usize, flags)? as u32)
}

/// Implements copy_file_range(2).
fn copy_file_range(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut off_in = read_off64(ctx, a[1])?;
    let mut off_out = read_off64(ctx, a[3])?;
    // The kernel refuses any flag (EINVAL) before it looks at the fds.
    if a[5] != 0 {
        return Err(Errno::INVAL.into());
    }
    let n = rustix::fs::copy_file_range(
        super::fd(a[0])?,
        off_in.as_mut(),
        super::fd(a[2])?,
        off_out.as_mut(),
        a[4] as usize,
    )?;
    write_offsets(ctx, a, off_in, off_out)?;
    Ok(n as u32)
}
