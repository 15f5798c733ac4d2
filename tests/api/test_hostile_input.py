"""docs/api/contract.md §2, §2.1, §7: hostile input on every write endpoint gets a 4xx envelope
and changes nothing.

Every write route of the application, ``POST`` or ``PATCH`` (the module checks it knows them
all), is called with its own method and with bodies and headers built to hurt a parser or a
validator: JSON nested far too deep (the limit is 32 levels, the top-level object being level
1), arrays over their documented maximum, numbers no field can hold, text that is not Unicode or
not UTF-8, abusive ``Content-Type``, ``Idempotency-Key`` and ``Authorization`` headers, hostile
path ids, and bodies that are not objects at all; and, for the product patch, the fields a patch
may not send (``externalId``, ``title: null``). The importer, account and warehouse writes
(§5.2) get the same, at their own nested fields (``address.address1``, ``bond.number``,
``defaultShipment.carrier.scac``), plus text over its length, numbers where text or a boolean
is due, what a merge patch may not clear, values outside their format, and a key restricted to
another warehouse. Each hostile request starts from a body that would succeed (or, for the
broker retry, get its ordinary 409) and spoils exactly one thing, so a request that slips
through is seen.

For every call the module asserts a 4xx status (never 5xx), the flat error envelope with the
expected ``errorCode`` (and, where the contract pins it, the first issue's ``code`` and
``path``), ``requestId`` equal to the ``X-Request-Id`` header, and that nothing changed: the
row count and a digest of every row of every table, plus the files under the data directory,
are identical before and after. Every case runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from entrygo.db.database import Database
from entrygo.models import metadata
from entrygo.orders.schemas import MAX_LINES_PER_ORDER
from tests.support import Api, product

MAX_DEPTH = 32
"""Documented nesting limit: the top-level object is level 1."""
DEPTHS = (33, 100, 500, 5000)
HOLE = "@@hostile@@"
"""Stands in a JSON body for raw JSON text spliced in afterwards (too deep for ``json.dumps``)."""
ENVELOPE_KEYS = {"errorCode", "message", "field", "details", "requestId"}


# --- the endpoints and a world in which a plain request to each of them works ------------------

ENDPOINTS: dict[str, tuple[str, str]] = {
    # name: (method, path)
    "products-sync": ("POST", "/api/products/sync"),
    "products-patch": ("PATCH", "/api/products/{product_id}"),
    "orders-sync": ("POST", "/api/orders/sync"),
    "exports-plan": ("POST", "/api/exports/plan"),
    "exports-execute": ("POST", "/api/exports/execute"),
    "exports-cancel": ("POST", "/api/exports/{batch_id}/cancel"),
    "exports-retry": ("POST", "/api/exports/{batch_id}/broker-submission/retry"),
    "warehouses": ("POST", "/api/warehouses"),
    "warehouses-patch": ("PATCH", "/api/warehouses/{warehouse_id}"),
    "brokers": ("POST", "/api/brokers"),
    "importers": ("POST", "/api/importers"),
    "importers-patch": ("PATCH", "/api/importers/{importer_id}"),
    "account-patch": ("PATCH", "/api/account"),
    "webhooks": ("POST", "/api/webhook-endpoints"),
    "webhooks-patch": ("PATCH", "/api/webhook-endpoints/{endpoint_id}"),
    "webhooks-delete": ("DELETE", "/api/webhook-endpoints/{endpoint_id}"),
    "webhooks-rotate": ("POST", "/api/webhook-endpoints/{endpoint_id}/rotate-secret"),
    "webhooks-retry": ("POST",
                       "/api/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/retry"),
    "agent-events": ("POST", "/api/agent-events"),
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALL = tuple(ENDPOINTS)
PATCH = ("products-patch",)
IMPORTER = ("importers", "importers-patch")
"""The endpoints whose body holds an importer's fields (``address``, ``bond``)."""
ADDRESSED = (*IMPORTER, "account-patch")
"""The endpoints whose body holds an ``address`` (an importer's, the account's)."""
WAREHOUSE_PATCH = ("warehouses-patch",)
ID_IN_PATH = {"exports-cancel": "batch", "exports-retry": "batch", "products-patch": "prod",
              "warehouses-patch": "wh", "importers-patch": "imp", "webhooks-patch": "whk",
              "webhooks-delete": "whk", "webhooks-rotate": "whk", "webhooks-retry": "whk"}
"""The endpoints with an object id in the path, and the prefix of that id."""
ADDRESS = {"address1": "100 Harbor Way", "city": "Buffalo", "region": "NY",
           "postalCode": "14203", "country": "US"}
BOND = {"type": "continuous", "suretyCode": "457", "number": "GB2026001"}


def method_of(endpoint: str) -> str:
    return ENDPOINTS[endpoint][0]


def order(external_id: str, product_id: str, **overrides: Any) -> dict[str, Any]:
    base = {"externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105",
            "items": [{"productId": product_id, "quantity": 1, "unitValueUsd": 110}]}
    base.update(overrides)
    return base


@dataclass
class Scene:
    """A tenant with a product (SKU-1), an order of it, a PLANNED batch of that order, a
    second importer of record (with a bond, not the default) and a webhook endpoint (disabled
    after its deliveries of those events failed), created through the API."""

    api: Api
    product_id: str
    order_id: str
    batch_id: str
    importer_id: str
    scoped_key: str
    """A key of the same account restricted to another warehouse (not the scene's)."""
    endpoint_id: str
    delivery_id: str

    def path(self, endpoint: str, object_id: str | None = None) -> str:
        """The endpoint's path, with ``object_id`` (else the scene's own) as its path id."""
        return ENDPOINTS[endpoint][1].format(batch_id=object_id or self.batch_id,
                                             product_id=object_id or self.product_id,
                                             warehouse_id=object_id or self.api.warehouse_id,
                                             importer_id=object_id or self.importer_id,
                                             endpoint_id=object_id or self.endpoint_id,
                                             delivery_id=self.delivery_id)

    def body(self, endpoint: str) -> dict[str, Any]:
        """A body that would succeed (the retry gets 409: a PLANNED batch has no submission;
        the product patch changes SKU-1's HTS code, the importer patch renews the scene
        importer's bond and moves its street, the account patch names the seller and makes
        the scene importer the default, the warehouse patch sets the default shipment's port
        and carrier)."""
        account = {"accountId": self.api.account_id}
        return {
            "products-sync": {**account, "items": [product("SKU-NEW")]},
            "products-patch": {**account, "htsCode": "4820.10.2060"},
            "orders-sync": {**account, "items": [order("ord-new", self.product_id)]},
            "exports-plan": {**account, "warehouseId": self.api.warehouse_id,
                             "brokerId": self.api.broker_id, "orderIds": [self.order_id]},
            "exports-execute": {**account, "batchId": self.batch_id},
            "exports-cancel": dict(account),
            "exports-retry": dict(account),
            "warehouses": {**account, "name": "Second warehouse", "country": "CA"},
            "brokers": {**account, "name": "Second broker", "email": "b2@example.com"},
            "warehouses-patch": {**account, "defaultShipment": {
                "portOfEntry": "3004", "carrier": {"scac": "abcd", "name": "Second Trucking"}}},
            "importers": {**account, "name": "Second importer LLC", "number": "98-7654321",
                          "address": dict(ADDRESS), "bond": dict(BOND)},
            "importers-patch": {**account, "address": {"address1": "200 Harbor Way"},
                                "bond": {"number": "GB2027001"}},
            "account-patch": {**account, "legalName": "Maple Goods Inc.",
                              "address": {**ADDRESS, "address1": "55 Rue Saint-Paul"},
                              "defaultImporterId": self.importer_id},
            "webhooks": {**account, "url": DEAD_RECEIVER, "enabledEvents": ["EXPORT_EXECUTED"],
                         "description": "Dispatch board"},
            "webhooks-patch": {**account, "description": "Dock screens",
                               "enabledEvents": ["*"]},
            "webhooks-delete": dict(account),
            "webhooks-rotate": {**account, "overlapSeconds": 3600},
            "webhooks-retry": dict(account),
            "agent-events": {**account, "type": "AGENT_CALL_REFUSED",
                             "agent": {"id": "night-agent", "clientName": "an-mcp-client",
                                       "clientVersion": "1.0"},
                             "tool": "execute_export", "code": "VALUE_CEILING_EXCEEDED",
                             "reason": "Worth 3120.50 USD; the ceiling is 2500 USD.",
                             "exportId": self.batch_id, "details": {"valueUsd": 3120.5}},
        }[endpoint]


@pytest.fixture
def scene(api: Api) -> Scene:
    r = api.sync_products(product("SKU-1"))
    assert r.status_code == 200, r.text
    product_id = r.json()["data"][0]["id"]
    r = api.post("/api/orders/sync", {"accountId": api.account_id,
                                      "items": [order("ord-1", product_id)]})
    assert r.status_code == 200, r.text
    order_id = r.json()["data"][0]["id"]
    r = api.post("/api/exports/plan", {"accountId": api.account_id,
                                       "warehouseId": api.warehouse_id,
                                       "brokerId": api.broker_id, "orderIds": [order_id]})
    assert r.status_code == 200, r.text
    batch_id = r.json()["exportId"]
    r = api.post("/api/importers", {"accountId": api.account_id, "name": "Scene importer LLC",
                                    "number": "12-3456780", "address": ADDRESS, "bond": BOND})
    assert r.status_code == 201, r.text
    importer_id = r.json()["id"]
    other_warehouse = api.world.warehouse(api.account_id, name="Other DC")
    scoped_key = api.world.key(api.account_id, warehouse_id=other_warehouse)
    r = api.post("/api/webhook-endpoints", {"accountId": api.account_id, "url": DEAD_RECEIVER,
                                            "enabledEvents": ["*"]})
    assert r.status_code == 201, r.text
    endpoint_id = r.json()["id"]
    api.sync_products(product("SKU-HOOK"))  # an event: a delivery that fails
    delivery_id = settled_delivery(api, endpoint_id)
    r = api.client.patch(f"/api/webhook-endpoints/{endpoint_id}", json={"disabled": True},
                         headers=api.headers())
    assert r.status_code == 200, r.text
    return Scene(api, product_id, order_id, batch_id, importer_id, scoped_key, endpoint_id,
                 delivery_id)


DEAD_RECEIVER = "http://127.0.0.1:9/entrygo"
"""A receiver nobody listens at (the discard port on loopback): every delivery fails fast."""


def settled_delivery(api: Api, endpoint_id: str) -> str:
    """The endpoint's one delivery, once its attempt is over (nothing runs in the background
    while the cases compare snapshots)."""
    deadline = time.monotonic() + 20
    while True:
        log = api.get(f"/api/webhook-endpoints/{endpoint_id}/deliveries").json()["data"]
        if log and log[0]["status"] != "queued":
            return log[0]["id"]
        assert time.monotonic() < deadline, log
        time.sleep(0.05)


# --- "nothing changed" -------------------------------------------------------------------------

Snapshot = dict[str, tuple[int, str]]


def snapshot(db: Database, data_dir: Path) -> Snapshot:
    """Row count and a digest of all rows, per table; and every file under the data dir.

    Every row of every table comes back from one statement (a row as text: PostgreSQL casts the
    row, SQLite quotes each column), so that a snapshot per call stays cheap.
    """
    parts = []
    for table in metadata.sorted_tables:
        if db.backend == "postgresql":
            row = "CAST(r AS TEXT)"
        else:
            row = " || ',' || ".join(f'quote(r."{c.name}")' for c in table.columns)
        parts.append(f"SELECT '{table.name}', {row} FROM {table.name} r")
    rows: dict[str, list[str]] = {table.name: [] for table in metadata.sorted_tables}
    with db.read() as s:
        for name, text_row in s.execute(text(" UNION ALL ".join(parts))):
            rows[name].append(text_row)
    out: Snapshot = {name: (len(found), hashlib.sha256("\n".join(sorted(found)).encode())
                            .hexdigest()) for name, found in rows.items()}
    files = sorted(f"{p.relative_to(data_dir)}:{p.stat().st_size}"
                   for p in data_dir.rglob("*") if p.is_file()) if data_dir.exists() else []
    out["<data dir>"] = (len(files), hashlib.sha256("\n".join(files).encode()).hexdigest())
    return out


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    return [f"{name}: {before.get(name)} -> {after.get(name)}"
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]


# --- a hostile request and what it must get ----------------------------------------------------

Headers = dict[str, str | bytes | None]
"""Header changes over the defaults (bearer key, JSON content type); ``None`` removes one."""


@dataclass(frozen=True)
class Sent:
    content: bytes
    headers: Headers | None = None
    path: str | None = None


@dataclass(frozen=True)
class Expect:
    status: int = 400
    codes: tuple[str, ...] = ("VALIDATION_ERROR",)
    issue_code: str | tuple[str, ...] | None = None  # details.issues[0].code
    issue_path: str | None = None  # details.issues[0].path is this or inside it
    field: str | tuple[str, ...] | None = None  # the envelope's field (one of them, if several)
    statuses: tuple[int, ...] = ()  # alternatives to ``status``
    fresh_request_id: bool = False  # the client's X-Request-Id was unsafe: a req_ id is made


@dataclass(frozen=True)
class Case:
    """One hostile variation, applied to each of ``endpoints``."""

    name: str
    build: Callable[[Scene, str], Sent]
    expect: Expect
    endpoints: tuple[str, ...] = ALL


def send(scene: Scene, endpoint: str, sent: Sent) -> httpx.Response:
    headers: dict[bytes, bytes] = {b"authorization": f"Bearer {scene.api.key}".encode(),
                                   b"content-type": b"application/json"}
    for name, value in (sent.headers or {}).items():
        if value is None:
            headers.pop(name.encode(), None)
        else:
            headers[name.encode()] = value if isinstance(value, bytes) else value.encode()
    return scene.api.client.request(method_of(endpoint), sent.path or scene.path(endpoint),
                                    content=sent.content, headers=list(headers.items()))


def problems_of(r: httpx.Response, expect: Expect) -> list[str]:
    """What is wrong with this answer (empty when it is the contract's)."""
    out = []
    allowed = (expect.status, *expect.statuses)
    wanted = " or ".join(map(str, allowed))
    if r.status_code < 400:
        return [f"ACCEPTED with {r.status_code}, expected {wanted}"]
    if r.status_code >= 500:
        out.append(f"SERVER ERROR {r.status_code}, expected {wanted}")
        expect = Expect(r.status_code, ("INTERNAL_ERROR", "SERVICE_UNAVAILABLE"))
    elif r.status_code not in allowed:
        out.append(f"status {r.status_code}, expected {wanted}")
    try:
        body = r.json()
    except ValueError:
        return [*out, "body is not JSON"]
    if not isinstance(body, dict):
        return [*out, "body is not the error envelope"]
    if not set(body) <= ENVELOPE_KEYS:
        out.append(f"envelope has extra keys {sorted(set(body) - ENVELOPE_KEYS)}")
    if not isinstance(body.get("message"), str) or not body.get("message"):
        out.append("envelope lacks message")
    if body.get("errorCode") not in expect.codes:
        out.append(f"errorCode {body.get('errorCode')!r}, expected one of {expect.codes}")
    if not body.get("requestId") or body.get("requestId") != r.headers.get("x-request-id"):
        out.append(f"requestId {body.get('requestId')!r} is not the X-Request-Id header "
                   f"{r.headers.get('x-request-id')!r}")
    if expect.fresh_request_id and not re.fullmatch(r"req_[0-9a-z]{26}",
                                                    r.headers.get("x-request-id", "")):
        out.append(f"X-Request-Id {r.headers.get('x-request-id')!r} is not a generated req_ id")
    fields = (expect.field,) if isinstance(expect.field, str) else expect.field
    if fields is not None and body.get("field") not in fields:
        out.append(f"field {body.get('field')!r}, expected {' or '.join(fields)}")
    if expect.issue_code is not None or expect.issue_path is not None:
        issues = (body.get("details") or {}).get("issues") or [{}]
        first = issues[0] if isinstance(issues[0], dict) else {}
        codes = (expect.issue_code,) if isinstance(expect.issue_code, str) else (
            expect.issue_code or ())
        if codes and first.get("code") not in codes:
            out.append(f"issues[0].code {first.get('code')!r}, expected {' or '.join(codes)}")
        path = first.get("path")
        if expect.issue_path is not None and not under(path, expect.issue_path):
            out.append(f"issues[0].path {str(path)[:80]!r} is not at or under "
                       f"{expect.issue_path!r}")
    if "Traceback" in r.text or "SELECT " in r.text:
        out.append("internals in the body")
    return out


def under(path: Any, prefix: str) -> bool:
    """``path`` is ``prefix`` or a path inside it (every path is inside ``""``)."""
    return isinstance(path, str) and (prefix == "" or path == prefix or
                                      path.startswith(prefix + "."))


def run_cases(scene: Scene, db: Database, cases: list[Case]) -> None:
    """Every case on each of its endpoints; all problems are reported at once."""
    data_dir = scene.api.world.settings.data_dir
    problems = []
    calls = 0
    spoiled = ""  # once a hostile call got through, later answers may follow from it
    before = snapshot(db, data_dir)
    for case in cases:
        for endpoint in case.endpoints:
            sent = case.build(scene, endpoint)
            r = send(scene, endpoint, sent)
            calls += 1
            after = snapshot(db, data_dir)
            found = problems_of(r, case.expect) + [f"changed {c}" for c in changes(before,
                                                                                   after)]
            before = after  # a leak is reported once, where it happened
            if found:
                shown = r.text if len(r.text) <= 400 else r.text[:400] + "…"
                problems.append(f"[{case.name}] {endpoint} {method_of(endpoint)} "
                                f"{(sent.path or scene.path(endpoint))[:80]}: "
                                f"{'; '.join(found)}{spoiled}\n    got {r.status_code} {shown}")
            if r.status_code < 400 or any(f.startswith("changed") for f in found):
                spoiled = spoiled or f" (after [{case.name}] {endpoint} changed the world)"
    assert not problems, f"{len(problems)} of {calls} calls wrong:\n" + "\n".join(problems)


# --- body builders -----------------------------------------------------------------------------

def dumps(body: Any) -> bytes:
    return json.dumps(body).encode()


def put(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``body`` with ``value`` at a dotted path (list indexes as numbers, missing objects made);
    returns ``body``."""
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return body


def splice(body: dict[str, Any], path: str, raw: str | bytes) -> bytes:
    """The JSON of ``body`` with the raw JSON text ``raw`` at ``path``."""
    encoded = dumps(put(body, path, HOLE))
    token = dumps(HOLE)
    assert encoded.count(token) == 1
    return encoded.replace(token, raw if isinstance(raw, bytes) else raw.encode())


def nested(kind: str, levels: int, leaf: str = "1") -> str:
    """JSON text of ``levels`` nested arrays or objects around ``leaf`` (its depth: ``levels``)."""
    if kind == "array":
        return "[" * levels + leaf + "]" * levels
    return '{"a":' * levels + leaf + "}" * levels


def body_with(path: str, raw: str | bytes) -> Callable[[Scene, str], Sent]:
    return lambda scene, endpoint: Sent(splice(scene.body(endpoint), path, raw))


def raw_body(content: bytes) -> Callable[[Scene, str], Sent]:
    return lambda scene, endpoint: Sent(content)


def valid_with_headers(headers: Headers) -> Callable[[Scene, str], Sent]:
    return lambda scene, endpoint: Sent(dumps(scene.body(endpoint)), headers)


def transformed(fn: Callable[[bytes], bytes]) -> Callable[[Scene, str], Sent]:
    return lambda scene, endpoint: Sent(fn(dumps(scene.body(endpoint))))


# --- the cases, in groups (one test per group and backend) ------------------------------------

def too_deep(prefix: str) -> Expect:
    return Expect(400, ("VALIDATION_ERROR",), "too_big", prefix)


NESTING_SITES: list[tuple[str, tuple[str, ...], str, int]] = [
    # (name, endpoints, dotted path, depth of the object or array holding the value)
    ("unknown-field", ALL, "hostile", 1),
    ("order-metadata", ("orders-sync",), "items.0.metadata", 3),
    ("product-metadata", ("products-sync",), "items.0.metadata", 3),
    ("items", ("orders-sync", "products-sync"), "items", 1),
    ("order-lines", ("orders-sync",), "items.0.items", 3),
    ("order-line-quantity", ("orders-sync",), "items.0.items.0.quantity", 5),
    ("plan-orderIds", ("exports-plan",), "orderIds", 1),
    # a patch's fields are top-level: the too-deep path is the patch's own (§5.2), not items.0.…
    ("patch-metadata", PATCH, "metadata", 1),
    ("patch-materials", PATCH, "materials", 1),
    ("patch-metalContent-key", PATCH, "metalContent.steelPctWeight", 2),
    ("patch-externalId", PATCH, "externalId", 1),
    # importers, the account and a warehouse patch: deep inside their nested groups
    ("address-address1", ADDRESSED, "address.address1", 2),
    ("bond-number", IMPORTER, "bond.number", 2),
    ("importer-name", IMPORTER, "name", 1),
    ("account-defaultImporterId", ("account-patch",), "defaultImporterId", 1),
    ("account-name", ("account-patch",), "name", 1),  # not patchable, still checked
    ("shipment-carrier-scac", WAREHOUSE_PATCH, "defaultShipment.carrier.scac", 3),
    ("shipment-portOfEntry", WAREHOUSE_PATCH, "defaultShipment.portOfEntry", 2),
    ("warehouse-patch-name", WAREHOUSE_PATCH, "name", 1),
]


def nesting(depth: int) -> list[Case]:
    """The body nested ``depth`` levels deep (top-level object = 1) at every site."""
    cases = []
    for site, endpoints, path, parent_depth in NESTING_SITES:
        levels = depth - parent_depth
        for kind in ("object", "array"):
            raw = nested(kind, levels)
            if path.endswith("metadata") and kind == "array":  # metadata must be an object
                raw = '{"a":' + nested("array", levels - 1) + "}"
            cases.append(Case(f"{site}-{kind}", body_with(path, raw), too_deep(path),
                              endpoints))
    for kind in ("object", "array"):
        cases.append(Case(f"top-level-{kind}", raw_body(nested(kind, depth).encode()),
                          too_deep("")))
    return cases


def huge_arrays() -> list[Case]:
    def many_products(scene: Scene, endpoint: str) -> Sent:
        items = [product(f"SKU-{i}") for i in range(1001)]
        return Sent(dumps({**scene.body(endpoint), "items": items}))

    def many_orders(scene: Scene, endpoint: str) -> Sent:
        items = [order(f"ord-{i}", scene.product_id) for i in range(1001)]
        return Sent(dumps({**scene.body(endpoint), "items": items}))

    def many_lines(scene: Scene, endpoint: str) -> Sent:
        line = {"productId": scene.product_id, "quantity": 1, "unitValueUsd": 1}
        body = scene.body(endpoint)
        return Sent(dumps(put(body, "items.0.items", [line] * (MAX_LINES_PER_ORDER + 1))))

    def many_order_ids(scene: Scene, endpoint: str) -> Sent:
        ids = [scene.order_id] + [f"ord_{i:026d}" for i in range(10_000)]
        return Sent(dumps({**scene.body(endpoint), "orderIds": ids}))

    def huge_items(scene: Scene, endpoint: str) -> Sent:
        return Sent(splice(scene.body(endpoint), "items", "[" + ",".join(["{}"] * 100_000)
                           + "]"))

    def many_materials(scene: Scene, endpoint: str) -> Sent:
        materials = [{"material": f"steel-{i}", "pctByWeight": 1} for i in range(51)]
        return Sent(dumps({**scene.body(endpoint), "materials": materials}))

    def huge_materials(scene: Scene, endpoint: str) -> Sent:
        return Sent(splice(scene.body(endpoint), "materials",
                           "[" + ",".join(['{"material": "steel"}'] * 100_000) + "]"))

    def big_metadata(scene: Scene, endpoint: str) -> Sent:
        return Sent(dumps({**scene.body(endpoint), "metadata": {"note": "x" * 16_384}}))

    return [
        Case("products-1001-items", many_products,
             Expect(issue_code="too_big", issue_path="items", field="items"),
             ("products-sync",)),
        Case("orders-1001-items", many_orders,
             Expect(issue_code="too_big", issue_path="items", field="items"), ("orders-sync",)),
        Case(f"order-{MAX_LINES_PER_ORDER + 1}-lines", many_lines,
             Expect(issue_code="too_big", issue_path="items.0.items"), ("orders-sync",)),
        Case("plan-10001-orderIds", many_order_ids,
             Expect(issue_code="too_big", issue_path="orderIds", field="orderIds"),
             ("exports-plan",)),
        Case("100000-empty-items", huge_items, Expect(issue_code="too_big", issue_path="items"),
             ("products-sync", "orders-sync")),
        # a patch's materials are replaced whole: the same 50 as in a sync, at the patch's path
        Case("patch-51-materials", many_materials,
             Expect(issue_code="too_big", issue_path="materials", field="materials"), PATCH),
        Case("patch-100000-materials", huge_materials,
             Expect(issue_code="too_big", issue_path="materials", field="materials"), PATCH),
        Case("patch-metadata-over-16KiB", big_metadata,
             Expect(issue_code="too_big", issue_path="metadata", field="metadata"), PATCH),
    ]


HUGE = {
    "1e400": "1e400",
    "-1e400": "-1e400",
    "10**400": str(10**400),
    "1e-400": "1e-400",
    "2**63": str(2**63),
    "2**64": str(2**64),
    "1e309": "1e309",
    "1e999999999": "1e999999999",
    "1e-999999999": "1e-999999999",
    "30-significant-digits": "1.00000000000000000000000000001",
}
NUMBER_SITES: dict[str, list[tuple[str, str, str, tuple[str, ...]]]] = {
    # group: (endpoint, dotted path, site name, which numbers)
    "numbers-order-lines": [
        ("orders-sync", "items.0.items.0.quantity", "quantity",
         ("1e400", "-1e400", "10**400", "1e-400", "2**63", "2**64", "1e999999999",
          "1e-999999999")),
        ("orders-sync", "items.0.items.0.unitValueUsd", "unitValueUsd",
         ("1e400", "-1e400", "10**400", "1e-400", "2**64", "1e309", "1e999999999",
          "1e-999999999", "30-significant-digits")),
    ],
    "numbers-products": [
        ("products-sync", "items.0.netWeightKg", "netWeightKg",
         ("1e400", "-1e400", "10**400", "1e-400", "1e309", "1e999999999", "1e-999999999")),
        ("products-sync", "items.0.referenceValueUsd", "referenceValueUsd",
         ("1e400", "10**400", "1e-400", "1e999999999", "1e-999999999",
          "30-significant-digits")),
        ("products-sync", "items.0.metalContent.steelPctWeight", "steelPctWeight",
         ("1e400", "1e-400", "1e999999999")),
        ("products-sync", "items.0.battery.wattHours", "wattHours",
         ("1e400", "1e999999999", "1e-999999999")),
    ],
    "numbers-product-patch": [  # the same fields, at the patch's own paths
        ("products-patch", "netWeightKg", "netWeightKg",
         ("1e400", "-1e400", "10**400", "1e-400", "1e309", "1e999999999", "1e-999999999")),
        ("products-patch", "referenceValueUsd", "referenceValueUsd",
         ("1e400", "10**400", "1e-400", "1e999999999", "1e-999999999",
          "30-significant-digits")),
        ("products-patch", "metalContent.steelPctWeight", "steelPctWeight",
         ("1e400", "-1e400", "1e-400", "1e999999999")),
        ("products-patch", "battery.wattHours", "wattHours",
         ("1e400", "-1e400", "1e999999999", "1e-999999999")),
        ("products-patch", "materials.0.pctByWeight", "pctByWeight",
         ("1e400", "1e-400", "10**400")),
    ],
}


def numbers(group: str) -> list[Case]:
    def at(endpoint: str, path: str, raw: str) -> Callable[[Scene, str], Sent]:
        if path.startswith("materials."):  # the patch's materials, replaced whole: one item
            def build(scene: Scene, endpoint: str) -> Sent:
                body = {**scene.body(endpoint), "materials": [{"material": "steel"}]}
                return Sent(splice(body, path, raw))
            return build
        return body_with(path, raw)

    return [Case(f"{site}-{name}", at(endpoint, path, HUGE[name]),
                 Expect(issue_path=path, field=path), (endpoint,))
            for endpoint, path, site, names in NUMBER_SITES[group] for name in names]


TEXT_SITES: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    # (endpoints, dotted path, which numbers): fields that hold text or a boolean, where a
    # number, however plausible (457 for a surety code, 3004 for a port), is invalid_type (§2)
    (IMPORTER, "number", ("1e400", "10**400", "2**64", "123456789")),
    (IMPORTER, "bond.suretyCode", ("1e400", "-1e400", "1e-400", "457")),
    (IMPORTER, "bond.number", ("1e999999999", "30-significant-digits")),
    (IMPORTER, "address.postalCode", ("1e400", "14203")),
    (("importers-patch",), "isDefault", ("1e400", "1")),
    (("account-patch",), "requireReviewAcknowledgement", ("1e400", "1", "1e-999999999")),
    (("account-patch",), "defaultImporterId", ("1e400", "10**400")),
    (WAREHOUSE_PATCH, "defaultShipment.portOfEntry", ("1e400", "1e309", "2**63", "3004")),
    (WAREHOUSE_PATCH, "defaultShipment.carrier.scac", ("1e400", "-1e400")),
    (WAREHOUSE_PATCH, "defaultShipment.estimatedArrival", ("1e400", "20260101")),
    (WAREHOUSE_PATCH, "postalCode", ("10**400", "1e-400")),
]
LIKELY = {"123456789": "123456789", "457": "457", "14203": "14203", "1": "1",
          "3004": "3004", "20260101": "20260101"}
"""Numbers a careless client might send for the text: the text's digits as a JSON number."""


def numbers_in_text() -> list[Case]:
    cases = []
    for endpoints, path, names in TEXT_SITES:
        for name in names:
            raw = HUGE.get(name) or LIKELY[name]
            cases.append(Case(f"{path}-{name}-{'-'.join(endpoints)}", body_with(path, raw),
                              Expect(issue_code="invalid_type", issue_path=path, field=path),
                              endpoints))
    return cases


def numbers_elsewhere() -> list[Case]:
    cases = [Case(f"accountId-{name}", body_with("accountId", HUGE[name]),
                  Expect(issue_code="invalid_type", issue_path="accountId", field="accountId"))
             for name in ("1e400", "10**400", "1e999999999")]
    cases += [Case(f"plan-dryRun-{name}", body_with("dryRun", HUGE[name]),
                   Expect(issue_code="invalid_type", issue_path="dryRun", field="dryRun"),
                   ("exports-plan",)) for name in ("1e400", "10**400")]
    # past Python's 4300-digit limit for int(): valid JSON the parser refuses
    cases.append(Case("5000-digit-integer", body_with("hostile", "1" * 5000),
                      Expect(codes=("VALIDATION_ERROR", "INVALID_REQUEST"))))
    return cases


def _bom(raw: bytes) -> bytes:
    return b"\xef\xbb\xbf" + raw


def _utf16le(raw: bytes) -> bytes:
    return raw.decode().encode("utf-16-le")


def _utf16_bom(raw: bytes) -> bytes:
    return raw.decode().encode("utf-16")


def _utf32be(raw: bytes) -> bytes:
    return raw.decode().encode("utf-32-be")


def unicode_escapes() -> list[Case]:
    bad_text = Expect(issue_code="invalid_format", issue_path="accountId", field="accountId")
    return [
        Case("lone-high-surrogate-in-string", body_with("accountId", r'"\ud800"'), bad_text),
        Case("lone-low-surrogate-in-string", body_with("accountId", r'"\udc00"'), bad_text),
        Case("reversed-surrogate-pair-in-string", body_with("accountId", r'"\udc00\ud800"'),
             bad_text),
        Case("lone-surrogate-in-key", body_with("hostile", r'{"\ud800": 1}'),
             Expect(issue_code="invalid_format")),
        Case("lone-surrogate-as-top-level-key",
             transformed(lambda raw: b'{"\\ud800": 1, ' + raw[1:]),
             Expect(issue_code="invalid_format")),
        Case("lone-surrogate-in-metadata-key",
             body_with("items.0.metadata", r'{"ok": {"\ud800": "x"}}'),
             Expect(issue_code="invalid_format", issue_path="items.0.metadata"),
             ("orders-sync", "products-sync")),
        Case("lone-surrogate-in-patch-metadata-key",
             body_with("metadata", r'{"ok": {"\ud800": "x"}}'),
             Expect(issue_code="invalid_format", issue_path="metadata"), PATCH),
        Case("lone-surrogate-in-patch-title", body_with("title", r'"bottle \udc00"'),
             Expect(issue_code="invalid_format", issue_path="title", field="title"), PATCH),
        Case("escaped-nul-in-string", body_with("accountId", r'"acc\u0000"'), bad_text),
        *(Case(f"lone-surrogate-in-{path}-{endpoints[0]}", body_with(path, r'"north \ud800 way"'),
               Expect(issue_code="invalid_format", issue_path=path, field=path), endpoints)
          for endpoints, path in [(ADDRESSED, "address.address1"), (IMPORTER, "bond.number"),
                                  (IMPORTER, "name"), (("account-patch",), "legalName"),
                                  (("account-patch",), "name"),
                                  (WAREHOUSE_PATCH, "defaultShipment.carrier.name"),
                                  (WAREHOUSE_PATCH, "defaultShipment.masterBill")]),
        *(Case(f"escaped-nul-in-{path}-{endpoints[0]}", body_with(path, r'"GB\u00002027"'),
               Expect(issue_code="invalid_format", issue_path=path, field=path), endpoints)
          for endpoints, path in [(IMPORTER, "bond.number"), (ADDRESSED, "address.city"),
                                  (("account-patch",), "name"),
                                  (WAREHOUSE_PATCH, "defaultShipment.conveyanceReference")]),
        Case("escaped-nul-in-key", body_with("hostile", r'{"a\u0000b": 1}'),
             Expect(issue_code="invalid_format")),
    ]


def unicode_bytes() -> list[Case]:
    either = Expect(codes=("INVALID_REQUEST", "VALIDATION_ERROR"))
    return [
        Case("raw-nul-byte-in-string", body_with("accountId", b'"acc\x00"'), either),
        Case("invalid-utf8-byte-ff", body_with("accountId", b'"\xff"'), either),
        Case("invalid-utf8-whole-body", raw_body(b'{"accountId": "\xff"}'), either),
        Case("truncated-utf8-sequence", body_with("accountId", b'"\xe2\x82"'), either),
        Case("overlong-2-byte-slash", body_with("accountId", b'"\xc0\xaf"'), either),
        Case("overlong-3-byte-slash", body_with("accountId", b'"\xe0\x80\xaf"'), either),
        Case("overlong-4-byte-slash", body_with("accountId", b'"\xf0\x80\x80\xaf"'), either),
        Case("overlong-nul-c0-80", body_with("accountId", b'"acc\xc0\x80"'), either),
        Case("utf8-encoded-surrogate-cesu", body_with("accountId", b'"\xed\xa0\x80"'), either),
        Case("code-point-above-10ffff", body_with("accountId", b'"\xf4\x90\x80\x80"'), either),
    ]


def unicode_encodings() -> list[Case]:
    """docs/api/contract.md §2: JSON is UTF-8; a BOM or another encoding is not UTF-8 JSON text."""
    either = Expect(codes=("INVALID_REQUEST", "VALIDATION_ERROR"))
    return [
        Case("utf8-bom-prefix", transformed(_bom), either),
        Case("utf16le-body", transformed(_utf16le), either),
        Case("utf16-body-with-bom", transformed(_utf16_bom), either),
        Case("utf32be-body", transformed(_utf32be), either),
    ]


def content_types() -> list[Case]:
    unsupported = Expect(415, ("UNSUPPORTED_MEDIA_TYPE",))
    return [Case(name, valid_with_headers({"content-type": value}), unsupported)
            for name, value in [
                ("missing", None),
                ("text-plain", "text/plain"),
                ("json-charset-latin-1", "application/json; charset=latin-1"),
                ("form-urlencoded", "application/x-www-form-urlencoded"),
                ("non-ascii-bytes", b"application/json\xff"),
            ]]


BAD_KEY = Expect(400, ("VALIDATION_ERROR",), "invalid_format", "idempotencyKey", "idempotencyKey")


def idempotency_key_headers() -> list[Case]:
    return [Case(name, valid_with_headers({"idempotency-key": value}), BAD_KEY)
            for name, value in [
                ("300-chars", "k" * 300),
                ("control-char", b"key\x01value"),
                ("tab", b"key\tvalue"),
                ("del", b"key\x7f"),
                ("non-ascii-bytes", b"key-\xff\xfe"),
                ("empty", ""),
            ]]


def idempotency_key_fields() -> list[Case]:
    def body_key(value: str) -> Callable[[Scene, str], Sent]:
        return lambda scene, endpoint: Sent(dumps({**scene.body(endpoint),
                                                   "idempotencyKey": value}))

    return [Case(name, body_key(value), BAD_KEY) for name, value in [
        ("300-chars", "k" * 300),
        ("control-char", "key\x01value"),
        ("newline", "key\nvalue"),
        ("non-ascii", "clé-unique"),
        ("empty", ""),
    ]]


LONG_TOKEN = "A" * 10_240


def authorizations() -> list[Case]:
    def auth(value: Callable[[str], str | bytes]) -> Callable[[Scene, str], Sent]:
        return lambda scene, endpoint: Sent(dumps(scene.body(endpoint)), {
            "authorization": value(scene.api.key)})

    unauthorized = Expect(401, ("INVALID_API_KEY",))
    return [Case(name, auth(value), unauthorized) for name, value in [
        ("non-ascii-bytes", lambda k: b"Bearer \xff\xfe\x80garbage"),
        ("key-with-latin-1-byte", lambda k: f"Bearer {k}".encode() + b"\xe9"),
        ("10kb-token", lambda k: f"Bearer {LONG_TOKEN}"),
        ("10kb-key-shaped-token", lambda k: f"Bearer shpbndl_live_{LONG_TOKEN}"),
        ("bearer-alone", lambda k: "Bearer"),
        ("bearer-and-spaces", lambda k: "Bearer    "),
        ("basic", lambda k: "Basic xxx"),
        ("basic-with-the-key", lambda k: f"Basic {k}"),
        ("key-without-scheme", lambda k: k),
        ("key-with-trailing-garbage", lambda k: f"Bearer {k} extra"),
        ("key-with-nul", lambda k: f"Bearer {k}".encode() + b"\x00"),
        ("key-with-control-char", lambda k: f"Bearer {k[:-1]}\x01"),
    ]] + [Case("missing", valid_with_headers({"authorization": None}), unauthorized)]


def request_ids() -> list[Case]:
    """Unsafe client request ids are replaced by a generated one, on an error answer too."""
    def spoilt(value: str | bytes) -> Callable[[Scene, str], Sent]:
        return lambda scene, endpoint: Sent(b"[]", {"x-request-id": value})

    fresh = Expect(issue_code="invalid_type", issue_path="", fresh_request_id=True)
    return [Case(name, spoilt(value), fresh) for name, value in [
        ("129-chars", "r" * 129),
        ("10kb", LONG_TOKEN),
        ("spaces", "req id with spaces"),
        ("control-char", b"req\x01id"),
        ("non-ascii-bytes", b"req-\xff\xfe"),
        ("html", "<script>alert(1)</script>"),
        ("empty", ""),
    ]]


def top_level_types() -> list[Case]:
    not_object = Expect(issue_code="invalid_type", issue_path="")
    not_json = Expect(codes=("INVALID_REQUEST",))
    return [
        Case("array", raw_body(b"[]"), not_object),
        Case("array-of-the-body", transformed(lambda raw: b"[" + raw + b"]"), not_object),
        Case("string", raw_body(b'"accountId"'), not_object),
        Case("null", raw_body(b"null"), not_object),
        Case("number", raw_body(b"42"), not_object),
        Case("huge-number", raw_body(b"1e400"), not_object),
        Case("true", raw_body(b"true"), not_object),
        Case("empty-body", raw_body(b""), not_json),
        Case("whitespace", raw_body(b" \r\n\t "), not_json),
        Case("two-documents", transformed(lambda raw: raw + b" " + raw), not_json),
        Case("trailing-nul", transformed(lambda raw: raw + b"\x00"), not_json),
    ]


def path_ids() -> list[Case]:
    """Hostile ids (``{p}``: the prefix of the endpoint's ids) in the path, the body valid."""
    def at(object_id: str) -> Callable[[Scene, str], Sent]:
        return lambda scene, endpoint: Sent(dumps(scene.body(endpoint)), path=scene.path(
            endpoint, object_id.format(p=ID_IN_PATH[endpoint])))

    def unknown_with(path: str, value: Any) -> Callable[[Scene, str], Sent]:
        unknown = "{p}_00000000000000000000000000"
        return lambda scene, endpoint: Sent(
            dumps(put(scene.body(endpoint), path, value)),
            path=scene.path(endpoint, unknown.format(p=ID_IN_PATH[endpoint])))

    gone = Expect(404, ("NOT_FOUND", "INVALID_REQUEST", "VALIDATION_ERROR"), statuses=(400,))
    return [Case(name, at(value), gone, tuple(ID_IN_PATH)) for name, value in [
        ("10kb", "{p}_" + "x" * 10_240),
        ("percent-nul", "{p}%00"),
        ("percent-invalid-utf8", "{p}_%ff%fe"),
        ("percent-surrogate", "{p}_%ed%a0%80"),
        ("percent-overlong", "{p}_%c0%af"),
        ("traversal", "..%2f..%2fwarehouses"),
        ("bidi-override", "{p}_%e2%80%ae"),
        ("sql-quote", "{p}_'%20OR%20'1'='1"),
        ("unknown-well-formed", "{p}_00000000000000000000000000"),
    ]] + [
        # §2: a write with an id in its path checks the body, then accountId, then the id
        Case("unknown-id-invalid-body", unknown_with("accountId", 42),
             Expect(issue_code="invalid_type", issue_path="accountId", field="accountId"),
             tuple(ID_IN_PATH)),
        Case("unknown-id-another-accountId",
             unknown_with("accountId", "acc_00000000000000000000000000"),
             Expect(403, ("INVALID_ACCOUNT_SCOPE",), field="accountId"), tuple(ID_IN_PATH)),
    ]


def patch_fields() -> list[Case]:
    """docs/api/contract.md §5.2: a patch may not send ``externalId`` (any value is
    ``invalid_value``: it cannot change) nor clear ``title`` (``required``); hostile values there
    are refused like anywhere else, before anything is merged."""
    def with_field(name: str, value: Any) -> Callable[[Scene, str], Sent]:
        return lambda scene, endpoint: Sent(dumps({**scene.body(endpoint), name: value}))

    def at(name: str, code: str) -> Expect:
        return Expect(issue_code=code, issue_path=name, field=name)

    return [Case(case, build, expect, PATCH) for case, build, expect in [
        ("externalId-as-stored", with_field("externalId", "SKU-1"),
         at("externalId", "invalid_value")),
        ("externalId-new", with_field("externalId", "SKU-HIJACKED"),
         at("externalId", "invalid_value")),
        ("externalId-null", with_field("externalId", None), at("externalId", "invalid_value")),
        ("externalId-object", with_field("externalId", {"set": "SKU-2"}),
         at("externalId", "invalid_value")),
        ("externalId-huge-number", body_with("externalId", "1e400"),
         at("externalId", "invalid_value")),
        ("externalId-with-nul", with_field("externalId", "SKU-1\x00"),
         at("externalId", "invalid_format")),
        ("title-null", with_field("title", None), at("title", "required")),
        ("title-blank", with_field("title", " \t\n "), at("title", "too_small")),
        ("title-10kb", with_field("title", LONG_TOKEN), at("title", "too_big")),
        ("title-array", with_field("title", ["a"]), at("title", "invalid_type")),
        ("manufacturer-array", with_field("manufacturer", [{"name": "x"}]),
         at("manufacturer", "invalid_type")),
        ("metalContent-string", with_field("metalContent", "steel"),
         at("metalContent", "invalid_type")),
        ("battery-present-string", with_field("battery", {"present": "true"}),
         at("battery.present", "invalid_type")),
        ("exciseCategory-unknown", with_field("exciseCategory", "plutonium"),
         at("exciseCategory", "invalid_value")),
        ("htsCode-number", with_field("htsCode", 4820102060), at("htsCode", "invalid_type")),
    ]]


def warehouse_scoped_keys() -> list[Case]:
    """docs/api/contract.md §3, §5.2: a key restricted to another warehouse of the same
    account sends the plain body. It cannot create or change importers nor change the account
    (403 INVALID_ACCOUNT_SCOPE), nor patch, plan through or act on a batch of a warehouse
    other than its own (``field`` ``warehouseId`` or ``batchId``), nor create warehouses."""
    def scoped(scene: Scene, endpoint: str) -> Sent:
        return Sent(dumps(scene.body(endpoint)), {"authorization": f"Bearer {scene.scoped_key}"})

    def scope(field: str | tuple[str, ...] | None = None) -> Expect:
        return Expect(403, ("INVALID_ACCOUNT_SCOPE",), field=field)

    return [
        Case("account-wide-writes", scoped, scope(), ("importers", "importers-patch",
                                                      "account-patch", "warehouses", "webhooks",
                                                      "webhooks-patch", "webhooks-delete",
                                                      "webhooks-rotate", "webhooks-retry")),
        Case("another-warehouse", scoped, scope("warehouseId"),
             ("warehouses-patch", "exports-plan")),
        # §3 names "field warehouseId or batchId" for a batch of another warehouse
        Case("another-warehouse's-batch", scoped, scope(("batchId", "warehouseId")),
             ("exports-execute", "exports-cancel", "exports-retry")),
    ]


def setting(path: str, value: Any) -> Callable[[Scene, str], Sent]:
    """The plain body with ``value`` at ``path`` (``put``: nested objects made as needed)."""
    return lambda scene, endpoint: Sent(dumps(put(scene.body(endpoint), path, value)))


def at_path(path: str, code: str | tuple[str, ...]) -> Expect:
    return Expect(issue_code=code, issue_path=path, field=path)


def oversize_strings() -> list[Case]:
    """docs/api/contract.md §5.2: text over its length, at the new write endpoints' fields
    (name 200, address1 200, city 100, postalCode 20, bond number 40, legalName 200, carrier
    name 200, conveyanceReference 64, masterBill 50); an importer number or a SCAC of any
    other length is not in its format."""
    sites: list[tuple[tuple[str, ...], str, str, str | tuple[str, ...]]] = [
        (IMPORTER, "name", LONG_TOKEN, "too_big"),
        (IMPORTER, "name", "n" * 201, "too_big"),
        (ADDRESSED, "address.address1", LONG_TOKEN, "too_big"),
        (ADDRESSED, "address.city", "c" * 101, "too_big"),
        (ADDRESSED, "address.postalCode", "9" * 21, "too_big"),
        (IMPORTER, "bond.number", "B" * 41, "too_big"),
        (IMPORTER, "bond.number", LONG_TOKEN, "too_big"),
        (IMPORTER, "number", "12-" + "3" * 10_240, "invalid_format"),
        (("account-patch",), "legalName", LONG_TOKEN, "too_big"),
        (("account-patch",), "defaultImporterId", "imp_" + "x" * 10_240, "too_big"),
        (WAREHOUSE_PATCH, "name", LONG_TOKEN, "too_big"),
        (WAREHOUSE_PATCH, "address1", "a" * 201, "too_big"),
        (WAREHOUSE_PATCH, "defaultShipment.carrier.name", LONG_TOKEN, "too_big"),
        (WAREHOUSE_PATCH, "defaultShipment.carrier.scac", "A" * 10_240,
         ("invalid_format", "too_big")),
        (WAREHOUSE_PATCH, "defaultShipment.conveyanceReference", "V" * 65, "too_big"),
        (WAREHOUSE_PATCH, "defaultShipment.masterBill", "M" * 51, "too_big"),
    ]
    return [Case(f"{path}-{len(value)}-chars-{'-'.join(endpoints)}", setting(path, value),
                 at_path(path, code), endpoints) for endpoints, path, value, code in sites]


def new_write_fields() -> list[Case]:
    """docs/api/contract.md §5.2: what the importer, account and warehouse writes refuse, each
    at the body's own path: a required field cleared by a patch, a nested group left
    incomplete, a value outside its enum or format, another type. Each is refused before
    anything is merged into the stored row."""
    either_format = ("invalid_format", "invalid_value")
    sites: list[tuple[str, tuple[str, ...], str, Any, str | tuple[str, ...] | None]] = [
        # importers (create and patch)
        ("ssn", IMPORTER, "number", "123-45-6789", "invalid_format"),
        ("eleven-digits", IMPORTER, "number", "12345678901", "invalid_format"),
        ("suffix-with-O", IMPORTER, "number", "12-3456789O1", "invalid_format"),
        ("letters", IMPORTER, "number", "AB-CDEFGHI", "invalid_format"),
        ("unknown-type", IMPORTER, "bond.type", "annual", "invalid_value"),
        ("two-digits", IMPORTER, "bond.suretyCode", "45", "invalid_format"),
        ("blank", IMPORTER, "bond.number", "   ", "too_small"),
        ("not-an-object", IMPORTER, "bond", "GB2027001", "invalid_type"),
        ("array", ADDRESSED, "address", [ADDRESS], "invalid_type"),
        ("three-letters", ADDRESSED, "address.country", "USA", either_format),
        ("blank", ADDRESSED, "address.city", " \t ", "too_small"),
        ("string", ("importers",), "isDefault", "true", "invalid_type"),
        ("null", ("importers",), "address.address1", None, ("required", "invalid_type")),
        # an importer patch cannot clear what an importer must have
        ("null", ("importers-patch",), "name", None, "required"),
        ("null", ("importers-patch",), "number", None, "required"),
        ("null", ("importers-patch",), "address", None, "required"),
        ("null", ("importers-patch",), "address.address1", None, "required"),
        ("null", ("importers-patch",), "bond.suretyCode", None, "required"),
        ("string", ("importers-patch",), "isDefault", "true", "invalid_type"),
        # §4/§5.2: a refused write moves no default importer, whatever isDefault says
        ("with-isDefault", IMPORTER, "isDefault", True, None),
        # the account
        ("another", ("account-patch",), "name", "Renamed merchant", "invalid_value"),
        ("object", ("account-patch",), "name", {"set": "Renamed"}, "invalid_value"),
        ("unknown", ("account-patch",), "defaultImporterId",
         "imp_00000000000000000000000000", "unknown_reference"),
        ("a-product", ("account-patch",), "defaultImporterId", "prod_00000000000000000000000000",
         "unknown_reference"),
        ("unknown", ("account-patch",), "readinessPolicy", "lenient", "invalid_value"),
        ("string", ("account-patch",), "requireReviewAcknowledgement", "true", "invalid_type"),
        ("null", ("account-patch",), "address.city", None, "required"),
        # a warehouse patch
        ("null", WAREHOUSE_PATCH, "name", None, "required"),
        ("null", WAREHOUSE_PATCH, "country", None, "required"),
        ("blank", WAREHOUSE_PATCH, "name", "  ", "too_small"),
        ("name", WAREHOUSE_PATCH, "country", "Canada", either_format),
        ("unknown", WAREHOUSE_PATCH, "defaultShipment.modeOfTransport", "teleport",
         "invalid_value"),
        ("five-digits", WAREHOUSE_PATCH, "defaultShipment.portOfEntry", "30040",
         "invalid_format"),
        ("digits", WAREHOUSE_PATCH, "defaultShipment.carrier.scac", "1234", "invalid_format"),
        ("three-chars", WAREHOUSE_PATCH, "defaultShipment.carrier.iataCode", "ACX",
         "invalid_format"),
        ("february-30", WAREHOUSE_PATCH, "defaultShipment.estimatedArrival", "2026-02-30",
         "invalid_format"),
        ("with-time", WAREHOUSE_PATCH, "defaultShipment.estimatedArrival",
         "2026-02-01T00:00:00Z", "invalid_format"),
        ("array", WAREHOUSE_PATCH, "defaultShipment", [{"portOfEntry": "3004"}],
         "invalid_type"),
        ("string", WAREHOUSE_PATCH, "defaultShipment.carrier", "EGTR", "invalid_type"),
        ("not-an-address", WAREHOUSE_PATCH, "notifyEmail", "ops at example", "invalid_format"),
    ]
    def with_bad_surety(path: str, value: Any) -> Callable[[Scene, str], Sent]:
        return lambda scene, endpoint: Sent(dumps(put(put(scene.body(endpoint), path, value),
                                                      "bond.suretyCode", "4")))

    return [Case(f"{path}-{label}-{'-'.join(endpoints)}", setting(path, value),
                 at_path(path, code), endpoints) if code is not None else
            Case(f"{path}-{label}-{'-'.join(endpoints)}", with_bad_surety(path, value),
                 at_path("bond.suretyCode", "invalid_format"), endpoints)
            for label, endpoints, path, value, code in sites]


GROUPS: dict[str, list[Case]] = {
    **{f"nesting-{depth}-levels": nesting(depth) for depth in DEPTHS},
    "huge-arrays": huge_arrays(),
    **{group: numbers(group) for group in NUMBER_SITES},
    "numbers-elsewhere": numbers_elsewhere(),
    "unicode-escapes": unicode_escapes(),
    "unicode-invalid-utf8": unicode_bytes(),
    "unicode-not-utf8-encodings": unicode_encodings(),
    "header-content-type": content_types(),
    "header-idempotency-key": idempotency_key_headers(),
    "body-idempotency-key": idempotency_key_fields(),
    "header-authorization": authorizations(),
    "header-x-request-id": request_ids(),
    "top-level-types": top_level_types(),
    "path-ids": path_ids(),
    "patch-fields": patch_fields(),
    "numbers-in-text-fields": numbers_in_text(),
    "oversize-strings": oversize_strings(),
    "importer-account-warehouse-fields": new_write_fields(),
    "warehouse-scoped-key": warehouse_scoped_keys(),
}
for _cases in GROUPS.values():
    assert len({c.name for c in _cases}) == len(_cases), "case names must be unique"


# --- the tests ---------------------------------------------------------------------------------

def _flat(routes: Any) -> Iterator[Any]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes)
        else:
            yield route


def test_every_write_route_is_walked(app: Any) -> None:
    """Every route taking a write method (POST, PATCH, and PUT or DELETE should one come) is
    in ``ENDPOINTS``, with that method."""
    writes = {(method, route.path) for route in _flat(app.routes)
              for method in (getattr(route, "methods", None) or ()) if method in WRITE_METHODS}
    assert writes == set(ENDPOINTS.values())
    assert {"POST", "PATCH"} <= {method for method, _ in writes}


def test_each_plain_request_goes_through_and_the_snapshot_sees_it(scene: Scene,
                                                                   db: Database) -> None:
    """The control: the bodies the cases spoil work unspoilt, and the snapshot notices."""
    data_dir = scene.api.world.settings.data_dir

    def call(endpoint: str, batch_id: str | None = None) -> tuple[httpx.Response, list[str]]:
        before = snapshot(db, data_dir)
        r = send(scene, endpoint, Sent(dumps(scene.body(endpoint)),
                                       path=scene.path(endpoint, batch_id)))
        return r, changes(before, snapshot(db, data_dir))

    r, changed = call("exports-retry")  # a PLANNED batch has no submission to retry
    assert (r.status_code, r.json()["errorCode"], changed) == (409, "INVALID_EXPORT_STATE", [])
    for endpoint in ("products-sync", "orders-sync", "warehouses", "brokers"):
        r, changed = call(endpoint)
        assert r.status_code in (200, 201) and changed, (endpoint, r.text)
    # execute before planning again: a newer plan over the same order would supersede the
    # scene's batch (§5.4), an executed one it leaves alone (its order is ALREADY_EXPORTED)
    r, changed = call("exports-execute")
    assert r.status_code == 200 and changed, r.text
    r, changed = call("exports-plan")
    assert r.status_code == 200 and changed, r.text
    another_batch = r.json()["exportId"]
    r, changed = call("exports-cancel", another_batch)
    assert r.status_code == 200 and changed, r.text
    # last: a product change after planning would make the execute above PLAN_STALE
    r, changed = call("products-patch")
    assert r.status_code == 200 and changed, r.text
    assert r.json()["htsCode"] == "4820102060"
    # the importer, account and warehouse writes (after the plans: a new default importer or
    # default shipment could change what a plan snapshots)
    r, changed = call("importers")
    assert r.status_code == 201 and changed, r.text
    assert (r.json()["number"], r.json()["isDefault"]) == ("98-7654321", False)
    r, changed = call("importers-patch")
    assert r.status_code == 200 and changed, r.text
    assert r.json()["id"] == scene.importer_id
    assert (r.json()["address"]["address1"], r.json()["bond"]) == (
        "200 Harbor Way", {**BOND, "number": "GB2027001"})
    r, changed = call("account-patch")
    assert r.status_code == 200 and changed, r.text
    assert (r.json()["legalName"], r.json()["defaultImporterId"]) == (
        "Maple Goods Inc.", scene.importer_id)
    r, changed = call("warehouses-patch")
    assert r.status_code == 200 and changed, r.text
    assert r.json()["id"] == scene.api.warehouse_id
    assert r.json()["defaultShipment"]["portOfEntry"] == "3004"
    assert r.json()["defaultShipment"]["carrier"]["scac"] == "ABCD"
    # the webhook writes: the retry gets its ordinary 409 (the scene's endpoint is disabled)
    r, changed = call("webhooks-retry")
    assert (r.status_code, r.json()["errorCode"], changed) == (409, "INVALID_DELIVERY_STATE", [])
    r, changed = call("webhooks")
    assert r.status_code == 201 and changed and r.json()["secret"], r.text
    for endpoint in ("webhooks-patch", "webhooks-rotate", "webhooks-delete"):
        r, changed = call(endpoint)
        assert r.status_code == 200 and changed, (endpoint, r.text)


@pytest.mark.parametrize("group", list(GROUPS))
def test_hostile_input_gets_a_4xx_envelope_and_changes_nothing(scene: Scene, db: Database,
                                                               group: str) -> None:
    run_cases(scene, db, GROUPS[group])


@pytest.mark.parametrize("kind", ["object", "array"])
def test_nesting_of_exactly_32_levels_is_not_refused(scene: Scene, kind: str) -> None:
    """The limit is inclusive: an order whose metadata takes the body to 32 levels syncs."""
    # body (1) > items (2) > order (3) > metadata (4) > ... > level 32
    inner: Any = 1
    for _ in range(MAX_DEPTH - 4):
        inner = {"a": inner} if kind == "object" else [inner]
    metadata_value = {"a": inner}
    body = {"accountId": scene.api.account_id,
            "items": [order("ord-deep", scene.product_id, metadata=metadata_value)]}
    raw = dumps(body)
    assert depth_of(json.loads(raw)) == MAX_DEPTH
    r = send(scene, "orders-sync", Sent(raw))
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["metadata"] == metadata_value
    # one level more is refused, naming the metadata
    deeper = put(body, "items.0.metadata", {"b": metadata_value})
    r = send(scene, "orders-sync", Sent(dumps(deeper)))
    assert not problems_of(r, too_deep("items.0.metadata")), r.text


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


# --- the tariff reads (§5.10): hostile query strings and numbers, nothing written --------------

BAD_Q = Expect(400, ("VALIDATION_ERROR",), "invalid_value", "q", "q")
BAD_HTS = Expect(400, ("VALIDATION_ERROR",), "invalid_format", "hts", "hts")
TARIFF_READS: list[tuple[str, str, Expect, Headers | None]] = [
    # (name, path and query as sent, what it must get, header changes)
    ("q missing", "/api/tariff/lines", Expect(400, issue_code="required", issue_path="q"), None),
    ("q empty", "/api/tariff/lines?q=", Expect(400, issue_code="too_small", issue_path="q"),
     None),
    ("q over 200", "/api/tariff/lines?q=" + "a" * 201,
     Expect(400, issue_code="too_big", issue_path="q"), None),
    ("q 10 KiB", "/api/tariff/lines?q=" + "vacuum%20" * 1200,
     Expect(400, issue_code="too_big", issue_path="q"), None),
    ("q punctuation", "/api/tariff/lines?q=%27%22%3B--%2F*%5C", BAD_Q, None),
    ("q blank", "/api/tariff/lines?q=%20%09%0A%0D", BAD_Q, None),
    ("q not UTF-8", "/api/tariff/lines?q=%ff%fe%fd", BAD_Q, None),
    ("q emoji and zero-width", "/api/tariff/lines?q=%F0%9F%98%80%E2%80%8B%E2%80%AE", BAD_Q,
     None),
    ("q NUL", "/api/tariff/lines?q=vacuum%00bottle", Expect(400, ("INVALID_REQUEST",)), None),
    ("q twice", "/api/tariff/lines?q=&q=", Expect(400, issue_code="too_small", issue_path="q"),
     None),
    ("limit huge", "/api/tariff/lines?q=cotton&limit=99999999999999999999999",
     Expect(400, issue_code="too_big", issue_path="limit"), None),
    ("limit negative", "/api/tariff/lines?q=cotton&limit=-1",
     Expect(400, issue_code="too_small", issue_path="limit"), None),
    ("limit float", "/api/tariff/lines?q=cotton&limit=1e3",
     Expect(400, issue_code="invalid_type", issue_path="limit"), None),
    ("cursor junk", "/api/tariff/lines?q=cotton&cursor=%3Cscript%3E",
     Expect(400, issue_code="invalid_format", issue_path="cursor"), None),
    ("cursor forged", "/api/tariff/lines?q=cotton&cursor=QUFBQUFBQUFBQUFBLjk5OTk5OTk5OTk5OQ",
     Expect(400, issue_code="invalid_value", issue_path="cursor"), None),
    ("cursor over 200", "/api/tariff/lines?q=cotton&cursor=" + "A" * 201,
     Expect(400, issue_code="too_big", issue_path="cursor"), None),
    ("hts letters", "/api/tariff/lines/9617.OO.10.00", BAD_HTS, None),
    ("hts too long", "/api/tariff/lines/" + "9" * 5000, BAD_HTS, None),
    ("hts script", "/api/tariff/lines/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
     Expect(400, statuses=(404,), codes=("VALIDATION_ERROR", "NOT_FOUND")), None),
    ("hts traversal", "/api/tariff/lines/..%2F..%2Fetc%2Fpasswd",
     Expect(404, statuses=(400,), codes=("NOT_FOUND", "VALIDATION_ERROR")), None),
    ("hts SQL", "/api/tariff/lines/9617'%20OR%20'1'='1", BAD_HTS, None),
    ("hts NUL", "/api/tariff/lines/9617%00", Expect(400, ("INVALID_REQUEST",)), None),
    ("hts full-width digits", "/api/tariff/lines/%EF%BC%99%EF%BC%96%EF%BC%91%EF%BC%97",
     BAD_HTS, None),
    ("search without a key", "/api/tariff/lines?q=" + "%ff" * 300,
     Expect(401, ("INVALID_API_KEY",)), {"authorization": None}),
    ("lookup with a bad key", "/api/tariff/lines/abc", Expect(401, ("INVALID_API_KEY",)),
     {"authorization": "Bearer shpbndl_live_" + "x" * 40}),
]


def test_hostile_tariff_reads_get_a_4xx_envelope_and_change_nothing(scene: Scene,
                                                                    db: Database) -> None:
    """The tariff lookup and search (reads, so not in ``ENDPOINTS``): hostile ``q``,
    ``limit``, ``cursor`` and path numbers are refused with the envelope, never a 5xx; a key
    is checked first."""
    data_dir = scene.api.world.settings.data_dir
    before = snapshot(db, data_dir)
    problems = []
    for name, url, expect, changed in TARIFF_READS:
        headers = {"authorization": f"Bearer {scene.api.key}"}
        for header, value in (changed or {}).items():
            if value is None:
                headers.pop(header, None)
            else:
                headers[header] = str(value)
        r = scene.api.client.get(url, headers=headers)
        found = problems_of(r, expect)
        if found:
            problems.append(f"[{name}] GET {url[:80]}: {'; '.join(found)}\n"
                            f"    got {r.status_code} {r.text[:400]}")
    assert not problems, f"{len(problems)} of {len(TARIFF_READS)} calls wrong:\n" + \
        "\n".join(problems)
    assert changes(before, snapshot(db, data_dir)) == []
