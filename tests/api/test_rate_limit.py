"""Per-key rate limits: 429 RATE_LIMITED with Retry-After and RateLimit headers; in memory and
shared through Redis."""

from __future__ import annotations

import os
import re
import secrets

import pytest
import redis
from fastapi.testclient import TestClient

from entrygo.app import create_app

REDIS_URL = os.environ.get("ENTRYGO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = os.environ.get("ENTRYGO_TEST_REQUIRE_REDIS", "") not in ("", "0", "false")


@pytest.fixture
def redis_url():
    """A reachable Redis; skipped without one, unless ENTRYGO_TEST_REQUIRE_REDIS (CI)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis is required (ENTRYGO_TEST_REQUIRE_REDIS) but unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def limiter_url(request):
    return None if request.param == "memory" else request.getfixturevalue("redis_url")


def limited_app(settings, redis_url, rule="5/minute"):
    return create_app(settings.model_copy(update={"rate_limit": rule, "redis_url": redis_url}))


def test_over_the_limit_is_429_with_headers_and_changes_nothing(settings, world, limiter_url):
    app = limited_app(settings, limiter_url)
    account = world.account()
    key, other_key = world.key(account), world.key(account)
    auth = {"authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        remaining = []
        for _ in range(5):
            r = client.get("/api/system/health", headers=auth)
            assert r.status_code == 200
            assert r.headers["ratelimit-policy"] == '"default";q=5;w=60'
            match = re.fullmatch(r'"default";r=(\d+);t=(\d+)', r.headers["ratelimit"])
            assert match and 1 <= int(match.group(2)) <= 60
            remaining.append(int(match.group(1)))
        assert remaining == [4, 3, 2, 1, 0]
        r = client.post("/api/warehouses", json={"accountId": account, "name": "Over",
                                                 "country": "CA"}, headers=auth)
        assert r.status_code == 429
        body = r.json()
        assert body["errorCode"] == "RATE_LIMITED" and body["requestId"]
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.headers["ratelimit-policy"] == '"default";q=5;w=60'
        assert r.headers["ratelimit"].startswith('"default";r=0;')
        # another key of the same account has its own budget
        other = client.get("/api/warehouses", headers={"authorization": f"Bearer {other_key}"})
        assert other.status_code == 200
        assert [w["name"] for w in other.json()["data"]] == []  # the 429 wrote nothing
    app.state.db.dispose()


def test_redis_shares_the_budget_between_processes(settings, world, redis_url):
    first, second = limited_app(settings, redis_url), limited_app(settings, redis_url)
    account = world.account()
    auth = {"authorization": f"Bearer {world.key(account)}"}
    with TestClient(first) as a, TestClient(second) as b:
        statuses = [c.get("/api/system/health", headers=auth).status_code
                    for c in (a, b, a, b, a, b, a)]
    assert statuses == [200] * 5 + [429] * 2
    for app in (first, second):
        app.state.db.dispose()


def test_unauthenticated_requests_are_not_counted_against_a_key(settings, world, limiter_url):
    app = limited_app(settings, limiter_url, rule="2/minute")
    account = world.account()
    key = world.key(account)
    with TestClient(app) as client:
        for _ in range(5):
            assert client.get("/api/system/health", headers={
                "authorization": "Bearer shpbndl_live_" + secrets.token_hex(20)}).status_code \
                == 401
            assert client.get("/api/system/live").status_code == 200
        assert client.get("/api/system/health",
                          headers={"authorization": f"Bearer {key}"}).status_code == 200
    app.state.db.dispose()
