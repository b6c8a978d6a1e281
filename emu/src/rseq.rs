//! The CPU's side of rseq(2) (syscalls::sys::rseq): where a guest thread resumes, its critical
//! section may be aborted (EIP moves to its abort handler) and its CPU fields refreshed.

use crate::mem::GuestSpace;
use syscalls::sys::rseq::Event;
use syscalls::{Exit, Task};
use unicorn_engine::Unicorn;

/// __rseq_handle_notify_resume() before the thread runs guest code again; `Err`: the program
/// dies of the kernel's force_sigsegv().
pub fn resume(cpu: &Unicorn<'_, ()>, space: &mut GuestSpace, task: &mut Task, event: Event) -> Result<(), Exit> {
    if task.rseq.is_none() {
        return Ok(());
    }
    let eip = || cpu.pc_read().unwrap_or(0) as u32;
    match syscalls::sys::rseq::resume(space, task, eip, event) {
        Ok(Some(abort)) => crate::cpu::set_eip(cpu, abort),
        Ok(None) => {}
        Err(_) => return Err(Exit::Signal(syscalls::abi::signal::SIGSEGV as i32)),
    }
    Ok(())
}
