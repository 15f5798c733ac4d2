"""MID derivation (19 CFR Part 102, Appendix)."""

from __future__ import annotations

import pytest

from entrygo.readiness.mid import derive
from entrygo.readiness.reference import load

REF = load()


@pytest.mark.parametrize("manufacturer, origin, expected", [
    ({"name": "Amalgamated Plastics Corp.", "address1": "11455 Main St", "city": "Melbourne"},
     "AU", "AUAMAPLA1145MEL"),
    # Canada: the province code, never CA
    ({"name": "Northern Steelworks Ltd", "address1": "1200 Industrial Rd", "city": "Hamilton",
      "region": "ON"}, "CA", "XONORSTE1200HAM"),
    ({"name": "Maple Paper Company", "address1": "55 Rue Saint-Paul", "city": "Montreal",
      "region": "Québec"}, "CA", "XQMAPPAP55MON"),
    # skipped words, one-word names, the largest number, accents, punctuation
    ({"name": "The House of Tea", "address1": "Unit 4, 1725 Long Rd", "city": "St. Louis"},
     "US", "USHOUTEA1725STL"),
    ({"name": "Lévesque", "address1": "12 Rue A", "city": "Lyon"}, "FR", "FRLEV12LYO"),
    ({"name": "O'Brien and Sons", "address1": "7 Quay St", "city": "Cork"}, "IE",
     "IEOBRSON7COR"),
])
def test_derivation(manufacturer, origin, expected):
    assert derive(manufacturer, origin, REF) == expected


@pytest.mark.parametrize("manufacturer, origin", [
    ({"name": "Northern Steelworks Ltd", "address1": "1200 Industrial Rd", "city": "Hamilton"},
     "CA"),  # Canadian goods need the province
    ({"name": "Acme", "city": "Paris"}, "FR"),  # no street
    ({"address1": "1 Rue", "city": "Paris"}, "FR"),  # no name
    ({"name": "Acme", "address1": "1 Rue", "city": "Paris"}, None),  # no origin
])
def test_no_derivation_without_the_parts(manufacturer, origin):
    assert derive(manufacturer, origin, REF) is None
