"""The order rules: destination and consignee per order, value per line.

An order's findings (its lines' included) decide whether ``excludeBlockedOrders`` leaves it out,
so each order gets its own collector and its lines report into it.
"""

from __future__ import annotations

import re

from entrygo.kit.money import for_people
from entrygo.readiness.facts import LineFacts, OrderFacts, ProductFacts
from entrygo.readiness.filing_rules import judge_order_filing
from entrygo.readiness.findings import Collector, Finding
from entrygo.readiness.reference import Reference

ZIP_SHAPE = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")


def normalize_zip(value: str) -> str | None:
    """``NNNNN`` or ``NNNNN-NNNN`` (a bare 9-digit ZIP gets its dash), None when not a ZIP."""
    match = ZIP_SHAPE.match(value.replace(" ", ""))
    if not match:
        return None
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


def judge_order(o: OrderFacts, ref: Reference) -> Collector:
    """Destination and consignee rules (U.S. orders); the plan adds the lines' findings."""
    c = Collector("order", order_id=o.id)
    if o.destination_country != "US":
        return c
    region = None
    if not o.destination_region:
        c.add("DEST_REGION_MISSING", "Add the destination state (USPS code, e.g. CA).",
              missing=True)
    else:
        region = ref.us_region(o.destination_region)
        if region is None:
            c.add("DEST_REGION_INVALID", f"'{o.destination_region}' is not a U.S. state, DC, PR "
                  "or military region.", missing=True)
        elif region in ref.outside_customs_territory:
            c.add("DEST_OUTSIDE_CUSTOMS_TERRITORY", f"{region} is outside the U.S. customs "
                  "territory: this is not a U.S. import.")
        elif region in ref.military_regions:
            c.add("DEST_MILITARY_ADDRESS", f"{region} is a military address: check the carrier "
                  "and the entry with the broker.")
    if not o.destination_postal_code:
        c.add("DEST_POSTAL_CODE_MISSING", "Add the destination ZIP code.", missing=True)
    else:
        zip_code = normalize_zip(o.destination_postal_code)
        if zip_code is None:
            c.add("DEST_POSTAL_CODE_INVALID", f"'{o.destination_postal_code}' is not a ZIP code "
                  "(NNNNN or NNNNN-NNNN).", missing=True)
        elif region and (zip_state := ref.zip_state(zip_code[:5])) and zip_state != region:
            c.add("DEST_POSTAL_REGION_MISMATCH", f"ZIP {zip_code[:5]} belongs to {zip_state}, "
                  f"not {region}.")
    consignee = o.consignee or {}
    absent = [k for k in ("name", "address1", "city") if not consignee.get(k)]
    if absent:
        c.add("CONSIGNEE_INCOMPLETE", f"Add the ultimate consignee's {', '.join(absent)}.")
        for key in absent:  # one missing_data entry per field, finer than the finding's
            c.gap("CONSIGNEE_INCOMPLETE", f"consignee.{key}")
    judge_order_filing(o, c)
    return c


def judge_line(c: Collector, index: int, line: LineFacts, product: ProductFacts,
               product_findings: tuple[Finding, ...]) -> None:
    """A line of the order carries its product's findings, and is judged on its value."""
    value: tuple[str, str] | None = None
    if line.unit_value_usd == 0:
        value = ("VALUE_ZERO", "Unit value is 0: declare the value of the item even when it is "
                 "free.")
    elif product.reference_value_usd and \
            line.unit_value_usd * 2 < product.reference_value_usd:
        value = ("VALUE_OUTLIER", f"Unit value {for_people(line.unit_value_usd)} USD is below "
                 f"half of the product's reference value "
                 f"{for_people(product.reference_value_usd)} USD.")
    if not product_findings and value is None:
        return  # most lines: no place to set up (plans have thousands)
    here = Collector("line", order_id=c.order_id, line_index=index, product_id=product.id,
                     into=c)
    here.repeat(product_findings)
    if value is not None:
        here.add(*value)
