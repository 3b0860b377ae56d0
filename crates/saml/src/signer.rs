//! A signing key with its certificate, loaded once, used for every message this party signs.

use crate::error::Error;
use fedkit_certs::{
    Certificate, CryptoProvider, CryptoRng, SignatureAlgorithm, SigningCredential, SigningKey,
};
use fedkit_xml::{Document, NodeId};
use fedkit_xmldsig::{SignOptions, sign_enveloped};

/// Signs SAML messages: enveloped XML signatures for HTTP-POST, query signatures for
/// HTTP-Redirect. RSA-SHA256 by default.
#[derive(Debug)]
pub struct Signer {
    key: Box<dyn SigningKey>,
    certificate: Certificate,
    provider: &'static dyn CryptoProvider,
    algorithm: SignatureAlgorithm,
}

impl Signer {
    /// Loads `credential` into `provider`.
    pub fn new(
        credential: &SigningCredential,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, Error> {
        Ok(Signer {
            key: credential.signing_key(provider)?,
            certificate: credential.certificate().clone(),
            provider,
            algorithm: SignatureAlgorithm::RsaPkcs1Sha256,
        })
    }

    /// Signs with `algorithm` instead (it must fit the key: ECDSA keys need
    /// [`SignatureAlgorithm::EcdsaP256Sha256`]).
    pub fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The certificate verifiers must trust.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// Signs `element` in place with an enveloped signature (after its Issuer), carrying the
    /// certificate in KeyInfo. `inclusive_prefixes` goes into the exc-c14n PrefixList.
    pub(crate) fn sign_element(
        &self,
        doc: &mut Document,
        element: NodeId,
        inclusive_prefixes: &[&str],
        rng: &mut impl CryptoRng,
    ) -> Result<(), Error> {
        let options = SignOptions {
            algorithm: self.algorithm,
            digest: self.algorithm.digest(),
            inclusive_prefixes: inclusive_prefixes.iter().map(|p| (*p).to_owned()).collect(),
            certificate: Some(self.certificate.clone()),
        };
        sign_enveloped(doc, element, &*self.key, &options, self.provider, rng)?;
        Ok(())
    }

    /// Parses a message (an AuthnRequest, LogoutRequest or LogoutResponse for HTTP-POST, or
    /// metadata), signs its document element with an enveloped signature and writes it back.
    pub fn sign_xml(&self, xml: &str, rng: &mut impl CryptoRng) -> Result<String, Error> {
        let mut doc = Document::parse(xml.as_bytes())?;
        let root = doc.document_element();
        self.sign_element(&mut doc, root, &[], rng)?;
        Ok(doc.to_xml())
    }

    /// Signs raw bytes (the Redirect binding's query string).
    pub(crate) fn sign_bytes(
        &self,
        message: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, Error> {
        Ok(self.key.sign(self.algorithm, message, rng)?)
    }
}
