"""Access logs are JSON lines with the request's id, key, account, route, status and duration,
and no log line carries an API key or an e-mail address."""

from __future__ import annotations

import json

import httpx

from tests.support import ServerProcess, product


def test_access_log_lines_and_no_secrets(settings, world, tmp_path):
    account = world.account()
    key = world.key(account)
    warehouse, broker = world.warehouse(account), world.broker(account)
    # SMTP on a port where nothing listens: the delivery error names the broker's address
    server = ServerProcess(settings, tmp_path / "server.log",
                           {"ENTRYGO_SMTP_URL": "smtp://127.0.0.1:9", "ENTRYGO_LOG_LEVEL": "info"})
    base = server.start()
    auth = {"authorization": f"Bearer {key}"}
    wrong = "shpbndl_live_" + "Z" * 40
    try:
        pid = httpx.post(f"{base}/api/products/sync", headers=auth, json={
            "accountId": account, "items": [product("P1")]}).json()["data"][0]["id"]
        oid = httpx.post(f"{base}/api/orders/sync", headers=auth, json={
            "accountId": account, "items": [{
                "externalId": "o-1", "destinationCountry": "US", "destinationRegion": "CA",
                "destinationPostalCode": "94105",
                "consignee": {"name": "Jane", "email": "jane.doe@customer.example"},
                "items": [{"productId": pid, "quantity": 1, "unitValueUsd": 5}]}]}
        ).json()["data"][0]["id"]
        plan = httpx.post(f"{base}/api/exports/plan", headers=auth, json={
            "accountId": account, "warehouseId": warehouse, "brokerId": broker,
            "orderIds": [oid]}).json()
        done = httpx.post(f"{base}/api/exports/execute", headers={
            **auth, "x-request-id": "trace-execute-1"}, json={
            "accountId": account, "batchId": plan["exportId"]}).json()
        assert done["brokerSubmission"]["status"] == "retrying"
        assert httpx.get(f"{base}/api/system/health",
                         headers={"authorization": f"Bearer {wrong}"}).status_code == 401
        assert httpx.get(f"{base}/api/orders?externalId={wrong}", headers=auth).status_code \
            == 200
    finally:
        server.stop()
    text = (tmp_path / "server.log").read_text()
    for secret in (key, wrong, "broker@example.com", "jane.doe@customer.example"):
        assert secret not in text, secret
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [entry for entry in lines if entry.get("logger") == "entrygo.access"]
    execute = next(e for e in access if e["requestId"] == "trace-execute-1")
    assert execute["method"] == "POST" and execute["route"] == "/api/exports/execute"
    assert execute["status"] == 200 and execute["durationMs"] > 0
    assert execute["accountId"] == account and execute["keyId"].startswith("key_")
    rejected = [e for e in access if e["status"] == 401]
    assert rejected and rejected[0]["keyId"] is None and rejected[0]["accountId"] is None
    failures = [e for e in lines if e.get("logger") == "entrygo.delivery"]
    assert failures and "ConnectionRefusedError" in failures[0]["message"]
    assert failures[0]["level"] == "warning"


def test_serve_says_when_it_is_ready_and_where(settings, tmp_path):
    server = ServerProcess(settings, tmp_path / "server.log", {"ENTRYGO_LOG_LEVEL": "info"})
    base = server.start()
    try:
        record = json.loads((settings.data_dir / "server.json").read_text())
    finally:
        server.stop()
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()
             if line.startswith("{")]
    port = base.rsplit(":", 1)[1]
    ready = [e for e in lines if e.get("message", "").startswith("ready at ")]
    assert ready and f"localhost:{port}" in ready[0]["message"] and "/docs" in ready[0]["message"]
    assert record["url"] == f"http://localhost:{port}"
