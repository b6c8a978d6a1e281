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
//! - `compat`: open(2), openat(2), creat(2), getdents(2) and getdents64(2) run as i386 calls on
//!   the host (`int $0x80`), because the kernel treats a 32-bit caller differently there
//!   (O_LARGEFILE is not implied; ext4 hands out 32-bit directory hashes as offsets).
//!
//! Host calls go through `libc::syscall` rather than rustix: the guest's flags must reach the host
//! untouched (unknown bits included) and pointers may be deliberately bad.

use super::procfs;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::dirent;
use crate::mem::{GuestMemoryExt, PATH_MAX};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::c_long;
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

/// The result of a raw host syscall: the value, or the host errno (which is the Linux errno).
fn host(ret: c_long) -> SysResult {
    Ok(crate::host(ret)? as u32)
}

/// Call host syscall `$nr` with arguments already converted to `c_long`.
macro_rules! sys {
    ($nr:expr $(, $a:expr)* $(,)?) => {
        // SAFETY: every pointer argument is null, points into a live buffer of the length the
        // call expects (guest memory checked accessible, or a local), or is deliberately outside
        // user space so that the host answers EFAULT without touching anything.
        host(unsafe { libc::syscall($nr $(, $a as c_long)*) })
    };
}

/// Host calls made as an i386 task makes them (where they always were found).
pub(crate) use crate::hostcall::compat;
mod stat;
use stat::*;

/// A guest fd argument for the host: the emulator's own fds become -1, so the host answers EBADF
/// (see [`super::fd::host_fd`]).
fn fd_arg(raw: u32) -> c_long {
    c_long::from(super::fd::host_fd(raw))
}

/// A guest dirfd argument for the host: AT_FDCWD, or as [`fd_arg`] (an absolute path ignores it).
fn dirfd_arg(raw: u32) -> c_long {
    if raw as i32 == AT_FDCWD as i32 {
        AT_FDCWD
    } else {
        fd_arg(raw)
    }
}

/// A guest `int` argument (flags, a length) for the host, sign-extended.
fn int(v: u32) -> c_long {
    c_long::from(v as i32)
}

pub(super) use crate::hostcall::strings::{HostPath, BAD_PTR, TOO_LONG};

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

const AT_FDCWD: c_long = -100;
const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
const AT_SYMLINK_FOLLOW: u32 = 0x400;

// ---------------------------------------------------------------------------------------------
// open

/// Implements open(2).
fn open(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_open(ctx, nr::open, a, 0, (AT_FDCWD, a[1], a[2]))
}

/// Implements openat(2).
fn openat(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_open(ctx, nr::openat, a, 1, (dirfd_arg(a[0]), a[2], a[3]))
}

/// Implements creat(2) (O_CREAT|O_WRONLY|O_TRUNC; sys_creat implies O_LARGEFILE on x86-64).
fn creat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let flags = (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u32 | O_LARGEFILE;
    do_open(ctx, nr::creat, a, 0, (AT_FDCWD, flags, a[1]))
}

/// i386's O_LARGEFILE (the host's libc calls it 0: it is implied on x86-64).
const O_LARGEFILE: u32 = 0o100000;

/// The open calls run as i386 calls on the host (`int $0x80`, path staged below 4 GiB): the
/// compat open and openat do not add O_LARGEFILE, so a file over 2 GiB opened without it fails
/// with EOVERFLOW before O_TRUNC acts, F_GETFL shows the guest's flags, and writes past 2 GiB
/// fail with EFBIG, all as for a native 32-bit task. `a[at]` is the path; `(dfd, flags, mode)`
/// are for the 64-bit fallback.
fn do_open(ctx: &mut Ctx, call: u32, a: &Args, at: usize, (dfd, flags, mode): (c_long, u32, u32)) -> SysResult {
    let p = path(ctx, a[at], follow_unless(flags, libc::O_NOFOLLOW as u32));
    if let Some(bytes) = p.bytes() {
        if let Some(result) = procfs::open(ctx.task, ctx.held, bytes, flags) {
            return Ok(super::fd::new_guest_fd(result? as i32)?);
        }
    }
    if !compat::available() {
        return open64(dfd, &p, flags, mode);
    }
    let mut args = [a[0], a[1], a[2], a[3]];
    if call == nr::openat {
        args[0] = dirfd_arg(a[0]) as u32;
    }
    let path = match &p {
        HostPath::Path(s) => Some(s.as_bytes_with_nul()),
        HostPath::TooLong => Some(&TOO_LONG[..]),
        HostPath::Null | HostPath::Fault => None,
    };
    debug_assert!(at == usize::from(call == nr::openat));
    let fd = compat::open(call, args, path)?;
    Ok(super::fd::new_guest_fd(fd as i32)?)
}

/// open as a 64-bit call, with generic_file_open()'s EOVERFLOW check redone afterwards. Not
/// exact: O_TRUNC has already truncated, and F_GETFL shows O_LARGEFILE.
fn open64(dfd: c_long, p: &HostPath, flags: u32, mode: u32) -> SysResult {
    let fd = sys!(libc::SYS_openat, dfd, p.ptr(), int(flags), mode)?;
    if flags & (O_LARGEFILE | libc::O_PATH as u32) == 0 {
        let big = |st: libc::stat| st.st_mode & libc::S_IFMT == libc::S_IFREG && st.st_size > i64::from(i32::MAX);
        if host_fstat(fd as libc::c_int).is_ok_and(big) {
            crate::hostcall::fds::discard(fd as libc::c_int);
            return Err(Errno::OVERFLOW.into());
        }
    }
    Ok(super::fd::new_guest_fd(fd as i32)?)
}

/// Implements openat2(2): `struct open_how` has one layout everywhere, so the host reads it in place.
fn openat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let how = match ctx.mem.slice(a[2], a[3] as usize) {
        Ok(s) => s.as_ptr() as usize,
        Err(_) => BAD_PTR,
    };
    // RESOLVE_* and O_NOFOLLOW decide following; the guest's own /proc names are rewritten only
    // when the open is a plain following one.
    let flags = ctx.mem.read_obj::<[u8; 8]>(a[2]).map(u64::from_le_bytes).unwrap_or(0);
    let p = path(ctx, a[1], follow_unless(flags as u32, libc::O_NOFOLLOW as u32));
    let fd = sys!(libc::SYS_openat2, dirfd_arg(a[0]), p.ptr(), how, a[3])?;
    Ok(super::fd::new_guest_fd(fd as i32)?)
}

// ---------------------------------------------------------------------------------------------
// access, readlink, getcwd, getdents

/// Implements access(2).
fn access(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_faccessat, AT_FDCWD, path(ctx, a[0], Follow::Yes).ptr(), int(a[1]))
}

/// Implements faccessat(2).
fn faccessat(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_faccessat, dirfd_arg(a[0]), path(ctx, a[1], Follow::Yes).ptr(), int(a[2]))
}

/// Implements faccessat2(2).
fn faccessat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[3], AT_SYMLINK_NOFOLLOW));
    sys!(libc::SYS_faccessat2, dirfd_arg(a[0]), p.ptr(), int(a[2]), int(a[3]))
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
fn do_readlinkat(ctx: &mut Ctx, dfd: c_long, addr: u32, buf: u32, bufsiz: u32) -> SysResult {
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
            let n = sys!(libc::SYS_readlinkat, dfd, p.ptr(), local.as_mut_ptr(), local.len())? as usize;
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
    let n = sys!(libc::SYS_getcwd, local.as_mut_ptr(), local.len())? as usize;
    ctx.mem.write(a[0], local.get(..n).ok_or(Errno::RANGE)?)?;
    Ok(n as u32)
}

/// Implements getdents(2) (`struct linux_dirent` of i386).
fn getdents(ctx: &mut Ctx, a: &Args) -> SysResult {
    compat_dents(ctx, nr::getdents, a)
}

/// Implements getdents64(2).
fn getdents64(ctx: &mut Ctx, a: &Args) -> SysResult {
    compat_dents(ctx, nr::getdents64, a)
}

/// Implements readdir(2), the old one-entry call (compat_old_readdir(), fs/readdir.c): the host's
/// own i386 call into the bounce buffer (so ext4 hands out 32-bit hashes as for a native i386
/// task), then `struct old_linux_dirent` (`d_ino`, `d_offset`, `d_namlen`, the name and its
/// NUL) copied out. The kernel writes the entry before it moves the directory on, so when the
/// guest's entry is not writable the position goes back to where it was, and the answer is
/// EFAULT. `count` is ignored, as the kernel ignores it. Without `int $0x80` on the host the
/// call is a host getdents64 of one entry (offsets as the 64-bit API gives them).
fn readdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = fd_arg(a[0]);
    let start = dirent::position(fd as i32);
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
fn seek(fd: c_long, pos: Option<i64>) {
    if let Some(pos) = pos {
        dirent::set_position(fd as i32, pos);
    }
}

/// readdir(2) with a host getdents64: the first entry as `struct old_linux_dirent` and the
/// directory moved to just after it (EOVERFLOW, not moved, for an inode past 32 bits).
fn one_dirent64(fd: c_long, start: Option<i64>) -> Result<(u32, Vec<u8>), Errno> {
    let mut local = vec![0u8; 1024];
    let n = dirent::getdents64(fd as i32, &mut local)?;
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
    let start = sys!(libc::SYS_lseek, fd_arg(a[0]), 0, libc::SEEK_CUR);
    let mut local = vec![0u8; len];
    let buf = if writable { local.as_mut_ptr() as usize } else { BAD_PTR };
    let n = sys!(libc::SYS_getdents64, fd_arg(a[0]), buf, len)? as usize;
    let data = local.get(..n).ok_or(Errno::IO)?;
    if call == nr::getdents64 {
        ctx.mem.write(a[1], data)?;
        return Ok(n as u32);
    }
    let (out, resume) = old_dirents(data);
    if let Some(pos) = resume.or(if out.is_empty() { start.ok().map(i64::from) } else { None }) {
        let _ = sys!(libc::SYS_lseek, fd_arg(a[0]), pos, libc::SEEK_SET);
    }
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

// ---------------------------------------------------------------------------------------------
// directories, names, links

/// Implements chdir(2).
fn chdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_chdir, path(ctx, a[0], Follow::Yes).ptr())
}

/// Implements fchdir(2).
fn fchdir(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_fchdir, fd_arg(a[0]))
}

/// Implements mkdir(2).
fn mkdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_mkdirat, AT_FDCWD, path(ctx, a[0], Follow::No).ptr(), a[1])
}

/// Implements mkdirat(2).
fn mkdirat(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_mkdirat, dirfd_arg(a[0]), path(ctx, a[1], Follow::No).ptr(), a[2])
}

/// Implements rmdir(2).
fn rmdir(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_rmdir, path(ctx, a[0], Follow::No).ptr())
}

/// Implements unlink(2).
fn unlink(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_unlink, path(ctx, a[0], Follow::No).ptr())
}

/// Implements unlinkat(2) (flags other than AT_REMOVEDIR: EINVAL, from the host).
fn unlinkat(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_unlinkat, dirfd_arg(a[0]), path(ctx, a[1], Follow::No).ptr(), int(a[2]))
}

/// Implements rename(2).
fn rename(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[0], Follow::No), path(ctx, a[1], Follow::No));
    sys!(libc::SYS_rename, old.ptr(), new.ptr())
}

/// Implements renameat(2).
fn renameat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[1], Follow::No), path(ctx, a[3], Follow::No));
    sys!(libc::SYS_renameat2, dirfd_arg(a[0]), old.ptr(), dirfd_arg(a[2]), new.ptr(), 0)
}

/// Implements renameat2(2).
fn renameat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[1], Follow::No), path(ctx, a[3], Follow::No));
    sys!(libc::SYS_renameat2, dirfd_arg(a[0]), old.ptr(), dirfd_arg(a[2]), new.ptr(), a[4])
}

/// Implements link(2).
fn link(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (old, new) = (path(ctx, a[0], Follow::No), path(ctx, a[1], Follow::No));
    sys!(libc::SYS_link, old.ptr(), new.ptr())
}

/// Implements linkat(2).
fn linkat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let follow = if a[4] & AT_SYMLINK_FOLLOW != 0 { Follow::Yes } else { Follow::No };
    let (old, new) = (path(ctx, a[1], follow), path(ctx, a[3], Follow::No));
    sys!(libc::SYS_linkat, dirfd_arg(a[0]), old.ptr(), dirfd_arg(a[2]), new.ptr(), int(a[4]))
}

/// Implements symlink(2).
fn symlink(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (target, new) = (string(ctx, a[0]), path(ctx, a[1], Follow::No));
    sys!(libc::SYS_symlink, target.ptr(), new.ptr())
}

/// Implements symlinkat(2).
fn symlinkat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (target, new) = (string(ctx, a[0]), path(ctx, a[2], Follow::No));
    sys!(libc::SYS_symlinkat, target.ptr(), dirfd_arg(a[1]), new.ptr())
}

// ---------------------------------------------------------------------------------------------
// modes, owners

/// Implements chmod(2).
fn chmod(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_chmod, path(ctx, a[0], Follow::Yes).ptr(), a[1])
}

/// Implements fchmod(2).
fn fchmod(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_fchmod, fd_arg(a[0]), a[1])
}

/// Implements fchmodat(2) (three arguments: there are no flags).
fn fchmodat(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_fchmodat, dirfd_arg(a[0]), path(ctx, a[1], Follow::Yes).ptr(), a[2])
}

/// Implements fchmodat2(2): fchmodat with AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH (the host checks
/// the flags, and answers for a symlink as the kernel does).
fn fchmodat2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[3], AT_SYMLINK_NOFOLLOW));
    sys!(libc::SYS_fchmodat2, dirfd_arg(a[0]), p.ptr(), a[2], int(a[3]))
}

/// `low2highuid()`: a 16-bit id argument, with 0xffff meaning "unchanged" (-1).
fn high16(id: u32) -> c_long {
    match id as u16 {
        0xffff => -1,
        v => c_long::from(v),
    }
}

/// Implements chown(2) with 16-bit ids.
fn chown16(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::Yes);
    sys!(libc::SYS_fchownat, AT_FDCWD, p.ptr(), high16(a[1]), high16(a[2]), 0)
}

/// Implements lchown(2) with 16-bit ids.
fn lchown16(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::No);
    sys!(libc::SYS_fchownat, AT_FDCWD, p.ptr(), high16(a[1]), high16(a[2]), AT_SYMLINK_NOFOLLOW)
}

/// Implements fchown(2) with 16-bit ids.
fn fchown16(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_fchown, fd_arg(a[0]), high16(a[1]), high16(a[2]))
}

/// Implements chown32(2).
fn chown32(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::Yes);
    sys!(libc::SYS_fchownat, AT_FDCWD, p.ptr(), a[1], a[2], 0)
}

/// Implements lchown32(2).
fn lchown32(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[0], Follow::No);
    sys!(libc::SYS_fchownat, AT_FDCWD, p.ptr(), a[1], a[2], AT_SYMLINK_NOFOLLOW)
}

/// Implements fchown32(2).
fn fchown32(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_fchown, fd_arg(a[0]), a[1], a[2])
}

/// Implements fchownat(2).
fn fchownat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = path(ctx, a[1], follow_unless(a[4], AT_SYMLINK_NOFOLLOW));
    sys!(libc::SYS_fchownat, dirfd_arg(a[0]), p.ptr(), a[2], a[3], int(a[4]))
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
    let tp = host_times.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    sys!(libc::SYS_utime, path(ctx, a[0], Follow::Yes).ptr(), tp)
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
    let tp = tv.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    sys!(libc::SYS_utimes, path(ctx, a[0], Follow::Yes).ptr(), tp)
}

/// Implements futimesat(2).
fn futimesat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let tv = timevals(ctx, a[2])?;
    let tp = tv.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    sys!(libc::SYS_futimesat, dirfd_arg(a[0]), path(ctx, a[1], Follow::Yes).ptr(), tp)
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
    let tp = ts.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    let p = path(ctx, a[1], follow_unless(a[3], AT_SYMLINK_NOFOLLOW));
    sys!(libc::SYS_utimensat, dirfd_arg(a[0]), p.ptr(), tp, int(a[3]))
}

// ---------------------------------------------------------------------------------------------
// the rest

/// Implements truncate(2): the length is a signed 32-bit `off_t`.
fn truncate(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    sys!(libc::SYS_truncate, path(ctx, a[0], Follow::Yes).ptr(), int(a[1]))
}

/// Implements truncate64(2): the 64-bit length comes in two registers, low word first.
fn truncate64(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    let len = (u64::from(a[2]) << 32 | u64::from(a[1])) as i64;
    sys!(libc::SYS_truncate, path(ctx, a[0], Follow::Yes).ptr(), len)
}

/// Implements umask(2).
fn umask(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_umask, a[0])
}

/// Implements mknod(2) (the device number has the same encoding on both sides).
fn mknod(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_mknodat, AT_FDCWD, path(ctx, a[0], Follow::No).ptr(), a[1], a[2])
}

/// Implements mknodat(2).
fn mknodat(ctx: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_mknodat, dirfd_arg(a[0]), path(ctx, a[1], Follow::No).ptr(), a[2], a[3])
}

/// Implements sync(2).
fn sync(_: &mut Ctx, _: &Args) -> SysResult {
    sys!(libc::SYS_sync)
}

/// Implements syncfs(2).
fn syncfs(_: &mut Ctx, a: &Args) -> SysResult {
    sys!(libc::SYS_syncfs, fd_arg(a[0]))
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

    #[test]
    fn sixteen_bit_ids_widen_with_minus_one_kept() {
        assert_eq!(high16(0xffff), -1);
        assert_eq!(high16(0x1_0005), 5);
    }
}
