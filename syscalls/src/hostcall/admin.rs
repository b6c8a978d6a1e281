//! The host's system administration calls (see `crate::sys::admin`): acct(2), swapon(2),
//! swapoff(2), reboot(2), vhangup(2), sysfs(2), ustat(2), and the two halves of stime(2). Paths
//! and strings come as [`HostPath`] and [`HostStr`]; what the host writes goes to locals of its
//! own layout.

use super::strings::{HostPath, HostStr};
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint};

/// acct(2).
pub fn acct(name: &HostPath) -> Result<i64, Errno> {
    // SAFETY: NULL, a NUL-terminated live string, or an address the host refuses (strings module).
    host(unsafe { libc::syscall(libc::SYS_acct, name.ptr()) })
}

/// swapon(2).
pub fn swapon(name: &HostPath, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: as in `acct`.
    host(unsafe { libc::syscall(libc::SYS_swapon, name.ptr(), flags) })
}

/// swapoff(2).
pub fn swapoff(name: &HostPath) -> Result<i64, Errno> {
    // SAFETY: as in `acct`.
    host(unsafe { libc::syscall(libc::SYS_swapoff, name.ptr()) })
}

/// LINUX_REBOOT_CMD_RESTART2, the one command whose argument the host reads (a string).
pub const LINUX_REBOOT_CMD_RESTART2: c_uint = 0xA1B2_C3D4;

/// reboot(2); `restart2` is the string LINUX_REBOOT_CMD_RESTART2 reads, and every other command
/// gets a NULL argument (the host reads none).
pub fn reboot(magic1: c_int, magic2: c_int, cmd: c_uint, restart2: &HostStr) -> Result<i64, Errno> {
    let arg = if cmd == LINUX_REBOOT_CMD_RESTART2 { restart2.ptr() } else { std::ptr::null() };
    // SAFETY: numbers, and a NUL-terminated live string, a refused address or NULL.
    host(unsafe { libc::syscall(libc::SYS_reboot, magic1, magic2, cmd, arg) })
}

/// vhangup(2).
pub fn vhangup() -> Result<i64, Errno> {
    // SAFETY: no arguments.
    host(unsafe { libc::syscall(libc::SYS_vhangup) })
}

/// sysfs(2) option 1: the index of a file-system type name.
pub fn sysfs_index(name: &HostStr) -> Result<i64, Errno> {
    // SAFETY: a NUL-terminated live string or a refused address.
    host(unsafe { libc::syscall(libc::SYS_sysfs, 1 as c_long, name.ptr()) })
}

/// sysfs(2) option 2: the name of type `index` into `name` (longer than any type name).
pub fn sysfs_name(index: libc::c_ulong, name: &mut [u8; 256]) -> Result<i64, Errno> {
    // SAFETY: a live local buffer longer than any file-system type name.
    host(unsafe { libc::syscall(libc::SYS_sysfs, 2 as c_long, index, name.as_mut_ptr()) })
}

/// sysfs(2) with any other option: 3 counts the types, the rest are EINVAL; no pointer is read.
pub fn sysfs_other(option: c_int) -> Result<i64, Errno> {
    if option == 1 || option == 2 {
        return Err(Errno::INVAL);
    }
    // SAFETY: numbers only (options 1 and 2, which take pointers, are refused above).
    host(unsafe { libc::syscall(libc::SYS_sysfs, option) })
}

/// The host's `struct ustat` (linux/types.h: `unsigned long f_tinode`).
#[derive(Default)]
#[repr(C)]
pub struct HostUstat {
    pub f_tfree: i32,
    pub f_tinode: u64,
    pub f_fname: [u8; 6],
    pub f_fpack: [u8; 6],
}
const _: () = assert!(size_of::<HostUstat>() == 32);

/// ustat(2).
pub fn ustat(dev: c_uint, out: &mut HostUstat) -> Result<i64, Errno> {
    // SAFETY: a live local struct of the host's layout.
    host(unsafe { libc::syscall(libc::SYS_ustat, dev, out as *mut HostUstat) })
}

/// settimeofday(NULL, NULL): the privilege check security_settime64() makes (CAP_SYS_TIME),
/// changing nothing.
pub fn may_set_time() -> Result<i64, Errno> {
    // SAFETY: two NULL pointers.
    host(unsafe { libc::syscall(libc::SYS_settimeofday, 0usize, 0usize) })
}

/// clock_settime(CLOCK_REALTIME) to `secs` and 0 ns.
pub fn set_realtime(secs: i64) -> Result<i64, Errno> {
    let ts = libc::timespec { tv_sec: secs, tv_nsec: 0 };
    // SAFETY: a live local timespec.
    host(unsafe { libc::syscall(libc::SYS_clock_settime, libc::CLOCK_REALTIME, &ts as *const libc::timespec) })
}
