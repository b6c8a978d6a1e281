//! The kernel's answer to sgdt, sidt, sldt, smsw and str in user mode (arch/x86/kernel/umip.c).
//!
//! The host CPU has UMIP and Linux turns it on: these instructions raise #GP at CPL 3, and
//! fixup_umip_exception() emulates them for the program with dummy values, so that the kernel's
//! table addresses stay hidden and old programs keep working. emu386's CPU has UMIP on too (engine
//! patch 0017); this module is the kernel's fixup: decode the instruction, store the dummy value
//! in the register or memory operand, step over the instruction. What the fixup cannot handle
//! (16-bit addressing, a register operand for sgdt/sidt) stays the #GP it was.

use crate::cpu::GPRS as REGS;
use crate::mem::GuestSpace;
use syscalls::mem::{GuestMemory, GuestMemoryExt};
use unicorn_engine::{RegisterX86, Unicorn};

/// UMIP_DUMMY_GDT_BASE and UMIP_DUMMY_IDT_BASE, as a 32-bit program sees them.
const DUMMY_GDT_BASE: u32 = 0xfffe_0000;
const DUMMY_IDT_BASE: u32 = 0xffff_0000;
/// CR0_STATE: PE MP ET NE WP AM PG.
const CR0_STATE: u32 = 0x8005_0033;
/// GDT_ENTRY_TSS * 8 and GDT_ENTRY_LDT * 8 of a 64-bit kernel.
const TSS_SELECTOR: u32 = 8 * 8;
const LDT_SELECTOR: u32 = 10 * 8;

/// Segment registers by prefix.
const SEGMENT_PREFIXES: [(u8, RegisterX86); 6] = [
    (0x26, RegisterX86::ES),
    (0x2e, RegisterX86::CS),
    (0x36, RegisterX86::SS),
    (0x3e, RegisterX86::DS),
    (0x64, RegisterX86::FS),
    (0x65, RegisterX86::GS),
];

/// What the fixup did with a #GP.
pub enum Fixup {
    /// Not one of the five (or not one the kernel emulates): the #GP stands.
    None,
    /// Emulated; the program goes on at this EIP, after the instruction.
    Done(u32),
    /// The memory operand could not be written: SIGSEGV SEGV_MAPERR at this address
    /// (force_sig_info_umip_fault()).
    Fault(u32),
}

fn reg(cpu: &Unicorn<'_, ()>, r: RegisterX86) -> u32 {
    cpu.reg_read(r).unwrap_or(0) as u32
}

/// fixup_umip_exception() for a #GP at EIP.
pub fn fixup(cpu: &mut Unicorn<'_, ()>, space: &mut GuestSpace) -> Fixup {
    let eip = reg(cpu, RegisterX86::EIP);
    let mut code = [0u8; 15];
    // insn_fetch_from_user(): as many bytes as can be read (the instruction may end a page).
    let fetched = (1..=code.len()).rev().find(|&n| space.read(eip, &mut code[..n]).is_ok()).unwrap_or(0);
    let Some(insn) = decode(&code[..fetched]) else {
        return Fixup::None;
    };
    let value = match insn.op {
        Op::Sgdt | Op::Sidt if insn.mod_ == 3 => return Fixup::None,
        Op::Sgdt => Value::Table(DUMMY_GDT_BASE),
        Op::Sidt => Value::Table(DUMMY_IDT_BASE),
        Op::Smsw => Value::Word(CR0_STATE),
        Op::Str => Value::Word(TSS_SELECTOR),
        Op::Sldt => Value::Word(if syscalls::sys::ldt::exists() { LDT_SELECTOR } else { 0 }),
    };
    if insn.mod_ == 3 {
        // A register: as many bytes as the operand size, the rest of the register kept.
        let Value::Word(v) = value else { return Fixup::None };
        let r = REGS[usize::from(insn.rm)];
        let v = if insn.opnd16 { (reg(cpu, r) & 0xffff_0000) | (v & 0xffff) } else { v };
        let _ = cpu.reg_write(r, u64::from(v));
    } else {
        let Some(addr) = address(cpu, space, &insn) else {
            return Fixup::None;
        };
        let mut data = [0u8; 6];
        let len = match value {
            // The limit (0), then a 32-bit base whatever the operand size (as the kernel does).
            Value::Table(base) => {
                data[2..].copy_from_slice(&base.to_le_bytes());
                6
            }
            // Memory gets the two low bytes only.
            Value::Word(v) => {
                data[..2].copy_from_slice(&(v as u16).to_le_bytes());
                2
            }
        };
        if space.write(addr, &data[..len]).is_err() {
            return Fixup::Fault(addr);
        }
    }
    Fixup::Done(eip.wrapping_add(u32::from(insn.len)))
}

enum Op {
    Sgdt,
    Sidt,
    Smsw,
    Sldt,
    Str,
}

enum Value {
    /// sgdt, sidt: limit 0 and this base.
    Table(u32),
    /// smsw, sldt, str.
    Word(u32),
}

struct Insn {
    op: Op,
    mod_: u8,
    rm: u8,
    sib: Option<u8>,
    disp: i32,
    segment: Option<RegisterX86>,
    opnd16: bool,
    len: u8,
}

/// Decode one of the five with 32-bit addressing (identify_insn()); `None` for anything else.
fn decode(code: &[u8]) -> Option<Insn> {
    let mut at = 0;
    let mut segment = None;
    let mut opnd16 = false;
    loop {
        let b = *code.get(at)?;
        match b {
            0x66 => opnd16 = true,
            // 16-bit addressing: not handled here (the #GP stands).
            0x67 => return None,
            0xf0 | 0xf2 | 0xf3 => {}
            _ => match SEGMENT_PREFIXES.iter().find(|(p, _)| *p == b) {
                Some((_, r)) => segment = Some(*r),
                None => break,
            },
        }
        at += 1;
    }
    if *code.get(at)? != 0x0f {
        return None;
    }
    let second = *code.get(at + 1)?;
    let modrm = *code.get(at + 2)?;
    at += 3;
    let (mod_, reg, rm) = (modrm >> 6, (modrm >> 3) & 7, modrm & 7);
    let op = match (second, reg) {
        (0x01, 0) => Op::Sgdt,
        (0x01, 1) => Op::Sidt,
        (0x01, 4) => Op::Smsw,
        (0x00, 0) => Op::Sldt,
        (0x00, 1) => Op::Str,
        _ => return None,
    };
    let mut sib = None;
    let mut disp = 0;
    if mod_ != 3 {
        if rm == 4 {
            sib = Some(*code.get(at)?);
            at += 1;
        }
        let base_is_disp32 = sib.is_some_and(|s| s & 7 == 5);
        let disp_len = match mod_ {
            0 if rm == 5 || base_is_disp32 => 4,
            1 => 1,
            2 => 4,
            _ => 0,
        };
        let bytes = code.get(at..at + disp_len)?;
        disp = match disp_len {
            1 => i32::from(bytes[0] as i8),
            4 => i32::from_le_bytes(bytes.try_into().ok()?),
            _ => 0,
        };
        at += disp_len;
    }
    Some(Insn { op, mod_, rm, sib, disp, segment, opnd16, len: at as u8 })
}

/// insn_get_addr_ref(): the linear address of the memory operand (segment base included).
fn address(cpu: &Unicorn<'_, ()>, space: &GuestSpace, insn: &Insn) -> Option<u32> {
    let mut stack = false;
    let mut ea = insn.disp as u32;
    match insn.sib {
        Some(sib) => {
            let (scale, index, base) = (sib >> 6, (sib >> 3) & 7, sib & 7);
            if index != 4 {
                ea = ea.wrapping_add(reg(cpu, REGS[usize::from(index)]) << scale);
            }
            if !(base == 5 && insn.mod_ == 0) {
                ea = ea.wrapping_add(reg(cpu, REGS[usize::from(base)]));
                stack = base == 4 || base == 5;
            }
        }
        None if insn.rm == 5 && insn.mod_ == 0 => {}
        None => {
            ea = ea.wrapping_add(reg(cpu, REGS[usize::from(insn.rm)]));
            stack = insn.rm == 5;
        }
    }
    let segment = insn.segment.unwrap_or(if stack { RegisterX86::SS } else { RegisterX86::DS });
    Some(segment_base(space, reg(cpu, segment))?.wrapping_add(ea))
}

/// The base of the segment a selector names, from the GDT or the LDT.
fn segment_base(space: &GuestSpace, selector: u32) -> Option<u32> {
    let index = selector >> 3;
    let desc = if selector & 4 != 0 {
        syscalls::sys::ldt::entry(index as usize)
    } else if index == 0 {
        return Some(0);
    } else if index < syscalls::task::GDT_ENTRIES {
        space.gdt_entry(index)
    } else {
        return None;
    };
    Some(((desc >> 16) & 0xff_ffff) as u32 | ((desc >> 32) & 0xff00_0000) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_five_and_their_lengths() {
        // sgdt (%eax); sidt 8(%esp); smsw %ax (66); str %ecx; sldt 0x1234 (disp32, %gs:)
        let cases: [(&[u8], u8); 5] = [
            (&[0x0f, 0x01, 0x00], 3),
            (&[0x0f, 0x01, 0x4c, 0x24, 0x08], 5),
            (&[0x66, 0x0f, 0x01, 0xe0], 4),
            (&[0x0f, 0x00, 0xc9], 3),
            (&[0x65, 0x0f, 0x00, 0x05, 0x34, 0x12, 0, 0], 8),
        ];
        for (code, len) in cases {
            assert_eq!(decode(code).map(|i| i.len), Some(len), "{code:x?}");
        }
        // lgdt, lldt and 16-bit addressing are not the kernel's to emulate.
        assert!(decode(&[0x0f, 0x01, 0x10]).is_none());
        assert!(decode(&[0x0f, 0x00, 0xd0]).is_none());
        assert!(decode(&[0x67, 0x0f, 0x01, 0x07]).is_none());
    }
}
