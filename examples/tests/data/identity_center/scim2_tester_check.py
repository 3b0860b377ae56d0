"""Runs scim2-tester (PyPI) against a running identity-center and prints one line per check.

Usage: scim2_tester_check.py BASE_URL TOKEN PROFILE_EXPECTATIONS.json

Every check must pass (SUCCESS), except those the expectations file lists for the profile,
each with the reason it cannot apply there. Exit status 0 when that holds.
"""

import json
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    url, token, expectations_path = sys.argv[1:4]
    with open(expectations_path, encoding="utf-8") as f:
        expectations = json.load(f)
    allowed = {(row["check"], row.get("resource_type")): row["reason"] for row in expectations["not_applicable"]}
    client = SyncSCIMClient(Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30))
    results = check_server(client)
    passed = failed = excused = 0
    for result in results:
        title = result.title or "?"
        kind = result.resource_type
        reason = allowed.get((title, kind)) or allowed.get((title, None))
        title = f"{title} [{kind}]" if kind else title
        if result.status in (Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED):
            passed += 1
            print(f"ok   {title} ({result.status.name})")
        elif reason is not None:
            excused += 1
            print(f"n/a  {title}: {reason}")
        else:
            failed += 1
            print(f"FAIL {title} ({result.status.name}): {(result.reason or '')[:400]}")
    print(f"scim2-tester ({expectations['profile']}): {passed} passed, {failed} failed, {excused} not applicable")
    if passed == 0:
        print("no check ran", file=sys.stderr)
        return 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
