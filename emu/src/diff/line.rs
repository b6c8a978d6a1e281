//! The parts of a line of the tracer's output (`write(1, "a = b", 5) = 5`): the call's name, its
//! top-level arguments, where its result starts; and [`Quotes`], the one scanner that tells the
//! text of a quoted string (where `, `, ` = ` and digits are the program's data) from the rest.

/// Whether the bytes of a line, fed in order, stand inside a quoted string: strings are `"…"`,
/// with `\\` escaping the byte after it (syscalls/src/trace/text.rs `quoted`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Quotes {
    quoted: bool,
    escaped: bool,
}

impl Quotes {
    /// Whether `b`, the next byte, is part of a quoted string (its quotes included).
    pub fn inside(&mut self, b: u8) -> bool {
        if self.quoted {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.quoted = false,
                _ => {}
            }
            true
        } else if b == b'"' {
            self.quoted = true;
            true
        } else {
            false
        }
    }

    /// Whether the scan is inside a quoted string (after the bytes fed so far).
    pub fn quoted(&self) -> bool {
        self.quoted
    }
}

/// A call's name (`write` in `write(1, …) = 1`), or the whole line for `+++ … +++` lines.
pub fn name(line: &str) -> &str {
    line.split('(').next().unwrap_or(line)
}

/// Where, in a line, the result starts: after the last ` = ` outside a quoted string.
pub fn result_start(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut quotes = Quotes::default();
    let mut start = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        if !quotes.inside(b) && bytes[i..].starts_with(b" = ") {
            start = i + 3;
        }
    }
    start
}

/// The top-level arguments of `text` (the part between the parentheses): split at `, ` outside
/// quotes and braces.
pub fn split_args(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let (mut quotes, mut depth, mut start) = (Quotes::default(), 0usize, 0);
    for (i, &b) in bytes.iter().enumerate() {
        if quotes.inside(b) {
            continue;
        }
        match b {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                parts.push(&text[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_is_data() {
        let line = r#"write(1, "a = b, \"c\\\", d", 12) = 12"#;
        assert_eq!(&line[result_start(line)..], "12");
        assert_eq!(split_args(&line[6..line.len() - 6]), ["1", r#""a = b, \"c\\\", d""#, "12"]);
        assert_eq!(name(line), "write");
        assert_eq!(split_args("{a=1, b=[2, 3]}, f(4, 5), 6"), ["{a=1, b=[2, 3]}", "f(4, 5)", "6"]);
    }
}
