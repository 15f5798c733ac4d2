"""Planning: decide, fingerprint, persist once (docs/api/contract.md §5.4); nothing goes out.

A persisted plan supersedes every other PLANNED batch of the account planned over any of the
same orders (included or excluded): one PLANNED plan per order, so a stale plan (often a
BLOCKED one the client fixed and planned again) does not linger as PLANNED and "which plan do
I execute?" has one answer. Executed batches are never touched (their orders are locked to
them; a new plan excludes those as ``ALREADY_EXPORTED``), nor are cancelled or failed ones.

Locking, in this order and only in this order: the account's planning lock
(``repository.lock_account_plans``), then the re-planned batch, then the batches superseded (in
id order); the judgement itself runs before any of them. Execution locks a batch and then its
orders, cancel a batch, order sync orders: none waits for the planning lock, and planning never
waits for an order lock, so no cycle of waits can form. Memberships are written last (their
foreign key checks share-lock the orders).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from entrygo.auth.context import Caller
from entrygo.db.repository import AccountScope
from entrygo.events import service as events
from entrygo.exports import repository as repo
from entrygo.exports.duty_estimate import estimate_document
from entrygo.exports.models import ExportBatch
from entrygo.exports.schemas import PlanRequest, plan_document
from entrygo.exports.snapshot import only_included, plan_hash
from entrygo.exports.states import ENTERED, ExportState, move, require
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import (
    Issue,
    account_scope,
    duplicate_issues,
    not_found,
    validation_error,
)
from entrygo.kit.ids import new_id
from entrygo.readiness import duties, reference
from entrygo.readiness.catalogue import RULES_VERSION
from entrygo.readiness.estimate import estimate
from entrygo.readiness.facts import ConsigneeElsewhere, PlanFacts
from entrygo.readiness.plan import Exclusion, assess
from entrygo.setup.models import Warehouse
from entrygo.setup.repository import BrokerRepository, WarehouseRepository
from entrygo.setup.schemas import Shipment


def _scoped_party(session: Session, caller: Caller, req: PlanRequest) -> Warehouse:
    account = AccountScope(caller.account_id)  # another warehouse of the account: 403, not 404
    warehouse = WarehouseRepository(session, account).get(req.warehouse_id)
    if warehouse is None:
        raise account_scope("warehouseId is not a warehouse of this account.", "warehouseId")
    caller.require_warehouse(warehouse.id)
    if BrokerRepository(session, account).get(req.broker_id) is None:
        raise account_scope("brokerId is not a broker of this account.", "brokerId")
    return warehouse


def shipment_request(shipment: Shipment | None) -> dict[str, Any] | None:
    """The plan request's shipment as stored on the batch: the fields it sends."""
    if shipment is None:
        return None
    return shipment.model_dump(mode="json", by_alias=True, exclude_none=True)


def _check_order_ids(ids: list[str], found: dict[str, Any]) -> None:
    issues = [Issue(f"orderIds.{index}", "No order with this id in the account",
                    "unknown_reference")
              for index, order_id in enumerate(ids) if order_id not in found]
    issues += duplicate_issues(ids, "orderIds.{}", "order id")
    if issues:
        raise validation_error(sorted(issues, key=lambda i: int(i.path.split(".")[1])))


def plan_export(session: Session, caller: Caller, req: PlanRequest,
                request_id: str | None) -> dict[str, Any]:
    if req.destination_country != "US":
        raise validation_error([Issue("destinationCountry", "EntryGo plans imports into the "
                                      "United States: use US", "invalid_value")])
    warehouse = _scoped_party(session, caller, req)
    rows = repo.orders_by_id(session, caller.account_id, req.order_ids)
    _check_order_ids(req.order_ids, rows)
    batch = None
    if req.batch_id is not None:  # checked now, locked (and checked again) to persist
        batch = repo.batch_of_account(session, caller.account_id, req.batch_id)
        if batch is None:
            raise not_found("Export batch")
        caller.require_warehouse(batch.warehouse_id)
        require(batch, ExportState.PLANNED, "be re-planned")

    exclusions: list[Exclusion] = []
    eligible = []
    for row in rows.values():
        if row.destination_country != req.destination_country:
            exclusions.append(Exclusion(row.id, "DESTINATION_MISMATCH"))
        elif row.exported_batch_id is not None:
            exclusions.append(Exclusion(row.id, "ALREADY_EXPORTED"))
        else:
            eligible.append(row)
    orders = repo.order_facts(session, eligible)
    products = repo.product_facts(session, caller.account_id,
                                  {ln.product_id for o in orders for ln in o.lines})
    shipment = shipment_request(req.shipment)
    if req.importer_id is not None and repo.importer_of(
            session, caller.account_id, req.importer_id) is None:
        raise account_scope("importerId is not an importer of record of this account.",
                            "importerId")
    filing = repo.filing_facts(session, caller.account_id, warehouse, req.importer_id, shipment)
    facts = PlanFacts(caller.account_id, warehouse.id, warehouse.country, req.broker_id,
                      req.destination_country, req.exclude_blocked_orders, tuple(orders),
                      products, filing, _same_conveyance(session, caller.account_id, req,
                                                         filing.shipment))
    ref = reference.load()
    assessment = assess(facts, ref)
    exclusions.extend(assessment.exclusions)
    fingerprint = plan_hash(only_included(facts, assessment.included_order_ids), RULES_VERSION,
                            ref.version)
    now = utcnow()
    unit_ids = [new_id("unit") for _ in assessment.units]
    duty_estimate = estimate_document(estimate(facts, assessment.units, ref, duties.load(),
                                               now.date()), unit_ids)
    persisted = not req.dry_run
    batch_id = (batch.id if batch else new_id("batch")) if persisted else None
    doc = plan_document(
        batch_id=batch_id, state=ExportState.PLANNED if persisted else None,
        dry_run=req.dry_run, livemode=warehouse.livemode,
        plan_hash=fingerprint, assessment=assessment, exclusions=exclusions, unit_ids=unit_ids,
        warehouse_id=warehouse.id, broker_id=req.broker_id,
        destination_country=req.destination_country, rules_version=RULES_VERSION,
        reference_version=ref.version, created_at=batch.created_at if batch else now,
        filing=filing, duty_estimate=duty_estimate)
    if not persisted:
        return doc
    columns = {
        "warehouse_id": warehouse.id, "broker_id": req.broker_id,
        "destination_country": req.destination_country, "plan_hash": fingerprint,
        "readiness_state": assessment.readiness_state,
        "exclude_blocked_orders": req.exclude_blocked_orders,
        "order_count": len(assessment.included_order_ids), "rules_version": RULES_VERSION,
        "reference_data_version": ref.version, "plan": doc, "updated_at": now,
        "importer_id": req.importer_id, "shipment": shipment,
    }
    summary = {"planHash": fingerprint, "readinessState": assessment.readiness_state,
               "orderCount": len(assessment.included_order_ids)}
    assert batch_id is not None
    repo.lock_account_plans(session, caller.account_id)
    if batch is not None:
        batch = repo.batch_for_update(session, caller.account_id, batch_id)
        assert batch is not None  # batches are never deleted
        require(batch, ExportState.PLANNED, "be re-planned")  # it may have moved meanwhile
    superseded = _supersede(session, caller.account_id, repo.batches_sharing(
        session, caller.account_id, req.order_ids, state=ExportState.PLANNED,
        other_than=batch_id), batch_id, request_id, now)
    if superseded:
        summary["supersedes"] = superseded
    if batch is None:  # a new batch: its version starts at 1, nothing of it is cached yet
        repo.BatchRepository(session, caller).add(ExportBatch(
            id=batch_id, account_id=caller.account_id, state=ExportState.PLANNED,
            created_at=now, **columns))
        events.record(session, account_id=caller.account_id, batch_id=batch_id,
                      warehouse_id=warehouse.id, request_id=request_id, events=[
                          ("EXPORT_BATCH_CREATED", {"warehouseId": warehouse.id,
                                                    "brokerId": req.broker_id}),
                          ("EXPORT_PLANNED", summary)])
    else:
        move(session, batch, ExportState.PLANNED, wanted="be re-planned",
             request_id=request_id, timeline=[
                 ("EXPORT_REPLANNED", {**summary, "previousPlanHash": batch.plan_hash})],
             **columns)
    repo.set_memberships(session, caller.account_id, batch_id, req.order_ids)
    return doc


def _same_conveyance(session: Session, account_id: str, req: PlanRequest,
                     shipment: dict[str, Any]) -> tuple[ConsigneeElsewhere, ...]:
    """The goods per consignee of the account's other batches on this plan's conveyance: filed
    or to be filed (``ENTERED``), neither the batch re-planned nor the PLANNED ones this plan
    supersedes (a dry run the same, so it hashes as the plan would)."""
    if not (shipment.get("conveyanceReference") and shipment.get("portOfEntry")):
        return ()  # no conveyance named: nothing to compare (and no query)
    replaced = repo.batches_sharing(session, account_id, req.order_ids,
                                    state=ExportState.PLANNED, other_than=req.batch_id or "")
    return repo.same_conveyance(session, account_id, shipment, states=ENTERED,
                                other_than={*replaced, *([req.batch_id] if req.batch_id else [])})


def _supersede(session: Session, account_id: str, shared: dict[str, list[str]], by: str,
               request_id: str | None, now: datetime) -> list[str]:
    """Move the PLANNED batches sharing orders with batch ``by`` to SUPERSEDED (in id order,
    each locked first), and say which moved: one that left PLANNED meanwhile (executed,
    cancelled) is left alone."""
    moved = []
    for old_id, order_ids in shared.items():
        old = repo.batch_of_account(session, account_id, old_id, lock=True, with_plan=False)
        if old is None or old.state != ExportState.PLANNED:
            continue
        move(session, old, ExportState.SUPERSEDED, wanted="be superseded",
             request_id=request_id, timeline=[
                 ("EXPORT_SUPERSEDED", {"supersededBy": by, "orderIds": order_ids})],
             superseded_by=by, updated_at=now)
        moved.append(old_id)
    return moved


def cancel_export(session: Session, caller: Caller, batch_id: str,
                  request_id: str | None) -> ExportBatch:
    batch = repo.batch_for_update(session, caller.account_id, batch_id)
    if batch is None:
        raise not_found("Export batch")
    caller.require_warehouse(batch.warehouse_id)
    move(session, batch, ExportState.CANCELLED, wanted="be cancelled", request_id=request_id,
         timeline=[("EXPORT_CANCELLED", {})], updated_at=utcnow())
    return batch
