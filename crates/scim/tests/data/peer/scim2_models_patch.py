"""Runs every strict PATCH case of ../patch_cases.toml through python-scim's scim2-models
(PatchOp[...].patch, the peer's in-memory PATCH) and writes scim2_models_patch.json: per case,
whether the peer accepted it and, if so, the patched resource as the peer dumps it.

Made with: scim2-models 0.12.3 (PyPI), Python 3.12:
    python scim2_models_patch.py > scim2_models_patch.json
tests/patch_crosscheck.rs compares it with our results.
"""
import json
import sys
import tomllib
from pathlib import Path

from scim2_models import Context, EnterpriseUser, Group, PatchOp, User

HERE = Path(__file__).parent
cases = tomllib.loads((HERE.parent / "patch_cases.toml").read_text())["case"]
fixtures = json.loads((HERE.parent / "patch_fixtures.json").read_text())
types = {"user": User[EnterpriseUser], "group": Group}
# scim2-models requires manager.$ref on load (RFC 7643 §4.3 only RECOMMENDs it); give the
# peer's copy of the fixture one so that it can load the user at all.
fixtures["user"]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["$ref"] = (
    "https://example.com/v2/Users/26118915-6090-4610-87e4-49d8ca9f808d")

out = {"_source": "scim2-models 0.12.3 PatchOp.patch over patch_fixtures.json; see scim2_models_patch.py", "cases": {}}
for case in cases:
    kind = types[case["resource"]]
    if "body" in case:
        body = json.loads(case["body"])
    else:
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": json.loads(case["ops"])}
    try:
        resource = kind.model_validate(fixtures[case["resource"]], scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        resource.id = fixtures[case["resource"]]["id"]
        op = PatchOp[kind].model_validate(body, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        op.patch(resource)
        dumped = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        out["cases"][case["name"]] = {"ok": True, "result": json.loads(json.dumps(dumped, default=str))}
    except Exception as e:  # the peer's rejection, whatever its type
        out["cases"][case["name"]] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:300]}
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
