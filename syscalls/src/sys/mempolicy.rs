//! NUMA memory policy: mbind(2), get_mempolicy(2), set_mempolicy(2), set_mempolicy_home_node(2),
//! migrate_pages(2) and move_pages(2), on the host's nodes.
//!
//! A guest thread is a host thread and guest memory is host memory, so policies set here are
//! the host's, on the host mapping of the guest's range. What is translated (mm/mempolicy.c and
//! mm/migrate.c for a compat task):
//! - node masks are arrays of 32-bit longs on i386 (compat_get_bitmap()/compat_put_bitmap()):
//!   the bits are the same in memory, so a mask going in is copied into a local buffer of 64-bit
//!   words (a fault becomes an address the host refuses, in its own order), and a mask coming
//!   out is written back in the compat sizes, the kernel's quirks included (copy_nodes_to_user());
//! - guest addresses become host addresses; a range with a hole in the guest's mappings becomes
//!   a range the host has nothing mapped at (above user space), so the host answers for the hole
//!   (EFAULT, ENOENT, a page's -EFAULT status) after its other checks, as for the guest's;
//! - move_pages' page list is an array of 32-bit pointers.
//!
//! Not exact: another process's addresses (move_pages, pid not 0) are translated with this
//! emulator's guest base, which is that process's own only when it is this process or one it
//! forked.

use super::hostarg::BAD_PTR;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::numa::{self, NodeMask, PageList};
use crate::mem::{GuestMemory, GuestMemoryExt, Prot, PAGE_SIZE};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;
use libc::c_ulong;
use std::sync::LazyLock;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::mbind, mbind, [Ptr, Uint, Int, Ptr, Uint, Hex]),
    entry!(nr::get_mempolicy, get_mempolicy, [Ptr, Ptr, Uint, Ptr, Hex]),
    entry!(nr::set_mempolicy, set_mempolicy, [Int, Ptr, Uint]),
    entry!(nr::set_mempolicy_home_node, set_mempolicy_home_node, [Ptr, Uint, Uint, Hex]),
    entry!(nr::migrate_pages, migrate_pages, [Int, Uint, Ptr, Ptr]),
    entry!(nr::move_pages, move_pages, [Int, Uint, Ptr, Ptr, Ptr, Hex]),
];

/// A host address with nothing mapped at or above it for 4 GiB (past the user half).
const HOLE: usize = 0x8000_0000_0000_0000;
const MPOL_F_ADDR: u32 = 2;

/// `nr_node_ids`: one more than the highest possible node.
static NR_NODE_IDS: LazyLock<usize> = LazyLock::new(|| {
    let possible = std::fs::read_to_string("/sys/devices/system/node/possible").unwrap_or_default();
    let last = possible.trim().rsplit([',', '-']).next().and_then(|n| n.parse::<usize>().ok());
    last.map_or(1, |n| n + 1)
});

/// A node mask argument for the host (get_nodes()): NULL, or the guest's
/// `ALIGN(maxnode - 1, 32) / 8` bytes in 64-bit words. An empty mask (maxnode 0 or 1) or one
/// the host refuses by size alone (more than a page of bits) is left as the guest's address.
struct Mask(Option<Vec<u64>>, usize);

impl Mask {
    fn read(mem: &dyn GuestMemory, addr: u32, maxnode: u32) -> Mask {
        let bits = maxnode.saturating_sub(1) as usize;
        if addr == 0 || bits == 0 || bits > PAGE_SIZE as usize * 8 {
            return Mask(None, if addr == 0 { 0 } else { BAD_PTR });
        }
        let mut bytes = vec![0u8; bits.div_ceil(32) * 4];
        if mem.read(addr, &mut bytes).is_err() {
            return Mask(None, BAD_PTR);
        }
        bytes.resize(bytes.len().div_ceil(8) * 8, 0);
        let words = bytes.chunks_exact(8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default())).collect();
        Mask(Some(words), 0)
    }

    fn host(&self) -> NodeMask<'_> {
        match (&self.0, self.1) {
            (Some(w), _) => NodeMask::Local(w),
            (None, 0) => NodeMask::Null,
            (None, _) => NodeMask::Refused,
        }
    }
}

/// The host address of the guest range `[start, start + len)`, or [`HOLE`] when part of it
/// (page aligned) is not mapped in the guest.
fn range(ctx: &Ctx, start: u32, len: u32) -> usize {
    let Some(host) = ctx.mem.host_addr(start) else { return HOLE };
    let end = (u64::from(start) + u64::from(len)).next_multiple_of(u64::from(PAGE_SIZE));
    if start.is_multiple_of(PAGE_SIZE)
        && end > u64::from(start)
        && ctx.task.mm.get(ctx.held).pieces(u64::from(start), end).1
    {
        return HOLE;
    }
    host as usize
}

/// Implements mbind(2): the host's kernel_mbind() (mode flags, the node mask, then do_mbind()'s
/// flags, alignment, policy and range checks) on the host range.
fn mbind(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mask = Mask::read(ctx.mem, a[3], a[4]);
    let start = range(ctx, a[0], a[1]);
    let (len, maxnode) = (c_ulong::from(a[1]), c_ulong::from(a[4]));
    Ok(numa::mbind(start, len, a[2] as i32, mask.host(), maxnode, a[5])? as u32)
}

/// Implements set_mempolicy(2): the host's, for the calling thread.
fn set_mempolicy(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mask = Mask::read(ctx.mem, a[1], a[2]);
    Ok(numa::set_mempolicy(a[0] as i32, mask.host(), c_ulong::from(a[2]))? as u32)
}

/// Implements set_mempolicy_home_node(2): the host's, on the host range.
fn set_mempolicy_home_node(ctx: &mut Ctx, a: &Args) -> SysResult {
    let start = range(ctx, a[0], a[1]);
    let (len, home, flags) = (c_ulong::from(a[1]), c_ulong::from(a[2]), c_ulong::from(a[3]));
    Ok(numa::set_mempolicy_home_node(start, len, home, flags)? as u32)
}

/// Implements migrate_pages(2): the host's (both masks, then the process and its privilege).
fn migrate_pages(ctx: &mut Ctx, a: &Args) -> SysResult {
    let old = Mask::read(ctx.mem, a[2], a[1]);
    let new = Mask::read(ctx.mem, a[3], a[1]);
    Ok(numa::migrate_pages(a[0] as i32, c_ulong::from(a[1]), old.host(), new.host())? as u32)
}

/// Implements get_mempolicy(2) as kernel_get_mempolicy() does for a compat task: the host's
/// answer into locals (an address with MPOL_F_ADDR translated), then the policy written
/// (EFAULT), then the mask as copy_nodes_to_user() writes it: `ALIGN(maxnode - 1, 64) / 8`
/// bytes (64 for a compat task too), of which those past the kernel's own mask (32-bit words
/// for `nr_node_ids` bits) are cleared first, and the mask itself as compat_put_bitmap() writes
/// it (whole 32-bit words of `maxnode` bits, or of `nr_node_ids` bits after clearing).
fn get_mempolicy(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (policy, nmask, maxnode, addr, flags) = (a[0], a[1], a[2] as usize, a[3], a[4]);
    let addr = if flags & MPOL_F_ADDR != 0 { range(ctx, addr, 1) } else { addr as usize };
    let mut pval: i32 = 0;
    let mut mask = vec![0u64; (maxnode.saturating_sub(1).div_ceil(64)).clamp(1, PAGE_SIZE as usize / 8 + 1)];
    let host_mask = (nmask != 0).then_some(mask.as_mut_slice());
    let host_policy = (policy != 0).then_some(&mut pval);
    numa::get_mempolicy(host_policy, host_mask, maxnode as c_ulong, addr, c_ulong::from(flags))?;
    if policy != 0 {
        ctx.mem.write_u32(policy, pval as u32)?;
    }
    if nmask != 0 {
        // The size is the 64-bit one even for a compat task; the kernel's own mask is counted
        // in 32-bit words.
        let nbytes = NR_NODE_IDS.div_ceil(32) * 4;
        let copy = maxnode.saturating_sub(1).next_multiple_of(64) / 8;
        let mut bits = maxnode;
        if copy > nbytes {
            // (copy > PAGE_SIZE: the host already answered EINVAL.)
            let zeros = vec![0u8; copy - nbytes];
            ctx.mem.write(nmask.wrapping_add(nbytes as u32), &zeros)?;
            bits = *NR_NODE_IDS;
        }
        // compat_put_bitmap() writes whole 32-bit words of the kernel's (larger) node mask.
        let mut bytes: Vec<u8> = mask.iter().flat_map(|w| w.to_le_bytes()).collect();
        bytes.resize(bits.div_ceil(32) * 4, 0);
        ctx.mem.write(nmask, &bytes)?;
    }
    Ok(0)
}

/// Implements move_pages(2): the host's kernel_move_pages() (flags, privilege, the process,
/// then each page) with the i386 page pointers made host addresses (a page the guest has not
/// mapped becomes one the host has not either: its status is -EFAULT); the node and status
/// arrays are `int`s, the host's in place.
fn move_pages(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (pid, count, pages, nodes, status, flags) = (a[0], a[1] as usize, a[2], a[3], a[4], a[5]);
    let mut list = vec![0u8; count.saturating_mul(4).min(1 << 24)];
    let host_pages: Vec<usize> = if list.len() == count * 4 && ctx.mem.read(pages, &mut list).is_ok() {
        list.chunks_exact(4)
            .map(|p| {
                let at = u32::from_le_bytes(p.try_into().unwrap_or_default());
                let mapped = ctx.task.mm.get(ctx.held).find(at).is_some();
                if mapped {
                    ctx.mem.host_addr(at).map_or(HOLE, |h| h as usize)
                } else {
                    HOLE
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let list =
        if count != 0 && host_pages.is_empty() { PageList::Refused(count) } else { PageList::Local(&host_pages) };
    let nodes_in = InPlace::new(ctx.mem, nodes, count * 4, Prot::READ);
    let status_out = InPlace::new(ctx.mem, status, count * 4, Prot::WRITE);
    Ok(numa::move_pages(pid as i32, list, nodes_in, status_out, flags as i32)? as u32)
}
