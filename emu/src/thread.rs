//! Guest threads: each is a host thread with its own CPU (a Unicorn instance created on that
//! thread; Unicorn handles are not `Send`) over the one guest address space.
//!
//! Every CPU maps the same 4 GiB host reservation and reads the same permission table, so guest
//! memory is shared as it is between Linux threads; each has its own GDT page (per-thread TLS) and
//! its own [`syscalls::Task`], whose per-process parts are shared (see `syscalls::task::Shared`).
//!
//! **One guest thread runs at a time.** Unicorn's TCG is built without parallel support, so its
//! atomic instructions are atomic only while no other CPU runs. The emulator lock here is a fair
//! ticket lock: a thread holds it while it runs guest code or a syscall handler, and lets go around
//! the calls that may block ([`blocks`]), which then run in parallel with guest code; a thread that
//! has run guest code for a whole quantum while others wait is stopped by the preemption thread
//! (`uc_emu_stop` from another thread, as Unicorn's own timeout does) and queues again behind them.
//! The preemption thread sleeps until a thread queues for a held lock, so a thread that wants the
//! CPU for a moment (a syscall, a short run) gets it within a quantum, not a scheduler tick.
//! A process with one thread never touches the lock after start-up.
//!
//! Address-space changes reach every CPU before it runs guest code again: the lock holder changes
//! the mappings, and each thread catches up with the address-space generation
//! ([`crate::mem::GuestSpace::catch_up`]) whenever it takes the lock back.
//!
//! Thread exit (exit(2) while other threads live): the `clear_child_tid` word is cleared and woken
//! (what pthread_join waits for) and the host thread ends; the last thread's exit, exit_group(2)
//! from any thread, and a fatal signal end the process.

use crate::cpu::{new_cpu, Cpu};
use crate::mem::GuestSpace;
use std::cell::Cell;
use std::ptr::null_mut;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64};
use std::time::Duration;
use syscalls::abi::sched::{CLONE_CHILD_SETTID, CLONE_SETTLS};
use syscalls::mem::{GuestMemory, GuestMemoryExt};
use syscalls::task::{ThreadStart, GDT_ENTRIES};
use syscalls::{Ctx, Errno, Exit, Task};
use unicorn_engine::{uc_engine, RegisterX86, Unicorn};

/// Live guest threads of this process.
static THREADS: AtomicU32 = AtomicU32::new(1);

/// Whether the process has more than one guest thread (the lock is in use).
pub fn multi() -> bool {
    THREADS.load(Relaxed) > 1
}

// ---------------------------------------------------------------------------------------------
// The emulator lock: a ticket lock whose waiters sleep on a host futex.

static NEXT: AtomicU32 = AtomicU32::new(0);
static SERVING: AtomicU32 = AtomicU32::new(0);

fn futex(word: &AtomicU32, op: libc::c_int, val: u32) {
    // SAFETY: a private futex op on a word of this process that lives for the process.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), op | libc::FUTEX_PRIVATE_FLAG, val, 0usize, 0usize, 0) };
}

/// Take the emulator lock (after every thread that asked before).
pub fn lock() {
    let ticket = NEXT.fetch_add(1, Relaxed);
    if ticket != SERVING.load(Relaxed) {
        kick_timer();
    }
    loop {
        let now = SERVING.load(Acquire);
        if now == ticket {
            HELD_SINCE.store(monotonic_ns(), Relaxed);
            return;
        }
        futex(&SERVING, libc::FUTEX_WAIT, now);
    }
}

/// Let the emulator lock go.
pub fn unlock() {
    set_running(null_mut());
    let now = SERVING.fetch_add(1, Release).wrapping_add(1);
    if NEXT.load(Relaxed) != now {
        futex(&SERVING, libc::FUTEX_WAKE, i32::MAX as u32);
    }
}

/// Whether a thread waits for the lock.
fn waiters() -> bool {
    NEXT.load(Relaxed).wrapping_sub(SERVING.load(Relaxed)) > 1
}

/// Whether the lock holder has had the CPU for a quantum while another thread waits: it should
/// queue behind them at the next point where that is cheap (a syscall's end).
pub fn quantum_over() -> bool {
    waiters() && monotonic_ns().saturating_sub(HELD_SINCE.load(Relaxed)) >= QUANTUM.as_nanos() as u64
}

/// Queue behind the threads that wait, if any; then catch up with the address space.
pub fn yield_cpu(cpu: &mut Cpu, space: &mut GuestSpace) {
    if waiters() {
        unlock();
        lock();
        catch_up(cpu, space);
    }
}

/// After taking the lock back: make this CPU forget what other threads changed meanwhile.
pub fn catch_up(cpu: &mut Unicorn<'_, ()>, space: &mut GuestSpace) {
    space.catch_up();
    crate::cpu::forget(cpu, &mut space.pending);
}

// ---------------------------------------------------------------------------------------------
// Preemption.

/// The CPU of the lock holder while it runs guest code (null otherwise: in a syscall, between
/// runs, or no lock holder). Changed and used only under `PREEMPT_BUSY`, so the preemption thread
/// never stops a CPU inside its interrupt hook or after its thread let the lock go.
static RUNNING: AtomicPtr<uc_engine> = AtomicPtr::new(null_mut());
/// When the lock holder took the lock (CLOCK_MONOTONIC, ns): the start of its quantum.
static HELD_SINCE: AtomicU64 = AtomicU64::new(0);
/// The CPU the preemption thread stopped last, until its thread has seen it ([`preempted`]).
static PREEMPTED: AtomicPtr<uc_engine> = AtomicPtr::new(null_mut());
static PREEMPT_BUSY: AtomicBool = AtomicBool::new(false);
/// Whether this process has its preemption thread.
static TIMER: AtomicBool = AtomicBool::new(false);
/// Bumped when a thread queues behind a held lock; the idle preemption thread sleeps on it.
static KICK: AtomicU32 = AtomicU32::new(0);
/// How long the lock holder runs guest code before a thread that waits gets the CPU. Short, so
/// that a thread that needs the CPU briefly (a syscall, a thread start) waits little behind one
/// that computes: a change of holder costs a few microseconds. Measured (tests/bench/churn.c,
/// 1,000 threads while another thread computes): 500 us 4.6 s, 200 us 2.5 s, 100 us 2.6 s; two
/// threads that only compute: 0.99, 0.94 and 1.18 s.
const QUANTUM: Duration = Duration::from_micros(200);

fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (t.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(t.tv_nsec as u64)
}

/// Wake the preemption thread: a thread waits for the lock.
fn kick_timer() {
    if TIMER.load(Relaxed) {
        KICK.fetch_add(1, Release);
        futex(&KICK, libc::FUTEX_WAKE, 1);
    }
}

fn with_preempt<R>(f: impl FnOnce() -> R) -> R {
    while PREEMPT_BUSY.compare_exchange_weak(false, true, Acquire, Relaxed).is_err() {
        std::hint::spin_loop();
    }
    let r = f();
    PREEMPT_BUSY.store(false, Release);
    r
}

/// Say whether this thread's CPU runs guest code now (`handle`) or not (null).
pub fn set_running(handle: *mut uc_engine) {
    with_preempt(|| RUNNING.store(handle, Relaxed));
}

/// Whether the preemption thread stopped `handle` since the last call (taken). Unicorn may report
/// such a stop as an exception at an instruction that did not fault; it runs again.
pub fn preempted(handle: *mut uc_engine) -> bool {
    PREEMPTED.compare_exchange(handle, null_mut(), Relaxed, Relaxed).is_ok()
}

/// The preemption thread: while a thread waits for the lock, stop the holder's CPU once it has
/// run guest code for a quantum; while none waits, sleep until one queues ([`kick_timer`]).
fn start_timer() {
    if TIMER.swap(true, Relaxed) {
        return;
    }
    let spawned = std::thread::Builder::new().name("emu386-preempt".into()).stack_size(64 << 10).spawn(|| loop {
        if !waiters() {
            let seen = KICK.load(Acquire);
            // A thread that queues after this check bumps KICK first, so the wait returns at once.
            if !waiters() {
                futex(&KICK, libc::FUTEX_WAIT, seen);
            }
            continue;
        }
        let quantum = QUANTUM.as_nanos() as u64;
        let wait = with_preempt(|| {
            let cpu = RUNNING.load(Relaxed);
            if cpu.is_null() {
                // The holder is in a syscall or between runs: look again a quantum later.
                return quantum;
            }
            let ran = monotonic_ns().saturating_sub(HELD_SINCE.load(Relaxed));
            if ran < quantum {
                return quantum - ran;
            }
            // SAFETY: a live engine (its thread clears RUNNING before it lets the lock go or
            // closes the engine); uc_emu_stop only sets flags, as Unicorn's own timeout thread does.
            unsafe { unicorn_engine::uc_emu_stop(cpu) };
            PREEMPTED.store(cpu, Relaxed);
            quantum
        });
        std::thread::sleep(Duration::from_nanos(wait));
    });
    if let Err(e) = spawned {
        log::warn!("no preemption thread ({e}): a thread that never makes a syscall runs on");
    }
}

/// In a forked child: only the calling thread exists, and it holds the lock.
pub fn after_fork_child() {
    THREADS.store(1, Relaxed);
    TIMER.store(false, Relaxed);
    PREEMPT_BUSY.store(false, Relaxed);
    RUNNING.store(null_mut(), Relaxed);
    NEXT.store(SERVING.load(Relaxed).wrapping_add(1), Relaxed);
}

// ---------------------------------------------------------------------------------------------
// Starting threads.

/// The registers a new thread copies from its parent (copy_thread(): all of them; the FPU and SSE
/// control state is what glibc relies on).
#[derive(Debug, Clone, Copy)]
pub struct Regs {
    gp: [u32; 10],
    fs: u32,
    gs: u32,
    fpcw: u32,
    mxcsr: u32,
}

const GP: [RegisterX86; 10] = [
    RegisterX86::EAX,
    RegisterX86::EBX,
    RegisterX86::ECX,
    RegisterX86::EDX,
    RegisterX86::ESI,
    RegisterX86::EDI,
    RegisterX86::EBP,
    RegisterX86::ESP,
    RegisterX86::EIP,
    RegisterX86::EFLAGS,
];

thread_local! {
    /// The caller's registers at the clone(2) being handled (set by the run loop).
    static CLONING: Cell<Option<Regs>> = const { Cell::new(None) };
}

/// Note the caller's registers before clone(2) runs (a copy for a new thread).
pub fn before_clone(cpu: &Unicorn<'_, ()>) {
    let r = |reg| cpu.reg_read(reg).unwrap_or(0) as u32;
    CLONING.set(Some(Regs {
        gp: GP.map(r),
        fs: r(RegisterX86::FS),
        gs: r(RegisterX86::GS),
        fpcw: r(RegisterX86::FPCW),
        mxcsr: r(RegisterX86::MXCSR),
    }));
}

/// Register [`spawn`] as the syscall layer's way to start threads.
pub fn install() {
    syscalls::task::set_spawner(spawn);
}

/// What a new thread reports back: its tid, or why it could not start.
type Started = Result<u32, Errno>;

/// Start a thread as a copy of the calling one (the syscall layer checked the flags and the TLS
/// entry); answers its tid once it exists and has stored it (`CLONE_CHILD_SETTID`).
fn spawn(ctx: &mut Ctx, start: ThreadStart) -> Result<u32, Errno> {
    let regs = CLONING.take().ok_or(Errno::NOSYS)?;
    let mut gdt = [0u64; GDT_ENTRIES as usize];
    for (i, slot) in (0..).zip(gdt.iter_mut()) {
        *slot = ctx.mem.gdt_entry(i);
    }
    let clear = if start.flags & syscalls::abi::sched::CLONE_CHILD_CLEARTID != 0 { start.child_tid } else { 0 };
    let task = ctx.task.new_thread(clear);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Started>(1);
    THREADS.fetch_add(1, Relaxed);
    // New host threads start with every signal blocked (they inherit this mask): the preemption
    // thread keeps it, a guest thread sets the guest's mask itself once it can take signals.
    let all = !0u64;
    let mut old = 0u64;
    // SAFETY: 8-byte sets, as the kernel's sigset_t.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &all, &mut old, 8) };
    start_timer();
    let place = syscalls::replay::thread_child();
    let spawned = std::thread::Builder::new().stack_size(8 << 20).spawn(move || {
        syscalls::replay::enter(place);
        thread_main(regs, gdt, start, task, tx)
    });
    syscalls::sys::signal::reinstall_reserved(&ctx.task.signals);
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &old, null_mut::<u64>(), 8) };
    let started = match spawned {
        Ok(_) => rx.recv().unwrap_or(Err(Errno::AGAIN)),
        Err(_) => Err(Errno::AGAIN),
    };
    if started.is_err() {
        THREADS.fetch_sub(1, Relaxed);
    }
    started
}

/// A new thread's life: set up its CPU, report its tid, then run under the lock until it exits.
fn thread_main(
    regs: Regs,
    gdt: [u64; GDT_ENTRIES as usize],
    start: ThreadStart,
    task: Task,
    tx: std::sync::mpsc::SyncSender<Started>,
) {
    let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
    let mut space = GuestSpace::thread_view(&gdt);
    if let Some((index, desc)) = start.tls.filter(|_| start.flags & CLONE_SETTLS != 0) {
        space.set_gdt_entry(index, desc);
    }
    if start.flags & CLONE_CHILD_SETTID != 0 {
        // schedule_tail() ignores a failure to store it.
        let _ = space.write_u32(start.child_tid, tid);
    }
    let esp = if start.newsp != 0 { start.newsp } else { regs.gp[7] };
    let mut cpu = match new_cpu(&mut space, regs.gp[8], esp, true) {
        Ok(cpu) => cpu,
        Err(e) => {
            log::warn!("cannot create a CPU for a new thread: {e:?}");
            let _ = tx.send(Err(Errno::NOMEM));
            return;
        }
    };
    for (reg, value) in GP.iter().zip(regs.gp).take(7) {
        let _ = cpu.reg_write(*reg, u64::from(value));
    }
    let _ = cpu.reg_write(RegisterX86::EFLAGS, u64::from(regs.gp[9]));
    // The child's clone returns 0.
    let _ = cpu.reg_write(RegisterX86::EAX, 0);
    // Selectors load their descriptors from this thread's GDT (with the new TLS entry).
    let _ = cpu.reg_write(RegisterX86::FS, u64::from(regs.fs));
    let _ = cpu.reg_write(RegisterX86::GS, u64::from(regs.gs));
    let _ = cpu.reg_write(RegisterX86::FPCW, u64::from(regs.fpcw));
    let _ = cpu.reg_write(RegisterX86::MXCSR, u64::from(regs.mxcsr));
    syscalls::sys::signal::sync_host_mask(task.signals.mask);
    if tx.send(Ok(tid)).is_err() {
        return;
    }
    lock();
    match crate::run::run_thread(cpu, space, task) {
        Some((exit, tracer)) => exit_process(exit, tracer),
        // The CPU is closed; the other threads go on.
        None => unlock(),
    }
}

// ---------------------------------------------------------------------------------------------
// Ending threads.

/// exit(2) of a thread while others live (the caller holds the lock, and lets it go once its CPU
/// is closed): the kernel's mm_release() wake for `clear_child_tid`, then the thread no longer
/// counts. Answers false (and does nothing) when it is the last thread, whose exit ends the
/// process.
pub fn exit_thread(space: &mut GuestSpace, task: &mut Task) -> bool {
    if !multi() {
        return false;
    }
    let addr = task.clear_child_tid;
    syscalls::sys::futex::clear_child_tid(&mut Ctx { mem: space, task }, addr);
    THREADS.fetch_sub(1, Relaxed);
    set_running(null_mut());
    true
}

/// The main thread ended while others run: end only its host thread (the process lives on, as
/// a Linux process whose thread-group leader exited).
pub fn end_main_thread() -> ! {
    unlock();
    loop {
        // SAFETY: SYS_exit ends the calling thread only; nothing of this thread is used again.
        unsafe { libc::syscall(libc::SYS_exit, 0) };
    }
}

/// End the process from a thread other than the main one, as the main thread would on return
/// (emu/src/main.rs): the tracer's last line, then the status or the signal.
fn exit_process(exit: Exit, tracer: Option<syscalls::trace::Tracer>) -> ! {
    syscalls::replay::flush();
    if let Some(mut t) = tracer {
        syscalls::trace::exited(&mut t, exit);
    }
    match exit {
        Exit::Status(s) => std::process::exit(s & 0xff),
        Exit::Signal(signal) => {
            // SAFETY: plain libc calls; the process ends here.
            unsafe {
                let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
                libc::setrlimit(libc::RLIMIT_CORE, &zero);
                libc::signal(signal, libc::SIG_DFL);
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, signal);
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, null_mut());
                libc::raise(signal);
            }
            std::process::exit(128 + signal)
        }
    }
}
