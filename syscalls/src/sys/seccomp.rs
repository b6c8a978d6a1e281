//! seccomp(2), prctl(PR_SET_SECCOMP/PR_GET_SECCOMP) and the filters themselves (kernel/seccomp.c).
//!
//! A filter installed on the host would judge the emulator's own 64-bit calls, not the guest's,
//! so seccomp is emulated: each guest thread carries its mode and its chain of classic-BPF
//! programs ([`State`], in its [`crate::task::Task`]), and the dispatcher runs them on every
//! guest syscall before the handler ([`enter`]: the thread's mode and one relaxed load of [`SYNC_SERIAL`]
//! when no filter is in use), over
//! `struct seccomp_data` as an i386 task produces it (nr, AUDIT_ARCH_I386, the address after the
//! `int $0x80`, the six argument registers zero-extended). Filters are inherited by threads and
//! forks (the task is copied) and kept across execve (handed to the next emulator as
//! `--seccomp=`). The actions are the kernel's, the lowest of all filters winning
//! (seccomp_run_filters()): KILL_PROCESS, KILL_THREAD (a core-dumping SIGSYS), TRAP (a SIGSYS
//! with SYS_SECCOMP, si_call_addr, si_syscall, si_arch and the data as si_errno; the call
//! returns its own number, syscall_rollback()), ERRNO, TRACE (no tracer: ENOSYS), USER_NOTIF
//! (no listener: ENOSYS), LOG and ALLOW. Strict mode allows read, write, exit and sigreturn and
//! kills with SIGKILL. Validation is bpf_check_classic() then seccomp_check_filter(); without
//! no_new_privs or CAP_SYS_ADMIN (the host's, which are the guest's) EACCES.
//!
//! Not the kernel's:
//! - User notification (SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_GET_NOTIF_SIZES, the
//!   USER_NOTIF action's availability) is answered as a kernel before 5.0 answers: EINVAL and
//!   EOPNOTSUPP. A listener fd would need the whole notification protocol (its ioctls, the
//!   target waiting in its syscall while another process answers) emulated across emulators.
//! - TSYNC: the caller's state is published process-wide ([`SYNCED`]) and every other thread
//!   takes it at its next syscall entry, where filters act (so a thread blocked in a call is
//!   judged by it from its next call on, as with the kernel). A thread whose own filters are not
//!   an ancestor of the caller's takes it too, where the kernel fails the call with that
//!   thread's id (or ESRCH). KILL_THREAD in a process with more than one thread ends the whole
//!   process.
//! - A host (non-i386) program the guest executes runs without the filters.
//! - `/proc/PID/status` of another emulated process shows the mode and filters of the thread
//!   that made its last syscall before the read (each thread has its own; the kernel's shows
//!   the main thread's).

use crate::abi::nr;
use crate::entry;
use crate::mem::GuestMemoryExt;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, Exit, SysError, SysResult};
use std::sync::Arc;

pub static ENTRIES: &[Entry] = &[entry!(nr::seccomp, seccomp, [Enum(OPS), Hex, Ptr])];

const OPS: &[(u32, &str)] = &[
    (0, "SECCOMP_SET_MODE_STRICT"),
    (1, "SECCOMP_SET_MODE_FILTER"),
    (2, "SECCOMP_GET_ACTION_AVAIL"),
    (3, "SECCOMP_GET_NOTIF_SIZES"),
];

pub const MODE_DISABLED: u32 = 0;
pub const MODE_STRICT: u32 = 1;
pub const MODE_FILTER: u32 = 2;

const SET_MODE_STRICT: u32 = 0;
const SET_MODE_FILTER: u32 = 1;
const GET_ACTION_AVAIL: u32 = 2;

const FLAG_TSYNC: u32 = 1;
const FLAG_LOG: u32 = 2;
const FLAG_SPEC_ALLOW: u32 = 4;
const FLAG_TSYNC_ESRCH: u32 = 16;
/// The flags accepted (SECCOMP_FILTER_FLAG_MASK without NEW_LISTENER and WAIT_KILLABLE_RECV,
/// see the module's note).
const FLAG_MASK: u32 = FLAG_TSYNC | FLAG_LOG | FLAG_SPEC_ALLOW | FLAG_TSYNC_ESRCH;

const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_KILL_THREAD: u32 = 0;
const RET_TRAP: u32 = 0x0003_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
const RET_TRACE: u32 = 0x7ff0_0000;
const RET_LOG: u32 = 0x7ffc_0000;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ACTION_FULL: u32 = 0xffff_0000;
const RET_DATA: u32 = 0x0000_ffff;

/// AUDIT_ARCH_I386 (uapi/linux/audit.h).
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
/// sizeof(struct seccomp_data).
const DATA_LEN: u32 = 64;
/// BPF_MAXINSNS.
const MAXINSNS: usize = 4096;
/// MAX_INSNS_PER_PATH: the instructions of every filter of a thread, 4 more per filter.
const MAX_INSNS_PER_PATH: usize = 32768;
/// BPF_MEMWORDS.
const MEMWORDS: u32 = 16;
/// The strict mode's calls (mode1_syscalls_32): read, write, exit, sigreturn.
const STRICT_ALLOWED: [u32; 4] = [nr::read, nr::write, nr::exit, nr::sigreturn];

pub use crate::state::{SeccompFilter as Filter, SeccompInsn as Insn, SeccompState as State};

/// The state a SECCOMP_FILTER_FLAG_TSYNC call gave every thread of the process, with its serial
/// (0: none yet; the serial is in [`SYNC_SERIAL`] too, for the one load per syscall).
static SYNCED: std::sync::Mutex<Option<State>> = std::sync::Mutex::new(None);
static SYNC_SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl State {
    /// How many filters are attached (`filter_count`, /proc's Seccomp_filters).
    pub fn filters(&self) -> u32 {
        let mut n = 0;
        let mut f = self.filter.as_deref();
        while let Some(x) = f {
            n += 1;
            f = x.prev.as_deref();
        }
        n
    }

    /// The state as the next emulator gets it after execve (`--seccomp=`): the mode, then each
    /// filter (oldest first) as `L` or `-` (its log flag) and its instructions in hex.
    pub fn for_exec(&self) -> Option<String> {
        if self.mode == MODE_DISABLED {
            return None;
        }
        let mut chain = Vec::new();
        let mut f = self.filter.as_deref();
        while let Some(x) = f {
            chain.push(x);
            f = x.prev.as_deref();
        }
        let mut out = self.mode.to_string();
        for x in chain.iter().rev() {
            out.push(':');
            out.push(if x.log { 'L' } else { '-' });
            for i in &x.prog {
                out.push_str(&format!("{:04x}{:02x}{:02x}{:08x}", i.code, i.jt, i.jf, i.k));
            }
        }
        Some(out)
    }

    /// The state [`State::for_exec`] wrote (`None` when it is not one).
    pub fn from_exec(text: &str) -> Option<State> {
        let mut parts = text.split(':');
        let mode: u32 = parts.next()?.parse().ok()?;
        if mode != MODE_STRICT && mode != MODE_FILTER {
            return None;
        }
        let mut filter = None;
        for p in parts {
            let log = match p.as_bytes().first()? {
                b'L' => true,
                b'-' => false,
                _ => return None,
            };
            let hex = p.get(1..)?;
            if hex.len() % 16 != 0 {
                return None;
            }
            let mut prog = Vec::new();
            for c in hex.as_bytes().chunks(16) {
                let s = std::str::from_utf8(c).ok()?;
                let n = |r: std::ops::Range<usize>| u32::from_str_radix(s.get(r)?, 16).ok();
                prog.push(Insn { code: n(0..4)? as u16, jt: n(4..6)? as u8, jf: n(6..8)? as u8, k: n(8..16)? });
            }
            filter = Some(Arc::new(Filter { prog, log, prev: filter }));
        }
        Some(State { mode, filter, synced: 0 })
    }
}

/// The filters' verdict on a syscall about to run: `None` to run it, or its result.
#[inline]
pub fn enter(ctx: &mut Ctx, nr: u32, args: &Args) -> Option<SysResult> {
    let serial = SYNC_SERIAL.load(std::sync::atomic::Ordering::Relaxed);
    if ctx.task.seccomp.mode == MODE_DISABLED && serial == 0 {
        return None;
    }
    if serial != ctx.task.seccomp.synced {
        take_synced(&mut ctx.task.seccomp, serial);
    }
    if ctx.task.seccomp.mode == MODE_DISABLED {
        return None;
    }
    judge(ctx, nr, args)
}

/// Take the state another thread's TSYNC gave the process.
#[cold]
fn take_synced(state: &mut State, serial: u64) {
    if let Some(s) = SYNCED.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        *state = s.clone();
    }
    state.synced = serial;
}

#[cold]
fn judge(ctx: &mut Ctx, nr: u32, args: &Args) -> Option<SysResult> {
    if ctx.task.seccomp.mode == MODE_STRICT {
        // __secure_computing_strict(): do_exit(SIGKILL).
        return (!STRICT_ALLOWED.contains(&nr)).then_some(Err(SysError::Exit(Exit::Signal(libc::SIGKILL))));
    }
    let ip = ctx.machine.eip();
    let data = seccomp_data(nr, ip, args);
    let mut ret = RET_ALLOW;
    let mut f = ctx.task.seccomp.filter.as_deref();
    while let Some(x) = f {
        let cur = run(&x.prog, &data);
        if ((cur & RET_ACTION_FULL) as i32) < ((ret & RET_ACTION_FULL) as i32) {
            ret = cur;
        }
        f = x.prev.as_deref();
    }
    let value = ret & RET_DATA;
    match ret & RET_ACTION_FULL {
        // Let the filter pass back 16 bits of data, at most MAX_ERRNO (0: the call returns 0).
        RET_ERRNO if value == 0 => Some(Ok(0)),
        RET_ERRNO => Some(Err(Errno::from_raw_os_error(value.min(4095) as i32).into())),
        RET_TRAP => Some(trap(ctx, nr, ip, value)),
        // No tracer, no listener: ENOSYS.
        RET_TRACE | RET_USER_NOTIF => Some(Err(Errno::NOSYS.into())),
        RET_LOG | RET_ALLOW => None,
        // KILL_THREAD, KILL_PROCESS and unknown actions: a core-dumping SIGSYS.
        RET_KILL_THREAD | RET_KILL_PROCESS => Some(Err(SysError::Exit(Exit::Signal(libc::SIGSYS)))),
        _ => Some(Err(SysError::Exit(Exit::Signal(libc::SIGSYS)))),
    }
}

/// SECCOMP_RET_TRAP: force_sig_seccomp() (a blocked or ignored SIGSYS is unblocked and reset to
/// the default action, which kills), and the call returns its own number (syscall_rollback()).
fn trap(ctx: &mut Ctx, nr: u32, ip: u32, data: u32) -> SysResult {
    const SIGSYS: u32 = 31;
    const SYS_SECCOMP: i32 = 1;
    let bit = 1u64 << (SIGSYS - 1);
    if ctx.task.signals.mask & bit != 0 || !ctx.task.signals.action(SIGSYS, ctx.held).is_handler() {
        return Err(SysError::Exit(Exit::Signal(libc::SIGSYS)));
    }
    // The host layout of the siginfo (the recorded signals' slots hold host siginfos): signo,
    // errno, code, then _sigsys at 16: call_addr (8 bytes), syscall, arch.
    let mut raw = [0u8; 128];
    raw[0..4].copy_from_slice(&(SIGSYS as i32).to_le_bytes());
    raw[4..8].copy_from_slice(&(data as i32).to_le_bytes());
    raw[8..12].copy_from_slice(&SYS_SECCOMP.to_le_bytes());
    raw[16..24].copy_from_slice(&u64::from(ip).to_le_bytes());
    raw[24..28].copy_from_slice(&nr.to_le_bytes());
    raw[28..32].copy_from_slice(&AUDIT_ARCH_I386.to_le_bytes());
    super::signal::record_forced(SIGSYS, raw);
    Ok(nr)
}

/// `struct seccomp_data` of an i386 task: nr, arch, instruction_pointer, args[6] as u64.
fn seccomp_data(nr: u32, ip: u32, args: &Args) -> [u8; DATA_LEN as usize] {
    let mut d = [0u8; DATA_LEN as usize];
    d[0..4].copy_from_slice(&nr.to_le_bytes());
    d[4..8].copy_from_slice(&AUDIT_ARCH_I386.to_le_bytes());
    d[8..16].copy_from_slice(&u64::from(ip).to_le_bytes());
    for (i, a) in args.iter().enumerate() {
        d[16 + i * 8..24 + i * 8].copy_from_slice(&u64::from(*a).to_le_bytes());
    }
    d
}

// Classic BPF opcodes (uapi/linux/bpf_common.h, filter.h).
const LD: u16 = 0x00;
const LDX: u16 = 0x01;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const ALU: u16 = 0x04;
const JMP: u16 = 0x05;
const RET: u16 = 0x06;
const MISC: u16 = 0x07;
const W: u16 = 0x00;
const H: u16 = 0x08;
const B: u16 = 0x10;
const IMM: u16 = 0x00;
const ABS: u16 = 0x20;
const IND: u16 = 0x40;
const MEM: u16 = 0x60;
const LEN: u16 = 0x80;
const MSH: u16 = 0xa0;
const ADD: u16 = 0x00;
const SUB: u16 = 0x10;
const MUL: u16 = 0x20;
const DIV: u16 = 0x30;
const OR: u16 = 0x40;
const AND: u16 = 0x50;
const LSH: u16 = 0x60;
const RSH: u16 = 0x70;
const NEG: u16 = 0x80;
const MOD: u16 = 0x90;
const XOR: u16 = 0xa0;
const JA: u16 = 0x00;
const JEQ: u16 = 0x10;
const JGT: u16 = 0x20;
const JGE: u16 = 0x30;
const JSET: u16 = 0x40;
const K: u16 = 0x00;
const X: u16 = 0x08;
const A: u16 = 0x10;
const TAX: u16 = 0x00;
const TXA: u16 = 0x80;
/// SKF_AD_OFF: where the ancillary loads start (none is a seccomp instruction).
const SKF_AD_OFF: u32 = (-0x1000i32) as u32;

/// The codes bpf_check_classic() knows (chk_code_allowed()).
fn code_known(code: u16) -> bool {
    let alu = [ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, LSH, RSH];
    let jmp = [JEQ, JGT, JGE, JSET];
    alu.iter().any(|&op| code == ALU | op | K || code == ALU | op | X)
        || code == ALU | NEG
        || [W, H, B].iter().any(|&s| code == LD | s | ABS || code == LD | s | IND)
        || [LD | W | LEN, LD | IMM, LD | MEM, LDX | W | IMM, LDX | W | LEN, LDX | W | MEM, LDX | B | MSH]
            .contains(&code)
        || [ST, STX, MISC | TAX, MISC | TXA, RET | K, RET | A, JMP | JA].contains(&code)
        || jmp.iter().any(|&op| code == JMP | op | K || code == JMP | op | X)
}

/// Whether `code` is a conditional jump.
fn conditional(code: u16) -> bool {
    code & 0x07 == JMP && code != JMP | JA
}

/// bpf_check_classic(): every code known, divisions by a constant 0, shifts of 32 or more,
/// memory cells past 16, jumps out of the program, unknown ancillary loads and a last
/// instruction that does not return are EINVAL; then check_load_and_stores().
fn check_classic(prog: &[Insn]) -> Result<(), Errno> {
    let len = prog.len();
    for (pc, i) in prog.iter().enumerate() {
        if !code_known(i.code) {
            return Err(Errno::INVAL);
        }
        let bad = match i.code {
            c if c == ALU | DIV | K || c == ALU | MOD | K => i.k == 0,
            c if c == ALU | LSH | K || c == ALU | RSH | K => i.k >= 32,
            c if c == LD | MEM || c == LDX | MEM || c == ST || c == STX => i.k >= MEMWORDS,
            c if c == JMP | JA => u64::from(i.k) >= (len - pc - 1) as u64,
            c if conditional(c) => pc + i.jt as usize + 1 >= len || pc + i.jf as usize + 1 >= len,
            c if c == LD | W | ABS || c == LD | H | ABS || c == LD | B | ABS => i.k >= SKF_AD_OFF,
            _ => false,
        };
        if bad {
            return Err(Errno::INVAL);
        }
    }
    match prog.last() {
        Some(i) if i.code == RET | K || i.code == RET | A => check_load_and_stores(prog),
        _ => Err(Errno::INVAL),
    }
}

/// check_load_and_stores(): a memory cell is loaded only where every path has stored it.
fn check_load_and_stores(prog: &[Insn]) -> Result<(), Errno> {
    let mut masks = vec![u16::MAX; prog.len()];
    let mut valid: u16 = 0;
    for (pc, i) in prog.iter().enumerate() {
        valid &= masks[pc];
        match i.code {
            c if c == ST || c == STX => valid |= 1 << i.k,
            c if (c == LD | MEM || c == LDX | MEM) && valid & (1 << i.k) == 0 => return Err(Errno::INVAL),
            c if c == JMP | JA => {
                if let Some(m) = masks.get_mut(pc + 1 + i.k as usize) {
                    *m &= valid;
                }
                valid = u16::MAX;
            }
            c if conditional(c) => {
                for t in [i.jt, i.jf] {
                    if let Some(m) = masks.get_mut(pc + 1 + t as usize) {
                        *m &= valid;
                    }
                }
                valid = u16::MAX;
            }
            _ => {}
        }
    }
    Ok(())
}

/// seccomp_check_filter(): only these instructions, word loads aligned inside seccomp_data.
fn check_seccomp(prog: &[Insn]) -> Result<(), Errno> {
    for i in prog {
        let ok = match i.code {
            c if c == LD | W | ABS => i.k < DATA_LEN && i.k & 3 == 0,
            c if c == LD | W | LEN || c == LDX | W | LEN => true,
            c if c == RET | K || c == RET | A || c == ALU | NEG => true,
            c if c & 0x07 == ALU => {
                [ADD, SUB, MUL, DIV, AND, OR, XOR, LSH, RSH].iter().any(|&op| c == ALU | op | K || c == ALU | op | X)
            }
            c => {
                [LD | IMM, LDX | IMM, MISC | TAX, MISC | TXA, LD | MEM, LDX | MEM, ST, STX, JMP | JA].contains(&c)
                    || (conditional(c) && code_known(c))
            }
        };
        if !ok {
            return Err(Errno::INVAL);
        }
    }
    Ok(())
}

/// Run a checked program over `data` (the classic BPF machine; a division by X = 0 ends the
/// program with 0, as the kernel's translation of it does).
fn run(prog: &[Insn], data: &[u8; DATA_LEN as usize]) -> u32 {
    let (mut a, mut x) = (0u32, 0u32);
    let mut mem = [0u32; MEMWORDS as usize];
    let mut pc = 0usize;
    while let Some(i) = prog.get(pc) {
        pc += 1;
        let src = if i.code & X != 0 { x } else { i.k };
        match i.code & 0x07 {
            LD => {
                a = match i.code & 0xe0 {
                    ABS => data
                        .get(i.k as usize..i.k as usize + 4)
                        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    LEN => DATA_LEN,
                    MEM => mem[(i.k % MEMWORDS) as usize],
                    _ => i.k,
                }
            }
            LDX => {
                x = match i.code & 0xe0 {
                    LEN => DATA_LEN,
                    MEM => mem[(i.k % MEMWORDS) as usize],
                    _ => i.k,
                }
            }
            ST => mem[(i.k % MEMWORDS) as usize] = a,
            STX => mem[(i.k % MEMWORDS) as usize] = x,
            ALU => {
                a = match i.code & 0xf0 {
                    ADD => a.wrapping_add(src),
                    SUB => a.wrapping_sub(src),
                    MUL => a.wrapping_mul(src),
                    DIV if src == 0 => return 0,
                    DIV => a / src,
                    AND => a & src,
                    OR => a | src,
                    XOR => a ^ src,
                    LSH => a.checked_shl(src).unwrap_or(0),
                    RSH => a.checked_shr(src).unwrap_or(0),
                    NEG => a.wrapping_neg(),
                    _ => a,
                }
            }
            JMP => {
                let op = i.code & 0xf0;
                if op == JA {
                    pc += i.k as usize;
                    continue;
                }
                let taken = match op {
                    JEQ => a == src,
                    JGT => a > src,
                    JGE => a >= src,
                    _ => a & src != 0,
                };
                pc += if taken { i.jt } else { i.jf } as usize;
            }
            RET => return if i.code & 0x18 == A { a } else { i.k },
            _ => {
                if i.code == MISC | TAX {
                    x = a;
                } else {
                    a = x;
                }
            }
        }
    }
    0
}

/// Implements seccomp(2): do_seccomp().
fn seccomp(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [op, flags, uargs, ..] = *a;
    match op {
        SET_MODE_STRICT if flags != 0 || uargs != 0 => Err(Errno::INVAL.into()),
        SET_MODE_STRICT => set_strict(ctx),
        SET_MODE_FILTER => set_filter(ctx, flags, uargs),
        GET_ACTION_AVAIL if flags != 0 => Err(Errno::INVAL.into()),
        GET_ACTION_AVAIL => {
            let action = ctx.mem.read_u32(uargs)?;
            match action {
                RET_KILL_PROCESS | RET_KILL_THREAD | RET_TRAP | RET_ERRNO | RET_TRACE | RET_LOG | RET_ALLOW => Ok(0),
                _ => Err(Errno::OPNOTSUPP.into()),
            }
        }
        // SECCOMP_GET_NOTIF_SIZES and unknown operations.
        _ => Err(Errno::INVAL.into()),
    }
}

/// seccomp_set_mode_strict(): EINVAL once a filter is attached.
fn set_strict(ctx: &mut Ctx) -> SysResult {
    let s = &mut ctx.task.seccomp;
    if s.mode != MODE_DISABLED && s.mode != MODE_STRICT {
        return Err(Errno::INVAL.into());
    }
    s.mode = MODE_STRICT;
    super::procfs::other::republish();
    Ok(0)
}

/// seccomp_set_mode_filter(): flags, the program (seccomp_prepare_user_filter(): the compat
/// `struct sock_fprog`, its length, the privilege check, the copy, the two checks), the mode,
/// then seccomp_attach_filter() (the total length).
fn set_filter(ctx: &mut Ctx, flags: u32, uargs: u32) -> SysResult {
    if flags & !FLAG_MASK != 0 {
        return Err(Errno::INVAL.into());
    }
    // struct compat_sock_fprog { u16 len; compat_uptr_t filter; }.
    let raw: [u8; 8] = ctx.mem.read_obj(uargs)?;
    let len = u16::from_le_bytes([raw[0], raw[1]]) as usize;
    let at = u32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
    if len == 0 || len > MAXINSNS {
        return Err(Errno::INVAL.into());
    }
    if !no_new_privs() && !cap_sys_admin() {
        return Err(Errno::ACCESS.into());
    }
    let bytes = ctx.mem.slice(at, len * 8)?;
    let prog: Vec<Insn> = bytes
        .chunks_exact(8)
        .map(|c| Insn {
            code: u16::from_le_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect();
    check_classic(&prog)?;
    check_seccomp(&prog)?;
    let s = &mut ctx.task.seccomp;
    if s.mode != MODE_DISABLED && s.mode != MODE_FILTER {
        return Err(Errno::INVAL.into());
    }
    let mut total = prog.len();
    let mut f = s.filter.as_deref();
    while let Some(x) = f {
        total += x.prog.len() + 4;
        f = x.prev.as_deref();
    }
    if total > MAX_INSNS_PER_PATH {
        return Err(Errno::NOMEM.into());
    }
    s.filter = Some(Arc::new(Filter { prog, log: flags & FLAG_LOG != 0, prev: s.filter.take() }));
    s.mode = MODE_FILTER;
    if flags & FLAG_TSYNC != 0 {
        let mut synced = SYNCED.lock().unwrap_or_else(|e| e.into_inner());
        let serial = SYNC_SERIAL.load(std::sync::atomic::Ordering::Relaxed) + 1;
        s.synced = serial;
        *synced = Some(s.clone());
        SYNC_SERIAL.store(serial, std::sync::atomic::Ordering::Relaxed);
    }
    super::procfs::other::republish();
    Ok(0)
}

/// task_no_new_privs(): the host's flag, which prctl(PR_SET_NO_NEW_PRIVS) sets for the guest.
fn no_new_privs() -> bool {
    rustix::thread::no_new_privs().unwrap_or(false)
}

/// CAP_SYS_ADMIN in the effective set (the process's credentials are the guest's).
fn cap_sys_admin() -> bool {
    const CAP_SYS_ADMIN: u32 = 21;
    std::fs::read_to_string("/proc/thread-self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("CapEff:"))?;
            u64::from_str_radix(line["CapEff:".len()..].trim(), 16).ok()
        })
        .is_some_and(|caps| caps & (1 << CAP_SYS_ADMIN) != 0)
}

/// prctl(PR_GET_SECCOMP): the mode (strict mode never gets here: prctl kills it).
pub fn prctl_get(ctx: &mut Ctx) -> SysResult {
    Ok(ctx.task.seccomp.mode)
}

/// prctl(PR_SET_SECCOMP, mode, filter): prctl_set_seccomp().
pub fn prctl_set(ctx: &mut Ctx, mode: u32, filter: u32) -> SysResult {
    match mode {
        MODE_STRICT => set_strict(ctx),
        MODE_FILTER => set_filter(ctx, 0, filter),
        _ => Err(Errno::INVAL.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        Insn { code, jt, jf, k }
    }

    #[test]
    fn a_filter_on_the_call_number_decides_by_it() {
        // ld [0]; jeq #20, 0, 1; ret ERRNO|5; ret ALLOW
        let prog = [
            i(LD | W | ABS, 0, 0, 0),
            i(JMP | JEQ | K, 0, 1, 20),
            i(RET | K, 0, 0, RET_ERRNO | 5),
            i(RET | K, 0, 0, RET_ALLOW),
        ];
        assert_eq!(check_classic(&prog).and(check_seccomp(&prog)), Ok(()));
        assert_eq!(run(&prog, &seccomp_data(20, 0, &[0; 6])), RET_ERRNO | 5);
        assert_eq!(run(&prog, &seccomp_data(21, 0, &[0; 6])), RET_ALLOW);
    }

    #[test]
    fn bad_programs_are_refused() {
        let ret = i(RET | K, 0, 0, RET_ALLOW);
        assert_eq!(check_classic(&[i(LD | W | ABS, 0, 0, 0)]), Err(Errno::INVAL));
        assert_eq!(check_classic(&[i(0xffff, 0, 0, 0), ret]), Err(Errno::INVAL));
        assert_eq!(check_classic(&[i(ALU | DIV | K, 0, 0, 0), ret]), Err(Errno::INVAL));
        assert_eq!(check_classic(&[i(JMP | JEQ | K, 5, 0, 0), ret]), Err(Errno::INVAL));
        assert_eq!(check_classic(&[i(LD | MEM, 0, 0, 1), ret]), Err(Errno::INVAL));
        assert_eq!(check_seccomp(&[i(LD | W | ABS, 0, 0, 2), ret]), Err(Errno::INVAL));
        assert_eq!(check_seccomp(&[i(LD | W | ABS, 0, 0, 64), ret]), Err(Errno::INVAL));
        assert_eq!(check_seccomp(&[i(LD | B | ABS, 0, 0, 0), ret]), Err(Errno::INVAL));
        assert_eq!(check_seccomp(&[i(ALU | MOD | K, 0, 0, 3), ret]), Err(Errno::INVAL));
        assert_eq!(check_classic(&[i(ST, 0, 0, 1), i(LD | MEM, 0, 0, 1), ret]), Ok(()));
    }

    #[test]
    fn the_state_survives_exec() {
        let prog = vec![i(RET | K, 0, 0, RET_ALLOW)];
        let first = Arc::new(Filter { prog: prog.clone(), log: false, prev: None });
        let s = State {
            mode: MODE_FILTER,
            filter: Some(Arc::new(Filter { prog, log: true, prev: Some(first) })),
            synced: 0,
        };
        let text = s.for_exec().unwrap_or_default();
        let back = State::from_exec(&text).expect("parses");
        assert_eq!((back.mode, back.filters(), back.for_exec()), (MODE_FILTER, 2, Some(text)));
        assert!(State::from_exec("2:x").is_none());
    }
}
