//! Private IP sockets' [`State`] in memory every process of the emulator's process tree shares,
//! so that after fork a change one process makes (a UDP peer, a pending error, a refused
//! connect, an option) is seen by the other, as both hold one `struct sock` in the kernel.
//!
//! The memory is a `MAP_SHARED` mapping of a memfd made when the mode is turned on (before the
//! guest runs), which fork and vfork children keep; it is cut into [`SLOTS`] slots of [`SLOT`]
//! bytes (pages are only allocated when touched). A slot holds one socket's state as
//! [`State::encode`]'s bytes under a spin lock, and the socket's sockfs inode, recorded at its
//! first operation. Slots are taken in turn; when none is free, those whose inode no AF_UNIX
//! socket of the host has any more (`/proc/net/unix`) are freed. A socket that finds no slot (or
//! whose state outgrows one) keeps its state in its process.
//!
//! This module is the private network's memory layer, the one place besides the host-call
//! module ([`crate::host`]) with `unsafe`: it alone turns the mapping's address into references,
//! each a word of a slot's header (touched only atomically, by every process) or a slot's bytes
//! under its lock.
//!
//! Left out: a program the guest executes is a new emulator with memory of its own: it takes the
//! state over (the socket table's handoff) into its own slots, and from then on its changes and
//! those of the process that executed it are each its own.

use super::State;
use crate::host::shm;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use std::sync::OnceLock;

/// Bytes per slot.
pub const SLOT: usize = 2048;
/// Slots in the mapping (32 MiB of address space).
pub const SLOTS: usize = 16384;
/// A slot's header: lock (4), used (4), inode (8), length (4), padding (4).
const HEAD: usize = 24;

/// The shared mapping (its address).
static ARENA: OnceLock<usize> = OnceLock::new();

/// Make the shared memory (at start-up, before the guest runs). Without it (a host that refuses
/// the memfd or the mapping), every socket keeps its state in its process.
pub fn init() {
    let _ = ARENA.get_or_init(|| {
        let Some(fd) = shm::memfd(c"emu386-net-state") else { return 0 };
        match shm::map_shared(fd.as_fd(), SLOT * SLOTS) {
            Some(base) => base,
            None => {
                log::warn!("private network: no shared memory for socket state; it stays each process's own");
                0
            }
        }
    });
}

fn base() -> Option<usize> {
    ARENA.get().copied().filter(|b| *b != 0)
}

/// One socket's slot.
#[derive(Debug)]
pub struct Slot(usize);

impl Slot {
    fn at(&self) -> usize {
        base().unwrap_or(0) + self.0 * SLOT
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: the slot lies inside the mapping, which is never unmapped, and the offset is a
        // 4-aligned word of its header; other processes touch it only atomically.
        unsafe { &*((self.at() + offset) as *const AtomicU32) }
    }

    fn inode(&self) -> &AtomicU64 {
        // SAFETY: as in `word`; offset 8 is 8-aligned (slots are).
        unsafe { &*((self.at() + 8) as *const AtomicU64) }
    }

    /// Run `f` on the slot's bytes (its length word and data) under its lock. A holder that
    /// died with it leaves it taken: after a second of waiting it is taken over.
    fn locked<R>(&self, f: impl FnOnce(&mut u32, &mut [u8]) -> R) -> R {
        let lock = self.word(0);
        let start = std::time::Instant::now();
        let mut spins = 0u32;
        while lock.compare_exchange_weak(0, 1, Acquire, Relaxed).is_err() {
            spins += 1;
            if spins.is_multiple_of(64) {
                if start.elapsed() > std::time::Duration::from_secs(1) {
                    break;
                }
                std::thread::yield_now();
            }
        }
        // SAFETY: the lock gives this thread the length word and the data; both lie inside the
        // slot.
        let r = unsafe {
            let len = &mut *((self.at() + 16) as *mut u32);
            let data = std::slice::from_raw_parts_mut((self.at() + HEAD) as *mut u8, SLOT - HEAD);
            f(len, data)
        };
        lock.store(0, Release);
        r
    }

    /// Take a free slot for `state` (`None`: no shared memory, no free slot, or a state too big).
    pub fn take(state: &State) -> Option<Slot> {
        base()?;
        let bytes = state.encode();
        if bytes.len() > SLOT - HEAD {
            return None;
        }
        let slot = Slot::free().or_else(|| {
            collect();
            Slot::free()
        })?;
        slot.write(&bytes);
        Some(slot)
    }

    /// A slot nobody uses, now marked used. Slot 0 holds the next slot to try.
    fn free() -> Option<Slot> {
        let next = Slot(0).word(0);
        for _ in 1..SLOTS {
            let i = (next.fetch_add(1, Relaxed) as usize % (SLOTS - 1)) + 1;
            let slot = Slot(i);
            if slot.word(4).compare_exchange(0, 1, Acquire, Relaxed).is_ok() {
                slot.inode().store(0, Relaxed);
                return Some(slot);
            }
        }
        None
    }

    /// The socket's inode, for [`collect`] (once: it never changes).
    pub fn identify(&self, inode: u64) {
        let _ = self.inode().compare_exchange(0, inode, Release, Relaxed);
    }

    pub fn read(&self) -> Option<State> {
        self.locked(|len, data| State::decode(data.get(..*len as usize)?))
    }

    /// Change the state in place: the state after `f`, and whether it fit back in the slot
    /// (`None`: the slot's bytes do not parse, `f` not run).
    pub fn modify(&self, f: impl FnOnce(&mut State)) -> Option<(State, bool)> {
        self.locked(|len, data| {
            let mut state = State::decode(data.get(..*len as usize)?)?;
            f(&mut state);
            let bytes = state.encode();
            let fits = match data.get_mut(..bytes.len()) {
                Some(room) => {
                    room.copy_from_slice(&bytes);
                    *len = bytes.len() as u32;
                    true
                }
                None => false,
            };
            Some((state, fits))
        })
    }

    /// Store `bytes`; false when they do not fit (the slot keeps the last state that did).
    pub fn write(&self, bytes: &[u8]) -> bool {
        self.locked(|len, data| match data.get_mut(..bytes.len()) {
            Some(room) => {
                room.copy_from_slice(bytes);
                *len = bytes.len() as u32;
                true
            }
            None => false,
        })
    }
}

/// Free the slots whose socket is gone: an inode no AF_UNIX socket has any more (a private IP
/// socket is a host AF_UNIX socket). The slots are looked at before the sockets are listed, so a
/// socket identified meanwhile is not taken for gone; slots not yet identified stay.
fn collect() {
    let used: Vec<(usize, u64)> = (1..SLOTS)
        .map(|i| (i, Slot(i).inode().load(Acquire)))
        .filter(|&(i, inode)| inode != 0 && Slot(i).word(4).load(Relaxed) == 1)
        .collect();
    let Ok(text) = std::fs::read_to_string("/proc/net/unix") else { return };
    let mut live: Vec<u64> = text.lines().skip(1).filter_map(|l| l.split_whitespace().nth(6)?.parse().ok()).collect();
    live.sort_unstable();
    for (i, inode) in used {
        let slot = Slot(i);
        if live.binary_search(&inode).is_err() && slot.inode().compare_exchange(inode, 0, Relaxed, Relaxed).is_ok() {
            slot.word(4).store(0, Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, State};
    use super::*;
    use crate::private::addr::Proto;

    #[test]
    fn a_slot_is_shared_with_a_forked_child_and_freed_with_its_socket() {
        init();
        let tcp = State::new(Kind::Inet { v6: false, proto: Proto::Tcp });
        let slot = Slot::take(&tcp).expect("a slot");
        assert_eq!(slot.read(), Some(tcp.clone()));
        // SAFETY: the child only touches the shared slot and leaves with _exit.
        match unsafe { libc::fork() } {
            0 => {
                slot.modify(|s| s.reuseaddr = true);
                // SAFETY: ends the forked child without running the parent's destructors.
                unsafe { libc::_exit(0) }
            }
            pid => {
                let mut status = 0;
                // SAFETY: waits for the child just forked.
                unsafe { libc::waitpid(pid, &mut status, 0) };
            }
        }
        assert_eq!(slot.read().map(|s| s.reuseaddr), Some(true), "the child's change");
        // Too big for a slot: refused, and the slot keeps what it had.
        let (state, fits) = slot.modify(|s| s.options.push(((1, 1), vec![0; SLOT]))).unwrap();
        assert!(!fits && state.options.len() == 1);
        assert_eq!(slot.read().map(|s| s.options.len()), Some(0));
        // An identified slot whose inode no AF_UNIX socket has is freed; one not identified stays.
        let other = Slot::take(&tcp).expect("another slot");
        slot.identify(u64::MAX - 1);
        collect();
        assert_eq!(slot.word(4).load(Relaxed), 0);
        assert_eq!(other.word(4).load(Relaxed), 1);
    }
}
