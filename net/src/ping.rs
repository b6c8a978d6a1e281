//! Raw ICMP sockets for an unprivileged emulator: when the host refuses `SOCK_RAW` for
//! `IPPROTO_ICMP` or `IPPROTO_ICMPV6` (no CAP_NET_RAW), the guest gets a host *ping socket*
//! (`SOCK_DGRAM`, allowed by `net.ipv4.ping_group_range`) that keeps raw-socket semantics where a
//! ping program sees them:
//!
//! - The echo identifier is the guest's: the first echo request binds the ping socket to the
//!   identifier it carries (a ping socket's "port" is its identifier), and replies get it back
//!   should the kernel have chosen another.
//! - An IPv4 raw socket delivers the IP header: one is built in front of each message from what
//!   the host reports (source from the address, destination from `IP_PKTINFO`, TTL and TOS from
//!   `IP_RECVTTL`/`IP_RECVTOS`), for recvfrom(2) and recvmsg(2). IPv6 raw sockets deliver none,
//!   as the kernel's do.
//! - `SO_TYPE` says `SOCK_RAW`; `ICMP_FILTER` and `ICMP6_FILTER` are kept and answered (a ping
//!   socket only receives replies to its own requests, which no filter a pinger sets would drop).
//!
//! Which host sockets are such: a process-wide set of socket inodes (dup'd fds and forked children
//! see the same socket). Lookups cost nothing until a fallback socket exists.
//!
//! Left out: a raw socket also receives other ICMP traffic (other programs' echo requests and
//! replies, errors), a ping socket only its own replies and errors; messages read with `read(2)`,
//! `readv(2)` or recvmmsg(2) carry no IPv4 header, and recvmsg(2) gives the IPv4 socket's
//! messages without control messages; requests other than echo requests are refused (EINVAL), as
//! a ping socket refuses them; the set is not carried across execve.

use crate::registry::{AF_INET, AF_INET6, SOCK_DGRAM};
use crate::Errno;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;

const IPPROTO_ICMP: u32 = 1;
const IPPROTO_ICMPV6: u32 = 58;
const ICMP_ECHOREPLY: u8 = 0;
const ICMP_ECHO: u8 = 8;
const ICMPV6_ECHO_REQUEST: u8 = 128;
/// SOL_RAW's ICMP_FILTER, SOL_ICMPV6's ICMP6_FILTER.
const SOL_RAW: u32 = 255;
const ICMP_FILTER: u32 = 1;
const SOL_ICMPV6: u32 = 58;
const ICMP6_FILTER: u32 = 1;

/// What the emulator keeps for one fallback socket.
#[derive(Debug, Clone, Default)]
pub struct Ping {
    family: u32,
    /// The identifier of the guest's echo requests (network order, as on the wire).
    ident: Option<[u8; 2]>,
    /// The ICMP filter the guest set (4 bytes for IPv4, 32 for IPv6).
    filter: Option<Vec<u8>>,
}

impl Ping {
    /// An IPv4 (ICMP) socket, whose messages carry an IP header on a raw socket.
    pub fn is_ipv4(&self) -> bool {
        self.family == AF_INET
    }
}

static ANY: AtomicBool = AtomicBool::new(false);
static SOCKETS: Mutex<Option<HashMap<u64, Ping>>> = Mutex::new(None);

fn inode(fd: BorrowedFd) -> Option<u64> {
    rustix::fs::fstat(fd).ok().map(|st| st.st_ino)
}

/// The fallback state of the socket `fd`, if it is one.
pub fn lookup(fd: BorrowedFd) -> Option<Ping> {
    if !ANY.load(Relaxed) {
        return None;
    }
    let ino = inode(fd)?;
    SOCKETS.lock().unwrap_or_else(|e| e.into_inner()).as_ref()?.get(&ino).cloned()
}

fn update(fd: BorrowedFd, f: impl FnOnce(&mut Ping)) {
    let Some(ino) = inode(fd) else { return };
    if let Some(p) = SOCKETS.lock().unwrap_or_else(|e| e.into_inner()).as_mut().and_then(|m| m.get_mut(&ino)) {
        f(p);
    }
}

/// Whether `socket(family, SOCK_RAW, protocol)` may fall back to a ping socket.
pub fn applies(family: u32, protocol: u32) -> bool {
    (family == AF_INET && protocol == IPPROTO_ICMP) || (family == AF_INET6 && protocol == IPPROTO_ICMPV6)
}

fn setsockopt_int(fd: &OwnedFd, level: i32, name: i32, value: i32) {
    // SAFETY: an int option.
    unsafe {
        libc::setsockopt(fd.as_raw_fd(), level, name, (&raw const value).cast(), size_of::<i32>() as u32);
    }
}

/// A ping socket standing for `socket(family, SOCK_RAW | flags, protocol)`; `refused` is what the
/// host said to the raw socket, and stays the answer when ping sockets are not allowed either.
pub fn create(family: u32, flags: u32, protocol: u32, refused: Errno) -> Result<OwnedFd, Errno> {
    // SAFETY: plain syscall; the result is a new fd we own.
    let raw = unsafe { libc::socket(family as i32, (SOCK_DGRAM | flags) as i32, protocol as i32) };
    if raw < 0 {
        return Err(refused);
    }
    // SAFETY: `raw` was just returned by socket(2).
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    if family == AF_INET {
        setsockopt_int(&fd, libc::IPPROTO_IP, libc::IP_PKTINFO, 1);
        setsockopt_int(&fd, libc::IPPROTO_IP, libc::IP_RECVTTL, 1);
        setsockopt_int(&fd, libc::IPPROTO_IP, libc::IP_RECVTOS, 1);
    }
    let ino = rustix::fs::fstat(&fd).map_err(|_| refused)?.st_ino;
    let mut map = SOCKETS.lock().unwrap_or_else(|e| e.into_inner());
    map.get_or_insert_with(HashMap::new).insert(ino, Ping { family, ..Ping::default() });
    ANY.store(true, Relaxed);
    log::info!("raw ICMP socket refused ({refused}): using a ping socket with raw-socket semantics");
    Ok(fd)
}

/// Before a send: an echo request names the identifier; bind the ping socket to it the first time.
pub fn before_send(fd: BorrowedFd, ping: &Ping, msg: &[u8]) {
    let echo = if ping.family == AF_INET { ICMP_ECHO } else { ICMPV6_ECHO_REQUEST };
    if msg.len() < 8 || msg[0] != echo || ping.ident.is_some() {
        return;
    }
    let ident = [msg[4], msg[5]];
    update(fd, |p| p.ident = Some(ident));
    let port = u16::from_ne_bytes(ident);
    // Best effort: when another socket holds the identifier, the kernel picks one and replies are
    // given the guest's back on receive (IPv4).
    if ping.family == AF_INET {
        let sa = libc::sockaddr_in {
            sin_family: AF_INET as u16,
            sin_port: port,
            sin_addr: libc::in_addr { s_addr: 0 },
            sin_zero: [0; 8],
        };
        // SAFETY: a sockaddr_in of its own size.
        unsafe { libc::bind(fd.as_raw_fd(), (&raw const sa).cast(), size_of::<libc::sockaddr_in>() as u32) };
    } else {
        // SAFETY: plain data.
        let mut sa: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
        sa.sin6_family = AF_INET6 as u16;
        sa.sin6_port = port;
        // SAFETY: a sockaddr_in6 of its own size.
        unsafe { libc::bind(fd.as_raw_fd(), (&raw const sa).cast(), size_of::<libc::sockaddr_in6>() as u32) };
    }
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// recvfrom(2) on an IPv4 fallback socket: the message as a raw socket delivers it (an IPv4
/// header, then the ICMP message) into `out`, truncated to it; the length the call returns
/// (the whole message's with MSG_TRUNC), the source address's length, and whether the message
/// was cut.
pub fn recv_v4(
    fd: BorrowedFd,
    ping: &Ping,
    out: &mut [u8],
    flags: u32,
    from: Option<&mut [u8]>,
) -> Result<(usize, usize, bool), Errno> {
    let mut body = vec![0u8; 65536];
    let mut src: libc::sockaddr_in = zero_sockaddr_in();
    let mut control = [0u64; 16];
    let mut iov = libc::iovec { iov_base: body.as_mut_ptr().cast(), iov_len: body.len() };
    // SAFETY: plain data.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&raw mut src).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_in>() as u32;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of_val(&control);
    let host_flags = (flags as i32) & !libc::MSG_TRUNC;
    // SAFETY: every pointer in `msg` points at live buffers of the sizes given.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, host_flags) };
    if n < 0 {
        return Err(Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)));
    }
    let body = &mut body[..n as usize];
    let (mut ttl, mut tos, mut dst) = (64u8, 0u8, [127, 0, 0, 1]);
    // SAFETY: walking the control messages the kernel wrote into `control`.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let data = libc::CMSG_DATA(c);
            match ((*c).cmsg_level, (*c).cmsg_type) {
                (libc::IPPROTO_IP, libc::IP_TTL) => ttl = data.cast::<i32>().read_unaligned() as u8,
                (libc::IPPROTO_IP, libc::IP_TOS) => tos = data.read(),
                (libc::IPPROTO_IP, libc::IP_PKTINFO) => {
                    let info = data.cast::<libc::in_pktinfo>().read_unaligned();
                    dst = info.ipi_addr.s_addr.to_ne_bytes();
                }
                _ => {}
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    // The guest's identifier back on its replies.
    if let Some(ident) = ping.ident {
        if body.len() >= 8 && body[0] == ICMP_ECHOREPLY && body[4..6] != ident {
            body[4..6].copy_from_slice(&ident);
            body[2..4].fill(0);
            let sum = checksum(body);
            body[2..4].copy_from_slice(&sum.to_be_bytes());
        }
    }
    let total = 20 + body.len();
    let mut header = [0u8; 20];
    header[0] = 0x45;
    header[1] = tos;
    header[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    header[8] = ttl;
    header[9] = IPPROTO_ICMP as u8;
    header[12..16].copy_from_slice(&src.sin_addr.s_addr.to_ne_bytes());
    header[16..20].copy_from_slice(&dst);
    let sum = checksum(&header);
    header[10..12].copy_from_slice(&sum.to_be_bytes());
    let whole: Vec<u8> = header.iter().chain(body.iter()).copied().collect();
    let copied = whole.len().min(out.len());
    out[..copied].copy_from_slice(&whole[..copied]);
    let mut from_len = 0;
    if let Some(from) = from {
        // A raw socket's source address has no port.
        src.sin_port = 0;
        let bytes = sockaddr_bytes(&src);
        let k = bytes.len().min(from.len());
        from[..k].copy_from_slice(&bytes[..k]);
        from_len = bytes.len();
    }
    let ret = if flags & libc::MSG_TRUNC as u32 != 0 { whole.len() } else { copied };
    Ok((ret, from_len, copied < whole.len()))
}

fn zero_sockaddr_in() -> libc::sockaddr_in {
    libc::sockaddr_in { sin_family: 0, sin_port: 0, sin_addr: libc::in_addr { s_addr: 0 }, sin_zero: [0; 8] }
}

fn sockaddr_bytes(sa: &libc::sockaddr_in) -> Vec<u8> {
    let mut v = Vec::with_capacity(16);
    v.extend_from_slice(&sa.sin_family.to_ne_bytes());
    v.extend_from_slice(&sa.sin_port.to_ne_bytes());
    v.extend_from_slice(&sa.sin_addr.s_addr.to_ne_bytes());
    v.extend_from_slice(&[0; 8]);
    v
}

/// getsockopt(2) on a fallback socket, for the options a raw socket answers differently: `None`
/// means "ask the host".
pub fn get_option(ping: &Ping, level: u32, name: u32, value: &mut [u8]) -> Option<Result<usize, Errno>> {
    const SOL_SOCKET: u32 = 1;
    const SO_TYPE: u32 = 3;
    const SOCK_RAW: i32 = 3;
    match (level, name) {
        (SOL_SOCKET, SO_TYPE) => {
            let v = SOCK_RAW.to_ne_bytes();
            let n = v.len().min(value.len());
            value[..n].copy_from_slice(&v[..n]);
            Some(Ok(n))
        }
        (SOL_RAW, ICMP_FILTER) if ping.family == AF_INET => Some(filter_out(ping, 4, value)),
        (SOL_ICMPV6, ICMP6_FILTER) if ping.family == AF_INET6 => Some(filter_out(ping, 32, value)),
        _ => None,
    }
}

fn filter_out(ping: &Ping, size: usize, value: &mut [u8]) -> Result<usize, Errno> {
    let filter = ping.filter.clone().unwrap_or_else(|| vec![0; size]);
    let n = size.min(value.len());
    value[..n].copy_from_slice(&filter[..n]);
    Ok(n)
}

/// setsockopt(2) on a fallback socket: the filters are kept here (`None`: ask the host).
pub fn set_option(fd: BorrowedFd, ping: &Ping, level: u32, name: u32, value: &[u8]) -> Option<Result<(), Errno>> {
    let size = match (level, name) {
        (SOL_RAW, ICMP_FILTER) if ping.family == AF_INET => 4,
        (SOL_ICMPV6, ICMP6_FILTER) if ping.family == AF_INET6 => 32,
        _ => return None,
    };
    let mut kept = vec![0u8; size];
    let n = value.len().min(size);
    kept[..n].copy_from_slice(&value[..n]);
    update(fd, |p| p.filter = Some(kept));
    Some(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_a_known_header() {
        // An IPv4 header from RFC 1071's style of example: its checksum field makes the sum 0.
        let mut h = [0x45, 0, 0, 0x54, 0, 0, 0x40, 0, 0x40, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1];
        let sum = checksum(&h);
        h[10..12].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(checksum(&h), 0);
    }
}
