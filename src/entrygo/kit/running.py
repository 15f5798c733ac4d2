"""Where a running server says it can be reached: ``data_dir/server.json``.

``entrygo serve`` records its URL there once it is ready; ``entrygo demo``, run in another
shell, prints that URL for the guide instead of a default that may name another port.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from entrygo.kit.files import private_dir, write_private

RECORD = "server.json"


def record_address(data_dir: Path, url: str) -> None:
    private_dir(data_dir)
    write_private(data_dir / RECORD, json.dumps({"url": url, "pid": os.getpid()}).encode())


def running_server(data_dir: Path, timeout: float = 1.0) -> str | None:
    """The URL of the server recorded in ``data_dir`` if it answers now, else None."""
    try:
        url = str(json.loads((data_dir / RECORD).read_text())["url"]).rstrip("/")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        with urllib.request.urlopen(f"{url}/api/system/live", timeout=timeout) as answer:
            return url if answer.status == 200 else None
    except (OSError, ValueError, urllib.error.URLError):
        return None
