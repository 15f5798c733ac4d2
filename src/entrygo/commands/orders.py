"""``entrygo orders sync FILE``: a CSV or JSON orders file into EntryGo, 1,000 orders a call.

The whole file is checked first with the API's own request model, so a file with mistakes in
its shape sends nothing and every mistake is listed at once, by row and column. What only the
server can judge (a product id that does not exist, an order already exported) comes back per
call: each call is atomic, the calls after a refused one are still sent, and the report names
the rows of every refused order.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape

from entrygo.commands.orders_file import (
    FileProblems,
    OrdersFile,
    Problem,
    check_orders,
    chunks,
    read_orders_file,
)
from entrygo.commands.output import (
    ApiKeyOption,
    BaseUrlOption,
    Code,
    Failure,
    JsonOption,
    Ui,
    exit_code_of,
    failure_of,
    print_json,
    table,
)

if TYPE_CHECKING:
    from entrygo.client import EntryGo, EntryGoError

BATCH_SIZE = 1000
"""Orders per sync call: the API's limit, and one transaction each."""
SHOW_IDS_UP_TO = 20
"""Print the externalId -> id table for files up to this many orders (``--json`` has all)."""

orders_app = typer.Typer(help="Orders, over the API (see also: entrygo exports plan).",
                         no_args_is_help=True)


@orders_app.command("sync")
def sync(
    file: Annotated[Path, typer.Argument(
        help="A .csv (one row per order line) or .json (the API's items array) file.",
        dir_okay=False, show_default=False, metavar="FILE")],
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Create or update orders from a CSV or JSON file, in calls of 1,000.

    Every order is upserted by externalId; a summary says how many were created, updated and
    unchanged. Problems are listed by row and column (CSV) or item and field (JSON) with what
    to fix. The CSV columns are in docs/cli.md (/docs/cli).

    Example:

        entrygo orders sync orders.csv
        entrygo orders sync orders.json --json > synced.json
    """
    ui = Ui(json_output)
    try:
        source = read_orders_file(file)
        if not source.orders:
            raise Failure(Code.USAGE, "NO_ORDERS", f"{file} has no orders")
        problems = check_orders(source)
        if problems:
            raise FileProblems(source, problems)
    except FileProblems as failed:
        _report_problems(ui, failed.source, [(None, failed, failed.problems)], [], Code.USAGE)
    except Failure as failure:
        ui.fail(failure)
    from entrygo.commands.session import connect

    with ui.reported():
        client = connect(ui, base_url, api_key)
    with client:
        synced, failures, stopped = _send(ui, client, source)
    if failures:
        worst = max((f.exit_code for _, f, _ in failures), key=_severity)
        if stopped is not None:
            ui.note(f"[red]stopped:[/red] no answer from the server: orders {stopped + 1}-"
                    f"{len(source.orders)} may not be synced; run the same command again (what "
                    "was synced shows as unchanged)")
        _report_problems(ui, source, failures, synced, worst)
    if json_output:
        print_json({"data": synced})
        return
    _summary(ui, source, synced)


def _severity(code: Code) -> int:
    """Which exit code wins when calls failed differently: no answer, then conflict, then the
    rest."""
    return {Code.SERVER: 3, Code.CONFLICT: 2}.get(code, 1)


def _send(ui: Ui, client: EntryGo, source: OrdersFile
          ) -> tuple[list[dict[str, Any]], list[tuple[int | None, Failure, list[Problem]]],
                     int | None]:
    """Every batch, one call each: what was synced (the API's documents, in file order), the
    refused batches with their problems, and where sending stopped (no answer), if it did."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from entrygo.client import EntryGoError

    synced: list[dict[str, Any]] = []
    failures: list[tuple[int | None, Failure, list[Problem]]] = []
    total = len(source.orders)
    progress = Progress(TextColumn("syncing orders"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=ui.err, transient=False,
                        disable=ui.json_mode or not ui.err.is_terminal)
    with progress:
        task = progress.add_task("sync", total=total)
        for number, (start, end) in enumerate(chunks(total, BATCH_SIZE), 1):
            try:
                answer = client.orders.sync(source.orders[start:end])
            except EntryGoError as error:
                failure = failure_of(error, server=ui.server)
                failures.append((number, failure, _problems_of(source, error, start, end)))
                if exit_code_of(error) == Code.SERVER:
                    return synced, failures, start
            else:
                synced.extend(o.model_dump(mode="json", by_alias=True, exclude_unset=True)
                              for o in answer)
            progress.advance(task, end - start)
    return synced, failures, None


def _problems_of(source: OrdersFile, error: EntryGoError, start: int, end: int
                 ) -> list[Problem]:
    """The rows a refused call is about: every issue of a VALIDATION_ERROR, the locked orders
    of an ORDER_LOCKED; otherwise the call's orders as a whole."""
    from entrygo.client import OrderLocked, ValidationFailed

    if isinstance(error, ValidationFailed) and error.issues:
        return [source.problem(i.path, i.message, i.code, offset=start) for i in error.issues]
    if isinstance(error, OrderLocked):
        index = {eid: i for i, eid in enumerate(source.external_ids)}
        return [source.problem(f"items.{index[e] - start}.externalId",
                               "Belongs to an executed export and cannot change: leave it "
                               "out of the file", "locked", offset=start)
                for e in error.external_ids if e in index]
    return []


def _report_problems(ui: Ui, source: OrdersFile,
                     failures: list[tuple[int | None, Failure, list[Problem]]],
                     synced: list[dict[str, Any]], exit_code: Code) -> NoReturn:
    """The per-row report on stderr (and with ``--json``, the result with its errors), then
    exit."""
    if ui.json_mode:
        print_json({"data": synced, "errors": [
            {**failure.envelope(), "batch": number,
             "problems": [p.document() for p in problems]}
            for number, failure, problems in failures]})
    for number, failure, problems in failures:
        what = (f"call {number} (orders {(number - 1) * BATCH_SIZE + 1}-"
                f"{min(number * BATCH_SIZE, len(source.orders))})" if number else str(
                    source.path))
        ui.note(f"[red]error:[/red] {escape(what)}: {escape(failure.error_code)}: "
                f"{escape(failure.message)}")
        if problems:
            report = table("where", "externalId", "column" if source.kind == "csv" else "field",
                           "value", "what to fix", wrap=("value", "what to fix"))
            for p in problems:
                report.add_row(p.where(source.kind), p.external_id or "-", p.column,
                               escape(_value(p.value)), escape(p.message))
            ui.err.print(report)
        if failure.hint:
            ui.note(f"[yellow]what to do:[/yellow] {escape(failure.hint)}")
        if failure.request_id:
            ui.note(f"requestId {failure.request_id}")
    if synced:
        ui.note(f"{len(synced)} order(s) of other calls were synced; once fixed, run the same "
                "command again: they will show as unchanged")
    raise typer.Exit(int(exit_code))


def _value(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _summary(ui: Ui, source: OrdersFile, synced: list[dict[str, Any]]) -> None:
    counts = {s: sum(1 for o in synced if o.get("syncStatus") == s)
              for s in ("created", "updated", "unchanged")}
    calls = (len(source.orders) + BATCH_SIZE - 1) // BATCH_SIZE
    summary = table("orders", "lines", "calls", "created", "updated", "unchanged",
                    title=f"Synced {source.path.name}")
    summary.add_row(str(len(synced)), str(source.line_count), str(calls),
                    str(counts["created"]), str(counts["updated"]), str(counts["unchanged"]))
    ui.out.print(summary)
    ui.out.print()
    if len(synced) <= SHOW_IDS_UP_TO:
        ids = table("externalId", "id", "status", "totalValueUsd")
        for order in synced:
            ids.add_row(str(order["externalId"]), str(order["id"]), str(order["syncStatus"]),
                        str(order["totalValueUsd"]))
        ui.out.print(ids)
    else:
        ui.out.print("(--json lists the id of every order)")
    ui.note(f"next: entrygo exports plan --warehouse WH --broker BR --orders {source.path}")
