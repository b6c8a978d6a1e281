//! `emu386 suite` (being written).

use std::ffi::OsString;
use std::process::ExitCode;

pub fn main(_args: &[OsString]) -> ExitCode {
    eprintln!("emu386 suite: not available yet");
    ExitCode::from(2)
}
