//! Host system calls made as a 32-bit task makes them: `int $0x80` from the 64-bit emulator
//! enters the host kernel's compat entry (`in_compat_syscall()` is true), so everything the
//! kernel decides differently for a 32-bit caller (O_LARGEFILE, ext4's 32-bit directory hashes,
//! `struct linux_dirent`) comes out as for a native i386 task. Pointers must be below 4 GiB:
//! arguments are staged in a per-thread buffer placed there.

use crate::abi::nr;
use crate::{Errno, SysResult};
use std::cell::Cell;
use std::sync::OnceLock;

/// Size of each thread's buffer below 4 GiB.
pub const BOUNCE_LEN: usize = 64 * 1024;

thread_local! {
    static BOUNCE: Cell<u32> = const { Cell::new(0) };
}

/// This thread's buffer of [`BOUNCE_LEN`] bytes below 4 GiB, as a 32-bit address.
pub fn bounce() -> Result<u32, Errno> {
    BOUNCE.with(|b| {
        if b.get() == 0 {
            // SAFETY: a fresh anonymous mapping; MAP_32BIT places it below 2 GiB.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    BOUNCE_LEN,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_32BIT,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return Err(Errno::NOMEM);
            }
            b.set(u32::try_from(p as usize).map_err(|_| Errno::NOMEM)?);
        }
        Ok(b.get())
    })
}

/// Put a NUL-terminated path argument in the bounce buffer for a 32-bit call: its address, or 0
/// (EFAULT, as NULL is for every call that goes through here) for `None` (reading it faulted).
fn stage(path: Option<&[u8]>) -> Result<u32, Errno> {
    let Some(bytes) = path else { return Ok(0) };
    if bytes.len() > BOUNCE_LEN || bytes.last() != Some(&0) {
        return Err(Errno::NAMETOOLONG);
    }
    let at = bounce()?;
    // SAFETY: the bounce buffer is BOUNCE_LEN bytes, more than PATH_MAX + 1, and only this
    // thread uses it.
    unsafe { std::slice::from_raw_parts_mut(at as usize as *mut u8, bytes.len()) }.copy_from_slice(bytes);
    Ok(at)
}

/// i386 open(2), openat(2) or creat(2) (`call`) with `args`, the path (NUL-terminated, `None`:
/// it faulted) staged below 4 GiB in place of argument `path_at`: the fd, or the errno.
pub fn open(call: u32, mut args: [u32; 4], path: Option<&[u8]>) -> SysResult {
    let at = match call {
        nr::open | nr::creat => 0,
        nr::openat => 1,
        _ => return Err(Errno::NOSYS.into()),
    };
    args[at] = stage(path)?;
    // SAFETY: the path argument is null or the staged NUL-terminated string; these calls have no
    // other pointer arguments.
    result(unsafe { int80(call, args[0], args[1], args[2], args[3]) })
}

/// i386 getdents(2) or getdents64(2) (`call`) of up to `len` bytes (at most [`BOUNCE_LEN`]) into
/// the bounce buffer, or into NULL when `to_null` (the guest's buffer is not writable: EBADF and
/// EINVAL still come first): the bytes the host wrote.
pub fn getdents(call: u32, fd: u32, len: usize, to_null: bool) -> Result<Vec<u8>, crate::SysError> {
    if !matches!(call, nr::getdents | nr::getdents64) {
        return Err(Errno::NOSYS.into());
    }
    let len = len.min(BOUNCE_LEN);
    let bounce = bounce()?;
    let ptr = if to_null { 0 } else { bounce };
    // SAFETY: `ptr` is null or this thread's bounce buffer, which holds `len` bytes.
    let n = result(unsafe { int80(call, fd, ptr, len as u32, 0) })? as usize;
    if to_null {
        return Ok(Vec::new());
    }
    // SAFETY: the host wrote `n <= len` bytes into the bounce buffer, which only this thread uses.
    Ok(unsafe { std::slice::from_raw_parts(bounce as usize as *const u8, n.min(len)) }.to_vec())
}

/// The argument of a compat ioctl: NULL, an address the host can neither read nor write (in
/// page 0, never mapped), or a copy of the i386 struct.
pub enum IoctlArg<'a> {
    Null,
    Refused,
    Buf(&'a mut [u8]),
}

/// i386 ioctl(2) through the host's compat entry: a [`IoctlArg::Buf`] is copied below 4 GiB
/// for the call and back after it (at most [`BOUNCE_LEN`] bytes, EINVAL beyond).
pub fn ioctl(fd: i32, req: u32, arg: IoctlArg) -> SysResult {
    const IOCTL: u32 = 54;
    let host_arg = match &arg {
        IoctlArg::Null => 0,
        IoctlArg::Refused => 8,
        IoctlArg::Buf(buf) if buf.len() > BOUNCE_LEN => return Err(Errno::INVAL.into()),
        IoctlArg::Buf(buf) => {
            let at = bounce()?;
            // SAFETY: this thread's bounce buffer, BOUNCE_LEN bytes, more than `buf`.
            unsafe { std::slice::from_raw_parts_mut(at as usize as *mut u8, buf.len()) }.copy_from_slice(buf);
            at
        }
    };
    // SAFETY: the argument is NULL, refused by the host, or the bounce buffer, BOUNCE_LEN bytes:
    // more than any ioctl's struct (_IOC_SIZE is 14 bits).
    let r = result(unsafe { int80(IOCTL, fd as u32, req, host_arg, 0) });
    if let IoctlArg::Buf(buf) = arg {
        // SAFETY: as above; the host is done with it.
        buf.copy_from_slice(unsafe { std::slice::from_raw_parts(host_arg as usize as *const u8, buf.len()) });
    }
    r
}

/// The value of `%eax` after a 32-bit call: a result or `-errno`.
pub fn result(eax: i32) -> SysResult {
    u32::try_from(eax).map_err(|_| Errno::from_raw_os_error(eax.wrapping_neg()).into())
}

/// Make i386 syscall `nr` through `int $0x80`: the host kernel runs its compat entry
/// (`in_compat_syscall()` is true), exactly what a native 32-bit task gets.
///
/// # Safety
/// Pointer arguments must be null or valid (below 4 GiB) for what the call does with them.
pub unsafe fn int80(nr: u32, b: u32, c: u32, d: u32, si: u32) -> i32 {
    let ret: u32;
    // SAFETY: rbx is saved and restored around the call (LLVM reserves it); int $0x80 from a
    // 64-bit task preserves every other register except the ones declared clobbered.
    unsafe {
        core::arch::asm!(
            "mov {save}, rbx",
            "mov ebx, {b:e}",
            "int 0x80",
            "mov rbx, {save}",
            save = out(reg) _,
            b = in(reg) b,
            inlateout("eax") nr => ret,
            in("ecx") c,
            in("edx") d,
            in("esi") si,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
        );
    }
    ret as i32
}

/// Whether this host runs `int $0x80` for a 64-bit task (CONFIG_IA32_EMULATION, not turned off
/// with `ia32_emulation=false`). Probed once with getpid under a temporary SIGSEGV handler that
/// steps over the instruction when there is no gate; callers fall back to 64-bit host calls.
pub fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(probe)
}

extern "C" fn skip_int80(_: libc::c_int, _: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    // SAFETY: the kernel hands an SA_SIGINFO handler a valid ucontext_t.
    let uc = unsafe { &mut *uc.cast::<libc::ucontext_t>() };
    // `int $0x80` is two bytes (cd 80); answer ENOSYS.
    uc.uc_mcontext.gregs[libc::REG_RIP as usize] += 2;
    uc.uc_mcontext.gregs[libc::REG_RAX as usize] = -i64::from(libc::ENOSYS);
}

fn probe() -> bool {
    // SAFETY: plain-integer C structs; the handler only edits the interrupted context, and the
    // previous action is put back before anything else can fault.
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = skip_int80 as *const () as usize;
        new.sa_flags = libc::SA_SIGINFO;
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGSEGV, &new, &mut old) != 0 {
            return false;
        }
        let pid = int80(20, 0, 0, 0, 0); // i386 getpid
        libc::sigaction(libc::SIGSEGV, &old, std::ptr::null_mut());
        let ok = pid == libc::getpid();
        if !ok {
            log::warn!("int $0x80 is not available: open(2) and getdents(2) use 64-bit host calls");
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int80_reaches_the_compat_entry_when_the_host_has_one() {
        if !available() {
            return;
        }
        // SAFETY: i386 getppid (64) takes no arguments.
        assert_eq!(unsafe { int80(64, 0, 0, 0, 0) }, unsafe { libc::getppid() });
        assert_eq!(result(-2), Err(Errno::NOENT.into()));
    }

    #[test]
    fn a_missing_gate_is_stepped_over_with_enosys() {
        // `int $0x81` has no user gate on Linux: the same #GP a missing 0x80 gate gives.
        // The probe swaps the SIGSEGV action too: done first (once for the process), it cannot
        // run in another test's thread between the two sigaction calls below and put back the
        // test harness's handler while `int $0x81` runs (which then killed the test binary).
        let _ = available();
        // SAFETY: as in probe(); the faulting instruction is two bytes like `int $0x80`.
        let ret: i64 = unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = skip_int80 as *const () as usize;
            new.sa_flags = libc::SA_SIGINFO;
            let mut old: libc::sigaction = std::mem::zeroed();
            assert_eq!(libc::sigaction(libc::SIGSEGV, &new, &mut old), 0);
            let ret: i64;
            core::arch::asm!("int 0x81", inlateout("rax") 20i64 => ret);
            libc::sigaction(libc::SIGSEGV, &old, std::ptr::null_mut());
            ret
        };
        assert_eq!(ret, -i64::from(libc::ENOSYS));
    }
}
