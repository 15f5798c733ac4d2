"""The timeline's storage: events are appended, never changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from entrygo.events.models import ExportEvent


def append(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert event rows in one statement, in order."""
    session.execute(insert(ExportEvent), rows)
