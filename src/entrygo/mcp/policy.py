"""The operator's policy for an agent, and the guard's judgement of a call against it.

A policy is a TOML or JSON file (``--policy FILE`` or ``ENTRYGO_MCP_POLICY``) whose settings an
``ENTRYGO_MCP_<SETTING>`` environment variable overrides, so a deployment can tighten one
setting without editing the file. Without a file every setting has its safe default: the agent
may read, sync and plan, and may not execute.

Judging is pure: it takes the policy and what EntryGo said (the stored plan, as inspect shows
it) and returns the violations, each with a code an agent can branch on, a reason, and what
would allow the call. The server module turns them into refusals and records them.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from entrygo.exports.schemas import PlanFields
from entrygo.readiness.catalogue import CATALOGUE

TOOLS = ("sync_orders", "plan_export", "review_readiness", "execute_export", "inspect_export",
         "get_customs_package", "list_products_needing_data")
"""Every tool the MCP server has, in the order of the control loop."""

ENV_PREFIX = "ENTRYGO_MCP_"
REFUSAL_CODES = ("TOOL_NOT_ALLOWED", "EXECUTE_DISABLED", "PLAN_HASH_REQUIRED", "PLAN_HASH_STALE",
                 "READINESS_BLOCKED", "REVIEW_REQUIRED_NOT_ALLOWED", "CODES_NOT_ACCEPTED",
                 "VALUE_CEILING_EXCEEDED", "ORDER_LIMIT_EXCEEDED")
"""Every code a refusal can carry (docs/guides/automation-agents.md lists what each means)."""


def _names(value: Any) -> Any:
    """A list from the environment as ``a,b,c`` (a file gives a real list)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class Policy(BaseSettings):
    """What the operator allows an agent to do through this server."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    agent_id: str | None = Field(None, min_length=1, max_length=200, description=(
        "The operator's name for the agent, recorded with every refusal and as reviewedBy of "
        "what it executes."))
    tools: Annotated[tuple[str, ...], NoDecode] = Field(TOOLS, description=(
        "The tools the agent may call; any other is refused."))
    allow_execute: bool = Field(False, description="Whether the agent may execute at all.")
    allow_review_required: bool = Field(False, description=(
        "Whether a REVIEW_REQUIRED plan may be executed (only READY ones otherwise), when "
        "every warning code it has is in acceptable_codes."))
    acceptable_codes: Annotated[tuple[str, ...], NoDecode] = Field((), description=(
        "The warning codes the agent may accept by itself."))
    max_batch_value_usd: Decimal | None = Field(None, gt=0, description=(
        "The highest total value (USD, the plan's totals.valueUsd) of a batch the agent may "
        "execute."))
    max_orders_per_batch: int | None = Field(None, ge=1, description=(
        "The most orders the agent may plan or execute in one batch."))
    require_plan_hash: bool = Field(True, description=(
        "Whether execute_export must carry the planHash of the plan the agent reviewed."))

    @classmethod
    def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment over the file (the file's values come in as init arguments)."""
        return env_settings, init_settings

    _lists = field_validator("tools", "acceptable_codes", mode="before")(_names)

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(TOOLS))
        if unknown:
            raise ValueError(f"unknown tools {unknown}; the tools are {list(TOOLS)}")
        return value

    @field_validator("acceptable_codes")
    @classmethod
    def _warning_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """A typo in a safety setting must stop the server, not silently accept nothing."""
        for code in value:
            rule = CATALOGUE.get(code)
            if rule is None:
                raise ValueError(f"{code} is not a readiness code (/docs/concepts/readiness)")
            if rule.severity != "warning":
                raise ValueError(f"{code} is {rule.severity}, not a warning: only warnings can "
                                 "be accepted")
        return value

    def allows(self, tool: str) -> bool:
        return tool in self.tools

    def describe(self) -> dict[str, Any]:
        """The policy as an agent reads it (the ``entrygo://policy`` resource)."""
        data = self.model_dump(mode="json")
        if self.max_batch_value_usd is not None:
            data["max_batch_value_usd"] = float(self.max_batch_value_usd)
        return data


class PolicyError(ValueError):
    """A policy file or setting the server cannot start with."""


def load_policy(path: str | Path | None) -> Policy:
    """The policy of ``path`` (TOML, or JSON by its ``.json`` suffix) under the environment's
    overrides; without a path, the defaults under the overrides."""
    values: dict[str, Any] = {}
    if path is not None:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
            values = json.loads(text) if file.suffix == ".json" else tomllib.loads(text)
        except OSError as exc:
            raise PolicyError(f"cannot read the policy file {file}: {exc.strerror}") from exc
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(f"the policy file {file} is not valid: {exc}") from exc
        if not isinstance(values, dict):
            raise PolicyError(f"the policy file {file} must hold an object of settings")
    try:
        return Policy(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}"
                             for e in exc.errors())
        raise PolicyError(f"invalid policy: {problems}") from None


# --- judging a call -------------------------------------------------------------------------

@dataclass(frozen=True)
class Violation:
    """One reason the policy refuses a call: ``code`` to branch on, ``reason`` for people,
    ``allowed_if`` what would make the same call pass, ``setting`` the policy setting that
    decided."""

    code: str
    reason: str
    allowed_if: str
    setting: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def tool_violation(policy: Policy, tool: str) -> Violation | None:
    if policy.allows(tool):
        return None
    return Violation("TOOL_NOT_ALLOWED", f"This agent may not call {tool}.",
                     f"The operator adds {tool} to the policy's tools.", "tools",
                     {"allowedTools": list(policy.tools)})


def planning_violations(policy: Policy, order_count: int) -> list[Violation]:
    """A plan of more orders than the policy lets the agent execute is refused before it is
    made: a smaller batch keeps a mistake small and reviewable."""
    limit = policy.max_orders_per_batch
    if limit is not None and order_count > limit:
        return [_too_many(order_count, limit)]
    return []


def execution_violations(policy: Policy, provided_plan_hash: str | None,
                         stored: PlanFields | None) -> list[Violation]:
    """Everything that keeps the agent from executing this batch. ``stored`` is the batch's
    plan as EntryGo stores it, re-read just now; None to learn whether it needs reading at all
    (execution is off, or no planHash was given under ``require_plan_hash``)."""
    if not policy.allow_execute:
        return [Violation("EXECUTE_DISABLED", "This agent may not execute exports.",
                          "A person executes the batch, or the operator sets allow_execute.",
                          "allow_execute")]
    if provided_plan_hash is None and policy.require_plan_hash:
        return [Violation("PLAN_HASH_REQUIRED",
                          "execute_export must carry the planHash of the plan that was "
                          "reviewed.",
                          "Call review_readiness, decide on that plan, and send its planHash.",
                          "require_plan_hash")]
    if stored is None:
        return []
    found: list[Violation] = []
    if provided_plan_hash is not None and provided_plan_hash != stored.plan_hash:
        found.append(Violation(
            "PLAN_HASH_STALE", "The batch's plan is no longer the one that was reviewed: it "
            "was planned again since.",
            "Review the current plan (review_readiness) and decide again; never copy the new "
            "planHash without reviewing it.", "require_plan_hash",
            {"providedPlanHash": provided_plan_hash, "storedPlanHash": stored.plan_hash}))
    found += readiness_violations(policy, stored.readiness_state, codes_of(stored, "blocking"),
                                  codes_of(stored, "warning"))
    value = Decimal(str(stored.totals.value_usd))
    ceiling = policy.max_batch_value_usd
    if ceiling is not None and value > ceiling:
        found.append(Violation(
            "VALUE_CEILING_EXCEEDED", f"The batch is worth {_usd(value)} USD; this agent may "
            f"execute at most {_usd(ceiling)} USD per batch.",
            "A person executes it, or it is planned as smaller batches under the ceiling.",
            "max_batch_value_usd",
            {"valueUsd": float(value), "maxBatchValueUsd": float(ceiling)}))
    limit = policy.max_orders_per_batch
    if limit is not None and stored.totals.order_count > limit:
        found.append(_too_many(stored.totals.order_count, limit))
    return found


def readiness_violations(policy: Policy, state: str, blocking: Sequence[str],
                         warnings: Sequence[str]) -> list[Violation]:
    """What the readiness of a plan alone says: never BLOCKED; REVIEW_REQUIRED only when the
    policy allows it and accepts every warning code present."""
    if state == "BLOCKED":
        return [Violation(
            "READINESS_BLOCKED", "The plan is BLOCKED: it cannot be executed.",
            "Fix the blocking findings (review_readiness lists what to fix) and plan again.",
            None, {"blockingCodes": sorted(set(blocking))})]
    if state != "REVIEW_REQUIRED":
        return []
    present = sorted(set(warnings))
    if not policy.allow_review_required:
        return [Violation(
            "REVIEW_REQUIRED_NOT_ALLOWED", "The plan is REVIEW_REQUIRED and this agent may "
            "execute READY plans only.",
            "A person reviews the warnings and executes, or the operator sets "
            "allow_review_required and lists the codes in acceptable_codes.",
            "allow_review_required", {"warningCodes": present})]
    unaccepted = [code for code in present if code not in policy.acceptable_codes]
    if unaccepted:
        return [Violation(
            "CODES_NOT_ACCEPTED", "The plan has warnings this agent may not accept by itself: "
            + ", ".join(unaccepted) + ".",
            "A person reviews them and executes, or the operator adds them to "
            "acceptable_codes.", "acceptable_codes",
            {"unacceptedCodes": unaccepted, "acceptableCodes": list(policy.acceptable_codes)})]
    return []


def _usd(amount: Decimal) -> str:
    return f"{amount:.2f}".removesuffix(".00")


def _too_many(count: int, limit: int) -> Violation:
    return Violation("ORDER_LIMIT_EXCEEDED", f"The batch has {count} orders; this agent may "
                     f"handle at most {limit} per batch.",
                     f"Plan at most {limit} orders per batch.", "max_orders_per_batch",
                     {"orderCount": count, "maxOrdersPerBatch": limit})


def codes_of(plan: PlanFields, severity: str) -> list[str]:
    """The distinct codes of one severity in a plan, sorted."""
    return sorted({m.code for m in plan.validation_messages if m.severity == severity})
