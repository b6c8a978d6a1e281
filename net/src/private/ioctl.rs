//! Socket ioctls on a private socket (host layouts), answered as on a network whose only device
//! is `lo`: interface requests name `lo` (index 1) or nothing (ENODEV) and are asked of the host's
//! own `lo` through a helper IP socket, since an AF_UNIX socket does not take the address requests
//! (inet_ioctl() does); requests that change a device are refused (EPERM; ENODEV first for a
//! missing device when the caller is root, as dev_ioctl() checks the capability first), so that
//! the host's `lo` is never touched. SIOCGSTAMP answers the time the socket
//! last received a datagram (ENOENT before, and always for TCP, which does not keep one), and
//! SIOCOUTQNSD 0 (on loopback nothing waits unsent); SIOCINQ on TCP is tcp_inq()'s ([`super::urgent`]).

use super::addr::Proto;
use super::socket::Call;
use super::{pristine, Kind};
use crate::host;
use crate::Errno;
use std::os::fd::BorrowedFd;

const SIOCGSTAMP_OLD: u32 = 0x8906;
const SIOCGSTAMPNS_OLD: u32 = 0x8907;
const SIOCOUTQNSD: u32 = 0x894b;
/// FIONREAD = SIOCINQ.
const FIONREAD: u32 = 0x541b;
const SIOCGIFNAME: u32 = 0x8910;
const IFNAMSIZ: usize = 16;
/// The index of `lo` in a fresh network namespace.
const LO_INDEX: i32 = 1;
/// The interface requests that only read (dev_ioctl()'s and inet_ioctl()'s "get" cases).
const GETS: &[u32] =
    &[0x8913, 0x8915, 0x8917, 0x8919, 0x891b, 0x891d, 0x891f, 0x8921, 0x8925, 0x8927, 0x8933, 0x8935, 0x8942, 0x8970];

/// The helper IP socket interface requests go to.
fn device_socket() -> Result<BorrowedFd<'static>, Errno> {
    pristine(false, Proto::Udp).ok_or(Errno::NOBUFS)
}

/// Whether an entry of the host's SIOCGIFCONF list (a host `ifreq`) is `lo`'s.
pub fn is_lo_entry(entry: &[u8]) -> bool {
    entry.len() >= IFNAMSIZ && entry[..IFNAMSIZ].split(|b| *b == 0).next() == Some(b"lo")
}

impl Call<'_> {
    /// A socket ioctl whose argument `arg` is in host layout (an int, an ifreq, a timestamp: as
    /// large as the host's struct for `req`), for every request but SIOCGIFCONF (see
    /// [`Call::ifconf`]).
    pub fn ioctl(&self, req: u32, arg: &mut [u8]) -> Result<i64, Errno> {
        let kind = req & 0xffff;
        if (0x8910..0x8990).contains(&kind) && kind != SIOCOUTQNSD {
            if arg.len() < 40 {
                return Err(Errno::FAULT);
            }
            let ifreq = &*arg;
            if kind == SIOCGIFNAME {
                let index = i32::from_ne_bytes([ifreq[16], ifreq[17], ifreq[18], ifreq[19]]);
                if index != LO_INDEX {
                    return Err(Errno::NODEV);
                }
            } else if self.state.kind == Kind::Unix && (0x8915..=0x891c).contains(&kind) {
                // Address requests are inet_ioctl()'s: an AF_UNIX socket does not know them.
                return Err(Errno::NOTTY);
            } else {
                let lo = ifreq[..IFNAMSIZ].split(|b| *b == 0).next() == Some(b"lo");
                let root = host::sock::is_root();
                match (GETS.contains(&kind), lo) {
                    (true, true) => {}
                    // dev_ioctl(): the capability check, then the device.
                    (false, false) if root => return Err(Errno::NODEV),
                    (false, _) => return Err(Errno::PERM),
                    (true, false) => return Err(Errno::NODEV),
                }
            }
            return host::sock::ioctl(device_socket()?, req, arg);
        }
        let tcp = matches!(self.state.kind, Kind::Inet { proto: Proto::Tcp, .. });
        match kind {
            FIONREAD if tcp => {
                let n = self.tcp_inq()?;
                arg.iter_mut().zip(n.to_ne_bytes()).for_each(|(b, v)| *b = v);
                Ok(0)
            }
            SIOCOUTQNSD if tcp => {
                arg.iter_mut().take(4).for_each(|b| *b = 0);
                Ok(0)
            }
            SIOCGSTAMP_OLD | SIOCGSTAMPNS_OLD if matches!(self.state.kind, Kind::Inet { .. }) => {
                let stamp = Some(self.obj.snapshot()).and_then(|s| s.stamp).filter(|_| !tcp).ok_or(Errno::NOENT)?;
                let sub = if kind == SIOCGSTAMP_OLD { stamp.1 / 1000 } else { stamp.1 };
                let mut out = [0u8; 16];
                out[..8].copy_from_slice(&stamp.0.to_ne_bytes());
                out[8..].copy_from_slice(&i64::from(sub).to_ne_bytes());
                // Both layouts are two 64-bit words on the host.
                let n = arg.len().min(16);
                arg[..n].copy_from_slice(&out[..n]);
                Ok(0)
            }
            _ => host::sock::ioctl(self.fd, req, arg),
        }
    }

    /// SIOCGIFCONF: the host's `lo` entries only (host `ifreq`s into `buf`, or only the length
    /// needed when `buf` is `None`); the bytes used.
    pub fn ifconf(&self, entry_size: usize, buf: Option<&mut [u8]>) -> Result<usize, Errno> {
        let fd = device_socket()?;
        let mut all = vec![0u8; 64 * entry_size];
        let got = host::sock::ifconf(fd, Some(&mut all))?.min(all.len());
        let lo: Vec<&[u8]> = all[..got].chunks_exact(entry_size).filter(|e| is_lo_entry(e)).collect();
        match buf {
            None => Ok(lo.len() * entry_size),
            Some(out) => {
                let fit = (out.len() / entry_size).min(lo.len());
                for (i, e) in lo.iter().take(fit).enumerate() {
                    out[i * entry_size..(i + 1) * entry_size].copy_from_slice(e);
                }
                Ok(fit * entry_size)
            }
        }
    }

    /// After a datagram came: its time, for SIOCGSTAMP (sock_recv_timestamp() keeps sk_stamp).
    pub(crate) fn stamp_now(&self) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        self.obj.update(|s| s.stamp = Some((now.as_secs() as i64, now.subsec_nanos())));
    }
}
