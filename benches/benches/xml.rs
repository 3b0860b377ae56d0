//! xml.parse: `Document::parse` of the peers' signed SAML response (6.5 KB) and of a generated
//! ~1 MB SAML-like document, in MB/s (criterion `Throughput::Bytes`). The peer figure to beat is
//! lxml's parse in `../shared/research/perf.md` (xml.parse).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fedkit_xml::{Document, Limits};

const RESPONSE_SIGNED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/peers/fixtures/response_signed.xml"
));

/// A ~1 MB document shaped like SAML metadata/responses: namespaces, attributes, text, some
/// references and CRLF line ends to normalise.
fn generated_document() -> Vec<u8> {
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_root\" Version=\"2.0\">\r\n",
    );
    let mut i = 0;
    while doc.len() < 1_000_000 {
        doc.push_str(&format!(
            "  <saml:Attribute Name=\"urn:oid:1.3.6.1.4.1.5923.1.1.1.{i}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\" FriendlyName=\"attr{i}\">\r\n    <saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">user{i}@example.com &amp; friends</saml:AttributeValue>\r\n  </saml:Attribute>\r\n"
        ));
        i += 1;
    }
    doc.push_str("</samlp:Response>\r\n");
    doc.into_bytes()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("xml.parse");
    group.throughput(Throughput::Bytes(RESPONSE_SIGNED.len() as u64));
    group.bench_function("response_signed.xml", |b| {
        b.iter(|| Document::parse(black_box(RESPONSE_SIGNED)).map(|d| d.document_element()))
    });
    let big = generated_document();
    let limits = Limits {
        max_bytes: 2 << 20,
        max_elements: usize::MAX,
        max_namespace_declarations_total: usize::MAX,
        ..Limits::default()
    };
    if let Err(e) = Document::parse_with(&big, &limits) {
        panic!("generated document does not parse: {e}");
    }
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("generated_1mb.xml", |b| {
        b.iter(|| Document::parse_with(black_box(&big), &limits).map(|d| d.document_element()))
    });
    group.finish();
}

fn write(c: &mut Criterion) {
    let doc = Document::parse(RESPONSE_SIGNED).expect("fixture parses");
    let mut group = c.benchmark_group("xml.write");
    group.throughput(Throughput::Bytes(RESPONSE_SIGNED.len() as u64));
    group.bench_function("response_signed.xml", |b| {
        b.iter(|| black_box(&doc).to_xml())
    });
    group.finish();
}

criterion_group!(benches, parse, write);
criterion_main!(benches);
