//! The host calls of execve(2) (sys/exec.rs): opening the file as do_open_execat() does, the
//! host's execveat(2), fd flags by number, the lease probe behind ETXTBSY, SIGPIPE's disposition.

use crate::{host, Errno};
use libc::c_int;
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// fcntl(2) F_GETFD on a number that may be no fd (EBADF then).
pub fn fd_flags(fd: c_int) -> Result<c_int, Errno> {
    // SAFETY: F_GETFD takes no pointer.
    Ok(host(unsafe { libc::fcntl(fd, libc::F_GETFD) }.into())? as c_int)
}

/// fcntl(2) F_SETFD on a number that may be no fd (EBADF then).
pub fn set_fd_flags(fd: c_int, flags: c_int) -> Result<(), Errno> {
    // SAFETY: F_SETFD takes no pointer.
    host(unsafe { libc::fcntl(fd, libc::F_SETFD, flags) }.into()).map(drop)
}

/// A new fd the host just returned (or its error).
fn new_fd(r: c_int) -> Result<OwnedFd, Errno> {
    host(r.into())?;
    // SAFETY: a new fd nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// `dir` duplicated close-on-exec (the file an empty name with AT_EMPTY_PATH means).
pub fn dup_cloexec(dir: c_int) -> Result<OwnedFd, Errno> {
    // SAFETY: F_DUPFD_CLOEXEC takes no pointer; EBADF if `dir` is no fd.
    new_fd(unsafe { libc::fcntl(dir, libc::F_DUPFD_CLOEXEC, 0) })
}

/// openat(2) `O_PATH | O_CLOEXEC`, and `O_NOFOLLOW` unless `follow`, relative to `dir` (a number
/// that may be no fd, or AT_FDCWD).
pub fn open_path(dir: c_int, path: &CStr, follow: bool) -> Result<OwnedFd, Errno> {
    let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
    // SAFETY: a NUL-terminated string that outlives the call.
    new_fd(unsafe { libc::openat(dir, path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC | nofollow) })
}

/// faccessat2(2) X_OK with AT_EACCESS on the open file itself: may the caller execute it.
pub fn may_execute(file: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: an empty C string with AT_EMPTY_PATH names the open file itself.
    host(unsafe {
        libc::syscall(
            libc::SYS_faccessat2,
            file.as_raw_fd(),
            c"".as_ptr(),
            libc::X_OK,
            libc::AT_EMPTY_PATH | libc::AT_EACCESS,
        )
    })
    .map(drop)
}

/// execveat(2) with these arguments and environment; only its error comes back.
pub fn execveat(dir: c_int, path: &CStr, argv: &[CString], envp: &[CString], flags: c_int) -> Errno {
    let ptrs = |v: &[CString]| -> Vec<*const libc::c_char> {
        v.iter().map(|s| s.as_ptr()).chain(std::iter::once(std::ptr::null())).collect()
    };
    let (argv, envp) = (ptrs(argv), ptrs(envp));
    // SAFETY: NUL-terminated strings and NULL-terminated arrays that outlive the call; on success
    // the call does not return.
    let r = unsafe { libc::syscall(libc::SYS_execveat, dir, path.as_ptr(), argv.as_ptr(), envp.as_ptr(), flags) };
    host(r).err().unwrap_or(Errno::NOEXEC)
}

/// Whether a read lease on `file` is refused with EAGAIN (someone has it open for writing); a
/// lease taken is given back at once.
pub fn read_lease_refused(file: BorrowedFd<'_>) -> bool {
    let fd = file.as_raw_fd();
    // SAFETY: F_SETLEASE takes no pointer.
    match host(unsafe { libc::fcntl(fd, libc::F_SETLEASE, libc::F_RDLCK) }.into()) {
        Ok(_) => {
            // SAFETY: as above.
            unsafe { libc::fcntl(fd, libc::F_SETLEASE, libc::F_UNLCK) };
            false
        }
        Err(e) => e == Errno::AGAIN,
    }
}

/// Whether SIGPIPE is ignored on the host.
pub fn sigpipe_ignored() -> bool {
    // SAFETY: plain data; all zeroes is a value.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a query only; `old` is a live sigaction the call writes.
    unsafe { libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN }
}
