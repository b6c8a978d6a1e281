//! `/proc/PID/smaps` and `smaps_rollup`: show_smap()'s page counts and VmFlags for the guest's
//! VMAs, read from the host's page table for the guest's pages (fs/proc/task_mmu.c).

use super::{line, merged, visible, Space};
use crate::mem::Prot;
use crate::space::{vm, Vma, VmaKind};
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;

/// The guest's `/proc/self/smaps`: each maps line, then its page counts (from the host's page
/// table for the guest's pages, /proc/self/pagemap) and its `vm_flags`, in show_smap()'s format.
pub fn smaps(mm: &Space) -> String {
    let mut out = String::new();
    let pages = PageInfo::open(mm);
    let pkey = host_has_protection_key();
    for v in merged(mm) {
        line(&mut out, &v);
        let st = pages.vma_stats(&v);
        let _ = writeln!(out, "{:<16}{:>8} kB", "Size:", (v.end - u64::from(v.start)) >> 10);
        let _ = writeln!(out, "{:<16}{:>8} kB", "KernelPageSize:", 4);
        let _ = writeln!(out, "{:<16}{:>8} kB", "MMUPageSize:", 4);
        page_fields(&mut out, &st, false);
        let _ = writeln!(out, "THPeligible:    {:>8}", thp_eligible(&v) as u32);
        if pkey {
            let _ = writeln!(out, "ProtectionKey:  {:>8}", 0);
        }
        out.push_str("VmFlags: ");
        out.push_str(&vm_flags_text(&v));
        out.push('\n');
    }
    out
}

/// The guest's `/proc/self/smaps_rollup`: the sums of smaps over every VMA under one line that
/// spans them all (show_smaps_rollup()).
pub fn smaps_rollup(mm: &Space) -> String {
    let pages = PageInfo::open(mm);
    let mut total = Stats::default();
    let (mut first, mut last) = (None, 0);
    for v in &visible(mm) {
        first.get_or_insert(v.start);
        last = v.end;
        total.add(&pages.vma_stats(v));
    }
    let mut out = String::new();
    let span =
        Vma { start: first.unwrap_or(0), end: last, prot: Prot::empty(), shared: false, kind: VmaKind::Anon, flags: 0 };
    line(&mut out, &span);
    // The rollup line names itself.
    out.pop();
    const COLUMN: usize = 25 + 6 * 8 - 1;
    while out.len() < COLUMN {
        out.push(' ');
    }
    out.push_str(" [rollup]\n");
    page_fields(&mut out, &total, true);
    out
}

/// smaps' page counts, from Rss to Locked (`rollup`: with the PSS split by kind).
fn page_fields(out: &mut String, st: &Stats, rollup: bool) {
    let kb = |bytes: u64| bytes >> 10;
    let pss = |v: u64| v >> (10 + PSS_SHIFT);
    let mut field = |name: &str, value: u64| {
        let _ = writeln!(out, "{:<16}{:>8} kB", format!("{name}:"), value);
    };
    field("Rss", kb(st.rss));
    field("Pss", pss(st.pss));
    field("Pss_Dirty", pss(st.pss_dirty));
    if rollup {
        field("Pss_Anon", pss(st.pss_anon));
        field("Pss_File", pss(st.pss_file));
        field("Pss_Shmem", pss(st.pss_shmem));
    }
    field("Shared_Clean", kb(st.shared_clean));
    field("Shared_Dirty", kb(st.shared_dirty));
    field("Private_Clean", kb(st.private_clean));
    field("Private_Dirty", kb(st.private_dirty));
    field("Referenced", kb(st.rss));
    field("Anonymous", kb(st.anon));
    field("KSM", 0);
    field("LazyFree", 0);
    field("AnonHugePages", 0);
    field("ShmemPmdMapped", 0);
    field("FilePmdMapped", 0);
    field("Shared_Hugetlb", 0);
    field("Private_Hugetlb", 0);
    field("Swap", kb(st.swap));
    field("SwapPss", kb(st.swap));
    field("Locked", pss(st.pss_locked));
}

/// Whether the VMA's pages are shmem's (shared anonymous memory, System V segments, memfds,
/// /dev/shm), which status counts as RssShmem.
pub(super) fn is_shmem(v: &Vma) -> bool {
    matches!(&v.kind, VmaKind::File { path, .. } if {
        let p = path.as_os_str().as_bytes();
        p.starts_with(b"/dev/zero") || p.starts_with(b"/SYSV") || p.starts_with(b"/memfd:") || p.starts_with(b"/dev/shm/")
    })
}

/// show_smap_vma_flags(): two letters and a space per flag, lowest bit first.
pub(super) fn vm_flags_text(v: &Vma) -> String {
    let all = v.flags
        | if v.prot.contains(Prot::READ) { 0x1 } else { 0 }
        | if v.prot.contains(Prot::WRITE) { 0x2 } else { 0 }
        | if v.prot.contains(Prot::EXEC) { 0x4 } else { 0 };
    const NAMES: &[(u32, &str)] = &[
        (0x1, "rd"),
        (0x2, "wr"),
        (0x4, "ex"),
        (vm::SHARED, "sh"),
        (vm::MAYREAD, "mr"),
        (vm::MAYWRITE, "mw"),
        (vm::MAYEXEC, "me"),
        (vm::MAYSHARE, "ms"),
        (vm::GROWSDOWN, "gd"),
        (vm::LOCKED, "lo"),
        (vm::LOCKONFAULT, "lf"),
        (vm::ACCOUNT, "ac"),
        (vm::NORESERVE, "nr"),
        (vm::NOHUGEPAGE, "nh"),
        (vm::SEALED, "sl"),
    ];
    let mut out = String::new();
    for (bit, name) in NAMES {
        if all & bit != 0 {
            out.push_str(name);
            out.push(' ');
        }
    }
    out
}

/// THPeligible: transparent huge pages may back the VMA (an anonymous private VMA holding an
/// aligned 2 MiB range, when the host's policy is "always" and the VMA does not refuse them).
fn thp_eligible(v: &Vma) -> bool {
    const HPAGE: u64 = 2 << 20;
    let always =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").is_ok_and(|s| s.contains("[always]"));
    let anon = !v.shared && matches!(v.kind, VmaKind::Anon | VmaKind::Heap | VmaKind::Stack);
    let first = (u64::from(v.start) + HPAGE - 1) & !(HPAGE - 1);
    always && anon && v.flags & vm::NOHUGEPAGE == 0 && first + HPAGE <= v.end
}

/// Whether the host's smaps has a ProtectionKey line (a CPU with protection keys in use).
fn host_has_protection_key() -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open("/proc/self/smaps").and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    head[..n].windows(14).any(|w| w == b"ProtectionKey:")
}

/// smaps' fixed-point PSS (PSS_SHIFT).
const PSS_SHIFT: u32 = 12;

/// What smaps counts for a range of pages (bytes; `pss` in bytes << PSS_SHIFT).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Stats {
    pub(super) rss: u64,
    pss: u64,
    pss_dirty: u64,
    shared_clean: u64,
    shared_dirty: u64,
    private_clean: u64,
    private_dirty: u64,
    pub(super) anon: u64,
    /// Resident pages of files and shared memory (pagemap's "file-page or shared-anon").
    pub(super) file: u64,
    pub(super) swap: u64,
    pss_anon: u64,
    pss_file: u64,
    pss_shmem: u64,
    /// PSS of the pages of locked VMAs.
    pss_locked: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.rss += o.rss;
        self.pss += o.pss;
        self.pss_dirty += o.pss_dirty;
        self.shared_clean += o.shared_clean;
        self.shared_dirty += o.shared_dirty;
        self.private_clean += o.private_clean;
        self.private_dirty += o.private_dirty;
        self.anon += o.anon;
        self.file += o.file;
        self.swap += o.swap;
        self.pss_anon += o.pss_anon;
        self.pss_file += o.pss_file;
        self.pss_shmem += o.pss_shmem;
        self.pss_locked += o.pss_locked;
    }
}

/// The host's page-table view of guest pages: /proc/self/pagemap, and (as root) the page
/// frame's map count and flags, for PSS and dirtiness.
pub(super) struct PageInfo {
    pagemap: Option<std::fs::File>,
    /// Host address of guest address 0 in the process `pagemap` describes (0: none).
    base: usize,
    count: Option<std::fs::File>,
    flags: Option<std::fs::File>,
    zero_pfn: u64,
}

impl PageInfo {
    pub(super) fn open(space: &Space) -> PageInfo {
        let file = |p: &str| std::fs::File::open(p).ok();
        let mut info = PageInfo {
            pagemap: file(&format!("{}/pagemap", space.proc_dir())),
            base: space.base,
            count: file("/proc/kpagecount"),
            flags: file("/proc/kpageflags"),
            zero_pfn: 0,
        };
        info.zero_pfn = info.find_zero_pfn();
        info
    }

    /// The frame of the shared zero page, which a read of untouched anonymous memory maps and
    /// smaps does not count (vm_normal_page() answers none for it).
    fn find_zero_pfn(&self) -> u64 {
        let own = PageInfo {
            pagemap: std::fs::File::open("/proc/self/pagemap").ok(),
            base: 0,
            count: None,
            flags: None,
            zero_pfn: 0,
        };
        let e = crate::hostcall::procfs::with_zero_page(|p| own.entry(p as u64 / 4096)).flatten();
        e.unwrap_or(0) & PFN_MASK
    }

    fn entry(&self, vpn: u64) -> Option<u64> {
        let mut b = [0u8; 8];
        self.pagemap.as_ref()?.read_exact_at(&mut b, vpn * 8).ok()?;
        Some(u64::from_le_bytes(b))
    }

    fn kpage(file: &Option<std::fs::File>, pfn: u64) -> Option<u64> {
        let mut b = [0u8; 8];
        file.as_ref()?.read_exact_at(&mut b, pfn * 8).ok()?;
        Some(u64::from_le_bytes(b))
    }

    /// smaps_account() over a VMA: the page counts, and the PSS by kind and for locks.
    fn vma_stats(&self, v: &Vma) -> Stats {
        let mut st = self.stats(v.start, v.end);
        if v.flags & vm::LOCKED != 0 {
            st.pss_locked = st.pss;
        }
        if is_shmem(v) {
            st.pss_shmem = st.pss - st.pss_anon;
        } else {
            st.pss_file = st.pss - st.pss_anon;
        }
        st
    }

    /// smaps_account() over the guest pages `[start, end)`.
    pub(super) fn stats(&self, start: u32, end: u64) -> Stats {
        let mut st = Stats::default();
        if self.base == 0 {
            return st;
        }
        let host = self.base + start as usize;
        let (Some(pagemap), first) = (self.pagemap.as_ref(), host as u64 / 4096) else {
            return st;
        };
        let pages = ((end - u64::from(start)) / 4096) as usize;
        let mut raw = vec![0u8; pages * 8];
        if pagemap.read_exact_at(&mut raw, first * 8).is_err() {
            return st;
        }
        const PAGE: u64 = 4096;
        for e in raw.chunks_exact(8).map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])) {
            if e & PM_SWAP != 0 && e & PM_PRESENT == 0 {
                st.swap += PAGE;
                continue;
            }
            if e & PM_PRESENT == 0 {
                continue;
            }
            let pfn = e & PFN_MASK;
            let file = e & PM_FILE != 0;
            let exclusive = e & PM_EXCLUSIVE != 0;
            if !file && !exclusive && pfn != 0 && pfn == self.zero_pfn {
                continue;
            }
            st.rss += PAGE;
            if file {
                st.file += PAGE;
            } else {
                st.anon += PAGE;
            }
            let mapcount = if exclusive { 1 } else { Self::kpage(&self.count, pfn).filter(|&c| c > 0).unwrap_or(2) };
            // Anonymous pages are dirty once written (and only written ones are not the zero
            // page); a page-cache page is dirty when its frame says so.
            let dirty = !file || Self::kpage(&self.flags, pfn).is_some_and(|f| f & KPF_DIRTY != 0);
            let pss = (PAGE << PSS_SHIFT) / mapcount;
            st.pss += pss;
            if !file {
                st.pss_anon += pss;
            }
            if dirty {
                st.pss_dirty += pss;
            }
            match (mapcount >= 2, dirty) {
                (true, true) => st.shared_dirty += PAGE,
                (true, false) => st.shared_clean += PAGE,
                (false, true) => st.private_dirty += PAGE,
                (false, false) => st.private_clean += PAGE,
            }
        }
        st
    }
}

const PM_PRESENT: u64 = 1 << 63;
const PM_SWAP: u64 = 1 << 62;
const PM_FILE: u64 = 1 << 61;
const PM_EXCLUSIVE: u64 = 1 << 56;
const PFN_MASK: u64 = (1 << 55) - 1;
const KPF_DIRTY: u64 = 1 << 4;

/// The lowest guest page of `[start, end)` that is resident on the host (another process's: that
/// has a page table entry, present or swapped).
pub(super) fn lowest_resident(mm: &Space, start: u32, end: u64) -> Option<u32> {
    if mm.base == 0 {
        return None;
    }
    let host = mm.base + start as usize;
    let pages = ((end - u64::from(start)) / 4096) as usize;
    if mm.pid.is_some() {
        let info = PageInfo::open(mm);
        let mut raw = vec![0u8; pages * 8];
        info.pagemap.as_ref()?.read_exact_at(&mut raw, host as u64 / 4096 * 8).ok()?;
        let used = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) & (PM_PRESENT | PM_SWAP) != 0;
        return raw.chunks_exact(8).position(used).map(|i| start + (i as u32) * 4096);
    }
    let mut vec = vec![0u8; pages];
    crate::hostcall::mm::mincore_at(host, pages * 4096, &mut vec).ok()?;
    vec.iter().position(|b| b & 1 != 0).map(|i| start + (i as u32) * 4096)
}
