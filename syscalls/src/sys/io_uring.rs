//! io_uring_setup(2), io_uring_enter(2), io_uring_register(2): ENOSYS, as a kernel built without
//! CONFIG_IO_URING answers (kernel/sys_ni.c), deliberately and without the "unsupported" log.
//!
//! Why not the host's io_uring: the submission and completion rings are memory shared between
//! the program and the kernel, which reads the program's SQEs from them asynchronously, on its own
//! workers, long after io_uring_enter returned. A 32-bit task's SQEs hold 64-bit `addr`,
//! `addr2`, `addr3` and `user_data` fields, and for most opcodes those are user pointers (buffers,
//! iovec arrays, msghdrs, sockaddrs, paths, timespecs, `struct open_how`, epoll events, futex
//! words…), each in its opcode's i386 layout (the kernel reads iovecs and msghdrs as compat structs
//! only because the ring belongs to a compat task, `ctx->compat`). Passing the rings through would
//! need the emulator to own the real rings, copy every SQE from the guest's ring as it is
//! submitted, translate each pointer and each pointed-to struct per opcode (and keep the
//! translated structs alive until the completion), mirror CQEs back, and do the same for
//! registered buffers and files, SQPOLL rings that the kernel polls without any syscall at all,
//! and the provided-buffer rings; a guest pointer the host kernel read unchanged would be a host
//! address, not the guest's. That is a second io_uring implementation, not a forwarding layer;
//! until it exists, programs (liburing, glibc-less runtimes) see a kernel without io_uring and fall
//! back to ordinary syscalls, which they all do on ENOSYS.

use crate::abi::nr;
use crate::entry;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::io_uring_setup, io_uring_setup, [Uint, Ptr]),
    entry!(nr::io_uring_enter, io_uring_enter, [Fd, Uint, Uint, Hex, Ptr, Uint]),
    entry!(nr::io_uring_register, io_uring_register, [Fd, Uint, Ptr, Uint]),
];

/// Implements io_uring_setup(2) as a kernel without io_uring does (see the module comment).
fn io_uring_setup(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::NOSYS.into())
}

/// Implements io_uring_enter(2) as a kernel without io_uring does.
fn io_uring_enter(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::NOSYS.into())
}

/// Implements io_uring_register(2) as a kernel without io_uring does.
fn io_uring_register(_: &mut Ctx, _: &Args) -> SysResult {
    Err(Errno::NOSYS.into())
}
