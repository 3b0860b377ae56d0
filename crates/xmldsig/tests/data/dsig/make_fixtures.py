#!/usr/bin/env python3
"""Builds the signature fixtures in this folder. Run from this folder: python3 make_fixtures.py

Signed documents are made by libxmlsec1 (`xmlsec1 --sign`, Debian's 1.2.37) from templates, so
the valid fixtures are a peer's signatures, not ours. Attack fixtures are those documents edited
as the attack describes (string edits below, one function per attack). Keys: rsa-a, rsa-b
(RSA-2048) and ec (P-256) were made with
`openssl req -x509 -newkey rsa:2048|ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500`;
hmac.key is a made-up secret. Test material only.
"""
import re
import subprocess
import tempfile

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENV = DSIG + "enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = DSIG + "rsa-sha1"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = DSIG + "sha1"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"


def response(signature, name_id="alice@fedkit.test"):
    return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_resp1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
  <saml:Issuer>https://idp.fedkit.test</saml:Issuer>
  <saml:Assertion ID="_assert1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
    <saml:Issuer>https://idp.fedkit.test</saml:Issuer>
    {signature}
    <saml:Subject><saml:NameID>{name_id}</saml:NameID></saml:Subject>
    <saml:AttributeStatement><saml:Attribute Name="role"><saml:AttributeValue>admin &amp; "ops"</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
"""


def template(method=RSA_SHA256, digest=SHA256, transforms=None, key_info=True):
    if transforms is None:
        transforms = f'<ds:Transform Algorithm="{ENV}"/><ds:Transform Algorithm="{EXC}"/>'
    ki = "<ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>" if key_info else ""
    return (
        f'<ds:Signature xmlns:ds="{DSIG}"><ds:SignedInfo>'
        f'<ds:CanonicalizationMethod Algorithm="{EXC}"/><ds:SignatureMethod Algorithm="{method}"/>'
        f'<ds:Reference URI="#_assert1"><ds:Transforms>{transforms}</ds:Transforms>'
        f'<ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue></ds:DigestValue></ds:Reference>'
        f"</ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>{ki}</ds:Signature>"
    )


def xmlsec_sign(doc, key_args):
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
        f.write(doc)
        f.flush()
        out = subprocess.run(
            ["xmlsec1", "--sign", "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", *key_args, f.name],
            check=True, capture_output=True, text=True,
        )
        return out.stdout


RSA_A = ["--privkey-pem", "rsa-a.key.pem,rsa-a.cert.pem"]
RSA_B = ["--privkey-pem", "rsa-b.key.pem,rsa-b.cert.pem"]
EC = ["--privkey-pem", "ec.key.pem"]


def write(name, text):
    with open(name, "w") as f:
        f.write(text)


def one(pattern, text):
    matches = re.findall(pattern, text, re.S)
    assert len(matches) == 1, (pattern, len(matches))
    return matches[0]


valid = xmlsec_sign(response(template()), RSA_A)
write("valid-rsa-sha256.xml", valid)
write("valid-no-key-info.xml", xmlsec_sign(response(template(key_info=False)), RSA_A))
write("valid-rsa-b.xml", xmlsec_sign(response(template()), RSA_B))
write("valid-ecdsa-p256.xml", xmlsec_sign(response(template(method=ECDSA_SHA256, key_info=False)), EC))
write("valid-comment-in-name-id.xml",
      xmlsec_sign(response(template(), name_id="alice@fedkit.test<!---->.evil.test"), RSA_A))
write("rsa-sha1.xml", xmlsec_sign(response(template(method=RSA_SHA1, digest=SHA1)), RSA_A))
write("hmac-sha256.xml",
      xmlsec_sign(response(template(method=HMAC_SHA256, key_info=False)), ["--hmackey", "hmac.key"]))
xpath = (f'<ds:Transform Algorithm="{XPATH}"><ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath>'
         f'</ds:Transform><ds:Transform Algorithm="{EXC}"/>')
write("xpath-transform.xml", xmlsec_sign(response(template(transforms=xpath)), RSA_A))

digest_value = one(r"<ds:DigestValue>(.*?)</ds:DigestValue>", valid)
signature_value = one(r"<ds:SignatureValue>(.*?)</ds:SignatureValue>", valid)
signed_info = one(r"(<ds:SignedInfo>.*?</ds:SignedInfo>)", valid)
reference = one(r"(<ds:Reference .*?</ds:Reference>)", valid)
signature = one(r"(<ds:Signature .*?</ds:Signature>)", valid)


def wrap(b64):
    return "\n  " + "\n  ".join(b64[i:i + 20] for i in range(0, len(b64), 20)) + "\n"


def resign_rsa_a(doc):
    """Re-signs SignedInfo after an edit inside it: exc-c14n by lxml (libxml2), RSA-SHA256 by
    pyca/cryptography, the new value line-wrapped. Used where xmlsec1 cannot produce the shape."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from lxml import etree
    import base64
    tree = etree.fromstring(doc.encode())
    si = tree.find(".//{%s}SignedInfo" % DSIG)
    canonical = etree.tostring(si, method="c14n", exclusive=True)
    key = serialization.load_pem_private_key(open("rsa-a.key.pem", "rb").read(), None)
    value = base64.b64encode(key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())).decode()
    old = one(r"<ds:SignatureValue>(.*?)</ds:SignatureValue>", doc)
    return doc.replace(old, wrap(value))


# KeyInfo outside SignedInfo may carry several certificates (a chain, or junk): put rsa-b's
# before rsa-a's. Trusting rsa-a selects rsa-a; trusting only rsa-b selects rsa-b, which fails.
cert_b = "".join(l for l in open("rsa-b.cert.pem").read().splitlines() if not l.startswith("-----"))
write("valid-two-certs-in-key-info.xml",
      valid.replace("<ds:X509Data><ds:X509Certificate>", f"<ds:X509Data><ds:X509Certificate>{cert_b}</ds:X509Certificate><ds:X509Certificate>", 1))

write("valid-base64-whitespace.xml", resign_rsa_a(valid.replace(digest_value, wrap(digest_value))))
write("two-signed-info.xml", valid.replace(signed_info, signed_info + signed_info))
write("two-references.xml", valid.replace(reference, reference + reference))
half = len(digest_value) // 2
write("comment-in-digest-value.xml",
      valid.replace(digest_value, digest_value[:half] + "<!---->" + digest_value[half:]))
write("xslt-transform.xml", valid.replace(f'<ds:Transform Algorithm="{EXC}"/>', f'<ds:Transform Algorithm="{XSLT}"/>'))
write("tampered-name-id.xml", valid.replace("alice@fedkit.test", "mallory@fedkit.test"))
flipped = ("A" if signature_value[10] != "A" else "B")
write("tampered-signature-value.xml",
      valid.replace(signature_value, signature_value[:10] + flipped + signature_value[11:]))
write("no-enveloped-transform.xml", valid.replace(f'<ds:Transform Algorithm="{ENV}"/>', ""))
write("external-uri.xml", valid.replace('URI="#_assert1"', 'URI="https://evil.test/assertion.xml"'))
write("xpointer-uri.xml", valid.replace('URI="#_assert1"', 'URI="#xpointer(/)"'))
write("manifest-type.xml", valid.replace('URI="#_assert1"', f'URI="#_assert1" Type="{DSIG}Manifest"'))
write("object-in-signature.xml", valid.replace("</ds:Signature>", "<ds:Object><x/></ds:Object></ds:Signature>"))
key_info = one(r"(<ds:KeyInfo>.*?</ds:KeyInfo>)", valid)
write("retrieval-method.xml", valid.replace(
    key_info, f'<ds:KeyInfo><ds:RetrievalMethod URI="#cert" Type="{DSIG}rawX509Certificate"/></ds:KeyInfo>'))
write("two-signatures.xml", valid.replace(signature, signature + signature))

# XSW: the signed assertion moves into samlp:Extensions; an evil assertion with another ID takes
# its place and carries the original signature, which still verifies over the moved original.
assertion = one(r"(  <saml:Assertion .*?</saml:Assertion>\n)", valid)
evil = assertion.replace('ID="_assert1"', 'ID="_evil"').replace("alice@fedkit.test", "mallory@fedkit.test")
original_unsigned = assertion.replace(signature, "")
write("xsw-moved-assertion.xml", valid.replace(
    assertion, "  <samlp:Extensions>" + assertion.strip() + "</samlp:Extensions>\n" + evil.replace(signature, signature)))
write("xsw-evil-twin-same-id.xml", valid.replace(assertion, assertion + evil.replace('ID="_evil"', 'ID="_assert1"').replace(signature, "")))

write("doctype-internal-entity.xml",
      '<!DOCTYPE samlp:Response [<!ENTITY who "alice@fedkit.test">]>\n' + valid.replace("alice@fedkit.test", "&who;"))
write("doctype-external-entity.xml",
      '<!DOCTYPE samlp:Response [<!ENTITY who SYSTEM "file:///etc/passwd">]>\n' + valid.replace("alice@fedkit.test", "&who;"))
write("depth-bomb.xml", valid.replace("<saml:NameID>", "<a>" * 5000 + "<saml:NameID>").replace("</saml:NameID>", "</saml:NameID>" + "</a>" * 5000))
