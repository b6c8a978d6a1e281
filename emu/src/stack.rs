//! The initial stack, laid out as fs/exec.c and create_elf_tables() lay it out for a 32-bit task.
//!
//! From the top: an 4-byte NULL end marker, the exec file name, the environment strings, the
//! argument strings (so argv[0] is lowest), then the platform string "i686", 16 random bytes for
//! AT_RANDOM, and, 16-byte aligned, argc, argv[], NULL, envp[], NULL and the auxiliary vector.

use crate::elf::Image;
use syscalls::mem::{Backing, GuestMemory, GuestMemoryExt, Prot};
use syscalls::space::{Mm, VmaKind, TASK_SIZE};
use syscalls::Errno;

/// The stack ends where user space ends (no randomisation).
pub const STACK_TOP: u32 = TASK_SIZE as u32;

/// What the program is started with.
pub struct StartInfo<'a> {
    pub argv: &'a [Vec<u8>],
    pub envp: &'a [Vec<u8>],
    /// The name the program was executed by (AT_EXECFN).
    pub execfn: &'a [u8],
    /// Size of the stack mapping (RLIMIT_STACK, bounded).
    pub stack_size: u32,
}

// Auxiliary vector types from linux/auxvec.h and asm/auxvec.h.
const AT_NULL: u32 = 0;
const AT_IGNORE: u32 = 1;
const AT_PHDR: u32 = 3;
const AT_PHENT: u32 = 4;
const AT_PHNUM: u32 = 5;
const AT_PAGESZ: u32 = 6;
const AT_BASE: u32 = 7;
const AT_FLAGS: u32 = 8;
const AT_ENTRY: u32 = 9;
const AT_UID: u32 = 11;
const AT_EUID: u32 = 12;
const AT_GID: u32 = 13;
const AT_EGID: u32 = 14;
const AT_PLATFORM: u32 = 15;
const AT_HWCAP: u32 = 16;
const AT_CLKTCK: u32 = 17;
const AT_SECURE: u32 = 23;
const AT_RANDOM: u32 = 25;
const AT_HWCAP2: u32 = 26;
const AT_EXECFN: u32 = 31;

/// A downward-growing writer over the stack mapping.
struct Pusher<'m> {
    mem: &'m mut dyn GuestMemory,
    sp: u32,
}

impl Pusher<'_> {
    fn push_bytes(&mut self, bytes: &[u8]) -> Result<u32, Errno> {
        self.sp = self.sp.checked_sub(bytes.len() as u32).ok_or(Errno::TOOBIG)?;
        self.mem.write(self.sp, bytes).map_err(|_| Errno::TOOBIG)?;
        Ok(self.sp)
    }

    fn push_str(&mut self, s: &[u8]) -> Result<u32, Errno> {
        self.sp = self.sp.checked_sub(1).ok_or(Errno::TOOBIG)?;
        self.mem.write(self.sp, &[0]).map_err(|_| Errno::TOOBIG)?;
        self.push_bytes(s)
    }
}

const PAGE: u32 = 4096;

/// Map the stack and fill it; answers the initial `%esp` (pointing at argc).
pub fn build(mem: &mut dyn GuestMemory, mm: &mut Mm, image: &Image, info: &StartInfo) -> Result<u32, Errno> {
    let mut prot = Prot::READ | Prot::WRITE;
    if image.executable_stack {
        prot |= Prot::EXEC;
    }
    let bottom = STACK_TOP - info.stack_size;
    mm.map_fixed(mem, bottom, info.stack_size, prot, Backing::Anon { shared: false }, VmaKind::Stack)?;

    // Strings need at most a quarter of the stack (the kernel's limit for argv + envp: E2BIG).
    let strings: usize = info.argv.iter().chain(info.envp).map(|s| s.len() + 1).sum();
    if strings > info.stack_size as usize / 4 {
        return Err(Errno::TOOBIG);
    }
    let mut p = Pusher { mem, sp: STACK_TOP - 4 };
    p.push_bytes(&[0; 4])?;
    let execfn = p.push_str(info.execfn)?;
    let mut envp = Vec::with_capacity(info.envp.len());
    for s in info.envp.iter().rev() {
        envp.push(p.push_str(s)?);
    }
    envp.reverse();
    let mut argv = Vec::with_capacity(info.argv.len());
    for s in info.argv.iter().rev() {
        argv.push(p.push_str(s)?);
    }
    argv.reverse();
    // setup_arg_pages(): the stack VMA covers the argument pages and 128 KiB below them.
    mm.stack_floor = (p.sp & !(PAGE - 1)).saturating_sub(128 << 10).max(bottom);

    p.sp &= !15;
    let platform = p.push_str(b"i686")?;
    let mut random = [0u8; 16];
    // Under `emu386 diff`, the bytes the native run's program got.
    match syscalls::replay::take(syscalls::replay::Kind::AtRandom, &[]).and_then(|e| <[u8; 16]>::try_from(e.data).ok())
    {
        Some(bytes) => random = bytes,
        None => {
            rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty())?;
        }
    }
    let random = p.push_bytes(&random)?;

    let host = |t: libc::c_ulong| crate::host::process::auxval_or_zero(t) as u32;
    // Entries the host kernel gives an i386 program that emu386 has no value for: AT_SYSINFO and
    // AT_SYSINFO_EHDR (ARCH_DLINFO_IA32: emu386's vDSO pages hold the signal trampolines, not an
    // ELF image) and AT_MINSIGSTKSZ (Linux 5.14; the value is the kernel's signal frame size).
    // They stay in place as AT_IGNORE, so that the vector, and with it everything below it on the
    // stack, has the kernel's size: without randomisation a stack address is then the one the
    // program has natively (`emu386 diff`). AT_RSEQ_FEATURE_SIZE and AT_RSEQ_ALIGN (Linux 6.3)
    // are the host's when it has them: emu386's rseq(2) is the host kernel's (the same struct on
    // i386).
    let ignored = |present: bool, n: usize| std::iter::repeat_n((AT_IGNORE, 0), if present { n } else { 0 });
    const AT_MINSIGSTKSZ: libc::c_ulong = 51;
    const AT_RSEQ_FEATURE_SIZE: libc::c_ulong = 27;
    let head = ignored(host(libc::AT_SYSINFO_EHDR) != 0, 2).chain(ignored(host(AT_MINSIGSTKSZ) != 0, 1));
    const AT_RSEQ_ALIGN: libc::c_ulong = 28;
    let tail = [(AT_RSEQ_FEATURE_SIZE, host(AT_RSEQ_FEATURE_SIZE)), (AT_RSEQ_ALIGN, host(AT_RSEQ_ALIGN))]
        .into_iter()
        .filter(|_| host(AT_RSEQ_FEATURE_SIZE) != 0)
        .map(|(k, v)| (k as u32, v));
    let own: [(u32, u32); 18] = [
        (AT_HWCAP, host(libc::AT_HWCAP)),
        (AT_PAGESZ, 4096),
        (AT_CLKTCK, 100),
        (AT_PHDR, image.phdr),
        (AT_PHENT, 32),
        (AT_PHNUM, image.phnum),
        (AT_BASE, image.base),
        (AT_FLAGS, 0),
        (AT_ENTRY, image.entry),
        (AT_UID, rustix::process::getuid().as_raw()),
        (AT_EUID, rustix::process::geteuid().as_raw()),
        (AT_GID, rustix::process::getgid().as_raw()),
        (AT_EGID, rustix::process::getegid().as_raw()),
        (AT_SECURE, host(libc::AT_SECURE)),
        (AT_RANDOM, random),
        (AT_HWCAP2, host(libc::AT_HWCAP2)),
        (AT_EXECFN, execfn),
        (AT_PLATFORM, platform),
    ];
    let auxv: Vec<(u32, u32)> = head.chain(own).chain(tail).chain([(AT_NULL, 0)]).collect();
    let words = 1 + argv.len() + 1 + envp.len() + 1 + auxv.len() * 2;
    let sp = p.sp.checked_sub((words * 4) as u32).ok_or(Errno::TOOBIG)? & !15;
    let mut table: Vec<u32> = Vec::with_capacity(words);
    table.push(argv.len() as u32);
    table.extend(&argv);
    table.push(0);
    table.extend(&envp);
    table.push(0);
    for (k, v) in auxv {
        table.extend([k, v]);
    }
    let bytes: Vec<u8> = table.iter().flat_map(|w| w.to_le_bytes()).collect();
    p.mem.write(sp, &bytes).map_err(|_| Errno::TOOBIG)?;
    Ok(sp)
}
