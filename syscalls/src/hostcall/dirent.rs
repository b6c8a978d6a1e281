//! The host calls behind readdir(2) and getdents(2)'s 64-bit fallback (see `crate::sys::fs`): a
//! directory's position read and set back, one host getdents64 into a local buffer (or into a
//! refused address), and the compat readdir made through `int $0x80` into this thread's bounce
//! buffer, copied out before anything else can use it.

use crate::hostcall::compat;
use crate::{host, Errno, SysError};
use libc::c_int;

/// `struct old_linux_dirent`'s largest size: `d_ino`, `d_offset`, `d_namlen` (10 bytes), a name
/// of at most 255 bytes and its NUL.
const OLD_DIRENT_MAX: usize = 10 + 256;
const _: () = assert!(OLD_DIRENT_MAX <= compat::BOUNCE_LEN);

/// The 64-bit position of `fd`, when it has one.
pub fn position(fd: c_int) -> Option<i64> {
    // SAFETY: numbers only.
    let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    (pos >= 0).then_some(pos)
}

/// Move `fd` to `pos`; like the kernel moving a directory back, nothing to answer.
pub fn set_position(fd: c_int, pos: i64) {
    // SAFETY: numbers only.
    unsafe { libc::lseek(fd, pos, libc::SEEK_SET) };
}

/// getdents64(2) into a local buffer.
pub fn getdents64(fd: c_int, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: a live local buffer of the length given.
    Ok(host(unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) })? as usize)
}

/// getdents64(2) into an address the host refuses, `len` bytes as the guest asked: the host's
/// checks (EBADF, ENOTDIR, EINVAL for too small a buffer) come first and the directory does not
/// move on the EFAULT.
pub fn getdents64_refused(fd: c_int, len: usize) -> Result<usize, Errno> {
    // SAFETY: an address the host answers EFAULT for without writing anything.
    Ok(host(unsafe { libc::syscall(libc::SYS_getdents64, fd, super::strings::BAD_PTR, len) })? as usize)
}

/// readdir(2) as an i386 task makes it (`int $0x80`, compat_sys_old_readdir()): the count the
/// host answers (0 at the end) and the entry it wrote, `d_namlen` bounded by the buffer.
pub fn compat_readdir(fd: u32, count: u32) -> Result<(u32, Vec<u8>), SysError> {
    let bounce = compat::bounce()?;
    // SAFETY: the bounce buffer holds BOUNCE_LEN bytes below 4 GiB, more than one entry; only
    // this thread uses it.
    let n = compat::result(unsafe { compat::int80(crate::abi::nr::readdir, fd, bounce, count, 0) })?;
    // SAFETY: as above; the buffer is mapped readable for BOUNCE_LEN bytes and the host wrote at
    // most one entry there, so the bytes are initialised (a fresh anonymous mapping is zeroed).
    let bytes = unsafe { std::slice::from_raw_parts(bounce as usize as *const u8, OLD_DIRENT_MAX) };
    let len = 10 + usize::from(u16::from_le_bytes([bytes[8], bytes[9]])) + 1;
    Ok((n, bytes[..len.min(bytes.len())].to_vec()))
}
