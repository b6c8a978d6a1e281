//! The native side of `emu386 diff`: the program runs on this host (which runs i386 code) under
//! ptrace, and every syscall of every process it creates is formatted by the emulator's own tracer
//! (`syscalls::trace::format_call`), reading arguments through [`PtraceMemory`].
//!
//! The tracer is x86-64, the tracee i386: registers come through the 64-bit `user_regs_struct`
//! (`orig_rax` is the number, `rbx rcx rdx rsi rdi rbp` the arguments, `rax` the result). A call is
//! formatted at its exit stop, from memory as it is then, as the emulator formats it after its
//! handler ran; a call that does not return (exit, exit_group) at its entry stop. A successful
//! execve shows as nothing (the emulator's tracer cannot show it either): the new program's calls
//! follow in the same stream. A process that executes a non-i386 program is let go.

use super::{Outcome, Stream};
use crate::host::ptrace::{self, Request};
use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::io::Read;
use std::os::fd::AsFd;
use syscalls::abi::nr;
use syscalls::mem::{Backing, GuestMemory, MapError, Prot};
use syscalls::replay::{Event, Kind};
use syscalls::table::{lookup, Args, Ret};
use syscalls::trace::{before, format_call, format_unknown, Before, TraceMemory};
use syscalls::Errno;

/// Why the program cannot be compared natively.
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    #[error("cannot start the program natively: {0}")]
    Spawn(std::io::Error),
    #[error("ptrace is not permitted here: {0}")]
    Ptrace(std::io::Error),
    #[error("the program does not run natively here: execve: {0}")]
    Exec(std::io::Error),
}

/// What the native run saw: one stream per process, the first process's pid, its end, and (with
/// replay) the inputs each process received, with the number of the program (exec generation)
/// that received them.
pub struct NativeRun {
    pub streams: HashMap<i32, Stream>,
    pub root: i32,
    pub outcome: Outcome,
    pub inputs: HashMap<i32, Vec<(u32, Event)>>,
}

/// The standard streams of the run.
pub struct Stdio {
    pub stdin: File,
    pub stdout: File,
    pub stderr: File,
}

/// Another process's memory, read with process_vm_readv.
pub struct PtraceMemory {
    pid: i32,
}

impl TraceMemory for PtraceMemory {
    fn read_prefix(&self, addr: u32, max: usize) -> Cow<'_, [u8]> {
        Cow::Owned(ptrace::read_memory(self.pid, addr, max))
    }
}

/// A few bytes of another process's memory, enough for `socketcall::unpack`, which wants a
/// [`GuestMemory`]: everything but reading them fails.
struct Snapshot {
    addr: u32,
    bytes: Vec<u8>,
}

impl GuestMemory for Snapshot {
    fn slice(&self, addr: u32, len: usize) -> Result<&[u8], Errno> {
        if addr == self.addr {
            self.bytes.get(..len).ok_or(Errno::FAULT)
        } else {
            Err(Errno::FAULT)
        }
    }
    fn slice_mut(&mut self, _addr: u32, _len: usize) -> Result<&mut [u8], Errno> {
        Err(Errno::FAULT)
    }
    fn host_range(&self, _addr: u32, _len: usize, _access: Prot) -> Result<*mut u8, Errno> {
        Err(Errno::FAULT)
    }
    fn readable_prefix(&self, addr: u32, max: usize) -> &[u8] {
        let len = self.bytes.len().min(max);
        if addr == self.addr {
            &self.bytes[..len]
        } else {
            &[]
        }
    }
    fn map(&mut self, _addr: u32, _len: u32, _prot: Prot, _backing: Backing) -> Result<(), MapError> {
        Err(Errno::NOMEM.into())
    }
    fn unmap(&mut self, _addr: u32, _len: u32) -> Result<(), Errno> {
        Err(Errno::INVAL)
    }
    fn protect(&mut self, _addr: u32, _len: u32, _prot: Prot) -> Result<(), Errno> {
        Err(Errno::INVAL)
    }
    fn set_gdt_entry(&mut self, _index: u32, _desc: u64) {}
    fn gdt_entry(&self, _index: u32) -> u64 {
        0
    }
}

/// One call as the emulator's tracer shows it (`table::dispatch`): socketcall as the call it
/// performs, unknown numbers with six hex arguments; `before` is what was read at its entry stop.
fn format(pid: i32, number: u32, args: &Args, value: Option<u32>, before: &Before) -> String {
    let mem = PtraceMemory { pid };
    let entry = lookup(number);
    let unpacked = (number == nr::socketcall)
        .then(|| {
            let snapshot = Snapshot { addr: args[1], bytes: mem.read_prefix(args[1], 24).into_owned() };
            syscalls::table::traced_socketcall(&snapshot, args)
        })
        .flatten();
    match (entry, unpacked) {
        (_, Some((e, direct_args))) => format_call(&e.call, &direct_args, &mem, value, before),
        (Some(e), None) => format_call(&e.call, args, &mem, value, before),
        (None, None) => format_unknown(number, args, value),
    }
}

/// Where a traced process is.
enum Pending {
    /// Between calls.
    Idle,
    /// Inside this call (number, arguments, what the tracer read at its entry).
    Call(u32, Args, Before),
    /// Inside a successful execve: its exit stop shows nothing.
    SkipExit,
}

struct Proc {
    stream: Stream,
    pending: Pending,
    /// The line of an execve in progress, formatted at its entry (the arguments are gone once it
    /// succeeds), as the emulator writes it just before the exec happens.
    exec_line: Option<String>,
    /// Running an i386 program that is being recorded (the first process is a copy of us until
    /// its execve).
    started: bool,
    /// Waiting for the SIGSTOP a new tracee starts with.
    fresh: bool,
    /// Programs executed before the current one (the exec generation).
    generation: u32,
    /// Inputs recorded for replay, with their generation.
    inputs: Vec<(u32, Event)>,
    /// Executed a host program, which is let go at its next stop.
    host_program: bool,
}

impl Proc {
    fn new(started: bool) -> Proc {
        Proc {
            stream: Vec::new(),
            pending: Pending::Idle,
            exec_line: None,
            started,
            fresh: true,
            generation: 0,
            inputs: Vec::new(),
            host_program: false,
        }
    }

    fn record(&mut self, kind: Kind, key: Vec<u32>, ret: u32, data: Vec<u8>) {
        self.inputs.push((self.generation, Event { kind, key, ret, data }));
    }
}

/// Resume until the next syscall stop, delivering `signal`. A tracee that died meanwhile (ESRCH)
/// is reported by waitpid.
fn resume(pid: i32, signal: i32) {
    let _ = ptrace::request(Request::Syscall, pid, signal as usize);
}

/// Whether the program `pid` now runs is a 32-bit ELF file.
fn runs_elf32(pid: i32) -> bool {
    let mut head = [0u8; 5];
    File::open(format!("/proc/{pid}/exe")).and_then(|mut f| f.read_exact(&mut head)).is_ok()
        && head[..4] == *b"\x7fELF"
        && head[4] == 1
}

/// Run the program natively under ptrace to its end; with `replay`, record its nondeterministic
/// inputs (see [`syscalls::replay`]): the vDSO is hidden from it (AT_SYSINFO_EHDR becomes
/// AT_IGNORE) so that its clock reads are syscalls, and rdtsc faults (PR_SET_TSC, inherited across
/// fork and execve) so that the tracer reads the counter for it.
pub fn run(
    program: &CString,
    argv: &[CString],
    envp: &[CString],
    stdio: Stdio,
    replay: bool,
) -> Result<NativeRun, NativeError> {
    let (root, report) = spawn(program, argv, envp, stdio, replay)?;
    let mut procs: HashMap<i32, Proc> = HashMap::new();
    procs.insert(root, Proc::new(false));
    let outcome = trace(root, &mut procs, replay)?;
    if let Some(err) = child_failure(report) {
        return Err(err);
    }
    let inputs = procs.iter_mut().map(|(pid, p)| (*pid, std::mem::take(&mut p.inputs))).collect();
    let streams = procs.into_iter().filter(|(_, p)| !p.stream.is_empty()).map(|(pid, p)| (pid, p.stream)).collect();
    Ok(NativeRun { streams, root, outcome, inputs })
}

/// Fork the process that becomes the program ([`exec_child`]); its pid and the read end of the
/// pipe on which it reports a step that failed before the execve.
fn spawn(
    program: &CString,
    argv: &[CString],
    envp: &[CString],
    stdio: Stdio,
    replay: bool,
) -> Result<(i32, File), NativeError> {
    // The child reports a failed step here as [step, errno...]; exec closes it.
    let (report_r, report_w) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(|e| NativeError::Spawn(e.into()))?;
    let tracee = ptrace::Tracee {
        program,
        argv,
        envp,
        stdio: [stdio.stdin.as_fd(), stdio.stdout.as_fd(), stdio.stderr.as_fd()],
        report: report_w.as_fd(),
        replay,
    };
    let root = ptrace::fork_traced(&tracee).map_err(NativeError::Spawn)?;
    drop(report_w);
    drop(stdio);
    Ok((root, File::from(report_r)))
}

/// Wait for the stops of every traced process and answer them until none is left; how the first
/// process (`root`) ended.
fn trace(root: i32, procs: &mut HashMap<i32, Proc>, replay: bool) -> Result<Outcome, NativeError> {
    let mut outcome = Outcome::Exited(127);
    loop {
        let (pid, status) = match ptrace::wait_all(-1) {
            Ok(stop) => stop,
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            Err(_) => break,
        };
        let proc = procs.entry(pid).or_insert_with(|| Proc::new(true));
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            let end = if libc::WIFEXITED(status) {
                Outcome::Exited(libc::WEXITSTATUS(status))
            } else {
                Outcome::Killed(libc::WTERMSIG(status))
            };
            if proc.started {
                proc.stream.push(end.trace_line());
            }
            if pid == root {
                outcome = end;
            }
            continue;
        }
        if libc::WIFSTOPPED(status) {
            stopped(pid, proc, status, pid == root, replay)?;
        }
    }
    Ok(outcome)
}

/// Answer one ptrace stop of `pid` (wait status `status`) and resume it, or let it go.
fn stopped(pid: i32, proc: &mut Proc, status: i32, root: bool, replay: bool) -> Result<(), NativeError> {
    let signal = libc::WSTOPSIG(status);
    let event = status >> 16;
    if signal == libc::SIGTRAP | 0x80 && proc.host_program {
        enable_tsc(pid);
        let _ = ptrace::request(Request::Detach, pid, 0);
    } else if signal == libc::SIGTRAP | 0x80 {
        if proc.started {
            syscall_stop(pid, proc, replay);
        }
        resume(pid, 0);
    } else if event != 0 {
        event_stop(pid, proc, event, replay);
    } else if signal == libc::SIGSTOP && proc.fresh {
        proc.fresh = false;
        if root {
            let options = libc::PTRACE_O_TRACESYSGOOD
                | libc::PTRACE_O_TRACEFORK
                | libc::PTRACE_O_TRACEVFORK
                | libc::PTRACE_O_TRACECLONE
                | libc::PTRACE_O_TRACEEXEC
                | libc::PTRACE_O_EXITKILL;
            if let Err(e) = ptrace::request(Request::SetOptions, pid, options as usize) {
                // Our own child.
                let _ = crate::host::process::kill(pid, libc::SIGKILL);
                return Err(NativeError::Ptrace(e));
            }
        }
        resume(pid, 0);
    } else if replay && signal == libc::SIGSEGV && proc.started && emulate_tsc(pid, proc) {
        resume(pid, 0);
    } else {
        // A signal for the tracee: deliver it.
        resume(pid, signal);
    }
    Ok(())
}

/// A ptrace event stop (fork, clone, exec): an execve of an i386 program starts a new recorded
/// program; one of a host program lets the process go.
fn event_stop(pid: i32, proc: &mut Proc, event: i32, replay: bool) {
    if event == libc::PTRACE_EVENT_EXEC {
        if let Some(line) = proc.exec_line.take().filter(|_| proc.started) {
            proc.stream.push(line);
        }
        if runs_elf32(pid) {
            if proc.started {
                proc.generation += 1;
            }
            if replay {
                hide_vdso(pid, proc);
            }
            proc.started = true;
            proc.stream.push(syscalls::trace::START_LINE.to_string());
            proc.pending = Pending::SkipExit;
        } else {
            // Not i386 (a host program): not compared, as the emulator does not trace it.
            proc.started = false;
            if replay {
                // It inherited the trapping rdtsc, which nothing would answer once it is
                // let go: that is undone at the execve's exit stop, where its registers
                // are no longer the syscall's.
                proc.host_program = true;
                resume(pid, 0);
                return;
            }
            let _ = ptrace::request(Request::Detach, pid, 0);
            return;
        }
    }
    resume(pid, 0);
}

/// The step that failed in the child before its execve, as it reported it (nothing once the
/// execve closed the pipe).
fn child_failure(mut report: File) -> Option<NativeError> {
    let mut msg = Vec::new();
    let _ = report.read_to_end(&mut msg);
    let [step, a, b, c, d] = msg[..] else {
        return None;
    };
    let err = std::io::Error::from_raw_os_error(i32::from_le_bytes([a, b, c, d]));
    Some(match step {
        0 => NativeError::Spawn(err),
        1 => NativeError::Ptrace(err),
        _ => NativeError::Exec(err),
    })
}

/// A syscall entry or exit stop of a recorded process.
fn syscall_stop(pid: i32, proc: &mut Proc, replay: bool) {
    let Ok(regs) = ptrace::get_regs(pid) else { return };
    match std::mem::replace(&mut proc.pending, Pending::Idle) {
        Pending::Idle => {
            let number = regs.orig_rax as u32;
            let args = [regs.rbx, regs.rcx, regs.rdx, regs.rsi, regs.rdi, regs.rbp].map(|r| r as u32);
            // As the emulator's dispatcher reads it when the call starts.
            let at_entry = lookup(number)
                .map(|e| before(&e.call, &args, regs.rsp as u32, &PtraceMemory { pid }))
                .unwrap_or_default();
            if lookup(number).is_some_and(|e| e.call.ret == Ret::NoReturn) {
                proc.stream.push(format(pid, number, &args, None, &at_entry));
            }
            proc.exec_line =
                matches!(number, nr::execve | nr::execveat).then(|| format(pid, number, &args, Some(0), &at_entry));
            proc.pending = Pending::Call(number, args, at_entry);
        }
        Pending::Call(number, args, at_entry) => {
            if !lookup(number).is_some_and(|e| e.call.ret == Ret::NoReturn) {
                let line = format(pid, number, &args, Some(regs.rax as u32), &at_entry);
                proc.stream.push(line);
            }
            if replay {
                record_input(pid, proc, number, &args, regs.rax as u32);
            }
        }
        Pending::SkipExit => {}
    }
}

/// `n` bytes of the tracee's memory at `addr`, if all are readable.
fn peek(pid: i32, addr: u32, n: usize) -> Option<Vec<u8>> {
    let bytes = PtraceMemory { pid }.read_prefix(addr, n).into_owned();
    (bytes.len() == n).then_some(bytes)
}

/// Record what a call that succeeded handed the program, as the emulated side asks for it
/// (syscalls/src/sys/info.rs getrandom, syscalls/src/sys/time.rs): the same calls, keys and bytes.
fn record_input(pid: i32, proc: &mut Proc, number: u32, args: &Args, ret: u32) {
    let failed = ret >= (-4095i32) as u32;
    match number {
        nr::getrandom if !failed && ret > 0 => {
            if let Some(data) = peek(pid, args[0], ret as usize) {
                proc.record(Kind::Random, vec![args[1], args[2]], ret, data);
            }
        }
        nr::clock_gettime | nr::clock_gettime64 if ret == 0 && (args[0] as i32) >= 0 => {
            let len = if number == nr::clock_gettime { 8 } else { 16 };
            if let Some(data) = peek(pid, args[1], len) {
                proc.record(Kind::Clock, vec![number, args[0]], ret, data);
            }
        }
        nr::gettimeofday if ret == 0 && args[0] != 0 => {
            if let Some(data) = peek(pid, args[0], 8) {
                proc.record(Kind::Clock, vec![number], ret, data);
            }
        }
        nr::time if !failed => {
            let data = if args[0] != 0 { peek(pid, args[0], 4) } else { Some(Vec::new()) };
            if let Some(data) = data {
                proc.record(Kind::Clock, vec![number], ret, data);
            }
        }
        _ => {}
    }
}

/// auxv types (linux/auxvec.h).
const AT_NULL: u32 = 0;
const AT_IGNORE: u32 = 1;
const AT_RANDOM: u32 = 25;
const AT_SYSINFO_EHDR: u32 = 33;

/// At the exec stop of a new i386 program: turn its AT_SYSINFO_EHDR into AT_IGNORE (glibc then
/// finds no vDSO and reads clocks with syscalls the tracer sees) and record its AT_RANDOM bytes.
/// The initial stack is argc, argv[], NULL, envp[], NULL, then the (type, value) pairs.
fn hide_vdso(pid: i32, proc: &mut Proc) {
    if let Some((start, end)) = vdso_range(pid) {
        let data = [start.to_le_bytes(), end.to_le_bytes()].concat();
        proc.record(Kind::Vdso, Vec::new(), 0, data);
    }
    let Ok(regs) = ptrace::get_regs(pid) else { return };
    let word = |addr: u32| peek(pid, addr, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut at = regs.rsp as u32;
    let Some(argc) = word(at) else { return };
    at = at.wrapping_add(4 * (argc + 2));
    // envp, up to its NULL.
    while let Some(w) = word(at) {
        at = at.wrapping_add(4);
        if w == 0 {
            break;
        }
    }
    for _ in 0..64 {
        let (Some(kind), Some(value)) = (word(at), word(at.wrapping_add(4))) else { return };
        match kind {
            AT_NULL => return,
            AT_SYSINFO_EHDR => poke(pid, at, &AT_IGNORE.to_le_bytes()),
            AT_RANDOM => {
                if let Some(data) = peek(pid, value, 16) {
                    proc.record(Kind::AtRandom, Vec::new(), 0, data);
                }
            }
            _ => {}
        }
        at = at.wrapping_add(8);
    }
}

/// Where the vDSO and its data pages (`[vvar]`, `[vvar_vclock]`, `[vdso]`) lie in process `pid`,
/// from its /proc maps: the lowest start and the highest end.
fn vdso_range(pid: i32) -> Option<(u32, u32)> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    let ranges: Vec<(u32, u32)> = maps
        .lines()
        .filter(|l| ["[vvar]", "[vvar_vclock]", "[vdso]"].iter().any(|n| l.ends_with(n)))
        .filter_map(|l| {
            let (start, end) = l.split(' ').next()?.split_once('-')?;
            Some((u32::from_str_radix(start, 16).ok()?, u32::from_str_radix(end, 16).ok()?))
        })
        .collect();
    Some((ranges.iter().map(|r| r.0).min()?, ranges.iter().map(|r| r.1).max()?))
}

/// Write the tracee's (writable) memory.
fn poke(pid: i32, addr: u32, bytes: &[u8]) {
    ptrace::write_memory(pid, addr, bytes);
}

/// A SIGSEGV stop: if it is an rdtsc or rdtscp the program may not execute (PR_TSC_SIGSEGV), do it
/// for the program: read the counter here, set eax and edx (ecx: the TSC_AUX value, as rdtscp
/// does), step past the instruction and record the value. Answers whether it was one (the signal
/// is then not delivered).
fn emulate_tsc(pid: i32, proc: &mut Proc) -> bool {
    // The #GP of a disallowed rdtsc is a SIGSEGV from the kernel (SI_KERNEL), not one sent.
    if ptrace::get_siginfo(pid).map_or(true, |info| info.si_code != libc::SI_KERNEL) {
        return false;
    }
    let Ok(mut regs) = ptrace::get_regs(pid) else { return false };
    let Some(code) = peek(pid, regs.rip as u32, 3) else { return false };
    let (len, rdtscp) = match code[..] {
        [0x0f, 0x31, _] => (2, false),
        [0x0f, 0x01, 0xf9] => (3, true),
        _ => return false,
    };
    let (tsc, aux) = ptrace::read_tsc(rdtscp);
    regs.rax = tsc & 0xffff_ffff;
    regs.rdx = tsc >> 32;
    if rdtscp {
        regs.rcx = u64::from(aux);
    }
    regs.rip += len;
    if ptrace::set_regs(pid, &regs).is_err() {
        return false;
    }
    let data = [tsc.to_le_bytes().as_slice(), &aux.to_le_bytes()].concat();
    proc.record(Kind::Tsc, vec![u32::from(rdtscp)], 0, data);
    true
}

/// Let a host (x86-64) program that is about to be let go read the time stamp counter again: at
/// its execve's exit stop, make it execute `prctl(PR_SET_TSC, PR_TSC_ENABLE)` (a `syscall` instruction
/// written over its first one, one single step, then its code and registers put back).
fn enable_tsc(pid: i32) {
    let Ok(saved) = ptrace::get_regs(pid) else { return };
    let at = saved.rip;
    let Some(code) = ptrace::peek_text(pid, at) else { return };
    let patched = (code & !0xffff) | 0x050f;
    let mut regs = saved;
    regs.rax = libc::SYS_prctl as u64;
    regs.orig_rax = u64::MAX;
    regs.rdi = libc::PR_SET_TSC as u64;
    regs.rsi = libc::PR_TSC_ENABLE as u64;
    // One word of the stopped tracee's code, put back below.
    if ptrace::poke_text(pid, at, patched).is_err() {
        return;
    }
    if ptrace::set_regs(pid, &regs).is_ok() && ptrace::request(Request::SingleStep, pid, 0).is_ok() {
        let _ = ptrace::wait_all(pid);
    }
    let _ = ptrace::poke_text(pid, at, code);
    let _ = ptrace::set_regs(pid, &saved);
}
