"""The emails themselves: built from stored rows only, so a resend is the same message."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from entrygo.delivery.ports import MailContext
from entrygo.kit.clock import iso
from entrygo.kit.money import for_people


def _addressed(row: Any, sender: str, recipient: str) -> EmailMessage:
    """A message with the outbox row's stable Message-ID, date and subject."""
    msg = EmailMessage()
    msg["Message-ID"] = row.message_id
    msg["Date"] = format_datetime(row.created_at)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = row.subject
    return msg


NOT_GIVEN = "not given"


def _text(value: str | None) -> str | None:
    """Client-given text on one line of the body (line breaks and tabs become spaces)."""
    if not value:
        return None
    return " ".join(value.split()) or None


def _carrier(batch: MailContext) -> str:
    """``SCAC EGTR, EntryGo Test Trucking``: the codes the plan names the carrier by, and its
    name."""
    parts = [f"SCAC {batch.carrier_scac}" if batch.carrier_scac else None,
             f"IATA {batch.carrier_iata_code}" if batch.carrier_iata_code else None,
             _text(batch.carrier_name)]
    return ", ".join(p for p in parts if p) or NOT_GIVEN


def _port(batch: MailContext) -> str:
    if not batch.port_of_entry:
        return NOT_GIVEN
    return f"{batch.port_of_entry} {batch.port_name}" if batch.port_name else batch.port_of_entry


def _filing(batch: MailContext) -> list[str]:
    """How the entries are filed: importer, port, transport, carrier and arrival; conveyance
    and master bill when the plan has them."""
    lines = [
        f"Importer:         {_text(batch.importer_name) or NOT_GIVEN}",
        f"Port of entry:    {_port(batch)}",
        f"Transport:        {batch.mode_of_transport or NOT_GIVEN}",
        f"Carrier:          {_carrier(batch)}",
    ]
    if conveyance := _text(batch.conveyance_reference):
        lines.append(f"Conveyance:       {conveyance}")
    if master_bill := _text(batch.master_bill):
        lines.append(f"Master bill:      {master_bill}")
    lines.append(f"Est. arrival:     {batch.estimated_arrival or NOT_GIVEN}")
    return lines


def _review(batch: MailContext) -> list[str]:
    """Who reviewed the plan and the warnings they accepted, when execute was told."""
    lines = []
    if reviewer := _text(batch.reviewed_by):
        lines.append(f"Reviewed by:      {reviewer}")
    if batch.acknowledged_codes:
        lines.append(f"Acknowledged:     {', '.join(batch.acknowledged_codes)}")
    return lines


def broker_message(*, submission: Any, package: Any, batch: MailContext,
                   artifacts: list[tuple[Any, bytes]], sender: str) -> EmailMessage:
    """The customs package for the broker, every artifact attached."""
    msg = _addressed(submission, sender, submission.recipient_email)
    msg["X-EntryGo-Package"] = package.package_number
    msg["X-EntryGo-Batch"] = batch.batch_id
    formal = batch.formal_units
    lines = [
        f"Customs package {package.package_number} for export batch {batch.batch_id}.",
        "",
        f"Ship-from:        {batch.ship_from_name} ({batch.ship_from_country})",
        f"Destination:      {batch.destination_country}",
        f"Orders:           {batch.order_count} ({batch.line_count} lines)",
        f"Entries:          {batch.units}, one per export unit: {batch.units - formal} "
        f"informal (type 11), {formal} formal (type 01)",
        f"Declared value:   {for_people(batch.value_usd)} USD",
        *_filing(batch),
        f"Readiness:        {batch.readiness_state}",
        *_review(batch),
        f"Treatment flags:  {', '.join(batch.flags) or 'none'}",
        f"Plan hash:        {batch.plan_hash}",
        f"Executed at:      {iso(batch.executed_at)}",
        "",
        "Attached documents (sha256):",
        *[f"  {a.filename}  {a.sha256}" for a, _ in artifacts],
        "",
        "entry_summary.json has one record per entry, its fields named after the CBP Form",
        "7501 and 3461 blocks they fill; entry_lines.csv has one row per line for your entry",
        "software; manifest.json is the complete machine-readable package. Questions: reply",
        "to this message.",
    ]
    msg.set_content("\n".join(lines) + "\n")
    for artifact, content in artifacts:
        maintype, _, subtype = artifact.content_type.partition(";")[0].partition("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype,
                           filename=artifact.filename)
    return msg


def warehouse_message(*, notification: Any, package: Any, batch: MailContext,
                      sender: str) -> EmailMessage:
    msg = _addressed(notification, sender, notification.recipient)
    msg.set_content("\n".join([
        f"Export batch {batch.batch_id} was executed at {iso(batch.executed_at)}.",
        "",
        f"Customs package {package.package_number} goes to {batch.broker_name} "
        f"<{batch.broker_email}>.",
        f"Orders: {batch.order_count}; declared value {for_people(batch.value_usd)} USD.",
        "",
        "The parcels of these orders may now be released to the carrier.",
    ]) + "\n")
    return msg
