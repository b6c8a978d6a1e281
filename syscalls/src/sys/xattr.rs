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
use super::fs::{Follow, HostPath, BAD_PTR, TOO_LONG};
use crate::abi::nr;
use crate::entry;
use crate::mem::{GuestMemory, GuestMemoryExt, Prot, PATH_MAX};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use libc::{c_char, c_long, c_void};
use std::ffi::CString;
use std::ptr::{null, null_mut};
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
fn host(r: c_long) -> SysResult {
    Ok(crate::host(r)? as u32)
}

// The stand-ins are fs.rs's: its TOO_LONG is too long for a path (ENAMETOOLONG) and for a name
// (ERANGE).
const _: () = assert!(PATH_MAX > XATTR_NAME_MAX + 1);

/// A guest name or path as the host will see it: the string, or a stand-in the host fails on as
/// the kernel fails on the guest's (see the module comment).
enum HostStr {
    Str(CString),
    /// Reading it faulted (NULL included).
    Fault,
    /// No NUL within the limit.
    TooLong,
}

impl HostStr {
    /// An attribute name, as import_xattr_name() copies it: at most XATTR_NAME_MAX bytes.
    fn name(ctx: &Ctx, addr: u32) -> HostStr {
        Self::from(ctx.mem.read_cstr(addr, XATTR_NAME_MAX, Errno::NAMETOOLONG))
    }

    fn from(bytes: Result<Vec<u8>, Errno>) -> HostStr {
        match bytes {
            // read_cstr stops at the first NUL, so there is none inside.
            Ok(bytes) => CString::new(bytes).map_or(HostStr::Fault, HostStr::Str),
            Err(Errno::NAMETOOLONG) => HostStr::TooLong,
            Err(_) => HostStr::Fault,
        }
    }

    fn ptr(&self) -> *const c_char {
        match self {
            HostStr::Str(s) => s.as_ptr(),
            HostStr::Fault => BAD_PTR as *const c_char,
            HostStr::TooLong => TOO_LONG.as_ptr().cast(),
        }
    }
}

/// A path as every path call reads it (fs.rs), the guest's own `/proc` entries rewritten; the l*
/// calls do not follow the last component.
fn path_arg(ctx: &Ctx, addr: u32, follow: bool) -> HostPath {
    super::fs::path(ctx, addr, if follow { Follow::Yes } else { Follow::No })
}

/// A guest fd for the f* calls, for the host to check: all but flistxattr(2) look it up only
/// after reading the name (and the value), so an early EBADF here would come too soon. The
/// emulator's own fds are -1, EBADF for the host too.
fn fd_arg(raw: u32) -> c_long {
    c_long::from(host_fd(raw))
}

/// The value a set call reads, as the host will see it. setxattr_copy() reads it after the flags,
/// the name and the size are checked, so a value that cannot be read is a kernel address: EFAULT
/// in the same place.
fn value_in(mem: &dyn GuestMemory, addr: u32, size: u32) -> *const c_void {
    let size = size as usize;
    if size == 0 {
        // Not read at all.
        return null();
    }
    if size > XATTR_SIZE_MAX {
        // E2BIG before it is read.
        return BAD_PTR as *const c_void;
    }
    mem.host_range(addr, size, Prot::READ).map_or(BAD_PTR as *const c_void, |p| p.cast_const().cast())
}

/// Run a get or list call whose result the kernel copies to guest `buf` of `size` bytes, cut to
/// `max` as the kernel cuts it (so the host makes the same ERANGE/E2BIG decision). `call` gets the
/// host buffer and its size.
fn value_out(
    ctx: &mut Ctx,
    buf: u32,
    size: u32,
    max: usize,
    call: impl FnOnce(*mut c_void, usize) -> c_long,
) -> SysResult {
    let size = (size as usize).min(max);
    if size == 0 {
        // Only the length is asked for; the buffer is not touched.
        return host(call(null_mut(), 0));
    }
    match ctx.mem.host_range(buf, size, Prot::WRITE) {
        Ok(p) => host(call(p.cast(), size)),
        Err(_) => {
            // A page the guest may not write: the kernel faults only if the result reaches it.
            let mut local = vec![0u8; size];
            let n = host(call(local.as_mut_ptr().cast(), size))?;
            ctx.mem.write(buf, local.get(..n as usize).ok_or(Errno::FAULT)?)?;
            Ok(n)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// set

/// setxattr or lsetxattr: the host reads the path after the flags, the name and the value.
fn path_set(ctx: &mut Ctx, a: &Args, call: c_long, follow: bool) -> SysResult {
    let [path, name, value, size, flags, ..] = *a;
    let (path, name) = (path_arg(ctx, path, follow), HostStr::name(ctx, name));
    let value = value_in(ctx.mem, value, size);
    // SAFETY: the strings are NUL-terminated locals or kernel addresses the host refuses; the
    // value is guest memory of `size` bytes (unmapped pages inaccessible) or such an address.
    host(unsafe { libc::syscall(call, path.ptr(), name.ptr(), value, size as usize, flags as i32) })
}

/// Implements setxattr(2).
fn setxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_set(ctx, a, libc::SYS_setxattr, true)
}

/// Implements lsetxattr(2).
fn lsetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_set(ctx, a, libc::SYS_lsetxattr, false)
}

/// Implements fsetxattr(2).
fn fsetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, name, value, size, flags, ..] = *a;
    let fd = fd_arg(fd);
    let name = HostStr::name(ctx, name);
    let value = value_in(ctx.mem, value, size);
    // SAFETY: as in `path_set`.
    host(unsafe { libc::syscall(libc::SYS_fsetxattr, fd, name.ptr(), value, size as usize, flags as i32) })
}

// ---------------------------------------------------------------------------------------------
// get

/// getxattr or lgetxattr.
fn path_get(ctx: &mut Ctx, a: &Args, call: c_long, follow: bool) -> SysResult {
    let [path, name, value, size, ..] = *a;
    let (path, name) = (path_arg(ctx, path, follow), HostStr::name(ctx, name));
    // SAFETY: the strings as in `path_set`; the buffer is writable for `n` bytes (see `value_out`).
    value_out(ctx, value, size, XATTR_SIZE_MAX, |p, n| unsafe { libc::syscall(call, path.ptr(), name.ptr(), p, n) })
}

/// Implements getxattr(2).
fn getxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_get(ctx, a, libc::SYS_getxattr, true)
}

/// Implements lgetxattr(2).
fn lgetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_get(ctx, a, libc::SYS_lgetxattr, false)
}

/// Implements fgetxattr(2).
fn fgetxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [fd, name, value, size, ..] = *a;
    let fd = fd_arg(fd);
    let name = HostStr::name(ctx, name);
    // SAFETY: as in `path_get`.
    value_out(ctx, value, size, XATTR_SIZE_MAX, |p, n| unsafe {
        libc::syscall(libc::SYS_fgetxattr, fd, name.ptr(), p, n)
    })
}

// ---------------------------------------------------------------------------------------------
// list

/// listxattr or llistxattr.
fn path_list(ctx: &mut Ctx, a: &Args, call: c_long, follow: bool) -> SysResult {
    let [path, list, size, ..] = *a;
    let path = path_arg(ctx, path, follow);
    // SAFETY: as in `path_get`.
    value_out(ctx, list, size, XATTR_LIST_MAX, |p, n| unsafe { libc::syscall(call, path.ptr(), p, n) })
}

/// Implements listxattr(2).
fn listxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_list(ctx, a, libc::SYS_listxattr, true)
}

/// Implements llistxattr(2).
fn llistxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_list(ctx, a, libc::SYS_llistxattr, false)
}

/// Implements flistxattr(2).
fn flistxattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = fd_arg(a[0]);
    // SAFETY: as in `path_get`.
    value_out(ctx, a[1], a[2], XATTR_LIST_MAX, |p, n| unsafe { libc::syscall(libc::SYS_flistxattr, fd, p, n) })
}

// ---------------------------------------------------------------------------------------------
// remove

/// removexattr or lremovexattr.
fn path_remove(ctx: &mut Ctx, a: &Args, call: c_long, follow: bool) -> SysResult {
    let (path, name) = (path_arg(ctx, a[0], follow), HostStr::name(ctx, a[1]));
    // SAFETY: as in `path_set`.
    host(unsafe { libc::syscall(call, path.ptr(), name.ptr()) })
}

/// Implements removexattr(2).
fn removexattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_remove(ctx, a, libc::SYS_removexattr, true)
}

/// Implements lremovexattr(2).
fn lremovexattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    path_remove(ctx, a, libc::SYS_lremovexattr, false)
}

/// Implements fremovexattr(2).
fn fremovexattr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let fd = fd_arg(a[0]);
    let name = HostStr::name(ctx, a[1]);
    // SAFETY: as in `path_set`.
    host(unsafe { libc::syscall(libc::SYS_fremovexattr, fd, name.ptr()) })
}

// ---------------------------------------------------------------------------------------------
// The *at forms (fs/xattr.c, Linux 6.13)

/// `struct xattr_args` (linux/xattr.h): the same 16 bytes on i386 and x86-64, `value` a 64-bit
/// user pointer (`__aligned_u64`).
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
struct XattrArgs {
    value: u64,
    size: u32,
    flags: u32,
}
const _: () = assert!(size_of::<XattrArgs>() == XATTR_ARGS_SIZE_VER0);

/// `XATTR_ARGS_SIZE_VER0`: a smaller `usize` is EINVAL.
const XATTR_ARGS_SIZE_VER0: usize = 16;
/// A larger `usize` is E2BIG (the kernel's PAGE_SIZE).
const ARGS_SIZE_MAX: usize = 4096;

/// The guest's `struct xattr_args` as the host will read it: its `usize` bytes copied, so that
/// copy_struct_from_user() makes the same decisions on the host, with `value` to be replaced by a
/// host address.
enum HostArgs {
    Args(Vec<u8>, XattrArgs),
    /// `usize` out of range (the host answers EINVAL or E2BIG before reading) or the struct
    /// cannot be read (EFAULT in the same place).
    Bad,
}

impl HostArgs {
    fn read(ctx: &Ctx, addr: u32, usize: u32) -> HostArgs {
        let len = usize as usize;
        if !(XATTR_ARGS_SIZE_VER0..=ARGS_SIZE_MAX).contains(&len) {
            return HostArgs::Bad;
        }
        let mut bytes = vec![0u8; len];
        if ctx.mem.read(addr, &mut bytes).is_err() {
            return HostArgs::Bad;
        }
        match XattrArgs::read_from_prefix(&bytes) {
            Ok((args, _)) => HostArgs::Args(bytes, args),
            Err(_) => HostArgs::Bad,
        }
    }

    /// The guest's value pointer as a 32-bit guest address, or None when its high half is set (a
    /// 32-bit task's access_ok() refuses it).
    fn guest_value(args: &XattrArgs) -> Option<u32> {
        u32::try_from(args.value).ok()
    }

    /// The struct for the host with `value` and `size` as given; BAD_PTR when [`HostArgs::Bad`].
    fn with(&mut self, value: *const c_void, size: Option<usize>) -> *const c_void {
        match self {
            HostArgs::Args(bytes, args) => {
                let mut host = *args;
                host.value = value as u64;
                if let Some(size) = size {
                    // Only ever cut to XATTR_SIZE_MAX, as getxattr() cuts it.
                    host.size = size as u32;
                }
                if let Some(head) = bytes.get_mut(..XATTR_ARGS_SIZE_VER0) {
                    head.copy_from_slice(host.as_bytes());
                }
                bytes.as_ptr().cast()
            }
            HostArgs::Bad => BAD_PTR as *const c_void,
        }
    }
}

// The host's numbers: since 424 every architecture but alpha shares the numbers, and libc does
// not name these yet.
const HOST_SETXATTRAT: c_long = nr::setxattrat as c_long;
const HOST_GETXATTRAT: c_long = nr::getxattrat as c_long;
const HOST_LISTXATTRAT: c_long = nr::listxattrat as c_long;
const HOST_REMOVEXATTRAT: c_long = nr::removexattrat as c_long;

/// A guest dirfd for the host: AT_FDCWD, or as [`fd_arg`].
fn dirfd_arg(raw: u32) -> c_long {
    if raw as i32 == libc::AT_FDCWD {
        c_long::from(libc::AT_FDCWD)
    } else {
        fd_arg(raw)
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
    let mut args = HostArgs::read(ctx, uargs, usize);
    let value = match &args {
        HostArgs::Args(_, x) => match HostArgs::guest_value(x) {
            Some(v) => value_in(ctx.mem, v, x.size),
            None if x.size == 0 => null(),
            None => BAD_PTR as *const c_void,
        },
        HostArgs::Bad => null(),
    };
    let (path, name) = (at_path(ctx, path, at_flags), HostStr::name(ctx, name));
    let uargs = args.with(value, None);
    // SAFETY: the strings as in `path_set`; `uargs` is a local buffer of `usize` bytes (or a
    // kernel address the host refuses) whose value is such a pointer as in `path_set`.
    host(unsafe {
        libc::syscall(HOST_SETXATTRAT, dirfd_arg(dfd), path.ptr(), at_flags, name.ptr(), uargs, usize as usize)
    })
}

/// Implements getxattrat(2): as [`setxattrat`], then path_getxattrat() (the host checks
/// `flags` is 0 after the copy).
fn getxattrat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [dfd, path, at_flags, name, uargs, usize] = *a;
    let mut args = HostArgs::read(ctx, uargs, usize);
    let (path, name) = (at_path(ctx, path, at_flags), HostStr::name(ctx, name));
    let call = |uargs: *const c_void| {
        // SAFETY: as in `setxattrat`; the value is writable for the size in the struct (see
        // `value_out`) or a kernel address.
        unsafe {
            libc::syscall(HOST_GETXATTRAT, dirfd_arg(dfd), path.ptr(), at_flags, name.ptr(), uargs, usize as usize)
        }
    };
    let (value, size) = match &args {
        HostArgs::Args(_, x) => (HostArgs::guest_value(x), x.size),
        HostArgs::Bad => return host(call(args.with(null(), None))),
    };
    match value {
        Some(value) => value_out(ctx, value, size, XATTR_SIZE_MAX, |p, n| call(args.with(p, Some(n)))),
        // A value the 32-bit task cannot own: the kernel faults on it only when it copies out.
        None => host(call(args.with(BAD_PTR as *const c_void, None))),
    }
}

/// Implements listxattrat(2): path_listxattrat() (at_flags, then the path or the fd).
fn listxattrat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [dfd, path, at_flags, list, size, ..] = *a;
    let path = at_path(ctx, path, at_flags);
    // SAFETY: as in `path_get`.
    value_out(ctx, list, size, XATTR_LIST_MAX, |p, n| unsafe {
        libc::syscall(HOST_LISTXATTRAT, dirfd_arg(dfd), path.ptr(), at_flags, p, n)
    })
}

/// Implements removexattrat(2): path_removexattrat() (at_flags, the name, then the path or the fd).
fn removexattrat(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [dfd, path, at_flags, name, ..] = *a;
    let (path, name) = (at_path(ctx, path, at_flags), HostStr::name(ctx, name));
    // SAFETY: as in `path_set`.
    host(unsafe { libc::syscall(HOST_REMOVEXATTRAT, dirfd_arg(dfd), path.ptr(), at_flags, name.ptr()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_has_no_nul_before_path_max() {
        assert_eq!(TOO_LONG.iter().position(|&b| b == 0), Some(PATH_MAX));
    }

    #[test]
    fn unreadable_strings_become_stand_ins() {
        assert!(matches!(HostStr::from(Err(Errno::FAULT)), HostStr::Fault));
        assert!(matches!(HostStr::from(Err(Errno::NAMETOOLONG)), HostStr::TooLong));
        assert!(matches!(HostStr::from(Ok(b"user.a".to_vec())), HostStr::Str(_)));
    }
}
