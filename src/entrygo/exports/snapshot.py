"""The planning snapshot and its fingerprint, ``planHash`` (docs/api/contract.md §5.4).

A pure function of what the plan decided on: account, warehouse, broker, destination, options,
the filing data (importer of record, seller, shipment after the warehouse's defaults, readiness
policy), the included orders (sorted) with their lines, parcels, charges and terms of sale, the
customs fields of every product they reference, and the rules and reference-data versions. No
ids made by the call, no clock, no row order: the same inputs give the same hash on SQLite and
PostgreSQL, in any process.

And the goods of other batches on the same conveyance for the consignees of the included orders
(``PlanFacts.same_conveyance``), because they change the findings
(``CONSIGNEE_SPLIT_ACROSS_BATCHES``): a plan that did not warn about a split must go stale when
another batch makes one, and one that did must go stale when that batch is cancelled. Only
batch ids, consignee keys and values take part, never the other batch's state or planHash, so
executing or re-planning the other batch over the same orders leaves this plan as it was; the
plan service never counts the batch itself, nor a cancelled, failed or superseded one, nor
those the plan itself supersedes. Left out when there are none, so every other plan hashes as
before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from entrygo.kit.money import plain
from entrygo.readiness.consignee import consignee_key
from entrygo.readiness.facts import FilingFacts, OrderFacts, PlanFacts, ProductFacts

SNAPSHOT_FORMAT = 2


def _num(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


def _order(o: OrderFacts) -> list[Any]:
    return [o.id, o.external_id, o.destination_country, o.destination_region,
            o.destination_postal_code, o.consignee,
            [[ln.product_id, ln.quantity, plain(ln.unit_value_usd)] for ln in o.lines],
            o.ordered_at, o.currency, o.incoterm, o.usd_exchange_rate, list(o.parcels),
            o.charges]


def _filing(f: FilingFacts | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"importer": f.importer, "seller": f.seller, "shipment": f.shipment,
            "policy": f.policy}


def _product(p: ProductFacts) -> list[Any]:
    fields = [p.id, p.title, p.customs_description, p.hts_code, p.country_of_origin, p.mid,
              _num(p.net_weight_kg), _num(p.reference_value_usd), p.excise_category,
              p.manufacturer, p.materials, p.metal_content, p.pga, p.battery]
    if p.measures is not None or p.preference_claim is not None:  # else as before they were
        fields += [p.measures, p.preference_claim]
    return fields


def _same_conveyance(facts: PlanFacts) -> list[list[str]]:
    """The other batches' goods for the consignees of these orders (the rest judge nothing)."""
    if not facts.same_conveyance:
        return []
    keys = {consignee_key(o) for o in facts.orders}
    return sorted([s.batch_id, s.consignee_key, plain(s.value_usd)]
                  for s in facts.same_conveyance if s.consignee_key in keys)


def only_included(facts: PlanFacts, order_ids: tuple[str, ...]) -> PlanFacts:
    """The facts restricted to the orders a plan included (and the products they reference)."""
    keep = set(order_ids)
    orders = tuple(o for o in facts.orders if o.id in keep)
    used = {ln.product_id for o in orders for ln in o.lines}
    return replace(facts, orders=orders,
                   products={pid: p for pid, p in facts.products.items() if pid in used})


def canonical(facts: PlanFacts, rules_version: str, reference_version: str) -> bytes:
    doc = {
        "format": SNAPSHOT_FORMAT,
        "account": facts.account_id,
        "warehouse": [facts.warehouse_id, facts.warehouse_country],
        "broker": facts.broker_id,
        "destination": facts.destination_country,
        "options": {"excludeBlockedOrders": facts.exclude_blocked_orders},
        "filing": _filing(facts.filing),
        "orders": [_order(o) for o in sorted(facts.orders, key=lambda o: o.id)],
        "products": [_product(facts.products[pid]) for pid in sorted(facts.products)],
        "rulesVersion": rules_version,
        "referenceDataVersion": reference_version,
    }
    same_conveyance = _same_conveyance(facts)
    if same_conveyance:
        doc["sameConveyance"] = same_conveyance
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def plan_hash(facts: PlanFacts, rules_version: str, reference_version: str) -> str:
    return "planhash_" + hashlib.sha256(canonical(facts, rules_version,
                                                  reference_version)).hexdigest()
