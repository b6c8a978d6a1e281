//! The state types a [`crate::Task`] holds, below the handlers that work on them: the signal
//! state (sys/signal.rs), rseq's registration (sys/rseq.rs), how the emulator runs itself again
//! (sys/exec.rs), seccomp's mode and filters (sys/seccomp.rs). The families re-export them where they have always been found
//! (`sys::signal::Signals`); plain data here, so the task layer needs no handler module.

use crate::abi::signal::{NSIG, SIG_DFL, SIG_IGN, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};

use crate::shared::{Held, Shared};
use std::ffi::OsString;
use std::os::fd::RawFd;
use std::sync::Arc;

/// One signal's disposition (`struct k_sigaction`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Action {
    pub handler: u32,
    pub flags: u32,
    pub restorer: u32,
    pub mask: u64,
}

impl Action {
    /// Whether a guest function handles the signal.
    pub fn is_handler(&self) -> bool {
        self.handler != SIG_DFL && self.handler != SIG_IGN
    }
}

/// Which sigreturn the guest asked for; the run loop restores the registers from the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sigreturn {
    /// rt_sigreturn(2): `struct rt_sigframe_ia32` at `%esp - 4`.
    Rt,
    /// sigreturn(2): `struct sigframe_ia32` at `%esp - 8`.
    Old,
}

/// The guest's signal state of one thread; the dispositions are the process's.
#[derive(Debug, Clone)]
pub struct Signals {
    /// Dispositions of signals 1..=64 (index `sig - 1`), shared by the threads of a process.
    pub actions: Shared<[Action; NSIG as usize]>,
    /// The blocked set.
    pub mask: u64,
    /// The mask to restore after a handler interrupted rt_sigsuspend (`saved_sigmask`).
    pub saved_mask: Option<u64>,
    /// sigaltstack(2): base, size, flags (`SS_AUTODISARM`).
    pub altstack: (u32, u32, u32),
    /// The guest's `%esp` at the current syscall (set by the run loop for calls that need it).
    pub esp: u32,
    /// Set by rt_sigreturn/sigreturn; the run loop restores the frame.
    pub sigreturn: Option<Sigreturn>,
    /// Set by a handler whose EINTR must never become a restart (a socket with a timeout:
    /// sock_intr_errno()); cleared by the run loop after each call.
    pub no_restart: bool,
}

impl Signals {
    /// The state of a new thread: the same dispositions and mask, nothing pending, no
    /// alternate stack.
    pub fn for_new_thread(&self) -> Self {
        Signals {
            actions: self.actions.clone(),
            mask: self.mask,
            saved_mask: None,
            altstack: (0, 0, SS_DISABLE),
            esp: 0,
            sigreturn: None,
            no_restart: false,
        }
    }

    /// The disposition of `sig` (1..=64).
    pub fn action(&self, sig: u32, held: &Held) -> Action {
        self.actions.get(held).get(sig.wrapping_sub(1) as usize).copied().unwrap_or_default()
    }

    /// `on_sig_stack(sp)`.
    pub fn on_altstack(&self, sp: u32) -> bool {
        let (base, size, flags) = self.altstack;
        if flags & SS_AUTODISARM != 0 {
            return false;
        }
        sp > base && sp - base <= size
    }

    /// `sas_ss_flags(sp)`.
    pub fn altstack_flags(&self, sp: u32) -> u32 {
        if self.altstack.1 == 0 {
            SS_DISABLE
        } else if self.on_altstack(sp) {
            SS_ONSTACK
        } else {
            0
        }
    }
}

/// How the emulator starts itself again for an i386 program; set once at start-up.
#[derive(Debug)]
pub struct Emulator {
    /// The emulator binary's device and inode, read through `/proc/self/exe` when a guest execve
    /// first asks (see [`Emulator::id`]).
    ///
    /// The binary is opened again through `/proc/self/exe` when it is executed, which reaches the
    /// running file even after a rebuild replaced or deleted it. It is not kept open: the
    /// emulator's fds sit above the guest's, at the top of RLIMIT_NOFILE, and one held there for
    /// the whole run makes every fork copy an fd table of that size.
    id: std::sync::OnceLock<Option<(u64, u64)>>,
    /// Options the next emulator gets (e.g. `--kernel-release=R`).
    pub options: Vec<OsString>,
    /// The --strace output fd, handed over as `--strace-fd=N`.
    pub trace_fd: Option<RawFd>,
}

impl Emulator {
    /// The emulator as a guest execve starts it again, with `options` and the trace fd.
    pub fn new(options: Vec<OsString>, trace_fd: Option<RawFd>) -> Self {
        Self { id: std::sync::OnceLock::new(), options, trace_fd }
    }

    /// The emulator binary's device and inode; `None` (a guest execve of an i386 program then
    /// fails) when `/proc/self/exe` cannot be read. Read at the first call, not at start-up: the
    /// link names the running binary for the whole life of the process (the same file then as at
    /// start-up), and most programs never execute one.
    pub fn id(&self) -> Option<(u64, u64)> {
        *self.id.get_or_init(|| match rustix::fs::stat("/proc/self/exe") {
            Ok(st) => Some((st.st_dev, st.st_ino)),
            Err(e) => {
                log::warn!("cannot stat /proc/self/exe, a guest execve of an i386 program will fail: {e}");
                None
            }
        })
    }
}

/// A thread's registration: `current->rseq`, `rseq_len`, `rseq_sig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    pub addr: u32,
    pub len: u32,
    pub sig: u32,
    /// The (cpu, node, mm_cid) last written to the area; `None` until the first return to the
    /// guest after registration (rseq_set_notify_resume()).
    pub(crate) written: Option<(u32, u32, u32)>,
}

/// One classic BPF instruction (`struct sock_filter`, 8 bytes on every architecture).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeccompInsn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// One attached filter and the ones attached before it (`struct seccomp_filter`).
#[derive(Debug)]
pub struct SeccompFilter {
    pub(crate) prog: Vec<SeccompInsn>,
    pub(crate) log: bool,
    pub(crate) prev: Option<Arc<SeccompFilter>>,
}

/// A thread's seccomp state (`struct seccomp`); what it does is `sys::seccomp`'s.
#[derive(Debug, Clone, Default)]
pub struct SeccompState {
    pub mode: u32,
    pub(crate) filter: Option<Arc<SeccompFilter>>,
    /// The serial of the SECCOMP_FILTER_FLAG_TSYNC state this thread has taken
    /// (`sys::seccomp`'s `SYNCED`).
    pub(crate) synced: u64,
}
