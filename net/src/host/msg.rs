//! Safe wrappers of the message host calls (sendmsg, recvmsg, sendmmsg, recvmmsg, and the
//! copies to and from data ranges that may fault) and the accessors of a `msghdr`'s parts.
//!
//! A `msghdr` a provider is handed follows the memory contract of [`crate::socket`]: its name,
//! its control buffer and its iovec array are the emulator's own buffers of the lengths it
//! gives, and the ranges the iovecs name are host ranges over guest memory that only the host
//! kernel touches (it answers EFAULT where they fault). The accessors here rely on that
//! contract, which every `msghdr` of this crate and of its callers keeps; the data ranges are
//! never dereferenced from Rust, only handed to the host kernel.

use super::check;
use crate::Errno;
use std::os::fd::{AsRawFd, BorrowedFd};

/// sendmsg(2).
pub fn sendmsg(fd: BorrowedFd, msg: &libc::msghdr, flags: u32) -> Result<usize, Errno> {
    // SAFETY: `msg` points at live buffers of the lengths it gives (the module contract); the
    // kernel checks the data ranges itself.
    check(unsafe { libc::sendmsg(fd.as_raw_fd(), msg, flags as i32) })
}

/// recvmsg(2).
pub fn recvmsg(fd: BorrowedFd, msg: &mut libc::msghdr, flags: u32) -> Result<usize, Errno> {
    // SAFETY: as in sendmsg; the kernel writes at most the lengths `msg` gives.
    check(unsafe { libc::recvmsg(fd.as_raw_fd(), msg, flags as i32) })
}

/// sendmmsg(2).
pub fn sendmmsg(fd: BorrowedFd, msgs: &mut [libc::mmsghdr], flags: u32) -> Result<usize, Errno> {
    let n = u32::try_from(msgs.len()).unwrap_or(u32::MAX);
    // SAFETY: `msgs` is `n` entries, each following the module contract.
    check(unsafe { libc::sendmmsg(fd.as_raw_fd(), msgs.as_mut_ptr(), n, flags as i32) } as isize)
}

/// recvmmsg(2); `timeout` is the host's do_recvmmsg() rule (checked only after each datagram,
/// the remaining time written back).
pub fn recvmmsg(
    fd: BorrowedFd,
    msgs: &mut [libc::mmsghdr],
    flags: u32,
    timeout: Option<&mut libc::timespec>,
) -> Result<usize, Errno> {
    let n = u32::try_from(msgs.len()).unwrap_or(u32::MAX);
    let tsp = timeout.map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
    // SAFETY: as in sendmmsg; `tsp` is null or the caller's timespec.
    check(unsafe { libc::recvmmsg(fd.as_raw_fd(), msgs.as_mut_ptr(), n, flags as i32, tsp) } as isize)
}

/// readv(2) into data ranges.
pub fn readv(fd: BorrowedFd, iov: &[libc::iovec]) -> Result<usize, Errno> {
    let n = i32::try_from(iov.len()).unwrap_or(i32::MAX);
    // SAFETY: the iovec array is `n` entries; the ranges are checked by the kernel.
    check(unsafe { libc::readv(fd.as_raw_fd(), iov.as_ptr(), n) })
}

/// writev(2) from data ranges.
pub fn writev(fd: BorrowedFd, iov: &[libc::iovec]) -> Result<usize, Errno> {
    let n = i32::try_from(iov.len()).unwrap_or(i32::MAX);
    // SAFETY: as in readv.
    check(unsafe { libc::writev(fd.as_raw_fd(), iov.as_ptr(), n) })
}

/// The iovec array of `msg` (empty when it has none).
pub fn iovecs(msg: &libc::msghdr) -> &[libc::iovec] {
    if msg.msg_iov.is_null() || msg.msg_iovlen == 0 {
        return &[];
    }
    // SAFETY: the array is the emulator's, `msg_iovlen` entries long (the module contract).
    unsafe { std::slice::from_raw_parts(msg.msg_iov, msg.msg_iovlen) }
}

/// The name bytes of `msg` (None when it has no name buffer).
pub fn name(msg: &libc::msghdr) -> Option<&[u8]> {
    if msg.msg_name.is_null() {
        return None;
    }
    // SAFETY: the name buffer is the emulator's, `msg_namelen` bytes long (the module contract).
    Some(unsafe { std::slice::from_raw_parts(msg.msg_name.cast::<u8>(), msg.msg_namelen as usize) })
}

/// The name buffer of `msg`, writable (None when it has none).
pub fn name_mut(msg: &mut libc::msghdr) -> Option<&mut [u8]> {
    if msg.msg_name.is_null() {
        return None;
    }
    // SAFETY: as in `name`; `msg` is borrowed mutably for as long as the slice lives.
    Some(unsafe { std::slice::from_raw_parts_mut(msg.msg_name.cast::<u8>(), msg.msg_namelen as usize) })
}

/// CMSG_ALIGN(): the host's cmsg alignment (a `size_t`).
const fn cmsg_align(len: usize) -> usize {
    (len + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)
}

/// CMSG_LEN() of `data_len` bytes of data.
pub const fn cmsg_len(data_len: usize) -> usize {
    cmsg_align(size_of::<libc::cmsghdr>()) + data_len
}

/// CMSG_SPACE() of `data_len` bytes of data.
pub const fn cmsg_space(data_len: usize) -> usize {
    cmsg_align(size_of::<libc::cmsghdr>()) + cmsg_align(data_len)
}

/// The control buffer of `msg`, writable up to `room` bytes (its whole length, whatever
/// msg_controllen says now); empty when it has none.
fn control_mut(msg: &mut libc::msghdr, room: usize) -> &mut [u8] {
    if msg.msg_control.is_null() {
        return &mut [];
    }
    // SAFETY: the control buffer is the emulator's, `room` bytes long (the caller's
    // msg_controllen before the call; the module contract); `msg` is borrowed mutably.
    unsafe { std::slice::from_raw_parts_mut(msg.msg_control.cast::<u8>(), room) }
}

/// Append a control message to `msg`'s control buffer of `room` bytes, at msg_controllen:
/// false (nothing written) when its CMSG_LEN does not fit.
pub fn push_cmsg(msg: &mut libc::msghdr, room: usize, level: i32, kind: i32, data: &[u8]) -> bool {
    let used = msg.msg_controllen;
    let len = cmsg_len(data.len());
    if used + len > room || msg.msg_control.is_null() {
        return false;
    }
    let hdr = cmsg_header(len, level, kind);
    let buf = control_mut(msg, room);
    buf[used..used + hdr.len()].copy_from_slice(&hdr);
    buf[used + hdr.len()..used + len].copy_from_slice(data);
    msg.msg_controllen = (used + cmsg_space(data.len())).min(room);
    true
}

/// A host `cmsghdr`'s bytes.
fn cmsg_header(len: usize, level: i32, kind: i32) -> [u8; size_of::<libc::cmsghdr>()] {
    let mut out = [0u8; size_of::<libc::cmsghdr>()];
    out[..8].copy_from_slice(&len.to_ne_bytes());
    out[8..12].copy_from_slice(&level.to_ne_bytes());
    out[12..16].copy_from_slice(&kind.to_ne_bytes());
    out
}
const _: () = assert!(size_of::<libc::cmsghdr>() == 16 && size_of::<usize>() == 8);

/// The control messages in the first `len` bytes of `control` (a host control buffer the
/// kernel filled): (level, type, data) of each whole one.
pub fn cmsgs(control: &[u8], len: usize) -> Vec<(i32, i32, &[u8])> {
    let control = &control[..len.min(control.len())];
    let head = size_of::<libc::cmsghdr>();
    let mut out = Vec::new();
    let mut at = 0;
    while at + head <= control.len() {
        let h = &control[at..at + head];
        let word = |r: std::ops::Range<usize>| h[r].try_into().unwrap_or([0; 4]);
        let clen = usize::from_ne_bytes(h[..8].try_into().unwrap_or([0; 8]));
        if clen < head || clen > control.len() - at {
            break;
        }
        let (level, kind) = (i32::from_ne_bytes(word(8..12)), i32::from_ne_bytes(word(12..16)));
        out.push((level, kind, &control[at + cmsg_align(head)..at + clen]));
        at += cmsg_align(clen);
    }
    out
}

/// Copy from the data ranges `remote` into `dst`, as far as they can be read: the count.
pub fn read_ranges(dst: &mut [u8], remote: &[libc::iovec]) -> usize {
    let local = libc::iovec { iov_base: dst.as_mut_ptr().cast(), iov_len: dst.len() };
    // SAFETY: `local` is our buffer; the remote ranges are read by the kernel, which stops at a
    // fault and reports how much it copied.
    let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, remote.as_ptr(), remote.len() as u64, 0) };
    usize::try_from(n).unwrap_or(0)
}

/// Copy `src` into the data ranges `remote`, as far as they can be written: the count.
pub fn write_ranges(src: &[u8], remote: &[libc::iovec]) -> Result<usize, Errno> {
    let local = libc::iovec { iov_base: src.as_ptr().cast_mut().cast(), iov_len: src.len() };
    // SAFETY: `local` is our buffer, only read; the kernel writes the remote ranges or stops at a
    // fault.
    check(unsafe { libc::process_vm_writev(libc::getpid(), &local, 1, remote.as_ptr(), remote.len() as u64, 0) })
}
