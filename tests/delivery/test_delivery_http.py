"""Execute and its emails as clients see them over real HTTP: a replay is exactly what the first
caller received (never the response as it was before delivery), execute waits for a slow mail
server only so long, and a forced broker retry after a crash makes its attempt at once, broker
first, warehouse second."""

from __future__ import annotations

import time

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from entrygo.app import create_app
from entrygo.artifacts.models import CustomsPackage
from entrygo.delivery.models import BrokerSubmission
from tests.support import Flow, ServerProcess, concurrently, kill_during_delivery, setup_batch


def test_a_hundred_same_key_executes_see_one_response(live_server, world, db, smtp):
    smtp.delay_seconds = 1.0  # delivery takes a second: concurrent requests arrive during it
    base = live_server(ENTRYGO_SMTP_URL=smtp.url)
    account, headers, plan = setup_batch(base, world)
    body = {"accountId": account, "batchId": plan["exportId"]}
    keyed = {**headers, "idempotency-key": "execute-once"}
    responses = concurrently(100, lambda c: c.post(f"{base}/api/exports/execute", json=body,
                                                   headers=keyed))
    fresh = [r for r in responses if r.status_code == 200
             and "idempotent-replayed" not in r.headers]
    replays = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
    busy = [r for r in responses if r.status_code == 409]
    assert len(fresh) == 1 and len(fresh) + len(replays) + len(busy) == 100, \
        sorted(r.status_code for r in responses)
    first = fresh[0]
    assert first.json()["brokerSubmission"]["status"] == "sent"
    assert all(r.content == first.content for r in replays)
    assert all(r.json()["errorCode"] == "IDEMPOTENCY_IN_PROGRESS" and
               r.headers["retry-after"] == "1" for r in busy)
    print(f"100 same-key executes: 1 fresh, {len(replays)} replays, {len(busy)} in progress")
    # and afterwards, whoever retries gets the first caller's bytes
    later = concurrently(20, lambda c: c.post(f"{base}/api/exports/execute", json=body,
                                              headers=keyed))
    assert all(r.status_code == 200 and r.content == first.content and
               r.headers["idempotent-replayed"] == "true" for r in later)
    assert len(smtp.accepted) == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CustomsPackage)) == 1


def test_execute_waits_for_a_slow_mail_server_only_so_long(world, settings, db, smtp):
    smtp.delay_seconds = 3.0  # a mail server that takes its time
    app = create_app(settings.model_copy(update={"smtp_url": smtp.url,
                                                 "delivery_wait_seconds": 0.5}))
    with TestClient(app) as client:
        tenant = world.tenant(client)
        flow = Flow(tenant)
        plan = flow.plan([flow.order("o-1")]).json()
        started = time.monotonic()
        r = tenant.post("/api/exports/execute", {"accountId": tenant.account_id,
                                                 "batchId": plan["exportId"]},
                        headers={"idempotency-key": "slow-mail"})
        waited = time.monotonic() - started
        assert r.status_code == 200 and r.json()["status"] == "COMPLETED"
        assert waited < 2.0, waited  # 0.5 s for delivery, not the 3 s the server takes
        assert r.json()["brokerSubmission"]["status"] == "queued"
        # while the attempt goes on, a replay is what the caller received
        again = tenant.post("/api/exports/execute", {"accountId": tenant.account_id,
                                                     "batchId": plan["exportId"]},
                            headers={"idempotency-key": "slow-mail"})
        assert again.content == r.content and again.headers["idempotent-replayed"] == "true"
        # a forced retry while that attempt holds the submission: told to come back, and when
        busy = tenant.post(f"/api/exports/{plan['exportId']}/broker-submission/retry")
        assert busy.status_code == 409 and busy.json()["errorCode"] == "DELIVERY_IN_PROGRESS"
        assert 1 <= int(busy.headers["retry-after"]) <= 120
        assert busy.json()["details"]["submissionStatus"] == "queued"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            inspect = tenant.get(f"/api/exports/{plan['exportId']}").json()
            if inspect["brokerSubmission"]["status"] == "sent":
                break
            time.sleep(0.1)
        assert inspect["brokerSubmission"]["status"] == "sent"
        assert inspect["brokerSubmission"]["attempts"] == 1
    assert len(smtp.accepted) == 1


def test_forced_retry_after_a_crash_sends_now_broker_first(settings, world, db, smtp,
                                                           tmp_path):
    """kill -9 while the broker email is in flight; the restarted server holds no lease of
    its own, the dead one's (120 s by default) must not stall the broker or the warehouse."""
    env = {"ENTRYGO_SMTP_URL": smtp.url}
    server = ServerProcess(settings, tmp_path / "first.log", env)
    base = server.start()
    try:
        account, headers, _ = setup_batch(base, world)
        warehouse = world.warehouse(account, name="Notify DC", notifyEmail="ops@wh.example")
        broker = world.broker(account)
        orders = httpx.get(f"{base}/api/orders", headers=headers).json()["data"]
        plan = httpx.post(f"{base}/api/exports/plan", headers=headers, json={
            "accountId": account, "warehouseId": warehouse, "brokerId": broker,
            "orderIds": [orders[0]["id"]]}).json()
        smtp.hold_seconds = 30  # the broker email is in flight when the server dies
        kill_during_delivery(server, smtp, f"{base}/api/exports/execute", headers,
                             {"accountId": account, "batchId": plan["exportId"]})
    finally:
        server.stop()
    with db.read() as s:
        submission = s.scalars(select(BrokerSubmission).where(
            BrokerSubmission.batch_id == plan["exportId"])).one()
    assert submission.status == "queued" and submission.lease_owner  # the dead one's lease
    smtp.hold_seconds = 0
    restarted = ServerProcess(settings, tmp_path / "second.log", env)
    base = restarted.start()
    try:
        retry = httpx.post(f"{base}/api/exports/{plan['exportId']}/broker-submission/retry",
                           headers=headers, timeout=30)
        # the forced attempt; or, if the restarted server's start-up sweep took the dead
        # lease over first, that it is sent already or that this live sweep is sending it
        # now. Never a wait for the dead server's 120 s lease to run out.
        if retry.status_code == 200:
            assert retry.json()["brokerSubmission"]["status"] == "sent"
        else:
            assert retry.status_code == 409, retry.text
            answer = retry.json()
            assert (answer["errorCode"], answer["details"]["submissionStatus"]) in (
                ("INVALID_EXPORT_STATE", "sent"), ("DELIVERY_IN_PROGRESS", "queued")), answer
        deadline = time.monotonic() + 10
        while len(smtp.accepted) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        inspect = httpx.get(f"{base}/api/exports/{plan['exportId']}", headers=headers).json()
    finally:
        restarted.stop()
    assert [str(m["To"]) for m in smtp.accepted] == ["broker@example.com", "ops@wh.example"]
    assert smtp.accepted[0]["Message-ID"] == submission.message_id
    assert inspect["brokerSubmission"]["status"] == "sent"
    assert [n["status"] for n in inspect["notifications"]] == ["sent"]
    types = [e["type"] for e in inspect["events"]]
    assert types.index("BROKER_NOTIFIED") < types.index("WAREHOUSE_NOTIFIED")

