//! Every fixture in fixtures/ runs natively and under emu386; status, stdout and stderr must be
//! identical (the host kernel is the oracle). emu/build.rs generates one test per fixture.

mod common;

macro_rules! fixture_test {
    ($name:ident) => {
        #[test]
        fn $name() {
            common::check_fixture(stringify!($name));
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/fixture_tests.rs"));
