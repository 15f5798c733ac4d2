"""What the MCP tools answer: compact, decision-focused shapes (each tool publishes its own as
an output schema), in the API's camelCase field names so that an agent reading the docs finds
the same words (``planHash``, ``readinessState``). The full API documents stay one
``inspect_export`` away; these carry what an agent decides on.

A call that does not succeed answers an error result whose structured content is a
``Refusal`` (the operator's policy said no) or an ``ApiFailure`` (EntryGo said no).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              serialize_by_alias=True)


# --- sync_orders ------------------------------------------------------------------------------

class SyncedOrder(Out):
    id: str = Field(description="The EntryGo order id (ord_…): plan with it.")
    external_id: str
    sync_status: Literal["created", "updated", "unchanged"]
    total_value_usd: float


class SyncResult(Out):
    orders: list[SyncedOrder] = Field(description="In the order they were sent.")
    created: int
    updated: int
    unchanged: int


# --- the decision surface ---------------------------------------------------------------------

class CodeGroup(Out):
    """Every finding of one code, with what to do about it."""

    code: str
    severity: Literal["blocking", "warning", "info"]
    count: int = Field(description="Findings of this code in the plan.")
    order_ids: list[str]
    product_ids: list[str]
    fields: list[str] = Field(description="The data fields responsible.")
    fires_when: str = Field(description="The rule, from the readiness catalogue.")
    reference: str = Field(description="Its regulatory source.")
    what_to_fix: str
    messages: list[str] = Field(description="The first few messages, for people.")


class Exclusion(Out):
    order_id: str
    reason: str
    codes: list[str]


class Totals(Out):
    order_count: int
    line_count: int
    unit_count: int
    value_usd: float
    net_weight_kg: float


class Violation(Out):
    code: str
    reason: str
    allowed_if: str = Field(description="What would allow the call.")
    setting: str | None = Field(description="The policy setting that decided, if one did.")
    details: dict[str, Any]


class PolicyCheck(Out):
    """What the guard would say to execute_export on this plan now."""

    execute_allowed: bool
    violations: list[Violation]


class Review(Out):
    """A plan as a decision surface: its state, its findings grouped by code with what to fix,
    the next action, and the planHash a decision is bound to."""

    export_id: str | None = Field(description="The batch; null for a dry run (plan again "
                                  "with dry_run false to get one).")
    dry_run: bool
    state: str | None = Field(description="The batch's lifecycle state (PLANNED, COMPLETED…).")
    plan_hash: str
    readiness_state: Literal["READY", "REVIEW_REQUIRED", "BLOCKED"]
    next_recommended_action: str
    next_step: str = Field(description="What to do next, under this server's policy.")
    included_order_ids: list[str]
    excluded: list[Exclusion]
    totals: Totals
    codes: list[CodeGroup] = Field(description="Blocking first, then warnings, then info.")
    flags: list[str] = Field(description="Treatment flags for the broker (SECTION_232_STEEL…).")
    rules_version: str
    policy: PolicyCheck | None = Field(description="The guard's verdict on executing this "
                                       "plan; null for a dry run.")


# --- execute, inspect, package ----------------------------------------------------------------

class Artifact(Out):
    filename: str
    artifact_type: str
    sha256: str
    size_bytes: int


class Submission(Out):
    status: str
    recipient_email: str
    transport: str | None
    attempts: int


class Executed(Out):
    export_id: str
    state: str
    plan_hash: str
    customs_package_id: str
    package_number: str
    artifacts: list[Artifact]
    broker_submission: Submission
    acknowledged_codes: list[str] = Field(description="The warning codes accepted under the "
                                          "policy, recorded with the export.")
    reviewed_by: str = Field(description="Recorded with the export as who reviewed the plan.")


class TimelineEvent(Out):
    type: str
    occurred_at: str


class Inspected(Out):
    export_id: str
    state: str
    plan_hash: str
    readiness_state: str
    superseded_by: str | None
    totals: Totals
    customs_package_id: str | None
    customs_package_state: str | None
    artifacts: list[Artifact]
    broker_submission: Submission | None
    executed_at: str | None
    timeline: list[TimelineEvent] = Field(description="Oldest first.")


class Package(Out):
    id: str
    export_batch_id: str
    package_number: str
    state: str
    artifacts: list[Artifact]
    broker_submission: Submission | None


# --- list_products_needing_data ----------------------------------------------------------------

class Need(Out):
    code: str
    severity: Literal["blocking", "warning", "info"]
    field: str | None
    message: str


class ProductNeeds(Out):
    id: str
    external_id: str
    title: str
    readiness_state: Literal["READY", "REVIEW_REQUIRED", "BLOCKED"]
    needs: list[Need]


class ProductsNeedingData(Out):
    products: list[ProductNeeds]
    scanned: int = Field(description="Products read to find these.")
    complete: bool = Field(description="False when the scan stopped at its limit.")
    rule: str = Field(description="How to fill the data: never invent customs data.")


# --- when a call does not succeed -------------------------------------------------------------

class AgentIdentity(Out):
    id: str | None
    client_name: str | None
    client_version: str | None


class Refusal(Out):
    """The operator's policy refused the call. ``code`` (the first of ``violations``) is what
    to branch on, ``allowedIf`` what would allow it. Recorded in the account's event feed as
    AGENT_CALL_REFUSED (``eventId``)."""

    refused: Literal[True] = True
    tool: str
    code: str
    reason: str
    allowed_if: str
    setting: str | None
    details: dict[str, Any]
    violations: list[Violation]
    export_id: str | None
    agent: AgentIdentity
    event_id: str | None = Field(description="The AGENT_CALL_REFUSED event; null when it "
                                 "could not be recorded.")
    record_error: str | None = None


class ApiFailure(Out):
    """EntryGo answered with an error (or did not answer). Branch on ``errorCode``, never on
    ``message``."""

    error: Literal[True] = True
    tool: str
    status: int | None
    error_code: str | None
    message: str
    field: str | None
    details: dict[str, Any]
    request_id: str | None
    agent_action: str = Field(description="What the automation guide says to do.")
