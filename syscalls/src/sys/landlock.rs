//! Landlock (linux/landlock.h): landlock_create_ruleset(2), landlock_add_rule(2) and
//! landlock_restrict_self(2).
//!
//! The structs are `__u64`s and one `__s32` (`struct landlock_path_beneath_attr` is packed, 12
//! bytes everywhere), so the host reads them from guest memory; the parent fd of a path-beneath
//! rule is the guest's number, copied and translated like every fd argument. A restricted guest
//! thread is a restricted host thread, so the emulator running it is held to the same rules (its
//! own files were opened before), which is what the guest asked for.

use super::hostarg::fd;
use crate::abi::nr;
use crate::entry;
use crate::hostcall::fdcalls::{self, RuleAttr};
use crate::hostcall::inplace::InPlace;
use crate::mem::{GuestMemoryExt, Prot};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::landlock_create_ruleset, landlock_create_ruleset, [Ptr, Uint, Hex]),
    entry!(nr::landlock_add_rule, landlock_add_rule, [Fd, Int, Ptr, Hex]),
    entry!(nr::landlock_restrict_self, landlock_restrict_self, [Fd, Hex]),
];

const LANDLOCK_RULE_PATH_BENEATH: u32 = 1;
/// `struct landlock_net_port_attr`: two `__u64`.
const NET_PORT_ATTR_SIZE: usize = 16;

/// Implements landlock_create_ruleset(2): the host's, on `size` bytes of the guest's attribute
/// struct in place (it refuses sizes it does not know, E2BIG or EINVAL, before reading).
fn landlock_create_ruleset(ctx: &mut Ctx, a: &Args) -> SysResult {
    let size = (a[1] as usize).min(crate::mem::PAGE_SIZE as usize);
    let attr = InPlace::new(ctx.mem, a[0], size, Prot::READ);
    let fd = fdcalls::landlock_create_ruleset(attr, libc::c_ulong::from(a[1]), a[2])?;
    Ok(super::fd::new_guest_fd(fd as i32)?)
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
                RuleAttr::PathBeneath(&local)
            }
            Err(_) => RuleAttr::Refused,
        }
    } else {
        RuleAttr::Guest(InPlace::new(ctx.mem, a[2], NET_PORT_ATTR_SIZE, Prot::READ))
    };
    Ok(fdcalls::landlock_add_rule(fd(a[0]) as i32, a[1], attr, a[3])? as u32)
}

/// Implements landlock_restrict_self(2): the host's, on the calling thread.
fn landlock_restrict_self(_: &mut Ctx, a: &Args) -> SysResult {
    Ok(fdcalls::landlock_restrict_self(fd(a[0]) as i32, a[1])? as u32)
}
