"""``entrygo demo``: a ready-to-use account for the first-export guide.

Idempotent: the account (with its seller and a default importer of record), the warehouse (with
a default shipment: truck via Buffalo-Niagara Falls), the broker and the products are created
once and reused, and so is the API key unless asked to rotate it. The key is a test-mode key
(``shpbndl_test_…``) and everything the demo makes lives in the account's test mode, so the
guide's broker email goes to the test outbox, never to a real broker. ``ENTRYGO_PRODUCT_ID`` is a
Section 232 steel article with complete customs data, so the guide's plan comes back
``REVIEW_REQUIRED`` with ``METALS_REVIEW_RECOMMENDED``; the other products show a READY and a
BLOCKED case.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from entrygo.accounts import repository as accounts
from entrygo.accounts.models import Account
from entrygo.accounts.schemas import AccountPatch
from entrygo.accounts.service import update_account
from entrygo.api.validation import parse_json, validate_as
from entrygo.api.wire import acting_in
from entrygo.auth.keys import find_active_key, issue_key, revoke_key
from entrygo.config import Settings
from entrygo.db.database import Database
from entrygo.db.repository import AccountScope
from entrygo.importers.schemas import ImporterCreate
from entrygo.importers.service import create_importer
from entrygo.kit.errors import ApiError
from entrygo.kit.files import write_private
from entrygo.kit.modes import public_account_id
from entrygo.products.schemas import ProductSync
from entrygo.products.service import sync_products
from entrygo.setup import service as setup
from entrygo.setup.models import Broker, Warehouse
from entrygo.setup.repository import BrokerRepository, WarehouseRepository
from entrygo.setup.schemas import BrokerCreate, WarehouseCreate

DEMO_ACCOUNT = "EntryGo Demo"
GUIDE_PRODUCT = "DEMO-SAUCEPAN-1L"

SHIPMENT = {"modeOfTransport": "truck", "portOfEntry": "0901",
            "carrier": {"scac": "DMOT", "name": "Demo Transport Inc."}}
"""The warehouse's default shipment: by truck into Buffalo-Niagara Falls (CBP port 0901)."""
WAREHOUSE = {
    "name": "Demo 3PL Mississauga", "country": "CA", "address1": "6300 Kennedy Rd",
    "city": "Mississauga", "region": "ON", "postalCode": "L5T 2X5",
    "notifyEmail": "warehouse@example.com", "defaultShipment": SHIPMENT,
}
SELLER = {"legalName": "EntryGo Demo Merchant Inc.", "address": {
    "address1": "100 King St W", "city": "Toronto", "region": "ON", "postalCode": "M5X 1A9",
    "country": "CA"}}
"""The account's seller on the invoice."""
IMPORTER = {"name": "EntryGo Demo Imports LLC", "number": "12-3456789", "address": {
    "address1": "1 Harbor Way", "city": "Buffalo", "region": "NY", "postalCode": "14202",
    "country": "US"}, "bond": {"type": "continuous", "suretyCode": "123", "number": "DEMO0001"}}
"""The account's default importer of record (a made-up EIN of the right shape)."""
BROKER = {"name": "Demo Customs Brokerage", "email": "broker@example.com", "filerCode": "DMO"}

PRODUCTS: list[dict[str, Any]] = [
    {   # Section 232 steel derivative, complete data: REVIEW_REQUIRED (METALS_REVIEW_RECOMMENDED)
        "externalId": GUIDE_PRODUCT,
        "title": "Stainless steel saucepan, 1 l",
        "customsDescription": "Saucepan of stainless steel for stove-top cooking, 1 litre, "
                              "with phenolic handle",
        "htsCode": "7323.93.0045",
        "countryOfOrigin": "CA",
        "manufacturer": {"name": "Northern Steelworks Ltd", "address1": "1200 Industrial Rd",
                         "city": "Hamilton", "region": "ON", "postalCode": "L8L 4N3",
                         "country": "CA"},
        "mid": "XONORSTE1200HAM",
        "netWeightKg": 0.4,
        "referenceValueUsd": 110,
        "materials": [{"material": "stainless steel", "pctByWeight": 92},
                      {"material": "phenolic resin", "pctByWeight": 8}],
        "metalContent": {"steelPctWeight": 92, "steelMeltPourCountry": "CA"},
        "metadata": {"demo": True},
    },
    {   # nothing to review at product level: READY
        "externalId": "DEMO-NOTEBOOK-A5",
        "title": "Hardcover notebook A5, 192 ruled pages",
        "customsDescription": "Paper notebook with hard cover, A5, 192 ruled pages",
        "htsCode": "4820.10.2060",
        "countryOfOrigin": "CA",
        "manufacturer": {"name": "Maple Paper Company", "address1": "55 Rue Saint-Paul",
                         "city": "Montreal", "region": "QC", "country": "CA"},
        "mid": "XQMAPPAP55MON",
        "netWeightKg": 0.35,
        "referenceValueUsd": 18,
        "metadata": {"demo": True},
    },
    {   # no HTS code: BLOCKED (HTS_MISSING)
        "externalId": "DEMO-TOQUE-WOOL",
        "title": "Merino wool knit toque",
        "customsDescription": "Knitted winter hat of merino wool",
        "countryOfOrigin": "CA",
        "manufacturer": {"name": "Laurentian Knits Inc", "address1": "410 Rue Principale",
                         "city": "Granby", "region": "QC", "country": "CA"},
        "netWeightKg": 0.1,
        "referenceValueUsd": 35,
        "materials": [{"material": "wool", "pctByWeight": 100}],
        "metadata": {"demo": True},
    },
]


def _as_request(data: dict[str, Any]) -> Any:
    """What the API would have parsed from this data (exact decimals included)."""
    return parse_json(json.dumps(data).encode())


DEMO_KEY_FILE = "demo_api_key"
"""Where the demo keeps its key's secret (``data_dir``, 0600): keys are stored hashed, so
this is how a second ``entrygo demo`` can print the same key instead of issuing another."""


def _demo_key(session: Session, settings: Settings, account_id: str, *, rotate: bool) -> str:
    """The demo key's secret, a test-mode key: the one issued before while it is still
    valid, unless ``rotate`` (then that one is revoked and a new one issued)."""
    path = settings.data_dir / DEMO_KEY_FILE
    previous = path.read_text().strip() if path.exists() else None
    if previous:
        try:
            row = find_active_key(session, settings.secret, previous)
        except ApiError:  # revoked, expired, or from a database since reset
            row = None
        if row is not None and row.account_id == account_id:
            if not rotate and row.mode == "test":
                return previous
            revoke_key(session, row.id)  # rotated, or a live key of an earlier demo
    key = issue_key(session, settings.secret, account_id=account_id, mode="test", name="demo")
    write_private(path, key.secret.encode())
    return key.secret


def _ensure_filing_defaults(session: Session, account: Account) -> None:
    """The seller and a default importer of record, so that the guide's plan is judged on its
    goods (REVIEW_REQUIRED for the steel bottle), not blocked for want of filing data."""
    if account.legal_name is None:
        update_account(session, account.id, validate_as(AccountPatch, _as_request(SELLER)))
    if account.default_importer_id is None:
        create_importer(session, account.id, validate_as(ImporterCreate, _as_request(
            {"accountId": public_account_id(account.id), **IMPORTER, "isDefault": True})))


def ensure_demo(db: Database, settings: Settings, *, rotate: bool = False) -> dict[str, str]:
    """Create or reuse the demo account and its key; return the guide's environment
    variables."""
    with db.write() as s, acting_in(livemode=False):
        live = accounts.first_named(s, DEMO_ACCOUNT)
        if live is None:
            live = setup.create_account(s, DEMO_ACCOUNT)
        public = live.id
        key = _demo_key(s, settings, public, rotate=rotate)  # makes the test partition
        account = accounts.ensure_test_partition(s, live)  # the demo works in test mode
        acc = account.id
        scope = AccountScope(acc)
        warehouse = next(iter(WarehouseRepository(s, scope).all(
            Warehouse.name == WAREHOUSE["name"])), None)
        if warehouse is None:
            warehouse = setup.create_warehouse(s, acc, validate_as(
                WarehouseCreate, _as_request({"accountId": public, **WAREHOUSE})))
        elif warehouse.default_shipment is None:  # a demo made before shipments existed
            warehouse.default_shipment = SHIPMENT
        _ensure_filing_defaults(s, account)
        broker = next(iter(BrokerRepository(s, scope).all(Broker.email == BROKER["email"])),
                      None)
        if broker is None:
            body = validate_as(BrokerCreate, _as_request({"accountId": public, **BROKER}))
            broker = setup.create_broker(s, acc, body)
        synced = sync_products(s, acc, validate_as(
            ProductSync, _as_request({"accountId": public, "items": PRODUCTS})).items)
        product = next(p for p in synced if p.external_id == GUIDE_PRODUCT)
        return {
            "ENTRYGO_BASE_URL": settings.base_url,
            "ENTRYGO_API_KEY": key,
            "ENTRYGO_ACCOUNT_ID": public,
            "ENTRYGO_WAREHOUSE_ID": warehouse.id,
            "ENTRYGO_BROKER_ID": broker.id,
            "ENTRYGO_PRODUCT_ID": product.id,
        }
