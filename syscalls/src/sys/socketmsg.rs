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
use crate::{abi::nr, last_errno, Errno, SysResult};
use std::os::fd::AsRawFd;
use zerocopy::{FromBytes, IntoBytes};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::sendmsg, sendmsg, [Fd, Msghdr, Flags(MSG_NAMES)]).blocks().restarts(),
    entry!(nr::recvmsg, recvmsg, [Fd, MsghdrOut, Flags(MSG_NAMES)]).blocks().restarts(),
    entry!(nr::sendmmsg, sendmmsg, [Fd, Ptr, Uint, Flags(MSG_NAMES)]).blocks().restarts(),
    entry!(nr::recvmmsg, recvmmsg, [Fd, Ptr, Uint, Flags(MSG_NAMES), Timespec]).blocks(),
    entry!(nr::recvmmsg_time64, recvmmsg_time64, [Fd, Ptr, Uint, Flags(MSG_NAMES), Timespec64]).blocks(),
];

const SOCKADDR_MAX: usize = 128;
/// UIO_MAXIOV.
const UIO_MAXIOV: u32 = 1024;
const MAX_RW_COUNT: usize = 0x7fff_f000;
const MSG_CTRUNC: u32 = 0x8;
const MSG_CMSG_COMPAT: u32 = 0x8000_0000;

const SOL_SOCKET: i32 = 1;
const SCM_RIGHTS: i32 = 1;
const SO_TIMESTAMP_OLD: i32 = 29;
const SO_TIMESTAMPNS_OLD: i32 = 35;
const SO_TIMESTAMPING_OLD: i32 = 37;
const SO_TIMESTAMP_NEW: i32 = 63;
const SO_TIMESTAMPNS_NEW: i32 = 64;
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
        (SOL_SOCKET, SO_TIMESTAMP_OLD | SO_TIMESTAMPNS_OLD | SO_TIMESTAMP_NEW | SO_TIMESTAMPNS_NEW) => {
            let mut w = words(2);
            if let [sec, sub] = w.as_mut_slice() {
                // Under `emu386 diff`, on the clock the program's replayed readings are on.
                let unit = if matches!(kind, SO_TIMESTAMP_OLD | SO_TIMESTAMP_NEW) { 1000 } else { 1 };
                crate::replay::handed_back(libc::CLOCK_REALTIME as u32, sec, sub, unit);
            }
            if matches!(kind, SO_TIMESTAMP_OLD | SO_TIMESTAMPNS_OLD) {
                w.iter().flat_map(|v| (*v as i32).to_le_bytes()).collect()
            } else {
                w.iter().flat_map(|v| v.to_le_bytes()).collect()
            }
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

/// One guest `msghdr` translated for the host: the buffers the host `msghdr` points into.
struct HostMsg {
    /// Where the guest's msghdr is (to write back lengths and flags).
    at: u32,
    guest: MsgHdr,
    name: [u8; SOCKADDR_MAX],
    iov: Vec<libc::iovec>,
    control: Vec<u8>,
}

impl HostMsg {
    /// copy_msghdr_from_user() for the i386 layout, in the kernel's order of checks.
    fn new(ctx: &mut Ctx, at: u32, receiving: bool) -> Result<HostMsg, Errno> {
        let guest: MsgHdr = ctx.mem.read_obj(at)?;
        let mut name = [0u8; SOCKADDR_MAX];
        if guest.name != 0 && (guest.namelen as i32) < 0 {
            return Err(Errno::INVAL);
        }
        if !receiving && guest.name != 0 && guest.namelen > 0 {
            let len = (guest.namelen as usize).min(SOCKADDR_MAX);
            name[..len].copy_from_slice(ctx.mem.slice(guest.name, len)?);
        }
        if guest.iovlen > UIO_MAXIOV {
            return Err(Errno::MSGSIZE);
        }
        if guest.controllen > i32::MAX as u32 {
            return Err(Errno::NOBUFS);
        }
        let iov = iovecs(ctx, guest.iov, guest.iovlen, receiving)?;
        let control = if guest.controllen == 0 {
            Vec::new()
        } else if receiving {
            // Room for every guest control message at host framing (headers and alignment grow).
            vec![0u8; (guest.controllen as usize).saturating_mul(2).min(1 << 20) + 64]
        } else {
            control_to_host(ctx.mem.slice(guest.control, guest.controllen as usize)?)?
        };
        Ok(HostMsg { at, guest, name, iov, control })
    }

    /// The host `msghdr` over this message's buffers.
    fn host(&mut self) -> libc::msghdr {
        // SAFETY: an all-zero msghdr is valid; every pointer set below lives as long as `self`.
        let mut h: libc::msghdr = unsafe { std::mem::zeroed() };
        if self.guest.name != 0 {
            h.msg_name = self.name.as_mut_ptr().cast();
            h.msg_namelen = (self.guest.namelen as usize).min(SOCKADDR_MAX) as u32;
        }
        h.msg_iov = self.iov.as_mut_ptr();
        h.msg_iovlen = self.iov.len();
        if !self.control.is_empty() {
            h.msg_control = self.control.as_mut_ptr().cast();
            h.msg_controllen = self.control.len();
        }
        h
    }

    /// After a receive: the name (truncated, full length reported), control messages in the
    /// guest's framing, msg_controllen and msg_flags, as ___sys_recvmsg() writes them back.
    fn finish_recv(&mut self, ctx: &mut Ctx, host: &libc::msghdr) -> Result<(), Errno> {
        let mut flags = host.msg_flags as u32;
        let mut namelen = 0;
        if self.guest.name != 0 {
            let full = (host.msg_namelen as usize).min(SOCKADDR_MAX);
            let shown = full.min(self.guest.namelen as usize);
            ctx.mem.write(self.guest.name, &self.name[..shown])?;
            namelen = host.msg_namelen;
        }
        let mut used = 0;
        if self.guest.controllen > 0 {
            let got = host.msg_controllen.min(self.control.len());
            let (guest, trunc) = control_to_guest(&self.control[..got], self.guest.controllen as usize);
            flags |= trunc;
            ctx.mem.write(self.guest.control, &guest)?;
            used = guest.len();
        }
        ctx.mem.write_u32(self.at + 4, namelen)?;
        ctx.mem.write_u32(self.at + 20, used as u32)?;
        ctx.mem.write_u32(self.at + 24, flags)
    }
}

/// Implements sendmsg(2).
fn sendmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, private) = super::socket::sock_fd_private(a[0])?;
    let mut msg = HostMsg::new(ctx, a[1], false)?;
    let mut host = msg.host();
    if let Some(private) = private {
        return Ok(private.send_msg_raw(&mut host, a[2] & !MSG_CMSG_COMPAT)? as u32);
    }
    // SAFETY: `host` points into `msg`, alive for the call.
    let n = unsafe { libc::sendmsg(fd.as_raw_fd(), &host, (a[2] & !MSG_CMSG_COMPAT) as i32) };
    if n < 0 {
        return Err(last_errno().into());
    }
    Ok(n as u32)
}

/// Implements recvmsg(2).
fn recvmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, private) = super::socket::sock_fd_private(a[0])?;
    if let Some(ping) = net::ping::lookup(fd).filter(|p| p.is_ipv4()) {
        return Ok(ping_recvmsg(ctx, fd, &ping, a[1], a[2])?);
    }
    let mut msg = HostMsg::new(ctx, a[1], true)?;
    let mut host = msg.host();
    let n = match private {
        Some(private) => private.recv_msg_raw(&mut host, a[2] & !MSG_CMSG_COMPAT)? as isize,
        // SAFETY: as in sendmsg.
        None => unsafe { libc::recvmsg(fd.as_raw_fd(), &mut host, (a[2] & !MSG_CMSG_COMPAT) as i32) },
    };
    if n < 0 {
        return Err(last_errno().into());
    }
    msg.finish_recv(ctx, &host)?;
    Ok(n as u32)
}

/// recvmsg(2) on a raw IPv4 ICMP socket standing on a ping socket (the guest's msghdr at `at`):
/// the message with the IP header a raw socket delivers, scattered over the guest's iovecs; no
/// control messages.
fn ping_recvmsg(
    ctx: &mut Ctx,
    fd: std::os::fd::BorrowedFd,
    ping: &net::ping::Ping,
    at: u32,
    flags: u32,
) -> Result<u32, Errno> {
    let mut msg = HostMsg::new(ctx, at, true)?;
    let total: usize = msg.iov.iter().map(|v| v.iov_len).sum();
    let mut buf = vec![0u8; total.min(1 << 17)];
    let want_name = msg.guest.name != 0;
    let (n, from_len, cut) =
        net::ping::recv_v4(fd, ping, &mut buf, flags & !MSG_CMSG_COMPAT, want_name.then_some(&mut msg.name[..]))?;
    scatter(ctx, msg.guest.iov, msg.guest.iovlen, &buf[..n.min(buf.len())])?;
    // SAFETY: an all-zero msghdr is valid; only the lengths and flags are read from it.
    let mut host: libc::msghdr = unsafe { std::mem::zeroed() };
    host.msg_namelen = from_len as u32;
    if cut {
        host.msg_flags = libc::MSG_TRUNC;
    }
    msg.finish_recv(ctx, &host)?;
    Ok(n as u32)
}

/// Copy `data` over the guest's iovec array at `iov` (`count` entries), in order.
fn scatter(ctx: &mut Ctx, iov: u32, count: u32, data: &[u8]) -> Result<(), Errno> {
    let raw = ctx.mem.slice(iov, count as usize * size_of::<IoVec>())?.to_vec();
    let mut left = data;
    for chunk in raw.chunks_exact(size_of::<IoVec>()) {
        let iov = IoVec::read_from_bytes(chunk).map_err(|_| Errno::FAULT)?;
        let k = (iov.len as usize).min(left.len());
        ctx.mem.write(iov.base, &left[..k])?;
        left = &left[k..];
    }
    Ok(())
}

/// readv(2) on a raw IPv4 ICMP socket standing on a ping socket: recvmsg(2) without an address
/// (sock_read_iter()), the IP header included.
pub fn ping_readv(ctx: &mut Ctx, fd: std::os::fd::BorrowedFd, ping: &net::ping::Ping, a: &Args) -> SysResult {
    let iov = super::fd::import_iovec(ctx.mem, a[1], a[2], super::fd::Dir::ToGuest)?;
    let total: usize = iov.iter().map(|v| v.iov_len).sum();
    let mut buf = vec![0u8; total.min(1 << 17)];
    let (n, _, _) = net::ping::recv_v4(fd, ping, &mut buf, 0, None)?;
    scatter(ctx, a[1], a[2], &buf[..n.min(buf.len())])?;
    Ok(n as u32)
}

/// The guest's mmsghdr vector translated, up to the first entry that cannot be (the kernel would
/// have handled the ones before it, then stopped there): the messages and that entry's error.
fn translate_vector(ctx: &mut Ctx, at: u32, vlen: u32, receiving: bool) -> (Vec<HostMsg>, Option<Errno>) {
    let mut msgs = Vec::with_capacity(vlen as usize);
    for i in 0..vlen {
        let entry = at.checked_add(i * size_of::<MMsgHdr>() as u32);
        match entry.ok_or(Errno::FAULT).and_then(|e| HostMsg::new(ctx, e, receiving)) {
            Ok(m) => msgs.push(m),
            Err(e) => return (msgs, Some(e)),
        }
    }
    (msgs, None)
}

/// Implements sendmmsg(2) with the host's sendmmsg: the count of what went, or the first error.
fn sendmmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = sock_fd(a[0])?;
    let (mut msgs, bad) = translate_vector(ctx, a[1], a[2].min(UIO_MAXIOV), false);
    if msgs.is_empty() {
        return bad.map_or(Ok(0), |e| Err(e.into()));
    }
    let mut host: Vec<libc::mmsghdr> =
        msgs.iter_mut().map(|m| libc::mmsghdr { msg_hdr: m.host(), msg_len: 0 }).collect();
    let n = match net::private::lookup(fd) {
        // __sys_sendmmsg()'s loop: the first message's error, or how many went.
        Some(private) => {
            let mut sent = 0;
            for h in host.iter_mut() {
                match private.send_msg_raw(&mut h.msg_hdr, a[3] & !MSG_CMSG_COMPAT) {
                    Ok(len) => h.msg_len = len as u32,
                    Err(e) if sent == 0 => return Err(e.into()),
                    Err(_) => break,
                }
                sent += 1;
            }
            sent
        }
        // SAFETY: every entry points into `msgs`, alive for the call.
        None => unsafe {
            libc::sendmmsg(fd.as_raw_fd(), host.as_mut_ptr(), host.len() as u32, (a[3] & !MSG_CMSG_COMPAT) as i32)
        },
    };
    if n < 0 {
        return Err(last_errno().into());
    }
    for (m, h) in msgs.iter().zip(&host).take(n as usize) {
        ctx.mem.write_u32(m.at.wrapping_add(28), h.msg_len)?;
    }
    Ok(n as u32)
}

/// do_recvmmsg() on the host: the kernel's own timeout rule (checked only after each datagram,
/// the remaining time written back) comes with it. `timeout` is the guest's, already read.
fn do_recvmmsg(
    ctx: &mut Ctx,
    a: &Args,
    timeout: Option<libc::timespec>,
) -> Result<(u32, Option<libc::timespec>), Errno> {
    let fd = sock_fd(a[0])?;
    if let Some(ping) = net::ping::lookup(fd).filter(|p| p.is_ipv4()) {
        return ping_recvmmsg(ctx, fd, &ping, a, timeout);
    }
    let (mut msgs, bad) = translate_vector(ctx, a[1], a[2].min(UIO_MAXIOV), true);
    if msgs.is_empty() {
        return bad.map_or(Ok((0, timeout)), Err);
    }
    let mut host: Vec<libc::mmsghdr> =
        msgs.iter_mut().map(|m| libc::mmsghdr { msg_hdr: m.host(), msg_len: 0 }).collect();
    let mut left = timeout;
    let n = match net::private::lookup(fd) {
        Some(private) => private_recvmmsg(&private, &mut host, a[3] & !MSG_CMSG_COMPAT, left.as_mut())?,
        None => {
            let tsp = left.as_mut().map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
            // SAFETY: every entry points into `msgs`, alive for the call; `tsp` is null or ours.
            unsafe {
                libc::recvmmsg(
                    fd.as_raw_fd(),
                    host.as_mut_ptr(),
                    host.len() as u32,
                    (a[3] & !MSG_CMSG_COMPAT) as i32,
                    tsp,
                )
            }
        }
    };
    if n < 0 {
        return Err(last_errno());
    }
    for (m, h) in msgs.iter_mut().zip(&host).take(n as usize) {
        m.finish_recv(ctx, &h.msg_hdr)?;
        ctx.mem.write_u32(m.at.wrapping_add(28), h.msg_len)?;
    }
    Ok((n as u32, left))
}

/// recvmmsg(2) on a raw IPv4 ICMP socket standing on a ping socket, one message at a time as
/// do_recvmmsg() takes them: after the first, MSG_WAITFORONE stops waiting, the timeout is looked
/// at once a message has come, and an error ends the vector (it is the result only when nothing
/// came).
fn ping_recvmmsg(
    ctx: &mut Ctx,
    fd: std::os::fd::BorrowedFd,
    ping: &net::ping::Ping,
    a: &Args,
    timeout: Option<libc::timespec>,
) -> Result<(u32, Option<libc::timespec>), Errno> {
    const MSG_DONTWAIT: u32 = 0x40;
    const MSG_WAITFORONE: u32 = 0x1_0000;
    let start = std::time::Instant::now();
    let limit = timeout.map(|t| std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32));
    let mut flags = a[3] & !MSG_WAITFORONE;
    let mut got = 0;
    for i in 0..a[2].min(UIO_MAXIOV) {
        let entry = a[1].checked_add(i * size_of::<MMsgHdr>() as u32).ok_or(Errno::FAULT);
        match entry.and_then(|at| Ok((at, ping_recvmsg(ctx, fd, ping, at, flags)?))) {
            Ok((at, n)) => ctx.mem.write_u32(at.wrapping_add(28), n)?,
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
        got += 1;
        if a[3] & MSG_WAITFORONE != 0 {
            flags |= MSG_DONTWAIT;
        }
        if limit.is_some_and(|l| start.elapsed() >= l) {
            break;
        }
    }
    let left = limit.map(|l| {
        let rest = l.saturating_sub(start.elapsed());
        libc::timespec { tv_sec: rest.as_secs() as i64, tv_nsec: i64::from(rest.subsec_nanos()) }
    });
    Ok((got, left))
}

/// do_recvmmsg()'s loop on a private-network socket: after the first message MSG_WAITFORONE
/// stops waiting, the timeout is looked at once a message has come (the time left written back),
/// and an error ends the vector (it is the result only when nothing came).
fn private_recvmmsg(
    private: &net::private::Private,
    host: &mut [libc::mmsghdr],
    flags: u32,
    timeout: Option<&mut libc::timespec>,
) -> Result<i32, Errno> {
    const MSG_WAITFORONE: u32 = 0x1_0000;
    let start = std::time::Instant::now();
    let limit = timeout
        .as_ref()
        .map(|t| std::time::Duration::new(t.tv_sec.max(0) as u64, t.tv_nsec.clamp(0, 999_999_999) as u32));
    let mut each = flags & !MSG_WAITFORONE;
    let mut got = 0;
    for h in host.iter_mut() {
        match private.recv_msg_raw(&mut h.msg_hdr, each) {
            Ok(len) => h.msg_len = len as u32,
            Err(e) if got == 0 => return Err(e),
            Err(_) => break,
        }
        got += 1;
        if flags & MSG_WAITFORONE != 0 {
            each |= libc::MSG_DONTWAIT as u32;
        }
        if limit.is_some_and(|l| start.elapsed() >= l) {
            break;
        }
    }
    if let (Some(t), Some(l)) = (timeout, limit) {
        let rest = l.saturating_sub(start.elapsed());
        *t = libc::timespec { tv_sec: rest.as_secs() as i64, tv_nsec: i64::from(rest.subsec_nanos()) };
    }
    Ok(got)
}

fn check_timeout(sec: i64, nsec: i64) -> Result<libc::timespec, Errno> {
    // poll_select_set_timeout(): a negative or non-normalised time is EINVAL.
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(Errno::INVAL);
    }
    Ok(libc::timespec { tv_sec: sec, tv_nsec: nsec })
}

/// Implements recvmmsg(2) with a 32-bit `struct timespec` timeout.
fn recvmmsg(ctx: &mut Ctx, a: &Args) -> SysResult {
    let timeout = if a[4] == 0 {
        None
    } else {
        let t: [i32; 2] = ctx.mem.read_obj(a[4])?;
        Some(check_timeout(t[0].into(), t[1].into())?)
    };
    let (n, left) = do_recvmmsg(ctx, a, timeout)?;
    if let (Some(t), true) = (left, n > 0) {
        ctx.mem.write_obj(a[4], &[t.tv_sec as i32, t.tv_nsec as i32])?;
    }
    Ok(n)
}

/// Implements recvmmsg_time64(2) with a 64-bit `struct __kernel_timespec` timeout.
fn recvmmsg_time64(ctx: &mut Ctx, a: &Args) -> SysResult {
    let timeout = if a[4] == 0 {
        None
    } else {
        let t: [i64; 2] = ctx.mem.read_obj(a[4])?;
        // A 32-bit caller's nanoseconds are the low half only (get_timespec64 for compat).
        Some(check_timeout(t[0], i64::from(t[1] as i32))?)
    };
    let (n, left) = do_recvmmsg(ctx, a, timeout)?;
    if let (Some(t), true) = (left, n > 0) {
        ctx.mem.write_obj(a[4], &[t.tv_sec, t.tv_nsec])?;
    }
    Ok(n)
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
