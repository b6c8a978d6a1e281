//! The state of one guest process that handlers share.

use crate::mem::GuestMemory;
use crate::sys::mm_space::Mm;
use crate::trace::Tracer;
use std::collections::HashSet;
use std::path::PathBuf;

/// What a handler gets: guest memory and the process it acts for.
pub struct Ctx<'a> {
    pub mem: &'a mut dyn GuestMemory,
    pub task: &'a mut Task,
}

/// Where the GDT lives in the guest address space: the page above `TASK_SIZE`, which the guest can
/// neither map nor unmap. Entries 12..=14 are the TLS entries set_thread_area hands out.
pub const GDT_ADDR: u32 = 0xffff_f000;
/// First and last TLS entry in the GDT (GDT_ENTRY_TLS_MIN/MAX on a 64-bit kernel).
pub const TLS_ENTRY_MIN: u32 = 12;
pub const TLS_ENTRY_MAX: u32 = 14;

/// Per-process state.
pub struct Task {
    pub mm: Mm,
    /// The guest program, absolute: what `/proc/self/exe` answers.
    pub exe: PathBuf,
    /// The release uname(2) reports.
    pub kernel_release: String,
    /// set_tid_address(2): cleared (and woken) when the thread exits.
    pub clear_child_tid: u32,
    /// set_robust_list(2) head and length.
    pub robust_list: (u32, u32),
    /// strace-format output, when asked for.
    pub tracer: Option<Tracer>,
    /// Dispositions, mask, alternate stack (sys/signal.rs).
    pub signals: crate::sys::signal::Signals,
    /// Unknown syscall numbers already logged.
    unsupported_seen: HashSet<u32>,
}

impl Task {
    pub fn new(mm: Mm, exe: PathBuf, kernel_release: String) -> Self {
        Task {
            mm,
            exe,
            kernel_release,
            clear_child_tid: 0,
            robust_list: (0, 0),
            tracer: None,
            signals: crate::sys::signal::Signals::from_host(),
            unsupported_seen: HashSet::new(),
        }
    }

    /// Log an unknown syscall number, once per number.
    pub fn unsupported(&mut self, nr: u32) {
        if self.unsupported_seen.insert(nr) {
            let name = crate::abi::nr::NAMES.get(nr as usize).copied().filter(|n| !n.is_empty());
            log::warn!("unsupported syscall {nr} ({}): ENOSYS", name.unwrap_or("unassigned"));
        }
    }
}
