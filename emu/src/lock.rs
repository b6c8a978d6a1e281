//! The emulator lock and preemption.
//!
//! **One guest thread runs at a time.** Unicorn's TCG is built without parallel support, so its
//! atomic instructions are atomic only while no other CPU runs. The emulator lock is a fair ticket
//! lock: a thread holds it while it runs guest code or a syscall handler, and lets go around the
//! calls that may block (their rows say so), which then run in parallel with guest code; a thread
//! that has run guest code for a whole quantum while others wait is stopped by the preemption
//! thread (`uc_emu_stop` from another thread, as Unicorn's own timeout does) and queues again
//! behind them. The preemption thread sleeps until a thread queues for a held lock, so a thread
//! that wants the CPU for a moment (a syscall, a short run) gets it within a quantum, not a
//! scheduler tick. A process with one thread never touches the lock after start-up.
//!
//! The lock hands out its proof, `syscalls::task::Held`, which the syscall layer asks for to reach
//! what the process's threads share ([`lock`]); what lets go of the lock meanwhile keeps the proof
//! borrowed ([`yield_cpu`], the run loop's `Machine::unlocked`).
//!
//! Address-space changes reach every CPU before it runs guest code again: the lock holder changes
//! the mappings, and each thread catches up with the address-space generation
//! ([`crate::mem::GuestSpace::catch_up`]) whenever it takes the lock back.
//!
//! Processes that share the address space (thread.rs) queue for the same lock; such a process can
//! die on its own (SIGKILL, execve) while it holds the lock or waits for it: waiters then skip its
//! ticket.
//!
//! The preemption thread ends once the guest is single-threaded again and a call needs the host to
//! see one thread (unshare(CLONE_NEWUSER), setns: [`quiesce`]).
//!
//! Two `unsafe` stay here, as they are the lock itself rather than host calls: making the proof
//! (`Held::new`, sound because the ticket is ours) and the preemption thread's `uc_emu_stop` on
//! the engine pointer in `RUNNING` (sound because a thread clears it before it lets the lock go
//! or closes its engine); a wrapper would only pass these promises through. The futexes are
//! rustix's safe calls.

use crate::cpu::Cpu;
use crate::mem::GuestSpace;
use rustix::thread::futex;
use std::cell::Cell;
use std::ptr::null_mut;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64};
use std::time::Duration;
use syscalls::task::Held;
use unicorn_engine::{uc_engine, Unicorn};

/// Live guest threads of this process.
pub(crate) static THREADS: AtomicU32 = AtomicU32::new(1);

/// Whether the process has more than one guest thread (the lock is in use).
pub fn multi() -> bool {
    THREADS.load(Relaxed) > 1
}

// ---------------------------------------------------------------------------------------------
// The emulator lock: a ticket lock whose waiters sleep on a host futex.

static NEXT: AtomicU32 = AtomicU32::new(0);
static SERVING: AtomicU32 = AtomicU32::new(0);

/// A private futex wait while `word` is `val` (processes that share the address space share its
/// private futexes too), for at most `timeout`.
fn futex_wait(word: &AtomicU32, val: u32, timeout: Option<&rustix::time::Timespec>) {
    let _ = futex::wait(word, futex::Flags::PRIVATE, val, timeout);
}

/// Wake up to `n` waiters of `word`.
fn futex_wake(word: &AtomicU32, n: u32) {
    let _ = futex::wake(word, futex::Flags::PRIVATE, n);
}

/// Take the emulator lock (after every thread that asked before) and get its proof, which the
/// syscall layer asks for to reach state the process's threads share (`syscalls::task::Held`).
pub fn lock() -> Held {
    take();
    // SAFETY: the lock is held now; its previous holder let it go with [`release`], whose callers
    // keep their proof borrowed until they have the lock again or never use it again.
    unsafe { Held::new() }
}

/// Take the lock, without a proof: for a thread that has its proof but let the lock go meanwhile
/// (its proof stayed borrowed, see [`yield_cpu`] and `run::CpuMachine::unlocked`).
pub(crate) fn take() {
    let ticket = NEXT.fetch_add(1, Relaxed);
    let shared = VM_EVER.load(Relaxed);
    if shared {
        TICKET_PID[ticket as usize % TICKETS].store(my_pid(), Relaxed);
    }
    if ticket != SERVING.load(Relaxed) {
        kick_timer();
    }
    loop {
        let now = SERVING.load(Acquire);
        if now == ticket {
            HELD_SINCE.store(monotonic_ns(), Relaxed);
            return;
        }
        if shared {
            // A process sharing the address space may die (SIGKILL, execve) holding the lock or
            // a ticket: look again now and then, and skip the ticket of a dead one.
            futex_wait(&SERVING, now, Some(&rustix::time::Timespec { tv_sec: 0, tv_nsec: 20_000_000 }));
            skip_dead(now);
        } else {
            futex_wait(&SERVING, now, None);
        }
    }
}

/// Let the emulator lock go, without giving up a proof: the caller keeps its proof borrowed until
/// it has the lock again ([`take`]), or never uses it again (a thread or process that ends).
pub(crate) fn release() {
    set_running(null_mut());
    if VM_EVER.load(Relaxed) {
        TICKET_PID[SERVING.load(Relaxed) as usize % TICKETS].store(0, Relaxed);
    }
    let now = SERVING.fetch_add(1, Release).wrapping_add(1);
    if NEXT.load(Relaxed) != now {
        futex_wake(&SERVING, i32::MAX as u32);
    }
}

/// Tickets whose taker is remembered (more than threads ever queue at once).
const TICKETS: usize = 256;
/// The host process (pid) whose thread took each ticket (ticket modulo [`TICKETS`]), once
/// processes share memory: a process that dies takes all its threads' tickets with it.
static TICKET_PID: [AtomicU32; TICKETS] = [const { AtomicU32::new(0) }; TICKETS];
/// Whether a process sharing the address space was ever started (the lock then keeps track of
/// who holds tickets).
pub(crate) static VM_EVER: AtomicBool = AtomicBool::new(false);

/// Host pids of the latest such processes that are gone (a ring).
static DEAD: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
static DEAD_NEXT: AtomicU32 = AtomicU32::new(0);

thread_local! {
    /// This host thread's process id, once asked for.
    pub(crate) static MY_PID: Cell<u32> = const { Cell::new(0) };
}

fn my_pid() -> u32 {
    let pid = MY_PID.get();
    if pid != 0 {
        return pid;
    }
    let pid = rustix::process::getpid().as_raw_nonzero().get() as u32;
    MY_PID.set(pid);
    pid
}

/// A process that shared the address space is gone (SIGKILL, execve), and with it `threads`
/// guest threads: its tickets are skipped from now on.
pub(crate) fn process_gone(pid: u32, threads: u32) {
    let at = DEAD_NEXT.fetch_add(1, Relaxed) as usize % DEAD.len();
    DEAD[at].store(pid, Relaxed);
    THREADS.fetch_sub(threads, Relaxed);
    skip_dead(SERVING.load(Acquire));
}

/// The lock is served to `now`: if its taker is a process that died, pass it on.
fn skip_dead(now: u32) {
    let pid = TICKET_PID[now as usize % TICKETS].load(Relaxed);
    if pid == 0 || !DEAD.iter().any(|d| d.load(Relaxed) == pid) {
        return;
    }
    if SERVING.compare_exchange(now, now.wrapping_add(1), Release, Relaxed).is_ok() {
        futex_wake(&SERVING, i32::MAX as u32);
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

/// Queue behind the threads that wait, if any; then catch up with the address space. `true`:
/// another thread ran meanwhile.
pub fn yield_cpu(cpu: &mut Cpu, space: &mut GuestSpace, _held: &mut Held) -> bool {
    if !waiters() {
        return false;
    }
    release();
    take();
    catch_up(cpu, space);
    true
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
pub(crate) fn kick_timer() {
    if TIMER.load(Relaxed) {
        KICK.fetch_add(1, Release);
        futex_wake(&KICK, 1);
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
pub(crate) fn start_timer() {
    if TIMER.swap(true, Relaxed) {
        return;
    }
    // The thread names itself before it runs this closure; waiting for its first word means a
    // /proc/self/status read from now on tells it from the guest's threads.
    let (named_tx, named_rx) = std::sync::mpsc::sync_channel::<()>(1);
    let spawned = std::thread::Builder::new().name("emu386-preempt".into()).stack_size(64 << 10).spawn(move || {
        let _ = named_tx.send(());
        drop(named_tx);
        preempt_loop();
    });
    match spawned {
        Ok(handle) => {
            let _ = named_rx.recv();
            if let Ok(mut h) = TIMER_HANDLE.lock() {
                *h = Some(handle);
            }
        }
        Err(e) => {
            TIMER.store(false, Relaxed);
            log::warn!("no preemption thread ({e}): a thread that never makes a syscall runs on");
        }
    }
}

/// The preemption thread's life (see [`start_timer`]); it ends when asked to by [`quiesce`].
fn preempt_loop() {
    loop {
        if TIMER_STOP.load(Acquire) && !multi() {
            TIMER_STOP.store(false, Relaxed);
            TIMER.store(false, Release);
            return;
        }
        if !waiters() {
            let seen = KICK.load(Acquire);
            // A thread that queues after this check bumps KICK first, so the wait returns at once.
            if !waiters() {
                futex_wait(&KICK, seen, None);
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
    }
}

/// The preemption thread, to join when it is asked to end.
static TIMER_HANDLE: std::sync::Mutex<Option<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(None);
/// Asks the preemption thread to end (when the guest has one thread left).
static TIMER_STOP: AtomicBool = AtomicBool::new(false);

/// With one guest thread left, end the preemption thread and wait until the host counts this
/// process as single-threaded again (the kernel's thread_group_empty(), which unshare(CLONE_NEWUSER)
/// and setns require): a single-threaded guest must not see the emulator's helper.
pub fn quiesce() {
    if multi() || !TIMER.load(Acquire) {
        return;
    }
    TIMER_STOP.store(true, Release);
    KICK.fetch_add(1, Release);
    futex_wake(&KICK, 1);
    let handle = TIMER_HANDLE.lock().ok().and_then(|mut h| h.take());
    if let Some(h) = handle {
        let _ = h.join();
    }
    // pthread_join returns when the thread is past exit_mm(); it leaves the thread group a moment
    // later (release_task()).
    for _ in 0..1000 {
        let one = std::fs::read_dir("/proc/thread-self/..").map(|d| d.count() <= 1).unwrap_or(true);
        if one {
            break;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// In a forked child: only the calling thread exists, and it holds the lock.
pub fn after_fork_child() {
    THREADS.store(1, Relaxed);
    MY_PID.set(0);
    TIMER.store(false, Relaxed);
    TIMER_STOP.store(false, Relaxed);
    // The parent's preemption thread is not this process's: forget its handle (never join it).
    if let Ok(mut h) = TIMER_HANDLE.try_lock() {
        std::mem::forget(h.take());
    }
    PREEMPT_BUSY.store(false, Relaxed);
    RUNNING.store(null_mut(), Relaxed);
    NEXT.store(SERVING.load(Relaxed).wrapping_add(1), Relaxed);
}
