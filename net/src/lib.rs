//! emu386's socket layer, shaped like the kernel's: a family registry ([`registry`], the kernel's
//! `net_families`) whose families hold protocol-switch rows keyed by type and protocol (the kernel's
//! `inetsw_array`), each row naming an implementation of [`Socket`] (the kernel's `proto_ops`).
//!
//! Contract: this crate never touches guest memory. The syscall layer copies addresses, buffers and
//! options in and out and hands over host slices; addresses travel as the raw `sockaddr` bytes,
//! whose layout is the same for i386 and x86-64 (`sockaddr_in`, `_in6`, `_un`, `_nl`, `_ll`).
//!
//! Host-backed rows are host sockets: the guest's fd number *is* the host fd, so the host kernel
//! validates addresses and options and answers with the kernel's own errno. In-emulator rows (for
//! what the host cannot give an unprivileged process) implement [`Socket`] themselves.

pub mod host;
pub mod ping;
pub mod private;
pub mod registry;
pub mod socket;

pub use registry::{create, Provider};
pub use rustix::io::Errno;
pub use socket::Socket;
