//! System administration calls that act on the whole host, as the kernel's would for the process:
//! acct(2), swapon(2), swapoff(2), reboot(2), vhangup(2), sysfs(2), ustat(2) and stime(2).
//!
//! The host decides privilege and order (a guest is its host process, with its credentials), so
//! these are forwards: paths and strings are read from guest memory (a fault reaches the host as
//! an address it answers EFAULT for, in its own order), and the two structs that differ on i386
//! are converted as the kernel's compat entry points convert them (compat_sys_ustat(),
//! sys_stime32()). Nothing here is emulated: a root guest that calls reboot(2) with the magic
//! numbers reboots the host, as it would natively.

use super::fs::{path, Follow};
use super::hostarg::HostStr;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::admin::{self, HostUstat, LINUX_REBOOT_CMD_RESTART2};
use crate::mem::{GuestMemoryExt, PATH_MAX};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;
use zerocopy::little_endian::{I32, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// swapon(2)'s flags (linux/swap.h).
const SWAP_FLAGS: &[(u32, &str)] = &[(0x8000, "SWAP_FLAG_PREFER"), (0x10000, "SWAP_FLAG_DISCARD")];

/// reboot(2)'s commands (linux/reboot.h).
const REBOOT_CMDS: &[(u32, &str)] = &[
    (0x0123_4567, "LINUX_REBOOT_CMD_RESTART"),
    (0xCDEF_0123, "LINUX_REBOOT_CMD_HALT"),
    (0x89AB_CDEF, "LINUX_REBOOT_CMD_CAD_ON"),
    (0x0000_0000, "LINUX_REBOOT_CMD_CAD_OFF"),
    (0x4321_FEDC, "LINUX_REBOOT_CMD_POWER_OFF"),
    (LINUX_REBOOT_CMD_RESTART2, "LINUX_REBOOT_CMD_RESTART2"),
    (0xD000_FCE2, "LINUX_REBOOT_CMD_SW_SUSPEND"),
    (0x4558_4543, "LINUX_REBOOT_CMD_KEXEC"),
];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::acct, acct, [Str]),
    entry!(nr::swapon, swapon, [Str, Flags(SWAP_FLAGS)]),
    entry!(nr::swapoff, swapoff, [Str]),
    entry!(nr::reboot, reboot, [Hex, Hex, Enum(REBOOT_CMDS), Ptr]),
    entry!(nr::vhangup, vhangup, []),
    entry!(nr::sysfs, sysfs, [Int, Hex, Hex]),
    entry!(nr::ustat, ustat, [Hex, Ptr]),
    entry!(nr::stime, stime, [Ptr]),
];

/// Implements acct(2): the host's (CAP_SYS_PACCT, then the path; NULL turns accounting off).
fn acct(ctx: &mut Ctx, a: &Args) -> SysResult {
    let name = path(ctx, a[0], Follow::Yes);
    Ok(admin::acct(&name)? as u32)
}

/// Implements swapon(2): the host's (CAP_SYS_ADMIN, then flags, then the path: mm/swapfile.c).
fn swapon(ctx: &mut Ctx, a: &Args) -> SysResult {
    let name = path(ctx, a[0], Follow::Yes);
    Ok(admin::swapon(&name, a[1] as i32)? as u32)
}

/// Implements swapoff(2): the host's.
fn swapoff(ctx: &mut Ctx, a: &Args) -> SysResult {
    let name = path(ctx, a[0], Follow::Yes);
    Ok(admin::swapoff(&name)? as u32)
}

/// Implements reboot(2): the host's (CAP_SYS_BOOT, then the magic numbers, then the command, in
/// kernel/reboot.c's order); LINUX_REBOOT_CMD_RESTART2's string is read for it, and every other
/// command's argument is unused.
fn reboot(ctx: &mut Ctx, a: &Args) -> SysResult {
    let arg = HostStr::read(ctx.mem, a[3], 255);
    Ok(admin::reboot(a[0] as i32, a[1] as i32, a[2], &arg)? as u32)
}

/// Implements vhangup(2): the host's, on the controlling terminal the guest shares with it.
fn vhangup(_: &mut Ctx, _: &Args) -> SysResult {
    Ok(admin::vhangup()? as u32)
}

/// Implements sysfs(2) (fs/filesystems.c): option 1 looks a name up (read as getname() reads it),
/// option 2 writes the name of file system `arg1` (strlen + 1 bytes, copied out after the host
/// found it, as fs_name() copies), option 3 counts; anything else is EINVAL.
fn sysfs(ctx: &mut Ctx, a: &Args) -> SysResult {
    match a[0] {
        1 => {
            let name = HostStr::read(ctx.mem, a[1], PATH_MAX - 1);
            Ok(admin::sysfs_index(&name)? as u32)
        }
        2 => {
            let mut name = [0u8; 256];
            admin::sysfs_name(libc::c_ulong::from(a[1]), &mut name)?;
            let len = name.iter().position(|&b| b == 0).unwrap_or(name.len() - 1) + 1;
            ctx.mem.write(a[2], &name[..len])?;
            Ok(0)
        }
        option => Ok(admin::sysfs_other(option as i32)? as u32),
    }
}

/// `struct compat_ustat` (include/linux/compat.h), as an i386 task sees `struct ustat`.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Ustat32 {
    f_tfree: I32,
    f_tinode: U32,
    f_fname: [u8; 6],
    f_fpack: [u8; 6],
}
const _: () = assert!(size_of::<Ustat32>() == 20);

/// Implements ustat(2) as compat_sys_ustat() does: the host's vfs_ustat() answer (EINVAL for
/// a device with no mounted file system), then the 20-byte i386 struct with the free inodes cut to 32 bits, EFAULT last.
fn ustat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut host = HostUstat::default();
    admin::ustat(a[0], &mut host)?;
    let out = Ustat32 { f_tfree: host.f_tfree.into(), f_tinode: (host.f_tinode as u32).into(), ..Default::default() };
    ctx.mem.write_obj(a[1], &out)?;
    Ok(0)
}

/// Implements stime(2) as sys_stime32() (kernel/time/time.c) does: the 32-bit seconds read
/// (EFAULT), the privilege check security_settime64() makes (here the host's settimeofday(NULL,
/// NULL), which checks CAP_SYS_TIME and changes nothing), then the clock set with the nanoseconds
/// at 0; like the kernel, whatever setting the clock answers is not the caller's.
fn stime(ctx: &mut Ctx, a: &Args) -> SysResult {
    let secs = ctx.mem.read_u32(a[0])? as i32;
    admin::may_set_time()?;
    // do_settimeofday64()'s error is dropped by sys_stime32() too.
    let _ = admin::set_realtime(i64::from(secs));
    Ok(0)
}
