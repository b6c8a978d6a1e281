//! getdents(2), getdents64(2) and readdir(2) (fs/readdir.c). They run as i386 calls on the host
//! (`int $0x80`, [`compat::getdents`] and [`dirent::compat_readdir`]) because ext4 hands a 32-bit
//! caller 32-bit directory hashes as offsets; without that entry, a host getdents64 converted to
//! the i386 records (not exact: old `d_off` truncates 64-bit hash offsets).

use super::{compat, fd_arg};
use crate::abi::nr;
use crate::hostcall::dirent;
use crate::mem::GuestMemoryExt;
use crate::row::Args;
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::c_int;

/// Implements getdents(2) (`struct linux_dirent` of i386).
pub(super) fn getdents(ctx: &mut Ctx, a: &Args) -> SysResult {
    compat_dents(ctx, nr::getdents, a)
}

/// Implements getdents64(2).
pub(super) fn getdents64(ctx: &mut Ctx, a: &Args) -> SysResult {
    compat_dents(ctx, nr::getdents64, a)
}

/// Implements readdir(2), the old one-entry call (compat_old_readdir(), fs/readdir.c): the host's
/// own i386 call into the bounce buffer (so ext4 hands out 32-bit hashes as for a native i386
/// task), then `struct old_linux_dirent` (`d_ino`, `d_offset`, `d_namlen`, the name and its
/// NUL) copied out. The kernel writes the entry before it moves the directory on, so when the
/// guest's entry is not writable the position goes back to where it was, and the answer is
/// EFAULT. `count` is ignored, as the kernel ignores it. Without `int $0x80` on the host the
/// call is a host getdents64 of one entry (offsets as the 64-bit API gives them).
pub(super) fn readdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = fd_arg(a[0]);
    let start = dirent::position(fd);
    let (n, entry) =
        if compat::available() { dirent::compat_readdir(fd as u32, a[2])? } else { one_dirent64(fd, start)? };
    if n == 0 {
        return Ok(0);
    }
    if let Err(e) = ctx.mem.write(a[1], &entry) {
        seek(fd, start);
        return Err(e.into());
    }
    Ok(n)
}

/// Move directory `fd` back to `pos` (when known).
fn seek(fd: c_int, pos: Option<i64>) {
    if let Some(pos) = pos {
        dirent::set_position(fd, pos);
    }
}

/// readdir(2) with a host getdents64: the first entry as `struct old_linux_dirent` and the
/// directory moved to just after it (EOVERFLOW, not moved, for an inode past 32 bits).
fn one_dirent64(fd: c_int, start: Option<i64>) -> Result<(u32, Vec<u8>), Errno> {
    let mut local = vec![0u8; 1024];
    let n = dirent::getdents64(fd, &mut local)?;
    if n < 19 {
        return Ok((0, Vec::new()));
    }
    let ino = u64::from_le_bytes(local[0..8].try_into().unwrap_or_default());
    let next = i64::from_le_bytes(local[8..16].try_into().unwrap_or_default());
    let reclen = usize::from(u16::from_le_bytes([local[16], local[17]])).clamp(19, n);
    let name = &local[19..reclen];
    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
    seek(fd, if u32::try_from(ino).is_err() { start } else { Some(next) });
    let ino = u32::try_from(ino).map_err(|_| Errno::OVERFLOW)?;
    let mut out = Vec::with_capacity(11 + name.len());
    out.extend_from_slice(&ino.to_le_bytes());
    out.extend_from_slice(&(start.unwrap_or(0) as u32).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(name);
    out.push(0);
    Ok((1, out))
}

/// Largest read a getdents call makes at once; a larger guest buffer just gets fewer entries
/// than it could hold, which the call allows.
const DENTS_CHUNK: usize = compat::BOUNCE_LEN;

/// getdents(2)/getdents64(2) as i386 calls on the host, into a buffer below 4 GiB, then copied
/// to the guest. When the guest buffer is not writable the host gets NULL, so that EBADF and
/// EINVAL still come first and the directory position does not move on EFAULT.
fn compat_dents(ctx: &mut Ctx, call: u32, a: &Args) -> SysResult {
    let len = (a[2] as usize).min(DENTS_CHUNK);
    let writable = ctx.mem.slice_mut(a[1], len).is_ok();
    if !compat::available() {
        return host_dents(ctx, call, a, len, writable);
    }
    let bytes = compat::getdents(call, fd_arg(a[0]) as u32, len, !writable)?;
    ctx.mem.write(a[1], &bytes)?;
    Ok(bytes.len() as u32)
}

/// The 64-bit fallback: host getdents64, converted to `struct linux_dirent` for getdents(2)
/// (each old record is no longer than the 64-bit one, so what fits `len` still fits). Not
/// exact: ext4 gives 64-bit hash offsets, which old `d_off` truncates.
fn host_dents(ctx: &mut Ctx, call: u32, a: &Args, len: usize, writable: bool) -> SysResult {
    let fd = fd_arg(a[0]);
    let start = dirent::position(fd);
    let mut local = vec![0u8; len];
    let n = if writable { dirent::getdents64(fd, &mut local)? } else { dirent::getdents64_refused(fd, len)? };
    let data = local.get(..n).ok_or(Errno::IO)?;
    if call == nr::getdents64 {
        ctx.mem.write(a[1], data)?;
        return Ok(n as u32);
    }
    let (out, resume) = old_dirents(data);
    seek(fd, resume.or(if out.is_empty() { start } else { None }));
    if out.is_empty() && n > 0 {
        return Err(Errno::OVERFLOW.into());
    }
    ctx.mem.write(a[1], &out)?;
    Ok(out.len() as u32)
}

/// Convert `linux_dirent64` records to i386 `struct linux_dirent` (ino, off, reclen, name, NUL,
/// padding, type in the last byte), stopping before an inode that needs more than 32 bits, as
/// compat_filldir does; the second value is where to resume when it stopped early.
fn old_dirents(data: &[u8]) -> (Vec<u8>, Option<i64>) {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut last_off = None;
    while let Some(rec) = data.get(at..) {
        let (Some(ino), Some(off), Some(reclen), Some(&kind)) = (
            rec.get(0..8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default())),
            rec.get(8..16).map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default())),
            rec.get(16..18).map(|b| usize::from(u16::from_le_bytes(b.try_into().unwrap_or_default()))),
            rec.get(18),
        ) else {
            break;
        };
        let name = rec.get(19..reclen.max(19)).unwrap_or_default();
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        let Ok(ino) = u32::try_from(ino) else {
            return (out, last_off);
        };
        let size = (10 + name.len() + 2 + 3) & !3;
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&(off as u32).to_le_bytes());
        out.extend_from_slice(&(size as u16).to_le_bytes());
        out.extend_from_slice(name);
        out.resize(out.len() + size - 10 - name.len() - 1, 0);
        out.push(kind);
        last_off = Some(off);
        if reclen == 0 {
            break;
        }
        at += reclen;
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_dirents_have_the_i386_layout_and_stop_at_a_wide_inode() {
        let rec = |ino: u64, off: i64, name: &[u8]| {
            let reclen = (19 + name.len() + 1 + 7) & !7;
            let mut r = Vec::new();
            r.extend_from_slice(&ino.to_le_bytes());
            r.extend_from_slice(&off.to_le_bytes());
            r.extend_from_slice(&(reclen as u16).to_le_bytes());
            r.push(4);
            r.extend_from_slice(name);
            r.resize(reclen, 0);
            r
        };
        let mut data = rec(5, 1, b"ab");
        data.extend(rec(6, 2, b"."));
        let (out, resume) = old_dirents(&data);
        assert_eq!(resume, None);
        assert_eq!(out.len(), 16 + 16);
        assert_eq!(&out[..16], &[5, 0, 0, 0, 1, 0, 0, 0, 16, 0, b'a', b'b', 0, 0, 0, 4]);
        data.extend(rec(1 << 32, 3, b"x"));
        assert_eq!(old_dirents(&data).1, Some(2));
        assert_eq!(old_dirents(&rec(1 << 32, 3, b"x")), (vec![], None));
    }
}
