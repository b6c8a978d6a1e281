//! Socket ioctls (`_IOC_TYPE` 0x89) as a 32-bit task sees them on a 64-bit kernel
//! (net/socket.c `compat_sock_ioctl_trans`), on top of the host's own.
//!
//! [`ioctl`] takes the requests whose type is SOCK_IOC_TYPE on a socket, and FIONREAD (= SIOCINQ)
//! on a socket whose object the socket table knows; everything else (FIONREAD on other files,
//! SIOCOUTQ = TIOCOUTQ, FIONBIO, non-sockets) stays with ioctl(2) in [`super::fd`].
//! The socket object's `ioctl` does the work on local copies in the host's layout; the guest's
//! structs are translated:
//!
//! - `struct ifreq` is 32 bytes on i386 and 40 on the host (`get_user_ifreq`/`put_user_ifreq`
//!   copy 32 for a compat task); only SIOCGIFMAP/SIOCSIFMAP move fields (`dev_getifmap` and
//!   `dev_setifmap` use a `struct compat_ifmap` for a compat task).
//! - SIOCGIFCONF: `struct ifconf` is {int, pointer}; each host ifreq becomes 32 bytes and the
//!   lengths count 32-byte entries (`dev_ifconf`, `inet_gifconf`).
//! - SIOCGSTAMP/SIOCGSTAMPNS write 32-bit `timeval`/`timespec` (`sock_gettstamp` with time32).
//! - Requests the compat layer does not list are ENOTTY (ENOIOCTLCMD becomes ENOTTY); those it
//!   lists but are not translated here are ENOSYS, and logged.

use crate::abi::netdev::*;
use crate::abi::time::Timespec32;
use crate::mem::GuestMemoryExt;
use crate::task::Ctx;
use crate::{Errno, SysResult};
use net::Socket;
use std::os::fd::BorrowedFd;
use zerocopy::{FromBytes, IntoBytes};

/// How a request's argument is moved.
#[derive(Clone, Copy)]
enum Io {
    /// An `int` the host writes.
    IntOut,
    /// An `int` the host reads.
    IntIn,
    /// A `struct ifreq`, read and written back on success.
    Ifreq,
    /// A `struct ifreq` with a `struct ifmap`.
    IfMap,
    /// A `struct arpreq` (same bytes on both), read and written back.
    Arpreq,
    /// SIOCGIFCONF.
    Ifconf,
    /// SIOCGSTAMP / SIOCGSTAMPNS with 32-bit time.
    Stamp32,
    /// SIOCGSTAMP_NEW / SIOCGSTAMPNS_NEW: 16 bytes on both.
    Stamp64,
}

/// The requests handled here, with their argument layouts.
const REQUESTS: &[(u32, Io)] = {
    use Io::*;
    &[
        (FIOSETOWN, IntIn),
        (SIOCSPGRP, IntIn),
        (FIOGETOWN, IntOut),
        (SIOCGPGRP, IntOut),
        (SIOCATMARK, IntOut),
        (SIOCOUTQNSD, IntOut),
        (SIOCGSTAMP_OLD, Stamp32),
        (SIOCGSTAMPNS_OLD, Stamp32),
        (SIOCGSTAMP_NEW, Stamp64),
        (SIOCGSTAMPNS_NEW, Stamp64),
        (SIOCGIFCONF, Ifconf),
        (SIOCGIFMAP, IfMap),
        (SIOCSIFMAP, IfMap),
        (SIOCGIFNAME, Ifreq),
        (SIOCSIFNAME, Ifreq),
        (SIOCGIFFLAGS, Ifreq),
        (SIOCSIFFLAGS, Ifreq),
        (SIOCGIFADDR, Ifreq),
        (SIOCSIFADDR, Ifreq),
        (SIOCDIFADDR, Ifreq),
        (SIOCGIFDSTADDR, Ifreq),
        (SIOCSIFDSTADDR, Ifreq),
        (SIOCGIFBRDADDR, Ifreq),
        (SIOCSIFBRDADDR, Ifreq),
        (SIOCGIFNETMASK, Ifreq),
        (SIOCSIFNETMASK, Ifreq),
        (SIOCGIFMETRIC, Ifreq),
        (SIOCSIFMETRIC, Ifreq),
        (SIOCGIFMEM, Ifreq),
        (SIOCSIFMEM, Ifreq),
        (SIOCGIFMTU, Ifreq),
        (SIOCSIFMTU, Ifreq),
        (SIOCSIFHWADDR, Ifreq),
        (SIOCGIFHWADDR, Ifreq),
        (SIOCSIFHWBROADCAST, Ifreq),
        (SIOCADDMULTI, Ifreq),
        (SIOCDELMULTI, Ifreq),
        (SIOCGIFINDEX, Ifreq),
        (SIOCSIFPFLAGS, Ifreq),
        (SIOCGIFPFLAGS, Ifreq),
        (SIOCGIFTXQLEN, Ifreq),
        (SIOCSIFTXQLEN, Ifreq),
        (SIOCGMIIPHY, Ifreq),
        (SIOCGMIIREG, Ifreq),
        (SIOCSMIIREG, Ifreq),
        (SIOCBONDENSLAVE, Ifreq),
        (SIOCBONDRELEASE, Ifreq),
        (SIOCBONDSETHWADDR, Ifreq),
        (SIOCBONDCHANGEACTIVE, Ifreq),
        (SIOCBRADDIF, Ifreq),
        (SIOCBRDELIF, Ifreq),
        (SIOCDARP, Arpreq),
        (SIOCGARP, Arpreq),
        (SIOCSARP, Arpreq),
    ]
};

/// Requests `compat_sock_ioctl_trans` (or a protocol's compat_ioctl) knows, whose arguments
/// carry pointers or `long`s this file does not translate: routing (`struct rtentry`), the
/// `ifr_data` requests (ethtool, bonding queries, WAN devices, hardware timestamps), bridge
/// creation (a name pointer), VLANs, SIOCGSKNS (a new fd), and the device- and protocol-private
/// ranges.
fn untranslated(req: u32) -> bool {
    matches!(req, 0x890b..=0x890d | 0x8940..=0x8941 | 0x8946 | 0x894a | 0x894c | 0x8982..=0x8983)
        || matches!(req, 0x8993..=0x8994 | 0x89a0..=0x89a1 | 0x89b0..=0x89b1 | 0x89e0..=0x89ff)
}

/// Socket ioctls: `None` when `request` is not a socket request or `fd` is not a socket (ioctl(2)
/// in [`super::fd`] answers), else the answer.
pub fn ioctl(ctx: &mut Ctx, fd: u32, request: u32, arg: u32) -> Option<SysResult> {
    if request == crate::abi::termios::FIONREAD {
        // SIOCINQ is FIONREAD: sock_ioctl() hands it to the protocol (tcp_ioctl()'s count is not
        // the AF_UNIX one of a private TCP socket's host fd). A plain host socket's is the host's.
        let (fd, sock) = super::socket::known(fd)?;
        return Some(run(ctx, Sock(fd, &*sock), request, arg, Io::IntOut));
    }
    if (request >> 8) & 0xff != SOCK_IOC_TYPE {
        return None;
    }
    let (fd, sock) = super::socket::sock(fd).ok()?;
    let Some(&(_, io)) = REQUESTS.iter().find(|(r, _)| *r == request) else {
        if untranslated(request) {
            log::warn!("socket ioctl {request:#x} is not translated: ENOSYS");
            return Some(Err(Errno::NOSYS.into()));
        }
        return Some(Err(Errno::NOTTY.into()));
    };
    Some(run(ctx, Sock(fd, &*sock), request, arg, io))
}

/// The socket an ioctl is made on.
#[derive(Clone, Copy)]
struct Sock<'a>(BorrowedFd<'a>, &'a dyn Socket);

/// The socket's ioctl on a local buffer in the host's layout.
fn host_ioctl(s: Sock, req: u32, arg: &mut [u8]) -> Result<i64, Errno> {
    s.1.ioctl(s.0, req, arg)
}

fn run(ctx: &mut Ctx, fd: Sock, req: u32, arg: u32, io: Io) -> SysResult {
    match io {
        Io::IntIn => {
            let mut v = ctx.mem.read_u32(arg)?.to_le_bytes();
            Ok(host_ioctl(fd, req, &mut v)? as u32)
        }
        Io::IntOut => {
            let mut v = [0u8; 4];
            let r = host_ioctl(fd, req, &mut v)?;
            ctx.mem.write(arg, &v)?;
            Ok(r as u32)
        }
        Io::Stamp64 => {
            let mut v = [0u8; 16];
            let r = host_ioctl(fd, req, &mut v)?;
            ctx.mem.write(arg, &v)?;
            Ok(r as u32)
        }
        Io::Stamp32 => {
            // The host's SIOCGSTAMP writes a timeval, SIOCGSTAMPNS a timespec: two 64-bit words.
            let mut v = [0u8; 16];
            let r = host_ioctl(fd, req, &mut v)?;
            let word = |i: usize| i64::from_le_bytes(v[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
            let ts = libc::timespec { tv_sec: word(0), tv_nsec: word(1) };
            ctx.mem.write_obj(arg, &Timespec32::from_host(&ts))?;
            Ok(r as u32)
        }
        Io::Arpreq => {
            let mut v = [0u8; ARPREQ_SIZE];
            ctx.mem.read(arg, &mut v)?;
            let r = host_ioctl(fd, req, &mut v)?;
            ctx.mem.write(arg, &v)?;
            Ok(r as u32)
        }
        Io::Ifreq => {
            let mut host = [0u8; HOST_IFREQ_SIZE];
            ctx.mem.read(arg, &mut host[..size_of::<Ifreq32>()])?;
            let r = host_ioctl(fd, req, &mut host)?;
            ctx.mem.write(arg, &host[..size_of::<Ifreq32>()])?;
            Ok(r as u32)
        }
        Io::IfMap => ifmap(ctx, fd, req, arg),
        Io::Ifconf => ifconf(ctx, fd, arg),
    }
}

/// SIOCGIFMAP/SIOCSIFMAP: the whole 32-byte `compat_ifreq` is copied in and out, as for any
/// ifreq (`get_user_ifreq`/`put_user_ifreq`); the map's fields are translated and its padding
/// goes back as the guest left it (`dev_getifmap` fills a `compat_ifmap` in place).
fn ifmap(ctx: &mut Ctx, fd: Sock, req: u32, arg: u32) -> SysResult {
    let mut guest: Ifreq32 = ctx.mem.read_obj(arg)?;
    let Ok(map) = IfMap32::read_from_bytes(&guest.ifru) else {
        return Err(Errno::FAULT.into());
    };
    let host_map = IfMap64 {
        mem_start: u64::from(map.mem_start.get()),
        mem_end: u64::from(map.mem_end.get()),
        base_addr: map.base_addr.get(),
        irq: map.irq,
        dma: map.dma,
        port: map.port,
        pad: [0; 3],
    };
    let mut host = [0u8; HOST_IFREQ_SIZE];
    host[..IFNAMSIZ].copy_from_slice(&guest.name);
    host[IFNAMSIZ..].copy_from_slice(host_map.as_bytes());
    let r = host_ioctl(fd, req, &mut host)?;
    let Ok(m) = IfMap64::read_from_bytes(&host[IFNAMSIZ..]) else {
        return Err(Errno::FAULT.into());
    };
    let out = IfMap32 {
        mem_start: (m.mem_start as u32).into(),
        mem_end: (m.mem_end as u32).into(),
        base_addr: m.base_addr.into(),
        irq: m.irq,
        dma: m.dma,
        port: m.port,
        pad: map.pad,
    };
    guest.name.copy_from_slice(&host[..IFNAMSIZ]);
    guest.ifru.copy_from_slice(out.as_bytes());
    ctx.mem.write_obj(arg, &guest)?;
    Ok(r as u32)
}

/// dev_ifconf() for a compat task: `{int len; u32 buf}`; a NULL buffer asks for the length
/// needed; otherwise as many whole 32-byte entries as fit are stored (EFAULT at the first that
/// cannot be), and the length used goes back to `ifc_len`.
fn ifconf(ctx: &mut Ctx, fd: Sock, arg: u32) -> SysResult {
    const GUEST: usize = size_of::<Ifreq32>();
    let conf: Ifconf32 = ctx.mem.read_obj(arg)?;
    // Ask how many entries there are (a NULL buffer only counts).
    let count = fd.1.ifconf(fd.0, None)? / HOST_IFREQ_SIZE;
    let total = if conf.buf.get() == 0 {
        count * GUEST
    } else {
        let fit = usize::try_from(conf.len.get()).unwrap_or(0) / GUEST;
        let mut buf = vec![0u8; fit.min(count) * HOST_IFREQ_SIZE];
        let got = fd.1.ifconf(fd.0, Some(&mut buf))? / HOST_IFREQ_SIZE;
        for (i, entry) in buf.chunks_exact(HOST_IFREQ_SIZE).take(got).enumerate() {
            let at = conf.buf.get().checked_add((i * GUEST) as u32).ok_or(Errno::FAULT)?;
            ctx.mem.write(at, &entry[..GUEST])?;
        }
        got * GUEST
    };
    ctx.mem.write_u32(arg, total as u32)?;
    Ok(0)
}
