//! Memory syscalls: brk(2), mmap2(2), the old struct-argument mmap(2), munmap(2), mprotect(2).
//!
//! Validation follows mm/mmap.c (`do_mmap`, `ksys_mmap_pgoff`) and mm/mprotect.c, in the kernel's
//! order, so the same bad argument gets the same errno.

use super::mm_space::{VmaKind, TASK_SIZE};
use crate::entry;
use crate::mem::{page_up, Backing, GuestMemoryExt, Prot, PAGE_SIZE};
use crate::table::{Arg::*, Args, Entry, Ret};
use crate::task::Ctx;
use crate::{abi::nr, Errno, SysResult};
use std::os::fd::BorrowedFd;

pub const PROT_NAMES: &[(u32, &str)] =
    &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"), (0x0100_0000, "PROT_GROWSDOWN"), (0x0200_0000, "PROT_GROWSUP")];
pub const MAP_NAMES: &[(u32, &str)] = &[
    (0x01, "MAP_SHARED"),
    (0x02, "MAP_PRIVATE"),
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    (0x0100, "MAP_GROWSDOWN"),
    (0x0800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x10000, "MAP_NONBLOCK"),
    (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"),
    (0x80000, "MAP_SYNC"),
    (0x10_0000, "MAP_FIXED_NOREPLACE"),
];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::brk, brk, [Ptr], Ret::Hex),
    entry!(nr::mmap2, mmap2, [Ptr, Uint, Flags(PROT_NAMES), Flags(MAP_NAMES), Fd, Hex], Ret::Hex),
    entry!(nr::mmap, old_mmap, [Ptr], Ret::Hex),
    entry!(nr::munmap, munmap, [Ptr, Uint]),
    entry!(nr::mprotect, mprotect, [Ptr, Uint, Flags(PROT_NAMES)]),
];

const MAP_SHARED: u32 = 0x01;
const MAP_PRIVATE: u32 = 0x02;
const MAP_SHARED_VALIDATE: u32 = 0x03;
const MAP_TYPE: u32 = 0x0f;
const MAP_FIXED: u32 = 0x10;
const MAP_ANONYMOUS: u32 = 0x20;
const MAP_HUGETLB: u32 = 0x40000;
const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
/// Flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK plus MAP_SYNC handled as unsupported).
const LEGACY_MAP_MASK: u32 = 0x01 | 0x02 | 0x10 | 0x20 | 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x10_0000 | 0xfc00_0000;
const PROT_VALID: u32 = 1 | 2 | 4 | 8;
const PROT_GROWS: u32 = 0x0100_0000 | 0x0200_0000;

fn prot_of(bits: u32) -> Prot {
    Prot::from_bits_truncate(bits & 7)
}

/// Implements brk(2).
fn brk(ctx: &mut Ctx, a: &Args) -> SysResult {
    Ok(ctx.task.mm.set_brk(ctx.mem, a[0]))
}

/// Implements mmap2(2): the offset is in 4096-byte units.
fn mmap2(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_mmap(ctx, a[0], a[1], a[2], a[3], a[4], u64::from(a[5]))
}

/// Implements the old mmap(2), whose one argument points at `struct mmap_arg_struct`.
fn old_mmap(ctx: &mut Ctx, a: &Args) -> SysResult {
    let args: [u32; 6] = ctx.mem.read_obj(a[0])?;
    let [addr, len, prot, flags, fd, offset] = args;
    if offset % PAGE_SIZE != 0 {
        return Err(Errno::INVAL.into());
    }
    do_mmap(ctx, addr, len, prot, flags, fd, u64::from(offset / PAGE_SIZE))
}

/// do_mmap() for both entry points.
fn do_mmap(ctx: &mut Ctx, addr: u32, len: u32, prot: u32, flags: u32, fd: u32, pgoff: u64) -> SysResult {
    let anonymous = flags & MAP_ANONYMOUS != 0;
    // ksys_mmap_pgoff(): the fd is looked up first for file mappings.
    let file = if anonymous { None } else { Some(super::fd(fd)?) };
    if flags & MAP_HUGETLB != 0 && anonymous {
        // No hugetlbfs pages are reserved for guests.
        return Err(Errno::NOMEM.into());
    }
    if len == 0 {
        return Err(Errno::INVAL.into());
    }
    if prot & !(PROT_VALID | PROT_GROWS) != 0 {
        return Err(Errno::INVAL.into());
    }
    let len = page_up(len).ok_or(Errno::NOMEM)?;
    if pgoff.checked_add(u64::from(len / PAGE_SIZE)).is_none_or(|end| end > (1 << 44)) {
        return Err(Errno::OVERFLOW.into());
    }
    let shared = match flags & MAP_TYPE {
        MAP_SHARED => true,
        MAP_SHARED_VALIDATE => {
            if flags & !LEGACY_MAP_MASK != 0 {
                return Err(Errno::OPNOTSUPP.into());
            }
            true
        }
        MAP_PRIVATE => false,
        _ => return Err(Errno::INVAL.into()),
    };
    let mm = &mut ctx.task.mm;
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    let start = if fixed {
        if addr % PAGE_SIZE != 0 {
            return Err(Errno::INVAL.into());
        }
        if u64::from(addr) + u64::from(len) > TASK_SIZE {
            return Err(Errno::NOMEM.into());
        }
        if flags & MAP_FIXED == 0 && !mm.is_free(u64::from(addr), u64::from(addr) + u64::from(len)) {
            return Err(Errno::EXIST.into());
        }
        addr
    } else {
        let hint = addr & !(PAGE_SIZE - 1);
        let hint_end = u64::from(hint) + u64::from(len);
        if hint >= super::mm_space::MMAP_MIN_ADDR && mm.is_free(u64::from(hint), hint_end) {
            hint
        } else {
            mm.find_free_below(len, u64::from(mm.mmap_base)).ok_or(Errno::NOMEM)?
        }
    };
    let offset = pgoff * u64::from(PAGE_SIZE);
    let (backing, kind) = match file {
        None => (Backing::Anon { shared }, VmaKind::Anon),
        Some(fd) => (Backing::File { fd, offset, shared }, file_kind(fd, offset)),
    };
    mm.map_fixed(ctx.mem, start, len, prot_of(prot), backing, kind)?;
    Ok(start)
}

/// The VMA description of a file mapping, for /proc/self/maps.
fn file_kind(fd: BorrowedFd, offset: u64) -> VmaKind {
    let path = std::fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd)))
        .unwrap_or_default();
    let (dev, ino) = rustix::fs::fstat(fd).map(|st| (st.st_dev, st.st_ino)).unwrap_or((0, 0));
    VmaKind::File { path, offset, dev, ino }
}

/// Implements munmap(2).
fn munmap(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (addr, len) = (a[0], a[1]);
    if addr % PAGE_SIZE != 0 || len == 0 {
        return Err(Errno::INVAL.into());
    }
    let len = page_up(len).ok_or(Errno::INVAL)?;
    if u64::from(addr) + u64::from(len) > TASK_SIZE {
        return Err(Errno::INVAL.into());
    }
    ctx.task.mm.unmap(ctx.mem, addr, len)?;
    Ok(0)
}

/// Implements mprotect(2).
fn mprotect(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (addr, len, prot) = (a[0], a[1], a[2]);
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::INVAL.into());
    }
    if prot & !(PROT_VALID | PROT_GROWS) != 0 || prot & PROT_GROWS == PROT_GROWS {
        return Err(Errno::INVAL.into());
    }
    let len = page_up(len).ok_or(Errno::NOMEM)?;
    if len == 0 {
        return Ok(0);
    }
    if u64::from(addr) + u64::from(len) > TASK_SIZE {
        return Err(Errno::NOMEM.into());
    }
    ctx.task.mm.protect(ctx.mem, addr, len, prot_of(prot))?;
    Ok(0)
}
