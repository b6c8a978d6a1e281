//! Socket ABI at i386 layouts: the structs whose layout differs from x86-64 (pointers, `long`s and
//! `size_t`s are 4 bytes, and `u64` aligns to 4), and socketcall's argument table.
//!
//! Socket addresses themselves (`sockaddr_in`, `sockaddr_in6`, `sockaddr_un`, `sockaddr_nl`,
//! `sockaddr_ll`) have the same layout on every architecture and pass through unchanged.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// socketcall(2) subcall numbers (linux/net.h).
pub mod call {
    pub const SOCKET: u32 = 1;
    pub const BIND: u32 = 2;
    pub const CONNECT: u32 = 3;
    pub const LISTEN: u32 = 4;
    pub const ACCEPT: u32 = 5;
    pub const GETSOCKNAME: u32 = 6;
    pub const GETPEERNAME: u32 = 7;
    pub const SOCKETPAIR: u32 = 8;
    pub const SEND: u32 = 9;
    pub const RECV: u32 = 10;
    pub const SENDTO: u32 = 11;
    pub const RECVFROM: u32 = 12;
    pub const SHUTDOWN: u32 = 13;
    pub const SETSOCKOPT: u32 = 14;
    pub const GETSOCKOPT: u32 = 15;
    pub const SENDMSG: u32 = 16;
    pub const RECVMSG: u32 = 17;
    pub const ACCEPT4: u32 = 18;
    pub const RECVMMSG: u32 = 19;
    pub const SENDMMSG: u32 = 20;
}

/// Bytes of arguments each socketcall subcall copies in: net/socket.c `nargs[]`, where
/// `AL(n) = n * sizeof(unsigned long)`, 4 on i386. Index 0 is unused (call 0 is EINVAL).
pub const SOCKETCALL_NARGS: [u8; 21] =
    [0, 12, 12, 12, 8, 12, 12, 12, 16, 16, 16, 24, 24, 8, 20, 20, 12, 12, 16, 20, 16];

/// `struct iovec` on i386.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct IoVec {
    pub base: u32,
    pub len: u32,
}
const _: () = assert!(size_of::<IoVec>() == 8);

/// `struct msghdr` (`struct compat_msghdr`) on i386.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct MsgHdr {
    pub name: u32,
    pub namelen: u32,
    pub iov: u32,
    pub iovlen: u32,
    pub control: u32,
    pub controllen: u32,
    pub flags: u32,
}
const _: () = assert!(size_of::<MsgHdr>() == 28);

/// `struct mmsghdr` on i386.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct MMsgHdr {
    pub hdr: MsgHdr,
    pub len: u32,
}
const _: () = assert!(size_of::<MMsgHdr>() == 32);

/// `struct cmsghdr` on i386 (`cmsg_len` is a 4-byte `size_t`; data aligns to 4).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct CmsgHdr {
    pub len: u32,
    pub level: i32,
    pub kind: i32,
}
const _: () = assert!(size_of::<CmsgHdr>() == 12);

/// CMSG_ALIGN on i386.
pub const fn cmsg_align(len: usize) -> usize {
    (len + 3) & !3
}

/// `struct group_req` on i386: the sockaddr_storage follows the interface at offset 4 (8 on x86-64).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct GroupReq {
    pub interface: u32,
    pub group: [u8; 128],
}
const _: () = assert!(size_of::<GroupReq>() == 132);

/// `struct group_source_req` on i386.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct GroupSourceReq {
    pub interface: u32,
    pub group: [u8; 128],
    pub source: [u8; 128],
}
const _: () = assert!(size_of::<GroupSourceReq>() == 260);

/// `struct timeval` with 32-bit fields (SO_RCVTIMEO_OLD, SO_TIMESTAMP_OLD).
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Timeval32 {
    pub sec: i32,
    pub usec: i32,
}
const _: () = assert!(size_of::<Timeval32>() == 8);

/// `struct __kernel_sock_timeval` (SO_RCVTIMEO_NEW): 64-bit fields, packed to 4 on i386.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Timeval64 {
    pub sec: zerocopy::little_endian::I64,
    pub usec: zerocopy::little_endian::I64,
}
const _: () = assert!(size_of::<Timeval64>() == 16);

/// Address families and socket types (linux/socket.h, linux/net.h).
pub const AF_UNIX: u32 = 1;
pub const AF_INET: u32 = 2;
pub const AF_INET6: u32 = 10;
pub const AF_NETLINK: u32 = 16;
pub const AF_PACKET: u32 = 17;
pub const SOCK_NONBLOCK: u32 = 0o4000;
pub const SOCK_CLOEXEC: u32 = 0o2000000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nargs_is_the_kernel_table_in_bytes() {
        // AL(n) from net/socket.c, per call: the argument counts of each subcall's C prototype.
        let counts = [0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4];
        for (call, n) in counts.iter().enumerate() {
            assert_eq!(SOCKETCALL_NARGS[call], n * 4, "call {call}");
        }
        assert_eq!(SOCKETCALL_NARGS[call::RECVMMSG as usize], 20);
        assert_eq!(SOCKETCALL_NARGS[call::SENDMMSG as usize], 16);
    }
}
