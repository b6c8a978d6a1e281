//! The local descriptor table: modify_ldt(2), as arch/x86/kernel/ldt.c of a 64-bit kernel answers
//! a 32-bit task.
//!
//! The LDT belongs to the process (the kernel's `mm->context.ldt`): one table here, in this
//! emulator process, which every guest thread's CPU maps read-only (emu/src/cpu.rs); a fork copies
//! it with the rest of the process and execve, which starts the emulator afresh, clears it. The CPU
//! sees all `LDT_ENTRIES` slots at all times; the kernel's `nr_entries`, which only reads report,
//! is kept beside them. Descriptors are stored with their accessed bit set (fill_ldt() does so, so
//! that loading a selector never writes to the table).

use crate::entry;
use crate::mem::{GuestAddr, GuestMemoryExt};
use crate::row::{Arg::*, Args, Entry};
use crate::sys::process::UserDesc;
use crate::task::Ctx;
use crate::{abi::nr, Errno, SysResult};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

pub static ENTRIES: &[Entry] = &[entry!(nr::modify_ldt, modify_ldt, [Int, UserDescSized(2), Uint])];

/// LDT_ENTRIES and LDT_ENTRY_SIZE (asm/ldt.h).
pub const LDT_ENTRIES: usize = 8192;
const LDT_ENTRY_SIZE: u32 = 8;

/// The table as the CPU reads it: page-aligned so that it can be mapped as it is.
#[repr(C, align(4096))]
struct Table([AtomicU64; LDT_ENTRIES]);
const _: () = assert!(size_of::<Table>() == LDT_ENTRIES * 8);

static TABLE: Table = Table([const { AtomicU64::new(0) }; LDT_ENTRIES]);
/// `ldt->nr_entries`: 0 while the process has no LDT.
static NR_ENTRIES: AtomicU32 = AtomicU32::new(0);

/// The table's host address and length, for the CPU to map (read-only: nothing but modify_ldt
/// writes it).
pub fn table() -> (*mut u8, usize) {
    // All of the table is atomics (UnsafeCell), so writing through this pointer is allowed.
    (std::ptr::from_ref(&TABLE).cast_mut().cast(), size_of::<Table>())
}

/// Whether the process has an LDT (a modify_ldt write happened).
pub fn exists() -> bool {
    NR_ENTRIES.load(Relaxed) != 0
}

/// LDT entry `index` (0 for an index past the table).
pub fn entry(index: usize) -> u64 {
    TABLE.0.get(index).map_or(0, |e| e.load(Relaxed))
}

/// Implements modify_ldt(2): sys_modify_ldt()'s switch.
fn modify_ldt(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (func, ptr, bytecount) = (a[0] as i32, a[1], a[2]);
    match func {
        0 => read_ldt(ctx, ptr, bytecount),
        1 => write_ldt(ctx, ptr, bytecount, true),
        2 => read_default_ldt(ctx, ptr, bytecount),
        0x11 => write_ldt(ctx, ptr, bytecount, false),
        _ => Err(Errno::NOSYS.into()),
    }
}

/// read_ldt(): the entries, then zeros up to `bytecount` (at most the whole table); 0 without an
/// LDT.
fn read_ldt(ctx: &mut Ctx, ptr: u32, bytecount: u32) -> SysResult {
    let nr_entries = NR_ENTRIES.load(Relaxed);
    if nr_entries == 0 {
        return Ok(0);
    }
    let bytecount = bytecount.min(LDT_ENTRY_SIZE * LDT_ENTRIES as u32);
    let size = (nr_entries * LDT_ENTRY_SIZE).min(bytecount);
    let bytes: Vec<u8> = (0..nr_entries as usize).flat_map(|i| entry(i).to_le_bytes()).take(size as usize).collect();
    ctx.mem.write(ptr, &bytes)?;
    if size != bytecount {
        ctx.mem.write(GuestAddr::new(ptr).offset(size)?, &vec![0; (bytecount - size) as usize])?;
    }
    Ok(bytecount)
}

/// read_default_ldt(): a 64-bit kernel "reads" 128 zero bytes.
fn read_default_ldt(ctx: &mut Ctx, ptr: u32, bytecount: u32) -> SysResult {
    let bytecount = bytecount.min(128);
    ctx.mem.write(ptr, &vec![0; bytecount as usize])?;
    Ok(bytecount)
}

/// write_ldt(): `oldmode` is func 1 (no `useable` bit, base and limit 0 clear the entry).
fn write_ldt(ctx: &mut Ctx, ptr: u32, bytecount: u32, oldmode: bool) -> SysResult {
    if bytecount != size_of::<UserDesc>() as u32 {
        return Err(Errno::INVAL.into());
    }
    let info: UserDesc = ctx.mem.read_obj(ptr)?;
    if info.entry_number as usize >= LDT_ENTRIES {
        return Err(Errno::INVAL.into());
    }
    if info.contents() == 3 && (oldmode || info.seg_not_present() == 0) {
        return Err(Errno::INVAL.into());
    }
    // LDT_empty(): `lm` is not looked at (the host kernel clears such an entry). 16-bit segments
    // are allowed (CONFIG_X86_16BIT, not a Xen PV guest).
    let empty = info.base_addr == 0 && info.limit == 0 && info.flags & 0x7f == 0b0010_1000;
    let desc = if (oldmode && info.base_addr == 0 && info.limit == 0) || empty {
        0
    } else {
        let desc = info.fill_ldt() | (1 << 40);
        if oldmode {
            desc & !(1 << 52) // avl
        } else {
            desc
        }
    };
    let index = info.entry_number as usize;
    NR_ENTRIES.fetch_max(info.entry_number + 1, Relaxed);
    TABLE.0[index].store(desc, Relaxed);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_the_kernels() {
        // What the native kernel gave for base 0x1000, limit 0xfff, 32-bit, useable (func 0x11),
        // and the same 16-bit, read back with func 0.
        let info = UserDesc { entry_number: 3, base_addr: 0x1000, limit: 0xfff, flags: 0x41 };
        assert_eq!(info.fill_ldt() | (1 << 40), 0x0050_f300_1000_0fff);
        let info = UserDesc { flags: 0x40, ..info };
        assert_eq!(info.fill_ldt() | (1 << 40), 0x0010_f300_1000_0fff);
    }
}
