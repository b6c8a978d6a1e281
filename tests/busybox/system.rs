//! What busybox asks of the system: dates and clocks, the environment and ids, exit statuses,
//! sleeping, unknown applets and options.

use crate::case::case;

#[test]
fn date_fixed() {
    case()
        .run(&["date", "-u", "-d", "@0"])
        .run(&["date", "-u", "-d", "@1234567890", "+%Y-%m-%d %H:%M:%S %j %a"])
        .run(&["date", "-u", "-d", "2020-02-29 13:14:15", "+%s"])
        .check();
}

/// The current time and temporary names: they agree only when the emulated run gets the native
/// run's clock reads and random bytes, which `emu386 diff` replays.
#[test]
fn date_now_and_mktemp_under_diff() {
    case()
        .diff_only(&["date"])
        .diff_only(&["date", "+%s %N"])
        .diff_only(&["mktemp", "-p", "."])
        .diff_only(&["mktemp", "-d", "-p", "."])
        .check();
}

#[test]
fn env_and_ids() {
    // The environment the emulator hands to the guest must be exactly its own.
    case().run(&["env"]).run(&["id"]).run(&["whoami"]).run(&["pwd"]).run(&["uname", "-a"]).run(&["nproc"]).check();
}

#[test]
fn true_false_sleep() {
    case().run(&["true"]).run(&["false"]).run(&["sleep", "0.05"]).run(&["sleep", "x"]).check();
}

#[test]
fn unknown_applet_and_options() {
    case().run(&["nosuchapplet"]).run(&["ls", "--nosuchoption"]).run(&["sort", "-k"]).check();
}
