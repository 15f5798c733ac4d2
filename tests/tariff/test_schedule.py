"""The tariff schedule in the reference data: the real 2026 Rev. 11 lines, read as the schedule
reads them, and the refresh from a newer USITC export."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entrygo.cli import app
from entrygo.readiness.reference import DATA, load
from entrygo.tariff import schedule, usitc
from entrygo.tariff.refresh import refresh, settings

SCHEDULE = load().schedule


def test_spot_checks_of_the_real_schedule():
    """The spot checks the schedule's own README gives: units and the tariff line's rate."""
    for number, units, general in (("6109100012", ("doz.", "kg"), "16.5%"),
                                   ("7323930045", ("No.", "kg"), "2%"),
                                   ("9617001000", ("No.",), "7.2%"),
                                   ("8471300100", ("No.",), "Free"),
                                   ("9503000090", ("No.",), "Free")):
        line = SCHEDULE.line(number)
        assert line is not None and (line.units, line.general) == (units, general), number
    assert SCHEDULE.line("7615.10.20").general == "3.1%"
    assert SCHEDULE.line("1702204000") is None  # not a statistical line of the schedule
    assert SCHEDULE.revision == "2026 Rev. 11"
    assert len([ln for ln in SCHEDULE.lines if ln.statistical]) == 19_949
    assert SCHEDULE.line("7323930045").column2 == "40%"  # inherited from 7323.93.00


def test_description_path_reads_the_superior_text():
    path = SCHEDULE.path(SCHEDULE.line("7323930045"))
    assert path[1:] == ("Other:", "Of stainless steel", "Cooking and kitchen ware:", "Other:",
                        "Cooking ware:", "Other")
    assert path[0].startswith("Table, kitchen or other household articles")


def test_statistical_children_and_nearest_lines():
    children = SCHEDULE.children(SCHEDULE.line("17022040"))
    assert [c.dotted for c in children] == ["1702.20.40.10", "1702.20.40.40", "1702.20.40.50",
                                            "1702.20.40.60", "1702.20.40.70"]
    assert [ln.number for ln in SCHEDULE.nearest("7615107199", limit=3)] == [
        "7615107180", "7615107155", "7615107130"]
    assert SCHEDULE.nearest("99") == ()
    # headings without a row of their own: 9617 starts at 9617.00, 4801 at 4801.00.01
    assert [ln.number for ln in SCHEDULE.nearest("9617009900", limit=2)] == [
        "9617006000", "9617004000"]
    assert [ln.number for ln in SCHEDULE.nearest("4801000199")] == ["4801000140", "4801000120"]


@pytest.mark.parametrize("cell, text", [
    ("m<sup>2</sup>", "m²"), ("V<sub>2</sub>O<sub>5</sub> kg", "V₂O₅ kg"),
    ("<il>doz. prs</il>.", "doz. prs."), ("<u>kg</u>", "kg"), ('m<sup style="x">3<\\/sup>', "m³"),
    ("Of a width <il>exceeding</il>&nbsp;15 cm<br />or more", "Of a width exceeding 15 cm or more"),
    ("  plain   text ", "plain text"),
])
def test_markup_is_cleaned(cell, text):
    assert usitc.clean(cell) == text


def _export(rows: list[usitc.Row], path: Path) -> Path:
    """Rows written back in the USITC's CSV export format (dotted numbers, JSON units)."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(usitc.HEADER)
        for r in rows:
            number = schedule.Line(0, r.number, 0, "", (), "", "", "", -1).dotted
            out.writerow([number, r.indent, r.description, json.dumps(list(r.units)) if r.units
                          else "", r.general, r.special, r.column2, "", ""])
    return path


def _shipped_rows() -> list[usitc.Row]:
    return list(usitc.read_compact(gzip.decompress((DATA / settings(DATA)["file"]).read_bytes())))


def test_refresh_reports_changes_and_switches_the_schedule(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    rows = [r for r in _shipped_rows() if r.number != "9617006000"]
    rows = [usitc.Row(r.number, r.indent, r.description, r.units, "3%", r.special, r.column2)
            if r.number == "73239300" else r for r in rows]
    rows.append(usitc.Row("9617009000", 1, "New parts", ("No.",), "7%", "", "50%"))
    export = _export(rows, tmp_path / "hts_2026_rev19.csv")
    new, changes = refresh(export, data)
    assert new.revision == "2026 Rev. 19"
    assert changes.added == ("9617009000",) and changes.removed == ("9617006000",)
    # the tariff line's rate changes, and with it every statistical line that takes it
    assert ("73239300", "general", "2%", "3%") in changes.rates
    assert ("7323930045", "general", "2%", "3%") in changes.rates
    conf = settings(data)
    assert (conf["file"], conf["revision"]) == ("hts_2026_rev19.tsv.gz", "2026 Rev. 19")
    assert not (data / "hts_2026_rev11.tsv.gz").exists()
    assert schedule.load(data / conf["file"], conf["revision"]).line("7323930045").general == "3%"
    # the same export converted again: the same bytes, and nothing to report
    before = (data / conf["file"]).read_bytes()
    assert refresh(export, data)[1].empty
    assert (data / conf["file"]).read_bytes() == before


def test_refresh_command_dry_run_and_refusals(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    export = _export(_shipped_rows(), tmp_path / "hts_2026_rev20.csv.gz.csv")
    ran = CliRunner().invoke(app, ["tariff", "refresh", str(export), "--dry-run",
                                   "--data-dir", str(data)])
    assert ran.exit_code == 0, ran.output
    assert "2026 Rev. 20: 29,725 numbered lines; 0 added, 0 removed" in ran.output
    assert settings(data)["revision"] == "2026 Rev. 11"  # a dry run changes nothing
    unnamed = tmp_path / "schedule.csv"
    unnamed.write_bytes(export.read_bytes())
    ran = CliRunner().invoke(app, ["tariff", "refresh", str(unnamed), "--data-dir", str(data)])
    assert ran.exit_code == 1 and "states no revision" in ran.output
    bad = tmp_path / "hts_2026_rev21.csv"
    bad.write_text("a,b\n1,2\n")
    ran = CliRunner().invoke(app, ["tariff", "refresh", str(bad), "--data-dir", str(data)])
    assert ran.exit_code == 1 and "not a USITC HTS export" in ran.output


def test_the_schedule_revision_is_part_of_the_reference_data_version():
    assert load().version.endswith("+hts.2026_rev11")
