//! fd multiplexing: poll(2), ppoll(2) and the select(2) family, in fs/select.c's order of checks.
//!
//! Each call reads what the kernel reads, in the kernel's order (timeout: EFAULT then EINVAL; the
//! signal mask: EINVAL for a size other than 8, then EFAULT; then the fds), and hands local copies
//! to the host's ppoll/pselect6, so the waiting, the wake-ups and the atomic signal mask are the
//! host kernel's. Results go back the way the kernel writes them: poll writes every `revents` even
//! when the wait failed, select writes the three sets only on success, and both write the time
//! left back to a non-zero timeout (`poll_select_finish`), ignoring a fault there.
//!
//! - `fd_set`s are arrays of 32-bit words on i386; the kernel reads `DIV_ROUND_UP(n, 32)` words
//!   of each (`compat_get_bitmap`), which a host set of 64-bit words holds bit for bit.
//! - select clamps `n` to the size of the fd table (`max_fds`), which is not the host process's:
//!   [`guest_max_fds`] works out the table the guest would have.
//! - The emulator's own fds are never the guest's: in a poll set they are POLLNVAL, and a select
//!   never reaches them (they sit above every guest fd table).

use crate::abi::poll::*;
use crate::abi::signal::UNBLOCKABLE;
use crate::abi::time::{KernelTimespec, Timespec32, Timeval32};
use crate::entry;
use crate::hostcall::poll as hostpoll;
use crate::mem::{GuestAddr, GuestMemoryExt};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
use crate::{abi::nr, Errno, SysResult};
use std::sync::atomic::{AtomicUsize, Ordering};
use zerocopy::FromBytes;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::poll, may_block poll, [Pollfds(1), Uint, Int]).blocks(),
    entry!(nr::ppoll, may_block ppoll, [Pollfds(1), Uint, Timespec, Sigset(4), Uint]).blocks(),
    entry!(nr::ppoll_time64, may_block ppoll_time64, [Pollfds(1), Uint, Timespec64, Sigset(4), Uint]).blocks(),
    entry!(nr::select, may_block old_select, [Ptr]).blocks(),
    entry!(nr::_newselect, may_block newselect, [Int, Ptr, Ptr, Ptr, Timeval]).blocks(),
    entry!(nr::pselect6, may_block pselect6, [Int, Ptr, Ptr, Ptr, Timespec, Ptr]).blocks(),
    entry!(nr::pselect6_time64, may_block pselect6_time64, [Int, Ptr, Ptr, Ptr, Timespec64, Ptr]).blocks(),
];

// ---------------------------------------------------------------------------------------------
// Timeouts and signal masks, shared with epoll

const NSEC_PER_SEC: i128 = 1_000_000_000;

/// How a guest timeout is laid out, and so how the time left is written back (`poll_time_type`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TimeAbi {
    /// `struct old_timeval32` (select, _newselect, old select).
    Timeval32,
    /// `struct old_timespec32` (ppoll, pselect6).
    Timespec32,
    /// `struct __kernel_timespec` (the _time64 calls, epoll_pwait2).
    Timespec64,
}

/// CLOCK_MONOTONIC in nanoseconds (`ktime_get_ts64`).
fn now_ns() -> i128 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    i128::from(ts.tv_sec) * NSEC_PER_SEC + i128::from(ts.tv_nsec)
}

/// An absolute timeout (`end_time` of fs/select.c), or "no update" for a zero timeout.
#[derive(Clone, Copy)]
pub struct Deadline {
    /// CLOCK_MONOTONIC nanoseconds; `None` for a zero timeout (no wait, nothing written back).
    end: Option<i128>,
}

impl Deadline {
    /// poll_select_set_timeout(): EINVAL unless `0 <= sec` and `0 <= nsec < 10^9`.
    pub fn new(sec: i64, nsec: i64) -> Result<Self, Errno> {
        if sec < 0 || !(0..NSEC_PER_SEC as i64).contains(&nsec) {
            return Err(Errno::INVAL);
        }
        if sec == 0 && nsec == 0 {
            return Ok(Deadline { end: None });
        }
        Ok(Deadline { end: Some(now_ns() + i128::from(sec) * NSEC_PER_SEC + i128::from(nsec)) })
    }

    /// The time left, never negative.
    pub fn remaining(&self) -> libc::timespec {
        let left = self.end.map_or(0, |end| (end - now_ns()).max(0));
        let sec = (left / NSEC_PER_SEC).min(i128::from(i64::MAX)) as i64;
        libc::timespec { tv_sec: sec, tv_nsec: (left % NSEC_PER_SEC) as i64 }
    }
}

/// Read a guest timeout at `addr` laid out as `abi` (EFAULT), and check it (EINVAL).
/// do_compat_select() folds whole seconds of `tv_usec` into `tv_sec`, in 32-bit arithmetic.
pub fn read_timeout<H>(ctx: &Ctx<H>, addr: u32, abi: TimeAbi) -> Result<Deadline, Errno> {
    let (sec, nsec) = match abi {
        TimeAbi::Timeval32 => {
            let tv: Timeval32 = ctx.mem.read_obj(addr)?;
            let (s, us) = (tv.tv_sec.get(), tv.tv_usec.get());
            (i64::from(s.wrapping_add(us / 1_000_000)), i64::from(us % 1_000_000) * 1000)
        }
        TimeAbi::Timespec32 => {
            let ts = ctx.mem.read_obj::<Timespec32>(addr)?.to_host();
            (ts.tv_sec, ts.tv_nsec)
        }
        TimeAbi::Timespec64 => {
            let ts = ctx.mem.read_obj::<KernelTimespec>(addr)?.to_host();
            (ts.tv_sec, ts.tv_nsec)
        }
    };
    Deadline::new(sec, nsec)
}

/// personality(2)'s STICKY_TIMEOUTS: select and poll leave the guest's timeout as it was.
const STICKY_TIMEOUTS: i32 = 0x0400_0000;

/// Whether the process runs with STICKY_TIMEOUTS (personality is the host process's own: the
/// guest's personality(2) passes through).
fn sticky_timeouts() -> bool {
    // 0xffffffff only queries the persona.
    crate::hostcall::numbers(libc::SYS_personality, &[0xffff_ffff]).is_ok_and(|p| p as i32 & STICKY_TIMEOUTS != 0)
}

/// poll_select_finish(): write the time left to a non-zero guest timeout, unless the personality
/// has STICKY_TIMEOUTS. A fault is ignored.
fn write_remaining<H>(ctx: &mut Ctx<H>, addr: u32, abi: TimeAbi, deadline: &Deadline) {
    if addr == 0 || deadline.end.is_none() || sticky_timeouts() {
        return;
    }
    let rts = deadline.remaining();
    let _ = match abi {
        TimeAbi::Timeval32 => {
            let tv = libc::timeval { tv_sec: rts.tv_sec, tv_usec: rts.tv_nsec / 1000 };
            ctx.mem.write_obj(addr, &Timeval32::from_host(&tv))
        }
        TimeAbi::Timespec32 => ctx.mem.write_obj(addr, &Timespec32::from_host(&rts)),
        TimeAbi::Timespec64 => ctx.mem.write_obj(addr, &KernelTimespec::from_host(&rts)),
    };
}

/// A signal mask for the host call, in the kernel's byte layout (the same on both).
pub type Sigmask = [u8; SIGSET_SIZE as usize];

/// set_compat_user_sigmask(): none for a NULL pointer, EINVAL for a size other than 8, EFAULT for
/// an unreadable mask. The mask goes to the host call as it is, so the host applies it atomically
/// for the length of the wait (the guest's signals are the host's signals).
pub fn read_sigmask<H>(ctx: &Ctx<H>, addr: u32, size: u32) -> Result<Option<Sigmask>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    if size != SIGSET_SIZE {
        return Err(Errno::INVAL);
    }
    Ok(Some(ctx.mem.read_obj(addr)?))
}

/// Run a wait under the guest's temporary signal mask, as set_user_sigmask() and
/// restore_saved_sigmask_unless() do. The host waits under that mask plus the signals the host
/// handler recorded (they stay blocked until the guest is given them, see [`super::signal`]), so
/// the mask is swapped atomically with the wait. A wait a signal interrupts (EINTR) leaves the
/// temporary mask in force with the original saved, so the run loop runs the handler under it and
/// its frame restores the original; a recorded signal the temporary mask unblocks ends the wait
/// at once. `wait` gets the host mask to apply, if any.
pub fn masked<H>(
    ctx: &mut Ctx<H>,
    mask: Option<Sigmask>,
    wait: impl FnOnce(&mut Ctx<H>, Option<&Sigmask>) -> SysResult,
) -> SysResult {
    let Some(m) = mask else {
        return wait(ctx, None);
    };
    let m = u64::from_le_bytes(m) & !UNBLOCKABLE;
    let r = if super::signal::deliverable(m) {
        Err(Errno::INTR.into())
    } else {
        let host_mask = (m | super::signal::recorded()).to_le_bytes();
        wait(ctx, Some(&host_mask))
    };
    if r == Err(Errno::INTR.into()) {
        let signals = &mut ctx.task.signals;
        signals.saved_mask = Some(signals.mask);
        signals.mask = m;
    }
    r
}

// ---------------------------------------------------------------------------------------------
// poll

/// do_sys_poll(): EINVAL for more entries than RLIMIT_NOFILE, EFAULT for an unreadable array;
/// the host polls a local copy; every `revents` is written back even when the wait failed
/// (EINTR), and a fault there is EFAULT.
fn do_poll<H>(ctx: &mut Ctx<H>, ufds: u32, nfds: u32, deadline: Option<Deadline>, mask: Option<&Sigmask>) -> SysResult {
    if u64::from(nfds) > super::fd::guest_nofile().0 {
        return Err(Errno::INVAL.into());
    }
    let n = nfds as usize;
    let bytes = if n == 0 { &[][..] } else { ctx.mem.slice(ufds, n * size_of::<PollFd>())? };
    let guest = <[PollFd]>::ref_from_bytes(bytes).map_err(|_| Errno::FAULT)?;
    let floor = super::fd::fd_floor();
    // The emulator's fds look closed: polled as -1 (ignored), then reported POLLNVAL.
    let mut nval = Vec::new();
    let mut fds: Vec<libc::pollfd> = guest
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let fd = p.fd.get();
            if fd >= floor {
                nval.push(i);
            }
            libc::pollfd { fd: if fd >= floor { -1 } else { fd }, events: p.events.get(), revents: 0 }
        })
        .collect();
    // An fd with events (POLLNVAL counts, and a socket object's own readiness) ends the wait at
    // once.
    let own = fds.iter().any(|p| p.fd >= 0 && socket_readiness(p.fd, p.events) != 0);
    let r = loop {
        let ts = match deadline {
            _ if !nval.is_empty() || own => Some(libc::timespec { tv_sec: 0, tv_nsec: 0 }),
            Some(d) => Some(d.remaining()),
            None => None,
        };
        let mut r = hostpoll::ppoll(&mut fds, ts.as_ref(), mask).map(|count| count as u32 + nval.len() as u32);
        if r.is_ok() && adjust_sockets(&mut fds) {
            // The emulator's fds were polled as -1 (revents 0): they count as POLLNVAL.
            r = Ok((fds.iter().filter(|p| p.revents != 0).count() + nval.len()) as u32);
            // The host's readiness was not the sockets' (urgent data the host counts as data):
            // not the end of the wait, which goes on in short slices (the host fd stays ready),
            // each a signal can end as it ends the wait.
            let left = deadline.map_or(Some(SLICE_NS), |d| d.end.map(|e| e - now_ns()));
            if let (Ok(0), Some(left @ 1..)) = (r, left) {
                fds.iter_mut().for_each(|p| p.revents = 0);
                let slice = left.min(SLICE_NS) as i64;
                let ts = libc::timespec { tv_sec: 0, tv_nsec: slice };
                match hostpoll::ppoll(&mut [], Some(&ts), mask) {
                    Ok(_) => continue,
                    Err(e) => break Err(e),
                }
            }
        }
        break r;
    };
    for &i in &nval {
        if let Some(p) = fds.get_mut(i) {
            p.revents = POLLNVAL;
        }
    }
    for (i, p) in fds.iter().enumerate() {
        let at = GuestAddr::new(ufds).index::<PollFd>(i as u32)?.offset(POLLFD_REVENTS)?;
        ctx.mem.write(at, &p.revents.to_le_bytes())?;
    }
    Ok(r?)
}

/// How long a wait sleeps between two looks when the host fds are ready but the sockets are not.
const SLICE_NS: i128 = 10_000_000;

/// The readiness the object of a socket the socket table knows has of its own, whatever its host
/// fd says (`net::Socket::poll` with nothing from the host: a pending error, a refused connect),
/// for the `events` asked; 0 for every other fd. A wait that finds some does not wait.
pub(super) fn socket_readiness(fd: i32, events: i16) -> i16 {
    match super::socket::known(fd as u32) {
        Some((fd, sock)) => sock.poll(fd, events, 0),
        None => 0,
    }
}

/// The readiness the socket objects the socket table knows report for their fds, where it
/// differs from their host fds' (`net::Socket::poll`): whether any changed.
fn adjust_sockets(fds: &mut [libc::pollfd]) -> bool {
    let mut changed = false;
    for p in fds.iter_mut().filter(|p| p.fd >= 0) {
        if let Some((fd, sock)) = super::socket::known(p.fd as u32) {
            let revents = sock.poll(fd, p.events, p.revents);
            changed |= revents != p.revents;
            p.revents = revents;
        }
    }
    changed
}

/// Implements poll(2): a negative timeout waits for ever.
fn poll(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let ms = a[2] as i32;
    let deadline = match ms {
        ..0 => None,
        _ => Some(Deadline::new(i64::from(ms / 1000), i64::from(ms % 1000) * 1_000_000)?),
    };
    do_poll(ctx, a[0], a[1], deadline, None)
}

/// The ppoll family: timeout (EFAULT, EINVAL), then the mask, then the poll; the time left is
/// written back whatever the poll answered.
fn ppoll_common<H>(ctx: &mut Ctx<H>, a: &Args, abi: TimeAbi) -> SysResult {
    let tsp = a[2];
    let deadline = if tsp == 0 { None } else { Some(read_timeout(ctx, tsp, abi)?) };
    let mask = read_sigmask(ctx, a[3], a[4])?;
    let r = masked(ctx, mask, |ctx, mask| do_poll(ctx, a[0], a[1], deadline, mask));
    if let Some(d) = deadline {
        write_remaining(ctx, tsp, abi, &d);
    }
    r
}

/// Implements ppoll(2) with a `struct old_timespec32` timeout (compat_sys_ppoll_time32).
fn ppoll(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    ppoll_common(ctx, a, TimeAbi::Timespec32)
}

/// Implements ppoll_time64(2): a `struct __kernel_timespec` timeout.
fn ppoll_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    ppoll_common(ctx, a, TimeAbi::Timespec64)
}

// ---------------------------------------------------------------------------------------------
// select

/// The fd-table size the kernel would have given the guest so far (`fdt->max_fds`), which
/// select clamps `n` to. The host's table is no guide (the emulator's own fds sit high), so it is
/// worked out from the guest's open fds: a table starts at NR_OPEN_DEFAULT and grows when an fd at
/// or past its end is opened (fs/file.c `alloc_fdtable`: 1 KiB of pointers, then powers of two),
/// and never shrinks. An fd opened and closed between two selects is missed.
fn guest_max_fds(n: usize) -> usize {
    static MAX_FDS: AtomicUsize = AtomicUsize::new(NR_OPEN_DEFAULT);
    if n > NR_OPEN_DEFAULT && !super::fd::nofile_emulated() {
        // The emulator keeps no fds: the host's table is the guest's, and its size is FDSize.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let size = status.lines().find_map(|l| l.strip_prefix("FDSize:")).and_then(|v| v.trim().parse::<usize>().ok());
        if let Some(size) = size {
            return n.min(size);
        }
    }
    let floor = usize::try_from(super::fd::fd_floor()).unwrap_or(0);
    let known = MAX_FDS.load(Ordering::Relaxed);
    // fs.nr_open's default bounds any table (and the scan below).
    let top = n.min(floor).min(1 << 20);
    if top <= known {
        return top;
    }
    // One host poll finds the highest open fd in [known, top): closed ones are POLLNVAL.
    let mut fds: Vec<libc::pollfd> =
        (known..top).map(|fd| libc::pollfd { fd: fd as i32, events: 0, revents: 0 }).collect();
    let r = hostpoll::poll_now(&mut fds).unwrap_or(-1);
    let highest = fds.iter().rev().find(|p| p.revents & POLLNVAL == 0).map(|p| p.fd as usize);
    let size = match highest {
        Some(fd) if r >= 0 => fdtable_size(fd),
        _ => known,
    };
    let size = MAX_FDS.fetch_max(size, Ordering::Relaxed).max(size);
    top.min(size)
}

/// The fd-table size after opening `fd` (fs/file.c `alloc_fdtable` on a 64-bit kernel).
fn fdtable_size(fd: usize) -> usize {
    if fd < NR_OPEN_DEFAULT {
        return NR_OPEN_DEFAULT;
    }
    let per_kib = 1024 / 8;
    ((fd / per_kib + 1).next_power_of_two() * per_kib).min(NR_OPEN)
}

/// compat_core_sys_select() and poll_select_finish(): EINVAL for a negative `n`; `n` clamped to
/// the fd table; each non-NULL set read in order (`DIV_ROUND_UP(n, 32)` words, EFAULT); the host
/// selects on local sets; on success the sets are written back word by word (EFAULT); the time
/// left goes back to a non-zero timeout whatever the outcome.
fn do_select<H>(
    ctx: &mut Ctx<H>,
    n: i32,
    sets: [u32; 3],
    tvp: u32,
    abi: TimeAbi,
    deadline: Option<Deadline>,
    mask: Option<Sigmask>,
) -> SysResult {
    let r = masked(ctx, mask, |ctx, mask| select_sets(ctx, n, sets, deadline, mask));
    if let Some(d) = deadline {
        write_remaining(ctx, tvp, abi, &d);
    }
    r
}

fn select_sets<H>(
    ctx: &mut Ctx<H>,
    n: i32,
    sets: [u32; 3],
    deadline: Option<Deadline>,
    mask: Option<&Sigmask>,
) -> SysResult {
    let Ok(n) = usize::try_from(n) else {
        return Err(Errno::INVAL.into());
    };
    let n = guest_max_fds(n);
    let words32 = n.div_ceil(NFDBITS32);
    let words64 = words32.div_ceil(2);
    let mut host_sets: [Option<Vec<u64>>; 3] = [None, None, None];
    for (slot, &addr) in host_sets.iter_mut().zip(&sets) {
        if addr == 0 {
            continue;
        }
        let bytes = ctx.mem.slice(addr, words32 * 4)?;
        let mut set = vec![0u64; words64];
        for (i, w) in bytes.chunks_exact(4).enumerate() {
            let w = u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
            if let Some(word) = set.get_mut(i / 2) {
                *word |= w << (32 * (i % 2));
            }
        }
        *slot = Some(set);
    }
    // Socket objects' own readiness (a pending error): the sets it puts each fd in, and no wait.
    let own = own_readiness(&host_sets);
    let ts =
        if own.is_empty() { deadline.map(|d| d.remaining()) } else { Some(libc::timespec { tv_sec: 0, tv_nsec: 0 }) };
    let [s0, s1, s2] = &mut host_sets;
    let sets_out = [s0.as_deref_mut(), s1.as_deref_mut(), s2.as_deref_mut()];
    let mut r = hostpoll::pselect6(n, sets_out, ts.as_ref(), mask)?;
    if !own.is_empty() {
        for &(fd, which) in &own {
            for (set, on) in host_sets.iter_mut().zip(which) {
                if let (Some(set), true) = (set, on) {
                    set[fd / 64] |= 1 << (fd % 64);
                }
            }
        }
        r = host_sets.iter().flatten().flatten().map(|w| i64::from(w.count_ones())).sum();
    }
    for (set, &addr) in host_sets.iter().zip(&sets) {
        let Some(set) = set else { continue };
        for i in 0..words32 {
            let word = set.get(i / 2).map_or(0, |w| (w >> (32 * (i % 2))) as u32);
            let at = GuestAddr::new(addr).index::<u32>(i as u32)?;
            ctx.mem.write_u32(at, word)?;
        }
    }
    Ok(r as u32)
}

/// The select sets' masks (fs/select.c POLLIN_SET, POLLOUT_SET, POLLEX_SET).
const SELECT_SETS: [i16; 3] = [
    libc::POLLRDNORM | libc::POLLRDBAND | libc::POLLIN | libc::POLLHUP | libc::POLLERR,
    libc::POLLWRBAND | libc::POLLWRNORM | libc::POLLOUT | libc::POLLERR,
    libc::POLLPRI,
];

/// The fds of the (host-layout) select sets whose socket objects are ready of their own
/// ([`socket_readiness`], asked for the events of the sets each fd is in, as do_select()'s
/// wait key), with the sets that readiness puts them in.
fn own_readiness(sets: &[Option<Vec<u64>>; 3]) -> Vec<(usize, [bool; 3])> {
    let words = sets.iter().flatten().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::new();
    for w in 0..words {
        let word = |i: usize| sets[i].as_ref().and_then(|s| s.get(w)).copied().unwrap_or(0);
        let mut any = word(0) | word(1) | word(2);
        while any != 0 {
            let bit = any.trailing_zeros() as usize;
            any &= any - 1;
            let fd = w * 64 + bit;
            let member = [0, 1, 2].map(|i| word(i) & (1 << bit) != 0);
            let asked = (0..3).filter(|&i| member[i]).fold(0, |m, i| m | SELECT_SETS[i]);
            let ready = socket_readiness(fd as i32, asked);
            let which = [0, 1, 2].map(|i| member[i] && ready & SELECT_SETS[i] != 0);
            if which.contains(&true) {
                out.push((fd, which));
            }
        }
    }
    out
}

/// do_compat_select(): the timeval (EFAULT, EINVAL), then the select.
fn compat_select<H>(ctx: &mut Ctx<H>, n: u32, sets: [u32; 3], tvp: u32) -> SysResult {
    let deadline = if tvp == 0 { None } else { Some(read_timeout(ctx, tvp, TimeAbi::Timeval32)?) };
    do_select(ctx, n as i32, sets, tvp, TimeAbi::Timeval32, deadline, None)
}

/// Implements the old select(2) (nr 82, compat_sys_old_select): one pointer to five words.
fn old_select(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let s: SelArgs = ctx.mem.read_obj(a[0])?;
    compat_select(ctx, s.n.get(), [s.inp.get(), s.outp.get(), s.exp.get()], s.tvp.get())
}

/// Implements _newselect(2) (compat_sys_select).
fn newselect(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    compat_select(ctx, a[0], [a[1], a[2], a[3]], a[4])
}

/// do_compat_pselect(): the {sigset, size} pack (EFAULT), the timeout (EFAULT, EINVAL), the mask
/// (EINVAL, EFAULT), then the select.
fn pselect_common<H>(ctx: &mut Ctx<H>, a: &Args, abi: TimeAbi) -> SysResult {
    let pack: SigsetArgpack = if a[5] == 0 { SigsetArgpack::default() } else { ctx.mem.read_obj(a[5])? };
    let tsp = a[4];
    let deadline = if tsp == 0 { None } else { Some(read_timeout(ctx, tsp, abi)?) };
    let mask = read_sigmask(ctx, pack.p.get(), pack.size.get())?;
    do_select(ctx, a[0] as i32, [a[1], a[2], a[3]], tsp, abi, deadline, mask)
}

/// Implements pselect6(2) with a `struct old_timespec32` timeout (compat_sys_pselect6_time32).
fn pselect6(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    pselect_common(ctx, a, TimeAbi::Timespec32)
}

/// Implements pselect6_time64(2).
fn pselect6_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    pselect_common(ctx, a, TimeAbi::Timespec64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_tables_grow_as_the_kernel_grows_them() {
        assert_eq!(fdtable_size(3), 64);
        assert_eq!(fdtable_size(64), 128);
        assert_eq!(fdtable_size(127), 128);
        assert_eq!(fdtable_size(128), 256);
        assert_eq!(fdtable_size(255), 256);
        assert_eq!(fdtable_size(256), 512);
        assert_eq!(fdtable_size(5000), 8192);
    }

    #[test]
    fn timeouts_are_checked_as_poll_select_set_timeout_checks_them() {
        assert!(Deadline::new(-1, 0).is_err());
        assert!(Deadline::new(0, 1_000_000_000).is_err());
        assert!(Deadline::new(0, -1).is_err());
        assert!(Deadline::new(0, 0).unwrap().end.is_none());
        let d = Deadline::new(5, 0).unwrap();
        assert!(d.remaining().tv_sec <= 5);
    }
}
