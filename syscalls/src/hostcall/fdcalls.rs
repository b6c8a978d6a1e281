//! The host's file-handle, Landlock, file-attribute and process-memory calls (see
//! `crate::sys::{handle, landlock, fileattr, memfd, procmm, archprctl}`): guest structs reach the
//! host in place as [`InPlace`], paths as [`HostPath`], and what else the host reads as locals.

use super::inplace::InPlace;
use super::strings::{HostPath, BAD_PTR};
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint, c_ulong};

// The x86-64 numbers (the same as i386's for every call since 403); libc names few of them.
const SYS_LANDLOCK_CREATE_RULESET: c_long = 444;
const SYS_LANDLOCK_ADD_RULE: c_long = 445;
const SYS_LANDLOCK_RESTRICT_SELF: c_long = 446;
const SYS_MEMFD_SECRET: c_long = 447;
const SYS_PROCESS_MADVISE: c_long = 440;
const SYS_PROCESS_MRELEASE: c_long = 448;
const SYS_FILE_GETATTR: c_long = 468;
const SYS_FILE_SETATTR: c_long = 469;

/// name_to_handle_at(2): `handle` is the guest's `struct file_handle` (header and the bytes its
/// `handle_bytes` asks for), `mount_id` the 4 or 8 bytes the flags ask for.
pub fn name_to_handle_at(
    dirfd: c_int,
    name: &HostPath,
    handle: InPlace,
    mount_id: InPlace,
    flags: c_int,
) -> Result<i64, Errno> {
    // SAFETY: a NUL-terminated live string, NULL or a refused address; guest memory of the sizes
    // the host writes, NULL, or refused.
    host(unsafe { libc::syscall(libc::SYS_name_to_handle_at, dirfd, name.ptr(), handle.ptr(), mount_id.ptr(), flags) })
}

/// open_by_handle_at(2): the host reads the guest's `struct file_handle`.
pub fn open_by_handle_at(dirfd: c_int, handle: InPlace, flags: c_int) -> Result<i64, Errno> {
    // SAFETY: guest memory the host reads, NULL, or refused.
    host(unsafe { libc::syscall(libc::SYS_open_by_handle_at, dirfd, handle.ptr(), flags) })
}

/// landlock_create_ruleset(2) on `size` bytes of the guest's attribute.
pub fn landlock_create_ruleset(attr: InPlace, size: c_ulong, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: guest memory the host reads (at most the size it was given), NULL, or refused.
    host(unsafe { libc::syscall(SYS_LANDLOCK_CREATE_RULESET, attr.ptr(), size, flags) })
}

/// A landlock_add_rule(2) attribute.
pub enum RuleAttr<'a> {
    /// A local `struct landlock_path_beneath_attr` (12 bytes, packed) with the host's parent fd.
    PathBeneath(&'a [u8; 12]),
    /// The guest's attribute of another type, read in place.
    Guest(InPlace),
    /// An address the host refuses.
    Refused,
}

/// landlock_add_rule(2).
pub fn landlock_add_rule(ruleset: c_int, kind: c_uint, attr: RuleAttr<'_>, flags: c_uint) -> Result<i64, Errno> {
    let ptr = match attr {
        RuleAttr::PathBeneath(b) => b.as_ptr().cast::<libc::c_void>(),
        RuleAttr::Guest(g) => g.ptr().cast_const(),
        RuleAttr::Refused => BAD_PTR as *const libc::c_void,
    };
    // SAFETY: a live local attribute, guest memory, NULL or a refused address, only read.
    host(unsafe { libc::syscall(SYS_LANDLOCK_ADD_RULE, ruleset, kind, ptr, flags) })
}

/// landlock_restrict_self(2).
pub fn landlock_restrict_self(ruleset: c_int, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, flags) })
}

/// memfd_secret(2).
pub fn memfd_secret(flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: a number only.
    host(unsafe { libc::syscall(SYS_MEMFD_SECRET, flags) })
}

/// process_madvise(2) on host ranges. The ranges are the caller's translation of the guest's
/// (guest memory in the host); the host reads the local array and acts on the ranges of the
/// process behind `pidfd` only as `advice` says.
pub fn process_madvise(pidfd: c_int, ranges: &[libc::iovec], advice: c_int) -> Result<i64, Errno> {
    // SAFETY: a live local iovec array of `ranges.len()` entries, only read.
    host(unsafe { libc::syscall(SYS_PROCESS_MADVISE, pidfd, ranges.as_ptr(), ranges.len(), advice, 0 as c_uint) })
}

/// process_mrelease(2).
pub fn process_mrelease(pidfd: c_int, flags: c_uint) -> Result<i64, Errno> {
    // SAFETY: numbers only.
    host(unsafe { libc::syscall(SYS_PROCESS_MRELEASE, pidfd, flags) })
}

/// file_getattr(2) (`set` false) or file_setattr(2) (`set` true) on the guest's `struct
/// file_attr` in place, `size` being the guest's (the host uses at most its own struct's size).
pub fn file_attr(
    set: bool,
    dirfd: c_int,
    name: &HostPath,
    attr: InPlace,
    size: c_uint,
    flags: c_uint,
) -> Result<i64, Errno> {
    let nr = if set { SYS_FILE_SETATTR } else { SYS_FILE_GETATTR };
    // SAFETY: a NUL-terminated live string, NULL or a refused address; guest memory the host
    // reads or writes, NULL, or refused.
    host(unsafe { libc::syscall(nr, dirfd, name.ptr(), attr.ptr(), size as usize, flags) })
}

/// arch_prctl(2) options that write a 64-bit value (ARCH_GET_XCOMP_*).
pub fn arch_prctl_get(option: c_int, out: InPlace) -> Result<i64, Errno> {
    // SAFETY: 8 bytes of guest memory, NULL, or refused; the option is one that writes 8 bytes.
    host(unsafe { libc::syscall(libc::SYS_arch_prctl, option, out.ptr()) })
}

/// arch_prctl(2) options that take a number (ARCH_REQ_XCOMP_*).
pub fn arch_prctl_set(option: c_int, value: c_ulong) -> Result<i64, Errno> {
    // SAFETY: numbers only (the feature number).
    host(unsafe { libc::syscall(libc::SYS_arch_prctl, option, value) })
}
