//! The i386 Linux system-call interface of emu386.
//!
//! - [`abi`]: constants and structs exactly as i386 Linux lays them out (size asserts under each).
//! - [`mem`]: the fallible, typed view of guest memory every handler uses; any bad byte is `EFAULT`.
//! - [`call`]: a syscall as seen from outside its handler: the argument registers and how the tracer
//!   shows each argument and the result.
//! - [`row`]: one row of the table: the call, its handler and the facts about it.
//! - [`table`]: the one syscall table (number → name, handler, argument kinds) and the one dispatcher,
//!   the only place where a handler's result becomes the guest's `%eax`.
//! - [`task`], [`state`], [`shared`]: a guest thread's task, the state it holds, and the
//!   process-wide values reached only with the emulator lock's proof.
//! - [`space`]: the guest address space (`mm_struct`): its VMAs, placement, limits.
//! - [`sys`]: the handlers, one file per family.
//! - [`hostcall`]: safe wrappers of the host calls rustix lacks, so that handlers hold no unsafe.
//! - [`trace`]: strace-format output, driven by the table's argument kinds.
//! - [`replay`]: the native run's random bytes and clock readings handed back under `emu386 diff`.
//!
//! Handlers never panic on guest input: every pointer, length and flag is checked and answered with
//! the errno the kernel gives.

// The ABI, the table and the tracer are plain data and formatting: no unsafe code. Unsafe stays in
// the memory layer, the host calls of the handlers and the emulator's CPU code.
#[forbid(unsafe_code)]
pub mod abi;
#[forbid(unsafe_code)]
pub mod call;
pub mod hostcall;
pub mod mem;
pub mod replay;
#[forbid(unsafe_code)]
pub mod row;
pub mod shared;
pub mod space;
pub mod state;
pub mod sys;
#[forbid(unsafe_code)]
pub mod table;
pub mod task;
#[forbid(unsafe_code)]
pub mod trace;

pub use rustix::io::Errno;
pub use table::{dispatch, Flow};
pub use task::{Ctx, Task};

/// Why a handler did not return a value to the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysError {
    /// A Linux errno; the dispatcher hands `-errno` to the guest.
    Errno(Errno),
    /// The guest asked to stop: the run loop ends the program.
    Exit(Exit),
}

/// How the guest program ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `exit_group(status)` (or `exit` of the last thread).
    Status(i32),
    /// Killed by this signal number.
    Signal(i32),
}

impl From<Errno> for SysError {
    fn from(e: Errno) -> Self {
        SysError::Errno(e)
    }
}

impl From<std::io::Error> for SysError {
    /// Host I/O errors carry Linux errno values already: the translation is the identity.
    fn from(e: std::io::Error) -> Self {
        SysError::Errno(errno_of(&e))
    }
}

/// The Linux errno behind a host error (EIO when the error carries none).
pub fn errno_of(e: &std::io::Error) -> Errno {
    e.raw_os_error().map_or(Errno::IO, Errno::from_raw_os_error)
}

/// The errno a failed host libc call left.
pub fn last_errno() -> Errno {
    errno_of(&std::io::Error::last_os_error())
}

/// A raw host call's result (`libc::syscall` and the like answer -1 and leave errno): the value,
/// or the host's errno, which is the guest's.
pub fn host(r: libc::c_long) -> Result<i64, Errno> {
    if r < 0 {
        return Err(last_errno());
    }
    Ok(r)
}

/// What a handler returns: the value for `%eax`, or why there is none.
pub type SysResult = Result<u32, SysError>;
