//! Socket syscalls: the handlers behind both socketcall(2) and the direct i386 socket syscalls.
//!
//! Each handler copies what net/socket.c copies, in the same order, so that a request with several
//! faults gets the kernel's first errno: the fd is looked up (EBADF, ENOTSOCK) before an address is
//! copied in (`move_addr_to_kernel`: EINVAL for a length outside 0..=128, EFAULT), and addresses go
//! back out truncated to the caller's length with the full length written back
//! (`move_addr_to_user`). The socket layer (`net`) never sees guest memory.

use crate::entry;
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::{BlockingCtx, Ctx};
pub use crate::trace::names::MSG_NAMES;
use crate::{abi::nr, Errno, SysResult};
use net::{Buf, NewSocket, Socket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::sync::Arc;

/// `sizeof(struct sockaddr_storage)`.
const SOCKADDR_MAX: usize = 128;
/// MAX_RW_COUNT.
const MAX_RW_COUNT: u32 = 0x7fff_f000;

pub const FAMILY_NAMES: &[(u32, &str)] =
    &[(0, "AF_UNSPEC"), (1, "AF_UNIX"), (2, "AF_INET"), (10, "AF_INET6"), (16, "AF_NETLINK"), (17, "AF_PACKET")];
pub const TYPE_NAMES: &[(u32, &str)] = &[
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (4, "SOCK_RDM"),
    (5, "SOCK_SEQPACKET"),
    (10, "SOCK_PACKET"),
    (0o4000, "SOCK_NONBLOCK"),
    (0o2000000, "SOCK_CLOEXEC"),
];
const SHUT_NAMES: &[(u32, &str)] = &[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::socket, socket, [Enum(crate::trace::names::FAMILIES), SockType, SockProto(0)]),
    entry!(nr::socketpair, socketpair, [Enum(crate::trace::names::FAMILIES), SockType, SockProto(0), FdPair]),
    entry!(nr::bind, bind, [Fd, Sockaddr(2), Int]),
    entry!(nr::connect, may_block connect, [Fd, Sockaddr(2), Int]).blocks().restarts(),
    entry!(nr::listen, listen, [Fd, Int]),
    entry!(nr::accept4, may_block accept4, [Fd, SockaddrOut(2), IntPtr, Flags(TYPE_NAMES)]).blocks().restarts(),
    entry!(nr::getsockname, getsockname, [Fd, SockaddrOut(2), IntPtr]),
    entry!(nr::getpeername, getpeername, [Fd, SockaddrOut(2), IntPtr]),
    entry!(nr::sendto, may_block sendto, [Fd, InBuf(2), Uint, Flags(MSG_NAMES), Sockaddr(5), Int]).blocks().restarts(),
    entry!(nr::recvfrom, may_block recvfrom, [Fd, OutBuf, Uint, Flags(MSG_NAMES), SockaddrOut(5), IntPtr])
        .blocks()
        .restarts(),
    entry!(nr::shutdown, shutdown, [Fd, Enum(SHUT_NAMES)]),
    entry!(nr::setsockopt, setsockopt, [Fd, SockLevel, SockOptName(1), SockOptVal(4), Uint]),
    entry!(nr::getsockopt, getsockopt, [Fd, SockLevel, SockOptName(1), SockOptOut(4), IntPtr]),
];

/// sockfd_lookup_light(): the fd and its socket object, EBADF or ENOTSOCK otherwise.
pub fn sock(raw: u32) -> Result<(BorrowedFd<'static>, Arc<dyn Socket>), Errno> {
    let fd = super::fd(raw)?;
    Ok((fd, net::table::lookup(fd)?.unwrap_or_else(net::host::object)))
}

/// The object of a guest fd that is a socket the socket table knows (not a plain host socket),
/// for the calls that are not socket calls but reach a socket's operations (read, write, …).
pub fn known(raw: u32) -> Option<(BorrowedFd<'static>, Arc<dyn Socket>)> {
    let fd = super::fd(raw).ok()?;
    net::table::known(fd).map(|ops| (fd, ops))
}

/// Guest fds `first..=last` were closed or replaced (after the host's call): the socket table
/// forgets what it knew of their numbers.
pub fn fds_closed(first: u32, last: u32) {
    let fd = |raw: u32| i32::try_from(raw).unwrap_or(i32::MAX);
    net::table::forget_range(fd(first), fd(last));
}

/// A new socket as a guest fd: EMFILE past the guest's limit, else recorded in the socket table.
pub fn install(new: NewSocket) -> Result<u32, Errno> {
    let fd = below_limit(new.fd)?;
    net::table::insert(fd.as_fd(), new.ops);
    Ok(fd.into_raw_fd() as u32)
}

/// A new host fd the guest is to get, as [`super::fd::new_guest_fd`] takes it: one at or past the
/// guest's limit (every guest fd below it is taken) is closed again, EMFILE as alloc_fd() answers.
fn below_limit(fd: OwnedFd) -> Result<OwnedFd, Errno> {
    if fd.as_raw_fd() >= super::fd::fd_limit() {
        return Err(Errno::MFILE);
    }
    Ok(fd)
}

/// The socket table as the next emulator takes it over (`--sockets`): empty when every socket is
/// a plain host socket.
pub fn table_for_exec() -> String {
    net::table::export(super::fd::fd_floor())
}

/// Take over the socket table the previous emulator handed to this one.
pub fn inherit_table(text: &str) {
    net::table::import(text, net::registry::provider);
}

/// move_addr_to_kernel(): the guest's address bytes.
fn addr_in<H>(ctx: &Ctx<H>, addr: u32, len: u32) -> Result<Vec<u8>, Errno> {
    let len = len as i32;
    if !(0..=SOCKADDR_MAX as i32).contains(&len) {
        return Err(Errno::INVAL);
    }
    if len == 0 {
        return Ok(Vec::new());
    }
    Ok(ctx.mem.slice(addr, len as usize)?.to_vec())
}

/// move_addr_to_user(): the full length to `*len_ptr` (read first: EINVAL when negative), then
/// `addr` truncated to what it said.
fn addr_out<H>(ctx: &mut Ctx<H>, addr: &[u8], uaddr: u32, len_ptr: u32) -> Result<(), Errno> {
    let ulen = ctx.mem.read_u32(len_ptr)? as i32;
    if ulen < 0 {
        return Err(Errno::INVAL);
    }
    let n = (ulen as usize).min(addr.len());
    // The running kernel (6.18) stores the full length before it copies the address: a bad
    // address is EFAULT with the length already written.
    ctx.mem.write_u32(len_ptr, addr.len() as u32)?;
    if n > 0 {
        ctx.mem.write(uaddr, &addr[..n])?;
    }
    Ok(())
}

/// Implements socket(2).
fn socket(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(install(net::create(a[0], a[1], a[2])?)?)
}

/// Implements socketpair(2) in `__sys_socketpair()` order: flags (EINVAL); then two fd numbers are
/// reserved and written to the guest (EFAULT, word by word) *before* the family, type and protocol
/// are looked at, so a later failure still leaves the would-be numbers in the array.
fn socketpair(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (family, kind, protocol) = (a[0], a[1], a[2]);
    let flags = kind & !0xf;
    if flags & !(net::socket::SOCK_NONBLOCK | net::socket::SOCK_CLOEXEC) != 0 {
        return Err(Errno::INVAL.into());
    }
    // Placeholders hold the two lowest free numbers, as get_unused_fd_flags() picks them.
    let reserve = || -> Result<std::os::fd::OwnedFd, Errno> {
        let fd = rustix::fs::open("/dev/null", rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC, 0.into())?;
        below_limit(fd)
    };
    let first = reserve()?;
    let second = reserve()?;
    let numbers = [first.as_raw_fd(), second.as_raw_fd()];
    for (i, n) in numbers.iter().enumerate() {
        ctx.mem.write_u32(a[3].wrapping_add(4 * i as u32), *n as u32)?;
    }
    let (x, y) = net::socketpair(family, kind, protocol)?;
    let cloexec = if flags & net::socket::SOCK_CLOEXEC != 0 {
        rustix::io::DupFlags::CLOEXEC
    } else {
        rustix::io::DupFlags::empty()
    };
    // Move the pair onto the reserved numbers (dup3 replaces the placeholders atomically).
    let (mut first, mut second) = (first, second);
    rustix::io::dup3(&x.fd, &mut first, cloexec)?;
    rustix::io::dup3(&y.fd, &mut second, cloexec)?;
    net::table::insert(first.as_fd(), x.ops);
    net::table::insert(second.as_fd(), y.ops);
    let _ = (first.into_raw_fd(), second.into_raw_fd());
    Ok(0)
}

/// Implements bind(2).
fn bind(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let addr = addr_in(ctx, a[1], a[2])?;
    sock.bind(fd, &addr)?;
    Ok(0)
}

/// Implements connect(2).
fn connect(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let addr = addr_in(ctx, a[1], a[2])?;
    sock.connect(fd, &addr)?;
    Ok(0)
}

/// Implements listen(2).
fn listen(_: &mut Ctx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    sock.listen(fd, a[1] as i32)?;
    Ok(0)
}

/// Implements accept4(2); socketcall's SYS_ACCEPT is accept4 with flags 0.
pub fn accept4(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    // __sys_accept4(): the fd (EBADF), then the flags (EINVAL), then whether it is a socket.
    let found = sock(a[0]);
    if matches!(found, Err(Errno::BADF)) {
        return Err(Errno::BADF.into());
    }
    if a[3] & !(net::socket::SOCK_NONBLOCK | net::socket::SOCK_CLOEXEC) != 0 {
        return Err(Errno::INVAL.into());
    }
    let (fd, sock) = found?;
    let mut peer = [0u8; SOCKADDR_MAX];
    let (new, len) = sock.accept(fd, a[3], &mut peer)?;
    if a[1] != 0 {
        // do_accept(): a failure to report the peer drops the new connection.
        addr_out(ctx, &peer[..len.min(SOCKADDR_MAX)], a[1], a[2])?;
    }
    Ok(install(new)?)
}

fn name(ctx: &mut Ctx, a: &Args, peer: bool) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let mut buf = [0u8; SOCKADDR_MAX];
    let len = sock.name(fd, peer, &mut buf)?;
    addr_out(ctx, &buf[..len.min(SOCKADDR_MAX)], a[1], a[2])?;
    Ok(0)
}

/// Implements getsockname(2).
fn getsockname(ctx: &mut Ctx, a: &Args) -> SysResult {
    name(ctx, a, false)
}

/// Implements getpeername(2).
fn getpeername(ctx: &mut Ctx, a: &Args) -> SysResult {
    name(ctx, a, true)
}

/// Implements sendto(2); send(2) is sendto without an address.
pub fn sendto(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let len = a[2].min(MAX_RW_COUNT) as usize;
    let (fd, sock) = sock(a[0])?;
    let to = if a[4] != 0 { Some(addr_in(ctx, a[4], a[5])?) } else { None };
    // The host faults where the guest's kernel would (e.g. EPIPE before touching the buffer).
    let ptr = ctx.mem.host_range(a[1], len, Prot::READ)?;
    Ok(sock.send_to(fd, Buf { ptr, len }, a[3], to.as_deref())? as u32)
}

/// Implements recvfrom(2); recv(2) is recvfrom without an address.
pub fn recvfrom(ctx: &mut BlockingCtx, a: &Args) -> SysResult {
    let len = a[2].min(MAX_RW_COUNT) as usize;
    let (fd, sock) = sock(a[0])?;
    let mut from = [0u8; SOCKADDR_MAX];
    let want_from = a[4] != 0;
    let ptr = ctx.mem.host_range(a[1], len, Prot::WRITE)?;
    let (n, from_len) = sock.recv_from(fd, Buf { ptr, len }, a[3], want_from.then_some(&mut from[..]))?;
    if want_from {
        addr_out(ctx, &from[..from_len.min(SOCKADDR_MAX)], a[4], a[5])?;
    }
    Ok(n as u32)
}

/// Implements shutdown(2).
fn shutdown(_: &mut Ctx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    sock.shutdown(fd, a[1])?;
    Ok(0)
}

/// Implements setsockopt(2) through the option table.
fn setsockopt(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let len = a[4] as i32;
    if len < 0 {
        return Err(Errno::INVAL.into());
    }
    let value = ctx.mem.slice(a[3], len as usize)?.to_vec();
    let host = super::sockopt::to_host(ctx.mem, a[1], a[2], &value)?;
    sock.set_option(fd, a[1], a[2], &host)?;
    Ok(0)
}

/// Implements getsockopt(2) through the option table.
fn getsockopt(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (fd, sock) = sock(a[0])?;
    let len = ctx.mem.read_u32(a[4])? as i32;
    if len < 0 {
        return Err(Errno::INVAL.into());
    }
    let mut host = vec![0u8; super::sockopt::host_len(a[1], a[2], len as usize)?];
    let got = sock.get_option(fd, a[1], a[2], &mut host)?;
    let guest = super::sockopt::to_guest(a[1], a[2], &host[..got.min(host.len())], len as usize)?;
    // sk_getsockopt() copies the value, then the length; the protocols' getsockopt
    // (do_ip_getsockopt(), do_ipv6_getsockopt(), do_tcp_getsockopt(), udp_lib_getsockopt(),
    // raw_geticmpfilter(), packet_getsockopt(), netlink_getsockopt()) store the length first, so a
    // bad `optval` is EFAULT with the length already written.
    if a[1] == SOL_SOCKET {
        ctx.mem.write(a[3], &guest)?;
        ctx.mem.write_u32(a[4], guest.len() as u32)?;
    } else {
        ctx.mem.write_u32(a[4], guest.len() as u32)?;
        ctx.mem.write(a[3], &guest)?;
    }
    Ok(0)
}

/// The socket level of getsockopt(2).
const SOL_SOCKET: u32 = 1;
