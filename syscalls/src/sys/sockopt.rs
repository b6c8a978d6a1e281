//! The socket-option table: for each (level, name) the guest layout and how it becomes the host's.
//!
//! Most options are ints or fixed-size structs whose layout is the same on i386 and x86-64; they
//! go to the host as they are, and the host kernel validates them exactly as it would for the
//! guest. The ones that differ are translated here: the old 32-bit `struct timeval` timeouts
//! (SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD) and `struct group_req`/`group_source_req`, whose
//! sockaddr_storage starts at offset 4 on i386 and 8 on x86-64. The table names every option the
//! kernel has at each level emu386 knows; an option it does not name goes to the host as it is, so
//! that the running kernel answers for it (ENOPROTOOPT, or EOPNOTSUPP where a protocol says so on
//! 6.x), and is logged once. An option whose layout differs and is not translated yet
//! (`Untranslated`) answers ENOPROTOOPT, logged once.

use crate::abi::net::{GroupReq, GroupSourceReq, Timeval32};
use crate::mem::{GuestMemory, Prot};
use crate::Errno;
use std::collections::HashSet;
use std::sync::Mutex;
use zerocopy::{FromBytes, IntoBytes};

pub const SOL_SOCKET: u32 = 1;
pub const SOL_IP: u32 = 0;
pub const SOL_TCP: u32 = 6;
pub const SOL_UDP: u32 = 17;
pub const SOL_IPV6: u32 = 41;
pub const SOL_ICMPV6: u32 = 58;
pub const SOL_RAW: u32 = 255;
pub const SOL_PACKET: u32 = 263;
pub const SOL_NETLINK: u32 = 270;

const SO_RCVTIMEO_OLD: u32 = 20;
const SO_SNDTIMEO_OLD: u32 = 21;
const SO_ATTACH_FILTER: u32 = 26;
const SO_ATTACH_REUSEPORT_CBPF: u32 = 51;
const MCAST_JOIN_GROUP: u32 = 42;
const MCAST_BLOCK_SOURCE: u32 = 43;
const MCAST_UNBLOCK_SOURCE: u32 = 44;
const MCAST_LEAVE_GROUP: u32 = 45;
const MCAST_JOIN_SOURCE_GROUP: u32 = 46;
const MCAST_LEAVE_SOURCE_GROUP: u32 = 47;

/// How an option's value is laid out for the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// The same bytes on both sides.
    Same,
    /// `struct timeval` with 32-bit fields for the guest, 64-bit for the host.
    Timeval32,
    /// `struct group_req`.
    GroupReq,
    /// `struct group_source_req`.
    GroupSourceReq,
    /// `struct sock_fprog`: a length and a pointer to the filter (8 bytes on i386, 16 on x86-64).
    Fprog,
    /// Known, but its layout carries a pointer or a differently aligned field that is not
    /// translated (yet): the call fails rather than pass garbage.
    Untranslated,
}

fn layout(level: u32, name: u32) -> Option<Layout> {
    use Layout::*;
    let layout = match (level, name) {
        (SOL_SOCKET, SO_RCVTIMEO_OLD | SO_SNDTIMEO_OLD) => Timeval32,
        (SOL_SOCKET, SO_ATTACH_FILTER | SO_ATTACH_REUSEPORT_CBPF) => Fprog,
        (SOL_SOCKET, 1..=77) => Same,
        (SOL_IP | SOL_IPV6, MCAST_JOIN_GROUP | MCAST_LEAVE_GROUP) => GroupReq,
        (
            SOL_IP | SOL_IPV6,
            MCAST_BLOCK_SOURCE | MCAST_UNBLOCK_SOURCE | MCAST_JOIN_SOURCE_GROUP | MCAST_LEAVE_SOURCE_GROUP,
        ) => GroupSourceReq,
        // MCAST_MSFILTER's group_filter, and the IPsec/xfrm policies (u64 fields at i386
        // alignment), are not translated.
        (SOL_IP | SOL_IPV6, 48) | (SOL_IP, 16 | 17) | (SOL_IPV6, 34 | 35) => Untranslated,
        (SOL_IP, 1..=15 | 18..=26 | 32..=41 | 49..=52) => Same,
        (SOL_IPV6, 1..=11 | 16..=33 | 36 | 49..=62 | 66 | 67 | 70 | 72..=80) => Same,
        (SOL_TCP, 35) => Untranslated, // TCP_ZEROCOPY_RECEIVE
        (SOL_TCP, 1..=38) => Same,
        (SOL_UDP, 1 | 100..=104) => Same,
        // ICMP_FILTER, and IPV6_CHECKSUM on raw IPv6 sockets (rawv6_setsockopt at SOL_RAW).
        (SOL_RAW, 1 | 7) | (SOL_ICMPV6, 1) => Same,
        (SOL_NETLINK, 1..=12) => Same,
        (SOL_PACKET, 1..=24) => Same,
        _ => return None,
    };
    Some(layout)
}

/// Options already reported as unknown.
static LOGGED: Mutex<Option<HashSet<(u32, u32)>>> = Mutex::new(None);

fn known(level: u32, name: u32) -> Result<Layout, Errno> {
    let first =
        || LOGGED.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashSet::new).insert((level, name));
    match layout(level, name) {
        Some(Layout::Untranslated) => {
            if first() {
                log::warn!("socket option level {level} name {name} is not translated: ENOPROTOOPT");
            }
            Err(Errno::NOPROTOOPT)
        }
        None => {
            if first() {
                log::info!("socket option level {level} name {name} is not in the table: the host answers");
            }
            Ok(Layout::Same)
        }
        Some(l) => Ok(l),
    }
}

/// A `group_req`/`group_source_req` moved from i386 offsets (4, 132) to x86-64's (8, 136).
fn widen_group(value: &[u8], sources: usize) -> Vec<u8> {
    let mut host = vec![0u8; 8 + 128 * sources];
    host[..4].copy_from_slice(&value[..4]);
    for i in 0..sources {
        host[8 + 128 * i..8 + 128 * (i + 1)].copy_from_slice(&value[4 + 128 * i..4 + 128 * (i + 1)]);
    }
    host
}

/// The host's bytes for a setsockopt(2) value from the guest. Values that point into guest memory
/// (a BPF program) point at it through `mem`.
pub fn to_host(mem: &dyn GuestMemory, level: u32, name: u32, value: &[u8]) -> Result<Vec<u8>, Errno> {
    match known(level, name)? {
        Layout::Fprog => {
            // copy_bpf_fprog_from_user() for a compat caller: exactly the 8-byte struct.
            let bytes: [u8; 8] = value.try_into().map_err(|_| Errno::INVAL)?;
            let len = u16::from_le_bytes([bytes[0], bytes[1]]);
            let filter = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            // The host validates the length and copies the program, faulting where the kernel would.
            let ptr = if filter == 0 { 0 } else { mem.host_range(filter, usize::from(len) * 8, Prot::READ)? as u64 };
            let mut host = vec![0u8; 16];
            host[..2].copy_from_slice(&len.to_le_bytes());
            host[8..].copy_from_slice(&ptr.to_le_bytes());
            Ok(host)
        }
        Layout::Same | Layout::Untranslated => Ok(value.to_vec()),
        Layout::Timeval32 => {
            // sock_set_timeout(): a short value is EINVAL.
            let tv = Timeval32::read_from_prefix(value).map_err(|_| Errno::INVAL)?.0;
            // The host's struct timeval: tv_sec and tv_usec, 64 bits each.
            const _: () = assert!(size_of::<libc::timeval>() == 16);
            let (sec, usec): (libc::time_t, libc::suseconds_t) = (tv.sec.into(), tv.usec.into());
            Ok([sec.to_le_bytes(), usec.to_le_bytes()].concat())
        }
        Layout::GroupReq => {
            if value.len() < size_of::<GroupReq>() {
                return Err(Errno::INVAL);
            }
            Ok(widen_group(value, 1))
        }
        Layout::GroupSourceReq => {
            if value.len() < size_of::<GroupSourceReq>() {
                return Err(Errno::INVAL);
            }
            Ok(widen_group(value, 2))
        }
    }
}

/// How large a host buffer getsockopt(2) needs for a guest buffer of `guest_len`.
pub fn host_len(level: u32, name: u32, guest_len: usize) -> Result<usize, Errno> {
    Ok(match known(level, name)? {
        Layout::Timeval32 => size_of::<libc::timeval>(),
        // SO_ATTACH_FILTER has no getsockopt; the host answers for it.
        Layout::Fprog => guest_len,
        _ => guest_len,
    })
}

/// The guest's bytes for a getsockopt(2) value the host gave, cut to the guest's length.
pub fn to_guest(level: u32, name: u32, host: &[u8], guest_len: usize) -> Result<Vec<u8>, Errno> {
    let mut out = match known(level, name)? {
        Layout::Timeval32 => {
            let tv = libc::timeval::read_from_prefix_checked(host).ok_or(Errno::INVAL)?;
            Timeval32 { sec: tv.tv_sec as i32, usec: tv.tv_usec as i32 }.as_bytes().to_vec()
        }
        _ => host.to_vec(),
    };
    out.truncate(guest_len);
    Ok(out)
}

/// Reading a libc struct out of bytes (libc types don't implement zerocopy's traits).
trait ReadPrefix: Sized {
    fn read_from_prefix_checked(bytes: &[u8]) -> Option<Self>;
}

impl ReadPrefix for libc::timeval {
    fn read_from_prefix_checked(bytes: &[u8]) -> Option<Self> {
        let sec = i64::from_le_bytes(bytes.get(0..8)?.try_into().ok()?);
        let usec = i64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?);
        Some(libc::timeval { tv_sec: sec, tv_usec: usec })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_timevals_widen_and_narrow() {
        let guest = Timeval32 { sec: 3, usec: 500 };
        let mem = crate::mem::testing::FlatMemory::new(0x1000, 16);
        let host = to_host(&mem, SOL_SOCKET, SO_RCVTIMEO_OLD, guest.as_bytes()).unwrap();
        assert_eq!(host.len(), 16);
        assert_eq!(to_guest(SOL_SOCKET, SO_RCVTIMEO_OLD, &host, 8).unwrap(), guest.as_bytes());
        assert_eq!(to_host(&mem, SOL_SOCKET, SO_RCVTIMEO_OLD, &[0; 4]), Err(Errno::INVAL));
    }

    #[test]
    fn group_req_moves_the_address_to_offset_8() {
        let mut guest = vec![0u8; 132];
        guest[..4].copy_from_slice(&7u32.to_le_bytes());
        guest[4] = 2; // AF_INET
        let mem = crate::mem::testing::FlatMemory::new(0x1000, 16);
        let host = to_host(&mem, SOL_IP, MCAST_JOIN_GROUP, &guest).unwrap();
        assert_eq!(host.len(), 136);
        assert_eq!(&host[..4], &7u32.to_le_bytes());
        assert_eq!(host[8], 2);
    }

    #[test]
    fn unknown_options_go_to_the_host_untranslated_ones_are_refused() {
        let mem = crate::mem::testing::FlatMemory::new(0x1000, 16);
        assert_eq!(to_host(&mem, SOL_SOCKET, 999, &[1, 2, 3, 4]).unwrap(), [1, 2, 3, 4]);
        assert_eq!(to_host(&mem, SOL_IP, 16, &[0; 8]), Err(Errno::NOPROTOOPT));
        assert_eq!(to_host(&mem, SOL_TCP, 1, &1i32.to_le_bytes()).unwrap(), 1i32.to_le_bytes());
        assert_eq!(to_host(&mem, SOL_SOCKET, SO_ATTACH_FILTER, &[0; 4]), Err(Errno::INVAL));
    }
}
