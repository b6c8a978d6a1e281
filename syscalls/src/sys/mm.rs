//! Memory syscalls: brk(2), mmap2(2), the old struct-argument mmap(2), munmap(2), mprotect(2),
//! mremap(2), madvise(2), msync(2), mlock(2) and friends, mincore(2).
//!
//! Validation follows mm/mmap.c (`do_mmap`, `ksys_mmap_pgoff`) and mm/mprotect.c, in the kernel's
//! order, so the same bad argument gets the same errno.

use crate::entry;
use crate::hostcall::mm as host;
use crate::mem::pages::host_pages;
use crate::mem::{page_up, Backing, GuestMemory, GuestMemoryExt, HostRange, Prot, PAGE_SIZE};
use crate::row::{Arg::*, Args, Entry, Ret};
use crate::space::{vm, Mm, Remap, Vma, VmaKind, TASK_SIZE};
use crate::task::Ctx;
use crate::{abi::nr, Errno, SysResult};
use std::os::fd::BorrowedFd;

pub const PROT_NAMES: &[(u32, &str)] = &[
    (1, "PROT_READ"),
    (2, "PROT_WRITE"),
    (4, "PROT_EXEC"),
    (0x0100_0000, "PROT_GROWSDOWN"),
    (0x0200_0000, "PROT_GROWSUP"),
];
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
    entry!(nr::mremap, mremap, [Ptr, Uint, Uint, Flags(MREMAP_NAMES), Ptr], Ret::Hex),
    entry!(nr::madvise, madvise, [Ptr, Uint, Int]),
    entry!(nr::msync, msync, [Ptr, Uint, Flags(MS_NAMES)]),
    entry!(nr::mlock, mlock, [Ptr, Uint]),
    entry!(nr::mlock2, mlock2, [Ptr, Uint, Hex]),
    entry!(nr::munlock, munlock, [Ptr, Uint]),
    entry!(nr::mlockall, mlockall, [Flags(MCL_NAMES)]),
    entry!(nr::munlockall, munlockall, []),
    entry!(nr::mincore, mincore, [Ptr, Uint, Ptr]),
    entry!(nr::remap_file_pages, remap_file_pages, [Ptr, Uint, Flags(PROT_NAMES), Uint, Flags(MAP_NAMES)]),
];

pub const MREMAP_NAMES: &[(u32, &str)] = &[(1, "MREMAP_MAYMOVE"), (2, "MREMAP_FIXED"), (4, "MREMAP_DONTUNMAP")];
pub const MS_NAMES: &[(u32, &str)] = &[(1, "MS_ASYNC"), (2, "MS_INVALIDATE"), (4, "MS_SYNC")];
pub const MCL_NAMES: &[(u32, &str)] = &[(1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT")];

const MAP_SHARED: u32 = 0x01;
const MAP_PRIVATE: u32 = 0x02;
const MAP_SHARED_VALIDATE: u32 = 0x03;
const MAP_TYPE: u32 = 0x0f;
const MAP_FIXED: u32 = 0x10;
const MAP_ANONYMOUS: u32 = 0x20;
const MAP_HUGETLB: u32 = 0x40000;
const MAP_GROWSDOWN: u32 = 0x100;
const MAP_LOCKED: u32 = 0x2000;
const MAP_NORESERVE: u32 = 0x4000;
const MAP_STACK: u32 = 0x20000;
const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
/// Flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK plus MAP_SYNC handled as unsupported).
const LEGACY_MAP_MASK: u32 = 0x01
    | 0x02
    | 0x10
    | 0x20
    | 0x0100
    | 0x0800
    | 0x1000
    | 0x2000
    | 0x4000
    | 0x8000
    | 0x10000
    | 0x20000
    | 0x40000
    | 0x10_0000
    | 0xfc00_0000;
const PROT_VALID: u32 = 1 | 2 | 4 | 8;
const PROT_GROWS: u32 = 0x0100_0000 | 0x0200_0000;

fn prot_of(bits: u32) -> Prot {
    Prot::from_bits_truncate(bits & 7)
}

/// Implements brk(2).
fn brk(ctx: &mut Ctx, a: &Args) -> SysResult {
    Ok(ctx.task.mm.get_mut(ctx.held).set_brk(ctx.mem, a[0]))
}

/// Implements mmap2(2): the offset is in 4096-byte units.
fn mmap2(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_mmap(ctx, a[0], a[1], a[2], a[3], a[4], u64::from(a[5]))
}

/// Implements the old mmap(2), whose one argument points at `struct mmap_arg_struct`.
fn old_mmap(ctx: &mut Ctx, a: &Args) -> SysResult {
    let args: [u32; 6] = ctx.mem.read_obj(a[0])?;
    let [addr, len, prot, flags, fd, offset] = args;
    if !offset.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    do_mmap(ctx, addr, len, prot, flags, fd, u64::from(offset / PAGE_SIZE))
}

/// do_mmap() for both entry points, in its steps: the file, the length, offset and type checks,
/// the address, the accounting, then the mapping and its vm_flags.
fn do_mmap(ctx: &mut Ctx, addr: u32, len: u32, prot: u32, flags: u32, fd: u32, pgoff: u64) -> SysResult {
    let anonymous = flags & MAP_ANONYMOUS != 0;
    // ksys_mmap_pgoff(): the fd is looked up first for file mappings.
    let file = match anonymous {
        true => None,
        false => {
            let fd = super::fd(fd)?;
            // fget(): a closed number is EBADF before any other check.
            rustix::io::fcntl_getfd(fd)?;
            Some(fd)
        }
    };
    if flags & MAP_HUGETLB != 0 && anonymous {
        // No hugetlbfs pages are reserved for guests.
        return Err(Errno::NOMEM.into());
    }
    let len = mmap_len(len, pgoff)?;
    let shared = map_shared(flags, anonymous)?;
    // do_mmap(): MAP_LOCKED needs mlock rights.
    if flags & MAP_LOCKED != 0 && !can_do_mlock() {
        return Err(Errno::PERM.into());
    }
    let mm = ctx.task.mm.get_mut(ctx.held);
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    let start = mmap_start(mm, addr, len, flags)?;
    // do_mmap(): a locked mapping needs room under RLIMIT_MEMLOCK (mlock_future_ok()); the
    // default flags of mlockall(MCL_FUTURE) count.
    let locked = flags & MAP_LOCKED != 0 || mm.def_flags & vm::LOCKED != 0;
    if locked && !mlock_future_ok(mm.locked_vm() + u64::from(len)) {
        return Err(Errno::AGAIN.into());
    }
    // mmap_region(): may_expand_vm(), less what a fixed mapping replaces.
    let (from, to) = (u64::from(start), u64::from(start) + u64::from(len));
    if !mm.may_expand_vm(u64::from(len) - if fixed { mm.mapped_in(from, to) } else { 0 }) {
        return Err(Errno::NOMEM.into());
    }
    let offset = pgoff * u64::from(PAGE_SIZE);
    let (backing, kind) = match file {
        None => (Backing::Anon { shared }, VmaKind::Anon),
        Some(fd) => (Backing::File { fd, offset, shared }, file_kind(fd, offset)),
    };
    // A shared mapping of a file not open for writing can never be written (VM_MAYWRITE and
    // VM_SHARED cleared, VM_MAYSHARE kept).
    let read_only_file = file.is_some_and(|fd| {
        rustix::fs::fcntl_getfl(fd)
            .is_ok_and(|fl| !fl.intersects(rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::RDWR))
    });
    mm.map_fixed(ctx.mem, start, len, prot_of(prot), backing, kind)?;
    if anonymous && shared {
        mm.name_from_host(ctx.mem, start);
    }
    let noreserve = flags & MAP_NORESERVE != 0 && overcommit_allowed();
    mm.change_flags(start, to, &|v| mmap_vm_flags(v.flags, flags, shared && read_only_file, noreserve));
    if locked {
        if let Some(pages) = host_pages(ctx.mem, start, len as usize) {
            // A failure (the host's own limit) leaves them unlocked, which the guest sees only
            // by timing.
            let _ = host::mlock(pages);
        }
    }
    Ok(start)
}

/// do_mmap()'s length checks: not 0, page-aligned without wrapping (ENOMEM), and an offset whose
/// end fits in the page cache's index (EOVERFLOW). Unknown PROT_* bits are ignored.
fn mmap_len(len: u32, pgoff: u64) -> Result<u32, Errno> {
    if len == 0 {
        return Err(Errno::INVAL);
    }
    let len = page_up(len).ok_or(Errno::NOMEM)?;
    if pgoff.checked_add(u64::from(len / PAGE_SIZE)).is_none_or(|end| end > (1 << 44)) {
        return Err(Errno::OVERFLOW);
    }
    Ok(len)
}

/// do_mmap()'s switch on the mapping type: whether the mapping is shared.
fn map_shared(flags: u32, anonymous: bool) -> Result<bool, Errno> {
    match flags & MAP_TYPE {
        MAP_SHARED => Ok(true),
        // A file's mmap_supported_flags are checked for EOPNOTSUPP; anonymous memory refuses
        // unknown flags as invalid.
        MAP_SHARED_VALIDATE if flags & !LEGACY_MAP_MASK != 0 => {
            Err(if anonymous { Errno::INVAL } else { Errno::OPNOTSUPP })
        }
        MAP_SHARED_VALIDATE => Ok(true),
        MAP_PRIVATE => Ok(false),
        _ => Err(Errno::INVAL),
    }
}

/// Where the mapping goes (__get_unmapped_area()): exactly at `addr` with MAP_FIXED or
/// MAP_FIXED_NOREPLACE, else at the hint when it is free, else top-down below mmap_base.
fn mmap_start(mm: &Mm, addr: u32, len: u32, flags: u32) -> Result<u32, Errno> {
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) == 0 {
        let hint = addr & !(PAGE_SIZE - 1);
        let hint_end = u64::from(hint) + u64::from(len);
        if hint >= crate::space::MMAP_MIN_ADDR && mm.is_free(u64::from(hint), hint_end) {
            return Ok(hint);
        }
        return mm.find_free_below(len, u64::from(mm.mmap_base)).ok_or(Errno::NOMEM);
    }
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL);
    }
    if u64::from(addr) + u64::from(len) > TASK_SIZE {
        return Err(Errno::NOMEM);
    }
    // MAP_FIXED_NOREPLACE wins over MAP_FIXED.
    if flags & MAP_FIXED_NOREPLACE != 0 && !mm.is_free(u64::from(addr), u64::from(addr) + u64::from(len)) {
        return Err(Errno::EXIST);
    }
    Ok(addr)
}

/// A new mapping's vm_flags `f` after the mmap flags (calc_vm_flag_bits()): `read_only_shared`
/// for a shared mapping of a file not open for writing, `noreserve` for an honoured MAP_NORESERVE.
fn mmap_vm_flags(mut f: u32, flags: u32, read_only_shared: bool, noreserve: bool) -> u32 {
    if read_only_shared {
        f &= !(vm::MAYWRITE | vm::SHARED);
    }
    if noreserve {
        f = (f | vm::NORESERVE) & !vm::ACCOUNT;
    }
    if flags & MAP_LOCKED != 0 {
        f |= vm::LOCKED;
    }
    if flags & MAP_GROWSDOWN != 0 {
        f |= vm::GROWSDOWN;
    }
    if flags & MAP_STACK != 0 {
        // Since Linux 6.7, MAP_STACK asks for no transparent huge pages.
        f |= vm::NOHUGEPAGE;
    }
    f
}

/// Whether MAP_NORESERVE is honoured (vm.overcommit_memory is not 2, OVERCOMMIT_NEVER).
fn overcommit_allowed() -> bool {
    std::fs::read_to_string("/proc/sys/vm/overcommit_memory").map_or(true, |s| s.trim() != "2")
}

/// mlock_future_ok(): `bytes` locked in all stay under RLIMIT_MEMLOCK, or the caller may exceed it
/// (CAP_IPC_LOCK, taken as being root).
fn mlock_future_ok(bytes: u64) -> bool {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Memlock).current;
    rustix::process::geteuid().is_root() || limit.is_none_or(|l| bytes <= l)
}

/// The VMA description of a file mapping, for /proc/self/maps.
fn file_kind(fd: BorrowedFd, offset: u64) -> VmaKind {
    let path =
        std::fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd))).unwrap_or_default();
    let (dev, ino) = rustix::fs::fstat(fd).map(|st| (st.st_dev, st.st_ino)).unwrap_or((0, 0));
    VmaKind::File { path, offset, dev, ino }
}

/// Implements munmap(2).
fn munmap(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (addr, len) = (a[0], a[1]);
    if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
        return Err(Errno::INVAL.into());
    }
    let len = page_up(len).ok_or(Errno::INVAL)?;
    if u64::from(addr) + u64::from(len) > TASK_SIZE {
        return Err(Errno::INVAL.into());
    }
    // do_vmi_munmap(): a sealed VMA in the range is EPERM with nothing unmapped.
    let mm = ctx.task.mm.get_mut(ctx.held);
    if mm.any_sealed(u64::from(addr), u64::from(addr) + u64::from(len)) {
        return Err(Errno::PERM.into());
    }
    mm.unmap(ctx.mem, addr, len)?;
    Ok(0)
}

/// Implements mprotect(2), in do_mprotect_pkey()'s order.
pub(super) fn mprotect(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (addr, len, prot) = (a[0], a[1], a[2]);
    if prot & PROT_GROWS == PROT_GROWS || !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    if len == 0 {
        return Ok(0);
    }
    if prot & !(PROT_VALID | PROT_GROWS) != 0 {
        return Err(Errno::INVAL.into());
    }
    // Past TASK_SIZE nothing is mapped: clamp to one page beyond it, which answers the same ENOMEM
    // after the mapped run from `addr` has changed.
    let len = page_up64(len).min(TASK_SIZE + u64::from(PAGE_SIZE) - u64::from(addr));
    // PROT_GROWSDOWN/UP apply only to a stack-like VMA (VM_GROWSDOWN); no guest VMA is one.
    if prot & PROT_GROWS != 0 {
        return Err(Errno::INVAL.into());
    }
    ctx.task.mm.get_mut(ctx.held).protect(ctx.mem, addr, len as u32, prot_of(prot))?;
    Ok(0)
}

/// `PAGE_ALIGN` in the kernel's 64-bit arithmetic (a compat argument never wraps).
fn page_up64(n: u32) -> u64 {
    (u64::from(n) + u64::from(PAGE_SIZE) - 1) & !u64::from(PAGE_SIZE - 1)
}

const MREMAP_MAYMOVE: u32 = 1;
const MREMAP_FIXED: u32 = 2;
const MREMAP_DONTUNMAP: u32 = 4;

/// Implements mremap(2): the argument checks of check_mremap_params(), then [`Mm::remap`].
///
/// [`Mm::remap`]: crate::space::Mm::remap
fn mremap(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (addr, old_len, new_len, flags, new_addr) = (a[0], a[1], a[2], a[3], a[4]);
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    let (old_len, new_len) = (page_up64(old_len), page_up64(new_len));
    if new_len == 0 || new_len > TASK_SIZE {
        return Err(Errno::INVAL.into());
    }
    let may_move = flags & MREMAP_MAYMOVE != 0;
    let fixed = flags & MREMAP_FIXED != 0;
    let dont_unmap = flags & MREMAP_DONTUNMAP != 0;
    if fixed || dont_unmap {
        if !new_addr.is_multiple_of(PAGE_SIZE) || !may_move || (dont_unmap && old_len != new_len) {
            return Err(Errno::INVAL.into());
        }
        if u64::from(new_addr) > TASK_SIZE - new_len {
            return Err(Errno::INVAL.into());
        }
        let (a0, n0) = (u64::from(addr), u64::from(new_addr));
        if a0 + old_len > n0 && n0 + new_len > a0 {
            return Err(Errno::INVAL.into());
        }
    }
    let req = Remap { addr, old_len, new_len: new_len as u32, may_move, fixed, dont_unmap, new_addr };
    Ok(ctx.task.mm.get_mut(ctx.held).remap(ctx.mem, req)?)
}

/// The `MADV_*` values of include/uapi/asm-generic/mman-common.h.
mod madv {
    pub const NORMAL: u32 = 0;
    pub const RANDOM: u32 = 1;
    pub const SEQUENTIAL: u32 = 2;
    pub const WILLNEED: u32 = 3;
    pub const DONTNEED: u32 = 4;
    pub const FREE: u32 = 8;
    pub const REMOVE: u32 = 9;
    pub const DONTFORK: u32 = 10;
    pub const DOFORK: u32 = 11;
    pub const MERGEABLE: u32 = 12;
    pub const UNMERGEABLE: u32 = 13;
    pub const HUGEPAGE: u32 = 14;
    pub const NOHUGEPAGE: u32 = 15;
    pub const DONTDUMP: u32 = 16;
    pub const DODUMP: u32 = 17;
    pub const WIPEONFORK: u32 = 18;
    pub const KEEPONFORK: u32 = 19;
    pub const COLD: u32 = 20;
    pub const PAGEOUT: u32 = 21;
    pub const POPULATE_READ: u32 = 22;
    pub const POPULATE_WRITE: u32 = 23;
    pub const DONTNEED_LOCKED: u32 = 24;
    pub const COLLAPSE: u32 = 25;
    pub const HWPOISON: u32 = 100;
    pub const SOFT_OFFLINE: u32 = 101;
    pub const GUARD_INSTALL: u32 = 102;
    pub const GUARD_REMOVE: u32 = 103;
}

/// Whether the VMA is private anonymous memory (`vma_is_anonymous`, not shmem).
fn private_anon(v: &Vma) -> bool {
    !v.shared && matches!(v.kind, VmaKind::Anon | VmaKind::Heap | VmaKind::Stack)
}

/// Forward `advice` to the host pages of one guest VMA part.
fn host_madvise(mem: &dyn GuestMemory, v: &Vma, advice: u32) -> Result<(), Errno> {
    match vma_pages(mem, v) {
        Some(pages) => host::madvise(pages, advice),
        None => Ok(()),
    }
}

/// The host pages of one guest VMA part; `None` without host memory.
fn vma_pages(mem: &dyn GuestMemory, v: &Vma) -> Option<HostRange> {
    host_pages(mem, v.start, (v.end - u64::from(v.start)) as usize)
}

/// MADV_GUARD_INSTALL or MADV_GUARD_REMOVE on one VMA part (mm/madvise.c, Linux 6.13 and, for
/// file and read-only mappings, 6.15). The kernel puts guard markers in the page tables; here a
/// guard page is a page of [`Mm::guards`] made inaccessible to the guest (passing the advice to
/// the host would make the emulator's own accesses fault). Installing zaps the pages as the
/// kernel does (anonymous contents are lost, file pages read the file again once the guard is
/// removed); VMAs with VM_SPECIAL (the vDSO) or, for install, VM_LOCKED are EINVAL
/// (is_valid_guard_vma()).
fn guard(ctx: &mut Ctx, v: &Vma, install: bool) -> Result<(), Errno> {
    if matches!(v.kind, VmaKind::Special(_)) || (install && v.flags & vm::LOCKED != 0) {
        return Err(Errno::INVAL);
    }
    let pages = (v.start..).step_by(PAGE_SIZE as usize).take_while(|p| u64::from(*p) < v.end);
    if install {
        host_madvise(ctx.mem, v, madv::DONTNEED)?;
        for page in pages {
            ctx.task.mm.get_mut(ctx.held).guards.insert(page);
        }
        ctx.mem.protect(v.start, (v.end - u64::from(v.start)) as u32, Prot::empty())
    } else {
        let removed: Vec<u32> = pages.filter(|p| ctx.task.mm.get_mut(ctx.held).guards.remove(p)).collect();
        for page in removed {
            ctx.mem.protect(page, PAGE_SIZE, v.prot)?;
        }
        Ok(())
    }
}

/// Implements madvise(2): madvise_walk_vmas() applies the advice to every mapped part and answers
/// ENOMEM at the end if part of the range was not mapped; an error from a part stops the walk.
fn madvise(ctx: &mut Ctx, a: &Args) -> SysResult {
    use madv::*;
    let (start, len, advice) = (a[0], a[1], a[2]);
    const KNOWN: &[u32] = &[
        NORMAL,
        RANDOM,
        SEQUENTIAL,
        WILLNEED,
        DONTNEED,
        FREE,
        REMOVE,
        DONTFORK,
        DOFORK,
        MERGEABLE,
        UNMERGEABLE,
        HUGEPAGE,
        NOHUGEPAGE,
        DONTDUMP,
        DODUMP,
        WIPEONFORK,
        KEEPONFORK,
        COLD,
        PAGEOUT,
        POPULATE_READ,
        POPULATE_WRITE,
        DONTNEED_LOCKED,
        COLLAPSE,
        HWPOISON,
        SOFT_OFFLINE,
        GUARD_INSTALL,
        GUARD_REMOVE,
    ];
    let known = KNOWN.contains(&advice);
    if !known || !start.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    let end = u64::from(start) + page_up64(len);
    if end == u64::from(start) {
        return Ok(0);
    }
    match advice {
        // Needs CAP_SYS_ADMIN and would poison host pages: never forwarded.
        HWPOISON | SOFT_OFFLINE => return Err(Errno::PERM.into()),
        _ => {}
    }
    let (pieces, hole) = ctx.task.mm.get(ctx.held).pieces(u64::from(start), end);
    for v in &pieces {
        // can_madvise_modify(): a discarding advice on a sealed, read-only, private anonymous
        // VMA is EPERM (the VMAs before it took the advice).
        let discard =
            matches!(advice, FREE | DONTNEED | DONTNEED_LOCKED | REMOVE | DONTFORK | WIPEONFORK | GUARD_INSTALL);
        if discard && v.flags & vm::SEALED != 0 && private_anon(v) && !v.prot.contains(Prot::WRITE) {
            return Err(Errno::PERM.into());
        }
        match advice {
            // Hints, and fork-time flags: a forked child keeps every guest page (DONTFORK is not
            // forwarded, as the child emulator needs the whole guest space).
            NORMAL | RANDOM | SEQUENTIAL | DONTFORK | DOFORK | MERGEABLE | UNMERGEABLE | DONTDUMP | DODUMP => {}
            FREE | WIPEONFORK if !private_anon(v) => return Err(Errno::INVAL.into()),
            POPULATE_READ | POPULATE_WRITE => {
                let need = if advice == POPULATE_READ { Prot::READ } else { Prot::WRITE };
                if !v.prot.contains(need) {
                    return Err(Errno::NOMEM.into());
                }
                host_madvise(ctx.mem, v, advice)?;
            }
            DONTNEED | DONTNEED_LOCKED => {
                host_madvise(ctx.mem, v, advice)?;
                // Code in zapped pages is gone: drop its translations.
                if v.prot.contains(Prot::EXEC) {
                    ctx.mem.protect(v.start, (v.end - u64::from(v.start)) as u32, v.prot)?;
                    ctx.task.mm.get_mut(ctx.held).protect_guards(ctx.mem, v.start, v.end)?;
                }
            }
            GUARD_INSTALL | GUARD_REMOVE => guard(ctx, v, advice == GUARD_INSTALL)?,
            _ => host_madvise(ctx.mem, v, advice)?,
        }
    }
    if hole {
        return Err(Errno::NOMEM.into());
    }
    Ok(0)
}

const MS_ASYNC: u32 = 1;
const MS_INVALIDATE: u32 = 2;
const MS_SYNC: u32 = 4;

/// Implements msync(2): shared file mappings are synced on the host with MS_SYNC; holes answer
/// ENOMEM (at once for plain MS_SYNC, as the kernel's walk does); MS_INVALIDATE on a locked
/// mapping is EBUSY, which the host says of the same range (mlock locked the host's pages).
fn msync(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (start, len, flags) = (a[0], a[1], a[2]);
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 || !start.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    if flags & MS_ASYNC != 0 && flags & MS_SYNC != 0 {
        return Err(Errno::INVAL.into());
    }
    let end = u64::from(start) + page_up64(len);
    if end == u64::from(start) {
        return Ok(0);
    }
    let (pieces, hole) = ctx.task.mm.get(ctx.held).pieces(u64::from(start), end);
    let mut at = u64::from(start);
    for v in &pieces {
        if u64::from(v.start) > at && flags == MS_SYNC {
            return Err(Errno::NOMEM.into());
        }
        at = v.end;
        if flags & MS_INVALIDATE != 0 {
            // MS_INVALIDATE alone changes nothing, it only fails with EBUSY where a page is
            // locked (VM_LOCKED).
            if let Some(pages) = vma_pages(ctx.mem, v) {
                if host::msync(pages, libc::MS_INVALIDATE) == Err(Errno::BUSY) {
                    return Err(Errno::BUSY.into());
                }
            }
        }
        if flags & MS_SYNC != 0 && v.shared && matches!(v.kind, VmaKind::File { .. }) {
            if let Some(pages) = vma_pages(ctx.mem, v) {
                host::msync(pages, libc::MS_SYNC)?;
            }
        }
    }
    if hole {
        return Err(Errno::NOMEM.into());
    }
    Ok(0)
}

/// can_do_mlock(): a non-zero RLIMIT_MEMLOCK or CAP_IPC_LOCK (taken as being root).
fn can_do_mlock() -> bool {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Memlock).current;
    limit != Some(0) || rustix::process::geteuid().is_root()
}

/// The page range mlock/munlock act on: the start rounded down, the length rounded up with it.
fn lock_range(start: u32, len: u32) -> (u64, u64) {
    let off = start % PAGE_SIZE;
    let len = (u64::from(len) + u64::from(off) + u64::from(PAGE_SIZE) - 1) & !u64::from(PAGE_SIZE - 1);
    let start = u64::from(start - off);
    (start, start + len)
}

/// apply_vma_lock_flags(): lock or unlock the mapped parts from `start` on, one VMA at a time,
/// ENOMEM at the first hole (what came before it stays changed, as in the kernel); `flags` are the
/// `VM_LOCKED`/`VM_LOCKONFAULT` bits the range gets.
fn apply_lock(
    ctx: &mut Ctx,
    start: u64,
    end: u64,
    flags: u32,
    op: &dyn Fn(HostRange) -> Result<(), Errno>,
) -> SysResult {
    if end == start {
        return Ok(0);
    }
    let (pieces, _) = ctx.task.mm.get(ctx.held).pieces(start, end);
    let mut at = start;
    for v in &pieces {
        if u64::from(v.start) != at {
            return Err(Errno::NOMEM.into());
        }
        if let Some(pages) = vma_pages(ctx.mem, v) {
            op(pages)?;
        }
        ctx.task.mm.get_mut(ctx.held).change_flags(v.start, v.end, &|v| (v.flags & !vm::LOCKED_MASK) | flags);
        at = v.end;
    }
    if at < end {
        return Err(Errno::NOMEM.into());
    }
    Ok(0)
}

/// Implements mlock(2) by locking the host pages of the guest range.
fn mlock(ctx: &mut Ctx, a: &Args) -> SysResult {
    do_mlock(ctx, a[0], a[1], 0)
}

/// Implements mlock2(2).
fn mlock2(ctx: &mut Ctx, a: &Args) -> SysResult {
    const MLOCK_ONFAULT: u32 = 1;
    if a[2] & !MLOCK_ONFAULT != 0 {
        return Err(Errno::INVAL.into());
    }
    do_mlock(ctx, a[0], a[1], a[2])
}

fn do_mlock(ctx: &mut Ctx, start: u32, len: u32, flags: u32) -> SysResult {
    if !can_do_mlock() {
        return Err(Errno::PERM.into());
    }
    let (start, end) = lock_range(start, len);
    // do_mlock(): the range's unlocked bytes must fit under RLIMIT_MEMLOCK (count_mm_mlocked_page_nr()).
    let (pieces, _) = ctx.task.mm.get(ctx.held).pieces(start, end);
    let already: u64 = pieces.iter().filter(|v| v.flags & vm::LOCKED != 0).map(|v| v.end - u64::from(v.start)).sum();
    if !mlock_future_ok(ctx.task.mm.get(ctx.held).locked_vm() - already + (end - start)) {
        return Err(Errno::NOMEM.into());
    }
    let vm_flags = vm::LOCKED | if flags & 1 != 0 { vm::LOCKONFAULT } else { 0 };
    apply_lock(ctx, start, end, vm_flags, &|pages| host::mlock2(pages, flags & 1 != 0))
}

/// Implements munlock(2).
fn munlock(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (start, end) = lock_range(a[0], a[1]);
    apply_lock(ctx, start, end, 0, &host::munlock)
}

const MCL_CURRENT: u32 = 1;
const MCL_FUTURE: u32 = 2;
const MCL_ONFAULT: u32 = 4;

/// Implements mlockall(2): MCL_CURRENT locks the guest's current mappings on the host and marks
/// them `VM_LOCKED`; MCL_FUTURE makes that the default for new mappings (the guest's: it is not
/// forwarded, which would lock the emulator's own allocations too). apply_mlockall_flags().
fn mlockall(ctx: &mut Ctx, a: &Args) -> SysResult {
    let flags = a[0];
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
        return Err(Errno::INVAL.into());
    }
    if !can_do_mlock() {
        return Err(Errno::PERM.into());
    }
    if flags & MCL_CURRENT != 0 && !mlock_future_ok(ctx.task.mm.get(ctx.held).total_vm()) {
        return Err(Errno::NOMEM.into());
    }
    let onfault = if flags & MCL_ONFAULT != 0 { vm::LOCKONFAULT } else { 0 };
    let mm = ctx.task.mm.get_mut(ctx.held);
    mm.def_flags &= !vm::LOCKED_MASK;
    if flags & MCL_FUTURE != 0 {
        mm.def_flags |= vm::LOCKED | onfault;
    }
    let lock = if flags & MCL_CURRENT != 0 { vm::LOCKED | onfault } else { 0 };
    for v in mm.vmas() {
        if let Some(pages) = vma_pages(ctx.mem, v).filter(|_| lock != 0) {
            // A failure (the host's own limit) leaves the pages unlocked, which the guest cannot
            // observe but by timing.
            let _ = host::mlock2(pages, onfault != 0);
        }
    }
    mm.change_flags(0, TASK_SIZE, &|v| (v.flags & !vm::LOCKED_MASK) | lock);
    Ok(0)
}

/// Implements munlockall(2). The emulator locks nothing of its own, so the host call is exact.
fn munlockall(ctx: &mut Ctx, _: &Args) -> SysResult {
    host::munlockall()?;
    let mm = ctx.task.mm.get_mut(ctx.held);
    mm.def_flags &= !vm::LOCKED_MASK;
    mm.change_flags(0, TASK_SIZE, &|v| v.flags & !vm::LOCKED_MASK);
    Ok(0)
}

/// Implements mincore(2): residency of the host pages, written to the guest vector one VMA part
/// (at most a page of vector) at a time, as the kernel's loop does: ENOMEM at an unmapped page,
/// EFAULT when the vector cannot be written.
fn mincore(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (start, len, mut vec) = (a[0], a[1], a[2]);
    if !start.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    let mut pages = page_up64(len) / u64::from(PAGE_SIZE);
    let mut at = u64::from(start);
    let mut tmp = vec![0u8; PAGE_SIZE as usize];
    while pages > 0 {
        let Some(v) = u32::try_from(at).ok().and_then(|a| ctx.task.mm.get(ctx.held).find(a)) else {
            return Err(Errno::NOMEM.into());
        };
        let n = pages.min((v.end - at) / u64::from(PAGE_SIZE)).min(u64::from(PAGE_SIZE)) as usize;
        let out = &mut tmp[..n];
        match host_pages(ctx.mem, at as u32, n * PAGE_SIZE as usize) {
            Some(pages) => {
                host::mincore(pages, out)?;
                for b in out.iter_mut() {
                    *b &= 1;
                }
            }
            None => out.fill(0),
        }
        ctx.mem.write(vec, out)?;
        vec = vec.wrapping_add(n as u32);
        at += (n as u64) * u64::from(PAGE_SIZE);
        pages -= n as u64;
    }
    Ok(0)
}

/// `MAP_NONBLOCK`, the one flag remap_file_pages(2) keeps.
const MAP_NONBLOCK: u32 = 0x10000;

/// Implements remap_file_pages(2) as the kernel has since 4.0 (mm/mmap.c): no longer nonlinear,
/// it maps `[start, start+size)` again as a MAP_SHARED|MAP_FIXED|MAP_POPULATE mapping of the
/// same file at page `pgoff`, with the VMA's protection. The checks are made here on the guest's
/// VMAs in the kernel's order (`prot` must be 0; an empty range; a VMA at `start` that is shared;
/// when the range goes past it, the VMAs after it must follow without a hole, map the same file
/// and have the same flags: EINVAL otherwise); then the host does the same on its own mapping of
/// those guest pages, which is the guest's file mapping, and the VMAs here are replaced by one
/// that says where the file now is. (The kernel compares the open files; the VMAs here know the
/// file by device and inode, so two mappings of one file through two opens count as one file.)
fn remap_file_pages(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [start, size, prot, pgoff, flags, _] = *a;
    if prot != 0 {
        return Err(Errno::INVAL.into());
    }
    let start = start & !(PAGE_SIZE - 1);
    let size = size & !(PAGE_SIZE - 1);
    // The arguments are unsigned longs, 32-bit values in 64-bit registers: only an empty range
    // ends at or below its start, and pgoff cannot wrap.
    if size == 0 {
        return Err(Errno::INVAL.into());
    }
    let end = u64::from(start) + u64::from(size);
    let mm = ctx.task.mm.get(ctx.held);
    let Some(first) = mm.find(start).cloned() else {
        return Err(Errno::INVAL.into());
    };
    if first.flags & vm::SHARED == 0 {
        return Err(Errno::INVAL.into());
    }
    let VmaKind::File { path, dev, ino, .. } = &first.kind else {
        // A shared anonymous mapping is a shmem file in the kernel; here it has no file to name.
        return Err(Errno::INVAL.into());
    };
    let same_file = |v: &Vma| matches!(&v.kind, VmaKind::File { dev: d, ino: i, .. } if d == dev && i == ino);
    let mut reach = first.end;
    while reach < end {
        match mm.find(reach as u32) {
            Some(next)
                if next.start as u64 == reach
                    && same_file(next)
                    && next.flags == first.flags
                    && next.prot == first.prot =>
            {
                reach = next.end;
            }
            _ => return Err(Errno::INVAL.into()),
        }
    }
    let pages = host_pages(ctx.mem, start, size as usize).ok_or(Errno::INVAL)?;
    host::remap_file_pages(pages, pgoff, (flags & MAP_NONBLOCK) as i32)?;
    let vma = Vma {
        start,
        end,
        kind: VmaKind::File {
            path: path.clone(),
            offset: u64::from(pgoff) * u64::from(PAGE_SIZE),
            dev: *dev,
            ino: *ino,
        },
        ..first
    };
    ctx.task.mm.get_mut(ctx.held).replace(vma);
    Ok(0)
}
