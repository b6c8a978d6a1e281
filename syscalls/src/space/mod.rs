//! The guest address space: which ranges are mapped, with what, and where new mappings go.
//!
//! [`Mm`] owns the list of VMAs (the kernel's `mm_struct`) and carries every change out through
//! [`GuestMemory`]'s page-level primitives, so the VMA list and the machine's page table never
//! disagree. Placement follows the kernel's legacy-free i386 layout on a 64-bit host: top-down from
//! just below the stack, never above [`TASK_SIZE`].

use crate::mem::pages::host_pages;
use crate::mem::{page_up, Backing, GuestMemory, GuestMemoryExt, Prot, PAGE_SIZE};
use crate::{hostcall, Errno};
use std::collections::{BTreeMap, BTreeSet};

/// The top of user space for a 32-bit task on a 64-bit kernel (`TASK_SIZE_32`).
pub const TASK_SIZE: u64 = 0xffff_e000;

/// stack_guard_gap: what a MAP_GROWSDOWN mapping keeps free below it (256 pages by default).
pub const STACK_GUARD_GAP: u64 = 256 << 12;

/// Lowest address `mmap` places anything without MAP_FIXED (`mmap_min_addr`).
pub const MMAP_MIN_ADDR: u32 = 0x1_0000;

mod host;
mod limit;
mod vma;

pub use crate::last_errno;
pub use host::any_resident;
use host::host_vma_kind;
pub use limit::{address_space_limit, address_space_limit_set, set_address_space_limit};
pub use vma::{vm, Remap, Vma, VmaKind};

/// The address space of one guest process.
#[derive(Debug, Default)]
pub struct Mm {
    vmas: BTreeMap<u32, Vma>,
    /// Start of the heap (end of the loaded image, page aligned).
    pub brk_start: u32,
    /// Current program break (byte granular, as the guest sees it).
    pub brk: u32,
    /// Top-down placement starts below this address.
    pub mmap_base: u32,
    /// `vm_flags` every new mapping gets (mlockall's `MCL_FUTURE`: `VM_LOCKED`).
    pub def_flags: u32,
    /// The most bytes ever mapped (`hiwater_vm`, VmPeak).
    pub hiwater_vm: u64,
    /// Where the kernel's stack VMA would start before the program touched anything below it:
    /// the argument pages and 128 KiB more (setup_arg_pages()); 0 when unknown. The emulator
    /// maps the whole stack at once, the kernel grows it on faults; /proc shows it as grown.
    pub stack_floor: u32,
    /// Where [`Mm::map_vdso`] put the vDSO page (0: none), for the signal trampolines.
    pub vdso: u32,
    /// A range top-down placement leaves free although nothing is mapped there (under
    /// `emu386 diff`, where the native run has its vDSO), `[start, end)`.
    pub reserved: Option<(u32, u32)>,
    /// Guard pages (MADV_GUARD_INSTALL): the kernel's guard PTE markers. Their VMAs keep their
    /// protection (maps shows it); the pages themselves are inaccessible to the guest
    /// ([`Mm::protect_guards`]) and a fault there is SEGV_MAPERR, as on a page never mapped.
    /// munmap and MAP_FIXED drop them, mprotect keeps them.
    pub guards: BTreeSet<u32>,
    /// Bit 0 of the kernel's `mm->context.pkey_allocation_map` on a CPU without PKU: set by the
    /// first pkey_alloc(2), never cleared (see [`super::pkey`]); forks copy it, exec starts clear.
    pub pkey0_taken: bool,
    /// Bumped by every change of the VMA list (see [`Mm::generation`]).
    generation: u64,
}

/// Highest free, page-aligned range of `len` bytes ending at or below `top`, between the used
/// ranges `[start, end)` (from the highest start down).
fn gap_below(used: impl Iterator<Item = (u64, u64)>, len: u32, top: u64) -> Option<u32> {
    let len = u64::from(len);
    let mut top = top.min(TASK_SIZE);
    // Walk the used ranges from the top down, looking at each gap.
    for (start, end) in used {
        if end > top {
            top = top.min(start);
            continue;
        }
        if top - end >= len && top - len >= u64::from(MMAP_MIN_ADDR) {
            return Some((top - len) as u32);
        }
        top = start;
    }
    (top >= len + u64::from(MMAP_MIN_ADDR)).then(|| (top - len) as u32)
}

/// The vDSO's layout on a 64-bit host kernel (6.x) for a 32-bit task: `[vvar]` (4 pages),
/// `[vvar_vclock]` (2 pages), then `[vdso]` (2 pages), in one top-down placement.
const VDSO_AREAS: [(&str, u32, Prot); 3] = [
    ("[vvar]", 4 * PAGE_SIZE, Prot::READ),
    ("[vvar_vclock]", 2 * PAGE_SIZE, Prot::READ),
    ("[vdso]", 2 * PAGE_SIZE, Prot::READ.union(Prot::EXEC)),
];

/// Offsets in the `[vdso]` page of `__kernel_sigreturn` and `__kernel_rt_sigreturn` (ours; no
/// program may rely on the kernel's, which change between builds).
pub const VDSO_SIGRETURN: u32 = 0x0;
pub const VDSO_RT_SIGRETURN: u32 = 0x10;

impl Mm {
    /// A number that changes whenever the VMA list may have (a mapping, its protection, flags or
    /// name): what another process reads of this one is republished when it moved
    /// (`procfs::other::publish`).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn new(mmap_base: u32) -> Self {
        Mm { mmap_base, ..Default::default() }
    }

    /// Map the vDSO where arch_setup_additional_pages() maps it: after the program and its
    /// interpreter, top-down below `mmap_base`. Its code is the two sigreturn trampolines the
    /// kernel's signal frames return through when a handler has no SA_RESTORER
    /// (arch/x86/entry/vdso/vdso32/sigreturn.S); there is no AT_SYSINFO_EHDR, so nothing else in
    /// it is looked up. Answers the `[vdso]` address.
    pub fn map_vdso(&mut self, mem: &mut dyn GuestMemory) -> Result<u32, Errno> {
        self.generation += 1;
        let total: u32 = VDSO_AREAS.iter().map(|a| a.1).sum();
        let mut at = self.find_free_below(total, u64::from(self.mmap_base)).ok_or(Errno::NOMEM)?;
        for (name, len, prot) in VDSO_AREAS {
            self.map_fixed(
                mem,
                at,
                len,
                Prot::READ | Prot::WRITE,
                Backing::Anon { shared: false },
                VmaKind::Special(name),
            )?;
            if name == "[vdso]" {
                // popl %eax; movl $__NR_sigreturn, %eax; int $0x80
                mem.write(at + VDSO_SIGRETURN, &[0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80])?;
                // movl $__NR_rt_sigreturn, %eax; int $0x80
                mem.write(at + VDSO_RT_SIGRETURN, &[0xb8, 173, 0, 0, 0, 0xcd, 0x80])?;
                self.vdso = at;
            }
            self.protect(mem, at, len, prot)?;
            at += len;
        }
        Ok(self.vdso)
    }

    /// A fault at unmapped `addr`: grow the MAP_GROWSDOWN VMA above it down to its page, as
    /// expand_downwards() does, and answer whether it did. Refused: no such VMA right above, an
    /// address below mmap_min_addr, a stack larger than `limit` (RLIMIT_STACK,
    /// acct_stack_growth()), or less than `guard` bytes left above an accessible VMA below
    /// (stack_guard_gap).
    pub fn grow_down(&mut self, mem: &mut dyn GuestMemory, addr: u32, limit: u64, guard: u64) -> bool {
        self.generation += 1;
        let new_start = addr & !(PAGE_SIZE - 1);
        if new_start < MMAP_MIN_ADDR || self.find(addr).is_some() {
            return false;
        }
        let Some((&start, vma)) = self.vmas.range(addr..).next() else { return false };
        if vma.flags & vm::GROWSDOWN == 0 {
            return false;
        }
        if vma.end - u64::from(new_start) > limit {
            return false;
        }
        if let Some((_, prev)) = self.vmas.range(..start).next_back() {
            if prev.flags & vm::GROWSDOWN == 0 && !prev.prot.is_empty() && u64::from(new_start) < prev.end + guard {
                return false;
            }
        }
        let mut grown = vma.clone();
        let (prot, len) = (grown.prot, start - new_start);
        if mem.map(new_start, len, prot, Backing::Anon { shared: grown.shared }).is_err() {
            return false;
        }
        self.vmas.remove(&start);
        grown.start = new_start;
        self.vmas.insert(new_start, grown);
        true
    }

    pub fn vmas(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.values()
    }

    /// Bytes of `[start, end)` that VMAs cover (count_vma_pages_range(), in bytes).
    pub fn mapped_in(&self, start: u64, end: u64) -> u64 {
        self.vmas.values().map(|v| v.end.min(end).saturating_sub(u64::from(v.start).max(start))).sum()
    }

    /// may_expand_vm(): whether `more` bytes of mappings fit under the guest's RLIMIT_AS.
    pub fn may_expand_vm(&self, more: u64) -> bool {
        self.total_vm().saturating_add(more) <= address_space_limit().0
    }

    /// The VMA containing `addr`.
    pub fn find(&self, addr: u32) -> Option<&Vma> {
        self.vmas.range(..=addr).next_back().map(|(_, v)| v).filter(|v| u64::from(addr) < v.end)
    }

    /// Whether `[start, end)` overlaps no VMA.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        if end > TASK_SIZE {
            return false;
        }
        // The last VMA starting below `end` is the only one that can overlap.
        let below = u32::try_from(end.saturating_sub(1)).unwrap_or(u32::MAX);
        match self.vmas.range(..=below).next_back() {
            Some((_, v)) => v.end <= start,
            None => true,
        }
    }

    /// Highest free, page-aligned range of `len` bytes ending at or below `top`.
    /// A MAP_GROWSDOWN VMA keeps [`STACK_GUARD_GAP`] below it free (vm_start_gap()).
    pub fn find_free_below(&self, len: u32, top: u64) -> Option<u32> {
        let start_gap =
            |v: &Vma| u64::from(v.start).saturating_sub(if v.flags & vm::GROWSDOWN != 0 { STACK_GUARD_GAP } else { 0 });
        let used = self.vmas.values().rev().map(|v| (start_gap(v), v.end));
        let mut ranges: Vec<(u64, u64)> =
            used.chain(self.reserved.map(|(s, e)| (u64::from(s), u64::from(e)))).collect();
        // From the highest start down; a guard gap may reach below the next VMA's start.
        ranges.sort_unstable_by(|a, b| b.cmp(a));
        gap_below(ranges.into_iter(), len, top)
    }

    /// Map `[addr, addr+len)` exactly (both page aligned), replacing what is there (MAP_FIXED).
    pub fn map_fixed(
        &mut self,
        mem: &mut dyn GuestMemory,
        addr: u32,
        len: u32,
        prot: Prot,
        backing: Backing,
        kind: VmaKind,
    ) -> Result<(), Errno> {
        self.generation += 1;
        let end = u64::from(addr) + u64::from(len);
        if len == 0 || end > TASK_SIZE || !addr.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::INVAL);
        }
        // A sealed VMA in the way is EPERM before anything changes (__mmap_region()'s unmap).
        if self.any_sealed(u64::from(addr), end) {
            return Err(Errno::PERM);
        }
        // The host mapping first: when it fails (EACCES on a write-only fd …) nothing changed.
        if let Err(e) = mem.map(addr, len, prot, backing) {
            if e.unmapped {
                self.remove_range(addr, end);
            }
            return Err(e.errno);
        }
        self.remove_range(addr, end);
        let shared = matches!(
            backing,
            Backing::Anon { shared: true } | Backing::File { shared: true, .. } | Backing::SysvShm { .. }
        );
        // do_mmap()'s flags for a plain mapping: every VM_MAY* bit; a shared one is VM_SHARED
        // and VM_MAYSHARE; a private writable one is charged (VM_ACCOUNT); the stack grows down.
        // Callers adjust the rest ([`Mm::change_flags`]).
        let mut flags = vm::MAYREAD | vm::MAYWRITE | vm::MAYEXEC | self.def_flags;
        if shared {
            flags |= vm::SHARED | vm::MAYSHARE;
        } else if prot.contains(Prot::WRITE) {
            flags |= vm::ACCOUNT;
        }
        if kind == VmaKind::Stack {
            flags |= vm::GROWSDOWN;
        }
        self.vmas.insert(addr, Vma { start: addr, end, prot, shared, kind, flags });
        self.hiwater_vm = self.hiwater_vm.max(self.total_vm());
        Ok(())
    }

    /// Set and clear `vm_flags` bits over the VMA parts inside `[start, end)` (the VMAs split
    /// there, as mlock_fixup() splits them). `f` answers the new flags from the old.
    pub fn change_flags(&mut self, start: u32, end: u64, f: &dyn Fn(&Vma) -> u32) {
        self.generation += 1;
        self.split_at(start);
        if end < 1 << 32 {
            self.split_at(end as u32);
        }
        for (_, v) in self.vmas.range_mut(start..).take_while(|(s, _)| u64::from(**s) < end) {
            v.flags = f(v);
        }
    }

    /// Name the VMA at `addr` as the host names its own mapping there (the shmem object behind
    /// a shared anonymous mapping, `/dev/zero (deleted)`, or a System V segment,
    /// `/SYSVkey (deleted)`, with their device and inode). Nothing changes without a host range.
    pub fn name_from_host(&mut self, mem: &dyn GuestMemory, addr: u32) {
        self.generation += 1;
        let Some(kind) = mem.host_addr(addr).and_then(|h| host_vma_kind(h as usize)) else {
            return;
        };
        if let Some(v) = self.vmas.get_mut(&addr) {
            v.kind = kind;
        }
    }

    /// Whether a VMA overlapping `[start, end)` is sealed (the munmap, MAP_FIXED and mremap
    /// target checks: vms_gather_munmap_vmas()'s vma_is_sealed()).
    pub fn any_sealed(&self, start: u64, end: u64) -> bool {
        self.pieces(start, end).0.iter().any(|v| v.flags & vm::SEALED != 0)
    }

    /// Bytes of VMAs with `VM_LOCKED` (the kernel's `locked_vm`, in bytes).
    pub fn locked_vm(&self) -> u64 {
        self.vmas.values().filter(|v| v.flags & vm::LOCKED != 0).map(|v| v.end - u64::from(v.start)).sum()
    }

    /// Unmap `[addr, addr+len)`; holes are fine (munmap semantics).
    pub fn unmap(&mut self, mem: &mut dyn GuestMemory, addr: u32, len: u32) -> Result<(), Errno> {
        self.generation += 1;
        let len = page_up(len).ok_or(Errno::INVAL)?;
        let end = u64::from(addr) + u64::from(len);
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 || end > TASK_SIZE {
            return Err(Errno::INVAL);
        }
        self.remove_range(addr, end);
        mem.unmap(addr, len)
    }

    /// Change permissions of `[addr, addr+len)`. As mprotect(2) does, ENOMEM with nothing changed
    /// when `addr` is unmapped; otherwise the mapped run from `addr` changes and a later hole
    /// answers ENOMEM.
    pub fn protect(&mut self, mem: &mut dyn GuestMemory, addr: u32, len: u32, prot: Prot) -> Result<(), Errno> {
        self.generation += 1;
        let end = u64::from(addr) + u64::from(len);
        if self.find(addr).is_none() {
            return Err(Errno::NOMEM);
        }
        // The covered run from `addr`.
        let mut at = u64::from(addr);
        while at < end {
            match u32::try_from(at).ok().and_then(|a| self.find(a)) {
                Some(v) => at = v.end.min(end),
                None => break,
            }
        }
        // mprotect_fixup() refuses a sealed VMA (EPERM) after the VMAs before it have changed.
        let sealed_at =
            self.pieces(u64::from(addr), at).0.iter().find(|v| v.flags & vm::SEALED != 0).map(|v| u64::from(v.start));
        let run_end = sealed_at.unwrap_or(at);
        if run_end == u64::from(addr) {
            return Err(Errno::PERM);
        }
        self.split_at(addr);
        if run_end < 1 << 32 {
            self.split_at(run_end as u32);
        }
        for (_, v) in self.vmas.range_mut(addr..).take_while(|(s, _)| u64::from(**s) < run_end) {
            // mprotect_fixup(): a private mapping made writable is charged from then on.
            let charged = vm::ACCOUNT | vm::SHARED | vm::NORESERVE;
            if prot.contains(Prot::WRITE) && !v.prot.contains(Prot::WRITE) && v.flags & charged == 0 {
                v.flags |= vm::ACCOUNT;
            } else if !prot.contains(Prot::WRITE)
                && v.flags & vm::ACCOUNT != 0
                && !v.is_object()
                && !any_resident(mem, v.start, v.end)
            {
                // An anonymous mapping never faulted in (no anon_vma) is no longer charged.
                v.flags &= !vm::ACCOUNT;
            }
            v.prot = prot;
        }
        mem.protect(addr, (run_end - u64::from(addr)) as u32, prot)?;
        self.protect_guards(mem, addr, run_end)?;
        if sealed_at.is_some() {
            return Err(Errno::PERM);
        }
        if run_end < end {
            return Err(Errno::NOMEM);
        }
        Ok(())
    }

    /// The parts of VMAs inside `[start, end)`, in order, and whether some byte of the range is not
    /// mapped (the madvise/msync/mlock walks answer ENOMEM for such holes).
    pub fn pieces(&self, start: u64, end: u64) -> (Vec<Vma>, bool) {
        let mut out = Vec::new();
        let mut at = start;
        let mut hole = false;
        let first = u32::try_from(start).unwrap_or(u32::MAX);
        let from = self.find(first).map_or(first, |v| v.start);
        for v in self.vmas.range(from..).map(|(_, v)| v) {
            if u64::from(v.start) >= end {
                break;
            }
            if v.end <= at {
                continue;
            }
            hole |= u64::from(v.start) > at;
            let s = at.max(u64::from(v.start));
            let e = end.min(v.end);
            out.push(v.cut(s as u32, e));
            at = e;
        }
        hole |= at < end;
        (out, hole)
    }

    /// Bytes mapped in all (the kernel's `total_vm`, in bytes).
    pub fn total_vm(&self) -> u64 {
        self.vmas.values().map(|v| v.end - u64::from(v.start)).sum()
    }

    /// mremap(2) after its argument checks (see `sys::mm::mremap`): `addr`, `old_len`, `new_len`
    /// and `new_addr` are page aligned and `new_len` is at most [`TASK_SIZE`].
    pub fn remap(&mut self, mem: &mut dyn GuestMemory, req: Remap) -> Result<u32, Errno> {
        self.generation += 1;
        let Remap { addr, mut old_len, new_len, may_move, fixed, dont_unmap, new_addr } = req;
        let vma = self.find(addr).cloned().ok_or(Errno::FAULT)?;
        // check_prep_vma(): a sealed source is EPERM right after the lookup.
        if vma.flags & vm::SEALED != 0 {
            return Err(Errno::PERM);
        }
        let new_len64 = u64::from(new_len);
        let moves = fixed || dont_unmap;
        if moves || new_len64 > old_len {
            // check_prep_vma(): the old range must lie in one VMA; a zero old length duplicates
            // a shared mapping and is refused for a private one.
            if old_len == 0 && !vma.shared {
                return Err(Errno::INVAL);
            }
            if old_len > vma.end - u64::from(addr) {
                return Err(Errno::FAULT);
            }
            // may_expand_vm() for what the mapping grows by (a duplicate counts whole).
            let grows = if dont_unmap { new_len64 } else { new_len64.saturating_sub(old_len) };
            if !self.may_expand_vm(grows) {
                return Err(Errno::NOMEM);
            }
        }
        // mremap_to() with MREMAP_FIXED clears the target first and drops the tail of a shrink.
        if fixed {
            if self.any_sealed(u64::from(new_addr), u64::from(new_addr) + new_len64) {
                return Err(Errno::PERM);
            }
            self.unmap(mem, new_addr, new_len)?;
            if old_len > new_len64 {
                self.unmap(mem, addr + new_len, (old_len - new_len64) as u32)?;
                old_len = new_len64;
            }
        }
        let vma = self.find(addr).cloned().ok_or(Errno::FAULT)?;
        if !moves {
            if new_len64 <= old_len {
                if new_len64 < old_len {
                    let tail = u64::from(addr) + new_len64;
                    let len = (old_len - new_len64).min(TASK_SIZE - tail.min(TASK_SIZE));
                    if len > 0 {
                        self.unmap(mem, tail as u32, len as u32)?;
                    }
                }
                return Ok(addr);
            }
            let old_end = u64::from(addr) + old_len;
            if old_end == vma.end && self.is_free(old_end, u64::from(addr) + new_len64) {
                self.grow_in_place(mem, &vma, addr, old_len as u32, new_len)?;
                return Ok(addr);
            }
            if !may_move {
                return Err(Errno::NOMEM);
            }
            let to = self.find_free_below(new_len, u64::from(self.mmap_base)).ok_or(Errno::NOMEM)?;
            self.move_pages(mem, &vma, addr, old_len as u32, new_len, to, false)?;
            return Ok(to);
        }
        // Without MREMAP_FIXED the new address is a hint, taken when it is free.
        let hint_free = new_addr >= MMAP_MIN_ADDR && self.is_free(u64::from(new_addr), u64::from(new_addr) + new_len64);
        let to = if fixed || hint_free {
            new_addr
        } else {
            self.find_free_below(new_len, u64::from(self.mmap_base)).ok_or(Errno::NOMEM)?
        };
        self.move_pages(mem, &vma, addr, old_len as u32, new_len, to, dont_unmap)?;
        Ok(to)
    }

    /// Grow `[addr, addr+old_len)`, which ends its VMA, into the free range after it: the host
    /// mapping grows in place (so file and shared mappings stay one object).
    fn grow_in_place(
        &mut self,
        mem: &mut dyn GuestMemory,
        vma: &Vma,
        addr: u32,
        old_len: u32,
        new_len: u32,
    ) -> Result<(), Errno> {
        let tail = addr + old_len;
        let delta = new_len - old_len;
        let (Some(old), Some(tail_pages)) =
            (host_pages(mem, addr, old_len as usize), host_pages(mem, tail, delta as usize))
        else {
            return Err(Errno::NOSYS);
        };
        // The tail is handed back to the host only for as long as the in-place mremap takes, and
        // reserved again if that fails.
        if let Err(err) = hostcall::mm::grow_in_place(old, tail_pages) {
            mem.unmap(tail, delta)?;
            return Err(err);
        }
        let mut grown = vma.clone();
        grown.end = u64::from(addr) + u64::from(new_len);
        self.vmas.insert(grown.start, grown);
        mem.protect(tail, delta, vma.prot)?;
        if vma.is_object() {
            mem.mark_object_backed(tail, delta);
        }
        Ok(())
    }

    /// Move `[addr, addr+old_len)` of `vma` to `[to, to+new_len)` with the host's mremap, so the
    /// pages (and their file or shared object) move rather than being copied.
    #[allow(clippy::too_many_arguments)]
    fn move_pages(
        &mut self,
        mem: &mut dyn GuestMemory,
        vma: &Vma,
        addr: u32,
        old_len: u32,
        new_len: u32,
        to: u32,
        dont_unmap: bool,
    ) -> Result<(), Errno> {
        let (Some(from), Some(to_pages)) =
            (host_pages(mem, addr, old_len as usize), host_pages(mem, to, new_len as usize))
        else {
            return Err(Errno::NOSYS);
        };
        hostcall::mm::move_pages(from, to_pages, dont_unmap)?;
        // The host left a hole where the old pages were: reserve it again.
        if !dont_unmap && old_len > 0 {
            self.remove_range(addr, u64::from(addr) + u64::from(old_len));
            mem.unmap(addr, old_len)?;
        }
        let end = u64::from(to) + u64::from(new_len);
        self.remove_range(to, end);
        let mut v = vma.cut(addr, vma.end);
        v.start = to;
        v.end = end;
        self.vmas.insert(to, v);
        mem.protect(to, new_len, vma.prot)?;
        if vma.is_object() {
            mem.mark_object_backed(to, new_len);
        }
        Ok(())
    }

    /// Split the VMA containing `at` so that one starts exactly there.
    fn split_at(&mut self, at: u32) {
        let Some(v) = self.find(at).cloned() else {
            return;
        };
        if v.start == at {
            return;
        }
        self.vmas.insert(v.start, v.cut(v.start, u64::from(at)));
        self.vmas.insert(at, v.cut(at, v.end));
    }

    /// Whether the page at `addr` is a guard page.
    pub fn is_guard(&self, addr: u32) -> bool {
        self.guards.contains(&(addr & !(PAGE_SIZE - 1)))
    }

    /// Make the guard pages inside `[start, end)` inaccessible again after their range was given
    /// a protection.
    pub fn protect_guards(&self, mem: &mut dyn GuestMemory, start: u32, end: u64) -> Result<(), Errno> {
        for &page in self.guards.range(start..).take_while(|p| u64::from(**p) < end) {
            mem.protect(page, PAGE_SIZE, Prot::empty())?;
        }
        Ok(())
    }

    /// Describe `[vma.start, vma.end)` as `vma` from now on, replacing the VMA parts there: the
    /// pages were remapped by the host already (remap_file_pages(2)).
    pub fn replace(&mut self, vma: Vma) {
        self.generation += 1;
        self.remove_range(vma.start, vma.end);
        self.vmas.insert(vma.start, vma);
    }

    /// Forget every VMA part inside `[start, end)` (the pages themselves are the caller's).
    fn remove_range(&mut self, start: u32, end: u64) {
        self.split_at(start);
        if end < 1 << 32 {
            self.split_at(end as u32);
        }
        let inside: Vec<u32> =
            self.vmas.range(start..).take_while(|(s, _)| u64::from(**s) < end).map(|(s, _)| *s).collect();
        for s in inside {
            self.vmas.remove(&s);
        }
        let guards: Vec<u32> = self.guards.range(start..).take_while(|p| u64::from(**p) < end).copied().collect();
        for page in guards {
            self.guards.remove(&page);
        }
    }

    /// brk(2): move the break, mapping or unmapping whole pages; answers the resulting break.
    ///
    /// Like the kernel, a request below the heap start or one that would run into another mapping
    /// leaves the break where it is and answers it (no errno).
    pub fn set_brk(&mut self, mem: &mut dyn GuestMemory, new: u32) -> u32 {
        self.generation += 1;
        if new < self.brk_start {
            return self.brk;
        }
        let (Some(old_top), Some(new_top)) = (page_up(self.brk), page_up(new)) else {
            return self.brk;
        };
        if new_top > old_top {
            // do_brk_flags(): may_expand_vm().
            if !self.is_free(u64::from(old_top), u64::from(new_top))
                || !self.may_expand_vm(u64::from(new_top - old_top))
            {
                return self.brk;
            }
            if self
                .map_fixed(
                    mem,
                    old_top,
                    new_top - old_top,
                    Prot::READ | Prot::WRITE,
                    Backing::Anon { shared: false },
                    VmaKind::Heap,
                )
                .is_err()
            {
                return self.brk;
            }
        } else if new_top < old_top && self.unmap(mem, new_top, old_top - new_top).is_err() {
            return self.brk;
        }
        self.brk = new;
        self.brk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GuestMemory that only records what was asked of it.
    #[derive(Default)]
    struct Recorder(Vec<String>);

    impl GuestMemory for Recorder {
        fn slice(&self, _: u32, _: usize) -> Result<&[u8], Errno> {
            Err(Errno::FAULT)
        }
        fn slice_mut(&mut self, _: u32, _: usize) -> Result<&mut [u8], Errno> {
            Err(Errno::FAULT)
        }
        fn readable_prefix(&self, _: u32, _: usize) -> &[u8] {
            &[]
        }
        fn host_range(&self, _: u32, _: usize, _: Prot) -> Result<*mut u8, Errno> {
            Err(Errno::FAULT)
        }
        fn map(&mut self, a: u32, l: u32, _: Prot, _: Backing) -> Result<(), crate::mem::MapError> {
            self.0.push(format!("map {a:#x}+{l:#x}"));
            Ok(())
        }
        fn unmap(&mut self, a: u32, l: u32) -> Result<(), Errno> {
            self.0.push(format!("unmap {a:#x}+{l:#x}"));
            Ok(())
        }
        fn protect(&mut self, a: u32, l: u32, _: Prot) -> Result<(), Errno> {
            self.0.push(format!("protect {a:#x}+{l:#x}"));
            Ok(())
        }
        fn set_gdt_entry(&mut self, _: u32, _: u64) {}
        fn gdt_entry(&self, _: u32) -> u64 {
            0
        }
    }

    const ANON: Backing<'static> = Backing::Anon { shared: false };

    #[test]
    fn unmap_in_the_middle_splits_and_protect_needs_full_coverage() {
        let mut mm = Mm::new(0xf000_0000);
        let mut mem = Recorder::default();
        mm.map_fixed(&mut mem, 0x10000, 0x4000, Prot::READ, ANON, VmaKind::Anon).unwrap();
        mm.unmap(&mut mem, 0x11000, 0x1000).unwrap();
        let spans: Vec<_> = mm.vmas().map(|v| (v.start, v.end)).collect();
        assert_eq!(spans, vec![(0x10000, 0x11000), (0x12000, 0x14000)]);
        assert_eq!(mm.protect(&mut mem, 0x11000, 0x2000, Prot::WRITE), Err(Errno::NOMEM));
        assert_eq!(mm.find(0x12000).unwrap().prot, Prot::READ);
        mm.protect(&mut mem, 0x12000, 0x1000, Prot::WRITE).unwrap();
        assert_eq!(mm.find(0x12000).unwrap().prot, Prot::WRITE);
        assert_eq!(mm.find(0x13000).unwrap().prot, Prot::READ);
        // A hole after a mapped start: the run before it changes, then ENOMEM.
        assert_eq!(mm.protect(&mut mem, 0x10000, 0x3000, Prot::EXEC), Err(Errno::NOMEM));
        assert_eq!(mm.find(0x10000).unwrap().prot, Prot::EXEC);
        assert_eq!(mm.find(0x12000).unwrap().prot, Prot::WRITE);
    }

    #[test]
    fn placement_is_top_down_and_skips_used_ranges() {
        let mut mm = Mm::new(0xf000_0000);
        let mut mem = Recorder::default();
        let a = mm.find_free_below(0x2000, u64::from(mm.mmap_base)).unwrap();
        assert_eq!(a, 0xefff_e000);
        mm.map_fixed(&mut mem, a, 0x2000, Prot::READ, ANON, VmaKind::Anon).unwrap();
        assert_eq!(mm.find_free_below(0x1000, u64::from(mm.mmap_base)), Some(0xefff_d000));
        assert!(!mm.is_free(0xefff_f000, 0xf000_1000));
        assert!(mm.is_free(0xf000_0000, 0xf000_1000));
        // A reserved range (the native vDSO's place) is passed over, and stays free.
        mm.reserved = Some((0xefff_8000, 0xefff_d000));
        assert_eq!(mm.find_free_below(0x1000, u64::from(mm.mmap_base)), Some(0xefff_d000));
        assert_eq!(mm.find_free_below(0x2000, u64::from(mm.mmap_base)), Some(0xefff_6000));
        assert_eq!(mm.find_free_below(0x1000, 0xefff_9000), Some(0xefff_7000));
        assert!(mm.is_free(0xefff_8000, 0xefff_d000));
    }

    #[test]
    fn pieces_cut_vmas_to_the_range_and_report_holes() {
        let mut mm = Mm::new(0xf000_0000);
        let mut mem = Recorder::default();
        mm.map_fixed(&mut mem, 0x10000, 0x2000, Prot::READ, ANON, VmaKind::Anon).unwrap();
        mm.map_fixed(&mut mem, 0x13000, 0x1000, Prot::WRITE, ANON, VmaKind::Anon).unwrap();
        let (p, hole) = mm.pieces(0x11000, 0x14000);
        let spans: Vec<_> = p.iter().map(|v| (v.start, v.end)).collect();
        assert_eq!(spans, vec![(0x11000, 0x12000), (0x13000, 0x14000)]);
        assert!(hole);
        let (p, hole) = mm.pieces(0x10000, 0x12000);
        assert_eq!(p.len(), 1);
        assert!(!hole);
        assert!(mm.pieces(0x14000, 0x1_0000_0000).1);
        assert_eq!(mm.total_vm(), 0x3000);
    }

    #[test]
    fn brk_grows_and_refuses_to_run_into_a_mapping() {
        let mut mm = Mm::new(0xf000_0000);
        let mut mem = Recorder::default();
        mm.brk_start = 0x80000;
        mm.brk = 0x80000;
        assert_eq!(mm.set_brk(&mut mem, 0x81234), 0x81234);
        mm.map_fixed(&mut mem, 0x90000, 0x1000, Prot::READ, ANON, VmaKind::Anon).unwrap();
        assert_eq!(mm.set_brk(&mut mem, 0x95000), 0x81234);
        assert_eq!(mm.set_brk(&mut mem, 0x100), 0x81234);
        assert_eq!(mm.set_brk(&mut mem, 0x80000), 0x80000);
    }
}
