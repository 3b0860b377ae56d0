//! c14n: exclusive C14N 1.0 of the peers' 4.2 KB SAML response and of a generated ~1 MB SAML-like
//! document, in MB/s of input (criterion `Throughput::Bytes`), on a parsed tree and with the parse
//! included. Peer figures to beat are in `../shared/research/perf.md` (saml.c14n: lxml on a parsed
//! tree; saml.parse+c14n: lxml and bergshamra).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fedkit_xml::{Document, Limits};
use fedkit_xmldsig::c14n::{C14nMethod, canonicalize_into};

const RESPONSE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/response.xml"
));

/// ~1 MB shaped like a large SAML response: namespaces declared high and used low, an unused
/// prefix per value (exclusive c14n must drop it), attributes to sort, text to escape, CRLF.
fn generated_document() -> Vec<u8> {
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_root\" Version=\"2.0\">\r\n<saml:Assertion ID=\"_a\" Version=\"2.0\"><saml:AttributeStatement>\r\n",
    );
    let mut i = 0;
    while doc.len() < 1_000_000 {
        doc.push_str(&format!(
            "  <saml:Attribute NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\" Name=\"urn:oid:1.3.6.1.4.1.5923.1.1.1.{i}\" FriendlyName=\"attr{i}\">\r\n    <saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">user{i}@example.com &amp; friends &lt;team&gt;</saml:AttributeValue>\r\n  </saml:Attribute>\r\n"
        ));
        i += 1;
    }
    doc.push_str("</saml:AttributeStatement></saml:Assertion></samlp:Response>\r\n");
    doc.into_bytes()
}

fn exclusive() -> C14nMethod {
    C14nMethod::Exclusive10 {
        with_comments: false,
        inclusive_prefixes: Vec::new(),
    }
}

fn c14n(c: &mut Criterion) {
    let method = exclusive();
    let limits = Limits {
        max_bytes: 2 << 20,
        max_namespace_declarations_total: usize::MAX,
        ..Limits::default()
    };
    let big = generated_document();
    let inputs: [(&str, &[u8]); 2] = [("response.xml", RESPONSE), ("generated_1mb.xml", &big)];

    let mut group = c.benchmark_group("saml.c14n");
    for (name, input) in inputs {
        let doc = Document::parse_with(input, &limits).expect("bench input parses");
        let mut out = Vec::with_capacity(input.len() * 2);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                canonicalize_into(black_box(&doc), doc.root(), &method, None, &mut out)
                    .expect("canonicalises");
                out.len()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("saml.parse+c14n");
    for (name, input) in inputs {
        let mut out = Vec::with_capacity(input.len() * 2);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let doc = Document::parse_with(black_box(input), &limits).expect("parses");
                out.clear();
                canonicalize_into(&doc, doc.root(), &method, None, &mut out)
                    .expect("canonicalises");
                out.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, c14n);
criterion_main!(benches);
