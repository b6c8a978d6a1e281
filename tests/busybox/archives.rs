//! Checksums, archives and compression: sha*sum and md5sum, tar, gzip, bzip2 and xz.

use crate::case::case;
use crate::inputs::{noise, some_tree, text, MIB};

#[test]
fn sha256sum_1mib() {
    case().file("big", noise(MIB, 11)).run(&["sha256sum", "big"]).pipe(&["sha256sum", "-c"]).check();
}

#[test]
fn md5sum_and_sha1sum() {
    case()
        .file("big", noise(MIB, 12))
        .file("small", "abc")
        .run(&["md5sum", "big", "small"])
        .run(&["sha1sum", "big"])
        .run(&["sha512sum", "small"])
        .run_with(&["md5sum"], "stdin data")
        .check();
}

#[test]
fn tar_create_list_extract() {
    some_tree()
        .run(&["tar", "-cf", "../out.tar", "."])
        .run(&["tar", "-tvf", "../out.tar"])
        .run(&["mkdir", "x"])
        .run(&["tar", "-xf", "../out.tar", "-C", "x"])
        .tree()
        .check();
}

#[test]
fn tar_gzip_filter() {
    some_tree().run(&["tar", "-czf", "../out.tgz", "sub"]).run(&["tar", "-tzf", "../out.tgz"]).check();
}

#[test]
fn gzip_gunzip_round_trip() {
    case()
        .file("t", text(5000))
        .run(&["gzip", "-9", "t"])
        .run(&["ls", "-l", "t.gz"])
        .run(&["gunzip", "t.gz"])
        .run(&["sha256sum", "t"])
        .tree()
        .check();
}

#[test]
fn gzip_stdout_sha256() {
    case().file("big", text(30000)).run(&["gzip", "-c", "big"]).pipe(&["sha256sum"]).check();
}

#[test]
fn gunzip_corrupt() {
    case().file("bad.gz", b"\x1f\x8b\x08\x00garbage").run(&["gunzip", "-c", "bad.gz"]).check();
}

#[test]
fn bzip2_and_xz() {
    case()
        .file("t", text(3000))
        .run(&["bzip2", "-k", "t"])
        .run(&["bzcat", "t.bz2"])
        .pipe(&["md5sum"])
        .run(&["xz", "-k", "t"])
        .run(&["xzcat", "t.xz"])
        .pipe(&["md5sum"])
        .tree()
        .check();
}
