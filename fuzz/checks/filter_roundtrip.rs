//! Filter parse → print → parse gives an equal tree in both dialects, printing is idempotent, and
//! whatever parses can be bound, evaluated and translated to SQL without a panic.

use fedkit_scim::filter::SqlDialect;
use fedkit_scim::{Dialect, Filter, ResourceSchema};

const USER: &str = r#"{"userName": "bjensen", "name": {"familyName": "Jensen"}, "title": "",
  "emails": [{"value": "b@example.com", "type": "work"}, {"value": null}], "active": true,
  "meta": {"created": "2010-01-23T04:56:22Z"},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}}}"#;

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let user: serde_json::Value = serde_json::from_str(USER).expect("fixed user");
    for dialect in [Dialect::Strict, Dialect::Lenient] {
        let Ok(filter) = Filter::parse(text, dialect) else {
            continue;
        };
        let printed = filter.to_string();
        let again = Filter::parse(&printed, dialect).expect("canonical text parses");
        assert_eq!(again, filter, "{text:?} printed as {printed:?}");
        assert_eq!(again.to_string(), printed);
        for schema in [ResourceSchema::users(), ResourceSchema::groups()] {
            if let Ok(bound) = filter.bind(schema) {
                let _ = bound.matches(&user);
                let _ = bound.to_sql(SqlDialect::Sqlite, "doc");
                let _ = bound.to_sql(SqlDialect::Postgres, "doc");
            }
        }
    }
}
