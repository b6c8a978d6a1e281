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

/// The host CPU, NUMA node and concurrency id of the calling host thread, as the host kernel keeps
/// them in the area the host's C library registered (getcpu(2) without it, and concurrency id 0).
pub fn host_cpu() -> (u32, u32, u32) {
    // SAFETY: plain reads of two constants the C library sets before any Rust code runs.
    let (offset, size) = unsafe { (__rseq_offset, __rseq_size) };
    if size >= RSEQ_FEATURE_SIZE {
        let tp: *const u8;
        // SAFETY: on x86-64 Linux, %fs:0 holds the thread pointer (the TCB's own address).
        unsafe {
            std::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags))
        };
        let area = tp.wrapping_offset(offset);
        // SAFETY: the thread's registered area (the C library's, in its TCB), which the kernel
        // keeps current; 4-byte aligned fields read by value.
        let field = |off: usize| unsafe { std::ptr::read_volatile(area.add(off).cast::<u32>()) };
        let cpu = field(OFF_CPU_ID);
        if cpu != CPU_ID_UNINITIALIZED {
            return (cpu, field(OFF_NODE_ID), field(OFF_MM_CID));
        }
    }
    let (mut cpu, mut node): (u32, u32) = (0, 0);
    // SAFETY: two writable locals; the cache argument is unused by the kernel.
    unsafe { libc::syscall(libc::SYS_getcpu, &mut cpu, &mut node, std::ptr::null_mut::<u8>()) };
    (cpu, node, 0)
}
