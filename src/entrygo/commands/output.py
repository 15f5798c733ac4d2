"""What every workflow command shares: exit codes a script can branch on, one way to report a
failure (a sentence for people on stderr, the API's error envelope on stdout with ``--json``),
and consoles that never wrap ids when the output goes to a file or a pipe.

Exit codes (docs/cli.md): 0 ok, 1 declined at the prompt, 2 usage (the request as given cannot
work: bad options, a bad file, an unknown id, an invalid key), 3 blocked (a BLOCKED plan,
``EXPORT_BLOCKED``), 4 conflict or state (every other ``409``), 5 server or network (no answer,
a ``5xx`` or ``429`` after the retries, bytes that fail their checksum, a delivery that failed).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import IntEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from entrygo.client import EntryGoError


class Code(IntEnum):
    OK = 0
    DECLINED = 1
    USAGE = 2
    BLOCKED = 3
    CONFLICT = 4
    SERVER = 5


class Failure(Exception):
    """A failure a command reports and exits with; ``envelope`` is what ``--json`` prints (the
    API's error envelope, or one of the same shape for failures on this side)."""

    def __init__(self, exit_code: Code, error_code: str, message: str, *,
                 field: str | None = None, details: Mapping[str, Any] | None = None,
                 request_id: str | None = None, hint: str | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.error_code = error_code
        self.message = message
        self.field = field
        self.details = dict(details) if details is not None else None
        self.request_id = request_id
        self.hint = hint
        self.extra = dict(extra or {})

    def envelope(self) -> dict[str, Any]:
        out: dict[str, Any] = {"errorCode": self.error_code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.details is not None:
            out["details"] = self.details
        if self.request_id is not None:
            out["requestId"] = self.request_id
        return {**out, **self.extra}


# --- options every workflow command takes ----------------------------------------------------

BaseUrlOption = Annotated[str | None, typer.Option(
    "--base-url", metavar="URL", show_default=False,
    help="The EntryGo server. Default: ENTRYGO_BASE_URL, else the one saved by entrygo login, "
         "else http://localhost:3000.")]
ApiKeyOption = Annotated[str | None, typer.Option(
    "--api-key", metavar="KEY", show_default=False,
    help="The API key. Default: ENTRYGO_API_KEY, else the one saved by entrygo login.")]
JsonOption = Annotated[bool, typer.Option(
    "--json", help="Print the API's JSON on stdout and nothing else (messages go to stderr).")]


# --- consoles ----------------------------------------------------------------------------------

def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # a file or a pipe gets wide lines: an id broken over two lines cannot be copied or grepped
    return Console(stderr=stderr, width=None if stream.isatty() else 200, highlight=False,
                   soft_wrap=False)


class Ui:
    """The two consoles of one command: results on ``out`` (stdout), messages, progress and
    prompts on ``err`` (stderr). With ``--json`` stdout carries the JSON document only."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.out = _console(stderr=False)
        self.err = _console(stderr=True)
        self.server: str | None = None
        """The server talked to, once known (for messages)."""

    def result(self, *renderables: Any) -> None:
        """Human output of a result (nothing with ``--json``)."""
        if not self.json_mode:
            self.out.print(*renderables)

    def note(self, text: str) -> None:
        self.err.print(text)

    def json(self, document: Any) -> None:
        if self.json_mode:
            print_json(document)

    @contextmanager
    def reported(self, batch_id: str | None = None) -> Iterator[None]:
        """Turn any SDK error or ``Failure`` into its report and exit code."""
        from entrygo.client import EntryGoError

        try:
            yield
        except EntryGoError as error:
            self.fail(failure_of(error, batch_id, self.server))
        except Failure as failure:
            self.fail(failure)

    def fail(self, failure: Failure) -> NoReturn:
        if self.json_mode:
            print_json(failure.envelope())
        self.err.print(f"[red]error:[/red] {escape(failure.message)}")
        issues = (failure.details or {}).get("issues")
        if isinstance(issues, list):
            for issue in issues:
                if isinstance(issue, dict):
                    self.err.print(f"  {escape(str(issue.get('path') or '(body)'))}: "
                                   f"{escape(str(issue.get('message', '')))}")
        if failure.hint:
            self.err.print(f"[yellow]what to do:[/yellow] {escape(failure.hint)}")
        if failure.request_id:
            self.err.print(f"requestId {failure.request_id} (quote it when reporting a problem)")
        raise typer.Exit(int(failure.exit_code))


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def table(*columns: str, title: str | None = None, wrap: Sequence[str] = ()) -> Table:
    """A table whose id-like columns never wrap (only the ``wrap`` ones, free text, do)."""
    t = Table(title=title, title_justify="left", header_style="bold", show_edge=False,
              pad_edge=False)
    for name in columns:
        t.add_column(name, no_wrap=name not in wrap, overflow="fold")
    return t


def shorten(ids: Sequence[str], limit: int = 6) -> str:
    """A list of ids for a table cell; ``--json`` has them all."""
    if len(ids) <= limit:
        return ", ".join(ids)
    return f"{', '.join(ids[:limit])} (+{len(ids) - limit} more)"


# --- SDK errors as exit codes ------------------------------------------------------------------

def exit_code_of(error: EntryGoError) -> Code:
    from entrygo.client import (
        APIConnectionError,
        ChecksumMismatch,
        ExecuteUnconfirmed,
        ExportBlocked,
        UnexpectedResponse,
        WaitFailed,
    )

    if isinstance(error, ExportBlocked):
        return Code.BLOCKED
    if isinstance(error, APIConnectionError | UnexpectedResponse | ChecksumMismatch
                  | ExecuteUnconfirmed | WaitFailed):
        return Code.SERVER
    if error.status is None or error.status >= 500 or error.status == 429:
        return Code.SERVER
    if error.status == 409:
        return Code.CONFLICT
    return Code.USAGE


def _client_side_code(error: EntryGoError) -> str:
    from entrygo.client import (
        APIConnectionError,
        APITimeoutError,
        ChecksumMismatch,
        ExecuteUnconfirmed,
        UnexpectedResponse,
        WaitFailed,
        WaitTimeout,
    )

    for kind, code in ((APITimeoutError, "TIMEOUT"), (APIConnectionError, "CONNECTION_ERROR"),
                       (UnexpectedResponse, "UNEXPECTED_RESPONSE"),
                       (ChecksumMismatch, "CHECKSUM_MISMATCH"),
                       (ExecuteUnconfirmed, "EXECUTE_UNCONFIRMED"), (WaitTimeout, "WAIT_TIMEOUT"),
                       (WaitFailed, "WAIT_FAILED")):
        if isinstance(error, kind):
            return code
    return f"HTTP_{error.status}" if error.status else "CLIENT_ERROR"


def failure_of(error: EntryGoError, batch_id: str | None = None, server: str | None = None
               ) -> Failure:
    """The report of an SDK error: the server's envelope as it came, and what to do next."""
    from entrygo.client import ExecuteUnconfirmed

    details: dict[str, Any] | None = dict(error.details) if error.details else None
    if isinstance(error, ExecuteUnconfirmed):
        details = {"batchId": error.batch_id, "idempotencyKey": error.idempotency_key,
                   "currentState": error.current_state}
    code = error.code or _client_side_code(error)
    message = error.message if error.code else str(error)
    return Failure(exit_code_of(error), code, message, field=error.field, details=details,
                   request_id=error.request_id, hint=hint_for(error, batch_id, server))


def hint_for(error: EntryGoError, batch_id: str | None, server: str | None = None
             ) -> str | None:
    """What to do next, for people: the automation guide's table, per error code."""
    from entrygo.client import (
        APIConnectionError,
        ExecuteUnconfirmed,
        ExportBlocked,
        InvalidExportState,
        OrderLocked,
        OrdersAlreadyExported,
        ReviewNotAcknowledged,
    )

    batch = batch_id or "BATCH"
    if isinstance(error, ExecuteUnconfirmed):
        return (f"the execute may or may not have happened (the batch is "
                f"{error.current_state or 'unknown'}): run the same command again with "
                f"--idempotency-key {error.idempotency_key}; it can only complete the first "
                "attempt, never make a second export")
    if isinstance(error, APIConnectionError):
        return (f"is an EntryGo server running at {server or 'the base URL'}? (--base-url, "
                "ENTRYGO_BASE_URL, or entrygo login)")
    if isinstance(error, InvalidExportState):
        return (f"the batch is {error.current_state or 'not PLANNED'}: nothing to execute; "
                f"`entrygo exports inspect {batch}` shows what happened")
    if isinstance(error, ExportBlocked):
        return (f"blocking: {', '.join(error.blocking_codes) or '?'}; fix them and plan "
                "again (entrygo exports plan ... --batch " + batch + ")")
    if isinstance(error, ReviewNotAcknowledged):
        flags = " ".join(f"--acknowledge {c}" for c in error.unacknowledged_codes)
        return f"the account requires every warning to be acknowledged: add {flags}"
    if isinstance(error, OrdersAlreadyExported):
        return (f"{', '.join(error.order_ids)} went out in another batch: plan again (they "
                "are then excluded)")
    if isinstance(error, OrderLocked):
        return (f"{', '.join(error.external_ids)} belong to an executed export and cannot "
                "change: leave them out of the file")
    return {
        "INVALID_API_KEY": "the key is missing, revoked or expired: entrygo login --api-key KEY",
        "INVALID_ACCOUNT_SCOPE": "that id belongs to another account (or warehouse) than the "
                                 "key's",
        "NOT_FOUND": "no such id in this key's account and mode (a test key sees test-mode "
                     "objects only)",
        "PLAN_STALE": "the orders or products changed since planning: plan again "
                      f"(entrygo exports plan ... --batch {batch}), review, execute the new "
                      "planHash",
        "PLAN_HASH_MISMATCH": f"the batch was planned again since: `entrygo exports inspect "
                              f"{batch}` and review its current plan",
        "IDEMPOTENCY_CONFLICT": "that idempotency key was used for another request: use a "
                                "new one",
    }.get(error.code or "")
