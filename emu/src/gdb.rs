//! The gdb remote stub (`emu386 -g PORT`): gdb's remote serial protocol over TCP, through the
//! `gdbstub` crate, for the main guest thread.
//!
//! Promises: without `-g` nothing here runs and no hook is installed (the run loop asks
//! [`active`], a thread-local flag, once per CPU stop, never per instruction). With `-g` the
//! emulator waits for gdb before the first instruction; software breakpoints are Unicorn code
//! hooks on exactly the breakpoint addresses (one hook per address, so code elsewhere runs at full
//! speed; a hook stays once made and only checks whether its breakpoint is in, since gdb takes
//! breakpoints out at every stop and puts them back at every resume), single-step is a
//! one-instruction `emu_start`. Unicorn reports a stop asked for in a hook as an exception, so the
//! run loop asks [`stopped_for_gdb`] before treating one as a fault. Memory goes through the permission table:
//! unmapped pages answer an error; writes go through /proc/self/mem, so that read-only private
//! pages (code) can be patched as ptrace can, and the translated code of the range is dropped.
//!
//! Stop replies: a breakpoint `T05`, a CPU fault `T<signo>` before it is delivered (the signal is
//! then delivered whatever gdb continues with), exit `W<status>`, death by a signal `X<signo>`.
//!
//! Left out: other guest threads are neither shown nor stopped (their CPUs have no breakpoints),
//! Ctrl-C in gdb while the guest runs, watchpoints, signals that come from outside (kill) are
//! delivered without a stop, forked children and execve'd programs run undebugged.

use crate::cpu::Cpu;
use crate::mem::{effective, GuestSpace, Pending};
use gdbstub::common::Signal;
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStub, SingleThreadStopReason};
use gdbstub::target::ext::base::singlethread::{
    SingleThreadBase, SingleThreadResume, SingleThreadResumeOps, SingleThreadSingleStep, SingleThreadSingleStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{Breakpoints, BreakpointsOps, SwBreakpoint, SwBreakpointOps};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::x86::reg::X86CoreRegs;
use gdbstub_arch::x86::X86_SSE;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use syscalls::mem::{Prot, PAGE_SIZE};
use syscalls::Exit;
use unicorn_engine::{RegisterX86, UcHookId};

thread_local! {
    /// The session, on the thread that runs the main guest thread.
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// Whether gdb is attached (checked by the run loop and the breakpoint hooks).
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// A breakpoint hook stopped the CPU.
    static HIT: Cell<bool> = const { Cell::new(false) };
    /// The breakpoint address the CPU resumes at: its hook lets the first pass through.
    static SKIP: Cell<Option<u64>> = const { Cell::new(None) };
    /// The breakpoints in force (the hooks of others let the CPU through).
    static ENABLED: RefCell<BTreeSet<u64>> = const { RefCell::new(BTreeSet::new()) };
}

/// Whether gdb is attached to this thread's guest.
pub fn active() -> bool {
    ACTIVE.get()
}

/// What the run loop does next.
pub enum Next {
    /// Run; `count` instructions at most (0: no limit).
    Run { count: usize },
    /// gdb killed the program.
    Kill,
}

/// Listen on 127.0.0.1:`port` (0: any free port), say so on stderr, and wait for gdb.
pub fn listen(port: u16, space: &GuestSpace) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    eprintln!("emu386: waiting for gdb on 127.0.0.1:{port}");
    let (stream, _) = listener.accept()?;
    drop(listener);
    // Out of the guest's fd range and closed on execve, like the emulator's other fds.
    let fd = rustix::io::fcntl_dupfd_cloexec(&stream, syscalls::sys::fd::fd_floor())?;
    drop(stream);
    let stream = TcpStream::from(fd);
    let mut target = Emu::new(space);
    let machine = GdbStub::<Emu, TcpStream>::new(stream)
        .run_state_machine(&mut target)
        .map_err(|e| std::io::Error::other(format!("gdb session: {e}")))?;
    // The first resume comes from gdb: the guest starts stopped.
    let session = Session { target, machine: Some(machine), stepping: false, resumed: false };
    SESSION.with_borrow_mut(|s| *s = Some(session));
    ACTIVE.set(true);
    Ok(())
}

/// A resume that gdb asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resume {
    Continue,
    Step,
}

struct Session {
    target: Emu,
    machine: Option<GdbStubStateMachine<'static, Emu, TcpStream>>,
    /// The last resume was a single step.
    stepping: bool,
    /// gdb resumed the guest and it has not run since.
    resumed: bool,
}

/// The target as gdb sees it: a register snapshot taken at each stop and written back (what
/// changed) at resume, the breakpoints, and guest memory.
struct Emu {
    regs: X86CoreRegs,
    /// The registers as read from the CPU at this stop.
    read: X86CoreRegs,
    base: *mut u8,
    perms: &'static [AtomicU8],
    /// The breakpoints gdb has inserted.
    breakpoints: BTreeSet<u32>,
    /// Code hooks, one per address that ever had a breakpoint: they stay (and do nothing while
    /// their breakpoint is out), as gdb takes its breakpoints out at every stop and puts them back
    /// at every resume, and dropping a hook means dropping translated code.
    hooks: BTreeMap<u32, UcHookId>,
    /// Code ranges written by gdb.
    stale: Vec<(u32, u64)>,
    resume: Option<Resume>,
}

impl Emu {
    fn new(space: &GuestSpace) -> Emu {
        Emu {
            regs: X86CoreRegs::default(),
            read: X86CoreRegs::default(),
            base: space.base(),
            perms: space.perms(),
            breakpoints: BTreeSet::new(),
            hooks: BTreeMap::new(),
            stale: Vec::new(),
            resume: None,
        }
    }

    /// Whether the guest may read the page at `addr`.
    fn readable(&self, addr: u32) -> bool {
        let bits = self.perms.get((addr / PAGE_SIZE) as usize).map_or(0, |p| p.load(Relaxed));
        effective(Prot::from_bits_truncate(u32::from(bits))).contains(Prot::READ)
    }
}

impl Target for Emu {
    type Arch = X86_SSE;
    type Error = std::io::Error;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::SingleThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }
}

impl SingleThreadBase for Emu {
    fn read_registers(&mut self, regs: &mut X86CoreRegs) -> TargetResult<(), Self> {
        *regs = self.regs.clone();
        Ok(())
    }

    fn write_registers(&mut self, regs: &X86CoreRegs) -> TargetResult<(), Self> {
        self.regs = regs.clone();
        Ok(())
    }

    fn read_addrs(&mut self, start: u32, data: &mut [u8]) -> TargetResult<usize, Self> {
        let mut done = 0usize;
        while done < data.len() {
            let Some(addr) = u32::try_from(done).ok().and_then(|d| start.checked_add(d)) else { break };
            if !self.readable(addr) {
                break;
            }
            let in_page = (PAGE_SIZE - addr % PAGE_SIZE) as usize;
            done += in_page.min(data.len() - done);
        }
        // The pages are mapped in the reservation (the permission table says so, and guest pages
        // are at least host-readable): /proc/self/mem reads them as ptrace peeks do.
        if done > 0 {
            let mem = std::fs::File::open("/proc/self/mem").map_err(TargetError::Io)?;
            mem.read_exact_at(&mut data[..done], self.base as u64 + u64::from(start)).map_err(TargetError::Io)?;
        }
        if done == 0 && !data.is_empty() {
            return Err(TargetError::Errno(libc::EFAULT as u8));
        }
        Ok(done)
    }

    fn write_addrs(&mut self, start: u32, data: &[u8]) -> TargetResult<(), Self> {
        if data.is_empty() {
            return Ok(());
        }
        let end = u64::from(start) + data.len() as u64;
        if end > 1 << 32 {
            return Err(TargetError::Errno(libc::EFAULT as u8));
        }
        let mut page = start & !(PAGE_SIZE - 1);
        while u64::from(page) < end {
            if !self.readable(page) {
                return Err(TargetError::Errno(libc::EFAULT as u8));
            }
            match page.checked_add(PAGE_SIZE) {
                Some(p) => page = p,
                None => break,
            }
        }
        // /proc/self/mem writes as ptrace pokes do (FOLL_FORCE): read-only private pages take the
        // write, a read-only shared file mapping refuses it.
        let mem = std::fs::OpenOptions::new().write(true).open("/proc/self/mem").map_err(TargetError::Io)?;
        mem.write_all_at(data, self.base as u64 + u64::from(start)).map_err(TargetError::Io)?;
        self.stale.push((start, end));
        Ok(())
    }

    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleThreadResume for Emu {
    fn resume(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.resume = Some(Resume::Continue);
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<SingleThreadSingleStepOps<'_, Self>> {
        Some(self)
    }
}

impl SingleThreadSingleStep for Emu {
    fn step(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.resume = Some(Resume::Step);
        Ok(())
    }
}

impl Breakpoints for Emu {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for Emu {
    fn add_sw_breakpoint(&mut self, addr: u32, _kind: usize) -> TargetResult<bool, Self> {
        self.breakpoints.insert(addr);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u32, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.breakpoints.remove(&addr))
    }
}

/// Linux's user selectors, shown instead of the ring-0 ones Unicorn runs CS and SS with.
const USER_CS: u32 = 0x23;
const USER_SS: u32 = 0x2b;

fn read_regs(cpu: &Cpu) -> X86CoreRegs {
    let r = |reg| cpu.reg_read(reg).unwrap_or(0) as u32;
    let mut regs = X86CoreRegs::default();
    let [eax, ecx, edx, ebx, esp, ebp, esi, edi] = crate::cpu::GPRS.map(r);
    (regs.eax, regs.ecx, regs.edx, regs.ebx, regs.esp, regs.ebp, regs.esi, regs.edi) =
        (eax, ecx, edx, ebx, esp, ebp, esi, edi);
    regs.eip = r(RegisterX86::EIP);
    regs.eflags = r(RegisterX86::EFLAGS);
    regs.segments.cs = USER_CS;
    regs.segments.ss = USER_SS;
    regs.segments.ds = r(RegisterX86::DS);
    regs.segments.es = r(RegisterX86::ES);
    regs.segments.fs = r(RegisterX86::FS);
    regs.segments.gs = r(RegisterX86::GS);
    for (slot, reg) in regs.st.iter_mut().zip(crate::cpu::ST) {
        if let Ok(bytes) = cpu.reg_read_long(reg) {
            let n = bytes.len().min(slot.len());
            slot[..n].copy_from_slice(&bytes[..n]);
        }
    }
    regs.fpu.fctrl = r(RegisterX86::FPCW) & 0xffff;
    regs.fpu.fstat = r(RegisterX86::FPSW) & 0xffff;
    regs.fpu.ftag = r(RegisterX86::FPTAG) & 0xffff;
    regs.fpu.fiseg = r(RegisterX86::FCS) & 0xffff;
    regs.fpu.fioff = r(RegisterX86::FIP);
    regs.fpu.foseg = r(RegisterX86::FDS) & 0xffff;
    regs.fpu.fooff = r(RegisterX86::FDP);
    regs.fpu.fop = r(RegisterX86::FOP) & 0x7ff;
    for (slot, reg) in regs.xmm.iter_mut().zip(crate::cpu::XMM) {
        if let Ok(bytes) = cpu.reg_read_long(reg) {
            let mut b = [0u8; 16];
            let n = bytes.len().min(16);
            b[..n].copy_from_slice(&bytes[..n]);
            *slot = u128::from_le_bytes(b);
        }
    }
    regs.mxcsr = r(RegisterX86::MXCSR);
    regs
}

/// Write back what gdb changed. CS and SS stay as they are (the guest cannot change them either).
fn write_regs(cpu: &mut Cpu, old: &X86CoreRegs, new: &X86CoreRegs) {
    let mut w = |reg, old: u32, new: u32| {
        if old != new {
            let _ = cpu.reg_write(reg, u64::from(new));
        }
    };
    let olds = [old.eax, old.ecx, old.edx, old.ebx, old.esp, old.ebp, old.esi, old.edi];
    let news = [new.eax, new.ecx, new.edx, new.ebx, new.esp, new.ebp, new.esi, new.edi];
    for ((reg, o), n) in crate::cpu::GPRS.into_iter().zip(olds).zip(news) {
        w(reg, o, n);
    }
    w(RegisterX86::EIP, old.eip, new.eip);
    w(RegisterX86::EFLAGS, old.eflags, new.eflags);
    w(RegisterX86::DS, old.segments.ds, new.segments.ds);
    w(RegisterX86::ES, old.segments.es, new.segments.es);
    w(RegisterX86::FS, old.segments.fs, new.segments.fs);
    w(RegisterX86::GS, old.segments.gs, new.segments.gs);
    w(RegisterX86::FPCW, old.fpu.fctrl, new.fpu.fctrl);
    w(RegisterX86::FPSW, old.fpu.fstat, new.fpu.fstat);
    w(RegisterX86::FPTAG, old.fpu.ftag, new.fpu.ftag);
    w(RegisterX86::MXCSR, old.mxcsr, new.mxcsr);
    for ((reg, o), n) in crate::cpu::ST.into_iter().zip(&old.st).zip(&new.st) {
        if o != n {
            let _ = cpu.reg_write_long(reg, n);
        }
    }
    for ((reg, o), n) in crate::cpu::XMM.into_iter().zip(old.xmm).zip(new.xmm) {
        if o != n {
            let _ = cpu.reg_write_long(reg, &n.to_le_bytes());
        }
    }
}

/// The breakpoint hook: stop before the instruction at `addr`, unless the CPU resumes there.
fn breakpoint_hook(cpu: &mut unicorn_engine::Unicorn<'_, ()>, addr: u64, _size: u32) {
    if !ENABLED.with_borrow(|set| set.contains(&addr)) {
        return;
    }
    if SKIP.get() == Some(addr) {
        SKIP.set(None);
        return;
    }
    if ACTIVE.get() {
        HIT.set(true);
        let _ = cpu.emu_stop();
    }
}

/// Make the CPU match what gdb set up while the guest was stopped.
fn apply(cpu: &mut Cpu, target: &mut Emu) {
    write_regs(cpu, &target.read, &target.regs);
    let mut pending = Pending { stale_code: std::mem::take(&mut target.stale), ..Pending::default() };
    for &addr in &target.breakpoints {
        if target.hooks.contains_key(&addr) {
            continue;
        }
        match cpu.add_code_hook(u64::from(addr), u64::from(addr), breakpoint_hook) {
            Ok(id) => {
                target.hooks.insert(addr, id);
            }
            Err(e) => log::warn!("gdb: cannot set a breakpoint at {addr:#x}: {e:?}"),
        }
        // Code translated before the hook existed would not call it.
        pending.stale_code.push((addr, u64::from(addr) + 1));
    }
    ENABLED.set(target.breakpoints.iter().map(|&a| u64::from(a)).collect());
    if target.resume == Some(Resume::Step) {
        // Unicorn counts the instructions of a step in code it translates from now on: code
        // translated by an earlier continue would run on uncounted.
        let eip = target.regs.eip;
        pending.stale_code.push((eip, u64::from(eip) + 1));
    }
    crate::cpu::forget(cpu, &mut pending);
}

/// Drop every breakpoint and its hook (gdb went away).
fn unhook_all(cpu: &mut Cpu, target: &mut Emu) {
    target.breakpoints.clear();
    let mut pending = Pending::default();
    for (addr, id) in std::mem::take(&mut target.hooks) {
        let _ = cpu.remove_hook(id);
        pending.stale_code.push((addr, u64::from(addr) + 1));
    }
    ENABLED.set(BTreeSet::new());
    crate::cpu::forget(cpu, &mut pending);
}

/// Serve gdb while the guest is stopped, until gdb resumes it (or kills it, or goes away).
fn serve(cpu: &mut Cpu, session: &mut Session, mut machine: GdbStubStateMachine<'static, Emu, TcpStream>) -> Next {
    let target = &mut session.target;
    target.read = read_regs(cpu);
    target.regs = target.read.clone();
    target.resume = None;
    loop {
        let step = match machine {
            GdbStubStateMachine::Idle(mut m) => match m.borrow_conn().read() {
                Ok(byte) => m.incoming_data(target, byte),
                Err(e) => {
                    log::info!("gdb: connection lost: {e}");
                    return detach(cpu, session);
                }
            },
            GdbStubStateMachine::Running(m) => {
                apply(cpu, target);
                let resume = target.resume.unwrap_or(Resume::Continue);
                session.stepping = resume == Resume::Step;
                session.machine = Some(GdbStubStateMachine::Running(m));
                let pc = u64::from(target.regs.eip);
                let skip = target.breakpoints.contains(&target.regs.eip).then_some(pc);
                SKIP.set(skip);
                return Next::Run { count: usize::from(session.stepping) };
            }
            GdbStubStateMachine::CtrlCInterrupt(m) => {
                m.interrupt_handled(target, Some(SingleThreadStopReason::Signal(Signal::SIGINT)))
            }
            GdbStubStateMachine::Disconnected(m) => {
                return match m.get_reason() {
                    DisconnectReason::Kill => {
                        ACTIVE.set(false);
                        Next::Kill
                    }
                    _ => detach(cpu, session),
                };
            }
        };
        machine = match step {
            Ok(m) => m,
            Err(e) => {
                log::warn!("gdb: {e}");
                return detach(cpu, session);
            }
        };
    }
}

/// gdb is gone: the guest runs on without it.
fn detach(cpu: &mut Cpu, session: &mut Session) -> Next {
    unhook_all(cpu, &mut session.target);
    ACTIVE.set(false);
    SKIP.set(None);
    Next::Run { count: 0 }
}

/// Report `reason` (if the guest was running) and serve gdb until it resumes the guest.
fn stop(cpu: &mut Cpu, reason: Option<SingleThreadStopReason<u32>>) -> Next {
    SESSION.with_borrow_mut(|s| {
        let Some(session) = s.as_mut() else { return Next::Run { count: 0 } };
        let Some(machine) = session.machine.take() else { return Next::Run { count: 0 } };
        let machine = match (machine, reason) {
            (GdbStubStateMachine::Running(m), Some(reason)) => match m.report_stop(&mut session.target, reason) {
                Ok(m) => m,
                Err(e) => {
                    log::warn!("gdb: {e}");
                    return detach(cpu, session);
                }
            },
            (m, _) => m,
        };
        serve(cpu, session, machine)
    })
}

/// Before the CPU runs: report why it stopped last time (a breakpoint, a finished step) and wait
/// for gdb to resume it; nothing to report means the guest keeps running as gdb last asked.
pub fn before_run(cpu: &mut Cpu) -> Next {
    let (resumed, stepping, first) = SESSION.with_borrow_mut(|s| match s.as_mut() {
        Some(session) => {
            let first = matches!(session.machine, Some(GdbStubStateMachine::Idle(_)));
            (std::mem::take(&mut session.resumed), session.stepping, first)
        }
        None => (true, false, false),
    });
    if first {
        return stop(cpu, None);
    }
    if resumed {
        return Next::Run { count: usize::from(stepping) };
    }
    SKIP.set(None);
    if HIT.take() {
        stop(cpu, Some(SingleThreadStopReason::SwBreak(())))
    } else if stepping {
        stop(cpu, Some(SingleThreadStopReason::DoneStep))
    } else {
        Next::Run { count: 0 }
    }
}

/// Whether the CPU's last stop was gdb's: a breakpoint hit or the end of a single step.
pub fn stopped_for_gdb() -> bool {
    HIT.get() || SESSION.with_borrow(|s| s.as_ref().is_some_and(|session| session.stepping))
}

/// The guest got Linux signal `signo` from a fault: gdb sees it before it is delivered.
pub fn signal(cpu: &mut Cpu, signo: u32) -> Next {
    HIT.set(false);
    let next = stop(cpu, Some(SingleThreadStopReason::Signal(gdb_signal(signo))));
    // The signal is delivered next; the CPU then runs as gdb asked, with nothing new to report.
    SESSION.with_borrow_mut(|s| s.iter_mut().for_each(|session| session.resumed = true));
    next
}

/// The process ended: tell gdb how.
pub fn exited(exit: Exit) {
    ACTIVE.set(false);
    let Some(mut session) = SESSION.with_borrow_mut(Option::take) else { return };
    let reason = match exit {
        Exit::Status(s) => SingleThreadStopReason::Exited(s as u8),
        Exit::Signal(sig) => SingleThreadStopReason::Terminated(gdb_signal(sig as u32)),
    };
    if let Some(GdbStubStateMachine::Running(m)) = session.machine.take() {
        if let Err(e) = m.report_stop(&mut session.target, reason) {
            log::info!("gdb: {e}");
        }
    }
}

/// In a forked child: the parent keeps gdb.
pub fn after_fork_child() {
    ACTIVE.set(false);
    SESSION.with_borrow_mut(|s| {
        if let Some(session) = s.take() {
            // The connection is the parent's: drop our copy without a word to gdb.
            std::mem::forget(session);
        }
    });
}

/// gdb's numbering of a Linux signal (gdb/signals.def).
fn gdb_signal(linux: u32) -> Signal {
    let n = match linux {
        7 => 10,  // SIGBUS
        10 => 30, // SIGUSR1
        12 => 31, // SIGUSR2
        16 => 0,  // SIGSTKFLT: no gdb name
        17 => 20, // SIGCHLD
        18 => 19, // SIGCONT
        19 => 17, // SIGSTOP
        20 => 18, // SIGTSTP
        23 => 16, // SIGURG
        29 => 23, // SIGIO
        30 => 32, // SIGPWR
        31 => 12, // SIGSYS
        // Real-time signals: GDB_SIGNAL_REALTIME_33..63 are 45..75, 32 is 77, 64 is 78.
        32 => 77,
        33..=63 => linux + 12,
        64 => 78,
        n @ 1..=15 => n,
        n @ 21..=28 => n,
        _ => 0,
    };
    Signal(n as u8)
}
