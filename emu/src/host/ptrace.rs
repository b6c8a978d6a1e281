//! The tracer of `emu386 diff`'s native side: fork and exec of the tracee, ptrace requests, its
//! memory. Requests that write through their `data` argument are typed wrappers that hand it a
//! local that lives across the call; the others take integers only ([`Request`]).

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

/// The ptrace requests whose `addr` and `data` are integers the kernel does not follow.
#[derive(Clone, Copy, Debug)]
pub enum Request {
    /// PTRACE_SYSCALL, delivering the signal in `data`.
    Syscall,
    /// PTRACE_SINGLESTEP.
    SingleStep,
    /// PTRACE_SETOPTIONS with the options in `data`.
    SetOptions,
    /// PTRACE_DETACH, delivering the signal in `data`.
    Detach,
}

fn check(r: libc::c_long) -> std::io::Result<libc::c_long> {
    if r == -1 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// ptrace(2) with a request of [`Request`] and no address.
pub fn request(request: Request, pid: i32, data: usize) -> std::io::Result<libc::c_long> {
    let request = match request {
        Request::Syscall => libc::PTRACE_SYSCALL,
        Request::SingleStep => libc::PTRACE_SINGLESTEP,
        Request::SetOptions => libc::PTRACE_SETOPTIONS,
        Request::Detach => libc::PTRACE_DETACH,
    };
    // SAFETY: these requests take no address and an integer `data` the kernel does not follow.
    check(unsafe { libc::ptrace(request, pid, std::ptr::null_mut::<libc::c_void>(), data) })
}

/// PTRACE_GETREGS: the stopped tracee's registers.
pub fn get_regs(pid: i32) -> std::io::Result<libc::user_regs_struct> {
    // SAFETY: user_regs_struct is plain data, valid all zero.
    let mut regs: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    // SAFETY: GETREGS writes one user_regs_struct to `data`, which is `regs`, alive across the call.
    check(unsafe { libc::ptrace(libc::PTRACE_GETREGS, pid, std::ptr::null_mut::<libc::c_void>(), &mut regs) })?;
    Ok(regs)
}

/// PTRACE_SETREGS: set the stopped tracee's registers.
pub fn set_regs(pid: i32, regs: &libc::user_regs_struct) -> std::io::Result<()> {
    // SAFETY: SETREGS reads one user_regs_struct from `data`, which `regs` is.
    check(unsafe { libc::ptrace(libc::PTRACE_SETREGS, pid, std::ptr::null_mut::<libc::c_void>(), regs) })?;
    Ok(())
}

/// PTRACE_GETSIGINFO: the signal the tracee stopped for.
pub fn get_siginfo(pid: i32) -> std::io::Result<libc::siginfo_t> {
    // SAFETY: siginfo_t is plain data, valid all zero.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: GETSIGINFO writes one siginfo_t to `data`, which is `info`, alive across the call.
    check(unsafe { libc::ptrace(libc::PTRACE_GETSIGINFO, pid, std::ptr::null_mut::<libc::c_void>(), &mut info) })?;
    Ok(info)
}

/// PTRACE_PEEKTEXT: the word of the tracee's memory at `addr` (errno tells a failure from a word
/// of -1).
pub fn peek_text(pid: i32, addr: u64) -> Option<u64> {
    // SAFETY: PEEKTEXT returns the word; the kernel checks the tracee's address; errno is this
    // thread's.
    unsafe {
        *libc::__errno_location() = 0;
        let word =
            libc::ptrace(libc::PTRACE_PEEKTEXT, pid, addr as *mut libc::c_void, std::ptr::null_mut::<libc::c_void>());
        (*libc::__errno_location() == 0).then_some(word as u64)
    }
}

/// PTRACE_POKETEXT: write one word of the tracee's memory at `addr` (its code too).
pub fn poke_text(pid: i32, addr: u64, word: u64) -> std::io::Result<()> {
    // SAFETY: POKETEXT writes the word into the tracee, whose address the kernel checks; nothing
    // of ours is followed.
    check(unsafe { libc::ptrace(libc::PTRACE_POKETEXT, pid, addr as *mut libc::c_void, word as *mut libc::c_void) })?;
    Ok(())
}

/// waitpid(`pid`, __WALL) (-1: any child): the child and its status.
pub fn wait_all(pid: i32) -> std::io::Result<(i32, i32)> {
    let mut status = 0;
    // SAFETY: waitpid writes only `status`, which lives across the call.
    let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((r, status))
}

/// process_vm_readv(2) of up to `max` bytes at `addr`, one remote iovec per page: it never
/// splits an iovec, so a read that runs into an unmapped page still returns the readable pages
/// before it.
pub fn read_memory(pid: i32, addr: u32, max: usize) -> Vec<u8> {
    let mut buf = vec![0u8; max];
    let mut remote = Vec::new();
    let mut at = u64::from(addr);
    let end = at + max as u64;
    while at < end && at < 1 << 32 {
        let page_end = ((at | 4095) + 1).min(end);
        remote.push(libc::iovec { iov_base: at as *mut libc::c_void, iov_len: (page_end - at) as usize });
        at = page_end;
    }
    let local = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: `local` covers `buf`, which lives across the call; the remote ranges are only read
    // by the kernel, which checks them.
    let n = unsafe { libc::process_vm_readv(pid, &local, 1, remote.as_ptr(), remote.len() as libc::c_ulong, 0) };
    buf.truncate(usize::try_from(n).unwrap_or(0));
    buf
}

/// process_vm_writev(2) of `bytes` at `addr` (the kernel checks the range; a failure is ignored
/// as the caller did).
pub fn write_memory(pid: i32, addr: u32, bytes: &[u8]) {
    let local = libc::iovec { iov_base: bytes.as_ptr() as *mut libc::c_void, iov_len: bytes.len() };
    let remote = libc::iovec { iov_base: addr as usize as *mut libc::c_void, iov_len: bytes.len() };
    // SAFETY: `local` covers `bytes` for the call and is only read; the kernel checks the remote
    // range.
    unsafe { libc::process_vm_writev(pid, &local, 1, &remote, 1, 0) };
}

/// The time-stamp counter, as rdtsc (or rdtscp, with its TSC_AUX value) reads it.
pub fn read_tsc(rdtscp: bool) -> (u64, u32) {
    let mut aux = 0u32;
    // SAFETY: rdtsc and rdtscp only read the counter (this tracer is not under PR_TSC_SIGSEGV).
    let tsc = unsafe {
        if rdtscp {
            std::arch::x86_64::__rdtscp(&mut aux)
        } else {
            std::arch::x86_64::_rdtsc()
        }
    };
    (tsc, aux)
}

/// What the traced child starts from.
pub struct Tracee<'a> {
    pub program: &'a CString,
    pub argv: &'a [CString],
    pub envp: &'a [CString],
    /// Its standard input, output and error.
    pub stdio: [BorrowedFd<'a>; 3],
    /// Where it reports a step that failed before the execve, as [step, errno…].
    pub report: BorrowedFd<'a>,
    /// Make rdtsc fault (PR_TSC_SIGSEGV) and turn address randomisation off.
    pub replay: bool,
}

/// fork(2) the process that becomes the traced program ([`exec_child`]); its pid.
pub fn fork_traced(tracee: &Tracee<'_>) -> std::io::Result<i32> {
    // Built before the fork: the child must not allocate.
    let argv: Vec<*const libc::c_char> =
        tracee.argv.iter().map(|a| a.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();
    let envp: Vec<*const libc::c_char> =
        tracee.envp.iter().map(|a| a.as_ptr()).chain(std::iter::once(std::ptr::null())).collect();
    // SAFETY: the callers (emu386 diff) have one thread; the child only makes async-signal-safe
    // calls before execve or _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        exec_child(tracee, &argv, &envp);
    }
    Ok(pid)
}

/// In the forked child: take the standard streams, ask to be traced, stop for the tracer, then
/// (with `replay`) make rdtsc fault and turn address randomisation off, and execute the program.
/// A step that fails is written to `report` as [step, errno…] (0 setup, 1 ptrace, 2 execve)
/// before `_exit(127)`.
fn exec_child(tracee: &Tracee<'_>, argv: &[*const libc::c_char], envp: &[*const libc::c_char]) -> ! {
    let report = tracee.report.as_raw_fd();
    // SAFETY: plain syscalls on fds and memory prepared before the fork: `argv` and `envp` are
    // NULL-terminated arrays of pointers to the C strings `tracee` holds.
    unsafe {
        let fail = |step: u8| -> ! {
            let errno = *libc::__errno_location();
            let mut msg = [step, 0, 0, 0, 0];
            msg[1..].copy_from_slice(&errno.to_le_bytes());
            libc::write(report, msg.as_ptr().cast(), msg.len());
            libc::_exit(127);
        };
        for (fd, target) in tracee.stdio.iter().zip(0..) {
            if libc::dup2(fd.as_fd().as_raw_fd(), target) < 0 {
                fail(0);
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
            fail(1);
        }
        libc::raise(libc::SIGSTOP);
        if tracee.replay && libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0) != 0 {
            fail(0);
        }
        // Without address randomisation the stack (and the mappings) sit where the emulator
        // puts them: values a program derives from a stack address (mkstemp's names) agree.
        if tracee.replay {
            let persona = libc::personality(0xffff_ffff);
            if persona == -1 || libc::personality((persona | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong) == -1 {
                fail(0);
            }
        }
        libc::execve(tracee.program.as_ptr(), argv.as_ptr(), envp.as_ptr());
        fail(2)
    }
}
