//! The host and domain names: sethostname(2), setdomainname(2) (kernel/sys.c). uname(2), which
//! reads them, is sys/info.rs's.
//!
//! The guest is the emulator process, so these change the names of the host's UTS namespace,
//! as the guest's own call would change the guest's. The host makes every check in its order:
//! EPERM (no CAP_SYS_ADMIN over the namespace) and EINVAL (`len` outside 0..=`__NEW_UTS_LEN`),
//! then EFAULT for the name, which it reads from guest memory in place.

use crate::abi::nr;
use crate::entry;
use crate::hostcall::inplace::InPlace;
use crate::hostcall::sched as host;
use crate::mem::Prot;
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::SysResult;

pub static ENTRIES: &[Entry] = &[
    entry!(nr::sethostname, sethostname, [InBuf(1), Uint]),
    entry!(nr::setdomainname, setdomainname, [InBuf(1), Uint]),
];

/// `__NEW_UTS_LEN`: the longest host or domain name.
const NEW_UTS_LEN: u32 = 64;

/// The name argument for the host: `len` bytes of guest memory when `len` is one the host
/// accepts (it answers EINVAL for any other before reading).
fn uts_name(ctx: &Ctx, name: u32, len: u32) -> InPlace {
    let len = if len <= NEW_UTS_LEN { len } else { 0 };
    InPlace::new(ctx.mem, name, len as usize, Prot::READ)
}

/// Implements sethostname(2).
fn sethostname(ctx: &mut Ctx, a: &Args) -> SysResult {
    host::sethostname(uts_name(ctx, a[0], a[1]), a[1] as i32)?;
    Ok(0)
}

/// Implements setdomainname(2).
fn setdomainname(ctx: &mut Ctx, a: &Args) -> SysResult {
    host::setdomainname(uts_name(ctx, a[0], a[1]), a[1] as i32)?;
    Ok(0)
}
