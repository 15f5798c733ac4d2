"""The duty and fee estimate of a plan: pure, from the plan's facts, its export units, the
schedule and the effective-dated rules of ``data/duties.json``, on one date.

Per line: the base duty (column 1 general; column 2 for a column 2 country; the special rate of
a preference the product claims and is eligible for) and the additional duties of chapter 99 in
force on the date (Section 232 metals, Section 301, the Section 122 surcharge, ...). Per export
unit (entry): the merchandise processing fee and, by ocean, the harbor maintenance fee. Per
order: its lines' duties and its share of its entry's fees, by value. Each component is rounded
half-up to cents and names its source; one EntryGo cannot compute has a null amount and a
reason, and whatever it is part of is marked incomplete, never a silent zero.

What a line owes rests on its product alone (the rate of its line of the schedule, its origin,
its claim, its metals) and the date, so it is worked out once per product (``components``) and
applied to each line's value and quantity (``line_rule``). The package prints every line's
amounts with that same rule, from the components the plan stored.

It is an estimate for planning, not a duty determination (``DutyRules.disclaimer``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple, TypeVar

from entrygo.kit.money import cents
from entrygo.readiness.duties import DutyRules, MpfYear, fiscal_year
from entrygo.readiness.facts import LineFacts, OrderFacts, PlanFacts, ProductFacts
from entrygo.readiness.plan import ExportUnit
from entrygo.readiness.product_rules import section232_metals
from entrygo.readiness.quantities import quantity
from entrygo.readiness.reference import Reference
from entrygo.readiness.treatments import METALS
from entrygo.tariff.rates import HUNDRED, Rate, Unreadable, parse, percent, special_rate

ZERO = Decimal(0)
T = TypeVar("T")


class Component(NamedTuple):
    """A duty or fee: what it rests on and, on a line or an entry, its amount."""

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


def per_line(c: Component) -> bool:
    """Whether a product's component is owed at its rate on each line's value (and quantity),
    rather than the same amount on every line (free, exempt, or null with its reason)."""
    return c.amount_usd is None and c.reason is None


class LineRule(NamedTuple):
    """How each line of a product owes its components, in their order."""

    amounts: Callable[[LineFacts], tuple[Decimal | None, ...]]
    duty: Callable[[LineFacts], Decimal]
    """The line's known amounts, added."""
    unknown: int
    """How many of its amounts are null (the same on every line)."""


class ProductEstimate(NamedTuple):
    """What every line of a product owes, by kind: the rate, its source, the reason or note;
    the amount too when it is the same on every line. Only the amounts ``per_line`` differ,
    with the line's value and quantity (``rule``)."""

    product_id: str
    hts_code: str | None
    country_of_origin: str | None
    components: tuple[Component, ...]
    rule: LineRule


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
    fees_usd: Decimal
    """The known amounts of its fees, added."""
    complete: bool
    """Its duties and its fees all known."""


class OrderEstimate(NamedTuple):
    order_id: str
    unit_index: int
    duty_usd: Decimal
    fees_usd: Decimal
    complete: bool
    lines: tuple[LineFacts, ...]


@dataclass(frozen=True)
class Estimate:
    as_of: date
    date_basis: str
    """``estimatedArrival`` (the shipment's) or ``planningDate`` (the day of planning, UTC)."""
    edition: str
    disclaimer: str
    products: dict[str, ProductEstimate]
    """The products of the estimated lines, by id."""
    units: tuple[UnitEstimate, ...]
    orders: tuple[OrderEstimate, ...]
    """By unit, in the units' order; a unit's in its order."""
    sources: dict[str, str]
    """Citation -> the rules file's source text, for every citation the components use that
    the rules file explains."""
    unknown_components: int
    """Amounts (of lines and of fees) that are null."""

    @property
    def duty_usd(self) -> Decimal:
        return sum((u.duty_usd for u in self.units), ZERO)

    @property
    def fees_usd(self) -> Decimal:
        return sum((u.fees_usd for u in self.units), ZERO)

    @property
    def complete(self) -> bool:
        return all(u.complete for u in self.units)

    @cached_property
    def lines(self) -> tuple[LineEstimate, ...]:
        """Every line with its components whole (rate, amount, source, reason, note), in the
        orders' order: what ``products`` and each line's value and quantity give."""
        whole = []
        for o in self.orders:
            for index, line in enumerate(o.lines):
                p = self.products[line.product_id]
                components = tuple(c._replace(amount_usd=a) for c, a in
                                   zip(p.components, p.rule.amounts(line), strict=True))
                whole.append(LineEstimate(o.unit_index, o.order_id, index, p.product_id,
                                          p.hts_code, p.country_of_origin, line.line_value_usd,
                                          components, _known(components),
                                          _complete(components)))
        return tuple(whole)


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


# --- what a product's lines owe ---------------------------------------------------------------
# A component owed on each line (``per_line``) prints the rate it is owed at, as the schedule
# prints it, or ``+50%`` for an additional duty of 50 %: ``line_rule`` reads it back.

Cite = Callable[[str, str], str]
"""Records a citation's source text for ``Estimate.sources`` and returns the citation."""


def _base(product: ProductFacts, ref: Reference, rules: DutyRules, day: date,
          cite: Cite) -> Component:
    """Column 1 general, column 2 or the special rate of a preference claimed."""
    line = ref.schedule.line(product.hts_code)
    if line is None or not line.number:
        why = (f"{product.hts_code} is not a line of the schedule ({ref.schedule.revision})"
               if product.hts_code else "The product has no htsCode")
        return Component("base", None, None, "HTSUS", reason=f"{why}: no rate to apply.")
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
        return Component("base", None, None, source, reason=(
            f"HTS {line.dotted} prints no rate in this column: the product's htsCode should be "
            "a statistical (10-digit) number."), note=note)
    rate = parse(text)
    if isinstance(rate, Unreadable):
        return Component("base", text, None, source, reason=rate.reason, note=note)
    return _rated(product, rate, source, note)


def _rated(product: ProductFacts, rate: Rate, source: str, note: str | None) -> Component:
    if not rate.specific:
        if rate.free:
            return Component("base", rate.text, ZERO, source, note=note)
        return Component("base", rate.text, None, source, note=note)
    for term in rate.specific:
        if term.quantity_unit is None:
            return Component(
                "base", rate.text, None, source, note=note,
                reason=f"The rate is per {term.unit}, a quantity EntryGo does not derive from "
                       "product data.")
    for unit in _units(rate):  # whether the product has the measure does not depend on the count
        q = quantity(unit, product, 1)
        if q.value is None:
            return Component("base", rate.text, None, source, note=note,
                             reason=f"The rate is per {unit}: the product has no "
                                    f"{q.field or unit}.")
    return Component("base", rate.text, None, source, note=note)


def _units(rate: Rate) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.quantity_unit for t in rate.specific if t.quantity_unit))


def _section232(product: ProductFacts, ref: Reference, rules: DutyRules, day: date,
                cite: Cite) -> tuple[Component | None, bool]:
    """The product's Section 232 component (None outside the metals scope), and whether the
    goods are subject to it (not under the weight threshold)."""
    metals = section232_metals(product, ref)
    if not metals:
        return None, False
    s = rules.section232
    if not s.period.contains(day):
        return Component(
            "section232", None, None, cite(s.derivatives_citation, s.derivatives_source),
            reason=f"The estimate's rules hold Section 232 from {s.period.start} only: the "
                   f"entry date {day} is outside them."), True
    hts = product.hts_code or ""
    content = product.metal_content or {}
    if hts[:2] not in s.threshold_except_chapters:
        shares = [content.get(METALS[m.name].pct_field) for m in metals]
        if all(v is not None for v in shares) and all(Decimal(str(v)) < s.threshold_pct
                                                      for v in shares):
            return Component(
                "section232", "no change", ZERO, cite(s.threshold_heading, s.threshold_source),
                note=f"Every metal is under {s.threshold_pct} % of the weight "
                     f"({s.threshold_heading})."), False
    metal = s.article_metal(hts)
    if metal is None:
        return Component("section232", None, None,
                         cite(s.derivatives_citation, s.derivatives_source),
                         reason=s.derivatives_reason), True
    rate = s.rate_for(metal, product.country_of_origin)
    return Component("section232", f"+{percent(rate.rate_pct)}", None,
                     f"{cite(rate.heading, s.articles_source)} ({metal} article)"), True


def _eligible(product: ProductFacts, rules: DutyRules, program: str) -> bool:
    claim = rules.preferences.get(program)
    return (claim is not None and product.preference_claim == program
            and product.country_of_origin in claim.origins)


def _product_components(product: ProductFacts, ref: Reference, rules: DutyRules, day: date,
                        cite: Cite) -> tuple[Component, ...]:
    found = [_base(product, ref, rules, day, cite)]
    s232, subject232 = _section232(product, ref, rules, day, cite)
    if s232 is not None:
        found.append(s232)
    origin = product.country_of_origin
    for program in rules.not_computed:
        if program.period.contains(day) and (program.origins is None or origin in program.origins):
            found.append(Component(program.kind, program.rate, None,
                                   cite(program.citation, program.source),
                                   reason=program.reason))
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
            found.append(Component(surcharge.kind, rate, ZERO, source, note=exempt))
        else:
            found.append(Component(surcharge.kind, rate, None, source, note=surcharge.note))
    return tuple(found)


def line_rule(components: tuple[Component, ...], product: ProductFacts) -> LineRule:
    """How each line of ``product`` owes ``components`` (what they rest on, as the plan worked
    them out): the amount a component carries, the same on every line, or its rate applied
    to the line's value and, for a specific rate, its quantity measured from the product.

    The one way a line's amounts are computed, for the plan and for the package alike."""
    owed = [_owed(c, product) if per_line(c) else None for c in components]
    each: list[Callable[[LineFacts], Decimal | None]] = [
        f or _same(c.amount_usd) for f, c in zip(owed, components, strict=True)]
    unknown = sum(1 for f, c in zip(owed, components, strict=True)
                  if f is None and c.amount_usd is None)
    if len(each) == 1:  # most products: one duty, its amount the line's duty
        only = each[0]
        return LineRule(lambda line: (only(line),),
                        owed[0] or _same(components[0].amount_usd or ZERO), unknown)

    def amounts(line: LineFacts) -> tuple[Decimal | None, ...]:
        return tuple([amount(line) for amount in each])

    def duty(line: LineFacts) -> Decimal:
        return sum([a for a in amounts(line) if a is not None], ZERO)

    return LineRule(amounts, duty, unknown)


def _same(amount: T) -> Callable[[LineFacts], T]:
    return lambda line: amount


def _owed(c: Component, product: ProductFacts) -> Callable[[LineFacts], Decimal]:
    """A line's amount of a component owed at its rate."""
    rate = parse((c.rate or "").removeprefix("+"))  # "+50%": an additional duty of 50%
    if isinstance(rate, Unreadable):
        raise ValueError(f"{c.kind}: {rate.reason}")
    if not rate.specific:
        pct = rate.ad_valorem_pct
        return lambda line: cents(line.line_value_usd * pct / HUNDRED)
    return _of_value_and_quantity(rate, product)


def _of_value_and_quantity(rate: Rate, product: ProductFacts) -> Callable[[LineFacts], Decimal]:
    units = _units(rate)
    for unit in units:  # a product without the measure owes null on every line (``_rated``)
        if quantity(unit, product, 1).value is None:
            raise ValueError(f"{rate.text}: the product has no measure in {unit}")

    def amount(line: LineFacts) -> Decimal:
        measured: dict[str, Decimal] = {}
        for unit in units:
            value = quantity(unit, product, line.quantity).value
            assert value is not None  # the product has the measure (above)
            measured[unit] = value
        return cents(rate.amount(line.line_value_usd, measured))

    return amount


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
    products: dict[str, ProductEstimate] = {}
    line_rules: dict[str, LineRule] = {}

    def rule_of(pid: str) -> LineRule:
        product = facts.products[pid]
        components = _product_components(product, ref, rules, day, cite)
        rule = line_rules[pid] = line_rule(components, product)
        products[pid] = ProductEstimate(pid, product.hts_code, product.country_of_origin,
                                        components, rule)
        return rule

    exempt_products = {pid for pid, p in facts.products.items()
                       if any(_eligible(p, rules, claim) for claim in rules.mpf.exempt_preferences)}
    fee_cache: dict[tuple[str, Decimal, Decimal],
                    tuple[tuple[Component, ...], Decimal, bool, int]] = {}
    unknown = 0
    unit_estimates: list[UnitEstimate] = []
    order_estimates: list[OrderEstimate] = []
    for index, unit in enumerate(units):
        exempt = ZERO
        unit_duty, unit_unknown = ZERO, 0
        own: list[tuple[OrderFacts, Decimal, int]] = []  # per order: duty, unknown amounts
        for order_id in unit.order_ids:
            order = orders[order_id]
            order_duty, order_unknown = ZERO, 0
            for line in order.lines:
                pid = line.product_id
                rule = line_rules.get(pid) or rule_of(pid)
                order_duty += rule.duty(line)
                order_unknown += rule.unknown
                if pid in exempt_products:
                    exempt += line.line_value_usd
            own.append((order, order_duty, order_unknown))
            unit_duty += order_duty
            unit_unknown += order_unknown
        # an informal entry's fees depend on its value only by ocean or with exempt goods:
        # the others share theirs
        fee_key = (unit.entry_type, exempt,
                   unit.value_usd if unit.entry_type == "01" or hmf_due or exempt else ZERO)
        made = fee_cache.get(fee_key)
        if made is None:
            fees = [_mpf(unit, exempt, rules, day, year, cite)]
            hmf = _hmf(unit, facts, rules, day, cite)
            if hmf is not None:
                fees.append(hmf)
            made = fee_cache[fee_key] = (tuple(fees), _known(tuple(fees)), _complete(tuple(fees)),
                                         sum(1 for c in fees if c.amount_usd is None))
        unit_fees, fees_usd, fees_known, fees_unknown = made
        unknown += unit_unknown + fees_unknown
        unit_estimates.append(UnitEstimate(index, unit.entry_type, unit.value_usd, unit_duty,
                                           unit_unknown == 0, unit_fees, fees_usd,
                                           unit_unknown == 0 and fees_known))
        if len(own) == 1:
            shares = [fees_usd]
        else:
            weights = [order.total_value_usd for order, _, _ in own]
            shares = [ZERO] * len(weights)
            for fee in unit_fees:
                if fee.amount_usd is not None:
                    shares = [a + b for a, b in zip(shares, _allocate(fee.amount_usd, weights),
                                                    strict=True)]
        for (order, duty, order_unknown), share in zip(own, shares, strict=True):
            order_estimates.append(OrderEstimate(order.id, index, duty, share,
                                                 fees_known and order_unknown == 0,
                                                 order.lines))
    return Estimate(day, basis, rules.edition, rules.disclaimer, products,
                    tuple(unit_estimates), tuple(order_estimates), dict(sorted(sources.items())),
                    unknown)
