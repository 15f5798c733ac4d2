"""The first-export guide, as a reader copies it from the served page, against a live server.

``entrygo serve`` (what ``make run`` runs) in its own process on a port other than 3000; then
every shell block of the page ``/docs/guides/first-export`` (as the browser shows it: the
rendered HTML, unescaped) pasted in order into one bash session whose only settings are the
server's data folder and database, as a second shell in the checkout would have. Step 1's
``eval "$(.venv/bin/entrygo demo)"`` must find the server's URL by itself. The run ends with
the artifact download and ``sha256sum -c``; every saved response is checked for the shape the
guide documents and against the published OpenAPI schema.

Needs ``jq`` (the guide uses it to pick ids out of responses): skipped where it is missing,
unless ENTRYGO_TEST_REQUIRE_JQ=1 (CI installs it and sets that), which makes it a failure.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support import TEST_SECRET, ServerProcess, check

SHELL_BLOCK = re.compile(r'<pre><code class="language-sh">(.*?)</code></pre>', re.S)
REQUIRE_JQ = os.environ.get("ENTRYGO_TEST_REQUIRE_JQ", "") not in ("", "0", "false")


def served_guide_commands(base: str) -> list[str]:
    page = httpx.get(f"{base}/docs/guides/first-export")
    assert page.status_code == 200
    return [html.unescape(block) for block in SHELL_BLOCK.findall(page.text)]


def test_first_export_guide_as_a_reader_pastes_it(settings, db, tmp_path):
    if shutil.which("jq") is None:
        if REQUIRE_JQ:
            pytest.fail("jq is required (ENTRYGO_TEST_REQUIRE_JQ) but not installed")
        pytest.skip("no jq installed")
    server = ServerProcess(settings, tmp_path / "server.log", {})
    base = server.start()
    assert server.port != 3000
    reader = tmp_path / "reader"  # the reader's shell: in a checkout with its .venv
    reader.mkdir()
    (reader / ".venv").symlink_to(sys.prefix)  # the test run's virtual environment
    env = {key: value for key, value in os.environ.items() if not key.startswith("ENTRYGO_")}
    env.update({"ENTRYGO_DATABASE_URL": settings.resolved_database_url,
                "ENTRYGO_DATA_DIR": str(settings.data_dir), "ENTRYGO_SECRET_KEY": TEST_SECRET})
    try:
        blocks = served_guide_commands(base)
        script = "\n".join(["set -euo pipefail", *blocks,
                            'echo "$ENTRYGO_BASE_URL" > base-url.txt'])
        ran = subprocess.run(["bash", "-c", script], cwd=reader, env=env, text=True,
                             capture_output=True, timeout=180)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        spec = httpx.get(f"{base}/docs/api/openapi").json()
    finally:
        server.stop()

    # the placeholders of the guide's first block were replaced by the demo's, port included
    demo_url = urlsplit((reader / "base-url.txt").read_text().strip())
    assert (demo_url.hostname in ("localhost", "127.0.0.1"), demo_url.port) == (True,
                                                                              server.port)
    assert len(blocks) >= 9 and not any("ord_123" in b or "batch_123" in b for b in blocks)
    saved = {name: json.loads((reader / f"{name}.json").read_text())
             for name in ("order-sync", "plan", "execute", "inspect", "package")}

    (order,) = saved["order-sync"]["data"]
    assert order["id"].startswith("ord_")
    assert (order["externalId"], order["totalValueUsd"]) == ("ord-ext-1001", 110)
    check(spec, "post", "/api/orders/sync", 200, saved["order-sync"])

    plan = saved["plan"]
    assert plan["exportId"].startswith("batch_") and plan["planHash"].startswith("planhash_")
    assert plan["readinessState"] == "REVIEW_REQUIRED"
    assert {"code": "METALS_REVIEW_RECOMMENDED", "severity": "warning"} in [
        {"code": m["code"], "severity": m["severity"]} for m in plan["validationMessages"]]
    assert plan["included_order_ids"] == [order["id"]]
    assert plan["next_recommended_action"] == "review_flags_then_execute"
    check(spec, "post", "/api/exports/plan", 200, plan)
    assert "warning\tMETALS_REVIEW_RECOMMENDED\t" in ran.stdout  # the findings, one per line

    done = saved["execute"]
    assert (done["exportId"], done["status"]) == (plan["exportId"], "COMPLETED")
    assert done["customs_package_id"].startswith("cp_")
    assert {"artifact_type": "manifest", "filename": "manifest.json"} in [
        {k: a[k] for k in ("artifact_type", "filename")} for a in done["artifacts"]]
    assert done["brokerSubmission"]["status"] == "sent"
    assert done["brokerSubmission"]["recipient_email"] == "broker@example.com"
    check(spec, "post", "/api/exports/execute", 200, done)

    inspect = saved["inspect"]
    assert (inspect["exportId"], inspect["status"], inspect["planHash"]) == (
        plan["exportId"], "COMPLETED", plan["planHash"])
    assert inspect["customsPackage"] == {**inspect["customsPackage"],
                                         "id": done["customs_package_id"],
                                         "state": "sent_to_broker"}
    assert inspect["brokerSubmission"]["status"] == "sent"
    assert inspect["artifacts"] == done["artifacts"]
    check(spec, "get", "/api/exports/{batch_id}", 200, inspect)
    assert "EXPORT_EXECUTED" in ran.stdout  # the timeline, one event per line

    package = saved["package"]
    assert package["id"] == done["customs_package_id"]
    assert package["artifacts"] == done["artifacts"]
    check(spec, "get", "/api/customs-packages/{package_id}", 200, package)

    # the last step: the download, checked by sha256sum against the inventory
    assert "commercial_invoice.pdf: OK" in ran.stdout
    invoice = (reader / "commercial_invoice.pdf").read_bytes()
    assert invoice.startswith(b"%PDF-")
    assert hashlib.sha256(invoice).hexdigest() == next(
        a["sha256"] for a in package["artifacts"] if a["filename"] == "commercial_invoice.pdf")
