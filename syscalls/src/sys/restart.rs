//! restart_syscall(2), and the two calls emu386 answers ENOSYS with a reason: ptrace(2) and
//! bpf(2).

use crate::abi::nr;
use crate::entry;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::restart_syscall, restart_syscall, []),
    entry!(nr::ptrace, ptrace, [Int, Int, Ptr, Ptr]),
    entry!(nr::bpf, bpf, [Int, Ptr, Uint]),
];

/// Implements restart_syscall(2): the kernel calls `current->restart_block.fn`, which is
/// do_no_restart_syscall() (EINTR) unless an interrupted nanosleep, clock_nanosleep, poll or
/// futex wait left its continuation there. emu386 never leaves one for the guest: those calls
/// sleep in the host, which restarts them itself after a stop signal, and one interrupted by a
/// guest handler answers EINTR (the kernel's `-ERESTART_RESTARTBLOCK` becomes EINTR when a
/// handler runs, and rt_sigreturn resets the block to do_no_restart_syscall()). What is not
/// reproduced: a restart_syscall made from inside the handler, before it returns, which the
/// kernel would answer by resuming the interrupted sleep.
fn restart_syscall(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::INTR.into())
}

/// ptrace(2): ENOSYS, on purpose. Every emulated process is a host process whose registers are
/// the emulator's (the guest's are in the engine), whose memory holds the guest's at an offset,
/// and whose host syscalls are the emulator's, not the guest's `int $0x80`: the host's ptrace
/// would show a tracer none of the tracee's state, and stop it where the guest does not stop.
/// Emulating it needs tracer and tracee emulators to cooperate (stops at guest syscalls and
/// signals, PEEK/POKE through guest addresses, the i386 `user_regs_struct` from the engine),
/// which emu386 does not do; answering PTRACE_TRACEME with success would promise all of that.
/// A program that probes for a debugger with PTRACE_TRACEME sees -1, as under a tracer.
fn ptrace(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::NOSYS.into())
}

/// bpf(2): ENOSYS, on purpose. `union bpf_attr` carries its pointers as `__aligned_u64`, so its
/// layout is the same for i386, but every one of them (instructions, license, log buffer, map
/// keys and values, BTF, link and iterator info) is a guest address the host would need
/// translated, command by command and field by field (some 40 commands). And what a loaded
/// program sees would be the emulator's: a tracing program (kprobe, tracepoint, perf event,
/// uprobe) gets the host's x86-64 registers and the emulator's addresses, not the guest's. Only
/// socket filters would work unchanged, and classic BPF (SO_ATTACH_FILTER) covers those.
fn bpf(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::NOSYS.into())
}
