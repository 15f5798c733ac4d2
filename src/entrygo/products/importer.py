"""``entrygo products import FILE``: the catalogue from CSV or JSON, all rows or none.

Rows become the same JSON the API takes and go through the same validation and the same sync
service, so a file and an API call can never disagree. The CSV columns are documented in
``docs/products-import.md``; nested groups use dotted headers (``manufacturer.city``),
``materials`` is ``material:pct|material:pct``, ``metadata`` a JSON object.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from entrygo.api.validation import issues_from, parse_json
from entrygo.api.wire import acting_in
from entrygo.db.database import Database
from entrygo.products.schemas import ProductIn
from entrygo.products.service import record_sync, sync_products

CHUNK = 1000
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
NUMERIC_COLUMNS = {
    "netWeightKg", "referenceValueUsd", "metalContent.steelPctWeight",
    "metalContent.aluminumPctWeight", "metalContent.copperPctWeight", "battery.wattHours",
}
BOOLEAN_COLUMNS = {"pga.cpscRegulated", "pga.childrensProduct", "pga.rfDevice", "battery.present"}
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}
TOP_LEVEL = {"externalId", "title", "customsDescription", "htsCode", "countryOfOrigin", "mid",
             "netWeightKg", "referenceValueUsd", "exciseCategory", "materials", "metadata"}
GROUPS = {
    "manufacturer": {"name", "address1", "address2", "city", "region", "postalCode", "country"},
    "metalContent": {"steelPctWeight", "aluminumPctWeight", "copperPctWeight",
                     "steelMeltPourCountry", "aluminumSmeltCountry", "aluminumCastCountry"},
    "pga": {"fdaProductCode", "fdaFacilityRegistration", "cpscRegulated", "childrensProduct",
            "cpscCertificateRef", "rfDevice", "fccId"},
    "battery": {"present", "chemistry", "configuration", "unNumber", "wattHours"},
}
COLUMNS = TOP_LEVEL | {f"{g}.{f}" for g, fields in GROUPS.items() for f in fields}


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _cell(column: str, raw: str) -> Any:
    """A CSV cell as the JSON value the API expects (left as text when it does not fit, so
    validation reports it with the API's own message)."""
    if column in NUMERIC_COLUMNS and NUMBER.match(raw):
        return Decimal(raw) if "." in raw else int(raw)
    if column in BOOLEAN_COLUMNS and raw.lower() in _TRUE | _FALSE:
        return raw.lower() in _TRUE
    if column == "materials":
        materials = []
        for part in raw.split("|"):
            name, _, pct = part.rpartition(":") if ":" in part else (part, "", "")
            entry: dict[str, Any] = {"material": name.strip()}
            if pct.strip():
                entry["pctByWeight"] = _cell("netWeightKg", pct.strip())
            materials.append(entry)
        return materials
    if column == "metadata":
        try:
            return parse_json(raw.encode())
        except Exception:
            return raw
    return raw


def rows_from_csv(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        headers = [h.strip() for h in reader.fieldnames or []]
        unknown = [h for h in headers if h not in COLUMNS]
        if unknown or "externalId" not in headers:
            problems = [f"unknown column {h!r}" for h in unknown]
            if "externalId" not in headers:
                problems.append("missing column 'externalId'")
            return [], problems
        items = []
        for raw_row in reader:
            item: dict[str, Any] = {}
            for header, value in zip(headers, raw_row.values(), strict=False):
                value = (value or "").strip()
                if not value:
                    continue
                group, _, name = header.partition(".")
                if name:
                    item.setdefault(group, {})[name] = _cell(header, value)
                else:
                    item[header] = _cell(header, value)
            items.append(item)
        return items, []


def rows_from_json(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        data = parse_json(path.read_bytes())
    except Exception:
        return [], ["the file is not valid JSON"]
    if isinstance(data, dict):
        data = data.get("items")
    if not isinstance(data, list):
        return [], ["expected a JSON array of products, or an object with 'items'"]
    return data, []


def import_products(db: Database, account_id: str, path: Path, *, mode: str = "live"
                    ) -> dict[str, int]:
    """Import a file's products (all or none); how many were created, updated, unchanged."""
    return import_products_listing(db, account_id, path, mode=mode)[0]


def import_products_listing(db: Database, account_id: str, path: Path, *, mode: str = "live"
                            ) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Validate every row, then sync them all in one transaction, into the account's live or
    test mode (``kit.modes``). Returns the counts by status and every product with its id and
    what the import did to it (``externalId``, ``id``, ``syncStatus``), in file order."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ImportFailed([f"unsupported file type {suffix!r}: use .csv or .json"])
    rows, problems = rows_from_csv(path) if suffix == ".csv" else rows_from_json(path)
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed(["the file holds no products"])
    label = "row" if suffix == ".csv" else "item"
    first = 2 if suffix == ".csv" else 0  # CSV: line 1 is the header
    items: list[ProductIn] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows):
        where = f"{label} {n + first}"
        if not isinstance(row, dict):
            problems.append(f"{where}: expected an object")
            continue
        try:
            item = ProductIn.model_validate(row)
        except ValidationError as exc:
            problems.extend(f"{where}: {i.path}: {i.message} ({i.code})" for i in issues_from(exc))
            continue
        if item.external_id in seen:
            problems.append(f"{where}: externalId {item.external_id!r} repeats {label} "
                            f"{seen[item.external_id]}")
        seen.setdefault(item.external_id, n + first)
        items.append(item)
    if problems:
        raise ImportFailed(problems)

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    listing: list[dict[str, str]] = []

    def work(session: Any) -> None:
        from entrygo.accounts import repository as accounts

        target = accounts.acting_partition(session, account_id, mode)
        if target is None:
            raise ImportFailed([f"no account {account_id}"])
        for key in counts:
            counts[key] = 0
        listing.clear()
        synced = []
        for start in range(0, len(items), CHUNK):
            with acting_in(livemode=mode != "test"):
                done = sync_products(session, target, items[start:start + CHUNK])
            for product in done:
                counts[product.sync_status] += 1
                listing.append({"externalId": product.external_id, "id": product.id,
                                "syncStatus": product.sync_status})
                synced.append(product)
        record_sync(session, target, synced, source="import", request_id=None)

    db.transact(work)
    return counts, listing

