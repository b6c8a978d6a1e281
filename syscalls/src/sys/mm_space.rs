//! The guest address space: which ranges are mapped, with what, and where new mappings go.
//!
//! [`Mm`] owns the list of VMAs (the kernel's `mm_struct`) and carries every change out through
//! [`GuestMemory`]'s page-level primitives, so the VMA list and the machine's page table never
//! disagree. Placement follows the kernel's legacy-free i386 layout on a 64-bit host: top-down from
//! just below the stack, never above [`TASK_SIZE`].

use crate::mem::{page_up, Backing, GuestMemory, Prot, PAGE_SIZE};
use crate::Errno;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The top of user space for a 32-bit task on a 64-bit kernel (`TASK_SIZE_32`).
pub const TASK_SIZE: u64 = 0xffff_e000;

/// Lowest address `mmap` places anything without MAP_FIXED (`mmap_min_addr`).
pub const MMAP_MIN_ADDR: u32 = 0x1_0000;

/// What a VMA is, for `/proc/self/maps` and for `mremap`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmaKind {
    Anon,
    Heap,
    Stack,
    File { path: PathBuf, offset: u64, dev: u64, ino: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vma {
    pub start: u32,
    /// Exclusive end; a `u64` so that a VMA may end at 4 GiB.
    pub end: u64,
    pub prot: Prot,
    pub shared: bool,
    pub kind: VmaKind,
}

impl Vma {
    /// The same VMA cut to `[start, end)`, with the file offset moved along.
    fn cut(&self, start: u32, end: u64) -> Vma {
        let mut v = self.clone();
        if let VmaKind::File { offset, .. } = &mut v.kind {
            *offset += u64::from(start - self.start);
        }
        v.start = start;
        v.end = end;
        v
    }
}

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
}

impl Mm {
    pub fn new(mmap_base: u32) -> Self {
        Mm { mmap_base, ..Default::default() }
    }

    pub fn vmas(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.values()
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
    pub fn find_free_below(&self, len: u32, top: u64) -> Option<u32> {
        let len = u64::from(len);
        let mut top = top.min(TASK_SIZE);
        // Walk the VMAs from the top down, looking at each gap.
        for v in self.vmas.values().rev() {
            if v.end > top {
                top = top.min(u64::from(v.start));
                continue;
            }
            if top - v.end >= len && top - len >= u64::from(MMAP_MIN_ADDR) {
                return Some((top - len) as u32);
            }
            top = u64::from(v.start);
        }
        (top >= len + u64::from(MMAP_MIN_ADDR)).then(|| (top - len) as u32)
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
        let end = u64::from(addr) + u64::from(len);
        if len == 0 || end > TASK_SIZE || addr % PAGE_SIZE != 0 {
            return Err(Errno::INVAL);
        }
        // The host mapping first: when it fails (EACCES on a write-only fd …) nothing changed.
        mem.map(addr, len, prot, backing)?;
        self.remove_range(addr, end);
        let shared = matches!(backing, Backing::Anon { shared: true } | Backing::File { shared: true, .. });
        self.vmas.insert(addr, Vma { start: addr, end, prot, shared, kind });
        Ok(())
    }

    /// Unmap `[addr, addr+len)`; holes are fine (munmap semantics).
    pub fn unmap(&mut self, mem: &mut dyn GuestMemory, addr: u32, len: u32) -> Result<(), Errno> {
        let len = page_up(len).ok_or(Errno::INVAL)?;
        let end = u64::from(addr) + u64::from(len);
        if addr % PAGE_SIZE != 0 || len == 0 || end > TASK_SIZE {
            return Err(Errno::INVAL);
        }
        self.remove_range(addr, end);
        mem.unmap(addr, len)
    }

    /// Change permissions of `[addr, addr+len)`; ENOMEM if any page in it is unmapped.
    pub fn protect(&mut self, mem: &mut dyn GuestMemory, addr: u32, len: u32, prot: Prot) -> Result<(), Errno> {
        let end = u64::from(addr) + u64::from(len);
        if end > TASK_SIZE {
            return Err(Errno::NOMEM);
        }
        // The whole range must be covered without holes.
        let mut at = u64::from(addr);
        while at < end {
            match self.find(at as u32) {
                Some(v) => at = v.end,
                None => return Err(Errno::NOMEM),
            }
        }
        self.split_at(addr);
        if end < TASK_SIZE {
            self.split_at(end as u32);
        }
        for (_, v) in self.vmas.range_mut(addr..).take_while(|(s, _)| u64::from(**s) < end) {
            v.prot = prot;
        }
        mem.protect(addr, len, prot)
    }

    /// Split the VMA containing `at` so that one starts exactly there.
    fn split_at(&mut self, at: u32) {
        let Some(v) = self.find(at).cloned() else { return };
        if v.start == at {
            return;
        }
        self.vmas.insert(v.start, v.cut(v.start, u64::from(at)));
        self.vmas.insert(at, v.cut(at, v.end));
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
    }

    /// brk(2): move the break, mapping or unmapping whole pages; answers the resulting break.
    ///
    /// Like the kernel, a request below the heap start or one that would run into another mapping
    /// leaves the break where it is and answers it (no errno).
    pub fn set_brk(&mut self, mem: &mut dyn GuestMemory, new: u32) -> u32 {
        if new < self.brk_start {
            return self.brk;
        }
        let (Some(old_top), Some(new_top)) = (page_up(self.brk), page_up(new)) else {
            return self.brk;
        };
        if new_top > old_top {
            if !self.is_free(u64::from(old_top), u64::from(new_top)) {
                return self.brk;
            }
            if self
                .map_fixed(mem, old_top, new_top - old_top, Prot::READ | Prot::WRITE, Backing::Anon { shared: false }, VmaKind::Heap)
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
        fn map(&mut self, a: u32, l: u32, _: Prot, _: Backing) -> Result<(), Errno> {
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
        assert_eq!(mm.protect(&mut mem, 0x10000, 0x3000, Prot::WRITE), Err(Errno::NOMEM));
        mm.protect(&mut mem, 0x12000, 0x1000, Prot::WRITE).unwrap();
        assert_eq!(mm.find(0x12000).unwrap().prot, Prot::WRITE);
        assert_eq!(mm.find(0x13000).unwrap().prot, Prot::READ);
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
