//! Guest threads: each is a host thread with its own CPU (a Unicorn instance created on that
//! thread; Unicorn handles are not `Send`) over the one guest address space.
//!
//! Every CPU maps the same 4 GiB host reservation and reads the same permission table, so guest
//! memory is shared as it is between Linux threads; each has its own GDT page (per-thread TLS) and
//! its own [`syscalls::Task`], whose per-process parts are shared (see `syscalls::task::Shared`).
//!
//! One guest thread runs at a time, under the emulator lock (lock.rs).
//!
//! Thread exit (exit(2) while other threads live): the `clear_child_tid` word is cleared and woken
//! (what pthread_join waits for) and the host thread ends; the last thread's exit, exit_group(2)
//! from any thread, and a fatal signal end the process.
//!
//! A process that shares the address space with its parent (clone with `CLONE_VM` but without
//! `CLONE_THREAD`) is started like a thread, under the same lock, but as a host process of its own
//! made with the host's `clone(CLONE_VM)` (see "Processes that share the address space" below).
//!
//! Host calls go through [`crate::host`]. The `unsafe` that stays here is that clone and the box
//! it hands to the new process (taken back by its entry point, or here when the clone failed):
//! their soundness is this module's protocol (the new process runs on the helper thread's
//! thread-local storage, which the helper leaves alone until the kernel says the process is
//! gone), which a wrapper would only pass through.

use crate::cpu::{new_cpu, Cpu};
use crate::host::thread as host;
use crate::lock::{lock, multi, release, set_running, start_timer, MY_PID, THREADS, VM_EVER};
use crate::mem::GuestSpace;
use std::cell::Cell;
use std::os::fd::IntoRawFd;
use std::ptr::null_mut;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32};
use syscalls::abi::sched::*;
use syscalls::mem::{GuestMemory, GuestMemoryExt};
use syscalls::task::{Held, NoMachine, ThreadStart, GDT_ENTRIES};
use syscalls::{Ctx, Errno, Exit, Task};
use unicorn_engine::{RegisterX86, Unicorn};

// ---------------------------------------------------------------------------------------------
// Processes that share the address space (clone with CLONE_VM, without CLONE_THREAD).
//
// Such a process is started like a thread (its own CPU over the same guest memory, under the same
// emulator lock), but in a host process of its own: a helper thread of the parent makes it with
// the host's clone(CLONE_VM) on a stack of its own, and the new process runs on the helper's
// thread-local storage, which the helper leaves alone until the kernel says the process is gone
// (CLONE_CHILD_CLEARTID: mm_release() at its exit or execve). Only then does the helper free the
// stack and end. Unlike a thread, such a process can die on its own (SIGKILL, execve) while it
// holds the emulator lock or waits for it: waiters then skip its ticket (lock.rs).

/// One process sharing the address space: its host pid, and the word the kernel clears when it
/// is gone.
struct VmSlot {
    tid: AtomicU32,
    alive: AtomicU32,
    used: AtomicBool,
    /// Threads the process started that live: they die with it, uncounted by their own exit.
    threads: AtomicU32,
}

const VM_SLOTS: usize = 64;
static VM_PROCS: [VmSlot; VM_SLOTS] = [const {
    VmSlot {
        tid: AtomicU32::new(0),
        alive: AtomicU32::new(0),
        used: AtomicBool::new(false),
        threads: AtomicU32::new(0),
    }
}; VM_SLOTS];

thread_local! {
    /// Set in a process that shares its parent's address space (on the helper's storage).
    static VM_CHILD: Cell<bool> = const { Cell::new(false) };
}

/// The slot of the calling process, if it is one that shares its parent's address space.
fn own_slot() -> Option<&'static VmSlot> {
    if !VM_EVER.load(Relaxed) {
        return None;
    }
    let pid = rustix::process::getpid().as_raw_nonzero().get() as u32;
    VM_PROCS.iter().find(|s| s.used.load(Relaxed) && s.tid.load(Relaxed) == pid)
}

/// Whether this host thread runs a process that shares its parent's address space.
pub fn is_vm_child() -> bool {
    VM_CHILD.get()
}

/// Before the process ends while processes that share its memory live on (they keep running the
/// guest): let the lock go, which this process would otherwise take with it.
pub fn release_for_exit() {
    if VM_EVER.load(Relaxed) && VM_PROCS.iter().any(|s| s.used.load(Relaxed)) && multi() {
        release();
    }
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

/// The registers a new task copies from the thread that calls clone(2).
pub fn regs_of(cpu: &Unicorn<'_, ()>) -> Regs {
    let r = |reg| cpu.reg_read(reg).unwrap_or(0) as u32;
    Regs {
        gp: GP.map(r),
        fs: r(RegisterX86::FS),
        gs: r(RegisterX86::GS),
        fpcw: r(RegisterX86::FPCW),
        mxcsr: r(RegisterX86::MXCSR),
    }
}

/// What a new thread reports back: its tid, or why it could not start.
type Started = Result<u32, Errno>;

/// What a new task runs under the lock (its caller gives it the proof): the run loop
/// (`run::run_thread`), until the thread ends (`None`) or how the process ends.
pub type Body = fn(Cpu, GuestSpace, Task, Held) -> Option<(Exit, Option<syscalls::trace::Tracer>)>;

/// Start a thread as a copy of the calling one (the syscall layer checked the flags and the TLS
/// entry); answers its tid once it exists and has stored it (`CLONE_CHILD_SETTID`).
pub fn spawn(
    mem: &mut dyn GuestMemory,
    caller: &mut Task,
    regs: Regs,
    start: ThreadStart,
    held: &Held,
    body: Body,
) -> Result<(u32, i32), Errno> {
    let mut gdt = [0u64; GDT_ENTRIES as usize];
    for (i, slot) in (0..).zip(gdt.iter_mut()) {
        *slot = mem.gdt_entry(i);
    }
    if start.flags & CLONE_THREAD == 0 {
        return spawn_vm_process(caller, start, regs, gdt, held, body);
    }
    let clear = if start.flags & syscalls::abi::sched::CLONE_CHILD_CLEARTID != 0 { start.child_tid } else { 0 };
    let task = caller.new_thread(clear);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Started>(1);
    THREADS.fetch_add(1, Relaxed);
    // New host threads start with every signal blocked (they inherit this mask): the preemption
    // thread keeps it, a guest thread sets the guest's mask itself once it can take signals.
    let old = host::block_all_signals();
    start_timer();
    let place = syscalls::replay::thread_child();
    let spawned = std::thread::Builder::new().stack_size(8 << 20).spawn(move || {
        syscalls::replay::enter(place);
        thread_main(regs, gdt, start, task, tx, body)
    });
    syscalls::sys::signal::reinstall_reserved(&caller.signals, held);
    host::set_signal_mask(old);
    let started = match spawned {
        Ok(_) => rx.recv().unwrap_or(Err(Errno::AGAIN)),
        Err(_) => Err(Errno::AGAIN),
    };
    if started.is_err() {
        THREADS.fetch_sub(1, Relaxed);
    }
    let tid = started?;
    if let Some(slot) = own_slot() {
        slot.threads.fetch_add(1, Relaxed);
    }
    let mut pidfd = -1;
    if start.flags & CLONE_PIDFD != 0 {
        // A pidfd for a thread (PIDFD_THREAD, as copy_process() makes it for CLONE_THREAD).
        pidfd = crate::host::process::pidfd_open(tid as libc::c_int, libc::O_EXCL).map_err(errno)?.into_raw_fd();
    }
    Ok((tid, pidfd))
}

/// What a process that shares the address space starts from.
struct VmChild {
    regs: Regs,
    gdt: [u64; GDT_ENTRIES as usize],
    start: ThreadStart,
    task: Task,
    tx: std::sync::mpsc::SyncSender<Started>,
    slot: &'static VmSlot,
    body: Body,
}

/// The host's clone flags that a process sharing the address space takes from the guest's: the
/// exit signal, what it shares besides memory, the namespaces (the host decides on them).
const VM_PASS: u32 = 0xff
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_PIDFD
    | CLONE_PTRACE
    | CLONE_PARENT
    | CLONE_NEWNS
    | CLONE_SYSVSEM
    | CLONE_UNTRACED
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET
    | CLONE_IO;

/// Start a process that shares the caller's memory (see the section on such processes above).
fn spawn_vm_process(
    caller: &mut Task,
    start: ThreadStart,
    regs: Regs,
    gdt: [u64; GDT_ENTRIES as usize],
    held: &Held,
    body: Body,
) -> Result<(u32, i32), Errno> {
    let slot =
        VM_PROCS.iter().find(|s| s.used.compare_exchange(false, true, Acquire, Relaxed).is_ok()).ok_or(Errno::AGAIN)?;
    VM_EVER.store(true, Relaxed);
    let flags = start.flags;
    let clear = if flags & CLONE_CHILD_CLEARTID != 0 { start.child_tid } else { 0 };
    let task = caller.new_vm_process(clear, flags & CLONE_SIGHAND != 0, held);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Started>(2);
    let child = Box::new(VmChild { regs, gdt, start, task, tx: tx.clone(), slot, body });
    let host_flags = CLONE_VM | CLONE_CHILD_CLEARTID | (flags & VM_PASS);
    let pidfd = std::sync::Arc::new(AtomicI32::new(-1));
    let helper_pidfd = std::sync::Arc::clone(&pidfd);
    THREADS.fetch_add(1, Relaxed);
    // The helper, and so the new process, starts with every signal blocked; the new process sets
    // the guest's mask once it can take signals.
    let old = host::block_all_signals();
    start_timer();
    let spawned = std::thread::Builder::new()
        .name("emu386-clone".into())
        .stack_size(64 << 10)
        .spawn(move || vm_helper(host_flags, child, slot, tx, helper_pidfd));
    host::set_signal_mask(old);
    let started = match spawned {
        Ok(_) => rx.recv().unwrap_or(Err(Errno::AGAIN)),
        Err(_) => {
            slot.used.store(false, Release);
            THREADS.fetch_sub(1, Relaxed);
            Err(Errno::AGAIN)
        }
    };
    // The kernel stored the pidfd before the new process could run (copy_process()).
    started.map(|tid| (tid, pidfd.load(Relaxed)))
}

/// The helper thread: make the process, then wait until the kernel says it is gone and free
/// what it ran on. Touches nothing thread-local after the clone (the process uses that storage).
fn vm_helper(
    host_flags: u32,
    child: Box<VmChild>,
    slot: &'static VmSlot,
    tx: std::sync::mpsc::SyncSender<Started>,
    pidfd: std::sync::Arc<AtomicI32>,
) {
    const STACK: usize = 8 << 20;
    let fail = |e: Errno| {
        THREADS.fetch_sub(1, Relaxed);
        slot.used.store(false, Release);
        let _ = tx.send(Err(e));
    };
    let Ok(stack) = host::ChildStack::map(STACK) else { return fail(Errno::NOMEM) };
    slot.alive.store(1, Release);
    let arg = Box::into_raw(child);
    // SAFETY: the new process runs `vm_child_main` on the top of `stack`, which stays mapped
    // until the kernel clears `alive` (CLONE_CHILD_CLEARTID); `arg` is its to take; the pidfd
    // word lives in the Arc, which outlives the call.
    let pid = unsafe {
        libc::clone(
            vm_child_entry,
            stack.top(),
            host_flags as libc::c_int,
            arg.cast(),
            pidfd.as_ptr(),
            null_mut::<libc::c_void>(),
            slot.alive.as_ptr(),
        )
    };
    if pid < 0 {
        let e = syscalls::last_errno();
        // SAFETY: the clone failed, so `arg` was not taken.
        drop(unsafe { Box::from_raw(arg) });
        stack.unmap();
        slot.alive.store(0, Release);
        return fail(e);
    }
    slot.tid.store(pid as u32, Relaxed);
    loop {
        let v = slot.alive.load(Acquire);
        if v == 0 {
            break;
        }
        host::futex_wait_shared(&slot.alive, v);
    }
    crate::lock::process_gone(pid as u32, 1 + slot.threads.swap(0, Relaxed));
    // The process is gone (or runs another program): nothing uses the stack any more.
    stack.unmap();
    slot.tid.store(0, Relaxed);
    slot.used.store(false, Release);
    crate::lock::kick_timer();
}

/// Where the new process starts (glibc's clone calls it on the new stack).
extern "C" fn vm_child_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: the helper handed over this box with the clone.
    let child = unsafe { Box::from_raw(arg.cast::<VmChild>()) };
    vm_child_main(*child)
}

/// A process that shares the address space: set up its CPU like a thread's, run it, and end
/// only this host process.
fn vm_child_main(child: VmChild) -> ! {
    let VmChild { regs, gdt, start, mut task, tx, slot, body } = child;
    // The helper stores it too, once clone returns; threads started before that must find it.
    slot.tid.store(rustix::process::getpid().as_raw_nonzero().get() as u32, Relaxed);
    VM_CHILD.set(true);
    MY_PID.set(0);
    let Some((cpu, space, tid)) = new_task_cpu(&regs, &gdt, &start) else {
        let _ = tx.send(Err(Errno::NOMEM));
        crate::host::process::exit_group(1);
    };
    syscalls::sys::signal::after_fork_child(&task.signals);
    let _ = tx.send(Ok(tid));
    drop(tx);
    let mut held = lock();
    // Its own dispositions (clone3 refuses CLONE_CLEAR_SIGHAND with CLONE_SIGHAND), on its own
    // host handlers; its signals stay blocked until it runs.
    if start.clear_sighand {
        task.signals.clear_handlers(&mut held);
    }
    let (exit, tracer) = body(cpu, space, task, held).unwrap_or((Exit::Status(0), None));
    // Its proof went with its guest.
    release();
    if let Some(mut t) = tracer {
        syscalls::trace::exited(&mut t, exit);
    }
    // Not std::process::exit: the atexit handlers and buffers are the parent's too.
    // Raw calls that end this host process only.
    if let Exit::Signal(signal) = exit {
        crate::host::process::kill_self_default(signal);
    }
    let status = match exit {
        Exit::Status(s) => s & 0xff,
        Exit::Signal(s) => 128 + s,
    };
    crate::host::process::exit_group(status)
}

/// The guest side of an ending process that shares memory: mm_release() clears and wakes its
/// `clear_child_tid` word (the memory is still in use by the parent).
pub fn vm_child_exits(space: &mut GuestSpace, task: &mut Task, held: &mut Held) {
    let addr = task.clear_child_tid;
    syscalls::sys::futex::clear_child_tid(&mut Ctx { mem: space, task, machine: &mut NoMachine, held }, addr);
}

/// The CPU of a new task as a copy of its parent's registers (`%eax` 0, the new stack and TLS);
/// `None` when Unicorn cannot make one.
fn new_task_cpu(regs: &Regs, gdt: &[u64; GDT_ENTRIES as usize], start: &ThreadStart) -> Option<(Cpu, GuestSpace, u32)> {
    let tid = rustix::thread::gettid().as_raw_nonzero().get() as u32;
    let mut space = GuestSpace::thread_view(gdt);
    if let Some((index, desc)) = start.tls.filter(|_| start.flags & CLONE_SETTLS != 0) {
        space.set_gdt_entry(index, desc);
    }
    if start.flags & CLONE_CHILD_SETTID != 0 {
        // schedule_tail() ignores a failure to store it.
        let _ = space.write_u32(start.child_tid, tid);
    }
    let esp = if start.newsp != 0 { start.newsp } else { regs.gp[7] };
    let mut cpu = match new_cpu(&mut space, regs.gp[8], esp, true, crate::gdb::active()) {
        Ok(cpu) => cpu,
        Err(e) => {
            log::warn!("cannot create a CPU for a new task: {e:?}");
            return None;
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
    Some((cpu, space, tid))
}

/// A new thread's life: set up its CPU, report its tid, then run under the lock until it exits.
fn thread_main(
    regs: Regs,
    gdt: [u64; GDT_ENTRIES as usize],
    start: ThreadStart,
    task: Task,
    tx: std::sync::mpsc::SyncSender<Started>,
    body: Body,
) {
    // A thread without CLONE_FILES or CLONE_FS gets its own copy of the table or of the root,
    // cwd and umask (the host allows a thread to unshare those two).
    // Namespace flags give the thread namespaces of its own (copy_namespaces() for a thread),
    // which the host does for one thread too. (The host's CLONE_* numbers are the guest's.)
    let namespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
    let unshare = ((!start.flags & (CLONE_FILES | CLONE_FS)) | (start.flags & namespaces)) as libc::c_int;
    if unshare != 0 {
        if let Err(e) = host::unshare_new_thread(unshare) {
            let _ = tx.send(Err(errno(e)));
            return;
        }
    }
    let Some((cpu, space, tid)) = new_task_cpu(&regs, &gdt, &start) else {
        let _ = tx.send(Err(Errno::NOMEM));
        return;
    };
    syscalls::sys::signal::sync_host_mask(task.signals.mask);
    if tx.send(Ok(tid)).is_err() {
        return;
    }
    let held = lock();
    match body(cpu, space, task, held) {
        Some((exit, tracer)) => exit_process(exit, tracer),
        // The CPU is closed (and the proof went with its guest); the other threads go on.
        None => release(),
    }
}

// ---------------------------------------------------------------------------------------------
// Ending threads.

/// exit(2) of a thread while others live (the caller holds the lock, and lets it go once its CPU
/// is closed): the kernel's mm_release() wake for `clear_child_tid`, then the thread no longer
/// counts. Answers false (and does nothing) when it is the last thread, whose exit ends the
/// process.
pub fn exit_thread(space: &mut GuestSpace, task: &mut Task, held: &mut Held) -> bool {
    if !multi() || is_vm_child() {
        return false;
    }
    let addr = task.clear_child_tid;
    syscalls::sys::futex::clear_child_tid(&mut Ctx { mem: space, task, machine: &mut NoMachine, held }, addr);
    THREADS.fetch_sub(1, Relaxed);
    if let Some(slot) = own_slot() {
        slot.threads.fetch_sub(1, Relaxed);
    }
    set_running(null_mut());
    true
}

/// The main thread ended while others run: end only its host thread (the process lives on, as
/// a Linux process whose thread-group leader exited).
pub fn end_main_thread() -> ! {
    // The thread's proof went with its guest.
    release();
    // Nothing of this thread is used again.
    crate::host::process::exit_thread()
}

/// End the process from a thread other than the main one, as the main thread would on return
/// (emu/src/main.rs): the tracer's last line, then the status or the signal.
fn exit_process(exit: Exit, tracer: Option<syscalls::trace::Tracer>) -> ! {
    syscalls::replay::flush();
    release_for_exit();
    if let Some(mut t) = tracer {
        syscalls::trace::exited(&mut t, exit);
    }
    match exit {
        Exit::Status(s) => std::process::exit(s & 0xff),
        Exit::Signal(signal) => {
            // The process ends here.
            crate::host::process::raise_default(signal);
            std::process::exit(128 + signal)
        }
    }
}

/// A host call's error as the guest's errno (the host's number, unchanged).
fn errno(e: std::io::Error) -> Errno {
    Errno::from_raw_os_error(e.raw_os_error().unwrap_or(libc::EIO))
}
