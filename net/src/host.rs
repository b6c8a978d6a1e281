//! The host provider (the default): the guest's fd number is a host socket of the family, type and
//! protocol the guest asked for, and each operation is the host syscall on it. Address bytes go
//! to the host as they came from the guest, so the host kernel does the validation (lengths,
//! families, privileges) and answers with its own errno. Every host fd the socket table does not
//! know is one of these. The object has no state: one [`Host`] serves every host socket.

use crate::socket::{Answer, Buf, NewSocket, Provider, Socket};
use crate::Errno;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::{Arc, LazyLock};

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

/// socket(2) on the host, with the guest's type flags.
pub fn socket(family: u32, kind: u32, protocol: u32) -> Result<OwnedFd, Errno> {
    // SAFETY: plain syscall; the result is a new fd we own.
    let fd = check(unsafe { libc::socket(family as i32, kind as i32, protocol as i32) } as isize)?;
    // SAFETY: `fd` was just returned by socket(2).
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// socketpair(2) on the host.
pub fn socketpair(family: u32, kind: u32, protocol: u32) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is two writable ints.
    check(unsafe { libc::socketpair(family as i32, kind as i32, protocol as i32, fds.as_mut_ptr()) } as isize)?;
    // SAFETY: both fds were just returned by socketpair(2).
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A host socket's operations: the host's syscalls on the fd.
pub struct Host;

fn addr_ptr(addr: &[u8]) -> *const libc::sockaddr {
    if addr.is_empty() {
        std::ptr::null()
    } else {
        addr.as_ptr().cast()
    }
}

/// A host ioctl whose argument is a pointer.
pub(crate) fn ioctl(fd: BorrowedFd, request: u32, arg: *mut u8) -> Result<i64, Errno> {
    // SAFETY: `arg` points at a buffer as large as the host's argument for `request`.
    let r = unsafe { libc::syscall(libc::SYS_ioctl, fd.as_raw_fd(), libc::c_ulong::from(request), arg) };
    check(r as isize).map(|v| v as i64)
}

impl Socket for Host {
    fn provider(&self) -> &'static Provider {
        &PROVIDER
    }

    fn bind(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        // SAFETY: the address points at `addr.len()` readable bytes.
        check(unsafe { libc::bind(fd.as_raw_fd(), addr_ptr(addr), addr.len() as u32) } as isize).map(drop)
    }

    fn connect(&self, fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
        // SAFETY: as in bind.
        check(unsafe { libc::connect(fd.as_raw_fd(), addr_ptr(addr), addr.len() as u32) } as isize).map(drop)
    }

    fn listen(&self, fd: BorrowedFd, backlog: i32) -> Result<(), Errno> {
        // SAFETY: plain syscall.
        check(unsafe { libc::listen(fd.as_raw_fd(), backlog) } as isize).map(drop)
    }

    fn accept(&self, fd: BorrowedFd, flags: u32, addr_out: &mut [u8]) -> Result<(NewSocket, usize), Errno> {
        let mut len = addr_out.len() as libc::socklen_t;
        // SAFETY: `addr_out` is writable for `len` bytes; the kernel writes at most that.
        let new = check(
            unsafe { libc::accept4(fd.as_raw_fd(), addr_out.as_mut_ptr().cast(), &mut len, flags as i32) } as isize,
        )?;
        // SAFETY: a new fd returned by accept4(2).
        Ok((NewSocket::host(unsafe { OwnedFd::from_raw_fd(new as i32) }), len as usize))
    }

    fn name(&self, fd: BorrowedFd, peer: bool, addr_out: &mut [u8]) -> Result<usize, Errno> {
        let mut len = addr_out.len() as libc::socklen_t;
        let fd = fd.as_raw_fd();
        let ptr = addr_out.as_mut_ptr().cast();
        // SAFETY: `addr_out` is writable for `len` bytes.
        let ret = unsafe {
            if peer {
                libc::getpeername(fd, ptr, &mut len)
            } else {
                libc::getsockname(fd, ptr, &mut len)
            }
        };
        check(ret as isize)?;
        Ok(len as usize)
    }

    fn send_to(&self, fd: BorrowedFd, buf: Buf, flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
        let (ptr, alen) = to.map_or((std::ptr::null(), 0), |a| (addr_ptr(a), a.len() as u32));
        // SAFETY: the kernel checks `buf` itself (an inaccessible range is EFAULT, not UB); the
        // address is readable for its length.
        check(unsafe { libc::sendto(fd.as_raw_fd(), buf.ptr.cast(), buf.len, flags as i32, ptr, alen) })
    }

    fn recv_from(
        &self,
        fd: BorrowedFd,
        buf: Buf,
        flags: u32,
        from: Option<&mut [u8]>,
    ) -> Result<(usize, usize), Errno> {
        let (ptr, mut alen) = match from {
            Some(a) => (a.as_mut_ptr().cast::<libc::sockaddr>(), a.len() as libc::socklen_t),
            None => (std::ptr::null_mut(), 0),
        };
        let had_addr = !ptr.is_null();
        let lenp = if had_addr { &mut alen as *mut libc::socklen_t } else { std::ptr::null_mut() };
        // SAFETY: as in send_to; the address buffer is ours and `alen` long.
        let n = check(unsafe { libc::recvfrom(fd.as_raw_fd(), buf.ptr.cast(), buf.len, flags as i32, ptr, lenp) })?;
        Ok((n, if had_addr { alen as usize } else { 0 }))
    }

    fn send_msg(&self, fd: BorrowedFd, msg: &libc::msghdr, flags: u32) -> Result<usize, Errno> {
        // SAFETY: `msg` points at the caller's buffers (the module contract of `socket`).
        check(unsafe { libc::sendmsg(fd.as_raw_fd(), msg, flags as i32) })
    }

    fn recv_msg(&self, fd: BorrowedFd, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
        // SAFETY: as in send_msg.
        check(unsafe { libc::recvmsg(fd.as_raw_fd(), msg, flags as i32) })
    }

    fn send_mmsg(&self, fd: BorrowedFd, msgs: &mut [libc::mmsghdr], flags: u32) -> Result<usize, Errno> {
        // SAFETY: every entry points at the caller's buffers.
        check(unsafe { libc::sendmmsg(fd.as_raw_fd(), msgs.as_mut_ptr(), msgs.len() as u32, flags as i32) } as isize)
    }

    fn recv_mmsg(
        &self,
        fd: BorrowedFd,
        msgs: &mut [libc::mmsghdr],
        flags: u32,
        timeout: Option<&mut libc::timespec>,
    ) -> Result<usize, Errno> {
        // The host's do_recvmmsg(): the kernel's own timeout rule (checked only after each
        // datagram, the remaining time written back) comes with it.
        let tsp = timeout.map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
        // SAFETY: every entry points at the caller's buffers; `tsp` is null or the caller's.
        check(
            unsafe { libc::recvmmsg(fd.as_raw_fd(), msgs.as_mut_ptr(), msgs.len() as u32, flags as i32, tsp) } as isize
        )
    }

    fn read(&self, fd: BorrowedFd, iov: &mut [libc::iovec]) -> Result<usize, Errno> {
        // SAFETY: the iovecs are host ranges the kernel checks itself.
        check(unsafe { libc::readv(fd.as_raw_fd(), iov.as_ptr(), iov.len() as i32) })
    }

    fn write(&self, fd: BorrowedFd, iov: &mut [libc::iovec]) -> Result<usize, Errno> {
        // SAFETY: as in read.
        check(unsafe { libc::writev(fd.as_raw_fd(), iov.as_ptr(), iov.len() as i32) })
    }

    fn shutdown(&self, fd: BorrowedFd, how: u32) -> Result<(), Errno> {
        // SAFETY: plain syscall.
        check(unsafe { libc::shutdown(fd.as_raw_fd(), how as i32) } as isize).map(drop)
    }

    fn set_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
        let ptr = if value.is_empty() { std::ptr::null() } else { value.as_ptr().cast() };
        // SAFETY: `value` is readable for its length.
        check(unsafe { libc::setsockopt(fd.as_raw_fd(), level as i32, name as i32, ptr, value.len() as u32) } as isize)
            .map(drop)
    }

    fn get_option(&self, fd: BorrowedFd, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
        let mut len = value.len() as libc::socklen_t;
        // SAFETY: `value` is writable for `len` bytes.
        check(unsafe {
            libc::getsockopt(fd.as_raw_fd(), level as i32, name as i32, value.as_mut_ptr().cast(), &mut len)
        } as isize)?;
        Ok(len as usize)
    }

    fn ioctl(&self, fd: BorrowedFd, request: u32, arg: &mut [u8]) -> Result<i64, Errno> {
        ioctl(fd, request, arg.as_mut_ptr())
    }

    fn ifconf(&self, fd: BorrowedFd, buf: Option<&mut [u8]>) -> Result<usize, Errno> {
        let (ptr, len) = buf.map_or((std::ptr::null_mut(), 0), |b| (b.as_mut_ptr(), b.len()));
        let mut conf = libc::ifconf {
            ifc_len: len as libc::c_int,
            ifc_ifcu: libc::__c_anonymous_ifc_ifcu { ifcu_buf: ptr.cast() },
        };
        ioctl(fd, libc::SIOCGIFCONF as u32, (&raw mut conf).cast())?;
        Ok(usize::try_from(conf.ifc_len).unwrap_or(0))
    }
}
