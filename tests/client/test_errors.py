"""Every error a live server answers arrives as its own exception class, with the envelope's
``field``, ``details`` and ``requestId``; a request the server's model would refuse is refused
before it is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from entrygo.client import (
    ERRORS_BY_CODE,
    EntryGo,
    EntryGoError,
    ExportBlocked,
    IdempotencyConflict,
    InvalidAccountScope,
    InvalidApiKey,
    InvalidExportState,
    NotFound,
    PlanHashMismatch,
    PlanStale,
    RetryPolicy,
    TariffLineNotFound,
    ValidationFailed,
    error_class,
)
from entrygo.client.errors import error_from_response
from entrygo.contract.openapi import ALL_CODES
from tests.support.netcut import NetCut
from tests.support.sdk import Tenant, guide_order, set_up

E = TypeVar("E", bound=EntryGoError)


def raised(kind: type[E], call: Callable[[], Any]) -> E:
    with pytest.raises(kind) as caught:
        call()
    return caught.value


def test_server_errors_are_typed_with_their_envelope(sdk: EntryGo, merchant: Tenant) -> None:
    setup = set_up(sdk)

    # 400 VALIDATION_ERROR from the server (a reference only it can check): every issue
    bad = raised(ValidationFailed, lambda: sdk.orders.sync(
        [guide_order("prod_01kz000000000000000000000")]))
    assert (bad.status, bad.code) == (400, "VALIDATION_ERROR")
    assert bad.field == "items.0.items.0.productId"
    assert [(i.path, i.code) for i in bad.issues] == [
        ("items.0.items.0.productId", "unknown_reference")]
    assert bad.details["issues"][0]["code"] == "unknown_reference"
    assert bad.request_id is not None and bad.request_id.startswith("req_")

    # the request id is the one the client sent, when it sends one
    with merchant.client(headers={"x-request-id": "sdk-test:42"}) as traced:
        missing = raised(NotFound, lambda: traced.exports.inspect("batch_nope"))
    assert (missing.status, missing.code, missing.request_id) == (404, "NOT_FOUND",
                                                                  "sdk-test:42")
    assert "sdk-test:42" in str(missing)

    order = sdk.orders.sync([guide_order(setup.product_id)])[0]
    plan = sdk.exports.plan(warehouse_id=setup.warehouse_id, broker_id=setup.broker_id,
                            order_ids=[order.id])

    # 409 PLAN_HASH_MISMATCH: field and both hashes
    other = "planhash_" + "0" * 64
    mismatch = raised(PlanHashMismatch, lambda: sdk.exports.execute(plan.export_id,
                                                                    plan_hash=other))
    assert mismatch.field == "planHash" and mismatch.provided_plan_hash == other
    assert mismatch.stored_plan_hash == plan.plan_hash

    # 409 IDEMPOTENCY_CONFLICT: one key, two different requests
    sdk.orders.sync([guide_order(setup.product_id, "ord-2")], idempotency_key="k-1")
    conflict = raised(IdempotencyConflict, lambda: sdk.orders.sync(
        [guide_order(setup.product_id, "ord-3")], idempotency_key="k-1"))
    assert conflict.field == "idempotencyKey" and conflict.status == 409

    # 409 PLAN_STALE: the order changed after planning
    sdk.orders.sync([guide_order(setup.product_id, items=[
        {"productId": setup.product_id, "quantity": 3, "unitValueUsd": 110}])])
    stale = raised(PlanStale, lambda: sdk.exports.execute(plan.export_id,
                                                          plan_hash=plan.plan_hash))
    assert stale.stored_plan_hash == plan.plan_hash
    assert stale.current_plan_hash not in (None, plan.plan_hash)

    # 409 INVALID_EXPORT_STATE: a cancelled batch, with its current state
    assert sdk.exports.cancel(plan.export_id).state == "CANCELLED"
    state = raised(InvalidExportState, lambda: sdk.exports.execute(plan.export_id))
    assert state.current_state == "CANCELLED" and state.details == {"currentState": "CANCELLED"}

    # 409 EXPORT_BLOCKED: what blocks it
    blocked_order = sdk.orders.sync([guide_order(setup.product_id, "ord-blocked",
                                                 destinationRegion=None)])[0]
    blocked = sdk.exports.plan(warehouse_id=setup.warehouse_id, broker_id=setup.broker_id,
                               order_ids=[blocked_order.id])
    assert blocked.readiness_state == "BLOCKED"
    refused = raised(ExportBlocked, lambda: sdk.exports.execute(blocked.export_id))
    assert set(refused.blocking_codes) == {
        m.code for m in blocked.validation_messages if m.severity == "blocking"} != set()

    # 403 INVALID_ACCOUNT_SCOPE: a body naming another account
    scope = raised(InvalidAccountScope, lambda: sdk.warehouses.create(
        account_id="acc_01kz000000000000000000000", name="Elsewhere", country="CA"))
    assert scope.field == "accountId"

    # 404 TARIFF_LINE_NOT_FOUND is a NotFound, with the nearest lines
    line = raised(TariffLineNotFound, lambda: sdk.tariff.line("9617.00.99.00"))
    assert isinstance(line, NotFound)
    assert [s.dotted for s in line.suggestions][:2] == ["9617.00.60.00", "9617.00.40.00"]

    # 401 INVALID_API_KEY, never retried
    with EntryGo(merchant.base_url, "shpbndl_live_" + "x" * 40) as stranger:
        denied = raised(InvalidApiKey, stranger.account.get)
    assert denied.status == 401 and denied.request_id


def test_a_request_the_model_refuses_never_leaves() -> None:
    """Checked with the server's own request models: no server is needed to refuse it."""
    proxy = NetCut("http://127.0.0.1:9")  # anything sent would be recorded here
    proxy.start()
    try:
        with EntryGo(proxy.url, "shpbndl_live_" + "x" * 40, account_id="acc_1") as sdk:
            bad = raised(ValidationFailed, lambda: sdk.orders.sync([{
                "externalId": "o-1", "destinationCountry": "XX",
                "items": [{"productId": "prod_1", "quantity": 1.5, "unitValueUsd": "110"}]}]))
            assert bad.request_id is None and bad.status == 400
            assert [(i.path, i.code) for i in bad.issues] == [
                ("items.0.destinationCountry", "invalid_value"),
                ("items.0.items.0.quantity", "invalid_type"),
                ("items.0.items.0.unitValueUsd", "invalid_type")]
            key = raised(ValidationFailed, lambda: sdk.orders.sync([guide_order("prod_1")],
                                                                   idempotency_key=" x"))
            assert key.field == "idempotencyKey"
            assert raised(ValidationFailed, lambda: sdk.exports.plan(
                warehouse_id="wh_1", broker_id="br_1", order_ids=[])).field == "orderIds"
        assert proxy.exchanges == []  # nothing was sent
    finally:
        proxy.stop()


def test_every_contract_code_has_its_class() -> None:
    assert set(ALL_CODES) <= set(ERRORS_BY_CODE)
    for code in ALL_CODES:
        kind = error_class(code)
        assert kind is not EntryGoError and kind.error_code == code
    # a code this version does not know is the base class, its code kept
    unknown = error_from_response(
        409, b'{"errorCode":"SOMETHING_NEW","message":"m","requestId":"req_1","field":"f",'
             b'"details":{"a":1}}', {"x-request-id": "req_1"})
    assert type(unknown) is EntryGoError
    assert (unknown.status, unknown.code, unknown.field, unknown.details, unknown.request_id
            ) == (409, "SOMETHING_NEW", "f", {"a": 1}, "req_1")
    # a body that is not the envelope (a proxy's page) keeps its status
    page = error_from_response(502, b"<html>Bad gateway</html>", {})
    assert type(page) is EntryGoError and page.status == 502 and page.code is None
    assert error_class("RATE_LIMITED")("m", headers={"Retry-After": "3"}).retry_after == 3.0


def test_retry_policy_bounds_its_waits() -> None:
    policy = RetryPolicy(max_retries=5, initial_delay=0.5, max_delay=4.0, max_retry_after=30)
    for retry, ceiling in enumerate([0.5, 1.0, 2.0, 4.0, 4.0, 4.0]):
        waits = [policy.delay(retry) for _ in range(50)]
        assert all(w is not None and ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1  # jittered
    assert policy.delay(0, retry_after=7) == 7  # the server's wait, exactly
    assert policy.delay(0, retry_after=31) is None  # longer than the policy waits: raise
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
