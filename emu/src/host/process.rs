//! Process-level host calls: ending, signalling, reaping, pidfds, limits, the auxiliary vector.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// No core dump of this process (RLIMIT_CORE 0, soft and hard).
fn no_core() {
    let zero = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `zero` is a valid rlimit that lives across the call; the kernel only reads it.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
}

/// Die of `signal` from this thread: no core dump, the default disposition, the signal
/// unblocked in this thread and raised. Returns when the signal does not kill (the caller then
/// exits with 128 + signal).
pub fn raise_default(signal: i32) {
    no_core();
    // SAFETY: only a disposition changes; SIG_DFL is no handler of ours.
    unsafe { libc::signal(signal, libc::SIG_DFL) };
    // SAFETY: `set` is a valid sigset_t, initialised by sigemptyset before use; the calls only
    // change this thread's mask and send it a signal.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
}

/// Die of `signal` as a whole process, with raw system calls only (a process that shares the
/// address space runs on another thread's C library state): no core dump, the default
/// disposition, the signal unblocked and sent with kill(getpid()).
pub fn kill_self_default(signal: i32) {
    no_core();
    // SAFETY: only a disposition changes; SIG_DFL is no handler of ours.
    unsafe { libc::signal(signal, libc::SIG_DFL) };
    let set = 1u64 << ((signal - 1) & 63);
    // SAFETY: an 8-byte set (the kernel's sigset_t) that lives across the call; no old set.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_UNBLOCK, &set, std::ptr::null_mut::<u64>(), 8) };
    // SAFETY: plain integer arguments.
    unsafe { libc::syscall(libc::SYS_kill, libc::getpid(), signal) };
}

/// Send `signal` to this process (kill(getpid(), signal)), as the host's stop signals do.
pub fn kill_self(signal: i32) {
    // SAFETY: plain integer arguments.
    unsafe { libc::kill(libc::getpid(), signal) };
}

/// exit_group(2) with raw system calls: no C library exit handlers (in a process that shares the
/// address space they are the parent's).
pub fn exit_group(status: i32) -> ! {
    loop {
        // SAFETY: ends this host process; nothing runs after it.
        unsafe { libc::syscall(libc::SYS_exit_group, status) };
    }
}

/// exit(2): end the calling host thread only.
pub fn exit_thread() -> ! {
    loop {
        // SAFETY: SYS_exit ends the calling thread only; the caller uses nothing of it again.
        unsafe { libc::syscall(libc::SYS_exit, 0) };
    }
}

/// _exit(3): end the process without the C library's exit handlers.
pub fn exit_now(status: i32) -> ! {
    // SAFETY: ends the process; no Rust state needs to outlive it.
    unsafe { libc::_exit(status) }
}

/// What Rust's runtime start-up (`std::rt::lang_start`, which emu386 goes without: see its
/// `main`) does that the emulator's behaviour depends on: fds 0, 1 and 2 that are closed are
/// opened on /dev/null (std's `sanitize_standard_fds`: a poll of the three, POLLNVAL for a closed
/// one), and SIGPIPE is ignored. Left out: std's stack-overflow handler and the alternate signal
/// stack of each thread (the fault filter of direct guest addressing replaced the handler, and
/// with it off a stack overflow still kills the emulator with SIGSEGV), and the guard page of the
/// main thread's stack, which std finds by parsing /proc/self/maps.
#[cfg_attr(test, allow(dead_code))]
pub fn runtime_start() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd { fd, events: 0, revents: 0 });
    // SAFETY: `fds` is an array of three pollfd the kernel writes `revents` of; timeout 0.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
    if polled >= 0 {
        for fd in fds.iter().filter(|f| f.revents & libc::POLLNVAL != 0) {
            // The lowest free fd is the closed one (the ones below it are open or were just
            // opened here); it stays open for the life of the process, as std leaves it.
            // SAFETY: a NUL-terminated path and plain flags.
            let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR, 0) };
            if opened != fd.fd {
                // As std does: the process cannot run without its standard fds.
                std::process::abort();
            }
        }
    }
    set_sigpipe(true);
}

/// SIGPIPE's disposition: ignored or the default, before any other thread exists.
pub fn set_sigpipe(ignored: bool) {
    let action = if ignored { libc::SIG_IGN } else { libc::SIG_DFL };
    // SAFETY: SIG_IGN or SIG_DFL, no handler of ours.
    unsafe { libc::signal(libc::SIGPIPE, action) };
}

/// kill(2): `pid` as kill takes it (negative: a process group). The result is the host's.
pub fn kill(pid: i32, signal: i32) -> std::io::Result<()> {
    // SAFETY: plain integer arguments.
    if unsafe { libc::kill(pid, signal) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// pidfd_open(2) with `flags` (0, or PIDFD_THREAD, which is O_EXCL).
pub fn pidfd_open(pid: i32, flags: libc::c_int) -> std::io::Result<OwnedFd> {
    // SAFETY: plain integer arguments.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(|_| std::io::Error::from_raw_os_error(libc::EBADF))?;
    // SAFETY: a fresh fd the kernel just made for us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// prctl(PR_SET_CHILD_SUBREAPER, 1).
pub fn become_subreaper() -> std::io::Result<()> {
    // SAFETY: integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// waitpid(-1, WNOHANG): Ok(true) when a child was reaped, Ok(false) when none has ended yet.
pub fn reap_any_nohang() -> std::io::Result<bool> {
    let mut status = 0;
    // SAFETY: waitpid writes only `status`, which lives across the call.
    let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(r > 0)
}

/// The child `cmd` starts gets no core dumps: RLIMIT_CORE 0 between fork and exec.
pub fn child_without_core(cmd: &mut Command) {
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            no_core();
            Ok(())
        })
    };
}

/// The child `cmd` starts has address space randomisation off (personality ADDR_NO_RANDOMIZE
/// added to what it inherits), as `emu386 diff`'s native run has.
pub fn child_without_aslr(cmd: &mut Command) {
    // SAFETY: personality(2) is async-signal-safe and touches nothing of the parent's.
    unsafe {
        cmd.pre_exec(|| {
            no_aslr();
            Ok(())
        })
    };
}

/// personality(2): add ADDR_NO_RANDOMIZE to this process's persona (when it can be read).
pub fn no_aslr() {
    // SAFETY: integer arguments; 0xffffffff only reads the persona.
    let persona = unsafe { libc::personality(0xffff_ffff) };
    if persona != -1 {
        // SAFETY: as above.
        unsafe { libc::personality((persona | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong) };
    }
}

/// getauxval(3): the host's value of `kind`, or `None` when the vector has no such entry.
pub fn auxval(kind: libc::c_ulong) -> Option<libc::c_ulong> {
    // SAFETY: getauxval has no preconditions; errno is this thread's.
    unsafe {
        *libc::__errno_location() = 0;
        let value = libc::getauxval(kind);
        (*libc::__errno_location() != libc::ENOENT).then_some(value)
    }
}

/// getauxval(3) as the kernel hands an i386 program its entries: 0 when absent.
pub fn auxval_or_zero(kind: libc::c_ulong) -> libc::c_ulong {
    // SAFETY: getauxval has no preconditions.
    unsafe { libc::getauxval(kind) }
}

/// Take ownership of an fd someone left open for us: the kernel (binfmt_misc's O flag) or the
/// previous emulator of a guest execve. The caller promises nothing else owns it; a number that
/// is no open fd is EBADF.
pub fn adopt_fd(fd: i32) -> std::io::Result<OwnedFd> {
    // fcntl(F_GETFD) is EBADF for a number that is no open fd.
    // SAFETY: integer arguments only.
    if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return Err(std::io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: an open fd that, by the caller's word, nothing else in this process owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The process's environment exactly as it came (`environ`; std::env::vars_os drops entries such
/// as "=x" or "x").
pub fn raw_environment() -> Vec<Vec<u8>> {
    extern "C" {
        static environ: *const *const libc::c_char;
    }
    let mut out = Vec::new();
    // SAFETY: `environ` is the NULL-terminated array of C strings the process started with;
    // nothing in this program changes it (std::env::set_var is never called).
    unsafe {
        let mut p = environ;
        while !p.is_null() && !(*p).is_null() {
            out.push(std::ffi::CStr::from_ptr(*p).to_bytes().to_vec());
            p = p.add(1);
        }
    }
    out
}
