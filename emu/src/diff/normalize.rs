//! What legitimately differs between a native and an emulated run, made equal before the two are
//! compared line by line.
//!
//! - Processes are put in creation order: the first process, then the children each process
//!   created (the results of its fork, vfork and clone calls), breadth first. Stream N of one side
//!   is compared with stream N of the other.
//! - Pids and tids (every decimal number equal to a pid of that side) become `PID1`, `PID2`… in that
//!   order.
//! - Addresses the kernel chooses: the result of an mmap/mmap2 becomes `ADDR1`, `ADDR2`… in order of
//!   appearance, the first brk result `BRK`; later addresses inside such a range are shown relative
//!   to it (`BRK+0x21000`). Any other hex number of 0x10000 or more is `PTR`: the stack (and, for
//!   static-pie, the program) sits at different addresses natively and emulated.
//! - Calls the two sides legitimately make differently are dropped from both streams
//!   ([`ALWAYS_IGNORED`]): the time calls glibc makes through the vdso natively (the emulator has
//!   no vdso, so they arrive as syscalls there). The `clone(…) = 0` line the emulator's tracer
//!   writes in a new child (the child returns through the same handler) is dropped too.
//! - Times are clocks' readings, not behaviour: a non-zero `tv_nsec` or `tv_usec` becomes `NSEC` or
//!   `USEC` (what is left of a select timeout, a time read and set again), and the CPU times of a
//!   `struct rusage` or a child's siginfo are dropped whole, as are the seconds of a
//!   `TIMER_ABSTIME` deadline. Other whole
//!   seconds and zero fields stay: they are what a program asks for.
//! - The size of standard output or error in a stat of fd 1 or 2 is `SIZE`: the tool captures them
//!   in files, whose size when a program looks depends on when its other processes wrote.

use super::kernel_values::KernelValues;
pub use super::line::name;
use super::line::{result_start, split_args, Quotes};
use super::times::{stdio_sizes, sub_second_times, time_left, SELECTS};
use super::Stream;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use syscalls::abi::nr;
use syscalls::table::{self, Arg, Entry, Ret};

/// Dropped from both streams; see the module comment.
pub const ALWAYS_IGNORED: &[&str] =
    &["clock_gettime", "clock_gettime64", "gettimeofday", "time", "clock_getres", "clock_getres_time64"];

/// Dropped from both streams with replay, where the native run has no vDSO either (its time calls
/// are syscalls, and their results the ones replayed).
pub const IGNORED_WITH_REPLAY: &[&str] = &[];

/// Clock reads: with replay both sides read the same values, compared exactly (but for the
/// CPU-time clocks named by a pid, which are not replayed).
const CLOCK_READS: &[&str] = &["clock_gettime", "clock_gettime64", "gettimeofday"];

/// The calls left out of both streams.
pub fn always_ignored(replay: bool) -> &'static [&'static str] {
    if replay {
        IGNORED_WITH_REPLAY
    } else {
        ALWAYS_IGNORED
    }
}

/// Calls that create a process; their positive result is the child's pid.
const FORKS: &[&str] = &["fork", "vfork", "clone", "clone3"];

/// Hex numbers below this are values (sizes, flags), not addresses.
const LOW_ADDRESSES: u64 = 0x10000;

/// One process's calls, normalised.
#[derive(Debug, Clone)]
pub struct Process {
    /// The host pid on that side.
    pub pid: i32,
    /// Normalised calls, in order.
    pub lines: Vec<String>,
    /// How it ended, as the tracer writes it (`+++ exited with 0 +++`), if the trace says.
    pub end: Option<String>,
}

impl Process {
    /// Whether the process was killed by a signal.
    pub fn killed(&self) -> bool {
        self.end.as_deref().is_some_and(|e| e.starts_with("+++ killed by"))
    }
}

/// The decimal result of a line (`… = 123`), if it has one.
fn result(line: &str) -> Option<i64> {
    line.rsplit(" = ").next()?.trim().parse().ok()
}

/// The pids of a side in creation order, from the first process, each with its creator.
pub fn creation_order(streams: &HashMap<i32, Stream>, root: i32) -> Vec<(i32, Option<i32>)> {
    let mut order = vec![(root, None)];
    let mut seen: HashSet<i32> = [root].into();
    let mut next = 0;
    while let Some(&(pid, _)) = order.get(next) {
        next += 1;
        for line in streams.get(&pid).into_iter().flatten() {
            if !FORKS.contains(&name(line)) {
                continue;
            }
            if let Some(child) = result(line).and_then(|r| i32::try_from(r).ok()).filter(|&c| c > 0) {
                if seen.insert(child) {
                    order.push((child, Some(pid)));
                }
            }
        }
    }
    // Processes no recorded fork names (should not happen): after the others, by pid.
    let mut rest: Vec<i32> = streams.keys().copied().filter(|p| !seen.contains(p)).collect();
    rest.sort_unstable();
    order.extend(rest.into_iter().map(|p| (p, None)));
    // A created process without a stream stays: it is named, and its missing calls are a difference.
    order
}

/// Address ranges the kernel chose in one process, with their symbolic names.
#[derive(Default, Clone)]
struct Addresses {
    regions: Vec<(u64, u64, String)>,
    mappings: usize,
}

impl Addresses {
    /// The symbolic form of `value`: the innermost named range holding it (with the offset, when
    /// `offset`), else `PTR`.
    fn name(&self, value: u64, offset: bool) -> String {
        let region = self
            .regions
            .iter()
            .filter(|(base, len, _)| value >= *base && value - base < *len)
            .max_by_key(|(base, _, _)| *base);
        match region {
            Some((base, _, name)) if value == *base || !offset => name.clone(),
            Some((base, _, name)) => format!("{name}+{:#x}", value - base),
            None => "PTR".to_string(),
        }
    }

    /// A range the kernel just chose, named for the comparison.
    fn new_region(&mut self, call: &str, value: u64, len: u64) -> String {
        if call == "brk" {
            // The heap runs from the first break to the highest one seen.
            match self.regions.iter_mut().find(|(_, _, name)| name == "BRK") {
                Some((base, len, _)) if value >= *base => *len = (*len).max(value - *base + 1),
                Some(_) => {}
                None => self.regions.push((value, 1, "BRK".to_string())),
            }
            return self.name(value, true);
        }
        if self.regions.iter().any(|(base, _, _)| *base == value) {
            return self.name(value, true);
        }
        self.mappings += 1;
        let name = format!("ADDR{}", self.mappings);
        self.regions.push((value, len.max(1), name.clone()));
        name
    }
}

/// Table rows by name, for the argument kinds.
static BY_NAME: LazyLock<HashMap<&'static str, &'static Entry>> =
    LazyLock::new(|| (0..nr::NAMES.len() as u32).filter_map(table::lookup).map(|e| (e.call.name, e)).collect());

/// Whether a result is one of the kernel-internal restart codes a ptrace exit stop can show
/// (ERESTARTSYS … ERESTART_RESTARTBLOCK, 512-516): the tracee itself sees EINTR or a restarted call.
/// (`result` is what follows ` = `.)
fn restart_code(result: &str) -> bool {
    result
        .strip_prefix("-1 E??? (Unknown error ")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (512..=516).contains(&n))
}

/// Calls whose address arguments are shown with their offset into a heap or mapping.
const MEMORY_CALLS: &[&str] =
    &["brk", "mmap", "mmap2", "munmap", "mprotect", "mremap", "madvise", "msync", "mlock", "munlock"];

/// Hex numbers at or above this, where a number or an address may stand, are on the stack.
const STACK_ADDRESSES: u64 = 0xc000_0000;

/// What hex numbers in a piece of a line may be.
#[derive(Clone, Copy)]
enum AddrKind {
    /// An address (`Ptr` arguments and the like, and results shown in hex).
    Pointer,
    /// A number or an address (`Hex` arguments): only recognisable addresses are rewritten.
    Value,
    /// Never an address.
    Never,
}

#[derive(Clone, Copy)]
struct Addr {
    kind: AddrKind,
    offsets: bool,
    /// A number equal to a pid may be that pid (not a length, a size, flags or an address: a
    /// 16384-byte mmap in a process whose pid is 16384 stays a length).
    pids: bool,
}

/// The state of one side's rewriting: symbols handed out so far.
struct Rewriter<'a> {
    pids: &'a HashMap<String, String>,
    addresses: Addresses,
    ports: HashMap<String, String>,
}

impl Rewriter<'_> {
    /// Rewrite the numbers in `text`: pids (also inside strings, as in "/proc/123/exe"), ports the
    /// kernel may pick, and, where `addresses` is set, hex addresses.
    fn numbers(&mut self, text: &str, addresses: Addr, out: &mut String) {
        let bytes = text.as_bytes();
        let (mut quotes, mut i) = (Quotes::default(), 0);
        while i < bytes.len() {
            let b = bytes[i];
            let starts_token = b.is_ascii_digit()
                && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'\\'));
            if starts_token {
                let end = bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map_or(bytes.len(), |n| i + n);
                let token = &text[i..end];
                // A sigval's int is its pointer as a signed decimal (`sival_int=134660128,
                // sival_ptr=0x806c420`; a stack address is negative).
                let before = &text[..i];
                let negative = before.ends_with('-');
                let int_of_pointer =
                    ["sival_int=", "si_int="].iter().any(|k| before.trim_end_matches('-').ends_with(k));
                let value = token.parse::<u32>().ok().map(|v| u64::from(if negative { v.wrapping_neg() } else { v }));
                if let Some(v) = value.filter(|&v| int_of_pointer && v >= LOW_ADDRESSES) {
                    if negative {
                        out.pop();
                    }
                    out.push_str(&self.addresses.name(v, false));
                    i = end;
                    continue;
                }
                out.push_str(&self.token(token, quotes.quoted(), addresses, text[..i].ends_with("htons(")));
                i = end;
                continue;
            }
            quotes.inside(b);
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[i..i + len]);
            i += len;
        }
    }

    fn token(&mut self, token: &str, quoted: bool, addresses: Addr, port: bool) -> String {
        if let Some(pid) = self.pids.get(token).filter(|_| addresses.pids) {
            return pid.clone();
        }
        if quoted {
            return token.to_string();
        }
        if port && token.parse::<u32>().is_ok_and(|p| p >= 1024) {
            let n = self.ports.len() + 1;
            return self.ports.entry(token.to_string()).or_insert_with(|| format!("PORT{n}")).clone();
        }
        if let Some(v) = token.strip_prefix("0x").and_then(|h| u64::from_str_radix(h, 16).ok()) {
            // Only where a pid may go, as for decimal numbers: mmap2's page offset 0x21b is not
            // pid 539.
            if let Some(pid) = self.pids.get(&v.to_string()).filter(|_| addresses.pids) {
                return pid.clone();
            }
            let inside = self.addresses.name(v, addresses.offsets);
            match addresses.kind {
                AddrKind::Pointer if v >= LOW_ADDRESSES => return inside,
                AddrKind::Value if inside != "PTR" || v >= STACK_ADDRESSES => return inside,
                _ => {}
            }
        }
        token.to_string()
    }

    /// A CPU-time clock id that names a process or thread (`0xffff4a3a /* CLOCK_??? */`, from
    /// clock_getcpuclockid: `~pid << 3 | which`, CPUCLOCK_PID in the kernel), as
    /// `CPUCLOCK(PIDn, which)`.
    fn cpu_clock(&self, arg: &str) -> Option<String> {
        let hex = arg.strip_suffix(" /* CLOCK_??? */")?.strip_prefix("0x")?;
        let id = u32::from_str_radix(hex, 16).ok()? as i32;
        let pid = !(id >> 3);
        (id < 0).then(|| self.pids.get(&pid.to_string()).map(|p| format!("CPUCLOCK({p}, {})", id & 7))).flatten()
    }

    /// Rewrite one line: pids, ports and addresses become symbols.
    fn line(&mut self, line: &str) -> String {
        let call = name(line);
        let entry = BY_NAME.get(call).copied();
        let result_at = result_start(line);
        let open = call.len() + 1;
        let mut out = String::with_capacity(line.len());
        let args = (result_at >= open + 4 && line.get(result_at - 4..result_at) == Some(") = "))
            .then(|| line.get(open..result_at - 4))
            .flatten();
        // Offsets inside a heap or mapping are kept where they are the point (the memory calls);
        // elsewhere a pointer into the heap is just that, wherever malloc put it.
        let offsets = MEMORY_CALLS.contains(&call);
        let pointer = Addr { kind: AddrKind::Pointer, offsets, pids: true };
        let Some(args) = args else {
            // Not a call line: numbers only, addresses everywhere.
            self.numbers(line, pointer, &mut out);
            return out;
        };
        let result = &line[result_at..];
        let hex = result.strip_prefix("0x").and_then(|h| u64::from_str_radix(h, 16).ok());
        // A new break first, so that the argument asking for it reads as inside the heap.
        let new_break = match (call, hex) {
            ("brk", Some(v)) => Some(self.addresses.new_region(call, v, 0)),
            _ => None,
        };
        out.push_str(&line[..open]);
        for (i, arg) in split_args(args).into_iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if let Some(clock) = (i == 0 && call.starts_with("clock_")).then(|| self.cpu_clock(arg)).flatten() {
                out.push_str(&clock);
                continue;
            }
            // The tracer leaves out the arguments strace does not show on their own.
            let shown = entry.and_then(|e| e.call.args.iter().filter(|k| !matches!(k, Arg::Skip)).nth(i));
            let kind = match shown {
                Some(kind) => addr_kind(kind),
                None => AddrKind::Pointer,
            };
            let pids = !offsets && shown.is_none_or(may_hold_pid);
            let addresses = Addr { kind, offsets, pids };
            self.numbers(arg, addresses, &mut out);
        }
        out.push_str(") = ");
        let value: Option<i64> = result.split(' ').next().and_then(|v| v.parse().ok());
        if let Some(name) = new_break {
            out.push_str(&name);
            return out;
        }
        match (call, hex) {
            ("mmap" | "mmap2", Some(v)) => {
                let len = split_args(args).get(1).and_then(|l| l.parse().ok()).unwrap_or(4096);
                out.push_str(&self.addresses.new_region(call, v, len));
            }
            // The restored %eax, whatever the interrupted code had there.
            ("sigreturn" | "rt_sigreturn", _) => out.push('?'),
            // Clock ticks since boot.
            ("times", _) if value.is_some_and(|v| v >= 0) => out.push_str("TICKS"),
            _ if restart_code(result) => out.push_str("-1 EINTR (Interrupted system call)"),
            _ => {
                let kind = if matches!(entry, Some(e) if e.call.ret != Ret::Hex) {
                    AddrKind::Never
                } else {
                    AddrKind::Pointer
                };
                let pids = PID_RESULTS.contains(&call);
                self.numbers(result, Addr { kind, offsets, pids }, &mut out);
            }
        }
        out
    }
}

/// One side's streams, in creation order and normalised; calls named in `ignore` (and
/// [`ALWAYS_IGNORED`]) are left out.
pub fn normalize(streams: &HashMap<i32, Stream>, root: i32, ignore: &HashSet<String>, replay: bool) -> Vec<Process> {
    let order = creation_order(streams, root);
    let pids: HashMap<String, String> =
        order.iter().enumerate().map(|(i, (pid, _))| (pid.to_string(), format!("PID{}", i + 1))).collect();
    let mut rewriter = Rewriter { pids: &pids, addresses: Addresses::default(), ports: HashMap::new() };
    let mut kernel_values = KernelValues::default();
    let threaded = threaded(streams, &order);
    // Each process starts with its creator's address space (as the creator's stream ends).
    let mut spaces: HashMap<i32, Addresses> = HashMap::new();
    let mut out = Vec::new();
    for (n, (pid, parent)) in order.iter().enumerate() {
        rewriter.addresses = parent.and_then(|p| spaces.get(&p)).cloned().unwrap_or_default();
        kernel_values.created(*pid, *parent);
        let in_threads = threaded.contains(pid);
        let mut lines = Vec::new();
        let mut end = None;
        let stream = streams.get(pid).map_or(&[][..], Vec::as_slice);
        for (i, line) in stream.iter().enumerate() {
            if line == syscalls::trace::START_LINE {
                // A new program: a new heap.
                rewriter.addresses.regions.retain(|(_, _, name)| name != "BRK");
                continue;
            }
            if line.starts_with("+++") {
                end = Some(line.clone());
                continue;
            }
            let call = name(line);
            if n > 0 && i == 0 && FORKS.contains(&call) && result(line) == Some(0) {
                continue;
            }
            // A call a signal interrupted that the kernel then restarted without running a
            // handler (a stop signal, an ignored one: no rt_sigreturn comes between), or that a
            // fatal signal ended: the tracee never returns from it, so the emulator shows nothing.
            let next = stream.get(i + 1).filter(|l| !l.starts_with("+++"));
            if restart_code(&line[result_start(line)..]) && next.is_none_or(|l| name(l) == call) {
                continue;
            }
            if always_ignored(replay).contains(&call) || ignore.contains(call) {
                continue;
            }
            // Which futex calls a thread makes, and what they answer, is the scheduler's doing.
            if in_threads && THREAD_SCHEDULING.contains(&call) {
                continue;
            }
            // clone3 answered ENOSYS and glibc falling back to clone is what a kernel without
            // clone3 (before 5.3) does: both read as one `clone3|clone(…)` with the result.
            let fallback = call == "clone3" && line.ends_with("= -1 ENOSYS (Function not implemented)");
            let next_is_clone = stream.get(i + 1).is_some_and(|l| name(l) == "clone");
            if fallback && next_is_clone {
                continue;
            }
            let after_fallback = call == "clone"
                && i > 0
                && stream
                    .get(i - 1)
                    .is_some_and(|l| name(l) == "clone3" && l.ends_with("= -1 ENOSYS (Function not implemented)"));
            let rewritten = rewriter.line(line);
            // Not the CPU-time clocks of a pid or thread (ids shown in hex): they are not replayed.
            let exact = replay && CLOCK_READS.contains(&call) && !line[call.len() + 1..].starts_with("0x");
            let rewritten = kernel_values.line(*pid, line, rewritten, &pids, &mut rewriter.ports);
            let mut text = stdio_sizes(&if exact { rewritten } else { sub_second_times(&rewritten) });
            if SELECTS.contains(&call) && result(line).is_some_and(|r| r > 0) {
                text = time_left(&text);
            }
            if (call == "clone3" && !fallback) || after_fallback {
                text = format!("clone3|clone(…) = {}", &text[result_start(&text)..]);
            }
            // A call repeated back to back in a thread group: a loop waiting for another thread,
            // as many times as the scheduler made it go round.
            if in_threads && lines.last() == Some(&text) {
                continue;
            }
            lines.push(text);
        }
        spaces.insert(*pid, rewriter.addresses.clone());
        out.push(Process { pid: *pid, lines, end });
    }
    out
}

/// Left out of the streams of a process with threads ([`threaded`]): whether a futex call waits,
/// finds the word changed (EAGAIN) or wakes anybody depends on how the threads were scheduled.
/// So are the sleeps of a loop waiting for another thread (how often it goes round, whether a
/// signal cuts a sleep short and it is restarted).
const THREAD_SCHEDULING: &[&str] = &[
    "futex",
    "futex_time64",
    "futex_waitv",
    "futex_wake",
    "futex_wait",
    "futex_requeue",
    "nanosleep",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "restart_syscall",
    "sched_yield",
];

/// The pids of the tasks that share their thread group with another (created with CLONE_THREAD,
/// or creating such a task).
fn threaded(streams: &HashMap<i32, Stream>, order: &[(i32, Option<i32>)]) -> HashSet<i32> {
    let mut group: HashMap<i32, i32> = HashMap::new();
    let mut size: HashMap<i32, usize> = HashMap::new();
    for &(pid, parent) in order {
        let thread =
            parent.is_some_and(|p| {
                streams.get(&p).into_iter().flatten().any(|l| {
                    FORKS.contains(&name(l)) && result(l) == Some(i64::from(pid)) && l.contains("CLONE_THREAD")
                })
            });
        let leader = match (thread, parent) {
            (true, Some(p)) => group.get(&p).copied().unwrap_or(p),
            _ => pid,
        };
        group.insert(pid, leader);
        *size.entry(leader).or_default() += 1;
    }
    group.into_iter().filter(|(_, leader)| size.get(leader).is_some_and(|&n| n > 1)).map(|(pid, _)| pid).collect()
}

/// Where an argument of this kind may show an address: kinds shown as a number never do; every
/// kind that points at memory does (as an address when the call failed or the pointer is bad,
/// and inside decoded structs that hold pointers).
/// Calls whose result is a pid (or a tid).
const PID_RESULTS: &[&str] = &[
    "fork",
    "vfork",
    "clone",
    "clone3",
    "getpid",
    "gettid",
    "getppid",
    "getpgid",
    "getpgrp",
    "getsid",
    "setsid",
    "wait4",
    "waitpid",
    "set_tid_address",
    "fcntl",
    "fcntl64",
];

/// Whether an argument of this kind may hold a pid: not one that is a length, a count, flags, a
/// mode or an offset (text a program writes may: it prints its pid).
fn may_hold_pid(kind: &Arg) -> bool {
    let kind = match kind {
        Arg::Out(inner) => inner,
        _ => kind,
    };
    // Resource limits are sizes and counts (a stack limit of 8192 KiB is not pid 8192); a stat
    // holds inode numbers and sizes, and a time its (micro- or nano)seconds, any of which can
    // equal one side's pid and not the other's.
    if let Arg::Rlimit
    | Arg::Rlimit64
    | Arg::Stat64
    | Arg::Statx
    | Arg::Timespec
    | Arg::Timespec64
    | Arg::Timeval
    | Arg::Itimerval
    | Arg::Itimerspec
    | Arg::Itimerspec64 = kind
    {
        return false;
    }
    !matches!(
        kind,
        Arg::Uint
            | Arg::Hex
            | Arg::OpenFlags
            | Arg::Mode
            | Arg::OpenMode
            | Arg::Flags(_)
            | Arg::MemfdFlags(_)
            | Arg::Off64
            | Arg::Off64Hi
            | Arg::StatxFlags
            | Arg::StatxMask
    )
}

fn addr_kind(kind: &Arg) -> AddrKind {
    match kind {
        Arg::Int
        | Arg::Uint
        | Arg::Fd
        | Arg::DirFd
        | Arg::OpenFlags
        | Arg::Mode
        | Arg::OpenMode
        | Arg::Flags(_)
        | Arg::Enum(_)
        | Arg::SockType
        | Arg::SockProto(_)
        | Arg::SockLevel
        | Arg::SockOptName(_)
        | Arg::Signal
        | Arg::StatxFlags
        | Arg::StatxMask
        | Arg::Off64
        | Arg::Off64Hi
        | Arg::Skip
        | Arg::SigreturnMask { .. }
        | Arg::MemfdFlags(_)
        | Arg::IoctlReq(_) => AddrKind::Never,
        // ioctl, fcntl and prctl arguments: a number or a pointer.
        Arg::Hex | Arg::FcntlArg | Arg::IoctlArg => AddrKind::Value,
        _ => AddrKind::Pointer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(lines: &[(i32, &str)]) -> HashMap<i32, Stream> {
        let mut map: HashMap<i32, Stream> = HashMap::new();
        for (pid, line) in lines {
            map.entry(*pid).or_default().push(line.to_string());
        }
        map
    }

    /// A length, a count or a result that is not a pid stays a number even when it equals a pid
    /// (a process whose pid is 16384 maps 16384 bytes and reads 16384 of them).
    #[test]
    fn numbers_equal_to_a_pid_stay_numbers_where_no_pid_goes() {
        let streams = side(&[
            (16384, "mmap2(NULL, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xf7ff0000"),
            (16384, "read(3, \"16384\", 16384) = 16384"),
            (16384, "kill(16384, SIGUSR1) = 0"),
            (16384, "getpid() = 16384"),
        ]);
        let out = normalize(&streams, 16384, &HashSet::new(), false);
        assert_eq!(
            out[0].lines,
            [
                "mmap2(NULL, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ADDR1",
                "read(3, \"PID1\", 16384) = 16384",
                "kill(PID1, SIGUSR1) = 0",
                "getpid() = PID1",
            ]
        );
    }

    #[test]
    fn hex_numbers_equal_to_a_pid_stay_numbers_where_no_pid_goes() {
        let streams = side(&[
            (539, "mmap2(0xf7d1b000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x21b) = 0xf7d1b000"),
            (539, "kill(539, SIGUSR1) = 0"),
        ]);
        let out = normalize(&streams, 539, &HashSet::new(), false);
        assert!(out[0].lines[0].ends_with(", 3, 0x21b) = ADDR1"), "{}", out[0].lines[0]);
        assert_eq!(out[0].lines[1], "kill(PID1, SIGUSR1) = 0");
    }

    #[test]
    fn inode_numbers_and_nanoseconds_equal_to_a_pid_stay_numbers() {
        let streams = side(&[
            (30123, "fstat64(3, {st_mode=S_IFREG|0644, st_ino=30123, st_size=2, ...}) = 0"),
            (30123, "nanosleep({tv_sec=0, tv_nsec=30123}, NULL) = 0"),
            (30123, "getpid() = 30123"),
        ]);
        let out = normalize(&streams, 30123, &HashSet::new(), false);
        assert_eq!(out[0].lines[0], "fstat64(3, {st_mode=S_IFREG|0644, st_ino=30123, st_size=2, ...}) = 0");
        assert!(!out[0].lines[1].contains("PID"), "{}", out[0].lines[1]);
        assert_eq!(out[0].lines[2], "getpid() = PID1");
    }

    #[test]
    fn addresses_and_pids_become_symbols() {
        let streams = side(&[
            (500, "brk(NULL) = 0x80f2000"),
            (500, "+++ exited with 0 +++"),
            (500, "brk(0x8113880) = 0x8113880"),
            (500, "mmap2(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xf7ff0000"),
            (500, "munmap(0xf7ff1000, 4096) = 0"),
            (500, "read(0, 0xffd01234, 4) = -1 EFAULT (Bad address)"),
            (500, "write(1, \"0x123456 500\", 12) = 12"),
            (500, "fork() = 501"),
            (500, "wait4(501, 0xffd0, 0x0, NULL) = 501"),
            (501, "fork() = 0"),
            (501, "getpid() = 501"),
        ]);
        let out = normalize(&streams, 500, &HashSet::new(), false);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].lines,
            [
                "brk(NULL) = BRK",
                "brk(BRK+0x21880) = BRK+0x21880",
                "mmap2(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ADDR1",
                "munmap(ADDR1+0x1000, 4096) = 0",
                "read(0, PTR, 4) = -1 EFAULT (Bad address)",
                "write(1, \"0x123456 PID1\", 12) = 12",
                "fork() = PID2",
                "wait4(PID2, 0xffd0, 0x0, NULL) = PID2",
            ]
        );
        assert_eq!(out[1].lines, ["getpid() = PID2"]);
    }

    #[test]
    fn a_sigvals_int_is_its_pointer() {
        let streams = side(&[
            (9, "brk(NULL) = 0x80f2000"),
            (9, "mq_notify(3, {sigev_value={sival_int=-11832, sival_ptr=0xffffd1c8}, sigev_signo=SIGFPE, sigev_notify=SIGEV_THREAD, sigev_notify_function=NULL, sigev_notify_attributes=NULL}) = 0"),
            (9, "rt_sigtimedwait([USR1], {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=9, si_uid=0, si_int=135208976, si_ptr=0x80f2010}, NULL, 8) = 10 (SIGUSR1)"),
            (9, "rt_sigqueueinfo(9, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, si_int=42, si_ptr=0x2a}) = 0"),
        ]);
        let out = normalize(&streams, 9, &HashSet::new(), false);
        assert_eq!(
            out[0].lines,
            [
                "brk(NULL) = BRK",
                "mq_notify(3, {sigev_value={sival_int=PTR, sival_ptr=PTR}, sigev_signo=SIGFPE, sigev_notify=SIGEV_THREAD, sigev_notify_function=NULL, sigev_notify_attributes=NULL}) = 0",
                "rt_sigtimedwait([USR1], {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=PID1, si_uid=0, si_int=PTR, si_ptr=PTR}, NULL, 8) = 10 (SIGUSR1)",
                "rt_sigqueueinfo(PID1, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, si_int=42, si_ptr=0x2a}) = 0",
            ]
        );
    }

    #[test]
    fn cpu_clocks_of_a_pid_name_it() {
        // clock_getcpuclockid(1234): ~1234 << 3 | 2.
        let id = ((!1234i32) << 3 | 2) as u32;
        let streams = side(&[(1234, &format!("clock_gettime({id:#x} /* CLOCK_??? */, {{tv_sec=0, tv_nsec=5}}) = 0"))]);
        let out = normalize(&streams, 1234, &HashSet::new(), true);
        assert_eq!(out[0].lines, ["clock_gettime(CPUCLOCK(PID1, 2), {tv_sec=0, tv_nsec=NSEC}) = 0"]);
    }

    #[test]
    fn ignored_calls_are_left_out() {
        let streams = side(&[(7, "time(NULL) = 1700000000"), (7, "uname(0x1) = 0"), (7, "close(3) = 0")]);
        let ignore: HashSet<String> = ["uname".to_string()].into();
        assert_eq!(normalize(&streams, 7, &ignore, false)[0].lines, ["close(3) = 0"]);
        let streams =
            side(&[(7, "time(NULL) = 1700000000"), (7, "clock_gettime(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=8}) = 0")]);
        assert!(normalize(&streams, 7, &ignore, false)[0].lines.is_empty());
        // With replay the time calls stay, the clock readings exact.
        assert_eq!(
            normalize(&streams, 7, &ignore, true)[0].lines,
            ["time(NULL) = 1700000000", "clock_gettime(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=8}) = 0"]
        );
    }
}
