"""The tariff lookup's answers (docs/api/contract.md §5.10)."""

from __future__ import annotations

from pydantic import Field

from entrygo.api.wire import Page, WireModel
from entrygo.tariff.schedule import Line, Schedule

HTS_PATTERN = r"^[0-9]{4}(?:[. ]?[0-9]{2}){0,3}$"
"""An HTS number of 4, 6, 8 or 10 digits, groups optionally separated by a dot or a space."""


class TariffRates(WireModel):
    """The rates of duty that apply to the line, as the schedule prints them: its own, or its
    nearest ancestor's where it prints none (a statistical line takes its tariff line's)."""

    general: str | None = Field(description="Column 1 General: `7.2%`, `Free`, `2.4¢/kg + "
                                "5%`. Null where no rate is printed at or above the line "
                                "(headings, most subheadings).")
    special: str | None = Field(description="Column 1 Special, with its program indicators: "
                                "`Free (A,AU,BH,CL,…)`.")
    column2: str | None = Field(description="Column 2 (countries without normal trade "
                                "relations).")


class TariffLineBrief(WireModel):
    """A line named with its units: a tariff line's statistical line, or a suggestion of
    TARIFF_LINE_NOT_FOUND."""

    hts_code: str = Field(description="Digits only.")
    dotted: str = Field(description="As the schedule prints it: `9617.00.10.00`.")
    description: str = Field(description="The line's own text.")
    units: list[str] = Field(description="Units of quantity to report (`No.`, `kg`, `doz.`); "
                             "empty when none.")


class TariffLineOut(WireModel):
    """A line of the Harmonized Tariff Schedule: a heading (4 digits), a subheading (6), a
    tariff line (8) or a statistical line (10)."""

    hts_code: str = Field(description="Digits only: 4, 6, 8 or 10 of them.")
    dotted: str = Field(description="As the schedule prints it: `9617.00.10.00`.")
    description: str = Field(description="The line's own text, as printed.")
    path: list[str] = Field(description="The descriptions from the heading down to this line "
                            "(the line's own last), superior text rows (`Other:`) included: "
                            "how the line reads in full.")
    units: list[str] = Field(description="Units of quantity to report; empty when none.")
    rates: TariffRates
    statistical: bool = Field(description="A 10-digit statistical line: the level an entry "
                              "declares.")
    children: list[TariffLineBrief] = Field(description="A tariff line's (8 digits) statistical "
                                        "lines, in schedule order; empty for other lines.")
    revision: str = Field(description="The schedule's revision: `2026 Rev. 11`.")


class TariffSearchHit(WireModel):
    """A line a search found."""

    hts_code: str = Field(description="Digits only: 4, 6, 8 or 10 of them.")
    dotted: str
    description: str = Field(description="The line's own text.")
    path: list[str] = Field(description="The descriptions from the heading down to this line.")
    units: list[str]
    score: float = Field(description="Relevance, higher is better; comparable within one "
                         "query only. 1 for every line of a search by number.")


class TariffSearchPage(Page[TariffSearchHit]):
    """Lines matching the query, best first (a search by number: in schedule order)."""


def _rate(value: str) -> str | None:
    return value or None


def line_out(schedule: Schedule, line: Line) -> TariffLineOut:
    return TariffLineOut(
        hts_code=line.number, dotted=line.dotted, description=line.description,
        path=list(schedule.path(line)), units=list(line.units),
        rates=TariffRates(general=_rate(line.general), special=_rate(line.special),
                          column2=_rate(line.column2)),
        statistical=line.statistical,
        children=[line_brief(c) for c in schedule.children(line)],
        revision=schedule.revision)


def line_brief(line: Line) -> TariffLineBrief:
    return TariffLineBrief(hts_code=line.number, dotted=line.dotted,
                           description=line.description, units=list(line.units))


def search_hit(schedule: Schedule, line: Line, score: float) -> TariffSearchHit:
    return TariffSearchHit(hts_code=line.number, dotted=line.dotted,
                           description=line.description, path=list(schedule.path(line)),
                           units=list(line.units), score=score)
