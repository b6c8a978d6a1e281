//! Another emulated process's guest address space: what this process publishes of its own, and
//! what a reader finds of another's.
//!
//! Every emulator keeps its guest's VMA list (with the program's path, the stack's floor and the
//! peak size) serialised in a buffer of its own heap, and the buffer's address, length and the
//! guest base (host address of guest address 0) in [`PUBLISHED`], a static of the emu386 binary,
//! behind a sequence counter. The dispatcher republishes at the start of a call when the list
//! changed since ([`publish`]: one comparison of [`Mm::generation`] per call otherwise), except
//! at the memory calls themselves ([`DEFERRED`]), so that a run of mmap/munmap/brk calls pays
//! for one publication, at the next call that may tell another process something (a write, a
//! kill, a futex wake, exit). A process that changes its mappings and then tells another only
//! through shared memory, without a syscall, is seen as it was at its last other call. Publishing costs the
//! guest nothing it can see: no fd, no mapping, no thread (a memfd or a socket per process was
//! rejected for the fd it takes from the guest's table).
//!
//! A reader ([`Other::find`]) knows an emulated process by `/proc/PID/exe` being the same file as
//! its own emulator (same device and inode), so the static sits at the same offset from the
//! binary's load address there as here; the load address is the binary's offset-0 line in
//! `/proc/PID/maps`. It reads the static and then the buffer with process_vm_readv(2), again
//! until the counter was even and unchanged around the read (the writer may free a buffer a
//! reader is in the middle of: that read fails or sees the counter move, and is retried).
//!
//! Permissions: the reader first opens the host's entry (`/proc/PID/maps` …) and answers its
//! error, so who may read what is the kernel's decision (PTRACE_MODE_READ_FSCREDS for maps,
//! smaps and status' memory lines). process_vm_readv needs PTRACE_MODE_ATTACH_REALCREDS, which
//! under Yama's ptrace_scope 1 a process has only over its descendants: there a child reading
//! its parent's maps (which the kernel allows) gets the host's answer about the parent's
//! emulator instead of the guest's. ptrace_scope 0 and root (CAP_SYS_PTRACE) see no difference.
//! A process that has exited (a zombie: no mm) or exits while being read has nothing to read:
//! the host's entry is served, which for a zombie is what the kernel shows too.

use crate::abi::nr;
use crate::mem::{GuestMemory, Prot};
use crate::space::{Mm, Vma, VmaKind};
use crate::task::{Held, Task};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// What [`PUBLISHED`] holds before anything was published, and its `magic` after.
const MAGIC: u64 = u64::from_le_bytes(*b"emu386vm");
/// The serialised layout's version (the first word of the buffer).
const VERSION: u32 = 1;

/// The published description of this process's guest address space: five words a reader gets
/// with one process_vm_readv.
#[repr(C)]
pub struct Published {
    magic: AtomicU64,
    /// Odd while the writer changes `buf` and `len`.
    seq: AtomicU64,
    /// Host address of guest address 0.
    base: AtomicU64,
    buf: AtomicU64,
    len: AtomicU64,
}
const _: () = assert!(std::mem::size_of::<Published>() == 40);

/// This process's publication, found by readers at the same offset from the binary's load address.
pub static PUBLISHED: Published = Published {
    magic: AtomicU64::new(MAGIC),
    seq: AtomicU64::new(0),
    base: AtomicU64::new(0),
    buf: AtomicU64::new(0),
    len: AtomicU64::new(0),
};

/// The buffer [`PUBLISHED`] points at (kept alive here), and the generation of the list it holds.
static CURRENT: Mutex<(u64, Vec<u8>)> = Mutex::new((u64::MAX, Vec::new()));
/// [`CURRENT`]'s generation, readable without the lock.
static PUBLISHED_GEN: AtomicU64 = AtomicU64::new(u64::MAX);

/// Publish again at the next syscall's end (something published other than the VMA list changed:
/// the seccomp mode).
pub fn republish() {
    PUBLISHED_GEN.store(u64::MAX, Ordering::Relaxed);
}

/// The calls that change the address space and tell no other process anything: publication
/// waits for the next call that is not one of them.
const DEFERRED: &[u32] = &[
    nr::brk,
    nr::mmap,
    nr::mmap2,
    nr::munmap,
    nr::mprotect,
    nr::mremap,
    nr::madvise,
    nr::mlock,
    nr::mlock2,
    nr::munlock,
    nr::mlockall,
    nr::munlockall,
    nr::mincore,
    nr::msync,
    nr::remap_file_pages,
    nr::pkey_mprotect,
];

/// Publish the calling process's address space, at the start of syscall `nr`, if it changed
/// since the last time.
#[inline]
pub fn publish(task: &Task, held: &Held, mem: &dyn GuestMemory, nr: u32) {
    let mm = task.mm.get(held);
    let generation = mm.generation();
    if PUBLISHED_GEN.load(Ordering::Relaxed) != generation && !DEFERRED.contains(&nr) {
        publish_now(task, mm, mem, generation);
    }
}

#[cold]
fn publish_now(task: &Task, mm: &Mm, mem: &dyn GuestMemory, generation: u64) {
    let Some(base) = mem.host_addr(0) else {
        return;
    };
    let seccomp = (task.seccomp.mode, task.seccomp.filters());
    let data = serialise(mm, task.exe.as_os_str().as_encoded_bytes(), seccomp);
    let Ok(mut current) = CURRENT.lock() else {
        return;
    };
    PUBLISHED.seq.fetch_add(1, Ordering::SeqCst);
    PUBLISHED.base.store(base as u64, Ordering::SeqCst);
    PUBLISHED.buf.store(data.as_ptr() as u64, Ordering::SeqCst);
    PUBLISHED.len.store(data.len() as u64, Ordering::SeqCst);
    PUBLISHED.seq.fetch_add(1, Ordering::SeqCst);
    // The old buffer is freed only now that nothing points at it (a reader that had its address
    // sees the counter moved).
    *current = (generation, data);
    PUBLISHED_GEN.store(generation, Ordering::Relaxed);
}

/// The serialised list: version, stack floor, peak size, seccomp mode and filter count, the
/// program's path, then each VMA.
fn serialise(mm: &Mm, exe: &[u8], seccomp: (u32, u32)) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + mm.vmas().count() * 48);
    let bytes = |out: &mut Vec<u8>, b: &[u8]| {
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(b);
    };
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&mm.stack_floor.to_le_bytes());
    out.extend_from_slice(&mm.hiwater_vm.to_le_bytes());
    out.extend_from_slice(&seccomp.0.to_le_bytes());
    out.extend_from_slice(&seccomp.1.to_le_bytes());
    bytes(&mut out, exe);
    out.extend_from_slice(&(mm.vmas().count() as u32).to_le_bytes());
    for v in mm.vmas() {
        out.extend_from_slice(&v.start.to_le_bytes());
        out.extend_from_slice(&v.end.to_le_bytes());
        out.extend_from_slice(&v.prot.bits().to_le_bytes());
        out.push(u8::from(v.shared));
        out.extend_from_slice(&v.flags.to_le_bytes());
        match &v.kind {
            VmaKind::Anon => out.push(0),
            VmaKind::Heap => out.push(1),
            VmaKind::Stack => out.push(2),
            VmaKind::File { path, offset, dev, ino } => {
                out.push(3);
                out.extend_from_slice(&offset.to_le_bytes());
                out.extend_from_slice(&dev.to_le_bytes());
                out.extend_from_slice(&ino.to_le_bytes());
                bytes(&mut out, path.as_os_str().as_encoded_bytes());
            }
            VmaKind::Special(name) => {
                out.push(4);
                bytes(&mut out, name.as_bytes());
            }
        }
    }
    out
}

/// A reader over a serialised list; `None` on anything short or unknown.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.u32()? as usize;
        let b = self.0.get(..n)?.to_vec();
        self.0 = &self.0[n..];
        Some(b)
    }
}

/// The names of the kernel-installed mappings a list may hold ([`VmaKind::Special`]).
const SPECIAL: [&str; 3] = ["[vvar]", "[vvar_vclock]", "[vdso]"];

/// The address space of a guest process as /proc shows it, whichever process it is.
#[derive(Debug, Clone)]
pub struct Space {
    pub vmas: Vec<Vma>,
    pub stack_floor: u32,
    pub hiwater_vm: u64,
    /// The guest program (`/proc/PID/exe`).
    pub exe: PathBuf,
    /// Host address of guest address 0 in that process (0: none, unit tests).
    pub base: usize,
    /// The process, or `None` for the caller itself.
    pub pid: Option<u32>,
    /// seccomp's mode and filter count (the calling thread's; another process's main thread's
    /// when it published last).
    pub seccomp: (u32, u32),
}

impl Space {
    /// The calling process's own.
    pub fn own(task: &Task, held: &Held) -> Space {
        let mm = task.mm.get(held);
        Space {
            vmas: mm.vmas().cloned().collect(),
            stack_floor: mm.stack_floor,
            hiwater_vm: mm.hiwater_vm,
            exe: task.exe.clone(),
            // The base this process published, which it does at the start of every call
            // (table.rs) once its address space exists, so by this one's.
            base: PUBLISHED.base.load(Ordering::SeqCst) as usize,
            pid: None,
            seccomp: (task.seccomp.mode, task.seccomp.filters()),
        }
    }

    /// `/proc/PID` (or `/proc/self`) of this space, for the host's files about it.
    pub fn proc_dir(&self) -> String {
        match self.pid {
            Some(pid) => format!("/proc/{pid}"),
            None => "/proc/self".to_string(),
        }
    }

    /// Bytes of VMAs with `VM_LOCKED` (the kernel's `locked_vm`).
    pub fn locked_vm(&self) -> u64 {
        use crate::space::vm;
        self.vmas.iter().filter(|v| v.flags & vm::LOCKED != 0).map(|v| v.end - u64::from(v.start)).sum()
    }

    /// Bytes mapped.
    pub fn total_vm(&self) -> u64 {
        self.vmas.iter().map(|v| v.end - u64::from(v.start)).sum()
    }

    fn parse(data: &[u8], base: usize, pid: u32) -> Option<Space> {
        let mut c = Cursor(data);
        if c.u32()? != VERSION {
            return None;
        }
        let stack_floor = c.u32()?;
        let hiwater_vm = c.u64()?;
        let seccomp = (c.u32()?, c.u32()?);
        let exe = PathBuf::from(std::ffi::OsString::from_vec(c.bytes()?));
        let count = c.u32()?;
        let mut vmas = Vec::new();
        for _ in 0..count {
            let start = c.u32()?;
            let end = c.u64()?;
            let prot = Prot::from_bits_truncate(c.u32()?);
            let shared = c.u8()? != 0;
            let flags = c.u32()?;
            let kind = match c.u8()? {
                0 => VmaKind::Anon,
                1 => VmaKind::Heap,
                2 => VmaKind::Stack,
                3 => {
                    let (offset, dev, ino) = (c.u64()?, c.u64()?, c.u64()?);
                    let path = PathBuf::from(std::ffi::OsString::from_vec(c.bytes()?));
                    VmaKind::File { path, offset, dev, ino }
                }
                4 => {
                    let name = c.bytes()?;
                    VmaKind::Special(SPECIAL.iter().find(|s| s.as_bytes() == name)?)
                }
                _ => return None,
            };
            if end <= u64::from(start) || end > 1 << 32 {
                return None;
            }
            vmas.push(Vma { start, end, prot, shared, kind, flags });
        }
        Some(Space { vmas, stack_floor, hiwater_vm, exe, base, pid: Some(pid), seccomp })
    }
}

use std::os::unix::ffi::OsStringExt as _;

/// (device, inode) of a file, following links.
fn identity(path: &str) -> Option<(u64, u64)> {
    rustix::fs::stat(path).ok().map(|st| (st.st_dev, st.st_ino))
}

/// The load address of the binary `(dev, ino)` in `/proc/<who>/maps`: its offset-0 mapping.
fn load_address(who: &str, exe: (u64, u64)) -> Option<usize> {
    let maps = std::fs::read_to_string(format!("/proc/{who}/maps")).ok()?;
    for l in maps.lines() {
        let mut f = l.split_ascii_whitespace();
        let (range, _, offset, dev, ino) = (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
        let (major, minor) = dev.split_once(':')?;
        let hex = |s: &str| u64::from_str_radix(s, 16).ok();
        let dev = libc::makedev(hex(major)? as u32, hex(minor)? as u32);
        if hex(offset) == Some(0) && (dev, ino.parse().ok()?) == exe {
            return usize::from_str_radix(range.split_once('-')?.0, 16).ok();
        }
    }
    None
}

/// This emulator's binary and where [`PUBLISHED`] sits from its load address.
fn own_layout() -> Option<((u64, u64), usize)> {
    static LAYOUT: OnceLock<Option<((u64, u64), usize)>> = OnceLock::new();
    *LAYOUT.get_or_init(|| {
        let exe = identity("/proc/self/exe")?;
        let base = load_address("self", exe)?;
        Some((exe, (&PUBLISHED as *const Published as usize).checked_sub(base)?))
    })
}

/// Read `len` bytes at `addr` of process `pid` (process_vm_readv(2)).
fn read_remote(pid: u32, addr: u64, buf: &mut [u8]) -> Option<()> {
    crate::hostcall::procfs::read_remote(pid, addr, buf).then_some(())
}

/// Another process, when it is one of ours: its published address space.
pub struct Other;

impl Other {
    /// The published words of process `pid` (magic checked): seq, base, buf, len.
    fn header(pid: u32) -> Option<[u64; 4]> {
        let (exe, offset) = own_layout()?;
        let who = pid.to_string();
        if identity(&format!("/proc/{who}/exe"))? != exe {
            return None;
        }
        let at = load_address(&who, exe)?.checked_add(offset)?;
        let mut raw = [0u8; 40];
        read_remote(pid, at as u64, &mut raw)?;
        let word = |i: usize| u64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        (word(0) == MAGIC).then(|| [word(1), word(2), word(3), word(4)])
    }

    /// The guest base of emulated process `pid` (host address of its guest address 0), without
    /// its VMA list.
    pub fn guest_base(pid: u32) -> Option<usize> {
        let [seq, base, _, _] = Self::header(pid)?;
        (seq != 0 && base != 0).then_some(base as usize)
    }

    /// The address space of emulated process `pid`; `None` when it is not an emulated process,
    /// has exited, or cannot be read (see the module's note on permissions).
    pub fn find(pid: u32) -> Option<Space> {
        const TRIES: usize = 100;
        for _ in 0..TRIES {
            let [seq, base, buf, len] = Self::header(pid)?;
            if seq == 0 || len > 64 << 20 {
                return None;
            }
            if seq % 2 == 1 {
                std::thread::yield_now();
                continue;
            }
            let mut data = vec![0u8; len as usize];
            let read = read_remote(pid, buf, &mut data);
            let [again, ..] = Self::header(pid)?;
            if read.is_some() && again == seq {
                return Space::parse(&data, base as usize, pid);
            }
            std::thread::yield_now();
        }
        None
    }
}

/// readlink(2) of `/proc/<pid>/exe` of another emulated process: its guest program.
pub fn other_exe(path: &[u8]) -> Option<PathBuf> {
    match other_entry(path)? {
        (pid, b"exe") if Some(pid) != own_pid() => Other::find(pid).map(|s| s.exe),
        _ => None,
    }
}

fn own_pid() -> Option<u32> {
    std::fs::read_link("/proc/self").ok()?.to_str()?.parse().ok()
}

/// The pid named by `/proc/<pid>/<name>` when it is not the caller's, with `name`.
pub fn other_entry(path: &[u8]) -> Option<(u32, &[u8])> {
    let rest = path.strip_prefix(b"/proc/")?;
    let slash = rest.iter().position(|&b| b == b'/')?;
    let (who, name) = (&rest[..slash], &rest[slash + 1..]);
    let pid = std::str::from_utf8(who)
        .ok()
        .filter(|s| !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))?
        .parse::<u32>()
        .ok()?;
    Some((pid, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_list_reads_back_as_it_was() {
        let mut mm = Mm::new(0x4000_0000);
        mm.stack_floor = 0xbffd_f000;
        mm.hiwater_vm = 1 << 20;
        let data = serialise(&mm, b"/bin/prog", (2, 3));
        let s = Space::parse(&data, 0x1000, 7).expect("parses");
        assert_eq!(
            (s.stack_floor, s.hiwater_vm, s.exe.as_os_str().as_encoded_bytes()),
            (0xbffd_f000, 1 << 20, &b"/bin/prog"[..])
        );
        assert!(s.vmas.is_empty());
        assert_eq!(s.seccomp, (2, 3));
        // A cut buffer is refused, not read past.
        assert!(Space::parse(&data[..data.len() - 1], 0, 7).is_none());
    }

    #[test]
    fn other_entries_name_a_pid() {
        assert_eq!(other_entry(b"/proc/12/maps"), Some((12, &b"maps"[..])));
        assert_eq!(other_entry(b"/proc/012/maps"), None);
        assert_eq!(other_entry(b"/proc/self/maps"), None);
    }
}
