"""The event feed (GET /api/events): every event the account records, newest first in commit
order, one documented shape per type, filters, scope; and paging that sees each event exactly
once while events are written concurrently."""

from __future__ import annotations

import random
import threading
import time

import pytest

from entrygo.events import service as events
from tests.support import Flow, check, execute


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def feed(api, query=""):
    r = api.get(f"/api/events{query}")
    assert r.status_code == 200, r.text
    return r.json()


def every(api, query="", limit=3):
    """The whole feed through the cursor, ``limit`` at a time."""
    out, cursor = [], None
    while True:
        page = feed(api, f"?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else ""))
        out += page["data"]
        if not page["has_more"]:
            return out
        cursor = page["next_cursor"]


def test_the_feed_shows_the_guide_flow_newest_first_with_filters(api, world, spec):
    flow = Flow(api)
    plan = flow.plan([flow.order("o-1")]).json()
    done = execute(api, plan["exportId"])
    assert done.status_code == 200, done.text
    api.post(f"/api/exports/{flow.plan([flow.order('o-2')]).json()['exportId']}/cancel")

    listed = every(api)
    types = [e["type"] for e in reversed(listed)]  # oldest first
    assert types[:2] == ["PRODUCTS_SYNCED", "ORDERS_SYNCED"]
    assert types[2:4] == ["EXPORT_BATCH_CREATED", "EXPORT_PLANNED"]
    assert {"CUSTOMS_PACKAGE_CREATED", "EXPORT_EXECUTED", "BROKER_NOTIFIED",
            "EXPORT_CANCELLED"} <= set(types)
    assert types.index("EXPORT_EXECUTED") < types.index("BROKER_NOTIFIED")
    assert len({e["id"] for e in listed}) == len(listed)
    check(spec, "get", "/api/events", 200, feed(api, "?limit=200"))
    # the timeline of inspect is the feed's events of that batch, in the same order
    timeline = api.get(f"/api/exports/{plan['exportId']}").json()["events"]
    mine = every(api, f"&exportId={plan['exportId']}")
    assert [e["id"] for e in reversed(mine)] == [e["id"] for e in timeline]
    assert {e["exportId"] for e in mine} == {plan["exportId"]}
    synced = [e for e in listed if e["type"] == "PRODUCTS_SYNCED"][-1]
    assert synced["exportId"] is None and synced["requestId"]
    assert synced["data"]["source"] == "sync" and synced["data"]["created"] == 2
    assert {p["syncStatus"] for p in synced["data"]["products"]} == {"created"}

    both = feed(api, "?type=EXPORT_PLANNED&type=EXPORT_CANCELLED&limit=200")["data"]
    assert sorted(e["type"] for e in both) == ["EXPORT_CANCELLED", "EXPORT_PLANNED",
                                               "EXPORT_PLANNED"]
    middle = listed[len(listed) // 2]["createdAt"]
    later = feed(api, f"?createdAfter={middle}&limit=200")["data"]
    assert later and all(e["createdAt"] > middle for e in later)
    # a re-sent unchanged order records nothing
    before = len(every(api))
    flow.order("o-1")
    assert len(every(api)) == before
    for query, path in [("?type=NOPE", "type.0"), ("?createdAfter=yesterday", "createdAfter"),
                        ("?createdAfter=0001-01-01T00:00:00%2B01:00", "createdAfter"),
                        ("?cursor=abc", "cursor")]:
        r = api.get(f"/api/events{query}")
        assert r.status_code == 400, r.text
        assert r.json()["details"]["issues"][0]["path"] in (path, path.split(".")[0])


def test_a_warehouse_key_sees_its_batches_and_the_sync_summaries(api, world):
    flow = Flow(api)
    other = world.warehouse(api.account_id, name="Other DC")
    mine = flow.plan([flow.order("o-1")]).json()["exportId"]
    theirs = flow.plan([flow.order("o-2")], warehouseId=other).json()["exportId"]
    scoped = api.as_key(world.key(api.account_id, warehouse_id=other))
    seen = every(scoped)
    assert {e["exportId"] for e in seen} == {None, theirs}
    assert {e["type"] for e in seen if e["exportId"] is None} == {"PRODUCTS_SYNCED",
                                                                  "ORDERS_SYNCED"}
    assert mine not in {e["exportId"] for e in seen}
    assert feed(scoped, f"?exportId={mine}")["data"] == []


WRITERS, PER_WRITER = 4, 250


def test_the_event_feed_pages_exactly_once_through_1000_events_written_concurrently_with_the_reads(
        api, db):
    """Four writers append 1,000 events in transactions of one to five events that sleep a
    moment before committing (commit order differs from the order the events were made in),
    while a reader pages the feed newest first, from the top down to the newest event it had
    already seen, again and again. It ends up with every event exactly once."""
    written: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def write(seed: int) -> None:
        rng = random.Random(seed)
        left = PER_WRITER
        while left:
            n = min(left, rng.randint(1, 5))
            with db.write() as s:
                events.record(s, account_id=api.account_id, request_id=f"w{seed}", events=[
                    ("ORDERS_SYNCED", {"source": "sync", "created": 1, "updated": 0,
                                       "unchanged": 0, "orders": []})] * n)
                time.sleep(rng.random() / 500)  # made now, committed a little later
            with lock:
                written.extend(["?"] * n)
            left -= n

    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(WRITERS)]
    for t in writers:
        t.start()
    threading.Thread(target=lambda: ([t.join() for t in writers], done.set())).start()

    seen: list[str] = []
    newest: str | None = None
    passes = 0
    while True:
        finished = done.is_set()
        passes += 1
        top, cursor = None, None
        while True:
            page = feed(api, "?limit=50" + (f"&cursor={cursor}" if cursor else ""))
            ids = [e["id"] for e in page["data"]]
            top = top or (ids[0] if ids else None)
            if newest in ids:
                seen += ids[:ids.index(newest)]
                break
            seen += ids
            if not page["has_more"]:
                break
            cursor = page["next_cursor"]
        newest = top or newest
        if finished:
            break
        time.sleep(0.02)  # well within the key's rate limit
    assert len(written) == WRITERS * PER_WRITER
    assert len(seen) == len(set(seen)) == WRITERS * PER_WRITER, (len(seen), len(set(seen)))
    everything = [e["id"] for e in every(api, "&type=ORDERS_SYNCED", limit=200)]
    assert sorted(seen) == sorted(everything)
    assert passes > 2, passes  # the reads really ran while the writes went on
    print(f"1,000 events in {passes} passes over the feed")
