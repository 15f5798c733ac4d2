"""The ``entrygo`` command line: serve, migrate, set up accounts, keys, warehouses, brokers,
products, and the demo that makes the first-export guide work verbatim."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer
from rich.console import Console

from entrygo.commands import register as register_workflow
from entrygo.config import Settings
from entrygo.db.database import Database
from entrygo.db.migrate import upgrade
from entrygo.kit.clock import iso
from entrygo.kit.modes import partition

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import BaseModel
    from sqlalchemy.orm import Session

    from entrygo.setup.repository import BrokerRepository, WarehouseRepository

    M = TypeVar("M", bound=BaseModel)

app = typer.Typer(help="EntryGo: customs-ready exports into the United States.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
accounts_app = typer.Typer(help="Accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
warehouses_app = typer.Typer(help="Warehouses (ship-from locations).", no_args_is_help=True)
brokers_app = typer.Typer(help="Customs brokers.", no_args_is_help=True)
products_app = typer.Typer(help="Product catalogue.", no_args_is_help=True)
tariff_app = typer.Typer(help="The Harmonized Tariff Schedule in the reference data.",
                         no_args_is_help=True)
for sub, name in ((db_app, "db"), (accounts_app, "accounts"), (keys_app, "keys"),
                  (warehouses_app, "warehouses"), (brokers_app, "brokers"),
                  (products_app, "products"), (tariff_app, "tariff")):
    app.add_typer(sub, name=name)
register_workflow(app)  # login, orders, exports, packages: over HTTP (entrygo.commands)

err = Console(stderr=True)
AccountOption = Annotated[str, typer.Option(
    "--account", help="Account id (acc_…); defaults to ENTRYGO_ACCOUNT_ID, which the demo "
    "exports.", envvar="ENTRYGO_ACCOUNT_ID", show_envvar=False)]
ModeOption = Annotated[str | None, typer.Option(
    "--mode", help="live or test: which of the account's modes to act in. Defaults to the mode "
    "of ENTRYGO_API_KEY when it is set (the demo exports a test key), else live.")]


def _mode(mode: str | None) -> str:
    """``--mode``, else the mode of the key in ENTRYGO_API_KEY, else live."""
    if mode is None:
        key = os.environ.get("ENTRYGO_API_KEY", "")
        return "test" if key.startswith("shpbndl_test_") else "live"
    if mode not in ("live", "test"):
        raise _fail("--mode must be live or test")
    return mode


def _database(settings: Settings) -> Database:
    upgrade(settings.resolved_database_url)
    return Database(settings.resolved_database_url)


def _print_rows(headers: list[str], rows: list[list[str]]) -> None:
    """Aligned columns, never truncated (ids must survive copy and paste, and scripts)."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        sys.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))
                         .rstrip() + "\n")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [ENTRYGO_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [ENTRYGO_PORT].")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply migrations before serving.")] = True,
) -> None:
    """Run the HTTP API (migrating the database first unless --no-migrate)."""
    import uvicorn

    settings = Settings()
    if migrate:
        upgrade(settings.resolved_database_url)
    settings.secret  # noqa: B018 - create the secret once, before any worker starts
    from entrygo.api.protocol import EnvelopeH11Protocol
    from entrygo.kit.logs import configure

    configure(settings.log_level)
    # the app (in every worker) reads the address it announces from the same settings
    os.environ["ENTRYGO_HOST"] = host = host or settings.host
    os.environ["ENTRYGO_PORT"] = str(port := port or settings.port)
    os.environ["ENTRYGO_ANNOUNCE"] = "true"
    uvicorn.run("entrygo.app:create_app", factory=True, host=host,
                port=port, workers=workers, log_level=settings.log_level,
                proxy_headers=False, access_log=False, log_config=None,
                http=EnvelopeH11Protocol, server_header=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations."""
    settings = Settings()
    upgrade(settings.resolved_database_url)
    err.print(f"database is up to date ({Database(settings.resolved_database_url).backend})")


# --- accounts ------------------------------------------------------------------------------------

@accounts_app.command("create")
def accounts_create(name: Annotated[str, typer.Option(help="Account name.")]) -> None:
    """Create an account and print its id."""
    from entrygo.setup.service import create_account

    db = _database(Settings())
    with db.write() as s:
        account = create_account(s, name)
    typer.echo(account.id)


@accounts_app.command("list")
def accounts_list() -> None:
    """List every account (id, name, creation time), oldest first."""
    from entrygo.setup.service import list_accounts

    db = _database(Settings())
    with db.read() as s:
        rows = list_accounts(s)
    _print_rows(["id", "name", "created"], [[r.id, r.name, iso(r.created_at) or ""] for r in rows])


# --- keys ----------------------------------------------------------------------------------------

@keys_app.command("create")
def keys_create(
    account: AccountOption,
    mode: Annotated[str, typer.Option(help="live or test.")] = "live",
    warehouse: Annotated[str | None, typer.Option(help="Restrict the key to this warehouse.")]
    = None,
    expires: Annotated[str | None, typer.Option(help="Expiry, RFC 3339.")]
    = None,
    name: Annotated[str | None, typer.Option(help="A label for the key.")] = None,
) -> None:
    """Create an API key. The secret is printed once and never stored."""
    from entrygo.auth.keys import issue_key
    from entrygo.db.repository import AccountScope
    from entrygo.setup.repository import WarehouseRepository
    from entrygo.setup.service import list_accounts

    settings = Settings()
    db = _database(settings)
    expires_at = None
    if expires:
        try:
            expires_at = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            raise _fail("--expires must be an RFC 3339 timestamp") from None
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
    if mode not in ("live", "test"):
        raise _fail("--mode must be live or test")
    with db.write() as s:
        if account not in {a.id for a in list_accounts(s)}:
            raise _fail(f"no account {account}")
        scope = AccountScope(partition(account, mode))  # a test key's warehouse is a test one
        if warehouse and WarehouseRepository(s, scope).get(warehouse) is None:
            raise _fail(f"no {mode}-mode warehouse {warehouse} in account {account}")
        issued = issue_key(s, settings.secret, account_id=account, mode=mode,
                           warehouse_id=warehouse, expires_at=expires_at, name=name)
    err.print(f"created {issued.row.id}; the key is shown once:")
    typer.echo(issued.secret)


@keys_app.command("list")
def keys_list(account: Annotated[str | None, typer.Option(help="Only this account.")] = None
              ) -> None:
    """List keys (hints only: secrets are never stored)."""
    from entrygo.auth.keys import list_keys

    db = _database(Settings())
    with db.read() as s:
        rows = list_keys(s, account)
    _print_rows(["id", "account", "mode", "hint", "warehouse", "expires", "revoked"],
                [[r.id, r.account_id, r.mode, r.hint, r.warehouse_id or "",
                  iso(r.expires_at) or "", iso(r.revoked_at) or ""] for r in rows])


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key; requests with it fail with 401 from now on."""
    from entrygo.auth.keys import revoke_key

    db = _database(Settings())
    with db.write() as s:
        row = revoke_key(s, key_id)
    if row is None:
        raise _fail(f"no key {key_id}")
    err.print(f"revoked {key_id}")


# --- warehouses and brokers ----------------------------------------------------------------------

def _create_via_schema(schema: type[M], create: Callable[[Session, str, M], Any],
                       payload: dict[str, Any], mode: str) -> str:
    """Validate CLI input with the API's own request model, so both paths accept the same."""
    from entrygo.api.validation import validate_as
    from entrygo.kit.errors import ApiError

    try:
        body = validate_as(schema, {k: v for k, v in payload.items() if v is not None})
    except ApiError as exc:
        problems = "; ".join(f"{i['path']}: {i['message']}"
                             for i in (exc.details or {}).get("issues", []))
        raise _fail(problems or exc.message) from None
    db = _database(Settings())
    with db.write() as s:
        return str(create(s, _partition_of(s, cast(Any, body).account_id, mode), body).id)


def _partition_of(session: Session, account_id: str, mode: str) -> str:
    """Where the command acts: the account, or its test partition (made on first need)."""
    from entrygo.accounts import repository as accounts

    acting = accounts.acting_partition(session, account_id, mode)
    if acting is None:
        raise _fail(f"no account {account_id}")
    return acting


@warehouses_app.command("create")
def warehouses_create(
    account: AccountOption,
    name: Annotated[str, typer.Option()],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 export country.")],
    address1: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option()] = None,
    postal_code: Annotated[str | None, typer.Option()] = None,
    notify_email: Annotated[str | None, typer.Option()] = None,
    mode: ModeOption = None,
) -> None:
    """Create a warehouse and print its id."""
    from entrygo.setup.schemas import WarehouseCreate
    from entrygo.setup.service import create_warehouse

    typer.echo(_create_via_schema(WarehouseCreate, create_warehouse, {
        "accountId": account, "name": name, "country": country, "address1": address1,
        "city": city, "region": region, "postalCode": postal_code, "notifyEmail": notify_email},
        _mode(mode)))


@brokers_app.command("create")
def brokers_create(
    account: AccountOption,
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    filer_code: Annotated[str | None, typer.Option()] = None,
    mode: ModeOption = None,
) -> None:
    """Create a broker and print its id."""
    from entrygo.setup.schemas import BrokerCreate
    from entrygo.setup.service import create_broker

    typer.echo(_create_via_schema(BrokerCreate, create_broker, {
        "accountId": account, "name": name, "email": email, "filerCode": filer_code},
        _mode(mode)))


def _list_table(repository: type[WarehouseRepository] | type[BrokerRepository],
                columns: list[str], account: str, mode: str) -> None:
    from entrygo.db.repository import AccountScope

    db = _database(Settings())
    with db.read() as s:
        rows = repository(s, AccountScope(partition(account, mode))).all()
    _print_rows(columns, [[str(getattr(r, c) or "") for c in columns] for r in rows])


@warehouses_app.command("list")
def warehouses_list(account: AccountOption, mode: ModeOption = None) -> None:
    """List the account's warehouses."""
    from entrygo.setup.repository import WarehouseRepository

    _list_table(WarehouseRepository, ["id", "name", "country", "city", "notify_email"], account,
                _mode(mode))


@brokers_app.command("list")
def brokers_list(account: AccountOption, mode: ModeOption = None) -> None:
    """List the account's customs brokers."""
    from entrygo.setup.repository import BrokerRepository

    _list_table(BrokerRepository, ["id", "name", "email", "filer_code"], account, _mode(mode))


# --- products ------------------------------------------------------------------------------------

@products_app.command("import")
def products_import(
    file: Annotated[Path, typer.Argument(help="A .csv or .json file (see docs/products-import.md).",
                                         exists=True, dir_okay=False, readable=True)],
    account: AccountOption,
    mode: ModeOption = None,
) -> None:
    """Import products from CSV or JSON: all rows or none."""
    from entrygo.products.importer import ImportFailed, import_products_listing

    db = _database(Settings())
    try:
        counts, products = import_products_listing(db, account, file, mode=_mode(mode))
    except ImportFailed as exc:
        for problem in exc.problems:
            err.print(f"  {problem}")
        raise _fail(f"nothing imported: {len(exc.problems)} problem(s) in {file}") from None
    typer.echo(json.dumps({**counts, "products": products}, sort_keys=True))


# --- worker ------------------------------------------------------------------------------------

@app.command(help="Deliver what is due (broker submissions, then notifications, then webhooks, "
             "with backoff) and purge expired idempotency records. Safe to run beside servers "
             "and other workers.")
def worker(
    once: Annotated[bool, typer.Option(help="One sweep, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between sweeps.")] = 5.0,
) -> None:
    import time

    from entrygo.api.idempotency import Idempotency
    from entrygo.app import build_deliverer, build_webhook_sender
    from entrygo.artifacts.store import LocalStore

    settings = Settings()
    db = _database(settings)
    deliverer = build_deliverer(settings, db, LocalStore(settings.artifact_dir))
    webhooks = build_webhook_sender(settings, db)
    idempotency = Idempotency(db, lock_seconds=settings.idempotency_lock_seconds,
                              retention_seconds=settings.idempotency_retention_seconds)
    while True:
        attempted = deliverer.deliver_due() + webhooks.deliver_due()
        purged = idempotency.purge()
        if attempted or purged or once:
            err.print(f"worker: {attempted} delivery attempt(s), {purged} idempotency "
                      "record(s) purged")
        if once:
            return
        time.sleep(interval)


# --- demo ----------------------------------------------------------------------------------------

@app.command(help=(
    "Create (or reuse) a demo account and print the guide's export lines.\n\n"
    'Use it as: eval "$(.venv/bin/entrygo demo)". It prints export lines for '
    "ENTRYGO_BASE_URL (the running server's address), ENTRYGO_API_KEY and the demo's "
    "account, warehouse, broker and product ids. The key is kept in the data folder and "
    "printed again by the next call; --rotate replaces it."))
def demo(rotate: Annotated[bool, typer.Option(
        "--rotate", help="Revoke the demo's API key and issue a new one.")] = False) -> None:
    """The demo account for the first-export guide (help text above)."""
    from entrygo.demo import ensure_demo
    from entrygo.kit.running import running_server

    settings = Settings()
    db = _database(settings)
    env = ensure_demo(db, settings, rotate=rotate)
    running = running_server(settings.data_dir)
    if running is not None and not settings.public_base_url:
        env["ENTRYGO_BASE_URL"] = running
    elif running is None:
        err.print(f"[yellow]note:[/yellow] no EntryGo server answers at {env['ENTRYGO_BASE_URL']}"
                  " yet: start one with `make run` (or `.venv/bin/entrygo serve`).")
    for name, value in env.items():
        if any(c in value for c in '"$`\\\n'):
            raise _fail(f"{name} has characters that cannot be exported safely")
        sys.stdout.write(f'export {name}="{value}"\n')


@tariff_app.command("refresh", help=(
    "Make a newer USITC export of the tariff schedule (the CSV from the USITC's HTS download "
    "page, .csv or .csv.gz) the reference data's schedule, and report what it changes: lines "
    "added and removed, rate and unit changes. The revision is read from the file name "
    "(hts_2026_rev19.csv) unless --revision gives it; --dry-run only reports."))
def tariff_refresh(
    export: Annotated[Path, typer.Argument(help="The USITC CSV export.", exists=True,
                                           dir_okay=False)],
    revision: Annotated[str | None, typer.Option(help='Like "2026 Rev. 19".')] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report, change nothing.")] = False,
    data_dir: Annotated[Path | None, typer.Option(
        help="The reference data folder (default: the installed package's).")] = None,
    show: Annotated[int, typer.Option(help="List at most this many changes of each kind.")] = 20,
) -> None:
    """Convert a USITC export and compare it with the schedule in use (help text above)."""
    from entrygo.readiness.reference import DATA
    from entrygo.tariff.refresh import refresh
    from entrygo.tariff.usitc import ExportError

    try:
        new, changes = refresh(export, data_dir or DATA, revision, write=not dry_run)
    except ExportError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"{new.revision}: {len(new.by_number):,} numbered lines; "
               f"{len(changes.added):,} added, {len(changes.removed):,} removed, "
               f"{len(changes.rates):,} rate changes, {len(changes.units):,} unit changes")
    for title, items in (("added", changes.added), ("removed", changes.removed)):
        for number in items[:show]:
            typer.echo(f"  {title:8} {number}")
    for number, column, old, new_rate in changes.rates[:show]:
        typer.echo(f"  rate     {number} {column}: {old or '-'} -> {new_rate or '-'}")
    for number, old, new_units in changes.units[:show]:
        typer.echo(f"  units    {number}: {old or '-'} -> {new_units or '-'}")
    typer.echo("dry run: nothing changed" if dry_run else
               "the reference data now uses this schedule: run the tests, and commit "
               "hts.json and the new file")


from entrygo.mcp.command import mcp as mcp_command  # noqa: E402 - registered with the others

app.command("mcp")(mcp_command)


def main() -> None:
    from entrygo.api.wire import acting_in

    with acting_in(livemode=True):  # --account names a (live) account; the demo says otherwise
        app()
