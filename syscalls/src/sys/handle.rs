//! File handles: name_to_handle_at(2) and open_by_handle_at(2).
//!
//! `struct file_handle` (`__u32 handle_bytes; int handle_type; unsigned char f_handle[]`) has one
//! layout everywhere, and the mount id is an `int` (a `__u64` with AT_HANDLE_MNT_ID_UNIQUE), so
//! the host reads and writes the guest's structs in place: the header, then as many handle bytes
//! as its `handle_bytes` says (at most MAX_HANDLE_SZ; the host refuses more, EINVAL, before it
//! touches them). Paths are read as every path call reads them, fds are the guest's.

use super::fs::{path, Follow};
use super::hostarg::dirfd;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::{fdcalls, inplace::InPlace};
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

/// name_to_handle_at(2)'s flags (linux/fcntl.h).
const HANDLE_FLAGS: &[(u32, &str)] = &[
    (0x1, "AT_HANDLE_MNT_ID_UNIQUE"),
    (0x2, "AT_HANDLE_CONNECTABLE"),
    (0x200, "AT_HANDLE_FID"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x1000, "AT_EMPTY_PATH"),
];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::name_to_handle_at, name_to_handle_at, [DirFd, Str, Ptr, Ptr, Flags(HANDLE_FLAGS)]),
    entry!(nr::open_by_handle_at, open_by_handle_at, [DirFd, Ptr, OpenFlags]),
];

/// `MAX_HANDLE_SZ` (linux/exportfs.h).
const MAX_HANDLE_SZ: usize = 128;
const AT_HANDLE_MNT_ID_UNIQUE: u32 = 0x1;
const AT_SYMLINK_FOLLOW: u32 = 0x400;

/// A guest `struct file_handle` in place, as the host will use it.
fn handle(ctx: &Ctx, addr: u32, access: Prot) -> InPlace {
    let bytes = ctx.mem.read_u32(addr).map_or(0, |n| (n as usize).min(MAX_HANDLE_SZ));
    InPlace::new(ctx.mem, addr, 8 + bytes, access)
}

/// Implements name_to_handle_at(2): the host's do_sys_name_to_handle() (flags, the path, then the
/// handle's header and bytes) on the guest's structs.
fn name_to_handle_at(ctx: &mut Ctx, a: &Args) -> SysResult {
    let follow = if a[4] & AT_SYMLINK_FOLLOW != 0 { Follow::Yes } else { Follow::No };
    let name = path(ctx, a[1], follow);
    let fh = handle(ctx, a[2], Prot::READ | Prot::WRITE);
    let id_len = if a[4] & AT_HANDLE_MNT_ID_UNIQUE != 0 { 8 } else { 4 };
    let mnt_id = InPlace::new(ctx.mem, a[3], id_len, Prot::WRITE);
    Ok(fdcalls::name_to_handle_at(dirfd(a[0]) as i32, &name, fh, mnt_id, a[4] as i32)? as u32)
}

/// Implements open_by_handle_at(2): the host's (CAP_DAC_READ_SEARCH, the handle, then the open),
/// the new fd the guest's. Not exact: the host's 64-bit call forces O_LARGEFILE into the new
/// file's flags, which compat_sys_open_by_handle_at() does not, so F_GETFL shows it.
fn open_by_handle_at(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fh = handle(ctx, a[1], Prot::READ);
    let fd = fdcalls::open_by_handle_at(dirfd(a[0]) as i32, fh, a[2] as i32)?;
    Ok(super::fd::new_guest_fd(fd as i32)?)
}
