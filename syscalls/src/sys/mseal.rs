//! mseal(2): sealing guest VMAs against changes (mm/mseal.c).
//!
//! The seal is a flag of emu386's VMA bookkeeping ([`vm::SEALED`]), checked where the kernel
//! checks `vma_is_sealed()`: munmap(2), MAP_FIXED over the range and an mremap(2) target answer
//! EPERM with nothing changed; an mremap(2) source EPERM after its lookup; mprotect(2) EPERM at
//! the first sealed VMA, after those before it changed; madvise(2) EPERM for a discarding advice
//! on a sealed read-only private anonymous VMA. The host mappings behind the guest's stay
//! unsealed, so the emulator can still replace or tear them down (execve, exit).

use crate::abi::nr;
use crate::entry;
use crate::mem::PAGE_SIZE;
use crate::row::{Arg::*, Args, Entry};
use crate::space::vm;
use crate::task::Ctx;
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[entry!(nr::mseal, mseal, [Ptr, Uint, Hex])];

/// Implements mseal(2) in do_mseal()'s order: flags (EINVAL), `start` page aligned (EINVAL),
/// the length rounded up to pages, an empty range 0, a range with an unmapped page ENOMEM with
/// nothing sealed, then every VMA part in the range sealed (split at the ends).
fn mseal(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (start, len, flags) = (a[0], a[1], a[2]);
    if flags != 0 || !start.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    // PAGE_ALIGN in the kernel's 64-bit arithmetic: a 32-bit length never wraps to 0.
    let len = u64::from(len).next_multiple_of(u64::from(PAGE_SIZE));
    let end = u64::from(start) + len;
    if end == u64::from(start) {
        return Ok(0);
    }
    let mm = ctx.task.mm.get_mut(ctx.held);
    if mm.pieces(u64::from(start), end).1 {
        return Err(Errno::NOMEM.into());
    }
    mm.change_flags(start, end, &|v| v.flags | vm::SEALED);
    Ok(0)
}
