//! String arguments of host calls, as the host will see them: the guest's string read into a
//! local `CString`, or a stand-in the host fails on as the kernel fails on the guest's (an address
//! above user space for EFAULT, an over-long string for ENAMETOOLONG or ERANGE). Whatever variant
//! is built, [`HostPath::ptr`] and [`HostStr::ptr`] are NULL, a NUL-terminated string that lives as
//! long as the value, or an address the host refuses: the wrappers of this module's siblings may
//! hand them to the host.

use crate::mem::{GuestMemory, GuestMemoryExt, PATH_MAX};
use crate::Errno;
use libc::c_char;
use std::ffi::CString;

/// An address the host kernel rejects with EFAULT (above the user half of the address space).
pub const BAD_PTR: usize = usize::MAX - 0xfff;

/// PATH_MAX bytes with no NUL among them: the host answers ENAMETOOLONG for it.
pub static TOO_LONG: [u8; PATH_MAX + 1] = {
    let mut s = [b'x'; PATH_MAX + 1];
    s[PATH_MAX] = 0;
    s
};

/// A guest path argument as the host will see it.
pub enum HostPath {
    /// The path (possibly empty: the host decides about AT_EMPTY_PATH).
    Path(CString),
    /// The guest passed NULL; some calls accept it (utimensat, AT_EMPTY_PATH), so the host gets NULL.
    Null,
    /// Reading it faulted.
    Fault,
    /// No NUL within PATH_MAX bytes.
    TooLong,
}

impl HostPath {
    /// The pointer the host gets: see the module comment.
    pub fn ptr(&self) -> *const c_char {
        match self {
            HostPath::Path(s) => s.as_ptr(),
            HostPath::Null => std::ptr::null(),
            HostPath::Fault => BAD_PTR as *const c_char,
            HostPath::TooLong => TOO_LONG.as_ptr().cast(),
        }
    }

    /// The path's bytes, when there is one.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            HostPath::Path(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}

/// A guest string argument with a limit of its own (a name, an attribute name) as the host will
/// see it: the string, or a stand-in the host fails on as the kernel fails on the guest's.
pub enum HostStr {
    Str(CString),
    /// Reading it faulted: the host gets [`BAD_PTR`].
    Fault,
    /// No NUL within the limit: the host gets a string just past the limit.
    TooLong(CString),
}

impl HostStr {
    /// Read a guest string of at most `max` bytes before the NUL.
    pub fn read(mem: &dyn GuestMemory, addr: u32, max: usize) -> HostStr {
        Self::from_read(mem.read_cstr(addr, max, Errno::NAMETOOLONG), max)
    }

    /// What [`GuestMemoryExt::read_cstr`] answered (with ENAMETOOLONG for a string past `max`),
    /// as the host will see it.
    pub fn from_read(bytes: Result<Vec<u8>, Errno>, max: usize) -> HostStr {
        match bytes {
            // read_cstr stops at the first NUL, so there is none inside.
            Ok(bytes) => CString::new(bytes).map_or(HostStr::Fault, HostStr::Str),
            Err(Errno::NAMETOOLONG) => CString::new(vec![b'x'; max + 1]).map_or(HostStr::Fault, HostStr::TooLong),
            Err(_) => HostStr::Fault,
        }
    }

    /// The pointer the host gets: see the module comment.
    pub fn ptr(&self) -> *const c_char {
        match self {
            HostStr::Str(s) | HostStr::TooLong(s) => s.as_ptr(),
            HostStr::Fault => BAD_PTR as *const c_char,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_has_no_nul_before_path_max() {
        assert_eq!(TOO_LONG.iter().position(|&b| b == 0), Some(PATH_MAX));
    }

    #[test]
    fn unreadable_strings_become_stand_ins() {
        assert!(matches!(HostStr::from_read(Err(Errno::FAULT), 8), HostStr::Fault));
        match HostStr::from_read(Err(Errno::NAMETOOLONG), 8) {
            HostStr::TooLong(s) => assert_eq!(s.as_bytes().len(), 9),
            _ => panic!("not TooLong"),
        }
        assert!(matches!(HostStr::from_read(Ok(b"user.a".to_vec()), 8), HostStr::Str(_)));
    }
}
