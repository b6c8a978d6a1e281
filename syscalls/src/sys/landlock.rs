//! Landlock (linux/landlock.h): landlock_create_ruleset(2), landlock_add_rule(2) and
//! landlock_restrict_self(2).
//!
//! The structs are `__u64`s and one `__s32` (`struct landlock_path_beneath_attr` is packed, 12
//! bytes everywhere), so the host reads them from guest memory; the parent fd of a path-beneath
//! rule is the guest's number, copied and translated like every fd argument. A restricted guest
//! thread is a restricted host thread, so the emulator running it is held to the same rules (its
//! own files were opened before), which is what the guest asked for.

use super::hostarg::{buf, fd, new_fd, ret, uint};
use crate::abi::nr;
use crate::entry;
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::landlock_create_ruleset, landlock_create_ruleset, [Ptr, Uint, Hex]),
    entry!(nr::landlock_add_rule, landlock_add_rule, [Fd, Int, Ptr, Hex]),
    entry!(nr::landlock_restrict_self, landlock_restrict_self, [Fd, Hex]),
];

/// The x86-64 numbers (the same as i386's).
const SYS_LANDLOCK_CREATE_RULESET: libc::c_long = 444;
const SYS_LANDLOCK_ADD_RULE: libc::c_long = 445;
const SYS_LANDLOCK_RESTRICT_SELF: libc::c_long = 446;

const LANDLOCK_RULE_PATH_BENEATH: u32 = 1;
/// `struct landlock_net_port_attr`: two `__u64`.
const NET_PORT_ATTR_SIZE: usize = 16;

/// Implements landlock_create_ruleset(2): the host's, on `size` bytes of the guest's attribute
/// struct in place (it refuses sizes it does not know, E2BIG or EINVAL, before reading).
fn landlock_create_ruleset(ctx: &mut Ctx, a: &Args) -> SysResult {
    let size = (a[1] as usize).min(crate::mem::PAGE_SIZE as usize);
    let attr = buf(ctx, a[0], size, Prot::READ);
    // SAFETY: guest memory of the size the host reads, NULL, or an address it answers EFAULT for.
    new_fd(unsafe { libc::syscall(SYS_LANDLOCK_CREATE_RULESET, attr, uint(a[1]), uint(a[2])) })
}

/// Implements landlock_add_rule(2): the host's (flags, the ruleset fd, the rule type, then the
/// attribute); a path-beneath attribute is copied so that its parent fd is the guest's.
fn landlock_add_rule(ctx: &mut Ctx, a: &Args) -> SysResult {
    let mut local = [0u8; 12];
    let attr = if a[1] == LANDLOCK_RULE_PATH_BENEATH {
        match ctx.mem.read(a[2], &mut local) {
            Ok(()) => {
                let parent = i32::from_le_bytes([local[8], local[9], local[10], local[11]]);
                let host = fd(parent as u32) as i32;
                local[8..].copy_from_slice(&host.to_le_bytes());
                local.as_ptr() as usize
            }
            Err(_) => super::hostarg::BAD_PTR,
        }
    } else {
        buf(ctx, a[2], NET_PORT_ATTR_SIZE, Prot::READ)
    };
    // SAFETY: a local 12-byte attribute, 16 bytes of guest memory, NULL, or an address the host
    // answers EFAULT for.
    ret(unsafe { libc::syscall(SYS_LANDLOCK_ADD_RULE, fd(a[0]), uint(a[1]), attr, uint(a[3])) })
}

/// Implements landlock_restrict_self(2): the host's, on the calling thread.
fn landlock_restrict_self(_: &mut Ctx, a: &Args) -> SysResult {
    // SAFETY: numbers only.
    ret(unsafe { libc::syscall(SYS_LANDLOCK_RESTRICT_SELF, fd(a[0]), uint(a[1])) })
}
