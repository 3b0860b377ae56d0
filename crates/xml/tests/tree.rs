//! Navigation, names and namespaces, IDs, text, paths, editing and the writer. Expected values
//! are worked out by hand from the XML 1.0 and Namespaces in XML 1.0 rules cited per test.

use fedkit_xml::{
    Document, Edge, Error, NamespaceDeclaration, NewElement, NodeKind, XML_NAMESPACE,
};

const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

const RESPONSE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- prolog -->
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r1" Version="2.0">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">idp</saml:Issuer>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1">
    <saml:Subject><saml:NameID>user@example.com<!-- x -->.evil<b>.x</b></saml:NameID></saml:Subject>
    <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="s1"/>
  </saml:Assertion>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a2"/>
</samlp:Response>"#;

fn response() -> Document {
    Document::parse(RESPONSE.as_bytes()).expect("parses")
}

#[test]
fn document_node_holds_prolog_and_the_document_element() {
    let doc = response();
    let children: Vec<_> = doc.children(doc.root()).collect();
    assert_eq!(
        children.len(),
        2,
        "declaration is not a node; prolog whitespace is dropped"
    );
    assert_eq!(doc.kind(children[0]), NodeKind::Comment(" prolog "));
    assert_eq!(children[1], doc.document_element());
    assert_eq!(doc.parent(doc.document_element()), Some(doc.root()));
    assert_eq!(doc.parent(doc.root()), None);
    assert_eq!(doc.kind(doc.root()), NodeKind::Document);
}

#[test]
fn names_resolve_to_namespaces() {
    let doc = response();
    let root = doc.document_element();
    let name = doc.name(root).expect("element");
    assert_eq!(
        (name.prefix, name.local, name.namespace),
        (Some("samlp"), "Response", Some(SAMLP))
    );
    assert_eq!(name.to_string(), "samlp:Response");
    assert!(name.is(Some(SAMLP), "Response"));
    let assertions: Vec<_> = doc.children_named(root, Some(SAML), "Assertion").collect();
    assert_eq!(assertions.len(), 2);
    // Unprefixed attributes are in no namespace (Namespaces in XML §6.2).
    assert_eq!(doc.attribute(root, None, "ID"), Some("r1"));
    assert_eq!(doc.attribute(root, Some(SAMLP), "ID"), None);
    let attributes: Vec<_> = doc
        .attributes(root)
        .map(|a| (a.name.local, a.value))
        .collect();
    assert_eq!(attributes, [("ID", "r1"), ("Version", "2.0")]);
    assert_eq!(
        doc.namespace_declarations(root).collect::<Vec<_>>(),
        [NamespaceDeclaration {
            prefix: Some("samlp"),
            uri: SAMLP
        }]
    );
}

#[test]
fn in_scope_namespaces_take_the_nearest_declaration() {
    let xml = br#"<a xmlns="urn:d" xmlns:p="urn:p1"><b xmlns:p="urn:p2" xmlns:q="urn:q"><c xmlns=""/></b></a>"#;
    let doc = Document::parse(xml).expect("parses");
    let b = doc.first_child(doc.document_element()).expect("b");
    let c = doc.first_child(b).expect("c");
    let ns = |prefix, uri| NamespaceDeclaration { prefix, uri };
    assert_eq!(
        doc.in_scope_namespaces(b),
        [
            ns(None, "urn:d"),
            ns(Some("p"), "urn:p2"),
            ns(Some("q"), "urn:q")
        ]
    );
    // xmlns="" undeclares the default namespace.
    assert_eq!(
        doc.in_scope_namespaces(c),
        [ns(Some("p"), "urn:p2"), ns(Some("q"), "urn:q")]
    );
    assert_eq!(doc.name(c).and_then(|n| n.namespace), None);
    assert_eq!(
        doc.namespace_declarations(c).collect::<Vec<_>>(),
        [ns(None, "")]
    );
    assert_eq!(doc.lookup_namespace(c, None), None);
    assert_eq!(doc.lookup_namespace(c, Some("p")), Some("urn:p2"));
    assert_eq!(doc.lookup_namespace(c, Some("xml")), Some(XML_NAMESPACE));
}

#[test]
fn xml_prefix_is_bound_without_a_declaration() {
    let doc = Document::parse(br#"<r xml:lang="en" xml:id="i"/>"#).expect("parses");
    let root = doc.document_element();
    assert_eq!(doc.attribute(root, Some(XML_NAMESPACE), "lang"), Some("en"));
    assert_eq!(doc.element_by_id("i"), Some(root));
}

#[test]
fn ids_name_exactly_one_element() {
    let doc = response();
    let root = doc.document_element();
    let a1 = doc.element_by_id("a1").expect("a1");
    assert_eq!(doc.attribute(a1, None, "ID"), Some("a1"));
    assert_eq!(doc.element_by_id("r1"), Some(root));
    let signature = doc.element_by_id("s1").expect("ds:Signature Id");
    assert!(
        doc.name(signature)
            .is_some_and(|n| n.is(Some(DS), "Signature"))
    );
    assert_eq!(doc.element_by_id("missing"), None);
    assert_eq!(doc.element_by_id("A1"), None, "IDs are case-sensitive");
}

#[test]
fn duplicate_id_error_points_at_the_second_element() {
    let xml = br#"<r><a ID="x"/><b><c ID="x"/></b></r>"#;
    let err = Document::parse(xml).unwrap_err();
    assert_eq!(err.code(), "duplicate_id");
    let at = err.location().expect("located");
    assert_eq!(at.path, "/r/b/c");
    assert_eq!(at.offset, 17);
}

#[test]
fn text_content_is_every_text_node_not_the_first() {
    let doc = response();
    let a1 = doc.element_by_id("a1").expect("a1");
    let subject = doc
        .first_child(a1)
        .and_then(|t| doc.next_sibling(t))
        .expect("Subject");
    let name_id = doc.first_child(subject).expect("NameID");
    // CVE-2017-11427 shape: the comment splits the text into two nodes.
    let texts: Vec<_> = doc.children(name_id).filter_map(|n| doc.text(n)).collect();
    assert_eq!(texts, ["user@example.com", ".evil"]);
    assert_eq!(doc.child_text(name_id), "user@example.com.evil");
    assert_eq!(doc.text_content(name_id), "user@example.com.evil.x");
}

#[test]
fn paths_number_same_named_siblings() {
    let doc = response();
    let a1 = doc.element_by_id("a1").expect("a1");
    let a2 = doc.element_by_id("a2").expect("a2");
    let signature = doc.element_by_id("s1").expect("s1");
    assert_eq!(doc.path(a1), "/samlp:Response/saml:Assertion[1]");
    assert_eq!(doc.path(a2), "/samlp:Response/saml:Assertion[2]");
    assert_eq!(
        doc.path(signature),
        "/samlp:Response/saml:Assertion[1]/ds:Signature"
    );
    assert_eq!(doc.path(doc.root()), "/");
    let issuer = doc
        .child_elements(doc.document_element())
        .next()
        .expect("Issuer");
    let text = doc.first_child(issuer).expect("text");
    assert_eq!(doc.path(text), "/samlp:Response/saml:Issuer/text()");
}

#[test]
fn errors_carry_offset_and_path() {
    let err = Document::parse(b"<a><b><c>&bad;</c></b></a>").unwrap_err();
    assert_eq!(err.code(), "undefined_entity");
    let at = err.location().expect("located");
    assert_eq!((at.offset, at.path.as_str()), (9, "/a/b/c"));
    assert_eq!(
        err.to_string(),
        "undefined entity &bad; at byte 9 in /a/b/c"
    );
}

#[test]
fn errors_in_a_start_tag_name_the_element_being_opened() {
    let err = Document::parse(br#"<a><b x="1" p:y="2"/></a>"#).unwrap_err();
    assert_eq!(err.code(), "unbound_prefix");
    let at = err.location().expect("located");
    assert_eq!((at.offset, at.path.as_str()), (12, "/a/b"));
    let err = Document::parse(br#"<a/><b/>"#).unwrap_err();
    assert_eq!(err.location().map(|l| l.path.as_str()), Some(""));
}

#[test]
fn source_offsets_are_byte_positions() {
    let xml = "<r>\u{e9}<a/><!--c--><?p d?></r>";
    let doc = Document::parse(xml.as_bytes()).expect("parses");
    let offsets: Vec<_> = doc
        .descendants(doc.root())
        .map(|n| doc.source_offset(n))
        .collect();
    assert_eq!(
        offsets,
        [None, Some(0), Some(3), Some(5), Some(9), Some(17)]
    );
}

#[test]
fn traverse_opens_and_closes_every_node() {
    let doc = Document::parse(b"<a><b>t</b><c/></a>").expect("parses");
    let a = doc.document_element();
    let b = doc.first_child(a).expect("b");
    let t = doc.first_child(b).expect("t");
    let c = doc.last_child(a).expect("c");
    use Edge::{Close, Open};
    assert_eq!(
        doc.traverse(a).collect::<Vec<_>>(),
        [
            Open(a),
            Open(b),
            Open(t),
            Close(t),
            Close(b),
            Open(c),
            Close(c),
            Close(a)
        ]
    );
    assert_eq!(
        doc.traverse(b).count(),
        4,
        "a subtree walk stops at its root"
    );
    assert_eq!(doc.previous_sibling(c), Some(b));
}

#[test]
fn whitespace_text_is_kept_inside_and_dropped_outside() {
    let doc = Document::parse(b"\n <r> <a/> </r> \n").expect("parses");
    let root = doc.document_element();
    let kinds: Vec<_> = doc.children(root).map(|n| doc.kind(n)).collect();
    assert_eq!(kinds.len(), 3);
    assert_eq!(kinds[0], NodeKind::Text(" "));
    assert_eq!(doc.children(doc.root()).count(), 1);
}

#[test]
fn processing_instruction_data_starts_after_the_whitespace() {
    let doc = Document::parse(b"<r><?target   some data ?><?bare?></r>").expect("parses");
    let root = doc.document_element();
    let kinds: Vec<_> = doc.children(root).map(|n| doc.kind(n)).collect();
    assert_eq!(
        kinds,
        [
            NodeKind::ProcessingInstruction {
                target: "target",
                data: "some data "
            },
            NodeKind::ProcessingInstruction {
                target: "bare",
                data: ""
            },
        ]
    );
}

#[test]
fn writer_escapes_what_a_parser_would_change() {
    // Attribute values holding tab, LF and CR (from references) and quotes; text holding CR,
    // `]]>` and markup characters.
    let xml = br#"<r a="&#9;&#10;&#13;&quot;'&lt;&amp;>">&#13;]]&gt;&lt;&amp;"'</r>"#;
    let doc = Document::parse(xml).expect("parses");
    let root = doc.document_element();
    assert_eq!(doc.attribute(root, None, "a"), Some("\t\n\r\"'<&>"));
    assert_eq!(doc.child_text(root), "\r]]><&\"'");
    let written = doc.to_xml();
    assert_eq!(
        written,
        r#"<r a="&#x9;&#xA;&#xD;&quot;'&lt;&amp;>">&#xD;]]&gt;&lt;&amp;"'</r>"#
    );
    let again = Document::parse(written.as_bytes()).expect("parses");
    assert_eq!(
        again.attribute(again.document_element(), None, "a"),
        Some("\t\n\r\"'<&>")
    );
    assert_eq!(again.child_text(again.document_element()), "\r]]><&\"'");
}

#[test]
fn write_subtree_redeclares_inherited_namespaces() {
    let doc = response();
    let signature = doc.element_by_id("s1").expect("s1");
    let a1 = doc.element_by_id("a1").expect("a1");
    let mut out = String::new();
    doc.write_subtree(signature, &mut out);
    assert_eq!(
        out,
        r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Id="s1"/>"#
    );
    let mut assertion = String::new();
    doc.write_subtree(a1, &mut assertion);
    let fragment = Document::parse(assertion.as_bytes()).expect("a subtree parses on its own");
    assert_eq!(
        fragment.text_content(fragment.document_element()),
        doc.text_content(a1)
    );
}

#[test]
fn signature_can_be_built_and_placed_after_the_issuer() {
    let mut doc = response();
    let a2 = doc.element_by_id("a2").expect("a2");
    let issuer = doc
        .create_element(&NewElement::new(Some("saml"), "Issuer", Some(SAML)))
        .unwrap();
    let text = doc.create_text("idp & co");
    doc.append_child(issuer, text).unwrap();
    doc.append_child(a2, issuer).unwrap();
    let signature = doc
        .create_element(
            &NewElement::new(Some("ds"), "Signature", Some(DS))
                .declare(Some("ds"), DS)
                .attribute("Id", "sig-2"),
        )
        .unwrap();
    doc.insert_after(issuer, signature).unwrap();
    let value = doc
        .create_element(&NewElement::new(Some("ds"), "SignatureValue", Some(DS)))
        .unwrap();
    doc.append_child(signature, value).unwrap();
    assert_eq!(doc.element_by_id("sig-2"), Some(signature));
    assert_eq!(doc.next_sibling(issuer), Some(signature));
    assert_eq!(
        doc.path(value),
        "/samlp:Response/saml:Assertion[2]/ds:Signature/ds:SignatureValue"
    );
    assert_eq!(doc.source_offset(signature), None);

    let written = doc.to_xml();
    assert!(written.contains(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a2"><saml:Issuer>idp &amp; co</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-2"><ds:SignatureValue/></ds:Signature></saml:Assertion>"#
    ));
    let again = Document::parse(written.as_bytes()).expect("edited tree parses");
    assert_eq!(again.to_xml(), written);
    let signature_again = again
        .element_by_id("sig-2")
        .expect("indexed after re-parse");
    assert_eq!(again.path(signature_again), doc.path(signature));
}

#[test]
fn edits_that_would_break_the_tree_are_refused() {
    let mut doc = response();
    let root = doc.document_element();
    let a1 = doc.element_by_id("a1").expect("a1");

    // Undeclared prefix at the insertion point: the written XML would not parse.
    let orphan = doc
        .create_element(&NewElement::new(Some("x"), "E", Some("urn:x")))
        .unwrap();
    let err = doc.append_child(root, orphan).unwrap_err();
    assert_eq!(err.code(), "namespace_not_in_scope");
    assert_eq!(
        doc.parent(orphan),
        None,
        "a refused insert leaves the node detached"
    );
    // Prefix bound, but to another namespace.
    let wrong = doc
        .create_element(&NewElement::new(Some("saml"), "E", Some("urn:other")))
        .unwrap();
    assert_eq!(
        doc.append_child(a1, wrong).unwrap_err().code(),
        "namespace_not_in_scope"
    );
    // Unprefixed element where a default namespace is in scope.
    let defaulted = Document::parse(br#"<r xmlns="urn:d"/>"#).unwrap();
    let mut defaulted = defaulted;
    let plain = defaulted
        .create_element(&NewElement::new(None, "E", None))
        .unwrap();
    let r = defaulted.document_element();
    assert_eq!(
        defaulted.append_child(r, plain).unwrap_err().code(),
        "namespace_not_in_scope"
    );

    let dup = NewElement::new(None, "E", None).attribute("ID", "a1");
    assert!(matches!(
        doc.create_element(&dup),
        Err(Error::DuplicateId { .. })
    ));
    for bad in [
        NewElement::new(None, "1E", None),
        NewElement::new(Some("p"), "E", None),
        NewElement::new(None, "E", Some("")),
        NewElement::new(None, "E", None)
            .attribute("a", "1")
            .attribute("a", "2"),
        NewElement::new(None, "E", None).declare(Some("xmlns"), "urn:x"),
        NewElement::new(None, "E", None).declare(Some("p"), ""),
    ] {
        assert_eq!(
            doc.create_element(&bad).unwrap_err().code(),
            "invalid_builder_name",
            "{bad:?}"
        );
    }

    let text = doc.create_text("x");
    assert_eq!(
        doc.append_child(doc.root(), text).unwrap_err().code(),
        "invalid_node"
    );
    let second_root = doc
        .create_element(&NewElement::new(None, "E", None))
        .unwrap();
    assert_eq!(
        doc.append_child(doc.root(), second_root)
            .unwrap_err()
            .code(),
        "invalid_node"
    );
    let issuer = doc.child_elements(root).next().expect("Issuer");
    assert_eq!(
        doc.append_child(a1, issuer).unwrap_err().code(),
        "invalid_node",
        "already attached"
    );
    let inner = doc
        .create_element(&NewElement::new(None, "I", None))
        .unwrap();
    doc.append_child(second_root, inner).unwrap();
    assert_eq!(
        doc.append_child(inner, second_root).unwrap_err().code(),
        "invalid_node"
    );
    assert_eq!(doc.detach(root).unwrap_err().code(), "invalid_node");
    assert!(doc.create_comment("a--b").is_err());
}

#[test]
fn detached_elements_leave_the_id_index_and_the_output() {
    let mut doc = response();
    let a2 = doc.element_by_id("a2").expect("a2");
    doc.detach(a2).unwrap();
    assert_eq!(doc.element_by_id("a2"), None);
    assert!(!doc.to_xml().contains("a2"));
    let root = doc.document_element();
    doc.append_child(root, a2).unwrap();
    assert_eq!(doc.element_by_id("a2"), Some(a2));
    assert_eq!(doc.last_child(root), Some(a2));
}

#[test]
fn element_and_attribute_names_may_be_non_ascii() {
    let doc = Document::parse("<réponse été=\"ü\">ö</réponse>".as_bytes()).expect("parses");
    let root = doc.document_element();
    assert_eq!(doc.name(root).map(|n| n.local), Some("réponse"));
    assert_eq!(doc.attribute(root, None, "été"), Some("ü"));
}

#[test]
fn many_prefixes_and_namespaces_resolve_the_same() {
    // Past eight prefixes or namespaces the parser switches from scanning to hashing.
    let mut xml = String::from("<r");
    for i in 0..12 {
        xml.push_str(&format!(" xmlns:p{i}=\"urn:n{i}\""));
    }
    xml.push('>');
    for i in 0..12 {
        xml.push_str(&format!("<p{i}:e p{}:a=\"{i}\"/>", (i + 5) % 12));
    }
    xml.push_str("<p3:e xmlns:p3=\"urn:n7\"/><q xmlns=\"urn:n0\"/></r>");
    let doc = Document::parse(xml.as_bytes()).expect("parses");
    let root = doc.document_element();
    let children: Vec<_> = doc.child_elements(root).collect();
    for (i, child) in children.iter().take(12).enumerate() {
        let name = doc.name(*child).expect("element");
        assert_eq!(name.namespace, Some(format!("urn:n{i}").as_str()));
        let attribute = doc.attributes(*child).next().expect("attribute");
        assert_eq!(
            attribute.name.namespace,
            Some(format!("urn:n{}", (i + 5) % 12).as_str())
        );
    }
    assert_eq!(
        doc.name(children[12]).and_then(|n| n.namespace),
        Some("urn:n7")
    );
    assert_eq!(
        doc.name(children[13]).and_then(|n| n.namespace),
        Some("urn:n0")
    );
    let unbound = xml.replace("<q xmlns", "<p12:q xmlns");
    assert_eq!(
        Document::parse(unbound.as_bytes()).unwrap_err().code(),
        "unbound_prefix"
    );
}
