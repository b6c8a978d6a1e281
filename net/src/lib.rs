//! emu386's socket layer, shaped like the kernel's: a family registry ([`registry`], the kernel's
//! `net_families`) whose families hold protocol-switch rows keyed by type and protocol (the kernel's
//! `inetsw_array`), each row naming a provider that makes socket objects implementing [`Socket`]
//! (the kernel's `proto_ops`), and the process's socket table ([`table`]) that finds a guest fd's
//! object again.
//!
//! Layers, each using only those below it: [`socket`] (the trait and what a provider is asked)
//! at the bottom, the host-call wrappers ([`host::sock`], [`host::msg`], [`host::shm`]) and
//! [`table`] above it, the providers above them, the registry on top.
//!
//! Unsafe code: every host call of the crate is a safe wrapper in those three modules, and the
//! private network's shared socket state (`private::shared`) is the one memory layer; the
//! providers, the table and the registry hold no `unsafe`.
//!
//! Contract: this crate never touches guest memory. The syscall layer copies addresses, options
//! and control messages in and out and converts their i386 layouts; the socket operations get the
//! emulator's buffers in the host's layout, and data as host ranges the host kernel checks
//! ([`socket`]'s memory contract). Addresses travel as the raw `sockaddr` bytes, whose layout is
//! the same for i386 and x86-64 (`sockaddr_in`, `_in6`, `_un`, `_nl`, `_ll`).
//!
//! Providers, one file (or folder) each: [`host`] (host sockets: the guest's fd number is the
//! host fd, so the host kernel validates addresses and options and answers with the kernel's own
//! errno; the default for every fd), [`ping`] (raw ICMP on a ping socket when the host refuses
//! raw sockets) and [`private`] (`--net=private`: a network with only `lo`, whose TCP and UDP
//! sockets stand on host AF_UNIX sockets).

pub mod host;
pub mod iov;
pub mod ping;
pub mod private;
pub mod registry;
pub mod socket;
pub mod table;

pub use registry::{create, socketpair};
pub use rustix::io::Errno;
pub use socket::{Answer, Buf, NewSocket, Provider, Socket};

/// The options a guest execve passes to the next emulator so that it is on the same network
/// (the sockets themselves travel in the socket table's handoff, [`table::export`]).
pub fn exec_options() -> Vec<String> {
    private::exec_options()
}
