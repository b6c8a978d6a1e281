//! One row of the syscall table ([`Entry`]): a call's description ([`Call`]), its handler and
//! every fact about it that anything outside the handler needs. The families build their rows
//! with [`entry!`](crate::entry) (`sys::<family>::ENTRIES`); [`crate::table`] indexes them by
//! number and dispatches.

pub use crate::call::{Arg, Args, Call, Ret};
use crate::task::{BlockingCtx, Ctx};
use crate::SysResult;

/// A syscall handler: of a row that never blocks (it runs with the emulator lock, its context
/// holds the proof), or of a row that may block (see [`crate::task::BlockingCtx`]).
#[derive(Debug, Clone, Copy)]
pub enum Handler {
    Locked(fn(&mut Ctx, &Args) -> SysResult),
    MayBlock(fn(&mut BlockingCtx, &Args) -> SysResult),
}

impl Handler {
    /// Run the handler in a context that may hold the lock: a locked handler needs it (`EDEADLK`
    /// without: a row that never blocks was asked to run unlocked, which the table's own checks
    /// rule out).
    pub fn run_maybe_locked(self, ctx: &mut BlockingCtx, args: &Args) -> SysResult {
        match self {
            Handler::Locked(f) => f(&mut ctx.locked().ok_or(crate::Errno::DEADLK)?, args),
            Handler::MayBlock(f) => f(ctx, args),
        }
    }
}

/// A fact that holds for every call, for none, or depending on the arguments.
#[derive(Debug, Clone, Copy)]
pub enum When {
    Never,
    Always,
    If(fn(&Args) -> bool),
}

impl When {
    pub fn holds(self, args: &Args) -> bool {
        match self {
            When::Never => false,
            When::Always => true,
            When::If(test) => test(args),
        }
    }
}

/// One row of the table. Build it with [`entry!`](crate::entry) and the `const` methods below
/// (`entry!(nr::read, read, [Fd, OutBuf, Uint]).blocks().restarts()`).
#[derive(Debug)]
pub struct Entry {
    /// The number, the name and how the tracer shows the call.
    pub call: Call,
    pub handler: Handler,
    /// The call may wait (for I/O, a child, a signal, time), so its handler runs without the
    /// emulator lock and other guest threads run meanwhile. Such rows have a
    /// [`Handler::MayBlock`], whose context has no proof of the lock while the call may block
    /// (`task::BlockingCtx`), so they cannot touch shared state; [`Entry::blocks`] on a row with a
    /// locked handler does not compile.
    pub blocking: When,
    /// Interrupted by a signal whose handler has SA_RESTART, the call restarts: the kernel answers
    /// -ERESTARTSYS. Calls that answer -ERESTARTNOHAND or use a restart block (poll, select,
    /// epoll_wait, the sleeps, pause, sigsuspend, sigtimedwait, System V IPC) end with EINTR under a
    /// handler (signal(7)).
    pub restart: When,
    /// A new task (process or thread) returns from this call too, with 0.
    pub starts_task: bool,
    /// The run loop gives the call the guest's `%esp` (`task.signals.esp`) first.
    pub needs_esp: bool,
}

impl Entry {
    /// A row with the given name, handler and kinds; no other fact holds.
    pub const fn new(nr: u32, name: &'static str, handler: Handler, args: &'static [Arg], ret: Ret) -> Entry {
        Entry {
            call: Call { nr, name, args, ret },
            handler,
            blocking: When::Never,
            restart: When::Never,
            starts_task: false,
            needs_esp: false,
        }
    }

    /// The call may block: see [`Entry::blocking`].
    pub const fn blocks(self) -> Entry {
        self.blocks_if(When::Always)
    }

    pub const fn blocks_if(mut self, when: When) -> Entry {
        // In a static's initializer this is a compile-time error.
        assert!(matches!(self.handler, Handler::MayBlock(_)), "a row that may block needs a handler that may block");
        self.blocking = when;
        self
    }

    /// An interrupted call restarts under SA_RESTART: see [`Entry::restart`].
    pub const fn restarts(self) -> Entry {
        self.restarts_if(When::Always)
    }

    pub const fn restarts_if(mut self, when: When) -> Entry {
        self.restart = when;
        self
    }

    /// A new task returns through the call: see [`Entry::starts_task`].
    pub const fn starts_task(mut self) -> Entry {
        self.starts_task = true;
        self
    }

    /// The call gets the guest's `%esp`: see [`Entry::needs_esp`].
    pub const fn needs_esp(mut self) -> Entry {
        self.needs_esp = true;
        self
    }
}

/// A table row: `entry!(nr::getpid, sys::ids::getpid, [])`; a row whose call may block names its
/// handler `may_block`: `entry!(nr::read, may_block read, [Fd, OutBuf, Uint]).blocks()`. A row
/// that says it blocks with a handler that needs the lock does not compile:
/// ```compile_fail,E0080
/// use syscalls::{abi::nr, entry, row::{Args, Entry}, task::Ctx, SysResult};
/// fn read(_: &mut Ctx, _: &Args) -> SysResult { Ok(0) }
/// static ROW: Entry = entry!(nr::read, read, []).blocks();
/// ```
/// (with `may_block read` taking a `&mut BlockingCtx`, it does).
#[macro_export]
macro_rules! entry {
    ($nr:path, may_block $handler:path, [$($arg:expr),* $(,)?]) => {
        $crate::entry!($nr, may_block $handler, [$($arg),*], $crate::call::Ret::Int)
    };
    ($nr:path, may_block $handler:path, [$($arg:expr),* $(,)?], $ret:expr) => {
        $crate::row::Entry::new(
            $nr,
            $crate::abi::nr::NAMES[$nr as usize],
            $crate::row::Handler::MayBlock(|ctx, a| $handler(ctx, a)),
            &[$($arg),*],
            $ret,
        )
    };
    ($nr:path, $handler:path, [$($arg:expr),* $(,)?]) => {
        $crate::entry!($nr, $handler, [$($arg),*], $crate::call::Ret::Int)
    };
    ($nr:path, $handler:path, [$($arg:expr),* $(,)?], $ret:expr) => {
        $crate::row::Entry::new(
            $nr,
            $crate::abi::nr::NAMES[$nr as usize],
            $crate::row::Handler::Locked(|ctx, a| $handler(ctx, a)),
            &[$($arg),*],
            $ret,
        )
    };
}
