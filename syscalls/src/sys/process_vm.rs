//! process_vm_readv(2) and process_vm_writev(2): the host's transfer, with each side's guest
//! addresses turned into that process's host addresses.
//!
//! The local iovecs are the caller's guest buffers ([`GuestIovecs`]: the host copy faults where
//! the guest's would), and so are the remote ones when the target is the caller (cut first as
//! below). For another
//! emulated process, whose guest base it publishes ([`Other::guest_base`]), each remote segment
//! becomes `base + addr`, cut at the top of the 32-bit task's space
//! (TASK_SIZE), where the next byte stands for the kernel's fault and the transfer stops there
//! as process_vm_rw_core() stops at a segment's failure. A target that is not an emulated
//! process (a host program, no such pid, one the caller may not reach) gets the addresses as
//! they are: its addresses are real ones, and the host answers ESRCH and EPERM as the kernel.
//!
//! The target's host protections are not its guest permissions (without direct guest addressing
//! its private pages stay host-writable; with it, every accessible page is host-readable), so its
//! segments are first cut where its published VMAs deny the access as the kernel's
//! check_vma_flags() does for pin_user_pages_remote() without FOLL_FORCE: a write needs
//! `VM_WRITE`, a read `VM_READ` (a `PROT_WRITE`-only mapping is EFAULT to it).
//!
//! Not the kernel's: a write into another emulator's guest code does not make that emulator drop
//! the code it translated from those bytes (it runs the old instructions until it translates the
//! page again), and a page that emulator keeps write-protected to watch for self-modifying code
//! is EFAULT to the writer where the kernel writes it.

use super::procfs::other::Other;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::iovec::{Dir, GuestIovecs};
use crate::hostcall::processvm::{self, Remote};
use crate::mem::GuestMemoryExt;
use crate::mem::Prot;
use crate::row::{Arg::*, Args, Entry};
use crate::space::{Vma, TASK_SIZE};
use crate::task::Ctx;
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::process_vm_readv, process_vm_readv, [Int, Iovec(2), Uint, Iovec(4), Uint, Hex]),
    entry!(nr::process_vm_writev, process_vm_writev, [Int, Iovec(2), Uint, Iovec(4), Uint, Hex]),
];

/// `UIO_MAXIOV`.
const IOV_MAX: u32 = 1024;

/// Implements process_vm_readv(2).
fn process_vm_readv(ctx: &mut Ctx, a: &Args) -> SysResult {
    process_vm_rw(ctx, a, false)
}

/// Implements process_vm_writev(2).
fn process_vm_writev(ctx: &mut Ctx, a: &Args) -> SysResult {
    process_vm_rw(ctx, a, true)
}

/// mm/process_vm_access.c process_vm_rw(): flags (EINVAL), the local iovecs (import_iovec:
/// EINVAL, EFAULT), nothing to move (0), the remote iovecs (iovec_from_user: EINVAL, EFAULT),
/// then the target (ESRCH, EPERM) and the transfer, which the host does.
fn process_vm_rw(ctx: &mut Ctx, a: &Args, write: bool) -> SysResult {
    let [pid, lvec, liovcnt, rvec, riovcnt, flags] = *a;
    if flags != 0 {
        return Err(Errno::INVAL.into());
    }
    // The local buffers: read from for a write, written for a read.
    let dir = if write { Dir::FromGuest } else { Dir::ToGuest };
    let local = GuestIovecs::read(ctx.mem, lvec, liovcnt)?.faulting(ctx.mem, dir);
    if local.as_slice().iter().all(|v| v.iov_len == 0) {
        return Ok(0);
    }
    if riovcnt > IOV_MAX {
        return Err(Errno::INVAL.into());
    }
    let mut remote = Vec::with_capacity(riovcnt as usize);
    for i in 0..riovcnt {
        let at = rvec.checked_add(i * 8).ok_or(Errno::FAULT)?;
        let raw: [u8; 8] = ctx.mem.read_obj(at)?;
        let base = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let len = i32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
        if len < 0 {
            return Err(Errno::INVAL.into());
        }
        remote.push((base, len as usize));
    }
    let own = rustix::process::getpid().as_raw_nonzero().get() as u32;
    let other = if pid != own && pid as i32 > 0 { Other::guest_base(pid) } else { None };
    let remote = match other {
        // The caller's own guest memory, as its buffers are: the host's copy stops at the first
        // page the guest may not access that way (pin_user_pages_remote() without FOLL_FORCE).
        // Cut first where its VMAs deny the access as they would another process's.
        _ if pid == own => {
            let dir = if write { Dir::ToGuest } else { Dir::FromGuest };
            let segs = GuestIovecs::read(ctx.mem, rvec, riovcnt)?;
            let mm = ctx.task.mm.get(ctx.held);
            let own_vma = |at: u64| u32::try_from(at).ok().and_then(|at| mm.find(at));
            Remote::Own(GuestIovecs::from_segments(allowed(segs.segments(), own_vma, write)).faulting(ctx.mem, dir))
        }
        Some(base) => Remote::Other(match Other::find(pid) {
            Some(space) => translate(&allowed(&remote, |at| vma_in(&space.vmas, at), write), base),
            None => translate(&remote, base),
        }),
        None => Remote::Other(
            remote
                .iter()
                .map(|&(b, l)| libc::iovec { iov_base: b as usize as *mut libc::c_void, iov_len: l })
                .collect(),
        ),
    };
    Ok(processvm::transfer(pid as i32, write, &local, &remote)? as u32)
}

/// The target's segments up to the first byte its VMAs deny the access (`write`: `VM_WRITE`,
/// else `VM_READ`, mm/gup.c check_vma_flags()); `vma_at` finds the VMA containing an address.
/// That segment becomes its allowed part and the rest from TASK_SIZE on (never mapped, so the
/// host's copy faults there after the allowed part, as process_vm_rw_core() stops), and nothing
/// after it is tried.
fn allowed<'a>(segs: &[(u32, usize)], vma_at: impl Fn(u64) -> Option<&'a Vma>, write: bool) -> Vec<(u32, usize)> {
    let need = if write { Prot::WRITE } else { Prot::READ };
    let mut out = Vec::with_capacity(segs.len());
    for &(addr, len) in segs {
        let end = u64::from(addr) + len as u64;
        // How far from `addr` the VMAs allow the access without a gap.
        let mut reach = u64::from(addr);
        while reach < end {
            match vma_at(reach) {
                Some(vma) if vma.prot.contains(need) => reach = vma.end,
                _ => break,
            }
        }
        if len == 0 || reach >= end {
            out.push((addr, len));
            continue;
        }
        let granted = (reach - u64::from(addr)) as usize;
        if granted > 0 {
            out.push((addr, granted));
        }
        // TASK_SIZE is below 4 GiB: the rest (from there on) is past the top of the space.
        out.push((TASK_SIZE as u32, len - granted));
        break;
    }
    out
}

/// The VMA of `vmas` (sorted, not overlapping, as a process publishes them) containing `at`.
fn vma_in(vmas: &[Vma], at: u64) -> Option<&Vma> {
    let i = vmas.partition_point(|v| v.end <= at);
    vmas.get(i).filter(|v| u64::from(v.start) <= at)
}

/// The target's guest segments as its host addresses (`base` + guest address), cut where they
/// leave the 32-bit space: the first segment that does becomes its part below TASK_SIZE and then
/// the bytes from TASK_SIZE on (never mapped in the target's reservation, so the host's copy
/// faults there), and nothing after it is tried.
fn translate(segs: &[(u32, usize)], base: usize) -> Vec<libc::iovec> {
    let mut out = Vec::with_capacity(segs.len());
    let host = |addr: u64| (base as u64 + addr) as usize as *mut libc::c_void;
    for &(addr, len) in segs {
        let end = u64::from(addr) + len as u64;
        if end <= TASK_SIZE {
            out.push(libc::iovec { iov_base: host(addr.into()), iov_len: len });
            continue;
        }
        let below = TASK_SIZE.saturating_sub(addr.into()) as usize;
        if below > 0 {
            out.push(libc::iovec { iov_base: host(addr.into()), iov_len: below });
        }
        out.push(libc::iovec { iov_base: host(TASK_SIZE.max(addr.into())), iov_len: len - below });
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vma(start: u32, end: u64, prot: Prot) -> Vma {
        Vma { start, end, prot, shared: false, kind: crate::space::VmaKind::Anon, flags: 0 }
    }

    #[test]
    fn remote_segments_stop_where_the_vmas_deny_the_access() {
        let rw = Prot::READ | Prot::WRITE;
        let vmas = [vma(0x1000, 0x3000, rw), vma(0x3000, 0x4000, Prot::READ), vma(0x5000, 0x6000, Prot::WRITE)];
        let top = TASK_SIZE as u32;
        // Within, and across two VMAs that both allow it.
        assert_eq!(allowed(&[(0x1000, 16), (0x2ff0, 32)], |at| vma_in(&vmas, at), false), [(0x1000, 16), (0x2ff0, 32)]);
        // A write that runs into the read-only VMA: its writable part, then the fault.
        assert_eq!(allowed(&[(0x2ff0, 32), (0x1000, 4)], |at| vma_in(&vmas, at), true), [(0x2ff0, 16), (top, 16)]);
        // Into the gap, and a read of a write-only VMA: faults at once; empty segments pass.
        assert_eq!(
            allowed(&[(0x0, 0), (0x3ff8, 16)], |at| vma_in(&vmas, at), false),
            [(0x0, 0), (0x3ff8, 8), (top, 8)]
        );
        assert_eq!(allowed(&[(0x5000, 4)], |at| vma_in(&vmas, at), false), [(top, 4)]);
        assert_eq!(allowed(&[(0x5000, 4)], |at| vma_in(&vmas, at), true), [(0x5000, 4)]);
    }

    #[test]
    fn remote_segments_stop_at_the_top_of_the_space() {
        let v = translate(&[(0x1000, 16), (0xffff_d000, 0x3000), (0x2000, 8)], 0x10_0000_0000);
        let got: Vec<(usize, usize)> = v.iter().map(|v| (v.iov_base as usize, v.iov_len)).collect();
        assert_eq!(got, [(0x10_0000_1000, 16), (0x10_ffff_d000, 0x1000), (0x10_ffff_e000, 0x2000)],);
        let v = translate(&[(0xffff_f000, 4)], 0);
        assert_eq!((v[0].iov_base as usize, v[0].iov_len), (0xffff_f000, 4));
    }
}
