"""``entrygo exports plan | execute | inspect``: the review loop of the first-export guide.

Planning shows readiness as a decision surface (one row per code: severity, count, what to
fix, the ids it is about) and exits 3 on a BLOCKED plan, so a script stops there. Execute
shows what is about to be executed and asks first; it sends the planHash it showed, so a
plan that changed meanwhile is refused (``PLAN_STALE``, ``PLAN_HASH_MISMATCH``: exit 4)
instead of executed unseen.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from entrygo.commands.output import (
    ApiKeyOption,
    BaseUrlOption,
    Code,
    Failure,
    JsonOption,
    Ui,
    shorten,
    table,
)
from entrygo.exports.states import ExportState

if TYPE_CHECKING:
    from entrygo.client import EntryGo
    from entrygo.exports.schemas import InspectOut

MAX_PLAN_ORDERS = 10_000
"""Order ids one plan takes (``PlanRequest.order_ids``)."""
SEVERITY_RANK = {"blocking": 0, "warning": 1, "info": 2}
STATE_STYLE = {"READY": "green", "REVIEW_REQUIRED": "yellow", "BLOCKED": "red"}
FINAL_WITHOUT_DELIVERY = (ExportState.CANCELLED, ExportState.FAILED, ExportState.SUPERSEDED)
EVENT_DETAILS_LEFT_OUT = frozenset({"sha256", "messageId", "artifactId", "submissionId",
                                    "notificationId"})
"""Event data too long for a timeline row (``--json`` has every event whole)."""

exports_app = typer.Typer(help="Plan, execute and inspect export batches, over the API.",
                          no_args_is_help=True)


def wire(model: Any) -> dict[str, Any]:
    """An SDK answer as the JSON the API sent (the fields it sent, in its names)."""
    document: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return document


# --- plan --------------------------------------------------------------------------------------

@exports_app.command("plan")
def plan(
    warehouse: Annotated[str, typer.Option(
        "--warehouse", envvar="ENTRYGO_WAREHOUSE_ID", show_default=False, metavar="WH",
        help="The warehouse the goods leave from (wh_...); default ENTRYGO_WAREHOUSE_ID.")],
    broker: Annotated[str, typer.Option(
        "--broker", envvar="ENTRYGO_BROKER_ID", show_default=False, metavar="BR",
        help="The customs broker (br_...); default ENTRYGO_BROKER_ID.")],
    orders: Annotated[Path | None, typer.Option(
        "--orders", dir_okay=False, show_default=False, metavar="FILE",
        help="The orders of a file: an orders .csv or .json (as synced: looked up by "
             "externalId), the --json output of orders sync, or a text file of order ids, "
             "one a line.")] = None,
    order_id: Annotated[list[str] | None, typer.Option(
        "--order-id", show_default=False, metavar="ID",
        help="An order id (ord_...); repeat for more.")] = None,
    all_unexported: Annotated[bool, typer.Option(
        "--all-unexported", help="Every order of the account not yet exported.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Judge only: store no batch (same planHash as the real plan).")]
    = False,
    batch: Annotated[str | None, typer.Option(
        "--batch", show_default=False, metavar="BATCH",
        help="Plan this PLANNED batch again (after fixing what blocked it).")] = None,
    exclude_blocked: Annotated[bool, typer.Option(
        "--exclude-blocked", help="Leave out the orders with blocking issues instead of "
                                  "blocking the whole plan.")] = False,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Plan an export batch and show its readiness, grouped by code.

    Name the orders with --orders FILE, --order-id (repeatable) or --all-unexported. The
    readiness table has one row per code: severity, how many findings, what to fix and the
    ids concerned (products for product data, orders otherwise). Exit code 3 when the plan is
    BLOCKED; the planHash and the next action are printed last.

    Example:

        entrygo exports plan --warehouse wh_123 --broker br_123 --orders orders.csv
        entrygo exports plan --warehouse wh_123 --broker br_123 --order-id ord_123 --dry-run
        entrygo exports plan --all-unexported --json > plan.json   # ids from ENTRYGO_*_ID
    """
    from entrygo.commands.session import connect

    ui = Ui(json_output)
    sources = sum([orders is not None, bool(order_id), all_unexported])
    if sources == 0:
        ui.fail(Failure(Code.USAGE, "NO_ORDERS", "which orders? give --orders FILE, "
                        "--order-id ID or --all-unexported"))
    if all_unexported and sources > 1:
        ui.fail(Failure(Code.USAGE, "NO_ORDERS", "--all-unexported plans every unexported "
                        "order: give it alone, without --orders or --order-id"))
    with ui.reported(batch), connect(ui, base_url, api_key) as client:
        ids = list(order_id or [])
        if orders is not None:
            ids += ids_from_file(client, orders)
        if all_unexported:
            ids = unexported(client, warehouse, broker)
        ids = list(dict.fromkeys(ids))  # a repeat would be refused as a duplicate
        if len(ids) > MAX_PLAN_ORDERS:
            raise Failure(Code.USAGE, "TOO_MANY_ORDERS",
                          f"{len(ids):,} orders: a plan takes at most {MAX_PLAN_ORDERS:,}; "
                          "plan them in parts (--orders FILE)")
        options: dict[str, Any] = {"warehouse_id": warehouse, "broker_id": broker,
                                   "order_ids": ids, "batch_id": batch,
                                   "exclude_blocked_orders": exclude_blocked or None}
        answer = (client.exports.dry_run(**options) if dry_run
                  else client.exports.plan(**options))
    document = wire(answer)
    ui.json(document)
    if not json_output:
        show_plan(ui, document)
    if document["readinessState"] == "BLOCKED":
        ui.note("[red]BLOCKED[/red]: fix the blocking issues above, then plan again"
                + (f" (--batch {document['exportId']})" if document.get("exportId") else ""))
        raise typer.Exit(int(Code.BLOCKED))
    if document.get("exportId"):
        ui.note(f"next: entrygo exports execute {document['exportId']} --plan-hash "
                f"{document['planHash']}")
    else:
        ui.note("a dry run stores nothing: plan again without --dry-run to get a batch to "
                "execute")


def ids_from_file(client: EntryGo, path: Path) -> list[str]:
    """The order ids a ``--orders`` file names (see the option's help)."""
    from entrygo.commands.orders_file import items_of, read_orders_file

    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(Code.USAGE, "FILE_UNREADABLE", f"cannot read {path}: {exc}") from None
    if suffix == ".json":
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise Failure(Code.USAGE, "INVALID_JSON", f"{path} is not JSON: {exc}") from None
        if isinstance(document, dict) and isinstance(document.get("data"), list):
            return [str(o["id"]) for o in document["data"] if isinstance(o, dict) and "id" in o]
        external = [str(o.get("externalId")) for o in items_of(document, path)
                    if isinstance(o, dict)]
        return look_up(client, external, path)
    if suffix == ".csv":
        return look_up(client, read_orders_file(path).external_ids, path)
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def look_up(client: EntryGo, external_ids: list[str], path: Path) -> list[str]:
    """EntryGo ids of the file's orders, by externalId, in the file's order: one walk over the
    account's orders (newest first, so a file just synced is found in the first pages)."""
    wanted = dict.fromkeys(external_ids)
    found: dict[str, str] = {}
    for order in client.orders.list(limit=200):
        if order.external_id in wanted and order.external_id not in found:
            found[order.external_id] = order.id
            if len(found) == len(wanted):
                break
    missing = [e for e in wanted if e not in found]
    if missing:
        raise Failure(Code.USAGE, "ORDERS_NOT_SYNCED",
                      f"{len(missing)} order(s) of {path} are not in the account: "
                      f"{shorten(missing)}", hint=f"entrygo orders sync {path}",
                      details={"externalIds": missing})
    return [found[e] for e in wanted]


def unexported(client: EntryGo, warehouse: str, broker: str) -> list[str]:
    """Every order of the account that no executed batch holds. The server knows which are
    exported: a dry run over them excludes those as ``ALREADY_EXPORTED``."""
    every = [order.id for order in client.orders.list(limit=200)]
    exported: set[str] = set()
    for start in range(0, len(every), MAX_PLAN_ORDERS):
        judged = client.exports.dry_run(warehouse_id=warehouse, broker_id=broker,
                                        order_ids=every[start:start + MAX_PLAN_ORDERS])
        exported.update(e.order_id for e in judged.exclusions if e.reason == "ALREADY_EXPORTED")
    remaining = [i for i in every if i not in exported]
    if not remaining:
        raise Failure(Code.USAGE, "NO_ORDERS", "no unexported orders: nothing to plan",
                      hint="entrygo orders sync FILE first")
    return remaining


def show_plan(ui: Ui, plan: dict[str, Any]) -> None:
    state = plan["readinessState"]
    totals = plan.get("totals") or {}
    head = table("", "", title=(f"Plan {plan['exportId']} ({plan.get('state')})"
                                if plan.get("exportId") else "Dry run (nothing stored)"))
    head.show_header = False
    excluded = plan.get("excluded_order_ids") or []
    for name, value in (
            ("readiness", f"[{STATE_STYLE.get(state, 'white')}]{state}[/]"),
            ("orders", f"{len(plan.get('included_order_ids') or [])} included, "
                       f"{len(excluded)} excluded"),
            ("export units", str(totals.get("unitCount", "-"))),
            ("value (USD)", str(totals.get("valueUsd", "-"))),
            ("warehouse / broker", f"{plan.get('warehouseId')} / {plan.get('brokerId')}")):
        head.add_row(name, value)
    ui.out.print(head)
    readiness = readiness_table(plan.get("validationMessages") or [])
    ui.out.print()
    ui.out.print(readiness if readiness is not None else "No readiness findings.")
    if plan.get("flags"):
        flags = table("flag", "orders", "products", title="Treatment flags")
        for f in plan["flags"]:
            flags.add_row(f["flag"], shorten(f.get("orderIds") or []),
                          shorten(f.get("productIds") or []))
        ui.out.print()
        ui.out.print(flags)
    if plan.get("exclusions"):
        left_out = table("order", "reason", "codes", title="Excluded orders")
        for e in plan["exclusions"]:
            left_out.add_row(e["orderId"], e["reason"], ", ".join(e.get("codes") or []))
        ui.out.print()
        ui.out.print(left_out)
    tail = table("", "")
    tail.show_header = False
    tail.add_row("planHash", plan["planHash"])
    tail.add_row("next action", plan.get("next_recommended_action") or "-")
    ui.out.print()
    ui.out.print(tail)


def readiness_table(messages: list[dict[str, Any]], severities: tuple[str, ...] = ()
                    ) -> Table | None:
    """One row per code, most severe first: severity, count, what to fix (the distinct
    messages, with the field they are about), and the ids concerned."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        if not severities or message.get("severity") in severities:
            groups.setdefault(str(message.get("code")), []).append(message)
    if not groups:
        return None
    shown = table("severity", "code", "count", "what to fix", "affected",
                  title="Readiness by code", wrap=("what to fix", "affected"))
    style = {"blocking": "red", "warning": "yellow", "info": "dim"}

    def rank(code: str) -> tuple[int, str]:
        return SEVERITY_RANK.get(str(groups[code][0].get("severity")), 9), code

    for code in sorted(groups, key=rank):
        group = groups[code]
        severity = str(group[0].get("severity"))
        texts = list(dict.fromkeys(
            f"{m['field']}: {m['message']}" if m.get("field") else str(m.get("message"))
            for m in group))
        fix = "\n".join(escape(t) for t in texts[:3])
        if len(texts) > 3:
            fix += f"\n(+{len(texts) - 3} more; --json lists every one)"
        shown.add_row(f"[{style.get(severity, 'white')}]{severity}[/]", code, str(len(group)),
                      fix, shorten(affected(code, group)))
    return shown


def affected(code: str, group: list[dict[str, Any]]) -> list[str]:
    """The ids to fix: products for a product-data rule, else orders, else export units."""
    from entrygo.readiness.catalogue import CATALOGUE

    rule = CATALOGUE.get(code)
    products = list(dict.fromkeys(m["productId"] for m in group if m.get("productId")))
    if products and (rule is None or rule.product_level):
        return products
    orders = list(dict.fromkeys(
        [m["orderId"] for m in group if m.get("orderId")]
        + [o for m in group for o in m.get("orderIds") or []]))
    if orders:
        return orders
    units = list(dict.fromkeys(m["exportUnitId"] for m in group if m.get("exportUnitId")))
    return units or (["the whole batch"] if any(m.get("scope") == "batch" for m in group)
                     else [])


# --- execute -----------------------------------------------------------------------------------

@exports_app.command("execute")
def execute(
    batch: Annotated[str, typer.Argument(help="The batch id (batch_...).", show_default=False,
                                         metavar="BATCH")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Execute without asking (needed "
                                      "when stdin is not a terminal).")] = False,
    plan_hash: Annotated[str | None, typer.Option(
        "--plan-hash", show_default=False, metavar="H",
        help="Execute only this plan (the one you reviewed); default: the batch's plan as "
             "shown before asking.")] = None,
    acknowledge: Annotated[list[str] | None, typer.Option(
        "--acknowledge", show_default=False, metavar="CODE",
        help="A warning code you accept (recorded with the export); repeat for more.")] = None,
    reviewed_by: Annotated[str | None, typer.Option(
        "--reviewed-by", show_default=False, metavar="NAME",
        help="Who reviewed the plan; recorded with the export and shown to the broker.")]
    = None,
    idempotency_key: Annotated[str | None, typer.Option(
        "--idempotency-key", show_default=False, metavar="KEY",
        help="Only to finish an execute whose answer was lost: the key it printed.")] = None,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Execute a planned batch: customs package, artifacts, broker email. Asks first.

    Shows the batch's state, readiness, planHash and warnings, then asks (on stderr) before
    executing; --yes skips the question, and without a terminal to ask on --yes is required
    (exit 2). The planHash shown (or --plan-hash) is sent with the execute: a plan that
    changed since is refused (exit 4), never executed unseen. Exit 3 for a BLOCKED plan, 4
    for a batch that is not PLANNED (executed already, cancelled, superseded).

    Example:

        entrygo exports execute batch_123
        entrygo exports execute batch_123 --yes --plan-hash planhash_3f7a... --json
        entrygo exports execute batch_123 --acknowledge METALS_REVIEW_RECOMMENDED
    """
    from entrygo.commands.session import connect

    ui = Ui(json_output)
    with ui.reported(batch), connect(ui, base_url, api_key) as client:
        current = wire(client.exports.inspect(batch))
        show_review(ui, current)
        wanted = plan_hash or current["planHash"]
        executable = (current["state"] == ExportState.PLANNED
                      and current["readinessState"] != "BLOCKED"
                      and wanted == current["planHash"])
        if executable and not yes:
            if not sys.stdin.isatty():
                raise Failure(Code.USAGE, "CONFIRMATION_REQUIRED",
                              "not executed: stdin is not a terminal to ask on; pass --yes "
                              "to execute without asking")
            question = (f"Execute {batch} ({current['readinessState']}, planHash "
                        f"{wanted[:21]}...)? The broker is emailed the customs package")
            if not typer.confirm(question, default=False, err=True):
                ui.note("not executed")
                raise typer.Exit(int(Code.DECLINED))
        done = client.exports.execute(batch, plan_hash=wanted, acknowledged_codes=acknowledge,
                                      reviewed_by=reviewed_by, idempotency_key=idempotency_key)
    document = wire(done)
    ui.json(document)
    if not json_output:
        show_execution(ui, document)
    submission = document.get("brokerSubmission") or {}
    if submission.get("status") != "sent":
        ui.note(f"the broker email is {submission.get('status')}: follow it with "
                f"`entrygo exports inspect {batch} --watch`")
    ui.note(f"next: entrygo packages download {document['customs_package_id']} --to "
            "customs-package/")


def show_review(ui: Ui, batch: dict[str, Any]) -> None:
    """What is about to be executed, on stderr (stdout is the result's)."""
    state = batch["readinessState"]
    head = table("", "", title=f"Batch {batch['exportId']}")
    head.show_header = False
    totals = batch.get("totals") or {}
    for name, value in (("state", batch["state"]),
                        ("readiness", f"[{STATE_STYLE.get(state, 'white')}]{state}[/]"),
                        ("orders", str(len(batch.get("included_order_ids") or []))),
                        ("value (USD)", str(totals.get("valueUsd", "-"))),
                        ("planHash", batch["planHash"])):
        head.add_row(name, value)
    ui.err.print(head)
    if batch["state"] != ExportState.PLANNED:
        return  # nothing to decide on: the server's answer to execute says what it is
    findings = readiness_table(batch.get("validationMessages") or [], ("blocking", "warning"))
    if findings is not None:
        ui.err.print()
        findings.title = "Warnings and blocking issues"
        ui.err.print(findings)


def show_execution(ui: Ui, done: dict[str, Any]) -> None:
    package = done.get("customsPackage") or {}
    submission = done.get("brokerSubmission") or {}
    head = table("", "", title=f"Executed {done['exportId']} ({done['state']})")
    head.show_header = False
    for name, value in (("customs package", f"{done['customs_package_id']} "
                                            f"({package.get('packageNumber')}, "
                                            f"{package.get('state')})"),
                        ("broker email", f"{submission.get('status')} to "
                                         f"{submission.get('recipient_email')}"),
                        ("planHash", done["planHash"])):
        head.add_row(name, value)
    ui.out.print(head)
    ui.out.print()
    ui.out.print(artifacts_table(done.get("artifacts") or []))


def artifacts_table(artifacts: list[dict[str, Any]]) -> Table:
    shown = table("file", "type", "bytes", "sha256", title="Artifacts")
    for a in artifacts:
        shown.add_row(a["filename"], a["artifact_type"], f"{a['size_bytes']:,}", a["sha256"])
    return shown


# --- inspect -----------------------------------------------------------------------------------

@exports_app.command("inspect")
def inspect(
    batch: Annotated[str, typer.Argument(help="The batch id (batch_...).", show_default=False,
                                         metavar="BATCH")],
    watch: Annotated[bool, typer.Option(
        "--watch", help="Follow the timeline until the broker email is sent or has failed.")]
    = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="With --watch: give up after this many seconds (exit 5).")] = 300.0,
    interval: Annotated[float, typer.Option(
        "--interval", help="With --watch: seconds between looks.")] = 2.0,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Show a batch as inspect reads it: state, package, broker email and the timeline.

    With --watch the timeline is followed (new events are printed as they come) until the
    broker email settles: exit 0 once sent, 5 once it has failed for good (or at --timeout),
    4 when the batch ended without one (cancelled, failed, superseded).

    Example:

        entrygo exports inspect batch_123
        entrygo exports inspect batch_123 --watch --json > inspect.json
    """
    from entrygo.commands.session import connect

    ui = Ui(json_output)
    with ui.reported(batch), connect(ui, base_url, api_key) as client:
        first = client.exports.inspect(batch)
        document = wire(first)
        if not json_output:
            show_inspect(ui, document)
        if not watch:
            ui.json(document)
            return
        printed = {e["id"] for e in document.get("events") or []}

        def settled(seen: InspectOut) -> bool:
            """Whether the broker email has its outcome (printing new events as they come)."""
            now = wire(seen)
            for event in now.get("events") or []:
                if event["id"] not in printed:
                    printed.add(event["id"])
                    if not json_output:
                        ui.out.print(f"  {event['occurredAt']}  {event['type']}  "
                                     f"{escape(event_summary(event))}")
            status = (now.get("brokerSubmission") or {}).get("status")
            return status in ("sent", "failed") or now["state"] in FINAL_WITHOUT_DELIVERY

        final = first
        if not settled(first):
            if not json_output:
                ui.note(f"following {batch} until the broker email settles (up to "
                        f"{timeout:g} s)...")
            final = client.exports.wait(batch, until=settled, timeout=timeout,
                                        interval=interval)
    document = wire(final)
    ui.json(document)
    status = (document.get("brokerSubmission") or {}).get("status")
    if status == "sent":
        ui.note(f"the broker email was sent ({document['brokerSubmission']['recipient_email']})")
        return
    if status == "failed":
        ui.note(f"[red]the broker email failed:[/red] "
                f"{escape(str(document['brokerSubmission'].get('error_message')))}")
        raise typer.Exit(int(Code.SERVER))
    ui.note(f"{batch} is {document['state']}: there is no broker email to follow")
    raise typer.Exit(int(Code.CONFLICT))


def show_inspect(ui: Ui, batch: dict[str, Any]) -> None:
    package = batch.get("customsPackage") or {}
    submission = batch.get("brokerSubmission") or {}
    head = table("", "", title=f"Batch {batch['exportId']}")
    head.show_header = False
    rows = [("state", batch["state"]), ("readiness", batch["readinessState"]),
            ("planHash", batch["planHash"])]
    if batch.get("supersededBy"):
        rows.append(("superseded by", batch["supersededBy"]))
    if package:
        rows.append(("customs package", f"{package['id']} ({package.get('packageNumber')}, "
                                        f"{package.get('state')})"))
    if submission:
        via = f" via {submission['transport']}" if submission.get("transport") else ""
        rows.append(("broker email", f"{submission.get('status')} to "
                                     f"{submission.get('recipient_email')}{via}, "
                                     f"{submission.get('attempts')} attempt(s)"))
    if batch.get("artifacts"):
        rows.append(("artifacts", f"{len(batch['artifacts'])} files"))
    for name, value in rows:
        head.add_row(name, str(value))
    ui.out.print(head)
    ui.out.print()
    timeline = table("occurredAt", "event", "details", title="Timeline", wrap=("details",))
    for event in batch.get("events") or []:
        timeline.add_row(event["occurredAt"], event["type"], escape(event_summary(event)))
    ui.out.print(timeline)


def event_summary(event: dict[str, Any]) -> str:
    """An event's data in one line (``--json`` has it whole)."""
    data = event.get("data") or {}
    parts = []
    for key, value in data.items():
        if key in EVENT_DETAILS_LEFT_OUT:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={shown}")
    text = ", ".join(parts)
    return text if len(text) <= 120 else text[:117] + "..."
