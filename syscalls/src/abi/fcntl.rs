//! fcntl(2) commands and lock structs as the i386 guest lays them out (asm-generic/fcntl.h,
//! linux/compat.h).
//!
//! i386 has two lock layouts: `struct flock` with a 32-bit `off_t` (16 bytes; F_GETLK/F_SETLK*) and
//! `struct flock64` (24 bytes: i386 aligns `long long` to 4, so nothing pads `l_start`; the 64-bit
//! commands and the OFD ones). The host's `struct flock` is 32 bytes with 64-bit offsets.

use zerocopy::little_endian::{I16, I32, I64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const F_DUPFD: u32 = 0;
pub const F_GETFD: u32 = 1;
pub const F_SETFD: u32 = 2;
pub const F_GETFL: u32 = 3;
pub const F_SETFL: u32 = 4;
pub const F_GETLK: u32 = 5;
pub const F_SETLK: u32 = 6;
pub const F_SETLKW: u32 = 7;
pub const F_SETOWN: u32 = 8;
pub const F_GETOWN: u32 = 9;
pub const F_SETSIG: u32 = 10;
pub const F_GETSIG: u32 = 11;
/// The `struct flock64` commands; on x86-64 these numbers are unused (its F_GETLK is 64-bit).
pub const F_GETLK64: u32 = 12;
pub const F_SETLK64: u32 = 13;
pub const F_SETLKW64: u32 = 14;
pub const F_SETOWN_EX: u32 = 15;
pub const F_GETOWN_EX: u32 = 16;
pub const F_GETOWNER_UIDS: u32 = 17;
pub const F_OFD_GETLK: u32 = 36;
pub const F_OFD_SETLK: u32 = 37;
pub const F_OFD_SETLKW: u32 = 38;
pub const F_SETLEASE: u32 = 1024;
pub const F_GETLEASE: u32 = 1025;
pub const F_NOTIFY: u32 = 1026;
pub const F_DUPFD_QUERY: u32 = 1027;
pub const F_CREATED_QUERY: u32 = 1028;
pub const F_CANCELLK: u32 = 1029;
pub const F_DUPFD_CLOEXEC: u32 = 1030;
pub const F_SETPIPE_SZ: u32 = 1031;
pub const F_GETPIPE_SZ: u32 = 1032;
pub const F_ADD_SEALS: u32 = 1033;
pub const F_GET_SEALS: u32 = 1034;
pub const F_GET_RW_HINT: u32 = 1035;
pub const F_SET_RW_HINT: u32 = 1036;

/// `COMPAT_OFF_T_MAX`: the largest offset a 32-bit `struct flock` can report.
pub const COMPAT_OFF_T_MAX: i64 = i32::MAX as i64;

/// `struct compat_flock` (linux/compat.h): i386 `struct flock`, 32-bit offsets.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Flock32 {
    pub l_type: I16,
    pub l_whence: I16,
    pub l_start: I32,
    pub l_len: I32,
    pub l_pid: I32,
}
const _: () = assert!(size_of::<Flock32>() == 16);

/// `struct compat_flock64` (linux/compat.h, packed on x86): i386 `struct flock64`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Flock64 {
    pub l_type: I16,
    pub l_whence: I16,
    pub l_start: I64,
    pub l_len: I64,
    pub l_pid: I32,
}
const _: () = assert!(size_of::<Flock64>() == 24);
const _: () = assert!(std::mem::offset_of!(Flock64, l_start) == 4);

impl Flock32 {
    /// get_compat_flock(): offsets sign-extended.
    pub fn to_host(self) -> libc::flock {
        host_flock(
            self.l_type.get(),
            self.l_whence.get(),
            self.l_start.get().into(),
            self.l_len.get().into(),
            self.l_pid.get(),
        )
    }

    /// put_compat_flock() after fixup_compat_flock(): a start past `COMPAT_OFF_T_MAX` is
    /// `None` (EOVERFLOW); a longer length is clamped.
    pub fn from_host(f: &libc::flock) -> Option<Self> {
        if f.l_start > COMPAT_OFF_T_MAX {
            return None;
        }
        Some(Flock32 {
            l_type: I16::new(f.l_type),
            l_whence: I16::new(f.l_whence),
            l_start: I32::new(f.l_start as i32),
            l_len: I32::new(f.l_len.min(COMPAT_OFF_T_MAX) as i32),
            l_pid: I32::new(f.l_pid),
        })
    }
}

impl Flock64 {
    pub fn to_host(self) -> libc::flock {
        host_flock(self.l_type.get(), self.l_whence.get(), self.l_start.get(), self.l_len.get(), self.l_pid.get())
    }

    pub fn from_host(f: &libc::flock) -> Self {
        Flock64 {
            l_type: I16::new(f.l_type),
            l_whence: I16::new(f.l_whence),
            l_start: I64::new(f.l_start),
            l_len: I64::new(f.l_len),
            l_pid: I32::new(f.l_pid),
        }
    }
}

fn host_flock(l_type: i16, l_whence: i16, l_start: i64, l_len: i64, l_pid: i32) -> libc::flock {
    libc::flock { l_type, l_whence, l_start, l_len, l_pid }
}
