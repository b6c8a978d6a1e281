//! The host signal handler and the host state it keeps: host machinery, not a guest syscall
//! family ([`crate::sys::signal`] decides what a guest disposition is and which recorded signal
//! the guest takes next; this module installs the host's dispositions, runs the handler and
//! keeps what it recorded).
//!
//! The promise: `host_handler` and `filtered_fault` are async-signal-safe. They touch only
//! thread-locals with const initialisers and no destructors (no lazy set-up), atomics and the
//! kernel's siginfo and ucontext; they allocate nothing and take no lock. Everything the handler
//! records is per host thread, and a guest thread is a host thread: the host kernel picks the
//! thread for a signal exactly as the guest's would (tgkill's target, or a thread that does not
//! block a process-wide one), and the guest thread that runs the guest handler is the one whose
//! host thread recorded it. These thread-locals are globals because a host signal handler has no
//! context to be handed anything (the one kind of global the emulator and the syscall layer still
//! share: STOP_FN/STOP_ARG are how the handler reaches the CPU, and the fault filter is how the
//! emulator's direct guest addressing sees a SIGSEGV or SIGBUS first).
//!
//! A recorded signal stays blocked on the host until the guest has been given it (the handler
//! adds it to the mask its own sigreturn restores), so each signal has at most one recorded
//! instance and its siginfo slot is written only while its bit is clear.

use crate::abi::signal::{bit, NSIG, SIGBUS, SIGSEGV, SYNCHRONOUS};
use crate::{host, Errno};
use std::cell::{Cell, UnsafeCell};
use std::ptr::{null, null_mut};
use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};

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
    /// SIGSEGV and SIGBUS as this thread's guest blocks them while the host does not
    /// (`never_blocked`), for a host execve, across which a mask survives.
    static GUEST_BLOCKED_FAULTS: Cell<u64> = const { Cell::new(0) };
}

/// The host `siginfo_t` of each recorded signal of one thread.
struct InfoSlots(UnsafeCell<[[u8; 128]; NSIG as usize]>);

/// What the host does with a signal: the host side of a guest disposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// SIG_DFL: the default action happens for real.
    Default,
    /// SIG_IGN.
    Ignore,
    /// `host_handler`: record the signal for the guest's handler.
    Record,
}

impl HostAction {
    /// The host's handler value for this action.
    fn handler(self) -> usize {
        match self {
            HostAction::Default => libc::SIG_DFL,
            HostAction::Ignore => libc::SIG_IGN,
            HostAction::Record => host_handler as *const () as usize,
        }
    }
}

/// The flags of a guest disposition the host keeps (SA_NOCLDSTOP and SA_NOCLDWAIT, the same bits
/// on i386 and x86-64); every other flag is the emulator's business.
fn kept_flags(flags: u32) -> libc::c_int {
    (flags as libc::c_int) & (libc::SA_NOCLDSTOP | libc::SA_NOCLDWAIT)
}

// ---------------------------------------------------------------------------------------------
// The handler and what it records.

/// Register what the host handler calls to stop the CPU at the next block. `stop` must be
/// async-signal-safe (uc_emu_stop only sets flags), and `arg` valid for as long as this thread
/// runs guest code.
pub fn set_stopper(stop: extern "C" fn(*mut libc::c_void), arg: *mut libc::c_void) {
    STOP_ARG.with(|a| a.store(arg, Release));
    STOP_FN.with(|f| f.store(stop as usize, Release));
}

/// Mark the start and end of a syscall (see `IN_SYSCALL`).
pub fn set_in_syscall(on: bool) {
    IN_SYSCALL.with(|s| s.store(on, Release));
}

/// Add `sig` to (or remove it from) the mask the host restores when the handler that got `uc`
/// returns.
///
/// # Safety
/// `uc` is the third argument the kernel passed to an SA_SIGINFO handler that is still running.
unsafe fn context_mask(uc: *mut libc::c_void, sig: libc::c_int, block: bool) {
    // SAFETY: by the contract, `uc` is the kernel's ucontext_t of the running handler.
    let mask = unsafe { &mut (*uc.cast::<libc::ucontext_t>()).uc_sigmask };
    // SAFETY: a valid sigset_t and a signal number the kernel delivered.
    unsafe {
        if block {
            libc::sigaddset(mask, sig);
        } else {
            libc::sigdelset(mask, sig);
        }
    }
}

/// The host handler for every signal the guest handles: records the signal and its siginfo,
/// keeps it blocked, and stops the CPU unless a syscall is running.
extern "C" fn host_handler(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    let Some(s) = u32::try_from(sig).ok().filter(|s| (1..=NSIG).contains(s)) else {
        return;
    };
    // SAFETY: the kernel passes a valid siginfo_t (128 bytes) to an SA_SIGINFO handler.
    let code = unsafe { (*info).si_code };
    if SYNCHRONOUS & bit(s) != 0 && code > 0 {
        // A fault of the emulator itself, not of the guest: die of it as the host would.
        // SAFETY: a plain libc call, async-signal-safe.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
        return;
    }
    // The slot is this thread's; its bit is clear (a signal whose bit is set stays blocked), so
    // nothing reads it (InfoSlots).
    let slot = INFO.with(|i| i.0.get().cast::<[u8; 128]>().wrapping_add(s as usize - 1));
    // SAFETY: `info` is the kernel's 128-byte siginfo_t; `slot` is the element `s - 1` of this
    // thread's slots (s is 1..=NSIG), written only here and by `record` while the bit is clear.
    unsafe { std::ptr::copy_nonoverlapping(info.cast::<u8>(), slot.cast::<u8>(), 128) };
    RECORDED.with(|r| r.fetch_or(bit(s), Release));
    // Stay blocked after this handler returns, until the guest has been given it.
    // SAFETY: `uc` is this running SA_SIGINFO handler's context.
    unsafe { context_mask(uc, sig, true) };
    let stop = STOP_FN.with(|f| f.load(Acquire));
    if stop != 0 && !IN_SYSCALL.with(|s| s.load(Acquire)) {
        // SAFETY: only `set_stopper` stores a nonzero value, from an `extern "C" fn(*mut c_void)`.
        let f: extern "C" fn(*mut libc::c_void) = unsafe { std::mem::transmute::<usize, _>(stop) };
        f(STOP_ARG.with(|a| a.load(Acquire)));
    }
}

/// The signals recorded on this thread (bit `sig - 1`).
pub fn recorded() -> u64 {
    RECORDED.with(|r| r.load(Acquire))
}

/// Take the recorded signal `sig`: its host `siginfo_t`, and its bit cleared (the guest has been
/// given it). `None` when `sig` is not recorded.
pub fn take(sig: u32) -> Option<[u8; 128]> {
    if !(1..=NSIG).contains(&sig) || recorded() & bit(sig) == 0 {
        return None;
    }
    // SAFETY: the bit is set (Acquire above), so this thread's slot is complete and not being
    // written (the signal stays blocked on this thread until the bit is cleared).
    let raw = INFO.with(|i| unsafe { (*i.0.get()).get(sig as usize - 1).copied().unwrap_or([0; 128]) });
    RECORDED.with(|r| r.fetch_and(!bit(sig), Release));
    Some(raw)
}

/// Record `sig` with the host `siginfo_t` `raw` as if the host handler had taken it (a signal the
/// kernel would force on the calling thread). Nothing happens for a number out of range.
pub fn record(sig: u32, raw: [u8; 128]) {
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

/// Drop every recorded signal (a new child process: the parent's stay the parent's).
pub fn clear_recorded() {
    RECORDED.with(|r| r.store(0, Release));
}

/// Drop a recorded instance of `sig`.
pub fn forget(sig: u32) {
    RECORDED.with(|r| r.fetch_and(!bit(sig), Release));
}

// ---------------------------------------------------------------------------------------------
// The host mask.

/// rt_sigprocmask(2) with 8-byte sets (the kernel's sigset_t); `set` `None` queries.
fn procmask(how: libc::c_int, set: Option<&u64>) -> Result<u64, Errno> {
    let mut old: u64 = 0;
    let set = set.map_or(null(), |s| s as *const u64);
    // SAFETY: an 8-byte set or NULL, and a writable 8-byte old set.
    host(unsafe { libc::syscall(libc::SYS_rt_sigprocmask, how, set, &mut old, 8) })?;
    Ok(old)
}

/// The host's blocked set.
pub fn host_mask() -> Result<u64, Errno> {
    procmask(libc::SIG_BLOCK, None)
}

/// Set the host mask to the guest's `mask` plus the recorded signals (which stay blocked until
/// they are delivered), less what a fault filter must always receive. All signals are blocked
/// while the set is computed, so a signal recorded in between is not unblocked by mistake.
pub fn sync_mask(mask: u64) {
    let _ = procmask(libc::SIG_SETMASK, Some(&!0));
    let want = (mask | recorded()) & !never_blocked();
    let _ = procmask(libc::SIG_SETMASK, Some(&want));
    GUEST_BLOCKED_FAULTS.with(|b| b.set(mask & never_blocked()));
}

// ---------------------------------------------------------------------------------------------
// Host dispositions.

/// glibc keeps signals 32 and 33 for itself (SIGCANCEL for pthread_cancel, SIGSETXID for set*id
/// in threaded programs) and refuses them in sigaction(). The emulator uses neither (its set*id
/// calls are raw syscalls), while a threaded guest's glibc needs both; they are installed with the
/// raw syscall (`install_raw`).
pub const RESERVED: [u32; 2] = [32, 33];

/// Mirror a guest disposition of `sig` on the host: `action`, with the guest's SA_NOCLDSTOP and
/// SA_NOCLDWAIT from `flags`. Under a fault filter, SIGSEGV's and SIGBUS's is kept for what the
/// filter passes on.
pub fn install(sig: u32, action: HostAction, flags: u32) {
    if let Some(slot) = filtered_slot(sig).filter(|_| FAULT_FILTER.load(Acquire) != 0) {
        slot.store(action.handler(), Release);
        return;
    }
    if RESERVED.contains(&sig) {
        install_raw(sig, action, flags);
        return;
    }
    let mut sa = empty_sigaction();
    sa.sa_flags = kept_flags(flags);
    if action == HostAction::Record {
        sa.sa_flags |= libc::SA_SIGINFO;
        // SAFETY: a valid sigset_t.
        unsafe { libc::sigfillset(&mut sa.sa_mask) };
    }
    sa.sa_sigaction = action.handler();
    set_sigaction(sig, &sa);
}

/// A sigaction of no handler, no flags and an empty mask.
fn empty_sigaction() -> libc::sigaction {
    // SAFETY: sigaction is plain data; all-zero is a valid value (SIG_DFL, no flags, empty mask).
    unsafe { std::mem::zeroed() }
}

/// sigaction(2) of `sig` to `sa`, whose handler is SIG_DFL, SIG_IGN or one of this module's
/// async-signal-safe handlers; a refusal is logged.
fn set_sigaction(sig: u32, sa: &libc::sigaction) {
    // SAFETY: a valid sigaction; its handler, if any, is one of this module's.
    if unsafe { libc::sigaction(sig as libc::c_int, sa, null_mut()) } != 0 {
        log::warn!("signal {sig}: host sigaction failed: {}", std::io::Error::last_os_error());
    }
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
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

#[cfg(target_arch = "x86_64")]
const _: () = assert!(std::mem::size_of::<KernelSigaction>() == 32);

/// Install the host disposition of a glibc-reserved signal with the raw syscall.
#[cfg(target_arch = "x86_64")]
fn install_raw(sig: u32, action: HostAction, flags: u32) {
    const SA_RESTORER_HOST: u64 = 0x0400_0000;
    let mut flags = kept_flags(flags) as u64;
    if action == HostAction::Record {
        flags |= libc::SA_SIGINFO as u64;
    }
    let sa = KernelSigaction {
        handler: action.handler(),
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
fn install_raw(sig: u32, action: HostAction, _flags: u32) {
    if action == HostAction::Record {
        log::warn!("signal {sig}: the host reserves it; the guest's handler will not run");
    }
}

// ---------------------------------------------------------------------------------------------
// The fault filter of direct guest addressing.

/// A function that sees the host's SIGSEGV and SIGBUS before the guest's disposition does, and
/// says whether the signal was its own (emu386's direct guest addressing: a fault in translated
/// code is the guest's, a write to a page protected for its translated code is the emulator's).
pub type FaultFilter = unsafe extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) -> bool;

/// The installed [`FaultFilter`] (0: none).
static FAULT_FILTER: AtomicUsize = AtomicUsize::new(0);
/// SIGSEGV and SIGBUS as blocked in the mask the emulator started with, before the fault filter
/// unblocked them on the host: part of the guest's initial mask.
static INHERITED_BLOCKED: AtomicU64 = AtomicU64::new(0);
/// Under a fault filter, the guest's host disposition of SIGSEGV and SIGBUS: what [`install`]
/// would have installed (`SIG_DFL`, `SIG_IGN` or `host_handler`).
static FILTERED: [AtomicUsize; 2] = [AtomicUsize::new(libc::SIG_DFL), AtomicUsize::new(libc::SIG_DFL)];

fn filtered_slot(sig: u32) -> Option<&'static AtomicUsize> {
    match sig {
        SIGSEGV => Some(&FILTERED[0]),
        SIGBUS => Some(&FILTERED[1]),
        _ => None,
    }
}

/// Under a fault filter, whether the guest's kept host disposition of `sig` (SIGSEGV or SIGBUS)
/// is SIG_IGN; `None` when no filter holds `sig`'s disposition.
pub fn filtered_ignored(sig: u32) -> Option<bool> {
    let slot = filtered_slot(sig).filter(|_| FAULT_FILTER.load(Acquire) != 0)?;
    Some(slot.load(Acquire) == libc::SIG_IGN)
}

/// SIGSEGV and SIGBUS as blocked when the emulator started, before a fault filter unblocked them.
pub fn inherited_blocked() -> u64 {
    INHERITED_BLOCKED.load(Acquire)
}

/// SIGSEGV and SIGBUS, which a fault filter must always receive.
fn never_blocked() -> u64 {
    if FAULT_FILTER.load(Acquire) == 0 {
        0
    } else {
        bit(SIGSEGV) | bit(SIGBUS)
    }
}

/// Let `filter` see every host SIGSEGV and SIGBUS first, from now on: the host handler of both
/// becomes `filtered_fault`, and the guest's disposition is kept for what the filter passes on.
/// `filter` must be async-signal-safe.
pub fn set_fault_filter(filter: FaultFilter) {
    FAULT_FILTER.store(filter as usize, Release);
    // Blocked when the emulator started (a mask survives execve): the guest's mask says so, the
    // host's must not (see `never_blocked`).
    if let Ok(mask) = host_mask() {
        INHERITED_BLOCKED.store(mask & never_blocked(), Release);
        let _ = procmask(libc::SIG_UNBLOCK, Some(&never_blocked()));
    }
    for sig in [SIGSEGV, SIGBUS] {
        // An ignored signal stays ignored across execve: the guest's disposition from before.
        let ignored =
            super::signal::disposition(sig as libc::c_int).is_some_and(|old| old.sa_sigaction == libc::SIG_IGN);
        if ignored {
            if let Some(slot) = filtered_slot(sig) {
                slot.store(libc::SIG_IGN, Release);
            }
        }
        install_filtered(sig);
    }
}

/// Make `filtered_fault` the host handler of `sig`.
fn install_filtered(sig: u32) {
    let mut sa = empty_sigaction();
    sa.sa_flags = libc::SA_SIGINFO;
    // SAFETY: a valid sigset_t.
    unsafe { libc::sigfillset(&mut sa.sa_mask) };
    sa.sa_sigaction = filtered_fault as *const () as usize;
    set_sigaction(sig, &sa);
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
        let _ = procmask(how, Some(&blocked));
    }
    for sig in [SIGSEGV, SIGBUS] {
        let ignored = filtered_slot(sig).is_some_and(|s| s.load(Acquire) == libc::SIG_IGN);
        if !ignored {
            continue;
        }
        if exec {
            let mut sa = empty_sigaction();
            sa.sa_sigaction = libc::SIG_IGN;
            set_sigaction(sig, &sa);
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
    // SAFETY: `uc` is this running SA_SIGINFO handler's context.
    unsafe { context_mask(uc, sig, false) };
}
