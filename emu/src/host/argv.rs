//! The emulator's own argument area, rewritten to show the guest's argv: a write into this
//! process's stack and prctl(PR_SET_MM, PR_SET_MM_MAP).

/// Make `/proc/self/cmdline` (what ps, pidof and pkill read, and the guest too) show the guest's
/// argv instead of the emulator's command line: the emulator's argument area is rewritten in place
/// (nothing reads it after start-up: std's argument list was copied at the top of `main`), and its
/// end moved to the guest's last NUL with PR_SET_MM_MAP, which sets the whole layout of the address
/// space as /proc/self/stat shows it (allowed without privileges, unlike PR_SET_MM_ARG_END); where
/// the kernel lacks it the rest stays as NULs. The guest's strings are never longer than the area
/// (it holds them after the emulator's own words), except with a longer `-0`: then the last ones
/// are cut.
pub fn show_guest_argv(argv: &[Vec<u8>]) {
    // /proc/self/stat: fields 48 and 49 (arg_start, arg_end), counted after the parenthesised comm.
    let Some(stat) = proc_self_stat() else { return };
    let Some((_, after_comm)) = stat.rsplit_once(')') else { return };
    let fields: Vec<usize> = after_comm.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    // Field N is at index N - 3.
    let field = |n: usize| fields.get(n - 3).copied();
    let (Some(start), Some(end)) = (field(48), field(49)) else { return };
    // The kernel shows 0 for these fields to readers it hides them from.
    let Some(len) = end.checked_sub(start).filter(|&n| n > 0 && start != 0) else { return };
    let mut bytes: Vec<u8> = argv.iter().flat_map(|a| a.iter().copied().chain([0])).collect();
    bytes.truncate(len);
    if let Some(last) = bytes.last_mut() {
        *last = 0;
    }
    let used = bytes.len();
    bytes.resize(len, 0);
    // SAFETY: [arg_start, arg_end) is this process's argument area, on its own stack, writable and
    // read by nothing else now (see above).
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), start as *mut u8, len) };
    // SAFETY: sbrk(0) only reads the current break.
    let brk = unsafe { libc::sbrk(0) } as u64;
    let value = |n| field(n).unwrap_or(0) as u64;
    let map = PrctlMmMap {
        start_code: value(26),
        end_code: value(27),
        start_data: value(45),
        end_data: value(46),
        start_brk: value(47),
        brk,
        start_stack: value(28),
        arg_start: start as u64,
        arg_end: (start + used) as u64,
        env_start: value(50),
        env_end: value(51),
        auxv: 0,
        auxv_size: 0,
        exe_fd: u32::MAX,
    };
    // SAFETY: the kernel reads `size_of::<PrctlMmMap>()` bytes of `map`; it checks every address
    // and changes nothing on failure. All but the argument area's end are the current values (the
    // auxiliary vector and the exe link are left alone: size 0, fd -1).
    unsafe { libc::prctl(libc::PR_SET_MM, libc::PR_SET_MM_MAP, &map as *const PrctlMmMap, size_of::<PrctlMmMap>(), 0) };
}

/// /proc/self/stat, read in one read(2) (and the one that finds its end) into a buffer that holds
/// it: 52 numbers and a comm of at most 64 bytes, escaped. `read_to_string` stat()ed the file
/// (size 0 on procfs), asked for its offset and read it in doubling pieces from 32 bytes up.
fn proc_self_stat() -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open("/proc/self/stat").ok()?;
    let mut bytes = vec![0u8; 2048];
    let mut len = 0;
    loop {
        match file.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                if len == bytes.len() {
                    bytes.resize(2 * len, 0);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    bytes.truncate(len);
    String::from_utf8(bytes).ok()
}

/// `struct prctl_mm_map` from linux/prctl.h.
#[repr(C)]
struct PrctlMmMap {
    start_code: u64,
    end_code: u64,
    start_data: u64,
    end_data: u64,
    start_brk: u64,
    brk: u64,
    start_stack: u64,
    arg_start: u64,
    arg_end: u64,
    env_start: u64,
    env_end: u64,
    auxv: u64,
    auxv_size: u32,
    exe_fd: u32,
}
const _: () = assert!(size_of::<PrctlMmMap>() == 104);
