"""A fixed-seed generator of catalogues and orders shaped like a 3PL's day."""

from __future__ import annotations

import random
from typing import Any

# HTS code -> the data a careful merchant adds for it (so a plan is mostly clean, with the
# review signals real catalogues have: Section 232 metals, CPSC, FCC, textiles).
HTS = {
    "7323930045": {"metalContent": {"steelPctWeight": 90, "steelMeltPourCountry": "CA"}},
    "4820102060": {},
    "6109100012": {"materials": [{"material": "cotton", "pctByWeight": 100}]},
    "8518220000": {"pga": {"rfDevice": True, "fccId": "2ABCD-SPK01"}},
    "3924104000": {},
    "9503000073": {"pga": {"childrensProduct": True, "cpscCertificate": {
        "id": "CPC-2026-0042", "regulations": ["16 CFR 1250"], "productIdentifiers": ["TOY-1"],
        "manufactureDate": "2026-05", "placeOfManufacture": {"city": "Toronto", "country": "CA"},
        "testingLab": {"name": "Sample Testing Lab", "labId": "1234"}}}},
    "4202929700": {},
    "7615107125": {"metalContent": {"aluminumPctWeight": 97, "aluminumSmeltCountry": "CA",
                                    "aluminumCastCountry": "CA"}},
    "6302600010": {"materials": [{"material": "cotton", "pctByWeight": 100}]},
    "9404909670": {},
}
ORIGINS = {"CA": "XO", "MX": "MX", "DE": "DE", "VN": "VN", "US": "US"}
REGIONS = [("CA", "94105"), ("NY", "10001"), ("TX", "73301"), ("WA", "98101"), ("IL", "60601"),
           ("FL", "33101"), ("MA", "02108"), ("CO", "80202")]


def products(rng: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        hts = rng.choice(sorted(HTS))
        origin = rng.choice(sorted(ORIGINS))
        out.append({
            "externalId": f"SKU-{i:05d}",
            "title": f"Catalogue item {i}",
            "customsDescription": f"Household article number {i} of plastic and steel",
            "htsCode": hts,
            "countryOfOrigin": origin,
            "mid": f"{ORIGINS[origin]}SAMMAN100TOR",
            "manufacturer": {"name": "Sample Manufacturing Co", "address1": "100 Main St",
                             "city": "Toronto", "region": "ON", "country": "CA"},
            "netWeightKg": round(rng.uniform(0.05, 3.0), 3),
            "referenceValueUsd": round(rng.uniform(2, 100), 2),
            **HTS[hts],
        })
    return out


def orders(rng: random.Random, product_ids: list[str], n: int, lines: int = 3,
           prefix: str = "ord") -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        region, postal = rng.choice(REGIONS)
        out.append({
            "externalId": f"{prefix}-{i:06d}",
            "destinationCountry": "US",
            "destinationRegion": region,
            "destinationPostalCode": postal,
            "consignee": {"name": f"Customer {i}", "address1": f"{i} Market St",
                          "city": "Springfield"},
            "items": [{"productId": rng.choice(product_ids), "quantity": rng.randint(1, 4),
                       "unitValueUsd": round(rng.uniform(50, 250), 2)} for _ in range(lines)],
            "metadata": {"channel": "web"},
        })
    return out
