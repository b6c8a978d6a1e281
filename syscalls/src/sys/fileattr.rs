//! file_getattr(2) and file_setattr(2) (Linux 6.17): a file's `FS_IOC_FSGETXATTR` attributes by
//! path. `struct file_attr` (a `__u64` and four `__u32`s, 24 bytes) has one layout everywhere, so the host reads and writes
//! the guest's struct in place (`size` bytes of it, up to a page: the host refuses a larger size,
//! E2BIG, and a smaller one than it knows, EINVAL, before it touches the struct).

use super::fs::{path, Follow};
use super::hostarg::dirfd;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::{fdcalls, inplace::InPlace};
use crate::mem::{Prot, PAGE_SIZE};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

const AT_SYMLINK_NOFOLLOW: u32 = 0x100;

/// The `AT_*` flags the two calls take.
const AT_FLAGS: &[(u32, &str)] = &[(AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"), (0x1000, "AT_EMPTY_PATH")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::file_getattr, file_getattr, [DirFd, Str, Ptr, Uint, Flags(AT_FLAGS)]),
    entry!(nr::file_setattr, file_setattr, [DirFd, Str, Ptr, Uint, Flags(AT_FLAGS)]),
];

/// One of the two calls on the host.
fn call(ctx: &Ctx, set: bool, a: &Args, access: Prot) -> SysResult {
    let follow = if a[4] & AT_SYMLINK_NOFOLLOW != 0 { Follow::No } else { Follow::Yes };
    let name = path(ctx, a[1], follow);
    let attr = InPlace::new(ctx.mem, a[2], (a[3] as usize).min(PAGE_SIZE as usize), access);
    Ok(fdcalls::file_attr(set, dirfd(a[0]) as i32, &name, attr, a[3], a[4])? as u32)
}

/// Implements file_getattr(2): the host's, writing the guest's struct.
fn file_getattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    call(ctx, false, a, Prot::WRITE)
}

/// Implements file_setattr(2): the host's, reading the guest's struct.
fn file_setattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    call(ctx, true, a, Prot::READ)
}
