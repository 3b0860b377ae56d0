//! This SP's metadata: what an IdP (identity-center) registers it from.

use fedkit_saml::names::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NAMEID_EMAIL};
use fedkit_saml::{Endpoint, EntityDescriptor, KeyDescriptor, KeyUse, RoleDescriptor};

use crate::saml_sp::config::SpConfig;

fn endpoint(binding: &str, location: &str, index: Option<u16>) -> Endpoint {
    Endpoint {
        binding: binding.to_owned(),
        location: location.to_owned(),
        response_location: None,
        index,
        is_default: index.is_some(),
    }
}

/// The SPSSODescriptor: the ACS over HTTP-POST, the SLO endpoint (both bindings) when this SP
/// can sign logout messages, the signing and encryption certificates when given.
pub fn sp_metadata(config: &SpConfig) -> String {
    let mut keys = Vec::new();
    if let Some(signer) = &config.signer {
        keys.push(KeyDescriptor {
            key_use: KeyUse::Signing,
            certificates: vec![signer.certificate().clone()],
        });
    }
    if let Some(certificate) = &config.encryption_certificate {
        keys.push(KeyDescriptor {
            key_use: KeyUse::Encryption,
            certificates: vec![certificate.clone()],
        });
    }
    // Published with a key, whatever the IdP's metadata says now (it may gain an SLO endpoint).
    let single_logout = if config.signer.is_some() {
        vec![
            endpoint(BINDING_HTTP_REDIRECT, &config.slo_url, None),
            endpoint(BINDING_HTTP_POST, &config.slo_url, None),
        ]
    } else {
        Vec::new()
    };
    EntityDescriptor {
        entity_id: config.entity_id.clone(),
        valid_until: None,
        idp: None,
        sp: Some(RoleDescriptor {
            keys,
            single_logout,
            name_id_formats: vec![NAMEID_EMAIL.to_owned()],
            services: vec![endpoint(BINDING_HTTP_POST, &config.acs_url, Some(0))],
            requests_signed: config.sign_requests,
            // The validator needs a signature covering the assertion; asking for it on the
            // assertion itself is what most IdPs do by default.
            want_assertions_signed: true,
        }),
    }
    .to_xml()
}
