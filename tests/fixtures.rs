//! Every fixture in fixtures/ runs natively and under emu386; status, stdout and stderr must be
//! identical (the host kernel is the oracle). emu/build.rs generates one test per fixture, and
//! each runs three times: linked statically, linked dynamically against the host's i386 glibc
//! (`dynamic::NAME`, loaded through ld-linux.so.2 as the kernel loads it), and linked statically
//! with direct guest addressing off (`soft_mmu::NAME`, `EMU386_DIRECT=0`: every guest access
//! through the engine's soft MMU, as under the gdb stub), so that both modes stay correct.

mod common;

macro_rules! fixture_test {
    ($name:ident) => {
        #[test]
        fn $name() {
            common::check_fixture(stringify!($name), common::Linking::Static);
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/fixture_tests.rs"));

mod dynamic {
    use super::common;

    macro_rules! fixture_test {
        ($name:ident) => {
            #[test]
            fn $name() {
                common::check_fixture(stringify!($name), common::Linking::Dynamic);
            }
        };
    }

    include!(concat!(env!("OUT_DIR"), "/fixture_tests.rs"));
}

mod soft_mmu {
    use super::common;

    macro_rules! fixture_test {
        ($name:ident) => {
            #[test]
            fn $name() {
                common::check_fixture_soft_mmu(stringify!($name));
            }
        };
    }

    include!(concat!(env!("OUT_DIR"), "/fixture_tests.rs"));
}
