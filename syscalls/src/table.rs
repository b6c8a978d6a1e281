//! The syscall table and the one dispatcher.
//!
//! The table is data: each entry names a syscall, its handler and how each argument is shown by the
//! tracer. Families contribute their entries (`sys::<family>::ENTRIES`); [`dispatch`] is the only
//! place where a handler's result becomes the value of `%eax`, and the only place where unknown
//! numbers are answered (ENOSYS, logged once per number).

use crate::abi::nr;
use crate::task::Ctx;
use crate::{sys, trace, Errno, Exit, SysError, SysResult};
use std::sync::LazyLock;

/// The six argument registers, `%ebx %ecx %edx %esi %edi %ebp`.
pub type Args = [u32; 6];

/// A syscall handler.
pub type Handler = fn(&mut Ctx, &Args) -> SysResult;

/// How the tracer shows one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// Signed decimal.
    Int,
    /// Unsigned decimal.
    Uint,
    /// Hexadecimal.
    Hex,
    /// An address (`NULL` or `0x…`).
    Ptr,
    /// A file descriptor.
    Fd,
    /// A directory fd for the *at calls (`AT_FDCWD`).
    DirFd,
    /// A NUL-terminated string read before the call.
    Str,
    /// Bytes the call reads; the length is argument N.
    InBuf(u8),
    /// Bytes the call writes; the length is the return value.
    OutBuf,
    /// `O_*` open flags.
    OpenFlags,
    /// A mode in octal.
    Mode,
    /// Named flags OR-ed together.
    Flags(&'static [(u32, &'static str)]),
    /// One of several named values.
    Enum(&'static [(u32, &'static str)]),
    /// A socket address read before the call; its length is argument N.
    Sockaddr(u8),
    /// A `struct timespec` (32-bit time fields).
    Timespec,
    /// A `struct __kernel_timespec` (64-bit time fields).
    Timespec64,
}

/// How the tracer shows the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    Int,
    Hex,
    /// Never returns (`exit`, `exit_group`): strace prints `= ?`.
    NoReturn,
}

/// One row of the table.
#[derive(Debug)]
pub struct Entry {
    pub nr: u32,
    pub name: &'static str,
    pub handler: Handler,
    pub args: &'static [Arg],
    pub ret: Ret,
}

/// A table row: `entry!(nr::write, sys::fs::write, [Fd, InBuf(2), Uint])`.
#[macro_export]
macro_rules! entry {
    ($nr:path, $handler:path, [$($arg:expr),* $(,)?]) => {
        $crate::entry!($nr, $handler, [$($arg),*], $crate::table::Ret::Int)
    };
    ($nr:path, $handler:path, [$($arg:expr),* $(,)?], $ret:expr) => {
        $crate::table::Entry {
            nr: $nr,
            name: $crate::abi::nr::NAMES[$nr as usize],
            handler: $handler,
            args: &[$($arg),*],
            ret: $ret,
        }
    };
}

/// The table, indexed by number.
static TABLE: LazyLock<Vec<Option<&'static Entry>>> = LazyLock::new(|| {
    let mut table = vec![None; nr::NAMES.len()];
    for entry in sys::FAMILIES.iter().flat_map(|family| family.iter()) {
        let slot = &mut table[entry.nr as usize];
        assert!(slot.is_none(), "syscall {} has two entries", entry.name);
        *slot = Some(entry);
    }
    table
});

/// The table row for a syscall number.
pub fn lookup(nr: u32) -> Option<&'static Entry> {
    TABLE.get(nr as usize).copied().flatten()
}

/// What the machine does after a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Write this to `%eax` and continue.
    Return(u32),
    /// Stop the program.
    Exit(Exit),
}

/// What a handler's result means for the machine: the guest's `%eax` (the value, or `-errno`), or
/// the end of the program.
fn flow(result: &SysResult) -> Flow {
    match result {
        Ok(v) => Flow::Return(*v),
        Err(SysError::Errno(e)) => Flow::Return((e.raw_os_error() as u32).wrapping_neg()),
        Err(SysError::Exit(exit)) => Flow::Exit(*exit),
    }
}

/// Run syscall `nr` with `args` and say what the machine does next.
pub fn dispatch(ctx: &mut Ctx, nr: u32, args: &Args) -> Flow {
    let entry = lookup(nr);
    if let Some(e) = entry {
        if ctx.task.tracer.is_some() && e.ret == Ret::NoReturn {
            trace::call(ctx, nr, e, args, None);
        }
    }
    let result = match entry {
        Some(e) => (e.handler)(ctx, args),
        None => {
            ctx.task.unsupported(nr);
            Err(SysError::Errno(Errno::NOSYS))
        }
    };
    let flow = flow(&result);
    let value = match flow {
        Flow::Return(v) => Some(v),
        Flow::Exit(_) => None,
    };
    if ctx.task.tracer.is_some() {
        // socketcall is shown as the call it performs, with that call's arguments.
        let unpacked = (nr == nr::socketcall)
            .then(|| sys::socketcall::unpack(ctx.mem, args).ok())
            .flatten()
            .and_then(|(direct, direct_args)| Some((lookup(direct)?, direct_args)));
        match (entry, unpacked) {
            (_, Some((e, direct_args))) => trace::call(ctx, e.nr, e, &direct_args, value),
            (Some(e), None) if e.ret != Ret::NoReturn => trace::call(ctx, nr, e, args, value),
            (Some(_), None) => {}
            (None, None) => trace::unknown(ctx, nr, args, value),
        }
    }
    flow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_sits_at_its_number_and_is_named_as_the_kernel_names_it() {
        for (nr, entry) in TABLE.iter().enumerate() {
            if let Some(e) = entry {
                assert_eq!(e.nr as usize, nr);
                assert_eq!(e.name, nr::NAMES[nr], "entry for {nr}");
            }
        }
    }

    #[test]
    fn errno_becomes_negative_eax() {
        assert_eq!(flow(&Err(Errno::NOENT.into())), Flow::Return(-2i32 as u32));
        assert_eq!(flow(&Ok(7)), Flow::Return(7));
        assert_eq!(flow(&Err(SysError::Exit(Exit::Status(0)))), Flow::Exit(Exit::Status(0)));
    }
}
