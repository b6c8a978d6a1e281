//! Process creation and reaping constants: `CLONE_*` (linux/sched.h), the wait options and
//! `idtype_t` of linux/wait.h, and the exec limits of linux/binfmts.h. The same numbers on i386 and
//! x86-64.

use zerocopy::little_endian::U64;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The exit signal in the low byte of clone flags.
pub const CSIGNAL: u32 = 0xff;
pub const CLONE_VM: u32 = 0x100;
pub const CLONE_FS: u32 = 0x200;
pub const CLONE_FILES: u32 = 0x400;
pub const CLONE_SIGHAND: u32 = 0x800;
pub const CLONE_PIDFD: u32 = 0x1000;
pub const CLONE_PTRACE: u32 = 0x2000;
pub const CLONE_VFORK: u32 = 0x4000;
pub const CLONE_PARENT: u32 = 0x8000;
pub const CLONE_THREAD: u32 = 0x10000;
pub const CLONE_NEWNS: u32 = 0x20000;
pub const CLONE_SYSVSEM: u32 = 0x40000;
pub const CLONE_SETTLS: u32 = 0x80000;
pub const CLONE_PARENT_SETTID: u32 = 0x100000;
pub const CLONE_CHILD_CLEARTID: u32 = 0x200000;
pub const CLONE_DETACHED: u32 = 0x400000;
pub const CLONE_UNTRACED: u32 = 0x800000;
pub const CLONE_CHILD_SETTID: u32 = 0x1000000;
pub const CLONE_NEWCGROUP: u32 = 0x2000000;
pub const CLONE_NEWUTS: u32 = 0x4000000;
pub const CLONE_NEWIPC: u32 = 0x8000000;
pub const CLONE_NEWUSER: u32 = 0x10000000;
pub const CLONE_NEWPID: u32 = 0x20000000;
pub const CLONE_NEWNET: u32 = 0x40000000;
pub const CLONE_IO: u32 = 0x80000000;

/// Names for the tracer (the exit signal in the low byte shows as the leftover number).
pub const CLONE_NAMES: &[(u32, &str)] = &[
    (CLONE_VM, "CLONE_VM"),
    (CLONE_FS, "CLONE_FS"),
    (CLONE_FILES, "CLONE_FILES"),
    (CLONE_SIGHAND, "CLONE_SIGHAND"),
    (CLONE_PIDFD, "CLONE_PIDFD"),
    (CLONE_PTRACE, "CLONE_PTRACE"),
    (CLONE_VFORK, "CLONE_VFORK"),
    (CLONE_PARENT, "CLONE_PARENT"),
    (CLONE_THREAD, "CLONE_THREAD"),
    (CLONE_NEWNS, "CLONE_NEWNS"),
    (CLONE_SYSVSEM, "CLONE_SYSVSEM"),
    (CLONE_SETTLS, "CLONE_SETTLS"),
    (CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"),
    (CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"),
    (CLONE_DETACHED, "CLONE_DETACHED"),
    (CLONE_UNTRACED, "CLONE_UNTRACED"),
    (CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"),
    (CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
    (CLONE_NEWUTS, "CLONE_NEWUTS"),
    (CLONE_NEWIPC, "CLONE_NEWIPC"),
    (CLONE_NEWUSER, "CLONE_NEWUSER"),
    (CLONE_NEWPID, "CLONE_NEWPID"),
    (CLONE_NEWNET, "CLONE_NEWNET"),
    (CLONE_IO, "CLONE_IO"),
];

/// clone3(2)-only flags (the upper half of `struct clone_args`'s 64-bit `flags`).
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
/// The flags legacy clone(2) knows (CLONE_LEGACY_FLAGS), the base of what clone3 accepts.
pub const CLONE_LEGACY_FLAGS: u64 = 0xffff_ffff;
/// Deepest PID namespace nesting, the most `set_tid` entries (MAX_PID_NS_LEVEL).
pub const MAX_PID_NS_LEVEL: u64 = 32;
/// The sizes of the versions of `struct clone_args` (CLONE_ARGS_SIZE_VER0..2).
pub const CLONE_ARGS_SIZE_VER0: u32 = 64;
pub const CLONE_ARGS_SIZE_VER2: u32 = 88;

/// `struct clone_args` (linux/sched.h): every field 64 bits wide, pointers included, so the i386
/// layout is the x86-64 one.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct CloneArgs {
    pub flags: U64,
    pub pidfd: U64,
    pub child_tid: U64,
    pub parent_tid: U64,
    pub exit_signal: U64,
    pub stack: U64,
    pub stack_size: U64,
    pub tls: U64,
    pub set_tid: U64,
    pub set_tid_size: U64,
    pub cgroup: U64,
}
const _: () = assert!(size_of::<CloneArgs>() == CLONE_ARGS_SIZE_VER2 as usize);

pub const WNOHANG: u32 = 1;
pub const WUNTRACED: u32 = 2;
pub const WEXITED: u32 = 4;
pub const WCONTINUED: u32 = 8;
pub const WNOWAIT: u32 = 0x0100_0000;
pub const WNOTHREAD: u32 = 0x2000_0000;
pub const WALL: u32 = 0x4000_0000;
pub const WCLONE: u32 = 0x8000_0000;

pub const WAIT_NAMES: &[(u32, &str)] = &[
    (WNOHANG, "WNOHANG"),
    (WUNTRACED, "WUNTRACED"),
    (WEXITED, "WEXITED"),
    (WCONTINUED, "WCONTINUED"),
    (WNOWAIT, "WNOWAIT"),
    (WNOTHREAD, "__WNOTHREAD"),
    (WALL, "__WALL"),
    (WCLONE, "__WCLONE"),
];

/// waitid(2) `idtype_t`.
pub const IDTYPE_NAMES: &[(u32, &str)] = &[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")];

/// The flags execveat(2) takes.
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
pub const AT_EMPTY_PATH: u32 = 0x1000;
pub const EXECVEAT_NAMES: &[(u32, &str)] =
    &[(AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"), (AT_EMPTY_PATH, "AT_EMPTY_PATH")];

/// Longest single argument or environment string, NUL included (MAX_ARG_STRLEN, 32 pages).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Most argument or environment strings (MAX_ARG_STRINGS).
pub const MAX_ARG_STRINGS: u32 = 0x7fff_ffff;
/// The floor of the argument space whatever RLIMIT_STACK says (ARG_MAX, 32 pages).
pub const ARG_MAX: u64 = 32 * 4096;
/// _STK_LIM: the default stack limit, 3/4 of which caps the argument space.
pub const STK_LIM: u64 = 8 << 20;
/// The bytes of the start of a file a binary format looks at (BINPRM_BUF_SIZE).
pub const BINPRM_BUF_SIZE: usize = 256;
