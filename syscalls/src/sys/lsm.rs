//! The security modules' calls: lsm_get_self_attr(2), lsm_set_self_attr(2), lsm_list_modules(2).
//! Their structs (`struct lsm_ctx`, the `__u64` module ids) hold no pointers and have the same
//! layout on i386, and the attributes are the calling process's, which is the host process: the
//! host answers on the guest's memory in place.

use crate::abi::nr;
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::process;
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::lsm_get_self_attr, lsm_get_self_attr, [Uint, Ptr, Ptr, Hex]),
    entry!(nr::lsm_set_self_attr, lsm_set_self_attr, [Uint, Ptr, Uint, Hex]),
    entry!(nr::lsm_list_modules, lsm_list_modules, [Ptr, Ptr, Hex]),
];

/// A `u32 *size` argument and the buffer of that many bytes it describes, in place.
fn sized(ctx: &Ctx, data: u32, size: u32) -> (InPlace, InPlace) {
    let len = ctx.mem.read_u32(size).unwrap_or(0) as usize;
    (InPlace::new(ctx.mem, data, len, Prot::WRITE), InPlace::new(ctx.mem, size, 4, Prot::READ | Prot::WRITE))
}

/// Implements lsm_get_self_attr(2): the host's.
fn lsm_get_self_attr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (data, size) = sized(ctx, a[1], a[2]);
    Ok(process::lsm_get_self_attr(a[0], data, size, a[3])? as u32)
}

/// Implements lsm_set_self_attr(2): the host's.
fn lsm_set_self_attr(ctx: &mut Ctx, a: &Args) -> SysResult {
    let data = InPlace::new(ctx.mem, a[1], a[2] as usize, Prot::READ);
    Ok(process::lsm_set_self_attr(a[0], data, a[2], a[3])? as u32)
}

/// Implements lsm_list_modules(2): the host's.
fn lsm_list_modules(ctx: &mut Ctx, a: &Args) -> SysResult {
    let (ids, size) = sized(ctx, a[0], a[1]);
    Ok(process::lsm_list_modules(ids, size, a[2])? as u32)
}
