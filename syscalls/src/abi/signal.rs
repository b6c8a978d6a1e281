//! Signals as i386 Linux lays them out: asm/signal.h, asm/sigcontext.h, asm-generic/siginfo.h and
//! the ia32 signal frames of arch/x86/include/asm/sigframe.h.
//!
//! Masks are 64-bit words with bit `sig - 1` for signal `sig` (the kernel's `sigset_t` on i386 is
//! two 32-bit words, low word first, which is the same bytes).

/// The field types, for code that builds these structs without depending on zerocopy.
pub use zerocopy::little_endian::{I32, U16, U32, U64};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

/// Highest signal number (`_NSIG`).
pub const NSIG: u32 = 64;

pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGILL: u32 = 4;
pub const SIGTRAP: u32 = 5;
pub const SIGABRT: u32 = 6;
pub const SIGBUS: u32 = 7;
pub const SIGFPE: u32 = 8;
pub const SIGKILL: u32 = 9;
pub const SIGUSR1: u32 = 10;
pub const SIGSEGV: u32 = 11;
pub const SIGUSR2: u32 = 12;
pub const SIGPIPE: u32 = 13;
pub const SIGALRM: u32 = 14;
pub const SIGTERM: u32 = 15;
pub const SIGCHLD: u32 = 17;
pub const SIGCONT: u32 = 18;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;
pub const SIGURG: u32 = 23;
pub const SIGWINCH: u32 = 28;
pub const SIGIO: u32 = 29;
pub const SIGSYS: u32 = 31;

/// `SIG_DFL` and `SIG_IGN` handler values.
pub const SIG_DFL: u32 = 0;
pub const SIG_IGN: u32 = 1;

/// `sa_flags` bits.
pub const SA_NOCLDSTOP: u32 = 0x0000_0001;
pub const SA_NOCLDWAIT: u32 = 0x0000_0002;
pub const SA_SIGINFO: u32 = 0x0000_0004;
pub const SA_UNSUPPORTED: u32 = 0x0000_0400;
pub const SA_EXPOSE_TAGBITS: u32 = 0x0000_0800;
pub const SA_RESTORER: u32 = 0x0400_0000;
pub const SA_ONSTACK: u32 = 0x0800_0000;
pub const SA_RESTART: u32 = 0x1000_0000;
pub const SA_NODEFER: u32 = 0x4000_0000;
pub const SA_RESETHAND: u32 = 0x8000_0000;
/// `UAPI_SA_FLAGS`: do_sigaction() clears every other bit (so that SA_UNSUPPORTED reads back 0).
pub const UAPI_SA_FLAGS: u32 = SA_NOCLDSTOP
    | SA_NOCLDWAIT
    | SA_SIGINFO
    | SA_ONSTACK
    | SA_RESTART
    | SA_NODEFER
    | SA_RESETHAND
    | SA_EXPOSE_TAGBITS
    | SA_RESTORER;

/// sigprocmask(2) `how`.
pub const SIG_BLOCK: u32 = 0;
pub const SIG_UNBLOCK: u32 = 1;
pub const SIG_SETMASK: u32 = 2;

/// sigaltstack(2).
pub const SS_ONSTACK: u32 = 1;
pub const SS_DISABLE: u32 = 2;
pub const SS_AUTODISARM: u32 = 1 << 31;
/// i386 `MINSIGSTKSZ`.
pub const MINSIGSTKSZ: u32 = 2048;

/// `si_code` values.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_TKILL: i32 = -6;
/// Queued SIGIO (kernel-internal use, seen by F_SETSIG signals).
pub const SI_SIGIO: i32 = -5;
/// The number of POLL_* codes (POLL_IN..POLL_HUP).
pub const NSIGPOLL: i32 = 6;
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const FPE_INTDIV: i32 = 1;
pub const ILL_ILLOPN: i32 = 2;
pub const TRAP_BRKPT: i32 = 1;
pub const BUS_ADRALN: i32 = 1;
/// Nonexistent physical address: a page past the end of its file or object (BUS_ADRERR).
pub const BUS_ADRERR: i32 = 2;

/// The mask bit of `sig`.
pub const fn bit(sig: u32) -> u64 {
    1u64 << (sig - 1)
}

/// SIGKILL and SIGSTOP: never blocked, caught or ignored.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// Signals whose default action is to do nothing (sig_kernel_ignore()).
pub const DEFAULT_IGNORED: u64 = bit(SIGCHLD) | bit(SIGCONT) | bit(SIGURG) | bit(SIGWINCH);

/// Signals the CPU raises (synchronous_mask in kernel/signal.c): dequeued first.
pub const SYNCHRONOUS: u64 = bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);

/// Signal names for the tracer, from 1.
pub const SIGNAL_NAMES: &[(u32, &str)] = &[
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGIO"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
];

/// sigprocmask(2) `how` names for the tracer.
pub const HOW_NAMES: &[(u32, &str)] = &[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")];

/// `struct sigaction` as rt_sigaction(2) takes it on i386 (`struct compat_sigaction`).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct KSigaction {
    pub handler: U32,
    pub flags: U32,
    pub restorer: U32,
    pub mask: U64,
}
const _: () = assert!(size_of::<KSigaction>() == 20);

/// `struct old_sigaction` (sigaction(2), nr 67): a one-word mask, before the flags.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct OldSigaction {
    pub handler: U32,
    pub mask: U32,
    pub flags: U32,
    pub restorer: U32,
}
const _: () = assert!(size_of::<OldSigaction>() == 16);

/// `stack_t` (sigaltstack(2)).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct StackT {
    pub ss_sp: U32,
    pub ss_flags: U32,
    pub ss_size: U32,
}
const _: () = assert!(size_of::<StackT>() == 12);

/// `struct itimerval` with 32-bit `timeval`s.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Itimerval32 {
    pub interval_sec: I32,
    pub interval_usec: I32,
    pub value_sec: I32,
    pub value_usec: I32,
}
const _: () = assert!(size_of::<Itimerval32>() == 16);

/// The first 16 bytes of the i386 `struct sigevent` (`struct compat_sigevent`, linux/compat.h, 64
/// bytes in all): the only ones get_compat_sigevent() reads. The union's `_tid` is at offset 12;
/// its other members (SIGEV_THREAD's function, which shares `_tid`'s word, and attributes) are
/// glibc's business and never reach the kernel.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SigeventHead {
    /// `union sigval`: `sival_int` and `sival_ptr` are the same 4 bytes.
    pub sigev_value: U32,
    pub sigev_signo: I32,
    pub sigev_notify: I32,
    /// `_tid`, or SIGEV_THREAD's `_function`.
    pub sigev_notify_thread_id: I32,
}
const _: () = assert!(size_of::<SigeventHead>() == 16);

/// The head and the next word (SIGEV_THREAD's `_attribute`): what strace reads of a sigevent.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SigeventPrefix {
    pub head: SigeventHead,
    pub attributes: U32,
}
const _: () = assert!(size_of::<SigeventPrefix>() == 20);

/// `compat_siginfo_t`: signo, errno, code, then a union of 29 words.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Siginfo {
    pub signo: I32,
    pub errno: I32,
    pub code: I32,
    /// `_sifields`: pid/uid/value, tid/overrun/value, addr, band/fd, pid/uid/status/utime/stime.
    pub fields: [U32; 29],
}
const _: () = assert!(size_of::<Siginfo>() == 128);

impl Default for Siginfo {
    fn default() -> Self {
        Siginfo::new_zeroed()
    }
}

/// `struct sigcontext_32`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Sigcontext {
    pub gs: U32,
    pub fs: U32,
    pub es: U32,
    pub ds: U32,
    pub edi: U32,
    pub esi: U32,
    pub ebp: U32,
    pub esp: U32,
    pub ebx: U32,
    pub edx: U32,
    pub ecx: U32,
    pub eax: U32,
    pub trapno: U32,
    pub err: U32,
    pub eip: U32,
    pub cs: U32,
    pub eflags: U32,
    pub esp_at_signal: U32,
    pub ss: U32,
    pub fpstate: U32,
    pub oldmask: U32,
    pub cr2: U32,
}
const _: () = assert!(size_of::<Sigcontext>() == 88);

/// `struct ucontext_ia32`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Ucontext {
    pub flags: U32,
    pub link: U32,
    pub stack: StackT,
    pub mcontext: Sigcontext,
    pub sigmask: U64,
}
const _: () = assert!(size_of::<Ucontext>() == 116);

/// `struct _fpstate_32`: the legacy `fsave` header, then the 512-byte `fxsave` image at offset 112
/// (`_fxsr_env`, mxcsr, `_fxsr_st`, `_xmm`, padding) and the software-reserved words.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Fpstate {
    pub cw: U32,
    pub sw: U32,
    pub tag: U32,
    pub ipoff: U32,
    pub cssel: U32,
    pub dataoff: U32,
    pub datasel: U32,
    /// `_st[8]`: 10 bytes each.
    pub st: [[u8; 10]; 8],
    pub status: U16,
    /// 0xffff: fsave data only; 0: the fxsave image follows.
    pub magic: U16,
    /// The `fxsave` image; its last 48 bytes are `sw_reserved` (`struct _fpx_sw_bytes`), left
    /// zero: no extended state follows.
    pub fx: Fxsave,
}
const _: () = assert!(size_of::<Fpstate>() == 624);
/// Where the `fxsave` image starts in `struct _fpstate_32`.
pub const FPSTATE_FX_OFFSET: u32 = 112;

/// The 512-byte `fxsave` image (32-bit form).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Fxsave {
    pub cwd: U16,
    pub swd: U16,
    /// Abridged tag: one bit per register, 1 = valid.
    pub twd: u8,
    pub reserved: u8,
    pub fop: U16,
    pub fip: U32,
    pub fcs: U32,
    pub foo: U32,
    pub fos: U32,
    pub mxcsr: U32,
    pub mxcsr_mask: U32,
    /// ST(0)..ST(7), 16 bytes each (10 used).
    pub st: [[u8; 16]; 8],
    pub xmm: [[u8; 16]; 8],
    pub padding: [u8; 224],
}
const _: () = assert!(size_of::<Fxsave>() == 512);

impl Default for Fpstate {
    fn default() -> Self {
        Fpstate::new_zeroed()
    }
}

/// `struct rt_sigframe_ia32` (the FPU state follows it, 64-byte aligned, below the stack top).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct RtSigframe {
    pub pretcode: U32,
    pub sig: U32,
    pub pinfo: U32,
    pub puc: U32,
    pub info: Siginfo,
    pub uc: Ucontext,
    pub retcode: [u8; 8],
}
const _: () = assert!(size_of::<RtSigframe>() == 268);

/// `struct sigframe_ia32` (handlers without SA_SIGINFO).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Sigframe {
    pub pretcode: U32,
    pub sig: U32,
    pub sc: Sigcontext,
    pub fpstate_unused: Fpstate,
    pub extramask: U32,
    pub retcode: [u8; 8],
}
const _: () = assert!(size_of::<Sigframe>() == 732);

impl Default for Sigframe {
    fn default() -> Self {
        Sigframe::new_zeroed()
    }
}

/// `popl %eax; movl $__NR_sigreturn,%eax; int $0x80` (the kernel's `retcode` for sigframe).
pub const SIGRETURN_CODE: [u8; 8] = [0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80];
/// `movl $__NR_rt_sigreturn,%eax; int $0x80` and a pad byte.
pub const RT_SIGRETURN_CODE: [u8; 8] = [0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0];

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn frames_match_the_kernel_layout() {
        assert_eq!(offset_of!(RtSigframe, info), 16);
        assert_eq!(offset_of!(RtSigframe, uc), 144);
        assert_eq!(offset_of!(Ucontext, mcontext), 20);
        assert_eq!(offset_of!(Ucontext, sigmask), 108);
        assert_eq!(offset_of!(Sigcontext, eip), 56);
        assert_eq!(offset_of!(Sigframe, sc), 8);
        assert_eq!(offset_of!(Sigframe, extramask), 720);
        assert_eq!(offset_of!(Fpstate, fx) as u32, FPSTATE_FX_OFFSET);
        assert_eq!(offset_of!(Fxsave, mxcsr), 24);
        assert_eq!(offset_of!(Fxsave, xmm), 160);
    }
}
