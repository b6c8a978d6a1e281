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
const STRSIZE: usize = 32;

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
        let mut tracer = Tracer { out: Arc::new(out), pids: Arc::new(AtomicBool::new(true)) };
        tracer.line(&format!("{START_LINE}\n"));
        tracer
    }

    /// There is about to be more than one thread or process: name them from now on.
    pub fn several(&self) {
        self.pids.store(true, Relaxed);
    }

    /// The tracer of a new thread of the same process.
    pub fn for_new_thread(&self) -> Tracer {
        self.several();
        Tracer { out: Arc::clone(&self.out), pids: Arc::clone(&self.pids) }
    }

    fn line(&mut self, text: &str) {
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

/// Trace a call described by the table. `value` is the guest's `%eax`, or `None` for a call that
/// does not return (printed before the call runs, as `= ?`).
pub fn call(ctx: &mut Ctx, _nr: u32, entry: &Entry, args: &Args, value: Option<u32>) {
    let mut text = format_call(entry, args, &*ctx.mem, value);
    text.push('\n');
    if let Some(t) = ctx.task.tracer.as_mut() {
        t.line(&text);
    }
}

/// One call as strace shows it, without the newline: `write(1, "hi\n", 3) = 3`. `value` is the
/// result register, `None` for a call that does not return (`= ?`).
pub fn format_call<M: TraceMemory + ?Sized>(entry: &Entry, args: &Args, mem: &M, value: Option<u32>) -> String {
    let mut text = String::new();
    let _ = write!(text, "{}(", entry.name);
    for (i, kind) in entry.args.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        if i == 0 && value == Some(0) && utsname(mem, &mut text, entry.nr, args[0]) {
            continue;
        }
        arg(mem, &mut text, *kind, args, i, value);
    }
    text.push_str(") = ");
    match value {
        None => text.push('?'),
        Some(v) => result(&mut text, entry.ret, v),
    }
    text
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
        _ if (32..=64).contains(&sig) => format!("SIGRT_{}", sig - 32),
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
    let shown: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
    text.push_str(&shown.join(", "));
    text.push_str(") = ");
    result(&mut text, Ret::Int, value.unwrap_or(0));
    text
}

fn result(text: &mut String, ret: Ret, v: u32) {
    let signed = v as i32;
    if (-4095..0).contains(&signed) {
        let e = Errno::from_raw_os_error(-signed);
        let _ = write!(text, "-1 {} ({})", errno::name(e), errno::message(e));
        return;
    }
    match ret {
        Ret::Hex => {
            let _ = write!(text, "{v:#x}");
        }
        _ => {
            let _ = write!(text, "{signed}");
        }
    }
}

fn arg<M: TraceMemory + ?Sized>(mem: &M, text: &mut String, kind: Arg, args: &Args, i: usize, value: Option<u32>) {
    let v = args[i];
    match kind {
        Arg::Int | Arg::Fd => {
            let _ = write!(text, "{}", v as i32);
        }
        Arg::Uint => {
            let _ = write!(text, "{v}");
        }
        Arg::Hex => {
            let _ = write!(text, "{v:#x}");
        }
        Arg::Ptr | Arg::Timespec | Arg::Timespec64 => pointer(text, v),
        Arg::DirFd => {
            if v as i32 == -100 {
                text.push_str("AT_FDCWD");
            } else {
                let _ = write!(text, "{}", v as i32);
            }
        }
        Arg::Str => {
            let bytes = mem.read_prefix(v, STR_MAX + 1);
            match bytes.iter().position(|&b| b == 0) {
                Some(end) => quoted(text, &bytes[..end], end),
                None => pointer(text, v),
            }
        }
        Arg::InBuf(len_arg) => {
            let len = args.get(len_arg as usize).copied().unwrap_or(0) as usize;
            buffer(mem, text, v, len);
        }
        Arg::OutBuf => match value {
            Some(n) if (n as i32) >= 0 => buffer(mem, text, v, n as usize),
            _ => pointer(text, v),
        },
        Arg::Sockaddr(len_arg) => {
            let len = args.get(len_arg as usize).copied().unwrap_or(0) as usize;
            match read_exact(mem, v, len.min(128)) {
                Some(bytes) if v != 0 && len >= 2 => sockaddr(text, &bytes),
                _ => pointer(text, v),
            }
        }
        Arg::OpenFlags => open_flags(text, v),
        Arg::Mode => {
            let _ = write!(text, "{v:#o}");
        }
        Arg::Flags(names) => flags(text, v, names),
        Arg::Enum(names) => match names.iter().find(|(n, _)| *n == v) {
            Some((_, name)) => text.push_str(name),
            None => {
                let _ = write!(text, "{v:#x}");
            }
        },
    }
}

/// A socket address as strace shows it.
pub fn sockaddr(text: &mut String, b: &[u8]) {
    let family = u16::from_le_bytes([b[0], b[1]]);
    match (family, b.len()) {
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
            let _ = write!(text, "{{sa_family={family}, sa_data=");
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

/// Quote bytes as strace does: C escapes, octal for the rest, `...` when cut.
pub fn quoted(text: &mut String, bytes: &[u8], full_len: usize) {
    let shown = &bytes[..bytes.len().min(STRSIZE)];
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

fn open_flags(text: &mut String, v: u32) {
    const ACCESS: [&str; 4] = ["O_RDONLY", "O_WRONLY", "O_RDWR", "0x3"];
    const NAMES: &[(u32, &str)] = &[
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
        (0o4010000, "O_SYNC"),
        (0o10000000, "O_PATH"),
        (0o20200000, "O_TMPFILE"),
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

    #[test]
    fn open_flags_read_like_strace() {
        let mut t = String::new();
        open_flags(&mut t, 0o2100101);
        assert_eq!(t, "O_WRONLY|O_CREAT|O_LARGEFILE|O_CLOEXEC");
    }
}
