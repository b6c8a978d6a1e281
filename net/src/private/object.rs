//! The private socket object: one per socket (its fds share it through the socket table), holding
//! the socket's [`State`]; each operation is a [`Call`] on the fd the guest named. An IP socket's
//! state lives in a slot of the memory the process tree shares ([`super::shared`]), so that the
//! processes holding the socket after fork see one state; the time of the last datagram
//! received (SIOCGSTAMP) is each process's own.

use super::addr::Proto;
use super::shared::Slot;
use super::socket::Call;
use super::{Kind, State, PROVIDER};
use crate::socket::{Buf, NewSocket, Provider, Socket};
use crate::Errno;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};

/// A private socket's object.
pub struct Private {
    /// The state, when it is not in a slot (and the receive stamp always).
    local: Mutex<State>,
    slot: Option<Slot>,
    /// The slot knows the socket's inode.
    identified: AtomicBool,
    /// The state outgrew its slot: the process keeps it from then on.
    own: AtomicBool,
}

impl Private {
    pub fn new(state: State) -> Private {
        let slot = if matches!(state.kind, Kind::Inet { .. }) { Slot::take(&state) } else { None };
        Private { local: Mutex::new(state), slot, identified: AtomicBool::new(false), own: AtomicBool::new(false) }
    }

    fn local(&self) -> MutexGuard<'_, State> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn shared(&self) -> Option<&Slot> {
        self.slot.as_ref().filter(|_| !self.own.load(Relaxed))
    }

    /// The state now.
    pub fn snapshot(&self) -> State {
        let local = self.local();
        match self.shared().and_then(Slot::read) {
            Some(state) => State { stamp: local.stamp, ..state },
            None => local.clone(),
        }
    }

    /// Change the state.
    pub fn update(&self, f: impl FnOnce(&mut State)) {
        let mut local = self.local();
        let Some(slot) = self.shared() else { return f(&mut local) };
        let stamp = local.stamp;
        match slot.modify(|s| {
            s.stamp = stamp;
            f(s);
        }) {
            Some((state, true)) => local.stamp = state.stamp,
            Some((state, false)) => {
                log::warn!(
                    "private socket state of {} bytes does not fit a shared slot: kept by this process",
                    state.encode().len()
                );
                self.own.store(true, Relaxed);
                *local = state;
            }
            // Not parsed: what this process last knew.
            None => {}
        }
    }

    fn call<'a>(&'a self, fd: BorrowedFd<'a>) -> Call<'a> {
        if let Some(slot) = self.shared().filter(|_| !self.identified.swap(true, Relaxed)) {
            if let Ok(st) = rustix::fs::fstat(fd) {
                slot.identify(st.st_ino);
            }
        }
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
    /// once SO_ERROR took the error); the host socket underneath has neither. A connected TCP
    /// socket whose peer closed is POLLHUP only once it shut down its own sending side. TCP urgent data:
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
                // tcp_poll(): POLLHUP once both directions are shut down; a peer's close shuts
                // down only the receiving side (POLLIN, POLLRDHUP), AF_UNIX's both.
                let revents = if state.shut_wr { revents } else { revents & !libc::POLLHUP };
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
