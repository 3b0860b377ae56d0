//! The built-in schemas against RFC 7643 §8.7.1 / §3.1 (tests/data/schema_characteristics.toml),
//! and the Schema documents generated from them.

use fedkit_scim::config::schema_document;
use fedkit_scim::schema::{AttributeDef, Schema};
use fedkit_scim::{ResourceSchema, Returned};
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    rows: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    schema: String,
    path: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    multi: bool,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    case_exact: bool,
    mutability: Option<String>,
    returned: Option<String>,
    uniqueness: Option<String>,
    #[serde(default)]
    canonical: Vec<String>,
}

fn find<'a>(attributes: &'a [AttributeDef], path: &str) -> Option<&'a AttributeDef> {
    let (name, sub) = match path.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (path, None),
    };
    let def = attributes.iter().find(|a| a.name == name)?;
    match sub {
        Some(sub) => def.sub_attributes.iter().find(|a| a.name == sub),
        None => Some(def),
    }
}

#[test]
fn characteristics_match_rfc_7643_8_7_1() {
    let table: Table =
        toml::from_str(include_str!("data/schema_characteristics.toml")).expect("rows");
    for row in &table.rows {
        let attributes: &[AttributeDef] = match row.schema.as_str() {
            "user" => &Schema::user().attributes,
            "group" => &Schema::group().attributes,
            "enterprise" => &Schema::enterprise_user().attributes,
            _ => ResourceSchema::common_attributes(),
        };
        let def = find(attributes, &row.path).unwrap_or_else(|| panic!("{} missing", row.path));
        let json = serde_json::to_value(def).expect("serialises");
        assert_eq!(json["type"], row.kind, "{} type", row.path);
        assert_eq!(def.multi_valued, row.multi, "{} multiValued", row.path);
        assert_eq!(def.required, row.required, "{} required", row.path);
        assert_eq!(def.case_exact, row.case_exact, "{} caseExact", row.path);
        assert_eq!(
            json["mutability"],
            row.mutability.as_deref().unwrap_or("readWrite"),
            "{}",
            row.path
        );
        assert_eq!(
            json["returned"],
            row.returned.as_deref().unwrap_or("default"),
            "{}",
            row.path
        );
        assert_eq!(
            json["uniqueness"],
            row.uniqueness.as_deref().unwrap_or("none"),
            "{}",
            row.path
        );
        assert_eq!(
            def.canonical_values, row.canonical,
            "{} canonicalValues",
            row.path
        );
    }
}

#[test]
fn schema_documents_read_back_into_the_same_schema() {
    for schema in [Schema::user(), Schema::group(), Schema::enterprise_user()] {
        let doc = schema_document(schema, "https://example.com/v2");
        assert_eq!(
            doc["schemas"][0],
            "urn:ietf:params:scim:schemas:core:2.0:Schema"
        );
        assert_eq!(
            doc["meta"]["location"],
            format!("https://example.com/v2/Schemas/{}", schema.id)
        );
        let back: Schema = serde_json::from_value(doc).expect("a Schema document is a Schema");
        assert_eq!(&back, schema);
    }
}

#[test]
fn password_is_never_returned_and_id_always() {
    let users = ResourceSchema::users();
    assert_eq!(
        users.resolve(None, "password", None).map(|d| d.returned),
        Some(Returned::Never)
    );
    assert_eq!(
        users.resolve(None, "id", None).map(|d| d.returned),
        Some(Returned::Always)
    );
}
