//! Signal delivery on the CPU: the i386 signal frames (`rt_sigframe` with siginfo and ucontext,
//! or `sigframe` for handlers without SA_SIGINFO), sigreturn, restarts and CPU faults.
//!
//! The syscall side records host signals (hostcall/sighandler.rs) and keeps the dispositions
//! (sys/signal.rs); this module runs at the two points where the kernel delivers — syscall return
//! (inside the interrupt hook) and an interrupted CPU (the host handler stopped it) — and when the
//! CPU faults. Frames follow arch/x86/ia32/ia32_signal.c and arch/x86/kernel/signal.c: the FPU
//! state (an `fxsave` image after the legacy `_fpstate_32` header, 64-byte aligned) below the
//! stack top, the frame under it with `(esp + 4) % 16 == 0` at handler entry. Frames hold the CPU's selectors, handlers run with
//! Linux's flat user segments (cs 0x23, ss/ds/es 0x2b), sigreturn reloads the frame's.

use crate::cpu::set_eip;
use crate::engine::{edit_saved_context, read_pseudo, read_wide, write_wide};
use crate::mem::GuestSpace;
use std::mem::offset_of;
use syscalls::abi::signal::*;
use syscalls::mem::{GuestMemory, GuestMemoryExt};
use syscalls::space::{VDSO_RT_SIGRETURN, VDSO_SIGRETURN};
use syscalls::sys::signal::{self as sig, Action, Sigreturn};
use syscalls::task::Held;
use syscalls::{Exit, Task};
use unicorn_engine::{MemType, RegisterX86, Unicorn};

/// Linux's user selectors (__USER32_CS, __USER_DS).
const USER_CS: u32 = 0x23;
const USER_DS: u32 = 0x2b;

/// EFLAGS bits.
const TF: u32 = 1 << 8;
const DF: u32 = 1 << 10;
const RF: u32 = 1 << 16;
/// FIX_EFLAGS: what sigreturn takes from the frame (AC OF DF TF SF ZF AF PF CF RF).
const FIX_EFLAGS: u32 = 0x0004_0dd5 | RF;

/// Why the CPU stopped, as the kernel records it in the sigcontext (trapno, err, cr2).
#[derive(Debug, Clone, Copy, Default)]
pub struct Trap {
    pub trapno: u32,
    pub err: u32,
    pub cr2: u32,
}

fn reg(cpu: &Unicorn<'_, ()>, r: RegisterX86) -> u32 {
    cpu.reg_read(r).unwrap_or(0) as u32
}

fn set(cpu: &mut Unicorn<'_, ()>, r: RegisterX86, v: u32) {
    let _ = cpu.reg_write(r, u64::from(v));
}

/// The FPU and SSE state as `struct _fpstate_32` with the `fxsave` image (magic 0).
fn save_fpu(cpu: &Unicorn<'_, ()>) -> Fpstate {
    let mut fp = Fpstate::default();
    let cw = reg(cpu, RegisterX86::FPCW) & 0xffff;
    let sw = reg(cpu, RegisterX86::FPSW) & 0xffff;
    let tag = reg(cpu, RegisterX86::FPTAG) & 0xffff;
    fp.cw = U32::new(cw | 0xffff_0000);
    fp.sw = U32::new(sw | 0xffff_0000);
    fp.tag = U32::new(tag | 0xffff_0000);
    fp.status = U16::new(sw as u16);
    fp.magic = U16::new(0);
    fp.fx.cwd = U16::new(cw as u16);
    fp.fx.swd = U16::new(sw as u16);
    // Abridged tag: bit i set when physical register i is not empty.
    let mut twd = 0u8;
    for i in 0..8 {
        if (tag >> (2 * i)) & 3 != 3 {
            twd |= 1 << i;
        }
    }
    fp.fx.twd = twd;
    fp.fx.mxcsr = U32::new(reg(cpu, RegisterX86::MXCSR));
    fp.fx.mxcsr_mask = U32::new(0xffff);
    for (i, r) in crate::cpu::ST.iter().enumerate() {
        let v = read_wide(cpu, *r);
        fp.fx.st[i][..10].copy_from_slice(&v[..10]);
        fp.st[i].copy_from_slice(&v[..10]);
    }
    for (i, r) in crate::cpu::XMM.iter().enumerate() {
        fp.fx.xmm[i] = read_wide(cpu, *r);
    }
    fp
}

/// Restore the FPU and SSE state from the `fxsave` image.
fn restore_fpu(cpu: &mut Unicorn<'_, ()>, fp: &Fpstate) {
    let fx = &fp.fx;
    set(cpu, RegisterX86::FPCW, u32::from(fx.cwd.get()));
    set(cpu, RegisterX86::FPSW, u32::from(fx.swd.get()));
    let mut tag = 0u32;
    for i in 0..8 {
        if fx.twd & (1 << i) == 0 {
            tag |= 3 << (2 * i);
        }
    }
    set(cpu, RegisterX86::FPTAG, tag);
    // FPSW set TOP first: ST(i) are relative to it.
    for (i, r) in crate::cpu::ST.iter().enumerate() {
        write_wide(cpu, *r, &fx.st[i][..10]);
    }
    for (i, r) in crate::cpu::XMM.iter().enumerate() {
        write_wide(cpu, *r, &fx.xmm[i]);
    }
    set(cpu, RegisterX86::MXCSR, fx.mxcsr.get() & 0xffff);
}

/// The FPU state a handler starts with (fpu__clear_user_states(): the init state).
fn reset_fpu(cpu: &mut Unicorn<'_, ()>) {
    set(cpu, RegisterX86::FPCW, 0x37f);
    set(cpu, RegisterX86::FPSW, 0);
    set(cpu, RegisterX86::FPTAG, 0xffff);
    set(cpu, RegisterX86::MXCSR, 0x1f80);
    for r in crate::cpu::XMM {
        write_wide(cpu, r, &[0; 16]);
    }
}

/// The interrupted context as `struct sigcontext_32`.
fn save_regs(cpu: &Unicorn<'_, ()>, trap: Trap) -> Sigcontext {
    let r = |x| U32::new(reg(cpu, x));
    let esp = reg(cpu, RegisterX86::ESP);
    Sigcontext {
        gs: r(RegisterX86::GS),
        fs: r(RegisterX86::FS),
        es: r(RegisterX86::ES),
        ds: r(RegisterX86::DS),
        edi: r(RegisterX86::EDI),
        esi: r(RegisterX86::ESI),
        ebp: r(RegisterX86::EBP),
        esp: U32::new(esp),
        ebx: r(RegisterX86::EBX),
        edx: r(RegisterX86::EDX),
        ecx: r(RegisterX86::ECX),
        eax: r(RegisterX86::EAX),
        trapno: U32::new(trap.trapno),
        err: U32::new(trap.err),
        eip: r(RegisterX86::EIP),
        cs: r(RegisterX86::CS),
        eflags: r(RegisterX86::EFLAGS),
        esp_at_signal: U32::new(esp),
        ss: r(RegisterX86::SS),
        fpstate: U32::new(0),
        oldmask: U32::new(0),
        cr2: U32::new(trap.cr2),
    }
}

/// Load a sigcontext (restore_sigcontext()); a segment that cannot be loaded becomes 0. DS and ES
/// are reloaded, with RPL 3, only when the frame's differ from the CPU's (reload_segments()).
fn restore_regs(cpu: &mut Unicorn<'_, ()>, sc: &Sigcontext) {
    for (r, v) in [(RegisterX86::GS, sc.gs.get()), (RegisterX86::FS, sc.fs.get())] {
        let v = v & 0xffff;
        if cpu.reg_write(r, u64::from(v)).is_err() {
            set(cpu, r, 0);
        }
    }
    for (r, v) in [(RegisterX86::DS, sc.ds.get()), (RegisterX86::ES, sc.es.get())] {
        let v = (v | 3) & 0xffff;
        if v != reg(cpu, r) && cpu.reg_write(r, u64::from(v)).is_err() {
            set(cpu, r, 0);
        }
    }
    // regs->cs and regs->ss with RPL 3; one the return to user mode could not load is the flat
    // segment (the kernel's IRET would fault instead).
    for (r, v, flat) in [(RegisterX86::SS, sc.ss.get(), USER_DS), (RegisterX86::CS, sc.cs.get(), USER_CS)] {
        let v = (v | 3) & 0xffff;
        if v != reg(cpu, r) && cpu.reg_write(r, u64::from(v)).is_err() {
            set(cpu, r, flat);
        }
    }
    set(cpu, RegisterX86::EDI, sc.edi.get());
    set(cpu, RegisterX86::ESI, sc.esi.get());
    set(cpu, RegisterX86::EBP, sc.ebp.get());
    set(cpu, RegisterX86::ESP, sc.esp.get());
    set(cpu, RegisterX86::EBX, sc.ebx.get());
    set(cpu, RegisterX86::EDX, sc.edx.get());
    set(cpu, RegisterX86::ECX, sc.ecx.get());
    set(cpu, RegisterX86::EAX, sc.eax.get());
    let flags = reg(cpu, RegisterX86::EFLAGS);
    set(cpu, RegisterX86::EFLAGS, (flags & !FIX_EFLAGS) | (sc.eflags.get() & FIX_EFLAGS));
    set_eip(cpu, sc.eip.get());
}

/// Build the frame for `signo` with its handler and switch the CPU to it. `Err` is how the
/// program ends instead (a default action, or a frame that cannot be written).
pub fn deliver(
    cpu: &mut Unicorn<'_, ()>,
    space: &mut GuestSpace,
    task: &mut Task,
    held: &mut Held,
    signo: u32,
    info: &Siginfo,
    trap: Trap,
) -> Result<(), Exit> {
    let action = task.signals.action(signo, held);
    if !action.is_handler() {
        return default_action(signo, action);
    }
    // rseq_signal_deliver(): the frame saves the abort handler's address.
    crate::rseq::resume(cpu, space, task, syscalls::sys::rseq::Event::Signal)?;
    let signals = &mut task.signals;
    let esp = reg(cpu, RegisterX86::ESP);
    let (ss_base, ss_size, ss_flags) = signals.altstack;
    let rt = action.flags & SA_SIGINFO != 0;
    let (frame, fpstate, onstack) = get_sigframe(signals, &action, esp, rt)?;
    let old_mask = signals.saved_mask.take().unwrap_or(signals.mask);
    let mut sc = save_regs(cpu, trap);
    sc.fpstate = U32::new(fpstate);
    sc.oldmask = U32::new(old_mask as u32);
    let fp = save_fpu(cpu);
    let uc_stack = StackT { ss_sp: U32::new(ss_base), ss_flags: U32::new(ss_flags), ss_size: U32::new(ss_size) };
    let written = if rt {
        let f = RtSigframe {
            pretcode: U32::new(restorer(
                &action,
                task.mm.get(held).vdso,
                VDSO_RT_SIGRETURN,
                frame + offset_of!(RtSigframe, retcode) as u32,
            )),
            sig: U32::new(signo),
            pinfo: U32::new(frame + offset_of!(RtSigframe, info) as u32),
            puc: U32::new(frame + offset_of!(RtSigframe, uc) as u32),
            info: *info,
            uc: Ucontext {
                flags: U32::new(0),
                link: U32::new(0),
                stack: uc_stack,
                mcontext: sc,
                sigmask: U64::new(old_mask),
            },
            retcode: RT_SIGRETURN_CODE,
        };
        space.write_obj(frame, &f)
    } else {
        let f = Sigframe {
            pretcode: U32::new(restorer(
                &action,
                task.mm.get(held).vdso,
                VDSO_SIGRETURN,
                frame + offset_of!(Sigframe, retcode) as u32,
            )),
            sig: U32::new(signo),
            sc,
            extramask: U32::new((old_mask >> 32) as u32),
            retcode: SIGRETURN_CODE,
            ..Default::default()
        };
        space.write_obj(frame, &f)
    };
    if written.and_then(|()| space.write_obj(fpstate, &fp)).is_err() {
        log::debug!("signal {signo}: cannot write the frame at {frame:#x}");
        return Err(Exit::Signal(SIGSEGV as i32));
    }
    signal_setup_done(&mut task.signals, held, &action, signo, onstack);
    log::debug!("signal {signo}: frame at {frame:#x}, handler {:#x}, esp was {esp:#x}", action.handler);
    enter_handler(cpu, signo, action.handler, frame, rt);
    Ok(())
}

/// Where the frame goes (get_sigframe()): on the alternate stack with SA_ONSTACK when the thread
/// is not on it already, under the 64-byte aligned fxsave image and its legacy header
/// (fpu__alloc_mathframe()), aligned so that (esp + 4) is 16-byte aligned at handler entry
/// (align_sigframe()). The frame's and the FPU state's addresses and whether the frame switched
/// to the alternate stack; SIGSEGV for a frame that does not fit.
fn get_sigframe(signals: &sig::Signals, action: &Action, esp: u32, rt: bool) -> Result<(u32, u32, bool), Exit> {
    let (ss_base, ss_size, _) = signals.altstack;
    let mut sp = u64::from(esp);
    let mut onstack = false;
    if action.flags & SA_ONSTACK != 0 && signals.altstack_flags(esp) == 0 {
        sp = u64::from(ss_base) + u64::from(ss_size);
        onstack = true;
    }
    let fx = sp.checked_sub(512).ok_or(Exit::Signal(SIGSEGV as i32))? & !63;
    let fpstate = fx.checked_sub(u64::from(FPSTATE_FX_OFFSET)).ok_or(Exit::Signal(SIGSEGV as i32))?;
    let size = if rt { size_of::<RtSigframe>() } else { size_of::<Sigframe>() } as u64;
    let frame =
        fpstate.checked_sub(size).and_then(|f| ((f + 4) & !15).checked_sub(4)).ok_or(Exit::Signal(SIGSEGV as i32))?;
    let frame = frame as u32;
    // An alternate stack the frame would overflow: SIGSEGV (__on_sig_stack(), which ignores
    // SS_AUTODISARM).
    let within = |sp: u32| sp > ss_base && sp - ss_base <= ss_size;
    if (onstack || signals.on_altstack(esp)) && !within(frame) {
        return Err(Exit::Signal(SIGSEGV as i32));
    }
    Ok((frame, fpstate as u32, onstack))
}

/// After the frame is written (signal_setup_done()): SS_AUTODISARM disarms the alternate stack
/// the frame went to (`onstack`), SA_RESETHAND resets the action, and the handler runs with its
/// sa_mask and, without SA_NODEFER, `signo` blocked.
fn signal_setup_done(signals: &mut sig::Signals, held: &mut Held, action: &Action, signo: u32, onstack: bool) {
    if onstack && signals.altstack.2 & SS_AUTODISARM != 0 {
        signals.altstack = (0, 0, SS_DISABLE);
    }
    if action.flags & SA_RESETHAND != 0 {
        let reset = Action::default();
        if let Some(slot) = signals.actions.get_mut(held).get_mut(signo as usize - 1) {
            slot.handler = SIG_DFL;
        }
        sig::install_host(signo, &reset);
    }
    let mut mask = signals.mask | action.mask;
    if action.flags & SA_NODEFER == 0 {
        mask |= bit(signo);
    }
    signals.set_mask(mask);
}

/// Switch the CPU to the handler at `handler` with its frame at `frame`: the signal number in
/// %eax and, for an rt frame (`rt`), the siginfo and ucontext addresses in %edx and %ecx.
fn enter_handler(cpu: &mut Unicorn<'_, ()>, signo: u32, handler: u32, frame: u32, rt: bool) {
    set(cpu, RegisterX86::ESP, frame);
    set_eip(cpu, handler);
    set(cpu, RegisterX86::EAX, signo);
    let (edx, ecx) = if rt { (frame + 16, frame + offset_of!(RtSigframe, uc) as u32) } else { (0, 0) };
    set(cpu, RegisterX86::EDX, edx);
    set(cpu, RegisterX86::ECX, ecx);
    // The handler runs with the flat data segments (ia32_setup_rt_frame: loadsegment(ds/es,
    // __USER_DS), regs->cs = __USER32_CS, regs->ss = __USER_DS), whatever LDT selectors the
    // program had loaded.
    set(cpu, RegisterX86::DS, USER_DS);
    set(cpu, RegisterX86::ES, USER_DS);
    set(cpu, RegisterX86::SS, USER_DS);
    set(cpu, RegisterX86::CS, USER_CS);
    let flags = reg(cpu, RegisterX86::EFLAGS);
    set(cpu, RegisterX86::EFLAGS, flags & !(DF | RF | TF));
    reset_fpu(cpu);
}

/// Where the handler returns (ia32_setup_frame(), ia32_setup_rt_frame()): sa_restorer (glibc
/// always sets it), else the vDSO's trampoline at `offset`, else (no vDSO) the frame's `retcode`,
/// which only runs where the stack is executable.
fn restorer(action: &Action, vdso: u32, offset: u32, retcode: u32) -> u32 {
    if action.flags & SA_RESTORER != 0 {
        action.restorer
    } else if vdso != 0 {
        vdso + offset
    } else {
        retcode
    }
}

/// A signal with no guest handler at delivery time (its disposition changed after the host
/// recorded it): ignore it, or take the default action.
fn default_action(signo: u32, action: Action) -> Result<(), Exit> {
    if action.handler == SIG_IGN || DEFAULT_IGNORED & bit(signo) != 0 {
        return Ok(());
    }
    if matches!(signo, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU) {
        // The host's disposition is SIG_DFL too: let the host stop us.
        crate::host::process::kill_self(signo as i32);
        return Ok(());
    }
    Err(Exit::Signal(signo as i32))
}

/// rt_sigreturn / sigreturn: restore registers, FPU, mask (and the alternate stack) from the
/// frame below `%esp`. A bad frame is SIGSEGV.
fn sigreturn(cpu: &mut Unicorn<'_, ()>, space: &mut GuestSpace, task: &mut Task, kind: Sigreturn) -> Result<(), Exit> {
    let esp = reg(cpu, RegisterX86::ESP);
    let segv = Exit::Signal(SIGSEGV as i32);
    let (sc, mask, stack) = match kind {
        Sigreturn::Rt => {
            let f: RtSigframe = space.read_obj(esp.wrapping_sub(4)).map_err(|_| segv)?;
            (f.uc.mcontext, f.uc.sigmask.get(), Some(f.uc.stack))
        }
        Sigreturn::Old => {
            let f: Sigframe = space.read_obj(esp.wrapping_sub(8)).map_err(|_| segv)?;
            (f.sc, u64::from(f.sc.oldmask.get()) | (u64::from(f.extramask.get()) << 32), None)
        }
    };
    let fp = match sc.fpstate.get() {
        0 => None,
        at => Some(space.read_obj::<Fpstate>(at).map_err(|_| segv)?),
    };
    task.signals.set_mask(mask);
    restore_regs(cpu, &sc);
    match fp {
        Some(fp) => restore_fpu(cpu, &fp),
        None => reset_fpu(cpu),
    }
    if let Some(st) = stack {
        restore_altstack(task, &st, sc.esp.get());
    }
    Ok(())
}

/// restore_altstack(): do_sigaltstack() with the restored stack pointer; every error but EFAULT
/// is ignored.
fn restore_altstack(task: &mut Task, st: &StackT, sp: u32) {
    let signals = &mut task.signals;
    if signals.on_altstack(sp) {
        return;
    }
    let flags = st.ss_flags.get();
    let mode = flags & !SS_AUTODISARM;
    if mode == SS_DISABLE {
        signals.altstack = (0, 0, flags);
    } else if (mode == 0 || mode == SS_ONSTACK) && st.ss_size.get() >= MINSIGSTKSZ {
        signals.altstack = (st.ss_sp.get(), st.ss_size.get(), flags);
    }
}

/// Deliver every recorded signal the mask lets through, then settle the mask
/// (a sigsuspend's saved mask comes back if no handler took it).
fn deliver_recorded(
    cpu: &mut Unicorn<'_, ()>,
    space: &mut GuestSpace,
    task: &mut Task,
    held: &mut Held,
) -> Result<bool, Exit> {
    let mut any = false;
    while let Some((signo, info)) = sig::take_recorded(task.signals.mask) {
        deliver(cpu, space, task, held, signo, &info, Trap::default())?;
        any = true;
    }
    if let Some(saved) = task.signals.saved_mask.take() {
        task.signals.mask = saved;
    }
    task.signals.set_mask(task.signals.mask);
    Ok(any)
}

/// After a syscall whose `%eax` is `ret`: apply a sigreturn, decide restart vs EINTR (the one
/// place that does), deliver pending signals. `Ok(true)`: the CPU's registers changed.
pub fn after_syscall(
    cpu: &mut Unicorn<'_, ()>,
    space: &mut GuestSpace,
    task: &mut Task,
    held: &mut Held,
    nr: u32,
    args: &syscalls::table::Args,
    ret: u32,
) -> Result<bool, Exit> {
    let mut changed = false;
    if let Some(kind) = task.signals.sigreturn.take() {
        sigreturn(cpu, space, task, kind)?;
        changed = true;
    }
    let no_restart = std::mem::take(&mut task.signals.no_restart);
    let mask = task.signals.mask;
    if !sig::deliverable(mask) && task.signals.saved_mask.is_none() {
        return Ok(changed);
    }
    const EINTR: u32 = 4u32.wrapping_neg();
    if ret == EINTR {
        let next = sig::next_recorded(mask).map(|s| task.signals.action(s, held));
        if let Some(action) = next {
            if action.is_handler()
                && action.flags & SA_RESTART != 0
                && !no_restart
                && syscalls::table::lookup(nr).is_some_and(|e| e.restart.holds(args))
            {
                let eip = reg(cpu, RegisterX86::EIP);
                set_eip(cpu, eip.wrapping_sub(2));
                set(cpu, RegisterX86::EAX, nr);
                changed = true;
            }
        }
    }
    changed |= deliver_recorded(cpu, space, task, held)?;
    Ok(changed)
}

/// The CPU stopped without a syscall (the host handler asked): deliver what is pending.
pub fn at_stop(
    cpu: &mut Unicorn<'_, ()>,
    space: &mut GuestSpace,
    task: &mut Task,
    held: &mut Held,
) -> Result<(), Exit> {
    if sig::deliverable(task.signals.mask) {
        deliver_recorded(cpu, space, task, held)?;
    }
    Ok(())
}

/// A synchronous CPU signal (force_sig_fault()): to the guest's handler if it has one and does
/// not block the signal, else the program dies of it. `fault`: the signal, si_code, si_addr and
/// trap.
pub fn fault(
    cpu: &mut Unicorn<'_, ()>,
    space: &mut GuestSpace,
    task: &mut Task,
    held: &mut Held,
    (signo, code, addr, trap): (u32, i32, u32, Trap),
) -> Result<(), Exit> {
    let action = task.signals.action(signo, held);
    if !action.is_handler() || task.signals.mask & bit(signo) != 0 {
        return Err(Exit::Signal(signo as i32));
    }
    if matches!(trap.trapno, 0 | 8 | 10..=13) {
        forget_exception(cpu);
    }
    let mut info = Siginfo { signo: I32::new(signo as i32), code: I32::new(code), ..Default::default() };
    if code != SI_KERNEL {
        info.fields[0] = U32::new(addr);
    }
    deliver(cpu, space, task, held, signo, &info, trap)
}

/// The signal, si_code, si_addr and trap of a CPU exception that came through the interrupt hook
/// (arch/x86/kernel/traps.c: the DO_ERROR table, exc_general_protection(), exc_int3(),
/// exc_debug_user()). `eip` is where Unicorn left EIP: past a software interrupt, at a fault.
pub fn vector_fault(cpu: &mut Unicorn<'_, ()>, vector: u32) -> (u32, i32, u32, Trap) {
    let eip = reg(cpu, RegisterX86::EIP);
    let (err, software) = exception_info(cpu);
    let trap = Trap { trapno: vector, err, cr2: 0 };
    match vector {
        // `int $n` through a gate user code may not use: Linux's DPL-3 gates are int3, into and
        // 0x80; any other raises #GP with the IDT entry as its error code, at the instruction.
        n if software && !matches!(n, 3 | 4 | 0x80) => {
            set_eip_back(cpu, eip);
            (SIGSEGV, SI_KERNEL, 0, Trap { trapno: 13, err: n * 8 + 2, cr2: 0 })
        }
        0 => (SIGFPE, FPE_INTDIV, eip, trap),
        16 | 19 => {
            let (status, control) = if vector == 16 {
                (reg(cpu, RegisterX86::FPSW), reg(cpu, RegisterX86::FPCW))
            } else {
                let mxcsr = reg(cpu, RegisterX86::MXCSR);
                (mxcsr, mxcsr >> 7)
            };
            let err = status & !control & 0x3f;
            let code = if err & 1 != 0 {
                7 // FPE_FLTINV
            } else if err & 4 != 0 {
                3 // FPE_FLTDIV
            } else if err & 8 != 0 {
                4 // FPE_FLTOVF
            } else if err & 0x12 != 0 {
                5 // FPE_FLTUND
            } else if err & 0x20 != 0 {
                6 // FPE_FLTRES
            } else {
                0
            };
            (SIGFPE, code, eip, Trap { err: 0, ..trap })
        }
        // #DB: a single step sets DR6.BS (TRAP_TRACE); get_si_code() says TRAP_BRKPT otherwise.
        // The kernel clears DR6 for the next one; so does this.
        1 => {
            let dr6 = reg(cpu, RegisterX86::DR6);
            let _ = cpu.reg_write(RegisterX86::DR6, u64::from(dr6 & !DR6_BS));
            let code = if dr6 & DR6_BS != 0 { TRAP_TRACE } else { TRAP_BRKPT };
            (SIGTRAP, code, eip, Trap { err: 0, ..trap })
        }
        3 => (SIGTRAP, SI_KERNEL, 0, trap),
        6 => (SIGILL, ILL_ILLOPN, eip, trap),
        9 => (SIGFPE, SI_KERNEL, 0, trap),
        11 | 12 => (SIGBUS, SI_KERNEL, 0, trap),
        17 => (SIGBUS, BUS_ADRALN, eip, trap),
        // #OF, #BR, #TS, #GP, and what else Unicorn may raise.
        _ => (SIGSEGV, SI_KERNEL, 0, trap),
    }
}

/// `int $6` stops the CPU as an invalid opcode would (Unicorn takes vector 6 for #UD); it is the
/// software interrupt through a gate user code may not use, #GP(6 * 8 + 2), when the exception was
/// a software one and the instruction at EIP is `int $6`.
pub fn int6(cpu: &mut Unicorn<'_, ()>, space: &GuestSpace) -> Option<(u32, i32, u32, Trap)> {
    let eip = reg(cpu, RegisterX86::EIP);
    let mut insn = [0u8; 2];
    let (_, software) = exception_info(cpu);
    if !software || space.read(eip, &mut insn).is_err() || insn != [0xcd, 6] {
        return None;
    }
    Some((SIGSEGV, SI_KERNEL, 0, Trap { trapno: 13, err: 6 * 8 + 2, cr2: 0 }))
}

/// DR6's single-step bit.
const DR6_BS: u32 = 1 << 14;
/// si_code of a single-step trap.
const TRAP_TRACE: i32 = 2;

/// The exception the interrupt hook is handling: the error code the CPU would push and whether
/// it is a software interrupt (engine patch 0013's `UC_X86_REG_EMU386_EXCEPTION`).
pub fn exception_info(cpu: &Unicorn<'_, ()>) -> (u32, bool) {
    const UC_X86_REG_EMU386_EXCEPTION: i32 = 0x3870;
    let Some(value) = read_pseudo(cpu, UC_X86_REG_EMU386_EXCEPTION) else { return (0, false) };
    (value as u32, value & (1 << 32) != 0)
}

fn set_eip_back(cpu: &Unicorn<'_, ()>, eip: u32) {
    set_eip(cpu, eip.wrapping_sub(2));
}

thread_local! {
    /// The last access the TLB refused: its address (the byte, engine patch 0009) and kind.
    static DENIED: std::cell::Cell<Option<(u32, MemType)>> = const { std::cell::Cell::new(None) };
}

/// Whether the TLB refused an access or an opcode was invalid since the CPU last stopped: a stop
/// that is a fault, not a request.
pub fn fault_pending() -> bool {
    DENIED.get().is_some() || crate::cpu::invalid_opcode_pending()
}

/// Forget refused TLB fills before the CPU runs again (see [`fault_pending`]). The invalid-opcode
/// mark stays until [`crate::cpu::fault_signal`] takes it: Unicorn may call its hook when it
/// translates the block, in an earlier run than the one that executes the instruction.
pub fn clear_fault_marks() {
    DENIED.set(None);
}

/// Set up what `memory_fault` needs: a TLB hook after cpu.rs's (so it only sees refusals) that
/// notes the refused access.
pub fn install_fault_hook(cpu: &mut Unicorn<'static, ()>) -> Result<(), unicorn_engine::uc_error> {
    cpu.add_tlb_hook(0, u64::MAX, |_, vaddr, access| {
        // After a refused store to the GDT page Unicorn also translates a fetch there, which
        // must not replace the data access that faulted.
        if !(access == MemType::FETCH && DENIED.get().is_some_and(|(_, a)| a != MemType::FETCH)) {
            DENIED.set(Some((vaddr as u32, access)));
        }
        None
    })?;
    Ok(())
}

/// The longest x86 instruction, in bytes.
const MAX_INSN: usize = 15;

/// For a memory fault that stopped the CPU: the faulting address, si_code and trap. The TLB hook
/// saw the refused access's own address (engine patch 0009), which is the kernel's CR2 and si_addr;
/// for a refused fetch that is the instruction (a jump to an unmapped address), or the first
/// byte of the next page for an instruction that runs into it.
/// A page past the end of its file or shared object is SIGBUS with BUS_ADRERR (do_sigbus()).
pub fn memory_fault(
    cpu: &mut Unicorn<'static, ()>,
    space: &GuestSpace,
    task: &Task,
    held: &Held,
) -> (u32, i32, u32, Trap) {
    let eip = reg(cpu, RegisterX86::EIP);
    let (addr, write, fetch) = match DENIED.take() {
        // The engine loads a read-modify-write destination as a plain read; the CPU reads it
        // with write intent (emu/src/rmw.rs).
        Some((addr, MemType::READ)) => {
            (addr, crate::rmw::read_modify_write(space.readable_prefix(eip, MAX_INSN)), false)
        }
        Some((addr, access)) if access != MemType::FETCH => (addr, access == MemType::WRITE, false),
        // The refused fetch's own byte: the instruction, or for one that runs into the next page,
        // that page's first byte (CR2 natively).
        Some((addr, _)) => (addr, false, true),
        None => (eip, false, false),
    };
    // A guard page (MADV_GUARD_INSTALL) faults as a page that is not there: the VMA allows the
    // access, the page-table entry is a marker (not present), and the kernel answers SEGV_MAPERR.
    let mm = task.mm.get(held);
    let mapped = mm.find(addr).is_some() && !mm.is_guard(addr);
    log::debug!("memory fault at {addr:#x} (eip {eip:#x}, mapped {mapped})");
    // Page-fault error code: instruction fetch (the host has NX), user mode, write, present (a
    // mapped page refused the access; a PROT_NONE page has no present entry: its PTE is only
    // _PAGE_PROTNONE, so the kernel's error code says not present).
    let present = mapped && !space.page_prot(addr).is_empty();
    let err = (u32::from(fetch) << 4) | 4 | (u32::from(write) << 1) | u32::from(present);
    let trap = Trap { trapno: 14, err, cr2: addr };
    if mapped && space.past_object_end(addr) {
        return (SIGBUS, BUS_ADRERR, addr, trap);
    }
    let code = if mapped { SEGV_ACCERR } else { SEGV_MAPERR };
    (SIGSEGV, code, addr, trap)
}

/// A fault at an unmapped `addr` below a MAP_GROWSDOWN mapping grows it, as the kernel's page
/// fault handler does (expand_stack()), within RLIMIT_STACK and the default stack_guard_gap
/// (256 pages).
pub fn grow_stack(space: &mut GuestSpace, task: &mut Task, held: &mut Held, addr: u32) -> bool {
    use syscalls::space::STACK_GUARD_GAP;
    let limit = rustix::process::getrlimit(rustix::process::Resource::Stack).current.unwrap_or(u64::MAX);
    let grown = task.mm.get_mut(held).grow_down(space, addr, limit, STACK_GUARD_GAP);
    if grown {
        log::debug!("grew a MAP_GROWSDOWN mapping down to {addr:#x}");
    }
    grown
}

/// Forget the exception "in flight" after a CPU exception went to a guest handler.
///
/// Unicorn's x86 CPU remembers the last contributory exception (#DE, #TS..#GP) in
/// `CPUX86State::old_exception` and only forgets it when an exception is delivered through the
/// IDT, which never happens here: a second #DE would become a double fault and a third a CPU reset.
/// The field is not a register, but it lies in the saved CPU context, 96 bytes after `dr[0]`
/// (`dr[8]` of 8-byte words, then four breakpoint pointers); `dr[0..4]` are found by writing
/// marker values into DR0..DR3, which user code never reads. Nothing is changed if the pattern or
/// a plausible value is not found.
pub fn forget_exception(cpu: &mut Unicorn<'_, ()>) {
    const MARK: [u32; 4] = [0x5e1f_0001, 0x5e1f_0002, 0x5e1f_0003, 0x5e1f_0004];
    const DR: [RegisterX86; 4] = [RegisterX86::DR0, RegisterX86::DR1, RegisterX86::DR2, RegisterX86::DR3];
    let saved: Vec<u32> = DR.iter().map(|&r| reg(cpu, r)).collect();
    for (r, m) in DR.iter().zip(MARK) {
        set(cpu, *r, m);
    }
    edit_saved_context(cpu, |data| {
        let size = data.len();
        let word = |d: &[u8], at: usize| d.get(at..at + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
        let found = (0..size.saturating_sub(128))
            .step_by(8)
            .find(|&at| (0..4).all(|i| word(data, at + 8 * i) == Some(u64::from(MARK[i]))));
        let Some(at) = found else { return false };
        for (i, v) in saved.iter().enumerate() {
            data[at + 8 * i..at + 8 * i + 8].copy_from_slice(&u64::from(*v).to_le_bytes());
        }
        let old = at + 96;
        let value = i32::from_le_bytes(data[old..old + 4].try_into().unwrap_or([0; 4]));
        if value == -1 || value == 0 || value == 8 || (10..=14).contains(&value) {
            data[old..old + 4].copy_from_slice(&(-1i32).to_le_bytes());
        }
        true
    });
    for (r, v) in DR.iter().zip(saved) {
        set(cpu, *r, v);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fix_eflags_is_the_kernels() {
        // X86_EFLAGS_AC|OF|DF|TF|SF|ZF|AF|PF|CF|RF
        let bits = [18, 11, 10, 8, 7, 6, 4, 2, 0, 16];
        assert_eq!(super::FIX_EFLAGS, bits.iter().fold(0, |m, b| m | (1 << b)));
    }
}
