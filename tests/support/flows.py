"""A tenant's first export, step by step, for tests that need orders, plans and executions."""

from __future__ import annotations

import hashlib

from tests.support.world import product

NOTEBOOK = product(
    "NOTEBOOK", title="Hardcover notebook A5", htsCode="4820.10.2060",
    customsDescription="Paper notebook with hard cover, A5, 192 ruled pages",
    mid="XQMAPPAP55MON", metalContent=None, referenceValueUsd=18, netWeightKg=0.35,
    manufacturer={"name": "Maple Paper Company", "address1": "55 Rue Saint-Paul",
                  "city": "Montreal", "region": "QC", "country": "CA"})
CONSIGNEE = {"name": "Jane Doe", "address1": "1 Market St", "city": "San Francisco"}


def tracking_number(external_id: str) -> str:
    """A tracking number of the test's own for an order (stable, short, unique per id)."""
    return "1Z" + hashlib.sha256(external_id.encode()).hexdigest()[:16].upper()


class Flow:
    """A tenant with a steel bottle (REVIEW) and a notebook (READY) in its catalogue."""

    def __init__(self, api):
        self.api = api
        data = api.sync_products(product("BOTTLE"), NOTEBOOK).json()["data"]
        self.bottle, self.notebook = data[0]["id"], data[1]["id"]

    def order(self, external_id, product_id=None, quantity=1, value=110, **extra):
        """An order (one line) with a parcel, as a filing-ready warehouse sends it."""
        body = {"externalId": external_id, "destinationCountry": "US",
                "destinationRegion": "CA", "destinationPostalCode": "94105",
                "items": [{"productId": product_id or self.bottle, "quantity": quantity,
                           "unitValueUsd": value}],
                "parcels": [{"trackingNumber": tracking_number(external_id),
                             "grossWeightKg": 1.2}],
                **extra}
        r = self.api.post("/api/orders/sync", {"accountId": self.api.account_id,
                                               "items": [body]})
        assert r.status_code == 200, r.text
        return r.json()["data"][0]["id"]

    def plan(self, order_ids, **extra):
        body = {"accountId": self.api.account_id, "warehouseId": self.api.warehouse_id,
                "brokerId": self.api.broker_id, "destinationCountry": "US",
                "orderIds": order_ids, "dryRun": False, **extra}
        return self.api.post("/api/exports/plan", body)


def error(r, status, code, field=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["errorCode"] == code
    if field is not None:
        assert body.get("field") == field
    return body


def execute(api, batch_id, key=None, **extra):
    headers = {"idempotency-key": key} if key else None
    return api.post("/api/exports/execute", {"accountId": api.account_id, "batchId": batch_id,
                                             **extra}, headers=headers)


def planned(flow, *externals, **plan_extra):
    ids = [flow.order(e) for e in externals or ("ord-ext-1001",)]
    plan = flow.plan(ids, **plan_extra).json()
    return plan, ids
