//! The emulated CPU: a Unicorn x86-32 instance over the guest space, with a real GDT.
//!
//! Set-up follows what Linux gives a 32-bit task on a 64-bit kernel: the guest runs at CPL 3 with
//! the flat user segments `__USER32_CS` (0x23) and `__USER_DS` (0x2b) loaded before the first
//! instruction (engine patch 0012 lets SS take a ring-3 selector), so privileged instructions raise
//! #GP as natively; TLS entries 12..=14 are filled by set_thread_area, the LDT by modify_ldt; FPU
//! control word 0x37f and MXCSR 0x1f80.
//!
//! The descriptor tables live above the guest's 4 GiB (engine patch 0011): 32-bit code cannot form
//! their addresses, so the guest's last page is as unmapped as natively. The GDT is the thread's
//! (`GuestSpace::gdt_ptr`), the LDT the process's (`syscalls::sys::ldt`); both are read-only to the
//! CPU, every descriptor being written with its accessed bit set (as Linux's fill_ldt() does).
//!
//! Speed: the TCG buffer is set before the first mapping, and translated code addresses guest
//! memory directly (engine patch 0021, emu/src/direct.rs). What still goes through the soft MMU
//! (instruction fetch at translation, memory accesses of the engine's helpers, everything under
//! gdb) uses Unicorn's virtual TLB, whose fill hook answers each page's real permissions so that a
//! page that is read and written fills once; a host fault in translated code asks that hook too.

use crate::mem::{effective, host_can_read, GuestSpace, Pending, OBJECT_BACKED, SPACE};
use std::ffi::c_void;
use std::sync::atomic::Ordering::Relaxed;
use syscalls::mem::{Prot, PAGE_SIZE};
use syscalls::task::GDT_ENTRIES;
use unicorn_engine::{
    uc_ctl, uc_error, Arch, ControlType, MemType, Mode, Prot as UcProt, RegisterX86, TlbEntry, TlbType, Unicorn,
    X86CpuModel,
};

/// The guest CPU; its hooks hold what they need.
pub type Cpu = Unicorn<'static, ()>;

/// Where the GDT page sits, as a linear and as a physical address: above the 4 GiB of guest memory.
const GDT_BASE: u64 = SPACE as u64;
/// Where the LDT sits (LDT_ENTRIES descriptors), right after the GDT page's 64 KiB slot.
const LDT_BASE: u64 = GDT_BASE + 0x1_0000;

/// The `until` address of every run: above 4 GiB, so the guest never reaches it. When a run ends,
/// Unicorn drops translated code at `until - 1`, translating that address as a fetch; it falls in
/// the GDT page, where the TLB hook lets it through (with 1 << 32, the fetch went to the guest's
/// last page, and its refusal was taken for the guest's fault).
pub const UNTIL: u64 = GDT_BASE + 1;

/// GDT selectors, as a 64-bit kernel gives a 32-bit task: entry 4 is user code (`__USER32_CS`,
/// 0x23), 5 user data (`__USER_DS`, 0x2b, also SS).
const SEL_CS: u64 = (4 << 3) | 3;
const SEL_DS: u64 = (5 << 3) | 3;

/// Translated-code buffer: Unicorn's default of 1 GiB costs start-up time and address space.
const TCG_BUFFER_SIZE: u32 = 32 << 20;

/// A flat 4 GiB segment descriptor: `kind` is the type nibble, `dpl` the privilege level.
fn flat_descriptor(kind: u64, dpl: u64) -> u64 {
    // limit 0xfffff in pages, base 0, present, S=1, D=1, G=1.
    0xffff | (0xf << 48) | (kind << 40) | (1 << 44) | (dpl << 45) | (1 << 47) | (1 << 54) | (1 << 55)
}

/// `uc_x86_mmr` from unicorn/x86.h: the GDTR as Unicorn takes it.
#[repr(C)]
struct X86Mmr {
    selector: u16,
    base: u64,
    limit: u32,
    flags: u32,
}

/// Unicorn's permission bits for a guest page.
fn uc_prot(bits: u8) -> UcProt {
    let prot = effective(Prot::from_bits_truncate(u32::from(bits)));
    let mut out = UcProt::NONE;
    if prot.contains(Prot::READ) {
        out |= UcProt::READ;
    }
    if prot.contains(Prot::WRITE) {
        out |= UcProt::WRITE;
    }
    if prot.contains(Prot::EXEC) {
        out |= UcProt::EXEC;
    }
    out
}

/// The x87 stack registers, in order.
pub const ST: [RegisterX86; 8] = [
    RegisterX86::ST0,
    RegisterX86::ST1,
    RegisterX86::ST2,
    RegisterX86::ST3,
    RegisterX86::ST4,
    RegisterX86::ST5,
    RegisterX86::ST6,
    RegisterX86::ST7,
];
/// The SSE registers of i386, in order.
pub const XMM: [RegisterX86; 8] = [
    RegisterX86::XMM0,
    RegisterX86::XMM1,
    RegisterX86::XMM2,
    RegisterX86::XMM3,
    RegisterX86::XMM4,
    RegisterX86::XMM5,
    RegisterX86::XMM6,
    RegisterX86::XMM7,
];

/// Create the CPU over `space`, with segments loaded and `eip`/`esp` set; `thread` for a CPU of a
/// guest thread other than the first, `debugged` when gdb is attached (it checks every access).
pub fn new_cpu(space: &mut GuestSpace, eip: u32, esp: u32, thread: bool, debugged: bool) -> Result<Cpu, uc_error> {
    let mut uc = Unicorn::new(Arch::X86, Mode::MODE_32)?;
    uc.ctl_set_cpu_model(cpu_model() as i32)?;
    if engine_patch_level(&uc) != Some(ENGINE_PATCH_LEVEL) {
        // Built against an engine without emu386's series (see emu/unicorn/PATCHES.md).
        return Err(uc_error::VERSION);
    }
    set_code_buffer(&mut uc, thread)?;
    let direct_base = if crate::mem::direct() { space.base() } else { std::ptr::null_mut() };
    crate::direct::enable(uc.get_handle(), direct_base)?;
    let (ldt, ldt_len) = syscalls::sys::ldt::table();
    // SAFETY: the reservation, the GDT page and the LDT outlive the CPU (all live for the process).
    unsafe {
        uc.mem_map_ptr(0, SPACE as u64, UcProt::ALL, space.base().cast())?;
        uc.mem_map_ptr(GDT_BASE, u64::from(PAGE_SIZE), UcProt::READ, space.gdt_ptr().cast())?;
        uc.mem_map_ptr(LDT_BASE, ldt_len as u64, UcProt::READ, ldt.cast())?;
    }
    uc.ctl_set_tlb_type(TlbType::VIRTUAL)?;
    set_access_exit_checks(&mut uc, debugged)?;
    set_tiered(&mut uc, tiered_threshold())?;
    add_tlb_fill_hook(&mut uc, space, ldt_len)?;
    // #UD (ud2, an unknown opcode) stops the CPU; Unicorn then reports a plain EXCEPTION, so the
    // hook notes that it was an invalid opcode for `fault_signal`.
    uc.add_insn_invalid_hook(|_| {
        INVALID_OPCODE.set(true);
        false
    })?;
    if syscalls::replay::active() {
        add_tsc_hooks(&mut uc)?;
    }
    load_segments(&mut uc, space, ldt_len)?;
    init_control_state(&mut uc)?;
    uc.reg_write(RegisterX86::ESP, u64::from(esp))?;
    uc.reg_write(RegisterX86::EIP, u64::from(eip))?;
    Ok(uc)
}

/// The translation buffer's size and, for the first thread's CPU only, huge pages for it; both
/// must precede the first map.
fn set_code_buffer(uc: &mut Cpu, thread: bool) -> Result<(), uc_error> {
    // SAFETY: a valid handle; TCG_BUFFER_SIZE takes one uint32_t and must precede the first map.
    unsafe {
        let op = ControlType(ControlType::TCG_BUFFER_SIZE.0 | ControlType::IO_WRITE.0);
        Result::<(), _>::from(uc_ctl(uc.get_handle(), op, TCG_BUFFER_SIZE))?;
    }
    // A thread's CPU translates little: a huge page for its buffer (2 MiB at the first block where
    // THP is "always") would be most of what the thread costs. The main CPU keeps them.
    // SAFETY: a valid handle; the control takes one int and must precede the first map (patch 0005).
    unsafe {
        let op = ControlType(ControlType::EMU386_CODE_HUGEPAGES.0 | ControlType::IO_WRITE.0);
        Result::<(), _>::from(uc_ctl(uc.get_handle(), op, i32::from(!thread)))?;
    }
    Ok(())
}

/// The TLB fill: a guest page is mapped with the permissions of the page table `space` keeps
/// (refused when the access needs more, or when an object-backed page has no host page behind
/// it); the descriptor tables above the guest space are readable.
fn add_tlb_fill_hook(uc: &mut Cpu, space: &GuestSpace, ldt_len: usize) -> Result<(), uc_error> {
    let perms = space.perms();
    let base = space.base() as usize;
    uc.add_tlb_hook(0, u64::MAX, move |_, vaddr, access| {
        let page = (vaddr >> 12) as u32;
        if INVALIDATING.get() {
            // Unicorn translates the range of a cache removal as a fetch; refusing it would leave
            // its error flag set. The TLB is flushed right after (see `forget`).
            return Some(TlbEntry { paddr: u64::from(page) << 12, perms: UcProt::READ | UcProt::EXEC });
        }
        if vaddr >= SPACE as u64 {
            // Only descriptor-table accesses get here (guest code cannot form such addresses).
            // The one fetch there is Unicorn's at `UNTIL - 1`.
            let gdt = (GDT_BASE..GDT_BASE + u64::from(PAGE_SIZE)).contains(&vaddr);
            let ldt = (LDT_BASE..LDT_BASE + ldt_len as u64).contains(&vaddr);
            let perms = if gdt { UcProt::READ | UcProt::EXEC } else { UcProt::READ };
            return (gdt || ldt).then_some(TlbEntry { paddr: vaddr & !0xfff, perms });
        }
        let bits = perms.get(page as usize)?.load(Relaxed);
        let need = match access {
            MemType::WRITE => Prot::WRITE,
            MemType::FETCH => Prot::EXEC,
            _ => Prot::READ,
        };
        if !effective(Prot::from_bits_truncate(u32::from(bits))).contains(need) {
            return None;
        }
        // A page past the end of its file or shared object: the host would raise SIGBUS inside
        // translated code, where it cannot become the guest's. Refused here, the access faults
        // and `memory_fault` makes it the guest's SIGBUS. (Probed at each fill only: the TLB is
        // flushed when the guest truncates a file.)
        if bits & OBJECT_BACKED != 0 && !host_can_read((base + (page as usize) * PAGE_SIZE as usize) as *const u8) {
            return None;
        }
        Some(TlbEntry { paddr: u64::from(page) << 12, perms: uc_prot(bits) })
    })?;
    Ok(())
}

/// The GDT and the LDT (`ldt_len` bytes) in place, and the user segments loaded.
fn load_segments(uc: &mut Cpu, space: &mut GuestSpace, ldt_len: usize) -> Result<(), uc_error> {
    space_set_gdt(space);
    let gdtr = X86Mmr { selector: 0, base: GDT_BASE, limit: GDT_ENTRIES * 8 - 1, flags: 0 };
    write_mmr(uc, RegisterX86::GDTR, &gdtr)?;
    // The whole LDT is always there: an entry modify_ldt never wrote is zero, and loading it
    // raises the same #GP(selector) as a selector past the kernel's shorter limit would.
    let ldtr = X86Mmr { selector: 0, base: LDT_BASE, limit: ldt_len as u32 - 1, flags: 0 };
    write_mmr(uc, RegisterX86::LDTR, &ldtr)?;
    // SS first: its ring-3 selector moves the CPU to CPL 3 (engine patch 0012).
    uc.reg_write(RegisterX86::SS, SEL_DS)?;
    uc.reg_write(RegisterX86::CS, SEL_CS)?;
    uc.reg_write(RegisterX86::DS, SEL_DS)?;
    uc.reg_write(RegisterX86::ES, SEL_DS)?;
    uc.reg_write(RegisterX86::FS, 0)?;
    uc.reg_write(RegisterX86::GS, 0)?;
    Ok(())
}

/// Linux's initial FPU and SSE state, the control registers as Linux sets them, and the user
/// EFLAGS.
fn init_control_state(uc: &mut Cpu) -> Result<(), uc_error> {
    // Linux's initial FPU and SSE state (fpu__init_cpu, MXCSR_DEFAULT), SSE enabled in CR0/CR4;
    // CR0.NE: an unmasked x87 exception is #MF (the engine takes it only with NE set), as on
    // every CPU Linux runs on.
    uc.reg_write(RegisterX86::FPCW, 0x37f)?;
    uc.reg_write(RegisterX86::MXCSR, 0x1f80)?;
    let cr0 = uc.reg_read(RegisterX86::CR0)?;
    // CR0: no x87 emulation (EM), coprocessor present (MP), native FPU errors (NE, as Linux sets it:
    // without it the engine never raises #MF).
    uc.reg_write(RegisterX86::CR0, (cr0 & !(1 << 2)) | (1 << 1) | (1 << 5))?;
    // OSFXSR, OSXMMEXCPT, and UMIP where Linux sets it, on a host CPU that has it (engine patch
    // 0017): sgdt, sidt, sldt, smsw and str then raise #GP for the kernel's emulation (umip.rs).
    let umip = if host_has_umip() { 1 << 11 } else { 0 };
    let cr4 = uc.reg_read(RegisterX86::CR4)?;
    uc.reg_write(RegisterX86::CR4, cr4 | (1 << 9) | (1 << 10) | umip)?;
    // User code runs with interrupts enabled (IF, which pushf shows) and IOPL 0.
    uc.reg_write(RegisterX86::EFLAGS, 0x202)?;
    Ok(())
}

/// `UC_X86_INS_RDTSC` and `UC_X86_INS_RDTSCP` (include/unicorn/x86.h), which the crate does not name.
const UC_X86_INS_RDTSC: i32 = 608;
const UC_X86_INS_RDTSCP: i32 = 609;

/// Under `emu386 diff`, rdtsc and rdtscp answer the native run's values ([`syscalls::replay`]):
/// Unicorn's helpers (qemu/target/i386/misc_helper.c) call these hooks first and skip their own
/// reading when one answers true. Installed only while replaying, so other runs pay nothing.
fn add_tsc_hooks(uc: &mut Cpu) -> Result<(), uc_error> {
    for (insn, hook) in [
        (UC_X86_INS_RDTSC, tsc_hook as extern "C" fn(*mut unicorn_engine::uc_engine, *mut c_void) -> i32),
        (UC_X86_INS_RDTSCP, tscp_hook),
    ] {
        let mut id: unicorn_engine::uc_hook = 0;
        // SAFETY: a valid handle; an UC_HOOK_INSN hook takes the instruction id as its one extra
        // argument, and its callback has uc_cb_insn_cpuid_t's signature; it uses no user data.
        let err = unsafe {
            unicorn_engine::uc_hook_add(
                uc.get_handle(),
                &mut id,
                unicorn_engine::HookType::INSN.0 as i32,
                hook as *mut c_void,
                std::ptr::null_mut(),
                1,
                0,
                insn,
            )
        };
        Result::<(), _>::from(err)?;
    }
    Ok(())
}

/// Set eax, edx (and ecx for rdtscp) to the next recorded value, if there is one.
fn replay_tsc(uc: *mut unicorn_engine::uc_engine, rdtscp: bool) -> i32 {
    let Some(e) = syscalls::replay::take(syscalls::replay::Kind::Tsc, &[u32::from(rdtscp)]) else { return 0 };
    let Ok(bytes) = <[u8; 12]>::try_from(e.data) else { return 0 };
    let word = |i: usize| u64::from(u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]));
    let mut regs = vec![(RegisterX86::EAX, word(0)), (RegisterX86::EDX, word(4))];
    if rdtscp {
        regs.push((RegisterX86::ECX, word(8)));
    }
    for (reg, value) in regs {
        // SAFETY: the handle Unicorn passed to its hook; a general register write from inside a
        // hook changes env->regs, which the helper then leaves alone.
        unsafe { unicorn_engine::uc_reg_write(uc, reg as i32, (&value as *const u64).cast()) };
    }
    1
}

extern "C" fn tsc_hook(uc: *mut unicorn_engine::uc_engine, _data: *mut c_void) -> i32 {
    replay_tsc(uc, false)
}

extern "C" fn tscp_hook(uc: *mut unicorn_engine::uc_engine, _data: *mut c_void) -> i32 {
    replay_tsc(uc, true)
}

/// What the host's CPUID says that the guest's CPU depends on, read once per process: on a
/// virtual machine every CPUID traps to the hypervisor (10-17 µs each on this project's
/// machine), and every guest thread's CPU asks.
struct HostCpu {
    /// AuthenticAMD (CPUID.0).
    amd: bool,
    /// UMIP (CPUID.7.0:ECX bit 2), which Linux turns on; leaf 7 is read only when leaf 0 lists it.
    umip: bool,
}

fn host_cpu() -> &'static HostCpu {
    static HOST: std::sync::OnceLock<HostCpu> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let leaf0 = std::arch::x86_64::__cpuid(0);
        HostCpu {
            amd: (leaf0.ebx, leaf0.edx, leaf0.ecx) == (0x6874_7541, 0x6974_6e65, 0x444d_4163),
            umip: leaf0.eax >= 7 && std::arch::x86_64::__cpuid_count(7, 0).ecx & (1 << 2) != 0,
        }
    })
}

/// The CPU model the guest sees through CPUID: one of the host's vendor, so that what glibc
/// chooses by vendor (string functions, cache sizes) is what a native run chooses. Unicorn trims
/// every model to what its translator implements (no AVX), so CPUID advertises no more than the
/// engine does; these two keep ADX, BMI1/2, MOVBE, POPCNT, AES and SSE4.2, which the default
/// model lacked in part (adcx/adox raised SIGILL).
fn cpu_model() -> X86CpuModel {
    if host_cpu().amd {
        X86CpuModel::EPYC_ROME
    } else {
        X86CpuModel::SKYLAKE_CLIENT
    }
}

/// Whether the host CPU has UMIP, which Linux turns on.
fn host_has_umip() -> bool {
    host_cpu().umip
}

/// The signal for a CPU stop that did not go through the interrupt hook: SIGILL for an invalid
/// opcode (#UD), SIGSEGV for everything else (faulting accesses, #GP).
pub fn fault_signal(err: unicorn_engine::uc_error) -> i32 {
    const SIGILL: i32 = 4;
    const SIGSEGV: i32 = 11;
    if INVALID_OPCODE.take() || err == unicorn_engine::uc_error::INSN_INVALID {
        SIGILL
    } else {
        SIGSEGV
    }
}

/// Run `f`, which translates code the guest is not running (see warm.rs), without leaving an
/// invalid-opcode mark for the guest's next stop.
pub fn keeping_opcode_mark<R>(f: impl FnOnce() -> R) -> R {
    let mark = INVALID_OPCODE.get();
    let result = f();
    INVALID_OPCODE.set(mark);
    result
}

/// Whether the invalid-instruction hook fired since [`fault_signal`] last looked.
pub fn invalid_opcode_pending() -> bool {
    INVALID_OPCODE.get()
}

thread_local! {
    /// How many times this thread's engine dropped all its translated code, and some of it
    /// ([`code_drops`]).
    static DROPS: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
    /// Set by the invalid-instruction hook; read (and cleared) by `fault_signal`.
    static INVALID_OPCODE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set while Unicorn drops translated code (see the TLB hook).
    static INVALIDATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How many times [`forget`] dropped all of this thread's translated code, and some of it: what
/// keeps track of translated code (warm.rs) compares them with what it saw last.
pub fn code_drops() -> (u64, u64) {
    DROPS.get()
}

/// Make Unicorn forget what a syscall (or another thread) changed: all translated code or that in
/// `stale_code` ranges, then every TLB entry (also those filled while invalidating).
pub fn forget(uc: &mut Unicorn<'_, ()>, pending: &mut Pending) {
    if std::mem::take(&mut pending.flush_code) {
        pending.stale_code.clear();
        let _ = uc.ctl_flush_tb();
        DROPS.set((DROPS.get().0 + 1, DROPS.get().1));
    }
    if !pending.stale_code.is_empty() {
        DROPS.set((DROPS.get().0, DROPS.get().1 + 1));
        INVALIDATING.set(true);
        for (start, end) in pending.stale_code.drain(..) {
            let _ = uc.ctl_remove_cache(u64::from(start), end);
        }
        INVALIDATING.set(false);
    }
    if std::mem::take(&mut pending.flush_tlb) {
        let _ = uc.ctl_flush_tlb();
    }
}

/// The general registers in the order instructions number them (ModRM, SIB; gdb's order too).
pub const GPRS: [RegisterX86; 8] = [
    RegisterX86::EAX,
    RegisterX86::ECX,
    RegisterX86::EDX,
    RegisterX86::EBX,
    RegisterX86::ESP,
    RegisterX86::EBP,
    RegisterX86::ESI,
    RegisterX86::EDI,
];

/// Write a descriptor-table register.
fn write_mmr(uc: &mut Cpu, reg: RegisterX86, mmr: &X86Mmr) -> Result<(), uc_error> {
    // SAFETY: X86Mmr is uc_x86_mmr's layout; Unicorn reads exactly that struct.
    let bytes = unsafe { std::slice::from_raw_parts((mmr as *const X86Mmr).cast::<u8>(), size_of::<X86Mmr>()) };
    uc.reg_write_long(reg, bytes)
}

/// Fill the fixed GDT entries: Linux's user code and data segments (GDT_ENTRY_DEFAULT_USER32_CS
/// and GDT_ENTRY_DEFAULT_USER_DS on a 64-bit kernel).
fn space_set_gdt(space: &mut GuestSpace) {
    use syscalls::mem::GuestMemory;
    space.set_gdt_entry(4, flat_descriptor(0xb, 3)); // code, execute/read, accessed
    space.set_gdt_entry(5, flat_descriptor(0x3, 3)); // data, read/write, accessed
}

// The patch level of the engine emu386 is built for: the number of patches in emu/unicorn/series,
// which prepare.sh applies to the published unicorn-engine-sys (counted by build.rs).
include!(concat!(env!("OUT_DIR"), "/engine_patch_level.rs"));

/// The patch level the linked engine reports (`UC_CTL_EMU386_PATCH_LEVEL`), or `None` for an
/// engine without emu386's series (the published one answers UC_ERR_ARG).
pub fn engine_patch_level(uc: &Cpu) -> Option<u32> {
    let mut level = 0u32;
    let op = ControlType(ControlType::EMU386_PATCH_LEVEL.0 | ControlType::IO_READ.0);
    // SAFETY: a valid handle; the control writes one uint32_t through the pointer.
    let err = unsafe { uc_ctl(uc.get_handle(), op, &mut level as *mut u32) };
    (err == uc_error::OK).then_some(level)
}

/// Turn Unicorn's exit-request check after every guest load, store and code hook on or off
/// (`UC_CTL_EMU386_ACCESS_EXIT_CHECKS`, patch 0003); it applies to code translated afterwards.
///
/// emu386 turns them off: with the virtual TLB a refused fill raises the guest's page fault, which
/// unwinds at the faulting instruction by itself, and emu386 stops the CPU only from the `int
/// $0x80` hook, which ends a block anyway; on CPU-bound code the checks were about 30% of the
/// time. Under gdb they stay on, so that a breakpoint hook's stop takes effect before the
/// instruction.
fn set_access_exit_checks(uc: &mut Cpu, on: bool) -> Result<(), uc_error> {
    let op = ControlType(ControlType::EMU386_ACCESS_EXIT_CHECKS.0 | ControlType::IO_WRITE.0);
    // SAFETY: a valid handle; the control takes one int.
    Result::from(unsafe { uc_ctl(uc.get_handle(), op, i32::from(on)) })
}

/// Executions after which a block is translated again in full (engine patch 0028, tiered
/// translation); see [`tiered_threshold`].
const TIERED_THRESHOLD: u32 = 1024;

/// The tiered-translation threshold: `EMU386_TIERED` when it is a number (0 turns tiering off:
/// every block is translated in full at once), [`TIERED_THRESHOLD`] otherwise. Read once.
pub fn tiered_threshold() -> u32 {
    static THRESHOLD: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *THRESHOLD.get_or_init(|| {
        std::env::var("EMU386_TIERED").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(TIERED_THRESHOLD)
    })
}

/// Set the engine's tiered translation (`UC_CTL_EMU386_TIERED`, patch 0028): a block is first
/// translated without TCG's optimiser and with an execution counter, and translated again in
/// full at its `threshold`-th run (0: every block in full at once).
///
/// A dynamically linked program's start-up runs some 2,300 blocks of ld.so and libc a few times
/// each: the optimiser's time on them is lost, while the blocks that run long keep it. The engine
/// translates in full whenever a code hook exists or a run has an instruction count (the gdb
/// stub's breakpoints and single steps).
fn set_tiered(uc: &mut Cpu, threshold: u32) -> Result<(), uc_error> {
    let op = ControlType(ControlType::EMU386_TIERED.0 | ControlType::IO_WRITE.0);
    // SAFETY: a valid handle; the control takes one uint32_t.
    Result::from(unsafe { uc_ctl(uc.get_handle(), op, threshold) })
}

/// Move the guest to `eip`; the one way EIP is written while the CPU runs.
///
/// `uc_reg_write` of EIP also sets Unicorn's `skip_sync_pc_on_exit`, which only an exit through
/// its exit-request helper clears. Written in the interrupt hook (a handler frame, a sigreturn,
/// a restart), the CPU leaves by the interrupt check instead, so the flag stays set; the next
/// stop the host handler asks for then leaves EIP wherever it was last stored (a function's entry,
/// a return address) instead of at the block the guest was about to run, and the signal frame
/// saves that stale EIP with the current registers. `uc_reg_write_batch` changes EIP and leaves
/// the block the same way, without the flag.
pub fn set_eip(cpu: &Unicorn<'_, ()>, eip: u32) {
    let regs = [RegisterX86::EIP as i32];
    let value = u64::from(eip);
    let values = [(&raw const value).cast_mut().cast::<libc::c_void>()];
    // SAFETY: a valid handle; one register id and a pointer to a value wide enough for it.
    unsafe { unicorn_engine::uc_reg_write_batch(cpu.get_handle(), regs.as_ptr(), values.as_ptr(), 1) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard of emu/unicorn/PATCHES.md: fails when the engine linked in is not the published
    /// one with the whole series applied (a `cargo update`, a lost `[patch]` entry, a system
    /// libunicorn found by pkg-config, or a series that grew without raising the C level).
    #[test]
    fn the_linked_engine_carries_the_whole_patch_series() {
        let mut uc = Unicorn::new(Arch::X86, Mode::MODE_32).expect("an x86 engine");
        assert_eq!(engine_patch_level(&uc), Some(ENGINE_PATCH_LEVEL), "not the patched engine");
        // The controls the patches add answer (the published engine: UC_ERR_ARG).
        assert_eq!(set_access_exit_checks(&mut uc, false), Ok(()));
        let op = ControlType(ControlType::EMU386_CODE_HUGEPAGES.0 | ControlType::IO_WRITE.0);
        // SAFETY: a valid handle; the control takes one int.
        assert_eq!(unsafe { uc_ctl(uc.get_handle(), op, 0i32) }, uc_error::OK);
        assert_eq!(set_tiered(&mut uc, 16), Ok(()));
        let mut threshold = 0u32;
        let op = ControlType(ControlType::EMU386_TIERED.0 | ControlType::IO_READ.0);
        // SAFETY: a valid handle; the control writes one uint32_t through the pointer.
        assert_eq!(unsafe { uc_ctl(uc.get_handle(), op, &mut threshold as *mut u32) }, uc_error::OK);
        assert_eq!(threshold, 16);
    }

    #[test]
    fn flat_descriptors_match_linux_user_segments() {
        // GDT_ENTRY_INIT(0xc0fb, 0, 0xfffff) is __USER32_CS; 0xc0f3 is __USER_DS.
        assert_eq!(flat_descriptor(0xb, 3), 0x00cf_fb00_0000_ffff);
        assert_eq!(flat_descriptor(0x3, 3), 0x00cf_f300_0000_ffff);
    }
}
