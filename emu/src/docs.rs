//! `emu386 manpage` and `emu386 completions SHELL`: the man page (roff) and shell completions,
//! generated from the command-line definitions (clap), so that they cannot drift from them.
//! `emu/release.sh` writes them into `target/dist/` next to the binary.

use clap::Command;
use std::ffi::OsString;
use std::process::ExitCode;
use std::str::FromStr;

/// Print emu386(1) in roff.
pub fn manpage(command: Command) -> ExitCode {
    let mut out = Vec::new();
    match clap_mangen::Man::new(command).render(&mut out) {
        Ok(()) => print_bytes(&out),
        Err(e) => {
            eprintln!("emu386 manpage: {e}");
            ExitCode::from(1)
        }
    }
}

/// Print the completion script for the shell named in `args` (bash, zsh, fish, elvish,
/// powershell).
pub fn completions(mut command: Command, args: &[OsString]) -> ExitCode {
    let shells = "bash, zsh, fish, elvish or powershell";
    let [name] = args else {
        eprintln!("usage: emu386 completions SHELL ({shells})");
        return ExitCode::from(2);
    };
    let Some(shell) = name.to_str().and_then(|n| clap_complete::Shell::from_str(n).ok()) else {
        eprintln!("emu386 completions: {name:?} is not one of {shells}");
        return ExitCode::from(2);
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "emu386", &mut out);
    print_bytes(&out)
}

fn print_bytes(bytes: &[u8]) -> ExitCode {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}
