//! strace-format tracing: one line per syscall, driven by the table's argument kinds.
//!
//! `write(1, "hello\n", 6) = 6`, `open("/x", O_RDONLY) = -1 ENOENT (No such file or directory)`.
//! Strings are escaped and cut at 32 bytes as strace does by default.
//!
//! Formatting is apart from the emulator: [`format_call`] turns (table entry, arguments, a
//! [`TraceMemory`], result) into a line, so the same code shows the emulator's calls and a native
//! process's calls read through ptrace (`emu386 diff` compares the two). It never panics on guest
//! values: an unreadable argument shows as its address.

use crate::abi::{errno, nr};
use crate::call::{Arg, Args, Call, Ret};
use crate::mem::GuestMemory;
use crate::Errno;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

mod control;
mod decode;
pub mod names;
mod net;
mod process;
mod scalar;
mod sigevent;
mod siginfo;
mod strings;
mod text;

use control::LEASES;
use text::{
    array_len, buffer, flags, hex, memfd_flags, named_flags, open_flags, pointer, quoted, quoted_upto, string_array,
    unknown_bits,
};

/// Memory the formatter reads arguments from: the emulator's guest memory, or another process's.
pub trait TraceMemory {
    /// The longest readable run of bytes starting at `addr`, at most `max` bytes (empty if `addr`
    /// is unreadable).
    fn read_prefix(&self, addr: u32, max: usize) -> Cow<'_, [u8]>;
}

impl<T: GuestMemory + ?Sized> TraceMemory for T {
    fn read_prefix(&self, addr: u32, max: usize) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.readable_prefix(addr, max))
    }
}

/// Exactly `len` bytes at `addr`, or `None` if any is unreadable.
fn read_exact<M: TraceMemory + ?Sized>(mem: &M, addr: u32, len: usize) -> Option<Cow<'_, [u8]>> {
    let bytes = mem.read_prefix(addr, len);
    (bytes.len() == len).then_some(bytes)
}

/// How many bytes of a string or buffer strace shows (`-s 32`).
pub(crate) const STRSIZE: usize = 32;

/// The line a tracer with pids writes when a program starts (not written by strace).
pub const START_LINE: &str = "+++ program starts +++";

/// Where trace lines go.
pub struct Tracer {
    /// Shared by the threads of a process.
    out: Arc<File>,
    /// Start each line with `[pid N] ` (the host thread id of the emulator thread running the
    /// guest thread, which is the guest's pid or tid): asked for by `emu386 diff`, and switched on,
    /// as `strace -f` does, once there is more than one thread or process.
    pids: Arc<AtomicBool>,
}

impl Tracer {
    pub fn new(out: File) -> Self {
        Tracer { out: Arc::new(out), pids: Arc::new(AtomicBool::new(false)) }
    }

    /// A tracer whose lines name their thread, `[pid N] write(1, …) = 6`. Its first line is
    /// [`START_LINE`]: a program starts (an execve, for all but the first).
    pub fn with_pids(out: File) -> Self {
        let tracer = Tracer { out: Arc::new(out), pids: Arc::new(AtomicBool::new(true)) };
        tracer.line(&format!("{START_LINE}\n"));
        tracer
    }

    /// There is about to be more than one thread or process: name them from now on.
    pub fn several(&self) {
        self.pids.store(true, Relaxed);
    }

    /// Another handle on the same trace, naming threads as this one does.
    pub(crate) fn share(&self) -> Tracer {
        Tracer { out: Arc::clone(&self.out), pids: Arc::clone(&self.pids) }
    }

    /// The tracer of a new thread of the same process.
    pub fn for_new_thread(&self) -> Tracer {
        self.several();
        Tracer { out: Arc::clone(&self.out), pids: Arc::clone(&self.pids) }
    }

    /// A line of the trace (`text` ends with its newline).
    pub(crate) fn line(&self, text: &str) {
        let text: Cow<'_, str> = if self.pids.load(Relaxed) {
            Cow::Owned(format!("[pid {}] {text}", rustix::thread::gettid().as_raw_nonzero()))
        } else {
            Cow::Borrowed(text)
        };
        // Tracing must not disturb the guest: a failed trace write is dropped. One write per line,
        // so that processes sharing the file do not mix their lines.
        let _ = (&*self.out).write_all(text.as_bytes());
    }
}

/// What strace reads when a call starts and the call changes or takes away: set_thread_area's
/// descriptor (the kernel writes the entry number back), the signal frame a sigreturn restores,
/// a timer's new value (the old value may be written over it: [`read_as_call_starts`]).
/// Read by [`before`] when the call starts, shown by [`format_call`] when it ends.
#[derive(Debug, Default, Clone)]
pub struct Before {
    /// Arguments shown as they were, by position.
    args: [Option<String>; 6],
    /// A sigreturn's result: the `%eax` its frame restores.
    restored: Option<u32>,
}

/// What [`Before`] keeps of a call that is starting; `esp` is the caller's stack pointer (only
/// read for a sigreturn).
pub fn before<M: TraceMemory + ?Sized>(call: &Call, args: &Args, esp: u32, mem: &M) -> Before {
    let mut before = Before::default();
    for (i, kind) in call.args.iter().enumerate() {
        before.args[i] = match *kind {
            Arg::UserDescInOut => {
                let mut text = String::new();
                match process::user_desc(mem, args[i]) {
                    Some(desc) => text.push_str(&desc),
                    None => pointer(&mut text, args[i]),
                }
                Some(text)
            }
            Arg::SigreturnMask { rt } => decode::sigreturn_frame(mem, esp, rt).map(|(mask, eax)| {
                before.restored = Some(eax);
                mask
            }),
            kind if read_as_call_starts(kind) => {
                let mut text = String::new();
                arg(mem, &mut text, kind, args, i, None, &mut None, None);
                Some(text)
            }
            _ => None,
        };
    }
    before
}

/// Kinds of argument the call reads and may then write over, shown as they were when the call
/// started, as strace reads them on entry: the new value of setitimer(2), timer_settime(2) and
/// timerfd_settime(2), whose old value the kernel writes after reading it, to the same struct
/// when the two pointers are one.
fn read_as_call_starts(kind: Arg) -> bool {
    matches!(kind, Arg::Itimerval | Arg::Itimerspec | Arg::Itimerspec64)
}

/// One call as strace shows it, without the newline: `write(1, "hi\n", 3) = 3`. `value` is the
/// result register, `None` for a call that does not return (`= ?`); `before` what [`before`] read
/// as the call started (a default one: nothing was read, the arguments show as they are now).
pub fn format_call<M: TraceMemory + ?Sized>(
    call: &Call,
    args: &Args,
    mem: &M,
    value: Option<u32>,
    before: &Before,
) -> String {
    // A sigreturn's value is what the interrupted code had in %eax.
    let value = before.restored.or(value);
    let mut text = String::new();
    let _ = write!(text, "{}(", call.name);
    let mut suffix = None;
    let mut first = true;
    for (i, kind) in call.args.iter().enumerate() {
        let mut part = String::new();
        let shown = (i == 0 && value == Some(0) && utsname(mem, &mut part, call.nr, args[0]))
            || arg(mem, &mut part, *kind, args, i, value, &mut suffix, before.args[i].as_deref());
        if !shown {
            continue;
        }
        if !first {
            text.push_str(", ");
        }
        first = false;
        text.push_str(&part);
    }
    text.push_str(") = ");
    match value {
        None => text.push('?'),
        Some(v) => result(&mut text, call.ret, v, args),
    }
    if let (Some(s), Some(v)) = (suffix, value) {
        if !failed(Some(v)) {
            let _ = write!(text, " ({s})");
        }
    }
    text
}

/// The call returned an error (`-4095..-1`).
fn failed(value: Option<u32>) -> bool {
    value.is_some_and(|v| (-4095..0).contains(&(v as i32)))
}

/// The struct a successful uname(2) or olduname wrote, as `strace -v` shows it (what differs
/// between two kernels is there to see). False if `nr` is neither or the struct is unreadable.
fn utsname<M: TraceMemory + ?Sized>(mem: &M, text: &mut String, nr: u32, addr: u32) -> bool {
    const FIELDS: [&str; 6] = ["sysname", "nodename", "release", "version", "machine", "domainname"];
    const LEN: usize = 65;
    let count = match nr {
        nr::uname => 6,
        nr::olduname => 5,
        _ => return false,
    };
    let Some(bytes) = read_exact(mem, addr, LEN * count) else {
        return false;
    };
    text.push('{');
    for (i, (name, field)) in FIELDS.iter().zip(bytes.chunks_exact(LEN)).enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        let end = field.iter().position(|&b| b == 0).unwrap_or(LEN);
        let _ = write!(text, "{name}=");
        quoted(text, &field[..end], end);
    }
    text.push('}');
    true
}

/// The closing line strace prints: `+++ exited with 0 +++`, `+++ killed by SIGSEGV +++`.
pub fn exited(tracer: &mut Tracer, exit: crate::Exit) {
    let text = match exit {
        crate::Exit::Status(s) => format!("+++ exited with {s} +++\n"),
        crate::Exit::Signal(sig) => format!("+++ killed by {} +++\n", signal_name(sig)),
    };
    tracer.line(&text);
}

/// SIGSEGV for 11, as strace names signals.
pub fn signal_name(sig: i32) -> String {
    #[rustfmt::skip]
    const NAMES: [&str; 32] = [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
        "SIGSYS",
    ];
    match usize::try_from(sig).ok().and_then(|i| NAMES.get(i)) {
        Some(name) if sig > 0 => (*name).to_string(),
        _ if sig == 32 => "SIGRTMIN".to_string(),
        _ if (33..=64).contains(&sig) => format!("SIGRT_{}", sig - 32),
        _ => sig.to_string(),
    }
}

/// A number the table does not know, without the newline: its name (or `syscall_0x…`) and six hex
/// arguments.
pub fn format_unknown(nr: u32, args: &Args, value: Option<u32>) -> String {
    let name = nr::NAMES.get(nr as usize).copied().filter(|n| !n.is_empty());
    let mut text = match name {
        Some(n) => format!("{n}("),
        None => format!("syscall_{nr:#x}("),
    };
    let shown: Vec<String> = args
        .iter()
        .map(|&a| {
            let mut t = String::new();
            hex(&mut t, a);
            t
        })
        .collect();
    text.push_str(&shown.join(", "));
    text.push_str(") = ");
    result(&mut text, Ret::Int, value.unwrap_or(0), args);
    text
}

fn result(text: &mut String, ret: Ret, v: u32, args: &Args) {
    let signed = v as i32;
    if (-4095..0).contains(&signed) {
        let e = Errno::from_raw_os_error(-signed);
        let name = errno::name(e);
        // strace shows a number no errno has as `-1 (errno 1061)` (a negative F_GETOWN, say). The
        // kernel-internal restart codes (512-516) keep their `E???` form: `emu386 diff` reads them.
        if name == "E???" && !(512..=516).contains(&-signed) {
            let _ = write!(text, "-1 (errno {})", -signed);
        } else {
            let _ = write!(text, "-1 {name} ({})", errno::message(e));
        }
        return;
    }
    match ret {
        Ret::Hex => {
            let _ = write!(text, "{v:#x}");
        }
        Ret::Octal => text.push_str(&decode::octal_mode(v)),
        Ret::Signal if v != 0 => {
            let _ = write!(text, "{v} ({})", signal_name(v as i32));
        }
        // fs/fcntl.c: F_GETFD, F_GETFL, F_GETSIG and F_GETLEASE return values strace names.
        Ret::Fcntl if args[1] == 11 && v != 0 => {
            let _ = write!(text, "{v} ({})", signal_name(v as i32));
        }
        Ret::Fcntl if args[1] == 1025 => {
            hex(text, v);
            let _ = write!(text, " ({})", decode::enum_str(LEASES, v));
        }
        Ret::Fcntl if args[1] == 1 && v != 0 => {
            let _ = write!(text, "{v:#x} (flags {})", decode::flags_str(v, &[(1, "FD_CLOEXEC")]));
        }
        Ret::Fcntl if args[1] == 3 => {
            let mut f = String::new();
            open_flags(&mut f, v);
            if v == 0 {
                let _ = write!(text, "0 (flags {f})");
            } else {
                let _ = write!(text, "{v:#x} (flags {f})");
            }
        }
        _ => {
            let _ = write!(text, "{signed}");
        }
    }
}

/// One argument being shown: the call's arguments, which one, the result (`None` before the call
/// returned), and the memory to read from.
struct Shown<'a, M: ?Sized> {
    mem: &'a M,
    args: &'a Args,
    i: usize,
    value: Option<u32>,
}

impl<M: TraceMemory + ?Sized> Shown<'_, M> {
    /// The argument itself.
    fn v(&self) -> u32 {
        self.args[self.i]
    }

    /// Argument `n` (a length, a count, a family the kind refers to).
    fn at(&self, n: u8) -> u32 {
        self.args.get(usize::from(n)).copied().unwrap_or(0)
    }

    /// The argument before this one (the command or flags that say what this one is).
    fn prev(&self) -> u32 {
        self.i.checked_sub(1).and_then(|p| self.args.get(p)).copied().unwrap_or(0)
    }

    /// The argument after this one (the other half of a pair).
    fn next(&self) -> u32 {
        self.args.get(self.i + 1).copied().unwrap_or(0)
    }

    /// The call failed (or has not returned): what it would have written is not shown.
    fn failed(&self) -> bool {
        failed(self.value)
    }

    /// The result of a call that succeeded.
    fn succeeded(&self) -> Option<u32> {
        self.value.filter(|_| !self.failed())
    }

    /// A decoder's answer, or the address when the memory is unreadable.
    fn decoded(&self, text: &mut String, decoded: Option<String>) {
        match decoded {
            Some(d) => text.push_str(&d),
            None => pointer(text, self.v()),
        }
    }

    /// What a call wrote, decoded when it succeeded, else the address.
    fn written(&self, text: &mut String, decode: impl FnOnce(u32) -> Option<String>) {
        match self.succeeded() {
            Some(n) => self.decoded(text, decode(n)),
            None => pointer(text, self.v()),
        }
    }
}

/// Show argument `i` of kind `kind` into `text`; false if strace leaves it out (fcntl's third
/// argument for `F_GETFD`, open's mode without `O_CREAT`). `suffix` receives what follows the
/// result in parentheses (poll's returned events); `before` is the argument as [`before`] showed
/// it when the call started. Each kind is one arm; kinds that take more than a line are shown by
/// the module of their family (`scalar`, `strings`, `net`, `control`).
#[allow(clippy::too_many_arguments)]
fn arg<M: TraceMemory + ?Sized>(
    mem: &M,
    text: &mut String,
    kind: Arg,
    args: &Args,
    i: usize,
    value: Option<u32>,
    suffix: &mut Option<String>,
    before: Option<&str>,
) -> bool {
    if let Some(b) = before.filter(|_| read_as_call_starts(kind)) {
        text.push_str(b);
        return true;
    }
    let a = Shown { mem, args, i, value };
    let v = a.v();
    match kind {
        // Numbers, flags and names.
        Arg::Int | Arg::Fd => scalar::signed(text, v),
        Arg::Uint => scalar::unsigned(text, v),
        Arg::Hex => hex(text, v),
        Arg::Ptr => pointer(text, v),
        Arg::DirFd => scalar::dirfd(text, v),
        Arg::OpenFlags => open_flags(text, v),
        Arg::Mode => text.push_str(&decode::octal_mode(v)),
        Arg::OpenMode => return scalar::open_mode(&a, text),
        Arg::Flags(names) => named_flags(text, v, names),
        Arg::MemfdFlags(names) => memfd_flags(text, v, names),
        Arg::Enum(names) => text.push_str(&decode::enum_str(names, v)),
        Arg::Signal => text.push_str(&signal_name(v as i32)),
        Arg::Off64 => scalar::offset64(text, v, a.next()),
        Arg::Off64Hi => scalar::offset64(text, a.next(), v),
        Arg::IntPtr => a.decoded(text, decode::int_ptr(mem, v)),
        Arg::Int64Ptr => a.decoded(text, scalar::int64_at(mem, v)),
        Arg::FdPair => scalar::fd_pair(&a, text),
        Arg::Skip => return false,
        Arg::Out(_) if a.failed() || value.is_none() => pointer(text, v),
        Arg::Out(inner) => return arg(mem, text, *inner, args, i, value, suffix, before),
        // Strings and buffers.
        Arg::Str => strings::path(&a, text),
        Arg::Name => strings::name(&a, text),
        Arg::InBuf(len) => buffer(mem, text, v, a.at(len) as usize),
        Arg::OutBuf => match a.succeeded() {
            Some(n) => buffer(mem, text, v, n as usize),
            None => pointer(text, v),
        },
        Arg::OutHexBuf => strings::hex_buffer(&a, text),
        Arg::Argv => strings::argv(&a, text),
        Arg::Envp => strings::envp(&a, text),
        // Sockets.
        Arg::Sockaddr(len) => net::sockaddr_in(&a, text, len),
        Arg::SockaddrOut(len) => net::sockaddr_out(&a, text, len),
        Arg::SockType => net::sock_type(text, v),
        Arg::SockProto(family) => net::sock_proto(text, v, a.at(family)),
        Arg::SockLevel => text.push_str(&decode::name_or(names::SOCK_LEVELS, v, |l| l.to_string())),
        Arg::SockOptName(level) => net::sockopt_name(text, v, a.at(level)),
        Arg::SockOptVal(len) => a.decoded(text, net::sockopt_val(mem, v, a.at(len), args[1], args[2])),
        Arg::SockOptOut(len) => net::sockopt_out(&a, text, len),
        Arg::Msghdr => a.decoded(text, net::msghdr(mem, v, None)),
        Arg::MsghdrOut => a.written(text, |n| net::msghdr(mem, v, Some(n))),
        // fcntl and ioctl.
        Arg::FcntlArg => return control::fcntl_arg(&a, text),
        Arg::IoctlReq(names) => control::ioctl_request(text, v, names),
        Arg::IoctlArg => return control::ioctl_arg(&a, text),
        // Structures.
        Arg::Timespec => a.decoded(text, decode::timespec(mem, v, false, false)),
        Arg::Timespec64 => a.decoded(text, decode::timespec(mem, v, true, false)),
        Arg::Timeval => a.decoded(text, decode::timespec(mem, v, false, true)),
        Arg::Itimerval => a.decoded(text, decode::itimer(mem, v, false, true)),
        Arg::Itimerspec => a.decoded(text, decode::itimer(mem, v, false, false)),
        Arg::Itimerspec64 => a.decoded(text, decode::itimer(mem, v, true, false)),
        Arg::SigInfo => a.decoded(text, siginfo::siginfo(mem, v)),
        Arg::Sigevent => a.decoded(text, sigevent::sigevent(mem, v)),
        Arg::MqAttr => a.decoded(text, decode::mq_attr(mem, v)),
        Arg::MqCreate => return scalar::mq_create(&a, text),
        Arg::SigStack => a.decoded(text, decode::stack_t(mem, v)),
        Arg::Pollfds(n) => match decode::pollfds(mem, v, a.at(n)) {
            Some((ins, outs)) => {
                text.push_str(&ins);
                *suffix = Some(if value == Some(0) { "Timeout".into() } else { outs });
            }
            None => pointer(text, v),
        },
        // strace reads up to the kernel's sigset size (8 bytes) and shows a larger set as an address.
        Arg::Sigset(len) if (1..=8).contains(&a.at(len)) => a.decoded(text, decode::sigset(mem, v, a.at(len) as usize)),
        Arg::Sigset(_) => pointer(text, v),
        Arg::OldSigset => a.decoded(text, decode::sigset(mem, v, 4)),
        Arg::Sigaction => a.decoded(text, decode::sigaction(mem, v)),
        Arg::Stat64 => a.decoded(text, decode::stat64(mem, v)),
        Arg::Stat => a.decoded(text, decode::stat(mem, v, false)),
        Arg::OldStat => a.decoded(text, decode::stat(mem, v, true)),
        Arg::OpenHow => a.decoded(text, decode::open_how(mem, v, a.next())),
        Arg::Statx => a.decoded(text, decode::statx(mem, v)),
        Arg::StatxFlags => text.push_str(&decode::statx_flags(v)),
        Arg::StatxMask => text.push_str(&decode::statx_mask(v)),
        Arg::Iovec(n) => a.decoded(text, decode::iovec(mem, v, a.at(n), None)),
        Arg::IovecOut(n) => a.written(text, |len| decode::iovec(mem, v, a.at(n), Some(len))),
        Arg::Rlimit => a.decoded(text, decode::rlimit(mem, v, false)),
        Arg::Rlimit64 => a.decoded(text, decode::rlimit(mem, v, true)),
        Arg::Clone => text.push_str(&process::clone_args(mem, args, !a.failed())),
        Arg::Clone3Args => a.decoded(text, scalar::clone3_flags(mem, v)),
        Arg::UserDesc => a.decoded(text, process::user_desc(mem, v)),
        Arg::UserDescSized(n) if a.at(n) == 16 => a.decoded(text, process::user_desc(mem, v)),
        Arg::UserDescSized(_) => pointer(text, v),
        Arg::Rusage => a.decoded(text, process::rusage(mem, v)),
        Arg::Futex { time64 } => text.push_str(&process::futex(mem, args, time64)),
        // EPOLL_CTL_DEL reads no event: strace shows the address.
        Arg::EpollCtlEvent if a.prev() == 2 => pointer(text, v),
        Arg::EpollCtlEvent => a.decoded(text, decode::epoll_ctl_event(mem, v)),
        Arg::EpollEvents => a.written(text, |n| decode::epoll_events(mem, v, n)),
        Arg::UserDescInOut => {
            match before {
                Some(b) => text.push_str(b),
                None => a.decoded(text, process::user_desc(mem, v)),
            }
            // strace's set_thread_area: the entry number the kernel chose, after the result.
            if let Some(b) = a.succeeded().and_then(|_| read_exact(mem, v, 4)) {
                *suffix = Some(format!("entry_number={}", decode::u32_at(&b, 0)));
            }
        }
        Arg::SigreturnMask { .. } => match before {
            Some(b) => text.push_str(b),
            None => return false,
        },
        Arg::WaitStatus => match a.succeeded() {
            Some(n) if n != 0 => a.decoded(text, process::wait_status(mem, v)),
            _ => pointer(text, v),
        },
    }
    true
}

#[cfg(test)]
mod tests;
