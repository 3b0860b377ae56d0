"""A python3-saml (OneLogin, PyPI 1.16.0) service provider for identity-center's end-to-end
tests (examples/tests/identity_center_e2e.rs). It is no web server: the test's browser carries
messages to and from it.

    python3_saml_sp.py metadata CONFIG          -> the SP's metadata XML
    python3_saml_sp.py login CONFIG             -> {"url": ..., "request_id": ...}
    python3_saml_sp.py acs CONFIG < SAMLResponse -> the verdict as JSON

CONFIG is JSON: {"entity_id", "acs_url", "idp_metadata" (XML, for login and acs),
"request_id" (acs: the AuthnRequest answered, or null for IdP-initiated)}. The IdP is
configured only from identity-center's /saml/{app}/metadata (OneLogin_Saml2_IdPMetadataParser).
Strict mode, signed assertions wanted, deprecated algorithms refused.
"""

import json
import sys
from urllib.parse import urlsplit

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings


def settings(cfg):
    return {
        "strict": True,
        "sp": {
            "entityId": cfg["entity_id"],
            "assertionConsumerService": {
                "url": cfg["acs_url"],
                "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
            },
            "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS,
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantNameId": True,
            "rejectDeprecatedAlgorithm": True,
            "requestedAuthnContext": False,
        },
    }


def request_data(cfg, post_data=None):
    # The request as the SP's ACS would see it, so Destination and Recipient are checked
    # against the ACS URL.
    url = urlsplit(cfg["acs_url"])
    return {
        "https": "on" if url.scheme == "https" else "off",
        "http_host": url.netloc,
        "script_name": url.path,
        "get_data": {},
        "post_data": post_data or {},
    }


def with_idp(cfg):
    idp = OneLogin_Saml2_IdPMetadataParser.parse(cfg["idp_metadata"])
    return OneLogin_Saml2_IdPMetadataParser.merge_settings(settings(cfg), idp)


def main():
    mode, cfg = sys.argv[1], json.loads(sys.argv[2])
    if mode == "metadata":
        sp = OneLogin_Saml2_Settings(settings(cfg), sp_validation_only=True)
        metadata = sp.get_sp_metadata()
        print(metadata.decode() if isinstance(metadata, bytes) else metadata)
    elif mode == "login":
        auth = OneLogin_Saml2_Auth(request_data(cfg), with_idp(cfg))
        url = auth.login(return_to="/")
        print(json.dumps({"url": url, "request_id": auth.get_last_request_id()}))
    elif mode == "acs":
        posted = {"SAMLResponse": sys.stdin.read().strip()}
        auth = OneLogin_Saml2_Auth(request_data(cfg, posted), with_idp(cfg))
        auth.process_response(request_id=cfg.get("request_id"))
        ok = auth.is_authenticated() and not auth.get_errors()
        print(json.dumps({
            "ok": ok,
            "errors": auth.get_errors(),
            "reason": auth.get_last_error_reason(),
            "name_id": auth.get_nameid() if ok else None,
            "name_id_format": auth.get_nameid_format() if ok else None,
            "session_index": auth.get_session_index() if ok else None,
            "attributes": auth.get_attributes() if ok else None,
        }))
    else:
        sys.exit("unknown mode " + mode)


main()
