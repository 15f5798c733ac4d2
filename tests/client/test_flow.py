"""The first-export guide through the Python SDK, against a live server over real HTTP, with a
real SMTP server taking the broker's email."""

from __future__ import annotations

import hashlib
import re
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from entrygo.client import EntryGo, NotFound
from entrygo.exports.schemas import ExecuteOut, InspectOut, PlanOut
from tests.support.sdk import Tenant, guide_order, set_up
from tests.support.world import product

SDK_PAGE = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def test_the_first_export_guide_through_the_sdk(sdk: EntryGo, merchant: Tenant, smtp: Any,
                                                tmp_path: Path) -> None:
    # 2. verify authentication: the key's account, read by the client itself
    assert sdk.system.health()["accountId"] == merchant.account_id
    assert sdk.account.get().id == merchant.account_id
    setup = set_up(sdk)  # the product setup flow: warehouse, broker, one product
    assert sdk.account_id == merchant.account_id

    # 3. sync the first order (a float amount and the guide's camelCase keys as they are)
    orders = sdk.orders.sync([guide_order(setup.product_id)], idempotency_key="orders-001")
    order = orders[0]
    assert order.id.startswith("ord_") and order.sync_status == "created"
    assert str(order.total_value_usd) == "110"
    again = sdk.orders.sync([guide_order(setup.product_id)], idempotency_key="orders-001")
    assert again == orders  # replayed: the first answer, not "unchanged"

    # 4. plan (a dry run first: the same hash, nothing stored), 5. review readiness
    look = sdk.exports.dry_run(warehouse_id=setup.warehouse_id, broker_id=setup.broker_id,
                               order_ids=[order.id], destination_country="US")
    assert look.export_id is None
    plan = sdk.exports.plan(warehouse_id=setup.warehouse_id, broker_id=setup.broker_id,
                            order_ids=[order.id], destination_country="US",
                            idempotency_key="plan-001")
    assert isinstance(plan, PlanOut) and plan.plan_hash == look.plan_hash
    assert plan.readiness_state == "REVIEW_REQUIRED"
    assert plan.next_recommended_action == "review_flags_then_execute"
    assert {m.code for m in plan.validation_messages} >= {"METALS_REVIEW_RECOMMENDED"}
    assert plan.included_order_ids == [order.id]

    # 6. execute the plan reviewed, exactly once
    done = sdk.exports.execute(plan.export_id, plan_hash=plan.plan_hash,
                               idempotency_key=f"execute-{plan.export_id}")
    assert isinstance(done, ExecuteOut)
    assert done.state == "COMPLETED" and done.plan_hash == plan.plan_hash
    assert done.broker_submission.status == "sent"
    assert done.broker_submission.recipient_email == "broker@example.com"
    assert len(smtp.accepted) == 2  # the broker's package and the warehouse's notice
    assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1

    # 7. inspect: the canonical state, and the timeline
    state = sdk.exports.inspect(plan.export_id)
    assert isinstance(state, InspectOut)
    assert state.state == "COMPLETED" and state.customs_package_id == done.customs_package_id
    assert state.customs_package is not None and state.customs_package.state == "sent_to_broker"
    assert {"EXPORT_PLANNED", "EXPORT_EXECUTED", "BROKER_NOTIFIED"} <= {
        e.type for e in state.events}
    assert sdk.exports.wait(plan.export_id, until="BROKER_NOTIFIED", timeout=10).state == (
        "COMPLETED")

    # 8. the customs package, and every artifact downloaded with its sha256 checked
    folder = tmp_path / "downloads"
    folder.mkdir()
    package = sdk.packages.get(done.customs_package_id)
    assert package.export_batch_id == plan.export_id
    names = {a.filename for a in package.artifacts}
    assert {"manifest.json", "commercial_invoice.pdf", "entry_lines.csv"} <= names
    for artifact in package.artifacts:
        path = sdk.packages.download(package.id, artifact.filename, to=folder)
        assert path == folder / artifact.filename
        assert hashlib.sha256(path.read_bytes()).hexdigest() == artifact.sha256
        assert path.stat().st_size == artifact.size_bytes
    manifest = sdk.packages.download_bytes(package.id, "manifest.json")
    assert manifest == (folder / "manifest.json").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no temp files left

    # the event feed tells the same story
    executed = list(sdk.events.list(types=["EXPORT_EXECUTED"], export_id=plan.export_id))
    assert [e.export_id for e in executed] == [plan.export_id]
    assert [b.export_id for b in sdk.exports.list(state="COMPLETED")] == [plan.export_id]


def test_lists_follow_the_cursor_across_pages(sdk: EntryGo) -> None:
    setup = set_up(sdk)
    more = sdk.products.sync([product(f"SKU-{n}") for n in range(2, 6)])
    orders = sdk.orders.sync([guide_order(setup.product_id, f"ord-{n}") for n in range(5)])

    listed = list(sdk.products.list(limit=2))
    assert [p.external_id for p in listed] == [p.external_id for p in reversed(more)] + [
        "SKU-1"]  # newest first, every product once
    pages = list(sdk.products.list(limit=2).pages())
    assert [len(p.data) for p in pages] == [2, 2, 1]
    assert [p.has_more for p in pages] == [True, True, False]

    assert [o.id for o in sdk.orders.list(limit=3)] == [o.id for o in reversed(orders)]
    assert [o.external_id for o in sdk.orders.list(external_id="ord-3")] == ["ord-3"]
    assert sdk.orders.get(orders[0].id).external_id == "ord-0"
    assert [w.id for w in sdk.warehouses.list(limit=1)] == [setup.warehouse_id]

    synced = list(sdk.events.list(types=["PRODUCTS_SYNCED", "ORDERS_SYNCED"], limit=1))
    assert [e.type for e in synced] == ["ORDERS_SYNCED", "PRODUCTS_SYNCED", "PRODUCTS_SYNCED"]

    # a ranked list pages too: the tariff schedule's search
    hits = list(islice(sdk.tariff.search("vacuum bottle", limit=3), 7))
    assert len(hits) == 7 and len({h.hts_code for h in hits}) == 7
    line = sdk.tariff.line(hits[0].dotted)
    assert line.hts_code == hits[0].hts_code

    lazy = sdk.orders.list()  # nothing is fetched until iterated
    assert next(iter(lazy)).id == orders[-1].id


def test_a_product_patch_answers_its_readiness(sdk: EntryGo) -> None:
    synced = sdk.products.sync([product("BARE", htsCode=None)])
    assert synced[0].readiness.state == "BLOCKED"
    assert "HTS_MISSING" in {m.code for m in sdk.products.readiness(synced[0].id).messages}
    fixed = sdk.products.update(synced[0].id, hts_code="7323.93.0045")
    assert fixed.hts_code == "7323930045" and fixed.readiness.state != "BLOCKED"
    assert sdk.products.get(synced[0].id).updated_at == fixed.updated_at
    assert list(sdk.products.list(external_id="NOT-THERE")) == []
    with pytest.raises(NotFound) as missing:
        sdk.products.get("prod_01kz000000000000000000000")
    assert missing.value.status == 404 and missing.value.request_id


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the page, not the storage
def test_the_sdk_page_runs_as_written(sdk: EntryGo, merchant: Tenant, smtp: Any,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    setup = set_up(sdk)
    found = re.search(r"## A complete first export.*?```python\n(.*?)```",
                      SDK_PAGE.read_text(encoding="utf-8"), re.S)
    assert found is not None
    for name, value in {"ENTRYGO_BASE_URL": merchant.base_url, "ENTRYGO_API_KEY": merchant.key,
                        "ENTRYGO_WAREHOUSE_ID": setup.warehouse_id,
                        "ENTRYGO_BROKER_ID": setup.broker_id,
                        "ENTRYGO_PRODUCT_ID": setup.product_id}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")

    exec(compile(found.group(1), str(SDK_PAGE), "exec"), {"__name__": "sdk_page"})

    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"account {merchant.account_id}"
    assert any(line.startswith("warning METALS_REVIEW_RECOMMENDED") for line in printed)
    assert asked == ["Execute? [y/N] "]  # REVIEW_REQUIRED: a person said yes
    assert printed[-1] == "COMPLETED sent sent_to_broker"
    [batch] = sdk.exports.list()
    package_id = sdk.exports.inspect(batch.export_id).customs_package_id
    assert package_id is not None
    package = sdk.packages.get(package_id)
    assert sorted(p.name for p in (tmp_path / "customs-package").iterdir()) == sorted(
        a.filename for a in package.artifacts)
    assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1
