"""Looking up and searching the tariff schedule (docs/api/contract.md §5.10).

The schedule is reference data, the same for every account and read from the package's data
files (``readiness.reference``), never from the database: lookups and searches give the same
answers on every storage backend. The search index (``tariff.search``) is built on the first
search and kept for the life of the process.
"""

from __future__ import annotations

from entrygo.kit.errors import ApiError, Issue, validation_error
from entrygo.readiness import reference
from entrygo.tariff.schedule import Schedule
from entrygo.tariff.schemas import TariffLineOut, line_brief, line_out
from entrygo.tariff.search import Hit, Query, index_of, searchable


def schedule() -> Schedule:
    return reference.load().schedule


def lookup(hts: str) -> TariffLineOut:
    """The line of ``hts`` (validated as ``schemas.HTS_PATTERN``), or 404
    TARIFF_LINE_NOT_FOUND suggesting the nearest statistical lines under the same heading."""
    tariff = schedule()
    line = tariff.line(hts)
    if line is None:
        digits = hts.replace(".", "").replace(" ", "")
        dotted = ".".join(p for p in (digits[:4], digits[4:6], digits[6:8], digits[8:]) if p)
        raise ApiError(404, "TARIFF_LINE_NOT_FOUND",
                       f"No line {dotted} in the tariff schedule ({tariff.revision}).",
                       details={"suggestions": [
                           line_brief(ln).model_dump(mode="json", by_alias=True)
                           for ln in tariff.nearest(digits)]})
    return line_out(tariff, line)


def parse(text: str) -> Query:
    """The query ``q`` as the index reads it, or 400 when it has nothing to search for."""
    if not searchable(text):
        raise validation_error([Issue("q", "Search for at least one letter or digit",
                                      "invalid_value")])
    return index_of(schedule()).parse(text)


def search(query: Query, count: int) -> list[Hit]:
    """The ``count`` best lines for ``query``."""
    return index_of(schedule()).search(query, count)
