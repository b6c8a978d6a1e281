//! The host calls about the calling process that the host answers as it is, on guest memory in
//! place (see `crate::sys::{lsm, kcmp, mount}`): the security modules' attribute calls, kcmp(2)
//! and membarrier(2), statmount(2) and listmount(2). Their structs hold no pointers and have the
//! guest's layout, so guest memory reaches the host as [`InPlace`] (NULL, a `HostRange`, or an
//! address the host refuses) and the host decides everything else.

use super::inplace::InPlace;
use super::strings::BAD_PTR;
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint, c_ulong, size_t};

// The x86-64 numbers (libc has no names for them yet).
const SYS_STATMOUNT: c_long = 457;
const SYS_LISTMOUNT: c_long = 458;
const SYS_LSM_GET_SELF_ATTR: c_long = 459;
const SYS_LSM_SET_SELF_ATTR: c_long = 460;
const SYS_LSM_LIST_MODULES: c_long = 461;

/// kcmp(2)'s KCMP_EPOLL_TFD: `idx2` points to `struct kcmp_epoll_slot` (three `__u32`).
const KCMP_EPOLL_TFD: c_int = 7;

/// lsm_get_self_attr(2): the host writes at most `*size` bytes (its own read of `size`) to
/// `ctx`, and the length it needs to `size`.
pub fn lsm_get_self_attr(attr: c_uint, ctx: InPlace, size: InPlace, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: guest memory of the sizes the host uses, NULL, or refused.
    host(unsafe { libc::syscall(SYS_LSM_GET_SELF_ATTR, attr, ctx.ptr(), size.ptr(), flags) })
}

/// lsm_set_self_attr(2): the host reads `size` bytes of `ctx`.
pub fn lsm_set_self_attr(attr: c_uint, ctx: InPlace, size: c_uint, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: guest memory the host only reads, NULL, or refused.
    host(unsafe { libc::syscall(SYS_LSM_SET_SELF_ATTR, attr, ctx.ptr(), size, flags) })
}

/// lsm_list_modules(2): the host writes at most `*size` bytes of `__u64` ids to `ids`, and the
/// length it needs to `size`.
pub fn lsm_list_modules(ids: InPlace, size: InPlace, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: guest memory of the sizes the host uses, NULL, or refused.
    host(unsafe { libc::syscall(SYS_LSM_LIST_MODULES, ids.ptr(), size.ptr(), flags) })
}

/// kcmp(2)'s second index: a number, or for KCMP_EPOLL_TFD the guest's slot.
pub enum KcmpIdx {
    Number(c_ulong),
    Slot(InPlace),
}

/// kcmp(2). For KCMP_EPOLL_TFD a [`KcmpIdx::Number`] is an address the host refuses (it would
/// read through it); for the other types a slot is passed as the number it is.
pub fn kcmp(pid1: c_int, pid2: c_int, kind: c_int, idx1: c_ulong, idx2: KcmpIdx) -> Result<i64, Errno> {
    let idx2 = match idx2 {
        KcmpIdx::Slot(slot) => slot.ptr() as c_ulong,
        KcmpIdx::Number(_) if kind == KCMP_EPOLL_TFD => BAD_PTR as c_ulong,
        KcmpIdx::Number(n) => n,
    };
    // SAFETY: numbers, and for KCMP_EPOLL_TFD a 12-byte slot the host only reads (guest memory,
    // NULL, or refused).
    host(unsafe { libc::syscall(libc::SYS_kcmp, pid1, pid2, kind, idx1, idx2) })
}

/// membarrier(2).
pub fn membarrier(cmd: c_int, flags: c_uint, cpu_id: c_int) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(libc::SYS_membarrier, cmd, flags, cpu_id) })
}

/// statmount(2): the host reads the `struct mnt_id_req` (its `size` field first) and writes at
/// most `bufsize` bytes of `struct statmount` to `buf`.
pub fn statmount(req: InPlace, buf: InPlace, bufsize: size_t, flags: c_ulong) -> Result<i64, Errno> {
    // SAFETY: guest memory of the sizes the host uses, NULL, or refused.
    host(unsafe { libc::syscall(SYS_STATMOUNT, req.ptr(), buf.ptr(), bufsize, flags) })
}

/// listmount(2): the host reads the `struct mnt_id_req` and writes at most `nr` `__u64` ids to
/// `ids`.
pub fn listmount(req: InPlace, ids: InPlace, nr: size_t, flags: c_ulong) -> Result<i64, Errno> {
    // SAFETY: guest memory of the sizes the host uses, NULL, or refused.
    host(unsafe { libc::syscall(SYS_LISTMOUNT, req.ptr(), ids.ptr(), nr, flags) })
}
