"""U.S. ports of entry (Schedule D codes) as reference data: ``data/cbp_ports.csv``, named in the
manifest with its sources (``data/cbp_ports.SOURCE.md``), loaded once as ``Reference.ports``."""

from __future__ import annotations

import csv
import json

import pytest

from entrygo.readiness.reference import DATA, load

REF = load()


@pytest.mark.parametrize("code, place, state", [
    ("3004", "BLAINE", "WA"),
    ("2304", "LAREDO", "TX"),
    ("3801", "DETROIT", "MI"),
    ("0712", "CHAMPLAIN", "NY"),
    ("2704", "LOS ANGELES", "CA"),
    ("4701", "JOHN F. KENNEDY", "NY"),  # CBP's ACE code; Census numbers JFK 1012 (kept too)
    ("1012", "JFK", "NY"),
    ("5201", "MIAMI", "FL"),
    ("2506", "OTAY MESA", "CA"),
    ("3401", "PEMBINA", "ND"),
    ("0901", "BUFFALO", "NY"),
    ("2604", "NOGALES", "AZ"),
])
def test_well_known_ports(code, place, state):
    port = REF.ports[code]
    assert port.code == code
    assert place in port.name.upper()
    assert port.state == state
    assert port.district_code == code[:2]


def test_every_code_is_four_digits_and_unique():
    with (DATA / "cbp_ports.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = [row["port_code"] for row in rows]
    assert all(len(c) == 4 and c.isascii() and c.isdigit() for c in codes)
    assert len(set(codes)) == len(codes) == len(REF.ports) == 493
    assert codes == sorted(codes)
    for port in REF.ports.values():
        assert port.district_code == port.code[:2]
        assert port.name and port.name == port.name.strip()
        # a USPS code for a state, DC or territory; None only for the two ports named after
        # two states
        assert port.state is None or REF.us_region(port.state) == port.state, port
    assert {c for c, p in REF.ports.items() if p.state is None} == {"3510", "3908"}


def test_statistical_codes_are_not_ports():
    """Census aggregates no shipment enters through (cbp_ports.SOURCE.md)."""
    assert {"5901", "7000", "7010"}.isdisjoint(REF.ports)
    assert "0000" not in REF.ports and "9999" not in REF.ports


def test_the_manifest_names_the_file_its_sources_and_edition():
    manifest = json.loads((DATA / "manifest.json").read_text())
    ports = manifest["ports"]
    assert ports["file"] == "cbp_ports.csv" and (DATA / ports["file"]).is_file()
    assert "census.gov/foreign-trade/schedules/d" in ports["source"]
    assert "ace_appendix_e_schedule_d_feb_3_2026" in ports["source"]
    assert "cbp_ports.SOURCE.md" in ports["source"] and (DATA / "cbp_ports.SOURCE.md").is_file()
    assert "April 2025" in ports["edition"] and "2026-02-03" in ports["edition"]
    assert REF.version == f"{manifest['version']}+hts.2026_rev11"  # plus the schedule's revision


def test_loaded_once():
    assert load() is REF and load().ports is REF.ports
