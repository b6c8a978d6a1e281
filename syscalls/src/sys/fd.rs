//! File-descriptor syscalls: read(2)/write(2) and their vector and positioned forms, lseek(2),
//! close(2) and close_range(2), the dup family, fcntl(2), ioctl(2), pipe(2), fsync(2), ftruncate(2), fadvise and
//! flock(2).
//!
//! Guest fds are host fds, so each handler is the host call with the guest's arguments translated.
//! Two rules keep the answers the kernel's, in the kernel's order of checks:
//!
//! - The emulator's own fds (from [`fd_floor`] up) look closed: [`host_fd`] turns them into `-1`
//!   before the host call, so the host answers EBADF at exactly the point the kernel would (after
//!   a flags check, before a pointer is read, …).
//! - Guest buffers are not checked up front. On a 64-bit kernel a 32-bit task's pointers always
//!   pass `access_ok`, and the fault comes from the copy itself: a read at end of file returns 0
//!   whatever the buffer, a write to a pipe with no reader is EPIPE, and a copy that faults
//!   part-way returns what it moved. So the host gets the part of the buffer the guest may access
//!   or, when there is none, a host page that faults ([`fault_page`]), and the host's own copy
//!   loop decides, as the kernel's would.
//!
//! Structs the host lays out like i386 (termios, winsize, f_owner_ex) are copied through a local
//! buffer; `struct flock` is translated ([`crate::abi::fcntl`]).

use super::hostarg::uint;
use crate::abi::fcntl::*;
use crate::abi::termios;
use crate::entry;
use crate::host;
use crate::mem::{GuestMemory, GuestMemoryExt, Prot, PAGE_SIZE};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{abi::nr, Errno, SysResult};
use std::os::fd::BorrowedFd;
use std::sync::OnceLock;

const WHENCE: &[(u32, &str)] = &[(0, "SEEK_SET"), (1, "SEEK_CUR"), (2, "SEEK_END"), (3, "SEEK_DATA"), (4, "SEEK_HOLE")];
const CLOEXEC_FLAG: &[(u32, &str)] = &[(0o2000000, "O_CLOEXEC")];
const PIPE_FLAGS: &[(u32, &str)] =
    &[(0o4000, "O_NONBLOCK"), (0o40000, "O_DIRECT"), (0o200, "O_NOTIFICATION_PIPE"), (0o2000000, "O_CLOEXEC")];
const FCNTL_CMDS: &[(u32, &str)] = &[
    (F_DUPFD, "F_DUPFD"),
    (F_GETFD, "F_GETFD"),
    (F_SETFD, "F_SETFD"),
    (F_GETFL, "F_GETFL"),
    (F_SETFL, "F_SETFL"),
    (F_GETLK, "F_GETLK"),
    (F_SETLK, "F_SETLK"),
    (F_SETLKW, "F_SETLKW"),
    (F_SETOWN, "F_SETOWN"),
    (F_GETOWN, "F_GETOWN"),
    (F_SETSIG, "F_SETSIG"),
    (F_GETSIG, "F_GETSIG"),
    (F_GETLK64, "F_GETLK64"),
    (F_SETLK64, "F_SETLK64"),
    (F_SETLKW64, "F_SETLKW64"),
    (F_SETOWN_EX, "F_SETOWN_EX"),
    (F_GETOWN_EX, "F_GETOWN_EX"),
    (F_GETOWNER_UIDS, "F_GETOWNER_UIDS"),
    (F_OFD_GETLK, "F_OFD_GETLK"),
    (F_OFD_SETLK, "F_OFD_SETLK"),
    (F_OFD_SETLKW, "F_OFD_SETLKW"),
    (F_SETLEASE, "F_SETLEASE"),
    (F_GETLEASE, "F_GETLEASE"),
    (F_NOTIFY, "F_NOTIFY"),
    (F_DUPFD_QUERY, "F_DUPFD_QUERY"),
    (F_CREATED_QUERY, "F_CREATED_QUERY"),
    (F_CANCELLK, "F_CANCELLK"),
    (F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"),
    (F_SETPIPE_SZ, "F_SETPIPE_SZ"),
    (F_GETPIPE_SZ, "F_GETPIPE_SZ"),
    (F_ADD_SEALS, "F_ADD_SEALS"),
    (F_GET_SEALS, "F_GET_SEALS"),
    (F_GET_RW_HINT, "F_GET_RW_HINT"),
    (F_SET_RW_HINT, "F_SET_RW_HINT"),
];
const IOCTL_NAMES: &[(u32, &str)] = &[
    (termios::TCGETS, "TCGETS"),
    (termios::TCSETS, "TCSETS"),
    (termios::TCSETSW, "TCSETSW"),
    (termios::TCSETSF, "TCSETSF"),
    (termios::TCGETA, "TCGETA"),
    (termios::TCSETA, "TCSETA"),
    (termios::TCSETAW, "TCSETAW"),
    (termios::TCSETAF, "TCSETAF"),
    (termios::TCSBRK, "TCSBRK"),
    (termios::TCXONC, "TCXONC"),
    (termios::TCFLSH, "TCFLSH"),
    (termios::TIOCEXCL, "TIOCEXCL"),
    (termios::TIOCNXCL, "TIOCNXCL"),
    (termios::TIOCSCTTY, "TIOCSCTTY"),
    (termios::TIOCGPGRP, "TIOCGPGRP"),
    (termios::TIOCSPGRP, "TIOCSPGRP"),
    (termios::TIOCOUTQ, "TIOCOUTQ"),
    (termios::TIOCSTI, "TIOCSTI"),
    (termios::TIOCGWINSZ, "TIOCGWINSZ"),
    (termios::TIOCSWINSZ, "TIOCSWINSZ"),
    (termios::TIOCMGET, "TIOCMGET"),
    (termios::TIOCMBIS, "TIOCMBIS"),
    (termios::TIOCMBIC, "TIOCMBIC"),
    (termios::TIOCMSET, "TIOCMSET"),
    (termios::FIONREAD, "FIONREAD"),
    (termios::TIOCPKT, "TIOCPKT"),
    (termios::FIONBIO, "FIONBIO"),
    (termios::TIOCNOTTY, "TIOCNOTTY"),
    (termios::TIOCSETD, "TIOCSETD"),
    (termios::TIOCGETD, "TIOCGETD"),
    (termios::TCSBRKP, "TCSBRKP"),
    (termios::TIOCSBRK, "TIOCSBRK"),
    (termios::TIOCCBRK, "TIOCCBRK"),
    (termios::TIOCGSID, "TIOCGSID"),
    (termios::TCGETS2, "TCGETS2"),
    (termios::TCSETS2, "TCSETS2"),
    (termios::TCSETSW2, "TCSETSW2"),
    (termios::TCSETSF2, "TCSETSF2"),
    (termios::TIOCGPTN, "TIOCGPTN"),
    (termios::TIOCSPTLCK, "TIOCSPTLCK"),
    (termios::TIOCGPKT, "TIOCGPKT"),
    (termios::TIOCGPTLCK, "TIOCGPTLCK"),
    (termios::TIOCGEXCL, "TIOCGEXCL"),
    (termios::TIOCGPTPEER, "TIOCGPTPEER"),
    (termios::FIONCLEX, "FIONCLEX"),
    (termios::FIOCLEX, "FIOCLEX"),
    (termios::FIOASYNC, "FIOASYNC"),
    (termios::FIOQSIZE, "FIOQSIZE"),
    (termios::TIOCGDEV, "TIOCGDEV"),
    (termios::TIOCSIG, "TIOCSIG"),
    (termios::TIOCVHANGUP, "TIOCVHANGUP"),
    (termios::TIOCCONS, "TIOCCONS"),
    (termios::TIOCGSOFTCAR, "TIOCGSOFTCAR"),
    (termios::TIOCSSOFTCAR, "TIOCSSOFTCAR"),
    (termios::TIOCGLCKTRMIOS, "TIOCGLCKTRMIOS"),
    (termios::TIOCSLCKTRMIOS, "TIOCSLCKTRMIOS"),
];

const CLOSE_RANGE_UNSHARE: u32 = 2;
const CLOSE_RANGE_CLOEXEC: u32 = 4;
const CLOSE_RANGE_FLAGS: &[(u32, &str)] =
    &[(CLOSE_RANGE_UNSHARE, "CLOSE_RANGE_UNSHARE"), (CLOSE_RANGE_CLOEXEC, "CLOSE_RANGE_CLOEXEC")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::close_range, close_range, [Uint, Uint, Flags(CLOSE_RANGE_FLAGS)]),
    entry!(nr::read, read, [Fd, OutBuf, Uint]).blocks().restarts(),
    entry!(nr::write, write, [Fd, InBuf(2), Uint]).blocks().restarts(),
    entry!(nr::readv, readv, [Fd, IovecOut(2), Int]).blocks().restarts(),
    entry!(nr::writev, writev, [Fd, Iovec(2), Int]).blocks().restarts(),
    entry!(nr::pread64, pread64, [Fd, OutBuf, Uint, Off64, Skip]).blocks().restarts(),
    entry!(nr::pwrite64, pwrite64, [Fd, InBuf(2), Uint, Off64, Skip]).blocks().restarts(),
    entry!(nr::preadv, preadv, [Fd, IovecOut(2), Int, Off64, Skip]).blocks().restarts(),
    entry!(nr::pwritev, pwritev, [Fd, Iovec(2), Int, Off64, Skip]).blocks().restarts(),
    entry!(nr::preadv2, preadv2, [Fd, IovecOut(2), Int, Off64, Skip, Hex]).blocks().restarts(),
    entry!(nr::pwritev2, pwritev2, [Fd, Iovec(2), Int, Off64, Skip, Hex]).blocks().restarts(),
    entry!(nr::lseek, lseek, [Fd, Int, Enum(WHENCE)]),
    entry!(nr::_llseek, llseek, [Fd, Off64Hi, Skip, Out(&Int64Ptr), Enum(WHENCE)]),
    entry!(nr::close, close, [Fd]),
    entry!(nr::dup, dup, [Fd]),
    entry!(nr::dup2, dup2, [Fd, Fd]),
    entry!(nr::dup3, dup3, [Fd, Fd, Flags(CLOEXEC_FLAG)]),
    entry!(nr::fcntl, fcntl, [Fd, Enum(FCNTL_CMDS), FcntlArg], crate::row::Ret::Fcntl).blocks().restarts(),
    entry!(nr::fcntl64, fcntl64, [Fd, Enum(FCNTL_CMDS), FcntlArg], crate::row::Ret::Fcntl).blocks().restarts(),
    entry!(nr::ioctl, ioctl, [Fd, IoctlReq(IOCTL_NAMES), IoctlArg]).restarts(),
    entry!(nr::pipe, pipe, [FdPair]),
    entry!(nr::pipe2, pipe2, [FdPair, Flags(PIPE_FLAGS)]),
    entry!(nr::fsync, fsync, [Fd]).blocks().restarts(),
    entry!(nr::fdatasync, fdatasync, [Fd]).blocks(),
    entry!(nr::ftruncate, ftruncate, [Fd, Uint]),
    entry!(nr::ftruncate64, ftruncate64, [Fd, Off64, Skip]),
    entry!(nr::fadvise64, fadvise64, [Fd, Uint, Uint, Uint, Int]),
    entry!(nr::fadvise64_64, fadvise64_64, [Fd, Uint, Uint, Uint, Uint, Int]),
    entry!(nr::flock, flock, [Fd, Flags(crate::trace::names::LOCK_OPS)]).blocks().restarts(),
];

// ---------------------------------------------------------------------------------------------
// Guest fds

/// How many fds the emulator keeps for itself, from [`fd_floor`] up, when it keeps any.
pub const OWN_FDS: u64 = 16;

/// A hard limit up to which the emulator's fds go above it (larger ones make every fork copy a
/// table that size, so the soft limit is used instead).
const FLOOR_AT_HARD_MAX: u64 = 1 << 16;

/// The guest's RLIMIT_NOFILE `(soft, hard)` when it is emulated (the emulator keeps fds of its
/// own); `None`: the host's limit is the guest's.
static GUEST_NOFILE: std::sync::Mutex<Option<(u64, u64)>> = std::sync::Mutex::new(None);
static FLOOR: OnceLock<i32> = OnceLock::new();

/// Set up the guest's RLIMIT_NOFILE and the emulator's fd range, once, before the guest runs.
/// `inherited` is the guest's limit handed over by the emulator of the program that executed
/// this one; `own_fds`: whether this emulator keeps fds of its own for the whole run (a trace
/// file, the gdb connection).
///
/// Without fds of its own the emulator leaves the whole table to the guest: the host's limit is
/// the guest's, checked and enforced by the host kernel. With them, the guest's limit is emulated
/// and the emulator's fds sit above it: at the guest's hard limit when the host's hard limit can
/// be that much higher (CAP_SYS_RESOURCE), so the guest may raise its soft limit and use every fd
/// below, as natively. Without that privilege, 16 below the hard limit when the soft limit is
/// lower (the host's soft limit rises to the hard one): the guest has its whole soft limit, and
/// meets EMFILE early only if it raises it into those last 16; else at its soft limit when only
/// that can rise (a hard limit too large to place fds under); else, with no room at all (soft
/// limit equal to the hard one), 16 below the soft limit, where the guest meets EMFILE early.
///
/// Why not exact there: the kernel checks RLIMIT_NOFILE when it hands out an fd (alloc_fd()), so
/// an fd of the emulator's above the guest's hard limit can only be made by raising the host's
/// hard limit, which needs CAP_SYS_RESOURCE. Keeping the trace file in another fd table (a host
/// thread after unshare(CLONE_FILES)) would free the guest's table, but a guest fork copies only
/// the calling thread and its table, and the child could then reach the trace file only through
/// a free slot in a table the guest may have filled.
pub fn init_nofile(inherited: Option<(u64, u64)>, own_fds: bool) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let set = |cur: u64, max: u64| setrlimit(Resource::Nofile, Rlimit { current: Some(cur), maximum: Some(max) });
    let host = getrlimit(Resource::Nofile);
    let host_hard = host.maximum.unwrap_or(u64::MAX);
    let (soft, hard) = inherited.unwrap_or((host.current.unwrap_or(1024), host_hard));
    let soft = soft.min(hard);
    if !own_fds && set(soft, hard).is_ok() {
        let _ = FLOOR.set(i32::MAX);
        return;
    }
    let floor = if hard <= FLOOR_AT_HARD_MAX && set(hard + OWN_FDS, host_hard.max(hard + OWN_FDS)).is_ok() {
        hard
    } else if hard <= FLOOR_AT_HARD_MAX && soft + OWN_FDS <= hard && hard <= host_hard && set(hard, host_hard).is_ok() {
        hard - OWN_FDS
    } else if soft + OWN_FDS <= host_hard && set(soft + OWN_FDS, host_hard).is_ok() {
        soft
    } else {
        soft.clamp(64, 1 << 20) - OWN_FDS
    };
    *GUEST_NOFILE.lock().unwrap_or_else(|e| e.into_inner()) = Some((soft, hard));
    let _ = FLOOR.set(floor.min(i32::MAX as u64) as i32);
}

/// The host's limit while [`bump_for_exec`] has raised it.
static BUMPED: std::sync::Mutex<Option<(u64, u64)>> = std::sync::Mutex::new(None);

/// When the host's limit is the guest's: raise the host's soft limit by [`OWN_FDS`] (when the hard
/// limit allows) for an execve, which opens files of its own (the program, the emulator binary)
/// even when the guest's table is full, as the kernel's execve needs no fd. [`unbump`] puts the
/// guest's limit back, before the new program starts or when the execve failed.
pub fn bump_for_exec() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    if nofile_emulated() {
        return;
    }
    let host = getrlimit(Resource::Nofile);
    let (Some(soft), Some(hard)) = (host.current, host.maximum) else { return };
    let bumped = Rlimit { current: Some(soft.saturating_add(OWN_FDS).min(hard)), maximum: Some(hard) };
    if soft < hard && setrlimit(Resource::Nofile, bumped).is_ok() {
        *BUMPED.lock().unwrap_or_else(|e| e.into_inner()) = Some((soft, hard));
    }
}

/// Undo [`bump_for_exec`].
pub fn unbump() {
    use rustix::process::{setrlimit, Resource, Rlimit};
    if let Some((soft, hard)) = BUMPED.lock().unwrap_or_else(|e| e.into_inner()).take() {
        let _ = setrlimit(Resource::Nofile, Rlimit { current: Some(soft), maximum: Some(hard) });
    }
}

/// The guest's RLIMIT_NOFILE `(soft, hard)`.
pub fn guest_nofile() -> (u64, u64) {
    fd_floor();
    if let Some(limit) = *GUEST_NOFILE.lock().unwrap_or_else(|e| e.into_inner()) {
        return limit;
    }
    if let Some(limit) = *BUMPED.lock().unwrap_or_else(|e| e.into_inner()) {
        return limit;
    }
    let host = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    (host.current.unwrap_or(u64::MAX), host.maximum.unwrap_or(u64::MAX))
}

/// Whether the guest's RLIMIT_NOFILE is emulated (else it is the host's own).
pub fn nofile_emulated() -> bool {
    fd_floor();
    GUEST_NOFILE.lock().unwrap_or_else(|e| e.into_inner()).is_some()
}

/// Record a new emulated guest RLIMIT_NOFILE (checked by the caller, see `info.rs`).
pub fn set_guest_nofile(soft: u64, hard: u64) {
    *GUEST_NOFILE.lock().unwrap_or_else(|e| e.into_inner()) = Some((soft, hard));
}

/// The first fd number the guest may not get: its soft limit, or the emulator's floor.
pub fn fd_limit() -> i32 {
    let soft = guest_nofile().0;
    soft.min(fd_floor() as u64) as i32
}

/// The lowest host fd the emulator keeps for itself (`i32::MAX` when it keeps none). Guest fds
/// are the host fds below it; the emulator places its own fds from here up (see
/// [`init_nofile`]).
pub fn fd_floor() -> i32 {
    if FLOOR.get().is_none() {
        init_nofile(None, true);
    }
    FLOOR.get().copied().unwrap_or(0)
}

/// A guest fd argument as the host fd to pass on, or `bad` when it is not a guest fd (negative, or
/// one of the emulator's): `bad` is closed on the host, so the host answers EBADF where the kernel
/// would.
fn host_fd_or(raw: u32, bad: i32) -> i32 {
    let fd = raw as i32;
    if (0..fd_floor()).contains(&fd) {
        fd
    } else {
        bad
    }
}

/// A guest fd argument as the host fd to pass to a raw host call (`-1` when it is not a guest fd).
pub fn host_fd(raw: u32) -> i32 {
    host_fd_or(raw, -1)
}

/// A guest fd argument as a borrowed host fd, for handlers that call rustix. EBADF for a negative
/// number or one of the emulator's fds; the host answers EBADF for one that is not open.
pub fn guest_fd(raw: u32) -> Result<BorrowedFd<'static>, Errno> {
    match host_fd(raw) {
        -1 => Err(Errno::BADF),
        // SAFETY: the fd is only used for the duration of one host syscall; if it is not open the
        // host answers EBADF, which is the guest's answer too.
        fd => Ok(unsafe { BorrowedFd::borrow_raw(fd) }),
    }
}

/// Hand a newly created host fd to the guest. One at or past the guest's limit (every guest fd
/// below it is taken) is closed again: EMFILE, as alloc_fd() answers.
pub fn new_guest_fd(fd: i32) -> Result<u32, Errno> {
    if fd >= fd_limit() {
        // SAFETY: the fd was just created by the caller's host call and is not used elsewhere.
        unsafe { libc::close(fd) };
        return Err(Errno::MFILE);
    }
    Ok(fd as u32)
}

// ---------------------------------------------------------------------------------------------
// Host calls and guest buffers

/// A host result as the guest's `%eax` (32-bit truncation, as the compat return path does).
fn ret(r: libc::c_long) -> SysResult {
    Ok(host(r)? as u32)
}

/// A host region that is never accessible, [`MAX_RW_COUNT`] bytes long: it stands for the part of a
/// guest buffer from its first bad byte on, so the host's copy faults exactly where the guest's
/// would, and the host decides what that means (a short count for a file, EFAULT for a pipe
/// chunk, 0 at end of file…). Null if it cannot be reserved (page 0 is never mapped either).
pub(crate) fn fault_page() -> *mut libc::c_void {
    static PAGE: OnceLock<usize> = OnceLock::new();
    let addr = *PAGE.get_or_init(|| {
        // SAFETY: a fresh PROT_NONE reservation that nothing else refers to; it is never freed.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                MAX_RW_COUNT as usize,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            0
        } else {
            p as usize
        }
    });
    addr as *mut libc::c_void
}

/// Which way a transfer moves data through guest memory.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    /// The host writes guest memory (read, readv, …).
    ToGuest,
    /// The host reads guest memory (write, writev, …).
    FromGuest,
}

/// How many bytes from the start of `[addr, addr+len)` the guest may access for `dir`: where a
/// kernel copy loop would stop with a fault.
fn accessible_prefix(mem: &mut dyn GuestMemory, addr: u32, len: usize, dir: Dir) -> usize {
    if dir == Dir::FromGuest {
        return mem.readable_prefix(addr, len).len();
    }
    if mem.slice_mut(addr, len).is_ok() {
        return len;
    }
    let mut done = 0usize;
    while done < len {
        let Some(at) = u32::try_from(done).ok().and_then(|d| addr.checked_add(d)) else {
            break;
        };
        let chunk = ((PAGE_SIZE - at % PAGE_SIZE) as usize).min(len - done);
        if mem.slice_mut(at, chunk).is_err() {
            break;
        }
        done += chunk;
    }
    done
}

/// The host address of `n` accessible guest bytes at `addr` (`n` from [`accessible_prefix`]).
fn host_ptr(mem: &mut dyn GuestMemory, addr: u32, n: usize, dir: Dir) -> Option<*mut libc::c_void> {
    match dir {
        Dir::ToGuest => mem.slice_mut(addr, n).ok().map(|s| s.as_mut_ptr().cast()),
        Dir::FromGuest => GuestMemory::slice(mem, addr, n).ok().map(|s| s.as_ptr().cast_mut().cast()),
    }
}

/// Host iovecs for guest buffers `(addr, len)` (lengths already capped at MAX_RW_COUNT in
/// total): buffers the guest can access in full pass as they are; the first one it cannot becomes
/// its accessible prefix followed by a stretch of the fault region as long as everything left, so
/// the host transfer has the guest's total length and faults at the guest's first bad byte.
fn host_iovecs(mem: &mut dyn GuestMemory, segs: &[(u32, usize)], dir: Dir) -> Vec<libc::iovec> {
    let mut iov = Vec::with_capacity(segs.len() + 1);
    for (i, &(base, len)) in segs.iter().enumerate() {
        let n = accessible_prefix(mem, base, len, dir);
        let p = host_ptr(mem, base, n, dir);
        if let Some(p) = p.filter(|_| n > 0 || len == 0) {
            iov.push(libc::iovec { iov_base: p, iov_len: n });
        }
        if n == len && p.is_some() {
            continue;
        }
        let rest = (len - n) + segs.iter().skip(i + 1).map(|s| s.1).sum::<usize>();
        // The host takes at most IOV_MAX segments; past that the transfer just stops here.
        if iov.len() < IOV_MAX as usize {
            iov.push(libc::iovec { iov_base: fault_page(), iov_len: rest.min(MAX_RW_COUNT as usize) });
        }
        break;
    }
    iov
}

/// `UIO_MAXIOV`.
const IOV_MAX: u32 = 1024;
/// `MAX_RW_COUNT`: the most one read or write transfers (`INT_MAX & PAGE_MASK`).
const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// The guest's `struct iovec` array (8 bytes each on i386) as host iovecs (lib/iov_iter.c
/// `__import_iovec`): more than IOV_MAX entries is EINVAL; entries are read in order, an unreadable
/// one is EFAULT and a negative length EINVAL; the total is capped at MAX_RW_COUNT. Buffers are
/// translated by [`host_iovecs`].
pub(super) fn import_iovec(
    mem: &mut dyn GuestMemory,
    vec: u32,
    vlen: u32,
    dir: Dir,
) -> Result<Vec<libc::iovec>, Errno> {
    if vlen > IOV_MAX {
        return Err(Errno::INVAL);
    }
    let mut segs = Vec::with_capacity(vlen as usize);
    for i in 0..vlen {
        let at = vec.checked_add(i * 8).ok_or(Errno::FAULT)?;
        let raw: [u8; 8] = mem.read_obj(at)?;
        let base = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let len = i32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
        if len < 0 {
            return Err(Errno::INVAL);
        }
        segs.push((base, len as u64));
    }
    let mut total = 0u64;
    for seg in &mut segs {
        seg.1 = seg.1.min(MAX_RW_COUNT - total);
        total += seg.1;
    }
    let segs: Vec<(u32, usize)> = segs.into_iter().map(|(b, l)| (b, l as usize)).collect();
    Ok(host_iovecs(mem, &segs, dir))
}

/// A 64-bit value passed in two registers, low word first.
fn lohi(lo: u32, hi: u32) -> i64 {
    ((u64::from(hi) << 32) | u64::from(lo)) as i64
}

// ---------------------------------------------------------------------------------------------
// read, write and their vector and positioned forms

/// One guest buffer as host iovecs (see [`host_iovecs`]); `count` is capped at MAX_RW_COUNT as
/// `rw_verify_area` caps it.
fn one_buf(mem: &mut dyn GuestMemory, addr: u32, count: u32, dir: Dir) -> Vec<libc::iovec> {
    host_iovecs(mem, &[(addr, (u64::from(count).min(MAX_RW_COUNT)) as usize)], dir)
}

/// The plain and positioned transfers: a buffer the guest can access in full goes to `plain` as
/// one; otherwise the host gets the vector form (`vector`) with the fault region after the good
/// part, so a fault part-way is the host's to judge, as the kernel's copy loop judges it.
fn transfer(
    ctx: &mut Ctx,
    a: &Args,
    dir: Dir,
    plain: impl Fn(i32, *mut libc::c_void, usize) -> libc::c_long,
    vector: impl Fn(i32, *const libc::iovec, usize) -> libc::c_long,
) -> SysResult {
    let fd = host_fd(a[0]);
    let iov = one_buf(ctx.mem, a[1], a[2], dir);
    match iov.as_slice() {
        [one] if one.iov_base != fault_page() => ret(plain(fd, one.iov_base, one.iov_len)),
        _ => {
            // A buffer whose bad pages are unmapped (inaccessible on the host too) goes to the
            // plain call as it is: the host faults where the guest's kernel would, also for files
            // that take a transfer whole (an eventfd's 8 bytes: EFAULT, where the vector form
            // would hand it a short first segment: EINVAL).
            let n = u64::from(a[2]).min(MAX_RW_COUNT) as usize;
            let access = if dir == Dir::ToGuest { Prot::WRITE } else { Prot::READ };
            match ctx.mem.host_range(a[1], n, access) {
                Ok(p) => ret(plain(fd, p.cast(), n)),
                Err(_) => ret(vector(fd, iov.as_ptr(), iov.len())),
            }
        }
    }
}

/// read(2), write(2), readv(2) or writev(2) (`vectored`) on a socket whose object the socket table
/// knows (not a plain host socket): sock_read_iter() and sock_write_iter(), through the object.
/// `None` for every other fd (one relaxed load while the table is empty).
fn socket_transfer(ctx: &mut Ctx, a: &Args, dir: Dir, vectored: bool) -> Option<SysResult> {
    let (fd, sock) = super::socket::known(a[0])?;
    let iov = if vectored {
        import_iovec(ctx.mem, a[1], a[2], dir)
    } else {
        let n = u64::from(a[2]).min(MAX_RW_COUNT) as usize;
        let access = if dir == Dir::ToGuest { Prot::WRITE } else { Prot::READ };
        ctx.mem.host_range(a[1], n, access).map(|p| vec![libc::iovec { iov_base: p.cast(), iov_len: n }])
    };
    let mut iov = match iov {
        Ok(iov) => iov,
        Err(e) => return Some(Err(e.into())),
    };
    let done = if dir == Dir::ToGuest { sock.read(fd, &mut iov) } else { sock.write(fd, &mut iov) };
    Some(done.map(|n| n as u32).map_err(Into::into))
}

/// Implements read(2): straight into guest memory.
fn read(ctx: &mut Ctx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::ToGuest, false) {
        return r;
    }
    // SAFETY: the buffers are guest memory the guest may write, or the fault region.
    transfer(
        ctx,
        a,
        Dir::ToGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_read, fd, p, n) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_readv, fd, iov, n) },
    )
}

/// Implements write(2): straight from guest memory.
fn write(ctx: &mut Ctx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::FromGuest, false) {
        return r;
    }
    // SAFETY: the buffers are guest memory the guest may read, or the fault region.
    transfer(
        ctx,
        a,
        Dir::FromGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_write, fd, p, n) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_writev, fd, iov, n) },
    )
}

/// Implements pread64(2): the offset comes in two registers, low word first.
fn pread64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `read`. The x86-64 preadv takes the whole offset in its low-word argument.
    transfer(
        ctx,
        a,
        Dir::ToGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_pread64, fd, p, n, pos) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_preadv, fd, iov, n, pos, 0) },
    )
}

/// Implements pwrite64(2).
fn pwrite64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `write`.
    transfer(
        ctx,
        a,
        Dir::FromGuest,
        |fd, p, n| unsafe { libc::syscall(libc::SYS_pwrite64, fd, p, n, pos) },
        |fd, iov, n| unsafe { libc::syscall(libc::SYS_pwritev, fd, iov, n, pos, 0) },
    )
}

/// The vector calls. The host call is made twice: first with no segments, which runs every check
/// the kernel makes before it reads the iovec array (offset, fd, mode, seekability), then with the
/// translated array. `call(fd, iov, count)` is the host syscall.
fn vector(
    ctx: &mut Ctx,
    a: &Args,
    dir: Dir,
    call: impl Fn(i32, *const libc::iovec, usize) -> libc::c_long,
) -> SysResult {
    let fd = host_fd(a[0]);
    host(call(fd, std::ptr::null(), 0))?;
    let iov = import_iovec(ctx.mem, a[1], a[2], dir)?;
    if iov.is_empty() {
        return Ok(0);
    }
    ret(call(fd, iov.as_ptr(), iov.len()))
}

/// Implements readv(2).
fn readv(ctx: &mut Ctx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::ToGuest, true) {
        return r;
    }
    // SAFETY: the iovecs describe guest memory the guest may write, or the fault page.
    vector(ctx, a, Dir::ToGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_readv, fd, iov, n) })
}

/// Implements writev(2).
fn writev(ctx: &mut Ctx, a: &Args) -> SysResult {
    if let Some(r) = socket_transfer(ctx, a, Dir::FromGuest, true) {
        return r;
    }
    // SAFETY: the iovecs describe guest memory the guest may read, or the fault page.
    vector(ctx, a, Dir::FromGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_writev, fd, iov, n) })
}

/// Implements preadv(2): `(fd, iov, iovcnt, pos_low, pos_high)`.
fn preadv(ctx: &mut Ctx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `readv`. The x86-64 call takes the whole offset in its low-word argument.
    vector(ctx, a, Dir::ToGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_preadv, fd, iov, n, pos, 0) })
}

/// Implements pwritev(2).
fn pwritev(ctx: &mut Ctx, a: &Args) -> SysResult {
    let pos = lohi(a[3], a[4]);
    // SAFETY: as in `writev`.
    vector(ctx, a, Dir::FromGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_pwritev, fd, iov, n, pos, 0) })
}

/// Implements preadv2(2): offset -1 means the file position; `RWF_*` flags go to the host.
fn preadv2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (pos, flags) = (lohi(a[3], a[4]), a[5] as libc::c_int);
    // SAFETY: as in `readv`.
    vector(ctx, a, Dir::ToGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_preadv2, fd, iov, n, pos, 0, flags) })
}

/// Implements pwritev2(2).
fn pwritev2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (pos, flags) = (lohi(a[3], a[4]), a[5] as libc::c_int);
    // SAFETY: as in `writev`.
    vector(ctx, a, Dir::FromGuest, |fd, iov, n| unsafe { libc::syscall(libc::SYS_pwritev2, fd, iov, n, pos, 0, flags) })
}

// ---------------------------------------------------------------------------------------------
// Seeking, closing, duplicating

/// Implements lseek(2) with a 32-bit signed offset. A 64-bit kernel computes the new position in
/// 64 bits and the compat return path truncates it to 32 (`ksys_lseek` has no EOVERFLOW there;
/// glibc's lseek uses _llseek and checks itself).
fn lseek(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_lseek, host_fd(a[0]), i64::from(a[1] as i32), a[2]) })
}

/// Implements _llseek(2): `(fd, offset_high, offset_low, loff_t *result, whence)`. The position
/// moves before the result is stored, so a bad pointer is EFAULT with the file already moved, as
/// in the kernel.
fn llseek(ctx: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    let pos = host(unsafe { libc::syscall(libc::SYS_lseek, host_fd(a[0]), lohi(a[2], a[1]), a[4]) })?;
    ctx.mem.write(a[3], &pos.to_le_bytes())?;
    Ok(0)
}

/// Implements close(2).
fn close(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: closing a guest fd the guest asked to close; the emulator's own fds are never passed.
    ret(unsafe { libc::syscall(libc::SYS_close, host_fd(a[0])) })
}

/// Implements dup(2).
fn dup(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    let fd = host(unsafe { libc::syscall(libc::SYS_dup, host_fd(a[0])) })?;
    Ok(new_guest_fd(fd as i32)?)
}

/// A dup2/dup3 target as the host fd to pass on: at or past the guest's limit it is -2 (as
/// unsigned, past any limit: EBADF, as `ksys_dup3` says for `newfd >= rlimit`), which keeps
/// "different fds" different.
fn dup_target(raw: u32) -> i32 {
    if (raw as i32) < fd_limit() {
        host_fd_or(raw, -2)
    } else {
        -2
    }
}

/// Implements dup2(2): `dup2(fd, fd)` only checks that `fd` is open. A target at or above the
/// guest's limit: EBADF.
fn dup2(_: &mut Ctx, a: &Args) -> SysResult {
    let old = host_fd(a[0]);
    let new = if a[0] == a[1] { old } else { dup_target(a[1]) };
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_dup2, old, new) })
}

/// Implements dup3(2): EINVAL for flags other than O_CLOEXEC or when both fds are the same, then
/// EBADF for a target past the limit, then for a bad source.
fn dup3(_: &mut Ctx, a: &Args) -> SysResult {
    let old = host_fd(a[0]);
    let new = if a[0] == a[1] { old } else { dup_target(a[1]) };
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_dup3, old, new, a[2] as libc::c_int) })
}

// ---------------------------------------------------------------------------------------------
// fcntl

/// `F_OWNER_PGRP` of `struct f_owner_ex`.
const F_OWNER_PGRP: i32 = 2;

/// A host fcntl with an integer argument.
fn host_fcntl(fd: i32, cmd: libc::c_int, arg: libc::c_long) -> Result<i64, Errno> {
    // SAFETY: the commands passed here take an integer or a pointer to a local of the right size.
    host(unsafe { libc::syscall(libc::SYS_fcntl, fd, cmd, arg) })
}

/// `fdget_raw` and the O_PATH rule of `check_fcntl_cmd`, for commands that read guest memory:
/// those come after both checks.
fn fcntl_fd_check(fd: i32) -> Result<(), Errno> {
    let flags = host_fcntl(fd, libc::F_GETFL, 0)?;
    if flags & i64::from(libc::O_PATH) != 0 {
        return Err(Errno::BADF);
    }
    Ok(())
}

/// Implements fcntl(2). On the 64-bit kernels this targets, i386's fcntl is fcntl64: the 64-bit
/// and OFD lock commands work through it too (checked against the host kernel).
fn fcntl(ctx: &mut Ctx, a: &Args) -> SysResult {
    fcntl64(ctx, a)
}

/// Implements fcntl64(2) (`do_compat_fcntl64`): F_GETLK/F_SETLK* take the 16-byte i386 `struct
/// flock`, F_*LK64 and F_OFD_* the 24-byte `struct flock64`.
fn fcntl64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, cmd, arg) = (host_fd(a[0]), a[1], a[2]);
    let int_arg = libc::c_long::from(arg as i32);
    match cmd {
        F_GETLK => {
            fcntl_fd_check(fd)?;
            let mut lock = ctx.mem.read_obj::<Flock32>(arg)?.to_host();
            host_fcntl(fd, libc::F_GETLK, &mut lock as *mut libc::flock as libc::c_long)?;
            // fixup_compat_flock(): a start a 32-bit off_t cannot hold is EOVERFLOW.
            let out = Flock32::from_host(&lock).ok_or(Errno::OVERFLOW)?;
            ctx.mem.write_obj(arg, &out)?;
            Ok(0)
        }
        F_SETLK | F_SETLKW => {
            fcntl_fd_check(fd)?;
            let lock = ctx.mem.read_obj::<Flock32>(arg)?.to_host();
            let host_cmd = if cmd == F_SETLK { libc::F_SETLK } else { libc::F_SETLKW };
            host_fcntl(fd, host_cmd, &lock as *const libc::flock as libc::c_long)?;
            Ok(0)
        }
        F_GETLK64 | F_OFD_GETLK => {
            fcntl_fd_check(fd)?;
            let mut lock = ctx.mem.read_obj::<Flock64>(arg)?.to_host();
            let host_cmd = if cmd == F_GETLK64 { libc::F_GETLK } else { libc::F_OFD_GETLK };
            host_fcntl(fd, host_cmd, &mut lock as *mut libc::flock as libc::c_long)?;
            ctx.mem.write_obj(arg, &Flock64::from_host(&lock))?;
            Ok(0)
        }
        F_SETLK64 | F_SETLKW64 | F_OFD_SETLK | F_OFD_SETLKW => {
            fcntl_fd_check(fd)?;
            let lock = ctx.mem.read_obj::<Flock64>(arg)?.to_host();
            let host_cmd = match cmd {
                F_SETLK64 => libc::F_SETLK,
                F_SETLKW64 => libc::F_SETLKW,
                F_OFD_SETLK => libc::F_OFD_SETLK,
                _ => libc::F_OFD_SETLKW,
            };
            host_fcntl(fd, host_cmd, &lock as *const libc::flock as libc::c_long)?;
            Ok(0)
        }
        // `struct f_owner_ex` is two ints on both sides; a u64 rw hint is a u64.
        F_SETOWN_EX | F_SET_RW_HINT => {
            fcntl_fd_check(fd)?;
            let val: [u8; 8] = ctx.mem.read_obj(arg)?;
            host_fcntl(fd, cmd as libc::c_int, val.as_ptr() as libc::c_long)?;
            Ok(0)
        }
        F_GETOWN_EX | F_GET_RW_HINT | F_GETOWNER_UIDS => {
            fcntl_fd_check(fd)?;
            let mut val = [0u8; 8];
            host_fcntl(fd, cmd as libc::c_int, val.as_mut_ptr() as libc::c_long)?;
            ctx.mem.write(arg, &val)?;
            Ok(0)
        }
        // f_getown(): a process group owner is reported negative. The host's F_GETOWN would make
        // that look like an error here, so ask with F_GETOWN_EX.
        F_GETOWN => {
            let mut owner = [0i32; 2];
            host_fcntl(fd, F_GETOWN_EX as libc::c_int, owner.as_mut_ptr() as libc::c_long)?;
            let [kind, pid] = owner;
            Ok(if kind == F_OWNER_PGRP { pid.wrapping_neg() } else { pid } as u32)
        }
        // f_dupfd(): a start at or past the guest's limit is EINVAL (after the fd check).
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let from = if arg < fd_limit() as u32 { int_arg } else { -1 };
            let new = host_fcntl(fd, cmd as libc::c_int, from)?;
            Ok(new_guest_fd(new as i32)?)
        }
        F_DUPFD_QUERY => Ok(host_fcntl(fd, cmd as libc::c_int, host_fd(arg).into())? as u32),
        F_GETFD | F_SETFD | F_GETFL | F_SETFL | F_SETOWN | F_SETSIG | F_GETSIG | F_SETLEASE | F_GETLEASE | F_NOTIFY
        | F_CREATED_QUERY | F_CANCELLK | F_SETPIPE_SZ | F_GETPIPE_SZ | F_ADD_SEALS | F_GET_SEALS => {
            Ok(host_fcntl(fd, cmd as libc::c_int, int_arg)? as u32)
        }
        // do_fcntl()'s default; an O_PATH fd fails check_fcntl_cmd first.
        _ => {
            fcntl_fd_check(fd)?;
            Err(Errno::INVAL.into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ioctl

/// How an ioctl's argument crosses to the host.
#[derive(Clone, Copy)]
enum Io {
    /// An integer, or nothing.
    Value,
    /// A pointer to this many bytes the call reads.
    In(usize),
    /// A pointer to this many bytes the call writes.
    Out(usize),
    /// A pointer to this many bytes the call reads and writes back.
    InOut(usize),
    /// An integer; the result is a new fd.
    NewFd,
}

const INT: usize = 4;

/// perf_event ioctls (linux/perf_event.h) whose numbers are the same on i386 and x86-64.
const PERF_EVENT_IOC_ENABLE: u32 = 0x2400;
const PERF_EVENT_IOC_DISABLE: u32 = 0x2401;
const PERF_EVENT_IOC_REFRESH: u32 = 0x2402;
const PERF_EVENT_IOC_RESET: u32 = 0x2403;
const PERF_EVENT_IOC_PERIOD: u32 = 0x4008_2404;
const PERF_EVENT_IOC_SET_OUTPUT: u32 = 0x2405;
const PERF_EVENT_IOC_SET_BPF: u32 = 0x4004_2408;
const PERF_EVENT_IOC_PAUSE_OUTPUT: u32 = 0x4004_2409;

/// The requests forwarded, with their i386 argument layouts (the same on x86-64).
const IOCTLS: &[(u32, Io)] = {
    use termios::*;
    use Io::*;
    &[
        (TCGETS, Out(size_of::<Termios>())),
        (TCSETS, In(size_of::<Termios>())),
        (TCSETSW, In(size_of::<Termios>())),
        (TCSETSF, In(size_of::<Termios>())),
        (TCGETA, Out(size_of::<Termio>())),
        (TCSETA, In(size_of::<Termio>())),
        (TCSETAW, In(size_of::<Termio>())),
        (TCSETAF, In(size_of::<Termio>())),
        (TCGETS2, Out(size_of::<Termios2>())),
        (TCSETS2, In(size_of::<Termios2>())),
        (TCSETSW2, In(size_of::<Termios2>())),
        (TCSETSF2, In(size_of::<Termios2>())),
        (TCSBRK, Value),
        (TCSBRKP, Value),
        (TCXONC, Value),
        (TCFLSH, Value),
        (TIOCEXCL, Value),
        (TIOCNXCL, Value),
        (TIOCGEXCL, Out(INT)),
        (TIOCSCTTY, Value),
        (TIOCNOTTY, Value),
        (TIOCGPGRP, Out(INT)),
        (TIOCSPGRP, In(INT)),
        (TIOCGSID, Out(INT)),
        (TIOCOUTQ, Out(INT)),
        (TIOCSTI, In(1)),
        (TIOCGWINSZ, Out(size_of::<Winsize>())),
        (TIOCSWINSZ, In(size_of::<Winsize>())),
        (TIOCMGET, Out(INT)),
        (TIOCMBIS, In(INT)),
        (TIOCMBIC, In(INT)),
        (TIOCMSET, In(INT)),
        (TIOCGETD, Out(INT)),
        (TIOCSETD, In(INT)),
        (TIOCSBRK, Value),
        (TIOCCBRK, Value),
        (TIOCPKT, In(INT)),
        (TIOCGPKT, Out(INT)),
        (TIOCGPTN, Out(INT)),
        (TIOCSPTLCK, In(INT)),
        (TIOCGPTLCK, Out(INT)),
        (TIOCGPTPEER, NewFd),
        (TIOCGDEV, Out(INT)),
        (TIOCSIG, Value),
        (TIOCVHANGUP, Value),
        (TIOCCONS, Value),
        (TIOCGSOFTCAR, Out(INT)),
        (TIOCSSOFTCAR, In(INT)),
        (TIOCGLCKTRMIOS, Out(size_of::<Termios>())),
        (TIOCSLCKTRMIOS, In(size_of::<Termios>())),
        (FIONREAD, Out(INT)),
        (FIONBIO, In(INT)),
        (FIOASYNC, In(INT)),
        (FIOCLEX, Value),
        (FIONCLEX, Value),
        (FIOQSIZE, Out(8)),
        // perf_event_open(2) fds: the requests whose number and argument are the same on i386
        // (the pointer-sized ones, PERF_EVENT_IOC_ID, SET_FILTER, QUERY_BPF and
        // MODIFY_ATTRIBUTES, are not: ENOTTY).
        (PERF_EVENT_IOC_ENABLE, Value),
        (PERF_EVENT_IOC_DISABLE, Value),
        (PERF_EVENT_IOC_REFRESH, Value),
        (PERF_EVENT_IOC_RESET, Value),
        (PERF_EVENT_IOC_PERIOD, In(8)),
        (PERF_EVENT_IOC_SET_OUTPUT, Value),
        (PERF_EVENT_IOC_SET_BPF, Value),
        (PERF_EVENT_IOC_PAUSE_OUTPUT, Value),
        // userfaultfd(2) fds: the handshake (the range requests: super::userfaultfd).
        (super::userfaultfd::UFFDIO_API, InOut(super::userfaultfd::UFFDIO_API_SIZE)),
    ]
};

/// A host ioctl.
fn host_ioctl(fd: i32, req: u32, arg: libc::c_ulong) -> Result<i64, Errno> {
    // SAFETY: `arg` is an integer or points to a local buffer of the request's size (or the fault
    // page), as the table says.
    host(unsafe { libc::syscall(libc::SYS_ioctl, fd, libc::c_ulong::from(req), arg) })
}

/// Implements ioctl(2) for the requests in [`IOCTLS`]. The guest's argument is copied through a
/// local buffer; when the guest cannot access it, the host gets the fault page, so a request the
/// file does not support is still ENOTTY rather than EFAULT. Other requests: EBADF for a bad fd,
/// else ENOTTY, what most drivers answer for a request they do not know.
fn ioctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, req, arg) = (host_fd(a[0]), a[1], a[2]);
    if let Some(r) = super::netioctl::ioctl(ctx, a[0], req, arg) {
        return r;
    }
    if let Some(r) = super::fsioctl::ioctl(ctx, fd, req, arg) {
        return r;
    }
    if let Some(r) = super::userfaultfd::ioctl(ctx, fd, req, arg) {
        return r;
    }
    let Some(&(_, io)) = IOCTLS.iter().find(|(r, _)| *r == req) else {
        // fdget(): an O_PATH fd is EBADF here too.
        fcntl_fd_check(fd)?;
        return Err(Errno::NOTTY.into());
    };
    match io {
        Io::Value => Ok(host_ioctl(fd, req, arg.into())? as u32),
        Io::NewFd => Ok(new_guest_fd(host_ioctl(fd, req, arg.into())? as i32)?),
        Io::In(n) => {
            let mut buf = vec![0u8; n];
            let p = match ctx.mem.read(arg, &mut buf) {
                Ok(()) => buf.as_mut_ptr().cast(),
                Err(_) => fault_page(),
            };
            Ok(host_ioctl(fd, req, p as libc::c_ulong)? as u32)
        }
        Io::InOut(n) => {
            let mut buf = vec![0u8; n];
            let ok = ctx.mem.read(arg, &mut buf).is_ok() && ctx.mem.slice_mut(arg, n).is_ok();
            let p = if ok { buf.as_mut_ptr().cast() } else { fault_page() };
            let r = host_ioctl(fd, req, p as libc::c_ulong);
            if ok {
                ctx.mem.write(arg, &buf)?;
            }
            Ok(r? as u32)
        }
        Io::Out(n) => {
            let mut buf = vec![0u8; n];
            let writable = ctx.mem.slice_mut(arg, n).is_ok();
            let p = if writable { buf.as_mut_ptr().cast() } else { fault_page() };
            let r = host_ioctl(fd, req, p as libc::c_ulong)?;
            if writable {
                ctx.mem.write(arg, &buf)?;
            }
            Ok(r as u32)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// pipe, sync, truncate, advice, flock

/// Implements pipe(2).
fn pipe(ctx: &mut Ctx, a: &Args) -> SysResult {
    pipe2(ctx, &[a[0], 0, 0, 0, 0, 0])
}

/// Implements pipe2(2) (`do_pipe2`): flags are checked and both fds made before the array is
/// written; if that faults the fds are closed again and the answer is EFAULT.
fn pipe2(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut fds = [-1i32; 2];
    // SAFETY: `fds` is a local array of two ints.
    host(unsafe { libc::syscall(libc::SYS_pipe2, fds.as_mut_ptr(), a[1] as libc::c_int) })?;
    let close_both = || {
        // SAFETY: both fds were just created here and are not used elsewhere.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    };
    if fds.iter().any(|&fd| fd >= fd_limit()) {
        close_both();
        return Err(Errno::MFILE.into());
    }
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&fds[0].to_le_bytes());
    out[4..].copy_from_slice(&fds[1].to_le_bytes());
    if let Err(e) = ctx.mem.write(a[0], &out) {
        close_both();
        return Err(e.into());
    }
    Ok(0)
}

/// Implements fsync(2).
fn fsync(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_fsync, host_fd(a[0])) })
}

/// Implements fdatasync(2).
fn fdatasync(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_fdatasync, host_fd(a[0])) })
}

/// Implements ftruncate(2) (`compat_sys_ftruncate`): the length is an unsigned 32-bit value.
fn ftruncate(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_ftruncate, host_fd(a[0]), i64::from(a[1])) })
}

/// Implements ftruncate64(2): `(fd, length_low, length_high)`; a negative length is EINVAL before
/// the fd is looked at (the host checks in the same order).
fn ftruncate64(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_ftruncate, host_fd(a[0]), lohi(a[1], a[2])) })
}

/// Implements fadvise64(2) (i386 number 250): `(fd, offset_low, offset_high, size_t len, advice)`.
fn fadvise64(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    ret(unsafe {
        libc::syscall(libc::SYS_fadvise64, host_fd(a[0]), lohi(a[1], a[2]), i64::from(a[3]), a[4] as libc::c_int)
    })
}

/// Implements fadvise64_64(2): `(fd, offset_low, offset_high, len_low, len_high, advice)`.
fn fadvise64_64(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    ret(unsafe {
        libc::syscall(libc::SYS_fadvise64, host_fd(a[0]), lohi(a[1], a[2]), lohi(a[3], a[4]), a[5] as libc::c_int)
    })
}

/// Implements flock(2). The host checks the operation before the fd, as the guest's kernel does
/// (and ignores LOCK_MAND entirely).
fn flock(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: plain integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_flock, host_fd(a[0]), a[1]) })
}

/// Implements close_range(2). The kernel's checks (flags, then `first > last`) are made on the
/// guest's values; then the range is cut below [`fd_floor`], so the emulator's own fds are never
/// closed or marked close-on-exec (with CLOSE_RANGE_UNSHARE the host copies them into the new
/// table, as the kernel copies fds outside the range).
fn close_range(_: &mut Ctx, a: &Args) -> SysResult {
    let [first, last, flags, ..] = *a;
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::INVAL.into());
    }
    let top = fd_floor() as u32 - 1;
    if first > top {
        // Nothing of the guest's in the range; UNSHARE alone would only copy the table.
        return Ok(0);
    }
    // SAFETY: integer arguments; the range holds guest fds only.
    ret(unsafe { libc::syscall(libc::SYS_close_range, uint(first), uint(last.min(top)), uint(flags)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::testing::FlatMemory;

    #[test]
    fn emulator_fds_and_negative_fds_are_not_guest_fds() {
        assert_eq!(host_fd(3), 3);
        assert_eq!(host_fd(u32::MAX), -1);
        assert_eq!(host_fd(fd_floor() as u32), -1);
        assert_eq!(host_fd(fd_floor() as u32 - 1), fd_floor() - 1);
        assert!(guest_fd(fd_floor() as u32).is_err());
    }

    #[test]
    fn lohi_puts_the_low_word_first() {
        assert_eq!(lohi(1, 0), 1);
        assert_eq!(lohi(0, 1), 1 << 32);
        assert_eq!(lohi(u32::MAX, u32::MAX), -1);
    }

    fn iovec_at(m: &mut FlatMemory, at: u32, segs: &[(u32, i32)]) {
        for (i, (base, len)) in segs.iter().enumerate() {
            let mut raw = [0u8; 8];
            raw[..4].copy_from_slice(&base.to_le_bytes());
            raw[4..].copy_from_slice(&len.to_le_bytes());
            m.write(at + 8 * i as u32, &raw).unwrap();
        }
    }

    #[test]
    fn iovec_checks_count_entries_and_lengths_in_order() {
        let mut m = FlatMemory::new(0x1000, 0x1000);
        assert_eq!(import_iovec(&mut m, 0x1000, IOV_MAX + 1, Dir::ToGuest).unwrap_err(), Errno::INVAL);
        assert!(import_iovec(&mut m, 0x1000, 0, Dir::ToGuest).unwrap().is_empty());
        // Entry 1 runs off the end of memory: EFAULT; a negative length before it wins.
        iovec_at(&mut m, 0x1ff8, &[(0x1000, 4)]);
        assert_eq!(import_iovec(&mut m, 0x1ff8, 2, Dir::ToGuest).unwrap_err(), Errno::FAULT);
        iovec_at(&mut m, 0x1ff8, &[(0x1000, -1)]);
        assert_eq!(import_iovec(&mut m, 0x1ff8, 2, Dir::ToGuest).unwrap_err(), Errno::INVAL);
    }

    #[test]
    fn iovec_faults_where_the_guest_would_with_the_guest_total() {
        let mut m = FlatMemory::new(0x1000, 0x1000);
        let lens = |iov: &[libc::iovec]| iov.iter().map(|v| v.iov_len).collect::<Vec<_>>();
        iovec_at(&mut m, 0x1000, &[(0x1100, 16), (0x1ff0, 32), (0x1200, 8)]);
        let iov = import_iovec(&mut m, 0x1000, 3, Dir::ToGuest).unwrap();
        assert_eq!(lens(&iov), [16, 16, 24]);
        assert_eq!(iov[2].iov_base, fault_page());
        iovec_at(&mut m, 0x1000, &[(0x1100, 0), (0x9000, 32), (0x1200, 8)]);
        let iov = import_iovec(&mut m, 0x1000, 3, Dir::ToGuest).unwrap();
        assert_eq!(lens(&iov), [0, 40]);
        assert_eq!(iov[1].iov_base, fault_page());
        // Lengths are capped at MAX_RW_COUNT in total.
        iovec_at(&mut m, 0x1000, &[(0x1100, i32::MAX), (0x1100, i32::MAX)]);
        let iov = import_iovec(&mut m, 0x1000, 2, Dir::FromGuest).unwrap();
        assert_eq!(iov.iter().map(|v| v.iov_len as u64).sum::<u64>(), MAX_RW_COUNT);
    }

    #[test]
    fn flock_translation_reports_overflow_and_clamps_length() {
        let mut h = Flock32::default().to_host();
        h.l_start = 1 << 31;
        assert!(Flock32::from_host(&h).is_none());
        h.l_start = 5;
        h.l_len = 1 << 40;
        assert_eq!(Flock32::from_host(&h).unwrap().l_len.get(), i32::MAX);
    }
}
