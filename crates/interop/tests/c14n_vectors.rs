//! fedkit's canonicalization against libxml2: its own c14n regression suite (the shared vectors,
//! read at run time from `$FEDKIT_SHARED/vectors/c14n/libxml2`, default `../shared` beside the
//! checkout; inputs with a DOCTYPE are refused raw, then expanded by `xmllint --noent --dtdattr
//! --dropdtd` as libxml2's own driver parses them), and `xmllint --c14n`, `--exc-c14n`, `--c14n11` on hand-made and generated
//! documents with namespaces in odd places, escaping, CRLF and non-ASCII text.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fedkit_xml::{Document, NodeId};
use fedkit_xmldsig::c14n::{C14nMethod, canonicalize};
use serde::Deserialize;

fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("FEDKIT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        dir.join("vectors").is_dir(),
        "shared folder {} has no vectors/: set FEDKIT_SHARED or put shared/ beside the checkout",
        dir.display()
    );
    dir
}

#[derive(Deserialize)]
struct Manifest {
    case: Vec<VectorCase>,
}

#[derive(Deserialize)]
struct VectorCase {
    name: String,
    variant: String,
    subset: String,
    input: String,
    expected: Option<String>,
    #[serde(default)]
    expected_empty: bool,
    subtree_root: Option<String>,
    #[serde(default)]
    inclusive_namespaces: Vec<String>,
    #[serde(default)]
    dtd_features: Vec<String>,
}

fn method(variant: &str, prefixes: &[String]) -> C14nMethod {
    match variant {
        "c14n10" => C14nMethod::Inclusive10 {
            with_comments: false,
        },
        "c14n10-with-comments" => C14nMethod::Inclusive10 {
            with_comments: true,
        },
        "c14n11" => C14nMethod::Inclusive11 {
            with_comments: false,
        },
        "exc-c14n10" => C14nMethod::Exclusive10 {
            with_comments: false,
            inclusive_prefixes: prefixes.to_vec(),
        },
        other => panic!("unknown variant {other}"),
    }
}

/// The outermost element named `{namespace}local` (`local` alone: no namespace): the first in
/// document order.
fn find_element(doc: &Document, name: &str) -> Option<NodeId> {
    let (namespace, local) = match name.strip_prefix('{').and_then(|rest| rest.split_once('}')) {
        Some((namespace, local)) => (Some(namespace), local),
        None => (None, name),
    };
    doc.descendants(doc.root())
        .find(|node| doc.name(*node).is_some_and(|n| n.is(namespace, local)))
}

/// `path` with its DTD applied by libxml2, as its c14n test driver parses it: attribute defaults
/// filled in (`--dtdattr`), entities substituted (`--noent`), then the DOCTYPE dropped. xmllint
/// runs in the input's folder so the relative references (doc.dtd, world.txt) resolve, and with
/// `--nonet` so nothing is fetched.
fn expand_dtd(path: &Path) -> Vec<u8> {
    let folder = path.parent().expect("an input has a folder");
    let file = path.file_name().expect("an input has a file name");
    let output = Command::new("xmllint")
        .args(["--nonet", "--noent", "--dtdattr", "--dropdtd"])
        .arg(file)
        .current_dir(folder)
        .output()
        .expect("xmllint is missing: apt-get install libxml2-utils");
    assert!(
        output.status.success(),
        "xmllint could not expand {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn libxml2_c14n_suite_document_and_subtree_cases() {
    let folder = shared_dir().join("vectors/c14n/libxml2");
    let manifest_text =
        std::fs::read_to_string(folder.join("manifest.toml")).expect("read the c14n manifest");
    let manifest: Manifest = toml::from_str(&manifest_text).expect("parse the c14n manifest");

    let (mut ran, mut matched, mut refused, mut expanded) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for case in &manifest.case {
        if case.subset != "document" && case.subset != "subtree" {
            continue;
        }
        let input_path = folder.join(&case.input);
        let input = std::fs::read(&input_path).expect("read a vector input");
        ran += 1;
        // Inputs with a DOCTYPE: fedkit-xml refuses them (`dtd_forbidden`), by design. The c14n
        // is still checked on them: libxml2 expands the DTD (attribute defaults, entities), and
        // the expanded, DTD-free document is what gets canonicalised.
        let parsed = if case.dtd_features.is_empty() {
            Document::parse(&input)
        } else {
            match Document::parse(&input) {
                Err(e) if e.code() == "dtd_forbidden" => refused += 1,
                Err(e) => failures.push(format!(
                    "{}: refused with {} instead of dtd_forbidden",
                    case.name,
                    e.code()
                )),
                Ok(_) => failures.push(format!("{}: a DOCTYPE was accepted", case.name)),
            }
            expanded += 1;
            let expanded_input = expand_dtd(&input_path);
            Document::parse(&expanded_input)
        };
        // The three example-6 inputs declare ISO-8859-1 (in ASCII bytes).
        let doc = match parsed {
            Ok(doc) => doc,
            Err(e) => {
                failures.push(format!("{}: parse failed: {e}", case.name));
                continue;
            }
        };
        let node = match (&case.subset[..], &case.subtree_root) {
            ("subtree", Some(root)) => match find_element(&doc, root) {
                Some(node) => node,
                None => {
                    failures.push(format!("{}: no element {root}", case.name));
                    continue;
                }
            },
            _ => doc.root(),
        };
        let expected = match (&case.expected, case.expected_empty) {
            (_, true) => Vec::new(),
            (Some(path), false) => std::fs::read(folder.join(path)).expect("read a vector result"),
            (None, false) => panic!("{}: neither expected nor expected_empty", case.name),
        };
        match canonicalize(
            &doc,
            node,
            &method(&case.variant, &case.inclusive_namespaces),
            None,
        ) {
            Ok(bytes) if bytes == expected => matched += 1,
            Ok(bytes) => failures.push(format!(
                "{}: output differs\n--- expected\n{}\n--- got\n{}",
                case.name,
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&bytes)
            )),
            Err(e) => failures.push(format!("{}: canonicalisation failed: {e}", case.name)),
        }
    }
    eprintln!(
        "libxml2 c14n suite (document + subtree): {ran} ran, {matched} matched byte for byte \
         ({expanded} of them after libxml2 expanded their DTD), {refused} raw inputs refused for \
         their DOCTYPE as designed"
    );
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // The manifest's own counts (vectors/README.md): 39 document/subtree cases, 16 with a DOCTYPE.
    // Every case matches, the 16 DOCTYPE ones through the expansion, so no exclusions are needed.
    assert_eq!(ran, 39, "the manifest changed");
    assert_eq!(matched, ran);
    assert_eq!(refused, 16);
    assert_eq!(expanded, refused);
}

#[path = "common/tricky_documents.rs"]
mod tricky_documents;

/// libxml2's canonical form of `xml` (`xmllint --c14n` etc., which keep comments); `None` when
/// xmllint refuses.
fn xmllint(flag: &str, xml: &[u8]) -> Option<Vec<u8>> {
    let mut child = Command::new("xmllint")
        .args([flag, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("xmllint is missing: apt-get install libxml2-utils");
    child
        .stdin
        .take()
        .expect("xmllint stdin")
        .write_all(xml)
        .expect("write to xmllint");
    let output = child.wait_with_output().expect("run xmllint");
    output.status.success().then_some(output.stdout)
}

/// xmllint's canonicalization flags and the method each means (all keep comments).
fn xmllint_modes() -> [(&'static str, C14nMethod); 3] {
    [
        (
            "--c14n",
            C14nMethod::Inclusive10 {
                with_comments: true,
            },
        ),
        (
            "--exc-c14n",
            C14nMethod::Exclusive10 {
                with_comments: true,
                inclusive_prefixes: Vec::new(),
            },
        ),
        (
            "--c14n11",
            C14nMethod::Inclusive11 {
                with_comments: true,
            },
        ),
    ]
}

/// Compares every mode on one document; returns a description of each disagreement.
fn compare_with_xmllint(label: &str, xml: &[u8], both_refuse: bool) -> Vec<String> {
    let mut disagreements = Vec::new();
    for (flag, method) in xmllint_modes() {
        let theirs = xmllint(flag, xml);
        let ours = Document::parse(xml)
            .map_err(|e| e.to_string())
            .and_then(|doc| {
                canonicalize(&doc, doc.root(), &method, None).map_err(|e| e.to_string())
            });
        let agree = match (&theirs, &ours) {
            (Some(theirs), Ok(ours)) => !both_refuse && theirs == ours,
            (None, Err(_)) => both_refuse,
            _ => false,
        };
        if !agree {
            disagreements.push(format!(
                "{label} {flag}\n--- input\n{}\n--- xmllint\n{}\n--- fedkit\n{}",
                String::from_utf8_lossy(xml),
                theirs.map_or("(refused)".to_owned(), |b| String::from_utf8_lossy(&b)
                    .into_owned()),
                match ours {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) => format!("(refused: {e})"),
                }
            ));
        }
    }
    disagreements
}

#[derive(Deserialize)]
struct HandCases {
    case: Vec<HandCase>,
}

#[derive(Deserialize)]
struct HandCase {
    name: String,
    reason: String,
    xml: String,
    #[serde(default)]
    both_refuse: bool,
}

#[test]
fn hand_made_documents_match_xmllint() {
    let table: HandCases = toml::from_str(include_str!("data/c14n_xmllint_cases.toml"))
        .expect("parse c14n_xmllint_cases.toml");
    let mut disagreements = Vec::new();
    for case in &table.case {
        assert!(!case.reason.is_empty());
        disagreements.extend(compare_with_xmllint(
            &case.name,
            case.xml.as_bytes(),
            case.both_refuse,
        ));
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}

#[test]
fn generated_documents_match_xmllint() {
    let mut rng = tricky_documents::Seeded::new(0x00C1_4E0F_ED61_7001);
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for index in 0..300 {
        let xml = tricky_documents::document(&mut rng);
        if Document::parse(xml.as_bytes()).is_err() && xmllint("--c14n", xml.as_bytes()).is_none() {
            continue;
        }
        compared += 1;
        disagreements.extend(compare_with_xmllint(
            &format!("generated #{index}"),
            xml.as_bytes(),
            false,
        ));
        if disagreements.len() > 5 {
            break;
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
    assert!(
        compared >= 250,
        "only {compared} generated documents were comparable"
    );
}

#[derive(Deserialize)]
struct DsigManifest {
    c14n_output: Vec<C14nOutput>,
}

#[derive(Deserialize)]
struct C14nOutput {
    reference: i64,
    output: String,
    input: String,
    variant: String,
    subset: String,
    subtree_root: Option<String>,
    #[serde(default)]
    inclusive_namespaces: Vec<String>,
}

/// merlin-c14n-three (in xmlsec's suite): the canonical octets its references digest. The rows
/// whose node-set is one element subtree (references 0, 9 and 18, and the SignedInfo) must match;
/// the others need XPath filters (out of scope, as in the libxml2 suite).
#[test]
fn merlin_c14n_three_subtree_outputs() {
    let folder = shared_dir().join("vectors/xmldsig/xmlsec");
    let text =
        std::fs::read_to_string(folder.join("manifest.toml")).expect("read the dsig manifest");
    let manifest: DsigManifest = toml::from_str(&text).expect("parse the dsig manifest");
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in manifest
        .c14n_output
        .iter()
        .filter(|row| row.subset == "subtree")
    {
        let input = std::fs::read(folder.join(&row.input)).expect("read the input");
        let expected = std::fs::read(folder.join(&row.output)).expect("read the output");
        let doc = Document::parse(&input).expect("merlin-c14n-three parses");
        let root = row
            .subtree_root
            .as_deref()
            .expect("subtree rows name their root");
        let node = find_element(&doc, root).expect("subtree root present");
        let method = method(&row.variant, &row.inclusive_namespaces);
        let bytes = canonicalize(&doc, node, &method, None).expect("canonicalises");
        checked += 1;
        if bytes != expected {
            failures.push(format!(
                "reference {}: expected\n{}\ngot\n{}",
                row.reference,
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(checked, 4, "the manifest's subtree rows changed");
}
