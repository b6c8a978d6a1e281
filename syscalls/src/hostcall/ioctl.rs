//! ioctl(2) on the host for the requests emu386 hands on (see `crate::sys::fd`'s control module
//! and `crate::sys::fsioctl`). What the host does with an ioctl's argument (take it as a number,
//! or read or write so many bytes behind it) is known only per request, so each request the
//! handlers may make is a [`Request`]: its host number with its argument's [`Shape`]. Only this
//! module makes them, from its tables, and its wrappers give the host only what that shape takes:
//! a number for a number, a local buffer at least the request's size (or the fault page, which
//! the host cannot touch) for a pointer. A wrong argument is refused with EINVAL before the host
//! sees it (the handlers never make one).

use super::iovec::fault_page;
use crate::abi::termios;
use crate::{host, Errno};
use libc::{c_int, c_ulong};

/// What the host does with a request's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Takes it as a number (or ignores it).
    Value,
    /// Takes it as a number; the answer is a new fd.
    NewFd,
    /// Takes it as an fd number.
    Fd,
    /// Reads this many bytes behind it.
    In(usize),
    /// Reads this many bytes behind it, the first four an fd number (`struct loop_config`).
    InFd(usize),
    /// Writes this many bytes behind it.
    Out(usize),
    /// Reads and writes back this many bytes behind it.
    InOut(usize),
}

/// A host ioctl request with its argument's shape (made only by this module).
#[derive(Clone, Copy, Debug)]
pub struct Request {
    number: u32,
    shape: Shape,
}

impl Request {
    const fn new(number: u32, shape: Shape) -> Request {
        Request { number, shape }
    }

    /// The host's request number.
    pub fn number(self) -> u32 {
        self.number
    }

    /// What the host does with the argument.
    pub fn shape(self) -> Shape {
        self.shape
    }
}

/// ioctl(2) with a number for a request whose shape is [`Shape::Value`], [`Shape::NewFd`] or
/// [`Shape::Fd`].
pub fn with_number(fd: c_int, req: Request, arg: c_ulong) -> Result<i64, Errno> {
    if !matches!(req.shape, Shape::Value | Shape::NewFd | Shape::Fd) {
        return Err(Errno::INVAL);
    }
    // SAFETY: the host takes the argument of this request as a number and follows no pointer.
    host(unsafe { libc::syscall(libc::SYS_ioctl, fd, c_ulong::from(req.number), arg) })
}

/// A pointer argument for the host.
pub enum Buf<'a> {
    /// A local buffer at least the request's size (the guest's bytes for a request that reads).
    Local(&'a mut [u8]),
    /// The guest's argument is not accessible: the host gets the fault page, so that a request
    /// the file does not support is still ENOTTY, and one it does is EFAULT.
    Fault,
}

/// ioctl(2) with a pointer for a request whose shape is [`Shape::In`], [`Shape::InFd`],
/// [`Shape::Out`] or [`Shape::InOut`].
pub fn with_buf(fd: c_int, req: Request, buf: Buf<'_>) -> Result<i64, Errno> {
    let (Shape::In(size) | Shape::InFd(size) | Shape::Out(size) | Shape::InOut(size)) = req.shape else {
        return Err(Errno::INVAL);
    };
    let ptr = match buf {
        Buf::Local(b) if b.len() >= size => b.as_mut_ptr().cast(),
        Buf::Local(_) => return Err(Errno::INVAL),
        Buf::Fault => fault_page(),
    };
    // SAFETY: the host reads or writes `size` bytes behind the pointer, which is a live local of
    // at least that many, or the fault page (inaccessible, or NULL when it could not be made).
    host(unsafe { libc::syscall(libc::SYS_ioctl, fd, c_ulong::from(req.number), ptr) })
}

const INT: usize = 4;

/// perf_event ioctls (linux/perf_event.h) whose numbers are the same on i386 and x86-64.
const PERF_EVENT_IOC_ENABLE: u32 = 0x2400;
const PERF_EVENT_IOC_DISABLE: u32 = 0x2401;
const PERF_EVENT_IOC_REFRESH: u32 = 0x2402;
const PERF_EVENT_IOC_RESET: u32 = 0x2403;
const PERF_EVENT_IOC_PERIOD: u32 = 0x4008_2404;
const PERF_EVENT_IOC_SET_OUTPUT: u32 = 0x2405;
const PERF_EVENT_IOC_SET_BPF: u32 = 0x4004_2408;
const PERF_EVENT_IOC_PAUSE_OUTPUT: u32 = 0x4004_2409;

/// The requests ioctl(2) hands on as they are: their number and argument layout are the same on
/// i386 and x86-64.
static PASS_THROUGH: &[Request] = {
    use termios::*;
    use Shape::*;
    const fn r(number: u32, shape: Shape) -> Request {
        Request::new(number, shape)
    }
    &[
        r(TCGETS, Out(size_of::<Termios>())),
        r(TCSETS, In(size_of::<Termios>())),
        r(TCSETSW, In(size_of::<Termios>())),
        r(TCSETSF, In(size_of::<Termios>())),
        r(TCGETA, Out(size_of::<Termio>())),
        r(TCSETA, In(size_of::<Termio>())),
        r(TCSETAW, In(size_of::<Termio>())),
        r(TCSETAF, In(size_of::<Termio>())),
        r(TCGETS2, Out(size_of::<Termios2>())),
        r(TCSETS2, In(size_of::<Termios2>())),
        r(TCSETSW2, In(size_of::<Termios2>())),
        r(TCSETSF2, In(size_of::<Termios2>())),
        r(TCSBRK, Value),
        r(TCSBRKP, Value),
        r(TCXONC, Value),
        r(TCFLSH, Value),
        r(TIOCEXCL, Value),
        r(TIOCNXCL, Value),
        r(TIOCGEXCL, Out(INT)),
        r(TIOCSCTTY, Value),
        r(TIOCNOTTY, Value),
        r(TIOCGPGRP, Out(INT)),
        r(TIOCSPGRP, In(INT)),
        r(TIOCGSID, Out(INT)),
        r(TIOCOUTQ, Out(INT)),
        r(TIOCSTI, In(1)),
        r(TIOCGWINSZ, Out(size_of::<Winsize>())),
        r(TIOCSWINSZ, In(size_of::<Winsize>())),
        r(TIOCMGET, Out(INT)),
        r(TIOCMBIS, In(INT)),
        r(TIOCMBIC, In(INT)),
        r(TIOCMSET, In(INT)),
        r(TIOCGETD, Out(INT)),
        r(TIOCSETD, In(INT)),
        r(TIOCSBRK, Value),
        r(TIOCCBRK, Value),
        r(TIOCPKT, In(INT)),
        r(TIOCGPKT, Out(INT)),
        r(TIOCGPTN, Out(INT)),
        r(TIOCSPTLCK, In(INT)),
        r(TIOCGPTLCK, Out(INT)),
        r(TIOCGPTPEER, NewFd),
        r(TIOCGDEV, Out(INT)),
        r(TIOCSIG, Value),
        r(TIOCVHANGUP, Value),
        r(TIOCCONS, Value),
        r(TIOCGSOFTCAR, Out(INT)),
        r(TIOCSSOFTCAR, In(INT)),
        r(TIOCGLCKTRMIOS, Out(size_of::<Termios>())),
        r(TIOCSLCKTRMIOS, In(size_of::<Termios>())),
        r(FIONREAD, Out(INT)),
        r(FIONBIO, In(INT)),
        r(FIOASYNC, In(INT)),
        r(FIOCLEX, Value),
        r(FIONCLEX, Value),
        r(FIOQSIZE, Out(8)),
        // perf_event_open(2) fds: the requests whose number and argument are the same on i386
        // (the pointer-sized ones, PERF_EVENT_IOC_ID, SET_FILTER, QUERY_BPF and
        // MODIFY_ATTRIBUTES, are not: ENOTTY).
        r(PERF_EVENT_IOC_ENABLE, Value),
        r(PERF_EVENT_IOC_DISABLE, Value),
        r(PERF_EVENT_IOC_REFRESH, Value),
        r(PERF_EVENT_IOC_RESET, Value),
        r(PERF_EVENT_IOC_PERIOD, In(8)),
        r(PERF_EVENT_IOC_SET_OUTPUT, Value),
        r(PERF_EVENT_IOC_SET_BPF, Value),
        r(PERF_EVENT_IOC_PAUSE_OUTPUT, Value),
        // userfaultfd(2) fds: the handshake (the range requests: crate::sys::userfaultfd).
        r(super::uffd::UFFDIO_API, InOut(super::uffd::UFFDIO_API_SIZE)),
    ]
};

/// The request ioctl(2) hands on as it is, if `number` is one.
pub fn pass_through(number: u32) -> Option<Request> {
    PASS_THROUGH.iter().copied().find(|r| r.number == number)
}

/// The x86-64 requests behind the file and block-device ioctls that `crate::sys::fsioctl`
/// translates (linux/fs.h, linux/loop.h).
pub mod fs {
    use super::{Request, Shape::*};

    /// `struct fsxattr` (linux/fs.h): 28 bytes on both.
    const FSXATTR: usize = 28;
    /// `struct loop_info64` (linux/loop.h): 232 bytes on both.
    const LOOP_INFO64: usize = 232;
    /// `struct loop_config`: fd, block size, `loop_info64`, 64 reserved bytes.
    const LOOP_CONFIG_SIZE: usize = 4 + 4 + LOOP_INFO64 + 64;

    pub const FS_IOC_GETFLAGS: Request = Request::new(0x8008_6601, Out(4));
    pub const FS_IOC_SETFLAGS: Request = Request::new(0x4008_6602, In(4));
    pub const FS_IOC_GETVERSION: Request = Request::new(0x8008_7601, Out(4));
    pub const FS_IOC_SETVERSION: Request = Request::new(0x4008_7602, In(4));
    pub const FS_IOC_FSGETXATTR: Request = Request::new(0x801c_581f, Out(FSXATTR));
    pub const FS_IOC_FSSETXATTR: Request = Request::new(0x401c_5820, In(FSXATTR));
    pub const LOOP_SET_FD: Request = Request::new(0x4c00, Fd);
    pub const LOOP_CLR_FD: Request = Request::new(0x4c01, Value);
    pub const LOOP_SET_STATUS64: Request = Request::new(0x4c04, In(LOOP_INFO64));
    pub const LOOP_GET_STATUS64: Request = Request::new(0x4c05, Out(LOOP_INFO64));
    pub const LOOP_CHANGE_FD: Request = Request::new(0x4c06, Fd);
    pub const LOOP_SET_CAPACITY: Request = Request::new(0x4c07, Value);
    pub const LOOP_SET_DIRECT_IO: Request = Request::new(0x4c08, Value);
    pub const LOOP_SET_BLOCK_SIZE: Request = Request::new(0x4c09, Value);
    pub const LOOP_CONFIGURE: Request = Request::new(0x4c0a, InFd(LOOP_CONFIG_SIZE));
    pub const LOOP_CTL_ADD: Request = Request::new(0x4c80, Value);
    pub const LOOP_CTL_REMOVE: Request = Request::new(0x4c81, Value);
    pub const LOOP_CTL_GET_FREE: Request = Request::new(0x4c82, Value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_argument_of_the_wrong_shape_is_refused() {
        let tcgets = pass_through(termios::TCGETS).unwrap();
        assert_eq!(with_number(-1, tcgets, 0), Err(Errno::INVAL));
        let mut short = [0u8; 4];
        assert_eq!(with_buf(-1, tcgets, Buf::Local(&mut short)), Err(Errno::INVAL));
        let mut whole = [0u8; size_of::<termios::Termios>()];
        assert_eq!(with_buf(-1, tcgets, Buf::Local(&mut whole)), Err(Errno::BADF));
        let tcflsh = pass_through(termios::TCFLSH).unwrap();
        assert_eq!(with_buf(-1, tcflsh, Buf::Fault), Err(Errno::INVAL));
        assert_eq!(with_number(-1, tcflsh, 0), Err(Errno::BADF));
    }

    #[test]
    fn each_request_is_in_the_table_once() {
        for (i, r) in PASS_THROUGH.iter().enumerate() {
            assert!(PASS_THROUGH[..i].iter().all(|o| o.number != r.number), "{:#x}", r.number);
        }
    }
}
