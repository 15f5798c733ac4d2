"""Logging: JSON access lines, and nothing secret in any line.

Every record of every logger passes a filter that masks API keys and e-mail addresses (mail
server errors quote recipients; a client may paste a key anywhere), so neither reaches a log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

_SECRETS = [
    (re.compile(r"shpbndl_(live|test)_[A-Za-z0-9]+"), r"shpbndl_\1_[redacted]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
]
access = logging.getLogger("entrygo.access")


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            record.msg = {k: redact(v) if isinstance(v, str) else v
                          for k, v in record.msg.items()}
            return True
        message = record.getMessage()
        clean = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                                 "level": record.levelname.lower(), "logger": record.name}
        if isinstance(record.msg, dict):
            entry.update(record.msg)
        else:
            entry["message"] = record.getMessage()
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, separators=(",", ":"), default=str)


def configure(level: str = "info") -> None:
    """One JSON-lines handler on stderr for everything, the redacting filter on it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def log_access(entry: dict[str, Any]) -> None:
    access.info(entry)
