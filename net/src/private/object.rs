//! The private socket object: one per socket (its fds share it through the socket table), holding
//! the socket's [`State`]; each operation is a [`Call`] on the fd the guest named.

use super::addr::Proto;
use super::socket::Call;
use super::{Kind, State, PROVIDER};
use crate::socket::{Buf, NewSocket, Provider, Socket};
use crate::Errno;
use std::os::fd::BorrowedFd;
use std::sync::Mutex;

/// A private socket's object.
pub struct Private(Mutex<State>);

impl Private {
    pub fn new(state: State) -> Private {
        Private(Mutex::new(state))
    }

    /// The state now.
    pub fn snapshot(&self) -> State {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Change the state.
    pub fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn call<'a>(&'a self, fd: BorrowedFd<'a>) -> Call<'a> {
        Call { fd, obj: self, state: self.snapshot() }
    }
}

impl Socket for Private {
    fn provider(&self) -> &'static Provider {
        &PROVIDER
    }

    fn state(&self) -> Vec<u8> {
        self.snapshot().encode()
    }

    fn bind(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        self.call(fd).bind(addr)
    }

    fn connect(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        self.call(fd).connect(addr)
    }

    fn listen(&self, fd: BorrowedFd, backlog: i32) -> Result<(), Errno> {
        self.call(fd).listen(backlog)
    }

    fn accept(&self, fd: BorrowedFd, flags: u32, addr_out: &mut [u8]) -> Result<(NewSocket, usize), Errno> {
        self.call(fd).accept(flags, addr_out)
    }

    fn name(&self, fd: BorrowedFd, peer: bool, addr_out: &mut [u8]) -> Result<usize, Errno> {
        self.call(fd).name(peer, addr_out)
    }

    fn send_to(&self, fd: BorrowedFd, buf: Buf, flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
        self.call(fd).send_to_raw(buf.ptr, buf.len, flags, to)
    }

    fn recv_from(
        &self,
        fd: BorrowedFd,
        buf: Buf,
        flags: u32,
        from: Option<&mut [u8]>,
    ) -> Result<(usize, usize), Errno> {
        self.call(fd).recv_from_raw(buf.ptr, buf.len, flags, from)
    }

    fn send_msg(&self, fd: BorrowedFd, msg: &libc::msghdr, flags: u32) -> Result<usize, Errno> {
        // The name is swapped for the host's during the call: on a copy of the header.
        let mut msg = *msg;
        self.call(fd).send_msg_raw(&mut msg, flags)
    }

    fn recv_msg(&self, fd: BorrowedFd, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
        self.call(fd).recv_msg_raw(msg, flags)
    }

    fn shutdown(&self, fd: BorrowedFd, how: u32) -> Result<(), Errno> {
        self.call(fd).shutdown(how)
    }

    fn set_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
        self.call(fd).set_option(level, name, value)
    }

    fn get_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
        self.call(fd).get_option(level, name, value)
    }

    fn ioctl(&self, fd: BorrowedFd, request: u32, arg: &mut [u8]) -> Result<i64, Errno> {
        self.call(fd).ioctl(request, arg)
    }

    fn splice_read_error(&self, fd: BorrowedFd, e: Errno) -> Errno {
        self.call(fd).splice_read_errno(e)
    }

    /// A pending error is readiness (sk_err: POLLERR), and a refused TCP connect leaves a
    /// closed socket (tcp_poll() after tcp_done(): POLLHUP, POLLIN, POLLRDHUP and POLLOUT, also
    /// once SO_ERROR took the error); the host socket underneath has neither. TCP urgent data:
    /// readable only with data beyond an urgent byte at the head ([`super::urgent`]).
    fn poll(&self, fd: BorrowedFd, events: i16, revents: i16) -> i16 {
        let state = self.snapshot();
        let err = if state.pending.is_some() { libc::POLLERR } else { 0 };
        match state.kind {
            Kind::Inet { proto: Proto::Tcp, .. } if state.refused => {
                let asked = libc::POLLIN | libc::POLLRDNORM | libc::POLLOUT | libc::POLLWRNORM | libc::POLLRDHUP;
                revents | (events & asked) | err | libc::POLLHUP
            }
            Kind::Inet { proto: Proto::Tcp, .. } => {
                let readable = libc::POLLIN | libc::POLLRDNORM;
                if revents & readable != 0 && !self.call(fd).tcp_readable() {
                    return (revents & !readable) | err;
                }
                revents | err
            }
            _ => revents | err,
        }
    }

    /// SIOCGIFCONF: `lo` only.
    fn ifconf(&self, fd: BorrowedFd, buf: Option<&mut [u8]>) -> Result<usize, Errno> {
        self.call(fd).ifconf(size_of::<libc::ifreq>(), buf)
    }
}
