//! Generated XML documents that stress canonicalization: namespaces declared, redeclared and
//! undeclared in odd places, prefixed and unprefixed attributes, values and text needing escapes,
//! CRLF and lone CR, non-ASCII text, comments and PIs inside and outside the document element.
//! Deterministic (a seeded SplitMix64), well-formed by construction, DOCTYPE-free.

/// SplitMix64: a tiny, well-distributed generator, so the test needs no RNG dependency.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Seeded(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PREFIXES: &[&str] = &["a", "b", "σ"];
const URIS: &[&str] = &[
    "urn:x",
    "urn:y",
    "http://example.org/z?q=1;r=2#f",
    "urn:e%C3%A9",
];
const LOCALS: &[&str] = &["e", "f", "Item", "ü"];
const ATTRIBUTE_LOCALS: &[&str] = &["id", "n", "k", "ä"];
const VALUE_PIECES: &[&str] = &[
    "v", " ", "&amp;", "&lt;", "&gt;", "&quot;", "'", "\t", "&#9;", "&#10;", "&#13;", "\r\n", "\r",
    "é", "日本", "😀",
];
const TEXT_PIECES: &[&str] = &[
    "t",
    " ",
    "\n",
    "&amp;",
    "&lt;",
    ">",
    "&gt;",
    "\"",
    "\r\n",
    "\r",
    "&#13;",
    "&#xD;",
    "ß",
    "語",
    "<![CDATA[<&>]]>",
    "\t",
];

struct Scope {
    /// (prefix or "" for default, uri) bindings in scope, innermost last.
    bindings: Vec<(String, String)>,
}

impl Scope {
    fn lookup(&self, prefix: &str) -> Option<&str> {
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str())
    }
}

/// One generated document.
pub fn document(rng: &mut Seeded) -> String {
    let mut out = String::new();
    if rng.below(2) == 0 {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    for _ in 0..rng.below(3) {
        misc(rng, &mut out);
        out.push_str(rng.pick(&["\n", "", "\r\n", "  "]));
    }
    let mut scope = Scope {
        bindings: Vec::new(),
    };
    element(rng, &mut out, &mut scope, 0);
    for _ in 0..rng.below(3) {
        out.push_str(rng.pick(&["\n", "", "\r\n"]));
        misc(rng, &mut out);
    }
    out
}

fn misc(rng: &mut Seeded, out: &mut String) {
    match rng.below(3) {
        0 => out.push_str(rng.pick(&["<!-- c -->", "<!--x&y<z-->", "<!---->", "<!-- é\r\n -->"])),
        1 => out.push_str(rng.pick(&[
            "<?pi?>",
            "<?pi data?>",
            "<?pi   spaced  data ?>",
            "<?t a&b<c?>",
        ])),
        _ => {}
    }
}

fn value(rng: &mut Seeded, pieces: &[&str]) -> String {
    let mut v = String::new();
    for _ in 0..rng.below(5) {
        v.push_str(rng.pick(pieces));
    }
    v
}

// Recursion is bounded by the depth argument (this is test code generating its own input).
fn element(rng: &mut Seeded, out: &mut String, scope: &mut Scope, depth: usize) {
    let mark = scope.bindings.len();
    let mut declarations: Vec<(String, String)> = Vec::new();
    let declare =
        |scope: &mut Scope, declarations: &mut Vec<(String, String)>, p: &str, u: &str| {
            if declarations.iter().any(|(dp, _)| dp == p) {
                return;
            }
            declarations.push((p.to_owned(), u.to_owned()));
            scope.bindings.push((p.to_owned(), u.to_owned()));
        };
    // Odd declarations first: redundant, shadowing, default on and off.
    for _ in 0..rng.below(3) {
        match rng.below(4) {
            0 => {
                let p = rng.pick(PREFIXES);
                let u = rng.pick(URIS);
                declare(scope, &mut declarations, p, u);
            }
            1 => {
                let u = rng.pick(URIS);
                declare(scope, &mut declarations, "", u);
            }
            2 => declare(scope, &mut declarations, "", ""),
            _ => {
                if let Some((p, u)) = scope.bindings.first().cloned() {
                    declare(scope, &mut declarations, &p, &u);
                }
            }
        }
    }
    let prefix = if rng.below(2) == 0 {
        ""
    } else {
        rng.pick(PREFIXES)
    };
    if !prefix.is_empty() && scope.lookup(prefix).is_none() {
        let u = rng.pick(URIS);
        declare(scope, &mut declarations, prefix, u);
    }
    let local = rng.pick(LOCALS);
    let qname = if prefix.is_empty() {
        local.to_owned()
    } else {
        format!("{prefix}:{local}")
    };

    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut expanded: Vec<(String, String)> = Vec::new();
    for _ in 0..rng.below(4) {
        let local = rng.pick(ATTRIBUTE_LOCALS);
        let (name, uri) = match rng.below(4) {
            0 | 1 => (local.to_owned(), String::new()),
            2 => {
                let p = rng.pick(PREFIXES);
                if scope.lookup(p).is_none() {
                    let u = rng.pick(URIS);
                    declare(scope, &mut declarations, p, u);
                }
                (
                    format!("{p}:{local}"),
                    scope.lookup(p).unwrap_or("").to_owned(),
                )
            }
            _ => (
                format!("xml:{}", rng.pick(&["lang", "space"])),
                "xml".to_owned(),
            ),
        };
        let key = (uri, name.rsplit(':').next().unwrap_or("").to_owned());
        if expanded.contains(&key) || attributes.iter().any(|(n, _)| *n == name) {
            continue;
        }
        expanded.push(key);
        attributes.push((name, value(rng, VALUE_PIECES)));
    }

    out.push('<');
    out.push_str(&qname);
    for (p, u) in &declarations {
        if p.is_empty() {
            out.push_str(&format!(" xmlns=\"{u}\""));
        } else {
            out.push_str(&format!(" xmlns:{p}=\"{u}\""));
        }
    }
    for (name, v) in &attributes {
        out.push_str(rng.pick(&[" ", "\n  ", "\t"]));
        out.push_str(&format!("{name}=\"{v}\""));
    }
    if depth >= 4 || rng.below(4) == 0 {
        out.push_str(rng.pick(&["/>", " />"]));
    } else {
        out.push('>');
        for _ in 0..rng.below(4) {
            match rng.below(5) {
                0 | 1 => element(rng, out, scope, depth + 1),
                2 => out.push_str(&value(rng, TEXT_PIECES)),
                _ => misc(rng, out),
            }
        }
        out.push_str(&format!("</{qname}>"));
    }
    scope.bindings.truncate(mark);
}
