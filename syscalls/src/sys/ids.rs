//! User and group ids (32-bit, and the 16-bit originals of kernel/uid16.c), supplementary groups,
//! process groups and sessions.
//!
//! The host answers (guest ids are the emulator process's own); 16-bit ids are mapped to
//! `overflowuid`/`overflowgid` as the kernel maps them. Id changes are made with the raw
//! per-thread syscalls, as the guest's libc expects (it broadcasts to its other threads itself).

use super::hostarg::{call, int, uint};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::ids as hostids;
use crate::mem::{GuestAddr, GuestMemoryExt};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::c_long;
use std::sync::OnceLock;
use zerocopy::little_endian::U16;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::getuid32, getuid32, []),
    entry!(nr::geteuid32, geteuid32, []),
    entry!(nr::getgid32, getgid32, []),
    entry!(nr::getegid32, getegid32, []),
    entry!(nr::getresuid32, getresuid32, [Ptr, Ptr, Ptr]),
    entry!(nr::getresgid32, getresgid32, [Ptr, Ptr, Ptr]),
    entry!(nr::getgroups32, getgroups32, [Int, Ptr]),
    entry!(nr::setgroups32, setgroups32, [Int, Ptr]),
    entry!(nr::setuid32, setuid32, [Int]),
    entry!(nr::setgid32, setgid32, [Int]),
    entry!(nr::setreuid32, setreuid32, [Int, Int]),
    entry!(nr::setregid32, setregid32, [Int, Int]),
    entry!(nr::setresuid32, setresuid32, [Int, Int, Int]),
    entry!(nr::setresgid32, setresgid32, [Int, Int, Int]),
    entry!(nr::setfsuid32, setfsuid32, [Int]),
    entry!(nr::setfsgid32, setfsgid32, [Int]),
    entry!(nr::getuid, getuid16, []),
    entry!(nr::geteuid, geteuid16, []),
    entry!(nr::getgid, getgid16, []),
    entry!(nr::getegid, getegid16, []),
    entry!(nr::getresuid, getresuid16, [Ptr, Ptr, Ptr]),
    entry!(nr::getresgid, getresgid16, [Ptr, Ptr, Ptr]),
    entry!(nr::getgroups, getgroups16, [Int, Ptr]),
    entry!(nr::setgroups, setgroups16, [Int, Ptr]),
    entry!(nr::setuid, setuid16, [Int]),
    entry!(nr::setgid, setgid16, [Int]),
    entry!(nr::setreuid, setreuid16, [Int, Int]),
    entry!(nr::setregid, setregid16, [Int, Int]),
    entry!(nr::setresuid, setresuid16, [Int, Int, Int]),
    entry!(nr::setresgid, setresgid16, [Int, Int, Int]),
    entry!(nr::setfsuid, setfsuid16, [Int]),
    entry!(nr::setfsgid, setfsgid16, [Int]),
    entry!(nr::getpgrp, getpgrp, []),
    entry!(nr::getpgid, getpgid, [Int]),
    entry!(nr::getsid, getsid, [Int]),
];

/// `NGROUPS_MAX`.
const NGROUPS_MAX: u32 = 65536;

/// Implements getgroups(2) for both id widths (groups_to_user / groups16_to_user).
fn getgroups_as(ctx: &mut Ctx, a: &Args, wide: bool) -> SysResult {
    let size = a[0] as i32;
    if size < 0 {
        return Err(Errno::INVAL.into());
    }
    let groups = hostids::getgroups()?;
    let n = u32::try_from(groups.len()).map_err(|_| Errno::INVAL)?;
    if size != 0 {
        if n > size as u32 {
            return Err(Errno::INVAL.into());
        }
        let list = GuestAddr::new(a[1]);
        for (i, g) in (0u32..).zip(groups) {
            if wide {
                ctx.mem.write_u32(list.index::<u32>(i)?, g)?;
            } else {
                ctx.mem.write_obj(list.index::<U16>(i)?, &U16::new(high2low(g, overflowgid())))?;
            }
        }
    }
    Ok(n)
}

/// Implements setgroups(2) for both id widths. Whenever the list cannot be read (too long, bad
/// pointer), the host is asked with NULL so that its earlier checks (EPERM without CAP_SETGID,
/// then EINVAL) come first, as in the kernel.
fn setgroups_as(ctx: &mut Ctx, a: &Args, wide: bool) -> SysResult {
    let size = a[0];
    let read = || -> Result<Vec<u32>, Errno> {
        if size > NGROUPS_MAX {
            return Err(Errno::INVAL);
        }
        let width = if wide { 4 } else { 2 };
        let bytes = ctx.mem.slice(a[1], size as usize * width)?;
        Ok(if wide {
            bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        } else {
            bytes.chunks_exact(2).map(|c| low2high(u16::from_le_bytes([c[0], c[1]]))).collect()
        })
    };
    // The list unread: no list (the host answers an error, never success, as size > 0 here or
    // the read could not have failed).
    hostids::setgroups(int(size), read().ok().as_deref())?;
    Ok(0)
}

/// `/proc/sys/kernel/overflow{u,g}id`: what a 16-bit id call answers for an id above 65535.
fn overflow_id(which: &str, cell: &'static OnceLock<u16>) -> u16 {
    *cell.get_or_init(|| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{which}"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(65534)
    })
}

fn overflowuid() -> u16 {
    static C: OnceLock<u16> = OnceLock::new();
    overflow_id("overflowuid", &C)
}

fn overflowgid() -> u16 {
    static C: OnceLock<u16> = OnceLock::new();
    overflow_id("overflowgid", &C)
}

/// high2lowuid(): an id that does not fit 16 bits becomes the overflow id.
fn high2low(id: u32, overflow: u16) -> u16 {
    u16::try_from(id).unwrap_or(overflow)
}

/// low2highuid(): the 16-bit -1 ("unchanged") stays -1.
fn low2high(id: u16) -> u32 {
    if id == u16::MAX {
        u32::MAX
    } else {
        u32::from(id)
    }
}

/// A 16-bit id argument as the 32-bit id the kernel uses (`old_uid_t` is the low 16 bits).
fn id16(v: u32) -> c_long {
    c_long::from(low2high(v as u16))
}

/// getres[ug]id for either width: the three ids are stored one after the other.
fn getres_as(ctx: &mut Ctx, a: &Args, group: bool, wide: Option<u16>) -> SysResult {
    let ids = hostids::getres(group)?;
    for (addr, id) in a.iter().zip(ids) {
        match wide {
            None => ctx.mem.write_u32(*addr, id)?,
            Some(overflow) => ctx.mem.write_obj(*addr, &U16::new(high2low(id, overflow)))?,
        }
    }
    Ok(0)
}

/// Implements getuid32(2).
fn getuid32(_: &mut Ctx, _: &Args) -> SysResult {
    call(libc::SYS_getuid, [0; 3])
}
/// Implements geteuid32(2).
fn geteuid32(_: &mut Ctx, _: &Args) -> SysResult {
    call(libc::SYS_geteuid, [0; 3])
}
/// Implements getgid32(2).
fn getgid32(_: &mut Ctx, _: &Args) -> SysResult {
    call(libc::SYS_getgid, [0; 3])
}
/// Implements getegid32(2).
fn getegid32(_: &mut Ctx, _: &Args) -> SysResult {
    call(libc::SYS_getegid, [0; 3])
}
/// Implements getresuid32(2).
fn getresuid32(ctx: &mut Ctx, a: &Args) -> SysResult {
    getres_as(ctx, a, false, None)
}
/// Implements getresgid32(2).
fn getresgid32(ctx: &mut Ctx, a: &Args) -> SysResult {
    getres_as(ctx, a, true, None)
}
/// Implements getgroups32(2).
fn getgroups32(ctx: &mut Ctx, a: &Args) -> SysResult {
    getgroups_as(ctx, a, true)
}
/// Implements setgroups32(2).
fn setgroups32(ctx: &mut Ctx, a: &Args) -> SysResult {
    setgroups_as(ctx, a, true)
}
/// Implements setuid32(2).
fn setuid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setuid, [uint(a[0]), 0, 0])
}
/// Implements setgid32(2).
fn setgid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setgid, [uint(a[0]), 0, 0])
}
/// Implements setreuid32(2).
fn setreuid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setreuid, [uint(a[0]), uint(a[1]), 0])
}
/// Implements setregid32(2).
fn setregid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setregid, [uint(a[0]), uint(a[1]), 0])
}
/// Implements setresuid32(2).
fn setresuid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setresuid, [uint(a[0]), uint(a[1]), uint(a[2])])
}
/// Implements setresgid32(2).
fn setresgid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setresgid, [uint(a[0]), uint(a[1]), uint(a[2])])
}
/// Implements setfsuid32(2): answers the previous fsuid, never an error.
fn setfsuid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setfsuid, [uint(a[0]), 0, 0])
}
/// Implements setfsgid32(2).
fn setfsgid32(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setfsgid, [uint(a[0]), 0, 0])
}

/// Implements getuid(2) with 16-bit ids (sys_getuid16).
fn getuid16(ctx: &mut Ctx, a: &Args) -> SysResult {
    Ok(high2low(getuid32(ctx, a)?, overflowuid()).into())
}
/// Implements geteuid(2) with 16-bit ids.
fn geteuid16(ctx: &mut Ctx, a: &Args) -> SysResult {
    Ok(high2low(geteuid32(ctx, a)?, overflowuid()).into())
}
/// Implements getgid(2) with 16-bit ids.
fn getgid16(ctx: &mut Ctx, a: &Args) -> SysResult {
    Ok(high2low(getgid32(ctx, a)?, overflowgid()).into())
}
/// Implements getegid(2) with 16-bit ids.
fn getegid16(ctx: &mut Ctx, a: &Args) -> SysResult {
    Ok(high2low(getegid32(ctx, a)?, overflowgid()).into())
}
/// Implements getresuid(2) with 16-bit ids.
fn getresuid16(ctx: &mut Ctx, a: &Args) -> SysResult {
    getres_as(ctx, a, false, Some(overflowuid()))
}
/// Implements getresgid(2) with 16-bit ids.
fn getresgid16(ctx: &mut Ctx, a: &Args) -> SysResult {
    getres_as(ctx, a, true, Some(overflowgid()))
}
/// Implements getgroups(2) with 16-bit ids.
fn getgroups16(ctx: &mut Ctx, a: &Args) -> SysResult {
    getgroups_as(ctx, a, false)
}
/// Implements setgroups(2) with 16-bit ids.
fn setgroups16(ctx: &mut Ctx, a: &Args) -> SysResult {
    setgroups_as(ctx, a, false)
}
/// Implements setuid(2) with a 16-bit id.
fn setuid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setuid, [id16(a[0]), 0, 0])
}
/// Implements setgid(2) with a 16-bit id.
fn setgid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setgid, [id16(a[0]), 0, 0])
}
/// Implements setreuid(2) with 16-bit ids.
fn setreuid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setreuid, [id16(a[0]), id16(a[1]), 0])
}
/// Implements setregid(2) with 16-bit ids.
fn setregid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setregid, [id16(a[0]), id16(a[1]), 0])
}
/// Implements setresuid(2) with 16-bit ids.
fn setresuid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setresuid, [id16(a[0]), id16(a[1]), id16(a[2])])
}
/// Implements setresgid(2) with 16-bit ids.
fn setresgid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setresgid, [id16(a[0]), id16(a[1]), id16(a[2])])
}
/// Implements setfsuid(2) with a 16-bit id: the previous fsuid comes back unconverted
/// (sys_setfsuid16 returns __sys_setfsuid()'s 32-bit value).
fn setfsuid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setfsuid, [id16(a[0]), 0, 0])
}
/// Implements setfsgid(2) with a 16-bit id.
fn setfsgid16(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_setfsgid, [id16(a[0]), 0, 0])
}

/// Implements getpgrp(2).
fn getpgrp(_: &mut Ctx, _: &Args) -> SysResult {
    call(libc::SYS_getpgid, [0; 3])
}
/// Implements getpgid(2).
fn getpgid(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_getpgid, [int(a[0]), 0, 0])
}
/// Implements getsid(2).
fn getsid(_: &mut Ctx, a: &Args) -> SysResult {
    call(libc::SYS_getsid, [int(a[0]), 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_ids_overflow_and_keep_minus_one() {
        assert_eq!(high2low(70000, 65534), 65534);
        assert_eq!(high2low(1000, 65534), 1000);
        assert_eq!(low2high(0xffff), u32::MAX);
        assert_eq!(id16(0x1_0005), 5);
    }
}
