"""The broker's email says how the entries are filed: how many entries of which type, the port of
entry, the carrier and the arrival the plan judged, and who reviewed it, as execute was told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from entrygo.app import create_app
from entrygo.delivery.messages import broker_message
from entrygo.delivery.ports import MailContext
from tests.support import Flow, execute

SHIPMENT = {"portOfEntry": "3004", "carrier": {"scac": "EGTR", "name": "EntryGo Test Trucking"},
            "conveyanceReference": "TRIP-0042", "estimatedArrival": "2026-11-30"}


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def _context(**changes) -> MailContext:
    base = MailContext(
        batch_id="batch_1", executed_at=datetime(2026, 11, 27, 13, 1, 46, tzinfo=UTC),
        destination_country="US", readiness_state="REVIEW_REQUIRED",
        plan_hash="planhash_" + "ab" * 32, ship_from_name="Toronto 3PL", ship_from_country="CA",
        broker_name="Border Brokers", broker_email="broker@example.com", order_count=4,
        line_count=5, value_usd=Decimal("2787.85"), units=3, formal_units=1,
        flags=("SECTION_232_STEEL",))
    return replace(base, **changes)


def _message(batch: MailContext):
    row = SimpleNamespace(message_id="<bs_1@entrygo.test>", recipient_email="broker@example.com",
                          subject="Customs package", created_at=datetime(2026, 11, 27, tzinfo=UTC))
    return broker_message(submission=row, package=SimpleNamespace(package_number="EG-1"),
                          batch=batch, artifacts=[], sender="entrygo@example.com")


def test_body_states_entries_port_carrier_arrival_and_review():
    body = _body(_message(_context(
        importer_name="Northbound Goods Inc.", port_of_entry="3004", port_name="BLAINE, WA",
        mode_of_transport="truck", carrier_scac="EGTR", carrier_name="EntryGo\nTest Trucking",
        conveyance_reference="TRIP-0042", master_bill="EGTR1234567",
        estimated_arrival="2026-11-30", reviewed_by="Ops Jane",
        acknowledged_codes=("METALS_REVIEW_RECOMMENDED", "VALUE_OUTLIER"))))
    for line in (
        "Entries:          3, one per export unit: 2 informal (type 11), 1 formal (type 01)",
        "Importer:         Northbound Goods Inc.",
        "Port of entry:    3004 BLAINE, WA",
        "Transport:        truck",
        "Carrier:          SCAC EGTR, EntryGo Test Trucking",  # client text kept on one line
        "Conveyance:       TRIP-0042",
        "Master bill:      EGTR1234567",
        "Est. arrival:     2026-11-30",
        "Reviewed by:      Ops Jane",
        "Acknowledged:     METALS_REVIEW_RECOMMENDED, VALUE_OUTLIER",
        "Declared value:   2,787.85 USD",  # money as a person reads it
    ):
        assert f"\n{line}\n" in body, line


def test_body_without_filing_data_or_review():
    """A batch planned before filing data, executed without a review: said, not invented."""
    body = _body(_message(_context()))
    for line in ("Importer:         not given", "Port of entry:    not given",
                 "Transport:        not given", "Carrier:          not given",
                 "Est. arrival:     not given"):
        assert f"\n{line}\n" in body, line
    for absent in ("Reviewed by:", "Acknowledged:", "Conveyance:", "Master bill:"):
        assert absent not in body
    iata = _body(_message(_context(carrier_iata_code="AC", port_of_entry="9999")))
    assert "\nCarrier:          IATA AC\n" in iata
    assert "\nPort of entry:    9999\n" in iata  # a code without a known name: the code


@pytest.fixture
def smtp_app(settings, db, smtp):
    app = create_app(settings.model_copy(update={"smtp_url": smtp.url,
                                                 "delivery_backoff_seconds": 0}))
    yield app, smtp
    app.state.db.dispose()


def test_the_sent_email_states_the_plans_filing_and_review(world, smtp_app):
    app, sink = smtp_app
    with TestClient(app) as c:
        tenant = world.tenant(c)
        flow = Flow(tenant)
        orders = [flow.order("o-1"), flow.order("o-2", value=3000,
                                                 consignee={"name": "Bob Stone",
                                                            "address1": "1 Market St",
                                                            "city": "San Francisco"})]
        plan = flow.plan(orders, shipment=SHIPMENT).json()
        warnings = sorted({m["code"] for m in plan["validationMessages"]
                           if m["severity"] == "warning"})
        done = execute(tenant, plan["exportId"], reviewedBy="Ops Jane",
                       acknowledgedCodes=warnings)
        assert done.status_code == 200, done.text
        assert done.json()["brokerSubmission"]["status"] == "sent"
    [mail] = sink.accepted
    body = _body(mail)
    for line in (
        "Entries:          2, one per export unit: 1 informal (type 11), 1 formal (type 01)",
        "Importer:         Test merchant Inc.",
        "Port of entry:    3004 BLAINE, WA",  # the plan's, over the warehouse's 0901
        "Transport:        truck",  # the warehouse default the plan kept
        "Carrier:          SCAC EGTR, EntryGo Test Trucking",
        "Conveyance:       TRIP-0042",
        "Est. arrival:     2026-11-30",
        "Reviewed by:      Ops Jane",
        f"Acknowledged:     {', '.join(warnings)}",
    ):
        assert f"\n{line}\n" in body, line
    assert warnings  # the steel bottle's review warnings were acknowledged
    attached = [p.get_filename() for p in mail.iter_attachments()]
    assert attached[:2] == ["manifest.json", "entry_summary.json"]
