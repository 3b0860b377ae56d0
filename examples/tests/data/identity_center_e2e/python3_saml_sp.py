"""A python3-saml (OneLogin, PyPI 1.16.0) service provider for identity-center's end-to-end
tests (examples/tests/identity_center_e2e.rs). It is no web server: the test's browser carries
messages to and from it.

    python3_saml_sp.py metadata CONFIG          -> the SP's metadata XML
    python3_saml_sp.py login CONFIG             -> {"url": ..., "request_id": ...}
    python3_saml_sp.py acs CONFIG < SAMLResponse -> the verdict as JSON
    python3_saml_sp.py logout CONFIG            -> {"url": ..., "request_id": ...}
    python3_saml_sp.py slo CONFIG               -> the verdict on the IdP's LogoutResponse

CONFIG is JSON: {"entity_id", "acs_url", "idp_metadata" (XML, for login and acs),
"request_id" (acs: the AuthnRequest answered, or null for IdP-initiated; slo: the
LogoutRequest answered)}; with "slo_url", "key" and "cert" (PEM file paths) the SP has a
signing key and single logout (signed LogoutRequests, signed LogoutResponses wanted); logout
takes "name_id", "name_id_format" and "session_index"; slo takes the LogoutResponse as it
arrived: "query" (the HTTP-Redirect query string, its signature checked over the bytes as
sent) or "post_data" (HTTP-POST form fields, which python3-saml does not take for logout). The IdP is
configured only from identity-center's /saml/{app}/metadata (OneLogin_Saml2_IdPMetadataParser).
Strict mode, signed assertions wanted, deprecated algorithms refused.
"""

import json
import sys
from urllib.parse import parse_qs, urlsplit

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings


def settings(cfg, want_messages_signed=False):
    sp = {
        "entityId": cfg["entity_id"],
        "assertionConsumerService": {
            "url": cfg["acs_url"],
            "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
        },
        "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS,
    }
    security = {
        "wantAssertionsSigned": True,
        "wantNameId": True,
        "rejectDeprecatedAlgorithm": True,
        "requestedAuthnContext": False,
    }
    if cfg.get("slo_url"):
        sp["singleLogoutService"] = {
            "url": cfg["slo_url"],
            "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
        }
        sp["x509cert"] = open(cfg["cert"]).read()
        sp["privateKey"] = open(cfg["key"]).read()
        security["logoutRequestSigned"] = True
        # For logout messages: identity-center signs the assertion of a sign-in response,
        # not the Response itself.
        security["wantMessagesSigned"] = want_messages_signed
    return {"strict": True, "sp": sp, "security": security}


def request_data(cfg, post_data=None, get_data=None, at="acs_url"):
    # The request as the SP's endpoint would see it, so Destination and Recipient are
    # checked against its URL.
    url = urlsplit(cfg[at])
    return {
        "https": "on" if url.scheme == "https" else "off",
        "http_host": url.netloc,
        "script_name": url.path,
        "get_data": get_data or {},
        "post_data": post_data or {},
    }


def with_idp(cfg, want_messages_signed=False):
    idp = OneLogin_Saml2_IdPMetadataParser.parse(cfg["idp_metadata"])
    return OneLogin_Saml2_IdPMetadataParser.merge_settings(
        settings(cfg, want_messages_signed), idp
    )


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
    elif mode == "logout":
        auth = OneLogin_Saml2_Auth(request_data(cfg, at="slo_url"), with_idp(cfg))
        url = auth.logout(
            return_to="/",
            name_id=cfg["name_id"],
            session_index=cfg["session_index"],
            name_id_format=cfg["name_id_format"],
        )
        print(json.dumps({"url": url, "request_id": auth.get_last_request_id()}))
    elif mode == "slo":
        query = cfg.get("query") or ""
        get_data = {k: v[0] for k, v in parse_qs(query).items()}
        data = request_data(
            cfg, post_data=cfg.get("post_data"), get_data=get_data, at="slo_url"
        )
        data["query_string"] = query
        data["validate_signature_from_qs"] = True
        auth = OneLogin_Saml2_Auth(data, with_idp(cfg, want_messages_signed=True))
        try:
            auth.process_slo(keep_local_session=True, request_id=cfg["request_id"])
            errors = auth.get_errors()
        except Exception as error:  # python3-saml raises on an unsupported binding
            errors = ["exception: %s" % error]
        print(json.dumps({
            "ok": not errors,
            "errors": errors,
            "reason": auth.get_last_error_reason(),
        }))
    else:
        sys.exit("unknown mode " + mode)


main()
