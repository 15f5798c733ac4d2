"""A plan turned into the decision surface the automation guide describes: readiness state,
the findings grouped by code with what to fix (from the readiness catalogue, the same table
``/docs/concepts/readiness`` is generated from), the next action, and the planHash a decision
is bound to. Pure: a plan in, a ``Review`` out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from entrygo.exports.schemas import PlanFields, ValidationMessageOut
from entrygo.exports.states import ExportState
from entrygo.mcp import outputs
from entrygo.mcp.policy import Policy, Violation, execution_violations
from entrygo.readiness.catalogue import CATALOGUE, SEVERITY_RANK, Rule

MESSAGES_SHOWN = 3


def review(plan: PlanFields, policy: Policy, *, export_id: str | None, state: str | None
           ) -> outputs.Review:
    """The decision surface of a plan, with the guard's verdict on executing it (a persisted
    plan's; a dry run has nothing to execute)."""
    check = None
    if export_id is not None:
        found = execution_violations(policy, plan.plan_hash, plan)
        check = outputs.PolicyCheck(execute_allowed=not found,
                                    violations=[violation_out(v) for v in found])
    return outputs.Review(
        export_id=export_id, dry_run=export_id is None, state=state, plan_hash=plan.plan_hash,
        readiness_state=plan.readiness_state,
        next_recommended_action=plan.next_recommended_action,
        next_step=next_step(plan, export_id, state, check),
        included_order_ids=list(plan.included_order_ids),
        excluded=[outputs.Exclusion(order_id=e.order_id, reason=e.reason, codes=e.codes or [])
                  for e in plan.exclusions],
        totals=totals(plan), codes=grouped(plan.validation_messages),
        flags=sorted({f.flag for f in plan.flags}), rules_version=plan.rules_version,
        policy=check)


def totals(plan: PlanFields) -> outputs.Totals:
    t = plan.totals
    return outputs.Totals(order_count=t.order_count, line_count=t.line_count,
                          unit_count=t.unit_count, value_usd=t.value_usd,
                          net_weight_kg=t.net_weight_kg)


def violation_out(v: Violation) -> outputs.Violation:
    return outputs.Violation(code=v.code, reason=v.reason, allowed_if=v.allowed_if,
                             setting=v.setting, details=v.details)


def grouped(messages: Sequence[ValidationMessageOut]) -> list[outputs.CodeGroup]:
    """One group per code, blocking first, each with the orders, products and fields it
    names."""
    by_code: dict[str, list[ValidationMessageOut]] = {}
    for message in messages:
        by_code.setdefault(message.code, []).append(message)
    groups = []
    for code, found in by_code.items():
        rule = CATALOGUE.get(code)
        severity = found[0].severity
        orders = _unique(m.order_id for m in found) + _unique(
            o for m in found for o in (m.order_ids or []))
        products = _unique(m.product_id for m in found)
        fields = _unique(m.field for m in found) or ([rule.field] if rule and rule.field else [])
        groups.append(outputs.CodeGroup(
            code=code, severity=severity, count=len(found), order_ids=_unique(orders),
            product_ids=products, fields=fields,
            fires_when=rule.fires_when if rule else "",
            reference=rule.reference if rule else (found[0].reference or ""),
            what_to_fix=what_to_fix(code, severity, found[0].scope, fields, rule),
            messages=[m.message for m in found[:MESSAGES_SHOWN]]))
    groups.sort(key=lambda g: (SEVERITY_RANK[g.severity], g.code))
    return groups


def what_to_fix(code: str, severity: str, scope: str, fields: Sequence[str],
                rule: Rule | None) -> str:
    """The action a finding asks for, in the guide's terms (never invent customs data)."""
    named = ", ".join(fields) if fields else "the data the rule names"
    if severity == "info":
        return "Nothing: it explains the plan and changes nothing."
    if severity == "warning":
        return (f"Review it: {rule.fires_when if rule else code} Execute only once a person "
                f"approved it, or when the policy accepts {code}. Never change a declared "
                "value or customs data to make a warning go away.")
    if scope == "product" or (rule is not None and rule.product_level):
        return (f"Complete {named} of the product (PATCH /api/products/{{id}} or a product "
                "sync) from an authoritative source such as the merchant's catalogue; never "
                "invent customs data. Then plan again with batch_id.")
    if scope in ("order", "line"):
        return (f"Correct {named} of the order and sync it again (sync_orders), or leave the "
                "order out; then plan again with batch_id.")
    return (f"Correct {named} of the batch (warehouse, broker, importer of record or "
            "shipment), then plan again with batch_id.")


def next_step(plan: PlanFields, export_id: str | None, state: str | None,
              check: outputs.PolicyCheck | None) -> str:
    """The next call, bound to this plan's planHash."""
    if plan.readiness_state == "BLOCKED":
        return ("Do not execute. Report the blocking codes and missing data; once the data is "
                "fixed, plan again" + (f" with batch_id {export_id}." if export_id else "."))
    if export_id is None:
        return ("This was a dry run: call plan_export with dry_run false to make a batch "
                "(the same inputs give the same planHash), then review_readiness.")
    if state is not None and state != ExportState.PLANNED:
        return f"The batch is {state}: nothing to execute. Use inspect_export to follow it."
    if check is not None and not check.execute_allowed:
        first = check.violations[0]
        return (f"Do not execute by yourself ({first.code}): {first.allowed_if} Hand "
                f"exportId {export_id} and planHash {plan.plan_hash} to a person.")
    return (f"Call execute_export with export_id {export_id} and plan_hash {plan.plan_hash}, "
            "then inspect_export.")


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value is not None and value not in seen:
            seen.append(value)
    return seen
