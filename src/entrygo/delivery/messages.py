"""The emails themselves: built from stored rows only, so a resend is the same message."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from entrygo.kit.clock import iso


def broker_message(*, submission: Any, package: Any, batch: Any, warehouse: Any,
                   artifacts: list[tuple[Any, bytes]], sender: str) -> EmailMessage:
    """The customs package for the broker, every artifact attached."""
    plan = batch.plan
    msg = EmailMessage()
    msg["Message-ID"] = submission.message_id
    msg["Date"] = format_datetime(submission.created_at)
    msg["From"] = sender
    msg["To"] = submission.recipient_email
    msg["Subject"] = submission.subject
    msg["X-EntryGo-Package"] = package.package_number
    msg["X-EntryGo-Batch"] = batch.id
    units = plan["strategy"]["exportUnits"]
    formal = sum(1 for u in units if u["entryType"] == "01")
    flags = ", ".join(f["flag"] for f in plan["flags"]) or "none"
    lines = [
        f"Customs package {package.package_number} for export batch {batch.id}.",
        "",
        f"Ship-from:        {warehouse.name} ({warehouse.country})",
        f"Destination:      {batch.destination_country}",
        f"Orders:           {plan['totals']['orderCount']} "
        f"({plan['totals']['lineCount']} lines)",
        f"Export units:     {len(units)} ({len(units) - formal} informal type 11, "
        f"{formal} formal type 01)",
        f"Declared value:   {plan['totals']['valueUsd']} USD",
        f"Readiness:        {batch.readiness_state}",
        f"Treatment flags:  {flags}",
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


def warehouse_message(*, notification: Any, package: Any, batch: Any, broker: Any,
                      sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Message-ID"] = notification.message_id
    msg["Date"] = format_datetime(notification.created_at)
    msg["From"] = sender
    msg["To"] = notification.recipient
    msg["Subject"] = notification.subject
    plan = batch.plan
    msg.set_content("\n".join([
        f"Export batch {batch.id} was executed at {iso(batch.executed_at)}.",
        "",
        f"Customs package {package.package_number} goes to {broker.name} "
        f"<{broker.email}>.",
        f"Orders: {plan['totals']['orderCount']}; declared value "
        f"{plan['totals']['valueUsd']} USD.",
        "",
        "The parcels of these orders may now be released to the carrier.",
    ]) + "\n")
    return msg
