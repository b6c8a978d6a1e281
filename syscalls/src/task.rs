//! The state of one guest thread that handlers share, and what its process shares with its other
//! threads.
//!
//! A [`Task`] is one guest thread: its own tid bookkeeping (`clear_child_tid`, the robust list),
//! signal mask, alternate stack and tracer. The per-process parts — the address space ([`Mm`]) and
//! the signal dispositions — are [`Shared`] between the tasks of one process.
//!
//! # Locking, checked by the type system
//!
//! The emulator runs one guest thread at a time under its emulator lock (emu/src/lock.rs), and
//! lets go of it only around the handlers of calls that may block (their rows say so:
//! [`crate::table::Entry::blocking`]). Whoever holds the lock holds the one [`Held`] value, a
//! zero-sized proof that only the lock hands out; a [`Shared`] value is reached only by showing it
//! (`task.mm.get(held)`, `task.mm.get_mut(held)`), as qcell's `TCell` is reached through its owner:
//! reading needs `&Held`, writing `&mut Held`, so two borrows of shared state never overlap.
//!
//! Handlers get the proof in their context: [`Ctx`] (the handlers of rows that never block)
//! carries `held: &mut Held`. The handlers of rows that may block get a [`BlockingCtx`] whose
//! `held` is an `Option`: `None` while the call may block (the lock may be let go), `Some` only
//! when the row's `blocking` predicate says these arguments do not block (ipc's shmat), so a
//! blocking path that touches shared state does not compile:
//!
//! ```compile_fail,E0308
//! use syscalls::task::BlockingCtx;
//! fn wait(ctx: &mut BlockingCtx) -> u32 {
//!     ctx.task.mm.get(ctx.held).brk // error: expected `&Held`, found `Option<&mut Held>`
//! }
//! ```
//! while the same under the lock does:
//! ```
//! use syscalls::task::Ctx;
//! fn brk(ctx: &mut Ctx) -> u32 {
//!     ctx.task.mm.get(ctx.held).brk
//! }
//! ```
//! and neither does reaching shared state without the proof (`Shared` has no `Deref`):
//! ```compile_fail,E0609
//! fn brk(task: &syscalls::Task) -> u32 {
//!     task.mm.brk
//! }
//! ```
//! Helpers that touch no shared state take any context (`fn f<H>(ctx: &mut Ctx<H>)`), so the
//! direct socket calls and socketcall's subcalls share them.

use crate::mem::GuestMemory;
pub use crate::shared::{Held, Shared};
use crate::space::Mm;
use crate::trace::Tracer;
use crate::Errno;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// What a handler gets: guest memory, the thread it acts for, the machine running that thread, and
/// `held`: the proof that the emulator lock is held ([`Held`]) when `H` is `&mut Held` (the
/// default), none or maybe one in a [`BlockingCtx`].
pub struct Ctx<'a, H = &'a mut Held> {
    pub mem: &'a mut dyn GuestMemory,
    pub task: &'a mut Task,
    pub machine: &'a mut dyn Machine,
    pub held: H,
}

/// The context of a handler whose row may block: `held` is `None` whenever the call may block
/// (the emulator lock may be let go meanwhile), `Some` when the row's `blocking` predicate says
/// these arguments do not block.
pub type BlockingCtx<'a> = Ctx<'a, Option<&'a mut Held>>;

impl<H> Ctx<'_, H> {
    /// The same context without the proof (a handler that may block, called with the lock held:
    /// it gets `Some`).
    pub fn maybe_blocking(&mut self) -> BlockingCtx<'_>
    where
        H: LockState,
    {
        Ctx { mem: &mut *self.mem, task: &mut *self.task, machine: &mut *self.machine, held: self.held.proof() }
    }
}

impl BlockingCtx<'_> {
    /// The same context with the proof, when this call runs under the lock (`None` when it may
    /// block).
    pub fn locked(&mut self) -> Option<Ctx<'_>> {
        let held = self.held.as_deref_mut()?;
        Some(Ctx { mem: &mut *self.mem, task: &mut *self.task, machine: &mut *self.machine, held })
    }
}

/// What a context's `held` may be: the proof, or maybe the proof.
pub trait LockState {
    /// The proof, lent, if there is one.
    fn proof(&mut self) -> Option<&mut Held>;
}

impl LockState for &mut Held {
    fn proof(&mut self) -> Option<&mut Held> {
        Some(&mut **self)
    }
}

impl LockState for Option<&mut Held> {
    fn proof(&mut self) -> Option<&mut Held> {
        self.as_deref_mut()
    }
}

/// What a handler asks of the machine that runs the calling guest thread: what only the owner of
/// the thread's CPU can do. `emu` implements it over the thread's CPU for each syscall; unit tests
/// use a fake that records what was asked ([`testing::FakeMachine`]).
pub trait Machine {
    /// Start a guest thread, or a process sharing the address space (`CLONE_VM` without
    /// `CLONE_THREAD`), as a copy of the calling thread with `start`'s differences: its tid and
    /// the host pidfd `CLONE_PIDFD` made (-1 otherwise).
    fn start_task(
        &mut self,
        mem: &mut dyn GuestMemory,
        task: &mut Task,
        start: ThreadStart,
        held: &mut Held,
    ) -> Result<(u32, i32), Errno>;

    /// Run `call` (a call that may block) with the emulator lock let go when another guest thread
    /// could use it meanwhile. `held` stays borrowed throughout, so `call` cannot reach shared
    /// state.
    fn unlocked(&mut self, held: &mut Held, call: &mut dyn FnMut(&mut dyn Machine));

    /// End the machine's own helper threads if the guest has a single thread, so that the host
    /// sees a single-threaded process where the kernel requires one (unshare(CLONE_NEWUSER),
    /// setns).
    fn quiesce(&mut self) {}

    /// When the call returns, `%esp` is `esp` (a process clone(2) gave a stack of its own).
    fn set_stack(&mut self, esp: u32);

    /// When the call returns, `%fs` and `%gs` are loaded again from the GDT (`CLONE_SETTLS`
    /// changed an entry they may hold).
    fn reload_segments(&mut self);

    /// `%eip` of the calling thread: the address after its `int $0x80` (seccomp_data's
    /// instruction_pointer; 0 where there is no CPU).
    fn eip(&self) -> u32 {
        0
    }
}

/// The machine of a context that runs no guest code (a thread that is exiting): it starts no
/// task and has no registers to change.
pub struct NoMachine;

impl Machine for NoMachine {
    fn start_task(
        &mut self,
        _: &mut dyn GuestMemory,
        _: &mut Task,
        _: ThreadStart,
        _: &mut Held,
    ) -> Result<(u32, i32), Errno> {
        Err(Errno::NOSYS)
    }
    fn unlocked(&mut self, _: &mut Held, call: &mut dyn FnMut(&mut dyn Machine)) {
        call(self)
    }
    fn set_stack(&mut self, _: u32) {}
    fn reload_segments(&mut self) {}
}

/// First and last TLS entry in the GDT (GDT_ENTRY_TLS_MIN/MAX on a 64-bit kernel).
pub const TLS_ENTRY_MIN: u32 = 12;
pub const TLS_ENTRY_MAX: u32 = 14;
/// GDT entries a CPU has (GDT_ENTRIES on a 64-bit kernel).
pub const GDT_ENTRIES: u32 = 16;

/// Per-thread state, with the per-process parts shared.
pub struct Task {
    /// The address space (per process).
    pub mm: Shared<Mm>,
    /// The guest program, absolute: what `/proc/self/exe` answers.
    pub exe: PathBuf,
    /// The release uname(2) reports.
    pub kernel_release: String,
    /// `-L`: absolute paths the program uses resolve under this directory first, when the file
    /// exists there (qemu-user's sysroot).
    pub sysroot: Option<PathBuf>,
    /// set_tid_address(2): cleared (and woken) when the thread exits.
    pub clear_child_tid: u32,
    /// set_robust_list(2) head and length.
    pub robust_list: (u32, u32),
    /// strace-format output, when asked for.
    pub tracer: Option<Tracer>,
    /// Dispositions (per process), mask, alternate stack (sys/signal.rs).
    pub signals: crate::state::Signals,
    /// How to run the emulator again for an i386 program the guest executes (per process, the
    /// same for every thread; `None`: unknown, such an execve fails).
    pub emulator: Option<Arc<crate::state::Emulator>>,
    /// rseq(2)'s registration (per thread).
    pub rseq: Option<crate::state::Registration>,
    /// seccomp's mode and filters (per thread, inherited by threads, forks and execve).
    pub seccomp: crate::state::SeccompState,
    /// Unknown syscall numbers already logged.
    unsupported_seen: HashSet<u32>,
}

impl Task {
    /// A task with address space `mm` and signal state `signals` (the emulator's
    /// `Signals::from_host()`), running `exe`.
    pub fn new(mm: Mm, signals: crate::state::Signals, exe: PathBuf, kernel_release: String) -> Self {
        Task {
            mm: Shared::new(mm),
            exe,
            kernel_release,
            sysroot: None,
            clear_child_tid: 0,
            robust_list: (0, 0),
            tracer: None,
            signals,
            emulator: None,
            rseq: None,
            seccomp: crate::state::SeccompState::default(),
            unsupported_seen: HashSet::new(),
        }
    }

    /// The task of a new thread of this process (clone with `CLONE_VM|CLONE_THREAD`): the same
    /// address space and dispositions, the caller's mask, no alternate stack (copy_process()
    /// resets it for `CLONE_VM` without `CLONE_VFORK`), no robust list.
    pub fn new_thread(&self, clear_child_tid: u32) -> Task {
        Task {
            mm: self.mm.clone(),
            exe: self.exe.clone(),
            sysroot: self.sysroot.clone(),
            kernel_release: self.kernel_release.clone(),
            clear_child_tid,
            robust_list: (0, 0),
            tracer: self.tracer.as_ref().map(Tracer::for_new_thread),
            signals: self.signals.for_new_thread(),
            emulator: self.emulator.clone(),
            rseq: None,
            seccomp: self.seccomp.clone(),
            unsupported_seen: self.unsupported_seen.clone(),
        }
    }

    /// The task of a process that shares this one's address space (clone with `CLONE_VM` but
    /// not `CLONE_THREAD`): dispositions shared with `CLONE_SIGHAND`, copied otherwise, the rest
    /// as for a thread. (`CLONE_CLEAR_SIGHAND` is the child's to apply, on its own host handlers.)
    pub fn new_vm_process(&self, clear_child_tid: u32, share_sighand: bool, held: &Held) -> Task {
        let mut task = self.new_thread(clear_child_tid);
        if !share_sighand {
            task.signals.actions = Shared::new(*self.signals.actions.get(held));
        }
        task
    }

    /// Log an unknown syscall number, once per number.
    pub fn unsupported(&mut self, nr: u32) {
        if self.unsupported_seen.insert(nr) {
            let name = crate::abi::nr::NAMES.get(nr as usize).copied().filter(|n| !n.is_empty());
            log::warn!("unsupported syscall {nr} ({}): ENOSYS", name.unwrap_or("unassigned"));
        }
    }
}

/// What clone(2) asks of a new thread, once the flags and the TLS descriptor are checked.
#[derive(Debug, Clone, Copy)]
pub struct ThreadStart {
    /// The clone flags (with the exit signal in the low byte).
    pub flags: u32,
    /// clone3's `CLONE_CLEAR_SIGHAND`: the child's handlers become SIG_DFL.
    pub clear_sighand: bool,
    /// The new thread's `%esp` (0: the caller's).
    pub newsp: u32,
    /// `CLONE_SETTLS`: GDT entry and descriptor.
    pub tls: Option<(u32, u64)>,
    /// `CLONE_CHILD_SETTID` / `CLONE_CHILD_CLEARTID` address.
    pub child_tid: u32,
}

#[cfg(test)]
pub mod testing {
    //! A fake [`Machine`] and a task over flat memory, for handler unit tests.
    use super::*;
    use crate::mem::testing::FlatMemory;

    /// Records what handlers asked of the machine; starts tasks with tids from 1000 up.
    #[derive(Default)]
    pub struct FakeMachine {
        pub started: Vec<ThreadStart>,
        pub stack: Option<u32>,
        pub reloaded: bool,
    }

    impl Machine for FakeMachine {
        fn start_task(
            &mut self,
            _: &mut dyn GuestMemory,
            _: &mut Task,
            start: ThreadStart,
            _: &mut Held,
        ) -> Result<(u32, i32), Errno> {
            self.started.push(start);
            Ok((999 + self.started.len() as u32, -1))
        }
        fn unlocked(&mut self, _: &mut Held, call: &mut dyn FnMut(&mut dyn Machine)) {
            call(self)
        }
        fn set_stack(&mut self, esp: u32) {
            self.stack = Some(esp);
        }
        fn reload_segments(&mut self) {
            self.reloaded = true;
        }
    }

    /// Memory at `[0x10000, 0x20000)`, a task, a fake machine, and the lock's proof for them.
    pub fn parts() -> (FlatMemory, Task, FakeMachine, Held) {
        let signals = crate::sys::signal::Signals::from_host();
        let task = Task::new(Mm::new(0x4000_0000), signals, PathBuf::from("/prog"), "6.1.0".to_owned());
        // SAFETY: the task is new and this test's own: nothing else reaches its shared values.
        let held = unsafe { Held::new() };
        (FlatMemory::new(0x10000, 0x10000), task, FakeMachine::default(), held)
    }
}
