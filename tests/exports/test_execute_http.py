"""Execution over real HTTP against live server processes: concurrency and crashes."""

from __future__ import annotations

import threading
import time

import httpx
from sqlalchemy import func, select

from entrygo.artifacts.models import CustomsPackage
from entrygo.delivery.models import BrokerSubmission
from entrygo.exports.models import ExportBatch
from tests.support import ServerProcess, concurrently, kill_during_delivery, setup_batch


def test_twenty_concurrent_executes_make_one_package_and_one_message(live_server, world, db,
                                                                     smtp):
    base = live_server(ENTRYGO_SMTP_URL=smtp.url)
    account, headers, plan = setup_batch(base, world)
    body = {"accountId": account, "batchId": plan["exportId"]}
    counter = iter(range(100))
    lock = threading.Lock()

    def call(client):
        with lock:
            n = next(counter)
        return client.post(f"{base}/api/exports/execute", json=body,
                           headers={**headers, "idempotency-key": f"exec-{n}"})

    responses = concurrently(20, call)
    ok = [r for r in responses if r.status_code == 200]
    rejected = [r for r in responses if r.status_code == 409]
    assert len(ok) == 1 and len(rejected) == 19, [r.status_code for r in responses]
    assert all(r.json()["errorCode"] == "INVALID_EXPORT_STATE" for r in rejected)
    winner = ok[0]
    assert winner.json()["brokerSubmission"]["status"] == "sent"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CustomsPackage)) == 1
    assert len(smtp.accepted) == 1
    assert smtp.accepted[0]["Message-ID"] == winner.json()["brokerSubmission"]["message_id"]
    # the winner's key replays its success
    key = winner.request.headers["idempotency-key"]
    replay = httpx.post(f"{base}/api/exports/execute", json=body, timeout=30,
                        headers={**headers, "idempotency-key": key})
    assert replay.status_code == 200 and replay.content == winner.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert len(smtp.accepted) == 1


def test_crash_after_commit_before_delivery(settings, world, db, smtp, tmp_path):
    """SIGKILL while the broker email is in flight (the export is committed, the message not
    yet accepted): after a restart it is delivered exactly once, with the same Message-ID."""
    env = {"ENTRYGO_SMTP_URL": smtp.url, "ENTRYGO_DELIVERY_LEASE_SECONDS": "1"}
    server = ServerProcess(settings, tmp_path / "first.log", env)
    base = server.start()
    try:
        account, headers, plan = setup_batch(base, world)
        smtp.hold_seconds = 30  # the mail server sits on the message: delivery is in flight
        body = {"accountId": account, "batchId": plan["exportId"]}
        keyed = {**headers, "idempotency-key": "crash-exec"}
        errors = kill_during_delivery(server, smtp, f"{base}/api/exports/execute", keyed, body)
        assert errors  # the client never got an answer
    finally:
        server.stop()

    with db.read() as s:
        batch = s.get(ExportBatch, plan["exportId"])
        submission = s.scalars(select(BrokerSubmission)).one()
        assert batch.state == "COMPLETED"  # committed before delivery began
        assert submission.status == "queued" and submission.sent_at is None
    assert smtp.accepted == []

    smtp.hold_seconds = 0
    time.sleep(1.2)  # the dead sender's lease runs out
    restarted = ServerProcess(settings, tmp_path / "second.log", env)
    base = restarted.start()
    try:
        deadline = time.monotonic() + 30
        while not smtp.accepted and time.monotonic() < deadline:  # the start-up sweep
            time.sleep(0.05)
        assert len(smtp.accepted) == 1
        assert smtp.accepted[0]["Message-ID"] == smtp.held[0]["Message-ID"] == \
            submission.message_id
        inspect = httpx.get(f"{base}/api/exports/{plan['exportId']}", headers=headers).json()
        assert inspect["brokerSubmission"]["status"] == "sent"
        assert inspect["customsPackage"]["state"] == "sent_to_broker"
        replay = httpx.post(f"{base}/api/exports/execute", json=body, headers=keyed,
                            timeout=30)
        assert replay.status_code == 200
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["customs_package_id"] == inspect["customs_package_id"]
        # no client received an answer: the replay is the response as committed (emails
        # queued; inspect has the present), at once, since the dead process is known gone
        assert replay.json()["brokerSubmission"]["status"] == "queued"
        again = httpx.post(f"{base}/api/exports/execute", json=body, headers=keyed, timeout=30)
        assert again.content == replay.content
        time.sleep(0.5)
        assert len(smtp.accepted) == 1
    finally:
        restarted.stop()
