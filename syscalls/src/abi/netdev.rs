//! Network-device ioctl ABI (linux/if.h, linux/sockios.h) at i386 layouts.
//!
//! `struct ifreq` is a 16-byte name and a union. The union holds a `struct ifmap` with two
//! `unsigned long`s, so it is 16 bytes on i386 (`struct compat_ifreq`, 32 in all) and 24 on x86-64
//! (40 in all). Every member but the map starts at offset 16 with the same bytes on both, so a
//! request other than SIOCGIFMAP/SIOCSIFMAP moves the guest's 32 bytes through a zeroed host ifreq.

use zerocopy::little_endian::{I32, U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `IFNAMSIZ`.
pub const IFNAMSIZ: usize = 16;
/// `sizeof(struct ifreq)` on the host.
pub const HOST_IFREQ_SIZE: usize = 40;

/// `struct compat_ifreq`: the name and the first 16 bytes of the union.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Ifreq32 {
    pub name: [u8; IFNAMSIZ],
    pub ifru: [u8; 16],
}
const _: () = assert!(size_of::<Ifreq32>() == 32);

/// `struct compat_ifmap` (include/net/compat.h), at offset 16 of a `compat_ifreq`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct IfMap32 {
    pub mem_start: U32,
    pub mem_end: U32,
    pub base_addr: U16,
    pub irq: u8,
    pub dma: u8,
    pub port: u8,
    pub pad: [u8; 3],
}
const _: () = assert!(size_of::<IfMap32>() == 16);

/// `struct ifmap` on x86-64.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct IfMap64 {
    pub mem_start: u64,
    pub mem_end: u64,
    pub base_addr: u16,
    pub irq: u8,
    pub dma: u8,
    pub port: u8,
    pub pad: [u8; 3],
}
const _: () = assert!(size_of::<IfMap64>() == 24);

/// `struct compat_ifconf`: a length and a buffer pointer.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Ifconf32 {
    pub len: I32,
    pub buf: U32,
}
const _: () = assert!(size_of::<Ifconf32>() == 8);

/// `SOCK_IOC_TYPE`: the `_IOC_TYPE` of every socket ioctl.
pub const SOCK_IOC_TYPE: u32 = 0x89;

/// Socket ioctl requests (linux/sockios.h, asm/sockios.h).
pub const FIOSETOWN: u32 = 0x8901;
pub const SIOCSPGRP: u32 = 0x8902;
pub const FIOGETOWN: u32 = 0x8903;
pub const SIOCGPGRP: u32 = 0x8904;
pub const SIOCATMARK: u32 = 0x8905;
pub const SIOCGSTAMP_OLD: u32 = 0x8906;
pub const SIOCGSTAMPNS_OLD: u32 = 0x8907;
/// `_IOR(0x89, 6, long long[2])` and `_IOR(0x89, 7, long long[2])`: 64-bit time on every ABI.
pub const SIOCGSTAMP_NEW: u32 = 0x8010_8906;
pub const SIOCGSTAMPNS_NEW: u32 = 0x8010_8907;
pub const SIOCGIFNAME: u32 = 0x8910;
pub const SIOCSIFLINK: u32 = 0x8911;
pub const SIOCGIFCONF: u32 = 0x8912;
pub const SIOCGIFFLAGS: u32 = 0x8913;
pub const SIOCSIFFLAGS: u32 = 0x8914;
pub const SIOCGIFADDR: u32 = 0x8915;
pub const SIOCSIFADDR: u32 = 0x8916;
pub const SIOCGIFDSTADDR: u32 = 0x8917;
pub const SIOCSIFDSTADDR: u32 = 0x8918;
pub const SIOCGIFBRDADDR: u32 = 0x8919;
pub const SIOCSIFBRDADDR: u32 = 0x891a;
pub const SIOCGIFNETMASK: u32 = 0x891b;
pub const SIOCSIFNETMASK: u32 = 0x891c;
pub const SIOCGIFMETRIC: u32 = 0x891d;
pub const SIOCSIFMETRIC: u32 = 0x891e;
pub const SIOCGIFMEM: u32 = 0x891f;
pub const SIOCSIFMEM: u32 = 0x8920;
pub const SIOCGIFMTU: u32 = 0x8921;
pub const SIOCSIFMTU: u32 = 0x8922;
pub const SIOCSIFNAME: u32 = 0x8923;
pub const SIOCSIFHWADDR: u32 = 0x8924;
pub const SIOCGIFENCAP: u32 = 0x8925;
pub const SIOCSIFENCAP: u32 = 0x8926;
pub const SIOCGIFHWADDR: u32 = 0x8927;
pub const SIOCGIFSLAVE: u32 = 0x8929;
pub const SIOCSIFSLAVE: u32 = 0x8930;
pub const SIOCADDMULTI: u32 = 0x8931;
pub const SIOCDELMULTI: u32 = 0x8932;
pub const SIOCGIFINDEX: u32 = 0x8933;
pub const SIOCSIFPFLAGS: u32 = 0x8934;
pub const SIOCGIFPFLAGS: u32 = 0x8935;
pub const SIOCDIFADDR: u32 = 0x8936;
pub const SIOCSIFHWBROADCAST: u32 = 0x8937;
pub const SIOCGIFCOUNT: u32 = 0x8938;
pub const SIOCGIFTXQLEN: u32 = 0x8942;
pub const SIOCSIFTXQLEN: u32 = 0x8943;
pub const SIOCOUTQNSD: u32 = 0x894b;
pub const SIOCDARP: u32 = 0x8953;
pub const SIOCGARP: u32 = 0x8954;
pub const SIOCSARP: u32 = 0x8955;
pub const SIOCGIFMAP: u32 = 0x8970;
pub const SIOCSIFMAP: u32 = 0x8971;
pub const SIOCBONDENSLAVE: u32 = 0x8990;
pub const SIOCBONDRELEASE: u32 = 0x8991;
pub const SIOCBONDSETHWADDR: u32 = 0x8992;
pub const SIOCBONDCHANGEACTIVE: u32 = 0x8995;
pub const SIOCBRADDIF: u32 = 0x89a2;
pub const SIOCBRDELIF: u32 = 0x89a3;
pub const SIOCGMIIPHY: u32 = 0x8947;
pub const SIOCGMIIREG: u32 = 0x8948;
pub const SIOCSMIIREG: u32 = 0x8949;

/// `sizeof(struct arpreq)`: three sockaddrs, an int and a 16-byte name, the same on both.
pub const ARPREQ_SIZE: usize = 68;
