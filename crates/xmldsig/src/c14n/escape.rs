//! Character escaping of C14N 1.0 §2.3 for text nodes and attribute values.
//!
//! Both writers scan for the few bytes that need a reference (a table lookup per byte) and hand
//! everything between them to the output as one slice.

use super::output::Output;

/// Which bytes a text node escapes: `&` `<` `>` and carriage return.
const TEXT_SPECIAL: [bool; 256] = special(b"&<>\r");
/// Which bytes an attribute value escapes: `&` `<` `"` tab, newline and carriage return.
const ATTRIBUTE_SPECIAL: [bool; 256] = special(b"&<\"\t\n\r");

const fn special(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

fn reference(byte: u8) -> &'static [u8] {
    match byte {
        b'&' => b"&amp;",
        b'<' => b"&lt;",
        b'>' => b"&gt;",
        b'"' => b"&quot;",
        b'\t' => b"&#x9;",
        b'\n' => b"&#xA;",
        _ => b"&#xD;",
    }
}

/// Writes a text node.
pub(crate) fn write_text(out: &mut Output<'_>, text: &str) {
    write_escaped(out, text.as_bytes(), &TEXT_SPECIAL);
}

/// Writes an attribute value (without the quotes).
pub(crate) fn write_attribute_value(out: &mut Output<'_>, value: &str) {
    write_escaped(out, value.as_bytes(), &ATTRIBUTE_SPECIAL);
}

// The escaped bytes are all ASCII, so splitting the UTF-8 input at them never splits a character.
fn write_escaped(out: &mut Output<'_>, bytes: &[u8], special: &[bool; 256]) {
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if special[byte as usize] {
            out.write(&bytes[start..index]);
            out.write(reference(byte));
            start = index + 1;
        }
    }
    out.write(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&mut Output<'_>, &str), input: &str) -> String {
        let mut sink = Vec::new();
        let mut out = Output::new(&mut sink, usize::MAX);
        f(&mut out, input);
        out.flush();
        String::from_utf8(sink).unwrap()
    }

    // Expected strings from C14N 1.0 §2.3 ("Text Nodes", "Attribute Nodes").
    #[test]
    fn text_escapes_amp_lt_gt_and_cr_only() {
        assert_eq!(
            run(write_text, "a&b<c>d\re\"f'g\th\ni"),
            "a&amp;b&lt;c&gt;d&#xD;e\"f'g\th\ni"
        );
    }

    #[test]
    fn attribute_escapes_amp_lt_quot_and_whitespace_controls() {
        assert_eq!(
            run(write_attribute_value, "a&b<c>d\re\"f'g\th\ni"),
            "a&amp;b&lt;c>d&#xD;e&quot;f'g&#x9;h&#xA;i"
        );
    }

    #[test]
    fn non_ascii_passes_through_unchanged() {
        assert_eq!(run(write_text, "é&ü"), "é&amp;ü");
        assert_eq!(run(write_attribute_value, "日本\"語"), "日本&quot;語");
    }
}
