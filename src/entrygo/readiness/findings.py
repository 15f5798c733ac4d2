"""Findings, and the one way every rule makes them: a ``Collector`` bound to a place.

A rule only says what it found (``add``), which field is missing (``missing=True``, or ``gap``
when the fields are finer than the finding's) and which treatment applies (``treat``). The
collector supplies the rest the same way for products, orders, lines and the batch: the place
(scope, order, line, product, export unit), the catalogue's field unless the rule names a finer
one, the ``missing_data`` entry on the product or the order, and the finding a flag comes with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from entrygo.readiness.catalogue import CATALOGUE, SEVERITY_RANK, Scope, Severity
from entrygo.readiness.treatments import TREATMENTS

_SCOPE_RANK = {"batch": 0, "order": 1, "line": 2, "product": 3}


class Finding(NamedTuple):
    """One message of the catalogue about one place (a named tuple: plans make thousands)."""

    code: str
    message: str
    scope: Scope
    field: str | None = None
    order_id: str | None = None
    line_index: int | None = None
    product_id: str | None = None
    unit_index: int | None = None
    order_ids: tuple[str, ...] | None = None
    severity_as: Severity | None = None
    """Set where the place decides the severity: a carrier code is blocking by truck and a
    warning by sea; a ``strict`` rule is blocking under the strict readiness policy."""
    details: Mapping[str, Any] | None = None
    """What a reader needs beside the message, as JSON (camelCase keys): the schedule's
    nearest lines for an HTS code it does not have (``{"suggestions": [...]}``). Never part of
    the sort key: a place has one finding per code."""

    @property
    def severity(self) -> Severity:
        return self.severity_as or CATALOGUE[self.code].severity

    @property
    def reference(self) -> str:
        return CATALOGUE[self.code].reference

    def sort_key(self) -> tuple[Any, ...]:
        return (SEVERITY_RANK[self.severity], self.code, _SCOPE_RANK[self.scope],
                self.order_id or "", -1 if self.line_index is None else self.line_index,
                self.product_id or "", self.field or "", self.unit_index or 0)


@dataclass(frozen=True, order=True)
class Missing:
    """A field that must be filled in (or corrected) on an entity."""

    entity: str  # product | order
    id: str
    field: str
    code: str


ReadinessState = Literal["READY", "REVIEW_REQUIRED", "BLOCKED"]


def state_of(findings: Iterable[Finding]) -> ReadinessState:
    """The plan state the worst severity leads to."""
    severities = {f.severity for f in findings}
    if "blocking" in severities:
        return "BLOCKED"
    return "REVIEW_REQUIRED" if "warning" in severities else "READY"


class Collector:
    """What the rules found at one place: findings, missing data and treatment flags.

    A collector made ``into`` another reports to the same findings and missing data (a line's
    findings count with its order's when ``excludeBlockedOrders`` decides), while flags stay with
    the place that earned them (a product, an export unit).
    """

    __slots__ = ("findings", "flags", "line_index", "missing", "order_id", "order_ids",
                 "product_id", "scope", "unit_index")

    def __init__(self, scope: Scope, *, order_id: str | None = None,
                 line_index: int | None = None, product_id: str | None = None,
                 unit_index: int | None = None, order_ids: tuple[str, ...] | None = None,
                 into: Collector | None = None) -> None:
        self.scope = scope
        self.order_id = order_id
        self.line_index = line_index
        self.product_id = product_id
        self.unit_index = unit_index
        self.order_ids = order_ids
        self.findings: list[Finding] = [] if into is None else into.findings
        self.missing: list[Missing] = [] if into is None else into.missing
        self.flags: set[str] = set()

    def _here(self, code: str, message: str, field: str | None,
              severity: Severity | None = None,
              details: Mapping[str, Any] | None = None) -> Finding:
        return Finding(code, message, self.scope, field, self.order_id, self.line_index,
                       self.product_id, self.unit_index, self.order_ids, severity, details)

    def add(self, code: str, message: str, field: str | None = None, *,
            missing: bool = False, severity: Severity | None = None,
            details: Mapping[str, Any] | None = None) -> None:
        """Report ``code`` here; with ``missing`` its field is also listed in ``missing_data``;
        ``severity`` when the place decides it rather than the catalogue; ``details`` for what
        the message cannot list (``Finding.details``)."""
        name = field or CATALOGUE[code].field
        self.findings.append(self._here(code, message, name, severity, details))
        if missing and name:
            self.gap(code, name)

    def gap(self, code: str, field: str) -> None:
        """List ``field`` in ``missing_data``: on the product for product rules, else the order."""
        entity, owner = (("product", self.product_id) if self.scope == "product"
                         else ("order", self.order_id))
        if owner is None:
            raise ValueError(f"{code}: no {entity} to list {field} on")
        self.missing.append(Missing(entity, owner, field, code))

    def treat(self, *flags: str, message: str | None, missing: bool = False) -> None:
        """Set treatment flags and report, once, the finding ``TREATMENTS`` pairs with them.

        Without a message only the flags are set: the treatment applies but nothing needs a look
        (a radio device that has its FCC id).
        """
        self.flags.update(flags)
        if message is not None:
            (code,) = {TREATMENTS[flag].finding for flag in flags}
            self.add(code, message, missing=missing)

    def repeat(self, findings: Iterable[Finding]) -> None:
        """Report another place's findings again, here (a product's, on each line that ships it)."""
        self.findings.extend(self._here(f.code, f.message, f.field, f.severity_as, f.details)
                             for f in findings)

    def enforce_strict(self) -> None:
        """The strict readiness policy: every finding whose rule leaves a required entry field
        empty (``Rule.strict``) becomes blocking, and says so."""
        for index, f in enumerate(self.findings):
            if CATALOGUE[f.code].strict and f.severity == "warning":
                self.findings[index] = f._replace(
                    severity_as="blocking",
                    message=f"{f.message} (Blocking under the account's strict policy.)")
