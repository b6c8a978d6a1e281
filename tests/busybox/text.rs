//! Text applets: echo, printf, test, expr, seq; cat, head, tail, cut, tr, uniq, wc; sort; sed, awk,
//! grep; od, base64, diff, tac and friends; basename and dirname.

use crate::case::case;
use crate::inputs::{noise, text, MIB, NUMBERS, TABLE};

#[test]
fn echo_plain_and_n() {
    case().run(&["echo", "hello", "world"]).run(&["echo", "-n", "no newline"]).check();
}

#[test]
fn echo_e_escapes() {
    case().run(&["echo", "-e", r"tab\there\nnl \x41\0102 back\\slash \c not shown"]).check();
}

#[test]
fn printf_formats() {
    case().run(&["printf", r"%s=%d|%5.2f|%x|%o|%-4s|%c\n", "a", "42", "3.14159", "255", "8", "ab", "z"]).check();
}

#[test]
fn test_exit_status() {
    case()
        .file("f", "x")
        .dir("d")
        .run(&["test", "-f", "f"])
        .run(&["test", "-d", "f"])
        .run(&["test", "-d", "d"])
        .run(&["test", "-e", "missing"])
        .run(&["test", "3", "-lt", "10"])
        .run(&["test", "abc", "=", "abd"])
        .run(&["[", "-s", "f", "]"])
        .check();
}

#[test]
fn expr_arithmetic() {
    case()
        .run(&["expr", "6", "*", "7"])
        .run(&["expr", "length", "hello"])
        .run(&["expr", "10", "/", "0"])
        .run(&["expr", "abc123", ":", "[a-z]*"])
        .run(&["expr", "0", "+", "0"])
        .check();
}

#[test]
fn seq_ranges() {
    case().run(&["seq", "5"]).run(&["seq", "-s", ",", "2", "3", "20"]).run(&["seq", "-w", "8", "11"]).check();
}

#[test]
fn cat_files_and_stdin() {
    case()
        .file("a", "first\n")
        .file("b", "second\n")
        .run(&["cat", "a", "b"])
        .run_with(&["cat", "-", "a"], "from stdin\n")
        .check();
}

#[test]
fn cat_missing_file() {
    case().file("a", "there\n").run(&["cat", "a", "nosuch", "a"]).check();
}

#[test]
fn cat_large_stdin() {
    case().run_with(&["cat"], noise(MIB, 3)).check();
}

#[test]
fn head_and_tail() {
    let t = text(100);
    case()
        .file("t", &t)
        .run(&["head", "-n", "3", "t"])
        .run(&["head", "-c", "10", "t"])
        .run(&["tail", "-n", "2", "t"])
        .run(&["tail", "-c", "7", "t"])
        .run(&["tail", "-n", "+98", "t"])
        .run_with(&["tail", "-n", "1"], t)
        .check();
}

#[test]
fn cut_fields_and_chars() {
    case().file("t", TABLE).run(&["cut", "-d", " ", "-f", "1,3", "t"]).run(&["cut", "-c", "2-4", "t"]).check();
}

#[test]
fn tr_translate_delete_squeeze() {
    case()
        .run_with(&["tr", "a-z", "A-Z"], "Hello, World\n")
        .run_with(&["tr", "-d", "lo"], "Hello, World\n")
        .run_with(&["tr", "-s", " "], "a   b    c\n")
        .check();
}

#[test]
fn uniq_counts() {
    case().run_with(&["uniq", "-c"], "a\na\nb\nc\nc\nc\na\n").run_with(&["uniq", "-d"], "a\na\nb\n").check();
}

#[test]
fn wc_counts() {
    let t = text(1000);
    case()
        .file("t", &t)
        .file("u", "one two\nthree\n")
        .run(&["wc", "-l", "-w", "-c", "t", "u"])
        .run_with(&["wc"], t)
        .check();
}

#[test]
fn sort_numeric_reverse_unique_key() {
    case()
        .file("n", NUMBERS)
        .file("t", TABLE)
        .run(&["sort", "n"])
        .run(&["sort", "-n", "n"])
        .run(&["sort", "-r", "-n", "n"])
        .run(&["sort", "-u", "t"])
        .run(&["sort", "-k", "2,2n", "t"])
        .run(&["sort", "-t", " ", "-k", "3", "t"])
        .check();
}

#[test]
fn sort_large_input() {
    case().file("t", text(20000)).run(&["sort", "-k", "2", "t"]).check();
}

#[test]
fn sed_substitute_and_print() {
    case()
        .file("t", TABLE)
        .run(&["sed", "s/o/0/g", "t"])
        .run(&["sed", "-n", "2,3p", "t"])
        .run(&["sed", "-n", "/alice/p", "t"])
        .run(&["sed", "-e", "1d", "-e", "s/^\\([a-z]*\\) \\([0-9]*\\)/\\2:\\1/", "t"])
        .check();
}

#[test]
fn sed_in_place() {
    case()
        .file("t", TABLE)
        .file("u", "x\n")
        .run(&["sed", "-i", "s/alice/ALICE/", "t", "u"])
        .run(&["cat", "t"])
        .tree()
        .check();
}

#[test]
fn awk_sums_printf_begin_end() {
    case()
        .file("t", TABLE)
        .run(&["awk", "{ s += $2 } END { print s, NR }", "t"])
        .run(&["awk", "BEGIN { printf \"%-6s|%5.1f|%03d\\n\", \"x\", 2.25, 7 } { printf \"%s:%s\\n\", NR, $1 } END { print \"end\" }", "t"])
        .run(&["awk", "-F", " ", "$2 > 30 { print toupper($1), length($3) }", "t"])
        .run(&["awk", "BEGIN { print sin(0), int(7/2), 2^10, substr(\"hello\", 2, 3) }"])
        .check();
}

#[test]
fn grep_variants() {
    case()
        .file("t", TABLE)
        .file("sub/u", "Alice\nnobody\n")
        .run(&["grep", "alice", "t"])
        .run(&["grep", "-i", "-c", "ALICE", "t"])
        .run(&["grep", "-v", "-n", "o", "t"])
        .run(&["grep", "-E", "^(bob|dave) ", "t"])
        .run(&["grep", "-r", "-i", "alice", "."])
        .run(&["grep", "zzz", "t"])
        .run(&["grep", "x", "nosuch"])
        .check();
}

#[test]
fn od_and_hexdump() {
    case()
        .file("b", noise(100, 9))
        .run(&["od", "-A", "x", "-t", "x1", "b"])
        .run(&["hexdump", "-C", "b"])
        .run(&["xxd", "-l", "32", "b"])
        .check();
}

#[test]
fn base64_round_trip() {
    case().file("b", noise(3000, 4)).run(&["base64", "b"]).pipe(&["base64", "-d"]).pipe(&["md5sum"]).check();
}

#[test]
fn diff_and_cmp() {
    case()
        .file("a", "one\ntwo\nthree\n")
        .file("b", "one\n2\nthree\nfour\n")
        .run(&["diff", "a", "a"])
        .run(&["diff", "-u", "a", "b"])
        .run(&["cmp", "a", "b"])
        .run(&["cmp", "-l", "a", "b"])
        .check();
}

#[test]
fn tac_rev_paste_nl() {
    case()
        .file("a", "1\n2\n3\n")
        .file("b", "x\ny\n")
        .run(&["tac", "a"])
        .run(&["rev", "b"])
        .run(&["paste", "a", "b"])
        .run(&["nl", "a"])
        .run_with(&["fold", "-w", "3"], "abcdefgh\n")
        .check();
}

#[test]
fn basename_dirname() {
    case()
        .run(&["basename", "/usr/lib/libc.so.6"])
        .run(&["basename", "/a/b/file.txt", ".txt"])
        .run(&["dirname", "/usr/lib/libc.so.6"])
        .run(&["dirname", "file"])
        .run(&["dirname", "/"])
        .check();
}
