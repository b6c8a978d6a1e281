//! arch_prctl(2) for a 32-bit task: COMPAT_SYSCALL_DEFINE2(arch_prctl) calls
//! do_arch_prctl_common() (arch/x86/kernel/process.c), which knows the CPUID-faulting and the
//! extended-state permission options; everything else (ARCH_SET_FS/GS, the shadow-stack and
//! vDSO options, which are 64-bit only) is EINVAL.
//!
//! CPUID faulting: emu386's CPU has none (its CPUID runs in the engine, which has no hook that
//! could fault there), so the answers are those of a CPU without X86_FEATURE_CPUID_FAULT:
//! ARCH_GET_CPUID is 1 (CPUID works) and ARCH_SET_CPUID is ENODEV. This differs from a host
//! that has CPUID faulting, where ARCH_SET_CPUID(0) succeeds and a later CPUID raises SIGSEGV.
//! Handing the option to the host instead would make CPUID fault in the emulator's own code.
//!
//! The XCOMP options answer about the XSAVE state the kernel manages for the process, which is
//! the host process: they are the host's, on the guest's `u64` in place.

use crate::abi::nr;
use crate::entry;
use crate::hostcall::{fdcalls, inplace::InPlace};
use crate::mem::Prot;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};

const ARCH_GET_CPUID: u32 = 0x1011;
const ARCH_SET_CPUID: u32 = 0x1012;
const ARCH_GET_XCOMP_SUPP: u32 = 0x1021;
const ARCH_GET_XCOMP_PERM: u32 = 0x1022;
const ARCH_REQ_XCOMP_PERM: u32 = 0x1023;
const ARCH_GET_XCOMP_GUEST_PERM: u32 = 0x1024;
const ARCH_REQ_XCOMP_GUEST_PERM: u32 = 0x1025;

/// The options (asm/prctl.h), as strace names them.
const ARCH_OPTIONS: &[(u32, &str)] = &[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (ARCH_GET_CPUID, "ARCH_GET_CPUID"),
    (ARCH_SET_CPUID, "ARCH_SET_CPUID"),
    (ARCH_GET_XCOMP_SUPP, "ARCH_GET_XCOMP_SUPP"),
    (ARCH_GET_XCOMP_PERM, "ARCH_GET_XCOMP_PERM"),
    (ARCH_REQ_XCOMP_PERM, "ARCH_REQ_XCOMP_PERM"),
    (ARCH_GET_XCOMP_GUEST_PERM, "ARCH_GET_XCOMP_GUEST_PERM"),
    (ARCH_REQ_XCOMP_GUEST_PERM, "ARCH_REQ_XCOMP_GUEST_PERM"),
];

pub static ENTRIES: &[Entry] = &[entry!(nr::arch_prctl, arch_prctl, [Enum(ARCH_OPTIONS), Hex])];

/// Implements arch_prctl(2) as do_arch_prctl_common() does for a 32-bit task.
fn arch_prctl(ctx: &mut Ctx, a: &Args) -> SysResult {
    match a[0] {
        ARCH_GET_CPUID => Ok(1),
        ARCH_SET_CPUID => Err(Errno::NODEV.into()),
        ARCH_GET_XCOMP_SUPP | ARCH_GET_XCOMP_PERM | ARCH_GET_XCOMP_GUEST_PERM => {
            let out = InPlace::new(ctx.mem, a[1], 8, Prot::WRITE);
            Ok(fdcalls::arch_prctl_get(a[0] as i32, out)? as u32)
        }
        ARCH_REQ_XCOMP_PERM | ARCH_REQ_XCOMP_GUEST_PERM => {
            Ok(fdcalls::arch_prctl_set(a[0] as i32, libc::c_ulong::from(a[1]))? as u32)
        }
        _ => Err(Errno::INVAL.into()),
    }
}
