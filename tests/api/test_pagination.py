"""A list cursor is bound to the list that issued it and to the caller's account."""

from __future__ import annotations

import pytest

from tests.support import Flow, error, product


@pytest.fixture
def flow(api):
    return Flow(api)


def test_a_cursor_pages_its_own_list(flow):
    api = flow.api
    first = api.get("/api/products?limit=1").json()
    assert first["has_more"] is True
    second = api.get(f"/api/products?limit=1&cursor={first['next_cursor']}").json()
    assert [p["id"] for p in first["data"] + second["data"]] == sorted(
        [flow.bottle, flow.notebook], reverse=True)


def test_a_cursor_from_another_list_is_refused(flow):
    api = flow.api
    flow.order("o-1")
    flow.order("o-2")
    cursor = api.get("/api/products?limit=1").json()["next_cursor"]
    for other in ("/api/orders", "/api/exports", "/api/warehouses", "/api/brokers"):
        body = error(api.get(f"{other}?cursor={cursor}"), 400, "VALIDATION_ERROR", "cursor")
        assert body["details"]["issues"][0]["path"] == "cursor"
    orders_cursor = api.get("/api/orders?limit=1").json()["next_cursor"]
    error(api.get(f"/api/products?cursor={orders_cursor}"), 400, "VALIDATION_ERROR", "cursor")
    assert api.get(f"/api/orders?cursor={orders_cursor}").status_code == 200


def test_a_cursor_from_another_account_is_refused(flow, world, client):
    other = world.tenant(client, "Other merchant")
    other.sync_products(product("A"), product("B"))
    cursor = other.get("/api/products?limit=1").json()["next_cursor"]
    assert other.get(f"/api/products?cursor={cursor}").status_code == 200
    error(flow.api.get(f"/api/products?cursor={cursor}"), 400, "VALIDATION_ERROR", "cursor")


def test_a_cursor_that_is_not_one_is_refused_on_cursor(flow):
    api = flow.api
    for bad in ("not a cursor", "abc%2F%2F", "x" * 201):
        body = error(api.get(f"/api/orders?cursor={bad}"), 400, "VALIDATION_ERROR", "cursor")
        assert body["details"]["issues"][0]["path"] == "cursor"
