//! The built-in schemas, transcribed from RFC 7643 §4 and the representation in §8.7.1.
//!
//! Where §8.7.1 and the attribute text of §4 disagree, §4 wins and the line says so.

use std::sync::OnceLock;

use super::{
    AttributeDef, AttributeType, Mutability, ResourceSchema, Returned, Schema, SchemaExtension,
    Uniqueness,
};

/// The core User schema URN (RFC 7643 §8.7.1).
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN (RFC 7643 §8.7.1).
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Enterprise User extension URN (RFC 7643 §4.3).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

use AttributeType::{Binary, Boolean, Complex, DateTime, Reference, String as Str};

impl AttributeDef {
    fn about(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }
    fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }
    fn unique(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }
    fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }
    fn refs(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|v| (*v).to_owned()).collect();
        self
    }
    fn subs(mut self, subs: Vec<AttributeDef>) -> Self {
        self.sub_attributes = subs;
        self
    }
    /// Applies a mutability to the attribute and all its sub-attributes.
    fn all_mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        for sub in &mut self.sub_attributes {
            sub.mutability = mutability;
        }
        self
    }
}

fn attr(name: &str, kind: AttributeType) -> AttributeDef {
    AttributeDef::new(name, kind)
}

/// The value/display/type/primary quadruple of RFC 7643 §2.4 multi-valued attributes.
fn multi_valued(name: &str, value: AttributeDef, types: &[&str]) -> AttributeDef {
    let mut kind = attr("type", Str).about("A label for the value's function.");
    if !types.is_empty() {
        kind = kind.canonical(types);
    }
    attr(name, Complex).multi().subs(vec![
        value,
        attr("display", Str).about("A human-readable name, for display only."),
        kind,
        attr("primary", Boolean).about("Whether this is the preferred value; at most one is."),
    ])
}

pub(super) fn user() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema {
        id: USER.to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        attributes: vec![
            attr("userName", Str)
                .required()
                .unique(Uniqueness::Server)
                .about("Unique identifier of the user, used to sign in."),
            attr("name", Complex)
                .about("The components of the user's real name.")
                .subs(vec![
                    attr("formatted", Str).about("The full name, formatted for display."),
                    attr("familyName", Str).about("The family (last) name."),
                    attr("givenName", Str).about("The given (first) name."),
                    attr("middleName", Str).about("The middle name(s)."),
                    attr("honorificPrefix", Str).about("Honorific prefix, e.g. Ms."),
                    attr("honorificSuffix", Str).about("Honorific suffix, e.g. III."),
                ]),
            attr("displayName", Str).about("The name to display to end users."),
            attr("nickName", Str).about("The casual name."),
            attr("profileUrl", Reference)
                .refs(&["external"])
                .about("A URI of the user's online profile."),
            attr("title", Str).about("The user's title, e.g. Vice President."),
            attr("userType", Str).about("The relationship to the organisation, e.g. Employee."),
            attr("preferredLanguage", Str).about("Preferred language, per RFC 7231 §5.3.5."),
            attr("locale", Str).about("Default location for localisation, e.g. en-US."),
            attr("timezone", Str).about("Time zone in IANA database format."),
            attr("active", Boolean).about("The user's administrative status."),
            attr("password", Str)
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never)
                .about("The cleartext password, written only."),
            multi_valued(
                "emails",
                attr("value", Str).about("Email address."),
                &["work", "home", "other"],
            )
            .about("Email addresses."),
            multi_valued(
                "phoneNumbers",
                attr("value", Str).about("Phone number."),
                &["work", "home", "mobile", "fax", "pager", "other"],
            )
            .about("Phone numbers."),
            multi_valued(
                "ims",
                attr("value", Str).about("Instant messaging address."),
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            )
            .about("Instant messaging addresses."),
            multi_valued(
                "photos",
                attr("value", Reference)
                    .refs(&["external"])
                    .about("URL of a photo."),
                &["photo", "thumbnail"],
            )
            .about("URLs of photos of the user."),
            attr("addresses", Complex)
                .multi()
                .about("Physical mailing addresses.")
                .subs(vec![
                    attr("formatted", Str).about("The full address, formatted for display."),
                    attr("streetAddress", Str).about("Street address."),
                    attr("locality", Str).about("City or locality."),
                    attr("region", Str).about("State or region."),
                    attr("postalCode", Str).about("Zip or postal code."),
                    attr("country", Str).about("Country, ISO 3166-1 alpha-2."),
                    attr("type", Str)
                        .canonical(&["work", "home", "other"])
                        .about("A label for the address's function."),
                    // §4.1.2 lists `primary` for addresses; the §8.7.1 listing omits it.
                    attr("primary", Boolean).about("Whether this is the preferred address."),
                ]),
            attr("groups", Complex)
                .multi()
                .about("Groups the user belongs to, managed by the service provider.")
                .subs(vec![
                    attr("value", Str).about("The group's id."),
                    // §8.7.1 lists ["User", "Group"]; verified erratum 8471 makes it
                    // ["Group"]: these are the groups the user belongs to.
                    attr("$ref", Reference)
                        .refs(&["Group"])
                        .about("The URI of the group."),
                    attr("display", Str).about("The group's display name."),
                    attr("type", Str)
                        .canonical(&["direct", "indirect"])
                        .about("How the membership came about."),
                ])
                .all_mutability(Mutability::ReadOnly),
            multi_valued(
                "entitlements",
                attr("value", Str).about("The entitlement."),
                &[],
            )
            .about("Entitlements of the user."),
            multi_valued("roles", attr("value", Str).about("The role."), &[])
                .about("Roles of the user."),
            multi_valued(
                "x509Certificates",
                attr("value", Binary).about("DER certificate, base64."),
                &[],
            )
            .about("X.509 certificates of the user."),
        ],
    })
}

pub(super) fn group() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema {
        id: GROUP.to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        attributes: vec![
            // §4.2 says REQUIRED; the §8.7.1 listing's `"required": false` is corrected to
            // true by verified erratum 5368.
            attr("displayName", Str)
                .required()
                .about("A human-readable name for the group."),
            attr("members", Complex)
                .multi()
                .about("Members of the group.")
                .subs(vec![
                    attr("value", Str)
                        .mutability(Mutability::Immutable)
                        .about("The member's id."),
                    attr("$ref", Reference)
                        .refs(&["User", "Group"])
                        .mutability(Mutability::Immutable)
                        .about("The URI of the member."),
                    // Not in §8.7.1, but every example in §8 and every IdP sends it.
                    attr("display", Str)
                        .mutability(Mutability::Immutable)
                        .about("The member's display name."),
                    attr("type", Str)
                        .canonical(&["User", "Group"])
                        .mutability(Mutability::Immutable)
                        .about("The member's resource type."),
                ]),
        ],
    })
}

pub(super) fn enterprise_user() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema {
        id: ENTERPRISE_USER.to_owned(),
        name: "EnterpriseUser".to_owned(),
        description: "Enterprise User".to_owned(),
        attributes: vec![
            attr("employeeNumber", Str).about("Number assigned by the organisation."),
            attr("costCenter", Str).about("Name of a cost center."),
            attr("organization", Str).about("Name of an organisation."),
            attr("division", Str).about("Name of a division."),
            attr("department", Str).about("Name of a department."),
            attr("manager", Complex)
                .about("The user's manager.")
                .subs(vec![
                    attr("value", Str).about("The manager's id."),
                    attr("$ref", Reference)
                        .refs(&["User"])
                        .about("The URI of the manager."),
                    attr("displayName", Str)
                        .mutability(Mutability::ReadOnly)
                        .about("The manager's display name."),
                ]),
        ],
    })
}

pub(super) fn common() -> &'static [AttributeDef] {
    static COMMON: OnceLock<Vec<AttributeDef>> = OnceLock::new();
    COMMON.get_or_init(|| {
        vec![
            attr("id", Str)
                .case_exact()
                .mutability(Mutability::ReadOnly)
                .returned(Returned::Always)
                .unique(Uniqueness::Server)
                .about("The service provider's unique identifier of the resource."),
            attr("externalId", Str)
                .case_exact()
                .about("The client's identifier of the resource."),
            attr("meta", Complex)
                .about("Resource metadata.")
                .subs(vec![
                    attr("resourceType", Str)
                        .case_exact()
                        .about("The resource type's name."),
                    attr("created", DateTime).about("When the resource was added."),
                    attr("lastModified", DateTime).about("When the resource was last changed."),
                    attr("location", Reference)
                        .case_exact()
                        .refs(&["uri"])
                        .about("The URI of the resource."),
                    attr("version", Str)
                        .case_exact()
                        .about("The resource's version (ETag)."),
                ])
                .all_mutability(Mutability::ReadOnly),
            attr("schemas", Reference)
                .multi()
                .required()
                .case_exact()
                .refs(&["uri"])
                .returned(Returned::Always)
                .about("The schema URNs the resource uses."),
        ]
    })
}

pub(super) fn users() -> &'static ResourceSchema {
    static USERS: OnceLock<ResourceSchema> = OnceLock::new();
    USERS.get_or_init(|| ResourceSchema {
        name: "User".to_owned(),
        endpoint: "/Users".to_owned(),
        core: user().clone(),
        extensions: vec![SchemaExtension {
            schema: enterprise_user().clone(),
            required: false,
        }],
    })
}

pub(super) fn groups() -> &'static ResourceSchema {
    static GROUPS: OnceLock<ResourceSchema> = OnceLock::new();
    GROUPS.get_or_init(|| ResourceSchema {
        name: "Group".to_owned(),
        endpoint: "/Groups".to_owned(),
        core: group().clone(),
        extensions: Vec::new(),
    })
}
