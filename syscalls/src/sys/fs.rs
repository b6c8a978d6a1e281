//! Path and file-system syscalls: open(2), the stat family, directories, links, modes, owners,
//! times, truncate(2), statfs(2), getdents(2) …
//!
//! Each call is the host's x86-64 syscall with the guest's arguments, so the host kernel makes
//! every decision (flag checks, lookup, permissions) in its own order. Guest path arguments become
//! [`HostPath`]: the string as read from guest memory (rewritten for the guest's own `/proc`
//! entries by [`super::procfs`]) or, when reading it failed, a stand-in the host fails on the
//! same way (a bad pointer for EFAULT, an over-long string for ENAMETOOLONG), so that EFAULT on a
//! path is reported exactly where the kernel reports it.
//!
//! - `stat`: the stat family and statfs, converted to the i386 structs after the host call.
//! - `open`: open(2), openat(2), creat(2) and openat2(2); the first three run as i386 calls on
//!   the host (`int $0x80`), because the kernel treats a 32-bit caller differently there
//!   (O_LARGEFILE is not implied).
//! - `dents`: getdents(2), getdents64(2) and readdir(2), also as i386 calls on the host (ext4
//!   hands out 32-bit directory hashes as offsets to a 32-bit caller).
//!
//! This file has the path arguments and the calls that need no conversion: access, readlink,
//! getcwd, directories, names, links, modes, owners, times, truncate, mknod, umask and sync. The
//! host calls are the safe wrappers of [`crate::hostcall::fs`] and [`crate::hostcall::stat`]:
//! the guest's flags reach the host untouched (unknown bits included) and a path the guest
//! cannot pass reaches it as a stand-in the host refuses where it would refuse the guest's.

use super::procfs;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::fs as host;
use crate::mem::{GuestMemoryExt, PATH_MAX};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::{c_int, c_long};
use std::ffi::CString;

const AT_FLAGS: &[(u32, &str)] = &[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
];
const ACCESS_FLAGS: &[(u32, &str)] =
    &[(0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_EACCESS"), (0x1000, "AT_EMPTY_PATH")];
const RENAME_FLAGS: &[(u32, &str)] = &[(1, "RENAME_NOREPLACE"), (2, "RENAME_EXCHANGE"), (4, "RENAME_WHITEOUT")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::open, open, [Str, OpenFlags, OpenMode]).restarts(),
    entry!(nr::openat, openat, [DirFd, Str, OpenFlags, OpenMode]).restarts(),
    entry!(nr::creat, creat, [Str, Mode]),
    entry!(nr::openat2, openat2, [DirFd, Str, OpenHow, Uint]).restarts(),
    entry!(nr::oldstat, oldstat, [Str, Out(&OldStat)]),
    entry!(nr::oldlstat, oldlstat, [Str, Out(&OldStat)]),
    entry!(nr::oldfstat, oldfstat, [Fd, Out(&OldStat)]),
    entry!(nr::stat, stat, [Str, Out(&Stat)]),
    entry!(nr::lstat, lstat, [Str, Out(&Stat)]),
    entry!(nr::fstat, fstat, [Fd, Out(&Stat)]),
    entry!(nr::stat64, stat64, [Str, Out(&Stat64)]),
    entry!(nr::lstat64, lstat64, [Str, Out(&Stat64)]),
    entry!(nr::fstat64, fstat64, [Fd, Out(&Stat64)]),
    entry!(nr::fstatat64, fstatat64, [DirFd, Str, Out(&Stat64), Flags(AT_FLAGS)]),
    entry!(nr::statx, statx, [DirFd, Str, StatxFlags, StatxMask, Out(&Statx)]),
    entry!(nr::statfs, statfs, [Str, Ptr]),
    entry!(nr::fstatfs, fstatfs, [Fd, Ptr]),
    entry!(nr::statfs64, statfs64, [Str, Uint, Ptr]),
    entry!(nr::fstatfs64, fstatfs64, [Fd, Uint, Ptr]),
    entry!(nr::access, access, [Str, Flags(crate::trace::names::ACCESS_MODES)]),
    entry!(nr::faccessat, faccessat, [DirFd, Str, Flags(crate::trace::names::ACCESS_MODES)]),
    entry!(nr::faccessat2, faccessat2, [DirFd, Str, Flags(crate::trace::names::ACCESS_MODES), Flags(ACCESS_FLAGS)]),
    entry!(nr::readlink, readlink, [Str, OutBuf, Int]),
    entry!(nr::readlinkat, readlinkat, [DirFd, Str, OutBuf, Int]),
    entry!(nr::getdents, getdents, [Fd, Ptr, Uint]),
    entry!(nr::getdents64, getdents64, [Fd, Ptr, Uint]),
    entry!(nr::readdir, readdir, [Fd, Ptr, Uint]),
    entry!(nr::getcwd, getcwd, [Ptr, Uint]),
    entry!(nr::chdir, chdir, [Str]),
    entry!(nr::fchdir, fchdir, [Fd]),
    entry!(nr::mkdir, mkdir, [Str, Mode]),
    entry!(nr::mkdirat, mkdirat, [DirFd, Str, Mode]),
    entry!(nr::rmdir, rmdir, [Str]),
    entry!(nr::unlink, unlink, [Str]),
    entry!(nr::unlinkat, unlinkat, [DirFd, Str, Flags(AT_FLAGS)]),
    entry!(nr::rename, rename, [Str, Str]),
    entry!(nr::renameat, renameat, [DirFd, Str, DirFd, Str]),
    entry!(nr::renameat2, renameat2, [DirFd, Str, DirFd, Str, Flags(RENAME_FLAGS)]),
    entry!(nr::link, link, [Str, Str]),
    entry!(nr::linkat, linkat, [DirFd, Str, DirFd, Str, Flags(AT_FLAGS)]),
    entry!(nr::symlink, symlink, [Str, Str]),
    entry!(nr::symlinkat, symlinkat, [Str, DirFd, Str]),
    entry!(nr::chmod, chmod, [Str, Mode]),
    entry!(nr::fchmod, fchmod, [Fd, Mode]),
    entry!(nr::fchmodat, fchmodat, [DirFd, Str, Mode]),
    entry!(nr::fchmodat2, fchmodat2, [DirFd, Str, Mode, Flags(AT_FLAGS)]),
    entry!(nr::chown, chown16, [Str, Int, Int]),
    entry!(nr::lchown, lchown16, [Str, Int, Int]),
    entry!(nr::fchown, fchown16, [Fd, Int, Int]),
    entry!(nr::chown32, chown32, [Str, Int, Int]),
    entry!(nr::lchown32, lchown32, [Str, Int, Int]),
    entry!(nr::fchown32, fchown32, [Fd, Int, Int]),
    entry!(nr::fchownat, fchownat, [DirFd, Str, Int, Int, Flags(AT_FLAGS)]),
    entry!(nr::utime, utime, [Str, Ptr]),
    entry!(nr::utimes, utimes, [Str, Ptr]),
    entry!(nr::futimesat, futimesat, [DirFd, Str, Ptr]),
    entry!(nr::utimensat, utimensat, [DirFd, Str, Timespec, Flags(AT_FLAGS)]),
    entry!(nr::utimensat_time64, utimensat_time64, [DirFd, Str, Timespec64, Flags(AT_FLAGS)]),
    entry!(nr::truncate, truncate, [Str, Int]),
    entry!(nr::truncate64, truncate64, [Str, Off64, Skip]),
    entry!(nr::umask, umask, [Mode], crate::row::Ret::Octal),
    entry!(nr::mknod, mknod, [Str, Mode, Hex]),
    entry!(nr::mknodat, mknodat, [DirFd, Str, Mode, Hex]),
    entry!(nr::sync, sync, []),
    entry!(nr::syncfs, syncfs, [Fd]),
];

// ---------------------------------------------------------------------------------------------
// Host calls and path arguments

/// A host call's answer for `%eax`: the value, or the host errno (which is the Linux errno).
fn ret(r: Result<i64, Errno>) -> SysResult {
    Ok(r? as u32)
}

/// Host calls made as an i386 task makes them (where they always were found).
pub(crate) use crate::hostcall::compat;
mod dents;
mod open;
mod stat;
use dents::*;
use open::*;
use stat::*;

/// A guest fd argument for the host: the emulator's own fds become -1, so the host answers EBADF
/// (see [`super::fd::host_fd`]).
fn fd_arg(raw: u32) -> c_int {
    super::fd::host_fd(raw)
}

/// A guest dirfd argument for the host: AT_FDCWD, or as [`fd_arg`] (an absolute path ignores it).
fn dirfd_arg(raw: u32) -> c_int {
    if raw as i32 == AT_FDCWD {
        AT_FDCWD
    } else {
        fd_arg(raw)
    }
}

/// A guest `int` argument (flags) for the host.
fn int(v: u32) -> c_int {
    v as i32
}

pub(super) use crate::hostcall::strings::{HostPath, TOO_LONG};

/// Whether a call resolves the last component of a path through a symlink.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Follow {
    Yes,
    No,
}

/// Read guest path `addr` for the host, as getname() would, and rewrite the guest's own `/proc`
/// entries (see [`procfs`]). Every path-taking call comes through here.
pub(super) fn path(ctx: &Ctx, addr: u32, follow: Follow) -> HostPath {
    if addr == 0 {
        return HostPath::Null;
    }
    match ctx.mem.read_cstr(addr, PATH_MAX - 1, Errno::NAMETOOLONG) {
        Ok(bytes) => {
            let bytes = match procfs::rewrite(&ctx.task.exe, &bytes, follow == Follow::Yes) {
                Some(own) => own,
                None => in_sysroot(ctx.task.sysroot.as_deref(), bytes),
            };
            // read_cstr stops at the first NUL, so there is none inside.
            CString::new(bytes).map_or(HostPath::Fault, HostPath::Path)
        }
        Err(Errno::NAMETOOLONG) => HostPath::TooLong,
        Err(_) => HostPath::Fault,
    }
}

/// An absolute path under the sysroot (`-L`) when the file exists there (as a symlink too), as
/// qemu-user's path() does; anything else as it is.
pub fn in_sysroot(root: Option<&std::path::Path>, path: Vec<u8>) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let Some(root) = root.filter(|_| path.first() == Some(&b'/')) else { return path };
    let mut inside = root.as_os_str().as_bytes().to_vec();
    inside.extend_from_slice(&path);
    if std::fs::symlink_metadata(std::ffi::OsStr::from_bytes(&inside)).is_ok() {
        inside
    } else {
        path
    }
}

/// A string argument that is not looked up (symlink(2)'s target): read like a path, never rewritten.
fn string(ctx: &Ctx, addr: u32) -> HostPath {
    if addr == 0 {
        return HostPath::Null;
    }
    match ctx.mem.read_cstr(addr, PATH_MAX - 1, Errno::NAMETOOLONG) {
        Ok(bytes) => CString::new(bytes).map_or(HostPath::Fault, HostPath::Path),
        Err(Errno::NAMETOOLONG) => HostPath::TooLong,
        Err(_) => HostPath::Fault,
    }
}

/// Follow unless `flags` has `nofollow`.
fn follow_unless(flags: u32, nofollow: u32) -> Follow {
    if flags & nofollow != 0 {
        Follow::No
    } else {
        Follow::Yes
    }
}

const AT_FDCWD: c_int = -100;
const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
const AT_SYMLINK_FOLLOW: u32 = 0x400;

// ---------------------------------------------------------------------------------------------
// access, readlink, getcwd

/// Implements access(2).
fn access(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::faccessat(AT_FDCWD, &path(ctx, a[0], Follow::Yes), int(a[1])))
}

/// Implements faccessat(2).
fn faccessat(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::faccessat(dirfd_arg(a[0]), &path(ctx, a[1], Follow::Yes), int(a[2])))
}

/// Implements faccessat2(2).
fn faccessat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[3], AT_SYMLINK_NOFOLLOW));
    ret(host::faccessat2(dirfd_arg(a[0]), &p, int(a[2]), int(a[3])))
}

/// Implements readlink(2).
fn readlink(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_readlinkat(ctx, AT_FDCWD, a[0], a[1], a[2])
}

/// Implements readlinkat(2).
fn readlinkat(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_readlinkat(ctx, dirfd_arg(a[0]), a[1], a[2], a[3])
}

/// The link is read into a local buffer and only its bytes are copied out, as the kernel copies
/// only the link's length: a larger `bufsiz` over unmapped memory is fine. No NUL is added.
fn do_readlinkat(ctx: &mut Ctx, dfd: c_int, addr: u32, buf: u32, bufsiz: u32) -> SysResult {
    let Ok(size @ 1..) = i32::try_from(bufsiz) else {
        return Err(Errno::INVAL.into());
    };
    let p = path(ctx, addr, Follow::No);
    let own = p.bytes().filter(|b| procfs::classify(b) == Some(procfs::Own::Exe));
    let mut local = vec![0u8; (size as usize).min(PATH_MAX)];
    let n = match own {
        Some(_) => {
            let exe = std::os::unix::ffi::OsStrExt::as_bytes(ctx.task.exe.as_os_str());
            let n = exe.len().min(local.len());
            local[..n].copy_from_slice(&exe[..n]);
            n
        }
        None => {
            let n = host::readlinkat(dfd, &p, &mut local)?;
            // Another emulated process's exe (the host allowed the read): its guest program.
            match p.bytes().and_then(super::procfs::other::other_exe) {
                Some(exe) => {
                    let exe = std::os::unix::ffi::OsStrExt::as_bytes(exe.as_os_str());
                    let n = exe.len().min(local.len());
                    local[..n].copy_from_slice(&exe[..n]);
                    n
                }
                None => n,
            }
        }
    };
    ctx.mem.write(buf, local.get(..n).ok_or(Errno::IO)?)?;
    Ok(n as u32)
}

/// Implements getcwd(2): returns the length including the NUL; ERANGE when `size` is too small.
fn getcwd(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut local = vec![0u8; (a[1] as usize).min(2 * PATH_MAX)];
    let n = host::getcwd(&mut local)?;
    ctx.mem.write(a[0], local.get(..n).ok_or(Errno::RANGE)?)?;
    Ok(n as u32)
}

// ---------------------------------------------------------------------------------------------
// directories, names, links

/// Implements chdir(2).
fn chdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::chdir(&path(ctx, a[0], Follow::Yes)))
}

/// Implements fchdir(2).
fn fchdir(_: &mut Ctx, a: &Args) -> SysResult {
    ret(host::fchdir(fd_arg(a[0])))
}

/// Implements mkdir(2).
fn mkdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::mkdirat(AT_FDCWD, &path(ctx, a[0], Follow::No), a[1]))
}

/// Implements mkdirat(2).
fn mkdirat(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::mkdirat(dirfd_arg(a[0]), &path(ctx, a[1], Follow::No), a[2]))
}

/// Implements rmdir(2).
fn rmdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::rmdir(&path(ctx, a[0], Follow::No)))
}

/// Implements unlink(2).
fn unlink(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::unlink(&path(ctx, a[0], Follow::No)))
}

/// Implements unlinkat(2) (flags other than AT_REMOVEDIR: EINVAL, from the host).
fn unlinkat(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::unlinkat(dirfd_arg(a[0]), &path(ctx, a[1], Follow::No), int(a[2])))
}

/// Implements rename(2).
fn rename(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[0], Follow::No), path(ctx, a[1], Follow::No));
    ret(host::rename(&old, &new))
}

/// Implements renameat(2).
fn renameat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[1], Follow::No), path(ctx, a[3], Follow::No));
    ret(host::renameat2(dirfd_arg(a[0]), &old, dirfd_arg(a[2]), &new, 0))
}

/// Implements renameat2(2).
fn renameat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[1], Follow::No), path(ctx, a[3], Follow::No));
    ret(host::renameat2(dirfd_arg(a[0]), &old, dirfd_arg(a[2]), &new, a[4]))
}

/// Implements link(2).
fn link(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[0], Follow::No), path(ctx, a[1], Follow::No));
    ret(host::link(&old, &new))
}

/// Implements linkat(2).
fn linkat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let follow = if a[4] & AT_SYMLINK_FOLLOW != 0 { Follow::Yes } else { Follow::No };
    let (old, new) = (path(ctx, a[1], follow), path(ctx, a[3], Follow::No));
    ret(host::linkat(dirfd_arg(a[0]), &old, dirfd_arg(a[2]), &new, int(a[4])))
}

/// Implements symlink(2).
fn symlink(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (target, new) = (string(ctx, a[0]), path(ctx, a[1], Follow::No));
    ret(host::symlink(&target, &new))
}

/// Implements symlinkat(2).
fn symlinkat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (target, new) = (string(ctx, a[0]), path(ctx, a[2], Follow::No));
    ret(host::symlinkat(&target, dirfd_arg(a[1]), &new))
}

// ---------------------------------------------------------------------------------------------
// modes, owners

/// Implements chmod(2).
fn chmod(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::chmod(&path(ctx, a[0], Follow::Yes), a[1]))
}

/// Implements fchmod(2).
fn fchmod(_: &mut Ctx, a: &Args) -> SysResult {
    ret(host::fchmod(fd_arg(a[0]), a[1]))
}

/// Implements fchmodat(2) (three arguments: there are no flags).
fn fchmodat(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::fchmodat(dirfd_arg(a[0]), &path(ctx, a[1], Follow::Yes), a[2]))
}

/// Implements fchmodat2(2): fchmodat with AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH (the host checks
/// the flags, and answers for a symlink as the kernel does).
fn fchmodat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[3], AT_SYMLINK_NOFOLLOW));
    ret(host::fchmodat2(dirfd_arg(a[0]), &p, a[2], int(a[3])))
}

/// `low2highuid()`: a 16-bit id argument, with 0xffff meaning "unchanged" (-1).
fn high16(id: u32) -> u32 {
    match id as u16 {
        0xffff => u32::MAX,
        v => u32::from(v),
    }
}

/// Implements chown(2) with 16-bit ids.
fn chown16(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::Yes);
    ret(host::fchownat(AT_FDCWD, &p, high16(a[1]), high16(a[2]), 0))
}

/// Implements lchown(2) with 16-bit ids.
fn lchown16(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::No);
    ret(host::fchownat(AT_FDCWD, &p, high16(a[1]), high16(a[2]), AT_SYMLINK_NOFOLLOW as c_int))
}

/// Implements fchown(2) with 16-bit ids.
fn fchown16(_: &mut Ctx, a: &Args) -> SysResult {
    ret(host::fchown(fd_arg(a[0]), high16(a[1]), high16(a[2])))
}

/// Implements chown32(2).
fn chown32(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::Yes);
    ret(host::fchownat(AT_FDCWD, &p, a[1], a[2], 0))
}

/// Implements lchown32(2).
fn lchown32(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::No);
    ret(host::fchownat(AT_FDCWD, &p, a[1], a[2], AT_SYMLINK_NOFOLLOW as c_int))
}

/// Implements fchown32(2).
fn fchown32(_: &mut Ctx, a: &Args) -> SysResult {
    ret(host::fchown(fd_arg(a[0]), a[1], a[2]))
}

/// Implements fchownat(2).
fn fchownat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[4], AT_SYMLINK_NOFOLLOW));
    ret(host::fchownat(dirfd_arg(a[0]), &p, a[2], a[3], int(a[4])))
}

// ---------------------------------------------------------------------------------------------
// times

/// Implements utime(2): `struct utimbuf` of two 32-bit times, read before the lookup.
fn utime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let times = match a[1] {
        0 => None,
        t => Some(ctx.mem.read_obj::<[i32; 2]>(t)?),
    };
    let host_times = times.map(|[at, mt]| [c_long::from(at), c_long::from(mt)]);
    ret(host::utime(&path(ctx, a[0], Follow::Yes), host_times.as_ref()))
}

/// Two 32-bit `struct timeval`s as the host's 64-bit ones; the host checks the microseconds.
fn timevals(ctx: &Ctx, addr: u32) -> Result<Option<[c_long; 4]>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let t = ctx.mem.read_obj::<[i32; 4]>(addr)?;
    Ok(Some(t.map(c_long::from)))
}

/// Implements utimes(2).
fn utimes(ctx: &mut Ctx, a: &Args) -> SysResult {
    let tv = timevals(ctx, a[1])?;
    ret(host::utimes(&path(ctx, a[0], Follow::Yes), tv.as_ref()))
}

/// Implements futimesat(2).
fn futimesat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let tv = timevals(ctx, a[2])?;
    ret(host::futimesat(dirfd_arg(a[0]), &path(ctx, a[1], Follow::Yes), tv.as_ref()))
}

/// Implements utimensat(2) with 32-bit `struct timespec`s (read before anything else is checked).
fn utimensat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = match a[2] {
        0 => None,
        t => Some(ctx.mem.read_obj::<[i32; 4]>(t)?.map(c_long::from)),
    };
    do_utimensat(ctx, a, ts)
}

/// Implements utimensat_time64(2): 64-bit seconds; a compat task's nanoseconds are the low 32 bits.
fn utimensat_time64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let ts = match a[2] {
        0 => None,
        t => {
            let [s0, n0, s1, n1] = ctx.mem.read_obj::<[i64; 2 * 2]>(t)?;
            Some([s0, n0 & 0xffff_ffff, s1, n1 & 0xffff_ffff])
        }
    };
    do_utimensat(ctx, a, ts)
}

fn do_utimensat(ctx: &mut Ctx, a: &Args, ts: Option<[c_long; 4]>) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[3], AT_SYMLINK_NOFOLLOW));
    ret(host::utimensat(dirfd_arg(a[0]), &p, ts.as_ref(), int(a[3])))
}

// ---------------------------------------------------------------------------------------------
// the rest

/// Implements truncate(2): the length is a signed 32-bit `off_t`.
fn truncate(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    ret(host::truncate(&path(ctx, a[0], Follow::Yes), i64::from(int(a[1]))))
}

/// Implements truncate64(2): the 64-bit length comes in two registers, low word first.
fn truncate64(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    let len = (u64::from(a[2]) << 32 | u64::from(a[1])) as i64;
    ret(host::truncate(&path(ctx, a[0], Follow::Yes), len))
}

/// Implements umask(2).
fn umask(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(host::umask(a[0]))
}

/// Implements mknod(2) (the device number has the same encoding on both sides).
fn mknod(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::mknodat(AT_FDCWD, &path(ctx, a[0], Follow::No), a[1], a[2]))
}

/// Implements mknodat(2).
fn mknodat(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(host::mknodat(dirfd_arg(a[0]), &path(ctx, a[1], Follow::No), a[2], a[3]))
}

/// Implements sync(2).
fn sync(_: &mut Ctx, _: &Args) -> SysResult {
    host::sync();
    Ok(0)
}

/// Implements syncfs(2).
fn syncfs(_: &mut Ctx, a: &Args) -> SysResult {
    ret(host::syncfs(fd_arg(a[0])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_ids_widen_with_minus_one_kept() {
        assert_eq!(high16(0xffff), u32::MAX);
        assert_eq!(high16(0x1_0005), 5);
    }
}
