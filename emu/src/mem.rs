//! Guest memory: the whole 4 GiB guest space is one host reservation.
//!
//! Guest address `a` is host address `base + a`. Mapped ranges are host mappings placed inside the
//! reservation with `MAP_FIXED`; everything else stays `PROT_NONE` and `MAP_NORESERVE`, so the
//! reservation costs address space, not memory. A byte-per-page table holds the guest permissions:
//! the syscall layer checks it for `EFAULT`, and the CPU's TLB-fill hook returns it to Unicorn, so
//! both see the same answer. Changes that Unicorn has cached (TLB entries, translated code) are
//! recorded in [`Pending`] and applied by the run loop after the syscall.
//!
//! A [`GuestSpace`] is one thread's view: the reservation and the permission table are the
//! process's, the GDT page and the pending changes are the thread's. Other threads learn of a
//! change through the address-space generation: each change bumps it (and logs ranges whose
//! translated code is stale), and a thread catches up ([`GuestSpace::catch_up`]) before it runs
//! guest code again (emu/src/thread.rs).

use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};
use std::collections::VecDeque;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use syscalls::mem::{range_end, Backing, GuestMemory, MapError, Prot, PAGE_SIZE};
use syscalls::Errno;

/// The guest space size: 4 GiB.
pub const SPACE: usize = 1 << 32;
const PAGES: usize = SPACE / PAGE_SIZE as usize;

/// What a page with guest permissions `prot` allows on x86: every accessible page is readable
/// (the MMU has no write-only or execute-only user pages; the kernel's `vma_is_accessible` makes a
/// read fault on a `PROT_WRITE` or `PROT_EXEC` mapping succeed), so reads need only a non-empty
/// `prot`. /proc/self/maps still shows what the guest asked for.
pub fn effective(prot: Prot) -> Prot {
    if prot.is_empty() {
        prot
    } else {
        prot | Prot::READ
    }
}

/// A permission-table bit beside the `Prot` bits: the page belongs to a file or a shared-memory
/// object, so it may lie wholly past the object's end, where any load from it (ours included) is
/// SIGBUS. The syscall layer probes such pages through the kernel ([`host_can_read`]) before
/// handing them out as slices: a syscall's argument there is EFAULT, as the kernel's copy says.
pub(crate) const OBJECT_BACKED: u8 = 0x10;

/// Whether the host page holding `host` can be read without SIGBUS: the kernel's own copy from
/// user memory fails with EFAULT exactly where a load would raise SIGBUS. rt_sigprocmask copies its
/// 8-byte set in before it looks at `how`, so an invalid `how` makes it a pure probe: EINVAL when
/// the bytes were readable, EFAULT when not, nothing changed either way.
pub(crate) fn host_can_read(host: *const u8) -> bool {
    const BAD_HOW: libc::c_long = -1;
    // SAFETY: the kernel only reads 8 bytes at `host` with its own fault handling and, `how`
    // being invalid, changes no signal mask.
    let r = unsafe { libc::syscall(libc::SYS_rt_sigprocmask, BAD_HOW, host, std::ptr::null_mut::<u8>(), 8) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EFAULT)
}

/// What Unicorn must forget after a syscall changed the address space.
#[derive(Debug, Default)]
pub struct Pending {
    /// Permissions changed or pages went away: flush the TLB.
    pub flush_tlb: bool,
    /// Translated code in these ranges is stale.
    pub stale_code: Vec<(u32, u64)>,
    /// All translated code may be stale (more changes than the log keeps).
    pub flush_code: bool,
}

/// The address-space generation: bumped by every change of the permission table.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// The latest changes that made translated code stale, (generation, start, end), and the newest
/// generation dropped from the log.
static STALE_LOG: Mutex<(VecDeque<StaleRange>, u64)> = Mutex::new((VecDeque::new(), 0));
/// A range whose translated code went stale at a generation: (generation, start, end).
type StaleRange = (u64, u32, u64);
/// How many stale ranges the log keeps; a thread further behind drops all its translated code.
const STALE_LOG_LEN: usize = 64;

/// The process's reservation (host address) and permission table, for threads' views.
static BASE: AtomicUsize = AtomicUsize::new(0);
static PERMS: OnceLock<&'static [AtomicU8]> = OnceLock::new();

/// The guest address space of this process, as one thread sees it.
pub struct GuestSpace {
    base: *mut u8,
    perms: &'static [AtomicU8],
    /// This thread's GDT page, outside guest memory (see emu/src/cpu.rs).
    gdt: Box<[u64; 512]>,
    pub pending: Pending,
    /// The address-space generation this thread's CPU has caught up with.
    seen: u64,
}

// SAFETY: `base` points into the reservation, which lives as long as the process and is shared
// by all threads (guest memory is shared memory); the rest is owned data.
unsafe impl Send for GuestSpace {}

impl GuestSpace {
    /// Reserve the 4 GiB guest space.
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: a fresh anonymous reservation; nothing else refers to it.
        let base = unsafe {
            rustix::mm::mmap_anonymous(
                std::ptr::null_mut(),
                SPACE,
                ProtFlags::empty(),
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )?
        };
        // The permission table is a zero-filled anonymous mapping too: pages of it that are never
        // touched cost nothing. It lives as long as the process (the CPU's hook borrows it).
        let table = memmap2::MmapMut::map_anon(PAGES)?;
        let perms: &'static mut [u8] = Box::leak(Box::new(table)).as_mut();
        // SAFETY: AtomicU8 has the size, alignment and bit validity of u8.
        let perms = unsafe { &*(perms as *mut [u8] as *const [AtomicU8]) };
        syscalls::sys::mm_space::set_host_base(base.cast());
        BASE.store(base as usize, Relaxed);
        let _ = PERMS.set(perms);
        let seen = GENERATION.load(Relaxed);
        Ok(GuestSpace { base: base.cast(), perms, gdt: Box::new([0; 512]), pending: Pending::default(), seen })
    }

    /// A new thread's view of the process's space, with a copy of its parent's GDT entries.
    pub fn thread_view(gdt: &[u64]) -> GuestSpace {
        let mut table = Box::new([0u64; 512]);
        for (slot, desc) in table.iter_mut().zip(gdt) {
            *slot = *desc;
        }
        GuestSpace {
            base: BASE.load(Relaxed) as *mut u8,
            perms: PERMS.get().copied().unwrap_or(&[]),
            gdt: table,
            pending: Pending::default(),
            seen: GENERATION.load(Relaxed),
        }
    }

    /// Note in `pending` what other threads changed in the address space since this thread's CPU
    /// last caught up.
    pub fn catch_up(&mut self) {
        let now = GENERATION.load(Relaxed);
        if now == self.seen {
            return;
        }
        self.pending.flush_tlb = true;
        let guard = STALE_LOG.lock().unwrap_or_else(|e| e.into_inner());
        let (log, dropped) = &*guard;
        if *dropped <= self.seen {
            let newer = log.iter().filter(|&&(gen, _, _)| gen > self.seen);
            self.pending.stale_code.extend(newer.map(|&(_, start, end)| (start, end)));
        } else {
            self.pending.flush_code = true;
        }
        self.seen = now;
    }

    /// Host address of guest address 0.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// The permission table the TLB-fill hook reads.
    pub fn perms(&self) -> &'static [AtomicU8] {
        self.perms
    }

    /// Host address of the GDT page.
    pub fn gdt_ptr(&mut self) -> *mut u8 {
        self.gdt.as_mut_ptr().cast()
    }

    pub fn page_prot(&self, addr: u32) -> Prot {
        Prot::from_bits_truncate(u32::from(self.perms[(addr / PAGE_SIZE) as usize].load(Relaxed)))
    }

    /// What the page at `addr` allows the guest: [`effective`] permissions.
    fn page_allows(&self, addr: u32) -> Prot {
        effective(self.page_prot(addr))
    }

    /// Whether the page at `addr` is mapped but lies wholly past the end of its file or
    /// shared-memory object: an access there is SIGBUS (BUS_ADRERR), not SIGSEGV.
    pub fn past_object_end(&self, addr: u32) -> bool {
        let bits = self.perms[(addr / PAGE_SIZE) as usize].load(Relaxed);
        bits & OBJECT_BACKED != 0
            && !effective(Prot::from_bits_truncate(u32::from(bits))).is_empty()
            && !host_can_read(self.base.wrapping_add((addr & !(PAGE_SIZE - 1)) as usize))
    }

    /// What Rust may do with the page at `addr`: its guest permissions, or nothing when it lies
    /// past the end of its file or shared-memory object (see [`OBJECT_BACKED`]).
    fn page_allows_host(&self, addr: u32) -> Prot {
        let bits = self.perms[(addr / PAGE_SIZE) as usize].load(Relaxed);
        let prot = effective(Prot::from_bits_truncate(u32::from(bits)));
        if bits & OBJECT_BACKED != 0 && !prot.is_empty() && !host_can_read(self.base.wrapping_add(addr as usize)) {
            return Prot::empty();
        }
        prot
    }

    /// After `map`: mark the pages of `[addr, addr+len)` that may lie past their object's end.
    /// Shared mappings may at any time (the object shrinks under them). A private file mapping's
    /// pages inside the file when mapped are taken as staying there: a program's own ELF segments
    /// are such, and probing them would cost every syscall on static buffers a probe. (A file
    /// truncated under a private mapping of it is left out.)
    fn note_object_pages(&mut self, addr: u32, len: u32, backing: &Backing) {
        self.set_object_backed(addr, len, false);
        match backing {
            Backing::Anon { shared: false } => {}
            Backing::Anon { shared: true } | Backing::File { shared: true, .. } => {
                self.set_object_backed(addr, len, true)
            }
            // A segment never shrinks under its attachments.
            Backing::SysvShm { .. } => {}
            Backing::File { fd, offset, shared: false } => {
                let size = rustix::fs::fstat(fd).map_or(0, |st| st.st_size.max(0) as u64);
                // Pages from the first one wholly past the end of the file.
                let inside = size.saturating_sub(*offset).div_ceil(u64::from(PAGE_SIZE)) * u64::from(PAGE_SIZE);
                if inside < u64::from(len) {
                    let from = addr + inside as u32;
                    self.set_object_backed(from, len - inside as u32, true);
                }
            }
        }
    }

    /// Note whether the pages of `[addr, addr+len)` belong to a file or shared-memory object.
    fn set_object_backed(&mut self, addr: u32, len: u32, backed: bool) {
        let first = (addr / PAGE_SIZE) as usize;
        let count = (len / PAGE_SIZE) as usize;
        for p in &self.perms[first..first + count] {
            if backed {
                p.fetch_or(OBJECT_BACKED, Relaxed);
            } else {
                p.fetch_and(!OBJECT_BACKED, Relaxed);
            }
        }
    }

    /// Whether every page of `[addr, addr+len)` allows `need`.
    fn check(&self, addr: u32, len: usize, need: Prot) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let end = range_end(addr, len)?;
        let first = addr / PAGE_SIZE;
        let last = ((end - 1) / u64::from(PAGE_SIZE)) as u32;
        for page in first..=last {
            if !self.page_allows_host(page * PAGE_SIZE).contains(need) {
                return Err(Errno::FAULT);
            }
        }
        Ok(())
    }

    fn set_prot(&mut self, addr: u32, len: u32, prot: Prot) {
        let first = (addr / PAGE_SIZE) as usize;
        let count = (len / PAGE_SIZE) as usize;
        let mut had_code = false;
        for p in &self.perms[first..first + count] {
            // The backing stays what it was (see `set_object_backed`).
            let old = p.load(Relaxed);
            p.store(prot.bits() as u8 | (old & OBJECT_BACKED), Relaxed);
            had_code |= old & Prot::EXEC.bits() as u8 != 0;
        }
        self.pending.flush_tlb = true;
        let generation = GENERATION.fetch_add(1, Relaxed) + 1;
        self.seen = generation;
        // Only pages that were executable can have translated code.
        if had_code {
            let range = (addr, u64::from(addr) + u64::from(len));
            self.pending.stale_code.push(range);
            let mut guard = STALE_LOG.lock().unwrap_or_else(|e| e.into_inner());
            let (log, dropped) = &mut *guard;
            if log.len() == STALE_LOG_LEN {
                if let Some((gen, _, _)) = log.pop_front() {
                    *dropped = gen;
                }
            }
            log.push_back((generation, range.0, range.1));
        }
    }
}

/// Host protection for a guest mapping. Private pages stay host-writable so the loader and the
/// syscall layer can fill them; the guest's own view is the permission table.
fn host_prot(prot: Prot, shared: bool) -> ProtFlags {
    if prot.is_empty() {
        ProtFlags::empty()
    } else if shared && !prot.contains(Prot::WRITE) {
        ProtFlags::READ
    } else {
        ProtFlags::READ | ProtFlags::WRITE
    }
}

impl GuestMemory for GuestSpace {
    fn slice(&self, addr: u32, len: usize) -> Result<&[u8], Errno> {
        self.check(addr, len, Prot::READ)?;
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: every page of the range is mapped readable in the reservation.
        Ok(unsafe { std::slice::from_raw_parts(self.base.add(addr as usize), len) })
    }

    fn slice_mut(&mut self, addr: u32, len: usize) -> Result<&mut [u8], Errno> {
        self.check(addr, len, Prot::WRITE)?;
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: every page of the range is mapped writable in the reservation.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.base.add(addr as usize), len) })
    }

    fn host_range(&self, addr: u32, len: usize, access: Prot) -> Result<*mut u8, Errno> {
        if len > 0 {
            let end = range_end(addr, len)?;
            let last = ((end - 1) / u64::from(PAGE_SIZE)) as u32;
            for page in addr / PAGE_SIZE..=last {
                let prot = self.page_allows(page * PAGE_SIZE);
                if !prot.is_empty() && !prot.contains(access) {
                    return Err(Errno::FAULT);
                }
            }
        }
        Ok(self.base.wrapping_add(addr as usize))
    }

    fn readable_prefix(&self, addr: u32, max: usize) -> &[u8] {
        let mut len = 0usize;
        let mut page = addr & !(PAGE_SIZE - 1);
        while len < max && self.page_allows_host(page).contains(Prot::READ) {
            len += (page + PAGE_SIZE - addr.max(page)) as usize;
            match page.checked_add(PAGE_SIZE) {
                Some(next) => page = next,
                None => break,
            }
        }
        let len = len.min(max);
        if len == 0 {
            return &[];
        }
        // SAFETY: the pages covering `[addr, addr+len)` were just seen readable.
        unsafe { std::slice::from_raw_parts(self.base.add(addr as usize), len) }
    }

    fn map(&mut self, addr: u32, len: u32, prot: Prot, backing: Backing) -> Result<(), MapError> {
        let at = self.base.wrapping_add(addr as usize).cast();
        let fixed = MapFlags::FIXED;
        // SAFETY: the range lies inside our reservation (the caller checked it is below
        // TASK_SIZE); MAP_FIXED replaces only guest pages.
        let mapped = unsafe {
            match backing {
                Backing::Anon { shared } => {
                    let kind = if shared { MapFlags::SHARED } else { MapFlags::PRIVATE | MapFlags::NORESERVE };
                    rustix::mm::mmap_anonymous(at, len as usize, host_prot(prot, shared), kind | fixed)
                }
                Backing::File { fd, offset, shared } => {
                    let kind = if shared { MapFlags::SHARED } else { MapFlags::PRIVATE };
                    rustix::mm::mmap(at, len as usize, host_prot(prot, shared), kind | fixed, fd.as_fd(), offset)
                }
                Backing::SysvShm { id, flags } => {
                    // SHM_REMAP: the attachment replaces the reservation's pages.
                    let got = libc::shmat(id, at, flags | libc::SHM_REMAP);
                    if got == at {
                        Ok(at)
                    } else {
                        Err(rustix::io::Errno::from_raw_os_error(
                            std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL),
                        ))
                    }
                }
            }
        };
        if let Err(errno) = mapped {
            // Some failures come after the host dropped the old mapping (a socket's mmap): never
            // leave a hole in the reservation, and let the guest see the range unmapped, as it
            // would natively. MADV_NORMAL fails with ENOMEM exactly when part of it is unmapped.
            // SAFETY: advice only, on our own reservation.
            let lost = unsafe { rustix::mm::madvise(at, len as usize, rustix::mm::Advice::Normal) }.is_err();
            if lost {
                self.unmap(addr, len)?;
            }
            return Err(MapError { errno, unmapped: lost });
        }
        self.set_prot(addr, len, prot);
        self.note_object_pages(addr, len, &backing);
        Ok(())
    }

    fn objects_resized(&mut self) {
        self.pending.flush_tlb = true;
    }

    fn mark_object_backed(&mut self, addr: u32, len: u32) {
        self.set_object_backed(addr, len, true);
    }

    fn unmap(&mut self, addr: u32, len: u32) -> Result<(), Errno> {
        let at = self.base.wrapping_add(addr as usize).cast();
        // SAFETY: as in `map`; the pages go back to being an inaccessible reservation.
        unsafe {
            rustix::mm::mmap_anonymous(
                at,
                len as usize,
                ProtFlags::empty(),
                MapFlags::PRIVATE | MapFlags::NORESERVE | MapFlags::FIXED,
            )?;
        }
        self.set_prot(addr, len, Prot::empty());
        self.set_object_backed(addr, len, false);
        Ok(())
    }

    fn protect(&mut self, addr: u32, len: u32, prot: Prot) -> Result<(), Errno> {
        let at = self.base.wrapping_add(addr as usize).cast();
        let want = if prot.is_empty() { MprotectFlags::empty() } else { MprotectFlags::READ | MprotectFlags::WRITE };
        // SAFETY: the range is mapped guest memory inside the reservation.
        match unsafe { rustix::mm::mprotect(at, len as usize, want) } {
            Ok(()) => {}
            // A shared mapping of a file opened read-only cannot become writable (EACCES, as the
            // kernel says); asked only to be readable, it stays host read-only.
            Err(e) if prot.contains(Prot::WRITE) => return Err(e),
            // SAFETY: as above.
            Err(_) => unsafe { rustix::mm::mprotect(at, len as usize, MprotectFlags::READ)? },
        }
        self.set_prot(addr, len, prot);
        Ok(())
    }

    fn set_gdt_entry(&mut self, index: u32, desc: u64) {
        // Loading a selector sets the descriptor's accessed bit, a CPU write to the GDT, which the
        // guest may not write: set it here (get_thread_area never reports it).
        let accessed = if desc == 0 { 0 } else { 1 << 40 };
        if let Some(slot) = self.gdt.get_mut(index as usize) {
            *slot = desc | accessed;
        }
    }

    fn gdt_entry(&self, index: u32) -> u64 {
        self.gdt.get(index as usize).copied().unwrap_or(0)
    }
}
