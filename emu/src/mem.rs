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
//! guest code again (emu/src/lock.rs).
//!
//! With direct guest addressing ([`set_direct`], emu/src/direct.rs) translated code reads and
//! writes `base + a` itself, so the host protection of each page is its guest permission
//! ([`effective`]: none, read, or read and write), and pages that hold translated code are also
//! write-protected on the host ([`CODE_PROTECTED`]): a write there, by the guest or by the
//! emulator, first unprotects the page and logs its code as stale (qemu-user's page_unprotect).
//! Without it, private pages stay host-writable and only the table says what the guest may do.

use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};
use std::collections::VecDeque;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use syscalls::mem::{range_end, Backing, GuestMemory, MapError, Prot, PAGE_SIZE};
use syscalls::Errno;

/// The guest space size: 4 GiB.
pub const SPACE: usize = 1 << 32;
/// Reserved and never mapped after the guest space: a direct access that starts in the guest's
/// last page and runs past 4 GiB (a 16-byte load at 0xfffffff8) faults here, not in host memory.
pub const GUARD: usize = 1 << 20;
// The syscall layer counts on this much guard after 4 GiB (host arrays that may run into it).
const _: () = assert!(GUARD as u64 >= syscalls::mem::guard::GUARD);
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

/// A permission-table bit: the page holds translated code and the guest may write it. Under direct
/// addressing it is then write-protected on the host; in either mode a write by the emulator (or
/// by the host kernel for a syscall) first makes its code stale ([`unprotect_code`]).
pub(crate) const CODE_PROTECTED: u8 = 0x20;

/// Whether translated code addresses guest memory directly (see the module's documentation).
static DIRECT: AtomicBool = AtomicBool::new(false);

/// Turn direct guest addressing on or off for this process; before the guest space is made.
pub fn set_direct(on: bool) {
    DIRECT.store(on, Relaxed);
}

/// Whether direct guest addressing is on.
pub fn direct() -> bool {
    DIRECT.load(Relaxed)
}

/// The host address of guest address 0 (0 before the space is reserved).
pub fn host_base() -> usize {
    BASE.load(Relaxed)
}

/// Note that the engine translated code on the page at `host_page` and, under direct addressing,
/// write-protect it on the host, when the guest may write it (a page it may not write is host
/// read-only already). Called by the engine (emu/src/direct.rs); pages outside the guest space
/// are not ours.
pub fn protect_code(host_page: usize) {
    let Some(page) = guest_page_of(host_page) else { return };
    let Some(slot) = PERMS.get().and_then(|p| p.get(page)) else { return };
    let bits = slot.load(Relaxed);
    if bits & CODE_PROTECTED != 0 || !Prot::from_bits_truncate(u32::from(bits)).contains(Prot::WRITE) {
        return;
    }
    slot.fetch_or(CODE_PROTECTED, Relaxed);
    if !direct() {
        // The soft MMU sees only this engine's code in a store; see `GuestSpace::catch_up`.
        let mut pages = WRITABLE_CODE.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() == WRITABLE_CODE_MAX {
            // Pages unmapped or reprotected since have lost the bit (their code is stale by the log).
            if let Some(perms) = PERMS.get() {
                pages.retain(|&p| perms.get(p as usize).is_some_and(|b| b.load(Relaxed) & CODE_PROTECTED != 0));
            }
        }
        if pages.contains(&(page as u32)) {
            // Already listed (a page mapped again at the same address).
        } else if pages.len() < WRITABLE_CODE_MAX {
            pages.push(page as u32);
        } else {
            WRITABLE_CODE_LOST.store(true, Relaxed);
        }
        return;
    }
    // SAFETY: a mapped guest page inside the reservation; only its host protection changes.
    let done = unsafe { libc::mprotect(host_page as *mut libc::c_void, PAGE_SIZE as usize, libc::PROT_READ) };
    if done != 0 {
        slot.fetch_and(!CODE_PROTECTED, Relaxed);
    }
}

/// Make the guest page `page` (a page number) host-writable again if it was write-protected for
/// its translated code, and log that code as stale for every thread's engine: the page is about
/// to be written. Whether it was protected. Async-signal-safe: the host fault handler calls it
/// (the log's storage is reserved when the space is made, so logging never allocates).
pub fn unprotect_code(page: usize) -> bool {
    let Some(slot) = PERMS.get().and_then(|p| p.get(page)) else { return false };
    if slot.load(Relaxed) & CODE_PROTECTED == 0 {
        return false;
    }
    slot.fetch_and(!CODE_PROTECTED, Relaxed);
    if direct() {
        let host = BASE.load(Relaxed) + page * PAGE_SIZE as usize;
        // SAFETY: a mapped, guest-writable page inside the reservation (CODE_PROTECTED is only
        // set on such pages, and cleared whenever their mapping or protection changes).
        unsafe { libc::mprotect(host as *mut libc::c_void, PAGE_SIZE as usize, libc::PROT_READ | libc::PROT_WRITE) };
    }
    let start = (page * PAGE_SIZE as usize) as u32;
    log_stale(start, u64::from(start) + u64::from(PAGE_SIZE));
    true
}

/// A guest store that went through the engine's soft MMU hit translated code on the page at
/// `host_page`: the engine dropped its own, other threads' engines must drop theirs.
pub fn code_stored(host_page: usize) {
    if let Some(page) = guest_page_of(host_page) {
        let start = (page * PAGE_SIZE as usize) as u32;
        log_stale(start, u64::from(start) + u64::from(PAGE_SIZE));
    }
}

/// The guest page number of a host address in the guest space.
fn guest_page_of(host: usize) -> Option<usize> {
    let offset = host.checked_sub(BASE.load(Relaxed))?;
    (offset < SPACE).then_some(offset / PAGE_SIZE as usize)
}

/// Log `[start, end)` as stale translated code at a new generation, which it returns.
fn log_stale(start: u32, end: u64) -> u64 {
    let generation = GENERATION.fetch_add(1, Relaxed) + 1;
    let mut guard = STALE_LOG.lock().unwrap_or_else(|e| e.into_inner());
    let (log, dropped) = &mut *guard;
    if log.len() == STALE_LOG_LEN {
        if let Some((gen, _, _)) = log.pop_front() {
            *dropped = gen;
        }
    }
    log.push_back((generation, start, end));
    generation
}

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

/// Without direct addressing: the guest-writable pages with translated code ([`protect_code`]).
/// A store by one thread's translated code reaches the soft MMU of that thread's engine only,
/// which knows its own blocks, not other engines'; so a thread that takes the CPU after another
/// ran drops its code on these pages (qemu's engines share one cache; Unicorn's do not).
static WRITABLE_CODE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// How many pages [`WRITABLE_CODE`] keeps; past that a thread switch drops all translated code.
const WRITABLE_CODE_MAX: usize = 256;
/// [`WRITABLE_CODE`] overflowed.
static WRITABLE_CODE_LOST: AtomicBool = AtomicBool::new(false);
/// The host thread that last caught up, i.e. last ran guest code (0: none yet).
static LAST_RUNNER: AtomicU64 = AtomicU64::new(0);

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
                SPACE + GUARD,
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
        // The host fault handler logs stale code: the log must not allocate there.
        STALE_LOG.lock().unwrap_or_else(|e| e.into_inner()).0.reserve_exact(STALE_LOG_LEN);
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
        if !direct() {
            self.after_other_threads();
        }
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

    /// Without direct addressing, when another thread ran guest code since this one did: its
    /// stores into code this thread's engine translated were not seen (see [`WRITABLE_CODE`]).
    fn after_other_threads(&mut self) {
        thread_local! {
            /// This host thread's id, or in a forked child its parent's (still no other thread's).
            static ME: u64 = rustix::thread::gettid().as_raw_nonzero().get() as u64;
        }
        let me = ME.with(|me| *me);
        let before = LAST_RUNNER.swap(me, Relaxed);
        if before == me || before == 0 {
            return;
        }
        if WRITABLE_CODE_LOST.load(Relaxed) {
            self.pending.flush_code = true;
            return;
        }
        let mut pages = WRITABLE_CODE.lock().unwrap_or_else(|e| e.into_inner());
        // Pages whose mapping or protection changed since are stale by the log already.
        pages.retain(|&p| self.perms.get(p as usize).is_some_and(|b| b.load(Relaxed) & CODE_PROTECTED != 0));
        for &page in pages.iter() {
            let start = page * PAGE_SIZE;
            self.pending.stale_code.push((start, u64::from(start) + u64::from(PAGE_SIZE)));
        }
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
            // A new host protection replaced any write protection for code.
            let old = p.load(Relaxed);
            p.store(prot.bits() as u8 | (old & OBJECT_BACKED), Relaxed);
            had_code |= old & Prot::EXEC.bits() as u8 != 0;
        }
        self.pending.flush_tlb = true;
        // Only pages that were executable can have translated code.
        if had_code {
            let range = (addr, u64::from(addr) + u64::from(len));
            self.pending.stale_code.push(range);
            self.seen = log_stale(range.0, range.1);
        } else {
            self.seen = GENERATION.fetch_add(1, Relaxed) + 1;
        }
    }

    /// Before the emulator (or the host kernel, for a syscall) writes `[addr, addr+len)`: pages
    /// write-protected for their translated code become writable, their code stale.
    fn unprotect_for_write(&self, addr: u32, len: usize) {
        if len == 0 {
            return;
        }
        let last = (u64::from(addr) + len as u64 - 1).min(SPACE as u64 - 1) / u64::from(PAGE_SIZE);
        for page in u64::from(addr / PAGE_SIZE)..=last {
            unprotect_code(page as usize);
        }
    }
}

/// Host protection for a guest mapping. Private pages stay host-writable so the loader and the
/// syscall layer can fill them; the guest's own view is the permission table.
fn host_prot(prot: Prot, shared: bool) -> ProtFlags {
    if direct() {
        return direct_host_prot(prot);
    }
    if prot.is_empty() {
        ProtFlags::empty()
    } else if shared && !prot.contains(Prot::WRITE) {
        ProtFlags::READ
    } else {
        ProtFlags::READ | ProtFlags::WRITE
    }
}

/// The host protection of a page under direct addressing: what the guest may do with it.
fn direct_host_prot(prot: Prot) -> ProtFlags {
    let prot = effective(prot);
    if prot.is_empty() {
        ProtFlags::empty()
    } else if prot.contains(Prot::WRITE) {
        ProtFlags::READ | ProtFlags::WRITE
    } else {
        ProtFlags::READ
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
        self.unprotect_for_write(addr, len);
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
            if access.contains(Prot::WRITE) {
                self.unprotect_for_write(addr, len);
            }
        }
        Ok(self.base.wrapping_add(addr as usize))
    }

    fn host_addr(&self, addr: u32) -> Option<*mut u8> {
        Some(self.base.wrapping_add(addr as usize))
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
        let want = if prot.is_empty() {
            MprotectFlags::empty()
        } else if direct() && !effective(prot).contains(Prot::WRITE) {
            MprotectFlags::READ
        } else {
            MprotectFlags::READ | MprotectFlags::WRITE
        };
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
