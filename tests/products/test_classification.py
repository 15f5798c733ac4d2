"""Product readiness against the tariff schedule, over the API on both backends: the schedule's
description of the product's HTS code beside its own, and the lines an HTS finding suggests."""

from __future__ import annotations

import pytest

from tests.support import check, product


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def messages(p: dict, prefix: str) -> list[dict]:
    return [m for m in p["readiness"]["messages"] if m["code"].startswith(prefix)]


def test_readiness_shows_the_schedules_description_and_suggests_lines(api, spec):
    r = api.sync_products(
        product("PAN"),  # 7323.93.0045
        product("TEE", htsCode="6109.10.00", title="Men's T-shirt, cotton",
                customsDescription="Men's T-shirt of knitted cotton jersey",
                materials=[{"material": "cotton", "pctByWeight": 100}]),
        product("ODD", htsCode="7323.93.0099"),
        product("RUG", htsCode="5702.42.2080", title="Flat-woven rug",
                customsDescription="Flat-woven polypropylene rug, 1.2 x 1.8 m"))
    assert r.status_code == 200, r.text
    check(spec, "post", "/api/products/sync", 200, r.json())
    pan, tee, odd, rug = r.json()["data"]

    assert pan["readiness"]["classification"] == {
        "htsCode": "7323930045", "units": ["No.", "kg"], "scheduleRevision": "2026 Rev. 11",
        "path": ["Table, kitchen or other household articles and parts thereof, of iron or "
                 "steel; iron or steel wool; pot scourers and scouring or polishing pads, "
                 "gloves and the like, of iron or steel:", "Other:", "Of stainless steel",
                 "Cooking and kitchen ware:", "Other:", "Cooking ware:", "Other"]}
    assert all(m["details"] is None for m in pan["readiness"]["messages"])

    (found,) = messages(tee, "HTS_")
    assert (found["code"], found["severity"], found["field"]) == (
        "HTS_NOT_STATISTICAL", "blocking", "htsCode")
    lines = found["details"]["statisticalLines"]
    assert len(lines) == 14 and lines[3] == {
        "htsCode": "6109100012", "units": ["doz.", "kg"],
        "description": "Men's or boys': > Other T-shirts: > Men's (338)"}
    assert tee["readiness"]["classification"] is None

    (found,) = messages(odd, "HTS_")
    assert found["code"] == "HTS_NOT_IN_SCHEDULE"
    assert found["details"]["suggestions"][0]["htsCode"].startswith("73239300")
    assert odd["readiness"]["state"] == "BLOCKED"

    (found,) = messages(rug, "STATISTICAL_")
    assert (found["code"], found["field"]) == ("STATISTICAL_QUANTITY_DATA_MISSING",
                                               "measures.areaM2")
    assert "m²" in found["message"]
    fixed = api.sync_products(product("RUG", htsCode="5702.42.2080", title="Flat-woven rug",
                                      customsDescription="Flat-woven polypropylene rug, "
                                      "1.2 x 1.8 m", measures={"areaM2": 2.16})).json()
    assert not messages(fixed["data"][0], "STATISTICAL_")
    listed = api.get("/api/products")
    check(spec, "get", "/api/products", 200, listed.json())
