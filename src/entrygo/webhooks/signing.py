"""Signing per the Standard Webhooks specification (https://www.standardwebhooks.com), with its
reference library: ``webhook-id`` (the event's id, the same on every retry),
``webhook-timestamp`` (the attempt's, in seconds) and ``webhook-signature`` (``v1,<base64>``
per valid secret, space-separated: during a rotation's overlap both the new and the previous
secret sign, and a receiver holding either verifies)."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

from entrygo import __version__

SECRET_PREFIX = "whsec_"
USER_AGENT = f"EntryGo-Webhooks/{__version__}"


def new_secret() -> str:
    """``whsec_`` and 32 random bytes in base64, the form every Standard Webhooks library
    takes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(message_id: str, sent_at: datetime, body: bytes,
                   signing_secrets: list[str]) -> dict[str, str]:
    """The headers of one attempt: ``body`` signed with each secret."""
    text = body.decode()
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": " ".join(Webhook(secret).sign(message_id, sent_at, text)
                                      for secret in signing_secrets),
    }
