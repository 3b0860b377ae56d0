//! Binding: every attribute path resolved against a schema once, names replaced by their schema
//! spelling, comparison values checked against the attribute type and pre-parsed (dateTimes,
//! numbers, case-folded strings), so evaluation and SQL translation do no lookups or parsing of
//! the filter per resource.

use chrono::{DateTime, FixedOffset};

use super::ast::{AttrExpr, AttrTest, CompValue, CompareOp, Filter, ValuePath};
use super::error::{FilterError, FilterErrorKind, Span};
use crate::path::AttrPath;
use crate::schema::{AttributeDef, AttributeHome, AttributeType, ResourceSchema};

/// A filter resolved against a schema: the only input [`BoundFilter::matches`] and
/// [`BoundFilter::to_sql`] accept, so neither can meet an unknown attribute or a value of the
/// wrong type.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundFilter {
    pub(crate) node: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Test(Test),
    /// Some value of a complex attribute (or the attribute itself, if singular) matches `filter`.
    ValuePath {
        attr: Access,
        filter: Box<Node>,
    },
}

/// Where a value is in a resource (or in one element, for the inside of a valuePath): the
/// extension object, the attribute, the sub-attribute, in their schema spelling.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Access {
    pub(crate) extension: Option<String>,
    pub(crate) name: String,
    pub(crate) sub: Option<String>,
    /// The attribute named by `name` is multi-valued: its value is an array of candidates.
    pub(crate) multi_valued: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Test {
    pub(crate) access: Access,
    pub(crate) check: Check,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Check {
    /// `pr`: some value is present (not null, "", [] or {}).
    Present,
    /// Some value is assigned: not null and not `[]` (RFC 7643 §2.5). `eq null` binds to its
    /// negation, `ne null` to it.
    Assigned,
    /// `eq`, `co`, `sw`, `ew`, `gt`, `ge`, `lt`, `le` (`ne` binds to `not eq`).
    Compare(CompareOp, Operand),
}

/// A comparison value in the form the attribute type compares in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    /// A string attribute; `text` is lower-cased when the attribute is not caseExact.
    Str {
        text: String,
        case_exact: bool,
    },
    Bool(bool),
    Int(i64),
    Dec(f64),
    Time {
        at: DateTime<FixedOffset>,
        text: String,
    },
}

fn type_name(kind: AttributeType) -> &'static str {
    kind.as_str()
}

fn err(kind: FilterErrorKind, span: Span) -> FilterError {
    FilterError::new(kind, span)
}

/// What to resolve names against: the resource's schemas, or one complex attribute's
/// sub-attributes (inside brackets).
#[derive(Clone, Copy)]
enum Scope<'a> {
    Resource(&'a ResourceSchema),
    SubAttributes(&'a AttributeDef),
}

impl Filter {
    /// Resolves the filter against a resource type's schemas (attribute names case-insensitive,
    /// RFC 7643 §2.1) and checks each comparison value against its attribute's type.
    ///
    /// ```
    /// use fedkit_scim::{Dialect, Filter, ResourceSchema};
    /// let f = Filter::parse(r#"userName eq "BJensen""#, Dialect::Strict).unwrap();
    /// let bound = f.bind(ResourceSchema::users()).unwrap();
    /// // userName is caseExact=false (RFC 7643 §4.1.1), so case does not matter.
    /// assert!(bound.matches(&serde_json::json!({"userName": "bjensen"})).unwrap());
    /// ```
    pub fn bind(&self, schema: &ResourceSchema) -> Result<BoundFilter, FilterError> {
        Ok(BoundFilter {
            node: bind_node(self, Scope::Resource(schema))?,
        })
    }

    /// Resolves the filter against the sub-attributes of one complex attribute, as the inside of
    /// a valuePath (`emails[type eq "work"]`) is. The result evaluates on one element of that
    /// attribute.
    pub fn bind_sub_attributes(&self, parent: &AttributeDef) -> Result<BoundFilter, FilterError> {
        if parent.kind != AttributeType::Complex {
            return Err(err(
                FilterErrorKind::ValuePathOnSimple(parent.name.clone()),
                Span::default(),
            ));
        }
        Ok(BoundFilter {
            node: bind_node(self, Scope::SubAttributes(parent))?,
        })
    }
}

fn bind_node(filter: &Filter, scope: Scope<'_>) -> Result<Node, FilterError> {
    Ok(match filter {
        Filter::And(items) => Node::And(
            items
                .iter()
                .map(|f| bind_node(f, scope))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Or(items) => Node::Or(
            items
                .iter()
                .map(|f| bind_node(f, scope))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Not(inner) => Node::Not(Box::new(bind_node(inner, scope)?)),
        Filter::Attr(expr) => bind_expr(expr, scope)?,
        Filter::ValuePath(vp) => bind_value_path(vp, scope)?,
    })
}

/// The attribute a path names and where it is.
fn resolve<'a>(
    path: &AttrPath,
    scope: Scope<'a>,
) -> Result<(Access, &'a AttributeDef, &'a AttributeDef), FilterError> {
    let unknown = || {
        err(
            FilterErrorKind::UnknownAttribute(path.to_string()),
            path.span,
        )
    };
    let (extension, top) = match scope {
        Scope::Resource(schema) => {
            let (home, def) = schema
                .locate(path.urn.as_deref(), &path.name)
                .ok_or_else(unknown)?;
            let extension = match home {
                AttributeHome::Root => None,
                AttributeHome::Extension(urn) => Some(urn.to_owned()),
            };
            (extension, def)
        }
        Scope::SubAttributes(parent) => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return Err(err(
                    FilterErrorKind::QualifiedNameInValuePath(path.to_string()),
                    path.span,
                ));
            }
            (None, parent.sub_attribute(&path.name).ok_or_else(unknown)?)
        }
    };
    let leaf = match &path.sub_attr {
        None => top,
        Some(sub) => {
            if top.kind != AttributeType::Complex {
                return Err(err(
                    FilterErrorKind::InvalidSubAttribute(path.to_string()),
                    path.span,
                ));
            }
            top.sub_attribute(sub).ok_or_else(unknown)?
        }
    };
    let access = Access {
        extension,
        name: top.name.clone(),
        sub: (!std::ptr::eq(leaf, top)).then(|| leaf.name.clone()),
        multi_valued: top.multi_valued,
    };
    Ok((access, top, leaf))
}

fn bind_expr(expr: &AttrExpr, scope: Scope<'_>) -> Result<Node, FilterError> {
    let (mut access, _, mut leaf) = resolve(&expr.path, scope)?;
    let path = &expr.path;
    let compares_value = matches!(&expr.test, AttrTest::Compare(_, v) if *v != CompValue::Null);
    if compares_value && leaf.kind == AttributeType::Complex {
        // A complex attribute compared without a sub-attribute means its `value` (RFC 7644
        // §3.4.2.2 example `emails co "example.com"`; pingidentity/scim2 2.1.2).
        let value = leaf
            .sub_attribute("value")
            .filter(|_| access.sub.is_none())
            .ok_or_else(|| {
                err(
                    FilterErrorKind::InvalidSubAttribute(format!("{path}.value")),
                    path.span,
                )
            })?;
        access.sub = Some(value.name.clone());
        leaf = value;
    }
    bind_test(access, leaf, &expr.test, path)
}

fn bind_test(
    access: Access,
    leaf: &AttributeDef,
    test: &AttrTest,
    path: &AttrPath,
) -> Result<Node, FilterError> {
    let (op, value) = match test {
        AttrTest::Present => {
            return Ok(Node::Test(Test {
                access,
                check: Check::Present,
            }));
        }
        AttrTest::Compare(op, value) => (*op, value),
    };
    let attribute = || path.to_string();
    if matches!(value, CompValue::Null) {
        // RFC 7643 §2.5: unassigned, null and [] are one state, so `eq null` is "not assigned".
        // An empty string is assigned (it is only not `pr`).
        let present = Node::Test(Test {
            access,
            check: Check::Assigned,
        });
        return match op {
            CompareOp::Eq => Ok(Node::Not(Box::new(present))),
            CompareOp::Ne => Ok(present),
            _ if op.is_ordering() => Err(err(
                FilterErrorKind::OrderingNotAllowed {
                    op: op.as_str(),
                    attribute: attribute(),
                    reason: "null",
                },
                path.span,
            )),
            _ => Err(err(
                FilterErrorKind::SubstringNotAllowed {
                    op: op.as_str(),
                    attribute: attribute(),
                },
                path.span,
            )),
        };
    }
    let kind = leaf.kind;
    if op.is_ordering() && matches!(kind, AttributeType::Boolean | AttributeType::Binary) {
        return Err(err(
            FilterErrorKind::OrderingNotAllowed {
                op: op.as_str(),
                attribute: attribute(),
                reason: type_name(kind),
            },
            path.span,
        ));
    }
    let stringy = matches!(
        kind,
        AttributeType::String
            | AttributeType::Reference
            | AttributeType::Binary
            | AttributeType::DateTime
    );
    if op.is_substring() && !stringy {
        return Err(err(
            FilterErrorKind::SubstringNotAllowed {
                op: op.as_str(),
                attribute: attribute(),
            },
            path.span,
        ));
    }
    let mismatch = || {
        err(
            FilterErrorKind::ValueTypeMismatch {
                attribute: attribute(),
                expected: type_name(kind),
            },
            path.span,
        )
    };
    let operand = match (kind, value) {
        (AttributeType::Boolean, CompValue::Bool(b)) => Operand::Bool(*b),
        (AttributeType::Integer, CompValue::Number(n)) => match n.as_i64() {
            Some(i) => Operand::Int(i),
            None => Operand::Dec(n.as_f64().ok_or_else(mismatch)?),
        },
        (AttributeType::Decimal, CompValue::Number(n)) => {
            Operand::Dec(n.as_f64().ok_or_else(mismatch)?)
        }
        (AttributeType::DateTime, CompValue::String(s)) if !op.is_substring() => {
            let at = DateTime::parse_from_rfc3339(s)
                .map_err(|_| err(FilterErrorKind::InvalidDateTime(attribute()), path.span))?;
            Operand::Time {
                at,
                text: s.clone(),
            }
        }
        (_, CompValue::String(s)) if stringy => {
            // Binary values are base64, whose case is significant.
            let case_exact = leaf.case_exact || kind == AttributeType::Binary;
            let text = if case_exact {
                s.clone()
            } else {
                // The same fold the resource side gets; `str::to_lowercase` would turn a final
                // `Σ` into `ς` and then never match.
                super::fold::fold_case(s).into_owned()
            };
            Operand::Str { text, case_exact }
        }
        _ => return Err(mismatch()),
    };
    let eq_or_op = if op == CompareOp::Ne {
        CompareOp::Eq
    } else {
        op
    };
    let node = Node::Test(Test {
        access,
        check: Check::Compare(eq_or_op, operand),
    });
    // `ne` is `not eq`: true when no value equals, including when the attribute is absent.
    Ok(if op == CompareOp::Ne {
        Node::Not(Box::new(node))
    } else {
        node
    })
}

fn bind_value_path(vp: &ValuePath, scope: Scope<'_>) -> Result<Node, FilterError> {
    let (access, top, _) = resolve(&vp.attr, scope)?;
    if vp.attr.sub_attr.is_some() || matches!(scope, Scope::SubAttributes(_)) {
        return Err(err(
            FilterErrorKind::InvalidSubAttribute(vp.attr.to_string()),
            vp.attr.span,
        ));
    }
    if top.kind != AttributeType::Complex {
        return Err(err(
            FilterErrorKind::ValuePathOnSimple(vp.attr.to_string()),
            vp.attr.span,
        ));
    }
    let mut filter = bind_node(&vp.filter, Scope::SubAttributes(top))?;
    if let Some(then) = &vp.then {
        // `attr[f].sub op v` holds when one element passes both `f` and `sub op v`.
        let sub_path = AttrPath {
            urn: None,
            name: then.sub_attr.clone(),
            sub_attr: None,
            span: vp.attr.span,
        };
        let (sub_access, _, leaf) = resolve(&sub_path, Scope::SubAttributes(top))?;
        let then_node = bind_test(sub_access, leaf, &then.test, &sub_path)?;
        filter = Node::And(vec![filter, then_node]);
    }
    Ok(Node::ValuePath {
        attr: access,
        filter: Box::new(filter),
    })
}
