"""Reading the schedule's rate texts: the computable forms, and the rest left unread."""

from __future__ import annotations

from decimal import Decimal

import pytest

from entrygo.readiness import reference
from entrygo.tariff.rates import Rate, Specific, Unreadable, parse, special_groups, special_rate

D = Decimal


@pytest.mark.parametrize(("text", "pct", "specific"), [
    ("Free", "0", ()),
    ("6.5%", "6.5", ()),
    ("2.2¢/kg", "0", (("0.022", "kg"),)),
    ("$1.32/kg", "0", (("1.32", "kg"),)),
    ("37.5¢/doz.", "0", (("0.375", "doz."),)),
    ("5¢ each", "0", (("0.05", "each"),)),
    ("$2 each", "0", (("2", "each"),)),
    ("2¢/ liter", "0", (("0.02", "liter"),)),
    ("1.2¢/kg + 1.5%", "1.5", (("0.012", "kg"),)),
    ("$1.104/kg +14.9%", "14.9", (("1.104", "kg"),)),
    ("5¢ each + 3%", "3", (("0.05", "each"),)),
    ("0.9¢/pr. + 20%", "20", (("0.009", "pr."),)),
])
def test_computable_forms(text: str, pct: str, specific: tuple[tuple[str, str], ...]) -> None:
    rate = parse(text)
    assert isinstance(rate, Rate)
    assert rate.ad_valorem_pct == D(pct)
    assert rate.specific == tuple(Specific(D(usd), unit) for usd, unit in specific)


@pytest.mark.parametrize("text", [
    "16.9¢/kg of total sugars + 5.1%",
    "16.9¢/kg of total sugars",
    "1.5¢/kg on drained weight",
    "The duty provided in the applicable subheading + 5%",
    "The rate applicable to each garment in the ensemble if separately entered",
    "3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees",
    "",
])
def test_other_forms_are_not_guessed(text: str) -> None:
    rate = parse(text)
    assert isinstance(rate, Unreadable)
    assert "not in a form EntryGo computes" in rate.reason


def test_amounts_add_every_term() -> None:
    """1.2¢/kg + 1.5% on 200.00 USD and 25 kg: 0.012 x 25 = 0.30, 1.5 % x 200 = 3.00."""
    rate = parse("1.2¢/kg + 1.5%")
    assert isinstance(rate, Rate)
    assert rate.amount(D("200.00"), {"kg": D(25)}) == D("3.3")


def test_units_map_to_quantities() -> None:
    assert Specific(D(1), "each").quantity_unit == "No."
    assert Specific(D(1), "pr.").quantity_unit == "prs."
    assert Specific(D(1), "liter").quantity_unit == "liters"
    assert Specific(D(1), "bbl").quantity_unit is None  # read, but no quantity EntryGo derives


def test_special_groups_and_program_rates() -> None:
    text = "Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 3.2% (KR)"
    groups = special_groups(text)
    assert [rate for rate, _ in groups] == ["Free", "3.2%"]
    assert special_rate(text, frozenset({"S", "S+"})) == "Free"
    assert special_rate(text, frozenset({"JP"})) is None
    see = "Free (BH,CL,SG) See 9822.04.25 (AU) See 9823.05.01-9823.05.06 (S+)"
    assert special_rate(see, frozenset({"S", "S+"})) == "See 9823.05.01-9823.05.06"
    assert isinstance(parse("See 9823.05.01-9823.05.06"), Unreadable)


def test_nearly_every_statistical_line_is_read() -> None:
    """The share of statistical lines (chapters 1-97) whose general rate is read: 97.68 % of
    19,949 in the 2026 schedule, Revision 11."""
    lines = [ln for ln in reference.load().schedule.lines
             if ln.statistical and not ln.number.startswith("99")]
    read = sum(1 for ln in lines if isinstance(parse(ln.general), Rate))
    assert read / len(lines) > 0.97
