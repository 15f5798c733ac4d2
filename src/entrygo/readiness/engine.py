"""The readiness engine: pure functions from frozen facts to findings (no database, no HTTP).

``judge_product`` is the product-level part of the catalogue (a product's own ``readiness``);
``assess`` judges a whole plan: destination and consignee per order, values and product data per
line, export units and entry types per consignee, treatment flags and the missing data list.
Everything it returns is sorted, so the same facts always give the same answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from entrygo.readiness import mid as mids
from entrygo.readiness.catalogue import CATALOGUE, SEVERITY_RANK, Scope, Severity
from entrygo.readiness.facts import OrderFacts, PlanFacts, ProductFacts
from entrygo.readiness.reference import Reference

HTS_SHAPE = re.compile(r"^\d{10}$")
ZIP_SHAPE = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
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

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code].severity

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


def state_of(findings: list[Finding] | tuple[Finding, ...]) -> str:
    severities = {f.severity for f in findings}
    if "blocking" in severities:
        return "BLOCKED"
    return "REVIEW_REQUIRED" if "warning" in severities else "READY"


# --- products ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProductVerdict:
    product_id: str
    findings: tuple[Finding, ...]  # scope "product"
    missing: tuple[Missing, ...]
    flags: frozenset[str]
    derived_mid: str | None = None

    @property
    def state(self) -> str:
        return state_of(self.findings)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class _Collector:
    def __init__(self, product_id: str) -> None:
        self.product_id = product_id
        self.findings: list[Finding] = []
        self.missing: list[Missing] = []
        self.flags: set[str] = set()

    def add(self, code: str, message: str, field_name: str | None = None, *,
            missing: bool = False) -> None:
        field_name = field_name or CATALOGUE[code].field
        self.findings.append(Finding(code, message, "product", field_name,
                                     product_id=self.product_id))
        if missing and field_name:
            self.missing.append(Missing("product", self.product_id, field_name, code))


def judge_product(p: ProductFacts, ref: Reference) -> ProductVerdict:
    """The product-level rules of the catalogue."""
    c = _Collector(p.id)
    hts = p.hts_code
    digits = hts if hts and hts.isdigit() else None  # scopes also read 6- and 8-digit codes
    if not hts:
        c.add("HTS_MISSING", "Add the product's 10-digit HTS code.", missing=True)
    elif not HTS_SHAPE.match(hts):
        c.add("HTS_MALFORMED", f"HTS code '{hts}' is not 10 digits: give the full 10-digit "
              "HTSUS statistical number.", missing=True)
    elif int(hts[:2]) in (0, 77, 98, 99) or int(hts[:2]) > 97:
        c.add("HTS_INVALID_CHAPTER", f"HTS code '{hts}' is in chapter {hts[:2]}, which is not a "
              "chapter for imported goods.", missing=True)

    origin = p.country_of_origin
    origin_ok = False
    if not origin:
        c.add("ORIGIN_MISSING", "Add the country of origin (where the goods were made, as an "
              "ISO 3166-1 alpha-2 code).", missing=True)
    elif not ref.is_country(origin):
        hint = " (use GB for the United Kingdom)" if origin == "UK" else ""
        c.add("ORIGIN_INVALID", f"Country of origin '{origin}' is not an ISO 3166-1 alpha-2 "
              f"code{hint}.", missing=True)
    else:
        origin_ok = True
        if origin in ref.embargoed_origins:
            c.add("PROHIBITED_ORIGIN", f"Goods of {origin} origin are under embargo and cannot "
                  "be imported.")

    _description(p, ref, c)
    derived = _mid(p, origin if origin_ok else None, ref, c)

    if p.net_weight_kg is None or p.net_weight_kg == 0:
        c.add("WEIGHT_MISSING", "Add the net weight per unit in kilograms.", missing=True)
    if ref.textile_scope.contains(digits) and not any(
            m.get("pctByWeight") for m in p.materials or []):
        c.add("TEXTILE_DETAILS_MISSING", "Textiles need their fibre content by weight: add "
              "materials with pctByWeight.", missing=True)

    _metals(p, digits, ref, c)

    if origin_ok and origin in ref.section301_origins:
        c.add("CN_SECTION_301_REVIEW", "Chinese-origin goods carry Section 301 duties: check "
              "the applicable list and rate.")
        c.flags.add("SECTION_301_CN")
    if origin_ok and origin in ref.uflpa_origins:
        names = " ".join(str(m.get("material", "")).lower() for m in p.materials or [])
        hits = [m for m in ref.uflpa_materials if m in names]
        if hits or ref.uflpa_scope.contains(digits):
            why = f"materials include {', '.join(hits)}" if hits else "HTS chapter is high-risk"
            c.add("UFLPA_REVIEW", f"UFLPA screening: Chinese origin and {why}; keep supply-chain "
                  "tracing documents ready.")
            c.flags.add("UFLPA_SCREENING")

    _partner_agencies(p, digits, ref, c)

    if p.excise_category != "none" or ref.excise_scope.contains(digits):
        what = p.excise_category if p.excise_category != "none" else "excise"
        c.add("EXCISE_GOODS_BLOCKED", f"{what.capitalize()} goods cannot be shipped on informal "
              "consumer entries.")
    return ProductVerdict(p.id, tuple(sorted(c.findings, key=Finding.sort_key)),
                          tuple(sorted(set(c.missing))), frozenset(c.flags), derived)


def _description(p: ProductFacts, ref: Reference, c: _Collector) -> None:
    text = (p.customs_description or p.title or "").strip()
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if w not in ref.filler_words]
    generic = all(w in ref.generic_words for w in words)
    if len(text) < ref.description_min_length or generic:
        reason = "generic" if words and generic and len(text) >= ref.description_min_length \
            else f"shorter than {ref.description_min_length} characters"
        c.add("DESCRIPTION_INSUFFICIENT", f"The customs description '{text}' is {reason}: "
              "describe what the item is, what it is made of and what it is for.",
              "customsDescription", missing=True)


def _mid(p: ProductFacts, origin: str | None, ref: Reference, c: _Collector) -> str | None:
    if p.mid:
        if not mids.MID_SHAPE.match(p.mid):
            c.add("MID_MALFORMED", f"MID '{p.mid}' is malformed: two letters of country, then up "
                  "to 13 capital letters or digits.", missing=True)
        elif origin and p.mid[:2] not in mids.expected_prefixes(origin, ref):
            expected = "a Canadian province code (XO, XQ, XC, ...)" if origin == "CA" \
                else origin
            c.add("MID_ORIGIN_MISMATCH", f"MID '{p.mid}' starts with {p.mid[:2]} but the goods "
                  f"are of {origin} origin: expected {expected}.")
        return None
    derived = mids.derive(p.manufacturer, origin, ref)
    if derived:
        c.add("MID_DERIVED", f"No MID given; derived {derived} from the manufacturer's name and "
              "address. Confirm it or send the MID.")
        return derived
    c.add("MID_MISSING", "Add the MID, or the manufacturer's name, street, city (and, for "
          "Canadian goods, province) and a valid country of origin to derive it.", missing=True)
    return None


_METAL_FIELDS = {
    "steel": ("steelPctWeight", ["steelMeltPourCountry"]),
    "aluminum": ("aluminumPctWeight", ["aluminumSmeltCountry", "aluminumCastCountry"]),
    "copper": ("copperPctWeight", []),
}


def _metals(p: ProductFacts, digits: str | None, ref: Reference, c: _Collector) -> None:
    content = p.metal_content or {}
    shares = {metal: _dec(content.get(pct)) for metal, (pct, _) in _METAL_FIELDS.items()}
    in_scope = ref.section232_metals(digits) | {m for m, v in shares.items() if v and v > 0}
    if not in_scope:
        return
    above = sorted(m for m in in_scope
                   if shares[m] is None or shares[m] > ref.metals_threshold_pct)  # type: ignore[operator]
    if not above:
        c.add("METALS_BELOW_THRESHOLD", f"Section 232 metals ({', '.join(sorted(in_scope))}) "
              f"are each at most {ref.metals_threshold_pct} % by weight: out of scope.")
        return
    c.add("METALS_REVIEW_RECOMMENDED", f"Section 232 {', '.join(above)} article: the broker "
          "must declare metal content and origin of the metal.")
    for metal in above:
        c.flags.add(f"SECTION_232_{metal.upper()}")
        pct_field, origin_fields = _METAL_FIELDS[metal]
        required = [pct_field] if shares[metal] is None else []
        required += [f for f in origin_fields if not ref.is_country(content.get(f))]
        for name in required:
            c.add("METALS_ORIGIN_DATA_MISSING", f"Section 232 {metal}: add metalContent.{name}.",
                  f"metalContent.{name}", missing=True)


def _partner_agencies(p: ProductFacts, digits: str | None, ref: Reference,
                      c: _Collector) -> None:
    pga = p.pga or {}
    if ref.fda_scope.contains(digits) or pga.get("fdaProductCode"):
        c.add("PGA_FDA_REVIEW", "FDA-regulated goods: the broker files FDA data (prior notice "
              "for food).")
        c.flags.add("PGA_FDA")
    if ref.fda_food.contains(digits):
        for name in ("fdaProductCode", "fdaFacilityRegistration"):
            if not pga.get(name):
                c.add("PGA_FDA_DATA_MISSING", f"Food for FDA prior notice: add pga.{name}.",
                      f"pga.{name}", missing=True)
    if pga.get("childrensProduct") or pga.get("cpscRegulated") or ref.cpsc_scope.contains(digits):
        c.add("PGA_CPSC_REVIEW", "CPSC-regulated or children's product: a certificate must be "
              "filed electronically.")
        c.flags.add("PGA_CPSC")
        if not pga.get("cpscCertificateRef"):
            c.add("PGA_CPSC_CERT_MISSING", "Add pga.cpscCertificateRef (the CPC or GCC "
                  "reference).", missing=True)
    if pga.get("rfDevice") or ref.fcc_scope.contains(digits):
        c.flags.add("PGA_FCC")
        if not pga.get("fccId"):
            c.add("PGA_FCC_REVIEW", "Radio-frequency device without an FCC id: add pga.fccId "
                  "or confirm a Supplier's Declaration of Conformity.", missing=True)
    battery = p.battery or {}
    if battery.get("present") or ref.dangerous_goods_scope.contains(digits):
        c.add("DANGEROUS_GOODS_REVIEW", "Contains batteries: lithium shipments follow DOT/IATA "
              "dangerous-goods rules.")
        c.flags.add("DANGEROUS_GOODS")
    if battery.get("present"):
        for name in ("unNumber", "wattHours"):
            if not battery.get(name):
                c.add("DG_DATA_MISSING", f"Battery present: add battery.{name}.",
                      f"battery.{name}", missing=True)


# --- orders and plans ----------------------------------------------------------------------------

def normalize_zip(value: str) -> str | None:
    match = ZIP_SHAPE.match(value.replace(" ", ""))
    if not match:
        return None
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


def judge_order(o: OrderFacts, ref: Reference) -> tuple[list[Finding], list[Missing]]:
    """Destination and consignee rules (U.S. orders)."""
    findings: list[Finding] = []
    missing: list[Missing] = []

    def add(code: str, message: str, field_name: str | None = None, *,
            is_missing: bool = False) -> None:
        name = field_name or CATALOGUE[code].field
        findings.append(Finding(code, message, "order", name, order_id=o.id))
        if is_missing and name:
            missing.append(Missing("order", o.id, name, code))

    if o.destination_country != "US":
        return findings, missing
    region = None
    if not o.destination_region:
        add("DEST_REGION_MISSING", "Add the destination state (USPS code, e.g. CA).",
            is_missing=True)
    else:
        region = ref.us_region(o.destination_region)
        if region is None:
            add("DEST_REGION_INVALID", f"'{o.destination_region}' is not a U.S. state, DC, PR "
                "or military region.", is_missing=True)
        elif region in ref.outside_customs_territory:
            add("DEST_OUTSIDE_CUSTOMS_TERRITORY", f"{region} is outside the U.S. customs "
                "territory: this is not a U.S. import.")
        elif region in ref.military_regions:
            add("DEST_MILITARY_ADDRESS", f"{region} is a military address: check the carrier "
                "and the entry with the broker.")
    if not o.destination_postal_code:
        add("DEST_POSTAL_CODE_MISSING", "Add the destination ZIP code.", is_missing=True)
    else:
        zip_code = normalize_zip(o.destination_postal_code)
        if zip_code is None:
            add("DEST_POSTAL_CODE_INVALID", f"'{o.destination_postal_code}' is not a ZIP code "
                "(NNNNN or NNNNN-NNNN).", is_missing=True)
        elif region and (zip_state := ref.zip_state(zip_code[:5])) and zip_state != region:
            add("DEST_POSTAL_REGION_MISMATCH", f"ZIP {zip_code[:5]} belongs to {zip_state}, "
                f"not {region}.")
    consignee = o.consignee or {}
    absent = [k for k in ("name", "address1", "city") if not consignee.get(k)]
    if absent:
        add("CONSIGNEE_INCOMPLETE", "Add the ultimate consignee's "
            f"{', '.join(absent)}.", "consignee")
        missing.extend(Missing("order", o.id, f"consignee.{k}", "CONSIGNEE_INCOMPLETE")
                       for k in absent)
    return findings, missing


@dataclass(frozen=True)
class ExportUnit:
    key: str
    order_ids: tuple[str, ...]
    value_usd: Decimal
    entry_type: str  # "11" informal, "01" formal


@dataclass(frozen=True)
class Exclusion:
    order_id: str
    reason: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    readiness_state: str
    findings: tuple[Finding, ...]
    flags: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # flag, orders, products
    missing: tuple[Missing, ...]
    included_order_ids: tuple[str, ...]
    exclusions: tuple[Exclusion, ...]
    units: tuple[ExportUnit, ...]
    totals: dict[str, Any] = field(hash=False)
    derived_mids: dict[str, str] = field(hash=False)

    @property
    def next_action(self) -> str:
        return {"BLOCKED": "fix_blocking_issues_then_replan",
                "REVIEW_REQUIRED": "review_flags_then_execute"}.get(self.readiness_state,
                                                                      "execute")


def _fold(value: Any) -> str:
    return " ".join(str(value or "").lower().split())


def consignee_key(o: OrderFacts) -> str:
    """Orders with the same consignee share an entry (19 CFR 141.51)."""
    c = o.consignee or {}
    if not c.get("name"):
        return f"order:{o.id}"
    postal = normalize_zip(o.destination_postal_code or "") or _fold(o.destination_postal_code)
    return "|".join((_fold(c.get("name")), _fold(c.get("address1")), postal[:5]))


def export_units(orders: list[OrderFacts], ref: Reference) -> list[ExportUnit]:
    groups: dict[str, list[OrderFacts]] = {}
    for o in orders:
        groups.setdefault(consignee_key(o), []).append(o)
    units = []
    for key, members in groups.items():
        value = sum((o.total_value_usd for o in members), Decimal(0))
        units.append(ExportUnit(key, tuple(o.id for o in members), value,
                                "11" if value <= ref.informal_entry_max_usd else "01"))
    return sorted(units, key=lambda u: u.order_ids[0])


def assess(facts: PlanFacts, ref: Reference) -> Assessment:
    verdicts: dict[str, ProductVerdict] = {}
    per_order: dict[str, list[Finding]] = {}
    order_gaps: dict[str, list[Missing]] = {}
    missing: set[Missing] = set()
    product_flags: dict[str, set[str]] = defaultdict(set)  # flag -> product ids
    order_flags: dict[str, set[str]] = defaultdict(set)  # flag -> order ids
    origin_notes: dict[str, Finding] = {}

    for o in facts.orders:
        found, gaps = judge_order(o, ref)
        for index, line in enumerate(o.lines):
            product = facts.products[line.product_id]
            verdict = verdicts.get(product.id)
            if verdict is None:
                verdict = verdicts[product.id] = judge_product(product, ref)
            found.extend(Finding(f.code, f.message, "line", f.field, order_id=o.id,
                                 line_index=index, product_id=product.id)
                         for f in verdict.findings)
            if line.unit_value_usd == 0:
                found.append(Finding("VALUE_ZERO", "Unit value is 0: declare the value of the "
                                     "item even when it is free.", "line", "unitValueUsd",
                                     o.id, index, product.id))
            elif product.reference_value_usd and \
                    line.unit_value_usd * 2 < product.reference_value_usd:
                found.append(Finding(
                    "VALUE_OUTLIER", f"Unit value {line.unit_value_usd} is below half of the "
                    f"product's reference value {product.reference_value_usd}.", "line",
                    "unitValueUsd", o.id, index, product.id))
        per_order[o.id] = found
        order_gaps[o.id] = gaps

    included, exclusions = [], []
    for o in facts.orders:
        blocking = sorted({f.code for f in per_order[o.id] if f.severity == "blocking"})
        if facts.exclude_blocked_orders and blocking:
            exclusions.append(Exclusion(o.id, "BLOCKING_ISSUES", tuple(blocking)))
        else:
            included.append(o)

    findings: list[Finding] = []
    for o in included:
        findings.extend(per_order[o.id])
        missing.update(order_gaps[o.id])
        missing.update(m for line in o.lines for m in verdicts[line.product_id].missing)
        for line in o.lines:
            verdict = verdicts[line.product_id]
            for flag in verdict.flags:
                product_flags[flag].add(line.product_id)
                order_flags[flag].add(o.id)
            origin = facts.products[line.product_id].country_of_origin
            if (origin and ref.is_country(origin) and origin != facts.warehouse_country
                    and line.product_id not in origin_notes):
                origin_notes[line.product_id] = Finding(
                    "ORIGIN_DIFFERS_FROM_EXPORT_COUNTRY", f"Made in {origin}, shipped from "
                    f"{facts.warehouse_country}: tariffs follow the country of origin.",
                    "product", "countryOfOrigin", product_id=line.product_id)
    findings.extend(origin_notes.values())

    units = export_units(included, ref)
    if facts.destination_country == "US":
        findings.append(Finding("DE_MINIMIS_UNAVAILABLE", "No duty-free de minimis (Section "
                                "321) entry exists: every parcel is entered.", "batch"))
    for index, unit in enumerate(units):
        if unit.entry_type == "01":
            findings.append(Finding(
                "FORMAL_ENTRY_REQUIRED", f"Export unit worth {unit.value_usd} USD exceeds the "
                f"informal threshold of {ref.informal_entry_max_usd} USD: Type 01 formal entry.",
                "batch", unit_index=index, order_ids=unit.order_ids))
            order_flags["FORMAL_ENTRY"].update(unit.order_ids)
            product_flags.setdefault("FORMAL_ENTRY", set())
    if not included:
        findings.append(Finding("NO_ORDERS_INCLUDED", "No order is left to plan after "
                                "exclusions.", "batch"))

    lines = [(o, line) for o in included for line in o.lines]
    weights = [facts.products[ln.product_id].net_weight_kg for _, ln in lines]
    totals = {
        "orderCount": len(included),
        "lineCount": len(lines),
        "unitCount": len(units),
        "valueUsd": sum((o.total_value_usd for o in included), Decimal(0)),
        "netWeightKg": sum((w * ln.quantity for (_, ln), w in zip(lines, weights, strict=True)
                            if w is not None), Decimal(0)),
    }
    findings.sort(key=Finding.sort_key)
    flags = tuple((flag, tuple(sorted(order_flags[flag])), tuple(sorted(product_flags[flag])))
                  for flag in sorted(order_flags))
    return Assessment(
        readiness_state=state_of(findings), findings=tuple(findings), flags=flags,
        missing=tuple(sorted(missing)), included_order_ids=tuple(o.id for o in included),
        exclusions=tuple(exclusions), units=tuple(units), totals=totals,
        derived_mids={pid: v.derived_mid for pid, v in verdicts.items() if v.derived_mid})

