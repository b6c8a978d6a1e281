//! The syscall table and the one dispatcher.
//!
//! The table is data: each entry holds every fact about a syscall that anything outside its handler
//! needs: its name, its handler, how the tracer shows each argument and the result, whether it may
//! block (the run loop lets other guest threads run meanwhile), whether an interrupted call restarts
//! under SA_RESTART, whether a new task returns through it, and whether it needs the guest's
//! `%esp`. Families contribute their entries (`sys::<family>::ENTRIES`), and adding a syscall is
//! one row there and one handler. [`dispatch`] is the only place where a handler's result becomes
//! the value of `%eax`, and the only place where unknown numbers are answered (ENOSYS, logged once
//! per number).

use crate::abi::nr;
use crate::task::Ctx;
use crate::{sys, trace, Errno, Exit, SysError, SysResult};
use std::sync::LazyLock;

// The row types, where the emulator and the diff tools have always found them.
pub use crate::call::{Arg, Args, Call, Ret};
pub use crate::row::{Entry, Handler, When};

/// The table, indexed by number.
static TABLE: LazyLock<Vec<Option<&'static Entry>>> = LazyLock::new(|| {
    let mut table = vec![None; nr::NAMES.len()];
    for entry in sys::FAMILIES.iter().flat_map(|family| family.iter()) {
        let slot = &mut table[entry.call.nr as usize];
        assert!(slot.is_none(), "syscall {} has two entries", entry.call.name);
        *slot = Some(entry);
    }
    table
});

/// The table row for a syscall number.
pub fn lookup(nr: u32) -> Option<&'static Entry> {
    TABLE.get(nr as usize).copied().flatten()
}

/// socketcall(2) as the tracer shows it: the row of the call it performs and that call's
/// arguments (None when the subcall or its argument block is bad).
pub fn traced_socketcall(mem: &dyn crate::mem::GuestMemory, args: &Args) -> Option<(&'static Entry, Args)> {
    let (direct, direct_args) = sys::socketcall::unpack(mem, args).ok()?;
    Some((socketcall_view(args[0]).or(lookup(direct))?, direct_args))
}

/// Rows for the tracer only: the socketcall subcalls that have no syscall of their own, shown under
/// their own names as strace shows them (`SYS_ACCEPT`, `SYS_SEND`, `SYS_RECV`, net/socket.c), with
/// the arguments they take. The emulator runs them as accept4, sendto and recvfrom.
fn socketcall_view(which: u32) -> Option<&'static Entry> {
    fn traced_only(_: &mut crate::task::BlockingCtx, _: &Args) -> SysResult {
        Err(Errno::NOSYS.into())
    }
    use crate::abi::net::call;
    use crate::trace::names::MSG_NAMES;
    use Arg::*;
    const ONLY: Handler = Handler::MayBlock(traced_only);
    static ACCEPT: Entry = Entry::new(nr::accept4, "accept", ONLY, &[Fd, SockaddrOut(2), IntPtr], Ret::Int);
    static SEND: Entry = Entry::new(nr::sendto, "send", ONLY, &[Fd, InBuf(2), Uint, Flags(MSG_NAMES)], Ret::Int);
    static RECV: Entry = Entry::new(nr::recvfrom, "recv", ONLY, &[Fd, OutBuf, Uint, Flags(MSG_NAMES)], Ret::Int);
    match which {
        call::ACCEPT => Some(&ACCEPT),
        call::SEND => Some(&SEND),
        call::RECV => Some(&RECV),
        _ => None,
    }
}

/// What the machine does after a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Write this to `%eax` and continue.
    Return(u32),
    /// Stop the program.
    Exit(Exit),
}

/// What a handler's result means for the machine: the guest's `%eax` (the value, or `-errno`), or
/// the end of the program.
fn flow(result: &SysResult) -> Flow {
    match result {
        Ok(v) => Flow::Return(*v),
        Err(SysError::Errno(e)) => Flow::Return((e.raw_os_error() as u32).wrapping_neg()),
        Err(SysError::Exit(exit)) => Flow::Exit(*exit),
    }
}

/// Run syscall `nr` with `args` and say what the machine does next. The caller holds the emulator
/// lock; a call that may block runs without it when the machine has other threads to run
/// ([`crate::task::Machine::unlocked`]).
pub fn dispatch(ctx: &mut Ctx, nr: u32, args: &Args) -> Flow {
    let entry = lookup(nr);
    // What strace reads as the call starts and the call may change.
    let before = match entry {
        Some(e) if ctx.task.tracer.is_some() => trace::before(&e.call, args, ctx.task.signals.esp, &*ctx.mem),
        _ => trace::Before::default(),
    };
    if let Some(e) = entry {
        if ctx.task.tracer.is_some() && e.call.ret == Ret::NoReturn {
            traced(ctx, trace::format_call(&e.call, args, &*ctx.mem, None, &before));
        }
    }
    // Another process reading this one's /proc entries finds the address space as it is when
    // this call (which may be how it learns of a change) starts.
    sys::procfs::other::publish(ctx.task, ctx.held, ctx.mem, nr);
    let result = match (sys::seccomp::enter(ctx, nr, args), entry) {
        (Some(verdict), _) => verdict,
        (None, Some(e)) => run(e, ctx, args),
        (None, None) => {
            ctx.task.unsupported(nr);
            Err(SysError::Errno(Errno::NOSYS))
        }
    };
    let flow = flow(&result);
    let value = match flow {
        Flow::Return(v) => Some(v),
        Flow::Exit(_) => None,
    };
    // strace -f shows a new process's or thread's first return (0 from fork, vfork, clone) only
    // as the parent's call.
    let child_return = entry.is_some_and(|e| e.starts_task) && value == Some(0);
    if ctx.task.tracer.is_some() && !child_return {
        // socketcall is shown as the call it performs, with that call's arguments.
        let unpacked = (nr == nr::socketcall).then(|| traced_socketcall(ctx.mem, args)).flatten();
        let text = match (entry, unpacked) {
            (_, Some((e, direct_args))) => Some(trace::format_call(&e.call, &direct_args, &*ctx.mem, value, &before)),
            (Some(e), None) if e.call.ret != Ret::NoReturn => {
                Some(trace::format_call(&e.call, args, &*ctx.mem, value, &before))
            }
            (Some(_), None) => None,
            (None, None) => Some(trace::format_unknown(nr, args, value)),
        };
        if let Some(text) = text {
            traced(ctx, text);
        }
    }
    flow
}

/// Run a row's handler: one that may block with the lock let go, unless its row says these
/// arguments do not block.
fn run(e: &Entry, ctx: &mut Ctx, args: &Args) -> SysResult {
    let f = match e.handler {
        Handler::Locked(f) => return f(ctx, args),
        Handler::MayBlock(f) => f,
    };
    if !e.blocking.holds(args) {
        return f(&mut ctx.maybe_blocking(), args);
    }
    let Ctx { mem, task, machine, held } = ctx;
    let mut result = Err(Errno::NOSYS.into());
    machine.unlocked(held, &mut |machine| result = f(&mut Ctx { mem: &mut **mem, task, machine, held: None }, args));
    result
}

/// A line of the calling thread's trace (`text` without its newline).
fn traced(ctx: &mut Ctx, mut text: String) {
    text.push('\n');
    if let Some(t) = ctx.task.tracer.as_mut() {
        t.line(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_sits_at_its_number_and_is_named_as_the_kernel_names_it() {
        for (nr, entry) in TABLE.iter().enumerate() {
            if let Some(e) = entry {
                assert_eq!(e.call.nr as usize, nr);
                assert_eq!(e.call.name, nr::NAMES[nr], "entry for {nr}");
            }
        }
    }

    fn row(nr: u32) -> &'static Entry {
        lookup(nr).unwrap_or_else(|| panic!("no row for {}", nr::NAMES[nr as usize]))
    }

    #[test]
    fn facts_come_from_the_rows() {
        let none = [0; 6];
        assert!(row(nr::read).blocking.holds(&none) && row(nr::read).restart.holds(&none));
        assert!(row(nr::nanosleep).blocking.holds(&none) && !row(nr::nanosleep).restart.holds(&none));
        assert!(row(nr::poll).blocking.holds(&none) && !row(nr::poll).restart.holds(&none));
        assert!(!row(nr::getpid).blocking.holds(&none));
        for nr in [nr::fork, nr::vfork, nr::clone] {
            assert!(row(nr).starts_task);
        }
        assert!(row(nr::rt_sigreturn).needs_esp && !row(nr::read).needs_esp);
        // socketcall takes the facts of the call it performs.
        let socketcall = |call: u32| [call, 0, 0, 0, 0, 0];
        let recv = socketcall(crate::abi::net::call::RECV);
        let socket = socketcall(crate::abi::net::call::SOCKET);
        let recvmmsg = socketcall(crate::abi::net::call::RECVMMSG);
        assert!(row(nr::socketcall).blocking.holds(&recv) && row(nr::socketcall).restart.holds(&recv));
        assert!(!row(nr::socketcall).blocking.holds(&socket) && !row(nr::socketcall).restart.holds(&socket));
        assert!(row(nr::socketcall).blocking.holds(&recvmmsg) && !row(nr::socketcall).restart.holds(&recvmmsg));
        assert!(!row(nr::socketcall).blocking.holds(&socketcall(99)));
        // futex: a wait blocks; it restarts only without a timeout.
        let wait = [0x1000, 0, 1, 0, 0, 0];
        let timed = [0x1000, 0, 1, 0x2000, 0, 0];
        let wake = [0x1000, 1, 1, 0, 0, 0];
        assert!(row(nr::futex).blocking.holds(&wait) && row(nr::futex).restart.holds(&wait));
        assert!(row(nr::futex).blocking.holds(&timed) && !row(nr::futex).restart.holds(&timed));
        assert!(!row(nr::futex).blocking.holds(&wake));
        // ipc: semop and msgrcv block, shmat does not.
        assert!(row(nr::ipc).blocking.holds(&[1, 0, 0, 0, 0, 0]) && !row(nr::ipc).blocking.holds(&[21, 0, 0, 0, 0, 0]));
    }

    /// A call that blocks runs without the emulator lock, so it must not touch state shared by
    /// the process's threads: the address space, the dispositions, the fd-independent tables.
    #[test]
    fn no_call_that_changes_shared_state_blocks() {
        let shared = [
            nr::brk,
            nr::mmap,
            nr::mmap2,
            nr::munmap,
            nr::mprotect,
            nr::mremap,
            nr::madvise,
            nr::shmat,
            nr::shmdt,
            nr::rt_sigaction,
            nr::sigaction,
            nr::signal,
            nr::execve,
            nr::clone,
            nr::fork,
            nr::vfork,
            nr::exit_group,
            nr::set_thread_area,
            nr::prctl,
        ];
        for nr in shared {
            if let Some(e) = lookup(nr) {
                assert!(matches!(e.blocking, When::Never), "{} blocks", e.call.name);
            }
        }
        // ipc's shmat and shmdt change the address space.
        for call in [21, 22] {
            assert!(!row(nr::ipc).blocking.holds(&[call, 0, 0, 0, 0, 0]));
        }
    }

    /// A row that may block has a handler whose context may lack the lock's proof.
    #[test]
    fn rows_that_may_block_have_handlers_that_may_block() {
        for e in TABLE.iter().flatten() {
            if !matches!(e.blocking, When::Never) {
                assert!(matches!(e.handler, Handler::MayBlock(_)), "{}", e.call.name);
            }
        }
    }

    #[test]
    fn errno_becomes_negative_eax() {
        assert_eq!(flow(&Err(Errno::NOENT.into())), Flow::Return(-2i32 as u32));
        assert_eq!(flow(&Ok(7)), Flow::Return(7));
        assert_eq!(flow(&Err(SysError::Exit(Exit::Status(0)))), Flow::Exit(Exit::Status(0)));
    }
}
