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
//! - `maps`, `smaps`, `smaps_rollup`, `status`, `statm`: an `O_RDONLY` open gets a memfd filled at open time.
//!   `maps` is the guest's VMAs in the kernel's format (fs/proc/task_mmu.c `show_map_vma`); `smaps` adds to each
//!   the page counts of show_smap(), taken from the host's page table for the guest's pages
//!   (/proc/self/pagemap, and as root the frames' map counts and flags: PSS and dirtiness), and
//!   the VMA's `vm_flags` as the guest's calls set them (mlock, MAP_LOCKED, MAP_NORESERVE …, see
//!   `space::vm`); `status` is the host's file with the memory lines of task_mem() computed
//!   the same way (VmLck from the guest's locked VMAs). There is no `[vdso]`: the guest has none.
//!   Other opens, stat and access see the host's file (same mode and owner).
//!
//! The same entries of another emulated process (`/proc/<pid>/maps` …) describe that process's
//! guest: [`crate::sys::procfs::other`] reads the address space it publishes, and readlink(2) of
//! its `exe` answers its guest program. A process that is not emulated, or cannot be read, gets
//! the host's file.
//!
//! Not served (the host's answer about the emulator shows through): `auxv`, `environ`, `stat`,
//! `mem`, `task/<tid>/…`, and another process's `exe` followed (open, stat, execve).
//!
//! In private-network mode `/proc/net/…` (and its `self`, `thread-self` and PID spellings) shows
//! the emulated namespace ([`net`]).
//!
//! Files: this one recognises the names and writes `maps`; [`smaps`](mod@smaps) the page counts
//! and VmFlags, [`status`](mod@status) the memory lines of `status` and `statm`, [`other`] the
//! publishing and reading of another emulator's address space, [`net`] the network entries.

use crate::mem::Prot;
use crate::space::{Vma, VmaKind};
pub use crate::sys::procfs::other::Space;
use crate::sys::procfs::other::{other_entry, Other};
use crate::task::{Held, Task};
use crate::Errno;
use std::fmt::Write as _;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

pub mod net;
pub mod other;
mod smaps;
mod status;

use smaps::lowest_resident;
pub use smaps::{smaps, smaps_rollup};
pub use status::{statm, status};

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
    entry(name)
}

/// Which generated entry a `/proc/<pid>/` name is.
fn entry(name: &[u8]) -> Option<Own> {
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
pub fn open(task: &Task, held: &Held, path: &[u8], flags: u32) -> Option<Result<u32, Errno>> {
    const O_ACCMODE: u32 = 3;
    let plain = flags & O_ACCMODE == 0
        && flags & (libc::O_PATH | libc::O_DIRECTORY | libc::O_CREAT | libc::O_TMPFILE) as u32 == 0;
    if !plain {
        return None;
    }
    if let Some(text) = super::procfs::net::text(path, proc_self_pid()) {
        return Some(memfd(text.as_bytes(), flags & libc::O_CLOEXEC as u32 != 0));
    }
    let (which, space) = match classify(path) {
        Some(Own::Exe) => return None,
        Some(own) => (own, Space::own(task, held)),
        None => {
            let (pid, name) = other_entry(path)?;
            let which = entry(name).filter(|&w| w != Own::Exe)?;
            // The kernel decides who may read it (ptrace_may_access): its error is the answer.
            if let Err(e) = std::fs::File::open(std::ffi::OsStr::from_bytes(path)) {
                return Some(Err(crate::errno_of(&e)));
            }
            (which, Other::find(pid)?)
        }
    };
    let text = match which {
        Own::Maps => maps(&space),
        Own::Smaps => smaps(&space),
        Own::SmapsRollup => smaps_rollup(&space),
        Own::Status => status(&space)?,
        Own::Statm => statm(&space),
        Own::Exe => return None,
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
    crate::hostcall::procfs::open_read_only_32(link)
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
pub fn maps(mm: &Space) -> String {
    let mut out = String::new();
    for v in merged(mm) {
        line(&mut out, &v);
    }
    out
}

/// The guest's VMAs as the kernel would have them: the stack only as far down as it would have
/// grown (the lower of [`Mm::stack_floor`] and the lowest page the program touched).
fn visible(mm: &Space) -> Vec<Vma> {
    let stack: Vec<&Vma> = mm.vmas.iter().filter(|v| v.kind == VmaKind::Stack).collect();
    let lowest = stack.iter().find_map(|v| lowest_resident(mm, v.start, v.end));
    let floor = match (mm.stack_floor, lowest) {
        (0, _) => 0,
        (f, Some(l)) => f.min(l),
        (f, None) => f,
    };
    let mut out = Vec::new();
    for v in &mm.vmas {
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

/// The guest's VMAs as maps shows them: neighbours the kernel would have merged are one.
fn merged(mm: &Space) -> Vec<Vma> {
    let mut out: Vec<Vma> = Vec::new();
    for vma in &visible(mm) {
        match out.last_mut() {
            Some(p) if mergeable(p, vma) => p.end = vma.end,
            _ => out.push(vma.clone()),
        }
    }
    out
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
    use super::smaps::vm_flags_text;
    use super::*;
    use crate::space::vm;

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
