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
use crate::mem::GuestMemory;
use crate::table::{Arg, Args, Entry, Ret};
use crate::task::Ctx;
use crate::Errno;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

mod decode;
pub mod names;
mod sigevent;
mod siginfo;

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

/// The longest string argument read (a path: PATH_MAX less its NUL); longer shows as an address.
const STR_MAX: usize = 4096;

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
pub fn before<M: TraceMemory + ?Sized>(entry: &Entry, args: &Args, esp: u32, mem: &M) -> Before {
    let mut before = Before::default();
    for (i, kind) in entry.args.iter().enumerate() {
        before.args[i] = match *kind {
            Arg::UserDescInOut => {
                let mut text = String::new();
                match decode::user_desc(mem, args[i]) {
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

/// Trace a call described by the table. `value` is the guest's `%eax`, or `None` for a call that
/// does not return (printed before the call runs, as `= ?`); `before` what was read as it started.
pub fn call(ctx: &mut Ctx, _nr: u32, entry: &Entry, args: &Args, value: Option<u32>, before: &Before) {
    let mut text = format_call(entry, args, &*ctx.mem, value, before);
    text.push('\n');
    if let Some(t) = ctx.task.tracer.as_mut() {
        t.line(&text);
    }
}

/// One call as strace shows it, without the newline: `write(1, "hi\n", 3) = 3`. `value` is the
/// result register, `None` for a call that does not return (`= ?`); `before` what [`before`] read
/// as the call started (a default one: nothing was read, the arguments show as they are now).
pub fn format_call<M: TraceMemory + ?Sized>(
    entry: &Entry,
    args: &Args,
    mem: &M,
    value: Option<u32>,
    before: &Before,
) -> String {
    // A sigreturn's value is what the interrupted code had in %eax.
    let value = before.restored.or(value);
    let mut text = String::new();
    let _ = write!(text, "{}(", entry.name);
    let mut suffix = None;
    let mut first = true;
    for (i, kind) in entry.args.iter().enumerate() {
        let mut part = String::new();
        let shown = (i == 0 && value == Some(0) && utsname(mem, &mut part, entry.nr, args[0]))
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
        Some(v) => result(&mut text, entry.ret, v, args),
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

/// Trace a number the table does not know.
pub fn unknown(ctx: &mut Ctx, nr: u32, args: &Args, value: Option<u32>) {
    let mut text = format_unknown(nr, args, value);
    text.push('\n');
    if let Some(t) = ctx.task.tracer.as_mut() {
        t.line(&text);
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

/// Show argument `i` of kind `kind` into `text`; false if strace leaves it out (fcntl's third
/// argument for `F_GETFD`, open's mode without `O_CREAT`). `suffix` receives what follows the
/// result in parentheses (poll's returned events); `before` is the argument as [`before`] showed
/// it when the call started.
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
    let v = args[i];
    let at = |n: u8| args.get(n as usize).copied().unwrap_or(0);
    let prev = i.checked_sub(1).and_then(|p| args.get(p)).copied().unwrap_or(0);
    // A decoder's answer, or the address when the memory is unreadable.
    let shown = |text: &mut String, decoded: Option<String>| match decoded {
        Some(d) => text.push_str(&d),
        None => pointer(text, v),
    };
    match kind {
        Arg::Int | Arg::Fd => {
            let _ = write!(text, "{}", v as i32);
        }
        Arg::Uint => {
            let _ = write!(text, "{v}");
        }
        Arg::Hex => hex(text, v),
        Arg::Ptr => pointer(text, v),
        Arg::Timespec => shown(text, decode::timespec(mem, v, false, false)),
        Arg::Timespec64 => shown(text, decode::timespec(mem, v, true, false)),
        Arg::Timeval => shown(text, decode::timespec(mem, v, false, true)),
        Arg::Itimerval => shown(text, decode::itimer(mem, v, false, true)),
        Arg::Itimerspec => shown(text, decode::itimer(mem, v, false, false)),
        Arg::Itimerspec64 => shown(text, decode::itimer(mem, v, true, false)),
        Arg::SigInfo => shown(text, siginfo::siginfo(mem, v)),
        Arg::Sigevent => shown(text, sigevent::sigevent(mem, v)),
        Arg::MqAttr => shown(text, decode::mq_attr(mem, v)),
        Arg::MqCreate => {
            // mq_open(2) reads the mode and the attributes only to create the queue.
            if prev & 0o100 == 0 {
                return false;
            }
            text.push_str(&decode::octal_mode(v));
            text.push_str(", ");
            let attr = at(i as u8 + 1);
            match decode::mq_attr(mem, attr) {
                Some(a) => text.push_str(&a),
                None => pointer(text, attr),
            }
        }
        Arg::Out(inner) => {
            if failed(value) || value.is_none() {
                pointer(text, v);
            } else {
                return arg(mem, text, *inner, args, i, value, suffix, before);
            }
        }
        Arg::DirFd => {
            if v as i32 == -100 {
                text.push_str("AT_FDCWD");
            } else {
                let _ = write!(text, "{}", v as i32);
            }
        }
        Arg::Argv => match string_array(mem, v) {
            Some((strings, more)) => {
                text.push('[');
                for (k, bytes) in strings.iter().enumerate() {
                    if k > 0 {
                        text.push_str(", ");
                    }
                    match bytes {
                        Some((b, full)) => quoted(text, b, *full),
                        None => text.push_str("???"),
                    }
                }
                if more {
                    text.push_str(if strings.is_empty() { "..." } else { ", ..." });
                }
                text.push(']');
            }
            None => pointer(text, v),
        },
        Arg::Envp => {
            pointer(text, v);
            if let Some(n) = array_len(mem, v) {
                let _ = write!(text, " /* {n} var{} */", if n == 1 { "" } else { "s" });
            }
        }
        Arg::Str => {
            let bytes = mem.read_prefix(v, STR_MAX + 1);
            // A path: strace shows it whole, not cut at 32 bytes.
            match bytes.iter().position(|&b| b == 0) {
                Some(end) => quoted_upto(text, &bytes[..end], end, STR_MAX),
                None => pointer(text, v),
            }
        }
        Arg::Name => {
            // strace's printstr() reads one byte more than it shows, to know whether to add `...`.
            let bytes = mem.read_prefix(v, STRSIZE + 1);
            match bytes.iter().position(|&b| b == 0) {
                Some(end) => quoted(text, &bytes[..end], end),
                None if bytes.len() > STRSIZE => quoted(text, &bytes, bytes.len()),
                None => pointer(text, v),
            }
        }
        Arg::InBuf(len_arg) => buffer(mem, text, v, at(len_arg) as usize),
        Arg::OutBuf => match value {
            Some(n) if !failed(value) => buffer(mem, text, v, n as usize),
            _ => pointer(text, v),
        },
        Arg::OutHexBuf => match value {
            Some(n) if !failed(value) => match read_exact(mem, v, (n as usize).min(STRSIZE)) {
                Some(bytes) => {
                    text.push('"');
                    for b in bytes.iter() {
                        let _ = write!(text, "\\x{b:02x}");
                    }
                    text.push('"');
                    if n as usize > STRSIZE {
                        text.push_str("...");
                    }
                }
                None => pointer(text, v),
            },
            _ => pointer(text, v),
        },
        Arg::Sockaddr(len_arg) => {
            // strace reads at most a sockaddr_storage; a negative length shows the address.
            let len = (at(len_arg) as i32).min(128);
            match read_exact(mem, v, len.max(0) as usize) {
                Some(bytes) if v != 0 && len >= 2 => sockaddr(text, &bytes),
                _ => pointer(text, v),
            }
        }
        Arg::SockaddrOut(len_arg) => {
            let len_ptr = at(len_arg);
            let len = read_exact(mem, len_ptr, 4).map(|b| decode::u32_at(&b, 0) as usize);
            match (len, failed(value)) {
                (Some(len), false) if v != 0 && len >= 2 => match read_exact(mem, v, len.min(128)) {
                    Some(bytes) => sockaddr(text, &bytes),
                    None => pointer(text, v),
                },
                _ => pointer(text, v),
            }
        }
        Arg::OpenFlags => open_flags(text, v),
        Arg::Mode => text.push_str(&decode::octal_mode(v)),
        Arg::OpenMode => {
            // O_CREAT, or O_TMPFILE (which includes O_DIRECTORY).
            if prev & 0o100 == 0 && prev & 0o20200000 != 0o20200000 {
                return false;
            }
            text.push_str(&decode::octal_mode(v));
        }
        Arg::Flags(names) => named_flags(text, v, names),
        Arg::MemfdFlags(names) => memfd_flags(text, v, names),
        Arg::Enum(names) => text.push_str(&decode::enum_str(names, v)),
        Arg::FcntlArg => match prev {
            // No argument: F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS.
            1 | 3 | 9 | 11 | 1025 | 1032 | 1034 => return false,
            0 | 1030 | 1031 => {
                let _ = write!(text, "{v}");
            }
            8 => {
                let _ = write!(text, "{}", v as i32);
            }
            10 => text.push_str(&signal_name(v as i32)),
            1024 => text.push_str(&decode::enum_str(LEASES, v)),
            16 => match value {
                Some(_) if !failed(value) => shown(text, decode::f_owner_ex(mem, v)),
                _ => pointer(text, v),
            },
            15 => shown(text, decode::f_owner_ex(mem, v)),
            6 | 7 | 13 | 14 | 37 | 38 => shown(text, decode::flock(mem, v, prev <= 7, false)),
            5 | 12 | 36 => match value {
                Some(_) if !failed(value) => shown(text, decode::flock(mem, v, prev == 5, true)),
                _ => pointer(text, v),
            },
            2 => flags(text, v, &[(1, "FD_CLOEXEC")]),
            4 => open_flags(text, v),
            _ => hex(text, v),
        },
        Arg::IoctlReq(names) => match v {
            // strace cannot tell these from the sound timer requests of the same numbers.
            0x5402 => text.push_str("SNDCTL_TMR_START or TCSETS"),
            0x5403 => text.push_str("SNDCTL_TMR_STOP or TCSETSW"),
            0x5404 => text.push_str("SNDCTL_TMR_CONTINUE or TCSETSF"),
            _ => text.push_str(&decode::name_or(names, v, decode::ioc)),
        },
        Arg::SigStack => shown(text, decode::stack_t(mem, v)),
        Arg::IoctlArg => {
            let ok = !failed(value);
            match prev {
                0x5402..=0x5404 => shown(text, decode::termios(mem, v)),
                0x5450 | 0x5451 | 0x5422 => return false,
                0x5401 if ok => shown(text, decode::termios(mem, v)),
                0x5413 if ok => shown(text, decode::winsize(mem, v)),
                0x5414 => shown(text, decode::winsize(mem, v)),
                0x541B | 0x5411 | 0x540F | 0x5429 | 0x8004_5430 if ok => shown(text, decode::int_ptr(mem, v)),
                0x5421 | 0x5452 | 0x5410 | 0x4004_5431 => shown(text, decode::int_ptr(mem, v)),
                0x5409 | 0x540A | 0x540B | 0x540E => {
                    let _ = write!(text, "{}", v as i32);
                }
                // A request this tracer does not decode: a number or an address.
                _ => hex(text, v),
            }
        }
        Arg::SockType => {
            text.push_str(&decode::enum_str(names::SOCK_TYPES, v & 0xf));
            let rest = v & !0xf;
            let known = rest & (0o2000000 | 0o4000);
            if known != 0 {
                text.push('|');
                flags(text, known, names::SOCK_TYPE_FLAGS);
            }
            unknown_bits(text, rest & !known, true, names::SOCK_TYPES);
        }
        Arg::SockProto(family_arg) => {
            let names = match at(family_arg) {
                2 | 10 => Some(names::IP_PROTOS),
                16 => Some(names::NETLINK_PROTOS),
                _ => None,
            };
            match names {
                // AF_AX25: strace names its protocols; this tracer knows none of them.
                None if at(family_arg) == 3 => {
                    let _ = write!(text, "{v} /* AX25_P_??? */");
                }
                Some(n) => text.push_str(&decode::name_or(n, v, |p| p.to_string())),
                None => {
                    let _ = write!(text, "{}", v as i32);
                }
            }
        }
        Arg::SockLevel => text.push_str(&decode::name_or(names::SOCK_LEVELS, v, |l| l.to_string())),
        Arg::SockOptName(level_arg) => match decode::sockopt_names(at(level_arg)) {
            Some(n) => text.push_str(&decode::enum_str(n, v)),
            None => {
                let _ = write!(text, "{v}");
            }
        },
        Arg::SockOptVal(len_arg) => shown(text, decode::sockopt_val(mem, v, at(len_arg), args[1], args[2])),
        Arg::SockOptOut(len_arg) => {
            let len = read_exact(mem, at(len_arg), 4).map(|b| decode::u32_at(&b, 0));
            match len {
                Some(len) if !failed(value) => shown(text, decode::sockopt_val(mem, v, len, args[1], args[2])),
                _ => pointer(text, v),
            }
        }
        Arg::IntPtr => shown(text, decode::int_ptr(mem, v)),
        Arg::FdPair => match read_exact(mem, v, 8) {
            Some(b) if !failed(value) => {
                let _ = write!(text, "[{}, {}]", decode::u32_at(&b, 0) as i32, decode::u32_at(&b, 4) as i32);
            }
            _ => pointer(text, v),
        },
        Arg::Pollfds(n_arg) => match decode::pollfds(mem, v, at(n_arg)) {
            Some((ins, outs)) => {
                text.push_str(&ins);
                *suffix = match value {
                    Some(0) => Some("Timeout".into()),
                    _ => Some(outs),
                };
            }
            None => pointer(text, v),
        },
        // strace reads up to the kernel's sigset size (8 bytes) and shows a larger set as an address.
        Arg::Sigset(len_arg) if (1..=8).contains(&at(len_arg)) => {
            shown(text, decode::sigset(mem, v, at(len_arg) as usize))
        }
        Arg::Sigset(_) => pointer(text, v),
        Arg::OldSigset => shown(text, decode::sigset(mem, v, 4)),
        Arg::Sigaction => shown(text, decode::sigaction(mem, v)),
        Arg::Signal => {
            let _ = write!(text, "{}", signal_name(v as i32));
        }
        Arg::Stat64 => shown(text, decode::stat64(mem, v)),
        Arg::Stat => shown(text, decode::stat(mem, v, false)),
        Arg::OldStat => shown(text, decode::stat(mem, v, true)),
        Arg::OpenHow => shown(text, decode::open_how(mem, v, at(i as u8 + 1))),
        Arg::Statx => shown(text, decode::statx(mem, v)),
        Arg::StatxFlags => text.push_str(&decode::statx_flags(v)),
        Arg::StatxMask => text.push_str(&decode::statx_mask(v)),
        Arg::Iovec(n_arg) => shown(text, decode::iovec(mem, v, at(n_arg), None)),
        Arg::IovecOut(n_arg) => match value {
            Some(n) if !failed(value) => shown(text, decode::iovec(mem, v, at(n_arg), Some(n))),
            _ => pointer(text, v),
        },
        Arg::Msghdr => shown(text, decode::msghdr(mem, v, None)),
        Arg::MsghdrOut => match value {
            Some(n) if !failed(value) => shown(text, decode::msghdr(mem, v, Some(n))),
            _ => pointer(text, v),
        },
        Arg::Rlimit => shown(text, decode::rlimit(mem, v, false)),
        Arg::Rlimit64 => shown(text, decode::rlimit(mem, v, true)),
        Arg::Off64 => {
            let _ = write!(text, "{}", (u64::from(v) | u64::from(at(i as u8 + 1)) << 32) as i64);
        }
        Arg::Off64Hi => {
            let _ = write!(text, "{}", (u64::from(at(i as u8 + 1)) | u64::from(v) << 32) as i64);
        }
        Arg::Skip => return false,
        Arg::Int64Ptr => match read_exact(mem, v, 8) {
            Some(b) => {
                let n = u64::from(decode::u32_at(&b, 0)) | u64::from(decode::u32_at(&b, 4)) << 32;
                let _ = write!(text, "[{}]", n as i64);
            }
            None => pointer(text, v),
        },
        Arg::Clone => text.push_str(&decode::clone_args(mem, args, !failed(value))),
        Arg::UserDesc => shown(text, decode::user_desc(mem, v)),
        Arg::UserDescSized(n) if at(n) == 16 => shown(text, decode::user_desc(mem, v)),
        Arg::UserDescSized(_) => pointer(text, v),
        Arg::Rusage => shown(text, decode::rusage(mem, v)),
        Arg::Futex { time64 } => text.push_str(&decode::futex(mem, args, time64)),
        // EPOLL_CTL_DEL reads no event: strace shows the address.
        Arg::EpollCtlEvent if prev == 2 => pointer(text, v),
        Arg::EpollCtlEvent => shown(text, decode::epoll_ctl_event(mem, v)),
        Arg::EpollEvents => match value {
            Some(n) if !failed(value) => shown(text, decode::epoll_events(mem, v, n)),
            _ => pointer(text, v),
        },
        Arg::UserDescInOut => {
            match before {
                Some(b) => text.push_str(b),
                None => shown(text, decode::user_desc(mem, v)),
            }
            // strace's set_thread_area: the entry number the kernel chose, after the result.
            if value.is_some() && !failed(value) {
                if let Some(b) = read_exact(mem, v, 4) {
                    *suffix = Some(format!("entry_number={}", decode::u32_at(&b, 0)));
                }
            }
        }
        Arg::SigreturnMask { .. } => match before {
            Some(b) => text.push_str(b),
            None => return false,
        },
        Arg::WaitStatus => match value {
            Some(n) if n != 0 && !failed(value) => shown(text, decode::wait_status(mem, v)),
            _ => pointer(text, v),
        },
    }
    true
}

/// Flags by name, as strace's printflags() shows them: `EPOLL_CLOEXEC|0x1`, and the set named
/// only when no flag was known: `0x1 /* EPOLL_??? */`.
fn named_flags(text: &mut String, v: u32, names: &[(u32, &str)]) {
    let known = names.iter().fold(0, |acc, (bit, _)| acc | bit);
    if v & known != 0 || v == 0 {
        flags(text, v & known, names);
    }
    if v & known != 0 && v & !known != 0 {
        let _ = write!(text, "|{:#x}", v & !known);
    } else {
        unknown_bits(text, v & !known, false, names);
    }
}

/// memfd_create(2)'s flags as strace's SYS_FUNC(memfd_create) shows them: the flags below the
/// huge page size by name (left out when only a size is set), then the size as a shift
/// (`MFD_HUGETLB|21<<MFD_HUGE_SHIFT`, uapi/linux/memfd.h).
fn memfd_flags(text: &mut String, v: u32, names: &[(u32, &str)]) {
    const MFD_HUGE_SHIFT: u32 = 26;
    let (size, rest) = (v >> MFD_HUGE_SHIFT, v & ((1 << MFD_HUGE_SHIFT) - 1));
    if rest != 0 || size == 0 {
        named_flags(text, rest, names);
    }
    if size != 0 {
        if rest != 0 {
            text.push('|');
        }
        let _ = write!(text, "{size}<<MFD_HUGE_SHIFT");
    }
}

/// `F_RDLCK`…: the lock types of leases and `struct flock`.
const LEASES: &[(u32, &str)] = &[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")];

/// `%#x`: `0` for zero, `0x1a` otherwise.
fn hex(text: &mut String, v: u32) {
    if v == 0 {
        text.push('0');
    } else {
        let _ = write!(text, "{v:#x}");
    }
}

/// Bits of a flags argument that no name in `names` covers: `|0x100 /* SOCK_??? */`.
fn unknown_bits(text: &mut String, rest: u32, after: bool, names: &[(u32, &str)]) {
    if rest == 0 {
        return;
    }
    if after {
        text.push('|');
    }
    let _ = write!(text, "{rest:#x}");
    if let Some(prefix) = decode::set_prefix(names) {
        let _ = write!(text, " /* {prefix}??? */");
    }
}

/// A socket address as strace shows it.
pub fn sockaddr(text: &mut String, b: &[u8]) {
    let family = u16::from_le_bytes([b[0], b[1]]);
    let family_name = decode::enum_str(names::FAMILIES, u32::from(family));
    match (family, b.len()) {
        (_, 2) => {
            let _ = write!(text, "{{sa_family={family_name}}}");
        }
        (2, 16..) => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let _ = write!(
                text,
                "{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"{}.{}.{}.{}\")}}",
                b[4], b[5], b[6], b[7]
            );
        }
        (10, 24..) => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&b[8..24]);
            let addr = std::net::Ipv6Addr::from(octets);
            let _ = write!(
                text,
                "{{sa_family=AF_INET6, sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), inet_pton(AF_INET6, \"{addr}\", &sin6_addr)"
            );
            if b.len() >= 28 {
                let _ = write!(text, ", sin6_scope_id={}", u32::from_le_bytes([b[24], b[25], b[26], b[27]]));
            }
            text.push('}');
        }
        (1, _) => {
            let path = &b[2..];
            text.push_str("{sa_family=AF_UNIX");
            if path.first() == Some(&0) && path.len() > 1 {
                text.push_str(", sun_path=@");
                quoted(text, &path[1..], path.len() - 1);
            } else if !path.is_empty() {
                let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                text.push_str(", sun_path=");
                quoted(text, &path[..end], end);
            }
            text.push('}');
        }
        _ => {
            let _ = write!(text, "{{sa_family={family_name}, sa_data=");
            quoted(text, &b[2..], b.len() - 2);
            text.push('}');
        }
    }
}

fn pointer(text: &mut String, v: u32) {
    if v == 0 {
        text.push_str("NULL");
    } else {
        let _ = write!(text, "{v:#x}");
    }
}

fn buffer<M: TraceMemory + ?Sized>(mem: &M, text: &mut String, addr: u32, len: usize) {
    let shown = len.min(STRSIZE);
    match read_exact(mem, addr, shown) {
        Some(bytes) => quoted(text, &bytes, len),
        None => pointer(text, addr),
    }
}

/// How many elements strace shows of an array (its default `-e abbrev`).
const ARRAY_MAX: usize = 32;

/// The entries of a NULL-terminated array of string pointers at `addr`, at most [`ARRAY_MAX`]:
/// each string's first bytes and full length (`None` when unreadable), and whether more follow.
/// `None` when the array itself is unreadable (NULL included).
#[allow(clippy::type_complexity)]
fn string_array<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<(Vec<Option<(Vec<u8>, usize)>>, bool)> {
    if addr == 0 {
        return None;
    }
    let mut out = Vec::new();
    for k in 0..=ARRAY_MAX {
        let p = read_exact(mem, addr.wrapping_add(4 * k as u32), 4)?;
        let p = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        if p == 0 {
            return Some((out, false));
        }
        if k == ARRAY_MAX {
            return Some((out, true));
        }
        let bytes = mem.read_prefix(p, 4096);
        out.push(bytes.iter().position(|&b| b == 0).map(|end| (bytes[..end.min(STRSIZE)].to_vec(), end)));
    }
    Some((out, false))
}

/// The number of entries of a NULL-terminated pointer array at `addr` (`None` if unreadable).
fn array_len<M: TraceMemory + ?Sized>(mem: &M, addr: u32) -> Option<usize> {
    if addr == 0 {
        return None;
    }
    // ARG_MAX worth of pointers at the most.
    (0..1 << 18).find_map(|k: u32| match read_exact(mem, addr.wrapping_add(4 * k), 4) {
        Some(p) if p[..] == [0, 0, 0, 0] => Some(Some(k as usize)),
        Some(_) => None,
        None => Some(None),
    })?
}

/// Quote bytes as strace does: C escapes, octal for the rest, `...` when cut.
pub fn quoted(text: &mut String, bytes: &[u8], full_len: usize) {
    quoted_upto(text, bytes, full_len, STRSIZE);
}

/// [`quoted`], showing at most `limit` bytes.
fn quoted_upto(text: &mut String, bytes: &[u8], full_len: usize, limit: usize) {
    let shown = &bytes[..bytes.len().min(limit)];
    text.push('"');
    for (i, &b) in shown.iter().enumerate() {
        match b {
            b'"' => text.push_str("\\\""),
            b'\\' => text.push_str("\\\\"),
            b'\n' => text.push_str("\\n"),
            b'\t' => text.push_str("\\t"),
            b'\r' => text.push_str("\\r"),
            0x0b => text.push_str("\\v"),
            0x0c => text.push_str("\\f"),
            0x20..=0x7e => text.push(b as char),
            _ => {
                // The shortest octal escape, unless a digit follows and would be read into it.
                let next_is_digit = shown.get(i + 1).is_some_and(u8::is_ascii_digit);
                if next_is_digit {
                    let _ = write!(text, "\\{b:03o}");
                } else {
                    let _ = write!(text, "\\{b:o}");
                }
            }
        }
    }
    text.push('"');
    if full_len > shown.len() {
        text.push_str("...");
    }
}

fn flags(text: &mut String, v: u32, names: &[(u32, &str)]) {
    if v == 0 {
        // strace shows an empty set as the name of 0 when there is one (PROT_NONE), else 0.
        text.push_str(names.iter().find(|(bit, _)| *bit == 0).map_or("0", |(_, name)| name));
        return;
    }
    let mut rest = v;
    let mut parts = Vec::new();
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            parts.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 || parts.is_empty() {
        parts.push(format!("{rest:#x}"));
    }
    text.push_str(&parts.join("|"));
}

pub(crate) fn open_flags(text: &mut String, v: u32) {
    const ACCESS: [&str; 4] = ["O_RDONLY", "O_WRONLY", "O_RDWR", "0x3"];
    // Names covering several bits (O_TMPFILE includes O_DIRECTORY, O_SYNC includes O_DSYNC) come
    // first, so that they are not taken apart.
    const NAMES: &[(u32, &str)] = &[
        (0o20200000, "O_TMPFILE"),
        (0o4010000, "O_SYNC"),
        (0o100, "O_CREAT"),
        (0o200, "O_EXCL"),
        (0o400, "O_NOCTTY"),
        (0o1000, "O_TRUNC"),
        (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"),
        (0o10000, "O_DSYNC"),
        (0o20000, "O_ASYNC"),
        (0o40000, "O_DIRECT"),
        (0o100000, "O_LARGEFILE"),
        (0o200000, "O_DIRECTORY"),
        (0o400000, "O_NOFOLLOW"),
        (0o1000000, "O_NOATIME"),
        (0o2000000, "O_CLOEXEC"),
        (0o10000000, "O_PATH"),
    ];
    text.push_str(ACCESS[(v & 3) as usize]);
    let rest = v & !3;
    if rest != 0 {
        text.push('|');
        flags(text, rest, NAMES);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_cut_like_strace() {
        let mut t = String::new();
        quoted(&mut t, b"hello\n", 6);
        assert_eq!(t, r#""hello\n""#);
        let mut t = String::new();
        quoted(&mut t, b"\x1b[0m\x001", 6);
        assert_eq!(t, r#""\33[0m\0001""#);
        let mut t = String::new();
        quoted(&mut t, &[b'a'; 40], 40);
        assert_eq!(t, format!("\"{}\"...", "a".repeat(32)));
    }

    #[test]
    fn socket_addresses_read_like_strace() {
        let mut t = String::new();
        sockaddr(&mut t, &[2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(t, r#"{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}"#);
        let mut t = String::new();
        sockaddr(&mut t, b"\x01\0/tmp/s\0");
        assert_eq!(t, r#"{sa_family=AF_UNIX, sun_path="/tmp/s"}"#);
    }

    /// Guest memory for the formatter: `bytes` at `base`, nothing else readable.
    struct Fake {
        base: u32,
        bytes: Vec<u8>,
    }

    impl TraceMemory for Fake {
        fn read_prefix(&self, addr: u32, max: usize) -> Cow<'_, [u8]> {
            let start = addr.wrapping_sub(self.base) as usize;
            let bytes = self.bytes.get(start..).unwrap_or(&[]);
            Cow::Borrowed(&bytes[..bytes.len().min(max)])
        }
    }

    fn line(nr: u32, args: [u32; 6], bytes: &[u8], value: u32) -> String {
        let entry = crate::table::lookup(nr).unwrap();
        format_call(entry, &args, &Fake { base: 0x1000, bytes: bytes.to_vec() }, Some(value), &Before::default())
    }

    #[test]
    fn fcntl_shows_its_argument_and_result_as_the_command_says() {
        assert_eq!(line(nr::fcntl64, [3, 1, 0x1a4, 0, 0, 0], &[], 1), "fcntl64(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)");
        assert_eq!(
            line(nr::fcntl64, [3, 3, 0, 0, 0, 0], &[], 0x8002),
            "fcntl64(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)"
        );
        assert_eq!(line(nr::fcntl64, [3, 2, 3, 0, 0, 0], &[], 0), "fcntl64(3, F_SETFD, FD_CLOEXEC|0x2) = 0");
        assert_eq!(
            line(nr::fcntl64, [3, 9999, 0, 0, 0, 0], &[], -22i32 as u32),
            "fcntl64(3, 0x270f /* F_??? */, 0) = -1 EINVAL (Invalid argument)"
        );
    }

    #[test]
    fn open_shows_a_mode_only_with_o_creat() {
        let path = b"f\0";
        assert_eq!(
            line(nr::openat, [-100i32 as u32, 0x1000, 0o100102, 0o644, 0, 0], path, 3),
            r#"openat(AT_FDCWD, "f", O_RDWR|O_CREAT|O_LARGEFILE, 0644) = 3"#
        );
        assert_eq!(
            line(nr::openat, [-100i32 as u32, 0x1000, 0, 0, 0, 0], path, 3),
            r#"openat(AT_FDCWD, "f", O_RDONLY) = 3"#
        );
        assert_eq!(
            line(nr::openat, [-100i32 as u32, 0x1000, 0o20200002, 0o600, 0, 0], path, 3),
            r#"openat(AT_FDCWD, "f", O_RDWR|O_TMPFILE, 0600) = 3"#
        );
    }

    #[test]
    fn signal_sets_read_like_strace() {
        assert_eq!(decode::sigset_bytes(&[0x02, 0x42, 0, 0, 0, 0, 0, 0]), "[INT USR1 TERM]");
        // glibc's pthread_create blocks everything it may: shown as what is left out.
        assert_eq!(decode::sigset_bytes(&[0xff, 0xff, 0xff, 0x7f, 0xfe, 0xff, 0xff, 0xff]), "~[RTMIN RT_1]");
        assert_eq!(
            line(nr::rt_sigprocmask, [0, 0x1000, 0, 8, 0, 0], &[0x02, 0, 0, 0, 0, 0, 0, 0], 0),
            "rt_sigprocmask(SIG_BLOCK, [INT], NULL, 8) = 0"
        );
    }

    #[test]
    fn poll_shows_the_returned_events_after_the_result() {
        let fds = [3, 0, 0, 0, 1, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0];
        assert_eq!(
            line(nr::poll, [0x1000, 2, 0, 0, 0, 0], &fds, 1),
            "poll([{fd=3, events=POLLIN}, {fd=-1}], 2, 0) = 1 ([{fd=3, revents=POLLIN}])"
        );
        assert_eq!(
            line(nr::poll, [0x1000, 1, 5, 0, 0, 0], &[3, 0, 0, 0, 1, 0, 0, 0], 0),
            "poll([{fd=3, events=POLLIN}], 1, 5) = 0 (Timeout)"
        );
        // An array running into unmapped memory shows where it stops.
        assert_eq!(
            line(nr::poll, [0x1000, 2, 0, 0, 0, 0], &fds[..8], -14i32 as u32),
            "poll([{fd=3, events=POLLIN}, ... /* 0x1008 */], 2, 0) = -1 EFAULT (Bad address)"
        );
    }

    #[test]
    fn stat_and_time_structs_read_like_strace() {
        let mut st = vec![0u8; 96];
        st[16..20].copy_from_slice(&0o100644u32.to_le_bytes());
        st[44..52].copy_from_slice(&5u64.to_le_bytes());
        assert_eq!(
            line(nr::fstat64, [3, 0x1000, 0, 0, 0, 0], &st, 0),
            "fstat64(3, {st_mode=S_IFREG|0644, st_size=5, ...}) = 0"
        );
        assert_eq!(
            line(nr::fstat64, [3, 0x1000, 0, 0, 0, 0], &st, -9i32 as u32),
            "fstat64(3, 0x1000) = -1 EBADF (Bad file descriptor)"
        );
        let ts = [1, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            line(nr::clock_gettime, [1, 0x1000, 0, 0, 0, 0], &ts, 0),
            "clock_gettime(CLOCK_MONOTONIC, {tv_sec=1, tv_nsec=0}) = 0"
        );
        assert_eq!(line(nr::nanosleep, [0x1000, 0, 0, 0, 0, 0], &ts, 0), "nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0");
    }

    /// Little-endian words, as guest memory holds them.
    fn words(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn itimerspecs_read_like_strace() {
        // new at 0x1000, old at 0x1010.
        let mem = words(&[0, 0, 1, 0, 0, 0, 0, 5]);
        assert_eq!(
            line(nr::timerfd_settime, [3, 0, 0x1000, 0x1010, 0, 0], &mem, 0),
            "timerfd_settime(3, 0, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=1, tv_nsec=0}}, \
             {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, tv_nsec=5}}) = 0"
        );
        // What a failed call would have written is not read; the fraction is unsigned.
        let bad = words(&[0, u32::MAX, 1, 0]);
        assert_eq!(
            line(nr::timer_settime, [0, 0, 0x1000, 0x1010, 0, 0], &bad, -22i32 as u32),
            "timer_settime(0, 0, {it_interval={tv_sec=0, tv_nsec=4294967295}, it_value={tv_sec=1, tv_nsec=0}}, \
             0x1010) = -1 EINVAL (Invalid argument)"
        );
        assert_eq!(
            line(nr::timer_settime, [0, 0, 0, 0, 0, 0], &[], -22i32 as u32).split(" = ").next(),
            Some("timer_settime(0, 0, NULL, NULL)")
        );
        let wide = words(&[2, 0, 0, 0, 3, 0, 7, 0]);
        assert_eq!(
            line(nr::timer_gettime64, [0, 0x1000, 0, 0, 0, 0], &wide, 0),
            "timer_gettime64(0, {it_interval={tv_sec=2, tv_nsec=0}, it_value={tv_sec=3, tv_nsec=7}}) = 0"
        );
        // Half a struct is not shown.
        assert_eq!(
            line(nr::timer_gettime64, [0, 0x1000, 0, 0, 0, 0], &wide[..24], 0),
            "timer_gettime64(0, 0x1000) = 0"
        );
    }

    #[test]
    fn a_timers_new_value_is_shown_as_it_was_before_the_call() {
        // One struct for the new and the old value: the call reads it, then writes over it.
        let entry = crate::table::lookup(nr::setitimer).unwrap();
        let args = [0, 0x1000, 0x1000, 0, 0, 0];
        let was = Fake { base: 0x1000, bytes: words(&[1, 0, 5, 0]) };
        let now = Fake { base: 0x1000, bytes: words(&[0, 0, 0, 0]) };
        assert_eq!(
            format_call(entry, &args, &now, Some(0), &before(entry, &args, 0, &was)),
            "setitimer(ITIMER_REAL, {it_interval={tv_sec=1, tv_usec=0}, it_value={tv_sec=5, tv_usec=0}}, \
             {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=0}}) = 0"
        );
        // Unreadable as the call started: the address, whatever is there afterwards.
        let entry = crate::table::lookup(nr::timer_settime64).unwrap();
        let args = [0, 0, 0x1000, 0, 0, 0];
        let none = Fake { base: 0x1000, bytes: Vec::new() };
        let wide = Fake { base: 0x1000, bytes: words(&[0, 0, 0, 0, 3, 0, 7, 0]) };
        assert_eq!(
            format_call(entry, &args, &wide, Some(-14i32 as u32), &before(entry, &args, 0, &none)),
            "timer_settime64(0, 0, 0x1000, NULL) = -1 EFAULT (Bad address)"
        );
    }

    #[test]
    fn siginfo_reads_like_strace() {
        let mut si = words(&[10, 0, -1i32 as u32, 1234, 0, 42]);
        si.resize(128, 0);
        assert_eq!(
            line(nr::rt_tgsigqueueinfo, [1234, 1234, 10, 0x1000, 0, 0], &si, 0),
            "rt_tgsigqueueinfo(1234, 1234, SIGUSR1, \
             {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=1234, si_uid=0, si_int=42, si_ptr=0x2a}) = 0"
        );
        // Short of the 128 bytes: the address.
        assert_eq!(
            line(nr::rt_sigqueueinfo, [1234, 10, 0x1000, 0, 0, 0], &si[..100], 0),
            "rt_sigqueueinfo(1234, SIGUSR1, 0x1000) = 0"
        );
        assert_eq!(
            line(nr::rt_sigtimedwait, [0x1100, 0x1000, 0, 8, 0, 0], &si, -11i32 as u32),
            "rt_sigtimedwait(0x1100, 0x1000, NULL, 8) = -1 EAGAIN (Resource temporarily unavailable)"
        );
    }

    #[test]
    fn mq_open_shows_mode_and_attributes_only_with_o_creat() {
        let mut mem = b"q\0\0\0".to_vec();
        mem.extend(words(&[0o4000, 4, 64, 0, 0, 0, 0, 0]));
        assert_eq!(line(nr::mq_open, [0x1000, 2, 0o600, 0x1004, 0, 0], &mem, 3), r#"mq_open("q", O_RDWR) = 3"#);
        assert_eq!(
            line(nr::mq_open, [0x1000, 0o102, 0o600, 0x1004, 0, 0], &mem, 3),
            r#"mq_open("q", O_RDWR|O_CREAT, 0600, {mq_flags=O_NONBLOCK, mq_maxmsg=4, mq_msgsize=64, mq_curmsgs=0}) = 3"#
        );
        assert_eq!(
            line(nr::mq_open, [0x1000, 0o102, 0o600, 0x2000, 0, 0], &mem, -14i32 as u32),
            r#"mq_open("q", O_RDWR|O_CREAT, 0600, 0x2000) = -1 EFAULT (Bad address)"#
        );
    }

    #[test]
    fn memfd_names_are_cut_at_32_bytes() {
        let mut name = vec![b'n'; 40];
        name.push(0);
        let cut = format!(r#"memfd_create("{}"..., 0) = 3"#, "n".repeat(32));
        assert_eq!(line(nr::memfd_create, [0x1000, 0, 0, 0, 0, 0], &name, 3), cut);
        assert_eq!(
            line(nr::memfd_create, [0x1008, 0, 0, 0, 0, 0], &name, 3),
            format!(r#"memfd_create("{}", 0) = 3"#, "n".repeat(32))
        );
        // 33 bytes without a NUL are enough to show it cut, fewer are not.
        assert_eq!(line(nr::memfd_create, [0x1000, 0, 0, 0, 0, 0], &name[..33], 3), cut);
        assert_eq!(line(nr::memfd_create, [0x1000, 0, 0, 0, 0, 0], &name[..32], 3), "memfd_create(0x1000, 0) = 3");
    }

    #[test]
    fn memfd_flags_show_the_huge_page_size_as_a_shift() {
        // strace 6.1's lines for the same calls.
        let flags = |v: u32| {
            let l = line(nr::memfd_create, [0x1000, v, 0, 0, 0, 0], b"x\0", 3);
            l["memfd_create(\"x\", ".len()..l.len() - ") = 3".len()].to_string()
        };
        assert_eq!(flags(0), "0");
        assert_eq!(flags(1 | 8), "MFD_CLOEXEC|0x8");
        assert_eq!(flags(0x10), "0x10 /* MFD_??? */");
        assert_eq!(flags(4 | 8 | 0x10), "MFD_HUGETLB|0x18");
        assert_eq!(flags(4 | 21 << 26), "MFD_HUGETLB|21<<MFD_HUGE_SHIFT");
        assert_eq!(flags(21 << 26), "21<<MFD_HUGE_SHIFT");
        assert_eq!(flags(8 | 21 << 26), "0x8 /* MFD_??? */|21<<MFD_HUGE_SHIFT");
        assert_eq!(flags(0x8000_0000), "32<<MFD_HUGE_SHIFT");
        assert_eq!(flags(u32::MAX), "MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_HUGETLB|0x3fffff8|63<<MFD_HUGE_SHIFT");
    }

    #[test]
    fn socket_constants_read_like_strace() {
        assert_eq!(
            line(nr::socket, [2, 0o2000001, 0, 0, 0, 0], &[], 3),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3"
        );
        assert_eq!(
            line(nr::setsockopt, [3, 1, 2, 0x1000, 4, 0], &[1, 0, 0, 0], 0),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"
        );
        assert_eq!(
            line(nr::getsockopt, [3, 6, 1, 0x1000, 0x1004, 0], &[1, 0, 0, 0, 4, 0, 0, 0], 0),
            "getsockopt(3, SOL_TCP, TCP_NODELAY, [1], [4]) = 0"
        );
        assert_eq!(line(nr::socket, [3, 1, 0, 0, 0, 0], &[], -97i32 as u32), "socket(AF_AX25, SOCK_STREAM, 0 /* AX25_P_??? */) = -1 EAFNOSUPPORT (Address family not supported by protocol)");
    }

    #[test]
    fn msghdr_reads_like_strace() {
        // msghdr at 0x1000 (28 bytes), iovec at 0x101c, data at 0x1024.
        let mut m = Vec::new();
        for v in [0u32, 0, 0x101c, 1, 0, 0, 0, 0x1024, 2] {
            m.extend_from_slice(&v.to_le_bytes());
        }
        m.extend_from_slice(b"hi");
        assert_eq!(
            line(nr::sendmsg, [3, 0x1000, 0, 0, 0, 0], &m, 2),
            r#"sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hi", iov_len=2}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 2"#
        );
    }

    #[test]
    fn unknown_errno_values_show_as_numbers() {
        assert_eq!(
            line(nr::fcntl64, [3, 9, 0, 0, 0, 0], &[], -1061i32 as u32),
            "fcntl64(3, F_GETOWN) = -1 (errno 1061)"
        );
    }

    #[test]
    fn open_flags_read_like_strace() {
        let mut t = String::new();
        open_flags(&mut t, 0o2100101);
        assert_eq!(t, "O_WRONLY|O_CREAT|O_LARGEFILE|O_CLOEXEC");
    }
}
