//! Where two outputs first part, found by streaming both: memory stays flat however much a case
//! printed (the outputs are files, see [`super::exec::Captured`]).

use std::io::{BufRead, BufReader, Read};

/// The most of a line kept for the message (the message shows 120 characters of it).
const LINE_KEPT: usize = 512;

/// Where two outputs first part: the 1-based line number and the start of that line on each side
/// (with its newline, if it had one and it was kept), `None` for a side that had already ended.
#[derive(Debug, PartialEq)]
pub struct Difference {
    pub line: u64,
    pub left: Option<Vec<u8>>,
    pub right: Option<Vec<u8>>,
}

/// The first difference between `left` and `right`, or `None` when they are the same bytes.
pub fn first_difference(left: impl Read, right: impl Read) -> std::io::Result<Option<Difference>> {
    let mut left = BufReader::with_capacity(64 << 10, left);
    let mut right = BufReader::with_capacity(64 << 10, right);
    let mut line = 1;
    // The current line's bytes so far (the same on both sides), up to LINE_KEPT.
    let mut current = Vec::new();
    loop {
        let (a, b) = (left.fill_buf()?, right.fill_buf()?);
        if a.is_empty() && b.is_empty() {
            return Ok(None);
        }
        let n = a.len().min(b.len());
        let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        for segment in a[..same].split_inclusive(|&c| c == b'\n') {
            if current.last() == Some(&b'\n') {
                current.clear();
                line += 1;
            }
            let room = LINE_KEPT.saturating_sub(current.len());
            current.extend_from_slice(&segment[..segment.len().min(room)]);
            if segment.last() == Some(&b'\n') && current.last() != Some(&b'\n') {
                // A long line's newline: the line ends even though its middle was not kept.
                current.push(b'\n');
            }
        }
        let parted = same < n || n == 0;
        left.consume(same);
        right.consume(same);
        if !parted {
            continue;
        }
        if current.last() == Some(&b'\n') {
            current.clear();
            line += 1;
        }
        let left = rest_of_line(&current, &mut left)?;
        let right = rest_of_line(&current, &mut right)?;
        return Ok(Some(Difference { line, left, right }));
    }
}

/// `start` followed by what `reader` holds up to the end of the line (or LINE_KEPT bytes); `None`
/// when the line is empty and the reader has ended.
fn rest_of_line(start: &[u8], reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = start.to_vec();
    while line.len() < LINE_KEPT && line.last() != Some(&b'\n') {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let want = (LINE_KEPT - line.len()).min(buf.len());
        let take = buf[..want].iter().position(|&c| c == b'\n').map_or(want, |i| i + 1);
        line.extend_from_slice(&buf[..take]);
        reader.consume(take);
    }
    Ok(if line.is_empty() { None } else { Some(line) })
}

impl Difference {
    /// "stdout differs at line 2: expected "b\n", got "c\n"".
    pub fn describe(&self, stream: &str, left_name: &str, right_name: &str) -> String {
        let show = |side: &Option<Vec<u8>>| side.as_deref().map_or_else(|| "end of output".to_owned(), quote);
        format!(
            "{stream} differs at line {}: {left_name} {}, {right_name} {}",
            self.line,
            show(&self.left),
            show(&self.right)
        )
    }
}

/// A line for a one-line message: quoted with escapes, cut after 120 characters.
fn quote(line: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(line);
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}...", text.get(..cut).unwrap_or_default()),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(a: &[u8], b: &[u8]) -> Option<Difference> {
        first_difference(a, b).unwrap()
    }

    #[test]
    fn first_differences() {
        assert_eq!(diff(b"a\nb\n", b"a\nb\n"), None);
        assert_eq!(diff(b"", b""), None);
        let d = diff(b"a\nb\nc\n", b"a\nx\n").unwrap();
        assert_eq!(d.describe("stdout", "expected", "got"), r#"stdout differs at line 2: expected "b\n", got "x\n""#);
        let d = diff(b"a\n", b"a\nmore\n").unwrap();
        assert_eq!(
            d.describe("stderr", "native", "emu386"),
            r#"stderr differs at line 2: native end of output, emu386 "more\n""#
        );
        let d = diff(b"a\n", b"a").unwrap();
        assert_eq!(d.describe("stdout", "expected", "got"), r#"stdout differs at line 1: expected "a\n", got "a""#);
        let d = diff(b"", b"x").unwrap();
        assert_eq!((d.line, d.left, d.right), (1, None, Some(b"x".to_vec())));
        let d = diff(b"one\ntwo three\n", b"one\ntwo four\n").unwrap();
        assert_eq!((d.line, d.left.unwrap(), d.right.unwrap()), (2, b"two three\n".to_vec(), b"two four\n".to_vec()));
    }

    /// Readers that hand out one byte at a time and outputs longer than a buffer and a kept line
    /// give the same answers.
    #[test]
    fn long_outputs_and_short_reads() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else { return Ok(0) };
                let Some(slot) = buf.first_mut() else { return Ok(0) };
                *slot = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut a: Vec<u8> = (0..200_000u32).flat_map(|i| format!("line {i}\n").into_bytes()).collect();
        let long = vec![b'x'; 100_000];
        a.extend_from_slice(&long);
        a.extend_from_slice(b"\nend\n");
        let mut b = a.clone();
        assert_eq!(first_difference(Trickle(&a), Trickle(&b)).unwrap(), None);
        let at = b.len() - 2;
        b[at] = b'N';
        let d = first_difference(Trickle(&a), Trickle(&b)).unwrap().unwrap();
        assert_eq!((d.line, d.left.unwrap(), d.right.unwrap()), (200_002, b"end\n".to_vec(), b"enN\n".to_vec()));
        // A difference inside the long line: the line's start, as kept.
        let mut c = a.clone();
        let at = a.len() - 10;
        c[at] = b'y';
        let d = diff(&a, &c).unwrap();
        assert_eq!(d.line, 200_001);
        assert_eq!(d.left.unwrap().len(), LINE_KEPT);
    }
}
