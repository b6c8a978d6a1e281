//! The guest's own `/proc` entries: what `/proc/self/exe`, `maps`, `smaps` and `status` say must
//! describe the guest program, not the emulator that runs it.
//!
//! Every path-taking syscall passes its path through [`rewrite`] (in `sys::fs`), so this module is
//! the one place that decides which `/proc` names are the guest's. Recognised: `/proc/self/`,
//! `/proc/thread-self/` and `/proc/<own pid>/` followed by `exe`, `maps`, `smaps`,
//! `smaps_rollup`, `status` or `statm`,
//! spelled exactly so (no `//`, `.` or `..` components, no lookups relative to a dirfd inside
//! `/proc`).
//!
//! - `exe`: a magic link to [`crate::task::Task::exe`]. readlink(2) answers that path; calls that
//!   follow the link act on that file; calls that do not follow it see the host's link.
//! - `maps`, `smaps`, `smaps_rollup`, `status`, `statm`: an `O_RDONLY` open gets a memfd filled at open time. `maps` is the
//!   guest's VMAs in the kernel's format (fs/proc/task_mmu.c `show_map_vma`); `smaps` adds to each
//!   the page counts of show_smap(), taken from the host's page table for the guest's pages
//!   (/proc/self/pagemap, and as root the frames' map counts and flags: PSS and dirtiness), and
//!   the VMA's `vm_flags` as the guest's calls set them (mlock, MAP_LOCKED, MAP_NORESERVE …, see
//!   `mm_space::vm`); `status` is the host's file with the memory lines of task_mem() computed
//!   the same way (VmLck from the guest's locked VMAs). There is no `[vdso]`: the guest has none.
//!   Other opens, stat and access see the host's file (same mode and owner).
//!
//! Not served (the host's answer about the emulator shows through): `auxv`, `environ`, `stat`,
//! `mem`, `task/<tid>/…`, and every entry of another process (an
//! emulated one included: its guest state lives in its own emulator).
//!
//! Another emulated process's entries, not done: the reader needs that emulator's VMA list. What
//! would work: each emulator keeps its list, in a fixed binary layout behind a sequence counter,
//! at a static of the emu386 binary; a reader knows an emulated process by `/proc/PID/exe` (the
//! same binary), finds the static from the binary's load address in `/proc/PID/maps`, reads it
//! with process_vm_readv (PTRACE_MODE_ATTACH, where the kernel's maps need only
//! PTRACE_MODE_READ: under Yama's ptrace_scope 1 a child could not read its parent's) and the
//! page counts from `/proc/PID/pagemap` at that process's guest base. The list must then be kept
//! current at every change of the address space (mlock and names included, which the permission
//! table's generation does not see). A memfd or a socket per process was rejected: either costs
//! the guest an fd of its table (see `fd::init_nofile`).

use crate::mem::Prot;
use crate::sys::mm_space::{host_addr, vm, Mm, Vma, VmaKind};
use crate::task::Task;
use crate::Errno;
use std::fmt::Write as _;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;

/// A `/proc` entry of the calling process that the emulator answers itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Own {
    Exe,
    Maps,
    Smaps,
    SmapsRollup,
    Status,
    Statm,
}

/// Which of the guest's own entries `path` names, if any.
pub fn classify(path: &[u8]) -> Option<Own> {
    let rest = path.strip_prefix(b"/proc/")?;
    let slash = rest.iter().position(|&b| b == b'/')?;
    let (who, name) = (&rest[..slash], &rest[slash + 1..]);
    let own = match who {
        b"self" | b"thread-self" => true,
        digits => std::str::from_utf8(digits)
            .ok()
            .filter(|s| !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
            .is_some_and(|pid| Some(pid) == proc_self_pid()),
    };
    if !own {
        return None;
    }
    match name {
        b"exe" => Some(Own::Exe),
        b"maps" => Some(Own::Maps),
        b"smaps" => Some(Own::Smaps),
        b"smaps_rollup" => Some(Own::SmapsRollup),
        b"status" => Some(Own::Status),
        b"statm" => Some(Own::Statm),
        _ => None,
    }
}

/// This process's pid as the mounted /proc numbers it (what `/proc/self` links to): after
/// unshare(CLONE_NEWPID) and a fork, getpid() answers 1 while /proc, not remounted, still shows
/// the pid of the namespace it was mounted in.
fn proc_self_pid() -> Option<u32> {
    std::fs::read_link("/proc/self").ok()?.to_str()?.parse().ok()
}

/// The host path a guest path stands for: `/proc/self/exe` followed is the guest program.
pub fn rewrite(exe: &std::path::Path, path: &[u8], follow: bool) -> Option<Vec<u8>> {
    match classify(path) {
        Some(Own::Exe) if follow => Some(exe.as_os_str().as_bytes().to_vec()),
        _ => None,
    }
}

/// Open a generated entry for an open(2) with `flags`; `None` when the host file should be opened
/// instead (not a generated entry, or not a plain read-only open).
pub fn open(task: &Task, path: &[u8], flags: u32) -> Option<Result<u32, Errno>> {
    const O_ACCMODE: u32 = 3;
    let plain = flags & O_ACCMODE == 0
        && flags & (libc::O_PATH | libc::O_DIRECTORY | libc::O_CREAT | libc::O_TMPFILE) as u32 == 0;
    let text = match classify(path) {
        Some(Own::Maps) if plain => maps(&task.mm),
        Some(Own::Smaps) if plain => smaps(&task.mm),
        Some(Own::SmapsRollup) if plain => smaps_rollup(&task.mm),
        Some(Own::Status) if plain => status(task)?,
        Some(Own::Statm) if plain => statm(task),
        _ => return None,
    };
    Some(memfd(text.as_bytes(), flags & libc::O_CLOEXEC as u32 != 0))
}

/// The seals of a generated entry's memfd: nothing may change it (see [`generated`]).
const SEALS: rustix::fs::SealFlags = rustix::fs::SealFlags::SEAL
    .union(rustix::fs::SealFlags::SHRINK)
    .union(rustix::fs::SealFlags::GROW)
    .union(rustix::fs::SealFlags::WRITE);

/// A read-only memfd holding `text`, positioned at 0: like the kernel's 0444 entry opened
/// O_RDONLY, writing to it is EBADF (so is splicing into it, which would otherwise block on an
/// empty pipe forever).
fn memfd(text: &[u8], cloexec: bool) -> Result<u32, Errno> {
    use rustix::fs::{memfd_create, MemfdFlags};
    let fd: OwnedFd = memfd_create("maps", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
    let mut done = 0;
    while let Some(rest) = text.get(done..).filter(|r| !r.is_empty()) {
        done += rustix::io::write(&fd, rest)?;
    }
    rustix::fs::fcntl_add_seals(&fd, SEALS)?;
    // The read-only open file description, through the memfd's magic link.
    let link = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
    let ro = reopen_read_only(&link)?;
    // The guest gets the lowest free number, as its open would: the memfd's, now free.
    drop(fd);
    let low = rustix::io::fcntl_dupfd_cloexec(&ro, 0)?;
    if !cloexec {
        rustix::io::fcntl_setfd(&low, rustix::io::FdFlags::empty())?;
    }
    Ok(low.into_raw_fd() as u32)
}

/// Open `link` O_RDONLY|O_CLOEXEC as a 32-bit task does (no O_LARGEFILE in F_GETFL, as for the
/// kernel's entry), through `int $0x80` where the host has it.
fn reopen_read_only(link: &str) -> Result<OwnedFd, Errno> {
    use super::fs::compat;
    if compat::available() {
        let at = compat::bounce()?;
        let bytes = link.as_bytes();
        // SAFETY: the bounce buffer is this thread's, BOUNCE_LEN bytes, far more than the path.
        let buf = unsafe { std::slice::from_raw_parts_mut(at as usize as *mut u8, bytes.len() + 1) };
        buf[..bytes.len()].copy_from_slice(bytes);
        buf[bytes.len()] = 0;
        const OPEN: u32 = 5;
        // SAFETY: the path is a NUL-terminated string below 4 GiB; open has no other pointer.
        let fd = unsafe { compat::int80(OPEN, at, libc::O_CLOEXEC as u32, 0, 0) };
        if fd < 0 {
            return Err(Errno::from_raw_os_error(fd.wrapping_neg()));
        }
        // SAFETY: the fd was just opened and belongs to nothing else.
        return Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
    }
    rustix::fs::open(link, rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC, rustix::fs::Mode::empty())
}

/// Whether `fd` is a generated entry opened by [`open`] (its memfd's name and seals). The kernel's
/// seq_file entries have no splice_read: splice(2) from them is EINVAL.
pub fn generated(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    if rustix::fs::fcntl_get_seals(fd).ok() != Some(SEALS) {
        return false;
    }
    let link = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
    rustix::fs::readlink(link.as_str(), Vec::new()).is_ok_and(|p| p.as_bytes() == b"/memfd:maps (deleted)")
}

/// The guest's `/proc/self/maps`. Neighbours the kernel would have merged into one VMA (same
/// permissions and kind, contiguous, file offsets continuing) are shown as one line.
pub fn maps(mm: &Mm) -> String {
    let mut out = String::new();
    for v in merged(mm) {
        line(&mut out, &v);
    }
    out
}

/// The guest's VMAs as the kernel would have them: the stack only as far down as it would have
/// grown (the lower of [`Mm::stack_floor`] and the lowest page the program touched).
fn visible(mm: &Mm) -> Vec<Vma> {
    let stack: Vec<&Vma> = mm.vmas().filter(|v| v.kind == VmaKind::Stack).collect();
    let lowest = stack.iter().find_map(|v| lowest_resident(v.start, v.end));
    let floor = match (mm.stack_floor, lowest) {
        (0, _) => 0,
        (f, Some(l)) => f.min(l),
        (f, None) => f,
    };
    let mut out = Vec::new();
    for v in mm.vmas() {
        if v.kind == VmaKind::Stack && floor != 0 {
            if v.end <= u64::from(floor) {
                continue;
            }
            let mut v = v.clone();
            v.start = v.start.max(floor);
            out.push(v);
        } else {
            out.push(v.clone());
        }
    }
    out
}

/// The lowest guest page of `[start, end)` that is resident on the host.
fn lowest_resident(start: u32, end: u64) -> Option<u32> {
    let host = host_addr(start)?;
    let pages = ((end - u64::from(start)) / 4096) as usize;
    let mut vec = vec![0u8; pages];
    // SAFETY: the range is guest memory inside the reservation; `vec` has a byte per page.
    let r = unsafe { libc::mincore(host, pages * 4096, vec.as_mut_ptr()) };
    if r != 0 {
        return None;
    }
    vec.iter().position(|b| b & 1 != 0).map(|i| start + (i as u32) * 4096)
}

/// The guest's VMAs as maps shows them: neighbours the kernel would have merged are one.
fn merged(mm: &Mm) -> Vec<Vma> {
    let mut out: Vec<Vma> = Vec::new();
    for vma in &visible(mm) {
        match out.last_mut() {
            Some(p) if mergeable(p, vma) => p.end = vma.end,
            _ => out.push(vma.clone()),
        }
    }
    out
}

/// The guest's `/proc/self/smaps`: each maps line, then its page counts (from the host's page
/// table for the guest's pages, /proc/self/pagemap) and its `vm_flags`, in show_smap()'s format.
pub fn smaps(mm: &Mm) -> String {
    let mut out = String::new();
    let pages = PageInfo::open();
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
pub fn smaps_rollup(mm: &Mm) -> String {
    let pages = PageInfo::open();
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
fn is_shmem(v: &Vma) -> bool {
    matches!(&v.kind, VmaKind::File { path, .. } if {
        let p = path.as_os_str().as_bytes();
        p.starts_with(b"/dev/zero") || p.starts_with(b"/SYSV") || p.starts_with(b"/memfd:") || p.starts_with(b"/dev/shm/")
    })
}

/// show_smap_vma_flags(): two letters and a space per flag, lowest bit first.
fn vm_flags_text(v: &Vma) -> String {
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
struct Stats {
    rss: u64,
    pss: u64,
    pss_dirty: u64,
    shared_clean: u64,
    shared_dirty: u64,
    private_clean: u64,
    private_dirty: u64,
    anon: u64,
    /// Resident pages of files and shared memory (pagemap's "file-page or shared-anon").
    file: u64,
    swap: u64,
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
struct PageInfo {
    pagemap: Option<std::fs::File>,
    count: Option<std::fs::File>,
    flags: Option<std::fs::File>,
    zero_pfn: u64,
}

impl PageInfo {
    fn open() -> PageInfo {
        let file = |p: &str| std::fs::File::open(p).ok();
        let mut info = PageInfo {
            pagemap: file("/proc/self/pagemap"),
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
        // SAFETY: a fresh private anonymous page, read once and unmapped.
        unsafe {
            let p =
                libc::mmap(std::ptr::null_mut(), 4096, libc::PROT_READ, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0);
            if p == libc::MAP_FAILED {
                return 0;
            }
            std::ptr::read_volatile(p.cast::<u8>());
            let e = self.entry(p as u64 / 4096);
            libc::munmap(p, 4096);
            e.unwrap_or(0) & PFN_MASK
        }
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
    fn stats(&self, start: u32, end: u64) -> Stats {
        let mut st = Stats::default();
        let Some(host) = host_addr(start) else {
            return st;
        };
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

/// task_mem()'s and task_statm()'s numbers for the guest (bytes).
#[derive(Debug, Default)]
struct MemSummary {
    rss_anon: u64,
    rss_file: u64,
    rss_shmem: u64,
    swap: u64,
    data: u64,
    stack: u64,
    exec: u64,
    /// Executable mappings of the program itself (its text).
    text: u64,
    pte: u64,
    /// Bytes mapped (total_vm, the stack as grown).
    total: u64,
}

fn summary(task: &Task) -> MemSummary {
    let pages = PageInfo::open();
    let mut m = MemSummary::default();
    let mut tables = std::collections::BTreeSet::new();
    let exe = rustix::fs::stat(&task.exe).map(|st| (st.st_dev, st.st_ino)).ok();
    for v in &visible(&task.mm) {
        m.total += v.end - u64::from(v.start);
        let size = v.end - u64::from(v.start);
        let st = pages.stats(v.start, v.end);
        m.rss_anon += st.anon;
        if is_shmem(v) {
            m.rss_shmem += st.file;
        } else {
            m.rss_file += st.file;
        }
        m.swap += st.swap;
        // is_data_mapping(), is_stack_mapping(), is_exec_mapping().
        let (write, growsdown) = (v.prot.contains(Prot::WRITE), v.flags & vm::GROWSDOWN != 0);
        if write && v.flags & vm::SHARED == 0 && !growsdown {
            m.data += size;
        }
        if growsdown {
            m.stack += size;
        }
        if v.prot.contains(Prot::EXEC) && !write && !growsdown {
            m.exec += size;
            if matches!(&v.kind, VmaKind::File { dev, ino, .. } if exe == Some((*dev, *ino))) {
                m.text += size;
            }
        }
        if st.rss + st.swap > 0 {
            // A page-table page per 2 MiB with pages in it.
            for t in u64::from(v.start) >> 21..=(v.end - 1) >> 21 {
                tables.insert(t);
            }
        }
    }
    // The middle level adds a page per GiB in use.
    let upper: std::collections::BTreeSet<u64> = tables.iter().map(|t| t >> 9).collect();
    m.pte = (tables.len() + upper.len()) as u64 * 4096;
    m
}

/// The guest's `/proc/self/status`: the host's, with the memory lines (task_mem()) computed from
/// the guest's VMAs and pages. `None` when the host file cannot be read.
pub fn status(task: &Task) -> Option<String> {
    let host = std::fs::read_to_string("/proc/self/status").ok()?;
    let mm = &task.mm;
    let m = summary(task);
    let rss = m.rss_anon + m.rss_file + m.rss_shmem;
    let total = m.total;
    // The peak as the kernel would have counted it, without the stack's unused part.
    let hidden = mm.total_vm() - total;
    let lines = [
        ("VmPeak", mm.hiwater_vm.saturating_sub(hidden).max(total)),
        ("VmSize", total),
        ("VmLck", mm.locked_vm()),
        ("VmPin", 0),
        ("VmHWM", rss),
        ("VmRSS", rss),
        ("RssAnon", m.rss_anon),
        ("RssFile", m.rss_file),
        ("RssShmem", m.rss_shmem),
        ("VmData", m.data),
        ("VmStk", m.stack),
        ("VmExe", m.text),
        ("VmLib", m.exec - m.text),
        ("VmPTE", m.pte),
        ("VmSwap", m.swap),
    ];
    let mut out = String::new();
    for l in host.lines() {
        let name = l.split(':').next().unwrap_or("");
        if name == "Threads" {
            // The emulator's own helper threads (named emu386-…) are not the guest's.
            let host_threads: u64 = l[name.len() + 1..].trim().parse().unwrap_or(1);
            let _ = writeln!(out, "Threads:\t{}", host_threads.saturating_sub(helper_threads()).max(1));
            continue;
        }
        match lines.iter().find(|(n, _)| *n == name) {
            Some((n, bytes)) => {
                let _ = writeln!(out, "{n}:\t{:>8} kB", bytes >> 10);
            }
            None => {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    Some(out)
}

/// This process's threads that the emulator started for itself (the preemption thread, the
/// helpers of processes that share memory): their names start with `emu386-`.
fn helper_threads() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| std::fs::read(e.path().join("comm")).is_ok_and(|c| c.starts_with(b"emu386-")))
        .count() as u64
}

/// The guest's `/proc/self/statm` (task_statm(), in pages): size, resident, shared (file and
/// shmem), text, lib (0), data (data and stack), dt (0).
pub fn statm(task: &Task) -> String {
    let m = summary(task);
    let p = |bytes: u64| bytes / 4096;
    let shared = m.rss_file + m.rss_shmem;
    format!("{} {} {} {} 0 {} 0\n", p(m.total), p(shared + m.rss_anon), p(shared), p(m.text), p(m.data + m.stack))
}

/// Whether `next` continues `prev` as one VMA would (vma_merge's conditions, roughly).
fn mergeable(prev: &Vma, next: &Vma) -> bool {
    if prev.end != u64::from(next.start)
        || prev.prot != next.prot
        || prev.shared != next.shared
        || prev.flags != next.flags
    {
        return false;
    }
    match (&prev.kind, &next.kind) {
        (
            VmaKind::File { path: p, offset: o, dev: d, ino: i },
            VmaKind::File { path: q, offset: n, dev: e, ino: j },
        ) => p == q && d == e && i == j && o.checked_add(prev.end - u64::from(prev.start)) == Some(*n),
        (a, b) => a == b,
    }
}

/// One line of maps: `start-end perms offset major:minor inode`, then the name padded to the
/// column a 64-bit kernel pads to (`25 + 6 * sizeof(void *) - 1`, then one space).
fn line(out: &mut String, v: &Vma) {
    let start = out.len();
    let flag = |p: Prot, c: char| if v.prot.contains(p) { c } else { '-' };
    let (offset, dev, ino, name) = match &v.kind {
        VmaKind::File { path, offset, dev, ino } => (*offset, *dev, *ino, Some(path.to_string_lossy().into_owned())),
        VmaKind::Heap => (0, 0, 0, Some("[heap]".to_string())),
        VmaKind::Stack => (0, 0, 0, Some("[stack]".to_string())),
        VmaKind::Anon => (0, 0, 0, None),
        VmaKind::Special(name) => (0, 0, 0, Some((*name).to_string())),
    };
    let _ = write!(
        out,
        "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
        v.start,
        v.end,
        flag(Prot::READ, 'r'),
        flag(Prot::WRITE, 'w'),
        flag(Prot::EXEC, 'x'),
        if v.shared { 's' } else { 'p' },
        offset,
        libc::major(dev),
        libc::minor(dev),
        ino
    );
    if let Some(name) = name {
        const COLUMN: usize = 25 + 6 * 8 - 1;
        while out.len() - start < COLUMN {
            out.push(' ');
        }
        out.push(' ');
        out.push_str(&name);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_entries_are_self_thread_self_and_our_pid_only() {
        let pid = rustix::process::getpid().as_raw_nonzero().get();
        assert_eq!(classify(b"/proc/self/exe"), Some(Own::Exe));
        assert_eq!(classify(b"/proc/thread-self/maps"), Some(Own::Maps));
        assert_eq!(classify(format!("/proc/{pid}/exe").as_bytes()), Some(Own::Exe));
        assert_eq!(classify(format!("/proc/0{pid}/exe").as_bytes()), None);
        assert_eq!(classify(b"/proc/1/exe"), None);
        assert_eq!(classify(b"/proc/self/exe/"), None);
        assert_eq!(classify(b"/proc/self/status"), Some(Own::Status));
        assert_eq!(classify(b"/proc/self/stat"), None);
        assert_eq!(rewrite("/bin/x".as_ref(), b"/proc/self/exe", true), Some(b"/bin/x".to_vec()));
        assert_eq!(rewrite("/bin/x".as_ref(), b"/proc/self/exe", false), None);
    }

    #[test]
    fn maps_lines_have_the_kernel_layout() {
        let mut s = String::new();
        let file = Vma {
            start: 0x0804_8000,
            end: 0x0804_9000,
            prot: Prot::READ | Prot::EXEC,
            shared: false,
            kind: VmaKind::File { path: "/bin/x".into(), offset: 0x1000, dev: libc::makedev(254, 0), ino: 1234 },
            flags: 0,
        };
        line(&mut s, &file);
        assert!(s.starts_with("08048000-08049000 r-xp 00001000 fe:00 1234 "));
        assert_eq!(s.find("/bin/x"), Some(73));
        s.clear();
        line(&mut s, &Vma { kind: VmaKind::Anon, prot: Prot::READ | Prot::WRITE, ..file.clone() });
        assert_eq!(s, "08048000-08049000 rw-p 00000000 00:00 0 \n");
        s.clear();
        line(&mut s, &Vma { kind: VmaKind::Stack, ..file });
        assert!(s.ends_with(" [stack]\n"));
        assert_eq!(s.find("[stack]"), Some(73));
    }

    #[test]
    fn neighbours_of_one_kind_merge_like_the_kernel_merges_them() {
        let heap =
            |start: u32, end: u64| Vma { start, end, prot: Prot::READ, shared: false, kind: VmaKind::Heap, flags: 0 };
        assert!(mergeable(&heap(0x1000, 0x2000), &heap(0x2000, 0x3000)));
        assert!(!mergeable(&heap(0x1000, 0x2000), &heap(0x3000, 0x4000)));
        let anon = Vma { kind: VmaKind::Anon, ..heap(0x2000, 0x3000) };
        assert!(!mergeable(&heap(0x1000, 0x2000), &anon));
    }

    #[test]
    fn vm_flags_are_listed_lowest_bit_first() {
        let v = Vma {
            start: 0x1000,
            end: 0x2000,
            prot: Prot::READ | Prot::WRITE,
            shared: false,
            kind: VmaKind::Stack,
            flags: vm::MAYREAD | vm::MAYWRITE | vm::MAYEXEC | vm::GROWSDOWN | vm::ACCOUNT | vm::LOCKED,
        };
        assert_eq!(vm_flags_text(&v), "rd wr mr mw me gd lo ac ");
    }
}
