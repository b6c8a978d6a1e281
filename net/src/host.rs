//! The host provider (the default): the guest's fd number is a host socket of the family, type and
//! protocol the guest asked for, and each operation is the host syscall on it. Address bytes go
//! to the host as they came from the guest, so the host kernel does the validation (lengths,
//! families, privileges) and answers with its own errno. Every host fd the socket table does not
//! know is one of these. The object has no state: one [`Host`] serves every host socket.
//!
//! Its submodules are the crate's host-call module: [`sock`] (the socket calls on addresses,
//! options and ioctls), [`msg`] (the message calls and a `msghdr`'s parts) and [`shm`] (the
//! private network's shared mapping), one safe wrapper per call, so that the providers hold no
//! `unsafe` of their own.

use crate::socket::{Answer, Buf, NewSocket, Provider, Socket};
use crate::Errno;
use std::os::fd::BorrowedFd;
use std::sync::{Arc, LazyLock};

pub mod msg;
pub mod shm;
pub mod sock;

pub use sock::{socket, socketpair};

pub static PROVIDER: Provider = Provider {
    name: "host",
    create: |req| match socket(req.family, req.kind | req.flags, req.protocol) {
        Ok(fd) => Answer::Made(NewSocket::host(fd)),
        Err(e @ (Errno::PERM | Errno::ACCESS)) => Answer::Unprivileged(e),
        Err(e) => Answer::Refused(e),
    },
    pair: Some(|family, kind, protocol| {
        Some(socketpair(family, kind, protocol).map(|(a, b)| (NewSocket::host(a), NewSocket::host(b))))
    }),
    restore: |_| Some(object()),
};

static OBJECT: LazyLock<Arc<dyn Socket>> = LazyLock::new(|| Arc::new(Host));

/// The one host socket object.
pub fn object() -> Arc<dyn Socket> {
    OBJECT.clone()
}

/// A host call's result: the value, or the host's errno.
pub(crate) fn check(ret: isize) -> Result<usize, Errno> {
    if ret < 0 {
        Err(Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)))
    } else {
        Ok(ret as usize)
    }
}

/// A host socket's operations: the host's syscalls on the fd.
pub struct Host;

impl Socket for Host {
    fn provider(&self) -> &'static Provider {
        &PROVIDER
    }

    fn bind(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        sock::bind(fd, addr)
    }

    fn connect(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        sock::connect(fd, addr)
    }

    fn listen(&self, fd: BorrowedFd, backlog: i32) -> Result<(), Errno> {
        sock::listen(fd, backlog)
    }

    fn accept(&self, fd: BorrowedFd, flags: u32, addr_out: &mut [u8]) -> Result<(NewSocket, usize), Errno> {
        sock::accept4(fd, flags, addr_out).map(|(new, len)| (NewSocket::host(new), len))
    }

    fn name(&self, fd: BorrowedFd, peer: bool, addr_out: &mut [u8]) -> Result<usize, Errno> {
        sock::name(fd, peer, addr_out)
    }

    fn send_to(&self, fd: BorrowedFd, buf: Buf, flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
        sock::send_to(fd, buf, flags, to)
    }

    fn recv_from(
        &self,
        fd: BorrowedFd,
        buf: Buf,
        flags: u32,
        from: Option<&mut [u8]>,
    ) -> Result<(usize, usize), Errno> {
        sock::recv_from(fd, buf, flags, from)
    }

    fn send_msg(&self, fd: BorrowedFd, msg: &libc::msghdr, flags: u32) -> Result<usize, Errno> {
        msg::sendmsg(fd, msg, flags)
    }

    fn recv_msg(&self, fd: BorrowedFd, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
        msg::recvmsg(fd, msg, flags)
    }

    fn send_mmsg(&self, fd: BorrowedFd, msgs: &mut [libc::mmsghdr], flags: u32) -> Result<usize, Errno> {
        msg::sendmmsg(fd, msgs, flags)
    }

    fn recv_mmsg(
        &self,
        fd: BorrowedFd,
        msgs: &mut [libc::mmsghdr],
        flags: u32,
        timeout: Option<&mut libc::timespec>,
    ) -> Result<usize, Errno> {
        // The host's do_recvmmsg(): the kernel's own timeout rule comes with it.
        msg::recvmmsg(fd, msgs, flags, timeout)
    }

    fn read(&self, fd: BorrowedFd, iov: &mut [libc::iovec]) -> Result<usize, Errno> {
        msg::readv(fd, iov)
    }

    fn write(&self, fd: BorrowedFd, iov: &mut [libc::iovec]) -> Result<usize, Errno> {
        msg::writev(fd, iov)
    }

    fn shutdown(&self, fd: BorrowedFd, how: u32) -> Result<(), Errno> {
        sock::shutdown(fd, how)
    }

    fn set_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
        sock::set_option(fd, level, name, value)
    }

    fn get_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
        sock::get_option(fd, level, name, value)
    }

    fn ioctl(&self, fd: BorrowedFd, request: u32, arg: &mut [u8]) -> Result<i64, Errno> {
        sock::ioctl(fd, request, arg)
    }

    fn ifconf(&self, fd: BorrowedFd, buf: Option<&mut [u8]>) -> Result<usize, Errno> {
        sock::ifconf(fd, buf)
    }
}
