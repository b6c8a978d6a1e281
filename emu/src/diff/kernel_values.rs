//! Values the kernel picks for the objects a program acts on, which differ between any two runs
//! and are not inputs to replay (a program acts on them, so each run keeps its own): after
//! [`super::normalize`]'s pids, addresses and ports, each becomes a symbol in order of appearance,
//! the same value the same symbol throughout a side.
//!
//! - SysV IPC ids (the results of shmget, semget, msgget and their `ipc(2)` forms, of 1024 and
//!   up: the kernel's ids grow with every object ever made) become `IPC1`, `IPC2`…, wherever the
//!   number appears outside a string.
//! - An autobound unix socket's abstract name (five hex digits, `unix_autobind()`) is `@AUTO1`….
//! - A port inside a socket address shown raw (`sa_data`, an address too short for its family)
//!   is `{PORT1}`, from the same table as `htons(PORT1)`.
//! - What the kernel writes in records read from an inotify fd (the rename cookie of an event,
//!   `inotify_event.cookie`) and a signalfd (`signalfd_siginfo.ssi_pid`): `{COOKIE1}`, `{PID1}`.
//! - The CPU getcpu(2) reports: where the scheduler ran the call, `[CPU]`.
//! - A pseudo-terminal's number (TIOCGPTN, `/dev/pts/N`): `PTY1`… (other programs hold some).
//! - Counts of timer expirations, which depend on how long the program took: a non-zero
//!   timer_getoverrun result and the count read from a timerfd are `TICKS`, `{TICKS}`.
//! - The time a packet arrived (an `SO_TIMESTAMP*` control message): `cmsg_data=TIME`.
//! - The identification field of an IPv4 header received on a raw socket (the kernel's
//!   per-destination counter, `ip_select_ident()`), `{IPID1}`…, and so the header checksum,
//!   `{CSUM}`.
//!
//! A binary record is rewritten in the escaped text the tracer shows: the escapes of the field's
//! bytes are replaced by the symbol in braces, the rest stays as it was.

use super::line::{name, Quotes};
use std::collections::HashMap;

/// What the tracer's first quoted string of a line shows, one escape (or character) per byte.
struct Escaped<'a> {
    /// Where the string's text starts and ends in the line (without the quotes).
    start: usize,
    end: usize,
    /// Each byte with its text.
    units: Vec<(u8, &'a str)>,
}

/// The first quoted string starting at or after `from` in `line`, split into bytes (the escapes of
/// syscalls/src/trace/text.rs `quoted`).
fn escaped(line: &str, from: usize) -> Option<Escaped<'_>> {
    let start = from + line.get(from..)?.find('"')? + 1;
    let bytes = line.as_bytes();
    let mut units = Vec::new();
    let mut i = start;
    loop {
        let b = *bytes.get(i)?;
        let (value, len) = match b {
            b'"' => break,
            b'\\' => {
                let c = *bytes.get(i + 1)?;
                match c {
                    b'n' => (b'\n', 2),
                    b't' => (b'\t', 2),
                    b'r' => (b'\r', 2),
                    b'v' => (0x0b, 2),
                    b'f' => (0x0c, 2),
                    b'"' | b'\\' => (c, 2),
                    _ => {
                        let digits = bytes[i + 1..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d)).count();
                        let octal = std::str::from_utf8(&bytes[i + 1..i + 1 + digits]).ok()?;
                        (u8::from_str_radix(octal, 8).ok()?, 1 + digits)
                    }
                }
            }
            // The tracer escapes every byte outside printable ASCII.
            _ => (b, 1),
        };
        units.push((value, line.get(i..i + len)?));
        i += len;
    }
    Some(Escaped { start, end: i, units })
}

impl Escaped<'_> {
    /// The little-endian word at byte `at`, if all its bytes are shown.
    fn word(&self, at: usize) -> Option<u32> {
        let b = self.units.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0].0, b[1].0, b[2].0, b[3].0]))
    }

    /// The line with bytes `at..at + len` shown as `{symbol}`, for each (at, len, symbol).
    fn replace(&self, line: &str, fields: &[(usize, usize, String)]) -> String {
        let mut out = String::from(&line[..self.start]);
        let mut i = 0;
        while i < self.units.len() {
            match fields.iter().find(|(at, _, _)| *at == i) {
                Some((_, len, symbol)) => {
                    out.push('{');
                    out.push_str(symbol);
                    out.push('}');
                    i += len;
                }
                None => {
                    out.push_str(self.units[i].1);
                    i += 1;
                }
            }
        }
        out.push_str(&line[self.end..]);
        out
    }
}

/// What an fd was made as, where its records hold kernel-chosen values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FdKind {
    Inotify,
    Signalfd,
    Timerfd,
    /// An AF_INET SOCK_RAW socket: what it receives starts with the IPv4 header.
    RawIp,
}

/// One side's symbols; see the module comment.
#[derive(Default)]
pub struct KernelValues {
    ipc_ids: HashMap<String, String>,
    ptys: HashMap<String, String>,
    autobound: HashMap<String, String>,
    cookies: HashMap<u32, String>,
    ip_ids: HashMap<u32, String>,
    /// Per process (host pid): its fds of an [`FdKind`].
    fds: HashMap<i32, HashMap<u32, FdKind>>,
}

/// The decimal result of a line, if it has one.
fn result(line: &str) -> Option<i64> {
    line.rsplit(" = ").next()?.split(' ').next()?.parse().ok()
}

/// The first argument of a call line, as a number.
fn first_arg(line: &str) -> Option<i64> {
    let args = &line[name(line).len() + 1..];
    args.split([',', ')']).next()?.trim().parse().ok()
}

impl KernelValues {
    /// A new process `pid` starts with the fds of its creator.
    pub fn created(&mut self, pid: i32, parent: Option<i32>) {
        let fds = parent.and_then(|p| self.fds.get(&p).cloned()).unwrap_or_default();
        self.fds.insert(pid, fds);
    }

    /// Rewrite `line` (already normalised) of process `pid`; `raw` is the line as traced.
    /// `pids` and `ports` are the symbols [`super::normalize`] handed out on this side.
    pub fn line(
        &mut self,
        pid: i32,
        raw: &str,
        line: String,
        pids: &HashMap<String, String>,
        ports: &mut HashMap<String, String>,
    ) -> String {
        let call = name(raw);
        let ret = result(raw);
        let fds = self.fds.entry(pid).or_default();
        match call {
            "inotify_init" | "inotify_init1" if ret.is_some_and(|r| r >= 0) => {
                fds.insert(ret.unwrap_or_default() as u32, FdKind::Inotify);
            }
            "signalfd" | "signalfd4" if ret.is_some_and(|r| r >= 0) => {
                fds.insert(ret.unwrap_or_default() as u32, FdKind::Signalfd);
            }
            "socket" if ret.is_some_and(|r| r >= 0) && raw.starts_with("socket(AF_INET, SOCK_RAW") => {
                fds.insert(ret.unwrap_or_default() as u32, FdKind::RawIp);
            }
            "timerfd_create" if ret.is_some_and(|r| r >= 0) => {
                fds.insert(ret.unwrap_or_default() as u32, FdKind::Timerfd);
            }
            "close" if ret == Some(0) => {
                if let Some(fd) = first_arg(raw) {
                    fds.remove(&(fd as u32));
                }
            }
            _ => {}
        }
        let is_get = matches!(call, "shmget" | "semget" | "msgget")
            || (call == "ipc" && ["ipc(SHMGET,", "ipc(SEMGET,", "ipc(MSGGET,"].iter().any(|p| raw.starts_with(p)));
        if let Some(id) = ret.filter(|&r| is_get && r >= 1024) {
            let n = self.ipc_ids.len() + 1;
            self.ipc_ids.entry(id.to_string()).or_insert_with(|| format!("IPC{n}"));
        }
        let mut line = if self.ipc_ids.is_empty() { line } else { self.ipc_tokens(&line) };
        if call == "getcpu" {
            line = getcpu(&line);
        }
        if call == "timer_getoverrun" && ret.is_some_and(|r| r > 0) {
            line = format!("{}= TICKS", &line[..line.rfind("= ").unwrap_or(line.len())]);
        }
        line = self.ptys(&line);
        line = self.autobind(&line);
        line = sa_data_port(&line, ports);
        line = packet_times(&line);
        let fds = self.fds.get(&pid);
        let reads = matches!(call, "read" | "recvfrom" | "recv");
        let kind = reads.then(|| first_arg(raw)).flatten().and_then(|fd| fds?.get(&(fd as u32)).copied());
        match kind {
            Some(FdKind::Inotify) => self.inotify_cookies(&line),
            Some(FdKind::Signalfd) => signalfd_pids(&line, pids),
            Some(FdKind::Timerfd) if ret == Some(8) => match escaped(&line, name(&line).len()) {
                Some(text) if text.units.len() == 8 && text.units.iter().any(|u| u.0 != 0) => {
                    text.replace(&line, &[(0, 8, "TICKS".to_string())])
                }
                _ => line,
            },
            Some(FdKind::Timerfd) => line,
            Some(FdKind::RawIp) => self.ip_ids(&line),
            None => line,
        }
    }

    /// Known IPC ids outside strings become their symbols.
    fn ipc_tokens(&self, line: &str) -> String {
        let bytes = line.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(line.len());
        let (mut quotes, mut i) = (Quotes::default(), 0);
        while i < bytes.len() {
            let b = bytes[i];
            let starts_token =
                b.is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
            if !quotes.inside(b) && starts_token {
                let end = bytes[i..].iter().position(|c| !c.is_ascii_alphanumeric()).map_or(bytes.len(), |n| i + n);
                let token = &line[i..end];
                out.extend_from_slice(self.ipc_ids.get(token).map_or(token, String::as_str).as_bytes());
                i = end;
                continue;
            }
            out.push(b);
            i += 1;
        }
        // Only whole ASCII tokens were replaced, so the text stays UTF-8.
        String::from_utf8(out).unwrap_or_else(|_| line.to_string())
    }

    /// `ioctl(3, TIOCGPTN, [1])` and `"/dev/pts/1"`: the number a new pseudo-terminal got.
    fn ptys(&mut self, line: &str) -> String {
        let mut out = line.to_string();
        for key in ["TIOCGPTN, [", "\"/dev/pts/"] {
            let mut from = 0;
            while let Some(at) = out.get(from..).and_then(|r| r.find(key)).map(|i| from + i + key.len()) {
                let digits = out[at..].bytes().take_while(u8::is_ascii_digit).count();
                from = at;
                if digits == 0 {
                    continue;
                }
                let k = self.ptys.len() + 1;
                let symbol =
                    self.ptys.entry(out[at..at + digits].to_string()).or_insert_with(|| format!("PTY{k}")).clone();
                out.replace_range(at..at + digits, &symbol);
            }
        }
        out
    }

    /// A received IPv4 header (version 4, 20 bytes or more): its identification and checksum.
    fn ip_ids(&mut self, line: &str) -> String {
        let Some(text) = escaped(line, name(line).len()) else { return line.to_string() };
        let header = text.units.first().is_some_and(|u| u.0 >> 4 == 4 && u.0 & 15 >= 5) && text.units.len() >= 12;
        if !header {
            return line.to_string();
        }
        let id = u32::from(text.units[4].0) << 8 | u32::from(text.units[5].0);
        let n = self.ip_ids.len() + 1;
        let symbol = self.ip_ids.entry(id).or_insert_with(|| format!("IPID{n}")).clone();
        text.replace(line, &[(4, 2, symbol), (10, 2, "CSUM".to_string())])
    }

    /// `sun_path=@"3fa2c"` (an autobound name) → `sun_path=@AUTO1`.
    fn autobind(&mut self, line: &str) -> String {
        const KEY: &str = "sun_path=@\"";
        let mut out = String::with_capacity(line.len());
        let mut rest = line;
        while let Some(at) = rest.find(KEY) {
            out.push_str(&rest[..at + KEY.len() - 1]);
            rest = &rest[at + KEY.len()..];
            let name = rest.get(..6).filter(|n| n.ends_with('"') && n[..5].bytes().all(|c| c.is_ascii_hexdigit()));
            match name {
                Some(n) => {
                    let k = self.autobound.len() + 1;
                    out.push_str(self.autobound.entry(n[..5].to_string()).or_insert_with(|| format!("AUTO{k}")));
                    rest = &rest[6..];
                }
                None => out.push('"'),
            }
        }
        out.push_str(rest);
        out
    }

    /// The cookie of each inotify event shown (`struct inotify_event`: wd, mask, cookie, len,
    /// then `len` bytes of name), when it is not 0.
    fn inotify_cookies(&mut self, line: &str) -> String {
        let Some(text) = escaped(line, name(line).len()) else { return line.to_string() };
        let mut fields = Vec::new();
        let mut at = 0;
        while let (Some(cookie), Some(len)) = (text.word(at + 8), text.word(at + 12)) {
            if cookie != 0 {
                let n = self.cookies.len() + 1;
                fields.push((at + 8, 4, self.cookies.entry(cookie).or_insert_with(|| format!("COOKIE{n}")).clone()));
            }
            at += 16 + len as usize;
        }
        if fields.is_empty() {
            line.to_string()
        } else {
            text.replace(line, &fields)
        }
    }
}

/// `getcpu([1], …)` → `getcpu([CPU], …)`: where the call ran.
fn getcpu(line: &str) -> String {
    let Some(rest) = line.strip_prefix("getcpu([") else { return line.to_string() };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !rest[digits..].starts_with(']') {
        return line.to_string();
    }
    format!("getcpu([CPU]{}", &rest[digits + 1..])
}

/// The data of an `SO_TIMESTAMP*` control message (SOL_SOCKET, types 29, 35, 63 and 64: when the
/// packet arrived) becomes `TIME`.
fn packet_times(line: &str) -> String {
    if !line.contains("cmsg_level=SOL_SOCKET") {
        return line.to_string();
    }
    let mut out = line.to_string();
    for kind in ["0x1d", "0x23", "0x3f", "0x40", "SO_TIMESTAMP_OLD", "SO_TIMESTAMPNS_OLD"] {
        let key = format!("cmsg_level=SOL_SOCKET, cmsg_type={kind}, cmsg_data=");
        let mut from = 0;
        while let Some(at) = out.get(from..).and_then(|r| r.find(&key)).map(|i| from + i + key.len()) {
            from = at;
            let Some(text) = escaped(&out, at).filter(|t| t.start == at + 1) else { continue };
            out.replace_range(at..text.end + 1, "TIME");
        }
    }
    out
}

/// The pid in each `signalfd_siginfo` (128 bytes, `ssi_pid` at 12) shown.
fn signalfd_pids(line: &str, pids: &HashMap<String, String>) -> String {
    let Some(text) = escaped(line, name(line).len()) else { return line.to_string() };
    let fields: Vec<_> = (0..)
        .map(|i| i * 128 + 12)
        .map_while(|at| text.word(at).map(|pid| (at, pid)))
        .filter_map(|(at, pid)| pids.get(&pid.to_string()).map(|p| (at, 4, p.clone())))
        .collect();
    if fields.is_empty() {
        line.to_string()
    } else {
        text.replace(line, &fields)
    }
}

/// The port of an internet address shown raw (`{sa_family=AF_INET6, sa_data="\261\305…"}`: the
/// first two bytes of sa_data, big-endian), from the same table as `htons(N)` (ports of 1024 and
/// up).
fn sa_data_port(line: &str, ports: &mut HashMap<String, String>) -> String {
    let mut out = line.to_string();
    for family in ["sa_family=AF_INET, sa_data=", "sa_family=AF_INET6, sa_data="] {
        let mut from = 0;
        while let Some(at) = out.get(from..).and_then(|r| r.find(family)).map(|i| from + i + family.len()) {
            from = at;
            let Some(text) = escaped(&out, at).filter(|t| t.start == at + 1) else { continue };
            let (Some(hi), Some(lo)) = (text.units.first(), text.units.get(1)) else { continue };
            let port = u16::from_be_bytes([hi.0, lo.0]);
            if port < 1024 {
                continue;
            }
            let n = ports.len() + 1;
            let symbol = ports.entry(port.to_string()).or_insert_with(|| format!("PORT{n}")).clone();
            out = text.replace(&out, &[(0, 2, symbol)]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_chosen_values_become_symbols() {
        let pids: HashMap<String, String> = [("29197".to_string(), "PID1".to_string())].into();
        let mut ports = HashMap::new();
        let mut k = KernelValues::default();
        let mut line = |raw: &str| k.line(7, raw, raw.to_string(), &pids, &mut ports);
        assert_eq!(line("ipc(SHMGET, 0, 10000, 384, NULL, 1) = 163869"), "ipc(SHMGET, 0, 10000, 384, NULL, 1) = IPC1");
        assert_eq!(line("ipc(SHMAT, 163869, 0, -1, NULL, 1) = 0"), "ipc(SHMAT, IPC1, 0, -1, NULL, 1) = 0");
        assert_eq!(line("write(1, \"163869\", 6) = 6"), "write(1, \"163869\", 6) = 6");
        assert_eq!(line("getcpu([1], [0], NULL) = 0"), "getcpu([CPU], [0], NULL) = 0");
        assert_eq!(
            line("getsockname(8, {sa_family=AF_UNIX, sun_path=@\"723ff\"}, [8]) = 0"),
            "getsockname(8, {sa_family=AF_UNIX, sun_path=@AUTO1}, [8]) = 0"
        );
        assert_eq!(
            line("bind(7, {sa_family=AF_INET6, sa_data=\"\\261\\305\\0\\0\"}, 20) = -1 EINVAL (Invalid argument)"),
            "bind(7, {sa_family=AF_INET6, sa_data=\"{PORT1}\\0\\0\"}, 20) = -1 EINVAL (Invalid argument)"
        );
        assert_eq!(line("inotify_init1(IN_NONBLOCK) = 3"), "inotify_init1(IN_NONBLOCK) = 3");
        assert_eq!(
            line("read(3, \"\\1\\0\\0\\0@\\0\\0\\0\\212O\\0\\0\\20\\0\\0\\0new\\0\", 4096) = 96"),
            "read(3, \"\\1\\0\\0\\0@\\0\\0\\0{COOKIE1}\\20\\0\\0\\0new\\0\", 4096) = 96"
        );
        assert_eq!(line("close(3) = 0"), "close(3) = 0");
        assert_eq!(line("ioctl(3, TIOCGPTN, [4]) = 0"), "ioctl(3, TIOCGPTN, [PTY1]) = 0");
        assert_eq!(line("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) = 6"), "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) = 6");
        assert_eq!(
            line("recvfrom(6, \"E\\0\\0,\\21v@\\0@\\1+Y\\177\\0\\0\\1\"..., 2048, 0, NULL, NULL) = 44"),
            "recvfrom(6, \"E\\0\\0,{IPID1}@\\0@\\1{CSUM}\\177\\0\\0\\1\"..., 2048, 0, NULL, NULL) = 44"
        );
        assert_eq!(
            line("openat(AT_FDCWD, \"/dev/pts/4\", O_RDWR) = 4"),
            "openat(AT_FDCWD, \"/dev/pts/PTY1\", O_RDWR) = 4"
        );
        assert_eq!(line("timer_getoverrun(0) = 47"), "timer_getoverrun(0) = TICKS");
        assert_eq!(line("timer_getoverrun(0) = 0"), "timer_getoverrun(0) = 0");
        assert_eq!(line("timerfd_create(CLOCK_MONOTONIC, 0) = 5"), "timerfd_create(CLOCK_MONOTONIC, 0) = 5");
        assert_eq!(line("read(5, \"\\6\\0\\0\\0\\0\\0\\0\\0\", 8) = 8"), "read(5, \"{TICKS}\", 8) = 8");
        assert_eq!(
            line("recvmsg(8, {msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=0x1d, cmsg_data=\"\\25\\200\\26k\"}, {cmsg_len=16}]}, 0) = 3"),
            "recvmsg(8, {msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=0x1d, cmsg_data=TIME}, {cmsg_len=16}]}, 0) = 3"
        );
        assert_eq!(line("signalfd4(-1, [USR1], 8, SFD_NONBLOCK) = 3"), "signalfd4(-1, [USR1], 8, SFD_NONBLOCK) = 3");
        assert_eq!(
            line("read(3, \"\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\rr\\0\\0\\0\\0\", 128) = 128"),
            "read(3, \"\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0{PID1}\\0\\0\", 128) = 128"
        );
    }
}
