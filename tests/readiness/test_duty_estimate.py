"""The duty and fee estimate against cases computed by hand (the arithmetic is in each test).

Rates are the 2026 schedule's (Revision 11) and ``data/duties.json``'s: MPF for fiscal year
2026 is 0.3464 % with a minimum of 33.58 and a maximum of 651.50 USD, 2.69 USD for an informal
entry (CBP Dec. 25-10); HMF 0.125 %. Unless a test says otherwise the goods arrive on
2026-08-01: fiscal year 2026, after the Section 122 surcharge ended (2026-07-24) and under the
Section 232 regime of 2026-04-06.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from entrygo.kit.money import cents
from entrygo.readiness import duties, reference
from entrygo.readiness.estimate import Component, Estimate, estimate
from entrygo.readiness.facts import FilingFacts, LineFacts, OrderFacts, PlanFacts, ProductFacts
from entrygo.readiness.plan import export_units

D = Decimal
ARRIVAL = "2026-08-01"
TODAY = date(2026, 11, 29)


def product(pid: str, hts: str, origin: str, **fields: Any) -> ProductFacts:
    return ProductFacts(id=pid, title=pid, hts_code=hts, country_of_origin=origin, **fields)


def order(oid: str, lines: list[tuple[str, int, str]], consignee: str | None = None) -> OrderFacts:
    facts = tuple(LineFacts(pid, qty, D(unit), cents(D(unit) * qty)) for pid, qty, unit in lines)
    who = {"name": consignee, "address1": "1 Main St", "city": "Buffalo"} if consignee else None
    return OrderFacts(id=oid, external_id=oid, destination_country="US", destination_region="NY",
                      destination_postal_code="14202", consignee=who, lines=facts,
                      total_value_usd=sum((ln.line_value_usd for ln in facts), D(0)))


def run(products: list[ProductFacts], orders: list[OrderFacts], *, arrival: str | None = ARRIVAL,
        mode: str | None = "truck") -> Estimate:
    shipment: dict[str, Any] = {}
    if arrival:
        shipment["estimatedArrival"] = arrival
    if mode:
        shipment["modeOfTransport"] = mode
    ref = reference.load()
    facts = PlanFacts("acc", "wh", "CA", "br", "US", False, tuple(orders),
                      {p.id: p for p in products},
                      FilingFacts(importer=None, seller={}, shipment=shipment))
    return estimate(facts, tuple(export_units(orders, ref)), ref, duties.load(), TODAY)


def kinds(components: tuple[Component, ...]) -> dict[str, Component]:
    return {c.kind: c for c in components}


def line_of(est: Estimate, oid: str = "o1", index: int = 0) -> dict[str, Component]:
    return kinds(next(ln for ln in est.lines
                      if ln.order_id == oid and ln.line_index == index).components)


def test_ad_valorem() -> None:
    """Cotton T-shirts, 6109.10.00.12, column 1 general 16.5 %, of Vietnam: 12 at 5.00 USD =
    60.00 USD x 16.5 % = 9.90 USD. An informal entry (60.00 <= 2,500): MPF 2.69 USD."""
    est = run([product("p", "6109100012", "VN")], [order("o1", [("p", 12, "5.00")])])
    base = line_of(est)["base"]
    assert (base.rate, base.amount_usd) == ("16.5%", D("9.90"))
    assert base.source == "HTS 6109.10.00.12, column 1 general"
    mpf = kinds(est.units[0].fees)["mpf"]
    assert (mpf.amount_usd, mpf.rate) == (D("2.69"), "$2.69 per informal entry")
    assert (est.duty_usd, est.fees_usd, est.complete) == (D("9.90"), D("2.69"), True)
    assert (est.as_of, est.date_basis) == (date(2026, 8, 1), "estimatedArrival")


def test_specific_per_kilogram() -> None:
    """Live cattle, 0102.29.40.24, 1¢/kg, of Germany: 2 head of 450 kg = 900 kg x 0.01 USD =
    9.00 USD, whatever the value."""
    est = run([product("p", "0102294024", "DE", net_weight_kg=D(450))],
              [order("o1", [("p", 2, "1000.00")])])
    base = line_of(est)["base"]
    assert (base.rate, base.amount_usd) == ("1¢/kg", D("9.00"))


def test_specific_without_the_quantity_is_null_with_a_reason() -> None:
    """The same cattle without netWeightKg: the kilograms are unknown, the amount too."""
    est = run([product("p", "0102294024", "DE")], [order("o1", [("p", 2, "1000.00")])])
    base = line_of(est)["base"]
    assert base.amount_usd is None
    assert base.reason == "The rate is per kg: the product has no netWeightKg."
    assert not est.complete and est.unknown_components == 1


def test_compound() -> None:
    """Fish glue, 3503.00.10.00, 1.2¢/kg + 1.5 %, of Germany: 10 tins of 2.5 kg at 20.00 USD.
    25 kg x 0.012 = 0.30 USD, plus 200.00 x 1.5 % = 3.00 USD: 3.30 USD."""
    est = run([product("p", "3503001000", "DE", net_weight_kg=D("2.5"))],
              [order("o1", [("p", 10, "20.00")])])
    base = line_of(est)["base"]
    assert (base.rate, base.amount_usd) == ("1.2¢/kg + 1.5%", D("3.30"))


def test_column_2() -> None:
    """Plastic tableware, 3924.10.40.00 (general 3.4 %, column 2 80 %), of Belarus (column 2
    since 2022-04-09, Pub. L. 117-110): 50.00 USD x 80 % = 40.00 USD. Of Cuba, the same."""
    for origin in ("BY", "CU"):
        est = run([product("p", "3924104000", origin)], [order("o1", [("p", 5, "10.00")])])
        base = line_of(est)["base"]
        assert (base.rate, base.amount_usd) == ("80%", D("40.00"))
        assert base.source.startswith("HTS 3924.10.40.00, column 2 (")


def test_usmca_claimed_and_eligible_is_the_special_rate() -> None:
    """The T-shirts of Mexico claiming USMCA: the special column lists S, rate Free: 0.00 USD;
    originating goods carry no merchandise processing fee, so the informal entry's is 0."""
    est = run([product("p", "6109100012", "MX", preference_claim="USMCA")],
              [order("o1", [("p", 12, "5.00")])])
    base = line_of(est)["base"]
    assert (base.rate, base.amount_usd) == ("Free", D(0))
    assert "special (S, S+: USMCA" in base.source
    assert kinds(est.units[0].fees)["mpf"].amount_usd == D(0)


def test_usmca_claimed_but_not_eligible_is_the_general_rate_with_a_note() -> None:
    """Claiming USMCA for goods of Vietnam: 60.00 x 16.5 % = 9.90 USD, and the note says why."""
    est = run([product("p", "6109100012", "VN", preference_claim="USMCA")],
              [order("o1", [("p", 12, "5.00")])])
    base = line_of(est)["base"]
    assert base.amount_usd == D("9.90")
    assert base.note == "USMCA is claimed, but the origin is VN, not CA or MX: the general " \
                        "rate applies."


def test_mpf_minimum() -> None:
    """A formal entry of 5,000.00 USD: 0.3464 % is 17.32 USD, under the minimum: 33.58 USD."""
    est = run([product("p", "8518220000", "DE")], [order("o1", [("p", 100, "50.00")])])
    assert est.units[0].entry_type == "01"
    mpf = kinds(est.units[0].fees)["mpf"]
    assert mpf.amount_usd == D("33.58")
    assert mpf.note == "the minimum applies."


def test_mpf_maximum() -> None:
    """A formal entry of 200,000.00 USD: 0.3464 % is 692.80 USD, over the maximum: 651.50."""
    est = run([product("p", "8518220000", "DE")], [order("o1", [("p", 1000, "200.00")])])
    assert kinds(est.units[0].fees)["mpf"].amount_usd == D("651.50")


def test_mpf_ad_valorem_between_and_hmf_by_ocean() -> None:
    """20,000.00 USD by ocean: MPF 0.3464 % = 69.28 USD; HMF 0.125 % = 25.00 USD."""
    est = run([product("p", "8518220000", "DE")], [order("o1", [("p", 400, "50.00")])],
              mode="ocean")
    fees = kinds(est.units[0].fees)
    assert (fees["mpf"].amount_usd, fees["hmf"].amount_usd) == (D("69.28"), D("25.00"))
    assert fees["hmf"].source == "19 CFR 24.24"
    assert est.sources["19 CFR 24.24"].startswith("26 U.S.C. 4461; 19 CFR 24.24(a)")


def test_an_unknown_program_is_named_with_a_null_amount() -> None:
    """Goods of China: Section 301 applies by list, which EntryGo does not hold. The base duty is
    computed (speakers, 8518.22.00.00, Free: 0), Section 301 is named with amountUsd null and
    its reason, and the estimate is incomplete."""
    est = run([product("p", "8518220000", "CN")], [order("o1", [("p", 2, "30.00")])])
    line = line_of(est)
    assert line["base"].amount_usd == D(0)
    s301 = line["section301"]
    assert s301.amount_usd is None
    assert "U.S. notes 20 and 31" in (s301.reason or "")
    assert s301.source == "19 U.S.C. 2411; 9903.88, 9903.91"
    assert "list 1 in force from 2018-07-06" in est.sources[s301.source]
    assert (est.complete, est.unknown_components) == (False, 1)


def test_a_fiscal_year_without_amounts_is_null() -> None:
    """No MPF amounts are held for fiscal year 2027 (from 2026-10-01): null, with the reason;
    without an arrival date the planning date (2026-11-29) is the estimate's date."""
    est = run([product("p", "8518220000", "DE")], [order("o1", [("p", 1, "10.00")])],
              arrival=None)
    assert (est.as_of, est.date_basis) == (TODAY, "planningDate")
    mpf = kinds(est.units[0].fees)["mpf"]
    assert mpf.amount_usd is None and "fiscal year 2027" in (mpf.reason or "")


def test_section_122_in_force_and_its_exemptions() -> None:
    """Arriving 2026-05-01, inside the surcharge (2026-02-24 to 2026-07-24): T-shirts of Vietnam
    pay 60.00 x 10 % = 6.00 USD (9903.03.01); those of Mexico claiming USMCA are exempt
    (9903.03.08)."""
    est = run([product("vn", "6109100012", "VN"),
               product("mx", "6109100012", "MX", preference_claim="USMCA")],
              [order("o1", [("vn", 12, "5.00"), ("mx", 12, "5.00")])], arrival="2026-05-01")
    assert line_of(est, "o1", 0)["section122"].amount_usd == D("6.00")
    exempt = line_of(est, "o1", 1)["section122"]
    assert exempt.amount_usd == D(0) and "9903.03.08" in (exempt.note or "")


def test_section_232_steel_article_full_value() -> None:
    """Flat-rolled steel, 7208.10.30.00 (a steel article: Proclamation 9705), general Free: the
    2026 regime's 50 % of the full value (9903.82.02), 1,000.00 USD -> 500.00 USD; of the
    United Kingdom 25 % (9903.82.04): 250.00 USD."""
    steel = {"steelPctWeight": 100, "steelMeltPourCountry": "DE"}
    for origin, expected, heading in (("DE", "500.00", "9903.82.02"),
                                      ("GB", "250.00", "9903.82.04")):
        est = run([product("p", "7208103000", origin, metal_content=steel)],
                  [order("o1", [("p", 1, "1000.00")])])
        s232 = line_of(est)["section232"]
        assert s232.amount_usd == D(expected)
        assert s232.source == f"{heading} (steel article)"
        assert "Proclamation 9705" in est.sources[heading]


def test_section_232_derivative_tier_is_unknown() -> None:
    """Steel cookware, 7323.93.00.45 (a derivative, 90 % steel): its tier depends on the annex
    of U.S. note 16, not held: null with the reason; the base 2 % is computed (40.00 x 2 % =
    0.80 USD)."""
    est = run([product("p", "7323930045", "DE",
                       metal_content={"steelPctWeight": 90, "steelMeltPourCountry": "DE"})],
              [order("o1", [("p", 2, "20.00")])])
    line = line_of(est)
    assert line["base"].amount_usd == D("0.80")
    assert line["section232"].amount_usd is None
    assert "U.S. note 16" in (line["section232"].reason or "")


def test_section_232_under_the_weight_threshold_is_no_change() -> None:
    """Metal furniture, 9403.20.00.11 (in scope for steel and aluminum), 10 % steel and 5 %
    aluminum by weight: both under 15 %, heading 9903.82.03: 0.00 USD."""
    est = run([product("p", "9403200011", "DE", metal_content={
        "steelPctWeight": 10, "steelMeltPourCountry": "DE", "aluminumPctWeight": 5,
        "aluminumSmeltCountry": "DE", "aluminumCastCountry": "DE"})],
        [order("o1", [("p", 1, "300.00")])])
    s232 = line_of(est)["section232"]
    assert (s232.rate, s232.amount_usd) == ("no change", D(0))


def test_orders_share_their_entry_fees_by_value() -> None:
    """Two orders of one consignee, 3,000.00 and 1,000.00 USD: one formal entry of 4,000.00 USD,
    MPF 0.3464 % = 13.856, under the minimum: 33.58 USD, shared 3:1: 25.19 (25.185 rounded
    half-up) and the rest, 8.39. Speakers are Free: duty 0."""
    est = run([product("p", "8518220000", "DE")],
              [order("o1", [("p", 60, "50.00")], consignee="Ada Lovelace"),
               order("o2", [("p", 20, "50.00")], consignee="Ada Lovelace")])
    assert len(est.units) == 1 and est.units[0].fees_usd == D("33.58")
    shares = {o.order_id: o.fees_usd for o in est.orders}
    assert shares == {"o1": D("25.19"), "o2": D("8.39")}
    assert sum(shares.values()) == est.fees_usd


def test_a_rate_in_no_computable_form_is_null_with_its_text() -> None:
    """Men's ensembles, 6103.22.00.10: "The rate applicable to each garment in the ensemble if
    separately entered" is not a form EntryGo computes: null, the text kept as the rate."""
    est = run([product("p", "6103220010", "VN")], [order("o1", [("p", 1, "80.00")])])
    base = line_of(est)["base"]
    assert base.amount_usd is None
    assert base.rate == "The rate applicable to each garment in the ensemble if separately " \
                        "entered"
    assert "not in a form EntryGo computes" in (base.reason or "")


def test_a_heading_prints_no_rate() -> None:
    """A 4-digit heading, 7323, prints no rate: null, asking for a statistical number."""
    est = run([product("p", "7323", "DE")], [order("o1", [("p", 1, "10.00")])])
    base = line_of(est)["base"]
    assert base.amount_usd is None and "statistical (10-digit)" in (base.reason or "")


def test_same_goods_same_amounts_and_order_sums() -> None:
    """Three orders of the same T-shirts (12 at 5.00 USD, 9.90 USD each), one entry each: every
    line 9.90 USD, each order 9.90 USD of duty and its entry's 2.69 USD fee, 37.77 in all."""
    est = run([product("p", "6109100012", "VN")],
              [order(f"o{i}", [("p", 12, "5.00")]) for i in range(3)])
    assert [ln.duty_usd for ln in est.lines] == [D("9.90")] * 3
    assert [(o.duty_usd, o.fees_usd) for o in est.orders] == [(D("9.90"), D("2.69"))] * 3
    assert est.duty_usd + est.fees_usd == D("37.77")
