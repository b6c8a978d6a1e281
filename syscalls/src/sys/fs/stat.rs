//! The stat family and statfs: the host fills its x86-64 struct, and the guest gets the i386
//! layout it asked for, with EOVERFLOW decided as the compat code decides it (arch/x86
//! `cp_stat64`, fs/stat.c `cp_compat_stat` and `cp_old_stat`, fs/statfs.c `put_compat_statfs*`).
//! Path errors come from the host first; EFAULT on the result buffer comes last, as in the kernel.

use super::{dirfd_arg, fd_arg, follow_unless, int, path, Follow, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::abi::stat::{OldStat, Stat, Stat64, Statfs, Statfs64, STATX_SIZE};
use crate::hostcall::stat::{self as host, HostStat, HostStatfs};
use crate::mem::GuestMemoryExt;
use crate::row::Args;
use crate::task::Ctx;
use crate::{Errno, SysResult};
use zerocopy::{FromBytes, FromZeros};

/// newfstatat(2) on the host with the guest's flags.
fn host_fstatat(dfd: libc::c_int, p: &super::HostPath, flags: u32) -> Result<HostStat, Errno> {
    host::fstatat(dfd, p, int(flags))
}

/// Fill the named fields of an i386 `struct stat64` as cp_stat64 does; padding is left alone.
fn fill_stat64(out: &mut Stat64, st: &HostStat) {
    out.st_dev = st.st_dev.into();
    out.__st_ino = (st.st_ino as u32).into();
    out.st_ino = st.st_ino.into();
    out.st_mode = st.st_mode.into();
    out.st_nlink = (st.st_nlink as u32).into();
    out.st_uid = st.st_uid.into();
    out.st_gid = st.st_gid.into();
    out.st_rdev = st.st_rdev.into();
    out.st_size = st.st_size.into();
    out.st_atime = (st.st_atime as u32).into();
    out.st_atime_nsec = (st.st_atime_nsec as u32).into();
    out.st_mtime = (st.st_mtime as u32).into();
    out.st_mtime_nsec = (st.st_mtime_nsec as u32).into();
    out.st_ctime = (st.st_ctime as u32).into();
    out.st_ctime_nsec = (st.st_ctime_nsec as u32).into();
    out.st_blksize = (st.st_blksize as u32).into();
    out.st_blocks = (st.st_blocks as u64).into();
}

fn put_stat64(ctx: &mut Ctx, addr: u32, st: &HostStat) -> SysResult {
    let buf = ctx.mem.slice_mut(addr, size_of::<Stat64>())?;
    let out = Stat64::mut_from_bytes(buf).map_err(|_| Errno::FAULT)?;
    fill_stat64(out, st);
    Ok(0)
}

/// `high2lowuid()`: ids above 16 bits become the overflow id.
fn low16(id: u32) -> u16 {
    u16::try_from(id).unwrap_or(OVERFLOW_ID)
}
/// `/proc/sys/kernel/overflowuid` at its default.
const OVERFLOW_ID: u16 = 65534;

/// The i386 `struct stat` of the compat stat calls, or EOVERFLOW as cp_compat_stat decides.
fn compat_stat(st: &HostStat) -> Result<Stat, Errno> {
    let ino = u32::try_from(st.st_ino).map_err(|_| Errno::OVERFLOW)?;
    let nlink = u16::try_from(st.st_nlink).map_err(|_| Errno::OVERFLOW)?;
    let size = u32::try_from(st.st_size).ok().filter(|&s| s <= i32::MAX as u32).ok_or(Errno::OVERFLOW)?;
    Ok(Stat {
        st_dev: (st.st_dev as u32).into(),
        st_ino: ino.into(),
        st_mode: (st.st_mode as u16).into(),
        st_nlink: nlink.into(),
        st_uid: low16(st.st_uid).into(),
        st_gid: low16(st.st_gid).into(),
        st_rdev: (st.st_rdev as u32).into(),
        st_size: size.into(),
        st_blksize: (st.st_blksize as u32).into(),
        st_blocks: (st.st_blocks as u32).into(),
        st_atime: (st.st_atime as u32).into(),
        st_atime_nsec: (st.st_atime_nsec as u32).into(),
        st_mtime: (st.st_mtime as u32).into(),
        st_mtime_nsec: (st.st_mtime_nsec as u32).into(),
        st_ctime: (st.st_ctime as u32).into(),
        st_ctime_nsec: (st.st_ctime_nsec as u32).into(),
        ..Stat::new_zeroed()
    })
}

fn put_stat(ctx: &mut Ctx, addr: u32, st: &HostStat) -> SysResult {
    let out = compat_stat(st)?;
    ctx.mem.write_obj(addr, &out)?;
    Ok(0)
}

/// `struct __old_kernel_stat` as cp_old_stat fills it on a 64-bit kernel: EOVERFLOW for an inode
/// or link count beyond 16 bits; the size is truncated, not checked (BITS_PER_LONG is 64).
fn old_stat(st: &HostStat) -> Result<OldStat, Errno> {
    let old_dev = |d: u64| ((libc::major(d) << 8) | libc::minor(d)) as u16;
    Ok(OldStat {
        st_dev: old_dev(st.st_dev).into(),
        st_ino: u16::try_from(st.st_ino).map_err(|_| Errno::OVERFLOW)?.into(),
        st_mode: (st.st_mode as u16).into(),
        st_nlink: u16::try_from(st.st_nlink).map_err(|_| Errno::OVERFLOW)?.into(),
        st_uid: low16(st.st_uid).into(),
        st_gid: low16(st.st_gid).into(),
        st_rdev: old_dev(st.st_rdev).into(),
        st_size: (st.st_size as u32).into(),
        st_atime: (st.st_atime as u32).into(),
        st_mtime: (st.st_mtime as u32).into(),
        st_ctime: (st.st_ctime as u32).into(),
        ..OldStat::new_zeroed()
    })
}

fn put_old_stat(ctx: &mut Ctx, addr: u32, st: &HostStat) -> SysResult {
    let out = old_stat(st)?;
    ctx.mem.write_obj(addr, &out)?;
    Ok(0)
}

/// Implements oldstat(2) (18, `struct __old_kernel_stat`).
pub(super) fn oldstat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host_fstatat(AT_FDCWD, &path(ctx, a[0], Follow::Yes), 0)?;
    put_old_stat(ctx, a[1], &st)
}

/// Implements oldlstat(2) (84).
pub(super) fn oldlstat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host_fstatat(AT_FDCWD, &path(ctx, a[0], Follow::No), AT_SYMLINK_NOFOLLOW)?;
    put_old_stat(ctx, a[1], &st)
}

/// Implements oldfstat(2) (28).
pub(super) fn oldfstat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host::fstat(fd_arg(a[0]))?;
    put_old_stat(ctx, a[1], &st)
}

/// Implements stat(2) (106, `struct stat`).
pub(super) fn stat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host_fstatat(AT_FDCWD, &path(ctx, a[0], Follow::Yes), 0)?;
    put_stat(ctx, a[1], &st)
}

/// Implements lstat(2) (107, `struct stat`).
pub(super) fn lstat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host_fstatat(AT_FDCWD, &path(ctx, a[0], Follow::No), AT_SYMLINK_NOFOLLOW)?;
    put_stat(ctx, a[1], &st)
}

/// Implements fstat(2) (108, `struct stat`).
pub(super) fn fstat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host::fstat(fd_arg(a[0]))?;
    put_stat(ctx, a[1], &st)
}

/// Implements stat64(2).
pub(super) fn stat64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host_fstatat(AT_FDCWD, &path(ctx, a[0], Follow::Yes), 0)?;
    put_stat64(ctx, a[1], &st)
}

/// Implements lstat64(2).
pub(super) fn lstat64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host_fstatat(AT_FDCWD, &path(ctx, a[0], Follow::No), AT_SYMLINK_NOFOLLOW)?;
    put_stat64(ctx, a[1], &st)
}

/// Implements fstat64(2).
pub(super) fn fstat64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let st = host::fstat(fd_arg(a[0]))?;
    put_stat64(ctx, a[1], &st)
}

/// Implements fstatat64(2): flags are the host's to check (vfs_fstatat is shared).
pub(super) fn fstatat64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[3], AT_SYMLINK_NOFOLLOW));
    let st = host_fstatat(dirfd_arg(a[0]), &p, a[3])?;
    put_stat64(ctx, a[2], &st)
}

/// Implements statx(2): `struct statx` is the same for i386, copied out after the host filled it.
pub(super) fn statx(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[2], AT_SYMLINK_NOFOLLOW));
    let mut buf = [0u8; STATX_SIZE];
    host::statx(dirfd_arg(a[0]), &p, int(a[2]), a[3], &mut buf)?;
    ctx.mem.write(a[4], &buf)?;
    Ok(0)
}

/// `put_compat_statfs`: 32-bit counts or EOVERFLOW (f_files and f_ffree may be -1).
fn compat_statfs(s: &HostStatfs) -> Result<Statfs, Errno> {
    let wide = |v: u64| v >> 32 != 0;
    if wide(s.f_blocks | s.f_bfree | s.f_bavail | s.f_bsize as u64 | s.f_frsize as u64)
        || (s.f_files != u64::MAX && wide(s.f_files))
        || (s.f_ffree != u64::MAX && wide(s.f_ffree))
    {
        return Err(Errno::OVERFLOW);
    }
    Ok(Statfs {
        f_type: (s.f_type as u32).into(),
        f_bsize: (s.f_bsize as u32).into(),
        f_blocks: (s.f_blocks as u32).into(),
        f_bfree: (s.f_bfree as u32).into(),
        f_bavail: (s.f_bavail as u32).into(),
        f_files: (s.f_files as u32).into(),
        f_ffree: (s.f_ffree as u32).into(),
        f_fsid: [(s.f_fsid[0] as u32).into(), (s.f_fsid[1] as u32).into()],
        f_namelen: (s.f_namelen as u32).into(),
        f_frsize: (s.f_frsize as u32).into(),
        f_flags: (s.f_flags as u32).into(),
        ..Statfs::new_zeroed()
    })
}

/// `put_compat_statfs64`: only the block sizes must fit 32 bits.
fn compat_statfs64(s: &HostStatfs) -> Result<Statfs64, Errno> {
    if (s.f_bsize as u64 | s.f_frsize as u64) >> 32 != 0 {
        return Err(Errno::OVERFLOW);
    }
    Ok(Statfs64 {
        f_type: (s.f_type as u32).into(),
        f_bsize: (s.f_bsize as u32).into(),
        f_blocks: s.f_blocks.into(),
        f_bfree: s.f_bfree.into(),
        f_bavail: s.f_bavail.into(),
        f_files: s.f_files.into(),
        f_ffree: s.f_ffree.into(),
        f_fsid: [(s.f_fsid[0] as u32).into(), (s.f_fsid[1] as u32).into()],
        f_namelen: (s.f_namelen as u32).into(),
        f_frsize: (s.f_frsize as u32).into(),
        f_flags: (s.f_flags as u32).into(),
        ..Statfs64::new_zeroed()
    })
}

fn host_statfs(ctx: &Ctx, addr: u32) -> Result<HostStatfs, Errno> {
    host::statfs(&path(ctx, addr, Follow::Yes))
}

fn host_fstatfs(fd: u32) -> Result<HostStatfs, Errno> {
    host::fstatfs(fd_arg(fd))
}

/// Implements statfs(2) (i386 `struct statfs`).
pub(super) fn statfs(ctx: &mut Ctx, a: &Args) -> SysResult {
    let out = compat_statfs(&host_statfs(ctx, a[0])?)?;
    ctx.mem.write_obj(a[1], &out)?;
    Ok(0)
}

/// Implements fstatfs(2).
pub(super) fn fstatfs(ctx: &mut Ctx, a: &Args) -> SysResult {
    let out = compat_statfs(&host_fstatfs(a[0])?)?;
    ctx.mem.write_obj(a[1], &out)?;
    Ok(0)
}

/// Implements statfs64(2): the size argument must be that of the i386 struct, checked first.
pub(super) fn statfs64(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[1] as usize != size_of::<Statfs64>() {
        return Err(Errno::INVAL.into());
    }
    let out = compat_statfs64(&host_statfs(ctx, a[0])?)?;
    ctx.mem.write_obj(a[2], &out)?;
    Ok(0)
}

/// Implements fstatfs64(2).
pub(super) fn fstatfs64(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[1] as usize != size_of::<Statfs64>() {
        return Err(Errno::INVAL.into());
    }
    let out = compat_statfs64(&host_fstatfs(a[0])?)?;
    ctx.mem.write_obj(a[2], &out)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::IntoBytes;

    fn sample() -> HostStat {
        HostStat {
            st_dev: libc::makedev(254, 0),
            st_ino: 0x1_2345_6789,
            st_mode: libc::S_IFREG | 0o644,
            st_nlink: 1,
            st_uid: 70000,
            st_size: 5,
            ..Default::default()
        }
    }

    #[test]
    fn stat64_keeps_64_bit_inode_at_88_and_truncated_copy_at_12() {
        let mut out = Stat64::new_zeroed();
        out.__pad0 = [7; 4];
        fill_stat64(&mut out, &sample());
        let bytes = out.as_bytes();
        assert_eq!(bytes[88..96], 0x1_2345_6789u64.to_le_bytes());
        assert_eq!(bytes[12..16], 0x2345_6789u32.to_le_bytes());
        assert_eq!(out.__pad0, [7; 4], "padding is left as it was");
        assert_eq!(out.st_dev.get(), 0xfe00);
    }

    #[test]
    fn old_stat_overflows_on_wide_inode_size_and_nlink() {
        let mut st = sample();
        assert_eq!(compat_stat(&st).err(), Some(Errno::OVERFLOW));
        st.st_ino = 12;
        let out = compat_stat(&st).unwrap();
        assert_eq!((out.st_ino.get(), out.st_uid.get(), out.st_size.get()), (12, 65534, 5));
        st.st_size = 1 << 31;
        assert_eq!(compat_stat(&st).err(), Some(Errno::OVERFLOW));
        st.st_size = 0;
        st.st_nlink = 70000;
        assert_eq!(compat_stat(&st).err(), Some(Errno::OVERFLOW));
    }

    #[test]
    fn statfs_overflows_only_as_put_compat_statfs_does() {
        let mut s = HostStatfs { f_bsize: 4096, f_files: u64::MAX, f_ffree: u64::MAX, ..Default::default() };
        assert_eq!(compat_statfs(&s).unwrap().f_files.get(), u32::MAX);
        s.f_blocks = 1 << 32;
        assert_eq!(compat_statfs(&s).err(), Some(Errno::OVERFLOW));
        assert_eq!(compat_statfs64(&s).unwrap().f_blocks.get(), 1 << 32);
        s.f_frsize = 1 << 32;
        assert_eq!(compat_statfs64(&s).err(), Some(Errno::OVERFLOW));
    }

    #[test]
    fn ids_above_sixteen_bits_become_the_overflow_id() {
        assert_eq!(low16(65535), 65535);
        assert_eq!(low16(65536), 65534);
    }
}
