//! The run loop: the CPU runs until the guest exits or faults; `int $0x80` is handled inside the
//! interrupt hook without stopping the CPU (stopping and restarting costs ~70 ns a call).
//!
//! CPU exceptions arrive through the same hook with other vector numbers, memory faults as a
//! stopped CPU; they go to the guest's signal handler or end the program with the signal Linux
//! would send. Host signals for guest handlers are delivered at syscall return (in the hook) and
//! when the host handler stopped the CPU (see signal.rs).
//!
//! Each guest thread runs this loop on its own host thread and CPU, holding the emulator lock
//! (lock.rs) except around syscalls that may block; with more than one thread the loop gives the
//! lock to waiting threads whenever its CPU stops (the preemption thread stops it each time slice).

use crate::cpu::Cpu;
use crate::engine::Gprs;
use crate::mem::GuestSpace;
use crate::{lock, signal, thread};
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;
use syscalls::abi::nr;
use syscalls::mem::GuestMemory;
use syscalls::sys::rseq::Event;
use syscalls::table::Flow;
use syscalls::task::{Held, Machine, NoMachine, ThreadStart};
use syscalls::{dispatch, Ctx, Errno, Exit, Task};
use unicorn_engine::{uc_error, RegisterX86, Unicorn};

/// Everything the hook touches.
pub struct Guest {
    pub space: GuestSpace,
    pub task: Task,
    exit: Option<Exit>,
    /// The exit came from exit(2), which ends only this thread while others live.
    thread_exit: bool,
    /// A CPU exception seen in the hook: the loop delivers it once the CPU has stopped (registers
    /// changed inside the hook would be taken for the exception's own delivery).
    fault: Option<(u32, i32, u32, signal::Trap)>,
    /// Where a handler frame starts after such a stop: Unicorn fails the first restart after a
    /// stop requested in the hook, and the loop then starts again here.
    resume_at: Option<u32>,
    /// The proof that this thread holds the emulator lock, which it does whenever its code runs
    /// (what lets go of the lock meanwhile borrows the proof: [`lock::yield_cpu`],
    /// [`CpuMachine::unlocked`]).
    held: Held,
}

impl Guest {
    pub fn new(space: GuestSpace, task: Task, held: Held) -> Self {
        Guest { space, task, exit: None, thread_exit: false, fault: None, resume_at: None, held }
    }
}

const SIGSEGV: i32 = 11;
const SIGKILL: i32 = 9;

/// Under gdb, a fault stops for gdb before its signal is delivered; `Some` if gdb killed the guest.
fn gdb_fault(cpu: &mut Cpu, signo: u32) -> Option<Exit> {
    match crate::gdb::active().then(|| crate::gdb::signal(cpu, signo)) {
        Some(crate::gdb::Next::Kill) => Some(Exit::Signal(SIGKILL)),
        _ => None,
    }
}

/// The argument registers EBX, ECX, EDX, ESI, EDI, EBP as instructions number them
/// ([`crate::cpu::GPRS`], the numbering [`Gprs`] takes).
const ARG_GPRS: [usize; 6] = [3, 1, 2, 6, 7, 5];
const ARG_REGS: [RegisterX86; 6] = {
    let g = crate::cpu::GPRS;
    [g[ARG_GPRS[0]], g[ARG_GPRS[1]], g[ARG_GPRS[2]], g[ARG_GPRS[3]], g[ARG_GPRS[4]], g[ARG_GPRS[5]]]
};
const EAX: usize = 0;
const ESP: usize = 4;

/// `%eax` and the six argument registers: read where the engine keeps them, or in one call into
/// Unicorn (seven calls were about a tenth of a getppid() round trip, the one call another tenth).
fn syscall_regs(cpu: &Unicorn<'_, ()>, gprs: Option<&Gprs>) -> (u32, [u32; 6]) {
    if let Some(g) = gprs {
        return (g.get(EAX), ARG_GPRS.map(|n| g.get(n)));
    }
    let [a, b, c, d, e, f] = ARG_REGS;
    let [nr, args @ ..] = crate::engine::read_regs32(cpu, [RegisterX86::EAX, a, b, c, d, e, f]).unwrap_or([0; 7]);
    (nr, args)
}

/// The machine a syscall handler sees (`syscalls::task::Machine`): the calling thread's CPU, read
/// when a new task copies it, and the register changes to make when the call returns.
struct CpuMachine<'a, 'b> {
    cpu: &'a Unicorn<'b, ()>,
    stack: Option<u32>,
    reload_segments: bool,
    /// The call let go of the emulator lock (it may block and other threads run).
    released: bool,
}

impl Machine for CpuMachine<'_, '_> {
    fn start_task(
        &mut self,
        mem: &mut dyn GuestMemory,
        task: &mut Task,
        start: ThreadStart,
        held: &mut Held,
    ) -> Result<(u32, i32), Errno> {
        thread::spawn(mem, task, thread::regs_of(self.cpu), start, held, run_thread)
    }
    fn unlocked(&mut self, _held: &mut Held, call: &mut dyn FnMut(&mut dyn Machine)) {
        // With one thread nobody else could take the lock: keep it (and its cost) out.
        if !lock::multi() {
            return call(self);
        }
        lock::release();
        self.released = true;
        call(self);
        lock::take();
    }
    fn quiesce(&mut self) {
        lock::quiesce();
    }
    fn set_stack(&mut self, esp: u32) {
        self.stack = Some(esp);
    }
    fn reload_segments(&mut self) {
        self.reload_segments = true;
    }
    fn eip(&self) -> u32 {
        self.cpu.reg_read(RegisterX86::EIP).unwrap_or(0) as u32
    }
}

/// One `int $0x80`; `gprs`: this CPU's general registers, when the engine gives them.
fn syscall(cpu: &mut Unicorn<'_, ()>, guest: &mut Guest, gprs: Option<&mut Gprs>) {
    let (nr, args) = syscall_regs(cpu, gprs.as_deref());
    let entry = syscalls::table::lookup(nr);
    let Guest { space, task, exit, thread_exit, held, .. } = guest;
    if entry.is_some_and(|e| e.needs_esp) {
        task.signals.esp = match &gprs {
            Some(g) => g.get(ESP),
            None => cpu.reg_read(RegisterX86::ESP).unwrap_or(0) as u32,
        };
    }
    let multi = lock::multi();
    if multi {
        lock::set_running(std::ptr::null_mut());
    }
    // A new process inherits what its parent translated (see warm.rs).
    const CLONE_VM: u32 = 0x100;
    let forks = matches!(nr, nr::fork | nr::vfork) || (nr == nr::clone && args[0] & CLONE_VM == 0);
    if forks && !multi {
        crate::warm::before_fork(cpu, space.perms());
    }
    // A call that may block lets the other threads run meanwhile (CpuMachine::unlocked).
    let mut machine = CpuMachine { cpu, stack: None, reload_segments: false, released: false };
    let flow = dispatch(&mut Ctx { mem: space, task, machine: &mut machine, held }, nr, &args);
    let CpuMachine { stack, reload_segments, released: release, .. } = machine;
    if release {
        space.catch_up();
    }
    let mut event = if release { Event::Preempt } else { Event::Return };
    let ret = match flow {
        Flow::Return(v) => {
            match gprs {
                Some(g) => g.set(EAX, v),
                None => drop(cpu.reg_write(RegisterX86::EAX, u64::from(v))),
            }
            let starts_task = entry.is_some_and(|e| e.starts_task);
            if starts_task && v as i32 > 0 {
                syscalls::replay::created_child();
            }
            if v == 0 && starts_task {
                // A new process: only this thread went along.
                syscalls::replay::forked_child();
                lock::after_fork_child();
                crate::warm::after_fork_child();
                crate::gdb::after_fork_child();
            }
            // A new process (clone) may start on its own stack, with a new TLS entry.
            if let Some(sp) = stack {
                let _ = cpu.reg_write(RegisterX86::ESP, u64::from(sp));
            }
            for seg in [RegisterX86::FS, RegisterX86::GS].into_iter().filter(|_| reload_segments) {
                let _ = cpu.reg_read(seg).and_then(|s| cpu.reg_write(seg, s));
            }
            v
        }
        Flow::Exit(e) => {
            *exit = Some(e);
            *thread_exit = nr == nr::exit;
            let _ = cpu.emu_stop();
            return;
        }
    };
    // A thread that has had the CPU for its quantum while others wait hands it over here, where
    // it costs no stop (a thread that makes syscalls often would otherwise never be preempted).
    if lock::multi() && lock::quantum_over() {
        lock::release();
        lock::take();
        space.catch_up();
        event = Event::Preempt;
    }
    // Pages the syscall wrote that held translated code: their code is stale.
    space.catch_up();
    // Address-space changes Unicorn has cached.
    crate::cpu::forget(cpu, &mut space.pending);
    // Signals: sigreturn, restart or EINTR, handler frames.
    match signal::after_syscall(cpu, space, task, held, nr, &args, ret) {
        Ok(false) => {}
        // New registers (EIP included) take effect without a stop: Unicorn leaves the block.
        Ok(true) => {}
        Err(e) => {
            *exit = Some(e);
            let _ = cpu.emu_stop();
            return;
        }
    }
    // After a sigreturn, on the registers it restored; a handler frame already had its check.
    if let Err(e) = crate::rseq::resume(cpu, space, task, event) {
        *exit = Some(e);
        let _ = cpu.emu_stop();
        return;
    }
    if lock::multi() {
        lock::set_running(cpu.get_handle());
    }
}

/// A CPU exception through the interrupt hook: noted, the CPU stops, the loop delivers it. A #GP
/// from sgdt, sidt, sldt, smsw or str is first the kernel's to emulate (umip.rs).
fn exception(cpu: &mut Unicorn<'_, ()>, guest: &mut Guest, vector: u32) {
    log::debug!("CPU exception {vector} at {:#x}", cpu.pc_read().unwrap_or(0));
    if vector == 13 && !signal::exception_info(cpu).1 {
        match crate::umip::fixup(cpu, &mut guest.space) {
            crate::umip::Fixup::None => {}
            crate::umip::Fixup::Done(next) => {
                signal::forget_exception(cpu);
                crate::cpu::set_eip(cpu, next);
                return;
            }
            crate::umip::Fixup::Fault(addr) => {
                signal::forget_exception(cpu);
                let trap = signal::Trap { trapno: 14, err: 6, cr2: addr };
                guest.fault.get_or_insert((SIGSEGV as u32, syscalls::abi::signal::SEGV_MAPERR, addr, trap));
                let _ = cpu.emu_stop();
                return;
            }
        }
    }
    if guest.fault.is_none() {
        guest.fault = Some(signal::vector_fault(cpu, vector));
    }
    let _ = cpu.emu_stop();
}

/// Run the guest's main thread to the end of the process. If the main thread exits while others
/// run, its host thread ends here and the process ends with the last thread.
/// The guest holds the lock's proof (main.rs took the lock before it loaded the program).
pub fn run(mut cpu: Cpu, guest: Guest) -> (Exit, Option<syscalls::trace::Tracer>) {
    let guest = Rc::new(RefCell::new(guest));
    let Some(exit) = run_until_exit(&mut cpu, &guest) else {
        thread::end_main_thread();
    };
    crate::gdb::exited(exit);
    thread::release_for_exit();
    let tracer = guest.borrow_mut().task.tracer.take();
    // The process ends right after this: tearing Unicorn down (flushing and freeing its
    // translation cache) would cost more than the whole life of a short-lived forked child.
    std::mem::forget(cpu);
    (exit, tracer)
}

/// Run a new thread (its caller holds the lock) until it ends: `None` when only the thread ended,
/// else how the process ends.
pub fn run_thread(
    mut cpu: Cpu,
    space: GuestSpace,
    task: Task,
    held: Held,
) -> Option<(Exit, Option<syscalls::trace::Tracer>)> {
    let guest = Rc::new(RefCell::new(Guest::new(space, task, held)));
    let exit = run_until_exit(&mut cpu, &guest)?;
    let mut g = guest.borrow_mut();
    if thread::is_vm_child() {
        let Guest { space, task, held, .. } = &mut *g;
        thread::vm_child_exits(space, task, held);
    }
    let tracer = g.task.tracer.take();
    Some((exit, tracer))
}

/// The loop; `None` when this thread ended and others live on.
fn run_until_exit(cpu: &mut Cpu, guest: &Rc<RefCell<Guest>>) -> Option<Exit> {
    if let Err(exit) = install_hooks(cpu, guest) {
        return Some(exit);
    }
    loop {
        if lock::multi() {
            if let Err(exit) = take_turn(cpu, guest) {
                return Some(exit);
            }
        }
        let (result, preempted) = match run_slice(cpu) {
            Ok(stop) => stop,
            Err(exit) => return Some(exit),
        };
        if let ControlFlow::Break(end) = after_stop(cpu, guest, result, preempted) {
            return end;
        }
    }
}

/// The interrupt hook (system calls and CPU exceptions), the host signal handler's stopper, the
/// warm-start and fault-address hooks, and a clean TLB to start from; the exit when the CPU
/// cannot be hooked.
fn install_hooks(cpu: &mut Cpu, guest: &Rc<RefCell<Guest>>) -> Result<(), Exit> {
    let hook_guest = Rc::clone(guest);
    let hooked = crate::engine::intr_hook_with_gprs(cpu, move |cpu, vector, gprs| {
        // The loop borrows the guest only while the CPU is stopped; should a hook fire then
        // (nothing runs guest code there), it only stops the CPU.
        let Ok(mut g) = hook_guest.try_borrow_mut() else {
            let _ = cpu.emu_stop();
            return;
        };
        if vector == 0x80 {
            syscalls::hostcall::sighandler::set_in_syscall(true);
            syscall(cpu, &mut g, gprs);
            syscalls::hostcall::sighandler::set_in_syscall(false);
        } else {
            exception(cpu, &mut g, vector);
        }
    });
    if let Err(e) = hooked {
        log::error!("cannot hook interrupts: {e:?}");
        return Err(Exit::Signal(SIGSEGV));
    }
    crate::direct::set_engine(cpu.get_handle());
    crate::engine::install_stopper(cpu);
    crate::warm::install(cpu);
    if let Err(e) = signal::install_fault_hook(cpu) {
        log::debug!("no fault-address hook: {e:?}");
    }
    // The start-up may already have mapped and unmapped; start from a clean TLB.
    let mut g = guest.borrow_mut();
    g.space.pending.stale_code.clear();
    g.space.pending.flush_tlb = false;
    // A new thread's view may be behind what other threads changed since it was made.
    lock::catch_up(cpu, &mut g.space);
    Ok(())
}

/// With more than one thread, before each run: give the lock to waiting threads, then deliver
/// the signals that came while this thread waited for it and answer an rseq critical section.
fn take_turn(cpu: &mut Cpu, guest: &Rc<RefCell<Guest>>) -> Result<(), Exit> {
    let mut g = guest.borrow_mut();
    let Guest { space, task, held, .. } = &mut *g;
    let event = if lock::yield_cpu(cpu, space, held) { Event::Preempt } else { Event::Return };
    // Signals that came while this thread waited for the lock.
    signal::at_stop(cpu, space, task, held)?;
    crate::rseq::resume(cpu, space, task, event)?;
    lock::set_running(cpu.get_handle());
    Ok(())
}

/// Run the CPU until it stops: what Unicorn reported and whether the stop was a time slice's
/// end; the exit when gdb killed the guest.
fn run_slice(cpu: &mut Cpu) -> Result<(Result<(), uc_error>, bool), Exit> {
    // Under gdb: report the last stop and wait to be resumed (a step runs one instruction).
    let mut count = 0;
    let debugged = crate::gdb::active();
    if debugged {
        match crate::gdb::before_run(cpu) {
            crate::gdb::Next::Run { count: c } => count = c,
            crate::gdb::Next::Kill => return Err(Exit::Signal(SIGKILL)),
        }
    }
    let pc = cpu.pc_read().unwrap_or(0);
    // `until` beyond 32 bits: never reached, the guest runs until it stops itself.
    // Only what this run refuses says it faulted.
    signal::clear_fault_marks();
    let mut result = cpu.emu_start(pc, crate::cpu::UNTIL, 0, count);
    if debugged && result.is_err() && crate::gdb::stopped_for_gdb() && !signal::fault_pending() {
        // Unicorn reports a stop asked for in a hook (a breakpoint, the end of a step) as
        // an exception; nothing faulted: gdb hears of the stop before the CPU runs again.
        result = Ok(());
    }
    let mut preempted = false;
    if lock::multi() {
        lock::set_running(std::ptr::null_mut());
        preempted = lock::preempted(cpu.get_handle());
    }
    Ok((result, preempted))
}

/// After the CPU stopped (`result`, `preempted`: see [`run_slice`]): end the thread or the
/// process, deliver a fault or signal, or go on. `Break(None)` when only this thread ended.
fn after_stop(
    cpu: &mut Cpu,
    guest: &Rc<RefCell<Guest>>,
    result: Result<(), uc_error>,
    preempted: bool,
) -> ControlFlow<Option<Exit>> {
    let mut g = guest.borrow_mut();
    if let Some(exit) = g.exit.take() {
        let Guest { space, task, thread_exit, held, .. } = &mut *g;
        let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
        syscalls::sys::futex::exit_robust_list(&mut Ctx { mem: space, task, machine: &mut NoMachine, held }, tid);
        if *thread_exit && thread::exit_thread(space, task, held) {
            return ControlFlow::Break(None);
        }
        return ControlFlow::Break(Some(exit));
    }
    let Guest { space, task, fault, resume_at, held, .. } = &mut *g;
    if let Some((signo, code, addr, trap)) = fault.take() {
        if let Some(exit) = gdb_fault(cpu, signo) {
            return ControlFlow::Break(Some(exit));
        }
        if let Err(exit) = signal::fault(cpu, space, task, held, (signo, code, addr, trap)) {
            return ControlFlow::Break(Some(exit));
        }
        *resume_at = cpu.pc_read().ok().map(|pc| pc as u32);
        return ControlFlow::Continue(());
    }
    // Only a stop before the handler's first instruction ran is that failed restart; once the
    // handler ran, a stop is the guest's own (a later fault must not re-enter the handler).
    let resume = resume_at.take().filter(|&at| cpu.pc_read().ok() == Some(u64::from(at)));
    let delivered = match result {
        Err(_) if resume.is_some() => {
            crate::cpu::set_eip(cpu, resume.unwrap_or(0));
            Ok(())
        }
        // A time-slice stop (a real fault happens again when the instruction runs again).
        Err(_) if preempted => signal::at_stop(cpu, space, task, held),
        // Stopped for a host signal (or a stop already handled in the hook).
        Ok(()) => signal::at_stop(cpu, space, task, held),
        // Unicorn reports a stop requested by the host signal handler as an exception; a real
        // fault leaves its mark (a refused TLB fill, an invalid opcode). The guest may have
        // the signal blocked by now: nothing to deliver, and it runs on.
        Err(uc_error::EXCEPTION) if !signal::fault_pending() => signal::at_stop(cpu, space, task, held),
        Err(e) => cpu_fault(cpu, space, task, held, e),
    };
    match delivered {
        Ok(()) => ControlFlow::Continue(()),
        Err(exit) => ControlFlow::Break(Some(exit)),
    }
}

/// A run that Unicorn ended with error `e`, a real fault: a signal for the guest (a grown stack
/// instead, for an access just below it), or the exit it causes.
fn cpu_fault(cpu: &mut Cpu, space: &mut GuestSpace, task: &mut Task, held: &mut Held, e: uc_error) -> Result<(), Exit> {
    let eip = cpu.pc_read().unwrap_or(0);
    log::debug!("guest fault {e:?} at {eip:#x}");
    let signo = crate::cpu::fault_signal(e) as u32;
    // Unicorn reports a stop requested by the host handler as an exception; the
    // signal is delivered and a real fault, if it was one, happens again on return.
    if signo == syscalls::abi::signal::SIGSEGV && syscalls::sys::signal::deliverable(task.signals.mask) {
        return signal::at_stop(cpu, space, task, held);
    }
    let (signo, code, addr, trap) = if signo == syscalls::abi::signal::SIGSEGV {
        let fault = signal::memory_fault(cpu, space, task, held);
        if fault.1 == syscalls::abi::signal::SEGV_MAPERR && signal::grow_stack(space, task, held, fault.2) {
            // The access runs again on the grown mapping.
            return Ok(());
        }
        fault
    } else if let Some(gp) = signal::int6(cpu, space) {
        gp
    } else {
        (signo, syscalls::abi::signal::ILL_ILLOPN, eip as u32, signal::Trap { trapno: 6, err: 0, cr2: 0 })
    };
    if let Some(exit) = gdb_fault(cpu, signo) {
        return Err(exit);
    }
    signal::fault(cpu, space, task, held, (signo, code, addr, trap))
}
