//! Raw Unicorn calls that the unicorn-engine crate's safe API lacks, part of the CPU layer
//! (cpu.rs): registers wider than 64 bits, several registers in one call, engine patch 0013's
//! pseudo-register, the saved CPU context, and the stop the host signal handler makes. Each
//! wrapper takes the engine by reference (a live handle) and hands Unicorn buffers larger than
//! what it writes, so it is sound whatever its arguments.

use unicorn_engine::{uc_error, ControlType, RegisterX86, Unicorn};

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

/// The general registers of the CPU whose interrupt hook is running, where the engine keeps them
/// (`UC_CTL_EMU386_GPRS`, patch 0036), valid for that one call of the hook. For the syscall path:
/// reading a call's seven registers through Unicorn's register API cost about 30 ns, a tenth of a
/// getppid() round trip; these are plain loads.
pub struct Gprs<'call> {
    at: std::ptr::NonNull<u64>,
    _call: std::marker::PhantomData<&'call mut u64>,
}

impl Gprs<'_> {
    /// Register `n` (0 = EAX … 7 = EDI, as instructions number them), its low 32 bits.
    pub fn get(&self, n: usize) -> u32 {
        // SAFETY: the engine's array of 8 registers (n is masked into it); see intr_hook_with_gprs.
        unsafe { self.at.as_ptr().add(n & 7).read() as u32 }
    }

    /// Set the low 32 bits of register `n`, keeping the upper ones (as Unicorn's 32-bit register
    /// write does).
    pub fn set(&mut self, n: usize, v: u32) {
        // SAFETY: as in `get`.
        unsafe {
            let at = self.at.as_ptr().add(n & 7);
            at.write((at.read() & !0xffff_ffff) | u64::from(v));
        }
    }
}

/// `cpu.add_intr_hook(hook)`, the hook also given the CPU's general registers ([`Gprs`]; `None`
/// for an engine without the control).
pub fn intr_hook_with_gprs<F>(cpu: &mut Unicorn<'static, ()>, mut hook: F) -> Result<unicorn_engine::UcHookId, uc_error>
where
    F: for<'c> FnMut(&mut Unicorn<'_, ()>, u32, Option<&mut Gprs<'c>>) + 'static,
{
    let mut at: *mut u64 = std::ptr::null_mut();
    let op = ControlType(ControlType::EMU386_GPRS.0 | ControlType::IO_READ.0);
    // SAFETY: a valid handle; the control writes one pointer through the pointer it gets.
    let err = unsafe { unicorn_engine::uc_ctl(cpu.get_handle(), op, &mut at as *mut *mut u64) };
    let at = std::ptr::NonNull::new(at).filter(|_| err == uc_error::OK);
    // The address stays inside the hook, which the engine owns and calls only while it lives,
    // with its CPU state current (in the block's helper call, or between blocks); each call's
    // `Gprs` cannot outlive the call.
    cpu.add_intr_hook(move |uc, vector| {
        let mut gprs = at.map(|at| Gprs { at, _call: std::marker::PhantomData });
        hook(uc, vector, gprs.as_mut())
    })
}

/// Several 32-bit registers in one call into Unicorn; `None` when Unicorn fails, or when one of
/// them is wider than 4 bytes in the CPU's mode (Unicorn then refuses it: UC_ERR_OVERFLOW).
/// For the syscall path when the engine gives no [`Gprs`]: each value is a 4-byte store that a 4-byte load
/// reads back straight from the store buffer (widening Unicorn's 4-byte stores into 8-byte slots
/// made the vectorised narrowing wait for the stores to retire, a few ns a syscall).
pub fn read_regs32<const N: usize>(cpu: &Unicorn<'_, ()>, regs: [RegisterX86; N]) -> Option<[u32; N]> {
    extern "C" {
        /// uc.c: uc_reg_read_batch with each value's size in `sizes` (in: the buffer's, out: the
        /// register's); a register larger than its buffer is UC_ERR_OVERFLOW (CHECK_REG_TYPE).
        fn uc_reg_read_batch2(
            uc: *mut unicorn_engine::uc_engine,
            regs: *const i32,
            vals: *const *mut std::ffi::c_void,
            sizes: *mut usize,
            count: i32,
        ) -> uc_error;
    }
    let ids = regs.map(|r| r as i32);
    let mut values = [0u32; N];
    let slots = values.each_mut().map(|v| (v as *mut u32).cast::<std::ffi::c_void>());
    let mut sizes = [std::mem::size_of::<u32>(); N];
    let count = i32::try_from(N).ok()?;
    // SAFETY: a valid handle; N register ids, N pointers to 4-byte values and N sizes of 4: Unicorn
    // writes at most `sizes[i]` bytes to `slots[i]` and refuses a wider register.
    let err = unsafe { uc_reg_read_batch2(cpu.get_handle(), ids.as_ptr(), slots.as_ptr(), sizes.as_mut_ptr(), count) };
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
