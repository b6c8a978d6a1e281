//! Calls that act on the kernel itself: init_module(2), finit_module(2), delete_module(2) and
//! kexec_load(2) are the host's (it decides: ENOSYS where it is built without CONFIG_MODULES or
//! CONFIG_KEXEC, EPERM without CAP_SYS_MODULE or CAP_SYS_BOOT, then its own checks in its own
//! order), with the guest's memory handed over in place and kexec's i386 segment list converted
//! as compat_sys_kexec_load() converts it.
//!
//! uselib(2), ioperm(2) and iopl(2) are never forwarded: uselib maps a library into the calling
//! process at the library's own addresses (the host process, not the guest), and ioperm/iopl
//! would give the emulator's host thread port access while the guest's `in`/`out` run in the
//! engine. The host is asked once whether it implements them ([`hostcall::kernel::implemented`]):
//! where it does not (CONFIG_USELIB, CONFIG_X86_IOPL_IOPERM off), they are ENOSYS as natively;
//! where it does, each handler says what it answers and where that differs from the kernel.

use super::fs::{path, Follow};
use super::hostarg::{fd, int, uint, HostStr};
use crate::abi::nr;
use crate::entry;
use crate::hostcall;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::kernel::{KexecSegment, Segments};
use crate::hostcall::strings::HostPath;
use crate::mem::{GuestMemory, GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use std::ffi::CString;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::uselib, uselib, [Str]),
    entry!(nr::ioperm, ioperm, [Hex, Uint, Int]),
    entry!(nr::iopl, iopl, [Uint]),
    entry!(nr::init_module, init_module, [Ptr, Uint, Str]),
    entry!(nr::delete_module, delete_module, [Str, Hex]),
    entry!(nr::finit_module, finit_module, [Fd, Str, Hex]),
    entry!(nr::kexec_load, kexec_load, [Hex, Uint, Ptr, Hex]),
];

/// `[addr, addr+len)` read in place (see [`InPlace::new`]).
fn guest_in(mem: &dyn GuestMemory, addr: u32, len: usize) -> InPlace {
    InPlace::new(mem, addr, len, Prot::READ)
}

/// A string the host reads in place with no limit of its own (strndup_user(uargs, ~0UL >> 1)):
/// up to and with its NUL, or refused when a byte before the NUL is unreadable.
fn guest_str(mem: &dyn GuestMemory, addr: u32) -> InPlace {
    const CHUNK: usize = 1 << 16;
    if addr == 0 {
        return InPlace::Null;
    }
    let mut len = 0usize;
    loop {
        let Some(at) = u32::try_from(len).ok().and_then(|n| addr.checked_add(n)) else {
            return InPlace::Refused;
        };
        let run = mem.readable_prefix(at, CHUNK);
        if let Some(n) = run.iter().position(|&b| b == 0) {
            return guest_in(mem, addr, len + n + 1);
        }
        if run.len() < CHUNK {
            return InPlace::Refused;
        }
        len += CHUNK;
    }
}

/// Implements init_module(2): the host's sys_init_module() (may_init_module(), then the image
/// copied from user memory: ENOEXEC below an ELF header, EFAULT, then load_module(), which reads
/// the parameter string last); the image and the string are read in place.
fn init_module(ctx: &mut Ctx, a: &Args) -> SysResult {
    let image = guest_in(ctx.mem, a[0], a[1] as usize);
    let params = guest_str(ctx.mem, a[2]);
    Ok(hostcall::kernel::init_module(image, a[1], params)? as u32)
}

/// Implements finit_module(2): the host's, on the guest's fd, with the parameter string in place.
fn finit_module(ctx: &mut Ctx, a: &Args) -> SysResult {
    let params = guest_str(ctx.mem, a[1]);
    Ok(hostcall::kernel::finit_module(fd(a[0]) as i32, params, int(a[2]) as i32)? as u32)
}

/// The longest module name delete_module(2) copies: MODULE_NAME_LEN - 1, where MODULE_NAME_LEN
/// is 64 - sizeof(unsigned long) on the 64-bit host.
const MODULE_NAME_MAX: usize = 55;

/// Implements delete_module(2): the host's (CAP_SYS_MODULE first, then the name), with the name
/// copied as strncpy_from_user(name, user, MODULE_NAME_LEN - 1) copies it: a longer one is cut,
/// and only a fault before the NUL or the cut is EFAULT.
fn delete_module(ctx: &mut Ctx, a: &Args) -> SysResult {
    let run = ctx.mem.readable_prefix(a[0], MODULE_NAME_MAX);
    let name = match run.iter().position(|&b| b == 0) {
        Some(n) => CString::new(&run[..n]).map_or(HostStr::Fault, HostStr::Str),
        None if run.len() == MODULE_NAME_MAX => CString::new(run).map_or(HostStr::Fault, HostStr::Str),
        None => HostStr::Fault,
    };
    Ok(hostcall::kernel::delete_module(&name, a[1])? as u32)
}

/// KEXEC_ARCH_MASK, KEXEC_ARCH_DEFAULT and the host's own KEXEC_ARCH_X86_64 (linux/kexec.h).
const KEXEC_ARCH_MASK: u32 = 0xffff_0000;
const KEXEC_ARCH_DEFAULT: u32 = 0;
const KEXEC_ARCH_X86_64: u32 = 62 << 16;
/// An architecture no kernel has, which the host's sys_kexec_load() refuses (EINVAL) right after
/// kexec_load_check().
const KEXEC_ARCH_NONE: u32 = 0xffff << 16;
/// KEXEC_SEGMENT_MAX.
const KEXEC_SEGMENT_MAX: u32 = 16;

/// `struct compat_kexec_segment` (include/linux/kexec.h): buf, bufsz, mem, memsz, 32 bits each.
const COMPAT_SEGMENT: usize = 16;

/// Implements kexec_load(2) as compat_sys_kexec_load() does (kernel/kexec.c): kexec_load_check()
/// (EPERM without CAP_SYS_BOOT, then the flags apart from the architecture, then at most
/// KEXEC_SEGMENT_MAX segments), EINVAL for KEXEC_ARCH_DEFAULT, then the i386 segments copied
/// (EFAULT) and converted (buffers as host addresses of guest memory), then do_kexec_load().
///
/// The host's own entry point makes the same checks and then wants its own architecture, so the
/// host is given the guest's flags with the architecture replaced: for KEXEC_ARCH_DEFAULT one no
/// kernel has (the host answers kexec_load_check()'s errors, then EINVAL, as the compat entry
/// does), for any other the host's (the compat entry accepts every non-default one).
fn kexec_load(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (entry, count, list, flags) = (a[0], a[1], a[2], a[3]);
    let arch = if flags & KEXEC_ARCH_MASK == KEXEC_ARCH_DEFAULT { KEXEC_ARCH_NONE } else { KEXEC_ARCH_X86_64 };
    let host_flags = libc::c_ulong::from((flags & !KEXEC_ARCH_MASK) | arch);
    if arch == KEXEC_ARCH_NONE || count > KEXEC_SEGMENT_MAX {
        return Ok(hostcall::kernel::kexec_load(entry, Segments::Refused(count), host_flags)? as u32);
    }
    let mut raw = vec![0u8; count as usize * COMPAT_SEGMENT];
    if ctx.mem.read(list, &mut raw).is_err() {
        return Ok(hostcall::kernel::kexec_load(entry, Segments::Refused(count), host_flags)? as u32);
    }
    let word = |s: &[u8], i: usize| u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]]);
    let segments: Vec<KexecSegment> = raw
        .chunks_exact(COMPAT_SEGMENT)
        .map(|s| {
            let (buf, bufsz, mem, memsz) = (word(s, 0), word(s, 4), word(s, 8), word(s, 12));
            KexecSegment::new(guest_in(ctx.mem, buf, bufsz as usize), bufsz, mem, memsz)
        })
        .collect();
    Ok(hostcall::kernel::kexec_load(entry, Segments::Local(&segments), host_flags)? as u32)
}

/// Implements uselib(2) where the host has it (elsewhere ENOSYS, as natively): the file is
/// checked as do_open_execat() checks it (getname()'s EFAULT, ENOENT and ENAMETOOLONG, then the
/// open's errors, EACCES for anything but a regular file, a file without execute permission or
/// on a noexec mount), and then the answer is ENOEXEC, what the kernel answers when no binary
/// format's load_shlib() takes the file. Where emu386 differs: an ELF library with exactly one
/// PT_LOAD, which load_elf_library() would map into the caller (here that would be the host
/// process), is ENOEXEC too.
fn uselib(ctx: &mut Ctx, a: &Args) -> SysResult {
    if !hostcall::kernel::implemented().uselib {
        return Err(Errno::NOSYS.into());
    }
    let name = match path(ctx, a[0], Follow::Yes) {
        HostPath::Path(p) if p.as_bytes().is_empty() => return Err(Errno::NOENT.into()),
        HostPath::Path(p) => p,
        HostPath::TooLong => return Err(Errno::NAMETOOLONG.into()),
        HostPath::Null | HostPath::Fault => return Err(Errno::FAULT.into()),
    };
    let file = rustix::fs::open(
        name.as_c_str(),
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    let stat = rustix::fs::fstat(&file)?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
        return Err(Errno::ACCESS.into());
    }
    rustix::fs::accessat(rustix::fs::CWD, name.as_c_str(), rustix::fs::Access::EXEC_OK, rustix::fs::AtFlags::EACCESS)
        .map_err(|_| Errno::ACCESS)?;
    if rustix::fs::fstatvfs(&file)?.f_flag.contains(rustix::fs::StatVfsMountFlags::NOEXEC) {
        return Err(Errno::ACCESS.into());
    }
    Err(Errno::NOEXEC.into())
}

/// IO_BITMAP_BITS: the ports ioperm(2) covers.
const IO_BITMAP_BITS: u32 = 65536;

/// Implements ioperm(2) where the host has it (elsewhere ENOSYS, as natively), as ksys_ioperm()
/// checks: EINVAL for an empty range or one past IO_BITMAP_BITS, then turning ports off is 0 (the
/// guest never has any on). Where emu386 differs: turning ports on is EPERM even with
/// CAP_SYS_RAWIO (what a kernel that refuses the capability or is locked down answers), as the
/// engine gives the guest's `in`/`out` no port access to turn on.
fn ioperm(_: &mut Ctx, a: &Args) -> SysResult {
    if !hostcall::kernel::implemented().ioperm {
        return Err(Errno::NOSYS.into());
    }
    let (from, num, turn_on) = (u64::from(a[0]), u64::from(a[1]), a[2]);
    if from + num <= from || from + num > u64::from(IO_BITMAP_BITS) {
        return Err(Errno::INVAL.into());
    }
    if turn_on != 0 {
        return Err(Errno::PERM.into());
    }
    Ok(0)
}

/// Implements iopl(2) where the host has it (elsewhere ENOSYS, as natively), as sys_iopl()
/// checks: EINVAL above 3, 0 for the current level (0, which the guest never leaves). Where
/// emu386 differs: a higher level is EPERM even with CAP_SYS_RAWIO, as ioperm's ports.
fn iopl(_: &mut Ctx, a: &Args) -> SysResult {
    if !hostcall::kernel::implemented().iopl {
        return Err(Errno::NOSYS.into());
    }
    match uint(a[0]) {
        4.. => Err(Errno::INVAL.into()),
        0 => Ok(0),
        _ => Err(Errno::PERM.into()),
    }
}
