//! userfaultfd(2): the fd and its UFFDIO_API handshake; no ranges.
//!
//! The fd is a host userfaultfd and UFFDIO_API's `struct uffdio_api` (three `__u64`) is the same
//! on i386 and x86-64, so the handshake is the host's: the features and ioctls it reports are the
//! host kernel's. Registering a range (UFFDIO_REGISTER) and everything after it is not forwarded
//! (ENOTTY, as for any request the fd table does not know): the range would be host addresses of
//! guest memory, the fault messages (`struct uffd_msg`) would carry host addresses, and the faults
//! would be taken by the emulator's own accesses to guest memory (the CPU's translated code and
//! every syscall's copy), which would block inside the emulator, not in the guest thread the
//! kernel would stop. Doing it right means translating both ways and making the emulator's accesses
//! to a registered range wait as a guest fault would: not done.

use super::hostarg::uint;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::numbers;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

/// `_IOWR(UFFDIO, _UFFDIO_API, struct uffdio_api)`.
pub const UFFDIO_API: u32 = 0xc018_aa3f;
/// `sizeof(struct uffdio_api)`: api, features, ioctls.
pub const UFFDIO_API_SIZE: usize = 24;

const UFFD_FLAGS: &[(u32, &str)] = &[(0o2000000, "O_CLOEXEC"), (0o4000, "O_NONBLOCK"), (1, "UFFD_USER_MODE_ONLY")];

pub static ENTRIES: &[Entry] = &[entry!(nr::userfaultfd, userfaultfd, [Flags(UFFD_FLAGS)])];

/// Implements userfaultfd(2): the host's call (the flags, then the privilege check of
/// vm.unprivileged_userfaultfd, in fs/userfaultfd.c's order).
fn userfaultfd(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(super::fd::new_guest_fd(numbers(libc::SYS_userfaultfd, &[uint(a[0])])? as i32)?)
}
