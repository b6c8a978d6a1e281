//! Special kinds of fd and the small calls around fds: eventfd(2), eventfd2(2), timerfd_create(2),
//! timerfd_settime(2), timerfd_gettime(2) (each in its 32-bit-time and time64 form), signalfd(2),
//! signalfd4(2), inotify_init(2), inotify_init1(2), inotify_add_watch(2), inotify_rm_watch(2),
//! memfd_create(2), pidfd_open(2), close_range(2), getcpu(2), fallocate(2), sync_file_range(2),
//! readahead(2).
//!
//! Every one of these fds is a host fd of the same kind, and what is read from it is the same on
//! every architecture (a `u64` count from an eventfd or a timerfd, `struct signalfd_siginfo` of
//! 128 bytes, `struct inotify_event`), so read(2), write(2), poll(2) and epoll need nothing here.
//! What this file translates:
//!
//! - i386 layouts: `struct old_itimerspec32` and `struct __kernel_itimerspec`, and 64-bit offsets
//!   split over two registers, low word first (arch/x86/kernel/sys_ia32.c, `ia32_fallocate`…).
//! - New fds go through [`new_guest_fd`], and the emulator's own fds look closed
//!   ([`super::fd::host_fd`]); close_range(2) never reaches them.
//! - Checks happen in the kernel's order. Where the kernel reads a guest string after checking
//!   other arguments (a path, a memfd name), the host gets a stand-in it fails on the same way
//!   (a kernel address for EFAULT, an over-long string), so the host decides what comes first.

use super::fd::{fd_floor, host_fd, new_guest_fd};
use crate::abi::nr;
use crate::abi::time::{GuestItimerspec, Itimerspec32, KernelItimerspec, CLOCK_NAMES};
use crate::entry;
use crate::host;
use crate::mem::{GuestMemoryExt, PATH_MAX};
use crate::table::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::{c_char, c_long};
use std::ffi::CString;
use std::ptr::null_mut;
use zerocopy::little_endian::U64;

const O_NONBLOCK: u32 = 0o4000;
const O_CLOEXEC: u32 = 0o2000000;

const EFD_FLAGS: &[(u32, &str)] = &[(1, "EFD_SEMAPHORE"), (O_CLOEXEC, "EFD_CLOEXEC"), (O_NONBLOCK, "EFD_NONBLOCK")];
/// strace names timerfd_create's and timerfd_settime's flags from one set.
const TFD_FLAGS: &[(u32, &str)] = &[
    (1, "TFD_TIMER_ABSTIME"),
    (2, "TFD_TIMER_CANCEL_ON_SET"),
    (O_CLOEXEC, "TFD_CLOEXEC"),
    (O_NONBLOCK, "TFD_NONBLOCK"),
];
const SFD_FLAGS: &[(u32, &str)] = &[(O_CLOEXEC, "SFD_CLOEXEC"), (O_NONBLOCK, "SFD_NONBLOCK")];
const IN_INIT_FLAGS: &[(u32, &str)] = &[(O_NONBLOCK, "IN_NONBLOCK"), (O_CLOEXEC, "IN_CLOEXEC")];
/// linux/inotify.h, in strace's order.
const IN_MASK: &[(u32, &str)] = &[
    (0x1, "IN_ACCESS"),
    (0x2, "IN_MODIFY"),
    (0x4, "IN_ATTRIB"),
    (0x8, "IN_CLOSE_WRITE"),
    (0x10, "IN_CLOSE_NOWRITE"),
    (0x20, "IN_OPEN"),
    (0x40, "IN_MOVED_FROM"),
    (0x80, "IN_MOVED_TO"),
    (0x100, "IN_CREATE"),
    (0x200, "IN_DELETE"),
    (0x400, "IN_DELETE_SELF"),
    (0x800, "IN_MOVE_SELF"),
    (0x2000, "IN_UNMOUNT"),
    (0x4000, "IN_Q_OVERFLOW"),
    (0x8000, "IN_IGNORED"),
    (0x0100_0000, "IN_ONLYDIR"),
    (0x0200_0000, "IN_DONT_FOLLOW"),
    (0x0400_0000, "IN_EXCL_UNLINK"),
    (0x1000_0000, "IN_MASK_CREATE"),
    (0x2000_0000, "IN_MASK_ADD"),
    (0x4000_0000, "IN_ISDIR"),
    (0x8000_0000, "IN_ONESHOT"),
];
/// The `MFD_*` flags strace 6.1 names: it predates MFD_NOEXEC_SEAL (8) and MFD_EXEC (0x10) of
/// Linux 6.3, and shows them as unknown bits (`0x8 /* MFD_??? */`), as this tracer does.
const MFD_FLAGS: &[(u32, &str)] = &[(1, "MFD_CLOEXEC"), (2, "MFD_ALLOW_SEALING"), (4, "MFD_HUGETLB")];
const PIDFD_FLAGS: &[(u32, &str)] = &[(O_NONBLOCK, "PIDFD_NONBLOCK"), (0o200, "PIDFD_THREAD")];
const CLOSE_RANGE_UNSHARE: u32 = 2;
const CLOSE_RANGE_CLOEXEC: u32 = 4;
const CLOSE_RANGE_FLAGS: &[(u32, &str)] =
    &[(CLOSE_RANGE_UNSHARE, "CLOSE_RANGE_UNSHARE"), (CLOSE_RANGE_CLOEXEC, "CLOSE_RANGE_CLOEXEC")];
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
    entry!(nr::eventfd, eventfd, [Uint]),
    entry!(nr::eventfd2, eventfd2, [Uint, Flags(EFD_FLAGS)]),
    entry!(nr::timerfd_create, timerfd_create, [Enum(CLOCK_NAMES), Flags(TFD_FLAGS)]),
    entry!(nr::timerfd_settime, timerfd_settime, [Fd, Flags(TFD_FLAGS), Itimerspec, Out(&Itimerspec)]),
    entry!(nr::timerfd_gettime, timerfd_gettime, [Fd, Out(&Itimerspec)]),
    entry!(nr::timerfd_settime64, timerfd_settime64, [Fd, Flags(TFD_FLAGS), Itimerspec64, Out(&Itimerspec64)]),
    entry!(nr::timerfd_gettime64, timerfd_gettime64, [Fd, Out(&Itimerspec64)]),
    entry!(nr::signalfd, signalfd, [Fd, Sigset(2), Uint]),
    entry!(nr::signalfd4, signalfd4, [Fd, Sigset(2), Uint, Flags(SFD_FLAGS)]),
    entry!(nr::inotify_init, inotify_init, []),
    entry!(nr::inotify_init1, inotify_init1, [Flags(IN_INIT_FLAGS)]),
    entry!(nr::inotify_add_watch, inotify_add_watch, [Fd, Str, Flags(IN_MASK)]),
    entry!(nr::inotify_rm_watch, inotify_rm_watch, [Fd, Int]),
    entry!(nr::memfd_create, memfd_create, [Name, MemfdFlags(MFD_FLAGS)]),
    entry!(nr::pidfd_open, pidfd_open, [Int, Flags(PIDFD_FLAGS)]),
    entry!(nr::pidfd_send_signal, pidfd_send_signal, [Fd, Int, Ptr, Hex]),
    entry!(nr::pidfd_getfd, pidfd_getfd, [Fd, Int, Hex]),
    entry!(nr::close_range, close_range, [Uint, Uint, Flags(CLOSE_RANGE_FLAGS)]),
    entry!(nr::getcpu, getcpu, [Out(&IntPtr), Out(&IntPtr), Ptr]),
    entry!(nr::fallocate, fallocate, [Fd, Flags(FALLOC_FLAGS), Off64, Skip, Off64, Skip]),
    entry!(nr::sync_file_range, sync_file_range, [Fd, Off64, Skip, Off64, Skip, Flags(SYNC_FILE_RANGE_FLAGS)]),
    entry!(nr::readahead, readahead, [Fd, Off64, Skip, Uint]),
];

// ---------------------------------------------------------------------------------------------
// i386 layouts

// ---------------------------------------------------------------------------------------------
// Host calls

/// A host call's result as the guest's `%eax`.
fn ret(r: c_long) -> SysResult {
    Ok(host(r)? as u32)
}

/// A host call that made a new fd: hand it to the guest.
fn new_fd(r: c_long) -> SysResult {
    Ok(new_guest_fd(host(r)? as i32)?)
}

/// A guest `int` argument for the host, sign-extended.
fn int(v: u32) -> c_long {
    c_long::from(v as i32)
}

/// A guest `unsigned int` argument for the host, zero-extended.
fn uint(v: u32) -> c_long {
    c_long::from(v)
}

/// A 64-bit value passed in two registers, low word first.
fn lohi(lo: u32, hi: u32) -> i64 {
    ((u64::from(hi) << 32) | u64::from(lo)) as i64
}

/// An address the host rejects with EFAULT (above the user half of the address space).
const BAD_PTR: usize = usize::MAX - 0xfff;

/// A guest string argument as the host will see it: the string, or a stand-in the host fails on
/// as the kernel fails on the guest's (see the module comment).
enum HostStr {
    Str(CString),
    /// Reading it faulted: the host gets [`BAD_PTR`].
    Fault,
    /// No NUL within the limit: the host gets `too_long`, a string just past the limit.
    TooLong(Vec<u8>),
}

impl HostStr {
    /// Read a guest string of at most `max` bytes before the NUL.
    fn read(ctx: &Ctx, addr: u32, max: usize) -> HostStr {
        match ctx.mem.read_cstr(addr, max, Errno::NAMETOOLONG) {
            // read_cstr stops at the first NUL, so there is none inside.
            Ok(bytes) => CString::new(bytes).map_or(HostStr::Fault, HostStr::Str),
            Err(Errno::NAMETOOLONG) => {
                let mut s = vec![b'x'; max + 1];
                s.push(0);
                HostStr::TooLong(s)
            }
            Err(_) => HostStr::Fault,
        }
    }

    fn ptr(&self) -> *const c_char {
        match self {
            HostStr::Str(s) => s.as_ptr(),
            HostStr::Fault => BAD_PTR as *const c_char,
            HostStr::TooLong(s) => s.as_ptr().cast(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// eventfd

/// Implements eventfd(2): eventfd2 with no flags.
fn eventfd(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: integer arguments.
    new_fd(unsafe { libc::syscall(libc::SYS_eventfd2, uint(a[0]), 0) })
}

/// Implements eventfd2(2); the host answers EINVAL for a flag outside `EFD_FLAGS_SET`.
fn eventfd2(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: integer arguments.
    new_fd(unsafe { libc::syscall(libc::SYS_eventfd2, uint(a[0]), int(a[1])) })
}

// ---------------------------------------------------------------------------------------------
// timerfd

/// Implements timerfd_create(2): clock and flags are the host's to check.
fn timerfd_create(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: integer arguments.
    new_fd(unsafe { libc::syscall(libc::SYS_timerfd_create, int(a[0]), int(a[1])) })
}

/// timerfd_settime for either layout, in the order of fs/timerfd.c: the new value is read first
/// (EFAULT, NULL included), then do_timerfd_settime() checks flags, value and fd, and the old
/// value is written last (EFAULT after the timer was set).
fn settime<T: GuestItimerspec>(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, flags, new, old, ..] = *a;
    let new = ctx.mem.read_obj::<T>(new)?.to_host();
    // SAFETY: all-zero is a valid itimerspec.
    let mut prev: libc::itimerspec = unsafe { std::mem::zeroed() };
    // SAFETY: `new` and `prev` are valid for the call.
    host(unsafe { libc::syscall(libc::SYS_timerfd_settime, host_fd(fd), int(flags), &new, &mut prev) })?;
    if old != 0 {
        ctx.mem.write_obj(old, &T::from_host(&prev))?;
    }
    Ok(0)
}

/// timerfd_gettime for either layout: the fd is checked before the pointer.
fn gettime<T: GuestItimerspec>(ctx: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: all-zero is a valid itimerspec.
    let mut cur: libc::itimerspec = unsafe { std::mem::zeroed() };
    // SAFETY: `cur` is valid for the call.
    host(unsafe { libc::syscall(libc::SYS_timerfd_gettime, host_fd(a[0]), &mut cur) })?;
    ctx.mem.write_obj(a[1], &T::from_host(&cur))?;
    Ok(0)
}

/// Implements timerfd_settime(2) with `struct old_itimerspec32`.
fn timerfd_settime(ctx: &mut Ctx, a: &Args) -> SysResult {
    settime::<Itimerspec32>(ctx, a)
}

/// Implements timerfd_gettime(2) with `struct old_itimerspec32`.
fn timerfd_gettime(ctx: &mut Ctx, a: &Args) -> SysResult {
    gettime::<Itimerspec32>(ctx, a)
}

/// Implements timerfd_settime64(2) with `struct __kernel_itimerspec`.
fn timerfd_settime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    settime::<KernelItimerspec>(ctx, a)
}

/// Implements timerfd_gettime64(2) with `struct __kernel_itimerspec`.
fn timerfd_gettime64(ctx: &mut Ctx, a: &Args) -> SysResult {
    gettime::<KernelItimerspec>(ctx, a)
}

// ---------------------------------------------------------------------------------------------
// signalfd

/// `sizeof(compat_sigset_t)`: the only size signalfd accepts.
const SIGSET_SIZE: u32 = 8;

/// do_compat_signalfd4(): the size is checked, then the set is read (EFAULT), then the host checks
/// flags and fd. Guest signal numbers are host signal numbers (the guest's mask is mirrored on the
/// host unchanged, see [`super::signal`]), so the set passes as it is; the kernel drops SIGKILL and
/// SIGSTOP from it itself.
fn do_signalfd4(ctx: &mut Ctx, ufd: u32, set: u32, size: u32, flags: u32) -> SysResult {
    if size != SIGSET_SIZE {
        return Err(Errno::INVAL.into());
    }
    let set: U64 = ctx.mem.read_obj(set)?;
    let set = set.get();
    // -1 asks for a new fd; any other fd that is not the guest's is closed as far as the guest
    // knows, and -2 is EBADF for the host too (after its flags check).
    let fd = match ufd as i32 {
        -1 => -1,
        _ => match host_fd(ufd) {
            -1 => -2,
            fd => fd,
        },
    };
    // SAFETY: an 8-byte set that outlives the call.
    let r = host(unsafe { libc::syscall(libc::SYS_signalfd4, fd, &set, SIGSET_SIZE as usize, int(flags)) })?;
    Ok(new_guest_fd(r as i32)?)
}

/// Implements signalfd(2): signalfd4 with no flags.
fn signalfd(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_signalfd4(ctx, a[0], a[1], a[2], 0)
}

/// Implements signalfd4(2).
fn signalfd4(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_signalfd4(ctx, a[0], a[1], a[2], a[3])
}

// ---------------------------------------------------------------------------------------------
// inotify

/// Implements inotify_init(2).
fn inotify_init(_: &mut Ctx, _: &Args) -> SysResult {
    // SAFETY: an integer argument.
    new_fd(unsafe { libc::syscall(libc::SYS_inotify_init1, 0) })
}

/// Implements inotify_init1(2); the host answers EINVAL for flags other than IN_CLOEXEC and
/// IN_NONBLOCK.
fn inotify_init1(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: an integer argument.
    new_fd(unsafe { libc::syscall(libc::SYS_inotify_init1, int(a[0])) })
}

/// Implements inotify_add_watch(2). The kernel checks the mask and the fd before it reads the path,
/// so the path reaches the host as a [`HostStr`].
fn inotify_add_watch(ctx: &mut Ctx, a: &Args) -> SysResult {
    let path = HostStr::read(ctx, a[1], PATH_MAX - 1);
    // SAFETY: the path is a NUL-terminated local or a kernel address the host refuses.
    ret(unsafe { libc::syscall(libc::SYS_inotify_add_watch, host_fd(a[0]), path.ptr(), uint(a[2])) })
}

/// Implements inotify_rm_watch(2).
fn inotify_rm_watch(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_inotify_rm_watch, host_fd(a[0]), int(a[1])) })
}

// ---------------------------------------------------------------------------------------------
// memfd, pidfd

/// `MFD_NAME_MAX_LEN` (mm/memfd.c): NAME_MAX less the `memfd:` prefix.
const MFD_NAME_MAX_LEN: usize = 255 - 6;

/// Implements memfd_create(2). The kernel checks the flags before it reads the name (EFAULT, or
/// EINVAL past MFD_NAME_MAX_LEN), so the name reaches the host as a [`HostStr`].
fn memfd_create(ctx: &mut Ctx, a: &Args) -> SysResult {
    let name = HostStr::read(ctx, a[0], MFD_NAME_MAX_LEN);
    // SAFETY: the name is a NUL-terminated local or a kernel address the host refuses.
    new_fd(unsafe { libc::syscall(libc::SYS_memfd_create, name.ptr(), uint(a[1])) })
}

/// Implements pidfd_open(2): guest pids are host pids.
fn pidfd_open(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: integer arguments.
    new_fd(unsafe { libc::syscall(libc::SYS_pidfd_open, int(a[0]), uint(a[1])) })
}

/// Implements pidfd_send_signal(2): the siginfo is read in the i386 layout and given to the host
/// in its own (copy_siginfo_from_user_any()); an unreadable one is a pointer the host answers
/// EFAULT for, in its order of checks.
fn pidfd_send_signal(ctx: &mut Ctx, a: &Args) -> SysResult {
    use crate::mem::GuestMemoryExt;
    let info = if a[2] == 0 {
        None
    } else {
        Some(ctx.mem.read_obj::<crate::abi::signal::Siginfo>(a[2]).map(|si| super::signal::siginfo_to_host(&si)))
    };
    let info_ptr = match &info {
        None => std::ptr::null(),
        Some(Ok(raw)) => raw.as_ptr(),
        Some(Err(_)) => super::fs::BAD_PTR as *const u8,
    };
    // SAFETY: the info pointer is null, a local 128-byte siginfo, or outside user space.
    ret(unsafe { libc::syscall(libc::SYS_pidfd_send_signal, host_fd(a[0]), int(a[1]), info_ptr, uint(a[3])) })
}

/// Implements pidfd_getfd(2): the target's fd number is its own; the new fd is the guest's.
fn pidfd_getfd(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: integer arguments.
    new_fd(unsafe { libc::syscall(libc::SYS_pidfd_getfd, host_fd(a[0]), int(a[1]), uint(a[2])) })
}

// ---------------------------------------------------------------------------------------------
// close_range

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

// ---------------------------------------------------------------------------------------------
// getcpu

/// Implements getcpu(2): each pointer is optional, both are written even when the first faults,
/// and either fault is EFAULT (kernel/sys.c). The third argument is unused.
fn getcpu(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (mut cpu, mut node): (u32, u32) = (0, 0);
    // SAFETY: two writable locals; the cache argument is unused by the kernel.
    host(unsafe { libc::syscall(libc::SYS_getcpu, &mut cpu, &mut node, null_mut::<u8>()) })?;
    let mut fault = false;
    for (ptr, v) in [(a[0], cpu), (a[1], node)] {
        if ptr != 0 {
            fault |= ctx.mem.write_u32(ptr, v).is_err();
        }
    }
    if fault {
        return Err(Errno::FAULT.into());
    }
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Calls with split 64-bit offsets (arch/x86/kernel/sys_ia32.c)

/// Implements fallocate(2): `ia32_fallocate(fd, mode, offset_lo, offset_hi, len_lo, len_hi)`.
fn fallocate(_: &mut Ctx, a: &Args) -> SysResult {
    let (offset, len) = (lohi(a[2], a[3]), lohi(a[4], a[5]));
    // SAFETY: integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_fallocate, host_fd(a[0]), int(a[1]), offset, len) })
}

/// Implements sync_file_range(2): `ia32_sync_file_range(fd, off_lo, off_hi, n_lo, n_hi, flags)`.
fn sync_file_range(_: &mut Ctx, a: &Args) -> SysResult {
    let (offset, nbytes) = (lohi(a[1], a[2]), lohi(a[3], a[4]));
    // SAFETY: integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_sync_file_range, host_fd(a[0]), offset, nbytes, uint(a[5])) })
}

/// Implements readahead(2): `ia32_readahead(fd, off_lo, off_hi, count)`.
fn readahead(_: &mut Ctx, a: &Args) -> SysResult {
    let offset = lohi(a[1], a[2]);
    // SAFETY: integer arguments.
    ret(unsafe { libc::syscall(libc::SYS_readahead, host_fd(a[0]), offset, a[3] as usize) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::time::Timespec32;

    #[test]
    fn lohi_puts_the_low_word_first() {
        assert_eq!(lohi(0x1234_5678, 0x9), 0x9_1234_5678);
        assert_eq!(lohi(u32::MAX, u32::MAX), -1);
    }

    #[test]
    fn itimerspec32_sign_extends_and_truncates() {
        let guest = Itimerspec32 {
            it_interval: Timespec32 { tv_sec: (-1).into(), tv_nsec: 5.into() },
            it_value: Timespec32 { tv_sec: 7.into(), tv_nsec: 0.into() },
        };
        let host = guest.to_host();
        assert_eq!((host.it_interval.tv_sec, host.it_interval.tv_nsec), (-1, 5));
        let back = Itimerspec32::from_host(&libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 1 << 32 | 3, tv_nsec: 1 },
            it_value: host.it_value,
        });
        assert_eq!((back.it_interval.tv_sec.get(), back.it_value.tv_sec.get()), (3, 7));
    }
}
