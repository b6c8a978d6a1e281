//! One VMA (`struct vm_area_struct`): its range, protection, kind and `vm_flags`, and an
//! mremap(2) request.

use crate::mem::Prot;
use std::path::PathBuf;

/// What a VMA is, for `/proc/self/maps` and for `mremap`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmaKind {
    Anon,
    Heap,
    Stack,
    File {
        path: PathBuf,
        offset: u64,
        dev: u64,
        ino: u64,
    },
    /// A kernel-installed mapping shown under its name: `[vvar]`, `[vvar_vclock]`, `[vdso]`.
    Special(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vma {
    pub start: u32,
    /// Exclusive end; a `u64` so that a VMA may end at 4 GiB.
    pub end: u64,
    pub prot: Prot,
    /// `VM_MAYSHARE`: a shared mapping (the `s` of maps).
    pub shared: bool,
    pub kind: VmaKind,
    /// The kernel's `vm_flags` other than the access bits, which `prot` holds: `VM_SHARED`,
    /// `VM_MAY*`, `VM_LOCKED`, `VM_ACCOUNT` … (see [`vm`]); smaps shows them, and VMAs that
    /// differ in them are not merged.
    pub flags: u32,
}

/// The kernel's `VM_*` flags (linux/mm.h) that a guest VMA carries besides its protection.
pub mod vm {
    pub const SHARED: u32 = 0x8;
    pub const MAYREAD: u32 = 0x10;
    pub const MAYWRITE: u32 = 0x20;
    pub const MAYEXEC: u32 = 0x40;
    pub const MAYSHARE: u32 = 0x80;
    pub const GROWSDOWN: u32 = 0x100;
    pub const LOCKED: u32 = 0x2000;
    pub const LOCKONFAULT: u32 = 0x8_0000;
    pub const ACCOUNT: u32 = 0x10_0000;
    pub const NORESERVE: u32 = 0x20_0000;
    pub const NOHUGEPAGE: u32 = 0x4000_0000;
    /// `VM_SEALED` (mseal(2)), which the kernel keeps in a bit above 32 (bit 63 on x86-64):
    /// here the free top bit. Splits keep it, and a sealed VMA never merges with an unsealed one.
    pub const SEALED: u32 = 0x8000_0000;
    /// What mlock sets and munlock clears.
    pub const LOCKED_MASK: u32 = LOCKED | LOCKONFAULT;
}

impl Vma {
    /// Whether the pages belong to a file or a shared-memory object (which has an end).
    pub(super) fn is_object(&self) -> bool {
        self.shared || matches!(self.kind, VmaKind::File { .. })
    }

    /// The same VMA cut to `[start, end)`, with the file offset moved along.
    pub(super) fn cut(&self, start: u32, end: u64) -> Vma {
        let mut v = self.clone();
        if let VmaKind::File { offset, .. } = &mut v.kind {
            *offset += u64::from(start - self.start);
        }
        v.start = start;
        v.end = end;
        v
    }
}

/// An mremap(2) request, checked and page aligned.
#[derive(Debug, Clone, Copy)]
pub struct Remap {
    pub addr: u32,
    /// May be 4 GiB after page rounding.
    pub old_len: u64,
    pub new_len: u32,
    pub may_move: bool,
    pub fixed: bool,
    pub dont_unmap: bool,
    pub new_addr: u32,
}
