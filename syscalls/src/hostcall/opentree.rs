//! The host's open_tree_attr(2) (Linux 6.15; see `crate::sys::mount`), kept apart from
//! [`super::mount`]'s older calls: the path as [`HostPath`], the guest's `struct mount_attr`
//! read in place.

use super::inplace::InPlace;
use super::strings::HostPath;
use crate::{host, Errno};
use libc::{c_int, c_long, c_uint};

const SYS_OPEN_TREE_ATTR: c_long = 467;

/// open_tree_attr(2): the host reads at most `size` bytes of `attr` (it refuses more than a page,
/// E2BIG, before reading).
pub fn open_tree_attr(dirfd: c_int, path: &HostPath, flags: c_uint, attr: InPlace, size: c_uint) -> Result<i64, Errno> {
    // SAFETY: a NUL-terminated live string, NULL or a refused address; guest memory the host only
    // reads, NULL, or refused.
    host(unsafe { libc::syscall(SYS_OPEN_TREE_ATTR, dirfd, path.ptr(), flags, attr.ptr(), size as usize) })
}
