"""The rule catalogue (docs/readiness.md): every code, its severity, when it fires, its source.

This table is the single source for the engine's severities and references, for the OpenAPI
enums and for the generated ``/docs/concepts/readiness`` page, so they cannot drift apart. The
treatment flags, and the finding each comes with, are in ``treatments``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from entrygo.readiness.treatments import FLAGS as FLAGS  # defined with their findings

RULES_VERSION = "2026.11.5"
"""Bump when a rule's logic changes; it feeds planHash."""

Severity = Literal["blocking", "warning", "info"]
Scope = Literal["batch", "order", "line", "product"]
SEVERITY_RANK = {"blocking": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    fires_when: str
    reference: str
    field: str | None = None
    product_level: bool = False
    """Judged from the product alone: part of the product's own ``readiness``."""
    strict: bool = False
    """A warning that leaves a required entry field empty: blocking under the account's
    ``strict`` readiness policy."""
    signer_checks: bool = False
    """A line finding the person who signs the commercial invoice must see: the invoice marks
    the line and the readiness report lists it first."""


_RULES = [
    Rule("DE_MINIMIS_UNAVAILABLE", "info",
         "Once per U.S. plan: no duty-free Section 321 path exists; every parcel needs an entry.",
         "19 CFR 10.151 (de minimis suspended since 2025-08-29)"),
    Rule("DEST_OUTSIDE_CUSTOMS_TERRITORY", "blocking",
         "The destination region is outside the U.S. customs territory (VI, GU, AS, MP, UM and "
         "the freely associated states FM, MH, PW).",
         "19 CFR 101.1 (customs territory of the United States)", "destinationRegion"),
    Rule("DEST_REGION_MISSING", "blocking", "A U.S. order has no destination region (state).",
         "19 CFR 141.86(a)(2)", "destinationRegion"),
    Rule("DEST_REGION_INVALID", "blocking",
         "The region is not a USPS code for a state, DC, PR or a military region (full state "
         "names are accepted and normalised).", "USPS Publication 28", "destinationRegion"),
    Rule("DEST_POSTAL_CODE_MISSING", "blocking", "The order has no postal code.",
         "19 CFR 141.86(a)(2)", "destinationPostalCode"),
    Rule("DEST_POSTAL_CODE_INVALID", "blocking",
         "The postal code is not a ZIP (NNNNN or NNNNN-NNNN; a bare 9-digit ZIP is normalised).",
         "USPS Publication 28", "destinationPostalCode"),
    Rule("DEST_POSTAL_REGION_MISMATCH", "warning",
         "The ZIP code does not belong to the destination region.", "USPS Publication 28",
         "destinationPostalCode"),
    Rule("DEST_MILITARY_ADDRESS", "warning",
         "The destination is a military address (AA, AE, AP).", "USPS Publication 28",
         "destinationRegion"),
    Rule("CONSIGNEE_INCOMPLETE", "warning",
         "No consignee name, street or city: the broker needs the ultimate consignee.",
         "19 CFR 141.86(a)(2)", "consignee", strict=True),
    Rule("HTS_MISSING", "blocking", "The product has no HTS code.", "19 CFR 141.61(e)",
         "htsCode", True),
    Rule("HTS_MALFORMED", "blocking",
         "The HTS code is not 10 digits (6-digit codes included, and 8-digit codes that are no "
         "tariff line of the schedule; a tariff line is HTS_NOT_STATISTICAL).",
         "19 CFR 141.61(e)", "htsCode", True),
    Rule("HTS_INVALID_CHAPTER", "blocking",
         "The HTS chapter is 00, 77 (reserved), 98, 99 or above 97.",
         "Harmonized Tariff Schedule of the United States, General Rules", "htsCode", True),
    Rule("HTS_NOT_IN_SCHEDULE", "blocking",
         "The 10-digit HTS code is no statistical reporting number of the tariff schedule (the "
         "revision in referenceDataVersion); details.suggestions lists the nearest statistical "
         "lines under the same heading, each with its description below the heading.",
         "19 CFR 141.61(e); HTSUS General Statistical Note 1(a)(x) (the statistical reporting "
         "number)", "htsCode", True),
    Rule("HTS_NOT_STATISTICAL", "blocking",
         "The code is an 8-digit tariff line the schedule divides into statistical suffixes, "
         "alone or followed by 00 (1702.20.40 or 1702.20.4000); details.statisticalLines lists "
         "the line's statistical lines, each with its description below the tariff line.",
         "19 CFR 141.61(e); HTSUS General Statistical Note 1(a)(x) (the statistical reporting "
         "number)", "htsCode", True),
    Rule("STATISTICAL_QUANTITY_DATA_MISSING", "blocking",
         "The statistical line reports its quantity in a unit computed from a measure the "
         "product lacks: kg (and g, t) from netWeightKg, m² from measures.areaM2, liters and m³ "
         "from measures.volumeLiters, m from measures.lengthM, prs. and doz. prs. from "
         "measures.pairsPerUnit, pcs from measures.piecesPerUnit. One finding per missing field, "
         "naming the unit.",
         "HTSUS General Statistical Note 1(a) (the net quantity in the units of quantity of "
         "the statistical reporting number); 19 CFR 141.61(e)", "measures", True),
    Rule("STATISTICAL_QUANTITY_NOT_DERIVED", "warning",
         "The statistical line reports a quantity no product data gives: a content weight (Cu "
         "kg, Au g, kg cmsc, cy kg…), proof liters, carats, barrels… The entry lines leave it "
         "empty, with its unit, for the broker to report from the goods' documents.",
         "HTSUS General Statistical Note 1(a) (the net quantity in the units of quantity of "
         "the statistical reporting number)", "htsCode", True),
    Rule("ORIGIN_MISSING", "blocking", "The product has no country of origin.",
         "19 CFR 141.86(a)(10)", "countryOfOrigin", True),
    Rule("ORIGIN_INVALID", "blocking",
         "The country of origin is not an ISO 3166-1 alpha-2 code (UK is not one; GB is).",
         "19 CFR 141.86(a)(10)", "countryOfOrigin", True),
    Rule("ORIGIN_DIFFERS_FROM_EXPORT_COUNTRY", "info",
         "The country of origin differs from the warehouse's country: origin drives tariffs, "
         "not the ship-from country.", "19 CFR 134.1(b)", "countryOfOrigin"),
    Rule("PROHIBITED_ORIGIN", "blocking",
         "The country of origin is on the embargo list (default CU, IR, KP, SY).",
         "31 CFR Chapter V (OFAC sanctions)", "countryOfOrigin", True),
    Rule("DESCRIPTION_INSUFFICIENT", "warning",
         "The customs description (or the title when there is none) is shorter than 15 "
         "characters or generic (gift, parts, accessories, merchandise, sample, goods, item).",
         "19 CFR 141.86(a)(3)", "customsDescription", True, strict=True, signer_checks=True),
    Rule("MID_MISSING", "blocking",
         "No MID, and no manufacturer name, street and city to derive one from.",
         "19 CFR Part 102, Appendix", "mid", True),
    Rule("MID_DERIVED", "warning",
         "No MID was given; one was derived from the manufacturer's name and address (the "
         "derived value is in the message and used, marked derived, in the artifacts).",
         "19 CFR Part 102, Appendix", "mid", True),
    Rule("MID_MALFORMED", "blocking", "The MID does not match ^[A-Z]{2}[A-Z0-9]{1,13}$.",
         "19 CFR Part 102, Appendix", "mid", True),
    Rule("MID_ORIGIN_MISMATCH", "warning",
         "The MID's country prefix differs from the country of origin, or is CA for Canadian "
         "goods (Canadian MIDs start with the province code: XO Ontario, XQ Quebec, ...).",
         "19 CFR Part 102, Appendix", "mid", True, strict=True),
    Rule("MID_MANUFACTURER_MISMATCH", "warning",
         "The MID given differs, after its country prefix, from the one the manufacturer's name "
         "and address make (a MID for another manufacturer, or a typo such as DEKUCKOC for "
         "Kuechenwerk Koch); not judged when the prefix already differs from the origin.",
         "19 CFR Part 102, Appendix; 19 U.S.C. 1592 (material false statements)", "mid", True),
    Rule("WEIGHT_MISSING", "warning", "The product has no net weight per unit.",
         "19 CFR 141.86(a)(4)", "netWeightKg", True, strict=True),
    Rule("VALUE_ZERO", "warning",
         "A line has a unit value of 0: a free item still needs a declared value.",
         "19 CFR 141.86(a)(5); 19 CFR 152.103", "unitValueUsd", strict=True,
         signer_checks=True),
    Rule("VALUE_OUTLIER", "warning",
         "The unit value is below half of the product's reference value (undervaluation).",
         "19 CFR 152.103 (transaction value)", "unitValueUsd"),
    Rule("TEXTILE_DETAILS_MISSING", "warning",
         "A textile (HTS chapters 50-63) without fibre content by weight.", "19 CFR 141.89",
         "materials", True),
    Rule("FORMAL_ENTRY_REQUIRED", "warning",
         "An export unit (one consignee) is worth more than the informal entry threshold "
         "($2,500): it needs a Type 01 formal entry.", "19 CFR 143.21; 19 CFR 141.51"),
    Rule("CONSIGNEE_SPLIT_ACROSS_BATCHES", "warning",
         "Another PLANNED or executed batch of the account on the same conveyance (the same "
         "conveyanceReference and port of entry, and arrival date when both give one) has "
         "goods for an export unit's consignee: one entry would be filed as two. The message "
         "names the batches and the value of the one entry due.",
         "19 CFR 141.51 (one entry per consignee per conveyance); 19 CFR 143.21 (informal "
         "entries)"),
    Rule("METALS_REVIEW_RECOMMENDED", "warning",
         "The HTS code is in the Section 232 steel, aluminum or copper scope (chapters 72, 73, "
         "74, 76 and the derivative list) or metal content above 0 is declared; also when "
         "every share is under 15 % (beside METALS_BELOW_THRESHOLD), because sources disagree "
         "on how that exclusion is measured.",
         "Section 232 (19 U.S.C. 1862); Proclamations 9704, 9705, 10962, as amended",
         "htsCode", True),
    Rule("METALS_ORIGIN_DATA_MISSING", "blocking",
         "In Section 232 scope, and the metal share, the steel melt-and-pour country or the "
         "aluminum smelt/cast country that applies is missing.",
         "CBP guidance on Section 232 declarations (melt and pour, smelt and cast)",
         "metalContent", True),
    Rule("METALS_CONTENT_INCONSISTENT", "blocking",
         "In Section 232 scope, and the materials name a metal (steel, stainless, iron, "
         "aluminium, copper, brass, bronze, in English, French, German, Spanish or Italian) "
         "whose share by weight metalContent does not give: the declaration would leave it out.",
         "19 U.S.C. 1592 (material omissions); CBP guidance on Section 232 declarations",
         "metalContent", True),
    Rule("METALS_BELOW_THRESHOLD", "info",
         "In Section 232 scope outside chapters 72, 73, 74 and 76, and every declared metal "
         "share is under 15 % of the article's weight (excluded since 2026-04-06; a review is "
         "still asked for).", "Section 232 restructuring of 2026-04-06; HTSUS heading "
         "9903.82.03 and U.S. note 16(c) to chapter 99, subchapter III", "metalContent", True),
    Rule("CN_SECTION_301_REVIEW", "warning", "The country of origin is CN (Section 301 duties).",
         "Section 301 (19 U.S.C. 2411); USTR China actions", "countryOfOrigin", True),
    Rule("UFLPA_REVIEW", "warning",
         "Origin CN with a high-priority material (cotton, PVC, polysilicon, aluminum, steel, "
         "copper, lithium, tomato) in the materials or HTS chapters 52, 61, 62.",
         "Uyghur Forced Labor Prevention Act (Pub. L. 117-78)", "materials", True),
    Rule("PGA_FDA_REVIEW", "warning",
         "The HTS code is in FDA scope (food 02-24, drugs 3003-3004, cosmetics 3303-3307, "
         "devices 9018-9022) or an FDA product code is given.",
         "21 U.S.C. 381; 21 CFR 1.276-1.285", "htsCode", True),
    Rule("PGA_FDA_DATA_MISSING", "blocking",
         "Food (HTS chapters 02-24) without the FDA product code and facility registration.",
         "21 CFR 1.281 (prior notice content)", "pga", True),
    Rule("PGA_CPSC_REVIEW", "warning",
         "A children's product, CPSC-regulated, or a toy (HTS 9503).",
         "15 U.S.C. 2063; 16 CFR Part 1110", "pga", True),
    Rule("PGA_CPSC_CERT_MISSING", "blocking",
         "In CPSC scope, not a children's product, and neither a certificate reference nor a "
         "certificate id (certificate eFiling is mandatory since 2026-07-08).",
         "16 CFR Part 1110", "pga.cpscCertificateRef", True),
    Rule("PGA_CPSC_DATA_MISSING", "blocking",
         "A children's product (pga.childrensProduct, or a toy of HTS 9503 not marked otherwise) "
         "without the certificate's data in pga.cpscCertificate: its id, the cited regulations, "
         "the product identifiers, the month and place (city, country) of manufacture and the "
         "third-party testing lab (name, and its CPSC lab id or city and country). A reference "
         "alone is not enough.",
         "16 CFR 1110.11 (certificate content), as amended by the eFiling final rule "
         "(90 FR 1800, 2025-01-08; in force 2026-07-08); 15 U.S.C. 2063(a)(2), (g)",
         "pga.cpscCertificate", True),
    Rule("PGA_FCC_REVIEW", "warning",
         "A radio device or HTS 8517-8528 without an FCC id.", "47 CFR 2.1201-2.1207",
         "pga.fccId", True),
    Rule("PGA_LACEY_REVIEW", "warning",
         "The HTS code is in APHIS's Lacey Act declaration schedule (wood and articles of wood "
         "of chapter 44, bent-wood and wood-framed furniture, musical instruments, wooden cases, "
         "essential oils of wood...), or the product declares plant content (pga.lacey).",
         "16 U.S.C. 3372(f) (Lacey Act plant declaration, PPQ Form 505); APHIS enforcement "
         "schedule, docket APHIS-2008-0119 (Phase VII in force 2024-12-01)", "htsCode", True),
    Rule("PGA_LACEY_DATA_MISSING", "blocking",
         "Under the Lacey Act declaration without its data: no plant component, or a component "
         "without genus, species, country of harvest (ISO code) or quantity and unit; for pulp, "
         "paper and paperboard (HTS 47-48) also the percent recycled content.",
         "16 U.S.C. 3372(f)(1)-(2) (scientific name, quantity and unit, country of harvest, "
         "percent recycled content)", "pga.lacey", True),
    Rule("DANGEROUS_GOODS_REVIEW", "warning",
         "A battery is present, or HTS 8506/8507 (lithium cells and batteries).",
         "49 CFR 173.185", "battery", True),
    Rule("DG_DATA_MISSING", "blocking",
         "A battery is present without its UN number or watt-hours.", "49 CFR 173.185",
         "battery", True),
    Rule("EXCISE_GOODS_BLOCKED", "blocking",
         "Alcohol, tobacco or vape products (excise category, HTS 2203-2208 or chapter 24): "
         "never informal-entry goods.", "19 CFR 143.22; 27 CFR Part 27", "exciseCategory", True),
    Rule("IMPORTER_OF_RECORD_MISSING", "blocking",
         "The plan names no importer of record (importerId) and the account has no default "
         "importer: nobody would be liable for the entries.",
         "19 U.S.C. 1484(a)(2)(B); 19 CFR 141.1(b) (importer of record); CBP Form 7501 "
         "(importer number, importer of record name and address)", "importerId"),
    Rule("PORT_OF_ENTRY_MISSING", "blocking",
         "The shipment names no port of entry, and the warehouse's default shipment has none.",
         "19 CFR 141.86(a)(1); 19 CFR 101.3 (ports of entry); CBP Form 7501 block 6",
         "shipment.portOfEntry"),
    Rule("PORT_OF_ENTRY_INVALID", "blocking",
         "The port of entry is not a CBP port code (Census Schedule D, CBP ACE Appendix E).",
         "19 CFR 101.3; Schedule D (U.S. Census Bureau, April 2025)", "shipment.portOfEntry"),
    Rule("TRANSPORT_MODE_MISSING", "blocking",
         "The shipment has no mode of transport (truck, air, ocean, rail, courier, postal).",
         "CBP Form 7501 block 9 (mode of transportation)", "shipment.modeOfTransport"),
    Rule("CARRIER_ID_MISSING", "blocking",
         "No carrier code: by truck the SCAC (the PAPS shipment control number starts with "
         "it), by air or courier the IATA code or SCAC. A warning for ocean, rail and postal.",
         "CBP Form 7501 block 8 (importing carrier); 19 CFR 123.92 (truck manifest)",
         "shipment.carrier"),
    Rule("PARCEL_DATA_MISSING", "warning",
         "The order has no parcels, or a parcel without its gross weight: the tracking "
         "numbers (house bills), package count and gross weight the entry needs.",
         "19 CFR 141.86(a)(3) (marks and numbers of the packages), (a)(4)", "parcels",
         strict=True),
    Rule("CURRENCY_CONVERSION_UNDOCUMENTED", "warning",
         "The order's currency is not USD and no usdExchangeRate says how unitValueUsd was "
         "converted.", "19 CFR 141.86(a)(5); 19 CFR 159.31-159.35 (conversion of currency)",
         "usdExchangeRate", strict=True),
    Rule("NO_ORDERS_INCLUDED", "blocking",
         "Nothing is left to plan after exclusions (EntryGo extension of the catalogue: see the "
         "plan's exclusions for why).", "EntryGo"),
]

CATALOGUE: dict[str, Rule] = {rule.code: rule for rule in _RULES}
