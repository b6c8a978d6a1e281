//! The socket operations (the kernel's `struct proto_ops`), one object per socket.
//!
//! A socket object is made by its registry row ([`crate::registry`]) and found again from a guest
//! fd by the socket table ([`crate::table`]). Guest fds are host fds, so every operation gets the
//! host fd it is called on: dup'd fds share one object, as they share one `struct file`.
//!
//! Every method has a default answering what the kernel's `sock_no_*` helpers answer, so a
//! provider implements only what its sockets support. The provider's side of the registry (what
//! a row's [`Provider`] is asked and answers) is here too, below the registry and the providers:
//! the providers and the table depend on this module, the registry on them.
//!
//! Memory contract: addresses, option values, ioctl arguments and the names and control messages
//! of a `msghdr` are the emulator's own buffers, in the host's layout. Data buffers (`Buf`, the
//! iovecs of a `msghdr`) are host ranges over guest memory that may fault: hand them to the host
//! kernel, which answers EFAULT where the guest's kernel would, or go through [`crate::iov`];
//! never dereference them from Rust.

use crate::Errno;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::Arc;

/// Flags of socket(2)'s type argument and of accept4(2).
pub const SOCK_NONBLOCK: u32 = 0o4000;
pub const SOCK_CLOEXEC: u32 = 0o2000000;

const MSG_DONTWAIT: u32 = 0x40;
const MSG_WAITFORONE: u32 = 0x1_0000;

/// Address families and socket types the registry and the providers name.
pub const AF_UNIX: u32 = 1;
pub const AF_INET: u32 = 2;
pub const AF_INET6: u32 = 10;
pub const AF_NETLINK: u32 = 16;
pub const AF_PACKET: u32 = 17;

pub const SOCK_STREAM: u32 = 1;
pub const SOCK_DGRAM: u32 = 2;
pub const SOCK_RAW: u32 = 3;
pub const SOCK_SEQPACKET: u32 = 5;
pub const SOCK_PACKET: u32 = 10;

/// What socket(2) asked for, after the registry's own checks ([`crate::registry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub family: u32,
    /// The type without flags (SOCK_PACKET on AF_INET already moved to AF_PACKET, netlink's
    /// SOCK_DGRAM already SOCK_RAW).
    pub kind: u32,
    /// SOCK_NONBLOCK and SOCK_CLOEXEC.
    pub flags: u32,
    pub protocol: u32,
    /// What an earlier row's provider answered when it was refused for lack of privilege.
    pub refused: Option<Errno>,
}

/// What a provider answers to a request its row matched.
#[derive(Debug)]
pub enum Answer {
    /// The socket.
    Made(NewSocket),
    /// The result is this error.
    Refused(Errno),
    /// Refused for lack of privilege: a later row may stand in; else the result is this error.
    Unprivileged(Errno),
    /// Not for this provider: the next row is asked.
    NotMine,
}

/// A provider's socketpair(2) (`kind` with its flags): `None` when the pair is not for it.
pub type PairFn = fn(family: u32, kind: u32, protocol: u32) -> Option<Result<(NewSocket, NewSocket), Errno>>;
/// A provider's recognition of a host fd the socket table does not know (inherited from a parent
/// that is not an emulator, or arrived by SCM_RIGHTS from another process) as one of its sockets,
/// which the provider gives the table when its mode is on ([`crate::table::claims_on`]).
pub type ClaimFn = fn(BorrowedFd) -> Option<Arc<dyn Socket>>;

/// Who implements sockets: one per file (`host.rs`, `ping.rs`, …), named in the registry's rows.
pub struct Provider {
    /// The provider's name, which keys its sockets' state in the handoff across execve.
    pub name: &'static str,
    /// Make a socket for a request its row matched.
    pub create: fn(&Request) -> Answer,
    /// socketpair(2); a family whose rows have none answers sock_no_socketpair's EOPNOTSUPP.
    pub pair: Option<PairFn>,
    /// The object of a socket carried across execve with the state [`Socket::state`] gave.
    pub restore: fn(&[u8]) -> Option<Arc<dyn Socket>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A host range over guest memory (see the module's memory contract).
#[derive(Debug, Clone, Copy)]
pub struct Buf {
    pub ptr: *mut u8,
    pub len: usize,
}

impl Buf {
    /// The range as the one iovec of a message.
    pub fn iovec(self) -> libc::iovec {
        libc::iovec { iov_base: self.ptr.cast(), iov_len: self.len }
    }
}

/// A new socket: its host fd and its object (`None`: a plain host socket, whose object is the
/// host provider's).
pub struct NewSocket {
    pub fd: OwnedFd,
    pub ops: Option<Arc<dyn Socket>>,
}

impl std::fmt::Debug for NewSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let provider = self.ops.as_ref().map_or("host", |o| o.provider().name);
        write!(f, "NewSocket({:?}, {provider})", self.fd)
    }
}

impl NewSocket {
    /// A plain host socket.
    pub fn host(fd: OwnedFd) -> NewSocket {
        NewSocket { fd, ops: None }
    }
}

/// One socket's operations. `fd` is the host fd the guest named.
pub trait Socket: Send + Sync {
    /// The provider that made this object: its name keys the state carried across execve.
    fn provider(&self) -> &'static Provider;
    /// What must survive execve, for the provider's `restore` (empty: nothing).
    fn state(&self) -> Vec<u8> {
        Vec::new()
    }

    /// bind(2). sock_no_bind: EOPNOTSUPP.
    fn bind(&self, _fd: BorrowedFd, _addr: &[u8]) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// connect(2). sock_no_connect: EOPNOTSUPP.
    fn connect(&self, _fd: BorrowedFd, _addr: &[u8]) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// listen(2). sock_no_listen: EOPNOTSUPP.
    fn listen(&self, _fd: BorrowedFd, _backlog: i32) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// accept4(2): the new socket and its peer's address length. sock_no_accept: EOPNOTSUPP.
    fn accept(&self, _fd: BorrowedFd, _flags: u32, _addr_out: &mut [u8]) -> Result<(NewSocket, usize), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// getsockname(2) (`peer` false) or getpeername(2) (`peer` true): the address length.
    fn name(&self, _fd: BorrowedFd, _peer: bool, _addr_out: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// sendto(2) / send(2).
    fn send_to(&self, _fd: BorrowedFd, _buf: Buf, _flags: u32, _to: Option<&[u8]>) -> Result<usize, Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// recvfrom(2) / recv(2): bytes received and the sender's address length (0 if none).
    fn recv_from(
        &self,
        _fd: BorrowedFd,
        _buf: Buf,
        _flags: u32,
        _from: Option<&mut [u8]>,
    ) -> Result<(usize, usize), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// sendmsg(2) with a host `msghdr` (name and control messages in host layout).
    fn send_msg(&self, _fd: BorrowedFd, _msg: &libc::msghdr, _flags: u32) -> Result<usize, Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// recvmsg(2) into a host `msghdr`: the call's result; `msg_namelen`, `msg_controllen` and
    /// `msg_flags` are updated as the host's recvmsg updates them.
    fn recv_msg(&self, _fd: BorrowedFd, _msg: &mut libc::msghdr, _flags: u32) -> Result<usize, Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// sendmmsg(2): how many messages went (each `msg_len` set), or the first one's error.
    /// The default is __sys_sendmmsg()'s loop over [`Socket::send_msg`].
    fn send_mmsg(&self, fd: BorrowedFd, msgs: &mut [libc::mmsghdr], flags: u32) -> Result<usize, Errno> {
        let mut sent = 0;
        for m in msgs.iter_mut() {
            match self.send_msg(fd, &m.msg_hdr, flags) {
                Ok(n) => m.msg_len = n as u32,
                Err(e) if sent == 0 => return Err(e),
                Err(_) => break,
            }
            sent += 1;
        }
        Ok(sent)
    }
    /// recvmmsg(2): how many messages came (each `msg_len` set), the time left written back to
    /// `timeout`. The default is do_recvmmsg()'s loop over [`Socket::recv_msg`]: after the first
    /// message MSG_WAITFORONE stops waiting, the timeout is looked at once a message has come, and
    /// an error ends the vector (it is the result only when nothing came).
    fn recv_mmsg(
        &self,
        fd: BorrowedFd,
        msgs: &mut [libc::mmsghdr],
        flags: u32,
        timeout: Option<&mut libc::timespec>,
    ) -> Result<usize, Errno> {
        let start = std::time::Instant::now();
        let limit = timeout.as_ref().map(|t| std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32));
        let mut each = flags & !MSG_WAITFORONE;
        let mut got = 0;
        for m in msgs.iter_mut() {
            match self.recv_msg(fd, &mut m.msg_hdr, each) {
                Ok(n) => m.msg_len = n as u32,
                Err(e) if got == 0 => return Err(e),
                Err(_) => break,
            }
            got += 1;
            if flags & MSG_WAITFORONE != 0 {
                each |= MSG_DONTWAIT;
            }
            if limit.is_some_and(|l| start.elapsed() >= l) {
                break;
            }
        }
        if let (Some(t), Some(l)) = (timeout, limit) {
            let rest = l.saturating_sub(start.elapsed());
            *t = libc::timespec { tv_sec: rest.as_secs() as i64, tv_nsec: i64::from(rest.subsec_nanos()) };
        }
        Ok(got)
    }
    /// read(2) and readv(2) on the socket: sock_read_iter() is recvmsg without a name.
    fn read(&self, fd: BorrowedFd, iov: &mut [libc::iovec]) -> Result<usize, Errno> {
        let mut msg = msghdr(iov);
        self.recv_msg(fd, &mut msg, 0)
    }
    /// write(2) and writev(2) on the socket: sock_write_iter() is sendmsg without a name.
    fn write(&self, fd: BorrowedFd, iov: &mut [libc::iovec]) -> Result<usize, Errno> {
        self.send_msg(fd, &msghdr(iov), 0)
    }
    /// shutdown(2). sock_no_shutdown: EOPNOTSUPP.
    fn shutdown(&self, _fd: BorrowedFd, _how: u32) -> Result<(), Errno> {
        Err(Errno::OPNOTSUPP)
    }
    /// setsockopt(2) with the option already in host layout.
    fn set_option(&self, _fd: BorrowedFd, _level: u32, _name: u32, _value: &[u8]) -> Result<(), Errno> {
        Err(Errno::NOPROTOOPT)
    }
    /// getsockopt(2) into `value` (host layout): the option's length.
    fn get_option(&self, _fd: BorrowedFd, _level: u32, _name: u32, _value: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::NOPROTOOPT)
    }
    /// A socket ioctl (`_IOC_TYPE` 0x89) whose argument, in host layout, is `arg` (an `int`, an
    /// `ifreq`, an `arpreq`, a timestamp): the call's result. sock_do_ioctl() without a device:
    /// ENOTTY.
    fn ioctl(&self, _fd: BorrowedFd, _request: u32, _arg: &mut [u8]) -> Result<i64, Errno> {
        Err(Errno::NOTTY)
    }
    /// SIOCGIFCONF: host `ifreq`s into `buf` (`None`: only the length needed); the bytes used.
    fn ifconf(&self, _fd: BorrowedFd, _buf: Option<&mut [u8]>) -> Result<usize, Errno> {
        Err(Errno::NOTTY)
    }
    /// What splice(2) from the socket into a pipe answers when the host's splice on its fd
    /// failed with `e` (the host's splice moves the data; a provider whose socket's
    /// `splice_read` answers otherwise maps the error).
    fn splice_read_error(&self, _fd: BorrowedFd, e: Errno) -> Errno {
        e
    }
    /// The poll events (`POLLIN`, …) the socket reports for the `events` asked, given what the
    /// host reported for its fd: a provider whose readiness differs from its host fd's adjusts
    /// them. Asked by poll(2) and ppoll(2) once the host's poll returned (the wait is the host
    /// fd's); select(2) and epoll report the host fd's readiness.
    fn poll(&self, _fd: BorrowedFd, _events: i16, revents: i16) -> i16 {
        revents
    }
}

/// A host `msghdr` with only data buffers.
pub fn msghdr(iov: &mut [libc::iovec]) -> libc::msghdr {
    libc::msghdr {
        msg_name: std::ptr::null_mut(),
        msg_namelen: 0,
        msg_iov: iov.as_mut_ptr(),
        msg_iovlen: iov.len(),
        msg_control: std::ptr::null_mut(),
        msg_controllen: 0,
        msg_flags: 0,
    }
}
