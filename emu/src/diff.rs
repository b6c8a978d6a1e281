//! `emu386 diff` (being written).

use std::ffi::OsString;
use std::process::ExitCode;

pub fn main(_args: &[OsString]) -> ExitCode {
    eprintln!("emu386 diff: not available yet");
    ExitCode::from(2)
}
