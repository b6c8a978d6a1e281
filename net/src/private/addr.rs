//! Addresses on a private network: the guest's `sockaddr_in`/`sockaddr_in6`, and the host
//! abstract AF_UNIX names that stand for them.
//!
//! A bound private socket is a host AF_UNIX socket named
//! `"\0emu386-net/NETWORK/PROTO/PORT/ADDR[#K]"`: PROTO is `tcp` or `udp` (separate port spaces),
//! ADDR is `a.b.c.d` for an IPv4 socket and `[v6]` for an IPv6 one (`[::ffff:a.b.c.d]` for a
//! v4-mapped address, `[::]only` for an IPV6_V6ONLY wildcard), and `#K` tells apart sockets that
//! share an address through SO_REUSEPORT. The guest's own abstract AF_UNIX names live under
//! `"\0emu386-net/NETWORK/unix/"`. Once a name has been parsed no accessor panics.

use crate::Errno;
use std::net::{Ipv4Addr, Ipv6Addr};

pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
/// sizeof(struct sockaddr_in), SIN6_LEN_RFC2133, sizeof(struct sockaddr_in6).
pub const SIN_LEN: usize = 16;
pub const SIN6_LEN_RFC2133: usize = 24;
pub const SIN6_LEN: usize = 28;
/// sizeof(sun_path).
const SUN_PATH: usize = 108;
/// What every private name starts with (after the abstract namespace's NUL).
pub const PREFIX: &str = "emu386-net/";

/// An IP address on the private network; a v4-mapped IPv6 address is kept as its IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ip {
    V4([u8; 4]),
    V6([u8; 16]),
}

impl Ip {
    /// From the 16 bytes of an `in6_addr`.
    pub fn from_v6(bytes: [u8; 16]) -> Ip {
        match Ipv6Addr::from(bytes).to_ipv4_mapped() {
            Some(v4) => Ip::V4(v4.octets()),
            None => Ip::V6(bytes),
        }
    }

    pub fn is_wildcard(self) -> bool {
        matches!(self, Ip::V4([0, 0, 0, 0])) || self == Ip::V6([0; 16])
    }

    /// Whether `lo` of a fresh network namespace has this address (127.0.0.0/8 or ::1).
    pub fn is_local(self) -> bool {
        match self {
            Ip::V4(a) => a[0] == 127,
            Ip::V6(a) => Ipv6Addr::from(a) == Ipv6Addr::LOCALHOST,
        }
    }

    /// The address a connection to this one comes from: 127.0.0.1 for 127.0.0.0/8 (`ip route get
    /// 127.0.0.2` in a fresh namespace: `src 127.0.0.1`), ::1 for IPv6.
    pub fn source(self) -> Ip {
        match self {
            Ip::V4(_) => Ip::V4([127, 0, 0, 1]),
            Ip::V6(_) => Ip::V6(Ipv6Addr::LOCALHOST.octets()),
        }
    }

    /// A connection to the wildcard address goes to the loopback address.
    pub fn as_destination(self) -> Ip {
        match self {
            Ip::V4([0, 0, 0, 0]) => Ip::V4([127, 0, 0, 1]),
            Ip::V6(a) if a == [0; 16] => Ip::V6(Ipv6Addr::LOCALHOST.octets()),
            other => other,
        }
    }
}

/// A bound address as a name shows it: the IP, the port, and how the socket that holds it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: Ip,
    pub port: u16,
    /// Held by an AF_INET6 socket.
    pub v6: bool,
    /// An AF_INET6 wildcard with IPV6_V6ONLY.
    pub only: bool,
}

impl Endpoint {
    /// The ADDR part of a name.
    pub fn text(&self) -> String {
        match (self.ip, self.v6) {
            (Ip::V4(a), false) => Ipv4Addr::from(a).to_string(),
            (Ip::V4(a), true) => format!("[{}]", Ipv4Addr::from(a).to_ipv6_mapped()),
            (Ip::V6(a), _) => format!("[{}]{}", Ipv6Addr::from(a), if self.only { "only" } else { "" }),
        }
    }

    /// Parse an ADDR part (`#K` already removed).
    pub fn parse(text: &str, port: u16) -> Option<Endpoint> {
        if let Some(rest) = text.strip_prefix('[') {
            let (ip, tail) = rest.split_once(']')?;
            let only = match tail {
                "" => false,
                "only" => true,
                _ => return None,
            };
            let ip: Ipv6Addr = ip.parse().ok()?;
            Some(Endpoint { ip: Ip::from_v6(ip.octets()), port, v6: true, only })
        } else {
            let ip: Ipv4Addr = text.parse().ok()?;
            Some(Endpoint { ip: Ip::V4(ip.octets()), port, v6: false, only: false })
        }
    }

    /// Whether a packet or connection for `ip` reaches a socket bound here (the kernel's lookup:
    /// an exact address, or a wildcard of a family that takes it).
    pub fn takes(&self, ip: Ip) -> bool {
        if self.ip == ip {
            return true;
        }
        if !self.ip.is_wildcard() {
            return false;
        }
        match ip {
            Ip::V4(_) => !self.v6 || !self.only,
            Ip::V6(_) => self.v6,
        }
    }

    /// inet_bind_conflict()'s address test: the two bindings overlap.
    pub fn overlaps(&self, other: &Endpoint) -> bool {
        if self.ip.is_wildcard() && other.ip.is_wildcard() {
            // 0.0.0.0 and [::]only coexist; every other pair of wildcards collides.
            let v4_only = |e: &Endpoint| !e.v6;
            let v6_only = |e: &Endpoint| e.v6 && e.only;
            return !((v4_only(self) && v6_only(other)) || (v6_only(self) && v4_only(other)));
        }
        self.takes(other.ip) || other.takes(self.ip)
    }
}

/// The guest's IP address and port from a `sockaddr_in`/`sockaddr_in6` (length already checked).
pub fn parse_inet(addr: &[u8]) -> Option<(Ip, u16)> {
    let family = u16::from_ne_bytes([*addr.first()?, *addr.get(1)?]);
    let port = u16::from_be_bytes([*addr.get(2)?, *addr.get(3)?]);
    match family {
        AF_INET => Some((Ip::V4(addr.get(4..8)?.try_into().ok()?), port)),
        AF_INET6 => Some((Ip::from_v6(addr.get(8..24)?.try_into().ok()?), port)),
        _ => None,
    }
}

/// The sockaddr an AF_INET (`v6` false) or AF_INET6 socket reports for `ip:port`.
pub fn render(ip: Ip, port: u16, v6: bool) -> Vec<u8> {
    if v6 {
        let mut out = vec![0u8; SIN6_LEN];
        out[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
        out[2..4].copy_from_slice(&port.to_be_bytes());
        let bytes = match ip {
            Ip::V4(a) => Ipv4Addr::from(a).to_ipv6_mapped().octets(),
            Ip::V6(a) => a,
        };
        out[8..24].copy_from_slice(&bytes);
        out
    } else {
        let mut out = vec![0u8; SIN_LEN];
        out[..2].copy_from_slice(&AF_INET.to_ne_bytes());
        out[2..4].copy_from_slice(&port.to_be_bytes());
        if let Ip::V4(a) = ip {
            out[4..8].copy_from_slice(&a);
        }
        out
    }
}

/// `tcp` or `udp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn text(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// A `sockaddr_un` with the abstract name `path` (no leading NUL in `path`), or ENAMETOOLONG
/// when it does not fit.
pub fn abstract_addr(path: &[u8]) -> Result<Vec<u8>, Errno> {
    if path.len() + 1 > SUN_PATH {
        return Err(Errno::NAMETOOLONG);
    }
    let mut out = AF_UNIX.to_ne_bytes().to_vec();
    out.push(0);
    out.extend_from_slice(path);
    Ok(out)
}

/// The abstract name (without its leading NUL) in a host `sockaddr_un`, if it has one.
pub fn abstract_name(addr: &[u8]) -> Option<&[u8]> {
    if addr.len() < 3 || u16::from_ne_bytes([addr[0], addr[1]]) != AF_UNIX || addr[2] != 0 {
        return None;
    }
    Some(&addr[3..])
}

/// The name of `ep` on network `net`.
pub fn inet_name(net: &str, proto: Proto, ep: &Endpoint, suffix: Option<u32>) -> Result<Vec<u8>, Errno> {
    let mut path = format!("{PREFIX}{net}/{}/{}/{}", proto.text(), ep.port, ep.text());
    if let Some(k) = suffix {
        path.push_str(&format!("#{k}"));
    }
    abstract_addr(path.as_bytes())
}

/// What a host name on network `net` stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A private IP socket's address.
    Inet(Proto, Endpoint),
    /// A guest abstract AF_UNIX name (without its leading NUL).
    Unix(Vec<u8>),
}

/// Parse a host abstract name (without the leading NUL) of network `net`.
pub fn parse_name(net: &str, name: &[u8]) -> Option<Parsed> {
    let rest = name.strip_prefix(PREFIX.as_bytes())?.strip_prefix(net.as_bytes())?.strip_prefix(b"/")?;
    if let Some(unix) = rest.strip_prefix(b"unix/") {
        return Some(Parsed::Unix(unix.to_vec()));
    }
    let text = std::str::from_utf8(rest).ok()?;
    let mut parts = text.splitn(3, '/');
    let proto = match parts.next()? {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => return None,
    };
    let port: u16 = parts.next()?.parse().ok()?;
    let addr = parts.next()?;
    let addr = addr.split_once('#').map_or(addr, |(a, _)| a);
    Some(Parsed::Inet(proto, Endpoint::parse(addr, port)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let eps = [
            Endpoint { ip: Ip::V4([127, 0, 0, 1]), port: 80, v6: false, only: false },
            Endpoint { ip: Ip::V4([127, 0, 0, 1]), port: 80, v6: true, only: false },
            Endpoint { ip: Ip::V6([0; 16]), port: 65535, v6: true, only: true },
            Endpoint { ip: Ip::V6(Ipv6Addr::LOCALHOST.octets()), port: 1, v6: true, only: false },
        ];
        for ep in eps {
            let name = inet_name("n1", Proto::Udp, &ep, Some(3)).unwrap();
            let parsed = parse_name("n1", abstract_name(&name).unwrap()).unwrap();
            assert_eq!(parsed, Parsed::Inet(Proto::Udp, ep));
            assert_eq!(parse_name("n2", abstract_name(&name).unwrap()), None);
        }
        assert_eq!(parse_name("n", b"emu386-net/n/unix/x"), Some(Parsed::Unix(b"x".to_vec())));
    }

    #[test]
    fn wildcards_overlap_as_the_kernel_decides() {
        let any4 = Endpoint { ip: Ip::V4([0; 4]), port: 1, v6: false, only: false };
        let any6 = Endpoint { ip: Ip::V6([0; 16]), port: 1, v6: true, only: false };
        let only6 = Endpoint { only: true, ..any6 };
        let lo4 = Endpoint { ip: Ip::V4([127, 0, 0, 1]), ..any4 };
        let lo4b = Endpoint { ip: Ip::V4([127, 0, 0, 2]), ..any4 };
        assert!(any4.overlaps(&any6));
        assert!(!any4.overlaps(&only6));
        assert!(lo4.overlaps(&any6));
        assert!(!lo4.overlaps(&only6));
        assert!(!lo4.overlaps(&lo4b));
        assert!(any6.takes(Ip::V4([127, 0, 0, 1])));
        assert!(!only6.takes(Ip::V4([127, 0, 0, 1])));
    }

    #[test]
    fn render_maps_v4_for_v6_sockets() {
        let a = render(Ip::V4([127, 0, 0, 1]), 8080, true);
        assert_eq!(a.len(), SIN6_LEN);
        assert_eq!(parse_inet(&a), Some((Ip::V4([127, 0, 0, 1]), 8080)));
        assert_eq!(parse_inet(&render(Ip::V4([127, 0, 0, 1]), 1, false)), Some((Ip::V4([127, 0, 0, 1]), 1)));
    }
}
