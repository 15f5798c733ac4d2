"""The reads planning and inspection need: bulk, account-scoped, a fixed number of queries."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Select, Table, delete, insert, or_, select, update
from sqlalchemy.orm import Session, defer

from entrygo.accounts.models import Account
from entrygo.artifacts.models import Artifact, CustomsPackage
from entrygo.db.database import affected, bulk_insert, chunked
from entrygo.db.repository import Repository
from entrygo.delivery.models import BrokerSubmission, Notification
from entrygo.delivery.ports import MailContext
from entrygo.events.models import ExportEvent
from entrygo.exports.models import ExportBatch, ExportBatchOrder
from entrygo.importers.models import Importer
from entrygo.kit.clock import iso
from entrygo.orders.models import Order, OrderLine
from entrygo.products.models import Product
from entrygo.readiness import reference
from entrygo.readiness.consignee import consignee_of
from entrygo.readiness.facts import (
    ConsigneeElsewhere,
    FilingFacts,
    LineFacts,
    OrderFacts,
    ProductFacts,
)
from entrygo.setup.models import Broker, Warehouse

ORDERS, LINES, PRODUCTS = Order.__table__, OrderLine.__table__, Product.__table__
MEMBERSHIPS = cast(Table, ExportBatchOrder.__table__)


def orders_by_id(session: Session, account_id: str, ids: list[str], *,
                 lock: bool = False) -> dict[str, Any]:
    """Order rows of this account by id (ids of other accounts are simply absent)."""
    found: dict[str, Any] = {}
    for chunk in chunked(ids):
        stmt = select(ORDERS.c.id, ORDERS.c.external_id, ORDERS.c.destination_country,
                      ORDERS.c.destination_region, ORDERS.c.destination_postal_code,
                      ORDERS.c.consignee, ORDERS.c.total_value_usd,
                      ORDERS.c.exported_batch_id, ORDERS.c.ordered_at, ORDERS.c.currency,
                      ORDERS.c.incoterm, ORDERS.c.usd_exchange_rate, ORDERS.c.parcels,
                      ORDERS.c.charges).where(
            ORDERS.c.account_id == account_id, ORDERS.c.id.in_(chunk))
        if lock:  # in id order, as order sync locks them: the two never deadlock
            stmt = stmt.order_by(ORDERS.c.id).with_for_update()
        for row in session.execute(stmt):
            found[row.id] = row
    return found


def order_facts(session: Session, rows: list[Any]) -> list[OrderFacts]:
    """Facts for order rows (from ``orders_by_id``), lines read in bulk."""
    lines: dict[str, list[LineFacts]] = {row.id: [] for row in rows}
    for chunk in chunked(list(lines)):
        for ln in session.execute(
                select(LINES.c.order_id, LINES.c.product_id, LINES.c.quantity,
                       LINES.c.unit_value_usd, LINES.c.line_value_usd)
                .where(LINES.c.order_id.in_(chunk))
                .order_by(LINES.c.order_id, LINES.c.line_index)):
            lines[ln.order_id].append(LineFacts(ln.product_id, ln.quantity, ln.unit_value_usd,
                                                ln.line_value_usd))
    return [OrderFacts(row.id, row.external_id, row.destination_country,
                       row.destination_region, row.destination_postal_code, row.consignee,
                       tuple(lines[row.id]), row.total_value_usd,
                       ordered_at=iso(row.ordered_at), currency=row.currency,
                       incoterm=row.incoterm, usd_exchange_rate=row.usd_exchange_rate,
                       parcels=tuple(row.parcels or ()), charges=row.charges)
            for row in sorted(rows, key=lambda r: r.id)]


def filing_facts(session: Session, account_id: str, warehouse: Warehouse,
                 importer_id: str | None, shipment: dict[str, Any] | None) -> FilingFacts:
    """The filing data a plan decides on: the importer it names (else the account's default;
    None when neither exists), the account as seller, the shipment it asks for with the
    warehouse's default shipment filling each field it leaves out, and the readiness policy."""
    account = session.get_one(Account, account_id)
    wanted = importer_id or account.default_importer_id
    importer = None if wanted is None else importer_of(session, account_id, wanted)
    return FilingFacts(
        importer=None if importer is None else importer_document(importer),
        seller={"name": account.legal_name or account.name, "address": account.address},
        shipment=merged_shipment(warehouse.default_shipment, shipment),
        policy=account.readiness_policy)


def importer_of(session: Session, account_id: str, importer_id: str) -> Importer | None:
    return session.scalars(select(Importer).where(
        Importer.id == importer_id, Importer.account_id == account_id)).one_or_none()


def importer_document(importer: Importer) -> dict[str, Any]:
    """An importer of record as plans, snapshots and artifacts carry it."""
    return {"id": importer.id, "name": importer.name, "number": importer.number,
            "address": importer.address, "bond": importer.bond}


def merged_shipment(default: dict[str, Any] | None,
                    asked: dict[str, Any] | None) -> dict[str, Any]:
    """The plan's shipment: each field it sends, else the warehouse default's (``carrier``
    field by field too); fields neither has are left out."""
    merged = _present(default)
    for key, value in _present(asked).items():
        merged[key] = {**merged.get(key, {}), **value} if key == "carrier" else value
    if not merged.get("carrier"):
        merged.pop("carrier", None)
    return merged


def _present(shipment: dict[str, Any] | None) -> dict[str, Any]:
    """A shipment without its unset fields (a stored one has every key, null when unset)."""
    out: dict[str, Any] = {}
    for key, value in (shipment or {}).items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v is not None} or None
        if value is not None:
            out[key] = value
    return out


def product_facts(session: Session, account_id: str, ids: set[str]) -> dict[str, ProductFacts]:
    out: dict[str, ProductFacts] = {}
    for chunk in chunked(sorted(ids)):
        for p in session.execute(select(
                PRODUCTS.c.id, PRODUCTS.c.title, PRODUCTS.c.customs_description,
                PRODUCTS.c.hts_code, PRODUCTS.c.country_of_origin, PRODUCTS.c.mid,
                PRODUCTS.c.net_weight_kg, PRODUCTS.c.reference_value_usd,
                PRODUCTS.c.excise_category, PRODUCTS.c.manufacturer, PRODUCTS.c.materials,
                PRODUCTS.c.metal_content, PRODUCTS.c.pga, PRODUCTS.c.battery,
                PRODUCTS.c.measures, PRODUCTS.c.preference_claim, PRODUCTS.c.external_id,
        ).where(PRODUCTS.c.account_id == account_id, PRODUCTS.c.id.in_(chunk))):
            out[p.id] = ProductFacts(
                id=p.id, title=p.title, customs_description=p.customs_description,
                hts_code=p.hts_code, country_of_origin=p.country_of_origin, mid=p.mid,
                net_weight_kg=p.net_weight_kg, reference_value_usd=p.reference_value_usd,
                excise_category=p.excise_category, manufacturer=p.manufacturer,
                materials=p.materials, metal_content=p.metal_content, pga=p.pga,
                battery=p.battery, measures=p.measures,
                preference_claim=p.preference_claim, external_id=p.external_id)
    return out


# What a batch or package the caller may see (``BatchRepository``, ``PackageRepository``)
# is made of: read by the parent's id, so they need no scope of their own.

def package_of_batch(session: Session, batch_id: str) -> CustomsPackage | None:
    return session.scalars(select(CustomsPackage).where(
        CustomsPackage.batch_id == batch_id)).one_or_none()


def artifacts_of(session: Session, package_id: str) -> list[Artifact]:
    return list(session.scalars(select(Artifact).where(Artifact.package_id == package_id)
                                .order_by(Artifact.position)))


def submission_of(session: Session, package_id: str) -> BrokerSubmission | None:
    return session.scalars(select(BrokerSubmission).where(
        BrokerSubmission.package_id == package_id)).one_or_none()


def notifications_of(session: Session, batch_id: str) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.batch_id == batch_id)
                                .order_by(Notification.id)))


def events_of(session: Session, batch_id: str) -> list[ExportEvent]:
    return list(session.scalars(select(ExportEvent).where(ExportEvent.batch_id == batch_id)
                                .order_by(ExportEvent.id)))


def batch_of_account(session: Session, account_id: str, batch_id: str, *,
                     lock: bool = False, with_plan: bool = True) -> ExportBatch | None:
    """A batch of the account, whatever its warehouse (the caller tells 403 from 404). With
    ``lock``, the row is locked and the object re-read from it (what the row says now, even if
    the session had loaded it before); without ``with_plan`` its stored plan (the large part)
    is read only if it is used."""
    stmt = select(ExportBatch).where(ExportBatch.id == batch_id,
                                     ExportBatch.account_id == account_id)
    if not with_plan:
        stmt = stmt.options(defer(ExportBatch.plan))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).one_or_none()


def batch_for_update(session: Session, account_id: str, batch_id: str) -> ExportBatch | None:
    return batch_of_account(session, account_id, batch_id, lock=True)


def lock_account_plans(session: Session, account_id: str) -> None:
    """Take the account's planning lock, held to the end of the transaction: persisted plans of
    one account run their superseding and membership writes one at a time.

    It is the account row locked ``FOR NO KEY UPDATE`` on PostgreSQL, which the foreign-key
    checks of every other write of the account (``FOR KEY SHARE``) pass through, so it blocks
    nothing but another plan's. Planning takes it before any batch lock; execution, cancel
    and order sync never take it, so no cycle of waits can form. On SQLite write transactions
    already run one at a time (``BEGIN IMMEDIATE``) and the clause is left out."""
    session.execute(select(Account.id).where(Account.id == account_id)
                    .with_for_update(key_share=True))


def batches_sharing(session: Session, account_id: str, order_ids: list[str], *, state: str,
                    other_than: str) -> dict[str, list[str]]:
    """The account's batches in ``state`` (other than ``other_than``) planned over any of
    these orders, by batch id, with the orders they share (sorted). Through the membership
    index by order id: no stored plan is read."""
    shared: dict[str, set[str]] = {}
    for chunk in chunked(sorted(set(order_ids))):
        for row in session.execute(
                select(MEMBERSHIPS.c.batch_id, MEMBERSHIPS.c.order_id)
                .join(ExportBatch, ExportBatch.id == MEMBERSHIPS.c.batch_id)
                .where(MEMBERSHIPS.c.account_id == account_id,
                       MEMBERSHIPS.c.order_id.in_(chunk), ExportBatch.state == state,
                       MEMBERSHIPS.c.batch_id != other_than)):
            shared.setdefault(row.batch_id, set()).add(row.order_id)
    return {batch_id: sorted(orders) for batch_id, orders in sorted(shared.items())}


def same_conveyance(session: Session, account_id: str, shipment: Mapping[str, Any], *,
                    states: Collection[str], other_than: Collection[str]
                    ) -> tuple[ConsigneeElsewhere, ...]:
    """The goods per consignee (normalised key, value of the included orders) of the account's
    batches in ``states``, other than ``other_than``, that the plan of ``shipment`` shares a
    conveyance with: the same ``conveyanceReference`` and ``portOfEntry`` in their stored
    plan's shipment (after the warehouse's defaults) and, when both give one, the same
    ``estimatedArrival`` (a flight number comes back every day). None without a conveyance
    reference and a port: nothing says which conveyance the goods are on.

    The request's own shipment (a small column) is compared first: a batch that sent another
    conveyance reference has that one, whatever the warehouse's default, and its stored plan
    (the large part) need not be read."""
    conveyance, port = shipment.get("conveyanceReference"), shipment.get("portOfEntry")
    if not conveyance or not port:
        return ()
    asked = ExportBatch.shipment["conveyanceReference"].as_string()
    stmt = select(ExportBatch.id, ExportBatch.plan["included_order_ids"].label("included"),
                  ExportBatch.plan[("shipment", "estimatedArrival")].as_string()
                  .label("arrival")).where(
        ExportBatch.account_id == account_id, ExportBatch.state.in_(sorted(states)),
        or_(asked == conveyance, asked.is_(None)),
        ExportBatch.plan[("shipment", "conveyanceReference")].as_string() == conveyance,
        ExportBatch.plan[("shipment", "portOfEntry")].as_string() == port)
    if other_than:
        stmt = stmt.where(ExportBatch.id.not_in(sorted(other_than)))
    arrival = shipment.get("estimatedArrival")
    batches = {row.id: list(row.included or ()) for row in session.execute(stmt)
               if not (arrival and row.arrival and row.arrival != arrival)}
    rows = orders_by_id(session, account_id, sorted({o for ids in batches.values() for o in ids}))
    shares: dict[tuple[str, str], Decimal] = {}
    for batch_id, order_ids in batches.items():
        for row in (rows[o] for o in order_ids if o in rows):
            key = consignee_of(row.consignee, row.destination_region,
                               row.destination_postal_code, row.destination_country).key
            if key:  # an order without a consignee name is an entry of its own
                shares[batch_id, key] = shares.get((batch_id, key), Decimal(0)) + \
                    row.total_value_usd
    return tuple(ConsigneeElsewhere(batch_id, key, value)
                 for (batch_id, key), value in sorted(shares.items()))


def set_memberships(session: Session, account_id: str, batch_id: str,
                    order_ids: list[str]) -> None:
    """The orders this batch is now planned over, replacing what a previous plan of it said
    (only the difference is written: a re-plan of the same orders writes nothing)."""
    wanted = set(order_ids)
    stored = set(session.scalars(select(MEMBERSHIPS.c.order_id).where(
        MEMBERSHIPS.c.batch_id == batch_id)))
    gone = sorted(stored - wanted)
    for chunk in chunked(gone):
        session.execute(delete(MEMBERSHIPS).where(MEMBERSHIPS.c.batch_id == batch_id,
                                                  MEMBERSHIPS.c.order_id.in_(chunk)))
    bulk_insert(session, MEMBERSHIPS, [
        {"batch_id": batch_id, "order_id": order_id, "account_id": account_id}
        for order_id in sorted(wanted - stored)])


def move_state(session: Session, batch_id: str, current: str, to: str, **values: Any) -> bool:
    """The conditional UPDATE of a state move (``exports.states.move``): whether it happened
    (another transaction may have moved the batch first)."""
    return affected(session, update(ExportBatch).where(
        ExportBatch.id == batch_id, ExportBatch.state == current).values(
        state=to, **values)) == 1


def touch(session: Session, batch_id: str) -> None:
    """Note that what inspect shows of this batch changed (its cached rendering is stale)."""
    session.execute(update(ExportBatch).where(ExportBatch.id == batch_id).values(
        version=ExportBatch.version + 1))


class ExportsForDelivery:
    """Delivery's view of export batches (``delivery.ports.Batches``)."""

    def mail_context(self, session: Session, batch_id: str) -> MailContext:
        batch = session.get(ExportBatch, batch_id)
        assert batch is not None
        warehouse = session.get(Warehouse, batch.warehouse_id)
        broker = session.get(Broker, batch.broker_id)
        assert warehouse is not None and broker is not None
        summary = batch.summary
        # The importer and shipment as the plan judged them: the stored plan's, not today's
        # warehouse default or importer row, so a resend says what the first send said.
        importer, shipment = summary.importer, summary.shipment
        carrier = shipment.get("carrier") or {}
        port_code = shipment.get("portOfEntry")
        port = reference.load().ports.get(port_code) if port_code else None
        # the review execute recorded: one indexed read of the batch's EXPORT_EXECUTED event
        review = session.scalars(select(ExportEvent.data).where(
            ExportEvent.batch_id == batch_id, ExportEvent.type == "EXPORT_EXECUTED")
        ).first() or {}
        return MailContext(
            batch_id=batch.id, executed_at=batch.executed_at,
            destination_country=batch.destination_country,
            readiness_state=batch.readiness_state, plan_hash=batch.plan_hash,
            ship_from_name=warehouse.name, ship_from_country=warehouse.country,
            broker_name=broker.name, broker_email=broker.email,
            order_count=summary.order_count, line_count=summary.line_count,
            value_usd=summary.value_usd, units=len(summary.units),
            formal_units=summary.formal_units, flags=summary.flags,
            importer_name=importer.get("name"), port_of_entry=port_code,
            port_name=port.name if port else None,
            mode_of_transport=shipment.get("modeOfTransport"),
            carrier_scac=carrier.get("scac"), carrier_iata_code=carrier.get("iataCode"),
            carrier_name=carrier.get("name"),
            conveyance_reference=shipment.get("conveyanceReference"),
            master_bill=shipment.get("masterBill"),
            estimated_arrival=shipment.get("estimatedArrival"),
            reviewed_by=review.get("reviewedBy"),
            acknowledged_codes=tuple(review.get("acknowledgedCodes") or ()))

    def changed(self, session: Session, batch_id: str) -> None:
        touch(session, batch_id)

    def warehouse_of(self, session: Session, batch_id: str) -> str:
        return session.get_one(ExportBatch, batch_id).warehouse_id


class BatchRepository(Repository[ExportBatch]):
    model = ExportBatch
    what = "Export batch"

    def version_of(self, batch_id: str) -> int | None:
        """The batch's version (inspect's cache key) without loading the batch, or None."""
        stmt = self.readable().with_only_columns(ExportBatch.version).where(
            ExportBatch.id == batch_id)
        return self.session.scalars(stmt).one_or_none()

    def restrict(self, stmt: Select[Any]) -> Select[Any]:
        if self.scope.warehouse_id is not None:  # a warehouse-scoped key: its batches only
            stmt = stmt.where(ExportBatch.warehouse_id == self.scope.warehouse_id)
        return stmt


class PackageRepository(Repository[CustomsPackage]):
    model = CustomsPackage
    what = "Customs package"

    def restrict(self, stmt: Select[Any]) -> Select[Any]:
        if self.scope.warehouse_id is not None:  # through the batch that made it
            stmt = stmt.join(ExportBatch, ExportBatch.id == CustomsPackage.batch_id).where(
                ExportBatch.warehouse_id == self.scope.warehouse_id)
        return stmt


def artifact_named(session: Session, package_id: str, filename: str) -> Artifact | None:
    """One artifact of a package the caller was allowed to see (``PackageRepository``)."""
    return session.scalars(select(Artifact).where(
        Artifact.package_id == package_id, Artifact.filename == filename)).one_or_none()


def parties_of(session: Session, batch: ExportBatch) -> tuple[Account, Warehouse, Broker]:
    """The seller's account, the ship-from warehouse and the broker of a batch."""
    return (session.get_one(Account, batch.account_id),
            session.get_one(Warehouse, batch.warehouse_id),
            session.get_one(Broker, batch.broker_id))


def lock_orders_to(session: Session, batch_id: str, order_ids: list[str]) -> int:
    """Mark orders as exported by this batch, those not yet in one; how many were."""
    return affected(session, update(Order).where(
        Order.id.in_(order_ids), Order.exported_batch_id.is_(None)).values(
        exported_batch_id=batch_id))


def add_package(session: Session, rows: list[Any], artifact_rows: list[dict[str, Any]]) -> None:
    """What execution produced: the package, its submission and notification (``rows``, the
    package first) and its artifacts (bulk)."""
    session.add(rows[0])
    session.flush()  # the package exists before anything refers to it
    session.execute(insert(Artifact), artifact_rows)
    session.add_all(rows[1:])
    session.flush()


def submission_of_batch(session: Session, batch_id: str) -> BrokerSubmission | None:
    return session.scalars(select(BrokerSubmission).where(
        BrokerSubmission.batch_id == batch_id)).one_or_none()
