//! Translated code shared with forked children: a forking server's children do not translate again
//! what earlier children translated.
//!
//! A forked child inherits its parent's translated blocks, but only those the parent ever ran; a
//! server that forks per request (busybox httpd, a shell running commands) has children spending
//! most of their short lives translating the request-handling code its parent never ran. So each
//! child notes the start of every block it translates (Unicorn's edge-generation hook fires once
//! per new block) in a ring its parent shares, and the parent translates those addresses itself
//! (`uc_ctl(UC_CTL_TB_REQUEST_CACHE)`) just before it forks again: the next child inherits them.
//!
//! Translating in the parent is always correct, whatever the child ran: the block is made from
//! the parent's own memory and CPU state, and Unicorn drops it if that memory changes. Two things
//! must never happen while translating outside the guest's own run, because Unicorn would then
//! leave by a `longjmp` to a run that does not exist: a fetch the TLB refuses, and a full
//! translation buffer. So only addresses whose page and the next are executable (and not past
//! the end of a file) are translated, and a conservative estimate of the buffer in use decides
//! when the whole cache is dropped first.
//!
//! With tiered translation (engine patch 0028) the engine translates these requests in full and
//! replaces a cold block it finds at the address: a child noting a block its parent has means the
//! block went hot in the child, and without that every child would translate it again.

use crate::mem::effective;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use syscalls::mem::{Prot, PAGE_SIZE};
use unicorn_engine::Unicorn;

/// Slots in a ring: with its head, 64 KiB.
const SLOTS: usize = 16 * 1024 - 1;

/// The ring a process shares with its children (a `MAP_SHARED` anonymous mapping, inherited).
struct Ring {
    /// How many addresses were ever written; slot `i % SLOTS` holds the `i`th.
    head: &'static AtomicU32,
    slots: &'static [AtomicU32],
}

impl Ring {
    fn new() -> Option<&'static Ring> {
        let words = crate::host::mm::shared_words(1 + SLOTS)?;
        let (head, slots) = words.split_first()?;
        // One small Ring per process that ever records, as the mapping it points to.
        Some(Box::leak(Box::new(Ring { head, slots })))
    }

    fn push(&self, pc: u32) {
        let i = self.head.fetch_add(1, Ordering::Relaxed) as usize;
        self.slots[i % SLOTS].store(pc, Ordering::Release);
    }

    /// The addresses written since `cursor` (at most a ring's worth, the latest), sorted and
    /// without repeats; `cursor` moves past them. A slot still being written may read as 0 or as
    /// an older address: these are hints, and either is harmless.
    fn take(&self, cursor: &mut u32) -> Vec<u32> {
        let head = self.head.load(Ordering::Acquire);
        let start = (*cursor).max(head.saturating_sub(SLOTS as u32));
        let mut pcs: Vec<u32> = (start..head)
            .map(|i| self.slots[i as usize % SLOTS].load(Ordering::Acquire))
            .filter(|&pc| pc != 0)
            .collect();
        *cursor = head;
        pcs.sort_unstable();
        pcs.dedup();
        pcs
    }
}

/// Host bytes of translated code assumed per guest byte, and per block, when estimating how full
/// the translation buffer is; the estimate must never be low. Measured (the buffer's resident size
/// against what the hook counted): bash-static, 4.4 MiB for 7,476 blocks of 126 KB of guest code,
/// estimated 15.7 MiB; busybox sh, 2.1 MiB for 1,792 blocks of 28 KB, estimated 3.6 MiB.
const HOST_PER_GUEST_BYTE: usize = 64;
const HOST_PER_BLOCK: usize = 1024;

/// The most guest bytes one block holds (the i386 translator stops short of a page).
const MAX_BLOCK: u16 = 4096;

/// Above this estimate (a quarter of cpu.rs's 32 MiB buffer) the cache is dropped before warming.
const ESTIMATE_LIMIT: usize = 8 << 20;

/// At most this many blocks are translated at one fork.
const PER_FORK: usize = 4096;

thread_local! {
    /// The parent's ring, where this process notes what it translates (a forked child).
    static RECORD: Cell<Option<&'static Ring>> = const { Cell::new(None) };
    /// This process's own ring for its children, and how far it has read it.
    static OWN: RefCell<Option<(&'static Ring, u32)>> = const { RefCell::new(None) };
    /// Estimated bytes of the translation buffer in use (see HOST_PER_GUEST_BYTE).
    static ESTIMATE: Cell<usize> = const { Cell::new(0) };
    /// Blocks translated here for children since translated code was last dropped: many children
    /// note the same blocks before the parent forks again.
    static WARMED: RefCell<HashSet<u32>> = RefCell::new(HashSet::new());
    /// `cpu::code_drops()` when last looked at.
    static SEEN_DROPS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Forget what this thread's engine dropped since last looked (`cpu::forget` counts the drops).
fn catch_up_drops() {
    let now = crate::cpu::code_drops();
    let seen = SEEN_DROPS.replace(now);
    if now.0 != seen.0 {
        dropped_all();
    } else if now.1 != seen.1 {
        dropped_some();
    }
}

fn cost(guest_bytes: u16) -> usize {
    usize::from(guest_bytes) * HOST_PER_GUEST_BYTE + HOST_PER_BLOCK
}

/// Count (and, in a forked child, note) every block `cpu` translates.
pub fn install(cpu: &mut crate::cpu::Cpu) {
    let hooked = cpu.add_edge_gen_hook(1, 0, |_, tb, _| {
        catch_up_drops();
        ESTIMATE.set(ESTIMATE.get() + cost(tb.size));
        if let Some(ring) = RECORD.get() {
            ring.push(tb.pc as u32);
        }
    });
    if let Err(e) = hooked {
        log::debug!("no translation hook, forked children translate on their own: {e:?}");
    }
}

/// Whether a block at `pc` can be translated without a refused fetch: its page and the next (a
/// block may run over) executable, neither past the end of a file.
fn translatable(perms: &[AtomicU8], pc: u32) -> bool {
    let page = (pc / PAGE_SIZE) as usize;
    [page, page + 1].iter().all(|&p| {
        perms.get(p).is_some_and(|bits| {
            let bits = bits.load(Ordering::Relaxed);
            bits & crate::mem::OBJECT_BACKED == 0
                && effective(Prot::from_bits_truncate(u32::from(bits))).contains(Prot::EXEC)
        })
    })
}

/// Just before this process forks: translate what its children noted since the last fork, so
/// the child about to be made inherits it. Runs inside the interrupt hook, between blocks.
pub fn before_fork(cpu: &mut Unicorn<'_, ()>, perms: &[AtomicU8]) {
    OWN.with_borrow_mut(|own| {
        let Some((ring, cursor)) = own else {
            *own = Ring::new().map(|r| (r, 0));
            return;
        };
        let mut pcs = ring.take(cursor);
        catch_up_drops();
        WARMED.with_borrow(|warmed| pcs.retain(|&pc| !warmed.contains(&pc) && translatable(perms, pc)));
        pcs.truncate(PER_FORK);
        if pcs.is_empty() {
            return;
        }
        log::debug!("warming {} blocks the children translated", pcs.len());
        let mut tb = unicorn_engine::TranslationBlock { pc: 0, icount: 0, size: 0 };
        crate::cpu::keeping_opcode_mark(|| {
            for pc in pcs {
                if ESTIMATE.get() + cost(MAX_BLOCK) > ESTIMATE_LIMIT {
                    log::debug!("translation cache dropped before warming (estimated {} KiB)", ESTIMATE.get() >> 10);
                    let _ = cpu.ctl_flush_tb();
                    dropped_all();
                }
                // A block that exists already is only looked up; a new one is counted here (the
                // hook does not see these).
                if cpu.ctl_request_cache(u64::from(pc), Some(&mut tb)).is_ok() {
                    ESTIMATE.set(ESTIMATE.get() + cost(tb.size));
                    WARMED.with_borrow_mut(|warmed| warmed.insert(pc));
                }
            }
        });
    });
}

/// In a new child: note translations in the parent's ring; this process's own children get a
/// ring of their own when it first forks.
pub fn after_fork_child() {
    let parent = OWN.with_borrow_mut(|own| own.take()).map(|(ring, _)| ring);
    RECORD.set(parent);
}

/// All translated code was dropped: the buffer starts empty.
fn dropped_all() {
    ESTIMATE.set(0);
    WARMED.with_borrow_mut(HashSet::clear);
}

/// Some translated code was dropped (its space is not reused until the buffer is emptied).
fn dropped_some() {
    WARMED.with_borrow_mut(HashSet::clear);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_gives_each_address_once_and_keeps_the_latest() {
        let ring = Ring::new().expect("a shared mapping");
        let mut cursor = 0;
        for pc in [0x8049000, 0x8048000, 0x8049000] {
            ring.push(pc);
        }
        assert_eq!(ring.take(&mut cursor), [0x8048000, 0x8049000]);
        assert!(ring.take(&mut cursor).is_empty());
        // More than a ring's worth since the last look: only the latest SLOTS remain.
        for pc in 1..=(SLOTS as u32 + 10) {
            ring.push(pc);
        }
        let pcs = ring.take(&mut cursor);
        assert_eq!(pcs.len(), SLOTS);
        assert_eq!((pcs[0], pcs[SLOTS - 1]), (11, SLOTS as u32 + 10));
    }

    #[test]
    fn only_executable_pages_with_an_executable_next_page_are_translated() {
        let bits = |p: Prot| AtomicU8::new(p.bits() as u8);
        let rx = Prot::READ | Prot::EXEC;
        let perms = [bits(rx), bits(rx), bits(Prot::READ), bits(rx), bits(rx)];
        assert!(translatable(&perms, 0x0ffc));
        assert!(!translatable(&perms, 0x1ffc), "the next page is not executable");
        assert!(!translatable(&perms, 0x2000));
        assert!(!translatable(&perms, 0x4000), "the next page is outside the table");
        let backed = [AtomicU8::new(rx.bits() as u8 | crate::mem::OBJECT_BACKED), bits(rx)];
        assert!(!translatable(&backed, 0x10), "may lie past the end of its file");
    }
}
