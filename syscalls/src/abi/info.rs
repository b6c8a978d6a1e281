//! System-information structs as the i386 guest lays them out: the three generations of
//! `struct utsname`, `struct compat_sysinfo`, `struct rlimit` (32-bit fields) and
//! `struct rlimit64`.

use zerocopy::little_endian::{I32, U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `__NEW_UTS_LEN + 1`: each field of `struct new_utsname` / `struct old_utsname`.
pub const UTS_FIELD: usize = 65;
/// `__OLD_UTS_LEN + 1`: each field of `struct oldold_utsname`.
pub const OLD_UTS_FIELD: usize = 9;

/// `struct new_utsname` (linux/utsname.h): sysname, nodename, release, version, machine,
/// domainname. What uname(2) (nr 122) fills.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct NewUtsname {
    pub fields: [[u8; UTS_FIELD]; 6],
}
const _: () = assert!(size_of::<NewUtsname>() == 390);

/// `struct old_utsname`: the first five fields of `new_utsname` (olduname, nr 109).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct OldUtsname {
    pub fields: [[u8; UTS_FIELD]; 5],
}
const _: () = assert!(size_of::<OldUtsname>() == 325);

/// `struct oldold_utsname`: five 9-byte fields (oldolduname, nr 59).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct OldOldUtsname {
    pub fields: [[u8; OLD_UTS_FIELD]; 5],
}
const _: () = assert!(size_of::<OldOldUtsname>() == 45);

/// `struct compat_sysinfo` (kernel/sys.c): sysinfo(2) for a 32-bit caller.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Sysinfo32 {
    pub uptime: I32,
    pub loads: [U32; 3],
    pub totalram: U32,
    pub freeram: U32,
    pub sharedram: U32,
    pub bufferram: U32,
    pub totalswap: U32,
    pub freeswap: U32,
    pub procs: U16,
    pub pad: U16,
    pub totalhigh: U32,
    pub freehigh: U32,
    pub mem_unit: U32,
    pub f: [u8; 8],
}
const _: () = assert!(size_of::<Sysinfo32>() == 64);

/// `struct compat_rlimit` (linux/compat.h): 32-bit limits, `COMPAT_RLIM_INFINITY` is 0xffffffff.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Rlimit32 {
    pub rlim_cur: U32,
    pub rlim_max: U32,
}
const _: () = assert!(size_of::<Rlimit32>() == 8);

/// `struct rlimit64` (linux/resource.h): the prlimit64(2) layout, the same on every ABI.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Rlimit64 {
    pub rlim_cur: U64,
    pub rlim_max: U64,
}
const _: () = assert!(size_of::<Rlimit64>() == 16);

/// `COMPAT_RLIM_INFINITY`.
pub const RLIM32_INFINITY: u32 = 0xffff_ffff;
/// The clamp of the old getrlimit(2) (nr 76): `compat_sys_old_getrlimit` caps at `0x7fffffff`.
pub const OLD_RLIM_MAX: u64 = 0x7fff_ffff;

/// `RLIMIT_*` (asm-generic/resource.h), as the tracer names them.
pub const RLIMIT_NAMES: &[(u32, &str)] = &[
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
];
/// `RLIM_NLIMITS`.
pub const RLIM_NLIMITS: u32 = 16;

/// getrandom(2) flags (linux/random.h).
pub const GRND_NONBLOCK: u32 = 1;
pub const GRND_RANDOM: u32 = 2;
pub const GRND_INSECURE: u32 = 4;
pub const GRND_NAMES: &[(u32, &str)] =
    &[(GRND_NONBLOCK, "GRND_NONBLOCK"), (GRND_RANDOM, "GRND_RANDOM"), (GRND_INSECURE, "GRND_INSECURE")];

/// prctl(2) options (linux/prctl.h) that emu386 forwards or answers.
pub mod pr {
    pub const SET_PDEATHSIG: u32 = 1;
    pub const GET_PDEATHSIG: u32 = 2;
    pub const GET_DUMPABLE: u32 = 3;
    pub const SET_DUMPABLE: u32 = 4;
    pub const GET_KEEPCAPS: u32 = 7;
    pub const SET_KEEPCAPS: u32 = 8;
    pub const GET_TIMING: u32 = 13;
    pub const SET_TIMING: u32 = 14;
    pub const SET_NAME: u32 = 15;
    pub const GET_NAME: u32 = 16;
    pub const GET_SECCOMP: u32 = 21;
    pub const SET_SECCOMP: u32 = 22;
    pub const CAPBSET_READ: u32 = 23;
    pub const CAPBSET_DROP: u32 = 24;
    pub const GET_TSC: u32 = 25;
    pub const GET_SECUREBITS: u32 = 27;
    pub const SET_SECUREBITS: u32 = 28;
    pub const SET_TIMERSLACK: u32 = 29;
    pub const GET_TIMERSLACK: u32 = 30;
    pub const TASK_PERF_EVENTS_DISABLE: u32 = 31;
    pub const TASK_PERF_EVENTS_ENABLE: u32 = 32;
    pub const MCE_KILL: u32 = 33;
    pub const MCE_KILL_GET: u32 = 34;
    pub const SET_CHILD_SUBREAPER: u32 = 36;
    pub const GET_CHILD_SUBREAPER: u32 = 37;
    pub const SET_NO_NEW_PRIVS: u32 = 38;
    pub const GET_NO_NEW_PRIVS: u32 = 39;
    pub const SET_THP_DISABLE: u32 = 41;
    pub const GET_THP_DISABLE: u32 = 42;
    pub const CAP_AMBIENT: u32 = 47;
    pub const GET_SPECULATION_CTRL: u32 = 52;
    pub const SET_SPECULATION_CTRL: u32 = 53;
    pub const SET_IO_FLUSHER: u32 = 57;
    pub const GET_IO_FLUSHER: u32 = 58;
    /// `TASK_COMM_LEN`: PR_GET_NAME writes this many bytes.
    pub const TASK_COMM_LEN: usize = 16;
}
