//! The state of one guest thread that handlers share, and what its process shares with its other
//! threads.
//!
//! A [`Task`] is one guest thread: its own tid bookkeeping (`clear_child_tid`, the robust list),
//! signal mask, alternate stack and tracer. The per-process parts — the address space ([`Mm`]) and
//! the signal dispositions — are [`Shared`] between the tasks of one process. The emulator runs
//! one guest thread at a time under its emulator lock (emu/src/thread.rs); that lock is what makes
//! a `Shared` value safe to reach, see [`Shared`].

use crate::mem::GuestMemory;
use crate::sys::mm_space::Mm;
use crate::trace::Tracer;
use crate::Errno;
use std::cell::UnsafeCell;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// What a handler gets: guest memory, the thread it acts for, and the machine running that thread.
pub struct Ctx<'a> {
    pub mem: &'a mut dyn GuestMemory,
    pub task: &'a mut Task,
    pub machine: &'a mut dyn Machine,
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
    ) -> Result<(u32, i32), Errno>;

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
    fn start_task(&mut self, _: &mut dyn GuestMemory, _: &mut Task, _: ThreadStart) -> Result<(u32, i32), Errno> {
        Err(Errno::NOSYS)
    }
    fn set_stack(&mut self, _: u32) {}
    fn reload_segments(&mut self) {}
}

/// First and last TLS entry in the GDT (GDT_ENTRY_TLS_MIN/MAX on a 64-bit kernel).
pub const TLS_ENTRY_MIN: u32 = 12;
pub const TLS_ENTRY_MAX: u32 = 14;
/// GDT entries a CPU has (GDT_ENTRIES on a 64-bit kernel).
pub const GDT_ENTRIES: u32 = 16;

/// Process-wide state that every thread of a guest process reaches through its own [`Task`].
///
/// The contract: a `Shared` value is read or written only by the guest thread that holds the
/// emulator lock, which is held whenever guest code or a syscall handler runs, except around the
/// handlers of calls that may block (their table rows say so: [`crate::table::Entry::blocking`]);
/// those handlers touch only per-thread state. With one thread the lock is trivially held.
/// Cloning shares the value.
pub struct Shared<T>(Arc<UnsafeCell<T>>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(UnsafeCell::new(value)))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

// SAFETY: the value moves between host threads only as the emulator lock does (see the type's
// contract), so at most one thread reaches it at a time.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: only the lock holder reaches the value (the type's contract).
        unsafe { &*self.0.get() }
    }
}

impl<T> std::ops::DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: only the lock holder reaches the value (the type's contract).
        unsafe { &mut *self.0.get() }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

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
    pub signals: crate::sys::signal::Signals,
    /// How to run the emulator again for an i386 program the guest executes (per process, the
    /// same for every thread; `None`: unknown, such an execve fails).
    pub emulator: Option<Arc<crate::sys::exec::Emulator>>,
    /// rseq(2)'s registration (per thread).
    pub rseq: Option<crate::sys::rseq::Registration>,
    /// seccomp's mode and filters (per thread, inherited by threads, forks and execve).
    pub seccomp: crate::sys::seccomp::State,
    /// Unknown syscall numbers already logged.
    unsupported_seen: HashSet<u32>,
}

impl Task {
    pub fn new(mm: Mm, exe: PathBuf, kernel_release: String) -> Self {
        Task {
            mm: Shared::new(mm),
            exe,
            kernel_release,
            sysroot: None,
            clear_child_tid: 0,
            robust_list: (0, 0),
            tracer: None,
            signals: crate::sys::signal::Signals::from_host(),
            emulator: None,
            rseq: None,
            seccomp: crate::sys::seccomp::State::default(),
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
    pub fn new_vm_process(&self, clear_child_tid: u32, share_sighand: bool) -> Task {
        let mut task = self.new_thread(clear_child_tid);
        if !share_sighand {
            task.signals.actions = Shared::new(*self.signals.actions);
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

/// Ends the machine's own helper threads when the guest has one thread, so that the host sees a
/// single-threaded process where the kernel requires one (unshare(CLONE_NEWUSER), setns).
pub type Quiesce = fn();

static QUIESCE: OnceLock<Quiesce> = OnceLock::new();

/// Register how the machine ends its helper threads (the first call wins).
pub fn set_quiesce(quiesce: Quiesce) {
    let _ = QUIESCE.set(quiesce);
}

/// End the machine's helper threads if the guest has a single thread (nothing without a machine).
pub fn quiesce() {
    if let Some(q) = QUIESCE.get() {
        q();
    }
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
        ) -> Result<(u32, i32), Errno> {
            self.started.push(start);
            Ok((999 + self.started.len() as u32, -1))
        }
        fn set_stack(&mut self, esp: u32) {
            self.stack = Some(esp);
        }
        fn reload_segments(&mut self) {
            self.reloaded = true;
        }
    }

    /// Memory at `[0x10000, 0x20000)`, a task, a fake machine.
    pub fn parts() -> (FlatMemory, Task, FakeMachine) {
        let task = Task::new(Mm::new(0x4000_0000), PathBuf::from("/prog"), "6.1.0".to_owned());
        (FlatMemory::new(0x10000, 0x10000), task, FakeMachine::default())
    }
}
