//! The host calls that act on the kernel itself: init_module(2), finit_module(2),
//! delete_module(2) and kexec_load(2), forwarded so that the host decides (ENOSYS where it is
//! built without them, EPERM without the capability, its own checks in its own order), and the
//! probes that ask once whether the host implements uselib(2), ioperm(2) and iopl(2), which are
//! never forwarded (see `crate::sys::kernel`).
//!
//! Guest memory reaches the host in place, as a `HostRange` (the kernel copies images, strings
//! and segments from user memory, so only reads happen through it), or as an address it refuses.

use super::inplace::InPlace;
use super::strings::BAD_PTR;
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint, c_ulong, c_void};
use std::ptr::null;
use std::sync::OnceLock;

/// init_module(2): the image (`len` bytes) and the parameter string, both read in place.
pub fn init_module(image: InPlace, len: u32, params: InPlace) -> Result<i64, Errno> {
    // SAFETY: the host only reads through both pointers (guest memory or a refused address).
    host(unsafe { libc::syscall(libc::SYS_init_module, image.ptr(), c_ulong::from(len), params.ptr()) })
}

/// finit_module(2).
pub fn finit_module(fd: c_int, params: InPlace, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: the host only reads the parameter string.
    host(unsafe { libc::syscall(libc::SYS_finit_module, fd, params.ptr(), flags) })
}

/// delete_module(2); `name` is a local NUL-terminated string or refused.
pub fn delete_module(name: &super::strings::HostStr, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: the host only reads the name (see the strings module).
    host(unsafe { libc::syscall(libc::SYS_delete_module, name.ptr(), flags) })
}

/// The host's `struct kexec_segment` (include/uapi/linux/kexec.h).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct KexecSegment {
    buf: *const c_void,
    bufsz: usize,
    mem: c_ulong,
    memsz: usize,
}
const _: () = assert!(size_of::<KexecSegment>() == 32);

impl KexecSegment {
    /// A segment whose buffer the host reads in place.
    pub fn new(buf: InPlace, bufsz: u32, mem: u32, memsz: u32) -> KexecSegment {
        KexecSegment { buf: buf.ptr(), bufsz: bufsz as usize, mem: c_ulong::from(mem), memsz: memsz as usize }
    }
}

/// The segment list the host is given.
pub enum Segments<'a> {
    /// Converted segments, as many as the host is told (it reads exactly those).
    Local(&'a [KexecSegment]),
    /// An address the host refuses, with the guest's count (which the host checks first).
    Refused(u32),
}

/// kexec_load(2) with the host's layout.
pub fn kexec_load(entry: u32, segments: Segments<'_>, flags: c_ulong) -> Result<i64, Errno> {
    let (ptr, n) = match segments {
        Segments::Local(s) => (s.as_ptr().cast::<c_void>(), s.len() as c_ulong),
        Segments::Refused(n) => (BAD_PTR as *const c_void, c_ulong::from(n)),
    };
    // SAFETY: the host reads `n` segments from a live local slice, or faults on a refused
    // address; the segments' buffers are guest memory, NULL or refused, and only read.
    host(unsafe { libc::syscall(libc::SYS_kexec_load, c_ulong::from(entry), n, ptr, flags) })
}

/// Whether the host implements each of the calls emu386 never forwards, asked once.
#[derive(Clone, Copy, Debug)]
pub struct Implemented {
    pub uselib: bool,
    pub ioperm: bool,
    pub iopl: bool,
}

/// Ask the host, once per process, with calls that fail or do nothing before acting:
/// uselib(NULL) is EFAULT (getname) where it exists, ioperm(0, 0, 0) EINVAL (an empty range),
/// iopl(0) 0 (the level every task starts at, kept by fork and execve: nothing changes).
pub fn implemented() -> Implemented {
    static ONCE: OnceLock<Implemented> = OnceLock::new();
    *ONCE.get_or_init(|| {
        let exists = |r: c_long| host(r) != Err(Errno::NOSYS);
        // SAFETY: NULL, which the host refuses before reading anything.
        let uselib = exists(unsafe { libc::syscall(libc::SYS_uselib, null::<c_void>()) });
        // SAFETY: numbers only; an empty range is refused before any change.
        let ioperm = exists(unsafe { libc::syscall(libc::SYS_ioperm, 0 as c_ulong, 0 as c_ulong, 0 as c_int) });
        // SAFETY: a number only; level 0 is the level the host thread already has (it never asks for more).
        let iopl = exists(unsafe { libc::syscall(libc::SYS_iopl, 0 as c_uint) });
        Implemented { uselib, ioperm, iopl }
    })
}
