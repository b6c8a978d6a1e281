//! Raw Unicorn calls that the unicorn-engine crate's safe API lacks, part of the CPU layer
//! (cpu.rs): registers wider than 64 bits, several registers in one call, engine patch 0013's
//! pseudo-register, the saved CPU context, and the stop the host signal handler makes. Each
//! wrapper takes the engine by reference (a live handle) and hands Unicorn buffers larger than
//! what it writes, so it is sound whatever its arguments.

use unicorn_engine::{uc_error, RegisterX86, Unicorn};

/// Have the host signal handler stop `cpu` at the next block.
pub fn install_stopper(cpu: &Unicorn<'_, ()>) {
    extern "C" fn stop(uc: *mut libc::c_void) {
        // SAFETY: the handle registered below, alive for the process; uc_emu_stop only sets flags.
        unsafe { unicorn_engine::uc_emu_stop(uc.cast()) };
    }
    syscalls::hostcall::sighandler::set_stopper(stop, cpu.get_handle().cast());
}

/// A register of up to 16 bytes (x87 and SSE), in its first bytes; zeros where Unicorn fails.
pub fn read_wide(cpu: &Unicorn<'_, ()>, r: RegisterX86) -> [u8; 16] {
    let mut buf = [0u8; 64];
    // SAFETY: a valid handle; 64 bytes is more than any of these registers.
    unsafe { unicorn_engine::uc_reg_read(cpu.get_handle(), r as i32, buf.as_mut_ptr().cast()) };
    let mut out = [0u8; 16];
    out.copy_from_slice(&buf[..16]);
    out
}

/// Write a register of up to 16 bytes from `v` (at most its first 16 bytes, the rest 0).
pub fn write_wide(cpu: &mut Unicorn<'_, ()>, r: RegisterX86, v: &[u8]) {
    let mut buf = [0u8; 64];
    let n = v.len().min(16);
    buf[..n].copy_from_slice(&v[..n]);
    // SAFETY: a valid handle; the buffer is larger than the register.
    unsafe { unicorn_engine::uc_reg_write(cpu.get_handle(), r as i32, buf.as_ptr().cast()) };
}

/// A pseudo-register the patched engine defines (one uint64_t), or `None` when the engine does
/// not know it.
pub fn read_pseudo(cpu: &Unicorn<'_, ()>, id: i32) -> Option<u64> {
    let mut value = 0u64;
    // SAFETY: a valid handle; the pseudo-register is one uint64_t, written to `value`.
    let err = unsafe { unicorn_engine::uc_reg_read(cpu.get_handle(), id, (&mut value as *mut u64).cast()) };
    (err == uc_error::OK).then_some(value)
}

/// Several registers in one call into Unicorn, each zero-extended to 64 bits; `None` when
/// Unicorn fails.
pub fn read_regs<const N: usize>(cpu: &Unicorn<'_, ()>, regs: [RegisterX86; N]) -> Option<[u64; N]> {
    let ids = regs.map(|r| r as i32);
    let mut values = [0u64; N];
    let mut slots = values.each_mut().map(|v| (v as *mut u64).cast::<std::ffi::c_void>());
    let count = i32::try_from(N).ok()?;
    // SAFETY: a valid handle; N register ids and N pointers to 8-byte values, more than the
    // 4 bytes Unicorn writes for a 32-bit register (the rest stays 0).
    let err = unsafe { unicorn_engine::uc_reg_read_batch(cpu.get_handle(), ids.as_ptr(), slots.as_mut_ptr(), count) };
    (err == uc_error::OK).then_some(values)
}

/// Save the CPU context, let `edit` change its saved bytes, and load it back if `edit` says so.
/// `struct uc_context` (uc_priv.h of the pinned engine) has the saved bytes at offset 40 and
/// their length in its first word.
pub fn edit_saved_context(cpu: &mut Unicorn<'_, ()>, edit: impl FnOnce(&mut [u8]) -> bool) {
    let handle = cpu.get_handle();
    let mut ctx: *mut unicorn_engine::uc_context = std::ptr::null_mut();
    // SAFETY: a valid handle; `ctx` is allocated by Unicorn, holds `size` saved bytes at offset
    // 40 (see above) while it lives, and is freed below, after the slice's last use.
    unsafe {
        if unicorn_engine::uc_context_alloc(handle, &mut ctx) == uc_error::OK
            && unicorn_engine::uc_context_save(handle, ctx) == uc_error::OK
        {
            let size = ctx.cast::<usize>().read();
            let data = std::slice::from_raw_parts_mut(ctx.cast::<u8>().add(40), size);
            if edit(data) {
                unicorn_engine::uc_context_restore(handle, ctx);
            }
        }
        if !ctx.is_null() {
            unicorn_engine::uc_context_free(ctx);
        }
    }
}
