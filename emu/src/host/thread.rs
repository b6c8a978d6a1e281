//! Host calls around guest threads and processes that share the address space: signal masks
//! while a host thread starts, the futex word the kernel clears when such a process is gone,
//! unshare for a new thread, and the stack such a process runs on.
//!
//! The host clone(CLONE_VM) of such a process stays in thread.rs, with the box it hands over:
//! its soundness rests on how the machine uses it (the new process runs on the helper thread's
//! thread-local storage, which the helper leaves alone until the kernel says the process is
//! gone), so a wrapper here would only pass the same promise through.

use std::sync::atomic::AtomicU32;

/// Block every signal in the calling thread (rt_sigprocmask with the kernel's 8-byte set, so
/// that the C library's reserved signals are blocked too); the mask it had, for
/// [`set_signal_mask`].
pub fn block_all_signals() -> u64 {
    let all = !0u64;
    let mut old = 0u64;
    // SAFETY: 8-byte sets, as the kernel's sigset_t, that live across the call.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &all, &mut old, 8) };
    old
}

/// Set the calling thread's signal mask (one [`block_all_signals`] returned).
pub fn set_signal_mask(mask: u64) {
    // SAFETY: an 8-byte set, as the kernel's sigset_t, that lives across the call; no old set.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, libc::SIG_SETMASK, &mask, std::ptr::null_mut::<u64>(), 8) };
}

/// A shared (not private) futex wait while `word` is `val`: the kind of wake mm_release() does
/// for CLONE_CHILD_CLEARTID, which crosses processes.
pub fn futex_wait_shared(word: &AtomicU32, val: u32) {
    let _ = rustix::thread::futex::wait(word, rustix::thread::futex::Flags::empty(), val, None);
}

/// unshare(2) for the calling host thread, which a new guest thread has just started on: it
/// gets its own fd table, filesystem context or namespaces (the emulator's own fds are copied
/// with the table, so they stay valid in it).
pub fn unshare_new_thread(flags: libc::c_int) -> std::io::Result<()> {
    // SAFETY: integer flags; the thread has made no fd of its own yet that another thread could
    // expect to find in its table.
    if unsafe { libc::unshare(flags) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A private anonymous read-write mapping for a host process's stack (MAP_STACK, MAP_NORESERVE),
/// unmapped by [`ChildStack::unmap`] once nothing runs on it. Dropping it without that leaves
/// it mapped (a process may still run on it).
pub struct ChildStack {
    base: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is a plain address range; nothing in it is tied to the thread that made it.
unsafe impl Send for ChildStack {}

impl ChildStack {
    /// mmap(2) `len` bytes.
    pub fn map(len: usize) -> std::io::Result<ChildStack> {
        // SAFETY: a fresh private anonymous mapping at an address the kernel picks; nothing else
        // refers to it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(ChildStack { base, len })
    }

    /// The top of the stack (it grows down), for clone(2).
    pub fn top(&self) -> *mut libc::c_void {
        self.base.cast::<u8>().wrapping_add(self.len).cast()
    }

    /// munmap(2): the caller knows nothing runs on the stack any more (the process is gone or
    /// runs another program, or the clone failed).
    pub fn unmap(self) {
        // SAFETY: our own mapping, of this length; by the caller's word nothing uses it.
        unsafe { libc::munmap(self.base, self.len) };
    }
}
