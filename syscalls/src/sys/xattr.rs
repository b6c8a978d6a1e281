//! Extended attributes: setxattr(2), lsetxattr(2), fsetxattr(2), getxattr(2), lgetxattr(2),
//! fgetxattr(2), listxattr(2), llistxattr(2), flistxattr(2), removexattr(2), lremovexattr(2),
//! fremovexattr(2), and their *at forms setxattrat(2), getxattrat(2), listxattrat(2),
//! removexattrat(2).
//!
//! A value and a name list are bytes laid out the same on every architecture (the POSIX ACL
//! attributes too: `struct posix_acl_xattr_entry` is fixed-size little-endian), and these calls
//! have no compat form, so each is the host's call with the guest's arguments and the host kernel
//! makes every decision in the order of fs/xattr.c: flags, name (ERANGE when empty or longer than
//! XATTR_NAME_MAX), size (E2BIG) and value (EFAULT), then the path or the fd, then the file
//! system. What this file translates:
//!
//! - Names and paths are read from guest memory before the call. One that cannot be read reaches
//!   the host as a stand-in it fails on the same way (a kernel address for EFAULT, an over-long
//!   string for ERANGE or ENAMETOOLONG), so the host still decides what comes first. Paths are
//!   rewritten for the guest's own `/proc` entries by [`procfs::rewrite`], as in [`super::fs`].
//! - Value and list buffers are guest memory handed to the host as it is
//!   ([`GuestMemory::host_range`]), so the host faults exactly where the guest's kernel would.
//! - setxattrat and getxattrat take the value through a `struct xattr_args`, whose `value` is a
//!   64-bit user pointer: the guest's struct is copied (all `usize` bytes of it, so the host still
//!   answers E2BIG for non-zero bytes past the ones it knows) and its `value` becomes the host
//!   address of the guest buffer ([`XattrArgs`]).

use super::fd::host_fd;
use super::fs::Follow;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::strings::{HostPath, HostStr};
use crate::hostcall::xattr::{self, Value, XattrArgs};
use crate::mem::{GuestMemory, GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::c_long;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

const XATTR_FLAGS: &[(u32, &str)] = &[(1, "XATTR_CREATE"), (2, "XATTR_REPLACE")];

pub static ENTRIES: &[Entry] = &[
    entry!(nr::setxattr, setxattr, [Str, Str, InBuf(3), Uint, Flags(XATTR_FLAGS)]),
    entry!(nr::lsetxattr, lsetxattr, [Str, Str, InBuf(3), Uint, Flags(XATTR_FLAGS)]),
    entry!(nr::fsetxattr, fsetxattr, [Fd, Str, InBuf(3), Uint, Flags(XATTR_FLAGS)]),
    entry!(nr::getxattr, getxattr, [Str, Str, OutBuf, Uint]),
    entry!(nr::lgetxattr, lgetxattr, [Str, Str, OutBuf, Uint]),
    entry!(nr::fgetxattr, fgetxattr, [Fd, Str, OutBuf, Uint]),
    entry!(nr::listxattr, listxattr, [Str, OutBuf, Uint]),
    entry!(nr::llistxattr, llistxattr, [Str, OutBuf, Uint]),
    entry!(nr::flistxattr, flistxattr, [Fd, OutBuf, Uint]),
    entry!(nr::removexattr, removexattr, [Str, Str]),
    entry!(nr::lremovexattr, lremovexattr, [Str, Str]),
    entry!(nr::fremovexattr, fremovexattr, [Fd, Str]),
    entry!(nr::setxattrat, setxattrat, [DirFd, Str, Flags(AT_FLAGS), Str, Ptr, Uint]),
    entry!(nr::getxattrat, getxattrat, [DirFd, Str, Flags(AT_FLAGS), Str, Ptr, Uint]),
    entry!(nr::listxattrat, listxattrat, [DirFd, Str, Flags(AT_FLAGS), OutBuf, Uint]),
    entry!(nr::removexattrat, removexattrat, [DirFd, Str, Flags(AT_FLAGS), Str]),
];

/// The `at_flags` the *xattrat calls accept (any other bit is EINVAL).
const AT_FLAGS: &[(u32, &str)] = &[(0x100, "AT_SYMLINK_NOFOLLOW"), (0x1000, "AT_EMPTY_PATH")];
const AT_SYMLINK_NOFOLLOW: u32 = 0x100;

/// `XATTR_NAME_MAX` (linux/limits.h): the longest name, without its NUL.
const XATTR_NAME_MAX: usize = 255;
/// `XATTR_SIZE_MAX`: the largest value; a larger set is E2BIG, a larger get buffer is cut to it.
const XATTR_SIZE_MAX: usize = 65536;
/// `XATTR_LIST_MAX`: a larger list buffer is cut to it.
const XATTR_LIST_MAX: usize = 65536;

// ---------------------------------------------------------------------------------------------
// Host calls and string arguments

/// A host call's result as the guest's `%eax`.
fn host(r: Result<i64, Errno>) -> SysResult {
    Ok(r? as u32)
}

/// An attribute name, as import_xattr_name() copies it: at most XATTR_NAME_MAX bytes (a longer
/// one reaches the host as a string one byte too long: ERANGE there too).
fn name_arg(ctx: &Ctx, addr: u32) -> HostStr {
    HostStr::read(ctx.mem, addr, XATTR_NAME_MAX)
}

/// A path as every path call reads it (fs.rs), the guest's own `/proc` entries rewritten; the l*
/// calls do not follow the last component.
fn path_arg(ctx: &Ctx, addr: u32, follow: bool) -> HostPath {
    super::fs::path(ctx, addr, if follow { Follow::Yes } else { Follow::No })
}

/// A guest fd for the f* calls, for the host to check: all but flistxattr(2) look it up only
/// after reading the name (and the value), so an early EBADF here would come too soon. The
/// emulator's own fds are -1, EBADF for the host too.
fn fd_arg(raw: u32) -> libc::c_int {
    host_fd(raw)
}

/// The value a set call reads, as the host will see it. setxattr_copy() reads it after the flags,
/// the name and the size are checked, so a value that cannot be read is a kernel address: EFAULT
/// in the same place.
fn value_in(mem: &dyn GuestMemory, addr: u32, size: u32) -> Value<'static> {
    let size = size as usize;
    if size == 0 {
        // Not read at all.
        return Value::Null;
    }
    if size > XATTR_SIZE_MAX {
        // E2BIG before it is read.
        return Value::Refused(size);
    }
    mem.host_buf(addr, size, Prot::READ).map_or(Value::Refused(size), Value::Guest)
}

/// Run a get or list call whose result the kernel copies to guest `buf` of `size` bytes, cut to
/// `max` as the kernel cuts it (so the host makes the same ERANGE/E2BIG decision). `call` gets the
/// buffer the host writes.
fn value_out(
    ctx: &mut Ctx,
    buf: u32,
    size: u32,
    max: usize,
    call: impl FnOnce(Value<'_>) -> Result<i64, Errno>,
) -> SysResult {
    let size = (size as usize).min(max);
    if size == 0 {
        // Only the length is asked for; the buffer is not touched.
        return host(call(Value::Null));
    }
    match ctx.mem.host_buf(buf, size, Prot::WRITE) {
        Ok(r) => host(call(Value::Guest(r))),
        Err(_) => {
            // A page the guest may not write: the kernel faults only if the result reaches it.
            let mut local = vec![0u8; size];
            let n = host(call(Value::Local(&mut local)))?;
            ctx.mem.write(buf, local.get(..n as usize).ok_or(Errno::FAULT)?)?;
            Ok(n)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// set

/// setxattr or lsetxattr: the host reads the path after the flags, the name and the value.
fn path_set(ctx: &mut Ctx, a: &Args, follow: bool) -> SysResult {
    let [path, name, value, size, flags, ..] = *a;
    let (path, name) = (path_arg(ctx, path, follow), name_arg(ctx, name));
    host(xattr::setxattr(follow, &path, &name, value_in(ctx.mem, value, size), flags as i32))
}

/// Implements setxattr(2).
fn setxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_set(ctx, a, true)
}

/// Implements lsetxattr(2).
fn lsetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_set(ctx, a, false)
}

/// Implements fsetxattr(2).
fn fsetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, name, value, size, flags, ..] = *a;
    let fd = fd_arg(fd);
    let name = name_arg(ctx, name);
    host(xattr::fsetxattr(fd, &name, value_in(ctx.mem, value, size), flags as i32))
}

// ---------------------------------------------------------------------------------------------
// get

/// getxattr or lgetxattr.
fn path_get(ctx: &mut Ctx, a: &Args, follow: bool) -> SysResult {
    let [path, name, value, size, ..] = *a;
    let (path, name) = (path_arg(ctx, path, follow), name_arg(ctx, name));
    value_out(ctx, value, size, XATTR_SIZE_MAX, |v| xattr::getxattr(follow, &path, &name, v))
}

/// Implements getxattr(2).
fn getxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_get(ctx, a, true)
}

/// Implements lgetxattr(2).
fn lgetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_get(ctx, a, false)
}

/// Implements fgetxattr(2).
fn fgetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, name, value, size, ..] = *a;
    let fd = fd_arg(fd);
    let name = name_arg(ctx, name);
    value_out(ctx, value, size, XATTR_SIZE_MAX, |v| xattr::fgetxattr(fd, &name, v))
}

// ---------------------------------------------------------------------------------------------
// list

/// listxattr or llistxattr.
fn path_list(ctx: &mut Ctx, a: &Args, follow: bool) -> SysResult {
    let [path, list, size, ..] = *a;
    let path = path_arg(ctx, path, follow);
    value_out(ctx, list, size, XATTR_LIST_MAX, |v| xattr::listxattr(follow, &path, v))
}

/// Implements listxattr(2).
fn listxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_list(ctx, a, true)
}

/// Implements llistxattr(2).
fn llistxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_list(ctx, a, false)
}

/// Implements flistxattr(2).
fn flistxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = fd_arg(a[0]);
    value_out(ctx, a[1], a[2], XATTR_LIST_MAX, |v| xattr::flistxattr(fd, v))
}

// ---------------------------------------------------------------------------------------------
// remove

/// removexattr or lremovexattr.
fn path_remove(ctx: &mut Ctx, a: &Args, follow: bool) -> SysResult {
    let (path, name) = (path_arg(ctx, a[0], follow), name_arg(ctx, a[1]));
    host(xattr::removexattr(follow, &path, &name))
}

/// Implements removexattr(2).
fn removexattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_remove(ctx, a, true)
}

/// Implements lremovexattr(2).
fn lremovexattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_remove(ctx, a, false)
}

/// Implements fremovexattr(2).
fn fremovexattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = fd_arg(a[0]);
    let name = name_arg(ctx, a[1]);
    host(xattr::fremovexattr(fd, &name))
}

// ---------------------------------------------------------------------------------------------
// The *at forms (fs/xattr.c, Linux 6.13)

/// `struct xattr_args` (linux/xattr.h): the same 16 bytes on i386 and x86-64, `value` a 64-bit
/// user pointer (`__aligned_u64`).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
struct GuestXattrArgs {
    value: u64,
    size: u32,
    flags: u32,
}
const _: () = assert!(size_of::<GuestXattrArgs>() == XATTR_ARGS_SIZE_VER0);

/// `XATTR_ARGS_SIZE_VER0`: a smaller `usize` is EINVAL.
const XATTR_ARGS_SIZE_VER0: usize = 16;
/// A larger `usize` is E2BIG (the kernel's PAGE_SIZE).
const ARGS_SIZE_MAX: usize = 4096;

/// The guest's `struct xattr_args`: its `usize` bytes copied, so that copy_struct_from_user()
/// makes the same decisions on the host (the wrapper puts the host's value address in), and the
/// fields read from it; None when `usize` is out of range (the host answers EINVAL or E2BIG
/// before reading) or the struct cannot be read (EFAULT in the same place).
fn read_args(ctx: &Ctx, addr: u32, usize: u32) -> Option<(Vec<u8>, GuestXattrArgs)> {
    let len = usize as usize;
    if !(XATTR_ARGS_SIZE_VER0..=ARGS_SIZE_MAX).contains(&len) {
        return None;
    }
    let mut bytes = vec![0u8; len];
    ctx.mem.read(addr, &mut bytes).ok()?;
    let (args, _) = GuestXattrArgs::read_from_prefix(&bytes).ok()?;
    Some((bytes, args))
}

/// The struct for the host: the copy, or refused with the guest's `usize`.
fn host_args(copy: &mut Option<(Vec<u8>, GuestXattrArgs)>, usize: u32) -> XattrArgs<'_> {
    match copy {
        Some((bytes, _)) => XattrArgs::Copied(bytes),
        None => XattrArgs::Refused(usize as usize),
    }
}

/// A guest dirfd for the host: AT_FDCWD, or as [`fd_arg`].
fn dirfd_arg(raw: u32) -> c_long {
    if raw as i32 == libc::AT_FDCWD {
        c_long::from(libc::AT_FDCWD)
    } else {
        c_long::from(fd_arg(raw))
    }
}

/// A path of an *at call, NULL kept (getname_maybe_null() takes NULL with AT_EMPTY_PATH).
fn at_path(ctx: &Ctx, addr: u32, at_flags: u32) -> HostPath {
    path_arg(ctx, addr, at_flags & AT_SYMLINK_NOFOLLOW == 0)
}

/// Implements setxattrat(2): the usize checks and the copy of `struct xattr_args`, then
/// path_setxattrat() (at_flags, setxattr_copy(), the path or the fd), all by the host.
fn setxattrat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [dfd, path, at_flags, name, uargs, usize] = *a;
    let mut copy = read_args(ctx, uargs, usize);
    let value = match &copy {
        // A value the 32-bit task cannot own (its high half set: access_ok() refuses it).
        Some((_, x)) => match u32::try_from(x.value) {
            Ok(v) => value_in(ctx.mem, v, x.size),
            Err(_) if x.size == 0 => Value::Null,
            Err(_) => Value::Refused(x.size as usize),
        },
        None => Value::Null,
    };
    let (path, name) = (at_path(ctx, path, at_flags), name_arg(ctx, name));
    host(xattr::setxattrat(dirfd_arg(dfd), &path, at_flags, &name, host_args(&mut copy, usize), value))
}

/// Implements getxattrat(2): as [`setxattrat`], then path_getxattrat() (the host checks
/// `flags` is 0 after the copy).
fn getxattrat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [dfd, path, at_flags, name, uargs, usize] = *a;
    let mut copy = read_args(ctx, uargs, usize);
    let (path, name) = (at_path(ctx, path, at_flags), name_arg(ctx, name));
    let dfd = dirfd_arg(dfd);
    let (value, size) = match &copy {
        Some((_, x)) => (u32::try_from(x.value).ok(), x.size),
        None => return host(xattr::getxattrat(dfd, &path, at_flags, &name, host_args(&mut copy, usize), Value::Null)),
    };
    let mut call = |v: Value<'_>| xattr::getxattrat(dfd, &path, at_flags, &name, host_args(&mut copy, usize), v);
    match value {
        Some(value) => value_out(ctx, value, size, XATTR_SIZE_MAX, call),
        // A value the 32-bit task cannot own: the kernel faults on it only when it copies out.
        None => host(call(Value::Refused(size as usize))),
    }
}

/// Implements listxattrat(2): path_listxattrat() (at_flags, then the path or the fd).
fn listxattrat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [dfd, path, at_flags, list, size, ..] = *a;
    let path = at_path(ctx, path, at_flags);
    let dfd = dirfd_arg(dfd);
    value_out(ctx, list, size, XATTR_LIST_MAX, |v| xattr::listxattrat(dfd, &path, at_flags, v))
}

/// Implements removexattrat(2): path_removexattrat() (at_flags, the name, then the path or the fd).
fn removexattrat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [dfd, path, at_flags, name, ..] = *a;
    let (path, name) = (at_path(ctx, path, at_flags), name_arg(ctx, name));
    host(xattr::removexattrat(dirfd_arg(dfd), &path, at_flags, &name))
}
