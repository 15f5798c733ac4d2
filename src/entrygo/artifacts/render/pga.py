"""What a line carries for the partner government agencies: the data each agency's records of
the ACE PGA message set take, read off the product as synced.

One reading for every artifact: the manifest and the entry summary print it as the per-line
``pga`` object, ``entry_lines.csv`` as its ``pga_…`` columns (``PGA_COLUMNS``), so an identifier
the product carries is in all three or in none. ``docs/artifacts.md`` maps each field to the
message set record and element it fills.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from entrygo.artifacts.render.formatting import decimal, exact, json_number
from entrygo.readiness.facts import ProductFacts

_LACEY_KEYS = ("article", "genus", "species", "countryOfHarvest", "quantity", "unit",
               "pctRecycled")
"""A Lacey Act component's keys, in the order PPQ Form 505 lists them."""
_LAB_KEYS = ("name", "labId", "address1", "city", "region", "postalCode", "country", "phone")
"""A CPSC testing lab's keys (``pga.cpscCertificate.testingLab``)."""


def _snake(key: str) -> str:
    """``countryOfHarvest`` -> ``country_of_harvest``: a JSON key as its CSV column."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _number(value: Any) -> int | float | None:
    """A stored number as the JSON artifacts print numbers (``7.4``, ``12``), exactly."""
    number = decimal(value)
    return None if number is None else json_number(number)


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value or ()]


def _fda(pga: dict[str, Any]) -> dict[str, Any] | None:
    code, registration = pga.get("fdaProductCode"), pga.get("fdaFacilityRegistration")
    if not (code or registration):
        return None
    return {"productCode": code, "facilityRegistration": registration}


def _cpsc(pga: dict[str, Any]) -> dict[str, Any] | None:
    """The certificate: the structured one's data, beside the reference older clients send."""
    cert = pga.get("cpscCertificate") or {}
    ref = pga.get("cpscCertificateRef")
    if not (cert or ref):
        return None
    place = cert.get("placeOfManufacture") or {}
    lab = cert.get("testingLab") or {}
    return {
        "certificateId": cert.get("id") or ref,
        "certificateRef": ref,
        "regulations": _texts(cert.get("regulations")),
        "productIdentifiers": _texts(cert.get("productIdentifiers")),
        "manufactureDate": cert.get("manufactureDate"),
        "placeOfManufacture": {key: place.get(key) for key in ("city", "region", "country")},
        "testingLab": {key: lab.get(key) for key in _LAB_KEYS},
        "testDate": cert.get("testDate"),
    }


def _fcc(pga: dict[str, Any]) -> dict[str, Any] | None:
    return {"fccId": pga["fccId"]} if pga.get("fccId") else None


def _dangerous_goods(battery: dict[str, Any]) -> dict[str, Any] | None:
    un_number, watt_hours = battery.get("unNumber"), battery.get("wattHours")
    if un_number is None and watt_hours is None:
        return None
    return {"unNumber": un_number, "wattHours": _number(watt_hours)}


def lacey_components(product: ProductFacts) -> list[dict[str, Any]]:
    """The product's Lacey Act components, every key present (``None`` when not given)."""
    components = ((product.pga or {}).get("lacey") or {}).get("components") or []
    return [{key: _number(c.get(key)) if key in ("quantity", "pctRecycled") else c.get(key)
             for key in _LACEY_KEYS} for c in components]


def pga_of(product: ProductFacts) -> dict[str, Any]:
    """The line's ``pga`` object: one entry per agency, ``None`` where the product carries
    nothing for it."""
    pga = product.pga or {}
    components = lacey_components(product)
    return {
        "fda": _fda(pga),
        "cpsc": _cpsc(pga),
        "fcc": _fcc(pga),
        "dangerousGoods": _dangerous_goods(product.battery or {}),
        "lacey": {"components": components} if components else None,
    }


_CPSC_COLUMNS = (
    ("pga_cpsc_certificate_id", "certificateId"), ("pga_cpsc_certificate_ref", "certificateRef"),
    ("pga_cpsc_regulations", "regulations"),
    ("pga_cpsc_product_identifiers", "productIdentifiers"),
    ("pga_cpsc_manufacture_date", "manufactureDate"),
    *((f"pga_cpsc_manufacture_{key}", f"placeOfManufacture.{key}")
      for key in ("city", "region", "country")),
    *((f"pga_cpsc_testing_lab_{'id' if key == 'labId' else _snake(key)}", f"testingLab.{key}")
      for key in _LAB_KEYS),
    ("pga_cpsc_test_date", "testDate"),
)
PGA_COLUMNS = (
    "pga_fda_product_code", "pga_fda_facility_registration",
    *(column for column, _ in _CPSC_COLUMNS),
    "pga_fcc_id", "pga_un_number", "pga_battery_watt_hours",
    *(f"pga_lacey_{_snake(key)}" for key in _LACEY_KEYS),
)
"""``entry_lines.csv``'s columns for ``pga_of``, in its order. A list (the regulations, the
Lacey Act components) is ``;``-separated, the components aligned column by column."""


def _cell(doc: dict[str, Any] | None, path: str) -> Any:
    """``testingLab.city`` of the agency's object; a list as one ``;``-separated cell."""
    value: Any = doc
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return ";".join(value) if isinstance(value, list) else exact(value)


def pga_cells(product: ProductFacts) -> Sequence[Any]:
    """``PGA_COLUMNS``' cells for a line of the product."""
    doc = pga_of(product)
    components = lacey_components(product)
    return (
        _cell(doc["fda"], "productCode"), _cell(doc["fda"], "facilityRegistration"),
        *(_cell(doc["cpsc"], path) for _, path in _CPSC_COLUMNS),
        _cell(doc["fcc"], "fccId"), _cell(doc["dangerousGoods"], "unNumber"),
        _cell(doc["dangerousGoods"], "wattHours"),
        *(";".join(exact(c[key]) for c in components) for key in _LACEY_KEYS),
    )
