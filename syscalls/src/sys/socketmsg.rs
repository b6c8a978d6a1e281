//! sendmsg(2), recvmsg(2), sendmmsg(2), recvmmsg(2) and recvmmsg_time64: i386 `msghdr`, `iovec`
//! and control messages translated to and from the host's.
//!
//! Data moves between the host socket and guest memory directly: the guest's iovecs become host
//! iovecs over guest memory. Control messages are re-framed (i386 headers are 12 bytes, aligned to
//! 4; the host's are 16, aligned to 8) and payloads whose layout differs are converted (the old
//! SO_TIMESTAMP* formats). SCM_RIGHTS fds are host fds already; on receive, fds that do not fit
//! the guest's buffer are closed and MSG_CTRUNC is set, as scm_detach_fds() does.

use super::socket::{sock_fd, MSG_NAMES};
use crate::abi::net::{cmsg_align, CmsgHdr, IoVec, MMsgHdr, MsgHdr};
use crate::entry;
use crate::mem::{GuestMemoryExt, Prot};
use crate::table::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{abi::nr, Errno, SysError, SysResult};
use std::os::fd::{AsRawFd, BorrowedFd};
use zerocopy::{FromBytes, IntoBytes};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::sendmsg, sendmsg, [Fd, Ptr, Flags(MSG_NAMES)]),
    entry!(nr::recvmsg, recvmsg, [Fd, Ptr, Flags(MSG_NAMES)]),
    entry!(nr::sendmmsg, sendmmsg, [Fd, Ptr, Uint, Flags(MSG_NAMES)]),
    entry!(nr::recvmmsg, recvmmsg, [Fd, Ptr, Uint, Flags(MSG_NAMES), Timespec]),
    entry!(nr::recvmmsg_time64, recvmmsg_time64, [Fd, Ptr, Uint, Flags(MSG_NAMES), Timespec64]),
];

const SOCKADDR_MAX: usize = 128;
/// UIO_MAXIOV.
const UIO_MAXIOV: u32 = 1024;
const MAX_RW_COUNT: usize = 0x7fff_f000;
const MSG_CTRUNC: u32 = 0x8;
const MSG_WAITFORONE: u32 = 0x10000;
const MSG_DONTWAIT: u32 = 0x40;
const MSG_CMSG_COMPAT: u32 = 0x8000_0000;

const SOL_SOCKET: i32 = 1;
const SCM_RIGHTS: i32 = 1;
const SO_TIMESTAMP_OLD: i32 = 29;
const SO_TIMESTAMPNS_OLD: i32 = 35;
const SO_TIMESTAMPING_OLD: i32 = 37;
const HOST_CMSG_HDR: usize = 16;

fn host_align(len: usize) -> usize {
    (len + 7) & !7
}

/// The guest's iovecs as host iovecs over guest memory (import_iovec()). The pointers stay valid
/// for the host call that follows: guest memory does not move.
fn iovecs(ctx: &mut Ctx, addr: u32, count: u32, writable: bool) -> Result<Vec<libc::iovec>, Errno> {
    if count > UIO_MAXIOV {
        return Err(Errno::MSGSIZE);
    }
    let raw = ctx.mem.slice(addr, count as usize * size_of::<IoVec>())?.to_vec();
    let mut total = 0usize;
    let mut out = Vec::with_capacity(count as usize);
    for chunk in raw.chunks_exact(size_of::<IoVec>()) {
        let iov = IoVec::read_from_bytes(chunk).map_err(|_| Errno::FAULT)?;
        if (iov.len as i32) < 0 {
            return Err(Errno::INVAL);
        }
        // The kernel caps the total at MAX_RW_COUNT, shortening the last vector.
        let len = (iov.len as usize).min(MAX_RW_COUNT - total);
        total += len;
        // Faults are the host kernel's to report, at the moment the guest's kernel would.
        let access = if writable { Prot::WRITE } else { Prot::READ };
        let base: *mut u8 = if len == 0 { std::ptr::null_mut() } else { ctx.mem.host_range(iov.base, len, access)? };
        out.push(libc::iovec { iov_base: base.cast(), iov_len: len });
    }
    Ok(out)
}

/// Guest control messages (i386 framing) re-framed for the host.
fn control_to_host(guest: &[u8]) -> Result<Vec<u8>, Errno> {
    let mut host = Vec::new();
    let mut at = 0;
    while at + size_of::<CmsgHdr>() <= guest.len() {
        let hdr = CmsgHdr::read_from_bytes(&guest[at..at + size_of::<CmsgHdr>()]).map_err(|_| Errno::INVAL)?;
        let len = hdr.len as usize;
        // cmsghdr_from_user_compat_to_kern(): a header that is too short or runs past the buffer.
        if len < size_of::<CmsgHdr>() || len > guest.len() - at {
            return Err(Errno::INVAL);
        }
        let payload = &guest[at + size_of::<CmsgHdr>()..at + len];
        let start = host.len();
        host.extend_from_slice(&((HOST_CMSG_HDR + payload.len()) as u64).to_le_bytes());
        host.extend_from_slice(&hdr.level.to_le_bytes());
        host.extend_from_slice(&hdr.kind.to_le_bytes());
        host.extend_from_slice(payload);
        host.resize(start + host_align(HOST_CMSG_HDR + payload.len()), 0);
        at += cmsg_align(len);
    }
    Ok(host)
}

/// A host control message's payload in the guest's layout.
fn payload_to_guest(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
    let words = |n: usize| -> Vec<i64> {
        (0..n)
            .filter_map(|i| data.get(i * 8..i * 8 + 8))
            .map(|w| i64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
            .collect()
    };
    match (level, kind) {
        // struct timeval / timespec with 64-bit fields become the 32-bit ones.
        (SOL_SOCKET, SO_TIMESTAMP_OLD | SO_TIMESTAMPNS_OLD) => {
            words(2).iter().flat_map(|v| (*v as i32).to_le_bytes()).collect()
        }
        (SOL_SOCKET, SO_TIMESTAMPING_OLD) => words(6).iter().flat_map(|v| (*v as i32).to_le_bytes()).collect(),
        _ => data.to_vec(),
    }
}

/// Host control messages re-framed for a guest buffer of `room` bytes: the bytes and MSG_CTRUNC.
fn control_to_guest(host: &[u8], room: usize) -> (Vec<u8>, u32) {
    let mut out = Vec::new();
    let mut flags = 0;
    let mut at = 0;
    while at + HOST_CMSG_HDR <= host.len() {
        let len = u64::from_le_bytes(host[at..at + 8].try_into().unwrap_or([0; 8])) as usize;
        let level = i32::from_le_bytes(host[at + 8..at + 12].try_into().unwrap_or([0; 4]));
        let kind = i32::from_le_bytes(host[at + 12..at + 16].try_into().unwrap_or([0; 4]));
        if len < HOST_CMSG_HDR || len > host.len() - at {
            break;
        }
        let data = &host[at + HOST_CMSG_HDR..at + len];
        at += host_align(len);
        let mut payload = payload_to_guest(level, kind, data);
        let space = room.saturating_sub(out.len());
        let whole = size_of::<CmsgHdr>() + payload.len();
        if whole > space {
            flags |= MSG_CTRUNC;
            if level == SOL_SOCKET && kind == SCM_RIGHTS {
                // scm_detach_fds(): as many fds as fit are passed, the rest closed.
                let fit = space.saturating_sub(size_of::<CmsgHdr>()) / 4;
                for fd in payload.chunks_exact(4).skip(fit) {
                    let fd = i32::from_le_bytes(fd.try_into().unwrap_or([0; 4]));
                    // SAFETY: the host gave us this fd in SCM_RIGHTS; nobody else holds it.
                    drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
                }
                if fit == 0 {
                    continue;
                }
                payload.truncate(fit * 4);
            } else if space < size_of::<CmsgHdr>() {
                continue;
            } else {
                // put_cmsg_compat(): a truncated message keeps what fits.
                payload.truncate(space - size_of::<CmsgHdr>());
            }
        }
        let hdr = CmsgHdr { len: (size_of::<CmsgHdr>() + payload.len()) as u32, level, kind };
        out.extend_from_slice(hdr.as_bytes());
        out.extend_from_slice(&payload);
        let aligned = cmsg_align(out.len()).min(room);
        out.resize(aligned.max(out.len()), 0);
    }
    (out, flags)
}

/// ___sys_sendmsg() for one i386 msghdr at `addr`.
fn send_one(ctx: &mut Ctx, fd: BorrowedFd, addr: u32, flags: u32) -> Result<usize, Errno> {
    let msg: MsgHdr = ctx.mem.read_obj(addr)?;
    let namelen = if msg.name == 0 { 0 } else { msg.namelen as i32 };
    if namelen < 0 {
        return Err(Errno::INVAL);
    }
    let name = if msg.name != 0 && namelen > 0 {
        ctx.mem.slice(msg.name, (namelen as usize).min(SOCKADDR_MAX))?.to_vec()
    } else {
        Vec::new()
    };
    if msg.iovlen > UIO_MAXIOV {
        return Err(Errno::MSGSIZE);
    }
    if msg.controllen > i32::MAX as u32 {
        return Err(Errno::NOBUFS);
    }
    let mut iov = iovecs(ctx, msg.iov, msg.iovlen, false)?;
    let control = if msg.controllen > 0 {
        control_to_host(ctx.mem.slice(msg.control, msg.controllen as usize)?)?
    } else {
        Vec::new()
    };
    // SAFETY: an all-zero msghdr is valid; every pointer set below outlives the call.
    let mut host: libc::msghdr = unsafe { std::mem::zeroed() };
    if !name.is_empty() {
        host.msg_name = name.as_ptr().cast_mut().cast();
        host.msg_namelen = name.len() as u32;
    }
    host.msg_iov = iov.as_mut_ptr();
    host.msg_iovlen = iov.len();
    if !control.is_empty() {
        host.msg_control = control.as_ptr().cast_mut().cast();
        host.msg_controllen = control.len();
    }
    // SAFETY: all buffers are valid for the lengths given.
    let n = unsafe { libc::sendmsg(fd.as_raw_fd(), &host, (flags & !MSG_CMSG_COMPAT) as i32) };
    if n < 0 {
        return Err(last_errno());
    }
    Ok(n as usize)
}

/// ___sys_recvmsg() for one i386 msghdr at `addr`.
fn recv_one(ctx: &mut Ctx, fd: BorrowedFd, addr: u32, flags: u32) -> Result<usize, Errno> {
    let msg: MsgHdr = ctx.mem.read_obj(addr)?;
    if msg.name != 0 && (msg.namelen as i32) < 0 {
        return Err(Errno::INVAL);
    }
    if msg.iovlen > UIO_MAXIOV {
        return Err(Errno::MSGSIZE);
    }
    if msg.controllen > i32::MAX as u32 {
        return Err(Errno::NOBUFS);
    }
    let mut iov = iovecs(ctx, msg.iov, msg.iovlen, true)?;
    let mut name = [0u8; SOCKADDR_MAX];
    // Room for every guest control message at host framing: headers grow by 4, alignment by 4.
    let mut control = vec![0u8; (msg.controllen as usize).saturating_mul(2).min(1 << 20) + 64];
    // SAFETY: as in send_one.
    let mut host: libc::msghdr = unsafe { std::mem::zeroed() };
    if msg.name != 0 {
        host.msg_name = name.as_mut_ptr().cast();
        host.msg_namelen = SOCKADDR_MAX as u32;
    }
    host.msg_iov = iov.as_mut_ptr();
    host.msg_iovlen = iov.len();
    if msg.controllen > 0 {
        host.msg_control = control.as_mut_ptr().cast();
        host.msg_controllen = control.len();
    }
    // SAFETY: all buffers are valid for the lengths given.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut host, (flags & !MSG_CMSG_COMPAT) as i32) };
    if n < 0 {
        return Err(last_errno());
    }
    let mut out_flags = host.msg_flags as u32;
    if msg.name != 0 {
        let full = (host.msg_namelen as usize).min(SOCKADDR_MAX);
        let shown = full.min(msg.namelen as usize);
        ctx.mem.write(msg.name, &name[..shown])?;
    }
    let mut used = 0;
    if msg.controllen > 0 {
        let (guest, trunc) =
            control_to_guest(&control[..host.msg_controllen.min(control.len())], msg.controllen as usize);
        out_flags |= trunc;
        ctx.mem.write(msg.control, &guest)?;
        used = guest.len();
    }
    let namelen = if msg.name != 0 { host.msg_namelen } else { 0 };
    ctx.mem.write_u32(addr + 4, namelen)?;
    ctx.mem.write_u32(addr + 20, used as u32)?;
    ctx.mem.write_u32(addr + 24, out_flags)?;
    Ok(n as usize)
}

fn last_errno() -> Errno {
    Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
}

/// Implements sendmsg(2).
fn sendmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = sock_fd(a[0])?;
    Ok(send_one(ctx, fd, a[1], a[2])? as u32)
}

/// Implements recvmsg(2).
fn recvmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = sock_fd(a[0])?;
    Ok(recv_one(ctx, fd, a[1], a[2])? as u32)
}

/// Implements sendmmsg(2): stops at the first failure; answers how many went, or that failure.
fn sendmmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = sock_fd(a[0])?;
    let vlen = a[2].min(UIO_MAXIOV);
    let mut sent = 0u32;
    while sent < vlen {
        let at = a[1].checked_add(sent * size_of::<MMsgHdr>() as u32).ok_or(Errno::FAULT)?;
        match send_one(ctx, fd, at, a[3]) {
            Ok(n) => ctx.mem.write_u32(at + 28, n as u32)?,
            Err(e) if sent == 0 => return Err(e.into()),
            Err(_) => break,
        }
        sent += 1;
    }
    Ok(sent)
}

/// do_recvmmsg(): `timeout` is an absolute deadline checked between messages, as the kernel does.
fn do_recvmmsg(ctx: &mut Ctx, a: &Args, timeout: Option<std::time::Duration>) -> SysResult {
    let fd = sock_fd(a[0])?;
    let vlen = a[2].min(UIO_MAXIOV);
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    let mut flags = a[3];
    let mut got = 0u32;
    while got < vlen {
        let at = a[1].checked_add(got * size_of::<MMsgHdr>() as u32).ok_or(Errno::FAULT)?;
        // With a deadline, wait no longer than what is left of it.
        if let Some(d) = deadline {
            if flags & MSG_DONTWAIT == 0 {
                let left = d.saturating_duration_since(std::time::Instant::now());
                let ready = wait_readable(fd, left)?;
                if !ready {
                    break;
                }
            }
        }
        match recv_one(ctx, fd, at, flags) {
            Ok(n) => ctx.mem.write_u32(at + 28, n as u32)?,
            Err(e) if got == 0 => return Err(e.into()),
            Err(_) => break,
        }
        got += 1;
        if flags & MSG_WAITFORONE != 0 {
            flags |= MSG_DONTWAIT;
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break;
        }
    }
    if got == 0 && deadline.is_some() {
        return Err(SysError::Errno(Errno::AGAIN));
    }
    Ok(got)
}

/// Wait until `fd` is readable or `left` passes; false on timeout.
fn wait_readable(fd: BorrowedFd, left: std::time::Duration) -> Result<bool, Errno> {
    let mut fds = [rustix::event::PollFd::new(&fd, rustix::event::PollFlags::IN)];
    let ts = rustix::event::Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) };
    Ok(rustix::event::poll(&mut fds, Some(&ts))? > 0)
}

fn timeout_from(sec: i64, nsec: i64) -> Result<std::time::Duration, Errno> {
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(Errno::INVAL);
    }
    Ok(std::time::Duration::new(sec as u64, nsec as u32))
}

/// Implements recvmmsg(2) with a 32-bit `struct timespec` timeout.
fn recvmmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let timeout = if a[4] == 0 {
        None
    } else {
        let t: [i32; 2] = ctx.mem.read_obj(a[4])?;
        Some(timeout_from(t[0].into(), t[1].into())?)
    };
    do_recvmmsg(ctx, a, timeout)
}

/// Implements recvmmsg_time64(2) with a 64-bit `struct __kernel_timespec` timeout.
fn recvmmsg_time64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let timeout = if a[4] == 0 {
        None
    } else {
        let t: [i64; 2] = ctx.mem.read_obj(a[4])?;
        Some(timeout_from(t[0], t[1])?)
    };
    do_recvmmsg(ctx, a, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_reframe_both_ways() {
        // An i386 SCM_RIGHTS with two fds: 12-byte header + 8 bytes.
        let mut guest = Vec::new();
        guest.extend_from_slice(CmsgHdr { len: 20, level: SOL_SOCKET, kind: SCM_RIGHTS }.as_bytes());
        guest.extend_from_slice(&[5, 0, 0, 0, 6, 0, 0, 0]);
        let host = control_to_host(&guest).unwrap();
        assert_eq!(host.len(), 24);
        assert_eq!(u64::from_le_bytes(host[..8].try_into().unwrap()), 24);
        let (back, flags) = control_to_guest(&host, 64);
        assert_eq!((back, flags), (guest, 0));
    }

    #[test]
    fn a_short_header_is_einval() {
        let bad = CmsgHdr { len: 8, level: 1, kind: 1 };
        assert_eq!(control_to_host(bad.as_bytes()), Err(Errno::INVAL));
    }
}
