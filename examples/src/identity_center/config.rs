//! The service's settings, from the command line.

use fedkit_scim::Dialect;

/// Which SCIM service to behave as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// RFC 7643/7644 in full (the default).
    Full,
    /// AWS IAM Identity Center's SCIM endpoint (research/scim.md §1): eq/and filters on its
    /// attribute pairs, count ≤ 100 with cursors, one value per multi-valued attribute, no
    /// group PUT, no Bulk, no sort, no ETags, its error bodies.
    Aws,
}

/// Settings of the SCIM service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The SCIM base URL, for `meta.location` and `Location` (no trailing slash).
    pub base_url: String,
    /// Full RFC or AWS.
    pub profile: Profile,
    /// Filter/path language and whether PATCH bodies go through the IdP normaliser first.
    pub dialect: Dialect,
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// Largest page (`count` is capped to it; AWS: 100, larger is an error).
    pub max_count: u64,
    /// Most operations in one Bulk request (413 above).
    pub max_bulk_operations: usize,
    /// Most member changes in one group PATCH (AWS: 100).
    pub max_member_changes: usize,
}

impl ServiceConfig {
    /// Defaults for a profile.
    pub fn new(base_url: String, profile: Profile, dialect: Dialect) -> ServiceConfig {
        ServiceConfig {
            base_url,
            profile,
            dialect,
            max_body_bytes: 1 << 20,
            max_count: match profile {
                Profile::Full => 1000,
                Profile::Aws => 100,
            },
            max_bulk_operations: 1000,
            max_member_changes: match profile {
                Profile::Full => 10_000,
                Profile::Aws => 100,
            },
        }
    }
}
