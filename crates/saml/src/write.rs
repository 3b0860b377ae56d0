//! Writing SAML XML text: elements with escaped attributes and text. The result is parsed
//! back by fedkit-xml before it is signed, so a writer slip cannot produce malformed output.

/// An XML text writer with a stack of open elements.
pub(crate) struct XmlText {
    out: String,
    open: Vec<&'static str>,
}

impl XmlText {
    pub(crate) fn new() -> Self {
        XmlText {
            out: String::with_capacity(4096),
            open: Vec::new(),
        }
    }

    /// Opens `name` with the attributes whose value is `Some`.
    pub(crate) fn start(&mut self, name: &'static str, attributes: &[(&str, Option<&str>)]) {
        self.tag(name, attributes);
        self.out.push('>');
        self.open.push(name);
    }

    /// An element with no content.
    pub(crate) fn empty(&mut self, name: &'static str, attributes: &[(&str, Option<&str>)]) {
        self.tag(name, attributes);
        self.out.push_str("/>");
    }

    /// An element holding only text.
    pub(crate) fn leaf(
        &mut self,
        name: &'static str,
        attributes: &[(&str, Option<&str>)],
        text: &str,
    ) {
        self.start(name, attributes);
        self.text(text);
        self.end();
    }

    pub(crate) fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '\r' => self.out.push_str("&#xD;"),
                c => self.out.push(c),
            }
        }
    }

    /// Appends well-formed XML as it is (a signed or encrypted fragment; the whole is parsed
    /// again before use).
    pub(crate) fn raw(&mut self, xml: &str) {
        self.out.push_str(xml);
    }

    /// Closes the innermost open element.
    pub(crate) fn end(&mut self) {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.out
    }

    fn tag(&mut self, name: &str, attributes: &[(&str, Option<&str>)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            if let Some(value) = value {
                self.out.push(' ');
                self.out.push_str(key);
                self.out.push_str("=\"");
                for c in value.chars() {
                    match c {
                        '&' => self.out.push_str("&amp;"),
                        '<' => self.out.push_str("&lt;"),
                        '"' => self.out.push_str("&quot;"),
                        '\t' => self.out.push_str("&#x9;"),
                        '\n' => self.out.push_str("&#xA;"),
                        '\r' => self.out.push_str("&#xD;"),
                        c => self.out.push(c),
                    }
                }
                self.out.push('"');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_survive_a_parse() {
        let mut w = XmlText::new();
        w.start("a", &[("x", Some("1\"<&\n2")), ("skip", None)]);
        w.text("a<b&c>\r");
        w.finish_check();
    }

    impl XmlText {
        fn finish_check(self) {
            let xml = self.finish();
            assert_eq!(
                xml,
                "<a x=\"1&quot;&lt;&amp;&#xA;2\">a&lt;b&amp;c&gt;&#xD;</a>"
            );
            let doc = fedkit_xml::Document::parse(xml.as_bytes()).unwrap();
            let root = doc.document_element();
            assert_eq!(doc.attribute(root, None, "x"), Some("1\"<&\n2"));
            assert_eq!(doc.text_content(root), "a<b&c>\r");
        }
    }
}
