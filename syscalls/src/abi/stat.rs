//! File status and file-system status structs as an i386 guest sees them (asm/stat.h, asm/statfs.h,
//! and the compat_* structs a 64-bit kernel fills for a 32-bit task).
//!
//! All fields are little-endian types of alignment 1, so the layouts are exactly the i386 ones
//! (`long long` after an `int` is not padded); the asserts under each struct pin size and offsets.

use core::mem::offset_of;
use zerocopy::little_endian::{I64, U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct stat64` from arch/x86/include/uapi/asm/stat.h (i386): the 64-bit inode sits at the end,
/// a truncated copy in `__st_ino`. The kernel (cp_stat64) fills the named fields and leaves the
/// padding bytes as they were.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Stat64 {
    pub st_dev: U64,
    pub __pad0: [u8; 4],
    pub __st_ino: U32,
    pub st_mode: U32,
    pub st_nlink: U32,
    pub st_uid: U32,
    pub st_gid: U32,
    pub st_rdev: U64,
    pub __pad3: [u8; 4],
    pub st_size: I64,
    pub st_blksize: U32,
    pub st_blocks: U64,
    pub st_atime: U32,
    pub st_atime_nsec: U32,
    pub st_mtime: U32,
    pub st_mtime_nsec: U32,
    pub st_ctime: U32,
    pub st_ctime_nsec: U32,
    pub st_ino: U64,
}
const _: () = assert!(size_of::<Stat64>() == 96);
const _: () = assert!(offset_of!(Stat64, __st_ino) == 12);
const _: () = assert!(offset_of!(Stat64, st_size) == 44);
const _: () = assert!(offset_of!(Stat64, st_blocks) == 56);
const _: () = assert!(offset_of!(Stat64, st_ino) == 88);

/// `struct compat_stat` (arch/x86/include/asm/compat.h), what stat(2)/lstat(2)/fstat(2) (106-108)
/// write for a 32-bit task: `struct stat` of i386, 16-bit mode, nlink, uid and gid.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Stat {
    pub st_dev: U32,
    pub st_ino: U32,
    pub st_mode: U16,
    pub st_nlink: U16,
    pub st_uid: U16,
    pub st_gid: U16,
    pub st_rdev: U32,
    pub st_size: U32,
    pub st_blksize: U32,
    pub st_blocks: U32,
    pub st_atime: U32,
    pub st_atime_nsec: U32,
    pub st_mtime: U32,
    pub st_mtime_nsec: U32,
    pub st_ctime: U32,
    pub st_ctime_nsec: U32,
    pub __unused4: U32,
    pub __unused5: U32,
}
const _: () = assert!(size_of::<Stat>() == 64);
const _: () = assert!(offset_of!(Stat, st_rdev) == 16);

/// `struct compat_statfs` (arch/x86/include/asm/compat.h): i386 `struct statfs`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Statfs {
    pub f_type: U32,
    pub f_bsize: U32,
    pub f_blocks: U32,
    pub f_bfree: U32,
    pub f_bavail: U32,
    pub f_files: U32,
    pub f_ffree: U32,
    pub f_fsid: [U32; 2],
    pub f_namelen: U32,
    pub f_frsize: U32,
    pub f_flags: U32,
    pub f_spare: [U32; 4],
}
const _: () = assert!(size_of::<Statfs>() == 64);

/// `struct compat_statfs64`, i386 `struct statfs64`: packed to 4 bytes, so 84 bytes, the only size
/// statfs64(2) and fstatfs64(2) accept.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Statfs64 {
    pub f_type: U32,
    pub f_bsize: U32,
    pub f_blocks: U64,
    pub f_bfree: U64,
    pub f_bavail: U64,
    pub f_files: U64,
    pub f_ffree: U64,
    pub f_fsid: [U32; 2],
    pub f_namelen: U32,
    pub f_frsize: U32,
    pub f_flags: U32,
    pub f_spare: [U32; 4],
}
const _: () = assert!(size_of::<Statfs64>() == 84);
const _: () = assert!(offset_of!(Statfs64, f_fsid) == 48);

/// `struct statx` (linux/stat.h) is the same on every architecture.
pub const STATX_SIZE: usize = 256;

/// `struct __old_kernel_stat` (arch/x86/include/uapi/asm/stat.h, the 32-bit emulation variant):
/// what oldstat(2), oldlstat(2) and oldfstat(2) write. 16-bit device, inode and ids.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct OldStat {
    pub st_dev: U16,
    pub st_ino: U16,
    pub st_mode: U16,
    pub st_nlink: U16,
    pub st_uid: U16,
    pub st_gid: U16,
    pub st_rdev: U16,
    pub __pad: U16,
    pub st_size: U32,
    pub st_atime: U32,
    pub st_mtime: U32,
    pub st_ctime: U32,
}
const _: () = assert!(size_of::<OldStat>() == 32);
