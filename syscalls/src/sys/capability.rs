//! Capabilities: capget(2), capset(2) (kernel/capability.c).
//!
//! A guest thread is a host thread, so the host keeps and checks its capability sets. What is
//! done here is the header (cap_validate_magic(): the version decides how many 32-bit words of
//! each set are copied, and an unknown one is answered with the preferred version written back
//! into guest memory) and the guest's data structs; the host is asked through rustix, always
//! with version 3 (64-bit sets), which gives what an older version gives for its words. An older
//! version's missing upper words are zero, as cap_set() takes them.

use crate::abi::nr;
use crate::entry;
use crate::mem::{GuestAddr, GuestMemoryExt};
use crate::row::{Arg::*, Args, Entry};
use crate::task::Ctx;
use crate::{Errno, SysResult};
use rustix::process::Pid;
use rustix::thread::{CapabilitySet, CapabilitySets};
use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub static ENTRIES: &[Entry] = &[entry!(nr::capget, capget, [Ptr, Ptr]), entry!(nr::capset, capset, [Ptr, Ptr])];

/// The capability versions (linux/capability.h).
const CAP_VERSION_1: u32 = 0x1998_0330;
const CAP_VERSION_2: u32 = 0x2007_1026;
const CAP_VERSION_3: u32 = 0x2008_0522;

/// `struct __user_cap_data_struct` (linux/capability.h): one 32-bit word of each set, the same
/// on every ABI.
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct CapData {
    effective: U32,
    permitted: U32,
    inheritable: U32,
}
const _: () = assert!(size_of::<CapData>() == 12);

/// Version 3's data: the low words, then the high words.
type CapData2 = [CapData; 2];

/// The word `i` (0 low, 1 high) of each set.
fn words(sets: &CapabilitySets, i: u32) -> CapData {
    let word = |s: &CapabilitySet| U32::new((s.bits() >> (32 * i)) as u32);
    CapData { effective: word(&sets.effective), permitted: word(&sets.permitted), inheritable: word(&sets.inheritable) }
}

/// The sets from their words.
fn sets(data: &CapData2) -> CapabilitySets {
    let set = |f: fn(&CapData) -> U32| {
        CapabilitySet::from_bits_retain(u64::from(f(&data[0]).get()) | u64::from(f(&data[1]).get()) << 32)
    };
    CapabilitySets {
        effective: set(|d| d.effective),
        permitted: set(|d| d.permitted),
        inheritable: set(|d| d.inheritable),
    }
}

/// cap_validate_magic(): how many data structs the header's version copies; an unknown version
/// is EINVAL after the preferred one is stored in the guest's header (EFAULT if it cannot be).
fn cap_version(ctx: &mut Ctx, header: u32) -> Result<usize, Errno> {
    match ctx.mem.read_u32(header)? {
        CAP_VERSION_1 => Ok(1),
        CAP_VERSION_2 | CAP_VERSION_3 => Ok(2),
        _ => {
            ctx.mem.write_u32(header, CAP_VERSION_3)?;
            Err(Errno::INVAL)
        }
    }
}

/// The header's pid.
fn header_pid(ctx: &Ctx, header: u32) -> Result<i32, Errno> {
    Ok(ctx.mem.read_u32(GuestAddr::new(header).offset(4)?)? as i32)
}

/// Implements capget(2): with a NULL data pointer, the version check alone (an unknown version
/// answers 0 once the preferred one is stored: how libcap asks for it); then the pid (EINVAL
/// when negative), the host's lookup (ESRCH), and the data stored (EFAULT).
fn capget(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [header, data, ..] = *a;
    let count = match cap_version(ctx, header) {
        Ok(_) | Err(Errno::INVAL) if data == 0 => return Ok(0),
        r => r?,
    };
    let pid = header_pid(ctx, header)?;
    if pid < 0 {
        return Err(Errno::INVAL.into());
    }
    let sets = rustix::thread::capabilities(Pid::from_raw(pid))?;
    let caps: CapData2 = [words(&sets, 0), words(&sets, 1)];
    ctx.mem.write(data, &caps.as_bytes()[..count * size_of::<CapData>()])?;
    Ok(0)
}

/// Implements capset(2): the version, then the pid (only the caller's thread: EPERM), then the
/// data (EFAULT); the host checks and applies the new sets to this thread.
fn capset(ctx: &mut Ctx, a: &Args) -> SysResult {
    let [header, data, ..] = *a;
    let count = cap_version(ctx, header)?;
    let pid = header_pid(ctx, header)?;
    let tid = rustix::thread::gettid();
    if pid != 0 && pid != tid.as_raw_nonzero().get() {
        return Err(Errno::PERM.into());
    }
    let mut caps = CapData2::default();
    ctx.mem.read(data, &mut caps.as_mut_bytes()[..count * size_of::<CapData>()])?;
    let pid = if pid == 0 { None } else { Some(tid) };
    rustix::thread::set_capabilities(pid, sets(&caps))?;
    Ok(0)
}

/// Is CAP_SYS_NICE in the caller's effective set (can_nice())?
pub(crate) fn has_sys_nice() -> bool {
    rustix::thread::capabilities(None).is_ok_and(|s| s.effective.contains(CapabilitySet::SYS_NICE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_split_into_low_and_high_words_and_back() {
        let s = CapabilitySets {
            effective: CapabilitySet::from_bits_retain(0x1_0000_0002),
            permitted: CapabilitySet::from_bits_retain(0xffff_ffff_ffff),
            inheritable: CapabilitySet::from_bits_retain(0),
        };
        let data = [words(&s, 0), words(&s, 1)];
        assert_eq!((data[0].effective.get(), data[1].effective.get()), (2, 1));
        assert_eq!((data[0].permitted.get(), data[1].permitted.get()), (0xffff_ffff, 0xffff));
        let back = sets(&data);
        assert_eq!(back.effective.bits(), 0x1_0000_0002);
        assert_eq!(back.permitted.bits(), 0xffff_ffff_ffff);
        assert_eq!(back.inheritable.bits(), 0);
    }
}
