//! The host's POSIX message queue calls behind `crate::sys::mqueue` (ipc/mqueue.c): a queue is a
//! host fd, so these take fd numbers (a negative one is EBADF on the host), names as live
//! strings, attributes and timeouts as locals of the host's layout, and message buffers as guest
//! memory in place ([`InPlace`], [`HostRange`]) or a local slice; the host is never told a length
//! longer than the memory it gets. rustix has no message queue calls.

use super::inplace::InPlace;
use super::sched::at_least;
use super::timer::HostSigevent;
use crate::mem::HostRange;
use crate::{host, Errno};
use libc::{c_int, c_uint, timespec};
use std::ffi::CStr;
use std::ptr::{null, null_mut};

/// The host's `struct mq_attr` (linux/mqueue.h on x86-64): four longs and four reserved.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
pub struct HostMqAttr {
    pub(crate) mq_flags: i64,
    pub(crate) mq_maxmsg: i64,
    pub(crate) mq_msgsize: i64,
    pub(crate) mq_curmsgs: i64,
    pub(crate) reserved: [i64; 4],
}
const _: () = assert!(size_of::<HostMqAttr>() == 64);

/// `SIGEV_THREAD` (asm-generic/siginfo.h): the notification whose value the host reads as a
/// pointer.
pub const SIGEV_THREAD: i32 = 2;
/// `NOTIFY_COOKIE_LEN` (linux/mqueue.h): the bytes mq_notify copies from a SIGEV_THREAD value.
pub const NOTIFY_COOKIE_LEN: usize = 32;

fn ts_ptr(ts: Option<&timespec>) -> *const timespec {
    ts.map_or(null(), |t| t as *const timespec)
}

/// mq_open(2): the new host fd. The attributes are read only with `O_CREAT`.
pub fn mq_open(name: &CStr, flags: c_int, mode: c_uint, attr: Option<&HostMqAttr>) -> Result<i64, Errno> {
    let attr = attr.map_or(null(), |a| a as *const HostMqAttr);
    // SAFETY: `name` is a live NUL-terminated string; `attr` is NULL or a local the host reads.
    host(unsafe { libc::syscall(libc::SYS_mq_open, name.as_ptr(), flags, mode, attr) })
}

/// mq_unlink(2).
pub fn mq_unlink(name: &CStr) -> Result<i64, Errno> {
    // SAFETY: `name` is a live NUL-terminated string.
    host(unsafe { libc::syscall(libc::SYS_mq_unlink, name.as_ptr()) })
}

/// mq_timedsend(2) of `len` bytes of guest memory (a range shorter than `len` is refused, so the
/// host reads no further than the guest's memory).
pub fn mq_timedsend(fd: c_int, msg: InPlace, len: usize, prio: c_uint, ts: Option<&timespec>) -> Result<i64, Errno> {
    let msg = at_least(msg, len);
    // SAFETY: the host reads at most `len` bytes at `msg`, which is NULL, guest memory that long
    // or an address it refuses; `ts` is NULL or a local timespec it reads.
    host(unsafe { libc::syscall(libc::SYS_mq_timedsend, fd, msg, len, prio, ts_ptr(ts)) })
}

/// mq_timedreceive(2) straight into guest memory, the priority stored in place (4 bytes, or
/// NULL): the message's length.
pub fn mq_timedreceive(fd: c_int, buf: HostRange, prio: InPlace, ts: Option<&timespec>) -> Result<i64, Errno> {
    let prio = at_least(prio, size_of::<u32>());
    // SAFETY: the host writes at most `buf.len()` bytes into the guest range and 4 bytes at
    // `prio` (NULL, guest memory or refused); `ts` is NULL or a local timespec it reads.
    host(unsafe { libc::syscall(libc::SYS_mq_timedreceive, fd, buf.as_ptr(), buf.len(), prio, ts_ptr(ts)) })
}

/// mq_timedreceive(2) into a local buffer: the message's length and its priority. The host is
/// told the buffer's length (EMSGSIZE below the queue's message size).
pub fn mq_timedreceive_into(fd: c_int, buf: &mut [u8], ts: Option<&timespec>) -> Result<(usize, u32), Errno> {
    let mut prio = 0u32;
    // SAFETY: the host writes at most `buf.len()` bytes into the live slice and the priority
    // into a local; `ts` is NULL or a local timespec it reads.
    let n = host(unsafe {
        libc::syscall(libc::SYS_mq_timedreceive, fd, buf.as_mut_ptr(), buf.len(), &mut prio as *mut u32, ts_ptr(ts))
    })?;
    Ok((n as usize, prio))
}

/// mq_getsetattr(2): the new attributes (NULL: none) are set and the old ones stored in `old`
/// (NULL: not asked for).
pub fn mq_getsetattr(fd: c_int, new: Option<&HostMqAttr>, old: Option<&mut HostMqAttr>) -> Result<i64, Errno> {
    let new = new.map_or(null(), |n| n as *const HostMqAttr);
    let old = old.map_or(null_mut(), |o| o as *mut HostMqAttr);
    // SAFETY: `new` is NULL or a local the host reads, `old` NULL or a local it writes.
    host(unsafe { libc::syscall(libc::SYS_mq_getsetattr, fd, new, old) })
}

/// mq_notify(2) with the host's sigevent (NULL unregisters). For `SIGEV_THREAD` the host reads
/// the value as a pointer to the cookie: it gets `cookie` (guest memory of
/// [`NOTIFY_COOKIE_LEN`] bytes, NULL or refused), whatever the event's value says.
pub fn mq_notify(fd: c_int, event: Option<&HostSigevent>, cookie: InPlace) -> Result<i64, Errno> {
    let event = event.map(|e| {
        let mut e = *e;
        if e.sigev_notify == SIGEV_THREAD {
            e.sigev_value = at_least(cookie, NOTIFY_COOKIE_LEN) as u64;
        }
        e
    });
    let event = event.as_ref().map_or(null(), |e| e as *const HostSigevent);
    // SAFETY: `event` is NULL or a local sigevent the host reads; the only pointer in it the host
    // follows (SIGEV_THREAD's value) is the cookie as above.
    host(unsafe { libc::syscall(libc::SYS_mq_notify, fd, event) })
}
