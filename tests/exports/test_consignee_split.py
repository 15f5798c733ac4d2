"""One entry per consignee per conveyance (19 CFR 141.51), over the API on both backends: the plan
groups one consignee's orders however the address is spelled and shows the normalised
consignee; a consignee whose goods another PLANNED or executed batch of the conveyance carries
gets CONSIGNEE_SPLIT_ACROSS_BATCHES, and planHash follows those other batches."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from entrygo.exports.snapshot import only_included, plan_hash
from entrygo.readiness.consignee import consignee_key
from entrygo.readiness.facts import ConsigneeElsewhere, LineFacts, OrderFacts, PlanFacts
from tests.support import CONSIGNEE, Flow, check, error, execute

TRIP = {"conveyanceReference": "TRIP-0042"}
"""The test tenant's warehouse ships by truck via port 0901: a trip names the conveyance."""


@pytest.fixture
def flow(api):
    return Flow(api)


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def jane(flow, external_id, value, address1="1 Market St", **extra):
    return flow.order(external_id, flow.notebook, value=value,
                      consignee={**CONSIGNEE, "address1": address1}, **extra)


def splits(plan):
    return [m for m in plan["validationMessages"]
            if m["code"] == "CONSIGNEE_SPLIT_ACROSS_BATCHES"]


def test_one_consignee_however_spelled_is_one_formal_unit_shown_normalised(flow, spec):
    ids = [jane(flow, "o-1", 359), jane(flow, "o-2", 2250, "1 Market St."),
           jane(flow, "o-3", 100, "1 MARKET STREET", destinationPostalCode="94105-1420")]
    plan = flow.plan(ids).json()
    check(spec, "post", "/api/exports/plan", 200, plan)
    (unit,) = plan["strategy"]["exportUnits"]
    assert (sorted(unit["orderIds"]), unit["valueUsd"], unit["entryType"]) == (
        sorted(ids), 2709, "01")
    assert unit["consignee"] == {"name": "JANE DOE", "address1": "1 MARKET ST",
                                 "address2": None, "city": "SAN FRANCISCO", "region": "CA",
                                 "postalCode": "94105"}
    assert "FORMAL_ENTRY_REQUIRED" in {m["code"] for m in plan["validationMessages"]}
    assert plan["totals"]["unitCount"] == 1
    inspected = flow.api.get(f"/api/exports/{plan['exportId']}").json()
    assert inspected["strategy"] == plan["strategy"]
    check(spec, "get", "/api/exports/{batch_id}", 200, inspected)


def test_a_consignee_split_over_two_batches_of_one_conveyance_is_a_warning(flow, spec):
    first = flow.plan([jane(flow, "o-1", 359)], shipment=TRIP).json()
    assert splits(first) == []
    order = jane(flow, "o-2", 2250, "1 MARKET STREET")
    second = flow.plan([order], shipment=TRIP).json()
    check(spec, "post", "/api/exports/plan", 200, second)
    (m,) = splits(second)
    (unit,) = second["strategy"]["exportUnits"]
    assert (m["severity"], m["scope"], m["exportUnitId"], m["orderIds"]) == (
        "warning", "batch", unit["id"], [order])
    assert first["exportId"] in m["message"] and "2,609.00 USD together" in m["message"]
    assert "Type 01 formal entry" in m["message"]
    assert m["reference"].startswith("19 CFR 141.51")
    assert second["readinessState"] == "REVIEW_REQUIRED"
    # a dry run of the same orders judges (and hashes) as the plan did
    dry = flow.plan([order], shipment=TRIP, dryRun=True).json()
    assert [d["message"] for d in splits(dry)] == [m["message"]]
    assert dry["planHash"] == second["planHash"]


def test_near_misses_another_trip_port_or_day_or_consignee(flow):
    flow.plan([jane(flow, "o-1", 359)], shipment={**TRIP, "estimatedArrival": "2026-12-01"})
    order = jane(flow, "o-2", 2250)
    other = flow.order("o-3", flow.notebook, value=500,
                       consignee={**CONSIGNEE, "name": "John Roe"})
    for shipment in ({"conveyanceReference": "TRIP-0043"},
                     {**TRIP, "portOfEntry": "3004"},
                     {**TRIP, "estimatedArrival": "2026-12-02"},
                     {}):  # no conveyance named: nothing to compare
        assert splits(flow.plan([order], shipment=shipment, dryRun=True).json()) == [], shipment
    assert splits(flow.plan([order], shipment=TRIP, dryRun=True).json())  # the hit itself
    assert splits(flow.plan([other], shipment=TRIP, dryRun=True).json()) == []


def test_cancelled_or_superseded_batches_split_nothing(flow):
    cancelled = flow.plan([jane(flow, "o-1", 359)], shipment=TRIP).json()["exportId"]
    assert flow.api.post(f"/api/exports/{cancelled}/cancel").status_code == 200
    moved = jane(flow, "o-2", 400)
    old = flow.plan([moved], shipment=TRIP).json()["exportId"]
    # its order planned again on another trip: the old batch is superseded, off this trip
    flow.plan([moved], shipment={"conveyanceReference": "TRIP-0099"})
    assert flow.api.get(f"/api/exports/{old}").json()["state"] == "SUPERSEDED"
    assert splits(flow.plan([jane(flow, "o-3", 2250)], shipment=TRIP, dryRun=True).json()) == []
    # re-planning a batch neither splits it from itself nor from the batch it supersedes
    batch = flow.plan([jane(flow, "o-4", 10)], shipment=TRIP).json()["exportId"]
    again = flow.plan([jane(flow, "o-4", 10)], shipment=TRIP, batchId=batch).json()
    newer = flow.plan([jane(flow, "o-4", 10)], shipment=TRIP).json()
    assert splits(again) == splits(newer) == []


def test_plan_hash_follows_the_other_batches_and_execution_keeps_it(flow):
    """A plan made before the split goes stale when another batch splits its consignee (its
    findings would change), and keeps its hash once re-planned; executing one batch does not
    make the other stale; executed batches count; cancelling one makes the others stale."""
    a = flow.plan([jane(flow, "o-1", 359)], shipment=TRIP).json()
    b = flow.plan([jane(flow, "o-2", 2250, "1 Market Street")], shipment=TRIP).json()
    assert splits(b) and not splits(a)
    error(execute(flow.api, a["exportId"]), 409, "PLAN_STALE")
    a = flow.plan(a["included_order_ids"], shipment=TRIP, batchId=a["exportId"]).json()
    assert b["exportId"] in splits(a)[0]["message"]
    for batch in (a, b):  # neither execution makes the other's plan stale
        r = execute(flow.api, batch["exportId"])
        assert r.status_code == 200, r.text

    def named(plan):
        (m,) = splits(plan)
        return {word for word in m["message"].replace(",", " ").replace(":", " ").split()
                if word.startswith("batch_")}

    c = flow.plan([jane(flow, "o-3", 20)], shipment=TRIP).json()
    assert named(c) == {a["exportId"], b["exportId"]}  # executed batches count
    d = flow.plan([jane(flow, "o-4", 20)], shipment=TRIP).json()
    assert named(d) == {a["exportId"], b["exportId"], c["exportId"]}
    assert flow.api.post(f"/api/exports/{c['exportId']}/cancel").status_code == 200
    error(execute(flow.api, d["exportId"]), 409, "PLAN_STALE")
    d = flow.plan(d["included_order_ids"], shipment=TRIP, batchId=d["exportId"]).json()
    assert named(d) == {a["exportId"], b["exportId"]}
    assert execute(flow.api, d["exportId"]).status_code == 200


def test_plan_hash_takes_the_other_batches_goods_of_its_own_consignees_only():
    """Pure: another consignee's goods on the conveyance, or those of an order the plan left
    out, judge nothing here and leave the hash as it was without them."""
    def order(oid, name):
        return OrderFacts(oid, oid, "US", "CA", "94105", {**CONSIGNEE, "name": name},
                          (LineFacts("prod_1", 1, Decimal(20), Decimal(20)),), Decimal(20))

    jane, john = order("ord_1", "Jane Doe"), order("ord_2", "John Roe")
    facts = PlanFacts("acc_1", "wh_1", "CA", "br_1", "US", False, (jane, john), {})

    def hashed(*elsewhere, included=("ord_1", "ord_2")):
        return plan_hash(only_included(replace(facts, same_conveyance=elsewhere), included),
                         "rules", "data")

    base = hashed()
    theirs = ConsigneeElsewhere("batch_b", consignee_key(john), Decimal(300))
    ours = ConsigneeElsewhere("batch_b", consignee_key(jane), Decimal(300))
    stranger = ConsigneeElsewhere("batch_b", "SOMEONE ELSE|1 ELM ST|10001", Decimal(300))
    assert hashed(stranger) == base
    assert hashed(ours) != base and hashed(theirs) != base and hashed(ours) != hashed(theirs)
    assert hashed(replace(ours, value_usd=Decimal(301))) != hashed(ours)
    assert hashed(replace(ours, batch_id="batch_c")) != hashed(ours)
    # John left out of the plan: his goods elsewhere take no part
    assert hashed(theirs, included=("ord_1",)) == hashed(included=("ord_1",))
