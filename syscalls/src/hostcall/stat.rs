//! The host's stat and statfs calls behind `crate::sys::fs`'s stat module (fs/stat.c,
//! fs/statfs.c): the host fills its own x86-64 structs, declared here as plain data (zeroed by
//! construction, no padding the host could leave uninitialised to read), and the handlers convert
//! them to the i386 layouts. Paths come as [`HostPath`], so EFAULT and ENAMETOOLONG on a path
//! come from the host in its own order.

use super::strings::HostPath;
use crate::abi::stat::STATX_SIZE;
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The host's (x86-64) `struct stat` (arch/x86/include/uapi/asm/stat.h).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HostStat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub __pad0: u32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    pub st_blocks: i64,
    pub st_atime: i64,
    pub st_atime_nsec: i64,
    pub st_mtime: i64,
    pub st_mtime_nsec: i64,
    pub st_ctime: i64,
    pub st_ctime_nsec: i64,
    pub __unused: [i64; 3],
}
const _: () = assert!(size_of::<HostStat>() == 144);
const _: () = assert!(size_of::<HostStat>() == size_of::<libc::stat>());
const _: () = assert!(std::mem::offset_of!(HostStat, st_size) == std::mem::offset_of!(libc::stat, st_size));
const _: () = assert!(std::mem::offset_of!(HostStat, st_ctime_nsec) == std::mem::offset_of!(libc::stat, st_ctime_nsec));

/// The host's (x86-64) `struct statfs` (include/uapi/asm-generic/statfs.h): fifteen 8-byte words.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HostStatfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}
const _: () = assert!(size_of::<HostStatfs>() == 120);

/// fstat(2).
pub fn fstat(fd: c_int) -> Result<HostStat, Errno> {
    let mut st = HostStat::default();
    // SAFETY: `st` is a live local of the size of the host's `struct stat`, which the host fills.
    host(unsafe { libc::syscall(libc::SYS_fstat, fd, st.as_mut_bytes().as_mut_ptr()) })?;
    Ok(st)
}

/// newfstatat(2) (the flags are the host's to check).
pub fn fstatat(dfd: c_int, path: &HostPath, flags: c_int) -> Result<HostStat, Errno> {
    let mut st = HostStat::default();
    // SAFETY: the path is NULL, a live NUL-terminated string, or refused (strings module); `st`
    // as in `fstat`.
    host(unsafe {
        libc::syscall(libc::SYS_newfstatat, dfd, path.ptr(), st.as_mut_bytes().as_mut_ptr(), c_long::from(flags))
    })?;
    Ok(st)
}

/// statx(2) into `buf` (`struct statx` has one layout everywhere).
pub fn statx(
    dfd: c_int,
    path: &HostPath,
    flags: c_int,
    mask: c_uint,
    buf: &mut [u8; STATX_SIZE],
) -> Result<i64, Errno> {
    // SAFETY: the path as in `fstatat`; `buf` is a live local of `struct statx`'s size.
    host(unsafe {
        libc::syscall(libc::SYS_statx, dfd, path.ptr(), c_long::from(flags), c_long::from(mask), buf.as_mut_ptr())
    })
}

/// statfs(2).
pub fn statfs(path: &HostPath) -> Result<HostStatfs, Errno> {
    let mut s = HostStatfs::default();
    // SAFETY: the path as in `fstatat`; `s` is a live local of the host's `struct statfs`'s size.
    host(unsafe { libc::syscall(libc::SYS_statfs, path.ptr(), s.as_mut_bytes().as_mut_ptr()) })?;
    Ok(s)
}

/// fstatfs(2).
pub fn fstatfs(fd: c_int) -> Result<HostStatfs, Errno> {
    let mut s = HostStatfs::default();
    // SAFETY: as in `statfs`.
    host(unsafe { libc::syscall(libc::SYS_fstatfs, fd, s.as_mut_bytes().as_mut_ptr()) })?;
    Ok(s)
}
