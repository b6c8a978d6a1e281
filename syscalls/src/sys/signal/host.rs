//! The guest's side of the host signal machinery ([`hostcall::sighandler`] runs the host handler
//! and keeps what it records): which recorded signal the guest takes next and its siginfo in the
//! guest's layout, the guest's mask and dispositions mirrored on the host.

use super::*;
use crate::hostcall::sighandler::{self, HostAction};

pub use crate::hostcall::sighandler::{dispositions_for_exec, recorded};

/// Whether any recorded signal is not blocked by `mask`.
pub fn deliverable(mask: u64) -> bool {
    recorded() & !mask != 0
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

/// Take the signal [`next_of`] picks from `ready` (recorded signals only).
pub(super) fn take_from(ready: u64) -> Option<(u32, Siginfo)> {
    let sig = next_of(ready)?;
    let raw = sighandler::take(sig)?;
    Some((sig, siginfo_from_host(&raw)))
}

/// Record a signal the kernel would force on the calling thread (a seccomp SIGSYS) with its host
/// `siginfo_t`, for the run loop to deliver at the syscall's return as if the host handler had
/// taken it. The caller has checked that the guest handles it and does not block it.
pub fn record_forced(sig: u32, raw: [u8; 128]) {
    sighandler::record(sig, raw);
}

/// In a new child process (fork/clone): no signal is pending (the parent's recorded ones stay
/// the parent's), and the host mask is the guest's again.
pub fn after_fork_child(signals: &Signals) {
    sighandler::clear_recorded();
    sync_host_mask(signals.mask);
}

/// Drop a recorded instance of `sig` (it became ignored).
pub(super) fn forget_recorded(sig: u32) {
    sighandler::forget(sig);
}

/// Set the host mask to the guest's mask plus the recorded signals (which stay blocked until they
/// are delivered).
pub fn sync_host_mask(mask: u64) {
    sighandler::sync_mask(mask);
}

/// The host's side of a guest disposition.
fn host_action(action: &Action) -> HostAction {
    match action.handler {
        SIG_DFL => HostAction::Default,
        SIG_IGN => HostAction::Ignore,
        _ => HostAction::Record,
    }
}

/// Install the guest's dispositions of the glibc-reserved signals again: the host's
/// pthread_create installs glibc's own handler for them (the emulator calls it after starting a
/// host thread).
pub fn reinstall_reserved(signals: &Signals, held: &crate::task::Held) {
    for sig in sighandler::RESERVED {
        install_host(sig, &signals.action(sig, held));
    }
}

/// Mirror the disposition of `sig` on the host (SIGKILL's and SIGSTOP's cannot change).
pub fn install_host(sig: u32, action: &Action) {
    if UNBLOCKABLE & bit(sig) != 0 {
        return;
    }
    sighandler::install(sig, host_action(action), action.flags & (SA_NOCLDSTOP | SA_NOCLDWAIT));
}
