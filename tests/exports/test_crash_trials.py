"""Exactly once under kill -9: the server is killed at random points of execute, restarted,
and the client retries with the same key, as the guide tells it to.

Each trial plans a fresh batch of 60 orders, starts the execute, kills the server after a
random delay (seeded, so a failure is reproducible) that falls anywhere from before the
transaction commits to after the answer, restarts it and retries until it gets its answer.
Then, per batch:

- one customs package, the batch ``COMPLETED``, nothing left ``EXECUTING``;
- one broker email: one Message-ID, delivered once. The one window SMTP itself cannot close
  is recognised, not excluded: when the mail server had accepted the message before the kill
  but the server had not yet recorded it, it is sent again with the same Message-ID (the
  receiver can tell), and the trial asserts exactly that;
- every answer the client got to its retries, and the first answer if it got one before the
  kill, is byte for byte the same response.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time

import httpx
from sqlalchemy import func, select

from entrygo.artifacts.models import CustomsPackage
from entrygo.delivery.models import BrokerSubmission
from entrygo.exports.models import ExportBatch
from tests.support import (
    ServerProcess,
    WebhookReceiver,
    kill_during_delivery,
    product,
    setup_batch,
)

TRIALS = 10
ORDERS = 60


def _batch(base: str, headers: dict[str, str], account: str, warehouse: str, broker: str,
           product_id: str, trial: int) -> str:
    orders = httpx.post(f"{base}/api/orders/sync", headers=headers, timeout=60, json={
        "accountId": account, "items": [{
            "externalId": f"t{trial}-o{n}", "destinationCountry": "US",
            "destinationRegion": "CA", "destinationPostalCode": "94105",
            "consignee": {"name": f"Customer {n}", "address1": f"{n} Market St",
                          "city": "San Francisco"},
            "items": [{"productId": product_id, "quantity": 1, "unitValueUsd": 25}]}
            for n in range(ORDERS)]}).json()["data"]
    plan = httpx.post(f"{base}/api/exports/plan", headers=headers, timeout=60, json={
        "accountId": account, "warehouseId": warehouse, "brokerId": broker,
        "orderIds": [o["id"] for o in orders]})
    assert plan.status_code == 200, plan.text
    return plan.json()["exportId"]


def _retry_until_answered(base: str, headers: dict[str, str], body: dict[str, str]
                          ) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        r = httpx.post(f"{base}/api/exports/execute", json=body, headers=headers, timeout=60)
        if r.status_code != 409 or r.json()["errorCode"] != "IDEMPOTENCY_IN_PROGRESS":
            return r
        assert time.monotonic() < deadline, "the key stayed in progress"
        time.sleep(float(r.headers["retry-after"]))


def test_kill_9_at_random_points_of_execute(settings, world, db, smtp, tmp_path):
    rng = random.Random(20261128)
    smtp.delay_seconds = 0.5  # the mail server takes a moment: many kills land mid-delivery
    env = {"ENTRYGO_SMTP_URL": smtp.url, "ENTRYGO_LOG_LEVEL": "warning"}
    account = world.account()
    headers = {"authorization": f"Bearer {world.key(account)}"}
    warehouse, broker = world.warehouse(account), world.broker(account)
    server = ServerProcess(settings, tmp_path / "server-0.log", env)
    base = server.start()
    product_id = httpx.post(f"{base}/api/products/sync", headers=headers, json={
        "accountId": account, "items": [product("P1")]}).json()["data"][0]["id"]
    outcomes = []
    try:
        for trial in range(TRIALS):
            batch_id = _batch(base, headers, account, warehouse, broker, product_id, trial)
            body = {"accountId": account, "batchId": batch_id}
            keyed = {**headers, "idempotency-key": f"trial-{trial}"}
            first: list[httpx.Response] = []

            def call(keyed=keyed, body=body, first=first, base=base):
                with contextlib.suppress(httpx.TransportError):  # killed before it answered
                    first.append(httpx.post(f"{base}/api/exports/execute", json=body,
                                            headers=keyed, timeout=60))

            caller = threading.Thread(target=call)
            caller.start()
            time.sleep(rng.uniform(0.0, 0.9))
            accepted_before_kill = _copies(smtp, batch_id)
            server.kill()
            caller.join(timeout=60)
            with db.read() as s:
                status_at_kill = s.scalar(select(BrokerSubmission.status).where(
                    BrokerSubmission.batch_id == batch_id))
            server.stop()
            server = ServerProcess(settings, tmp_path / f"server-{trial + 1}.log", env)
            base = server.start()

            answer = _retry_until_answered(base, keyed, body)
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "COMPLETED"
            if first:
                assert first[0].status_code == 200, first[0].text
                assert answer.content == first[0].content
                assert answer.headers["idempotent-replayed"] == "true"
            again = _retry_until_answered(base, keyed, body)
            assert again.content == answer.content

            # the message goes out (start-up sweep or the re-run execute), once
            resent = accepted_before_kill > 0 and status_at_kill != "sent"
            expected = 2 if resent else 1
            deadline = time.monotonic() + 20
            while _copies(smtp, batch_id) < expected and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # room for a duplicate to show itself
            copies = [m for m in smtp.accepted if m["X-EntryGo-Batch"] == batch_id]
            assert len(copies) == expected, (trial, len(copies), status_at_kill)
            assert len({m["Message-ID"] for m in copies}) == 1
            with db.read() as s:
                assert s.scalar(select(func.count()).select_from(CustomsPackage).where(
                    CustomsPackage.batch_id == batch_id)) == 1
                assert s.get(ExportBatch, batch_id).state == "COMPLETED"
            outcomes.append("answered before the kill" if first else
                            f"killed ({status_at_kill or 'before commit'})")
    finally:
        server.stop()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExportBatch).where(
            ExportBatch.state == "EXECUTING")) == 0
    print(f"{TRIALS} kill -9 trials: " + ", ".join(
        f"{outcomes.count(o)} {o}" for o in sorted(set(outcomes))))


def _copies(smtp, batch_id: str) -> int:
    return sum(1 for m in list(smtp.accepted) if m["X-EntryGo-Batch"] == batch_id)


def test_kill_9_during_execute_loses_no_webhook(settings, world, db, smtp, tmp_path):
    """kill -9 while the broker email and the webhooks of execute are in flight (the mail
    server and the receiver both hold what they got); after the restart every event since the
    endpoint was registered reaches the receiver at least once, signed, each copy with the
    event's webhook-id and the same body, so the receiver keeps one of each."""
    receiver = WebhookReceiver().start()
    env = {"ENTRYGO_SMTP_URL": smtp.url, "ENTRYGO_WEBHOOKS_ALLOW_HTTP_LOOPBACK": "true"}
    server = ServerProcess(settings, tmp_path / "first.log", env)
    base = server.start()
    try:
        account, headers, plan = setup_batch(base, world)
        endpoint = httpx.post(f"{base}/api/webhook-endpoints", headers=headers, json={
            "accountId": account, "url": receiver.url, "enabledEvents": ["*"]}).json()
        smtp.hold_seconds = receiver.hold_seconds = 30
        kill_during_delivery(server, smtp, f"{base}/api/exports/execute", headers,
                             {"accountId": account, "batchId": plan["exportId"]})
        in_flight = receiver.ids()
    finally:
        server.stop()
    smtp.hold_seconds = receiver.hold_seconds = 0
    restarted = ServerProcess(settings, tmp_path / "second.log", env)
    base = restarted.start()
    try:
        def events_since_registration() -> list[dict]:
            return httpx.get(f"{base}/api/events", headers=headers, params={
                "limit": 200, "createdAfter": endpoint["createdAt"]}).json()["data"]

        feed = events_since_registration()
        assert "EXPORT_EXECUTED" in {e["type"] for e in feed}
        # the start-up sweep takes over the dead server's leases and sends what was queued;
        # the broker email goes out again, and its event follows
        receiver.wait_for(lambda: {e["id"] for e in feed} <= receiver.ids(), seconds=60)
        deadline = time.monotonic() + 30
        while "BROKER_NOTIFIED" not in {e["type"] for e in feed}:
            assert time.monotonic() < deadline, "the broker email was never sent again"
            time.sleep(0.1)
            feed = events_since_registration()
        receiver.wait_for(lambda: {e["id"] for e in feed} <= receiver.ids(), seconds=30)
    finally:
        restarted.stop()
        receiver.stop()
    by_id = {e["id"]: e for e in feed}
    copies: dict[str, set[bytes]] = {}
    for got in receiver.received:
        event = got.verify(endpoint["secret"])
        assert got.id == event["id"]
        if got.id in by_id:
            assert event == by_id[got.id]
        copies.setdefault(got.id, set()).add(got.body)
    assert set(by_id) <= set(copies)
    assert all(len(bodies) == 1 for bodies in copies.values())  # a resend is the same event
    # what the receiver held when the server died was never recorded as sent: it came again
    resent = {i for i in in_flight if sum(g.id == i for g in receiver.received) > 1}
    assert in_flight and resent == in_flight
    print(f"kill -9 with {len(in_flight)} webhook(s) in flight: {len(resent)} resent after the "
          f"restart, {len(by_id)} events delivered")
