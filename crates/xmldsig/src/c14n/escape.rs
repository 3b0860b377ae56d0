//! Character escaping of C14N 1.0 §2.3 for text nodes and attribute values.
//!
//! Both writers scan for the few bytes that need a reference and hand everything between them to
//! the sink as one slice, so plain text costs one `write` call, not one per character.

use super::C14nSink;

/// Writes a text node: `&` `<` `>` and carriage return become references.
pub(crate) fn write_text(out: &mut dyn C14nSink, text: &str) {
    write_escaped(out, text.as_bytes(), text_reference);
}

/// Writes an attribute value (without the quotes): `&` `<` `"` tab, newline and carriage return
/// become references.
pub(crate) fn write_attribute_value(out: &mut dyn C14nSink, value: &str) {
    write_escaped(out, value.as_bytes(), attribute_reference);
}

fn text_reference(byte: u8) -> Option<&'static [u8]> {
    match byte {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    }
}

fn attribute_reference(byte: u8) -> Option<&'static [u8]> {
    match byte {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    }
}

// The escaped bytes are all ASCII, so splitting the UTF-8 input at them never splits a character.
fn write_escaped(out: &mut dyn C14nSink, bytes: &[u8], reference: fn(u8) -> Option<&'static [u8]>) {
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if let Some(replacement) = reference(byte) {
            if start < index {
                out.write(&bytes[start..index]);
            }
            out.write(replacement);
            start = index + 1;
        }
    }
    if start < bytes.len() {
        out.write(&bytes[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(input: &str) -> String {
        let mut out = Vec::new();
        write_text(&mut out, input);
        String::from_utf8(out).unwrap()
    }

    fn attribute(input: &str) -> String {
        let mut out = Vec::new();
        write_attribute_value(&mut out, input);
        String::from_utf8(out).unwrap()
    }

    // Expected strings from C14N 1.0 §2.3 ("Text Nodes", "Attribute Nodes").
    #[test]
    fn text_escapes_amp_lt_gt_and_cr_only() {
        assert_eq!(
            text("a&b<c>d\re\"f'g\th\ni"),
            "a&amp;b&lt;c&gt;d&#xD;e\"f'g\th\ni"
        );
    }

    #[test]
    fn attribute_escapes_amp_lt_quot_and_whitespace_controls() {
        assert_eq!(
            attribute("a&b<c>d\re\"f'g\th\ni"),
            "a&amp;b&lt;c>d&#xD;e&quot;f'g&#x9;h&#xA;i"
        );
    }

    #[test]
    fn non_ascii_passes_through_unchanged() {
        assert_eq!(text("é&ü"), "é&amp;ü");
        assert_eq!(attribute("日本\"語"), "日本&quot;語");
    }
}
