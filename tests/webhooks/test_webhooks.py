"""Webhooks as a receiver sees them: the guide's flow (sync, plan, execute, inspect) POSTed to a
real HTTP server on loopback, every delivery verified with the Standard Webhooks library; a
receiver that fails twice gets the event on the third attempt, with the same webhook-id; a
rotated secret and the previous one both verify through the overlap; endpoints that fail for
long enough are disabled; the endpoints' API."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import WebhookVerificationError

from entrygo.app import create_app
from entrygo.webhooks.urls import UrlRules
from entrygo.webhooks.urls import check as check_url
from tests.support import Flow, WebhookReceiver, check, error, execute


@pytest.fixture
def receiver():
    r = WebhookReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def hooks(settings, db):
    """An app whose webhook retries are due at once (the test drives them with deliver_due)
    and whose endpoints are disabled after a failure streak of ``disable_after`` seconds."""
    apps = []

    def make(**changes):
        app = create_app(settings.model_copy(update={"webhooks_backoff_seconds": 0,
                                                     **changes}))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.db.dispose()


def register(api, url, events=("*",), **extra):
    r = api.post("/api/webhook-endpoints", {"accountId": api.account_id, "url": url,
                                            "enabledEvents": list(events), **extra})
    assert r.status_code == 201, r.text
    return r.json()


def settled(api, endpoint_id, count=None, seconds=20.0):
    """The endpoint's delivery log once no delivery is queued (and ``count`` are there)."""
    deadline = time.monotonic() + seconds
    while True:
        log = api.get(f"/api/webhook-endpoints/{endpoint_id}/deliveries?limit=200").json()
        rows = log["data"]
        if all(d["status"] != "queued" for d in rows) and (count is None or len(rows) == count):
            return rows
        assert time.monotonic() < deadline, rows
        time.sleep(0.05)


def test_the_guide_flow_arrives_signed_and_a_failing_receiver_gets_it_on_the_third_try(
        world, hooks, receiver):
    failures = {"left": 2}

    def answer(got):
        if got.event["type"] == "EXPORT_EXECUTED" and failures["left"]:
            failures["left"] -= 1
            return 500
        return 204

    receiver.answer = answer
    app = hooks()
    with TestClient(app) as client:
        api = world.tenant(client)
        spec = client.get("/docs/api/openapi").json()
        endpoint = register(api, receiver.url, description="dispatch board")
        check(spec, "post", "/api/webhook-endpoints", 201, endpoint)
        assert endpoint["secret"].startswith("whsec_") and endpoint["status"] == "enabled"
        flow = Flow(api)
        plan = flow.plan([flow.order("o-1")]).json()
        assert execute(api, plan["exportId"]).status_code == 200
        inspect = api.get(f"/api/exports/{plan['exportId']}").json()
        assert inspect["brokerSubmission"]["status"] == "sent"
        feed = api.get("/api/events?limit=200").json()["data"]
        rows = settled(api, endpoint["id"], count=len(feed))
        executed = next(d for d in rows if d["eventType"] == "EXPORT_EXECUTED")
        assert (executed["status"], executed["attempts"], executed["responseStatus"]) == (
            "retrying", 1, 500)
        assert executed["nextAttemptAt"] and executed["error"] == "HTTP 500"
        # the worker's sweeps (retries due at once here): a second 500, then delivered
        assert app.state.webhooks.deliver_due() == 1
        assert app.state.webhooks.deliver_due() == 1
        assert app.state.webhooks.deliver_due() == 0
        log = api.get(f"/api/webhook-endpoints/{endpoint['id']}/deliveries?limit=200").json()
        check(spec, "get", "/api/webhook-endpoints/{endpoint_id}/deliveries", 200, log)
        executed = next(d for d in log["data"] if d["eventType"] == "EXPORT_EXECUTED")
        assert (executed["status"], executed["attempts"], executed["responseStatus"]) == (
            "sent", 3, 204)
        assert executed["durationMs"] is not None and executed["nextAttemptAt"] is None
        assert {d["status"] for d in log["data"]} == {"sent"}

    # every request verifies with the library; each event arrived as the feed shows it
    by_id = {e["id"]: e for e in feed}
    for got in receiver.received:
        assert got.verify(endpoint["secret"]) == by_id[got.id]
        assert got.headers["webhook-id"] == got.event["id"]
        assert got.headers["content-type"] == "application/json"
    assert receiver.ids() == set(by_id)
    tries = [g for g in receiver.received if g.id == executed["eventId"]]
    assert len(tries) == 3 and len({g.body for g in tries}) == 1
    assert {"PRODUCTS_SYNCED", "ORDERS_SYNCED", "EXPORT_PLANNED", "CUSTOMS_PACKAGE_CREATED",
            "EXPORT_EXECUTED", "BROKER_NOTIFIED"} <= {g.event["type"] for g in tries + list(
                receiver.received)}


def test_rotate_secret_keeps_deliveries_verifiable_through_the_overlap(world, hooks, receiver):
    app = hooks()
    with TestClient(app) as client:
        api = world.tenant(client)
        endpoint = register(api, receiver.url, events=["PRODUCTS_SYNCED"])
        old = endpoint["secret"]
        rotated = api.post(f"/api/webhook-endpoints/{endpoint['id']}/rotate-secret")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["secret"]
        assert new != old and rotated.json()["previousSecretExpiresAt"]
        Flow(api)  # a product sync: one event
        receiver.wait_for(lambda: len(receiver.received) == 1)
        got = receiver.received[0]
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        assert got.verify(old) == got.verify(new)  # a receiver holding either secret
        # without overlap the previous secret stops signing at once
        again = api.post(f"/api/webhook-endpoints/{endpoint['id']}/rotate-secret",
                         {"overlapSeconds": 0}).json()
        assert again["previousSecretExpiresAt"] is None
        api.sync_products({"externalId": "NEW", "title": "Thing"})
        receiver.wait_for(lambda: len(receiver.received) == 2)
        last = receiver.received[1]
        assert last.verify(again["secret"])["type"] == "PRODUCTS_SYNCED"
        for stale in (old, new):
            with pytest.raises(WebhookVerificationError):
                last.verify(stale)
        # the secret is shown on create and rotate only
        shown = api.get(f"/api/webhook-endpoints/{endpoint['id']}").json()
        assert "secret" not in shown and again["secret"] not in str(shown)


def test_an_endpoint_failing_long_enough_is_disabled_with_an_event(world, hooks, receiver):
    receiver.answer = lambda got: 503
    app = hooks(webhooks_disable_after_seconds=0)  # the first failure is long enough here
    with TestClient(app) as client:
        api = world.tenant(client)
        failing = register(api, receiver.url, events=["PRODUCTS_SYNCED"])
        watcher = WebhookReceiver().start()
        try:
            told = register(api, watcher.url, events=["WEBHOOK_ENDPOINT_DISABLED"])
            Flow(api)
            watcher.wait_for(lambda: len(watcher.received) == 1)
        finally:
            watcher.stop()
        event = watcher.received[0].verify(told["secret"])
        assert event["type"] == "WEBHOOK_ENDPOINT_DISABLED" and event["exportId"] is None
        assert event["data"]["endpointId"] == failing["id"]
        assert event["data"]["reason"] == "failing" and event["data"]["lastError"] == "HTTP 503"
        shown = api.get(f"/api/webhook-endpoints/{failing['id']}").json()
        assert (shown["status"], shown["disabledReason"]) == ("disabled", "failing")
        (delivery,) = settled(api, failing["id"])
        # nothing is attempted while it is disabled; a forced retry says why
        assert app.state.webhooks.deliver_due() == 0
        r = api.post(f"/api/webhook-endpoints/{failing['id']}/deliveries/{delivery['id']}/retry")
        body = error(r, 409, "INVALID_DELIVERY_STATE")
        assert body["details"] == {"deliveryStatus": "retrying", "endpointStatus": "disabled"}
        # enabled again (its failures forgotten), a forced retry delivers now
        receiver.answer = lambda got: 200
        r = client.patch(f"/api/webhook-endpoints/{failing['id']}",
                         json={"disabled": False}, headers=api.headers())
        assert r.json()["status"] == "enabled" and r.json()["failingSince"] is None
        r = api.post(f"/api/webhook-endpoints/{failing['id']}/deliveries/{delivery['id']}/retry")
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["attempts"]) == ("sent", 2)
        error(api.post(f"/api/webhook-endpoints/{failing['id']}/deliveries/{delivery['id']}"
                       "/retry"), 409, "INVALID_DELIVERY_STATE")


def test_managing_endpoints(world, hooks, receiver):
    app = hooks()
    with TestClient(app) as client:
        api = world.tenant(client)
        spec = client.get("/docs/api/openapi").json()
        for url, why in [("http://10.9.9.9/hook", "https"), ("https://10.0.0.7/hook", "private"),
                         ("https://169.254.169.254/latest", "link-local"),
                         ("https://[::ffff:10.1.2.3]/x", "private"),
                         ("https://user:pw@example.com/", "credentials"),
                         ("ftp://example.com/", "https"), ("https://bad_host/", "host name")]:
            r = api.post("/api/webhook-endpoints", {"accountId": api.account_id, "url": url,
                                                    "enabledEvents": ["*"]})
            body = error(r, 400, "VALIDATION_ERROR", field="url")
            assert why in body["details"]["issues"][0]["message"], (url, body)
        for events, code in [(["*", "EXPORT_EXECUTED"], "invalid_value"),
                             (["EXPORT_EXECUTED", "EXPORT_EXECUTED"], "duplicate"),
                             (["NOPE"], "invalid_value"), ([], "too_small")]:
            r = api.post("/api/webhook-endpoints", {"accountId": api.account_id,
                                                    "url": receiver.url, "enabledEvents": events})
            assert error(r, 400, "VALIDATION_ERROR")["details"]["issues"][0]["code"] == code
        first = register(api, receiver.url, events=["EXPORT_EXECUTED"])
        second = register(api, receiver.url)
        listed = api.get("/api/webhook-endpoints").json()
        check(spec, "get", "/api/webhook-endpoints", 200, listed)
        assert [e["id"] for e in listed["data"]] == [second["id"], first["id"]]
        assert all("secret" not in e for e in listed["data"])
        r = client.patch(f"/api/webhook-endpoints/{first['id']}", headers=api.headers(),
                         json={"enabledEvents": ["*"], "description": "all", "disabled": True})
        assert r.status_code == 200, r.text
        check(spec, "patch", "/api/webhook-endpoints/{endpoint_id}", 200, r.json())
        assert (r.json()["enabledEvents"], r.json()["status"], r.json()["disabledReason"]) == (
            ["*"], "disabled", "manual")
        for cleared in ("url", "enabledEvents", "disabled"):
            r = client.patch(f"/api/webhook-endpoints/{first['id']}", headers=api.headers(),
                             json={cleared: None})
            assert error(r, 400, "VALIDATION_ERROR", field=cleared)["details"]["issues"][0][
                "code"] == "required"
        # a disabled endpoint gets no deliveries; the other one does
        Flow(api)
        assert settled(api, first["id"]) == []
        assert len(settled(api, second["id"], count=1)) == 1
        r = client.request("DELETE", f"/api/webhook-endpoints/{second['id']}",
                           headers=api.headers())
        assert r.json() == {"id": second["id"], "deleted": True}
        check(spec, "delete", "/api/webhook-endpoints/{endpoint_id}", 200, r.json())
        error(api.get(f"/api/webhook-endpoints/{second['id']}"), 404, "NOT_FOUND")
        error(client.request("DELETE", f"/api/webhook-endpoints/{second['id']}",
                             headers=api.headers()), 404, "NOT_FOUND")
        assert [e["id"] for e in api.get("/api/webhook-endpoints").json()["data"]] == [
            first["id"]]
        # a warehouse-scoped key manages no endpoints
        scoped = api.as_key(world.key(api.account_id, warehouse_id=api.warehouse_id))
        error(scoped.get("/api/webhook-endpoints"), 403, "INVALID_ACCOUNT_SCOPE")
        error(scoped.post("/api/webhook-endpoints", {
            "accountId": api.account_id, "url": receiver.url, "enabledEvents": ["*"]}),
            403, "INVALID_ACCOUNT_SCOPE")


def test_urls_are_checked_again_at_delivery_and_the_connection_pinned(world, hooks, receiver):
    """DNS rebinding: the host resolved to a public address at registration and to a private
    one when the delivery is made. The delivery is refused; nothing reaches the address."""
    answers = {"hooks.example.com": ["93.184.216.34"]}

    def resolver(host, port):
        return answers[host]

    app = hooks()
    app.state.webhooks.resolver = resolver
    with TestClient(app) as client:
        api = world.tenant(client)
        endpoint = register(api, "https://hooks.example.com/entrygo")
        answers["hooks.example.com"] = ["10.0.0.8"]
        Flow(api)
        (delivery,) = settled(api, endpoint["id"])
        assert delivery["status"] == "retrying" and delivery["responseStatus"] is None
        assert "refused" in delivery["error"] and "private" in delivery["error"]
    rules = UrlRules()
    target = check_url("https://hooks.example.com:8443/a?b=1", rules,
                       lambda h, p: ["93.184.216.34", "2606:2800:220:1::1"])
    assert (target.url, target.host_header, target.server_name) == (
        "https://93.184.216.34:8443/a?b=1", "hooks.example.com:8443", "hooks.example.com")
    for addresses in (["93.184.216.34", "127.0.0.1"], ["64:ff9b::a9fe:a9fe"], ["100.64.0.1"],
                      ["fd00:ec2::254"], ["0.0.0.0"], ["224.0.0.1"]):
        with pytest.raises(ValueError):
            check_url("https://hooks.example.com/", rules, lambda h, p, a=addresses: a)
    # an allowed on-premise host may be private; loopback needs the test setting
    assert check_url("https://erp.corp/x", UrlRules(allowed_hosts=frozenset({"erp.corp"})),
                     lambda h, p: ["10.1.1.1"]).address == "10.1.1.1"
    with pytest.raises(ValueError):
        check_url(receiver.url, rules)
    assert check_url(receiver.url, UrlRules(allow_http_loopback=True)).server_name is None
