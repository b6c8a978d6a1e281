//! Mounts: mount(2), umount(2), umount2(2), pivot_root(2) and the new mount API (fsopen(2),
//! fsconfig(2), fsmount(2), move_mount(2), open_tree(2), fspick(2), mount_setattr(2)).
//!
//! All of them act on the host's mount table, as the kernel's would for the process: the host
//! decides privilege and order. What is translated: strings and paths are read from guest memory
//! (a fault becomes an address the host answers EFAULT for, so it comes in the host's order),
//! fds are the guest's, mount(2)'s data page is copied as copy_mount_options() copies it (what is
//! readable of one page), and fsconfig(2)'s value is what its command says it is.

use super::fd::{host_fd, new_guest_fd};
use super::fs::{path, Follow, HostPath};
use crate::abi::nr;
use crate::entry;
use crate::hostcall::mount::{self, Bytes, FsValue};
use crate::hostcall::{inplace::InPlace, opentree, process};
use crate::mem::{GuestMemory, Prot, PAGE_SIZE};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;
use libc::c_long;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::mount, mount, [Str, Str, Str, Hex, Ptr]),
    entry!(nr::umount, umount, [Str]),
    entry!(nr::umount2, umount2, [Str, Hex]),
    entry!(nr::pivot_root, pivot_root, [Str, Str]),
    entry!(nr::fsopen, fsopen, [Str, Hex]),
    entry!(nr::fsconfig, fsconfig, [Fd, Int, Ptr, Ptr, Int]),
    entry!(nr::fsmount, fsmount, [Fd, Hex, Hex]),
    entry!(nr::move_mount, move_mount, [DirFd, Str, DirFd, Str, Hex]),
    entry!(nr::open_tree, open_tree, [DirFd, Str, Hex]),
    entry!(nr::open_tree_attr, open_tree_attr, [DirFd, Str, Hex, Ptr, Uint]),
    entry!(nr::fspick, fspick, [DirFd, Str, Hex]),
    entry!(nr::mount_setattr, mount_setattr, [DirFd, Str, Hex, Ptr, Uint]),
    entry!(nr::statmount, statmount, [Ptr, Ptr, Uint, Hex]),
    entry!(nr::listmount, listmount, [Ptr, Ptr, Uint, Hex]),
];

/// A `struct mnt_id_req` for the host, in place: as many bytes as its `size` field says (the host
/// reads that field first and refuses a size above a page, E2BIG, before reading more).
fn mnt_id_req(ctx: &Ctx, req: u32) -> InPlace {
    use crate::mem::GuestMemoryExt;
    let size = ctx.mem.read_u32(req).map_or(4, |s| if s as usize > PAGE_SIZE as usize { 4 } else { s.max(4) });
    InPlace::new(ctx.mem, req, size as usize, Prot::READ)
}

/// Implements statmount(2): the host's, on the guest's request and buffer in place (`struct
/// statmount` holds `__u32`/`__u64` fields and string offsets into itself, no pointers).
fn statmount(ctx: &mut Ctx, a: &Args) -> SysResult {
    let req = mnt_id_req(ctx, a[0]);
    let out = InPlace::new(ctx.mem, a[1], a[2] as usize, Prot::WRITE);
    Ok(process::statmount(req, out, a[2] as usize, a[3].into())? as u32)
}

/// Implements listmount(2): the host's, on the guest's request and `__u64` id array in place.
fn listmount(ctx: &mut Ctx, a: &Args) -> SysResult {
    let req = mnt_id_req(ctx, a[0]);
    let len = (a[2] as usize).saturating_mul(8);
    let out = InPlace::new(ctx.mem, a[1], len, Prot::WRITE);
    Ok(process::listmount(req, out, a[2] as usize, a[3].into())? as u32)
}

/// A host call's result as the guest's `%eax`.
fn ret(r: Result<i64, crate::Errno>) -> SysResult {
    Ok(r? as u32)
}

/// A string argument (a path, a source, a file-system type, a key).
fn string(ctx: &Ctx, addr: u32) -> HostPath {
    path(ctx, addr, Follow::Yes)
}

/// A dirfd argument: AT_FDCWD, or the guest's fd.
fn dirfd(raw: u32) -> c_long {
    if raw as i32 == libc::AT_FDCWD {
        c_long::from(libc::AT_FDCWD)
    } else {
        c_long::from(host_fd(raw))
    }
}

/// `n` guest bytes at `addr` for the host: a local copy of what is readable from it (the rest
/// zero), or BAD_PTR when none is (`None` for NULL).
fn bytes(mem: &dyn GuestMemory, addr: u32, n: usize, partial: bool) -> Option<Result<Vec<u8>, ()>> {
    if addr == 0 {
        return None;
    }
    let got = mem.readable_prefix(addr, n);
    if got.is_empty() || (!partial && got.len() < n) {
        return Some(Err(()));
    }
    let mut buf = vec![0u8; n];
    buf[..got.len()].copy_from_slice(got);
    Some(Ok(buf))
}

/// [`bytes`]'s answer for the host.
fn as_bytes(b: &Option<Result<Vec<u8>, ()>>) -> Bytes<'_> {
    match b {
        None => Bytes::Null,
        Some(Ok(v)) => Bytes::Local(v),
        Some(Err(())) => Bytes::Refused,
    }
}

/// Implements mount(2); the data page as copy_mount_options() copies it.
fn mount(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (source, target, fstype) = (string(ctx, a[0]), string(ctx, a[1]), string(ctx, a[2]));
    let data = bytes(ctx.mem, a[4], PAGE_SIZE as usize, true);
    ret(mount::mount(&source, &target, &fstype, a[3], as_bytes(&data)))
}

/// Implements the old umount(2) (nr 22): umount2 with no flags (ksys_umount(name, 0)).
fn umount(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(mount::umount2(&string(ctx, a[0]), 0))
}

/// Implements umount2(2).
fn umount2(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(mount::umount2(&string(ctx, a[0]), a[1] as i32))
}

/// Implements pivot_root(2).
fn pivot_root(ctx: &mut Ctx, a: &Args) -> SysResult {
    ret(mount::pivot_root(&string(ctx, a[0]), &string(ctx, a[1])))
}

/// Implements fsopen(2).
fn fsopen(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = mount::fsopen(&string(ctx, a[0]), a[1])?;
    Ok(new_guest_fd(fd as i32)?)
}

/// fsconfig(2) commands (linux/mount.h).
const FSCONFIG_SET_STRING: u32 = 1;
const FSCONFIG_SET_BINARY: u32 = 2;
const FSCONFIG_SET_PATH: u32 = 3;
const FSCONFIG_SET_PATH_EMPTY: u32 = 4;
const FSCONFIG_SET_FD: u32 = 5;

/// Implements fsconfig(2): the value is a string, a blob of `aux` bytes, or a path relative to
/// dirfd `aux`, or `aux` is an fd, as the command says; anything else goes to the host as given
/// (where it checks that it is absent).
fn fsconfig(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, cmd, key, value, aux, _] = *a;
    let fd = if (fd as i32) < 0 { c_long::from(fd as i32) } else { c_long::from(host_fd(fd)) };
    let key = if key == 0 { HostPath::Null } else { string(ctx, key) };
    let mut host_aux = c_long::from(aux as i32);
    let (blob, text);
    let value = match cmd {
        FSCONFIG_SET_STRING | FSCONFIG_SET_PATH | FSCONFIG_SET_PATH_EMPTY if value != 0 => {
            text = string(ctx, value);
            if cmd != FSCONFIG_SET_STRING {
                host_aux = dirfd(aux);
            }
            FsValue::Str(&text)
        }
        FSCONFIG_SET_BINARY if value != 0 => {
            // The kernel checks 0 < aux <= 1 MiB before it copies.
            if (1..=1 << 20).contains(&(aux as i32)) {
                blob = bytes(ctx.mem, value, aux as usize, false);
                match &blob {
                    Some(Ok(b)) => FsValue::Blob(b),
                    _ => FsValue::Refused,
                }
            } else {
                FsValue::Refused
            }
        }
        FSCONFIG_SET_FD => {
            host_aux = c_long::from(host_fd(aux));
            if value == 0 {
                FsValue::Null
            } else {
                FsValue::Refused
            }
        }
        _ if value == 0 => FsValue::Null,
        // A value where the command takes none: the host says EINVAL before reading it.
        _ => FsValue::Refused,
    };
    ret(mount::fsconfig(fd, cmd, &key, value, host_aux))
}

/// Implements fsmount(2).
fn fsmount(_: &mut Ctx, a: &Args) -> SysResult {
    let fd = mount::fsmount(host_fd(a[0]), a[1], a[2])?;
    Ok(new_guest_fd(fd as i32)?)
}

/// Implements move_mount(2).
fn move_mount(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (from, to) = (string(ctx, a[1]), string(ctx, a[3]));
    ret(mount::move_mount(dirfd(a[0]), &from, dirfd(a[2]), &to, a[4]))
}

/// Implements open_tree(2).
fn open_tree(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = mount::open_tree(dirfd(a[0]), &string(ctx, a[1]), a[2])?;
    Ok(new_guest_fd(fd as i32)?)
}

/// Implements open_tree_attr(2) (Linux 6.15): open_tree() with a `struct mount_attr` (all
/// `__u64`) applied to the new detached tree; the host reads `size` bytes of it in place (up to a
/// page: it refuses more, E2BIG, first).
fn open_tree_attr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = string(ctx, a[1]);
    let attr = InPlace::new(ctx.mem, a[3], (a[4] as usize).min(PAGE_SIZE as usize), crate::mem::Prot::READ);
    let fd = opentree::open_tree_attr(dirfd(a[0]) as i32, &p, a[2], attr, a[4])?;
    Ok(new_guest_fd(fd as i32)?)
}

/// Implements fspick(2).
fn fspick(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = mount::fspick(dirfd(a[0]), &string(ctx, a[1]), a[2])?;
    Ok(new_guest_fd(fd as i32)?)
}

/// Implements mount_setattr(2): `struct mount_attr` is all `__u64` (one layout everywhere; its
/// `userns_fd` is the guest's number, which is the host's); `size` bytes of it are copied when
/// readable, up to a page (the kernel answers E2BIG past that itself).
fn mount_setattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let p = string(ctx, a[1]);
    let size = (a[4] as usize).min(PAGE_SIZE as usize);
    let attr = if size == 0 { None } else { bytes(ctx.mem, a[3], size, false) };
    let attr = if a[3] != 0 && size == 0 { Bytes::Refused } else { as_bytes(&attr) };
    ret(mount::mount_setattr(dirfd(a[0]), &p, a[2], attr, a[4] as usize))
}
