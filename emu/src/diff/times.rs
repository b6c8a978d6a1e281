//! Readings of clocks and sizes that depend on timing, made equal on both sides: see the
//! normaliser's module comment ([`super::normalize`]).

/// The calls that write back what is left of their timeout.
pub const SELECTS: &[&str] = &["select", "_newselect", "pselect6", "pselect6_time64", "ppoll", "ppoll_time64"];

/// What is left of the timeout of a call that returned ready descriptors: anything from nothing
/// to all of it, depending on how long the call took (`tv_nsec=0` too).
pub fn time_left(line: &str) -> String {
    line.replace("tv_nsec=0}", "tv_nsec=NSEC}").replace("tv_usec=0}", "tv_usec=USEC}")
}

/// The time fields of a line made equal; see the module comment.
pub fn sub_second_times(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = ["tv_nsec=", "tv_usec=", "ru_utime=", "ru_stime=", "si_utime=", "si_stime="]
        .iter()
        .filter_map(|key| rest.find(key).map(|i| (i, *key)))
        .min()
    {
        let (i, key) = at;
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        if key.starts_with("ru_") {
            // `{tv_sec=0, tv_usec=181}`: the whole struct.
            let end = rest.find('}').map_or(rest.len(), |e| e + 1);
            out.push_str("TIME");
            rest = &rest[end..];
            continue;
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if key.starts_with("si_") {
            // A child's CPU time in a siginfo, in clock ticks.
            out.push_str("TIME");
            rest = &rest[digits..];
            continue;
        }
        match &rest[..digits] {
            "" | "0" => {}
            _ if key == "tv_nsec=" => out.push_str("NSEC"),
            _ => out.push_str("USEC"),
        }
        if matches!(&rest[..digits], "" | "0") {
            out.push_str(&rest[..digits]);
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    if out.contains("TIMER_ABSTIME") {
        // An absolute deadline is a clock reading plus an interval: the seconds too.
        out = absolute_seconds(&out);
    }
    out
}

/// The size of standard output or error in a stat of fd 1 or 2 becomes `SIZE`: the tool captures
/// them in files, whose size when the program looks depends on when its other processes wrote.
pub fn stdio_sizes(line: &str) -> String {
    let stdio = ["statx(1, ", "statx(2, ", "fstat64(1, ", "fstat64(2, ", "fstat(1, ", "fstat(2, "];
    if !stdio.iter().any(|p| line.starts_with(p)) {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = ["stx_size=", "st_size="].iter().filter_map(|k| rest.find(k).map(|i| i + k.len())).min() {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str(if digits > 0 { "SIZE" } else { "" });
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// `tv_sec=1863` → `tv_sec=SEC` throughout `line`.
fn absolute_seconds(line: &str) -> String {
    let mut parts = line.split("tv_sec=");
    let mut out = parts.next().unwrap_or("").to_string();
    for part in parts {
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        out.push_str("tv_sec=");
        out.push_str(if digits > 0 { "SEC" } else { "" });
        out.push_str(&part[digits..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_second_times_are_made_equal() {
        assert_eq!(
            sub_second_times("select(7, PTR, NULL, NULL, {tv_sec=4, tv_usec=999998}) = 1"),
            "select(7, PTR, NULL, NULL, {tv_sec=4, tv_usec=USEC}) = 1"
        );
        assert_eq!(
            sub_second_times("nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0"),
            "nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0"
        );
        assert_eq!(
            sub_second_times("wait4(PID2, [{WIFEXITED(s)}], 0, {ru_utime={tv_sec=0, tv_usec=181}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = PID2"),
            "wait4(PID2, [{WIFEXITED(s)}], 0, {ru_utime=TIME, ru_stime=TIME, ...}) = PID2"
        );
        assert_eq!(
            sub_second_times("rt_sigtimedwait([CHLD], {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=PID2, si_uid=0, si_status=0, si_utime=3, si_stime=0}, NULL, 8) = 17 (SIGCHLD)"),
            "rt_sigtimedwait([CHLD], {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=PID2, si_uid=0, si_status=0, si_utime=TIME, si_stime=TIME}, NULL, 8) = 17 (SIGCHLD)"
        );
    }

    #[test]
    fn the_size_of_standard_output_is_timing() {
        assert_eq!(
            stdio_sizes(
                "statx(1, \"\", AT_EMPTY_PATH, STATX_BASIC_STATS, {stx_mode=S_IFREG|0644, stx_size=42, ...}) = 0"
            ),
            "statx(1, \"\", AT_EMPTY_PATH, STATX_BASIC_STATS, {stx_mode=S_IFREG|0644, stx_size=SIZE, ...}) = 0"
        );
        let other = "statx(3, \"\", AT_EMPTY_PATH, STATX_BASIC_STATS, {stx_size=42, ...}) = 0";
        assert_eq!(stdio_sizes(other), other);
    }

    #[test]
    fn absolute_deadlines_lose_their_seconds() {
        assert_eq!(
            sub_second_times("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1863, tv_nsec=5}, 0x1000) = 0"),
            "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=SEC, tv_nsec=NSEC}, 0x1000) = 0"
        );
    }
}
