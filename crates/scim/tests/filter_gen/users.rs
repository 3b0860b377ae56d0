//! Deterministic SCIM users, the same as `shared/peers/py/gen_users.py` makes (same LCG, same
//! order of draws), so match counts can be compared with the peers' figures in
//! research/perf.md §"SCIM: semantic cross-check". Shared by tests and benches via `#[path]`.

#![allow(clippy::manual_is_multiple_of)] // `x % n == 0` reads like the Python it mirrors.

use serde_json::{Value, json};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GIVEN: [&str; 20] = [
    "Jane", "John", "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan",
    "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Walter",
];
const FAMILY: [&str; 16] = [
    "Doe",
    "Jensen",
    "O'Malley",
    "Smith",
    "Nguyen",
    "Garcia",
    "Müller",
    "Rossi",
    "Kowalski",
    "Tanaka",
    "Dubois",
    "Johnson",
    "Andersson",
    "Silva",
    "Cohen",
    "Petrov",
];
const TITLES: [Option<&str>; 8] = [
    None,
    Some("Engineer"),
    Some("Senior Engineer"),
    Some("Manager"),
    Some("Director"),
    None,
    Some("Analyst"),
    Some("Tour Guide"),
];
const TYPES: [&str; 5] = ["Employee", "Employee", "Employee", "Contractor", "Intern"];
const GROUPS: [&str; 6] = [
    "Engineering",
    "Sales",
    "Support",
    "Finance",
    "aws-developers",
    "vpn-users",
];
const DOMAINS: [&str; 3] = ["example.com", "example.org", "corp.example.com"];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        let n = xs.len() as u64;
        xs[(self.next() % n) as usize]
    }

    fn ts(&mut self, year0: u64, years: u64) -> String {
        let y = year0 + self.next() % years;
        let mo = 1 + self.next() % 12;
        let d = 1 + self.next() % 28;
        let h = self.next() % 24;
        let mi = self.next() % 60;
        let s = self.next() % 60;
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

fn user(i: u64, r: &mut Lcg) -> Value {
    let g = r.pick(&GIVEN);
    let f = r.pick(&FAMILY);
    let lower = g.to_lowercase();
    let uname = if i == 42 {
        "bjensen".to_owned()
    } else if i % 7 != 0 {
        format!("{lower}{i}")
    } else {
        format!("b{lower}{i}")
    };
    let dom = r.pick(&DOMAINS);
    let created = r.ts(2010, 10);
    let (a, b, c, d) = (
        r.next(),
        r.next() % 0xFFFF,
        r.next() % 0xFFF,
        r.next() % 0xFFF,
    );
    let id = format!("{a:08x}-{b:04x}-4{c:03x}-8{d:03x}-{i:012x}");
    let user_type = r.pick(&TYPES);
    let active = r.next() % 10 != 0;
    let postal = 10000 + r.next() % 89999;
    let group_count = r.next() % 3;
    let groups: Vec<Value> = (0..group_count)
        .map(|k| json!({"value": format!("g{k}"), "display": r.pick(&GROUPS)}))
        .collect();
    let last_modified = r.ts(2020, 6);
    let version = format!("W/\"{:x}\"", r.next());
    let department = r.pick(&GROUPS);
    let manager = if i % 50 == 0 {
        "26118915-6090-4610-87e4-49d8ca9f808d".to_owned()
    } else {
        format!("mgr-{}", i % 97)
    };
    let mut u = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "id": id,
        "externalId": format!("E-{i}"),
        "userName": uname,
        "name": {"givenName": g, "familyName": f, "formatted": format!("{g} {f}")},
        "displayName": format!("{g} {f}"),
        "userType": user_type,
        "active": active,
        "emails": [
            {"value": format!("{uname}@{dom}"), "type": "work", "primary": true},
            {"value": format!("{uname}.home@mail.example.net"), "type": "home"},
        ],
        "addresses": [{"type": "work", "postalCode": postal.to_string(), "locality": "Springfield", "country": "US"}],
        "groups": groups,
        "meta": {"resourceType": "User", "created": created, "lastModified": last_modified,
                 "location": format!("https://scim.example.com/v2/Users/{i}"), "version": version},
        ENT: {"employeeNumber": (700000 + i).to_string(), "department": department, "manager": {"value": manager}},
    });
    let obj = u.as_object_mut().expect("object literal");
    if let Some(t) = r.pick(&TITLES) {
        obj.insert("title".into(), json!(t));
    }
    if r.next() % 3 == 0 {
        obj.insert(
            "nickName".into(),
            json!(g.chars().take(3).collect::<String>()),
        );
    }
    if r.next() % 4 == 0 {
        let host = if r.next() % 2 != 0 {
            "foo.com"
        } else {
            "jabber.org"
        };
        obj.insert(
            "ims".into(),
            json!([{"value": format!("{uname}@{host}"), "type": "xmpp"}]),
        );
    }
    if r.next() % 5 == 0 {
        let e = r.pick(&["ReadOnly", "Developer", "Admin"]);
        obj.insert(
            "entitlements".into(),
            json!([{"value": format!("aws:{e}")}]),
        );
    }
    if r.next() % 20 == 0 {
        obj.insert(
            "x509Certificates".into(),
            json!([{"value": "MIIDVTCCAj2gAwIBAgIU"}]),
        );
    }
    u
}

/// The first `n` users of `gen_users.py`.
pub fn users(n: u64) -> Vec<Value> {
    let mut r = Lcg(0x5EED);
    (0..n).map(|i| user(i, &mut r)).collect()
}
