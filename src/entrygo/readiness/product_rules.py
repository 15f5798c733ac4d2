"""The product rules: what can be judged from a product alone (its own ``readiness``).

A plan judges each product once and repeats its findings on every line that ships it, so these
rules never see an order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from entrygo.readiness import mid as mids
from entrygo.readiness.classification import line_refs, statistical_line, tariff_lines
from entrygo.readiness.facts import ProductFacts
from entrygo.readiness.findings import Collector, Finding, Missing, ReadinessState, state_of
from entrygo.readiness.quantities import UNITS, units_of
from entrygo.readiness.reference import Reference, fold
from entrygo.readiness.treatments import METALS, SECTION_232_METALS, Metal
from entrygo.tariff.schedule import Line

HTS_SHAPE = re.compile(r"^\d{10}$")


@dataclass(frozen=True)
class ProductVerdict:
    product_id: str
    findings: tuple[Finding, ...]  # scope "product"
    missing: tuple[Missing, ...]
    flags: frozenset[str]
    derived_mid: str | None = None

    @property
    def state(self) -> ReadinessState:
        return state_of(self.findings)


def judge_product(p: ProductFacts, ref: Reference) -> ProductVerdict:
    """The product-level rules of the catalogue."""
    c = Collector("product", product_id=p.id)
    hts = p.hts_code
    digits = hts if hts and hts.isdigit() else None  # scopes also read 6- and 8-digit codes
    if not hts:
        c.add("HTS_MISSING", "Add the product's 10-digit HTS code.", missing=True)
    elif not HTS_SHAPE.match(hts):
        lines = tariff_lines(hts, ref.schedule) \
            if len(hts) == 8 and hts.isdigit() and _goods_chapter(hts) else ()
        if lines:
            _not_statistical(hts, lines, ref, c)
        else:
            c.add("HTS_MALFORMED", f"HTS code '{hts}' is not 10 digits: give the full 10-digit "
                  "HTSUS statistical number.", missing=True)
    elif not _goods_chapter(hts):
        c.add("HTS_INVALID_CHAPTER", f"HTS code '{hts}' is in chapter {hts[:2]}, which is not a "
              "chapter for imported goods.", missing=True)
    else:
        _schedule(p, hts, ref, c)

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
        c.treat("SECTION_301_CN", message="Chinese-origin goods carry Section 301 duties: check "
                "the applicable list and rate.")
    if origin_ok and origin in ref.uflpa_origins:
        names = " ".join(str(m.get("material", "")).lower() for m in p.materials or [])
        hits = [m for m in ref.uflpa_materials if m in names]
        if hits or ref.uflpa_scope.contains(digits):
            why = f"materials include {', '.join(hits)}" if hits else "HTS chapter is high-risk"
            c.treat("UFLPA_SCREENING", message=f"UFLPA screening: Chinese origin and {why}; keep "
                    "supply-chain tracing documents ready.")

    _partner_agencies(p, digits, ref, c)

    if p.excise_category != "none" or ref.excise_scope.contains(digits):
        what = p.excise_category if p.excise_category != "none" else "excise"
        c.add("EXCISE_GOODS_BLOCKED", f"{what.capitalize()} goods cannot be shipped on informal "
              "consumer entries.")
    return ProductVerdict(p.id, tuple(sorted(c.findings, key=Finding.sort_key)),
                          tuple(sorted(set(c.missing))), frozenset(c.flags), derived)


def _goods_chapter(hts: str) -> bool:
    return not (int(hts[:2]) in (0, 77, 98, 99) or int(hts[:2]) > 97)


def _schedule(p: ProductFacts, hts: str, ref: Reference, c: Collector) -> None:
    """The code against the schedule: a statistical line, whose units of quantity the product's
    data must let the entry report; a tariff line with suffixes (``…00``); or no line at all."""
    schedule = ref.schedule
    line = statistical_line(hts, schedule)
    if line is not None:
        _quantity_data(p, line, c)
        return
    lines = tariff_lines(hts[:8], schedule) if hts.endswith("00") else ()
    if lines:
        _not_statistical(hts, lines, ref, c)
        return
    nearest = schedule.nearest(hts, limit=5)
    dotted = ".".join((hts[:4], hts[4:6], hts[6:8], hts[8:]))
    if nearest:
        near = ", ".join(ln.dotted for ln in nearest[:3])
        hint = f"the nearest under heading {hts[:4]} are {near} (all in details.suggestions)"
    else:
        hint = f"the schedule has no heading {hts[:4]}: check the classification"
    c.add("HTS_NOT_IN_SCHEDULE", f"HTS code {dotted} is not a statistical reporting number of "
          f"the tariff schedule ({schedule.revision}): {hint}.", missing=True,
          details={"suggestions": line_refs(schedule, nearest, 1)})


def _not_statistical(hts: str, lines: tuple[Line, ...], ref: Reference, c: Collector) -> None:
    """An 8-digit tariff line (or it and ``00``) where the entry needs one of its statistical
    lines: each listed with what sets it apart, below the tariff line."""
    schedule = ref.schedule
    tariff = schedule.line(hts[:8])
    depth = len(schedule.path(tariff)) if tariff is not None else len(schedule.path(lines[0])) - 1
    if len(lines) == 1:
        choose = f"give its statistical reporting number, {lines[0].dotted}"
    else:
        shown = ", ".join(ln.dotted for ln in lines[:4]) + (", …" if len(lines) > 4 else "")
        choose = (f"give the one of its {len(lines)} statistical lines that describes the goods "
                  f"({shown}; all in details.statisticalLines)")
    c.add("HTS_NOT_STATISTICAL", f"HTS code '{hts}' is the tariff line {lines[0].dotted[:10]}, "
          f"not a 10-digit statistical reporting number: {choose}.", missing=True,
          details={"statisticalLines": line_refs(schedule, lines, depth)})


_MEASURES = {
    "netWeightKg": "the net weight of one unit in kg",
    "measures.areaM2": "the area of one unit in m²",
    "measures.volumeLiters": "the volume of one unit in liters",
    "measures.lengthM": "the length of one unit in m",
    "measures.pairsPerUnit": "the pairs in one unit",
    "measures.piecesPerUnit": "the pieces in one unit",
}


def _quantity_data(p: ProductFacts, line: Line, c: Collector) -> None:
    """Each unit of quantity of the line must be computable for any count: the measure it is
    computed from is due (a block), a unit no product measure gives is for the broker."""
    units = units_of(line.units)
    asked: set[str] = set()
    broker: list[str] = []
    for unit in units:
        conversion = UNITS.get(unit)
        if conversion is None:
            broker.append(unit)
        elif (field := conversion.field) and field not in asked and not conversion.given(p):
            asked.add(field)
            c.add("STATISTICAL_QUANTITY_DATA_MISSING", f"HTS {line.dotted} reports its "
                  f"quantity in {' and '.join(units)}: {unit} needs {field} "
                  f"({_MEASURES.get(field, field)}).", field, missing=True)
    if broker:
        c.add("STATISTICAL_QUANTITY_NOT_DERIVED", f"HTS {line.dotted} reports a quantity in "
              f"{' and '.join(broker)}, which EntryGo does not compute from product data: the "
              "broker reports it from the goods' documents.")


def _description(p: ProductFacts, ref: Reference, c: Collector) -> None:
    text = (p.customs_description or p.title or "").strip()
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if w not in ref.filler_words]
    generic = all(w in ref.generic_words for w in words)
    if len(text) < ref.description_min_length or generic:
        reason = "generic" if words and generic and len(text) >= ref.description_min_length \
            else f"shorter than {ref.description_min_length} characters"
        c.add("DESCRIPTION_INSUFFICIENT", f"The customs description '{text}' is {reason}: "
              "describe what the item is, what it is made of and what it is for.",
              "customsDescription", missing=True)


def _mid(p: ProductFacts, origin: str | None, ref: Reference, c: Collector) -> str | None:
    """Check the MID given, or derive one; the derived MID is returned for the artifacts."""
    if p.mid:
        if not mids.MID_SHAPE.match(p.mid):
            c.add("MID_MALFORMED", f"MID '{p.mid}' is malformed: two letters of country, then up "
                  "to 13 capital letters or digits.", missing=True)
        elif origin and p.mid[:2] not in mids.expected_prefixes(origin, ref):
            expected = "a Canadian province code (XO, XQ, XC, ...)" if origin == "CA" \
                else origin
            c.add("MID_ORIGIN_MISMATCH", f"MID '{p.mid}' starts with {p.mid[:2]} but the goods "
                  f"are of {origin} origin: expected {expected}.")
        elif (derived := mids.derive(p.manufacturer, origin, ref)) and derived[2:] != p.mid[2:]:
            c.add("MID_MANUFACTURER_MISMATCH", f"MID '{p.mid}' does not match the manufacturer "
                  f"given: its name and address make {derived}. Check the MID or the "
                  "manufacturer.")
        return None
    derived = mids.derive(p.manufacturer, origin, ref)
    if derived:
        c.add("MID_DERIVED", f"No MID given; derived {derived} from the manufacturer's name and "
              "address. Confirm it or send the MID.")
        return derived
    c.add("MID_MISSING", "Add the MID, or the manufacturer's name, street, city (and, for "
          "Canadian goods, province) and a valid country of origin to derive it.", missing=True)
    return None


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _named_metals(p: ProductFacts, ref: Reference) -> dict[str, str]:
    """The Section 232 metals the product's materials name, each with the word that names it."""
    found: dict[str, str] = {}
    for material in p.materials or ():
        for word in re.findall(r"\w+", fold(str(material.get("material") or ""))):
            metal = ref.section232_words.get(word)
            if metal is not None:
                found.setdefault(metal, word)
    return found


def _shares(p: ProductFacts) -> dict[str, Decimal | None]:
    content = p.metal_content or {}
    return {metal.name: _dec(content.get(metal.pct_field)) for metal in SECTION_232_METALS}


def _in_scope(p: ProductFacts, digits: str | None, ref: Reference) -> set[str]:
    """The metals that put the product in Section 232 scope: its HTS code's, and every metal
    declared with a share above 0."""
    return ref.section232_metals(digits) | {m for m, v in _shares(p).items() if v and v > 0}


def section232_metals(p: ProductFacts, ref: Reference) -> tuple[Metal, ...]:
    """Every metal a Section 232 declaration of the product lists, in declaration order: the
    metals in scope and the metals its materials name, those under the threshold
    included (the broker declares the whole article, not only what crosses 15 %). Empty when
    the product is out of scope."""
    hts = p.hts_code if p.hts_code and p.hts_code.isdigit() else None
    in_scope = _in_scope(p, hts, ref)
    if not in_scope:
        return ()
    listed = in_scope | set(_named_metals(p, ref))
    return tuple(metal for metal in SECTION_232_METALS if metal.name in listed)


def _metals(p: ProductFacts, digits: str | None, ref: Reference, c: Collector) -> None:
    """Section 232: in scope by HTS or by declared content. Heading 9903.82.03 leaves out
    articles outside chapters 72, 73, 74 and 76 whose every metal is under the threshold share
    of the article's weight: that exclusion is noted and a review still asked for (sources
    disagree on how it is measured, and a wrong READY costs more than a look)."""
    content = p.metal_content or {}
    shares = _shares(p)
    in_scope = _in_scope(p, digits, ref)
    if not in_scope:
        return
    for named, word in sorted(_named_metals(p, ref).items()):
        if shares[named] is None:  # named in the materials, absent from the declaration
            field = METALS[named].pct_field
            c.add("METALS_CONTENT_INCONSISTENT", f"The materials name {word}, but metalContent "
                  f"gives no {field}: declare its share by weight.", f"metalContent.{field}",
                  missing=True)
    threshold = ref.metals_threshold_pct
    excludable = not (digits and digits[:2] in ref.section232_fallback)  # ch. 72/73/74/76
    above = sorted(m for m in in_scope if not excludable
                   or (share := shares[m]) is None or share >= threshold)
    if not above:
        listed = ", ".join(sorted(in_scope))
        c.add("METALS_BELOW_THRESHOLD", f"Section 232 metals ({listed}) are each under "
              f"{threshold} % of the article's weight: excluded under heading 9903.82.03.")
        c.treat(*(METALS[m].flag for m in sorted(in_scope)), message=f"Section 232 {listed} "
                f"under {threshold} % by weight: heading 9903.82.03 measures the share by "
                "weight, but sources disagree. Confirm with the broker; the declaration lists "
                "the metal content either way.")
        return
    c.treat(*(METALS[m].flag for m in above), message=f"Section 232 {', '.join(above)} article: "
            "the broker must declare metal content and origin of the metal.")
    for name in above:
        metal = METALS[name]
        required = [metal.pct_field] if shares[name] is None else []
        required += [f for f in metal.origin_fields if not ref.is_country(content.get(f))]
        _ask_for(c, "METALS_ORIGIN_DATA_MISSING", f"Section 232 {name}", "metalContent",
                 required)


def _partner_agencies(p: ProductFacts, digits: str | None, ref: Reference,
                      c: Collector) -> None:
    pga = p.pga or {}
    if ref.fda_scope.contains(digits) or pga.get("fdaProductCode"):
        c.treat("PGA_FDA", message="FDA-regulated goods: the broker files FDA data (prior notice "
                "for food).")
    if ref.fda_food.contains(digits):
        _ask_for(c, "PGA_FDA_DATA_MISSING", "Food for FDA prior notice", "pga", [
            name for name in ("fdaProductCode", "fdaFacilityRegistration") if not pga.get(name)])
    if pga.get("childrensProduct") or pga.get("cpscRegulated") or ref.cpsc_scope.contains(digits):
        c.treat("PGA_CPSC", message="CPSC-regulated or children's product: a certificate must be "
                "filed electronically.")
        if _childrens_product(pga, digits, ref):
            _cpsc_certificate(pga, c)
        elif not (pga.get("cpscCertificateRef") or (pga.get("cpscCertificate") or {}).get("id")):
            c.add("PGA_CPSC_CERT_MISSING", "Add pga.cpscCertificateRef (the GCC reference) or "
                  "pga.cpscCertificate.", missing=True)
    _lacey(pga, digits, ref, c)
    if pga.get("rfDevice") or ref.fcc_scope.contains(digits):
        c.treat("PGA_FCC", missing=True, message=None if pga.get("fccId") else (
            "Radio-frequency device without an FCC id: add pga.fccId or confirm a Supplier's "
            "Declaration of Conformity."))
    battery = p.battery or {}
    if battery.get("present") or ref.dangerous_goods_scope.contains(digits):
        c.treat("DANGEROUS_GOODS", message="Contains batteries: lithium shipments follow DOT/IATA "
                "dangerous-goods rules.")
    if battery.get("present"):
        _ask_for(c, "DG_DATA_MISSING", "Battery present", "battery", [
            name for name in ("unNumber", "wattHours") if not battery.get(name)])


def _childrens_product(pga: dict[str, Any], digits: str | None, ref: Reference) -> bool:
    """Said so by the product, or a toy of the children's scope the product does not say
    otherwise of (``childrensProduct: false``: an adult collectible)."""
    flag = pga.get("childrensProduct")
    return bool(flag) or (flag is None and ref.cpsc_childrens_scope.contains(digits))


def _cpsc_certificate(pga: dict[str, Any], c: Collector) -> None:
    """A children's product's certificate, the data CPSC's eFiling asks of it (16 CFR 1110.11):
    the whole certificate when there is none (a reference alone is not enough), else each
    element it lacks."""
    cert = pga.get("cpscCertificate")
    if not cert:
        ref_note = " (pga.cpscCertificateRef alone is not enough since eFiling)" \
            if pga.get("cpscCertificateRef") else ""
        c.add("PGA_CPSC_DATA_MISSING", "Children's product: add pga.cpscCertificate, the "
              f"certificate's data{ref_note}.", missing=True)
        return
    place = cert.get("placeOfManufacture") or {}
    lab = cert.get("testingLab") or {}
    lacking = [name for name in ("id", "regulations", "productIdentifiers", "manufactureDate")
               if not cert.get(name)]
    lacking += [f"placeOfManufacture.{name}" for name in ("city", "country")
                if not place.get(name)]
    if place.get("country") and not Reference.is_country(place["country"]):
        lacking.append("placeOfManufacture.country")
    if not lab.get("name"):
        lacking.append("testingLab.name")
    if not lab.get("labId") and not (lab.get("city") and Reference.is_country(lab.get("country"))):
        lacking.append("testingLab.labId")
    _ask_for(c, "PGA_CPSC_DATA_MISSING", "Children's product certificate",
             "pga.cpscCertificate", lacking)


def _lacey(pga: dict[str, Any], digits: str | None, ref: Reference, c: Collector) -> None:
    """The Lacey Act plant declaration: due for the HTS codes of APHIS's schedule, or when the
    product says so or declares plant content; each component needs its scientific name, the
    country it was harvested in and its quantity, paper also its recycled share."""
    lacey = pga.get("lacey") or {}
    components = lacey.get("components") or []
    if not (ref.lacey_scope.contains(digits) or lacey.get("declarationRequired") or components):
        return
    c.treat("PGA_LACEY", message="Plant product under the Lacey Act: the broker files the "
            "APHIS plant declaration (PPQ 505 data: genus, species and country of harvest of "
            "each plant).")
    if not components:
        c.add("PGA_LACEY_DATA_MISSING", "Lacey Act declaration: add pga.lacey.components, "
              "each plant the product is made of.", "pga.lacey.components", missing=True)
        return
    recycled = ref.lacey_recycled_content.contains(digits)
    for index, component in enumerate(components):
        lacking = [name for name in ("genus", "species", "quantity", "unit")
                   if not component.get(name)]
        if not Reference.is_country(component.get("countryOfHarvest")):
            lacking.append("countryOfHarvest")
        if recycled and component.get("pctRecycled") is None:
            lacking.append("pctRecycled")
        _ask_for(c, "PGA_LACEY_DATA_MISSING", "Lacey Act declaration",
                 f"pga.lacey.components.{index}", lacking)


def _ask_for(c: Collector, code: str, why: str, group: str, names: list[str]) -> None:
    """One finding per missing field of a nested group, each listed in ``missing_data``."""
    for name in names:
        c.add(code, f"{why}: add {group}.{name}.", f"{group}.{name}", missing=True)
