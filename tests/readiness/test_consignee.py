"""One entry per consignee per conveyance (19 CFR 141.51): orders are grouped on the consignee
normalised (USPS Publication 28 street, folded name, 5-digit ZIP), and a consignee whose goods
another batch of the conveyance carries is said to be split. Pure: no database."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from entrygo.readiness.catalogue import CATALOGUE
from entrygo.readiness.consignee import Consignee, consignee_key, fold, normalize, street_lines
from entrygo.readiness.facts import (
    ConsigneeElsewhere,
    FilingFacts,
    LineFacts,
    OrderFacts,
    PlanFacts,
    ProductFacts,
)
from entrygo.readiness.plan import Assessment, assess
from entrygo.readiness.reference import load

REF = load()
JANE = {"name": "Jane Doe", "address1": "1 Market St", "city": "San Francisco"}
NOTEBOOK = ProductFacts(id="prod_1", title="Paper notebook with hard cover, A5, 192 pages",
                        hts_code="4820102010", country_of_origin="CA", mid="XQMAPPAP55MON",
                        net_weight_kg=Decimal("0.35"))
FILING = FilingFacts(importer={"id": "imp_1", "name": "Imports LLC", "number": "12-3456789"},
                     seller={"name": "Maple Paper Company", "address": None},
                     shipment={"modeOfTransport": "truck", "portOfEntry": "0901",
                               "carrier": {"scac": "EGTR"}, "conveyanceReference": "TRIP-42"})


def order(oid: str = "ord_1", *, value: str = "20", **overrides: Any) -> OrderFacts:
    base: dict[str, Any] = dict(
        id=oid, external_id=f"ext-{oid}", destination_country="US", destination_region="CA",
        destination_postal_code="94105", consignee=JANE,
        lines=(LineFacts(NOTEBOOK.id, 1, Decimal(value), Decimal(value)),),
        total_value_usd=Decimal(value),
        parcels=({"trackingNumber": "1Z1", "grossWeightKg": 0.5},))
    return OrderFacts(**{**base, **overrides})


def plan(*orders: OrderFacts, elsewhere: tuple[ConsigneeElsewhere, ...] = ()) -> Assessment:
    facts = PlanFacts("acc_1", "wh_1", "CA", "br_1", "US", False, tuple(orders),
                      {NOTEBOOK.id: NOTEBOOK}, FILING, elsewhere)
    return assess(facts, REF)


def test_one_consignee_however_the_address_is_spelled_is_one_formal_entry():
    """The issue's case: "1 Market St" and "1 Market St." were two informal entries ($359 and
    $2,250) where one formal entry ($2,609) is due; "1 MARKET STREET", the name in capitals or
    with a period, and a ZIP+4 are the same consignee too."""
    a = plan(order("ord_1", value="359", consignee=JANE),
             order("ord_2", value="2250", consignee={**JANE, "address1": "1 Market St."}))
    assert [(u.order_ids, u.value_usd, u.entry_type) for u in a.units] == [
        (("ord_1", "ord_2"), Decimal("2609"), "01")]
    (formal,) = [f for f in a.findings if f.code == "FORMAL_ENTRY_REQUIRED"]
    assert formal.order_ids == ("ord_1", "ord_2") and "2,609.00 USD" in formal.message

    variants = [
        order("ord_1", value="359", consignee=JANE),
        order("ord_2", value="2250", consignee={**JANE, "address1": "1 Market St."}),
        order("ord_3", value="120", consignee={"name": "JANE DOE.", "address1": "1 MARKET STREET",
                                               "city": "SAN FRANCISCO"},
              destination_postal_code="94105-1420"),
        order("ord_4", value="80", consignee={"name": "jane  doe", "address1": "1 market street",
                                              "address2": "Apt 4", "city": "SF"},
              destination_region="California", destination_postal_code="941051420"),
    ]
    b = plan(*variants)
    (unit,) = b.units
    assert (unit.order_ids, unit.value_usd, unit.entry_type) == (
        ("ord_1", "ord_2", "ord_3", "ord_4"), Decimal("2809"), "01")
    assert unit.consignee == Consignee("JANE DOE", "1 MARKET ST", None, "SAN FRANCISCO", "CA",
                                       "94105")
    assert b.totals["unitCount"] == 1


def test_accents_case_and_punctuation_of_a_name_fold_away():
    nunez = {"name": "José Núñez-O'Brien", "address1": "500 W 2nd Street", "city": "Austin"}
    plain = {"name": "JOSE NUNEZ OBRIEN", "address1": "500 West 2nd St.", "city": "Austin"}
    a = plan(order("ord_1", consignee=nunez, destination_region="TX",
                   destination_postal_code="78701"),
             order("ord_2", consignee=plain, destination_region="TX",
                   destination_postal_code="78701"))
    (unit,) = a.units
    assert (unit.consignee.name, unit.consignee.address1) == ("JOSE NUNEZ OBRIEN",
                                                             "500 W 2ND ST")


def test_different_consignees_stay_apart():
    """Another house number, another ZIP, another name: other consignees, other entries."""
    for other in ({"consignee": {**JANE, "address1": "11 Market St"}},
                  {"destination_postal_code": "94107"},
                  {"consignee": {**JANE, "name": "John Doe"}}):
        a = plan(order("ord_1", value="1300", consignee=JANE),
                 order("ord_2", value="1300", **{"consignee": JANE, **other}))
        assert [u.entry_type for u in a.units] == ["11", "11"], other


def test_a_unit_written_on_the_first_line_is_the_same_street():
    assert street_lines("1 Market St Apt 4", None) == street_lines("1 Market Street", "apt. 4") \
        == ("1 MARKET ST", "APT 4")
    assert consignee_key(order("ord_1", consignee={**JANE, "address1": "1 Market St, Suite 200"})) \
        == consignee_key(order("ord_2", consignee=JANE))


def test_what_the_parser_cannot_read_is_folded_never_an_error():
    for line in ("PO Box 123", "PSC 1234 Box 5678", "c/o Jane, 1 Market St", "123", "   "):
        street_lines(line, None)  # does not raise
    assert street_lines("P.O. Box 123", None) == ("PO BOX 123", None)
    assert normalize(order(consignee={"name": "Jane", "address1": "PO Box 123"},
                           destination_postal_code="not a zip")).postal_code == "NOT A ZIP"
    # outside the United States USPS rules do not apply: folded only
    paris = normalize(order(consignee={"name": "Zoë Martin", "address1": "5 Rue de Rivoli"},
                            destination_country="FR", destination_region="IDF",
                            destination_postal_code="75001"))
    assert paris == Consignee("ZOE MARTIN", "5 RUE DE RIVOLI", None, None, "IDF", "75001")
    assert fold("  ") is None and fold(None) is None
    # without a name an order is an entry of its own
    assert consignee_key(order("ord_9", consignee={"address1": "1 Market St"})) == "order:ord_9"


def split(a: Assessment):
    return [f for f in a.findings if f.code == "CONSIGNEE_SPLIT_ACROSS_BATCHES"]


def test_a_consignee_split_across_batches_of_one_conveyance_is_a_warning():
    here = order("ord_2", value="2250", consignee={**JANE, "address1": "1 MARKET STREET"})
    key = consignee_key(order("ord_1", consignee=JANE))
    a = plan(here, elsewhere=(ConsigneeElsewhere("batch_a", key, Decimal("359")),
                              ConsigneeElsewhere("batch_b", key, Decimal("100"))))
    (f,) = split(a)
    assert (f.severity, f.scope, f.unit_index, f.order_ids) == ("warning", "batch", 0,
                                                                 ("ord_2",))
    assert f.reference == CATALOGUE["CONSIGNEE_SPLIT_ACROSS_BATCHES"].reference
    assert "141.51" in f.reference and "143.21" in f.reference
    assert f.message == (
        "JANE DOE, 1 MARKET ST, 94105 also has goods on this conveyance in batch_a, batch_b: "
        "2,709.00 USD together (2,250.00 USD here), above the informal threshold of 2,500.00 "
        "USD: one Type 01 formal entry. Plan this consignee's orders in one batch.")
    assert a.readiness_state == "REVIEW_REQUIRED"
    # under the threshold it is still one entry, filed as two
    small = plan(replace(here, lines=order(value="20").lines, total_value_usd=Decimal("20")),
                 elsewhere=(ConsigneeElsewhere("batch_a", key, Decimal("359")),))
    assert split(small)[0].message.endswith("(20.00 USD here), one entry. Plan this "
                                            "consignee's orders in one batch.")
    # another consignee's goods on the conveyance split nothing
    other = consignee_key(order("ord_3", consignee={**JANE, "name": "John Roe"}))
    assert split(plan(here, elsewhere=(ConsigneeElsewhere("batch_a", other,
                                                          Decimal("359")),))) == []
    assert split(plan(here)) == []
