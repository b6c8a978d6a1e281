//! The socket operations (the kernel's `struct proto_ops`).
//!
//! Every method has a default answering what the kernel's `sock_no_*` helpers answer, so a row
//! implements only what its protocol supports.

use crate::Errno;
use std::os::fd::OwnedFd;

/// Flags of socket(2)'s type argument and of accept4(2).
pub const SOCK_NONBLOCK: u32 = 0o4000;
pub const SOCK_CLOEXEC: u32 = 0o2000000;

/// One socket. Addresses are raw `sockaddr` bytes; `addr_out` buffers are `sockaddr_storage`
/// sized, and the methods that fill one answer the address's full length.
pub trait Socket {
    /// bind(2). sock_no_bind: EOPNOTSUPP.
    fn bind(&self, _addr: &[u8]) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// connect(2). sock_no_connect: EOPNOTSUPP.
    fn connect(&self, _addr: &[u8]) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// listen(2). sock_no_listen: EOPNOTSUPP.
    fn listen(&self, _backlog: i32) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// accept4(2): the new socket and its peer's address length. sock_no_accept: EOPNOTSUPP.
    fn accept(&self, _flags: u32, _addr_out: &mut [u8]) -> Result<(OwnedFd, usize), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// getsockname(2) (`peer` false) or getpeername(2) (`peer` true): the address length.
    fn name(&self, _peer: bool, _addr_out: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// sendto(2) / send(2).
    fn send_to(&self, _buf: &[u8], _flags: u32, _to: Option<&[u8]>) -> Result<usize, Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// recvfrom(2) / recv(2): bytes received and the sender's address length (0 if none).
    fn recv_from(&self, _buf: &mut [u8], _flags: u32, _from: Option<&mut [u8]>) -> Result<(usize, usize), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// shutdown(2). sock_no_shutdown: EOPNOTSUPP.
    fn shutdown(&self, _how: u32) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// setsockopt(2) with the option already in host layout.
    fn set_option(&self, _level: u32, _name: u32, _value: &[u8]) -> Result<(), Errno> {
        Err(Errno::NOPROTOOPT)
    }
    /// getsockopt(2) into `value` (host layout): the option's length.
    fn get_option(&self, _level: u32, _name: u32, _value: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::NOPROTOOPT)
    }
}
