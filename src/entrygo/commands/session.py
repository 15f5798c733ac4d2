"""The SDK client a workflow command talks through, made from ``config.resolve``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from entrygo.commands.config import resolve

if TYPE_CHECKING:
    from entrygo.client import EntryGo
    from entrygo.commands.output import Ui


def connect(ui: Ui, base_url: str | None, api_key: str | None) -> EntryGo:
    """A client of the resolved server and key, with the SDK's safe retry rules; ``ui``
    learns the server, for its messages."""
    from entrygo.client import EntryGo

    connection = resolve(base_url, api_key)
    ui.server = connection.base_url
    return EntryGo(connection.base_url, connection.api_key)
