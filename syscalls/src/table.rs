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

/// The six argument registers, `%ebx %ecx %edx %esi %edi %ebp`.
pub type Args = [u32; 6];

/// A syscall handler.
pub type Handler = fn(&mut Ctx, &Args) -> SysResult;

/// How the tracer shows one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// Signed decimal.
    Int,
    /// Unsigned decimal.
    Uint,
    /// Hexadecimal.
    Hex,
    /// An address (`NULL` or `0x…`).
    Ptr,
    /// A file descriptor.
    Fd,
    /// A directory fd for the *at calls (`AT_FDCWD`).
    DirFd,
    /// A NUL-terminated string read before the call: a path, shown whole.
    Str,
    /// A NUL-terminated string that is not a path (memfd_create's name): cut at 32 bytes, and
    /// shown as an address unless its first 33 bytes (or all of it) are readable, as strace's
    /// printstr() does.
    Name,
    /// Bytes the call reads; the length is argument N.
    InBuf(u8),
    /// Bytes the call writes; the length is the return value.
    OutBuf,
    /// `O_*` open flags.
    OpenFlags,
    /// A mode in octal.
    Mode,
    /// Named flags OR-ed together.
    Flags(&'static [(u32, &'static str)]),
    /// memfd_create(2)'s flags: these names, and the huge page size in the top six bits as
    /// strace shows it (`MFD_HUGETLB|21<<MFD_HUGE_SHIFT`).
    MemfdFlags(&'static [(u32, &'static str)]),
    /// One of several named values.
    Enum(&'static [(u32, &'static str)]),
    /// A socket address read before the call; its length is argument N.
    Sockaddr(u8),
    /// A `struct timespec` (32-bit time fields).
    Timespec,
    /// A `struct __kernel_timespec` (64-bit time fields).
    Timespec64,
    /// A `struct timeval` (32-bit fields).
    Timeval,
    /// A `struct itimerval` of two 32-bit timevals.
    Itimerval,
    /// A `struct itimerspec` of two 32-bit timespecs.
    Itimerspec,
    /// A `struct __kernel_itimerspec` of two 64-bit timespecs.
    Itimerspec64,
    /// An i386 `siginfo_t`, with the members its signal and code say are there
    /// (`{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=…, si_uid=…, si_int=42, si_ptr=0x2a}`).
    /// Spelled apart from the ABI struct `abi::signal::Siginfo`, which the family files that
    /// glob-import these kinds also use.
    SigInfo,
    /// An i386 `struct sigevent` (timer_create, mq_notify): `{sigev_value={sival_int=42,
    /// sival_ptr=0x2a}, sigev_signo=SIGALRM, sigev_notify=SIGEV_SIGNAL}`.
    Sigevent,
    /// A `struct mq_attr` (`{mq_flags=O_NONBLOCK, mq_maxmsg=10, mq_msgsize=8192, mq_curmsgs=0}`).
    MqAttr,
    /// mq_open(2)'s mode and `struct mq_attr`: this argument and the next (which is
    /// [`Arg::Skip`]), shown only with `O_CREAT` in the flags before, which is when the kernel
    /// reads them.
    MqCreate,
    /// An argument the call writes: shown as decoded by the inner kind when the call succeeded,
    /// as an address when it failed (strace does not read what a failed call left there).
    Out(&'static Arg),
    /// A mode that is there only with `O_CREAT` or `O_TMPFILE` in the flags argument before it.
    OpenMode,
    /// fcntl's third argument, shown as the command before it says (or left out).
    FcntlArg,
    /// ioctl's third argument, shown as the request before it says (or left out).
    IoctlArg,
    /// A socket type with its `SOCK_CLOEXEC|SOCK_NONBLOCK` flags.
    SockType,
    /// A socket protocol, named for the address family in argument N.
    SockProto(u8),
    /// A socket option level (`SOL_SOCKET`).
    SockLevel,
    /// A socket option name, named for the level in argument N.
    SockOptName(u8),
    /// A socket option value the call reads; its length is argument N.
    SockOptVal(u8),
    /// A socket option value the call writes; argument N points at its length.
    SockOptOut(u8),
    /// A socket address the call writes; argument N points at its length.
    SockaddrOut(u8),
    /// A pointer to an `int` (`[16]`).
    IntPtr,
    /// Two fds the call writes (`[3, 4]`).
    FdPair,
    /// A `struct pollfd` array of argument N entries; the returned `revents` follow the result.
    Pollfds(u8),
    /// A signal set of argument N bytes (`[INT TERM]`).
    Sigset(u8),
    /// An old-style 4-byte signal set.
    OldSigset,
    /// A `struct sigaction` as rt_sigaction(2) takes it.
    Sigaction,
    /// A signal number (`SIGINT`).
    Signal,
    /// A `struct stat64`, abbreviated as strace shows it.
    Stat64,
    /// A `struct statx`, abbreviated as strace shows it.
    Statx,
    /// statx(2)'s flags: `AT_*` and the sync type.
    StatxFlags,
    /// statx(2)'s mask (`STATX_BASIC_STATS`).
    StatxMask,
    /// An iovec array of argument N entries the call reads.
    Iovec(u8),
    /// An iovec array of argument N entries the call fills; the result says how many bytes.
    IovecOut(u8),
    /// A `struct msghdr` the call reads (sendmsg).
    Msghdr,
    /// A `struct msghdr` the call fills (recvmsg).
    MsghdrOut,
    /// Bytes the call writes, shown in hex escapes (getrandom); the length is the result.
    OutHexBuf,
    /// A `struct rlimit` of 32-bit values.
    Rlimit,
    /// A `struct rlimit64`.
    Rlimit64,
    /// A 64-bit offset split over this argument (low half) and the next (high half), shown as one
    /// number; the next argument is [`Arg::Skip`].
    Off64,
    /// A 64-bit offset split over this argument (high half) and the next (low half), as `_llseek`.
    Off64Hi,
    /// An argument strace does not show on its own (the other half of an [`Arg::Off64`]).
    Skip,
    /// A pointer to a 64-bit integer (`[5]`).
    Int64Ptr,
    /// All of i386 clone(2)'s arguments, named as strace names them; the rest are [`Arg::Skip`].
    Clone,
    /// clone3(2)'s `struct clone_args`, shown by its flags (`{flags=CLONE_VM|CLONE_THREAD|…}`),
    /// which tell a thread from a process.
    Clone3Args,
    /// A `struct user_desc` (set_thread_area).
    UserDesc,
    /// A `struct user_desc` when argument N is its size (16), else an address (strace's
    /// modify_ldt, whatever the function).
    UserDescSized(u8),
    /// A `struct rusage` (32-bit times), abbreviated.
    Rusage,
    /// A `struct stat` (32-bit fields), abbreviated.
    Stat,
    /// A `struct __old_kernel_stat`, abbreviated.
    OldStat,
    /// openat2(2)'s `struct open_how`; its size is the next argument.
    OpenHow,
    /// An ioctl request named from the table, or decoded as `_IOC(dir, type, nr, size)`.
    IoctlReq(&'static [(u32, &'static str)]),
    /// A `stack_t` (sigaltstack(2)).
    SigStack,
    /// A wait status the call writes (`[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`).
    WaitStatus,
    /// execve(2)'s argument vector: a NULL-terminated array of strings (`["ls", "-l"]`).
    Argv,
    /// execve(2)'s environment: its address and how many strings (`0x… /* 35 vars */`).
    Envp,
    /// futex(2)'s operation and the arguments it uses, named as strace names them; the rest are
    /// [`Arg::Skip`]. `time64`: the timeout is a `struct __kernel_timespec`.
    Futex { time64: bool },
    /// The `struct epoll_event` epoll_ctl(2) reads (none for `EPOLL_CTL_DEL`, the argument before).
    EpollCtlEvent,
    /// The `struct epoll_event` array an epoll_wait(2) filled; the result says how many.
    EpollEvents,
    /// set_thread_area(2)'s `struct user_desc`, as it was before the call; the entry number the
    /// kernel wrote back follows the result (`= 0 (entry_number=12)`).
    UserDescInOut,
    /// The mask a sigreturn restores, read from the signal frame at `%esp` before the call (`rt`:
    /// an rt_sigframe); the argument register is not used. The result shown is the `%eax` the
    /// frame restores.
    SigreturnMask { rt: bool },
}

/// How the tracer shows the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    Int,
    Hex,
    /// fcntl's result, which its command gives a meaning (`0x8002 (flags O_RDWR|O_LARGEFILE)`).
    Fcntl,
    /// A mode in octal (umask).
    Octal,
    /// A signal number, named after it (`10 (SIGUSR1)`, rt_sigtimedwait).
    Signal,
    /// Never returns (`exit`, `exit_group`): strace prints `= ?`.
    NoReturn,
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

/// One row of the table. Build it with [`entry!`] and the `const` methods below
/// (`entry!(nr::read, read, [Fd, OutBuf, Uint]).blocks().restarts()`).
#[derive(Debug)]
pub struct Entry {
    pub nr: u32,
    pub name: &'static str,
    pub handler: Handler,
    pub args: &'static [Arg],
    pub ret: Ret,
    /// The call may wait (for I/O, a child, a signal, time), so its handler runs without the
    /// emulator lock and other guest threads run meanwhile. Such handlers touch only per-thread
    /// state (`task::Shared`); calls that change the address space or the dispositions never block.
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
            nr,
            name,
            handler,
            args,
            ret,
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

/// A table row: `entry!(nr::write, sys::fs::write, [Fd, InBuf(2), Uint])`.
#[macro_export]
macro_rules! entry {
    ($nr:path, $handler:path, [$($arg:expr),* $(,)?]) => {
        $crate::entry!($nr, $handler, [$($arg),*], $crate::table::Ret::Int)
    };
    ($nr:path, $handler:path, [$($arg:expr),* $(,)?], $ret:expr) => {
        $crate::table::Entry::new($nr, $crate::abi::nr::NAMES[$nr as usize], $handler, &[$($arg),*], $ret)
    };
}

/// The table, indexed by number.
static TABLE: LazyLock<Vec<Option<&'static Entry>>> = LazyLock::new(|| {
    let mut table = vec![None; nr::NAMES.len()];
    for entry in sys::FAMILIES.iter().flat_map(|family| family.iter()) {
        let slot = &mut table[entry.nr as usize];
        assert!(slot.is_none(), "syscall {} has two entries", entry.name);
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
    fn traced_only(_: &mut Ctx, _: &Args) -> SysResult {
        Err(Errno::NOSYS.into())
    }
    use crate::abi::net::call;
    use Arg::*;
    static ACCEPT: Entry = Entry::new(nr::accept4, "accept", traced_only, &[Fd, SockaddrOut(2), IntPtr], Ret::Int);
    static SEND: Entry =
        Entry::new(nr::sendto, "send", traced_only, &[Fd, InBuf(2), Uint, Flags(sys::socket::MSG_NAMES)], Ret::Int);
    static RECV: Entry =
        Entry::new(nr::recvfrom, "recv", traced_only, &[Fd, OutBuf, Uint, Flags(sys::socket::MSG_NAMES)], Ret::Int);
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

/// Run syscall `nr` with `args` and say what the machine does next.
pub fn dispatch(ctx: &mut Ctx, nr: u32, args: &Args) -> Flow {
    let entry = lookup(nr);
    // What strace reads as the call starts and the call may change.
    let before = match entry {
        Some(e) if ctx.task.tracer.is_some() => trace::before(e, args, ctx.task.signals.esp, &*ctx.mem),
        _ => trace::Before::default(),
    };
    if let Some(e) = entry {
        if ctx.task.tracer.is_some() && e.ret == Ret::NoReturn {
            trace::call(ctx, nr, e, args, None, &before);
        }
    }
    let result = match entry {
        Some(e) => (e.handler)(ctx, args),
        None => {
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
        match (entry, unpacked) {
            (_, Some((e, direct_args))) => trace::call(ctx, e.nr, e, &direct_args, value, &before),
            (Some(e), None) if e.ret != Ret::NoReturn => trace::call(ctx, nr, e, args, value, &before),
            (Some(_), None) => {}
            (None, None) => trace::unknown(ctx, nr, args, value),
        }
    }
    flow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_sits_at_its_number_and_is_named_as_the_kernel_names_it() {
        for (nr, entry) in TABLE.iter().enumerate() {
            if let Some(e) = entry {
                assert_eq!(e.nr as usize, nr);
                assert_eq!(e.name, nr::NAMES[nr], "entry for {nr}");
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
                assert!(matches!(e.blocking, When::Never), "{} blocks", e.name);
            }
        }
        // ipc's shmat and shmdt change the address space.
        for call in [21, 22] {
            assert!(!row(nr::ipc).blocking.holds(&[call, 0, 0, 0, 0, 0]));
        }
    }

    #[test]
    fn errno_becomes_negative_eax() {
        assert_eq!(flow(&Err(Errno::NOENT.into())), Flow::Return(-2i32 as u32));
        assert_eq!(flow(&Ok(7)), Flow::Return(7));
        assert_eq!(flow(&Err(SysError::Exit(Exit::Status(0)))), Flow::Exit(Exit::Status(0)));
    }
}
