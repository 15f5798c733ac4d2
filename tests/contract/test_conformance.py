"""The first-export guide, verbatim, against a server started as the README starts it.

``entrygo serve`` (what ``make run`` runs) in its own process, ``eval "$(entrygo demo)"``, then
the guide's curl commands as a shell script (tests/guide/first_export.sh). Every response is
checked for the shape the guide documents and against the published OpenAPI schema.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import TEST_SECRET, ServerProcess, check

GUIDE = Path(__file__).resolve().parents[1] / "guide" / "first_export.sh"


def test_first_export_guide_verbatim(settings, db, tmp_path):
    server = ServerProcess(settings, tmp_path / "server.log", {})
    base = server.start()
    try:
        env = {**os.environ, "ENTRYGO_DATABASE_URL": settings.resolved_database_url,
               "ENTRYGO_DATA_DIR": str(settings.data_dir), "ENTRYGO_SECRET_KEY": TEST_SECRET,
               "ENTRYGO_PORT": str(server.port)}
        shell = (f'eval "$("{sys.executable}" -m entrygo demo)" && '
                 f'test "$ENTRYGO_BASE_URL" = "http://localhost:{server.port}" && '
                 f'bash "{GUIDE}"')
        ran = subprocess.run(["bash", "-c", shell], env=env, text=True, capture_output=True,
                             timeout=120)
        assert ran.returncode == 0, ran.stderr
        steps = {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1])
                 for line in ran.stdout.splitlines()}
        spec = httpx.get(f"{base}/docs/api/openapi").json()
    finally:
        server.stop()

    health = steps["step2"]
    assert health["status"] == "ok" and health["accountId"].startswith("acc_")
    check(spec, "get", "/api/system/health", 200, health)

    (order,) = steps["step3"]["data"]
    assert order["id"].startswith("ord_")
    assert (order["externalId"], order["totalValueUsd"]) == ("ord-ext-1001", 110)
    check(spec, "post", "/api/orders/sync", 200, steps["step3"])

    plan = steps["step4"]
    assert plan["exportId"].startswith("batch_") and plan["planHash"].startswith("planhash_")
    assert plan["readinessState"] == "REVIEW_REQUIRED"
    assert {"code": "METALS_REVIEW_RECOMMENDED", "severity": "warning"} in [
        {"code": m["code"], "severity": m["severity"]} for m in plan["validationMessages"]]
    assert plan["included_order_ids"] == [order["id"]]
    assert plan["next_recommended_action"] == "review_flags_then_execute"
    check(spec, "post", "/api/exports/plan", 200, plan)

    done = steps["step6"]
    assert (done["exportId"], done["status"]) == (plan["exportId"], "COMPLETED")
    assert done["customs_package_id"].startswith("cp_")
    assert {"artifact_type": "manifest", "filename": "manifest.json"} in [
        {k: a[k] for k in ("artifact_type", "filename")} for a in done["artifacts"]]
    assert done["brokerSubmission"]["status"] == "sent"
    assert done["brokerSubmission"]["recipient_email"] == "broker@example.com"
    check(spec, "post", "/api/exports/execute", 200, done)

    inspect = steps["step7"]
    assert (inspect["exportId"], inspect["status"], inspect["planHash"]) == (
        plan["exportId"], "COMPLETED", plan["planHash"])
    assert inspect["customsPackage"] == {**inspect["customsPackage"],
                                         "id": done["customs_package_id"],
                                         "state": "sent_to_broker"}
    assert inspect["brokerSubmission"]["status"] == "sent"
    assert inspect["artifacts"] == done["artifacts"]
    check(spec, "get", "/api/exports/{batch_id}", 200, inspect)

    package = steps["step8"]
    assert package["id"] == done["customs_package_id"]
    assert package["artifacts"] == done["artifacts"]
    check(spec, "get", "/api/customs-packages/{package_id}", 200, package)
