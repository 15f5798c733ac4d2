"""``entrygo login``: check a server and key with the health endpoint, then save them for the
other workflow commands (``config``)."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from entrygo.commands.config import config_path, resolve, write_config
from entrygo.commands.output import (
    ApiKeyOption,
    BaseUrlOption,
    Code,
    Failure,
    JsonOption,
    Ui,
    table,
)


def login(base_url: BaseUrlOption = None, api_key: ApiKeyOption = None,
          json_output: JsonOption = False) -> None:
    """Check an API key against a server and save both for the other commands.

    The key is checked with GET /api/system/health first; only a key that works is saved, in
    $XDG_CONFIG_HOME/entrygo/config.toml (else ~/.config/entrygo/config.toml), readable by
    you only (mode 600). ENTRYGO_BASE_URL and ENTRYGO_API_KEY, when set, override the file;
    --base-url and --api-key override both. Without a key anywhere, it is asked for (on a
    terminal).

    Example:

        entrygo login --base-url http://localhost:3000 --api-key shpbndl_live_...
        eval "$(entrygo demo)" && entrygo login
    """
    from entrygo.client import EntryGo

    ui = Ui(json_output)
    with ui.reported():
        connection = resolve(base_url, api_key, need_key=False)
        ui.server = connection.base_url
        key = connection.api_key
        if not key:
            if not sys.stdin.isatty():
                raise Failure(Code.USAGE, "NO_API_KEY", "no API key: pass --api-key or set "
                              "ENTRYGO_API_KEY (there is no terminal to ask on)")
            key = typer.prompt("API key", hide_input=True, err=True).strip()
        with EntryGo(connection.base_url, key) as client:
            health = client.system.health()
        path = config_path()
        write_config(path, connection.base_url, key)
    if json_output:
        ui.json(health)
    mode = "live" if health.get("livemode", True) else "test"
    api_key_info = health.get("apiKey") or {}
    database = health.get("database") or {}
    shown = table("", "", title=f"Logged in to {connection.base_url}")
    shown.show_header = False
    for name, value in (("account", health.get("accountId")), ("mode", mode),
                        ("key", api_key_info.get("id")),
                        ("warehouse scope", api_key_info.get("warehouseId") or "all"),
                        ("backend", database.get("backend")),
                        ("server version", health.get("version")),
                        ("saved to", f"{path} (mode 600)")):
        shown.add_row(name, escape(str(value)))
    ui.result(shown)
    if mode == "test":
        ui.note("a test key: batches run in test mode, their emails go to the server's test "
                "outbox")
