"""The safe retry rules, proven on the wire: a proxy on loopback (``NetCut``) cuts the network
between the SDK and a live server, and the server, its database and a real SMTP server say
what happened. A retry replays the same Idempotency-Key; the server executes once."""

from __future__ import annotations

import json
import uuid
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select

from entrygo.artifacts.models import CustomsPackage
from entrygo.client import (
    APIConnectionError,
    ChecksumMismatch,
    EntryGo,
    ExecuteUnconfirmed,
    RateLimited,
    RetryPolicy,
)
from entrygo.db.database import Database
from entrygo.delivery.models import BrokerSubmission
from entrygo.orders.models import Order
from tests.support.netcut import NetCut
from tests.support.sdk import Tenant, guide_order, planned, set_up, tenant


def broker_emails(smtp: Any) -> list[Any]:
    return [m for m in smtp.accepted if m["To"] == "broker@example.com"]


def count(db: Database, model: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_cut_between_execute_and_its_answer_replays_the_same_key(
        sdk: EntryGo, merchant: Tenant, netcut: NetCut, smtp: Any, db: Database) -> None:
    batch_id, plan_hash = planned(sdk, set_up(sdk))
    netcut.drop_response("POST", "/api/exports/execute")  # the first answer never arrives

    with merchant.client(netcut.url) as cut:
        done = cut.exports.execute(batch_id, plan_hash=plan_hash)  # no key given: one is made

    first, retry = netcut.seen("POST", "/api/exports/execute")
    key = first.header("idempotency-key")
    assert key is not None and uuid.UUID(key).version == 4
    assert retry.header("idempotency-key") == key
    assert retry.request_body == first.request_body
    # the server executed the first request and answered it; the client never saw that answer
    assert (first.fate, first.status, first.response_header("idempotent-replayed")) == (
        "dropped", 200, None)
    # the retry was answered with the stored response, byte for byte: a replay, not a rerun
    assert (retry.fate, retry.status, retry.response_header("idempotent-replayed")) == (
        "relayed", 200, "true")
    assert retry.response_body == first.response_body
    answered = json.loads(first.response_body or b"{}")
    assert done.customs_package_id == answered["customs_package_id"]
    assert done.broker_submission.message_id == answered["brokerSubmission"]["message_id"]

    # executed exactly once: one package, one submission, one broker email
    assert count(db, CustomsPackage) == 1 and count(db, BrokerSubmission) == 1
    assert len(broker_emails(smtp)) == 1
    assert broker_emails(smtp)[0]["Message-ID"] == done.broker_submission.message_id
    executed = list(sdk.events.list(types=["EXPORT_EXECUTED"]))
    assert [e.export_id for e in executed] == [batch_id]


def test_a_cut_order_sync_is_replayed_not_synced_twice(
        sdk: EntryGo, merchant: Tenant, netcut: NetCut, db: Database) -> None:
    setup = set_up(sdk)
    netcut.drop_response("POST", "/api/orders/sync")
    with merchant.client(netcut.url) as cut:
        orders = cut.orders.sync([guide_order(setup.product_id)], idempotency_key="wms-0001")
    # a second run of the sync would have said "unchanged"; the replay says what the first did
    assert [o.sync_status for o in orders] == ["created"]
    first, retry = netcut.seen("POST", "/api/orders/sync")
    assert first.header("idempotency-key") == retry.header("idempotency-key") == "wms-0001"
    assert retry.response_header("idempotent-replayed") == "true"
    assert count(db, Order) == 1
    assert len(list(sdk.events.list(types=["ORDERS_SYNCED"]))) == 1


def test_an_execute_whose_answers_are_all_lost_is_settled_by_inspect(
        sdk: EntryGo, merchant: Tenant, netcut: NetCut, smtp: Any, db: Database) -> None:
    setup = set_up(sdk)
    once = RetryPolicy(max_retries=2, initial_delay=0.05, max_delay=0.1)

    # every answer is lost: inspect shows the batch COMPLETED with this plan, so it is done
    batch_id, plan_hash = planned(sdk, setup)
    netcut.drop_response("POST", "/api/exports/execute", times=100)
    with merchant.client(netcut.url, retry=once) as cut:
        done = cut.exports.execute(batch_id, plan_hash=plan_hash)
    attempts = netcut.seen("POST", "/api/exports/execute")
    assert [a.fate for a in attempts] == ["dropped"] * 3
    assert len({a.header("idempotency-key") for a in attempts}) == 1
    assert [a.response_header("idempotent-replayed") for a in attempts] == [None, "true", "true"]
    assert done.state == "COMPLETED" and done.plan_hash == plan_hash
    assert done.customs_package_id == json.loads(attempts[0].response_body or b"{}")[
        "customs_package_id"]
    assert done.broker_submission.status == "sent"  # as inspect shows it now
    assert len(broker_emails(smtp)) == 1

    # no request ever arrives: inspect shows it PLANNED; the same key may be sent again
    other_id, other_hash = planned(sdk, setup, "ord-ext-1002")
    netcut.refuse("POST", "/api/exports/execute", times=100)
    with merchant.client(netcut.url, retry=once) as cut, pytest.raises(
            ExecuteUnconfirmed) as caught:
        cut.exports.execute(other_id, plan_hash=other_hash)
    unconfirmed = caught.value
    refused = netcut.seen("POST", "/api/exports/execute")[3:]
    assert [r.fate for r in refused] == ["refused"] * 3
    assert unconfirmed.current_state == "PLANNED" and unconfirmed.batch_id == other_id
    assert unconfirmed.idempotency_key == refused[0].header("idempotency-key")
    assert isinstance(unconfirmed.cause, APIConnectionError)
    again = sdk.exports.execute(other_id, plan_hash=other_hash,
                                idempotency_key=unconfirmed.idempotency_key)
    assert again.state == "COMPLETED"
    assert count(db, CustomsPackage) == 2 and len(broker_emails(smtp)) == 2


def test_reads_are_retried_plainly_and_downloads_checked(
        sdk: EntryGo, merchant: Tenant, netcut: NetCut, tmp_path: Any) -> None:
    batch_id, plan_hash = planned(sdk, set_up(sdk))
    done = sdk.exports.execute(batch_id, plan_hash=plan_hash)

    netcut.refuse("GET", f"/api/exports/{batch_id}", times=2)
    with merchant.client(netcut.url) as cut:
        assert cut.exports.inspect(batch_id).state == "COMPLETED"
        reads = netcut.seen("GET", f"/api/exports/{batch_id}")
        assert [r.fate for r in reads] == ["refused", "refused", "relayed"]
        assert all(r.header("idempotency-key") is None for r in reads)

        # bytes damaged on the way are refused, and nothing is written
        path = f"/api/customs-packages/{done.customs_package_id}/artifacts/manifest.json"
        netcut.corrupt("GET", path, times=100)
        folder = tmp_path / "downloads"
        folder.mkdir()
        recorded = next(a.sha256 for a in done.artifacts if a.filename == "manifest.json")
        with pytest.raises(ChecksumMismatch) as caught:
            cut.packages.download(done.customs_package_id, "manifest.json", to=folder)
        assert caught.value.expected == recorded and caught.value.actual != recorded
        assert list(folder.iterdir()) == []
        with pytest.raises(ChecksumMismatch):
            cut.packages.download_bytes(done.customs_package_id, "manifest.json",
                                        sha256=recorded)
        # the same download straight from the server passes the check
        good = sdk.packages.download(done.customs_package_id, "manifest.json", to=folder)
        assert good.name == "manifest.json" and [p.name for p in folder.iterdir()] == [
            "manifest.json"]


def test_rate_limits_are_waited_out_with_the_same_key(http_server: Any, world: Any) -> None:
    base = http_server(ENTRYGO_RATE_LIMIT="3/second")
    merchant = tenant(world, base)
    proxy = NetCut(base)
    proxy.start()
    try:
        # without retries, the limit is an error carrying the server's Retry-After
        with merchant.client(proxy.url, account_id=merchant.account_id,
                             retry=RetryPolicy(max_retries=0)) as impatient, pytest.raises(
                RateLimited) as caught:
            for _ in range(20):
                impatient.account.get()
        assert caught.value.status == 429 and (caught.value.retry_after or 0) >= 1

        # a burst of writes: those the limit refuses wait it out and go through, each once,
        # each with its one key
        with merchant.client(proxy.url, account_id=merchant.account_id,
                             retry=RetryPolicy(max_retries=5)) as patient:
            made = [patient.warehouses.create(name=f"Burst DC {n}", country="CA")
                    for n in range(5)]
            assert {w.id for w in patient.warehouses.list()} == {w.id for w in made}
        attempts: dict[str | None, list[Any]] = {}
        for exchange in proxy.seen("POST", "/api/warehouses"):
            attempts.setdefault(exchange.header("idempotency-key"), []).append(exchange)
        assert len(attempts) == 5
        assert all(tries[-1].status == 201 for tries in attempts.values())
        limited = [tries for tries in attempts.values() if len(tries) > 1]
        assert limited, "the burst never met the limit"
        for tries in limited:
            assert {t.status for t in tries[:-1]} == {429}
            for refused, next_try in pairwise(tries):
                waited = float(refused.response_header("retry-after") or 0)
                assert waited >= 1 and next_try.at - refused.at >= waited - 0.05
    finally:
        proxy.stop()
