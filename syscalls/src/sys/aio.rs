//! Linux native AIO: io_setup(2), io_destroy(2), io_submit(2), io_cancel(2), io_getevents(2),
//! io_pgetevents(2) (both time forms), on the host's contexts (fs/aio.c).
//!
//! A context's id is the user address of its ring, which libaio reads in user space (its magic,
//! head and tail). The host's io_setup maps the ring outside the guest's memory, so [`io_setup`]
//! moves it into the guest's reservation with mremap, top-down where an mmap would go; the
//! kernel's aio_ring_mremap() makes the new address the context's id. The guest's
//! `aio_context_t` (32 bits) is the ring's guest address, and the host's id is the guest base
//! plus it. The ring is a VMA of the guest's (`/[aio] (deleted)`, as the kernel names it) and
//! io_destroy, whose kill_ioctx() unmaps it, gives the range back to the reservation.
//!
//! `struct iocb` and `struct io_event` have the same layout on i386 and x86-64 (64-bit fields
//! throughout). io_submit hands the host the guest's own iocbs, in place, so that the kernel
//! writes `aio_key` where the guest's kernel would and an event's `obj` and io_cancel's lookup
//! name the guest's iocb (at the guest base plus its address: [`io_getevents`] takes the base
//! off again). For the duration of the host call only, each iocb's buffer (`aio_buf`: a guest
//! address, or for PREADV/PWRITEV a guest iovec array, which becomes a host array) and its fds
//! are replaced by the host's, and put back after: the kernel copies the iocb once, at
//! submission.
//!
//! Not the kernel's: a transfer into a guest page that holds translated code (kept
//! write-protected on the host to catch self-modifying code) fails with EFAULT in its event; a
//! buffer that runs past 4 GiB is cut there (the bytes past TASK_SIZE are never mapped, so the
//! count is the same). An iocb the guest may read but not write is EFAULT before the kernel's
//! other checks of it (the kernel writes aio_key after checking its fds).

use super::fd::host_fd;
use super::poll::{masked, read_sigmask, Sigmask};
use crate::abi::nr;
use crate::abi::time::{KernelTimespec, Timespec32};
use crate::entry;
use crate::hostcall::aio::{self, Iocbs, EVENT_LEN};
use crate::hostcall::iovec::{Dir, GuestIovecs};
use crate::mem::guard::{host_pages_to_guard, GUARD};
use crate::mem::pages::host_pages;
use crate::mem::{GuestMemory, GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::space::{vm, Vma, VmaKind};
use crate::task::{BlockingCtx, Ctx};
use crate::{Errno, SysResult};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::io_setup, io_setup, [Uint, Ptr]),
    entry!(nr::io_destroy, io_destroy, [Hex]),
    entry!(nr::io_submit, io_submit, [Hex, Int, Ptr]),
    entry!(nr::io_cancel, io_cancel, [Hex, Ptr, Ptr]),
    entry!(nr::io_getevents, may_block io_getevents, [Hex, Int, Int, Ptr, Timespec]).blocks(),
    entry!(nr::io_pgetevents, may_block io_pgetevents, [Hex, Int, Int, Ptr, Timespec, Ptr]).blocks(),
    entry!(nr::io_pgetevents_time64, may_block io_pgetevents_time64, [Hex, Int, Int, Ptr, Timespec64, Ptr]).blocks(),
];

const IOCB_LEN: usize = aio::IOCB_LEN;
/// `struct iocb` offsets: aio_lio_opcode, aio_fildes, aio_buf, aio_nbytes, aio_flags, aio_resfd.
const OPCODE: usize = 16;
const FILDES: usize = 20;
const BUF: usize = 24;
const NBYTES: usize = 32;
const FLAGS: usize = 56;
const RESFD: usize = 60;
const CMD_PREAD: u16 = 0;
const CMD_PWRITE: u16 = 1;
const CMD_PREADV: u16 = 7;
const CMD_PWRITEV: u16 = 8;
const IOCB_FLAG_RESFD: u32 = 1;
/// UIO_MAXIOV + 1: an iovec count the host refuses with EINVAL.
const TOO_MANY_IOVECS: u64 = 1025;
/// MAX_RW_COUNT: the length of the fault region.
const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// The rings this process moved into its guest memory: guest address to length.
static RINGS: Mutex<BTreeMap<u32, u32>> = Mutex::new(BTreeMap::new());

fn rings() -> std::sync::MutexGuard<'static, BTreeMap<u32, u32>> {
    RINGS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The host's id of a guest context (the guest base plus the ring's guest address).
fn host_ctx(mem: &dyn GuestMemory, ctx: u32) -> libc::c_ulong {
    mem.host_addr(ctx).map_or(0, |p| p as libc::c_ulong)
}

/// Implements io_setup(2): compat_sys_io_setup(): the context word (EFAULT; EINVAL unless 0),
/// EINVAL for no events, then the host's ioctx_alloc(), the ring moved into guest memory, and the
/// id written back (EFAULT: the context is destroyed again).
fn io_setup(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [nr_events, ctxp, ..] = *a;
    if ctx.mem.read_u32(ctxp)? != 0 || nr_events == 0 {
        return Err(Errno::INVAL.into());
    }
    let ring = aio::io_setup(nr_events)?;
    let len = ring.ring_len();
    let mm = ctx.task.mm.get_mut(ctx.held);
    let Some((at, to)) = mm
        .find_free_below(len, u64::from(mm.mmap_base))
        .and_then(|at| Some((at, host_pages(ctx.mem, at, len as usize)?)))
    else {
        ring.destroy();
        return Err(Errno::NOMEM.into());
    };
    ring.move_to(to)?;
    // The kernel's own flags for the ring (aio_setup_ring(): a shared read-write mapping).
    let flags = vm::SHARED | vm::MAYSHARE | vm::MAYREAD | vm::MAYWRITE | vm::MAYEXEC | mm.def_flags;
    let vma = Vma {
        start: at,
        end: u64::from(at) + u64::from(len),
        prot: Prot::READ | Prot::WRITE,
        shared: true,
        kind: VmaKind::Anon,
        flags,
    };
    mm.replace(vma);
    mm.name_from_host(ctx.mem, at);
    ctx.mem.protect(at, len, Prot::READ | Prot::WRITE)?;
    rings().insert(at, len);
    if let Err(e) = ctx.mem.write_u32(ctxp, at) {
        let _ = aio::io_destroy(host_ctx(ctx.mem, at));
        forget_ring(ctx, at);
        return Err(e.into());
    }
    Ok(0)
}

/// The ring at `at` is gone on the host (kill_ioctx() unmapped it): the range is the guest's
/// reservation again.
fn forget_ring(ctx: &mut Ctx, at: u32) {
    let len = rings().remove(&at);
    let mm = ctx.task.mm.get_mut(ctx.held);
    let len = len.or_else(|| mm.find(at).filter(|v| v.start == at).map(|v| (v.end - u64::from(at)) as u32));
    if let Some(len) = len {
        let _ = mm.unmap(ctx.mem, at, len);
    }
}

/// Implements io_destroy(2): the host's (EINVAL for an unknown context); the ring's range goes
/// back to the reservation.
fn io_destroy(ctx: &mut Ctx, a: &Args) -> SysResult {
    let r = aio::io_destroy(host_ctx(ctx.mem, a[0]))?;
    forget_ring(ctx, a[0]);
    Ok(r)
}

/// One guest iocb as the host gets it for the call: its address and the bytes to put back.
struct Lent {
    at: u32,
    saved: [u8; IOCB_LEN],
}

/// Implements io_submit(2): compat_sys_io_submit(): EINVAL for a negative count, then the host's
/// (the context's EINVAL, the count cut at its size, each iocb's checks, a partial count).
fn io_submit(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [id, nr, iocbpp, ..] = *a;
    if (nr as i32) < 0 {
        return Err(Errno::INVAL.into());
    }
    let mut iocbs = Iocbs::default();
    let mut lent: Vec<Lent> = Vec::new();
    let mut failed = None;
    for i in 0..nr.min(1 << 16) {
        let user = match iocbpp.checked_add(i * 4).ok_or(Errno::FAULT).and_then(|p| ctx.mem.read_u32(p)) {
            Ok(u) => u,
            Err(e) => {
                failed = Some(e);
                break;
            }
        };
        // The same iocb twice: it is lent (translated) already.
        if !lent.iter().any(|l| l.at == user) {
            match lend(ctx, user, &mut iocbs) {
                Ok(l) => lent.push(l),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // Guest memory is host memory here, and a lent iocb lies below 4 GiB.
        if let Err(e) = host_pages(ctx.mem, user, IOCB_LEN).ok_or(Errno::FAULT).and_then(|r| iocbs.push(r)) {
            failed = Some(e);
            break;
        }
    }
    let r = aio::io_submit(host_ctx(ctx.mem, id), &iocbs);
    for l in lent.iter().rev() {
        if let Ok(s) = ctx.mem.slice_mut(l.at, IOCB_LEN) {
            // The key the kernel wrote (aio_key, bytes 8..12) stays.
            let key = [s[8], s[9], s[10], s[11]];
            s.copy_from_slice(&l.saved);
            s[8..12].copy_from_slice(&key);
        }
    }
    let submitted = iocbs.len();
    drop(iocbs);
    let r = r?;
    match failed {
        // The kernel stopped where the guest's did: `i` submitted, or the error for the first.
        Some(e) if r as usize == submitted && r == 0 => Err(e.into()),
        _ => Ok(r as u32),
    }
}

/// Prepare the guest iocb at `user` for the host: its buffer and fds translated in place (the
/// original bytes returned to put back). EFAULT when it cannot be read and written.
fn lend(ctx: &mut Ctx, user: u32, iocbs: &mut Iocbs) -> Result<Lent, Errno> {
    let saved: [u8; IOCB_LEN] = ctx.mem.read_obj(user)?;
    ctx.mem.slice_mut(user, IOCB_LEN)?;
    let u16_at = |o: usize| u16::from_le_bytes([saved[o], saved[o + 1]]);
    let u32_at = |o: usize| u32::from_le_bytes([saved[o], saved[o + 1], saved[o + 2], saved[o + 3]]);
    let u64_at = |o: usize| u64::from(u32_at(o)) | u64::from(u32_at(o + 4)) << 32;
    let mut host = saved;
    let put32 = |h: &mut [u8; IOCB_LEN], o: usize, v: u32| h[o..o + 4].copy_from_slice(&v.to_le_bytes());
    put32(&mut host, FILDES, host_fd(u32_at(FILDES)) as u32);
    if u32_at(FLAGS) & IOCB_FLAG_RESFD != 0 {
        put32(&mut host, RESFD, host_fd(u32_at(RESFD)) as u32);
    }
    let buf = u64_at(BUF);
    let nbytes = u64_at(NBYTES);
    // A buffer address with its high half set is none the guest has (it faults natively): the
    // host gets the fault region for it, never an address of the emulator's.
    let fault = super::fd::fault_page() as u64;
    let (new_buf, new_nbytes) = match u16_at(OPCODE) {
        CMD_PREAD | CMD_PWRITE if buf >> 32 == 0 => {
            // Past 4 GiB is the guard and then the host's: the count stops at the end of the
            // space (nothing past TASK_SIZE is mapped, so the guest's transfer stops earlier).
            let room = (1u64 << 32) - buf;
            let n = if (nbytes as i64) < 0 { nbytes } else { nbytes.min(room) };
            (ctx.mem.host_addr(buf as u32).map_or(0, |p| p as u64), n)
        }
        CMD_PREAD | CMD_PWRITE => (fault, nbytes.min(MAX_RW_COUNT)),
        op @ (CMD_PREADV | CMD_PWRITEV) if buf >> 32 == 0 => {
            let dir = if op == CMD_PREADV { Dir::ToGuest } else { Dir::FromGuest };
            let count = u32::try_from(nbytes).unwrap_or(u32::MAX);
            match GuestIovecs::read(ctx.mem, buf as u32, count) {
                Ok(v) => iocbs.keep(v.faulting(ctx.mem, dir)),
                Err(Errno::FAULT) => (fault, nbytes.min(1)),
                Err(_) => (fault, TOO_MANY_IOVECS),
            }
        }
        CMD_PREADV | CMD_PWRITEV => (fault, nbytes.min(1)),
        _ => (buf, nbytes),
    };
    host[BUF..BUF + 8].copy_from_slice(&new_buf.to_le_bytes());
    host[NBYTES..NBYTES + 8].copy_from_slice(&new_nbytes.to_le_bytes());
    ctx.mem.write(user, &host)?;
    Ok(Lent { at: user, saved })
}

/// Implements io_cancel(2): the host's, on the guest's iocb in place (its aio_key: EFAULT,
/// EINVAL; the context; the request; EINPROGRESS). The result argument is not used.
fn io_cancel(ctx: &mut Ctx, a: &Args) -> SysResult {
    let iocb = match ctx.mem.read_obj::<[u8; 4]>(a[1].wrapping_add(8)) {
        Ok(_) => ctx.mem.host_addr(a[1]).map_or(0, |p| p as usize),
        Err(e) => return Err(e.into()),
    };
    Ok(aio::io_cancel(host_ctx(ctx.mem, a[0]), iocb)?)
}

/// Implements io_getevents(2) (a 32-bit timeout).
fn io_getevents(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let timeout = read_timeout(ctx, a[4], false)?;
    getevents(ctx, a, timeout, None)
}

/// Implements io_pgetevents(2) (a 32-bit timeout).
fn io_pgetevents(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    pgetevents(ctx, a, false)
}

/// Implements io_pgetevents_time64(2).
fn io_pgetevents_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    pgetevents(ctx, a, true)
}

/// compat_sys_io_pgetevents(): the timeout (EFAULT), the `struct __compat_aio_sigset` (EFAULT),
/// its mask (set_compat_user_sigmask(): EINVAL, EFAULT), then the wait under the mask.
fn pgetevents<H>(ctx: &mut Ctx<H>, a: &Args, time64: bool) -> SysResult {
    let timeout = read_timeout(ctx, a[4], time64)?;
    let mask = if a[5] != 0 {
        let pack: [u8; 8] = ctx.mem.read_obj(a[5])?;
        let (p, size) = (
            u32::from_le_bytes([pack[0], pack[1], pack[2], pack[3]]),
            u32::from_le_bytes([pack[4], pack[5], pack[6], pack[7]]),
        );
        read_sigmask(ctx, p, size)?
    } else {
        None
    };
    let args = *a;
    masked(ctx, mask, move |ctx, host_mask| getevents(ctx, &args, timeout, host_mask))
}

fn read_timeout<H>(ctx: &Ctx<H>, at: u32, time64: bool) -> Result<Option<libc::timespec>, Errno> {
    if at == 0 {
        return Ok(None);
    }
    Ok(Some(if time64 {
        ctx.mem.read_obj::<KernelTimespec>(at)?.to_host()
    } else {
        ctx.mem.read_obj::<Timespec32>(at)?.to_host()
    }))
}

/// do_io_getevents() on the host, the events written straight into the guest's array; then
/// each event's `obj` (the host address of the guest's iocb) is the guest's address again.
fn getevents<H>(ctx: &mut Ctx<H>, a: &Args, timeout: Option<libc::timespec>, mask: Option<&Sigmask>) -> SysResult {
    let [id, min_nr, nr, events, ..] = *a;
    let (min_nr, mut nr) = (min_nr as i32 as libc::c_long, nr as i32 as libc::c_long);
    // The host writes at most `nr` events: keep them inside the reservation and its guard.
    let room = ((1u64 << 32) + GUARD - u64::from(events)) / EVENT_LEN as u64;
    nr = nr.min(room as libc::c_long);
    // The events array lies in the reservation or its guard (bad pages fault on the host as they
    // would for the guest).
    let array = host_pages_to_guard(ctx.mem, events, usize::try_from(nr).unwrap_or(0) * EVENT_LEN);
    let n = aio::io_getevents(host_ctx(ctx.mem, id), min_nr, nr, array, timeout.as_ref(), mask)? as u32;
    let base = ctx.mem.host_addr(0).map_or(0, |p| p as u64);
    for i in 0..n as u32 {
        let obj_at = events.wrapping_add(i * EVENT_LEN as u32 + 8);
        if let Ok(obj) = ctx.mem.read_obj::<[u8; 8]>(obj_at) {
            let obj = u64::from_le_bytes(obj);
            let _ = ctx.mem.write(obj_at, &obj.wrapping_sub(base).to_le_bytes());
        }
    }
    Ok(n)
}
