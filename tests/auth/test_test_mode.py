"""Test mode (docs/api/test-mode.md): a test key and a live key of one account see two worlds.

Every endpoint, called with a test key and the live mode's ids (and the reverse), answers 404
and changes nothing (the cross-account matrix, ``tests/auth/test_cross_account.py``); the two
modes' events, webhooks and account settings are apart; a test-mode
execute sends its mail to the test outbox only, never to the live SMTP server.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from entrygo.app import create_app
from tests.support import Flow, WebhookReceiver, execute, product


def settled_inspect(api: Any, batch_id: str, seconds: float = 20.0) -> dict[str, Any]:
    """Inspect once the broker email and the notifications are no longer queued."""
    deadline = time.monotonic() + seconds
    while True:
        doc = api.get(f"/api/exports/{batch_id}").json()
        pending = [doc["brokerSubmission"], *doc["notifications"]]
        if all(p["status"] == "sent" for p in pending):
            return doc
        assert time.monotonic() < deadline, pending
        time.sleep(0.05)


def test_a_test_mode_execute_never_reaches_the_live_mail_server(world, settings, db, smtp):
    app = create_app(settings.model_copy(update={"smtp_url": smtp.url}))
    with TestClient(app) as client:
        live = world.tenant(client)
        test = world.test_tenant(live)
        flow = Flow(test)
        batch = flow.plan([flow.order("o-1")]).json()["exportId"]
        r = execute(test, batch)
        assert r.status_code == 200 and r.json()["livemode"] is False, r.text
        doc = settled_inspect(test, batch)
        sub = doc["brokerSubmission"]
        assert (sub["delivery"], sub["transport"]) == ("test_outbox", "test_outbox")
        assert [n["delivery"] for n in doc["notifications"]] == ["test_outbox"] * len(
            doc["notifications"])
        assert doc["livemode"] is False
        sent = [e for e in doc["events"] if e["type"] == "BROKER_NOTIFIED"]
        assert [e["data"]["transport"] for e in sent] == ["test_outbox"]
        written = sorted(settings.test_outbox_dir.glob("*.eml"))
        assert len(written) == 1 + len(doc["notifications"])
        assert any(sub["message_id"].strip("<>") in p.read_text(errors="replace")
                   for p in written)
        assert smtp.accepted == []  # nothing reached the live server
        assert not settings.outbox_dir.exists()  # nor the live outbox folder

        # the live mode of the same account does reach it (it was listening all along)
        live_flow = Flow(live)
        live_batch = live_flow.plan([live_flow.order("o-1")]).json()["exportId"]
        assert execute(live, live_batch).json()["livemode"] is True
        live_doc = settled_inspect(live, live_batch)
        assert (live_doc["brokerSubmission"]["delivery"],
                live_doc["brokerSubmission"]["transport"]) == ("live", "smtp")
        assert len(smtp.accepted) == 1 + len(live_doc["notifications"])
        assert len(sorted(settings.test_outbox_dir.glob("*.eml"))) == len(written)
    app.state.db.dispose()


def test_events_and_webhooks_are_per_mode(world, client):
    live = world.tenant(client)
    test = world.test_tenant(live)
    receivers = {"live": WebhookReceiver().start(), "test": WebhookReceiver().start()}
    try:
        endpoints = {}
        for mode, api in (("live", live), ("test", test)):
            r = api.post("/api/webhook-endpoints", {"accountId": api.account_id,
                                                    "url": receivers[mode].url,
                                                    "enabledEvents": ["*"]})
            assert r.status_code == 201 and r.json()["livemode"] is (mode == "live"), r.text
            endpoints[mode] = r.json()
        assert test.sync_products(product("TEST-ONLY")).status_code == 200
        assert live.sync_products(product("LIVE-ONLY")).status_code == 200
        for mode in ("live", "test"):
            receivers[mode].wait_for(lambda m=mode: len(receivers[m].received) >= 1)
        time.sleep(0.3)  # a delivery across modes would have arrived by now
        for mode, api in (("live", live), ("test", test)):
            got = [r.verify(endpoints[mode]["secret"]) for r in receivers[mode].received]
            assert [(e["type"], e["livemode"]) for e in got] == [
                ("PRODUCTS_SYNCED", mode == "live")]
            synced = got[0]["data"]["products"]
            assert [p["externalId"] for p in synced] == [
                "LIVE-ONLY" if mode == "live" else "TEST-ONLY"]
            feed = api.get("/api/events").json()["data"]
            assert [e["id"] for e in feed] == [got[0]["id"]]
            assert api.get(f"/api/events/{got[0]['id']}").json() == feed[0]
            other = test if api is live else live
            assert other.get(f"/api/events/{got[0]['id']}").status_code == 404
            assert [e["id"] for e in other.get("/api/webhook-endpoints").json()["data"]] == [
                endpoints["test" if mode == "live" else "live"]["id"]]
    finally:
        for r in receivers.values():
            r.stop()


def test_account_settings_are_per_mode(world, client):
    live = world.tenant(client)
    live.client.patch("/api/account", json={"legalName": "Live Seller Ltd"},
                      headers=live.headers())
    test = world.test_tenant(live)  # starts from the live seller
    r = test.client.patch("/api/account", json={"legalName": "Sandbox Seller"},
                          headers=test.headers())
    assert r.status_code == 200, r.text
    got = {mode: api.get("/api/account").json() for mode, api in (("live", live),
                                                                   ("test", test))}
    assert (got["live"]["id"], got["live"]["livemode"], got["live"]["legalName"]) == (
        live.account_id, True, "Live Seller Ltd")
    assert (got["test"]["id"], got["test"]["livemode"], got["test"]["legalName"]) == (
        live.account_id, False, "Sandbox Seller")
    assert got["test"]["defaultImporterId"] != got["live"]["defaultImporterId"]
    health = test.get("/api/system/health").json()
    assert (health["accountId"], health["livemode"], health["apiKey"]["mode"]) == (
        live.account_id, False, "test")


def test_test_mode_endpoints_may_be_on_loopback_over_http(world, settings, db):
    """Live endpoints follow the settings (here: https and public addresses only); a test
    endpoint may also be a receiver on the developer's own machine."""
    app = create_app(settings.model_copy(update={"webhooks_allow_http_loopback": False}))
    with TestClient(app) as client:
        live = world.tenant(client)
        test = world.test_tenant(live)
        body = {"accountId": live.account_id, "url": "http://127.0.0.1:8080/hooks",
                "enabledEvents": ["*"]}
        refused = live.post("/api/webhook-endpoints", body)
        assert refused.status_code == 400 and refused.json()["field"] == "url", refused.text
        assert test.post("/api/webhook-endpoints", body).status_code == 201
        private = test.post("/api/webhook-endpoints", {**body, "url": "http://10.0.0.8/hooks"})
        assert private.status_code == 400 and private.json()["field"] == "url"
    app.state.db.dispose()
