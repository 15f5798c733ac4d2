"""``entrygo demo``: a ready-to-use account for the first-export guide.

Idempotent: the account, warehouse, broker and products are created once and reused; only the
API key is new on every call. ``ENTRYGO_PRODUCT_ID`` is a Section 232 steel article with complete
customs data, so the guide's plan comes back ``REVIEW_REQUIRED`` with
``METALS_REVIEW_RECOMMENDED``; the other products show a READY and a BLOCKED case.
"""

from __future__ import annotations

import json
from typing import Any

from entrygo.accounts import repository as accounts
from entrygo.api.validation import parse_json, validate_as
from entrygo.auth.keys import issue_key
from entrygo.config import Settings
from entrygo.db.database import Database
from entrygo.db.repository import AccountScope
from entrygo.products.schemas import ProductSync
from entrygo.products.service import sync_products
from entrygo.setup import service as setup
from entrygo.setup.models import Broker, Warehouse
from entrygo.setup.repository import BrokerRepository, WarehouseRepository
from entrygo.setup.schemas import BrokerCreate, WarehouseCreate

DEMO_ACCOUNT = "EntryGo Demo"
GUIDE_PRODUCT = "DEMO-BOTTLE-750"

WAREHOUSE = {
    "name": "Demo 3PL Mississauga", "country": "CA", "address1": "6300 Kennedy Rd",
    "city": "Mississauga", "region": "ON", "postalCode": "L5T 2X5",
    "notifyEmail": "warehouse@example.com",
}
BROKER = {"name": "Demo Customs Brokerage", "email": "broker@example.com", "filerCode": "DMO"}

PRODUCTS: list[dict[str, Any]] = [
    {   # Section 232 steel derivative, complete data: REVIEW_REQUIRED (METALS_REVIEW_RECOMMENDED)
        "externalId": GUIDE_PRODUCT,
        "title": "Stainless steel vacuum bottle, 750 ml",
        "customsDescription": "Vacuum-insulated drinking bottle of stainless steel, 750 ml, "
                              "with polypropylene screw cap",
        "htsCode": "7323.93.0045",
        "countryOfOrigin": "CA",
        "manufacturer": {"name": "Northern Steelworks Ltd", "address1": "1200 Industrial Rd",
                         "city": "Hamilton", "region": "ON", "postalCode": "L8L 4N3",
                         "country": "CA"},
        "mid": "XONORSTE1200HAM",
        "netWeightKg": 0.4,
        "referenceValueUsd": 110,
        "materials": [{"material": "stainless steel", "pctByWeight": 92},
                      {"material": "polypropylene", "pctByWeight": 8}],
        "metalContent": {"steelPctWeight": 92, "steelMeltPourCountry": "CA"},
        "metadata": {"demo": True},
    },
    {   # nothing to review at product level: READY
        "externalId": "DEMO-NOTEBOOK-A5",
        "title": "Hardcover notebook A5, 192 ruled pages",
        "customsDescription": "Paper notebook with hard cover, A5, 192 ruled pages",
        "htsCode": "4820.10.2010",
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


def ensure_demo(db: Database, settings: Settings) -> dict[str, str]:
    """Create or reuse the demo account; return the guide's environment variables."""
    with db.write() as s:
        account = accounts.first_named(s, DEMO_ACCOUNT)
        if account is None:
            account = setup.create_account(s, DEMO_ACCOUNT)
        acc = account.id
        scope = AccountScope(acc)
        warehouse = next(iter(WarehouseRepository(s, scope).all(
            Warehouse.name == WAREHOUSE["name"])), None)
        if warehouse is None:
            warehouse = setup.create_warehouse(
                s, acc, validate_as(WarehouseCreate, _as_request({"accountId": acc, **WAREHOUSE})))
        broker = next(iter(BrokerRepository(s, scope).all(Broker.email == BROKER["email"])),
                      None)
        if broker is None:
            body = validate_as(BrokerCreate, _as_request({"accountId": acc, **BROKER}))
            broker = setup.create_broker(s, acc, body)
        synced = sync_products(s, acc, validate_as(
            ProductSync, _as_request({"accountId": acc, "items": PRODUCTS})).items)
        product = next(p for p in synced if p.external_id == GUIDE_PRODUCT)
        key = issue_key(s, settings.secret, account_id=acc, mode="live", name="demo")
        return {
            "ENTRYGO_BASE_URL": settings.base_url,
            "ENTRYGO_API_KEY": key.secret,
            "ENTRYGO_ACCOUNT_ID": acc,
            "ENTRYGO_WAREHOUSE_ID": warehouse.id,
            "ENTRYGO_BROKER_ID": broker.id,
            "ENTRYGO_PRODUCT_ID": product.id,
        }
