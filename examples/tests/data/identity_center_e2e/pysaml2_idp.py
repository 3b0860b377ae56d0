"""pysaml2 (PyPI 7.5.0, signing through the xmlsec1 command) as the external IdP upstream of
identity-center in its end-to-end tests (examples/tests/identity_center_e2e.rs). No web server:
the test's browser carries the messages.

    pysaml2_idp.py metadata CONFIG -> this IdP's metadata XML (pysaml2's own)
    pysaml2_idp.py respond CONFIG  -> {"request_id", "issuer", "response" (base64)}

CONFIG is JSON: {"entity_id", "sso_url", "key", "cert" (PEM file paths); for respond also
"sp_metadata" (identity-center's /external/metadata, a file path), "saml_request" (the
HTTP-Redirect SAMLRequest value, URL-decoded) and "email" (the NameID to assert)}. The
AuthnRequest is read by pysaml2 (issuer known from the SP metadata, destination checked); the
Response goes to the ACS that metadata names, the assertion signed with RSA-SHA256.
"""

import base64
import json
import shutil
import sys
import warnings

warnings.simplefilter("ignore")

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.authn_context import PASSWORDPROTECTEDTRANSPORT  # noqa: E402
from saml2.config import IdPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID  # noqa: E402
from saml2.server import Server  # noqa: E402


def config(cfg):
    conf = IdPConfig()
    settings = {
        "entityid": cfg["entity_id"],
        "service": {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [(cfg["sso_url"], BINDING_HTTP_REDIRECT)]
                },
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 5},
                        "attribute_restrictions": None,
                    }
                },
            }
        },
        "key_file": cfg["key"],
        "cert_file": cfg["cert"],
        "xmlsec_binary": shutil.which("xmlsec1"),
    }
    if cfg.get("sp_metadata"):
        settings["metadata"] = {"local": [cfg["sp_metadata"]]}
    conf.load(settings)
    return conf


def main():
    mode, cfg = sys.argv[1], json.loads(sys.argv[2])
    if mode == "metadata":
        xml = create_metadata_string(None, config=config(cfg), sign=False)
        sys.stdout.write(xml.decode() if isinstance(xml, bytes) else xml)
    elif mode == "respond":
        server = Server(config=config(cfg))
        request = server.parse_authn_request(cfg["saml_request"], BINDING_HTTP_REDIRECT)
        message = request.message
        issuer = message.issuer.text
        acs = server.metadata.assertion_consumer_service(issuer, binding=BINDING_HTTP_POST)
        response = server.create_authn_response(
            {},
            in_response_to=message.id,
            destination=acs[0]["location"],
            sp_entity_id=issuer,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=cfg["email"]),
            authn={"class_ref": PASSWORDPROTECTEDTRANSPORT},
            sign_response=False,
            sign_assertion=True,
            sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
        )
        print(json.dumps({
            "request_id": message.id,
            "issuer": issuer,
            "response": base64.b64encode(str(response).encode()).decode(),
        }))
    else:
        sys.exit("unknown mode " + mode)


main()
