//! Files and directories: ls, stat, find, du; cp, mv, rm, mkdir, ln, readlink, touch, chmod.

use crate::case::case;
use crate::inputs::some_tree;

#[test]
fn ls_long() {
    some_tree().run(&["ls", "-l"]).run(&["ls", "-l", "-t"]).run(&["ls", "-l", "--full-time", "sub"]).check();
}

#[test]
fn ls_all_and_recursive() {
    some_tree().run(&["ls", "-a"]).run(&["ls", "-a", "-l", "-n"]).run(&["ls", "-R"]).run(&["ls", "-1", "-F"]).check();
}

#[test]
fn ls_missing() {
    some_tree().run(&["ls", "-l", "a.txt", "nosuch"]).check();
}

#[test]
fn stat_format() {
    some_tree()
        .run(&["stat", "-c", "%n %s %a %A %F %Y %U %G", "a.txt", "b.txt", "run.sh", "sub", "link"])
        .run(&["stat", "-L", "-c", "%n %F %s", "link"])
        .run(&["stat", "-c", "%n", "nosuch"])
        .check();
}

#[test]
fn find_name_type_size() {
    some_tree()
        .run(&["find", ".", "-name", "*.txt"])
        .run(&["find", ".", "-type", "d"])
        .run(&["find", ".", "-type", "l"])
        .run(&["find", ".", "-size", "+2k"])
        .run(&["find", "sub", "-type", "f", "-newer", "sub/deep/x.c"])
        .run(&["find", "nosuch"])
        .check();
}

#[test]
fn du_sizes() {
    // Block counts come from the file system; both sides create the same files the same way.
    some_tree().run(&["du", "-a", "-k", "sub"]).run(&["du", "-s", "sub"]).check();
}

#[test]
fn cp_recursive() {
    some_tree()
        .run(&["cp", "-r", "sub", "copy"])
        .run(&["cp", "a.txt", "copy/a2"])
        .run(&["cp", "nosuch", "z"])
        .tree()
        .check();
}

#[test]
fn mv_files() {
    some_tree()
        .run(&["mv", "a.txt", "moved.txt"])
        .run(&["mv", "b.txt", "sub"])
        .run(&["mv", "nosuch", "z"])
        .tree()
        .check();
}

#[test]
fn rm_recursive() {
    some_tree()
        .run(&["rm", "-r", "sub"])
        .run(&["rm", "link", "a.txt"])
        .run(&["rm", "nosuch"])
        .run(&["rm", "empty"])
        .tree()
        .check();
}

#[test]
fn mkdir_parents() {
    case()
        .file("f", "")
        .run(&["mkdir", "-p", "a/b/c"])
        .run(&["mkdir", "a"])
        .run(&["mkdir", "-m", "700", "m"])
        .run(&["mkdir", "f/x"])
        .run(&["rmdir", "a/b/c", "a/b"])
        .tree()
        .check();
}

#[test]
fn ln_and_readlink() {
    case()
        .file("target", "t\n")
        .run(&["ln", "-s", "target", "sym"])
        .run(&["ln", "-s", "dangling", "dang"])
        .run(&["ln", "target", "hard"])
        .run(&["readlink", "sym"])
        .run(&["readlink", "-f", "sym"])
        .run(&["readlink", "target"])
        .run(&["realpath", "sym"])
        .run(&["ln", "-s", "target", "sym"])
        .run(&["cat", "dang"])
        .tree()
        .check();
}

#[test]
fn touch_and_chmod() {
    case()
        .file("f", "x")
        .run(&["touch", "-d", "2010-06-01 12:00:00", "f", "new"])
        .run(&["stat", "-c", "%n %Y %s", "f", "new"])
        .run(&["chmod", "640", "f"])
        .run(&["chmod", "u+x,o-r", "new"])
        .run(&["truncate", "-s", "1000", "f"])
        .run(&["ls", "-l", "f", "new"])
        .tree()
        .check();
}
