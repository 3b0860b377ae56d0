//! Self-signed X.509 v3 leaf certificates for SAML signing and encryption.

use chrono::{DateTime, Months, Utc};
use der::asn1::{BitString, PrintableStringRef, Utf8StringRef};
use der::{Decode as _, Encode as _};
use rand_core::CryptoRng;
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder as _, CertificateBuilder};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::ext::{Extension, ToExtension as _};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::{
    Certificate, CryptoProvider, Error, KeyKind, PrivateKey, Result, SignatureAlgorithm,
    default_provider,
};

/// Longest attribute value accepted (RFC 5280 Appendix A upper bounds are 64 for CN, O, OU).
const MAX_ATTRIBUTE_LEN: usize = 64;

/// Longest validity accepted, in months (100 years).
pub const MAX_VALIDITY_MONTHS: u32 = 1200;

/// A subject name built attribute by attribute, encoded in the order given (so `openssl`
/// prints it in that order; RFC 4514 strings show it reversed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistinguishedName {
    attributes: Vec<(NameAttribute, String)>,
}

/// The attributes a [`DistinguishedName`] can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameAttribute {
    /// `C`, a two-letter country code (PrintableString).
    Country,
    /// `ST`.
    StateOrProvince,
    /// `L`.
    Locality,
    /// `O`.
    Organization,
    /// `OU`.
    OrganizationalUnit,
    /// `CN`.
    CommonName,
}

impl NameAttribute {
    fn oid(self) -> spki::ObjectIdentifier {
        spki::ObjectIdentifier::new_unwrap(match self {
            NameAttribute::Country => "2.5.4.6",
            NameAttribute::StateOrProvince => "2.5.4.8",
            NameAttribute::Locality => "2.5.4.7",
            NameAttribute::Organization => "2.5.4.10",
            NameAttribute::OrganizationalUnit => "2.5.4.11",
            NameAttribute::CommonName => "2.5.4.3",
        })
    }
}

impl DistinguishedName {
    /// An empty name; add attributes with the methods below.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an attribute.
    pub fn push(mut self, attribute: NameAttribute, value: impl Into<String>) -> Self {
        self.attributes.push((attribute, value.into()));
        self
    }

    /// Appends `C`.
    pub fn country(self, value: impl Into<String>) -> Self {
        self.push(NameAttribute::Country, value)
    }

    /// Appends `ST`.
    pub fn state_or_province(self, value: impl Into<String>) -> Self {
        self.push(NameAttribute::StateOrProvince, value)
    }

    /// Appends `L`.
    pub fn locality(self, value: impl Into<String>) -> Self {
        self.push(NameAttribute::Locality, value)
    }

    /// Appends `O`.
    pub fn organization(self, value: impl Into<String>) -> Self {
        self.push(NameAttribute::Organization, value)
    }

    /// Appends `OU`.
    pub fn organizational_unit(self, value: impl Into<String>) -> Self {
        self.push(NameAttribute::OrganizationalUnit, value)
    }

    /// Appends `CN`.
    pub fn common_name(self, value: impl Into<String>) -> Self {
        self.push(NameAttribute::CommonName, value)
    }

    fn to_name(&self) -> Result<Name> {
        if self.attributes.is_empty() {
            return Err(Error::InvalidSubject {
                reason: "no attributes",
            });
        }
        let mut rdns = RdnSequence::default();
        for (attribute, value) in &self.attributes {
            if value.is_empty() || value.chars().count() > MAX_ATTRIBUTE_LEN {
                return Err(Error::InvalidSubject {
                    reason: "attribute values must be 1 to 64 characters",
                });
            }
            let encoded = if *attribute == NameAttribute::Country {
                if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(Error::InvalidSubject {
                        reason: "country must be two uppercase letters",
                    });
                }
                PrintableStringRef::new(value).and_then(|s| der::Any::encode_from(&s))
            } else {
                Utf8StringRef::new(value).and_then(|s| der::Any::encode_from(&s))
            }
            .map_err(|_| Error::InvalidSubject {
                reason: "attribute value cannot be encoded",
            })?;
            let mut rdn = RelativeDistinguishedName::default();
            rdn.insert(x509_cert::attr::AttributeTypeAndValue {
                oid: attribute.oid(),
                value: encoded,
            })
            .map_err(build_error)?;
            rdns.push(rdn);
        }
        Name::from_der(&rdns.to_der().map_err(build_error)?).map_err(build_error)
    }
}

/// A self-signed leaf certificate for SAML signing and encryption: X.509 v3 with
/// basicConstraints CA:FALSE (critical), keyUsage digitalSignature + keyEncipherment
/// (digitalSignature only for EC keys), and a subjectKeyIdentifier; a random serial.
#[derive(Debug, Clone)]
pub struct SelfSignedLeaf {
    subject: DistinguishedName,
    validity_months: u32,
    signature_algorithm: SignatureAlgorithm,
    provider: &'static dyn CryptoProvider,
}

impl SelfSignedLeaf {
    /// A leaf for `subject`, valid 60 months (AWS's default of 5 years), signed with
    /// RSA-SHA256 (ECDSA-SHA256 for an EC key), through the default provider.
    pub fn new(subject: DistinguishedName) -> Self {
        SelfSignedLeaf {
            subject,
            validity_months: 60,
            signature_algorithm: SignatureAlgorithm::RsaPkcs1Sha256,
            provider: default_provider(),
        }
    }

    /// Validity in months from `now`, 1 to [`MAX_VALIDITY_MONTHS`].
    pub fn validity_months(mut self, months: u32) -> Self {
        self.validity_months = months;
        self
    }

    /// The algorithm the certificate is signed with: RSA PKCS#1 v1.5 SHA-256/384/512 for RSA
    /// keys, ECDSA SHA-256 for P-256 keys.
    pub fn signature_algorithm(mut self, algorithm: SignatureAlgorithm) -> Self {
        self.signature_algorithm = algorithm;
        self
    }

    /// The provider that signs.
    pub fn provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// Builds and signs the certificate: notBefore is `now` (to the second), notAfter is
    /// `now` plus the months; the serial comes from `rng`.
    pub fn build<R: CryptoRng>(
        &self,
        key: &PrivateKey,
        now: DateTime<Utc>,
        rng: &mut R,
    ) -> Result<Certificate> {
        let mut algorithm = self.signature_algorithm;
        if key.kind() == KeyKind::EcP256 && algorithm == SignatureAlgorithm::RsaPkcs1Sha256 {
            algorithm = SignatureAlgorithm::EcdsaP256Sha256;
        }
        let algorithm_id = x509_algorithm(algorithm)?;
        algorithm.check_usable(key.kind(), false)?;
        let months = self.validity_months;
        if months == 0 || months > MAX_VALIDITY_MONTHS {
            return Err(Error::InvalidValidity { months });
        }
        let not_before = DateTime::from_timestamp(now.timestamp(), 0)
            .ok_or(Error::InvalidValidity { months })?;
        let not_after = not_before
            .checked_add_months(Months::new(months))
            .ok_or(Error::InvalidValidity { months })?;
        let validity = Validity::new(x509_time(not_before)?, x509_time(not_after)?);

        let signing_key = self.provider.signing_key(key)?;
        let spki = spki::SubjectPublicKeyInfoOwned::from_der(key.public_key().spki_der())
            .map_err(build_error)?;
        let profile = LeafProfile {
            subject: self.subject.to_name()?,
            kind: key.kind(),
        };
        let serial = SerialNumber::generate(rng);
        let mut builder =
            CertificateBuilder::new(profile, serial, validity, spki).map_err(build_error)?;
        let signer = SignerIdentity {
            spki_der: key.public_key().spki_der().to_vec(),
            algorithm_id,
        };
        let tbs = builder.finalize(&signer).map_err(build_error)?;
        let raw = signing_key.sign(algorithm, &tbs, rng)?;
        let signature_bytes = if algorithm == SignatureAlgorithm::EcdsaP256Sha256 {
            p256::ecdsa::Signature::from_slice(&raw)
                .map_err(|_| Error::SigningFailed)?
                .to_der()
                .as_bytes()
                .to_vec()
        } else {
            raw
        };
        let signature = BitString::from_bytes(&signature_bytes).map_err(build_error)?;
        let certificate = builder.assemble(signature, &signer).map_err(build_error)?;
        Certificate::from_der(&certificate.to_der().map_err(build_error)?)
    }
}

/// The extensions of a self-issued SAML leaf (research: certs-and-crates §2.1).
struct LeafProfile {
    subject: Name,
    kind: KeyKind,
}

impl BuilderProfile for LeafProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        extensions.push(
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            }
            .to_extension(tbs.subject(), &extensions)?,
        );
        let usage = match self.kind {
            KeyKind::Rsa => KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
            KeyKind::EcP256 | KeyKind::EcP384 | KeyKind::Dsa => KeyUsages::DigitalSignature.into(),
        };
        extensions.push(KeyUsage(usage).to_extension(tbs.subject(), &extensions)?);
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        extensions.push(ski.to_extension(tbs.subject(), &extensions)?);
        Ok(extensions)
    }
}

/// What the x509-cert builder needs to know about the signer; the signature itself comes from
/// our provider, so any backend can sign certificates.
struct SignerIdentity {
    spki_der: Vec<u8>,
    algorithm_id: AlgorithmIdentifierOwned,
}

#[derive(Clone)]
struct SpkiBytes(Vec<u8>);

impl EncodePublicKey for SpkiBytes {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.as_slice())?)
    }
}

impl signature::Keypair for SignerIdentity {
    type VerifyingKey = SpkiBytes;

    fn verifying_key(&self) -> SpkiBytes {
        SpkiBytes(self.spki_der.clone())
    }
}

impl DynSignatureAlgorithmIdentifier for SignerIdentity {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm_id.clone())
    }
}

fn x509_algorithm(algorithm: SignatureAlgorithm) -> Result<AlgorithmIdentifierOwned> {
    // RFC 4055 §5: RSA PKCS#1 v1.5 identifiers carry NULL parameters; RFC 5758 §3.2: ECDSA
    // identifiers carry none.
    let (oid, null_parameters) = match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => ("1.2.840.113549.1.1.11", true),
        SignatureAlgorithm::RsaPkcs1Sha384 => ("1.2.840.113549.1.1.12", true),
        SignatureAlgorithm::RsaPkcs1Sha512 => ("1.2.840.113549.1.1.13", true),
        SignatureAlgorithm::EcdsaP256Sha256 => ("1.2.840.10045.4.3.2", false),
        other => {
            return Err(Error::AlgorithmNotAllowed {
                algorithm: other.name(),
            });
        }
    };
    Ok(AlgorithmIdentifierOwned {
        oid: spki::ObjectIdentifier::new_unwrap(oid),
        parameters: null_parameters.then_some(der::Any::null()),
    })
}

fn x509_time(time: DateTime<Utc>) -> Result<Time> {
    let secs = u64::try_from(time.timestamp()).map_err(|_| Error::InvalidValidity { months: 0 })?;
    let date = der::DateTime::from_unix_duration(core::time::Duration::from_secs(secs))
        .map_err(build_error)?;
    Ok(Time::from(date))
}

fn build_error(e: impl core::fmt::Display) -> Error {
    Error::CertificateBuild {
        reason: e.to_string(),
    }
}
