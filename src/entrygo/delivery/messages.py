"""The emails themselves: built from stored rows only, so a resend is the same message."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from entrygo.delivery.ports import MailContext
from entrygo.kit.clock import iso


def _addressed(row: Any, sender: str, recipient: str) -> EmailMessage:
    """A message with the outbox row's stable Message-ID, date and subject."""
    msg = EmailMessage()
    msg["Message-ID"] = row.message_id
    msg["Date"] = format_datetime(row.created_at)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = row.subject
    return msg


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
        f"Export units:     {batch.units} ({batch.units - formal} informal type 11, "
        f"{formal} formal type 01)",
        f"Declared value:   {batch.value_usd} USD",
        f"Readiness:        {batch.readiness_state}",
        f"Treatment flags:  {', '.join(batch.flags) or 'none'}",
        f"Plan hash:        {batch.plan_hash}",
        f"Executed at:      {iso(batch.executed_at)}",
        "",
        "Attached documents (sha256):",
        *[f"  {a.filename}  {a.sha256}" for a, _ in artifacts],
        "",
        "entry_lines.csv has one row per line for your entry software; manifest.json is the",
        "complete machine-readable package. Questions: reply to this message.",
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
        f"Orders: {batch.order_count}; declared value {batch.value_usd} USD.",
        "",
        "The parcels of these orders may now be released to the carrier.",
    ]) + "\n")
    return msg
