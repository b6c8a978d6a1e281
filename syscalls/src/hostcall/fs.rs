//! The host's path and file-system calls behind `crate::sys::fs` (fs/namei.c, fs/open.c,
//! fs/utimes.c, fs/d_path.c …): open, access, readlink, getcwd, the directory, name and link
//! calls, modes, owners, times, truncate, mknod, umask, sync, and cachestat. Paths come as [`HostPath`] (see
//! [`super::strings`]: NULL, a live string, or a stand-in the host fails on as the guest's kernel
//! fails on the guest's), so the host makes every check in its own order, EFAULT on a path
//! included. Flags and modes reach the host as the guest gave them, unknown bits too; fds are
//! numbers (a negative one is EBADF on the host).
//!
//! rustix has the calls that take only an fd and numbers (fchdir, fchmod, fchown, syncfs, sync,
//! umask), which go through it; its path calls take a `&CStr`, which cannot be the stand-in the
//! host answers EFAULT for, so the path calls are raw.

use super::inplace::InPlace;
use super::strings::{HostPath, BAD_PTR};
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint, c_void};
use std::os::fd::BorrowedFd;

/// A guest fd number for a rustix call: EBADF for a negative one, as fdget() answers.
fn borrowed(fd: c_int) -> Result<BorrowedFd<'static>, Errno> {
    if fd < 0 {
        return Err(Errno::BADF);
    }
    Ok(super::fds::borrow(fd))
}

/// A rustix result as the host's value.
fn done(r: rustix::io::Result<()>) -> Result<i64, Errno> {
    r.map(|()| 0)
}

// ---------------------------------------------------------------------------------------------
// open

/// openat(2) as a 64-bit call: the new fd.
pub fn openat(dfd: c_int, path: &HostPath, flags: c_int, mode: c_uint) -> Result<i64, Errno> {
    // SAFETY: the path is NULL, a live NUL-terminated string, or refused (strings module).
    host(unsafe { libc::syscall(libc::SYS_openat, dfd, path.ptr(), c_long::from(flags), c_long::from(mode)) })
}

/// The guest's `struct open_how` for openat2(2): its bytes read in place, or refused.
pub enum OpenHow<'a> {
    /// The guest's bytes (the host reads all of them: the size it is told).
    Guest(&'a [u8]),
    /// An address the host refuses, with the guest's size (which the host checks first).
    Refused(usize),
}

/// openat2(2): the new fd.
pub fn openat2(dfd: c_int, path: &HostPath, how: OpenHow<'_>) -> Result<i64, Errno> {
    let (p, n) = match how {
        OpenHow::Guest(b) => (b.as_ptr().cast::<c_void>(), b.len()),
        OpenHow::Refused(n) => (BAD_PTR as *const c_void, n),
    };
    // SAFETY: the path as in `openat`; `how` is `n` readable bytes, or refused.
    host(unsafe { libc::syscall(libc::SYS_openat2, dfd, path.ptr(), p, n) })
}

// ---------------------------------------------------------------------------------------------
// access, readlink, getcwd

/// faccessat(2) (three arguments: no flags).
pub fn faccessat(dfd: c_int, path: &HostPath, mode: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_faccessat, dfd, path.ptr(), c_long::from(mode)) })
}

/// faccessat2(2).
pub fn faccessat2(dfd: c_int, path: &HostPath, mode: c_int, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_faccessat2, dfd, path.ptr(), c_long::from(mode), c_long::from(flags)) })
}

/// readlinkat(2) into `buf`: the link's length (no NUL added).
pub fn readlinkat(dfd: c_int, path: &HostPath, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: as in `openat`; the host writes at most `buf.len()` bytes into the live local.
    let n = host(unsafe { libc::syscall(libc::SYS_readlinkat, dfd, path.ptr(), buf.as_mut_ptr(), buf.len()) })?;
    Ok(n as usize)
}

/// getcwd(2) into `buf`: the length with the NUL (ERANGE when it does not fit).
pub fn getcwd(buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: the host writes at most `buf.len()` bytes into the live local.
    let n = host(unsafe { libc::syscall(libc::SYS_getcwd, buf.as_mut_ptr(), buf.len()) })?;
    Ok(n as usize)
}

// ---------------------------------------------------------------------------------------------
// directories, names, links

/// chdir(2).
pub fn chdir(path: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_chdir, path.ptr()) })
}

/// fchdir(2).
pub fn fchdir(fd: c_int) -> Result<i64, Errno> {
    done(rustix::process::fchdir(borrowed(fd)?))
}

/// mkdirat(2).
pub fn mkdirat(dfd: c_int, path: &HostPath, mode: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_mkdirat, dfd, path.ptr(), c_long::from(mode)) })
}

/// rmdir(2).
pub fn rmdir(path: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_rmdir, path.ptr()) })
}

/// unlink(2).
pub fn unlink(path: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_unlink, path.ptr()) })
}

/// unlinkat(2).
pub fn unlinkat(dfd: c_int, path: &HostPath, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_unlinkat, dfd, path.ptr(), c_long::from(flags)) })
}

/// rename(2).
pub fn rename(old: &HostPath, new: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `openat`, for both paths.
    host(unsafe { libc::syscall(libc::SYS_rename, old.ptr(), new.ptr()) })
}

/// renameat2(2) (renameat(2) is flags 0).
pub fn renameat2(old_dfd: c_int, old: &HostPath, new_dfd: c_int, new: &HostPath, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `openat`, for both paths.
    host(unsafe { libc::syscall(libc::SYS_renameat2, old_dfd, old.ptr(), new_dfd, new.ptr(), c_long::from(flags)) })
}

/// link(2).
pub fn link(old: &HostPath, new: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `openat`, for both paths.
    host(unsafe { libc::syscall(libc::SYS_link, old.ptr(), new.ptr()) })
}

/// linkat(2).
pub fn linkat(old_dfd: c_int, old: &HostPath, new_dfd: c_int, new: &HostPath, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `openat`, for both paths.
    host(unsafe { libc::syscall(libc::SYS_linkat, old_dfd, old.ptr(), new_dfd, new.ptr(), c_long::from(flags)) })
}

/// symlink(2): `target` is stored, not looked up.
pub fn symlink(target: &HostPath, new: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `openat`, for both strings.
    host(unsafe { libc::syscall(libc::SYS_symlink, target.ptr(), new.ptr()) })
}

/// symlinkat(2).
pub fn symlinkat(target: &HostPath, new_dfd: c_int, new: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `openat`, for both strings.
    host(unsafe { libc::syscall(libc::SYS_symlinkat, target.ptr(), new_dfd, new.ptr()) })
}

/// mknodat(2) (the device number in the kernel's new encoding, as both ABIs pass it).
pub fn mknodat(dfd: c_int, path: &HostPath, mode: c_uint, dev: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_mknodat, dfd, path.ptr(), c_long::from(mode), c_long::from(dev)) })
}

// ---------------------------------------------------------------------------------------------
// modes, owners

/// chmod(2).
pub fn chmod(path: &HostPath, mode: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_chmod, path.ptr(), c_long::from(mode)) })
}

/// fchmod(2).
pub fn fchmod(fd: c_int, mode: c_uint) -> Result<i64, Errno> {
    done(rustix::fs::fchmod(borrowed(fd)?, rustix::fs::Mode::from_bits_retain(mode)))
}

/// fchmodat(2) (three arguments: no flags).
pub fn fchmodat(dfd: c_int, path: &HostPath, mode: c_uint) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_fchmodat, dfd, path.ptr(), c_long::from(mode)) })
}

/// fchmodat2(2).
pub fn fchmodat2(dfd: c_int, path: &HostPath, mode: c_uint, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_fchmodat2, dfd, path.ptr(), c_long::from(mode), c_long::from(flags)) })
}

/// fchownat(2); an id of `u32::MAX` (-1) leaves that id as it is.
pub fn fchownat(dfd: c_int, path: &HostPath, uid: u32, gid: u32, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe {
        libc::syscall(libc::SYS_fchownat, dfd, path.ptr(), c_long::from(uid), c_long::from(gid), c_long::from(flags))
    })
}

/// fchown(2); an id of `u32::MAX` (-1) leaves that id as it is.
pub fn fchown(fd: c_int, uid: u32, gid: u32) -> Result<i64, Errno> {
    let uid = (uid != u32::MAX).then(|| rustix::fs::Uid::from_raw(uid));
    let gid = (gid != u32::MAX).then(|| rustix::fs::Gid::from_raw(gid));
    done(rustix::fs::fchown(borrowed(fd)?, uid, gid))
}

// ---------------------------------------------------------------------------------------------
// times

/// utime(2) with the host's `struct utimbuf` (two `long`s), or NULL for now.
pub fn utime(path: &HostPath, times: Option<&[c_long; 2]>) -> Result<i64, Errno> {
    let tp = times.map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: as in `openat`; `tp` is NULL or a live local the host reads.
    host(unsafe { libc::syscall(libc::SYS_utime, path.ptr(), tp) })
}

/// Two host `struct timeval`s or `struct timespec`s (each two `long`s), or NULL for now.
pub type Times<'a> = Option<&'a [c_long; 4]>;

fn times_ptr(times: Times<'_>) -> *const c_long {
    times.map_or(std::ptr::null(), |t| t.as_ptr())
}

/// utimes(2).
pub fn utimes(path: &HostPath, times: Times<'_>) -> Result<i64, Errno> {
    // SAFETY: as in `utime`.
    host(unsafe { libc::syscall(libc::SYS_utimes, path.ptr(), times_ptr(times)) })
}

/// futimesat(2).
pub fn futimesat(dfd: c_int, path: &HostPath, times: Times<'_>) -> Result<i64, Errno> {
    // SAFETY: as in `utime`.
    host(unsafe { libc::syscall(libc::SYS_futimesat, dfd, path.ptr(), times_ptr(times)) })
}

/// utimensat(2).
pub fn utimensat(dfd: c_int, path: &HostPath, times: Times<'_>, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `utime`.
    host(unsafe { libc::syscall(libc::SYS_utimensat, dfd, path.ptr(), times_ptr(times), c_long::from(flags)) })
}

// ---------------------------------------------------------------------------------------------
// the rest

/// truncate(2) to `len` (a negative one is EINVAL from the host).
pub fn truncate(path: &HostPath, len: i64) -> Result<i64, Errno> {
    // SAFETY: as in `openat`.
    host(unsafe { libc::syscall(libc::SYS_truncate, path.ptr(), len) })
}

/// umask(2): the previous mask.
pub fn umask(mask: c_uint) -> u32 {
    rustix::process::umask(rustix::fs::Mode::from_bits_retain(mask)).bits()
}

/// sync(2).
pub fn sync() {
    rustix::fs::sync();
}

/// syncfs(2).
pub fn syncfs(fd: c_int) -> Result<i64, Errno> {
    done(rustix::fs::syncfs(borrowed(fd)?))
}

/// `sizeof(struct cachestat_range)` (off, len) and `sizeof(struct cachestat)` (five counters):
/// `__u64` fields only, the same for i386.
pub const CACHESTAT_RANGE_SIZE: usize = 16;
pub const CACHESTAT_SIZE: usize = 40;
/// cachestat's x86-64 number (libc has no name for it yet).
const SYS_CACHESTAT: c_long = 451;

/// A guest struct the host reads or writes in place: NULL, refused, or at least `size` bytes
/// (a shorter range is refused).
fn sized(p: InPlace, size: usize) -> *mut c_void {
    match p {
        InPlace::Guest(r) if r.len() < size => InPlace::Refused.ptr(),
        p => p.ptr(),
    }
}

/// cachestat(2) on the guest's `struct cachestat_range` and `struct cachestat` in place (its
/// flags, fd, hugetlbfs and permission checks come before it reads the range).
pub fn cachestat(fd: c_int, range: InPlace, out: InPlace, flags: c_uint) -> Result<i64, Errno> {
    let (range, out) = (sized(range, CACHESTAT_RANGE_SIZE), sized(out, CACHESTAT_SIZE));
    // SAFETY: each struct is guest memory of its size, NULL, or an address the host refuses.
    host(unsafe { libc::syscall(SYS_CACHESTAT, fd, range, out, flags) })
}
