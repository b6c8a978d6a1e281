//! The host's NUMA policy calls (see `crate::sys::mempolicy`): mbind(2), set_mempolicy(2),
//! set_mempolicy_home_node(2), migrate_pages(2), get_mempolicy(2) and move_pages(2).
//!
//! Addresses of memory are numbers here: the host only looks them up (a policy or a page move
//! changes where memory lives, never what it holds), so they need no proof of ownership. Node
//! masks the host reads are local 64-bit words, at least as many as `maxnode - 1` bits need (the
//! wrappers refuse a shorter one as the host refuses an unreadable one); what the host writes
//! goes to locals sized for the most it writes, or to guest memory in place.

use super::inplace::InPlace;
use super::strings::BAD_PTR;
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint, c_ulong};
use std::ptr::{null, null_mut};

const SYS_SET_MEMPOLICY_HOME_NODE: c_long = 450;

/// A node mask the host reads.
#[derive(Clone, Copy)]
pub enum NodeMask<'a> {
    Null,
    /// Local 64-bit words.
    Local(&'a [u64]),
    /// An address the host refuses.
    Refused,
}

impl NodeMask<'_> {
    /// The pointer for a mask of `maxnode - 1` bits (get_nodes() reads that many, rounded up to
    /// whole words); a local mask too short for them is refused.
    fn ptr(self, maxnode: c_ulong) -> *const u64 {
        let bits = maxnode.saturating_sub(1) as usize;
        match self {
            NodeMask::Null => null(),
            NodeMask::Local(w) if w.len() >= bits.div_ceil(64) => w.as_ptr(),
            NodeMask::Local(_) | NodeMask::Refused => BAD_PTR as *const u64,
        }
    }
}

/// mbind(2) on `[start, start + len)`, a host address the host only looks up.
pub fn mbind(
    start: usize,
    len: c_ulong,
    mode: c_int,
    mask: NodeMask<'_>,
    maxnode: c_ulong,
    flags: c_uint,
) -> Result<i64, Errno> {
    // SAFETY: the mask is NULL, live local words the host reads (enough for `maxnode`) or
    // refused; the range is only looked up (a policy or a migration keeps every byte).
    host(unsafe { libc::syscall(libc::SYS_mbind, start, len, mode, mask.ptr(maxnode), maxnode, flags) })
}

/// set_mempolicy(2).
pub fn set_mempolicy(mode: c_int, mask: NodeMask<'_>, maxnode: c_ulong) -> Result<i64, Errno> {
    // SAFETY: as in `mbind`.
    host(unsafe { libc::syscall(libc::SYS_set_mempolicy, mode, mask.ptr(maxnode), maxnode) })
}

/// set_mempolicy_home_node(2) on a host range it only looks up.
pub fn set_mempolicy_home_node(start: usize, len: c_ulong, home: c_ulong, flags: c_ulong) -> Result<i64, Errno> {
    // SAFETY: numbers only (the range is looked up).
    host(unsafe { libc::syscall(SYS_SET_MEMPOLICY_HOME_NODE, start, len, home, flags) })
}

/// migrate_pages(2).
pub fn migrate_pages(pid: c_int, maxnode: c_ulong, old: NodeMask<'_>, new: NodeMask<'_>) -> Result<i64, Errno> {
    // SAFETY: as in `mbind`.
    host(unsafe { libc::syscall(libc::SYS_migrate_pages, pid, maxnode, old.ptr(maxnode), new.ptr(maxnode)) })
}

/// The most get_mempolicy(2) writes of a mask (copy_nodes_to_user(): EINVAL past a page).
const MASK_MAX_BYTES: usize = 4096;

/// get_mempolicy(2) into locals; `addr` is only looked up. A mask too short for what the host
/// would write (`ALIGN(maxnode - 1, 64) / 8` bytes, at most a page) is EINVAL, what the host
/// answers past a page.
pub fn get_mempolicy(
    policy: Option<&mut i32>,
    mask: Option<&mut [u64]>,
    maxnode: c_ulong,
    addr: usize,
    flags: c_ulong,
) -> Result<i64, Errno> {
    let needed = (maxnode.saturating_sub(1) as usize).div_ceil(64) * 8;
    let mask_ptr = match mask {
        None => null_mut(),
        Some(m) if m.len() * 8 >= needed.min(MASK_MAX_BYTES) => m.as_mut_ptr(),
        Some(_) => return Err(Errno::INVAL),
    };
    let policy_ptr = policy.map_or(null_mut(), |p| p as *mut i32);
    // SAFETY: live locals at least as long as the host writes (it writes at most a page of mask,
    // which a shorter buffer already covers when `needed` is larger), or NULL.
    host(unsafe { libc::syscall(libc::SYS_get_mempolicy, policy_ptr, mask_ptr, maxnode, addr, flags) })
}

/// move_pages(2)'s page list: host addresses the host only looks up, or refused with the
/// guest's count.
pub enum PageList<'a> {
    Local(&'a [usize]),
    Refused(usize),
}

/// move_pages(2): `nodes` (read) and `status` (written) are the guest's `int` arrays in place,
/// of as many entries as the list has.
pub fn move_pages(
    pid: c_int,
    pages: PageList<'_>,
    nodes: InPlace,
    status: InPlace,
    flags: c_int,
) -> Result<i64, Errno> {
    let (ptr, count) = match pages {
        PageList::Local(p) => (p.as_ptr(), p.len()),
        PageList::Refused(n) => (BAD_PTR as *const usize, n),
    };
    // SAFETY: a live local list of `count` addresses (only looked up) or a refused address;
    // guest memory of `count` ints, NULL, or refused.
    host(unsafe { libc::syscall(libc::SYS_move_pages, pid, count, ptr, nodes.ptr(), status.ptr(), flags) })
}
