//! The run loop: the CPU runs until the guest exits or faults; `int $0x80` is handled inside the
//! interrupt hook without stopping the CPU (stopping and restarting costs ~70 ns a call).
//!
//! CPU exceptions arrive through the same hook with other vector numbers; with no signal handlers
//! (they come with the processes work) they end the program with the signal Linux would send.

use crate::cpu::Cpu;
use crate::mem::GuestSpace;
use std::cell::RefCell;
use std::rc::Rc;
use syscalls::table::Flow;
use syscalls::{dispatch, Ctx, Exit, Task};
use unicorn_engine::{RegisterX86, Unicorn};

/// Everything the hook touches.
pub struct Guest {
    pub space: GuestSpace,
    pub task: Task,
    exit: Option<Exit>,
}

impl Guest {
    pub fn new(space: GuestSpace, task: Task) -> Self {
        Guest { space, task, exit: None }
    }
}

const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGBUS: i32 = 7;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;

/// The signal Linux sends for a CPU exception vector (arch/x86/kernel/traps.c).
fn signal_for_vector(vector: u32) -> i32 {
    match vector {
        0 | 16 | 19 => SIGFPE,      // divide error, x87 and SIMD floating point
        1 | 3 => SIGTRAP,           // debug, int3
        4 | 5 | 13 | 14 => SIGSEGV, // into, bound, general protection, page fault
        6 => SIGILL,                // invalid opcode
        17 => SIGBUS,               // alignment check
        _ => SIGSEGV,               // any other `int $n` is a #GP for user code
    }
}

const ARG_REGS: [RegisterX86; 6] =
    [RegisterX86::EBX, RegisterX86::ECX, RegisterX86::EDX, RegisterX86::ESI, RegisterX86::EDI, RegisterX86::EBP];

/// One `int $0x80`.
fn syscall(cpu: &mut Unicorn<'_, ()>, guest: &mut Guest) {
    let read = |r| cpu.reg_read(r).unwrap_or(0) as u32;
    let nr = read(RegisterX86::EAX);
    let args = ARG_REGS.map(read);
    let Guest { space, task, exit } = guest;
    let flow = dispatch(&mut Ctx { mem: space, task }, nr, &args);
    match flow {
        Flow::Return(v) => {
            let _ = cpu.reg_write(RegisterX86::EAX, u64::from(v));
        }
        Flow::Exit(e) => {
            *exit = Some(e);
            let _ = cpu.emu_stop();
        }
    }
    // Address-space changes Unicorn has cached.
    crate::cpu::forget(cpu, &mut space.pending);
}

/// Run the guest to its end.
pub fn run(mut cpu: Cpu, guest: Guest) -> (Exit, Option<syscalls::trace::Tracer>) {
    let guest = Rc::new(RefCell::new(guest));
    let exit = run_until_exit(&mut cpu, &guest);
    let tracer = guest.borrow_mut().task.tracer.take();
    (exit, tracer)
}

fn run_until_exit(cpu: &mut Cpu, guest: &Rc<RefCell<Guest>>) -> Exit {
    let hook_guest = Rc::clone(guest);
    let hooked = cpu.add_intr_hook(move |cpu, vector| {
        let mut g = hook_guest.borrow_mut();
        if vector == 0x80 {
            syscall(cpu, &mut g);
        } else {
            log::debug!("CPU exception {vector} at {:#x}", cpu.pc_read().unwrap_or(0));
            g.exit = Some(Exit::Signal(signal_for_vector(vector)));
            let _ = cpu.emu_stop();
        }
    });
    if let Err(e) = hooked {
        log::error!("cannot hook interrupts: {e:?}");
        return Exit::Signal(SIGSEGV);
    }
    {
        // The start-up may already have mapped and unmapped; start from a clean TLB.
        let mut g = guest.borrow_mut();
        g.space.pending.stale_code.clear();
        g.space.pending.flush_tlb = false;
    }
    loop {
        let pc = cpu.pc_read().unwrap_or(0);
        // `until` beyond 32 bits: never reached, the guest runs until it stops itself.
        let result = cpu.emu_start(pc, 1 << 32, 0, 0);
        if let Some(exit) = guest.borrow_mut().exit.take() {
            return exit;
        }
        match result {
            Ok(()) => continue,
            Err(e) => {
                let eip = cpu.pc_read().unwrap_or(0);
                log::debug!("guest fault {e:?} at {eip:#x}");
                return Exit::Signal(crate::cpu::fault_signal(e));
            }
        }
    }
}
