"""The MCP server: the automation guide's control loop as tools, behind the operator's guard.

Every tool call passes the guard first (``policy``): a tool the policy does not allow, an
execute it does not allow, is refused before anything reaches EntryGo. A refusal answers an
error result whose structured content is a ``Refusal`` (code, reason, what would allow it), and
is recorded in the account's event feed as AGENT_CALL_REFUSED with the agent's identity: the
operator's ``agent_id`` and the name and version its MCP client announced when it connected.

``execute_export`` re-reads the batch (inspect) just before executing and judges the plan
EntryGo stores, not what the agent says about it; the execute then carries that plan's
``planHash``, so a plan changed between the check and the execute is refused by EntryGo
(PLAN_HASH_MISMATCH) rather than executed unchecked.

Everything goes to EntryGo over HTTP through the Python SDK (``entrygo.client``), one client per
MCP session.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.fastmcp.resources import FunctionResource
from mcp.server.session import ServerSession
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, WithJsonSchema
from starlette.requests import Request

from entrygo.client import AsyncEntryGo, EntryGoError, RetryPolicy
from entrygo.exports.schemas import ArtifactOut, BrokerSubmissionOut
from entrygo.mcp import outputs
from entrygo.mcp.policy import (
    Policy,
    Violation,
    codes_of,
    execution_violations,
    planning_violations,
    tool_violation,
)
from entrygo.mcp.recorder import Recorder, RecordFailed
from entrygo.mcp.resources import CATALOGUE_URI, POLICY_URI, catalogue, doc_pages
from entrygo.mcp.review import review, totals, violation_out
from entrygo.orders.schemas import OrderIn

log = logging.getLogger("entrygo.mcp")
T = TypeVar("T")
NAME = "entrygo"
SCANNED_AT_MOST = 5000
NEVER_INVENT = ("Fill customs data only from an authoritative source (the merchant's "
                "catalogue, a certificate); otherwise report what is missing and stop. Never "
                "invent it.")
INSTRUCTIONS = (
    "EntryGo files U.S. customs entries for cross-border e-commerce exports. The control loop: "
    "sync_orders, plan_export (a dry run first), review_readiness, execute_export with the "
    "planHash you reviewed, inspect_export. Branch on codes (readinessState, errorCode, a "
    "refusal's code), never on message texts. A refused call tells you what would allow it; "
    "do not work around the policy (entrygo://policy). Never invent customs data. The guide: "
    "entrygo://docs/guides/automation-agents.")


@dataclass(frozen=True)
class Config:
    """Where EntryGo is, as which key, under which policy."""

    base_url: str
    api_key: str
    policy: Policy
    timeout: float = 60.0
    retry: RetryPolicy | None = None


@dataclass
class Session:
    """What one MCP session talks to EntryGo with."""

    client: AsyncEntryGo
    recorder: Recorder


Ctx = Context[ServerSession, Session, Request]


# --- a call that does not succeed -----------------------------------------------------------

class ToolFailure(Exception):
    """Ends a tool call with an error result that carries a structured body."""

    def __init__(self, body: outputs.Refusal | outputs.ApiFailure) -> None:
        super().__init__(body.model_dump_json(by_alias=True))
        self.body = body

    def result(self) -> CallToolResult:
        data = self.body.model_dump(mode="json", by_alias=True)
        return CallToolResult(content=[TextContent(type="text", text=json.dumps(data, indent=2))],
                              structuredContent=data, isError=True)


class GuardedMCP(FastMCP[Session]):
    """FastMCP whose tools may end in a structured failure: a refusal or EntryGo's error
    becomes an error result with its body as structured content, which an agent can act on
    (a plain exception would reach it as a sentence)."""

    async def call_tool(self, name: str, arguments: dict[str, Any]  # type: ignore[override]
                        ) -> CallToolResult | Any:
        try:
            return await super().call_tool(name, arguments)
        except ToolError as exc:
            if isinstance(exc.__cause__, ToolFailure):
                return exc.__cause__.result()
            raise


AGENT_ACTIONS = {
    "INVALID_REQUEST": "The body was not JSON: fix the serialisation; do not resend unchanged.",
    "VALIDATION_ERROR": "Read details.issues (path, code) and fix every issue, then resend. If "
                        "the fix needs data you do not have, stop and report.",
    "INVALID_API_KEY": "Stop: the server's API key is missing, revoked or expired; a person "
                       "must provide one.",
    "INVALID_ACCOUNT_SCOPE": "Stop: field names a value outside the key's account or "
                             "warehouse; do not try other ids.",
    "NOT_FOUND": "The id does not exist for this account: re-read your stored ids; do not "
                 "guess ids.",
    "IDEMPOTENCY_CONFLICT": "The idempotency key was used for another request: do not retry "
                            "with it; find out why the payload changed.",
    "IDEMPOTENCY_IN_PROGRESS": "The first request with this key is still running: wait, then "
                               "call again with the same idempotency key.",
    "INVALID_EXPORT_STATE": "Inspect the batch: COMPLETED with your planHash means the "
                            "execute already happened; CANCELLED or FAILED means stop and "
                            "report; EXECUTING means wait and inspect again.",
    "PLAN_STALE": "The data under the plan changed: plan again (batch_id), review the new "
                  "plan, execute its planHash.",
    "PLAN_HASH_MISMATCH": "The batch was planned again: review its current plan "
                          "(review_readiness) and decide again.",
    "EXPORT_BLOCKED": "Do not retry: report details.blockingCodes; fix the data, then plan "
                      "again.",
    "REVIEW_NOT_ACKNOWLEDGED": "The account requires every warning to be acknowledged: a "
                               "person reviews details.unacknowledgedCodes.",
    "ORDERS_ALREADY_EXPORTED": "details.orderIds were exported in another batch: plan again "
                               "(they are then excluded) and report the overlap.",
    "ORDER_LOCKED": "details.externalIds belong to an executed export and cannot change: "
                    "leave them out and report; do not retry the change.",
    "PAYLOAD_TOO_LARGE": "Split the request: fewer orders per call.",
    "RATE_LIMITED": "Wait, then call again with the same idempotency key; reduce concurrency.",
    "INTERNAL_ERROR": "Call again with the same idempotency key; after a few attempts stop "
                      "and report the requestId.",
    "SERVICE_UNAVAILABLE": "The database is unreachable: wait, then call again with the same "
                           "idempotency key.",
}
NO_ANSWER = ("EntryGo did not answer. Call again with the same idempotency key (a write then "
             "replays or completes, never repeats); for an execute, inspect_export first.")


def api_failure(tool: str, error: EntryGoError) -> outputs.ApiFailure:
    action = AGENT_ACTIONS.get(error.code or "", NO_ANSWER if error.status is None else
                               "Report the errorCode and requestId to a person.")
    return outputs.ApiFailure(tool=tool, status=error.status, error_code=error.code,
                              message=error.message, field=error.field,
                              details=_jsonable(error.details), request_id=error.request_id,
                              agent_action=action)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(details, default=str))
    return loaded


# --- the server -------------------------------------------------------------------------------

def build_server(config: Config, *, host: str = "127.0.0.1", port: int = 8000) -> GuardedMCP:
    """The MCP server for one EntryGo key and one policy (``host``/``port``: for HTTP)."""
    policy = config.policy

    @asynccontextmanager
    async def connect(_: FastMCP[Session]) -> AsyncIterator[Session]:
        retry = config.retry or RetryPolicy()
        client = AsyncEntryGo(config.base_url, config.api_key, timeout=config.timeout,
                              retry=retry)
        recorder = Recorder(config.base_url, config.api_key, retry=retry)
        try:
            yield Session(client, recorder)
        finally:
            await recorder.aclose()
            await client.close()

    server = GuardedMCP(NAME, instructions=INSTRUCTIONS, lifespan=connect, host=host, port=port,
                        log_level="WARNING")

    def identity(ctx: Ctx) -> outputs.AgentIdentity:
        params = ctx.session.client_params
        info = params.clientInfo if params is not None else None
        return outputs.AgentIdentity(id=policy.agent_id,
                                     client_name=info.name if info else None,
                                     client_version=info.version if info else None)

    def reviewer(agent: outputs.AgentIdentity) -> str:
        """Who reviewed the plan, as the export records it."""
        client = " ".join(p for p in (agent.client_name, agent.client_version) if p)
        name = agent.id or "agent"
        return (f"{name} (MCP: {client})" if client else f"{name} (MCP)")[:200]

    async def refuse(ctx: Ctx, tool: str, found: list[Violation],
                     export_id: str | None = None) -> ToolFailure:
        """The refusal of a call, recorded in the feed (a refusal stands even when it cannot
        be recorded: the guard fails closed)."""
        session = ctx.request_context.lifespan_context
        agent = identity(ctx)
        first = found[0]
        event_id = error = None
        try:
            account = await session.client.resolve_account_id()
            event_id = await session.recorder.record({
                "accountId": account, "type": "AGENT_CALL_REFUSED",
                "agent": agent.model_dump(exclude_none=True, by_alias=True),
                "tool": tool, "code": first.code, "reason": first.reason,
                **({"exportId": export_id} if export_id else {}),
                "details": {**first.details, "violations": [v.code for v in found]}})
        except (RecordFailed, EntryGoError) as exc:
            error = f"the refusal could not be recorded: {exc}"
            log.warning("%s refused (%s); %s", tool, first.code, error)
        return ToolFailure(outputs.Refusal(
            tool=tool, code=first.code, reason=first.reason, allowed_if=first.allowed_if,
            setting=first.setting, details=first.details,
            violations=[violation_out(v) for v in found], export_id=export_id, agent=agent,
            event_id=event_id, record_error=error))

    async def guarded(ctx: Ctx, tool: str, work: Callable[[AsyncEntryGo], Awaitable[T]],
                      export_id: str | None = None) -> T:
        """Run a tool's work once the policy allows the tool; EntryGo's errors become
        structured failures."""
        refused = tool_violation(policy, tool)
        if refused is not None:
            raise await refuse(ctx, tool, [refused], export_id)
        try:
            return await work(ctx.request_context.lifespan_context.client)
        except EntryGoError as error:
            raise ToolFailure(api_failure(tool, error)) from error

    def tool(name: str, description: str, *, read_only: bool, idempotent: bool,
             destructive: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            text = description if policy.allows(name) else (
                "NOT ALLOWED for this agent by the operator's policy (a call is refused). "
                + description)
            server.add_tool(fn, name=name, description=text, annotations=ToolAnnotations(
                readOnlyHint=read_only, idempotentHint=idempotent,
                destructiveHint=destructive, openWorldHint=False), structured_output=True)
            return fn
        return register

    # --- tools --------------------------------------------------------------------------------

    @tool("sync_orders", "Create or update 1-1,000 orders by externalId, all or nothing "
          "(POST /api/orders/sync). Answers each order's EntryGo id (ord_…): plan with those "
          "ids. Pass idempotency_key to retry safely after a lost answer.",
          read_only=False, idempotent=True)
    async def sync_orders(ctx: Ctx, orders: OrdersInput,
                          idempotency_key: IdempotencyKey = None) -> outputs.SyncResult:
        async def work(client: AsyncEntryGo) -> outputs.SyncResult:
            synced = await client.orders.sync(orders, idempotency_key=idempotency_key)
            out = [outputs.SyncedOrder(id=o.id, external_id=o.external_id,
                                       sync_status=o.sync_status,
                                       total_value_usd=float(o.total_value_usd))
                   for o in synced]
            return outputs.SyncResult(
                orders=out, **{s: sum(o.sync_status == s for o in out)
                               for s in ("created", "updated", "unchanged")})
        return await guarded(ctx, "sync_orders", work)

    @tool("plan_export", "Plan an export batch of one conveyance from EntryGo order ids. A "
          "dry run by default: the whole judgement, nothing stored (exportId null); plan with "
          "dry_run false to make a batch to execute (unchanged inputs give the same planHash). "
          "batch_id re-plans a PLANNED batch after a fix. Answers the decision surface, as "
          "review_readiness does.", read_only=False, idempotent=False)
    async def plan_export(
            ctx: Ctx, warehouse_id: Annotated[str, Field(description="wh_…")],
            broker_id: Annotated[str, Field(description="br_…")],
            order_ids: Annotated[list[str], Field(min_length=1, max_length=10_000,
                                                  description="EntryGo order ids (ord_…).")],
            destination_country: str = "US", dry_run: bool = True,
            batch_id: Annotated[str | None, Field(description="Re-plan this PLANNED batch."
                                                  )] = None,
            exclude_blocked_orders: Annotated[bool, Field(description=(
                "Leave blocked orders out instead of blocking the batch; report every "
                "exclusion."))] = False,
            importer_id: str | None = None,
            idempotency_key: IdempotencyKey = None) -> outputs.Review:
        too_many = planning_violations(policy, len(order_ids))
        if too_many and policy.allows("plan_export"):
            raise await refuse(ctx, "plan_export", too_many, batch_id)
        fields: dict[str, Any] = {"warehouse_id": warehouse_id, "broker_id": broker_id,
                  "order_ids": order_ids, "destination_country": destination_country,
                  "batch_id": batch_id, "exclude_blocked_orders": exclude_blocked_orders,
                  "importer_id": importer_id, "idempotency_key": idempotency_key}

        async def work(client: AsyncEntryGo) -> outputs.Review:
            if dry_run:
                look = await client.exports.dry_run(**fields)
                return review(look, policy, export_id=None, state=None)
            plan = await client.exports.plan(**fields)
            return review(plan, policy, export_id=plan.export_id, state=str(plan.state))
        return await guarded(ctx, "plan_export", work, batch_id)

    @tool("review_readiness", "The decision surface of a planned batch, from the plan EntryGo "
          "stores: readinessState, the findings grouped by code with what to fix, the next "
          "action, the planHash a decision is bound to, and whether this server's policy "
          "lets you execute it (policy.executeAllowed, and why not).",
          read_only=True, idempotent=True)
    async def review_readiness(ctx: Ctx, export_id: ExportId) -> outputs.Review:
        async def work(client: AsyncEntryGo) -> outputs.Review:
            stored = await client.exports.inspect(export_id)
            return review(stored, policy, export_id=stored.export_id, state=str(stored.state))
        return await guarded(ctx, "review_readiness", work, export_id)

    @tool("execute_export", "Execute a PLANNED batch, exactly once: generates the customs "
          "package and sends it to the broker. Give the plan_hash of the plan you reviewed. "
          "The operator's policy decides whether you may (readiness, accepted warning codes, "
          "value ceiling, batch size); a refusal says what would allow it. Calling again "
          "with the same arguments after a lost answer is safe.",
          read_only=False, idempotent=True, destructive=True)
    async def execute_export(
            ctx: Ctx, export_id: ExportId,
            plan_hash: Annotated[str | None, Field(max_length=100, description=(
                "The planHash of the plan you reviewed (planhash_…)."))] = None,
            idempotency_key: IdempotencyKey = None) -> outputs.Executed:
        if policy.allows("execute_export"):
            early = execution_violations(policy, plan_hash, None)
            if early:
                raise await refuse(ctx, "execute_export", early, export_id)
        agent = identity(ctx)

        async def work(client: AsyncEntryGo) -> outputs.Executed:
            stored = await client.exports.inspect(export_id)
            found = execution_violations(policy, plan_hash, stored)
            if found:
                raise await refuse(ctx, "execute_export", found, export_id)
            accepted = (codes_of(stored, "warning")
                        if stored.readiness_state == "REVIEW_REQUIRED" else [])
            checked = stored.plan_hash  # the plan judged above, and no other, is executed
            done = await client.exports.execute(
                export_id, plan_hash=checked, acknowledged_codes=accepted or None,
                reviewed_by=reviewer(agent),
                idempotency_key=idempotency_key or f"agent-execute-{export_id}-{checked[9:25]}")
            return outputs.Executed(
                export_id=done.export_id, state=str(done.state), plan_hash=done.plan_hash,
                customs_package_id=done.customs_package_id,
                package_number=done.customs_package.package_number,
                artifacts=artifacts(done.artifacts),
                broker_submission=sent(done.broker_submission),
                acknowledged_codes=accepted, reviewed_by=reviewer(agent))
        return await guarded(ctx, "execute_export", work, export_id)

    @tool("inspect_export", "A batch as EntryGo stores it now: lifecycle state, planHash, "
          "customs package, artifacts, broker submission and timeline. The source of truth "
          "after an execute, and whenever an outcome is uncertain.",
          read_only=True, idempotent=True)
    async def inspect_export(ctx: Ctx, export_id: ExportId) -> outputs.Inspected:
        async def work(client: AsyncEntryGo) -> outputs.Inspected:
            batch = await client.exports.inspect(export_id)
            package = batch.customs_package
            return outputs.Inspected(
                export_id=batch.export_id, state=str(batch.state), plan_hash=batch.plan_hash,
                readiness_state=batch.readiness_state, superseded_by=batch.superseded_by,
                totals=totals(batch), customs_package_id=batch.customs_package_id,
                customs_package_state=package.state if package else None,
                artifacts=artifacts(batch.artifacts),
                broker_submission=submission(batch.broker_submission),
                executed_at=batch.executed_at,
                timeline=[outputs.TimelineEvent(type=e.type, occurred_at=e.occurred_at)
                          for e in batch.events])
        return await guarded(ctx, "inspect_export", work, export_id)

    @tool("get_customs_package", "A customs package (cp_…): its state, its artifacts "
          "(filename, sha256, size) and its broker submission.",
          read_only=True, idempotent=True)
    async def get_customs_package(
            ctx: Ctx, package_id: Annotated[str, Field(min_length=1, max_length=64,
                                                       description="cp_…")]
    ) -> outputs.Package:
        async def work(client: AsyncEntryGo) -> outputs.Package:
            package = await client.packages.get(package_id)
            return outputs.Package(
                id=package.id, export_batch_id=package.export_batch_id,
                package_number=package.package_number, state=package.state,
                artifacts=artifacts(package.artifacts),
                broker_submission=submission(package.broker_submission))
        return await guarded(ctx, "get_customs_package", work)

    @tool("list_products_needing_data", "Products whose customs data is incomplete: BLOCKED "
          "ones (and, with include_warnings, REVIEW_REQUIRED ones), each with the codes and "
          "fields it needs. " + NEVER_INVENT, read_only=True, idempotent=True)
    async def list_products_needing_data(
            ctx: Ctx, limit: Annotated[int, Field(ge=1, le=200)] = 50,
            include_warnings: bool = False) -> outputs.ProductsNeedingData:
        wanted = {"BLOCKED", "REVIEW_REQUIRED"} if include_warnings else {"BLOCKED"}
        severities = {"blocking", "warning"} if include_warnings else {"blocking"}

        async def work(client: AsyncEntryGo) -> outputs.ProductsNeedingData:
            found: list[outputs.ProductNeeds] = []
            scanned = 0
            complete = True
            async for product in client.products.list(limit=200):
                if len(found) >= limit or scanned >= SCANNED_AT_MOST:
                    complete = False
                    break
                scanned += 1
                readiness = product.readiness
                if readiness.state not in wanted:
                    continue
                found.append(outputs.ProductNeeds(
                    id=product.id, external_id=product.external_id, title=product.title,
                    readiness_state=readiness.state, needs=[
                        outputs.Need(code=m.code, severity=m.severity, field=m.field,
                                     message=m.message)
                        for m in readiness.messages if m.severity in severities]))
            return outputs.ProductsNeedingData(products=found, scanned=scanned,
                                               complete=complete, rule=NEVER_INVENT)
        return await guarded(ctx, "list_products_needing_data", work)

    # --- resources ----------------------------------------------------------------------------

    for page in doc_pages(config.base_url):
        server.add_resource(FunctionResource.from_function(
            page.read, uri=page.uri, name=page.name, title=page.title,
            description=page.description, mime_type="text/markdown"))
    server.add_resource(FunctionResource.from_function(
        lambda: json.dumps(catalogue(), indent=2),
        uri=CATALOGUE_URI, name="readiness-catalogue", title="Readiness rules",
        description="Every readiness code with its severity, when it fires, its field and its "
                    "source (the table /docs/concepts/readiness is generated from).",
        mime_type="application/json"))
    server.add_resource(FunctionResource.from_function(
        lambda: json.dumps(policy.describe(), indent=2),
        uri=POLICY_URI, name="policy", title="This agent's policy",
        description="What the operator allows this agent: tools, execution, readiness, "
                    "accepted warning codes, value ceiling, batch size.",
        mime_type="application/json"))
    return server


# --- tool argument types ------------------------------------------------------------------------

def request_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A request model's JSON schema with its references written out, to stand alone as the
    schema of one tool argument."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline({**defs[ref.removeprefix("#/$defs/")],
                               **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    inlined: dict[str, Any] = inline(schema)
    return inlined


OrdersInput = Annotated[list[dict[str, Any]], Field(min_length=1, max_length=1000),
                        WithJsonSchema({"type": "array", "minItems": 1, "maxItems": 1000,
                                        "items": request_schema(OrderIn),
                                        "description": "Orders as POST /api/orders/sync takes "
                                        "them (externalId, destination, items of productId, "
                                        "quantity, unitValueUsd)."})]
"""Orders in the API's own shape (``OrderIn``), checked by the SDK with the server's model."""
IdempotencyKey = Annotated[str | None, Field(min_length=1, max_length=255, description=(
    "Reuse it to retry a call whose answer was lost; a new intent needs a new key."))]
ExportId = Annotated[str, Field(min_length=1, max_length=64, description="batch_…")]


# --- answers ------------------------------------------------------------------------------------

def artifacts(found: list[ArtifactOut]) -> list[outputs.Artifact]:
    return [outputs.Artifact(filename=a.filename, artifact_type=a.artifact_type, sha256=a.sha256,
                             size_bytes=a.size_bytes) for a in found]


def submission(found: BrokerSubmissionOut | None) -> outputs.Submission | None:
    return None if found is None else sent(found)


def sent(found: BrokerSubmissionOut) -> outputs.Submission:
    return outputs.Submission(status=found.status, recipient_email=found.recipient_email,
                              transport=found.transport, attempts=found.attempts)
