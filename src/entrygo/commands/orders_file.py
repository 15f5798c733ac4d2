"""Orders files: the CSV and JSON that ``entrygo orders sync`` reads, with where each order
came from, so that every problem (found here, or by the server) is reported by row and column.

CSV (docs/cli.md): a header row, one row per order line; rows with the same ``externalId`` are
one order (they need not be next to each other). Order columns may be repeated on every row of
the order or given once: rows that disagree are an error. JSON: the API's ``items`` array, or
``{"items": [...]}``, each order exactly as ``POST /api/orders/sync`` takes it.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from entrygo.commands.output import Code, Failure

ORDER_COLUMNS = (
    "externalId", "destinationCountry", "destinationRegion", "destinationPostalCode",
    "orderedAt", "currency", "incoterm", "metadata", "parcels",
    "consignee.name", "consignee.address1", "consignee.address2", "consignee.city",
    "consignee.phone", "consignee.email",
    "charges.freightUsd", "charges.insuranceUsd", "charges.packingUsd", "charges.otherUsd",
    "charges.includedInUnitPrices", "usdExchangeRate.rate", "usdExchangeRate.date",
)
LINE_COLUMNS = ("productId", "quantity", "unitValueUsd")
COLUMNS = frozenset(ORDER_COLUMNS + LINE_COLUMNS)
REQUIRED_COLUMNS = ("externalId", "productId", "quantity", "unitValueUsd")
DECIMAL_COLUMNS = frozenset({"unitValueUsd", "charges.freightUsd", "charges.insuranceUsd",
                             "charges.packingUsd", "charges.otherUsd", "usdExchangeRate.rate"})
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
INTEGER = re.compile(r"^-?\d+$")
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


@dataclass(frozen=True)
class Origin:
    """Where one order came from: its index among the file's orders, and for a CSV its rows
    (file line numbers, the header being line 1), one per order line in order."""

    index: int
    rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One thing to fix, said the way the file says it: which row (or item), which column
    (or field path inside the order), the value found, and what is wrong with it."""

    origin: Origin | None
    external_id: str | None
    column: str
    value: Any
    message: str
    code: str
    rows: tuple[int, ...] = ()

    def where(self, kind: str) -> str:
        if kind == "csv":
            if not self.rows:
                return "-"
            return f"row {self.rows[0]}" if len(self.rows) == 1 else \
                f"rows {', '.join(str(r) for r in self.rows)}"
        return "-" if self.origin is None else f"items[{self.origin.index}]"

    def document(self) -> dict[str, Any]:
        return {"item": None if self.origin is None else self.origin.index,
                "rows": list(self.rows), "externalId": self.external_id,
                "field": self.column, "value": _plain(self.value), "message": self.message,
                "code": self.code}


@dataclass
class OrdersFile:
    """The orders of a file as the API takes them, each with its origin."""

    path: Path
    kind: str  # "csv" or "json"
    orders: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    line_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    """What reading found wrong (rows the API's model cannot see: an order split over rows
    that disagree, a line without an externalId, an item that is not an object)."""
    unreadable: set[int] = field(default_factory=set)
    """Orders not worth checking further (not an object)."""

    @property
    def external_ids(self) -> list[str]:
        return [str(o.get("externalId")) for o in self.orders]

    def problem(self, path: str, message: str, code: str, offset: int = 0) -> Problem:
        """A problem of the issue ``path`` (``items.3.items.0.productId``, relative to a
        request that sent the orders from ``offset`` on), in the file's terms."""
        parts = path.split(".")
        if len(parts) < 2 or parts[0] != "items" or not parts[1].isdigit():
            return Problem(None, None, path or "(request)", None, message, code)
        index = offset + int(parts[1])
        if index >= len(self.orders):
            return Problem(None, None, path, None, message, code)
        order, origin, rest = self.orders[index], self.origins[index], parts[2:]
        external_id = order.get("externalId")
        value = _dig(order, rest)
        if self.kind != "csv":
            return Problem(origin, _text(external_id), ".".join(rest) or "(order)", value,
                           message, code)
        rows = origin.rows
        if rest[:1] == ["items"] and len(rest) >= 2 and rest[1].isdigit():
            line = int(rest[1])
            rows = origin.rows[line:line + 1] if line < len(origin.rows) else origin.rows
            column = ".".join(rest[2:]) or "(line)"
        else:
            column = ".".join(rest) or "(order)"
            if column.startswith("parcels."):
                column = "parcels"
        return Problem(origin, _text(external_id), column, value, message, code, rows)


def _dig(data: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _plain(value: Any) -> Any:
    """A value for the JSON report (decimals as the text they were written as)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class FileProblems(Failure):
    """A file whose rows are wrong: nothing was sent."""

    def __init__(self, source: OrdersFile, problems: list[Problem]) -> None:
        super().__init__(Code.USAGE, "VALIDATION_ERROR",
                         f"{len(problems)} problem(s) in {source.path}: nothing was sent")
        self.source = source
        self.problems = problems


# --- reading -----------------------------------------------------------------------------------

def read_orders_file(path: Path) -> OrdersFile:
    """The orders of a ``.csv`` or ``.json`` file (a file that cannot be read as one is a
    usage error); what is wrong with single rows is in ``problems``, for ``check_orders``."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise Failure(Code.USAGE, "UNSUPPORTED_FILE",
                      f"{path}: an orders file is .csv or .json")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Failure(Code.USAGE, "FILE_UNREADABLE", f"cannot read {path}: {exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Failure(Code.USAGE, "FILE_UNREADABLE", f"{path} is not UTF-8 text") from None
    return _from_csv(path, text) if suffix == ".csv" else _from_json(path, text)


def items_of(document: Any, path: Path) -> list[Any]:
    """The orders of a JSON document: the API's ``items`` array, or ``{"items": [...]}``."""
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        return list(document["items"])
    if isinstance(document, list):
        return document
    raise Failure(Code.USAGE, "UNSUPPORTED_FILE",
                  f'{path}: expected an array of orders or {{"items": [...]}}')


def _from_json(path: Path, text: str) -> OrdersFile:
    try:
        document = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise Failure(Code.USAGE, "INVALID_JSON", f"{path} is not JSON: {exc}") from None
    source = OrdersFile(path, "json")
    for index, item in enumerate(items_of(document, path)):
        origin = Origin(index)
        if not isinstance(item, dict):
            source.problems.append(Problem(origin, None, "(order)", item,
                                           "Expected an object (an order)", "invalid_type"))
            source.unreadable.add(index)
            item = {}
        source.orders.append(item)
        source.origins.append(origin)
        lines = item.get("items")
        source.line_count += len(lines) if isinstance(lines, list) else 0
    return source


def _from_csv(path: Path, text: str) -> OrdersFile:
    reader = csv.DictReader(text.splitlines(keepends=True), strict=True)
    headers = [h.strip() for h in reader.fieldnames or []]
    if not headers:
        raise Failure(Code.USAGE, "INVALID_CSV", f"{path} is empty: the first row names the "
                      "columns")
    unknown = [h for h in headers if h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    duplicate = sorted({h for h in headers if headers.count(h) > 1})
    if unknown or missing or duplicate:
        said = [f"unknown column(s) {', '.join(unknown)}" if unknown else "",
                f"missing column(s) {', '.join(missing)}" if missing else "",
                f"repeated column(s) {', '.join(duplicate)}" if duplicate else ""]
        raise Failure(Code.USAGE, "INVALID_CSV",
                      f"{path}: {'; '.join(s for s in said if s)} (the columns are listed "
                      "in docs/cli.md)")
    reader.fieldnames = headers
    source = OrdersFile(path, "csv")
    by_id: dict[str, int] = {}
    first_row: dict[tuple[int, str], int] = {}
    rows: list[list[int]] = []
    problems: list[Problem] = []
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as exc:
        raise Failure(Code.USAGE, "INVALID_CSV", f"{path}, line {reader.line_num}: {exc}"
                      ) from None
    for row, record in records:
        cells = {k: (v or "").strip() for k, v in record.items() if k is not None}
        if None in record:
            problems.append(Problem(None, cells.get("externalId") or None, "(row)", None,
                                    "More cells than columns", "invalid_value", (row,)))
        if not any(cells.values()):
            continue  # a blank row
        external_id = cells.get("externalId", "")
        if not external_id:
            problems.append(Problem(None, None, "externalId", "", "Required: the order this "
                                    "line belongs to", "required", (row,)))
            continue
        if external_id not in by_id:
            by_id[external_id] = len(source.orders)
            source.orders.append({"externalId": external_id, "items": []})
            rows.append([])
        index = by_id[external_id]
        order = source.orders[index]
        for column in ORDER_COLUMNS[1:]:
            raw = cells.get(column, "")
            if not raw:
                continue
            value = _cell(column, raw)
            current = _dig(order, column.split("."))
            if current is None:
                _put(order, column, value)
                first_row[(index, column)] = row
            elif current != value:
                problems.append(Problem(
                    None, external_id, column, raw,
                    f"Differs from row {first_row[(index, column)]} of the same order "
                    f"({_shown(current)}): give it once, or the same on every row",
                    "invalid_value", (row,)))
        line = {k: _cell(k, cells[k]) for k in LINE_COLUMNS if cells.get(k)}
        order["items"].append(line)
        rows[index].append(row)
        source.line_count += 1
    source.origins = [Origin(i, tuple(r)) for i, r in enumerate(rows)]
    source.problems = [p if p.origin is not None or p.external_id not in by_id else
                       Problem(source.origins[by_id[p.external_id]], p.external_id, p.column,
                               p.value, p.message, p.code, p.rows) for p in problems]
    return source


def _shown(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False) if not isinstance(value, str) \
        else value


def _put(order: dict[str, Any], column: str, value: Any) -> None:
    group, _, name = column.partition(".")
    if name:
        order.setdefault(group, {})[name] = value
    else:
        order[group] = value


def _cell(column: str, raw: str) -> Any:
    """A cell as the JSON value the API takes; text that does not fit stays text, so the
    API's own validation names the problem."""
    if column == "quantity" and INTEGER.match(raw):
        return int(raw)
    if column in DECIMAL_COLUMNS and NUMBER.match(raw):
        return Decimal(raw) if "." in raw else int(raw)
    if column == "charges.includedInUnitPrices" and raw.lower() in _TRUE | _FALSE:
        return raw.lower() in _TRUE
    if column == "metadata":
        try:
            return json.loads(raw, parse_float=Decimal)
        except ValueError:
            return raw
    if column == "parcels":
        return [_parcel(part) for part in raw.split("|")]
    return raw


def _parcel(text: str) -> dict[str, Any]:
    """``TRACKING[:GROSS_KG]``, one parcel of the ``parcels`` column."""
    tracking, _, weight = text.strip().partition(":")
    parcel: dict[str, Any] = {"trackingNumber": tracking.strip()}
    if weight.strip():
        w = weight.strip()
        parcel["grossWeightKg"] = (Decimal(w) if "." in w else int(w)) if NUMBER.match(w) \
            else w
    return parcel


# --- checking ---------------------------------------------------------------------------------

def check_orders(source: OrdersFile) -> list[Problem]:
    """Every problem of the file, in file order: what reading found, what the API's own
    request model finds in each order, and repeated ``externalId``s (one sync call refuses
    them; across calls one would silently win)."""
    from pydantic import ValidationError

    from entrygo.api.validation import issues_from
    from entrygo.orders.schemas import OrderIn

    problems = list(source.problems)
    for index, order in enumerate(source.orders):
        if index in source.unreadable:
            continue
        try:
            OrderIn.model_validate(order)
        except ValidationError as exc:
            problems.extend(source.problem(f"items.{index}.{i.path}".rstrip("."), i.message,
                                           i.code) for i in issues_from(exc))
    seen: dict[str, int] = {}
    for index, external_id in enumerate(source.external_ids):
        if external_id in seen and source.kind == "json":
            problems.append(source.problem(
                f"items.{index}.externalId",
                f"Repeats the externalId of items[{seen[external_id]}]", "duplicate"))
        seen.setdefault(external_id, index)
    return sorted(problems, key=_file_order)


def _file_order(problem: Problem) -> tuple[int, int]:
    return (problem.rows[0] if problem.rows else 0,
            problem.origin.index if problem.origin else -1)


def chunks(count: int, size: int) -> Iterable[tuple[int, int]]:
    """``(start, end)`` of each batch of at most ``size``."""
    for start in range(0, count, size):
        yield start, min(count, start + size)
