//! sendmsg(2), recvmsg(2), sendmmsg(2), recvmmsg(2) and recvmmsg_time64: i386 `msghdr`, `iovec`
//! and control messages translated to and from the host's.
//!
//! Data moves between the socket and guest memory directly: the guest's iovecs become host iovecs
//! over guest memory, and the host `msghdr` goes to the socket object's operation. Control messages are re-framed (i386 headers are 12 bytes, aligned to
//! 4; the host's are 16, aligned to 8) and payloads whose layout differs are converted (the old
//! SO_TIMESTAMP* formats). SCM_RIGHTS fds are host fds already; on receive, fds that do not fit
//! the guest's buffer are closed and MSG_CTRUNC is set, as scm_detach_fds() does.

use super::socket::{sock, MSG_NAMES};
use crate::abi::net::{cmsg_align, CmsgHdr, MMsgHdr, MsgHdr};
use crate::entry;
use crate::hostcall::iovec::{GuestIovecs, UIO_MAXIOV};
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
use crate::{abi::nr, Errno, SysResult};
use zerocopy::{FromBytes, IntoBytes};

pub static ENTRIES: &[Entry] = &[
    entry!(nr::sendmsg, may_block sendmsg, [Fd, Msghdr, Flags(MSG_NAMES)]).blocks().restarts(),
    entry!(nr::recvmsg, may_block recvmsg, [Fd, MsghdrOut, Flags(MSG_NAMES)]).blocks().restarts(),
    entry!(nr::sendmmsg, may_block sendmmsg, [Fd, Ptr, Uint, Flags(MSG_NAMES)]).blocks().restarts(),
    entry!(nr::recvmmsg, may_block recvmmsg, [Fd, Ptr, Uint, Flags(MSG_NAMES), Timespec]).blocks(),
    entry!(nr::recvmmsg_time64, may_block recvmmsg_time64, [Fd, Ptr, Uint, Flags(MSG_NAMES), Timespec64]).blocks(),
];

const SOCKADDR_MAX: usize = 128;
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

/// The guest's iovecs as host iovecs over guest memory (import_iovec(): entries read in order,
/// EFAULT, a negative length EINVAL, the total capped at MAX_RW_COUNT); a buffer the guest may not
/// access that way is EFAULT here, an unmapped one faults in the host's copy.
fn iovecs<H>(ctx: &mut Ctx<H>, addr: u32, count: u32, writable: bool) -> Result<Vec<libc::iovec>, Errno> {
    let access = if writable { Prot::WRITE } else { Prot::READ };
    Ok(GuestIovecs::read(ctx.mem, addr, count)?.in_place(ctx.mem, access)?.into_vec())
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
                    // The host's recvmsg just made this fd (SCM_RIGHTS); nothing else knows it.
                    crate::hostcall::fds::discard(fd);
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
    fn new<H>(ctx: &mut Ctx<H>, at: u32, receiving: bool) -> Result<HostMsg, Errno> {
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
        let mut h = libc::msghdr {
            msg_name: std::ptr::null_mut(),
            msg_namelen: 0,
            msg_iov: std::ptr::null_mut(),
            msg_iovlen: 0,
            msg_control: std::ptr::null_mut(),
            msg_controllen: 0,
            msg_flags: 0,
        };
        // Every pointer set below lives as long as `self`.
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
    fn finish_recv<H>(&mut self, ctx: &mut Ctx<H>, host: &libc::msghdr) -> Result<(), Errno> {
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
fn sendmsg(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let mut msg = HostMsg::new(ctx, a[1], false)?;
    let host = msg.host();
    Ok(sock.send_msg(fd, &host, a[2] & !MSG_CMSG_COMPAT)? as u32)
}

/// Implements recvmsg(2).
fn recvmsg(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let mut msg = HostMsg::new(ctx, a[1], true)?;
    let mut host = msg.host();
    let n = sock.recv_msg(fd, &mut host, a[2] & !MSG_CMSG_COMPAT)?;
    msg.finish_recv(ctx, &host)?;
    Ok(n as u32)
}

/// The guest's mmsghdr vector translated, up to the first entry that cannot be (the kernel would
/// have handled the ones before it, then stopped there): the messages and that entry's error.
fn translate_vector<H>(ctx: &mut Ctx<H>, at: u32, vlen: u32, receiving: bool) -> (Vec<HostMsg>, Option<Errno>) {
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

/// Implements sendmmsg(2): the count of what went, or the first error.
fn sendmmsg(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let (mut msgs, bad) = translate_vector(ctx, a[1], a[2].min(UIO_MAXIOV), false);
    if msgs.is_empty() {
        return bad.map_or(Ok(0), |e| Err(e.into()));
    }
    let mut host: Vec<libc::mmsghdr> =
        msgs.iter_mut().map(|m| libc::mmsghdr { msg_hdr: m.host(), msg_len: 0 }).collect();
    let n = sock.send_mmsg(fd, &mut host, a[3] & !MSG_CMSG_COMPAT)?;
    for (m, h) in msgs.iter().zip(&host).take(n) {
        ctx.mem.write_u32(m.at.wrapping_add(28), h.msg_len)?;
    }
    Ok(n as u32)
}

/// do_recvmmsg(): the messages the socket gives, each written back. `timeout` is the guest's,
/// already read; the time left comes back with the count.
fn do_recvmmsg<H>(
    ctx: &mut Ctx<H>,
    a: &Args,
    timeout: Option<libc::timespec>,
) -> Result<(u32, Option<libc::timespec>), Errno> {
    let (fd, sock) = sock(a[0])?;
    let (mut msgs, bad) = translate_vector(ctx, a[1], a[2].min(UIO_MAXIOV), true);
    if msgs.is_empty() {
        return bad.map_or(Ok((0, timeout)), Err);
    }
    let mut host: Vec<libc::mmsghdr> =
        msgs.iter_mut().map(|m| libc::mmsghdr { msg_hdr: m.host(), msg_len: 0 }).collect();
    let mut left = timeout;
    let n = sock.recv_mmsg(fd, &mut host, a[3] & !MSG_CMSG_COMPAT, left.as_mut())?;
    for (m, h) in msgs.iter_mut().zip(&host).take(n) {
        m.finish_recv(ctx, &h.msg_hdr)?;
        ctx.mem.write_u32(m.at.wrapping_add(28), h.msg_len)?;
    }
    Ok((n as u32, left))
}

fn check_timeout(sec: i64, nsec: i64) -> Result<libc::timespec, Errno> {
    // poll_select_set_timeout(): a negative or non-normalised time is EINVAL.
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(Errno::INVAL);
    }
    Ok(libc::timespec { tv_sec: sec, tv_nsec: nsec })
}

/// Implements recvmmsg(2) with a 32-bit `struct timespec` timeout.
fn recvmmsg(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
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
fn recvmmsg_time64(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
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
