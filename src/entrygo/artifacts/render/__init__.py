"""The customs artifacts of an executed export: pure functions from a ``PackageSnapshot`` to bytes.

docs/api/contract.md §5.5: the content is a pure function of the executed plan, so the same snapshot
gives byte-identical files (the PDF included: its dates, producer and file id come from the
snapshot, never from the clock or a random source). Nothing here reads the database or the
clock: the broker receives exactly what was planned and executed. Of EntryGo's reference data
only what names a judged value is read (a port code's name, a state's USPS code), from the
version the plan was judged with: execution refuses a plan whose reference data changed.
Layouts are described in ``docs/artifacts.md``.

One module per kind of file (``manifest``, ``entry_summary`` with the entry lines,
``csv_files``, ``invoice`` with ``invoice_table`` and ``canvas``), on top of what they share: the
line rows (``lines``), value formatting (``formatting``), PDF text (``text``), the partner
agencies' data of a line (``pga``); the Section 232 metals come from ``readiness.treatments``.
This module assembles the package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from entrygo.artifacts.render.csv_files import (
    COMMERCIAL_INVOICE_COLUMNS,
    ENTRY_LINES_COLUMNS,
    METALS_COLUMNS,
    PACKING_LIST_COLUMNS,
    render_commercial_invoice_csv,
    render_entry_lines_csv,
    render_metals_declaration_csv,
    render_packing_list_csv,
)
from entrygo.artifacts.render.duty_estimate import (
    DUTY_ESTIMATE_COLUMNS,
    has_estimate,
    render_duty_estimate_csv,
)
from entrygo.artifacts.render.entry_summary import ENTRY_SUMMARY_VERSION, render_entry_summary
from entrygo.artifacts.render.invoice import render_commercial_invoice_pdf
from entrygo.artifacts.render.lines import has_section232
from entrygo.artifacts.render.manifest import (
    MANIFEST_FORMAT,
    MANIFEST_FORMAT_VERSION,
    READINESS_REPORT_FORMAT,
    READINESS_REPORT_FORMAT_VERSION,
    render_manifest,
    render_readiness_report,
)
from entrygo.artifacts.render.text import latin1
from entrygo.artifacts.snapshot import PackageSnapshot

__all__ = [
    "COMMERCIAL_INVOICE_COLUMNS", "CONTENT_TYPES", "CSV", "DUTY_ESTIMATE_COLUMNS",
    "ENTRY_LINES_COLUMNS", "ENTRY_SUMMARY_VERSION", "JSON",
    "MANIFEST_FORMAT", "MANIFEST_FORMAT_VERSION", "METALS_COLUMNS", "PACKING_LIST_COLUMNS", "PDF",
    "READINESS_REPORT_FORMAT", "READINESS_REPORT_FORMAT_VERSION",
    "RenderedArtifact", "has_section232", "latin1", "render_all", "render_commercial_invoice_csv",
    "render_commercial_invoice_pdf", "render_duty_estimate_csv", "render_entry_lines_csv",
    "render_entry_summary", "render_manifest", "render_metals_declaration_csv",
    "render_packing_list_csv", "render_readiness_report",
]

JSON = "application/json"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
CONTENT_TYPES = (PDF, CSV, JSON)
"""Every Content-Type an artifact is served with (the download's published media types)."""


@dataclass(frozen=True)
class RenderedArtifact:
    artifact_type: str
    filename: str
    content_type: str
    content: bytes


_RENDERERS: tuple[tuple[str, str, str, Callable[[PackageSnapshot], bytes]], ...] = (
    ("manifest", "manifest.json", JSON, render_manifest),
    ("entry_summary", "entry_summary.json", JSON, render_entry_summary),
    ("commercial_invoice", "commercial_invoice.pdf", PDF, render_commercial_invoice_pdf),
    ("commercial_invoice_data", "commercial_invoice.csv", CSV, render_commercial_invoice_csv),
    ("entry_lines", "entry_lines.csv", CSV, render_entry_lines_csv),
    ("packing_list", "packing_list.csv", CSV, render_packing_list_csv),
    ("readiness_report", "readiness_report.json", JSON, render_readiness_report),
    ("metals_declaration", "section_232_metals.csv", CSV, render_metals_declaration_csv),
    ("duty_estimate", "duty_estimate.csv", CSV, render_duty_estimate_csv),
)


def render_all(snapshot: PackageSnapshot) -> list[RenderedArtifact]:
    """Every artifact of the package, in contract order; the metals declaration only when due,
    the duty estimate when the plan has one (plans stored before estimates have none)."""
    due = {"metals_declaration": has_section232(snapshot),
           "duty_estimate": has_estimate(snapshot)}
    return [RenderedArtifact(kind, filename, content_type, render(snapshot))
            for kind, filename, content_type, render in _RENDERERS
            if due.get(kind, True)]
