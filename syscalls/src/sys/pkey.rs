//! Memory protection keys: pkey_alloc(2), pkey_free(2) and pkey_mprotect(2), answered as the
//! kernel answers on a CPU without PKU, which is what emu386's CPUID describes (no PKU, no
//! OSPKE): the guest's memory accesses run in the engine, which has no protection keys, so the
//! host's PKU (whether it has one or not) is not the guest's.
//!
//! On such a CPU (arch/x86/include/asm/pkeys.h, mm/mprotect.c): `arch_max_pkey()` is 1, the
//! allocation map of a new mm is 0 and its `execute_only_pkey` is 0, so no key, not even the
//! default key 0, is ever "allocated" as mm_pkey_is_allocated() sees it. pkey_alloc checks its
//! flags and access rights (EINVAL), then takes key 0 from the map and fails to set its access
//! rights (arch_set_user_pkey_access(): EINVAL); mm_pkey_free() refuses to give key 0 back, so
//! every later pkey_alloc finds the map full: ENOSPC. pkey_free is always EINVAL, and
//! pkey_mprotect is mprotect for key -1 and, for any other key, EINVAL after mprotect's own
//! argument checks.

use super::mm::mprotect;
use crate::abi::nr;
use crate::entry;
use crate::mem::PAGE_SIZE;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::pkey_alloc, pkey_alloc, [Hex, Hex]),
    entry!(nr::pkey_free, pkey_free, [Int]),
    entry!(nr::pkey_mprotect, pkey_mprotect, [Ptr, Uint, Hex, Int]),
];

/// `PKEY_ACCESS_MASK`: PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE.
const PKEY_ACCESS_MASK: u32 = 0x3;
/// PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM, and PROT_GROWSDOWN | PROT_GROWSUP.
const PROT_VALID: u32 = 0xf;
const PROT_GROWS: u32 = 0x0300_0000;

/// Implements pkey_alloc(2) on a CPU without PKU (see the module comment).
fn pkey_alloc(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[0] != 0 || a[1] & !PKEY_ACCESS_MASK != 0 {
        return Err(Errno::INVAL.into());
    }
    let mm = ctx.task.mm.get_mut(ctx.held);
    if mm.pkey0_taken {
        return Err(Errno::NOSPC.into());
    }
    mm.pkey0_taken = true;
    Err(Errno::INVAL.into())
}

/// Implements pkey_free(2) on a CPU without PKU: no key is allocated.
fn pkey_free(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::INVAL.into())
}

/// Implements pkey_mprotect(2) in do_mprotect_pkey()'s order: key -1 is mprotect; for any other
/// key the argument checks come first (a zero length succeeds), then EINVAL for the key.
fn pkey_mprotect(ctx: &mut Ctx, a: &Args) -> SysResult {
    if a[3] as i32 == -1 {
        return mprotect(ctx, a);
    }
    let (addr, len, prot) = (a[0], a[1], a[2]);
    if prot & PROT_GROWS == PROT_GROWS || !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::INVAL.into());
    }
    if len == 0 {
        return Ok(0);
    }
    // Then bad protection bits (EINVAL; `end <= start` cannot happen in the kernel's 64-bit
    // arithmetic for 32-bit arguments), then the key: EINVAL either way.
    debug_assert!(prot & !(PROT_VALID | PROT_GROWS) != 0 || a[3] as i32 != -1);
    Err(Errno::INVAL.into())
}
