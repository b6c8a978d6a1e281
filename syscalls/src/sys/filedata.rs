//! File data: fallocate(2), sync_file_range(2) and readahead(2), whose 64-bit offsets and lengths
//! an i386 guest passes split over two registers, low word first (arch/x86/kernel/sys_ia32.c);
//! cachestat(2), whose structs are `__u64` fields only (the same on i386).

use super::fd::host_fd;
use super::hostarg::{int, lohi, uint};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::fs::{self as hostfs, CACHESTAT_RANGE_SIZE, CACHESTAT_SIZE};
use crate::hostcall::inplace::InPlace;
use crate::hostcall::numbers;
use crate::mem::Prot;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

const FALLOC_FLAGS: &[(u32, &str)] = &[
    (0x01, "FALLOC_FL_KEEP_SIZE"),
    (0x02, "FALLOC_FL_PUNCH_HOLE"),
    (0x04, "FALLOC_FL_NO_HIDE_STALE"),
    (0x08, "FALLOC_FL_COLLAPSE_RANGE"),
    (0x10, "FALLOC_FL_ZERO_RANGE"),
    (0x20, "FALLOC_FL_INSERT_RANGE"),
    (0x40, "FALLOC_FL_UNSHARE_RANGE"),
];
const SYNC_FILE_RANGE_FLAGS: &[(u32, &str)] =
    &[(1, "SYNC_FILE_RANGE_WAIT_BEFORE"), (2, "SYNC_FILE_RANGE_WRITE"), (4, "SYNC_FILE_RANGE_WAIT_AFTER")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::fallocate, fallocate, [Fd, Flags(FALLOC_FLAGS), Off64, Skip, Off64, Skip]),
    entry!(nr::sync_file_range, sync_file_range, [Fd, Off64, Skip, Off64, Skip, Flags(SYNC_FILE_RANGE_FLAGS)]),
    entry!(nr::readahead, readahead, [Fd, Off64, Skip, Uint]),
    entry!(nr::cachestat, cachestat, [Fd, Ptr, Ptr, Hex]),
];

/// Implements cachestat(2): the host's, on the guest's structs in place (its flags, fd, hugetlbfs
/// and permission checks come before it reads the range).
fn cachestat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let range = InPlace::new(ctx.mem, a[1], CACHESTAT_RANGE_SIZE, Prot::READ);
    let out = InPlace::new(ctx.mem, a[2], CACHESTAT_SIZE, Prot::WRITE);
    Ok(hostfs::cachestat(host_fd(a[0]), range, out, a[3])? as u32)
}

/// Implements fallocate(2): `ia32_fallocate(fd, mode, offset_lo, offset_hi, len_lo, len_hi)`.
fn fallocate(_: &mut Ctx, a: &Args) -> SysResult {
    let (offset, len) = (lohi(a[2], a[3]), lohi(a[4], a[5]));
    Ok(numbers(libc::SYS_fallocate, &[host_fd(a[0]).into(), int(a[1]), offset, len])? as u32)
}

/// Implements sync_file_range(2): `ia32_sync_file_range(fd, off_lo, off_hi, n_lo, n_hi, flags)`.
fn sync_file_range(_: &mut Ctx, a: &Args) -> SysResult {
    let (offset, nbytes) = (lohi(a[1], a[2]), lohi(a[3], a[4]));
    Ok(numbers(libc::SYS_sync_file_range, &[host_fd(a[0]).into(), offset, nbytes, uint(a[5])])? as u32)
}

/// Implements readahead(2): `ia32_readahead(fd, off_lo, off_hi, count)`.
fn readahead(_: &mut Ctx, a: &Args) -> SysResult {
    let offset = lohi(a[1], a[2]);
    Ok(numbers(libc::SYS_readahead, &[host_fd(a[0]).into(), offset, a[3] as libc::c_long])? as u32)
}
