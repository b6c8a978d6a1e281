//! Host-backed sockets: the guest's fd number is a host socket, and each operation is the host
//! syscall on it. Address bytes go to the host as they came from the guest, so the host kernel
//! does the validation (lengths, families, privileges) and answers with its own errno.

use crate::socket::Socket;
use crate::Errno;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// A host call's result: the value, or the host's errno.
fn check(ret: isize) -> Result<usize, Errno> {
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

/// A host socket (or whatever host fd the guest named: the host answers ENOTSOCK for a non-socket
/// and EBADF for a closed number, as the kernel does for the guest).
pub struct HostSocket<'a>(pub BorrowedFd<'a>);

fn addr_ptr(addr: &[u8]) -> *const libc::sockaddr {
    if addr.is_empty() {
        std::ptr::null()
    } else {
        addr.as_ptr().cast()
    }
}

impl HostSocket<'_> {
    /// sendto(2) from a host address range that may fault: the host kernel reports the fault (or
    /// any earlier error) itself.
    pub fn send_to_raw(&self, buf: *const u8, len: usize, flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
        let (ptr, alen) = to.map_or((std::ptr::null(), 0), |a| (addr_ptr(a), a.len() as u32));
        // SAFETY: the kernel checks `buf` itself; an inaccessible range is EFAULT, not UB.
        check(unsafe { libc::sendto(self.0.as_raw_fd(), buf.cast(), len, flags as i32, ptr, alen) })
    }

    /// recvfrom(2) into a host address range that may fault (see `send_to_raw`).
    pub fn recv_from_raw(
        &self,
        buf: *mut u8,
        len: usize,
        flags: u32,
        from: Option<&mut [u8]>,
    ) -> Result<(usize, usize), Errno> {
        let (ptr, mut alen) = match from {
            Some(a) => (a.as_mut_ptr().cast::<libc::sockaddr>(), a.len() as libc::socklen_t),
            None => (std::ptr::null_mut(), 0),
        };
        let had_addr = !ptr.is_null();
        let lenp = if had_addr { &mut alen as *mut libc::socklen_t } else { std::ptr::null_mut() };
        // SAFETY: as in send_to_raw; the address buffer is ours and `alen` long.
        let n = check(unsafe { libc::recvfrom(self.0.as_raw_fd(), buf.cast(), len, flags as i32, ptr, lenp) })?;
        Ok((n, if had_addr { alen as usize } else { 0 }))
    }
}

impl Socket for HostSocket<'_> {
    fn bind(&self, addr: &[u8]) -> Result<(), Errno> {
        // SAFETY: the address points at `addr.len()` readable bytes.
        check(unsafe { libc::bind(self.0.as_raw_fd(), addr_ptr(addr), addr.len() as u32) } as isize).map(drop)
    }

    fn connect(&self, addr: &[u8]) -> Result<(), Errno> {
        // SAFETY: as in bind.
        check(unsafe { libc::connect(self.0.as_raw_fd(), addr_ptr(addr), addr.len() as u32) } as isize).map(drop)
    }

    fn listen(&self, backlog: i32) -> Result<(), Errno> {
        // SAFETY: plain syscall.
        check(unsafe { libc::listen(self.0.as_raw_fd(), backlog) } as isize).map(drop)
    }

    fn accept(&self, flags: u32, addr_out: &mut [u8]) -> Result<(OwnedFd, usize), Errno> {
        let mut len = addr_out.len() as libc::socklen_t;
        // SAFETY: `addr_out` is writable for `len` bytes; the kernel writes at most that.
        let fd =
            check(unsafe { libc::accept4(self.0.as_raw_fd(), addr_out.as_mut_ptr().cast(), &mut len, flags as i32) }
                as isize)?;
        // SAFETY: a new fd returned by accept4(2).
        Ok((unsafe { OwnedFd::from_raw_fd(fd as i32) }, len as usize))
    }

    fn name(&self, peer: bool, addr_out: &mut [u8]) -> Result<usize, Errno> {
        let mut len = addr_out.len() as libc::socklen_t;
        let fd = self.0.as_raw_fd();
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

    fn send_to(&self, buf: &[u8], flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
        let (ptr, len) = to.map_or((std::ptr::null(), 0), |a| (addr_ptr(a), a.len() as u32));
        // SAFETY: `buf` and the address are readable for their lengths.
        check(unsafe { libc::sendto(self.0.as_raw_fd(), buf.as_ptr().cast(), buf.len(), flags as i32, ptr, len) })
    }

    fn recv_from(&self, buf: &mut [u8], flags: u32, from: Option<&mut [u8]>) -> Result<(usize, usize), Errno> {
        let (ptr, mut len) = match from {
            Some(a) => (a.as_mut_ptr().cast::<libc::sockaddr>(), a.len() as libc::socklen_t),
            None => (std::ptr::null_mut(), 0),
        };
        let had_addr = !ptr.is_null();
        let lenp = if had_addr { &mut len as *mut libc::socklen_t } else { std::ptr::null_mut() };
        // SAFETY: `buf` is writable for its length; the address buffer for `len` bytes.
        let n = check(unsafe {
            libc::recvfrom(self.0.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), flags as i32, ptr, lenp)
        })?;
        Ok((n, if had_addr { len as usize } else { 0 }))
    }

    fn shutdown(&self, how: u32) -> Result<(), Errno> {
        // SAFETY: plain syscall.
        check(unsafe { libc::shutdown(self.0.as_raw_fd(), how as i32) } as isize).map(drop)
    }

    fn set_option(&self, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
        let ptr = if value.is_empty() { std::ptr::null() } else { value.as_ptr().cast() };
        // SAFETY: `value` is readable for its length.
        check(unsafe { libc::setsockopt(self.0.as_raw_fd(), level as i32, name as i32, ptr, value.len() as u32) }
            as isize)
        .map(drop)
    }

    fn get_option(&self, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
        let mut len = value.len() as libc::socklen_t;
        // SAFETY: `value` is writable for `len` bytes.
        check(unsafe {
            libc::getsockopt(self.0.as_raw_fd(), level as i32, name as i32, value.as_mut_ptr().cast(), &mut len)
        } as isize)?;
        Ok(len as usize)
    }
}
