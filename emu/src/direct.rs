//! Direct guest addressing (engine patch 0021): translated code reads and writes guest address
//! `a` at host `base + a`, one host instruction, as qemu-user does, instead of probing the
//! engine's soft TLB before every access.
//!
//! What that asks of emu386, and where it is done:
//! - guest page permissions are host page protections (emu/src/mem.rs keeps them in step with the
//!   permission table in `map`, `protect` and `unmap`);
//! - a host SIGSEGV or SIGBUS at a guest address becomes the guest's fault at the exact guest
//!   instruction: [`on_fault`] hands it to the engine (`uc_emu386_host_fault`), which restores the
//!   guest state from the host pc and asks the TLB-fill hooks about the access, exactly as the soft
//!   MMU's slow path would have; their refusal stops the run as before, so signal.rs's
//!   `memory_fault` makes the same si_code, si_addr and error code;
//! - self-modifying code: the engine reports each page that receives translated code
//!   ([`code_page`]) and it is write-protected on the host; a write there, from translated code,
//!   an engine helper or the emulator, unprotects the page, logs its code as stale for every
//!   thread's engine and drops this engine's blocks there at once (`uc_emu386_code_written`,
//!   precise: a block that modifies itself stops before the store);
//! - faults outside translated code at other addresses are not the guest's: they go to the
//!   guest's host disposition (syscalls::hostcall::sighandler), and an emulator fault still kills.
//!
//! Left out, in either mode: translated code on a shared page whose bytes change without a store
//! through that page (through another mapping of the same object, such as a JIT's writable alias
//! of its executable memfd mapping, by write(2) to the file, or by another process) is not
//! dropped, and runs as it was. The engine's soft MMU checks no SSE alignment (movaps at a
//! misaligned address is no #GP), in either mode. (Execution running off a page into one that
//! cannot be fetched is exact in both: engine patch 0031 ends a block before an instruction that
//! may reach such a page, so the instructions before the edge run and the fetch fault is that
//! instruction's own; fixture `cpu_fetch_edge`.)
//!
//! On by default; off under the gdb stub (its breakpoints and single steps need the soft MMU's
//! exit checks, and memory hooks do not see direct accesses) and with `EMU386_DIRECT=0`, where
//! the engine's soft TLB and the fill hook (emu/src/cpu.rs) check every access as before.

use crate::mem::{self, GUARD, SPACE};
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use syscalls::mem::PAGE_SIZE;
use unicorn_engine::{uc_ctl, uc_engine, uc_error, ControlType};

extern "C" {
    /// Engine patch 0021: a host fault at `host_pc` on guest address `addr`; does not return when
    /// it is the guest's fault (siglongjmp to the CPU loop). 0: `host_pc` is not translated code;
    /// 1: the TLB-fill hooks granted the access.
    fn uc_emu386_host_fault(uc: *mut uc_engine, host_pc: usize, addr: u64, is_write: c_int) -> c_int;
    /// Engine patch 0021: drop the translated code of the page at `host_page`; does not return
    /// when `host_pc` is in a block the write modifies (the store then runs again alone).
    fn uc_emu386_code_written(uc: *mut uc_engine, host_pc: usize, host_page: *mut c_void) -> c_int;
}

thread_local! {
    /// The engine of the guest thread this host thread runs (null: none yet).
    static ENGINE: Cell<*mut uc_engine> = const { Cell::new(std::ptr::null_mut()) };
}

/// Whether to address guest memory directly: unless `EMU386_DIRECT=0` or the gdb stub.
pub fn wanted(gdb: bool) -> bool {
    !gdb && std::env::var_os("EMU386_DIRECT").is_none_or(|v| v != "0")
}

/// Let the host fault handler see SIGSEGV and SIGBUS first; once per process, before the guest runs.
pub fn install() {
    syscalls::hostcall::sighandler::set_fault_filter(on_fault);
}

/// Put a new engine in direct mode over the reservation at `base` (null: soft MMU), and have it
/// report pages with translated code in either mode: before its first mapping (the engine
/// generates its prologue, which loads the base register, when it initialises).
pub fn enable(uc: *mut uc_engine, base: *mut u8) -> Result<(), uc_error> {
    let op = ControlType(ControlType::EMU386_DIRECT_BASE.0 | ControlType::IO_WRITE.0);
    let callback: extern "C" fn(*mut c_void, *mut c_void, c_int) = code_page;
    // SAFETY: a valid handle; the control takes a uint64_t base, a callback with this signature
    // and its opaque pointer (unused), and must precede the first map.
    Result::from(unsafe { uc_ctl(uc, op, base as u64, callback, std::ptr::null_mut::<c_void>()) })
}

/// The engine this host thread runs, for the fault handler.
pub fn set_engine(uc: *mut uc_engine) {
    ENGINE.set(uc);
}

/// The engine translated code on the page at `host_page` (`written` 0), or saw a guest store hit
/// code there through its soft MMU (`written` 1).
extern "C" fn code_page(_opaque: *mut c_void, host_page: *mut c_void, written: c_int) {
    if written == 0 {
        mem::protect_code(host_page as usize);
    } else {
        mem::code_stored(host_page as usize);
    }
}

/// The host's SIGSEGV and SIGBUS, before the guest's disposition: true when handled here.
///
/// # Safety
/// Called only as a signal handler's first step, with the kernel's `info` and `ctx`.
unsafe extern "C" fn on_fault(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) -> bool {
    // SAFETY: the kernel's siginfo for SIGSEGV/SIGBUS; si_addr is the faulting address.
    let (code, addr) = unsafe { ((*info).si_code, (*info).si_addr() as usize) };
    let base = mem::host_base();
    // Sent signals (si_code <= 0) and faults elsewhere are not ours.
    if code <= 0 || base == 0 || addr < base || addr - base >= SPACE + GUARD {
        return false;
    }
    let offset = addr - base;
    // SAFETY: an SA_SIGINFO handler's third argument is the interrupted context.
    let uc = unsafe { &mut *ctx.cast::<libc::ucontext_t>() };
    let pc = uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize;
    // The page-fault error code's W bit: the access was a store.
    let write = uc.uc_mcontext.gregs[libc::REG_ERR as usize] & 2 != 0;
    let engine = ENGINE.get();
    let page = PAGE_SIZE as usize;
    if sig == libc::SIGSEGV && write && offset < SPACE && mem::unprotect_code(offset / page) {
        if !engine.is_null() {
            restore_mask(uc);
            // SAFETY: this thread's engine, inside its run when `pc` is translated code (it then
            // may siglongjmp to the CPU loop, over this handler only, with the mask restored).
            unsafe { uc_emu386_code_written(engine, pc, (base + (offset & !(page - 1))) as *mut c_void) };
        }
        return true;
    }
    if engine.is_null() {
        return false;
    }
    // Past 4 GiB (an access that ran off the guest's last page, never mapped): that page.
    let guest = if offset < SPACE { offset as u64 } else { SPACE as u64 - 1 };
    restore_mask(uc);
    // SAFETY: as above; the engine first checks that `pc` is in translated code.
    unsafe { uc_emu386_host_fault(engine, pc, guest, c_int::from(write)) };
    // Back here (0: not translated code; 1: the hooks granted the access, a host protection out
    // of step with the table, a bug): not the guest's, and the caller's default is to die of it.
    block_all();
    false
}

/// Unblock what the interrupted code had unblocked: the engine may leave this handler by
/// siglongjmp, which keeps the handler's mask.
fn restore_mask(uc: &libc::ucontext_t) {
    // SAFETY: a valid signal set from the kernel's context.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &uc.uc_sigmask, std::ptr::null_mut()) };
}

/// Block every signal again, as during the rest of the handler.
fn block_all() {
    // SAFETY: a local, filled signal set.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, std::ptr::null_mut());
    }
}
