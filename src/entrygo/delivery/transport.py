"""How messages leave: SMTP (``ENTRYGO_SMTP_URL``) or, with none configured, ``.eml`` files in
a local outbox folder. Both are idempotent per Message-ID on our side: a resend after a crash
carries the same Message-ID, so the receiver can recognise it."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from entrygo.kit.files import private_dir, write_private


class Transport(Protocol):
    name: str

    def send(self, message: EmailMessage) -> None: ...


class OutboxTransport:
    """Writes ``<message-id>.eml`` into a folder (atomically, ``0600``; a resend overwrites
    itself). Test mode's mail always goes to one (``test_outbox``), whatever live mode uses."""

    def __init__(self, folder: Path, name: str = "outbox") -> None:
        self.folder = folder
        self.name = name

    def send(self, message: EmailMessage) -> None:
        private_dir(self.folder)
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", str(message["Message-ID"]).strip("<>"))
        write_private(self.folder / f"{stem}.eml", message.as_bytes())


class SmtpTransport:
    """``smtp://[user[:password]@]host[:port][?starttls=true]`` or ``smtps://`` (TLS)."""

    name = "smtp"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("ENTRYGO_SMTP_URL must look like smtp://host:port or smtps://host")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)
