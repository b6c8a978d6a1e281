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
//!
//! This file keeps the guest fd table's rules (limits, the emulator's own fds), the rows, and
//! lseek, close, dup, pipe, sync, truncate, fadvise, flock and close_range; the transfers and
//! their guest buffers are in [`rw`], fcntl and ioctl in [`control`].

use crate::abi::fcntl::*;
use crate::abi::termios;
use crate::entry;
use crate::hostcall::{fds, numbers};
use crate::mem::{GuestMemory, GuestMemoryExt};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
use crate::{abi::nr, Errno, SysResult};
use std::os::fd::BorrowedFd;
use std::sync::OnceLock;

mod control;
mod rw;

pub(crate) use control::forward_ioctl;
use control::{fcntl, fcntl64, ioctl};
pub(crate) use rw::fault_page;
pub(super) use rw::{import_iovec, Dir};
use rw::{pread64, preadv, preadv2, pwrite64, pwritev, pwritev2, read, readv, write, writev};

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
    entry!(nr::read, may_block read, [Fd, OutBuf, Uint]).blocks().restarts(),
    entry!(nr::write, may_block write, [Fd, InBuf(2), Uint]).blocks().restarts(),
    entry!(nr::readv, may_block readv, [Fd, IovecOut(2), Int]).blocks().restarts(),
    entry!(nr::writev, may_block writev, [Fd, Iovec(2), Int]).blocks().restarts(),
    entry!(nr::pread64, may_block pread64, [Fd, OutBuf, Uint, Off64, Skip]).blocks().restarts(),
    entry!(nr::pwrite64, may_block pwrite64, [Fd, InBuf(2), Uint, Off64, Skip]).blocks().restarts(),
    entry!(nr::preadv, may_block preadv, [Fd, IovecOut(2), Int, Off64, Skip]).blocks().restarts(),
    entry!(nr::pwritev, may_block pwritev, [Fd, Iovec(2), Int, Off64, Skip]).blocks().restarts(),
    entry!(nr::preadv2, may_block preadv2, [Fd, IovecOut(2), Int, Off64, Skip, Hex]).blocks().restarts(),
    entry!(nr::pwritev2, may_block pwritev2, [Fd, Iovec(2), Int, Off64, Skip, Hex]).blocks().restarts(),
    entry!(nr::lseek, lseek, [Fd, Int, Enum(WHENCE)]),
    entry!(nr::_llseek, llseek, [Fd, Off64Hi, Skip, Out(&Int64Ptr), Enum(WHENCE)]),
    entry!(nr::close, close, [Fd]),
    entry!(nr::dup, dup, [Fd]),
    entry!(nr::dup2, dup2, [Fd, Fd]),
    entry!(nr::dup3, dup3, [Fd, Fd, Flags(CLOEXEC_FLAG)]),
    entry!(nr::fcntl, may_block fcntl, [Fd, Enum(FCNTL_CMDS), FcntlArg], crate::row::Ret::Fcntl).blocks().restarts(),
    entry!(nr::fcntl64, may_block fcntl64, [Fd, Enum(FCNTL_CMDS), FcntlArg], crate::row::Ret::Fcntl)
        .blocks()
        .restarts(),
    entry!(nr::ioctl, ioctl, [Fd, IoctlReq(IOCTL_NAMES), IoctlArg]).restarts(),
    entry!(nr::pipe, pipe, [FdPair]),
    entry!(nr::pipe2, pipe2, [FdPair, Flags(PIPE_FLAGS)]),
    entry!(nr::fsync, may_block fsync, [Fd]).blocks().restarts(),
    entry!(nr::fdatasync, may_block fdatasync, [Fd]).blocks(),
    entry!(nr::ftruncate, ftruncate, [Fd, Uint]),
    entry!(nr::ftruncate64, ftruncate64, [Fd, Off64, Skip]),
    entry!(nr::fadvise64, fadvise64, [Fd, Uint, Uint, Uint, Int]),
    entry!(nr::fadvise64_64, fadvise64_64, [Fd, Uint, Uint, Uint, Uint, Int]),
    entry!(nr::flock, may_block flock, [Fd, Flags(crate::trace::names::LOCK_OPS)]).blocks().restarts(),
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
        fd => Ok(fds::borrow(fd)),
    }
}

/// Hand a newly created host fd to the guest. One at or past the guest's limit (every guest fd
/// below it is taken) is closed again: EMFILE, as alloc_fd() answers.
pub fn new_guest_fd(fd: i32) -> Result<u32, Errno> {
    if fd >= fd_limit() {
        fds::discard(fd);
        return Err(Errno::MFILE);
    }
    Ok(fd as u32)
}

// ---------------------------------------------------------------------------------------------
// Host calls

/// A host call of numbers only ([`numbers`]), its value for `%eax`.
fn num(nr: libc::c_long, args: &[libc::c_long]) -> SysResult {
    Ok(numbers(nr, args)? as u32)
}

/// A 64-bit value passed in two registers, low word first.
fn lohi(lo: u32, hi: u32) -> i64 {
    ((u64::from(hi) << 32) | u64::from(lo)) as i64
}

// ---------------------------------------------------------------------------------------------
// Seeking, closing, duplicating

/// Implements lseek(2) with a 32-bit signed offset. A 64-bit kernel computes the new position in
/// 64 bits and the compat return path truncates it to 32 (`ksys_lseek` has no EOVERFLOW there;
/// glibc's lseek uses _llseek and checks itself).
fn lseek(_: &mut Ctx, a: &Args) -> SysResult {
    num(libc::SYS_lseek, &[host_fd(a[0]).into(), (a[1] as i32).into(), a[2].into()])
}

/// Implements _llseek(2): `(fd, offset_high, offset_low, loff_t *result, whence)`. The position
/// moves before the result is stored, so a bad pointer is EFAULT with the file already moved, as
/// in the kernel.
fn llseek(ctx: &mut Ctx, a: &Args) -> SysResult {
    let pos = numbers(libc::SYS_lseek, &[host_fd(a[0]).into(), lohi(a[2], a[1]), a[4].into()])?;
    ctx.mem.write(a[3], &pos.to_le_bytes())?;
    Ok(0)
}

/// Implements close(2).
fn close(_: &mut Ctx, a: &Args) -> SysResult {
    let r = fds::close(host_fd(a[0]));
    super::socket::fds_closed(a[0], a[0]);
    Ok(r? as u32)
}

/// Implements dup(2).
fn dup(_: &mut Ctx, a: &Args) -> SysResult {
    let fd = numbers(libc::SYS_dup, &[host_fd(a[0]).into()])?;
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
    let r = fds::dup2(old, new);
    super::socket::fds_closed(a[1], a[1]);
    Ok(r? as u32)
}

/// Implements dup3(2): EINVAL for flags other than O_CLOEXEC or when both fds are the same, then
/// EBADF for a target past the limit, then for a bad source.
fn dup3(_: &mut Ctx, a: &Args) -> SysResult {
    let old = host_fd(a[0]);
    let new = if a[0] == a[1] { old } else { dup_target(a[1]) };
    let r = fds::dup3(old, new, a[2] as libc::c_int);
    super::socket::fds_closed(a[1], a[1]);
    Ok(r? as u32)
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
    let pipe = fds::pipe2(a[1] as libc::c_int)?;
    let close_both = || pipe.iter().for_each(|&fd| fds::discard(fd));
    if pipe.iter().any(|&fd| fd >= fd_limit()) {
        close_both();
        return Err(Errno::MFILE.into());
    }
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&pipe[0].to_le_bytes());
    out[4..].copy_from_slice(&pipe[1].to_le_bytes());
    if let Err(e) = ctx.mem.write(a[0], &out) {
        close_both();
        return Err(e.into());
    }
    Ok(0)
}

/// Implements fsync(2).
fn fsync(_: &mut BlockingCtx, a: &Args) -> SysResult {
    num(libc::SYS_fsync, &[host_fd(a[0]).into()])
}

/// Implements fdatasync(2).
fn fdatasync(_: &mut BlockingCtx, a: &Args) -> SysResult {
    num(libc::SYS_fdatasync, &[host_fd(a[0]).into()])
}

/// Implements ftruncate(2) (`compat_sys_ftruncate`): the length is an unsigned 32-bit value.
fn ftruncate(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    num(libc::SYS_ftruncate, &[host_fd(a[0]).into(), a[1].into()])
}

/// Implements ftruncate64(2): `(fd, length_low, length_high)`; a negative length is EINVAL before
/// the fd is looked at (the host checks in the same order).
fn ftruncate64(ctx: &mut Ctx, a: &Args) -> SysResult {
    ctx.mem.objects_resized();
    num(libc::SYS_ftruncate, &[host_fd(a[0]).into(), lohi(a[1], a[2])])
}

/// Implements fadvise64(2) (i386 number 250): `(fd, offset_low, offset_high, size_t len, advice)`.
fn fadvise64(_: &mut Ctx, a: &Args) -> SysResult {
    num(libc::SYS_fadvise64, &[host_fd(a[0]).into(), lohi(a[1], a[2]), a[3].into(), (a[4] as i32).into()])
}

/// Implements fadvise64_64(2): `(fd, offset_low, offset_high, len_low, len_high, advice)`.
fn fadvise64_64(_: &mut Ctx, a: &Args) -> SysResult {
    num(libc::SYS_fadvise64, &[host_fd(a[0]).into(), lohi(a[1], a[2]), lohi(a[3], a[4]), (a[5] as i32).into()])
}

/// Implements flock(2). The host checks the operation before the fd, as the guest's kernel does
/// (and ignores LOCK_MAND entirely).
fn flock(_: &mut BlockingCtx, a: &Args) -> SysResult {
    num(libc::SYS_flock, &[host_fd(a[0]).into(), a[1].into()])
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
    let r = fds::close_range(first, last.min(top), flags);
    super::socket::fds_closed(first, last.min(top));
    Ok(r? as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

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
