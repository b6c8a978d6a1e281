//! The security modules' calls: lsm_get_self_attr(2), lsm_set_self_attr(2), lsm_list_modules(2).
//! Their structs (`struct lsm_ctx`, the `__u64` module ids) hold no pointers and have the same
//! layout on i386, and the attributes are the calling process's, which is the host process: the
//! host answers on the guest's memory in place.

use super::hostarg::{buf, ret, uint};
use crate::abi::nr;
use crate::entry;
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

/// The x86-64 numbers (libc has no names for them yet).
const SYS_LSM_GET_SELF_ATTR: libc::c_long = 459;
const SYS_LSM_SET_SELF_ATTR: libc::c_long = 460;
const SYS_LSM_LIST_MODULES: libc::c_long = 461;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::lsm_get_self_attr, lsm_get_self_attr, [Uint, Ptr, Ptr, Hex]),
    entry!(nr::lsm_set_self_attr, lsm_set_self_attr, [Uint, Ptr, Uint, Hex]),
    entry!(nr::lsm_list_modules, lsm_list_modules, [Ptr, Ptr, Hex]),
];

/// A `u32 *size` argument and the buffer of that many bytes it describes, as host addresses.
fn sized(ctx: &Ctx, data: u32, size: u32) -> (usize, usize) {
    let len = ctx.mem.read_u32(size).unwrap_or(0) as usize;
    (buf(ctx, data, len, Prot::WRITE), buf(ctx, size, 4, Prot::READ | Prot::WRITE))
}

/// Implements lsm_get_self_attr(2): the host's.
fn lsm_get_self_attr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (data, size) = sized(ctx, a[1], a[2]);
    // SAFETY: guest memory of the sizes the host will use, NULL, or addresses it answers EFAULT for.
    ret(unsafe { libc::syscall(SYS_LSM_GET_SELF_ATTR, uint(a[0]), data, size, uint(a[3])) })
}

/// Implements lsm_set_self_attr(2): the host's.
fn lsm_set_self_attr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let data = buf(ctx, a[1], a[2] as usize, Prot::READ);
    // SAFETY: guest memory of `size` bytes, NULL, or an address the host answers EFAULT for.
    ret(unsafe { libc::syscall(SYS_LSM_SET_SELF_ATTR, uint(a[0]), data, uint(a[2]), uint(a[3])) })
}

/// Implements lsm_list_modules(2): the host's.
fn lsm_list_modules(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (ids, size) = sized(ctx, a[0], a[1]);
    // SAFETY: guest memory of the sizes the host will use, NULL, or addresses it answers EFAULT for.
    ret(unsafe { libc::syscall(SYS_LSM_LIST_MODULES, ids, size, uint(a[2])) })
}
