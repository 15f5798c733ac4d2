"""The client workflow of the command line (docs/cli.md): ``entrygo login``, ``orders sync``,
``exports plan | execute | inspect`` and ``packages download``.

These commands speak to any EntryGo server over HTTP, through the Python SDK
(``entrygo.client``) and with the key ``entrygo login`` saved, so they work the same against a
laptop and a production server. The admin commands of ``entrygo.cli`` (``serve``,
``accounts``, ``keys``, ``products import``, ...) are the other kind: they act on the local
database directly. Each workflow command takes ``--json`` and exits with a code a script can
branch on (``output.Code``).
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the workflow commands to the ``entrygo`` application."""
    from entrygo.commands.exports import exports_app
    from entrygo.commands.login import login
    from entrygo.commands.orders import orders_app
    from entrygo.commands.packages import packages_app

    app.command("login")(login)
    app.add_typer(orders_app, name="orders")
    app.add_typer(exports_app, name="exports")
    app.add_typer(packages_app, name="packages")
