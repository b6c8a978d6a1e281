//! The family registry and protocol switch: which implementation a new socket gets.
//!
//! Checks happen in `__sys_socket` / `__sock_create` order so a bad request gets the kernel's
//! errno: flags beyond SOCK_NONBLOCK|SOCK_CLOEXEC or a type ≥ SOCK_MAX: EINVAL; a family out of
//! range or not registered: EAFNOSUPPORT; then the family's rows: a type with no row:
//! ESOCKTNOSUPPORT, a type whose rows don't take the protocol: EPROTONOSUPPORT. Host-backed rows
//! leave finer decisions (and the privilege checks) to the host kernel, which is the same kernel.

use crate::socket::{SOCK_CLOEXEC, SOCK_NONBLOCK};
use crate::{host, Errno};
use std::os::fd::OwnedFd;

/// AF_MAX in linux/socket.h (NPROTO).
const AF_MAX: u32 = 46;
/// SOCK_MAX in linux/net.h.
const SOCK_MAX: u32 = 11;
const SOCK_TYPE_MASK: u32 = 0xf;

pub const AF_UNIX: u32 = 1;
pub const AF_INET: u32 = 2;
pub const AF_INET6: u32 = 10;
pub const AF_NETLINK: u32 = 16;
pub const AF_PACKET: u32 = 17;

pub const SOCK_STREAM: u32 = 1;
pub const SOCK_DGRAM: u32 = 2;
pub const SOCK_RAW: u32 = 3;
pub const SOCK_SEQPACKET: u32 = 5;
pub const SOCK_PACKET: u32 = 10;

/// Matches any protocol (and a request for protocol 0 matches the row's), as in inetsw.
const WILD: Option<u32> = None;

/// Who implements a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// A host socket of the same family, type and protocol.
    Host,
    /// A socket of the private network (`--net=private`), standing on a host AF_UNIX socket.
    Private,
}

/// One protocol-switch row (`struct inet_protosw`).
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub kind: u32,
    pub protocol: Option<u32>,
    pub provider: Provider,
}

/// One family (`struct net_proto_family`) and its rows, in lookup order.
#[derive(Debug)]
pub struct Family {
    pub family: u32,
    pub rows: &'static [Row],
}

const fn host(kind: u32, protocol: Option<u32>) -> Row {
    Row { kind, protocol, provider: Provider::Host }
}

/// NETLINK_ROUTE: the rtnetlink messages are made of fixed-size fields, the same on i386.
const NETLINK_ROUTE: u32 = 0;

/// The registry. Protocol numbers are the host kernel's business for host rows (it answers
/// EPROTONOSUPPORT itself), so most rows are wildcards; netlink is limited to the protocols whose
/// messages have the same layout on i386 and x86-64.
pub static FAMILIES: &[Family] = &[
    // unix_create() takes SOCK_RAW as SOCK_DGRAM.
    Family {
        family: AF_UNIX,
        rows: &[host(SOCK_STREAM, WILD), host(SOCK_DGRAM, WILD), host(SOCK_RAW, WILD), host(SOCK_SEQPACKET, WILD)],
    },
    Family { family: AF_INET, rows: &[host(SOCK_STREAM, WILD), host(SOCK_DGRAM, WILD), host(SOCK_RAW, WILD)] },
    Family { family: AF_INET6, rows: &[host(SOCK_STREAM, WILD), host(SOCK_DGRAM, WILD), host(SOCK_RAW, WILD)] },
    Family { family: AF_NETLINK, rows: &[host(SOCK_RAW, Some(NETLINK_ROUTE)), host(SOCK_DGRAM, Some(NETLINK_ROUTE))] },
    Family { family: AF_PACKET, rows: &[host(SOCK_RAW, WILD), host(SOCK_DGRAM, WILD), host(SOCK_PACKET, WILD)] },
];

/// The row for a request, or the kernel's errno for why there is none.
pub fn lookup(family: u32, kind: u32, protocol: u32) -> Result<&'static Row, Errno> {
    if family >= AF_MAX {
        return Err(Errno::AFNOSUPPORT);
    }
    let fam = FAMILIES.iter().find(|f| f.family == family).ok_or(Errno::AFNOSUPPORT)?;
    let mut err = Errno::SOCKTNOSUPPORT;
    for row in fam.rows.iter().filter(|r| r.kind == kind) {
        match row.protocol {
            None => return Ok(row),
            Some(p) if p == protocol => return Ok(row),
            Some(_) if family == AF_INET || family == AF_INET6 => {
                // inet_create(): protocol 0 takes the row's protocol.
                if protocol == 0 {
                    return Ok(row);
                }
                err = Errno::PROTONOSUPPORT;
            }
            Some(_) => err = Errno::PROTONOSUPPORT,
        }
    }
    Err(err)
}

/// IPPROTO_TCP, IPPROTO_UDP.
const IPPROTO_TCP: u32 = 6;
const IPPROTO_UDP: u32 = 17;

/// On a private network: which provider a socket the registry allows gets, or what a process
/// without privileges in a fresh network namespace is told (raw and packet sockets: EPERM; a
/// ping socket: EACCES, `net.ipv4.ping_group_range` being "1 0" there; TCP and UDP protocols
/// other than those: EPROTONOSUPPORT).
fn private_row(family: u32, kind: u32, protocol: u32) -> Result<Provider, Errno> {
    match (family, kind) {
        (AF_UNIX, _) => Ok(Provider::Private),
        (AF_INET | AF_INET6, SOCK_STREAM) if protocol == 0 || protocol == IPPROTO_TCP => Ok(Provider::Private),
        (AF_INET | AF_INET6, SOCK_DGRAM) if protocol == 0 || protocol == IPPROTO_UDP => Ok(Provider::Private),
        (AF_INET, SOCK_DGRAM) if protocol == 1 => Err(Errno::ACCESS),
        (AF_INET6, SOCK_DGRAM) if protocol == 58 => Err(Errno::ACCESS),
        // inet_create(): protocol 0 matches no raw row (EPROTONOSUPPORT) before the capability
        // is checked.
        (AF_INET | AF_INET6, SOCK_RAW) if protocol == 0 => Err(Errno::PROTONOSUPPORT),
        (AF_INET | AF_INET6, SOCK_RAW) | (AF_PACKET, _) => Err(Errno::PERM),
        (AF_INET | AF_INET6, _) => Err(Errno::PROTONOSUPPORT),
        _ => Ok(Provider::Host),
    }
}

/// socket(2): validate as the kernel does and create the socket. `kind` still carries its flags.
pub fn create(family: u32, kind: u32, protocol: u32) -> Result<OwnedFd, Errno> {
    let flags = kind & !SOCK_TYPE_MASK;
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::INVAL);
    }
    let mut kind_only = kind & SOCK_TYPE_MASK;
    if family >= AF_MAX {
        return Err(Errno::AFNOSUPPORT);
    }
    if kind_only >= SOCK_MAX {
        return Err(Errno::INVAL);
    }
    let mut family = family;
    if family == AF_INET && kind_only == SOCK_PACKET {
        // __sock_create(): the obsolete SOCK_PACKET on PF_INET is PF_PACKET.
        family = AF_PACKET;
    }
    if family == AF_NETLINK && kind_only == SOCK_DGRAM {
        // netlink_create() treats SOCK_DGRAM as SOCK_RAW.
        kind_only = SOCK_RAW;
    }
    if family == AF_PACKET && crate::private::enabled() {
        // packet_create() checks CAP_NET_RAW before the type.
        return Err(Errno::PERM);
    }
    let row = lookup(family, kind_only, protocol)?;
    let provider = if crate::private::enabled() { private_row(family, kind_only, protocol)? } else { row.provider };
    match provider {
        Provider::Private => {
            let kind_of = match family {
                AF_UNIX => crate::private::Kind::Unix,
                _ => crate::private::Kind::Inet {
                    v6: family == AF_INET6,
                    proto: if kind_only == SOCK_STREAM {
                        crate::private::addr::Proto::Tcp
                    } else {
                        crate::private::addr::Proto::Udp
                    },
                },
            };
            // unix_create() takes SOCK_RAW as SOCK_DGRAM.
            let host_kind = if family == AF_UNIX && kind_only == SOCK_RAW { SOCK_DGRAM | flags } else { kind };
            crate::private::create(kind_of, host_kind)
        }
        Provider::Host => match host::socket(family, kind, protocol) {
            // No CAP_NET_RAW: a ping socket with raw-socket semantics, where the host allows one.
            Err(e @ (Errno::PERM | Errno::ACCESS))
                if kind_only == SOCK_RAW && crate::ping::applies(family, protocol) =>
            {
                crate::ping::create(family, flags, protocol, e)
            }
            other => other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_answers_the_kernels_errnos() {
        assert_eq!(lookup(99, SOCK_STREAM, 0).unwrap_err(), Errno::AFNOSUPPORT);
        assert_eq!(lookup(3, SOCK_STREAM, 0).unwrap_err(), Errno::AFNOSUPPORT); // AF_AX25: not registered
        assert_eq!(lookup(AF_INET, 4, 0).unwrap_err(), Errno::SOCKTNOSUPPORT); // SOCK_RDM
        assert_eq!(lookup(AF_NETLINK, SOCK_RAW, 9).unwrap_err(), Errno::PROTONOSUPPORT);
        assert_eq!(lookup(AF_INET, SOCK_STREAM, 0).unwrap().provider, Provider::Host);
    }

    #[test]
    fn a_private_network_answers_as_a_fresh_namespace() {
        assert_eq!(private_row(AF_INET, SOCK_STREAM, 0), Ok(Provider::Private));
        assert_eq!(private_row(AF_INET6, SOCK_DGRAM, IPPROTO_UDP), Ok(Provider::Private));
        assert_eq!(private_row(AF_UNIX, SOCK_SEQPACKET, 0), Ok(Provider::Private));
        assert_eq!(private_row(AF_INET, SOCK_RAW, 1), Err(Errno::PERM));
        assert_eq!(private_row(AF_INET6, SOCK_RAW, 0), Err(Errno::PROTONOSUPPORT));
        assert_eq!(private_row(AF_PACKET, SOCK_DGRAM, 0), Err(Errno::PERM));
        assert_eq!(private_row(AF_INET, SOCK_DGRAM, 1), Err(Errno::ACCESS));
        assert_eq!(private_row(AF_INET6, SOCK_DGRAM, 58), Err(Errno::ACCESS));
        assert_eq!(private_row(AF_INET, SOCK_STREAM, 262), Err(Errno::PROTONOSUPPORT));
        assert_eq!(private_row(AF_NETLINK, SOCK_RAW, 0), Ok(Provider::Host));
    }

    #[test]
    fn create_checks_flags_and_type_first() {
        assert_eq!(create(AF_INET, SOCK_STREAM | 0x100, 0).unwrap_err(), Errno::INVAL);
        assert_eq!(create(AF_INET, 12, 0).unwrap_err(), Errno::INVAL);
        assert_eq!(create(200, SOCK_STREAM, 0).unwrap_err(), Errno::AFNOSUPPORT);
    }
}
