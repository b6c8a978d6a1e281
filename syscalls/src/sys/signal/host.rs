//! The host side of signals: the signals the host handler recorded for each thread, the host
//! handler itself, the host mask, host dispositions (and the fault filter of direct guest
//! addressing in front of the guest's SIGSEGV/SIGBUS).

use super::*;

// Everything the host handler touches is per host thread, and a guest thread is a host thread:
// the host kernel picks the thread for a signal exactly as the guest's would (tgkill's target,
// or a thread that does not block a process-wide one), and the guest thread that runs the handler
// is the one whose host thread recorded it. These thread-locals have const initialisers and no
// destructors, so the handler may touch them (no lazy set-up). They are globals because a host
// signal handler has no context to be handed anything (the one kind of global the emulator and
// the syscall layer still share: STOP_FN/STOP_ARG are how the handler reaches the CPU).
thread_local! {
    /// Signals the host handler recorded on this thread and the guest thread has not yet been
    /// given (bit `sig - 1`).
    static RECORDED: AtomicU64 = const { AtomicU64::new(0) };
    /// The host `siginfo_t` of each recorded signal, written before its bit is set.
    static INFO: InfoSlots = const { InfoSlots(UnsafeCell::new([[0; 128]; NSIG as usize])) };
    /// How the host handler stops this thread's CPU: a function and its argument (Unicorn's
    /// `uc_emu_stop` and the engine handle), set by the run loop.
    static STOP_FN: AtomicUsize = const { AtomicUsize::new(0) };
    static STOP_ARG: AtomicPtr<libc::c_void> = const { AtomicPtr::new(null_mut()) };
    /// Set while the run loop handles a syscall: a signal then is delivered at its return, and
    /// the CPU must not be stopped (Unicorn does not resume correctly after a stop requested inside
    /// its interrupt hook).
    static IN_SYSCALL: AtomicBool = const { AtomicBool::new(false) };
}

/// The host `siginfo_t` of each recorded signal of one thread.
pub(super) struct InfoSlots(UnsafeCell<[[u8; 128]; NSIG as usize]>);

/// Register what the host handler calls to stop the CPU at the next block. `stop` must be
/// async-signal-safe (uc_emu_stop only sets flags).
pub fn set_stopper(stop: extern "C" fn(*mut libc::c_void), arg: *mut libc::c_void) {
    STOP_ARG.with(|a| a.store(arg, Release));
    STOP_FN.with(|f| f.store(stop as usize, Release));
}

/// Mark the start and end of a syscall (see `IN_SYSCALL`).
pub fn set_in_syscall(on: bool) {
    IN_SYSCALL.with(|s| s.store(on, Release));
}

/// The host handler for every signal the guest handles.
extern "C" fn host_handler(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    let Some(s) = u32::try_from(sig).ok().filter(|s| (1..=NSIG).contains(s)) else {
        return;
    };
    // SAFETY: the kernel passes a valid siginfo_t (128 bytes) and ucontext_t to an SA_SIGINFO
    // handler; the slot is ours while the bit is clear (see InfoSlots).
    unsafe {
        let code = (*info).si_code;
        if SYNCHRONOUS & bit(s) != 0 && code > 0 {
            // A fault of the emulator itself, not of the guest: die of it as the host would.
            libc::signal(sig, libc::SIG_DFL);
            return;
        }
        // The slot is this thread's; its bit is clear, so nothing reads it (InfoSlots).
        let slot = INFO.with(|i| (*i.0.get()).as_mut_ptr().add(s as usize - 1));
        std::ptr::copy_nonoverlapping(info.cast::<u8>(), slot.cast::<u8>(), 128);
        RECORDED.with(|r| r.fetch_or(bit(s), Release));
        // Stay blocked after this handler returns, until the guest has been given it.
        libc::sigaddset(&mut (*uc.cast::<libc::ucontext_t>()).uc_sigmask, sig);
        let stop = STOP_FN.with(|f| f.load(Acquire));
        if stop != 0 && !IN_SYSCALL.with(|s| s.load(Acquire)) {
            let f: extern "C" fn(*mut libc::c_void) = std::mem::transmute(stop);
            f(STOP_ARG.with(|a| a.load(Acquire)));
        }
    }
}

/// Whether any recorded signal is not blocked by `mask`.
pub fn deliverable(mask: u64) -> bool {
    recorded() & !mask != 0
}

/// The recorded signals.
pub fn recorded() -> u64 {
    RECORDED.with(|r| r.load(Acquire))
}

/// Take the recorded signal to deliver next under `mask` (synchronous signals first, then the
/// lowest number, as next_signal() does) with its siginfo in the guest's layout.
pub fn take_recorded(mask: u64) -> Option<(u32, Siginfo)> {
    take_from(recorded() & !mask)
}

/// The recorded signal [`take_recorded`] would take next under `mask`.
pub fn next_recorded(mask: u64) -> Option<u32> {
    next_of(recorded() & !mask)
}

pub(super) fn next_of(ready: u64) -> Option<u32> {
    if ready == 0 {
        return None;
    }
    let pick = if ready & SYNCHRONOUS != 0 { ready & SYNCHRONOUS } else { ready };
    Some(pick.trailing_zeros() + 1)
}

pub(super) fn take_from(ready: u64) -> Option<(u32, Siginfo)> {
    let sig = next_of(ready)?;
    // SAFETY: the bit is set (Acquire above), so this thread's slot is complete and not being
    // written (the signal stays blocked on this thread until the bit is cleared).
    let raw = INFO.with(|i| unsafe { (*i.0.get()).get(sig as usize - 1).copied().unwrap_or([0; 128]) });
    RECORDED.with(|r| r.fetch_and(!bit(sig), Release));
    Some((sig, siginfo_from_host(&raw)))
}

/// Record a signal the kernel would force on the calling thread (a seccomp SIGSYS) with its host
/// `siginfo_t`, for the run loop to deliver at the syscall's return as if the host handler had
/// taken it. The caller has checked that the guest handles it and does not block it.
pub fn record_forced(sig: u32, raw: [u8; 128]) {
    if !(1..=NSIG).contains(&sig) {
        return;
    }
    // SAFETY: the slot is this thread's and its bit is clear until the store below (a signal
    // with a set bit is blocked on the host, so the host handler does not write it meanwhile).
    INFO.with(|i| unsafe {
        if let Some(slot) = (*i.0.get()).get_mut(sig as usize - 1) {
            *slot = raw;
        }
    });
    RECORDED.with(|r| r.fetch_or(bit(sig), Release));
}

/// In a new child process (fork/clone): no signal is pending (the parent's recorded ones stay
/// the parent's), and the host mask is the guest's again.
pub fn after_fork_child(signals: &Signals) {
    RECORDED.with(|r| r.store(0, Release));
    sync_host_mask(signals.mask);
}

/// Drop a recorded instance of `sig` (it became ignored).
pub(super) fn forget_recorded(sig: u32) {
    RECORDED.with(|r| r.fetch_and(!bit(sig), Release));
}

/// The host's blocked set.
pub(super) fn host_mask() -> Result<u64, Errno> {
    let mut old: u64 = 0;
    // SAFETY: a query with an 8-byte set, as the kernel's sigset_t.
    host(unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_BLOCK, null::<u64>(), &mut old, 8) })?;
    Ok(old)
}

/// Set the host mask to the guest's mask plus the recorded signals (which stay blocked until they
/// are delivered). All signals are blocked while the set is computed, so a signal recorded in
/// between is not unblocked by mistake.
pub fn sync_host_mask(mask: u64) {
    let all: u64 = !0;
    let mut old: u64 = 0;
    // SAFETY: 8-byte sets, as the kernel's sigset_t.
    unsafe {
        libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &all, &mut old, 8);
        let want = (mask | recorded()) & !never_blocked();
        libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &want, null_mut::<u64>(), 8);
        GUEST_BLOCKED_FAULTS.with(|b| b.set(mask & never_blocked()));
    }
}

/// glibc keeps signals 32 and 33 for itself (SIGCANCEL for pthread_cancel, SIGSETXID for set*id
/// in threaded programs) and refuses them in sigaction(). The emulator uses neither (its set*id
/// calls are raw syscalls), while a threaded guest's glibc needs both; they are installed with the
/// raw syscall ([`install_raw`]).
pub(super) fn host_reserved(sig: u32) -> bool {
    sig == 32 || sig == 33
}

// The return path of a handler installed with the raw rt_sigaction: rt_sigreturn (15 on x86-64),
// what glibc's own restorer does.
#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(".globl emu386_restore_rt", "emu386_restore_rt:", "mov eax, 15", "syscall");

#[cfg(target_arch = "x86_64")]
extern "C" {
    fn emu386_restore_rt();
}

/// The x86-64 kernel's `struct sigaction`.
#[cfg(target_arch = "x86_64")]
#[repr(C)]
pub(super) struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// Install the host disposition of a glibc-reserved signal with the raw syscall.
#[cfg(target_arch = "x86_64")]
pub(super) fn install_raw(sig: u32, action: &Action) {
    const SA_RESTORER_HOST: u64 = 0x0400_0000;
    let keep = u64::from(action.flags & (SA_NOCLDSTOP | SA_NOCLDWAIT));
    let (handler, flags) = match action.handler {
        SIG_DFL => (libc::SIG_DFL, keep),
        SIG_IGN => (libc::SIG_IGN, keep),
        _ => (host_handler as *const () as usize, keep | libc::SA_SIGINFO as u64),
    };
    let sa = KernelSigaction {
        handler,
        flags: flags | SA_RESTORER_HOST,
        restorer: emu386_restore_rt as *const () as usize,
        mask: !0,
    };
    // SAFETY: the kernel's layout, an 8-byte mask; the handler is async-signal-safe and returns
    // through rt_sigreturn.
    let r = unsafe { libc::syscall(libc::SYS_rt_sigaction, sig as libc::c_int, &sa, null_mut::<KernelSigaction>(), 8) };
    if r != 0 {
        log::warn!("signal {sig}: host rt_sigaction failed: {}", std::io::Error::last_os_error());
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn install_raw(sig: u32, action: &Action) {
    if action.is_handler() {
        log::warn!("signal {sig}: the host reserves it; the guest's handler will not run");
    }
}

/// Install the guest's dispositions of the glibc-reserved signals again: the host's
/// pthread_create installs glibc's own handler for them (the emulator calls it after starting a
/// host thread).
pub fn reinstall_reserved(signals: &Signals, held: &crate::task::Held) {
    for sig in [32, 33] {
        install_raw(sig, &signals.action(sig, held));
    }
}

/// A function that sees the host's SIGSEGV and SIGBUS before the guest's disposition does, and
/// says whether the signal was its own (emu386's direct guest addressing: a fault in translated
/// code is the guest's, a write to a page protected for its translated code is the emulator's).
pub type FaultFilter = unsafe extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) -> bool;

/// The installed [`FaultFilter`] (0: none).
pub(super) static FAULT_FILTER: AtomicUsize = AtomicUsize::new(0);
/// SIGSEGV and SIGBUS as blocked in the mask the emulator started with, before the fault filter
/// unblocked them on the host: part of the guest's initial mask.
pub(super) static INHERITED_BLOCKED: AtomicU64 = AtomicU64::new(0);
/// Under a fault filter, the guest's host disposition of SIGSEGV and SIGBUS: what
/// [`install_host`] would have installed (`SIG_DFL`, `SIG_IGN` or [`host_handler`]).
pub(super) static FILTERED: [AtomicUsize; 2] = [AtomicUsize::new(libc::SIG_DFL), AtomicUsize::new(libc::SIG_DFL)];

pub(super) fn filtered_slot(sig: u32) -> Option<&'static AtomicUsize> {
    match sig {
        SIGSEGV => Some(&FILTERED[0]),
        SIGBUS => Some(&FILTERED[1]),
        _ => None,
    }
}

/// Let `filter` see every host SIGSEGV and SIGBUS first, from now on: the host handler of both
/// becomes [`filtered_fault`], and the guest's disposition is kept for what the filter passes on.
pub fn set_fault_filter(filter: FaultFilter) {
    FAULT_FILTER.store(filter as usize, Release);
    // Blocked when the emulator started (a mask survives execve): the guest's mask says so, the
    // host's must not (see `never_blocked`).
    if let Ok(mask) = host_mask() {
        INHERITED_BLOCKED.store(mask & never_blocked(), Release);
        let unblock = never_blocked();
        // SAFETY: an 8-byte set, as the kernel's sigset_t.
        unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_UNBLOCK, &unblock, null_mut::<u64>(), 8) };
    }
    for sig in [SIGSEGV, SIGBUS] {
        // SAFETY: a zeroed sigaction filled field by field; the handler is async-signal-safe.
        unsafe {
            // An ignored signal stays ignored across execve: the guest's disposition from before.
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig as libc::c_int, null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN {
                if let Some(slot) = filtered_slot(sig) {
                    slot.store(libc::SIG_IGN, Release);
                }
            }
        }
        install_filtered(sig);
    }
}

/// Make [`filtered_fault`] the host handler of `sig`.
pub(super) fn install_filtered(sig: u32) {
    // SAFETY: a zeroed sigaction filled field by field; the handler is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigfillset(&mut sa.sa_mask);
        sa.sa_sigaction = filtered_fault as *const () as usize;
        if libc::sigaction(sig as libc::c_int, &sa, null_mut()) != 0 {
            log::warn!("signal {sig}: host sigaction failed: {}", std::io::Error::last_os_error());
        }
    }
}

/// Around a host execve under a fault filter (`exec` true before it, false after it failed): a
/// SIGSEGV or SIGBUS the guest ignores or blocks must reach the new program ignored or blocked,
/// as natively, while the host handler is the filter's and they are unblocked the rest of the time.
pub fn dispositions_for_exec(exec: bool) {
    if FAULT_FILTER.load(Acquire) == 0 {
        return;
    }
    let blocked = GUEST_BLOCKED_FAULTS.with(|b| b.get());
    if blocked != 0 {
        let how = if exec { libc::SIG_BLOCK } else { libc::SIG_UNBLOCK };
        // SAFETY: an 8-byte set, as the kernel's sigset_t.
        unsafe { libc::syscall(libc::SYS_rt_sigprocmask, how, &blocked, null_mut::<u64>(), 8) };
    }
    for sig in [SIGSEGV, SIGBUS] {
        let ignored = filtered_slot(sig).is_some_and(|s| s.load(Acquire) == libc::SIG_IGN);
        if !ignored {
            continue;
        }
        if exec {
            // SAFETY: plain libc call.
            unsafe { libc::signal(sig as libc::c_int, libc::SIG_IGN) };
        } else {
            install_filtered(sig);
        }
    }
}

/// The host handler of SIGSEGV and SIGBUS under a fault filter: the filter first, then what the
/// guest's disposition would have done on the host.
extern "C" fn filtered_fault(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    let filter = FAULT_FILTER.load(Acquire);
    if filter != 0 {
        // SAFETY: only [`set_fault_filter`] stores it, from a `FaultFilter`.
        let filter: FaultFilter = unsafe { std::mem::transmute::<usize, FaultFilter>(filter) };
        // SAFETY: the kernel's siginfo and ucontext for this signal.
        if unsafe { filter(sig, info, uc) } {
            return;
        }
    }
    let action = u32::try_from(sig).ok().and_then(filtered_slot).map_or(libc::SIG_DFL, |a| a.load(Acquire));
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
    let code = unsafe { (*info).si_code };
    if code > 0 {
        // A fault of the emulator itself: die of it as the host would (the fault happens again).
        // SAFETY: a plain libc call, async-signal-safe.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
        return;
    }
    // A sent signal: recorded for the guest, which delivers it (or takes its default action)
    // when its mask allows, as for every other signal it does not ignore. It must not stay
    // blocked on the host, where the filter's own faults (pages with translated code) would then
    // kill the process: the recorded bit stands for it meanwhile, and a second one merges.
    let Some(s) = u32::try_from(sig).ok().filter(|s| (1..=NSIG).contains(s)) else { return };
    if action == libc::SIG_IGN || recorded() & bit(s) != 0 {
        return;
    }
    host_handler(sig, info, uc);
    // SAFETY: an SA_SIGINFO handler's third argument is the interrupted context.
    unsafe { libc::sigdelset(&mut (*uc.cast::<libc::ucontext_t>()).uc_sigmask, sig) };
}

thread_local! {
    /// SIGSEGV and SIGBUS as this thread's guest blocks them while the host does not
    /// (`never_blocked`), for a host execve, across which a mask survives.
    static GUEST_BLOCKED_FAULTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// SIGSEGV and SIGBUS, which a fault filter must always receive.
pub(super) fn never_blocked() -> u64 {
    if FAULT_FILTER.load(Acquire) == 0 {
        0
    } else {
        bit(SIGSEGV) | bit(SIGBUS)
    }
}

/// Mirror the disposition of `sig` on the host.
pub fn install_host(sig: u32, action: &Action) {
    if UNBLOCKABLE & bit(sig) != 0 {
        return;
    }
    if let Some(slot) = filtered_slot(sig).filter(|_| FAULT_FILTER.load(Acquire) != 0) {
        let host = match action.handler {
            SIG_DFL => libc::SIG_DFL,
            SIG_IGN => libc::SIG_IGN,
            _ => host_handler as *const () as usize,
        };
        slot.store(host, Release);
        return;
    }
    if host_reserved(sig) {
        install_raw(sig, action);
        return;
    }
    // SAFETY: a zeroed sigaction filled field by field; the handler is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        let keep = action.flags & (SA_NOCLDSTOP | SA_NOCLDWAIT);
        sa.sa_flags = keep as libc::c_int;
        sa.sa_sigaction = match action.handler {
            SIG_DFL => libc::SIG_DFL,
            SIG_IGN => libc::SIG_IGN,
            _ => {
                sa.sa_flags |= libc::SA_SIGINFO;
                libc::sigfillset(&mut sa.sa_mask);
                host_handler as *const () as usize
            }
        };
        if libc::sigaction(sig as libc::c_int, &sa, null_mut()) != 0 {
            log::warn!("signal {sig}: host sigaction failed: {}", std::io::Error::last_os_error());
        }
    }
}
