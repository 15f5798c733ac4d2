"""The duty and fee estimate of a plan: pure, from the plan's facts, its export units, the
schedule and the effective-dated rules of ``data/duties.json``, on one date.

Per line: the base duty (column 1 general; column 2 for a column 2 country; the special rate of
a preference the product claims and is eligible for) and the additional duties of chapter 99 in
force on the date (Section 232 metals, Section 301, the Section 122 surcharge, ...). Per export
unit (entry): the merchandise processing fee and, by ocean, the harbor maintenance fee. Per
order: its lines' duties and its share of its entry's fees, by value. Each component is rounded
half-up to cents and names its source; one EntryGo cannot compute has a null amount and a
reason, and whatever it is part of is marked incomplete, never a silent zero.

It is an estimate for planning, not a duty determination (``DutyRules.disclaimer``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from entrygo.kit.money import cents
from entrygo.readiness.duties import DutyRules, MpfYear, fiscal_year
from entrygo.readiness.facts import LineFacts, PlanFacts, ProductFacts
from entrygo.readiness.plan import ExportUnit
from entrygo.readiness.product_rules import section232_metals
from entrygo.readiness.quantities import quantity
from entrygo.readiness.reference import Reference
from entrygo.readiness.treatments import METALS
from entrygo.tariff.rates import HUNDRED, Rate, Unreadable, parse, percent, special_rate

ZERO = Decimal(0)


class Component(NamedTuple):
    """A tuple, not a dataclass: a plan makes tens of thousands of them."""

    kind: str
    """``base``, ``section232``, ``section301``, ``section122``, ``ieepa``; ``mpf``, ``hmf``."""
    rate: str | None
    amount_usd: Decimal | None
    source: str
    """A short citation: the HTS line and column, the chapter 99 heading, the CFR section
    (``Estimate.sources`` gives the rules file's full source text for the ones it has)."""
    reason: str | None = None
    """Why the amount is null (only then)."""
    note: str | None = None
    """What the amount assumes or leaves out."""


class LineEstimate(NamedTuple):
    unit_index: int
    order_id: str
    line_index: int
    product_id: str
    hts_code: str | None
    country_of_origin: str | None
    value_usd: Decimal
    components: tuple[Component, ...]
    duty_usd: Decimal
    """The known amounts of its components, added."""
    complete: bool


class UnitEstimate(NamedTuple):
    unit_index: int
    entry_type: str
    value_usd: Decimal
    duty_usd: Decimal
    duties_complete: bool
    fees: tuple[Component, ...]

    @property
    def fees_usd(self) -> Decimal:
        return _known(self.fees)

    @property
    def complete(self) -> bool:
        return self.duties_complete and _complete(self.fees)


class OrderEstimate(NamedTuple):
    order_id: str
    unit_index: int
    duty_usd: Decimal
    fees_usd: Decimal
    complete: bool


@dataclass(frozen=True)
class Estimate:
    as_of: date
    date_basis: str
    """``estimatedArrival`` (the shipment's) or ``planningDate`` (the day of planning, UTC)."""
    edition: str
    disclaimer: str
    lines: tuple[LineEstimate, ...]
    units: tuple[UnitEstimate, ...]
    orders: tuple[OrderEstimate, ...]
    sources: dict[str, str]
    """Citation -> the rules file's source text, for every citation the components use that
    the rules file explains."""

    @property
    def duty_usd(self) -> Decimal:
        return sum((u.duty_usd for u in self.units), ZERO)

    @property
    def fees_usd(self) -> Decimal:
        return sum((u.fees_usd for u in self.units), ZERO)

    @property
    def complete(self) -> bool:
        return all(u.complete for u in self.units)

    @property
    def unknown_components(self) -> int:
        return (sum(1 for ln in self.lines for c in ln.components if c.amount_usd is None)
                + sum(1 for u in self.units for c in u.fees if c.amount_usd is None))


def _known(components: tuple[Component, ...]) -> Decimal:
    return sum((c.amount_usd for c in components if c.amount_usd is not None), ZERO)


def _complete(components: tuple[Component, ...]) -> bool:
    return all(c.amount_usd is not None for c in components)


def as_of(facts: PlanFacts, today: date) -> tuple[date, str]:
    """The date the estimate applies the rules of: the shipment's ``estimatedArrival`` when it
    gives one, else ``today`` (the planning date)."""
    arrival = facts.filing.shipment.get("estimatedArrival") if facts.filing else None
    if arrival:
        return date.fromisoformat(str(arrival)), "estimatedArrival"
    return today, "planningDate"


# --- lines ------------------------------------------------------------------------------------

Cite = Callable[[str, str], str]
"""Records a citation's source text for ``Estimate.sources`` and returns the citation."""
LineRule = Callable[[LineFacts], Component]
"""A component of one product's lines: the rate is the product's, the amount the line's."""


def _fixed(component: Component) -> LineRule:
    return lambda line: component


def _ad_valorem(kind: str, pct: Decimal, source: str, note: str | None = None,
                rate: str | None = None) -> LineRule:
    text = rate or percent(pct)
    return lambda line: Component(kind, text, cents(line.line_value_usd * pct / HUNDRED),
                                  source, note=note)


def _base(product: ProductFacts, ref: Reference, rules: DutyRules, day: date,
          cite: Cite) -> LineRule:
    """Column 1 general, column 2 or the special rate of a preference claimed."""
    line = ref.schedule.line(product.hts_code)
    if line is None or not line.number:
        why = (f"{product.hts_code} is not a line of the schedule ({ref.schedule.revision})"
               if product.hts_code else "The product has no htsCode")
        return _fixed(Component("base", None, None, "HTSUS", reason=f"{why}: no rate to apply."))
    origin = product.country_of_origin
    note = None
    column2 = rules.column2_of(origin, day)
    if column2 is not None:
        text = line.column2
        source = f"HTS {line.dotted}, column 2 ({cite(column2.citation, column2.source)})"
    else:
        text, source = line.general, f"HTS {line.dotted}, column 1 general"
        claim = rules.preferences.get(product.preference_claim or "")
        if claim is not None:
            special = special_rate(line.special, claim.indicators)
            if origin in claim.origins and special is not None:
                text = special
                source = (f"HTS {line.dotted}, special ({', '.join(sorted(claim.indicators))}: "
                          f"{claim.name}, {cite(claim.citation, claim.source)})")
            else:
                why = (f"the origin is {origin or 'not given'}, not "
                       f"{' or '.join(sorted(claim.origins))}" if origin not in claim.origins
                       else f"the line's special rates do not list "
                            f"{' or '.join(sorted(claim.indicators))}")
                note = f"{claim.name} is claimed, but {why}: the general rate applies."
    if not text:
        return _fixed(Component("base", None, None, source, reason=(
            f"HTS {line.dotted} prints no rate in this column: the product's htsCode should be "
            "a statistical (10-digit) number."), note=note))
    rate = parse(text)
    if isinstance(rate, Unreadable):
        return _fixed(Component("base", text, None, source, reason=rate.reason, note=note))
    return _rated(product, rate, source, note)


def _rated(product: ProductFacts, rate: Rate, source: str, note: str | None) -> LineRule:
    if not rate.specific:
        if rate.free:
            return _fixed(Component("base", rate.text, ZERO, source, note=note))
        return _ad_valorem("base", rate.ad_valorem_pct, source, note, rate=rate.text)
    for term in rate.specific:
        if term.quantity_unit is None:
            return _fixed(Component(
                "base", rate.text, None, source, note=note,
                reason=f"The rate is per {term.unit}, a quantity EntryGo does not derive from "
                       "product data."))
    units = tuple(dict.fromkeys(t.quantity_unit for t in rate.specific if t.quantity_unit))

    def component(line: LineFacts) -> Component:
        measured: dict[str, Decimal] = {}
        for unit in units:
            q = quantity(unit, product, line.quantity)
            if q.value is None:
                what = q.field or unit
                return Component("base", rate.text, None, source, note=note,
                                 reason=f"The rate is per {unit}: the product has no {what}.")
            measured[unit] = q.value
        return Component("base", rate.text, cents(rate.amount(line.line_value_usd, measured)),
                         source, note=note)

    return component


def _section232(product: ProductFacts, ref: Reference, rules: DutyRules, day: date,
                cite: Cite) -> tuple[LineRule | None, bool]:
    """The product's Section 232 component (None outside the metals scope), and whether the
    goods are subject to it (not under the weight threshold)."""
    metals = section232_metals(product, ref)
    if not metals:
        return None, False
    s = rules.section232
    if not s.period.contains(day):
        return _fixed(Component(
            "section232", None, None, cite(s.derivatives_citation, s.derivatives_source),
            reason=f"The estimate's rules hold Section 232 from {s.period.start} only: the "
                   f"entry date {day} is outside them.")), True
    hts = product.hts_code or ""
    content = product.metal_content or {}
    if hts[:2] not in s.threshold_except_chapters:
        shares = [content.get(METALS[m.name].pct_field) for m in metals]
        if all(v is not None for v in shares) and all(Decimal(str(v)) < s.threshold_pct
                                                      for v in shares):
            return _fixed(Component(
                "section232", "no change", ZERO, cite(s.threshold_heading, s.threshold_source),
                note=f"Every metal is under {s.threshold_pct} % of the weight "
                     f"({s.threshold_heading}).")), False
    metal = s.article_metal(hts)
    if metal is None:
        return _fixed(Component("section232", None, None,
                                cite(s.derivatives_citation, s.derivatives_source),
                                reason=s.derivatives_reason)), True
    rate = s.rate_for(metal, product.country_of_origin)
    return _ad_valorem("section232", rate.rate_pct,
                       f"{cite(rate.heading, s.articles_source)} ({metal} article)",
                       rate=f"+{percent(rate.rate_pct)}"), True


def _eligible(product: ProductFacts, rules: DutyRules, program: str) -> bool:
    claim = rules.preferences.get(program)
    return (claim is not None and product.preference_claim == program
            and product.country_of_origin in claim.origins)


def _product_rules(product: ProductFacts, ref: Reference, rules: DutyRules, day: date,
                   cite: Cite) -> tuple[LineRule, ...]:
    found = [_base(product, ref, rules, day, cite)]
    s232, subject232 = _section232(product, ref, rules, day, cite)
    if s232 is not None:
        found.append(s232)
    origin = product.country_of_origin
    for program in rules.not_computed:
        if program.period.contains(day) and (program.origins is None or origin in program.origins):
            found.append(_fixed(Component(program.kind, program.rate, None,
                                          cite(program.citation, program.source),
                                          reason=program.reason)))
    for surcharge in rules.ad_valorem:
        if not surcharge.period.contains(day):
            continue
        rate = f"+{percent(surcharge.rate_pct)}"
        exempt = None
        if subject232 and surcharge.exempt_section232:
            exempt = f"Section 232 goods are exempt ({surcharge.exempt_section232})."
        for claim, headings in surcharge.exempt_preferences.items():
            if _eligible(product, rules, claim) and origin in headings:
                exempt = f"{claim} goods of {origin} are exempt ({headings[origin]})."
        source = cite(surcharge.citation, surcharge.source)
        if exempt:
            found.append(_fixed(Component(surcharge.kind, rate, ZERO, source, note=exempt)))
        else:
            found.append(_ad_valorem(surcharge.kind, surcharge.rate_pct, source,
                                     note=surcharge.note, rate=rate))
    return tuple(found)


# --- entries and orders -----------------------------------------------------------------------


def _mpf(unit: ExportUnit, exempt_value: Decimal, rules: DutyRules, day: date,
         year: MpfYear | None, cite: Cite) -> Component:
    mpf = rules.mpf
    if year is None:
        return Component("mpf", None, None, cite(mpf.citation, mpf.source), reason=(
            f"No merchandise processing fee amounts for fiscal year {fiscal_year(day)} in the "
            "estimate's rules (CBP publishes each year's in the Federal Register before "
            "October 1)."))
    source = f"{cite(mpf.citation, mpf.source)}; {cite(year.citation, year.source)}"
    exempt_note = None
    if exempt_value:
        exempt_note = (f"{exempt_value} USD of originating goods claimed under "
                       f"{', '.join(sorted(mpf.exempt_preferences))} carry no fee "
                       f"({mpf.exempt_source})")
    base = unit.value_usd - exempt_value
    if unit.entry_type != "01":
        rate = f"${year.informal_usd} per informal entry"
        if base <= 0 and exempt_value:
            return Component("mpf", rate, ZERO, source, note=exempt_note)
        return Component("mpf", rate, year.informal_usd, source)
    rate = (f"{percent(mpf.ad_valorem_pct)} (minimum ${year.formal_min_usd}, "
            f"maximum ${year.formal_max_usd})")
    if base <= 0:
        return Component("mpf", rate, ZERO, source, note=exempt_note)
    raw = base * mpf.ad_valorem_pct / HUNDRED
    amount = min(max(raw, year.formal_min_usd), year.formal_max_usd)
    notes = [exempt_note] if exempt_note else []
    if amount != raw:
        notes.append("the minimum applies" if amount == year.formal_min_usd
                     else "the maximum applies")
    return Component("mpf", rate, cents(amount), source,
                     note="; ".join(notes) + "." if notes else None)


def _hmf(unit: ExportUnit, facts: PlanFacts, rules: DutyRules, day: date,
         cite: Cite) -> Component | None:
    hmf = rules.hmf
    mode = facts.filing.shipment.get("modeOfTransport") if facts.filing else None
    rate = percent(hmf.pct)
    if mode is None:
        return Component("hmf", rate, None, cite(hmf.citation, hmf.source), reason="The "
                         "shipment gives no modeOfTransport: the harbor maintenance fee is due "
                         "by ocean only.")
    if mode not in hmf.modes or not hmf.period.contains(day):
        return None
    return Component("hmf", rate, cents(unit.value_usd * hmf.pct / HUNDRED),
                     cite(hmf.citation, hmf.source), note=hmf.note)


def _allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``amount`` in cents over ``weights`` (by value), the rounding left on the last share."""
    total = sum(weights, ZERO)
    if not weights:
        return []
    if total <= 0:
        return [amount, *([ZERO] * (len(weights) - 1))]
    shares = [cents(amount * w / total) for w in weights[:-1]]
    return [*shares, amount - sum(shares, ZERO)]


def estimate(facts: PlanFacts, units: tuple[ExportUnit, ...], ref: Reference,
             rules: DutyRules, today: date) -> Estimate:
    """The estimate of the plan's export units, on the shipment's arrival date, else today."""
    day, basis = as_of(facts, today)
    orders = {o.id: o for o in facts.orders}
    mode = facts.filing.shipment.get("modeOfTransport") if facts.filing else None
    hmf_due = mode is None or mode in rules.hmf.modes
    sources: dict[str, str] = {}

    def cite(citation: str, source: str) -> str:
        sources[citation] = source
        return citation

    year = rules.mpf.year(day)
    per_product: dict[str, tuple[LineRule, ...]] = {}
    # the same goods at the same value owe the same: computed once
    seen: dict[tuple[str, int, Decimal], tuple[tuple[Component, ...], Decimal, bool]] = {}
    exempt_products = {pid for pid, p in facts.products.items()
                       if any(_eligible(p, rules, claim) for claim in rules.mpf.exempt_preferences)}
    fee_cache: dict[tuple[str, Decimal, Decimal], tuple[Component, ...]] = {}
    lines: list[LineEstimate] = []
    unit_estimates: list[UnitEstimate] = []
    order_estimates: list[OrderEstimate] = []
    for index, unit in enumerate(units):
        exempt = ZERO
        unit_duty, unit_complete = ZERO, True
        own: list[tuple[str, Decimal, bool]] = []  # per order: duty, complete
        for order_id in unit.order_ids:
            order_duty, order_complete = ZERO, True
            for line_index, line in enumerate(orders[order_id].lines):
                product = facts.products[line.product_id]
                key = (product.id, line.quantity, line.line_value_usd)
                known = seen.get(key)
                if known is None:
                    made = per_product.get(product.id)
                    if made is None:
                        made = per_product[product.id] = _product_rules(product, ref, rules,
                                                                        day, cite)
                    components = tuple([rule(line) for rule in made])
                    known = seen[key] = (components, _known(components), _complete(components))
                lines.append(LineEstimate(index, order_id, line_index, product.id,
                                          product.hts_code, product.country_of_origin,
                                          line.line_value_usd, *known))
                order_duty += known[1]
                order_complete = order_complete and known[2]
                if product.id in exempt_products:
                    exempt += line.line_value_usd
            own.append((order_id, order_duty, order_complete))
            unit_duty += order_duty
            unit_complete = unit_complete and order_complete
        # an informal entry's fees depend on its value only by ocean or with exempt goods:
        # the others share theirs
        fee_key = (unit.entry_type, exempt,
                   unit.value_usd if unit.entry_type == "01" or hmf_due or exempt else ZERO)
        fees = fee_cache.get(fee_key)
        if fees is None:
            made_fees = [_mpf(unit, exempt, rules, day, year, cite)]
            hmf = _hmf(unit, facts, rules, day, cite)
            if hmf is not None:
                made_fees.append(hmf)
            fees = fee_cache[fee_key] = tuple(made_fees)
        u = UnitEstimate(index, unit.entry_type, unit.value_usd, unit_duty, unit_complete, fees)
        unit_estimates.append(u)
        fees_known = _complete(fees)
        if len(own) == 1:
            shares = [u.fees_usd]
        else:
            weights = [orders[oid].total_value_usd for oid in unit.order_ids]
            shares = [ZERO] * len(weights)
            for fee in fees:
                if fee.amount_usd is not None:
                    shares = [a + b for a, b in zip(shares, _allocate(fee.amount_usd, weights),
                                                    strict=True)]
        for (oid, duty, complete), share in zip(own, shares, strict=True):
            order_estimates.append(OrderEstimate(oid, index, duty, share,
                                                 fees_known and complete))
    return Estimate(day, basis, rules.edition, rules.disclaimer, tuple(lines),
                    tuple(unit_estimates), tuple(order_estimates), dict(sorted(sources.items())))
