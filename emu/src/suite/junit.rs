//! JUnit XML for CI: one `<testsuite name="emu386">` with a `<testcase>` per case run.
//!
//! Text from programs can hold anything; characters XML 1.0 cannot carry (control characters
//! other than tab, newline and carriage return) are written as U+FFFD.

use std::fmt::Write as _;
use std::time::Duration;

/// One case's line in the report.
pub struct TestCase<'a> {
    pub name: &'a str,
    pub time: Duration,
    pub result: Result<'a>,
}

pub enum Result<'a> {
    Passed,
    /// The one-line reason, and details (the reason and the captured output).
    Failed {
        message: &'a str,
        details: &'a str,
    },
    Skipped {
        message: &'a str,
    },
}

/// `text` escaped for an attribute value.
pub fn escape(text: &str) -> String {
    escape_as(text, true)
}

/// `text` escaped for element content: line breaks and tabs stay as they are.
fn escape_text(text: &str) -> String {
    escape_as(text, false)
}

fn escape_as(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' if !attribute => out.push(c),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Attribute values normalise raw newlines and tabs to spaces: keep them as references.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The report for `cases`, all of class `classname`, which took `total` altogether.
pub fn render(classname: &str, cases: &[TestCase<'_>], total: Duration) -> String {
    let failures = cases.iter().filter(|c| matches!(c.result, Result::Failed { .. })).count();
    let skipped = cases.iter().filter(|c| matches!(c.result, Result::Skipped { .. })).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuite name=\"emu386\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{:.3}\">",
        cases.len(),
        total.as_secs_f64()
    );
    for case in cases {
        let _ = write!(
            xml,
            "  <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            escape(case.name),
            escape(classname),
            case.time.as_secs_f64()
        );
        match case.result {
            Result::Passed => xml.push_str("/>\n"),
            Result::Failed { message, details } => {
                let _ =
                    writeln!(xml, ">\n    <failure message=\"{}\">{}</failure>", escape(message), escape_text(details));
                xml.push_str("  </testcase>\n");
            }
            Result::Skipped { message } => {
                let _ = writeln!(xml, ">\n    <skipped message=\"{}\"/>", escape(message));
                xml.push_str("  </testcase>\n");
            }
        }
    }
    xml.push_str("</testsuite>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b>&\"c'\n\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;&#10;\u{fffd}");
        assert_eq!(escape_text("a\n\tb\r\u{0}"), "a\n\tb&#13;\u{fffd}");
    }

    #[test]
    fn counts() {
        let cases = [
            TestCase { name: "a", time: Duration::from_millis(10), result: Result::Passed },
            TestCase { name: "b", time: Duration::ZERO, result: Result::Failed { message: "m", details: "d" } },
            TestCase { name: "c", time: Duration::ZERO, result: Result::Skipped { message: "s" } },
        ];
        let xml = render("k", &cases, Duration::from_secs(1));
        assert!(xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"1.000\""));
        assert!(xml.contains("<failure message=\"m\">d</failure>"));
    }
}
