//! The host CPU the calling host thread runs on, for the guest's rseq area and getcpu: read from
//! the rseq area the host's C library registered (the kernel keeps it current), or getcpu(2).

/// `offsetof(struct rseq, end)`: the size of an area with `node_id` and `mm_cid`.
const RSEQ_FEATURE_SIZE: u32 = 28;
/// RSEQ_CPU_ID_UNINITIALIZED: the area is not registered.
const CPU_ID_UNINITIALIZED: u32 = u32::MAX;
/// `struct rseq` offsets (linux/rseq.h): cpu_id, node_id, mm_cid.
const OFF_CPU_ID: usize = 4;
const OFF_NODE_ID: usize = 20;
const OFF_MM_CID: usize = 24;

#[allow(non_upper_case_globals)]
extern "C" {
    /// glibc 2.35's ABI: where the thread's registered `struct rseq` lies from the thread
    /// pointer, and its size (0: the C library registered none).
    static __rseq_offset: isize;
    static __rseq_size: u32;
}

/// `offsetof(struct rseq, node_id)`: the original area, with `cpu_id` (glibc 2.36 as Debian 12
/// ships it registers this size, `__rseq_size` 20).
const RSEQ_ORIG_SIZE: u32 = 20;

std::thread_local! {
    /// The last (cpu, node) getcpu(2) gave this thread, for an area without `node_id`.
    static LAST_NODE: std::cell::Cell<(u32, u32)> = const { std::cell::Cell::new((u32::MAX, 0)) };
}

/// The host CPU, NUMA node and concurrency id of the calling host thread, as the host kernel keeps
/// them in the area the host's C library registered. An area of the original size has no
/// `node_id` or `mm_cid`: the node is getcpu(2)'s, asked again only when the CPU changed, and the
/// concurrency id 0; without an area, getcpu(2) every time. (Called at every syscall return of
/// a guest that registered rseq, so the common case must not be a host call.)
#[inline]
pub fn host_cpu() -> (u32, u32, u32) {
    // SAFETY: plain reads of two constants the C library sets before any Rust code runs.
    let (offset, size) = unsafe { (__rseq_offset, __rseq_size) };
    if size >= RSEQ_ORIG_SIZE {
        let tp: *const u8;
        // SAFETY: on x86-64 Linux, %fs:0 holds the thread pointer (the TCB's own address).
        unsafe {
            std::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags))
        };
        let area = tp.wrapping_offset(offset);
        // SAFETY: the thread's registered area (the C library's, in its TCB), which the kernel
        // keeps current; 4-byte aligned fields read by value, within the registered size.
        let field = |off: usize| unsafe { std::ptr::read_volatile(area.add(off).cast::<u32>()) };
        let cpu = field(OFF_CPU_ID);
        if cpu != CPU_ID_UNINITIALIZED {
            if size >= RSEQ_FEATURE_SIZE {
                return (cpu, field(OFF_NODE_ID), field(OFF_MM_CID));
            }
            let (last_cpu, node) = LAST_NODE.get();
            if last_cpu == cpu {
                return (cpu, node, 0);
            }
            let (cpu, node) = getcpu();
            LAST_NODE.set((cpu, node));
            return (cpu, node, 0);
        }
    }
    let (cpu, node) = getcpu();
    (cpu, node, 0)
}

/// getcpu(2): the calling thread's CPU and NUMA node.
fn getcpu() -> (u32, u32) {
    let (mut cpu, mut node): (u32, u32) = (0, 0);
    // SAFETY: two writable locals; the cache argument is unused by the kernel.
    unsafe { libc::syscall(libc::SYS_getcpu, &mut cpu, &mut node, std::ptr::null_mut::<u8>()) };
    (cpu, node)
}
