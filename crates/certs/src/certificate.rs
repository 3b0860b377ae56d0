//! A parsed X.509 certificate and what can be read from it.

use core::fmt;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use der::{Decode as _, Encode as _};

use crate::decode::{ParseLimits, certificate_ders};
use crate::key::pem_encode;
use crate::{
    CryptoProvider, DigestAlgorithm, Error, Fingerprint, PublicKey, Result, SignatureAlgorithm,
    ValidityStatus,
};

/// An X.509 certificate with an RSA or ECDSA P-256 key, parsed once; cheap to read from.
///
/// Parsing is strict DER (x509-cert): certificates with negative serial numbers or BER
/// encodings are refused with [`Error::InvalidCertificate`].
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    serial: Vec<u8>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    public_key: PublicKey,
    signature_oid: String,
    tbs_range: core::ops::Range<usize>,
    signature: Vec<u8>,
    sha256: Fingerprint,
}

impl Certificate {
    /// Parses exactly one certificate from PEM, DER or bare base64 (see the crate docs for what
    /// is tolerated). Input holding several fails with [`Error::MultipleCertificates`].
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self> {
        Self::parse_with_limits(input, &ParseLimits::default())
    }

    /// [`parse`](Self::parse) with explicit limits.
    pub fn parse_with_limits(input: impl AsRef<[u8]>, limits: &ParseLimits) -> Result<Self> {
        let mut all = Self::parse_all_with_limits(input, limits)?;
        match all.len() {
            1 => all.pop().ok_or(Error::NoCertificate),
            count => Err(Error::MultipleCertificates { count }),
        }
    }

    /// Parses every certificate in the input: several PEM blocks, or DER certificates back to
    /// back (raw or base64), in the order given.
    pub fn parse_all(input: impl AsRef<[u8]>) -> Result<Vec<Self>> {
        Self::parse_all_with_limits(input, &ParseLimits::default())
    }

    /// [`parse_all`](Self::parse_all) with explicit limits.
    pub fn parse_all_with_limits(
        input: impl AsRef<[u8]>,
        limits: &ParseLimits,
    ) -> Result<Vec<Self>> {
        certificate_ders(input.as_ref(), limits)?
            .into_iter()
            .map(Self::from_der_vec)
            .collect()
    }

    /// Parses one DER certificate, with nothing before or after it.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Self::from_der_vec(der.to_vec())
    }

    fn from_der_vec(der: Vec<u8>) -> Result<Self> {
        let invalid = |e: der::Error| Error::InvalidCertificate {
            reason: e.to_string(),
        };
        let parsed = x509_cert::Certificate::from_der(&der).map_err(invalid)?;
        let tbs = parsed.tbs_certificate();
        let spki_der = tbs.subject_public_key_info().to_der().map_err(invalid)?;
        let public_key = PublicKey::from_spki_der(&spki_der)?;
        let tbs_range = tbs_range(&der)?;
        let signature = parsed
            .signature()
            .as_bytes()
            .ok_or(Error::InvalidCertificate {
                reason: "signature has unused bits".into(),
            })?
            .to_vec();
        let sha256 = Fingerprint::of(DigestAlgorithm::Sha256, &der);
        Ok(Certificate {
            subject: crate::name::rfc4514(tbs.subject()),
            issuer: crate::name::rfc4514(tbs.issuer()),
            serial: tbs.serial_number().as_bytes().to_vec(),
            not_before: to_chrono(&tbs.validity().not_before)?,
            not_after: to_chrono(&tbs.validity().not_after)?,
            public_key,
            signature_oid: parsed.signature_algorithm().oid.to_string(),
            tbs_range,
            signature,
            sha256,
            der,
        })
    }

    /// The DER encoding, exactly as parsed.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER encoding in base64 with no line breaks, as `ds:X509Certificate` carries it.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// A PEM `CERTIFICATE` block with 64-column lines and LF line endings.
    pub fn to_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }

    /// The subject as an RFC 4514 string (last RDN first, like `openssl -nameopt RFC2253`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The serial number's bytes (big-endian, as encoded).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// The serial number as uppercase hex, like `openssl x509 -serial`.
    pub fn serial_hex(&self) -> String {
        let hex: String = self.serial.iter().map(|b| format!("{b:02X}")).collect();
        // openssl drops one leading zero byte that only keeps the INTEGER positive.
        match hex.strip_prefix("00") {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => hex,
        }
    }

    /// notBefore.
    pub fn not_before(&self) -> DateTime<Utc> {
        self.not_before
    }

    /// notAfter.
    pub fn not_after(&self) -> DateTime<Utc> {
        self.not_after
    }

    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The algorithm the issuer signed the certificate with, if fedkit knows it.
    pub fn signature_algorithm(&self) -> Option<SignatureAlgorithm> {
        match self.signature_oid.as_str() {
            "1.2.840.113549.1.1.5" => Some(SignatureAlgorithm::RsaPkcs1Sha1),
            "1.2.840.113549.1.1.11" => Some(SignatureAlgorithm::RsaPkcs1Sha256),
            "1.2.840.113549.1.1.12" => Some(SignatureAlgorithm::RsaPkcs1Sha384),
            "1.2.840.113549.1.1.13" => Some(SignatureAlgorithm::RsaPkcs1Sha512),
            "1.2.840.10045.4.3.2" => Some(SignatureAlgorithm::EcdsaP256Sha256),
            _ => None,
        }
    }

    /// The signature algorithm's OID in dotted form.
    pub fn signature_algorithm_oid(&self) -> &str {
        &self.signature_oid
    }

    /// The SHA-256 fingerprint (the default for storage and comparison).
    pub fn sha256_fingerprint(&self) -> &Fingerprint {
        &self.sha256
    }

    /// The SHA-1 fingerprint, for display to people who still compare them.
    pub fn sha1_fingerprint(&self) -> Fingerprint {
        Fingerprint::of(DigestAlgorithm::Sha1, &self.der)
    }

    /// The fingerprint under any digest.
    pub fn fingerprint(&self, algorithm: DigestAlgorithm) -> Fingerprint {
        match algorithm {
            DigestAlgorithm::Sha256 => self.sha256.clone(),
            other => Fingerprint::of(other, &self.der),
        }
    }

    /// Where `now` falls in the validity, warning when `warn_days` days or less remain.
    pub fn status(&self, now: DateTime<Utc>, warn_days: u32) -> ValidityStatus {
        ValidityStatus::at(self.not_before, self.not_after, now, warn_days)
    }

    /// Checks the certificate's signature with `issuer` (its own key for a self-signed one).
    /// SHA-1 signatures are refused with [`Error::AlgorithmNotAllowed`].
    pub fn verify_signature(
        &self,
        issuer: &PublicKey,
        provider: &dyn CryptoProvider,
    ) -> Result<()> {
        let algorithm = self
            .signature_algorithm()
            .ok_or_else(|| Error::UnsupportedAlgorithm {
                uri: self.signature_oid.clone(),
            })?;
        let tbs = self
            .der
            .get(self.tbs_range.clone())
            .ok_or(Error::InvalidCertificate {
                reason: "tbsCertificate out of range".into(),
            })?;
        let signature = if algorithm == SignatureAlgorithm::EcdsaP256Sha256 {
            // X.509 carries ECDSA signatures as DER; the provider takes r || s.
            p256::ecdsa::Signature::from_der(&self.signature)
                .map_err(|_| Error::SignatureInvalid)?
                .to_bytes()
                .to_vec()
        } else {
            self.signature.clone()
        };
        provider
            .verifying_key(issuer)?
            .verify(algorithm, tbs, &signature)
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl core::hash::Hash for Certificate {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.der.hash(state);
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("serial", &self.serial_hex())
            .field("not_after", &self.not_after)
            .field("sha256", &self.sha256.to_colon_hex())
            .finish()
    }
}

/// Serialised as base64 DER; deserialised with the tolerant [`Certificate::parse`].
impl serde::Serialize for Certificate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for Certificate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Certificate::parse(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

fn to_chrono(time: &x509_cert::time::Time) -> Result<DateTime<Utc>> {
    let since_epoch = time.to_unix_duration();
    i64::try_from(since_epoch.as_secs())
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or(Error::InvalidCertificate {
            reason: "validity time out of range".into(),
        })
}

/// The byte range of tbsCertificate: the first element inside the outer SEQUENCE.
fn tbs_range(der: &[u8]) -> Result<core::ops::Range<usize>> {
    let outer_header = match der.get(1) {
        Some(&first) if first >= 0x80 => 2 + usize::from(first & 0x7f),
        Some(_) => 2,
        None => {
            return Err(Error::InvalidCertificate {
                reason: "truncated DER".into(),
            });
        }
    };
    let inner = der.get(outer_header..).unwrap_or_default();
    let tbs_len = crate::decode::der_element_len(inner)?;
    Ok(outer_header..outer_header + tbs_len)
}
