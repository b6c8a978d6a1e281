//! What a syscall looks like from outside its handler: the six argument registers, how the
//! tracer shows each argument and the result, and [`Call`], the description the tracer and the
//! diff tools format a call from. Plain data: this module depends on nothing else in the crate, so
//! the tracer, the table rows and the handlers can all use it without depending on each other.

/// The six argument registers, `%ebx %ecx %edx %esi %edi %ebp`.
pub type Args = [u32; 6];

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

/// A syscall as the tracer shows it: its number, its name and how it shows each argument and the
/// result. Every table row holds one ([`crate::row::Entry::call`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub nr: u32,
    pub name: &'static str,
    pub args: &'static [Arg],
    pub ret: Ret,
}
