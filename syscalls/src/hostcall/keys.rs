//! The host's key retention calls (see `crate::sys::keys`): add_key(2), request_key(2) and
//! keyctl(2). Strings come as [`HostStr`] (or NULL), buffers as [`InPlace`], and the two things
//! keyctl reads through a local pointer (KEYCTL_INSTANTIATE_IOV's iovec array, KEYCTL_DH_COMPUTE's
//! `struct keyctl_kdf_params`) as borrowed locals that live until the call returns.

use super::inplace::InPlace;
use super::strings::{HostStr, BAD_PTR};
use crate::{host, Errno};
use libc::{c_char, c_int, c_long, c_ulong, c_void};
use std::marker::PhantomData;
use std::ptr::null;

/// A string argument: NULL, or the guest's string as the host will see it.
fn str_ptr(s: Option<&HostStr>) -> *const c_char {
    s.map_or(null(), HostStr::ptr)
}

/// add_key(2): the payload is `plen` bytes of guest memory, read in place.
pub fn add_key(
    kind: Option<&HostStr>,
    desc: Option<&HostStr>,
    payload: InPlace,
    plen: usize,
    ring: c_int,
) -> Result<i64, Errno> {
    // SAFETY: NULL, NUL-terminated live strings or refused addresses; guest memory the host
    // reads, NULL, or refused.
    host(unsafe { libc::syscall(libc::SYS_add_key, str_ptr(kind), str_ptr(desc), payload.ptr(), plen, ring) })
}

/// request_key(2).
pub fn request_key(
    kind: Option<&HostStr>,
    desc: Option<&HostStr>,
    callout: Option<&HostStr>,
    ring: c_int,
) -> Result<i64, Errno> {
    // SAFETY: NULL, NUL-terminated live strings or refused addresses, only read.
    host(unsafe { libc::syscall(libc::SYS_request_key, str_ptr(kind), str_ptr(desc), str_ptr(callout), ring) })
}

/// The host's `struct keyctl_kdf_params`, pointing at what it borrows.
#[repr(C)]
pub struct KdfParams<'a> {
    hashname: *const c_char,
    otherinfo: *const c_void,
    otherinfolen: u32,
    spare: [u32; 8],
    borrows: PhantomData<&'a HostStr>,
}
const _: () = assert!(size_of::<KdfParams<'_>>() == 56);

impl<'a> KdfParams<'a> {
    /// The hash name (NULL or a string), `otherinfolen` bytes of other info read in place.
    pub fn new(hashname: Option<&'a HostStr>, otherinfo: InPlace, otherinfolen: u32, spare: [u32; 8]) -> Self {
        KdfParams { hashname: str_ptr(hashname), otherinfo: otherinfo.ptr(), otherinfolen, spare, borrows: PhantomData }
    }
}

/// One keyctl(2) argument after the command, as the host will see it.
pub enum KeyArg<'a> {
    /// A number (serial, length, permission, flag).
    Num(c_ulong),
    /// A string, or NULL.
    Str(Option<&'a HostStr>),
    /// Guest memory read or written in place (sized for the command by the caller), NULL, or
    /// refused.
    Guest(InPlace),
    /// A local iovec array (KEYCTL_INSTANTIATE_IOV) whose entries are guest memory, only read.
    Iov(&'a [libc::iovec]),
    /// A local `struct keyctl_kdf_params` (KEYCTL_DH_COMPUTE).
    Kdf(&'a KdfParams<'a>),
    /// An address the host refuses.
    Refused,
}

impl KeyArg<'_> {
    fn raw(&self) -> c_ulong {
        match self {
            KeyArg::Num(n) => *n,
            KeyArg::Str(s) => str_ptr(*s) as c_ulong,
            KeyArg::Guest(g) => g.ptr() as c_ulong,
            KeyArg::Iov([]) => 0,
            KeyArg::Iov(v) => v.as_ptr() as c_ulong,
            KeyArg::Kdf(k) => *k as *const KdfParams<'_> as c_ulong,
            KeyArg::Refused => BAD_PTR as c_ulong,
        }
    }
}

/// keyctl(2). The caller gives each argument the kind the command uses it as
/// (`crate::sys::keys::kinds`): a command that writes through an argument gets guest memory,
/// NULL or a refused address there, never a number.
pub fn keyctl(option: c_int, args: [KeyArg<'_>; 4]) -> Result<i64, Errno> {
    let [a, b, c, d] = args.map(|x| x.raw());
    // SAFETY: each pointer argument is NULL, a live NUL-terminated string, a live local struct
    // or iovec array, guest memory of the size the command uses, or a refused address.
    host(unsafe { libc::syscall(libc::SYS_keyctl, option as c_long, a, b, c, d) })
}
