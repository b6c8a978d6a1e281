//! The tracer, line by line against what strace prints.

use super::net::sockaddr;
use super::*;

#[test]
fn strings_are_escaped_and_cut_like_strace() {
    let mut t = String::new();
    quoted(&mut t, b"hello\n", 6);
    assert_eq!(t, r#""hello\n""#);
    let mut t = String::new();
    quoted(&mut t, b"\x1b[0m\x001", 6);
    assert_eq!(t, r#""\33[0m\0001""#);
    let mut t = String::new();
    quoted(&mut t, &[b'a'; 40], 40);
    assert_eq!(t, format!("\"{}\"...", "a".repeat(32)));
}

#[test]
fn socket_addresses_read_like_strace() {
    let mut t = String::new();
    sockaddr(&mut t, &[2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(t, r#"{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}"#);
    let mut t = String::new();
    sockaddr(&mut t, b"\x01\0/tmp/s\0");
    assert_eq!(t, r#"{sa_family=AF_UNIX, sun_path="/tmp/s"}"#);
}

/// Guest memory for the formatter: `bytes` at `base`, nothing else readable.
struct Fake {
    base: u32,
    bytes: Vec<u8>,
}

impl TraceMemory for Fake {
    fn read_prefix(&self, addr: u32, max: usize) -> Cow<'_, [u8]> {
        let start = addr.wrapping_sub(self.base) as usize;
        let bytes = self.bytes.get(start..).unwrap_or(&[]);
        Cow::Borrowed(&bytes[..bytes.len().min(max)])
    }
}

fn line(nr: u32, args: [u32; 6], bytes: &[u8], value: u32) -> String {
    let entry = &crate::table::lookup(nr).unwrap().call;
    format_call(entry, &args, &Fake { base: 0x1000, bytes: bytes.to_vec() }, Some(value), &Before::default())
}

#[test]
fn fcntl_shows_its_argument_and_result_as_the_command_says() {
    assert_eq!(line(nr::fcntl64, [3, 1, 0x1a4, 0, 0, 0], &[], 1), "fcntl64(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)");
    assert_eq!(
        line(nr::fcntl64, [3, 3, 0, 0, 0, 0], &[], 0x8002),
        "fcntl64(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)"
    );
    assert_eq!(line(nr::fcntl64, [3, 2, 3, 0, 0, 0], &[], 0), "fcntl64(3, F_SETFD, FD_CLOEXEC|0x2) = 0");
    assert_eq!(
        line(nr::fcntl64, [3, 9999, 0, 0, 0, 0], &[], -22i32 as u32),
        "fcntl64(3, 0x270f /* F_??? */, 0) = -1 EINVAL (Invalid argument)"
    );
}

#[test]
fn open_shows_a_mode_only_with_o_creat() {
    let path = b"f\0";
    assert_eq!(
        line(nr::openat, [-100i32 as u32, 0x1000, 0o100102, 0o644, 0, 0], path, 3),
        r#"openat(AT_FDCWD, "f", O_RDWR|O_CREAT|O_LARGEFILE, 0644) = 3"#
    );
    assert_eq!(
        line(nr::openat, [-100i32 as u32, 0x1000, 0, 0, 0, 0], path, 3),
        r#"openat(AT_FDCWD, "f", O_RDONLY) = 3"#
    );
    assert_eq!(
        line(nr::openat, [-100i32 as u32, 0x1000, 0o20200002, 0o600, 0, 0], path, 3),
        r#"openat(AT_FDCWD, "f", O_RDWR|O_TMPFILE, 0600) = 3"#
    );
}

#[test]
fn signal_sets_read_like_strace() {
    assert_eq!(decode::sigset_bytes(&[0x02, 0x42, 0, 0, 0, 0, 0, 0]), "[INT USR1 TERM]");
    // glibc's pthread_create blocks everything it may: shown as what is left out.
    assert_eq!(decode::sigset_bytes(&[0xff, 0xff, 0xff, 0x7f, 0xfe, 0xff, 0xff, 0xff]), "~[RTMIN RT_1]");
    assert_eq!(
        line(nr::rt_sigprocmask, [0, 0x1000, 0, 8, 0, 0], &[0x02, 0, 0, 0, 0, 0, 0, 0], 0),
        "rt_sigprocmask(SIG_BLOCK, [INT], NULL, 8) = 0"
    );
}

#[test]
fn poll_shows_the_returned_events_after_the_result() {
    let fds = [3, 0, 0, 0, 1, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0];
    assert_eq!(
        line(nr::poll, [0x1000, 2, 0, 0, 0, 0], &fds, 1),
        "poll([{fd=3, events=POLLIN}, {fd=-1}], 2, 0) = 1 ([{fd=3, revents=POLLIN}])"
    );
    assert_eq!(
        line(nr::poll, [0x1000, 1, 5, 0, 0, 0], &[3, 0, 0, 0, 1, 0, 0, 0], 0),
        "poll([{fd=3, events=POLLIN}], 1, 5) = 0 (Timeout)"
    );
    // An array running into unmapped memory shows where it stops.
    assert_eq!(
        line(nr::poll, [0x1000, 2, 0, 0, 0, 0], &fds[..8], -14i32 as u32),
        "poll([{fd=3, events=POLLIN}, ... /* 0x1008 */], 2, 0) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn stat_and_time_structs_read_like_strace() {
    let mut st = vec![0u8; 96];
    st[16..20].copy_from_slice(&0o100644u32.to_le_bytes());
    st[44..52].copy_from_slice(&5u64.to_le_bytes());
    assert_eq!(
        line(nr::fstat64, [3, 0x1000, 0, 0, 0, 0], &st, 0),
        "fstat64(3, {st_mode=S_IFREG|0644, st_size=5, ...}) = 0"
    );
    assert_eq!(
        line(nr::fstat64, [3, 0x1000, 0, 0, 0, 0], &st, -9i32 as u32),
        "fstat64(3, 0x1000) = -1 EBADF (Bad file descriptor)"
    );
    let ts = [1, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        line(nr::clock_gettime, [1, 0x1000, 0, 0, 0, 0], &ts, 0),
        "clock_gettime(CLOCK_MONOTONIC, {tv_sec=1, tv_nsec=0}) = 0"
    );
    assert_eq!(line(nr::nanosleep, [0x1000, 0, 0, 0, 0, 0], &ts, 0), "nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0");
}

/// Little-endian words, as guest memory holds them.
fn words(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn itimerspecs_read_like_strace() {
    // new at 0x1000, old at 0x1010.
    let mem = words(&[0, 0, 1, 0, 0, 0, 0, 5]);
    assert_eq!(
        line(nr::timerfd_settime, [3, 0, 0x1000, 0x1010, 0, 0], &mem, 0),
        "timerfd_settime(3, 0, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=1, tv_nsec=0}}, \
         {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, tv_nsec=5}}) = 0"
    );
    // What a failed call would have written is not read; the fraction is unsigned.
    let bad = words(&[0, u32::MAX, 1, 0]);
    assert_eq!(
        line(nr::timer_settime, [0, 0, 0x1000, 0x1010, 0, 0], &bad, -22i32 as u32),
        "timer_settime(0, 0, {it_interval={tv_sec=0, tv_nsec=4294967295}, it_value={tv_sec=1, tv_nsec=0}}, \
         0x1010) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        line(nr::timer_settime, [0, 0, 0, 0, 0, 0], &[], -22i32 as u32).split(" = ").next(),
        Some("timer_settime(0, 0, NULL, NULL)")
    );
    let wide = words(&[2, 0, 0, 0, 3, 0, 7, 0]);
    assert_eq!(
        line(nr::timer_gettime64, [0, 0x1000, 0, 0, 0, 0], &wide, 0),
        "timer_gettime64(0, {it_interval={tv_sec=2, tv_nsec=0}, it_value={tv_sec=3, tv_nsec=7}}) = 0"
    );
    // Half a struct is not shown.
    assert_eq!(line(nr::timer_gettime64, [0, 0x1000, 0, 0, 0, 0], &wide[..24], 0), "timer_gettime64(0, 0x1000) = 0");
}

#[test]
fn a_timers_new_value_is_shown_as_it_was_before_the_call() {
    // One struct for the new and the old value: the call reads it, then writes over it.
    let entry = &crate::table::lookup(nr::setitimer).unwrap().call;
    let args = [0, 0x1000, 0x1000, 0, 0, 0];
    let was = Fake { base: 0x1000, bytes: words(&[1, 0, 5, 0]) };
    let now = Fake { base: 0x1000, bytes: words(&[0, 0, 0, 0]) };
    assert_eq!(
        format_call(entry, &args, &now, Some(0), &before(entry, &args, 0, &was)),
        "setitimer(ITIMER_REAL, {it_interval={tv_sec=1, tv_usec=0}, it_value={tv_sec=5, tv_usec=0}}, \
         {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=0}}) = 0"
    );
    // Unreadable as the call started: the address, whatever is there afterwards.
    let entry = &crate::table::lookup(nr::timer_settime64).unwrap().call;
    let args = [0, 0, 0x1000, 0, 0, 0];
    let none = Fake { base: 0x1000, bytes: Vec::new() };
    let wide = Fake { base: 0x1000, bytes: words(&[0, 0, 0, 0, 3, 0, 7, 0]) };
    assert_eq!(
        format_call(entry, &args, &wide, Some(-14i32 as u32), &before(entry, &args, 0, &none)),
        "timer_settime64(0, 0, 0x1000, NULL) = -1 EFAULT (Bad address)"
    );
}

#[test]
fn siginfo_reads_like_strace() {
    let mut si = words(&[10, 0, -1i32 as u32, 1234, 0, 42]);
    si.resize(128, 0);
    assert_eq!(
        line(nr::rt_tgsigqueueinfo, [1234, 1234, 10, 0x1000, 0, 0], &si, 0),
        "rt_tgsigqueueinfo(1234, 1234, SIGUSR1, \
         {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=1234, si_uid=0, si_int=42, si_ptr=0x2a}) = 0"
    );
    // Short of the 128 bytes: the address.
    assert_eq!(
        line(nr::rt_sigqueueinfo, [1234, 10, 0x1000, 0, 0, 0], &si[..100], 0),
        "rt_sigqueueinfo(1234, SIGUSR1, 0x1000) = 0"
    );
    assert_eq!(
        line(nr::rt_sigtimedwait, [0x1100, 0x1000, 0, 8, 0, 0], &si, -11i32 as u32),
        "rt_sigtimedwait(0x1100, 0x1000, NULL, 8) = -1 EAGAIN (Resource temporarily unavailable)"
    );
}

#[test]
fn mq_open_shows_mode_and_attributes_only_with_o_creat() {
    let mut mem = b"q\0\0\0".to_vec();
    mem.extend(words(&[0o4000, 4, 64, 0, 0, 0, 0, 0]));
    assert_eq!(line(nr::mq_open, [0x1000, 2, 0o600, 0x1004, 0, 0], &mem, 3), r#"mq_open("q", O_RDWR) = 3"#);
    assert_eq!(
        line(nr::mq_open, [0x1000, 0o102, 0o600, 0x1004, 0, 0], &mem, 3),
        r#"mq_open("q", O_RDWR|O_CREAT, 0600, {mq_flags=O_NONBLOCK, mq_maxmsg=4, mq_msgsize=64, mq_curmsgs=0}) = 3"#
    );
    assert_eq!(
        line(nr::mq_open, [0x1000, 0o102, 0o600, 0x2000, 0, 0], &mem, -14i32 as u32),
        r#"mq_open("q", O_RDWR|O_CREAT, 0600, 0x2000) = -1 EFAULT (Bad address)"#
    );
}

#[test]
fn memfd_names_are_cut_at_32_bytes() {
    let mut name = vec![b'n'; 40];
    name.push(0);
    let cut = format!(r#"memfd_create("{}"..., 0) = 3"#, "n".repeat(32));
    assert_eq!(line(nr::memfd_create, [0x1000, 0, 0, 0, 0, 0], &name, 3), cut);
    assert_eq!(
        line(nr::memfd_create, [0x1008, 0, 0, 0, 0, 0], &name, 3),
        format!(r#"memfd_create("{}", 0) = 3"#, "n".repeat(32))
    );
    // 33 bytes without a NUL are enough to show it cut, fewer are not.
    assert_eq!(line(nr::memfd_create, [0x1000, 0, 0, 0, 0, 0], &name[..33], 3), cut);
    assert_eq!(line(nr::memfd_create, [0x1000, 0, 0, 0, 0, 0], &name[..32], 3), "memfd_create(0x1000, 0) = 3");
}

#[test]
fn memfd_flags_show_the_huge_page_size_as_a_shift() {
    // strace 6.1's lines for the same calls.
    let flags = |v: u32| {
        let l = line(nr::memfd_create, [0x1000, v, 0, 0, 0, 0], b"x\0", 3);
        l["memfd_create(\"x\", ".len()..l.len() - ") = 3".len()].to_string()
    };
    assert_eq!(flags(0), "0");
    assert_eq!(flags(1 | 8), "MFD_CLOEXEC|0x8");
    assert_eq!(flags(0x10), "0x10 /* MFD_??? */");
    assert_eq!(flags(4 | 8 | 0x10), "MFD_HUGETLB|0x18");
    assert_eq!(flags(4 | 21 << 26), "MFD_HUGETLB|21<<MFD_HUGE_SHIFT");
    assert_eq!(flags(21 << 26), "21<<MFD_HUGE_SHIFT");
    assert_eq!(flags(8 | 21 << 26), "0x8 /* MFD_??? */|21<<MFD_HUGE_SHIFT");
    assert_eq!(flags(0x8000_0000), "32<<MFD_HUGE_SHIFT");
    assert_eq!(flags(u32::MAX), "MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_HUGETLB|0x3fffff8|63<<MFD_HUGE_SHIFT");
}

#[test]
fn socket_constants_read_like_strace() {
    assert_eq!(
        line(nr::socket, [2, 0o2000001, 0, 0, 0, 0], &[], 3),
        "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3"
    );
    assert_eq!(
        line(nr::setsockopt, [3, 1, 2, 0x1000, 4, 0], &[1, 0, 0, 0], 0),
        "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"
    );
    assert_eq!(
        line(nr::getsockopt, [3, 6, 1, 0x1000, 0x1004, 0], &[1, 0, 0, 0, 4, 0, 0, 0], 0),
        "getsockopt(3, SOL_TCP, TCP_NODELAY, [1], [4]) = 0"
    );
    assert_eq!(
        line(nr::socket, [3, 1, 0, 0, 0, 0], &[], -97i32 as u32),
        "socket(AF_AX25, SOCK_STREAM, 0 /* AX25_P_??? */) = -1 EAFNOSUPPORT (Address family not supported by protocol)"
    );
}

#[test]
fn msghdr_reads_like_strace() {
    // msghdr at 0x1000 (28 bytes), iovec at 0x101c, data at 0x1024.
    let mut m = Vec::new();
    for v in [0u32, 0, 0x101c, 1, 0, 0, 0, 0x1024, 2] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    m.extend_from_slice(b"hi");
    assert_eq!(
        line(nr::sendmsg, [3, 0x1000, 0, 0, 0, 0], &m, 2),
        r#"sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hi", iov_len=2}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 2"#
    );
}

#[test]
fn unknown_errno_values_show_as_numbers() {
    assert_eq!(line(nr::fcntl64, [3, 9, 0, 0, 0, 0], &[], -1061i32 as u32), "fcntl64(3, F_GETOWN) = -1 (errno 1061)");
}

#[test]
fn open_flags_read_like_strace() {
    let mut t = String::new();
    open_flags(&mut t, 0o2100101);
    assert_eq!(t, "O_WRONLY|O_CREAT|O_LARGEFILE|O_CLOEXEC");
}
