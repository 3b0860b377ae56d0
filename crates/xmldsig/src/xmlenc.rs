//! XML Encryption for SAML's `EncryptedAssertion`: AES-GCM content, RSA-OAEP key transport
//! (XML-Enc 1.0 `rsa-oaep-mgf1p` and the XML-Enc 1.1 `rsa-oaep` form).
//!
//! Two weaker algorithms are refused with [`Error::EncryptionMethodNotAllowed`] before any key is
//! unwrapped, unless the caller opts in per peer:
//! - AES-CBC content ([`DecryptPolicy::legacy_aes_cbc`]): unauthenticated, so malleable, and a
//!   receiver that answers differently for bad padding or for a plaintext that is not XML is a
//!   decryption oracle (Jager and Somorovsky, "How to Break XML Encryption", CCS 2011). The
//!   same content key serves GCM and CBC, so accepting CBC at all lets an attacker switch a GCM
//!   message's `EncryptionMethod` to CBC and attack it.
//! - RSA PKCS#1 v1.5 key transport ([`DecryptPolicy::legacy_rsa_1_5`]): its padding oracle
//!   (Bleichenbacher) is practical against XML-Enc.
//!
//! Every failure to decrypt — a wrong key, bad OAEP padding, a bad GCM tag, bad CBC padding —
//! is the one [`Error::DecryptionFailed`], so a caller's error cannot become an oracle. A caller
//! that goes on to parse the plaintext must map its own failures to that error too (fedkit-saml
//! does).
//!
//! [`encrypt`] writes whichever [`ContentAlgorithm`] the caller names; choose AES-GCM (CBC exists
//! for peers that cannot read GCM, and they must then opt in to it when decrypting).

use crate::{DSIG_NS, Error};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fedkit_certs::{Certificate, CryptoRng, PrivateKey};
use fedkit_xml::{Document, NodeId};
use rsa::Oaep;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};

/// The XML-Enc 1.0 namespace.
pub const XENC_NS: &str = "http://www.w3.org/2001/04/xmlenc#";
/// The XML-Enc 1.1 namespace.
pub const XENC11_NS: &str = "http://www.w3.org/2009/xmlenc11#";

const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA_OAEP_11: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";

/// A content-encryption algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentAlgorithm {
    /// AES-128-CBC (`xmlenc#aes128-cbc`); decrypted only with [`DecryptPolicy::legacy_aes_cbc`].
    Aes128Cbc,
    /// AES-192-CBC (`xmlenc#aes192-cbc`); decrypted only with [`DecryptPolicy::legacy_aes_cbc`].
    Aes192Cbc,
    /// AES-256-CBC (`xmlenc#aes256-cbc`); decrypted only with [`DecryptPolicy::legacy_aes_cbc`].
    Aes256Cbc,
    /// AES-128-GCM (`xmlenc11#aes128-gcm`).
    Aes128Gcm,
    /// AES-192-GCM (`xmlenc11#aes192-gcm`).
    Aes192Gcm,
    /// AES-256-GCM (`xmlenc11#aes256-gcm`), the default for encrypting.
    Aes256Gcm,
}

const CONTENT_URIS: [(ContentAlgorithm, &str); 6] = [
    (
        ContentAlgorithm::Aes128Cbc,
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    ),
    (
        ContentAlgorithm::Aes192Cbc,
        "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
    ),
    (
        ContentAlgorithm::Aes256Cbc,
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    ),
    (
        ContentAlgorithm::Aes128Gcm,
        "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    ),
    (
        ContentAlgorithm::Aes192Gcm,
        "http://www.w3.org/2009/xmlenc11#aes192-gcm",
    ),
    (
        ContentAlgorithm::Aes256Gcm,
        "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    ),
];

impl ContentAlgorithm {
    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        CONTENT_URIS
            .iter()
            .find(|(a, _)| *a == self)
            .map(|(_, uri)| *uri)
            .unwrap_or("")
    }

    fn from_uri(uri: &str) -> Option<Self> {
        CONTENT_URIS
            .iter()
            .find(|(_, u)| *u == uri)
            .map(|(a, _)| *a)
    }

    /// Whether this is an AES-CBC algorithm, which [`decrypt`] accepts only with
    /// [`DecryptPolicy::legacy_aes_cbc`].
    pub fn is_cbc(self) -> bool {
        matches!(
            self,
            ContentAlgorithm::Aes128Cbc | ContentAlgorithm::Aes192Cbc | ContentAlgorithm::Aes256Cbc
        )
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            ContentAlgorithm::Aes128Cbc | ContentAlgorithm::Aes128Gcm => 16,
            ContentAlgorithm::Aes192Cbc | ContentAlgorithm::Aes192Gcm => 24,
            ContentAlgorithm::Aes256Cbc | ContentAlgorithm::Aes256Gcm => 32,
        }
    }
}

/// What [`decrypt`] accepts. The default is AES-GCM content with RSA-OAEP key transport only:
/// AES-CBC content and RSA PKCS#1 v1.5 key transport are refused unless opted in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecryptPolicy {
    rsa_1_5: bool,
    aes_cbc: bool,
}

impl DecryptPolicy {
    /// Also accepts AES-CBC content (`xmlenc#aes128-cbc`, `aes192-cbc`, `aes256-cbc`), for peers
    /// that cannot encrypt with AES-GCM. Weaker: CBC is unauthenticated (malleable), and its
    /// padding and the plaintext's well-formedness are decryption oracles unless every failure
    /// looks the same to the sender (Jager and Somorovsky 2011). Since one content key serves
    /// both modes, this also exposes GCM messages to those attacks. Turn it on per peer, and
    /// only with a signature required on what is decrypted.
    pub fn legacy_aes_cbc(mut self) -> Self {
        self.aes_cbc = true;
        self
    }

    /// Whether AES-CBC content is accepted ([`legacy_aes_cbc`](Self::legacy_aes_cbc)).
    pub fn allows_aes_cbc(&self) -> bool {
        self.aes_cbc
    }

    /// Also accepts RSA PKCS#1 v1.5 key transport (`xmlenc#rsa-1_5`), for old peers. Its
    /// padding oracle is practical; turn this on per peer, never globally.
    pub fn legacy_rsa_1_5(mut self) -> Self {
        self.rsa_1_5 = true;
        self
    }
}

/// Decrypts the `xenc:EncryptedData` element `encrypted_data` with `key`, and returns the
/// plaintext octets (for SAML, the serialised `saml:Assertion`).
///
/// The content key comes from an `xenc:EncryptedKey` inside its `ds:KeyInfo`, or from one of
/// `sibling_keys` (SAML puts EncryptedKey elements beside EncryptedData inside
/// EncryptedAssertion). Each is tried in order; no RetrievalMethod is followed.
pub fn decrypt(
    doc: &Document,
    encrypted_data: NodeId,
    sibling_keys: &[NodeId],
    key: &PrivateKey,
    policy: &DecryptPolicy,
) -> Result<Vec<u8>, Error> {
    if !is(doc, encrypted_data, XENC_NS, "EncryptedData") {
        return Err(Error::ElementMissing {
            path: doc.path(encrypted_data),
            name: "xenc:EncryptedData",
        });
    }
    let method_uri = algorithm(doc, encrypted_data)?;
    // Refused before any key is unwrapped, so a refused algorithm costs no RSA operation and
    // reveals nothing about the key.
    let content = ContentAlgorithm::from_uri(&method_uri)
        .filter(|c| policy.aes_cbc || !c.is_cbc())
        .ok_or_else(|| Error::EncryptionMethodNotAllowed {
            path: doc.path(encrypted_data),
            algorithm: clip(&method_uri),
        })?;
    let mut keys: Vec<NodeId> = doc
        .children_named(encrypted_data, Some(DSIG_NS), "KeyInfo")
        .flat_map(|info| doc.children_named(info, Some(XENC_NS), "EncryptedKey"))
        .collect();
    keys.extend(
        sibling_keys
            .iter()
            .copied()
            .filter(|&n| is(doc, n, XENC_NS, "EncryptedKey")),
    );
    if keys.is_empty() {
        return Err(Error::EncryptedKeyMissing {
            path: doc.path(encrypted_data),
        });
    }
    let ciphertext = cipher_value(doc, encrypted_data)?;
    let der = key.to_pkcs8_der().map_err(|_| Error::DecryptionFailed {
        path: doc.path(encrypted_data),
    })?;
    let rsa_key = rsa::PrivateKey::from_pkcs8_der(&der).map_err(|_| Error::DecryptionFailed {
        path: doc.path(encrypted_data),
    })?;
    for encrypted_key in keys {
        let transport = KeyTransport::read(doc, encrypted_key, policy)?;
        let wrapped = cipher_value(doc, encrypted_key)?;
        let Some(content_key) = transport.unwrap(&rsa_key, &wrapped) else {
            continue;
        };
        if content_key.len() != content.key_len() {
            continue;
        }
        if let Some(plaintext) = decrypt_content(content, &content_key, &ciphertext) {
            return Ok(plaintext);
        }
    }
    Err(Error::DecryptionFailed {
        path: doc.path(encrypted_data),
    })
}

/// Encrypts `plaintext` (a serialised element) to `recipient`'s RSA key and returns an
/// `xenc:EncryptedData` element (Type Element) as XML text, with the content key in
/// `ds:KeyInfo/xenc:EncryptedKey` (RSA-OAEP-MGF1P, SHA-1, the form every peer reads) and the
/// recipient's certificate beside it. Keys and IVs come from `rng`.
pub fn encrypt<R: CryptoRng>(
    plaintext: &[u8],
    recipient: &Certificate,
    content: ContentAlgorithm,
    rng: &mut R,
) -> Result<String, Error> {
    let public =
        rsa::PublicKey::from_public_key_der(recipient.public_key().spki_der()).map_err(|_| {
            Error::EncryptionFailed {
                reason: "the recipient certificate has no RSA key".to_owned(),
            }
        })?;
    let mut content_key = vec![0u8; content.key_len()];
    rng.fill_bytes(&mut content_key);
    let ciphertext = encrypt_content(content, &content_key, plaintext, rng);
    let wrapped = public
        .encrypt(rng, Oaep::<sha1::Sha1>::new(), &content_key)
        .map_err(|e| Error::EncryptionFailed {
            reason: e.to_string(),
        })?;
    Ok(format!(
        concat!(
            "<xenc:EncryptedData xmlns:xenc=\"{xenc}\" Type=\"{ty}\">",
            "<xenc:EncryptionMethod Algorithm=\"{content}\"/>",
            "<ds:KeyInfo xmlns:ds=\"{ds}\"><xenc:EncryptedKey>",
            "<xenc:EncryptionMethod Algorithm=\"{oaep}\">",
            "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>",
            "</xenc:EncryptionMethod>",
            "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
            "<xenc:CipherData><xenc:CipherValue>{key}</xenc:CipherValue></xenc:CipherData>",
            "</xenc:EncryptedKey></ds:KeyInfo>",
            "<xenc:CipherData><xenc:CipherValue>{data}</xenc:CipherValue></xenc:CipherData>",
            "</xenc:EncryptedData>"
        ),
        xenc = XENC_NS,
        ty = TYPE_ELEMENT,
        content = content.uri(),
        ds = DSIG_NS,
        oaep = RSA_OAEP_MGF1P,
        cert = recipient.to_base64(),
        key = STANDARD.encode(wrapped),
        data = STANDARD.encode(ciphertext),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Debug)]
enum KeyTransport {
    Oaep {
        digest: Hash,
        mgf: Hash,
        label: Option<Vec<u8>>,
    },
    Pkcs1v15,
}

impl KeyTransport {
    fn read(doc: &Document, encrypted_key: NodeId, policy: &DecryptPolicy) -> Result<Self, Error> {
        let uri = algorithm(doc, encrypted_key)?;
        let method = doc
            .children_named(encrypted_key, Some(XENC_NS), "EncryptionMethod")
            .next()
            .ok_or_else(|| Error::ElementMissing {
                path: doc.path(encrypted_key),
                name: "xenc:EncryptionMethod",
            })?;
        let refused = || Error::EncryptionMethodNotAllowed {
            path: doc.path(method),
            algorithm: clip(&uri),
        };
        match uri.as_str() {
            RSA_1_5 if policy.rsa_1_5 => Ok(KeyTransport::Pkcs1v15),
            RSA_OAEP_MGF1P | RSA_OAEP_11 => {
                let digest = match doc
                    .children_named(method, Some(DSIG_NS), "DigestMethod")
                    .next()
                {
                    Some(d) => hash(doc.attribute(d, None, "Algorithm").unwrap_or(""))
                        .ok_or_else(refused)?,
                    None => Hash::Sha1,
                };
                // MGF1 with SHA-1 unless an xenc11:MGF says otherwise; xmlsec honours one even
                // under the 1.0 rsa-oaep-mgf1p URI, and so do we.
                let mgf = match doc.children_named(method, Some(XENC11_NS), "MGF").next() {
                    Some(m) => mgf(doc.attribute(m, None, "Algorithm").unwrap_or(""))
                        .ok_or_else(refused)?,
                    None => Hash::Sha1,
                };
                let label = match doc
                    .children_named(method, Some(XENC_NS), "OAEPparams")
                    .next()
                {
                    Some(p) => Some(decode_base64(doc, p)?),
                    None => None,
                };
                Ok(KeyTransport::Oaep { digest, mgf, label })
            }
            _ => Err(refused()),
        }
    }

    fn unwrap(&self, key: &rsa::PrivateKey, wrapped: &[u8]) -> Option<Vec<u8>> {
        match self {
            KeyTransport::Pkcs1v15 => key.decrypt(rsa::Pkcs1v15Encrypt, wrapped).ok(),
            KeyTransport::Oaep { digest, mgf, label } => {
                oaep_decrypt(key, *digest, *mgf, label.as_deref(), wrapped)
            }
        }
    }
}

fn oaep_decrypt(
    key: &rsa::PrivateKey,
    digest: Hash,
    mgf: Hash,
    label: Option<&[u8]>,
    wrapped: &[u8],
) -> Option<Vec<u8>> {
    fn run<D, M>(key: &rsa::PrivateKey, label: Option<&[u8]>, wrapped: &[u8]) -> Option<Vec<u8>>
    where
        D: 'static + rsa::sha2::Digest + rsa::sha2::digest::FixedOutputReset + Send + Sync,
        M: 'static + rsa::sha2::Digest + rsa::sha2::digest::FixedOutputReset + Send + Sync,
    {
        let padding = match label {
            Some(l) => Oaep::<D, M>::new_with_mgf_hash_and_label(l.to_vec()),
            None => Oaep::<D, M>::new_with_mgf_hash(),
        };
        key.decrypt(padding, wrapped).ok()
    }
    use Hash::*;
    use sha1::Sha1;
    use sha2::{Sha224, Sha256, Sha384, Sha512};
    macro_rules! by_mgf {
        ($d:ty) => {
            match mgf {
                Sha1 => run::<$d, Sha1>(key, label, wrapped),
                Sha224 => run::<$d, Sha224>(key, label, wrapped),
                Sha256 => run::<$d, Sha256>(key, label, wrapped),
                Sha384 => run::<$d, Sha384>(key, label, wrapped),
                Sha512 => run::<$d, Sha512>(key, label, wrapped),
            }
        };
    }
    match digest {
        Sha1 => by_mgf!(Sha1),
        Sha224 => by_mgf!(Sha224),
        Sha256 => by_mgf!(Sha256),
        Sha384 => by_mgf!(Sha384),
        Sha512 => by_mgf!(Sha512),
    }
}

fn hash(uri: &str) -> Option<Hash> {
    match uri {
        "http://www.w3.org/2000/09/xmldsig#sha1" => Some(Hash::Sha1),
        "http://www.w3.org/2001/04/xmldsig-more#sha224" => Some(Hash::Sha224),
        "http://www.w3.org/2001/04/xmlenc#sha256" => Some(Hash::Sha256),
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => Some(Hash::Sha384),
        "http://www.w3.org/2001/04/xmlenc#sha512" => Some(Hash::Sha512),
        _ => None,
    }
}

fn mgf(uri: &str) -> Option<Hash> {
    match uri {
        "http://www.w3.org/2009/xmlenc11#mgf1sha1" => Some(Hash::Sha1),
        "http://www.w3.org/2009/xmlenc11#mgf1sha224" => Some(Hash::Sha224),
        "http://www.w3.org/2009/xmlenc11#mgf1sha256" => Some(Hash::Sha256),
        "http://www.w3.org/2009/xmlenc11#mgf1sha384" => Some(Hash::Sha384),
        "http://www.w3.org/2009/xmlenc11#mgf1sha512" => Some(Hash::Sha512),
        _ => None,
    }
}

fn decrypt_content(algorithm: ContentAlgorithm, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit};
    match algorithm {
        ContentAlgorithm::Aes128Gcm | ContentAlgorithm::Aes192Gcm | ContentAlgorithm::Aes256Gcm => {
            let (nonce, sealed) = data.split_at_checked(12)?;
            let nonce = aes_gcm::Nonce::try_from(nonce).ok()?;
            match algorithm {
                ContentAlgorithm::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
                    .ok()?
                    .decrypt(&nonce, sealed)
                    .ok(),
                ContentAlgorithm::Aes192Gcm => {
                    aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(key)
                        .ok()?
                        .decrypt(&nonce, sealed)
                        .ok()
                }
                _ => aes_gcm::Aes256Gcm::new_from_slice(key)
                    .ok()?
                    .decrypt(&nonce, sealed)
                    .ok(),
            }
        }
        ContentAlgorithm::Aes128Cbc => cbc_decrypt::<aes::Aes128>(key, data),
        ContentAlgorithm::Aes192Cbc => cbc_decrypt::<aes::Aes192>(key, data),
        ContentAlgorithm::Aes256Cbc => cbc_decrypt::<aes::Aes256>(key, data),
    }
}

fn cbc_decrypt<C>(key: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    C: cbc::cipher::BlockCipherDecrypt
        + cbc::cipher::KeyInit
        + cbc::cipher::BlockSizeUser<BlockSize = cbc::cipher::consts::U16>,
{
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::NoPadding};
    let (iv, body) = data.split_at_checked(16)?;
    if body.is_empty() || body.len() % 16 != 0 {
        return None;
    }
    let mut buf = body.to_vec();
    let plain = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .ok()?
        .decrypt_padded::<NoPadding>(&mut buf)
        .ok()?;
    // XML-Enc §5.2: the last octet is the padding length (1..=16); the rest are arbitrary.
    let pad = usize::from(*plain.last()?);
    if pad == 0 || pad > 16 || pad > plain.len() {
        return None;
    }
    Some(plain[..plain.len() - pad].to_vec())
}

fn encrypt_content<R: CryptoRng>(
    algorithm: ContentAlgorithm,
    key: &[u8],
    plaintext: &[u8],
    rng: &mut R,
) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit};
    match algorithm {
        ContentAlgorithm::Aes128Gcm | ContentAlgorithm::Aes192Gcm | ContentAlgorithm::Aes256Gcm => {
            let mut nonce_bytes = [0u8; 12];
            rng.fill_bytes(&mut nonce_bytes);
            let nonce = aes_gcm::Nonce::from(nonce_bytes);
            let sealed = match algorithm {
                ContentAlgorithm::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
                    .ok()
                    .and_then(|c| c.encrypt(&nonce, plaintext).ok()),
                ContentAlgorithm::Aes192Gcm => {
                    aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(key)
                        .ok()
                        .and_then(|c| c.encrypt(&nonce, plaintext).ok())
                }
                _ => aes_gcm::Aes256Gcm::new_from_slice(key)
                    .ok()
                    .and_then(|c| c.encrypt(&nonce, plaintext).ok()),
            };
            let mut out = nonce_bytes.to_vec();
            out.extend(sealed.unwrap_or_default());
            out
        }
        ContentAlgorithm::Aes128Cbc => cbc_encrypt::<aes::Aes128, R>(key, plaintext, rng),
        ContentAlgorithm::Aes192Cbc => cbc_encrypt::<aes::Aes192, R>(key, plaintext, rng),
        ContentAlgorithm::Aes256Cbc => cbc_encrypt::<aes::Aes256, R>(key, plaintext, rng),
    }
}

fn cbc_encrypt<C, R: CryptoRng>(key: &[u8], plaintext: &[u8], rng: &mut R) -> Vec<u8>
where
    C: cbc::cipher::BlockCipherEncrypt
        + cbc::cipher::KeyInit
        + cbc::cipher::BlockSizeUser<BlockSize = cbc::cipher::consts::U16>,
{
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::NoPadding};
    let mut iv = [0u8; 16];
    rng.fill_bytes(&mut iv);
    let pad = 16 - plaintext.len() % 16;
    let mut buf = plaintext.to_vec();
    // PKCS#7-style padding is one valid XML-Enc padding (the last octet counts them).
    buf.extend(std::iter::repeat_n(pad as u8, pad));
    let len = buf.len();
    let Ok(encryptor) = cbc::Encryptor::<C>::new_from_slices(key, &iv) else {
        return Vec::new();
    };
    let Ok(ciphertext) = encryptor.encrypt_padded::<NoPadding>(&mut buf, len) else {
        return Vec::new();
    };
    let mut out = iv.to_vec();
    out.extend_from_slice(ciphertext);
    out
}

fn is(doc: &Document, n: NodeId, ns: &str, local: &str) -> bool {
    doc.name(n).is_some_and(|name| name.is(Some(ns), local))
}

fn algorithm(doc: &Document, parent: NodeId) -> Result<String, Error> {
    let method = doc
        .children_named(parent, Some(XENC_NS), "EncryptionMethod")
        .next()
        .ok_or_else(|| Error::ElementMissing {
            path: doc.path(parent),
            name: "xenc:EncryptionMethod",
        })?;
    doc.attribute(method, None, "Algorithm")
        .map(str::to_owned)
        .ok_or_else(|| Error::AttributeMissing {
            path: doc.path(method),
            name: "Algorithm",
        })
}

fn cipher_value(doc: &Document, parent: NodeId) -> Result<Vec<u8>, Error> {
    let data = doc
        .children_named(parent, Some(XENC_NS), "CipherData")
        .next()
        .ok_or_else(|| Error::ElementMissing {
            path: doc.path(parent),
            name: "xenc:CipherData",
        })?;
    let value = doc
        .children_named(data, Some(XENC_NS), "CipherValue")
        .next()
        .ok_or_else(|| Error::ElementMissing {
            path: doc.path(data),
            name: "xenc:CipherValue",
        })?;
    decode_base64(doc, value)
}

fn decode_base64(doc: &Document, n: NodeId) -> Result<Vec<u8>, Error> {
    if doc.child_elements(n).next().is_some() {
        return Err(Error::CipherValueMalformed { path: doc.path(n) });
    }
    let text: Vec<u8> = doc
        .child_text(n)
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .collect();
    STANDARD
        .decode(text)
        .map_err(|_| Error::CipherValueMalformed { path: doc.path(n) })
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RSA-2048 test key and certificate, made with OpenSSL for fedkit-saml's tests
    // (crates/saml/tests/data/keys/README.md).
    const KEY: &str = include_str!("../../saml/tests/data/keys/sp.key.pem");
    const CERT: &str = include_str!("../../saml/tests/data/keys/sp.cert.pem");
    const OTHER_KEY: &str = include_str!("../../saml/tests/data/keys/idp.key.pem");

    struct Rng(u64);
    impl rand_core::TryRng for Rng {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.try_next_u64()? as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Ok(self.0 >> 13)
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
            for b in dest {
                *b = self.try_next_u64()? as u8;
            }
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Rng {}

    const PLAIN: &[u8] =
        b"<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a\"/>";

    fn open(xml: &str, key: &str, policy: &DecryptPolicy) -> Result<Vec<u8>, Error> {
        let doc = Document::parse(xml.as_bytes())?;
        let key = PrivateKey::from_pem(key).expect("key");
        decrypt(&doc, doc.document_element(), &[], &key, policy)
    }

    #[test]
    fn every_content_algorithm_round_trips() {
        let cert = Certificate::parse(CERT).expect("cert");
        for (algorithm, _) in CONTENT_URIS {
            let xml = encrypt(PLAIN, &cert, algorithm, &mut Rng(3)).expect("encrypt");
            assert!(xml.contains(algorithm.uri()));
            let policy = if algorithm.is_cbc() {
                DecryptPolicy::default().legacy_aes_cbc()
            } else {
                DecryptPolicy::default()
            };
            let plain = open(&xml, KEY, &policy).expect("decrypt");
            assert_eq!(plain, PLAIN, "{algorithm:?}");
        }
    }

    #[test]
    fn aes_cbc_is_refused_unless_opted_in() {
        let cert = Certificate::parse(CERT).expect("cert");
        for algorithm in [
            ContentAlgorithm::Aes128Cbc,
            ContentAlgorithm::Aes192Cbc,
            ContentAlgorithm::Aes256Cbc,
        ] {
            let xml = encrypt(PLAIN, &cert, algorithm, &mut Rng(6)).expect("encrypt");
            // Refused before the key is used: even the wrong key gets the refusal, not
            // decryption_failed.
            for key in [KEY, OTHER_KEY] {
                let err = open(&xml, key, &DecryptPolicy::default()).unwrap_err();
                assert_eq!(err.code(), "encryption_method_not_allowed", "{algorithm:?}");
            }
            let plain = open(&xml, KEY, &DecryptPolicy::default().legacy_aes_cbc());
            assert_eq!(plain.expect("opted in"), PLAIN, "{algorithm:?}");
        }
        assert!(!DecryptPolicy::default().allows_aes_cbc());
        assert!(DecryptPolicy::default().legacy_aes_cbc().allows_aes_cbc());
    }

    #[test]
    fn a_gcm_message_switched_to_cbc_is_refused_by_default() {
        let cert = Certificate::parse(CERT).expect("cert");
        let xml = encrypt(PLAIN, &cert, ContentAlgorithm::Aes256Gcm, &mut Rng(7)).expect("encrypt");
        let switched = xml.replace(
            ContentAlgorithm::Aes256Gcm.uri(),
            ContentAlgorithm::Aes256Cbc.uri(),
        );
        assert_ne!(switched, xml);
        let err = open(&switched, KEY, &DecryptPolicy::default()).unwrap_err();
        assert_eq!(err.code(), "encryption_method_not_allowed");
    }

    #[test]
    fn wrong_key_and_tampering_are_one_error() {
        let cert = Certificate::parse(CERT).expect("cert");
        let policy = DecryptPolicy::default().legacy_aes_cbc();
        for algorithm in [ContentAlgorithm::Aes256Gcm, ContentAlgorithm::Aes128Cbc] {
            let xml = encrypt(PLAIN, &cert, algorithm, &mut Rng(4)).expect("encrypt");
            let wrong = open(&xml, OTHER_KEY, &policy).unwrap_err();
            assert_eq!(wrong.code(), "decryption_failed");
            // Flip one base64 character of the content ciphertext (the last CipherValue).
            let at = xml.rfind("<xenc:CipherValue>").expect("value") + 30;
            let mut bytes = xml.into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).expect("utf-8");
            match open(&tampered, KEY, &policy) {
                Err(err) => assert_eq!(err.code(), "decryption_failed", "{algorithm:?}"),
                // CBC is not authenticated: a changed IV changes the plaintext. The assertion's
                // signature (required by fedkit-saml) is what catches it.
                Ok(plain) => {
                    assert_eq!(algorithm, ContentAlgorithm::Aes128Cbc);
                    assert_ne!(plain, PLAIN);
                }
            }
        }
    }

    #[test]
    fn rsa_1_5_is_refused_unless_opted_in() {
        let cert = Certificate::parse(CERT).expect("cert");
        let xml = encrypt(PLAIN, &cert, ContentAlgorithm::Aes128Gcm, &mut Rng(5)).expect("encrypt");
        let v15 = xml.replace(RSA_OAEP_MGF1P, RSA_1_5);
        let refused = open(&v15, KEY, &DecryptPolicy::default()).unwrap_err();
        assert_eq!(refused.code(), "encryption_method_not_allowed");
        // Opted in, the OAEP-wrapped key does not unwrap as PKCS#1 v1.5: the one error.
        let legacy = open(&v15, KEY, &DecryptPolicy::default().legacy_rsa_1_5()).unwrap_err();
        assert_eq!(legacy.code(), "decryption_failed");
        let tdes = xml.replace(
            ContentAlgorithm::Aes128Gcm.uri(),
            "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
        );
        assert_eq!(
            // Not even with the CBC opt-in: 3DES is never accepted.
            open(&tdes, KEY, &DecryptPolicy::default().legacy_aes_cbc())
                .unwrap_err()
                .code(),
            "encryption_method_not_allowed"
        );
    }
}
