//! Replay of a native run's nondeterministic inputs, for `emu386 diff`: the random bytes, clock
//! readings and time stamp counter values the program received natively are handed back to the
//! emulated program at the same points, so that both compute from the same values.
//!
//! The contract, for the code that asks (one call each, [`take`]): "is there a recorded value for
//! this input, here?". The answer is the next recorded event of that [`Kind`] in the asking task's
//! stream when its key (the call's number and the arguments that decide what is read) matches; on
//! the first mismatch that kind stops replaying for that stream (the emulated side's own values are
//! used from then on) and the report says where. Nothing here ever supplies a pid, an fd or an
//! address: the keys and values are bytes and clock readings only.
//!
//! Streams: one per task (process or thread) and program (exec generation), named `PATH#GEN`. PATH
//! names the task by its place in the creation tree, the same on both sides: `1` is the first
//! process, `P.k` the k-th task (process or thread) that task `P` created; GEN counts the programs
//! it executed (0 for the first). The native side (emu/src/diff/native.rs) writes a [`Recording`]
//! in this format; an emulated run started with it ([`load`]) replays it, carries its place over a
//! guest execve ([`exec_options`]) and appends what it replayed to a report file ([`flush`]).
//! Without [`load`] every question answers `None` at the cost of one relaxed atomic load.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;

/// What an event stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// getrandom(2): key (length, flags); the bytes written, the result their count.
    Random,
    /// The 16 AT_RANDOM bytes of the auxiliary vector, once per program.
    AtRandom,
    /// A clock read: key (syscall number, clock id) for clock_gettime and clock_gettime64, (number)
    /// for gettimeofday and time; the bytes written (the timespec or timeval), the result (time's
    /// seconds).
    Clock,
    /// rdtsc (key 0: eax, edx) and rdtscp (key 1: eax, edx, ecx), as 8 + 4 bytes.
    Tsc,
    /// Where the native program's vDSO and its data pages lie (start and end, u32 each), once per
    /// program. Not handed to the program: the emulated run keeps that range free ([`vdso_range`]),
    /// so that its own mappings land where the native run's do.
    Vdso,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Random, Kind::AtRandom, Kind::Clock, Kind::Tsc, Kind::Vdso];

    /// The name in recordings and reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Random => "getrandom",
            Kind::AtRandom => "AT_RANDOM",
            Kind::Clock => "clock",
            Kind::Tsc => "rdtsc",
            Kind::Vdso => "vDSO",
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One recorded input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: Kind,
    pub key: Vec<u32>,
    pub ret: u32,
    pub data: Vec<u8>,
}

/// Events by stream (`PATH#GEN`), each stream in call order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recording {
    pub streams: BTreeMap<String, Vec<Event>>,
}

/// The name of a task's stream.
pub fn stream_name(path: &str, generation: u32) -> String {
    format!("{path}#{generation}")
}

impl Recording {
    /// The text form: one event a line, `STREAM KIND KEY,... RET HEX` (`-` for an empty key or
    /// data).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (stream, events) in &self.streams {
            for e in events {
                let key = e.key.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
                let data: String = e.data.iter().fold(String::new(), |mut s, b| {
                    let _ = write!(s, "{b:02x}");
                    s
                });
                let dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
                let _ = writeln!(out, "{stream} {} {} {} {}", e.kind.name(), dash(key), e.ret, dash(data));
            }
        }
        out
    }

    /// Parse [`Recording::to_text`]; lines that do not parse are left out.
    pub fn parse(text: &str) -> Recording {
        let mut rec = Recording::default();
        for line in text.lines() {
            let mut w = line.split(' ');
            let (Some(stream), Some(kind), Some(key), Some(ret), Some(data), None) =
                (w.next(), w.next(), w.next(), w.next(), w.next(), w.next())
            else {
                continue;
            };
            let Some(kind) = Kind::from_name(kind) else { continue };
            let key: Option<Vec<u32>> =
                if key == "-" { Some(Vec::new()) } else { key.split(',').map(|k| k.parse().ok()).collect() };
            let data: Option<Vec<u8>> = if data == "-" {
                Some(Vec::new())
            } else {
                (0..data.len() / 2)
                    .map(|i| data.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                    .collect()
            };
            let (Some(key), Ok(ret), Some(data)) = (key, ret.parse(), data) else { continue };
            rec.streams.entry(stream.to_string()).or_default().push(Event { kind, key, ret, data });
        }
        rec
    }
}

/// Where a task stands in the creation tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub generation: u32,
    /// The number the next task it creates gets.
    pub next_child: u32,
}

impl Place {
    /// The first process of a run.
    pub fn root() -> Place {
        Place { path: "1".into(), generation: 0, next_child: 1 }
    }

    /// `PATH,GEN,NEXT`, as the hidden option carries it.
    pub fn to_option(&self) -> String {
        format!("{},{},{}", self.path, self.generation, self.next_child)
    }

    pub fn parse(text: &str) -> Option<Place> {
        let mut w = text.split(',');
        let path = w.next()?.to_string();
        let generation = w.next()?.parse().ok()?;
        let next_child = w.next()?.parse().ok()?;
        Some(Place { path, generation, next_child })
    }

    fn stream(&self) -> String {
        stream_name(&self.path, self.generation)
    }

    fn child(&self) -> Place {
        Place { path: format!("{}.{}", self.path, self.next_child), generation: 0, next_child: 1 }
    }
}

/// A stream being replayed.
#[derive(Default)]
struct Cursor {
    /// Its events, by kind.
    events: BTreeMap<Kind, Vec<Event>>,
    /// Per kind: how many of its events were handed out.
    used: BTreeMap<Kind, usize>,
    /// Per kind: where replay stopped, and why.
    stopped: BTreeMap<Kind, String>,
}

struct State {
    recording: BTreeMap<String, Cursor>,
    report: PathBuf,
    recording_file: PathBuf,
    /// Streams this process asked about since its last report.
    touched: BTreeSet<String>,
}

static ACTIVE: AtomicBool = AtomicBool::new(false);
static STATE: Mutex<Option<State>> = Mutex::new(None);

thread_local! {
    /// The calling guest task's place (each guest thread is a host thread).
    static PLACE: RefCell<Option<Place>> = const { RefCell::new(None) };
}

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    let mut guard = STATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    guard.as_mut().map(f)
}

/// The report file that goes with a recording file.
pub fn report_file(recording: &std::path::Path) -> PathBuf {
    let mut name = recording.as_os_str().to_owned();
    name.push(".report");
    PathBuf::from(name)
}

/// Start replaying `file` as the task at `place` (the emulator's start-up, once). A file that
/// cannot be read replays nothing, which the report then shows.
pub fn load(file: PathBuf, place: Place) {
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let recording = Recording::parse(&text)
        .streams
        .into_iter()
        .map(|(name, events)| {
            let mut by_kind: BTreeMap<Kind, Vec<Event>> = BTreeMap::new();
            for e in events {
                by_kind.entry(e.kind).or_default().push(e);
            }
            (name, Cursor { events: by_kind, ..Cursor::default() })
        })
        .collect();
    let touched = [place.stream()].into();
    *STATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
        Some(State { recording, report: report_file(&file), recording_file: file, touched });
    PLACE.with(|p| *p.borrow_mut() = Some(place));
    ACTIVE.store(true, Relaxed);
}

/// Whether a recording is being replayed.
pub fn active() -> bool {
    ACTIVE.load(Relaxed)
}

fn describe(kind: Kind, key: &[u32]) -> String {
    let key = key.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    format!("{}({key})", kind.name())
}

/// The recorded value for this input of the calling task, if replay is on and the stream still
/// matches: the next event of `kind` in its stream, when its key is `key`. Otherwise `None`, and
/// the kind stops replaying for this stream (the first mismatch is reported).
pub fn take(kind: Kind, key: &[u32]) -> Option<Event> {
    if !active() {
        return None;
    }
    let stream = PLACE.with(|p| p.borrow().as_ref().map(Place::stream))?;
    with_state(|state| {
        state.touched.insert(stream.clone());
        let cursor = state.recording.entry(stream).or_default();
        if cursor.stopped.contains_key(&kind) {
            return None;
        }
        let used = cursor.used.entry(kind).or_default();
        let next = cursor.events.get(&kind).and_then(|events| events.get(*used));
        match next {
            Some(e) if e.key == key => {
                *used += 1;
                Some(e.clone())
            }
            other => {
                let native = other.map_or("no more".to_string(), |e| describe(kind, &e.key));
                let why =
                    format!("at {} {}: native {native}, emulated {}", kind.name(), *used + 1, describe(kind, key));
                cursor.stopped.insert(kind, why);
                None
            }
        }
    })
    .flatten()
}

/// How a clock reading is laid out in a recorded event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `struct old_timespec32`: seconds, nanoseconds (i32 each).
    Timespec32,
    /// `struct __kernel_timespec`: seconds, nanoseconds (i64 each).
    Timespec64,
    /// `struct old_timeval32`: seconds, microseconds (i32 each).
    Timeval32,
    /// time(2)'s result: whole seconds.
    Seconds,
}

/// Per clock (its base, [`clock_base`]): how far the replayed readings lie from the emulated
/// run's own, in nanoseconds (replayed minus real, at the last replayed read). Threads share it,
/// a forked child inherits it, as a time namespace's offsets.
static OFFSETS: Mutex<BTreeMap<u32, i64>> = Mutex::new(BTreeMap::new());

/// The clock whose offset a clock id shares: the coarse, raw and alarm variants read the same
/// time as their base clock. `None` for the CPU-time clocks and unknown ids.
fn clock_base(id: u32) -> Option<u32> {
    match id {
        // CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_REALTIME_ALARM.
        0 | 5 | 8 => Some(0),
        // CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE.
        1 | 4 | 6 => Some(1),
        // CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM.
        7 | 9 => Some(7),
        // CLOCK_TAI.
        11 => Some(11),
        _ => None,
    }
}

fn nanos(sec: i64, nsec: i64) -> i64 {
    sec.saturating_mul(1_000_000_000).saturating_add(nsec)
}

/// A recorded reading, in nanoseconds.
fn reading(layout: Layout, e: &Event) -> Option<i64> {
    let word = |i: usize| e.data.get(i..i + 4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(i32::from_le_bytes);
    let quad = |i: usize| e.data.get(i..i + 8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(i64::from_le_bytes);
    Some(match layout {
        Layout::Timespec32 => nanos(word(0)?.into(), word(4)?.into()),
        // The compat rule: only the low 32 bits of tv_nsec count.
        Layout::Timespec64 => nanos(quad(0)?, i64::from(quad(8)? as i32)),
        Layout::Timeval32 => nanos(word(0)?.into(), i64::from(word(4)?).saturating_mul(1000)),
        Layout::Seconds => nanos(i64::from(e.ret as i32), 0),
    })
}

/// A clock read of clock `clock` (by syscall key, as [`take`]) whose real reading in the emulated
/// run is `real`: the recorded event, if any, and the clock's offset is
/// remembered so that absolute deadlines the program computes from the replayed reading can be
/// moved onto the real clock ([`host_deadline`]). A reading in whole seconds (time(2)) sets the
/// offset only while no finer one is known.
pub fn take_clock(key: &[u32], clock: u32, layout: Layout, real: &libc::timespec) -> Option<Event> {
    let e = take(Kind::Clock, key)?;
    if let (Some(base), Some(replayed)) = (clock_base(clock), reading(layout, &e)) {
        let offset = replayed.saturating_sub(nanos(real.tv_sec, real.tv_nsec));
        let mut offsets = OFFSETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if layout != Layout::Seconds || !offsets.contains_key(&base) {
            offsets.insert(base, offset);
        }
    }
    Some(e)
}

/// An absolute deadline `(sec, nsec)` on clock `clock`, as the program computed it from replayed
/// readings, moved onto the emulated run's real clock (the offset of the last replayed read of
/// that clock taken off). Unchanged when nothing of that clock was replayed, and for values
/// that are not a valid timespec.
fn host_deadline(clock: u32, sec: &mut i64, nsec: &mut i64) {
    // timespec64_valid(): the host must refuse an invalid one as it is.
    if !active() || *sec < 0 || !(0..1_000_000_000).contains(nsec) {
        return;
    }
    let Some(base) = clock_base(clock) else { return };
    let Some(offset) = OFFSETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&base).copied() else {
        return;
    };
    (*sec, *nsec) = shift(*sec, *nsec, offset);
}

/// `(sec, nsec)` less `offset` nanoseconds; a deadline moved before the clock's zero stays at it
/// (it has passed either way).
fn shift(sec: i64, nsec: i64, offset: i64) -> (i64, i64) {
    let moved = nanos(sec, nsec).saturating_sub(offset).max(0);
    (moved / 1_000_000_000, moved % 1_000_000_000)
}

/// An absolute time on clock `clock` the kernel hands the program (`sec` and `sub` in units of
/// `unit` nanoseconds: a packet's arrival time), moved onto the clock of the program's replayed
/// readings: the opposite of [`host_deadline`]. Unchanged when nothing of that clock was
/// replayed.
pub fn handed_back(clock: u32, sec: &mut i64, sub: &mut i64, unit: i64) {
    if !active() || unit <= 0 || !(0..1_000_000_000 / unit).contains(sub) {
        return;
    }
    let Some(base) = clock_base(clock) else { return };
    let Some(offset) = OFFSETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&base).copied() else {
        return;
    };
    let (s, ns) = shift(*sec, *sub * unit, -offset);
    (*sec, *sub) = (s, ns / unit);
}

/// The clock of the timerfd `host_fd` (fs/timerfd.c shows it in /proc/self/fdinfo as `clockid:`).
fn timerfd_clock(host_fd: i32) -> Option<u32> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{host_fd}")).ok()?;
    info.lines().find_map(|l| l.strip_prefix("clockid:")).and_then(|v| v.trim().parse().ok())
}

/// The clock of the POSIX timer `id` (kernel/time/posix-timers.c lists the process's timers in
/// /proc/self/timers: `ID: n` … `ClockID: c`).
fn timer_clock(id: i32) -> Option<u32> {
    let text = std::fs::read_to_string("/proc/self/timers").ok()?;
    let mut current = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("ID:") {
            current = v.trim().parse::<i32>().ok();
        } else if let Some(v) = line.strip_prefix("ClockID:") {
            if current == Some(id) {
                return v.trim().parse().ok();
            }
        }
    }
    None
}

/// Where an absolute deadline's clock comes from.
#[derive(Debug, Clone, Copy)]
pub enum DeadlineClock {
    /// A clock id.
    Clock(u32),
    /// The clock a timerfd was created with (its host fd).
    Timerfd(i32),
    /// The clock a POSIX timer was created with (its id).
    Timer(i32),
}

/// An absolute deadline a program passes (`abstime`: TIMER_ABSTIME, TFD_TIMER_ABSTIME, a futex
/// wait on a bitset, an mq timeout), moved onto the emulated run's real clock ([`host_deadline`]);
/// the clock is looked up only with replay on and a clock replayed. An all-zero value (a timer
/// disarmed) is left alone. timerfd_gettime and timer_gettime answer the time left, so nothing
/// of theirs needs moving back; a packet's arrival time does ([`handed_back`]).
pub fn deadline(clock: DeadlineClock, abstime: bool, value: &mut libc::timespec) {
    if !abstime || !active() || OFFSETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_empty() {
        return;
    }
    let clock = match clock {
        DeadlineClock::Clock(id) => Some(id),
        DeadlineClock::Timerfd(fd) => timerfd_clock(fd),
        DeadlineClock::Timer(id) => timer_clock(id),
    };
    // An all-zero value disarms the timer: not a deadline.
    if let Some(clock) = clock.filter(|_| value.tv_sec != 0 || value.tv_nsec != 0) {
        let (mut sec, mut nsec) = (value.tv_sec, value.tv_nsec);
        host_deadline(clock, &mut sec, &mut nsec);
        (value.tv_sec, value.tv_nsec) = (sec, nsec);
    }
}

/// The range the native program's vDSO (with its data pages) occupied, `(start, end)`, if
/// recorded: the emulated program's start-up keeps it free.
pub fn vdso_range() -> Option<(u32, u32)> {
    let e = take(Kind::Vdso, &[])?;
    let word = |i: usize| e.data.get(i..i + 4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_le_bytes);
    Some((word(0)?, word(4)?)).filter(|(start, end)| start < end)
}

/// A task was created by the calling one (fork, vfork, clone: its result in the parent).
pub fn created_child() {
    if active() {
        PLACE.with(|p| {
            if let Some(place) = p.borrow_mut().as_mut() {
                place.next_child += 1;
            }
        });
    }
}

/// In a new process (a fork's child, before it runs guest code): it is the calling task's next
/// child, and reports only its own stream.
pub fn forked_child() {
    if !active() {
        return;
    }
    let Some(child) = PLACE.with(|p| p.borrow().as_ref().map(Place::child)) else { return };
    with_state(|state| state.touched = [child.stream()].into());
    PLACE.with(|p| *p.borrow_mut() = Some(child));
}

/// The place of the thread the calling task is creating (its next child); [`enter`] it in the
/// thread.
pub fn thread_child() -> Option<Place> {
    if !active() {
        return None;
    }
    PLACE.with(|p| p.borrow().as_ref().map(Place::child))
}

/// The calling host thread runs the guest task at `place`.
pub fn enter(place: Option<Place>) {
    if let Some(place) = place {
        with_state(|state| state.touched.insert(place.stream()));
        PLACE.with(|p| *p.borrow_mut() = Some(place));
    }
}

/// The hidden options that carry replay over a guest execve of an i386 program (the calling task
/// goes on as its next program); empty when replay is off. Reports what was replayed so far.
pub fn exec_options() -> Vec<String> {
    if !active() {
        return Vec::new();
    }
    flush();
    let Some(place) = PLACE.with(|p| p.borrow().clone()) else { return Vec::new() };
    let Some(file) = with_state(|s| s.recording_file.clone()) else { return Vec::new() };
    let next = Place { generation: place.generation + 1, ..place };
    vec![format!("--replay={}", file.display()), format!("--replay-place={}", next.to_option())]
}

/// Append what this process replayed to the report file, one line per stream and kind asked
/// about: `STREAM KIND REPLAYED [WHERE IT STOPPED]`. Called when the process ends or executes
/// another program; the counts are totals, so a stream reported twice (an execve that failed late)
/// is read by its larger count.
pub fn flush() {
    if !active() {
        return;
    }
    let lines = with_state(|state| {
        let mut out = String::new();
        for name in &state.touched {
            let Some(cursor) = state.recording.get(name) else { continue };
            let kinds: BTreeSet<Kind> = cursor.used.keys().chain(cursor.stopped.keys()).copied().collect();
            for kind in kinds {
                let used = cursor.used.get(&kind).copied().unwrap_or(0);
                let stop = cursor.stopped.get(&kind).map_or(String::new(), |s| format!(" {s}"));
                let _ = writeln!(out, "{name} {} {used}{stop}", kind.name());
            }
        }
        (state.report.clone(), out)
    });
    let Some((report, text)) = lines.filter(|(_, t)| !t.is_empty()) else { return };
    // One write on an O_APPEND file: the lines of processes ending together do not interleave.
    if let Ok(mut f) = std::fs::OpenOptions::new().append(true).create(true).open(report) {
        let _ = f.write_all(text.as_bytes());
    }
}

/// One line of a report file, parsed: stream, kind, count replayed, where it stopped.
pub fn parse_report_line(line: &str) -> Option<(String, Kind, usize, Option<String>)> {
    let mut w = line.splitn(4, ' ');
    let stream = w.next()?.to_string();
    let kind = Kind::from_name(w.next()?)?;
    let used = w.next()?.parse().ok()?;
    Some((stream, kind, used, w.next().map(str::to_string)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_read_back() {
        let mut rec = Recording::default();
        rec.streams.insert(
            "1#0".into(),
            vec![
                Event { kind: Kind::Random, key: vec![16, 1], ret: 16, data: (0..16).collect() },
                Event { kind: Kind::AtRandom, key: vec![], ret: 0, data: vec![0xff; 16] },
            ],
        );
        rec.streams.insert("1.2#1".into(), vec![Event { kind: Kind::Tsc, key: vec![0], ret: 0, data: vec![] }]);
        assert_eq!(Recording::parse(&rec.to_text()), rec);
        assert_eq!(Recording::parse("1#0 nonsense 1 2 -\n1#0 clock x 0 -\n"), Recording::default());
    }

    #[test]
    fn deadlines_move_by_the_clock_offset() {
        let ts32 = |sec: i32, nsec: i32| Event {
            kind: Kind::Clock,
            key: vec![],
            ret: 0,
            data: [sec.to_le_bytes(), nsec.to_le_bytes()].concat(),
        };
        assert_eq!(reading(Layout::Timespec32, &ts32(5, 7)), Some(5_000_000_007));
        assert_eq!(reading(Layout::Timeval32, &ts32(5, 7)), Some(5_000_007_000));
        assert_eq!(reading(Layout::Timespec32, &Event { data: vec![1, 2], ..ts32(0, 0) }), None);
        let ts64 = Event { data: [5i64.to_le_bytes(), (1i64 << 32 | 9).to_le_bytes()].concat(), ..ts32(0, 0) };
        assert_eq!(reading(Layout::Timespec64, &ts64), Some(5_000_000_009));
        assert_eq!(reading(Layout::Seconds, &Event { ret: 12, ..ts32(0, 0) }), Some(12_000_000_000));
        // Replayed 2.5 s behind the real clock: a deadline 1 s after the replayed "now" is 1 s after
        // the real one.
        assert_eq!(shift(11, 0, -2_500_000_000), (13, 500_000_000));
        assert_eq!(shift(1, 0, 5_000_000_000), (0, 0));
        assert_eq!((clock_base(6), clock_base(5), clock_base(9), clock_base(2)), (Some(1), Some(0), Some(7), None));
    }

    #[test]
    fn places_name_children_in_creation_order() {
        let mut root = Place::root();
        assert_eq!(root.child().path, "1.1");
        root.next_child += 1;
        let child = root.child();
        assert_eq!((child.path.as_str(), child.next_child), ("1.2", 1));
        assert_eq!(Place::parse(&child.to_option()), Some(child));
        assert_eq!(
            parse_report_line("1.2#0 clock 3 at clock 4: x"),
            Some(("1.2#0".into(), Kind::Clock, 3, Some("at clock 4: x".into())))
        );
    }
}
