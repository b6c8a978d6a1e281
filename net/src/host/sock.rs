//! Safe wrappers of the socket host calls the providers make on their own sockets (the
//! private network's helpers and transports, the ping socket, the sock_diag census), one per
//! call. Addresses and option values are the caller's byte slices in the host's layout; the
//! host kernel validates them and answers with its own errno, which comes back unchanged.
//! rustix makes the calls it has with typed arguments; the ones it has only for typed addresses
//! or typed options (bind, connect, accept4, getsockname, getsockopt, setsockopt on raw bytes)
//! are libc calls here, each sound whatever its arguments: every pointer is a live slice and
//! every length is that slice's.

use super::check;
use crate::socket::Buf;
use crate::Errno;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

fn addr_ptr(addr: &[u8]) -> *const libc::sockaddr {
    if addr.is_empty() {
        std::ptr::null()
    } else {
        addr.as_ptr().cast()
    }
}

fn socklen(len: usize) -> libc::socklen_t {
    libc::socklen_t::try_from(len).unwrap_or(libc::socklen_t::MAX)
}

/// socket(2) on the host, with the type's flags in `kind`.
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

/// bind(2) to the address bytes `addr` (empty: a null address).
pub fn bind(fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
    // SAFETY: the address is null or readable for `addr.len()` bytes.
    check(unsafe { libc::bind(fd.as_raw_fd(), addr_ptr(addr), socklen(addr.len())) } as isize).map(drop)
}

/// connect(2) to the address bytes `addr` (empty: a null address).
pub fn connect(fd: BorrowedFd, addr: &[u8]) -> Result<(), Errno> {
    // SAFETY: as in bind.
    check(unsafe { libc::connect(fd.as_raw_fd(), addr_ptr(addr), socklen(addr.len())) } as isize).map(drop)
}

/// listen(2).
pub fn listen(fd: BorrowedFd, backlog: i32) -> Result<(), Errno> {
    rustix::net::listen(fd, backlog)
}

/// accept4(2): the new socket and the peer address's length, its bytes in `addr_out`.
pub fn accept4(fd: BorrowedFd, flags: u32, addr_out: &mut [u8]) -> Result<(OwnedFd, usize), Errno> {
    let mut len = socklen(addr_out.len());
    // SAFETY: `addr_out` is writable for `len` bytes; the kernel writes at most that.
    let new =
        check(unsafe { libc::accept4(fd.as_raw_fd(), addr_out.as_mut_ptr().cast(), &mut len, flags as i32) } as isize)?;
    // SAFETY: a new fd returned by accept4(2).
    Ok((unsafe { OwnedFd::from_raw_fd(new as i32) }, len as usize))
}

/// getpeername(2) (`peer`) or getsockname(2) into `addr_out`: the name's whole length.
pub fn name(fd: BorrowedFd, peer: bool, addr_out: &mut [u8]) -> Result<usize, Errno> {
    let mut len = socklen(addr_out.len());
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

/// shutdown(2) with the guest's `how` (the host checks it).
pub fn shutdown(fd: BorrowedFd, how: u32) -> Result<(), Errno> {
    // SAFETY: plain syscall; an unknown `how` is the host's EINVAL.
    check(unsafe { libc::shutdown(fd.as_raw_fd(), how as i32) } as isize).map(drop)
}

/// setsockopt(2) with the value bytes `value` (empty: a null value).
pub fn set_option(fd: BorrowedFd, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
    let ptr = if value.is_empty() { std::ptr::null() } else { value.as_ptr().cast() };
    // SAFETY: `value` is readable for its length.
    check(unsafe { libc::setsockopt(fd.as_raw_fd(), level as i32, name as i32, ptr, socklen(value.len())) } as isize)
        .map(drop)
}

/// getsockopt(2) into `value`: the length the host wrote.
pub fn get_option(fd: BorrowedFd, level: u32, name: u32, value: &mut [u8]) -> Result<usize, Errno> {
    let mut len = socklen(value.len());
    // SAFETY: `value` is writable for `len` bytes.
    check(unsafe { libc::getsockopt(fd.as_raw_fd(), level as i32, name as i32, value.as_mut_ptr().cast(), &mut len) }
        as isize)?;
    Ok(len as usize)
}

/// An int-sized socket option.
pub fn int_option(fd: BorrowedFd, level: i32, name: i32) -> Result<i32, Errno> {
    let mut v = [0u8; 4];
    get_option(fd, level as u32, name as u32, &mut v)?;
    Ok(i32::from_ne_bytes(v))
}

/// Set an int-sized socket option.
pub fn set_int_option(fd: BorrowedFd, level: i32, name: i32, value: i32) -> Result<(), Errno> {
    set_option(fd, level as u32, name as u32, &value.to_ne_bytes())
}

/// send(2) of `buf`.
pub fn send(fd: BorrowedFd, buf: &[u8], flags: i32) -> Result<usize, Errno> {
    // SAFETY: `buf` is readable for its length.
    check(unsafe { libc::send(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), flags) })
}

/// recv(2) into `buf`.
pub fn recv(fd: BorrowedFd, buf: &mut [u8], flags: i32) -> Result<usize, Errno> {
    // SAFETY: `buf` is writable for its length.
    check(unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), flags) })
}

/// The ioctls that write one int: SIOCATMARK, FIONREAD (SIOCINQ) and TIOCOUTQ (SIOCOUTQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntIoctl {
    AtMark,
    InQueue,
    OutQueue,
}

/// An ioctl that writes one int: its value.
pub fn int_ioctl(fd: BorrowedFd, req: IntIoctl) -> Result<i32, Errno> {
    let req: libc::c_ulong = match req {
        IntIoctl::AtMark => 0x8905,
        IntIoctl::InQueue => libc::FIONREAD,
        IntIoctl::OutQueue => libc::TIOCOUTQ,
    };
    let mut v = 0i32;
    // SAFETY: each of these requests writes one int into `v`.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), req, &raw mut v) } as isize)?;
    Ok(v)
}

/// Whether the socket's file is O_NONBLOCK (false when the fd cannot be asked).
pub fn nonblocking(fd: BorrowedFd) -> bool {
    rustix::fs::fcntl_getfl(fd).is_ok_and(|f| f.contains(rustix::fs::OFlags::NONBLOCK))
}

/// Whether the peer has shut down its sending side (POLLRDHUP), without waiting.
pub fn read_hung_up(fd: BorrowedFd) -> bool {
    use rustix::event::{poll, PollFd, PollFlags};
    let mut p = [PollFd::new(&fd, PollFlags::RDHUP)];
    poll(&mut p, Some(&rustix::time::Timespec { tv_sec: 0, tv_nsec: 0 })) == Ok(1)
        && p[0].revents().contains(PollFlags::RDHUP)
}

/// Whether the emulator runs as root (standing for the capabilities the kernel checks).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// SIGPIPE to the calling thread, as sk_stream_error() sends it.
pub fn raise_sigpipe() {
    // SAFETY: raise(3) only sends a signal to the calling thread.
    unsafe { libc::raise(libc::SIGPIPE) };
}

/// sendto(2) from a data range that may fault (the host kernel answers EFAULT).
pub fn send_to(fd: BorrowedFd, buf: Buf, flags: u32, to: Option<&[u8]>) -> Result<usize, Errno> {
    let (ptr, alen) = to.map_or((std::ptr::null(), 0), |a| (addr_ptr(a), socklen(a.len())));
    // SAFETY: the kernel checks `buf` itself (an inaccessible range is EFAULT, not UB); the
    // address is null or readable for its length.
    check(unsafe { libc::sendto(fd.as_raw_fd(), buf.ptr.cast(), buf.len, flags as i32, ptr, alen) })
}

/// recvfrom(2) into a data range that may fault: the count and the sender's address length
/// (its bytes in `from`; 0 without `from`).
pub fn recv_from(fd: BorrowedFd, buf: Buf, flags: u32, from: Option<&mut [u8]>) -> Result<(usize, usize), Errno> {
    let (ptr, mut alen) = match from {
        Some(a) => (a.as_mut_ptr().cast::<libc::sockaddr>(), socklen(a.len())),
        None => (std::ptr::null_mut(), 0),
    };
    let had_addr = !ptr.is_null();
    let lenp = if had_addr { &mut alen as *mut libc::socklen_t } else { std::ptr::null_mut() };
    // SAFETY: as in send_to; the address buffer is the caller's slice, `alen` long.
    let n = check(unsafe { libc::recvfrom(fd.as_raw_fd(), buf.ptr.cast(), buf.len, flags as i32, ptr, lenp) })?;
    Ok((n, if had_addr { alen as usize } else { 0 }))
}

/// SIOCGIFCONF's request number: its `struct ifconf` holds a pointer, so only [`ifconf`] makes it.
const SIOCGIFCONF: u32 = 0x8912;

/// A socket ioctl whose argument is `arg`, in host layout. The socket layer's contract (see
/// [`crate::socket::Socket::ioctl`]) sizes `arg` for the request's host struct; SIOCGIFCONF,
/// whose struct holds a pointer the kernel would follow, is [`ifconf`]'s and refused here.
pub fn ioctl(fd: BorrowedFd, request: u32, arg: &mut [u8]) -> Result<i64, Errno> {
    if request & 0xffff == SIOCGIFCONF {
        return Err(Errno::INVAL);
    }
    // SAFETY: `arg` is writable for as many bytes as the host's struct for `request` (the
    // contract above); the only request with a pointer inside is refused.
    let r = unsafe { libc::syscall(libc::SYS_ioctl, fd.as_raw_fd(), libc::c_ulong::from(request), arg.as_mut_ptr()) };
    check(r as isize).map(|v| v as i64)
}

/// SIOCGIFCONF: host `ifreq`s into `buf` (`None`: only the length needed); the bytes used.
pub fn ifconf(fd: BorrowedFd, buf: Option<&mut [u8]>) -> Result<usize, Errno> {
    let (ptr, len) = buf.map_or((std::ptr::null_mut(), 0), |b| (b.as_mut_ptr(), b.len()));
    let mut conf = libc::ifconf {
        ifc_len: libc::c_int::try_from(len).unwrap_or(libc::c_int::MAX),
        ifc_ifcu: libc::__c_anonymous_ifc_ifcu { ifcu_buf: ptr.cast() },
    };
    // SAFETY: `conf` is a live ifconf whose buffer is null or the caller's slice of `ifc_len`
    // bytes; the kernel writes at most that.
    let r = unsafe { libc::syscall(libc::SYS_ioctl, fd.as_raw_fd(), libc::c_ulong::from(SIOCGIFCONF), &raw mut conf) };
    check(r as isize)?;
    Ok(usize::try_from(conf.ifc_len).unwrap_or(0))
}

/// fstat(2) of an fd number that another thread may close at any moment (the socket table's
/// look at numbers it read from `/proc/self/fd` or was handed by the previous program): the
/// file's (mode, device, inode).
pub fn fstat_number(fd: RawFd) -> Result<(u32, u64, u64), Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat only reads the fd table (a closed or negative number is EBADF) and writes one
    // `struct stat` into `st`.
    check(unsafe { libc::fstat(fd, st.as_mut_ptr()) } as isize)?;
    // SAFETY: fstat succeeded, so it filled `st`.
    let st = unsafe { st.assume_init() };
    Ok((st.st_mode, st.st_dev, st.st_ino))
}
