//! Each limit at its edge: the limit itself passes, one more fails with that limit's own code.
//! Plus the depth and size bombs: nothing recurses on depth (parse, walk, write, drop).

use fedkit_xml::{Document, Limits};

fn code(input: &[u8], limits: &Limits) -> Result<(), &'static str> {
    Document::parse_with(input, limits)
        .map(|_| ())
        .map_err(|e| e.code())
}

fn nested(depth: usize) -> String {
    "<e>".repeat(depth) + &"</e>".repeat(depth)
}

#[test]
fn max_bytes() {
    let input = b"<r>0123456789</r>";
    let at = |n| Limits {
        max_bytes: n,
        ..Limits::default()
    };
    assert_eq!(code(input, &at(input.len())), Ok(()));
    assert_eq!(code(input, &at(input.len() - 1)), Err("too_large"));
}

#[test]
fn max_depth() {
    let limits = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    assert_eq!(code(nested(10).as_bytes(), &limits), Ok(()));
    assert_eq!(code(nested(11).as_bytes(), &limits), Err("too_deep"));
    // An empty element counts as a level too.
    let empty_at_11 = "<e>".repeat(10) + "<e/>" + &"</e>".repeat(10);
    assert_eq!(code(empty_at_11.as_bytes(), &limits), Err("too_deep"));
}

#[test]
fn max_elements() {
    let limits = Limits {
        max_elements: 5,
        ..Limits::default()
    };
    assert_eq!(code(b"<r><a/><a/><a/><a/></r>", &limits), Ok(()));
    assert_eq!(
        code(b"<r><a/><a/><a/><a/><a/></r>", &limits),
        Err("too_many_elements")
    );
}

fn with_attributes(attributes: usize, declarations: usize) -> String {
    let mut s = String::from("<r");
    for i in 0..declarations {
        s.push_str(&format!(" xmlns:p{i}=\"urn:{i}\""));
    }
    for i in 0..attributes {
        s.push_str(&format!(" a{i}=\"v\""));
    }
    s + "/>"
}

#[test]
fn max_attributes_per_element_does_not_count_declarations() {
    let limits = Limits {
        max_attributes_per_element: 4,
        max_namespace_declarations_per_element: 4,
        ..Limits::default()
    };
    assert_eq!(code(with_attributes(4, 4).as_bytes(), &limits), Ok(()));
    assert_eq!(
        code(with_attributes(5, 0).as_bytes(), &limits),
        Err("too_many_attributes")
    );
    assert_eq!(
        code(with_attributes(0, 5).as_bytes(), &limits),
        Err("too_many_namespace_declarations")
    );
}

#[test]
fn max_namespace_declarations_total() {
    let limits = Limits {
        max_namespace_declarations_total: 3,
        ..Limits::default()
    };
    let doc = |n: usize| {
        let mut s = String::from("<r>");
        for i in 0..n {
            s.push_str(&format!("<c xmlns=\"urn:{i}\"/>"));
        }
        s + "</r>"
    };
    assert_eq!(code(doc(3).as_bytes(), &limits), Ok(()));
    assert_eq!(
        code(doc(4).as_bytes(), &limits),
        Err("too_many_namespace_declarations_total")
    );
}

#[test]
fn max_attribute_value_len_counts_the_normalised_value() {
    let limits = Limits {
        max_attribute_value_len: 4,
        ..Limits::default()
    };
    // `&amp;&amp;&amp;&amp;` is 20 bytes written, 4 after normalisation.
    assert_eq!(code(b"<r a='&amp;&amp;&amp;&amp;'/>", &limits), Ok(()));
    assert_eq!(code(b"<r a='abcd'/>", &limits), Ok(()));
    assert_eq!(
        code(b"<r a='abcde'/>", &limits),
        Err("attribute_value_too_long")
    );
    assert_eq!(
        code(b"<r xmlns:p='urn:abcde' p:a=''/>", &limits),
        Err("attribute_value_too_long")
    );
}

#[test]
fn max_text_len_counts_a_merged_text_node() {
    let limits = Limits {
        max_text_len: 6,
        ..Limits::default()
    };
    // Text, a reference and CDATA make one text node of 6 bytes; CRLF counts as one.
    assert_eq!(code(b"<r>ab&#x41;<![CDATA[cd]]>\r\n</r>", &limits), Ok(()));
    assert_eq!(
        code(b"<r>ab&#x41;<![CDATA[cde]]>\r\n</r>", &limits),
        Err("text_too_long")
    );
    // A comment splits text into two nodes, each within the limit.
    assert_eq!(code(b"<r>abcdef<!---->abcdef</r>", &limits), Ok(()));
    assert_eq!(code(b"<r>abcdefg</r>", &limits), Err("text_too_long"));
}

#[test]
fn defaults_are_the_documented_values() {
    let d = Limits::default();
    assert_eq!(d.max_bytes, 1 << 20);
    assert_eq!(d.max_depth, 64);
    assert_eq!(d.max_elements, 50_000);
    assert_eq!(d.max_attributes_per_element, 64);
    assert_eq!(d.max_attribute_value_len, 64 << 10);
    assert_eq!(d.max_text_len, 512 << 10);
    assert_eq!(d.max_namespace_declarations_per_element, 32);
    assert_eq!(d.max_namespace_declarations_total, 1024);
}

#[test]
fn depth_bomb_is_refused_by_default() {
    let bomb = "<a>".repeat(100_000);
    let err = Document::parse(bomb.as_bytes()).unwrap_err();
    assert_eq!(err.code(), "too_deep");
    assert_eq!(err.location().map(|l| l.offset), Some(64 * 3));
}

#[test]
fn size_bomb_is_refused_before_parsing() {
    let big = format!("<r>{}</r>", "x".repeat(1 << 20));
    assert_eq!(
        Document::parse(big.as_bytes()).unwrap_err().code(),
        "too_large"
    );
}

#[test]
fn a_deep_tree_within_raised_limits_does_not_recurse() {
    let depth = 200_000;
    let limits = Limits {
        max_depth: depth,
        max_elements: depth,
        max_bytes: usize::MAX,
        ..Limits::default()
    };
    let input = nested(depth);
    let doc = Document::parse_with(input.as_bytes(), &limits).expect("parses");
    assert_eq!(doc.descendants(doc.root()).count(), depth + 1);
    let deepest = doc.descendants(doc.root()).last().expect("a node");
    assert_eq!(doc.path(deepest).len(), 2 * depth);
    // The innermost `<e></e>` is written `<e/>`.
    assert_eq!(doc.to_xml().len(), input.len() - 3);
    drop(doc);
}

#[test]
fn duplicate_attributes_are_found_among_many() {
    // Above 16 attributes the duplicate check sorts instead of comparing pairs; same answers.
    let limits = Limits {
        max_attributes_per_element: 10_000,
        ..Limits::default()
    };
    let many = |extra: &str| {
        let mut s = String::from("<r xmlns:p='urn:x' xmlns:q='urn:x'");
        for i in 0..5_000 {
            s.push_str(&format!(" a{i}=''"));
        }
        s + extra + "/>"
    };
    assert_eq!(code(many("").as_bytes(), &limits), Ok(()));
    assert_eq!(
        code(many(" a17=''").as_bytes(), &limits),
        Err("duplicate_attribute")
    );
    assert_eq!(
        code(many(" p:k='' q:k=''").as_bytes(), &limits),
        Err("duplicate_attribute")
    );
    let err = Document::parse_with(many(" a17=''").as_bytes(), &limits).unwrap_err();
    assert_eq!(
        err,
        fedkit_xml::Error::DuplicateAttribute {
            name: "a17".to_owned(),
            at: fedkit_xml::Location {
                offset: many("").len() - 1,
                path: "/r".to_owned(),
            },
        }
    );
}
