"""The first export through a client generated from EntryGo's published OpenAPI document.

Generate the client, then run this script with the variables ``entrygo demo`` exports:

    openapi-python-client generate --url "$ENTRYGO_BASE_URL/docs/api/openapi" \\
        --meta none --output-path entrygo_client
    python first_export.py

It syncs one order, plans it (a dry run first), executes the plan it reviewed (by planHash),
inspects the batch and downloads every artifact of the customs package, checking each sha256
against the package's inventory. Every call answers either its documented model or the one
``Error`` model; the script type-checks under ``mypy --strict`` (the test suite generates the
client from a live server, type-checks this file and runs it:
tests/contract/test_contract_tools.py).
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from typing import TypeVar

from entrygo_client import AuthenticatedClient
from entrygo_client.api.exports import (
    download_artifact,
    execute_export,
    get_customs_package,
    inspect_export,
    plan_export,
)
from entrygo_client.api.orders import sync_orders
from entrygo_client.api.system import check_health
from entrygo_client.models import (
    CustomsPackageOut,
    DryRunPlanOut,
    Error,
    ExecuteOut,
    ExecuteRequest,
    ExportState,
    Health,
    InspectOut,
    LineIn,
    OrderIn,
    OrderSync,
    OrderSyncResult,
    PlanOut,
    PlanRequest,
)
from entrygo_client.types import File

T = TypeVar("T")


class Failed(Exception):
    """A call answered something other than what the step expects."""


def expect(answer: object, kind: type[T]) -> T:
    """The answer as the model the step expects; the error envelope, readably, otherwise."""
    if isinstance(answer, kind):
        return answer
    if isinstance(answer, Error):
        raise Failed(f"{answer.error_code}: {answer.message} (request {answer.request_id})")
    raise Failed(f"expected {kind.__name__}, got {answer!r}")


def main() -> int:
    client = AuthenticatedClient(base_url=os.environ["ENTRYGO_BASE_URL"],
                                 token=os.environ["ENTRYGO_API_KEY"])
    account = os.environ["ENTRYGO_ACCOUNT_ID"]
    run = uuid.uuid4().hex[:12]  # keys and ids of this run: the script can run again

    health = expect(check_health.sync(client=client), Health)
    print(f"authenticated: account {health.account_id}, key {health.api_key.id}")

    synced = expect(sync_orders.sync(client=client, idempotency_key=f"orders-{run}", body=OrderSync(
        account_id=account,
        items=[OrderIn(external_id=f"client-{run}", destination_country="US",
                       destination_region="CA", destination_postal_code="94105",
                       items=[LineIn(product_id=os.environ["ENTRYGO_PRODUCT_ID"], quantity=1,
                                     unit_value_usd=110)])])), OrderSyncResult)
    order_id = synced.data[0].id
    print(f"order synced: {order_id}")

    request = PlanRequest(account_id=account, warehouse_id=os.environ["ENTRYGO_WAREHOUSE_ID"],
                          broker_id=os.environ["ENTRYGO_BROKER_ID"], order_ids=[order_id])
    request.dry_run = True
    dry = expect(plan_export.sync(client=client, body=request), DryRunPlanOut)
    print(f"dry run: {dry.readiness_state}, nothing stored")

    request.dry_run = False
    plan = expect(plan_export.sync(client=client, body=request,
                                   idempotency_key=f"plan-{run}"), PlanOut)
    for message in plan.validation_messages:
        print(f"  {message.severity} {message.code}: {message.message}")
    if plan.readiness_state == "BLOCKED":
        raise Failed(f"plan {plan.export_id} is BLOCKED: fix the products and re-plan")
    print(f"planned: {plan.export_id} ({plan.readiness_state}, {plan.plan_hash})")

    done = expect(execute_export.sync(
        client=client, idempotency_key=f"execute-{run}",
        body=ExecuteRequest(account_id=account, batch_id=plan.export_id,
                            plan_hash=plan.plan_hash)), ExecuteOut)
    print(f"executed: {done.state}, package {done.customs_package_id}, "
          f"broker submission {done.broker_submission.status}")

    inspected = expect(inspect_export.sync(plan.export_id, client=client), InspectOut)
    if inspected.state != ExportState.COMPLETED:
        raise Failed(f"inspect says {inspected.state}")
    print("timeline: " + ", ".join(str(event.type_) for event in inspected.events))

    package = expect(get_customs_package.sync(done.customs_package_id, client=client),
                     CustomsPackageOut)
    for artifact in package.artifacts:
        answer = download_artifact.sync_detailed(package.id, artifact.filename, client=client)
        file = expect(answer.parsed, File)
        digest = hashlib.sha256(file.payload.read()).hexdigest()
        if digest != artifact.sha256:
            raise Failed(f"{artifact.filename}: sha256 {digest}, inventory {artifact.sha256}")
        print(f"downloaded {artifact.filename}: sha256 matches")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as failure:
        sys.exit(f"first export failed: {failure}")
