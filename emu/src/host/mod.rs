//! Safe wrappers of the host calls the emulator binary makes outside its memory (mem.rs,
//! direct.rs) and CPU (cpu.rs, engine.rs) modules, one per call or per group of requests of one
//! call, each documenting why it is sound: the machine's logic (the run loop, threads, signals,
//! `emu386 diff`, `emu386 suite`, binfmt) calls these and holds no `unsafe` of its own, except
//! what is the machine itself and would only be a pass-through here (see thread.rs and lock.rs).
//!
//! A wrapper is sound whatever its arguments: the pointers the host follows are built here from
//! references that live across the call. Errors come back as the host's errno, unchanged, so the
//! callers' checks read as before. rustix is used where it has the call with the same errno.
//!
//! - [`process`]: ending the process or thread, signals to processes, pidfds, reaping,
//!   resource limits and personality for a child about to exec, the auxiliary vector,
//!   the environment as it came.
//! - [`ptrace`]: the tracer of `emu386 diff`'s native side: fork and exec of the tracee, ptrace
//!   requests, reading and writing its memory.
//! - [`argv`]: the emulator's argument area, rewritten to show the guest's argv.
//! - [`mm`]: memory shared with the children.
//! - [`thread`]: signal masks around thread creation, futexes, the stacks of processes that
//!   share the address space.

pub mod argv;
pub mod mm;
pub mod process;
pub mod ptrace;
pub mod thread;
