//! Schemas as data (RFC 7643 §2, §7): attribute definitions with every characteristic, the
//! built-in User, Group and EnterpriseUser schemas, and [`ResourceSchema`], a resource type's core
//! schema with its extensions and a case-insensitive attribute resolver.
//!
//! The types serialise in the shape of the RFC's `/Schemas` representation (RFC 7643 §7), so a
//! client can also load a service provider's published schemas into them.

mod builtin;

use serde::{Deserialize, Serialize};

pub use builtin::{ENTERPRISE_USER, GROUP, USER};

/// A SCIM attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A Unicode string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number with at least one digit after the decimal point.
    Decimal,
    /// A whole number.
    Integer,
    /// An xsd:dateTime, e.g. `2008-01-23T04:56:22Z`.
    DateTime,
    /// Base64-encoded bytes.
    Binary,
    /// A URI, in `$ref` and reference-typed attributes.
    Reference,
    /// An object of sub-attributes.
    Complex,
}

impl AttributeType {
    /// The type's name in a schema document.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }
}

/// When an attribute may be written (RFC 7643 §2.2 `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the service provider only.
    ReadOnly,
    /// Read and written by clients (the default).
    #[default]
    ReadWrite,
    /// Written once, when it has no value; never changed after.
    Immutable,
    /// Written by clients, never returned (e.g. `password`).
    WriteOnly,
}

/// When an attribute is returned in responses (RFC 7643 §2.2 `returned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always, whatever `attributes`/`excludedAttributes` say (e.g. `id`).
    Always,
    /// Never (e.g. `password`).
    Never,
    /// Unless excluded (the default).
    #[default]
    Default,
    /// Only when named in `attributes`.
    Request,
}

/// How the service provider enforces uniqueness (RFC 7643 §2.2 `uniqueness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness (the default).
    #[default]
    None,
    /// Unique within this service provider.
    Server,
    /// Globally unique.
    Global,
}

/// One attribute's definition with all its characteristics (RFC 7643 §2.2, §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeDef {
    /// The attribute name, matched case-insensitively.
    pub name: String,
    /// The data type.
    #[serde(rename = "type")]
    pub kind: AttributeType,
    /// Whether the value is a JSON array of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// A human-readable description.
    #[serde(default)]
    pub description: String,
    /// Whether a resource must carry the attribute.
    #[serde(default)]
    pub required: bool,
    /// Whether string values compare case-sensitively.
    #[serde(default)]
    pub case_exact: bool,
    /// Who may write it, and when.
    #[serde(default)]
    pub mutability: Mutability,
    /// When it is returned.
    #[serde(default)]
    pub returned: Returned,
    /// How unique a value must be.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// The values a string attribute suggests (enforced only when a validator is told to).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// For references: the resource types or `external`/`uri` it may point to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For complex attributes: the sub-attributes (one level only, RFC 7643 §2.3.8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<AttributeDef>,
}

impl AttributeDef {
    /// A definition with RFC 7643 §2.2's defaults: optional, single-valued, not caseExact,
    /// readWrite, returned by default, no uniqueness.
    pub fn new(name: impl Into<String>, kind: AttributeType) -> AttributeDef {
        AttributeDef {
            name: name.into(),
            kind,
            multi_valued: false,
            description: String::new(),
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// The sub-attribute of that name (case-insensitive).
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether `name` is this attribute's name (case-insensitive, RFC 7643 §2.1).
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// A schema: a URN and its attributes (RFC 7643 §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name.
    pub name: String,
    /// A human-readable description.
    #[serde(default)]
    pub description: String,
    /// The top-level attributes.
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    /// The top-level attribute of that name (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.is_named(name))
    }

    /// The built-in User schema (RFC 7643 §4.1, §8.7.1).
    pub fn user() -> &'static Schema {
        builtin::user()
    }

    /// The built-in Group schema (RFC 7643 §4.2, §8.7.1).
    pub fn group() -> &'static Schema {
        builtin::group()
    }

    /// The built-in Enterprise User extension (RFC 7643 §4.3, §8.7.1).
    pub fn enterprise_user() -> &'static Schema {
        builtin::enterprise_user()
    }
}

/// A schema extension of a resource type (RFC 7643 §6 `schemaExtensions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaExtension {
    /// The extension schema.
    pub schema: Schema,
    /// Whether every resource of the type must carry it.
    pub required: bool,
}

/// Where an attribute lives in a resource's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeHome<'a> {
    /// At the top level: a core-schema attribute, a common attribute, or `schemas`.
    Root,
    /// Inside the extension object keyed by this URN.
    Extension(&'a str),
}

/// A resource type's schemas: its core schema and extensions (e.g. users = User +
/// EnterpriseUser), with the common attributes of RFC 7643 §3.1 (`id`, `externalId`, `meta`)
/// and `schemas`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSchema {
    /// The resource type's name, e.g. `User`.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// The core schema.
    pub core: Schema,
    /// The extensions.
    pub extensions: Vec<SchemaExtension>,
}

impl ResourceSchema {
    /// Users: core User schema with the optional EnterpriseUser extension.
    pub fn users() -> &'static ResourceSchema {
        builtin::users()
    }

    /// Groups: the core Group schema.
    pub fn groups() -> &'static ResourceSchema {
        builtin::groups()
    }

    /// The common attributes every resource has (RFC 7643 §3.1) and `schemas` (§3).
    pub fn common_attributes() -> &'static [AttributeDef] {
        builtin::common()
    }

    /// The extension with that URN (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&SchemaExtension> {
        self.extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` is the core schema's URN (case-insensitive).
    pub fn is_core(&self, urn: &str) -> bool {
        self.core.id.eq_ignore_ascii_case(urn)
    }

    /// Resolves an attribute path: an optional schema URN, the attribute name and an optional
    /// sub-attribute, all matched case-insensitively. Without a URN, the core schema and the
    /// common attributes are searched (RFC 7644 §3.10: only core attributes may omit it).
    pub fn resolve(
        &self,
        urn: Option<&str>,
        name: &str,
        sub: Option<&str>,
    ) -> Option<&AttributeDef> {
        let (_, def) = self.locate(urn, name)?;
        match sub {
            None => Some(def),
            Some(sub) => def.sub_attribute(sub),
        }
    }

    /// Like [`ResourceSchema::resolve`] without a sub-attribute, also saying where the attribute
    /// lives in the resource's JSON.
    pub fn locate(
        &self,
        urn: Option<&str>,
        name: &str,
    ) -> Option<(AttributeHome<'_>, &AttributeDef)> {
        match urn {
            Some(urn) if !self.is_core(urn) => {
                let extension = self.extension(urn)?;
                let def = extension.schema.attribute(name)?;
                Some((AttributeHome::Extension(&extension.schema.id), def))
            }
            _ => self
                .core
                .attribute(name)
                .or_else(|| Self::common_attributes().iter().find(|a| a.is_named(name)))
                .map(|def| (AttributeHome::Root, def)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_is_case_insensitive() {
        let users = ResourceSchema::users();
        let def = users.resolve(None, "USERNAME", None).expect("userName");
        assert_eq!(def.name, "userName");
        let sub = users
            .resolve(None, "Name", Some("GIVENNAME"))
            .expect("name.givenName");
        assert_eq!(sub.name, "givenName");
        let urn = "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER";
        let manager = users
            .resolve(Some(urn), "manager", Some("value"))
            .expect("manager.value");
        assert_eq!(manager.name, "value");
    }

    #[test]
    fn resolver_knows_common_attributes_and_schemas() {
        let groups = ResourceSchema::groups();
        for (name, sub) in [
            ("id", None),
            ("externalId", None),
            ("meta", Some("lastModified")),
            ("schemas", None),
        ] {
            assert!(groups.resolve(None, name, sub).is_some(), "{name}");
        }
        let id = groups
            .resolve(Some(GROUP), "id", None)
            .expect("core-qualified id");
        assert!(id.case_exact);
        assert_eq!(id.mutability, Mutability::ReadOnly);
    }

    #[test]
    fn extension_attributes_need_their_urn() {
        let users = ResourceSchema::users();
        assert!(users.resolve(None, "department", None).is_none());
        assert!(
            users
                .resolve(Some(ENTERPRISE_USER), "department", None)
                .is_some()
        );
        assert!(
            users
                .resolve(Some("urn:example:unknown"), "department", None)
                .is_none()
        );
        assert!(users.resolve(None, "name", Some("nosuch")).is_none());
    }
}
