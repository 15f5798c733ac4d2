"""Fixtures of the MCP server's tests: a live EntryGo server process (on SQLite and on
PostgreSQL, through the ``backend`` parameter under ``http_server``) with a real SMTP server
and webhooks to loopback allowed, a merchant set up on it, and ``entrygo mcp`` in front of it
with a policy the test writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.mcp.agent import McpServer, Shop, open_shop, toml


@pytest.fixture
def server(http_server: Any, smtp: Any) -> str:
    return str(http_server(ENTRYGO_SMTP_URL=smtp.url,
                           ENTRYGO_WEBHOOKS_ALLOW_HTTP_LOOPBACK="true"))


@pytest.fixture
def shop(server: str, world: Any) -> Shop:
    return open_shop(world, server)


@pytest.fixture
def mcp_server(shop: Shop, tmp_path: Path) -> Callable[..., McpServer]:
    """``entrygo mcp`` for the shop: ``mcp_server(transport, policy_settings)``; the policy
    is written as TOML (``as_json`` for a JSON file), or left out when None."""

    def make(transport: str, policy: dict[str, Any] | None = None, *, as_json: bool = False,
             env: dict[str, str] | None = None) -> McpServer:
        path = None
        if policy is not None:
            import json

            path = tmp_path / ("policy.json" if as_json else "policy.toml")
            path.write_text(json.dumps(policy) if as_json else toml(policy), encoding="utf-8")
        return McpServer(transport, shop, path, tmp_path, env)

    return make
