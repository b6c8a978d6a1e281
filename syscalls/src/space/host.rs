//! What the host's own tables say of the host pages of a guest range (its /proc/self/maps line,
//! mincore). Guest memory says where those pages are ([`host_pages`]).

use super::VmaKind;
use crate::hostcall::mm as host;
use crate::mem::pages::host_pages;
use crate::mem::{GuestMemory, PAGE_SIZE};

/// What the host's /proc/self/maps says of its mapping at host address `at`: offset, device,
/// inode and name.
pub(super) fn host_vma_kind(at: usize) -> Option<VmaKind> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let prefix = format!("{at:x}-");
    let line = maps.lines().find(|l| l.starts_with(&prefix))?;
    let mut f = line.splitn(6, ' ');
    let (_, _, offset, dev, ino) = (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
    let name = f.next().unwrap_or("").trim_start();
    let (major, minor) = dev.split_once(':')?;
    let hex = |s: &str| u64::from_str_radix(s, 16).ok();
    Some(VmaKind::File {
        path: name.into(),
        offset: hex(offset)?,
        dev: libc::makedev(hex(major)? as u32, hex(minor)? as u32),
        ino: ino.parse().ok()?,
    })
}

/// Whether any page of guest `[start, end)` is resident on the host (mincore(2)); false without a
/// host range.
pub fn any_resident(mem: &dyn GuestMemory, start: u32, end: u64) -> bool {
    let Some(pages) = host_pages(mem, start, (end - u64::from(start)) as usize) else {
        return false;
    };
    let mut vec = vec![0u8; pages.len() / PAGE_SIZE as usize];
    host::mincore(pages, &mut vec).is_ok() && vec.iter().any(|b| b & 1 != 0)
}
